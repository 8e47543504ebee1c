#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpus of fuzz_alarm_rules.cpp into corpus/alarm_rules/.

Input format: the rules' JSON text, then optionally a NUL byte and a program for the engine
(one byte per operation, its kind modulo 8, then its argument bytes; see the comment at the top
of fuzz_alarm_rules.cpp). The seeds are valid rule files that together use every key and every
enumeration value of protocols/alarm-rules.schema.json (and the examples in
protocols/alarm-rules/examples/), some with programs, plus edge cases: escapes, integral reals,
-0, extreme numbers, the limits of ids and counts, deep nesting, long arrays, and refusals of
every kind. Run once after changing the input format:
    python3 tests/fuzz/make_alarm_rules_seeds.py
Files named crash_* in the directory are reproducers of defects the fuzzer found; this script
leaves them alone.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "corpus", "alarm_rules")

# Operations of the program (fuzz_alarm_rules.cpp).
SAMPLE, CONDITION, STATUS, RAW, ADVANCE, COMMAND, WAIT, SNAPSHOT = range(8)
# Command kinds (firebus::alarm::command_kind).
ACK, RESET, SILENCE, SHELVE, UNSHELVE, DISABLE, ENABLE, OOS, RTS = range(9)
# steps[] indices: 0, 1 µs, 1 s, 10 s, 60 s, 600 s, 1e9 s, next_due().
S0, S1US, S1, S10, S60, S600, SHUGE, SDUE = range(8)


def dump(doc, indent=None):
    return json.dumps(doc, indent=indent, ensure_ascii=False).encode("utf-8")


def with_program(text, program):
    return text + b"\x00" + bytes(program)


STATE_FIRE = {"id": "FIRE", "type": "state", "class": "fire", "profile": "fire"}

# Every key of the schema, every enumeration value.
FULL = {
    "$schema": "alarm-rules.schema.json",
    "version": 1,
    "max_shelve_s": 3600,
    "chatter": {"window_s": 60, "count": 3},
    "flood": {"window_s": 600, "on": 11, "off": 4},
    "outputs": {"buzzer": True, "linkage": True, "commands": True},
    "points": [
        {"id": "RC1", "unit": "mA", "range": [0, 3000], "raw_4_20mA": [0, 1600], "stale_s": 180,
         "suppressed_by": "TEST", "verification": {"ignore_s": 20, "confirm_s": 60},
         "alarms": [
             {"id": "PRE", "type": "high", "setpoint": 240, "deadband": 10, "on_delay_s": 5,
              "off_delay_s": 3, "class": "pre_alarm", "profile": "isa", "latch": False},
             {"id": "ALM", "type": "high", "setpoint": 300, "class": "fire", "profile": "fire"},
             {"id": "LOW", "type": "low", "setpoint": 10, "deadband": 5, "on_delay_s": 2,
              "class": "supervisory", "profile": "isa", "latch": True},
             {"id": "ROR", "type": "rate_of_rise", "rate_per_min": 10, "window_s": 60,
              "max_reference_age_s": 90, "class": "fire", "profile": "fire"},
             {"id": "FLT", "type": "low", "setpoint": 1, "class": "fault"},
             STATE_FIRE]},
        {"id": "TEST", "alarms": [{"id": "SUP", "type": "state", "class": "supervisory"}]},
        {"id": "SD1", "stale_s": 60, "alarms": [STATE_FIRE]},
        {"id": "SD2", "verification": {"confirm_s": 30}, "alarms": [STATE_FIRE]},
        {"id": "SD3", "alarms": [STATE_FIRE]},
        {"id": "SD4", "stale_s": 30, "verification": {"ignore_s": 5, "confirm_s": 10},
         "alarms": [STATE_FIRE]},
        {"id": "MCP1", "alarms": [STATE_FIRE]},
        {"id": "HD1", "unit": "°C", "range": [-20, 150],
         "alarms": [{"id": "ROR", "type": "rate_of_rise", "rate_per_minute": 8, "window_s": 30}]},
        {"id": "LVL", "unit": "%", "range": [-100, 100], "raw_4_20mA": [100, -100],
         "suppressed_by": "SD1", "stale_s": 0,
         "alarms": [{"id": "LL", "type": "low", "setpoint": -5, "deadband": 2, "off_delay_s": 4,
                     "class": "pre_alarm"}]},
    ],
    "zones": [
        {"id": "Z1", "members": ["SD2", "RC1", "SD1"], "linkage_min_devices": 2},
        {"id": "Z2", "members": ["SD3", "SD4", "MCP1"], "dependency_window_s": 300,
         "manual_call_points": ["MCP1"], "linkage_min_devices": 2},
        {"id": "Z3", "members": ["SD3", "SD2"], "linkage_min_devices": 1},
        {"id": "Z4", "members": ["LVL", "TEST"]},
    ],
}

# Point indices of FULL.
RC1, TEST, SD1, SD2, SD3, SD4, MCP1, HD1, LVL = range(9)

FULL_PROGRAM = [
    # The fire of SD3 and MCP1 in the dependency zone, SD1 and SD2 in the linkage zone.
    CONDITION, SD3, 1, ADVANCE, S10, CONDITION, MCP1, 1, CONDITION, SD1, 1,
    CONDITION, SD2, 1, ADVANCE, S60, CONDITION, SD2, 1, ADVANCE, SDUE,
    # RC1 across its limits (values 128+: next to the setpoints of the rules' alarms).
    SAMPLE, RC1, 128, ADVANCE, S10, SAMPLE, RC1, 129, SAMPLE, RC1, 7, ADVANCE, S10,
    SAMPLE, RC1, 8, ADVANCE, S1, RAW, RC1, 1, RAW, RC1, 3, RAW, RC1, 4, RAW, LVL, 2,
    RAW, SD1, 0, SAMPLE, 9, 0,  # no raw mapping; an unknown point
    SAMPLE, RC1, 13, SAMPLE, RC1, 11, SAMPLE, HD1, 6, ADVANCE, S10, SAMPLE, HD1, 7,
    STATUS, SD4, 1, STATUS, SD4, 2, STATUS, SD4, 0, SAMPLE, TEST, 1, SAMPLE, LVL, 140,
    SNAPSHOT,
    COMMAND, ACK, 0, 0, 0, COMMAND, SILENCE, 0, 0, 0, COMMAND, RESET, 0, 0, 0,
    COMMAND, SHELVE, 2, 1, 2, COMMAND, SHELVE, 2, 0, 1, COMMAND, UNSHELVE, 2, 0, 0,
    COMMAND, DISABLE, 1, 2, 0, COMMAND, ENABLE, 1, 2, 0, COMMAND, OOS, 3, 1, 0,
    COMMAND, RTS, 3, 1, 0, COMMAND, RESET, 4, 1, 0, COMMAND, ACK, 4, 3, 0,
    ADVANCE, S600, ADVANCE, SDUE, WAIT, S600, ADVANCE, SHUGE, SNAPSHOT,
]


# Times that round to 0 µs or 1 µs in the engine, where validate() only wants them ≥ 0 or > 0.
SUB_MICROSECOND = {
    "version": 1, "max_shelve_s": 1e-7, "chatter": {"window_s": 1e-7, "count": 1},
    "flood": {"window_s": 4e-7, "on": 1, "off": 0},
    "outputs": {"buzzer": True, "linkage": True, "commands": True},
    "points": [
        {"id": "A", "stale_s": 1e-7, "verification": {"ignore_s": 1e-7, "confirm_s": 1e-9},
         "alarms": [STATE_FIRE,
                    {"id": "R", "type": "rate_of_rise", "rate_per_min": 1e-300, "window_s": 1e-9,
                     "max_reference_age_s": 1e-7, "class": "supervisory", "on_delay_s": 1e-7,
                     "off_delay_s": 4e-7}]},
        {"id": "B", "alarms": [{"id": "H", "type": "high", "setpoint": 1, "deadband": 1e308,
                                "on_delay_s": 1e-7, "class": "pre_alarm", "latch": True}]}],
    "zones": [{"id": "Z", "members": ["A", "B"], "dependency_window_s": 1e-7,
               "linkage_min_devices": 1, "manual_call_points": ["B"]}],
}


# Numbers: integral reals, -0, exponents, extremes, times below a microsecond.
NUMBERS = (b'{"version": 1e0, "max_shelve_s": 1E9, "chatter": {"window_s": 1e-6,'
            b' "count": 1000.0}, "flood": {"window_s": 0.5, "on": 1e6, "off": 999999},'
            b' "points": [{"id": "P", "range": [-1.7976931348623157e308,'
            b' 1.7976931348623157e308], "raw_4_20mA": [-1e308, 1e308], "stale_s": 5e-324,'
            b' "alarms": [{"id": "A", "type": "high", "setpoint": -0.0, "deadband": 0.1,'
            b' "on_delay_s": 999999999.9999999, "off_delay_s": 1e-7},'
            b' {"id": "R", "type": "rate_of_rise", "rate_per_min": 4.9e-324,'
            b' "window_s": 1e-9, "max_reference_age_s": 1e9}]}],'
            b' "zones": [{"id": "Z", "members": ["P"], "linkage_min_devices": 1.0,'
            b' "dependency_window_s": 1e-7}]}')


def busy_program(points, rounds):
    program = []
    for i in range(rounds):
        program += [SAMPLE, i % points, 128 + i, CONDITION, i % points, i % 3,
                    ADVANCE, [S0, S1US, SDUE][i % 3], COMMAND, i % 9, i % 5, i, i % 4,
                    SAMPLE, (i + 1) % points, 3, STATUS, i % points, (i // 3) % 4, ADVANCE, S1US]
    return program + [SNAPSHOT]


def example(name):
    with open(os.path.join(ROOT, "protocols", "alarm-rules", "examples", name), "rb") as f:
        return f.read()


def nested(depth):
    return b'{"version": 1, "points": ' + b"[" * depth + b"]" * depth + b"}"


SEEDS = {
    # The examples of protocols/alarm-rules/examples/ as they are.
    "example_arc_fault": example("arc-fault.json"),
    "example_cable_temperature": example("cable-temperature.json"),
    "example_fire_zones": example("fire-zones.json"),
    "example_replay_contract": example("replay-contract.json"),
    "example_residual_current": example("residual-current.json"),
    # The whole schema, compact and indented, with and without a program.
    "full": dump(FULL),
    "full_indented": dump(FULL, indent=2),
    "full_program": with_program(dump(FULL), FULL_PROGRAM),
    "fire_zones_program": with_program(example("fire-zones.json"), [
        CONDITION, 0, 1, CONDITION, 1, 1, ADVANCE, S60, CONDITION, 2, 1, ADVANCE, S10,
        CONDITION, 3, 1, CONDITION, 5, 1, ADVANCE, S10, CONDITION, 5, 1, SAMPLE, 6, 200,
        ADVANCE, S10, SAMPLE, 6, 202, RAW, 8, 3, RAW, 8, 2, ADVANCE, S60, SNAPSHOT,
        COMMAND, RESET, 0, 0, 0, ADVANCE, SDUE, ADVANCE, SDUE, SNAPSHOT]),
    # The minimum, and defaults everywhere.
    "minimal": b'{"version": 1}',
    "minimal_program": with_program(b'{"version": 1}', [ADVANCE, S1, SAMPLE, 0, 0, COMMAND,
                                                        ACK, 0, 0, 0, SNAPSHOT]),
    "defaults": b'{"version": 1, "points": [{"id": "P", "alarms": [{"id": "A", "type": "low"}]}]}',
    "nulls": (b'{"$schema": "x", "version": 1.0, "chatter": {"window_s": 60, "count": 3.0},'
              b' "points": [{"id": "P", "range": null, "raw_4_20mA": null,'
              b' "suppressed_by": null, "verification": null, "alarms": []}], "zones": []}'),
    "empty_objects": (b'{"version": 1, "chatter": {}, "flood": {}, "outputs": {},'
                      b' "points": [{"id": "P"}], "zones": [{"id": "Z", "members": ["P"]}]}'),
    # The canonical form (to_json) of FULL's shape: every field, null for the absent ones.
    "canonical": (b'{\n  "version": 1,\n  "max_shelve_s": 0,\n  "chatter": {\n'
                  b'    "window_s": 0,\n    "count": 0\n  },\n  "flood": {\n    "window_s": 0,\n'
                  b'    "on": 0,\n    "off": 0\n  },\n  "outputs": {\n    "buzzer": false,\n'
                  b'    "linkage": false,\n    "commands": false\n  },\n  "points": [\n    {\n'
                  b'      "id": "T\\"1",\n      "unit": "\xc2\xb0C",\n'
                  b'      "range": [-40.5, 200],\n      "raw_4_20mA": null,\n'
                  b'      "stale_s": 0,\n      "suppressed_by": null,\n'
                  b'      "verification": null,\n      "alarms": [\n        {\n'
                  b'          "id": "ALM",\n          "type": "high",\n'
                  b'          "setpoint": 0.1,\n          "deadband": 0,\n'
                  b'          "on_delay_s": 0,\n          "off_delay_s": 0,\n'
                  b'          "rate_per_min": 0,\n          "window_s": 0,\n'
                  b'          "max_reference_age_s": 0,\n          "class": "fire",\n'
                  b'          "profile": "fire",\n          "latch": false\n        }\n'
                  b'      ]\n    }\n  ],\n  "zones": [\n    {\n      "id": "Z",\n'
                  b'      "members": ["T\\"1"],\n      "linkage_min_devices": 1,\n'
                  b'      "dependency_window_s": 0,\n      "manual_call_points": []\n'
                  b'    }\n  ]\n}\n'),
    # Strings: escapes, non-ASCII, the 128-byte id limit, a BOM.
    "escapes": ('{"version": 1, "points": [{"id": "\\u0050\\/\\"\\\\\\u00e9\\ud83d\\udd25",'
                ' "unit": "\\u0000\\b\\f\\n\\r\\t", "alarms": [{"id": "\u706b", "type": "state"}]},'
                ' {"id": "Q", "suppressed_by": "P/\\"\\\\\u00e9\U0001F525"}],'
                ' "zones": [{"id": "\\u005a",'
                ' "members": ["Q", "P\\u002f\\"\\\\\u00e9\U0001F525"]}]}'
                ).encode("utf-8"),
    "escaped_keys": (b'{"\\u0076ersion": 1, "points": [{"\\u0069d": "P", "alarms": [{"id": "A",'
                     b' "typ\\u0065": "high", "rate_per_minut\\u0065": 1}]}]}'),
    "id_128": dump({"version": 1, "points": [{"id": "x" * 128,
                                              "alarms": [{"id": "y" * 128, "type": "high"}]}],
                    "zones": [{"id": "z" * 128, "members": ["x" * 128]}]}),
    "id_129": dump({"version": 1, "points": [{"id": "x" * 129}]}),
    "id_control": b'{"version": 1, "points": [{"id": "a\\u007fb"}]}',
    "bom": b'\xef\xbb\xbf{"version": 1}',
    # Numbers: integral reals, -0, exponents, the limits of times and counts.
    "numbers": NUMBERS,
    "negative_zero": (b'{"version": 1, "points": [{"id": "P", "range": [-0.0, 1],'
                      b' "alarms": [{"id": "A", "type": "low", "setpoint": -0,'
                      b' "deadband": -0.0}]}]}'),
    "big_integers": (b'{"version": 1, "points": [{"id": "P", "alarms": [{"id": "A", "type": "high",'
                     b' "setpoint": 18446744073709551615}, {"id": "B", "type": "low",'
                     b' "setpoint": -9223372036854775808}, {"id": "C", "type": "high",'
                     b' "setpoint": 123456789012345678901234567890}]}]}'),
    "count_limits": (b'{"version": 1, "chatter": {"window_s": 0, "count": 2147483647},'
                     b' "flood": {"window_s": 0, "on": 2147483647, "off": 2147483647}}'),
    "time_over": b'{"version": 1, "max_shelve_s": 1000000000.0000001}',
    "count_over": b'{"version": 1, "chatter": {"count": 2147483648}}',
    "count_fraction": b'{"version": 1, "chatter": {"count": 2.5}}',
    "number_overflow": b'{"version": 1, "max_shelve_s": 1e999}',
    "version_float": b'{"version": 1.0000000000000002}',
    # The most alarms a point may have, and one more.
    "alarms_64": dump({"version": 1, "points": [{"id": "P", "alarms": [
        {"id": "A%d" % i, "type": ["high", "low", "state", "rate_of_rise"][i % 4],
         "setpoint": i, "rate_per_min": 1, "window_s": 1} for i in range(64)]}]}),
    "alarms_65": dump({"version": 1, "points": [{"id": "P", "alarms": [
        {"id": "A%d" % i, "type": "state"} for i in range(65)]}]}),
    "sub_microsecond_program": with_program(dump(SUB_MICROSECOND), busy_program(2, 40)),
    # Two points that suppress each other, in two zones, with a program.
    "mutual_suppression_program": with_program(dump({
        "version": 1, "max_shelve_s": 60, "outputs": {"buzzer": True, "linkage": True},
        "points": [{"id": "A", "suppressed_by": "B", "alarms": [
                       {"id": "H", "type": "high", "setpoint": 1, "class": "supervisory"}]},
                   {"id": "B", "suppressed_by": "A", "alarms": [
                       {"id": "H", "type": "high", "setpoint": 1, "class": "fire"}, STATE_FIRE]},
                   {"id": "C", "suppressed_by": "A", "alarms": [STATE_FIRE]}],
        "zones": [{"id": "Z1", "members": ["C", "A", "B"], "linkage_min_devices": 2},
                  {"id": "Z2", "members": ["B", "C"], "dependency_window_s": 30}]}),
        busy_program(3, 30)),
    "numbers_program": with_program(NUMBERS, busy_program(1, 20)),
    "many_points": with_program(dump({
        "version": 1, "points": [{"id": "P%d" % i, "stale_s": i} for i in range(200)],
        "zones": [{"id": "Z", "members": ["P%d" % i for i in range(200)],
                   "linkage_min_devices": 200, "dependency_window_s": 1,
                   "manual_call_points": ["P0", "P0", "P199"]}]}),
        [ADVANCE, S60, ADVANCE, SDUE, ADVANCE, S600, SNAPSHOT]),
    # Deep nesting: 64 levels are read, 65 refused.
    "nested_63": nested(63),
    "nested_64": nested(64),
    "long_array": b'{"version": 1, "points": [' + b",".join([b"[]"] * 1500) + b"]}",
    # Refusals of every kind (the fuzzer checks the path of each).
    "refused_syntax": b'{"version": 1,\n "points": [\n  {"id" "P"}]}',
    "refused_trailing": b'{"version": 1} x',
    "refused_comment": b'// c\n{"version": 1}',
    "refused_duplicate": b'{"version": 1, "points": [{"id": "P", "id": "Q"}]}',
    "refused_unknown_key": b'{"version": 1, "points": [{"id": "P", "alarms": [{"id": "A",'
                           b' "type": "high", "setpiont": 1}]}]}',
    "refused_missing": b'{"points": [{"id": "P"}]}',
    "refused_type": b'{"version": 1, "points": [{"id": "P", "alarms": [{"id": "A",'
                    b' "type": "high", "deadband": "5"}]}]}',
    "refused_enum": b'{"version": 1, "points": [{"id": "P", "alarms": [{"id": "A",'
                    b' "type": "high", "class": "alarm"}]}]}',
    "refused_both_rates": b'{"version": 1, "points": [{"id": "P", "alarms": [{"id": "A",'
                          b' "type": "rate_of_rise", "rate_per_min": 1, "rate_per_minute": 1,'
                          b' "window_s": 1}]}]}',
    "refused_rate_per_minute": b'{"version": 1, "points": [{"id": "P", "alarms": [{"id": "A",'
                               b' "type": "rate_of_rise", "rate_per_minute": -1,'
                               b' "window_s": 60}]}]}',
    "refused_chatter": b'{"version": 1, "chatter": {"window_s": 60}}',
    "refused_flood_off": b'{"version": 1, "flood": {"window_s": 60, "on": 3, "off": 3}}',
    "refused_range": b'{"version": 1, "points": [{"id": "P", "range": [5, 5]}]}',
    "refused_raw": b'{"version": 1, "points": [{"id": "P", "raw_4_20mA": [1, 1]}]}',
    "refused_self_suppression": b'{"version": 1, "points": [{"id": "P", "suppressed_by": "P"}]}',
    "refused_member": b'{"version": 1, "points": [{"id": "P"}], "zones": [{"id": "Z",'
                      b' "members": ["P", "P"]}]}',
    "refused_mcp": b'{"version": 1, "points": [{"id": "P"}, {"id": "Q"}], "zones": [{"id": "Z",'
                   b' "members": ["P"], "manual_call_points": ["Q"]}]}',
    "refused_linkage": b'{"version": 1, "points": [{"id": "P"}], "zones": [{"id": "Z",'
                       b' "members": ["P"], "linkage_min_devices": 2}]}',
    "refused_duplicate_zone": b'{"version": 1, "points": [{"id": "P"}], "zones": [{"id": "Z",'
                              b' "members": ["P"]}, {"id": "Z", "members": ["P"]}]}',
    "refused_not_object": b'[1, 2, 3]',
    "refused_empty": b"",
}


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):  # the generated seeds only
        if not name.startswith("crash_"):
            os.remove(os.path.join(OUT, name))
    for name, content in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(content)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")
