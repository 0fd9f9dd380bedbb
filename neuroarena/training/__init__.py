"""One training recipe: Lightning for nets, ``fit`` for estimators, and the losses."""
