"""``neuroarena.align``: every benchmark x every model of vision, on the decoding grid's executors and records."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from neuroarena.studies.spec import DatasetSpec


def align(benchmarks: Sequence[str], models: Sequence[str], dataset: str | Path | DatasetSpec | None = None,
          home: str | Path | None = None, pretrained: bool = True, weights: str | None = None,
          layer: str | None = None, normalisation: str = "r2/ceiling", benchmark_params: dict[str, Any] | None = None,
          dataset_params: dict[str, Any] | None = None, retry: bool = False, executor: str = "inprocess",
          workers: int = 2, slurm: Any = None, progress: Callable[[str], None] | None = None, live: bool = False):
    """Score ``models`` on ``benchmarks`` and return the records as a DataFrame (one row per job).

    Parameters
    ----------
    benchmarks : list of str
        Benchmark names (``neuroarena list benchmarks``) or ``all``.
    models : list of str
        Models of vision or ``all_vision``.
    dataset : str, Path or DatasetSpec, optional
        The data every benchmark reads (e.g. ``simulated``); default: each benchmark's own study.
    pretrained : bool
        False: every trainable network with random weights (the control; ``<model>-untrained``).
    weights : str, optional
        The weights file or folder of the networks that need one (torchvision, HuggingFace).
    layer : str, optional
        Commit this layer to the EEG instead of selecting one.
    normalisation : str
        ``r2/ceiling`` or ``(r/ceiling)^2`` (recorded in every score).
    benchmark_params : dict, optional
        ``n_triplets``, ``triplet_noise``, ``triplets_root``.
    retry, executor, workers, slurm, progress, live
        As for :func:`neuroarena.run`.
    """
    from neuroarena.alignment.benchmarks import BENCHMARKS, benchmark_names
    from neuroarena.alignment.job import AlignmentSpec
    from neuroarena.alignment.zoo import vision_model_names
    from neuroarena.fileio import clean_home_orphans
    from neuroarena.hashing import stable_hash
    from neuroarena.home import results_dir
    from neuroarena.report.leaderboard import records_with_items
    from neuroarena.results.records import ResultStore
    from neuroarena.runner.api import prepare
    from neuroarena.runner.executor import make_executor
    from neuroarena.runner.home import check_home, use_home
    from neuroarena.runner.progress import GridProgress
    from neuroarena.studies.spec import dataset_spec

    root = use_home(home)
    check_home(root)
    clean_home_orphans(root)
    params = {"normalisation": normalisation, **(benchmark_params or {})}
    jobs, prepared = [], set()
    for name in benchmark_names(list(benchmarks)):
        spec = dataset_spec(dataset or BENCHMARKS[name].default_dataset, dataset_params)
        # each store once, here, before jobs run anywhere
        if BENCHMARKS[name].domain == "neural" and stable_hash(spec) not in prepared:
            prepare("image", spec, progress=progress is not None)
            prepared.add(stable_hash(spec))
        jobs += [AlignmentSpec(name, spec, model, pretrained, weights, layer, params, str(root))
                 for model in vision_model_names(list(models))]
    store = ResultStore(results_dir() / "records")
    with GridProgress(progress or (lambda message: None), live=live) as grid:
        records = make_executor(executor, workers, slurm).run(jobs, store, retry=retry, progress=grid)
    return records_with_items(records)
