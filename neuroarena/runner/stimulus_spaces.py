"""Which embedding space a job's stimuli live in, and their table of vectors in it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from neuroarena.errors import NeuroarenaError
from neuroarena.home import cache_dir

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.studies.base import Study
    from neuroarena.tasks.config import TaskConfig

#: The embedder name that means "the study's own stimulus features" (a simulation's latent space).
FEATURES = "features"


def target_embedder(task: "TaskConfig", study: "Study", override: str | None = None) -> str:
    """The embedder of the task's targets: ``override`` (``--embedder``), else the study's own space for
    the task's source, else the task's embedder."""
    return override or study.preferred_embedder(task.target.source) or task.target.embedder


def reference_embedder(task: "TaskConfig", study: "Study") -> str | None:
    """The image embedder of the image -> caption reference and the distillation teacher (None: no reference)."""
    if task.target.reference_embedder is None:
        return None
    return study.preferred_embedder("image") or task.target.reference_embedder


def embedder_hash(name: str) -> str:
    """Stable identity of an embedder: its configuration hash (``features`` for the study's own features)."""
    if name == FEATURES:
        return FEATURES
    from neuroarena.targets.embedders import resolve_embedder

    return resolve_embedder(name).hash


def job_spaces(task: "TaskConfig", study: "Study", override: str | None = None) -> dict[str, dict]:
    """The embedding spaces of a task on a study, without computing anything: ``target`` and, when the task
    has one, ``reference`` (each ``name`` and ``hash``; the reference also ``zero_shot``); empty for
    classification tasks."""
    if task.target.kind != "embedding":
        return {}
    name = target_embedder(task, study, override)
    spaces = {"target": {"name": name, "hash": embedder_hash(name)}}
    reference = reference_embedder(task, study)
    if reference is not None:
        spaces["reference"] = {"name": reference, "hash": embedder_hash(reference),
                               "zero_shot": same_clip_space(name, reference)}
    return spaces


def embedding_table(study: "Study", name: str, source: str, stimuli: "pd.DataFrame | None" = None,
                    progress: bool = False) -> "pd.DataFrame":
    """Every stimulus of ``study`` embedded by ``name``, shape (n_stimuli, dim), indexed by stimulus id.

    ``features`` is the study's own feature table; any other name goes through
    :func:`neuroarena.targets.embedders.embed_stimuli` (cached by content) on ``stimuli``
    (default ``study.stimuli()``).
    """
    if name == FEATURES:
        table = study.stimulus_features()
        if table is None:
            raise NeuroarenaError(f"study {study.name} has no stimulus features", path=study.root,
                                  fix="choose a model embedder with --embedder (e.g. dinov2, clip-text)")
        return table
    from neuroarena.targets.embedders import embed_stimuli, resolve_embedder

    config = resolve_embedder(name)
    if config.source != source:
        raise NeuroarenaError(f"embedder {name!r} embeds {config.source}s but the task's targets are {source}s",
                              fix=f"choose an embedder of {source}s with --embedder")
    stimuli = study.stimuli() if stimuli is None else stimuli
    if stimuli is None:
        raise NeuroarenaError(f"study {study.name} lists no stimuli to embed", path=study.root,
                              fix="use a study with a stimulus set, or --embedder features")
    return embed_stimuli(config, stimuli, cache_root=cache_dir() / "embeddings", progress=progress)


def same_clip_space(target: str, reference: str) -> bool:
    """Whether an image embedder and a caption embedder are the two towers of one CLIP model."""
    if FEATURES in (target, reference):
        return False
    from neuroarena.targets.embedders import resolve_embedder

    text, image = resolve_embedder(target), resolve_embedder(reference)
    return (text.kind, image.kind) == ("clip_text", "clip_image") and (text.model, text.revision) == (
        image.model, image.revision)
