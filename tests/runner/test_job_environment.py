"""A job whose model's library does not load fails with one line that points to neuroarena doctor."""
from __future__ import annotations

import sys

from neuroarena.models import registry
from neuroarena.models.registry import register_model
from neuroarena.runner.job import JobSpec, run_job


def broken_torchaudio(folder):
    """A torchaudio whose extension does not load, as torchaudio 2.11.1 beside torch 2.11.0."""
    package = folder / "torchaudio"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from torchaudio import _extension\n")
    (package / "_extension.py").write_text(
        "raise OSError('Could not load this library: libtorchaudio.so: undefined symbol: x')\n")
    return folder


def test_a_job_whose_model_does_not_import_points_to_doctor(tmp_path, monkeypatch, tiny_home):
    monkeypatch.setattr(registry, "_user_specs", {})
    monkeypatch.syspath_prepend(str(broken_torchaudio(tmp_path / "site")))
    monkeypatch.delitem(sys.modules, "torchaudio", raising=False)

    @register_model("audio_net", family="classic", kind="net", targets={"classification"}, description="x")
    def build_audio_net(**signal):
        import torchaudio  # noqa: F401

    record = run_job(JobSpec(task="category", dataset="simulated-tiny", model="audio_net", seed=33, debug=True,
                             home=str(tiny_home)))
    assert record.status == "failed"
    assert record.error.startswith("environment: torchaudio does not load (OSError: Could not load this library")
    assert record.error.endswith("-> run `neuroarena doctor`") and "\n" not in record.error
