"""The benchmarks on the real releases' layouts: THINGS-EEG2 (preprocessed, 17 channels) and the THINGS triplets."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "studies"))

from things_eeg2_fixtures import EEG2_PREPROCESSED_CHANNELS, EEG2_REPETITIONS, write_things_eeg2_preprocessed  # noqa: E402

from neuroarena.alignment.benchmarks import POSTERIOR_17, make_benchmark  # noqa: E402
from neuroarena.alignment.zoo import BuildContext, build_vision_model  # noqa: E402
from neuroarena.errors import NeuroarenaError  # noqa: E402
from neuroarena.studies.spec import dataset_spec  # noqa: E402

TRIPLETS = Path(__file__).parent.parent / "fixtures" / "things_triplets"


@pytest.fixture(scope="module")
def things_eeg2(tmp_path_factory):
    root = tmp_path_factory.mktemp("things-eeg2")
    write_things_eeg2_preprocessed(root)
    return dataset_spec("gifford2022large", {"root": str(root)})


def test_things_eeg2_assembly_reads_the_17_channels_and_every_repetition(things_eeg2):
    bench = make_benchmark("gifford2022-encoding-ridgecv", things_eeg2)
    assembly, stimuli, _ = bench.data
    assert set(assembly.channels) == set(POSTERIOR_17) == set(EEG2_PREPROCESSED_CHANNELS)
    assert list(assembly.times_ms) == list(np.arange(0, 600, 10.0))  # the release's -0.2 .. 0.79 s at 100 Hz
    subject = assembly.subjects[0]
    assert subject.train.shape == (60, 17, 60) and subject.test.shape == (2, EEG2_REPETITIONS["test"], 17, 60)
    assert np.isfinite(subject.test).all()
    assert stimuli.loc[list(assembly.test_stimuli), "split"].eq("test").all()


def test_too_few_test_images_stop_with_the_reason(things_eeg2):
    bench = make_benchmark("gifford2022-encoding-ridgecv", things_eeg2)
    model = build_vision_model("pixels", BuildContext(things_eeg2.open()))[0]
    with pytest.raises(NeuroarenaError, match="2 test images: too few to score"):
        bench(model)


def test_odd_one_out_on_the_published_triplets_restricted_to_the_study_s_concepts(things_eeg2):
    bench = make_benchmark("things-odd-one-out", things_eeg2, triplets_root=str(TRIPLETS))
    model = build_vision_model("pixels", BuildContext(things_eeg2.open()))[0]
    score = bench(model)
    assert score.facts["n_triplets"] == 3 and score.facts["dropped"] == 0  # all six concepts are in the study
    assert score.ceiling == pytest.approx(0.875)  # recomputed from the fixture's between-subject repeats
    assert score.raw in (0.0, 1 / 3, 2 / 3, 1.0)
    assert score.ceiled == pytest.approx((score.raw - 1 / 3) / (0.875 - 1 / 3))
    with pytest.raises(NeuroarenaError, match="things-triplets"):
        make_benchmark("things-odd-one-out", things_eeg2)(model)  # no triplets in the home: where to put them
