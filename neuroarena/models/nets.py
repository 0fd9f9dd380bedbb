"""Builders for the classic braindecode nets.

Each net maps ``X : Tensor, shape (batch, n_chans, n_times)`` to
``(batch, n_outputs)``: class logits for classification, a predicted embedding
for embedding targets. Extra keyword arguments are passed to the braindecode
class; a name the class does not take raises a NeuroarenaError.
"""
from __future__ import annotations

import inspect
import warnings
from typing import Any

import torch

with warnings.catch_warnings():
    # import-time noise of braindecode and its dependencies, not about the user's data
    warnings.filterwarnings("ignore", message="Montage name 'standard_1020' is deprecated", category=FutureWarning)
    warnings.filterwarnings("ignore", module="wfdb")
    from braindecode.models import CTNet, EEGNet, ShallowFBCSPNet

from neuroarena.errors import NeuroarenaError

_SIGNAL_ARGUMENTS = ("n_chans", "n_outputs", "n_times", "sfreq", "chs_info")


def build_braindecode_net(net_class: type[torch.nn.Module], *, n_chans: int, n_outputs: int, n_times: int,
                          sfreq: float, chs_info: list[dict] | None, **net_params: Any) -> torch.nn.Module:
    """Instantiate a braindecode net with the constructor contract plus ``net_params``.

    ``final_conv_length="auto"`` is passed where the class takes it, so the
    classifier layer fits the window length.
    """
    accepted = {
        parameter.name
        for parameter in inspect.signature(net_class).parameters.values()
        if parameter.kind is not inspect.Parameter.VAR_KEYWORD
    }
    unknown = sorted(set(net_params) - accepted - set(_SIGNAL_ARGUMENTS))
    if unknown:
        raise NeuroarenaError(
            f"{net_class.__name__} does not take parameter(s) {unknown}",
            fix=f"use some of {sorted(accepted - set(_SIGNAL_ARGUMENTS) - {'input_window_seconds'})}",
        )
    if "final_conv_length" in accepted:
        net_params = {"final_conv_length": "auto", **net_params}
    return net_class(n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq, chs_info=chs_info,
                     **net_params)


def build_eegnet(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                 target_kind: str, **net_params: Any) -> torch.nn.Module:
    """EEGNet (Lawhern et al. 2018) with its max-norm constrained linear classifier."""
    net_params = {"final_layer_with_constraint": True, **net_params}
    return build_braindecode_net(EEGNet, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                 chs_info=chs_info, **net_params)


def build_shallow_fbcsp_net(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float,
                            chs_info: list[dict] | None, target_kind: str, **net_params: Any) -> torch.nn.Module:
    """ShallowFBCSPNet (Schirrmeister et al. 2017)."""
    return build_braindecode_net(ShallowFBCSPNet, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times,
                                 sfreq=sfreq, chs_info=chs_info, **net_params)


def build_ctnet(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                target_kind: str, **net_params: Any) -> torch.nn.Module:
    """CTNet, a convolutional transformer (Zhao et al. 2024)."""
    return build_braindecode_net(CTNet, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                 chs_info=chs_info, **net_params)
