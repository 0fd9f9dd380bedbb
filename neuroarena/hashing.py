"""Stable content hashes for configurations: caches and results are keyed by them."""
from __future__ import annotations

import hashlib
import json
from typing import Any


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    return str(obj)


def canonical_json(obj: Any) -> str:
    """Serialise ``obj`` (dicts, lists, scalars, pydantic models, at any depth) to canonical JSON."""
    return json.dumps(_jsonable(obj) if hasattr(obj, "model_dump") else obj,
                      sort_keys=True, separators=(",", ":"), default=_jsonable)


def stable_hash(obj: Any, length: int = 12) -> str:
    """Hex digest of the canonical JSON of ``obj``, the same across runs and machines."""
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()[:length]
