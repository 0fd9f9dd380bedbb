"""Caption targets computed by a text tower that trains with the EEG model (adapted caption encoders)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn


class CaptionTargets(nn.Module):
    """The caption of every stimulus, tokenised once, embedded on demand by a (partly trainable) text tower.

    Parameters
    ----------
    tower : nn.Module
        A :class:`neuroarena.models.text_tower.TextTower` (``tokenize`` and ``forward(input_ids,
        attention_mask) -> (n, dim)``).
    captions : sequence of str
        The caption of each stimulus, in the order of the stimulus indices the batches carry.
    """

    def __init__(self, tower: nn.Module, captions: Sequence[str]):
        super().__init__()
        self.tower = tower
        tokens = tower.tokenize(list(captions))
        self.register_buffer("input_ids", tokens["input_ids"], persistent=False)
        self.register_buffer("attention_mask", tokens["attention_mask"], persistent=False)

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        """Embeddings of the captions of stimuli ``rows`` (batch,), shape (batch, dim)."""
        return self.tower(self.input_ids[rows], self.attention_mask[rows])

    @torch.no_grad()
    def embed_all(self, batch_size: int = 256) -> np.ndarray:
        """Every caption's embedding with the tower as it is now, shape (n_stimuli, dim), float32."""
        was_training = self.training
        self.eval()
        rows = torch.arange(len(self.input_ids), device=self.input_ids.device)
        vectors = torch.cat([self(chunk).float().cpu() for chunk in rows.split(batch_size)]).numpy()
        self.train(was_training)
        return vectors
