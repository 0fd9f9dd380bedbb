"""The ground truth of the simulated studies: where their decodable information is (nothing is written to disk)."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.hbn_files import CHANNEL_NAMES
from neuroarena.studies.simulated import Simulated, SimulationConfig
from neuroarena.studies.simulated.brain import select_electrodes
from neuroarena.studies.simulated.truth import information_map
from neuroarena.studies.simulated_hbn import SimulatedHbn
from neuroarena.studies.simulated_hbn.latents import CPP_ONSET
from neuroarena.studies.simulated_hbn.signals import CPP_SITE, centro_parietal

TIMES = np.arange(-0.2, 0.8, 0.004)  # s from the image's onset, 250 Hz
FRONTAL = ("Fp", "AF", "F")


@pytest.fixture(scope="module")
def visual(tmp_path_factory):
    config = SimulationConfig.preset("tiny")
    return Simulated(root=tmp_path_factory.mktemp("simulated"), config=config), select_electrodes(config.n_channels)


@pytest.fixture(scope="module")
def hbn(tmp_path_factory):
    return SimulatedHbn(root=tmp_path_factory.mktemp("simulated-hbn"), preset="tiny")


def test_category_information_is_posterior_and_early(visual):
    study, electrodes = visual
    truth = study.information_map("category", electrodes.names, TIMES)
    assert truth.channels == electrodes.names and truth.spatial.shape == (32,) and truth.temporal.shape == TIMES.shape
    assert (truth.spatial >= 0).all() and (truth.temporal >= 0).all()
    best = truth.channels[int(np.argmax(truth.spatial))]
    assert best.startswith(("O", "PO", "P")), best  # O1 (1.8 µV) in the tiny preset
    frontal = max(v for name, v in zip(truth.channels, truth.spatial) if name.startswith(FRONTAL))
    assert frontal < 0.3 * truth.spatial.max()  # FC6, 0.36 µV
    assert 1e-6 < truth.spatial.max() < 5e-6  # a few µV: the response's scale at snr 1.1
    peak = TIMES[int(np.argmax(truth.temporal))]
    assert 0.08 < peak < 0.45  # the late positivity, 0.416 s
    assert 0.05 <= truth.window[0] < truth.window[1] <= 0.6  # about (0.11, 0.49)
    assert truth.temporal[TIMES < 0].max() < 1e-6 * truth.temporal.max()
    assert "category means" in truth.source and "average-referenced" in truth.source


def test_information_map_is_deterministic(visual):
    study, electrodes = visual
    first = study.information_map("category", electrodes.names, TIMES)
    second = information_map(study, "category", electrodes.names, TIMES)
    np.testing.assert_array_equal(first.spatial, second.spatial)
    np.testing.assert_array_equal(first.temporal, second.temporal)
    assert first.window == second.window


def test_images_hold_the_category_information_and_more(visual):
    # Equal-sized categories: the variance across images is that across category means plus the within-category
    # part, at every channel and time.
    study, electrodes = visual
    image = study.information_map("image", electrodes.names, TIMES)
    category = study.information_map("category", electrodes.names, TIMES)
    assert (image.temporal >= category.temporal * (1 - 1e-9)).all()
    assert (image.spatial >= category.spatial * (1 - 1e-9)).all()
    share = (category.spatial ** 2).sum() / (image.spatial ** 2).sum()
    assert 0.8 < share < 1.0  # category_share 0.9 of the features' variance


def test_channels_follow_the_request(visual):
    study, electrodes = visual
    full = study.information_map("image", electrodes.names, TIMES, reference=None)
    picked = ["Pz", "Fp1", "O2", "Cz"]
    part = study.information_map("image", picked, TIMES, reference=None)
    assert part.channels == tuple(picked)
    index = [electrodes.names.index(name) for name in picked]
    np.testing.assert_allclose(part.spatial, full.spatial[index], rtol=1e-12)
    averaged = study.information_map("image", picked, TIMES)  # re-referenced over these four only
    assert not np.allclose(averaged.spatial, part.spatial)


@pytest.mark.parametrize("kwargs, words", [
    (dict(target="category", channels=["Oz", "E62"]), "E62"),
    (dict(target="rt", channels=["Oz"]), "'rt'"),
    (dict(target="image", channels=["Oz", "Pz"], reference="Cz"), "reference"),
    (dict(target="image", channels=["Oz", "Oz"]), "twice"),
])
def test_bad_requests_are_named(visual, kwargs, words):
    study, _ = visual
    with pytest.raises(NeuroarenaError, match=words):
        study.information_map(times=TIMES, **kwargs)


def test_rt_information_is_the_centro_parietal_build_up(hbn):
    times = 0.5 + np.arange(200) / 100  # the challenge's windows: 0.5-2.49 s after the stimulus
    truth = hbn.information_map("rt", CHANNEL_NAMES, times)
    assert truth.spatial.shape == (129,) and truth.temporal.shape == (200,)
    best = truth.channels[int(np.argmax(truth.spatial))]
    assert best == CPP_SITE and best in centro_parietal()
    assert CPP_ONSET < truth.window[0] < truth.window[1] <= times[-1]  # (0.6, 2.24) in the tiny preset
    assert 1.2 < times[int(np.argmax(truth.temporal))] < 2.0  # 1.65 s: the decision times differ most there
    assert truth.spatial[CHANNEL_NAMES.index("Cz")] < 0.2 * truth.spatial.max()


def test_rt_information_starts_with_the_build_up(hbn):
    times = np.arange(-0.5, 2.5, 0.01)
    truth = information_map(hbn, "rt", CHANNEL_NAMES, times, reference=None)
    assert (truth.temporal[times < CPP_ONSET - 1e-9] == 0).all()
    assert truth.temporal[(times > CPP_ONSET + 0.05) & (times < 0.5)].min() > 0
    assert truth.spatial[CHANNEL_NAMES.index("Cz")] == 0  # the release's reference is flat
    again = information_map(hbn, "rt", CHANNEL_NAMES, times, reference=None)
    np.testing.assert_array_equal(truth.temporal, again.temporal)
    with pytest.raises(NeuroarenaError, match="Oz"):
        hbn.information_map("rt", ["E62", "Oz"], times)
