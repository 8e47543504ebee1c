#!/usr/bin/env python3
"""A 50-line gateway built from the firebus bindings: Modbus TCP devices in, alarms out over MQTT.

Usage:
    mini_gateway.py --device ID=HOST:PORT/UNIT:PROFILE [--device ...]
                    [--broker HOST:PORT] [--journal FILE] [--seconds N]

Example, with firebus-sim serving examples/sim/buildings/office.json and a broker on 1883:
    PYTHONPATH=build/python python3 examples/python/mini_gateway.py \\
        --broker 127.0.0.1:1883 --journal /tmp/j.db \\
        --device dp1=127.0.0.1:1502/1:acrel-aim-r100 \\
        --device relay=127.0.0.1:1502/3:acrel-asj10l-ld1a --seconds 60

--device: a field device: ID names it (its points are "ID/POINT", e.g. dp1/IR3; no '=', ':' or
'/' in it), HOST:PORT is where it answers Modbus TCP (the device, or a TCP-to-RTU gateway; an IPv4
address or a name), UNIT its unit id, PROFILE a profile id of the repository's protocols/profiles
or the path of a profile file (ending in .json). --broker: the MQTT broker (default
127.0.0.1:1883). --journal: the store-and-forward journal (default mini_gateway.db). --seconds:
stop after N seconds (default: run until Ctrl-C). Exit status 0; 2 for a usage error; a
malformed --device, an unknown profile or a journal that cannot be opened raise (status 1).

What it does:
- polls each device through its profile (firebus.modbus.TcpBus, default DevicePolicy: alarm-state
  points every second, measurements every 10 s);
- runs one alarm engine (firebus.alarm.Engine) with the profiles' default rules, on the time line
  of the buses (TcpBusConfig.epoch), fed with every reading's statuses, conditions and values;
  between readings it advances the engine, so that its timers run (a point not read for the
  profile's stale_s gets a comm_loss fault);
- prints every alarm event as a JSON line (as `firebus alarm replay --json` prints them);
- numbers its events 1, 2, 3, ... (firebus.core.EventSequencer; the next number is kept in
  JOURNAL.seq, written after each step's Envelope is in the journal, so a restart continues);
- sends each engine step's events as one firebus telemetry Envelope (a Batch of firebus.core.Event
  with their Unix times) on topic firebus/v1/gw1/alarm, in the alarm lane of the journal
  (firebus.uplink.Journal), which firebus.uplink.MqttUplink sends over a firebus.mqtt.Client: it
  stamps each Envelope's lane and seq, removes it from the journal when the broker acknowledged
  it, and sends again (marked historical) what was not acknowledged, after a reconnection or by
  the next run with the same journal.

Left out for the line count (docs/gateway.md, examples/gateway/ is the full gateway): sample
batches in the telemetry lane (with the birth of the points), device online/offline statuses,
one connection per TCP-to-RTU gateway (here each device has its own TcpBus), engine snapshots,
zones, rule overrides, setpoint writes, TLS.
"""

import argparse
import contextlib
import queue
import re
import time
from pathlib import Path

from firebus import alarm, core, modbus, mqtt, profile, telemetry, uplink

PROFILES = Path(__file__).resolve().parents[2] / "protocols" / "profiles"
SOURCE = "gw1"  # the gateway's id: the Envelopes' source id and the MQTT client id
TOPIC = f"firebus/v1/{SOURCE}/alarm"  # <prefix>/<id>/alarm, as in docs/gateway.md


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--device", action="append", required=True, help="ID=HOST:PORT/UNIT:PROFILE")
    ap.add_argument("--broker", default="127.0.0.1:1883", help="the MQTT broker, HOST:PORT")
    ap.add_argument("--journal", default="mini_gateway.db", help="the journal file")
    ap.add_argument("--seconds", type=float, default=float("inf"), help="stop after N seconds")
    args = ap.parse_args()

    # The uplink: the journal sent over an MQTT client (the uplink is made before it starts).
    journal, (host, port) = uplink.Journal(args.journal), args.broker.rsplit(":", 1)
    client = mqtt.Client(mqtt.ClientOptions(client_id=SOURCE, host=host, port=int(port)))
    up = uplink.MqttUplink(journal, client)

    # The devices, each on a bus of its own, and the alarm rules: the profiles' defaults.
    readings: queue.Queue[tuple[str, float, profile.Readings]] = queue.Queue()
    rules, epoch, t0 = alarm.Rules(), time.monotonic(), time.time()  # t0: Unix time of epoch
    seq_file = Path(args.journal + ".seq")  # the events' next number, across runs
    seq = core.EventSequencer(SOURCE, int(seq_file.read_text()) if seq_file.exists() else 1)
    # Closed in reverse order: the buses (no callback runs once closed), the client, the journal.
    with journal, client, contextlib.ExitStack() as buses, contextlib.suppress(KeyboardInterrupt):
        for dev, host, port, unit, prof in (re.split("[=:/]", d, maxsplit=4) for d in args.device):
            path = prof if prof.endswith(".json") else f"{PROFILES}/{prof}.json"
            codec = profile.Codec(profile.load(path))
            codec.append_default_rules(f"{dev}/", rules)  # its points "<dev>/<point>"
            bus = modbus.TcpBus(modbus.TcpBusConfig(host=host, port=int(port), epoch=epoch))
            bus.add_device(int(unit), codec)
            # Callbacks run on the bus's I/O thread: readings go to the engine's thread (this one).
            bus.on_readings = lambda _, t, r, dev=dev: readings.put((dev, t, r))
            buses.callback(bus.close)
            bus.start()
        engine, end = alarm.Engine(rules), time.monotonic() + args.seconds
        while time.monotonic() < end:
            with contextlib.suppress(queue.Empty):  # one engine step: a read's readings, timers
                dev, t, r = readings.get(timeout=0.2)
                t = max(t, engine.now)  # two buses' readings may be queued slightly out of order
                for pid, status in r.statuses:
                    engine.status(f"{dev}/{pid}", t, status)
                for pid, condition in r.conditions:
                    engine.condition(f"{dev}/{pid}", t, condition)
                for pid, value, _quality in r.values:
                    engine.sample(f"{dev}/{pid}", t, value)  # NaN (an invalid reading): a fault
            engine.advance(max(time.monotonic() - epoch, engine.now))
            events = [(e, e.to_event()) for e in engine.take_events()]
            for e, ev in events:
                print(e.to_json(), flush=True)
                ev.time = t0 + ev.t
                seq.stamp(ev)  # its source id and number
            if events:  # the step's events in one Envelope (the uplink stamps its lane and seq)
                batch = telemetry.Batch(events=[ev for _, ev in events])
                wire = telemetry.encode(telemetry.Envelope(SOURCE, 1, batch))
                up.send(uplink.Lane.alarm, TOPIC, wire,
                        format=uplink.PayloadFormat.firebus_envelope)
                seq_file.write_text(str(seq.next))


if __name__ == "__main__":
    main()
