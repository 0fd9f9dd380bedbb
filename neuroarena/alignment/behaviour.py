"""The odd-one-out benchmark: which of three images does the model leave out, against people's choices.

On a THINGS study the triplets are Hebart et al.'s (:func:`~neuroarena.alignment.triplets.load_things_triplets`,
from ``triplets_root`` or ``<home>/data/things-triplets``), kept where the study shows all three concepts,
each concept seen through its first image. On a simulated study the choices are simulated from the
latent features with a known noise level (:func:`~neuroarena.alignment.triplets.simulate_triplets`), so
the ceiling is known rather than estimated.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.alignment.score import AlignmentScore
from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.alignment.benchmarks import Benchmark
    from neuroarena.alignment.triplets import Triplets
    from neuroarena.alignment.vision_model import VisionModel

CHANCE = 1.0 / 3.0
N_BOOTSTRAP = 1000


def triplet_stimuli(benchmark: "Benchmark") -> tuple["Triplets", "pd.DataFrame", dict]:
    """The triplets, the stimuli whose rows they index and facts about where they came from."""
    from neuroarena.alignment.triplets import load_things_triplets, restrict, simulate_triplets

    study = benchmark.dataset.open()
    stimuli = study.stimuli()
    if stimuli is None:
        raise NeuroarenaError(f"the study {benchmark.dataset.label} has no stimulus table",
                              fix="the odd-one-out benchmark needs the images")
    truth = study.stimulus_features()
    if truth is not None:
        features = truth.loc[stimuli.index.astype(str)].to_numpy(dtype=float)
        triplets = simulate_triplets(features, benchmark.n_triplets, _noise_sd(features, benchmark.triplet_noise),
                                     seed=0)
        return triplets, stimuli, {"source": "simulated", "noise": benchmark.triplet_noise}
    from neuroarena.home import data_dir

    root = Path(benchmark.triplets_root) if benchmark.triplets_root else data_dir() / "things-triplets"
    published = load_things_triplets(root, split="test")
    first = stimuli.reset_index().drop_duplicates("category").set_index("category")
    kept, dropped = restrict(published, tuple(first.index.astype(str)))
    if not len(kept.odd):
        raise NeuroarenaError("no triplet has all three concepts among the study's images", path=root,
                              fix="use a THINGS study (gifford2022large, grootswagers2022human)")
    shown = stimuli.loc[first.loc[list(kept.concepts), "stimulus"].astype(str)]
    return kept, shown, {"source": str(root), "dropped": int(dropped)}


def _noise_sd(features: np.ndarray, fraction: float) -> float:
    """``fraction`` of the sd of the pairwise dot-product similarities."""
    sims = features @ features.T
    return float(fraction * sims[np.triu_indices(len(features), 1)].std())


def odd_one_out_benchmark(benchmark: "Benchmark", model: "VisionModel") -> AlignmentScore:
    """Accuracy of the model's odd-one-out choices; error by a bootstrap over triplets."""
    from neuroarena.alignment.similarity import odd_one_out_accuracy, odd_one_out_score

    triplets, stimuli, facts = triplet_stimuli(benchmark)
    model.start_task("odd_one_out")
    choices = np.asarray(model.look_at(stimuli, triplets=triplets.items))
    correct = (choices == triplets.odd).astype(float)
    accuracy = odd_one_out_accuracy(choices, triplets.odd)
    rng = np.random.default_rng(0)
    boot = correct[rng.integers(0, len(correct), (N_BOOTSTRAP, len(correct)))].mean(axis=1)
    ceiled_boot = (boot - CHANCE) / (triplets.ceiling - CHANCE)
    facts |= {"layer": model.layer_for("IT"), "n_triplets": int(len(correct)), "chance": CHANCE}
    return AlignmentScore(raw=float(accuracy), ceiling=float(triplets.ceiling),
                          ceiled=float(odd_one_out_score(accuracy, triplets.ceiling)),
                          error=float(ceiled_boot.std(ddof=1)), normalisation="(accuracy-1/3)/(ceiling-1/3)",
                          facts=facts)
