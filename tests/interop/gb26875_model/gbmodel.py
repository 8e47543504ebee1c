"""Independent model of the GB/T 26875.3-2011 frame and ADU codec.

Written from /work/shared/specs/gb26875-3.md (the project's digest of the standard) alone, without
reading firebus's codec, so that it can be used as a differential oracle against firebus.

Representation
--------------
* A time tag is a 6-tuple in wire order: (second, minute, hour, day, month, year - 2000).
* A frame is a dict: serial, version (major, user), time, source, destination, command, adu (bytes).
* An ADU is (type, [object dict, ...]) ; an object is a dict of its fields in wire order, named as
  firebus's Python attributes are (system_type, system_address, component_type, component_address,
  status, text, time, analog_type, value, flags, operator_id, major, minor, count, start, reserved,
  timeout_minutes).  Descriptions (types 2, 7) are the 31 raw bytes; configuration texts (6, 26) the
  raw bytes after the length byte.  A user-defined ADU (128-254) is (type, count, body bytes).

Strictness: the decoder refuses what the digest says a receiver must refuse (bad start/end, L > 1024,
checksum, reserved ADU type, objects that do not exactly fill the ADU).  Choices the digest leaves open
are switches in `Policy` so that both readings can be checked.
"""
from __future__ import annotations

import dataclasses
import struct
from typing import Iterable

START = b"@@"
END = b"##"
HEADER_SIZE = 27
TRAILER_SIZE = 3
MAX_ADU = 1024
MIN_FRAME = 30
MAX_FRAME = 30 + MAX_ADU

# --- commands (§6.4) -------------------------------------------------------------------------
CMD_CONTROL, CMD_SEND, CMD_CONFIRM, CMD_REQUEST, CMD_RESPONSE, CMD_DENY = 1, 2, 3, 4, 5, 6
COMMANDS = {1: "control", 2: "send_data", 3: "confirm", 4: "request", 5: "response", 6: "deny"}


def command_class(c: int) -> str:
    if 1 <= c <= 6:
        return "defined"
    if c >= 128:
        return "user"
    return "reserved"


# --- ADU layouts (§7-8) ----------------------------------------------------------------------
# field kinds: u8, u16, i16, u32, time, desc (31 bytes), ltext (length byte + text)
T = "time"
LAYOUTS: dict[int, list[tuple[str, str]]] = {
    1: [("system_type", "u8"), ("system_address", "u8"), ("status", "u16"), ("time", T)],
    2: [("system_type", "u8"), ("system_address", "u8"), ("component_type", "u8"),
        ("component_address", "u32"), ("status", "u16"), ("text", "desc"), ("time", T)],
    3: [("system_type", "u8"), ("system_address", "u8"), ("component_type", "u8"),
        ("component_address", "u32"), ("analog_type", "u8"), ("value", "i16"), ("time", T)],
    4: [("system_type", "u8"), ("system_address", "u8"), ("flags", "u8"), ("operator_id", "u8"),
        ("time", T)],
    5: [("system_type", "u8"), ("system_address", "u8"), ("major", "u8"), ("minor", "u8")],
    6: [("system_type", "u8"), ("system_address", "u8"), ("text", "ltext")],
    7: [("system_type", "u8"), ("system_address", "u8"), ("component_type", "u8"),
        ("component_address", "u32"), ("text", "desc")],
    8: [("system_type", "u8"), ("system_address", "u8"), ("time", T)],
    21: [("status", "u8"), ("time", T)],
    24: [("flags", "u8"), ("operator_id", "u8"), ("time", T)],
    25: [("major", "u8"), ("minor", "u8")],
    26: [("text", "ltext")],
    28: [("time", T)],
    61: [("system_type", "u8"), ("system_address", "u8")],
    62: [("system_type", "u8"), ("system_address", "u8"), ("component_address", "u32")],
    63: [("system_type", "u8"), ("system_address", "u8"), ("component_address", "u32")],
    64: [("system_type", "u8"), ("system_address", "u8"), ("count", "u8"), ("start", T)],
    65: [("system_type", "u8"), ("system_address", "u8")],
    66: [("system_type", "u8"), ("system_address", "u8")],
    67: [("system_type", "u8"), ("system_address", "u8"), ("component_address", "u32")],
    68: [("system_type", "u8"), ("system_address", "u8")],
    81: [("reserved", "u8")],
    84: [("count", "u8"), ("start", T)],
    85: [("reserved", "u8")],
    86: [("reserved", "u8")],
    88: [("reserved", "u8")],
    89: [("reserved", "u8")],
    90: [("time", T)],
    91: [("timeout_minutes", "u8")],
}
MAX_N = {1: 102, 2: 22, 3: 63, 4: 102, 5: 1, 6: 3, 7: 26, 8: 1, 21: 1, 24: 127, 25: 1, 26: 1,
         28: 1, 61: 102, 62: 22, 63: 63, 64: 1, 65: 1, 66: 3, 67: 26, 68: 1, 81: 1, 84: 1, 85: 1,
         86: 1, 88: 1, 89: 1, 90: 1, 91: 1}
UPSTREAM = {1, 2, 3, 4, 5, 6, 7, 8, 21, 24, 25, 26, 28}
KIND_SIZE = {"u8": 1, "u16": 2, "i16": 2, "u32": 4, T: 6, "desc": 31}
DESC_SIZE = 31


def is_user_type(t: int) -> bool:
    return 128 <= t <= 254


def object_size(t: int) -> int | None:
    """Fixed wire size of one object; None for variable (6, 26)."""
    s = 0
    for _, k in LAYOUTS[t]:
        if k == "ltext":
            return None
        s += KIND_SIZE[k]
    return s


# --- code tables (Tables 4-6) ----------------------------------------------------------------
SYSTEM_TYPES = {0, 1} | set(range(10, 25))
COMPONENT_TYPES = ({0, 1, 10, 11, 12, 13, 16, 17, 18, 21, 22, 23, 24, 25} | set(range(30, 38))
                   | set(range(40, 45)) | set(range(50, 54)) | {61, 62, 69, 74, 78, 79}
                   | set(range(81, 89)) | {91, 92, 95, 96, 97, 98, 99} | set(range(101, 107))
                   | set(range(111, 112)) | set(range(113, 119)) | {121})
ANALOG = {1: ("event_count", "", 1), 2: ("height", "m", 0.01), 3: ("temperature", "°C", 0.1),
          4: ("pressure_mpa", "MPa", 0.1), 5: ("pressure_kpa", "kPa", 0.1),
          6: ("gas", "%LEL", 0.1), 7: ("time", "s", 1), 8: ("voltage", "V", 0.1),
          9: ("current", "A", 0.1), 10: ("flow", "L/s", 0.1), 11: ("air_volume", "m³/min", 0.1),
          12: ("wind_speed", "m/s", 1)}
SYSTEM_STATUS_BITS = 14  # bits 0..13 defined, 14-15 reserved
COMPONENT_STATUS_BITS = 9  # bits 0..8 defined, 9-15 reserved
UITD_STATUS_BITS = 7  # bits 0..6
OPERATION_BITS = 7  # bits 0..6


def code_class(code: int, table: set[int]) -> str:
    if code in table:
        return "defined"
    if code >= 128:
        return "user"
    return "reserved"


# --- errors ----------------------------------------------------------------------------------
class ModelError(Exception):
    def __init__(self, kind: str, msg: str = ""):
        super().__init__(f"{kind}: {msg}" if msg else kind)
        self.kind = kind


@dataclasses.dataclass
class Policy:
    """Readings of points the digest leaves open."""
    allow_zero_count: bool = True      # {type, 0} with nothing after it
    enforce_max_n_decode: bool = False  # refuse n above Table 7 on decode
    enforce_max_n_encode: bool = True   # refuse n above Table 7 on encode


DEFAULT = Policy()


# --- time tags -------------------------------------------------------------------------------
def time_valid(t) -> bool:
    s, mi, h, d, mo, y = t
    if not (s <= 59 and mi <= 59 and h <= 23 and 1 <= mo <= 12 and d >= 1):
        return False
    year = 2000 + y
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
    return d <= mdays


# --- checksum / frame ------------------------------------------------------------------------
def checksum(b: bytes) -> int:
    return sum(b) & 0xFF


def encode_frame(serial: int, version, time, source: int, destination: int, command: int,
                 adu: bytes = b"") -> bytes:
    if not (0 <= serial <= 0xFFFF):
        raise ModelError("range", "serial")
    if len(adu) > MAX_ADU:
        raise ModelError("adu_too_long")
    for a in (source, destination):
        if not (0 <= a < 1 << 48):
            raise ModelError("range", "address")
    body = (struct.pack("<H", serial) + bytes(version) + bytes(time)
            + source.to_bytes(6, "little") + destination.to_bytes(6, "little")
            + struct.pack("<H", len(adu)) + bytes([command]) + adu)
    return START + body + bytes([checksum(body)]) + END


def decode_frame(b: bytes) -> dict:
    """Exactly one frame.  Errors: bad_start, truncated, adu_too_long, bad_end, checksum, trailing."""
    if b[:2] != START[:len(b[:2])]:
        raise ModelError("bad_start")
    if len(b) < 2:
        raise ModelError("truncated")
    if len(b) < MIN_FRAME:
        raise ModelError("truncated")
    L = b[24] | b[25] << 8
    if L > MAX_ADU:
        raise ModelError("adu_too_long")
    n = 30 + L
    if len(b) < n:
        raise ModelError("truncated")
    if b[n - 2:n] != END:
        raise ModelError("bad_end")
    if checksum(b[2:27 + L]) != b[27 + L]:
        raise ModelError("checksum")
    if len(b) > n:
        raise ModelError("trailing")
    return {
        "serial": b[2] | b[3] << 8,
        "version": (b[4], b[5]),
        "time": tuple(b[6:12]),
        "source": int.from_bytes(b[12:18], "little"),
        "destination": int.from_bytes(b[18:24], "little"),
        "command": b[26],
        "adu": bytes(b[27:27 + L]),
    }


def should_deny(b: bytes) -> str | None:
    """§6.5.3 reasons a receiver drops a frame and answers deny (frame-level)."""
    try:
        f = decode_frame(b)
    except ModelError as e:
        return e.kind
    if command_class(f["command"]) == "reserved":
        return "unknown_command"
    return None


# --- stream cutting ---------------------------------------------------------------------------
def cut_stream(data: bytes, checksum_drops_whole: bool = False) -> list[tuple[int, bytes]]:
    """Valid frames in a byte stream, cut by their length field, never at '##'.

    checksum_drops_whole=False: scan on by one byte after anything that is not a frame (the most
    forgiving reading: no valid frame present in the stream is lost unless it overlaps an earlier
    valid frame).  True: a candidate whose start, length and end bytes are right but whose checksum
    is wrong is "a bad frame" (§6.5.3) and is dropped whole, frames inside it included."""
    out = []
    i = 0
    while i + 1 < len(data):
        if data[i] == 0x40 and data[i + 1] == 0x40 and i + 26 <= len(data):
            L = data[i + 24] | data[i + 25] << 8
            if L <= MAX_ADU and i + 30 + L <= len(data):
                cand = data[i:i + 30 + L]
                try:
                    decode_frame(cand)
                    out.append((i, cand))
                    i += 30 + L
                    continue
                except ModelError as e:
                    if e.kind == "checksum" and checksum_drops_whole:
                        i += 30 + L
                        continue
        i += 1
    return out


# --- ADU encoding -----------------------------------------------------------------------------
def _enc_field(kind: str, v) -> bytes:
    if kind == "u8":
        if not 0 <= v <= 0xFF:
            raise ModelError("range", f"u8 {v}")
        return bytes([v])
    if kind == "u16":
        if not 0 <= v <= 0xFFFF:
            raise ModelError("range", f"u16 {v}")
        return struct.pack("<H", v)
    if kind == "i16":
        if not -32768 <= v <= 32767:
            raise ModelError("range", f"i16 {v}")
        return struct.pack("<h", v)
    if kind == "u32":
        if not 0 <= v <= 0xFFFFFFFF:
            raise ModelError("range", f"u32 {v}")
        return struct.pack("<I", v)
    if kind == T:
        v = bytes(v)
        if len(v) != 6:
            raise ModelError("range", "time")
        return v
    if kind == "desc":
        v = bytes(v)
        if len(v) > DESC_SIZE:
            raise ModelError("text_too_long")
        return v + b"\0" * (DESC_SIZE - len(v))
    if kind == "ltext":
        v = bytes(v)
        if len(v) > 255:
            raise ModelError("text_too_long")
        return bytes([len(v)]) + v
    raise AssertionError(kind)


def encode_object(t: int, o: dict) -> bytes:
    return b"".join(_enc_field(k, o[name]) for name, k in LAYOUTS[t])


def encode_adu(t: int, objects, policy: Policy = DEFAULT, count: int | None = None) -> bytes:
    """objects: list of dicts, or for a user type the body bytes (count must then be given)."""
    if is_user_type(t):
        body = bytes(objects)
        n = count if count is not None else 1
        out = bytes([t, n]) + body
    else:
        if t not in LAYOUTS:
            raise ModelError("reserved_type", str(t))
        if len(objects) > 255:
            raise ModelError("too_many")
        if policy.enforce_max_n_encode and len(objects) > MAX_N[t]:
            raise ModelError("too_many")
        out = bytes([t, len(objects) if count is None else count]) + b"".join(
            encode_object(t, o) for o in objects)
    if len(out) > MAX_ADU:
        raise ModelError("adu_too_long")
    return out


def decode_adu(b: bytes, policy: Policy = DEFAULT):
    """Returns (type, objects) or (type, count, body) for a user type."""
    if len(b) < 2:
        raise ModelError("truncated", "ADU shorter than type+count")
    if len(b) > MAX_ADU:
        raise ModelError("adu_too_long")
    t, n = b[0], b[1]
    if is_user_type(t):
        return (t, n, bytes(b[2:]))
    if t not in LAYOUTS:
        raise ModelError("reserved_type", str(t))
    if n == 0 and not policy.allow_zero_count:
        raise ModelError("zero_count")
    if policy.enforce_max_n_decode and n > MAX_N[t]:
        raise ModelError("too_many")
    pos = 2
    objs = []
    for _ in range(n):
        o = {}
        for name, k in LAYOUTS[t]:
            if k == "ltext":
                if pos >= len(b):
                    raise ModelError("truncated")
                ln = b[pos]
                if pos + 1 + ln > len(b):
                    raise ModelError("truncated")
                o[name] = bytes(b[pos + 1:pos + 1 + ln])
                pos += 1 + ln
                continue
            sz = KIND_SIZE[k]
            if pos + sz > len(b):
                raise ModelError("truncated")
            raw = b[pos:pos + sz]
            pos += sz
            if k == "u8":
                o[name] = raw[0]
            elif k == "u16":
                o[name] = struct.unpack("<H", raw)[0]
            elif k == "i16":
                o[name] = struct.unpack("<h", raw)[0]
            elif k == "u32":
                o[name] = struct.unpack("<I", raw)[0]
            elif k == T:
                o[name] = tuple(raw)
            elif k == "desc":
                o[name] = bytes(raw)
        objs.append(o)
    if pos != len(b):
        raise ModelError("count_mismatch", f"{len(b) - pos} bytes after {n} objects")
    return (t, objs)


# --- text ------------------------------------------------------------------------------------
def strip_padding(raw: bytes) -> bytes:
    """Descriptions and texts are padded (at the end) with 0x00 or spaces."""
    return raw.rstrip(b"\x00 ")


def text_of(raw: bytes, errors: str = "strict") -> str:
    return strip_padding(raw).decode("gb18030", errors)


def description(s: str) -> bytes:
    b = s.encode("gb18030")
    if len(b) > DESC_SIZE:
        raise ModelError("text_too_long")
    return b + b"\0" * (DESC_SIZE - len(b))


# --- status words ----------------------------------------------------------------------------
SYSTEM_STATUS_NAMES = ["normal_operation", "fire_alarm", "fault", "disabled", "supervisory",
                       "started", "feedback", "delay", "main_power_fault", "backup_power_fault",
                       "bus_fault", "manual_mode", "config_changed", "reset"]
COMPONENT_STATUS_NAMES = SYSTEM_STATUS_NAMES[:8] + ["power_fault"]
UITD_STATUS_NAMES = ["normal_monitoring", "fire_alarm", "fault", "main_power_fault",
                     "backup_power_fault", "centre_link_fault", "monitored_line_fault"]
OPERATION_NAMES = ["reset", "silence", "manual_alarm", "alarm_cleared", "self_test",
                   "confirm_or_duty_answer", "test"]


def bits_set(value: int, names: list[str]) -> list[str]:
    return [n for i, n in enumerate(names) if value >> i & 1]


def is_fire(t: int, objs) -> bool:
    """Does this ADU report a fire alarm (status bit1 of types 1, 2, 21)?"""
    if t in (1, 2, 21):
        return any(o["status"] & 2 for o in objs)
    return False


def iter_fields(t: int) -> Iterable[tuple[str, str]]:
    return LAYOUTS[t]
