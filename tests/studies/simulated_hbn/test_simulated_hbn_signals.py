"""What the simulated HBN EEG carries: the response time's build-up (Challenge 1) and movie-locked sources."""
from __future__ import annotations

import mne
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_predict

from neuroarena.studies.simulated_hbn.latents import make_subjects
from neuroarena.studies.simulated_hbn.signals import CPP_SITE, centro_parietal, head, movie_patterns, referenced, site


def nrmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The challenge's score: RMSE / std(y_true), ddof 0."""
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)) / np.std(y_true))


def test_response_time_windows_carry_the_build_up(tiny_hbn):
    """Ridge on one feature per trial, the slope in [0.5, 2.5] s after the target of the centro-parietal channels'
    mean (re-referenced to the ring of channels around them, 40-63 degrees from Pz: a surface-Laplacian-like
    filter that removes the broad background), predicts held-out trials' response times."""
    names = list(head().names)
    cp = [names.index(name) for name in centro_parietal()]
    angle = np.arccos(np.clip(head().unit_positions @ site(CPP_SITE), -1.0, 1.0))
    ring = np.flatnonzero((angle > 0.7) & (angle < 1.1))
    slopes, rts = [], []
    t = np.arange(200) / 100.0
    for recording in tiny_hbn.recordings():
        if recording.task != "contrastChangeDetection":
            continue
        data = recording.load().get_data() * 1e6
        trace = data[cp].mean(axis=0) - data[ring].mean(axis=0)
        events = recording.events()
        for onset, rt in events.loc[(events["kind"] == "stimulus") & events["rt"].notna(), ["onset", "rt"]].to_numpy():
            first = int(round((onset + 0.5) * 100))
            slopes.append(np.polyfit(t, trace[first:first + 200], 1)[0])
            rts.append(rt)
    X, y = np.array(slopes)[:, None], np.array(rts)
    assert len(y) > 150
    predicted = cross_val_predict(Ridge(alpha=1.0), X, y, cv=KFold(5, shuffle=True, random_state=0))
    score = nrmse(y, predicted)
    assert score < 0.9, score
    assert np.corrcoef(X[:, 0], y)[0, 1] > 0.5  # slower responses: still rising late in the window
    assert nrmse(y, np.full_like(y, y.mean())) == 1.0


def test_movie_windows_of_two_subjects_share_the_movie_time(tiny_hbn):
    """Each subject's movie recording, mapped to the 4 shared sources by its own linear map (generalized least
    squares with its true scalp patterns and its own data covariance), correlates with another subject's at the
    same movie time, not at other times."""
    subjects = {s.subject: s for s in make_subjects(tiny_hbn.config)}
    windows = []
    for recording in [r for r in tiny_hbn.recordings() if r.task == tiny_hbn.config.movie][:2]:
        data = mne.filter.filter_data(recording.load().get_data()[:-1], 100.0, 1.0, 8.0, verbose="error")
        patterns = referenced(movie_patterns(tiny_hbn.config, subjects[recording.subject]))[:-1]
        covariance = np.cov(data) + 1e-3 * np.trace(np.cov(data)) / len(data) * np.eye(len(data))
        inverse = np.linalg.inv(covariance)
        sources = np.linalg.solve(patterns.T @ inverse @ patterns, patterns.T @ inverse) @ data
        events = recording.events()
        movie = events[events["kind"] == "movie"]
        windows.append({time: sources[:, int(round(onset * 100)):int(round(onset * 100)) + 200]
                        for onset, time in movie[["onset", "movie_time"]].to_numpy()})
    times = sorted(set(windows[0]) & set(windows[1]))
    assert len(times) == 15  # 30 s of film in 2 s windows, both subjects
    same = [np.corrcoef(windows[0][a].ravel(), windows[1][a].ravel())[0, 1] for a in times]
    other = [np.corrcoef(windows[0][a].ravel(), windows[1][b].ravel())[0, 1] for a in times for b in times if a != b]
    assert np.mean(same) > 0.2 and abs(np.mean(other)) < 0.05, (np.mean(same), np.mean(other))
    assert np.mean(same) > np.mean(other) + 4 * np.std(other) / np.sqrt(len(same))
