"""What the models predict: encoded labels, standardized values, stimulus embeddings.

Import from the submodules (``neuroarena.targets.labels``, ``neuroarena.targets.embeddings``);
this package stays light so that the command line starts fast.
"""
