"""
Sparkplug B: payloads, topics and the edge node state machine.
"""

from __future__ import annotations
import enum
import firebus._firebus.telemetry
import firebus._firebus.core
import typing

class AlarmDecl:
    """
    An alarm (or a point's fault: alarm 'fault') published as the metric Alarms/<source>/<alarm>.
    """

    alarm: str
    cls: firebus._firebus.core.AlarmClass
    source: str
    def __init__(
        self, source: str, alarm: str, cls: firebus._firebus.core.AlarmClass = ...
    ) -> None: ...

class Command:
    """
    A write a host asked for in an NCMD or DCMD.
    """
    def __repr__(self) -> str: ...
    @property
    def device(self) -> str:
        """
        The device; '' for the node.
        """
    @property
    def name(self) -> str: ...
    @property
    def timestamp(self) -> int | None: ...
    @property
    def type(self) -> DataType: ...
    @property
    def value(self) -> typing.Any: ...

class DeviceDecl:
    """
    A device of the edge node.
    """

    alarms: list[AlarmDecl]
    id: str
    metrics: list[MetricDecl]
    def __init__(
        self, id: str, metrics: list[MetricDecl] = [], alarms: list[AlarmDecl] = []
    ) -> None: ...

class EdgeNode:
    """
    A Sparkplug B edge node as a pure state machine: no I/O, no clock (times are ms since 1970). Publish what it returns; see docs/telemetry.md, 'Sparkplug B'.
    """
    def __init__(
        self,
        group_id: str,
        edge_node_id: str,
        *,
        metrics: list[MetricDecl] = [],
        alarms: list[AlarmDecl] = [],
        devices: list[DeviceDecl] = [],
        primary_host_id: str = "",
    ) -> None:
        """
        primary_host_id: births wait for that host's STATE online (on_message returns them); '' none. TelemetryError for a configuration that cannot work (invalid ids, duplicate names).
        """
    def alarms(
        self, events: list[firebus._firebus.core.Event], now_ms: int, historical: bool = False
    ) -> list[Message]:
        """
        The alarm metrics of firebus.core.Event values (births first for new alarms).
        """
    def alias_of(self, device: str, name: str) -> int | None:
        """
        The alias of a metric of the node (device '') or a device, or None.
        """
    def data(
        self, device: str, values: dict, now_ms: int, historical: bool = False
    ) -> list[Message]:
        """
        NDATA (device '') or DDATA of {name: value}; [] while disconnected.
        """
    def data_samples(
        self, samples: list[firebus._firebus.core.Sample], now_ms: int, historical: bool = False
    ) -> list[Message]:
        """
        NDATA/DDATA of firebus.core.Sample values, by the metrics' points.
        """
    def death(self) -> Message:
        """
        The NDEATH of the current session, to publish before an intentional disconnect.
        """
    def device_birth(self, device: str, now_ms: int) -> list[Message]: ...
    def device_death(self, device: str, now_ms: int) -> list[Message]: ...
    def on_connected(self, now_ms: int, will_payload: bytes | None = None) -> list[Message]:
        """
        NBIRTH and DBIRTHs of the new connection ([] while waiting for the primary host). will_payload: the Will this connection registered (mqtt ConnectionEvent.will_payload); the births carry its bdSeq, also when the next CONNECT's Will was already made.
        """
    def on_disconnected(self) -> None: ...
    def on_message(self, topic: str, payload: bytes, now_ms: int) -> Incoming:
        """
        Handles an NCMD, a DCMD or the primary host's STATE; never raises on bad input (see Incoming.problems).
        """
    def subscriptions(self) -> list[str]:
        """
        The topic filters to subscribe to (NCMD, DCMD; the primary host's STATE).
        """
    def will(self) -> Message:
        """
        The NDEATH Will for the next CONNECT (bdSeq only, QoS 1); advances bdSeq.
        """
    @property
    def bd_seq(self) -> int:
        """
        bdSeq of the latest Will.
        """
    @property
    def born(self) -> bool:
        """
        This connection's births were published: data flows.
        """
    @property
    def connected(self) -> bool: ...
    @property
    def edge_node_id(self) -> str: ...
    @property
    def group_id(self) -> str: ...
    @property
    def host_online(self) -> bool:
        """
        The primary host is online by its latest STATE on this connection (True without a primary host).
        """
    @property
    def next_seq(self) -> int: ...

class Incoming:
    """
    What EdgeNode.on_message() made of a message.
    """
    @property
    def commands(self) -> list[Command]:
        """
        Writes for the application.
        """
    @property
    def disconnect(self) -> bool:
        """
        The primary host went offline: publish EdgeNode.death(), disconnect and connect again.
        """
    @property
    def error(self) -> int:
        """
        The Errc value of the first problem (firebus._firebus.telemetry.Errc), 0 if none.
        """
    @property
    def problems(self) -> list[str]:
        """
        What was refused, and why.
        """
    @property
    def publish(self) -> list[Message]:
        """
        Messages to publish now (births).
        """
    @property
    def rebirth(self) -> bool:
        """
        A rebirth was asked for.
        """

class Message:
    """
    An MQTT message to publish.
    """
    def __repr__(self) -> str: ...
    @property
    def payload(self) -> bytes: ...
    @property
    def qos(self) -> int: ...
    @property
    def retain(self) -> bool: ...
    @property
    def topic(self) -> str: ...

class Metric:
    """
    One metric of a Sparkplug payload.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    is_historical: bool
    is_null: bool
    is_transient: bool
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality (NaN equals NaN).
        """
    def __init__(
        self,
        name: str = "",
        *,
        alias: int | None = None,
        timestamp: int | None = None,
        datatype: DataType = ...,
        value: typing.Any | None = None,
        is_historical: bool = False,
        is_transient: bool = False,
        is_null: bool = False,
        properties: typing.Any | None = None,
    ) -> None:
        """
        A metric; `properties` is a list of (key, DataType, value) tuples.
        """
    def __ne__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    @property
    def alias(self) -> int | None:
        """
        Its alias, or None.
        """
    @alias.setter
    def alias(self, arg0: int | None) -> None: ...
    @property
    def datatype(self) -> DataType:
        """
        DataType.unknown: not sent.
        """
    @datatype.setter
    def datatype(self, arg0: DataType) -> None: ...
    @property
    def name(self) -> str:
        """
        Its name ('' when not sent: DATA by alias).
        """
    @name.setter
    def name(self, arg0: str) -> None: ...
    @property
    def properties(self) -> list:
        """
        A list of (key, DataType, value) tuples (a copy).
        """
    @properties.setter
    def properties(self, arg1: typing.Any) -> None: ...
    @property
    def timestamp(self) -> int | None:
        """
        ms since 1970 (UTC), or None.
        """
    @timestamp.setter
    def timestamp(self, arg0: int | None) -> None: ...
    @property
    def value(self) -> typing.Any:
        """
        None, bool, int, float, str or bytes (converted to the datatype's kind).
        """
    @value.setter
    def value(self, arg1: typing.Any) -> None: ...

class MetricDecl:
    """
    A metric the edge node or a device publishes.
    """

    description: str
    high: float | None
    low: float | None
    name: str
    point: str
    type: DataType
    unit: str
    value: typing.Any
    def __init__(
        self,
        name: str,
        type: DataType = ...,
        *,
        value: typing.Any | None = None,
        point: str = "",
        unit: str = "",
        low: float | None = None,
        high: float | None = None,
        description: str = "",
        properties: typing.Any | None = None,
    ) -> None: ...

class Payload:
    """
    A Sparkplug B payload.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    uuid: str | None
    def __eq__(self, other: object) -> bool: ...
    def __init__(
        self,
        *,
        timestamp: int | None = None,
        metrics: list[Metric] = [],
        seq: int | None = None,
        uuid: str | None = None,
        body: bytes | None = None,
    ) -> None: ...
    def __ne__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    @property
    def body(self) -> typing.Any: ...
    @body.setter
    def body(self, arg1: bytes | None) -> None: ...
    @property
    def metrics(self) -> list[Metric]:
        """
        The metrics (a copy: assign a list).
        """
    @metrics.setter
    def metrics(self, arg0: list[Metric]) -> None: ...
    @property
    def seq(self) -> int | None:
        """
        0..255, or None (NDEATH).
        """
    @seq.setter
    def seq(self, arg0: int | None) -> None: ...
    @property
    def timestamp(self) -> int | None:
        """
        ms since 1970 (UTC), or None.
        """
    @timestamp.setter
    def timestamp(self, arg0: int | None) -> None: ...

class Topic:
    """
    spBv1.0/<group>/<type>/<edge>[/<device>] or spBv1.0/STATE/<host_id>.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    device: str
    edge: str
    group: str
    host_id: str
    type: MessageType
    def __eq__(self, other: object) -> bool: ...
    def __init__(
        self,
        group: str = "",
        type: MessageType = ...,
        edge: str = "",
        device: str = "",
        host_id: str = "",
    ) -> None: ...
    def __ne__(self, other: object) -> bool: ...
    def __repr__(self) -> str: ...
    def __str__(self) -> str:
        """
        The topic string; TelemetryError (invalid_topic) for invalid ids.
        """

def data_type_from_name(name: str) -> DataType:
    """
    The datatype called `name` (the specification's spelling); CoreError otherwise.
    """

def data_type_name(type: DataType) -> str:
    """
    The specification's name of a datatype ('Float', 'DateTime').
    """

def decode(data: bytes) -> Payload:
    """
    Decodes a payload; TelemetryError (malformed, value_mismatch, ...) with where and what.
    """

def encode(payload: Payload, datatypes: bool = True) -> bytes:
    """
    The payload's bytes; datatypes=False leaves the datatypes out, as DATA and CMD messages do. TelemetryError says where and what is wrong.
    """

def is_valid_id(id: str) -> bool:
    """
    True if `id` may be a group, edge node, device or host id (not empty, UTF-8, no '/', '+', '#').
    """

def parse_topic(topic: str) -> Topic:
    """
    Parses a Sparkplug B topic; TelemetryError (invalid_topic) otherwise.
    """

def resolve_datatype(value: typing.Any, datatype: DataType) -> typing.Any:
    """
    The value of a metric decoded without datatype (DATA: aliases only) under `datatype`: 0xFFFFFFFF is -1 as an Int8. TelemetryError (value_mismatch) if it does not fit.
    """

class DataType(enum.IntEnum):
    """
    A Sparkplug datatype code (Sparkplug 3.0 §6.4.16): the C++ enumerators' names without their trailing underscore (float, double, template). data_type_name() gives the specification's spelling.
    """

    unknown = 0
    int8 = 1
    int16 = 2
    int32 = 3
    int64 = 4
    uint8 = 5
    uint16 = 6
    uint32 = 7
    uint64 = 8
    float = 9
    double = 10
    boolean = 11
    string = 12
    datetime = 13
    text = 14
    uuid = 15
    dataset = 16
    bytes = 17
    file = 18
    template = 19
    property_set = 20
    property_set_list = 21
    int8_array = 22
    int16_array = 23
    int32_array = 24
    int64_array = 25
    uint8_array = 26
    uint16_array = 27
    uint32_array = 28
    uint64_array = 29
    float_array = 30
    double_array = 31
    boolean_array = 32
    string_array = 33
    datetime_array = 34

class MessageType(enum.IntEnum):
    """
    The message types of the Sparkplug topic namespace.
    """

    nbirth = 0
    ndeath = 1
    ndata = 2
    ncmd = 3
    dbirth = 4
    ddeath = 5
    ddata = 6
    dcmd = 7
    state = 8
