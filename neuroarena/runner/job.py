"""One job: a (task, dataset, model, seed) run from the window store to a result record."""
from __future__ import annotations

import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.home import cache_dir
from neuroarena.results.records import JobKey, ResultRecord
from neuroarena.runner.memory import PeakMemory
from neuroarena.runner.targets import TaskTargets, make_targets
from neuroarena.prepare.config import PrepareConfig
from neuroarena.runner.home import use_home
from neuroarena.tasks.config import TaskConfig, load_task
from neuroarena.training.recipe import DEBUG_OVERRIDES, Recipe


@dataclass(frozen=True)
class JobSpec:
    """Everything a job needs; picklable, so any executor (local process, Slurm) can ship it.

    ``model_params`` go to the model's builder (e.g. an adaptation preset); ``home`` is the root
    folder, carried explicitly so a job on another machine writes where its controller reads.
    """

    task: str
    dataset: str
    model: str
    seed: int
    debug: bool = False
    recipe_overrides: dict[str, Any] = field(default_factory=dict)
    model_params: dict[str, Any] = field(default_factory=dict)
    home: str | None = None

    def recipe(self, task: TaskConfig) -> Recipe:
        """The task's recipe with the model's documented exception, ``--debug`` and user overrides applied."""
        from neuroarena.models.registry import get_model

        model_rules = dict(getattr(get_model(self.model), "recipe_overrides", {}) or {})
        changes = {**model_rules, **(DEBUG_OVERRIDES if self.debug else {}), **self.recipe_overrides}
        return task.recipe.with_overrides(**changes)

    def prepare_config(self, task: TaskConfig) -> PrepareConfig:
        """The task's preprocessing, adapted to the model's input rules (sampling rate, channels, ...)."""
        from neuroarena.models.registry import get_model

        rules = getattr(get_model(self.model), "input_rules", None)
        return task.prepare if rules is None else rules.apply(task.prepare)

    def key(self, task: TaskConfig, study_params: dict[str, Any]) -> JobKey:
        """The job's record key; the hash covers task, data, preprocessing, model, its parameters and recipe."""
        config = {
            "task": task.model_dump(mode="json", exclude={"recipe", "prepare"}),
            "prepare": self.prepare_config(task).model_dump(mode="json"),
            "recipe": self.recipe(task).model_dump(mode="json"),
            "dataset": study_params,
            "model": self.model,
            "model_params": self.model_params,
        }
        return JobKey(task.name, self.dataset, self.model, self.seed, stable_hash(config))


def open_store(spec: JobSpec, task: TaskConfig, progress: bool = False):
    """The study and the window store of ``spec`` (built when missing, reused when present)."""
    from neuroarena.prepare.build import build_store
    from neuroarena.studies.registry import get_study

    study = get_study(spec.dataset)
    return study, build_store(study, spec.prepare_config(task), cache_dir(), progress=progress)


def _data_params(model_spec, targets: TaskTargets) -> dict[str, Any]:
    """Builder arguments that come from the data rather than the user: ``n_subjects`` for subject layers."""
    import inspect

    takes = inspect.signature(model_spec.resolve_builder()).parameters
    return {"n_subjects": len(targets.subjects)} if "n_subjects" in takes else {}


def _train_and_predict(spec: JobSpec, task: TaskConfig, recipe: Recipe, store, targets: TaskTargets,
                       model_spec, model) -> dict[str, Any]:
    """Fit ``model`` on train (monitoring val) and return val/test outputs and training facts."""
    from neuroarena.training.fit import fit_net, predict_net
    from neuroarena.training.data import WindowBatches
    from neuroarena.training.losses import make_loss
    from neuroarena.training.module import DecoderModule

    parts = {p: WindowBatches(store, targets.windows[p], targets.y[p], targets.subject[p])
             for p in ("train", "val", "test")}
    if model_spec.kind == "estimator":
        train_idx = targets.windows["train"]
        if recipe.limit_train_batches is not None:
            train_idx = train_idx[: recipe.limit_train_batches * recipe.batch_size]
        model.fit(store.take(train_idx), targets.y["train"][: len(train_idx)])
        out = {}
        for part in ("val", "test"):
            positions = np.arange(len(targets.windows[part]))
            if recipe.limit_eval_batches is not None:
                positions = positions[: recipe.limit_eval_batches * recipe.batch_size]
            out[part] = (positions, model.predict(store.take(targets.windows[part][positions])))
        return {"outputs": out, "training": {"fitted": "estimator.fit"}}

    loss_fn = make_loss(task.objective.loss, **task.objective.params)

    def monitor(outputs: np.ndarray, positions: np.ndarray) -> float:
        return targets.score("val", [task.monitor], outputs, positions)[task.monitor]

    with tempfile.TemporaryDirectory(prefix="neuroarena-job-", dir=cache_dir()) as workdir:
        if model_spec.trainable:
            fit = fit_net(model, parts["train"], parts["val"], loss_fn, monitor, recipe, spec.seed, workdir)
            module = fit.module
            training = {"epochs": fit.epochs, "best_epoch": fit.best_epoch, "best_val_monitor": fit.best_monitor,
                        "history": fit.history}
        else:
            module = DecoderModule(model, loss_fn, recipe, 1, monitor)
            training = {"epochs": 0, "note": "untrained: evaluated at its seeded initialisation"}
        out = {part: predict_net(module, parts[part], recipe, workdir) for part in ("val", "test")}
    return {"outputs": out, "training": training}


def run_job(spec: JobSpec) -> ResultRecord:
    """Run one job and return its record (``status="failed"`` with the error if it raised).

    The window store must be buildable (it is reused when it exists); the record is not written here.
    """
    use_home(spec.home)
    task = load_task(spec.task)
    start = time.perf_counter()
    study_params: dict[str, Any] = {"name": spec.dataset}
    key = None
    with PeakMemory() as memory:
        try:
            import lightning as L

            from neuroarena.models.registry import build_model, get_model
            from neuroarena.splits.audit import audit_split
            from neuroarena.splits.splitters import make_splitter
            from neuroarena.training.fit import count_parameters

            study, store = open_store(spec, task)
            study_params = study.params()
            key = spec.key(task, study_params)
            recipe = spec.recipe(task)
            metadata = store.metadata
            splitter = make_splitter(task.split.name, **task.split.params)
            split = splitter.split(metadata)
            audit = audit_split(metadata, split, splitter.forbidden)
            audit.check(str(store.root))
            features = study.stimulus_features() if task.target.kind == "embedding" else None
            targets = make_targets(task, metadata, split, features, str(store.root))
            model_spec = get_model(spec.model)
            L.seed_everything(spec.seed, verbose=False)
            model = build_model(model_spec, n_chans=store.n_chans, n_outputs=targets.n_outputs,
                                n_times=store.n_times, sfreq=store.sfreq, chs_info=store.chs_info,
                                target_kind=targets.kind,
                                params={**_data_params(model_spec, targets), **spec.model_params})
            n_params, n_trainable = count_parameters(model)
            result = _train_and_predict(spec, task, recipe, store, targets, model_spec, model)
            val_pos, val_out = result["outputs"]["val"]
            test_pos, test_out = result["outputs"]["test"]
            status, error = "ok", ""
            val_metrics = targets.score("val", task.metrics, val_out, val_pos)
            metrics = targets.score("test", task.metrics, test_out, test_pos)
            test_items = targets.items("test", test_out, test_pos)
            details = dict(
                primary_metric=task.primary_metric, ceiling=study.ceiling().get(task.primary_metric),
                model_family=model_spec.family, n_params=n_params,
                n_trainable_params=n_trainable, training=result["training"],
                data={"store": str(store.root), "store_hash": store.config_hash, "n_chans": store.n_chans,
                      "n_times": store.n_times, "sfreq": store.sfreq, "n_subjects": len(targets.subjects),
                      "split": audit.to_dict(),
                      "n_evaluated": {"val": len(val_pos), "test": len(test_pos)}},
            )
        except Exception as err:  # a failed job leaves a record with its error
            status = "failed"
            error = str(err) if isinstance(err, NeuroarenaError) else "".join(
                traceback.format_exception_only(type(err), err)).strip()
            metrics, val_metrics, test_items = {}, {}, {}
            details = {"training": {"traceback": traceback.format_exc()}}
            if key is None:
                key = JobKey(task.name, spec.dataset, spec.model, spec.seed, "unresolved")
            recipe = spec.recipe(task)
    return ResultRecord(
        key=key, status=status, error=error, metrics=metrics, val_metrics=val_metrics, test_items=test_items,
        wall_time_s=round(time.perf_counter() - start, 3), peak_memory_mb=round(memory.peak_mb, 1),
        recipe=recipe.model_dump(mode="json"), recipe_overrides=recipe.overrides(), **details,
    )
