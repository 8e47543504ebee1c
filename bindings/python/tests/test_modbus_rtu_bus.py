"""Tests of firebus.modbus.RtuBus: the Modbus RTU bus, against firebus-sim on a pseudo-terminal.

The simulator (examples/sim, docs/simulator.md) serves the RTU line of the example building,
examples/sim/buildings/office.json (bus3: two pressure transmitters, a residual-current monitor
and a cable-temperature monitor), on a pty whose link lives in the test's tmp_path. Its binary
comes from FIREBUS_SIM, as for tests/python/test_sim.py; the tests that need it are skipped
without it. The settings checks and the port errors need no simulator.
"""

from __future__ import annotations

import errno
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import firebus
import pytest
from firebus import profile as fp
from firebus.core import QualityCode
from firebus.modbus import DevicePolicy, Errc, RtsMode, RtuBus, RtuBusConfig

ROOT = Path(os.environ.get("FIREBUS_SOURCE_DIR", Path(__file__).resolve().parents[3]))
PROFILES = ROOT / "protocols" / "profiles"
OFFICE = ROOT / "examples" / "sim" / "buildings" / "office.json"

SIM = os.environ.get("FIREBUS_SIM", "")
needs_sim = pytest.mark.skipif(
    not (SIM and os.access(SIM, os.X_OK)),
    reason="FIREBUS_SIM is not set to the firebus-sim binary (build the firebus_sim target)",
)

WAIT = 5.0
FAST = DevicePolicy(
    period=(0.1, 0.2, 0.5),
    timeout=0.3,
    retries=0,
    quarantine_after=1,
    backoff_initial=2,
    backoff_max=2,
)


def wait_for(cond: Callable[[], bool], timeout: float = WAIT) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def codec(profile_id: str) -> fp.Codec:
    return fp.Codec(fp.load(str(PROFILES / f"{profile_id}.json")))


# --- the simulator -------------------------------------------------------------------------------


class Sim:
    """A running firebus-sim --json serving `building`; its events are collected from stdout."""

    def __init__(self, tmp_path: Path, building: dict[str, Any]) -> None:
        path = tmp_path / "building.json"
        path.write_text(json.dumps(building))
        self.proc = subprocess.Popen(
            [SIM, "--building", str(path), "--json", "--profiles", str(PROFILES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        lines: queue.Queue[dict[str, Any] | None] = queue.Queue()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                ev = json.loads(line)
                with self.lock:
                    self.events.append(ev)
                lines.put(ev)
            lines.put(None)

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 10
        while True:
            try:
                ev = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.proc.kill()
                pytest.fail("firebus-sim not ready")
            if ev is None:
                assert self.proc.stderr is not None
                pytest.fail(f"firebus-sim exited: {self.proc.stderr.read()}")
            if ev["event"] == "ready":
                break

    def named(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [ev for ev in self.events if ev["event"] == name]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=10) == 0
        self.reader.join(10)  # it ends at the end of stdout
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdout.close()
        self.proc.stderr.close()


def office_line(link: Path, baud: int = 115200) -> dict[str, Any]:
    """The example building's RTU line (bus3) alone, on `link`, at `baud`."""
    office = json.loads(OFFICE.read_text())
    (bus,) = [b for b in office["buses"] if "rtu" in b]
    devices = [d for d in office["devices"] if d["bus"] == bus["id"]]
    return {"buses": [dict(bus, rtu=str(link), baud=baud)], "devices": devices, "scenario": []}


@pytest.fixture()
def sim(tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], Sim]]:
    started: list[Sim] = []

    def start(building: dict[str, Any]) -> Sim:
        s = Sim(tmp_path, building)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture()
def link(tmp_path: Path) -> Path:
    return tmp_path / "ttyFB3"


class Collector:
    """Everything the bus's callbacks report, in order (appended on the I/O thread)."""

    def __init__(self, bus: RtuBus) -> None:
        self.lock = threading.Lock()
        self.readings: list[tuple[int, float, fp.Readings]] = []
        self.failures: list[tuple[int, float, list[str], firebus.Error]] = []
        self.writes: list[tuple[int, firebus.Error | None]] = []
        self.connection: list[tuple[bool, firebus.Error | None]] = []
        bus.on_readings = lambda d, t, r: self.add(self.readings, (d, t, r))
        bus.on_failure = lambda d, t, p, e: self.add(self.failures, (d, t, p, e))
        bus.on_write = lambda i, e: self.add(self.writes, (i, e))
        bus.on_connection = lambda up, e: self.add(self.connection, (up, e))

    def add(self, to: list[Any], item: Any) -> None:
        with self.lock:
            to.append(item)

    def count(self) -> int:
        with self.lock:
            return len(self.readings) + len(self.failures) + len(self.writes) + len(self.connection)

    def values(self, device: int) -> list[dict[str, float]]:
        """The good values of every read of `device`, in order."""
        with self.lock:
            return [
                {pid: v for pid, v, q in r.values if q == QualityCode.good}
                for d, _, r in self.readings
                if d == device
            ]

    def latest(self, device: int) -> dict[str, float]:
        out: dict[str, float] = {}
        for v in self.values(device):
            out.update(v)
        return out

    def reasons(self, device: int) -> set[int]:
        with self.lock:
            return {e.code for d, _, _, e in self.failures if d == device}


def published(profile_id: str, values: dict[str, float]) -> dict[str, float]:
    """`values` of the points a reading reports (not the publish: false ones, such as a
    decimal-places register)."""
    c = codec(profile_id)
    shown = {c.point(i).id for i in c.points() if c.point(i).publish}
    return {pid: v for pid, v in values.items() if pid in shown}


def add_office_devices(
    bus: RtuBus, building: dict[str, Any], policy: DevicePolicy = FAST
) -> dict[int, dict[str, float]]:
    """Adds the building's devices to `bus`; returns the values the simulator serves, by device
    index."""
    expected = {}
    for d in building["devices"]:
        dev = bus.add_device(d["unit"], codec(d["profile"]), policy)
        expected[dev] = published(d["profile"], d.get("values", {}))
    return expected


# --- settings, without a line --------------------------------------------------------------------


def test_config_keywords_defaults_and_line_timing() -> None:
    c = RtuBusConfig(device="/dev/ttyUSB0")
    assert (c.device, c.baud, c.parity, c.data_bits, c.stop_bits, c.rs485, c.rts) == (
        "/dev/ttyUSB0",
        9600,
        "N",
        8,
        1,
        False,
        RtsMode.none,
    )
    assert (c.rts_delay, c.byte_timeout, c.late_guard, c.reopen_min, c.reopen_max) == (
        0.0,
        0.0,
        0.1,
        0.5,
        30.0,
    )
    assert (c.turnaround, c.epoch) == (0.0, None)
    c.validate()
    t = c.line()
    assert (t.baud, t.bits_per_char, t.turnaround) == (9600, 10, 0.0)  # 8N1: 10 bits

    c = RtuBusConfig(
        device="/dev/ttyS1",
        baud=19200,
        parity="E",
        data_bits=7,
        stop_bits=2,
        rs485=True,
        rts=RtsMode.up,
        rts_delay=0.002,
        byte_timeout=0.05,
        late_guard=0.25,
        reopen_min=1,
        reopen_max=8,
        turnaround=0.004,
        epoch=123.5,
    )
    c.validate()
    t = c.line()
    assert (t.baud, t.bits_per_char, t.turnaround) == (19200, 11, 0.004)  # 1 + 7 + 1 + 2
    assert repr(c) == (
        "RtuBusConfig(device='/dev/ttyS1', baud=19200, parity='E', data_bits=7, stop_bits=2, "
        "rs485=True, rts=RtsMode.up, rts_delay=0.002, byte_timeout=0.05, late_guard=0.25, "
        "reopen_min=1.0, reopen_max=8.0, turnaround=0.004, epoch=123.5)"
    )
    c.parity = "O"
    c.late_guard = 0
    assert c.parity == "O" and c.late_guard == 0.0
    with pytest.raises(TypeError):
        RtuBusConfig()  # type: ignore[call-arg]  # the port is required
    with pytest.raises(TypeError):
        RtuBusConfig("/dev/ttyS1")  # type: ignore[misc]  # keywords only


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"baud": 50}, "baud: a standard rate (300 ... 9600, 19200, ... 1000000) expected, 50 found"),
        ({"baud": 2_000_000}, "baud: a standard rate (300 ... 9600, 19200, ... 1000000) expected, 2000000 found"),
        # libmodbus would run a rate it does not know at 9600 without a word
        ({"baud": 12345}, "baud: a standard rate (300 ... 9600, 19200, ... 1000000) expected, 12345 found"),
        ({"parity": "X"}, "parity: 'N', 'E' or 'O' expected, 'X' found"),
        ({"parity": "n"}, "parity: 'N', 'E' or 'O' expected, 'n' found"),
        ({"data_bits": 6}, "data_bits: 7 or 8 expected, 6 found"),
        ({"stop_bits": 0}, "stop_bits: 1 or 2 expected, 0 found"),
        ({"device": ""}, "device: a serial port expected, '' found"),
        ({"rts_delay": -0.001}, "rts_delay: >= 0 expected, -0.001 found"),
        ({"late_guard": -1}, "late_guard: >= 0 expected, -1.0 found"),
        ({"reopen_min": 0}, "reopen_min: > 0 expected, 0.0 found"),
        ({"reopen_max": 0.1}, "reopen_max: >= reopen_min (0.5) expected, 0.1 found"),
    ],
)
def test_invalid_settings_raise_and_name_the_setting(
    settings: dict[str, Any], message: str
) -> None:
    c = RtuBusConfig(**{"device": "/dev/ttyUSB0", **settings})
    with pytest.raises(firebus.CoreError) as e:
        c.validate()
    assert e.value.code == firebus.core.Errc.invalid_argument
    assert str(e.value) == f"modbus.RtuBusConfig: {message}: invalid argument"
    with pytest.raises(firebus.CoreError) as e:
        RtuBus(c)
    assert str(e.value) == f"modbus.RtuBus: {message}: invalid argument"


def test_settings_of_the_wrong_kind_raise_at_once() -> None:
    # Parity is one character: a word is refused where it is given.
    with pytest.raises(firebus.CoreError) as e:
        RtuBusConfig(device="/dev/ttyUSB0", parity="even")
    assert "parity: 'N', 'E' or 'O' expected, 'even' found" in str(e.value)
    c = RtuBusConfig(device="/dev/ttyUSB0")
    with pytest.raises(firebus.CoreError):
        c.parity = ""
    assert c.parity == "N"
    with pytest.raises(TypeError):
        RtuBusConfig(device="/dev/ttyUSB0", baud=-9600)
    with pytest.raises(TypeError):
        RtuBusConfig(device="/dev/ttyUSB0", baud="9600")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        RtuBusConfig(device="/dev/ttyUSB0", rts=7)  # type: ignore[arg-type]
    with pytest.raises(firebus.CoreError):
        RtuBusConfig(device="/dev/ttyUSB0", late_guard=float("nan"))


def test_bus_basics_without_a_line() -> None:
    c = codec("mpd-380")
    bus = RtuBus(RtuBusConfig(device="/nonexistent/ttyFB", epoch=time.monotonic() - 50.0))
    assert "<RtuBus /nonexistent/ttyFB 9600 8N1 stopped, 0 devices>" == repr(bus)
    assert 50.0 <= bus.now() < 60.0 and bus.config.device == "/nonexistent/ttyFB"
    # RTU unit ids are 1..247 (0 is the broadcast address).
    for unit in (0, 248, 255):
        with pytest.raises(firebus.CoreError) as e:
            bus.add_device(unit, c)
        assert f"unit: 1..247 expected, {unit} found" in str(e.value)
    with pytest.raises(TypeError):
        bus.add_device(1, None)  # type: ignore[arg-type]
    bad = DevicePolicy()
    bad.retries = -1
    with pytest.raises(firebus.CoreError) as e:
        bus.add_device(1, c, bad)
    assert "policy DevicePolicy(" in str(e.value)
    assert bus.add_device(1, c) == 0 and bus.add_device(247, c) == 1
    assert bus.device_count == 2
    assert bus.utilisation() == 0.0 and not bus.connected and not bus.running
    with pytest.raises(IndexError):
        bus.device_counters(2)
    with pytest.raises(IndexError):
        bus.write(5, "P", 1.0)
    bus.close()
    bus.close()  # idempotent
    assert bus.closed and "closed" in repr(bus)
    with pytest.raises(firebus.ModbusError) as e2:
        bus.start()
    assert e2.value.code == Errc.cancelled


@pytest.mark.parametrize("kind", ["missing", "regular file", "directory"])
def test_a_port_that_cannot_be_opened_is_reported_and_retried(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "ttyNONE"
    want = errno.ENOENT
    if kind == "regular file":
        path.write_text("not a tty")
        want = errno.ENOTTY
    elif kind == "directory":
        path = tmp_path
        want = errno.EISDIR
    bus = RtuBus(RtuBusConfig(device=str(path), reopen_min=0.05, reopen_max=0.1))
    got = Collector(bus)
    bus.add_device(1, codec("mpd-380"), FAST)
    bus.start()  # returns at once: the port is opened on the line's thread
    assert bus.running
    assert wait_for(lambda: len(got.connection) >= 3)  # tried again and again
    with got.lock:
        up, error = got.connection[0]
    assert up is False and isinstance(error, firebus.SystemError)
    assert error.code == want and error.category == "generic"
    assert str(error) == f"modbus.RtuBus {path}: {os.strerror(want)}"
    assert not bus.connected and "not open" in repr(bus)
    lc = bus.line_counters()
    assert lc.opens == 0 and lc.open_failures >= 3
    assert bus.counters().requests == 0 and not got.readings and not got.failures
    bus.close()
    n = got.count()
    time.sleep(0.3)
    assert got.count() == n and bus.closed and not bus.running


# --- against the simulator -----------------------------------------------------------------------


@needs_sim
def test_readings_over_the_line_are_what_the_simulator_serves(
    sim: Callable[[dict[str, Any]], Sim], link: Path
) -> None:
    # The example building's own line speed, 9600 baud 8N1, and periods it can carry: about
    # half of the line (FAST's would take all of it for the alarm reads, and the strict
    # priorities would leave the pressure transmitters, which have no alarm-state points,
    # unread).
    building = office_line(link, baud=9600)
    sim(building)
    assert link.is_symlink()
    bus = RtuBus(RtuBusConfig(device=str(link), baud=9600, parity="N"))
    try:
        got = Collector(bus)
        expected = add_office_devices(bus, building, DevicePolicy(period=(0.5, 1, 2), timeout=0.5))
        assert expected[0] == {"UNIT": 3, "P": 6.5, "PMIN": 0, "PMAX": 16}  # DEC is not published
        t0 = bus.now()
        bus.start()
        assert wait_for(
            lambda: all(got.latest(d).keys() >= e.keys() for d, e in expected.items())
        ), {d: got.latest(d) for d in expected}
        for dev, want in expected.items():
            assert {k: got.latest(dev)[k] for k in want} == pytest.approx(want), dev
            # Every read of the device decoded the simulator's values, never anything else.
            for v in got.values(dev):
                assert {k: v[k] for k in want if k in v} == pytest.approx(
                    {k: want[k] for k in want if k in v}
                )
        assert bus.connected and got.connection == [(True, None)]
        assert "open, 4 devices" in repr(bus)
        assert not got.failures
        with got.lock:
            assert all(t0 <= t <= bus.now() for _, t, _ in got.readings)
        c = bus.counters()
        assert c.replies >= len(expected) and c.timeouts == 0 and c.bad_replies == 0
        assert sum(bus.device_counters(d).replies for d in expected) == c.replies
        assert 0 < bus.utilisation() < 1
        lc = bus.line_counters()
        assert (lc.opens, lc.open_failures, lc.crc_errors, lc.bad_replies) == (1, 0, 0, 0)
        assert lc.stale_bytes == 0
    finally:
        bus.close()


@needs_sim
def test_dead_and_absent_units_are_quarantined_and_do_not_block_the_others(
    sim: Callable[[dict[str, Any]], Sim], link: Path
) -> None:
    building = office_line(link)
    # As in the example's scenario, device 7 stops answering; here from the start, and it comes
    # back at t = 3 s. Nobody at all is unit 9.
    building["scenario"] = [
        {"t": 0, "unit": 7, "fault": "dead"},
        {"t": 3, "unit": 7, "fault": "none"},
    ]
    s = sim(building)
    # The scenario's t = 0 fault is applied just after "ready": wait for it, or the bus's first
    # request to unit 7 may be answered (seen on a loaded CI machine).
    deadline = time.monotonic() + 10
    while not any(e.get("unit") == 7 and e.get("fault") == "dead" for e in s.named("fault")):
        assert time.monotonic() < deadline, "the simulator never applied the dead fault"
        time.sleep(0.01)
    bus = RtuBus(RtuBusConfig(device=str(link), baud=115200))
    try:
        got = Collector(bus)
        expected = add_office_devices(bus, building)
        dead = next(d for d, u in enumerate(building["devices"]) if u["unit"] == 7)
        absent = bus.add_device(9, codec("mpd-380"), FAST)
        bus.start()
        time.sleep(1.5)  # less than one back-off period (2 s) after the first timeouts
        for d in (dead, absent):
            c = bus.device_counters(d)
            assert c.quarantines == 1 and c.timeouts == 1, (d, c)
            assert c.replies == 0 and c.skipped_cycles > 0
            assert not got.values(d)
            assert got.reasons(d) <= {Errc.timeout, Errc.quarantined}
            assert Errc.timeout in got.reasons(d)
        with got.lock:
            failed = {p for d, _, points, _ in got.failures if d == absent for p in points}
            assert {d for d, _, _, _ in got.failures} == {dead, absent}
        assert "P" in failed
        # The live units were read all along, with every value right.
        live = [d for d in expected if d != dead]
        for d in live:
            assert {k: got.latest(d)[k] for k in expected[d]} == pytest.approx(expected[d])
            assert bus.device_counters(d).timeouts == 0
        n = {d: len(got.values(d)) for d in live}
        assert wait_for(lambda: all(len(got.values(d)) > n[d] + 3 for d in live), 1.0)
        assert bus.line_counters().stale_bytes == 0  # silence, not late replies
        # Device 7 answers again: its next probe gets through and it is polled as before.
        assert wait_for(lambda: bool(got.values(dead)), 6.0)
        want = expected[dead]
        assert wait_for(lambda: got.latest(dead).keys() >= want.keys(), 2.0)
        assert {k: got.latest(dead)[k] for k in want} == pytest.approx(want)
        assert bus.device_counters(absent).replies == 0
        assert s.named("fault")
    finally:
        bus.close()


@needs_sim
def test_setpoint_write_reaches_the_simulator_password_first(
    sim: Callable[[dict[str, Any]], Sim], link: Path
) -> None:
    building = office_line(link)
    s = sim(building)
    bus = RtuBus(RtuBusConfig(device=str(link), baud=115200))
    try:
        got = Collector(bus)
        add_office_devices(bus, building)
        aim = next(d for d, u in enumerate(building["devices"]) if u["unit"] == 7)
        # Refused at once, before anything is sent.
        with pytest.raises(firebus.ProfileError) as e:
            bus.write(aim, "SET3", 2000, password=1)
        assert e.value.code == fp.Errc.value_out_of_range and "writable 6..1000" in str(e.value)
        with pytest.raises(firebus.ProfileError) as e:
            bus.write(aim, "SET3", 450)
        assert e.value.code == fp.Errc.password_required
        with pytest.raises(firebus.ProfileError) as e:
            bus.write(aim, "IR1", 1)
        assert e.value.code == fp.Errc.not_writable
        with pytest.raises(firebus.ProfileError) as e:
            bus.write(aim, "NOPE", 1)
        assert e.value.code == fp.Errc.unknown_point

        bus.start()
        assert wait_for(lambda: got.latest(aim).get("SET3") == 0.0)
        wid = bus.write(aim, "SET3", 450, password=1)
        assert wait_for(lambda: bool(got.writes))
        assert got.writes == [(wid, None)]
        # On the line: the password register (0, FC 6), then the setpoint (86 + 2, FC 16).
        assert wait_for(lambda: len(s.named("write")) >= 2)
        writes = [(w["unit"], w["fn"], w["address"], w["values"]) for w in s.named("write")]
        assert writes == [(7, 6, 0, [1]), (7, 16, 88, [450])]
        assert wait_for(lambda: got.latest(aim).get("SET3") == 450.0)
        assert not got.failures
    finally:
        bus.close()


@needs_sim
def test_broken_and_late_replies_are_never_taken_for_data(
    sim: Callable[[dict[str, Any]], Sim], link: Path
) -> None:
    building = office_line(link)
    building["scenario"] = [
        {"t": 0, "unit": 8, "fault": "crc"},  # every reply of unit 8 has a bad CRC
        {"t": 0, "unit": 2, "fault": "late", "ms": 450},  # unit 2 answers after the timeout
    ]
    s = sim(building)
    bus = RtuBus(RtuBusConfig(device=str(link), baud=115200, late_guard=0.4))
    try:
        got = Collector(bus)
        expected = add_office_devices(bus, building)
        units = {u["unit"]: d for d, u in enumerate(building["devices"])}
        bus.start()
        assert wait_for(lambda: len(s.named("inject")) >= 2)
        assert wait_for(lambda: bus.line_counters().stale_bytes > 0)
        assert wait_for(lambda: bus.line_counters().crc_errors > 0)
        time.sleep(0.5)
        assert Errc.crc_mismatch in got.reasons(units[8])
        assert Errc.timeout in got.reasons(units[2])
        assert not got.values(units[8]) and not got.values(units[2])
        for u in (1, 7):
            d = units[u]
            assert got.values(d)
            for v in got.values(d):  # never a late reply of unit 2 taken for theirs
                want = {k: x for k, x in expected[d].items() if k in v}
                assert {k: v[k] for k in want} == pytest.approx(want)
            assert bus.device_counters(d).timeouts == 0
    finally:
        bus.close()


@needs_sim
def test_stop_start_and_close_are_clean_and_idempotent(
    sim: Callable[[dict[str, Any]], Sim], link: Path
) -> None:
    building = office_line(link)
    sim(building)
    bus = RtuBus(RtuBusConfig(device=str(link), baud=115200))
    got = Collector(bus)
    add_office_devices(bus, building)
    bus.start()
    assert wait_for(lambda: len(got.readings) >= 5)
    assert bus.connected and bus.running
    with pytest.raises(firebus.CoreError):
        bus.add_device(3, codec("mpd-380"))  # not once started
    bus.stop()
    assert not bus.running and not bus.connected and "stopped" in repr(bus)
    n = got.count()
    time.sleep(0.5)
    assert got.count() == n  # no callback once stop() returned
    bus.stop()  # idempotent
    # stop() takes the line down, as TcpBus does: one report, Errc.cancelled.
    assert [up for up, _ in got.connection] == [True, False]
    error = got.connection[1][1]
    assert isinstance(error, firebus.ModbusError) and error.code == Errc.cancelled

    bus.start()  # the port is opened again
    assert wait_for(lambda: len(got.readings) >= n + 5)
    assert bus.line_counters().opens == 2
    assert [up for up, _ in got.connection] == [True, False, True]
    bus.close()
    n = got.count()
    time.sleep(0.3)
    assert got.count() == n and bus.closed and not bus.connected
    bus.close()
    bus.stop()  # after close: nothing to do
    with pytest.raises(firebus.ModbusError):
        bus.counters()

    # A context manager starts and closes; the port can be opened again by another bus.
    with RtuBus(RtuBusConfig(device=str(link), baud=115200)) as b2:
        got2 = Collector(b2)
        assert b2.running
    assert b2.closed and not got2.readings
    with RtuBus(RtuBusConfig(device=str(link), baud=115200)) as b3:
        pass
    b3.close()


@needs_sim
def test_close_from_a_callback_and_a_callback_that_raises(
    sim: Callable[[dict[str, Any]], Sim], link: Path
) -> None:
    building = office_line(link)
    sim(building)
    bus = RtuBus(RtuBusConfig(device=str(link), baud=115200))
    add_office_devices(bus, building)
    calls: list[int] = []
    reported: list[Any] = []

    def boom(device: int, t: float, r: fp.Readings) -> None:
        calls.append(device)
        if len(calls) == 3:
            bus.close()  # on the I/O thread: the bus goes, the thread ends by itself
        raise RuntimeError("boom")

    bus.on_readings = boom
    assert bus.on_readings is boom
    old = sys.unraisablehook  # pytest sets its own around each test phase: replace it inside
    sys.unraisablehook = reported.append
    try:
        bus.start()
        assert wait_for(lambda: bus.closed)
        time.sleep(0.3)
    finally:
        sys.unraisablehook = old
    assert len(calls) == 3  # nothing after close()
    assert reported and all(isinstance(r.exc_value, RuntimeError) for r in reported)
    bus.close()  # joins what the callback left
    assert not bus.running and bus.on_readings is None
