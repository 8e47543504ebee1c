"""Tests of firebus.uplink.Journal: the store-and-forward journal (C++ uplink::journal).

The C++ integration tests (tests/integration/test_journal.cpp) cover crashes, power cuts and
storage failures in depth; these check that the binding carries the same behaviour: lanes and
order, acknowledgement, reopening, the size policy and its log, errors as JournalError, the GIL
released while a thread waits.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

import firebus
from firebus import uplink
from firebus.uplink import Durability, Journal, JournalErrc, Lane, LogLevel, Message


def test_errors_and_enums() -> None:
    assert issubclass(uplink.JournalError, firebus.Error)
    assert uplink.JournalError.__module__ == "firebus"
    assert uplink.errc_message(JournalErrc.journal_full).startswith("journal full")
    assert list(Lane) == [Lane.alarm, Lane.telemetry]
    assert [int(d) for d in Durability] == [0, 1]  # full, normal
    assert uplink.MESSAGE_OVERHEAD == 64


def test_append_next_ack(tmp_path: Path) -> None:
    with Journal(str(tmp_path / "j.db")) as j:
        assert j.last_id == 0 and not j.closed
        t1 = j.append(Lane.telemetry, "fire/data", b"t1")
        a1 = j.append(
            Lane.alarm,
            "fire/events",
            bytearray(b"a1"),
            qos=2,
            retain=True,
            format=7,
            produced=1_700_000_000.25,
        )
        t2 = j.append(Lane.telemetry, "fire/data", memoryview(b"t2"))
        assert (t1, a1, t2) == (1, 2, 3)
        out = j.next(10)
        assert [e.payload for e in out] == [b"a1", b"t1", b"t2"]  # the alarm lane first
        a = out[0]
        assert (a.id, a.lane, a.seq, a.topic, a.qos, a.retain, a.format) == (
            2,
            Lane.alarm,
            1,
            "fire/events",
            2,
            True,
            7,
        )
        assert a.produced == 1_700_000_000.25
        assert a.attempts == 1 and not a.historical
        assert abs(out[1].produced - time.time()) < 60
        assert [e.seq for e in out[1:]] == [1, 2]
        assert j.next() == []  # all in flight
        assert j.stats(Lane.telemetry).in_flight == 2
        assert j.ack(a1) == 1
        assert j.ack(a1) == 0
        assert j.ack([t1, 999]) == 1
        j.rewind()  # a reconnection: t2 again, now historical
        again = j.next()
        assert [e.id for e in again] == [t2]
        assert again[0].historical and again[0].attempts == 2
        c = j.counters
        assert (c.appended, c.acked, c.handed_out) == (3, 2, 4)
        assert "Journal(" in repr(j) and "Entry(id=3" in repr(again[0])
    assert j.closed
    with pytest.raises(uplink.JournalError) as e:
        j.next()
    assert e.value.code == JournalErrc.closed
    assert e.value.category == "firebus.journal"


def test_payload_types(tmp_path: Path) -> None:
    with Journal(str(tmp_path / "j.db")) as j:
        with pytest.raises(TypeError):
            j.append(Lane.alarm, "t", "not bytes")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            Message(Lane.alarm, "t", 5)  # type: ignore[arg-type]
        with pytest.raises(firebus.CoreError):
            j.append(Lane.alarm, "t", b"x", qos=3)


def test_batch_and_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "j.db")
    with Journal(path) as j:
        batch = [
            Message(Lane.alarm if i % 2 else Lane.telemetry, "t", b"m%d" % i) for i in range(6)
        ]
        assert j.append_batch(batch) == [1, 2, 3, 4, 5, 6]
        j.ack(j.next(1)[0].id)  # m1 (the oldest alarm) acknowledged
    logs: list[tuple[LogLevel, str]] = []
    with Journal(path, on_log=lambda level, text: logs.append((level, text))) as j:
        assert logs and logs[0][0] == LogLevel.info
        assert "2 alarm and 3 telemetry messages waiting, last id 6" in logs[0][1]
        out = j.next(10)
        assert [e.payload for e in out] == [b"m3", b"m5", b"m0", b"m2", b"m4"]
        assert all(e.historical for e in out)
        assert j.append(Lane.alarm, "t", b"new") == 7
        assert j.read(Lane.alarm, after_id=6)[0].seq == 4


def test_size_policy_and_log(tmp_path: Path) -> None:
    logs: list[tuple[LogLevel, str]] = []
    size = 100 - 1 - uplink.MESSAGE_OVERHEAD  # 100 accounted bytes with a 1-byte topic
    with Journal(
        str(tmp_path / "j.db"),
        max_bytes=1000,
        on_log=lambda level, text: logs.append((level, text)),
    ) as j:
        for _ in range(10):
            j.append(Lane.telemetry, "t", bytes(size))
        j.append(Lane.telemetry, "t", bytes(size))  # the oldest 10 lose every second one
        assert [e.id for e in j.read(Lane.telemetry)] == [1, 3, 5, 7, 9, 11]
        assert j.counters.thinned == 5
        assert logs[-1][0] == LogLevel.warning and "thinned 5" in logs[-1][1]
        for _ in range(10):
            j.append(Lane.alarm, "t", bytes(size))  # alarms push telemetry out
        assert j.stats(Lane.telemetry).messages == 0
        assert j.stats(Lane.alarm).messages == 10
        with pytest.raises(uplink.JournalError, match="journal full") as e:
            j.append(Lane.alarm, "t", bytes(size))
        assert e.value.code == JournalErrc.journal_full
        assert [level for level, _ in logs][-1] == LogLevel.error
        assert j.counters.refused_alarms == 1
        with pytest.raises(uplink.JournalError) as e:
            j.append(Lane.alarm, "t", bytes(2000))
        assert e.value.code == JournalErrc.message_too_large


def test_storage_errors(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(uplink.JournalError, match="Not a directory") as e:
        Journal(str(tmp_path / "plain" / "j.db"))
    assert e.value.code == JournalErrc.cannot_open
    (tmp_path / "garbage.db").write_bytes(bytes(range(256)) * 32)
    with pytest.raises(uplink.JournalError, match="not a database") as e:
        Journal(str(tmp_path / "garbage.db"))
    assert e.value.code == JournalErrc.corrupt
    # A full "disk" (max_file_bytes): the append fails, reads go on, acks make room again.
    with Journal(str(tmp_path / "full.db"), max_file_bytes=64 * 1024) as j:
        ids = []
        with pytest.raises(uplink.JournalError) as e:
            for _ in range(1000):
                ids.append(j.append(Lane.alarm, "t", bytes(2000)))
        assert e.value.code == JournalErrc.storage_full
        assert j.counters.storage_errors >= 1
        assert [x.id for x in j.next(10000)] == ids
        j.ack(ids[: len(ids) // 2])
        assert j.append(Lane.alarm, "t", bytes(2000)) == ids[-1] + 1
    # Read-only: reads work, writes are refused.
    path = str(tmp_path / "ro.db")
    with Journal(path) as j:
        j.append(Lane.alarm, "t", b"a")
    with Journal(path, read_only=True) as j:
        assert [x.payload for x in j.next()] == [b"a"]
        with pytest.raises(uplink.JournalError) as e:
            j.append(Lane.alarm, "t", b"b")
        assert e.value.code == JournalErrc.read_only
    # Locked by another connection.
    with Journal(path) as a:
        a.append(Lane.alarm, "t", b"c")
        with pytest.raises(uplink.JournalError) as e:
            Journal(path, busy_timeout=0.05)
        assert e.value.code == JournalErrc.locked


def test_a_damaged_journal_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    garbage = bytes(range(256)) * 32
    path.write_bytes(garbage)
    assert Journal.damaged_files(str(path)) == []
    logged: list[str] = []
    with Journal(str(path), move_aside_damaged=True, on_log=lambda _l, m: logged.append(m)) as j:
        moved = j.moved_aside
        assert moved.startswith(str(path) + ".damaged-")
        assert Path(moved).read_bytes() == garbage  # kept for salvage
        assert Journal.damaged_files(str(path)) == [moved]
        assert any("moved aside to " + moved in m for m in logged), logged
        assert j.append(Lane.alarm, "t", b"fire") == 1  # a new journal
    with Journal(str(path), move_aside_damaged=True) as j:
        assert j.moved_aside == ""  # not damaged: nothing moved
    Path(moved).unlink()
    assert Journal.damaged_files(str(path)) == []
    # Without the option a damaged file is refused and left as it was.
    path.write_bytes(garbage)
    with pytest.raises(uplink.JournalError) as e:
        Journal(str(path))
    assert e.value.code == JournalErrc.corrupt and path.read_bytes() == garbage


def test_threads_and_wait(tmp_path: Path) -> None:
    """A producer appends while a consumer waits, takes and acknowledges (GIL released)."""
    total = 300
    with Journal(str(tmp_path / "j.db"), durability=Durability.normal) as j:
        assert j.wait(0.01) is False
        received: list[int] = []

        def consume() -> None:
            deadline = time.monotonic() + 20
            while len(received) < total and time.monotonic() < deadline:
                if not j.wait(0.1):
                    continue
                out = j.next(17)
                received.extend(int(e.payload) for e in out)
                j.ack([e.id for e in out])

        consumer = threading.Thread(target=consume)
        consumer.start()
        for i in range(0, total, 10):
            j.append_batch([Message(Lane.telemetry, "t", b"%d" % k) for k in range(i, i + 10)])
        consumer.join(30)
        assert received == list(range(total))
        assert j.stats(Lane.telemetry).messages == 0


def test_log_handler_errors_are_unraisable(tmp_path: Path) -> None:
    seen: list[object] = []

    def hook(u: object) -> None:
        seen.append(u)

    def boom(level: LogLevel, text: str) -> None:
        raise RuntimeError("handler")

    old = sys.unraisablehook
    sys.unraisablehook = hook
    try:
        with Journal(str(tmp_path / "j.db"), on_log=boom) as j:
            assert j.append(Lane.alarm, "t", b"a") == 1
            assert j.counters.log_errors == 0  # reported to Python, not as a C++ exception
    finally:
        sys.unraisablehook = old
    assert seen
