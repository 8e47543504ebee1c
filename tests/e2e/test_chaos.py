# firebus — fire-safety IoT SDK.
"""Chaos soak of the whole pipeline: firebus-sim → firebus-gateway → mosquitto (firebus
telemetry sub) and firebus-centre (SQLite), every process real (tests/e2e/conftest.py).

A seeded building scenario raises and clears alarms for the whole run (residual current over
the pre-alarm and alarm thresholds, cable over-temperature, arc-fault and gas fire states, a
device that stops answering and comes back; latched fire alarms reset by an operator through
the gateway's HTTP API, and some fires reset while they still hold), while a seeded chaos
schedule combines: the gateway killed with SIGKILL (at random instants, and right after it
logged an alarm change), stopped with SIGTERM, sent SIGHUP; the broker stopped and started; the
centre killed with SIGKILL or stopped with SIGTERM; and overlapping outages (broker down while
the gateway restarts, centre down while the broker is down, everything down at once). Then
everything settles, and the test checks against what the simulator did and what the gateway
logged (shared/specs/delivery.md, docs/gateway.md, docs/centre.md):

- every event the gateway logged is on the MQTT alarm lane (at least once; a repeat carries the
  same (source, lane, seq)), and nothing else but what a kill -9 cut off before its log line;
  lane seqs without a gap, first copies in seq order; the events' own numbers 1..N in lane
  order (a number given is never lost, also across a kill -9); replays marked historical; after
  a reconnect, the alarm backlog before any newer telemetry;
- every alarm, return, reset and fault transition the gateway logged reaches the centre's
  database as a status object of its component, its time tag the transition's second or up to
  2 s later (the statuses of one object carry strictly increasing seconds: docs/gateway.md
  "Component status"); an operator's reset of a fire whose condition holds (the engine logs
  `reset` and a new `alarm_on` in one step) reaches it as the fall and the rise, in that order,
  in one ADU with one time tag; no ADU stored twice, and no status object of one gateway run
  stored twice (same object, word and time tag from two ADUs; a restarted gateway does not
  keep the seconds it took, so two runs may repeat one);
- the centre opens exactly one alarm per rising edge of the gateway's own state (the reset and
  new alarm_on of a fire that still holds is a rising edge; a re-latched fire re-reported after
  a restart opens nothing new; a fire that ended and came back during a centre outage is two
  alarms: docs/centre.md "Late statuses"; a rise a kill -9 cut off before its log line counts
  when the restarted gateway's first event of it is its fall; a supervisory or fault episode
  that ended and came back during an outage is two alarms too);
- the system and UITD levels at the centre never applied a no-fire status while the gateway
  had a fire of that system (time tags, and the centre's arrival order: a no-fire status applied
  after a fire status of the same object whose tag is not earlier, with no reset between);
- fire alarms latched when the gateway was killed (also right after an alarm_on: the snapshot
  holds the step's state and outbox) are latched again after the restart, from its snapshot,
  not re-detected as new alarms;
- nothing crashed: exits only where the test asked for them, no sanitizer or abort output;
- an alarm raised with no outage (process down or uplink down) within 10 s after it reaches the
  centre's database within GB 26875.1's 10 s of the register change (typically < 1 s; on a
  machine loaded far beyond the test's own two cores' worth this one can fail without a
  product defect: the report's info.latency has the numbers);
- at the end nothing is active anywhere (every episode of the scenario ends normal and reset;
  a device still quarantined at the end is waited for until its next probe, at most 60 s).

The default (seed 1, 75 s) takes about 80 s and runs in CTest; more seeds are a soak.

Parameters (environment):
  FIREBUS_CHAOS_SEEDS     comma-separated seeds (default "1")
  FIREBUS_CHAOS_SECONDS   scenario length in seconds (default 75: one seed takes ~1.5 min)
  FIREBUS_CHAOS_ACTIONS   comma-separated chaos kinds to draw from (default: all)
  FIREBUS_CHAOS_SCHEDULE  a JSON list of chaos actions [{"at": scenario s, "kind": ..., ...}]
                          replacing the drawn schedule (to replay a reduced schedule)
  FIREBUS_CHAOS_CHANNELS  comma-separated scenario channels to use (default: all)
The run's report (schedule, scenario, findings) is written to chaos-report.json in the test's
directory; logs of every process are next to it.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import signal
import threading
import time
from dataclasses import dataclass, field

import pytest
from conftest import (
    Device,
    Pipeline,
    gateway_event_key,
    iso_to_epoch,
    lane_report,
    mqtt_event_key,
)

GB_BUDGET_S = 10.0
ACTIVE_RESET_P = 0.35  # share of fire episodes that also get a reset while the fire holds
TAG_LATE_S = 2  # how much later than its transition a GB time tag may be
SEEDS = [int(s) for s in os.environ.get("FIREBUS_CHAOS_SEEDS", "1").split(",") if s.strip()]
SECONDS = float(os.environ.get("FIREBUS_CHAOS_SECONDS", "75"))

# --- the building ----------------------------------------------------------------------------------
# System addresses are positions in this list (1, 2, ...). The points the scenario moves get
# explicit GB/T 26875.3 component addresses (0x00FF00nn), so that the centre's rows can be found
# without re-deriving the gateway's numbering.
DP1 = Device("dp1", "bus1", 1, "acrel-aim-r100", "DP-1 residual current",
             {"IR1": 35, "IR2": 60, "IR3": 120, "IR4": 18, "TRIP": 10,
              "SET1": 300, "SET2": 300, "SET3": 300, "SET4": 300})
RISER = Device("riser-temp", "bus1", 6, "comem-edti", "riser cable temperature",
               {"T1": 28, "T2": 31, "T3": 27, "T4": 26, "AL1": 70, "AL2": 70, "AL3": 70, "AL4": 70})
ARC = Device("pv-arc", "bus2", 7, "fonrich-fr-dcmg", "PV arc-fault monitor", {})
GAS = Device("boiler-gas", "bus2", 1, "honeywell-midas", "boiler room gas", {})
RELAY = Device("kitchen-relay", "bus2", 4, "acrel-asj10l-ld1a", "kitchen feeder relay", {"IR": 20})
DEVICES = [DP1, RISER, ARC, GAS, RELAY]

# point → component address (explicit, gateway config devices[i].gb26875.points)
COMPONENTS = {
    "dp1/IR1": 0xFF0001, "dp1/IR2": 0xFF0002, "dp1/IR3": 0xFF0003, "dp1/IR4": 0xFF0004,
    "riser-temp/T1": 0xFF0011, "riser-temp/T2": 0xFF0012, "riser-temp/T3": 0xFF0013,
    "pv-arc/AF1": 0xFF0021, "pv-arc/AF2": 0xFF0022,
    "boiler-gas/A1": 0xFF0031, "boiler-gas/A2": 0xFF0032,
    "kitchen-relay/IR": 0xFF0041,
}
DEVICE_OF = {d.id: d for d in DEVICES}
SYSTEM_OF = {d.id: i + 1 for i, d in enumerate(DEVICES)}

# Channels: something the scenario moves, one episode at a time.
CHANNELS = {
    "dp1/IR1": "rc", "dp1/IR2": "rc", "dp1/IR3": "rc",
    "riser-temp/T1": "temp", "riser-temp/T2": "temp",
    "pv-arc/AF1": "arc", "pv-arc/AF2": "arc",
    "boiler-gas": "gas",
    "kitchen-relay": "dead",
}
ALL_KINDS = ["gw_kill9", "gw_kill9_on_event", "gw_term", "gw_hup", "broker_bounce",
             "centre_kill9", "centre_term", "broker_down_gw_restart", "centre_and_broker_down",
             "all_down"]
KIND_WEIGHTS = {"gw_kill9": 3, "gw_kill9_on_event": 3, "gw_term": 2, "gw_hup": 2,
                "broker_bounce": 2, "centre_kill9": 2, "centre_term": 1,
                "broker_down_gw_restart": 2, "centre_and_broker_down": 2, "all_down": 1}
CRASH_PATTERNS = re.compile(r"internal error|AddressSanitizer|LeakSanitizer|UndefinedBehavior|"
                            r"runtime error:|Segmentation fault|terminate called|Assertion .* failed|"
                            r"\babort|core dumped|stack smashing|double free", re.IGNORECASE)


# --- the seeded scenario ---------------------------------------------------------------------------

@dataclass
class Step:
    t: float
    sim: dict | None = None          # a scenario event for the simulator
    reset: tuple | None = None       # (point, alarm): an operator's reset through the gateway
    active: bool = False             # the reset is made while the fire still holds
    expect_on: list = field(default_factory=list)  # [(point, alarm, class)] this set raises


def make_scenario(rng: random.Random, duration: float, channels: list[str],
                  rng_active: random.Random | None = None) -> list[Step]:
    """rng_active (its own generator, so that the rest of the scenario does not depend on it)
    draws which fire episodes also get a reset while the fire holds (the engine logs `reset` and
    a new `alarm_on`; the centre gets the fall and the rise and opens a new alarm)."""
    steps: list[Step] = []
    end = duration - 12  # every episode is over (returned, reset) by then

    def at(unit_point: str):
        dev, point = unit_point.split("/")
        d = DEVICE_OF[dev]
        return d, point

    for ch in channels:
        kind = CHANNELS[ch]
        t = 7 + rng.uniform(0, 12)
        while True:
            steps_ch: list[Step] = []
            if kind == "rc":
                d, pt = at(ch)
                fire = rng.random() < 0.65
                direct = fire and rng.random() < 0.3
                u = t
                if not direct:
                    steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": pt,
                                             "set": rng.choice([255, 260, 280])},
                                         expect_on=[(ch, "PRE", "pre_alarm")]))
                    u += rng.uniform(2.5, 6)
                if fire:
                    steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": pt,
                                             "set": rng.choice([320, 340, 400])},
                                         expect_on=[(ch, "ALM", "fire")]
                                         + ([(ch, "PRE", "pre_alarm")] if direct else [])))
                    u += rng.uniform(2.5, 8)
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": pt,
                                         "set": rng.choice([40, 100, 150])}))
                if fire:
                    u += rng.uniform(3, 8)
                    steps_ch.append(Step(u, reset=(ch, "ALM")))
            elif kind == "temp":
                d, pt = at(ch)
                u = t
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": pt,
                                         "set": rng.choice([75, 78, 90])},
                                     expect_on=[(ch, "ALM", "fire")]))
                u += rng.uniform(2.5, 10)
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": pt,
                                         "set": rng.choice([25, 30, 40])}))
                u += rng.uniform(3, 8)
                steps_ch.append(Step(u, reset=(ch, "ALM")))
            elif kind == "arc":
                d, pt = at(ch)
                u = t
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": pt, "set": 1},
                                     expect_on=[(ch, "ARC", "fire")]))
                u += rng.uniform(2.5, 8)
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": pt, "set": 0}))
                u += rng.uniform(3, 8)
                steps_ch.append(Step(u, reset=(ch, "ARC")))
            elif kind == "gas":
                d = GAS
                u = t
                fire = rng.random() < 0.6
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": "A1", "set": 1},
                                     expect_on=[("boiler-gas/A1", "LOW", "pre_alarm")]))
                u += rng.uniform(2.5, 6)
                if fire:
                    steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": "A2",
                                             "set": 1},
                                         expect_on=[("boiler-gas/A2", "HIGH", "fire")]))
                    u += rng.uniform(2.5, 8)
                    steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit,
                                             "values": {"A1": 0, "A2": 0}}))
                    u += rng.uniform(3, 8)
                    steps_ch.append(Step(u, reset=("boiler-gas/A2", "HIGH")))
                else:
                    steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "point": "A1",
                                             "set": 0}))
            elif kind == "dead":
                d = RELAY
                u = t
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "fault": "dead"}))
                u += rng.uniform(5, 14)
                steps_ch.append(Step(u, {"bus": d.bus, "unit": d.unit, "fault": "none"}))
            fire_i = next((i for i, s in enumerate(steps_ch)
                           if any(x[2] == "fire" for x in s.expect_on)), None)
            if rng_active is not None and fire_i is not None and fire_i + 1 < len(steps_ch) \
                    and rng_active.random() < ACTIVE_RESET_P:
                f, r = steps_ch[fire_i], steps_ch[fire_i + 1]
                rs = next((s.reset for s in steps_ch if s.reset), None)
                if r.sim and rs and r.t - f.t >= 3.5:
                    steps_ch.insert(fire_i + 1, Step(f.t + 0.6 * (r.t - f.t), reset=rs,
                                                     active=True))
            if steps_ch[-1].t > end:
                break
            steps += steps_ch
            t = steps_ch[-1].t + rng.uniform(3, 14)
    for s in steps:
        s.t = round(s.t, 2)
    steps.sort(key=lambda s: s.t)
    return steps


def make_schedule(rng: random.Random, duration: float, kinds: list[str]) -> list[dict]:
    """Chaos actions, each {"at": scenario time, "kind": ..., parameters}. Actions run one after
    another (an action that is due while the previous one still runs starts when it ends)."""
    out = []
    t = 10 + rng.uniform(0, 4)
    weights = [KIND_WEIGHTS[k] for k in kinds]
    while t < duration - 22:
        kind = rng.choices(kinds, weights)[0]
        a = {"at": round(t, 2), "kind": kind}
        if kind in ("gw_kill9", "gw_kill9_on_event", "gw_term"):
            a["down"] = round(rng.choice([0.2, 1, 2, 4, 7]) * rng.uniform(0.7, 1.3), 2)
        elif kind == "gw_hup":
            a["change"] = rng.random() < 0.5  # telemetry_interval_s 5 ↔ 3
        elif kind == "broker_bounce":
            a["down"] = round(rng.uniform(1, 12), 2)
        elif kind in ("centre_kill9", "centre_term"):
            a["down"] = round(rng.uniform(1, 10), 2)
        elif kind == "broker_down_gw_restart":
            a.update(gw=rng.choice(["kill9", "term"]), a=round(rng.uniform(0.5, 3), 2),
                     b=round(rng.uniform(0.5, 4), 2), c=round(rng.uniform(0.5, 5), 2),
                     broker_first=rng.random() < 0.3)
        elif kind == "centre_and_broker_down":
            a.update(centre=rng.choice(["kill9", "term"]), a=round(rng.uniform(0.5, 3), 2),
                     b=round(rng.uniform(0.5, 4), 2), c=round(rng.uniform(0.5, 4), 2),
                     centre_first=rng.random() < 0.5)
        elif kind == "all_down":
            a.update(down=round(rng.uniform(2, 8), 2), order=rng.sample(
                ["gateway", "centre", "broker"], 3))
        out.append(a)
        t += rng.uniform(3, 9) + a.get("down", 0) + a.get("a", 0) + a.get("b", 0) + a.get("c", 0)
    return out


# --- running it ------------------------------------------------------------------------------------

class Chaos:
    def __init__(self, p: Pipeline, seed: int):
        self.p = p
        self.seed = seed
        self.procs: list[dict] = []       # every process started: {"proc", "expect": None|sig}
        self.down: dict[str, list[list[float]]] = {"gateway": [], "centre": [], "broker": []}
        self.actions: list[dict] = []     # what was done, with wall times
        self.kills: list[float] = []      # wall times of gateway SIGKILLs
        self.relatch: list[dict] = []     # re-latch checks after gateway restarts
        self.resets: list[dict] = []
        self.notes: list[str] = []
        self.lock = threading.Lock()

    # process bookkeeping
    def track(self, stage: str) -> None:
        self.procs.append({"stage": stage, "proc": self.p.procs[stage], "expect": None})

    def entry(self, stage: str) -> dict:
        return [e for e in self.procs if e["stage"] == stage][-1]

    def gw_up(self) -> bool:
        g = self.p.procs.get("gateway")
        return g is not None and g.alive

    def go_down(self, stage: str) -> None:
        self.down[stage].append([time.time(), None])

    def come_up(self, stage: str) -> None:
        if self.down[stage] and self.down[stage][-1][1] is None:
            self.down[stage][-1][1] = time.time()

    # the gateway
    def latched_fire_model(self) -> set:
        """(point, alarm) of fire alarms the gateway's log says are active or latched now."""
        on = set()
        for ln in sorted(self.p.gateway_events(), key=lambda ln: ln.wall):
            d = ln.data
            if d.get("class") != "fire" or not d.get("point"):
                continue
            k = (d["point"], d.get("alarm", ""))
            kind = d["what"].split()[-1]
            if kind == "alarm_on":
                on.add(k)
            elif kind in ("reset", "alarm_off"):
                on.discard(k)
        return on

    def stop_gateway(self, how: str, on_event: bool = False) -> None:
        g = self.p.procs["gateway"]
        e = self.entry("gateway")
        if on_event:
            mark = self.p.mark()
            try:
                self.p.wait_line("gateway", lambda ln: bool(ln.data) and str(
                    ln.data.get("what", "")).startswith("event "), 25, "an alarm change",
                    after=mark)
            except AssertionError:
                self.notes.append("gw_kill9_on_event: no event within 25 s, killed anyway")
        latched = self.latched_fire_model()
        self.go_down("gateway")
        if how == "kill9":
            e["expect"] = -signal.SIGKILL
            self.kills.append(time.time())
            g.kill9()
        else:
            e["expect"] = 0
            e["rc"] = g.stop(signal.SIGTERM)
        self._latched_at_stop = latched

    def start_gateway(self) -> None:
        latched = getattr(self, "_latched_at_stop", set())
        run = self.p.runs.get("gateway", 0) + 1
        self.p.start_gateway()
        self.come_up("gateway")
        self.track("gateway")
        started = self.p.gateway_log("started", run=run)
        restored = bool(started and started[0].data.get("restored"))
        rec = {"run": run, "latched_before": sorted(latched), "restored": restored,
               "missing": [], "api": {}}
        # The API follows the engine within about a second. An alarm counts as re-latched when
        # the API shows it active or latched at some poll of the first seconds (the operator
        # thread may reset it meanwhile: that is fine), "re-detected" when the new run logged a
        # new alarm_on for it before the API showed it (the snapshot did not have it, the value
        # was still over the threshold), and missing otherwise.
        deadline = time.time() + 8
        seen: set = set()
        seen_at: dict = {}
        while time.time() < deadline and seen != latched:
            try:
                body = self.p.gateway_alarms()
            except Exception:  # noqa: BLE001 - the gateway may be killed meanwhile
                body = None
            if body is not None:
                items = body.get("alarms", []) if isinstance(body, dict) else body
                have = {(a.get("point"), a.get("alarm")): a.get("state") for a in items
                        if isinstance(a, dict)}
                for k in latched:
                    if have.get(k) in ("unack", "acked", "latched_unack", "latched_acked"):
                        seen.add(k)
                        seen_at.setdefault(k, time.time())
                rec["api"].update(
                    {f"{k[0]}:{k[1]}": v for k, v in have.items() if k in latched})
            time.sleep(0.3)
        # A reset the new run logged shows the alarm was there (the operator thread may have
        # reset it between two polls); the alarm_on of a reset while the fire holds (same event
        # time as the reset) is the reset's new alarm, not a re-detection.
        new_on, reset_at = {}, {}
        for ln in self.p.gateway_events(run):
            d = ln.data
            k = (d.get("point"), d.get("alarm"))
            if d["what"].endswith(" reset"):
                reset_at.setdefault(k, (ln.wall, d["event_time"]))
                if k in latched:
                    seen.add(k)
                    seen_at.setdefault(k, ln.wall)
            elif d["what"].endswith("alarm_on") and d.get("class") == "fire" and \
                    reset_at.get(k, (0, None))[1] != d["event_time"]:
                new_on.setdefault(k, ln.wall)
        rec["redetected"] = sorted(k for k in latched if k in new_on
                                   and new_on[k] <= seen_at.get(k, float("inf")))
        rec["missing"] = sorted(k for k in latched if k not in seen and k not in new_on)
        self.relatch.append(rec)

    # the others
    def stop_centre(self, how: str) -> None:
        e = self.entry("centre")
        self.go_down("centre")
        if how == "kill9":
            e["expect"] = -signal.SIGKILL
            self.p.procs["centre"].kill9()
        else:
            e["expect"] = 0
            e["rc"] = self.p.procs["centre"].stop(signal.SIGTERM)

    def start_centre(self) -> None:
        self.p.start_centre()
        self.come_up("centre")
        self.track("centre")

    def stop_broker(self) -> None:
        e = self.entry("broker")
        self.go_down("broker")
        e["expect"] = 0
        e["rc"] = self.p.procs["broker"].stop(signal.SIGTERM)

    def start_broker(self) -> None:
        self.p.start_broker()
        self.come_up("broker")
        self.track("broker")

    def run_action(self, a: dict) -> None:
        k = a["kind"]
        rec = dict(a, started=time.time(), started_t=round(self.p.scenario_time(time.time()), 2))
        if k in ("gw_kill9", "gw_kill9_on_event", "gw_term"):
            self.stop_gateway("term" if k == "gw_term" else "kill9", on_event=k.endswith("event"))
            rec["stopped_t"] = round(self.p.scenario_time(time.time()), 2)
            time.sleep(a["down"])
            self.start_gateway()
        elif k == "gw_hup":
            if a.get("change"):
                path = self.p.work / "gateway.json"
                gw = json.loads(path.read_text())
                gw["mqtt"]["telemetry_interval_s"] = 3 if gw["mqtt"].get(
                    "telemetry_interval_s", 5) == 5 else 5
                path.write_text(json.dumps(gw, indent=1))
            self.p.procs["gateway"].send(signal.SIGHUP)
        elif k == "broker_bounce":
            self.stop_broker()
            time.sleep(a["down"])
            self.start_broker()
        elif k in ("centre_kill9", "centre_term"):
            self.stop_centre("kill9" if k == "centre_kill9" else "term")
            time.sleep(a["down"])
            self.start_centre()
        elif k == "broker_down_gw_restart":
            self.stop_broker()
            time.sleep(a["a"])
            self.stop_gateway(a["gw"])
            time.sleep(a["b"])
            if a["broker_first"]:
                self.start_broker()
                time.sleep(a["c"])
                self.start_gateway()
            else:
                self.start_gateway()
                time.sleep(a["c"])
                self.start_broker()
        elif k == "centre_and_broker_down":
            if a["centre_first"]:
                self.stop_centre(a["centre"])
                time.sleep(a["a"])
                self.stop_broker()
            else:
                self.stop_broker()
                time.sleep(a["a"])
                self.stop_centre(a["centre"])
            time.sleep(a["b"])
            self.start_centre()
            time.sleep(a["c"])
            self.start_broker()
        elif k == "all_down":
            for s in a["order"]:
                {"gateway": lambda: self.stop_gateway("kill9"), "centre":
                 lambda: self.stop_centre("kill9"), "broker": self.stop_broker}[s]()
                time.sleep(0.3)
            time.sleep(a["down"])
            for s in reversed(a["order"]):
                {"gateway": self.start_gateway, "centre": self.start_centre,
                 "broker": self.start_broker}[s]()
                time.sleep(0.5)
        else:
            raise ValueError(k)
        rec["ended"] = time.time()
        rec["ended_t"] = round(self.p.scenario_time(time.time()), 2)
        self.actions.append(rec)

    def ensure_all_up(self) -> None:
        if not self.p.procs["broker"].alive:
            self.notes.append("broker found down at the end")
            self.start_broker()
        if not self.p.procs["centre"].alive:
            self.notes.append("centre found down at the end")
            self.start_centre()
        if not self.p.procs["gateway"].alive:
            self.notes.append("gateway found down at the end")
            self.start_gateway()

    # operator resets, on their own thread
    def operator(self, resets: list[Step], stop: threading.Event) -> None:
        for st in resets:
            while not stop.is_set() and (self.p.t0 is None or time.time() < self.p.t0 + st.t):
                time.sleep(0.1)
            point, alarm = st.reset
            rec = {"t": st.t, "point": point, "alarm": alarm, "tries": 0, "active": st.active}
            # a reset while the fire holds must come before the value returns
            deadline = time.time() + (3 if st.active else 40)
            while not stop.is_set() and time.time() < deadline:
                rec["tries"] += 1
                try:
                    body = self.p.gateway_alarms()
                    items = body.get("alarms", []) if isinstance(body, dict) else body
                    state = next((a.get("state") for a in items if isinstance(a, dict)
                                  and a.get("point") == point and a.get("alarm") == alarm), None)
                    rec["state_before"] = state
                    if state is None:
                        rec["result"] = "not in the active list"
                        break
                    if st.active and state in ("latched_unack", "latched_acked"):
                        rec["result"] = "returned before the reset while active"
                        break
                    if state not in (("unack", "acked") if st.active
                                     else ("latched_unack", "latched_acked")):
                        time.sleep(0.5)  # the return not read yet, or a restart in progress
                        continue
                    status, text = self.p.http(
                        "POST", f"http://127.0.0.1:{self.p.ports['gw_http']}/api/command",
                        {"command": "reset", "point": point, "alarm": alarm,
                         "operator": 9}, timeout=8)
                    rec["status"], rec["answer"] = status, text[:200]
                    rec["wall"] = time.time()
                    if status == 200:
                        rec["result"] = "reset"
                        break
                except Exception as e:  # noqa: BLE001 - the gateway killed meanwhile
                    rec["error"] = str(e)[:200]
                time.sleep(0.5)
            rec.setdefault("result", "gave up")
            with self.lock:
                self.resets.append(rec)


# --- checks ----------------------------------------------------------------------------------------

def floor_s(iso: str) -> int:
    return int(iso_to_epoch(iso) // 1)


def overlaps(iv: list, a: float, b: float) -> bool:
    s, e = iv
    e = e if e is not None else float("inf")
    return s < b and e > a


def link_intervals(p: Pipeline, down_what: str, up_what: str) -> list[list]:
    """[down wall, up wall] of an uplink as the gateway logged it; a gateway run's start counts
    as down until its first connection."""
    out = []
    for run in range(1, p.runs.get("gateway", 0) + 1):
        lines = p.snapshot("gateway", run)
        if not lines:
            continue
        cur = [lines[0].wall, None]  # from the start of the run
        for ln in lines:
            w = (ln.data or {}).get("what")
            if w == down_what and cur is None:
                cur = [ln.wall, None]
            elif w == up_what and cur is not None:
                cur[1] = ln.wall
                out.append(cur)
                cur = None
        if cur is not None:
            cur[1] = lines[-1].wall
            out.append(cur)
    return out


def check_everything(p: Pipeline, c: Chaos, steps: list[Step]) -> tuple[list[str], dict]:
    F: list[str] = []   # findings
    info: dict = {}

    # 1. crashes
    for e in c.procs:
        proc = e["proc"]
        rc = proc.proc.poll()
        if e["expect"] is None:
            if rc is not None:
                F.append(f"CRASH: {e['stage']} run {proc.run} exited {rc} unasked")
        elif e["expect"] == 0 and e.get("rc", 0) != 0:
            F.append(f"CRASH: {e['stage']} run {proc.run} exited {e.get('rc')} on SIGTERM")
    for ln in p.snapshot():
        if ln.stage in ("gateway", "centre", "sim", "mqtt") and CRASH_PATTERNS.search(ln.text):
            F.append(f"CRASH-LINE: {ln.stage} run {ln.run}: {ln.text[:300]}")
        if ln.stage == "gateway" and "reload refused" in ln.text:
            F.append(f"RELOAD REFUSED (the file changed only telemetry_interval_s): {ln.text[:300]}")
        if ln.stage == "gateway" and (ln.data or {}).get("what") == "GATEWAY FAULT":
            info.setdefault("gateway_faults", []).append(ln.text[:300])

    # 2. MQTT alarm lane
    events = p.gateway_events()
    logged = [gateway_event_key(ln.data) for ln in events]
    logged_at = {gateway_event_key(ln.data): ln for ln in events}
    msgs = p.mqtt_messages()
    rep = lane_report(msgs)
    info["alarm_lane"] = {"messages": rep.messages, "duplicates": rep.duplicates,
                          "max_seq": max(rep.seqs) if rep.seqs else 0, "events": len(rep.events)}
    if rep.gaps:
        F.append(f"MQTT LOST: alarm lane seqs missing {rep.gaps[:20]} (of 1..{max(rep.seqs)})")
    missing = [k for k in logged if k not in rep.event_seq]
    if missing:
        F.append(f"MQTT LOST: {len(missing)} events the gateway logged are not on MQTT: "
                 f"{missing[:10]}")
    if rep.duplicate_events:
        F.append("MQTT UNDETECTABLE DUPLICATE: events under two different lane seqs: "
                 f"{rep.duplicate_events[:10]}")
    if len(rep.event_numbers) != len(set(rep.event_numbers)) or \
            rep.event_numbers != sorted(rep.event_numbers):
        F.append(f"MQTT ORDER: event numbers not increasing in lane order: "
                 f"{rep.event_numbers[:60]}")
    elif rep.event_numbers and rep.event_numbers != list(range(1, len(rep.event_numbers) + 1)):
        gaps = sorted(set(range(1, max(rep.event_numbers) + 1)) - set(rep.event_numbers))
        F.append(f"MQTT LOST: event numbers missing {gaps[:20]}")
    extra = [k for k in rep.events if k not in logged_at]
    unexplained = []
    for k in extra:
        t = k[3] / 1000
        if not any(0 <= kt - t < 2 for kt in c.kills):
            unexplained.append(k)
    if extra:
        info["mqtt_events_not_logged"] = [list(k) for k in extra]
    if unexplained:
        F.append(f"MQTT EXTRA: events on MQTT the gateway never logged (no kill -9 right after "
                 f"them): {unexplained[:10]}")
    # first copies in seq order, per lane
    for lane in ("LANE_ALARM", "LANE_TELEMETRY"):
        seen, order = set(), []
        for ln in p.mqtt_messages(lane):
            s = int(ln.data["envelope"].get("seq", 0))
            if s not in seen:
                seen.add(s)
                order.append(s)
        bad = [(a, b) for a, b in itertools.pairwise(order) if b < a]
        if bad:
            F.append(f"MQTT ORDER: {lane} first copies out of seq order: {bad[:10]}")
        if lane == "LANE_TELEMETRY" and order:
            gaps = sorted(set(range(min(order), max(order) + 1)) - seen)
            info["telemetry_lane"] = {"messages": len(p.mqtt_messages(lane)),
                                      "seqs": f"{min(order)}..{max(order)}", "gaps": gaps[:20]}
            if gaps:
                F.append(f"MQTT TELEMETRY LOST: telemetry seqs missing {gaps[:20]} (journal "
                         "never full in this test)")
    # historical marks: produced while MQTT was down (or the gateway dead) → historical; first
    # received within 0.5 s of its production with no reconnect between → live.
    mqtt_down = link_intervals(p, "mqtt down", "mqtt connected")
    first_wall: dict = {}
    for ln in msgs:
        for ev in (ln.data["envelope"].get("batch") or {}).get("events", []):
            first_wall.setdefault(mqtt_event_key(ev), ln.wall)
    connects = [ln.wall for ln in p.snapshot("gateway") if (ln.data or {}).get("what")
                == "mqtt connected"]
    not_hist, wrong_live = [], []
    for k, hist in rep.event_historical.items():
        t = k[3] / 1000
        if any(s + 0.5 < t < (e or 1e18) - 0.5 for s, e in mqtt_down) and not hist:
            not_hist.append(k)
        fw = first_wall.get(k)
        if hist and fw is not None and fw - t < 0.5 and not any(t - 0.5 <= w <= fw for w in connects):
            wrong_live.append(k)
    if not_hist:
        F.append(f"MQTT HISTORICAL: produced while the uplink was down, not marked historical: "
                 f"{not_hist[:10]}")
    if wrong_live:
        F.append(f"MQTT HISTORICAL: sent live, marked historical: {wrong_live[:10]}")
    # alarms before telemetry: whenever the link is up the alarm lane is drained before any
    # telemetry is sent, so an alarm message produced before a telemetry batch began cannot
    # reach the broker after that batch (first copies, in the subscriber's order: the broker
    # keeps the order of the gateway's publishes for the subscriber's persistent session, also
    # when the subscriber itself is away and gets them in a burst later).
    def produced_ms(env):
        b = env.get("batch") or {}
        times = [int(x.get("timeMs", 0)) for x in b.get("events", []) + b.get("statuses", [])]
        if env.get("birth"):
            times.append(int(env["birth"].get("timeMs", 0)))
        return min(times) if times else None
    alarm_violations = []
    seen_keys = set()
    tele_seen: list[tuple[int, int]] = []   # (baseTimeMs, seq) of telemetry first copies so far
    for ln in p.snapshot("mqtt"):
        env = (ln.data or {}).get("envelope")
        if env is None or not ln.data.get("topic", "").startswith("firebus/v1/"):
            continue
        lane = env.get("lane", "LANE_TELEMETRY")
        key = (lane, int(env.get("seq", 0)))
        if key in seen_keys:
            continue
        seen_keys.add(key)
        if lane == "LANE_TELEMETRY":
            base = int((env.get("batch") or {}).get("baseTimeMs", 0))
            if base:
                tele_seen.append((base, key[1]))
        else:
            t = produced_ms(env)
            if t is None:
                continue
            overtaken = [sq for base, sq in tele_seen if base > t + 1000]
            if overtaken:
                alarm_violations.append((key[1], round(p.scenario_time(t / 1000), 1),
                                         overtaken[:5]))
    if alarm_violations:
        F.append(f"MQTT ALARMS-FIRST: alarm messages (lane seq, produced at scenario t, "
                 f"telemetry seqs that overtook them) arriving after telemetry batches begun "
                 f"later: {alarm_violations[:10]}")

    # 3. the centre
    rows = p.db_rows("SELECT e.id, e.frame_id, e.object_index, e.kind, e.system_address, "
                     "e.component_address, e.status, e.event_time, e.received_us FROM events e "
                     "WHERE e.kind = 'component_status'")
    by_comp: dict = {}
    for r in rows:
        by_comp.setdefault((r["system_address"], r["component_address"]), []).append(r)
    want_bits = {"fire": 0x02, "pre_alarm": 0x10}

    def tag_ok(tag: int, t: int) -> bool:
        """A status's time tag is its transition's second, or up to 2 s later: a status whose
        second is not later than its object's previous one takes the second after it
        (docs/gateway.md "Component status")."""
        return t <= tag <= t + TAG_LATE_S
    not_at_centre = []
    # (point, alarm, event time) of resets that the engine followed at once by a new alarm_on
    # (the condition was active again: docs/alarms.md "fire gives reset, then a new alarm_on");
    # docs/gateway.md: the fall and the rise go in one ADU with one time tag, fall first.
    reset_refire = set()
    on_keys = {(ln.data.get("point"), ln.data.get("alarm"), ln.data["event_time"])
               for ln in events if ln.data["what"].endswith("alarm_on")}
    for ln in events:
        d = ln.data
        if d["what"].endswith(" reset") and (d.get("point"), d.get("alarm"),
                                             d["event_time"]) in on_keys:
            reset_refire.add((d.get("point"), d.get("alarm"), d["event_time"]))
    refire_bad = []
    for point, alarm, et in sorted(reset_refire):
        if point not in COMPONENTS:
            continue
        bit = 0x02  # a reset is of a latched (fire-class) alarm
        comp = (SYSTEM_OF[point.split("/")[0]], COMPONENTS[point])
        t = floor_s(et)
        frames: dict = {}
        for r in by_comp.get(comp, []):
            if tag_ok(floor_s(r["event_time"]), t):
                frames.setdefault(r["frame_id"], []).append(r)
        ok = False
        for rs in frames.values():
            rs.sort(key=lambda r: r["object_index"])
            for x, y in itertools.pairwise(rs):
                if not x["status"] & bit and y["status"] & bit \
                        and x["event_time"] == y["event_time"]:
                    ok = True
        if not ok:
            refire_bad.append((point, alarm, et, [(r["frame_id"], r["object_index"],
                                                   hex(r["status"]), r["event_time"])
                                                  for rs in frames.values() for r in rs]))
    info["reset_while_active"] = len(reset_refire)
    if refire_bad:
        F.append(f"CENTRE RESET-WHILE-ACTIVE: a reset the engine followed at once by a new "
                 f"alarm_on (condition active) did not reach the centre as a fall and a rise in "
                 f"one ADU with one time tag (point, alarm, time, statuses in the window): "
                 f"{refire_bad[:6]}")
    for ln in events:
        d = ln.data
        point = d.get("point")
        if not point or point not in COMPONENTS:
            continue
        kind = d["what"].split()[-1]
        cls = d.get("class")
        if kind in ("alarm_on", "alarm_off", "reset") and cls in want_bits:
            bit = want_bits[cls]
            if kind == "alarm_off" and cls == "fire":
                continue
            on = kind == "alarm_on"
        elif kind in ("fault_on", "fault_off"):
            bit, on = 0x04, kind == "fault_on"
        else:
            continue
        dev = point.split("/")[0]
        comp = (SYSTEM_OF[dev], COMPONENTS[point])
        t = floor_s(d["event_time"])
        ok = any(tag_ok(floor_s(r["event_time"]), t) and bool(r["status"] & bit) == on
                 for r in by_comp.get(comp, []))
        if not ok:
            not_at_centre.append((point, d.get("alarm") or d.get("reason"), kind,
                                  d["event_time"], f"run {ln.run}"))
    if not_at_centre:
        F.append(f"CENTRE LOST: {len(not_at_centre)} transitions the gateway logged have no "
                 f"status object at the centre (tag the transition's second or up to "
                 f"{TAG_LATE_S} s later): {not_at_centre[:12]}")
    # Stored twice: the same ADU (the centre recognises a resend by its hash: frame_keys), or
    # the same status object (object, word and time tag) from two ADUs of one gateway run (its
    # statuses of one object have strictly increasing seconds, the fall and the rise of a reset
    # while active share a tag but not a word). A restarted gateway does not keep the seconds
    # it took (docs/gateway.md): the same word in the same second from two runs is not a copy.
    twice_adu = p.db_rows("SELECT uitd_address, adu_hash, COUNT(*) n, GROUP_CONCAT(id) ids "
                          "FROM frames GROUP BY uitd_address, adu_hash HAVING n > 1")
    if twice_adu:
        F.append(f"CENTRE DUPLICATE: ADUs stored twice: {[dict(r) for r in twice_adu][:10]}")
    starts = sorted(ln.wall for ln in p.gateway_log("started"))
    twice = []
    for r in p.db_rows(
            "SELECT kind, system_address, component_address, status, event_time, COUNT(*) n, "
            "GROUP_CONCAT(frame_id) frames, MIN(received_us) first_us, MAX(received_us) last_us "
            "FROM events WHERE kind IN ('component_status', 'system_status', 'uitd_status') "
            "GROUP BY kind, system_address, component_address, status, event_time "
            "HAVING COUNT(DISTINCT frame_id) > 1"):
        t = floor_s(r["event_time"])
        # a restart within the seconds the tag can stand for, before the last copy arrived
        if any(t - TAG_LATE_S <= w < t + 1 and w <= r["last_us"] / 1e6 for w in starts[1:]):
            info.setdefault("same_status_two_runs", []).append(dict(r))
            continue
        twice.append(dict(r))
    if twice:
        F.append(f"CENTRE DUPLICATE: status objects stored twice (one gateway run, two ADUs): "
                 f"{twice[:10]}")
    # alarms opened at the centre vs rising edges of the gateway's own state, per component
    edges: dict = {}
    state: dict = {}
    last_run: dict = {}

    def killed_before(run: int) -> bool:
        """The gateway run before `run` ended by a kill -9."""
        prev, this = p.snapshot("gateway", run - 1), p.snapshot("gateway", run)
        return bool(prev and this) and any(prev[-1].wall - 1 <= k <= this[0].wall
                                           for k in c.kills)
    for ln in sorted(events, key=lambda ln: ln.wall):
        d = ln.data
        point = d.get("point")
        if point not in COMPONENTS:
            continue
        kind = d["what"].split()[-1]
        cls = d.get("class")
        key = None
        if cls == "fire" and kind in ("alarm_on", "reset"):
            key, on = (point, "fire"), kind == "alarm_on"
        elif cls == "pre_alarm" and kind in ("alarm_on", "alarm_off"):
            key, on = (point, "supervisory"), kind == "alarm_on"
        elif kind in ("fault_on", "fault_off"):
            key, on = (point, "fault"), kind == "fault_on"
        if key is None:
            continue
        # a new alarm_on right after a reset in the same step (the fire still holds) is a new
        # rising edge: the centre gets the fall and the rise and opens a new alarm
        if on and not state.get(key):
            edges[key] = edges.get(key, 0) + 1
        elif not on and not state.get(key) and any(
                killed_before(r) for r in range(max(last_run.get(key, 0), 1) + 1, ln.run + 1)):
            # the first event since a kill -9 (in a later run) is a fall from a state the
            # snapshot had but the log never said: a rise made in the step the kill interrupted
            # (state and outbox on disk, lines not yet written): a rising edge too
            edges[key] = edges.get(key, 0) + 1
            info.setdefault("rises_not_logged", []).append((point, kind, d["event_time"],
                                                             f"run {ln.run}"))
        state[key] = on
        last_run[key] = ln.run
    opened = {}
    for r in p.db_rows("SELECT d.system_address, d.component_address, a.kind, COUNT(*) n "
                       "FROM alarms a JOIN devices d ON a.device_id = d.id WHERE d.level = "
                       "'component' GROUP BY d.system_address, d.component_address, a.kind"):
        opened[(r["system_address"], r["component_address"], r["kind"])] = r["n"]
    # An episode that ended and came back while the centre was unreachable arrives as a rise, a
    # rise, then the status between them, late (the uplink sends alarms and faults before other
    # statuses: docs/gateway.md "Priority"): by the time tags the centre ends the first alarm and
    # gives the second one of its own, for fire, supervisory and fault alike (docs/centre.md
    # "Late statuses"), so the count is exact.
    mismatch = []
    for point, addr in COMPONENTS.items():
        dev = point.split("/")[0]
        for kind in ("fire", "supervisory", "fault"):
            want = edges.get((point, kind), 0)
            got = opened.get((SYSTEM_OF[dev], addr, kind), 0)
            if want != got:
                mismatch.append((point, kind, f"gateway {want}", f"centre {got}"))
    if mismatch:
        F.append(f"CENTRE ALARM COUNT: alarms opened at the centre ≠ rising edges the gateway "
                 f"logged: {mismatch}")
    # System and UITD levels: a status without the fire bit that the centre applied (not
    # superseded) while the gateway's own log says a fire alarm of that system was on: its
    # alarm_on more than TAG_LATE_S before the status's time tag (a tag may be that much later
    # than the change it reports), no reset until 2 s after it.
    fire_iv: dict = {}   # device id → [[on, off or None]]
    open_on: dict = {}
    for ln in sorted(events, key=lambda ln: ln.wall):
        d = ln.data
        if d.get("class") != "fire" or not d.get("point"):
            continue
        k = (d["point"], d.get("alarm"))
        kind = d["what"].split()[-1]
        t = iso_to_epoch(d["event_time"])
        if kind == "alarm_on" and k not in open_on:
            open_on[k] = t
        elif kind == "reset" and k in open_on:
            fire_iv.setdefault(k[0].split("/")[0], []).append([open_on.pop(k), t])
    for k, t in open_on.items():
        fire_iv.setdefault(k[0].split("/")[0], []).append([t, None])
    dev_of_sys = {v: k for k, v in SYSTEM_OF.items()}
    wrong_level = []
    for ln in p.centre_events():
        d = ln.data
        if d.get("kind") not in ("system_status", "uitd_status") or d.get("superseded") \
                or d.get("status", 0) & 0x02:
            continue
        t = floor_s(d["event_time"])
        devs = list(fire_iv) if d["kind"] == "uitd_status" else \
            [dev_of_sys.get(d.get("system_address"))]
        hit = [(dv, round(p.scenario_time(on), 1)) for dv in devs for on, off in fire_iv.get(dv, [])
               if on < t - TAG_LATE_S and (off is None or off > t + 2)]
        if hit:
            wrong_level.append((d["kind"], d.get("system_address"), hex(d.get("status", 0)),
                                d["event_time"], f"fire on since scenario t {hit[0][1]} ({hit[0][0]})",
                                f"stored at t {round(p.scenario_time(ln.wall), 1)}"))
    # ... and, the same in the centre's arrival order: a no-fire status applied after a fire
    # status of the same system (or the UITD) whose time tag is the same second or later,
    # without a reset the gateway logged in between (the centre applies a status of the same
    # second as the current one; the gateway's statuses of one object have strictly increasing
    # seconds, so this is not expected either; a reset's status may carry a tag up to
    # TAG_LATE_S after the reset)
    resets_at: dict = {}
    for ln in events:
        d = ln.data
        if d.get("class") == "fire" and d["what"].endswith(" reset") and d.get("point"):
            resets_at.setdefault(d["point"].split("/")[0], []).append(floor_s(d["event_time"]))
    last_fire: dict = {}
    for ln in p.centre_events():
        d = ln.data
        if d.get("kind") not in ("system_status", "uitd_status") or d.get("superseded"):
            continue
        key = (d["kind"], d.get("system_address"))
        t = floor_s(d["event_time"])
        if d.get("status", 0) & 0x02:
            last_fire[key] = max(last_fire.get(key, t), t)
            continue
        lf = last_fire.pop(key, None)
        if lf is None or t > lf:
            continue
        devs = list(resets_at) if d["kind"] == "uitd_status" else \
            [dev_of_sys.get(d.get("system_address"))]
        if any(t - TAG_LATE_S <= r <= lf for dv in devs for r in resets_at.get(dv, [])):
            continue
        wrong_level.append((d["kind"], d.get("system_address"), hex(d.get("status", 0)),
                            d["event_time"],
                            f"applied after a fire status of second {lf % 60:02d} (not earlier)",
                            f"stored at t {round(p.scenario_time(ln.wall), 1)}"))
    if wrong_level:
        F.append(f"CENTRE FIRE CLEARED: the centre applied a no-fire system/UITD status while the "
                 f"gateway had a fire: {wrong_level[:8]}")
    info["centre"] = {
        "events": p.db_rows("SELECT COUNT(*) n FROM events")[0]["n"],
        "alarms": p.db_rows("SELECT COUNT(*) n FROM alarms")[0]["n"],
        "resends_recognised": p.db_rows("SELECT COALESCE(SUM(duplicates), 0) n "
                                        "FROM frame_keys")[0]["n"]}

    # 4. re-latch after restarts
    redetected = [(r["run"], r["redetected"]) for r in c.relatch if r.get("redetected")]
    if redetected:
        F.append(f"RELATCH: latched fire alarms not in the restored snapshot, re-detected as new "
                 f"alarms by the restarted gateway (run, alarms): {redetected}")
    for r in c.relatch:
        if r["missing"]:
            F.append(f"RELATCH: gateway run {r['run']} (restored={r['restored']}) lost latched "
                     f"fire alarms {r['missing']}; API shows {r['api']}")

    # 5. final state: every episode ended normal and reset
    try:
        body = p.gateway_alarms()
        items = body.get("alarms", []) if isinstance(body, dict) else body
        left = [a for a in items if isinstance(a, dict) and a.get("state") not in ("rtn_unack",)
                and a.get("class") in ("fire", "pre_alarm", "fault")]
        if left:
            F.append(f"FINAL STATE (gateway): still active/latched at the end: {left[:10]}")
    except Exception as e:  # noqa: BLE001
        F.append(f"FINAL STATE: /api/alarms failed: {e}")
    comp_rows = p.db_rows("SELECT system_address, component_address, last_status FROM devices "
                          "WHERE level = 'component'")
    bad_final = [(r["system_address"], hex(r["component_address"]), hex(r["last_status"]))
                 for r in comp_rows if r["last_status"] is not None and r["last_status"] & 0x16]
    if bad_final:
        F.append(f"FINAL STATE (centre): components still in fire/fault/supervisory: "
                 f"{bad_final[:10]}")
    failed_resets = [r for r in c.resets if r.get("result") != "reset"]
    if failed_resets:
        info["resets_not_done"] = failed_resets

    # 6. latency of alarms raised with nothing down
    gw_line = {}
    for ln in sorted(events, key=lambda ln: ln.wall):
        d = ln.data
        if d["what"].split()[-1] == "alarm_on" and d.get("point"):
            gw_line.setdefault((d["point"], d.get("alarm")), []).append(ln)
    outages = [iv for s in ("gateway", "centre") for iv in c.down[s]]
    outages += link_intervals(p, "centre down", "centre connected")
    # The gateway's run boundaries (a line's run changes) make the gateway "down" too.
    sim_sets = [(p.t0 + float(ln.data["t"]), ln.data) for ln in p.snapshot("sim")
                if ln.data and ln.data.get("event") == "set"]
    centre_lines = [ln for ln in p.centre_events() if ln.data.get("kind") == "component_status"]
    lat, slow, lost_live = [], [], []
    for st in steps:
        for point, alarm, cls in st.expect_on:
            # the simulator's set of this step (a "values" step sets several points at once)
            sim_point = point.split("/")[1]
            cands = [w for w, d in sim_sets if abs(float(d["t"]) - st.t) < 0.5
                     and d.get("point") == sim_point]
            if not cands:
                continue
            change = cands[0]
            g = next((ln for ln in gw_line.get((point, alarm), []) if ln.wall >= change - 0.5),
                     None)
            if g is None or g.wall > change + 30:
                if not any(overlaps(iv, change - 1.5, change + GB_BUDGET_S) for iv in outages):
                    lost_live.append((point, alarm, round(st.t, 1)))
                continue
            bit = want_bits[cls]
            comp = (SYSTEM_OF[point.split("/")[0]], COMPONENTS[point])
            t = floor_s(g.data["event_time"])
            cl = next((ln for ln in centre_lines if (ln.data.get("system_address"),
                       ln.data.get("component_address")) == comp and ln.data.get("status", 0)
                       & bit and t <= floor_s(ln.data["event_time"]) <= t + TAG_LATE_S), None)
            total = (cl.wall - change) if cl else None
            # quiet: nothing was down from just before the change until it was stored (or until
            # the budget ran out)
            end = change + (min(total, GB_BUDGET_S) if total is not None else GB_BUDGET_S)
            quiet = not any(overlaps(iv, change - 1.5, end) for iv in outages)
            lat.append({"point": point, "alarm": alarm, "t": st.t, "quiet": quiet,
                        "gateway_s": round(g.wall - change, 3),
                        "centre_s": round(total, 3) if total is not None else None})
            if quiet and (total is None or total > GB_BUDGET_S):
                slow.append((point, alarm, round(st.t, 1), total and round(total, 2)))
    info["latency"] = lat
    q = [x["centre_s"] for x in lat if x["quiet"] and x["centre_s"] is not None]
    if q:
        q.sort()
        info["latency_quiet_summary"] = {"n": len(q), "p50": q[len(q) // 2], "max": q[-1]}
    if lost_live:
        F.append(f"GATEWAY MISSED: alarms the simulator raised with nothing down, no gateway "
                 f"event: {lost_live}")
    if slow:
        F.append(f"LATE: over {GB_BUDGET_S:.0f} s from the register change to the centre with "
                 f"no outage: {slow}")
    return F, info


# --- the test --------------------------------------------------------------------------------------

def gateway_config(p: Pipeline) -> None:
    path = p.work / "gateway.json"
    gw = json.loads(path.read_text())
    for dev in gw["devices"]:
        pts = {pt.split("/")[1]: {"component_address": addr}
               for pt, addr in COMPONENTS.items() if pt.split("/")[0] == dev["id"]}
        if pts:
            dev["gb26875"] = {"points": pts}
    path.write_text(json.dumps(gw, indent=1))


@pytest.mark.parametrize("seed", SEEDS)
def test_chaos(make_pipeline, seed):
    duration = SECONDS
    rng = random.Random(seed)
    channels = [c for c in os.environ.get("FIREBUS_CHAOS_CHANNELS", ",".join(CHANNELS)).split(",")
                if c]
    steps = make_scenario(rng, duration, channels, random.Random(seed * 104729 + 3))
    kinds = [k for k in os.environ.get("FIREBUS_CHAOS_ACTIONS", ",".join(ALL_KINDS)).split(",")
             if k]
    schedule = make_schedule(random.Random(seed * 7919 + 1), duration, kinds)
    if os.environ.get("FIREBUS_CHAOS_SCHEDULE"):
        schedule = json.loads(os.environ["FIREBUS_CHAOS_SCHEDULE"])
    sim_events = [dict(s.sim, t=s.t) for s in steps if s.sim]
    resets = [s for s in steps if s.reset]
    p = make_pipeline(devices=DEVICES, scenario=sim_events, sim_duration=duration + 600)
    gateway_config(p)
    c = Chaos(p, seed)
    print(f"\nseed {seed}, {duration:.0f} s: {len(sim_events)} simulator changes, "
          f"{len(resets)} resets, {len(schedule)} chaos actions: "
          f"{[a['kind'] for a in schedule]}")
    p.start_all()
    for s in ("broker", "centre", "mqtt", "sim", "gateway"):
        c.track(s)
    stop = threading.Event()
    op = threading.Thread(target=c.operator, args=(resets, stop), daemon=True)
    op.start()
    report_path = p.work / "chaos-report.json"
    try:
        for a in schedule:
            p.wait_scenario(a["at"], timeout=duration + 600)
            c.run_action(a)
        p.wait_scenario(duration - 8, timeout=duration + 600)
        c.ensure_all_up()
        p.wait_scenario(duration, timeout=duration + 600)
        op.join(60)
        # A device dead again before its quarantine's next probe stays quarantined until that
        # probe (back-off from 5 s, doubling: docs/modbus.md), after the scenario's end maybe:
        # wait for it (bounded), so that the final state can be asked to be all normal.
        def comm_loss_left():
            body = p.gateway_alarms()
            items = body.get("alarms", []) if isinstance(body, dict) else body
            return [a for a in items if isinstance(a, dict) and a.get("reason") == "comm_loss"]
        if comm_loss_left():
            since = time.time()
            try:
                p.wait_until(lambda: not comm_loss_left(), 60, "the quarantined device back")
            except AssertionError:
                pass  # the final-state check says it
            c.notes.append(f"waited {time.time() - since:.0f} s for a quarantined device's "
                           f"next probe")

        # settle: both uplinks' alarm journals empty, then a little for the subscriber
        def drained():
            m = p.gateway_metrics()
            keys = ('firebus_gateway_journal_messages{uplink="gb26875",lane="alarm"}',
                    'firebus_gateway_journal_messages{uplink="mqtt",lane="alarm"}',
                    'firebus_gateway_journal_messages{uplink="gb26875",lane="telemetry"}')
            return all(m.get(k, 1) == 0 for k in keys)
        try:
            p.wait_until(drained, 90, "the gateway's journals drained")
        except AssertionError as e:
            c.notes.append(f"not drained: {str(e)[:300]}")
        wanted = {gateway_event_key(ln.data) for ln in p.gateway_events()}
        try:
            p.wait_until(lambda: wanted <= set(lane_report(p.mqtt_messages()).events), 30,
                         "every logged event on MQTT")
        except AssertionError:
            pass
        time.sleep(2)
        findings, info = check_everything(p, c, steps)
    finally:
        stop.set()
        report = {"seed": seed, "duration": duration,
                  "scenario": [{"t": s.t, "sim": s.sim, "reset": s.reset, "active": s.active}
                               for s in steps],
                  "schedule": schedule, "actions": c.actions, "down": c.down,
                  "kills": c.kills, "relatch": c.relatch, "resets": c.resets, "notes": c.notes,
                  "t0": p.t0}
        if "findings" in locals():
            report.update(findings=findings, info=info)
        report_path.write_text(json.dumps(report, indent=1, default=str))
    print(f"actions: {[(a['kind'], a['started_t'], a['ended_t']) for a in c.actions]}")
    print(f"info: {json.dumps({k: v for k, v in info.items() if k != 'latency'}, default=str)}")
    if c.notes:
        print(f"notes: {c.notes}")
    assert not findings, f"seed {seed}: {len(findings)} findings (report {report_path}):\n" + \
        "\n".join("  - " + f for f in findings)
