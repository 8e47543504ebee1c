"""Packaging: `pip wheel ./bindings/python` makes a wheel that installs into a fresh venv.

Slow (it compiles libfirebus and the module, unoptimised unless FIREBUS_PACKAGE_TEST_RELEASE=1;
scikit-build-core comes from PyPI, so it needs registry access). Skip it with
FIREBUS_SKIP_PACKAGE_TEST=1. The CMake build directory of the
wheel is kept in <build>/python-wheel (next to the PYTHONPATH package of the CTest run) so that
later runs only relink; FIREBUS_PACKAGE_TEST_FRESH=1 builds in a temporary directory instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import venv
import zipfile
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("FIREBUS_SOURCE_DIR") or Path(__file__).resolve().parents[3])

pytestmark = pytest.mark.skipif(
    os.environ.get("FIREBUS_SKIP_PACKAGE_TEST") == "1", reason="FIREBUS_SKIP_PACKAGE_TEST=1"
)


def cpp_version() -> str:
    text = (SOURCE_DIR / "include/firebus/core/config.hpp").read_text()
    found = [re.search(rf"#define FIREBUS_VERSION_{p} (\d+)", text) for p in ("MAJOR", "MINOR", "PATCH")]
    assert all(found), "config.hpp has no FIREBUS_VERSION_MAJOR/MINOR/PATCH"
    return ".".join(m.group(1) for m in found if m)


def wheel_build_dir(tmp: Path) -> Path:
    """Where CMake builds the wheel: kept in the CMake build tree when there is one."""
    if os.environ.get("FIREBUS_PACKAGE_TEST_FRESH") != "1":
        for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
            build = Path(entry).resolve().parent
            if entry and (build / "CMakeCache.txt").is_file():
                return build / "python-wheel"
    return tmp / "wheel-build"


def fast_build_settings() -> list[str]:
    """The test checks packaging, not the optimiser: unoptimised, without debug information,
    the wheel compiles in about half the time of the Release build users get. Set
    FIREBUS_PACKAGE_TEST_RELEASE=1 to build exactly what `pip wheel` builds."""
    if os.environ.get("FIREBUS_PACKAGE_TEST_RELEASE") == "1":
        return []
    return [
        "--config-settings=cmake.build-type=Debug",
        "--config-settings=cmake.define.CMAKE_CXX_FLAGS_DEBUG=-O0",
    ]


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def test_wheel_installs_into_a_fresh_venv(tmp_path: Path) -> None:
    if shutil.which("cmake") is None:
        pytest.skip("cmake not on PATH")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # The wheel's CMake build compiles every binding source: on all cores (it runs last in CTest).
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))

    wheels = tmp_path / "wheels"
    run(
        [
            python, "-m", "pip", "wheel", "--no-deps", "-q", str(SOURCE_DIR / "bindings/python"),
            "-w", str(wheels), f"--config-settings=build-dir={wheel_build_dir(tmp_path)}",
            *fast_build_settings(),
        ],
        cwd=tmp_path,
        env=env,
    )
    built = sorted(wheels.glob("firebus-*.whl"))
    assert len(built) == 1, built
    version = cpp_version()
    assert built[0].name.startswith(f"firebus-{version}-")
    with zipfile.ZipFile(built[0]) as z:
        names = set(z.namelist())
        metadata = z.read(f"firebus-{version}.dist-info/METADATA").decode()
    assert {"firebus/__init__.py", "firebus/py.typed", "firebus/_firebus/__init__.pyi"} <= names
    assert any(re.fullmatch(r"firebus/_firebus\..*\.so", n) for n in names), names
    assert "Requires-Dist: numpy" in metadata

    # Runtime deps (numpy) are not needed to import firebus: keep the test off the network here.
    run([python, "-m", "pip", "install", "--no-deps", "-q", str(built[0])], cwd=tmp_path, env=env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run(
        [
            python, "-c",
            "import firebus, firebus.core; "
            "print(firebus.__version__); print(firebus.library_version()); print(firebus.__file__); "
            "firebus.check_library_version(); print(firebus.core.AlarmClass.fire.name)",
        ],
        cwd=elsewhere,
        env=env,
    ).split()
    assert out[0] == version and out[1] == version
    assert Path(out[2]).resolve().is_relative_to(env_dir.resolve())
    assert out[3] == "fire"

    # libfirebus is linked statically: the module needs no libfirebus.so.
    so = next((env_dir / "lib").glob("python3*/site-packages/firebus/_firebus.*.so"))
    if shutil.which("ldd"):
        assert "libfirebus" not in run(["ldd", str(so)], cwd=tmp_path)
