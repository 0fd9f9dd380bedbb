"""Benchmark tasks, one YAML file each."""
