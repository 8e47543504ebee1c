#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Runs one alarm acceptance scenario through the replay tool and compares its output.

Usage: run_scenario.py FIREBUS_CLI DIR NAME

Runs `FIREBUS_CLI alarm replay --rules DIR/NAME.rules.json --input DIR/NAME.input.jsonl --json`
and compares its output with DIR/NAME.expected.jsonl, line by line: line i of the output must be
the same JSON value as line i of the expectation (objects compared as objects, so key order does
not matter; numbers compared as numbers, so 18 == 18.0). Blank lines are ignored on both sides.

Exit status: 0 the output matches (and the tool exited 0); 1 a mismatch, a line that is not
JSON, or the tool failed; 2 usage error or a scenario file is missing.
"""

import difflib
import json
import math
import subprocess
import sys
from pathlib import Path

TIMEOUT_S = 60


def normalize(value):
    """The value with integral floats turned into ints (so 18.0 and 18 print alike)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value == math.floor(value) and abs(value) < 2**63:
            return int(value)
        return value
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    return value


def canonical(value):
    """One line: keys sorted, no spaces, numbers normalized. Equal lines mean equal values."""
    return json.dumps(normalize(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_lines(text, origin):
    """Canonical form of each non-blank line; a line that is not JSON is kept, marked."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(canonical(json.loads(line)))
        except ValueError as e:
            out.append(f"<not JSON ({origin} line {number}: {e})> {line}")
    return out


def main(argv):
    if len(argv) != 4:
        print("usage: run_scenario.py FIREBUS_CLI DIR NAME", file=sys.stderr)
        return 2
    cli, directory, name = argv[1], Path(argv[2]), argv[3]
    rules = directory / f"{name}.rules.json"
    inputs = directory / f"{name}.input.jsonl"
    expected_path = directory / f"{name}.expected.jsonl"
    for path in (rules, inputs, expected_path):
        if not path.is_file():
            print(f"run_scenario: missing {path}", file=sys.stderr)
            return 2

    command = [cli, "alarm", "replay", "--rules", str(rules), "--input", str(inputs), "--json"]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    except FileNotFoundError:
        print(f"run_scenario: cannot run {cli}", file=sys.stderr)
        return 1
    except subprocess.TimeoutExpired:
        print(f"run_scenario: {name}: the replay tool did not finish in {TIMEOUT_S} s", file=sys.stderr)
        return 1

    expected = canonical_lines(expected_path.read_text(encoding="utf-8"), "expected")
    actual = canonical_lines(proc.stdout, "output")
    ok = expected == actual and proc.returncode == 0

    if ok:
        print(f"{name}: ok ({len(actual)} lines)")
        return 0

    print(f"{name}: FAILED")
    print("command: " + " ".join(command))
    if proc.returncode != 0:
        print(f"exit status {proc.returncode} (expected 0: every scenario input is well-formed)")
    if proc.stderr.strip():
        print("stderr:")
        print(proc.stderr.rstrip())
    if expected != actual:
        for i, (e, a) in enumerate(zip(expected, actual), 1):
            if e != a:
                print(f"first difference at line {i}")
                break
        else:
            print(f"{len(expected)} lines expected, {len(actual)} produced")
        print("diff (canonical JSON: keys sorted, integral numbers without .0):")
        sys.stdout.writelines(
            line + "\n"
            for line in difflib.unified_diff(expected, actual, f"{name}.expected.jsonl", "replay --json",
                                             lineterm="", n=3))
        print("output as printed:")
        print(proc.stdout.rstrip() if proc.stdout.strip() else "(nothing)")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
