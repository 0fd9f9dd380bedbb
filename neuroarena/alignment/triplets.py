"""THINGS odd-one-out triplets (Hebart et al.): the published release, a stimulus subset of it, or a simulation.

The release (THINGS-data behaviour, https://osf.io/f5rn6, Hebart et al. 2023 eLife 12:e82580) as read here::

    <root>/variables/unique_id.txt           the 1,854 concept names, one per line, no header
    <root>/data/triplet_dataset/trainset.txt       split "train"
    <root>/data/triplet_dataset/validationset.txt  split "test" (the 10 % held out for modelling)
    <root>/data/triplet_dataset/testset1.txt       1,000 random triplets, each seen by many people
    <root>/data/triplet_dataset/testset2.txt, testset2_repeat.txt  within-subject repeats (not read)
    <root>/data/triplet_dataset/testset3.txt       between-subject repeats of testset2's triplets

Facts and where they come from:

- Folder and file names: ``raj-magesh/neurodatasets`` ``src/neurodatasets/hebart2023_things_data/behavior.py``
  downloads exactly these paths from OSF project f5rn6, and ``/variables/unique_id.txt``, which it reads as
  a single column without header. ``triplets_large_final_correctednc_correctedorder.csv`` (the raw table,
  1-based, tab-separated, with a header) sits beside them and is not read here.
- Format: Hebart's preprocessing script (MATLAB, found by content search of public code; its repository was
  not identified) writes every ``*.txt`` as ``fprintf('%i %i %i\\n')`` (one space), after ``D(:,1:3)-1``
  ("make everything 0 base") and reordering each row so that the chosen image is the third column: the
  first two are the pair kept together, the last is the odd one out. The same script builds the test sets
  from the raw table's ``noise_ceiling`` column (1: original 1,000 random triplets -> testset1; 2: within
  subject -> testset2 / testset2_repeat, alternate rows; 3: between subject, the same 1,000 -> testset3),
  takes about every 10th remaining trial as ``validationset.txt`` and the rest as ``trainset.txt``.
  The odd-one-out-last convention is also the SPoSE / VICE one (``ViCCo-Group/SPoSE`` and ``LukasMut/VICE``
  README: "col_0 = anchor_1, col_1 = anchor_2, col_2 = odd one out"), and Brain-Score's Hebart2023 data
  (``brain-score/vision`` ``brainscore_vision/data/hebart2023/packaging/data_assembly.py``: "The last image
  is the odd-one-out", 453,642 triplets of ``validationset``).
- Concept order: the script re-sorts the indices with ``sortind.mat`` "to match the order of concepts in
  THINGS", the alphabetical ``uniqueID`` order of ``unique_id.txt`` (and of ``things_concepts.tsv``'s
  ``uniqueID`` column in ``ViCCo-Group/thingsvision`` ``thingsvision/data/things_concepts.tsv``).
- Ceiling: 0.6767, Brain-Score's ``Hebart2023Match`` (``brain-score/vision``
  ``brainscore_vision/benchmarks/hebart2023/benchmark.py``: "averaging the percentage of participants who
  made the same choice for a given triplet"). Which of the release's repeat sets gives exactly this number
  was not confirmed. When ``testset1.txt`` or ``testset3.txt`` are present the ceiling is recomputed from
  them by that definition (:func:`human_consistency`, as Hebart's ``consistency = max(h)/sum(h)``).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import ndtr

from neuroarena.errors import NeuroarenaError, first_line

PUBLISHED_CEILING = 0.6767
SPLIT_FILES = {"train": "trainset.txt", "test": "validationset.txt"}
REPEAT_FILES = ("testset1.txt", "testset3.txt")
RELEASE = "THINGS-data behaviour, https://osf.io/f5rn6"
# Rows of a triplet reordered so the pair with the largest similarity comes first; the pairs are (0, 1),
# (0, 2), (1, 2) in that order.
PAIR_FIRST = np.array([[0, 1, 2], [0, 2, 1], [1, 2, 0]])
QUADRATURE_NODES = 64


@dataclass(frozen=True)
class Triplets:
    """Odd-one-out trials over a list of concepts.

    Attributes
    ----------
    concepts : tuple of str, length n_items
    items : ndarray, shape (n_triplets, 3), int
        0-based indices into ``concepts``; the odd one out is the third column.
    odd : ndarray, shape (n_triplets,), int
        The index (into ``concepts``) of the item people chose as the odd one out.
    ceiling : float
        The accuracy a perfect model can reach against these choices.
    source : str
        The file read, or how the triplets were simulated.
    """

    concepts: tuple[str, ...]
    items: np.ndarray
    odd: np.ndarray
    ceiling: float
    source: str


def load_things_triplets(root: str | Path, split: str = "test") -> Triplets:
    """The published THINGS odd-one-out triplets of one split.

    Parameters
    ----------
    root : str or Path
        The downloaded OSF project f5rn6: holds ``variables/unique_id.txt`` and ``data/triplet_dataset/``.
    split : {"train", "test"}
        ``trainset.txt`` or ``validationset.txt``.

    Returns
    -------
    Triplets
        1,854 concepts on the full release; ``items`` (n_triplets, 3) with the odd one out last; the ceiling
        recomputed from ``testset1.txt`` / ``testset3.txt`` where present, else the published 0.6767.
    """
    root = Path(root)
    if split not in SPLIT_FILES:
        raise NeuroarenaError(f"unknown split {split!r}", root, fix=f"use one of {sorted(SPLIT_FILES)}")
    folder = root / "data" / "triplet_dataset"
    if not folder.is_dir():
        raise NeuroarenaError("no data/triplet_dataset folder", root,
                              fix=f"download data/ and variables/ of {RELEASE} into this folder")
    concepts = _read_concepts(root / "variables" / "unique_id.txt")
    path = folder / SPLIT_FILES[split]
    items = _read_triplet_file(path, len(concepts))
    return Triplets(concepts, items, items[:, 2].copy(), _release_ceiling(folder, len(concepts)), str(path))


def _read_concepts(path: Path) -> tuple[str, ...]:
    """The concept names of ``unique_id.txt``, one per line (n_items,)."""
    if not path.is_file():
        raise NeuroarenaError("the concept list is missing", path, fix=f"download variables/ of {RELEASE}")
    names = tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    if len(set(names)) != len(names) or len(names) < 3:
        raise NeuroarenaError(f"{len(names)} names, not a list of at least 3 distinct concepts", path,
                              fix=f"restore the file from {RELEASE}")
    return names


def _read_triplet_file(path: Path, n_items: int) -> np.ndarray:
    """One ``<i> <j> <odd>`` line per triplet, 0-based, as ndarray (n_triplets, 3) int64."""
    fix = f"restore it from {RELEASE}: three 0-based concept indices per line, the odd one out last"
    if not path.is_file():
        raise NeuroarenaError("the triplet file is missing", path, fix=fix)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            values = np.loadtxt(path, dtype=float, ndmin=2)
    except ValueError as err:
        raise NeuroarenaError(f"not a table of numbers ({first_line(err)})", path, fix=fix) from None
    if values.shape[1] != 3 or not len(values):
        raise NeuroarenaError(f"{values.shape[0]} rows of {values.shape[1]} columns, expected 3 columns", path,
                              fix=fix)
    _check_rows(path, values, ~np.isfinite(values) | (values != np.round(values)), "a non-integer index", fix)
    _check_rows(path, values, (values < 0) | (values >= n_items), f"an index outside 0..{n_items - 1}", fix)
    items = values.astype(np.int64)
    repeated = (items[:, 0] == items[:, 1]) | (items[:, 0] == items[:, 2]) | (items[:, 1] == items[:, 2])
    _check_rows(path, values, repeated[:, None], "a concept twice in one triplet", fix)
    return items


def _check_rows(path: Path, values: np.ndarray, bad: np.ndarray, what: str, fix: str) -> None:
    """Raise naming the first line where ``bad`` (n_triplets, k) holds."""
    rows = np.flatnonzero(bad.any(axis=1))
    if len(rows):
        line = " ".join(f"{v:g}" for v in values[rows[0]])
        raise NeuroarenaError(f"{len(rows)} triplets have {what}, first on line {rows[0] + 1} ({line})", path,
                              fix=fix)


def _release_ceiling(folder: Path, n_items: int) -> float:
    """Consistency over the between-subject repeat files present, else the published ceiling."""
    present = [folder / name for name in REPEAT_FILES if (folder / name).is_file()]
    if not present:
        return PUBLISHED_CEILING
    items = np.concatenate([_read_triplet_file(path, n_items) for path in present])
    return human_consistency(items, items[:, 2])


def human_consistency(items: np.ndarray, odd: np.ndarray) -> float:
    """Mean over repeated triplets of the share of choices that agree with the triplet's majority choice.

    Parameters
    ----------
    items : ndarray, shape (n_trials, 3), int
        The same triplet may appear in any order of its three items.
    odd : ndarray, shape (n_trials,), int
        The item chosen in each trial.

    Returns
    -------
    float
        ``mean(max(counts) / sum(counts))`` over the triplets shown at least twice (Hebart et al.).
    """
    items, odd = np.asarray(items), np.asarray(odd)
    shapes_fit = items.ndim == 2 and items.shape[1] == 3 and odd.shape == (len(items),)
    if not shapes_fit or not (items == odd[:, None]).any(axis=1).all():
        raise NeuroarenaError("items must be (n, 3) and each odd choice one of its row's items",
                              fix="pass the trials of the repeated triplets and the item chosen in each")
    _, group = np.unique(np.sort(items, axis=1), axis=0, return_inverse=True)
    group = group.ravel()
    pairs, counts = np.unique(np.column_stack([group, odd]), axis=0, return_counts=True)
    majority = np.zeros(group.max() + 1, dtype=np.int64)
    np.maximum.at(majority, pairs[:, 0], counts)
    shown = np.bincount(group)
    repeated = shown >= 2
    if not repeated.any():
        raise NeuroarenaError("no triplet is shown twice, so there is no consistency to measure",
                              fix="pass the repeated triplets (testset1.txt, testset3.txt)")
    return float(np.mean(majority[repeated] / shown[repeated]))


def restrict(triplets: Triplets, concepts: Sequence[str]) -> tuple[Triplets, int]:
    """The triplets whose three items are all in ``concepts``, re-indexed to its order.

    Parameters
    ----------
    triplets : Triplets
    concepts : sequence of str, length n_kept_items
        A stimulus set's concepts; names not in ``triplets.concepts`` simply appear in no triplet.

    Returns
    -------
    Triplets
        ``concepts`` as given; ``items`` (n_kept, 3) and ``odd`` (n_kept,) index into it.
    int
        How many triplets were dropped.
    """
    concepts = tuple(str(name) for name in concepts)
    if len(set(concepts)) != len(concepts):
        raise NeuroarenaError(f"the {len(concepts)} concepts to keep have repeats",
                              fix="pass each stimulus concept once")
    position = {name: i for i, name in enumerate(concepts)}
    lookup = np.array([position.get(name, -1) for name in triplets.concepts], dtype=np.int64)
    mapped = lookup[triplets.items]
    keep = (mapped >= 0).all(axis=1)
    kept = Triplets(concepts, mapped[keep], lookup[triplets.odd[keep]], triplets.ceiling, triplets.source)
    return kept, int((~keep).sum())


def simulate_triplets(features: np.ndarray, n_triplets: int, noise: float, seed: int = 0) -> Triplets:
    """Odd-one-out choices of a simulated observer with known latent features and known noise.

    Each random triplet's three pairwise dot-product similarities get independent Gaussian noise of sd
    ``noise``; the most similar pair is kept, the third item is the odd one out.

    Parameters
    ----------
    features : ndarray, shape (n_items, n_features)
    n_triplets : int
    noise : float
        Sd of the noise on each similarity, in the units of ``features @ features.T``; 0 is noise free.
    seed : int

    Returns
    -------
    Triplets
        Concepts ``item_0000``, ...; ``items`` (n_triplets, 3) with the odd one out last; ``ceiling`` the
        exact expected accuracy of the noise-free features against the noisy choices (see
        :func:`known_ceiling`).
    """
    features = np.asarray(features, dtype=float)
    if features.ndim != 2 or len(features) < 3 or not np.isfinite(features).all():
        raise NeuroarenaError(f"features of shape {features.shape}: need (n_items >= 3, n_features), finite",
                              fix="pass one row of latent features per item")
    if n_triplets < 1 or not np.isfinite(noise) or noise < 0:
        raise NeuroarenaError(f"n_triplets={n_triplets}, noise={noise}", fix="use n_triplets >= 1 and noise >= 0")
    rng = np.random.default_rng(seed)
    items = _distinct_triplets(rng, len(features), n_triplets)
    sims = _pair_similarities(features, items)
    noisy = sims + noise * rng.standard_normal(sims.shape)
    ordered = np.take_along_axis(items, PAIR_FIRST[noisy.argmax(axis=1)], axis=1)
    concepts = tuple(f"item_{i:04d}" for i in range(len(features)))
    return Triplets(concepts, ordered, ordered[:, 2].copy(), known_ceiling(sims, noise),
                    f"simulated: {n_triplets} triplets, noise sd {noise:g}, seed {seed}")


def _distinct_triplets(rng: np.random.Generator, n_items: int, n_triplets: int) -> np.ndarray:
    """Uniformly drawn triplets of three different items, shape (n_triplets, 3)."""
    items = rng.integers(0, n_items, (n_triplets, 3))
    while True:
        clash = (items[:, 0] == items[:, 1]) | (items[:, 0] == items[:, 2]) | (items[:, 1] == items[:, 2])
        if not clash.any():
            return items
        items[clash] = rng.integers(0, n_items, (int(clash.sum()), 3))


def _pair_similarities(features: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Dot products of the pairs (0, 1), (0, 2), (1, 2) of each triplet, shape (n_triplets, 3)."""
    a, b, c = (features[items[:, k]] for k in range(3))
    return np.column_stack([(a * b).sum(1), (a * c).sum(1), (b * c).sum(1)])


def known_ceiling(sims: np.ndarray, noise: float) -> float:
    """Expected agreement of the noise-free choice with a choice made under noise, averaged over triplets.

    For the best pair ``a`` and the others ``b``, ``c``, P(noisy argmax = a) =
    E_x[Phi((s_a - s_b)/noise + x) Phi((s_a - s_c)/noise + x)] with x ~ N(0, 1), computed by Gauss-Hermite
    quadrature (64 nodes): exact up to rounding, no sampling.

    Parameters
    ----------
    sims : ndarray, shape (n_triplets, 3)
        Noise-free similarities of the three pairs.
    noise : float
        Sd of the independent Gaussian noise on each similarity.
    """
    if noise == 0:
        return 1.0
    best = np.take_along_axis(sims, sims.argmax(axis=1)[:, None], axis=1)
    gaps = np.sort(best - sims, axis=1)[:, 1:] / noise
    nodes, weights = hermegauss(QUADRATURE_NODES)
    agree = ndtr(gaps[:, :1] + nodes) * ndtr(gaps[:, 1:] + nodes) @ (weights / np.sqrt(2 * np.pi))
    return float(agree.mean())
