"""A job whose model's library does not load fails with one line that points to neuroarena doctor."""
from __future__ import annotations

from neuroarena.models import registry
from neuroarena.models.registry import register_model
from neuroarena.runner.job import JobSpec, run_job


def broken_audio_library(folder):
    """A package whose extension does not load, as torchaudio 2.11.1's beside torch 2.11.0 (a name of its own:
    the real torchaudio may be imported already)."""
    package = folder / "audio_backend"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from audio_backend import _extension\n")
    (package / "_extension.py").write_text(
        "raise OSError('Could not load this library: libtorchaudio.so: undefined symbol: x')\n")
    return folder


def test_a_job_whose_model_does_not_import_points_to_doctor(tmp_path, monkeypatch, tiny_home):
    monkeypatch.setattr(registry, "_user_specs", {})
    monkeypatch.syspath_prepend(str(broken_audio_library(tmp_path / "site")))

    @register_model("audio_net", family="classic", kind="net", targets={"classification"}, description="x")
    def build_audio_net(**signal):
        import audio_backend  # noqa: F401

    record = run_job(JobSpec(task="category", dataset="simulated-tiny", model="audio_net", seed=33, debug=True,
                             home=str(tiny_home)))
    assert record.status == "failed"
    assert record.error.startswith("environment: audio_backend does not load (OSError: Could not load this library")
    assert record.error.endswith("-> run `neuroarena doctor`") and "\n" not in record.error
