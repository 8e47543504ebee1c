# firebus — fire-safety IoT SDK.
"""`firebus modbus plan`: the planned reads of every library profile, the predicted scan time
against the physical limits of Modbus RTU (the device digest's table), JSON lines in a fixed key
order, and refusals: a broken profile names its file and JSON path, bad options exit 2.
`firebus modbus poll`: a relay's points read from a pymodbus server (an independent peer),
decoded through its profile; a silent unit and a missing server exit 1.

The binary comes from FIREBUS_CLI (CTest sets it to the in-tree build); without it the tests are
skipped.
"""

import asyncio
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROFILES = sorted((ROOT / "protocols" / "profiles").glob("*.json"))
CLI = os.environ.get("FIREBUS_CLI", "")
pytestmark = pytest.mark.skipif(not CLI, reason="FIREBUS_CLI is not set (built in examples/cli)")


def run(*args):
    p = subprocess.run([CLI, "modbus", *args], capture_output=True, timeout=60)
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {args}"
    return p


def plan_json(*args):
    p = run("plan", *args, "--json")
    assert p.returncode == 0, p.stderr.decode()
    lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
    return lines[:-1], lines[-1]["summary"]


def one_point_profile(tmp_path, count, parity="even"):
    doc = {
        "version": 1,
        "id": "line-test",
        "vendor": "Test",
        "model": "L",
        "source": {"title": "none"},
        "modbus": {"serial": {"baud": 9600, "parity": parity}},
        "points": [
            {
                "id": "R{n}",
                "table": "holding",
                "address": 0,
                "type": "u16",
                "repeat": {"count": count},
            }
        ]
        if count > 1
        else [{"id": "R", "table": "holding", "address": 0, "type": "u16"}],
    }
    path = tmp_path / "line-test.json"
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_every_library_profile_plans_alarm_reads_first_within_the_limits(profile):
    reads, summary = plan_json("--profile", str(profile))
    assert reads, "no reads"
    order = {"alarm": 0, "measurement": 1, "config": 2}
    classes = [order[r["class"]] for r in reads]
    assert classes == sorted(classes)
    for r in reads:
        assert list(r) == ["class", "table", "function", "address", "quantity", "time_ms", "points"]
        assert 1 <= r["quantity"] <= (2000 if r["table"] in ("coil", "discrete") else 125)
        assert r["points"], r
    assert summary["requests"] == len(reads)
    assert summary["device_ms"] == pytest.approx(sum(r["time_ms"] for r in reads), abs=0.01)
    assert summary["profile"] == profile.stem


@pytest.mark.parametrize(
    "count, baud, per_second",
    # The device digest's physical limits of Modbus RTU (11 bits per character, FC 03):
    # 1 register 39.7 transactions/s at 9600 and 79.3 at 19200; 10 registers 218 and 436
    # registers/s; 125 registers 404 and 808 registers/s.
    [
        (1, 9600, 39.7),
        (1, 19200, 79.3),
        (10, 9600, 218 / 10),
        (10, 19200, 436 / 10),
        (125, 9600, 404 / 125),
        (125, 19200, 808 / 125),
    ],
)
def test_the_prediction_matches_the_physical_limits_of_the_line(tmp_path, count, baud, per_second):
    reads, summary = plan_json("--profile", one_point_profile(tmp_path, count), "--baud", str(baud))
    assert len(reads) == 1 and reads[0]["quantity"] == count
    assert 1000 / summary["device_ms"] == pytest.approx(per_second, rel=0.01)


def test_the_line_scan_is_devices_times_the_device_and_text_output_says_so(tmp_path):
    _, one = plan_json("--profile", one_point_profile(tmp_path, 1))
    _, ten = plan_json("--profile", one_point_profile(tmp_path, 1), "--devices", "10")
    assert ten["scan_ms"] == pytest.approx(10 * one["device_ms"], abs=0.01)
    p = run("plan", "--profile", one_point_profile(tmp_path, 1), "--devices", "10")
    text = p.stdout.decode()
    assert "Modbus RTU 9600 baud, 11 bits per character" in text
    assert "10 devices on the line" in text


def test_tcp_plans_use_the_round_trip():
    reads, summary = plan_json("--profile", str(PROFILES[0]), "--tcp-rtt-ms", "2")
    assert all(r["time_ms"] >= 2 for r in reads)
    assert summary["device_ms"] < 2.1 * len(reads)


def test_a_library_id_resolves_to_its_file():
    _, summary = plan_json("--profile", "acrel-asj10l-ld1a")
    assert summary["profile"] == "acrel-asj10l-ld1a"


def test_a_broken_profile_names_the_file_and_the_json_path(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "id": "bad",
                "vendor": "v",
                "model": "m",
                "source": {"title": "t"},
                "points": [
                    {"id": "A", "table": "holding", "address": 0, "type": "u16", "scael": 2}
                ],
            }
        )
    )
    p = run("plan", "--profile", str(path))
    assert p.returncode == 2
    assert p.stderr.decode() == f'{path}: points[0]: unknown key "scael"\n'


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "--profile is required"),
        (["--profile"], "--profile needs a file or an id"),
        (["--profile", "x", "--baud", "fast"], "--baud needs an integer 300..1000000"),
        (["--profile", "x", "--devices", "0"], "--devices needs an integer 1..247"),
        (["--profile", "x", "--frobnicate"], "unknown option '--frobnicate'"),
    ],
)
def test_usage_errors_exit_2(args, message):
    p = run("plan", *args)
    assert p.returncode == 2
    assert p.stderr.decode().startswith(f"firebus modbus plan: {message}\n")


# --- poll: against pymodbus, an independent Modbus TCP server --------------------------------------


@pytest.fixture()
def relay_server():
    """A pymodbus server on 127.0.0.1 serving the Acrel ASJ10L-LD1A relay's holding registers
    at unit 3: residual current 312 mA, status bits alarm + CT break (0x1B = 0b110)."""
    pytest.importorskip("pymodbus")
    from pymodbus.datastore import (
        ModbusDeviceContext,
        ModbusSequentialDataBlock,
        ModbusServerContext,
    )
    from pymodbus.server import ModbusTcpServer

    regs = {0: 312, 8: 300, 9: 240, 16: 200, 26: 1, 27: 0b110, 29: 1, 30: 0b01}
    # pymodbus's device context reads PDU address a at block address a + 1.
    device = ModbusDeviceContext(
        hr=ModbusSequentialDataBlock(1, [regs.get(a, 0) for a in range(64)])
    )
    context = ModbusServerContext(devices={3: device}, single=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    servers = []

    async def serve():
        servers.append(ModbusTcpServer(context, address=("127.0.0.1", port)))
        await servers[0].serve_forever()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    for _ in range(200):  # until it listens
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.02)
    try:
        yield port
    finally:
        if servers:
            asyncio.run_coroutine_threadsafe(servers[0].shutdown(), loop).result(5)
        thread.join(5)
        loop.close()


def test_poll_prints_the_decoded_points_of_a_device(relay_server):
    url = f"tcp://127.0.0.1:{relay_server}"
    p = run("poll", "--profile", "acrel-asj10l-ld1a", "--url", url, "--unit", "3", "--json")
    assert p.returncode == 0, p.stderr.decode()
    lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
    by_point = {l["point"]: l for l in lines[:-1]}
    assert by_point["IR"]["value"] == 312
    assert by_point["IR"]["unit"] == "mA"
    assert by_point["IR"]["quality"] == "good"
    assert by_point["IR"]["status"] == "open_circuit"  # the CT break bit
    assert by_point["ALM"]["condition"] == "fire"
    assert by_point["PRE"]["condition"] == "normal"
    assert by_point["IDN"]["value"] == 300
    summary = lines[-1]["summary"]
    assert summary["failed"] == 0
    assert summary["timeouts"] == 0
    text = run("poll", "--profile", "acrel-asj10l-ld1a", "--url", url, "--unit", "3")
    assert text.returncode == 0
    assert "IR           312 mA  status open_circuit" in text.stdout.decode()


def test_poll_of_a_unit_that_does_not_answer_reports_every_point_and_exits_1(relay_server):
    url = f"tcp://127.0.0.1:{relay_server}"
    p = run(
        "poll",
        "--profile",
        "acrel-asj10l-ld1a",
        "--url",
        url,
        "--unit",
        "9",
        "--json",
        "--timeout-ms",
        "100",
        "--retries",
        "0",
    )
    assert p.returncode == 1
    lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
    summary = lines[-1]["summary"]
    assert summary["failed"] == summary["points"]
    assert all("error" in l for l in lines[:-1] if "value" not in l)


def test_poll_without_a_server_exits_1():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = run(
        "poll", "--profile", "acrel-asj10l-ld1a", "--url", f"tcp://127.0.0.1:{port}", "--unit", "1"
    )
    assert p.returncode == 1
    assert p.stderr.decode() == f"firebus modbus poll: cannot connect to tcp://127.0.0.1:{port}\n"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--profile", "x", "--unit", "1"], "--url is required"),
        (["--profile", "x", "--url", "udp://h", "--unit", "1"], "--url needs tcp://HOST[:PORT]"),
        (["--profile", "x", "--url", "tcp://h"], "--unit is required"),
        (["--profile", "x", "--url", "tcp://h", "--unit", "300"], "--unit needs an integer 0..255"),
    ],
)
def test_poll_usage_errors_exit_2(args, message):
    p = run("poll", *args)
    assert p.returncode == 2
    assert p.stderr.decode().startswith(f"firebus modbus poll: {message}\n")
