# firebus — fire-safety IoT SDK.
"""`firebus modbus poll` and `plan` against docs/modbus.md, the parts test_cli_modbus.py leaves
out: a point a read could not get names the reason the device gave (an exception, not the
disconnection at the end of the scan); an unknown profile id is named as such (exit 2); --json
writes only JSON lines on stdout; plan's text and JSON agree.

The devices are firebus-sim's (FIREBUS_SIM) with pymodbus-independent framing; FIREBUS_CLI names
the CLI. Either missing: skipped.
"""

# ruff: noqa: F811  (the `sim` fixture is imported from test_sim, and used by name)
from __future__ import annotations

import json
import os
import subprocess

import pytest
from test_sim import SIM, free_port, sim  # noqa: F401

CLI = os.environ.get("FIREBUS_CLI", "")
pytestmark = pytest.mark.skipif(not CLI, reason="FIREBUS_CLI is not set (built in examples/cli)")
needs_sim = pytest.mark.skipif(not SIM, reason="FIREBUS_SIM is not set")


def run(*args):
    return subprocess.run(
        [CLI, "modbus", *args], check=False, capture_output=True, text=True, timeout=60
    )


@needs_sim
def test_poll_names_the_exception_a_read_got(sim):
    port = free_port()
    s = sim(
        {
            "buses": [{"id": "g", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [
                {"unit": 3, "profile": "acrel-asj10l-ld1a", "values": {"IR": 312}},
                {"unit": 4, "profile": "acrel-asj10l-ld1a"},
            ],
            # Unit 4's IR (holding 0) answers exception 04; unit 9 is not served (0x0B).
            "scenario": [{"t": 0, "unit": 4, "fault": "exception", "code": 4, "from": 0, "to": 0}],
        }
    )
    s.wait_event("fault")
    url = f"tcp://127.0.0.1:{port}"
    p = run("poll", "--profile", "acrel-asj10l-ld1a", "--url", url, "--unit", "4", "--json")
    assert p.returncode == 1, p.stderr
    lines = [json.loads(l) for l in p.stdout.splitlines()]
    by_point = {l["point"]: l for l in lines[:-1]}
    assert "exception 04" in by_point["IR"]["error"], by_point["IR"]
    assert "value" not in by_point["IR"]
    assert by_point["IDN"]["value"] == 0 and "error" not in by_point["IDN"]
    assert lines[-1]["summary"]["failed"] == 1 and lines[-1]["summary"]["exceptions"] >= 1

    p = run("poll", "--profile", "acrel-asj10l-ld1a", "--url", url, "--unit", "9", "--retries", "0")
    assert p.returncode == 1
    rows = p.stdout.splitlines()[1:-1]
    assert rows and all("not read: exception 0B" in r for r in rows), p.stdout
    assert p.stdout.splitlines()[-1].startswith("0 of 9 points read")
    s.stop()


@pytest.mark.parametrize("command", ["plan", "poll"])
def test_an_unknown_profile_id_is_named(command):
    extra = ["--url", "tcp://127.0.0.1:1", "--unit", "1"] if command == "poll" else []
    p = run(command, "--profile", "no-such-device", *extra)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.startswith(
        f"firebus modbus {command}: profile 'no-such-device' is not in the profile library"
    ), p.stderr


@needs_sim
def test_poll_json_is_only_json_on_stdout_and_text_matches(sim):
    port = free_port()
    sim(
        {
            "buses": [{"id": "g", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [{"unit": 3, "profile": "acrel-asj10l-ld1a", "values": {"IR": 312}}],
        }
    )
    url = f"tcp://127.0.0.1:{port}"
    p = run("poll", "--profile", "acrel-asj10l-ld1a", "--url", url, "--unit", "3", "--json")
    assert p.returncode == 0, p.stderr
    lines = [json.loads(l) for l in p.stdout.splitlines()]
    assert all(isinstance(l, dict) for l in lines)
    assert set(lines[-1]) == {"summary"} and lines[-1]["summary"]["failed"] == 0
    assert [l["point"] for l in lines[:-1]] == [
        "IR",
        "IDN",
        "IPRE",
        "TND",
        "CTB_EN",
        "PRE",
        "ALM",
        "DI1",
        "DI2",
    ]
    t = run("poll", "--profile", "acrel-asj10l-ld1a", "--url", url, "--unit", "3")
    out = t.stdout.splitlines()
    assert out[0] == f"acrel-asj10l-ld1a (Acrel ASJ10L-LD1A), unit 3 at {url}"
    assert out[1] == "IR           312 mA  status ok"  # CTB (its status source) is ok
    assert out[-1].startswith("9 of 9 points read in ")


def test_plan_text_and_json_agree():
    p = run("plan", "--profile", "acrel-asj10l-ld1a")
    j = run("plan", "--profile", "acrel-asj10l-ld1a", "--json")
    assert p.returncode == 0 and j.returncode == 0
    reads = [json.loads(l) for l in j.stdout.splitlines()]
    summary = reads.pop()["summary"]
    rows = p.stdout.splitlines()[3:-1]
    assert len(rows) == len(reads) == summary["requests"]
    for row, r in zip(rows, reads):
        cols = row.split()
        assert cols[0] == r["class"] and int(cols[2], 16) == r["address"]
        assert int(cols[3]) == r["quantity"] and float(cols[4]) == pytest.approx(
            r["time_ms"], abs=1e-3
        )
    assert f"predicted scan time of one device: {summary['device_ms']:.3f} ms" in p.stdout
