"""Benchmarks: data, metric and a lazily computed ceiling, versioned, each scoring one model at a time.

Neural benchmarks read the image task's EEG (:mod:`neuroarena.alignment.assembly`) on the benchmark's
channels, 0-590 ms after onset:

- ``<study>-encoding-ridgecv`` (the Brain-Score-compatible one): the model's features predict every
  neuroid (channel x time bin) with ridge regression (one penalty per neuroid by leave-one-out) fitted
  per subject on the training images; Pearson r per neuroid on the test images (presentations
  averaged), median over neuroids, against the split-half reliability of the test responses;
- ``<study>-encoding-pls``: PLS with 25 components instead, 10 stratified 90/10 splits of all images;
- ``<study>-encoding-time``: the ridge fit scored per time bin (median over channels), a curve against
  latency with a ceiling per bin, summarised by its mean and its peak;
- ``<study>-rsa``: Spearman correlation of the model's and each subject's test-image RDM per time bin;
  the ceiling from the subjects (each against the mean of all: upper bound, used to ceil; against the
  mean of the others: lower bound, recorded);
- ``<study>-cka``: unbiased linear CKA of the features and each subject's test-image patterns per bin,
  ceiled the same way.

``things-odd-one-out`` is behaviour: the model's odd item of each THINGS triplet (the one outside its most
similar pair), accuracy against the human choices, ``(accuracy − 1/3) / (ceiling − 1/3)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from neuroarena.alignment.score import AlignmentScore, curve_summary, normalise, over_subjects
from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.alignment.assembly import EegAssembly
    from neuroarena.alignment.vision_model import VisionModel
    from neuroarena.studies.spec import DatasetSpec

#: The 17 occipital and parietal channels of the THINGS-EEG2 encoding analyses (Gifford et al. 2022).
POSTERIOR_17 = ("Pz", "P3", "P7", "O1", "Oz", "O2", "P4", "P8", "P1", "P5", "PO7", "PO3", "POz", "PO4", "PO8",
                "P6", "P2")
STUDIES = {
    "gifford2022": ("gifford2022large", POSTERIOR_17, """@article{gifford2022large,
  title={A large and rich EEG dataset for modeling human visual object recognition},
  author={Gifford, Alessandro T and Dwivedi, Kshitij and Roig, Gemma and Cichy, Radoslaw M},
  journal={NeuroImage}, volume={264}, pages={119754}, year={2022}}"""),
    "grootswagers2022": ("grootswagers2022human", POSTERIOR_17, """@article{grootswagers2022human,
  title={Human EEG recordings for 1,854 concepts presented in rapid serial visual presentation streams},
  author={Grootswagers, Tijl and Zhou, Ivy and Robinson, Amanda K and Hebart, Martin N and Carlson, Thomas A},
  journal={Scientific Data}, volume={9}, number={1}, pages={3}, year={2022}}"""),
}
THINGS_BIBTEX = """@article{hebart2023things,
  title={THINGS-data, a multimodal collection of large-scale datasets for investigating object representations
         in human brain and behavior},
  author={Hebart, Martin N and Contier, Oliver and Teichmann, Lina and others}, journal={eLife},
  volume={12}, pages={e82580}, year={2023}}"""
#: Fewest training and test images a neural benchmark scores (a correlation over stimuli needs three).
MIN_IMAGES = 3
KINDS = ("encoding-ridgecv", "encoding-pls", "encoding-time", "rsa", "cka")


@dataclass(frozen=True)
class BenchmarkInfo:
    """What names a benchmark: ``parent`` groups it in the leaderboard's tree (``neural`` / ``behavior``)."""

    identifier: str
    kind: str
    parent: str
    domain: str
    version: int
    default_dataset: str
    channels: tuple[str, ...] | None
    bibtex: str


def _registry() -> dict[str, BenchmarkInfo]:
    out = {}
    for study, (dataset, channels, bibtex) in STUDIES.items():
        for kind in KINDS:
            name = f"{study}-{kind}"
            out[name] = BenchmarkInfo(name, kind, study, "neural", 1, dataset, channels, bibtex)
    out["things-odd-one-out"] = BenchmarkInfo("things-odd-one-out", "odd-one-out", "things", "behavior", 1,
                                              "gifford2022large", None, THINGS_BIBTEX)
    return out


BENCHMARKS: dict[str, BenchmarkInfo] = _registry()


def benchmark_names(names: list[str]) -> list[str]:
    """Expand ``all``; unknown names stop with the list of known ones."""
    out = []
    for name in names:
        for member in (BENCHMARKS if name == "all" else (name,)):
            if member not in BENCHMARKS:
                raise NeuroarenaError(f"unknown benchmark {member!r}",
                                      fix="see `neuroarena list benchmarks` (or use all)")
            if member not in out:
                out.append(member)
    return out


def standardised(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Features z-scored with the training rows' mean and sd (constant columns become 0); shapes kept."""
    mean, sd = train.mean(axis=0), train.std(axis=0)
    sd = np.where(sd > 1e-8, sd, np.inf)
    return [((x - mean) / sd).astype(np.float64) for x in (train, *others)]


class Benchmark:
    """One benchmark on one dataset.

    Parameters
    ----------
    info : BenchmarkInfo
    dataset : DatasetSpec
        Where the data come from (the benchmark's own study, or e.g. ``simulated``).
    normalisation : str
        How encoding scores are ceiled (:data:`~neuroarena.alignment.score.NORMALISATIONS`).
    triplet_noise : float
        Simulated studies: the sd of the noise on the three similarities behind each simulated choice, as a
        fraction of the sd of the pairwise similarities.
    """

    def __init__(self, info: BenchmarkInfo, dataset: "DatasetSpec", normalisation: str = "r2/ceiling",
                 n_triplets: int = 20000, triplet_noise: float = 0.5, triplets_root: str | None = None):
        self.info, self.dataset, self.normalisation = info, dataset, normalisation
        self.n_triplets, self.triplet_noise, self.triplets_root = n_triplets, triplet_noise, triplets_root
        normalise(0.5, 0.5, normalisation)  # checks the name

    identifier = property(lambda self: self.info.identifier)
    version = property(lambda self: self.info.version)
    parent = property(lambda self: self.info.parent)
    bibtex = property(lambda self: self.info.bibtex)

    @cached_property
    def data(self) -> tuple["EegAssembly", "pd.DataFrame", str]:
        """The EEG assembly, the stimuli and the store's hash."""
        from neuroarena.alignment.assembly import load_assembly

        return load_assembly(self.dataset, self.info.channels)

    @cached_property
    def ceiling(self) -> dict[str, Any]:
        """Per subject: the split-half reliability of every neuroid, shape (n_chans, n_times) (encoding); per
        time bin: the subjects' lower and upper bounds (RSA, CKA)."""
        from neuroarena.alignment.ceiling import split_half_reliability

        assembly = self.data[0]
        if self.info.kind in ("rsa", "cka"):
            return self._similarity_bounds(assembly)
        out = {}
        for s in assembly.subjects:
            n, reps = s.test.shape[:2]
            values = split_half_reliability(s.test.reshape(n, reps, -1)).mean(axis=0)
            out[s.subject] = values.reshape(len(assembly.channels), len(assembly.times_ms))
        return out

    def __call__(self, model: "VisionModel") -> AlignmentScore:
        if self.info.kind == "odd-one-out":
            from neuroarena.alignment.behaviour import odd_one_out_benchmark

            return odd_one_out_benchmark(self, model)
        assembly, stimuli, _ = self.data
        if min(len(assembly.test_stimuli), len(assembly.train_stimuli)) < MIN_IMAGES:
            raise NeuroarenaError(f"{len(assembly.train_stimuli)} training and {len(assembly.test_stimuli)} test "
                                  "images: too few to score", fix=f"score on {MIN_IMAGES} or more of each")
        model.start_recording("eeg", [(t, t + 10.0) for t in assembly.times_ms])
        train = model.look_at(stimuli.loc[list(assembly.train_stimuli)]).values
        test = model.look_at(stimuli.loc[list(assembly.test_stimuli)]).values
        train, test = standardised(train, test)
        facts = {"layer": model.layer_for("eeg"), "n_features": int(train.shape[1]),
                 "channels": list(assembly.channels), "n_neuroids": assembly.n_neuroids,
                 "n_train": len(assembly.train_stimuli), "n_test": len(assembly.test_stimuli)}
        if self.info.kind in ("rsa", "cka"):
            return self._similarity(assembly, test, facts)
        return self._encoding(assembly, train, test, facts)

    def _encoding(self, assembly: "EegAssembly", train: np.ndarray, test: np.ndarray,
                  facts: dict[str, Any]) -> AlignmentScore:
        from neuroarena.alignment.encoding import pls_encoding, ridge_encoding

        shape = (len(assembly.channels), len(assembly.times_ms))
        per_subject, curves = {}, []
        for s in assembly.subjects:
            y_train, y_test = s.train.reshape(len(train), -1), s.test_mean.reshape(len(test), -1)
            if self.info.kind == "encoding-pls":
                features = np.concatenate([train, test])
                labels = np.concatenate([assembly.categories, np.full(len(test), "test")])
                r = pls_encoding(features, np.concatenate([y_train, y_test]), labels).mean(axis=0)
            else:
                r = ridge_encoding(train, y_train, test, y_test)
            r, reliability = r.reshape(shape), self.ceiling[s.subject]
            if self.info.kind == "encoding-time":
                raw, ceiling = np.nanmedian(r, axis=0), np.nanmedian(reliability, axis=0)
                ceiled = normalise(raw, ceiling, self.normalisation)
                curves.append((raw, ceiling, ceiled))
                per_subject[s.subject] = {"raw": float(np.nanmean(raw)), "ceiling": float(np.nanmean(ceiling)),
                                          "ceiled": float(np.nanmean(ceiled))}
            else:
                raw, ceiling = float(np.nanmedian(r)), float(np.nanmedian(reliability))
                per_subject[s.subject] = {"raw": raw, "ceiling": ceiling,
                                          "ceiled": float(normalise(raw, ceiling, self.normalisation))}
        extra = {}
        if curves:
            raw, ceiling, ceiled = (_mean_over_subjects([c[i] for c in curves]) for i in range(3))
            extra["curve"] = curve_summary(assembly.times_ms, raw, ceiling, ceiled)
        return over_subjects(per_subject, self.normalisation, facts=facts, **extra)

    def _metric(self) -> Callable[[np.ndarray, np.ndarray], float]:
        from neuroarena.alignment.similarity import cka_unbiased, rdm, rsa_score

        if self.info.kind == "cka":
            return cka_unbiased
        return lambda a, b: rsa_score(rdm(a), rdm(b))

    def _similarity_bounds(self, assembly: "EegAssembly") -> dict[str, Any]:
        if len(assembly.subjects) < 2:
            raise NeuroarenaError(f"{self.identifier} takes its ceiling from the subjects and the data have one",
                                  fix="score on two or more subjects")
        metric, means = self._metric(), np.stack([s.test_mean for s in assembly.subjects])
        lower, upper = [], []
        for t in range(len(assembly.times_ms)):
            patterns = means[..., t]  # (n_subjects, n_test, n_chans)
            everyone = patterns.mean(axis=0)
            upper.append(np.mean([metric(p, everyone) for p in patterns]))
            lower.append(np.mean([metric(p, np.delete(patterns, i, axis=0).mean(axis=0))
                                  for i, p in enumerate(patterns)]))
        return {"lower": np.array(lower), "upper": np.array(upper)}

    def _similarity(self, assembly: "EegAssembly", test: np.ndarray, facts: dict[str, Any]) -> AlignmentScore:
        metric, bounds = self._metric(), self.ceiling
        per_subject, curves = {}, []
        for s in assembly.subjects:
            raw = np.array([metric(test, s.test_mean[..., t]) for t in range(len(assembly.times_ms))])
            ceiled = normalise(raw, bounds["upper"], "ratio")
            curves.append((raw, ceiled))
            per_subject[s.subject] = {"raw": float(np.nanmean(raw)), "ceiling": float(np.nanmean(bounds["upper"])),
                                      "ceiled": float(np.nanmean(ceiled))}
        raw, ceiled = (_mean_over_subjects([c[i] for c in curves]) for i in range(2))
        curve = curve_summary(assembly.times_ms, raw, bounds["upper"], ceiled)
        curve["ceiling_lower"] = bounds["lower"].tolist()
        return over_subjects(per_subject, "ratio", facts=facts, curve=curve)


def _mean_over_subjects(curves: list[np.ndarray]) -> np.ndarray:
    """Mean over subjects per time bin, shape (n_times,); NaN (quietly) where no subject has a value."""
    stacked = np.stack(curves)
    counts = np.isfinite(stacked).sum(axis=0)
    return np.where(counts > 0, np.nansum(stacked, axis=0) / np.maximum(counts, 1), np.nan)


def make_benchmark(name: str, dataset: "DatasetSpec | str | None" = None, **params: Any) -> Benchmark:
    """The benchmark ``name`` on ``dataset`` (default: its own study)."""
    from neuroarena.studies.spec import DatasetSpec, dataset_spec

    info = BENCHMARKS[benchmark_names([name])[0]]
    spec = dataset if isinstance(dataset, DatasetSpec) else dataset_spec(dataset or info.default_dataset)
    return Benchmark(info, spec, **params)
