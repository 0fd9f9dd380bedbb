"""The page's parts without a browser: recipe tags, SVG scales and text fitting, marks with hover values."""
from __future__ import annotations

import re

import numpy as np
import pytest

from neuroarena.report.recipes import Labels, recipe_tag, recipe_tags
from neuroarena.report.svg import Chart, Scale, fit, number, text_width
from neuroarena.report.task_plots import confusion, predicted_vs_true, rank_curves


def test_recipe_tags_are_short_and_distinct():
    debug = "limit_eval_batches=5,limit_train_batches=5,max_epochs=2"
    assert recipe_tag("") == "standard"
    assert recipe_tag(debug) == "debug"
    assert recipe_tag("limit_eval_batches=5,limit_train_batches=5,lr=0.001,max_epochs=2") == "debug lr=0.001"
    assert recipe_tag("limit_eval_batches=5,limit_train_batches=5,max_epochs=7") == "debug max_epochs=7"
    assert recipe_tag("lr=0.001") == "lr=0.001"
    long = "batch_size=32,lr=0.001,max_epochs=40,weight_decay=0.01"
    assert recipe_tags(["", debug, long, debug]) == {"": "standard", debug: "debug", long: "recipe 3"}


def test_labels_name_the_recipe_only_when_there_are_several():
    one = Labels(["", ""])
    assert not one.several and one.task("p3", "bnci2015_009", "") == "p3 / bnci2015_009"
    two = Labels(["", "max_epochs=2"])
    assert two.model("eegnet", "max_epochs=2") == "eegnet · max_epochs=2"
    assert two.task("p3", "x", "") == "p3 / x · standard"


def test_scales_map_and_tick_round_values():
    x = Scale(0.0, 1.0, 100.0, 300.0)
    assert x(0.5) == pytest.approx(200.0)
    assert x.ticks() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    reversed_ = Scale(0.0, 2.0, 300.0, 100.0)  # lower is better: the best at the right
    assert reversed_(0.0) == 300.0 and reversed_(2.0) == 100.0
    log = Scale(3.0, 5e6, 0.0, 100.0, log=True)
    assert log.ticks() == [10.0, 100.0, 1e3, 1e4, 1e5, 1e6]
    assert log(1e3) == pytest.approx(100 * (3 - np.log10(3)) / (np.log10(5e6) - np.log10(3)))
    assert [number(v) for v in (0, 0.25, 1000, 42_000, 5.8e6, 2e-5)] == ["0", "0.25", "1k", "42k", "5.8M", "2.0e-05"]


def test_text_is_measured_and_cut_to_fit():
    assert text_width("shallow_fbcsp_net", 11) > text_width("eegnet", 11) > 0
    # hinting widens small text a little
    assert text_width("eegnet", 22) == pytest.approx(2 * text_width("eegnet", 11), rel=0.12)
    cut = fit("grootswagers2022human / image", 11, 80)
    assert cut.endswith("…") and text_width(cut, 11) <= 80
    assert fit("p3", 11, 80) == "p3"


def test_tick_labels_are_thinned_until_they_do_not_touch():
    chart = Chart(width=60.0, height=60.0)
    chart.x_axis(Scale(0.0, 1e6, chart.left, chart.left + chart.width), "parameters",
                 ticks=[0.0, 2e5, 4e5, 6e5, 8e5, 1e6])
    labels = re.findall(r'font-size="10" text-anchor="middle"[^>]*>([^<]+)</text>', "".join(chart.parts))
    assert 1 <= len(labels) < 6  # six labels of ~30 px cannot share 60 px


def test_kind_plots_carry_every_value_on_hover():
    counts = np.array([[8, 2], [3, 7]])
    svg = confusion(["left_hand", "right_hand"], counts, "eegnet")
    assert "true left_hand, predicted right_hand: 2 of 10 (0.20)" in svg
    assert 'class="area"' in svg
    ranks = {"eegnet": np.array([0, 0, 3, 9, 40]), "dummy": np.array([49] * 5)}
    svg = rank_curves(ranks, {"eegnet": "#111111", "dummy": "#222222"}, {"eegnet": "eegnet", "dummy": "dummy"})
    assert "eegnet: top-5 0.600" in svg and "dummy: top-1 0.000" in svg
    svg = predicted_vs_true(np.arange(1000.0), np.arange(1000.0) + 1, "eegnet", most=100)
    assert svg.count("<circle") == 100 and "true 999, predicted 1k" in svg


def _page_of(records, **kwargs):
    from neuroarena.report.comparisons import model_summary, paired_tests, rank_agreement
    from neuroarena.report.html import to_html
    from neuroarena.report.leaderboard import leaderboard, records_with_items

    frame = records_with_items(records)
    table = leaderboard(frame, n_boot=50)
    return table, to_html(table, model_summary(table), paired_tests(frame, table), rank_agreement(table), frame,
                          **kwargs)


def test_lower_is_better_scores_sort_and_colour_the_right_way():
    from neuroarena.report.svg import diverging
    from neuroarena.report.synthetic import synthetic_records

    models = {"dummy": (0.0, 0, 1.0, "baseline"), "good": (0.9, 10, 1.0, "task-specific"),
              "poor": (0.2, 10, 1.0, "task-specific")}
    table, page = _page_of(synthetic_records({("rt", "hbn"): ("nrmse", 80, None)}, models, seeds=(1,)))
    assert table.set_index("model").loc["good", "rank"] == 1  # the lowest NRMSE
    row = r'<tr class="[^"]*" data-task="rt"[^>]*data-model="(\w+)".*?</tr>'
    rows = {m.group(1): m.group(0) for m in re.finditer(row, page)}
    good = table.set_index("model").loc["good"]
    cell = re.search(r'<td class="" data-v="([^"]+)" style="background:(#\w{6})40">', rows["good"])
    assert float(cell.group(1)) == pytest.approx(-good["mean"], rel=1e-5)  # signed: descending puts it first
    assert cell.group(2) == diverging(1.0)  # green: the best of its task
    assert 'data-first="desc">mean ± std' in page
    assert "nrmse (lower is better →)" in page


def test_each_task_links_the_autopsies_of_its_models():
    from neuroarena.report.synthetic import MODELS, synthetic_records

    autopsy = {"task": "category", "dataset": "simulated", "model": "eegnet", "seed": 33, "score": 0.5,
               "recommendations": 2, "path": "../records/category/simulated/eegnet/autopsy/seed-33/autopsy.md"}
    _, page = _page_of(synthetic_records({("category", "simulated"): ("balanced_accuracy", 40, 0.9)}, MODELS,
                                         seeds=(33,)), autopsies=[autopsy])
    section = page[page.index('<section class="task"'):page.index("</section>")]
    assert f'<a href="{autopsy["path"]}">seed 33</a>' in section
