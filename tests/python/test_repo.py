# firebus — fire-safety IoT SDK.
"""Checks of the project's own contracts: the README's two commands, CI, and bootstrap."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```[a-z]*\n(.*?)```", text, re.S)
    assert block, "README.md has no code block"
    # The first code block must come before any section: the README *opens* with it.
    assert text.index(block.group(0)) < text.index("\n## "), "README does not open with the commands"
    lines = [l.split("#")[0].strip() for l in block.group(1).splitlines()]
    return [l for l in lines if l]


def test_readme_opens_with_exactly_two_commands():
    assert readme_commands() == ["scripts/demo", "scripts/test"]


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [l.strip() for l in ci.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    commands = [c for c in commands if not c.startswith(("set ", "cd "))]
    assert commands == ["exec " + readme_commands()[1]]


@pytest.mark.parametrize("script", ["scripts/demo", "scripts/test", "scripts/bootstrap",
                                    "scripts/check-format", "scripts/bench", ".ci/run"])
def test_scripts_are_executable_and_strict(script):
    path = ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert "set -euo pipefail" in path.read_text(encoding="utf-8"), f"{script} does not stop on errors"


def test_bootstrap_finds_nothing_missing_after_it_ran():
    # scripts/test ran bootstrap before the tests: a check must find nothing left to install,
    # which is what makes a second run a no-op.
    out = subprocess.run([str(ROOT / "scripts" / "bootstrap"), "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"Debian packages: all \d+ present", out.stdout), out.stdout
    assert "up to date" in out.stdout, out.stdout


def test_bootstrap_check_reports_a_stale_venv(tmp_path):
    # A copy of the project whose .venv does not exist: --check must say so and fail, and must
    # not create it.
    (tmp_path / "scripts").mkdir()
    for name in ("bootstrap", "requirements-dev.txt"):
        (tmp_path / "scripts" / name).write_bytes((ROOT / "scripts" / name).read_bytes())
    (tmp_path / "scripts" / "bootstrap").chmod(0o755)
    out = subprocess.run([str(tmp_path / "scripts" / "bootstrap"), "--check"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert ".venv is missing" in out.stdout
    assert not (tmp_path / ".venv").exists()


def test_requirements_are_pinned():
    req = (ROOT / "scripts" / "requirements-dev.txt").read_text(encoding="utf-8")
    for line in req.splitlines():
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", line), f"not pinned: {line}"
