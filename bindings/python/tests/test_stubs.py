"""The committed stubs (bindings/python/firebus/_firebus/*.pyi) match the module.

(a) scripts/stubs regenerates them identically (a binding changed without regenerated stubs
    fails here: run scripts/stubs); (b) mypy.stubtest finds no difference between the stubs and
    the module; (c) mypy --strict accepts typed code that uses the public API.
"""

from __future__ import annotations

import enum
import filecmp
import os
import re
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

import firebus

SOURCE_DIR = Path(os.environ.get("FIREBUS_SOURCE_DIR") or Path(__file__).resolve().parents[3])
PACKAGE = SOURCE_DIR / "bindings" / "python" / "firebus"
STUBS = PACKAGE / "_firebus"
ALLOWLIST = SOURCE_DIR / "bindings" / "python" / "tests" / "stubtest-allowlist.txt"

pytest.importorskip("mypy")
pytest.importorskip("pybind11_stubgen")


def run(cmd: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.update(env)
    return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The source package (pure Python files and committed stubs) with the built module."""
    root = tmp_path_factory.mktemp("pkg")
    shutil.copytree(PACKAGE, root / "firebus", ignore=shutil.ignore_patterns("__pycache__"))
    module = Path(firebus._firebus.__file__)
    shutil.copy2(module, root / "firebus" / module.name)
    return root


def test_committed_stubs_are_up_to_date(tmp_path: Path) -> None:
    pythonpath = Path(firebus._firebus.__file__).resolve().parents[1]
    done = run(
        ["bash", str(SOURCE_DIR / "scripts" / "stubs"), "--pythonpath", str(pythonpath), "--out", str(tmp_path)],
        cwd=tmp_path,
        FIREBUS_PYTHON=sys.executable,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    fresh = sorted(p.name for p in (tmp_path / "_firebus").glob("*.pyi"))
    committed = sorted(p.name for p in STUBS.glob("*.pyi"))
    assert fresh == committed, f"stub files differ: {fresh} vs {committed}; run scripts/stubs"
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "_firebus", STUBS, fresh, shallow=False)
    assert not mismatch and not errors, (
        f"bindings/python/firebus/_firebus/{mismatch or errors} are out of date with the module: "
        "run scripts/stubs (after building firebus_python) and commit the result"
    )


def no_constructor_entries() -> list[str]:
    """Allowlist entries: __init__ of the classes that have no bound constructor."""
    entries = []
    seen = set()

    def walk(module: types.ModuleType, name: str) -> None:
        for attr, value in vars(module).items():
            if isinstance(value, types.ModuleType) and value.__name__ == f"{name}.{attr}" and value not in seen:
                seen.add(value)
                walk(value, value.__name__)
            elif isinstance(value, type) and not issubclass(value, (enum.Enum, BaseException)):
                # pybind11's "no constructor defined" __init__ is a slot wrapper; bound
                # constructors are functions.
                if isinstance(vars(value).get("__init__"), types.WrapperDescriptorType):
                    entries.append(re.escape(f"{name}.{attr}.__init__"))

    walk(firebus._firebus, "firebus._firebus")
    return entries


def test_stubtest(package_dir: Path, tmp_path: Path) -> None:
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text(ALLOWLIST.read_text() + "\n".join(no_constructor_entries()) + "\n")
    cmd = [sys.executable, "-m", "mypy.stubtest", "firebus._firebus", "--mypy-config-file", os.devnull]
    cmd += ["--allowlist", str(allowlist)]
    done = run(cmd, cwd=package_dir, PYTHONPATH=str(package_dir), MYPYPATH=str(package_dir))
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-4000:]


SNIPPET = '''
from __future__ import annotations

import firebus
from firebus import core


def describe(e: core.Event) -> str:
    cls: core.AlarmClass = e.cls
    value: float | None = e.value
    return f"{e.kind.name} {cls.name} {value}"


def main() -> None:
    version: str = firebus.__version__
    t: float = core.utc_from_iso8601("2026-11-30T02:55:21Z")
    tag: core.CivilTime = core.to_civil(t, 480)
    iso: str = core.utc_to_iso8601(core.to_utc(tag, 480))
    s = core.Sample("RC1", t, 312.0, core.QualityCode.good)
    usable: bool = s.is_usable()
    e = core.Event(core.EventKind.alarm_on, point="RC1", cls=core.AlarmClass.fire, value=305.0)
    seq = core.EventSequencer("gw-0001")
    n: int = seq.stamp(e)
    rx = core.SequenceTracker()
    verdict: core.SequenceVerdict = rx.observe(n).verdict
    gaps: list[tuple[int, int]] = rx.gaps
    name: str = core.validate_point_id("bus1/dev3/IR1")
    try:
        core.quality_from_byte(0x3F)
    except firebus.CoreError as err:
        code: int = err.code
        category: str = err.category
        print(code, category)
    print(version, iso, usable, describe(e), verdict, gaps, name)
'''


def test_mypy_accepts_typed_use_of_the_public_api(package_dir: Path, tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(SNIPPET))
    # firebus is checked as an installed package is: its own stubs' strictness is not the user's.
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\n\n[mypy-firebus.*]\nignore_errors = True\n")
    done = run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--config-file", str(config), str(snippet)],
        cwd=tmp_path,
        MYPYPATH=str(package_dir),
    )
    assert done.returncode == 0, done.stdout + done.stderr
