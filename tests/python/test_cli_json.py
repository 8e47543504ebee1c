"""The CLI contract (docs/architecture: "Contracts that tests and users rely on"): the commands
of `firebus` that print results take `--json` and then print JSON lines on stdout, one complete
object per line, with messages on stderr; bad input is reported, never a crash.

The CLI comes from FIREBUS_CLI (CTest sets it)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = os.environ.get("FIREBUS_CLI", "")

pytestmark = pytest.mark.skipif(not CLI, reason="FIREBUS_CLI is not set (built in examples/cli)")


def run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    p = subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=120)
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {args}"
    return p


def json_lines(out: bytes) -> list[dict]:
    """Every line one complete JSON object."""
    objects = []
    for line in out.decode("utf-8").splitlines():
        value = json.loads(line)
        assert isinstance(value, dict), line
        objects.append(value)
    return objects


def test_version_with_json() -> None:
    p = run(["--version", "--json"])
    assert p.returncode == 0, p.stderr
    (obj,) = json_lines(p.stdout)
    assert obj["version"] and obj["headers"]


def test_gb26875_encode_writes_frames_and_takes_no_json() -> None:
    # encode's output is frames (hex or binary), not JSON: --json is a usage error
    # (docs/protocols/gb26875.md), and nothing reaches stdout.
    p = run(["gb26875", "encode", "--json"], b"")
    assert p.returncode == 2 and p.stdout == b"" and p.stderr


def test_sparkplug_commands_take_json() -> None:
    enc = run(["sparkplug", "encode", "--json"], b'{"seq": 1, "metrics": [{"name": "a", "datatype": "Int32", "value": 5}]}\n')
    assert enc.returncode == 0, enc.stderr
    (obj,) = json_lines(enc.stdout)
    payload = obj["payload"]
    dec = run(["sparkplug", "decode", "--json"], (payload + "\n").encode())
    assert dec.returncode == 0, dec.stderr
    (back,) = json_lines(dec.stdout)
    assert back["seq"] == 1 and back["metrics"][0]["value"] == 5
    top = run(["sparkplug", "topic", "--json", "spBv1.0/g/NDATA/e"])
    assert top.returncode == 0, top.stderr
    assert json_lines(top.stdout) == [{"type": "NDATA", "group": "g", "edge": "e"}]


def test_sparkplug_encode_refuses_deep_property_sets_without_crashing(tmp_path: Path) -> None:
    n = 100_000
    props = '[["k",{"type":"PropertySet","value":' * n + "[]" + "}]]" * n
    line = '{"metrics":[{"name":"x","datatype":"Int8","value":1,"properties":' + props + "}]}\n"
    p = run(["sparkplug", "encode", "--json"], line.encode())
    assert p.returncode == 1, p.stderr[-500:]
    (obj,) = json_lines(p.stdout)
    assert "nested" in obj["error"]


def test_sparkplug_reports_a_file_it_cannot_read(tmp_path: Path) -> None:
    p = run(["sparkplug", "decode", "--json", str(tmp_path)])
    assert p.returncode == 2 and p.stdout == b""
    assert str(tmp_path).encode() in p.stderr


@pytest.mark.parametrize(
    "args,stdin",
    [
        (["gb26875", "decode", "--json"], os.urandom(200_000)),
        (["gb26875", "decode", "--json", "--hex"], b"40 40 zz"),
        (["sparkplug", "decode", "--json"], b"zz\n" + os.urandom(1000).hex().encode() + b"\n0a\n"),
        (["sparkplug", "encode", "--json"], b"\xff\xfe\n{\"metrics\": 5}\n[]\n"),
        (["sparkplug", "topic", "--json", "nope", "spBv1.0/STATE/h"], b""),
    ],
    ids=["gb-random", "gb-bad-hex", "spb-decode-junk", "spb-encode-junk", "spb-topics"],
)
def test_bad_input_gives_json_lines_and_a_status(args: list[str], stdin: bytes) -> None:
    p = run(args, stdin)
    assert p.returncode in (0, 1), p.stderr
    json_lines(p.stdout)


def test_modbus_plan_and_alarm_replay_print_only_json_lines() -> None:
    p = run(["modbus", "plan", "--json", "--profile", "acrel-asj10l-ld1a"])
    assert p.returncode == 0, p.stderr
    assert json_lines(p.stdout)[-1].keys() == {"summary"}
    rules = ROOT / "tests" / "alarm" / "demo.rules.json"
    inputs = ROOT / "tests" / "alarm" / "demo.input.jsonl"
    p = run(["alarm", "replay", "--json", "--rules", str(rules), "--input", str(inputs)])
    assert p.returncode == 0, p.stderr
    assert "summary" in json_lines(p.stdout)[-1]
