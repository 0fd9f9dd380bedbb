"""The models of vision a benchmark can score, by name; users add theirs with :func:`register_vision_model`.

Offline: ``pixels``, ``v1`` (Gabor / HMAX, written here), ``efficientnet-lite0`` (ImageNet weights from its
package), ``random`` (features that ignore the image) and, on a simulated study, ``oracle`` (the simulator's
latent features: what the EEG encodes). With weights from a local file or folder (``weights``): the
torchvision architectures (``alexnet``, ``resnet18``, ``resnet50``, ``vgg16``, ``vit_b_16``) and HuggingFace
vision models (``dinov2``, ``clip``); ``pretrained=False`` builds any network with random weights, the
control of what training added (its identifier ends in ``-untrained``).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from neuroarena.alignment.vision_model import VisionModel
from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.alignment.networks import ImageNetwork
    from neuroarena.studies.base import Study


@dataclass(frozen=True)
class BuildContext:
    """What a builder may use: the study (its stimuli, a simulation's truth), the weights and the caches."""

    study: "Study"
    pretrained: bool = True
    weights: str | None = None
    activation_cache: Path | None = None


@dataclass(frozen=True)
class Built:
    """A builder's product: the features of named layers and what they depend on (enters the record's hash)."""

    features: Callable[["pd.DataFrame", Sequence[str]], dict[str, np.ndarray]]
    layers: tuple[str, ...]
    content: dict[str, Any]
    network: "ImageNetwork | None" = None


@dataclass(frozen=True)
class VisionModelInfo:
    name: str
    description: str
    builder: Callable[[BuildContext], Built]
    trainable: bool  # has weights that pretrained=False replaces by random ones


VISION_MODELS: dict[str, VisionModelInfo] = {}
#: Groups of models: every model that runs offline on any study with images, and with the simulation's truth.
VISION_GROUPS = {"all_vision": ("pixels", "v1", "efficientnet-lite0", "random", "oracle")}


def register_vision_model(name: str, description: str, trainable: bool = False):
    """Decorator: register ``builder(context) -> Built`` under ``name``."""
    def decorate(builder: Callable[[BuildContext], Built]) -> Callable[[BuildContext], Built]:
        VISION_MODELS[name] = VisionModelInfo(name, description, builder, trainable)
        return builder

    return decorate


def network_features(network: "ImageNetwork", context: BuildContext) -> Built:
    """``Built`` of an image network whose activations are cached by content."""
    from neuroarena.alignment.activations import cached_activations
    from neuroarena.home import cache_dir

    root = context.activation_cache or cache_dir() / "activations"
    return Built(lambda stimuli, layers: cached_activations(network, stimuli, layers, root), network.layers,
                 network.content, network)


@register_vision_model("pixels", "grey-level pixels at 32 x 32: the floor any model of vision must beat")
def _pixels(context: BuildContext) -> Built:
    from neuroarena.alignment.networks import PixelNetwork

    return network_features(PixelNetwork(), context)


@register_vision_model("v1", "Gabor simple (s1) and complex cells (c1, HMAX max-pooling): a model of V1")
def _v1(context: BuildContext) -> Built:
    from neuroarena.alignment.networks import V1Network

    return network_features(V1Network(), context)


@register_vision_model("efficientnet-lite0", "EfficientNet-Lite0, ImageNet weights from its package", trainable=True)
def _efficientnet(context: BuildContext) -> Built:
    from neuroarena.alignment.networks import efficientnet_lite

    return network_features(efficientnet_lite(pretrained=context.pretrained), context)


def _torchvision(arch: str) -> Callable[[BuildContext], Built]:
    def build(context: BuildContext) -> Built:
        from neuroarena.alignment.networks import torchvision_network

        return network_features(torchvision_network(arch, context.weights, context.pretrained), context)

    return build


for _arch in ("alexnet", "resnet18", "resnet50", "vgg16", "vit_b_16"):
    register_vision_model(_arch, f"torchvision {_arch}; ImageNet weights from --weights FILE.pth",
                          trainable=True)(_torchvision(_arch))


def _huggingface(kind: str) -> Callable[[BuildContext], Built]:
    def build(context: BuildContext) -> Built:
        from neuroarena.alignment.networks import huggingface_network

        if context.weights is None:
            raise NeuroarenaError(f"{kind} needs its model folder",
                                  fix="download it (e.g. facebook/dinov2-base) and pass --weights DIR")
        return network_features(huggingface_network(context.weights, context.pretrained), context)

    return build


register_vision_model("dinov2", "DINOv2 from a local HuggingFace folder (--weights DIR)", trainable=True)(
    _huggingface("dinov2"))
register_vision_model("clip", "CLIP's vision tower from a local HuggingFace folder (--weights DIR)", trainable=True)(
    _huggingface("clip"))


@register_vision_model("random", "64 Gaussian features per image, seeded by the image's id: no relation to the image")
def _random(context: BuildContext) -> Built:
    def features(stimuli: "pd.DataFrame", layers: Sequence[str]) -> dict[str, np.ndarray]:
        rows = [np.random.default_rng(int.from_bytes(hashlib.sha256(str(s).encode()).digest()[:8], "little"))
                .standard_normal(64) for s in stimuli.index]
        return {"random": np.stack(rows).astype(np.float32)}

    return Built(features, ("random",), {"kind": "random", "dim": 64})


@register_vision_model("oracle", "the simulator's latent features of each image (simulated studies only)")
def _oracle(context: BuildContext) -> Built:
    table = context.study.stimulus_features()
    if table is None:
        raise NeuroarenaError(f"the study {type(context.study).__name__} has no true stimulus features",
                              fix="the oracle runs on simulated studies (--dataset simulated)")

    def features(stimuli: "pd.DataFrame", layers: Sequence[str]) -> dict[str, np.ndarray]:
        return {"latent": table.loc[stimuli.index.astype(str)].to_numpy(dtype=np.float32)}

    return Built(features, ("latent",), {"kind": "oracle", "study": context.study.params()})


def vision_model_names(names: Sequence[str]) -> list[str]:
    """Expand groups; unknown names stop with the list of known ones."""
    out: list[str] = []
    for name in names:
        for member in VISION_GROUPS.get(name, (name,)):
            if member not in VISION_MODELS:
                raise NeuroarenaError(f"unknown model of vision {member!r}",
                                      fix=f"use one of {', '.join(sorted(VISION_MODELS))} or all_vision")
            if member not in out:
                out.append(member)
    return out


def identifier(name: str, pretrained: bool = True) -> str:
    """The record's model name: ``name``, or ``name-untrained`` for a trainable model with random weights."""
    return name if pretrained or not VISION_MODELS[name].trainable else f"{name}-untrained"


def build_vision_model(name: str, context: BuildContext) -> tuple[VisionModel, Built]:
    """The model ``name`` on ``context``'s study, uncommitted (see :meth:`VisionModel.commit`)."""
    info = VISION_MODELS[vision_model_names([name])[0]]
    built = info.builder(context)
    return VisionModel(identifier(name, context.pretrained), built.features, built.layers), built
