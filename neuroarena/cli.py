"""The ``neuroarena`` command: parse, then call the Python API. Heavy imports happen inside commands."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from neuroarena import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuroarena",
        description="Benchmark AI models of brain activity: one command per task, honest splits, comparable scores.",
    )
    parser.add_argument("--version", action="version", version=f"neuroarena {__version__}")
    parser.add_argument("--home", help="root folder for data, caches and results "
                                       "(default: $NEUROARENA_HOME or ~/.neuroarena)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lister = sub.add_parser("list", help="list tasks, models, studies, alignment benchmarks or models of vision")
    lister.add_argument("what", choices=["tasks", "models", "studies", "suites", "benchmarks", "vision"])

    eeg = sub.add_parser("eeg", help="run EEG decoding tasks", description="Run EEG decoding tasks: "
                         "prepare the data, train and test every model with every seed, print the leaderboard.")
    eeg.add_argument("tasks", nargs="+", metavar="TASK",
                     help="task names (see `neuroarena list tasks`), YAML paths, or one suite (`neuroarena list "
                          "suites`: core, full, or a suite file): its (task, dataset) entries")
    eeg.add_argument("--simulated", nargs="?", const="default", choices=["default", "tiny"], default=None,
                     help="with a suite: run every entry on its offline counterpart (simulated studies); "
                          "`--simulated tiny`: their tiny presets where one exists (smoke runs)")
    data = eeg.add_argument_group("data")
    data.add_argument("--dataset", metavar="NAME|FOLDER|FILE.yaml",
                      help="a registered dataset (`neuroarena list studies`; `simulated` runs offline), a BIDS "
                           "folder, or a dataset YAML naming a study and its parameters (default: the task's own)")
    data.add_argument("--subjects", nargs="+", metavar="SUBJECT", help="only these subjects (e.g. 01 02 or 1 2)")
    data.add_argument("--sessions", nargs="+", metavar="SESSION", help="only these sessions")
    data.add_argument("--dataset-param", nargs="+", metavar="KEY=VALUE", dest="dataset_param",
                      help="any parameter of the study, the value read as YAML: layout=course, task=erp, "
                           "'event_columns={trial_type: category}' (recorded; over a dataset YAML's)")
    data.add_argument("--skip-unreadable", action="store_true", dest="skip_unreadable",
                      help="leave out recordings that cannot be read, with a warning and a count in every record "
                           "(default: stop on the first one)")
    data.add_argument("--split", metavar="SPLITTER",
                      help="replace the task's split: predefined, leave_concept_out, cross_subject, within_subject, "
                           "by_session, by_release (recorded)")
    data.add_argument("--split-param", nargs="+", metavar="KEY=VALUE", dest="split_param",
                      help="parameters of --split, e.g. test_fraction=0.25 seed=1")
    eeg.add_argument("-m", "--models", nargs="+", default=["all_baseline"], metavar="MODEL",
                     help="models or groups: all_baseline, all_classic, all (default: all_baseline)")
    eeg.add_argument("--seeds", nargs="+", type=int, metavar="SEED", help="seeds (default: 33 34 35)")
    eeg.add_argument("--prepare", action="store_true", help="only build the preprocessed window cache")
    eeg.add_argument("--download", action="store_true", help="download the dataset's raw files first")
    eeg.add_argument("--debug", action="store_true", help="2 epochs x 5 batches on a subsample, one seed")
    eeg.add_argument("--retry", action="store_true", help="run failed jobs again")
    eeg.add_argument("--max-epochs", type=int, help="override the recipe's epoch limit (recorded)")
    eeg.add_argument("--batch-size", type=int, help="override the recipe's batch size (recorded)")
    eeg.add_argument("--lr", type=float, help="override the recipe's learning rate (recorded)")
    eeg.add_argument("--adaptation", choices=["full", "linear_probe", "lora"],
                     help="how foundation models adapt: full fine-tuning, linear probe or LoRA (recorded)")
    eeg.add_argument("--embedder", help="embedder of image/caption targets: a preset (dinov2, clip-image, clip-text, "
                     "minilm, efficientnet-lite0), a local model folder, or `features` (recorded)")
    eeg.add_argument("--text-adaptation", choices=["frozen", "last_layers", "adapters", "lora"],
                     help="how the caption encoder trains with the EEG model on caption tasks (recorded)")
    eeg.add_argument("--target", metavar="COLUMN",
                     help="the target of regression tasks, e.g. p_factor, attention or internalizing for "
                     "externalizing (recorded as task externalizing-<COLUMN>)")
    eeg.add_argument("--init", metavar="CHECKPOINT",
                     help="start the nets from a pretrained checkpoint (`neuroarena pretrain movies`; recorded)")
    eeg.add_argument("--multitask", action="store_true",
                     help="train each net once on all the (regression) tasks, a head per task on one encoder; "
                          "each task scores its own head (recorded as <net>+multitask)")
    eeg.add_argument("--aux-weight", type=float, default=0.0, dest="aux_weight", metavar="WEIGHT",
                     help="with --multitask: an auxiliary head learning whether each contrast-change response "
                          "was correct, training only, at this loss weight (e.g. 0.1; default 0: none)")
    eeg.add_argument("--autopsy", action="store_true",
                     help="end each trained net's job with its autopsy (see `neuroarena autopsy --help`), written "
                          "next to its record")
    eeg.add_argument("--autopsy-windows", type=int, default=500, dest="autopsy_windows", metavar="N",
                     help="test windows the autopsy examines (default 500)")
    eeg.add_argument("--pretrained", action=argparse.BooleanOptionalAction, default=None,
                     help="foundation models start from their pretrained weights (default) or from scratch")
    _add_executor_options(eeg)
    eeg.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)

    from neuroarena.alignment.commands import add_align_parser
    from neuroarena.challenges.commands import add_score_parser, add_submit_parser
    from neuroarena.diagnostics.tune_command import add_tune_parser

    add_align_parser(sub, _add_executor_options)
    add_score_parser(sub)
    add_submit_parser(sub)
    add_tune_parser(sub)

    pretrain = sub.add_parser("pretrain", help="pretrain an encoder across subjects",
                              description="Pretrain an encoder across subjects; writes a checkpoint for --init.")
    kinds = pretrain.add_subparsers(dest="pretraining", required=True, metavar="KIND")
    movies = kinds.add_parser("movies", help="contrastive: two subjects' EEG at the same movie time agree",
                              description="Cross-subject contrastive pretraining on the movies every subject "
                                          "watched (InfoNCE, learnable temperature); the test releases never enter.")
    movies.add_argument("--dataset", default="simulated-hbn", help="hbn or simulated-hbn (default)")
    movies.add_argument("--dataset-param", nargs="+", metavar="KEY=VALUE", dest="dataset_param",
                        help="parameters of the study, the value read as YAML (e.g. releases=[R1,R2] mini=true)")
    movies.add_argument("-m", "--model", required=True, help="the encoder: any net of the zoo, e.g. eegnex")
    movies.add_argument("--seed", type=int, default=0)
    movies.add_argument("--emb-dim", type=int, default=128, dest="emb_dim", help="embedding width (default 128)")
    movies.add_argument("--test-releases", nargs="+", default=["R5"], dest="test_releases", metavar="RELEASE",
                        help="releases left out of pretraining (default: R5, the challenge's test release)")
    movies.add_argument("--val-fraction", type=float, default=0.2, dest="val_fraction",
                        help="share of the subjects that validates (default 0.2)")
    movies.add_argument("--max-epochs", type=int, help="override the recipe's epoch limit")
    movies.add_argument("--batch-size", type=int, help="override the recipe's batch size (even)")
    movies.add_argument("--lr", type=float, help="override the recipe's learning rate")
    movies.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)

    autopsy = sub.add_parser(
        "autopsy", help="why a trained net scores what it scores: predictions, gradients, attributions, ablations",
        description="Examine a finished run's best checkpoint on its test windows: predictions against the dummy, "
                    "gradient flow, dead and saturated units, Integrated Gradients and GradCAM (with a scalp map), "
                    "region and time ablations, failure modes and recommendations. Writes autopsy.md, "
                    "autopsy.json and PNG plots to autopsy/<record>/ next to the run's record.")
    autopsy.add_argument("run", metavar="RUN", help="a record's .json path, or task/dataset/model/seed "
                                                    "(e.g. category/simulated/eegnet/33)")
    autopsy.add_argument("--windows", type=int, default=500, help="test windows to examine (default 500)")
    autopsy.add_argument("--steps", type=int, default=16, help="Integrated Gradients steps (default 16)")
    autopsy.add_argument("--segments", type=int, default=5, help="time segments to ablate (default 5)")
    autopsy.add_argument("--worst", type=int, default=10, help="worst items to list (default 10)")
    autopsy.add_argument("--seed", type=int, default=0, help="seed of the window sample (default 0)")
    autopsy.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)

    doctor = sub.add_parser("doctor", help="check what a run needs: torch and torchaudio, GPU, chromium, home, disk",
                            description="Check the installation and the machine; one line per check, a fix for "
                                        "each problem; exit code 1 when there is a problem.")
    doctor.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)

    report = sub.add_parser("report", help="print the leaderboard and write markdown and CSV")
    report.add_argument("--out", help="folder for leaderboard.md/.csv (default: <home>/results/report)")
    report.add_argument("--suite", help="also print this suite's cross-task ranking (e.g. core)")
    report.add_argument("--rank-benchmarks", action="store_true", dest="rank_benchmarks",
                        help="also print the alignment benchmarks ordered by their mean ceiled score over the models "
                             "(hardest first), with a bootstrap interval over models")
    report.add_argument("--home", dest="sub_home", help=argparse.SUPPRESS)
    return parser


def _add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--executor``, ``--workers`` and the Slurm options of a command that runs a grid."""
    runs = parser.add_argument_group("where jobs run")
    runs.add_argument("--executor", choices=["inprocess", "local", "slurm"], default="inprocess",
                      help="inprocess: one job after the other (default); local: --workers processes; "
                           "slurm: one job array through submitit")
    runs.add_argument("--workers", type=int, help="worker processes of --executor local (default: 2)")
    runs.add_argument("--partition", help="Slurm partition (default: the cluster's)")
    runs.add_argument("--gpus", type=int, help="GPUs per Slurm job (default: 0)")
    runs.add_argument("--cpus", type=int, help="CPU cores per Slurm job (default: 4)")
    runs.add_argument("--mem", type=float, metavar="GB", help="memory per Slurm job in GB (default: the cluster's)")
    runs.add_argument("--time", help="time limit per Slurm job: minutes or [D-]HH:MM:SS (default: 240)")
    runs.add_argument("--array-parallelism", type=int, metavar="N",
                      help="at most N Slurm jobs of the array run at once (default: 64)")


def _list(what: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None)
    if what == "tasks":
        from neuroarena.tasks.config import load_task, task_files

        for col in ("task", "target", "metric", "default dataset", "description"):
            table.add_column(col)
        for name in task_files():
            t = load_task(name)
            table.add_row(name, t.target.kind, t.primary_metric, t.default_dataset, t.description)
    elif what == "models":
        from neuroarena.models.registry import list_models

        for col in ("model", "family", "kind", "targets", "description"):
            table.add_column(col, no_wrap=col == "model")
        for m in list_models():
            table.add_row(m.name, m.family, m.kind, ",".join(sorted(m.targets)), m.description)
    elif what == "suites":
        from neuroarena.suites.suite import load_suite, suite_names

        for col in ("suite", "version", "task", "category", "dataset", "offline"):
            table.add_column(col, no_wrap=True)
        for name in (n for n in suite_names() if n not in ("core",)):
            suite = load_suite(name)
            for entry in suite.entries:
                table.add_row(suite.name, str(suite.version), entry.task, entry.category, entry.dataset,
                              entry.simulated)
    elif what in ("benchmarks", "vision"):
        from neuroarena.alignment.commands import list_alignment

        list_alignment(what, table)
    else:
        from neuroarena.studies.registry import STUDIES

        table.add_column("dataset")
        table.add_column("description")
        for name, (_, _, description) in STUDIES.items():
            table.add_row(name, description)
    Console().print(table)


def _print_leaderboard(table, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from neuroarena.report.leaderboard import fmt

    out = Table(title=title)
    columns = ("task", "dataset", "model", "metric", "mean ± std", "95% CI", "subjects sd", "seeds", "normalized",
               "ceiling", "to ceiling", "rank")
    for col in columns:
        named = col in ("task", "dataset", "model", "metric")
        out.add_column(col, justify="left" if named else "right", no_wrap=named)
    for _, r in table.iterrows():
        out.add_row(r["task"], r["dataset"], r["model"], r["metric"], f"{r['mean']:.3f} ± {r['std']:.3f}",
                    f"{fmt(r['ci_low'])}–{fmt(r['ci_high'])}", fmt(r["subject_sd"]), str(r["n_seeds"]),
                    fmt(r["normalized"]), fmt(r["ceiling"]), fmt(r["ceiling_normalized"]), f"{r['rank']:g}")
    console = Console()
    Console(width=max(console.width, 150)).print(out)
    _print_challenge(table)


def _print_challenge(table) -> None:
    """The EEG Foundation Challenge 2025 table (C1, C2, overall) and the published reference rows, when a
    model ran both challenges."""
    from rich.console import Console
    from rich.table import Table

    from neuroarena.challenges.eeg2025 import PUBLISHED, overall_table

    overall = overall_table(table) if len(table) else None
    if overall is None or overall.empty:
        return
    out = Table(title="EEG Foundation Challenge 2025 (NRMSE, lower is better; overall = 0.3 C1 + 0.7 C2)")
    for col in ("dataset", "model", "C1 (rt)", "C2 (externalizing)", "overall"):
        out.add_column(col, justify="left" if col in ("dataset", "model") else "right")
    for _, r in overall.iterrows():
        out.add_row(r["dataset"], r["model"], f"{r['challenge_1']:.5f}", f"{r['challenge_2']:.5f}",
                    f"{r['overall']:.5f}")
    out.add_section()
    for label, c1, c2, total in PUBLISHED:  # reference values: never ranked with the measured rows
        out.add_row("published", label, *("-" if v is None else f"{v:.5f}" for v in (c1, c2, total)),
                    style="dim")
    Console().print(out)


def _eeg(args: argparse.Namespace) -> None:
    from rich.console import Console

    from neuroarena.runner import api

    console = Console(stderr=True)
    data = _data_options(args)
    if args.download:
        for task in args.tasks:
            api.download(task, args.dataset, dataset_params=data["dataset_params"])
    if args.prepare:
        for task in args.tasks:
            store = api.prepare(task, args.dataset, progress=True, dataset_params=data["dataset_params"])
            console.print(f"{task}: {len(store)} windows x {store.n_chans} channels x {store.n_times} samples "
                          f"at {store.sfreq:g} Hz in {store.root}")
        return
    overrides = _recipe_overrides(args)
    seeds = args.seeds or ([33] if args.debug else None)
    kwargs = {"seeds": seeds} if seeds else {}
    model_params = {k: v for k, v in (("adaptation", args.adaptation), ("pretrained", args.pretrained))
                    if v is not None}
    options = dict(debug=args.debug, recipe_overrides=overrides, model_params=model_params, retry=args.retry,
                   embedder=args.embedder, text_adaptation=args.text_adaptation, target=args.target,
                   init=args.init, multitask=args.multitask, aux_weight=args.aux_weight,
                   autopsy=args.autopsy_windows if args.autopsy else 0, progress=console.print,
                   live=console.is_terminal, **data, **_executor_options(args), **kwargs)
    suite = _suite_of(args)
    if suite is None:
        frame = api.run(args.tasks, args.models, dataset=args.dataset, **options)
    else:
        frame = api.run_suite(suite, args.models, simulated=args.simulated, **options)
    from neuroarena.report.leaderboard import leaderboard

    table = leaderboard(frame)
    _print_leaderboard(table, "neuroarena leaderboard (this run)")
    if suite is not None:
        _print_suite_ranking(table, suite)
    failed = frame[frame["status"] != "ok"] if len(frame) else frame
    if len(failed):
        raise SystemExit(f"error: {len(failed)} job(s) failed; see the lines above, fix, then re-run with --retry")


def _suite_of(args: argparse.Namespace) -> str | None:
    """The suite ``neuroarena eeg`` was given instead of tasks, or None; a suite mixed with tasks or a
    dataset, or ``--simulated`` without a suite, is an error."""
    from neuroarena.errors import NeuroarenaError
    from neuroarena.suites.suite import is_suite

    suites = [name for name in args.tasks if is_suite(name)]
    if not suites:
        if args.simulated:
            raise NeuroarenaError("--simulated runs a suite's offline counterparts", fix="name a suite, e.g. core")
        return None
    if len(args.tasks) > 1 or args.dataset:
        raise NeuroarenaError(f"the suite {suites[0]} names its own tasks and datasets",
                              fix="run the suite alone (without other tasks or --dataset)")
    return suites[0]


def _print_suite_ranking(table, suite_name: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from neuroarena.report.leaderboard import fmt
    from neuroarena.suites.ranking import suite_ranking
    from neuroarena.suites.suite import load_suite

    suite = load_suite(suite_name)
    ranking = suite_ranking(table, suite)
    out = Table(title=f"{suite.label}: mean normalized rank over its tasks (1/n best, 1 last; 95 % interval over "
                      "tasks)")
    categories = [c for c in ranking.columns if c not in ("model", "n_tasks", "mean_normalized_rank", "ci_low",
                                                          "ci_high")]
    for col in ("model", "tasks", "mean norm. rank", "95% CI", *categories):
        out.add_column(col, justify="left" if col == "model" else "right")
    for _, r in ranking.iterrows():
        out.add_row(r["model"], str(r["n_tasks"]), fmt(r["mean_normalized_rank"]),
                    f"{fmt(r['ci_low'])}–{fmt(r['ci_high'])}", *(fmt(r[c]) for c in categories))
    Console().print(out)


def _recipe_overrides(args: argparse.Namespace) -> dict:
    """``--max-epochs``, ``--batch-size``, ``--lr`` as given, 0 included (``api.run`` refuses invalid ones)."""
    return {k: v for k, v in (("max_epochs", args.max_epochs), ("batch_size", args.batch_size), ("lr", args.lr))
            if v is not None}


def _data_options(args: argparse.Namespace) -> dict:
    """``api.run``'s ``dataset_params`` and ``split`` from ``--subjects``, ``--sessions``, ``--dataset-param``
    and ``--split``/``--split-param``."""
    from neuroarena.errors import NeuroarenaError
    from neuroarena.studies.spec import parse_params

    params = parse_params(args.dataset_param)
    for name in ("subjects", "sessions"):
        if getattr(args, name):
            params[name] = list(getattr(args, name))
    if args.skip_unreadable:
        params["skip_unreadable"] = True
    if args.split_param and not args.split:
        raise NeuroarenaError("--split-param needs --split", fix="name the splitter with --split")
    split = {"name": args.split, "params": parse_params(args.split_param)} if args.split else None
    return {"dataset_params": params or None, "split": split}


def _executor_options(args: argparse.Namespace) -> dict:
    """``api.run``'s executor arguments; an option of another executor than the chosen one is an error."""
    from neuroarena.errors import NeuroarenaError

    slurm = {field: value for field, value in (
        ("partition", args.partition), ("gpus", args.gpus), ("cpus", args.cpus), ("mem_gb", args.mem),
        ("time", args.time), ("array_parallelism", args.array_parallelism)) if value is not None}
    if slurm and args.executor != "slurm":
        raise NeuroarenaError(f"Slurm options ({', '.join(slurm)}) need --executor slurm",
                              fix="add --executor slurm or drop them")
    if args.workers is not None and args.executor != "local":
        raise NeuroarenaError("--workers needs --executor local", fix="add --executor local or drop --workers")
    options = {"executor": args.executor, "slurm": slurm}
    return options if args.workers is None else {**options, "workers": args.workers}


def _report(args: argparse.Namespace) -> None:
    from pathlib import Path

    from rich.console import Console

    from neuroarena.home import results_dir
    from neuroarena.report.leaderboard import write_report

    out = Path(args.out) if args.out else results_dir() / "report"
    table, paths = write_report(results_dir(), out)
    if len(table) or "alignment_csv" not in paths:
        _print_leaderboard(table, "neuroarena leaderboard")
    if args.suite:
        _print_suite_ranking(table, args.suite)
    if "alignment_csv" in paths:
        from neuroarena.alignment.commands import print_alignment

        print_alignment(results_dir(), rank=args.rank_benchmarks)
    Console(stderr=True).print("written: " + ", ".join(str(p) for p in paths.values()))


def _pretrain(args: argparse.Namespace) -> None:
    from rich.console import Console

    from neuroarena.runner.pretrain import PretrainSpec, pretrain_movies
    from neuroarena.studies.spec import dataset_spec, parse_params

    params = parse_params(args.dataset_param)
    spec = PretrainSpec(dataset=dataset_spec(args.dataset, params), model=args.model, seed=args.seed,
                        emb_dim=args.emb_dim, test_releases=tuple(args.test_releases), val_fraction=args.val_fraction,
                        recipe_overrides=_recipe_overrides(args))
    summary = pretrain_movies(spec)
    Console().print(f"pretrained {args.model} on {len(summary['subjects'])} subjects of {summary['dataset']} "
                    f"({summary['epochs']} epochs): cross-subject top-1 {summary['best_val_top1']:.3f} on "
                    f"{len(summary['val_subjects'])} validation subjects (chance {summary['chance']:.3f})")
    Console().print(f"checkpoint: {summary['path']}")


def _autopsy(args: argparse.Namespace) -> None:
    from rich.console import Console

    from neuroarena.diagnostics.autopsy import AutopsyOptions, autopsy_run

    options = AutopsyOptions(n_windows=args.windows, n_steps=args.steps, n_segments=args.segments,
                             n_worst=args.worst, seed=args.seed)
    folder = autopsy_run(args.run, options)
    Console().print((folder / "autopsy.md").read_text().split("## Predictions")[0].rstrip())
    Console(stderr=True).print(f"written: {folder}")


def _doctor() -> None:
    from neuroarena.doctor import run_checks
    from neuroarena.home import neuroarena_home

    checks = run_checks(neuroarena_home())
    for check in checks:
        print(check.line())
    problems = sum(not check.ok for check in checks)
    if problems:
        raise SystemExit(f"{problems} problem(s): apply the fixes above, then run `neuroarena doctor` again")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``neuroarena`` console script."""
    args = _parser().parse_args(argv)
    home = getattr(args, "sub_home", None) or args.home
    from neuroarena.errors import NeuroarenaError

    try:
        from neuroarena.runner.home import use_home

        use_home(home)
        from neuroarena.alignment.commands import run_align
        from neuroarena.challenges.commands import run_score, run_submit
        from neuroarena.diagnostics.tune_command import run_tune

        {"list": lambda: _list(args.what), "eeg": lambda: _eeg(args), "report": lambda: _report(args),
         "doctor": _doctor, "pretrain": lambda: _pretrain(args), "autopsy": lambda: _autopsy(args),
         "score": lambda: run_score(args), "align": lambda: run_align(args, _executor_options(args)),
         "submit": lambda: run_submit(args), "tune": lambda: run_tune(args)}[args.command]()
    except NeuroarenaError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    except OSError as err:  # disk full, read-only, file-size limit: one line, not a traceback
        from neuroarena.runner.home import write_error

        problem = write_error(err)
        if problem is None:
            raise
        print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("interrupted: finished jobs are recorded; re-run to continue", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
