#!/usr/bin/env python3
"""Seeded random scenario generator for the alarm model (rules + inputs), within what model.py
covers, with adversarial timing: inputs at the same instant as timers, values exactly on limits
and deadband edges, delays cancelled at the last moment, faults during on-delays, acks / resets
in every state, out-of-order and duplicate time stamps, snapshot / restore.

Usage: gen.py SEED [--out DIR]  -> writes DIR/rules.json and DIR/input.jsonl (default: stdout).
"""
import json
import math
import random
import struct
import sys


def f32(x):
    """x rounded to the nearest float32 (inf when beyond its range)."""
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


TRICKY_SP = [300.1, 0.1, -0.1, 1e-7, 123456789.123, 1e39, -1e39, 3.4028235e38, 16777217.0,
             0.3, 2.5e-40, -300.1, 1e300]
TRICKY_DB = [0, 0.1, 1e-9, 0.30000000000000004, 1e-30]


def tricky_values(sp, db, typ):
    edge = sp - db if typ == "high" else sp + db
    out = []
    for x in (sp, edge):
        out += [x, math.nextafter(x, math.inf), math.nextafter(x, -math.inf)]
        y = f32(x)
        if math.isfinite(y):
            out += [y, math.nextafter(y, math.inf), math.nextafter(y, -math.inf)]
    out += [sp * 2 if sp > 0 else sp / 2, sp - abs(sp) - 1, 0.0]
    return [v for v in out if math.isfinite(v)]

CLASSES = ["fire", "supervisory", "pre_alarm", "fault"]


def gen(seed, features=None):
    rnd = random.Random(seed)
    F = dict(ror=True, verification=True, linkage=True, suppression=True, overlays=True,
             snapshot=True, status=True, stale=True, r10=True, raw=True, windows=True,
             state_status=True, dep_overlays=True)
    prof = seed % 5
    bad_rate = 0.25
    if prof == 1:    # life-cycle, delays and overlays: clean data
        F.update(stale=False, status=False, r10=False, raw=False)
        bad_rate = 0.03
    elif prof == 2:  # zones: detectors and call points
        F.update(r10=False)
        bad_rate = 0.05
    elif prof == 3:  # timing: delays, windows, staleness
        F.update(r10=False, raw=False)
        bad_rate = 0.08
    elif prof == 4:  # precision: setpoints and values not exact in float, ulps around limits
        F.update(r10=False, raw=False, ror=False, status=False, stale=False, windows=False,
                 verification=False, dependency=False)
        bad_rate = 0.03
    if features:
        F.update(features)
    rules = {"version": 1}
    if rnd.random() < 0.6:
        rules["max_shelve_s"] = rnd.choice([5, 10, 30])
    if F["windows"] and rnd.random() < 0.3:
        rules["chatter"] = {"window_s": rnd.choice([5, 10, 20]), "count": rnd.choice([1, 2, 3])}
    if F["windows"] and rnd.random() < 0.3:
        on = rnd.choice([1, 2, 3, 4])
        rules["flood"] = {"window_s": rnd.choice([5, 10, 20]), "on": on,
                          "off": rnd.randrange(0, on)}
    outputs = {}
    for k in ("buzzer", "linkage", "commands"):
        if rnd.random() < 0.6:
            outputs[k] = True
    if outputs:
        rules["outputs"] = outputs

    points = []
    npts = rnd.choice([2, 3, 3, 4, 5] if prof == 2 else [1, 1, 2, 2, 3, 4])
    kinds = []
    for i in range(npts):
        pid = rnd.choice(["P", "Q", "R", "S", "A", "B"]) + str(i)
        kind = rnd.choice(["value", "state", "state"] if prof == 2 else ["value", "value", "value", "state"])
        kinds.append(kind)
        p = {"id": pid}
        alarms = []
        if kind == "value":
            if rnd.random() < 0.4 and prof != 4:
                p["range"] = [0, 1000]
            if F["raw"] and rnd.random() < 0.3:
                p["raw_4_20mA"] = [0, 1600]
            for j in range(rnd.choice([1, 1, 2, 3])):
                typ = rnd.choice(["high", "high", "low"] + (["rate_of_rise"] if F["ror"] else []))
                a = {"id": "A%d" % j, "type": typ}
                if typ in ("high", "low") and prof == 4:
                    a["setpoint"] = rnd.choice(TRICKY_SP)
                    if rnd.random() < 0.6:
                        a["deadband"] = rnd.choice(TRICKY_DB)
                    if rnd.random() < 0.3:
                        a["on_delay_s"] = rnd.choice([1, 2])
                    if rnd.random() < 0.3:
                        a["off_delay_s"] = rnd.choice([1, 2])
                elif typ in ("high", "low"):
                    a["setpoint"] = rnd.choice([300, 400, 500]) if typ == "high" else rnd.choice([100, 200])
                    if rnd.random() < 0.6:
                        a["deadband"] = rnd.choice([0, 10, 20])
                    if rnd.random() < 0.5:
                        a["on_delay_s"] = rnd.choice([1, 2, 3, 5])
                    if rnd.random() < 0.4:
                        a["off_delay_s"] = rnd.choice([1, 2, 3, 5])
                else:
                    a["rate_per_min"] = rnd.choice([60, 120, 600])
                    a["window_s"] = rnd.choice([3, 5, 10])
                    if rnd.random() < 0.5:
                        a["max_reference_age_s"] = rnd.choice([5, 10, 20])
                    if rnd.random() < 0.3:
                        a["on_delay_s"] = rnd.choice([1, 2, 3])
                    if rnd.random() < 0.3:
                        a["off_delay_s"] = rnd.choice([1, 2, 3])
                if rnd.random() < 0.9:
                    a["class"] = rnd.choice(CLASSES)
                if rnd.random() < 0.8:
                    a["profile"] = rnd.choice(["isa", "fire"])
                if rnd.random() < 0.3:
                    a["latch"] = rnd.random() < 0.6
                alarms.append(a)
        else:
            for j in range(rnd.choice([1, 1, 2])):
                a = {"id": "S%d" % j, "type": "state"}
                if rnd.random() < 0.9:
                    a["class"] = rnd.choice(CLASSES)
                if rnd.random() < 0.8:
                    a["profile"] = rnd.choice(["isa", "fire"])
                if rnd.random() < 0.3:
                    a["latch"] = rnd.random() < 0.6
                alarms.append(a)
            if F["verification"] and rnd.random() < 0.3:
                p["verification"] = {"ignore_s": rnd.choice([0, 2, 3]), "confirm_s": rnd.choice([2, 4, 6])}
        if F["stale"] and rnd.random() < 0.35:
            p["stale_s"] = rnd.choice([3, 5, 8])
        p["alarms"] = alarms
        points.append(p)
    # suppression: a value point suppresses another point
    if F["suppression"] and npts >= 2 and rnd.random() < 0.3:
        i, j = rnd.sample(range(npts), 2)
        if kinds[i] == "value":
            points[j]["suppressed_by"] = points[i]["id"]
    rules["points"] = points
    zones = []
    if F["linkage"] and npts >= 2 and rnd.random() < (0.8 if prof == 2 else 0.4):
        mem = rnd.sample([p["id"] for p in points], rnd.randint(2, npts))
        zones.append({"id": "Z1", "members": mem, "linkage_min_devices": rnd.randint(1, len(mem))})
    dep_members = set()
    if F.get("dependency", True) and npts >= 2 and rnd.random() < (0.7 if prof == 2 else 0.35):
        mem = rnd.sample([p["id"] for p in points], rnd.randint(2, npts))
        z = {"id": "Z2", "members": mem, "dependency_window_s": rnd.choice([3, 5, 10])}
        if rnd.random() < 0.4:
            z["manual_call_points"] = [rnd.choice(mem)]
        if rnd.random() < 0.3:
            z["linkage_min_devices"] = rnd.randint(1, len(mem))
        zones.append(z)
        dep_members = set(mem)
        rules.pop("chatter", None)
        for p in points:
            if p["id"] in dep_members:
                p.pop("suppressed_by", None)
    if zones:
        rules["zones"] = zones

    # ------------------------------------------------------------------ inputs
    def interesting_values(p):
        vals = [0, 50, 1000]
        if prof == 4:
            for a in p["alarms"]:
                if a["type"] in ("high", "low"):
                    vals += tricky_values(a["setpoint"], a.get("deadband", 0), a["type"])
            return vals
        for a in p["alarms"]:
            if a["type"] in ("high", "low"):
                sp = a["setpoint"]
                db = a.get("deadband", 0)
                if a["type"] == "high":
                    vals += [sp, sp - 0.5, sp + 0.5, sp - db, sp - db - 0.5, sp + 50, sp - 100]
                else:
                    vals += [sp, sp + 0.5, sp - 0.5, sp + db, sp + db + 0.5, sp - 50, sp + 100]
        return vals

    inputs = []
    t = 0.0
    n = rnd.randint(4, 28)
    pts = points
    last_ts = {}
    last_sample_t = {}
    snap = False
    horizon_delays = [1, 2, 3, 5, 8]
    # durations that make timers: an input landing exactly on one is the adversarial case
    durs = set([1, 2, 3, 5])
    for p in points:
        if p.get("stale_s"):
            durs.add(p["stale_s"])
        if p.get("verification"):
            durs.add(p["verification"]["ignore_s"])
            durs.add(p["verification"]["ignore_s"] + p["verification"]["confirm_s"])
        for a in p["alarms"]:
            for k in ("on_delay_s", "off_delay_s", "window_s"):
                if a.get(k):
                    durs.add(a[k])
    for z in zones:
        if z.get("dependency_window_s"):
            durs.add(z["dependency_window_s"])
    for k in ("chatter", "flood"):
        if k in rules:
            durs.add(rules[k]["window_s"])
    durs.discard(0)
    marks = []
    if prof == 3:
        n = rnd.randint(10, 40)
    for k in range(n):
        r = rnd.random()
        if k > 0:
            fut = [m for m in marks if m >= t]
            if fut and rnd.random() < 0.35:
                t = rnd.choice(fut)
            elif r < 0.3:
                pass
            elif r < 0.8:
                if prof == 3 and rnd.random() < 0.3:
                    # decimal times: the engine rounds t to microseconds
                    t = round(t + rnd.choice([0.1, 0.2, 0.3, 0.7, 1e-6, 0.1 + 0.2]), 7)
                else:
                    t += rnd.choice([0.5, 1, 1, 2, 2, 3, 5])
            else:
                t += rnd.choice(horizon_delays) + rnd.choice([0, 0, 0.5])
        marks = [m for m in marks if m >= t][-30:] + [t + d for d in durs]
        ti = int(t) if float(t).is_integer() else t
        p = rnd.choice(pts)
        kind = kinds[pts.index(p)]
        x = rnd.random()
        line = None
        if kind == "value" and x < 0.55:
            if last_sample_t.get(p["id"]) == t and rnd.random() < 0.8:
                # mostly avoid a second sample at the same instant (R10 would drop it)
                t += rnd.choice([0.5, 1])
                ti = int(t) if float(t).is_integer() else t
            last_sample_t[p["id"]] = t
            line = {"t": ti, "point": p["id"]}
            y = rnd.random()
            if "raw_4_20mA" in p and y < 0.3:
                line["raw"] = rnd.choice([3.5, 3.6, 4, 8, 12, 15, 20, 21, 21.5])
            elif y < 0.3 + bad_rate and y >= 0.3 or ("raw_4_20mA" not in p and y < bad_rate):
                line["value"] = rnd.choice(["NaN", "Infinity", "-Infinity", -1, 1000.5, 5000])
            else:
                line["value"] = rnd.choice(interesting_values(p))
            if F["r10"] and rnd.random() < 0.25:
                base = last_ts.get(p["id"], t)
                line["ts"] = rnd.choice([base, base - 1, base + 1, t + 301, t - 301, t + 300, t - 300, base + 300.5, t + 400, t])
            if F["r10"] and rnd.random() < 0.1 and inputs:
                # exact duplicate of the previous line at the same or a later time
                prev = inputs[-1]
                if "point" in prev and ("value" in prev or "raw" in prev):
                    line = dict(prev)
                    line["t"] = ti
            if "ts" in line:
                last_ts[line["point"]] = line["ts"]
        elif kind == "state" and x < 0.55:
            line = {"t": ti, "point": p["id"], "state": rnd.choice(["fire", "normal", "active", "fire", "normal"])}
        elif x < 0.62 and F["status"] and (kind == "value" or F["state_status"]):
            line = {"t": ti, "point": p["id"], "status": rnd.choice(["ok", "ok", "fault", "open_circuit", "short_circuit"])}
        elif x < 0.9:
            cmd = rnd.choice(["ack", "ack", "reset", "reset", "silence"] +
                             (["shelve", "shelve", "unshelve", "disable", "enable", "out_of_service",
                               "return_to_service"] if F["overlays"] else []))
            overlay = cmd not in ("ack", "reset", "silence")
            if overlay and p["id"] in dep_members and not F.get("dep_overlays"):
                cmd = rnd.choice(["ack", "reset"])
                overlay = False
            line = {"t": ti, "command": cmd}
            if cmd in ("ack", "reset") and rnd.random() < 0.2:
                pass  # panel-wide
            elif cmd != "silence":
                zchoice = [z["id"] for z in zones if not (overlay and dep_members)]
                if zchoice and rnd.random() < 0.2:
                    line["zone"] = rnd.choice(zchoice)
                    zz = [z for z in zones if z["id"] == line["zone"]][0]
                    ids = sorted({a["id"] for q in points if q["id"] in zz["members"] for a in q["alarms"]})
                    if zz.get("dependency_window_s"):
                        ids.append("FIRE")
                    if ids and rnd.random() < 0.3:
                        line["alarm"] = rnd.choice(ids)
                else:
                    line["point"] = p["id"]
                if rnd.random() < 0.6 and p["alarms"] and "zone" not in line:
                    line["alarm"] = rnd.choice(p["alarms"])["id"]
                if cmd == "shelve":
                    if rnd.random() < 0.4:
                        line["one_shot"] = True
                    else:
                        line["duration_s"] = rnd.choice([-1, 0, 1, 2, 3, 5, 10, 11, 30])
        elif x < 0.95:
            line = {"advance": t + rnd.choice([0, 1, 2, 3, 5, 10])}
            t = line["advance"]
            line["advance"] = int(t) if float(t).is_integer() else t
        elif F["snapshot"]:
            if snap and rnd.random() < 0.5:
                line = {"t": ti, "command": "restore"}
            else:
                line = {"t": ti, "command": "snapshot"}
                snap = True
        if line is not None:
            if not inputs and "advance" in line:
                continue
            inputs.append(line)
    inputs.append({"advance": (int(t) if float(t).is_integer() else t) + rnd.choice([5, 20, 60])})
    return rules, inputs


def write(rules, inputs, rules_path, input_path):
    with open(rules_path, "w") as f:
        json.dump(rules, f)
    with open(input_path, "w") as f:
        for l in inputs:
            f.write(json.dumps(l) + "\n")


if __name__ == "__main__":
    seed = int(sys.argv[1])
    rules, inputs = gen(seed)
    if "--out" in sys.argv:
        import os
        d = sys.argv[sys.argv.index("--out") + 1]
        os.makedirs(d, exist_ok=True)
        write(rules, inputs, os.path.join(d, "rules.json"), os.path.join(d, "input.jsonl"))
    else:
        print(json.dumps(rules))
        for l in inputs:
            print(json.dumps(l))
