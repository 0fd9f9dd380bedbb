"""EEG Foundation Challenge 2025 submission, written by neuroarena (``neuroarena submit eeg2025``).

Needs PyTorch and the standard library only. The two models are TorchScript archives of trained nets
with the de-standardization of their targets folded in: each maps a float32 batch ``(B, 129, 200)``
(2 s at 100 Hz) to ``(B, 1)`` in the target's units (seconds for Challenge 1's response time, the
factor's units for Challenge 2). ``submission_manifest.json`` beside this file says which runs they are.

The interface is the challenge's: ``Submission(SFREQ, DEVICE)`` with ``get_model_challenge_1()`` and
``get_model_challenge_2()`` (velocitatem/eeg2025-official ``submission.py`` @41727a9c; the scorer is the
starter kit's ``local_scoring.py``). Weights are looked up in ``/app/input/res/``, then ``/app/input/``,
then this file's folder (the ``resolve_path`` of participants' submissions, e.g. the MBZUAI one).
"""
from __future__ import annotations

from pathlib import Path

import torch

WEIGHTS = {1: "weights_challenge_1.pt", 2: "weights_challenge_2.pt"}
SEARCH = (Path("/app/input/res"), Path("/app/input"), Path(__file__).resolve().parent)
TRAINED_SFREQ = 100


def resolve_path(name: str) -> Path:
    """The first of ``/app/input/res/<name>``, ``/app/input/<name>``, ``<this folder>/<name>`` that exists."""
    for folder in SEARCH:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"weights file {name} not found in {', '.join(str(folder) for folder in SEARCH)}")


class Submission:
    """The challenge's entry point: ``Submission(SFREQ, DEVICE)``, then one model per challenge."""

    def __init__(self, SFREQ, DEVICE):
        if float(SFREQ) != TRAINED_SFREQ:
            raise ValueError(f"these models were trained on {TRAINED_SFREQ} Hz windows, not {SFREQ} Hz")
        self.sfreq = SFREQ
        self.device = DEVICE

    def _model(self, challenge: int) -> torch.nn.Module:
        model = torch.jit.load(str(resolve_path(WEIGHTS[challenge])), map_location=self.device)
        return model.eval()

    def get_model_challenge_1(self) -> torch.nn.Module:
        """Response time (s) of a contrast-change trial from the 2 s after stimulus + 0.5 s: (B, 129, 200) -> (B, 1)."""
        return self._model(1)

    def get_model_challenge_2(self) -> torch.nn.Module:
        """The subject's externalizing factor from a 2 s crop: (B, 129, 200) -> (B, 1)."""
        return self._model(2)
