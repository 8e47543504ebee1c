# firebus — fire-safety IoT SDK.
"""firebus-sim against docs/simulator.md, the parts test_sim.py leaves out: scenario files with
errors are refused naming the file, the JSON path and the problem (fault parameters, values the
codec cannot encode, parameters of another action); every fault kind's bytes on the wire on RTU;
what a device answers to requests it cannot serve; the line timing of 8E1, 8N2 and 8N1 and the
fixed t3.5 above 19 200 baud.

Same conventions as test_sim.py (its helpers are used): FIREBUS_SIM names the binary, ports are
picked free, pty links live in tmp_path.
"""

# ruff: noqa: F811  (the `sim` fixture is imported from test_sim, and used by name)
from __future__ import annotations

import json
import os
import select
import socket
import struct
import subprocess
import time

import pytest
from test_sim import SIM, Pty, crc, free_port, line_transaction_us, sim  # noqa: F401

pytestmark = pytest.mark.skipif(not SIM, reason="FIREBUS_SIM is not set (run through CTest)")


def check(tmp_path, scenario) -> subprocess.CompletedProcess:
    """`firebus-sim --check` of a one-device TCP building with `scenario` in its own file."""
    b = tmp_path / "b.json"
    b.write_text(
        json.dumps(
            {
                "buses": [{"id": "t", "listen": "tcp://127.0.0.1:1"}],
                "devices": [{"unit": 3, "profile": "acrel-asj10l-ld1a"}],
            }
        )
    )
    s = tmp_path / "s.json"
    s.write_text(json.dumps(scenario))
    return subprocess.run(
        [SIM, "--building", str(b), "--scenario", str(s), "--check"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    "event, path, problem",
    [
        ({"fault": "garbage"}, "[0].bytes", "required"),
        ({"fault": "garbage", "bytes": 300}, "[0].bytes", "1..256"),
        ({"fault": "late"}, "[0].ms", "required"),
        ({"fault": "exception", "code": 12}, "[0].code", "1..11"),
        ({"fault": "exception", "from": 10, "to": 5}, "[0].to", "below from"),
        ({"fault": "exception", "table": "bogus"}, "[0].table", "expected holding"),
        ({"fault": "dead", "every": 0}, "[0].every", "1..1000000"),
        ({"fault": "explode"}, "[0].fault", "unknown fault"),
    ],
)
def test_a_bad_fault_parameter_names_the_file_and_json_path(tmp_path, event, path, problem):
    p = check(tmp_path, [{"t": 1, "unit": 3, **event}])
    assert p.returncode == 2, p.stdout
    assert p.stderr.startswith(f"firebus-sim: {tmp_path / 's.json'}{path}: "), p.stderr
    assert problem in p.stderr


@pytest.mark.parametrize(
    "event, path",
    [
        ({"point": "IR", "set": 70000}, "[0].set"),  # u16
        ({"point": "IR", "set": -5}, "[0].set"),
        ({"point": "IR", "raw": 70000}, "[0].raw"),
        ({"point": "IR", "ramp_to": 70000, "over_s": 5}, "[0].ramp_to"),
        ({"values": {"IDN": 10, "IR": 1e9}}, "[0].values.IR"),
    ],
)
def test_a_scenario_value_the_codec_cannot_encode_is_refused(tmp_path, event, path):
    p = check(tmp_path, [{"t": 1, "unit": 3, **event}])
    assert p.returncode == 2, p.stdout
    assert p.stderr.startswith(f"firebus-sim: {tmp_path / 's.json'}{path}: "), p.stderr


@pytest.mark.parametrize(
    "event, path",
    [
        ({"fault": "dead", "ms": 5}, "[0].ms"),
        ({"fault": "delay", "ms": 5, "bytes": 3}, "[0].bytes"),
        ({"fault": "crc", "code": 3}, "[0].code"),
        ({"point": "IR", "set": 5, "ms": 100}, "[0].ms"),
        ({"point": "IR", "ramp_to": 5}, "[0].over_s"),
        ({"fault": "dead", "point": "IR"}, "[0].point"),
        ({"values": {"IR": 5}, "point": "IR"}, "[0].point"),
    ],
)
def test_parameters_of_another_action_are_refused(tmp_path, event, path):
    p = check(tmp_path, [{"t": 1, "unit": 3, **event}])
    assert p.returncode == 2, p.stdout
    assert p.stderr.startswith(f"firebus-sim: {tmp_path / 's.json'}{path}: "), p.stderr


@pytest.mark.parametrize("where", ["building", "scenario"])
def test_json_nested_very_deeply_is_refused_not_a_crash(tmp_path, where):
    # A million levels crashed the simulator (nlohmann copies and serialises recursively).
    deep = "[" * 1_000_000 + "]" * 1_000_000
    p = check(tmp_path, [])
    assert p.returncode == 0, p.stderr
    f = tmp_path / ("b.json" if where == "building" else "s.json")
    if where == "building":
        f.write_text(f.read_text().replace('"buses"', f'"name": {deep}, "buses"', 1))
    else:
        f.write_text('{"scenario": ' + deep + "}")
    b, s = tmp_path / "b.json", tmp_path / "s.json"
    p = subprocess.run(
        [SIM, "--building", str(b), "--scenario", str(s), "--check"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 2, p.stdout
    assert p.stderr == f"firebus-sim: {f}: JSON nested deeper than 64 levels\n"


def test_a_number_beyond_a_double_is_refused_not_an_internal_error(tmp_path):
    assert check(tmp_path, []).returncode == 0
    b = tmp_path / "b.json"
    b.write_text(b.read_text().replace('"buses"', '"name": 1e99999, "buses"', 1))
    p = subprocess.run(
        [SIM, "--building", str(b), "--check"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 2, p.stdout
    assert p.stderr.startswith(f"firebus-sim: {b}: "), p.stderr
    assert "number overflow parsing '1e99999'" in p.stderr


def test_a_correct_scenario_file_checks(tmp_path):
    p = check(
        tmp_path,
        {
            "scenario": [
                {"t": 1, "unit": 3, "point": "IR", "ramp_to": 450, "over_s": 10},
                {"t": 2, "unit": 3, "point": "IR", "set": 30000},
                {"t": 3, "unit": 3, "point": "ALM", "raw": 1},
                {"t": 4, "unit": 3, "values": {"PRE": 1, "IR": 0}},
                {"t": 5, "unit": 3, "fault": "exception", "code": 4, "from": 0, "to": 0},
                {"t": 6, "fault": "delay", "ms": 0},
                {"t": 7, "unit": 3, "fault": "none"},
            ]
        },
    )
    assert p.returncode == 0, p.stderr
    assert "events=7" in p.stdout


# --- on the wire: RTU ----------------------------------------------------------------------------


def rtu_frame(unit: int, pdu: bytes) -> bytes:
    return bytes([unit]) + pdu + crc(bytes([unit]) + pdu)


def exchange(p: Pty, frame: bytes, seconds: float = 0.3) -> tuple[bytes, float | None]:
    """What comes back within `seconds`, and when its first byte came (s after the request)."""
    t0 = time.monotonic()
    os.write(p.fd, frame)
    data, first = b"", None
    while (left := t0 + seconds - time.monotonic()) > 0:
        r, _, _ = select.select([p.fd], [], [], left)
        if r:
            data += os.read(p.fd, 4096)
            first = first if first is not None else time.monotonic() - t0
    return data, first


def rtu_building(link, scenario=()):
    return {
        "buses": [{"id": "line", "rtu": str(link), "baud": 0}],
        "devices": [
            {"unit": 7, "profile": "acrel-asj10l-ld1a", "values": {"IDN": 300}},
            {"unit": 8, "profile": "acrel-asj10l-ld1a"},
        ],
        "scenario": list(scenario),
    }


READ_IDN = bytes([3, 0, 8, 0, 1])  # FC 03, holding 8 (IDN = 300 = 0x012C)
IDN_REPLY = rtu_frame(7, bytes([3, 2, 1, 0x2C]))


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "crc"},
        {"fault": "garbage", "bytes": 5},
        {"fault": "late", "ms": 300},
        {"fault": "delay", "ms": 150},
        {"fault": "exception", "code": 4, "from": 8, "to": 8, "table": "holding"},
        {"fault": "dead"},
    ],
    ids=lambda f: f["fault"],
)
def test_rtu_faults_put_the_documented_bytes_on_the_wire(sim, tmp_path, fault):
    link = tmp_path / "tty"
    s = sim(rtu_building(link, [{"t": 0, "unit": 7, **fault}]))
    s.wait_event("fault")
    p = Pty(link)
    reply, first = exchange(p, rtu_frame(7, READ_IDN), 0.6)
    kind = fault["fault"]
    if kind == "crc":
        assert reply[:-2] == IDN_REPLY[:-2] and reply[-2:] != crc(reply[:-2])
    elif kind == "garbage":
        assert len(reply) == 5 + len(IDN_REPLY) and reply[5:] == IDN_REPLY
    elif kind == "late":
        assert reply == IDN_REPLY and 0.29 <= first <= 0.4, first
    elif kind == "delay":
        assert reply == IDN_REPLY and 0.14 <= first <= 0.25, first
    elif kind == "exception":
        assert reply == rtu_frame(7, bytes([0x83, 4]))
        # Another address, another table, and FC 23 writing into the range.
        assert exchange(p, rtu_frame(7, bytes([3, 0, 9, 0, 1])))[0][:3] == bytes([7, 3, 2])
        assert exchange(p, rtu_frame(7, bytes([4, 0, 8, 0, 1])))[0] == rtu_frame(7, b"\x84\x02")
        fc23 = bytes([23, 0, 0, 0, 1, 0, 8, 0, 1, 2, 0, 5])
        assert exchange(p, rtu_frame(7, fc23))[0] == rtu_frame(7, bytes([0x97, 4]))
    else:
        assert reply == b""
    # The neighbour is not affected.
    assert exchange(p, rtu_frame(8, READ_IDN))[0] == rtu_frame(8, bytes([3, 2, 0, 0]))
    p.close()


@pytest.mark.parametrize(
    "pdu, reply_pdu",
    [
        (bytes([3, 0, 200, 0, 1]), b"\x83\x02"),  # beyond the profile's map
        (bytes([3, 0, 0, 0, 0]), b"\x83\x03"),  # quantity 0
        (bytes([3, 0, 0, 0, 126]), b"\x83\x03"),  # quantity > 125
        (bytes([16, 0, 8, 0, 2, 3, 0, 1, 0]), b"\x90\x03"),  # byte count ≠ 2 × quantity
        (bytes([5, 0, 0, 0x12, 0x34]), b"\x85\x03"),  # a coil value other than 0 / FF00
        (bytes([8, 0, 0, 0x12, 0x34]), b"\x88\x01"),  # diagnostics: not supported
        (bytes([43, 14, 1, 0]), b"\xab\x01"),  # device identification: not supported
        (bytes([0x83, 0, 0, 0, 1]), b"\x83\x01"),  # function 0x83: not a request
    ],
)
def test_rtu_requests_a_device_cannot_serve_get_the_exception_a_device_sends(
    sim, tmp_path, pdu, reply_pdu
):
    link = tmp_path / "tty"
    sim(rtu_building(link))
    p = Pty(link)
    assert exchange(p, rtu_frame(7, pdu))[0] == rtu_frame(7, reply_pdu)
    p.close()


def test_rtu_broadcast_writes_every_device_and_nobody_answers_nor_does_a_missing_unit(
    sim, tmp_path
):
    link = tmp_path / "tty"
    s = sim(rtu_building(link))
    p = Pty(link)
    assert exchange(p, rtu_frame(0, bytes([6, 0, 9, 0, 77])))[0] == b""  # FC 06 IPRE := 77
    assert exchange(p, rtu_frame(0, bytes([3, 0, 9, 0, 1])))[0] == b""  # a read: no reply
    assert exchange(p, rtu_frame(9, READ_IDN))[0] == b""  # unit 9: nobody
    for unit in (7, 8):
        assert exchange(p, rtu_frame(unit, bytes([3, 0, 9, 0, 1])))[0] == rtu_frame(
            unit, bytes([3, 2, 0, 77])
        )
    p.close()
    assert s.proc.poll() is None


@pytest.mark.parametrize(
    "baud, parity, stop_bits, bits",
    [(9600, "even", 1, 11), (9600, "none", 2, 11), (9600, "none", 1, 10), (38400, "even", 1, 11)],
)
def test_rtu_line_timing_per_character_format(sim, tmp_path, baud, parity, stop_bits, bits):
    link = tmp_path / "tty"
    sim(
        {
            "buses": [
                {
                    "id": "l",
                    "rtu": str(link),
                    "baud": baud,
                    "parity": parity,
                    "stop_bits": stop_bits,
                }
            ],
            "devices": [{"unit": 7, "profile": "acrel-asj10l-ld1a"}],
        }
    )
    p = Pty(link)
    req = rtu_frame(7, READ_IDN)
    n = 20
    t0 = time.perf_counter()
    for _ in range(n):
        os.write(p.fd, req)
        got = b""
        while len(got) < 7:
            select.select([p.fd], [], [], 1.0)
            got += os.read(p.fd, 4096)
    elapsed = time.perf_counter() - t0
    p.close()
    predicted = n * line_transaction_us(baud, bits, 8, 7) / 1e6
    assert abs(elapsed - predicted) <= 0.10 * predicted, (elapsed, predicted)


# --- on the wire: TCP ----------------------------------------------------------------------------


def tcp_exchange(port: int, unit: int, pdu: bytes, tid: int = 1) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu)
        try:
            return s.recv(300)
        except TimeoutError:
            return b""


@pytest.mark.parametrize(
    "unit, pdu, reply_pdu",
    [
        (3, bytes([3, 0, 200, 0, 1]), b"\x83\x02"),
        (3, bytes([4, 0, 0, 0, 126]), b"\x84\x03"),
        (3, bytes([17]), b"\x91\x01"),
        (3, bytes([0x83, 0, 0, 0, 1]), b"\x83\x01"),
        (9, bytes([3, 0, 0, 0, 1]), b"\x83\x0b"),  # no device: the gateway's 0x0B
        (0, bytes([3, 0, 0, 0, 1]), b"\x83\x0b"),
    ],
)
def test_tcp_requests_a_device_cannot_serve(sim, unit, pdu, reply_pdu):
    port = free_port()
    sim(
        {
            "buses": [{"id": "t", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [{"unit": 3, "profile": "acrel-asj10l-ld1a"}],
        }
    )
    reply = tcp_exchange(port, unit, pdu, tid=0x1234)
    assert reply == struct.pack(">HHHB", 0x1234, 0, 1 + len(reply_pdu), unit) + reply_pdu


def test_a_device_without_unit_is_unit_1_as_documented(sim):
    """docs/simulator.md, Devices: `unit` defaults to 1 (and `bus` to the only bus)."""
    port = free_port()
    sim(
        {
            "buses": [{"id": "t", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [{"profile": "acrel-asj10l-ld1a", "values": {"IR": 42}}],
        }
    )
    assert tcp_exchange(port, 1, bytes([3, 0, 0, 0, 1]))[7:] == bytes([3, 2, 0, 42])
