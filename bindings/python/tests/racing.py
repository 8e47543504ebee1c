"""Helpers of the thread-safety tests: two calls racing in two threads, and a script in a child
process whose deadlock fails the test instead of hanging it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable, Sequence

import pytest


def run_racing(work: Callable[[], None], other: Callable[[], None], seconds: float = 1.5) -> None:
    """Runs `work` and `other` in loops in two threads for `seconds`; re-raises what either
    raised."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def loop(f: Callable[[], None]) -> None:
        try:
            while not stop.is_set():
                f()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            errors.append(e)
            stop.set()

    threads = [threading.Thread(target=loop, args=(f,)) for f in (work, other)]
    for th in threads:
        th.start()
    stop.wait(seconds)
    stop.set()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]


def run_script(
    text: str, args: Sequence[str], tmp_path: Path, timeout: float, deadlock: str
) -> subprocess.CompletedProcess[str]:
    """Runs the Python script `text` with `args` in a child process (these tests' folder and
    this interpreter's path importable); fails the test with `deadlock` if it does not end within
    `timeout` seconds."""
    script = tmp_path / "child.py"
    script.write_text(text)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent)] + [p for p in sys.path if p])
    try:
        return subprocess.run(
            [sys.executable, str(script), *args],
            capture_output=True, text=True, timeout=timeout, env=env, check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(deadlock)
