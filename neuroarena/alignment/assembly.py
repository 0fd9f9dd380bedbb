"""The EEG a benchmark scores against: each subject's responses to the training and test images.

The windows are the image task's (its preprocessing, its store, so decoding and alignment read the
same EEG), cut to the benchmark's channels and time bins. Training images are averaged over their
presentations; test images keep theirs (the ceiling splits them), padded with NaN where a subject saw
an image fewer times.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.studies.spec import DatasetSpec


@dataclass(frozen=True)
class SubjectResponses:
    """One subject's EEG, in store units.

    Attributes
    ----------
    train : ndarray, shape (n_train, n_chans, n_times)
        Mean over each training image's presentations.
    test : ndarray, shape (n_test, n_reps, n_chans, n_times)
        Every presentation of each test image; NaN where the subject saw it fewer than ``n_reps`` times.
    """

    subject: str
    train: np.ndarray
    test: np.ndarray

    @property
    def test_mean(self) -> np.ndarray:
        """Mean over presentations, shape (n_test, n_chans, n_times)."""
        return np.nanmean(self.test, axis=1)


@dataclass(frozen=True)
class EegAssembly:
    """Responses of every subject to the same images, on the same channels and time bins.

    Attributes
    ----------
    train_stimuli, test_stimuli : tuple of str
        Stimulus ids, (n_train,) and (n_test,), the row order of every subject's arrays.
    channels : tuple of str, (n_chans,)
    times_ms : ndarray, shape (n_times,)
        Latency of each bin after stimulus onset.
    subjects : tuple of SubjectResponses
    categories : ndarray, shape (n_train,)
        Category of each training image (the strata of the PLS splits).
    """

    train_stimuli: tuple[str, ...]
    test_stimuli: tuple[str, ...]
    channels: tuple[str, ...]
    times_ms: np.ndarray
    subjects: tuple[SubjectResponses, ...]
    categories: np.ndarray

    @property
    def n_neuroids(self) -> int:
        """Channels x time bins."""
        return len(self.channels) * len(self.times_ms)


def bin_indices(store_times: np.ndarray, start_ms: float, stop_ms: float) -> np.ndarray:
    """Samples of the window whose latency lies in [start_ms, stop_ms], shape (n_times,).

    Parameters
    ----------
    store_times : ndarray, shape (n_samples,)
        Seconds relative to stimulus onset of each sample of a window.
    """
    ms = np.round(store_times * 1000.0, 6)
    picked = np.flatnonzero((ms >= start_ms - 1e-6) & (ms <= stop_ms + 1e-6))
    if not len(picked):
        raise NeuroarenaError(f"no sample of the windows lies in {start_ms:g}-{stop_ms:g} ms",
                              fix="choose time bins inside the task's window")
    return picked


def pick_channels(available: Sequence[str], wanted: Sequence[str] | None) -> list[int]:
    """Indices of ``wanted`` among ``available`` (all when None); at least 2 must be there."""
    if wanted is None:
        return list(range(len(available)))
    picked = [i for i, name in enumerate(available) if name in set(wanted)]
    if len(picked) < 2:
        raise NeuroarenaError(f"only {len(picked)} of the benchmark's channels ({', '.join(wanted)}) are recorded",
                              fix="use a study that records them, or set the benchmark's channels")
    return picked


def assemble(metadata: "pd.DataFrame", windows: np.ndarray, store_times: np.ndarray, ch_names: Sequence[str],
             channels: Sequence[str] | None = None, start_ms: float = 0.0, stop_ms: float = 590.0) -> EegAssembly:
    """Build the assembly from a store's windows.

    Parameters
    ----------
    metadata : DataFrame, shape (n_windows, ...)
        With columns ``subject``, ``stimulus``, ``split`` (``train``/``test``) and ``category``.
    windows : ndarray, shape (n_windows, n_chans_store, n_samples)
    store_times : ndarray, shape (n_samples,)
    ch_names : sequence of str, (n_chans_store,)
    channels : sequence of str, optional
        The benchmark's channels (default: all).
    start_ms, stop_ms : float
        Latencies of the first and last bin.
    """
    chans, samples = pick_channels(ch_names, channels), bin_indices(store_times, start_ms, stop_ms)
    data = windows[:, chans][:, :, samples].astype(np.float32)
    meta = metadata.reset_index(drop=True)
    train_ids = tuple(sorted(meta.loc[meta["split"] == "train", "stimulus"].astype(str).unique()))
    test_ids = tuple(sorted(meta.loc[meta["split"] == "test", "stimulus"].astype(str).unique()))
    if not test_ids or not train_ids:
        raise NeuroarenaError(f"{len(train_ids)} training and {len(test_ids)} test images",
                              fix="use a study with predefined train and test images")
    subjects = []
    for subject, rows in meta.groupby("subject", sort=True):
        subjects.append(_subject(str(subject), rows, data, train_ids, test_ids))
    first = meta.drop_duplicates("stimulus").set_index("stimulus")
    categories = first.loc[list(train_ids), "category"].astype(str).to_numpy()
    return EegAssembly(train_ids, test_ids, tuple(ch_names[i] for i in chans),
                       np.round(store_times[samples] * 1000.0, 3), tuple(subjects), categories)


def _subject(subject: str, rows: "pd.DataFrame", data: np.ndarray, train_ids: tuple[str, ...],
             test_ids: tuple[str, ...]) -> SubjectResponses:
    stimulus = rows["stimulus"].astype(str)
    by_image = {name: group.index.to_numpy() for name, group in stimulus.groupby(stimulus)}
    missing = [s for s in (*train_ids, *test_ids) if s not in by_image]
    if missing:
        raise NeuroarenaError(f"subject {subject} never saw {len(missing)} of the images (e.g. {missing[0]})",
                              fix="select subjects that saw every image (--subjects)")
    train = np.stack([data[by_image[s]].mean(axis=0) for s in train_ids])
    reps = max(len(by_image[s]) for s in test_ids)
    test = np.full((len(test_ids), reps, *data.shape[1:]), np.nan, dtype=np.float32)
    for i, name in enumerate(test_ids):
        test[i, : len(by_image[name])] = data[by_image[name]]
    return SubjectResponses(subject, train, test)


def load_assembly(dataset: "DatasetSpec", channels: Sequence[str] | None, start_ms: float = 0.0,
                  stop_ms: float = 590.0, progress: bool = False) -> tuple[EegAssembly, "pd.DataFrame", str]:
    """The assembly of ``dataset`` from the image task's store (built when missing).

    Returns
    -------
    EegAssembly
    DataFrame
        The study's stimuli (index: stimulus id; ``image`` path, ``category``, ``split``).
    str
        The store's configuration hash (what shaped the EEG; it enters the record's hash).
    """
    from neuroarena.runner.job import JobSpec, open_store

    spec = JobSpec(task="image", dataset=dataset, model="dummy", seed=0)
    study, store = open_store(spec, spec.task_config(), progress=progress)
    prepare = spec.prepare_config(spec.task_config())
    metadata = store.metadata
    keep = metadata["split"].isin(["train", "test"]).to_numpy()
    windows = store.take(np.flatnonzero(keep))
    times = prepare.window_start + np.arange(store.n_times) / store.sfreq
    assembly = assemble(metadata[keep], windows, times, store.ch_names, channels, start_ms, stop_ms)
    stimuli = study.stimuli()
    if stimuli is None:
        raise NeuroarenaError(f"the study {dataset.label} has no stimulus table",
                              fix="alignment needs the images: use a study that provides them")
    return assembly, stimuli, store.config_hash
