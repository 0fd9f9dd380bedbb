"""neuroarena: benchmarking AI models of brain activity."""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "run", "prepare", "pretrain_movies", "PretrainSpec"]


def __getattr__(name: str):
    if name in ("run", "prepare"):
        from neuroarena.runner import api

        return getattr(api, name)
    if name in ("pretrain_movies", "PretrainSpec"):
        from neuroarena.runner import pretrain

        return getattr(pretrain, name)
    raise AttributeError(f"module 'neuroarena' has no attribute {name!r}")
