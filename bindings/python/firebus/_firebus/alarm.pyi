"""
The alarm engine (firebus::alarm): rules and their JSON loader, the engine, events, snapshots, a numpy batch path and a replay helper with the output of `firebus alarm replay --json`. Semantics: docs/alarms.md.
"""

from __future__ import annotations
import enum
import firebus._firebus.core
from firebus._firebus.core import AlarmClass
from firebus._firebus.core import AlarmState
from firebus._firebus.core import EventKind
from firebus._firebus.core import EventReason
import numpy
import typing

class ActiveEntry:
    """
    One line of the active list: an annunciated alarm, a fault (alarm None, cls fault, reason its cause) or a disabled alarm (cls disablement).
    """
    def __repr__(self) -> str:
        """
        <ActiveEntry {"point":"RC1",...}>.
        """
    def to_dict(self) -> dict:
        """
        The replay tool's summary entry ({point|zone, alarm, class, state|reason, since}).
        """
    @property
    def alarm(self) -> str | None:
        """
        Alarm id, or None (faults).
        """
    @property
    def cls(self) -> firebus._firebus.core.AlarmClass:
        """
        AlarmClass.
        """
    @property
    def point(self) -> str | None:
        """
        Point id, or None (zone alarms).
        """
    @property
    def reason(self) -> firebus._firebus.core.EventReason:
        """
        EventReason (faults: the cause).
        """
    @property
    def since(self) -> float:
        """
        When it became active, in seconds.
        """
    @property
    def state(self) -> firebus._firebus.core.AlarmState:
        """
        AlarmState (alarms).
        """
    @property
    def zone(self) -> str | None:
        """
        Zone id of a zone's own alarm, or None.
        """

class AlarmEvent:
    """
    One engine event with names (engine::to_event). str()/repr() and to_dict() follow `firebus alarm replay --json`.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Equal when every field is.
        """
    def __repr__(self) -> str:
        """
        <AlarmEvent {"t":18,"event":"alarm_on",...}>.
        """
    def to_dict(self) -> dict:
        """
        The replay tool's JSON object (json.loads of a `replay --json` line): the fields that apply to the kind, in the contract's order.
        """
    def to_event(self) -> firebus._firebus.core.Event:
        """
        The event as a firebus.core.Event (engine::to_event: names, monotonic t; source_id and seq unset).
        """
    def to_json(self) -> str:
        """
        The replay tool's JSON line (without the line break).
        """
    @property
    def alarm(self) -> str | None:
        """
        Alarm id within its point or zone, or None.
        """
    @property
    def alarm_index(self) -> int | None:
        """
        Global alarm index, or None.
        """
    @property
    def cls(self) -> firebus._firebus.core.AlarmClass:
        """
        AlarmClass (AlarmClass.none if none applies).
        """
    @property
    def command(self) -> str | None:
        """
        command events: what to do ('reset_device'), or None.
        """
    @property
    def delta_s(self) -> float | None:
        """
        clock_jump: the drift in s, or None.
        """
    @property
    def event(self) -> str:
        """
        The kind's contract name, e.g. 'alarm_on'.
        """
    @property
    def kind(self) -> firebus._firebus.core.EventKind:
        """
        EventKind.
        """
    @property
    def point(self) -> str | None:
        """
        Point id, or None.
        """
    @property
    def point_index(self) -> int | None:
        """
        Point index, or None.
        """
    @property
    def reason(self) -> firebus._firebus.core.EventReason:
        """
        EventReason (EventReason.none if none).
        """
    @property
    def source(self) -> str | None:
        """
        The member point behind a zone event, or None.
        """
    @property
    def state(self) -> firebus._firebus.core.AlarmState:
        """
        AlarmState after the event.
        """
    @property
    def t(self) -> float:
        """
        The transition's time in seconds.
        """
    @property
    def value(self) -> float | None:
        """
        The value that caused it, or None.
        """
    @property
    def zone(self) -> str | None:
        """
        Zone id, or None.
        """
    @property
    def zone_index(self) -> int | None:
        """
        Zone index, or None.
        """

class AlarmRule:
    """
    One alarm of a point (schema points[].alarms[]). Omitted numbers are 0, omitted options off.
    """
    def __init__(
        self,
        id: str = "",
        type: RuleType = RuleType.high,
        setpoint: float = 0.0,
        deadband: float = 0.0,
        on_delay_s: float = 0.0,
        off_delay_s: float = 0.0,
        rate_per_min: float = 0.0,
        window_s: float = 0.0,
        max_reference_age_s: float = 0.0,
        cls: firebus._firebus.core.AlarmClass = firebus._firebus.core.AlarmClass.fire,
        profile: Profile = Profile.isa,
        latch: bool = False,
    ) -> None:
        """
        An alarm rule; every field is also an attribute.
        """
    def __repr__(self) -> str:
        """
        AlarmRule(id='ALM', type=RuleType.high, ...).
        """
    @property
    def cls(self) -> firebus._firebus.core.AlarmClass:
        """
        AlarmClass (schema `class`): fire, supervisory, pre_alarm or fault.
        """
    @cls.setter
    def cls(self, arg0: firebus._firebus.core.AlarmClass) -> None: ...
    @property
    def deadband(self) -> float:
        """
        high/low: hysteresis, ≥ 0.
        """
    @deadband.setter
    def deadband(self, arg0: float) -> None: ...
    @property
    def id(self) -> str:
        """
        Unique within its point, e.g. 'ALM'.
        """
    @id.setter
    def id(self, arg0: str) -> None: ...
    @property
    def latch(self) -> bool:
        """
        isa: latch until reset (fire always latches).
        """
    @latch.setter
    def latch(self, arg0: bool) -> None: ...
    @property
    def max_reference_age_s(self) -> float:
        """
        rate_of_rise: fallback reference age, ≥ 0.
        """
    @max_reference_age_s.setter
    def max_reference_age_s(self, arg0: float) -> None: ...
    @property
    def off_delay_s(self) -> float:
        """
        Off delay in seconds (not applied to state alarms).
        """
    @off_delay_s.setter
    def off_delay_s(self, arg0: float) -> None: ...
    @property
    def on_delay_s(self) -> float:
        """
        On delay in seconds (not applied to state alarms).
        """
    @on_delay_s.setter
    def on_delay_s(self, arg0: float) -> None: ...
    @property
    def profile(self) -> Profile:
        """
        Profile: isa or fire.
        """
    @profile.setter
    def profile(self, arg0: Profile) -> None: ...
    @property
    def rate_per_min(self) -> float:
        """
        rate_of_rise: unit per minute, > 0.
        """
    @rate_per_min.setter
    def rate_per_min(self, arg0: float) -> None: ...
    @property
    def setpoint(self) -> float:
        """
        high/low: the limit, in the point's unit.
        """
    @setpoint.setter
    def setpoint(self, arg0: float) -> None: ...
    @property
    def type(self) -> RuleType:
        """
        RuleType: high, low, rate_of_rise, state.
        """
    @type.setter
    def type(self, arg0: RuleType) -> None: ...
    @property
    def window_s(self) -> float:
        """
        rate_of_rise: window W, > 0.
        """
    @window_s.setter
    def window_s(self, arg0: float) -> None: ...

class ChatterRule:
    """
    Chatter detection: chatter_on when an alarm goes on `count` times within window_s (0 = off).
    """
    def __init__(self, window_s: float = 0.0, count: int = 0) -> None:
        """
        A chatter rule.
        """
    def __repr__(self) -> str:
        """
        ChatterRule(window_s=..., count=...).
        """
    @property
    def count(self) -> int:
        """
        alarm_on count that is chatter.
        """
    @count.setter
    def count(self, arg0: int) -> None: ...
    @property
    def window_s(self) -> float:
        """
        Window in seconds; 0 = off.
        """
    @window_s.setter
    def window_s(self, arg0: float) -> None: ...

class Command:
    """
    An operator command. Names a point (optionally one alarm), a zone (optionally one alarm id), or nothing (ack, reset, silence: the whole panel).
    """
    def __init__(
        self,
        kind: CommandKind,
        point: str = "",
        alarm: str = "",
        zone: str = "",
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        A command.
        """
    def __repr__(self) -> str:
        """
        Command(CommandKind.ack, point='RC1', ...).
        """
    @property
    def alarm(self) -> str:
        """
        Alarm id ('' = every alarm).
        """
    @alarm.setter
    def alarm(self, arg0: str) -> None: ...
    @property
    def duration_s(self) -> float | None:
        """
        shelve: timed shelving in seconds, or None.
        """
    @duration_s.setter
    def duration_s(self, arg0: float | None) -> None: ...
    @property
    def kind(self) -> CommandKind:
        """
        CommandKind.
        """
    @kind.setter
    def kind(self, arg0: CommandKind) -> None: ...
    @property
    def one_shot(self) -> bool:
        """
        shelve: until the alarm returns to normal.
        """
    @one_shot.setter
    def one_shot(self, arg0: bool) -> None: ...
    @property
    def point(self) -> str:
        """
        Point id ('' = none).
        """
    @point.setter
    def point(self, arg0: str) -> None: ...
    @property
    def zone(self) -> str:
        """
        Zone id ('' = none).
        """
    @zone.setter
    def zone(self, arg0: str) -> None: ...

class Engine:
    """
    The alarm engine: samples, device conditions, statuses and operator commands in, events out.

    Deterministic and pure: time comes only from the inputs' ``t`` (float seconds, rounded to
    microseconds) and from :meth:`advance`; a recorded input replays to the same events. A refused
    input (unknown point, time going back, ...) raises :class:`firebus.AlarmError` and changes
    nothing. Points are named by their index (``find_point``) or their id.

    Not thread-safe: feed one engine from one thread (``sample_batch`` releases the GIL; any other
    call on the same engine meanwhile raises RuntimeError).

    Example::

        eng = Engine(load_rules("rules.json"))
        eng.sample("RC1", 18.0, 305.0)
        for e in eng.take_events():
            print(e.kind, e.point, e.alarm, e.state)
    """
    @staticmethod
    def from_file(path: str) -> Engine:
        """
        An engine configured from a rules file (see load_rules).
        """
    @staticmethod
    def from_json(text: str) -> Engine:
        """
        An engine configured from rules JSON text.
        """
    def __copy__(self) -> Engine:
        """
        An independent engine with the same configuration and state.
        """
    def __deepcopy__(self, memo: dict) -> Engine:
        """
        As __copy__.
        """
    @typing.overload
    def __init__(self, rules: Rules) -> None:
        """
        An engine configured with `rules` (a Rules). Raises AlarmError for invalid rules.
        """
    @typing.overload
    def __init__(self, rules: dict) -> None:
        """
        An engine configured with rules given as a dict (the JSON document).
        """
    def __repr__(self) -> str:
        """
        <Engine points=N alarms=N zones=N now=T events=N>.
        """
    def ack(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Acknowledges a point's alarm(s), a zone's, or (nothing named) every alarm. At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def active(self) -> list[ActiveEntry]:
        """
        The active list (ActiveEntry) in priority order: class (fire first), oldest first, then configuration order.
        """
    def advance(self, t: float) -> None:
        """
        Lets every timer due at or before `t` fire.
        """
    def alarm_class(self, index: int) -> firebus._firebus.core.AlarmClass:
        """
        The AlarmClass of an alarm (AlarmClass.none for an unknown index).
        """
    def alarm_name(self, index: int) -> str:
        """
        The id of an alarm (global index) within its point or zone.
        """
    def alarm_point(self, index: int) -> int | None:
        """
        The point index of an alarm, or None (a zone's alarm).
        """
    def alarm_zone(self, index: int) -> int | None:
        """
        The zone index of a zone's alarm, or None.
        """
    def buzzer(self) -> bool:
        """
        Whether the buzzer is on.
        """
    def clear_events(self) -> None:
        """
        Drops the pending events.
        """
    def condition(self, point: int | str, t: float, condition: DeviceCondition) -> None:
        """
        A DeviceCondition the device reports (drives `state` alarms, without delay).
        """
    def disable(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Disables alarms (屏蔽). At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def enable(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Enables disabled alarms. At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def events(self) -> list[AlarmEvent]:
        """
        The events emitted since the last take_events()/clear_events(), in order (a list of AlarmEvent; not cleared).
        """
    def events_array(self, clear: bool = False) -> numpy.ndarray:
        """
        The pending events as a numpy structured array with fields t (float64 s), kind, point, alarm, zone (uint32 indices, NPOS when absent), cls, state, reason (uint8 enum values) and value (float64, NaN when absent); clears them if `clear`.
        """
    def execute(self, t: float, command: Command) -> None:
        """
        Executes an operator Command at `t`. Raises AlarmError (unknown point/alarm/zone, invalid argument, time going back).
        """
    def fault(self, point: int | str) -> firebus._firebus.core.EventReason:
        """
        A point's active fault (EventReason.none when none).
        """
    def find_alarm(self, point: int | str, id: str) -> int | None:
        """
        The global index of a point's alarm, or None. Raises AlarmError for an unknown point.
        """
    def find_point(self, id: str) -> int | None:
        """
        The index of a point, or None.
        """
    def find_zone(self, id: str) -> int | None:
        """
        The index of a zone, or None.
        """
    def flooding(self) -> bool:
        """
        Whether an alarm flood is on.
        """
    def is_condition_active(self, point: int | str, alarm: str) -> bool:
        """
        Whether an alarm's condition is active (after delays), annunciated or not.
        """
    def is_disabled(self, point: int | str, alarm: str) -> bool:
        """
        Whether an alarm is disabled.
        """
    def is_out_of_service(self, point: int | str, alarm: str) -> bool:
        """
        Whether an alarm is out of service (the command is out_of_service()).
        """
    def is_shelved(self, point: int | str, alarm: str) -> bool:
        """
        Whether an alarm is shelved.
        """
    def is_suppressed(self, point: int | str, alarm: str) -> bool:
        """
        Whether an alarm is suppressed by design.
        """
    def linkage(self, zone: str) -> bool:
        """
        Whether a zone's linkage output is on.
        """
    def memory_bytes(self) -> int:
        """
        Bytes the engine holds for its configuration and state.
        """
    def out_of_service(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Takes a point out of service. At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def panel(self) -> firebus._firebus.core.AlarmClass:
        """
        The panel's state: the highest AlarmClass in the active list (AlarmClass.none: normal).
        """
    def point_ids(self) -> list[str]:
        """
        Point ids by index.
        """
    def point_name(self, index: int) -> str:
        """
        The id of a point. Raises AlarmError for an unknown index.
        """
    def raw_sample(
        self, point: int | str, t: float, milliamps: float, ts: float | None = None
    ) -> None:
        """
        A raw 4–20 mA loop reading, mapped by the point's raw_4_20mA (AlarmError Errc.no_raw_mapping without one).
        """
    def reset(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Resets latched alarms (rejected with reason active/unacked where it cannot). At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def restore(self, data: bytes, t: float) -> None:
        """
        Restores a snapshot of an engine with the same rules at time `t` (staleness restarts from t; emits nothing). Raises AlarmError Errc.snapshot_corrupt or Errc.snapshot_mismatch, leaving the engine unchanged.
        """
    def return_to_service(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Returns a point to service. At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def sample(self, point: int | str, t: float, value: float, ts: float | None = None) -> None:
        """
        A sample in the point's unit at receive time `t` (seconds), device time stamp `ts` (default t). `point` is an index or an id. Raises AlarmError (unknown point, time going back, invalid time).
        """
    def sample_batch(
        self,
        points: numpy.ndarray,
        t: numpy.ndarray,
        values: numpy.ndarray,
        ts: numpy.ndarray | None = None,
    ) -> int:
        """
        Feeds samples from numpy arrays: point indices (integers, converted to uint32), receive times in seconds and values (numbers, converted to float64), and optionally device time stamps; 1-D, equal lengths (ValueError otherwise; TypeError for booleans, strings, objects). The loop runs without the GIL. Stops at the first refused sample with AlarmError 'sample_batch: sample I: ...' whose `index` attribute is I (the samples before it stay applied). Returns the number of events produced.
        """
    def shelve(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Shelves alarms for duration_s seconds (≤ rules.max_shelve_s) or one_shot (until the alarm returns to normal); fire alarms cannot be shelved. At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def silence(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Silences the buzzer (panel-wide). At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def snapshot(self) -> bytes:
        """
        The whole state as bytes (versioned, tied to this configuration).
        """
    def state(self, point: int | str, alarm: str) -> firebus._firebus.core.AlarmState:
        """
        An alarm's annunciated AlarmState (normal while shelved, suppressed, out of service or disabled).
        """
    def status(self, point: int | str, t: float, status: DeviceStatus) -> None:
        """
        The device's DeviceStatus.
        """
    def summary(self) -> dict:
        """
        The replay tool's summary: {'panel': 'fire'|...|'normal', 'active': [entries]}.
        """
    def take_events(self) -> list[AlarmEvent]:
        """
        The events (as events()) and clears them.
        """
    def unshelve(
        self,
        t: float,
        *,
        point: int | str | None = None,
        alarm: str | None = None,
        zone: str | None = None,
        duration_s: float | None = None,
        one_shot: bool = False,
    ) -> None:
        """
        Ends a shelving. At `t`; names point= (index or id) with optional alarm=, or zone= with optional alarm=. Raises AlarmError as execute().
        """
    def zone_alarm(self, zone: str) -> int | None:
        """
        The global index of a dependency zone's own alarm 'FIRE', or None.
        """
    def zone_ids(self) -> list[str]:
        """
        Zone ids by index.
        """
    def zone_name(self, index: int) -> str:
        """
        The id of a zone. Raises AlarmError for an unknown index.
        """
    def zone_state(self, zone: str) -> firebus._firebus.core.AlarmState:
        """
        The AlarmState of a dependency zone's own alarm 'FIRE'.
        """
    @property
    def alarm_count(self) -> int:
        """
        Number of alarms: point alarms in configuration order, then one 'FIRE' per dependency zone.
        """
    @property
    def event_count(self) -> int:
        """
        Number of pending events.
        """
    @property
    def next_due(self) -> float | None:
        """
        When the next timer is due, in seconds, or None: call advance() then.
        """
    @property
    def now(self) -> float:
        """
        The engine's time in seconds: the latest input or advance.
        """
    @property
    def point_count(self) -> int:
        """
        Number of points.
        """
    @property
    def rules(self) -> Rules:
        """
        A copy of the engine's configuration (a new Rules each time).
        """
    @property
    def shortcut(self) -> bool:
        """
        Whether samples that change no alarm take the one-cache-line shortcut (default True). Results are identical either way; False exists for differential tests.
        """
    @shortcut.setter
    def shortcut(self, arg1: bool) -> None: ...
    @property
    def zone_count(self) -> int:
        """
        Number of zones.
        """

class FloodRule:
    """
    Alarm flood: flood_on at ≥ `on` annunciated alarm_on within window_s, flood_off at ≤ `off` (window 0 = off).
    """
    def __init__(self, window_s: float = 0.0, on: int = 0, off: int = 0) -> None:
        """
        A flood rule.
        """
    def __repr__(self) -> str:
        """
        FloodRule(window_s=..., on=..., off=...).
        """
    @property
    def off(self) -> int:
        """
        flood_off at this many alarms or fewer.
        """
    @off.setter
    def off(self, arg0: int) -> None: ...
    @property
    def on(self) -> int:
        """
        flood_on at this many alarms or more.
        """
    @on.setter
    def on(self, arg0: int) -> None: ...
    @property
    def window_s(self) -> float:
        """
        Window in seconds; 0 = off.
        """
    @window_s.setter
    def window_s(self, arg0: float) -> None: ...

class OutputRule:
    """
    Which panel outputs the engine emits events for.
    """
    def __init__(self, buzzer: bool = False, linkage: bool = False, commands: bool = False) -> None:
        """
        An output rule.
        """
    def __repr__(self) -> str:
        """
        OutputRule(buzzer=..., linkage=..., commands=...).
        """
    @property
    def buzzer(self) -> bool:
        """
        Emit buzzer_on / buzzer_off.
        """
    @buzzer.setter
    def buzzer(self, arg0: bool) -> None: ...
    @property
    def commands(self) -> bool:
        """
        Emit `command` events (reset_device for verification).
        """
    @commands.setter
    def commands(self, arg0: bool) -> None: ...
    @property
    def linkage(self) -> bool:
        """
        Emit linkage_on / linkage_off.
        """
    @linkage.setter
    def linkage(self, arg0: bool) -> None: ...

class PointRule:
    """
    A point: one measured or reported quantity of one device. `alarms` is a Python list of AlarmRule (mutable in place).
    """
    def __init__(
        self,
        id: str = "",
        unit: str = "",
        range: tuple[float, float] | None = None,
        raw_4_20mA: tuple[float, float] | None = None,
        stale_s: float = 0.0,
        suppressed_by: str = "",
        verification: VerificationRule | None = None,
        alarms: typing.Iterable = [],
    ) -> None:
        """
        A point rule; every field is also an attribute.
        """
    def __repr__(self) -> str:
        """
        PointRule(id='RC1', unit='mA', ..., alarms=['PRE', 'ALM']) (alarm ids only).
        """
    @property
    def alarms(self) -> list:
        """
        The point's alarms, evaluated in this order: a list of AlarmRule.
        """
    @alarms.setter
    def alarms(self, arg1: typing.Iterable) -> None: ...
    @property
    def id(self) -> str:
        """
        Unique point id, e.g. 'RC1'.
        """
    @id.setter
    def id(self, arg0: str) -> None: ...
    @property
    def range(self) -> tuple[float, float] | None:
        """
        Valid (lo, hi) in engineering units, or None.
        """
    @range.setter
    def range(self, arg0: tuple[float, float] | None) -> None: ...
    @property
    def raw_4_20mA(self) -> tuple[float, float] | None:
        """
        4 mA → first, 20 mA → second, or None.
        """
    @raw_4_20mA.setter
    def raw_4_20mA(self, arg0: tuple[float, float] | None) -> None: ...
    @property
    def stale_s(self) -> float:
        """
        comm_loss after this long; 0 = off.
        """
    @stale_s.setter
    def stale_s(self, arg0: float) -> None: ...
    @property
    def suppressed_by(self) -> str:
        """
        A point whose non-zero value suppresses this one's alarms ('' = none).
        """
    @suppressed_by.setter
    def suppressed_by(self, arg0: str) -> None: ...
    @property
    def unit(self) -> str:
        """
        Engineering unit (informative).
        """
    @unit.setter
    def unit(self, arg0: str) -> None: ...
    @property
    def verification(self) -> VerificationRule | None:
        """
        VerificationRule of the point's fire state alarms, or None.
        """
    @verification.setter
    def verification(self, arg1: VerificationRule | None) -> None: ...

class Rules:
    """
    The whole alarm configuration (protocols/alarm-rules.schema.json, version 1). `points` and `zones` are Python lists (mutable in place). Build it in code, or with Rules.from_dict / Rules.from_json / load_rules; check it with validate().
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    @staticmethod
    def from_dict(d: dict, name: str = "rules") -> Rules:
        """
        Rules from a dict shaped like the JSON document (json.dumps then the C++ loader: unknown keys, wrong types and missing fields raise AlarmError with the JSON path).
        """
    @staticmethod
    def from_json(text: str, name: str = "rules") -> Rules:
        """
        Parses and validates rules JSON text with the C++ loader. Raises AlarmError '<name>: <JSON path>: <message>', e.g. 'rules: points[3].alarms[0].deadband: expected a number ≥ 0, found "5"'.
        """
    def __eq__(self, other: object) -> bool:
        """
        Equal when the canonical JSON texts are equal.
        """
    def __init__(
        self,
        max_shelve_s: float = 0.0,
        chatter: ChatterRule | None = None,
        flood: FloodRule | None = None,
        outputs: OutputRule | None = None,
        points: typing.Iterable = [],
        zones: typing.Iterable = [],
        version: int = 1,
    ) -> None:
        """
        A configuration (empty by default).
        """
    def __repr__(self) -> str:
        """
        <Rules version=1 points=N alarms=N zones=N>.
        """
    def to_dict(self) -> typing.Any:
        """
        The canonical JSON document as a dict (every field; absent options are None).
        """
    def to_json(self) -> str:
        """
        The canonical JSON text: every field in the schema's order, indented by two spaces.
        """
    @property
    def chatter(self) -> ChatterRule:
        """
        ChatterRule.
        """
    @chatter.setter
    def chatter(self, arg0: ChatterRule) -> None: ...
    @property
    def flood(self) -> FloodRule:
        """
        FloodRule.
        """
    @flood.setter
    def flood(self, arg0: FloodRule) -> None: ...
    @property
    def max_shelve_s(self) -> float:
        """
        Longest timed shelving in seconds; 0 refuses every timed shelve.
        """
    @max_shelve_s.setter
    def max_shelve_s(self, arg0: float) -> None: ...
    @property
    def outputs(self) -> OutputRule:
        """
        OutputRule.
        """
    @outputs.setter
    def outputs(self, arg0: OutputRule) -> None: ...
    @property
    def points(self) -> list:
        """
        The points: a list of PointRule.
        """
    @points.setter
    def points(self, arg1: typing.Iterable) -> None: ...
    @property
    def version(self) -> int:
        """
        The schema version (1).
        """
    @version.setter
    def version(self, arg0: int) -> None: ...
    @property
    def zones(self) -> list:
        """
        The zones: a list of ZoneRule.
        """
    @zones.setter
    def zones(self, arg1: typing.Iterable) -> None: ...

class VerificationRule:
    """
    Alarm verification of a point's fire alarms (EN 54-2 §7.11): signals within ignore_s of the first are ignored, then one within confirm_s confirms the alarm.
    """
    def __init__(self, ignore_s: float = 0.0, confirm_s: float = 0.0) -> None:
        """
        A verification rule.
        """
    def __repr__(self) -> str:
        """
        VerificationRule(ignore_s=..., confirm_s=...).
        """
    @property
    def confirm_s(self) -> float:
        """
        Confirmation window in seconds, > 0.
        """
    @confirm_s.setter
    def confirm_s(self, arg0: float) -> None: ...
    @property
    def ignore_s(self) -> float:
        """
        Seconds ignored, ≥ 0.
        """
    @ignore_s.setter
    def ignore_s(self, arg0: float) -> None: ...

class ZoneRule:
    """
    A zone: a group of points for linkage, dependency (type B) or commands. `members` and `manual_call_points` are lists of point ids.
    """
    def __init__(
        self,
        id: str = "",
        members: typing.Iterable = [],
        linkage_min_devices: int = 0,
        dependency_window_s: float = 0.0,
        manual_call_points: typing.Iterable = [],
    ) -> None:
        """
        A zone rule; every field is also an attribute.
        """
    def __repr__(self) -> str:
        """
        ZoneRule(id='Z1', members=['SD1', 'SD2'], ...).
        """
    @property
    def dependency_window_s(self) -> float:
        """
        Dependency (type B) window in seconds; 0 = off.
        """
    @dependency_window_s.setter
    def dependency_window_s(self, arg0: float) -> None: ...
    @property
    def id(self) -> str:
        """
        Unique zone id.
        """
    @id.setter
    def id(self, arg0: str) -> None: ...
    @property
    def linkage_min_devices(self) -> int:
        """
        linkage_on when this many members are in alarm; 0 = off.
        """
    @linkage_min_devices.setter
    def linkage_min_devices(self, arg0: int) -> None: ...
    @property
    def manual_call_points(self) -> list:
        """
        Members (list of str) that raise the zone at once.
        """
    @manual_call_points.setter
    def manual_call_points(self, arg1: typing.Iterable) -> None: ...
    @property
    def members(self) -> list:
        """
        Point ids (list of str), each at most once.
        """
    @members.setter
    def members(self, arg1: typing.Iterable) -> None: ...

def load_rules(path: str) -> Rules:
    """
    Reads and validates a rules file. Raises AlarmError '<path>: <JSON path>: <message>' for refused rules, firebus.SystemError '<path>: cannot load the rules: ...' for a file that cannot be read.
    """

def replay(rules: Rules | dict, lines: typing.Iterable) -> tuple:
    """
    Replays the replay tool's input objects (dicts, or JSON text lines; blank lines skipped) through a new engine, as `firebus alarm replay --json` does. Returns (events, summary): the events as dicts equal to the tool's JSON lines (same keys, same order) and the summary {'panel': ..., 'active': [...]}. A refused line raises AlarmError 'input line N: ...' with attributes `line` and `events` (the events up to it).
    """

def validate(rules: Rules, name: str = "rules") -> None:
    """
    Checks a configuration (firebus::alarm::validate); raises AlarmError (Errc.invalid_rules) '<name>: <JSON path>: <message>' at the first problem, in document order; returns None when valid. A list item of the wrong type raises TypeError.
    """

MAX_RULES_SIZE: int = 67108864
NPOS: int = 4294967295
RULES_VERSION: int = 1

class CommandKind(enum.IntEnum):
    """
    Operator commands.
    """

    ack = 0
    reset = 1
    silence = 2
    shelve = 3
    unshelve = 4
    disable = 5
    enable = 6
    out_of_service = 7
    return_to_service = 8

class DeviceCondition(enum.IntEnum):
    """
    What a device reports about itself (drives `state` alarms).
    """

    normal = 0
    fire = 1
    active = 2

class DeviceStatus(enum.IntEnum):
    """
    A device's health as it reports it.
    """

    ok = 0
    fault = 1
    open_circuit = 2
    short_circuit = 3

class Errc(enum.IntEnum):
    """
    Error codes of the alarm engine: the `code` of a firebus.AlarmError (category 'firebus.alarm').
    """

    invalid_rules = 1
    not_configured = 2
    unknown_point = 3
    unknown_alarm = 4
    unknown_zone = 5
    time_went_back = 6
    invalid_time = 7
    invalid_argument = 8
    no_raw_mapping = 9
    snapshot_corrupt = 10
    snapshot_mismatch = 11

class Profile(enum.IntEnum):
    """
    The life-cycle an alarm follows: isa (ANSI/ISA-18.2) or fire (GB 4717: always latches, no ack needed to reset, no shelving).
    """

    isa = 0
    fire = 1

class RuleType(enum.IntEnum):
    """
    What makes an alarm's condition active (schema `type`).
    """

    high = 0
    low = 1
    rate_of_rise = 2
    state = 3
