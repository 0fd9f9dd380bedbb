"""Suites: named, versioned lists of (task, dataset) pairs, each task in a category, stored as YAML files.

``neuroarena eeg core -m all_classic`` runs the core suite (``core`` is short for ``neuroarena-eeg-core``);
``--simulated`` runs every entry on its offline counterpart. A suite's content is fixed by its version:
:data:`PUBLISHED` holds the content hash of every published (name, version), and a file whose content
differs from its version's hash is refused (a change needs a new version).
"""
from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from neuroarena.errors import NeuroarenaError
from neuroarena.hashing import stable_hash

SUITE_DIR = Path(__file__).parent
ALIASES = {"core": "neuroarena-eeg-core"}
#: (name, version) -> content hash of every published suite.
PUBLISHED: dict[tuple[str, int], str] = {
    ("neuroarena-eeg-core", 1): "16bfb456ad1d",
    ("full", 1): "50f0905f0ec5",
    ("neuroarena-eeg-core", 2): "83bf45249e3e",
    ("full", 2): "0caac4ee64a6",
    ("neuroarena-eeg-core", 3): "98fef556665a",
    ("full", 3): "e070a1caa2a7",
}


class SuiteEntry(BaseModel):
    """One task of a suite on one dataset; ``simulated`` is its offline counterpart."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    category: str
    dataset: str
    simulated: str


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: int = Field(ge=1)
    description: str = ""
    entries: tuple[SuiteEntry, ...]

    @property
    def content_hash(self) -> str:
        """Hash of the name and the entries (the description may change freely)."""
        return stable_hash({"name": self.name, "entries": [e.model_dump() for e in self.entries]})

    @property
    def label(self) -> str:
        """``name v<version>``."""
        return f"{self.name} v{self.version}"

    def categories(self) -> dict[tuple[str, str], str]:
        """(task, dataset) -> category, for the real, the simulated and the tiny simulated datasets."""
        out = {}
        for entry in self.entries:
            for dataset in (entry.dataset, entry.simulated, f"{entry.simulated}-tiny"):
                out[(entry.task, dataset)] = entry.category
        return out


def suite_names() -> list[str]:
    """The suites shipped with neuroarena (file stems of ``neuroarena/suites/*.yaml``) and their short names."""
    return sorted([p.stem for p in SUITE_DIR.glob("*.yaml")] + list(ALIASES))


def is_suite(name: str) -> bool:
    """Whether ``name`` names a shipped suite or a suite file."""
    if ALIASES.get(name, name) in suite_names():
        return True
    path = Path(name)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError:  # not a suite; the task loader names what is wrong with it
        return False
    return isinstance(data, dict) and "entries" in data


def load_suite(name: str, check_version: bool = True) -> Suite:
    """The suite ``name`` (a shipped one, or a YAML file), checked against its published content hash.

    Raises
    ------
    NeuroarenaError
        Unknown suite, malformed file, or content that differs from its version's published hash.
    """
    path = SUITE_DIR / f"{ALIASES.get(name, name)}.yaml"
    if not path.is_file():
        path = Path(name)
        if not path.is_file():
            raise NeuroarenaError(f"unknown suite {name!r}", fix=f"use one of {', '.join(suite_names())} or a file")
    try:
        suite = Suite.model_validate(yaml.safe_load(path.read_text()))
    except (ValidationError, yaml.YAMLError) as err:
        raise NeuroarenaError(f"malformed suite: {str(err).splitlines()[0]}", path=path,
                              fix="give name, version and entries of task, category, dataset, simulated") from None
    published = PUBLISHED.get((suite.name, suite.version))
    if check_version and published is not None and published != suite.content_hash:
        raise NeuroarenaError(f"{suite.label} was published with other entries (hash {published}, the file has "
                              f"{suite.content_hash})", path=path, fix="raise the version to change a suite")
    return suite
