"""The README's quick start as a newcomer runs it: a fresh clone, no uv, a broken pyenv shim.

This is the test that keeps CI honest about install steps: the machine CI runs on may have
tools installed by hand, so the clone gets a PATH without uv and with a `python3.13` that
refuses to run (what a pyenv shim does when `.python-version` selects another version).
uv's download cache is shared, so only the first run on a machine downloads packages.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
README_DEMO = "make demo DEMO_ARGS=--exit"
BROKEN_SHIM = "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n"


def newcomer_env(shims: Path) -> dict[str, str]:
    """The caller's environment with no uv on PATH and a failing python3.13 in front."""
    shims.mkdir()
    shim = shims / "python3.13"
    shim.write_text(BROKEN_SHIM)
    shim.chmod(0o755)
    keep = [d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / "uv").exists()]
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "VIRTUAL_ENV" and not k.startswith(("UV_", "COHORT_"))
    }
    if "UV_CACHE_DIR" in os.environ:  # the cache is what keeps this test fast
        env["UV_CACHE_DIR"] = os.environ["UV_CACHE_DIR"]
    env["PATH"] = os.pathsep.join([str(shims), *keep])
    return env


def confirmed_count(output: str) -> int:
    found = re.search(r"(\d+)\s+enrolment\.confirmed \(enrolment\.confirmed\.v1\)", output)
    return int(found.group(1)) if found else 0


def run_readme_demo(clone: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        README_DEMO.split(),
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-6000:]
    assert "did not stop" not in out, out[-3000:]
    assert "cohort | stopped: services, PostgreSQL, NATS" in out
    return out


@pytest.mark.timeout(1500)  # two whole demos, the first one installing everything
def test_readme_demo_works_from_a_fresh_clone_twice_without_uv(tmp_path):
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs git and make, as the README says")
    clone = tmp_path / "cohort"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    env = newcomer_env(tmp_path / "shims")
    assert shutil.which("uv", path=env["PATH"]) is None

    first = run_readme_demo(clone, env)
    assert "installing uv" in first  # the bootstrap, not a uv found by chance
    assert (clone / ".tools").is_dir() and (clone / ".venv").is_dir()
    assert confirmed_count(first) > 0, first[-4000:]

    second = run_readme_demo(clone, env)
    assert "installing uv" not in second
    assert "existing data" in second  # it says it starts from the data it found
    assert confirmed_count(second) == confirmed_count(first)

    data_dir = str(clone / ".cohort")
    leftovers = [
        p.info["cmdline"]
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and any(data_dir in part for part in p.info["cmdline"])
    ]
    assert leftovers == []
