"""Train/validation/test splits of a window table, and the audit that proves them leak-free.

Import from the submodules (``neuroarena.splits.splitters``, ``neuroarena.splits.audit``);
this package stays light so that the command line starts fast.
"""
