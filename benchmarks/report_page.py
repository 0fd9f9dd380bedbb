"""Size, build time and load time of the leaderboard page, at 3 and at 30 tasks; full-page screenshots.

    python benchmarks/report_page.py [--out DIR] [--results DIR ...] [--repeats 3] [--n-boot 2000]

Pages: ``3-tasks`` (3 tasks x 5 models x 3 seeds) and ``30-tasks`` (30 tasks of the ``full`` suite x 8 models,
one seed, under ``--debug``), both from :mod:`neuroarena.report.synthetic`, plus each ``--results`` folder
(a ``neuroarena`` results folder holding ``records/``). For each: the time ``write_report`` takes (bootstrap
intervals included), the HTML's size, and the time headless Chromium takes from navigation start to the page's
load event (layout done) (median of ``--repeats`` fresh browser starts), and a 1400 px wide screenshot of the
whole page in ``--out``.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from html import unescape
from pathlib import Path

from neuroarena.report.leaderboard import write_report
from neuroarena.report.synthetic import MANY_MODELS, MODELS, TASKS, many_tasks, synthetic_records
from neuroarena.results.records import ResultStore
from neuroarena.training.recipe import DEBUG_OVERRIDES

WIDTH = 1400
TIMING = """<script>window.addEventListener('load', function () {
  var pre = document.createElement('pre');
  pre.id = 'timing';
  pre.textContent = JSON.stringify({load_ms: performance.now(), height: document.documentElement.scrollHeight});
  document.body.appendChild(pre); });</script>"""


def chromium(profile: Path, height: int, *args: str) -> str:
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
               "--disable-background-networking", "--force-device-scale-factor=1", f"--user-data-dir={profile}",
               f"--window-size={WIDTH},{height}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=True).stdout


def synthetic(root: Path, name: str) -> Path:
    """Write the records of the synthetic page ``name`` under ``root`` (its results folder)."""
    store = ResultStore(root / "records")
    records = (synthetic_records(TASKS, MODELS, n_subjects=6) if name == "3-tasks" else
               synthetic_records(many_tasks(30), MANY_MODELS, seeds=(33,), n_subjects=10,
                                 recipe_overrides=DEBUG_OVERRIDES))
    for record in records:
        store.write(record)
    return root


def measure(results: Path, name: str, out: Path, work: Path, repeats: int, n_boot: int) -> dict:
    """Build, load and screenshot the page of ``results``."""
    start = time.perf_counter()
    _, paths = write_report(results, work / name / "report", n_boot=n_boot)
    build = time.perf_counter() - start
    page = paths["html"]
    timed = page.with_name("timed.html")
    timed.write_text(page.read_text().replace("</body>", TIMING + "</body>"))
    loads, height = [], 2000
    for k in range(repeats):
        dom = chromium(work / name / f"profile-{k}", 1000, "--dump-dom", timed.as_uri())
        found = json.loads(unescape(re.search(r'<pre id="timing">(.*?)</pre>', dom, re.S).group(1)))
        loads.append(found["load_ms"])
        height = int(found["height"])
    screenshot = out / f"leaderboard-{name}.png"
    chromium(work / name / "profile-shot", min(height + 20, 16_000), f"--screenshot={screenshot}", page.as_uri())
    return {"page": name, "bytes": page.stat().st_size, "build_s": build, "load_ms": statistics.median(loads),
            "height_px": height, "screenshot": screenshot}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="leaderboard-pages", help="folder of the screenshots")
    parser.add_argument("--results", nargs="*", default=[], help="results folders to measure too")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-boot", type=int, default=2000)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pages = [(synthetic(work / f"results-{n}", n), n) for n in ("3-tasks", "30-tasks")]
        pages += [(Path(p), Path(p).name or "results") for p in args.results]
        for results, name in pages:
            rows.append(measure(results, name, out, work, args.repeats, args.n_boot))
    print(f"{'page':<16}{'size (kB)':>10}{'build (s)':>11}{'load (ms)':>11}{'height (px)':>13}  screenshot")
    for r in rows:
        print(f"{r['page']:<16}{r['bytes'] / 1e3:>10.0f}{r['build_s']:>11.2f}{r['load_ms']:>11.0f}"
              f"{r['height_px']:>13}  {r['screenshot']}")


if __name__ == "__main__":
    main()
