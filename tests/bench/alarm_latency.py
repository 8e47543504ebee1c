#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Alarm latency under load (issue 8, benchmark a): from the register change in a device to an
MQTT subscriber and to the monitoring centre's database, with about 10,000 points polled and 5 %
of the devices dead.

firebus-sim serves N residual-current monitors (acrel-aim-r100, 29 points each) on several Modbus
TCP buses; 5 % of them never answer. firebus-gateway polls every device each `--period` seconds
and sends to mosquitto and firebus-centre. Every 0.5 s the scenario sets one loop of a live
device above its alarm setpoint (a `set`, so the instant of the change is exact). Reported: p50
and p99 of change → subscriber (the subscriber's receive time) and change → centre (the centre's
stored-event line), against the target p99 ≤ poll period + 50 ms.

  tests/bench/alarm_latency.py --bin build [--devices 345] [--alarms 80] [--period 1]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso(s: str) -> float:
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def pct(v: list[float], q: float) -> float:
    v = sorted(v)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build"))
    ap.add_argument("--devices", type=int, default=345)
    ap.add_argument("--alarms", type=int, default=80)
    ap.add_argument("--period", type=float, default=1.0)
    ap.add_argument("--buses", type=int, default=5)
    a = ap.parse_args()
    b = Path(a.bin)
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="firebus-latency-"))
    ports = [free_port() for _ in range(a.buses)]
    mq, gb, http = free_port(), free_port(), free_port()
    dead = set(rng.sample(range(a.devices), max(1, a.devices // 20)))
    building = {"buses": [{"id": f"b{i}", "listen": f"tcp://127.0.0.1:{p}"} for i, p in enumerate(ports)],
                "devices": [], "scenario": []}
    gw = {"format": "firebus-gateway/1", "id": "gw-lat", "data_dir": str(work / "gw"),
          "profile_dirs": [str(ROOT / "protocols/profiles")],
          "buses": [{"id": f"b{i}", "tcp": f"127.0.0.1:{p}"} for i, p in enumerate(ports)],
          "devices": [], "metrics": f"127.0.0.1:{http}",
          "mqtt": {"broker": f"127.0.0.1:{mq}", "telemetry_interval_s": 5},
          "gb26875": {"centre": f"127.0.0.1:{gb}", "address": "0x000000000777", "centre_address": "1"}}
    where = {}
    for d in range(a.devices):
        bus, unit = d % a.buses, d // a.buses + 1
        building["devices"].append({"bus": f"b{bus}", "unit": unit, "profile": "acrel-aim-r100"})
        gw["devices"].append({"id": f"d{d}", "bus": f"b{bus}", "unit": unit, "profile": "acrel-aim-r100",
                              "alarm_period_s": a.period, "measurement_period_s": a.period,
                              "config_period_s": 3600,
                              # one GB system per device (component addresses are unique in a
                              # system): user-defined system types 128.., addresses 1..250
                              "gb26875": {"system_type": 128 + d // 250,
                                          "system_address": d % 250 + 1}})
        where[(f"b{bus}", unit)] = d
    for d in sorted(dead):
        bus, unit = d % a.buses, d // a.buses + 1
        building["scenario"].append({"t": 0, "bus": f"b{bus}", "unit": unit, "fault": "dead"})
    live = [d for d in range(a.devices) if d not in dead]
    start = 20.0  # the gateway has polled everything, and the dead devices are quarantined
    used_systems: set[int] = set()
    for k in range(a.alarms):
        # One alarm per GB system address, so that the centre's first fire status of a system
        # is this alarm's.
        d = rng.choice([x for x in live if x % 250 + 1 not in used_systems])
        live.remove(d)
        used_systems.add(d % 250 + 1)
        bus, unit = d % a.buses, d // a.buses + 1
        building["scenario"].append({"t": start + 0.5 * k + rng.random() * 0.2, "bus": f"b{bus}",
                                     "unit": unit, "point": "IR3", "set": 400})
    (work / "building.json").write_text(json.dumps(building))
    (work / "gateway.json").write_text(json.dumps(gw))
    (work / "mosquitto.conf").write_text(f"listener {mq} 127.0.0.1\nallow_anonymous true\n")
    seconds = start + 0.5 * a.alarms + 8
    print(f"gateway metrics: http://127.0.0.1:{http}/metrics; logs and files in {work}", flush=True)

    lines: "queue.Queue[tuple[str, float, str]]" = queue.Queue()
    procs = []

    def spawn(name: str, argv: list[str]) -> subprocess.Popen:
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
        procs.append(p)

        def read() -> None:
            assert p.stdout is not None
            for ln in p.stdout:
                lines.put((name, time.time(), ln))
        threading.Thread(target=read, daemon=True).start()
        return p

    try:
        spawn("broker", ["mosquitto", "-c", str(work / "mosquitto.conf")])
        spawn("centre", [str(b / "examples/centre/firebus-centre"), "--listen", f"127.0.0.1:{gb}",
                         "--address", "1", "--db", str(work / "centre.sqlite"), "--json"])
        spawn("mqtt", [str(b / "examples/cli/firebus"), "telemetry", "sub", "--broker", f"127.0.0.1:{mq}",
                       "--topic", "firebus/v1/+/alarm", "--json"])
        time.sleep(1)
        spawn("sim", [str(b / "examples/sim/firebus-sim"), "--building", str(work / "building.json"),
                      "--json", "--duration", str(seconds)])
        time.sleep(1)
        spawn("gateway", [str(b / "examples/gateway/firebus-gateway"), "--config", str(work / "gateway.json"),
                          "--json"])
        offsets: list[float] = []
        changes: dict[str, float] = {}   # "d<N>/IR3" → scenario time of the set
        mqtt_at: dict[str, float] = {}
        centre_at: dict[int, float] = {}  # system address → first stored fire status
        points = 0
        end = time.time() + seconds + 30
        while time.time() < end:
            try:
                name, wall, ln = lines.get(timeout=0.5)
            except queue.Empty:
                if procs[3].poll() is not None and len(mqtt_at) >= len(changes) > 0:
                    break
                continue
            if not ln.startswith("{"):
                continue
            d = json.loads(ln)
            if name == "sim":
                if "t" in d:
                    offsets.append(wall - d["t"])
                if d.get("event") == "set":
                    changes[f"d{where[(d['bus'], d['unit'])]}/IR3"] = d["t"]
            elif name == "gateway" and d.get("what") == "started":
                points = d["points"]
            elif name == "mqtt":
                for e in (d.get("envelope", {}).get("batch") or {}).get("events", []):
                    if e.get("kind") == "EVENT_KIND_ALARM_ON" and e.get("alarm") == "ALM":
                        mqtt_at.setdefault(e.get("point", ""), iso(d["received"]))
            elif name == "centre" and d.get("type") == "event" and d.get("kind") == "component_status":
                if "fire_alarm" in str(d.get("status_names", "")):
                    centre_at.setdefault(int(d.get("system_address", -1)), wall)
        t0 = min(offsets)
        bus_lines = []
        try:  # the buses' state at the end: what the dead devices cost
            import urllib.request
            with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=5) as r:
                bus_lines = [ln for ln in r.read().decode().splitlines()
                             if ln.startswith(("firebus_gateway_bus_timeouts_total", "firebus_gateway_bus_utilisation",
                                               "firebus_gateway_bus_requests_total"))]
        except OSError as e:
            bus_lines = [f"(metrics unavailable: {e})"]
        to_mqtt, to_centre, missing = [], [], []
        for point, t in changes.items():
            change = t0 + t
            if point in mqtt_at:
                to_mqtt.append(mqtt_at[point] - change)
            else:
                missing.append(point)
            sysaddr = int(point[1:].split("/")[0]) % 250 + 1
            if sysaddr in centre_at:
                to_centre.append(centre_at[sysaddr] - change)
        print(f"{points} points polled every {a.period:g} s, {len(dead)} of {a.devices} devices dead; "
              f"{len(changes)} alarms")
        for name, v in (("change → MQTT subscriber", to_mqtt), ("change → centre database", to_centre)):
            if v:
                print(f"  {name}: p50 {pct(v, 0.5) * 1000:.0f} ms, p99 {pct(v, 0.99) * 1000:.0f} ms, "
                      f"max {max(v) * 1000:.0f} ms ({len(v)} alarms)")
        print(f"  target: p99 ≤ {(a.period + 0.05) * 1000:.0f} ms")
        for ln in bus_lines:
            print(f"  {ln}")
        late = sorted((mqtt_at[pt] - (t0 + t), pt, t) for pt, t in changes.items()
                      if pt in mqtt_at and mqtt_at[pt] - (t0 + t) > a.period + 0.05)
        for lat, pt, t in late:
            d = int(pt[1:].split("/")[0])
            print(f"  late: {pt} on b{d % a.buses} set at t={t:.2f} s, {lat * 1000:.0f} ms to MQTT")
        if missing:
            print(f"  missing on MQTT: {missing}")
            return 1
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
