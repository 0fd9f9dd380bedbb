"""neuroarena: benchmarking AI models of brain activity."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "run", "run_suite", "prepare", "align", "pretrain_movies", "PretrainSpec"]


def __getattr__(name: str):
    if name in ("run", "run_suite", "prepare"):
        from neuroarena.runner import api

        return getattr(api, name)
    if name == "align":
        from neuroarena.alignment.api import align

        return align
    if name in ("pretrain_movies", "PretrainSpec"):
        from neuroarena.runner import pretrain

        return getattr(pretrain, name)
    raise AttributeError(f"module 'neuroarena' has no attribute {name!r}")
