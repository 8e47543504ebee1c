"""Tests of firebus.gb26875: frames, ADUs, code tables, status words, deframer, batch, text.

Golden vectors are those of tests/unit/test_gb26875_frame.cpp and test_gb26875_adu.cpp.
"""

from __future__ import annotations

import copy
import datetime
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

import firebus
from firebus import gb26875 as gb
from firebus.gb26875 import text

# The vendor fire-alarm frame (shootingfans/codec_gb26875_3_2011), as in test_gb26875_frame.cpp.
VENDOR_FIRE_FRAME = bytes.fromhex(
    "40400000010118 0d11160a14 000000000000 060504030201 3000 02"
    "0201010300d90006000200a3c1c7f8a3b1b2e3dfc8b2b8d7dfc0c8"
    "0000000000000000000000000000003012130108 14 68 2323".replace(" ", "")
)
# "7楼02室会议室烟感" in GB 18030.
SMOKE_TEXT = bytes.fromhex("37c2a53032cad2bbe1d2e9cad2d1ccb8d0")
T4 = gb.TimeTag(2021, 7, 2, 9, 0, 4)
T5 = gb.TimeTag(2021, 7, 2, 9, 0, 5)

SOURCE_DIR = pathlib.Path(os.environ.get("FIREBUS_SOURCE_DIR", pathlib.Path(__file__).parents[3]))


def header(**kw: object) -> gb.Header:
    base = dict(serial=0x1234, command=gb.Command.send_data, source=0xA1B2C3D4,
                destination=0xFFEEDDCCBBAA, time=gb.TimeTag(2026, 11, 30, 10, 55, 21),
                version_major=1, version_minor=2)
    base.update(kw)
    return gb.Header(**base)  # type: ignore[arg-type]


# --- frames --------------------------------------------------------------------------------------


def test_vendor_frame_decodes_field_by_field() -> None:
    assert len(VENDOR_FIRE_FRAME) == 78
    f = gb.decode_frame(VENDOR_FIRE_FRAME)
    h = f.header
    assert (h.serial, h.version_major, h.version_minor) == (0, 1, 1)
    assert h.time == gb.TimeTag(2020, 10, 22, 17, 13, 24)
    assert h.time.to_datetime() == datetime.datetime(2020, 10, 22, 17, 13, 24)
    assert h.source == 0 and h.destination == 0x010203040506
    assert h.command is gb.Command.send_data and f.command == gb.Command.send_data
    assert f.serial == 0
    assert len(f.adu) == 48 and f.adu[0] == 2
    assert f.encode() == VENDOR_FIRE_FRAME
    assert gb.encode_frame(f.header, f.adu) == VENDOR_FIRE_FRAME
    assert "Frame(header=Header(serial=0" in repr(f)


def test_vendor_frame_adu_and_text() -> None:
    adu = gb.decode_frame(VENDOR_FIRE_FRAME).decode_adu()
    assert adu.type is gb.AduType.component_status and len(adu) == 1
    (c,) = adu
    assert isinstance(c, gb.ComponentStatusRecord)
    assert (c.system_type, c.system_address, c.component_type) == (1, 3, 0)
    assert c.component_address == 0x0600D9
    assert c.status == 2
    assert len(c.text) == 31
    assert c.decode_text() == "Ａ区１层呷哺走廊"
    assert c.time == gb.TimeTag(2020, 8, 1, 19, 18, 48)
    assert gb.encode_adu(adu) == gb.decode_frame(VENDOR_FIRE_FRAME).adu


def test_checksum_and_sizes() -> None:
    assert gb.checksum(VENDOR_FIRE_FRAME[2:75]) == 0x68
    assert gb.checksum(b"") == 0
    assert gb.checksum(b"\xff" * 300) == 0xD4
    assert gb.frame_size(48) == 78
    assert gb.check_frame_head(VENDOR_FIRE_FRAME[:27]) == 78
    assert (gb.HEADER_SIZE, gb.TRAILER_SIZE, gb.MIN_FRAME_SIZE) == (27, 3, 30)
    assert (gb.MAX_ADU_SIZE, gb.MAX_FRAME_SIZE, gb.LENGTH_OFFSET) == (1024, 1054, 24)
    assert gb.MAX_ADDRESS == 2**48 - 1


def test_wrong_checksum_raises_with_the_cpp_message() -> None:
    bad = bytearray(VENDOR_FIRE_FRAME)
    bad[75] = 0x63
    with pytest.raises(firebus.GB26875Error) as e:
        gb.decode_frame(bytes(bad))
    assert str(e.value) == (
        "gb26875 frame: checksum 0x68 expected, 0x63 found at offset 75: checksum mismatch")
    assert e.value.code == gb.Errc.checksum_mismatch
    assert e.value.category == "firebus.gb26875"
    assert (e.value.offset, e.value.expected, e.value.found) == (75, 0x68, 0x63)
    assert isinstance(e.value, firebus.Error)
    code, diag = gb.diagnose_frame(bytes(bad))  # type: ignore[misc]
    assert code is gb.Errc.checksum_mismatch
    assert (diag.offset, diag.expected, diag.found) == (75, 0x68, 0x63)
    assert gb.describe(code, diag) == "checksum 0x68 expected, 0x63 found at offset 75"
    assert gb.diagnose_frame(VENDOR_FIRE_FRAME) is None
    assert "FrameDiagnostic(offset=75" in repr(diag)
    assert gb.describe(gb.Errc.garbage, gb.FrameDiagnostic()) == gb.errc_message(gb.Errc.garbage)


@pytest.mark.parametrize(
    "mutate, errc, message",
    [
        (lambda b: b.__setitem__(1, 0x41), gb.Errc.bad_start, "start 0x4040 expected, 0x4041"),
        (lambda b: b.__setitem__(slice(76, 78), b"55"), gb.Errc.bad_end,
         "end 0x2323 expected, 0x3535 found at offset 76"),
        (lambda b: b.__setitem__(slice(24, 26), b"\x01\x04"), gb.Errc.adu_too_long,
         "ADU length at most 1024 expected, 1025 found"),
        (lambda b: b.__delitem__(slice(70, 78)), gb.Errc.truncated, "78 bytes expected, 70 found"),
        (lambda b: b.extend(b"\x00"), gb.Errc.trailing_bytes, "frame of 78 bytes expected, 79"),
    ],
)
def test_structural_errors(mutate, errc, message) -> None:  # type: ignore[no-untyped-def]
    b = bytearray(VENDOR_FIRE_FRAME)
    mutate(b)
    with pytest.raises(firebus.GB26875Error, match=message) as e:
        gb.decode_frame(bytes(b))
    assert e.value.code == errc
    if errc in (gb.Errc.bad_start, gb.Errc.adu_too_long, gb.Errc.truncated):
        if len(b) >= 2 and errc != gb.Errc.truncated:
            with pytest.raises(firebus.GB26875Error):
                gb.check_frame_head(bytes(b))


def test_check_frame_head_truncated() -> None:
    with pytest.raises(firebus.GB26875Error) as e:
        gb.check_frame_head(b"@@\x00")
    assert e.value.code == gb.Errc.truncated


def test_encode_frame_round_trip_and_errors() -> None:
    h = header()
    adu = bytes([0x23, 0x23, 0x40, 0x40, 0x23, 0x23, 0x23])
    f = gb.encode_frame(h, adu)
    assert len(f) == 37
    back = gb.decode_frame(f)
    assert back.header == h and back.adu == adu
    assert back == gb.Frame(h, adu)
    assert gb.decode_frame(gb.encode_frame(h)).adu == b""
    with pytest.raises(firebus.GB26875Error, match="adu_too_long|ADU length over 1024") as e:
        gb.encode_frame(h, b"\x00" * 1025)
    assert e.value.code == gb.Errc.adu_too_long
    with pytest.raises(firebus.GB26875Error) as e:
        gb.encode_frame(header(source=2**48), b"")
    assert e.value.code == gb.Errc.out_of_range


def test_header_fields_reply_and_user_commands() -> None:
    h = header()
    r = h.reply(gb.Command.confirm)
    assert (r.serial, r.source, r.destination) == (h.serial, h.destination, h.source)
    assert r.command is gb.Command.confirm
    h.command = 200  # user-defined: a plain int
    assert h.command == 200 and not isinstance(h.command, gb.Command)
    assert gb.decode_frame(gb.encode_frame(h)).header.command == 200
    h.time.second = 59  # the time tag is an attribute of the header, not a copy
    assert h.time.second == 59
    h2 = copy.copy(h)
    assert h2 == h and h2 is not h
    assert copy.deepcopy(h) == h
    assert "Header(serial=4660, command=200" in repr(h)
    assert repr(gb.Header()).startswith("Header(serial=0, command=<Command.send_data: 2>")
    with pytest.raises(TypeError):
        h.command = 256  # type: ignore[assignment]
    f = gb.Frame()
    f.header = h
    f.adu = b"\x15\x00"
    assert f.header.serial == h.serial and f.adu == b"\x15\x00"


def test_command_helpers() -> None:
    assert gb.is_defined_command(2) and not gb.is_defined_command(7)
    assert gb.is_user_defined_command(128) and not gb.is_user_defined_command(127)
    assert gb.is_reserved_command(0) and gb.is_reserved_command(127)
    assert not gb.is_reserved_command(3)
    assert gb.command_name(2) == "send_data"
    assert gb.command_name(2, lang="zh") == "发送数据"
    assert gb.command_name(9) == ""
    assert gb.name(gb.Command.deny, "zh") == "否认"


# --- time tags -----------------------------------------------------------------------------------


def test_time_tag() -> None:
    t = gb.TimeTag(2026, 11, 30, 10, 55, 21)
    assert str(t) == "2026-11-30 10:55:21"
    assert repr(t) == "TimeTag(year=2026, month=11, day=30, hour=10, minute=55, second=21)"
    assert t.valid() and t.to_bytes() == bytes([21, 55, 10, 30, 11, 26])
    aware = t.to_datetime(480)
    assert aware.utcoffset() == datetime.timedelta(hours=8)
    assert aware.astimezone(datetime.timezone.utc).hour == 2
    assert gb.TimeTag.from_datetime(datetime.datetime(2026, 11, 30, 10, 55, 21)) == t
    utc = datetime.datetime(2026, 11, 30, 2, 55, 21, tzinfo=datetime.timezone.utc)
    assert gb.TimeTag.from_datetime(utc, utc_offset_minutes=480) == t
    t.year = 2030
    assert t.year == 2030 and t.to_bytes()[5] == 30
    bad = gb.TimeTag(2021, 2, 30)
    assert not bad.valid()
    with pytest.raises(firebus.GB26875Error) as e:
        bad.to_datetime()
    assert e.value.code == gb.Errc.invalid_time
    with pytest.raises(firebus.GB26875Error):
        gb.TimeTag.from_datetime(datetime.datetime(1999, 1, 1))
    with pytest.raises(firebus.GB26875Error):
        gb.TimeTag(1999)
    with pytest.raises(firebus.GB26875Error):
        gb.TimeTag(2000, 300)
    with pytest.raises(firebus.GB26875Error):
        t.year = 2256
    assert copy.deepcopy(t) == t


# --- ADUs ----------------------------------------------------------------------------------------


def every_object() -> list[object]:
    """One object of every defined ADU type, with non-default fields."""
    return [
        gb.SystemStatusRecord(1, 2, 0x0204, T4),
        gb.ComponentStatusRecord(1, 2, 0x79, 0x04030201, 0x0204, SMOKE_TEXT, T4),
        gb.ComponentAnalog(1, 2, 0x28, 0x04030201, 3, -105, T4),
        gb.SystemOperation(1, 2, 0x84, 0xFA, T4),
        gb.SystemSoftwareVersion(13, 3, 1, 1),
        gb.SystemConfig(1, 2, "7楼02室会议室烟感"),
        gb.ComponentConfig(1, 2, 42, 0x00010007, "Ａ区１层呷哺走廊"),
        gb.SystemTime(1, 2, T4),
        gb.UitdStatusRecord(0x08, T4),
        gb.UitdOperation(0x31, 0xFA, T4),
        gb.UitdSoftwareVersion(2, 7),
        gb.UitdConfig(b"ab@@c"),
        gb.UitdTime(T5),
        gb.ReadSystemStatus(1, 2),
        gb.ReadComponentStatus(1, 2, 0x01020304),
        gb.ReadComponentAnalog(1, 2, 0x01020304),
        gb.ReadSystemOperations(1, 2, 10, T4),
        gb.ReadSystemSoftwareVersion(1, 2),
        gb.ReadSystemConfig(1, 2),
        gb.ReadComponentConfig(1, 2, 7),
        gb.ReadSystemTime(1, 2),
        gb.ReadUitdStatus(0),
        gb.ReadUitdOperations(5, T4),
        gb.ReadUitdSoftwareVersion(),
        gb.ReadUitdConfig(),
        gb.ReadUitdTime(),
        gb.InitUitd(),
        gb.SyncUitdTime(T5),
        gb.DutyCheck(10),
    ]


def test_every_adu_type_round_trips() -> None:
    objects = every_object()
    codes = sorted(int(o.TYPE) for o in objects)  # type: ignore[attr-defined]
    assert codes == [1, 2, 3, 4, 5, 6, 7, 8, 21, 24, 25, 26, 28, 61, 62, 63, 64, 65, 66, 67, 68,
                     81, 84, 85, 86, 88, 89, 90, 91]
    assert sorted(int(t) for t in gb.OBJECT_CLASSES) == codes
    for o in objects:
        t = o.TYPE  # type: ignore[attr-defined]
        assert gb.OBJECT_CLASSES[t] is type(o)
        assert gb.adu_type_of(o) is t
        adu = gb.Adu(t, [o])
        data = gb.encode_adu(adu)
        assert data[0] == t and data[1] == 1
        if gb.object_size(t):
            assert len(data) == 2 + gb.object_size(t)
        back = gb.decode_adu(data)
        assert back == adu, (o, back)
        assert back.objects[0] == o
        assert repr(back.objects[0]) == repr(o)
        assert adu.encode() == data
        # Inside a frame.
        frame = gb.encode_frame(header(), data)
        assert gb.decode_frame(frame).decode_adu() == adu
        assert copy.copy(o) == o and copy.deepcopy(o) == o


def test_object_fields_defaults_and_mutation() -> None:
    c = gb.ComponentStatusRecord()
    assert (c.system_type, c.component_address, c.status) == (0, 0, 0)
    assert c.text == bytes(31) and c.time == gb.TimeTag()
    c.component_address = 0xFFFFFFFF
    c.time.day = 5  # in place
    assert c.time.day == 5
    c.text = "烟感"
    assert c.text[:4] == bytes.fromhex("d1ccb8d0") and c.decode_text() == "烟感"
    c.text = b"abc"
    assert c.text == b"abc" + bytes(28) and c.decode_text() == "abc"
    with pytest.raises(TypeError):
        c.component_address = 2**32  # type: ignore[assignment]
    with pytest.raises(firebus.GB26875Error) as e:
        c.text = b"x" * 32
    assert e.value.code == gb.Errc.text_too_long
    with pytest.raises(firebus.TextError):
        c.text = "烟" * 16  # 32 bytes of GB 18030
    assert repr(gb.ReadUitdStatus()) == "ReadUitdStatus(reserved=0)"
    assert gb.ComponentAnalog(value=-5).value == -5
    assert gb.SystemStatusRecord(1) != gb.SystemStatusRecord(2)
    assert gb.SystemStatusRecord() != gb.ReadSystemStatus()
    with pytest.raises(TypeError):
        hash(gb.SystemStatusRecord())


def test_text_fields() -> None:
    cfg = gb.SystemConfig(1, 2, b"\xff\xfe")
    with pytest.raises(firebus.TextError):
        cfg.decode_text()
    assert cfg.decode_text(text.TextPolicy.replace).count("\ufffd") >= 1
    with pytest.raises(firebus.GB26875Error) as e:
        gb.UitdConfig(b"x" * 256)
    assert e.value.code == gb.Errc.text_too_long
    with pytest.raises(firebus.TextError):
        gb.UitdConfig("烟" * 128)
    assert gb.UitdConfig("x" * 255).text == b"x" * 255
    assert gb.make_description("烟感") == bytes.fromhex("d1ccb8d0") + bytes(27)
    assert gb.make_description(b"ab") == b"ab" + bytes(29)
    assert gb.trimmed(b"ab  " + bytes(27)) == b"ab"


def test_vendor_adu_vectors() -> None:
    adu = bytes([0x01, 0x02, 0x01, 0x02, 0x04, 0x02, 0x04, 0x00, 0x09, 0x02, 0x07,
                 0x15, 0x0D, 0x03, 0x05, 0x01, 0x05, 0x00, 0x09, 0x02, 0x07, 0x15])
    a = gb.decode_adu(adu)
    assert a.type is gb.AduType.system_status
    assert a.objects == [gb.SystemStatusRecord(1, 2, 0x0204, T4),
                         gb.SystemStatusRecord(13, 3, 0x0105, T5)]
    assert gb.encode_adu(a) == adu

    comp = (bytes([0x02, 0x01, 0x01, 0x02, 0x79, 0x01, 0x02, 0x03, 0x04, 0x04, 0x02]) + SMOKE_TEXT
            + bytes(14) + bytes([0x04, 0x00, 0x09, 0x02, 0x07, 0x15]))
    (c,) = gb.decode_adu(comp)
    assert c.component_address == 0x04030201 and c.decode_text() == "7楼02室会议室烟感"
    assert gb.trimmed(c.text) == SMOKE_TEXT

    analog = bytes([0x03, 0x02, 0x01, 0x02, 0x28, 0x01, 0x02, 0x03, 0x04, 0x03, 0x20, 0x03,
                    0x04, 0x00, 0x09, 0x02, 0x07, 0x15, 0x0D, 0x03, 0x79, 0x03, 0x04, 0x05,
                    0x06, 0x02, 0x01, 0x50, 0x05, 0x00, 0x09, 0x02, 0x07, 0x15])
    v0, v1 = gb.decode_adu(analog)
    assert (v0.analog_type, v0.value) == (3, 0x0320)
    assert gb.analog_value(v0.analog_type, v0.value) == 80.0
    assert (v1.analog_type, v1.value, v1.component_address) == (2, 0x5001, 0x06050403)

    # Two version objects where the standard allows one: decoded, refused on a standard encode.
    ver = bytes([0x05, 0x02, 0x01, 0x02, 0x03, 0x04, 0x0D, 0x03, 0x01, 0x01])
    v = gb.decode_adu(ver)
    assert v.objects[1] == gb.SystemSoftwareVersion(13, 3, 1, 1)
    with pytest.raises(firebus.GB26875Error) as e:
        gb.encode_adu(v)
    assert e.value.code == gb.Errc.too_many_objects
    assert gb.encode_adu(v, gb.AduLimits.size_only) == ver
    assert v.encode(limits=gb.AduLimits.size_only) == ver


def test_variable_length_configs() -> None:
    padded = SMOKE_TEXT + bytes(13)
    adu = (bytes([0x06, 0x03, 0x01, 0x02, 30]) + padded + bytes([0x0D, 0x03, 0])
           + bytes([0x11, 0x04, 5]) + b"ab@@c")
    a = gb.decode_adu(adu)
    assert [o.text for o in a] == [padded, b"", b"ab@@c"]
    # The text without its padding (as the CLI and the centre show it); .text keeps every byte.
    assert a.objects[0].decode_text() == "7楼02室会议室烟感"
    assert a.objects[2].decode_text() == "ab@@c"
    (s,) = gb.decode_adu(bytes([0x06, 0x01, 0x01, 0x02, 6]) + b"ab c \x00")
    assert s.text == b"ab c \x00" and s.decode_text() == "ab c"
    assert gb.encode_adu(a) == adu
    (u,) = gb.decode_adu(bytes([0x1A, 0x01, 17]) + SMOKE_TEXT)
    assert u.decode_text() == "7楼02室会议室烟感"


def test_adu_errors() -> None:
    with pytest.raises(firebus.GB26875Error, match="gb26875 ADU of 14 bytes, type 1") as e:
        gb.decode_adu(bytes([1, 2, 1, 2, 4, 2, 4, 0, 9, 2, 7, 21, 13, 3]))
    assert e.value.code == gb.Errc.truncated
    assert gb.decode_adu(bytes([1, 0])).objects == []
    for data in (b"", b"\x01"):
        with pytest.raises(firebus.GB26875Error) as e:
            gb.decode_adu(data)
        assert e.value.code == gb.Errc.truncated
    for code in (0, 9, 20, 22, 27, 29, 60, 69, 80, 82, 87, 92, 127, 255):
        with pytest.raises(firebus.GB26875Error) as e:
            gb.decode_adu(bytes([code, 0]))
        assert e.value.code == gb.Errc.reserved_adu_type
    with pytest.raises(firebus.GB26875Error) as e:
        gb.decode_adu(bytes([21, 1]) + bytes(7) + b"\x00")
    assert e.value.code == gb.Errc.adu_count_mismatch
    with pytest.raises(firebus.GB26875Error) as e:
        gb.decode_adu(bytes(1025))
    assert e.value.code == gb.Errc.adu_too_long
    # Encoding.
    with pytest.raises(firebus.GB26875Error) as e:
        gb.encode_adu(gb.Adu(9, []))
    assert e.value.code == gb.Errc.reserved_adu_type
    with pytest.raises(firebus.GB26875Error) as e:
        gb.encode_adu(gb.Adu(gb.AduType.system_status, [gb.UitdTime()]))
    assert e.value.code == gb.Errc.object_type_mismatch
    with pytest.raises(firebus.GB26875Error) as e:
        gb.encode_adu(gb.Adu(gb.AduType.component_status, [gb.ComponentStatusRecord()] * 23))
    assert e.value.code == gb.Errc.too_many_objects
    with pytest.raises(firebus.GB26875Error) as e:  # 4 configs of 255 bytes: over 1024
        gb.encode_adu(gb.Adu(6, [gb.SystemConfig(text=b"x" * 255)] * 4), gb.AduLimits.size_only)
    assert e.value.code == gb.Errc.adu_too_long
    with pytest.raises(TypeError, match="ADU object"):
        gb.encode_adu(gb.Adu(1, [42]))
    with pytest.raises(TypeError):
        gb.adu_type_of(42)  # type: ignore[arg-type]
    # Decoding is lenient about counts that still fit.
    lenient = bytes([68, 3, 1, 1, 1, 2, 1, 3])
    assert len(gb.decode_adu(lenient)) == 3
    assert gb.encode_adu(gb.decode_adu(lenient), gb.AduLimits.size_only) == lenient
    with pytest.raises(firebus.GB26875Error):
        gb.decode_frame(gb.encode_frame(header())).decode_adu()


def test_adu_container() -> None:
    a = gb.Adu(gb.AduType.duty_check)
    assert a.objects == [] and len(a) == 0
    a.objects.append(gb.DutyCheck(3))
    assert len(a) == 1 and list(a) == [gb.DutyCheck(3)]
    assert gb.Adu(gb.AduType.duty_check).objects == []  # the default list is not shared
    given = [gb.DutyCheck(1)]
    b = gb.Adu(gb.AduType.duty_check, given)
    given.append(gb.DutyCheck(2))
    assert len(b) == 1  # the list is copied
    a.type = 200
    assert a.type == 200 and not isinstance(a.type, gb.AduType)
    a.objects = [gb.UserBlob(200, 2, b"\xaa")]
    assert repr(a) == "Adu(type=200, objects=[UserBlob(type=200, count=2, body=b'\\xaa')])"
    assert a == gb.Adu(200, [gb.UserBlob(200, 2, b"\xaa")])
    assert a != gb.Adu(201, [gb.UserBlob(200, 2, b"\xaa")])


def test_user_defined_types() -> None:
    user = bytes([200, 2, 0xAA, 0xBB, 0xCC])
    a = gb.decode_adu(user)
    assert a.type == 200
    (blob,) = a
    assert blob == gb.UserBlob(200, 2, b"\xaa\xbb\xcc")
    assert gb.adu_type_of(blob) == 200
    assert gb.encode_adu(a) == user
    reg = gb.UserTypes()
    reg.add_fixed(128, "pair", 4)
    assert reg.find(128) == ("pair", 4) and reg.find(129) is None
    fixed = bytes([128, 2, 1, 2, 3, 4, 5, 6, 7, 8])
    a = gb.decode_adu(fixed, reg)
    assert a.objects == [gb.UserObject(128, b"\x01\x02\x03\x04"),
                         gb.UserObject(128, bytes([5, 6, 7, 8]))]
    assert gb.encode_adu(a) == fixed
    assert gb.decode_frame(gb.encode_frame(header(), fixed)).decode_adu(reg) == a
    with pytest.raises(firebus.GB26875Error) as e:
        gb.decode_adu(bytes([128, 1, 1, 2, 3, 4, 5]), reg)
    assert e.value.code == gb.Errc.adu_count_mismatch
    for bad in ((127, "x", 1), (255, "x", 1), (130, "x", 0)):
        with pytest.raises(firebus.GB26875Error) as e:
            reg.add_fixed(*bad)
        assert e.value.code == gb.Errc.out_of_range
    with pytest.raises(firebus.GB26875Error) as e:  # a blob must be alone
        gb.encode_adu(gb.Adu(200, [gb.UserBlob(200), gb.UserBlob(200)]))
    assert e.value.code == gb.Errc.too_many_objects


def test_user_types_variable_size() -> None:
    reg = gb.UserTypes()
    seen: list[bytes] = []

    def tlv(rest: bytes) -> int:  # type 129: a length byte, then that many bytes
        seen.append(rest)
        return 1 + rest[0]

    reg.add_variable(129, "tlv", tlv)
    reg.add_fixed(128, "pair", 4)
    assert reg.find(129) == ("tlv", 0)  # 0: sized by the callable
    assert reg.find(128) == ("pair", 4) and reg.find(130) is None
    assert reg.size_function(129) is tlv
    assert reg.size_function(128) is None and reg.size_function(130) is None
    data = bytes([129, 3, 2, 9, 9, 0, 1, 7])
    a = gb.decode_adu(data, reg)
    assert a.type == 129
    assert a.objects == [gb.UserObject(129, b"\x02\x09\x09"), gb.UserObject(129, b"\x00"),
                         gb.UserObject(129, b"\x01\x07")]
    assert all(isinstance(o, gb.UserObject) for o in a)
    assert seen[:3] == [data[2:], data[5:], data[6:]]  # the rest of the ADU, each time
    assert all(type(r) is bytes for r in seen)
    assert gb.encode_adu(a) == data
    frame = gb.decode_frame(gb.encode_frame(header(), data))
    assert frame.decode_adu(reg) == a and frame.decode_adu(user_types=reg) == a
    assert gb.decode_adu(data) == gb.Adu(129, [gb.UserBlob(129, 3, data[2:])])  # unregistered
    assert gb.decode_adu(data, None) == gb.decode_adu(data)
    with pytest.raises(firebus.GB26875Error) as e:  # one object more than the count says
        gb.decode_adu(bytes([129, 2, 2, 9, 9, 0, 1, 7]), reg)
    assert e.value.code == gb.Errc.adu_count_mismatch
    with pytest.raises(firebus.GB26875Error) as e:  # the last object is cut short
        gb.decode_adu(bytes([129, 2, 0, 5, 1]), reg)
    assert e.value.code == gb.Errc.truncated
    assert isinstance(e.value.__cause__, ValueError)
    assert "returned 6 with 2 bytes left (1..2 expected)" in str(e.value.__cause__)
    assert "type 129 'tlv'" in str(e.value.__cause__)
    assert "gb26875 ADU of 5 bytes, type 129" in str(e.value)
    # A numpy integer (any __index__) is an int; a callable may be replaced.
    np = pytest.importorskip("numpy")
    reg.add_variable(129, "tlv2", lambda rest: np.uint8(1 + rest[0]))
    assert reg.find(129) == ("tlv2", 0) and gb.decode_adu(data, reg) == a
    for bad_type in (127, 255, 0):
        with pytest.raises(firebus.GB26875Error) as e:
            reg.add_variable(bad_type, "x", tlv)
        assert e.value.code == gb.Errc.out_of_range
    with pytest.raises(TypeError):
        reg.add_variable(130, "x", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        gb.decode_adu(data, "registry")  # type: ignore[arg-type]


def test_user_types_variable_size_registry_lives_on() -> None:
    # The registry keeps its callables (and their closures) alive; a decoded Adu owns its bytes.
    def make() -> gb.UserTypes:
        state = {"header": 1}
        reg = gb.UserTypes()
        reg.add_variable(200, "hdr", lambda rest: state["header"] + 1 + rest[state["header"]])
        return reg

    reg = make()
    import gc

    gc.collect()
    data = bytes([200, 2, 0xEE, 1, 0x55, 0xEE, 0])
    a = gb.decode_adu(data, reg)
    del reg
    gc.collect()
    assert a.objects == [gb.UserObject(200, b"\xee\x01\x55"), gb.UserObject(200, b"\xee\x00")]


def test_user_types_reference_cycles_are_collected() -> None:
    import gc
    import weakref

    class Holder:
        def __init__(self) -> None:
            self.users = gb.UserTypes()
            self.users.add_variable(129, "tlv", self.size)  # Holder -> UserTypes -> Holder

        def size(self, rest: bytes) -> int:
            return 1 + rest[0]

    h = Holder()
    assert len(gb.decode_adu(bytes([129, 1, 0]), h.users)) == 1
    alive = weakref.ref(h)
    del h
    gc.collect()
    assert alive() is None


def _raise_runtime(rest: bytes) -> int:
    raise RuntimeError("boom in size")


def _raise_gb(rest: bytes) -> int:
    raise firebus.error_for("firebus.gb26875", int(gb.Errc.truncated), "not one of ours")


@pytest.mark.parametrize(
    "size, cause",
    [
        (_raise_runtime, RuntimeError),
        (_raise_gb, firebus.GB26875Error),
        (lambda rest: "3", TypeError),
        (lambda rest: None, TypeError),
        (lambda rest: 1.0, TypeError),
        (lambda rest: True, TypeError),
        (lambda rest: 0, ValueError),
        (lambda rest: -1, ValueError),
        (lambda rest: 99, ValueError),
        (lambda rest: 2**70, ValueError),
        (lambda: 1, TypeError),  # wrong arity: raises TypeError when called
    ],
)
def test_user_types_bad_size_callable(size: object, cause: type) -> None:
    reg = gb.UserTypes()
    reg.add_variable(150, "bad", size)  # type: ignore[arg-type]
    data = bytes([150, 2, 1, 2, 3])
    seen: list[object] = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_value)
    try:
        for decode in (lambda: gb.decode_adu(data, reg),
                       lambda: gb.decode_frame(gb.encode_frame(header(), data)).decode_adu(reg)):
            with pytest.raises(firebus.GB26875Error) as e:
                decode()
            assert e.value.code == gb.Errc.truncated
            assert "gb26875 ADU of 5 bytes, type 150" in str(e.value)
            assert isinstance(e.value.__cause__, cause)
    finally:
        sys.unraisablehook = old
    assert seen == []  # given to the caller as __cause__, not reported besides
    assert gb.decode_adu(data) == gb.Adu(150, [gb.UserBlob(150, 2, data[2:])])


def test_user_types_inconsistent_size_callable() -> None:
    # Answers that change between the walk that checks the ADU and the one that collects it.
    for answers in ([1, 1, 2, 2], [1, 1, 0, 0], [1, 1, 1, 99], [2]):
        it = iter(answers)
        reg = gb.UserTypes()
        reg.add_variable(151, "fickle", lambda rest, it=it: next(it, 1))
        with pytest.raises(firebus.GB26875Error) as e:
            gb.decode_adu(bytes([151, 2, 1, 2]), reg)
        assert e.value.code in (gb.Errc.truncated, gb.Errc.adu_count_mismatch)


def test_user_types_size_callable_from_threads() -> None:
    reg = gb.UserTypes()
    reg.add_variable(129, "tlv", lambda rest: 1 + rest[0])
    data = bytes([129, 100]) + bytes([0]) * 100
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                assert len(gb.decode_adu(data, reg)) == 100
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_adu_type_helpers() -> None:
    assert gb.is_defined_adu_type(91) and not gb.is_defined_adu_type(92)
    assert gb.is_user_defined_adu_type(254) and not gb.is_user_defined_adu_type(255)
    assert gb.is_upstream(28) and not gb.is_upstream(61)
    assert gb.max_objects(2) == 22 and gb.max_objects(200) == 255 and gb.max_objects(9) == 0
    assert gb.object_size(2) == 46 and gb.object_size(6) == 0 and gb.object_size(1) == 10
    assert gb.adu_type_name(2) == "component_status"
    assert gb.adu_type_name(2, "zh") == "上传建筑消防设施部件运行状态"
    assert gb.adu_type_name(200) == "user_defined" and gb.adu_type_name(9, "zh") == "预留"
    assert gb.name(gb.AduType.duty_check, lang="zh") == "查岗命令"


# --- code tables ---------------------------------------------------------------------------------


def test_enums() -> None:
    import enum

    assert issubclass(gb.Command, enum.IntEnum) and issubclass(gb.SystemStatus, enum.IntFlag)
    assert gb.SystemType.hydrant == 11 and gb.ComponentType.manual_call_point == 23
    assert gb.AnalogType.temperature == 3
    assert gb.SystemStatus.fire_alarm | gb.SystemStatus.fault == 6
    assert gb.ComponentStatus.power_fault == 0x100
    assert gb.UitdStatus.centre_link_fault == 0x20
    assert gb.OperationFlag.confirm == gb.OperationFlag.duty_check_answer == 0x20
    assert gb.Bit0Policy.zero_means_normal == 1
    assert gb.Errc.unexpected_answer == 20
    assert gb.StatusKind.uitd_operation == 4 and gb.NameLanguage.chinese == 1
    assert gb.AduLimits.size_only == 1
    assert gb.Command.__module__ == "firebus.gb26875"
    assert gb.errc_message(gb.Errc.checksum_mismatch) == "checksum mismatch"


def test_code_tables_and_names() -> None:
    systems = gb.system_type_table()
    assert len(systems) == len(gb.SystemType)
    assert [r.code for r in systems] == sorted(r.code for r in systems)
    for r in systems:
        assert gb.SystemType(r.code).name == r.english
        assert gb.system_type_name(r.code) == r.english
        assert gb.system_type_name(r.code, "zh") == r.chinese
    comps = gb.component_type_table()
    assert len(comps) == len(gb.ComponentType)
    for r in comps:
        assert gb.ComponentType(r.code).name == r.english
    assert gb.component_type_name(42, lang="zh") == "点型光电感烟火灾探测器"
    assert gb.component_type_name(200) == "user_defined"
    assert gb.component_type_name(14) == "reserved"
    assert gb.name(gb.ComponentType.manual_call_point, "zh") == "手动火灾报警按钮"
    assert gb.name(gb.SystemType.hydrant) == "hydrant"
    assert gb.name(gb.AnalogType.temperature, "chinese") == "温度"
    with pytest.raises(TypeError):
        gb.name(11)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        gb.system_type_name(1, lang="fr")
    assert gb.find_system_type(11).chinese == "消火栓系统"  # type: ignore[union-attr]
    assert gb.find_system_type(2) is None and gb.find_component_type(200) is None
    assert gb.find_component_type(23).english == "manual_call_point"  # type: ignore[union-attr]
    assert gb.find_analog_type(12).english == "wind_speed"  # type: ignore[union-attr]
    assert gb.find_analog_type(13) is None
    assert "CodeName(code=11, english='hydrant'" in repr(gb.find_system_type(11))
    names = [r.english for r in gb.analog_type_table()]
    assert names[:3] == ["event_count", "height", "temperature"]
    assert gb.analog_type_name(3) == "temperature"


def test_analog_values() -> None:
    info = gb.analog_info(gb.AnalogType.temperature)
    assert info is not None and info.unit == "°C" and info.resolution == 0.1
    assert info.type is gb.AnalogType.temperature and info.chinese == "温度"
    assert "AnalogInfo(type=3, english='temperature'" in repr(info)
    assert gb.analog_info(0) is None and len(gb.analog_info_table()) == 12
    assert gb.analog_value(3, -105) == -10.5 and gb.analog_value(3, 3) == 0.3
    assert gb.analog_value(200, 7) == 7.0
    assert gb.analog_resolution(2) == 0.01 and gb.analog_resolution(200) == 1.0
    assert gb.analog_unit(7) == "s" and gb.analog_unit(1) == ""
    assert gb.analog_raw(3, 25.34) == 253 and gb.analog_raw(3, -0.25) == -3
    with pytest.raises(firebus.GB26875Error, match=r"value within -3276.8 .. 3276.7 °C expected"):
        gb.analog_raw(3, 4000.0)
    with pytest.raises(firebus.GB26875Error):
        gb.analog_raw(3, float("nan"))


def test_status_words() -> None:
    s = gb.decode_system_status(0x0006)
    assert s.test_mode and s.fire_alarm and s.fault and not s.disabled
    assert repr(s) == "StatusFlags(test_mode=True, fire_alarm=True, fault=True)"
    z = gb.decode_system_status(0x0006, gb.Bit0Policy.zero_means_normal)
    assert not z.test_mode and z.fire_alarm
    assert gb.encode_system_status(s) == 0x0006
    assert gb.encode_system_status(z, gb.Bit0Policy.zero_means_normal) == 0x0006
    for w in (0, 1, 0x3FFF, 0xC001, 0xFFFF):
        assert gb.encode_system_status(gb.decode_system_status(w)) == w
        assert gb.encode_component_status(gb.decode_component_status(w)) == w
    c = gb.decode_component_status(0x0103)
    assert c.power_fault and c.fire_alarm and not c.test_mode and not c.main_power_fault
    c2 = gb.decode_component_status(0xFE01)
    assert c2.reserved_bits == 0xFE00
    u = gb.decode_uitd_status(0x21)
    assert u.centre_link_fault and not u.test_mode
    assert gb.encode_uitd_status(u) == 0x21
    assert gb.encode_uitd_status(gb.decode_uitd_status(0x80)) == 0x80
    o = gb.decode_operations(0x31)
    assert o.reset and o.self_test and o.confirm_or_duty_answer and not o.silence
    assert gb.encode_operations(o) == 0x31
    f = gb.StatusFlags()
    f.fire_alarm = True
    assert gb.encode_system_status(f) == 0x0003
    assert f == gb.decode_system_status(3) and f != gb.StatusFlags()
    assert repr(gb.UitdFlags()) == "UitdFlags()" and gb.OperationFlags() == gb.OperationFlags()
    assert gb.decode_system_status(0x4001).reserved_bits == 0x4000
    assert "reserved_bits=16384" in repr(gb.decode_system_status(0x4001))


def test_describe_status_and_bit_names() -> None:
    assert gb.describe_status(0x0007, gb.StatusKind.system) == "fire_alarm|fault"
    assert gb.describe_status(0x0006, gb.StatusKind.system) == "test_mode|fire_alarm|fault"
    assert gb.describe_status(0x0006, gb.StatusKind.system, gb.Bit0Policy.zero_means_normal,
                              "zh") == "火警|故障"
    assert gb.describe_status(0x20, gb.StatusKind.uitd_operation) == "duty_check_answer"
    assert gb.describe_status(0x0001, gb.StatusKind.component) == "normal"
    assert gb.describe_status(0, gb.StatusKind.facility_operation, lang="zh") == "无操作"
    assert gb.describe_status(0x8001, gb.StatusKind.system) == "reserved_bit15"
    names = gb.bit_names(gb.StatusKind.system)
    assert names[1].english == "fire_alarm" and names[1].chinese == "火警" and names[1].bit == 1
    assert "BitName(bit=0" in repr(names[0])
    assert len(gb.bit_names(gb.StatusKind.uitd)) == 7


# --- deframer ------------------------------------------------------------------------------------


def frames_of(items: list[object]) -> list[gb.Frame]:
    return [i for i in items if isinstance(i, gb.Frame)]


def test_deframer_any_chunking_gives_the_same_result() -> None:
    f2 = gb.encode_frame(header(serial=0x4040), bytes([0x23, 0x23, 0x40, 0x40]))
    stream = b"junk" + VENDOR_FIRE_FRAME + f2 + b"@" + VENDOR_FIRE_FRAME
    reference = None
    for size in (1, 2, 3, 7, 29, 78, 1000):
        d = gb.Deframer()
        items: list[object] = []
        for i in range(0, len(stream), size):
            items += d.feed(stream[i:i + size])
        items += d.flush()
        summary = [(type(i).__name__, i.serial if isinstance(i, gb.Frame) else
                    (i.reason, i.stream_offset, i.length)) for i in items]
        if reference is None:
            reference = summary
        assert summary == reference, size
        assert d.frames == 3 and d.rejected == 2
        assert d.bytes_fed == len(stream)
        assert d.bytes_delivered + d.bytes_discarded + d.buffered == d.bytes_fed
        assert d.stats["frames"] == 3 and d.buffered == 0 and d.pending_garbage == 0
    frames = frames_of(items)
    assert frames[0] == gb.decode_frame(VENDOR_FIRE_FRAME) and frames[1].adu == b"##@@"
    rej = [i for i in items if isinstance(i, gb.Rejection)]
    assert rej[0].reason is gb.Errc.garbage and rej[0].stream_offset == 0 and rej[0].length == 4
    assert rej[0].candidate == b"" and rej[0].code == int(gb.Errc.garbage)
    assert rej[0].message == (
        "bytes skipped before a frame start (4 bytes at stream offset 0 discarded)")
    assert rej[1].length == 1 and rej[1].stream_offset == 4 + 78 + len(f2)
    err = rej[0].error()
    assert isinstance(err, firebus.GB26875Error) and err.code == gb.Errc.garbage
    assert str(err) == rej[0].message
    assert "Rejection(reason=<Errc.garbage: 14>" in repr(rej[0])


def test_deframer_checksum_truncated_and_limits() -> None:
    bad = bytearray(VENDOR_FIRE_FRAME)
    bad[75] = 0x63
    d = gb.Deframer()
    items = d.feed(bytes(bad) + VENDOR_FIRE_FRAME[:40])
    assert len(items) == 1
    r = items[0]
    assert isinstance(r, gb.Rejection) and r.reason is gb.Errc.checksum_mismatch
    assert (r.offset, r.expected, r.found, r.length) == (75, 0x68, 0x63, 78)
    assert r.candidate == bytes(bad)
    assert gb.decode_frame(r.candidate[:75] + b"\x68##").serial == 0
    assert d.buffered == 40
    (t,) = d.flush()
    assert t.reason is gb.Errc.truncated and t.length == 40 and t.stream_offset == 78
    assert (t.expected, t.found) == (78, 40)
    assert d.flush() == []
    # Memory stays bounded whatever is fed.
    d.reset()
    assert d.bytes_fed == 0
    start = bytearray(VENDOR_FIRE_FRAME[:27])
    start[24:26] = (1024).to_bytes(2, "little")
    d.feed(bytes(start) + b"\x00" * 1000)
    assert d.buffered <= gb.Deframer.MAX_BUFFERED == 1053
    assert gb.Deframer.BUFFER_CAPACITY == 2108
    d.feed(b"\x00" * 100_000)
    assert d.buffered == 0 and d.pending_garbage > 100_000


def test_deframer_threads() -> None:
    stream = VENDOR_FIRE_FRAME * 200
    d = gb.Deframer()
    out: list[int] = []

    def work() -> None:
        n = 0
        for i in range(0, len(stream), 78):
            n += len(d.feed(stream[i:i + 78]))
        out.append(n)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(out) == 800 and d.frames == 800


def test_deframer_counters_while_another_thread_feeds() -> None:
    # feed() runs without the GIL: the counters read meanwhile are those before or after a feed,
    # never half of one (bytes_fed = delivered + discarded + buffered holds in every stats).
    chunk = (VENDOR_FIRE_FRAME + b"garbage" + VENDOR_FIRE_FRAME[:40]) * 2000
    d = gb.Deframer()
    stop = threading.Event()
    fed = [0]

    def feed() -> None:
        while not stop.is_set():
            d.feed(chunk)
            fed[0] += 1

    th = threading.Thread(target=feed)
    th.start()
    bad = []
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline and not bad:
        s = d.stats
        if s["bytes_fed"] != s["bytes_delivered"] + s["bytes_discarded"] + s["buffered"]:
            bad.append(s)
    stop.set()
    th.join()
    assert fed[0] > 0
    assert bad == []


# --- batch ---------------------------------------------------------------------------------------


def batch_buffer() -> bytes:
    bad = bytearray(VENDOR_FIRE_FRAME)
    bad[75] = 0x00
    confirm = gb.encode_frame(header(command=gb.Command.confirm, serial=7))
    bad_adu = gb.encode_frame(header(serial=8), b"\x01\x02\x00")
    return VENDOR_FIRE_FRAME + b"xx" + confirm + bytes(bad) + bad_adu + VENDOR_FIRE_FRAME[:50]


def test_decode_frames_list() -> None:
    items = gb.decode_frames(batch_buffer())
    kinds = [type(i).__name__ if isinstance(i, gb.Frame) else i.reason.name for i in items]
    assert kinds == ["Frame", "garbage", "Frame", "checksum_mismatch", "Frame", "truncated"]
    assert items[2].command is gb.Command.confirm and items[2].adu == b""
    assert gb.decode_frames(b"") == []


def test_decode_frames_arrays() -> None:
    np = pytest.importorskip("numpy")
    a = gb.decode_frames(batch_buffer(), as_arrays=True)
    assert set(a) == {"offset", "length", "is_frame", "ok", "error", "serial", "command",
                      "source", "destination", "adu_type", "n_objects", "time"}
    assert all(len(v) == 6 for v in a.values())
    assert a["is_frame"].tolist() == [True, False, True, False, True, False]
    assert a["ok"].tolist() == [True, False, True, False, False, False]
    assert a["error"].tolist() == [0, int(gb.Errc.garbage), 0, int(gb.Errc.checksum_mismatch),
                                   int(gb.Errc.truncated), int(gb.Errc.truncated)]
    assert a["offset"].tolist() == [0, 78, 80, 110, 188, 221]
    assert a["length"].tolist() == [78, 2, 30, 78, 33, 50]
    assert a["serial"].tolist() == [0, 0, 7, 0, 8, 0]
    assert a["command"].tolist() == [2, 0, 3, 2, 2, 0]
    assert a["adu_type"].tolist() == [2, 0, 0, 0, 1, 0]
    assert a["n_objects"].tolist() == [1, 0, 0, 0, 0, 0]
    assert a["destination"][0] == 0x010203040506 and a["destination"].dtype == np.uint64
    assert a["time"][0] == np.datetime64("2020-10-22T17:13:24")
    assert np.isnat(a["time"][1])
    big = gb.decode_frames(VENDOR_FIRE_FRAME * 1000, as_arrays=True)
    assert int(big["ok"].sum()) == 1000 and big["offset"][-1] == 78 * 999


def test_decode_frames_arrays_match_frame_by_frame() -> None:
    # numpy 2 with pybind11 2.10: every column's dtype, shape and values against decoding the
    # frames one by one.
    np = pytest.importorskip("numpy")
    frames = [
        gb.encode_frame(header(serial=i, source=0x0000_0000_0100 + i, destination=2**48 - 1 - i,
                               command=gb.Command.send_data if i % 3 else gb.Command.confirm,
                               time=gb.TimeTag(2026, 1 + i % 12, 1 + i % 28, i % 24, i % 60, 7)),
                        b"" if i % 3 == 0 else bytes([21, 1, i & 0xFF]) + bytes(6) if i % 3 == 1
                        else bytes([2, 1]) + bytes(40))
        for i in range(40)
    ]
    frames[5] = frames[5][:-3] + bytes([frames[5][-3] ^ 1]) + b"##"  # checksum mismatch
    frames[7] = gb.encode_frame(header(serial=7, time=gb.TimeTag(2026, 13, 1)), b"\x09\x01\x00")
    buf = b"".join(frames)
    arrays = gb.decode_frames(buf, as_arrays=True)
    n = len(frames)
    dtypes = {"offset": np.uint64, "length": np.uint32, "is_frame": np.bool_, "ok": np.bool_,
              "error": np.int32, "serial": np.uint16, "command": np.uint8, "source": np.uint64,
              "destination": np.uint64, "adu_type": np.uint8, "n_objects": np.uint16,
              "time": np.dtype("datetime64[s]")}
    assert set(arrays) == set(dtypes)
    for name, dt in dtypes.items():
        col = arrays[name]
        assert isinstance(col, np.ndarray), name
        assert col.dtype == np.dtype(dt), name
        assert col.shape == (n,) and col.ndim == 1, name
        assert col.flags.c_contiguous and col.flags.owndata and col.flags.writeable, name
    offset = 0
    for i, raw in enumerate(frames):
        assert arrays["offset"][i] == offset and arrays["length"][i] == len(raw)
        offset += len(raw)
        if i == 5:
            assert not arrays["is_frame"][i] and not arrays["ok"][i]
            assert arrays["error"][i] == gb.Errc.checksum_mismatch
            assert arrays["serial"][i] == 5  # the header of a checksum mismatch is intact
            continue
        f = gb.decode_frame(raw)
        h = f.header
        assert arrays["is_frame"][i]
        assert arrays["serial"][i] == h.serial
        assert arrays["command"][i] == h.command
        assert arrays["source"][i] == h.source and arrays["destination"][i] == h.destination
        assert arrays["adu_type"][i] == (f.adu[0] if f.adu else 0)
        if not f.adu:
            assert arrays["ok"][i] and arrays["error"][i] == 0 and arrays["n_objects"][i] == 0
        else:
            try:
                adu = f.decode_adu()
            except firebus.GB26875Error as e:
                assert not arrays["ok"][i] and arrays["error"][i] == e.code
            else:
                assert arrays["ok"][i] and arrays["error"][i] == 0
                assert arrays["n_objects"][i] == len(adu)
        if h.time.valid():
            expected = np.datetime64(h.time.to_datetime().replace(tzinfo=None), "s")
            assert arrays["time"][i] == expected
        else:
            assert np.isnat(arrays["time"][i])
    # The arrays are the caller's: writable copies, independent of each other and of later calls.
    again = gb.decode_frames(buf, as_arrays=True)
    arrays["serial"][:] = 0
    assert again["serial"].tolist() == [int(s) for s in np.arange(n) % 65536]
    empty = gb.decode_frames(b"", as_arrays=True)
    for name, dt in dtypes.items():
        assert empty[name].shape == (0,) and empty[name].dtype == np.dtype(dt)


# --- text ----------------------------------------------------------------------------------------


def test_text_module() -> None:
    assert text.decode(SMOKE_TEXT) == "7楼02室会议室烟感"
    assert text.encode("7楼02室会议室烟感") == SMOKE_TEXT
    assert text.encode("abc") == b"abc"
    with pytest.raises(firebus.TextError, match=r"GB 18030: .* at offset 1 \(0xff\)") as e:
        text.decode(b"a\xff")
    assert e.value.code == text.TextErrc.invalid_sequence and e.value.category == "firebus.text"
    assert text.decode(b"a\xff", text.TextPolicy.replace) == "a\ufffd"
    with pytest.raises(firebus.TextError) as e:
        text.decode(b"\xd1")
    assert e.value.code == text.TextErrc.incomplete_sequence
    assert text.encode_field("烟感", 4) == bytes.fromhex("d1ccb8d0")
    with pytest.raises(firebus.TextError, match="at most 3 bytes") as e:
        text.encode_field("烟感", 3)
    assert e.value.code == text.TextErrc.too_long
    d = text.encode_description("Ａ区１层呷哺走廊")
    assert len(d) == 31 and text.decode_description(d) == "Ａ区１层呷哺走廊"
    assert text.decode_description(b"ab  ") == "ab"
    with pytest.raises(firebus.GB26875Error):
        text.decode_description(bytes(32))
    with pytest.raises(firebus.TextError):
        text.encode_description("烟" * 16)
    with pytest.raises(firebus.TextError):
        text.encode("\ue78d")  # a private-use code point glibc cannot encode
    assert text.encode("\ue78d", text.TextPolicy.replace) == bytes.fromhex("8431a437")
    assert text.TextPolicy.replace == 1 and text.TextErrc.unavailable == 5


# --- the example ---------------------------------------------------------------------------------


def test_decode_capture_example() -> None:
    example = SOURCE_DIR / "examples" / "python" / "decode_capture.py"
    capture = SOURCE_DIR / "examples" / "python" / "data" / "gb26875_capture.hex"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    result = subprocess.run([sys.executable, str(example), str(capture)], capture_output=True,
                            encoding="utf-8", check=True, timeout=60, env=env)
    out = result.stdout
    assert "fire_alarm" in out and "fault" in out
    assert "2020-08-01 19:18:48" in out and "2026-11-30 08:14:58" in out
    assert "0x000600d9" in out
    assert "Ａ区１层呷哺走廊" in out
    assert "checksum 0x31 expected" in out and "manual_call_point" in out
    assert "# 403 bytes, 7 frames, 2 rejections, 4 alarms" in out
