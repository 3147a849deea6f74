"""Load test: see bench/load/run.py."""
