"""Simulated TUAB: clinical EEG recordings, normal or abnormal, written in the corpus's exact v3.0.1 files, with a
ceiling.

The files are those of :mod:`neuroarena.studies.tuh_abnormal` (``v3.0.1/edf/{train,eval}/{normal,abnormal}/
01_tcp_ar/<subject>_s<session>_t<segment>.edf``; eight-letter subject ids; 21 EEG channels ``EEG FP1-REF`` ...
with ``EEG T1-REF``/``EEG T2-REF``, among the non-EEG ``EEG EKG1-REF``, ``EMG-REF``, ``PHOTIC-REF``, ``IBI``,
``BURSTS``, ``SUPPR``; 250 Hz, one file at 256 Hz; one file too short for a crop after the first minute), read back
by the very same :class:`~neuroarena.studies.tuh_abnormal.TuhAbnormal` reader and braindecode's renaming.

Generative model (volts, deterministic in the seed):

- **Subjects and recordings.** ``n_subjects`` patients, about ``abnormal_fraction`` of them truly abnormal (a
  patient's state is the same in all their sessions), ``eval_fraction`` of each kind in ``eval``; each has 1 to
  ``max_sessions`` sessions, each a recording ``t000`` of about ``minutes`` (and, with probability
  ``second_segment``, a second one ``t001``), as in the corpus, where a session's EEG may be split into segments.
- **Label.** The folder (normal/abnormal) is the clinician's reading of the session (all its segments): a share
  ``1 - agreement`` of each split's sessions, drawn at random whatever their state, is misread as the other state
  (so that a small eval split has its share too). TUAB's labels come from the clinicians' reports (Obeid & Picone
  2016, Front. Neurosci. 10:196; Lopez de Diego 2017, MS thesis, Temple University), and readers of one EEG do not
  always agree on normal/abnormal: the agreement of 0.9 is an assumption, not a measured rate.
- **EEG by true state.** A spatially correlated 1/f background (:func:`~neuroarena.studies.simulated.noise.
  background`, 22 µV RMS), eye blinks and 60 Hz mains, plus rhythms whose amplitude waxes and wanes over tens of
  seconds. Normal: a posterior dominant rhythm (alpha, 9-11 Hz, largest at O1/O2, P3/P4) and little diffuse theta
  and delta (drowsiness). Abnormal, each patient with one or more of the classic nonepileptic findings (Schomer &
  Lopes da Silva, eds., Niedermeyer's Electroencephalography, 7th ed., 2018; Tatum, Handbook of EEG Interpretation,
  2nd ed., 2014): a slowed, smaller posterior dominant rhythm (6.5-8 Hz, below the adult lower limit of about
  8 Hz), diffuse (generalized, fronto-central predominant) theta and delta slowing, or focal polymorphic delta
  (0.5-3 Hz, irregular) over one temporal region, its most common site (:data:`FINDINGS`: how often each is drawn
  is an assumption). The amplitudes (``effect`` scales the slowing) are set so that a 10 s crop is not trivially
  classified; a slowed rhythm alone hardly changes the channels' covariance, so a covariance decoder misses those
  patients while a spectral one need not.

The ceiling (:meth:`SimulatedTuab.oracle_outputs`): the label depends on the EEG only through the recording's true
state (label <- true state -> EEG), so by the data-processing inequality no decoder of a crop beats the Bayes rule
on the true state. The oracle reads the true state from the seed and gives each label's log-likelihood
``log P(true state | label)`` (from ``agreement`` and the study's true-state frequency over crops): the rule that
maximizes balanced accuracy, under equal priors.
"""
from __future__ import annotations

import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump
from neuroarena.studies.simulated.noise import background, blinks, line_noise, narrowband_noise
from neuroarena.studies.simulated_bids import preset_config, windows_by_recording
from neuroarena.studies.tuh_abnormal import VERSION, TuhAbnormal

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.prepare.config import PrepareConfig

GENERATOR_VERSION = 1
SFREQ = 250.0
ODD_SFREQ = 256.0  # the rate of one file (subject 1's first recording), as some of the corpus's
SHORT_SECONDS = 65.0  # subject 0's first session has a second segment this long: no crop after the first minute
MONTAGE_FOLDER = "01_tcp_ar"
LABELS = ("normal", "abnormal")
#: The EEG channels (TUH names without ``EEG `` and ``-REF``) and their positions (mm; T1/T2 at FT9/FT10).
POSITIONS = {
    "FP1": (-29, 84, -7), "FP2": (30, 85, -7), "F3": (-50, 53, 42), "F4": (52, 54, 41), "C3": (-65, -12, 64),
    "C4": (67, -11, 64), "P3": (-53, -79, 56), "P4": (56, -79, 57), "O1": (-29, -112, 9), "O2": (30, -112, 9),
    "F7": (-70, 42, -11), "F8": (73, 44, -12), "T3": (-84, -16, -9), "T4": (85, -15, -9), "T5": (-72, -73, -2),
    "T6": (73, -73, -3), "FZ": (0, 59, 66), "CZ": (0, -9, 100), "PZ": (0, -81, 83), "T1": (-84, 15, -50),
    "T2": (84, 14, -51),
}
HEAD_CENTRE = (0.0, -15.0, 10.0)  # mm: the positions' sphere centre, roughly
#: The non-EEG channels of the corpus's files and their units.
OTHER_CHANNELS = (("EEG EKG1-REF", "uV"), ("EMG-REF", "uV"), ("PHOTIC-REF", "uV"), ("IBI", ""), ("BURSTS", ""),
                  ("SUPPR", ""))
N_GENERATORS = 8  # broad 1/f background generators per subject
GENERATOR_JITTER = 0.2  # spread of a patient's generator directions around the shared ones
LOCAL_SHARE = 0.3  # channel-local share of the background's variance
#: Posterior dominant rhythm: RMS at its peak (V) and frequency range (Hz), normal and slowed.
PDR_VOLTS = 14e-6
PDR_HZ = {"normal": (9.0, 11.0), "slowed": (6.5, 8.0)}
SLOWED_PDR_GAIN = 0.7  # a slowed PDR is also smaller and less organized
#: Diffuse slowing: RMS (V) of theta and delta, in a normal recording (drowsiness) and in diffuse slowing.
THETA_VOLTS = {"normal": 3e-6, "abnormal": 13e-6}
DELTA_VOLTS = {"normal": 3e-6, "abnormal": 16e-6}
FOCAL_DELTA_VOLTS = 30e-6  # RMS at the focus of polymorphic delta
FOCAL_WIDTH = 0.55  # radians: width of the focal pattern
FOCAL_SITES = ("T3", "T4", "F7", "F8", "T5", "T6", "T1", "T2")  # focal slowing is most often temporal
#: Probability of each finding in an abnormal patient (at least one is drawn).
FINDINGS = {"slowed_pdr": 0.5, "diffuse": 0.5, "focal": 0.6}
BANDS = {"theta": (6.0, 1.0), "delta": (2.0, 0.8), "polymorphic": (1.5, 1.0)}  # centre and sd (Hz)
FLUCTUATION = 0.35  # sd of the log-amplitude of each rhythm's slow envelope
FLUCTUATION_HZ = 0.03  # bandwidth of that envelope (changes over tens of seconds)
BLINK_SHARE = 0.5  # clinical EEG is recorded mostly with the eyes closed: fewer and smaller blinks
EYES = np.array([0.0, 1.0, -0.4])


class TuabConfig(BaseModel):
    """Parameters of the simulated TUAB study (field defaults: the ``default`` preset).

    Recording lengths are ``minutes`` x U(0.8, 1.2), in whole seconds; at least 1.5 min so that crops exist after
    the first minute the reader skips.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0)
    n_subjects: int = Field(60, ge=4, le=2000)
    abnormal_fraction: float = Field(0.5, gt=0.0, lt=1.0)
    eval_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    max_sessions: int = Field(3, ge=1, le=9)
    second_segment: float = Field(0.25, ge=0.0, le=1.0)
    minutes: float = Field(5.0, ge=1.5, le=60.0)
    agreement: float = Field(0.9, gt=0.5, le=1.0)
    effect: float = Field(1.0, ge=0.0, le=10.0)
    line_freq: float = Field(60.0, gt=0.0, lt=SFREQ / 2)


PRESETS: dict[str, dict[str, Any]] = {
    # 60 patients (12 in eval), ~120 sessions of ~5 min.
    "default": {},
    # For tests: 32 patients (8 in eval, so that a chance score stays near 0.5), 1-2 sessions of ~2.5 min.
    "tiny": dict(n_subjects=32, minutes=2.5, eval_fraction=0.25, max_sessions=2),
}


def tuab_config(preset: str, overrides: dict | None = None) -> TuabConfig:
    """The named preset with ``overrides`` applied."""
    return preset_config(TuabConfig, PRESETS, preset, overrides, "simulated TUAB")


def subject_id(index: int) -> str:
    """The eight-letter id of 0-based subject ``index``: ``aaaaaaab``, ``aaaaaaac``, ... (base 26 of index + 1)."""
    number, letters = index + 1, []
    for _ in range(8):
        number, digit = divmod(number, 26)
        letters.append(chr(ord("a") + digit))
    return "".join(reversed(letters))


@lru_cache(maxsize=1)
def electrodes() -> Electrodes:
    """The 21 EEG channels (TUH names) on the unit sphere, positions shape (21, 3)."""
    xyz = np.array(list(POSITIONS.values()), dtype=float) - np.array(HEAD_CENTRE)
    return Electrodes(names=tuple(POSITIONS), unit_positions=xyz / np.linalg.norm(xyz, axis=1, keepdims=True))


def patients(config: TuabConfig) -> "pd.DataFrame":
    """One row per patient: ``index``, ``subject`` (id), ``abnormal`` (true state), ``split`` (train/eval)."""
    import pandas as pd

    rng = np.random.default_rng([config.seed, 0])
    n = config.n_subjects
    n_abnormal = min(n - 2, max(2, round(n * config.abnormal_fraction)))
    abnormal = np.zeros(n, dtype=bool)
    abnormal[rng.permutation(n)[:n_abnormal]] = True
    split = np.full(n, "train", dtype=object)
    for state in (False, True):  # each true state in both splits
        members = rng.permutation(np.flatnonzero(abnormal == state))
        n_eval = min(len(members) - 1, max(1, round(len(members) * config.eval_fraction)))
        split[members[:n_eval]] = "eval"
    return pd.DataFrame({"index": np.arange(n), "subject": [subject_id(i) for i in range(n)],
                         "abnormal": abnormal, "split": split})


def recordings_table(config: TuabConfig) -> "pd.DataFrame":
    """One row per file: ``index``, ``subject``, ``session``, ``segment`` (numbers), ``abnormal`` (true state),
    ``label`` (the folder), ``split``, ``seconds``, ``sfreq`` and ``path`` (relative to the study's root)."""
    import pandas as pd

    sessions = []  # (patient, session, lengths)
    for patient in patients(config).itertuples():
        rng = np.random.default_rng([config.seed, 1, patient.index])
        for session in range(1, int(rng.integers(1, config.max_sessions + 1)) + 1):
            n_segments = 2 if rng.random() < config.second_segment else 1
            lengths = [float(round(config.minutes * 60 * rng.uniform(0.8, 1.2))) for _ in range(n_segments)]
            if patient.index == 0 and session == 1:
                lengths = [lengths[0], SHORT_SECONDS]
            sessions.append((patient, session, lengths))
    misread = np.zeros(len(sessions), dtype=bool)
    rng = np.random.default_rng([config.seed, 2])
    for split in ("train", "eval"):  # a share 1 - agreement of each split's sessions, at random
        members = np.flatnonzero([patient.split == split for patient, _, _ in sessions])
        misread[rng.permutation(members)[:round((1 - config.agreement) * len(members))]] = True
    rows = []
    for (patient, session, lengths), wrong in zip(sessions, misread):
        label = LABELS[int(patient.abnormal != wrong)]
        for segment, seconds in enumerate(lengths):
            sfreq = ODD_SFREQ if (patient.index, session, segment) == (1, 1, 0) else SFREQ
            name = f"{patient.subject}_s{session:03d}_t{segment:03d}.edf"
            path = f"{VERSION}/edf/{patient.split}/{label}/{MONTAGE_FOLDER}/{name}"
            rows.append(dict(index=patient.index, subject=patient.subject, session=session, segment=segment,
                             abnormal=bool(patient.abnormal), label=label, split=patient.split,
                             seconds=seconds, sfreq=sfreq, path=path))
    return pd.DataFrame(rows)


def findings(config: TuabConfig, index: int, abnormal: bool) -> dict[str, Any]:
    """The patient's EEG traits: ``gain``, ``pdr_hz``, ``slowed_pdr``, ``diffuse``, ``focal`` (bools) and
    ``focus`` (a channel name or None), ``generators`` (background generator directions, shape (8, 3))."""
    rng = np.random.default_rng([config.seed, 3, index])
    drawn = {name: bool(rng.random() < p) for name, p in FINDINGS.items()}
    if abnormal and not any(drawn.values()):
        drawn[list(FINDINGS)[int(rng.integers(len(FINDINGS)))]] = True
    drawn = {name: abnormal and value for name, value in drawn.items()}
    low, high = PDR_HZ["slowed" if drawn["slowed_pdr"] else "normal"]
    return dict(gain=float(np.exp(rng.normal(0.0, 0.2))), pdr_hz=float(rng.uniform(low, high)),
                focus=FOCAL_SITES[int(rng.integers(len(FOCAL_SITES)))] if drawn["focal"] else None,
                generators=_generators(config) + GENERATOR_JITTER * rng.standard_normal((N_GENERATORS, 3)), **drawn)


def _generators(config: TuabConfig) -> np.ndarray:
    """Directions of the background generators shared by every head (each patient's are jittered), shape (8, 3)."""
    directions = np.random.default_rng([config.seed, 7]).standard_normal((N_GENERATORS, 3))
    directions[:, 2] = np.abs(directions[:, 2])  # under the scalp sites
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


def _envelope(rng: np.random.Generator, n_times: int, sfreq: float) -> np.ndarray:
    """A slowly waxing and waning positive gain, mean about 1, shape (n_times,)."""
    return np.exp(FLUCTUATION * narrowband_noise(n_times, sfreq, 0.0, FLUCTUATION_HZ, rng) - FLUCTUATION ** 2 / 2)


def simulate_eeg(config: TuabConfig, row: Any) -> np.ndarray:
    """The EEG of one recording (a row of :func:`recordings_table`) in volts, shape (21, n_times)."""
    traits = findings(config, int(row.index), bool(row.abnormal))
    sfreq, n_times = float(row.sfreq), int(round(row.seconds * row.sfreq))
    rng = np.random.default_rng([config.seed, 4, int(row.index), int(row.session), int(row.segment)])
    sites = electrodes()
    positions = sites.unit_positions
    state = "abnormal" if traits["diffuse"] else "normal"
    effect = config.effect
    data = background(sites, traits["generators"], n_times, sfreq, rng, LOCAL_SHARE)
    pdr_gain = SLOWED_PDR_GAIN if traits["slowed_pdr"] else 1.0
    posterior = gaussian_bump(positions, np.array([0.0, -1.0, 0.25]), 0.6)
    freq = traits["pdr_hz"] + rng.normal(0.0, 0.2)
    data += PDR_VOLTS * pdr_gain * np.outer(posterior, _envelope(rng, n_times, sfreq)
                                            * narrowband_noise(n_times, sfreq, freq, 0.5, rng))
    diffuse = gaussian_bump(positions, np.array([0.0, 0.3, 1.0]), 1.1)
    for band, volts in (("theta", THETA_VOLTS), ("delta", DELTA_VOLTS)):
        amplitude = volts["normal"] + (volts[state] - volts["normal"]) * effect
        centre, width = BANDS[band]
        course = _envelope(rng, n_times, sfreq) * narrowband_noise(n_times, sfreq, centre, width, rng)
        data += amplitude * np.outer(diffuse, course)
    if traits["focus"] is not None:
        focus = positions[sites.names.index(traits["focus"])]
        centre, width = BANDS["polymorphic"]
        course = _envelope(rng, n_times, sfreq) * narrowband_noise(n_times, sfreq, centre, width, rng)
        data += FOCAL_DELTA_VOLTS * effect * np.outer(gaussian_bump(positions, focus, FOCAL_WIDTH), course)
    data *= traits["gain"]
    data += BLINK_SHARE * blinks(sites, EYES / np.linalg.norm(EYES), n_times, sfreq, rng)
    data += line_noise(len(sites.names), n_times, sfreq, config.line_freq, rng)
    return data


def _other_channels(config: TuabConfig, row: Any) -> list[np.ndarray]:
    """The non-EEG channels of one recording, in :data:`OTHER_CHANNELS` order (µV or unitless), each (n_times,)."""
    sfreq, n_times = float(row.sfreq), int(round(row.seconds * row.sfreq))
    rng = np.random.default_rng([config.seed, 5, int(row.index), int(row.session), int(row.segment)])
    t = np.arange(n_times) / sfreq
    beats = np.arange(rng.uniform(0, 1), row.seconds, 60.0 / rng.uniform(60, 90))
    ekg = 20 * rng.standard_normal(n_times)
    for beat in beats:  # R waves of about 0.6 mV
        window = np.abs(t - beat) < 0.05
        ekg[window] += 600 * np.exp(-((t[window] - beat) / 0.012) ** 2)
    emg = 8 * rng.standard_normal(n_times)
    photic = np.zeros(n_times)
    flashes = (t >= 60) & (t < min(row.seconds, 80.0))  # photic stimulation at 10 Hz, 20 s from the first minute
    photic[flashes & ((t * 10) % 1 < 0.1)] = 100.0
    return [ekg, emg, photic, np.zeros(n_times), np.zeros(n_times), np.zeros(n_times)]


def write_recording(config: TuabConfig, root: Path, row: Any) -> None:
    """Write one recording (a row of :func:`recordings_table`) as an EDF file at ``root / row.path``."""
    import edfio

    data = simulate_eeg(config, row)
    signals = [edfio.EdfSignal(data[c] * 1e6, float(row.sfreq), label=f"EEG {name}-REF", physical_dimension="uV")
               for c, name in enumerate(POSITIONS)]
    signals += [edfio.EdfSignal(values, float(row.sfreq), label=label, physical_dimension=unit)
                for (label, unit), values in zip(OTHER_CHANNELS, _other_channels(config, row))]
    rng = np.random.default_rng([config.seed, 6, int(row.index), int(row.session)])
    date = datetime.date(2002, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 365 * 15)))
    start = datetime.time(int(rng.integers(8, 17)), int(rng.integers(0, 60)), 0)
    path = root / row.path
    path.parent.mkdir(parents=True, exist_ok=True)
    edfio.Edf(signals, patient=edfio.Patient(code=row.subject), recording=edfio.Recording(startdate=date),
              starttime=start, data_record_duration=1.0).write(path)


class SimulatedTuab(TuhAbnormal):
    """The simulated TUAB study (see the module docstring), read as the real one.

    Parameters
    ----------
    root : str or Path, optional
        The folder holding ``v3.0.1/``; default ``data_dir() / "simulated-tuab-<config hash>"``.
    preset : str
        ``"default"`` or ``"tiny"``.
    config : dict, optional
        Fields of :class:`TuabConfig` changed from the preset.
    skip_seconds, crop_seconds, max_crops, subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.tuh_abnormal.TuhAbnormal`.
    """

    name = "SimulatedTUAB"
    aliases = ("simulated-tuab",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "Simulated TUAB recordings (slowed PDR, diffuse and focal slowing, reader disagreement)."

    def __init__(self, root: str | Path | None = None, preset: str = "default", config: dict | None = None,
                 skip_seconds: float = 60.0, crop_seconds: float = 10.0, max_crops: int = 30,
                 subjects: Sequence[str | int] | None = None, sessions: Sequence[str | int] | None = None,
                 skip_unreadable: bool = False):
        self.config = tuab_config(preset, config)
        digest = stable_hash({"config": self.config, "generator": GENERATOR_VERSION})
        root = root if root is not None else data_dir() / f"simulated-tuab-{digest}"
        super().__init__(root, skip_seconds, crop_seconds, max_crops, subjects, sessions, skip_unreadable)

    def params(self) -> dict:
        return {**super().params(), "config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}

    def download(self) -> None:
        """Simulate and write every recording (local; a no-op when written)."""
        from neuroarena.fileio import build_simulation_once

        def write(folder: Path) -> None:
            for row in recordings_table(self.config).itertuples():
                write_recording(self.config, folder, row)

        expected = {"config": self.config.model_dump(mode="json"), "generator": GENERATOR_VERSION}
        build_simulation_once(self.root, expected,
                              write, "simulated TUAB study", "SimulatedTuab")

    def find_recordings(self):
        self.download()
        return super().find_recordings()

    def state_likelihoods(self) -> np.ndarray:
        """``log P(true state | label)``, shape (2, 2) (rows: true normal, abnormal; columns: :data:`LABELS`),
        from ``agreement`` and the study's true-state frequency over crops."""
        table = recordings_table(self.config)
        crops = np.clip((table["seconds"] - self.skip_seconds) // self.crop_seconds, 0, self.max_crops)
        counts = np.array([crops[~table["abnormal"]].sum(), crops[table["abnormal"]].sum()], dtype=float)
        prior = counts / counts.sum()
        agree = self.config.agreement
        reading = agree * np.eye(2) + (1 - agree) * (1 - np.eye(2))  # P(label | true)
        joint = prior[:, None] * reading
        with np.errstate(divide="ignore"):
            return np.log(joint / joint.sum(axis=0, keepdims=True))

    def oracle_outputs(self, windows: "pd.DataFrame", prepare: "PrepareConfig", stimuli: Sequence[str] | None = None,
                       classes: Sequence[str] | None = None, target: str | None = None) -> np.ndarray | None:
        """Each label's ``log P(true state | label)`` for the true state of each window's recording, shape
        (n_windows, n_classes) (``-inf`` for a class the study lacks); None for retrieval and regression."""
        if classes is None or stimuli is not None or target is not None:
            return None
        likelihood = self.state_likelihoods()
        truth = {Path(path).stem: int(abnormal) for path, abnormal in
                 recordings_table(self.config)[["path", "abnormal"]].itertuples(index=False)}
        columns = [LABELS.index(c) if c in LABELS else -1 for c in classes]
        out = np.full((len(windows), len(classes)), -np.inf)
        for recording, rows in windows_by_recording(self, windows):
            state = truth[recording.path.stem]
            for j, column in enumerate(columns):
                if column >= 0:
                    out[rows, j] = likelihood[state, column]
        return out
