"""Builders for the classic braindecode nets.

Each net maps ``X : Tensor, shape (batch, n_chans, n_times)`` to
``(batch, n_outputs)``: class logits for classification, a predicted embedding
for embedding targets. Extra keyword arguments are passed to the braindecode
class; a name the class does not take raises a NeuroarenaError.

Deep4Net, ATCNet and EEGConformer, published at 250 Hz, get their temporal kernel and pooling
lengths rescaled to ``sfreq`` (same duration in seconds), so they take the default windows
(1 s at 100 Hz); a parameter given explicitly wins.
"""
from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np
import torch

with warnings.catch_warnings():
    # import-time noise of braindecode and its dependencies, not about the user's data
    warnings.filterwarnings("ignore", message="Montage name 'standard_1020' is deprecated", category=FutureWarning)
    warnings.filterwarnings("ignore", module="wfdb")
    from braindecode.models import (ATCNet, BDTCN, CTNet, Deep4Net, EEGConformer, EEGNet, EEGNeX,
                                    ShallowFBCSPNet, SignalJEPA_Contextual)

from neuroarena.errors import NeuroarenaError
from neuroarena.models.simpleconv import channel_positions

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


def _samples(n_at_reference: int, sfreq: float, reference_sfreq: float) -> int:
    """A length of ``n_at_reference`` samples at ``reference_sfreq`` Hz, in samples at ``sfreq`` Hz."""
    return max(1, round(n_at_reference * sfreq / reference_sfreq))


def _deep4_min_times(filter_length: int, pool: int) -> int:
    """Shortest window four blocks of (convolution ``filter_length``, pooling ``pool``/``pool``) take."""
    length = 1
    for _ in range(4):
        length = pool * (length - 1) + pool + filter_length - 1
    return length


def build_deep4net(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                   target_kind: str, **net_params: Any) -> torch.nn.Module:
    """Deep4Net (Schirrmeister et al. 2017), four conv-pool blocks, temporal filters rescaled from 250 Hz.

    The published pooling (length and stride 3) is kept when the window fits it; otherwise pooling 2
    is used (at 100 Hz: filters of 4 samples, and 1 s windows fit four blocks with pooling 2 only).
    """
    filter_length = _samples(10, sfreq, 250.0)
    pool = 3 if n_times >= _deep4_min_times(filter_length, 3) else 2
    net_params = {"filter_time_length": filter_length, "filter_length_2": filter_length,
                  "filter_length_3": filter_length, "filter_length_4": filter_length,
                  "pool_time_length": pool, "pool_time_stride": pool, **net_params}
    return build_braindecode_net(Deep4Net, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                 chs_info=chs_info, **net_params)


def build_bdtcn(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                target_kind: str, **net_params: Any) -> torch.nn.Module:
    """BDTCN, the temporal convolutional network of Gemein et al. 2020.

    Its dilated blocks need ``1 + 2 (kernel_size - 1) (2 ** n_blocks - 1)`` samples (57 by default).
    """
    net = build_braindecode_net(BDTCN, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                chs_info=chs_info, **net_params)
    if n_times < net.base_tcn.min_len:
        raise ValueError(f"too small `n_times`: BDTCN needs at least {net.base_tcn.min_len} samples, got {n_times}")
    return net


def build_atcnet(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                 target_kind: str, **net_params: Any) -> torch.nn.Module:
    """ATCNet (Altaheri et al. 2023), its first kernel and both poolings rescaled from 250 Hz to ``sfreq``.

    At 100 Hz: first kernel 26 samples, poolings 3 and 3, so 100 samples give the 5 sliding windows.
    """
    net_params = {
        "conv_block_kernel_length_1": _samples(64, sfreq, 250.0),
        "conv_block_pool_size_1": _samples(8, sfreq, 250.0),
        "conv_block_pool_size_2": _samples(7, sfreq, 250.0),
        **net_params,
    }
    return build_braindecode_net(ATCNet, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                 chs_info=chs_info, **net_params)


def build_eegconformer(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float,
                       chs_info: list[dict] | None, target_kind: str, **net_params: Any) -> torch.nn.Module:
    """EEGConformer (Song et al. 2023), temporal kernel and pooling rescaled from 250 Hz to ``sfreq``.

    At 100 Hz: kernel 10, pooling 30 with stride 6, so a 1 s window gives 11 tokens (the
    published 250 Hz lengths would leave one).
    """
    net_params = {
        "filter_time_length": _samples(25, sfreq, 250.0),
        "pool_time_length": _samples(75, sfreq, 250.0),
        "pool_time_stride": _samples(15, sfreq, 250.0),
        **net_params,
    }
    return build_braindecode_net(EEGConformer, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times,
                                 sfreq=sfreq, chs_info=chs_info, **net_params)


def build_eegnex(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                 target_kind: str, **net_params: Any) -> torch.nn.Module:
    """EEGNeX (Chen et al. 2024)."""
    return build_braindecode_net(EEGNeX, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times, sfreq=sfreq,
                                 chs_info=chs_info, **net_params)


def build_signal_jepa(*, n_chans: int, n_outputs: int, n_times: int, sfreq: float, chs_info: list[dict] | None,
                      target_kind: str, **net_params: Any) -> torch.nn.Module:
    """S-JEPA's contextual classifier (Guetschel et al. 2024), trained from scratch.

    ``SignalJEPA_Contextual`` is the variant that uses the channels: its channel embedding is
    initialised from the positions in ``chs_info`` and a transformer attends across channels and
    time (the pre- and post-local variants ignore positions and reduce to a small CNN). The
    published feature encoder strides by 128 samples and so needs windows of several seconds; the
    default here strides by 20 (at 100 Hz, 4 tokens per channel per second). The transformer's
    decoder, which the classifier never runs, is removed so that every parameter is trained.
    """
    channel_positions(chs_info, "signal_jepa")
    conv_layers = net_params.get("feature_encoder__conv_layers_spec", ((8, 20, 5), (16, 2, 2), (64, 2, 2)))
    stride = int(np.prod([layer[2] for layer in conv_layers]))
    net_params = {"feature_encoder__conv_layers_spec": conv_layers, "pos_encoder__sfreq_features": sfreq / stride,
                  **net_params}
    net = build_braindecode_net(SignalJEPA_Contextual, n_chans=n_chans, n_outputs=n_outputs, n_times=n_times,
                                sfreq=sfreq, chs_info=chs_info, **net_params)
    net.transformer.decoder = None
    return net
