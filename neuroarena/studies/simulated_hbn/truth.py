"""Where the simulated HBN study's response-time information is: the centro-parietal build-up.

The build-up (:func:`~neuroarena.studies.simulated_hbn.signals.cpp_course`) starts
:data:`~neuroarena.studies.simulated_hbn.latents.CPP_ONSET` after the target and rises to its bound over the
trial's decision time, which sets the response time; it reaches the scalp through one pattern
(:func:`~neuroarena.studies.simulated_hbn.signals.cpp_pattern`, peak at Pz). The signal at channel ``k`` and
time ``t`` is ``p_k c(t)``, so its variance across trials is ``p_k**2 var c(t)``: the map is built from it as
the visual study's is (:func:`~neuroarena.studies.simulated.truth.map_from_variance`).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.simulated.truth import (InformationMap, channel_index, check_times, map_from_variance,
                                                rereference)

if TYPE_CHECKING:
    from neuroarena.studies.simulated_hbn.latents import SubjectLatents
    from neuroarena.studies.simulated_hbn.study import SimulatedHbn

#: Targets whose information is the build-up (times from the target, i.e. the stimulus).
HBN_TARGETS = ("rt", "rt_from_stimulus")


def hbn_information_map(study: "SimulatedHbn", target: str, channels: Sequence[str], times: np.ndarray,
                        reference: str | None = "average") -> InformationMap:
    """The information map of the simulated HBN study for the response time.

    Parameters
    ----------
    study : SimulatedHbn
    target : str
        ``"rt"`` (or ``"rt_from_stimulus"``, the same quantity).
    channels : sequence of str, length n_chans
        HydroCel channel names (``"E1"`` ... ``"E128"``, ``"Cz"``).
    times : ndarray, shape (n_times,)
        Seconds from the stimulus (the target) onset; the challenge's windows start 0.5 s after it.
    reference : "average" or None
        The pattern is re-referenced to Cz as the release is, then, for ``"average"``, to the mean of
        ``channels``.

    Returns
    -------
    InformationMap
        ``spatial`` is ``|p_k|`` times the RMS over ``times`` of the across-trial std of the build-up,
        ``temporal`` that std times the RMS of ``p`` over ``channels``.
    """
    from neuroarena.studies.hbn_files import CHANNEL_NAMES
    from neuroarena.studies.simulated_hbn.latents import CPP_ONSET
    from neuroarena.studies.simulated_hbn.signals import CPP_SITE, cpp_pattern, referenced

    if target not in HBN_TARGETS:
        raise NeuroarenaError(f"the simulated HBN study's information is known for the response time, not {target!r}",
                              fix=f"ask for one of {', '.join(HBN_TARGETS)}")
    times = check_times(times)
    names, index = channel_index(CHANNEL_NAMES, channels, study.name)
    pattern = rereference(referenced(cpp_pattern())[index], reference, axis=0)
    courses = build_up_courses(study, times)
    variance = pattern[:, None] ** 2 * courses.var(axis=0)[None]
    source = (f"centro-parietal build-up (peak at {CPP_SITE}, Pz) from {CPP_ONSET} s after the target, rising over "
              f"the decision time that sets the rt; std across {len(courses)} trials, Cz-"
              f"{'then average-referenced' if reference else 'referenced'}")
    return map_from_variance(target, names, times, variance, source)


def build_up_courses(study: "SimulatedHbn", times: np.ndarray) -> np.ndarray:
    """The build-up (V at its peak) of every answered contrast-change trial of the study, shape (n_trials, n_times).

    Each is :func:`~neuroarena.studies.simulated_hbn.signals.cpp_course` of the trial alone (its decision time and
    subject's gain, as :func:`~neuroarena.studies.simulated_hbn.latents.ccd_trials` draws them from the seed),
    evaluated on the recordings' 100 Hz grid locked to the target and interpolated at ``times`` (n_times,), s
    from the target. Lapses and presses past the deadline are left out, as the rt task leaves them.
    """
    from neuroarena.studies.hbn_files import SFREQ
    from neuroarena.studies.simulated_hbn.latents import ccd_runs, ccd_trials
    from neuroarena.studies.simulated_hbn.signals import cpp_course

    lead = math.ceil(max(0.0, -float(times.min())) * SFREQ) / SFREQ + 1.0 / SFREQ  # grid time of the target
    n = math.ceil((lead + max(0.0, float(times.max()))) * SFREQ) + 2
    grid = np.arange(n) / SFREQ
    courses = []
    for subject in _chosen_subjects(study):
        for run in ccd_runs(study.config, subject):
            trials, _ = ccd_trials(study.config, subject, run)
            answered = trials[~trials["lapse"] & trials["rt"].notna()].assign(target=lead)
            for i in range(len(answered)):
                course = cpp_course(study.config, subject, answered.iloc[i:i + 1], n)
                courses.append(np.interp(lead + times, grid, course))
    if not courses:
        raise NeuroarenaError("the chosen subjects answered no contrast-change trial", path=study.root,
                              fix="choose more subjects or releases")
    return np.stack(courses)


def _chosen_subjects(study: "SimulatedHbn") -> list["SubjectLatents"]:
    """The simulation's subjects in the study's chosen releases and subjects (all when none are chosen)."""
    from neuroarena.studies.simulated_hbn.latents import make_subjects

    return [s for s in make_subjects(study.config)
            if (study.releases is None or s.release in study.releases)
            and (study.subjects is None or s.subject in study.subjects)]
