"""The gradient flow a run recorded while it trained (:class:`~neuroarena.training.gradient_flow.GradientFlow`),
summarised over its last epochs, with the layers whose gradients vanish or explode flagged.

Normalisation layers (batch, layer, group norm) are not compared with the others by their gradient/parameter
ratio: followed by another normalisation, their affine parameters get tiny gradients by design (the loss is
nearly invariant to their scale); a non-finite or missing gradient is flagged for them as for any layer.
"""
from __future__ import annotations

from typing import Any

import warnings

import numpy as np

#: Epochs at the end of training that the summary averages.
LAST_EPOCHS = 3
#: A layer's gradient/parameter ratio this many times below the median layer's: vanishing; above: exploding.
VANISH_FACTOR, EXPLODE_FACTOR = 1e-3, 1e2
#: Gradient norms above this are exploding whatever the other layers do.
EXPLODE_NORM = 1e3


def gradient_flow(flow: dict[str, Any] | None) -> dict[str, Any]:
    """Per layer over the last :data:`LAST_EPOCHS` epochs: mean ``grad_norm`` and ``ratio`` (gradient norm /
    parameter norm), and ``flag``: ``no gradient`` (frozen, or not on the loss's path), ``vanishing``,
    ``exploding`` or ``""``; ``available`` is False when the run recorded no gradient flow (an estimator)."""
    if not flow or not flow.get("epochs"):
        return {"available": False, "layers": []}
    norms = np.asarray(flow["grad_norm"], dtype=float)[-LAST_EPOCHS:]
    ratios = np.asarray(flow["ratio"], dtype=float)[-LAST_EPOCHS:]
    nonfinite = np.asarray(flow.get("nonfinite") or np.zeros(norms.shape), dtype=float)[-LAST_EPOCHS:]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: a layer without gradients
        norm, ratio = np.nanmean(norms, axis=0), np.nanmean(ratios, axis=0)
    compared_layers = np.array(["Norm" not in t for t in (flow.get("types") or [""] * len(flow["layers"]))])
    got = np.isfinite(ratio) & compared_layers
    median = float(np.median(ratio[got])) if got.any() else float("nan")
    types = flow.get("types") or [""] * len(flow["layers"])
    layers = []
    for i, name in enumerate(flow["layers"]):
        compared = "Norm" not in types[i]
        if nonfinite[:, i].any() or norm[i] > EXPLODE_NORM or (compared and ratio[i] > EXPLODE_FACTOR * median):
            flag = "exploding"
        elif np.isnan(norms[:, i]).all():
            flag = "no gradient"
        elif norm[i] == 0 or (compared and ratio[i] < VANISH_FACTOR * median):
            flag = "vanishing"
        else:
            flag = ""
        layers.append({"layer": name, "type": types[i], "grad_norm": float(norm[i]), "ratio": float(ratio[i]),
                       "nonfinite_steps": int(nonfinite[:, i].sum()), "flag": flag})
    return {"available": True, "epochs": flow["epochs"], "last_epochs": min(LAST_EPOCHS, len(flow["epochs"])),
            "median_ratio": median, "layers": layers,
            "history": {"layers": flow["layers"], "grad_norm": flow["grad_norm"], "ratio": flow["ratio"]}}
