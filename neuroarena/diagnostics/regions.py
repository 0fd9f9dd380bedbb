"""Scalp regions of a recording's channels: frontal, central, parietal, occipital, temporal.

10-20 names decide by their letters (``Fp``/``AF``/``F`` frontal, ``FC``/``C`` central, ``FT``/``T``/``TP``
temporal, ``CP``/``P`` parietal, ``PO``/``O``/``I`` occipital); other names (EGI's ``E1``...``E128``) by their
position on the head: anterior-posterior for the midline regions, lateral and low for temporal.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np

REGIONS = ("frontal", "central", "temporal", "parietal", "occipital")
_BY_NAME = (
    (re.compile(r"^(FT|T|TP)\d", re.I), "temporal"),
    (re.compile(r"^(PO|O|I|CB)(\d|z)", re.I), "occipital"),
    (re.compile(r"^(CP|P)(\d|z)", re.I), "parietal"),
    (re.compile(r"^(FC|C)(\d|z)", re.I), "central"),
    (re.compile(r"^(Fp|AF|F)(\d|z)", re.I), "frontal"),
)


def _by_position(position: np.ndarray) -> str | None:
    norm = np.linalg.norm(position)
    if not np.isfinite(norm) or norm == 0:
        return None
    x, y, z = position / norm
    if abs(x) > 0.8 and abs(y) < 0.6 and z < 0.5:
        return "temporal"
    if y > 0.45:
        return "frontal"
    if y > -0.3:
        return "central"
    if y > -0.85:
        return "parietal"
    return "occipital"


def channel_regions(chs_info: list[dict[str, Any]]) -> list[str | None]:
    """The region of each channel (None when neither its name nor its position says).

    Parameters
    ----------
    chs_info : list of dict
        Per channel ``ch_name`` and ``loc`` (shape (12,); the first three entries are the position in m).
    """
    regions = []
    for ch in chs_info:
        name = ch["ch_name"]
        found = next((region for pattern, region in _BY_NAME if pattern.match(name)), None)
        if found is None:
            found = _by_position(np.asarray(ch.get("loc", np.zeros(3)), dtype=float)[:3])
        regions.append(found)
    return regions


def region_groups(chs_info: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Channel indices of each region that has channels, in :data:`REGIONS` order."""
    regions = np.array(channel_regions(chs_info), dtype=object)
    return {r: np.flatnonzero(regions == r) for r in REGIONS if (regions == r).any()}
