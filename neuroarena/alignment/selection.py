"""Layer selection: which layer a model commits to the EEG, chosen on the selection benchmark.

The selection benchmark is flattened ridge encoding on the study's *training* images only: 80 % of them
fit, the other 20 % score (median r over neuroids, mean over subjects), so the test images that every
benchmark scores on never choose the layer. During selection only, each layer's features are reduced to
at most :data:`SELECTION_COMPONENTS` principal components (fitted on the fitting images).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from neuroarena.alignment.assembly import EegAssembly
    from neuroarena.alignment.vision_model import VisionModel

SELECTION_COMPONENTS = 1000
SELECTION = "ridge encoding of held-out training images (80/20 split, seed 0), PCA to 1000 components"


def select_layer(model: "VisionModel", assembly: "EegAssembly", stimuli: "pd.DataFrame",
                 seed: int = 0) -> dict[str, Any]:
    """Score every candidate layer on the selection benchmark, commit the best to ``eeg``.

    Returns
    -------
    dict
        ``layer`` (the committed one), ``scores`` (layer -> median r), ``selection`` (how).
    """
    from sklearn.decomposition import PCA

    from neuroarena.alignment.benchmarks import standardised
    from neuroarena.alignment.encoding import ridge_encoding

    n = len(assembly.train_stimuli)
    order = np.random.default_rng(seed).permutation(n)
    fit, held = order[: int(0.8 * n)], order[int(0.8 * n):]
    frame = stimuli.loc[list(assembly.train_stimuli)]
    activations = model.features(frame, list(model.layers))
    scores = {}
    for layer in model.layers:
        values = activations[layer].astype(np.float64)
        components = min(SELECTION_COMPONENTS, len(fit) - 1, values.shape[1])
        if components < values.shape[1]:
            pca = PCA(components, random_state=seed).fit(values[fit])
            values = pca.transform(values)
        x_fit, x_held = standardised(values[fit], values[held])
        r = [np.nanmedian(ridge_encoding(x_fit, s.train[fit].reshape(len(fit), -1), x_held,
                                         s.train[held].reshape(len(held), -1))) for s in assembly.subjects]
        scores[layer] = float(np.mean(r))
    best = max(scores, key=lambda layer: scores[layer])
    model.commit("eeg", best)
    return {"layer": best, "scores": scores, "selection": SELECTION}
