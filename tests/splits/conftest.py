from __future__ import annotations

import pandas as pd
import pytest


def make_metadata() -> pd.DataFrame:
    """4 subjects x 3 sessions x 10 windows: stimuli train_0..7 and test_0..1, 2 stimuli per category."""
    rows = []
    stimuli = [f"train_{i}" for i in range(8)] + ["test_0", "test_1"]
    for subject in ("01", "02", "03", "04"):
        for session in ("1", "2", "3"):
            for i, stimulus in enumerate(stimuli):
                rows.append({
                    "window": len(rows), "recording": f"sub-{subject}_ses-{session}", "subject": subject,
                    "session": session, "run": "1", "onset": float(i), "kind": "stimulus",
                    "stimulus": stimulus, "category": f"cat_{i // 2}", "caption": "", "rt": float("nan"),
                    "split": stimulus.split("_")[0],
                })
    return pd.DataFrame(rows)


@pytest.fixture
def metadata() -> pd.DataFrame:
    return make_metadata()
