"""One registry of models: baselines, classic braindecode nets, handcrafted pipelines, user models.

Light on purpose: builders and their heavy imports load only when a model is built.
"""
from __future__ import annotations

from neuroarena.models.registry import (
    MODEL_SPECS,
    ModelSpec,
    build_model,
    expand_models,
    get_model,
    list_models,
    load_entry_points,
    register_model,
)

__all__ = [
    "MODEL_SPECS",
    "ModelSpec",
    "build_model",
    "expand_models",
    "get_model",
    "list_models",
    "load_entry_points",
    "register_model",
]
