"""A loaded embedder: a frozen model in eval mode that maps a batch of inputs to vectors."""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Protocol

import numpy as np

from neuroarena.targets.embedders.config import EmbedderConfig

if TYPE_CHECKING:
    import torch


class Encoder(Protocol):
    """What every loaded embedder offers."""

    def encode(self, items: list[Any]) -> np.ndarray:
        """Embed a batch.

        Parameters
        ----------
        items : list, length n
            RGB PIL images (image embedders) or caption strings (caption embedders).

        Returns
        -------
        ndarray, shape (n, dim), float32
        """


def resolve_device(device: str | None) -> str:
    """``device`` if given, else ``"cuda"`` when a GPU is available, else ``"cpu"``."""
    if device is not None:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@contextmanager
def inference(device: str) -> Iterator[None]:
    """No autograd; bfloat16 autocast on CUDA, float32 elsewhere."""
    import torch

    with torch.inference_mode():
        if torch.device(device).type == "cuda":
            with torch.autocast("cuda", dtype=torch.bfloat16):
                yield
        else:
            yield


def to_numpy(vectors: "torch.Tensor") -> np.ndarray:
    """A (n, dim) tensor on any device and dtype as a float32 array."""
    return vectors.float().cpu().numpy()


def load_encoder(config: EmbedderConfig, device: str | None = None) -> Encoder:
    """Load the model of ``config`` once, in eval mode, on ``device`` (default: a GPU if available).

    Raises
    ------
    NeuroarenaError
        The weights are not available locally (the message says what to download).
    """
    device = resolve_device(device)
    if config.kind == "dinov2":
        from neuroarena.targets.embedders.vision import Dinov2Encoder as encoder_class
    elif config.kind == "clip_image":
        from neuroarena.targets.embedders.vision import ClipImageEncoder as encoder_class
    elif config.kind == "efficientnet_lite":
        from neuroarena.targets.embedders.efficientnet import EfficientNetLiteEncoder as encoder_class
    elif config.kind == "clip_text":
        from neuroarena.targets.embedders.text import ClipTextEncoder as encoder_class
    else:
        from neuroarena.targets.embedders.text import SentenceTransformerEncoder as encoder_class
    return encoder_class(config, device)
