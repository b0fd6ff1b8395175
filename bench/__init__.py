"""Benchmarks run by `manage.py bench` on a throwaway database; nothing here is served in production."""
