"""``neuroarena pretrain movies``: an encoder pretrained across subjects on the movies every subject watched.

Windows are 2 s of each movie recording (the study's ``movie`` events: ``stimulus`` names the movie and
the time in it), the challenge tasks' preprocessing (100 Hz, nothing filtered; microvolts). Subjects of the
test releases never enter (none of the challenge's test release, R5, by default); a share of the other
subjects validates. The loss is :class:`~neuroarena.training.cross_subject.CrossSubjectInfoNCE` on
batches of pairs of subjects per movie time; the monitor is cross-subject retrieval of the movie time on
the validation subjects (top-1 among the other subjects' windows). The best encoder is written to
``<results>/pretrained/<model>/<hash>.pt`` with its configuration hash, the subjects it saw and its
input shape, so that ``neuroarena eeg ... --init PATH`` starts a net from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.prepare.config import PrepareConfig

#: The movies of HBN (the challenge's task names).
MOVIE_TASKS = ("DespicableMe", "ThePresent", "DiaryOfAWimpyKid", "FunwithFractals")
#: The challenge copy is already band-passed and at 100 Hz: 2 s windows of it in microvolts, as the tasks'.
MOVIE_PREPARE = PrepareConfig(l_freq=None, h_freq=None, notch=[], sfreq=100.0, reference=None, window_start=0.0,
                              window_duration=2.0, baseline=None, scaling="microvolts", clip=None, dtype="float32",
                              event_kind="movie")


@dataclass(frozen=True)
class PretrainSpec:
    """One pretraining run: ``dataset`` (a name or DatasetSpec; its ``tasks`` parameter is set to the movies
    it has), ``model`` (any net of the zoo), the embedding width ``emb_dim``, the releases left out
    (``test_releases``) and the share of the other subjects that validates (``val_fraction``)."""

    dataset: Any
    model: str
    seed: int = 0
    emb_dim: int = 128
    test_releases: tuple[str, ...] = ("R5",)
    val_fraction: float = 0.2
    recipe_overrides: dict[str, Any] = field(default_factory=dict)
    model_params: dict[str, Any] = field(default_factory=dict)
    home: str | None = None


def pretrain_movies(spec: PretrainSpec) -> dict[str, Any]:
    """Pretrain ``spec.model`` across subjects on the movies; write its checkpoint and return a summary.

    Returns
    -------
    dict
        ``path`` of the checkpoint, ``config_hash``, ``subjects`` (trained on), ``val_subjects``,
        ``best_val_top1`` with its ``chance`` (1 / movie times of the validation subjects), ``epochs``.
    """
    import lightning as L

    from neuroarena.fileio import atomic_path, scratch_dir
    from neuroarena.hashing import stable_hash
    from neuroarena.home import cache_dir, results_dir
    from neuroarena.models.registry import build_model, get_model
    from neuroarena.prepare.build import build_store, store_key
    from neuroarena.runner.home import use_home
    from neuroarena.studies.spec import dataset_spec
    from neuroarena.training.cross_subject import CrossSubjectInfoNCE, PairSampler, cross_subject_top1
    from neuroarena.training.data import WindowBatches
    from neuroarena.training.fit import fit_net
    from neuroarena.training.recipe import Recipe

    import torch

    use_home(spec.home)
    model_spec = get_model(spec.model)
    if model_spec.kind != "net" or not model_spec.trainable:
        raise NeuroarenaError(f"model '{spec.model}' is not a trainable net: it cannot be pretrained",
                              fix="choose a net of the zoo (`neuroarena list models`), e.g. eegnex")
    dataset = dataset_spec(spec.dataset, {"tasks": list(MOVIE_TASKS)})
    study = dataset.open()
    store = build_store(study, MOVIE_PREPARE, cache_dir())
    metadata = store.metadata
    keep = (metadata["kind"].astype(str) == "movie").to_numpy().copy()
    if "release" in metadata.columns:
        keep &= ~metadata["release"].astype(str).isin(spec.test_releases).to_numpy()
    windows = np.flatnonzero(keep)
    if not len(windows):
        raise NeuroarenaError("no movie windows outside the test releases", path=store.root,
                              fix="use a dataset with movie recordings (--dataset hbn or simulated-hbn)")
    subjects = metadata["subject"].astype(str).to_numpy()[windows]
    names = sorted(set(subjects.tolist()))
    rng = np.random.default_rng(spec.seed)
    n_val = max(1, round(spec.val_fraction * len(names)))
    if len(names) - n_val < 2:
        raise NeuroarenaError(f"{len(names)} subjects outside the test releases: too few to pretrain across subjects",
                              fix="add subjects or releases")
    val_names = set(rng.permutation(names)[:n_val].tolist())
    in_val = np.isin(subjects, sorted(val_names))
    stimulus = np.unique(metadata["stimulus"].astype(str).to_numpy()[windows], return_inverse=True)[1].ravel()
    subject = np.searchsorted(names, subjects)

    def part(mask: np.ndarray) -> WindowBatches:
        return WindowBatches(store, windows[mask], np.zeros((int(mask.sum()), 1), dtype=np.float32),
                             subjects=subject[mask], extras={"stimulus": stimulus[mask].astype(np.int64)})

    recipe = Recipe().with_overrides(**spec.recipe_overrides)
    L.seed_everything(spec.seed, verbose=False)
    net = build_model(model_spec, n_chans=store.n_chans, n_outputs=spec.emb_dim, n_times=store.n_times,
                      sfreq=store.sfreq, chs_info=store.chs_info, target_kind="embedding", params=spec.model_params)
    val_stimulus, val_subject = stimulus[in_val], subject[in_val]

    def monitor(outputs: np.ndarray, positions: np.ndarray) -> float:
        return cross_subject_top1(outputs, val_stimulus[positions], val_subject[positions])

    sampler = PairSampler(stimulus[~in_val], subject[~in_val], recipe.batch_size, spec.seed)
    with scratch_dir(cache_dir(), "neuroarena-pretrain-") as workdir:
        fit = fit_net(net, part(~in_val), part(in_val), CrossSubjectInfoNCE(), monitor, recipe, spec.seed,
                      Path(workdir), monitor_mode="max", train_sampler=sampler)
    config = {"dataset": study.params(), "store": store_key(study, MOVIE_PREPARE), "model": spec.model,
              "model_params": spec.model_params, "emb_dim": spec.emb_dim, "seed": spec.seed,
              "test_releases": list(spec.test_releases), "val_fraction": spec.val_fraction,
              "recipe": recipe.model_dump(mode="json")}
    config_hash = stable_hash(config)
    path = results_dir() / "pretrained" / spec.model / f"{config_hash}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = {"config_hash": config_hash, "subjects": sorted(set(names) - val_names),
               "val_subjects": sorted(val_names), "test_releases": list(spec.test_releases),
               "best_val_top1": fit.best_monitor, "chance": 1.0 / max(1, len(np.unique(val_stimulus))),
               "epochs": fit.epochs, "dataset": dataset.label}
    payload = {"state_dict": {k: v.detach().cpu() for k, v in fit.module.net.state_dict().items()},
               "model": spec.model, "model_params": dict(spec.model_params), "n_chans": store.n_chans,
               "n_times": store.n_times, "sfreq": store.sfreq, "chs_info": store.chs_info,
               "n_outputs": spec.emb_dim, "target_kind": "embedding", "standardization": None,
               "pretraining": summary, "history": fit.history}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return {"path": str(path), **summary}


def initialise_from(net: "Any", payload: dict[str, Any], model: str, n_chans: int, n_times: int,
                    sfreq: float) -> dict[str, Any]:
    """Load a pretrained checkpoint's weights into ``net`` wherever name and shape match (the output layer,
    sized for another target, is left as built); returns what the record keeps of it.

    Raises
    ------
    NeuroarenaError
        Another model, or another input shape, than the checkpoint's.
    """
    if payload["model"] != model:
        raise NeuroarenaError(f"the checkpoint is of model '{payload['model']}', not '{model}'",
                              fix=f"run -m {payload['model']} with this --init, or pretrain {model}")
    if (payload["n_chans"], payload["n_times"], float(payload["sfreq"])) != (n_chans, n_times, float(sfreq)):
        raise NeuroarenaError(f"the checkpoint takes {payload['n_chans']} channels x {payload['n_times']} samples at "
                              f"{payload['sfreq']:g} Hz, the task's windows are {n_chans} x {n_times} at {sfreq:g} Hz",
                              fix="pretrain on windows of the task's shape")
    own = net.state_dict()
    matching = {k: v for k, v in payload["state_dict"].items() if k in own and own[k].shape == v.shape}
    net.load_state_dict(matching, strict=False)
    pretraining = payload.get("pretraining") or {}
    return {"config_hash": pretraining.get("config_hash"), "dataset": pretraining.get("dataset"),
            "n_subjects": len(pretraining.get("subjects", [])), "loaded": len(matching),
            "left_as_built": sorted(set(own) - set(matching))}
