"""
Core types: time, samples, events and their names.
"""

from __future__ import annotations
import enum
import typing

class CivilTime:
    """
    Calendar date and time of day, to the second, with no time zone (as a GB/T 26875.3 time tag carries it). Fields are not checked until the value is converted; is_valid() checks them.
    """
    @staticmethod
    def fromisoformat(text: str) -> CivilTime:
        """
        Parses 'YYYY-MM-DDTHH:MM:SS' (a space for T and a fraction of a second, dropped, are accepted); CoreError (Errc.invalid_time) otherwise.
        """
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __hash__(self) -> int:
        """
        Hash of the fields (CivilTime is mutable: do not change one used as a key).
        """
    def __init__(
        self,
        year: int = 1970,
        month: int = 1,
        day: int = 1,
        hour: int = 0,
        minute: int = 0,
        second: int = 0,
    ) -> None:
        """
        Calendar fields; the default is 1970-01-01T00:00:00.
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        CivilTime(2026, 11, 30, 10, 55, 21).
        """
    def __str__(self) -> str:
        """
        The ISO 8601 form, as isoformat().
        """
    def is_valid(self) -> bool:
        """
        True when every field is in range and the day exists in its month (years 1..9999).
        """
    def isoformat(self) -> str:
        """
        ISO 8601 without a zone, 'YYYY-MM-DDTHH:MM:SS' (the fields as they are).
        """
    @property
    def day(self) -> int:
        """
        Day of the month, 1..31.
        """
    @day.setter
    def day(self, arg0: int) -> None: ...
    @property
    def hour(self) -> int:
        """
        Hour, 0..23.
        """
    @hour.setter
    def hour(self, arg0: int) -> None: ...
    @property
    def minute(self) -> int:
        """
        Minute, 0..59.
        """
    @minute.setter
    def minute(self, arg0: int) -> None: ...
    @property
    def month(self) -> int:
        """
        Month, 1..12.
        """
    @month.setter
    def month(self, arg0: int) -> None: ...
    @property
    def second(self) -> int:
        """
        Second, 0..59 (no leap seconds).
        """
    @second.setter
    def second(self, arg0: int) -> None: ...
    @property
    def year(self) -> int:
        """
        Year, 1..9999 when valid.
        """
    @year.setter
    def year(self, arg0: int) -> None: ...

class Event:
    """
    One event record: an alarm, fault or supervisory transition, or an operator action, as the alarm engine reports it. Fields that do not apply to an event's kind keep their defaults. Times: `t` is the producer's monotonic seconds, `time` Unix seconds or None.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Event:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> Event:
        """
        A copy.
        """
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(
        self,
        kind: EventKind = EventKind.alarm_on,
        *,
        source_id: str = "",
        seq: int = 0,
        t: float = 0.0,
        time: float | None = None,
        point: str = "",
        alarm: str = "",
        zone: str = "",
        cls: AlarmClass = AlarmClass.none,
        state: AlarmState = AlarmState.normal,
        reason: EventReason = EventReason.none,
        value: float | None = None,
        delta_s: float | None = None,
        cause: str = "",
        command: str = "",
    ) -> None:
        """
        An event; every field but `kind` is keyword-only. `point` and `cause` must be valid point identifiers or ''.
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        Event(kind=EventKind.alarm_on, t=12.5, point='RC1', ...): the fields that are set.
        """
    @property
    def alarm(self) -> str:
        """
        The alarm's id within its point or zone ('' for none).
        """
    @alarm.setter
    def alarm(self, arg0: str) -> None: ...
    @property
    def cause(self) -> str:
        """
        The member point that caused a zone event ('source' in the JSON contract; '' for none).
        """
    @cause.setter
    def cause(self, arg1: str) -> None: ...
    @property
    def cls(self) -> AlarmClass:
        """
        The alarm's class ('class' in the JSON contract).
        """
    @cls.setter
    def cls(self, arg0: AlarmClass) -> None: ...
    @property
    def command(self) -> str:
        """
        Command events: what to do, e.g. 'reset_device' ('' otherwise).
        """
    @command.setter
    def command(self, arg0: str) -> None: ...
    @property
    def delta_s(self) -> float | None:
        """
        clock_jump: device time minus receive time drift, seconds; None otherwise.
        """
    @delta_s.setter
    def delta_s(self, arg0: float | None) -> None: ...
    @property
    def kind(self) -> EventKind:
        """
        What happened.
        """
    @kind.setter
    def kind(self, arg0: EventKind) -> None: ...
    @property
    def point(self) -> str:
        """
        The point concerned ('' for none).
        """
    @point.setter
    def point(self, arg1: str) -> None: ...
    @property
    def reason(self) -> EventReason:
        """
        Why, where the event says; none otherwise.
        """
    @reason.setter
    def reason(self, arg0: EventReason) -> None: ...
    @property
    def seq(self) -> int:
        """
        The source's sequence number: 1, 2, 3, ...; 0 = not yet assigned.
        """
    @seq.setter
    def seq(self, arg0: int) -> None: ...
    @property
    def source_id(self) -> str:
        """
        Who produced the event (a gateway, an engine instance).
        """
    @source_id.setter
    def source_id(self, arg0: str) -> None: ...
    @property
    def state(self) -> AlarmState:
        """
        The alarm's state after the event.
        """
    @state.setter
    def state(self, arg0: AlarmState) -> None: ...
    @property
    def t(self) -> float:
        """
        The producer's monotonic time of the transition, seconds (the engine's t).
        """
    @t.setter
    def t(self, arg1: float) -> None: ...
    @property
    def time(self) -> float | None:
        """
        Wall-clock time of the transition, Unix seconds, or None where unknown.
        """
    @time.setter
    def time(self, arg1: float | None) -> None: ...
    @property
    def value(self) -> float | None:
        """
        The value that caused the transition, where one did; None otherwise.
        """
    @value.setter
    def value(self, arg0: float | None) -> None: ...
    @property
    def zone(self) -> str:
        """
        The zone concerned ('' for none).
        """
    @zone.setter
    def zone(self, arg0: str) -> None: ...

class EventSequencer:
    """
    Stamps events with a source id and consecutive sequence numbers 1, 2, 3, ... (persist `next` to resume after a restart).
    """
    def __init__(self, source_id: str, next_seq: int = 1) -> None:
        """
        A sequencer whose first number is `next_seq` (0 is taken as 1).
        """
    def __repr__(self) -> str:
        """
        EventSequencer('gw-0001', next_seq=3).
        """
    def stamp(self, event: Event) -> int:
        """
        Sets event.source_id and event.seq (in place), advances, and returns the number given.
        """
    def take(self) -> int:
        """
        Takes the next number without an event (for messages that are not events).
        """
    @property
    def next(self) -> int:
        """
        The number the next event will get: persist it to resume.
        """
    @property
    def source_id(self) -> str:
        """
        The source's id.
        """

class Sample:
    """
    One value of one point at one time, with its quality. `time` is Unix seconds (the device's time stamp, or when the gateway received it).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality (NaN equals NaN here).
        """
    def __init__(
        self,
        point: str = "",
        time: float = 0.0,
        value: float = 0.0,
        quality: QualityCode = QualityCode.good,
    ) -> None:
        """
        A sample; `point` must be a valid point identifier (or '' for none).
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        Sample(point='RC1', time=1764471321.0, value=312.0, quality=QualityCode.good).
        """
    def is_usable(self) -> bool:
        """
        True when the value may be used to evaluate alarms: quality not bad and value finite.
        """
    @property
    def point(self) -> str:
        """
        Which point (a point identifier; '' for none).
        """
    @point.setter
    def point(self, arg1: str) -> None: ...
    @property
    def quality(self) -> QualityCode:
        """
        How far `value` can be trusted.
        """
    @quality.setter
    def quality(self, arg0: QualityCode) -> None: ...
    @property
    def time(self) -> float:
        """
        When the value was measured, Unix seconds (UTC).
        """
    @time.setter
    def time(self, arg1: float) -> None: ...
    @property
    def value(self) -> float:
        """
        The value, in the point's engineering unit.
        """
    @value.setter
    def value(self, arg0: float) -> None: ...

class SequenceResult:
    """
    The result of SequenceTracker.observe: a verdict, and for a gap how many numbers were skipped.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(
        self, verdict: SequenceVerdict = SequenceVerdict.invalid, missing: int = 0
    ) -> None:
        """
        A result.
        """
    def __repr__(self) -> str:
        """
        SequenceResult(verdict=SequenceVerdict.gap, missing=2).
        """
    @property
    def missing(self) -> int:
        """
        For SequenceVerdict.gap: how many numbers were skipped; 0 otherwise.
        """
    @missing.setter
    def missing(self, arg0: int) -> None: ...
    @property
    def verdict(self) -> SequenceVerdict:
        """
        How the number relates to others.
        """
    @verdict.setter
    def verdict(self, arg0: SequenceVerdict) -> None: ...

class SequenceTracker:
    """
    Tracks one source's sequence numbers at a receiver, in bounded memory: at most `max_gaps` ranges of missing numbers are remembered; older ones are given up (counted in missing and lost, reported as duplicate if they arrive after all).
    """

    DEFAULT_MAX_GAPS: typing.ClassVar[int] = 64
    def __init__(self, max_gaps: int = 64) -> None:
        """
        A tracker remembering at most `max_gaps` gaps (0 is taken as 1).
        """
    def __repr__(self) -> str:
        """
        SequenceTracker(highest=4, received=3, missing=1, duplicates=0, lost=0).
        """
    def observe(self, seq: int) -> SequenceResult:
        """
        Classifies sequence number `seq` and updates the counters.
        """
    def reset(self) -> None:
        """
        Forgets everything (e.g. when the source starts numbering afresh).
        """
    @property
    def duplicates(self) -> int:
        """
        Numbers received more than once.
        """
    @property
    def gaps(self) -> list[tuple[int, int]]:
        """
        The ranges (first, last) of missing numbers still awaited, oldest first.
        """
    @property
    def highest(self) -> int:
        """
        The highest number seen (0 before the first).
        """
    @property
    def lost(self) -> int:
        """
        Of missing, the numbers given up because too many gaps were open.
        """
    @property
    def missing(self) -> int:
        """
        Numbers skipped and not (yet) received, including those given up.
        """
    @property
    def received(self) -> int:
        """
        Distinct numbers received.
        """
    @property
    def started(self) -> bool:
        """
        True once a number has been observed.
        """

def alarm_class_from_string(name: str) -> AlarmClass:
    """
    The AlarmClass called `name` (e.g. 'pre_alarm'); CoreError (Errc.unknown_name) otherwise.
    """

def alarm_state_from_string(name: str) -> AlarmState:
    """
    The AlarmState called `name` (e.g. 'rtn_unack'); CoreError (Errc.unknown_name) otherwise.
    """

def class_of(quality: int) -> QualityClass:
    """
    The QualityClass of a quality byte (the reserved class 11 counts as bad).
    """

def days_in_month(year: int, month: int) -> int:
    """
    Days in a month (1..12) of a year; 0 for a month outside 1..12.
    """

def event_kind_from_string(name: str) -> EventKind:
    """
    The EventKind called `name` (e.g. 'alarm_on'); CoreError (Errc.unknown_name) otherwise.
    """

def event_reason_from_string(name: str) -> EventReason:
    """
    The EventReason called `name` (e.g. 'comm_loss'); CoreError (Errc.unknown_name) otherwise.
    """

def from_microseconds(microseconds: int) -> float:
    """
    Microseconds as float seconds.
    """

def is_bad(quality: int) -> bool:
    """
    True when the quality's class is bad (or the reserved class).
    """

def is_good(quality: int) -> bool:
    """
    True when the quality's class is good.
    """

def is_known(quality: int) -> bool:
    """
    True for the codes listed in QualityCode.
    """

def is_leap_year(year: int) -> bool:
    """
    True for leap years of the proleptic Gregorian calendar.
    """

def is_uncertain(quality: int) -> bool:
    """
    True when the quality's class is uncertain.
    """

def is_valid_point_id(name: str) -> bool:
    """
    True if `name` is a valid point identifier.
    """

def point_id_first_invalid(name: str) -> int | None:
    """
    Byte offset (in the UTF-8 encoding) of the first byte that breaks the rules (128 for a name that is too long, 0 for an empty one), or None if `name` is valid.
    """

def priority(cls: AlarmClass) -> int:
    """
    The priority of an alarm class: larger is more urgent (fire is 5, none is 0).
    """

def quality_from_byte(byte: int) -> QualityCode:
    """
    The QualityCode in a byte received from a peer; CoreError (Errc.unknown_code) unless it is a defined code.
    """

def quality_from_string(name: str) -> QualityCode:
    """
    The QualityCode called `name`; CoreError (Errc.unknown_name) otherwise.
    """

def quality_to_string(quality: int) -> str:
    """
    The stable name of a quality code, e.g. 'bad_comm_loss'; for a byte firebus does not define, its class and hex value, e.g. 'bad(0x9a)'.
    """

def to_civil(t: float, utc_offset_minutes: int = 0) -> CivilTime:
    """
    The calendar fields of Unix seconds `t` at `utc_offset_minutes` from UTC, truncated to the second. CoreError (Errc.out_of_range) outside years 1..9999, (Errc.invalid_time) for an offset beyond ±24 h.
    """

def to_microseconds(seconds: float) -> int:
    """
    Seconds as whole microseconds, rounded to the nearest (ties away from zero), as firebus stores every time. CoreError (Errc.out_of_range) for non-finite values or beyond ±9.2e12 s.
    """

def to_unix_ms(t: float) -> int:
    """
    Unix milliseconds of Unix seconds `t`, rounded toward negative infinity.
    """

def to_utc(civil: CivilTime, utc_offset_minutes: int = 0) -> float:
    """
    Unix seconds of calendar fields read at `utc_offset_minutes` from UTC (480 for China Standard Time). CoreError (Errc.invalid_time) for invalid fields or an offset beyond ±24 h.
    """

def utc_from_iso8601(text: str) -> float:
    """
    Unix seconds of an ISO 8601 date and time with a zone: 'Z' or ±HH:MM (±HHMM), a fraction of up to 6 digits (more are truncated); T or a space between date and time. CoreError (Errc.invalid_time) otherwise.
    """

def utc_from_unix_ms(ms: int) -> float:
    """
    Unix seconds of Unix milliseconds (Sparkplug B timestamps); CoreError (Errc.out_of_range) beyond ±9.2e15 ms.
    """

def utc_to_iso8601(t: float) -> str:
    """
    Unix seconds as ISO 8601 in UTC with microseconds, e.g. '2026-11-30T02:55:21.250000Z' ('out-of-range' outside years 1..9999).
    """

def validate_point_id(name: str) -> str:
    """
    Returns `name` if it is a valid point identifier: 1 to 128 bytes of UTF-8, no control characters, space, + # " or \\. Raises CoreError (Errc.invalid_point_id) naming the offending byte otherwise.
    """

POINT_ID_MAX_SIZE: int = 128

class AlarmClass(enum.IntEnum):
    """
    The class of an alarm, in increasing priority: fire > supervisory > pre_alarm > fault > disablement > none (the values compare as priorities).
    """

    none = 0
    disablement = 1
    fault = 2
    pre_alarm = 3
    supervisory = 4
    fire = 5

class AlarmState(enum.IntEnum):
    """
    An alarm's state (ISA-18.2 / IEC 62682, with the latching states of fire panels).
    """

    normal = 0
    unack = 1
    acked = 2
    rtn_unack = 3
    latched_unack = 4
    latched_acked = 5

class Errc(enum.IntEnum):
    """
    Error codes of the core area (category 'firebus.core'): the .code of a firebus.CoreError.
    """

    truncated = 1
    buffer_full = 2
    invalid_argument = 3
    out_of_range = 4
    invalid_time = 5
    invalid_point_id = 6
    unknown_name = 7
    unknown_code = 8
    version_mismatch = 9

class EventKind(enum.IntEnum):
    """
    What an event says happened (names as in the alarm semantics' JSON contract: EventKind.alarm_on.name == 'alarm_on').
    """

    alarm_on = 0
    alarm_off = 1
    returned_latched = 2
    ack = 3
    reset = 4
    reject = 5
    shelve = 6
    unshelve = 7
    suppress = 8
    unsuppress = 9
    out_of_service_on = 10
    out_of_service_off = 11
    disable = 12
    enable = 13
    fault_on = 14
    fault_off = 15
    input_drop = 16
    clock_jump = 17
    chatter_on = 18
    chatter_off = 19
    flood_on = 20
    flood_off = 21
    buzzer_on = 22
    buzzer_off = 23
    linkage_on = 24
    linkage_off = 25
    dependency_first = 26
    dependency_timeout = 27
    verify_start = 28
    verify_cancel = 29
    command = 30

class EventReason(enum.IntEnum):
    """
    Why an event happened, where the event says (none where no reason applies).
    """

    none = 0
    active = 1
    unacked = 2
    not_shelvable = 3
    shelve_time = 4
    invalid_value = 5
    over_range = 6
    under_range = 7
    open_circuit = 8
    short_circuit = 9
    fault = 10
    comm_loss = 11
    ts_conflict = 12
    out_of_order = 13

class QualityClass(enum.IntEnum):
    """
    The three classes of quality.
    """

    good = 0
    uncertain = 1
    bad = 2

class QualityCode(enum.IntEnum):
    """
    The quality of a sample (one byte): class in the top two bits (00 good, 01 uncertain, 10 bad), reason in the low six.
    """

    good = 0
    good_override = 1
    uncertain = 64
    uncertain_last_usable = 65
    uncertain_substituted = 66
    uncertain_not_accurate = 67
    bad = 128
    bad_invalid_value = 129
    bad_over_range = 130
    bad_under_range = 131
    bad_open_circuit = 132
    bad_short_circuit = 133
    bad_device_fault = 134
    bad_comm_loss = 135
    bad_out_of_service = 136
    bad_config_error = 137

class SequenceVerdict(enum.IntEnum):
    """
    How an observed sequence number relates to those seen before (SequenceTracker.observe).
    """

    first = 0
    in_order = 1
    gap = 2
    late = 3
    duplicate = 4
    invalid = 5
