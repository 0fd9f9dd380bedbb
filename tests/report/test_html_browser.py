"""The HTML leaderboard rendered by a real headless Chromium, at 3 tasks and at 30: table rows, sorting and
filtering, no two texts overlapping (page and plots), plots of a readable size, a page of bounded size, and a
full-page screenshot kept as an artefact (``$NEUROARENA_TEST_ARTIFACTS``, else the test's temporary folder)."""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from neuroarena.report.leaderboard import fmt_ci, write_report
from neuroarena.report.synthetic import MANY_MODELS, many_tasks, synthetic_records
from neuroarena.results.records import ResultStore
from neuroarena.training.recipe import DEBUG_OVERRIDES

WIDTH = 1400
LAPTOP = 1280  # a 13-inch laptop's browser window
MIN_AREA = (200, 60)  # px: the smallest drawing area a plot may have
MAX_BYTES = {"small": 400_000, "many": 3_000_000}
# added to a copy of the page only: measures the laid-out page, then sorts and filters the table
MEASURE = Path(__file__).with_name("measure_page.js").read_text()


def chromium() -> str:
    """The Chromium binary; missing fails under CI and skips elsewhere."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        message = "chromium is not installed (Debian: apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_chromium(binary: str, profile: Path, height: int, *args: str, width: int = WIDTH) -> str:
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--force-device-scale-factor=1", "--hide-scrollbars",
               f"--window-size={width},{height}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


def render(root: Path, work: Path, name: str) -> dict:
    """Write the report of ``root``, measure it in Chromium and take a full-page screenshot."""
    binary = chromium()
    _, paths = write_report(root, work / "report", n_boot=200)
    page = paths["html"].read_text()
    measured = paths["html"].with_name("measured.html")  # beside the page: same relative links
    measured.write_text(page.replace("</body>", f"<script>{MEASURE}</script>\n</body>"))
    results = {}
    for width in (WIDTH, LAPTOP):
        dom = run_chromium(binary, work / f"profile-{width}", 1000, "--dump-dom", measured.as_uri(), width=width)
        found = re.search(r'<pre id="measure-result">(.*?)</pre>', dom, re.S)
        assert found, dom[-2000:]
        results[width] = json.loads(unescape(found.group(1)))
    result = results[WIDTH]
    artefacts = Path(os.environ.get("NEUROARENA_TEST_ARTIFACTS", work))
    artefacts.mkdir(parents=True, exist_ok=True)
    screenshot = artefacts / f"leaderboard-{name}.png"
    height = min(int(result["page_height"]) + 20, 16_000)
    run_chromium(binary, work / "profile-shot", height, f"--screenshot={screenshot}", paths["html"].as_uri())
    return {"page": page, "bytes": paths["html"].stat().st_size, "measure": result, "laptop": results[LAPTOP],
            "screenshot": screenshot, "height": height}


@pytest.fixture(scope="module")
def small(results_root, tmp_path_factory):
    """The fixture's 3 tasks x 5 models x 3 seeds."""
    return render(results_root, tmp_path_factory.mktemp("small"), "3-tasks")


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """30 tasks x 8 models, one seed, every record under ``--debug``."""
    root = tmp_path_factory.mktemp("many")
    store = ResultStore(root / "records")
    for record in synthetic_records(many_tasks(30), MANY_MODELS, seeds=(33,), n_subjects=10,
                                    recipe_overrides=DEBUG_OVERRIDES):
        store.write(record)
    return render(root, tmp_path_factory.mktemp("many-page"), "30-tasks")


@pytest.fixture(params=["small", "many"])
def rendered(request):
    return request.getfixturevalue(request.param) | {"name": request.param}


PLANTED = """<!DOCTYPE html><html><body>
<p style="position:absolute;left:10px;top:10px;margin:0">first label</p>
<p style="position:absolute;left:40px;top:14px;margin:0">second label</p>
<div style="overflow:hidden;height:20px;position:absolute;top:100px"><p>shown</p><p>clipped away</p></div>
<p style="position:absolute;top:140px;margin:0">below the clip</p>
<svg width="200" height="60" style="position:absolute;top:300px"><text x="10" y="20">0100000</text>
<text x="30" y="22">100000</text><title>not drawn</title></svg></body></html>"""


def test_the_overlap_check_finds_planted_overlaps(tmp_path):
    page = tmp_path / "planted.html"
    page.write_text(PLANTED.replace("</body>", f"<script>{MEASURE}</script></body>"))
    dom = run_chromium(chromium(), tmp_path / "profile", 600, "--dump-dom", page.as_uri())
    result = json.loads(unescape(re.search(r'<pre id="measure-result">(.*?)</pre>', dom, re.S).group(1)))
    pairs = sorted(tuple(sorted(o[:2])) for o in result["overlaps"])
    assert pairs == [("0100000", "100000"), ("first label", "second label")]  # not the clipped-away text
    assert result["texts"] == 6 and result["svg_texts"] == 2


def test_page_is_self_contained(rendered):
    page = rendered["page"]
    for forbidden in ("<link", " src=", "@import", "https://", "<img"):
        assert forbidden not in page
    assert re.search(r"url\((?!#)", page) is None  # only references inside the page
    assert page.count("<script") == 1
    assert rendered["bytes"] < MAX_BYTES[rendered["name"]]


@pytest.mark.parametrize("width", [WIDTH, LAPTOP])
def test_no_two_texts_overlap(rendered, width):
    measure = rendered["measure" if width == WIDTH else "laptop"]
    assert measure["texts"] > (300 if rendered["name"] == "small" else 3000)  # the page was measured
    assert measure["svg_texts"] > 100
    assert measure["overlaps"] == [], measure["overlaps"][:10]
    assert all(figure["right"] <= width for figure in measure["figures"])  # no plot wider than the window


def test_every_plot_has_room_to_draw(rendered):
    figures = rendered["measure"]["figures"]
    n_tasks = 3 if rendered["name"] == "small" else 30
    assert len(figures) == 4 + 3 * n_tasks  # ranks, grid, two costs; per task: scores, subjects, its kind
    for figure in figures:
        assert figure["areas"], figure["caption"]
        for width, height in figure["areas"]:
            assert width >= MIN_AREA[0] and height >= MIN_AREA[1], figure["caption"]
        assert figure["right"] <= WIDTH, figure["caption"]  # never wider than the window
        assert figure["marks"] >= 3, figure["caption"]
    assert rendered["measure"]["table_right"] <= WIDTH  # every column of the leaderboard in view


def test_every_mark_shows_its_value_on_hover(rendered):
    marks = re.findall(r'<(\w+) class="mark"[^>]*>(.*?)</\1>', rendered["page"])
    assert len(marks) > 100
    for _, inner in marks:
        title = re.fullmatch(r"<title>(.*)</title>", inner)
        assert title and re.search(r"\d", title.group(1)), inner


def test_the_table_sorts_and_filters(rendered):
    measure = rendered["measure"]
    rows = measure["rows"]
    ranks = [float(v) for v in measure["sorted_by_rank"]]
    assert ranks == sorted(ranks) and len(ranks) == rows
    best_first = measure["sorted_by_mean"]
    assert best_first[0] == "1"  # descending on the signed score: a rank-1 row, whatever the metric's direction
    assert len(measure["filtered"]) == (3 if rendered["name"] == "small" else 30)
    for task, (shown, n_models, sections, first_rank, best_rank) in measure["filtered"].items():
        assert shown == n_models and sections == 1, task
        assert first_rank == best_rank, task  # sorting by the score puts the best first, lower-is-better included


def test_small_table_rows_and_plots(small):
    page, measure = small["page"], small["measure"]
    assert measure["rows"] == 15
    first = measure["first_row"]
    assert first[:5] == ["category", "simulated", "eegnet", "standard", "balanced_accuracy"]
    assert re.fullmatch(r"0\.\d{3} ± 0\.\d{3}", first[5]) and first[6].startswith("[")
    assert "Confusion matrix of eegnet" in page and "Rank of the true item" in page
    assert page.count('<section class="task"') == 3


def test_many_tasks_name_the_recipe_once(many):
    page = many["page"]
    assert page.count("limit_eval_batches=5") == 1  # in the recipe note, nowhere else
    assert "[limit" not in page and "debug" in page
    assert "nrmse (lower is better →)" in page  # lower-is-better axes say so and run reversed
    assert page.count('<section class="task"') == 30


def test_screenshot_is_the_whole_page(rendered):
    screenshot = rendered["screenshot"]
    assert png_size(screenshot) == (WIDTH, rendered["height"])
    image = imread(screenshot)[..., :3]
    for left, top, width, height in rendered["measure"]["boxes"][:4]:  # the page-level plots, drawn
        crop = image[top:top + height, left:left + width]
        ink = (crop < 0.9).any(axis=-1).mean()
        colors = len(np.unique((crop * 255).astype(np.uint8).reshape(-1, 3), axis=0))
        assert 0.01 < ink < 0.7 and colors > 10, (ink, colors)


def test_ci_column_matches_the_table(small, results_root):
    from neuroarena.report.leaderboard import leaderboard, records_with_items

    table = leaderboard(records_with_items(ResultStore(results_root / "records")), n_boot=200)
    first = table.iloc[0]
    assert small["measure"]["first_row"][6] == fmt_ci(first["ci_low"], first["ci_high"])
    assert first["ci_low"] < first["mean"] < first["ci_high"]
