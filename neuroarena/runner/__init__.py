"""Expand a request into jobs and run them on an executor."""
