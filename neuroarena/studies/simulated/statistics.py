"""How much a simulated recording looks like real EEG: amplitude, spectrum, evoked response, decodability.

Every measure works on one recording as stored (volts, the recording's own reference):

- background RMS: the recording band-passed 0.5-40 Hz (FIR, MNE defaults); the standard
  deviation over time of each channel; the median over channels (so that the blink-dominated
  frontopolar channels do not set it), in µV;
- spectral slope: Welch power (4-s segments) of the unfiltered recording, averaged over
  channels; least-squares slope of log power on log frequency over 2-40 Hz, leaving out
  7-14 Hz (alpha);
- alpha peak: frequency of the largest Welch power within 6-14 Hz, averaged over O1, O2, Oz;
- ERP: windows from -0.2 to 0.8 s around each stimulus, cut from the 0.5-40 Hz band-passed
  recording and baseline-corrected on -0.2-0 s; the grand average over all trials at Oz;
  P1 = its maximum within 80-130 ms, N1 = its minimum within 130-220 ms (µV);
- single-trial SNR: at Oz and the time of the largest absolute grand average within
  50-300 ms, that absolute value over the standard deviation across single trials;
- linear read-out: the post-stimulus part (0-0.5 s, at 100 Hz) of those windows, every
  channel, flattened; a ridge regression (penalty chosen by leave-one-out) from one subject's
  training trials to the stimulus features; each test image's windows averaged over its
  repeats and sessions, mapped, and ranked by cosine similarity against the features of every
  test image; Top-5 = share of test images whose own features rank in the first five.

Real-data ranges, :data:`REAL_RANGES`, and where they come from:

- background RMS 10-50 µV: scalp EEG amplitudes are typically 10-100 µV
  (https://psychiatry-neuroimaging.de/index.php?site=eeg&lang=de), "tens of microvolts"
  (https://en.wikipedia.org/wiki/Evoked_potential); the range is that of the RMS of
  ongoing EEG in the usual 0.5-40 Hz analysis band;
- spectral slope -2.5 to -0.8: the aperiodic part of M/EEG power spectra falls as
  1/f^chi with exponents chi of about 1-2 (Donoghue et al. 2020, Nat Neurosci 23:1655,
  "Parameterizing neural power spectra into periodic and aperiodic components"; Gerster
  et al. 2022, Neuroinformatics, https://pmc.ncbi.nlm.nih.gov/articles/PMC9588478);
- alpha peak 8-12 Hz: posterior alpha peak frequency 10.3 Hz on average over 51 adults
  (Haegens et al. 2014, NeuroImage 92:46, https://www.ncbi.nlm.nih.gov/pubmed/24508648);
- P1 +1 to +8 µV, N1 -10 to -1 µV: evoked potentials range "from less than a microvolt to
  several microvolts" (https://en.wikipedia.org/wiki/Evoked_potential); the visual P1 peaks
  near 100 ms (https://en.wikipedia.org/wiki/C1_and_P1_(neuroscience)); grand-average
  N1/N170 of -4.2 to -6.4 µV at PO7/PO8/P7/P8
  (https://authorea.com/users/621176/articles/644851);
- single-trial SNR 0.2-0.5: an evoked response of a few microvolts under tens of
  microvolts of ongoing EEG (the two sources above), the single-trial signal "generally
  smaller than the random background brain noise" (Blankertz et al. 2011, NeuroImage
  56:814, as summarised in https://faye.authorea.com/users/568116/articles/614111, which
  reports higher ratios for a different definition: single-trial peaks over the
  within-trial baseline SD);
- linear read-out Top-5: above chance (5 / n_test) and below 1; no single real value fits
  every test-set size, so the script shows chance beside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neuroarena.studies.base import Recording
    from neuroarena.studies.simulated.study import Simulated

BAND = (0.5, 40.0)  # Hz, the band-pass of every time-domain measure
SLOPE_BAND, ALPHA_BAND = (2.0, 40.0), (7.0, 14.0)  # fitted band, and the alpha part left out of the fit
ALPHA_SEARCH = (6.0, 14.0)
OCCIPITAL = ("O1", "O2", "Oz")
ERP_WINDOW = (-0.2, 0.8)  # s around each onset; the part before 0 is the baseline
P1_SEARCH, N1_SEARCH, PEAK_SEARCH = (0.08, 0.13), (0.13, 0.22), (0.05, 0.30)
READOUT_WINDOW, READOUT_SFREQ = (0.0, 0.5), 100.0

#: Range of each measure in real visual-EEG recordings (sources in the module docstring).
REAL_RANGES: dict[str, tuple[float, float]] = {
    "background_rms_uv": (10.0, 50.0),
    "spectral_slope": (-2.5, -0.8),
    "alpha_peak_hz": (8.0, 12.0),
    "p1_uv": (1.0, 8.0),
    "n1_uv": (-10.0, -1.0),
    "single_trial_snr": (0.2, 0.5),
}


def band_pass(data: np.ndarray, sfreq: float, band: tuple[float, float] = BAND) -> np.ndarray:
    """Zero-phase FIR band-pass (MNE defaults), same shape as ``data``: (n_chans, n_times)."""
    import mne

    return mne.filter.filter_data(data, sfreq, band[0], band[1], verbose=False)


def background_rms(filtered: np.ndarray) -> float:
    """Median over channels of each channel's standard deviation, in µV.

    Parameters
    ----------
    filtered : ndarray, shape (n_chans, n_times)
        Band-passed recording (V).
    """
    return float(np.median(filtered.std(axis=1)) * 1e6)


def welch_power(data: np.ndarray, sfreq: float) -> tuple[np.ndarray, np.ndarray]:
    """Welch power (4-s Hann segments, half overlap): ``freqs, shape (n_freqs,)`` and ``power, shape (n_chans, n_freqs)``.

    Parameters
    ----------
    data : ndarray, shape (n_chans, n_times)
    """
    from scipy.signal import welch

    freqs, power = welch(data, fs=sfreq, nperseg=int(4 * sfreq), axis=-1)
    return freqs, power


def spectral_slope(freqs: np.ndarray, power: np.ndarray) -> float:
    """Log-log slope of the channel-mean power over :data:`SLOPE_BAND`, alpha (:data:`ALPHA_BAND`) left out.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
    power : ndarray, shape (n_chans, n_freqs)
    """
    fit = (freqs >= SLOPE_BAND[0]) & (freqs <= SLOPE_BAND[1]) & ~((freqs >= ALPHA_BAND[0]) & (freqs <= ALPHA_BAND[1]))
    return float(np.polyfit(np.log10(freqs[fit]), np.log10(power[:, fit].mean(axis=0)), 1)[0])


def alpha_peak(freqs: np.ndarray, power: np.ndarray) -> float:
    """Frequency (Hz) of the largest mean power within :data:`ALPHA_SEARCH`.

    Parameters
    ----------
    freqs : ndarray, shape (n_freqs,)
    power : ndarray, shape (n_chans, n_freqs)
        Power of the occipital channels.
    """
    band = (freqs >= ALPHA_SEARCH[0]) & (freqs <= ALPHA_SEARCH[1])
    return float(freqs[band][power[:, band].mean(axis=0).argmax()])


def event_windows(filtered: np.ndarray, sfreq: float, onsets: np.ndarray,
                  window: tuple[float, float] = ERP_WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """Baseline-corrected windows around each onset: ``windows, shape (n_events, n_chans, n_times)``, ``times``.

    Parameters
    ----------
    filtered : ndarray, shape (n_chans, n_samples)
        Band-passed recording.
    onsets : ndarray, shape (n_events,)
        Onsets in seconds.
    """
    offsets = np.arange(int(round(window[0] * sfreq)), int(round(window[1] * sfreq)))
    starts = np.round(np.asarray(onsets) * sfreq).astype(int)
    windows = filtered[:, starts[:, None] + offsets[None]].transpose(1, 0, 2)
    times = offsets / sfreq
    return windows - windows[:, :, times < 0].mean(axis=2, keepdims=True), times


def erp_peaks(trials: np.ndarray, times: np.ndarray) -> tuple[float, float]:
    """P1 (maximum in :data:`P1_SEARCH`) and N1 (minimum in :data:`N1_SEARCH`) of the grand average, in µV.

    Parameters
    ----------
    trials : ndarray, shape (n_trials, n_times)
        One channel's windows (V).
    times : ndarray, shape (n_times,)
    """
    average = trials.mean(axis=0) * 1e6
    p1 = (times >= P1_SEARCH[0]) & (times <= P1_SEARCH[1])
    n1 = (times >= N1_SEARCH[0]) & (times <= N1_SEARCH[1])
    return float(average[p1].max()), float(average[n1].min())


def single_trial_snr(trials: np.ndarray, times: np.ndarray) -> float:
    """|grand average| over the across-trial standard deviation, at the largest |grand average| in :data:`PEAK_SEARCH`.

    Parameters
    ----------
    trials : ndarray, shape (n_trials, n_times)
        One channel's windows.
    times : ndarray, shape (n_times,)
    """
    search = np.flatnonzero((times >= PEAK_SEARCH[0]) & (times <= PEAK_SEARCH[1]))
    peak = search[np.abs(trials[:, search].mean(axis=0)).argmax()]
    return float(abs(trials[:, peak].mean()) / trials[:, peak].std(ddof=1))


def readout_features(windows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Post-stimulus part (:data:`READOUT_WINDOW`) at :data:`READOUT_SFREQ`, flattened, shape (n_windows, n_features).

    Parameters
    ----------
    windows : ndarray, shape (n_windows, n_chans, n_times)
    times : ndarray, shape (n_times,)
    """
    step = max(1, int(round(1 / (READOUT_SFREQ * (times[1] - times[0])))))
    keep = np.flatnonzero((times >= READOUT_WINDOW[0]) & (times < READOUT_WINDOW[1]))[::step]
    return windows[:, :, keep].reshape(len(windows), -1)


def ridge_top5(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray) -> float:
    """Top-5 cosine retrieval of a leave-one-out-tuned ridge map from EEG to features.

    Parameters
    ----------
    train_x : ndarray, shape (n_train, n_features)
    train_y : ndarray, shape (n_train, feature_dim)
    test_x : ndarray, shape (n_test, n_features)
        One row per test image (its repeats averaged).
    test_y : ndarray, shape (n_test, feature_dim)
        Features of the same test images, in the same order.
    """
    from sklearn.linear_model import RidgeCV

    scale = train_x.std()
    model = RidgeCV(alphas=np.logspace(-1, 5, 13)).fit(train_x / scale, train_y)
    predicted = model.predict(test_x / scale)
    predicted /= np.linalg.norm(predicted, axis=1, keepdims=True)
    targets = test_y / np.linalg.norm(test_y, axis=1, keepdims=True)
    similarity = predicted @ targets.T
    ranks = (similarity > np.diag(similarity)[:, None]).sum(axis=1)
    return float(np.mean(ranks < 5))


def recording_windows(recording: "Recording") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str], float]:
    """Load one recording: ``data`` and ``filtered``, shape (n_chans, n_samples) (V), the :func:`event_windows`
    of every event (``windows``, ``times``), channel names and sampling rate."""
    raw = recording.load().load_data(verbose=False)
    data, sfreq = raw.get_data(), float(raw.info["sfreq"])
    filtered = band_pass(data, sfreq)
    windows, times = event_windows(filtered, sfreq, recording.events()["onset"].to_numpy())
    return data, filtered, windows, times, raw.ch_names, sfreq


def recording_statistics(recording: "Recording") -> dict[str, float]:
    """Every single-recording measure of the module docstring, keyed as :data:`REAL_RANGES`."""
    data, filtered, windows, times, names, sfreq = recording_windows(recording)
    freqs, power = welch_power(data, sfreq)
    occipital = [names.index(name) for name in OCCIPITAL]
    oz = windows[:, names.index("Oz")]
    p1, n1 = erp_peaks(oz, times)
    return {
        "background_rms_uv": background_rms(filtered), "spectral_slope": spectral_slope(freqs, power),
        "alpha_peak_hz": alpha_peak(freqs, power[occipital]), "p1_uv": p1, "n1_uv": n1,
        "single_trial_snr": single_trial_snr(oz, times),
    }


def subject_readout_top5(study: "Simulated", subject: str) -> float:
    """Ridge Top-5 over the test images for one subject (every session of it), see the module docstring."""
    features = study.stimulus_features()
    train_x, train_ids, test_x, test_ids = [], [], [], []
    for recording in study.recordings():
        if recording.subject != subject:
            continue
        _, _, windows, times, _, _ = recording_windows(recording)
        events = recording.events()
        x = readout_features(windows, times)
        is_train = (events["split"] == "train").to_numpy()
        train_x.append(x[is_train])
        train_ids += list(events["stimulus"][is_train])
        test_x.append(x[~is_train])
        test_ids += list(events["stimulus"][~is_train])
    test_x, test_ids = np.concatenate(test_x), np.array(test_ids)
    images = sorted(set(test_ids))
    averaged = np.stack([test_x[test_ids == image].mean(axis=0) for image in images])
    return ridge_top5(np.concatenate(train_x), features.loc[train_ids].to_numpy(),
                      averaged, features.loc[images].to_numpy())
