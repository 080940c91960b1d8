"""Helpers of bench/lrs_bench.py (named so as not to shadow the ``lrs`` package on sys.path)."""
