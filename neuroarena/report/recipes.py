"""Short tags for the recipe override sets of a leaderboard: ``standard``, ``debug``, ``debug lr=0.001``.

A leaderboard row's ``recipe_overrides`` is the sorted ``key=value`` list its records ran under
(:func:`~neuroarena.results.table.records_frame`). The page shows each set once, as a tag with a legend,
instead of repeating the whole string in every label.
"""
from __future__ import annotations

from neuroarena.training.recipe import DEBUG_OVERRIDES

STANDARD = "standard"
MAX_TAG = 28


def _items(overrides: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in overrides.split(",") if "=" in part) if overrides else {}


def recipe_tag(overrides: str) -> str:
    """The short tag of one override string: ``standard`` for none, ``debug`` for ``--debug``'s set, then the
    remaining ``key=value`` pairs (``debug max_epochs=5`` when an override replaces one of debug's)."""
    items = _items(overrides)
    if not items:
        return STANDARD
    debug = {k: str(v) for k, v in DEBUG_OVERRIDES.items()}
    words = []
    if all(k in items for k in debug):
        words.append("debug")
        items = {k: v for k, v in items.items() if debug.get(k) != v}
    return " ".join(words + [f"{k}={v}" for k, v in items.items()])


def recipe_tags(overrides: list[str]) -> dict[str, str]:
    """A distinct tag for every distinct override string, in first-seen order: :func:`recipe_tag`, or
    ``recipe N`` when that is longer than :data:`MAX_TAG` characters or already taken."""
    tags: dict[str, str] = {}
    for value in dict.fromkeys("" if v is None else str(v) for v in overrides):
        tag = recipe_tag(value)
        if len(tag) > MAX_TAG or tag in tags.values():
            tag = f"recipe {len(tags) + 1}"
        tags[value] = tag
    return tags


class Labels:
    """How the page names tasks and models: ``task / dataset`` and ``model``, with the recipe tag appended only
    when the leaderboard holds more than one recipe (otherwise the page states it once)."""

    def __init__(self, overrides: list[str]) -> None:
        self.tags = recipe_tags(overrides)

    @property
    def several(self) -> bool:
        """Whether more than one recipe is on the page."""
        return len(self.tags) > 1

    def tag(self, overrides: str | None) -> str:
        return self.tags.get("" if overrides is None else str(overrides), recipe_tag(overrides or ""))

    def task(self, task: str, dataset: str, overrides: str | None = "") -> str:
        return f"{task} / {dataset}" + (f" · {self.tag(overrides)}" if self.several else "")

    def model(self, model: str, overrides: str | None = "") -> str:
        return model + (f" · {self.tag(overrides)}" if self.several else "")
