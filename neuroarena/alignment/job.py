"""One alignment job: one benchmark x one model of vision, recorded like a decoding job.

The record's task is the benchmark, its model the model's identifier (``-untrained`` for random weights)
and its seed 0 (a benchmark is deterministic); the hash covers the benchmark (name, version,
normalisation, parameters), the study's parameters and files, and the model (name, weights, committed
layer). ``metrics`` hold ``raw``, ``ceiling``, ``ceiled`` and ``error`` (and a curve's ``peak`` and
``peak_ms``); ``analyses["alignment"]`` the whole score, with the layer choice and the curve.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash
from neuroarena.results.records import JobKey, ResultRecord
from neuroarena.runner.home import use_home
from neuroarena.studies.spec import DatasetSpec, dataset_spec


@dataclass
class AlignmentSpec:
    """Everything an alignment job needs; picklable, so every executor can ship it.

    ``layer`` commits that layer to what the benchmark records -- the EEG, or IT for behaviour (default: for
    the EEG chosen on the selection benchmark, see :mod:`~neuroarena.alignment.selection`; for IT the layer at
    IT's depth); ``weights`` is the local weights file or folder of a network
    that needs one; ``pretrained=False`` gives the random-weight control; ``params`` go to the benchmark
    (``normalisation``, ``n_triplets``, ``triplet_noise``, ``triplets_root``).
    """

    benchmark: str
    dataset: DatasetSpec | str | None
    model: str
    pretrained: bool = True
    weights: str | None = None
    layer: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    home: str | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        from neuroarena.alignment.benchmarks import BENCHMARKS, benchmark_names

        name = benchmark_names([self.benchmark])[0]
        if not isinstance(self.dataset, DatasetSpec):
            self.dataset = dataset_spec(self.dataset or BENCHMARKS[name].default_dataset)

    @property
    def task(self) -> str:
        """The benchmark (the record's task)."""
        return self.benchmark

    def model_identifier(self) -> str:
        from neuroarena.alignment.zoo import identifier, vision_model_names

        return identifier(vision_model_names([self.model])[0], self.pretrained)

    def record_key(self) -> JobKey:
        """The record key: reads the study's parameters and the stamps of its files, not the data."""
        from neuroarena.alignment.benchmarks import BENCHMARKS
        from neuroarena.prepare.build import store_key

        use_home(self.home)
        study = self.dataset.open()
        image_task = _image_task()
        config = {"benchmark": asdict(BENCHMARKS[self.benchmark]), "params": self.params,
                  "study": study.params(), "store": store_key(study, image_task),
                  "model": {"name": self.model, "pretrained": self.pretrained, "weights": self.weights,
                            "layer": self.layer}}
        return JobKey(self.benchmark, self.dataset.label, self.model_identifier(), self.seed, stable_hash(config))

    def lost_record(self, key: JobKey, error: str) -> ResultRecord:
        """The failed record of a job whose worker ended without writing one."""
        return ResultRecord(key=key, status="failed", error=error, primary_metric="ceiled")

    def run(self) -> ResultRecord:
        """Score the model on the benchmark; a failure is a record with its error."""
        return run_alignment(self)


def _image_task():
    """The image task's preprocessing: the EEG every alignment benchmark reads."""
    from neuroarena.tasks.config import load_task

    return load_task("image").prepare


def run_alignment(spec: AlignmentSpec) -> ResultRecord:
    """Run one alignment job and return its record (not written here)."""
    from neuroarena.runner.memory import PeakMemory

    use_home(spec.home)
    start, key, facts = time.perf_counter(), None, {}
    with PeakMemory() as memory:
        try:
            key = spec.record_key()
            score, facts = score_model(spec)
            status, error, metrics = "ok", "", score.metrics()
            analyses = {"alignment": score.to_dict()}
        except Exception as err:  # a failed job leaves a record with its error
            status, metrics, analyses = "failed", {}, {"traceback": traceback.format_exc()}
            error = str(err) if isinstance(err, NeuroarenaError) else \
                "".join(traceback.format_exception_only(type(err), err)).strip()
            if key is None:
                key = JobKey(spec.benchmark, spec.dataset.label, spec.model, spec.seed, "unresolved")
    from neuroarena.alignment.benchmarks import BENCHMARKS

    info = BENCHMARKS[spec.benchmark]
    return ResultRecord(key=key, status=status, error=error, metrics=metrics, primary_metric="ceiled",
                        ceiling=metrics.get("ceiling"), model_family="vision", analyses=analyses,
                        data={"benchmark": {"identifier": info.identifier, "version": info.version,
                                            "parent": info.parent, "domain": info.domain, "kind": info.kind,
                                            "bibtex": info.bibtex}, **facts},
                        wall_time_s=round(time.perf_counter() - start, 3), peak_memory_mb=round(memory.peak_mb, 1))


def score_model(spec: AlignmentSpec) -> tuple[Any, dict[str, Any]]:
    """The model's score on the benchmark, and facts for the record (layer commitment, activations)."""
    from neuroarena.alignment.activations import ExtractionLog
    from neuroarena.alignment.benchmarks import make_benchmark
    from neuroarena.alignment.zoo import BuildContext, build_vision_model

    benchmark = make_benchmark(spec.benchmark, spec.dataset, **spec.params)
    study = spec.dataset.open()
    model, built = build_vision_model(spec.model, BuildContext(study, spec.pretrained, spec.weights))
    log = ExtractionLog()
    if built.network is not None:
        from neuroarena.alignment.activations import cached_activations
        from neuroarena.home import cache_dir

        model.features = lambda stimuli, layers: cached_activations(built.network, stimuli, layers,
                                                                    cache_dir() / "activations", log)
    target = "eeg" if benchmark.info.domain == "neural" else "IT"  # what the benchmark records
    commitment: dict[str, Any] = {"candidates": list(model.layers), "target": target}
    if spec.layer is not None:
        model.commit(target, spec.layer)
        commitment |= {"layer": spec.layer, "selection": "explicit"}
    elif len(model.layers) > 1 and target == "eeg":
        from neuroarena.alignment.selection import select_layer

        assembly, stimuli, _ = benchmark.data
        commitment |= select_layer(model, assembly, stimuli)
    else:
        commitment |= {"layer": model.layer_for(target), "selection": "only layer" if len(model.layers) == 1
                       else "region depth (IT)"}
    score = benchmark(model)
    facts = {"commitment": commitment, "model_content": built.content,
             "activations": {"images_extracted": log.images, "layers_cached": log.cached_layers,
                             "layers_extracted": log.extracted_layers, "seconds": round(log.seconds, 3)}}
    return score, facts
