"""
GB/T 26875.3-2011 (urban fire remote monitoring, user information transmission device protocol): frames, application data units (ADUs) and their objects, code tables, status words, a streaming deframer and batch decoding.

Bytes in, bytes out: decode_frame(bytes) -> Frame, Frame.decode_adu() -> Adu, encode_adu(Adu) -> bytes, encode_frame(Header, adu) -> bytes. Errors raise firebus.GB26875Error with the C++ messages (attribute code: an Errc value).

ADU object classes (one per ADU type, attribute TYPE): SystemStatusRecord (1), ComponentStatusRecord (2), ComponentAnalog (3), SystemOperation (4), SystemSoftwareVersion (5), SystemConfig (6), ComponentConfig (7), SystemTime (8), UitdStatusRecord (21), UitdOperation (24), UitdSoftwareVersion (25), UitdConfig (26), UitdTime (28), ReadSystemStatus (61) ... DutyCheck (91); UserObject and UserBlob for the user-defined types 128-254. The *Record names keep SystemStatus, ComponentStatus and UitdStatus for the IntFlag classes of the status bits.

Time tags are TimeTag values (year 2000..2255 and five one-byte fields, not validated on decode); TimeTag.to_datetime()/from_datetime() convert to and from datetime.datetime.
"""

from __future__ import annotations
import enum
import concurrent.futures
import datetime
import firebus._firebus
import firebus.gb26875
import types
import typing
from . import text

class Adu:
    """
    An application data unit: its type and its objects (instances of the class of that type: OBJECT_CLASSES[type]; UserObject/UserBlob for 128-254).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, arg0: object) -> bool:
        """
        Same type and equal objects.
        """
    def __init__(self, type: int, objects: list = []) -> None:
        """
        An ADU of `type` (an AduType or any byte) holding `objects`.
        """
    def __iter__(self) -> typing.Any:
        """
        Iterates over the objects.
        """
    def __len__(self) -> int:
        """
        Number of objects.
        """
    def __repr__(self) -> str:
        """
        Adu(type=..., objects=[...]).
        """
    def encode(self, limits: AduLimits = AduLimits.standard) -> bytes:
        """
        encode_adu(self, limits).
        """
    @property
    def objects(self) -> list:
        """
        The list of objects (mutable).
        """
    @objects.setter
    def objects(self, arg1: list) -> None: ...
    @property
    def type(self) -> AduType:
        """
        The ADU type: an AduType, or a plain int for user-defined and reserved codes.
        """
    @type.setter
    def type(self, arg1: int) -> None: ...

class AnalogInfo:
    """
    An analog type with unit and resolution: value = raw * resolution.
    """
    def __repr__(self) -> str:
        """
        AnalogInfo(...).
        """
    @property
    def chinese(self) -> str:
        """
        The standard's term.
        """
    @property
    def english(self) -> str:
        """
        Stable snake_case name.
        """
    @property
    def resolution(self) -> float:
        """
        Resolution (0.1 for °C).
        """
    @property
    def type(self) -> AnalogType:
        """
        The AnalogType.
        """
    @property
    def unit(self) -> str:
        """
        Unit ('°C'); '' for the event count.
        """

class BitName:
    """
    A bit of a status or operation byte with its names.
    """
    def __repr__(self) -> str:
        """
        BitName(...).
        """
    @property
    def bit(self) -> int:
        """
        Bit index (0 = least significant).
        """
    @property
    def chinese(self) -> str:
        """
        The standard's term.
        """
    @property
    def english(self) -> str:
        """
        Stable snake_case name.
        """

class CentreAnswer:
    """
    Output of CentreSession.poll(): the answer to a request() (a response with its ADU) or to a control() (a confirm, empty ADU).
    """
    def __repr__(self) -> str:
        """
        CentreAnswer(id=..., header=..., adu=...).
        """
    def decode(self) -> Adu | None:
        """
        The response's ADU as an Adu; None for a confirm (empty ADU).
        """
    @property
    def adu(self) -> bytes:
        """
        The response's ADU bytes (checked); b'' for a confirm.
        """
    @property
    def header(self) -> Header:
        """
        The answer's Header.
        """
    @property
    def id(self) -> int:
        """
        What request()/control() returned.
        """

class CentreClose:
    """
    Output of CentreSession.poll(): close the connection; the engine has stopped (its last output).
    """
    def __repr__(self) -> str:
        """
        CentreClose(reason=...).
        """
    @property
    def reason(self) -> CentreCloseReason:
        """
        Why (a CentreCloseReason).
        """

class CentreCounters:
    """
    A snapshot of a CentreSession's counters; every count only grows.
    """
    def __repr__(self) -> str:
        """
        CentreCounters(frames_in=..., ...).
        """
    def to_dict(self) -> dict:
        """
        Every counter in a dict, e.g. for metrics.
        """
    @property
    def answers(self) -> int:
        """
        Requests answered.
        """
    @property
    def confirms_sent(self) -> int:
        """
        Confirm frames written.
        """
    @property
    def denies_sent(self) -> int:
        """
        Deny frames written.
        """
    @property
    def dropped(self) -> int:
        """
        Messages neither delivered nor answered (queue_full).
        """
    @property
    def duplicates(self) -> int:
        """
        Retransmissions recognised.
        """
    @property
    def failures(self) -> int:
        """
        Requests failed.
        """
    @property
    def frames_in(self) -> int:
        """
        Frames given to on_frame()/receive() and handled.
        """
    @property
    def heartbeats(self) -> int:
        """
        Empty send-data frames.
        """
    @property
    def ignored_after_close(self) -> int:
        """
        Inputs that arrived after the close.
        """
    @property
    def messages(self) -> int:
        """
        Messages delivered (duplicates included).
        """
    @property
    def rate_limited(self) -> int:
        """
        1 if the connection was closed for its rate.
        """
    @property
    def rejections(self) -> int:
        """
        Rejected bytes given to on_rejection()/receive().
        """
    @property
    def requests_sent(self) -> int:
        """
        First transmissions of the centre's requests and controls.
        """
    @property
    def retransmissions(self) -> int:
        """
        Repeated transmissions of them.
        """
    @property
    def unexpected_answers(self) -> int:
        """
        Answers that matched nothing.
        """

class CentreDeniedInput:
    """
    Output of CentreSession.poll(): a frame answered with deny (§6.5.3), and why.
    """
    def __repr__(self) -> str:
        """
        CentreDeniedInput(reason=..., serial=...).
        """
    @property
    def reason(self) -> firebus._firebus.Error:
        """
        Why, a firebus.Error instance (not raised): the ADU's decoding error, unknown_command, checksum_mismatch, ...
        """
    @property
    def serial(self) -> int:
        """
        The serial number the deny echoes.
        """

class CentreDroppedInput:
    """
    Output of CentreSession.poll(): input neither delivered nor answered.
    """
    def __repr__(self) -> str:
        """
        CentreDroppedInput(reason=..., serial=...).
        """
    @property
    def has_serial(self) -> bool:
        """
        Whether `serial` is known (not for rejected bytes).
        """
    @property
    def reason(self) -> firebus._firebus.Error:
        """
        Why, a firebus.GB26875Error instance (not raised): unexpected_answer, queue_full, or the deframer's reason (garbage, bad_end, ...).
        """
    @property
    def serial(self) -> int | None:
        """
        The frame's serial number, or None if unknown.
        """

class CentreFailed:
    """
    Output of CentreSession.poll(): a request() or control() ended without an answer.
    """
    def __repr__(self) -> str:
        """
        CentreFailed(id=..., reason=...).
        """
    @property
    def id(self) -> int:
        """
        What request()/control() returned.
        """
    @property
    def reason(self) -> firebus._firebus.Error:
        """
        Why, a firebus.GB26875Error instance (not raised): denied, no_answer, or not_connected (closed first).
        """

class CentreHeartbeat:
    """
    Output of CentreSession.poll(): an empty send-data frame from the UITD, already confirmed.
    """
    def __repr__(self) -> str:
        """
        CentreHeartbeat(header=...).
        """
    @property
    def header(self) -> Header:
        """
        Its Header.
        """

class CentreMessage:
    """
    Output of CentreSession.poll(): a message from the UITD (send data or control with an ADU), checked. Under ConfirmPolicy.after_accept pass its token to accept() or reject().
    """
    def __repr__(self) -> str:
        """
        CentreMessage(header=..., adu=..., token=..., duplicate=...).
        """
    def decode(self) -> Adu:
        """
        The ADU as an Adu (decoded with `users`).
        """
    @property
    def adu(self) -> bytes:
        """
        Its ADU bytes (C++ adu_bytes).
        """
    @property
    def command(self) -> Command:
        """
        header.command.
        """
    @property
    def duplicate(self) -> bool:
        """
        A retransmission of a message already confirmed (confirmed again; store it idempotently).
        """
    @property
    def header(self) -> Header:
        """
        Its Header, as received.
        """
    @property
    def serial(self) -> int:
        """
        header.serial.
        """
    @property
    def token(self) -> int:
        """
        ConfirmPolicy.after_accept: the token for accept()/reject(); 0: already confirmed.
        """
    @property
    def users(self) -> UserTypes | None:
        """
        The UserTypes it was checked with, or None.
        """

class CentreSend:
    """
    Output of CentreSession.poll(): bytes to write to the connection (one whole frame).
    """
    def __repr__(self) -> str:
        """
        CentreSend(command=..., bytes=<n bytes>).
        """
    @property
    def bytes(self) -> bytes:
        """
        The frame.
        """

class CentreSession:
    """
    The sans-I/O protocol engine of one UITD connection at the monitoring centre (C++ gb26875::centre_session): GB/T 26875.3 without sockets, threads or clocks.

    Create one per accepted connection. Feed it every frame (receive() or on_frame()) and every rejection of your Deframer (on_rejection()), call advance(now) at next_deadline(), and handle what poll() gives: CentreSend (bytes to write), CentreMessage (a checked message; confirmed at once, or after accept(token) under ConfirmPolicy.after_accept), CentreHeartbeat, CentreAnswer / CentreFailed (of your request() and control()), CentreDeniedInput, CentreDroppedInput, and at most one CentreClose (close the connection: idle timeout, rate limit, too many errors, output overflow, or on_disconnected()). Times are float seconds on your monotonic time line; the engine's clock never runs backwards. Not thread-safe.
    """

    Answer = CentreAnswer
    Close = CentreClose
    DeniedInput = CentreDeniedInput
    DroppedInput = CentreDroppedInput
    Failed = CentreFailed
    Heartbeat = CentreHeartbeat
    Message = CentreMessage
    Send = CentreSend
    def __init__(self, config: CentreSessionConfig, start: float = 0.0) -> None:
        """
        An engine for a connection accepted at monotonic `start` (the idle timer starts then). Raises CoreError (invalid_argument) if config.validate() does.
        """
    def __repr__(self) -> str:
        """
        <CentreSession address peer=... open, ...>.
        """
    def accept(self, token: int, now: float) -> None:
        """
        ConfirmPolicy.after_accept: the message with `token` is stored; sends its confirm. Raises CoreError invalid_argument for an unknown token, GB26875Error not_connected after the close.
        """
    def advance(self, now: float) -> None:
        """
        Runs what is due at or before `now`: retransmissions, request failures, the idle timeout.
        """
    def control(self, adu: bytes | Adu, now: float) -> int:
        """
        Sends a control command (command 1; ADU type 89 initialise, 90 clock sync, 91 duty check, or user-defined) and returns its id; the Answer is the UITD's confirm. Errors as request().
        """
    def counters(self) -> CentreCounters:
        """
        A snapshot of the counters (CentreCounters).
        """
    def next_deadline(self) -> float | None:
        """
        When advance() next has something to do (monotonic seconds), or None.
        """
    def on_disconnected(self) -> None:
        """
        The transport saw the connection end: pending requests fail (not_connected), the engine closes (Close with CentreCloseReason.disconnected). Does nothing if already closed.
        """
    def on_frame(self, frame: bytes | Frame, now: float) -> None:
        """
        Handles one valid frame from the UITD (a Frame, or a valid frame's bytes): messages, heartbeats, answers (rules 1-6 of the C++ documentation). Bytes that are not a valid frame raise GB26875Error and change nothing (receive() handles them as a Deframer would).
        """
    def on_rejection(self, rejection: Rejection, now: float) -> None:
        """
        Handles a Rejection from a Deframer: checksum_mismatch is denied echoing its serial number (§6.5.3); other rejections are counted and reported as DroppedInput. Both count towards max_consecutive_errors.
        """
    def outputs(
        self,
    ) -> list[
        CentreSend
        | CentreMessage
        | CentreHeartbeat
        | CentreAnswer
        | CentreFailed
        | CentreDeniedInput
        | CentreDroppedInput
        | CentreClose
    ]:
        """
        Takes every waiting output, in order (poll() until None).
        """
    def poll(
        self,
    ) -> (
        CentreSend
        | CentreMessage
        | CentreHeartbeat
        | CentreAnswer
        | CentreFailed
        | CentreDeniedInput
        | CentreDroppedInput
        | CentreClose
        | None
    ):
        """
        Takes the oldest output (CentreSend, CentreMessage, CentreHeartbeat, CentreAnswer, CentreFailed, CentreDeniedInput, CentreDroppedInput or CentreClose); None if there is none.
        """
    def receive(self, frame: bytes | Frame, now: float) -> None:
        """
        Handles one frame from the UITD (a Frame, or the bytes of one frame). Bytes that are no valid frame are handled as the Deframer's rejection of them: a frame refused for its checksum, its end bytes or an ADU length over 1024 is denied echoing its serial number (§6.5.3; the last two only when it reads as a frame start, protocol version 1), anything else is counted and reported as a DroppedInput. Never raises for bad bytes.
        """
    def reject(self, token: int, now: float) -> None:
        """
        ConfirmPolicy.after_accept: the message with `token` was not stored; sends a deny (the UITD keeps it and sends it again). Errors as accept().
        """
    def request(self, adu: bytes | Adu, now: float) -> int:
        """
        Sends a read (command 4; ADU types 61-88 or user-defined; an Adu or ADU bytes) to the UITD and returns its id (>= 1): it ends as an Answer or a Failed. One is in flight at a time, the others queue. Raises GB26875Error not_connected (closed, or no frame from the UITD yet: its address is unknown), queue_full, a decoding/encoding error, or CoreError invalid_argument for another ADU type.
        """
    def set_wall_clock(self, at: float, utc: float) -> None:
        """
        Sets the wall clock: monotonic `at` is UTC `utc` (Unix seconds). The time tags of the frames the engine writes derive from it (at utc_offset_minutes). Until called, answers carry the time tag of the frame they answer and requests 2000-01-01 00:00:00.
        """
    @property
    def closed(self) -> bool:
        """
        True once the engine has closed (it then ignores every input).
        """
    @property
    def config(self) -> CentreSessionConfig:
        """
        A copy of the configuration (CentreSessionConfig).
        """
    @property
    def has_peer(self) -> bool:
        """
        Whether the UITD's address is known (from its first frame).
        """
    @property
    def peer_address(self) -> int:
        """
        The UITD's address (its first frame's source); 0 before.
        """
    @property
    def pending_outputs(self) -> int:
        """
        Outputs waiting for poll().
        """
    @property
    def pending_requests(self) -> int:
        """
        Requests and controls not yet ended (in flight and queued).
        """
    @property
    def unconfirmed(self) -> int:
        """
        Messages waiting for accept() or reject().
        """

class CentreSessionConfig:
    """
    Settings of a CentreSession (C++ gb26875::centre_config). Durations are float seconds; validate() checks the ranges (CentreSession does too).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> CentreSessionConfig:
        """
        A copy (sharing the UserTypes).
        """
    def __deepcopy__(self, memo: dict) -> CentreSessionConfig:
        """
        A copy (sharing the UserTypes).
        """
    def __eq__(self, other: object) -> bool:
        """
        Equal if every setting is equal (users: the same object).
        """
    def __init__(
        self,
        *,
        address: int = 0,
        confirm: ConfirmPolicy = ...,
        answer_timeout: float = 10.0,
        retries: int = 3,
        idle_timeout: float = 90.0,
        rate_max_frames: int = 200,
        rate_window: float = 1.0,
        max_consecutive_errors: int = 16,
        max_pending_requests: int = 16,
        max_unconfirmed: int = 64,
        duplicate_history: int = 64,
        max_outputs: int = 1024,
        first_serial: int = 1,
        utc_offset_minutes: int = 480,
        users: UserTypes | None = None,
    ) -> None:
        """
        Every setting as a keyword argument; the defaults are the C++ defaults (confirm at once, answer timeout 10 s, 3 retries, idle timeout 90 s, 200 inputs per second). Not validated here: see validate().
        """
    def __repr__(self) -> str:
        """
        CentreSessionConfig(...) with every setting.
        """
    def validate(self) -> None:
        """
        Raises CoreError (invalid_argument) if a setting is out of range; returns None if usable.
        """
    @property
    def address(self) -> int:
        """
        The centre's own 6-byte address: the source of the requests it sends.
        """
    @address.setter
    def address(self, arg1: int) -> None: ...
    @property
    def answer_timeout(self) -> float:
        """
        Seconds to wait for a confirm or response to a request (§6.5.4; 0.001 .. 3600).
        """
    @answer_timeout.setter
    def answer_timeout(self, arg1: float) -> None: ...
    @property
    def confirm(self) -> ConfirmPolicy:
        """
        When messages are confirmed (ConfirmPolicy): immediate, or after_accept (the caller calls CentreSession.accept(token) once it stored the message).
        """
    @confirm.setter
    def confirm(self, arg1: ConfirmPolicy) -> None: ...
    @property
    def duplicate_history(self) -> int:
        """
        Confirmed messages remembered for duplicate detection (0 disables).
        """
    @duplicate_history.setter
    def duplicate_history(self, arg1: int) -> None: ...
    @property
    def first_serial(self) -> int:
        """
        The serial number of the centre's first request.
        """
    @first_serial.setter
    def first_serial(self, arg1: int) -> None: ...
    @property
    def idle_timeout(self) -> float:
        """
        Close after this many seconds without a valid frame (heartbeats count); 0: never.
        """
    @idle_timeout.setter
    def idle_timeout(self, arg1: float) -> None: ...
    @property
    def max_consecutive_errors(self) -> int:
        """
        Bad inputs in a row tolerated; one more closes.
        """
    @max_consecutive_errors.setter
    def max_consecutive_errors(self, arg1: int) -> None: ...
    @property
    def max_outputs(self) -> int:
        """
        Outputs that may wait for poll() (16..1048576).
        """
    @max_outputs.setter
    def max_outputs(self, arg1: int) -> None: ...
    @property
    def max_pending_requests(self) -> int:
        """
        Requests waiting behind the one in flight (1..4096).
        """
    @max_pending_requests.setter
    def max_pending_requests(self, arg1: int) -> None: ...
    @property
    def max_unconfirmed(self) -> int:
        """
        Messages awaiting accept() under ConfirmPolicy.after_accept (1..4096).
        """
    @max_unconfirmed.setter
    def max_unconfirmed(self, arg1: int) -> None: ...
    @property
    def rate_max_frames(self) -> int:
        """
        At most this many inputs per rate_window (1..65536) ...
        """
    @rate_max_frames.setter
    def rate_max_frames(self, arg1: int) -> None: ...
    @property
    def rate_window(self) -> float:
        """
        ... within any span shorter than this many seconds.
        """
    @rate_window.setter
    def rate_window(self, arg1: float) -> None: ...
    @property
    def retries(self) -> int:
        """
        Retransmissions of a request after the first (§6.5.5: 3; 0..100).
        """
    @retries.setter
    def retries(self, arg1: int) -> None: ...
    @property
    def users(self) -> UserTypes | None:
        """
        User-defined ADU types (a UserTypes registry) to check and decode object by object, or None. Kept alive by the config and its sessions.
        """
    @users.setter
    def users(self, arg1: UserTypes | None) -> None: ...
    @property
    def utc_offset_minutes(self) -> int:
        """
        The UTC offset of the time tags the centre writes, in minutes (default 480, China).
        """
    @utc_offset_minutes.setter
    def utc_offset_minutes(self, arg1: int) -> None: ...

class Client:
    """
    The UITD side of GB/T 26875.3 over TCP (C++ gb26875::client) with its own I/O thread.

    start() connects (and reconnects with back-off) until stop(); send() queues an ADU (bytes) and returns its id, which ends in exactly one on_delivered or on_failed call (or in the Future of send_future()). Callbacks run on the I/O thread with the GIL held; an exception they raise goes to sys.unraisablehook and the link carries on. Every method may be called from a callback, close() included. Use as a context manager: `with Client(cfg) as c:` starts and closes.
    """
    def __enter__(self) -> Client:
        """
        Starts the client; returns it.
        """
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the client.
        """
    def __init__(self, config: ClientConfig) -> None:
        """
        A client of `config`; raises firebus.Error if the configuration is invalid.
        """
    def __repr__(self) -> str: ...
    def answer_duty_check(self, operator_id: int) -> int:
        """
        Queues the operator's answer to a duty check (type 24, priority alarm); returns its id.
        """
    def answer_duty_check_future(self, operator_id: int) -> concurrent.futures.Future[Delivery]:
        """
        As answer_duty_check(), returning a Future (see send_future()).
        """
    def close(self) -> None:
        """
        Stops, joins the I/O thread (waiting at most ~1.5 s for the graceful close) and frees the C++ client; futures still pending are cancelled. No callback runs once it returns (unless called from a callback). Idempotent.
        """
    def counters(self) -> ClientCounters:
        """
        A snapshot of the counters (ClientCounters).
        """
    def send(self, adu: bytes | Adu, priority: MessagePriority | None = None) -> int:
        """
        Queues the ADU `adu` (bytes or an Adu; checked and re-encoded) with `priority` (default: classified: fire first) and returns its id (>= 1). Raises firebus.Error if the ADU is invalid.
        """
    def send_future(
        self, adu: bytes | Adu, priority: MessagePriority | None = None
    ) -> concurrent.futures.Future[Delivery]:
        """
        As send(), but returns a concurrent.futures.Future (with attribute `id`) that resolves to a Delivery or raises the failure (firebus.GB26875Error: no answer, denied, queue full, not connected). The callbacks are called as well.
        """
    def set_wall_clock(self, utc: float) -> None:
        """
        Sets the engine's wall clock (the frame headers' time tags) to `utc` (Unix seconds) as of this call. With adopt_clock_sync=False in the configuration, this is how an application adopts a centre's clock sync (a ClientEvent of kind clock_sync) it judged plausible. start() sets the wall clock from the system clock: call this after it.
        """
    def start(self) -> None:
        """
        Starts the I/O thread (if needed) and connects to the centre; returns at once.
        """
    def stop(self) -> None:
        """
        Closes the connection (gracefully, in the background) and lets the I/O thread end. Messages queued stay queued and are sent after the next start(). Safe from a callback.
        """
    @property
    def closed(self) -> bool:
        """
        True once close() was called.
        """
    @property
    def config(self) -> ClientConfig:
        """
        A copy of the configuration.
        """
    @property
    def data_provider(self) -> typing.Callable[[bytes], bytes | Adu | None] | None:
        """
        Answers the centre's reads (types 61-68, 81, 84-86, 88): called as f(request_adu) with the request's ADU bytes on the I/O thread; returns the response's ADU (bytes or an Adu). To deny: return None (no reason), or raise a firebus.Error, e.g. firebus.error_for('firebus.gb26875', Errc.denied), whose (code, category) becomes the reason. The deny frame carries no reason (GB/T 26875.3 §6.5.3): it shows in this client's request_denied ClientEvent (on_event, event.error). Any other exception, or a return value that is not an ADU, denies too (reason: operation canceled) and goes to sys.unraisablehook (counted in callback_errors); a response that does not decode is denied with its decode error. None (the default): every read is denied.
        """
    @data_provider.setter
    def data_provider(self, arg1: typing.Callable[[bytes], bytes | Adu | None] | None) -> None: ...
    @property
    def is_connected(self) -> bool:
        """
        True while a connection to the centre is established.
        """
    @property
    def on_clock_sync(self) -> typing.Callable[[ClientEvent], None] | None:
        """
        Called as f(event) for a clock sync (type 90); event.utc is the new time (the engine adopts it unless adopt_clock_sync is False).
        """
    @on_clock_sync.setter
    def on_clock_sync(self, arg1: typing.Callable[[ClientEvent], None] | None) -> None: ...
    @property
    def on_connected(self) -> typing.Callable[[], None] | None:
        """
        Called as f() when a connection is established.
        """
    @on_connected.setter
    def on_connected(self, arg1: typing.Callable[[], None] | None) -> None: ...
    @property
    def on_delivered(self) -> typing.Callable[[int, int, datetime.timedelta], None] | None:
        """
        Called as f(id, attempts, latency) when the centre confirmed message `id`.
        """
    @on_delivered.setter
    def on_delivered(
        self, arg1: typing.Callable[[int, int, datetime.timedelta], None] | None
    ) -> None: ...
    @property
    def on_disconnected(self) -> typing.Callable[[firebus._firebus.Error], None] | None:
        """
        Called as f(error) when an established connection ends (the socket's error, no answer to a heartbeat, or operation canceled for stop()).
        """
    @on_disconnected.setter
    def on_disconnected(
        self, arg1: typing.Callable[[firebus._firebus.Error], None] | None
    ) -> None: ...
    @property
    def on_duty_check(self) -> typing.Callable[[ClientEvent], int | None] | None:
        """
        Called as f(event) for a duty check (查岗, type 91, already confirmed); returning an operator id (int) answers it at once (as answer_duty_check()), None leaves it to you.
        """
    @on_duty_check.setter
    def on_duty_check(self, arg1: typing.Callable[[ClientEvent], int | None] | None) -> None: ...
    @property
    def on_error(self) -> typing.Callable[[firebus._firebus.Error, str], None] | None:
        """
        Called as f(error, what) for diagnostics of the transport.
        """
    @on_error.setter
    def on_error(
        self, arg1: typing.Callable[[firebus._firebus.Error, str], None] | None
    ) -> None: ...
    @property
    def on_event(self) -> typing.Callable[[ClientEvent], None] | None:
        """
        Called as f(event) for every ClientEvent of the engine.
        """
    @on_event.setter
    def on_event(self, arg1: typing.Callable[[ClientEvent], None] | None) -> None: ...
    @property
    def on_failed(self) -> typing.Callable[[int, firebus._firebus.Error], None] | None:
        """
        Called as f(id, error) when message `id` will not be delivered (error: firebus.GB26875Error: no answer, denied, queue full or not connected).
        """
    @on_failed.setter
    def on_failed(
        self, arg1: typing.Callable[[int, firebus._firebus.Error], None] | None
    ) -> None: ...
    @property
    def on_init_request(self) -> typing.Callable[[ClientEvent], None] | None:
        """
        Called as f(event) for an initialise command (type 89).
        """
    @on_init_request.setter
    def on_init_request(self, arg1: typing.Callable[[ClientEvent], None] | None) -> None: ...
    @property
    def pending(self) -> int:
        """
        Ids not yet reported delivered or failed.
        """
    @property
    def running(self) -> bool:
        """
        True between start() and stop()/close().
        """

class ClientConfig:
    """
    Settings of a Client (C++ gb26875::client_config, with the engine's uitd_session_config fields flattened). Durations read as datetime.timedelta; they accept a timedelta or seconds as an int or a float (rounded to the microsecond; utc_offset to the minute).
    """
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        address: int = 0,
        centre_address: int = 0,
        answer_timeout: datetime.timedelta | float = ...,
        fire_answer_timeout: datetime.timedelta | float = ...,
        retries: int = 3,
        heartbeat: datetime.timedelta | float = ...,
        utc_offset: datetime.timedelta | float = ...,
        version_minor: int = 0,
        max_queue: int = 1024,
        max_outputs: int = 1024,
        max_age: datetime.timedelta | float = ...,
        first_serial: int = 0,
        adopt_clock_sync: bool = True,
        backoff_initial: datetime.timedelta | float = ...,
        backoff_max: datetime.timedelta | float = ...,
        backoff_factor: int = 2,
        backoff_jitter_permille: int = 200,
        backoff_seed: int = 11400714819323198485,
        connect_timeout: datetime.timedelta | float = ...,
        read_buffer_size: int = 4096,
        idle_flush: datetime.timedelta | float = ...,
    ) -> None:
        """
        Every setting as a keyword argument; the defaults are the C++ defaults (answer timeout 10 s, 3 s for fire messages, 3 retries, heartbeat 30 s, UTC+8, back-off 1 s .. 60 s).
        """
    def __repr__(self) -> str: ...
    def validate(self) -> None:
        """
        Raises firebus.Error if a setting is out of range (as the Client constructor would).
        """
    @property
    def address(self) -> int:
        """
        This UITD's 6-byte address (the source of its frames).
        """
    @address.setter
    def address(self, arg1: int) -> None: ...
    @property
    def adopt_clock_sync(self) -> bool:
        """
        A clock sync from the centre (type 90) also sets the engine's clock.
        """
    @adopt_clock_sync.setter
    def adopt_clock_sync(self, arg1: bool) -> None: ...
    @property
    def answer_timeout(self) -> datetime.timedelta:
        """
        Wait this long for a confirm before retransmitting (§6.5.4: 10 s).
        """
    @answer_timeout.setter
    def answer_timeout(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def backoff_factor(self) -> int:
        """
        Reconnect back-off: the factor (>= 1).
        """
    @backoff_factor.setter
    def backoff_factor(self, arg1: int) -> None: ...
    @property
    def backoff_initial(self) -> datetime.timedelta:
        """
        Reconnect back-off: the first delay (> 0).
        """
    @backoff_initial.setter
    def backoff_initial(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def backoff_jitter_permille(self) -> int:
        """
        Reconnect back-off: the jitter, in per mille of the delay (0..1000).
        """
    @backoff_jitter_permille.setter
    def backoff_jitter_permille(self, arg1: int) -> None: ...
    @property
    def backoff_max(self) -> datetime.timedelta:
        """
        Reconnect back-off: the cap (>= backoff_initial).
        """
    @backoff_max.setter
    def backoff_max(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def backoff_seed(self) -> int:
        """
        Reconnect back-off: the seed of the jitter.
        """
    @backoff_seed.setter
    def backoff_seed(self, arg1: int) -> None: ...
    @property
    def centre_address(self) -> int:
        """
        The centre's 6-byte address (the destination).
        """
    @centre_address.setter
    def centre_address(self, arg1: int) -> None: ...
    @property
    def connect_timeout(self) -> datetime.timedelta:
        """
        Give up a connection attempt (resolve and connect) after this long.
        """
    @connect_timeout.setter
    def connect_timeout(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def fire_answer_timeout(self) -> datetime.timedelta:
        """
        How long a fire message waits for an answer (its own confirm, or the confirm of a less urgent message in flight, which then gives way) before it is (re)transmitted; the lesser of this and answer_timeout (default 3 s).
        """
    @fire_answer_timeout.setter
    def fire_answer_timeout(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def first_serial(self) -> int:
        """
        Business serial number of the first transaction.
        """
    @first_serial.setter
    def first_serial(self, arg1: int) -> None: ...
    @property
    def heartbeat(self) -> datetime.timedelta:
        """
        Send an empty send-data frame after this long idle; 0: never.
        """
    @heartbeat.setter
    def heartbeat(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def host(self) -> str:
        """
        The centre: a host name or a numeric address.
        """
    @host.setter
    def host(self, arg0: str) -> None: ...
    @property
    def idle_flush(self) -> datetime.timedelta:
        """
        Flush the deframer after this long without new bytes.
        """
    @idle_flush.setter
    def idle_flush(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def max_age(self) -> datetime.timedelta:
        """
        Fail a message not delivered this long after send; 0: never.
        """
    @max_age.setter
    def max_age(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def max_outputs(self) -> int:
        """
        Engine outputs waiting to be handled (>= 1).
        """
    @max_outputs.setter
    def max_outputs(self, arg1: int) -> None: ...
    @property
    def max_queue(self) -> int:
        """
        Messages held, the one in flight included (>= 1).
        """
    @max_queue.setter
    def max_queue(self, arg1: int) -> None: ...
    @property
    def port(self) -> int:
        """
        The centre's TCP port (> 0).
        """
    @port.setter
    def port(self, arg0: int) -> None: ...
    @property
    def read_buffer_size(self) -> int:
        """
        Bytes per socket read (>= 1).
        """
    @read_buffer_size.setter
    def read_buffer_size(self, arg0: int) -> None: ...
    @property
    def retries(self) -> int:
        """
        Retransmissions before a message fails (§6.5.5: 3).
        """
    @retries.setter
    def retries(self, arg1: int) -> None: ...
    @property
    def utc_offset(self) -> datetime.timedelta:
        """
        The time zone of time tags (default +8 h).
        """
    @utc_offset.setter
    def utc_offset(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def version_minor(self) -> int:
        """
        The protocol user version sent in every frame.
        """
    @version_minor.setter
    def version_minor(self, arg1: int) -> None: ...

class ClientCounters:
    """
    A snapshot of a Client's counters: the transport's and its engine's (as of the engine's last step).
    """
    def __repr__(self) -> str: ...
    @property
    def bytes_received(self) -> int:
        """
        Bytes read from the centre.
        """
    @property
    def bytes_sent(self) -> int:
        """
        Bytes written to the centre.
        """
    @property
    def callback_errors(self) -> int:
        """
        Exceptions raised by callbacks (Python ones included).
        """
    @property
    def connect_failures(self) -> int:
        """
        Connection attempts that failed.
        """
    @property
    def connects(self) -> int:
        """
        Connections established.
        """
    @property
    def controls_confirmed(self) -> int:
        """
        Control commands confirmed.
        """
    @property
    def data_sent(self) -> int:
        """
        First transmissions of messages.
        """
    @property
    def delivered(self) -> int:
        """
        Messages confirmed.
        """
    @property
    def denials_sent(self) -> int:
        """
        Deny frames sent.
        """
    @property
    def denied(self) -> int:
        """
        ... of which denied by the centre.
        """
    @property
    def disconnects(self) -> int:
        """
        Established connections lost or closed.
        """
    @property
    def evicted(self) -> int:
        """
        ... of which evicted from a full queue.
        """
    @property
    def failed(self) -> int:
        """
        Messages failed, for any reason.
        """
    @property
    def frames_received(self) -> int:
        """
        Frames handled while connected.
        """
    @property
    def frames_rejected(self) -> int:
        """
        Deframer rejections (garbage, bad frames).
        """
    @property
    def frames_sent(self) -> int:
        """
        Frames put in the engine's output queue.
        """
    @property
    def heartbeats_failed(self) -> int:
        """
        Heartbeats with no answer.
        """
    @property
    def heartbeats_sent(self) -> int:
        """
        Heartbeat transactions started.
        """
    @property
    def ignored_disconnected(self) -> int:
        """
        Frames received while disconnected.
        """
    @property
    def oldest_fire_age(self) -> datetime.timedelta:
        """
        Age of the oldest fire message waiting; 0 if none.
        """
    @property
    def outputs_dropped(self) -> int:
        """
        Answers and events dropped (output queue full).
        """
    @property
    def pending(self) -> int:
        """
        Ids not yet reported delivered or failed.
        """
    @property
    def preempted(self) -> int:
        """
        Messages in flight that gave way to a fire message.
        """
    @property
    def queued(self) -> dict[MessagePriority, int]:
        """
        Messages waiting to be sent, by MessagePriority.
        """
    @property
    def requests_answered(self) -> int:
        """
        Responses sent (command 5).
        """
    @property
    def resent(self) -> int:
        """
        Transmissions after a reconnect or after giving way.
        """
    @property
    def retransmitted(self) -> int:
        """
        Retransmissions after a timeout or a deny.
        """
    @property
    def unexpected_answers(self) -> int:
        """
        Answers matching nothing in flight.
        """

class ClientEvent:
    """
    An event of a Client's engine: a control from the centre (initialise, clock sync, duty check), a denied request, an unexpected answer or a failed heartbeat. Fields not relevant to the kind are 0 or None.
    """
    def __repr__(self) -> str: ...
    @property
    def at(self) -> datetime.timedelta:
        """
        When, on the client's monotonic clock (time since the Client was created).
        """
    @property
    def command(self) -> int:
        """
        Command of the frame concerned (a Command: 1 control, 2 send data, ...).
        """
    @property
    def deadline(self) -> datetime.timedelta | None:
        """
        duty_check: when the answer is due, on the client's monotonic clock.
        """
    @property
    def error(self) -> firebus._firebus.Error | None:
        """
        request_denied: why (a firebus.Error); unexpected_answer, heartbeat_failed: the error; else None.
        """
    @property
    def kind(self) -> ClientEventKind:
        """
        What happened.
        """
    @property
    def serial(self) -> int:
        """
        Serial number of the frame concerned.
        """
    @property
    def time(self) -> datetime.datetime | None:
        """
        clock_sync: the time tag received, as a naive datetime (the centre's local time).
        """
    @property
    def timeout_minutes(self) -> int:
        """
        duty_check: the minutes allowed for the operator's answer.
        """
    @property
    def utc(self) -> datetime.datetime | None:
        """
        clock_sync: that time as an aware UTC datetime.
        """

class CodeName:
    """
    A row of a code table: code, English and Chinese name.
    """
    def __repr__(self) -> str:
        """
        CodeName(...).
        """
    @property
    def chinese(self) -> str:
        """
        The standard's term.
        """
    @property
    def code(self) -> int:
        """
        The code.
        """
    @property
    def english(self) -> str:
        """
        Stable snake_case name.
        """

class ComponentAnalog:
    """
    ADU type 3: an analog value of a component (analog_value(analog_type, value)).
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.component_analog: 3>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ComponentAnalog:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ComponentAnalog:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self,
        system_type: int = 0,
        system_address: int = 0,
        component_type: int = 0,
        component_address: int = 0,
        analog_type: int = 0,
        value: int = 0,
        time: TimeTag = ...,
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def analog_type(self) -> int:
        """
        Analog type code (AnalogType).
        """
    @analog_type.setter
    def analog_type(self, arg1: int) -> None: ...
    @property
    def component_address(self) -> int:
        """
        4-byte component address.
        """
    @component_address.setter
    def component_address(self, arg1: int) -> None: ...
    @property
    def component_type(self) -> int:
        """
        Component type code (ComponentType, Table 5).
        """
    @component_type.setter
    def component_type(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...
    @property
    def value(self) -> int:
        """
        Raw int16 value.
        """
    @value.setter
    def value(self, arg1: int) -> None: ...

class ComponentConfig:
    """
    ADU type 7: a component's configuration (its description).
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.component_config: 7>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ComponentConfig:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ComponentConfig:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self,
        system_type: int = 0,
        system_address: int = 0,
        component_type: int = 0,
        component_address: int = 0,
        text: bytes | str = b"",
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    def decode_text(self, policy: text.TextPolicy = text.TextPolicy.strict) -> str:
        """
        The text as str (GB 18030 decoded; its padding, trailing 0x00 and spaces, removed, as the CLI and the centre show it; the field itself keeps every byte). TextError under TextPolicy.strict for undecodable bytes; TextPolicy.replace shows them as U+FFFD.
        """
    @property
    def component_address(self) -> int:
        """
        4-byte component address.
        """
    @component_address.setter
    def component_address(self, arg1: int) -> None: ...
    @property
    def component_type(self) -> int:
        """
        Component type code (ComponentType, Table 5).
        """
    @component_type.setter
    def component_type(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...
    @property
    def text(self) -> bytes:
        """
        Description: the 31 GB 18030 bytes as sent (padding included); set bytes (<= 31, padded with 0x00) or str (converted). decode_text() gives str.
        """
    @text.setter
    def text(self, arg1: bytes | str) -> None: ...

class ComponentStatusRecord:
    """
    ADU type 2: the state of a component, e.g. a detector in fire alarm.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.component_status: 2>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ComponentStatusRecord:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ComponentStatusRecord:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self,
        system_type: int = 0,
        system_address: int = 0,
        component_type: int = 0,
        component_address: int = 0,
        status: int = 0,
        text: bytes | str = b"",
        time: TimeTag = ...,
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    def decode_text(self, policy: text.TextPolicy = text.TextPolicy.strict) -> str:
        """
        The text as str (GB 18030 decoded; its padding, trailing 0x00 and spaces, removed, as the CLI and the centre show it; the field itself keeps every byte). TextError under TextPolicy.strict for undecodable bytes; TextPolicy.replace shows them as U+FFFD.
        """
    @property
    def component_address(self) -> int:
        """
        4-byte component address.
        """
    @component_address.setter
    def component_address(self, arg1: int) -> None: ...
    @property
    def component_type(self) -> int:
        """
        Component type code (ComponentType, Table 5).
        """
    @component_type.setter
    def component_type(self, arg1: int) -> None: ...
    @property
    def status(self) -> int:
        """
        Status bits (ComponentStatus; decode_component_status()).
        """
    @status.setter
    def status(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...
    @property
    def text(self) -> bytes:
        """
        Description: the 31 GB 18030 bytes as sent (padding included); set bytes (<= 31, padded with 0x00) or str (converted). decode_text() gives str.
        """
    @text.setter
    def text(self, arg1: bytes | str) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class Deframer:
    """
    Cuts frames out of a byte stream fed in chunks of any size: valid frames are delivered, every byte thrown away is reported as a Rejection. Memory is bounded (a fixed buffer of BUFFER_CAPACITY bytes; at most MAX_BUFFERED held between calls). Feeding releases the GIL.
    """

    BUFFER_CAPACITY: typing.ClassVar[int] = 2108
    MAX_BUFFERED: typing.ClassVar[int] = 1053
    def __init__(self) -> None:
        """
        An empty deframer at stream offset 0.
        """
    def feed(self, chunk: bytes) -> list:
        """
        Processes every byte of `chunk`; returns the Frame and Rejection items completed, in stream order.
        """
    def flush(self) -> list:
        """
        Ends the stream: a partial candidate becomes a 'truncated' Rejection, pending garbage is reported. Offsets and counters continue.
        """
    def reset(self) -> None:
        """
        Forgets everything (counters and unreported garbage included).
        """
    @property
    def buffered(self) -> int:
        """
        Bytes held, waiting for the rest of a candidate.
        """
    @property
    def bytes_delivered(self) -> int:
        """
        Bytes of the frames delivered.
        """
    @property
    def bytes_discarded(self) -> int:
        """
        Bytes discarded (rejections reported plus pending_garbage).
        """
    @property
    def bytes_fed(self) -> int:
        """
        Bytes fed.
        """
    @property
    def frames(self) -> int:
        """
        Frames delivered.
        """
    @property
    def pending_garbage(self) -> int:
        """
        Bytes of the current garbage run, not yet reported.
        """
    @property
    def rejected(self) -> int:
        """
        Rejections reported.
        """
    @property
    def stats(self) -> dict:
        """
        All counters as a dict.
        """

class Delivery:
    """
    What a Future of Client.send_future() resolves to: the centre confirmed message `id` after `attempts` transmissions, `latency` after send.
    """
    def __repr__(self) -> str: ...
    @property
    def attempts(self) -> int:
        """
        Transmissions, retransmissions included.
        """
    @property
    def id(self) -> int:
        """
        The message's id (as send() returns).
        """
    @property
    def latency(self) -> datetime.timedelta:
        """
        From send to the confirm.
        """

class DutyCheck:
    """
    ADU type 91: duty check (查岗); answered with type 24, flag bit 5.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.duty_check: 91>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> DutyCheck:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> DutyCheck:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, timeout_minutes: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def timeout_minutes(self) -> int:
        """
        Minutes the operator has to answer.
        """
    @timeout_minutes.setter
    def timeout_minutes(self, arg1: int) -> None: ...

class Frame:
    """
    A decoded frame: its header and its ADU bytes.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, arg0: object) -> bool:
        """
        Equal headers and ADUs.
        """
    def __init__(self, header: Header = ..., adu: bytes = b"") -> None:
        """
        A frame from a header and ADU bytes (empty for confirm, deny, heartbeat).
        """
    def __repr__(self) -> str:
        """
        Frame(header=..., adu=...).
        """
    def decode_adu(self, user_types: UserTypes | None = None) -> Adu:
        """
        decode_adu(self.adu). GB26875Error for a bad or empty ADU (check self.adu first).
        """
    def encode(self) -> bytes:
        """
        encode_frame(self.header, self.adu).
        """
    @property
    def adu(self) -> bytes:
        """
        The ADU bytes (type, count, objects), b'' for confirm/deny/heartbeat.
        """
    @adu.setter
    def adu(self, arg1: bytes) -> None: ...
    @property
    def command(self) -> Command:
        """
        header.command.
        """
    @property
    def header(self) -> Header:
        """
        The Header.
        """
    @header.setter
    def header(self, arg0: Header) -> None: ...
    @property
    def serial(self) -> int:
        """
        header.serial.
        """

class FrameDiagnostic:
    """
    Where and why a frame was refused: offset of the offending field, what was expected there and what was found.
    """
    def __init__(self, offset: int = 0, expected: int = 0, found: int = 0) -> None:
        """
        A diagnostic from its fields.
        """
    def __repr__(self) -> str:
        """
        FrameDiagnostic(...).
        """
    @property
    def expected(self) -> int:
        """
        What was expected there.
        """
    @expected.setter
    def expected(self, arg0: int) -> None: ...
    @property
    def found(self) -> int:
        """
        What was found.
        """
    @found.setter
    def found(self, arg0: int) -> None: ...
    @property
    def offset(self) -> int:
        """
        Offset of the offending field.
        """
    @offset.setter
    def offset(self, arg0: int) -> None: ...

class Header:
    """
    The fields of a frame other than its ADU (§6.6, Table 2).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Header:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> Header:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self,
        serial: int = 0,
        command: int = 2,
        source: int = 0,
        destination: int = 0,
        time: TimeTag = ...,
        version_major: int = 1,
        version_minor: int = 0,
    ) -> None:
        """
        A header (command: a Command or any byte; addresses: 6 bytes, checked on encode).
        """
    def __repr__(self) -> str:
        """
        Header(...).
        """
    def reply(self, answer: int) -> Header:
        """
        The header of the answer (confirm, deny, response): same serial and version, source and destination swapped. Set its time.
        """
    @property
    def command(self) -> Command:
        """
        The command byte: a Command, or a plain int for reserved and user-defined values.
        """
    @command.setter
    def command(self, arg1: int) -> None: ...
    @property
    def destination(self) -> int:
        """
        6-byte destination address.
        """
    @destination.setter
    def destination(self, arg0: int) -> None: ...
    @property
    def serial(self) -> int:
        """
        Business serial number (u16); a reply echoes it.
        """
    @serial.setter
    def serial(self, arg0: int) -> None: ...
    @property
    def source(self) -> int:
        """
        6-byte source address.
        """
    @source.setter
    def source(self, arg0: int) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        When the frame was sent (TimeTag).
        """
    @time.setter
    def time(self, arg0: TimeTag) -> None: ...
    @property
    def version_major(self) -> int:
        """
        Protocol version, major (1).
        """
    @version_major.setter
    def version_major(self, arg0: int) -> None: ...
    @property
    def version_minor(self) -> int:
        """
        Protocol version, user version.
        """
    @version_minor.setter
    def version_minor(self, arg0: int) -> None: ...

class InitUitd:
    """
    ADU type 89: initialise the UITD.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.init_uitd: 89>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> InitUitd:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> InitUitd:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, reserved: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def reserved(self) -> int:
        """
        Reserved byte: sent as 0, kept as received.
        """
    @reserved.setter
    def reserved(self, arg1: int) -> None: ...

class OperationFlags:
    """
    An operation-record byte (types 4 and 24), decoded.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every flag and the reserved bits are equal.
        """
    def __init__(self) -> None:
        """
        All flags false.
        """
    def __repr__(self) -> str:
        """
        The flags that are set.
        """
    @property
    def alarm_cleared(self) -> bool:
        """
        Bit 3, 警情消除.
        """
    @alarm_cleared.setter
    def alarm_cleared(self, arg0: bool) -> None: ...
    @property
    def confirm_or_duty_answer(self) -> bool:
        """
        Bit 5, 确认 / 查岗应答.
        """
    @confirm_or_duty_answer.setter
    def confirm_or_duty_answer(self, arg0: bool) -> None: ...
    @property
    def manual_alarm(self) -> bool:
        """
        Bit 2, 手动报警.
        """
    @manual_alarm.setter
    def manual_alarm(self, arg0: bool) -> None: ...
    @property
    def reserved_bits(self) -> int:
        """
        The reserved bits as received, in place.
        """
    @reserved_bits.setter
    def reserved_bits(self, arg0: int) -> None: ...
    @property
    def reset(self) -> bool:
        """
        Bit 0, 复位.
        """
    @reset.setter
    def reset(self, arg0: bool) -> None: ...
    @property
    def self_test(self) -> bool:
        """
        Bit 4, 自检.
        """
    @self_test.setter
    def self_test(self, arg0: bool) -> None: ...
    @property
    def silence(self) -> bool:
        """
        Bit 1, 消音.
        """
    @silence.setter
    def silence(self, arg0: bool) -> None: ...
    @property
    def test(self) -> bool:
        """
        Bit 6, 测试.
        """
    @test.setter
    def test(self, arg0: bool) -> None: ...

class ReadComponentAnalog:
    """
    ADU type 63: read a component's analog value.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_component_analog: 63>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadComponentAnalog:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadComponentAnalog:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self, system_type: int = 0, system_address: int = 0, component_address: int = 0
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def component_address(self) -> int:
        """
        4-byte component address.
        """
    @component_address.setter
    def component_address(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadComponentConfig:
    """
    ADU type 67: read a component's configuration.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_component_config: 67>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadComponentConfig:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadComponentConfig:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self, system_type: int = 0, system_address: int = 0, component_address: int = 0
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def component_address(self) -> int:
        """
        4-byte component address.
        """
    @component_address.setter
    def component_address(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadComponentStatus:
    """
    ADU type 62: read a component's state.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_component_status: 62>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadComponentStatus:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadComponentStatus:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self, system_type: int = 0, system_address: int = 0, component_address: int = 0
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def component_address(self) -> int:
        """
        4-byte component address.
        """
    @component_address.setter
    def component_address(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadSystemConfig:
    """
    ADU type 66: read a system's configuration.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_system_config: 66>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadSystemConfig:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadSystemConfig:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, system_type: int = 0, system_address: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadSystemOperations:
    """
    ADU type 64: read `count` operation records from `start`.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_system_operations: 64>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadSystemOperations:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadSystemOperations:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self, system_type: int = 0, system_address: int = 0, count: int = 0, start: TimeTag = ...
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def count(self) -> int:
        """
        Number of records.
        """
    @count.setter
    def count(self, arg1: int) -> None: ...
    @property
    def start(self) -> TimeTag:
        """
        First record time (TimeTag).
        """
    @start.setter
    def start(self, arg1: TimeTag) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadSystemSoftwareVersion:
    """
    ADU type 65: read a system's software version.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_system_software_version: 65>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadSystemSoftwareVersion:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadSystemSoftwareVersion:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, system_type: int = 0, system_address: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadSystemStatus:
    """
    ADU type 61: read a system's state.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_system_status: 61>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadSystemStatus:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadSystemStatus:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, system_type: int = 0, system_address: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadSystemTime:
    """
    ADU type 68: read a system's clock.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_system_time: 68>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadSystemTime:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadSystemTime:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, system_type: int = 0, system_address: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class ReadUitdConfig:
    """
    ADU type 86: read the UITD's configuration.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_uitd_config: 86>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadUitdConfig:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadUitdConfig:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, reserved: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def reserved(self) -> int:
        """
        Reserved byte: sent as 0, kept as received.
        """
    @reserved.setter
    def reserved(self, arg1: int) -> None: ...

class ReadUitdOperations:
    """
    ADU type 84: read the UITD's operation records.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_uitd_operations: 84>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadUitdOperations:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadUitdOperations:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, count: int = 0, start: TimeTag = ...) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def count(self) -> int:
        """
        Number of records.
        """
    @count.setter
    def count(self, arg1: int) -> None: ...
    @property
    def start(self) -> TimeTag:
        """
        First record time (TimeTag).
        """
    @start.setter
    def start(self, arg1: TimeTag) -> None: ...

class ReadUitdSoftwareVersion:
    """
    ADU type 85: read the UITD's software version.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_uitd_software_version: 85>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadUitdSoftwareVersion:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadUitdSoftwareVersion:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, reserved: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def reserved(self) -> int:
        """
        Reserved byte: sent as 0, kept as received.
        """
    @reserved.setter
    def reserved(self, arg1: int) -> None: ...

class ReadUitdStatus:
    """
    ADU type 81: read the UITD's state.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.read_uitd_status: 81>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadUitdStatus:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadUitdStatus:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, reserved: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def reserved(self) -> int:
        """
        Reserved byte: sent as 0, kept as received.
        """
    @reserved.setter
    def reserved(self, arg1: int) -> None: ...

class ReadUitdTime:
    """
    ADU type 88: read the UITD's clock.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.read_uitd_time: 88>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> ReadUitdTime:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> ReadUitdTime:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, reserved: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def reserved(self) -> int:
        """
        Reserved byte: sent as 0, kept as received.
        """
    @reserved.setter
    def reserved(self, arg1: int) -> None: ...

class Rejection:
    """
    Bytes the deframer threw away, and why (see Deframer).
    """
    def __repr__(self) -> str:
        """
        Rejection(...).
        """
    def error(self) -> typing.Any:
        """
        A GB26875Error instance (not raised) with the message and code.
        """
    @property
    def candidate(self) -> bytes:
        """
        The candidate bytes as far as examined (the whole frame for checksum_mismatch); b'' for garbage.
        """
    @property
    def code(self) -> int:
        """
        int(reason).
        """
    @property
    def expected(self) -> int:
        """
        What was expected there.
        """
    @property
    def found(self) -> int:
        """
        What was found.
        """
    @property
    def length(self) -> int:
        """
        Bytes discarded.
        """
    @property
    def message(self) -> str:
        """
        describe(): 'checksum 0x46 expected, 0x47 found at offset 75 (78 bytes at stream offset 1024 discarded)'.
        """
    @property
    def offset(self) -> int:
        """
        Offset of the offending field, relative to stream_offset.
        """
    @property
    def reason(self) -> Errc:
        """
        The Errc: garbage, adu_too_long, bad_end, checksum_mismatch or truncated.
        """
    @property
    def stream_offset(self) -> int:
        """
        Stream offset of the first byte discarded.
        """

class Server:
    """
    The monitoring centre's side of GB/T 26875.3 over TCP (C++ gb26875::server) with its own I/O thread.

    listen() binds and accepts UITD connections; each message is passed to on_message as a ServerMessage (already confirmed under ConfirmPolicy.immediate; under after_accept, return True/False from on_message or call accept()/reject()). request() and control() send to a connected UITD; request_future()/control_future() give the answer as a Future. Callbacks run on the I/O thread with the GIL held; an exception they raise goes to sys.unraisablehook and the server carries on. Use as a context manager: `with Server(cfg) as s:` listens and closes.
    """
    def __enter__(self) -> Server:
        """
        Listens; returns the server.
        """
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the server.
        """
    def __init__(self, config: ServerConfig) -> None:
        """
        A server of `config`; raises firebus.Error if the configuration is invalid.
        """
    def __repr__(self) -> str: ...
    def accept(self, connection: int, token: int) -> None:
        """
        ConfirmPolicy.after_accept: the message with `token` is stored: confirm it.
        """
    def close(self) -> None:
        """
        Stops accepting, closes every connection (gracefully: at most ~1.5 s), joins the I/O thread and frees the C++ server; futures still pending are cancelled. Idempotent; safe from a callback.
        """
    def close_connection(self, connection: int) -> None:
        """
        Closes one connection (ServerCloseReason.closed), after what is queued for it.
        """
    def connections(self) -> list[int]:
        """
        The ids of the open connections.
        """
    def control(self, connection: int, adu: bytes | Adu) -> int:
        """
        Sends a control (command 1, ADU types 89-91: initialise, clock sync, duty check); as request(). The answer is the UITD's confirm (an empty ADU).
        """
    def control_future(
        self, connection: int, adu: bytes | Adu
    ) -> concurrent.futures.Future[ServerMessage]:
        """
        As control(), returning a Future.
        """
    def counters(self) -> ServerCounters:
        """
        A snapshot of the counters (ServerCounters).
        """
    def find_by_address(self, address: int) -> int:
        """
        The open connection whose UITD has `address`; 0 if none.
        """
    def listen(self) -> int:
        """
        Starts the I/O thread, binds, listens and accepts; returns the port. Raises firebus.Error (e.g. the address is in use).
        """
    def reject(self, connection: int, token: int) -> None:
        """
        ConfirmPolicy.after_accept: the message with `token` was not stored: deny it.
        """
    def request(self, connection: int, adu: bytes | Adu) -> int:
        """
        Sends a read (command 4, ADU types 61-88) to `connection`; returns its id. The answer comes to on_answer, a failure to on_request_failed. Raises firebus.Error at once for a bad ADU or an unknown connection.
        """
    def request_future(
        self, connection: int, adu: bytes | Adu
    ) -> concurrent.futures.Future[ServerMessage]:
        """
        As request(), returning a concurrent.futures.Future (attribute `id`) that resolves to the answer (a ServerMessage) or raises firebus.GB26875Error (denied, no answer, not connected, queue full).
        """
    @property
    def closed(self) -> bool:
        """
        True once close() was called.
        """
    @property
    def config(self) -> ServerConfig:
        """
        A copy of the configuration.
        """
    @property
    def on_answer(self) -> typing.Callable[[ServerMessage], None] | None:
        """
        Called as f(answer) with the answer (a ServerMessage, `id` set) to a request or control.
        """
    @on_answer.setter
    def on_answer(self, arg1: typing.Callable[[ServerMessage], None] | None) -> None: ...
    @property
    def on_close(self) -> typing.Callable[[int, ServerCloseReason], None] | None:
        """
        Called as f(connection, reason) when a connection is closed.
        """
    @on_close.setter
    def on_close(self, arg1: typing.Callable[[int, ServerCloseReason], None] | None) -> None: ...
    @property
    def on_connect(self) -> typing.Callable[[int, str], None] | None:
        """
        Called as f(connection, remote) for an accepted connection (remote: 'host:port').
        """
    @on_connect.setter
    def on_connect(self, arg1: typing.Callable[[int, str], None] | None) -> None: ...
    @property
    def on_error(self) -> typing.Callable[[int, firebus._firebus.Error, str], None] | None:
        """
        Called as f(connection, error, what) for diagnostics (connection 0: none in particular).
        """
    @on_error.setter
    def on_error(
        self, arg1: typing.Callable[[int, firebus._firebus.Error, str], None] | None
    ) -> None: ...
    @property
    def on_heartbeat(self) -> typing.Callable[[ServerMessage], None] | None:
        """
        Called as f(message) for a heartbeat (already confirmed).
        """
    @on_heartbeat.setter
    def on_heartbeat(self, arg1: typing.Callable[[ServerMessage], None] | None) -> None: ...
    @property
    def on_message(self) -> typing.Callable[[ServerMessage], bool | None] | None:
        """
        Called as f(message) for every message (a ServerMessage). Under ConfirmPolicy.after_accept, returning True confirms it, False denies it, None leaves it to accept()/reject().
        """
    @on_message.setter
    def on_message(self, arg1: typing.Callable[[ServerMessage], bool | None] | None) -> None: ...
    @property
    def on_request_failed(self) -> typing.Callable[[int, int, firebus._firebus.Error], None] | None:
        """
        Called as f(connection, id, error) when a request or control ended without an answer.
        """
    @on_request_failed.setter
    def on_request_failed(
        self, arg1: typing.Callable[[int, int, firebus._firebus.Error], None] | None
    ) -> None: ...
    @property
    def port(self) -> int:
        """
        The port listened on (after listen(); the ephemeral one for 0).
        """

class ServerConfig:
    """
    Settings of a Server (C++ gb26875::server_config, with the engine's centre_config fields flattened). Durations read as datetime.timedelta; they accept a timedelta or seconds as an int or a float (rounded to the microsecond; utc_offset to the minute, flush_after to the millisecond). Port 0 picks an ephemeral port (Server.port).
    """
    def __init__(
        self,
        *,
        listen_address: str = "0.0.0.0",
        port: int = 0,
        address: int = 0,
        confirm: ConfirmPolicy = ...,
        answer_timeout: datetime.timedelta | float = ...,
        retries: int = 3,
        idle_timeout: datetime.timedelta | float = ...,
        rate_max_frames: int = 200,
        rate_window: datetime.timedelta | float = ...,
        max_consecutive_errors: int = 16,
        max_pending_requests: int = 16,
        max_unconfirmed: int = 64,
        duplicate_history: int = 64,
        max_outputs: int = 1024,
        first_serial: int = 1,
        utc_offset: datetime.timedelta | float = ...,
        max_connections: int = 1024,
        read_buffer_size: int = 4096,
        max_write_queue_bytes: int = 65536,
        flush_after: datetime.timedelta | float = ...,
        users: UserTypes | None = None,
    ) -> None:
        """
        Every setting as a keyword argument; the defaults are the C++ defaults.
        """
    def __repr__(self) -> str: ...
    def validate(self) -> None:
        """
        Raises firebus.Error if a setting is out of range.
        """
    @property
    def address(self) -> int:
        """
        The centre's own 6-byte address.
        """
    @address.setter
    def address(self, arg1: int) -> None: ...
    @property
    def answer_timeout(self) -> datetime.timedelta:
        """
        Wait this long for a confirm or response (§6.5.4).
        """
    @answer_timeout.setter
    def answer_timeout(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def confirm(self) -> ConfirmPolicy:
        """
        When messages are confirmed (ConfirmPolicy).
        """
    @confirm.setter
    def confirm(self, arg1: ConfirmPolicy) -> None: ...
    @property
    def duplicate_history(self) -> int:
        """
        Confirmed messages remembered for duplicates.
        """
    @duplicate_history.setter
    def duplicate_history(self, arg1: int) -> None: ...
    @property
    def first_serial(self) -> int:
        """
        The serial number of the centre's first request.
        """
    @first_serial.setter
    def first_serial(self, arg1: int) -> None: ...
    @property
    def flush_after(self) -> datetime.timedelta:
        """
        Flush the deframer after this long without new bytes.
        """
    @flush_after.setter
    def flush_after(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def idle_timeout(self) -> datetime.timedelta:
        """
        Close after this long without a valid frame; 0: never.
        """
    @idle_timeout.setter
    def idle_timeout(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def listen_address(self) -> str:
        """
        The address to listen on (IPv4 or IPv6 literal).
        """
    @listen_address.setter
    def listen_address(self, arg0: str) -> None: ...
    @property
    def max_connections(self) -> int:
        """
        Connections open at once (1 .. 1000000).
        """
    @max_connections.setter
    def max_connections(self, arg0: int) -> None: ...
    @property
    def max_consecutive_errors(self) -> int:
        """
        Bad inputs in a row tolerated.
        """
    @max_consecutive_errors.setter
    def max_consecutive_errors(self, arg1: int) -> None: ...
    @property
    def max_outputs(self) -> int:
        """
        Engine outputs that may wait (16 .. 1048576).
        """
    @max_outputs.setter
    def max_outputs(self, arg1: int) -> None: ...
    @property
    def max_pending_requests(self) -> int:
        """
        Requests waiting behind the one in flight.
        """
    @max_pending_requests.setter
    def max_pending_requests(self, arg1: int) -> None: ...
    @property
    def max_unconfirmed(self) -> int:
        """
        Messages awaiting accept() (after_accept policy).
        """
    @max_unconfirmed.setter
    def max_unconfirmed(self, arg1: int) -> None: ...
    @property
    def max_write_queue_bytes(self) -> int:
        """
        Bytes waiting to be written per connection before it is closed.
        """
    @max_write_queue_bytes.setter
    def max_write_queue_bytes(self, arg0: int) -> None: ...
    @property
    def port(self) -> int:
        """
        The TCP port; 0 picks an ephemeral one.
        """
    @port.setter
    def port(self, arg0: int) -> None: ...
    @property
    def rate_max_frames(self) -> int:
        """
        At most this many inputs per rate_window.
        """
    @rate_max_frames.setter
    def rate_max_frames(self, arg1: int) -> None: ...
    @property
    def rate_window(self) -> datetime.timedelta:
        """
        The window of rate_max_frames.
        """
    @rate_window.setter
    def rate_window(self, arg1: datetime.timedelta | float) -> None: ...
    @property
    def read_buffer_size(self) -> int:
        """
        Bytes read at a time per connection (64 .. 1 MiB).
        """
    @read_buffer_size.setter
    def read_buffer_size(self, arg0: int) -> None: ...
    @property
    def retries(self) -> int:
        """
        Retransmissions of requests and controls (§6.5.5: 3).
        """
    @retries.setter
    def retries(self, arg1: int) -> None: ...
    @property
    def users(self) -> UserTypes | None:
        """
        The registry of user-defined ADU types (128-254) the centre's sessions check incoming ADUs with (a firebus.gb26875.UserTypes), or None: such ADUs are then accepted as one UserBlob. A Server copies the registry when it is created (later add_fixed() / add_variable() calls do not reach it) and keeps the UserTypes alive; its ServerMessage.decode() uses it. Variable-size types' callables run on the Server's I/O thread.
        """
    @users.setter
    def users(self, arg1: UserTypes | None) -> None: ...
    @property
    def utc_offset(self) -> datetime.timedelta:
        """
        The UTC offset of the time tags the centre writes.
        """
    @utc_offset.setter
    def utc_offset(self, arg1: datetime.timedelta | float) -> None: ...

class ServerCounters:
    """
    A snapshot of a Server's counters; all but connections_open only grow.
    """
    def __repr__(self) -> str: ...
    def closed(self, reason: ServerCloseReason) -> int:
        """
        Connections closed for `reason`.
        """
    @property
    def answers(self) -> int:
        """
        Requests and controls answered.
        """
    @property
    def bytes_in(self) -> int:
        """
        Bytes read.
        """
    @property
    def bytes_out(self) -> int:
        """
        Bytes written.
        """
    @property
    def closes(self) -> dict[ServerCloseReason, int]:
        """
        Connections closed, by ServerCloseReason.
        """
    @property
    def confirms_sent(self) -> int:
        """
        Confirm frames.
        """
    @property
    def connections_accepted(self) -> int:
        """
        Connections that got an engine.
        """
    @property
    def connections_open(self) -> int:
        """
        Connections open now.
        """
    @property
    def connections_refused(self) -> int:
        """
        Connections closed at once: max_connections reached.
        """
    @property
    def denies_sent(self) -> int:
        """
        Deny frames.
        """
    @property
    def duplicates(self) -> int:
        """
        Retransmissions recognised.
        """
    @property
    def frames_in(self) -> int:
        """
        Valid frames handled by the engines.
        """
    @property
    def handler_exceptions(self) -> int:
        """
        Exceptions raised by handlers (Python ones included).
        """
    @property
    def heartbeats(self) -> int:
        """
        Empty send-data frames.
        """
    @property
    def messages(self) -> int:
        """
        Messages delivered (duplicates included).
        """
    @property
    def rejections(self) -> int:
        """
        Deframer rejections (garbage, damaged frames).
        """
    @property
    def request_failures(self) -> int:
        """
        Requests and controls failed.
        """
    @property
    def requests_sent(self) -> int:
        """
        First transmissions of requests and controls.
        """
    @property
    def retransmissions(self) -> int:
        """
        Their repetitions.
        """

class ServerMessage:
    """
    A frame a Server received: a message (send data or control with an ADU), a heartbeat (empty ADU) or the answer to a request or control. Header fields, the raw ADU bytes, and decode() for the codec's objects.
    """
    def __repr__(self) -> str: ...
    def decode(self) -> Adu:
        """
        The ADU decoded by firebus.gb26875.decode_adu() (the codec's objects) with the Server's UserTypes (ServerConfig.users): registered user-defined types give UserObject items, others one UserBlob. GB26875Error for an empty ADU (heartbeats, confirms).
        """
    @property
    def adu(self) -> bytes:
        """
        The raw ADU bytes (empty for heartbeats and confirms).
        """
    @property
    def adu_type(self) -> int | None:
        """
        The ADU's type (an AduType, or a plain int for other codes), None if the ADU is empty.
        """
    @property
    def command(self) -> int:
        """
        The Command (1 control, 2 send data, 3 confirm, 4 request, 5 response, 6 deny).
        """
    @property
    def connection(self) -> int:
        """
        The connection id it came from.
        """
    @property
    def destination(self) -> int:
        """
        6-byte destination address.
        """
    @property
    def duplicate(self) -> bool:
        """
        A retransmission of a message already confirmed.
        """
    @property
    def header(self) -> Header:
        """
        The whole header, as a firebus.gb26875.Header (the codec's class).
        """
    @property
    def id(self) -> int:
        """
        Answers: the id request()/control() returned; else 0.
        """
    @property
    def kind(self) -> str:
        """
        'message', 'heartbeat' or 'answer'.
        """
    @property
    def serial(self) -> int:
        """
        Business serial number.
        """
    @property
    def source(self) -> int:
        """
        6-byte source address.
        """
    @property
    def time(self) -> datetime.datetime | None:
        """
        The frame's time tag as a naive datetime (the sender's local time), None if invalid.
        """
    @property
    def token(self) -> int:
        """
        ConfirmPolicy.after_accept: pass to Server.accept()/reject(); 0 if already confirmed.
        """
    @property
    def users(self) -> UserTypes | None:
        """
        The UserTypes of the Server's configuration (ServerConfig.users), or None.
        """
    @property
    def version(self) -> tuple[int, int]:
        """
        Protocol version (major, minor).
        """

class StatusFlags:
    """
    A system or component status word, decoded (fields the word's kind lacks stay False).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every flag and the reserved bits are equal.
        """
    def __init__(self) -> None:
        """
        All flags false.
        """
    def __repr__(self) -> str:
        """
        The flags that are set.
        """
    @property
    def backup_power_fault(self) -> bool:
        """
        System bit 9, 备电故障.
        """
    @backup_power_fault.setter
    def backup_power_fault(self, arg0: bool) -> None: ...
    @property
    def bus_fault(self) -> bool:
        """
        System bit 10, 总线故障.
        """
    @bus_fault.setter
    def bus_fault(self, arg0: bool) -> None: ...
    @property
    def config_changed(self) -> bool:
        """
        System bit 12, 配置改变.
        """
    @config_changed.setter
    def config_changed(self, arg0: bool) -> None: ...
    @property
    def delay(self) -> bool:
        """
        Bit 7, 延时状态.
        """
    @delay.setter
    def delay(self, arg0: bool) -> None: ...
    @property
    def disabled(self) -> bool:
        """
        Bit 3, 屏蔽.
        """
    @disabled.setter
    def disabled(self, arg0: bool) -> None: ...
    @property
    def fault(self) -> bool:
        """
        Bit 2, 故障.
        """
    @fault.setter
    def fault(self, arg0: bool) -> None: ...
    @property
    def feedback(self) -> bool:
        """
        Bit 6, 反馈.
        """
    @feedback.setter
    def feedback(self, arg0: bool) -> None: ...
    @property
    def fire_alarm(self) -> bool:
        """
        Bit 1, 火警.
        """
    @fire_alarm.setter
    def fire_alarm(self, arg0: bool) -> None: ...
    @property
    def main_power_fault(self) -> bool:
        """
        System bit 8, 主电故障.
        """
    @main_power_fault.setter
    def main_power_fault(self, arg0: bool) -> None: ...
    @property
    def manual_mode(self) -> bool:
        """
        System bit 11, 手动状态.
        """
    @manual_mode.setter
    def manual_mode(self, arg0: bool) -> None: ...
    @property
    def power_fault(self) -> bool:
        """
        Component bit 8, 电源故障.
        """
    @power_fault.setter
    def power_fault(self, arg0: bool) -> None: ...
    @property
    def reserved_bits(self) -> int:
        """
        The reserved bits as received, in place.
        """
    @reserved_bits.setter
    def reserved_bits(self, arg0: int) -> None: ...
    @property
    def reset(self) -> bool:
        """
        System bit 13, 复位.
        """
    @reset.setter
    def reset(self, arg0: bool) -> None: ...
    @property
    def started(self) -> bool:
        """
        Bit 5, 启动.
        """
    @started.setter
    def started(self, arg0: bool) -> None: ...
    @property
    def supervisory(self) -> bool:
        """
        Bit 4, 监管.
        """
    @supervisory.setter
    def supervisory(self, arg0: bool) -> None: ...
    @property
    def test_mode(self) -> bool:
        """
        Bit 0 read under a Bit0Policy.
        """
    @test_mode.setter
    def test_mode(self, arg0: bool) -> None: ...

class SyncUitdTime:
    """
    ADU type 90: set the UITD's clock.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.sync_uitd_time: 90>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> SyncUitdTime:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> SyncUitdTime:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, time: TimeTag = ...) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class SystemConfig:
    """
    ADU type 6: a system's configuration text.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.system_config: 6>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> SystemConfig:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> SystemConfig:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self, system_type: int = 0, system_address: int = 0, text: bytes | str = b""
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    def decode_text(self, policy: text.TextPolicy = text.TextPolicy.strict) -> str:
        """
        The text as str (GB 18030 decoded; its padding, trailing 0x00 and spaces, removed, as the CLI and the centre show it; the field itself keeps every byte). TextError under TextPolicy.strict for undecodable bytes; TextPolicy.replace shows them as U+FFFD.
        """
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...
    @property
    def text(self) -> bytes:
        """
        Configuration text: GB 18030 bytes (<= 255); set bytes or str (converted). decode_text() gives str.
        """
    @text.setter
    def text(self, arg1: bytes | str) -> None: ...

class SystemOperation:
    """
    ADU type 4: an operation on a building fire-safety system.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.system_operation: 4>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> SystemOperation:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> SystemOperation:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self,
        system_type: int = 0,
        system_address: int = 0,
        flags: int = 0,
        operator_id: int = 0,
        time: TimeTag = ...,
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def flags(self) -> int:
        """
        Operation bits (OperationFlag).
        """
    @flags.setter
    def flags(self, arg1: int) -> None: ...
    @property
    def operator_id(self) -> int:
        """
        Operator number.
        """
    @operator_id.setter
    def operator_id(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class SystemSoftwareVersion:
    """
    ADU type 5: a system's software version.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.system_software_version: 5>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> SystemSoftwareVersion:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> SystemSoftwareVersion:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self, system_type: int = 0, system_address: int = 0, major: int = 0, minor: int = 0
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def major(self) -> int:
        """
        Major version.
        """
    @major.setter
    def major(self, arg1: int) -> None: ...
    @property
    def minor(self) -> int:
        """
        Minor version.
        """
    @minor.setter
    def minor(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...

class SystemStatusRecord:
    """
    ADU type 1: the state of a building fire-safety system.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.system_status: 1>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> SystemStatusRecord:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> SystemStatusRecord:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self, system_type: int = 0, system_address: int = 0, status: int = 0, time: TimeTag = ...
    ) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def status(self) -> int:
        """
        Status bits (SystemStatus; decode_system_status()).
        """
    @status.setter
    def status(self, arg1: int) -> None: ...
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class SystemTime:
    """
    ADU type 8: a system's clock.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.system_time: 8>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> SystemTime:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> SystemTime:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, system_type: int = 0, system_address: int = 0, time: TimeTag = ...) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def system_address(self) -> int:
        """
        Address of the system.
        """
    @system_address.setter
    def system_address(self, arg1: int) -> None: ...
    @property
    def system_type(self) -> int:
        """
        System type code (SystemType, Table 4).
        """
    @system_type.setter
    def system_type(self, arg1: int) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class TimeTag:
    """
    A 6-byte time tag (§6.6): second, minute, hour, day, month, year (2000..2255). Not validated on decode (valid() tells); the standard names no time zone, so conversions take an explicit UTC offset in minutes (480 for China Standard Time) or give naive datetimes.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    @staticmethod
    def from_datetime(when: typing.Any, utc_offset_minutes: int | None = None) -> TimeTag:
        """
        A time tag from a datetime's calendar fields; an aware datetime is first converted to utc_offset_minutes when given. GB26875Error (invalid_time) outside 2000..2255.
        """
    def __copy__(self) -> TimeTag:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> TimeTag:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(
        self,
        year: int = 2000,
        month: int = 1,
        day: int = 1,
        hour: int = 0,
        minute: int = 0,
        second: int = 0,
    ) -> None:
        """
        A time tag from calendar fields (year 2000..2255, others one byte each; not validated: see valid()). GB26875Error (out_of_range) for values that do not fit.
        """
    def __repr__(self) -> str:
        """
        TimeTag(year=..., ...).
        """
    def __str__(self) -> str:
        """
        'YYYY-MM-DD hh:mm:ss'.
        """
    def to_bytes(self) -> bytes:
        """
        The 6 wire bytes: second, minute, hour, day, month, year - 2000.
        """
    def to_datetime(self, utc_offset_minutes: int | None = None) -> typing.Any:
        """
        The time as datetime.datetime: naive if utc_offset_minutes is None, else aware at that offset. GB26875Error (invalid_time) if not valid().
        """
    def valid(self) -> bool:
        """
        True if the fields form a valid date and time.
        """
    @property
    def day(self) -> int:
        """
        Day byte (1..31 when valid).
        """
    @day.setter
    def day(self, arg0: int) -> None: ...
    @property
    def hour(self) -> int:
        """
        Hour byte (0..23 when valid).
        """
    @hour.setter
    def hour(self, arg0: int) -> None: ...
    @property
    def minute(self) -> int:
        """
        Minute byte (0..59 when valid).
        """
    @minute.setter
    def minute(self, arg0: int) -> None: ...
    @property
    def month(self) -> int:
        """
        Month byte (1..12 when valid).
        """
    @month.setter
    def month(self, arg0: int) -> None: ...
    @property
    def second(self) -> int:
        """
        Second byte (0..59 when valid).
        """
    @second.setter
    def second(self, arg0: int) -> None: ...
    @property
    def year(self) -> int:
        """
        The year, 2000..2255 (the wire byte is year - 2000).
        """
    @year.setter
    def year(self, arg1: int) -> None: ...

class UitdConfig:
    """
    ADU type 26: the UITD's configuration text.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.uitd_config: 26>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UitdConfig:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UitdConfig:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, text: bytes | str = b"") -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    def decode_text(self, policy: text.TextPolicy = text.TextPolicy.strict) -> str:
        """
        The text as str (GB 18030 decoded; its padding, trailing 0x00 and spaces, removed, as the CLI and the centre show it; the field itself keeps every byte). TextError under TextPolicy.strict for undecodable bytes; TextPolicy.replace shows them as U+FFFD.
        """
    @property
    def text(self) -> bytes:
        """
        Configuration text: GB 18030 bytes (<= 255); set bytes or str (converted). decode_text() gives str.
        """
    @text.setter
    def text(self, arg1: bytes | str) -> None: ...

class UitdCounters:
    """
    A snapshot of a UitdSession's counters (counters(now)).
    """
    def __repr__(self) -> str:
        """
        UitdCounters(frames_sent=..., ...; queued=(fire, alarm, routine)).
        """
    def to_dict(self) -> dict:
        """
        Every counter in a dict (queued: a dict by priority name), e.g. for metrics.
        """
    @property
    def controls_confirmed(self) -> int:
        """
        Control commands confirmed.
        """
    @property
    def data_sent(self) -> int:
        """
        First transmissions of messages.
        """
    @property
    def delivered(self) -> int:
        """
        Messages confirmed.
        """
    @property
    def denials_sent(self) -> int:
        """
        Deny frames sent.
        """
    @property
    def denied(self) -> int:
        """
        ... of which denied by the centre.
        """
    @property
    def evicted(self) -> int:
        """
        ... of which evicted from a full queue.
        """
    @property
    def failed(self) -> int:
        """
        Messages failed, for any reason.
        """
    @property
    def frames_received(self) -> int:
        """
        Frames handled while connected.
        """
    @property
    def frames_sent(self) -> int:
        """
        Frames put in the output queue.
        """
    @property
    def heartbeats_failed(self) -> int:
        """
        Heartbeats with no answer.
        """
    @property
    def heartbeats_sent(self) -> int:
        """
        Heartbeat transactions started.
        """
    @property
    def ignored_disconnected(self) -> int:
        """
        Frames received while disconnected.
        """
    @property
    def oldest_fire_age(self) -> float:
        """
        Seconds the oldest waiting fire message has waited; 0 if none.
        """
    @property
    def outputs_dropped(self) -> int:
        """
        Answers and events dropped (output queue full).
        """
    @property
    def preempted(self) -> int:
        """
        Messages in flight that gave way to a fire message.
        """
    @property
    def queued(self) -> dict[MessagePriority, int]:
        """
        Messages waiting to be sent (not the one in flight), by MessagePriority.
        """
    @property
    def requests_answered(self) -> int:
        """
        Responses sent (command 5).
        """
    @property
    def resent(self) -> int:
        """
        Transmissions after a reconnect or after giving way.
        """
    @property
    def retransmitted(self) -> int:
        """
        Retransmissions after a timeout or a deny.
        """
    @property
    def unexpected_answers(self) -> int:
        """
        Answers matching nothing in flight.
        """

class UitdDelivered:
    """
    Output of UitdSession.poll(): the centre confirmed a message.
    """
    def __repr__(self) -> str:
        """
        UitdDelivered(id=..., attempts=..., latency=...).
        """
    @property
    def attempts(self) -> int:
        """
        Transmissions made (retransmissions and resends included).
        """
    @property
    def id(self) -> int:
        """
        The message, as submit() returned.
        """
    @property
    def latency(self) -> float:
        """
        Seconds from submit() to the confirm.
        """

class UitdDutyAnswer:
    """
    What UitdSession.answer_duty_check() did.
    """
    def __repr__(self) -> str:
        """
        UitdDutyAnswer(id=..., pending=..., in_time=...).
        """
    @property
    def id(self) -> int:
        """
        The message submitted (its id).
        """
    @property
    def in_time(self) -> bool:
        """
        ... and this answer is within its deadline (deadline included).
        """
    @property
    def pending(self) -> bool:
        """
        A duty check was waiting for an answer.
        """

class UitdEvent:
    """
    Output of UitdSession.poll(): something to know or act upon (kind: a ClientEventKind). Fields not meaningful for the kind are None or 0.
    """
    def __repr__(self) -> str:
        """
        UitdEvent(kind=..., at=..., ...).
        """
    @property
    def at(self) -> float:
        """
        When it was received or happened (the session's monotonic seconds).
        """
    @property
    def command(self) -> Command:
        """
        Command of the frame concerned (a Command, or a plain int for other codes).
        """
    @property
    def deadline(self) -> float | None:
        """
        duty_check: when the answer is due (monotonic seconds); None for other kinds.
        """
    @property
    def error(self) -> firebus._firebus.Error | None:
        """
        request_denied: why (a firebus.Error instance, not raised); unexpected_answer and heartbeat_failed: GB26875Error unexpected_answer / no_answer; else None.
        """
    @property
    def kind(self) -> ClientEventKind:
        """
        What happened: init_request, clock_sync, duty_check (control commands, already confirmed), unexpected_answer, heartbeat_failed, request_denied.
        """
    @property
    def serial(self) -> int:
        """
        Serial number of the frame concerned.
        """
    @property
    def time(self) -> TimeTag | None:
        """
        clock_sync: the TimeTag received; None for other kinds.
        """
    @property
    def timeout_minutes(self) -> int:
        """
        duty_check: minutes allowed for the answer; 0 for other kinds.
        """
    @property
    def utc(self) -> float | None:
        """
        clock_sync: that time as Unix seconds (read at the configured UTC offset); None for other kinds.
        """

class UitdFailed:
    """
    Output of UitdSession.poll(): a message will not be delivered.
    """
    def __repr__(self) -> str:
        """
        UitdFailed(id=..., error=..., attempts=...).
        """
    @property
    def attempts(self) -> int:
        """
        Transmissions made.
        """
    @property
    def error(self) -> firebus._firebus.Error:
        """
        Why, as a firebus.GB26875Error instance (not raised): no_answer, denied, queue_full (evicted) or not_connected (max_age passed while disconnected). error.code is the Errc value.
        """
    @property
    def id(self) -> int:
        """
        The message, as submit() returned.
        """

class UitdFlags:
    """
    The UITD status byte, decoded.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every flag and the reserved bits are equal.
        """
    def __init__(self) -> None:
        """
        All flags false.
        """
    def __repr__(self) -> str:
        """
        The flags that are set.
        """
    @property
    def backup_power_fault(self) -> bool:
        """
        Bit 4, 备电故障.
        """
    @backup_power_fault.setter
    def backup_power_fault(self, arg0: bool) -> None: ...
    @property
    def centre_link_fault(self) -> bool:
        """
        Bit 5, 通信信道故障.
        """
    @centre_link_fault.setter
    def centre_link_fault(self, arg0: bool) -> None: ...
    @property
    def fault(self) -> bool:
        """
        Bit 2, 故障.
        """
    @fault.setter
    def fault(self, arg0: bool) -> None: ...
    @property
    def fire_alarm(self) -> bool:
        """
        Bit 1, 火警.
        """
    @fire_alarm.setter
    def fire_alarm(self, arg0: bool) -> None: ...
    @property
    def main_power_fault(self) -> bool:
        """
        Bit 3, 主电故障.
        """
    @main_power_fault.setter
    def main_power_fault(self, arg0: bool) -> None: ...
    @property
    def monitored_line_fault(self) -> bool:
        """
        Bit 6, 监测连接线路故障.
        """
    @monitored_line_fault.setter
    def monitored_line_fault(self, arg0: bool) -> None: ...
    @property
    def reserved_bits(self) -> int:
        """
        The reserved bits as received, in place.
        """
    @reserved_bits.setter
    def reserved_bits(self, arg0: int) -> None: ...
    @property
    def test_mode(self) -> bool:
        """
        Bit 0 read under a Bit0Policy.
        """
    @test_mode.setter
    def test_mode(self, arg0: bool) -> None: ...

class UitdOperation:
    """
    ADU type 24: an operation on the UITD (bit 5: answer to a duty check).
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.uitd_operation: 24>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UitdOperation:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UitdOperation:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, flags: int = 0, operator_id: int = 0, time: TimeTag = ...) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def flags(self) -> int:
        """
        Operation bits (OperationFlag).
        """
    @flags.setter
    def flags(self, arg1: int) -> None: ...
    @property
    def operator_id(self) -> int:
        """
        Operator number.
        """
    @operator_id.setter
    def operator_id(self, arg1: int) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class UitdSend:
    """
    Output of UitdSession.poll(): a complete frame to write to the centre, in order.
    """
    def __repr__(self) -> str:
        """
        UitdSend(command=..., serial=..., id=..., frame=<n bytes>).
        """
    @property
    def command(self) -> Command:
        """
        Its Command: send_data for data and heartbeats; confirm, deny or response for answers.
        """
    @property
    def frame(self) -> bytes:
        """
        The encoded frame (30 + L bytes): write it to the connection.
        """
    @property
    def id(self) -> int:
        """
        The message it carries (as submit() returned); 0 for answers and heartbeats.
        """
    @property
    def serial(self) -> int:
        """
        Its business serial number.
        """

class UitdSession:
    """
    The sans-I/O protocol engine of a UITD (用户信息传输装置, C++ gb26875::uitd_session): GB/T 26875.3 without sockets, threads or clocks.

    You own the connection and the clock: call connected(now) / disconnected(now) on link events, receive(frame, now) for every frame from the centre, advance(now) when next_deadline() is reached, and write out the UitdSend frames poll() gives, in order. submit() queues ADUs by MessagePriority (fire first), stop-and-wait with retransmission after answer_timeout (§6.5.4-6.5.5); poll() also reports UitdDelivered, UitdFailed and UitdEvent. Times are float seconds on your monotonic time line. Not thread-safe.
    """
    def __init__(self, config: UitdSessionConfig) -> None:
        """
        A session with `config` (disconnected). Raises GB26875Error/CoreError if config.validate() does.
        """
    def __repr__(self) -> str:
        """
        <UitdSession address -> centre connected, queued=..., in_flight=...>.
        """
    def advance(self, now: float) -> None:
        """
        Handles what is due at `now`: retransmissions (after answer_timeout), failures after the last retry, max_age, heartbeats.
        """
    def answer_duty_check(self, operator_id: int, now: float) -> UitdDutyAnswer:
        """
        Submits the operator's answer to a duty check (查岗, §8.3): a type-24 object with flag bit 5, priority alarm. Returns a UitdDutyAnswer (its id, whether a duty check was pending and answered in time); the pending check is cleared. Errors as submit().
        """
    def connected(self, now: float) -> None:
        """
        The transport has connected to the centre: sending starts (the head of the queue is sent at once) and the back-off sequence restarts. Ignored if already connected.
        """
    def counters(self, now: float) -> UitdCounters:
        """
        A snapshot of the counters (UitdCounters), with the queue depths and the age of the oldest waiting fire message at `now`.
        """
    def disconnected(self, now: float) -> None:
        """
        The connection is lost: the message in flight goes back to the head of its queue (sent again, same serial number, after the next connected()); frames not yet polled are discarded (other outputs are kept).
        """
    def next_deadline(self) -> float | None:
        """
        When advance() next has something to do (monotonic seconds), or None.
        """
    def next_reconnect_delay(self) -> float:
        """
        Seconds to wait before the next connection attempt: backoff_initial * backoff_factor**k for the k-th call since the last connected(), capped at backoff_max, minus a deterministic jitter. Each call is one attempt further.
        """
    def outputs(self) -> list[UitdSend | UitdDelivered | UitdFailed | UitdEvent]:
        """
        Takes every waiting output, in order (poll() until None).
        """
    def poll(self) -> UitdSend | UitdDelivered | UitdFailed | UitdEvent | None:
        """
        Takes the next output: a UitdSend, UitdDelivered, UitdFailed or UitdEvent; None if there is none.
        """
    def queued(self, priority: MessagePriority | None = None) -> int:
        """
        Messages waiting to be sent (not the one in flight), of `priority` or of all priorities.
        """
    def receive(self, frame: bytes | Frame, now: float) -> None:
        """
        Handles one frame from the centre: a Frame, or the bytes of exactly one frame (as a Deframer cuts them). Answers it (confirm, response from data_provider, or deny) or settles the message in flight. Bytes that are not a valid frame raise GB26875Error (checksum_mismatch, bad_start, ...) after the engine has dealt with them: a frame whose only fault is its checksum is denied (unless it reads as an answer). Frames received while disconnected are counted and ignored. Re-raises what data_provider raised.
        """
    def set_wall_clock(self, ref: float, at_ref: float) -> None:
        """
        Maps the monotonic time `ref` to the UTC time `at_ref` (Unix seconds): time tags are then written as at_ref + (now - ref) at the configured UTC offset. Until called, monotonic 0 is 2000-01-01 00:00:00 local time.
        """
    def submit(self, adu: bytes | Adu, now: float, priority: MessagePriority | None = None) -> int:
        """
        Queues the ADU `adu` (an Adu, or ADU bytes of at most 1024) to be sent with command 2 and returns its id (from 1). With priority None the priority is classify(adu) (bytes are decoded for it; GB26875Error if they do not decode); with a priority, bytes are queued as they are. Raises GB26875Error adu_too_long, or queue_full when max_queue messages are held and none of lower priority can be evicted (an evicted one is reported as UitdFailed), or when max_outputs outputs wait for poll().
        """
    def wall_time(self, now: float) -> float:
        """
        The UTC time (Unix seconds) at monotonic `now` under the current mapping.
        """
    @property
    def config(self) -> UitdSessionConfig:
        """
        A copy of the configuration.
        """
    @property
    def data_provider(self) -> typing.Callable[[Adu], Adu | bytes | None] | None:
        """
        Answers the centre's reads (command 4; ADU types 61-68, 81, 84-86, 88): called as f(request) with the request as an Adu; returns the response as an Adu or ADU bytes (sent with command 5), or None to deny (command 6). None (the default): every read is denied. An exception raised by f denies the request and is re-raised by receive() (after the deny was queued); so is TypeError for a wrong return type. Bytes that do not decode are denied with the decoding error (a request_denied UitdEvent).
        """
    @data_provider.setter
    def data_provider(self, arg1: typing.Callable[[Adu], Adu | bytes | None] | None) -> None: ...
    @property
    def duty_check_deadline(self) -> float | None:
        """
        When the pending duty check's answer is due (monotonic seconds); None if none waits.
        """
    @property
    def in_flight(self) -> int | None:
        """
        The id of the message awaiting its answer (0 for a heartbeat), or None.
        """
    @property
    def in_flight_priority(self) -> MessagePriority | None:
        """
        The MessagePriority of the message in flight, or None (nothing, or a heartbeat).
        """
    @property
    def is_connected(self) -> bool:
        """
        True between connected() and disconnected().
        """
    @property
    def next_serial(self) -> int:
        """
        The serial number the next new transaction will take.
        """
    @property
    def pending_outputs(self) -> int:
        """
        Outputs waiting for poll().
        """

class UitdSessionConfig:
    """
    Settings of a UitdSession (C++ gb26875::uitd_session_config). Durations are float seconds; validate() checks the ranges (UitdSession does too).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UitdSessionConfig:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UitdSessionConfig:
        """
        A copy.
        """
    def __eq__(self, other: object) -> bool:
        """
        Equal if every setting is equal.
        """
    def __init__(
        self,
        *,
        address: int = 0,
        centre_address: int = 0,
        answer_timeout: float = 10.0,
        fire_answer_timeout: float = 3.0,
        retries: int = 3,
        heartbeat: float = 30.0,
        utc_offset_minutes: int = 480,
        version_minor: int = 0,
        max_queue: int = 1024,
        max_outputs: int = 1024,
        max_age: float = 0.0,
        first_serial: int = 0,
        adopt_clock_sync: bool = True,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        backoff_factor: int = 2,
        backoff_jitter_permille: int = 200,
        backoff_seed: int = 11400714819323198485,
    ) -> None:
        """
        Every setting as a keyword argument; the defaults are the C++ defaults (answer timeout 10 s, 3 s for fire messages, 3 retries, heartbeat 30 s, UTC+8, queue 1024, back-off 1 s .. 60 s). Not validated here: see validate().
        """
    def __repr__(self) -> str:
        """
        UitdSessionConfig(...) with every setting.
        """
    def validate(self) -> None:
        """
        Raises GB26875Error (out_of_range) for an address >= 2**48, CoreError (invalid_argument) for any other setting out of range; returns None if usable.
        """
    @property
    def address(self) -> int:
        """
        This UITD's 6-byte address (source of its frames).
        """
    @address.setter
    def address(self, arg0: int) -> None: ...
    @property
    def adopt_clock_sync(self) -> bool:
        """
        A clock sync from the centre (type 90) also sets the engine's wall clock.
        """
    @adopt_clock_sync.setter
    def adopt_clock_sync(self, arg0: bool) -> None: ...
    @property
    def answer_timeout(self) -> float:
        """
        Seconds to wait for a confirm before retransmitting (§6.5.4: 10). > 0.
        """
    @answer_timeout.setter
    def answer_timeout(self, arg1: float) -> None: ...
    @property
    def backoff_factor(self) -> int:
        """
        Reconnect back-off: the factor (>= 1).
        """
    @backoff_factor.setter
    def backoff_factor(self, arg0: int) -> None: ...
    @property
    def backoff_initial(self) -> float:
        """
        Reconnect back-off: the first delay in seconds (> 0).
        """
    @backoff_initial.setter
    def backoff_initial(self, arg1: float) -> None: ...
    @property
    def backoff_jitter_permille(self) -> int:
        """
        Reconnect back-off: the jitter, per mille of the delay (0..1000).
        """
    @backoff_jitter_permille.setter
    def backoff_jitter_permille(self, arg0: int) -> None: ...
    @property
    def backoff_max(self) -> float:
        """
        Reconnect back-off: the cap in seconds (>= backoff_initial).
        """
    @backoff_max.setter
    def backoff_max(self, arg1: float) -> None: ...
    @property
    def backoff_seed(self) -> int:
        """
        Reconnect back-off: the seed of the (deterministic) jitter.
        """
    @backoff_seed.setter
    def backoff_seed(self, arg0: int) -> None: ...
    @property
    def centre_address(self) -> int:
        """
        The centre's 6-byte address (destination of the UITD's frames).
        """
    @centre_address.setter
    def centre_address(self, arg0: int) -> None: ...
    @property
    def fire_answer_timeout(self) -> float:
        """
        Seconds a fire message waits for an answer - its own confirm, or the confirm of a less urgent message in flight, which then gives way - before it is (re)transmitted; the lesser of this and answer_timeout applies (default 3: three retransmissions within GB 26875.1's 10 s). > 0.
        """
    @fire_answer_timeout.setter
    def fire_answer_timeout(self, arg1: float) -> None: ...
    @property
    def first_serial(self) -> int:
        """
        Business serial number of the first transaction.
        """
    @first_serial.setter
    def first_serial(self, arg0: int) -> None: ...
    @property
    def heartbeat(self) -> float:
        """
        Send an empty send-data frame after this many idle seconds; 0: never.
        """
    @heartbeat.setter
    def heartbeat(self, arg1: float) -> None: ...
    @property
    def max_age(self) -> float:
        """
        Fail a message not delivered this many seconds after submit(); 0: no limit.
        """
    @max_age.setter
    def max_age(self, arg1: float) -> None: ...
    @property
    def max_outputs(self) -> int:
        """
        Outputs waiting for poll() (>= 1).
        """
    @max_outputs.setter
    def max_outputs(self, arg0: int) -> None: ...
    @property
    def max_queue(self) -> int:
        """
        Messages held, the one in flight included (>= 1); see UitdSession.submit().
        """
    @max_queue.setter
    def max_queue(self, arg0: int) -> None: ...
    @property
    def retries(self) -> int:
        """
        Retransmissions after the first transmission before a message fails (§6.5.5: 3). >= 0.
        """
    @retries.setter
    def retries(self, arg0: int) -> None: ...
    @property
    def utc_offset_minutes(self) -> int:
        """
        The time zone of time tags, minutes east of UTC (default 480, China; -1440..1440).
        """
    @utc_offset_minutes.setter
    def utc_offset_minutes(self, arg1: int) -> None: ...
    @property
    def version_minor(self) -> int:
        """
        Protocol user version sent in every frame (major is 1).
        """
    @version_minor.setter
    def version_minor(self, arg0: int) -> None: ...

class UitdSoftwareVersion:
    """
    ADU type 25: the UITD's software version.
    """

    TYPE: typing.ClassVar[
        firebus._firebus.gb26875.AduType
    ]  # value = <AduType.uitd_software_version: 25>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UitdSoftwareVersion:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UitdSoftwareVersion:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, major: int = 0, minor: int = 0) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def major(self) -> int:
        """
        Major version.
        """
    @major.setter
    def major(self, arg1: int) -> None: ...
    @property
    def minor(self) -> int:
        """
        Minor version.
        """
    @minor.setter
    def minor(self, arg1: int) -> None: ...

class UitdStatusRecord:
    """
    ADU type 21: the UITD's own state.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.uitd_status: 21>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UitdStatusRecord:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UitdStatusRecord:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, status: int = 0, time: TimeTag = ...) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def status(self) -> int:
        """
        UITD status bits (UitdStatus; decode_uitd_status()).
        """
    @status.setter
    def status(self, arg1: int) -> None: ...
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class UitdTime:
    """
    ADU type 28: the UITD's clock.
    """

    TYPE: typing.ClassVar[firebus._firebus.gb26875.AduType]  # value = <AduType.uitd_time: 28>
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UitdTime:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UitdTime:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, time: TimeTag = ...) -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def time(self) -> TimeTag:
        """
        Time tag (TimeTag).
        """
    @time.setter
    def time(self, arg1: TimeTag) -> None: ...

class UserBlob:
    """
    The whole body of an ADU of an unregistered user-defined type (128-254): count byte and bytes, undivided. Alone in its Adu.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UserBlob:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UserBlob:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, type: int = 0, count: int = 0, body: bytes = b"") -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def body(self) -> bytes:
        """
        The bytes after the count.
        """
    @body.setter
    def body(self, arg1: bytes) -> None: ...
    @property
    def count(self) -> int:
        """
        The object count byte as sent.
        """
    @count.setter
    def count(self, arg1: int) -> None: ...
    @property
    def type(self) -> int:
        """
        The ADU type (128..254).
        """
    @type.setter
    def type(self, arg1: int) -> None: ...

class UserObject:
    """
    One object of a registered user-defined type (128-254): its bytes.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> UserObject:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> UserObject:
        """
        A copy.
        """
    def __eq__(self, arg0: object) -> bool:
        """
        Equal if every field is equal.
        """
    def __init__(self, type: int = 0, data: bytes = b"") -> None:
        """
        Builds the object from its fields (all optional, in wire order).
        """
    def __repr__(self) -> str:
        """
        The object with its fields.
        """
    @property
    def data(self) -> bytes:
        """
        The object's bytes as sent.
        """
    @data.setter
    def data(self, arg1: bytes) -> None: ...
    @property
    def type(self) -> int:
        """
        The ADU type (128..254).
        """
    @type.setter
    def type(self, arg1: int) -> None: ...

class UserTypes:
    """
    Registered user-defined ADU types (128-254), so that decode_adu() splits their ADUs into UserObject items: with a fixed object size (add_fixed) or a Python callable that sizes each object (add_variable). Unregistered types decode as one UserBlob. Give it to decode_adu(), Frame.decode_adu() and ServerConfig.users.
    """
    def __init__(self) -> None:
        """
        An empty registry.
        """
    def add_fixed(self, type: int, name: str, fixed_size: int) -> None:
        """
        Registers `type` (128..254) whose objects have fixed_size bytes (>= 1); GB26875Error (out_of_range) otherwise. Replaces an earlier registration of `type`.
        """
    def add_variable(self, type: int, name: str, size: typing.Callable[[bytes], int]) -> None:
        """
        Registers `type` (128..254) whose objects differ in size: size(rest) gets the bytes left in the ADU (bytes, starting at the object; never empty) and returns the object's size, an int in 1..len(rest). Anything else -- an exception, a non-int, 0 or more than len(rest) -- rejects the ADU as a bad object would: GB26875Error (truncated) whose __cause__ is the callable's exception (or a TypeError/ValueError saying what it returned). To reject an object, raise firebus.GB26875Error or return 0. It is called with the GIL held, from the thread that decodes (a Server's I/O thread too), twice per object (once to check the ADU, once to collect its objects): it must answer the same both times and should be quick. On a Server's thread, an exception other than firebus.Error goes to sys.unraisablehook. The registry keeps `size` alive. GB26875Error (out_of_range) for a type outside 128..254.
        """
    def find(self, type: int) -> tuple[str, int] | None:
        """
        (name, fixed_size) of a registered type, or None; fixed_size is 0 for a type registered with add_variable().
        """
    def size_function(self, type: int) -> typing.Callable[[bytes], int] | None:
        """
        The size callable of a type registered with add_variable(), or None (fixed-size or unregistered).
        """

def adu_type_name(code: int, lang: str = "en") -> str:
    """
    Name of an ADU type ('component_status' / '上传建筑消防设施部件运行状态'); 'user_defined'/'用户自定义' or 'reserved'/'预留' otherwise.
    """

def adu_type_of(obj: typing.Any) -> AduType:
    """
    The ADU type of an object (a UserObject's or UserBlob's own type byte).
    """

def analog_info(type: int) -> AnalogInfo | None:
    """
    Unit and resolution of an analog type, or None (reserved/user-defined).
    """

def analog_info_table() -> list[AnalogInfo]:
    """
    The analog types with units and resolutions, ascending.
    """

def analog_raw(type: int, value: float) -> int:
    """
    The raw int16 of a physical value (rounded, halves away from zero). GB26875Error (out_of_range) with the range expected.
    """

def analog_resolution(type: int) -> float:
    """
    Resolution (0.1 for temperature); 1 for reserved and user-defined.
    """

def analog_type_name(code: int, lang: str = "en") -> str:
    """
    Name of an analog type ('temperature' / '温度').
    """

def analog_type_table() -> list[CodeName]:
    """
    The analog-type names, ascending.
    """

def analog_unit(type: int) -> str:
    """
    Unit ('°C'); '' for event count, reserved and user-defined.
    """

def analog_value(type: int, raw: int) -> float:
    """
    raw * resolution (temperature, -105 -> -10.5).
    """

def bit_names(kind: StatusKind) -> list[BitName]:
    """
    The bit names of a status or operation field, bit 0 first.
    """

def check_frame_head(data: bytes) -> int:
    """
    The size of the whole frame (30 + L) from its first 27 bytes; GB26875Error (truncated, bad_start, adu_too_long) otherwise.
    """

def checksum(data: bytes) -> int:
    """
    The sum of `data` modulo 256 (a frame's checksum covers bytes 2 .. 26 + L).
    """

def classify(adu: bytes | Adu) -> MessagePriority:
    """
    The usual MessagePriority of an upstream ADU (an Adu or ADU bytes): fire for a fire alarm or manual alarm bit, alarm for faults, supervisory, power faults and duty-check answers, else routine; the most urgent object decides. GB26875Error for bytes that do not decode.
    """

def command_name(code: int, lang: str = "en") -> str:
    """
    Name of a command ('send_data' / '发送数据'); '' for reserved and user-defined codes.
    """

def component_type_name(code: int, lang: str = "en") -> str:
    """
    Name of a component type ('manual_call_point' / '手动火灾报警按钮').
    """

def component_type_table() -> list[CodeName]:
    """
    Table 5 (component types), ascending.
    """

def decode_adu(data: bytes, user_types: UserTypes | None = None) -> Adu:
    """
    Decodes a whole ADU into an Adu. GB26875Error ('gb26875 ADU of 3 bytes, type 1: ...'): truncated (including an empty ADU), reserved_adu_type, adu_too_long, adu_count_mismatch. User-defined types give one UserBlob unless registered in user_types.
    """

def decode_component_status(bits: int, policy: Bit0Policy = Bit0Policy.standard) -> StatusFlags:
    """
    Decodes a component status word (type 2) under a Bit0Policy.
    """

def decode_frame(data: bytes) -> Frame:
    """
    Decodes exactly one frame. GB26875Error otherwise, with the C++ message ('gb26875 frame: checksum 0x68 expected, 0x63 found at offset 75: checksum mismatch') and attributes code (Errc), offset, expected, found. Reserved commands and invalid time tags are not errors here.
    """

def decode_frames(buffer: bytes, as_arrays: bool = False) -> typing.Any:
    """
    Decodes a buffer of concatenated frames in one call (a Deframer fed the whole buffer, then flushed; the GIL is released meanwhile).

    as_arrays=False: a list of Frame and Rejection items in stream order.
    as_arrays=True (needs numpy): a dict of equal-length numpy arrays, one row per frame or rejection in stream order: offset (uint64), length (uint32), is_frame (bool), ok (bool: a frame whose ADU is empty or decodes), error (int32: the Errc of a rejection or of the ADU, 0 if none), serial (uint16), command (uint8), source, destination (uint64), adu_type (uint8, 0 for an empty ADU), n_objects (uint16), time (datetime64[s], the time tag read as UTC; NaT if invalid). Header columns are 0 for rejections except checksum_mismatch, whose header is intact.
    """

def decode_operations(bits: int) -> OperationFlags:
    """
    Decodes an operation-record byte (types 4 and 24).
    """

def decode_system_status(bits: int, policy: Bit0Policy = Bit0Policy.standard) -> StatusFlags:
    """
    Decodes a system status word (type 1) under a Bit0Policy.
    """

def decode_uitd_status(bits: int, policy: Bit0Policy = Bit0Policy.standard) -> UitdFlags:
    """
    Decodes the UITD status byte (type 21) under a Bit0Policy.
    """

def describe(code: Errc, diagnostic: FrameDiagnostic) -> str:
    """
    Describes a frame error: 'checksum 0x46 expected, 0x47 found at offset 75'.
    """

def describe_status(
    bits: int, kind: StatusKind, policy: Bit0Policy = Bit0Policy.standard, lang: str = "en"
) -> str:
    """
    The names of the set bits joined by '|' ('fire_alarm|fault', '火警|故障'); 'normal'/'正常' or 'none'/'无操作' when nothing is set.
    """

def diagnose_frame(data: bytes) -> tuple[Errc, FrameDiagnostic] | None:
    """
    None if `data` is exactly one valid frame, else (Errc, FrameDiagnostic) without raising.
    """

def encode_adu(adu: Adu, limits: AduLimits = AduLimits.standard) -> bytes:
    """
    Encodes an Adu. GB26875Error: reserved_adu_type, object_type_mismatch, too_many_objects (over max_objects() under AduLimits.standard), text_too_long, adu_too_long. TypeError for an item that is not an ADU object.
    """

def encode_component_status(flags: StatusFlags, policy: Bit0Policy = Bit0Policy.standard) -> int:
    """
    Encodes a component status word.
    """

def encode_frame(header: Header, adu: bytes = b"") -> bytes:
    """
    A whole frame carrying `adu` (length and checksum computed). GB26875Error: adu_too_long (over 1024 bytes), out_of_range (an address >= 2**48).
    """

def encode_operations(flags: OperationFlags) -> int:
    """
    Encodes an operation-record byte.
    """

def encode_system_status(flags: StatusFlags, policy: Bit0Policy = Bit0Policy.standard) -> int:
    """
    Encodes a system status word; inverse of decode_system_status() under standard.
    """

def encode_uitd_status(flags: UitdFlags, policy: Bit0Policy = Bit0Policy.standard) -> int:
    """
    Encodes the UITD status byte.
    """

def errc_message(code: Errc) -> str:
    """
    The C++ message of an Errc ('checksum mismatch').
    """

def find_analog_type(code: int) -> CodeName | None:
    """
    The analog-type row of `code`, or None.
    """

def find_component_type(code: int) -> CodeName | None:
    """
    The Table 5 row of `code`, or None.
    """

def find_system_type(code: int) -> CodeName | None:
    """
    The Table 4 row of `code`, or None (reserved, user-defined).
    """

def frame_size(adu_size: int) -> int:
    """
    Size of a frame carrying adu_size ADU bytes (30 + adu_size).
    """

def is_defined_adu_type(code: int) -> bool:
    """
    True for the ADU types the standard defines.
    """

def is_defined_command(code: int) -> bool:
    """
    True for 1..6.
    """

def is_reserved_command(code: int) -> bool:
    """
    True for 0 and 7..127 (answered with deny, §6.5.3).
    """

def is_upstream(code: int) -> bool:
    """
    True for the types a UITD sends (1-28).
    """

def is_user_defined_adu_type(code: int) -> bool:
    """
    True for 128..254.
    """

def is_user_defined_command(code: int) -> bool:
    """
    True for 128..255.
    """

def make_description(text: bytes | str) -> bytes:
    """
    31 description bytes from GB 18030 bytes (padded with 0x00) or str (converted). GB26875Error/TextError if longer than 31 bytes.
    """

def max_objects(code: int) -> int:
    """
    Most objects one ADU of the type carries (Table 7); 255 user-defined, 0 reserved.
    """

def name(code: typing.Any, lang: str = "en") -> str:
    """
    The English ('en') or Chinese ('zh') name of a code enum member: Command, AduType, SystemType, ComponentType or AnalogType.
    """

def object_size(code: int) -> int:
    """
    Wire size of one object of a fixed-size type; 0 for types 6 and 26, user-defined and reserved.
    """

def system_type_name(code: int, lang: str = "en") -> str:
    """
    Name of a system type ('hydrant' / '消火栓系统'); 'user_defined' or 'reserved' otherwise.
    """

def system_type_table() -> list[CodeName]:
    """
    Table 4 (system types), ascending.
    """

def trimmed(description: bytes) -> bytes:
    """
    A description's bytes without their padding (0x00 and spaces).
    """

CLIENT_CLOSE_LINGER: datetime.timedelta  # value = datetime.timedelta(seconds=1)
HEADER_SIZE: int = 27
LENGTH_OFFSET: int = 24
MAX_ADDRESS: int = 281474976710655
MAX_ADU_SIZE: int = 1024
MAX_FRAME_SIZE: int = 1054
MIN_FRAME_SIZE: int = 30
OBJECT_CLASSES: dict  # value = {<AduType.system_status: 1>: SystemStatusRecord, <AduType.component_status: 2>: ComponentStatusRecord, <AduType.component_analog: 3>: ComponentAnalog, <AduType.system_operation: 4>: SystemOperation, <AduType.system_software_version: 5>: SystemSoftwareVersion, <AduType.system_config: 6>: SystemConfig, <AduType.component_config: 7>: ComponentConfig, <AduType.system_time: 8>: SystemTime, <AduType.uitd_status: 21>: UitdStatusRecord, <AduType.uitd_operation: 24>: UitdOperation, <AduType.uitd_software_version: 25>: UitdSoftwareVersion, <AduType.uitd_config: 26>: UitdConfig, <AduType.uitd_time: 28>: UitdTime, <AduType.read_system_status: 61>: ReadSystemStatus, <AduType.read_component_status: 62>: ReadComponentStatus, <AduType.read_component_analog: 63>: ReadComponentAnalog, <AduType.read_system_operations: 64>: ReadSystemOperations, <AduType.read_system_software_version: 65>: ReadSystemSoftwareVersion, <AduType.read_system_config: 66>: ReadSystemConfig, <AduType.read_component_config: 67>: ReadComponentConfig, <AduType.read_system_time: 68>: ReadSystemTime, <AduType.read_uitd_status: 81>: ReadUitdStatus, <AduType.read_uitd_operations: 84>: ReadUitdOperations, <AduType.read_uitd_software_version: 85>: ReadUitdSoftwareVersion, <AduType.read_uitd_config: 86>: ReadUitdConfig, <AduType.read_uitd_time: 88>: ReadUitdTime, <AduType.init_uitd: 89>: InitUitd, <AduType.sync_uitd_time: 90>: SyncUitdTime, <AduType.duty_check: 91>: DutyCheck}
SERVER_CLOSE_LINGER: datetime.timedelta  # value = datetime.timedelta(seconds=1)
TRAILER_SIZE: int = 3

class AduLimits(enum.IntEnum):
    """
    Which limits encode_adu() enforces: the standard's object counts and 1024 bytes, or only the 1024 bytes.
    """

    standard = 0
    size_only = 1

class AduType(enum.IntEnum):
    """
    ADU type codes (§8, Table 7): 1-28 upstream (UITD -> centre), 61-91 downstream; 128-254 user-defined (plain ints).
    """

    system_status = 1
    component_status = 2
    component_analog = 3
    system_operation = 4
    system_software_version = 5
    system_config = 6
    component_config = 7
    system_time = 8
    uitd_status = 21
    uitd_operation = 24
    uitd_software_version = 25
    uitd_config = 26
    uitd_time = 28
    read_system_status = 61
    read_component_status = 62
    read_component_analog = 63
    read_system_operations = 64
    read_system_software_version = 65
    read_system_config = 66
    read_component_config = 67
    read_system_time = 68
    read_uitd_status = 81
    read_uitd_operations = 84
    read_uitd_software_version = 85
    read_uitd_config = 86
    read_uitd_time = 88
    init_uitd = 89
    sync_uitd_time = 90
    duty_check = 91

class AnalogType(enum.IntEnum):
    """
    Type of an analog value (ADU type 3), with unit and resolution: analog_info().
    """

    event_count = 1
    height = 2
    temperature = 3
    pressure_mpa = 4
    pressure_kpa = 5
    gas_concentration = 6
    time = 7
    voltage = 8
    current = 9
    flow = 10
    air_volume = 11
    wind_speed = 12

class Bit0Policy(enum.IntEnum):
    """
    How to read bit 0 of the status words: standard (1 = normal, 0 = test) or zero_means_normal (for peers that leave it at 0: never test mode; written as 0).
    """

    standard = 0
    zero_means_normal = 1

class CentreCloseReason(enum.IntEnum):
    """
    Why a CentreSession tells the transport to close the connection (C++ gb26875::close_reason).
    """

    idle_timeout = 0
    rate_limit = 1
    too_many_errors = 2
    output_overflow = 3
    disconnected = 4

class ClientEventKind(enum.IntEnum):
    """
    What a ClientEvent reports.
    """

    init_request = 0
    clock_sync = 1
    duty_check = 2
    unexpected_answer = 3
    heartbeat_failed = 4
    request_denied = 5

class Command(enum.IntEnum):
    """
    The command byte (§6.4, Table 3). 0 and 7..127 are reserved, 128..255 user-defined: those come back as plain ints.
    """

    control = 1
    send_data = 2
    confirm = 3
    request = 4
    response = 5
    deny = 6

class ComponentStatus(enum.IntFlag):
    """
    Bits of a component status word (ADU type 2, Figure 7).
    """

    normal_operation = 1
    fire_alarm = 2
    fault = 4
    disabled = 8
    supervisory = 16
    started = 32
    feedback = 64
    delay = 128
    power_fault = 256

class ComponentType(enum.IntEnum):
    """
    Type of a component (Table 5). Names: name(code, lang) or component_type_name().
    """

    general = 0
    fire_alarm_controller = 1
    combustible_gas_detector = 10
    point_combustible_gas_detector = 11
    standalone_combustible_gas_detector = 12
    line_combustible_gas_detector = 13
    electrical_fire_monitor = 16
    residual_current_electrical_fire_detector = 17
    temperature_electrical_fire_detector = 18
    detection_loop = 21
    fire_display_panel = 22
    manual_call_point = 23
    hydrant_button = 24
    fire_detector = 25
    heat_detector = 30
    point_heat_detector = 31
    point_heat_detector_s = 32
    point_heat_detector_r = 33
    line_heat_detector = 34
    line_heat_detector_s = 35
    line_heat_detector_r = 36
    fibre_optic_heat_detector = 37
    smoke_detector = 40
    point_ionisation_smoke_detector = 41
    point_photoelectric_smoke_detector = 42
    linear_beam_smoke_detector = 43
    aspirating_smoke_detector = 44
    multi_sensor_detector = 50
    multi_sensor_smoke_heat_detector = 51
    multi_sensor_flame_heat_detector = 52
    multi_sensor_flame_smoke_detector = 53
    uv_flame_detector = 61
    ir_flame_detector = 62
    flame_detector = 69
    gas_detector = 74
    video_image_fire_detector = 78
    acoustic_fire_detector = 79
    gas_extinguishing_controller = 81
    fire_electrical_control_device = 82
    control_room_graphic_display = 83
    module = 84
    input_module = 85
    output_module = 86
    input_output_module = 87
    relay_module = 88
    fire_pump = 91
    fire_water_tank = 92
    sprinkler_pump = 95
    water_flow_indicator = 96
    signal_valve = 97
    alarm_valve = 98
    pressure_switch = 99
    valve_actuator = 101
    fire_door = 102
    fire_damper = 103
    ventilation_air_conditioning = 104
    foam_pump = 105
    pipe_network_solenoid_valve = 106
    smoke_control_fan = 111
    smoke_exhaust_fire_damper = 113
    normally_closed_air_inlet = 114
    smoke_outlet = 115
    electric_smoke_curtain = 116
    fire_shutter_controller = 117
    fire_door_monitor = 118
    warning_device = 121

class ConfirmPolicy(enum.IntEnum):
    """
    When the centre confirms a message: at once, or after Server.accept().
    """

    immediate = 0
    after_accept = 1

class Errc(enum.IntEnum):
    """
    GB26875Error codes (GB26875Error.code; category 'firebus.gb26875').
    """

    bad_start = 1
    truncated = 2
    adu_too_long = 3
    checksum_mismatch = 4
    bad_end = 5
    trailing_bytes = 6
    unknown_command = 7
    reserved_adu_type = 8
    adu_count_mismatch = 9
    too_many_objects = 10
    invalid_time = 11
    text_too_long = 12
    out_of_range = 13
    garbage = 14
    object_type_mismatch = 15
    no_answer = 16
    denied = 17
    queue_full = 18
    not_connected = 19
    unexpected_answer = 20

class MessagePriority(enum.IntEnum):
    """
    How urgent an outgoing message is: fire first, then other alarms and faults, then routine data (GB 26875.1).
    """

    fire = 0
    alarm = 1
    routine = 2

class NameLanguage(enum.IntEnum):
    """
    Language of names: english (stable snake_case) or chinese (the standard's terms). Functions here take lang='en' or 'zh'.
    """

    english = 0
    chinese = 1

class OperationFlag(enum.IntFlag):
    """
    Bits of an operation-record byte (ADU types 4 and 24). Bit 5 is confirm (facility) / duty_check_answer (UITD): one bit, three names.
    """

    reset = 1
    silence = 2
    manual_alarm = 4
    alarm_cleared = 8
    self_test = 16
    confirm_or_duty_answer = 32
    confirm = 32
    duty_check_answer = 32
    test = 64

class ServerCloseReason(enum.IntEnum):
    """
    Why a Server closed a connection.
    """

    idle_timeout = 0
    rate_limit = 1
    too_many_errors = 2
    output_overflow = 3
    peer_closed = 4
    write_backlog = 5
    io_error = 6
    closed = 7
    stopped = 8

class StatusKind(enum.IntEnum):
    """
    Which status or operation field a value comes from.
    """

    system = 0
    component = 1
    uitd = 2
    facility_operation = 3
    uitd_operation = 4

class SystemStatus(enum.IntFlag):
    """
    Bits of a system status word (ADU type 1, Figure 6). Bit 0: 1 = normal operation, 0 = test; decode with decode_system_status() and a Bit0Policy.
    """

    normal_operation = 1
    fire_alarm = 2
    fault = 4
    disabled = 8
    supervisory = 16
    started = 32
    feedback = 64
    delay = 128
    main_power_fault = 256
    backup_power_fault = 512
    bus_fault = 1024
    manual_mode = 2048
    config_changed = 4096
    reset = 8192

class SystemType(enum.IntEnum):
    """
    Type of a building fire-protection system (Table 4). Names: name(code, lang) or system_type_name().
    """

    general = 0
    fire_alarm = 1
    linkage_controller = 10
    hydrant = 11
    sprinkler = 12
    gas_extinguishing = 13
    water_spray_pump = 14
    water_spray_pressure_vessel = 15
    foam = 16
    dry_powder = 17
    smoke_control = 18
    fire_doors_shutters = 19
    fire_elevator = 20
    emergency_broadcast = 21
    emergency_lighting = 22
    fire_power_supply = 23
    fire_telephone = 24

class UitdStatus(enum.IntFlag):
    """
    Bits of the UITD status byte (ADU type 21).
    """

    normal_monitoring = 1
    fire_alarm = 2
    fault = 4
    main_power_fault = 8
    backup_power_fault = 16
    centre_link_fault = 32
    monitored_line_fault = 64
