"""A decoder for many subjects: per-electrode convolutions, a transformer across electrodes, subject heads.

Every electrode's signal goes through the same 1-D convolution stack and is averaged over time
into one token; a learnt electrode embedding (a linear map of the electrode's 3-D position, or a
table with one row per channel when positions are unknown) is added; a transformer encoder shared
by all subjects mixes the electrode tokens, which are pooled (their mean or a CLS token) into one
trunk vector; one head per subject maps it to the outputs (:class:`SubjectHeads`).

Without a table, no weight is tied to a channel index: permuting the channels together with their
positions permutes the electrode tokens, and the output is unchanged.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import nn

from neuroarena.errors import NeuroarenaError
from neuroarena.models.subject_heads import SubjectHeads

ElectrodeEmbedding = Literal["auto", "position", "table"]
Pooling = Literal["mean", "cls"]
_NAME = "multisubject_transformer"


def electrode_positions(chs_info: list[dict] | None) -> np.ndarray | None:
    """3-D positions of the channels scaled to the unit sphere, or None if any channel has none.

    Parameters
    ----------
    chs_info : list of dict or None
        MNE ``info["chs"]`` (each with ``loc``).

    Returns
    -------
    positions : ndarray, shape (n_chans, 3), or None
        Divided by the largest distance from the head centre.
    """
    if chs_info is None:
        return None
    positions = np.array([np.asarray(ch["loc"], dtype=float)[:3] for ch in chs_info])
    if not np.isfinite(positions).all() or not np.any(positions, axis=1).all():
        return None
    return positions / np.linalg.norm(positions, axis=1).max()


class ElectrodeTransformer(nn.Module):
    """The shared trunk: electrode tokens from per-channel convolutions, a transformer, pooling.

    Parameters
    ----------
    n_chans : int
        Number of electrodes.
    positions : ndarray, shape (n_chans, 3), or None
        Electrode positions; None uses a learnt table of ``n_chans`` embeddings instead.
    conv_channels, n_conv_layers, kernel_size : int
        Width, depth and (odd) kernel length of the per-electrode convolution stack.
    embed_dim, n_layers, n_heads : int
        Token width, encoder layers and attention heads of the transformer.
    dropout : float
        Dropout in the transformer.
    pool : {"mean", "cls"}
        The trunk vector: the mean of the electrode tokens, or a learnt CLS token's output.
    """

    def __init__(self, n_chans: int, positions: np.ndarray | None, conv_channels: int = 16, n_conv_layers: int = 2,
                 kernel_size: int = 7, embed_dim: int = 64, n_layers: int = 2, n_heads: int = 4,
                 dropout: float = 0.1, pool: Pooling = "mean"):
        super().__init__()
        layers: list[nn.Module] = []
        for index in range(n_conv_layers):
            layers += [nn.Conv1d(1 if index == 0 else conv_channels, conv_channels, kernel_size,
                                 padding=kernel_size // 2), nn.BatchNorm1d(conv_channels), nn.GELU()]
        self.temporal = nn.Sequential(*layers)
        self.to_token = nn.Linear(conv_channels, embed_dim)
        self.electrode_table = None if positions is not None else nn.Parameter(0.02 * torch.randn(n_chans, embed_dim))
        self.position_map = None if positions is None else nn.Linear(3, embed_dim)
        if positions is not None:
            self.register_buffer("positions", torch.as_tensor(positions, dtype=torch.float32))
        layer = nn.TransformerEncoderLayer(embed_dim, n_heads, dim_feedforward=2 * embed_dim, dropout=dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.cls_token = nn.Parameter(0.02 * torch.randn(1, 1, embed_dim)) if pool == "cls" else None
        self.norm = nn.LayerNorm(embed_dim)
        self.pool = pool

    def electrode_embedding(self) -> torch.Tensor:
        """The learnt embedding of each electrode, shape (n_chans, embed_dim)."""
        if self.position_map is None:
            return self.electrode_table
        return self.position_map(self.positions)

    def electrode_tokens(self, X: torch.Tensor) -> torch.Tensor:
        """X (batch, n_chans, n_times) -> tokens (batch, n_chans, embed_dim), before the transformer."""
        batch, n_chans, n_times = X.shape
        features = self.temporal(X.reshape(batch * n_chans, 1, n_times)).mean(dim=-1)
        return self.to_token(features).reshape(batch, n_chans, -1) + self.electrode_embedding()

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """X (batch, n_chans, n_times) -> trunk vector (batch, embed_dim)."""
        tokens = self.electrode_tokens(X)
        if self.cls_token is not None:
            tokens = torch.cat([self.cls_token.expand(len(tokens), -1, -1), tokens], dim=1)
        encoded = self.norm(self.encoder(tokens))
        return encoded[:, 0] if self.cls_token is not None else encoded.mean(dim=1)


def build_multisubject_transformer(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float,
                                   chs_info: list[dict] | None, target_kind: str, n_subjects: int = 1,
                                   conv_channels: int = 16, n_conv_layers: int = 2, kernel_size: int = 7,
                                   embed_dim: int = 64, n_layers: int = 2, n_heads: int = 4, dropout: float = 0.1,
                                   pool: Pooling = "mean", electrodes: ElectrodeEmbedding = "auto",
                                   head_hidden: int = 0) -> SubjectHeads:
    """The multi-subject electrode transformer with one head per subject.

    The net is called as ``net(X, subject)``: X (batch, n_chans, n_times), subject (batch,) indices
    in ``[0, n_subjects)``; output (batch, n_outputs).

    Parameters
    ----------
    electrodes : {"auto", "position", "table"}
        The electrode embedding: a linear map of the positions in ``chs_info`` ("position", which
        raises when a channel has none), a learnt table ("table"), or the positions when every
        channel has one and the table otherwise ("auto").
    head_hidden : int
        0: linear subject heads; otherwise the hidden width of two-layer heads.

    The other parameters are those of :class:`ElectrodeTransformer`.
    """
    if electrodes not in ("auto", "position", "table"):
        raise NeuroarenaError(f"model {_NAME!r}: unknown electrodes {electrodes!r}",
                              fix="use 'auto', 'position' or 'table'")
    if pool not in ("mean", "cls"):
        raise NeuroarenaError(f"model {_NAME!r}: unknown pool {pool!r}", fix="use 'mean' or 'cls'")
    if kernel_size % 2 == 0 or embed_dim % n_heads:
        raise NeuroarenaError(f"model {_NAME!r}: kernel_size must be odd and embed_dim a multiple of n_heads, got "
                              f"kernel_size={kernel_size}, embed_dim={embed_dim}, n_heads={n_heads}",
                              fix="change kernel_size, embed_dim or n_heads")
    positions = None if electrodes == "table" else electrode_positions(chs_info)
    if electrodes == "position" and positions is None:
        raise NeuroarenaError(f"model {_NAME!r} with electrodes='position' needs every channel's position",
                              fix="set the montage before preparing (raw.set_montage) or use electrodes='table'")
    trunk = ElectrodeTransformer(n_chans, positions, conv_channels, n_conv_layers, kernel_size, embed_dim, n_layers,
                                 n_heads, dropout, pool)
    return SubjectHeads(trunk, embed_dim, n_outputs, n_subjects, head_hidden)
