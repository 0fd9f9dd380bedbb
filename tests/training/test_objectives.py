from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from neuroarena.errors import NeuroarenaError
from neuroarena.tasks.config import load_task_file, task_files
from neuroarena.training.objective import Objective, make_objective

RNG = np.random.default_rng(0)
PRED = RNG.normal(size=(5, 4))
TEACHER = RNG.normal(size=(5, 4))
CAPTIONS = np.array([[1.0, 0.2, -0.3, 0.5], [-0.4, 1.0, 0.3, -0.2], [0.2, -0.5, 1.0, 0.1],
                     [0.3, 0.4, -0.2, -1.0], [1.05, 0.15, -0.25, 0.5]])  # row 4: near-duplicate of row 0
REPEATS = CAPTIONS.copy()
REPEATS[3] = REPEATS[1]
STIMULUS = np.array([0, 1, 2, 1, 3])  # rows 1 and 3 show the same stimulus


def cos(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def batch(y=CAPTIONS, **extra):
    out = {"y": torch.tensor(y), "stimulus": torch.tensor(STIMULUS), "target_group": torch.tensor(STIMULUS),
           "teacher": torch.tensor(TEACHER)}
    return out | {k: torch.tensor(v) for k, v in extra.items()}


def one_term(name, dim=4, n_classes=None, **params):
    return Objective([(name, 1.0, params)], dim=dim, n_classes=n_classes)


def infonce_loops(P, Y, tau, symmetric, weight_of=lambda i, j: 1.0, sim=cos):
    """-log(e^s_ii / (e^s_ii + sum_{j!=i} w_ij e^s_ij)) averaged over rows (and columns)."""
    n = len(P)
    s = [[sim(P[i], Y[j]) / tau for j in range(n)] for i in range(n)]

    def one_way(s):
        total = 0.0
        for i in range(n):
            denominator = math.exp(s[i][i]) + sum(weight_of(i, j) * math.exp(s[i][j]) for j in range(n) if j != i)
            total += -(s[i][i] - math.log(denominator))
        return total / n

    rows = one_way(s)
    return (rows + one_way([list(c) for c in zip(*s)])) / 2 if symmetric else rows


@pytest.mark.parametrize("normalize", ["both", "pred", "target", "none"])
@pytest.mark.parametrize("symmetric", [True, False])
def test_clip_matches_loops(normalize, symmetric):
    unit = lambda v: v / np.linalg.norm(v)  # noqa: E731
    side = {"both": (unit, unit), "pred": (unit, lambda v: v), "target": (lambda v: v, unit),
            "none": (lambda v: v, lambda v: v)}[normalize]
    dot = lambda a, b: float(side[0](a) @ side[1](b))  # noqa: E731
    term = one_term("clip", temperature=0.5, symmetric=symmetric, normalize=normalize, mask_repeats=False)
    expected = infonce_loops(PRED, CAPTIONS, 0.5, symmetric, sim=dot)
    assert term(torch.tensor(PRED), batch()).item() == pytest.approx(expected, rel=1e-9)


def test_clip_repeat_of_the_positive_is_not_a_negative():
    masked = one_term("clip", temperature=0.3)(torch.tensor(PRED), batch(REPEATS)).item()
    plain = one_term("clip", temperature=0.3, mask_repeats=False)(torch.tensor(PRED), batch(REPEATS)).item()
    not_repeat = lambda i, j: float(STIMULUS[i] != STIMULUS[j])  # noqa: E731
    assert masked == pytest.approx(infonce_loops(PRED, REPEATS, 0.3, True, not_repeat), rel=1e-9)
    assert plain == pytest.approx(infonce_loops(PRED, REPEATS, 0.3, True), rel=1e-9)
    assert masked < plain


def test_clip_identical_targets_of_different_stimuli_are_not_negatives():
    # rows 0 and 4 show different images with the same caption: one target group
    same_caption = CAPTIONS.copy()
    same_caption[4] = same_caption[0]
    groups = np.array([0, 1, 2, 3, 0])
    masked = one_term("clip", temperature=0.3)(torch.tensor(PRED), batch(same_caption, target_group=groups)).item()
    by_stimulus = one_term("clip", temperature=0.3)(torch.tensor(PRED), batch(same_caption)).item()
    other_target = lambda i, j: float(groups[i] != groups[j])  # noqa: E731
    assert masked == pytest.approx(infonce_loops(PRED, same_caption, 0.3, True, other_target), rel=1e-9)
    assert by_stimulus == pytest.approx(infonce_loops(PRED, same_caption, 0.3, True,
                                                      lambda i, j: float(STIMULUS[i] != STIMULUS[j])), rel=1e-9)
    assert masked != pytest.approx(by_stimulus)


def test_learnable_temperature_gets_the_hand_derived_gradient_and_is_capped():
    objective = one_term("clip", temperature=0.1, learnable_temperature=True, symmetric=False, mask_repeats=False)
    log_scale = objective.terms[0].temperature.log_scale
    assert log_scale.item() == pytest.approx(math.log(10), rel=1e-6)
    loss = objective(torch.tensor(PRED), batch())
    loss.backward()
    assert loss.item() == pytest.approx(infonce_loops(PRED, CAPTIONS, 0.1, False), rel=1e-6)
    # L = mean_i(-s c_ii + log sum_j e^{s c_ij}) => dL/dlog(s) = s * mean_i(sum_j p_ij c_ij - c_ii)
    c = np.array([[cos(p, y) for y in CAPTIONS] for p in PRED])
    p = np.exp(10 * c) / np.exp(10 * c).sum(axis=1, keepdims=True)
    expected_grad = 10 * np.mean((p * c).sum(axis=1) - np.diag(c))
    assert log_scale.grad.item() == pytest.approx(expected_grad, rel=1e-5)
    with torch.no_grad():
        log_scale.fill_(math.log(500.0))
    log_scale.grad = None
    capped = objective(torch.tensor(PRED), batch())
    capped.backward()
    assert capped.item() == pytest.approx(infonce_loops(PRED, CAPTIONS, 0.01, False), rel=1e-5)
    assert log_scale.grad.item() == 0.0
    with pytest.raises(NeuroarenaError, match="temperature must be at least 0.01 when learnable"):
        one_term("clip", temperature=0.005, learnable_temperature=True)


def siglip_loops(P, Y, t, b, positive):
    n, total = len(P), 0.0
    for i in range(n):
        for j in range(n):
            z = 1.0 if positive(i, j) else -1.0
            total += -math.log(1 / (1 + math.exp(-z * (t * cos(P[i], Y[j]) + b))))
    return total / n


def test_siglip_with_bias_repeats_and_gradients():
    objective = one_term("siglip", scale=5.0, bias=-2.0)
    term = objective.terms[0]
    loss = objective(torch.tensor(PRED), batch(REPEATS))
    same = lambda i, j: STIMULUS[i] == STIMULUS[j]  # noqa: E731
    assert loss.item() == pytest.approx(siglip_loops(PRED, REPEATS, 5.0, -2.0, same), rel=1e-6)
    loss.backward()
    # dL/db = -1/n sum_ij z_ij (1 - sigmoid(z_ij l_ij)); dL/dlog(t) = -t/n sum_ij z_ij c_ij (1 - sigmoid(z_ij l_ij))
    c = np.array([[cos(p, y) for y in REPEATS] for p in PRED])
    z = np.where(STIMULUS[:, None] == STIMULUS[None, :], 1.0, -1.0)
    rest = 1 - 1 / (1 + np.exp(-z * (5.0 * c - 2.0)))
    assert term.bias.grad.item() == pytest.approx(-(z * rest).sum() / 5, rel=1e-5)
    assert term.log_scale.grad.item() == pytest.approx(-5.0 * (z * c * rest).sum() / 5, rel=1e-5)
    paper = one_term("siglip", mask_repeats=False)
    assert paper.terms[0].log_scale.item() == pytest.approx(math.log(10)) and paper.terms[0].bias.item() == -10
    eye = lambda i, j: i == j  # noqa: E731
    assert paper(torch.tensor(PRED), batch(REPEATS)).item() == pytest.approx(
        siglip_loops(PRED, REPEATS, 10.0, -10.0, eye), rel=1e-6)


def test_cosine_mse_and_cross_entropy():
    expected_cosine = np.mean([1 - cos(p, y) for p, y in zip(PRED, CAPTIONS)])
    assert one_term("cosine")(torch.tensor(PRED), batch()).item() == pytest.approx(expected_cosine, rel=1e-9)
    expected_mse = sum((p - y) ** 2 for p, y in zip(PRED.ravel(), CAPTIONS.ravel())) / PRED.size
    assert one_term("mse")(torch.tensor(PRED), batch()).item() == pytest.approx(expected_mse, rel=1e-9)
    logits, classes = PRED[:, :3], np.array([2, 0, 1, 1, 0])
    expected_ce = np.mean([math.log(sum(math.exp(v) for v in row)) - row[k] for row, k in zip(logits, classes)])
    on_y = one_term("cross_entropy", dim=3)(torch.tensor(logits), {"y": torch.tensor(classes)})
    on_label = one_term("cross_entropy", dim=3, target="label")(
        torch.tensor(logits), batch(label=classes))
    assert on_y.item() == pytest.approx(expected_ce, rel=1e-9)
    assert on_label.item() == pytest.approx(expected_ce, rel=1e-9)
    with pytest.raises(NeuroarenaError, match=r"integer 'y' \(batch,\)"):
        one_term("cross_entropy")(torch.tensor(PRED), batch())


def test_distill_is_the_kl_from_the_teacher_over_the_batch_captions():
    n, tau_s, tau_t = len(PRED), 0.2, 0.5
    expected = 0.0
    for i in range(n):
        student = [math.exp(cos(PRED[i], CAPTIONS[j]) / tau_s) for j in range(n)]
        teacher = [math.exp(cos(TEACHER[i], CAPTIONS[j]) / tau_t) for j in range(n)]
        q = [v / sum(student) for v in student]
        p = [v / sum(teacher) for v in teacher]
        expected += sum(p[j] * math.log(p[j] / q[j]) for j in range(n)) / n
    term = one_term("distill", student_temperature=tau_s, teacher_temperature=tau_t)
    assert term(torch.tensor(PRED), batch()).item() == pytest.approx(expected, rel=1e-9)
    same = one_term("distill", student_temperature=0.3, teacher_temperature=0.3)
    assert same(torch.tensor(TEACHER), batch()).item() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(NeuroarenaError, match=r"teacher embeddings of the targets' shape \(5, 4\), got \(5, 3\)"):
        term(torch.tensor(PRED), batch(teacher=TEACHER[:, :3]))


def test_debiased_infonce_removes_or_down_weights_the_near_duplicate_caption():
    close = [(i, j) for i in range(5) for j in range(5) if i != j and cos(CAPTIONS[i], CAPTIONS[j]) > 0.9]
    assert close == [(0, 4), (4, 0)]
    x = torch.tensor(PRED)
    for weight in (0.0, 0.3):
        w = lambda i, j: weight if (i, j) in close else 1.0  # noqa: E731
        term = one_term("debiased_infonce", temperature=0.2, threshold=0.9, weight=weight)
        assert term(x, batch()).item() == pytest.approx(infonce_loops(PRED, CAPTIONS, 0.2, True, w), rel=1e-9)
    one_way = one_term("debiased_infonce", temperature=0.2, weight=0.0, symmetric=False)(x, batch()).item()
    removed = lambda i, j: 0.0 if (i, j) in close else 1.0  # noqa: E731
    assert one_way == pytest.approx(infonce_loops(PRED, CAPTIONS, 0.2, False, removed), rel=1e-9)
    nothing_close = one_term("debiased_infonce", temperature=0.2, threshold=0.999)(x, batch()).item()
    assert nothing_close == pytest.approx(infonce_loops(PRED, CAPTIONS, 0.2, True), rel=1e-9)
    with pytest.raises(NeuroarenaError, match=r"weight must be in \[0, 1\)"):
        one_term("debiased_infonce", weight=1.5)(x, batch())


def test_category_ce_head_on_the_embedding():
    objective = one_term("category_ce", dim=4, n_classes=3)
    head = objective.terms[0].head
    assert tuple(head.weight.shape) == (3, 4)
    W, b = RNG.normal(size=(3, 4)), np.array([0.1, -0.2, 0.3])
    with torch.no_grad():
        head.weight.copy_(torch.tensor(W))
        head.bias.copy_(torch.tensor(b))
    labels = np.array([1, 0, 2, 2, 1])
    expected = 0.0
    for x, k in zip(PRED, labels):
        logits = [float(W[c] @ x + b[c]) for c in range(3)]
        expected += (math.log(sum(math.exp(v) for v in logits)) - logits[k]) / len(labels)
    loss = objective(torch.tensor(PRED, dtype=torch.float32), batch(label=labels))
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0
    with pytest.raises(NeuroarenaError, match="'category_ce' needs the number of categories"):
        one_term("category_ce", n_classes=None)


def test_objective_is_the_weighted_sum_of_its_terms():
    terms = [("clip", 1.0, {"temperature": 0.5, "mask_repeats": False}), ("cosine", 0.5, {}), ("mse", 0.25, {}),
             ("clip", 0.0, {"temperature": 0.5, "symmetric": False, "mask_repeats": False})]
    objective = Objective(terms, dim=4, available_keys={"y"})
    total = objective(torch.tensor(PRED), batch())
    values = {"clip": infonce_loops(PRED, CAPTIONS, 0.5, True),
              "cosine": np.mean([1 - cos(p, y) for p, y in zip(PRED, CAPTIONS)]),
              "mse": np.mean((PRED - CAPTIONS) ** 2), "clip_2": infonce_loops(PRED, CAPTIONS, 0.5, False)}
    assert objective.names == ["clip", "cosine", "mse", "clip_2"]
    assert {k: v.item() for k, v in objective.last_values.items()} == pytest.approx(values, rel=1e-9)
    expected = values["clip"] + 0.5 * values["cosine"] + 0.25 * values["mse"]
    assert total.shape == () and total.item() == pytest.approx(expected, rel=1e-9)


def test_objective_refuses_missing_keys_unknown_terms_and_bad_weights():
    with pytest.raises(NeuroarenaError, match="term 'distill' needs batch key 'teacher', which the task does not"):
        Objective([("distill", 1.0, {})], dim=4, available_keys={"y", "stimulus"})
    with pytest.raises(NeuroarenaError, match="term 'clip' needs batch key 'target_group'.*set mask_repeats: false"):
        one_term("clip")(torch.tensor(PRED), {"y": torch.tensor(CAPTIONS)})
    with pytest.raises(NeuroarenaError, match=r"unknown objective term 'clipp' -> did you mean 'clip'\? use one of"):
        one_term("clipp")
    with pytest.raises(NeuroarenaError, match=r"'clip' does not take parameters \['temp'\]"):
        one_term("clip", temp=0.1)
    with pytest.raises(NeuroarenaError, match="at least one term"):
        Objective([], dim=4)
    for weights in ([-1.0], [0.0], [float("nan")]):
        with pytest.raises(NeuroarenaError, match="weights must be finite, >= 0 and not all 0"):
            Objective([("mse", w, {}) for w in weights], dim=4)


def write_task(tmp_path: Path, name: str, objective: str) -> Path:
    text = Path(task_files()["image"]).read_text()
    start = text.index("objective:")
    end = text.index("metrics:")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text[:start] + objective + text[end:])
    return path


def test_yaml_single_and_multi_term_forms_load_hash_stably_and_build(tmp_path):
    single = write_task(tmp_path, "single", "objective:\n  loss: clip\n  params: {temperature: 0.07}\n")
    listed = write_task(tmp_path, "listed", "objective:\n  terms:\n    - {loss: clip, params: {temperature: 0.07}}\n")
    multi_yaml = ("objective:\n  terms:\n    - {loss: clip, weight: 1.0, params: {temperature: 0.07}}\n"
                  "    - {loss: category_ce, weight: 0.2}\n")
    multi = write_task(tmp_path, "multi", multi_yaml)
    heavier = write_task(tmp_path, "heavier", multi_yaml.replace("weight: 0.2", "weight: 0.3"))
    assert load_task_file(single).hash == load_task_file(listed).hash == load_task_file(single).hash
    assert load_task_file(multi).hash == load_task_file(multi).hash != load_task_file(heavier).hash
    assert load_task_file(multi).hash != load_task_file(single).hash
    config = load_task_file(multi).objective
    assert [(t.loss, t.weight, t.params) for t in config.terms] == [("clip", 1.0, {"temperature": 0.07}),
                                                                    ("category_ce", 0.2, {})]
    objective = make_objective(config, dim=4, n_classes=3, available_keys={"y", "label", "target_group"})
    assert objective.names == ["clip", "category_ce"] and objective.weights == [1.0, 0.2]
    assert objective.terms[0].temperature() == 0.07 and tuple(objective.terms[1].head.weight.shape) == (3, 4)
    both = write_task(tmp_path, "both", "objective:\n  loss: clip\n  terms: [{loss: mse}]\n")
    negative = write_task(tmp_path, "negative", "objective:\n  terms: [{loss: mse, weight: -1}]\n")
    empty = write_task(tmp_path, "empty", "objective:\n  terms: []\n")
    with pytest.raises(NeuroarenaError, match="both.yaml: invalid task field 'objective'.*not both"):
        load_task_file(both)
    with pytest.raises(NeuroarenaError, match="invalid task field 'objective.terms.0.weight'"):
        load_task_file(negative)
    with pytest.raises(NeuroarenaError, match="invalid task field 'objective.terms'"):
        load_task_file(empty)


def test_the_light_term_names_are_the_objective_terms():
    from neuroarena.training.objective import TERMS
    from neuroarena.training.terms import TERM_NAMES

    assert TERM_NAMES == tuple(TERMS)
