# firebus — fire-safety IoT SDK.
"""firebus-gateway as a process: its configuration schema (protocols/gateway.schema.json) and its
loader (`firebus-gateway --check`) agree, judged by a real JSON Schema validator (the `jsonschema`
package, Draft 2020-12), on the shipped files and on variants at the edges of each bound. The
binary comes from FIREBUS_GATEWAY (CTest sets it)."""

import copy
import json
import os
import subprocess
from pathlib import Path

import jsonschema  # pinned in scripts/requirements-dev.txt: a missing one fails, never skips
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "protocols/gateway.schema.json").read_text())
CONFIGS = [ROOT / "examples/demo/gateway.json", ROOT / "examples/gateway/office.json"]
GATEWAY = os.environ.get("FIREBUS_GATEWAY", "")
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_validate(path: Path) -> None:
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in VALIDATOR.iter_errors(json.loads(path.read_text()))
    ]
    assert errors == []


def _set(path: list, value):
    def apply(cfg: dict) -> None:
        node = cfg
        for k in path[:-1]:
            node = node.setdefault(k, {}) if isinstance(k, str) else node[k]
        node[path[-1]] = value

    return apply


def _del(path: list):
    def apply(cfg: dict) -> None:
        node = cfg
        for k in path[:-1]:
            node = node[k]
        del node[path[-1]]

    return apply


# Each: (name, change). The loader and the schema must give the same verdict.
VARIANTS = [
    ("metrics empty (no endpoint)", _set(["metrics"], "")),
    ("metrics port 0", _set(["metrics"], "127.0.0.1:0")),
    ("metrics port 65536", _set(["metrics"], "127.0.0.1:65536")),
    ("broker port 65535", _set(["mqtt", "broker"], "127.0.0.1:65535")),
    ("tcp bus with a serial setting", _set(["buses", 0, "baud"], 9600)),
    ("rtu bus with line_baud", _set(["buses", 2, "line_baud"], 9600)),
    ("bus with tcp and rtu", _set(["buses", 0, "rtu"], "/dev/ttyUSB0")),
    ("bus with neither", _del(["buses", 1, "tcp"])),
    ("topic prefix empty", _set(["mqtt", "topic_prefix"], "")),
    ("topic prefix wildcard", _set(["mqtt", "topic_prefix"], "a/#")),
    ("edge node id empty", _set(["mqtt", "sparkplug"], {"edge_node_id": ""})),
    ("group id with a slash", _set(["mqtt", "sparkplug"], {"group_id": "a/b"})),
    ("unit 0", _set(["devices", 0, "unit"], 0)),
    ("unit 247", _set(["devices", 0, "unit"], 247)),
    ("timeout 0", _set(["devices", 0, "timeout_s"], 0)),
    ("retries 11", _set(["devices", 0, "retries"], 11)),
    ("unknown device key", _set(["devices", 0, "colour"], "red")),
    ("answer timeout 10.5", _set(["gb26875", "answer_timeout_s"], 10.5)),
    ("heartbeat 0", _set(["gb26875", "heartbeat_s"], 0)),
    ("address as hex", _set(["gb26875", "address"], "0xFFFFFFFFFFFF")),
    ("address 7 bytes", _set(["gb26875", "address"], "0x1FFFFFFFFFFFF")),
    ("utc offset 1441", _set(["gb26875", "mapping"], {"utc_offset_minutes": 1441})),
    ("main power point empty", _set(["gb26875", "mapping"], {"main_power_point": ""})),
    (
        "analog scale tiny",
        _set(["devices", 0, "gb26875"], {"points": {"IR1": {"analog_scale": 1e-12}}}),
    ),
    ("journal max_bytes small", _set(["mqtt", "journal"], {"max_bytes": 1024})),
    ("snapshot interval 0", _set(["snapshot_interval_s"], 0)),
    ("telemetry interval 3600", _set(["mqtt", "telemetry_interval_s"], 3600)),
    ("format wrong", _set(["format"], "firebus-gateway/2")),
    ("id with a space", _set(["id"], "gw 1")),
]


@pytest.mark.skipif(not GATEWAY, reason="FIREBUS_GATEWAY is not set (CTest sets it)")
@pytest.mark.parametrize("name,change", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_the_loader_and_the_schema_agree(tmp_path: Path, name: str, change) -> None:
    cfg = copy.deepcopy(json.loads(CONFIGS[1].read_text()))
    change(cfg)
    path = tmp_path / "gw.json"
    path.write_text(json.dumps(cfg))
    schema_ok = not list(VALIDATOR.iter_errors(cfg))
    done = subprocess.run(
        [GATEWAY, "--check", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 2), done.stderr
    loader_ok = done.returncode == 0
    assert schema_ok == loader_ok, (name, "schema", schema_ok, "loader", done.stderr)


# Accepted by the schema, refused at start: `--check` must refuse them too (exit 2, naming the
# JSON path), or it is no deployment gate.
CANNOT_START = [
    ("unknown profile", _set(["devices", 0, "profile"], "no-such-profile"), "devices[0].profile"),
    (
        "zone member of no device",
        _set(["alarms"], {"rules": {"version": 1, "zones": [{"id": "z1", "members": ["nodev/T2"]}]}}),
        "nodev/T2",
    ),
    (
        "GB point the profile lacks",
        _set(["devices", 0, "gb26875"], {"points": {"NOPE": {"component_type": 1}}}),
        "NOPE",
    ),
    (
        "main power point unknown",
        _set(["gb26875", "mapping"], {"main_power_point": "dp1/NOPE"}),
        "main_power_point",
    ),
]


@pytest.mark.skipif(not GATEWAY, reason="FIREBUS_GATEWAY is not set (CTest sets it)")
@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_check_passes_the_shipped_configs(path: Path) -> None:
    done = subprocess.run(
        [GATEWAY, "--check", str(path)], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert ": ok (" in done.stdout


@pytest.mark.skipif(not GATEWAY, reason="FIREBUS_GATEWAY is not set (CTest sets it)")
@pytest.mark.parametrize("name,change,names", CANNOT_START, ids=[v[0] for v in CANNOT_START])
def test_check_refuses_what_cannot_start(tmp_path: Path, name: str, change, names: str) -> None:
    cfg = copy.deepcopy(json.loads(CONFIGS[1].read_text()))
    cfg["data_dir"] = str(tmp_path / "data")
    change(cfg)
    path = tmp_path / "gw.json"
    path.write_text(json.dumps(cfg))
    done = subprocess.run(
        [GATEWAY, "--check", str(path)], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, (name, done.stdout, done.stderr)
    assert names in done.stderr, done.stderr
    assert not (tmp_path / "data").exists()  # nothing opened
