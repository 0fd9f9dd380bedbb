"""A task's preprocessing adapted to a release published as epochs: what is left to do, and why.

An epoch is short (0.5-1 s), so a filter longer than it cannot be applied to it alone: a 0.5 Hz
high-pass spans 6.6 s, a notch 3.3 s. Such steps are left out when the release already did them, or
cannot be done on epochs this short; the window and its baseline are kept inside the epoch. Every
change is a sentence in the store's record.
"""
from __future__ import annotations


from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig
from neuroarena.studies.base import EpochedRelease

#: Samples of MNE's default (``firwin``, hamming) FIR filter per second of its narrowest transition band.
HAMMING_LENGTH = 3.3
#: MNE's default transition band of ``notch_filter`` (Hz).
NOTCH_TRANSITION = 1.0
#: Two frequencies this close (Hz) name the same line-noise component.
SAME_FREQUENCY = 0.5


def highpass_length(l_freq: float) -> float:
    """Length (s) of MNE's default FIR high-pass at ``l_freq`` Hz (transition ``min(max(l/4, 2), l)``)."""
    return HAMMING_LENGTH / min(max(0.25 * l_freq, 2.0), l_freq)


def lowpass_length(h_freq: float, sfreq: float) -> float:
    """Length (s) of MNE's default FIR low-pass at ``h_freq`` Hz (transition ``min(max(h/4, 2), nyquist - h)``)."""
    return HAMMING_LENGTH / min(max(0.25 * h_freq, 2.0), sfreq / 2 - h_freq)


def resolve_notch(config: PrepareConfig, line_freq: float | None, where: object) -> list[float]:
    """The notch frequencies of ``config``: its list, or for ``"line"`` the recording's power-line frequency."""
    if config.notch != "line":
        return list(config.notch)
    if line_freq is None:
        raise NeuroarenaError("notch: line, but the recording does not say its power-line frequency", path=where,
                              fix="set notch: [50.0] or [60.0] in the prepare config")
    return [float(line_freq)]


def adapt_to_epochs(config: PrepareConfig, release: EpochedRelease) -> tuple[PrepareConfig, list[str]]:
    """The preprocessing left to do on ``release``'s epochs, and a sentence per change.

    Parameters
    ----------
    config : PrepareConfig
        What the task asks for.
    release : EpochedRelease
        What the release did, and its epochs' extent.

    Returns
    -------
    config : PrepareConfig
        The same steps minus the ones already done or impossible on epochs of ``release.duration`` s;
        the window (and baseline) cut to what the epochs hold, on the output sampling grid.
    notes : list of str
        One sentence per change (empty when nothing changed).

    Raises
    ------
    NeuroarenaError
        The task's window does not overlap the epochs at all.
    """
    changes: dict = {}
    notes: list[str] = []
    epoch = release.duration
    # Filters run before resampling, at the release's rate, on one epoch at a time.
    if config.l_freq is not None:
        if release.l_freq is not None and release.l_freq >= config.l_freq:
            changes["l_freq"] = None
            notes.append(f"high-pass {config.l_freq:g} Hz left out: the release high-passed at {release.l_freq:g} Hz")
        elif highpass_length(config.l_freq) > epoch:
            changes["l_freq"] = None
            done = f"the release high-passed at {release.l_freq:g} Hz" if release.l_freq else "the release did none"
            notes.append(f"high-pass {config.l_freq:g} Hz left out: its {highpass_length(config.l_freq):.1f} s filter "
                         f"is longer than the {epoch:g} s epochs ({done})")
    h_freq = config.h_freq
    if h_freq is not None:
        if release.h_freq is not None and release.h_freq <= h_freq:
            changes["h_freq"], h_freq = None, release.h_freq
            notes.append(f"low-pass {config.h_freq:g} Hz left out: the release low-passed at {release.h_freq:g} Hz")
        elif h_freq < release.sfreq / 2 and lowpass_length(h_freq, release.sfreq) > epoch:
            changes["h_freq"], h_freq = None, release.h_freq
            notes.append(f"low-pass {config.h_freq:g} Hz left out: its {lowpass_length(h_freq, release.sfreq):.2f} s "
                         f"filter is longer than the {epoch:g} s epochs")
    else:
        h_freq = release.h_freq
    notch = []
    for freq in resolve_notch(config, release.line_freq, "the release"):
        if any(abs(freq - done) < SAME_FREQUENCY for done in release.notch):
            notes.append(f"notch {freq:g} Hz left out: the release removed it")
        elif h_freq is not None and freq > h_freq:
            notes.append(f"notch {freq:g} Hz left out: above the {h_freq:g} Hz low-pass")
        elif HAMMING_LENGTH / NOTCH_TRANSITION > epoch:
            notes.append(f"notch {freq:g} Hz left out: its {HAMMING_LENGTH / NOTCH_TRANSITION:.1f} s filter is longer "
                         f"than the {epoch:g} s epochs")
        else:
            notch.append(freq)
    if notch != resolve_notch(config, release.line_freq, "the release"):
        changes["notch"] = notch
    if release.whitened and config.reference is not None:
        changes["reference"] = None
        notes.append(f"{config.reference if isinstance(config.reference, str) else 'the'} reference left out: the "
                     "release whitened the channels (each is a mix of electrodes)")
    if release.whitened and config.interpolate_missing:
        raise NeuroarenaError("the release whitened its channels: missing ones cannot be interpolated from the others",
                              fix="use a model that takes the release's channels, or its raw release")
    window, baseline, window_notes = _fit_window(config, release)
    notes += window_notes
    if window != (config.window_start, config.window_duration):
        changes["window_start"], changes["window_duration"] = window
    if baseline != config.baseline:
        changes["baseline"] = baseline
    if not changes:
        return config, notes
    data = config.model_dump()
    data.update(changes)
    return PrepareConfig(**data), notes


def _fit_window(config: PrepareConfig, release: EpochedRelease
                ) -> tuple[tuple[float, float], tuple[float, float] | None, list[str]]:
    """The task's window and baseline inside the epochs, on the output grid (``tmin + k / config.sfreq``)."""
    n_out = round(release.n_times * config.sfreq / release.sfreq)
    offset = round((config.window_start - release.tmin) * config.sfreq)  # window start, in epoch samples
    first, stop = max(0, offset), min(n_out, offset + config.n_times)
    end_time = release.tmin + n_out / config.sfreq
    if stop <= first:
        raise NeuroarenaError(
            f"the task's window {config.window_start:g}..{config.window_start + config.window_duration:g} s lies "
            f"outside the release's epochs ({release.tmin:g}..{end_time:g} s)",
            fix="choose a window inside the epochs (window_start, window_duration in the prepare config)")
    start = release.tmin + first / config.sfreq
    duration = (stop - first) / config.sfreq
    notes = []
    if stop - first != config.n_times or abs(start - config.window_start) > 0.5 / config.sfreq:
        notes.append(f"window {_t(config.window_start)}..{_t(config.window_start + config.window_duration)} s cut "
                     f"to {_t(start)}..{_t(start + duration)} s: the release's epochs span "
                     f"{_t(release.tmin)}..{_t(end_time)} s")
        start, duration = round(start, 9), round(duration, 9)
    else:
        start, duration = config.window_start, config.window_duration
    baseline = config.baseline
    if baseline is not None:
        low, high = max(baseline[0], start), min(baseline[1], start + duration)
        if round((high - low) * config.sfreq) < 1:
            notes.append(f"baseline {_t(baseline[0])}..{_t(baseline[1])} s left out: the epochs hold no sample of it")
            baseline = None
        elif (low, high) != tuple(baseline):
            notes.append(f"baseline {_t(baseline[0])}..{_t(baseline[1])} s cut to {_t(low)}..{_t(high)} s")
            baseline = (round(low, 9), round(high, 9))
    return (start, duration), baseline, notes


def _t(seconds: float) -> str:
    """A time for a sentence: three significant digits (``-0.0508``)."""
    return f"{seconds:.3g}"
