"""The autopsy against the simulator's ground truth: do the attributions and ablations point where the signal is?

Only the simulated studies know where their information is (``information_map``, see
:mod:`neuroarena.studies.simulated.truth`); for them the autopsy adds the Spearman correlation over channels of
the attribution profile with the true informative pattern, whether the temporal profile peaks inside the true
latency window (and by how many ms it misses it), and whether ablating the true region costs most.

The true region is the one holding the largest share of the signal-to-noise energy, the sum over its channels of
(signal / noise)²: the noise is each channel's standard deviation in the study's first recordings after the
task's band-pass and reference (the signal is a small part of it). A region of strong signal can carry little
information where the noise is strong too (the posterior alpha rhythm over the occipital channels).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from neuroarena.diagnostics.regions import region_groups
from neuroarena.diagnostics.sample import AutopsySample
from neuroarena.errors import NeuroarenaError

#: The study's target of each task (what its information map describes).
TRUTH_TARGETS = {"category": "category", "image": "image", "caption": "image", "rt": "rt"}


def latency_error_ms(peak_s: float, window: tuple[float, float]) -> float:
    """How far (ms) ``peak_s`` lies outside ``window`` (0 inside it)."""
    start, stop = window
    return 1000.0 * max(start - peak_s, peak_s - stop, 0.0)


def channel_noise(study, store, n_recordings: int = 2) -> np.ndarray:
    """Standard deviation (V) of each of the store's channels, shape (n_chans,), over the study's first
    ``n_recordings`` recordings of the store's task, band-passed and referenced as the store's windows were."""
    config = store.manifest["config"]
    tasks = set(store.metadata["task"].astype(str)) if "task" in store.metadata else None
    recordings = [r for r in study.find_recordings() if tasks is None or r.task in tasks][:n_recordings]
    stds = []
    for recording in recordings:
        raw = recording.loader()
        raw = raw.copy().pick(store.ch_names).load_data()
        raw.filter(config.get("l_freq"), config.get("h_freq"), verbose="error")
        if config.get("reference") == "average":
            raw.set_eeg_reference("average", verbose="error")
        stds.append(raw.get_data().std(axis=1))
    return np.mean(stds, axis=0)


def truth_check(sample: AutopsySample, attributions: dict[str, Any],
                ablations: dict[str, Any] | None) -> dict[str, Any] | None:
    """The comparison described in the module docstring, or None when the study has no ground truth for the
    task. ``attributions`` and ``ablations`` are the autopsy's sections."""
    from scipy.stats import spearmanr

    context = sample.context
    target = TRUTH_TARGETS.get(context.task.name.split("-")[0])
    study = context.study
    if target is None or not hasattr(study, "information_map"):
        return None
    store = context.store
    reference = "average" if store.manifest["config"].get("reference") == "average" else None
    try:
        truth = study.information_map(target, store.ch_names, sample.times, reference=reference)
    except NeuroarenaError:
        return None
    spatial = np.asarray(attributions["spatial"])
    rho = float(spearmanr(spatial, truth.spatial).statistic) if np.ptp(truth.spatial) > 0 else float("nan")
    out: dict[str, Any] = {
        "target": target, "source": truth.source, "spatial_spearman": rho,
        "true_peak_channel": truth.channels[int(np.argmax(truth.spatial))],
        "true_window_s": list(truth.window), "attribution_peak_s": attributions["peak_time_s"],
        "latency_error_ms": latency_error_ms(attributions["peak_time_s"], truth.window),
        "true_spatial": truth.spatial.tolist(), "true_temporal": truth.temporal.tolist(),
    }
    if ablations and ablations["regions"]:
        snr = truth.spatial / channel_noise(study, store)
        energy = {r: float((snr[idx] ** 2).sum()) for r, idx in region_groups(store.chs_info).items()}
        true_region = max(energy, key=energy.get)
        costliest = max(ablations["regions"], key=lambda r: ablations["regions"][r]["drop"])
        out |= {"true_region": true_region, "costliest_region": costliest,
                "true_region_costs_most": true_region == costliest, "region_snr_energy": energy,
                "spatial_spearman_snr": float(spearmanr(spatial, snr).statistic)}
    return out
