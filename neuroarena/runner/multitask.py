"""Multitask jobs: one net, a head per regression task of a group, trained once on all the group's windows.

A job of task ``t`` with ``multitask = (t1, t2, ...)`` trains one net with an output column per task of the
group (plus an auxiliary column when ``aux_weight`` > 0, learnt from the windows' :data:`AUX_COLUMN`) on the
training windows of every task of the group, validates on the mean of the tasks' monitors, and is scored on
its own task's test windows through its own column. Every job of the group trains the same net (same seed,
same build, same data): the first to finish keeps the trained weights under
``<results>/checkpoints/multitask/<model>/<hash>.pt`` and the others start from them instead of training
again. Each task keeps its own split: a training window of one task may come from a validation subject of
another, never from a test subject, as long as the tasks share the test subjects, which is checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.registry import metric_info

if TYPE_CHECKING:
    from neuroarena.prepare.store import WindowStore
    from neuroarena.runner.targets import TaskTargets
    from neuroarena.tasks.config import TaskConfig
    from neuroarena.training.data import WindowBatches
    from neuroarena.training.recipe import Recipe

#: The events column an auxiliary head learns: whether a contrast-change response was correct (1, 0, NaN).
AUX_COLUMN = "correct"


@dataclass
class JointMember:
    """One task of the group: its configuration, window store, targets and the key of its store."""

    task: "TaskConfig"
    store: "WindowStore"
    targets: "TaskTargets"
    store_key: str


@dataclass
class JointTasks:
    """The tasks of a multitask group, in the group's order; ``primary`` is the job's own task."""

    members: list[JointMember]
    primary: int
    aux_weight: float = 0.0
    subjects: list[str] = field(init=False)

    def __post_init__(self) -> None:
        first = self.members[0].store
        for member in self.members:
            task = member.task
            if task.target.kind != "regression":
                raise NeuroarenaError(f"--multitask trains regression tasks together; {task.name} is "
                                      f"{task.target.kind}", fix="run it without --multitask")
            shape = (member.store.n_chans, member.store.n_times, member.store.sfreq)
            if shape != (first.n_chans, first.n_times, first.sfreq):
                raise NeuroarenaError(f"--multitask needs one window shape; {task.name} has {shape[0]} x {shape[1]} "
                                      f"at {shape[2]:g} Hz, {self.members[0].task.name} {first.n_chans} x "
                                      f"{first.n_times} at {first.sfreq:g} Hz", path=member.store.root,
                                      fix="train these tasks separately")
        directions = {metric_info(m.task.monitor).higher_is_better for m in self.members}
        if len(directions) > 1:
            raise NeuroarenaError("--multitask tasks must monitor metrics of one direction",
                                  fix="run the tasks separately")
        tests = [self._test_subjects(m) for m in self.members]
        trained = set().union(*(self._train_subjects(m) for m in self.members))
        leaked = sorted(trained & set().union(*tests))
        if leaked:
            raise NeuroarenaError(f"--multitask: subject {leaked[0]} is a test subject of one task and trains "
                                  f"another ({len(leaked)} such subjects)", path=self.members[0].store.root,
                                  fix="give the tasks one split (the same test subjects or releases)")
        self.subjects = sorted(set().union(*(m.targets.subjects for m in self.members)))
        if self.aux_weight and not any(self._aux(m, "train") is not None for m in self.members):
            raise NeuroarenaError(f"--aux-weight: no training window of {', '.join(m.task.name for m in self.members)} "
                                  f"has a '{AUX_COLUMN}' label", fix="leave --aux-weight out")

    @property
    def n_outputs(self) -> int:
        """Columns of the net: one per task, and the auxiliary one."""
        return len(self.members) + (1 if self.aux_weight else 0)

    @property
    def higher_is_better(self) -> bool:
        return metric_info(self.members[0].task.monitor).higher_is_better

    def config(self) -> dict[str, Any]:
        """What the shared fit depends on besides model, seed and recipe (enters its hash)."""
        return {"tasks": [{"task": m.task.model_dump(mode="json", exclude={"recipe"}), "store": m.store_key}
                          for m in self.members], "aux_weight": self.aux_weight, "aux_column": AUX_COLUMN}

    def part(self, member: int, name: str) -> "WindowBatches":
        """Task ``member``'s windows of part ``name``, its subjects numbered in :attr:`subjects`."""
        from neuroarena.training.data import WindowBatches

        m = self.members[member]
        return WindowBatches(m.store, m.targets.windows[name], m.targets.y[name], self._subjects(m, name))

    def joint(self, name: str) -> "Any":
        """Every task's windows of part ``name`` as one :class:`~neuroarena.training.multitask.JointBatches`."""
        from neuroarena.training.multitask import JointBatches

        return JointBatches([self.part(i, name) for i in range(len(self.members))],
                            [self._subjects(m, name) for m in self.members], [self._aux(m, name) for m in self.members])

    def monitor(self, joint: "Any") -> "Any":
        """The validation monitor over ``joint`` (the ``val`` :meth:`joint`): the mean of the tasks' monitors,
        each scored on its own windows through its own column."""
        def value(outputs: np.ndarray, positions: np.ndarray) -> float:
            scores = []
            for i, m in enumerate(self.members):
                mine, local = joint.part_positions(positions, i)
                if mine.any():
                    metric = m.task.monitor
                    scores.append(m.targets.score("val", [metric], outputs[mine][:, [i]], local)[metric])
            return float(np.mean(scores)) if scores else float("nan")

        return value

    def _subjects(self, m: JointMember, name: str) -> np.ndarray:
        return np.searchsorted(self.subjects, np.asarray(m.targets.subjects)[m.targets.subject[name]]).astype(np.int64)

    def _aux(self, m: JointMember, name: str) -> np.ndarray | None:
        if not self.aux_weight or AUX_COLUMN not in m.store.metadata.columns:
            return None
        values = m.store.metadata[AUX_COLUMN].to_numpy(dtype=float)[m.targets.windows[name]].astype(np.float32)
        return values if np.isfinite(values).any() else None

    @staticmethod
    def _train_subjects(m: JointMember) -> set[str]:
        return {m.targets.subjects[s] for s in np.unique(m.targets.subject["train"])}

    @staticmethod
    def _test_subjects(m: JointMember) -> set[str]:
        return {m.targets.subjects[s] for s in np.unique(m.targets.subject["test"])}


def shared_fit_path(model: str, config_hash: str) -> Path:
    """Where the group's trained weights are kept."""
    from neuroarena.home import results_dir

    return results_dir() / "checkpoints" / "multitask" / model / f"{config_hash}.pt"


def train_jointly(joint: JointTasks, net: "Any", recipe: "Recipe", seed: int, workdir: Path,
                  config_hash: str, model: str) -> dict[str, Any]:
    """Train ``net`` (``joint.n_outputs`` columns) on the group, or load the group's kept weights; predict the
    primary task's validation and test windows.

    Returns
    -------
    dict
        ``outputs``: part -> (positions, outputs (n, 1) of the primary task's column); ``training``: epochs,
        best epoch and monitor, history, objective terms, the group and whether the weights were reused;
        ``net``: the trained net (all columns).
    """
    import torch

    from neuroarena.fileio import atomic_path
    from neuroarena.home import results_dir
    from neuroarena.training.fit import fit_net, predict_net
    from neuroarena.training.module import DecoderModule
    from neuroarena.training.multitask import JointObjective

    names = [m.task.name for m in joint.members]
    objective = JointObjective(names, joint.aux_weight, AUX_COLUMN)
    path = shared_fit_path(model, config_hash)
    if path.is_file():
        kept = torch.load(path, map_location="cpu", weights_only=False)
        net.load_state_dict(kept["state_dict"])
        facts, reused = kept["training"], True
    else:
        val = joint.joint("val")
        fit = fit_net(net, joint.joint("train"), val, objective, joint.monitor(val), recipe, seed, workdir,
                      monitor_mode="max" if joint.higher_is_better else "min")
        facts = {"epochs": fit.epochs, "best_epoch": fit.best_epoch, "best_val_monitor": fit.best_monitor,
                 "history": fit.history, "gradient_flow": fit.gradient_flow}
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            torch.save({"state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()},
                        "training": facts, "tasks": names}, tmp)
        reused = False
    module = DecoderModule(net, objective, recipe, 1, lambda outputs, positions: float("nan"))
    column = joint.primary
    outputs = {}
    for part in ("val", "test"):
        positions, out = predict_net(module, joint.part(column, part), recipe, workdir)
        outputs[part] = (positions, out[:, [column]])
    training = dict(facts) | {
        "objective": {"terms": objective.names, "weights": objective.weights},
        "multitask": {"tasks": names, "column": column, "aux_weight": joint.aux_weight,
                      "aux_column": AUX_COLUMN if joint.aux_weight else None,
                      "monitor": f"mean of {', '.join(m.task.monitor for m in joint.members)} over the tasks",
                      "shared_fit": str(path.relative_to(results_dir())), "reused": reused}}
    return {"outputs": outputs, "training": training, "net": net}


def check_group(tasks: Sequence[str], task: str) -> int:
    """The column of ``task`` in the group ``tasks`` (two tasks or more, each once)."""
    if len(tasks) < 2 or len(set(tasks)) != len(tasks):
        raise NeuroarenaError(f"--multitask trains two tasks or more together, each once; got {list(tasks)}",
                              fix="name the tasks once each, e.g. `neuroarena eeg rt externalizing --multitask`")
    if task not in tasks:
        raise NeuroarenaError(f"task {task} is not in its multitask group {list(tasks)}",
                              fix="put the job's task in its group")
    return list(tasks).index(task)
