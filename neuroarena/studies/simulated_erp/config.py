"""What a simulated ERP study looks like: one frozen configuration, and one preset per ERP task.

The presets are the offline counterparts of the ERP tasks (``neuroarena/tasks/<task>.yaml``) and of the MOABB
datasets they name: ``p3`` of BNCI2015_009 (AMUSE, an auditory spatial oddball: six loudspeakers around the
head, one of them attended, stimuli every 175 ms; Schreuder et al. 2010, PLoS ONE 5:e9813; Schreuder et al. 2011,
Front. Neurosci. 5:112), the others of ERP CORE (Kappenman et al. 2021, NeuroImage 225:117465: 40 subjects, one
paradigm per component, each component scored at one site or site pair in a fixed window) as MOABB's
``ErpCore2021_*`` classes label them. ``interval`` is MOABB's epoch of each dataset (s from the event), and the
class meanings are MOABB's ``encoding``:

===============  ===========================  ===================================  ==========================
preset           Target                       NonTarget                            component (ERP CORE)
===============  ===========================  ===================================  ==========================
``p3``           attended tone (1 in 6)       the five unattended tones            P3, Pz (300-600 ms)
``n170``         face (1 in 4)                car, scrambled face or car           N170, PO8 (110-150 ms)
``n400``         related word pair            unrelated word pair                  N400, CPz (300-500 ms)
``mmn``          standard tone (p = .8)       deviant tone (p = .2)                MMN, FCz (125-225 ms)
``n2pc``         search target on the left    search target on the right           N2pc, PO7/PO8 (200-275 ms)
``ern``          correct response             error response                       ERN, FCz (0-100 ms)
``lrp``          left-hand response           right-hand response                  LRP, C3/C4 (-100-0 ms)
===============  ===========================  ===================================  ==========================

ERN and LRP are response-locked (flanker task; the event is the button press), the others stimulus-locked.
Each preset has a ``-tiny`` variant (5 subjects, one run of a few hundred trials, written in seconds).
"""
from __future__ import annotations

from math import erf, sqrt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from neuroarena.studies.simulated_bids import preset_config

#: Version of the generator: raised whenever the same configuration writes different data, so that a dataset
#: written by an older generator is never reused (it names the dataset's folder).
GENERATOR_VERSION = 1
#: Sampling rate of the simulated recordings (Hz); the tasks resample to 100 Hz.
SFREQ = 250.0
#: The 30 scalp channels of ERP CORE's recordings (its EOG channels left out), in the order written.
CHANNELS: tuple[str, ...] = (
    "Fp1", "F3", "F7", "FC3", "C3", "C5", "P3", "P7", "P9", "PO7", "PO3", "O1", "Oz", "Pz", "CPz",
    "Fp2", "Fz", "F4", "F8", "FC4", "FCz", "Cz", "C4", "C6", "P4", "P8", "P10", "PO8", "PO4", "O2",
)
#: The classes, as MOABB names them.
CLASSES: tuple[str, str] = ("Target", "NonTarget")
Paradigm = Literal["p3", "n170", "n400", "mmn", "n2pc", "ern", "lrp"]


def hemisphere(site: str) -> str:
    """``"left"`` (odd 10-20 number), ``"right"`` (even) or ``"midline"`` (``z``) of an electrode name."""
    digits = "".join(ch for ch in site if ch.isdigit())
    return "midline" if not digits else ("left" if int(digits) % 2 else "right")


class Component(BaseModel):
    """One ERP component: a Gaussian waveform in time under one site, or under a left/right site pair.

    ``latency`` is the peak's time (s) from the event it is locked to, ``width`` the waveform's sd (s) and
    ``volts`` its signed peak at the site for a unit amplitude (a trial's amplitude multiplies it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sites: tuple[str, ...] = Field(min_length=1, max_length=2)
    latency: float = Field(ge=-1.0, le=1.5)
    width: float = Field(gt=0.005, le=0.3)
    volts: float = Field(ge=-50e-6, le=50e-6)

    @model_validator(mode="after")
    def _check_sites(self) -> "Component":
        unknown = [site for site in self.sites if site not in CHANNELS]
        if unknown:
            raise ValueError(f"sites {unknown} are not recorded (channels: {', '.join(CHANNELS)})")
        if len(self.sites) == 2 and (hemisphere(self.sites[0]), hemisphere(self.sites[1])) != ("left", "right"):
            raise ValueError(f"a lateralized component's sites are (left, right), not {list(self.sites)}")
        return self


class ErpConfig(BaseModel):
    """Parameters of a simulated ERP study (see :mod:`~neuroarena.studies.simulated_erp.generator`).

    Every subject does ``n_runs`` runs of ``trials`` trials; each trial is ``Target`` with probability
    ``target_fraction``, independently of the others. Stimuli come every ``soa + U(-soa_jitter, soa_jitter)``
    s; in a ``response``-locked paradigm the event is the response, ``rt`` (median, log-normal sd ``rt_sd``)
    s after the stimulus. Each event's onset in events.tsv is the event's time plus ``interval[0]`` (MOABB's
    epoch start), so a task's window from 0 to ``interval[1] - interval[0]`` is MOABB's epoch.

    ``component`` is locked to the event; its amplitude on a trial depends on the class, and only through a
    latent ``z ~ N(latent_target or latent_nontarget, latent_sd**2)``: ``exp(z)`` for a one-site component,
    ``exp(-z / 2)`` (left site) and ``exp(z / 2)`` (right site) for a lateralized one. ``sensory`` is the
    class-independent response to every stimulus (auditory N1 or visual P1); ``snr`` scales both against the
    background (1: the ``volts`` given, single-trial peaks of ERP CORE's size). ``trial_gain_sd`` (log-normal) and
    ``latency_jitter`` (s) vary every trial's response, ``local_noise`` is the channel-local share of the 1/f
    background, ``line_freq`` the mains frequency.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    paradigm: Paradigm
    seed: int = Field(0, ge=0)
    n_subjects: int = Field(40, ge=2, le=99)
    n_runs: int = Field(1, ge=1, le=9)
    trials: int = Field(200, ge=10, le=5000)
    target_fraction: float = Field(gt=0.0, lt=1.0)
    soa: float = Field(gt=0.05, le=10.0)
    soa_jitter: float = Field(0.1, ge=0.0)
    interval: tuple[float, float]
    locked: Literal["stimulus", "response"] = "stimulus"
    rt: float = Field(0.4, gt=0.1, le=2.0)
    rt_sd: float = Field(0.2, ge=0.0, le=1.0)
    component: Component
    sensory: Component
    latent_target: float = Field(ge=-5.0, le=5.0)
    latent_nontarget: float = Field(ge=-5.0, le=5.0)
    latent_sd: float = Field(0.5, gt=0.0, le=5.0)
    snr: float = Field(1.0, gt=0.0, le=10.0)
    trial_gain_sd: float = Field(0.2, ge=0.0, le=1.0)
    latency_jitter: float = Field(0.015, ge=0.0, le=0.1)
    local_noise: float = Field(0.05, ge=0.0, le=1.0)
    line_freq: float = Field(50.0, gt=0.0)

    @model_validator(mode="after")
    def _check_consistency(self) -> "ErpConfig":
        start, stop = self.interval
        if not -1.5 <= start < stop <= start + 2.0:
            raise ValueError(f"interval {list(self.interval)} must start at or after -1.5 s and last up to 2 s")
        if not start < self.component.latency < stop:
            raise ValueError(f"the component's latency ({self.component.latency} s) lies outside the interval "
                             f"{list(self.interval)}: no window would hold it")
        if len(self.sensory.sites) != 1:
            raise ValueError("the sensory response has one site")
        if self.soa_jitter >= self.soa:
            raise ValueError(f"soa_jitter ({self.soa_jitter}) must be below soa ({self.soa})")
        if self.line_freq >= SFREQ / 2:
            raise ValueError(f"line_freq ({self.line_freq}) must be below Nyquist ({SFREQ / 2})")
        return self

    @property
    def lateralized(self) -> bool:
        """Whether the component is a left/right pair whose balance carries the class."""
        return len(self.component.sites) == 2

    @property
    def ceiling(self) -> float:
        """Expected balanced accuracy of the oracle: ``Phi(|latent_target - latent_nontarget| / (2 latent_sd))``."""
        gap = abs(self.latent_target - self.latent_nontarget) / (2 * self.latent_sd)
        return 0.5 * (1 + erf(gap / sqrt(2)))

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "ErpConfig":
        """A named configuration (see :data:`PRESETS`), optionally with fields overridden."""
        return preset_config(cls, PRESETS, name, overrides, "simulated ERP")


#: Sensory responses to every stimulus: the auditory N1 at Cz, the visual P1 at Oz.
AUDITORY_N1 = dict(sites=("Cz",), latency=0.1, width=0.025, volts=-4e-6)
VISUAL_P1 = dict(sites=("Oz",), latency=0.1, width=0.02, volts=4e-6)
#: Flanker task of ERP CORE's ERN and LRP: a stimulus every 1.4-1.6 s (200 ms arrows, 1200-1400 ms blank),
#: the button press about 400 ms after it; the response is the event.
FLANKER = dict(locked="response", soa=1.5, soa_jitter=0.1, rt=0.4, sensory=VISUAL_P1)
#: The ERP CORE paradigms' stimulus-locked epoch (MOABB's ErpCore2021 interval).
STIMULUS_EPOCH = (-0.2, 0.8)
#: Responses three times as large as ERP CORE's against the 22 µV background: single trials that a covariance
#: decoder trained on three subjects tells apart (at ``snr = 1`` cov_ts_lr stays near chance on the tiny presets).
SNR = 3.0
#: Full study per paradigm: field values.
STUDIES: dict[str, dict[str, Any]] = {
    # AMUSE: 21 subjects, Target = the attended one of six spatial tones; a tone every 450-550 ms (AMUSE: 175 ms,
    # too fast for a covariance decoder to tell a trial's P3 from its neighbours'), so consecutive 0.8 s epochs
    # overlap by about 0.3 s and the next tone's P3 reaches into the end of each epoch.
    "p3": dict(paradigm="p3", n_subjects=21, n_runs=2, trials=600, target_fraction=1 / 6, soa=0.5,
               soa_jitter=0.05, interval=(0.0, 0.8), sensory=AUDITORY_N1,
               component=dict(sites=("Pz",), latency=0.35, width=0.07, volts=10e-6),
               latent_target=0.0, latent_nontarget=-1.0),
    # Faces, cars and their scrambled versions (80 of each), every 1.4-1.6 s; N170 larger to faces.
    "n170": dict(paradigm="n170", trials=320, target_fraction=0.25, soa=1.5, interval=STIMULUS_EPOCH,
                 sensory=VISUAL_P1, component=dict(sites=("PO8",), latency=0.15, width=0.025, volts=-8e-6),
                 latent_target=0.0, latent_nontarget=-1.0),
    # 120 prime-target word pairs, half related; the N400 to the target word is larger when unrelated.
    "n400": dict(paradigm="n400", trials=120, target_fraction=0.5, soa=2.5, interval=STIMULUS_EPOCH,
                 sensory=VISUAL_P1, component=dict(sites=("CPz",), latency=0.4, width=0.07, volts=-8e-6),
                 latent_target=-1.0, latent_nontarget=0.0),
    # Passive oddball: 80 dB standards (p = .8) and 70 dB deviants, a tone every 550-650 ms, so consecutive 1 s
    # epochs overlap and hold the next tone's MMN; the MMN follows the deviants.
    "mmn": dict(paradigm="mmn", trials=1000, target_fraction=0.8, soa=0.6, soa_jitter=0.05, interval=STIMULUS_EPOCH,
                sensory=AUDITORY_N1, component=dict(sites=("FCz",), latency=0.175, width=0.05, volts=-8e-6),
                latent_target=-1.0, latent_nontarget=0.0),
    # Visual search, target on the left or right (half each): negativity over the opposite hemisphere.
    "n2pc": dict(paradigm="n2pc", trials=320, target_fraction=0.5, soa=1.5, interval=STIMULUS_EPOCH,
                 sensory=VISUAL_P1, component=dict(sites=("PO7", "PO8"), latency=0.24, width=0.03, volts=-8e-6),
                 latent_target=1.0, latent_nontarget=-1.0, latent_sd=1.0),
    # Flanker, 15 % errors (NonTarget; 10-20 % is usual): the ERN peaks just after an error, a small CRN after
    # a correct response.
    "ern": dict(paradigm="ern", trials=400, target_fraction=0.85, interval=(-0.8, 0.2), **FLANKER,
                component=dict(sites=("FCz",), latency=0.05, width=0.04, volts=-10e-6),
                latent_target=-1.0, latent_nontarget=0.0),
    # Flanker, left or right hand (half each): negativity over the motor cortex opposite the hand, before the press.
    "lrp": dict(paradigm="lrp", trials=400, target_fraction=0.5, interval=(-0.6, 0.4), **FLANKER,
                component=dict(sites=("C3", "C4"), latency=-0.05, width=0.1, volts=-6e-6),
                latent_target=1.0, latent_nontarget=-1.0, latent_sd=1.0),
}
#: Trials per run of each tiny variant (5 subjects x 1 run): enough Targets and NonTargets to score a subject.
TINY_TRIALS = {"p3": 300, "n170": 200, "n400": 160, "mmn": 300, "n2pc": 200, "ern": 300, "lrp": 200}
#: Named configurations: every study, and its ``-tiny`` variant for tests and smoke runs.
PRESETS: dict[str, dict[str, Any]] = {
    **{name: {**fields, "snr": SNR} for name, fields in STUDIES.items()},
    **{f"{name}-tiny": {**fields, "snr": SNR, "n_subjects": 5, "n_runs": 1, "trials": TINY_TRIALS[name]}
       for name, fields in STUDIES.items()},
}
