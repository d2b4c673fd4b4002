"""Benchmarks of 12345 Chat (`make bench`): numbers for the notes, never assertions."""
