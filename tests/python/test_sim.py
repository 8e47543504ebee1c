# firebus — fire-safety IoT SDK.
"""firebus-sim (examples/sim, docs/simulator.md) against an independent client: pymodbus over
TCP, and raw bytes (CRC from pymodbus's RTU framer) on the RTU pseudo-terminal.

The binary comes from FIREBUS_SIM (set by CTest); the tests skip without it. Every simulator
listens on ports picked free here, and its pty link lives in the test's tmp_path, so the tests
can run in parallel.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import socket
import struct
import subprocess
import threading
import time
import tty
from pathlib import Path

import pytest

SIM = os.environ.get("FIREBUS_SIM")
pytestmark = pytest.mark.skipif(not SIM, reason="FIREBUS_SIM is not set (run through CTest)")

pymodbus_client = pytest.importorskip("pymodbus.client")
from pymodbus.exceptions import ModbusException
from pymodbus.framer import FramerRTU

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "protocols" / "profiles"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def crc(data: bytes) -> bytes:
    """The Modbus CRC as it goes on the wire (low byte first), computed by pymodbus's RTU framer
    (compute_CRC returns it byte-swapped, ready to be written big-endian)."""
    return FramerRTU.compute_CRC(data).to_bytes(2, "big")


class Sim:
    """A running firebus-sim with --json; its events are collected from stdout."""

    def __init__(self, tmp_path: Path, building: dict, *args: str) -> None:
        self.path = tmp_path / "building.json"
        self.path.write_text(json.dumps(building))
        self.proc = subprocess.Popen(
            [SIM, "--building", str(self.path), "--json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[dict] = []
        self.lines: queue.Queue = queue.Queue()
        self.ready_at = None
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 10
        while self.ready_at is None:
            try:
                ev = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.proc.kill()
                pytest.fail(f"firebus-sim not ready: {self.proc.stderr.read()}")
            if ev is None:
                pytest.fail(f"firebus-sim exited: {self.proc.stderr.read()}")
            if ev["event"] == "ready":
                self.ready_at = time.monotonic()

    def _read(self) -> None:
        for line in self.proc.stdout:
            ev = json.loads(line)
            self.events.append(ev)
            self.lines.put(ev)
        self.lines.put(None)

    def wait_event(self, name: str, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for ev in list(self.events):
                if ev["event"] == name:
                    return ev
            time.sleep(0.01)
        pytest.fail(f"no event {name}: {self.events}")

    def wait_for(self, name: str, count: int, timeout: float = 5.0) -> list[dict]:
        """The events `name` once there are `count` of them (stdout is read by a thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [ev for ev in list(self.events) if ev["event"] == name]
            if len(found) >= count:
                return found
            time.sleep(0.01)
        pytest.fail(f"fewer than {count} events {name}: {self.events}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=10) == 0, self.proc.stderr.read()


@pytest.fixture
def sim(tmp_path):
    started: list[Sim] = []

    def start(building: dict, *args: str) -> Sim:
        s = Sim(tmp_path, building, *args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


def client(port: int, timeout: float = 2.0):
    c = pymodbus_client.ModbusTcpClient("127.0.0.1", port=port, timeout=timeout, retries=0)
    assert c.connect()
    return c


def profile(pid: str) -> dict:
    return json.loads((PROFILES / f"{pid}.json").read_text())


def point(prof: dict, pid: str) -> dict:
    """The point `pid` of a profile, with its repeat expanded by hand."""
    for p in prof["points"]:
        rep = p.get("repeat")
        if not rep:
            if p["id"] == pid:
                return p
            continue
        for k in range(rep["count"]):
            n = rep.get("first", 1) + k
            if p["id"].replace("{n}", str(n)) == pid:
                q = dict(p)
                q["address"] = p["address"] + k * rep.get("stride", 1)
                q["bit"] = p.get("bit", 0) + k * rep.get("bit_stride", 0)
                return q
    raise KeyError(pid)


# --- values per profile, many units, many ports ------------------------------------------------


def test_values_served_per_profile_many_units_two_ports(sim):
    p1, p2 = free_port(), free_port()
    sim(
        {
            "buses": [
                {"id": "a", "listen": f"tcp://127.0.0.1:{p1}"},
                {"id": "b", "listen": f"tcp://127.0.0.1:{p2}"},
            ],
            "devices": [
                {
                    "bus": "a",
                    "unit": 1,
                    "profile": "acrel-aim-r100",
                    "values": {"IR3": 120, "IR12": 4321, "LF2": 2, "LF7": 1, "SET3": 300},
                },
                {
                    "bus": "a",
                    "unit": 2,
                    "profile": "honeywell-midas",
                    "values": {"GAS": 12.5, "TEMP": -5, "A1": 1, "A1T": 10.0},
                },
                {"bus": "a", "unit": 3, "profile": "mpd-380", "values": {"DEC": 2, "P": 6.5}},
                {"bus": "a", "unit": 4, "profile": "comem-edti", "values": {"T1": 30, "T4": 71}},
                {"bus": "b", "unit": 1, "profile": "acrel-aim-r100", "values": {"IR3": 77}},
                {
                    "bus": "b",
                    "unit": 9,
                    "profile": str(PROFILES / "acrel-asj10l-ld1a.json"),
                    "values": {"IR": 312, "ALM": 1, "CTB": 1},
                },
            ],
        }
    )
    a, b = client(p1), client(p2)

    aim = profile("acrel-aim-r100")
    ir = point(aim, "IR1")["address"]
    regs = a.read_holding_registers(ir, count=12, device_id=1).registers
    assert regs[2] == 120 and regs[11] == 4321 and regs[0] == 0  # u16 mA; unlisted: range low (0)
    # LF{n}: 2-bit fields, loops 1-4 in register 11 from bit 6 down, 5-12 in 12 from bit 14 down.
    lf2, lf7 = point(aim, "LF2"), point(aim, "LF7")
    r11 = a.read_holding_registers(lf2["address"], count=1, device_id=1).registers[0]
    r12 = a.read_holding_registers(lf7["address"], count=1, device_id=1).registers[0]
    assert (r11 >> lf2["bit"]) & 3 == 2  # open circuit
    assert (r12 >> lf7["bit"]) & 3 == 1  # short circuit
    assert r11 & ~(3 << lf2["bit"]) & 0x0FFF == 0  # the other loops of register 11 stay ok
    assert a.read_holding_registers(
        point(aim, "SET3")["address"], count=1, device_id=1
    ).registers == [300]

    midas = profile("honeywell-midas")
    regs = a.read_holding_registers(0, count=16, device_id=2).registers
    # GAS: f32, word order little (low word first).
    gas = struct.unpack(">f", struct.pack(">HH", regs[3], regs[2]))[0]
    assert gas == 12.5
    assert struct.unpack(">h", struct.pack(">H", regs[point(midas, "TEMP")["address"]]))[0] == -5
    mode = regs[0] & 0xF
    assert mode == 1  # unlisted MODE starts at its first normal code, not 0 (= fault)
    assert (regs[0] >> 6) & 1 == 1  # A1
    assert struct.unpack(">f", struct.pack(">HH", regs[13], regs[12]))[0] == 10.0

    regs = a.read_holding_registers(2, count=3, device_id=3).registers  # UNIT, DEC, P
    assert regs[1] == 2 and regs[2] == 650  # P = raw / 10^DEC

    comem = profile("comem-edti")
    t = point(comem, "T1")
    regs = a.read_holding_registers(t["address"], count=4, device_id=4).registers
    assert [r + t["offset"] for r in (regs[0], regs[3])] == [30, 71]  # raw = value - offset

    # The same unit id on the other port is another device.
    assert b.read_holding_registers(ir, count=3, device_id=1).registers == [0, 0, 77]
    regs = b.read_holding_registers(0, count=28, device_id=9).registers
    assert regs[0] == 312 and regs[27] == 0b110  # ALM bit 1, CTB bit 2
    # A unit nobody serves: exception 0x0B (gateway target failed to respond).
    r = a.read_holding_registers(0, count=1, device_id=42)
    assert r.isError() and r.exception_code == 0x0B
    # Beyond the device's highest address: exception 02.
    r = b.read_holding_registers(0, count=40, device_id=9)
    assert r.isError() and r.exception_code == 2
    a.close()
    b.close()


# --- scenario ----------------------------------------------------------------------------------


def test_scenario_ramp_reaches_its_value_at_the_scaled_time(sim, tmp_path):
    port = free_port()
    speed = 10.0
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        json.dumps(
            {
                "scenario": [
                    {"t": 2, "bus": "a", "unit": 3, "point": "IR3", "ramp_to": 450, "over_s": 4},
                    {"t": 4, "bus": "a", "unit": 3, "point": "IR1", "set": 99},
                ]
            }
        )
    )
    s = sim(
        {
            "buses": [{"id": "a", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [
                {"bus": "a", "unit": 3, "profile": "acrel-aim-r100", "values": {"IR3": 50}}
            ],
        },
        "--speed",
        str(speed),
        "--scenario",
        str(scenario),
    )
    c = client(port)
    samples = []
    while time.monotonic() - s.ready_at < 0.9:
        regs = c.read_holding_registers(74, count=3, device_id=3).registers
        samples.append((time.monotonic() - s.ready_at, regs[0], regs[2]))
        time.sleep(0.005)
    c.close()
    start, end = 2 / speed, (2 + 4) / speed  # real seconds
    before = [v for t, _, v in samples if t < start - 0.03]
    during = [v for t, _, v in samples if start + 0.05 < t < end - 0.05]
    after = [v for t, _, v in samples if t > end + 0.05]
    assert before and set(before) == {50}
    assert during and all(50 < v < 450 for v in during)
    assert during == sorted(during)
    assert after and set(after) == {450}
    reached = min(t for t, _, v in samples if v == 450)
    assert end - 0.03 <= reached <= end + 0.05, reached
    # Halfway in time, halfway in value (within the polling granularity).
    mid = [v for t, _, v in samples if abs(t - (start + end) / 2) < 0.01]
    assert all(abs(v - 250) < 40 for v in mid), mid
    set_at = min(t for t, v1, _ in samples if v1 == 99)
    assert 4 / speed - 0.03 <= set_at <= 4 / speed + 0.05
    ramp = s.wait_event("ramp")
    assert ramp["point"] == "IR3" and ramp["from"] == 50 and ramp["to"] == 450
    assert abs(ramp["t"] - 2) < 0.3
    done = s.wait_event("ramp_done")
    assert abs(done["t"] - 6) < 0.3


# --- faults ------------------------------------------------------------------------------------


def test_dead_device_times_out_while_another_bus_answers(sim):
    p1, p2 = free_port(), free_port()
    sim(
        {
            "buses": [
                {"id": "a", "listen": f"tcp://127.0.0.1:{p1}"},
                {"id": "b", "listen": f"tcp://127.0.0.1:{p2}"},
            ],
            "devices": [
                {"bus": "a", "unit": 7, "profile": "acrel-aim-r100"},
                {"bus": "a", "unit": 8, "profile": "acrel-aim-r100"},
                {"bus": "b", "unit": 1, "profile": "acrel-aim-r100", "values": {"IR1": 5}},
            ],
            "scenario": [{"t": 0, "bus": "a", "unit": 7, "fault": "dead"}],
        }
    )
    dead = client(p1, timeout=0.6)
    result = {}

    def ask_dead():
        t0 = time.monotonic()
        try:
            r = dead.read_holding_registers(74, count=1, device_id=7)
            result["error"] = r.isError()
        except ModbusException:  # pymodbus may report the timeout as an exception
            result["error"] = True
        result["dt"] = time.monotonic() - t0

    th = threading.Thread(target=ask_dead)
    th.start()
    time.sleep(0.05)
    other = client(p2)
    t0 = time.monotonic()
    assert other.read_holding_registers(74, count=1, device_id=1).registers == [5]
    assert time.monotonic() - t0 < 0.1
    th.join()
    assert result["error"] and result["dt"] >= 0.55
    # The dead device does not hold its bus: its neighbour answers.
    neighbour = client(p1)
    assert not neighbour.read_holding_registers(74, count=1, device_id=8).isError()
    for c in (dead, other, neighbour):
        c.close()


def test_exception_on_a_range_and_gaps(sim, tmp_path):
    port = free_port()
    gaps = {
        "version": 1,
        "id": "test-gaps",
        "vendor": "test",
        "model": "gaps",
        "source": {"title": "firebus-sim test"},
        "modbus": {"read_across_gaps": False},
        "points": [
            {
                "id": "A",
                "table": "holding",
                "address": 0,
                "type": "u16",
                "writable": {"min": 0, "max": 65535},
            },
            {"id": "B", "table": "holding", "address": 2, "type": "u16"},
            {
                "id": "RLY1",
                "table": "coil",
                "address": 0,
                "type": "bits",
                "writable": {"min": 0, "max": 1},
            },
            {
                "id": "RLY2",
                "table": "coil",
                "address": 1,
                "type": "bits",
                "writable": {"min": 0, "max": 1},
            },
            {"id": "X", "table": "input", "address": 4, "type": "f32", "scale": 0.5},
        ],
    }
    (tmp_path / "gaps.json").write_text(json.dumps(gaps))
    s = sim(
        {
            "buses": [{"id": "a", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [
                {"bus": "a", "unit": 1, "profile": "acrel-aim-r100"},
                {"bus": "a", "unit": 2, "profile": "gaps.json", "values": {"X": 21.0}},
            ],
            "scenario": [
                {
                    "t": 0,
                    "bus": "a",
                    "unit": 1,
                    "fault": "exception",
                    "code": 2,
                    "from": 80,
                    "to": 81,
                }
            ],
        }
    )
    s.wait_event("fault")
    c = client(port)
    r = c.read_holding_registers(74, count=12, device_id=1)
    assert r.isError() and r.exception_code == 2
    assert not c.read_holding_registers(74, count=6, device_id=1).isError()  # 74..79
    assert not c.read_holding_registers(82, count=4, device_id=1).isError()  # 82..85
    r = c.read_holding_registers(81, count=1, device_id=1)
    assert r.isError() and r.exception_code == 2
    # read_across_gaps false: a read over the unused register 1 is refused, its parts are not.
    r = c.read_holding_registers(0, count=3, device_id=2)
    assert r.isError() and r.exception_code == 2
    assert not c.read_holding_registers(0, count=1, device_id=2).isError()
    regs = c.read_input_registers(4, count=2, device_id=2).registers
    assert struct.unpack(">f", struct.pack(">HH", *regs))[0] * 0.5 == 21.0
    c.close()
    assert any(e["fault"] == "exception" for e in s.wait_for("inject", 2))


def test_writes_read_back(sim, tmp_path):
    port = free_port()
    gaps = {
        "version": 1,
        "id": "test-io",
        "vendor": "test",
        "model": "io",
        "source": {"title": "firebus-sim test"},
        "points": [
            {
                "id": "RLY{n}",
                "table": "coil",
                "address": 0,
                "type": "bits",
                "repeat": {"count": 4},
                "writable": {"min": 0, "max": 1},
            },
        ],
    }
    (tmp_path / "io.json").write_text(json.dumps(gaps))
    s = sim(
        {
            "buses": [{"id": "a", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [
                {"bus": "a", "unit": 1, "profile": "acrel-aim-r100"},
                {"bus": "a", "unit": 2, "profile": "io.json"},
            ],
        }
    )
    c = client(port)
    assert not c.write_register(86, 450, device_id=1).isError()  # FC 6: SET1
    assert not c.write_registers(87, [500, 550], device_id=1).isError()  # FC 16: SET2, SET3
    assert c.read_holding_registers(86, count=3, device_id=1).registers == [450, 500, 550]
    assert not c.write_coil(1, True, device_id=2).isError()  # FC 5
    assert not c.write_coils(2, [True, True], device_id=2).isError()  # FC 15
    assert c.read_coils(0, count=4, device_id=2).bits[:4] == [False, True, True, True]
    c.close()
    writes = s.wait_for("write", 4)
    assert len(writes) == 4 and writes[0]["address"] == 86 and writes[0]["values"] == [450]


def tcp_read(tid: int, unit: int, address: int, count: int) -> bytes:
    return struct.pack(">HHHBBHH", tid, 0, 6, unit, 3, address, count)


def recv_for(sock: socket.socket, seconds: float, want: int = 0) -> bytes:
    """What arrives within `seconds` (or as soon as `want` bytes have, when given)."""
    data = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0 and not (want and len(data) >= want):
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            break
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_garbage_and_late_replies_on_a_raw_socket(sim):
    port = free_port()
    s = sim(
        {
            "buses": [{"id": "a", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [
                {"bus": "a", "unit": 1, "profile": "acrel-aim-r100", "values": {"IR1": 11}},
                {"bus": "a", "unit": 2, "profile": "acrel-aim-r100", "values": {"IR1": 22}},
                {"bus": "a", "unit": 3, "profile": "acrel-aim-r100", "values": {"IR1": 33}},
            ],
            "scenario": [
                {"t": 0, "bus": "a", "unit": 1, "fault": "garbage", "bytes": 7},
                {"t": 0, "bus": "a", "unit": 2, "fault": "late", "ms": 400},
            ],
        }
    )
    s.wait_for("fault", 2)
    good = struct.pack(">HHHBBBH", 5, 0, 5, 1, 3, 2, 11)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(tcp_read(5, 1, 74, 1))
        data = recv_for(sock, 0.3)
        assert len(data) == 7 + len(good) and data[7:] == good

    with socket.create_connection(("127.0.0.1", port)) as sock:
        t0 = time.monotonic()
        sock.sendall(tcp_read(10, 2, 74, 1))
        assert recv_for(sock, 0.2) == b""  # the client's timeout passes: nothing
        sock.sendall(tcp_read(11, 3, 74, 1))  # the next request is answered at once
        data = recv_for(sock, 0.1)
        assert data == struct.pack(">HHHBBBH", 11, 0, 5, 3, 3, 2, 33)
        data = recv_for(sock, 0.5, want=11)  # then the late reply to transaction 10 arrives
        assert data == struct.pack(">HHHBBBH", 10, 0, 5, 2, 3, 2, 22)
        assert 0.38 <= time.monotonic() - t0 <= 0.55

    # Not Modbus TCP (protocol id 7): the connection is closed; the simulator carries on.
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"\x00\x01\x00\x07\x00\x06\x01\x03\x00\x00\x00\x01")
        assert recv_for(sock, 0.5) == b""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(tcp_read(12, 3, 74, 1) + b"\x00\x0d\x00\x00\x00\x02\x03\x63")  # FC 0x63
        data = recv_for(sock, 0.2)
        assert data == struct.pack(">HHHBBBH", 12, 0, 5, 3, 3, 2, 33) + bytes.fromhex(
            "000d0000000303e301"
        )
    injected = {e["fault"] for e in s.wait_for("inject", 2)}
    assert injected == {"garbage", "late"}


# --- RTU on the pseudo-terminal ------------------------------------------------------------------


class Pty:
    def __init__(self, path: Path) -> None:
        self.fd = os.open(str(path), os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)

    def ask(self, frame: bytes, wait: float) -> bytes:
        os.write(self.fd, frame)
        data = b""
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                break
            data += os.read(self.fd, 4096)
        return data

    def close(self) -> None:
        os.close(self.fd)


def rtu_read(unit: int, address: int, count: int) -> bytes:
    body = struct.pack(">BBHH", unit, 3, address, count)
    return body + crc(body)


def test_rtu_on_a_pty_with_crc_and_crc_fault(sim, tmp_path):
    link = tmp_path / "ttyFB0"
    s = sim(
        {
            "buses": [{"id": "line", "rtu": str(link), "baud": 115200, "parity": "none"}],
            "devices": [
                {
                    "bus": "line",
                    "unit": 1,
                    "profile": "acrel-aim-r100",
                    "values": {"IR1": 123, "IR2": 456},
                },
                {"bus": "line", "unit": 2, "profile": "acrel-aim-r100", "values": {"IR1": 7}},
            ],
            "scenario": [{"t": 0, "bus": "line", "unit": 2, "fault": "crc"}],
        }
    )
    assert link.is_symlink()
    s.wait_event("fault")
    p = Pty(link)
    reply = p.ask(rtu_read(1, 74, 2), 0.2)
    body = struct.pack(">BBBHH", 1, 3, 4, 123, 456)
    assert reply == body + crc(body)
    assert p.ask(rtu_read(5, 74, 2), 0.2) == b""  # nobody is unit 5: silence
    bad = rtu_read(1, 74, 2)
    assert p.ask(bad[:-1] + bytes([bad[-1] ^ 1]), 0.2) == b""  # a request with a bad CRC: ignored
    # Noise before a request: the simulator resynchronizes on the frame.
    assert p.ask(b"\xff\x00" + rtu_read(1, 75, 1), 0.3) == struct.pack(">BBBH", 1, 3, 2, 456) + crc(
        struct.pack(">BBBH", 1, 3, 2, 456)
    )
    reply = p.ask(rtu_read(2, 74, 1), 0.2)  # the crc fault
    body = struct.pack(">BBBH", 2, 3, 2, 7)
    assert len(reply) == 7 and reply[:5] == body and reply[5:] != crc(body)
    # FC 6 on RTU, read back.
    body = struct.pack(">BBHH", 1, 6, 86, 333)
    assert p.ask(body + crc(body), 0.2) == body + crc(body)
    assert p.ask(rtu_read(1, 86, 1), 0.2)[3:5] == struct.pack(">H", 333)
    p.close()
    s.stop()
    assert not link.exists() and not link.is_symlink()  # the link is removed on exit


# --- line timing ---------------------------------------------------------------------------------


def line_transaction_us(baud: int, bits: int, request: int, reply: int) -> int:
    """firebus::modbus::line_timing::transaction_time (include/firebus/modbus/rtu.hpp)."""

    def chars(n: int) -> int:
        return (n * bits * 1_000_000 + baud - 1) // baud

    t35 = 1750 if baud > 19200 else (bits * 3_500_000 + baud - 1) // baud
    return chars(request) + chars(reply) + 2 * t35


def test_line_timing_tcp_gateway_19200(sim):
    port = free_port()
    sim(
        {
            # Default parity even, 1 stop bit: 11 bits a character.
            "buses": [{"id": "gw", "listen": f"tcp://127.0.0.1:{port}", "line_baud": 19200}],
            "devices": [{"bus": "gw", "unit": 1, "profile": "acrel-aim-r100"}],
        }
    )
    c = client(port)
    c.read_holding_registers(74, count=10, device_id=1)  # connect, warm up
    n = 50
    t0 = time.perf_counter()
    for _ in range(n):
        assert not c.read_holding_registers(74, count=10, device_id=1).isError()
    elapsed = time.perf_counter() - t0
    c.close()
    # RTU sizes on the line: request 8 bytes, reply 3 + 2 + 20 = 25 bytes.
    predicted = n * line_transaction_us(19200, 11, 8, 25) / 1e6
    print(f"elapsed {elapsed:.4f} s, predicted {predicted:.4f} s")
    assert abs(elapsed - predicted) <= 0.10 * predicted, (elapsed, predicted)


def test_line_timing_rtu_pty_19200_8n1(sim, tmp_path):
    link = tmp_path / "ttyFB1"
    sim(
        {
            "buses": [{"id": "line", "rtu": str(link), "baud": 19200, "parity": "none"}],
            "devices": [{"bus": "line", "unit": 1, "profile": "acrel-aim-r100"}],
        }
    )
    p = Pty(link)
    req = rtu_read(1, 74, 10)
    n = 50
    t0 = time.perf_counter()
    for _ in range(n):
        os.write(p.fd, req)
        got = b""
        while len(got) < 25:
            select.select([p.fd], [], [], 1.0)
            got += os.read(p.fd, 4096)
        assert got[:3] == b"\x01\x03\x14" and got[-2:] == crc(got[:-2])
    elapsed = time.perf_counter() - t0
    p.close()
    predicted = n * line_transaction_us(19200, 10, 8, 25) / 1e6  # parity none, 1 stop: 10 bits
    print(f"elapsed {elapsed:.4f} s, predicted {predicted:.4f} s")
    assert abs(elapsed - predicted) <= 0.10 * predicted, (elapsed, predicted)


def test_bad_building_is_refused(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps(
            {
                "buses": [{"id": "a", "listen": "tcp://127.0.0.1:1"}],
                "devices": [
                    {"bus": "a", "unit": 1, "profile": "acrel-aim-r100", "values": {"NOPE": 1}}
                ],
            }
        )
    )
    r = subprocess.run(
        [SIM, "--building", str(path)], capture_output=True, text=True, timeout=10, check=False
    )
    assert r.returncode == 2 and "NOPE" in r.stderr


def test_example_building_checks():
    r = subprocess.run(
        [SIM, "--building", str(ROOT / "examples/sim/buildings/office.json"), "--check", "--json"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    ok = json.loads(r.stdout)
    assert ok["buses"] == 3 and ok["devices"] == 12 and ok["events"] >= 5


# --- firebus's own client against the simulator -------------------------------------------------

CLI = os.environ.get("FIREBUS_CLI")
needs_cli = pytest.mark.skipif(not CLI, reason="FIREBUS_CLI is not set (run through CTest)")


def poll(port: int, unit: int, profile_id: str, *extra: str) -> tuple[int, list[dict]]:
    p = subprocess.run(
        [
            CLI,
            "modbus",
            "poll",
            "--profile",
            profile_id,
            "--url",
            f"tcp://127.0.0.1:{port}",
            "--unit",
            str(unit),
            "--json",
            *extra,
        ],
        capture_output=True,
        timeout=60,
        text=True,
    )
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()]


@needs_cli
def test_firebus_poll_reads_what_the_simulator_serves_within_the_predicted_scan_time(sim):
    """`firebus modbus poll` (modbus::tcp_bus) against an AIM-R100 behind an emulated 9600-baud
    8N1 gateway line: the served values, and a measured scan within 10 % of the prediction of
    `firebus modbus plan` for the same profile and line."""
    port = free_port()
    values = {"IR1": 35, "IR2": 60, "IR3": 120, "IR4": 18, "SET1": 300, "TRIP": 10}
    s = sim(
        {
            "buses": [
                {
                    "id": "g",
                    "listen": f"tcp://127.0.0.1:{port}",
                    "line_baud": 9600,
                    "parity": "none",
                }
            ],
            "devices": [{"bus": "g", "unit": 4, "profile": "acrel-aim-r100", "values": values}],
        }
    )
    rc, lines = poll(port, 4, "acrel-aim-r100", "--line-baud", "9600")
    assert rc == 0, lines
    by_point = {l["point"]: l for l in lines[:-1]}
    for k, v in values.items():
        assert by_point[k]["value"] == v, k
    summary = lines[-1]["summary"]
    assert summary["failed"] == 0 and summary["timeouts"] == 0
    plan = subprocess.run(
        [CLI, "modbus", "plan", "--profile", "acrel-aim-r100", "--baud", "9600", "--json"],
        capture_output=True,
        timeout=60,
        text=True,
        check=True,
    )
    predicted = json.loads(plan.stdout.splitlines()[-1])["summary"]["device_ms"]
    # time_ms runs from the connection to the last answer, so the last reply's trailing t3.5,
    # which the prediction counts, is not in it.
    assert abs(summary["time_ms"] - predicted) <= 0.10 * predicted, (summary, predicted)
    s.stop()


@needs_cli
def test_firebus_skips_garbage_before_replies_and_keeps_the_connection(sim):
    port = free_port()
    s = sim(
        {
            "buses": [{"id": "g", "listen": f"tcp://127.0.0.1:{port}"}],
            "devices": [
                {"bus": "g", "unit": 3, "profile": "acrel-asj10l-ld1a", "values": {"IR": 312}}
            ],
            "scenario": [{"t": 0, "bus": "g", "unit": 3, "fault": "garbage", "bytes": 7}],
        }
    )
    s.wait_event("fault", 5)
    rc, lines = poll(port, 3, "acrel-asj10l-ld1a", "--timeout-ms", "300")
    assert rc == 0, lines
    by_point = {l["point"]: l for l in lines[:-1]}
    assert by_point["IR"]["value"] == 312
    assert lines[-1]["summary"]["timeouts"] == 0
    s.stop()
