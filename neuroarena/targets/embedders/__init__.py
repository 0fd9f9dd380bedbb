"""Stimulus embeddings from frozen models (DINOv2, CLIP, sentence-transformers, EfficientNet-Lite).

:func:`embed_stimuli` turns a study's stimulus table into one vector per stimulus, computing each
unique image file or caption once and keeping the result in a content-keyed cache on disk. Torch
and the model libraries are imported only when a model is loaded.
"""
from neuroarena.targets.embedders.config import EMBEDDERS, EmbedderConfig, resolve_embedder
from neuroarena.targets.embedders.embed import embed_stimuli, embedding_cache_root

__all__ = ["EMBEDDERS", "EmbedderConfig", "embed_stimuli", "embedding_cache_root", "resolve_embedder"]
