"""Detection: rules over recent samples and log lines, and the incident lifecycle."""
