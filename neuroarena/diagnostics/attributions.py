"""Attributions (Captum): where in channels and time the net's answer comes from.

Integrated Gradients integrates the gradient from the training-mean window (the "no information" input) to each
sampled window, for the score of the window's true answer: the logit of its true class, the regression output,
or for retrieval the cosine similarity of the output to the true item's embedding. Its absolute value averaged
over windows and time gives the spatial profile (one value per channel), over windows and channels the temporal
profile (one value per sample). Layer GradCAM on the last convolution gives a second, coarser temporal profile.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuroarena.diagnostics.sample import BATCH, AutopsySample

#: A profile whose normalized entropy exceeds this is called flat (1.0: the same everywhere).
FLATNESS_LIMIT = 0.985


class TrueAnswer(torch.nn.Module):
    """The score of each window's true answer, shape (batch,): see the module docstring."""

    def __init__(self, sample: AutopsySample):
        super().__init__()
        self.net = sample.net
        self.kind = sample.context.targets.kind

    def forward(self, X: torch.Tensor, subject: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        out = self.net(X, subject)
        if self.kind == "classification":
            return out.gather(1, truth.long().view(-1, 1)).squeeze(1)
        if self.kind == "regression":
            return out[:, 0]
        return torch.nn.functional.cosine_similarity(out, truth.float(), dim=1)


def _truth(sample: AutopsySample) -> torch.Tensor:
    y = sample.context.targets.y[sample.part][sample.positions]
    return torch.from_numpy(np.ascontiguousarray(y))


def flatness(profile: np.ndarray) -> float:
    """Normalized entropy of a non-negative profile, in [0, 1]: 1 when it is the same everywhere."""
    p = np.asarray(profile, dtype=float).ravel()
    if len(p) < 2 or not np.isfinite(p).all() or p.sum() <= 0:
        return float("nan")
    p = p / p.sum()
    return float(-(p[p > 0] * np.log(p[p > 0])).sum() / np.log(len(p)))


def _last_conv(net: torch.nn.Module) -> tuple[str, torch.nn.Module] | None:
    convs = [(n, m) for n, m in net.named_modules() if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d))]
    return convs[-1] if convs else None


def _gradcam(answer: TrueAnswer, X: torch.Tensor, subject: torch.Tensor, truth: torch.Tensor,
             n_times: int) -> dict[str, Any] | None:
    from captum.attr import LayerGradCam

    found = _last_conv(answer.net.net)
    if found is None:
        return None
    name, layer = found
    maps = []
    for start in range(0, len(X), BATCH):
        part = slice(start, start + BATCH)
        cam = LayerGradCam(answer, layer).attribute(X[part], additional_forward_args=(subject[part], truth[part]),
                                                    relu_attributions=True)
        maps.append(cam.detach().float().reshape(len(cam), -1, cam.shape[-1]).mean(dim=1))
    course = torch.cat(maps).mean(dim=0).numpy()
    stretched = np.interp(np.linspace(0, len(course) - 1, n_times), np.arange(len(course)), course)
    return {"layer": name, "temporal": stretched.tolist()}


def attributions(sample: AutopsySample, n_steps: int = 16) -> dict[str, Any]:
    """Integrated-Gradients profiles and the Layer GradCAM course of the sample.

    Returns
    -------
    dict
        ``spatial`` (n_chans,) and ``temporal`` (n_times,), each summing to 1, with ``channels`` and ``times``
        (s from the event); ``peak_channel``, ``peak_time_s``; ``flatness`` of each profile (see
        :func:`flatness`); ``convergence`` (mean |sum of attributions - (f(x) - f(baseline))| relative to the
        mean |f(x) - f(baseline)|: small when the integral is accurate); ``gradcam`` (``layer``, ``temporal``
        (n_times,)) or None for a net without convolutions.
    """
    from captum.attr import IntegratedGradients

    answer = TrueAnswer(sample).eval()
    X = torch.from_numpy(np.ascontiguousarray(sample.X, dtype=np.float32))
    baseline = torch.from_numpy(sample.train_mean).expand_as(X).contiguous()
    subject, truth = torch.from_numpy(sample.subject), _truth(sample)
    ig = IntegratedGradients(answer)
    total = np.zeros(X.shape[1:], dtype=np.float64)
    errors, changes = [], []
    for start in range(0, len(X), BATCH):
        part = slice(start, start + BATCH)
        attr, delta = ig.attribute(X[part], baselines=baseline[part], n_steps=n_steps,
                                   additional_forward_args=(subject[part], truth[part]),
                                   return_convergence_delta=True)
        total += attr.detach().abs().sum(dim=0).double().numpy()
        with torch.no_grad():
            change = answer(X[part], subject[part], truth[part]) - answer(baseline[part], subject[part], truth[part])
        errors.append(delta.detach().abs().numpy())
        changes.append(change.abs().numpy())
    spatial, temporal = total.sum(axis=1), total.sum(axis=0)
    spatial, temporal = spatial / max(spatial.sum(), 1e-30), temporal / max(temporal.sum(), 1e-30)
    mean_change = float(np.concatenate(changes).mean())
    names, times = sample.context.store.ch_names, sample.times
    return {"spatial": spatial.tolist(), "temporal": temporal.tolist(), "channels": list(names),
            "times": times.tolist(), "peak_channel": names[int(spatial.argmax())],
            "peak_time_s": float(times[int(temporal.argmax())]),
            "flatness": {"spatial": flatness(spatial), "temporal": flatness(temporal)},
            "convergence": float(np.concatenate(errors).mean() / mean_change) if mean_change > 0 else float("nan"),
            "gradcam": _gradcam(answer, X, subject, truth, len(times))}
