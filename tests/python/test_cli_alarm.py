# firebus — fire-safety IoT SDK.
"""`firebus alarm replay`, run as a user runs it: arguments, input lines, output formats, exit
statuses. These are tests of the TOOL (the replay contract of the alarm semantics and
protocols/alarm-rules.md); the engine's semantics are tested by the scenario files.

Also checks the rules schema (protocols/alarm-rules.schema.json) and its example files: every
example validates against the schema and loads in the tool.

The binary comes from FIREBUS_CLI (CTest sets it to the in-tree build); without it the tool
tests are skipped.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from json_schema_lite import schema_errors

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "protocols" / "alarm-rules.schema.json"
EXAMPLES = sorted((ROOT / "protocols" / "alarm-rules" / "examples").glob("*.json"))
CLI = os.environ.get("FIREBUS_CLI", "")
needs_cli = pytest.mark.skipif(not CLI, reason="FIREBUS_CLI is not set (built in examples/cli)")

RULES = {
    "version": 1,
    "points": [
        {"id": "RC1", "unit": "mA", "range": [0, 3000], "raw_4_20mA": [0, 1600], "stale_s": 100,
         "alarms": [{"id": "ALM", "type": "high", "setpoint": 300, "deadband": 10,
                     "class": "fire", "profile": "fire"}]},
        {"id": "SD1", "alarms": [{"id": "FIRE", "type": "state", "class": "fire",
                                  "profile": "fire"}]},
    ],
}

SCENARIO = [
    {"t": 0, "point": "RC1", "value": 100},
    {"t": 18, "point": "RC1", "value": 305},
    {"t": 20, "point": "SD1", "state": "fire"},
    {"t": 30, "command": "ack", "point": "RC1", "alarm": "ALM"},
]

SCENARIO_JSON = [
    '{"t":18,"event":"alarm_on","point":"RC1","alarm":"ALM","class":"fire","state":"unack",'
    '"value":305}',
    '{"t":20,"event":"alarm_on","point":"SD1","alarm":"FIRE","class":"fire","state":"unack"}',
    '{"t":30,"event":"ack","point":"RC1","alarm":"ALM","class":"fire","state":"acked"}',
    '{"summary":{"panel":"fire","active":['
    '{"point":"RC1","alarm":"ALM","class":"fire","state":"acked","since":18},'
    '{"point":"SD1","alarm":"FIRE","class":"fire","state":"unack","since":20}]}}',
]

SCENARIO_TEXT = [
    "18 alarm_on RC1/ALM fire unack value=305",
    "20 alarm_on SD1/FIRE fire unack",
    "30 ack RC1/ALM fire acked",
    "panel: fire",
    "active:",
    "  RC1/ALM fire acked since=18",
    "  SD1/FIRE fire unack since=20",
]


def run(*args, stdin=b""):
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    p = subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=120)
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {args}"
    return p


def jsonl(lines):
    return "".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines)


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES), encoding="utf-8")
    return str(path)


def replay(rules_path, lines, *extra, input_name=None, tmp_path=None):
    """Runs replay with `lines` on stdin (or in a file when input_name is given)."""
    text = jsonl(lines) if isinstance(lines, list) else lines
    if input_name is not None:
        path = tmp_path / input_name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return run("alarm", "replay", "--rules", rules_path, "--input", str(path), *extra)
    return run("alarm", "replay", "--rules", rules_path, "--input", "-", *extra, stdin=text)


def out_lines(p):
    return p.stdout.decode("utf-8").splitlines()


# --- usage -------------------------------------------------------------------------------------

@needs_cli
def test_help_lists_the_alarm_area_and_its_usage():
    p = run("help")
    assert p.returncode == 0
    assert re.search(r"^  alarm ", p.stdout.decode(), re.M)
    for args in (("help", "alarm"), ("alarm", "help"), ("alarm", "--help"),
                 ("alarm", "replay", "--help")):
        p = run(*args)
        assert p.returncode == 0, args
        assert b"usage: firebus alarm replay --rules RULES.json --input INPUT.jsonl [--json]" \
            in p.stdout, args
        assert p.stderr == b""


@needs_cli
@pytest.mark.parametrize("args, message", [
    ((), b"usage: firebus alarm replay"),
    (("frobnicate",), b"unknown command 'frobnicate'"),
    (("replay",), b"--rules is required"),
    (("replay", "--rules", "r.json"), b"--input is required"),
    (("replay", "--input", "-"), b"--rules is required"),
    (("replay", "--rules"), b"--rules needs a file name"),
    (("replay", "--rules", "r.json", "--input"), b"--input needs a file name"),
    (("replay", "--rules=", "--input", "-"), b"--rules needs a file name"),
    (("replay", "--rules", "a", "--rules", "b", "--input", "-"), b"--rules given twice"),
    (("replay", "--rules", "a", "--input", "-", "--input", "b"), b"--input given twice"),
    (("replay", "--rules", "a", "--input", "-", "--jsonl"), b"unknown option '--jsonl'"),
    (("replay", "--rules", "a", "--input", "-", "extra"), b"unexpected argument 'extra'"),
])
def test_usage_errors_exit_2_with_the_usage_on_stderr(args, message):
    p = run("alarm", *args)
    assert p.returncode == 2
    assert p.stdout == b""
    assert message in p.stderr
    assert b"usage: firebus alarm replay" in p.stderr


@needs_cli
def test_options_in_any_order_and_with_equals(rules):
    for args in (("--json", "--input", "-", "--rules", rules),
                 ("--rules=" + rules, "--input=-", "--json")):
        p = run("alarm", "replay", *args, stdin=jsonl(SCENARIO))
        assert p.returncode == 0, p.stderr
        assert out_lines(p) == SCENARIO_JSON


# --- rules ---------------------------------------------------------------------------------------

@needs_cli
def test_a_missing_rules_file_exits_2(tmp_path):
    missing = str(tmp_path / "nope.json")
    p = run("alarm", "replay", "--rules", missing, "--input", "-", stdin="")
    assert p.returncode == 2
    assert p.stdout == b""
    assert p.stderr.decode() == f"{missing}: cannot open the file: No such file or directory\n"


@needs_cli
@pytest.mark.parametrize("doc, message", [
    ({"version": 1, "points": [{"id": "P", "alarms": [{"id": "A", "type": "high",
                                                        "setpiont": 300}]}]},
     'points[0].alarms[0]: unknown key "setpiont"'),
    ({"version": 1, "points": [{"id": "P", "alarms": [{"id": "A", "type": "high",
                                                        "deadband": "5"}]}]},
     'points[0].alarms[0].deadband: expected a number ≥ 0, found "5"'),
    ({"version": 2}, "version: expected 1, found 2"),
    ({"version": 1, "zones": [{"id": "Z", "members": ["X"]}]},
     'zones[0].members[0]: unknown point "X"'),
])
def test_refused_rules_exit_2_with_the_loaders_message(tmp_path, doc, message):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    p = run("alarm", "replay", "--rules", str(path), "--input", "-",
            stdin=jsonl(SCENARIO))
    assert p.returncode == 2
    assert p.stdout == b""
    assert p.stderr.decode("utf-8") == f"{path}: {message}\n"


@needs_cli
def test_rules_syntax_errors_give_line_and_column(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text('{"version": 1,\n "points": [\n  {"id": "P",}]}', encoding="utf-8")
    p = run("alarm", "replay", "--rules", str(path), "--input", "-", stdin="")
    assert p.returncode == 2
    assert p.stderr.decode().startswith(f"{path}: invalid JSON at line 3, column 14: ")


# --- output --------------------------------------------------------------------------------------

@needs_cli
def test_json_output_is_one_event_per_line_then_the_summary(rules):
    p = replay(rules, SCENARIO, "--json")
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    assert out_lines(p) == SCENARIO_JSON


@needs_cli
def test_json_keys_come_in_the_contracts_order(rules):
    order = ["t", "event", "point", "zone", "alarm", "class", "state", "reason", "value",
             "delta_s", "source", "command"]
    lines = SCENARIO + [{"t": 40, "point": "RC1", "raw": 3.0}, {"advance": 500}]
    p = replay(rules, lines, "--json")
    assert p.returncode == 0, p.stderr
    events = [json.loads(l, object_pairs_hook=list) for l in out_lines(p)[:-1]]
    assert len(events) >= 4
    for pairs in events:
        keys = [k for k, _ in pairs]
        assert keys == sorted(keys, key=order.index), keys


@needs_cli
def test_text_output_is_readable_with_a_final_panel_and_active_list(rules):
    p = replay(rules, SCENARIO)
    assert p.returncode == 0, p.stderr
    assert out_lines(p) == SCENARIO_TEXT


@needs_cli
def test_an_empty_input_prints_only_the_summary(rules):
    p = replay(rules, "", "--json")
    assert p.returncode == 0
    assert out_lines(p) == ['{"summary":{"panel":"normal","active":[]}}']
    p = replay(rules, "\n\n   \n")
    assert p.returncode == 0
    assert out_lines(p) == ["panel: normal", "active: none"]


@needs_cli
def test_numbers_print_in_their_shortest_exact_form(rules):
    lines = [{"t": 0.5, "point": "RC1", "value": 100},
             {"t": 1.25, "point": "RC1", "value": 300.125},
             {"t": 2, "point": "RC1", "value": 1e3}]
    p = replay(rules, lines, "--json")
    assert p.returncode == 0, p.stderr
    first = out_lines(p)[0]
    assert first.startswith('{"t":1.25,"event":"alarm_on",')
    assert first.endswith(',"value":300.125}')
    assert '"since":1.25' in out_lines(p)[-1]
    p = replay(rules, lines)
    assert out_lines(p)[0] == "1.25 alarm_on RC1/ALM fire unack value=300.125"


@needs_cli
def test_raw_readings_ts_and_non_finite_values_are_accepted(rules):
    lines = [{"t": 0, "point": "RC1", "raw": 4},
             {"t": 1, "point": "RC1", "raw": 12, "ts": 1},        # 800 mA
             {"t": 2, "point": "RC1", "value": "NaN"},
             {"t": 3, "point": "RC1", "value": "Infinity", "ts": 3},
             {"t": 4, "point": "RC1", "value": "-Infinity"}]
    p = replay(rules, lines, "--json")
    assert p.returncode == 0, p.stderr
    events = [json.loads(l) for l in out_lines(p)[:-1]]
    assert events[0]["event"] == "alarm_on" and events[0]["value"] == 800
    assert events[1] == {"t": 2, "event": "fault_on", "point": "RC1", "class": "fault",
                         "reason": "invalid_value"}
    summary = json.loads(out_lines(p)[-1])["summary"]
    assert summary["panel"] == "fire"
    assert {"point": "RC1", "class": "fault", "reason": "invalid_value", "since": 2} \
        in summary["active"]


@needs_cli
def test_ids_are_escaped_in_json_output(tmp_path):
    doc = {"version": 1, "points": [{"id": 'R"1\\烟感', "alarms": [
        {"id": "A/B", "type": "high", "setpoint": 1}]}]}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    p = replay(str(path), [{"t": 0, "point": 'R"1\\烟感', "value": 2}], "--json")
    assert p.returncode == 0, p.stderr
    lines = out_lines(p)
    assert json.loads(lines[0])["point"] == 'R"1\\烟感'
    assert json.loads(lines[-1])["summary"]["active"][0]["alarm"] == "A/B"


@needs_cli
def test_advance_lets_timers_fire(rules):
    p = replay(rules, [{"t": 0, "point": "RC1", "value": 1}, {"advance": 99.999999}], "--json")
    assert out_lines(p) == ['{"summary":{"panel":"normal","active":[]}}']
    p = replay(rules, [{"t": 0, "point": "RC1", "value": 1}, {"advance": 100}], "--json")
    assert p.returncode == 0, p.stderr
    assert out_lines(p)[0] == \
        '{"t":100,"event":"fault_on","point":"RC1","class":"fault","reason":"comm_loss"}'


@needs_cli
def test_snapshot_and_restore_carry_the_state_into_a_new_engine(rules):
    lines = SCENARIO[:3] + [{"t": 21, "command": "snapshot"},
                            {"t": 22, "command": "ack"},
                            {"t": 40, "command": "restore"}]
    p = replay(rules, lines, "--json")
    assert p.returncode == 0, p.stderr
    out = out_lines(p)
    assert sum('"event":"ack"' in l for l in out) == 2  # the ack at 22 acks both alarms
    active = json.loads(out[-1])["summary"]["active"]
    # The restored engine has the state of t=21: both alarms unacknowledged again.
    assert [(a["point"], a["state"]) for a in active] == [("RC1", "unack"), ("SD1", "unack")]


@needs_cli
def test_the_same_input_from_a_file_and_from_stdin(rules, tmp_path):
    a = replay(rules, SCENARIO, "--json", input_name="in.jsonl", tmp_path=tmp_path)
    b = replay(rules, SCENARIO, "--json")
    assert a.returncode == b.returncode == 0
    assert a.stdout == b.stdout


@needs_cli
def test_crlf_line_ends_and_a_missing_final_line_break(rules):
    text = jsonl(SCENARIO).replace("\n", "\r\n").rstrip("\r\n")
    p = replay(rules, text, "--json")
    assert p.returncode == 0, p.stderr
    assert out_lines(p) == SCENARIO_JSON


@needs_cli
def test_a_long_input_streams(rules):
    lines = []
    for i in range(20000):
        lines.append({"t": i, "point": "RC1", "value": 305 if i % 2 else 100})
        if i % 2 == 0 and i:
            lines.append({"t": i, "command": "reset", "point": "RC1"})
    p = replay(rules, lines, "--json")
    assert p.returncode == 0, p.stderr
    out = out_lines(p)
    assert sum('"event":"alarm_on"' in l for l in out) == 10000
    assert out[-1].startswith('{"summary":')


# --- bad input lines -----------------------------------------------------------------------------

BAD_LINES = [
    ("not json", "invalid JSON at column 2: syntax error while parsing value"),
    ('{"t":1,"point":"RC1","value":1', "invalid JSON at column "),
    ("[1,2]", "expected a JSON object, found [1,2]"),
    ('{"point":"RC1","value":1}', 'missing "t"'),
    ('{"t":"1","point":"RC1","value":1}', 't: expected a number of seconds, found "1"'),
    ('{"t":1e300,"point":"RC1","value":1}', "t: expected a number of seconds"),
    ('{"t":1,"point":"RC1","value":1,"colour":"red"}', 'unknown key "colour"'),
    ('{"t":1,"point":"RC1","value":1,"value":2}', 'duplicate key "value"'),
    ('{"t":1,"point":"RC9","value":1}', 'unknown point "RC9"'),
    ('{"t":1,"point":7,"value":1}', "point: expected a string, found 7"),
    ('{"t":1,"point":"RC1","value":"high"}',
     'value: expected a number, "NaN", "Infinity" or "-Infinity", found "high"'),
    ('{"t":1,"point":"RC1","value":true}', "value: expected a number"),
    ('{"t":1,"point":"RC1","ts":"x","value":1}', 'ts: expected a number of seconds, found "x"'),
    ('{"t":1,"point":"RC1"}', 'needs "value", "raw", "state" or "status"'),
    ('{"t":1,"point":"RC1","value":1,"state":"fire"}', '"value" and "state" in one line'),
    ('{"t":1,"point":"SD1","state":"smoke"}',
     'state: expected one of "normal", "fire" or "active", found "smoke"'),
    ('{"t":1,"point":"SD1","state":"fire","ts":1}',
     'key "ts" does not apply to a "state" line'),
    ('{"t":1,"point":"RC1","status":"broken"}',
     'status: expected one of "ok", "fault", "open_circuit" or "short_circuit", found "broken"'),
    ('{"t":1,"point":"SD1","raw":12}', 'point "SD1" has no raw_4_20mA mapping'),
    ('{"t":1}', 'expected "point", "command" or "advance"'),
    ('{"t":1,"command":"frobnicate"}', 'command: expected one of "ack", "reset", '),
    ('{"t":1,"command":7}', "command: expected a string, found 7"),
    ('{"t":1,"command":"ack","point":"RC9"}', 'unknown point "RC9"'),
    ('{"t":1,"command":"ack","zone":"Z9"}', 'unknown zone "Z9"'),
    ('{"t":1,"command":"ack","point":"RC1","alarm":"NOPE"}',
     'unknown alarm "NOPE" in point "RC1"'),
    ('{"t":1,"command":"disable"}', '"disable" needs a "point" or a "zone"'),
    ('{"t":1,"command":"shelve","point":"RC1"}', 'shelve needs "duration_s" or "one_shot": true'),
    ('{"t":1,"command":"shelve","point":"RC1","duration_s":"60"}',
     'duration_s: expected a number of seconds, found "60"'),
    ('{"t":1,"command":"shelve","point":"RC1","one_shot":1}',
     "one_shot: expected true or false, found 1"),
    ('{"t":1,"command":"ack","duration_s":60}',
     'key "duration_s" does not apply to the "ack" command'),
    ('{"t":1,"command":"snapshot","point":"RC1"}',
     'key "point" does not apply to the "snapshot" command'),
    ('{"t":1,"command":"restore"}', "restore without a snapshot before it"),
    ('{"advance":"soon"}', 'advance: expected a number of seconds, found "soon"'),
    ('{"advance":5,"t":5}', 'key "t" does not apply to an "advance" line'),
    ('{"t":0.5,"point":"RC1","value":1}', "t 0.5 is earlier than 1, the latest time so far"),
    ('{"advance":0}', "advance 0 is earlier than 1, the latest time so far"),
    # Beyond the engine's times (2^60 µs, 1.15e12 s) the line names its key, as any bad time.
    ('{"t":2e12,"point":"RC1","value":1}',
     "t: expected a number of seconds within ±1.15e12, found 2000000000000"),
    ('{"t":2,"point":"RC1","value":1,"ts":-2e12}',
     "ts: expected a number of seconds within ±1.15e12, found -2000000000000"),
    ('{"advance":2e12}', "advance: expected a number of seconds within ±1.15e12, found "),
]


@needs_cli
@pytest.mark.parametrize("bad, message", BAD_LINES)
def test_a_bad_line_stops_the_replay_with_its_line_number(rules, bad, message, tmp_path):
    # Lines 1-3 are good (3 is blank), the bad one is line 4; line 5 is never read.
    text = jsonl([{"t": 0, "point": "RC1", "value": 100}, {"t": 1, "point": "RC1", "value": 305},
                  "", bad, {"t": 2, "point": "SD1", "state": "fire"}])
    p = replay(rules, text, "--json", input_name="in.jsonl", tmp_path=tmp_path)
    assert p.returncode == 2
    # The events so far are printed, the summary is not.
    assert out_lines(p) == ['{"t":1,"event":"alarm_on","point":"RC1","alarm":"ALM",'
                            '"class":"fire","state":"unack","value":305}']
    err = p.stderr.decode("utf-8")
    assert err.startswith(f"{tmp_path / 'in.jsonl'}:4: "), err
    assert message in err, err
    assert err.count("\n") == 1


@needs_cli
def test_errors_on_stdin_are_named_stdin(rules):
    p = replay(rules, '{"t":0,"point":"RC1","value":1}\n{"t":1,"point":"X","value":1}\n')
    assert p.returncode == 2
    assert p.stderr == b'<stdin>:2: unknown point "X"\n'
    assert out_lines(p) == []  # text mode, no events, no summary


@needs_cli
def test_t_going_back_after_a_restore_is_refused(rules):
    lines = [{"t": 10, "point": "RC1", "value": 1}, {"t": 20, "command": "snapshot"},
             {"t": 30, "command": "restore"}, {"t": 25, "point": "RC1", "value": 1}]
    p = replay(rules, lines)
    assert p.returncode == 2
    assert p.stderr == b"<stdin>:4: t 25 is earlier than 30, the latest time so far\n"


@needs_cli
def test_a_missing_input_file_exits_2(rules, tmp_path):
    p = run("alarm", "replay", "--rules", rules, "--input", str(tmp_path / "none.jsonl"))
    assert p.returncode == 2
    assert p.stdout == b""
    assert b"cannot open" in p.stderr


@needs_cli
def test_an_overlong_line_is_refused(rules):
    text = '{"t":0,"point":"RC1","value":1}\n' + " " * (1024 * 1024 + 1) + "\n"
    p = replay(rules, text)
    assert p.returncode == 2
    assert p.stderr == b"<stdin>:2: line longer than 1048576 bytes\n"


# --- the schema and its examples -----------------------------------------------------------------

def load_schema():
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def test_the_schema_documents_every_field_with_a_default():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def walk(node, where):
        required = set(node.get("required", []))
        for key, sub in node.get("properties", {}).items():
            at = f"{where}.{key}"
            assert sub.get("description"), f"{at} has no description"
            if key not in required and key != "$schema":
                assert "default" in sub, f"{at} has no default"
            walk(sub, at)
        for key, sub in node.get("$defs", {}).items():
            walk(sub, f"$defs.{key}")

    walk(schema, "$")


def test_the_schema_accepts_the_contracts_example_and_refuses_typos():
    schema = load_schema()
    assert schema_errors(RULES, schema) == []
    bad = json.loads(json.dumps(RULES))
    bad["points"][0]["alarms"][0]["setpiont"] = 300
    assert schema_errors(bad, schema) == ["$.points[0].alarms[0]: unknown key setpiont"]
    bad = json.loads(json.dumps(RULES))
    bad["points"][0]["alarms"][0]["class"] = "Fire"
    assert schema_errors(bad, schema) != []
    assert schema_errors({"version": 1, "points": [{"id": "P", "alarms": [
        {"id": "R", "type": "rate_of_rise"}]}]}, schema) != []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates_against_the_schema(example):
    assert schema_errors(json.loads(example.read_text(encoding="utf-8")), load_schema()) == []


@needs_cli
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads_in_the_tool(example):
    p = run("alarm", "replay", "--rules", str(example), "--input", "-", "--json", stdin="")
    assert p.returncode == 0, p.stderr
    assert out_lines(p) == ['{"summary":{"panel":"normal","active":[]}}']


def test_there_are_examples_for_the_standards():
    names = {p.name for p in EXAMPLES}
    assert {"residual-current.json", "cable-temperature.json", "arc-fault.json"} <= names
