"""Trained runs to examine: EEGNet on the tiny simulated study at a clear SNR, healthy and with a learning rate
far too high, each with its autopsy written when its job ended (``api.run(..., autopsy=N)``)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuroarena.results.lookup import record_path, resolve_run
from neuroarena.runner import api

#: The tiny study with its evoked responses three times the real single-trial SNR: EEGNet learns it in
#: 15 epochs at lr 3e-3 (balanced accuracy about 0.77, dummy 0.25), in well under a minute.
DATASET_PARAMS = {"config": {"snr": 3.0}}
DATASET = "simulated-tiny[config=snr:3.0]"
N_WINDOWS = 200


def _run(home: Path, lr: float, epochs: int) -> dict:
    frame = api.run("category", ["eegnet"], dataset="simulated-tiny", dataset_params=DATASET_PARAMS, seeds=[33],
                    home=home, recipe_overrides={"max_epochs": epochs, "lr": lr}, autopsy=N_WINDOWS)
    row = frame[frame["model"] == "eegnet"].iloc[0]
    assert row["status"] == "ok", row["error"]
    record = resolve_run(f"category/{DATASET}/eegnet/seed-33_{row['config_hash']}", home / "results")
    folder = home / "results" / record.training["autopsy"]["folder"]
    return {"record": record, "path": record_path(record, home / "results"), "folder": folder,
            "report": json.loads((folder / "autopsy.json").read_text()), "home": home}


@pytest.fixture(scope="session")
def healthy_run(neuroarena_home) -> dict:
    """``record``, its ``path``, the autopsy ``folder`` and its parsed ``report``, and the ``home``."""
    return _run(Path(neuroarena_home), lr=3e-3, epochs=15)


@pytest.fixture(scope="session")
def broken_run(neuroarena_home) -> dict:
    """The same net trained at lr 50: its units die and it answers one class."""
    return _run(Path(neuroarena_home), lr=50.0, epochs=3)
