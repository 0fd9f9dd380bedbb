"""What each EEG foundation model was pretrained on, and which downstream datasets that corpus contains.

A foundation model scored on a dataset it saw during pretraining has seen the test subjects' EEG (if not their
labels): its score is flagged in the report, as NeuralBench flags it. Only corpora the authors name are listed;
a model whose corpus list is unknown here is not flagged.

Sources: BENDR, Kostas et al. 2021 (Front. Hum. Neurosci. 15:653659): the Temple University Hospital EEG corpus
(TUEG); CBraMod, Wang et al. 2025 (ICLR): TUEG; LUNA, Döner et al. 2025: TUEG and the Siena scalp EEG database;
EEGPT, Wang et al. 2024 (NeurIPS): PhysioNet MI, the Tsinghua SSVEP benchmark (TSU = Wang et al. 2016), SEED and
M3CV (its ``datasets/pretrain/prepare_pretrain_dataset.py``). TUAB and TUEV are subsets of TUEG (Obeid & Picone
2016, Front. Neurosci. 10:196).
"""
from __future__ import annotations

#: Foundation model -> the corpora its authors pretrained it on.
PRETRAINING: dict[str, tuple[str, ...]] = {
    "bendr": ("TUEG",),
    "cbramod": ("TUEG",),
    "luna": ("TUEG", "Siena"),
    "eegpt": ("PhysioNet MI", "TSU", "SEED", "M3CV"),
}
#: Corpus -> the ``--dataset`` names (and aliases) whose recordings it contains.
CORPUS_DATASETS: dict[str, tuple[str, ...]] = {
    "TUEG": ("tuab", "tuev", "tuh_abnormal", "tuh_events"),
    "TSU": ("wang2016",),
}


def pretraining_overlap(model: str, dataset: str) -> tuple[str, ...]:
    """The corpora ``model`` was pretrained on that contain ``dataset`` (empty: none known; a simulated
    counterpart is never in a corpus)."""
    return tuple(corpus for corpus in PRETRAINING.get(model, ())
                 if dataset.lower() in CORPUS_DATASETS.get(corpus, ()))
