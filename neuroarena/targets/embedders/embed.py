"""Embed a study's stimuli, each unique content once, through the on-disk cache."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import cache_dir
from neuroarena.targets.embedders.cache import EmbeddingCache
from neuroarena.targets.embedders.config import EmbedderConfig, resolve_embedder
from neuroarena.targets.embedders.encoders import Encoder, load_encoder
from neuroarena.targets.embedders.inputs import IO_THREADS, content_keys, read_image, stimulus_inputs

if TYPE_CHECKING:
    import pandas as pd

#: Computed vectors are written to the cache at least every this many stimuli (and when a run fails).
SHARD_ROWS = 1024


def embedding_cache_root() -> Path:
    """Default folder of the embedding caches: ``$NEUROARENA_HOME/cache/embeddings``."""
    return cache_dir() / "embeddings"


def embed_stimuli(config: "EmbedderConfig | str", stimuli: "pd.DataFrame", cache_root: Path | None = None,
                  device: str | None = None, progress: bool = False) -> "pd.DataFrame":
    """Embed every stimulus, computing each unique image file (or caption) once and caching it.

    A stimulus is keyed by the embedder's :attr:`~EmbedderConfig.hash` and the sha256 of its image
    file's bytes (image embedders) or of its caption (caption embedders): two ids sharing a file are
    computed once, a renamed file is found in the cache, an edited file is computed again. When every
    stimulus is cached the model is not loaded.

    Parameters
    ----------
    config : EmbedderConfig or str
        The embedder, or anything :func:`resolve_embedder` accepts.
    stimuli : DataFrame, shape (n_stimuli, ...)
        Indexed by stimulus id, with an ``image`` (path) column for image embedders or a
        ``caption`` column for caption embedders (see :meth:`neuroarena.studies.base.Study.stimuli`).
    cache_root : Path, optional
        Folder of the caches; default :func:`embedding_cache_root`.
    device : str, optional
        Torch device; default a GPU when available (bfloat16 autocast), else the CPU (float32).
    progress : bool
        Show a progress bar over the batches computed.

    Returns
    -------
    DataFrame, shape (n_stimuli, dim), float32
        Indexed like ``stimuli``, one column per dimension. ``attrs`` holds ``embedder`` (the
        config hash), ``computed`` and ``cached`` (numbers of unique contents).

    Raises
    ------
    NeuroarenaError
        A missing or unreadable image file, an empty caption (naming the stimulus and file), or
        a model that is not available locally.
    """
    import pandas as pd

    config = resolve_embedder(config)
    if len(stimuli) == 0:
        raise NeuroarenaError("the stimulus table is empty", fix="embed a study that has stimuli")
    inputs = stimulus_inputs(stimuli, config.source)
    keys = content_keys(inputs, config.source)
    input_of = dict(zip(keys, inputs))
    cache = EmbeddingCache(cache_root if cache_root is not None else embedding_cache_root(), config)
    vectors = cache.load(list(input_of))
    missing = [key for key in input_of if key not in vectors]
    if missing:
        vectors.update(_compute(load_encoder(config, device), config, cache, missing, input_of, progress))
    table = pd.DataFrame(np.stack([vectors[key] for key in keys]).astype(np.float32, copy=False),
                         index=stimuli.index.copy())
    table.attrs.update(embedder=config.hash, computed=len(missing), cached=len(input_of) - len(missing))
    return table


def _compute(encoder: Encoder, config: EmbedderConfig, cache: EmbeddingCache, keys: list[str],
             input_of: dict[str, str], progress: bool) -> dict[str, np.ndarray]:
    batches = [keys[start:start + config.batch_size] for start in range(0, len(keys), config.batch_size)]
    computed: dict[str, np.ndarray] = {}
    pending: list[str] = []
    try:
        for batch, items in _with_progress(_read_ahead(batches, input_of, config.source), len(batches), progress):
            vectors = encoder.encode(items)
            computed.update(zip(batch, vectors))
            pending.extend(batch)
            if len(pending) >= SHARD_ROWS:
                cache.add(pending, np.stack([computed[key] for key in pending]))
                pending = []
    finally:
        if pending:
            cache.add(pending, np.stack([computed[key] for key in pending]))
    cache.compact()
    return computed


def _read_ahead(batches: list[list[str]], input_of: dict[str, str], source: str) -> Iterator[tuple[list[str], list]]:
    """Yield (keys, decoded inputs) per batch, decoding the next batch's images while this one is embedded."""
    if source == "caption":
        for batch in batches:
            yield batch, [input_of[key] for key in batch]
        return
    with ThreadPoolExecutor(IO_THREADS) as pool:
        def submit(batch: list[str]) -> list[Future]:
            return [pool.submit(read_image, input_of[key]) for key in batch]

        upcoming = submit(batches[0])
        for index, batch in enumerate(batches):
            current = upcoming
            if index + 1 < len(batches):
                upcoming = submit(batches[index + 1])
            yield batch, [future.result() for future in current]


def _with_progress(iterable: Iterator[Any], total: int, progress: bool) -> Iterator[Any]:
    if not progress:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc="embedding", unit="batch")
