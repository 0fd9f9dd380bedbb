"""The HTML leaderboard rendered by a real headless Chromium: table rows, every plot drawn, a sane screenshot."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from neuroarena.report.leaderboard import fmt_ci, write_report

WIDTH, HEIGHT = 1400, 2000
# added to a copy of the page only: records where each plot was laid out
MEASURE = """<script>
document.querySelectorAll('figure.plot').forEach(function (figure) {
  var box = figure.querySelector('svg').getBoundingClientRect();
  figure.setAttribute('data-box', [box.left, box.top, box.width, box.height].map(Math.round).join(','));
});
</script>"""


def chromium() -> str:
    """The Chromium binary; missing fails under CI and skips elsewhere."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        message = "chromium is not installed (Debian: apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_chromium(binary: str, profile: Path, *args: str) -> str:
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--force-device-scale-factor=1", "--hide-scrollbars",
               f"--window-size={WIDTH},{HEIGHT}", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class PageParser(HTMLParser):
    """Cells of ``table#leaderboard``'s body rows, and per plot: its data-box, svg size, paths and texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.figures: list[dict] = []
        self._table = None
        self._body = False
        self._cell: list[str] | None = None
        self._in_svg_text = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id")
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._table == "leaderboard" and self._body:
            self.rows.append([])
        elif tag == "td" and self._table == "leaderboard":
            self._cell = []
        elif tag == "figure":
            self.figures.append({"box": attrs.get("data-box"), "svgs": [], "paths": 0, "texts": []})
        elif tag == "svg" and self.figures:
            self.figures[-1]["svgs"].append((attrs.get("width", ""), attrs.get("height", "")))
        elif tag == "path" and self.figures:
            self.figures[-1]["paths"] += bool(attrs.get("d"))
        elif tag == "text" and self.figures:
            self._in_svg_text = True
            self.figures[-1]["texts"].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tbody":
            self._body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "text":
            self._in_svg_text = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_svg_text:
            self.figures[-1]["texts"][-1] += data


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


@pytest.fixture(scope="module")
def rendered(results_root, tmp_path_factory):
    binary = chromium()
    work = tmp_path_factory.mktemp("browser")
    table, paths = write_report(results_root, work / "report")
    page = paths["html"].read_text()
    measured = work / "measured.html"
    measured.write_text(page.replace("</body>", MEASURE + "\n</body>"))
    dom = run_chromium(binary, work / "profile-dom", "--dump-dom", measured.as_uri())
    screenshot = work / "page.png"
    run_chromium(binary, work / "profile-shot", f"--screenshot={screenshot}", paths["html"].as_uri())
    parser = PageParser()
    parser.feed(dom)
    return table, page, parser, screenshot


def test_page_is_self_contained(rendered):
    _, page, _, _ = rendered
    for forbidden in ("<script", "<link", " src=", "@import", "https://"):
        assert forbidden not in page
    assert re.search(r"url\((?!#)", page) is None  # only references inside the page
    assert page.count("<svg") == 5


def test_table_has_one_row_per_task_and_model(rendered):
    table, _, parser, _ = rendered
    assert len(parser.rows) == len(table) == 15
    assert all(len(cells) == 15 for cells in parser.rows)
    first = table.iloc[0]
    assert parser.rows[0][:4] == ["category", "simulated", "eegnet", "balanced_accuracy"]
    assert parser.rows[0][4] == f"{first['mean']:.3f} ± {first['std']:.3f}"
    assert parser.rows[0][5] == fmt_ci(first["ci_low"], first["ci_high"])
    assert first["ci_low"] < first["mean"] < first["ci_high"]
    assert [cells[11] for cells in parser.rows[:5]] == ["1", "2", "3", "4", "5"]
    assert parser.rows[-1][:3] == ["image", "simulated", "dummy"]  # a constant prediction never retrieves
    assert parser.rows[10][13] == "3,500"


def test_every_plot_is_laid_out_and_drawn(rendered):
    _, _, parser, screenshot = rendered
    assert len(parser.figures) == 5
    image = imread(screenshot)[..., :3]
    for figure in parser.figures:
        assert len(figure["svgs"]) == 1
        width, height = (float(v.rstrip("pt")) for v in figure["svgs"][0])
        assert width > 200 and height > 150
        assert figure["paths"] >= 5
        left, top, box_w, box_h = map(int, figure["box"].split(","))
        assert box_w > 300 and box_h > 200
        assert top + box_h <= HEIGHT  # inside the screenshot
        crop = image[top:top + box_h, left:left + box_w]
        ink = (crop < 0.9).any(axis=-1).mean()
        colors = len(np.unique((crop * 255).astype(np.uint8).reshape(-1, 3), axis=0))
        assert 0.01 < ink < 0.6 and colors > 20, (figure["texts"][:3], ink, colors)
    assert {"eegnet", "cov_ts_lr", "dummy"} <= set(parser.figures[0]["texts"])
    assert "image / simulated" in parser.figures[1]["texts"]


def test_screenshot_has_the_window_size(rendered):
    *_, screenshot = rendered
    assert png_size(screenshot) == (WIDTH, HEIGHT)
    assert screenshot.stat().st_size > 50_000
