"""Image embedders from HuggingFace transformers: DINOv2 (a chosen layer, CLS or mean) and CLIP."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.targets.embedders.config import EmbedderConfig
from neuroarena.targets.embedders.encoders import inference, to_numpy
from neuroarena.targets.embedders.locate import from_pretrained

if TYPE_CHECKING:
    from PIL.Image import Image


def load_image_processor(config: EmbedderConfig) -> Any:
    """The model's own image processor; with ``image_size``, its resize (shortest side) and centre crop set to it."""
    from transformers import AutoImageProcessor

    size = {} if config.image_size is None else {
        "size": {"shortest_edge": config.image_size},
        "crop_size": {"height": config.image_size, "width": config.image_size},
        "do_center_crop": True,
    }
    return from_pretrained(AutoImageProcessor.from_pretrained, config.model, config.revision, **size)


class Dinov2Encoder:
    """DINOv2 hidden state ``round(layer_fraction * n_layers)`` (or the final output), CLS or patch mean.

    The layers past the one read out are dropped, so they cost neither time nor memory.

    Parameters
    ----------
    config : EmbedderConfig
        ``kind="dinov2"``.
    device : str
    """

    def __init__(self, config: EmbedderConfig, device: str):
        from transformers import Dinov2Model

        self.device = device
        self.pooling = config.pooling
        self.processor = load_image_processor(config)
        self.model = from_pretrained(Dinov2Model.from_pretrained, config.model, config.revision).to(device).eval()
        n_layers = len(self.model.encoder.layer)
        self.layer = None if config.layer_fraction is None else round(config.layer_fraction * n_layers)
        self._captured: list = []
        if self.layer is not None:
            del self.model.encoder.layer[self.layer:]
            read_out = self.model.embeddings if self.layer == 0 else self.model.encoder.layer[self.layer - 1]
            read_out.register_forward_hook(self._capture)

    def _capture(self, module: Any, args: Any, output: Any) -> None:
        self._captured.append(output[0] if isinstance(output, tuple) else output)

    def encode(self, items: list["Image"]) -> np.ndarray:
        """Embed images; returns ndarray, shape (n, hidden_size), float32."""
        pixels = self.processor(images=items, return_tensors="pt")["pixel_values"].to(self.device)
        with inference(self.device):
            output = self.model(pixel_values=pixels)
            tokens = output.last_hidden_state if self.layer is None else self._captured.pop()
            self._captured.clear()
            pooled = tokens[:, 0] if self.pooling == "cls" else tokens[:, 1:].mean(dim=1)
        return to_numpy(pooled)


class ClipImageEncoder:
    """CLIP image embedding: the vision tower's pooled output through the visual projection.

    Parameters
    ----------
    config : EmbedderConfig
        ``kind="clip_image"``; an ``image_size`` other than the model's interpolates its position embedding.
    device : str
    """

    def __init__(self, config: EmbedderConfig, device: str):
        from transformers import CLIPModel

        self.device = device
        self.processor = load_image_processor(config)
        self.model = from_pretrained(CLIPModel.from_pretrained, config.model, config.revision).to(device).eval()
        native = self.model.config.vision_config.image_size
        self.interpolate = config.image_size is not None and config.image_size != native

    def encode(self, items: list["Image"]) -> np.ndarray:
        """Embed images; returns ndarray, shape (n, projection_dim), float32."""
        import torch

        pixels = self.processor(images=items, return_tensors="pt")["pixel_values"].to(self.device)
        with inference(self.device):
            output = self.model.get_image_features(pixel_values=pixels, interpolate_pos_encoding=self.interpolate)
            embeds = output if isinstance(output, torch.Tensor) else output.pooler_output
        return to_numpy(embeds)
