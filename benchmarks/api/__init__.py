"""Load on the HTTP API while the detection loop runs and a browser has the dashboard open."""
