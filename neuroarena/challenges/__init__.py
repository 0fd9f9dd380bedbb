"""Competition scorers: each turns a submission file into the competition's scores.

Scorer modules import only numpy at top level, so that the command line starts fast.
"""
