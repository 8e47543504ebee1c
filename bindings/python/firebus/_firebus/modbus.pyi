"""
Modbus: PDUs, RTU and TCP framing, line timing, the bus scheduler, TCP bus.
"""

from __future__ import annotations
import enum
import firebus._firebus
import firebus._firebus.profile
import types
import typing

class BusCounters:
    """
    What happened on a bus or to one device (a snapshot; every field only grows).
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(self) -> None:
        """
        All zero.
        """
    def __repr__(self) -> str:
        """
        BusCounters(requests=..., ...).
        """
    @property
    def bad_replies(self) -> int:
        """
        Broken or mismatched replies (CRC, unit, function ...).
        """
    @property
    def busy(self) -> float:
        """
        Time with a request in flight, seconds.
        """
    @property
    def dropped(self) -> int:
        """
        Queued requests dropped (quarantine).
        """
    @property
    def exceptions(self) -> int:
        """
        Exception replies.
        """
    @property
    def latency(self) -> LatencyHistogram:
        """
        The LatencyHistogram of request to reply (a copy).
        """
    @property
    def other_errors(self) -> int:
        """
        Disconnections and other transport errors.
        """
    @property
    def overruns(self) -> int:
        """
        Cycles still running when the next fell due.
        """
    @property
    def quarantines(self) -> int:
        """
        Times a device went into quarantine.
        """
    @property
    def replies(self) -> int:
        """
        Valid replies (not exceptions).
        """
    @property
    def requests(self) -> int:
        """
        Requests sent (retries and probes included).
        """
    @property
    def retries(self) -> int:
        """
        Retries sent.
        """
    @property
    def skipped_cycles(self) -> int:
        """
        Cycles not polled because of quarantine.
        """
    @property
    def splits(self) -> int:
        """
        Merged reads split after a failure.
        """
    @property
    def timeouts(self) -> int:
        """
        Requests without a valid reply within the timeout.
        """

class CostModel:
    """
    What a read costs on the bus, in seconds: per request, per register, per 8 bits.
    """
    @staticmethod
    def rtu(line: LineTiming) -> CostModel:
        """
        From an RTU line: frames, silences and turnaround per request, 2 characters per register.
        """
    @staticmethod
    def tcp(round_trip: float, bytes_per_second: float = 10000000.0) -> CostModel:
        """
        Over TCP: a round trip (seconds) per request, bytes at bytes_per_second.
        """
    def __init__(
        self, per_request: float = 0.0, per_register: float = 0.0, per_8_bits: float = 0.0
    ) -> None:
        """
        A cost model (seconds).
        """
    def __repr__(self) -> str:
        """
        CostModel(...).
        """
    @property
    def per_8_bits(self) -> float:
        """
        Seconds per 8 bits.
        """
    @property
    def per_register(self) -> float:
        """
        Seconds per register.
        """
    @property
    def per_request(self) -> float:
        """
        Seconds per request.
        """

class DeviceLimits:
    """
    What the device accepts in one read.
    """
    def __init__(
        self, max_registers: int = 125, max_bits: int = 2000, read_gaps: bool = True
    ) -> None:
        """
        Limits.
        """
    def __repr__(self) -> str:
        """
        DeviceLimits(...).
        """
    @property
    def max_bits(self) -> int:
        """
        Per read, <= 2000.
        """
    @max_bits.setter
    def max_bits(self, arg0: int) -> None: ...
    @property
    def max_registers(self) -> int:
        """
        Per read, <= 125.
        """
    @max_registers.setter
    def max_registers(self, arg0: int) -> None: ...
    @property
    def read_gaps(self) -> bool:
        """
        May a read cover registers no item needs?
        """
    @read_gaps.setter
    def read_gaps(self, arg0: bool) -> None: ...

class DevicePolicy:
    """
    How a device is polled and when it is given up on. Times in seconds.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(
        self,
        *,
        period: tuple[float, float, float] = (1.0, 10.0, 300.0),
        timeout: float = 1.0,
        retries: int = 1,
        quarantine_after: int = 2,
        backoff_initial: float = 5.0,
        backoff_max: float = 300.0,
    ) -> None:
        """
        Every setting as a keyword argument; the defaults are the C++ defaults (periods 1 s, 10 s, 5 min; timeout 1 s; one retry; quarantine after 2 failed transactions, back-off 5 s doubling up to 5 min).
        """
    def __repr__(self) -> str:
        """
        DevicePolicy(period=(...), timeout=..., ...).
        """
    @property
    def backoff_initial(self) -> float:
        """
        The first quarantine, seconds.
        """
    @backoff_initial.setter
    def backoff_initial(self, arg1: float) -> None: ...
    @property
    def backoff_max(self) -> float:
        """
        Quarantines double up to this, seconds.
        """
    @backoff_max.setter
    def backoff_max(self, arg1: float) -> None: ...
    @property
    def period(self) -> tuple[float, float, float]:
        """
        The poll period of each class (alarm, measurement, config), seconds; 0: never polled.
        """
    @period.setter
    def period(self, arg1: tuple[float, float, float]) -> None: ...
    @property
    def quarantine_after(self) -> int:
        """
        Consecutive failed transactions that put the device into quarantine.
        """
    @quarantine_after.setter
    def quarantine_after(self, arg0: int) -> None: ...
    @property
    def retries(self) -> int:
        """
        Immediate retries after a timeout or a broken reply.
        """
    @retries.setter
    def retries(self, arg0: int) -> None: ...
    @property
    def timeout(self) -> float:
        """
        The response timeout of one request, seconds.
        """
    @timeout.setter
    def timeout(self, arg1: float) -> None: ...

class Job:
    """
    A request for the transport to send, handed out by Scheduler.next(). Times in seconds on the scheduler's time line.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __repr__(self) -> str:
        """
        Job(id=..., device=..., ...).
        """
    @property
    def attempt(self) -> int:
        """
        0 first, then 1, 2 ... for retries.
        """
    @property
    def deadline(self) -> float:
        """
        sent + the device's timeout: call complete() with Errc.timeout then.
        """
    @property
    def device(self) -> int:
        """
        The device index given by add_device().
        """
    @property
    def id(self) -> int:
        """
        Unique per scheduler.
        """
    @property
    def priority(self) -> PollPriority:
        """
        The PollPriority.
        """
    @property
    def probe(self) -> bool:
        """
        The probe of a device leaving quarantine.
        """
    @property
    def read(self) -> PlannedRead:
        """
        The PlannedRead (for a write: its request is the write request, without items).
        """
    @property
    def request(self) -> Request:
        """
        The Request to send (read.request).
        """
    @property
    def sent(self) -> float:
        """
        When next() handed it out.
        """
    @property
    def unit(self) -> int:
        """
        The unit id.
        """
    @property
    def write_id(self) -> int:
        """
        Non-zero: a step of the write submit_write() returned this id for.
        """

class LatencyHistogram:
    """
    Reply latencies: bucket i counts replies faster than BOUNDS[i] seconds (the last bucket, bound infinity, counts the rest).
    """

    BOUNDS: typing.ClassVar[
        tuple
    ]  # value = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, inf)
    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __eq__(self, other: object) -> bool:
        """
        Equal counts.
        """
    def __init__(self) -> None:
        """
        An empty histogram.
        """
    def __repr__(self) -> str:
        """
        <LatencyHistogram total=N median<=S s>.
        """
    def add(self, latency: float) -> None:
        """
        Counts one reply of `latency` seconds.
        """
    def quantile_bound(self, q: float) -> float:
        """
        The upper bound (seconds) of the bucket holding quantile q (0..1); 0.0 when empty, infinity for the last bucket.
        """
    def total(self) -> int:
        """
        The replies counted.
        """
    @property
    def counts(self) -> list[int]:
        """
        The count of each bucket (a list of 12 ints).
        """

class LineTiming:
    """
    Serial line timing: a character is bits_per_char bits; frames end after t3.5 of silence (1.75 ms above 19200 baud). Times in seconds.
    """
    def __init__(self, baud: int = 9600, bits_per_char: int = 11, turnaround: float = 0.0) -> None:
        """
        Line parameters; turnaround is the device's delay before it replies, in seconds.
        """
    def __repr__(self) -> str:
        """
        LineTiming(baud=..., ...).
        """
    def bytes_time(self, n: int) -> float:
        """
        n characters on the wire, in seconds.
        """
    def transaction_time(self, request: Request) -> float:
        """
        One transaction of `request` with a normal reply (request, t3.5, turnaround, reply, t3.5), in seconds.
        """
    @property
    def baud(self) -> int:
        """
        Baud rate.
        """
    @baud.setter
    def baud(self, arg0: int) -> None: ...
    @property
    def bits_per_char(self) -> int:
        """
        Bits per character (11: start, 8 data, parity or 2nd stop, stop).
        """
    @bits_per_char.setter
    def bits_per_char(self, arg0: int) -> None: ...
    @property
    def char_time(self) -> float:
        """
        One character, in seconds.
        """
    @property
    def t15(self) -> float:
        """
        The longest gap inside a frame, in seconds.
        """
    @property
    def t35(self) -> float:
        """
        The silence that ends a frame, in seconds.
        """
    @property
    def turnaround(self) -> float:
        """
        The device's delay before it replies, in seconds.
        """
    @turnaround.setter
    def turnaround(self, arg1: float) -> None: ...

class Outcome:
    """
    How a job ended, as Scheduler.complete() reports it: a valid reply (error None) or a failure.
    """
    def __repr__(self) -> str:
        """
        Outcome(job=..., error=..., final_failure=...).
        """
    @property
    def error(self) -> firebus._firebus.Error | None:
        """
        None for a valid reply; else a firebus.Error: a ModbusError with an exception code (Errc.illegal_data_address, ...), Errc.timeout, Errc.quarantined (dropped when the device went into quarantine), a broken reply's code, or the error given to complete().
        """
    @property
    def final_failure(self) -> bool:
        """
        True when the points of the read are now without fresh data (a failed read not retried or split): mark them failed.
        """
    @property
    def job(self) -> Job:
        """
        The Job.
        """

class PlannedRead:
    """
    One planned request and the items it covers.
    """
    def __repr__(self) -> str:
        """
        PlannedRead(Request(...), items=n, cost=s).
        """
    @property
    def boundaries(self) -> list[int]:
        """
        Item starts inside it: where split() may cut.
        """
    @property
    def cost(self) -> float:
        """
        Seconds, per the cost model.
        """
    @property
    def items(self) -> list[int]:
        """
        Indices into the items given to plan(), by address.
        """
    @property
    def request(self) -> Request:
        """
        The read Request.
        """
    @property
    def table(self) -> Table:
        """
        The Table.
        """

class PollPlanner:
    """
    Plans the read requests that cover a device's items in the least bus time (exact, under the cost model and the device's limits), and learns splits from failed merged reads.
    """
    @staticmethod
    def total_cost(plan: list[PlannedRead]) -> float:
        """
        The predicted seconds to read a plan once.
        """
    def __init__(self, cost: CostModel = ..., limits: DeviceLimits = ...) -> None:
        """
        A planner.
        """
    def __repr__(self) -> str:
        """
        PollPlanner(...).
        """
    def add_split(self, table: Table, boundary: int) -> None:
        """
        Adds a split by hand.
        """
    def forget_splits(self) -> None:
        """
        Forgets every learned split.
        """
    def plan(self, items: list[ReadItem]) -> list[PlannedRead]:
        """
        The PlannedReads for a list of ReadItems, in table and address order.
        """
    def read_cost(self, table: Table, count: int) -> float:
        """
        Seconds for one read of count registers or bits.
        """
    def split(self, failed: PlannedRead) -> bool:
        """
        After a merged read failed (exception 02/03 or timeout): split it near its middle for every later plan. False when it cannot be split (one item: the item is at fault).
        """
    def splits(self, table: Table) -> list[int]:
        """
        The learned splits of a table (boundaries no read crosses).
        """
    @property
    def cost(self) -> CostModel:
        """
        The CostModel.
        """
    @property
    def limits(self) -> DeviceLimits:
        """
        The DeviceLimits.
        """

class ReadItem:
    """
    What must be read: count registers (or bits) of table.
    """
    def __init__(
        self, table: Table = Table.holding_registers, address: int = 0, count: int = 1
    ) -> None:
        """
        An item.
        """
    def __repr__(self) -> str:
        """
        ReadItem(table=..., address=..., count=...).
        """
    @property
    def address(self) -> int:
        """
        First register or bit.
        """
    @address.setter
    def address(self, arg0: int) -> None: ...
    @property
    def count(self) -> int:
        """
        Registers or bits.
        """
    @count.setter
    def count(self, arg0: int) -> None: ...
    @property
    def table(self) -> Table:
        """
        The Table.
        """
    @table.setter
    def table(self, arg0: Table) -> None: ...

class Request:
    """
    A Modbus request. FC 1-4: address and quantity. FC 5: address and one value in values (non-zero switches the coil on). FC 6: address and one register. FC 15: address and the coils (0/1) in values. FC 16: address and the registers. FC 23: the read address and quantity, then write_address and the registers to write.
    """

    __hash__: typing.ClassVar[None]  # type: ignore[assignment]
    def __copy__(self) -> Request:
        """
        A copy.
        """
    def __deepcopy__(self, memo: dict) -> Request:
        """
        A copy.
        """
    def __eq__(self, other: object) -> bool:
        """
        Field-wise equality.
        """
    def __init__(
        self,
        fn: Function = Function.read_holding_registers,
        address: int = 0,
        quantity: int = 0,
        write_address: int = 0,
        values: list[int] = [],
    ) -> None:
        """
        A request (not yet validated).
        """
    def __repr__(self) -> str:
        """
        Request(fn=..., address=..., ...).
        """
    def encode(self) -> bytes:
        """
        The request's PDU. ModbusError (Errc.invalid_request) for an invalid request.
        """
    def is_valid(self) -> bool:
        """
        Whether Modbus allows the request.
        """
    def validate(self) -> None:
        """
        Raises ModbusError (Errc.invalid_request) unless Modbus allows the request.
        """
    @property
    def address(self) -> int:
        """
        Start address (0-based, as on the wire).
        """
    @address.setter
    def address(self, arg0: int) -> None: ...
    @property
    def fn(self) -> Function:
        """
        The Function.
        """
    @fn.setter
    def fn(self, arg0: Function) -> None: ...
    @property
    def quantity(self) -> int:
        """
        Bits or registers to read.
        """
    @quantity.setter
    def quantity(self, arg0: int) -> None: ...
    @property
    def response_size(self) -> int:
        """
        The size of a normal reply's PDU.
        """
    @property
    def size(self) -> int:
        """
        The PDU's size in bytes (0 for an invalid request).
        """
    @property
    def values(self) -> list[int]:
        """
        Values to write (a copy: assign a new list to change them).
        """
    @values.setter
    def values(self, arg0: list[int]) -> None: ...
    @property
    def write_address(self) -> int:
        """
        FC 23: where to write.
        """
    @write_address.setter
    def write_address(self, arg0: int) -> None: ...

class Response:
    """
    A checked reply to a Request.
    """
    def __repr__(self) -> str:
        """
        Response(fn=..., count=...).
        """
    @property
    def address(self) -> int:
        """
        FC 5, 6, 15, 16: the echoed address.
        """
    @property
    def bits(self) -> list[bool]:
        """
        FC 1, 2: the bits as bools; [] otherwise.
        """
    @property
    def count(self) -> int:
        """
        Bits or registers read (0 for writes).
        """
    @property
    def data(self) -> bytes:
        """
        FC 1, 2: the packed bits; FC 3, 4, 23: the register bytes (big-endian); else b''.
        """
    @property
    def fn(self) -> Function:
        """
        The Function.
        """
    @property
    def registers(self) -> list[int]:
        """
        FC 3, 4, 23: the registers as ints; [] otherwise.
        """
    @property
    def value(self) -> int:
        """
        FC 5, 6: the echoed value; FC 15, 16: the echoed quantity.
        """

class RtuBus:
    """
    A Modbus RTU bus (C++ modbus::rtu_bus): one serial line (RS-485), polling the devices on it through their profiles' Codecs. libmodbus drives the port on a thread of the bus's own; the results go to the bus's I/O thread.

    add_device() the devices, set the callbacks, start(): the bus opens the port (and reopens it with back-off), reads alarm-state points first, then measurements, then configuration, one request at a time, with timeouts, retries, quarantine of dead devices and splits of refused merged reads (a Scheduler inside, planning for the line's timing). RTU frames carry no transaction id: after a request that got no valid reply the line is listened to for RtuBusConfig.late_guard and what arrives is dropped. Decoded readings go to on_readings as firebus.profile.Readings, points a read could not update to on_failure, write() results to on_write. Callbacks run on the I/O thread with the GIL held; an exception they raise goes to sys.unraisablehook and the bus carries on. Times are float seconds since the epoch (RtuBusConfig.epoch, a time.monotonic() reading; now()). Use as a context manager: `with RtuBus(cfg) as bus:` starts and closes.
    """
    def __enter__(self) -> RtuBus:
        """
        Starts the bus; returns it.
        """
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the bus.
        """
    def __init__(self, config: RtuBusConfig) -> None:
        """
        A bus of `config`; raises CoreError (Errc.invalid_argument), naming the setting, if the configuration is invalid. Does not open the port until start().
        """
    def __repr__(self) -> str: ...
    def add_device(
        self, unit: int, codec: firebus._firebus.profile.Codec, policy: DevicePolicy = ...
    ) -> int:
        """
        Adds a device at unit id `unit` read through `codec` (a firebus.profile.Codec, shared: devices of one profile may share one), polled by `policy` (a DevicePolicy). Returns the device's index. Before start() only (CoreError, Errc.invalid_argument, afterwards, and for a unit id or a policy the bus refuses).
        """
    def close(self) -> None:
        """
        Stops, joins the I/O thread and frees the C++ bus. Idempotent; safe from a callback.
        """
    def counters(self) -> BusCounters:
        """
        A snapshot of the bus's BusCounters.
        """
    def device_counters(self, device: int) -> BusCounters:
        """
        A snapshot of one device's BusCounters (IndexError for an unknown device).
        """
    def line_counters(self) -> RtuBusCounters:
        """
        A snapshot of the line counters (RtuBusCounters).
        """
    def now(self) -> float:
        """
        The bus's time now: seconds since the epoch, as readings are stamped.
        """
    def start(self) -> None:
        """
        Starts the line's thread and the I/O thread: opens the port, polls, and reopens it with back-off (RtuBusConfig.reopen_min to reopen_max) until stop(). Returns at once: a port that cannot be opened (no such device, no permission, not a serial port) is reported to on_connection as (False, error) with the port named in the error, and tried again.
        """
    def stop(self) -> None:
        """
        Stops polling once the request on the line has ended (at most its timeout, then twice the late guard), closes the port and joins the I/O thread: no callback runs once it returns (unless called from a callback). The line did not fail: on_connection and on_failure are not called. Writes still queued stay queued and are sent after the next start(). Safe from a callback (which then waits for the request on the line).
        """
    def utilisation(self) -> float:
        """
        Busy time over the time since start() (0..1); 0 while stopped.
        """
    def write(
        self, device: int, point: int | str, value: float, password: int | None = None
    ) -> int:
        """
        Queues a setpoint write of `value` (in the point's unit) to `point` (an index or id) of `device`, at configuration priority: the password register first when the setpoint is protected (Codec.encode_write()). Returns its id; on_write(id, error) reports how it ended. Raises at once what the codec refuses: ProfileError (Errc.unknown_point, not_writable, value_out_of_range, password_required); IndexError for an unknown device. A write made while the bus is stopped is sent after start().
        """
    @property
    def closed(self) -> bool:
        """
        True once close() was called.
        """
    @property
    def config(self) -> RtuBusConfig:
        """
        A copy of the configuration (epoch set to the bus's).
        """
    @property
    def connected(self) -> bool:
        """
        True while the serial port is open.
        """
    @property
    def device_count(self) -> int:
        """
        The number of devices.
        """
    @property
    def on_connection(self) -> typing.Callable[[bool, firebus._firebus.Error | None], None] | None:
        """
        Called as f(open, error) when the port was opened (True, None), could not be opened (False, the reason: a firebus.SystemError naming the port, e.g. ENOENT) or failed (False, the reason).
        """
    @on_connection.setter
    def on_connection(
        self, arg1: typing.Callable[[bool, firebus._firebus.Error | None], None] | None
    ) -> None: ...
    @property
    def on_failure(
        self,
    ) -> typing.Callable[[int, float, list[str], firebus._firebus.Error], None] | None:
        """
        Called as f(device, t, point_ids, error) with the points a read could not update, and why (a ModbusError: Errc.timeout, quarantined, an exception code, a broken reply's code such as crc_mismatch, or disconnected when the port failed): mark them not updated.
        """
    @on_failure.setter
    def on_failure(
        self, arg1: typing.Callable[[int, float, list[str], firebus._firebus.Error], None] | None
    ) -> None: ...
    @property
    def on_readings(
        self,
    ) -> typing.Callable[[int, float, firebus._firebus.profile.Readings], None] | None:
        """
        Called as f(device, t, readings) for every completed read: the firebus.profile.Readings of the points it covered (named by id), at time t.
        """
    @on_readings.setter
    def on_readings(
        self, arg1: typing.Callable[[int, float, firebus._firebus.profile.Readings], None] | None
    ) -> None: ...
    @property
    def on_write(self) -> typing.Callable[[int, firebus._firebus.Error | None], None] | None:
        """
        Called as f(id, error) when write `id` ended: error None when every step was acknowledged, else the first failure (a firebus.Error).
        """
    @on_write.setter
    def on_write(
        self, arg1: typing.Callable[[int, firebus._firebus.Error | None], None] | None
    ) -> None: ...
    @property
    def running(self) -> bool:
        """
        True between start() and stop()/close().
        """

class RtuBusConfig:
    """
    Settings of an RtuBus (C++ modbus::rtu_bus_config): the serial port and its line. Times in seconds.
    """
    def __init__(
        self,
        *,
        device: str,
        baud: int = 9600,
        parity: str = "N",
        data_bits: int = 8,
        stop_bits: int = 1,
        rs485: bool = False,
        rts: RtsMode = RtsMode.none,
        rts_delay: float = 0.0,
        byte_timeout: float = 0.0,
        late_guard: float = 0.1,
        reopen_min: float = 0.5,
        reopen_max: float = 30.0,
        turnaround: float = 0.0,
        epoch: float | None = None,
    ) -> None:
        """
        Every setting as a keyword argument, `device` required; the defaults are the C++ defaults (9600 baud 8N1, no RS-485 mode, RTS left alone, late guard 0.1 s, reopen 0.5 s doubling up to 30 s). A parity that is not one character raises CoreError (Errc.invalid_argument) here; every other range is checked by validate() and RtuBus().
        """
    def __repr__(self) -> str: ...
    def line(self) -> LineTiming:
        """
        The line's timing as the planners see it (a LineTiming: the baud rate, 1 start bit + data bits + parity bit + stop bits per character, the turnaround).
        """
    def validate(self) -> None:
        """
        Raises CoreError (Errc.invalid_argument), naming the setting, if a setting is out of range (as the RtuBus constructor would). Whether the port exists is not checked: it is opened by start().
        """
    @property
    def baud(self) -> int:
        """
        The baud rate: a standard one (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600 or 1000000).
        """
    @baud.setter
    def baud(self, arg0: int) -> None: ...
    @property
    def byte_timeout(self) -> float:
        """
        The longest silence inside a reply before it is taken as ended (>= 0; 0: 20 ms or 4 characters, whichever is longer).
        """
    @byte_timeout.setter
    def byte_timeout(self, arg1: float) -> None: ...
    @property
    def data_bits(self) -> int:
        """
        Data bits of a character: 7 or 8.
        """
    @data_bits.setter
    def data_bits(self, arg0: int) -> None: ...
    @property
    def device(self) -> str:
        """
        The serial port, e.g. '/dev/ttyUSB0' (a pseudo-terminal will do).
        """
    @device.setter
    def device(self, arg0: str) -> None: ...
    @property
    def epoch(self) -> float | None:
        """
        Time 0 of the times the bus reports, as a time.monotonic() reading (give several buses the same epoch to share one time line); None: when the RtuBus is made (RtuBus.config then says when).
        """
    @epoch.setter
    def epoch(self, arg0: float | None) -> None: ...
    @property
    def late_guard(self) -> float:
        """
        After a request that got no valid reply, the line is listened to for this long and what arrives is discarded (RTU frames carry no transaction id: a late reply must not be taken for the next request's). Set it above the longest a device may answer late; 0 turns it off.
        """
    @late_guard.setter
    def late_guard(self, arg1: float) -> None: ...
    @property
    def parity(self) -> str:
        """
        'N' (none), 'E' (even) or 'O' (odd).
        """
    @parity.setter
    def parity(self, arg1: str) -> None: ...
    @property
    def reopen_max(self) -> float:
        """
        Retries to open the port double up to this (>= reopen_min).
        """
    @reopen_max.setter
    def reopen_max(self, arg1: float) -> None: ...
    @property
    def reopen_min(self) -> float:
        """
        The first retry to open the port (> 0).
        """
    @reopen_min.setter
    def reopen_min(self, arg1: float) -> None: ...
    @property
    def rs485(self) -> bool:
        """
        Put the port into the kernel's RS-485 mode (TIOCSRS485; RTS as the driver enable). A port that does not support it (a pseudo-terminal, many USB adapters) fails to open: on_connection reports ENOTTY, and the bus retries.
        """
    @rs485.setter
    def rs485(self, arg0: bool) -> None: ...
    @property
    def rts(self) -> RtsMode:
        """
        RTS direction control by libmodbus (an RtsMode).
        """
    @rts.setter
    def rts(self, arg0: RtsMode) -> None: ...
    @property
    def rts_delay(self) -> float:
        """
        RTS delay before and after sending (>= 0; with rts only).
        """
    @rts_delay.setter
    def rts_delay(self, arg1: float) -> None: ...
    @property
    def stop_bits(self) -> int:
        """
        Stop bits of a character: 1 or 2.
        """
    @stop_bits.setter
    def stop_bits(self, arg0: int) -> None: ...
    @property
    def turnaround(self) -> float:
        """
        The devices' reply delay the planners' cost model assumes (>= 0).
        """
    @turnaround.setter
    def turnaround(self, arg1: float) -> None: ...

class RtuBusCounters:
    """
    Line-level counters of an RtuBus (a snapshot; the scheduler's are RtuBus.counters()).
    """
    def __repr__(self) -> str: ...
    @property
    def bad_replies(self) -> int:
        """
        Replies from another unit, or not matching the request.
        """
    @property
    def callback_errors(self) -> int:
        """
        Exceptions raised by callbacks (Python ones included).
        """
    @property
    def crc_errors(self) -> int:
        """
        Replies with a bad CRC.
        """
    @property
    def open_failures(self) -> int:
        """
        Attempts to open the port that failed.
        """
    @property
    def opens(self) -> int:
        """
        Times the port was opened.
        """
    @property
    def stale_bytes(self) -> int:
        """
        Bytes discarded after failed requests (late replies).
        """

class Scheduler:
    """
    The bus scheduler (C++ modbus::scheduler): which request a bus sends next, and what its outcome means. Pure: no sockets, threads or clocks; times are float seconds on your time line, and the same calls at the same times give the same decisions.

    Ask next(now) for a Job when the bus is idle, send job.request to job.unit, and report complete(now, error) when the reply came (error None), the device answered an exception, the reply was broken, or job.deadline passed (Errc.timeout). Alarm reads go first, then measurements, then configuration reads and writes; merged reads refused with exception 02/03 are split; timeouts are retried; a device that keeps failing goes into quarantine with back-off. Not thread-safe.
    """
    def __init__(self, cost: CostModel = ...) -> None:
        """
        A scheduler whose devices' planners use the CostModel `cost`.
        """
    def __repr__(self) -> str:
        """
        <Scheduler N devices, idle>.
        """
    def add_device(
        self,
        unit: int,
        alarm: list[ReadItem] = [],
        measurement: list[ReadItem] = [],
        config: list[ReadItem] = [],
        limits: DeviceLimits = ...,
        policy: DevicePolicy = ...,
        start: float = 0.0,
    ) -> int:
        """
        Adds a device at `unit` with the ReadItems of each poll class (planned together by the device's own PollPlanner under `limits`); its cycles first fall due at `start`. Returns the device's index.
        """
    def complete(
        self, now: float, error: Errc | firebus._firebus.Error | None = None
    ) -> list[Outcome]:
        """
        Reports how the job in flight ended at `now`: None for a valid reply, an exception code (Errc 1-11, e.g. Errc.illegal_data_address), Errc.timeout, a broken reply's code (Errc.crc_mismatch ...), or the firebus.Error the codec raised (ModbusError). Returns the Outcomes to act on: the job itself when it ended for good (a success, or a final failure), and the jobs dropped because the device went into quarantine. [] when nothing is in flight, or the job is retried or split.
        """
    def counters(self, device: int | None = None) -> BusCounters:
        """
        A snapshot of the bus's BusCounters, or of one device's.
        """
    def next(self, now: float) -> Job | None:
        """
        The Job to send at `now`, or None (one is in flight, or none is due).
        """
    def next_deadline(self) -> float | None:
        """
        When next() or complete() must next be called (the in-flight job's deadline, the earliest due cycle or quarantine end; a time already past when something is due now), or None when there is nothing to wait for.
        """
    def plan(self, device: int, priority: PollPriority) -> list[PlannedRead]:
        """
        The PlannedReads of a device's class, after the splits learned so far (IndexError for an unknown device).
        """
    def planner(self, device: int) -> PollPlanner:
        """
        A copy of the device's PollPlanner (with its learned splits).
        """
    def quarantine_until(self, device: int) -> float:
        """
        When a device's (last) quarantine ends, seconds.
        """
    def quarantined(self, device: int) -> bool:
        """
        Whether a device is in quarantine.
        """
    def submit_write(self, device: int, steps: list[Request]) -> int:
        """
        Queues a write at configuration priority: the Requests in order (e.g. firebus.profile.Codec.encode_write()'s, the password first); a step that fails cancels the rest. Returns its id (the jobs' write_id). IndexError for an unknown device, ValueError for no steps.
        """
    def utilisation(self, elapsed: float) -> float:
        """
        Busy time over `elapsed` seconds (0..1; 0 for elapsed <= 0).
        """
    @property
    def device_count(self) -> int:
        """
        The number of devices.
        """
    @property
    def in_flight(self) -> Job | None:
        """
        The Job in flight (a copy), or None.
        """

class TcpBus:
    """
    A Modbus TCP bus (C++ modbus::tcp_bus): one connection, to a device or to a TCP-to-RTU gateway, polling the devices behind it through their profiles' Codecs, with its own I/O thread.

    add_device() the devices, set the callbacks, start(): the bus connects (and reconnects with back-off), reads alarm-state points first, then measurements, then configuration, one request at a time, with timeouts, retries, quarantine of dead devices and splits of refused merged reads (a Scheduler inside). Decoded readings go to on_readings as firebus.profile.Readings, points a read could not update to on_failure, write() results to on_write. Callbacks run on the I/O thread with the GIL held; an exception they raise goes to sys.unraisablehook and the bus carries on. Times are float seconds since the epoch (TcpBusConfig.epoch, a time.monotonic() reading; now()). Use as a context manager: `with TcpBus(cfg) as bus:` starts and closes.
    """
    def __enter__(self) -> TcpBus:
        """
        Starts the bus; returns it.
        """
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the bus.
        """
    def __init__(self, config: TcpBusConfig) -> None:
        """
        A bus of `config`; raises CoreError (Errc.invalid_argument) if the configuration is invalid. Does not connect until start().
        """
    def __repr__(self) -> str: ...
    def add_device(
        self, unit: int, codec: firebus._firebus.profile.Codec, policy: DevicePolicy = ...
    ) -> int:
        """
        Adds a device at unit id `unit` read through `codec` (a firebus.profile.Codec, shared: devices of one profile may share one), polled by `policy` (a DevicePolicy). Returns the device's index. Before start() only (CoreError, Errc.invalid_argument, afterwards, and for a unit id or a policy the bus refuses).
        """
    def close(self) -> None:
        """
        Stops, joins the I/O thread and frees the C++ bus. Idempotent; safe from a callback.
        """
    def connection_counters(self) -> TcpBusCounters:
        """
        A snapshot of the connection counters (TcpBusCounters).
        """
    def counters(self) -> BusCounters:
        """
        A snapshot of the bus's BusCounters.
        """
    def device_counters(self, device: int) -> BusCounters:
        """
        A snapshot of one device's BusCounters (IndexError for an unknown device).
        """
    def now(self) -> float:
        """
        The bus's time now: seconds since the epoch, as readings are stamped.
        """
    def start(self) -> None:
        """
        Starts the I/O thread: connects, polls, and reconnects with back-off until stop(). Returns at once.
        """
    def stop(self) -> None:
        """
        Closes the connection (on_failure reports every point with Errc.disconnected, on_connection the end), cancels the timers and joins the I/O thread: no callback runs once it returns (unless called from a callback). Writes still queued stay queued and are sent after the next start(). Safe from a callback.
        """
    def utilisation(self) -> float:
        """
        Busy time over the time since start() (0..1); 0 while stopped.
        """
    def write(
        self, device: int, point: int | str, value: float, password: int | None = None
    ) -> int:
        """
        Queues a setpoint write of `value` (in the point's unit) to `point` (an index or id) of `device`, at configuration priority: the password register first when the setpoint is protected (Codec.encode_write()). Returns its id; on_write(id, error) reports how it ended. Raises at once what the codec refuses: ProfileError (Errc.unknown_point, not_writable, value_out_of_range, password_required); IndexError for an unknown device. A write made while the bus is stopped is reported Errc.cancelled on the next start().
        """
    @property
    def closed(self) -> bool:
        """
        True once close() was called.
        """
    @property
    def config(self) -> TcpBusConfig:
        """
        A copy of the configuration (epoch set to the bus's).
        """
    @property
    def connected(self) -> bool:
        """
        True while the connection is established.
        """
    @property
    def device_count(self) -> int:
        """
        The number of devices.
        """
    @property
    def on_connection(self) -> typing.Callable[[bool, firebus._firebus.Error | None], None] | None:
        """
        Called as f(connected, error) when the connection came up (True, None) or went down (False, the reason).
        """
    @on_connection.setter
    def on_connection(
        self, arg1: typing.Callable[[bool, firebus._firebus.Error | None], None] | None
    ) -> None: ...
    @property
    def on_failure(
        self,
    ) -> typing.Callable[[int, float, list[str], firebus._firebus.Error], None] | None:
        """
        Called as f(device, t, point_ids, error) with the points a read could not update, and why (a ModbusError: Errc.timeout, quarantined, disconnected, an exception code or a broken reply's code): mark them not updated.
        """
    @on_failure.setter
    def on_failure(
        self, arg1: typing.Callable[[int, float, list[str], firebus._firebus.Error], None] | None
    ) -> None: ...
    @property
    def on_readings(
        self,
    ) -> typing.Callable[[int, float, firebus._firebus.profile.Readings], None] | None:
        """
        Called as f(device, t, readings) for every completed read: the firebus.profile.Readings of the points it covered (named by id), at time t.
        """
    @on_readings.setter
    def on_readings(
        self, arg1: typing.Callable[[int, float, firebus._firebus.profile.Readings], None] | None
    ) -> None: ...
    @property
    def on_write(self) -> typing.Callable[[int, firebus._firebus.Error | None], None] | None:
        """
        Called as f(id, error) when write `id` ended: error None when every step was acknowledged, else the first failure (a firebus.Error).
        """
    @on_write.setter
    def on_write(
        self, arg1: typing.Callable[[int, firebus._firebus.Error | None], None] | None
    ) -> None: ...
    @property
    def running(self) -> bool:
        """
        True between start() and stop()/close().
        """

class TcpBusConfig:
    """
    Settings of a TcpBus (C++ modbus::tcp_bus_config). Times in seconds.
    """
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 502,
        connect_timeout: float = 3.0,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
        cost: CostModel = ...,
        epoch: float | None = None,
    ) -> None:
        """
        Every setting as a keyword argument; the defaults are the C++ defaults (port 502, connect timeout 3 s, reconnect 0.5 s doubling up to 30 s, CostModel.tcp(0.001)).
        """
    def __repr__(self) -> str: ...
    def validate(self) -> None:
        """
        Raises CoreError (Errc.invalid_argument), naming the setting, if a setting is out of range (as the TcpBus constructor would).
        """
    @property
    def connect_timeout(self) -> float:
        """
        Give up a connection attempt after this long (> 0).
        """
    @connect_timeout.setter
    def connect_timeout(self, arg1: float) -> None: ...
    @property
    def cost(self) -> CostModel:
        """
        The planners' CostModel (a copy). For a TCP-to-RTU gateway use CostModel.rtu() of its serial line.
        """
    @cost.setter
    def cost(self, arg1: CostModel) -> None: ...
    @property
    def epoch(self) -> float | None:
        """
        Time 0 of the times the bus reports, as a time.monotonic() reading (give several buses the same epoch to share one time line); None: when the TcpBus is made (TcpBus.config then says when).
        """
    @epoch.setter
    def epoch(self, arg0: float | None) -> None: ...
    @property
    def host(self) -> str:
        """
        The device or gateway: a name or a numeric address.
        """
    @host.setter
    def host(self, arg0: str) -> None: ...
    @property
    def port(self) -> int:
        """
        Its TCP port (> 0).
        """
    @port.setter
    def port(self, arg0: int) -> None: ...
    @property
    def reconnect_max(self) -> float:
        """
        Reconnect delays double up to this (>= reconnect_min).
        """
    @reconnect_max.setter
    def reconnect_max(self, arg1: float) -> None: ...
    @property
    def reconnect_min(self) -> float:
        """
        The first reconnect delay (> 0).
        """
    @reconnect_min.setter
    def reconnect_min(self, arg1: float) -> None: ...

class TcpBusCounters:
    """
    Connection-level counters of a TcpBus (a snapshot; the scheduler's are TcpBus.counters()).
    """
    def __repr__(self) -> str: ...
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
    def disconnects(self) -> int:
        """
        Established connections lost.
        """
    @property
    def framing_errors(self) -> int:
        """
        Byte streams that stayed garbage (connection closed).
        """
    @property
    def skipped_bytes(self) -> int:
        """
        Bytes skipped to find the next frame (garbage).
        """
    @property
    def stale_replies(self) -> int:
        """
        Replies to earlier requests, discarded.
        """

def crc16(data: bytes) -> int:
    """
    The Modbus CRC-16 of `data` (sent low byte first).
    """

def decode_rtu(frame: bytes) -> tuple:
    """
    (unit, pdu) of a whole RTU frame. ModbusError: crc_mismatch, truncated (under 4 bytes), trailing_bytes (over 256).
    """

def decode_tcp(frame: bytes) -> tuple:
    """
    (transaction, unit, pdu) of a whole frame. ModbusError: bad_protocol_id, bad_length, truncated, trailing_bytes.
    """

def encode_exception(fc: int, code: Errc) -> bytes:
    """
    The exception reply PDU to function code `fc` (1..127) with an exception Errc (1-11).
    """

def encode_response(request: Request, values: list[int] = []) -> bytes:
    """
    The reply PDU to `request` (server side): reads take the quantity's registers or bits (0/1) in `values`; writes echo the request.
    """

def encode_rtu(unit: int, pdu: bytes) -> bytes:
    """
    The RTU frame: unit id, PDU, CRC-16.
    """

def encode_tcp(transaction: int, unit: int, pdu: bytes) -> bytes:
    """
    The Modbus TCP frame: MBAP header (transaction, protocol 0, length, unit) and PDU.
    """

def errc_message(code: Errc) -> str:
    """
    The C++ message of an Errc ('exception 02: illegal data address').
    """

def is_exception(code: Errc) -> bool:
    """
    Whether the code is an exception reply's (1-6, 8, 10, 11).
    """

def parse_request(pdu: bytes) -> Request:
    """
    A request PDU (server side) as a Request. ModbusError: unknown_function (answer with exception 01), invalid_request (exception 03), truncated, trailing_bytes.
    """

def parse_response(request: Request, pdu: bytes) -> Response:
    """
    Checks the reply PDU to `request` strictly (same function, exact byte count, writes echoing the request) and returns the Response. An exception reply raises ModbusError with the exception's code (Errc.illegal_data_address, ...); a reply that does not answer the request raises ModbusError (function_mismatch, byte_count_mismatch, echo_mismatch, truncated, trailing_bytes).
    """

def parse_rtu_reply(request: Request, unit: int, frame: bytes) -> Response:
    """
    Checks a whole RTU reply (CRC, unit id, then as parse_response).
    """

def parse_tcp_reply(request: Request, transaction: int, unit: int, frame: bytes) -> Response:
    """
    Checks a whole TCP reply (header, transaction id, unit id, then as parse_response).
    """

def read_function(table: Table) -> Function:
    """
    The Function that reads a Table.
    """

def rtu_reply_length(request: Request, unit: int, received: bytes) -> int:
    """
    The whole length of the RTU reply to `request` from the bytes received so far, or 0 while they do not tell yet. ModbusError (unit_mismatch, function_mismatch, byte_count_mismatch) when they cannot start that reply.
    """

def tcp_frame_length(buffered: bytes) -> int:
    """
    The length of the frame at the start of `buffered`, or 0 while its header is incomplete. ModbusError (bad_protocol_id, bad_length): the stream has lost its framing; close it.
    """

MAX_PDU_SIZE: int = 253
MAX_READ_BITS: int = 2000
MAX_READ_REGISTERS: int = 125
MAX_RTU_FRAME_SIZE: int = 256
MAX_RW_WRITE_REGISTERS: int = 121
MAX_TCP_FRAME_SIZE: int = 260
MAX_WRITE_COILS: int = 1968
MAX_WRITE_REGISTERS: int = 123
MBAP_SIZE: int = 7

class Errc(enum.IntEnum):
    """
    ModbusError codes (ModbusError.code; category 'firebus.modbus'). 1-11 are the Modbus exception codes themselves.
    """

    illegal_function = 1
    illegal_data_address = 2
    illegal_data_value = 3
    server_device_failure = 4
    acknowledge = 5
    server_device_busy = 6
    memory_parity_error = 8
    gateway_path_unavailable = 10
    gateway_target_no_response = 11
    invalid_request = 100
    truncated = 101
    trailing_bytes = 102
    crc_mismatch = 103
    bad_protocol_id = 104
    bad_length = 105
    unknown_function = 106
    unit_mismatch = 107
    function_mismatch = 108
    transaction_mismatch = 109
    byte_count_mismatch = 110
    echo_mismatch = 111
    unknown_exception = 112
    timeout = 113
    quarantined = 114
    disconnected = 115
    queue_full = 116
    cancelled = 117

class Function(enum.IntEnum):
    """
    Modbus function codes firebus implements.
    """

    read_coils = 1
    read_discrete_inputs = 2
    read_holding_registers = 3
    read_input_registers = 4
    write_single_coil = 5
    write_single_register = 6
    write_multiple_coils = 15
    write_multiple_registers = 16
    read_write_registers = 23

class PollPriority(enum.IntEnum):
    """
    Poll classes, in the order a bus serves them: alarm-state points, measured values, configuration reads and writes.
    """

    alarm = 0
    measurement = 1
    config = 2

class RtsMode(enum.IntEnum):
    """
    How libmodbus drives RTS around a request (modbus_rtu_set_rts): none leaves it alone (the adapter, or the kernel's RS-485 mode, switches the direction), up: high while sending, down: low while sending.
    """

    none = 0
    up = 1
    down = 2

class Table(enum.IntEnum):
    """
    The four data tables of a Modbus device.
    """

    coils = 0
    discrete_inputs = 1
    holding_registers = 2
    input_registers = 3
