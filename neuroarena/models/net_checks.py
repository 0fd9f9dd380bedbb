"""Checks that a built net takes the windows it will be trained on.

A net that cannot take the window length fails deep inside a pooling or
convolution layer with a kernel-size error; these helpers turn that into advice
(the approach of braindecode's ``EEGModuleMixin.get_output_shape``).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from neuroarena.errors import NeuroarenaError

_WINDOW_TOO_SHORT = (
    "Output size is too small",
    "Kernel size can't be greater than actual input size",
    "too small `n_times`",
)


@contextmanager
def window_errors(name: str, *, n_times: int, sfreq: float) -> Iterator[None]:
    """Re-raise a kernel-size error from building or running a net as a NeuroarenaError."""
    try:
        yield
    except (RuntimeError, ValueError) as exc:
        if not any(marker in str(exc) for marker in _WINDOW_TOO_SHORT):
            raise
        raise NeuroarenaError(
            f"model {name!r} cannot take windows of {n_times} samples ({n_times / sfreq:.3g} s at {sfreq:g} Hz)",
            fix="use a longer window (tmin/tmax) or a higher sfreq (resample less)",
        ) from exc


def check_net_output(model: torch.nn.Module, *, name: str, n_chans: int, n_times: int, n_outputs: int) -> None:
    """Run one zero window through ``model`` and check the output shape is ``(1, n_outputs)``.

    The model is run in eval mode (no dropout, batch-norm running stats) and put
    back in its previous mode; no random numbers are drawn.
    """
    if not isinstance(model, torch.nn.Module):
        raise NeuroarenaError(f"model {name!r} is declared a net but its builder returned {type(model).__name__}",
                              fix="return a torch.nn.Module or declare kind='estimator'")
    was_training = model.training
    parameter = next(model.parameters(), None)
    dtype = parameter.dtype if parameter is not None else torch.float32
    device = parameter.device if parameter is not None else torch.device("cpu")
    model.eval()
    try:
        with torch.inference_mode():
            output = model(torch.zeros(1, n_chans, n_times, dtype=dtype, device=device))
    finally:
        model.train(was_training)
    if tuple(output.shape) != (1, n_outputs):
        raise NeuroarenaError(
            f"model {name!r} maps a (1, {n_chans}, {n_times}) window to shape {tuple(output.shape)}, "
            f"expected (1, {n_outputs})",
            fix="make the builder honour n_outputs (and final_conv_length='auto' for braindecode nets)",
        )
