"""
Telemetry: births, batches, aliases, the firebus protobuf encoding, JSON.
"""

from __future__ import annotations
import enum
import firebus._firebus.core
import typing

class AliasTable:
    """
    The aliases of one Birth: point id to alias and back. Raises TelemetryError (duplicate_alias, duplicate_point, invalid_point_name) for a birth that declares a point or an alias twice, or a point without a name.
    """
    def __init__(self, birth: Birth) -> None:
        """
        The table of `birth`.
        """
    def __len__(self) -> int:
        """
        The number of points.
        """
    def __repr__(self) -> str:
        """
        AliasTable(birth_id=7, 3 points).
        """
    def alias_of(self, point: str) -> int | None:
        """
        The alias of a point id, or None if the birth does not declare it.
        """
    def point_of(self, alias: int) -> str | None:
        """
        The point id of an alias, or None if the birth does not declare it.
        """
    @property
    def birth_id(self) -> int:
        """
        The birth_id of the birth the table was made from.
        """

class Batch:
    """
    Samples (firebus.core.Sample, named by point id), events (firebus.core.Event) and device statuses of one source, in the order they were produced. Samples need the aliases of the birth `birth_id` to be encoded and decoded.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality (NaN equals NaN).
        """
    def __init__(
        self,
        samples: list[firebus._firebus.core.Sample] = [],
        *,
        events: list[firebus._firebus.core.Event] = [],
        statuses: list[DeviceStatus] = [],
        birth_id: int = 0,
        historical: bool = False,
    ) -> None:
        """
        A batch.
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        Batch(birth_id=7, 1000 samples, 2 events, 0 statuses).
        """
    @property
    def birth_id(self) -> int:
        """
        The birth whose aliases the samples use.
        """
    @birth_id.setter
    def birth_id(self, arg0: int) -> None: ...
    @property
    def events(self) -> list[firebus._firebus.core.Event]:
        """
        The events (a copy: assign a whole list to change them).
        """
    @events.setter
    def events(self, arg0: list[firebus._firebus.core.Event]) -> None: ...
    @property
    def historical(self) -> bool:
        """
        Produced while the uplink was down, sent on reconnect (replay).
        """
    @historical.setter
    def historical(self, arg0: bool) -> None: ...
    @property
    def samples(self) -> list[firebus._firebus.core.Sample]:
        """
        The samples (a copy: assign a whole list to change them).
        """
    @samples.setter
    def samples(self, arg0: list[firebus._firebus.core.Sample]) -> None: ...
    @property
    def statuses(self) -> list[DeviceStatus]:
        """
        The device statuses (a copy: assign a whole list to change them).
        """
    @statuses.setter
    def statuses(self, arg0: list[DeviceStatus]) -> None: ...

class Birth:
    """
    Declares the points a source will report, so that batches carry small aliases instead of names. Aliases and names are each unique within a birth. `birth_id` identifies the alias assignment: keep it while the points are unchanged (batches replayed after a reconnect still decode), take a new one when they change.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(
        self, points: list[PointDecl] = [], *, time: float = 0.0, birth_id: int = 0
    ) -> None:
        """
        A birth; `time` is Unix seconds.
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        Birth(birth_id=7, time=1764471321.0, 3 points).
        """
    def assign_aliases(self) -> None:
        """
        Numbers the points 0, 1, 2, ... in their order (one byte each on the wire for the first 128).
        """
    @property
    def birth_id(self) -> int:
        """
        Identifies this alias assignment.
        """
    @birth_id.setter
    def birth_id(self, arg0: int) -> None: ...
    @property
    def points(self) -> list[PointDecl]:
        """
        The points (a copy: assign a whole list to change them).
        """
    @points.setter
    def points(self, arg0: list[PointDecl]) -> None: ...
    @property
    def time(self) -> float:
        """
        When the birth was made, Unix seconds (travels in whole milliseconds).
        """
    @time.setter
    def time(self, arg1: float) -> None: ...

class BirthRegistry:
    """
    A receiver's memory of births: the most recent `births_per_source` alias tables of every source, by birth_id, so that decode() finds the aliases a batch uses.
    """
    def __init__(self, births_per_source: int = 4) -> None:
        """
        A registry keeping up to `births_per_source` births per source (at least 1).
        """
    def add(self, source_id: str, birth: Birth) -> None:
        """
        Remembers the aliases of `birth` from `source_id` (replacing one with the same birth_id; beyond births_per_source the oldest is forgotten). TelemetryError as AliasTable().
        """
    def clear(self) -> None:
        """
        Forgets everything.
        """
    def find(self, source_id: str, birth_id: int) -> AliasTable | None:
        """
        A copy of the aliases of birth `birth_id` of `source_id`, or None.
        """
    def forget(self, source_id: str) -> None:
        """
        Forgets every birth of `source_id`.
        """
    @property
    def sources(self) -> int:
        """
        The number of sources with at least one birth.
        """

class DeviceStatus:
    """
    A field device entered a state.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(
        self,
        device: str = "",
        time: float = 0.0,
        state: DeviceState = DeviceState.unknown,
        detail: str = "",
    ) -> None:
        """
        A device status; `time` is Unix seconds.
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        DeviceStatus(device='unit3', time=1764471321.0, state=DeviceState.offline, detail='timeout').
        """
    @property
    def detail(self) -> str:
        """
        Why, for people: 'timeout', 'exception 0x02'.
        """
    @detail.setter
    def detail(self, arg0: str) -> None: ...
    @property
    def device(self) -> str:
        """
        The device's id in the gateway configuration.
        """
    @device.setter
    def device(self, arg0: str) -> None: ...
    @property
    def state(self) -> DeviceState:
        """
        The state.
        """
    @state.setter
    def state(self, arg0: DeviceState) -> None: ...
    @property
    def time(self) -> float:
        """
        When the state was entered, Unix seconds (travels in whole milliseconds).
        """
    @time.setter
    def time(self, arg1: float) -> None: ...

class Envelope:
    """
    One message of a source: a Birth or a Batch, with the source id, a lane and the source's sequence number in that lane (1, 2, 3, ...), so that receivers can drop duplicates by (source_id, lane, seq).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality (NaN equals NaN).
        """
    def __init__(
        self, source_id: str = "", seq: int = 0, body: Batch | Birth = ..., lane: Lane = ...
    ) -> None:
        """
        An envelope.
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        Envelope(source_id='gw-0001', seq=2, body=Batch(...)).
        """
    @property
    def body(self) -> Batch | Birth:
        """
        The Birth or the Batch (a copy).
        """
    @body.setter
    def body(self, arg0: Batch | Birth) -> None: ...
    @property
    def lane(self) -> Lane:
        """
        The Lane `seq` counts in.
        """
    @lane.setter
    def lane(self, arg0: Lane) -> None: ...
    @property
    def seq(self) -> int:
        """
        The source's sequence number in `lane`, from 1.
        """
    @seq.setter
    def seq(self, arg0: int) -> None: ...
    @property
    def source_id(self) -> str:
        """
        Who sent it: a gateway id (point id rules).
        """
    @source_id.setter
    def source_id(self, arg0: str) -> None: ...

class PointDecl:
    """
    One point of a Birth: its alias in data messages, its point id and what it measures.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(
        self,
        name: str = "",
        alias: int = 0,
        *,
        unit: str = "",
        quantity: str = "",
        low: float | None = None,
        high: float | None = None,
        description: str = "",
    ) -> None:
        """
        A point declaration; `name` must be a valid point id (CoreError otherwise).
        """
    def __ne__(self, other: object) -> bool:
        """
        Field-wise inequality.
        """
    def __repr__(self) -> str:
        """
        PointDecl(name='RC1', alias=0, unit='mA').
        """
    @property
    def alias(self) -> int:
        """
        The point's number in the source's batches (firebus v1: below 2**32).
        """
    @alias.setter
    def alias(self, arg0: int) -> None: ...
    @property
    def description(self) -> str:
        """
        Free text for people.
        """
    @description.setter
    def description(self, arg0: str) -> None: ...
    @property
    def high(self) -> float | None:
        """
        Upper limit of the measuring range, or None if not known.
        """
    @high.setter
    def high(self, arg0: float | None) -> None: ...
    @property
    def low(self) -> float | None:
        """
        Lower limit of the measuring range, or None if not known.
        """
    @low.setter
    def low(self, arg0: float | None) -> None: ...
    @property
    def name(self) -> str:
        """
        The point id, e.g. 'b1/f3/rcm1/loop3/ir' ('' for none: refused by the encoder).
        """
    @name.setter
    def name(self, arg1: str) -> None: ...
    @property
    def quantity(self) -> str:
        """
        What is measured, e.g. 'residual_current', 'temperature'.
        """
    @quantity.setter
    def quantity(self, arg0: str) -> None: ...
    @property
    def unit(self) -> str:
        """
        Engineering unit (UCUM where one exists), e.g. 'mA', 'Cel'.
        """
    @unit.setter
    def unit(self, arg0: str) -> None: ...

@typing.overload
def decode(data: bytes, births: BirthRegistry) -> Envelope:
    """
    Decodes a firebus.v1.Envelope, finding a batch's aliases in `births` by source id and birth_id. A decoded Birth is not added to `births`: do it with births.add(). Raises TelemetryError (every Errc but unknown_point), e.g. unknown_birth when the batch's birth is not known.
    """

@typing.overload
def decode(data: bytes, aliases: AliasTable) -> Envelope:
    """
    Decodes with the aliases of one birth (a batch naming another birth_id raises TelemetryError unknown_birth).
    """

@typing.overload
def decode(data: bytes) -> Envelope:
    """
    Decodes a birth, or a batch without samples.
    """

def encode(envelope: Envelope, aliases: AliasTable | None = None) -> bytes:
    """
    The envelope as a firebus.v1.Envelope message (protocols/firebus/v1/telemetry.proto). Samples need the AliasTable of the birth the batch names. Values a 32-bit float cannot hold travel as doubles, so every float comes back bit for bit; times travel in whole milliseconds. Raises TelemetryError: unknown_point, unknown_birth, invalid_source_id, missing_seq, duplicate_alias, duplicate_point, invalid_point_name, alias_out_of_range, invalid_text, too_many_items, message_too_large.
    """

def errc_message(code: Errc) -> str:
    """
    The C++ message of an Errc ('alias not declared by the birth').
    """

@typing.overload
def from_json(text: str, births: BirthRegistry) -> Envelope:
    """
    Parses the JSON mapping and decodes it as decode() does. Raises TelemetryError (malformed for bad JSON or unknown fields).
    """

@typing.overload
def from_json(text: str, aliases: AliasTable) -> Envelope:
    """
    from_json() with the aliases of one birth.
    """

@typing.overload
def from_json(text: str) -> Envelope:
    """
    from_json() of a birth, or of a batch without samples.
    """

def json_to_wire(text: str) -> bytes:
    """
    Encoded bytes of canonical JSON, aliases unresolved. Raises TelemetryError as from_json().
    """

def stamp(data: bytes, seq: int, *, lane: Lane = ..., historical: bool = False) -> bytes:
    """
    Re-stamps an encoded envelope as the uplink does when it sends it: sets its seq and lane and, with historical, its batch's historical flag; everything else is kept. Raises TelemetryError as decode() (aliases aside), missing_seq for seq 0.
    """

def to_json(envelope: Envelope, aliases: AliasTable | None = None) -> str:
    """
    The canonical proto3 JSON of the message encode() makes, on one line: lowerCamelCase names, 64-bit integers as strings, enumerations by name, fields at their default left out. Errors as encode().
    """

def wire_to_json(data: bytes) -> str:
    """
    The canonical JSON of encoded bytes, aliases unresolved (no birth needed). Raises TelemetryError as decode().
    """

MAX_MESSAGE_BYTES: int = 16777216

class DeviceState(enum.IntEnum):
    """
    The state of a field device as the gateway sees it: unknown (not yet polled), online, fault (answering, reports a fault), offline (not answering), quarantined (polled only by an occasional probe).
    """

    unknown = 0
    online = 1
    fault = 2
    offline = 3
    quarantined = 4

class Errc(enum.IntEnum):
    """
    TelemetryError codes (TelemetryError.code; category 'firebus.telemetry').
    """

    malformed = 1
    message_too_large = 2
    too_many_items = 3
    missing_body = 4
    invalid_source_id = 5
    missing_seq = 6
    invalid_point_name = 7
    duplicate_alias = 8
    duplicate_point = 9
    alias_out_of_range = 10
    unknown_point = 11
    unknown_alias = 12
    unknown_birth = 13
    column_mismatch = 14
    bad_exact_index = 15
    missing_kind = 16
    enum_out_of_range = 17
    time_out_of_range = 18
    invalid_text = 19
    invalid_topic = 20
    unknown_datatype = 21
    value_mismatch = 22
    nesting_too_deep = 23
    unknown_device = 24
    invalid_decimals = 25

class Lane(enum.IntEnum):
    """
    The sequence an Envelope's seq counts in: telemetry (sample batches, device statuses; the default) or alarm (events, births). Receivers identify a message by (source_id, lane, seq).
    """

    telemetry = 0
    alarm = 1
