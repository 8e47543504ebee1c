#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""The README's demo: a simulated building → firebus-gateway → MQTT broker and monitoring centre.

Started by scripts/demo after the build (Python standard library only). On 127.0.0.1, on free
ports, in a fresh directory, it starts:

  mosquitto          the MQTT broker
  firebus-centre     the monitoring centre: GB/T 26875.3 server, SQLite database, HTTP API,
                     and it republishes what it stores to the broker
  firebus-sim        the building: 13 Modbus devices on three buses (examples/demo/building.json)
  firebus telemetry sub   an MQTT subscriber: what other systems see on the broker
  firebus-gateway    polls the buses, runs the alarm engine, sends to the broker and the centre

and plays the building's scenario: a residual-current pre-alarm, then the alarm; a cable
over-temperature; a first detector in the riser zone (the zone waits for a second), then a second
one (fire in the zone); a detector that stops answering; the values going back to normal; the
operator's acknowledge and reset at the gateway, and the centre operator acknowledging and
resolving the alarms. It prints, live, what each stage sees, then how long each alarm took from
the register change in the device to the centre's database, and where the database is.

  python3 examples/demo/run_demo.py --bin build [--seconds 62]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
COLOUR = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
STAGE_COLOURS = {"sim": "36", "gateway": "33", "mqtt": "35", "centre": "32", "operator": "1;34",
                 "demo": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def paint(text: str, code: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if COLOUR else text


@dataclass
class Line:
    stage: str
    wall: float
    data: dict | None
    text: str


@dataclass
class Timeline:
    t0: float | None = None  # wall-clock time of the scenario's t = 0 (the simulator's)
    printed: int = 0
    comm_loss_seen: dict = field(default_factory=dict)

    def rel(self, wall: float) -> str:
        if self.t0 is None:
            return "      "
        return f"{wall - self.t0:6.2f}"

    def say(self, stage: str, wall: float, text: str, bold: bool = False) -> None:
        label = paint(f"{stage:<8}", STAGE_COLOURS.get(stage, "0"))
        body = paint(text, "1") if bold else text
        print(f"{self.rel(wall)}  {label} {body}", flush=True)


class Process:
    def __init__(self, stage: str, argv: list[str], lines: "queue.Queue[Line]", log: Path,
                 json_lines: bool = True) -> None:
        self.stage = stage
        self.log = open(log, "w", encoding="utf-8")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1, start_new_session=True)
        self.thread = threading.Thread(target=self._read, args=(lines, json_lines), daemon=True)
        self.thread.start()

    def _read(self, lines: "queue.Queue[Line]", json_lines: bool) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            wall = time.time()
            self.log.write(raw)
            self.log.flush()
            text = raw.rstrip("\n")
            data = None
            if json_lines and text.startswith("{"):
                try:
                    data = json.loads(text)
                except json.JSONDecodeError:
                    data = None
            lines.put(Line(self.stage, wall, data, text))

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 15) -> int | None:
        self.signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(5)
        self.thread.join(2)
        return self.proc.returncode


def http(method: str, url: str, body: dict | None = None) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


# The scripted changes of examples/demo/building.json, what they should cause, and where.
#   key: (bus, unit, point, value) of the simulator's `set` event (or (bus, unit, "dead"))
#   gateway: a predicate over the gateway's event fields
#   centre: (system address, status name) of the component or system status the centre stores
EXPECT = [
    {"name": "residual-current pre-alarm", "sim": ("bus1", 1, "IR3", 260.0),
     "gateway": lambda f: f.get("point") == "dp1/IR3" and f.get("alarm") == "PRE"
     and f.get("what") == "event alarm_on", "centre": (1, "supervisory")},
    {"name": "residual-current alarm", "sim": ("bus1", 1, "IR3", 340.0),
     "gateway": lambda f: f.get("point") == "dp1/IR3" and f.get("alarm") == "ALM"
     and f.get("what") == "event FIRE alarm_on", "centre": (1, "fire_alarm")},
    {"name": "cable over-temperature", "sim": ("bus3", 8, "T2", 78.0),
     "gateway": lambda f: f.get("point") == "carpark-temp/T2" and "alarm_on" in f.get("what", ""),
     "centre": (13, "fire_alarm")},
    {"name": "riser: first detector (zone waits)", "sim": ("bus1", 6, "T2", 76.0),
     "gateway": lambda f: f.get("what") == "event dependency_first" and f.get("zone") == "riser",
     "centre": (6, "delay")},
    {"name": "riser: second detector, fire in the zone", "sim": ("bus1", 6, "T3", 74.0),
     "gateway": lambda f: f.get("zone") == "riser" and "alarm_on" in f.get("what", ""),
     "centre": (6, "fire_alarm")},
    {"name": "DP-7 stops answering", "sim": ("bus3", 7, "dead"),
     "gateway": lambda f: f.get("what") == "event fault_on" and f.get("point", "").startswith("dp7/"),
     "centre": (12, "fault")},
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build"), help="the CMake build directory")
    ap.add_argument("--seconds", type=float, default=62, help="scenario length (default 62)")
    args = ap.parse_args()
    build = Path(args.bin)
    bins = {
        "sim": build / "examples/sim/firebus-sim",
        "gateway": build / "examples/gateway/firebus-gateway",
        "centre": build / "examples/centre/firebus-centre",
        "cli": build / "examples/cli/firebus",
    }
    for name, path in bins.items():
        if not path.is_file():
            print(f"demo: {path} is missing: build first (scripts/demo does)", file=sys.stderr)
            return 2
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(mosquitto).exists():
        print("demo: mosquitto is not installed (apt-get install mosquitto)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="firebus-demo-"))
    ports = {k: free_port() for k in ("mqtt", "gb", "centre_http", "gw_http", "bus1", "bus2")}
    # The building and the gateway's configuration, on this run's ports.
    building = json.loads((HERE / "building.json").read_text())
    for b in building["buses"]:
        if b["id"] == "bus1":
            b["listen"] = f"tcp://127.0.0.1:{ports['bus1']}"
        elif b["id"] == "bus2":
            b["listen"] = f"tcp://127.0.0.1:{ports['bus2']}"
        else:
            b["rtu"] = str(work / "bus3")
    (work / "building.json").write_text(json.dumps(building, indent=1))
    gw = json.loads((HERE / "gateway.json").read_text())
    gw["data_dir"] = str(work / "gateway")
    for b in gw["buses"]:
        if b["id"] == "bus1":
            b["tcp"] = f"127.0.0.1:{ports['bus1']}"
        elif b["id"] == "bus2":
            b["tcp"] = f"127.0.0.1:{ports['bus2']}"
        else:
            b["rtu"] = str(work / "bus3")
    gw["profile_dirs"] = [str(ROOT / "protocols/profiles")]
    gw["metrics"] = f"127.0.0.1:{ports['gw_http']}"
    gw["mqtt"]["broker"] = f"127.0.0.1:{ports['mqtt']}"
    gw["gb26875"]["centre"] = f"127.0.0.1:{ports['gb']}"
    (work / "gateway.json").write_text(json.dumps(gw, indent=1))
    (work / "mosquitto.conf").write_text(
        f"listener {ports['mqtt']} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    db = work / "centre.sqlite"
    system_of = {(d["bus"], d["unit"]): i + 1 for i, d in enumerate(gw["devices"])}

    lines: "queue.Queue[Line]" = queue.Queue()
    tl = Timeline()
    procs: dict[str, Process] = {}
    print(paint("firebus demo: a simulated building → firebus-gateway → MQTT broker and "
                "monitoring centre, on 127.0.0.1", "1"))
    print(f"  working directory {work}")
    print("  time is seconds since the building's scenario started; "
          "stages: sim (the devices), gateway, mqtt (a subscriber), centre (its database)\n")

    def wait_for(stage: str, pred, timeout: float) -> Line | None:
        deadline = time.time() + timeout
        held = []
        found = None
        while time.time() < deadline and found is None:
            try:
                ln = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if ln.stage == stage and pred(ln):
                found = ln
            held.append(ln)
        for ln in held:
            lines.put(ln)
        return found

    results: dict[str, dict] = {e["name"]: {} for e in EXPECT}
    sim_changes: list[tuple[float, dict]] = []
    centre_rows: list[tuple[float, dict]] = []
    gateway_events: list[tuple[float, dict]] = []
    mqtt_events: list[tuple[float, dict]] = []
    mqtt_seen: set = set()
    mqtt_dups = 0
    offsets: list[float] = []
    exit_code = 0
    try:
        procs["mosquitto"] = Process("broker", [mosquitto, "-c", str(work / "mosquitto.conf")], lines,
                                     work / "mosquitto.log", json_lines=False)
        procs["centre"] = Process("centre", [str(bins["centre"]), "--listen", f"127.0.0.1:{ports['gb']}",
                                             "--address", "1", "--db", str(db), "--http",
                                             f"127.0.0.1:{ports['centre_http']}", "--mqtt",
                                             f"mqtt://127.0.0.1:{ports['mqtt']}", "--mqtt-journal",
                                             str(work / "centre-mqtt.db"), "--json"],
                                  lines, work / "centre.log")
        if not wait_for("centre", lambda ln: ln.data and ln.data.get("type") == "listening", 20):
            print("demo: the centre did not start (see centre.log)", file=sys.stderr)
            return 1
        procs["mqtt"] = Process("mqtt", [str(bins["cli"]), "telemetry", "sub", "--broker",
                                         f"127.0.0.1:{ports['mqtt']}", "--topic", "firebus/v1/#",
                                         "--json"], lines, work / "mqtt.log")
        procs["sim"] = Process("sim", [str(bins["sim"]), "--building", str(work / "building.json"),
                                       "--json", "--duration", str(args.seconds)], lines, work / "sim.log")
        if not wait_for("sim", lambda ln: ln.data and ln.data.get("event") == "ready", 20):
            print("demo: the simulator did not start (see sim.log)", file=sys.stderr)
            return 1
        procs["gateway"] = Process("gateway", [str(bins["gateway"]), "--config", str(work / "gateway.json"),
                                               "--json", "--drain-s", "5"], lines, work / "gateway.log")
        operator_done = set()
        end = time.time() + args.seconds + 30
        while time.time() < end:
            if procs["sim"].proc.poll() is not None and lines.empty():
                break
            try:
                ln = lines.get(timeout=0.2)
            except queue.Empty:
                ln = None
            now_rel = (time.time() - tl.t0) if tl.t0 else -1
            # The operators: at the gateway (acknowledge, reset) once the values are back to
            # normal, then at the centre (acknowledge, resolve every open alarm).
            if tl.t0 and now_rel >= 46 and "gateway" not in operator_done:
                operator_done.add("gateway")
                base = f"http://127.0.0.1:{ports['gw_http']}/api/command"
                for cmd in ({"command": "ack", "operator": 7}, {"command": "reset", "operator": 7}):
                    status, body = http("POST", base, cmd)
                    tl.say("operator", time.time(), f"at the gateway: {cmd['command']} "
                           f"(operator 7) → {status} {body}")
            if tl.t0 and now_rel >= 50 and "centre" not in operator_done:
                operator_done.add("centre")
                base = f"http://127.0.0.1:{ports['centre_http']}/api/alarms"
                status, listing = http("GET", base)
                open_alarms = listing.get("alarms", []) if isinstance(listing, dict) else []
                if not open_alarms:
                    tl.say("operator", time.time(), f"at the centre: no open alarm ({status})")
                for a in open_alarms:
                    for step in ("ack", "resolve"):
                        s2, _ = http("POST", f"{base}/{a['id']}/{step}",
                                     {"operator": "duty officer", "note": "demo"})
                    tl.say("operator", time.time(), f"at the centre: alarm #{a['id']} "
                           f"({a.get('kind')}, system {a.get('system_address', '?')}) acknowledged, "
                           f"resolved → {s2}")
            if ln is None:
                continue
            d = ln.data or {}
            if ln.stage == "sim":
                if "t" in d:
                    offsets.append(ln.wall - d["t"])
                    tl.t0 = min(offsets)
                ev = d.get("event")
                if ev == "set":
                    sim_changes.append((tl.t0 + d["t"], d))
                    tl.say("sim", tl.t0 + d["t"], f"{d['bus']}/{d['unit']} {d['point']} = {d['value']:g}"
                           f"   {d.get('note', '')}")
                elif ev == "fault":
                    sim_changes.append((tl.t0 + d["t"], d))
                    tl.say("sim", tl.t0 + d["t"], f"{d['bus']}/{d['unit']} fault {d.get('fault')}"
                           f"   {d.get('note', '')}")
                elif ev in ("ready", "stop"):
                    tl.say("sim", ln.wall, ev)
            elif ln.stage == "gateway":
                what = d.get("what", ln.text)
                if what.startswith("event "):
                    gateway_events.append((ln.wall, d))
                    if what == "event fault_on" and d.get("reason") == "comm_loss":
                        dev = d.get("point", "").split("/")[0]
                        n = tl.comm_loss_seen.get(dev, 0)
                        tl.comm_loss_seen[dev] = n + 1
                        if n:
                            continue
                        tl.say("gateway", ln.wall, f"fault_on comm_loss {dev}/* (each of its points)")
                        continue
                    if what in ("event fault_off",) and d.get("reason") == "comm_loss":
                        continue
                    desc = " ".join(str(d[k]) for k in ("point", "zone", "alarm", "class", "state")
                                    if k in d)
                    value = f" value={d['value']:g}" if "value" in d else ""
                    tl.say("gateway", ln.wall, f"{what[6:]} {desc}{value}",
                           bold=what.startswith("event FIRE") or "zone" in d and "alarm_on" in what)
                elif what.startswith("device ") or what in ("started", "centre connected",
                                                            "mqtt connected", "operator command",
                                                            "stopping", "stopped", "GATEWAY FAULT"):
                    extra = " ".join(f"{k}={v}" for k, v in d.items()
                                     if k in ("device", "detail", "points", "devices", "buses",
                                              "command", "left_in_journals", "reason"))
                    tl.say("gateway", ln.wall, f"{what} {extra}".rstrip())
                elif not ln.data:
                    tl.say("gateway", ln.wall, ln.text)
            elif ln.stage == "mqtt":
                env = d.get("envelope", {})
                batch = env.get("batch") or {}
                key = (env.get("sourceId"), env.get("lane"), env.get("seq"))
                if d.get("duplicate"):
                    mqtt_dups += 1
                mqtt_seen.add(key)
                for e in batch.get("events", []):
                    mqtt_events.append((ln.wall, e))
                    kind = e.get("kind", "")
                    if kind in ("EVENT_KIND_FAULT_ON", "EVENT_KIND_FAULT_OFF"):
                        continue
                    desc = " ".join(str(e[k]) for k in ("point", "zone", "alarm") if k in e)
                    tl.say("mqtt", ln.wall, f"{env.get('sourceId')} seq {env.get('seq')}: "
                           f"{kind.replace('EVENT_KIND_', '').lower()} {desc}")
            elif ln.stage == "centre":
                if d.get("type") == "event":
                    centre_rows.append((ln.wall, d))
                    names = d.get("status_names", "")
                    if d.get("kind") in ("component_analog",):
                        continue
                    if d.get("kind") in ("component_status", "system_status", "uitd_status") and \
                            names in ("", "normal_operation") and not d.get("alarms_cleared"):
                        continue
                    opened = "".join(f" → alarm #{a['id']} ({a['kind']}) opened"
                                     for a in d.get("alarms_opened", []))
                    where = f"system {d.get('system_address')}" if "system_address" in d else "UITD"
                    if "component_address" in d:
                        where += f" component {d['component_address']:08x}"
                    tl.say("centre", ln.wall, f"stored {d.get('kind')} {where}: {names or '-'}"
                           f"{(' ' + str(d.get('description'))) if d.get('description') else ''}{opened}",
                           bold=bool(opened))
                elif d.get("type") == "duplicate":
                    tl.say("centre", ln.wall, "duplicate (confirmed again, not stored twice)")
        # Stop: the gateway first (it drains its journals), then the rest.
        tl.say("demo", time.time(), "stopping the gateway (SIGTERM: journals drained), then the rest")
        procs["gateway"].stop(20)
        time.sleep(1.0)
        while not lines.empty():
            ln = lines.get()
            if ln.stage == "centre" and ln.data and ln.data.get("type") == "event":
                centre_rows.append((ln.wall, ln.data))
            if ln.stage == "mqtt" and ln.data:
                for e in (ln.data.get("envelope", {}).get("batch") or {}).get("events", []):
                    mqtt_events.append((ln.wall, e))
    finally:
        for name in ("mqtt", "sim", "centre", "mosquitto", "gateway"):
            if name in procs:
                procs[name].stop(10)

    # --- the summary -------------------------------------------------------------------------
    print()
    print(paint("How long each alarm took, from the register change in the device:", "1"))
    print(f"  {'scripted change':<42} {'gateway':>9} {'MQTT':>9} {'centre DB':>10}")
    worst = 0.0
    missing = []
    for exp in EXPECT:
        sim_key = exp["sim"]
        change = None
        for wall, d in sim_changes:
            if len(sim_key) == 3 and d.get("event") == "fault" and (d["bus"], d["unit"]) == sim_key[:2] \
                    and d.get("fault") == "dead":
                change = wall
                break
            if len(sim_key) == 4 and d.get("event") == "set" and \
                    (d["bus"], d["unit"], d["point"], float(d["value"])) == sim_key:
                change = wall
                break
        if change is None:
            missing.append(exp["name"] + " (no change in the simulator's output)")
            continue
        gw_t = next((w for w, f in gateway_events if w >= change and exp["gateway"](f)), None)
        sysaddr, bit = exp["centre"]
        db_t = next((w for w, r in centre_rows if w >= change and r.get("system_address") == sysaddr
                     and bit in str(r.get("status_names", ""))), None)
        pred = exp["gateway"]
        mq_t = None
        for w, e in mqtt_events:
            if w < change:
                continue
            f = {"point": e.get("point", ""), "alarm": e.get("alarm", ""), "zone": e.get("zone", "")}
            kind = e.get("kind", "").replace("EVENT_KIND_", "").lower()
            f["what"] = "event " + ("FIRE " if kind == "alarm_on" and e.get("alarm_class", e.get("alarmClass")) == "ALARM_CLASS_FIRE"
                                    else "") + kind
            f["reason"] = "comm_loss"
            if pred(f):
                mq_t = w
                break

        def ms(t: float | None) -> str:
            return f"{(t - change) * 1000:7.0f} ms" if t is not None else "  missing"
        print(f"  {exp['name']:<42} {ms(gw_t):>9} {ms(mq_t):>9} {ms(db_t):>10}")
        if db_t is None or gw_t is None:
            missing.append(exp["name"])
        elif "stops answering" not in exp["name"]:
            worst = max(worst, db_t - change)
    print("  (a detector that stops answering is declared after its comm-loss time: three poll"
          " periods plus the retries)")
    print(f"\n  MQTT: {len(mqtt_events)} events received, {mqtt_dups} duplicates; "
          f"centre: {len(centre_rows)} events stored")
    print(f"  the centre's database: {db}")
    print(f"  logs of every stage: {work}")
    if missing:
        print(paint(f"\ndemo: not seen end to end: {', '.join(missing)}", "1;31"))
        exit_code = 1
    else:
        print(paint(f"\nEvery scripted alarm reached the centre's database; the slowest took "
                    f"{worst * 1000:.0f} ms (GB 26875.1 allows 10 s).", "1;32"))
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
