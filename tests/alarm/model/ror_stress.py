#!/usr/bin/env python3
"""Rate-of-rise beyond the engine's 256-entry history: long, dense sample streams.

docs/alarms.md ("Limits"): beyond 256 samples in a window the engine merges history entries;
"the engine can activate earlier than the semantics, never later, and returns no earlier; it
finds a reference exactly when the semantics does". This checks exactly that claim against the
model's unbounded history: for each scenario, the engine's alarm_on times must be <= the model's,
its return (returned_latched / alarm_off) times >= the model's, with the same number of cycles.

Usage: ror_stress.py [--seeds N] [--start S]
"""
import argparse
import os
import random
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402
import gen  # noqa: E402
import model  # noqa: E402


def scenario(seed):
    rnd = random.Random(seed)
    W = rnd.choice([300, 600, 900])
    rate = rnd.choice([1, 2, 5, 10])
    alarm = {"id": "ROR", "type": "rate_of_rise", "rate_per_min": rate, "window_s": W,
             "class": "supervisory", "profile": "isa"}
    if rnd.random() < 0.3:
        alarm["max_reference_age_s"] = rnd.choice([W, 2 * W])
    rules = {"version": 1, "points": [{"id": "T", "alarms": [alarm]}]}
    n = rnd.randint(600, 2500)
    t = 0.0
    v = 20.0
    inputs = []
    slope = 0.0
    for _ in range(n):
        t += rnd.choice([0.5, 1, 1, 1, 2, 3]) if rnd.random() < 0.97 else rnd.choice([30, 120])
        if rnd.random() < 0.01:
            slope = rnd.choice([0, 0, rate / 60 * rnd.choice([0.5, 0.9, 1.0, 1.1, 2]), -rate / 60])
        v += slope * 1 + rnd.gauss(0, rnd.choice([0, 0.05, 0.5, 2]))
        if rnd.random() < 0.005:
            v += rnd.choice([-30, 30, 100])
        inputs.append({"t": t, "point": "T", "value": round(v, 3)})
    inputs.append({"advance": t + 1})
    return rules, inputs


def transitions(lines):
    on, off = [], []
    for e in lines:
        if e.get("event") == "alarm_on":
            on.append(e["t"])
        elif e.get("event") in ("alarm_off", "returned_latched"):
            off.append(e["t"])
    return on, off


def intervals(on, off):
    res = []
    for i, a in enumerate(on):
        later = [b for b in off if b >= a]
        res.append((a, later[0] if later else float("inf")))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--start", type=int, default=0)
    args = ap.parse_args()
    t0 = time.time()
    bad = exact = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.start, args.start + args.seeds):
            rules, inputs = scenario(seed)
            rp, ip = os.path.join(tmp, "r.json"), os.path.join(tmp, "i.jsonl")
            gen.write(rules, inputs, rp, ip)
            en = common.run_engine(rp, ip, timeout=120)
            mo = model.run(rules, inputs)
            if common.first_diff(en, mo) is None:
                exact += 1
                continue
            eon, eoff = transitions(en)
            mon, moff = transitions(mo)
            # the documented bound: whenever the model (the semantics) is active, the engine is
            # active too, within one activation that started no later and returns no earlier
            problems = []
            ei = intervals(eon, eoff)
            for (a, b) in intervals(mon, moff):
                if not any(x <= a and y >= b for (x, y) in ei):
                    problems.append("model active [%s, %s) not covered by the engine" % (a, b))
            print("seed %d: differs (engine on %s off %s / model on %s off %s)%s" % (
                seed, eon[:4], eoff[:4], mon[:4], moff[:4],
                (" PROBLEM: " + "; ".join(problems)) if problems else " (allowed: earlier)"))
            if problems:
                bad += 1
                d = os.path.join("alarm-model-findings", "ror%d" % seed)
                os.makedirs(d, exist_ok=True)
                gen.write(rules, inputs, os.path.join(d, "rules.json"), os.path.join(d, "input.jsonl"))
                with open(os.path.join(d, "engine.jsonl"), "w") as f:
                    f.writelines(common.dumps(x) + "\n" for x in en)
                with open(os.path.join(d, "model.jsonl"), "w") as f:
                    f.writelines(common.dumps(x) + "\n" for x in mo)
    print("%d scenarios, %d identical, %d violating the documented bound, %.1f s" % (
        args.seeds, exact, bad, time.time() - t0))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
