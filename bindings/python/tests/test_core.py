"""firebus.core: enums, names, times, point ids, samples, events and sequence numbers."""

from __future__ import annotations

import copy
import enum
import math
import re
from pathlib import Path

import pytest

import firebus
from firebus import core

SOURCE_DIR = Path(__file__).resolve().parents[3]


def cpp_version() -> str:
    text = (SOURCE_DIR / "include/firebus/core/config.hpp").read_text()
    parts = [re.search(rf"#define FIREBUS_VERSION_{p} (\d+)", text) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(m.group(1) for m in parts if m)


# --- version -------------------------------------------------------------------------------------


def test_version_matches_headers() -> None:
    assert firebus.__version__ == cpp_version()
    assert firebus.library_version() == firebus.__version__
    assert ".".join(map(str, firebus.library_version_info())) == firebus.__version__
    firebus.check_library_version()  # does not raise


# --- enums ---------------------------------------------------------------------------------------

ENUMS = {
    core.EventKind: 31,
    core.AlarmClass: 6,
    core.AlarmState: 6,
    core.EventReason: 14,
    core.QualityCode: 16,
    core.QualityClass: 3,
    core.SequenceVerdict: 6,
    core.Errc: 9,
}


@pytest.mark.parametrize("cls", list(ENUMS), ids=lambda c: c.__name__)
def test_enums_are_int_enums(cls: type[enum.IntEnum]) -> None:
    assert issubclass(cls, enum.IntEnum)
    assert len(cls) == ENUMS[cls]
    assert cls.__module__ == "firebus.core"
    assert cls.__doc__


def test_enum_members_use_cpp_names() -> None:
    assert core.EventKind.alarm_on == 0 and core.EventKind.command == 30
    assert core.AlarmClass.fire == 5 and core.AlarmClass.fire.name == "fire"
    assert core.AlarmState.rtn_unack.name == "rtn_unack"
    assert core.EventReason.comm_loss == 11
    assert core.QualityCode.bad_open_circuit == 0x84
    assert core.Errc.truncated == 1 and core.Errc.version_mismatch == 9


def test_names_round_trip() -> None:
    for k in core.EventKind:
        assert core.event_kind_from_string(k.name) is k
    for c in core.AlarmClass:
        assert core.alarm_class_from_string(c.name) is c
    for s in core.AlarmState:
        assert core.alarm_state_from_string(s.name) is s
    for r in core.EventReason:
        assert core.event_reason_from_string(r.name) is r
    for q in core.QualityCode:
        assert core.quality_to_string(q) == q.name
        assert core.quality_from_string(q.name) is q
        assert core.quality_from_byte(int(q)) is q


def test_unknown_names_raise_core_error_with_cpp_message() -> None:
    with pytest.raises(firebus.CoreError, match='^event kind: unknown name "alarm_of": unknown name$') as info:
        core.event_kind_from_string("alarm_of")
    assert info.value.code == core.Errc.unknown_name
    assert info.value.category == "firebus.core"
    with pytest.raises(firebus.CoreError, match='^quality: unknown name "fine": unknown name$'):
        core.quality_from_string("fine")
    with pytest.raises(firebus.CoreError, match="^quality: unknown code 63: unknown code$") as info:
        core.quality_from_byte(0x3F)
    assert info.value.code == core.Errc.unknown_code


def test_quality_classes() -> None:
    assert core.class_of(core.QualityCode.good_override) is core.QualityClass.good
    assert core.class_of(core.QualityCode.uncertain_substituted) is core.QualityClass.uncertain
    assert core.class_of(0xC5) is core.QualityClass.bad  # reserved class counts as bad
    assert core.is_good(core.QualityCode.good)
    assert core.is_uncertain(0x40)
    assert core.is_bad(core.QualityCode.bad_comm_loss)
    assert core.is_known(0x89) and not core.is_known(0x9A)
    assert core.quality_to_string(0x9A) == "bad(0x9a)"


def test_priority_orders_classes() -> None:
    order = [core.priority(c) for c in core.AlarmClass]
    assert order == sorted(order)
    assert core.priority(core.AlarmClass.fire) > core.priority(core.AlarmClass.fault)


def test_enum_arguments_are_checked() -> None:
    with pytest.raises(TypeError):
        core.priority(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        core.alarm_class_from_string(5)  # type: ignore[arg-type]


# --- times ---------------------------------------------------------------------------------------


def test_civil_time_fields_and_repr() -> None:
    c = core.CivilTime(2026, 11, 30, 10, 55, 21)
    assert (c.year, c.month, c.day, c.hour, c.minute, c.second) == (2026, 11, 30, 10, 55, 21)
    assert repr(c) == "CivilTime(2026, 11, 30, 10, 55, 21)"
    assert str(c) == c.isoformat() == "2026-11-30T10:55:21"
    assert core.CivilTime.fromisoformat("2026-11-30T10:55:21") == c
    assert core.CivilTime() == core.CivilTime(1970, 1, 1)
    assert c.is_valid() and not core.CivilTime(2026, 2, 29).is_valid()
    assert hash(c) == hash(core.CivilTime(2026, 11, 30, 10, 55, 21))
    c.second = 22
    assert c != core.CivilTime(2026, 11, 30, 10, 55, 21)


def test_calendar_helpers() -> None:
    assert core.is_leap_year(2024) and not core.is_leap_year(1900) and core.is_leap_year(2000)
    assert core.days_in_month(2024, 2) == 29 and core.days_in_month(2026, 13) == 0


def test_utc_and_civil_conversions() -> None:
    # The example of time.hpp: 10:55:21 in Beijing is 02:55:21Z.
    tag = core.CivilTime(2026, 11, 30, 10, 55, 21)
    t = core.to_utc(tag, 480)
    assert core.utc_to_iso8601(t) == "2026-11-30T02:55:21.000000Z"
    assert core.to_civil(t, 480) == tag
    assert core.to_civil(t) == core.CivilTime(2026, 11, 30, 2, 55, 21)
    assert core.to_utc(core.CivilTime(1970, 1, 1)) == 0.0


def test_iso8601_round_trip_to_the_microsecond() -> None:
    t = core.utc_from_iso8601("2026-11-30T10:55:21.250001+08:00")
    assert core.to_microseconds(t) == 1_796_007_321_250_001
    assert core.utc_to_iso8601(t) == "2026-11-30T02:55:21.250001Z"
    assert core.utc_from_iso8601(core.utc_to_iso8601(t)) == t
    assert core.utc_from_iso8601("2026-11-30 02:55:21z") == core.utc_from_iso8601("2026-11-30T02:55:21Z")
    assert core.utc_from_iso8601("2026-11-30T00:55:21-0200") == core.utc_from_iso8601("2026-11-30T02:55:21Z")


@pytest.mark.parametrize(
    "text",
    ["", "2026-11-30", "2026-11-30T02:55:21", "2026-02-30T00:00:00Z", "2026-11-30T02:55:21Zx", "2026-11-30T24:00:00Z"],
)
def test_iso8601_errors(text: str) -> None:
    with pytest.raises(firebus.CoreError, match="is not an ISO 8601 date and time") as info:
        core.utc_from_iso8601(text)
    assert info.value.code == core.Errc.invalid_time


def test_civil_time_parse_errors() -> None:
    with pytest.raises(firebus.CoreError) as info:
        core.CivilTime.fromisoformat("2026-11-30T10:55:21Z")
    assert info.value.code == core.Errc.invalid_time


def test_invalid_civil_time_message_is_the_cpp_one() -> None:
    with pytest.raises(firebus.CoreError) as info:
        core.to_utc(core.CivilTime(2026, 2, 29), 480)
    assert str(info.value) == (
        "time: 2026-2-29 0:0:0 at UTC offset 480 min is not a valid date and time: invalid date or time"
    )
    assert info.value.code == core.Errc.invalid_time


def test_unix_ms_and_microseconds() -> None:
    assert core.utc_from_unix_ms(1_764_471_321_250) == 1_764_471_321.25
    assert core.to_unix_ms(1_764_471_321.2509) == 1_764_471_321_250
    assert core.to_unix_ms(-0.0005) == -1  # toward negative infinity
    assert core.to_microseconds(2.5) == 2_500_000
    assert core.to_microseconds(0.0000005) == 1  # ties away from zero
    assert core.from_microseconds(1_500_000) == 1.5
    with pytest.raises(firebus.CoreError) as info:
        core.to_microseconds(math.inf)
    assert info.value.code == core.Errc.out_of_range
    with pytest.raises(firebus.CoreError) as info:
        core.utc_from_unix_ms(2**62)
    assert info.value.code == core.Errc.out_of_range


# --- point ids -----------------------------------------------------------------------------------


def test_point_ids() -> None:
    assert core.validate_point_id("bus1/dev3/IR1") == "bus1/dev3/IR1"
    assert core.validate_point_id("电气火灾-1") == "电气火灾-1"
    assert core.is_valid_point_id("RC1") and not core.is_valid_point_id("temp #1")
    assert core.point_id_first_invalid("RC1") is None
    assert core.point_id_first_invalid("temp #1") == 4
    assert core.point_id_first_invalid("") == 0
    assert core.point_id_first_invalid("x" * 129) == core.POINT_ID_MAX_SIZE == 128


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "point id: empty, 1 to 128 bytes expected"),
        ("x" * 129, "point id: 129 bytes, at most 128 expected"),
        (
            "temp #1",
            'point id: byte 0x20 at offset 4 not allowed (no control characters, space, + # " \\ or ill-formed UTF-8)',
        ),
    ],
)
def test_point_id_errors(name: str, message: str) -> None:
    with pytest.raises(firebus.CoreError) as info:
        core.validate_point_id(name)
    # The C++ what(): the details, then the category's message.
    assert str(info.value) == message + ": invalid point identifier"
    assert info.value.code == core.Errc.invalid_point_id


# --- samples -------------------------------------------------------------------------------------


def test_sample() -> None:
    s = core.Sample("RC1", 1_764_471_321.0, 312.0)
    assert (s.point, s.time, s.value, s.quality) == ("RC1", 1_764_471_321.0, 312.0, core.QualityCode.good)
    assert repr(s) == "Sample(point='RC1', time=1764471321.0, value=312.0, quality=QualityCode.good)"
    assert s.is_usable()
    s.quality = core.QualityCode.bad_comm_loss
    assert not s.is_usable()
    assert core.Sample("RC1", 0.0, math.nan) == core.Sample("RC1", 0.0, math.nan)  # NaN equals NaN
    assert not core.Sample("RC1", 0.0, math.nan).is_usable()
    with pytest.raises(firebus.CoreError):
        core.Sample("bad point", 0.0, 1.0)
    with pytest.raises(firebus.CoreError):
        s.point = "a+b"
    with pytest.raises(TypeError):
        hash(s)


# --- events --------------------------------------------------------------------------------------


def test_event_defaults() -> None:
    e = core.Event()
    assert e.kind is core.EventKind.alarm_on
    assert (e.source_id, e.seq, e.t, e.time) == ("", 0, 0.0, None)
    assert (e.point, e.alarm, e.zone, e.cause, e.command) == ("", "", "", "", "")
    assert (e.cls, e.state, e.reason) == (core.AlarmClass.none, core.AlarmState.normal, core.EventReason.none)
    assert e.value is None and e.delta_s is None


def test_event_fields_and_repr() -> None:
    e = core.Event(
        core.EventKind.alarm_on,
        point="RC1",
        alarm="ALM",
        cls=core.AlarmClass.fire,
        state=core.AlarmState.unack,
        value=305.0,
        t=12.5,
        time=1_764_471_321.5,
    )
    assert e.cls is core.AlarmClass.fire and isinstance(e.state, core.AlarmState)
    assert repr(e) == (
        "Event(kind=EventKind.alarm_on, t=12.5, time=1764471321.5, point='RC1', alarm='ALM', "
        "cls=AlarmClass.fire, state=AlarmState.unack, value=305.0)"
    )
    e.time = None
    e.delta_s = -3.25
    e.cause = "SD1"
    e.command = "reset_device"
    e.reason = core.EventReason.comm_loss
    assert (e.time, e.delta_s, e.cause, e.command) == (None, -3.25, "SD1", "reset_device")
    f = copy.deepcopy(e)
    assert f == e and f is not e
    f.seq = 7
    assert f != e
    with pytest.raises(firebus.CoreError):
        e.point = "no spaces"
    with pytest.raises(TypeError):
        core.Event(core.EventKind.ack, "positional source")  # type: ignore[misc]


# --- sequence numbers ----------------------------------------------------------------------------


def test_event_sequencer() -> None:
    seq = core.EventSequencer("gw-0001")
    a, b = core.Event(), core.Event()
    assert seq.stamp(a) == 1 and seq.stamp(b) == 2
    assert (a.source_id, a.seq, b.seq) == ("gw-0001", 1, 2)
    assert seq.take() == 3 and seq.next == 4 and seq.source_id == "gw-0001"
    assert repr(seq) == "EventSequencer('gw-0001', next_seq=4)"
    assert core.EventSequencer("x", 0).next == 1


def test_sequence_tracker() -> None:
    rx = core.SequenceTracker()
    v = core.SequenceVerdict
    assert rx.observe(1).verdict is v.first
    r = rx.observe(4)
    assert r == core.SequenceResult(v.gap, 2) and r.missing == 2
    assert repr(r) == "SequenceResult(verdict=SequenceVerdict.gap, missing=2)"
    assert rx.observe(2).verdict is v.late
    assert rx.observe(4).verdict is v.duplicate
    assert rx.observe(0).verdict is v.invalid
    assert rx.observe(5).verdict is v.in_order
    assert (rx.missing, rx.received, rx.duplicates, rx.highest, rx.lost) == (1, 4, 1, 5, 0)
    assert rx.gaps == [(3, 3)]
    assert repr(rx) == "SequenceTracker(highest=5, received=4, missing=1, duplicates=1, lost=0)"
    rx.reset()
    assert not rx.started and rx.gaps == []
    assert core.SequenceTracker.DEFAULT_MAX_GAPS == 64


def test_sequence_tracker_forgets_oldest_gap() -> None:
    rx = core.SequenceTracker(max_gaps=1)
    rx.observe(1)
    rx.observe(3)  # gap 2
    rx.observe(5)  # gap 4; gap 2 given up
    assert rx.lost == 1 and rx.missing == 2 and rx.gaps == [(4, 4)]
    assert rx.observe(2).verdict is core.SequenceVerdict.duplicate


# --- documentation -------------------------------------------------------------------------------


def test_everything_in_core_has_a_docstring() -> None:
    from firebus import _firebus

    assert _firebus.core.__doc__
    for name in dir(_firebus.core):
        if name.startswith("_") or name.isupper():
            continue
        obj = getattr(_firebus.core, name)
        assert obj.__doc__, name
        if isinstance(obj, type) and not issubclass(obj, enum.Enum):
            for attr, member in vars(obj).items():
                if attr.isupper() or (attr.startswith("__") and attr not in ("__init__", "__repr__")):
                    continue
                assert getattr(member, "__doc__", None), f"{name}.{attr}"
