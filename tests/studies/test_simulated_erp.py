"""The simulated ERP studies: their BIDS files and events (shifted as MOABB's epochs), the component in the
average, overlapping epochs and the split audit, the oracle, and the ERP tasks run end to end offline."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated_erp.config import CHANNELS, SFREQ, STUDIES, ErpConfig
from neuroarena.studies.simulated_erp.generator import schedule, simulate_run
from neuroarena.studies.simulated_erp.study import SimulatedErp

CLASSES = ["Target", "NonTarget"]
#: The task of each paradigm, and the MOABB dataset it names (BNCI2015_009 / ErpCore2021_*).
TASKS = {"p3": "p3", "n170": "n170", "n400": "n400", "mmn": "mismatch_negativity", "n2pc": "n2pc", "ern": "ern",
         "lrp": "lrp"}
#: MOABB's ``interval`` of each dataset (moabb/datasets/bnci/bnci_2015.py, moabb/datasets/erpcore2021.py).
MOABB_INTERVALS = {"p3": (0.0, 0.8), "n170": (-0.2, 0.8), "n400": (-0.2, 0.8), "mmn": (-0.2, 0.8),
                   "n2pc": (-0.2, 0.8), "ern": (-0.8, 0.2), "lrp": (-0.6, 0.4)}
#: Sites far from each component (a (left, right) pair for the lateralized ones), where it does not reach.
FAR_SITES = {"p3": ("Fp1",), "n170": ("Fp1",), "n400": ("Fp1",), "mmn": ("O1",), "n2pc": ("Fp1", "Fp2"),
             "ern": ("O1",), "lrp": ("O1", "O2")}


def _written(name: str) -> SimulatedErp:
    from neuroarena.studies.registry import get_study

    study = get_study(f"simulated-{name}")
    assert isinstance(study, SimulatedErp) and study.config == ErpConfig.preset(name)
    study.download()
    return study


@pytest.fixture(scope="module")
def p3() -> SimulatedErp:
    """``p3-tiny``, written under the session's temporary home (where ``simulated-p3-tiny`` lives)."""
    return _written("p3-tiny")


@pytest.fixture(scope="module")
def lrp() -> SimulatedErp:
    """``lrp-tiny``: response-locked and lateralized."""
    return _written("lrp-tiny")


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_each_preset_fits_its_task_file_and_moabb_dataset(name):
    from neuroarena.studies.registry import STUDIES as REGISTRY
    from neuroarena.tasks.config import load_task

    config, tiny = ErpConfig.preset(name), ErpConfig.preset(f"{name}-tiny")
    task = load_task(TASKS[name])
    assert config.interval == MOABB_INTERVALS[name]
    assert task.prepare.window_start == 0.0 and task.prepare.window_duration == pytest.approx(np.diff(config.interval))
    assert task.target.column == "category" and task.prepare.event_kind == "stimulus"
    assert config.locked == ("response" if name in ("ern", "lrp") else "stimulus")
    assert config.lateralized == (name in ("n2pc", "lrp"))
    assert 0.8 < config.ceiling < 0.9
    assert tiny.model_dump(exclude={"n_subjects", "n_runs", "trials"}) == \
        config.model_dump(exclude={"n_subjects", "n_runs", "trials"}) and tiny.n_subjects == 5
    for preset in (name, f"{name}-tiny"):
        assert REGISTRY[f"simulated-{preset}"][1] == {"preset": preset}


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_the_schedule_shifts_each_event_by_the_interval_start(name):
    config = ErpConfig.preset(f"{name}-tiny")
    trials, n_times = schedule(config, 0, 0)
    assert len(trials) == config.trials and n_times > trials["event"].max()
    np.testing.assert_allclose(trials["onset"], trials["event"] / SFREQ + config.interval[0])
    gaps = np.abs(np.diff(trials["stimulus"].to_numpy()) / SFREQ - config.soa)  # on samples: within one of the range
    assert (gaps <= config.soa_jitter + 1 / SFREQ + 1e-9).all() and gaps.max() > config.soa_jitter / 2
    if config.locked == "response":
        np.testing.assert_allclose((trials["event"] - trials["stimulus"]) / SFREQ, trials["rt"])
        assert 0.25 < trials["rt"].median() < 0.6
    else:
        assert (trials["event"] == trials["stimulus"]).all() and trials["rt"].isna().all()
    share = (trials["category"] == "Target").mean()  # independent draws: within 4 binomial sd
    assert abs(share - config.target_fraction) < 4 * np.sqrt(config.target_fraction * (1 - config.target_fraction)
                                                             / config.trials)


@pytest.mark.parametrize("name", sorted(STUDIES))
def test_the_component_shows_in_the_target_minus_nontarget_average(name):
    config = ErpConfig.preset(f"{name}-tiny")
    sites = [CHANNELS.index(site) for site in config.component.sites]
    half = int(round(config.component.width * SFREQ))
    runs = [simulate_run(config, subject, 0) for subject in range(3)]

    def difference(channels: list[int], delay: float) -> float:
        values, labels = [], []
        for run in runs:
            peaks = run.trials["event"].to_numpy() + int(round(delay * SFREQ))
            segment = np.stack([run.data[channels, p - half:p + half + 1].mean(axis=1) for p in peaks])
            values.append(segment[:, 1] - segment[:, 0] if len(channels) == 2 else segment[:, 0])
            labels.append(run.trials["category"].to_numpy() == "Target")
        values, labels = np.concatenate(values), np.concatenate(labels)
        return float(values[labels].mean() - values[~labels].mean())

    peak = difference(sites, config.component.latency)
    expected = np.sign(config.component.volts) * np.sign(config.latent_target - config.latent_nontarget)
    assert np.sign(peak) == expected and abs(peak) > 5e-6, peak  # e.g. P3: Target more positive at Pz
    assert abs(peak) > 2 * abs(difference(sites, config.component.latency - 4 * config.component.width))
    assert abs(peak) > 2 * abs(difference([CHANNELS.index(site) for site in FAR_SITES[name]], config.component.latency))


def test_tiny_p3_is_a_bids_dataset_with_shifted_events(p3, lrp):
    recordings = p3.recordings()
    assert [r.id for r in recordings] == [f"sub-0{s}_task-p3_run-1" for s in range(1, 6)]
    assert json.loads((p3.root / "simulation.json").read_text())["config"] == p3.config.model_dump(mode="json")
    assert (p3.root / "dataset_description.json").is_file()
    for study in (p3, lrp):
        config = study.config
        for recording in study.recordings():
            events = recording.events()
            trials, _ = schedule(config, int(recording.subject) - 1, 0)
            assert (events["kind"] == "stimulus").all()
            np.testing.assert_allclose(events["duration"], config.interval[1] - config.interval[0])
            assert events["category"].value_counts().to_dict() == trials["category"].value_counts().to_dict()
            np.testing.assert_allclose(events["onset"], trials["event"] / SFREQ + config.interval[0], atol=1e-6)
            if config.locked == "response":
                np.testing.assert_allclose(events["rt"], trials["rt"], atol=1e-6)
    raw = recordings[0].load()
    assert raw.info["sfreq"] == SFREQ and list(raw.ch_names) == list(CHANNELS)
    rms = raw.get_data().std(axis=1)
    assert (rms > 10e-6).all() and (rms < 60e-6).all()  # tens of microvolts


def test_the_data_are_deterministic_in_the_seed(lrp, tmp_path):
    config = ErpConfig.preset("lrp-tiny", n_subjects=2)
    first, second = (SimulatedErp(root=tmp_path / name, config=config) for name in ("a", "b"))
    data = [study.recordings()[0].load().get_data() for study in (first, second, lrp)]
    np.testing.assert_array_equal(data[0], data[1])
    np.testing.assert_array_equal(data[0], data[2])  # a subject does not depend on how many others there are
    other = SimulatedErp(root=tmp_path / "c", config=config.model_copy(update={"seed": 1}))
    assert not np.allclose(other.recordings()[0].load().get_data()[:, :5000], data[0][:, :5000])
    with pytest.raises(NeuroarenaError, match="does not hold the simulated ERP study"):
        SimulatedErp(root=tmp_path / "a", preset="lrp-tiny").download()


@pytest.mark.parametrize("overrides, match", [
    ({"component": {"sites": ["Pz"], "latency": 0.9, "width": 0.05, "volts": 5e-6}}, "outside the interval"),
    ({"component": {"sites": ["C4", "C3"], "latency": 0.0, "width": 0.05, "volts": -5e-6}}, r"\(left, right\)"),
    ({"component": {"sites": ["T7"], "latency": 0.0, "width": 0.05, "volts": -5e-6}}, "not recorded"),
    ({"soa_jitter": 2.0}, "soa_jitter"),
    ({"target_fraction": 1.0}, "target_fraction"),
    ({"n_chans": 30}, "n_chans"),
])
def test_the_configuration_is_validated(overrides, match):
    with pytest.raises(NeuroarenaError, match=match) as err:
        ErpConfig.preset("lrp-tiny", **overrides)
    assert "ErpConfig" in err.value.fix
    with pytest.raises(NeuroarenaError, match="unknown simulated ERP preset") as err:
        ErpConfig.preset("p300")
    assert "p3-tiny" in err.value.fix


def test_p3_epochs_overlap_within_a_recording_but_no_sample_crosses_parts(p3):
    from neuroarena.runner.api import prepare
    from neuroarena.splits.audit import SAMPLES, audit_split
    from neuroarena.splits.base import Split
    from neuroarena.splits.splitters import make_splitter
    from neuroarena.tasks.config import load_task

    task = load_task("p3")
    store = prepare("p3", "simulated-p3-tiny", progress=False)
    metadata = store.metadata
    assert (store.n_chans, store.n_times, store.sfreq) == (30, 80, 100.0)
    assert len(metadata) == 5 * p3.config.trials
    gaps = metadata.groupby("recording")["onset"].diff().dropna()
    assert (gaps < task.prepare.window_duration).all()  # every epoch overlaps the next one
    splitter = make_splitter(task.split.name, **{**task.split.params, "forbid_shared_samples": True})
    forbidden = (*splitter.forbidden, SAMPLES)
    split = splitter.split(metadata)
    audit = audit_split(metadata, split, forbidden, window_duration=task.prepare.window_duration)
    assert all(counts[SAMPLES] == 0 for counts in audit.shared.values()) and audit.sizes["test"] == p3.config.trials
    audit.check(p3.root)
    one = metadata[metadata["recording"] == metadata["recording"].iloc[0]]["window"].to_numpy()
    leaky = Split(train=np.setdiff1d(metadata["window"], one[1::2]), val=np.array([], dtype=int), test=one[1::2])
    caught = audit_split(metadata, leaky, forbidden, window_duration=task.prepare.window_duration)
    assert caught.shared["train/test"][SAMPLES] == len(one[1::2])
    with pytest.raises(NeuroarenaError, match="samples"):
        caught.check(p3.root)


def test_the_oracle_reads_the_latent_and_keeps_its_outputs(p3):
    from neuroarena.runner.api import prepare
    from neuroarena.tasks.config import load_task

    metadata = prepare("p3", "simulated-p3-tiny", progress=False).metadata
    config = load_task("p3").prepare
    scores = p3.oracle_outputs(metadata, config, classes=CLASSES)
    assert scores.shape == (len(metadata), 2) and np.isfinite(scores).all()
    truth = metadata["category"].to_numpy() == "Target"
    guess = scores.argmax(axis=1) == 0
    balanced = 0.5 * (guess[truth].mean() + (~guess[~truth]).mean())
    assert 0.75 < balanced < 0.95 and abs(balanced - p3.config.ceiling) < 0.06
    assert list(p3.root.glob("oracle/*.npy"))
    swapped = p3.oracle_outputs(metadata, config, classes=["NonTarget", "face", "Target"])
    np.testing.assert_allclose(swapped[:, [2, 0]], scores)
    assert np.isneginf(swapped[:, 1]).all()
    assert p3.oracle_outputs(metadata, config, target="rt") is None
    assert p3.oracle_outputs(metadata, config, stimuli=["x"]) is None
    moved = metadata.assign(onset=metadata["onset"] + 0.1)
    with pytest.raises(NeuroarenaError, match="lie at no event"):
        p3.oracle_outputs(moved, config, classes=CLASSES)


@pytest.mark.parametrize("task, dataset", [("p3", "simulated-p3-tiny"), ("lrp", "simulated-lrp-tiny")])
def test_the_erp_task_runs_end_to_end_under_the_oracle_ceiling(task, dataset):
    from neuroarena.runner.api import run

    frame = run(task, ["cov_ts_lr"], dataset=dataset, seeds=[0])
    assert (frame["status"] == "ok").all(), frame["error"].tolist()
    scores, ceiling = frame.set_index("model")["score"], frame.set_index("model")["ceiling"]
    assert scores["dummy"] == 0.5
    assert scores["cov_ts_lr"] >= scores["dummy"] + 0.1  # the component is decodable across subjects
    assert scores["cov_ts_lr"] <= ceiling["cov_ts_lr"] < 0.95  # the latent bounds every EEG decoder
