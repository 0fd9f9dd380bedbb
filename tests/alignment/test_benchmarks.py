"""Every benchmark on simulated-tiny: the oracle reaches the ceiling, random and shuffled features score about 0,
pixels and EfficientNet lie between, the time-resolved curve peaks where the simulated sources respond, records."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from neuroarena.alignment.benchmarks import BENCHMARKS, make_benchmark
from neuroarena.alignment.vision_model import VisionModel
from neuroarena.alignment.zoo import BuildContext, build_vision_model
from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated.brain import COMPONENT_PEAKS
from neuroarena.studies.spec import dataset_spec

#: The tiny preset with its training images seen 4 times a session (not once) at a higher SNR: an encoding model is
#: fitted on the training images, and from one noisy presentation per session the oracle's fitted weights carry
#: enough noise to hold it at ~0.6 of the ceiling; the ceiling itself measures only the test responses' noise.
DATASET = dataset_spec("simulated-tiny", {"config": {"snr": 4.0, "train_repeats": 4}})


@pytest.fixture(scope="module")
def benches():
    return {kind: make_benchmark(f"gifford2022-{kind}", DATASET)
            for kind in ("encoding-ridgecv", "encoding-time", "rsa", "cka", "encoding-pls")}


@pytest.fixture(scope="module")
def oracle(benches):
    study = benches["encoding-ridgecv"].dataset.open()
    return build_vision_model("oracle", BuildContext(study))[0]


def _shuffled(model: VisionModel) -> VisionModel:
    """The oracle's features given to the wrong images (a fixed permutation of the stimulus set)."""
    def features(stimuli: pd.DataFrame, layers):
        values = model.features(stimuli, layers)
        order = np.random.default_rng(1).permutation(len(stimuli))
        return {k: v[order] for k, v in values.items()}

    return VisionModel("shuffled", features, model.layers)


def test_assembly_keeps_train_means_and_test_repetitions(benches):
    assembly, stimuli, _ = benches["encoding-ridgecv"].data
    assert (len(assembly.train_stimuli), len(assembly.test_stimuli), len(assembly.subjects)) == (120, 20, 2)
    # 17 posterior channels asked for: the ones the simulated montage records
    assert set(assembly.channels) <= set(BENCHMARKS["gifford2022-rsa"].channels) and len(assembly.channels) >= 5
    assert assembly.times_ms[0] == 0.0 and assembly.times_ms[-1] == 590.0 and len(assembly.times_ms) == 60
    assert assembly.subjects[0].test.shape[:2] == (20, 12)  # 4 presentations x 3 sessions
    assert set(stimuli.loc[list(assembly.test_stimuli), "split"]) == {"test"}


def test_oracle_reaches_the_ceiling_and_shuffled_features_score_zero(benches, oracle):
    bench = benches["encoding-ridgecv"]
    score = bench(oracle)
    assert 0.2 < score.ceiling < 1.0
    assert abs(score.ceiled - 1.0) < max(3 * score.error, 0.2), score
    assert score.facts["layer"] == "latent" and set(score.per_subject) == {"01", "02"}
    shuffled = bench(_shuffled(oracle))
    assert abs(shuffled.ceiled) < 0.15, shuffled


def test_pixels_and_efficientnet_lie_between_random_and_the_oracle(benches, oracle):
    study = benches["encoding-ridgecv"].dataset.open()
    bench = benches["encoding-ridgecv"]
    scores = {"oracle": bench(oracle).ceiled}
    for name in ("random", "pixels", "efficientnet-lite0"):
        model = build_vision_model(name, BuildContext(study))[0]
        if name == "efficientnet-lite0":
            model.commit("eeg", "_blocks.11")
        scores[name] = bench(model).ceiled
    assert abs(scores["random"]) < 0.15, scores
    for name in ("pixels", "efficientnet-lite0"):
        assert scores["random"] < scores[name] < scores["oracle"], scores


def test_time_resolved_curve_peaks_at_a_source_latency(benches, oracle):
    score = benches["encoding-time"](oracle)
    curve = score.curve
    assert len(curve["times_ms"]) == 60 and curve["bins_scored"] < 60  # no response at 0 ms: no ceiling
    peak_ms = curve["raw_peak_ms"]
    assert peak_ms == curve["times_ms"][int(np.nanargmax(curve["raw"]))]
    assert min(abs(peak_ms - 1000 * COMPONENT_PEAKS)) <= 30, (peak_ms, COMPONENT_PEAKS)
    assert np.isnan(curve["ceiled"][0])
    assert score.metrics()["peak_ms"] == curve["peak_ms"]


def test_rsa_and_cka_ceilings_from_the_subjects(benches, oracle):
    for kind in ("rsa", "cka"):
        bench = benches[kind]
        bounds = bench.ceiling
        assert np.all(bounds["lower"] <= bounds["upper"] + 1e-9)
        good, bad = bench(oracle), bench(_shuffled(oracle))
        assert good.ceiled > 0.3 and abs(bad.ceiled) < 0.2, (kind, good.ceiled, bad.ceiled)
        assert len(good.curve["ceiling_lower"]) == 60


def test_pls_alternative_metric_ranks_the_oracle_above_shuffled(benches, oracle):
    bench = benches["encoding-pls"]
    assert bench(oracle).ceiled > bench(_shuffled(oracle)).ceiled + 0.3


def test_odd_one_out_on_simulated_triplets(oracle):
    bench = make_benchmark("things-odd-one-out", DATASET, n_triplets=4000)
    good = bench(oracle)
    assert 1 / 3 < good.ceiling < 1 and abs(good.ceiled - 1.0) < 3 * good.error + 0.02, good
    random = build_vision_model("random", BuildContext(bench.dataset.open()))[0]
    chance = bench(random)
    assert abs(chance.raw - 1 / 3) < 0.03 and abs(chance.ceiled) < 0.1


def test_normalisation_is_recorded_and_changes_the_ceiled_value(benches, oracle):
    before = make_benchmark("gifford2022-encoding-ridgecv", DATASET, normalisation="(r/ceiling)^2")(oracle)
    now = benches["encoding-ridgecv"](oracle)
    assert (now.normalisation, before.normalisation) == ("r2/ceiling", "(r/ceiling)^2")
    assert before.ceiled > now.ceiled  # (r/rho)^2 = (r^2/rho) / rho, and rho < 1
    with pytest.raises(NeuroarenaError, match="unknown normalisation"):
        make_benchmark("gifford2022-rsa", DATASET, normalisation="r")
