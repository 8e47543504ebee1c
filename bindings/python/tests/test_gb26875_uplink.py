"""firebus.uplink.Gb26875Uplink against firebus.gb26875.Server (the project's own centre) on
loopback, with ConfirmPolicy.after_accept: the journal sent over GB/T 26875.3, alarms in the
alarm lane, denied messages removed and reported, a full journal and an ADU beyond the
standard's limits refused to the caller."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import firebus
import pytest
from racing import run_script
from firebus import gb26875 as gb
from firebus import uplink

WAIT = 20.0
UITD = 0x000012345678
CENTRE = 0x000000000001
DENIED = 17  # firebus::gb26875::errc::denied
TAG = bytes([5, 4, 3, 2, 1, 24])


def routine(k: int) -> bytes:
    """ADU type 3 (analog value), one object whose component address is k."""
    return bytes([3, 1, 1, 0, 31]) + struct.pack("<IBh", k, 3, k % 1000) + TAG


def fire(k: int) -> bytes:
    """ADU type 2 (component status) with bit 1 (fire alarm), component address k."""
    return bytes([2, 1, 1, 0, 42]) + struct.pack("<IH", k, 0x0003) + bytes(31) + TAG


def number_of(adu: bytes) -> int:
    return int(struct.unpack_from("<I", adu, 5)[0])


def wait_for(cond: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def client_config(port: int) -> gb.ClientConfig:
    return gb.ClientConfig(
        port=port,
        address=UITD,
        centre_address=CENTRE,
        backoff_initial=0.05,
        backoff_max=0.2,
    )


class Centre:
    """A Server that confirms after recording (after_accept) and denies the numbers in `deny`."""

    def __init__(self, deny: frozenset[int] = frozenset()) -> None:
        self.lock = threading.Lock()
        self.got: list[tuple[int, bool]] = []  # (number, fire)
        self.deny = deny
        cfg = gb.ServerConfig(
            listen_address="127.0.0.1", address=CENTRE, confirm=gb.ConfirmPolicy.after_accept
        )
        self.server = gb.Server(cfg)
        self.server.on_message = self.on_message

    def on_message(self, m: gb.ServerMessage) -> bool:
        k = number_of(m.adu)
        with self.lock:
            self.got.append((k, m.adu[0] == 2))
        return k not in self.deny

    def numbers(self) -> set[int]:
        with self.lock:
            return {k for k, _ in self.got}

    def arrivals(self) -> list[tuple[int, bool]]:
        with self.lock:
            return list(self.got)


def test_round_trip_alarms_first_denied_reported(tmp_path: Path) -> None:
    centre = Centre(deny=frozenset({13}))
    with centre.server as server, uplink.Journal(str(tmp_path / "j.db")) as j:
        up = uplink.Gb26875Uplink(j, client_config(server.port), window=4, retry_delay=0.2,
                                  keep_denied=False)
        delivered: list[Any] = []
        denied: list[tuple[Any, Any]] = []
        connected: list[int] = []
        logs: list[str] = []
        up.on_delivered = delivered.append
        up.on_denied = lambda e, err: denied.append((e, err))
        up.on_connected = lambda: connected.append(1)
        up.on_log = lambda level, text: logs.append(text)
        # Produced before the link is up: alarms go first once it is.
        before = time.time()
        ids = [up.send(fire(k) if k % 5 == 0 else routine(k)) for k in range(1, 31)]
        assert len(set(ids)) == 30 and all(i > 0 for i in ids)
        assert j.stats(uplink.Lane.alarm).messages == 6
        assert j.stats(uplink.Lane.telemetry).messages == 24
        oldest = up.oldest_unsent(uplink.Lane.alarm)
        assert oldest is not None and before - 1 <= oldest <= time.time()
        # An Adu object works as well as bytes.
        up.send(gb.decode_adu(routine(31)))
        with up:
            assert wait_for(lambda: j.stats(uplink.Lane.alarm).messages == 0
                            and j.stats(uplink.Lane.telemetry).messages == 0)
            assert wait_for(lambda: centre.numbers() == set(range(1, 32)))
            assert wait_for(lambda: len(delivered) == 30 and len(denied) == 1)
            n = up.counters
            assert n.delivered == 30 and n.denied == 1 and n.failed == 0
            assert n.connections >= 1 and connected
            assert up.in_flight == 0
            assert up.oldest_unsent(uplink.Lane.alarm) is None
        assert up.closed
        got = centre.arrivals()
        assert [k for k, f in got[:6]] == [5, 10, 15, 20, 25, 30]  # the alarm lane first
        assert all(f for _, f in got[:6]) and not any(f for _, f in got[6:])
        routines = [k for k, _ in got[6:]]
        assert routines == sorted(routines)
        entry, err = denied[0]
        assert number_of(entry.payload) == 13 and entry.lane == uplink.Lane.telemetry
        assert entry.format == uplink.GB26875_FORMAT
        assert isinstance(err, firebus.GB26875Error) and err.code == DENIED
        assert any("denied" in t for t in logs)
        d = next(x for x in delivered if x.lane == uplink.Lane.alarm)
        assert d.priority == gb.MessagePriority.fire
        assert d.latency >= 0 and d.attempts >= 1 and d.produced >= before - 1
        with pytest.raises(firebus.Error):
            up.send(routine(99))  # closed


def test_refusals_reach_the_caller(tmp_path: Path) -> None:
    with uplink.Journal(str(tmp_path / "j.db"), max_bytes=4096) as j:
        up = uplink.Gb26875Uplink(j, client_config(9))  # not started: nothing leaves
        too_many = bytes([2, 23]) + (fire(1)[2:]) * 23
        with pytest.raises(firebus.GB26875Error):
            up.send(too_many)
        with pytest.raises(firebus.GB26875Error):
            up.send(b"\x02\x01")  # does not decode
        with pytest.raises(TypeError):
            up.send("not an adu")  # type: ignore[arg-type]
        accepted = 0
        with pytest.raises(firebus.JournalError) as err:
            for k in range(1, 500):
                up.send(fire(k))
                accepted += 1
        assert err.value.code == int(uplink.JournalErrc.journal_full)
        assert accepted > 5 and j.stats(uplink.Lane.alarm).messages == accepted
        with pytest.raises(firebus.JournalError):
            up.send_batch([fire(1000), fire(1001)])
        assert j.stats(uplink.Lane.alarm).messages == accepted
        with pytest.raises(firebus.Error):
            uplink.Gb26875Uplink(j, client_config(9), window=0)
        up.close()
        up.close()  # idempotent


def send_until_closed(up: uplink.Gb26875Uplink, batch: list[bytes], stop: threading.Event,
                      errors: list[BaseException], sent: list[int]) -> None:
    """Sends `batch` and reads the counters until `stop`, or until the uplink is closed."""
    try:
        while not stop.is_set():
            sent[0] += len(up.send_batch(batch))
            assert up.counters.sent >= 0 and up.in_flight >= 0
            up.oldest_unsent(uplink.Lane.telemetry)
    except firebus.Error as e:  # closed: GB26875Error not_connected
        if not up.closed:
            errors.append(e)
    except BaseException as e:  # noqa: BLE001 - handed to the test
        errors.append(e)


def test_close_while_another_thread_sends(tmp_path: Path) -> None:
    # send() and the counters run without the GIL: close() in another thread waits for them
    # before it frees the uplink (it used to free it under their feet).
    with socket.socket() as s:  # a port nothing listens on: the client keeps reconnecting
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    batch = [routine(k) for k in range(1, 201)]
    deadline = time.monotonic() + 2.5
    rounds = 0
    sent = [0]
    with uplink.Journal(str(tmp_path / "j.db"), durability=uplink.Durability.normal) as j:
        while time.monotonic() < deadline:
            up = uplink.Gb26875Uplink(j, client_config(port), retry_delay=0.05)
            up.start()
            stop = threading.Event()
            errors: list[BaseException] = []
            th = threading.Thread(target=send_until_closed, args=(up, batch, stop, errors, sent))
            th.start()
            time.sleep(0.002 * (rounds % 10))
            up.close()
            stop.set()
            th.join()
            assert errors == []
            rounds += 1
            if rounds % 10 == 0:
                j.ack([e.id for e in j.read(uplink.Lane.telemetry, max_count=100_000)])
    assert rounds > 5 and sent[0] > 0


CLOSE_WHILE_LOGGING = r"""
import socket, sys, threading, time
from firebus import gb26875 as gb, uplink

path = sys.argv[1]
with socket.socket() as s:  # a port nothing listens on: no connection, only the poll timer
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
cfg = gb.ClientConfig(port=port, address=0x12345678, centre_address=1, backoff_initial=0.05,
                      backoff_max=0.2)
for round in range(8):
    with uplink.Journal(f"{path}/j{round}.db") as j:
        up = uplink.Gb26875Uplink(j, cfg, poll_interval=0.01)
        entered = threading.Event()
        def on_log(level, text):
            entered.set()
            time.sleep(0.02)  # the GIL is given up and taken again on the I/O thread
        up.on_log = on_log
        up.start()
        for k in range(20):  # no ADU: each is removed and reported to on_log at the next poll
            j.append(uplink.Lane.telemetry, "", b"\xff\x01\x02", format=uplink.GB26875_FORMAT)
        assert entered.wait(10)
        up.close()  # the I/O thread is in (or about to enter) on_log
print("ok")
"""


def test_closing_the_uplink_while_a_python_callback_runs_does_not_deadlock(
    tmp_path: Path,
) -> None:
    """Gb26875Uplink.close() waits for a callback of the uplink running on the I/O thread (the
    C++ destructor does), and that callback needs the GIL: close() must not hold it meanwhile.
    In a child process, so that a deadlock fails the test instead of hanging it."""
    done = run_script(CLOSE_WHILE_LOGGING, [str(tmp_path)], tmp_path, 60,
                      "Gb26875Uplink.close() deadlocked with on_log running")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
