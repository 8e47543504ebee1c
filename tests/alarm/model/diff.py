#!/usr/bin/env python3
"""Differential check: random scenarios (gen.py) through the model (model.py) and the real
`firebus alarm replay --json`; a mismatch is shrunk to a minimal scenario and written to
FINDINGS/<name>/ (rules.json, input.jsonl, engine.jsonl, model.jsonl).

Usage: diff.py [--seeds N] [--start S] [--findings DIR] [--no-shrink] [--max-findings K]
Environment: FIREBUS_CLI (default build/examples/cli/firebus), FIREBUS_LD_LIBRARY_PATH.
Exit status 0 when every scenario matched, 1 otherwise.
"""
import argparse
import functools
import copy
import json
import os
import sys
import tempfile
import time

print = functools.partial(print, flush=True)  # noqa: A001

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402
import gen  # noqa: E402
import model  # noqa: E402


KNOWN: set[str] = set()  # engine deviations the model can emulate (model.COMPAT); none now


def compare(rules, inputs, tmpdir):
    """(mismatch index or None, engine lines, model lines); None index also when unsupported."""
    rp = os.path.join(tmpdir, "rules.json")
    ip = os.path.join(tmpdir, "input.jsonl")
    gen.write(rules, inputs, rp, ip)
    try:
        mo = common.run_model(copy.deepcopy(rules), copy.deepcopy(inputs))
    except model.Unsupported:
        return None, [], []
    en = common.run_engine(rp, ip)
    return common.first_diff(en, mo, rules), en, mo


def valid(rules, inputs):
    pids = {p["id"] for p in rules.get("points", [])}
    for p in rules.get("points", []):
        if p.get("suppressed_by") is not None and p["suppressed_by"] not in pids:
            return False
    for z in rules.get("zones", []):
        if not z["members"] or any(m not in pids for m in z["members"]):
            return False
        if any(m not in z["members"] for m in z.get("manual_call_points", [])):
            return False
        if z.get("linkage_min_devices", 0) > len(z["members"]):
            return False
    zids = {z["id"] for z in rules.get("zones", [])}
    snap = False
    for l in inputs:
        if "point" in l and l["point"] not in pids:
            return False
        if "zone" in l and l["zone"] not in zids:
            return False
        if "alarm" in l and "zone" in l:
            z = [z for z in rules["zones"] if z["id"] == l["zone"]][0]
            ids = {a["id"] for p in rules["points"] if p["id"] in z["members"] for a in p["alarms"]}
            if z.get("dependency_window_s"):
                ids.add("FIRE")
            if l["alarm"] not in ids:
                return False
        if "alarm" in l and "point" in l:
            p = [p for p in rules["points"] if p["id"] == l["point"]][0]
            if l["alarm"] not in [a["id"] for a in p["alarms"]]:
                return False
        if "raw" in l:
            p = [p for p in rules["points"] if p["id"] == l["point"]][0]
            if "raw_4_20mA" not in p:
                return False
        if l.get("command") == "snapshot":
            snap = True
        if l.get("command") == "restore" and not snap:
            return False
    if inputs and "advance" in inputs[0]:
        return False
    return True


def shrink(rules, inputs, tmpdir, budget=400):
    """Greedy delta debugging while a mismatch remains."""
    calls = [0]

    def bad(r, i):
        if not valid(r, i):
            return False
        calls[0] += 1
        if calls[0] > budget:
            return False
        idx, _, _ = compare(r, i, tmpdir)
        return idx is not None

    changed = True
    while changed:
        changed = False
        # drop chunks of input lines
        n = len(inputs)
        chunk = max(1, n // 2)
        while chunk >= 1:
            i = 0
            while i < len(inputs):
                cand = inputs[:i] + inputs[i + chunk:]
                if cand and bad(rules, cand):
                    inputs = cand
                    changed = True
                else:
                    i += chunk
            chunk //= 2
        # drop points, alarms, zones, options
        cands = []
        for pi, p in enumerate(rules.get("points", [])):
            cands.append(("point", pi))
            for ai in range(len(p.get("alarms", []))):
                cands.append(("alarm", pi, ai))
            for k in ("range", "raw_4_20mA", "stale_s", "suppressed_by", "verification"):
                if k in p:
                    cands.append(("pkey", pi, k))
            for ai, a in enumerate(p.get("alarms", [])):
                for k in ("deadband", "on_delay_s", "off_delay_s", "latch", "max_reference_age_s",
                          "profile", "class"):
                    if k in a:
                        cands.append(("akey", pi, ai, k))
        for zi in range(len(rules.get("zones", []))):
            cands.append(("zone", zi))
        for k in ("chatter", "flood", "max_shelve_s"):
            if k in rules:
                cands.append(("rkey", k))
        for k in ("buzzer", "linkage", "commands"):
            if k in rules.get("outputs", {}):
                cands.append(("out", k))
        for c in cands:
            r = copy.deepcopy(rules)
            i2 = inputs
            try:
                if c[0] == "point":
                    pid = r["points"][c[1]]["id"]
                    del r["points"][c[1]]
                    i2 = [l for l in inputs if l.get("point") != pid]
                    for z in r.get("zones", []):
                        z["members"] = [m for m in z["members"] if m != pid]
                    r["zones"] = [z for z in r.get("zones", []) if z["members"]]
                    for z in r.get("zones", []):
                        z["linkage_min_devices"] = min(z.get("linkage_min_devices", 0), len(z["members"]))
                    if not r["zones"]:
                        del r["zones"]
                        i2 = [l for l in i2 if "zone" not in l]
                    for p in r["points"]:
                        if p.get("suppressed_by") == pid:
                            del p["suppressed_by"]
                elif c[0] == "alarm":
                    p = r["points"][c[1]]
                    aid = p["alarms"][c[2]]["id"]
                    del p["alarms"][c[2]]
                    i2 = [l for l in inputs if not (l.get("point") == p["id"] and l.get("alarm") == aid)]
                elif c[0] == "pkey":
                    del r["points"][c[1]][c[2]]
                    if c[2] == "raw_4_20mA":
                        pid = r["points"][c[1]]["id"]
                        i2 = [l for l in inputs if not (l.get("point") == pid and "raw" in l)]
                elif c[0] == "akey":
                    del r["points"][c[1]]["alarms"][c[2]][c[3]]
                elif c[0] == "zone":
                    del r["zones"][c[1]]
                    if not r["zones"]:
                        del r["zones"]
                    i2 = [l for l in inputs if "zone" not in l]
                elif c[0] == "rkey":
                    del r[c[1]]
                elif c[0] == "out":
                    del r["outputs"][c[1]]
            except (IndexError, KeyError):
                continue
            if i2 and bad(r, i2):
                rules, inputs = r, i2
                changed = True
                break
    return rules, inputs


def save(findings, name, rules, inputs, en, mo):
    d = os.path.join(findings, name)
    os.makedirs(d, exist_ok=True)
    gen.write(rules, inputs, os.path.join(d, "rules.json"), os.path.join(d, "input.jsonl"))
    with open(os.path.join(d, "engine.jsonl"), "w") as f:
        for l in en:
            f.write(common.dumps(l) + "\n")
    with open(os.path.join(d, "model.jsonl"), "w") as f:
        for l in mo:
            f.write(common.dumps(l) + "\n")
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--findings", default="alarm-model-findings")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--max-findings", type=int, default=5)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--strict", action="store_true", help="do not emulate known findings")
    ap.add_argument("--no-cases", action="store_true",
                    help="skip the saved minimal scenarios in cases/ (past mismatches)")
    args = ap.parse_args()
    if not args.strict:
        model.COMPAT.update(KNOWN)
    t0 = time.time()
    nbad = 0
    nrun = 0
    with tempfile.TemporaryDirectory() as tmp:
        cdir = os.path.join(HERE, "cases")
        if not args.no_cases and os.path.isdir(cdir):
            for name in sorted(os.listdir(cdir)):
                with open(os.path.join(cdir, name, "rules.json")) as f:
                    rules = json.load(f)
                with open(os.path.join(cdir, name, "input.jsonl")) as f:
                    inputs = [json.loads(l) for l in f if l.strip()]
                idx, en, mo = compare(rules, inputs, tmp)
                nrun += 1
                if idx is not None:
                    nbad += 1
                    print("case %s: mismatch at line %d" % (name, idx))
                    print("  engine:", common.dumps(en[idx]) if idx < len(en) else None)
                    print("  model: ", common.dumps(mo[idx]) if idx < len(mo) else None)
        for seed in range(args.start, args.start + args.seeds):
            rules, inputs = gen.gen(seed)
            idx, en, mo = compare(rules, inputs, tmp)
            nrun += 1
            if idx is None:
                continue
            nbad += 1
            print("seed %d: mismatch at line %d" % (seed, idx))
            if args.no_shrink:
                continue
            r2, i2 = shrink(copy.deepcopy(rules), list(inputs), tmp)
            idx, en, mo = compare(r2, i2, tmp)
            d = save(args.findings, "seed%d" % seed, r2, i2, en, mo)
            if not args.quiet:
                print("  minimal scenario in", d)
                print("  rules:", json.dumps(r2))
                for l in i2:
                    print("  in:", json.dumps(l))
                if idx is not None:
                    print("  engine:", common.dumps(en[idx]) if idx < len(en) else None)
                    print("  model: ", common.dumps(mo[idx]) if idx < len(mo) else None)
            if nbad >= args.max_findings:
                break
    print("%d scenarios, %d mismatches, %.1f s" % (nrun, nbad, time.time() - t0))
    return 1 if nbad else 0


if __name__ == "__main__":
    sys.exit(main())
