"""Competition scorers: each turns a submission file into the competition's scores.

The ``score`` command's arguments live in :mod:`neuroarena.challenges.commands`, which imports nothing
heavy, so that the command line starts fast.
"""
