"""Benchmarks (`make bench`): figures printed as JSON lines, never asserted in tests."""
