"""Benchmarks: `make bench` (python -m bench [NAME]) runs every bench/bench_*.py module that
defines run(), in name order, against its own PostgreSQL database `alignment_bench`."""
