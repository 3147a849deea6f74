"""Benchmarks: ``python -m bench.foundation`` (import and page timings); grouping under bench/grouping."""
