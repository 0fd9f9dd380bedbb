"""What a run needs from the machine, checked one line at a time: ``neuroarena doctor``.

Each import is tried in a child process, so a library that aborts the interpreter (a C extension
built for another torch) is reported instead of taking the check down with it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

#: What reinstalls the tested versions of every package (the README's install command).
REINSTALL = "reinstall from the lock: pip install --require-hashes -r requirements.lock"
#: Free disk below which a run may not fit its caches (bytes).
MIN_FREE_DISK = 10 * 2**30
#: Where Chromium is looked for (the HTML leaderboard's browser test renders the page in it).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

_PROBE = r"""
import json, sys
name = sys.argv[1]
out = {"ok": False}
try:
    if name == "torch":
        import torch
        out = {"ok": True, "version": torch.__version__}
    elif name == "torchaudio":
        import torch
        out["torch"] = torch.__version__
        import torchaudio
        out = {"ok": True, "version": torchaudio.__version__, "torch": torch.__version__}
    elif name == "gpu":
        import torch
        out = {"ok": True, "cuda": torch.cuda.is_available()}
        if out["cuda"]:
            x = torch.ones(64, 64, device="cuda", dtype=torch.bfloat16)
            out.update(device=torch.cuda.get_device_name(0), bf16=bool(torch.cuda.is_bf16_supported()),
                       bf16_matmul=float((x @ x)[0, 0]))
    else:
        __import__(name)
        out = {"ok": True}
except BaseException as err:
    out.update(ok=False, error=f"{type(err).__name__}: {err}".splitlines()[0][:300])
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it is a problem, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        """``ok      torch: 2.11.0`` or ``PROBLEM torchaudio: ... -> fix``."""
        text = f"{'ok     ' if self.ok else 'PROBLEM'} {self.name}: {self.detail}"
        return text if self.ok or not self.fix else f"{text} -> {self.fix}"


def probe(name: str, timeout: float = 300.0) -> dict:
    """Import ``name`` (or run the ``torch``, ``torchaudio``, ``gpu`` probes) in a child process.

    Returns
    -------
    dict
        ``ok`` and, on failure, ``error`` (one line); the probes add versions and GPU facts.
    """
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, name], capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"importing took over {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return {"ok": False, "error": f"the interpreter died ({tail[:300]})"}
    return json.loads(lines[-1])


def _base(version: str) -> str:
    """``"2.11.0+cu130"`` -> ``"2.11.0"``."""
    return version.split("+", 1)[0]


def check_torch_pair() -> list[Check]:
    """torch imports, and torchaudio loads beside it (braindecode imports torchaudio)."""
    torch = probe("torch")
    if not torch["ok"]:
        return [Check("torch", False, f"does not import ({torch['error']})", REINSTALL)]
    checks = [Check("torch", True, torch["version"])]
    audio = probe("torchaudio")
    if audio["ok"]:
        same = _base(audio["version"]) == _base(torch["version"])
        detail = f"{audio['version']} loads beside torch {torch['version']}"
        checks.append(Check("torchaudio", True, detail + ("" if same else " (versions differ; tested pairs match)")))
    else:
        checks.append(Check("torchaudio", False, f"does not load beside torch {torch['version']} ({audio['error']})",
                            f"{REINSTALL} (it pins torchaudio to the torch it was built for)"))
    return checks


def check_imports(names: tuple[str, ...] = ("braindecode.models", "lightning", "mne", "mne_bids")) -> list[Check]:
    """The libraries every run imports."""
    checks = []
    for name in names:
        result = probe(name)
        checks.append(Check(name, result["ok"], "imports" if result["ok"] else f"does not import ({result['error']})",
                            "" if result["ok"] else REINSTALL))
    return checks


def check_gpu() -> Check:
    """A GPU is optional; when there is one, bf16 must work on it."""
    result = probe("gpu")
    if not result["ok"]:
        return Check("gpu", False, f"CUDA check failed ({result['error']})",
                     "check the NVIDIA driver (nvidia-smi), or hide the GPU with CUDA_VISIBLE_DEVICES=")
    if not result["cuda"]:
        return Check("gpu", True, "none: nets train on the CPU in float32")
    if not result["bf16"]:
        return Check("gpu", False, f"{result['device']} has no bfloat16 support",
                     "use a GPU with bfloat16 (Ampere or newer), or hide it with CUDA_VISIBLE_DEVICES=")
    return Check("gpu", True, f"{result['device']}, bfloat16 works")


def check_chromium() -> Check:
    """Chromium renders the HTML leaderboard in its browser test."""
    found = next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)
    if found is None:
        return Check("chromium", False, "not found (the HTML leaderboard's browser test needs it)",
                     "apt-get install -y chromium")
    return Check("chromium", True, found)


def check_home(home: Path, min_free: int = MIN_FREE_DISK) -> list[Check]:
    """The home folder is writable and its disk has room for data and caches."""
    from neuroarena.runner.home import home_problem

    problem = home_problem(home)
    if problem is not None:
        return [Check("home", False, str(problem).split(" -> ")[0], problem.fix or "")]
    free = shutil.disk_usage(home).free
    disk = Check("disk", free >= min_free, f"{free / 2**30:.1f} GiB free under {home}",
                 f"free space or point --home at a disk with at least {min_free / 2**30:.0f} GiB")
    return [Check("home", True, f"{home} is writable"), disk]


def run_checks(home: Path) -> list[Check]:
    """Every check, in order; the imports are skipped when torch itself is broken."""
    checks = check_torch_pair()
    if all(check.ok for check in checks):
        checks += check_imports()
        checks.append(check_gpu())
    checks.append(check_chromium())
    return checks + check_home(home)


def environment_error(err: BaseException, tb: TracebackType | None = None) -> str | None:
    """One line for an error raised while importing a library (a broken installation), else None.

    An ``ImportError``, or an ``OSError`` raised inside an import (a shared library that does not
    load), names the package it came from and points to ``neuroarena doctor``; an ``OSError`` reading a
    data file is not an environment error.
    """
    tb = tb if tb is not None else err.__traceback__
    frames = traceback.extract_tb(tb) if tb is not None else []
    # a module body running below the first frame is a module being imported (importlib hides its own frames)
    importing = [i for i, frame in enumerate(frames) if i > 0 and frame.name == "<module>"]
    if not isinstance(err, ImportError) and not (isinstance(err, OSError) and importing):
        return None
    package = getattr(err, "name", None) if isinstance(err, ModuleNotFoundError) else None
    if package is None and importing:  # the innermost module being imported when it failed
        package = _top_package(frames[importing[-1]].filename)
    what = f"{package} does not load" if package else "a library does not load"
    message = " ".join(f"{type(err).__name__}: {err}".split())[:300]
    return f"environment: {what} ({message}) -> run `neuroarena doctor`"


def _top_package(filename: str) -> str | None:
    """Top-level package of a source file, from the longest ``sys.path`` entry holding it."""
    path = Path(filename).resolve()
    roots = sorted((Path(entry or ".").resolve() for entry in sys.path), key=lambda p: len(p.parts), reverse=True)
    for root in roots:
        if path.is_relative_to(root) and path != root:
            return path.relative_to(root).parts[0].removesuffix(".py")
    return None
