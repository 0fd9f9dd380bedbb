"""The autopsy's figures (PNG, matplotlib's Agg backend): predictions, gradient flow, activations, attributions
with a scalp topography (MNE, the recording's channel positions), and ablations."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _figure(n: int, width: float = 5.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(width * n, 4.0), squeeze=False)
    return plt, fig, axes[0]


def _save(plt, fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path.name


def _groups(ax, pred: dict[str, Any]) -> None:
    rows = pred["groups"].get("subject") or pred["groups"].get("session") or []
    if not rows:
        ax.set_axis_off()
        return
    column = "subject" if pred["groups"].get("subject") else "session"
    labels = [str(r[column]) for r in rows]
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [np.nan if r["model"] is None else r["model"] for r in rows], 0.4, label="model")
    ax.bar(x + 0.2, [np.nan if r["dummy"] is None else r["dummy"] for r in rows], 0.4, label="dummy")
    ax.set_xticks(x, labels, rotation=90, fontsize=7)
    ax.set_ylabel(pred["metric"])
    ax.set_title(f"per {column}")
    ax.legend(fontsize=8)


def predictions_plot(pred: dict[str, Any], path: Path) -> str:
    plt, fig, (left, right) = _figure(2)
    if pred["kind"] == "classification":
        confusion = np.asarray(pred["confusion"], dtype=float)
        shares = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
        left.imshow(shares, cmap="viridis", vmin=0, vmax=1)
        ticks = range(len(pred["classes"]))
        left.set_xticks(ticks, pred["classes"], rotation=90, fontsize=7)
        left.set_yticks(ticks, pred["classes"], fontsize=7)
        left.set_xlabel("predicted")
        left.set_ylabel("true")
        left.set_title("confusion (row shares)")
    elif pred["kind"] == "regression":
        left.scatter(pred["y_true"], pred["y_pred"], s=6, alpha=0.5)
        lo, hi = np.min(pred["y_true"]), np.max(pred["y_true"])
        left.plot([lo, hi], [lo, hi], "k--", lw=1)
        left.set_xlabel("true")
        left.set_ylabel("predicted")
        left.set_title(f"predicted vs true (r = {pred['pearson_r']:.2f})")
    else:
        left.hist(pred["ranks"], bins=min(50, pred["n_candidates"]), range=(1, pred["n_candidates"] + 1))
        left.axvline(pred["chance_median_rank"], color="k", ls="--", lw=1, label="chance median")
        left.set_xlabel(f"rank of the true item (of {pred['n_candidates']})")
        left.set_title(f"median rank {pred['median_rank']:.0f}")
        left.legend(fontsize=8)
    _groups(right, pred)
    return _save(plt, fig, path)


def gradients_plot(grads: dict[str, Any], path: Path) -> str:
    plt, fig, (ax,) = _figure(1, 7.0)
    history = grads["history"]
    norms = np.asarray(history["grad_norm"], dtype=float)
    for i, layer in enumerate(history["layers"]):
        ax.semilogy(grads["epochs"], norms[:, i], marker=".", label=layer)
    ax.set_xlabel("epoch")
    ax.set_ylabel("gradient norm (mean over steps)")
    ax.set_title("gradient flow per layer")
    ax.legend(fontsize=6, ncol=2)
    return _save(plt, fig, path)


def activations_plot(acts: dict[str, Any], path: Path) -> str:
    plt, fig, (ax,) = _figure(1, 6.0)
    names = list(acts)
    x = np.arange(len(names))
    ax.bar(x - 0.2, [acts[n]["dead"] for n in names], 0.4, label="dead")
    ax.bar(x + 0.2, [acts[n]["saturated"] for n in names], 0.4, label="saturated")
    ax.set_xticks(x, names, rotation=45, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of units")
    ax.legend(fontsize=8)
    return _save(plt, fig, path)


def _topomap(ax, values: np.ndarray, chs_info: list[dict], sfreq: float) -> bool:
    import mne

    positions = np.array([np.asarray(ch["loc"], dtype=float)[:3] for ch in chs_info])
    if len(values) < 4 or not np.isfinite(positions).all() or np.allclose(positions, 0):
        return False
    info = mne.create_info([ch["ch_name"] for ch in chs_info], sfreq, "eeg")
    with info._unlock():
        for ch, source in zip(info["chs"], chs_info):
            ch["loc"][:] = np.asarray(source["loc"], dtype=float)[:12]
    mne.viz.plot_topomap(values, info, axes=ax, show=False, cmap="viridis", contours=0)
    return True


def attributions_plot(attr: dict[str, Any], chs_info: list[dict], sfreq: float, path: Path) -> str:
    plt, fig, (left, right) = _figure(2)
    times = np.asarray(attr["times"])
    left.plot(times, attr["temporal"], label="integrated gradients")
    if attr.get("gradcam"):
        cam = np.asarray(attr["gradcam"]["temporal"])
        left.plot(times, cam / max(cam.sum(), 1e-30), label=f"GradCAM ({attr['gradcam']['layer']})")
    left.set_xlabel("time from the event (s)")
    left.set_ylabel("share of attribution")
    left.set_title("when the model looks")
    left.legend(fontsize=8)
    if not _topomap(right, np.asarray(attr["spatial"]), chs_info, sfreq):
        right.bar(range(len(attr["spatial"])), attr["spatial"])
        right.set_xticks(range(len(attr["channels"])), attr["channels"], rotation=90, fontsize=6)
    right.set_title("where the model looks")
    return _save(plt, fig, path)


def ablations_plot(abl: dict[str, Any], path: Path) -> str:
    plt, fig, (left, right) = _figure(2)
    regions = list(abl["regions"])
    left.bar(regions, [abl["regions"][r]["drop"] for r in regions])
    left.set_ylabel(f"{abl['metric']} lost")
    left.set_title("region replaced by its training mean")
    labels = [f"{s['start_s']:.2f}" for s in abl["segments"]]
    right.bar(labels, [s["drop"] for s in abl["segments"]])
    right.set_xlabel("segment start (s)")
    right.set_title("time segment replaced by its training mean")
    return _save(plt, fig, path)
