
import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.results.records import JobKey, ResultRecord, ResultStore


def _record(seed=33, status="ok", score=0.5):
    key = JobKey("category", "simulated", "eegnet", seed, "abc123")
    return ResultRecord(key=key, status=status, metrics={"balanced_accuracy": score},
                        primary_metric="balanced_accuracy")


def test_round_trip_and_layout(tmp_path):
    store = ResultStore(tmp_path)
    path = store.write(_record())
    assert path == tmp_path / "category" / "simulated" / "eegnet" / "seed-33_abc123.json"
    back = store.get(_record().key)
    assert back.metrics == {"balanced_accuracy": 0.5}
    assert back.versions["neuroarena"] == "0.1.0"
    assert store.is_done(_record().key)
    assert [r.key.seed for r in store] == [33]
    assert not list(tmp_path.rglob("*.tmp"))


def test_finished_records_are_immutable_failed_ones_replaceable(tmp_path):
    store = ResultStore(tmp_path)
    store.write(_record(status="failed", score=0.0))
    assert not store.is_done(_record().key)
    store.write(_record(status="ok", score=0.7))
    assert store.get(_record().key).metrics["balanced_accuracy"] == 0.7
    with pytest.raises(NeuroarenaError, match="immutable"):
        store.write(_record(status="ok", score=0.9))


def test_corrupt_record_is_named(tmp_path):
    store = ResultStore(tmp_path)
    path = store.write(_record())
    path.write_text("{ not json")
    with pytest.raises(NeuroarenaError) as info:
        store.get(_record().key)
    assert str(path) in str(info.value)
