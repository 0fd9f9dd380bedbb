"""Scores: accumulate-then-compute metrics, normalized scores and ranks.

Import from the submodules (``neuroarena.metrics.registry``, ...); this package
stays light so that the command line starts fast.
"""
