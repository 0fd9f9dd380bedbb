"""The Python API the CLI calls: expand a request into jobs, run them, collect the records."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from neuroarena.errors import NeuroarenaError
from neuroarena.home import results_dir
from neuroarena.metrics.normalized import REFERENCE_MODEL
from neuroarena.fileio import clean_home_orphans
from neuroarena.runner.home import check_home, use_home
from neuroarena.runner.job import JobSpec, open_store
from neuroarena.studies.spec import DatasetSpec, dataset_spec
from neuroarena.tasks.config import SplitConfig
from neuroarena.training.recipe import DEFAULT_SEEDS


def expand_jobs(tasks: Sequence[str], models: Sequence[str], dataset: str | Path | DatasetSpec | None = None,
                seeds: Sequence[int] = DEFAULT_SEEDS, debug: bool = False,
                recipe_overrides: dict[str, Any] | None = None, model_params: dict[str, Any] | None = None,
                home: str | Path | None = None,
                notes: Callable[[str], None] = lambda message: None,
                embedder: str | None = None, text_adaptation: str | None = None,
                dataset_params: dict[str, Any] | None = None,
                split: SplitConfig | dict | None = None, target: str | None = None,
                init: str | Path | None = None, multitask: bool = False, aux_weight: float = 0.0,
                autopsy: int = 0, suite: str | None = None) -> list[JobSpec]:
    """Every (task, dataset, model, seed) job of a request, the reference model included.

    A model that cannot predict a task's target kind is skipped on that task with a note; a model named
    explicitly that fits none of the requested tasks is an error. ``embedder`` and ``text_adaptation``
    apply to the tasks with embedding (caption) targets; ``dataset_params`` are set on the dataset of
    every task (its own default when ``dataset`` is None); ``split`` replaces every task's split; ``target``
    the target column of every regression task (none of the tasks regression: an error); ``init`` a
    pretrained checkpoint every trainable net of the request starts from; ``multitask`` trains each net
    once on all the (regression) tasks of the request, a head per task, with an auxiliary correctness head
    of weight ``aux_weight`` when it is above 0 (models that are no trainable net run each task alone);
    ``autopsy`` the test windows each trained net's autopsy examines when its job ends (0: none).
    """
    from neuroarena.models.registry import expand_models, get_model
    from neuroarena.tasks.config import load_task
    from neuroarena.training.recipe import check_overrides

    check_overrides(dict(recipe_overrides or {}))
    configs = {name: load_task(name) for name in tasks}
    datasets = {name: dataset_spec(dataset or config.default_dataset, dataset_params)
                for name, config in configs.items()}
    split = SplitConfig.model_validate(split) if isinstance(split, dict) else split
    names = expand_models(list(models))
    if REFERENCE_MODEL not in names:
        names.append(REFERENCE_MODEL)
    kinds = {config.target.kind for config in configs.values()}
    if target is not None and "regression" not in kinds:
        raise NeuroarenaError(f"--target {target} applies to regression tasks, and none of {list(configs)} is one",
                              fix="leave --target out, or add a regression task (rt, externalizing)")
    for name in models:
        if name in names and not kinds & get_model(name).targets:
            raise NeuroarenaError(f"model '{name}' cannot predict {' or '.join(sorted(kinds))} targets",
                                  fix="choose a model that supports them (`neuroarena list models`)")
    group = _multitask_group(configs, multitask, aux_weight)
    jobs: list[JobSpec] = []
    for task_name in configs:  # --split and --text-adaptation checked before any data is touched
        JobSpec(task=task_name, dataset=datasets[task_name], model=REFERENCE_MODEL, seed=0,
                text_adaptation=text_adaptation if configs[task_name].target.source == "caption" else None,
                split=split).task_config()
    for task_name, task in configs.items():
        for name in names:
            if task.target.kind not in get_model(name).targets:
                notes(f"skipping {name} on {task.name}: it does not predict {task.target.kind} targets")
                continue
            is_embedding = task.target.kind == "embedding"
            is_caption = is_embedding and task.target.source == "caption"
            for seed in seeds:
                jobs.append(JobSpec(task=task_name, dataset=datasets[task_name], model=name,
                                    seed=int(seed), debug=debug, recipe_overrides=dict(recipe_overrides or {}),
                                    model_params=_params_for(name, model_params),
                                    embedder=embedder if is_embedding else None,
                                    text_adaptation=text_adaptation if is_caption else None,
                                    split=split, target=target if task.target.kind == "regression" else None,
                                    init=None if init is None or not get_model(name).trainable
                                    or get_model(name).kind != "net" else str(Path(init).resolve()),
                                    **(dict(multitask=group, aux_weight=float(aux_weight)) if group
                                       and _is_trainable_net(name) else {}),
                                    autopsy=int(autopsy) if _is_trainable_net(name) else 0, suite=suite,
                                    home=None if home is None else str(home)))
    return jobs


def _is_trainable_net(model: str) -> bool:
    from neuroarena.models.registry import get_model

    spec = get_model(model)
    return spec.kind == "net" and spec.trainable


def _multitask_group(configs: dict[str, Any], multitask: bool, aux_weight: float) -> tuple[str, ...]:
    """The tasks a multitask request trains together (empty without ``multitask``), checked."""
    if aux_weight and not multitask:
        raise NeuroarenaError("--aux-weight sets the auxiliary head of multitask nets", fix="add --multitask")
    if not multitask:
        return ()
    if len(configs) < 2:
        raise NeuroarenaError(f"--multitask trains two tasks or more together; got {list(configs)}",
                              fix="name the tasks, e.g. `neuroarena eeg rt externalizing --multitask`")
    others = [name for name, config in configs.items() if config.target.kind != "regression"]
    if others:
        raise NeuroarenaError(f"--multitask trains regression tasks together; {others[0]} is "
                              f"{configs[others[0]].target.kind}", fix="run it in a separate command")
    if not aux_weight >= 0:
        raise NeuroarenaError(f"--aux-weight must be 0 or more, got {aux_weight}", fix="pass e.g. 0.1")
    return tuple(configs)


def _params_for(model: str, model_params: dict[str, Any] | None) -> dict[str, Any]:
    """The user's model parameters that ``model``'s builder takes (e.g. ``adaptation`` for foundation models)."""
    import inspect

    from neuroarena.models.registry import get_model

    if not model_params:
        return {}
    accepted = inspect.signature(get_model(model).resolve_builder()).parameters
    return {k: v for k, v in model_params.items() if k in accepted}


def prepare(task: str, dataset: str | Path | DatasetSpec | None = None, home: str | Path | None = None,
            progress: bool = True, model: str = REFERENCE_MODEL, dataset_params: dict[str, Any] | None = None):
    """Build (or reuse) the window store of ``task`` on ``dataset`` as ``model`` needs it.

    Models with input rules (sampling rate, channel set) get their own store; the default is the task's.
    ``dataset`` and ``dataset_params`` as for :func:`run`.
    Returns the :class:`~neuroarena.prepare.store.WindowStore`.
    """
    from neuroarena.tasks.config import load_task

    root = use_home(home)
    check_home(root)
    clean_home_orphans(root)
    config = load_task(task)
    spec = JobSpec(task=task, dataset=dataset_spec(dataset or config.default_dataset, dataset_params), model=model,
                   seed=0)
    _, store = open_store(spec, config, progress=progress)
    return store


def download(task: str, dataset: str | Path | DatasetSpec | None = None, home: str | Path | None = None,
             dataset_params: dict[str, Any] | None = None) -> None:
    """Download the raw files of ``dataset`` (or the task's default dataset), ``dataset_params`` applied."""
    from neuroarena.tasks.config import load_task

    check_home(use_home(home))
    dataset_spec(dataset or load_task(task).default_dataset, dataset_params).open().download()


def run(task: str | Sequence[str], models: Sequence[str], dataset: str | Path | DatasetSpec | None = None,
        seeds: Sequence[int] = DEFAULT_SEEDS, debug: bool = False, home: str | Path | None = None,
        recipe_overrides: dict[str, Any] | None = None, model_params: dict[str, Any] | None = None,
        retry: bool = False, progress: Callable[[str], None] | None = None, executor: str = "inprocess",
        workers: int = 2, slurm: Any = None, live: bool = False, embedder: str | None = None,
        text_adaptation: str | None = None, dataset_params: dict[str, Any] | None = None,
        split: SplitConfig | dict | None = None, target: str | None = None, init: str | Path | None = None,
        multitask: bool = False, aux_weight: float = 0.0, autopsy: int = 0, suite: str | None = None):
    """Run the benchmark grid and return the records as a DataFrame (one row per job, with its test items).

    Parameters
    ----------
    task : str or list of str
        Task names (``"image"``, ``"category"``) or task YAML paths.
    models : list of str
        Model names or groups (``all_baseline``); ``dummy`` is always added as the reference.
    dataset : str, Path or DatasetSpec, optional
        A registered name (``neuroarena list studies``), a BIDS folder, or a dataset YAML naming a study
        and its parameters; defaults to each task's default dataset.
    seeds : list of int
        One job per seed (default 33, 34, 35).
    debug : bool
        2 epochs of 5 batches on a subsample: a smoke run in seconds.
    home : path, optional
        Root folder for data, caches and results (default ``$NEUROARENA_HOME`` or ``~/.neuroarena``).
    recipe_overrides : dict, optional
        Changes to the training recipe; written into every record.
    model_params : dict, optional
        Builder parameters (e.g. ``{"adaptation": "lora"}``), given to each model whose builder takes them.
    retry : bool
        Run failed jobs again (finished jobs are always skipped).
    progress : callable, optional
        Receives one line per finished or skipped job, and the final counts.
    executor : {"inprocess", "local", "slurm"}
        Where jobs run: one after the other here, on ``workers`` local processes, or as a Slurm
        job array (submitit); every worker writes its record as soon as its job ends.
    workers : int
        Worker processes of the ``local`` executor.
    slurm : SlurmOptions or dict, optional
        Resources of each Slurm job (``partition``, ``gpus``, ``cpus``, ``mem_gb``, ``time``,
        ``array_parallelism``); see :class:`neuroarena.runner.slurm.SlurmOptions`.
    live : bool
        Keep done / running / failed / skipped counts on a live terminal line.
    embedder : str, optional
        Embedder of the targets of embedding tasks (a preset, a local model folder or ``features``);
        default the study's own space, else the task's.
    text_adaptation : {"frozen", "last_layers", "adapters", "lora"}, optional
        How the caption encoder of caption tasks trains with the EEG model (default the task's).
    dataset_params : dict, optional
        Parameters of the study, over the YAML's: ``{"subjects": ["01", "02"], "sessions": [1],
        "layout": "course", ...}``; they enter the store and record hashes.
    split : SplitConfig or dict, optional
        Replaces every task's split, e.g. ``{"name": "cross_subject", "params": {"test_fraction": 0.25}}``.
    target : str, optional
        The target column of every regression task, e.g. ``"p_factor"`` for ``externalizing``; the task is
        then recorded as ``externalizing-p_factor``.
    init : path, optional
        A pretrained checkpoint (``neuroarena pretrain movies``) the trainable nets start from; the record
        says where its weights came from.
    multitask : bool
        Train each net once on all the tasks (regression tasks, e.g. ``["rt", "externalizing"]``), one head
        per task on a shared encoder; each task's record scores its own head (model ``<net>+multitask``).
    aux_weight : float
        With ``multitask``: the weight of an auxiliary head learning whether each contrast-change response was
        correct (training only; 0.1 in the challenge's multitask recipe; 0, the default, adds none).
    autopsy : int
        When above 0, each trained net's job ends with its autopsy on this many test windows (see
        :mod:`neuroarena.diagnostics.autopsy`); a job that was recorded before is skipped, autopsy included
        (``neuroarena autopsy RUN`` examines it).
    suite : str, optional
        The suite the grid belongs to (``name v<version>``, see :func:`run_suite`), kept in every record.
    """
    from neuroarena.results.records import ResultStore
    from neuroarena.report.leaderboard import records_with_items
    from neuroarena.runner.executor import make_executor
    from neuroarena.runner.progress import GridProgress

    root = use_home(home)
    runner = make_executor(executor, workers, slurm)
    say = progress or (lambda message: None)
    tasks = [task] if isinstance(task, str) else list(task)
    jobs = expand_jobs(tasks, models, dataset, seeds, debug, recipe_overrides, model_params, root, notes=say,
                       embedder=embedder, text_adaptation=text_adaptation, dataset_params=dataset_params,
                       split=split, target=target, init=init, multitask=multitask, aux_weight=aux_weight,
                       autopsy=autopsy, suite=suite)
    if autopsy < 0:
        raise NeuroarenaError(f"--autopsy-windows must be at least 1, got {autopsy}", fix="pass e.g. 500")
    check_home(root)
    clean_home_orphans(root)  # what killed runs of this host left half-written
    from neuroarena.hashing import stable_hash
    from neuroarena.tasks.config import load_task

    prepared = set()
    for job in jobs:  # build each distinct store once, here, before jobs run anywhere
        store_id = (stable_hash(job.dataset), stable_hash(job.prepare_config(load_task(job.task))))
        if store_id not in prepared:
            prepare(job.task, job.dataset, progress=progress is not None, model=job.model)
            prepared.add(store_id)
    store = ResultStore(results_dir() / "records")
    with GridProgress(say, live=live) as grid:
        records = runner.run(jobs, store, retry=retry, progress=grid)
    return records_with_items(records)


def suite_counterpart(simulated: str, preset: str) -> str:
    """The offline dataset an entry runs on: ``simulated``, or with ``preset="tiny"`` its ``-tiny`` preset where
    one is registered."""
    from neuroarena.studies.registry import STUDIES

    if preset not in ("default", "tiny"):
        raise NeuroarenaError(f"unknown simulated preset {preset!r} for a suite", fix="use default or tiny")
    tiny = f"{simulated}-tiny"
    return tiny if preset == "tiny" and tiny in STUDIES else simulated


def run_suite(suite: str, models: Sequence[str], simulated: bool | str = False, **kwargs: Any):
    """Run every (task, dataset) entry of ``suite`` and return the records as one DataFrame; each record carries
    the suite's name and version. ``simulated`` (True or ``"default"``) runs each entry's offline counterpart,
    ``"tiny"`` that counterpart's tiny preset where one exists (:func:`suite_counterpart`). ``kwargs`` go to
    :func:`run` (no ``task``, ``dataset``)."""
    import pandas as pd

    from neuroarena.models.registry import expand_models, get_model
    from neuroarena.suites.suite import load_suite
    from neuroarena.tasks.config import load_task

    loaded, say = load_suite(suite), kwargs.get("progress") or (lambda message: None)
    frames = []
    for entry in loaded.entries:
        kind = load_task(entry.task).target.kind
        fitting = [m for m in expand_models(list(models)) if kind in get_model(m).targets]
        for name in sorted(set(expand_models(list(models))) - set(fitting)):
            say(f"skipping {name} on {entry.task}: it does not predict {kind} targets")
        dataset = (suite_counterpart(entry.simulated, "default" if simulated is True else simulated)
                   if simulated else entry.dataset)
        frames.append(run(entry.task, fitting, dataset=dataset, suite=loaded.label, **kwargs))
    return pd.concat(frames, ignore_index=True)
