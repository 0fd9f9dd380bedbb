"""``autopsy.md``: the autopsy as a page a person reads in a minute, recommendations first."""
from __future__ import annotations

from typing import Any

import numpy as np


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _predictions(pred: dict[str, Any]) -> list[str]:
    lines = [f"{pred['metric']}: model {_fmt(pred['model'])}, dummy {_fmt(pred['dummy'])} on the sample."]
    if pred["kind"] == "classification":
        worst = int(np.argmin(pred["recall"]))
        lines.append(f"Recall per class from {min(pred['recall']):.2f} ({pred['classes'][worst]}) to "
                     f"{max(pred['recall']):.2f}; the most predicted class takes "
                     f"{100 * pred['largest_predicted_share']:.0f} % of the answers.")
    elif pred["kind"] == "regression":
        lines.append(f"Pearson r {_fmt(pred['pearson_r'])}; residuals {pred['residual_mean']:.3g} ± "
                     f"{pred['residual_std']:.3g}; predictions spread {_fmt(pred['spread_ratio'], 2)} x the targets'.")
    else:
        lines.append(f"Median rank of the true item {pred['median_rank']:.0f} of {pred['n_candidates']} "
                     f"(chance {pred['chance_median_rank']:.1f}).")
    for column, rows in pred["groups"].items():
        scored = [r for r in rows if r["beats_dummy"] is not None]
        line = f"Per {column}: the model beats the dummy in {sum(r['beats_dummy'] for r in scored)} of {len(rows)}."
        if scored:
            pick = min if pred["higher_is_better"] else max
            worst = pick(scored, key=lambda r: r["model"])
            line += f" Worst: {column} {worst[column]}, {_fmt(worst['model'])} (dummy {_fmt(worst['dummy'])})."
        lines.append(line)
    return lines


def autopsy_markdown(report: dict[str, Any], figures: dict[str, str]) -> str:
    """The markdown page of an autopsy ``report`` (:func:`~neuroarena.diagnostics.autopsy.examine`) whose plots
    are the files ``figures`` (section -> file name, in the same folder)."""
    run = report["run"]
    out = [f"# Autopsy: {run['model']} on {run['task']} / {run['dataset']}, seed {run['seed']}", "",
           f"Test {run['metric']} {_fmt(run['score'])} (dummy {_fmt(run['dummy'])}, normalized "
           f"{_fmt(run['normalized'])}); examined on {run['n_windows']} {run['part']} windows in "
           f"{report['seconds']['total']:.1f} s (training took {run['train_seconds']:.1f} s).", "",
           "## Recommendations", ""]
    advice = report["recommendations"]
    out += [f"- **{a['finding']}**: {a['advice']}" for a in advice] or ["- nothing stands out: no rule fired."]
    out += ["", "## Predictions", "", *_predictions(report["predictions"]), "",
            f"![predictions]({figures['predictions']})"]
    grads = report["gradients"]
    out += ["", "## Gradient flow", ""]
    if grads["available"]:
        flagged = [f"{g['layer']} ({g['flag']})" for g in grads["layers"] if g["flag"]]
        out += [f"{len(grads['layers'])} layers over the last {grads['last_epochs']} epochs; median "
                f"gradient/parameter ratio {grads['median_ratio']:.2g}; flagged: {', '.join(flagged) or 'none'}.",
                "", f"![gradients]({figures['gradients']})"]
    else:
        out.append("Not recorded for this run (it was not trained by gradient descent).")
    acts = report["activations"]
    out += ["", "## Activations", ""]
    if acts:
        out += ["| after | type | units | dead | saturated | mean ± std |", "|---|---|---|---|---|---|"]
        out += [f"| {n} | {a['type']} | {a['n_units']} | {100 * a['dead']:.0f} % | {100 * a['saturated']:.0f} % | "
                f"{a['mean']:.3g} ± {a['std']:.3g} |" for n, a in acts.items()]
        out += ["", f"![activations]({figures['activations']})"]
    else:
        out.append("The net has no nonlinearity modules to examine.")
    attr = report["attributions"]
    out += ["", "## Attributions", "",
            f"Integrated gradients peak at {attr['peak_time_s']:.3f} s and on channel {attr['peak_channel']}; "
            f"flatness {_fmt(attr['flatness']['spatial'])} over channels, {_fmt(attr['flatness']['temporal'])} "
            f"over time (1 = flat); convergence error {_fmt(attr['convergence'])}.", "",
            f"![attributions]({figures['attributions']})"]
    abl = report["ablations"]
    regions = ", ".join(f"{r} {v['drop']:+.3f}" for r, v in abl["regions"].items()) or "no channel positions"
    segments = ", ".join(f"{s['start_s']:.2f}-{s['stop_s']:.2f} s {s['drop']:+.3f}" for s in abl["segments"])
    out += ["", "## Ablations", "", f"{abl['metric']} lost when replaced by the training mean (intact "
            f"{_fmt(abl['intact'])}; everything: {abl['all']:+.3f}).", "", f"- regions: {regions}",
            f"- segments: {segments}", "", f"![ablations]({figures['ablations']})"]
    fail = report["failures"]
    out += ["", "## Failures", "", f"Worst items by {fail['loss']}:", ""]
    if fail["worst"]:
        columns = list(fail["worst"][0])
        out += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(_fmt(row[c]) for c in columns) + " |" for row in fail["worst"]]
    over = fail["over_represented"]
    out += ["", f"Over-represented among the worst {100 * fail['worst_share']:.0f} % ({fail['n_failures']} items): "
            + ("; ".join(f"{r['column']} = {r['value']} ({100 * r['share_failures']:.0f} % vs "
                         f"{100 * r['share_all']:.0f} %, p = {r['p']:.2g})" for r in over) or "nothing (p < 0.05).")]
    truth = report.get("truth")
    if truth:
        out += ["", "## Against the simulator's ground truth", "",
                f"The signal: {truth['source']}", "",
                f"- spatial attribution vs the true pattern: Spearman ρ = {_fmt(truth['spatial_spearman'])} "
                f"(true peak {truth['true_peak_channel']}, attributions' {attr['peak_channel']})",
                f"- temporal peak {truth['attribution_peak_s']:.3f} s, true window {truth['true_window_s'][0]:.3f}-"
                f"{truth['true_window_s'][1]:.3f} s: {truth['latency_error_ms']:.0f} ms outside"]
        if "true_region" in truth:
            out.append(f"- ablating {truth['true_region']} (the true region) costs "
                       f"{'the most' if truth['true_region_costs_most'] else 'less than ' + truth['costliest_region']}")
    return "\n".join(out) + "\n"
