"""THINGS odd-one-out triplets: the release layout, validation, restriction to a stimulus set, simulation."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from neuroarena.alignment.triplets import (PUBLISHED_CEILING, human_consistency, load_things_triplets, restrict,
                                           simulate_triplets)
from neuroarena.errors import NeuroarenaError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "things_triplets"
TRIPLET_DIR = Path("data") / "triplet_dataset"


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A writable copy of the fixture release."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "things"))


def dot_odd_one_out(features: np.ndarray, items: np.ndarray) -> np.ndarray:
    """The item left out of the pair with the largest dot product, shape (n_triplets,)."""
    a, b, c = (features[items[:, k]] for k in range(3))
    pair = np.column_stack([(a * b).sum(1), (a * c).sum(1), (b * c).sum(1)]).argmax(axis=1)
    return items[np.arange(len(items)), 2 - pair]


def test_the_release_layout_loads_0_based_with_the_odd_one_last():
    test = load_things_triplets(FIXTURE, split="test")
    assert test.concepts[:2] == ("aardvark", "abacus") and len(test.concepts) == 6
    assert test.items.shape == (3, 3) and test.odd.shape == (3,) and test.items.dtype.kind == "i"
    # validationset.txt line 1 is "0 1 5": aardvark and abacus kept together, air_mattress the odd one out
    assert [test.concepts[i] for i in test.items[0]] == ["aardvark", "abacus", "air_mattress"]
    assert test.concepts[test.odd[0]] == "air_mattress" and np.array_equal(test.odd, test.items[:, 2])
    assert test.source.endswith("validationset.txt")
    train = load_things_triplets(FIXTURE, split="train")
    assert train.items.shape == (4, 3) and train.items.min() == 0 and train.items.max() == 5


def test_the_ceiling_is_recomputed_from_the_repeats_or_else_published(release):
    # testset1: {0, 2, 4} chosen 4, 4, 4, 0 -> 3/4 agree (the single {0, 1, 2} is not a repeat);
    # testset3: {1, 3, 5} chosen 5, 5 -> 1
    assert load_things_triplets(release).ceiling == pytest.approx(0.875)
    for name in ("testset1.txt", "testset3.txt"):
        (release / TRIPLET_DIR / name).unlink()
    assert load_things_triplets(release).ceiling == PUBLISHED_CEILING == 0.6767


def test_human_consistency_ignores_the_order_of_a_triplet():
    items = np.array([[0, 1, 2], [2, 0, 1], [1, 2, 0], [3, 4, 5]])
    assert human_consistency(items, np.array([2, 1, 2, 5])) == pytest.approx(2 / 3)
    with pytest.raises(NeuroarenaError, match="no triplet is shown twice"):
        human_consistency(items[2:], np.array([0, 5]))


@pytest.mark.parametrize("text, message", [
    ("0 1\n2 3\n", "2 columns, expected 3"),
    ("0 1 5\n0 1 6\n", "outside 0..5, first on line 2"),
    ("0 1.5 2\n", "non-integer"),
    ("0 1 a\n", "not a table of numbers"),
    ("0 1 1\n", "a concept twice"),
])
def test_a_malformed_file_is_named_with_the_fix(release, text, message):
    path = release / TRIPLET_DIR / "validationset.txt"
    path.write_text(text)
    with pytest.raises(NeuroarenaError, match=message) as err:
        load_things_triplets(release)
    assert err.value.path == path and "osf.io/f5rn6" in str(err.value)


def test_a_missing_folder_or_unknown_split_says_what_to_do(tmp_path, release):
    with pytest.raises(NeuroarenaError, match="no data/triplet_dataset folder"):
        load_things_triplets(tmp_path)
    with pytest.raises(NeuroarenaError, match="unknown split"):
        load_things_triplets(release, split="validation")
    (release / "variables" / "unique_id.txt").unlink()
    with pytest.raises(NeuroarenaError, match="concept list is missing"):
        load_things_triplets(release)


def test_restrict_keeps_whole_triplets_reindexed_to_the_stimulus_order():
    test = load_things_triplets(FIXTURE)
    kept, dropped = restrict(test, ["air_mattress", "aardvark", "abacus", "not_a_things_concept"])
    assert dropped == 2 and kept.concepts == ("air_mattress", "aardvark", "abacus", "not_a_things_concept")
    assert kept.items.tolist() == [[1, 2, 0]] and kept.odd.tolist() == [0] and kept.ceiling == test.ceiling
    with pytest.raises(NeuroarenaError, match="repeats"):
        restrict(test, ["abacus", "abacus"])


def test_noise_free_simulation_is_its_own_ceiling():
    features = np.random.default_rng(1).standard_normal((40, 5))
    sim = simulate_triplets(features, 2000, noise=0.0, seed=3)
    assert sim.ceiling == 1.0 and sim.items.shape == (2000, 3) and sim.concepts[7] == "item_0007"
    assert np.array_equal(sim.odd, dot_odd_one_out(features, sim.items))
    assert np.array_equal(sim.odd, sim.items[:, 2]) and (np.diff(np.sort(sim.items), axis=1) > 0).all()
    again = simulate_triplets(features, 2000, noise=0.0, seed=3)
    assert np.array_equal(again.items, sim.items)


def test_the_true_features_reach_the_known_ceiling_and_noise_lowers_it_to_chance():
    features = np.random.default_rng(2).standard_normal((60, 4))
    n = 20000
    sim = simulate_triplets(features, n, noise=2.0, seed=5)
    accuracy = float(np.mean(dot_odd_one_out(features, sim.items) == sim.odd))
    assert 0.45 < sim.ceiling < 0.9
    assert abs(accuracy - sim.ceiling) < 4 * np.sqrt(sim.ceiling * (1 - sim.ceiling) / n), (accuracy, sim.ceiling)
    loud = simulate_triplets(features, 5000, noise=1e4, seed=5)
    assert 1 / 3 < loud.ceiling < 1 / 3 + 0.005


def test_bad_simulation_input_is_refused():
    with pytest.raises(NeuroarenaError, match="noise >= 0"):
        simulate_triplets(np.ones((5, 2)), 10, noise=-1.0)
    with pytest.raises(NeuroarenaError, match="n_items >= 3"):
        simulate_triplets(np.ones((2, 2)), 10, noise=1.0)
