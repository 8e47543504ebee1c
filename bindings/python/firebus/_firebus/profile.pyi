"""
Device profiles: loader, read items, decoding, writes.
"""

from __future__ import annotations
import enum
import firebus._firebus.alarm
import firebus._firebus.core
import firebus._firebus.modbus
import typing

class Codec:
    """
    A profile ready to read and write devices: the read items of each poll class (for firebus.modbus.PollPlanner), decode() of a RegisterImage into Readings, encode_write() of setpoints, and the default alarm rules. Keeps its own copy of the profile. Points are named by index (int) or id (str).
    """
    def __init__(self, profile: Profile) -> None:
        """
        A codec of `profile` (a copy of it).
        """
    def __len__(self) -> int:
        """
        The number of points.
        """
    def __repr__(self) -> str:
        """
        <Codec id: N points>.
        """
    def append_default_rules(self, prefix: str, rules: firebus._firebus.alarm.Rules) -> None:
        """
        Appends the default point rules of one device to `rules` (a firebus.alarm.Rules; for a gateway with many devices).
        """
    def decode(self, image: RegisterImage, points: list[int | str] | None = None) -> Readings:
        """
        Decodes the points (all, or `points`: indices or ids) whose registers are in `image` into Readings. Points not in the image are left out. A status is the most severe among all its sources in the image. ProfileError (Errc.unknown_point) for a point the profile does not have.
        """
    def default_rules(self, prefix: str = "") -> firebus._firebus.alarm.Rules:
        """
        The profile's default alarm rules for one device as a firebus.alarm.Rules: a PointRule per published point, with the id prefix + point id (e.g. 'bus1/dev3/IR1'), its unit, range, stale timeout and alarms. The prefix is not checked: keep the ids valid point ids (firebus.core.validate_point_id).
        """
    def encode_write(
        self,
        point: int | str,
        value: float,
        password: int | None = None,
        image: RegisterImage | None = None,
    ) -> list[firebus._firebus.modbus.Request]:
        """
        The firebus.modbus.Requests that write `value` (in the point's unit) to a writable point: the password register first when the setpoint is protected, then the value (FC 5, 6 or 16), rounded to the point's resolution. `image` gives decimals_from. ProfileError: Errc.unknown_point, not_writable, value_out_of_range (not finite, outside [min, max], or not fitting the register), password_required, data_missing.
        """
    def find(self, id: str) -> int | None:
        """
        The index of the point `id`, or None.
        """
    def point(self, index: int) -> PointDef:
        """
        The PointDef at `index` (IndexError if there is none).
        """
    def points(self, poll_class: PollClass | None = None) -> list[int]:
        """
        The indices of the points of a PollClass (their effective poll class), or of every point.
        """
    def raw(self, image: RegisterImage, point: int | str) -> float | None:
        """
        The raw value of a point in `image` (the bit field for bits, the float for f32), or None when its registers were not read.
        """
    @typing.overload
    def read_items(
        self, poll_class: PollClass | None = None
    ) -> list[firebus._firebus.modbus.ReadItem]:
        """
        What must be read (a list of firebus.modbus.ReadItem, for PollPlanner.plan) to decode the points of a PollClass (with their decimals_from points), or every point.
        """
    @typing.overload
    def read_items(self, points: list[int | str]) -> list[firebus._firebus.modbus.ReadItem]:
        """
        What must be read to decode `points` (indices or ids) and their decimals_from points. ProfileError (Errc.unknown_point) for a point the profile does not have.
        """
    @property
    def profile(self) -> Profile:
        """
        The Profile (a copy).
        """
    @property
    def size(self) -> int:
        """
        The number of points.
        """

class ModbusSettings:
    """
    Device-wide Modbus facts (schema `modbus`).
    """
    def __repr__(self) -> str:
        """
        ModbusSettings(unit_id=..., ...).
        """
    @property
    def limits(self) -> firebus._firebus.modbus.DeviceLimits:
        """
        The firebus.modbus.DeviceLimits to plan reads with (a copy).
        """
    @property
    def max_bits_per_read(self) -> int:
        """
        Bits per read the device accepts.
        """
    @property
    def max_registers_per_read(self) -> int:
        """
        Registers per read the device accepts.
        """
    @property
    def password(self) -> PasswordRegister | None:
        """
        The PasswordRegister, or None.
        """
    @property
    def read_across_gaps(self) -> bool:
        """
        May one read cover registers no point uses?
        """
    @property
    def serial(self) -> SerialSettings:
        """
        The factory SerialSettings.
        """
    @property
    def transports(self) -> list[str]:
        """
        'rtu' and/or 'tcp' (informative).
        """
    @property
    def unit_id(self) -> int:
        """
        Factory default address, 1-247.
        """

class PasswordRegister:
    """
    The holding register a password is written to before a protected write.
    """
    def __repr__(self) -> str:
        """
        PasswordRegister(address=..., type=...).
        """
    @property
    def address(self) -> int:
        """
        Holding register address.
        """
    @property
    def type(self) -> DataType:
        """
        DataType.u16 or DataType.u32.
        """

class PointDef:
    """
    One point of a device profile, after per-loop expansion and with every default filled (read-only).
    """
    def __repr__(self) -> str:
        """
        PointDef(id=..., table=..., address=..., type=...).
        """
    @property
    def address(self) -> int:
        """
        PDU address (0-based).
        """
    @property
    def alarms(self) -> list[firebus._firebus.alarm.AlarmRule]:
        """
        Default alarm rules: a list of firebus.alarm.AlarmRule (copies).
        """
    @property
    def bit(self) -> int:
        """
        bits in a register: first bit (0 = least significant).
        """
    @property
    def byte_order(self) -> ByteOrder:
        """
        ByteOrder within a register.
        """
    @property
    def count(self) -> int:
        """
        Registers (or bits) the point reads.
        """
    @property
    def decimals(self) -> int:
        """
        Fixed decimal places, 0-9.
        """
    @property
    def decimals_from(self) -> str | None:
        """
        The id of the point whose raw value gives the decimals, or None.
        """
    @property
    def default_state(self) -> State | None:
        """
        The State of unlisted codes, or None.
        """
    @property
    def id(self) -> str:
        """
        Point id within the device, e.g. 'IR3'.
        """
    @property
    def invalid(self) -> list[tuple[int, State]]:
        """
        Raw values that are not measurements: a list of (raw, State).
        """
    @property
    def loop(self) -> int:
        """
        Loop number n of a per-loop array, 0 for other points.
        """
    @property
    def name(self) -> str:
        """
        Human-readable name.
        """
    @property
    def offset(self) -> float:
        """
        Added after scaling.
        """
    @property
    def poll(self) -> PollClass:
        """
        The effective PollClass (the profile's, else alarm for points with states or invalid codes, config for writable points, measurement otherwise).
        """
    @property
    def publish(self) -> bool:
        """
        False: read only for other points, not a sample.
        """
    @property
    def quantity(self) -> str:
        """
        Informative: 'residual_current', ...
        """
    @property
    def range(self) -> tuple[float, float] | None:
        """
        Valid (lo, hi) engineering values, or None.
        """
    @property
    def scale(self) -> float:
        """
        value = raw * scale / 10**decimals + offset.
        """
    @property
    def stale_s(self) -> float:
        """
        Default alarm-engine stale timeout, seconds.
        """
    @property
    def states(self) -> list[tuple[int, State]]:
        """
        Raw codes that are states: a list of (value, State).
        """
    @property
    def status_of(self) -> list[str]:
        """
        Ids of the points its status states apply to ([]: itself).
        """
    @property
    def table(self) -> firebus._firebus.modbus.Table:
        """
        The firebus._firebus.modbus.Table.
        """
    @property
    def type(self) -> DataType:
        """
        The DataType.
        """
    @property
    def unit(self) -> str:
        """
        Engineering unit ('' if none).
        """
    @property
    def width(self) -> int:
        """
        bits: number of bits (coils or inputs in a bit table).
        """
    @property
    def word_order(self) -> ByteOrder:
        """
        ByteOrder of the two registers of 32-bit types.
        """
    @property
    def writable(self) -> WritableRule | None:
        """
        The WritableRule, or None.
        """

class Profile:
    """
    A device profile (protocols/profile.schema.json, version 1), loaded and validated: read it with load() or parse(). Read-only; Codec(profile) reads and writes devices with it.
    """
    def __repr__(self) -> str:
        """
        <Profile id revision N: vendor model, N points>.
        """
    def codec(self) -> Codec:
        """
        A Codec of this profile (the same as Codec(profile)).
        """
    @property
    def description(self) -> str:
        """
        One or two sentences.
        """
    @property
    def id(self) -> str:
        """
        Profile id, e.g. 'acrel-asj10l-ld1a'.
        """
    @property
    def kind(self) -> str:
        """
        Informative category: 'residual_current_relay', ...
        """
    @property
    def modbus(self) -> ModbusSettings:
        """
        The ModbusSettings.
        """
    @property
    def model(self) -> str:
        """
        Model name.
        """
    @property
    def points(self) -> list[PointDef]:
        """
        The points, one per loop of per-loop arrays: a list of PointDef (copies).
        """
    @property
    def revision(self) -> int:
        """
        Revision of the content.
        """
    @property
    def source(self) -> Source:
        """
        The Source of the register map.
        """
    @property
    def vendor(self) -> str:
        """
        Vendor name.
        """
    @property
    def version(self) -> int:
        """
        The schema version (1).
        """

class Readings:
    """
    What one decode found, in point order, named by point id: values (published points: (id, value, firebus._firebus.core.QualityCode), value NaN when there is none), conditions (points with condition states: (id, firebus._firebus.alarm.DeviceCondition)) and statuses (targets of status states and invalid codes: (id, firebus._firebus.alarm.DeviceStatus)).
    """
    def __repr__(self) -> str:
        """
        <Readings values=N conditions=N statuses=N>.
        """
    @property
    def conditions(self) -> list[tuple[str, firebus._firebus.alarm.DeviceCondition]]:
        """
        A list of (point id, DeviceCondition).
        """
    @property
    def statuses(self) -> list[tuple[str, firebus._firebus.alarm.DeviceStatus]]:
        """
        A list of (point id, DeviceStatus).
        """
    @property
    def values(self) -> list[tuple[str, float, firebus._firebus.core.QualityCode]]:
        """
        A list of (point id, value, QualityCode).
        """

class RegisterImage:
    """
    The registers and bits of one device read so far: blocks of consecutive addresses per firebus._firebus.modbus.Table. A newer block wins where it overlaps an older one; at most MAX_BLOCKS blocks are kept per table (the oldest go first).
    """

    MAX_BLOCKS: typing.ClassVar[int] = 256
    def __init__(self) -> None:
        """
        An empty image.
        """
    def __repr__(self) -> str:
        """
        <RegisterImage> or <RegisterImage empty>.
        """
    def clear(self) -> None:
        """
        Forgets everything.
        """
    def forget(self, table: firebus._firebus.modbus.Table, address: int, count: int) -> None:
        """
        Forgets what was read of `table` in [address, address + count) (after a failed read: old values must not be decoded again as if fresh). Forgets whole blocks.
        """
    def get(
        self, table: firebus._firebus.modbus.Table, address: int, count: int
    ) -> list[int] | None:
        """
        `count` values of `table` from `address` as a list of ints, or None unless one block holds all of them ([] for count 0).
        """
    def store(self, table: firebus._firebus.modbus.Table, address: int, values: list[int]) -> None:
        """
        Stores registers (or bits, one per value, 0 or 1) of `table` from `address`: any sequence of ints 0..65535 (a list, a numpy uint16 array). Values past address 65535 are dropped.
        """
    def store_reply(
        self, request: firebus._firebus.modbus.Request, response: firebus._firebus.modbus.Response
    ) -> bool:
        """
        Stores the Response to a read Request (FC 1-4, as firebus.modbus.parse_response returns it). Returns False, storing nothing, for another function or a reply that does not hold the request's quantity.
        """
    @property
    def empty(self) -> bool:
        """
        Whether the image holds nothing.
        """

class SerialSettings:
    """
    Factory line settings (schema `modbus.serial`; informative).
    """
    def __repr__(self) -> str:
        """
        SerialSettings(baud=9600, ...).
        """
    @property
    def baud(self) -> int:
        """
        Baud rate.
        """
    @property
    def data_bits(self) -> int:
        """
        7 or 8.
        """
    @property
    def parity(self) -> Parity:
        """
        The Parity.
        """
    @property
    def stop_bits(self) -> int:
        """
        1 or 2.
        """

class Source:
    """
    Where a profile's register map comes from (schema `source`).
    """
    def __repr__(self) -> str:
        """
        Source(title=...).
        """
    @property
    def notes(self) -> str:
        """
        What was checked, and any doubt.
        """
    @property
    def retrieved(self) -> str:
        """
        YYYY-MM-DD.
        """
    @property
    def section(self) -> str:
        """
        The sections used.
        """
    @property
    def title(self) -> str:
        """
        The manual's title.
        """
    @property
    def url(self) -> str:
        """
        Where it was read ('' if not given).
        """

class WritableRule:
    """
    A setpoint the SDK may write (schema `writable`).
    """
    def __repr__(self) -> str:
        """
        WritableRule(min=..., max=..., ...).
        """
    @property
    def function(self) -> firebus._firebus.modbus.Function:
        """
        The firebus._firebus.modbus.Function that writes it (5, 6 or 16).
        """
    @property
    def max(self) -> float:
        """
        Highest accepted value.
        """
    @property
    def min(self) -> float:
        """
        Lowest accepted value, in the point's unit.
        """
    @property
    def password(self) -> bool:
        """
        Whether the modbus.password register is written first.
        """

def errc_message(code: Errc) -> str:
    """
    The C++ message of an Errc ('no such point in the profile').
    """

def is_condition(state: State) -> bool:
    """
    Whether a State is a condition of the point itself (normal, fire, pre_alarm, active) rather than a status of other points.
    """

def library_files(directory: str) -> list[str]:
    """
    The profile files (*.json) of a directory, sorted by name; [] if it cannot be read.
    """

def load(path: str) -> Profile:
    """
    Reads, expands and validates a profile file. Raises ProfileError (Errc.invalid_profile) '<path>: <JSON path>: <message>' for a refused profile, e.g. 'x.json: points[0]: unknown key "scael"', firebus.SystemError '<path>: cannot open the file: ...' for a file that cannot be read.
    """

def parse(text: str, name: str = "profile") -> Profile:
    """
    Parses, expands and validates a profile from JSON text. Raises ProfileError (Errc.invalid_profile) '<name>: <JSON path>: <message>' (syntax errors give the line and column).
    """

def table_name(table: firebus._firebus.modbus.Table) -> str:
    """
    The schema's name of a firebus._firebus.modbus.Table: 'holding', 'input', 'coil' or 'discrete'.
    """

MAX_POINTS: int = 4096
MAX_PROFILE_SIZE: int = 16777216
PROFILE_VERSION: int = 1

class ByteOrder(enum.IntEnum):
    """
    Byte order within a register, or order of the two registers of a 32-bit value (schema `byte_order`, `word_order`).
    """

    big = 0
    little = 1

class DataType(enum.IntEnum):
    """
    How a point's registers hold its raw value (schema `type`): u16, i16 (one register), u32, i32, f32 (two registers), bits (a field of a register, or coils / discrete inputs).
    """

    u16 = 0
    i16 = 1
    u32 = 2
    i32 = 3
    f32 = 4
    bits = 5

class Errc(enum.IntEnum):
    """
    ProfileError codes (ProfileError.code; category 'firebus.profile').
    """

    invalid_profile = 1
    unknown_point = 2
    not_writable = 3
    value_out_of_range = 4
    password_required = 5
    data_missing = 6

class Parity(enum.IntEnum):
    """
    Serial parity (schema `modbus.serial.parity`).
    """

    none = 0
    even = 1
    odd = 2

class PollClass(enum.IntEnum):
    """
    Poll priority (schema `poll`): alarm-state points first, then measurements, then configuration.
    """

    alarm = 0
    measurement = 1
    config = 2

class State(enum.IntEnum):
    """
    What a raw code of a point means (schema `state`): a condition of the point itself (normal, fire, pre_alarm, active) or a status of the points in status_of (ok, fault, open_circuit, short_circuit).
    """

    normal = 0
    fire = 1
    pre_alarm = 2
    active = 3
    ok = 4
    fault = 5
    open_circuit = 6
    short_circuit = 7
