#!/usr/bin/env python3
"""Independent reference model of the firebus alarm semantics.

Written from /work/shared/specs/alarm-semantics.md (R1-R12, zones, restart) and the documented
choices in docs/alarms.md ("Where the specification is silent"), without reading the engine.

Usage: model.py --rules RULES.json --input INPUT.jsonl   -> prints the same JSON lines as
`firebus alarm replay --json` (events, then the summary).

Covered: limits + deadband, on/off delays, state alarms, rate of rise (unbounded history),
life-cycle (isa/fire profiles, latch, ack, reset), quality / status / comm-loss faults, R10,
chatter, flood, shelving (timed, one-shot), suppression by design, out of service, disable,
buzzer, linkage, dependency zones (manual call points, reset while signalling), verification
(fire-class state alarms), snapshot/restore, summary.
Not covered: overlay commands naming a dependency zone (the zone's own FIRE under an overlay),
chatter of a zone's FIRE. See README.md.
"""
import copy
import json
import math
import sys

PRIO = {"fire": 0, "supervisory": 1, "pre_alarm": 2, "fault": 3, "disablement": 4}
ACTIVE_STATES = ("unack", "acked", "latched_unack", "latched_acked")
STATUS_REASONS = ("fault", "open_circuit", "short_circuit")
QUALITY_REASONS = ("invalid_value", "over_range", "under_range", "open_circuit", "short_circuit")
US = 1_000_000

# Known engine deviations (findings) that the model can emulate, so that they do not mask new
# mismatches in random runs. Empty = the model follows the spec + docs.
#   verify_on_exit: on leaving an overlay with the condition active, a verified alarm starts a
#                   new verification (verify_start) instead of alarm_on (spec R12 / docs Overlays)
COMPAT = set()


class Unsupported(Exception):
    pass


def to_us(t):
    return int(round(float(t) * US))


def sec(us):
    return us / US


def parse_num(v):
    if isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]
    return float(v)


class Alarm:
    def __init__(self, cfg, point, idx):
        self.id = cfg["id"]
        self.point = point
        self.idx = idx
        self.type = cfg["type"]
        self.setpoint = float(cfg.get("setpoint", 0))
        self.deadband = float(cfg.get("deadband", 0))
        self.on_delay = to_us(cfg.get("on_delay_s", 0))
        self.off_delay = to_us(cfg.get("off_delay_s", 0))
        self.rate = float(cfg.get("rate_per_min", cfg.get("rate_per_minute", 0)))
        self.window = to_us(cfg.get("window_s", 0))
        self.max_ref_age = to_us(cfg.get("max_reference_age_s", 0))
        self.cls = cfg.get("class", "fire")
        self.profile = cfg.get("profile", "isa")
        self.latching = self.cls == "fire" or self.profile == "fire" or bool(cfg.get("latch", False))
        # dynamic state
        self.cond = False
        self.run = None          # (kind 'on'|'off', t0, due)
        self.state = "normal"
        self.since = None
        self.shelved = None      # None | ('timed', expiry) | ('one_shot',)
        self.suppressed = False
        self.oos = False
        self.disabled = None     # None | disable time
        self.chatter = []        # alarm_on times
        self.chattering = False
        self.verify = None       # None | t0 (verification running)
        self.ror = []            # list of (t, v) accepted samples (rate of rise)
        self.verified = False    # the current active condition has been annunciated

    def overlaid(self):
        return self.shelved is not None or self.suppressed or self.oos or self.disabled is not None


class Point:
    def __init__(self, cfg, idx):
        self.id = cfg["id"]
        self.idx = idx
        self.range = cfg.get("range")
        self.raw = cfg.get("raw_4_20mA")
        self.stale = to_us(cfg.get("stale_s", 0))
        self.suppressed_by = cfg.get("suppressed_by")
        v = cfg.get("verification")
        self.verification = None if v is None else (to_us(v.get("ignore_s", 0)), to_us(v["confirm_s"]))
        self.alarms = [Alarm(a, self, i) for i, a in enumerate(cfg.get("alarms", []))]
        self.status = "ok"
        self.fault = None        # (reason, since)
        self.held = None         # last accepted valid value
        self.ref = None          # R10 reference (t, ts, value)
        self.last_input = None
        self.resume = None
        self.stale_fired = False  # staleness timer for the current (last_input, resume) consumed
        self.condition = None    # last device condition
        self.oos_point = False   # out of service by a point-wide command: staleness suspended

    def stale_due(self):
        if self.stale <= 0 or self.stale_fired:
            return None
        if self.oos_point:
            return None
        base = self.resume
        if self.last_input is not None and (base is None or self.last_input > base):
            base = self.last_input
        if base is None:
            return None
        return base + self.stale


class Zone:
    def __init__(self, cfg, idx):
        self.id = cfg["id"]
        self.idx = idx
        self.members = cfg["members"]
        self.min = int(cfg.get("linkage_min_devices", 0))
        self.linkage = False
        self.prev = {}
        self.last_changed = None
        self.dep_w = to_us(cfg.get("dependency_window_s", 0))
        self.mcps = list(cfg.get("manual_call_points", []))
        self.window = None       # (first member, t0)
        self.fire_state = "normal"
        self.since = None
        self.joined = set()


class State:
    pass


class Engine:
    def __init__(self, rules):
        self.rules = rules
        self.max_shelve = to_us(rules.get("max_shelve_s", 0))
        ch = rules.get("chatter", {}) or {}
        self.ch_w = to_us(ch.get("window_s", 0))
        self.ch_n = int(ch.get("count", 0))
        fl = rules.get("flood", {}) or {}
        self.fl_w = to_us(fl.get("window_s", 0))
        self.fl_on = int(fl.get("on", 0))
        self.fl_off = int(fl.get("off", 0))
        out = rules.get("outputs", {}) or {}
        self.o_buzzer = bool(out.get("buzzer", False))
        self.o_linkage = bool(out.get("linkage", False))
        self.o_commands = bool(out.get("commands", False))
        self.points = [Point(p, i) for i, p in enumerate(rules.get("points", []))]
        self.pmap = {p.id: p for p in self.points}
        self.zones = [Zone(z, i) for i, z in enumerate(rules.get("zones", []))]
        self.zmap = {z.id: z for z in self.zones}
        self.now = None
        self.buzzer = False
        self.flood = []
        self.flooding = False
        self.out = []
        self.snap = None
        self.started = False
        # unit buffers
        self.reset_unit()

    # ---------------------------------------------------------------- output helpers
    def reset_unit(self):
        self.u_diag = []
        self.u_quality = []
        self.u_trans = []
        self.u_zone = []
        self.u_verify = []
        self.u_cmd = []
        self.u_chatter = []
        self.u_flood = []
        self.u_link = []
        self.u_dep = []
        self.u_fire_on = False
        self.u_link_src = {}      # zone id -> source candidates (latest member changing)
        self.u_reset_named = []   # members named by a reset in this unit
        self.u_reset = False
        self.u_buz = []
        self.u_point = None

    def flush_unit(self, t):
        # derived: chatter / flood computed as alarm_on happen; linkage; buzzer
        self.derive_linkage(t)
        self.derive_buzzer(t)
        for lst in (self.u_diag, self.u_quality, self.u_trans, self.u_zone, self.u_verify, self.u_cmd,
                    self.u_chatter, self.u_flood, self.u_link, self.u_dep, self.u_buz):
            self.out.extend(lst)
        self.reset_unit()

    def ev(self, t, event, **kw):
        d = {"t": sec(t), "event": event}
        for k in ("point", "zone", "alarm", "class", "state", "reason", "value", "delta_s",
                  "source", "command"):
            if k in kw and kw[k] is not None:
                d[k] = kw[k]
        return d

    def aev(self, t, a, event, with_value=False, **kw):
        val = None
        if with_value and a.type in ("high", "low", "rate_of_rise") and a.point.held is not None:
            val = a.point.held
        return self._aev(t, a, event, val, **kw)

    def _aev(self, t, a, event, val, **kw):
        d = {"t": sec(t), "event": event, "point": a.point.id, "alarm": a.id, "class": a.cls}
        if "state" in kw:
            d["state"] = kw["state"]
        if "reason" in kw:
            d["reason"] = kw["reason"]
        if val is not None:
            d["value"] = val
        return d

    def all_alarms(self):
        for p in self.points:
            for a in p.alarms:
                yield a

    # ---------------------------------------------------------------- life-cycle
    def dep_zones(self, p):
        return [z for z in self.zones if z.dep_w > 0 and p.id in z.members]

    def annunciate_on(self, t, a):
        """condition active and no overlay: normal/rtn_unack -> unack."""
        a.verified = True
        if a.cls == "fire" and self.dep_zones(a.point):
            val = a.point.held if a.type in ("high", "low", "rate_of_rise") else None
            for z in self.dep_zones(a.point):
                self.dep_signal(t, z, a.point.id, val)
            return
        a.state = "unack"
        a.since = t
        self.u_trans.append(self.aev(t, a, "alarm_on", True, state="unack"))
        self.count_alarm_on(t, a)

    def dep_signal(self, t, z, m, val=None):
        if z.fire_state != "normal":
            if m not in z.joined:
                z.joined.add(m)
                self.note_member(m)
            return
        if m in z.mcps:
            joined = {m}
            if z.window is not None:
                joined.add(z.window[0])
            self.dep_raise(t, z, m, joined, val)
        elif z.window is not None and z.window[0] != m:
            self.dep_raise(t, z, m, {z.window[0], m}, val)
        elif z.window is not None:
            return
        else:
            z.window = (m, t)
            self.u_dep.append({"t": sec(t), "event": "dependency_first", "zone": z.id, "source": m})

    def dep_raise(self, t, z, src, joined, val=None):
        z.window = None
        z.fire_state = "unack"
        z.since = t
        z.joined = set(joined)
        d = {"t": sec(t), "event": "alarm_on", "zone": z.id, "alarm": "FIRE", "class": "fire",
             "state": "unack"}
        if val is not None:
            d["value"] = val
        if src is not None:
            d["source"] = src
        self.u_zone.append(d)
        self.u_fire_on = True
        for m in sorted(joined, key=lambda x: self.pmap[x].idx):
            self.note_member(m)
        if src is not None:
            self.note_member(src)
        if self.fl_w > 0:
            self.flood.append(t)
            self.update_flood(t, True)

    def note_member(self, m):
        for z in self.zones:
            if m in z.members:
                self.u_link_src[z.id] = m

    def zone_reset(self, t, z):
        if z.fire_state == "normal":
            return
        z.fire_state = "normal"
        old = z.joined
        z.joined = set()
        self.u_zone.append({"t": sec(t), "event": "reset", "zone": z.id, "alarm": "FIRE",
                             "class": "fire", "state": "normal"})
        for m in sorted(old, key=lambda x: self.pmap[x].idx):
            self.note_member(m)
        sig = []
        for p in self.points:
            if p.id not in z.members:
                continue
            for a in p.alarms:
                if (a.cls == "fire" and a.cond and not a.overlaid()
                        and (not self.needs_verification(a) or a.verified)):
                    sig.append(p.id)
                    break
        if len(sig) >= 2 or any(m in z.mcps for m in sig):
            self.dep_raise(t, z, None, sig)
        elif len(sig) == 1:
            z.window = (sig[0], t)
            self.u_dep.append({"t": sec(t), "event": "dependency_first", "zone": z.id,
                               "source": sig[0]})

    def zone_ack(self, t, z):
        if z.fire_state != "unack":
            return
        z.fire_state = "acked"
        self.u_zone.append({"t": sec(t), "event": "ack", "zone": z.id, "alarm": "FIRE",
                             "class": "fire", "state": "acked"})

    def count_alarm_on(self, t, a):
        if a.cls == "fire":
            self.u_fire_on = True
        for z in self.zones:
            if a.point.id in z.members and a.cls == "fire":
                self.u_link_src[z.id] = a.point.id
        if self.ch_w > 0:
            a.chatter.append(t)
            self.update_chatter(t, a, True)
        if self.fl_w > 0:
            self.flood.append(t)
            self.update_flood(t, True)

    def update_chatter(self, t, a, on_only=False):
        # an alarm_on counts the occurrences inside the window and can only start chatter;
        # only an age-out timer ends it (observed; see the report)
        n = sum(1 for x in a.chatter if t - self.ch_w < x)
        if on_only:
            if not a.chattering and n >= self.ch_n:
                a.chattering = True
                self.u_chatter.append(self._aev(t, a, "chatter_on", None))
            return
        if not a.chattering and n >= self.ch_n:
            a.chattering = True
            self.u_chatter.append(self._aev(t, a, "chatter_on", None))
        elif a.chattering and n < self.ch_n:
            a.chattering = False
            self.u_chatter.append(self._aev(t, a, "chatter_off", None))

    def update_flood(self, t, on_only=False):
        n = sum(1 for x in self.flood if t - self.fl_w < x)
        if on_only:
            if not self.flooding and n >= self.fl_on:
                self.flooding = True
                self.u_flood.append(self.ev(t, "flood_on"))
            return
        if not self.flooding and n >= self.fl_on:
            self.flooding = True
            self.u_flood.append(self.ev(t, "flood_on"))
        elif self.flooding and n <= self.fl_off:
            self.flooding = False
            self.u_flood.append(self.ev(t, "flood_off"))

    def set_cond(self, t, a, c):
        """The condition (after delays) changes."""
        if a.cond == c:
            return
        a.cond = c
        if not c:
            a.verified = False
        if c:
            if a.overlaid():
                return
            if a.state in ("normal", "rtn_unack"):
                if self.needs_verification(a):
                    self.verify_signal(t, a)
                    return
                self.annunciate_on(t, a)
            # latched: stays latched silently
        else:
            if a.shelved is not None and a.shelved[0] == "one_shot":
                a.shelved = None
                self.u_trans.append(self.aev(t, a, "unshelve", False, state="normal"))
                # condition inactive: normal
                return
            if a.overlaid():
                return
            if a.state == "unack":
                if a.latching:
                    a.state = "latched_unack"
                    self.u_trans.append(self.aev(t, a, "returned_latched", True, state=a.state))
                else:
                    a.state = "rtn_unack"
                    self.u_trans.append(self.aev(t, a, "alarm_off", True, state=a.state))
            elif a.state == "acked":
                if a.latching:
                    a.state = "latched_acked"
                    self.u_trans.append(self.aev(t, a, "returned_latched", True, state=a.state))
                else:
                    a.state = "normal"
                    self.u_trans.append(self.aev(t, a, "alarm_off", True, state=a.state))

    # ---------------------------------------------------------------- verification
    def needs_verification(self, a):
        return a.point.verification is not None and a.cls == "fire" and a.type == "state"

    def verify_signal(self, t, a):
        """A signal (input or delay timer after which the condition is active) while normal."""
        ign, conf = a.point.verification
        if a.verify is None:
            a.verify = t
            self.u_verify.append(self._aev(t, a, "verify_start", None))
            if self.o_commands:
                self.u_cmd.append({"t": sec(t), "event": "command", "point": a.point.id,
                                   "alarm": a.id, "command": "reset_device"})
            return
        t0 = a.verify
        if t <= t0 + ign:
            return
        if t < t0 + ign + conf:
            a.verify = None
            self.annunciate_on(t, a)

    def signal_after_input(self, t, a):
        """An input after which the condition is active (verification 'signal')."""
        if (self.needs_verification(a) and a.cond and not a.overlaid() and not a.verified
                and a.state in ("normal", "rtn_unack")):
            self.verify_signal(t, a)

    # ---------------------------------------------------------------- evaluation
    def limit_tests(self, a, v):
        """(activation test, return test)."""
        if a.type == "high":
            return v >= a.setpoint, v < a.setpoint - a.deadband
        return v <= a.setpoint, v > a.setpoint + a.deadband

    def eval_alarm(self, t, a, v):
        if a.type in ("high", "low"):
            act, ret = self.limit_tests(a, v)
        elif a.type == "rate_of_rise":
            r = self.ror_eval(t, a, v)
            if r is None:
                return
            act = r
            ret = not r
        else:
            return
        if not a.cond:
            if act:
                if a.on_delay == 0:
                    a.run = None
                    self.set_cond(t, a, True)
                elif a.run is None or a.run[0] != "on":
                    a.run = ("on", t, t + a.on_delay)
            else:
                if a.run is not None and a.run[0] == "on":
                    a.run = None
        else:
            if ret:
                if a.off_delay == 0:
                    a.run = None
                    self.set_cond(t, a, False)
                elif a.run is None or a.run[0] != "off":
                    a.run = ("off", t, t + a.off_delay)
            else:
                if a.run is not None and a.run[0] == "off":
                    a.run = None

    def ror_eval(self, t, a, v):
        W = a.window
        hist = a.ror  # older accepted samples (t, v), before the current one
        cands = [(tr, vr) for (tr, vr) in hist if tr >= t - W and tr != t]
        ref = None
        if cands:
            ref = min(cands, key=lambda x: x[0])
        else:
            older = [(tr, vr) for (tr, vr) in hist if tr < t and t - tr <= a.max_ref_age]
            if older:
                ref = older[0]
                for x in older:
                    if x[0] >= ref[0]:
                        ref = x
        if ref is None:
            return None
        tr, vr = ref
        return (v - vr) * 60 * US >= a.rate * (t - tr)

    # ---------------------------------------------------------------- faults
    def fault_on(self, t, p, reason, value=None, kind="quality"):
        if p.fault is not None:
            return False
        p.fault = (reason, t, kind)
        d = {"t": sec(t), "event": "fault_on", "point": p.id, "class": "fault", "reason": reason}
        if value is not None and math.isfinite(value):
            d["value"] = value
        self.u_quality.append(d)
        return True

    def fault_off(self, t, p):
        reason, _, kind = p.fault
        p.fault = None
        self.u_quality.append({"t": sec(t), "event": "fault_off", "point": p.id,
                               "class": "fault", "reason": reason})
        return kind

    def discard_held(self, p):
        p.held = None
        p.ref = None
        for a in p.alarms:
            a.ror = []

    def cancel_runs(self, p, kinds=("on", "off")):
        for a in p.alarms:
            if a.run is not None and a.run[0] in kinds:
                a.run = None

    def touch(self, t, p):
        p.last_input = t
        p.stale_fired = False

    # ---------------------------------------------------------------- inputs
    def sample(self, t, p, line):
        self.touch(t, p)
        if "raw" in line:
            raw = parse_num(line["raw"])
            lo, hi = p.raw
            v = lo + (raw - 4) * (hi - lo) / 16
        else:
            raw = None
            v = parse_num(line["value"])
        ts = to_us(line["ts"]) if "ts" in line else t
        if p.status != "ok":
            self.cancel_runs(p)
            return
        if p.fault is not None and p.fault[2] == "comm":
            p.ref = None
        # R10
        if p.ref is not None:
            t0, ts0, v0 = p.ref
            d = (ts - ts0) - (t - t0)
            if abs(d) > 300 * US:
                self.u_diag.append({"t": sec(t), "event": "clock_jump", "point": p.id,
                                    "delta_s": sec(d)})
            else:
                same = (v == v0) or (math.isnan(v) and math.isnan(v0))
                if ts == ts0 and same:
                    return
                if ts == ts0 or ts < ts0:
                    d2 = {"t": sec(t), "event": "input_drop", "point": p.id,
                          "reason": "ts_conflict" if ts == ts0 else "out_of_order"}
                    if math.isfinite(v):
                        d2["value"] = v
                    self.u_diag.append(d2)
                    return
        p.ref = (t, ts, v)
        # quality
        reason = None
        if not math.isfinite(v):
            reason = "invalid_value"
        elif raw is not None and raw < 3.6:
            reason = "open_circuit"
        elif raw is not None and raw > 21.0:
            reason = "short_circuit"
        elif p.range is not None and v > p.range[1]:
            reason = "over_range"
        elif p.range is not None and v < p.range[0]:
            reason = "under_range"
        if reason is not None:
            self.cancel_runs(p)
            self.fault_on(t, p, reason, v)
            return
        if p.fault is not None:
            r = self.fault_off(t, p)
            if r == "comm":
                self.discard_held(p)
                p.ref = (t, ts, v)
        p.held = v
        for a in p.alarms:
            self.eval_alarm(t, a, v)
        for a in p.alarms:
            if a.type == "rate_of_rise":
                a.ror.append((t, v))
                # keep what can still serve as a reference
                keep_from = t - max(a.window, a.max_ref_age) - 1
                a.ror = [x for x in a.ror if x[0] >= keep_from] or a.ror[-1:]
        for a in p.alarms:
            self.signal_after_input(t, a)
        self.update_suppression(t, p)

    def update_suppression(self, t, s):
        for p in self.points:
            if p.suppressed_by != s.id:
                continue
            sup = s.held is not None and s.held != 0
            for a in p.alarms:
                if a.suppressed == sup:
                    continue
                if sup:
                    self.enter_overlay(t, a, "suppressed")
                else:
                    self.exit_overlay(t, a, "suppressed")

    def condition(self, t, p, state):
        self.touch(t, p)
        p.condition = state
        if p.fault is not None and p.fault[2] == "comm":
            self.fault_off(t, p)
            self.discard_held(p)
        c = state in ("fire", "active")
        for a in p.alarms:
            if a.type == "state":
                if a.cond != c:
                    a.run = None
                    self.set_cond(t, a, c)
                elif c:
                    self.signal_after_input(t, a)

    def status(self, t, p, st):
        self.touch(t, p)
        if st == "ok":
            was = p.status
            p.status = "ok"
            if p.fault is not None and p.fault[2] in ("comm", "status"):
                self.fault_off(t, p)
                self.discard_held(p)
            elif was != "ok":
                # observed: a status episode masked by another active fault also discards
                # the held values when the status returns to ok (docs silent)
                self.discard_held(p)
            return
        p.status = st
        self.cancel_runs(p, ("off",))
        self.fault_on(t, p, st, None, "status")

    # ---------------------------------------------------------------- overlays
    def enter_overlay(self, t, a, kind, arg=None):
        names = {"shelved": "shelve", "suppressed": "suppress", "oos": "out_of_service_on",
                 "disabled": "disable"}
        if kind == "shelved":
            a.shelved = arg
        elif kind == "suppressed":
            a.suppressed = True
        elif kind == "oos":
            a.oos = True
        elif kind == "disabled":
            a.disabled = t
        if a.state in ACTIVE_STATES:
            self.note_link(a)
        a.state = "normal"
        a.verify = None
        self.u_trans.append(self.aev(t, a, names[kind], False, state="normal"))

    def exit_overlay(self, t, a, kind):
        names = {"shelved": "unshelve", "suppressed": "unsuppress", "oos": "out_of_service_off",
                 "disabled": "enable"}
        if kind == "shelved":
            a.shelved = None
        elif kind == "suppressed":
            a.suppressed = False
        elif kind == "oos":
            a.oos = False
        elif kind == "disabled":
            a.disabled = None
        self.u_trans.append(self.aev(t, a, names[kind], False, state="normal"))
        if a.cond and not a.overlaid():
            if "verify_on_exit" in COMPAT and self.needs_verification(a) and not a.verified:
                self.verify_signal(t, a)
            else:
                self.annunciate_on(t, a)

    # ---------------------------------------------------------------- commands
    def targets(self, line):
        if "point" in line:
            p = self.pmap[line["point"]]
            return [a for a in p.alarms if "alarm" not in line or a.id == line["alarm"]]
        if "zone" in line:
            z = self.zmap[line["zone"]]
            res = []
            for p in self.points:
                if p.id in z.members:
                    res += [a for a in p.alarms if "alarm" not in line or a.id == line["alarm"]]
            return res
        return list(self.all_alarms())

    def command(self, t, line):
        cmd = line["command"]
        if cmd == "silence":
            if self.buzzer:
                self.buzzer = False
                if self.o_buzzer:
                    self.u_buz.append(self.ev(t, "buzzer_off"))
            return
        tg = self.targets(line)
        if cmd == "reset":
            self.u_reset = True
            if "point" in line:
                self.u_reset_named.append(line["point"])
            elif "zone" in line:
                z = self.zmap[line["zone"]]
                for p in self.points:
                    if p.id in z.members and ("alarm" not in line or
                                              any(a.point is p for a in tg)):
                        self.u_reset_named.append(p.id)
            else:
                # a panel-wide reset names every point (configuration order)
                self.u_reset_named.append(None)
                for p in self.points:
                    self.u_reset_named.append(p.id)
        for a in tg:
            getattr(self, "cmd_" + cmd)(t, a, line)
        if cmd in ("ack", "reset") and "point" not in line and line.get("alarm", "FIRE") == "FIRE":
            zs = [self.zmap[line["zone"]]] if "zone" in line else self.zones
            for z in zs:
                if z.dep_w > 0:
                    (self.zone_ack if cmd == "ack" else self.zone_reset)(t, z)
        wide = []
        if "point" in line and "alarm" not in line:
            wide = [self.pmap[line["point"]]]
        elif "zone" in line and "alarm" not in line:
            wide = [self.pmap[m] for m in self.zmap[line["zone"]].members]
        for p in wide:
            if cmd == "out_of_service":
                p.oos_point = True
            elif cmd == "return_to_service" and p.oos_point:
                p.oos_point = False
                p.resume = t
                p.stale_fired = False

    def cmd_ack(self, t, a, line):
        nxt = {"unack": "acked", "rtn_unack": "normal", "latched_unack": "latched_acked"}
        if a.overlaid() or a.state not in nxt:
            return
        a.state = nxt[a.state]
        self.u_trans.append(self.aev(t, a, "ack", False, state=a.state))

    def cmd_reset(self, t, a, line):
        if a.overlaid() or a.state in ("normal", "rtn_unack"):
            return
        if a.profile == "fire":
            self.note_link(a)
            a.state = "normal"
            self.u_trans.append(self.aev(t, a, "reset", False, state="normal"))
            if a.cond:
                self.annunciate_on(t, a)
            return
        if not a.latching:
            return
        if a.state in ("unack", "acked") or a.cond:
            self.u_trans.append(self.aev(t, a, "reject", False, state=a.state, reason="active"))
            return
        if a.state == "latched_unack":
            self.u_trans.append(self.aev(t, a, "reject", False, state=a.state, reason="unacked"))
            return
        self.note_link(a)
        a.state = "normal"
        self.u_trans.append(self.aev(t, a, "reset", False, state="normal"))

    def note_link(self, a):
        if a.cls == "fire":
            for z in self.zones:
                if a.point.id in z.members:
                    self.u_link_src[z.id] = a.point.id

    def cmd_shelve(self, t, a, line):
        if a.profile == "fire" or a.cls == "fire":
            self.u_trans.append(self.aev(t, a, "reject", False, state=a.state,
                                         reason="not_shelvable"))
            return
        if line.get("one_shot"):
            arg = ("one_shot",)
        else:
            d = float(line["duration_s"])
            dus = to_us(d) if abs(d) < 1e12 else None
            if dus is None or dus <= 0 or dus > self.max_shelve or d > 1e9:
                self.u_trans.append(self.aev(t, a, "reject", False, state=a.state,
                                             reason="shelve_time"))
                return
            arg = ("timed", t + dus)
        self.enter_overlay(t, a, "shelved", arg)

    def cmd_unshelve(self, t, a, line):
        if a.shelved is None:
            return
        self.exit_overlay(t, a, "shelved")

    def cmd_disable(self, t, a, line):
        if a.disabled is not None:
            return
        self.enter_overlay(t, a, "disabled")

    def cmd_enable(self, t, a, line):
        if a.disabled is None:
            return
        self.exit_overlay(t, a, "disabled")

    def cmd_out_of_service(self, t, a, line):
        if a.oos:
            return
        self.enter_overlay(t, a, "oos")

    def cmd_return_to_service(self, t, a, line):
        if not a.oos:
            return
        self.exit_overlay(t, a, "oos")

    # ---------------------------------------------------------------- derived
    def holds_fire(self, p):
        if any(z.fire_state != "normal" and p.id in z.joined for z in self.zones if z.dep_w > 0):
            return True
        return any(a.cls == "fire" and not a.overlaid() and a.state in ACTIVE_STATES
                   for a in p.alarms)

    def derive_linkage(self, t):
        if not self.o_linkage:
            return
        for z in self.zones:
            if z.min <= 0:
                continue
            holds = {m: self.holds_fire(self.pmap[m]) for m in z.members}
            changed = [m for m in z.members if holds[m] != z.prev.get(m, False)]
            z.prev = holds
            unit_src = None
            off_src = None
            u = self.u_link_src.get(z.id)
            if u is not None and u in z.members:
                # the latest member whose fire alarm changed state in this input
                unit_src = off_src = u
            elif changed:
                unit_src = off_src = changed[-1]
            n = sum(1 for m in z.members if holds[m])
            if not z.linkage and n >= z.min:
                z.linkage = True
                src = unit_src or z.members[0]
                self.u_link.append({"t": sec(t), "event": "linkage_on", "zone": z.id,
                                    "source": src})
            elif z.linkage and n < z.min and self.u_reset:
                named = [m for m in self.u_reset_named if m is None or m in z.members]
                if not named:
                    continue
                z.linkage = False
                src = off_src
                if src is None:
                    cand = [m for m in self.u_reset_named if m is not None and m in z.members]
                    if cand:
                        src = cand[-1]
                    else:
                        src = z.members[0]
                self.u_link.append({"t": sec(t), "event": "linkage_off", "zone": z.id,
                                    "source": src})

    def derive_buzzer(self, t):
        if self.u_fire_on and not self.buzzer:
            self.buzzer = True
            if self.o_buzzer:
                self.u_buz.append(self.ev(t, "buzzer_on"))
        elif self.buzzer and not any(a.cls == "fire" and not a.overlaid() and a.state in ACTIVE_STATES
                                     for a in self.all_alarms()) \
                and not any(z.fire_state != "normal" for z in self.zones):
            self.buzzer = False
            if self.o_buzzer:
                self.u_buz.append(self.ev(t, "buzzer_off"))

    # ---------------------------------------------------------------- timers
    def timers(self):
        """yield (key, action) for every pending timer."""
        res = []
        for p in self.points:
            d = p.stale_due()
            if d is not None:
                res.append(((d, PRIO["fault"], 0, p.id.encode(), b"", 0), ("stale", p)))
            for a in p.alarms:
                pr = PRIO[a.cls]
                if a.run is not None:
                    res.append(((a.run[2], pr, 0, p.id.encode(), a.id.encode(), 1), ("run", a)))
                if a.shelved is not None and a.shelved[0] == "timed":
                    res.append(((a.shelved[1], pr, 0, p.id.encode(), a.id.encode(), 2),
                                ("shelve", a)))
                if a.verify is not None and p.verification is not None:
                    ign, conf = p.verification
                    res.append(((a.verify + ign + conf, pr, 0, p.id.encode(), a.id.encode(), 3),
                                ("verify", a)))
                if self.ch_w > 0 and a.chatter:
                    res.append(((min(a.chatter) + self.ch_w, pr, 0, p.id.encode(),
                                 a.id.encode(), 4), ("chatter", a)))
        for z in self.zones:
            if z.window is not None:
                res.append(((z.window[1] + z.dep_w, PRIO["fire"], 1, z.id.encode(), b"FIRE", 5),
                            ("dep", z)))
        if self.fl_w > 0 and self.flood:
            # the flood age-out comes after every other timer due at the same instant (observed)
            res.append(((min(self.flood) + self.fl_w, 9, 9, b"", b"", 0), ("flood", None)))
        return res

    def fire_timers(self, T):
        while True:
            ts = [x for x in self.timers() if x[0][0] <= T]
            if not ts:
                return
            key, (kind, obj) = min(ts, key=lambda x: x[0])
            due = key[0]
            if kind == "stale":
                p = obj
                p.stale_fired = True
                self.cancel_runs(p, ("off",))
                self.fault_on(due, p, "comm_loss", None, "comm")
            elif kind == "run":
                a = obj
                k = a.run[0]
                a.run = None
                self.set_cond(due, a, k == "on")
            elif kind == "shelve":
                self.exit_overlay(due, obj, "shelved")
            elif kind == "verify":
                a = obj
                a.verify = None
                self.u_verify.append(self._aev(due, a, "verify_cancel", None))
            elif kind == "chatter":
                a = obj
                a.chatter = [x for x in a.chatter if due - self.ch_w < x]
                self.update_chatter(due, a)
            elif kind == "flood":
                self.flood = [x for x in self.flood if due - self.fl_w < x]
                self.update_flood(due)
            elif kind == "dep":
                z = obj
                m = z.window[0]
                z.window = None
                self.u_dep.append({"t": sec(due), "event": "dependency_timeout", "zone": z.id,
                                   "source": m})
            self.flush_unit(due)

    # ---------------------------------------------------------------- driver
    def feed(self, line):
        if "advance" in line:
            T = to_us(line["advance"])
            if self.now is None:
                self.start(T)
            self.fire_timers(T)
            self.now = max(self.now, T)
            return
        t = to_us(line["t"])
        if self.now is None:
            self.start(t)
        if line.get("command") != "restore":
            self.fire_timers(t)
        self.now = t
        if line.get("command") == "snapshot":
            self.snap = copy.deepcopy(self.state_blob())
            return
        if line.get("command") == "restore":
            self.restore(copy.deepcopy(self.snap), t)
            return
        self.u_point = line.get("point")
        if "zone" in line:
            mem = self.zmap[line["zone"]].members
            self.u_point = [p.id for p in self.points if p.id in mem][-1]
        if "command" in line:
            self.command(t, line)
        else:
            p = self.pmap[line["point"]]
            if "state" in line:
                self.condition(t, p, line["state"])
            elif "status" in line:
                self.status(t, p, line["status"])
            else:
                self.sample(t, p, line)
        self.flush_unit(t)

    def start(self, t):
        self.now = t
        for p in self.points:
            p.resume = t

    def state_blob(self):
        return {"points": self.points, "zones": self.zones, "buzzer": self.buzzer,
                "flood": self.flood, "flooding": self.flooding}

    def restore(self, blob, t):
        self.points = blob["points"]
        self.pmap = {p.id: p for p in self.points}
        self.zones = blob["zones"]
        self.zmap = {z.id: z for z in self.zones}
        self.buzzer = blob["buzzer"]
        self.flood = blob["flood"]
        self.flooding = blob["flooding"]
        for p in self.points:
            p.resume = t
            p.stale_fired = False

    def summary(self):
        items = []
        for p in self.points:
            for a in p.alarms:
                if a.disabled is not None:
                    items.append(((PRIO["disablement"], a.disabled, p.idx, a.idx),
                                  {"point": p.id, "alarm": a.id, "class": "disablement",
                                   "since": sec(a.disabled)}))
                elif not a.overlaid() and a.state in ACTIVE_STATES:
                    items.append(((PRIO[a.cls], a.since, p.idx, a.idx),
                                  {"point": p.id, "alarm": a.id, "class": a.cls,
                                   "state": a.state, "since": sec(a.since)}))
            if p.fault is not None:
                items.append(((PRIO["fault"], p.fault[1], p.idx, 10 ** 6),
                              {"point": p.id, "class": "fault", "reason": p.fault[0],
                               "since": sec(p.fault[1])}))
        for z in self.zones:
            if z.fire_state != "normal":
                items.append(((PRIO["fire"], z.since, len(self.points) + z.idx, 0),
                              {"zone": z.id, "alarm": "FIRE", "class": "fire",
                               "state": z.fire_state, "since": sec(z.since)}))
        items.sort(key=lambda x: x[0])
        active = [x[1] for x in items]
        panel = "normal"
        if items:
            panel = [k for k, v in PRIO.items() if v == items[0][0][0]][0]
        return {"summary": {"panel": panel, "active": active}}


def run(rules, lines):
    eng = Engine(rules)
    for line in lines:
        eng.feed(line)
    return eng.out + [eng.summary()]


def fmt_num(x):
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return int(x)
    return x


def dumps(d):
    def conv(o):
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        if isinstance(o, list):
            return [conv(v) for v in o]
        if isinstance(o, float):
            return fmt_num(o)
        return o
    return json.dumps(conv(d), separators=(",", ":"))


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", required=True)
    ap.add_argument("--input", required=True)
    args = ap.parse_args(argv)
    with open(args.rules) as f:
        rules = json.load(f)
    with open(args.input) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    try:
        res = run(rules, lines)
    except Unsupported as e:
        print("unsupported:", e, file=sys.stderr)
        return 3
    for d in res:
        print(dumps(d))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
