"""
The uplink: the store-and-forward journal and its lanes.
"""

from __future__ import annotations
import enum
import firebus._firebus
import firebus._firebus.gb26875
import firebus._firebus.mqtt
import types
import typing

class Entry:
    """
    A message read from the journal (Journal.next, read).
    """
    def __repr__(self) -> str: ...
    @property
    def attempts(self) -> int:
        """
        How many times next() handed it out since the journal was opened (0 from read()).
        """
    @property
    def format(self) -> int:
        """
        The payload's encoding, as appended.
        """
    @property
    def historical(self) -> bool:
        """
        Appended before the last rewind() or before the journal was opened: replayed data, to be marked historical when sent.
        """
    @property
    def id(self) -> int:
        """
        Unique in the journal, never reused: Journal.ack takes it.
        """
    @property
    def lane(self) -> Lane:
        """
        Its lane.
        """
    @property
    def payload(self) -> bytes:
        """
        The encoded message.
        """
    @property
    def produced(self) -> float:
        """
        When it was produced, Unix seconds.
        """
    @property
    def qos(self) -> int:
        """
        MQTT QoS to publish with.
        """
    @property
    def retain(self) -> bool:
        """
        MQTT retain flag.
        """
    @property
    def seq(self) -> int:
        """
        1, 2, 3, ... in its lane, kept across restarts (receivers drop duplicates by it).
        """
    @property
    def topic(self) -> str:
        """
        Where to publish it.
        """

class Gb26875Delivery:
    """
    A message confirmed by the centre (Gb26875Uplink.on_delivered).
    """
    def __repr__(self) -> str: ...
    @property
    def attempts(self) -> int:
        """
        Transmissions of its last submission.
        """
    @property
    def id(self) -> int:
        """
        Its journal id (what send() returned).
        """
    @property
    def lane(self) -> Lane:
        """
        Its lane (Lane).
        """
    @property
    def latency(self) -> float:
        """
        Seconds from produced to the confirm (outages included).
        """
    @property
    def priority(self) -> firebus._firebus.gb26875.MessagePriority:
        """
        Its priority as classified (firebus._firebus.gb26875.MessagePriority).
        """
    @property
    def produced(self) -> float:
        """
        When it was appended (Unix seconds).
        """
    @property
    def seq(self) -> int:
        """
        Its sequence number in its lane.
        """
    @property
    def submissions(self) -> int:
        """
        Times the uplink handed it out since the journal was opened.
        """

class Gb26875Uplink:
    """
    Sends a Journal to a GB/T 26875.3 monitoring centre (C++ firebus::uplink::gb26875_uplink, <firebus/io/gb26875_uplink.hpp>; docs/gb26875-uplink.md) through a UITD client of its own, made from a firebus.gb26875.ClientConfig. send() encodes and classifies an ADU and appends it to the journal (fire and alarms: Lane.alarm, routine: Lane.telemetry; on disk when it returns); the uplink sends alarms first, fire ahead of everything, and removes a message when the centre confirmed it. A denied message is removed and reported to on_denied. On every connection everything not confirmed goes again (at least once). Callbacks run on the uplink's I/O thread with the GIL held. A context manager: `with Gb26875Uplink(j, cfg) as up:` starts and closes.
    """
    def __enter__(self) -> Gb26875Uplink:
        """
        Starts the uplink; returns it.
        """
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the uplink.
        """
    def __init__(
        self,
        journal: Journal,
        config: firebus._firebus.gb26875.ClientConfig,
        *,
        window: int = 8,
        alarm_window: int = 64,
        poll_interval: float = 1.0,
        retry_delay: float = 5.0,
        keep_denied: bool = True,
    ) -> None:
        """
        window: telemetry messages submitted and not yet reported (1..1000); alarm_window: the same for alarms, independent (an alarm never waits for telemetry); poll_interval, retry_delay: seconds; keep_denied: keep and resend a denied message instead of removing it. Raises CoreError for an option out of range, firebus.Error for an invalid configuration.
        """
    def __repr__(self) -> str: ...
    def client_counters(self) -> firebus._firebus.gb26875.ClientCounters:
        """
        The client's counters (firebus.gb26875.ClientCounters).
        """
    def close(self) -> None:
        """
        Detaches the uplink, stops and frees the client, joins the I/O thread. Idempotent.
        """
    def notify(self) -> None:
        """
        Wakes the uplink after messages were appended to the journal directly.
        """
    def oldest_unsent(self, lane: Lane) -> float | None:
        """
        When the oldest message of `lane` not yet confirmed was produced (Unix seconds), or None when the lane is empty.
        """
    def send(self, adu: bytes | bytearray | memoryview | firebus._firebus.gb26875.Adu) -> int:
        """
        Appends the ADU (bytes, checked, or an Adu) to the journal (on disk when this returns) and wakes the uplink; returns its journal id. Raises GB26875Error when it cannot be encoded within the standard's limits, JournalError when the journal refused it (journal_full: report it loudly and keep the message; storage_full, read_only, ...).
        """
    def send_batch(
        self, adus: list[bytes | bytearray | memoryview | firebus._firebus.gb26875.Adu]
    ) -> list[int]:
        """
        Appends several ADUs in one transaction (one sync), all or none.
        """
    def start(self) -> None:
        """
        Starts the I/O thread and connects to the centre (reconnecting with back-off).
        """
    def stop(self) -> None:
        """
        Closes the connection; what is not confirmed stays in the journal (and in the client) and is sent after the next start().
        """
    @property
    def closed(self) -> bool:
        """
        True once close() was called.
        """
    @property
    def config(self) -> firebus._firebus.gb26875.ClientConfig:
        """
        A copy of the client's configuration.
        """
    @property
    def counters(self) -> Gb26875UplinkCounters:
        """
        Gb26875UplinkCounters.
        """
    @property
    def in_flight(self) -> int:
        """
        Messages submitted to the client and not yet reported.
        """
    @property
    def is_connected(self) -> bool:
        """
        True while a connection to the centre is established.
        """
    @property
    def on_connected(self) -> typing.Callable[[], None] | None:
        """
        Called as f() on every connection (after the rewind).
        """
    @on_connected.setter
    def on_connected(self, arg1: typing.Callable[[], None] | None) -> None: ...
    @property
    def on_delivered(self) -> typing.Callable[[Gb26875Delivery], None] | None:
        """
        Called as f(delivery) when the centre confirmed a message (already removed from the journal).
        """
    @on_delivered.setter
    def on_delivered(self, arg1: typing.Callable[[Gb26875Delivery], None] | None) -> None: ...
    @property
    def on_denied(self) -> typing.Callable[[Entry, firebus._firebus.Error], None] | None:
        """
        Called as f(entry, error) when a message was removed without being delivered: denied by the centre (GB26875Error denied), or a journal entry that is no sendable ADU.
        """
    @on_denied.setter
    def on_denied(
        self, arg1: typing.Callable[[Entry, firebus._firebus.Error], None] | None
    ) -> None: ...
    @property
    def on_disconnected(self) -> typing.Callable[[firebus._firebus.Error], None] | None:
        """
        Called as f(error) when an established connection ends.
        """
    @on_disconnected.setter
    def on_disconnected(
        self, arg1: typing.Callable[[firebus._firebus.Error], None] | None
    ) -> None: ...
    @property
    def on_log(self) -> typing.Callable[[LogLevel, str], None] | None:
        """
        Called as f(level, text) for denied and unsendable messages, failures and journal errors.
        """
    @on_log.setter
    def on_log(self, arg1: typing.Callable[[LogLevel, str], None] | None) -> None: ...

class Gb26875UplinkCounters:
    """
    What a Gb26875Uplink did since it was made.
    """
    def __repr__(self) -> str: ...
    @property
    def callback_errors(self) -> int:
        """
        Exceptions thrown by callbacks.
        """
    @property
    def connections(self) -> int:
        """
        Connections that came up.
        """
    @property
    def delivered(self) -> int:
        """
        Messages confirmed by the centre and removed.
        """
    @property
    def denied(self) -> int:
        """
        Messages denied by the centre (removed, reported).
        """
    @property
    def failed(self) -> int:
        """
        Failures that keep the message (no answer, not connected, queue full).
        """
    @property
    def journal_errors(self) -> int:
        """
        Journal reads or acks that failed.
        """
    @property
    def resent(self) -> int:
        """
        Of sent: messages handed out again.
        """
    @property
    def sent(self) -> int:
        """
        Submissions to the client, resends included.
        """
    @property
    def unsendable(self) -> int:
        """
        Journal entries that are no sendable ADU (removed, reported).
        """

class Journal:
    """
    The store-and-forward journal (C++ firebus::uplink::journal, <firebus/io/journal.hpp>; docs/journal.md). Thread-safe; every call that touches the file releases the GIL. A context manager: closed on exit.
    """
    @staticmethod
    def damaged_files(path: str) -> list[str]:
        """
        The files moved aside from the journal at `path` (move_aside_damaged) still next to it, oldest first.
        """
    def __enter__(self) -> Journal: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the journal.
        """
    def __init__(
        self,
        path: str,
        *,
        max_bytes: int = 67108864,
        max_messages: int = 0,
        max_file_bytes: int = 0,
        wal_limit_bytes: int = 4194304,
        durability: Durability = Durability.full,
        busy_timeout: float = 2.0,
        exclusive: bool = True,
        read_only: bool = False,
        verify: bool = True,
        move_aside_damaged: bool = False,
        on_log: typing.Callable[[LogLevel, str], None] | None = None,
    ) -> None:
        """
        Opens the journal at `path`, creating it if missing, or resumes it (every message not acknowledged is there, in order; ids and seqs go on). max_bytes: the size bound on accounted bytes (topic + payload + MESSAGE_OVERHEAD per message); max_messages: a bound on messages (0: none); max_file_bytes: a hard cap on the file (0: none; reached: storage_full, as a full disk); durability: Durability.full (on disk when append returns) or normal; busy_timeout (seconds): how long to wait for another connection's lock; exclusive: hold the file lock until close; read_only: inspection only; verify: check the file at open; move_aside_damaged: a damaged file (corrupt) is renamed to <path>.damaged-<UTC time>, kept for salvage, and a new journal started instead of raising (moved_aside says where it went); on_log(level, text): the journal's log messages. Raises JournalError (cannot_open, corrupt, not_a_journal, locked, ...) or CoreError.
        """
    def __repr__(self) -> str: ...
    @typing.overload
    def ack(self, id: int) -> int:
        """
        Removes an acknowledged message; returns 1, or 0 for an unknown id (already acknowledged, thinned or dropped).
        """
    @typing.overload
    def ack(self, ids: list[int]) -> int:
        """
        Removes acknowledged messages in one transaction; returns how many existed.
        """
    def append(
        self,
        lane: Lane,
        topic: str,
        payload: bytes | bytearray | memoryview,
        *,
        qos: int = 1,
        retain: bool = False,
        format: int = 0,
        produced: float | None = None,
    ) -> int:
        """
        Appends one message and returns its id; with Durability.full it is on disk when this returns. Raises JournalError: journal_full (no telemetry left to drop: an alarm must be reported loudly), message_too_large, storage_full, read_only, io_error, closed.
        """
    def append_batch(self, messages: list[Message]) -> list[int]:
        """
        Appends Messages in one transaction (group commit: one sync for all), all or none; returns their ids in order.
        """
    def close(self) -> None:
        """
        Checkpoints and closes; later calls raise JournalError (closed). Nothing is lost by not calling it.
        """
    def compact(self) -> None:
        """
        Gives free space back to the file system (VACUUM); ids and seqs are kept.
        """
    def next(self, max_count: int = 64, max_bytes: int | None = None) -> list[Entry]:
        """
        The oldest messages not in flight, alarm lane first: at most max_count and, beyond the first, at most max_bytes of topic and payload. They are in flight until rewind().
        """
    def read(self, lane: Lane, after_id: int = 0, max_count: int = 1000) -> list[Entry]:
        """
        Reads without handing out (inspection): up to max_count messages of `lane` with an id above after_id, in order.
        """
    def rewind(self) -> None:
        """
        Forgets what is in flight: next() starts again at the oldest message of each lane, and everything appended until now is historical. Call it on every (re)connection.
        """
    def stats(self, lane: Lane) -> LaneStats:
        """
        A lane's content: LaneStats.
        """
    def wait(self, timeout: float) -> bool:
        """
        Waits up to `timeout` seconds until next() has something to hand out; returns whether it has (False at once when closed).
        """
    @property
    def closed(self) -> bool:
        """
        True once closed.
        """
    @property
    def counters(self) -> JournalCounters:
        """
        JournalCounters since the open.
        """
    @property
    def last_error(self) -> str:
        """
        The message of the last failure (SQLite's, with the operation and the path), or ''.
        """
    @property
    def last_id(self) -> int:
        """
        The highest id ever given (0: none).
        """
    @property
    def moved_aside(self) -> str:
        """
        Where the open moved a damaged file (move_aside_damaged), or ''.
        """
    @property
    def path(self) -> str:
        """
        The database file ('' when closed).
        """

class JournalCounters:
    """
    What the journal did since it was opened.
    """
    def __repr__(self) -> str: ...
    @property
    def acked(self) -> int:
        """
        Messages removed by ack().
        """
    @property
    def appended(self) -> int:
        """
        Messages appended.
        """
    @property
    def dropped(self) -> int:
        """
        Telemetry deleted oldest first.
        """
    @property
    def handed_out(self) -> int:
        """
        Entries returned by next(), resends included.
        """
    @property
    def log_errors(self) -> int:
        """
        Exceptions raised by the log handler.
        """
    @property
    def refused_alarms(self) -> int:
        """
        Alarm messages refused (journal full).
        """
    @property
    def refused_telemetry(self) -> int:
        """
        Telemetry messages refused (journal full).
        """
    @property
    def storage_errors(self) -> int:
        """
        Operations failed by the storage (disk full, I/O, ...).
        """
    @property
    def thinned(self) -> int:
        """
        Telemetry deleted by thinning.
        """

class LaneStats:
    """
    One lane's content (Journal.stats).
    """
    def __repr__(self) -> str: ...
    @property
    def bytes(self) -> int:
        """
        Accounted bytes stored (topic + payload + MESSAGE_OVERHEAD per message).
        """
    @property
    def in_flight(self) -> int:
        """
        Handed out by next() since the last rewind(), not acknowledged.
        """
    @property
    def messages(self) -> int:
        """
        Stored, in flight included.
        """
    @property
    def next_seq(self) -> int:
        """
        The seq the lane's next message will get.
        """

class Message:
    """
    A message to append (Journal.append_batch). Its bytes are copied into the journal.
    """
    def __init__(
        self,
        lane: Lane,
        topic: str,
        payload: bytes | bytearray | memoryview,
        *,
        qos: int = 1,
        retain: bool = False,
        format: int = 0,
        produced: float | None = None,
    ) -> None:
        """
        lane, MQTT topic and payload; qos (0-2) and retain are stored for the sender, format (0-255) is the payload's encoding as the application numbers it; produced: Unix seconds (None: the time of the append).
        """
    def __repr__(self) -> str: ...
    @property
    def format(self) -> int:
        """
        The payload's encoding (0-255).
        """
    @format.setter
    def format(self, arg0: int) -> None: ...
    @property
    def lane(self) -> Lane:
        """
        The lane.
        """
    @lane.setter
    def lane(self, arg0: Lane) -> None: ...
    @property
    def payload(self) -> bytes:
        """
        The encoded message.
        """
    @payload.setter
    def payload(self, arg1: bytes | bytearray | memoryview) -> None: ...
    @property
    def produced(self) -> float | None:
        """
        When it was produced (Unix seconds), or None: at the append.
        """
    @produced.setter
    def produced(self, arg0: float | None) -> None: ...
    @property
    def qos(self) -> int:
        """
        MQTT QoS (0-2).
        """
    @qos.setter
    def qos(self, arg0: int) -> None: ...
    @property
    def retain(self) -> bool:
        """
        MQTT retain flag.
        """
    @retain.setter
    def retain(self, arg0: bool) -> None: ...
    @property
    def topic(self) -> str:
        """
        Where to publish it.
        """
    @topic.setter
    def topic(self, arg0: str) -> None: ...

class MqttUplink:
    """
    Sends a Journal over a firebus.mqtt.Client (C++ firebus::uplink::mqtt_uplink, <firebus/io/mqtt_uplink.hpp>; docs/telemetry.md, 'Delivery'): send() appends to the journal (on disk when it returns); the uplink publishes alarm lane first, each lane in order, and removes a message when the broker acknowledged it; on every connection everything not acknowledged goes again, marked historical. Make it before Client.start(); the Client's on_connection and on_published keep working (on_published sees only the application's own publishes). Client.close() detaches it. A context manager.
    """
    def __enter__(self) -> MqttUplink: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the uplink.
        """
    def __init__(
        self,
        journal: Journal,
        client: firebus._firebus.mqtt.Client,
        *,
        window: int = 16,
        read_bytes: int = 1048576,
        max_payload: int = 16777216,
        poll_interval: float = 1.0,
        retry_delay: float = 5.0,
        on_log: typing.Callable[[LogLevel, str], None] | None = None,
        transform: typing.Callable[[Entry], typing.Sequence[tuple[str, bytes, int, bool]]]
        | None = None,
    ) -> None:
        """
        window: messages published and not yet acknowledged at once (1..1000); read_bytes: payload bytes taken from the journal at once; max_payload: the largest payload send() accepts (the client's); poll_interval, retry_delay: seconds; on_log(level, text): refusals and failures, on the client's I/O thread; transform(entry): for each entry of format PayloadFormat.transformed, when it is published (on the client's I/O thread; entry.historical: produced before this connection), the messages to publish for it as (topic, payload, qos, retain) tuples — none: the entry is removed at once; it is removed once all were acknowledged (QoS 1) or written (QoS 0); if it raises or returns anything else, the entry is published as stored, counted (transform_failures) and logged. Raises ValueError when the client already started, CoreError for an option out of range.
        """
    def close(self) -> None:
        """
        Detaches from the client (idempotent). What is in flight stays in the journal.
        """
    def notify(self) -> None:
        """
        Wakes the uplink after messages were appended to the journal directly.
        """
    def send(
        self,
        lane: Lane,
        topic: str,
        payload: bytes | bytearray | memoryview,
        *,
        qos: int = 1,
        retain: bool = False,
        format: PayloadFormat = PayloadFormat.raw,
        produced: float | None = None,
    ) -> int:
        """
        Appends one message to the journal (on disk when this returns) and wakes the uplink; returns its journal id. Raises JournalError (journal_full: report it loudly, keep the message; storage_full, read_only, ...), MqttError (invalid_topic, payload_too_large) or CoreError (qos not 0 or 1). Holds the GIL while the journal writes.
        """
    def send_batch(self, messages: list[Message]) -> list[int]:
        """
        Appends Messages in one transaction (one sync), all or none; returns their ids. Set a Message's format to int(PayloadFormat.firebus_envelope) for envelopes.
        """
    @property
    def closed(self) -> bool:
        """
        Closed, or its client was closed: send() raises MqttError (stopped).
        """
    @property
    def counters(self) -> MqttUplinkCounters:
        """
        MqttUplinkCounters.
        """
    @property
    def in_flight(self) -> int:
        """
        Messages published and not yet acknowledged.
        """

class MqttUplinkCounters:
    """
    What an MqttUplink did since it was made.
    """
    def __repr__(self) -> str: ...
    @property
    def acked(self) -> int:
        """
        Messages acknowledged by the broker and removed.
        """
    @property
    def callback_errors(self) -> int:
        """
        Exceptions raised by callbacks.
        """
    @property
    def connections(self) -> int:
        """
        Connections that came up.
        """
    @property
    def historical(self) -> int:
        """
        Of published: marked historical (replay).
        """
    @property
    def journal_errors(self) -> int:
        """
        Journal reads or acks that failed.
        """
    @property
    def published(self) -> int:
        """
        Publishes handed to the client, resends included.
        """
    @property
    def refused(self) -> int:
        """
        Publishes refused (by the broker or client), retried.
        """
    @property
    def resent(self) -> int:
        """
        Of published: messages sent again.
        """
    @property
    def stamp_failures(self) -> int:
        """
        firebus_envelope payloads that could not be stamped (sent as stored).
        """
    @property
    def transform_failures(self) -> int:
        """
        transformed entries the transform failed on (sent as stored).
        """
    @property
    def transformed(self) -> int:
        """
        transformed entries turned into messages by the transform.
        """

def errc_message(code: JournalErrc) -> str:
    """
    The C++ message of a JournalErrc.
    """

GB26875_FORMAT: int = 26
MESSAGE_OVERHEAD: int = 64
THIN_WINDOW: int = 64

class Durability(enum.IntEnum):
    """
    When an append is on disk. full: when append() returns (survives kill -9 and power loss); normal: in the operating system (survives kill -9; a power loss may lose the last appends).
    """

    full = 0
    normal = 1

class JournalErrc(enum.IntEnum):
    """
    JournalError codes (JournalError.code; category 'firebus.journal').
    """

    journal_full = 1
    message_too_large = 2
    storage_full = 3
    read_only = 4
    io_error = 5
    cannot_open = 6
    corrupt = 7
    not_a_journal = 8
    locked = 9
    closed = 10
    storage_error = 11

class Lane(enum.IntEnum):
    """
    The journal's lanes, in the order they are sent: alarm and fault events (never dropped), then telemetry (thinned, then dropped oldest first, when the journal is full).
    """

    alarm = 0
    telemetry = 1

class LogLevel(enum.IntEnum):
    """
    Severity of a journal log message.
    """

    info = 0
    warning = 1
    error = 2

class PayloadFormat(enum.IntEnum):
    """
    How MqttUplink prepares a payload when it publishes it (a message's `format`): raw (as stored), firebus_envelope (a firebus.telemetry envelope: its lane, seq — the journal's, per lane — and, on replay, its batch's historical flag are stamped) or transformed (handed to the uplink's transform when published, which makes the messages to publish for it: how Sparkplug B, whose seq counts a connection's messages, goes through the journal).
    """

    raw = 0
    firebus_envelope = 1
    transformed = 2
