"""
Modbus: PDUs, RTU and TCP framing, line timing.
"""

from __future__ import annotations
import enum
import typing

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

class Table(enum.IntEnum):
    """
    The four data tables of a Modbus device.
    """

    coils = 0
    discrete_inputs = 1
    holding_registers = 2
    input_registers = 3
