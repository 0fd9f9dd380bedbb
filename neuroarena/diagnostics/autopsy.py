"""The autopsy of a trained net: why it scores what it scores.

``<records>/<task>/<dataset>/<model>/autopsy/<record stem>/`` (next to the run's record) receives the PNG plots,
``autopsy.md`` (the short report) and ``autopsy.json`` (every number behind it), written as a whole: a reader
never sees half an autopsy. It runs at the end of a job (``neuroarena eeg ... --autopsy``) or later on a
finished run's kept best checkpoint (``neuroarena autopsy RUN``).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import torch

    from neuroarena.results.records import ResultRecord
    from neuroarena.runner.job import JobContext


@dataclass(frozen=True)
class AutopsyOptions:
    """What the autopsy examines: at most ``n_windows`` windows of the test part (seeded by ``seed``),
    ``n_steps`` integration steps of Integrated Gradients, ``n_segments`` time segments to ablate and the
    ``n_worst`` worst items to list."""

    n_windows: int = 500
    n_steps: int = 16
    n_segments: int = 5
    n_worst: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("n_windows", "n_steps", "n_segments", "n_worst"):
            if getattr(self, name) < 1:
                raise NeuroarenaError(f"autopsy option {name} must be at least 1, not {getattr(self, name)}",
                                      fix=f"pass a positive --{name.replace('_', '-')}")


def autopsy_folder(record_path: str | Path) -> Path:
    """Where the autopsy of the record at ``record_path`` is written."""
    record_path = Path(record_path)
    return record_path.parent / "autopsy" / record_path.stem


def find_autopsies(records_root: str | Path) -> list[dict[str, Any]]:
    """Every autopsy written under the records folder ``records_root``: its run's ``task``, ``dataset``,
    ``model``, ``seed``, ``score``, the number of ``recommendations`` and the ``path`` of its ``autopsy.md``;
    sorted by task, dataset, model and seed."""
    import json

    found = []
    for path in Path(records_root).rglob("autopsy/*/autopsy.json"):
        try:
            report = json.loads(path.read_text())
            run = report["run"]
        except (OSError, ValueError, KeyError):
            continue  # a damaged autopsy is left out of the list, not an error of the leaderboard
        found.append({**{k: run.get(k) for k in ("task", "dataset", "model", "seed", "score")},
                      "recommendations": len(report.get("recommendations", [])), "path": path.with_suffix(".md")})
    return sorted(found, key=lambda a: (a["task"], a["dataset"], a["model"], a["seed"]))


def examine(net: "torch.nn.Module", context: "JobContext", record: "ResultRecord",
            options: AutopsyOptions = AutopsyOptions()) -> dict[str, Any]:
    """Every section of the autopsy of ``net`` (the run's best weights) on ``context``'s test windows.

    Returns
    -------
    dict
        ``run`` (the record's key, score, dummy and normalized score), ``options``, ``seconds`` (per section and
        ``total``), the sections ``predictions``, ``gradients``, ``activations``, ``attributions``, ``ablations``,
        ``failures``, ``truth`` (simulated studies; else None) and ``recommendations``.
    """
    from neuroarena.diagnostics.ablations import ablations
    from neuroarena.diagnostics.activations import activations
    from neuroarena.diagnostics.advice import recommendations
    from neuroarena.diagnostics.attributions import attributions
    from neuroarena.diagnostics.failures import failures
    from neuroarena.diagnostics.gradients import gradient_flow
    from neuroarena.diagnostics.predictions import predictions
    from neuroarena.diagnostics.sample import draw_sample
    from neuroarena.diagnostics.truth import truth_check

    seconds: dict[str, float] = {}
    start = time.perf_counter()

    def timed(name: str, fn, *args):
        t0 = time.perf_counter()
        result = fn(*args)
        seconds[name] = round(time.perf_counter() - t0, 3)
        return result

    sample = timed("sample", draw_sample, net, context, options.n_windows, options.seed)
    report: dict[str, Any] = {
        "predictions": timed("predictions", predictions, sample),
        "gradients": timed("gradients", gradient_flow, record.training.get("gradient_flow")),
        "activations": timed("activations", activations, sample),
        "attributions": timed("attributions", attributions, sample, options.n_steps),
        "ablations": timed("ablations", ablations, sample, options.n_segments),
        "failures": timed("failures", failures, sample, options.n_worst),
    }
    report["truth"] = timed("truth", truth_check, sample, report["attributions"], report["ablations"])
    normalized = record.reference.get("normalized")
    report["recommendations"] = recommendations(report, record.training, normalized, record.recipe.get("max_epochs"))
    seconds["total"] = round(time.perf_counter() - start, 3)
    key = record.key
    run = {"task": key.task, "dataset": key.dataset, "model": key.model, "seed": key.seed,
           "config_hash": key.config_hash, "metric": sample.metric, "score": record.metrics.get(sample.metric),
           "dummy": record.reference.get("dummy"), "normalized": normalized, "n_windows": len(sample.positions),
           "part": sample.part, "train_seconds": record.wall_time_s}
    return {"run": run, "options": asdict(options), "seconds": seconds, **report}


def write_autopsy(report: dict[str, Any], folder: str | Path, chs_info: list[dict], sfreq: float) -> Path:
    """Write ``report`` (:func:`examine`) with its plots and markdown to ``folder``, replacing what was there."""
    from neuroarena.diagnostics import plots
    from neuroarena.diagnostics.markdown import autopsy_markdown
    from neuroarena.fileio import finite_json, replace_folder

    def write(tmp: Path) -> None:
        figures = {"predictions": plots.predictions_plot(report["predictions"], tmp / "predictions.png"),
                   "attributions": plots.attributions_plot(report["attributions"], chs_info, sfreq,
                                                           tmp / "attributions.png"),
                   "ablations": plots.ablations_plot(report["ablations"], tmp / "ablations.png")}
        if report["gradients"]["available"]:
            figures["gradients"] = plots.gradients_plot(report["gradients"], tmp / "gradients.png")
        if report["activations"]:
            figures["activations"] = plots.activations_plot(report["activations"], tmp / "activations.png")
        (tmp / "autopsy.json").write_text(finite_json({**report, "figures": figures}))
        (tmp / "autopsy.md").write_text(autopsy_markdown(report, figures))

    return replace_folder(folder, write)


def autopsy_run(run: str, options: AutopsyOptions = AutopsyOptions(), root: str | Path | None = None) -> Path:
    """The autopsy of a finished run: ``run`` is a record's path or ``task/dataset/model/seed`` (see
    :func:`~neuroarena.results.lookup.resolve_run`); its kept best checkpoint is loaded and examined on the
    run's own test windows. Returns the autopsy folder."""
    from neuroarena.home import results_dir
    from neuroarena.results.lookup import record_path, resolve_run
    from neuroarena.runner.checkpoints import load_checkpoint, rebuild_net
    from neuroarena.runner.job import JobSpec, job_context

    results = Path(root) if root is not None else results_dir()
    record = resolve_run(run, results)
    path = record_path(record, results)
    if record.status != "ok":
        raise NeuroarenaError(f"run {run} failed, there is nothing to examine", path=path,
                              fix="fix it and re-run it with --retry")
    if not record.training.get("checkpoint"):
        raise NeuroarenaError(f"run {run} kept no net (model {record.key.model} is not a trained net)", path=path,
                              fix="run the autopsy on a net of the zoo (eegnet, eegnex, ...)")
    if "job" not in record.data:
        raise NeuroarenaError("the record does not say how its job was built (written by an older neuroarena)",
                              path=path, fix="re-run the job to write a complete record")
    spec = JobSpec.from_dict(record.data["job"])
    net = rebuild_net(load_checkpoint(results / record.training["checkpoint"]))
    context = job_context(spec)
    report = examine(net, context, record, options)
    return write_autopsy(report, autopsy_folder(path), context.store.chs_info, context.store.sfreq)
