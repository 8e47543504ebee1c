"""firebus.uplink.MqttUplink against a real broker (mosquitto on 127.0.0.1): the journal sent
over a firebus.mqtt.Client, alarm lane first, envelopes stamped with the journal's lane and
seq, the replay after an outage marked historical, and the Client's own callbacks kept."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest
from racing import run_script

import firebus
from firebus import core, mqtt, telemetry, uplink

from test_mqtt import MOSQUITTO, Broker, Recorder, options

pytestmark = pytest.mark.skipif(
    MOSQUITTO is None, reason="mosquitto is not installed (apt-get install mosquitto)"
)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path, "allow_anonymous true\n")
    yield b
    b.kill()


def envelope(k: int, alarm: bool) -> bytes:
    """A batch with one event numbered k (its seq); the uplink stamps lane and seq."""
    e = core.Event(
        kind=core.EventKind.alarm_on if alarm else core.EventKind.fault_on, seq=k
    )
    return telemetry.encode(telemetry.Envelope("gw1", 1, telemetry.Batch(events=[e])))


def wait(pred: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def decoded(rec: Recorder) -> List[telemetry.Envelope]:
    with rec.cv:
        return [telemetry.decode(p) for _, p in rec.messages]


def test_sends_both_lanes_in_order_stamped_and_keeps_client_callbacks(
    broker: Broker, tmp_path: Path
) -> None:
    sub = mqtt.Client(options(broker.port, "sub"))
    srec = Recorder(sub)
    sub.subscribe("fb/#", 1)
    sub.start()
    assert srec.wait(lambda: srec.ups() == 1)

    with uplink.Journal(str(tmp_path / "j.db")) as j:
        gw = mqtt.Client(options(broker.port, "gw"))
        grec = Recorder(gw)  # the Client's own callbacks, kept by the uplink
        logs: List[str] = []
        up = uplink.MqttUplink(j, gw, window=4, on_log=lambda lvl, text: logs.append(text))
        gw.start()
        assert grec.wait(lambda: grec.ups() == 1)
        assert wait(lambda: up.counters.connections == 1)
        for k in range(1, 41):
            alarm = k % 5 == 0
            up.send(
                uplink.Lane.alarm if alarm else uplink.Lane.telemetry,
                "fb/gw1/events" if alarm else "fb/gw1/data",
                envelope(k, alarm),
                format=uplink.PayloadFormat.firebus_envelope,
            )
        # The application's own publish is reported to Client.on_published, not eaten.
        token = gw.publish("fb/raw", b"hello", 1)
        assert srec.wait(lambda: len(srec.messages) == 41)
        assert grec.wait(lambda: token in grec.published)
        assert grec.published[token] is None
        assert wait(
            lambda: j.stats(uplink.Lane.telemetry).messages == 0
            and j.stats(uplink.Lane.alarm).messages == 0
        )
        c = up.counters
        assert (c.acked, c.refused, c.stamp_failures, c.historical) == (40, 0, 0, 0)
        assert up.in_flight == 0
        assert logs == []

        with srec.cv:
            envs = [telemetry.decode(p) for t, p in srec.messages if t != "fb/raw"]
        alarms = [e for e in envs if e.lane == telemetry.Lane.alarm]
        tele = [e for e in envs if e.lane == telemetry.Lane.telemetry]
        assert [e.seq for e in alarms] == list(range(1, 9))
        assert [e.seq for e in tele] == list(range(1, 33))
        assert [e.body.events[0].seq for e in alarms] == list(range(5, 41, 5))
        gw.close()
        assert up.closed
        with pytest.raises(firebus.MqttError):
            up.send(uplink.Lane.alarm, "fb/x", b"x")
    sub.close()


def test_outage_replay_is_historical_and_alarms_come_first(
    tmp_path: Path,
) -> None:
    b = Broker(tmp_path, "allow_anonymous true\n")
    try:
        with uplink.Journal(str(tmp_path / "j.db")) as j:
            # The gateway retries every 2 s, so that the subscriber started right after the
            # broker comes back is subscribed before the gateway reconnects and replays (QoS 1
            # to a topic nobody subscribes to is dropped by the broker). A loaded CI machine
            # lost that race with the 0.4 s of options().
            gw = mqtt.Client(
                mqtt.ClientOptions(
                    client_id="gw", port=b.port, reconnect_min=2.0, reconnect_max=2.0
                )
            )
            up = uplink.MqttUplink(j, gw, retry_delay=0.1, poll_interval=0.1)
            gw.start()
            assert wait(lambda: gw.connected)
            b.kill()
            assert wait(lambda: not gw.connected)
            for k in range(1, 31):
                alarm = k % 10 == 0
                up.send(
                    uplink.Lane.alarm if alarm else uplink.Lane.telemetry,
                    "fb/gw1",
                    envelope(k, alarm),
                    format=uplink.PayloadFormat.firebus_envelope,
                )
            assert j.stats(uplink.Lane.telemetry).messages == 27
            # The broker back, a subscriber first, then the gateway reconnects by itself.
            b.start()
            sub = mqtt.Client(options(b.port, "sub"))
            srec = Recorder(sub)
            sub.subscribe("fb/#", 1)
            sub.start()
            assert srec.wait(lambda: srec.ups() == 1)
            assert srec.wait(lambda: len(srec.messages) >= 30, timeout=30)
            envs = decoded(srec)
            lanes = [e.lane for e in envs]
            assert lanes[:3] == [telemetry.Lane.alarm] * 3
            assert all(lane == telemetry.Lane.telemetry for lane in lanes[3:30])
            assert all(e.body.historical for e in envs[:30])
            assert up.counters.historical >= 30
            sub.close()
            gw.close()
    finally:
        b.kill()


def test_refusals(broker: Broker, tmp_path: Path) -> None:
    with uplink.Journal(str(tmp_path / "j.db"), max_bytes=2048) as j:
        gw = mqtt.Client(options(broker.port, "gw"))
        up = uplink.MqttUplink(j, gw)
        with pytest.raises(firebus.MqttError) as e:
            up.send(uplink.Lane.alarm, "fb/#", b"x")
        assert e.value.code == int(mqtt.Errc.invalid_topic)
        with pytest.raises(firebus.CoreError):
            up.send(uplink.Lane.alarm, "fb/x", b"x", qos=2)
        # Not started: everything waits in the journal; alarms are never dropped for room.
        with pytest.raises(firebus.JournalError) as je:
            for _ in range(100):
                up.send(uplink.Lane.alarm, "fb/x", b"y" * 100)
        assert je.value.code == int(uplink.JournalErrc.journal_full)
        gw.start()
        # Made after the client started: refused (the client's callbacks must not change).
        with pytest.raises(ValueError, match="before Client.start"):
            uplink.MqttUplink(j, gw)
        with pytest.raises(firebus.CoreError):
            uplink.MqttUplink(j, mqtt.Client(options(broker.port, "x")), window=0)
        with pytest.raises(TypeError):
            uplink.MqttUplink(j, object())  # type: ignore[arg-type]
        assert wait(lambda: j.stats(uplink.Lane.alarm).messages == 0)
        up.close()
        gw.close()


def test_stamp_in_python() -> None:
    wire = envelope(7, True)
    out: Optional[telemetry.Envelope] = telemetry.decode(
        telemetry.stamp(wire, 42, lane=telemetry.Lane.alarm, historical=True)
    )
    assert out is not None
    assert (out.seq, out.lane, out.body.historical) == (42, telemetry.Lane.alarm, True)
    assert out.body.events[0].seq == 7
    with pytest.raises(firebus.TelemetryError):
        telemetry.stamp(wire, 0)
    with pytest.raises(firebus.TelemetryError):
        telemetry.stamp(b"\xff\xff", 1)


def test_transform_makes_the_messages_when_published(broker: Broker, tmp_path: Path) -> None:
    """PayloadFormat.transformed: the transform makes each entry's messages when it is
    published (none, several; historical before the connection); a transform that raises or
    returns something unusable leaves the entry published as stored, counted and logged."""
    sub = mqtt.Client(options(broker.port, "sub-tx"))
    srec = Recorder(sub)
    sub.subscribe("tx/#", 1)
    sub.start()
    assert srec.wait(lambda: srec.ups() == 1)
    seen: List[tuple] = []

    def transform(e: uplink.Entry) -> list:
        kind, _, k = bytes(e.payload).decode().partition(":")
        seen.append((kind + ":" + k, e.historical))
        if kind == "two":
            return [(f"tx/a/{k}", b"A", 1, False), (f"tx/b/{k}", b"B", 0, False)]
        if kind == "raise":
            raise RuntimeError("refused by the test")
        if kind == "odd":
            return [("tx/odd", "not bytes", 1, False)]
        return []

    with uplink.Journal(str(tmp_path / "j.db")) as j:
        gw = mqtt.Client(options(broker.port, "gw-tx"))
        logs: List[str] = []
        up = uplink.MqttUplink(
            j, gw, transform=transform, on_log=lambda lvl, text: logs.append(text),
            retry_delay=0.2, poll_interval=0.2,
        )
        fmt = uplink.PayloadFormat.transformed
        up.send(uplink.Lane.alarm, "tx/stored", b"two:1", format=fmt)  # before the connection
        gw.start()
        assert wait(lambda: up.counters.acked == 1)
        for p in (b"none:2", b"raise:3", b"odd:4", b"two:5"):
            up.send(uplink.Lane.alarm, "tx/stored", p, format=fmt)
        assert srec.wait(lambda: len(srec.messages) == 6)
        assert wait(lambda: j.stats(uplink.Lane.alarm).messages == 0)
        c = up.counters
        assert (c.acked, c.transformed, c.transform_failures) == (5, 3, 2)
        with srec.cv:
            got = sorted(srec.messages)
        assert got == sorted([("tx/a/1", b"A"), ("tx/b/1", b"B"), ("tx/stored", b"raise:3"),
                              ("tx/stored", b"odd:4"), ("tx/a/5", b"A"), ("tx/b/5", b"B")])
        assert seen == [("two:1", True), ("none:2", False), ("raise:3", False),
                        ("odd:4", False), ("two:5", False)]
        assert any("refused by the test" in t for t in logs)
        assert any("payload: bytes expected" in t for t in logs)
        gw.close()
    sub.close()


CLOSE_WHILE_TRANSFORMING = r"""
import sys, time
from firebus import mqtt, uplink
from test_mqtt import options

port, path = int(sys.argv[1]), sys.argv[2]
def transform(e):
    time.sleep(0.001)  # the GIL is given up and taken again on the I/O thread
    return [("cw/x", bytes(e.payload), 0, False)]
for round in range(8):
    with uplink.Journal(f"{path}/j{round}.db") as j:
        gw = mqtt.Client(options(port, f"cw{round}"))
        up = uplink.MqttUplink(j, gw, transform=transform, on_log=lambda lvl, t: None,
                               poll_interval=0.01)
        for k in range(400):
            up.send(uplink.Lane.telemetry, "cw/stored", b"%d" % k,
                    format=uplink.PayloadFormat.transformed)
        gw.start()
        while up.counters.transformed < 20:
            time.sleep(0.001)
        up.close()  # the I/O thread is in (or about to enter) the transform
        gw.close()
print("ok")
"""


def test_closing_the_uplink_while_a_python_callback_runs_does_not_deadlock(
    broker: Broker, tmp_path: Path
) -> None:
    """MqttUplink.close() waits for a callback running on the I/O thread (the C++ destructor
    does), and that callback needs the GIL: close() must not hold it meanwhile. In a child
    process, so that a deadlock fails the test instead of hanging it."""
    done = run_script(CLOSE_WHILE_TRANSFORMING, [str(broker.port), str(tmp_path)], tmp_path, 30,
                      "MqttUplink.close() deadlocked with a transform running")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
