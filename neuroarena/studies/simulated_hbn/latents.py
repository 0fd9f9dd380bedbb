"""The simulated HBN subjects and their behaviour: everything but the EEG, cheap to recompute from the seed.

Per subject: an NDAR-like id, release, sex, age, handedness, the four psychopathology factors (drawn
correlated, :data:`FACTOR_CORRELATION`) and ``latent``, the one trait the EEG carries (frontal theta power):
``latent = trait_coupling * externalizing_z + sqrt(1 - trait_coupling**2) * noise``, so that
``E[factor | latent] = mean + sd * trait_coupling * corr(factor, externalizing) * latent``. Age (uniform over
5-21 years) sets the posterior alpha peak frequency, which rises through childhood and adolescence (about
0.1-0.2 Hz a year; Cragg et al. 2011, NeuroImage 56:1622; Miskovic et al. 2015, Dev. Psychobiol. 57:523):
``alpha_freq = ALPHA_AT_5 + ALPHA_PER_YEAR * (age - 5) + N(0, ALPHA_FREQ_SD**2)``, so that
``E[age | alpha_freq]`` (:func:`expected_age`) is the mean of a truncated normal.

Contrast-change trials (timings after braininahat/cerebro ``docs/task_metadata/contrastchangedetection_metadata.md``
@f929f96a: a target 2-3 s after each trial start, the next trial some 0.3-0.5 s after the press): a
centro-parietal build-up starts :data:`CPP_ONSET` after the target and reaches its bound after the decision
time ``d`` (log-normal around the subject's median); the press follows after a motor time, so
``rt = CPP_ONSET + d + motor`` with ``motor ~ N(subject's motor time, MOTOR_SD**2)``. Traps, as in the real
files: lapses (no response), an anticipatory press before the target, an extra press after the response,
and a press after the deadline (none).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from neuroarena.studies.hbn_files import FACTORS
from neuroarena.studies.simulated_hbn.config import RELEASES, SimulatedHbnConfig

#: Correlations of (p_factor, attention, internalizing, externalizing), positive definite.
FACTOR_CORRELATION = np.array([
    [1.0, 0.3, 0.3, 0.3],
    [0.3, 1.0, 0.1, 0.3],
    [0.3, 0.1, 1.0, -0.1],
    [0.3, 0.3, -0.1, 1.0],
])
FACTOR_MEAN, FACTOR_SD = 0.0, 0.85
EXTERNALIZING = FACTORS.index("externalizing")
CPP_ONSET = 0.2  # s from the target to the start of the build-up
DECISION_SD = 0.35  # log-sd of the decision time across trials
MOTOR_SD = 0.07  # s, trial-to-trial motor time
DEADLINE = 2.6  # s from the target: no press is recorded later
AGE_RANGE = (5.0, 21.0)  # years, uniform
ALPHA_AT_5, ALPHA_PER_YEAR, ALPHA_FREQ_SD = 8.0, 0.15, 0.4  # Hz, Hz a year, Hz
LAPSE_RATE, ANTICIPATION_RATE, EXTRA_PRESS_RATE, ACCURACY = 0.06, 0.06, 0.08, 0.9
_LETTERS = "ABCDEFGHJKLMNPRTUVWXYZ"


@dataclass(frozen=True)
class SubjectLatents:
    """One simulated subject: identifiers, participants.tsv values and the latents of its EEG and behaviour.

    ``factors`` are in participants.tsv units (NaN where it says ``n/a``); ``latent`` is the EEG-coupled trait
    (standard normal); ``missing_run`` a contrast-change run that was not recorded (``""``: none).
    """

    index: int
    subject: str
    release: str
    sex: str
    age: float
    ehq_total: float
    factors: tuple[float, float, float, float]
    latent: float
    decision_median: float
    motor_time: float
    cpp_gain: float
    theta_nuisance: float
    alpha_freq: float
    alpha_gain: float
    movie_offset: float
    missing_run: str


@lru_cache(maxsize=8)
def make_subjects(config: SimulatedHbnConfig) -> tuple[SubjectLatents, ...]:
    """Every subject, release by release (``subjects_per_release`` in each training release, then the
    ``test_subjects`` of R5); deterministic in the seed.

    Subject 1 (in R1) has ``n/a`` factors; the last subject of R3 lacks contrast-change run 2 (when there are
    two runs or more), marked ``unavailable`` in participants.tsv.
    """
    rng = np.random.default_rng([config.seed, 1])
    n = config.n_subjects
    ids = _subject_ids(rng, n)
    chol = np.linalg.cholesky(FACTOR_CORRELATION)
    standard = rng.standard_normal((n, 4)) @ chol.T
    rho = config.trait_coupling
    latent = rho * standard[:, EXTERNALIZING] + math.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    missing = (RELEASES.index("R3") + 1) * config.subjects_per_release - 1
    subjects = []
    for i in range(n):
        factors = tuple(float(v) for v in np.round(FACTOR_MEAN + FACTOR_SD * standard[i], 3))
        if i == 1:
            factors = (math.nan,) * 4
        sex = "M" if rng.random() < 0.62 else "F"
        age = round(float(rng.uniform(*AGE_RANGE)), 4)
        alpha_mean = ALPHA_AT_5 + ALPHA_PER_YEAR * (age - AGE_RANGE[0])
        subjects.append(SubjectLatents(
            index=i, subject=ids[i], release=RELEASES[min(i // config.subjects_per_release, len(RELEASES) - 1)],
            sex=sex, age=age,
            ehq_total=round(float(np.clip(rng.normal(55.0, 40.0), -100.0, 100.0)), 2), factors=factors,
            latent=float(latent[i]), decision_median=float(np.exp(rng.normal(math.log(1.0), 0.15))),
            motor_time=float(rng.normal(0.25, 0.03)), cpp_gain=float(rng.uniform(0.8, 1.2)),
            theta_nuisance=float(rng.normal(0.0, 0.15)), alpha_freq=float(alpha_mean + rng.normal(0.0, ALPHA_FREQ_SD)),
            alpha_gain=float(rng.uniform(0.6, 1.4)), movie_offset=round(float(rng.uniform(0.5, 3.0)), 2),
            missing_run="2" if i == missing and config.ccd_runs >= 2 else "",
        ))
    return tuple(subjects)


def expected_factor(config: SimulatedHbnConfig, subject: SubjectLatents, factor: str) -> float:
    """``E[factor | latent]`` of a subject, in participants.tsv units (what the EEG can tell of it)."""
    k = FACTORS.index(factor)
    return FACTOR_MEAN + FACTOR_SD * config.trait_coupling * FACTOR_CORRELATION[k, EXTERNALIZING] * subject.latent


def expected_age(subject: SubjectLatents) -> float:
    """``E[age | alpha_freq]`` of a subject (years): the uniform prior times the Gaussian likelihood of its alpha
    peak frequency, a normal truncated to :data:`AGE_RANGE`."""
    from scipy.stats import truncnorm

    centre = AGE_RANGE[0] + (subject.alpha_freq - ALPHA_AT_5) / ALPHA_PER_YEAR
    scale = ALPHA_FREQ_SD / ALPHA_PER_YEAR
    low, high = ((bound - centre) / scale for bound in AGE_RANGE)
    return float(truncnorm.mean(low, high, loc=centre, scale=scale))


def ccd_runs(config: SimulatedHbnConfig, subject: SubjectLatents) -> tuple[str, ...]:
    """The contrast-change runs recorded for a subject (``"1"``, ``"2"``, ...)."""
    return tuple(str(r) for r in range(1, config.ccd_runs + 1) if str(r) != subject.missing_run)


def ccd_trials(config: SimulatedHbnConfig, subject: SubjectLatents, run: str) -> tuple[pd.DataFrame, float]:
    """The trials of one contrast-change run and the run's length (s, a whole number).

    Returns
    -------
    trials : DataFrame, shape (trials_per_run, 13)
        ``start``, ``target`` (onsets, s), ``side`` (``"left"``/``"right"``), ``lapse``, ``decision`` (s),
        ``expected_rt`` (``CPP_ONSET + decision + motor_time``), ``rt`` (s from the target; NaN without
        press), ``press_side``, ``correct``, ``anticipation`` and ``extra`` (onsets of stray presses, NaN
        when none), ``stop`` (the trial's last event) and ``next_start``.
    length : float
    """
    rng = np.random.default_rng([config.seed, 2, subject.index, int(run)])
    rows, t = [], float(rng.uniform(4.0, 7.0))
    for _ in range(config.trials_per_run):
        start = round(t, 3)
        target = round(start + rng.uniform(2.0, 3.0), 3)
        side = "left" if rng.random() < 0.5 else "right"
        lapse = bool(rng.random() < LAPSE_RATE)
        decision = float(subject.decision_median * math.exp(DECISION_SD * rng.standard_normal()))
        expected = CPP_ONSET + decision + subject.motor_time
        rt = round(expected + MOTOR_SD * rng.standard_normal(), 3)
        responded = not lapse and 0.15 < rt <= DEADLINE
        correct = bool(rng.random() < ACCURACY)
        anticipation = (round(start + rng.uniform(0.3, target - start - 0.2), 3)
                        if rng.random() < ANTICIPATION_RATE else math.nan)
        extra = (round(target + rt + rng.uniform(0.1, 0.25), 3)
                 if responded and rng.random() < EXTRA_PRESS_RATE else math.nan)
        stop = max(target + (rt if responded else DEADLINE), 0.0 if math.isnan(extra) else extra)
        t = stop + rng.uniform(0.3, 0.5)
        rows.append({"start": start, "target": target, "side": side, "lapse": lapse, "decision": decision,
                     "expected_rt": expected, "rt": rt if responded else math.nan,
                     "press_side": side if correct else ("right" if side == "left" else "left"),
                     "correct": correct, "anticipation": anticipation, "extra": extra, "stop": stop,
                     "next_start": round(t, 3)})
    trials = pd.DataFrame(rows)
    return trials, float(math.ceil(trials["stop"].iloc[-1] + rng.uniform(1.5, 2.5)))


def movie_length(config: SimulatedHbnConfig, subject: SubjectLatents) -> float:
    """Length (s, whole) of a subject's movie recording: the film from ``movie_offset``, then about a second."""
    return float(math.ceil(subject.movie_offset + config.movie_seconds + 1.0))


def _subject_ids(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct ids shaped like HBN's: ``NDAR`` + 2 letters + 3 digits + 3 letters (``NDARAC904DMU``)."""
    ids: list[str] = []
    while len(ids) < n:
        letters = rng.choice(list(_LETTERS), 5)
        candidate = f"NDAR{''.join(letters[:2])}{rng.integers(100, 1000)}{''.join(letters[2:])}"
        if candidate not in ids:
            ids.append(candidate)
    return ids
