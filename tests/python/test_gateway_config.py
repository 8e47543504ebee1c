# firebus — fire-safety IoT SDK.
"""firebus-gateway's configuration: the shipped files follow protocols/gateway.schema.json and
the gateway's own loader accepts them; the loader's errors name the file, the JSON path and the
problem, and exit with status 2. The binary comes from FIREBUS_GATEWAY (CTest sets it)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from json_schema_lite import schema_errors

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "protocols/gateway.schema.json").read_text())
CONFIGS = [ROOT / "examples/demo/gateway.json", ROOT / "examples/gateway/office.json"]
GATEWAY = os.environ.get("FIREBUS_GATEWAY", "")
needs_gateway = pytest.mark.skipif(not GATEWAY, reason="FIREBUS_GATEWAY is not set")


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_follow_the_schema(path: Path) -> None:
    assert schema_errors(json.loads(path.read_text()), SCHEMA) == []


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    cfg = json.loads(CONFIGS[0].read_text())
    cfg["devices"][0]["unit"] = 300
    cfg["devices"][1]["colour"] = "red"
    errors = schema_errors(cfg, SCHEMA)
    assert any("devices[0].unit" in e for e in errors), errors
    assert any("devices[1]" in e and "colour" in e for e in errors), errors


@needs_gateway
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_the_gateway_accepts_the_shipped_configs(path: Path) -> None:
    done = subprocess.run([GATEWAY, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


@needs_gateway
def test_a_bad_config_is_refused_with_its_path(tmp_path: Path) -> None:
    cfg = json.loads(CONFIGS[0].read_text())
    cfg["devices"][2]["bus"] = "bus9"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cfg))
    done = subprocess.run([GATEWAY, "--check", str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f'{bad}: devices[2].bus: no bus "bus9"' in done.stderr


@needs_gateway
def test_a_missing_profile_stops_the_start(tmp_path: Path) -> None:
    cfg = json.loads(CONFIGS[0].read_text())
    cfg["devices"][0]["profile"] = "no-such-profile"
    cfg["data_dir"] = str(tmp_path / "data")
    cfg["mqtt"]["enabled"] = False
    cfg["gb26875"]["enabled"] = False
    cfg["metrics"] = ""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cfg))
    done = subprocess.run([GATEWAY, "--config", str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert 'devices[0].profile: profile "no-such-profile" not found' in done.stderr
