#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Checks that every alarm acceptance scenario in a directory is well-formed (no replay tool needed).

Usage: check_scenarios.py [DIR]        (DIR defaults to this script's directory)

For every NAME.input.jsonl: NAME.rules.json and NAME.expected.jsonl exist; every file parses;
every input line has a numeric `t` or is `{"advance": T}` and is a known kind of input; times never
go back; every expected event line has `t` and `event` first, then only documented keys, in the
documented order (t, event, point, zone, alarm, class, state, reason, value, delta_s, source,
command), with the fields its event needs; the last expected line is the summary and only it.
Exit status: 0 all well-formed, 1 a problem (each is printed), 2 usage error.
"""

import json
import math
import sys
from pathlib import Path

KEY_ORDER = ["t", "event", "point", "zone", "alarm", "class", "state", "reason", "value", "delta_s",
             "source", "command"]
CLASSES = {"fire", "supervisory", "pre_alarm", "fault"}
STATES = {"normal", "unack", "acked", "rtn_unack", "latched_unack", "latched_acked"}
REASONS = {"active", "unacked", "not_shelvable", "shelve_time", "invalid_value", "over_range",
           "under_range", "open_circuit", "short_circuit", "fault", "comm_loss", "ts_conflict",
           "out_of_order"}
ALARM_EVENTS = {"alarm_on", "alarm_off", "returned_latched", "ack", "reset", "reject", "shelve",
                "unshelve", "suppress", "unsuppress", "out_of_service_on", "out_of_service_off",
                "disable", "enable"}
# event -> (required keys, allowed keys) besides t and event
SHAPES = {e: ({"alarm", "class", "state"}, {"point", "zone", "alarm", "class", "state", "value",
                                            "reason", "source"}) for e in ALARM_EVENTS}
SHAPES.update({
    "fault_on": ({"point", "class", "reason"}, {"point", "class", "reason", "value"}),
    "fault_off": ({"point", "class", "reason"}, {"point", "class", "reason"}),
    "input_drop": ({"point", "reason", "value"}, {"point", "reason", "value"}),
    "clock_jump": ({"point", "delta_s"}, {"point", "delta_s"}),
    "chatter_on": ({"alarm", "class"}, {"point", "zone", "alarm", "class"}),
    "chatter_off": ({"alarm", "class"}, {"point", "zone", "alarm", "class"}),
    "flood_on": (set(), set()),
    "flood_off": (set(), set()),
    "buzzer_on": (set(), set()),
    "buzzer_off": (set(), set()),
    "linkage_on": ({"zone", "source"}, {"zone", "source"}),
    "linkage_off": ({"zone", "source"}, {"zone", "source"}),
    "dependency_first": ({"zone", "source"}, {"zone", "source"}),
    "dependency_timeout": ({"zone", "source"}, {"zone", "source"}),
    "verify_start": ({"point", "alarm", "class"}, {"point", "alarm", "class"}),
    "verify_cancel": ({"point", "alarm", "class"}, {"point", "alarm", "class"}),
    "command": ({"point", "alarm", "command"}, {"point", "alarm", "command"}),
})
COMMANDS = {"ack", "reset", "silence", "shelve", "unshelve", "disable", "enable", "out_of_service",
            "return_to_service", "snapshot", "restore"}
DEVICE_STATES = {"fire", "normal", "active"}
STATUSES = {"ok", "fault", "open_circuit", "short_circuit"}
NON_FINITE = {"NaN", "Infinity", "-Infinity"}


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_input(obj, where, problems):
    if not isinstance(obj, dict):
        problems.append(f"{where}: not an object")
        return None
    if "advance" in obj:
        if set(obj) != {"advance"} or not is_number(obj["advance"]):
            problems.append(f"{where}: an advance line is exactly {{\"advance\": T}}")
            return None
        return obj["advance"]
    if not is_number(obj.get("t")):
        problems.append(f"{where}: no numeric t and not an advance")
        return None
    if "command" in obj:
        c = obj["command"]
        if c not in COMMANDS:
            problems.append(f"{where}: unknown command {c!r}")
        if c == "shelve" and "duration_s" not in obj and obj.get("one_shot") is not True:
            problems.append(f"{where}: shelve needs duration_s or one_shot")
        if c in ("snapshot", "restore") and set(obj) != {"t", "command"}:
            problems.append(f"{where}: {c} takes no other field")
        if "point" in obj and "zone" in obj:
            problems.append(f"{where}: a command names a point or a zone, not both")
    elif "point" in obj:
        kinds = [k for k in ("value", "raw", "state", "status") if k in obj]
        if len(kinds) != 1:
            problems.append(f"{where}: a point input has exactly one of value, raw, state, status")
        elif kinds[0] in ("value", "raw"):
            v = obj[kinds[0]]
            if not (is_number(v) or (kinds[0] == "value" and v in NON_FINITE)):
                problems.append(f"{where}: {kinds[0]} must be a finite number or NaN/Infinity/-Infinity")
            if "ts" in obj and not is_number(obj["ts"]):
                problems.append(f"{where}: ts must be a number")
        elif kinds[0] == "state" and obj["state"] not in DEVICE_STATES:
            problems.append(f"{where}: unknown state {obj['state']!r}")
        elif kinds[0] == "status" and obj["status"] not in STATUSES:
            problems.append(f"{where}: unknown status {obj['status']!r}")
    else:
        problems.append(f"{where}: neither a sample, a condition, a status, a command nor an advance")
    return obj["t"]


def check_event(obj, where, problems):
    keys = list(obj)
    if keys[:2] != ["t", "event"]:
        problems.append(f"{where}: an event starts with t, event")
        return
    unknown = [k for k in keys if k not in KEY_ORDER]
    if unknown:
        problems.append(f"{where}: undocumented keys {unknown}")
        return
    if keys != sorted(keys, key=KEY_ORDER.index):
        problems.append(f"{where}: keys not in the documented order: {keys}")
    if not is_number(obj["t"]):
        problems.append(f"{where}: t must be a number")
    event = obj["event"]
    if event not in SHAPES:
        problems.append(f"{where}: unknown event {event!r}")
        return
    required, allowed = SHAPES[event]
    present = set(keys) - {"t", "event"}
    if not required <= present:
        problems.append(f"{where}: {event} lacks {sorted(required - present)}")
    if not present <= allowed:
        problems.append(f"{where}: {event} does not carry {sorted(present - allowed)}")
    if event in ALARM_EVENTS or event.startswith("chatter_"):
        if ("point" in obj) == ("zone" in obj):
            problems.append(f"{where}: {event} names exactly one of point, zone")
    if event == "reject" and "reason" not in obj:
        problems.append(f"{where}: reject carries a reason")
    if event in ALARM_EVENTS and event != "reject" and "reason" in obj:
        problems.append(f"{where}: only reject carries a reason among alarm events")
    if "source" in obj and event in ALARM_EVENTS and not (event == "alarm_on" and "zone" in obj):
        problems.append(f"{where}: source only on a zone's alarm_on")
    if "value" in obj and event in ALARM_EVENTS and event not in ("alarm_on", "alarm_off", "returned_latched"):
        problems.append(f"{where}: value only on alarm_on, alarm_off, returned_latched")
    if "class" in obj and obj["class"] not in CLASSES:
        problems.append(f"{where}: unknown class {obj['class']!r}")
    if event.startswith("fault_") and obj.get("class") != "fault":
        problems.append(f"{where}: a fault event has class \"fault\"")
    if "state" in obj and obj["state"] not in STATES:
        problems.append(f"{where}: unknown state {obj['state']!r}")
    if "reason" in obj and obj["reason"] not in REASONS:
        problems.append(f"{where}: unknown reason {obj['reason']!r}")
    if "command" in obj and obj["command"] != "reset_device":
        problems.append(f"{where}: command is \"reset_device\"")
    for k in ("value", "delta_s"):
        if k in obj and not is_number(obj[k]):
            problems.append(f"{where}: {k} must be a finite number")


def check_summary(obj, where, problems):
    s = obj.get("summary")
    if set(obj) != {"summary"} or not isinstance(s, dict) or set(s) != {"panel", "active"}:
        problems.append(f"{where}: the summary is {{\"summary\": {{\"panel\": ..., \"active\": [...]}}}}")
        return
    if s["panel"] not in CLASSES | {"disablement", "normal"}:
        problems.append(f"{where}: unknown panel {s['panel']!r}")
    order = ["fire", "supervisory", "pre_alarm", "fault", "disablement"]
    last = -1
    for i, e in enumerate(s["active"]):
        at = f"{where}: active[{i}]"
        if not isinstance(e, dict) or e.get("class") not in order:
            problems.append(f"{at}: an entry has a class among {order}")
            continue
        keys = set(e)
        if e["class"] == "disablement":
            shape = {"point", "alarm", "class", "since"}
        elif "reason" in e:
            shape = {"point", "class", "reason", "since"}
        else:
            shape = {"point" if "point" in e else "zone", "alarm", "class", "state", "since"}
        if keys != shape:
            problems.append(f"{at}: keys {sorted(keys)}, expected {sorted(shape)}")
        rank = order.index(e["class"])
        if rank < last:
            problems.append(f"{at}: not in class priority order")
        last = max(last, rank)
    panel = order[min((order.index(e.get("class")) for e in s["active"]
                       if isinstance(e, dict) and e.get("class") in order), default=len(order))] \
        if s["active"] else "normal"
    if s["panel"] != panel:
        problems.append(f"{where}: panel {s['panel']!r}, but the active list says {panel!r}")


def check_scenario(directory, name, problems):
    rules_path = directory / f"{name}.rules.json"
    input_path = directory / f"{name}.input.jsonl"
    expected_path = directory / f"{name}.expected.jsonl"
    for p in (rules_path, expected_path):
        if not p.is_file():
            problems.append(f"{name}: missing {p.name}")
            return
    try:
        rules = json.loads(rules_path.read_text(encoding="utf-8"))
        if not isinstance(rules, dict) or rules.get("version") != 1 or not isinstance(rules.get("points"), list):
            problems.append(f"{rules_path.name}: needs \"version\": 1 and a \"points\" list")
    except ValueError as e:
        problems.append(f"{rules_path.name}: not JSON: {e}")

    now = None
    lines = [l for l in input_path.read_text(encoding="utf-8").splitlines() if l.strip()]
    if not lines:
        problems.append(f"{input_path.name}: empty")
    for n, line in enumerate(lines, 1):
        where = f"{input_path.name}:{n}"
        try:
            t = check_input(json.loads(line), where, problems)
        except ValueError as e:
            problems.append(f"{where}: not JSON: {e}")
            continue
        if t is not None:
            if now is not None and t < now:
                problems.append(f"{where}: time goes back ({t} < {now})")
            now = t if now is None else max(now, t)

    lines = [l for l in expected_path.read_text(encoding="utf-8").splitlines() if l.strip()]
    if not lines:
        problems.append(f"{expected_path.name}: empty (the summary line at least)")
    for n, line in enumerate(lines, 1):
        where = f"{expected_path.name}:{n}"
        try:
            obj = json.loads(line)
        except ValueError as e:
            problems.append(f"{where}: not JSON: {e}")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{where}: not an object")
        elif n == len(lines):
            check_summary(obj, where, problems)
        elif "summary" in obj:
            problems.append(f"{where}: the summary is the last line only")
        else:
            check_event(obj, where, problems)


def main(argv):
    if len(argv) > 2:
        print("usage: check_scenarios.py [DIR]", file=sys.stderr)
        return 2
    directory = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parent
    names = sorted(p.name[: -len(".input.jsonl")] for p in directory.glob("*.input.jsonl"))
    problems = []
    if not names:
        problems.append(f"no *.input.jsonl in {directory}")
    for name in names:
        check_scenario(directory, name, problems)
    for suffix in (".rules.json", ".expected.jsonl"):
        for p in directory.glob("*" + suffix):
            if p.name[: -len(suffix)] not in names:
                problems.append(f"{p.name}: no matching .input.jsonl")
    for p in problems:
        print(p)
    print(f"check_scenarios: {len(names)} scenarios, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
