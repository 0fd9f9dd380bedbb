"""A simulated MNE sample recording: the release's FIF file and channels, with lateralized auditory and visual ERPs.

Written as :mod:`neuroarena.studies.mne_sample` reads the real one: ``MNE-sample-data/MEG/sample/
sample_audvis_raw.fif`` at 600.614990234375 Hz with a first sample of 25800 (the real file starts there), 60 EEG
channels ``EEG 001`` ... ``EEG 060`` at 10-10 positions (``EEG 053`` marked bad), a few MEG channels, ``EOG 061``
and the trigger channel ``STI 014`` with the release's codes (1-4 the stimulus classes, 5 smileys, 32 button
presses). A stimulus every 750 ms ± 50 ms, the four classes shuffled, a smiley among them now and then, each
answered by a button press.

Responses (volts; Näätänen & Picton 1987 for the auditory N1, Di Russo et al. 2002 for the visual C1/P1/N1):
an auditory N1-P2 (100 / 180 ms) over frontocentral sites, larger over the hemisphere opposite the ear; a visual
P1-N1 (100 / 170 ms) over the occipital sites opposite the visual hemifield; each trial's amplitude varies
(log-normal). Under them, the 1/f background, alpha and blinks of :mod:`neuroarena.studies.simulated.noise`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.home import data_dir
from neuroarena.studies.mne_sample import EVENT_ID, RAW_FILE, STIM_CHANNEL, MneSample

GENERATOR_VERSION = 1
SFREQ = 600.614990234375
FIRST_SAMP = 25800
SOA, SOA_JITTER = 0.75, 0.05
SMILEY_FRACTION = 0.04
BAD_CHANNEL = "EEG 053"
MEG_CHANNELS = (("MEG 0113", "grad"), ("MEG 0112", "grad"), ("MEG 0111", "mag"))
TRIAL_SD = 0.3  # log-normal sd of a trial's response amplitude
#: Per class: (site of the larger response, site of the smaller one) and the (latency s, width s, volts) peaks.
RESPONSES = {
    "auditory": {"left": ("FC4", "FC3"), "right": ("FC3", "FC4"),
                 "peaks": ((0.10, 0.025, -10e-6), (0.18, 0.035, 7e-6))},
    "visual": {"left": ("PO8", "PO7"), "right": ("PO7", "PO8"),
               "peaks": ((0.10, 0.02, 8e-6), (0.17, 0.03, -11e-6))},
}
PRESETS = {"default": 450, "tiny": 240}  # stimuli of the four classes


def eeg_sites() -> list[str]:
    """The 60 10-10 sites of the simulated cap (``EEG 001`` is the first), spread over the head."""
    from neuroarena.studies.simulated.brain import select_electrodes

    return list(select_electrodes(60).names)


def simulate(n_stimuli: int, seed: int = 0) -> tuple[np.ndarray, list[str], list[str], np.ndarray]:
    """The recording: data (V, trigger codes on the last row), shape (n_chans, n_times), the channel names and
    types, and the events (sample from the first one, code), shape (n_events, 2)."""
    from neuroarena.studies.simulated.brain import Electrodes, gaussian_bump, montage_positions
    from neuroarena.studies.simulated.noise import alpha, background, blinks, line_noise

    rng = np.random.default_rng([seed, 7])
    sites, positions = eeg_sites(), montage_positions()
    heads = Electrodes(names=tuple(sites), unit_positions=np.stack([positions[s] for s in sites]))
    codes = [int(c) for c in rng.permutation(np.resize([1, 2, 3, 4], n_stimuli))]
    for i in np.flatnonzero(rng.random(n_stimuli) < SMILEY_FRACTION)[::-1]:
        codes.insert(int(i), 5)  # a smiley now and then
    onsets = 2.0 + np.cumsum(SOA + rng.uniform(-SOA_JITTER, SOA_JITTER, len(codes)))
    n_times = int((onsets[-1] + 2.0) * SFREQ)
    eeg = background(heads, rng.standard_normal((8, 3)), n_times, SFREQ, rng, 0.05)
    eeg += alpha(heads, positions["Oz"], 10.0, n_times, SFREQ, rng)
    eeg += blinks(heads, (positions["Fp1"] + positions["Fp2"]) / 2, n_times, SFREQ, rng)
    eeg += line_noise(len(sites), n_times, SFREQ, 60.0, rng)
    t = np.arange(int(0.4 * SFREQ)) / SFREQ
    stim = np.zeros(n_times)
    samples = np.round(onsets * SFREQ).astype(int)
    events = [(samples[i], code) for i, code in enumerate(codes)]
    for sample, code in zip(samples, codes):
        stim[sample:sample + 5] = code
        if code == 5:
            press = sample + int(rng.uniform(0.4, 0.6) * SFREQ)
            stim[press:press + 5] = 32
            events.append((press, 32))
            continue
        modality, side = EVENT_ID[code].split("/")
        large, small = RESPONSES[modality][side]
        pattern = (gaussian_bump(heads.unit_positions, positions[large], 0.35)
                   + 0.4 * gaussian_bump(heads.unit_positions, positions[small], 0.35))
        wave = sum(volts * np.exp(-0.5 * ((t - latency) / width) ** 2)
                   for latency, width, volts in RESPONSES[modality]["peaks"])
        eeg[:, sample:sample + len(t)] += np.exp(rng.normal(0.0, TRIAL_SD)) * np.outer(pattern, wave)
    others = np.stack([1e-12 * rng.standard_normal(n_times) for _ in MEG_CHANNELS] + [eeg[0] * 3])  # MEG, EOG
    data = np.concatenate([others[:len(MEG_CHANNELS)], eeg, others[-1:], stim[None]])
    names = ([n for n, _ in MEG_CHANNELS] + [f"EEG {i + 1:03d}" for i in range(len(sites))]
             + ["EOG 061", STIM_CHANNEL])
    types = [k for _, k in MEG_CHANNELS] + ["eeg"] * len(sites) + ["eog", "stim"]
    return data, names, types, np.asarray(sorted(events))


class SimulatedSample(MneSample):
    """The simulated sample recording (see the module docstring), read as the real one.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "simulated-sample-<hash>/MNE-sample-data"``.
    preset : str
        ``"default"`` (450 stimuli, about 6 min) or ``"tiny"`` (240 stimuli).
    seed : int
    subjects, sessions, skip_unreadable
        As for :class:`~neuroarena.studies.mne_sample.MneSample`.
    """

    name = "SimulatedSample"
    aliases = ("simulated-sample",)
    citation = "neuroarena built-in simulation (no publication)."
    description = "MNE's sample recording simulated offline: lateralized auditory and visual ERPs."

    def __init__(self, root: str | Path | None = None, preset: str = "default", seed: int = 0,
                 subjects: Sequence[str | int] | None = None, sessions: Sequence[str | int] | None = None,
                 skip_unreadable: bool = False):
        if preset not in PRESETS:
            raise NeuroarenaError(f"unknown simulated sample preset {preset!r}", fix=f"use one of {', '.join(PRESETS)}")
        self.preset, self.seed = preset, int(seed)
        self.spec = {"stimuli": PRESETS[preset], "seed": self.seed, "generator": GENERATOR_VERSION}
        if root is None:
            root = data_dir() / f"simulated-sample-{stable_hash(self.spec)}" / "MNE-sample-data"
        super().__init__(root, subjects, sessions, skip_unreadable)

    def params(self) -> dict:
        return {**super().params(), **self.spec}

    def download(self) -> None:
        """Simulate and write the recording (local; a no-op when written)."""
        import mne

        from neuroarena.fileio import build_simulation_once

        def write(folder: Path) -> None:
            data, names, types, _ = simulate(self.spec["stimuli"], self.seed)
            info = mne.create_info(names, SFREQ, types)
            raw = mne.io.RawArray(data, info, first_samp=FIRST_SAMP, verbose=False)
            from neuroarena.studies.simulated.brain import montage_positions

            positions = montage_positions()  # unit sphere; a head of 9.5 cm radius
            raw.set_montage(mne.channels.make_dig_montage(
                {f"EEG {i + 1:03d}": 0.095 * positions[site] for i, site in enumerate(eeg_sites())},
                coord_frame="head"), on_missing="ignore", verbose=False)
            raw.info["bads"] = [BAD_CHANNEL]
            (folder / RAW_FILE).parent.mkdir(parents=True)
            raw.save(folder / RAW_FILE, verbose=False)

        build_simulation_once(self.root, self.spec, write, "simulated sample recording", "SimulatedSample")

    def find_recordings(self):
        self.download()
        return super().find_recordings()
