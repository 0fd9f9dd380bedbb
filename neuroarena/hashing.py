"""Stable content hashes for configurations: caches and results are keyed by them."""
from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(obj: Any) -> str:
    """Serialise ``obj`` (dicts, lists, scalars, pydantic models) to canonical JSON."""
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(mode="json")
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def stable_hash(obj: Any, length: int = 12) -> str:
    """Hex digest of the canonical JSON of ``obj``, the same across runs and machines."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[:length]
