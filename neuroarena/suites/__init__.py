"""Suites: named, versioned lists of (task, dataset) pairs."""
