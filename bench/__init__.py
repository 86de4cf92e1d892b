"""Benchmarks: ``python bench/NAME.py``; the last line reads ``bench NAME: ... ratio=X``."""
