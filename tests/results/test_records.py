
import json
import math
import multiprocessing

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


def _race(root: str, rounds: int, barrier, writer: int, failed_first: bool) -> list[float]:
    """One of several writers: publish a finished record of the same job each round, at the same moment."""
    store, kept = ResultStore(root), []
    for n in range(rounds):
        record = _record(seed=n, score=writer / 10)
        barrier.wait()
        kept.append(store.publish(record).metrics["balanced_accuracy"])
    return kept


@pytest.mark.parametrize("failed_first", [False, True], ids=["new", "over-a-failure"])
def test_of_racing_writers_the_first_finished_record_stands(tmp_path, failed_first):
    writers, rounds = 6, 10
    store = ResultStore(tmp_path)
    if failed_first:  # a retry's writers replace a failed record: still only one of them
        for n in range(rounds):
            store.write(_record(seed=n, status="failed", score=0.0))
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(writers)
    with context.Pool(writers) as pool:
        kept = pool.starmap(_race, [(str(tmp_path), rounds, barrier, w, failed_first) for w in range(writers)])
    for n in range(rounds):
        on_disk = store.get(_record(seed=n).key)
        assert on_disk.status == "ok"
        assert {k[n] for k in kept} == {on_disk.metrics["balanced_accuracy"]}  # every writer got the winner back
    assert not list(tmp_path.rglob("*.tmp"))


def test_non_finite_scores_are_valid_json_and_read_back_as_nan(tmp_path):
    store = ResultStore(tmp_path)
    record = ResultRecord(key=_record().key, status="failed", metrics={"pearson_r": math.nan, "nrmse": math.inf},
                          val_metrics={"pearson_r": float("nan")}, primary_metric="pearson_r",
                          recipe={"lr": math.nan}, wall_time_s=math.nan)
    path = store.write(record)

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    data = json.loads(path.read_text(), parse_constant=refuse)  # strict JSON: no NaN, Infinity
    assert data["metrics"] == {"pearson_r": None, "nrmse": None} and data["recipe"]["lr"] is None
    back = store.get(record.key)
    assert math.isnan(back.metrics["pearson_r"]) and math.isnan(back.metrics["nrmse"])
    assert math.isnan(back.val_metrics["pearson_r"]) and math.isnan(back.wall_time_s)
    assert back.recipe["lr"] is None and back.error == record.error
