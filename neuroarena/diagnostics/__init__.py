"""Why a model scores what it scores: the autopsy of a trained net (see :mod:`~neuroarena.diagnostics.autopsy`)."""
