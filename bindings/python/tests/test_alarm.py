# firebus — fire-safety IoT SDK.
"""Tests of firebus.alarm: the rules and their JSON loader, the engine, the numpy batch path,
the replay helper against every scenario of tests/alarm/, and the CSV replay example."""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from racing import run_racing

import firebus
from firebus import alarm
from firebus.alarm import (
    AlarmEvent,
    AlarmRule,
    ChatterRule,
    Command,
    CommandKind,
    DeviceCondition,
    DeviceStatus,
    Engine,
    Errc,
    FloodRule,
    OutputRule,
    PointRule,
    Profile,
    RuleType,
    Rules,
    VerificationRule,
    ZoneRule,
)

try:
    import numpy as np
except ImportError:  # the batch path needs numpy; everything else runs without it
    np = None

needs_numpy = pytest.mark.skipif(np is None, reason="numpy is not installed")

ROOT = Path(os.environ.get("FIREBUS_SOURCE_DIR", Path(__file__).resolve().parents[3]))
SCENARIOS = ROOT / "tests" / "alarm"
SCENARIO_NAMES = sorted(p.name[: -len(".input.jsonl")] for p in SCENARIOS.glob("*.input.jsonl"))
EXAMPLE = ROOT / "examples" / "python" / "replay_csv_plot.py"

# Core enum values (firebus.core's IntEnum classes when bound; the values are the C++ ones).
FIRE, PRE_ALARM, NONE_CLASS = 5, 3, 0
UNACK, NORMAL, LATCHED_UNACK, RTN_UNACK = 1, 0, 4, 3

SPEC_RULES: dict[str, Any] = {
    "version": 1,
    "max_shelve_s": 3600,
    "outputs": {"buzzer": True},
    "points": [
        {
            "id": "RC1",
            "unit": "mA",
            "range": [0, 3000],
            "raw_4_20mA": [0, 1600],
            "alarms": [
                {"id": "PRE", "type": "high", "setpoint": 240, "deadband": 10,
                 "class": "pre_alarm", "profile": "isa"},
                {"id": "ALM", "type": "high", "setpoint": 300, "class": "fire", "profile": "fire"},
            ],
        },
        {"id": "RC2", "unit": "mA",
         "alarms": [{"id": "PRE", "type": "high", "setpoint": 240, "class": "pre_alarm"}]},
        {"id": "SD1", "alarms": [{"id": "FIRE", "type": "state", "profile": "fire"}]},
    ],
    "zones": [{"id": "Z1", "members": ["SD1", "RC2"]}],
}


def spec_engine() -> Engine:
    return Engine(SPEC_RULES)


def kinds(events: list[AlarmEvent]) -> list[str]:
    return [e.event for e in events]


# --- enums ---------------------------------------------------------------------------------------


def test_enums_are_int_enums_named_as_in_cpp() -> None:
    import enum

    assert issubclass(RuleType, enum.IntEnum)
    assert [m.name for m in RuleType] == ["high", "low", "rate_of_rise", "state"]
    assert [m.name for m in Profile] == ["isa", "fire"]
    assert [m.name for m in DeviceCondition] == ["normal", "fire", "active"]
    assert [m.name for m in DeviceStatus] == ["ok", "fault", "open_circuit", "short_circuit"]
    assert [m.name for m in CommandKind] == [
        "ack", "reset", "silence", "shelve", "unshelve", "disable", "enable",
        "out_of_service", "return_to_service"]
    assert Errc.invalid_rules == 1 and Errc.snapshot_mismatch == 11
    assert RuleType.__module__ == "firebus.alarm"
    assert alarm.NPOS == 0xFFFFFFFF and alarm.RULES_VERSION == 1


# --- rules ---------------------------------------------------------------------------------------


def test_rules_built_in_code_validate_and_round_trip() -> None:
    a = AlarmRule(id="ALM", type=RuleType.high, setpoint=300, profile=Profile.fire)
    p = PointRule(id="RC1", unit="mA", range=(0, 3000), alarms=[a])
    r = Rules(max_shelve_s=600, points=[p])
    alarm.validate(r)
    assert r.points[0].alarms[0].setpoint == 300
    # Lists are real Python lists: mutation in place is seen.
    r.points.append(PointRule(id="RC2", alarms=[AlarmRule(id="PRE", setpoint=240)]))
    r.points[0].alarms[0].setpoint = 310
    d = r.to_dict()
    assert [q["id"] for q in d["points"]] == ["RC1", "RC2"]
    assert d["points"][0]["alarms"][0]["setpoint"] == 310
    assert d["points"][0]["range"] == [0, 3000]
    assert d["points"][1]["range"] is None
    again = Rules.from_dict(d)
    assert again == r
    assert Rules.from_json(r.to_json()) == r
    assert r.to_json().startswith("{\n  ")
    assert again.points[0].range == (0.0, 3000.0)


def test_rule_attributes_read_write() -> None:
    a = AlarmRule()
    assert (a.id, a.type, a.cls, a.profile, a.latch) == ("", RuleType.high, FIRE, Profile.isa, False)
    for name in ("setpoint", "deadband", "on_delay_s", "off_delay_s", "rate_per_min", "window_s",
                 "max_reference_age_s"):
        setattr(a, name, 1.5)
        assert getattr(a, name) == 1.5
    a.type = RuleType.rate_of_rise
    a.cls = PRE_ALARM
    a.latch = True
    assert a.type == RuleType.rate_of_rise and a.cls == PRE_ALARM and a.latch
    p = PointRule(id="X")
    p.verification = VerificationRule(ignore_s=20, confirm_s=60)
    p.verification.confirm_s = 30
    assert p.verification.confirm_s == 30
    p.verification = None
    assert p.verification is None
    p.raw_4_20mA = (0, 1600)
    p.stale_s = 180
    p.suppressed_by = "Y"
    assert (p.raw_4_20mA, p.stale_s, p.suppressed_by) == ((0.0, 1600.0), 180.0, "Y")
    z = ZoneRule(id="Z", members=["A", "B"], linkage_min_devices=2)
    z.members.append("C")
    z.manual_call_points = ["C"]
    z.dependency_window_s = 300
    assert z.members == ["A", "B", "C"] and z.manual_call_points == ["C"]
    r = Rules()
    r.chatter.window_s = 60
    r.chatter.count = 3
    r.flood = FloodRule(window_s=600, on=11, off=4)
    r.outputs.buzzer = True
    r.version = 1
    assert (r.chatter.window_s, r.flood.on, r.outputs.buzzer) == (60, 11, True)
    with pytest.raises(TypeError, match=r"alarms\[1\]: expected an AlarmRule, found int"):
        PointRule(alarms=[AlarmRule(), 5])
    with pytest.raises(TypeError, match=r"members\[0\]: expected a str"):
        z.members = [1]
    r.points = [PointRule(id="A")]
    r.points.append("not a point")
    with pytest.raises(TypeError, match=r"points\[1\]: expected a PointRule, found str"):
        alarm.validate(r)


def test_reprs_are_readable() -> None:
    a = AlarmRule(id="PRE", setpoint=240, deadband=10, cls=PRE_ALARM)
    assert repr(a) == ("AlarmRule(id='PRE', type=RuleType.high, setpoint=240, deadband=10, "
                       "cls=AlarmClass.pre_alarm, profile=Profile.isa)")
    p = PointRule(id="RC1", unit="mA", range=(0, 3000), alarms=[a])
    assert repr(p) == "PointRule(id='RC1', unit='mA', range=(0, 3000), alarms=['PRE'])"
    assert repr(ZoneRule(id="Z1", members=["SD1"])) == "ZoneRule(id='Z1', members=['SD1'])"
    assert repr(VerificationRule(ignore_s=20, confirm_s=60)) == \
        "VerificationRule(ignore_s=20, confirm_s=60)"
    assert repr(ChatterRule(60, 3)) == "ChatterRule(window_s=60, count=3)"
    assert repr(FloodRule(600, 11, 4)) == "FloodRule(window_s=600, on=11, off=4)"
    assert repr(OutputRule(buzzer=True)) == \
        "OutputRule(buzzer=True, linkage=False, commands=False)"
    assert repr(Rules.from_dict(SPEC_RULES)) == "<Rules version=1 points=3 alarms=4 zones=1>"
    c = Command(CommandKind.shelve, point="RC1", alarm="PRE", duration_s=60)
    assert repr(c) == "Command(CommandKind.shelve, point='RC1', alarm='PRE', duration_s=60)"
    eng = spec_engine()
    assert repr(eng) == "<Engine points=3 alarms=4 zones=1 now=0 events=0>"
    eng.sample("RC1", 18, 305)
    e = eng.events()[0]
    assert repr(e) == ('<AlarmEvent {"t":18,"event":"alarm_on","point":"RC1","alarm":"PRE",'
                       '"class":"pre_alarm","state":"unack","value":305}>')
    assert repr(eng.active()[0]) == ('<ActiveEntry {"point":"RC1","alarm":"ALM","class":"fire",'
                                     '"state":"unack","since":18}>')


def test_bad_rules_raise_alarm_error_with_the_json_path(tmp_path: Path) -> None:
    bad = copy.deepcopy(SPEC_RULES)
    bad["points"][0]["alarms"][1]["deadband"] = "5"
    with pytest.raises(firebus.AlarmError) as info:
        Rules.from_dict(bad)
    assert str(info.value).startswith(
        'rules: points[0].alarms[1].deadband: expected a number ≥ 0, found "5"')
    assert info.value.code == Errc.invalid_rules and info.value.category == "firebus.alarm"
    f = tmp_path / "rules.json"
    bad["points"].extend([{"id": "A"}, {"id": "B"}])
    bad["points"][3]["alarms"] = [{"id": "X", "type": "high", "deadband": "5"}]
    bad["points"][0]["alarms"][1]["deadband"] = 0
    f.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(firebus.AlarmError,
                       match=r'^.*rules\.json: points\[3\]\.alarms\[0\]\.deadband: expected a '
                             r'number ≥ 0, found "5"'):
        alarm.load_rules(str(f))
    with pytest.raises(firebus.AlarmError, match="points\\[3\\]"):
        Engine.from_file(str(f))
    with pytest.raises(firebus.Error, match="cannot load the rules"):
        alarm.load_rules(str(tmp_path / "missing.json"))
    with pytest.raises(firebus.AlarmError, match=r"rules: .*setpiont"):
        Rules.from_json('{"version": 1, "points": [{"id": "P", "alarms": '
                        '[{"id": "A", "type": "high", "setpiont": 3}]}]}')
    with pytest.raises(firebus.AlarmError, match="line 1"):
        Rules.from_json("{", name="x.json")
    # validate() on a configuration built in code: same path messages.
    r = Rules(points=[PointRule(id="P", alarms=[AlarmRule(id="A", deadband=-5)])])
    with pytest.raises(firebus.AlarmError,
                       match=r"^rules: points\[0\]\.alarms\[0\]\.deadband: expected a number ≥ 0, "
                             r"found -5"):
        alarm.validate(r)
    with pytest.raises(firebus.AlarmError, match="duplicate point id"):
        Engine(Rules(points=[PointRule(id="P"), PointRule(id="P")]))
    with pytest.raises(firebus.AlarmError, match=r"zones\[0\]\.members\[0\]: unknown point"):
        Engine({"version": 1, "points": [], "zones": [{"id": "Z", "members": ["Q"]}]})


def test_load_rules_and_engine_from_file(tmp_path: Path) -> None:
    f = tmp_path / "r.json"
    f.write_text(json.dumps(SPEC_RULES), encoding="utf-8")
    r = alarm.load_rules(str(f))
    assert r == Rules.from_dict(SPEC_RULES)
    eng = Engine.from_file(str(f))
    assert eng.point_ids() == ["RC1", "RC2", "SD1"]
    assert Engine.from_json(json.dumps(SPEC_RULES)).rules == r
    assert Engine(r).rules == r


# --- the engine ----------------------------------------------------------------------------------


def test_names_and_indices() -> None:
    eng = spec_engine()
    assert (eng.point_count, eng.zone_count, eng.alarm_count) == (3, 1, 4)
    assert eng.find_point("RC2") == 1 and eng.find_point("nope") is None
    assert eng.find_zone("Z1") == 0 and eng.find_zone("Z9") is None
    assert eng.find_alarm("RC1", "ALM") == 1 and eng.find_alarm(0, "XX") is None
    assert eng.zone_alarm("Z1") is None
    assert eng.point_name(2) == "SD1" and eng.zone_name(0) == "Z1" and eng.alarm_name(1) == "ALM"
    assert eng.alarm_point(3) == 2 and eng.alarm_zone(3) is None
    assert eng.alarm_class(0) == PRE_ALARM
    assert eng.zone_ids() == ["Z1"]
    for call in (lambda: eng.point_name(9), lambda: eng.find_alarm("X", "A"),
                 lambda: eng.zone_name(4), lambda: eng.alarm_name(99), lambda: eng.zone_alarm("Q")):
        with pytest.raises(firebus.AlarmError):
            call()


def test_the_spec_example_through_the_engine() -> None:
    eng = spec_engine()
    assert eng.now == 0 and eng.next_due is None
    eng.sample("RC1", 0, 100)
    eng.sample(0, 10, 250)
    assert kinds(eng.take_events()) == ["alarm_on"]
    assert eng.state("RC1", "PRE") == UNACK and eng.panel() == PRE_ALARM
    eng.sample("RC1", 18, 305)
    ev = eng.take_events()
    assert kinds(ev) == ["alarm_on", "buzzer_on"]
    assert (ev[0].point, ev[0].alarm, ev[0].cls, ev[0].state, ev[0].value) == \
        ("RC1", "ALM", FIRE, UNACK, 305.0)
    assert ev[0].to_dict() == {"t": 18, "event": "alarm_on", "point": "RC1", "alarm": "ALM",
                               "class": "fire", "state": "unack", "value": 305}
    assert ev[0].to_json() == ('{"t":18,"event":"alarm_on","point":"RC1","alarm":"ALM",'
                               '"class":"fire","state":"unack","value":305}')
    assert ev[0].kind == 0 and ev[0].reason == 0 and ev[0].zone is None and ev[0].source is None
    assert ev[0].point_index == 0 and ev[0].alarm_index == 1 and ev[0].zone_index is None
    assert ev[1].point is None and ev[1].value is None and ev[1].delta_s is None
    assert eng.buzzer() and eng.panel() == FIRE and not eng.flooding()
    eng.sample("RC1", 30, 100)
    assert [e.state for e in eng.take_events()] == [RTN_UNACK, LATCHED_UNACK]
    act = eng.active()
    assert [(a.point, a.alarm, a.cls, a.state) for a in act] == [("RC1", "ALM", FIRE,
                                                                  LATCHED_UNACK)]
    assert act[0].since == 18 and act[0].zone is None
    assert eng.summary() == {"panel": "fire", "active": [a.to_dict() for a in act]}
    eng.reset(40, point="RC1")
    assert kinds(eng.take_events()) == ["reset", "buzzer_off"]
    eng.ack(41, point="RC1", alarm="PRE")
    assert kinds(eng.take_events()) == ["ack"]
    assert eng.panel() == NONE_CLASS and eng.summary() == {"panel": "normal", "active": []}
    assert eng.now == 41


def test_alarm_event_to_core_event() -> None:
    eng = spec_engine()
    eng.sample("RC1", 18, 305)
    e = eng.events()[1].to_event()
    assert isinstance(e, firebus.core.Event)
    assert (e.t, e.kind, e.alarm, e.cls, e.state, e.value) == (18, 0, "ALM", FIRE, UNACK, 305)
    assert e.point == "RC1" or str(e.point) == "RC1"


def test_events_take_clear_and_count() -> None:
    eng = spec_engine()
    eng.sample("RC1", 1, 305)
    assert eng.event_count == 3
    assert len(eng.events()) == 3 and eng.event_count == 3
    eng.clear_events()
    assert eng.events() == [] and eng.take_events() == []


def test_conditions_statuses_raw_and_faults() -> None:
    eng = spec_engine()
    eng.condition("SD1", 1, DeviceCondition.fire)
    assert eng.state("SD1", "FIRE") == UNACK
    eng.status("RC2", 2, DeviceStatus.open_circuit)
    ev = eng.take_events()
    assert ev[-1].event == "fault_on" and ev[-1].to_dict()["reason"] == "open_circuit"
    assert eng.fault("RC2") == ev[-1].reason
    eng.raw_sample("RC1", 3, 12.0)  # 12 mA → 800 mA over [0, 1600]
    assert [e.event for e in eng.take_events()][:2] == ["alarm_on", "alarm_on"]
    with pytest.raises(firebus.AlarmError, match="raw_sample: point \"RC2\"") as info:
        eng.raw_sample("RC2", 4, 12.0)
    assert info.value.code == Errc.no_raw_mapping
    eng.sample("RC1", 5, float("nan"))
    d = eng.take_events()[0].to_dict()
    assert d == {"t": 5, "event": "fault_on", "point": "RC1", "class": "fault",
                 "reason": "invalid_value"}


def test_input_errors_raise_and_change_nothing() -> None:
    eng = spec_engine()
    eng.sample("RC1", 10, 100)
    with pytest.raises(firebus.AlarmError, match=r'sample: point "RC9": unknown point') as info:
        eng.sample("RC9", 11, 1)
    assert info.value.code == Errc.unknown_point
    with pytest.raises(firebus.AlarmError, match=r"point 7 \(the engine has 3 points\)"):
        eng.sample(7, 11, 1)
    with pytest.raises(firebus.AlarmError,
                       match=r"t 5 is earlier than the engine's time 10: input time earlier") as info:
        eng.sample("RC1", 5, 400)
    assert info.value.code == Errc.time_went_back
    with pytest.raises(firebus.AlarmError, match="invalid time") as info:
        eng.sample("RC1", float("inf"), 1)
    assert info.value.code == Errc.invalid_time
    with pytest.raises(firebus.AlarmError):
        eng.advance(9)
    with pytest.raises(firebus.AlarmError):
        eng.condition("nope", 12, DeviceCondition.fire)
    with pytest.raises(firebus.AlarmError):
        eng.status(99, 12, DeviceStatus.ok)
    with pytest.raises(TypeError):
        eng.condition("SD1", 12, 7)  # not a DeviceCondition
    assert eng.events() == [] and eng.now == 10


def test_commands_and_overlays() -> None:
    eng = spec_engine()
    eng.sample("RC2", 1, 250)
    eng.shelve(2, point="RC2", alarm="PRE", duration_s=60)
    assert eng.is_shelved("RC2", "PRE") and eng.state("RC2", "PRE") == NORMAL
    assert eng.is_condition_active("RC2", "PRE")
    assert eng.next_due == 62
    eng.advance(62)
    assert not eng.is_shelved("RC2", "PRE")
    eng.shelve(63, point=1, alarm="PRE", one_shot=True)
    eng.unshelve(64, point="RC2", alarm="PRE")
    eng.disable(65, point="RC2", alarm="PRE")
    assert eng.is_disabled("RC2", "PRE") and eng.panel() == 1  # disablement
    eng.enable(66, point="RC2", alarm="PRE")
    eng.out_of_service(67, point="RC2")
    assert eng.is_out_of_service("RC2", "PRE")
    eng.return_to_service(68, point="RC2")
    assert not eng.is_suppressed("RC2", "PRE")
    eng.silence(69)
    eng.ack(70, zone="Z1")
    eng.execute(71, Command(CommandKind.reset))
    got = kinds(eng.take_events())
    for k in ("shelve", "unshelve", "disable", "enable", "out_of_service_on",
              "out_of_service_off", "ack"):
        assert k in got
    eng.condition("SD1", 72, DeviceCondition.fire)
    eng.shelve(73, point="SD1", alarm="FIRE", duration_s=10)
    rej = eng.take_events()[-1]
    assert rej.event == "reject" and rej.to_dict()["reason"] == "not_shelvable"
    assert eng.linkage("Z1") is False


def test_command_errors() -> None:
    eng = spec_engine()
    cases = [
        (lambda: eng.ack(1, point="RCX"), Errc.unknown_point, 'ack: point "RCX"'),
        (lambda: eng.ack(1, point="RC1", alarm="X"), Errc.unknown_alarm,
         'ack: alarm "X" in point "RC1"'),
        (lambda: eng.reset(1, zone="ZZ"), Errc.unknown_zone, 'reset: zone "ZZ"'),
        (lambda: eng.shelve(1, point="RC1"), Errc.invalid_argument,
         "shelve: needs duration_s or one_shot=True"),
        (lambda: eng.disable(1), Errc.invalid_argument, "disable: needs a point or a zone"),
        (lambda: eng.ack(1, point=5), Errc.unknown_point, "ack: point 5"),
    ]
    for call, code, message in cases:
        with pytest.raises(firebus.AlarmError) as info:
            call()
        assert info.value.code == code and str(info.value).startswith(message), str(info.value)
    eng.advance(10)
    with pytest.raises(firebus.AlarmError, match="earlier than the engine's time 10"):
        eng.ack(5)


def test_snapshot_restore_and_errors() -> None:
    eng = spec_engine()
    eng.sample("RC1", 5, 305)
    eng.clear_events()
    snap = eng.snapshot()
    assert isinstance(snap, bytes) and snap[:4] == b"FBAS"
    other = spec_engine()
    other.restore(snap, 100)
    assert other.events() == [] and other.state("RC1", "ALM") == UNACK
    assert other.summary() == eng.summary()
    with pytest.raises(firebus.AlarmError, match="restore: corrupt snapshot") as info:
        other.restore(snap[:-3], 101)
    assert info.value.code == Errc.snapshot_corrupt
    with pytest.raises(firebus.AlarmError) as info:
        other.restore(b"garbage", 101)
    assert info.value.code == Errc.snapshot_corrupt
    different = Engine({"version": 1, "points": [{"id": "Q"}]})
    with pytest.raises(firebus.AlarmError, match="another configuration") as info:
        different.restore(snap, 1)
    assert info.value.code == Errc.snapshot_mismatch
    assert other.state("RC1", "ALM") == UNACK  # unchanged by the refused restores
    assert eng.memory_bytes() > 0
    clone = copy.copy(eng)
    clone.ack(50, point="RC1")
    assert eng.state("RC1", "ALM") == UNACK and clone.state("RC1", "ALM") == 2  # acked
    assert copy.deepcopy(eng).snapshot() == eng.snapshot()


@needs_numpy
def test_events_array() -> None:
    eng = spec_engine()
    eng.sample("RC1", 18, 305)
    arr = eng.events_array()
    assert arr.dtype.names == ("t", "kind", "point", "alarm", "zone", "cls", "state", "reason",
                               "value")
    assert len(arr) == 3 and eng.event_count == 3
    assert arr["t"].tolist() == [18, 18, 18]
    assert arr["point"][0] == 0 and arr["alarm"].tolist()[:2] == [0, 1]
    assert arr["point"][2] == alarm.NPOS and math.isnan(arr["value"][2])
    assert arr["cls"][1] == FIRE and arr["value"][1] == 305
    assert len(eng.events_array(clear=True)) == 3 and eng.event_count == 0
    assert len(eng.events_array()) == 0


# --- the batch path ------------------------------------------------------------------------------


def batch_inputs(n: int, points: int, seed: int = 7) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    p = rng.integers(0, points, n).astype(np.uint32)
    t = np.arange(n, dtype=np.float64) * 0.001
    v = np.where(rng.random(n) < 0.02, rng.uniform(235, 335, n), rng.uniform(0, 200, n))
    return p, t, v


@needs_numpy
def test_sample_batch_equals_per_sample_feeding() -> None:
    p, t, v = batch_inputs(5000, 2)
    one, many = spec_engine(), spec_engine()
    for i in range(len(p)):
        one.sample(int(p[i]), float(t[i]), float(v[i]))
    produced = many.sample_batch(p, t, v)
    assert produced == one.event_count and produced > 10
    assert [e.to_dict() for e in many.events()] == [e.to_dict() for e in one.events()]
    assert many.snapshot() == one.snapshot()
    # Other dtypes are converted (int64 indices, float32 values, int times), ts is honoured.
    again = spec_engine()
    assert again.sample_batch(p.astype(np.int64), (t * 1000).astype(np.int64) / 1000,
                              v.astype(np.float32).astype(np.float64), ts=t) == produced


@needs_numpy
def test_the_shortcut_changes_no_result() -> None:
    p, t, v = batch_inputs(20000, 2, seed=11)
    fast, slow = spec_engine(), spec_engine()
    assert fast.shortcut is True
    slow.shortcut = False
    assert slow.shortcut is False
    assert fast.sample_batch(p, t, v) == slow.sample_batch(p, t, v) > 10
    assert [e.to_dict() for e in fast.events()] == [e.to_dict() for e in slow.events()]
    assert fast.snapshot() == slow.snapshot()
    # It survives a copy; a restore keeps the setting.
    assert copy.copy(slow).shortcut is False
    slow.restore(fast.snapshot(), 100.0)
    assert slow.shortcut is False


@needs_numpy
def test_sample_batch_refuses_wrong_input() -> None:
    eng = spec_engine()
    p, t, v = batch_inputs(10, 2)
    with pytest.raises(ValueError, match="values has 9 items, points has 10"):
        eng.sample_batch(p, t, v[:9])
    with pytest.raises(ValueError, match="ts has 3 items"):
        eng.sample_batch(p, t, v, ts=t[:3])
    with pytest.raises(TypeError, match="points: expected an array of integers"):
        eng.sample_batch(p.astype(np.float64), t, v)
    with pytest.raises(TypeError, match="values: expected an array of numbers"):
        eng.sample_batch(p, t, v.astype(str))
    with pytest.raises(TypeError, match="t: expected an array of numbers"):
        eng.sample_batch(p, t.astype(bool), v)
    with pytest.raises(ValueError, match="expected a 1-D array"):
        eng.sample_batch(p.reshape(2, 5), t, v)
    with pytest.raises(ValueError, match=r"points\[0\]: -1 is not a point index"):
        eng.sample_batch(np.array([-1] * 10), t, v)
    assert eng.event_count == 0 and eng.now == 0


@needs_numpy
def test_sample_batch_stops_at_the_first_refused_sample() -> None:
    eng = spec_engine()
    p = np.array([0, 0, 9, 0], dtype=np.uint32)
    t = np.array([1.0, 2.0, 3.0, 4.0])
    v = np.array([305.0, 100.0, 1.0, 1.0])
    with pytest.raises(firebus.AlarmError, match=r"sample_batch: sample 2: .*unknown point") as info:
        eng.sample_batch(p, t, v)
    assert info.value.index == 2 and info.value.code == Errc.unknown_point
    assert eng.now == 2 and eng.event_count > 0  # the first two stay applied
    with pytest.raises(firebus.AlarmError, match="sample 0: t 1 is earlier") as info:
        eng.sample_batch(p[:1], t[:1], v[:1])
    assert info.value.index == 0 and info.value.code == Errc.time_went_back
    with pytest.raises(firebus.AlarmError, match="sample 1: t: expected a number of seconds") as info:
        eng.sample_batch(np.array([0, 0]), np.array([5.0, math.nan]), np.array([1.0, 1.0]))
    assert info.value.index == 1 and info.value.code == Errc.invalid_time


@needs_numpy
def test_sample_batch_releases_the_gil_and_guards_the_engine() -> None:
    eng = Engine({"version": 1, "points": [{"id": "P", "alarms": [
        {"id": "A", "type": "high", "setpoint": 300}]}]})
    n = 1_000_000
    p = np.zeros(n, dtype=np.uint32)
    t = np.arange(n, dtype=np.float64) * 1e-6
    v = np.zeros(n)
    ticks = 0
    done = threading.Event()

    def feed() -> None:
        eng.sample_batch(p, t, v)
        done.set()

    th = threading.Thread(target=feed)
    th.start()
    refused = False
    while not done.is_set():
        ticks += 1  # this thread runs while the batch does
        try:
            eng.now
        except RuntimeError as e:
            refused = "sample_batch" in str(e)
    th.join()
    assert ticks > 1
    assert refused  # this thread ran during the batch, and was kept off the engine
    assert eng.now == pytest.approx(t[-1])


# --- replay: every scenario of tests/alarm/ ------------------------------------------------------


def read_jsonl(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_there_are_scenarios() -> None:
    assert len(SCENARIO_NAMES) >= 40


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_replay_scenario(name: str) -> None:
    rules = json.loads((SCENARIOS / f"{name}.rules.json").read_text(encoding="utf-8"))
    lines = read_jsonl(SCENARIOS / f"{name}.input.jsonl")
    expected = read_jsonl(SCENARIOS / f"{name}.expected.jsonl")
    events, summary = alarm.replay(rules, lines)
    assert events == expected[:-1]
    assert summary == expected[-1]["summary"]
    # The same keys in the same order as the tool prints them.
    assert [list(e) for e in events] == [list(e) for e in expected[:-1]]
    # Text lines and a Rules object work as well.
    text = (SCENARIOS / f"{name}.input.jsonl").read_text(encoding="utf-8").splitlines()
    assert alarm.replay(Rules.from_dict(rules), text) == (events, summary)


def test_replay_errors() -> None:
    lines = [{"t": 0, "point": "RC1", "value": 305}, {"t": 1, "point": "RC9", "value": 1}]
    with pytest.raises(firebus.AlarmError, match=r'^input line 2: unknown point "RC9"') as info:
        alarm.replay(SPEC_RULES, lines)
    assert info.value.line == 2 and [e["event"] for e in info.value.events] == \
        ["alarm_on", "alarm_on", "buzzer_on"]
    bad = [
        ({"t": 0, "point": "RC1", "value": 1, "x": 2}, 'unknown key "x"'),
        ({"t": 0, "point": "RC1", "value": "5"}, 'value: expected a number, "NaN"'),
        ({"t": 0, "point": "RC1"}, 'needs "value", "raw", "state" or "status"'),
        ({"t": 0, "command": "shelve", "point": "RC1"}, 'shelve needs "duration_s"'),
        ({"t": 0, "command": "restore"}, "restore without a snapshot"),
        ({"t": 0, "command": "jump"}, "command: expected one of"),
        ({"advance": 1, "t": 2}, "does not apply to an \"advance\" line"),
        ({"t": True, "point": "RC1", "value": 1}, "t: expected a number of seconds"),
        ("[1]", "expected a JSON object"),
        ("{", "invalid JSON"),
    ]
    for line, message in bad:
        with pytest.raises(firebus.AlarmError, match=r"^input line 1: .*" + re.escape(message)):
            alarm.replay(SPEC_RULES, [line])
    with pytest.raises(firebus.AlarmError, match="input line 2: t 1 is earlier than 5"):
        alarm.replay(SPEC_RULES, [{"advance": 5}, {"t": 1, "command": "silence"}])
    with pytest.raises(firebus.AlarmError, match="rules: points"):
        alarm.replay({"version": 1, "points": [{"id": ""}]}, [])


# --- the example ---------------------------------------------------------------------------------


@needs_numpy
@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                    reason="matplotlib is not installed")
def test_replay_csv_plot_example(tmp_path: Path) -> None:
    out = tmp_path / "plot.png"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(firebus.__file__).parent.parent),
                                                      env.get("PYTHONPATH")]))
    r = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(out)], env=env,
                       capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "pre_alarm" in r.stdout and "fire" in r.stdout


# --- threads -------------------------------------------------------------------------------------


def test_from_json_of_a_bytearray_another_thread_resizes() -> None:
    # The text is parsed without the GIL: it is a copy (it used to be a view of the bytearray,
    # whose buffer another thread's resize moves or frees).
    doc, blanks = json.dumps(SPEC_RULES).encode(), b" " * (1 << 22)
    docs = [blanks + doc, doc, doc + blanks]  # the same rules: resized, or changed in place
    text = bytearray(docs[0])
    expected = Rules.from_dict(SPEC_RULES)
    step = [0]

    def parse() -> None:
        assert Rules.from_json(text) == expected  # type: ignore[arg-type]
        assert Engine.from_json(text).point_count == 3  # type: ignore[arg-type]

    def change() -> None:
        step[0] += 1
        text[:] = docs[step[0] % 3]

    run_racing(parse, change)


@needs_numpy
def test_sample_batch_from_two_threads() -> None:
    # The numpy conversions (float32 to float64 here) may let another thread in before the
    # loop starts: the engine is checked again right before it, so one of the two is refused.
    eng = Engine({"version": 1, "points": [{"id": "P", "alarms": [
        {"id": "A", "type": "high", "setpoint": 300}]}]})
    n = 200_000
    p = np.zeros(n, dtype=np.int64)
    t = np.ones(n, dtype=np.float32)
    v = np.where(np.arange(n) % 2 == 0, 0.0, 400.0).astype(np.float32)
    # One call first: pybind11 2.10 looks the numpy API up on the first array argument, in a
    # static initialiser that deadlocks when two threads do it at once (pybind11 2.12 fixed it).
    produced = [eng.sample_batch(p[:2], t[:2], v[:2])]
    refused = [0]

    def feed() -> None:
        try:
            produced[0] += eng.sample_batch(p, t, v)
        except RuntimeError as e:
            assert "sample_batch" in str(e)
            refused[0] += 1

    run_racing(feed, feed)
    assert produced[0] > 0
    assert eng.event_count == produced[0]
