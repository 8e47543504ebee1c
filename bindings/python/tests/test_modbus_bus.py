"""Tests of firebus.modbus.Scheduler and firebus.modbus.TcpBus.

The scheduler is pure, so it is driven here as tests/unit/test_modbus_scheduler.cpp drives it in
C++: a simulated bus with simulated time (integer microseconds, handed over as float seconds), in
which every scenario replays exactly. The TCP bus polls the Acrel ASJ10L-LD1A relay's registers
served by an independent peer, a pymodbus server in this process (conftest.py).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import firebus
import pytest
from conftest import ModbusPeer
from firebus import alarm
from firebus import modbus as mb
from firebus import profile as fp
from firebus.core import QualityCode
from firebus.modbus import (
    BusCounters,
    DevicePolicy,
    Errc,
    Function,
    Job,
    Outcome,
    PollPriority,
    ReadItem,
    Request,
    Scheduler,
    Table,
    TcpBus,
    TcpBusConfig,
)

ROOT = Path(os.environ.get("FIREBUS_SOURCE_DIR", Path(__file__).resolve().parents[3]))
ASJ = ROOT / "protocols" / "profiles" / "acrel-asj10l-ld1a.json"

Cond = alarm.DeviceCondition
Status = alarm.DeviceStatus


def hr(address: int, count: int = 1) -> ReadItem:
    return ReadItem(Table.holding_registers, address, count)


# --- the scheduler, on a simulated bus -----------------------------------------------------------


@dataclass
class Behaviour:
    """How a simulated device answers a job."""

    dead: bool = False
    latency_us: int = 10_000
    refuse: int | None = None  # exception 02 for reads covering this address
    silent_at: int | None = None  # timeouts for reads covering this address
    fail_first: int = 0  # time out this many requests, then answer


@dataclass
class Sent:
    at_us: int
    device: int
    priority: PollPriority
    address: int
    quantity: int
    write_id: int


@dataclass
class BusSim:
    s: Scheduler = field(default_factory=lambda: Scheduler(mb.CostModel.rtu(mb.LineTiming())))
    devices: list[Behaviour] = field(default_factory=list)
    log: list[Sent] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    now_us: int = 0

    @staticmethod
    def covers(j: Job, a: int | None) -> bool:
        r = j.request
        return a is not None and j.write_id == 0 and r.address <= a < r.address + r.quantity

    def run_until(self, end: float) -> None:
        end_us = round(end * 1e6)
        while self.now_us < end_us:
            j = self.s.next(self.now_us / 1e6)
            if j is None:
                t = self.s.next_deadline()
                if t is None or round(t * 1e6) > end_us:
                    self.now_us = end_us
                    break
                assert round(t * 1e6) > self.now_us  # next() had nothing: it is in the future
                self.now_us = round(t * 1e6)
                continue
            assert self.s.next(self.now_us / 1e6) is None  # one request in flight
            assert self.s.in_flight == j
            self.log.append(
                Sent(
                    self.now_us,
                    j.device,
                    j.priority,
                    j.request.address,
                    j.request.quantity,
                    j.write_id,
                )
            )
            b = self.devices[j.device]
            error: Errc | firebus.Error | None = None
            if b.dead or self.covers(j, b.silent_at) or b.fail_first > 0:
                b.fail_first = max(0, b.fail_first - 1)
                self.now_us = round(j.deadline * 1e6)
                error = Errc.timeout
            elif self.covers(j, b.refuse):
                self.now_us += b.latency_us
                # As a transport gets it: the codec raises ModbusError for the exception reply.
                with pytest.raises(firebus.ModbusError) as e:
                    mb.parse_response(
                        j.request, mb.encode_exception(int(j.request.fn), Errc.illegal_data_address)
                    )
                error = e.value
            else:
                self.now_us += b.latency_us
            self.outcomes.extend(self.s.complete(self.now_us / 1e6, error))


def code(o: Outcome) -> int | None:
    return None if o.error is None else o.error.code


def test_alarm_reads_first_then_measurements_then_config_one_at_a_time() -> None:
    b = BusSim()
    b.devices = [Behaviour(), Behaviour()]
    assert b.s.add_device(1, measurement=[hr(0)], config=[hr(100)]) == 0
    assert b.s.add_device(2, alarm=[hr(27)], measurement=[hr(0)]) == 1
    assert b.s.device_count == 2
    b.run_until(0.5)
    assert [x.priority for x in b.log] == [
        PollPriority.alarm,
        PollPriority.measurement,
        PollPriority.measurement,
        PollPriority.config,
    ]
    assert b.log[0].device == 1
    # Each request starts when the previous one ended.
    assert [x.at_us for x in b.log] == [0, 10_000, 20_000, 30_000]
    assert all(o.error is None and not o.final_failure for o in b.outcomes)
    assert b.s.counters().replies == 4
    assert b.s.next_deadline() == pytest.approx(1.0)  # the next alarm cycle


def test_classes_are_polled_at_their_own_periods() -> None:
    b = BusSim()
    b.devices = [Behaviour(latency_us=100_000)]
    # 30 measurement reads that cannot merge: a measurement cycle lasts 3 s.
    meas = [hr(k * 1000) for k in range(30)]
    b.s.add_device(1, alarm=[hr(65000)], measurement=meas, policy=DevicePolicy(period=(1, 10, 0)))
    b.run_until(30)
    alarms = [x.at_us for x in b.log if x.priority == PollPriority.alarm]
    assert len(alarms) == 30
    assert len(b.log) - len(alarms) == 90
    # An alarm read waits at most for the request in flight.
    assert max(t1 - t0 for t0, t1 in zip(alarms, alarms[1:])) <= 1_100_000


def test_a_merged_read_refused_with_exception_02_is_split() -> None:
    b = BusSim()
    b.devices = [Behaviour(refuse=5)]  # address 5 is not implemented
    b.s.add_device(1, alarm=[hr(k) for k in range(10)], policy=DevicePolicy(period=(1, 0, 0)))
    assert len(b.s.plan(0, PollPriority.alarm)) == 1
    b.run_until(5)
    assert len(b.s.plan(0, PollPriority.alarm)) <= 4
    assert 1 <= b.s.counters().splits <= 4
    assert b.s.planner(0).splits(Table.holding_registers)  # learned, and kept
    failed = [o for o in b.outcomes if o.final_failure]
    assert len(failed) == 5  # once per cycle, after the splits of the first
    for o in failed:
        assert (o.job.request.address, o.job.request.quantity) == (5, 1)
        assert isinstance(o.error, firebus.ModbusError)
        assert o.error.code == Errc.illegal_data_address
    covered = {
        a
        for o in b.outcomes
        if o.error is None
        for a in range(o.job.request.address, o.job.request.address + o.job.request.quantity)
    }
    assert covered == {0, 1, 2, 3, 4, 6, 7, 8, 9}
    assert b.s.counters().exceptions == b.s.counters(0).exceptions >= 5


def test_a_timeout_is_retried_at_once() -> None:
    b = BusSim()
    b.devices = [Behaviour(fail_first=1)]
    b.s.add_device(1, alarm=[hr(0)], policy=DevicePolicy(timeout=0.2))
    b.run_until(0.5)
    assert [x.at_us for x in b.log] == [0, 200_000]
    assert len(b.outcomes) == 1 and b.outcomes[0].error is None
    assert b.outcomes[0].job.attempt == 1
    c = b.s.counters(0)
    assert (c.retries, c.timeouts, c.replies) == (1, 1, 1)


def test_a_dead_device_is_quarantined_with_backoff() -> None:
    b = BusSim()
    b.devices = [Behaviour(dead=True), Behaviour()]
    p = DevicePolicy(
        period=(1, 0, 0),
        timeout=0.5,
        retries=1,
        quarantine_after=2,
        backoff_initial=5,
        backoff_max=60,
    )
    b.s.add_device(1, alarm=[hr(0), hr(50), hr(100)], policy=p)
    b.s.add_device(2, alarm=[hr(0)], policy=p)
    b.run_until(600)
    dead = [x.at_us for x in b.log if x.device == 0]
    c0 = b.s.counters(0)
    assert c0.replies == 0 and c0.quarantines == 1
    assert b.s.quarantined(0) and not b.s.quarantined(1)
    assert b.s.quarantine_until(0) > 600 - 60
    # Two transactions of two attempts, then one probe per back-off period: 5, 10, 20, 40,
    # then every 60 s.
    assert 4 + 4 + 8 <= len(dead) <= 4 + 4 + 9
    assert all(t1 - t0 >= 5_000_000 for t0, t1 in zip(dead[4:], dead[5:]))  # one timeout each
    assert c0.timeouts == len(dead)
    assert c0.busy == pytest.approx(0.5 * len(dead))
    # The live device is polled every second throughout, at most one dead transaction late.
    live = [x.at_us for x in b.log if x.device == 1]
    assert len(live) >= 590
    assert max(t1 - t0 for t0, t1 in zip(live, live[1:])) <= 2_000_000
    # The dead device's queued reads were dropped and reported.
    dropped = [o for o in b.outcomes if code(o) == Errc.quarantined]
    assert dropped and all(o.final_failure and o.job.device == 0 for o in dropped)
    assert b.s.counters().skipped_cycles > 500
    assert c0.dropped == len(dropped)


def test_a_device_that_comes_back_is_polled_again() -> None:
    b = BusSim()
    b.devices = [Behaviour(dead=True)]
    p = DevicePolicy(
        period=(1, 0, 0), timeout=0.1, retries=0, quarantine_after=1, backoff_initial=2
    )
    b.s.add_device(1, alarm=[hr(0)], policy=p)
    b.run_until(10)
    assert b.s.quarantined(0)
    b.devices[0].dead = False
    b.run_until(30)
    assert not b.s.quarantined(0)
    assert len([x for x in b.log if x.at_us >= 20_000_000]) == 10  # once a second again


def test_writes_go_in_order_and_a_failed_step_cancels_the_rest() -> None:
    b = BusSim()
    b.devices = [Behaviour()]
    b.s.add_device(1, alarm=[hr(27)], policy=DevicePolicy(period=(1, 0, 0)))
    pw = Request(Function.write_single_register, 29, values=[1])
    sp = Request(Function.write_single_register, 8, values=[300])
    w = b.s.submit_write(0, [pw, sp])
    assert w > 0
    b.run_until(0.1)
    assert [(x.priority, x.address, x.write_id) for x in b.log] == [
        (PollPriority.alarm, 27, 0),
        (PollPriority.config, 29, w),
        (PollPriority.config, 8, w),
    ]
    steps = [o for o in b.outcomes if o.job.write_id == w]
    assert [o.job.request for o in steps] == [pw, sp]
    assert all(o.error is None for o in steps)

    b.devices[0].fail_first = 100  # the next requests time out
    w2 = b.s.submit_write(0, [pw, sp])
    b.run_until(20)
    assert {x.address for x in b.log if x.write_id == w2} == {29}  # the setpoint never goes
    assert any(o.job.write_id == w2 and o.final_failure for o in b.outcomes)

    with pytest.raises(IndexError):
        b.s.submit_write(7, [pw])
    with pytest.raises(ValueError):
        b.s.submit_write(0, [])


def test_the_same_inputs_give_the_same_decisions() -> None:
    def scenario() -> tuple[list[Sent], list[str], BusCounters]:
        b = BusSim()
        b.devices = [Behaviour(), Behaviour(dead=True), Behaviour(refuse=3, latency_us=7_000)]
        p = DevicePolicy(period=(0.5, 2, 7))
        for unit in (1, 2, 3):
            b.s.add_device(
                unit,
                alarm=[hr(0), hr(1)],
                measurement=[hr(2), hr(3), hr(4)],
                config=[hr(40)],
                policy=p,
            )
        b.s.submit_write(2, [Request(Function.write_single_register, 40, values=[7])])
        b.run_until(120)
        return b.log, [repr(o) for o in b.outcomes], b.s.counters()

    a = scenario()
    c = scenario()
    assert len(a[0]) > 100
    assert a == c


def test_counters_utilisation_and_latency_histogram() -> None:
    b = BusSim()
    b.devices = [Behaviour(latency_us=25_000)]
    b.s.add_device(1, alarm=[hr(0)], policy=DevicePolicy(period=(0.1, 0, 0)))
    b.run_until(10)
    c = b.s.counters()
    assert c == b.s.counters(0)
    assert (c.requests, c.replies, c.timeouts) == (100, 100, 0)
    assert c.busy == pytest.approx(2.5)
    h = c.latency
    assert h.total() == 100 and sum(h.counts) == 100
    assert h.quantile_bound(0.5) == 0.05  # 25 ms falls in [20, 50) ms
    assert mb.LatencyHistogram.BOUNDS[5:7] == (0.02, 0.05)
    assert b.s.utilisation(10) == pytest.approx(0.25)
    assert b.s.utilisation(0) == 0.0
    empty = mb.LatencyHistogram()
    assert empty.quantile_bound(0.5) == 0.0
    empty.add(2.0)
    assert empty.quantile_bound(1.0) == float("inf")


def test_values_policy_and_argument_checks() -> None:
    p = DevicePolicy()
    assert p.period == (1.0, 10.0, 300.0)
    assert (p.timeout, p.retries, p.quarantine_after, p.backoff_initial, p.backoff_max) == (
        1.0,
        1,
        2,
        5.0,
        300.0,
    )
    p.period = (0.25, 0, 60)
    p.timeout = 0.5
    assert p.period == (0.25, 0.0, 60.0) and p != DevicePolicy()
    assert "period=(0.25, 0.0, 60.0)" in repr(p)
    with pytest.raises(TypeError):
        p.period = (1, 2)  # type: ignore[assignment]
    with pytest.raises(firebus.CoreError):
        DevicePolicy(timeout=float("nan"))

    s = Scheduler()
    assert s.next(0) is None and s.next_deadline() is None and s.in_flight is None
    assert s.complete(0) == []  # nothing in flight
    with pytest.raises(IndexError):
        s.plan(0, PollPriority.alarm)
    with pytest.raises(IndexError):
        s.counters(0)
    s.add_device(9, alarm=[hr(0)], start=5.0)
    assert s.next(4.9) is None and s.next_deadline() == 5.0
    j = s.next(5.0)
    assert j is not None and (j.unit, j.sent, j.deadline, j.probe, j.attempt) == (
        9,
        5.0,
        6.0,
        False,
        0,
    )
    assert j.read.request == j.request and j.read.items == [0]
    with pytest.raises(TypeError):
        s.complete(5.1, "timeout")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.complete(5.1, 999)  # not an Errc
    (o,) = s.complete(5.01, firebus.error_for("firebus.modbus", int(Errc.illegal_function)))
    assert isinstance(o.error, firebus.ModbusError) and o.error.code == Errc.illegal_function
    assert o.final_failure and "exception 01" in str(o.error)
    assert "Scheduler 1 devices" in repr(s)


# --- the TCP bus against pymodbus ----------------------------------------------------------------

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


class Collector:
    """Everything the bus's callbacks report, in order (appended on the I/O thread)."""

    def __init__(self, bus: TcpBus) -> None:
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

    def latest(
        self, device: int = 0
    ) -> tuple[dict[str, float], dict[str, Cond], dict[str, Status]]:
        """The latest value, condition and status of every point of `device` read so far."""
        values: dict[str, float] = {}
        conditions: dict[str, Cond] = {}
        statuses: dict[str, Status] = {}
        with self.lock:
            for d, _, r in self.readings:
                if d != device:
                    continue
                values.update((pid, v) for pid, v, q in r.values if q == QualityCode.good)
                conditions.update(r.conditions)
                statuses.update(r.statuses)
        return values, conditions, statuses


@pytest.fixture()
def codec() -> fp.Codec:
    return fp.Codec(fp.load(str(ASJ)))


@pytest.fixture()
def bus(asj_peer: ModbusPeer) -> Iterator[TcpBus]:
    b = TcpBus(
        TcpBusConfig(port=asj_peer.port, connect_timeout=1, reconnect_min=0.05, reconnect_max=0.5)
    )
    try:
        yield b
    finally:
        b.close()


ASJ_VALUES = {
    "IR": 318.0,
    "IDN": 300.0,
    "IPRE": 240.0,
    "TND": 200.0,
    "CTB_EN": 1.0,
    "PRE": 0.0,
    "ALM": 1.0,
    "DI1": 1.0,
    "DI2": 0.0,
}


def test_config_and_bus_basics(codec: fp.Codec) -> None:
    c = TcpBusConfig()
    assert (c.host, c.port, c.connect_timeout, c.reconnect_min, c.reconnect_max, c.epoch) == (
        "127.0.0.1",
        502,
        3.0,
        0.5,
        30.0,
        None,
    )
    c.validate()
    with pytest.raises(firebus.CoreError):
        TcpBusConfig(port=0).validate()
    with pytest.raises(firebus.CoreError):
        TcpBus(TcpBusConfig(reconnect_min=2, reconnect_max=1))
    epoch = time.monotonic() - 100.0
    with TcpBus(TcpBusConfig(port=9, epoch=epoch)) as b:  # nothing listens: it keeps trying
        assert b.config.epoch == epoch
        assert 100.0 <= b.now() < 110.0
        assert b.running and not b.connected
        with pytest.raises(firebus.CoreError):
            b.add_device(1, codec)  # not once started
    assert b.closed and not b.running
    with pytest.raises(firebus.ModbusError):
        b.start()
    b2 = TcpBus(TcpBusConfig())
    assert b2.config.epoch is not None and b2.now() < 1.0
    assert b2.add_device(1, codec, FAST) == 0 and b2.add_device(2, codec) == 1  # a shared codec
    assert b2.device_count == 2 and "2 devices" in repr(b2)
    assert b2.utilisation() == 0.0
    b2.close()
    b2.close()  # idempotent


def test_readings_arrive_with_values_conditions_and_statuses(
    asj_peer: ModbusPeer, bus: TcpBus, codec: fp.Codec
) -> None:
    got = Collector(bus)
    dev = bus.add_device(1, codec, FAST)
    t0 = bus.now()
    bus.start()
    assert wait_for(lambda: got.latest()[0] == ASJ_VALUES), got.latest()
    assert bus.connected and got.connection[0] == (True, None)
    _, conditions, statuses = got.latest()
    assert conditions == {"PRE": Cond.normal, "ALM": Cond.fire}
    assert statuses == {"IR": Status.open_circuit}  # the CT-break bit is IR's status
    assert all(d == dev and t0 <= t <= bus.now() for d, t, _ in got.readings)
    assert not got.failures

    # A register changed by someone else shows within a poll period.
    changed = time.monotonic()
    asj_peer.set(0, 120)
    asj_peer.set(27, 0b001)  # pre-alarm only: no alarm, no CT break
    assert wait_for(
        lambda: (
            got.latest()[0]["IR"] == 120.0
            and got.latest()[1] == {"PRE": Cond.active, "ALM": Cond.normal}
            and got.latest()[2] == {"IR": Status.ok}
        )
    )
    assert time.monotonic() - changed < 0.2 + 0.5  # the measurement period, and some slack

    c = bus.counters()
    assert c.replies >= 3 and c.timeouts == 0 and c == bus.device_counters(dev)
    assert 0 < bus.utilisation() < 1
    assert bus.connection_counters().connects == 1
    with pytest.raises(IndexError):
        bus.device_counters(1)


def test_setpoint_write_reaches_the_server_password_first(
    asj_peer: ModbusPeer, bus: TcpBus, codec: fp.Codec
) -> None:
    got = Collector(bus)
    bus.add_device(1, codec, FAST)
    # Refused at once, before anything is sent.
    with pytest.raises(firebus.ProfileError) as e:
        bus.write(0, "IDN", 40000, password=1)
    assert e.value.code == fp.Errc.value_out_of_range and "writable 10..30000" in str(e.value)
    with pytest.raises(firebus.ProfileError) as e:
        bus.write(0, "IDN", 450)
    assert e.value.code == fp.Errc.password_required
    with pytest.raises(firebus.ProfileError) as e:
        bus.write(0, "IR", 1)
    assert e.value.code == fp.Errc.not_writable
    with pytest.raises(firebus.ProfileError) as e:
        bus.write(0, "NOPE", 1)
    assert e.value.code == fp.Errc.unknown_point
    with pytest.raises(IndexError):
        bus.write(3, "IDN", 450, password=1)

    bus.start()
    assert wait_for(lambda: bool(got.readings))
    wid = bus.write(0, codec.find("IDN") or 0, 450, password=asj_peer.regs[29])
    assert wait_for(lambda: bool(got.writes))
    assert got.writes == [(wid, None)]
    # On the server: the password register (0x1D), then the setpoint (0x08), nothing else.
    assert [(u, a, v) for u, _, a, v in asj_peer.writes] == [(1, 29, [1]), (1, 8, [450])]
    assert [fc for _, fc, _, _ in asj_peer.writes][1] == 16
    assert wait_for(lambda: got.latest()[0].get("IDN") == 450.0)
    assert not asj_peer.writes[2:] and not got.failures


def test_a_unit_the_server_does_not_serve_is_quarantined(
    asj_peer: ModbusPeer, bus: TcpBus, codec: fp.Codec
) -> None:
    got = Collector(bus)
    live = bus.add_device(1, codec, FAST)
    gone = bus.add_device(2, codec, FAST)  # pymodbus does not answer unit 2 at all
    bus.start()
    time.sleep(1.5)  # less than one back-off period (2 s) after the first timeout
    assert got.latest(live)[0] == ASJ_VALUES
    assert not got.latest(gone)[0]
    c = bus.device_counters(gone)
    assert c.quarantines == 1
    assert c.timeouts == 1  # one timeout per back-off period: no more until it ends
    assert c.replies == 0 and c.skipped_cycles > 0
    with got.lock:
        reasons = {e.code for d, _, _, e in got.failures if d == gone}
        failed_points = {p for d, _, points, _ in got.failures if d == gone for p in points}
        assert all(d == gone for d, _, _, _ in got.failures)
    assert reasons <= {Errc.timeout, Errc.quarantined} and Errc.timeout in reasons
    assert "IR" in failed_points or "ALM" in failed_points
    # The served unit kept being read all along.
    n = len(got.readings)
    assert wait_for(lambda: len(got.readings) > n + 5, 1.0)
    assert bus.device_counters(live).timeouts == 0
    assert bus.counters().quarantines == 1


def test_stop_stops_callbacks_and_start_resumes(
    asj_peer: ModbusPeer, bus: TcpBus, codec: fp.Codec
) -> None:
    got = Collector(bus)
    bus.add_device(1, codec, FAST)
    bus.start()
    assert wait_for(lambda: len(got.readings) >= 5)
    bus.stop()
    assert not bus.running and not bus.connected
    # stop() reported the end of the connection before it returned; then nothing more.
    assert got.connection[-1][0] is False and got.connection[-1][1] is not None
    assert got.failures and got.failures[-1][3].code == Errc.disconnected
    n = got.count()
    time.sleep(0.5)
    assert got.count() == n
    assert bus.connection_counters().disconnects == 1

    bus.start()
    assert wait_for(lambda: len(got.readings) >= 10)
    assert bus.connection_counters().connects == 2
    bus.close()
    n = got.count()
    time.sleep(0.3)
    assert got.count() == n and bus.closed


def test_a_callback_that_raises_does_not_stop_the_bus(
    asj_peer: ModbusPeer, bus: TcpBus, codec: fp.Codec
) -> None:
    calls: list[int] = []

    def boom(device: int, t: float, r: fp.Readings) -> None:
        calls.append(device)
        raise RuntimeError("boom")

    bus.on_readings = boom
    assert bus.on_readings is boom
    bus.add_device(1, codec, FAST)
    reported: list[Any] = []
    old = sys.unraisablehook  # pytest sets its own around each test phase: replace it inside
    sys.unraisablehook = reported.append
    try:
        bus.start()
        assert wait_for(lambda: len(calls) >= 3)
        bus.stop()
    finally:
        sys.unraisablehook = old
    assert bus.connection_counters().callback_errors >= 3
    assert reported and isinstance(reported[0].exc_value, RuntimeError)
    bus.on_readings = None
    assert bus.on_readings is None


def start_or_stop(b: TcpBus, start: bool, gate: threading.Barrier,
                  errors: list[BaseException]) -> None:
    gate.wait()
    try:
        if start:
            b.start()
        else:
            b.stop()
    except firebus.ModbusError:
        pass  # closed first
    except BaseException as e:  # noqa: BLE001 - handed to the test
        errors.append(e)


def test_close_while_another_thread_starts_or_stops() -> None:
    # start() and stop() release the GIL while they use the C++ bus: a close() in another thread
    # meanwhile used to free it under them. Now they finish first, or raise ModbusError (closed).
    deadline = time.monotonic() + 2.5
    rounds = 0
    while time.monotonic() < deadline:
        b = TcpBus(TcpBusConfig(port=9, reconnect_min=0.05, reconnect_max=0.1))
        start = rounds % 2 == 0
        if not start:
            b.start()
        gate = threading.Barrier(2)
        errors: list[BaseException] = []
        th = threading.Thread(target=start_or_stop, args=(b, start, gate, errors))
        th.start()
        gate.wait()
        b.close()
        th.join()
        assert errors == [] and b.closed
        rounds += 1
    assert rounds > 10
