"""How much the simulated EEG looks like real EEG; prints one table.

    python benchmarks/simulator_stats.py [--preset default] [--recordings 3] [--root PATH]

Writes the simulated study of ``--preset`` (to a temporary folder, removed at the end, or to
``--root``, reused when it already holds that simulation) and, for the first ``--recordings``
recordings, prints each measure of :mod:`neuroarena.studies.simulated.statistics` beside its
real-data range: background RMS, 1/f slope, occipital alpha peak, grand-average P1 and N1 at Oz,
single-trial SNR at Oz, and the Top-5 of a ridge read-out of the recording's subject (trained on
all its sessions' training trials, scored on its repeat-averaged test images). How each is
measured, and the sources of the ranges, are in that module's docstring.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from neuroarena.studies.simulated.statistics import REAL_RANGES, recording_statistics, subject_readout_top5
from neuroarena.studies.simulated.study import Simulated

LABELS = {
    "background_rms_uv": "background RMS 0.5-40 Hz (µV, median channel)",
    "spectral_slope": "1/f slope, 2-40 Hz without 7-14 Hz",
    "alpha_peak_hz": "alpha peak, O1/O2/Oz (Hz)",
    "p1_uv": "grand-average P1 at Oz (µV)",
    "n1_uv": "grand-average N1 at Oz (µV)",
    "single_trial_snr": "single-trial SNR at Oz",
    "readout_top5": "ridge read-out Top-5 (subject)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="default")
    parser.add_argument("--recordings", type=int, default=3)
    parser.add_argument("--root", type=Path, default=None,
                        help="where the study is written or reused (default: a temporary folder)")
    args = parser.parse_args()

    scratch = None if args.root else Path(tempfile.mkdtemp(prefix="simulator-stats-"))
    try:
        study = Simulated(root=args.root or scratch / args.preset, preset=args.preset)
        recordings = study.recordings()[: args.recordings]
        readout = {s: subject_readout_top5(study, s) for s in sorted({r.subject for r in recordings})}
        columns = [f"sub-{r.subject} ses-{r.session}" for r in recordings]
        values = [{**recording_statistics(r), "readout_top5": readout[r.subject]} for r in recordings]
        n_test = study.config.n_test_concepts
        ranges = {**{k: f"{lo:g} to {hi:g}" for k, (lo, hi) in REAL_RANGES.items()},
                  "readout_top5": f"> {min(5, n_test) / n_test:.3f} (chance), < 1"}
        width = max(map(len, LABELS.values()))
        print(f"preset {args.preset}: {len(recordings)} recordings of {study.config.n_subjects} subjects x "
              f"{study.config.n_sessions} sessions, {study.config.n_trials} trials each")
        print(f"{'measure':<{width}}  " + "  ".join(f"{c:>14}" for c in columns) + "  real data")
        for key, label in LABELS.items():
            print(f"{label:<{width}}  " + "  ".join(f"{v[key]:>14.3f}" for v in values) + f"  {ranges[key]}")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
