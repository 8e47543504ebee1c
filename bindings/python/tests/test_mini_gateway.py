"""examples/python/mini_gateway.py end to end: firebus-sim serves two devices on Modbus TCP, one
of which crosses its residual-current alarm setpoint a few seconds in; the gateway, run as a
subprocess for a bounded time, must print the alarm and deliver it through its journal and
MqttUplink to a real broker (mosquitto on 127.0.0.1) as a firebus telemetry Envelope, then exit 0.

Needs FIREBUS_SIM (the firebus-sim binary) and mosquitto; skipped without either. The simulator and
the broker are started with the helpers of test_modbus_rtu_bus.py and test_mqtt.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import firebus
from firebus import core, mqtt, telemetry, uplink

from test_modbus_rtu_bus import ROOT, SIM, Sim
from test_mqtt import MOSQUITTO, Broker, Recorder, free_port, options

pytestmark = [
    pytest.mark.skipif(
        not (SIM and os.access(SIM, os.X_OK)),
        reason="FIREBUS_SIM is not set to the firebus-sim binary (build the firebus_sim target)",
    ),
    pytest.mark.skipif(
        MOSQUITTO is None, reason="mosquitto is not installed (apt-get install mosquitto)"
    ),
]

EXAMPLE = ROOT / "examples" / "python" / "mini_gateway.py"
ALARM_AT = 3  # scenario seconds after the simulator is ready


def building(port: int) -> dict[str, object]:
    """A TCP bus with a residual-current monitor (unit 1) and a relay (unit 3). Loop 2 of the
    monitor jumps from 60 mA to 350 mA at ALARM_AT: over its profile's ALM (300 mA, fire) and
    PRE (240 mA, pre-alarm) setpoints. The relay stays normal."""
    return {
        "buses": [{"id": "bus1", "listen": f"tcp://127.0.0.1:{port}"}],
        "devices": [
            {"bus": "bus1", "unit": 1, "profile": "acrel-aim-r100",
             "values": {"IR1": 35, "IR2": 60}},
            {"bus": "bus1", "unit": 3, "profile": "acrel-asj10l-ld1a",
             "values": {"IR": 80, "IDN": 300, "IPRE": 240}},
        ],
        "scenario": [{"t": ALARM_AT, "bus": "bus1", "unit": 1, "point": "IR2", "set": 350}],
    }


def test_alarm_reaches_the_broker_as_an_envelope(tmp_path: Path) -> None:
    broker = Broker(tmp_path, "allow_anonymous true\n")
    sub = mqtt.Client(options(broker.port, "sub"))
    rec = Recorder(sub)
    sub.subscribe("firebus/v1/#", 1)
    sub.start()
    modbus_port = free_port()
    sim = Sim(tmp_path, building(modbus_port))
    try:
        assert rec.wait(lambda: rec.ups() == 1)
        env = dict(os.environ, PYTHONPATH=str(Path(firebus.__file__).resolve().parents[1]))
        started = time.time()
        gw = subprocess.run(
            [sys.executable, str(EXAMPLE), "--broker", f"127.0.0.1:{broker.port}",
             "--journal", str(tmp_path / "journal.db"), "--seconds", str(ALARM_AT + 5),
             "--device", f"dp1=127.0.0.1:{modbus_port}/1:acrel-aim-r100",
             "--device", f"relay=127.0.0.1:{modbus_port}/3:acrel-asj10l-ld1a"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert gw.returncode == 0, gw.stdout + gw.stderr
        # The events it printed: the monitor's two alarms, nothing from the relay.
        assert '"event":"alarm_on","point":"dp1/IR2","alarm":"ALM","class":"fire"' in gw.stdout
        assert '"point":"dp1/IR2","alarm":"PRE"' in gw.stdout
        assert "relay/" not in gw.stdout

        def alarm_on() -> list[tuple[telemetry.Envelope, core.Event]]:
            """The alarm_on events of dp1/IR2 ALM received so far, with their Envelopes."""
            with rec.cv:
                received = [(t, telemetry.decode(p)) for t, p in rec.messages]
            wanted = (core.EventKind.alarm_on, "dp1/IR2", "ALM")
            found = []
            for topic, envelope in received:
                assert topic == "firebus/v1/gw1/alarm"  # only the alarm lane's topic
                assert isinstance(envelope.body, telemetry.Batch)
                found += [(envelope, ev) for ev in envelope.body.events
                          if (ev.kind, ev.point, ev.alarm) == wanted]
            return found

        assert rec.wait(lambda: bool(alarm_on()), timeout=5), rec.messages
        envelope, event = alarm_on()[0]
        assert envelope.source_id == "gw1"
        assert envelope.lane == telemetry.Lane.alarm and envelope.seq >= 1
        assert event.cls == core.AlarmClass.fire and event.value == 350
        # The events' own numbers: 1, 2, 3, ... in the order sent, the source the gateway's.
        envelopes = sorted((telemetry.decode(p) for _, p in rec.messages), key=lambda e: e.seq)
        numbers = [ev.seq for env in envelopes for ev in env.body.events]
        assert numbers == list(range(1, len(numbers) + 1))
        assert all(ev.source_id == "gw1" for env in envelopes for ev in env.body.events)
        assert event.time is not None and started < event.time < time.time()
        # Every message was acknowledged by the broker: the journal is empty.
        with uplink.Journal(str(tmp_path / "journal.db")) as journal:
            assert all(journal.stats(lane).messages == 0 for lane in uplink.Lane)
    finally:
        sub.close()
        sim.stop()
        broker.kill()
