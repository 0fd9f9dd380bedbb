"""SimpleConv, the brain encoder of Défossez et al. 2023, with a temporal aggregation head.

Défossez, Caucheteux, Rapin, Kabeli & King (2023), "Decoding speech perception from
non-invasive brain recordings", Nature Machine Intelligence 5, 1097-1107. Written from the
paper's Methods: spatial attention over sensor positions, a 1x1 convolution, a subject layer,
residual dilated convolutions with a GLU convolution after every second one. The paper's output
is a time series; here a learned attention pooling over time and a linear layer give one vector,
``(batch, n_outputs)``. Defaults are smaller than the paper's (270 spatial channels, 320 hidden,
depth 10, 32 Fourier frequencies) so that the net trains quickly on a CPU.
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import torch
from torch import nn

from neuroarena.errors import NeuroarenaError

_POSITION_FIX = "set the montage before preparing (raw.set_montage) or drop the channels without positions"


def channel_positions(chs_info: list[dict] | None, model: str) -> np.ndarray:
    """3-D sensor positions from MNE channel info; a missing one raises.

    Parameters
    ----------
    chs_info : list of dict or None
        MNE ``info["chs"]`` (each with ``ch_name`` and ``loc``).
    model : str
        Model name, for the error message.

    Returns
    -------
    positions : ndarray, shape (n_chans, 3)
    """
    if chs_info is None:
        raise NeuroarenaError(f"model {model!r} needs channel positions but got no channel info", fix=_POSITION_FIX)
    positions = np.array([np.asarray(ch["loc"], dtype=float)[:3] for ch in chs_info])
    missing = [ch["ch_name"] for ch, xyz in zip(chs_info, positions)
               if not np.isfinite(xyz).all() or not np.any(xyz)]
    if missing:
        raise NeuroarenaError(f"model {model!r} needs channel positions; channel(s) {missing} have none",
                              fix=_POSITION_FIX)
    return positions


def project_to_plane(positions: np.ndarray) -> np.ndarray:
    """Azimuthal equidistant projection of 3-D head positions, scaled to [0, 1] per axis.

    Parameters
    ----------
    positions : ndarray, shape (n_chans, 3)
        Head coordinates (origin at the head centre, z up).

    Returns
    -------
    plane : ndarray, shape (n_chans, 2)
    """
    radius = np.linalg.norm(positions, axis=1)
    polar = np.arccos(np.clip(positions[:, 2] / radius, -1.0, 1.0))  # angle from the vertex
    azimuth = np.arctan2(positions[:, 1], positions[:, 0])
    plane = np.stack([polar * np.cos(azimuth), polar * np.sin(azimuth)], axis=1)
    low, span = plane.min(axis=0), np.ptp(plane, axis=0)
    return (plane - low) / np.where(span > 0, span, 1.0)


class SpatialAttention(nn.Module):
    """Each output channel is a softmax-weighted sum of the input sensors.

    The weight logits are a learned function of the sensor's 2-D position, expanded on a
    Fourier basis ``cos/sin(2 pi (k x + l y))``, ``k, l < n_freqs``. In training, the sensors
    within ``dropout_radius`` of a random point are removed (per example).
    """

    def __init__(self, plane: np.ndarray, n_outputs: int, n_freqs: int, dropout_radius: float):
        super().__init__()
        self.register_buffer("plane", torch.as_tensor(plane, dtype=torch.float32))
        k, l = torch.meshgrid(torch.arange(n_freqs), torch.arange(n_freqs), indexing="ij")
        phase = 2 * math.pi * (self.plane[:, :1] * k.reshape(1, -1) + self.plane[:, 1:] * l.reshape(1, -1))
        self.register_buffer("basis", torch.cat([torch.cos(phase), torch.sin(phase)], dim=1))
        self.weight = nn.Parameter(torch.randn(n_outputs, 2 * n_freqs ** 2) / n_freqs)
        self.dropout_radius = dropout_radius

    def logits(self) -> torch.Tensor:
        """Attention logits, shape (n_outputs, n_chans)."""
        return self.weight @ self.basis.T

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """(batch, n_chans, n_times) -> (batch, n_outputs, n_times)."""
        logits = self.logits().unsqueeze(0).expand(len(X), -1, -1)
        if self.training and self.dropout_radius > 0:
            centre = torch.rand(len(X), 1, 2, device=X.device)
            dropped = torch.linalg.norm(self.plane.unsqueeze(0) - centre, dim=-1) < self.dropout_radius
            dropped &= ~dropped.all(dim=1, keepdim=True)  # never drop every sensor
            logits = logits.masked_fill(dropped.unsqueeze(1), float("-inf"))
        return torch.einsum("boc,bct->bot", torch.softmax(logits, dim=-1), X)


class SubjectLayer(nn.Module):
    """One learned (channels x channels) matrix per subject, initialised to the identity.

    Each matrix is its own parameter and only the matrices of the subjects in a batch enter the
    graph, so another subject's matrix gets no gradient (``None``) and an optimiser leaves it
    untouched, weight decay included.
    """

    def __init__(self, n_subjects: int, n_channels: int):
        super().__init__()
        self.matrices = nn.ParameterList([nn.Parameter(torch.eye(n_channels)) for _ in range(n_subjects)])

    def forward(self, X: torch.Tensor, subject: torch.Tensor | None) -> torch.Tensor:
        """(batch, C, n_times) -> (batch, C, n_times); ``subject=None`` applies the mean matrix."""
        if subject is None:
            return torch.einsum("dc,bct->bdt", torch.stack(list(self.matrices)).mean(0), X)
        present = torch.unique(subject).tolist()
        if present[0] < 0 or present[-1] >= len(self.matrices):
            raise NeuroarenaError(f"subject index {present[-1] if present[0] >= 0 else present[0]} is outside "
                                  f"the {len(self.matrices)} subject(s) the net was built for",
                                  fix="build the net with n_subjects = the number of subjects in the data")
        out = torch.empty_like(X)
        for s in present:
            rows = subject == s
            out[rows] = torch.einsum("dc,bct->bdt", self.matrices[s], X[rows])
        return out


class _ConvUnit(nn.Module):
    """Dilated convolution (kernel 3) -> batch norm -> GELU, with a skip when shapes allow."""

    def __init__(self, in_channels: int, out_channels: int, dilation: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, 3, padding=dilation, dilation=dilation)
        self.norm = nn.BatchNorm1d(out_channels)
        self.residual = in_channels == out_channels

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        out = nn.functional.gelu(self.norm(self.conv(X)))
        return X + out if self.residual else out


class SimpleConvTimeAgg(nn.Module):
    """SimpleConv encoder (Défossez et al. 2023) with attention pooling over time.

    Parameters
    ----------
    plane : ndarray, shape (n_chans, 2)
        Sensor positions projected to the plane, in [0, 1].
    n_outputs : int
        Output size (classes or embedding dimension).
    n_subjects : int
        Number of subject matrices in the subject layer.
    spatial_channels, hidden, depth : int
        Channels after spatial attention, in the convolutions, and number of residual convolutions.
    n_freqs : int
        Fourier frequencies per axis of the spatial attention.
    dropout_radius : float
        Spatial dropout radius, in units of the normalised plane.
    dilation_period : int
        Dilations cycle through ``2 ** (i % dilation_period)``.
    glu_every, glu_context : int
        A GLU convolution of kernel ``2 * glu_context + 1`` after every ``glu_every`` convolutions.
    """

    uses_subject = True

    def __init__(self, plane: np.ndarray, n_outputs: int, n_subjects: int = 1, spatial_channels: int = 64,
                 hidden: int = 64, depth: int = 4, n_freqs: int = 8, dropout_radius: float = 0.2,
                 dilation_period: int = 5, glu_every: int = 2, glu_context: int = 1):
        super().__init__()
        self.spatial = SpatialAttention(plane, spatial_channels, n_freqs, dropout_radius)
        self.initial = nn.Conv1d(spatial_channels, spatial_channels, 1)
        self.subject_layer = SubjectLayer(n_subjects, spatial_channels)
        layers: list[nn.Module] = []
        channels = spatial_channels
        for index in range(depth):
            layers.append(_ConvUnit(channels, hidden, 2 ** (index % dilation_period)))
            channels = hidden
            if glu_every and (index + 1) % glu_every == 0:
                layers += [nn.Conv1d(hidden, 2 * hidden, 2 * glu_context + 1, padding=glu_context), nn.GLU(dim=1)]
        self.encoder = nn.Sequential(*layers)
        self.features = nn.Sequential(nn.Conv1d(channels, 2 * hidden, 1), nn.GELU())
        self.pool_scores = nn.Conv1d(2 * hidden, 1, 1)
        self.final_layer = nn.Linear(2 * hidden, n_outputs)

    def forward(self, X: torch.Tensor, subject: torch.Tensor | None = None) -> torch.Tensor:
        """X (batch, n_chans, n_times), subject (batch,) int64 -> (batch, n_outputs).

        ``subject=None`` (no subject known) applies the mean of the subject matrices.
        """
        hidden = self.subject_layer(self.initial(self.spatial(X)), subject)
        features = self.features(self.encoder(hidden))  # (batch, 2 * hidden, n_times)
        weights = torch.softmax(self.pool_scores(features), dim=-1)  # (batch, 1, n_times)
        return self.final_layer((features * weights).sum(dim=-1))


def build_simpleconv_time_agg(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float,
                              chs_info: list[dict] | None, target_kind: str, n_subjects: int = 1,
                              **net_params) -> SimpleConvTimeAgg:
    """SimpleConv (Défossez et al. 2023) over the channels' positions in ``chs_info``, pooled over time.

    The net is called as ``net(X, subject)``: X (batch, n_chans, n_times), subject (batch,) indices
    in ``[0, n_subjects)``. ``net_params`` go to :class:`SimpleConvTimeAgg`.
    """
    if int(n_subjects) != n_subjects or n_subjects < 1:
        raise NeuroarenaError(f"model 'simpleconv_time_agg': n_subjects must be a positive integer, got "
                              f"{n_subjects!r}", fix="pass the number of subjects in the data")
    unknown = sorted(set(net_params) - set(inspect.signature(SimpleConvTimeAgg).parameters) - {"plane", "n_outputs"})
    if unknown:
        raise NeuroarenaError(f"model 'simpleconv_time_agg' does not take parameter(s) {unknown}",
                              fix="see SimpleConvTimeAgg in neuroarena/models/simpleconv.py")
    plane = project_to_plane(channel_positions(chs_info, "simpleconv_time_agg"))
    return SimpleConvTimeAgg(plane, n_outputs, int(n_subjects), **net_params)
