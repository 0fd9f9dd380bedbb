"""EEG foundation models from braindecode, pretrained or from scratch, under an adaptation preset.

Every builder checks the windows against the model's :data:`FM_INPUT_RULES` entry, builds the
braindecode class at its published size (size keyword arguments are passed through, for tests
and for other checkpoints), loads the pretrained weights found on disk (:mod:`.weights`),
re-initialises the task head, and sets what trains (:mod:`.adaptation`). The returned
:class:`FoundationNet` maps ``X : Tensor, shape (batch, n_chans, n_times)`` to ``(batch, n_outputs)``.
"""
from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Montage name 'standard_10", category=FutureWarning)
    warnings.filterwarnings("ignore", module="wfdb")
    from braindecode.models import BENDR, BIOT, EEGPT, LUNA, REVE, CBraMod, Labram
    from braindecode.models.labram import LABRAM_CHANNEL_ORDER

from neuroarena.errors import NeuroarenaError
from neuroarena.models.adaptation import adapt
from neuroarena.models.input_rules import FM_INPUT_RULES
from neuroarena.models.nets import build_braindecode_net
from neuroarena.models.weights import WeightSource, load_pretrained, resolve_weights

#: Published checkpoints (HuggingFace repository, file).
WEIGHT_SOURCES: dict[str, WeightSource] = {
    "bendr": WeightSource("braindecode/braindecode-bendr"),
    "labram": WeightSource("braindecode/labram-pretrained"),
    "biot": WeightSource("braindecode/biot-pretrained-prest-16chs"),
    "cbramod": WeightSource("braindecode/cbramod-pretrained"),
    "luna": WeightSource("PulpBio/LUNA", ("LUNA_base.safetensors",)),
    "reve": WeightSource("brain-bzh/reve-base"),
    "eegpt": WeightSource("braindecode/eegpt-pretrained"),
}
#: REVE's electrode positions of its pretraining, by channel name (a file beside its weights).
REVE_POSITIONS = WeightSource("brain-bzh/reve-positions", ("positions.json",))


class FoundationNet(torch.nn.Module):
    """A braindecode foundation model with the inputs its forward needs besides the signal.

    Parameters
    ----------
    backbone : torch.nn.Module
        The braindecode model, head included (``backbone.final_layer``).
    transform : torch.nn.Module, optional
        Applied to ``X`` first (e.g. BENDR's amplitude channel).
    ch_names : list of str, optional
        Passed as ``ch_names=`` (LaBraM's channel embeddings).
    positions : Tensor, shape (n_chans, 3), optional
        Electrode positions, passed per batch as ``positions_argument=``.
    positions_argument : str
        Name of the backbone's forward argument taking ``(batch, n_chans, 3)`` positions.
    """

    def __init__(self, backbone: torch.nn.Module, *, transform: torch.nn.Module | None = None,
                 ch_names: list[str] | None = None, positions: torch.Tensor | None = None,
                 positions_argument: str = "pos"):
        super().__init__()
        self.backbone = backbone
        self.transform = transform if transform is not None else torch.nn.Identity()
        self.ch_names = ch_names
        self.positions_argument = positions_argument
        self.register_buffer("positions", positions, persistent=False)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Outputs, shape (batch, n_outputs), of windows ``X``, shape (batch, n_chans, n_times)."""
        X = self.transform(X)
        extra: dict[str, Any] = {}
        if self.ch_names is not None:
            extra["ch_names"] = self.ch_names
        if self.positions is not None:
            extra[self.positions_argument] = self.positions.to(X.dtype).expand(len(X), -1, -1)
        return self.backbone(X, **extra)


class BendrAmplitudeChannel(torch.nn.Module):
    """BENDR's input from its 19 EEG channels: each window min-max scaled to [-1, 1] over all channels,
    plus a 20th channel holding its relative amplitude ``2 * (min(ptp / max_scale, 1) - 0.5)``
    (dn3's ``To1020`` and ``MappingDeep1010``, as in pretraining).

    Parameters
    ----------
    max_scale : float
        Peak-to-peak amplitude mapped to the top of the range; 40 covers windows clipped at +-20.
    """

    def __init__(self, max_scale: float = 40.0):
        super().__init__()
        self.max_scale = float(max_scale)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """(batch, 19, n_times) -> (batch, 20, n_times)."""
        low = X.amin(dim=(1, 2), keepdim=True)
        span = X.amax(dim=(1, 2), keepdim=True) - low
        scaled = 2 * (X - low) / span.clamp_min(1e-6) - 1
        amplitude = 2 * ((span / self.max_scale).clamp(max=1.0) - 0.5)
        return torch.cat([scaled, amplitude.expand(-1, 1, X.shape[-1])], dim=1)


def _finish(name: str, backbone: torch.nn.Module, *, pretrained: bool, weights: str | None, adaptation: str,
            fresh: tuple[str, ...] = ("final_layer.",), truncate: tuple[str, ...] = (),
            **inputs: Any) -> FoundationNet:
    """Load the pretrained weights (all but ``fresh``), apply the adaptation preset, wrap."""
    if pretrained:
        load_pretrained(backbone, resolve_weights(name, WEIGHT_SOURCES[name], weights), fresh=fresh,
                        truncate=truncate)
    adapt(backbone, adaptation, task_prefixes=fresh)
    return FoundationNet(backbone, **inputs)


def _check(name: str, n_chans: int, n_times: int, sfreq: float, chs_info: list[dict] | None) -> None:
    FM_INPUT_RULES[name].check(name=name, n_chans=n_chans, n_times=n_times, sfreq=sfreq, chs_info=chs_info)


def _positions(chs_info: list[dict]) -> torch.Tensor:
    """Electrode positions, shape (n_chans, 3), in metres (MNE head frame)."""
    return torch.tensor(np.array([np.asarray(ch["loc"], dtype=float)[:3] for ch in chs_info]), dtype=torch.float32)


def build_bendr(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                target_kind: str, pretrained: bool = True, weights: str | None = None, adaptation: str = "full",
                max_scale: float = 40.0, **net_params: Any) -> FoundationNet:
    """BENDR (Kostas et al. 2021): 19 10-20 channels at 256 Hz plus its relative-amplitude channel."""
    _check("bendr", n_chans, n_times, sfreq, chs_info)
    backbone = build_braindecode_net(BENDR, n_chans=n_chans + 1, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                     chs_info=None, **net_params)
    return _finish("bendr", backbone, pretrained=pretrained, weights=weights, adaptation=adaptation,
                   transform=BendrAmplitudeChannel(max_scale))


def build_labram(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                 target_kind: str, pretrained: bool = True, weights: str | None = None, adaptation: str = "full",
                 **net_params: Any) -> FoundationNet:
    """LaBraM (Jiang et al. 2024): 200-sample patches at 200 Hz, a learned embedding per 10-05 channel name."""
    _check("labram", n_chans, n_times, sfreq, chs_info)
    names = [ch["ch_name"] for ch in chs_info] if chs_info is not None else []
    unknown = [name for name in names if name.upper() not in LABRAM_CHANNEL_ORDER]
    if chs_info is None or unknown:
        raise NeuroarenaError(f"model 'labram' embeds channels by name but {unknown or 'the channels'} "
                              "have no LaBraM embedding", fix="drop them with picks in the prepare config")
    backbone = build_braindecode_net(Labram, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                     chs_info=None, **net_params)
    return _finish("labram", backbone, pretrained=pretrained, weights=weights, adaptation=adaptation,
                   truncate=("temporal_embedding",), ch_names=names)


def build_biot(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
               target_kind: str, pretrained: bool = True, weights: str | None = None, adaptation: str = "full",
               **net_params: Any) -> FoundationNet:
    """BIOT (Yang et al. 2023): STFT tokens of 1 s at 200 Hz; per-channel tokens are learned for the task."""
    _check("biot", n_chans, n_times, sfreq, chs_info)
    backbone = build_braindecode_net(BIOT, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                     chs_info=chs_info, **net_params)
    return _finish("biot", backbone, pretrained=pretrained, weights=weights, adaptation=adaptation,
                   fresh=("final_layer.", "encoder.channel_tokens."))


def build_cbramod(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                  target_kind: str, pretrained: bool = True, weights: str | None = None, adaptation: str = "full",
                  **net_params: Any) -> FoundationNet:
    """CBraMod (Wang et al. 2025): criss-cross attention over 200-sample patches at 200 Hz."""
    _check("cbramod", n_chans, n_times, sfreq, chs_info)
    backbone = build_braindecode_net(CBraMod, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                     chs_info=chs_info, **net_params)
    return _finish("cbramod", backbone, pretrained=pretrained, weights=weights, adaptation=adaptation)


def build_luna(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
               target_kind: str, pretrained: bool = True, weights: str | None = None, adaptation: str = "full",
               **net_params: Any) -> FoundationNet:
    """LUNA base (Döner et al. 2025): 40-sample patches at 256 Hz, channels unified from their positions."""
    _check("luna", n_chans, n_times, sfreq, chs_info)
    backbone = build_braindecode_net(LUNA, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                     chs_info=chs_info, **net_params)
    return _finish("luna", backbone, pretrained=pretrained, weights=weights, adaptation=adaptation,
                   positions=_positions(chs_info), positions_argument="channel_locations")


def build_reve(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
               target_kind: str, pretrained: bool = True, weights: str | None = None, adaptation: str = "full",
               **net_params: Any) -> FoundationNet:
    """REVE base (El Ouahidi et al. 2025): 1 s patches at 200 Hz with a 4D (position, time) embedding.

    Pretrained, the positions are REVE's own for each channel name (its ``positions.json``, found
    like the weights); from scratch, the electrodes' positions in the windows' channel info.
    """
    _check("reve", n_chans, n_times, sfreq, chs_info)
    names = [ch["ch_name"] for ch in chs_info]
    positions = _reve_bank_positions(names) if pretrained else _positions(chs_info)
    with _reve_position_bank(dict(zip(names, positions.tolist()))):
        backbone = build_braindecode_net(REVE, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                         chs_info=None, **net_params)
    return _finish("reve", backbone, pretrained=pretrained, weights=weights, adaptation=adaptation,
                   positions=positions, positions_argument="pos")


def build_eegpt(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                target_kind: str, pretrained: bool = True, weights: str | None = None, adaptation: str = "full",
                **net_params: Any) -> FoundationNet:
    """EEGPT (Wang et al. 2024): 64-sample patches at 256 Hz; a learned projection onto its 19 channels."""
    _check("eegpt", n_chans, n_times, sfreq, chs_info)
    backbone = build_braindecode_net(EEGPT, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                     chs_info=None, **net_params)
    return _finish("eegpt", backbone, pretrained=pretrained, weights=weights, adaptation=adaptation,
                   fresh=("final_layer.", "chan_proj."))


def _reve_bank_positions(names: list[str]) -> torch.Tensor:
    """REVE's pretraining positions of ``names``, shape (n_chans, 3)."""
    path = resolve_weights("reve-positions", REVE_POSITIONS)
    bank = {key.lower(): value for key, value in json.loads(path.read_text()).items()}
    missing = [name for name in names if name.lower() not in bank]
    if missing:
        raise NeuroarenaError(f"channels {missing} have no REVE position", path=path,
                              fix="drop them with picks in the prepare config")
    return torch.tensor([bank[name.lower()] for name in names], dtype=torch.float32)


@contextmanager
def _reve_position_bank(positions: dict[str, list[float]]) -> Iterator[None]:
    """Let braindecode's REVE read its position bank from a local file instead of downloading it."""
    previous = os.environ.get("REVE_POSITIONS_PATH")
    with tempfile.TemporaryDirectory(prefix="neuroarena-reve-") as folder:
        with open(os.path.join(folder, "reve_positions.json"), "w") as stream:
            json.dump(positions, stream)
        os.environ["REVE_POSITIONS_PATH"] = folder
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("REVE_POSITIONS_PATH", None)
            else:
                os.environ["REVE_POSITIONS_PATH"] = previous

