"""Recommendations: plain rules that turn an autopsy's numbers into advice, each citing the number behind it."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

#: Thresholds of the rules (shares are fractions of units or windows).
DEAD_SHARE = 0.5
SATURATED_SHARE = 0.5
DUMMY_LEVEL = 0.05  # normalized score below which a model is "at dummy level"
COLLAPSED_SHARE = 0.9  # one class predicted for this share of the windows
COLLAPSED_SPREAD = 0.1  # regression predictions' std below this share of the targets'
VAL_RISE = 0.05  # validation loss this much above its minimum, relative
LATE_BEST = 0.9  # best epoch within the last tenth of the run: still improving


@dataclass(frozen=True)
class Advice:
    """One recommendation: the ``rule`` that fired, the ``finding`` (with its number) and the ``advice``."""

    rule: str
    finding: str
    advice: str

    def line(self) -> str:
        return f"{self.finding}: {self.advice}"


def _training(training: dict[str, Any], max_epochs: int | None) -> list[Advice]:
    out = []
    history = training.get("history") or []
    losses = [math.nan if h.get("val_loss") is None else float(h["val_loss"]) for h in history]  # null: NaN
    if losses and any(not math.isfinite(v) for v in losses):
        first = next(h["epoch"] for h, v in zip(history, losses) if not math.isfinite(v))
        out.append(Advice("diverged", f"the validation loss is not finite from epoch {first}",
                          "training diverged: lower the learning rate (--lr)"))
    elif len(losses) >= 3:
        best = min(range(len(losses)), key=losses.__getitem__)
        rise = (losses[-1] - losses[best]) / max(abs(losses[best]), 1e-12)
        if best < len(losses) - 1 and rise > VAL_RISE:
            out.append(Advice("overfitting", f"the validation loss rose {100 * rise:.0f} % after its minimum at "
                              f"epoch {history[best]['epoch']}", "the net overfits: stronger regularisation "
                              "(weight decay, dropout, fewer parameters) or stopping earlier"))
    epochs = training.get("epochs") or 0
    if max_epochs and epochs >= max_epochs and training.get("best_epoch", -1) >= LATE_BEST * (epochs - 1):
        out.append(Advice("undertrained", f"the best epoch ({training['best_epoch']}) is the run's last of "
                          f"{epochs}", f"still improving when it stopped: train longer (--max-epochs above "
                          f"{max_epochs})"))
    return out


def recommendations(report: dict[str, Any], training: dict[str, Any], normalized: float | None,
                    max_epochs: int | None = None) -> list[dict[str, str]]:
    """The recommendations of an autopsy ``report`` (its sections: ``predictions``, ``gradients``,
    ``activations``, ``attributions``, ``failures``), given the run's ``training`` facts, its normalized score
    (0 = dummy, 1 = perfect) and the recipe's ``max_epochs``; each a dict with ``rule``, ``finding`` and
    ``advice``."""
    out = _training(training, max_epochs)
    for layer in report.get("gradients", {}).get("layers", []):
        if layer["flag"] == "no gradient":
            out.append(Advice("no_gradient", f"layer {layer['layer']} received no gradient",
                              "it is frozen or not on the loss's path: unfreeze it (or check the adaptation "
                              "method) if it should learn"))
        elif layer["flag"] == "exploding":
            out.append(Advice("exploding_gradients", f"layer {layer['layer']}'s gradient norm is "
                              f"{layer['grad_norm']:.3g} ({layer['nonfinite_steps']} non-finite steps)",
                              "gradients explode: lower the learning rate (--lr) or clip gradients"))
        elif layer["flag"] == "vanishing":
            out.append(Advice("vanishing_gradients", f"layer {layer['layer']}'s gradient/parameter ratio is "
                              f"{layer['ratio']:.2g}, far below the median layer's",
                              "its gradients vanish: add normalisation or skip connections, or raise its "
                              "learning rate"))
    for name, layer in report.get("activations", {}).items():
        if layer["dead"] > DEAD_SHARE:
            out.append(Advice("dead_units", f"{100 * layer['dead']:.0f} % of the units after {name} "
                              f"({layer['type']}) are dead", "lower the learning rate (--lr) or use a "
                              "different activation"))
        elif layer["saturated"] > SATURATED_SHARE:
            out.append(Advice("saturated_units", f"{100 * layer['saturated']:.0f} % of the units after {name} "
                              f"({layer['type']}) are saturated", "inputs or weights are too large: check the "
                              "input scaling, lower the learning rate (--lr)"))
    pred = report.get("predictions", {})
    if pred.get("largest_predicted_share", 0.0) > COLLAPSED_SHARE:
        out.append(Advice("collapsed", f"one class takes {100 * pred['largest_predicted_share']:.0f} % of the "
                          "predictions", "the net answers nearly one class: check class balance, the loss and "
                          "the learning rate"))
    spread = pred.get("spread_ratio")
    if spread is not None and math.isfinite(spread) and spread < COLLAPSED_SPREAD:
        out.append(Advice("collapsed", f"the predictions' spread is {100 * spread:.0f} % of the targets'",
                          "the net predicts nearly a constant (the mean): the signal may be too weak for it, "
                          "or it needs more epochs"))
    flat = report.get("attributions", {}).get("flatness", {})
    if normalized is not None and math.isfinite(normalized) and normalized < DUMMY_LEVEL:
        from neuroarena.diagnostics.attributions import FLATNESS_LIMIT

        level = f"the normalized score is {normalized:.3f} (dummy level)"
        if flat and all(v is None or not math.isfinite(v) for v in flat.values()):
            out.append(Advice("input_ignored", f"{level} and its attributions are zero",
                              "its output does not depend on the input: look at the dead units and gradients "
                              "above, and lower the learning rate (--lr)"))
        elif flat and all(v is not None and v > FLATNESS_LIMIT for v in flat.values()):
            out.append(Advice("absent_signal", f"{level} and its attributions are flat (flatness "
                              f"{flat['spatial']:.3f} over channels, {flat['temporal']:.3f} over time)",
                              "the signal may be absent from these windows: check the window's timing, the "
                              "preprocessing and the target"))
        else:
            out.append(Advice("no_generalisation", f"{level} although its attributions are structured",
                              "it uses features that do not carry over to the test data: check the split and "
                              "the failures below"))
    for row in report.get("failures", {}).get("over_represented", []):
        if row["column"] in ("subject", "session", "run", "release") and row["ratio"] > 1.5:
            out.append(Advice("failing_group", f"{row['column']} {row['value']} holds "
                              f"{100 * row['share_failures']:.0f} % of the failures against "
                              f"{100 * row['share_all']:.0f} % of the windows (p = {row['p']:.2g})",
                              "look at its recordings: artefacts, bad channels, a different setup"))
            break
    return [asdict(a) for a in out]
