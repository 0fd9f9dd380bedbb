"""The simulated images: identifiers, categories, latent features and captions."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.studies.simulated.config import SimulationConfig

if TYPE_CHECKING:
    import pandas as pd

#: The THINGS high-level categories, in the order the simulator uses them.
CATEGORY_NAMES: tuple[str, ...] = (
    "animal", "food", "vehicle", "tool", "clothing", "furniture", "plant", "body part",
    "musical instrument", "toy", "container", "sports equipment", "electronic device",
    "kitchen tool", "weapon", "bird", "insect", "dessert", "drink", "fruit", "vegetable",
    "home decor", "office supply", "medical equipment", "kitchen appliance",
    "clothing accessory", "part of car",
)
SIZES = ("small", "medium-sized", "large")
COLOURS = ("red", "green", "blue", "yellow", "black", "white")
TEXTURES = ("smooth", "rough")


@dataclass(frozen=True)
class StimulusSet:
    """All stimuli of the experiment, training ones first.

    Attributes
    ----------
    ids : tuple of str
        Stable identifiers, ``"train_0003"`` or ``"test_0007"``.
    category_index : ndarray, shape (n_stimuli,)
        Category of each stimulus, an index into :attr:`category_names`.
    category_names : tuple of str
    captions : tuple of str
        ``"a photo of a small red animal that is rough"``: category and attributes.
    splits : tuple of str
        ``"train"`` or ``"test"``.
    features : ndarray, shape (n_stimuli, feature_dim)
        Latent features: ``sqrt(s) * prototype[category] + sqrt(1 - s) * individual``
        with ``s = category_share``; each part is standard normal.
    prototypes : ndarray, shape (n_categories, feature_dim)
        The category component of the features.
    individual : ndarray, shape (n_stimuli, feature_dim)
        The stimulus' own component of the features (it sets the caption's attributes).
    """

    ids: tuple[str, ...]
    category_index: np.ndarray
    category_names: tuple[str, ...]
    captions: tuple[str, ...]
    splits: tuple[str, ...]
    features: np.ndarray
    prototypes: np.ndarray
    individual: np.ndarray

    @property
    def categories(self) -> tuple[str, ...]:
        """Category name of each stimulus."""
        return tuple(self.category_names[k] for k in self.category_index)

    def to_frame(self) -> "pd.DataFrame":
        """Table indexed by stimulus id: category, caption, split, f0..f{D-1}."""
        import pandas as pd

        table = pd.DataFrame(
            {"category": self.categories, "caption": self.captions, "split": self.splits},
            index=pd.Index(self.ids, name="stimulus"),
        )
        features = pd.DataFrame(
            self.features, index=table.index,
            columns=[f"f{i}" for i in range(self.features.shape[1])],
        )
        return pd.concat([table, features], axis=1)


def _balanced_categories(n_concepts: int, n_categories: int, rng: np.random.Generator) -> np.ndarray:
    """Category of each concept: every category equally often (up to one), shuffled."""
    return rng.permutation(np.arange(n_concepts) % n_categories)


def caption_attributes(individual: np.ndarray) -> tuple[str, str, str]:
    """Size, colour and texture read off a stimulus' individual features, shape (feature_dim >= 8,)."""
    size = SIZES[int(np.searchsorted([-0.43, 0.43], individual[0]))]  # standard-normal tertiles
    colour = COLOURS[int(np.argmax(individual[1:1 + len(COLOURS)]))]
    texture = TEXTURES[int(individual[1 + len(COLOURS)] > 0)]
    return size, colour, texture


def _caption(category: str, individual: np.ndarray) -> str:
    """A sentence from the category and attributes read off the individual features."""
    size, colour, texture = caption_attributes(individual)
    return f"a photo of a {size} {colour} {category} that is {texture}"


def make_stimuli(config: SimulationConfig) -> StimulusSet:
    """Draw the stimuli of ``config`` (deterministic in ``config.seed``).

    Returns
    -------
    StimulusSet
        ``n_train_concepts`` training then ``n_test_concepts`` test stimuli, one
        image per concept; both splits cover every category.
    """
    rng = np.random.default_rng([config.seed, 1])
    dim, share = config.feature_dim, config.category_share
    prototypes = rng.standard_normal((config.n_categories, dim))
    category_index = np.concatenate([
        _balanced_categories(config.n_train_concepts, config.n_categories, rng),
        _balanced_categories(config.n_test_concepts, config.n_categories, rng),
    ])
    individual = rng.standard_normal((len(category_index), dim))
    features = np.sqrt(share) * prototypes[category_index] + np.sqrt(1 - share) * individual
    names = CATEGORY_NAMES[: config.n_categories]
    ids = [f"train_{i:04d}" for i in range(config.n_train_concepts)]
    ids += [f"test_{i:04d}" for i in range(config.n_test_concepts)]
    splits = ["train"] * config.n_train_concepts + ["test"] * config.n_test_concepts
    captions = [_caption(names[k], row) for k, row in zip(category_index, individual)]
    return StimulusSet(
        ids=tuple(ids), category_index=category_index, category_names=names,
        captions=tuple(captions), splits=tuple(splits), features=features, prototypes=prototypes,
        individual=individual,
    )
