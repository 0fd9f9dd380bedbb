"""The Lightning recipe on in-memory windows: learning, best checkpoint, subject-aware nets."""
import numpy as np
import torch
import pytest

from neuroarena.training.data import WindowBatches, make_loader
from neuroarena.training.fit import fit_net, predict_net
from neuroarena.training.recipe import Recipe


class ArraySource:
    def __init__(self, X):
        self.X = X

    def take(self, indices):
        return self.X[indices]


class SubjectNet(torch.nn.Module):
    """Class logits from the mean of channel 0, plus a learned offset per subject."""

    uses_subject = True

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 2)
        self.subject_bias = torch.nn.Embedding(2, 2)
        self.seen = set()

    def forward(self, X, subject):
        self.seen.update(subject.tolist())
        return self.linear(X[:, 0].mean(dim=1, keepdim=True)) + self.subject_bias(subject)


def _data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 3, 10)).astype(np.float32)
    X[:, 0] += (2 * y - 1)[:, None]
    return X, y.astype(np.int64), (np.arange(n) % 2).astype(np.int64)


def test_batches_gather_in_position_order():
    X, y, subjects = _data(10)
    batches = WindowBatches(ArraySource(X), np.arange(10)[::-1].copy(), y[::-1].copy(), subjects[::-1].copy())
    batch = batches[[4, 1, 7]]
    Xb, yb, sb, pos = batch["X"], batch["y"], batch["subject"], batch["positions"]
    assert pos.tolist() == [1, 4, 7]
    np.testing.assert_array_equal(Xb.numpy(), X[[8, 5, 2]])
    assert yb.tolist() == y[[8, 5, 2]].tolist() and sb.tolist() == subjects[[8, 5, 2]].tolist()
    loader = make_loader(batches, batch_size=4, shuffle=True, seed=1)
    seen = torch.cat([b["positions"] for b in loader]).tolist()
    assert len(seen) == len(set(seen)) == 8  # drop_last while shuffling: 2 full batches of 4


def test_fit_learns_and_keeps_the_best_checkpoint(tmp_path):
    X, y, subjects = _data()
    source = ArraySource(X)
    train = WindowBatches(source, np.arange(200), y[:200], subjects[:200])
    val = WindowBatches(source, np.arange(200, 256), y[200:], subjects[200:])
    torch.manual_seed(0)
    net = SubjectNet()

    def accuracy(outputs, positions):
        return float((outputs.argmax(1) == y[200:][positions]).mean())

    recipe = Recipe(lr=0.05, max_epochs=6, patience=3, batch_size=32)
    def objective(outputs, batch):
        return torch.nn.functional.cross_entropy(outputs, batch["y"])

    fit = fit_net(net, train, val, objective, accuracy, recipe, seed=0, workdir=tmp_path)
    assert net.seen == {0, 1}
    assert fit.best_monitor == max(h["val_monitor"] for h in fit.history) > 0.9
    positions, outputs = predict_net(fit.module, val, recipe, tmp_path)
    assert accuracy(outputs, positions) == fit.best_monitor


def test_objective_parameters_train_without_weight_decay():
    from neuroarena.training.module import DecoderModule
    from neuroarena.training.objective import Objective

    net = torch.nn.Linear(4, 3)
    objective = Objective([("clip", 1.0, {"learnable_temperature": True, "mask_repeats": False})], dim=3)
    module = DecoderModule(net, objective, Recipe(weight_decay=0.05), total_steps=10, monitor_fn=lambda o, p: 0.0)
    optimizer = module.configure_optimizers()["optimizer"]
    decay = {g["weight_decay"]: {id(p) for p in g["params"]} for g in optimizer.param_groups}
    assert decay[0.05] == {id(p) for p in net.parameters()}
    assert decay[0.0] == {id(p) for p in objective.parameters()} and len(decay[0.0]) == 1


def test_batches_carry_extra_fields():
    X, y, subjects = _data(6)
    teacher = np.arange(12, dtype=np.float32).reshape(6, 2)
    batches = WindowBatches(ArraySource(X), np.arange(6), y, subjects, extras={"teacher": teacher})
    batch = batches[[5, 2]]
    assert set(batch) == {"X", "positions", "y", "subject", "teacher"}
    np.testing.assert_array_equal(batch["teacher"].numpy(), teacher[[2, 5]])
    with pytest.raises(ValueError, match="6 windows but 5 values of 'label'"):
        WindowBatches(ArraySource(X), np.arange(6), y, subjects, extras={"label": np.zeros(5)})
