"""One job: a (task, dataset, model, seed) run from the window store to a result record."""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from neuroarena.errors import NeuroarenaError
from neuroarena.fileio import scratch_dir
from neuroarena.hashing import stable_hash
from neuroarena.home import cache_dir
from neuroarena.metrics.registry import metric_info
from neuroarena.results.records import JobKey, ResultRecord
from neuroarena.runner.memory import PeakMemory
from neuroarena.runner.analyses import image_reference, test_analyses
from neuroarena.runner.ceiling import dummy_score, oracle_ceiling, reference_scores
from neuroarena.runner.checkpoints import keep_checkpoint
from neuroarena.runner.stimulus_spaces import job_spaces
from neuroarena.runner.targets import TaskTargets, make_targets, scoring_caveats
from neuroarena.targets.embeddings import StimulusEmbeddings
from neuroarena.prepare.config import PrepareConfig
from neuroarena.runner.home import use_home
from neuroarena.studies.spec import DatasetSpec
from neuroarena.tasks.config import SplitConfig, TaskConfig, load_task
from neuroarena.training.recipe import DEBUG_OVERRIDES, Recipe


@dataclass(frozen=True)
class JobSpec:
    """Everything a job needs; picklable, so any executor (local process, Slurm) can ship it.

    ``dataset`` is the study and its parameters (``--dataset``, ``--subjects``, ...); ``model_params`` go
    to the model's builder (e.g. an adaptation preset); ``embedder`` replaces the embedder of the task's
    targets (``--embedder``), ``text_adaptation`` how its caption encoder trains (``--text-adaptation``),
    ``split`` the task's split (``--split``) and ``target`` the events column of a regression task's target
    (``--target``; the task is then named ``<task>-<column>``, so its records never mix with the default's),
    ``init`` a pretrained checkpoint the net starts from (``--init``; its content enters the job's hash, and
    the record's model reads ``<model>+init-<first 8 hex of its sha256>``, a row of its own), ``multitask``
    the group of regression tasks the net learns together with this one, a head each (``--multitask``; the
    model reads ``<model>+multitask``, see :mod:`~neuroarena.runner.multitask`) and ``aux_weight`` the weight of
    its auxiliary correctness head (``--aux-weight``; 0: none; ``<model>+multitask+aux``); ``autopsy`` the
    number of test windows a trained net's autopsy examines when the job ends (``--autopsy``; 0: none; see
    :mod:`~neuroarena.diagnostics.autopsy`; it changes no result, so it is not in the hash); ``suite`` the
    suite the job ran in (``name v<version>``, kept in the record; not in the hash: one job, many suites);
    ``home`` is the root folder, carried explicitly so a job on another machine writes where its controller
    reads.
    """

    task: str
    dataset: DatasetSpec | str
    model: str
    seed: int
    debug: bool = False
    recipe_overrides: dict[str, Any] = field(default_factory=dict)
    model_params: dict[str, Any] = field(default_factory=dict)
    embedder: str | None = None
    text_adaptation: str | None = None
    split: SplitConfig | None = None
    target: str | None = None
    init: str | None = None
    multitask: tuple[str, ...] = ()
    aux_weight: float = 0.0
    autopsy: int = 0
    suite: str | None = None
    home: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.dataset, DatasetSpec):  # a name, folder or YAML, resolved once
            from neuroarena.studies.spec import dataset_spec

            object.__setattr__(self, "dataset", dataset_spec(self.dataset))

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-able values (kept in the record: :meth:`from_dict` rebuilds the job from it)."""
        from dataclasses import asdict

        data = asdict(self)
        data["dataset"] = self.dataset.model_dump(mode="json")
        data["split"] = None if self.split is None else self.split.model_dump(mode="json")
        data["multitask"] = list(self.multitask)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "JobSpec":
        """The spec :meth:`to_dict` wrote."""
        values = dict(data)
        values["dataset"] = DatasetSpec.model_validate(values["dataset"])
        values["split"] = None if values.get("split") is None else SplitConfig.model_validate(values["split"])
        values["multitask"] = tuple(values.get("multitask") or ())
        return cls(**values)

    def task_config(self) -> TaskConfig:
        """The task, with ``text_adaptation``, ``split`` and ``target`` applied."""
        task = load_task(self.task)
        if self.text_adaptation is None and self.split is None and self.target in (None, task.target.column):
            return task
        data = task.model_dump()
        if self.text_adaptation is not None:
            data["target"]["text_adaptation"] = {"method": self.text_adaptation}
        if self.split is not None:
            data["split"] = self.split.model_dump()
        if self.target not in (None, task.target.column):
            if task.target.kind != "regression":
                raise NeuroarenaError(f"--target {self.target} applies to regression tasks, not {task.name}",
                                      fix="leave --target out, or run a regression task (rt, externalizing)")
            data["target"]["column"], data["name"] = self.target, f"{task.name}-{self.target}"
        try:
            return TaskConfig.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            raise NeuroarenaError(f"task {task.name} with --split/--text-adaptation: "
                                  f"{first['msg'].removeprefix('Value error, ')}",
                                  fix="choose a known splitter and its parameters") from None

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

    def key(self, task: TaskConfig, study_params: dict[str, Any], spaces: dict[str, Any] | None = None,
            store: str | None = None) -> JobKey:
        """The job's record key; the hash covers task, data, preprocessing, model, its parameters, recipe,
        the embedding spaces of the targets (``spaces``) and the key of the window store it reads (``store``,
        :func:`~neuroarena.prepare.build.store_key`: it follows the study's files, so a job on edited data is
        a new job)."""
        config = {
            "store": store,
            "spaces": spaces or {},
            "task": task.model_dump(mode="json", exclude={"recipe", "prepare"}),
            "prepare": self.prepare_config(task).model_dump(mode="json"),
            "recipe": self.recipe(task).model_dump(mode="json"),
            "dataset": study_params,
            "model": self.model,
            "model_params": self.model_params,
        }
        model = self.model
        if self.init is not None:  # a net started from a checkpoint is its own row: eegnex+init-<hash>
            from neuroarena.prepare.store import file_sha256

            config["init"] = file_sha256(self.init)
            model = f"{self.model}+init-{config['init'][:8]}"
        if self.multitask:
            config["multitask"] = {"tasks": list(self.multitask), "aux_weight": self.aux_weight}
            model += "+multitask" + ("+aux" if self.aux_weight else "")
        return JobKey(task.name, self.dataset.label, model, self.seed, stable_hash(config))


def open_store(spec: JobSpec, task: TaskConfig, progress: bool = False):
    """The study and the window store of ``spec`` (built when missing, reused when present)."""
    from neuroarena.prepare.build import build_store

    study = spec.dataset.open()
    return study, build_store(study, spec.prepare_config(task), cache_dir(), progress=progress)


def _audited_split(task: TaskConfig, metadata: "pd.DataFrame", root: str):
    """The task's split of ``metadata`` and its audit, checked (a leak stops the job)."""
    from neuroarena.splits.audit import SAMPLES, audit_split
    from neuroarena.splits.splitters import make_splitter

    splitter = make_splitter(task.split.name, **task.split.params)
    split = splitter.split(metadata)
    forbidden = (*splitter.forbidden, *((SAMPLES,) if splitter.forbid_shared_samples else ()))
    audit = audit_split(metadata, split, forbidden, window_duration=task.prepare.window_duration,
                        forbidden_from_test=splitter.forbidden_from_test)
    audit.check(root)
    return split, audit


def _joint_tasks(spec: JobSpec, task: TaskConfig, store, targets: TaskTargets):
    """The multitask group of ``spec``: its own task's data, and each other task's store, split and targets."""
    from dataclasses import replace

    from neuroarena.prepare.build import store_key
    from neuroarena.runner.multitask import JointMember, JointTasks, check_group

    primary = check_group(spec.multitask, spec.task)
    members = []
    for name in spec.multitask:
        other = replace(spec, task=name)
        other_task = task if name == spec.task else other.task_config()
        study, other_store = open_store(other, other_task)
        if name == spec.task:
            other_targets = targets
        else:
            split, _ = _audited_split(other_task, other_store.metadata, str(other_store.root))
            other_targets = make_targets(other_task, other_store.metadata, split, None, str(other_store.root))
        members.append(JointMember(other_task, other_store, other_targets,
                                   store_key(study, other.prepare_config(other_task))))
    return JointTasks(members, primary, spec.aux_weight)


def _tables(task: TaskConfig, study, spaces: dict[str, dict], stimuli) -> dict[str, "pd.DataFrame"]:
    """The stimulus tables of the job's embedding spaces (see :func:`~neuroarena.runner.stimulus_spaces.job_spaces`)."""
    from neuroarena.runner.stimulus_spaces import embedding_table

    sources = {"target": task.target.source, "reference": "image"}
    return {role: embedding_table(study, space["name"], sources[role], stimuli) for role, space in spaces.items()}


def _data_params(model_spec, n_subjects: int) -> dict[str, Any]:
    """Builder arguments that come from the data rather than the user: ``n_subjects`` for subject layers."""
    import inspect

    takes = inspect.signature(model_spec.resolve_builder()).parameters
    return {"n_subjects": n_subjects} if "n_subjects" in takes else {}


def _parts(store, targets: TaskTargets) -> dict:
    from neuroarena.training.data import WindowBatches

    return {p: WindowBatches(store, targets.windows[p], targets.y[p], targets.subject[p], targets.extras.get(p))
            for p in ("train", "val", "test")}


def _caption_encoder(task: TaskConfig, targets: TaskTargets, captions, embedder: str):
    """The trainable caption targets of a task whose text encoder adapts, or None when it is frozen."""
    adaptation = task.target.text_adaptation
    if adaptation.method == "frozen":
        return None
    from neuroarena.models.text_tower import TextTower
    from neuroarena.targets.embedders import resolve_embedder
    from neuroarena.training.caption_targets import CaptionTargets

    if embedder == "features":
        raise NeuroarenaError("text adaptation needs a text model as the caption embedder, not 'features'",
                              fix="pass --embedder minilm (or clip-text) with --text-adaptation")
    from neuroarena.targets.embedders.locate import model_location

    config = resolve_embedder(embedder)
    tower = TextTower(model_location(config.model), adaptation.method, **adaptation.params)
    texts = captions.reindex(targets.embeddings.ids).fillna("").astype(str).tolist()
    if not all(texts):
        raise NeuroarenaError("some stimuli have no caption for the text encoder to embed",
                              fix="use a study whose stimuli all have captions")
    return CaptionTargets(tower, texts)


@dataclass
class JobContext:
    """What a job's net trains and is scored on: the task, study, window store, split and targets.

    ``tables`` are the stimulus tables of the embedding spaces, ``captions`` the stimuli's captions (caption
    tasks) and ``encoder`` the trainable caption targets (None when the text encoder is frozen).
    """

    task: TaskConfig
    study: Any
    store: Any
    spaces: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    split: Any
    audit: Any
    targets: TaskTargets
    captions: pd.Series | None
    encoder: Any


def job_context(spec: JobSpec, task: TaskConfig | None = None, study=None, store=None,
                spaces: dict[str, Any] | None = None) -> JobContext:
    """The :class:`JobContext` of ``spec``; ``study``, ``store`` and ``spaces`` are opened when not given.

    The split is audited: a leak is an error, as in the job itself."""
    task = spec.task_config() if task is None else task
    if study is None or store is None:
        study, store = open_store(spec, task)
    spaces = job_spaces(task, study, spec.embedder) if spaces is None else spaces
    needs_stimuli = task.target.source == "caption" or any(s["name"] != "features" for s in spaces.values())
    stimuli = study.stimuli() if spaces and needs_stimuli else None
    tables = _tables(task, study, spaces, stimuli)
    split, audit = _audited_split(task, store.metadata, str(store.root))
    targets = make_targets(task, store.metadata, split, tables.get("target"), str(store.root),
                           reference_table=tables.get("reference"))
    captions = stimuli["caption"] if stimuli is not None and task.target.source == "caption" else None
    encoder = _caption_encoder(task, targets, captions, spaces.get("target", {}).get("name", ""))
    return JobContext(task, study, store, spaces, tables, split, audit, targets, captions, encoder)


def _train_and_predict(spec: JobSpec, task: TaskConfig, recipe: Recipe, store, targets: TaskTargets,
                       model_spec, model, encoder=None) -> dict[str, Any]:
    """Fit ``model`` on train (monitoring val) and return val/test outputs and training facts.

    ``encoder`` (:class:`CaptionTargets`) trains with a net and replaces the targets' embeddings with its
    own at each validation and after training.
    """
    from neuroarena.training.fit import fit_net, predict_net
    from neuroarena.training.module import DecoderModule
    from neuroarena.training.objective import make_objective

    parts = _parts(store, targets)
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

    n_classes = len(targets.categories) if targets.categories else (
        targets.n_outputs if targets.kind == "classification" else None)
    objective = make_objective(task.objective, dim=targets.n_outputs, n_classes=n_classes,
                               available_keys={"y", "subject", *targets.extras.get("train", {})})

    def refresh_candidates() -> None:
        if encoder is not None:
            targets.embeddings = StimulusEmbeddings(
                pd.DataFrame(encoder.embed_all(), index=targets.embeddings.ids))

    def monitor(outputs: np.ndarray, positions: np.ndarray) -> float:
        refresh_candidates()
        return targets.score("val", [task.monitor], outputs, positions)[task.monitor]

    training: dict[str, Any] = {}
    if encoder is not None:
        training["text_encoder"] = {"adaptation": task.target.text_adaptation.method,
                                    "n_trainable_params": int(encoder.tower.n_trainable())}
    training["objective"] = {"terms": objective.names, "weights": objective.weights}
    with scratch_dir(cache_dir(), "neuroarena-job-") as workdir:  # what a killed job left there goes first
        if model_spec.trainable:
            fit = fit_net(model, parts["train"], parts["val"], objective, monitor, recipe, spec.seed, workdir,
                          target_encoder=encoder,
                          monitor_mode="max" if metric_info(task.monitor).higher_is_better else "min")
            module = fit.module
            training |= {"epochs": fit.epochs, "best_epoch": fit.best_epoch, "best_val_monitor": fit.best_monitor,
                         "history": fit.history, "gradient_flow": fit.gradient_flow}
        else:
            module = DecoderModule(model, objective, recipe, 1, monitor, target_encoder=encoder)
            training |= {"epochs": 0, "note": "untrained: evaluated at its seeded initialisation"}
        out = {part: predict_net(module, parts[part], recipe, workdir) for part in ("val", "test")}
    refresh_candidates()
    return {"outputs": out, "training": training, "net": module.net if model_spec.trainable else None}


def run_job(spec: JobSpec) -> ResultRecord:
    """Run one job and return its record (``status="failed"`` with the error if it raised).

    The window store must be buildable (it is reused when it exists); the record is not written here.
    """
    use_home(spec.home)
    task = spec.task_config()
    start = time.perf_counter()
    study_params: dict[str, Any] = {"name": spec.dataset.label}
    key = None
    with PeakMemory() as memory:
        try:
            import lightning as L

            from neuroarena.models.registry import build_model, get_model
            from neuroarena.prepare.build import store_key
            from neuroarena.prepare.store import file_sha256
            from neuroarena.training.fit import count_parameters

            study, store = open_store(spec, task)
            study_params = study.params()
            spaces = job_spaces(task, study, spec.embedder)
            key = spec.key(task, study_params, spaces, store_key(study, spec.prepare_config(task)))
            recipe = spec.recipe(task)
            context = job_context(spec, task, study, store, spaces)
            tables, metadata, audit = context.tables, store.metadata, context.audit
            targets, captions, encoder = context.targets, context.captions, context.encoder
            model_spec = get_model(spec.model)
            joint = _joint_tasks(spec, task, store, targets) if spec.multitask else None
            n_outputs = joint.n_outputs if joint else targets.n_outputs
            data_params = _data_params(model_spec, len(joint.subjects if joint else targets.subjects))
            L.seed_everything(spec.seed, verbose=False)
            model = build_model(model_spec, n_chans=store.n_chans, n_outputs=n_outputs,
                                n_times=store.n_times, sfreq=store.sfreq, chs_info=store.chs_info,
                                target_kind=targets.kind, params={**data_params, **spec.model_params})
            init = None
            if spec.init is not None:
                from neuroarena.runner.checkpoints import load_checkpoint
                from neuroarena.runner.pretrain import initialise_from

                init = {"path": spec.init, **initialise_from(model, load_checkpoint(spec.init), spec.model,
                                                             store.n_chans, store.n_times, store.sfreq)}
            n_params, n_trainable = count_parameters(model)
            if joint is not None:
                from neuroarena.runner.multitask import train_jointly

                shared = stable_hash({"group": joint.config(), "model": spec.model, "seed": spec.seed,
                                      "model_params": spec.model_params, "recipe": recipe.model_dump(mode="json"),
                                      "init": spec.init and file_sha256(spec.init)})
                with scratch_dir(cache_dir(), "neuroarena-job-") as workdir:
                    result = train_jointly(joint, model, recipe, spec.seed, workdir, shared, spec.model)
            else:
                result = _train_and_predict(spec, task, recipe, store, targets, model_spec, model, encoder)
            if init is not None:
                result["training"]["init"] = init
            val_pos, val_out = result["outputs"]["val"]
            test_pos, test_out = result["outputs"]["test"]
            status, error = "ok", ""
            val_metrics = targets.score("val", task.metrics, val_out, val_pos)
            metrics = targets.score("test", task.metrics, test_out, test_pos)
            test_items = targets.items("test", test_out, test_pos)
            analyses = test_analyses(task, targets, test_out, test_pos, captions)
            prepare = spec.prepare_config(task)
            oracle = oracle_ceiling(task, study, targets, metadata, prepare, test_pos)
            if oracle is not None:
                analyses["oracle"] = oracle
            if "reference" in tables and task.target.source == "caption":
                analyses["image_reference"] = image_reference(task, targets, tables["reference"],
                                                              spaces["reference"]["zero_shot"], test_pos)
            ceiling = (oracle or analyses.get("image_reference", {})).get("metrics", {}).get(task.primary_metric)
            limit = None if recipe.limit_train_batches is None else recipe.limit_train_batches * recipe.batch_size
            reference = reference_scores(task.primary_metric, metrics[task.primary_metric],
                                         dummy_score(task, targets, test_pos, limit), ceiling)
            if encoder is not None and model_spec.trainable:  # the text encoder trains with the net
                n_trainable += int(encoder.tower.n_trainable())
            if result.get("net") is not None:
                result["training"]["checkpoint"] = keep_checkpoint(
                    key, result["net"], model=spec.model, model_params={**data_params, **spec.model_params},
                    store=store, targets=targets, output=None if joint is None else joint.primary,
                    n_outputs=n_outputs)
            details = dict(
                primary_metric=task.primary_metric, ceiling=ceiling, reference=reference,
                model_family=model_spec.family, n_params=n_params,
                n_trainable_params=n_trainable, training=result["training"], analyses=analyses,
                data={"job": spec.to_dict(), "store": str(store.root), "store_hash": store.config_hash,
                      "n_chans": store.n_chans, "n_times": store.n_times, "sfreq": store.sfreq,
                      "n_subjects": len(targets.subjects), "preprocessing": store.manifest.get("adapted", []),
                      "skipped": store.manifest.get("skipped", []), **({"excluded": targets.excluded}
                                                                         if targets.excluded else {}),
                      "spaces": spaces, "split": audit.to_dict(),
                      **({"caveats": caveats} if (caveats := scoring_caveats(targets, test_pos)) else {}),
                      "n_evaluated": {"val": len(val_pos), "test": len(test_pos)}},
            )
        except Exception as err:  # a failed job leaves a record with its error
            from neuroarena.doctor import environment_error
            from neuroarena.runner.home import write_error

            status = "failed"
            written = write_error(err) if isinstance(err, OSError) else None
            error = str(err) if isinstance(err, NeuroarenaError) else str(written) if written else \
                environment_error(err) or "".join(traceback.format_exception_only(type(err), err)).strip()
            metrics, val_metrics, test_items = {}, {}, {}
            details = {"training": {"traceback": traceback.format_exc()}}
            if key is None:
                key = JobKey(task.name, spec.dataset.label, spec.model, spec.seed, "unresolved")
            recipe = spec.recipe(task)
    record = ResultRecord(
        key=key, status=status, error=error, metrics=metrics, val_metrics=val_metrics, test_items=test_items,
        wall_time_s=round(time.perf_counter() - start, 3), peak_memory_mb=round(memory.peak_mb, 1),
        recipe=recipe.model_dump(mode="json"), recipe_overrides=recipe.overrides(), **details,
    )
    if spec.autopsy and status == "ok" and result.get("net") is not None:
        net = result["net"]
        if joint is not None:  # the job's own task's column of the multitask net
            from neuroarena.training.multitask import OutputColumn

            net = OutputColumn(net, joint.primary)
        record.training["autopsy"] = _autopsy(spec, record, net, context)
    return record


def _autopsy(spec: JobSpec, record: ResultRecord, net, context: JobContext) -> dict[str, Any]:
    """Examine the job's trained net (``--autopsy``): the folder written (relative to the results folder) and
    the seconds it took, or the error that stopped it (the job's result stands either way)."""
    from neuroarena.diagnostics.autopsy import AutopsyOptions, autopsy_folder, examine, write_autopsy
    from neuroarena.home import results_dir
    from neuroarena.results.lookup import record_path

    start = time.perf_counter()
    try:
        report = examine(net, context, record, AutopsyOptions(n_windows=spec.autopsy, seed=spec.seed))
        folder = write_autopsy(report, autopsy_folder(record_path(record)), context.store.chs_info,
                               context.store.sfreq)
    except Exception as err:  # noqa: BLE001 - the autopsy never fails the job
        return {"error": f"{type(err).__name__}: {err}"}
    return {"folder": str(folder.relative_to(results_dir())), "seconds": round(time.perf_counter() - start, 3)}
