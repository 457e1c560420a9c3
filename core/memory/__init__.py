"""What the tool remembers across incidents: fingerprints, similar past incidents, feedback priors, postmortems."""
