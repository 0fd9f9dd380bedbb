"""Caption retrieval scores: instance and class-aware Recall@K and mean average precision.

Each test stimulus has one candidate caption embedding; the predictions of repeated
presentations of a stimulus are averaged first and the averaged prediction (one *query*
per test stimulus) ranks every candidate by cosine similarity, exactly as
:func:`neuroarena.metrics.retrieval.full_set_ranks` does.

Relevance: *instance* level, only the query's own caption is relevant; *class-aware*,
every caption of the query's category is relevant (its own caption included).

Tie rules (similarities are compared at :data:`~neuroarena.metrics.retrieval.SIMILARITY_DECIMALS`):

- **Recall@K** (instance and class-aware) and Top-K: ties count *against* the query, the rule of
  :mod:`neuroarena.metrics.retrieval`. The rank of the first relevant candidate is the number of irrelevant
  candidates whose similarity is greater than or equal to the best relevant one; with one relevant candidate
  this is the rank of ``full_set_ranks``. A hit at K means rank < K, so instance-level Recall@K is
  :func:`~neuroarena.metrics.retrieval.full_set_topk`. No reference fixes ties here (torchmetrics' retrieval
  metrics order tied scores as ``torch.argsort`` happens to), so the pessimistic rule is ours: a constant
  prediction is never a hit by luck.
- **Average precision** (and so MAP): as scikit-learn's ``average_precision_score``. A group of tied
  candidates is one cut-off: ``AP = sum over cut-offs of (recall gained there) x (precision at it)``, the
  precision counting the whole group. With one relevant candidate this is ``1 / (rank + 1)`` with the rank
  above; with relevant and irrelevant candidates tied together it lies between breaking the tie for and
  against the query.
"""
from __future__ import annotations

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.metrics.retrieval import _check_k, average_by_stimulus, cosine_similarity, full_set_ranks


def first_relevant_rank(similarity: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """Rank of the first relevant candidate of each query (0 = first; ties count against).

    Parameters
    ----------
    similarity : ndarray, shape (s, m)
        Similarity of each query to each candidate.
    relevant : ndarray of bool, shape (s, m)
        Which candidates are right answers; at least one per query.

    Returns
    -------
    ranks : ndarray of int, shape (s,)
    """
    similarity, relevant = _check_relevance(similarity, relevant)
    best = np.where(relevant, similarity, -np.inf).max(axis=1)
    return ((similarity >= best[:, None]) & ~relevant).sum(axis=1)


def average_precision(similarity: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """Average precision of each query's full ranking, ties as scikit-learn's ``average_precision_score``.

    ``AP = mean over the relevant candidates of (relevant among the first p) / p``, p the 1-based
    position of the *last* candidate tied with it in the ranking (a tie group is one cut-off).

    Parameters
    ----------
    similarity : ndarray, shape (s, m)
    relevant : ndarray of bool, shape (s, m)
        At least one relevant candidate per query.

    Returns
    -------
    ap : ndarray, shape (s,)
    """
    similarity, relevant = _check_relevance(similarity, relevant)
    order = np.argsort(-similarity, axis=1, kind="stable")
    ranked = np.take_along_axis(similarity, order, axis=1)
    hits = np.take_along_axis(relevant, order, axis=1).astype(np.float64)
    m = similarity.shape[1]
    last = np.concatenate([ranked[:, 1:] != ranked[:, :-1], np.ones((len(ranked), 1), dtype=bool)], axis=1)
    end = np.where(last, np.arange(m), m)
    end = np.minimum.accumulate(end[:, ::-1], axis=1)[:, ::-1]  # last position of each candidate's tie group
    found = np.take_along_axis(np.cumsum(hits, axis=1), end, axis=1)
    return (hits * found / (end + 1)).sum(axis=1) / hits.sum(axis=1)


def _check_relevance(similarity: np.ndarray, relevant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    similarity, relevant = np.asarray(similarity, dtype=np.float64), np.asarray(relevant, dtype=bool)
    if similarity.ndim != 2 or similarity.shape != relevant.shape:
        raise NeuroarenaError(
            f"ranking got similarities of shape {similarity.shape} and relevance of shape {relevant.shape}",
            fix="pass two (n_queries, n_candidates) arrays",
        )
    if not relevant.any(axis=1).all():
        raise NeuroarenaError(
            f"{int((~relevant.any(axis=1)).sum())} queries have no relevant candidate",
            fix="give every query at least one relevant candidate",
        )
    return similarity, relevant


def caption_map(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray,
                candidate_emb: np.ndarray) -> float:
    """Instance-level mean average precision: the mean over test stimuli of ``1 / (rank + 1)``.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    """
    _, ranks = full_set_ranks(pred, stimulus, candidate_ids, candidate_emb)
    return float(np.mean(1.0 / (ranks + 1)))


def class_relevance(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray, candidate_emb: np.ndarray,
                    candidate_category: np.ndarray,
                    category: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Query similarities and class-aware relevance, one query per test stimulus.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    candidate_category : ndarray, shape (m,)
        Category of each candidate caption.
    category : ndarray, shape (n,), optional
        Category of each window; when given it must be the category of the window's own caption.

    Returns
    -------
    ids : ndarray, shape (s,)
        The distinct test stimuli, sorted.
    query_category : ndarray, shape (s,)
        Category of each test stimulus.
    similarity : ndarray, shape (s, m)
        Cosine similarity of each averaged prediction to each candidate.
    relevant : ndarray of bool, shape (s, m)
        Candidates of the query's category.
    """
    ids, _ = full_set_ranks(pred, stimulus, candidate_ids, candidate_emb)
    candidate_category = np.asarray(candidate_category)
    if len(candidate_category) != len(candidate_emb):
        raise NeuroarenaError(
            f"got {len(candidate_category)} candidate categories for {len(candidate_emb)} candidates",
            fix="pass one category per candidate caption",
        )
    position = {stim: i for i, stim in enumerate(np.asarray(candidate_ids).tolist())}
    query_category = candidate_category[[position[stim] for stim in ids.tolist()]]
    if category is not None:
        _check_window_category(np.asarray(category), np.asarray(stimulus), ids, query_category)
    _, averaged = average_by_stimulus(pred, stimulus)
    similarity = cosine_similarity(averaged, candidate_emb)
    relevant = query_category[:, None] == candidate_category[None, :]
    return ids, query_category, similarity, relevant


def _check_window_category(category: np.ndarray, stimulus: np.ndarray, ids: np.ndarray,
                           query_category: np.ndarray) -> None:
    if len(category) != len(stimulus):
        raise NeuroarenaError(f"got {len(category)} window categories for {len(stimulus)} windows",
                              fix="pass one category per test window")
    expected = query_category[np.searchsorted(ids, stimulus)]
    wrong = np.flatnonzero(category != expected)
    if len(wrong):
        i = wrong[0]
        raise NeuroarenaError(
            f"{len(wrong)} windows have a category other than their caption's (e.g. stimulus "
            f"{stimulus[i].item()!r}: {category[i].item()!r} vs {expected[i].item()!r})",
            fix="take window and caption categories from the same stimulus table",
        )


def class_recall(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray, candidate_emb: np.ndarray,
                 candidate_category: np.ndarray, k: int, category: np.ndarray | None = None) -> float:
    """Class-aware Recall@K: share of test stimuli with a caption of their category among the top K.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    candidate_category : ndarray, shape (m,)
    k : int
    category : ndarray, shape (n,), optional
        Checked against the category of each window's caption.
    """
    _check_k(k)
    _, _, similarity, relevant = class_relevance(pred, stimulus, candidate_ids, candidate_emb,
                                                 candidate_category, category)
    return float(np.mean(first_relevant_rank(similarity, relevant) < k))


def class_average_precision(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray,
                            candidate_emb: np.ndarray, candidate_category: np.ndarray,
                            category: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class-aware average precision of each test stimulus over the full ranking.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    candidate_category : ndarray, shape (m,)
    category : ndarray, shape (n,), optional

    Returns
    -------
    ids : ndarray, shape (s,)
        The distinct test stimuli, sorted.
    query_category : ndarray, shape (s,)
    ap : ndarray, shape (s,)
    """
    ids, query_category, similarity, relevant = class_relevance(pred, stimulus, candidate_ids, candidate_emb,
                                                                candidate_category, category)
    return ids, query_category, average_precision(similarity, relevant)


def class_map(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray, candidate_emb: np.ndarray,
              candidate_category: np.ndarray, category: np.ndarray | None = None) -> float:
    """Class-aware mean average precision: :func:`class_average_precision` averaged over test stimuli.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    candidate_category : ndarray, shape (m,)
    category : ndarray, shape (n,), optional
    """
    _, _, ap = class_average_precision(pred, stimulus, candidate_ids, candidate_emb, candidate_category, category)
    return float(np.mean(ap))


def map_per_class(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray, candidate_emb: np.ndarray,
                  candidate_category: np.ndarray, category: np.ndarray | None = None) -> dict:
    """Class-aware average precision averaged over the test stimuli of each category.

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)
    candidate_category : ndarray, shape (m,)
    category : ndarray, shape (n,), optional

    Returns
    -------
    dict
        Category -> mean average precision, categories sorted.
    """
    _, query_category, ap = class_average_precision(pred, stimulus, candidate_ids, candidate_emb,
                                                    candidate_category, category)
    return {cat: float(ap[query_category == cat].mean()) for cat in np.unique(query_category).tolist()}


def retrieved_top1(pred: np.ndarray, stimulus: np.ndarray, candidate_ids: np.ndarray,
                   candidate_emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The candidate each test stimulus retrieves first (ties broken against the query).

    Parameters
    ----------
    pred : ndarray, shape (n, d)
    stimulus : ndarray, shape (n,)
    candidate_ids : ndarray, shape (m,)
    candidate_emb : ndarray, shape (m, d)

    Returns
    -------
    ids : ndarray, shape (s,)
        The distinct test stimuli, sorted.
    retrieved : ndarray of int, shape (s,)
        Row of ``candidate_emb`` ranked first for each; among equally similar candidates a
        wrong one is preferred, then the lowest row.
    """
    ids, _ = full_set_ranks(pred, stimulus, candidate_ids, candidate_emb)
    _, averaged = average_by_stimulus(pred, stimulus)
    similarity = cosine_similarity(averaged, candidate_emb)
    own = np.asarray(candidate_ids)[None, :] == ids[:, None]
    return ids, np.lexsort((own, -similarity), axis=-1)[:, 0]
