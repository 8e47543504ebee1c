"""Shared helpers: running the real tool and the model, canonical comparison."""
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model  # noqa: E402

# The CLI: FIREBUS_CLI (CTest sets it), else the default build's.
FIREBUS = os.environ.get("FIREBUS_CLI") or os.path.join(
    HERE, "..", "..", "..", "build", "examples", "cli", "firebus")
FIREBUS_LD = os.environ.get("FIREBUS_LD_LIBRARY_PATH", os.path.dirname(FIREBUS))


def canon(o):
    """Numbers to floats rounded to 1e-6 relative, for comparison."""
    if isinstance(o, dict):
        return {k: canon(v) for k, v in o.items()}
    if isinstance(o, list):
        return [canon(v) for v in o]
    if isinstance(o, bool) or o is None or isinstance(o, str):
        return o
    if isinstance(o, (int, float)):
        x = float(o)
        if x == 0 or not math.isfinite(x):
            return x
        return float("%.9g" % x)
    return o


def run_engine(rules_path, input_path, timeout=30):
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = FIREBUS_LD
    r = subprocess.run([FIREBUS, "alarm", "replay", "--rules", rules_path, "--input", input_path,
                        "--json"], capture_output=True, text=True, env=env, timeout=timeout)
    lines = []
    for l in r.stdout.splitlines():
        l = l.strip()
        if l:
            try:
                lines.append(json.loads(l))
            except ValueError:
                lines.append({"unparsed": l})
    if r.returncode != 0:
        lines.append({"exit": r.returncode, "stderr": r.stderr.strip()[-300:]})
    return lines


def run_model(rules, inputs):
    return model.run(rules, inputs)


# Fields left out of the comparison (known unpredictable from the docs, see the report):
#   the source of linkage events when one input changes several members at once (dependency
#   zone raised or reset): not predictable from the docs
IGNORE = {("linkage_off", "source"), ("linkage_on", "source")}


def strip(o, ignore):
    o = canon(o)
    if isinstance(o, dict) and "event" in o:
        o = {k: v for k, v in o.items() if (o["event"], k) not in ignore}
    return o


def first_diff(a, b, rules=None):
    """Index of the first differing line (None: same). With rules, the IGNORE fields are left
    out when the rules have a dependency zone."""
    ignore = set()
    if rules is not None and any(z.get("dependency_window_s") for z in rules.get("zones", [])):
        ignore = IGNORE
    ca, cb = [strip(x, ignore) for x in a], [strip(x, ignore) for x in b]
    n = max(len(ca), len(cb))
    for i in range(n):
        x = ca[i] if i < len(ca) else None
        y = cb[i] if i < len(cb) else None
        if x != y:
            return i
    return None


def dumps(d):
    return model.dumps(d)
