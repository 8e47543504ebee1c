# firebus — fire-safety IoT SDK.
"""`firebus gb26875 decode` and `firebus gb26875 encode`, run as a user runs them.

The binary comes from FIREBUS_CLI (CTest sets it to the in-tree build); without it these tests
are skipped. Frames are built here from the standard (GB/T 26875.3 §6.6, §8), independently of
the C++ encoder.
"""

import json
import os
import random
import struct
import subprocess

import pytest

CLI = os.environ.get("FIREBUS_CLI", "")
pytestmark = pytest.mark.skipif(not CLI, reason="FIREBUS_CLI is not set (built in examples/cli)")


def run(*args, stdin=b""):
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8")
    p = subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=60)
    assert p.returncode >= 0, f"killed by signal {-p.returncode}: {args}"
    return p


def json_lines(out):
    return [json.loads(l) for l in out.decode("utf-8").splitlines() if l.strip()]


# --- frames, built from the standard -------------------------------------------------------------

def frame(adu=b"", serial=1, cmd=2, source=0x12345678, destination=1,
          time=(4, 0, 9, 2, 7, 21), version=(1, 0)):
    body = (struct.pack("<H", serial) + bytes(version) + bytes(time) +
            source.to_bytes(6, "little") + destination.to_bytes(6, "little") +
            struct.pack("<H", len(adu)) + bytes([cmd]) + adu)
    return b"@@" + body + bytes([sum(body) % 256]) + b"##"


# The vendor capture of tests/unit/test_gb26875_frame.cpp: a fire alarm, description
# "Ａ区１层呷哺走廊", destination 0x010203040506, component address 0x0600d9.
VENDOR = bytes.fromhex(
    "40 40 00 00 01 01 18 0d 11 16 0a 14 00 00 00 00 00 00 06 05 04 03 02 01 30 00 02 02 01 01"
    " 03 00 d9 00 06 00 02 00 a3 c1 c7 f8 a3 b1 b2 e3 df c8 b2 b8 d7 df c0 c8 00 00 00 00 00 00"
    " 00 00 00 00 00 00 00 00 00 30 12 13 01 08 14 68 23 23")
assert len(VENDOR) == 78
CORRUPTED = VENDOR[:75] + b"\x63" + VENDOR[76:]

T = bytes([4, 0, 9, 2, 7, 21])  # 2021-07-02 09:00:04
T2 = bytes([59, 59, 23, 31, 12, 255])  # 2255-12-31 23:59:59
BAD_T = bytes([61, 60, 24, 0, 13, 21])  # no such time: kept, shown as invalid


def u16(v):
    return struct.pack("<H", v)


def u32(v):
    return struct.pack("<I", v)


def desc(text, pad=b"\x00"):
    return text.encode("gb18030").ljust(31, pad)


def cfg(text, pad=b""):
    raw = text.encode("gb18030") + pad
    return bytes([len(raw)]) + raw


# One ADU per defined type (§8, Table 7), plus the edge cases decode accepts.
ADUS = {
    "system_status": bytes([1, 2, 1, 3]) + u16(0x0003) + T + bytes([10, 2]) + u16(0xC000) + T2,
    "component_status": bytes([2, 2]) +
        bytes([1, 1, 42]) + u32(0x00010007) + u16(0x0102) + desc("7楼02室会议室烟感") + T +
        bytes([1, 1, 23]) + u32(0xFFFFFFFF) + u16(0xFE00) + desc("手报 3F", b" ") + BAD_T,
    "component_analog": bytes([3, 3]) +
        bytes([1, 2, 31]) + u32(7) + bytes([3]) + struct.pack("<h", -105) + T +
        bytes([1, 2, 99]) + u32(8) + bytes([4]) + struct.pack("<h", 32767) + T +
        bytes([1, 2, 200]) + u32(9) + bytes([200]) + struct.pack("<h", -32768) + T,
    "system_operation": bytes([4, 1, 1, 1, 0xA5, 7]) + T,
    "system_software_version": bytes([5, 2, 1, 1, 3, 4, 13, 3, 1, 1]),  # n = 2 > 1
    "system_config": bytes([6, 3, 1, 2]) + cfg("火灾报警系统 A 座") + bytes([11, 1]) +
        cfg("消火栓", b"\x00" * 5) + bytes([12, 1]) + cfg(""),
    "component_config": bytes([7, 1, 1, 2, 42]) + u32(0x01020304) + desc("七楼 烟感", b" "),
    "system_time": bytes([8, 1, 1, 1]) + T,
    "uitd_status": bytes([21, 1, 0x81]) + T,
    "uitd_operation": bytes([24, 2, 0x20, 3]) + T + bytes([0x80, 0]) + T,
    "uitd_software_version": bytes([25, 1, 2, 10]),
    "uitd_config": bytes([26, 1]) + cfg("UITD 型号 X-100\n第二行  "),
    "uitd_time": bytes([28, 1]) + BAD_T,
    "read_system_status": bytes([61, 2, 1, 1, 11, 2]),
    "read_component_status": bytes([62, 1, 1, 1]) + u32(0x00010007),
    "read_component_analog": bytes([63, 1, 1, 1]) + u32(0x00020001),
    "read_system_operations": bytes([64, 1, 1, 1, 10]) + T,
    "read_system_software_version": bytes([65, 1, 1, 1]),
    "read_system_config": bytes([66, 1, 1, 1]),
    "read_component_config": bytes([67, 1, 1, 1]) + u32(5),
    "read_system_time": bytes([68, 3, 1, 1, 1, 2, 1, 3]),
    "read_uitd_status": bytes([81, 1, 0]),
    "read_uitd_operations": bytes([84, 1, 5]) + T,
    "read_uitd_software_version": bytes([85, 1, 0]),
    "read_uitd_config": bytes([86, 1, 7]),  # a reserved byte that is not 0: kept
    "read_uitd_time": bytes([88, 1, 0]),
    "init_uitd": bytes([89, 1, 0]),
    "sync_uitd_time": bytes([90, 1]) + T,
    "duty_check": bytes([91, 1, 5]),
    "user_defined": bytes([200, 2, 0xAA, 0xBB, 0xCC]),
    "user_defined_empty": bytes([254, 0]),
    "no_objects": bytes([1, 0]),
    "odd_description": bytes([7, 1, 1, 2, 42]) + u32(1) + b"\xff\xfe\x81" + bytes(28),
}

VALID_FRAMES = [frame(adu, serial=i, cmd=2 if i % 2 else 5) for i, adu in enumerate(ADUS.values())]
VALID_FRAMES += [
    VENDOR,
    frame(b"", serial=7, cmd=3, source=1, destination=0x12345678),  # confirm: empty ADU
    frame(b"", cmd=9),                                              # reserved command
    frame(ADUS["uitd_status"], cmd=200, version=(2, 255)),          # user-defined command
    frame(b"", time=BAD_T, source=0xFFFFFFFFFFFF, destination=0xFFFFFFFFFFFF),
    frame(bytes([0xC0, 0x40]) + b"@@##" * 30, serial=0x4040, cmd=0x23,  # no byte stuffing
          source=0x404040404040, time=bytes(6)),
    frame(bytes([21, 146]) + (b"\x01" + T) * 146),  # a 1024-byte ADU, 146 objects where n = 1
]
# Frames whose ADU does not parse: decode reports them (exit 1) and still re-encodes them.
BAD_ADU_FRAMES = [
    frame(bytes([9, 1, 0])),                          # reserved ADU type
    frame(bytes([1, 1]) + bytes([1, 1]) + u16(1)),    # object cut short
    frame(bytes([21, 1, 1]) + T + b"\x00"),           # a byte after the last object
    frame(bytes([6, 1, 1, 1, 10, 65])),               # text length past the end
    frame(b"\x01"),                                   # one byte
]


def hexstr(data):
    return data.hex()


# --- decode: the vendor frame --------------------------------------------------------------------

def test_decode_vendor_frame_as_text():
    p = run("gb26875", "decode", stdin=VENDOR.hex(" "))
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("utf-8")
    assert "frame 1 at offset 0: 78 bytes" in out
    assert "1108152157446 (0x010203040506)" in out
    assert "2020-10-22T17:13:24+08:00" in out
    assert "2 send_data (发送数据)" in out
    assert "type 2 component_status (上传建筑消防设施部件运行状态), 1 object" in out
    assert "1 fire_alarm (火灾报警系统)" in out
    assert "393433 (0x000600d9)" in out
    assert "0x0002 test_mode|fire_alarm (测试状态|火警)" in out
    assert '"Ａ区１层呷哺走廊"' in out
    assert "2020-08-01T19:18:48+08:00" in out
    assert p.stderr == b""


def test_decode_vendor_frame_as_json():
    p = run("gb26875", "decode", "--json", stdin=VENDOR.hex())
    assert p.returncode == 0, p.stderr
    (f,) = json_lines(p.stdout)
    assert f["offset"] == 0 and f["size"] == 78
    h = f["header"]
    assert h["serial"] == 0
    assert h["version"] == [1, 1]
    assert h["time"] == "2020-10-22T17:13:24+08:00"
    assert h["time_raw"] == [24, 13, 17, 22, 10, 20]
    assert h["source"] == 0
    assert h["destination"] == 0x010203040506 == 1108152157446
    assert h["command"] == "send_data" and h["command_code"] == 2
    assert h["command_chinese"] == "发送数据"
    a = f["adu"]
    assert a["type"] == "component_status" and a["type_code"] == 2 and a["count"] == 1
    (o,) = a["objects"]
    assert o["system_type"] == 1 and o["system_type_name"] == "fire_alarm"
    assert o["system_address"] == 3
    assert o["component_type"] == 0 and o["component_type_name"] == "general"
    assert o["component_address"] == 0x0600D9
    assert o["status"] == 2
    assert "fire_alarm" in o["status_names"]
    assert o["status_names"] == ["test_mode", "fire_alarm"]
    assert o["status_chinese"] == ["测试状态", "火警"]
    assert o["description"] == "Ａ区１层呷哺走廊"
    assert o["description_raw"] == VENDOR[38:69].hex()
    assert o["time"] == "2020-08-01T19:18:48+08:00"
    assert o["time_raw"] == [48, 18, 19, 1, 8, 20]


def test_bit0_and_utc_offset_options():
    p = run("gb26875", "decode", "--json", "--bit0", "zero-means-normal", "--utc-offset=-05:30",
            stdin=VENDOR.hex())
    assert p.returncode == 0, p.stderr
    (f,) = json_lines(p.stdout)
    assert f["adu"]["objects"][0]["status_names"] == ["fire_alarm"]
    assert f["header"]["time"] == "2020-10-22T17:13:24-05:30"
    text = run("gb26875", "decode", "--bit0=zero-means-normal", stdin=VENDOR.hex()).stdout
    assert "0x0002 fire_alarm (火警)" in text.decode("utf-8")


def test_corrupted_vendor_frame_is_rejected():
    p = run("gb26875", "decode", stdin=CORRUPTED.hex())
    assert p.returncode == 1
    assert p.stdout.decode() == ("rejected 78 bytes at offset 0: checksum 0x68 expected, 0x63 "
                                 "found at offset 75\n")
    p = run("gb26875", "decode", "--json", stdin=CORRUPTED.hex())
    assert p.returncode == 1
    (r,) = json_lines(p.stdout)
    rej = r["rejected"]
    assert rej["reason"] == "checksum_mismatch"
    assert (rej["offset"], rej["length"], rej["field_offset"]) == (0, 78, 75)
    assert (rej["expected"], rej["found"]) == (0x68, 0x63)
    assert rej["bytes"] == CORRUPTED.hex()


# --- decode: streams, formats ----------------------------------------------------------------------

def test_glued_frames_with_garbage_between():
    a = frame(ADUS["uitd_status"], serial=1)
    b = frame(ADUS["system_status"], serial=2)
    c = frame(b"", serial=3, cmd=3)
    stream = a + b"garbage" + b + c + CORRUPTED + b"\x01@"
    p = run("gb26875", "decode", "--json", stdin=stream.hex())
    assert p.returncode == 1
    lines = json_lines(p.stdout)
    frames = [l for l in lines if "header" in l]
    rejected = [l["rejected"] for l in lines if "rejected" in l]
    assert [f["header"]["serial"] for f in frames] == [1, 2, 3]
    assert [f["offset"] for f in frames] == [0, len(a) + 7, len(a) + 7 + len(b)]
    assert [(r["reason"], r["offset"], r["length"]) for r in rejected] == [
        ("garbage", len(a), 7),
        ("checksum_mismatch", len(a) + 7 + len(b) + len(c), 78),
        ("garbage", len(stream) - 2, 2),
    ]
    # The same in text: every rejection is one line that says what and where.
    text = run("gb26875", "decode", stdin=stream.hex()).stdout.decode()
    assert f"rejected 7 bytes at offset {len(a)}: bytes skipped before a frame start" in text
    assert text.count("\nframe ") + text.startswith("frame ") == 3


@pytest.mark.parametrize("style", ["spaced", "plain", "upper", "lines", "split", "c_array"])
def test_hex_input_styles(style):
    frames = [VENDOR, frame(ADUS["component_analog"]), frame(b"", cmd=3)]
    data = b"".join(frames)
    text = {
        "spaced": data.hex(" "),
        "plain": data.hex(),
        "upper": data.hex().upper(),
        "lines": "\n".join(f.hex(" ") for f in frames) + "\n",
        "split": "\r\n".join(data.hex()[i:i + 7] for i in range(0, 2 * len(data), 7)),
        "c_array": ",\n".join(", ".join(f"0x{b:02X}" for b in f) for f in frames),
    }[style]
    p = run("gb26875", "decode", "--json", stdin=text)
    assert p.returncode == 0, p.stderr
    assert [f["size"] for f in json_lines(p.stdout)] == [len(f) for f in frames]
    p = run("gb26875", "decode", "--hex", "--json", stdin=text)
    assert len(json_lines(p.stdout)) == 3


def test_binary_input_from_stdin_and_file(tmp_path):
    data = VENDOR + frame(ADUS["duty_check"], cmd=1)
    expected = [78, len(frame(ADUS["duty_check"]))]
    p = run("gb26875", "decode", "--json", stdin=data)  # detected: '@' is no hex digit
    assert p.returncode == 0, p.stderr
    assert [f["size"] for f in json_lines(p.stdout)] == expected
    path = tmp_path / "capture.bin"
    path.write_bytes(data)
    p = run("gb26875", "decode", "--json", "--binary", str(path))
    assert p.returncode == 0, p.stderr
    assert [f["size"] for f in json_lines(p.stdout)] == expected
    (tmp_path / "capture.hex").write_text(data.hex(" ") + "\n")
    p = run("gb26875", "decode", "--json", str(tmp_path / "capture.hex"))
    assert [f["size"] for f in json_lines(p.stdout)] == expected


def test_binary_that_looks_like_hex_is_read_as_binary_when_asked():
    # "@@" never appears in hex text, so hex digits read as bytes are garbage.
    p = run("gb26875", "decode", "--binary", "--json", stdin=VENDOR.hex())
    assert p.returncode == 1
    (r,) = json_lines(p.stdout)
    assert r["rejected"]["reason"] == "garbage" and r["rejected"]["length"] == 156


def test_bad_hex_is_reported_with_line_and_column():
    p = run("gb26875", "decode", "--hex", stdin=VENDOR.hex(" ") + "\n40 4g\n")
    assert p.returncode == 1
    assert b"frame 1 at offset 0" in p.stdout  # what came before is still decoded
    assert b"line 2, column 5: 'g' (0x67) is not a hex digit" in p.stderr
    p = run("gb26875", "decode", "--hex", stdin=VENDOR.hex() + "4")
    assert p.returncode == 1
    assert b"odd number of hex digits" in p.stderr


def test_truncated_last_frame_and_empty_input():
    p = run("gb26875", "decode", "--json", stdin=VENDOR.hex() + VENDOR[:40].hex())
    assert p.returncode == 1
    lines = json_lines(p.stdout)
    assert lines[1]["rejected"]["reason"] == "truncated"
    assert lines[1]["rejected"]["offset"] == 78 and lines[1]["rejected"]["length"] == 40
    p = run("gb26875", "decode", stdin=b"")
    assert (p.returncode, p.stdout) == (0, b"")


def test_text_output_of_every_adu_type():
    data = b"".join(VALID_FRAMES)
    p = run("gb26875", "decode", stdin=data)
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode("utf-8")
    assert out.count("frame ") == len(VALID_FRAMES)
    for name in ADUS:
        if not name.startswith(("user_defined", "no_objects", "odd_")):
            assert f" {name} (" in out, name
    assert "value               -105 = -10.5 °C" in out
    assert "analog type         200 user_defined (用户自定义)" in out
    assert '"7楼02室会议室烟感"' in out
    assert "INVALID time tag" in out
    assert "reserved (预留): a receiver answers with deny" in out
    assert "ADU                 empty" in out
    assert "body                aa bb cc" in out
    assert "timeout minutes     5" in out
    assert "\\x0a" in out  # a line break inside a configuration text stays on one line


def test_adu_that_does_not_parse_is_reported():
    p = run("gb26875", "decode", "--json", stdin=frame(bytes([9, 1, 0])).hex())
    assert p.returncode == 1
    (f,) = json_lines(p.stdout)
    assert f["adu"] is None and f["adu_error"] == "reserved ADU type"
    assert f["adu_bytes"] == "090100"
    p = run("gb26875", "decode", stdin=frame(bytes([9, 1, 0])).hex())
    assert p.returncode == 1
    assert b"not parsed: reserved ADU type" in p.stdout


# --- the JSON shape --------------------------------------------------------------------------------

def decoded(adu, *options):
    p = run("gb26875", "decode", "--json", *options, stdin=frame(adu).hex())
    assert p.returncode == 0, p.stderr
    (f,) = json_lines(p.stdout)
    return f["adu"]


def test_json_of_objects():
    a = decoded(ADUS["component_analog"])
    temp, press, user = a["objects"]
    assert (temp["analog_type_name"], temp["value"], temp["scaled_value"], temp["unit"]) == \
        ("temperature", -105, -10.5, "°C")
    assert (press["scaled_value"], press["unit"]) == (3276.7, "MPa")
    assert (user["analog_type_name"], user["scaled_value"]) == ("user_defined", -32768)
    s = decoded(ADUS["system_status"])["objects"]
    assert s[1]["status_names"] == ["test_mode", "reserved_bit14", "reserved_bit15"]
    assert s[1]["time"] == "2255-12-31T23:59:59+08:00"
    c = decoded(ADUS["component_status"])["objects"]
    assert c[1]["description"] == "手报 3F"
    assert c[1]["description_raw"].endswith("20" * 24)
    assert c[1]["time"] is None and c[1]["time_raw"] == list(BAD_T)
    ops = decoded(ADUS["uitd_operation"])["objects"]
    assert ops[0]["flag_names"] == ["duty_check_answer"] and ops[0]["flag_chinese"] == ["查岗应答"]
    assert ops[1]["flag_names"] == ["reserved_bit7"]
    cfgs = decoded(ADUS["system_config"])["objects"]
    assert [o["text"] for o in cfgs] == ["火灾报警系统 A 座", "消火栓", ""]
    assert cfgs[1]["text_raw"] == ("消火栓".encode("gb18030") + bytes(5)).hex()
    u = decoded(ADUS["user_defined"])
    assert (u["type"], u["type_code"], u["count"], u["body"]) == ("user_defined", 200, 2, "aabbcc")
    assert "objects" not in u
    assert decoded(ADUS["read_uitd_config"])["objects"] == [{"reserved": 7}]
    assert decoded(ADUS["duty_check"])["objects"] == [{"timeout_minutes": 5}]
    r = decoded(ADUS["read_system_operations"])["objects"][0]
    assert (r["count"], r["start"]) == (10, "2021-07-02T09:00:04+08:00")
    bad = decoded(ADUS["odd_description"])["objects"][0]
    assert "\ufffd" in bad["description"]


def test_json_header_edge_cases():
    p = run("gb26875", "decode", "--json", stdin=b"".join(VALID_FRAMES[-6:-1]).hex())
    confirm, reserved, user, extremes, nasty = [f["header"] for f in json_lines(p.stdout)]
    assert (confirm["command"], confirm["command_code"]) == ("confirm", 3)
    assert (reserved["command"], reserved["command_code"]) == (9, 9)
    assert "command_chinese" not in reserved
    assert (user["command"], user["version"]) == (200, [2, 255])
    assert extremes["source"] == extremes["destination"] == 2**48 - 1
    assert extremes["time"] is None and extremes["time_raw"] == list(BAD_T)
    assert nasty["serial"] == 0x4040 and nasty["time"] is None


# --- encode ---------------------------------------------------------------------------------------

def roundtrip(frames):
    dec = run("gb26875", "decode", "--json", stdin=b"".join(frames).hex(" "))
    enc = run("gb26875", "encode", stdin=dec.stdout)
    assert enc.returncode == 0, enc.stderr
    return dec, enc.stdout.decode().split()


def test_round_trip_of_every_adu_type_is_byte_identical():
    dec, lines = roundtrip(VALID_FRAMES)
    assert dec.returncode == 0, dec.stderr
    assert lines == [f.hex() for f in VALID_FRAMES]


def test_round_trip_of_frames_whose_adu_does_not_parse():
    dec, lines = roundtrip(BAD_ADU_FRAMES)
    assert dec.returncode == 1
    assert lines == [f.hex() for f in BAD_ADU_FRAMES]


def test_round_trip_skips_rejections_and_binary_output():
    stream = VENDOR + b"xx" + CORRUPTED + frame(ADUS["uitd_config"])
    dec = run("gb26875", "decode", "--json", stdin=stream)
    assert dec.returncode == 1
    enc = run("gb26875", "encode", "--binary", stdin=dec.stdout + b"\n\n")
    assert enc.returncode == 0, enc.stderr
    assert enc.stdout == VENDOR + frame(ADUS["uitd_config"])


def test_round_trip_with_other_options():
    # The readable fields change with the options; the raw ones, and so the bytes, do not.
    dec = run("gb26875", "decode", "--json", "--utc-offset", "+00:00", "--bit0",
              "zero-means-normal", stdin=b"".join(VALID_FRAMES))
    enc = run("gb26875", "encode", stdin=dec.stdout)
    assert enc.stdout.decode().split() == [f.hex() for f in VALID_FRAMES]


def test_encode_from_readable_fields():
    line = {
        "header": {"serial": 5, "time": "2021-07-02T01:00:04Z", "source": 0x12345678,
                   "destination": 1, "command": "send_data"},
        "adu": {"type": "component_status", "objects": [{
            "system_type_name": "fire_alarm", "system_address": 1,
            "component_type_name": "point_photoelectric_smoke_detector",
            "component_address": 0x00010007, "status": 3,
            "description": "7楼02室会议室烟感", "time": "2021-07-02T09:00:04+08:00"}]},
    }
    p = run("gb26875", "encode", stdin=json.dumps(line, ensure_ascii=False) + "\n")
    assert p.returncode == 0, p.stderr
    expected = frame(bytes([2, 1, 1, 1, 42]) + u32(0x00010007) + u16(3) + desc("7楼02室会议室烟感") +
                     T, serial=5, version=(1, 0))
    assert p.stdout.decode().strip() == expected.hex()
    # Configuration texts, scaled analog values and user-defined ADUs from readable fields.
    lines = [
        {"header": {"serial": 1, "time_raw": list(T), "source": 0x12345678, "destination": 1,
                    "command": 2, "version": [1, 0]},
         "adu": {"type_code": 26, "objects": [{"text": "UITD 型号 X-100\n第二行  "}]}},
        {"header": {"serial": 1, "time": "2021-07-02T09:00:04", "source": 0x12345678,
                    "destination": 1, "command_code": 2},
         "adu": {"type": "component_analog", "count": 1, "objects": [{
             "system_type": 1, "system_address": 2, "component_type": 31,
             "component_address": 7, "analog_type_name": "temperature", "scaled_value": -10.5,
             "time_raw": list(T)}]}},
        {"header": {"serial": 1, "time_raw": list(T), "source": 0x12345678, "destination": 1,
                    "command": "send_data"},
         "adu": {"type_code": 200, "count": 2, "body": "AABBCC"}},
        {"header": {"serial": 1, "time_raw": list(T), "source": 0x12345678, "destination": 1,
                    "command": "send_data"},
         "adu": {"type": "init_uitd", "objects": [{}]}},
    ]
    p = run("gb26875", "encode", stdin="\n".join(json.dumps(l) for l in lines))
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().split() == [
        frame(ADUS["uitd_config"]).hex(),
        frame(bytes([3, 1, 1, 2, 31]) + u32(7) + bytes([3]) + struct.pack("<h", -105) + T).hex(),
        frame(ADUS["user_defined"]).hex(),
        frame(bytes([89, 1, 0])).hex(),
    ]


def good_line():
    return json.loads(run("gb26875", "decode", "--json", stdin=VENDOR.hex()).stdout)


def mutated(path, value):
    line = good_line()
    node = line
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(line, ensure_ascii=False)


@pytest.mark.parametrize("path,value,message", [
    (("adu", "objects", 0, "status"), "x",
     'adu.objects[0].status: expected an integer 0..65535, found "x"'),
    (("adu", "objects", 0, "status"), 65536,
     "adu.objects[0].status: expected an integer 0..65535, found 65536"),
    (("adu", "objects", 0, "system_address"), 1.5,
     "adu.objects[0].system_address: expected an integer 0..255, found 1.5"),
    (("adu", "objects", 0, "component_address"), KeyError,
     "adu.objects[0].component_address: missing (expected an integer 0..4294967295)"),
    (("adu", "objects", 0, "description_raw"), "abc",
     "adu.objects[0].description_raw: expected hex text of at most 31 bytes"),
    (("adu", "objects", 0, "description_raw"), "-1zz",
     'adu.objects[0].description_raw: expected hex text of at most 31 bytes, found "-1zz"'),
    (("adu", "objects", 0, "time_raw"), [1, 2, 3],
     "adu.objects[0].time_raw: expected [second, minute, hour, day, month, year - 2000]"),
    (("adu", "objects", 0, "time_raw"), [0, 0, 0, 1, 1, 256],
     "adu.objects[0].time_raw[5]: expected an integer 0..255, found 256"),
    (("header", "destination"), 2**48,
     "header.destination: expected an integer 0..281474976710655, found 281474976710656"),
    (("header", "version"), [1],
     "header.version: expected [major, minor], found [1]"),
    (("header", "command_code"), -1,
     "header.command_code: expected an integer 0..255, found -1"),
    (("adu", "type_code"), 9, "adu.type_code: 9 is a reserved ADU type"),
    (("adu", "count"), 2, "adu.count: 2 does not match the 1 objects"),
    (("adu", "objects"), {}, "adu.objects: expected an array, found {}"),
    (("header",), KeyError, "header: missing (expected an object)"),
    (("adu",), KeyError, "adu: missing (expected an object, or null for an empty ADU)"),
])
def test_encode_errors_name_line_and_path(path, value, message):
    lines = [VENDOR_JSON_LINE(), "", mutated(path, value)]
    p = run("gb26875", "encode", stdin="\n".join(lines) + "\n")
    assert p.returncode == 1
    assert p.stdout.decode().split() == [VENDOR.hex()]  # good lines are still written
    err = p.stderr.decode("utf-8")
    assert f"line 3: {message}" in err, err


def VENDOR_JSON_LINE():
    return json.dumps(good_line(), ensure_ascii=False)


def test_encode_errors_for_texts_times_and_json():
    def error_of(line):
        p = run("gb26875", "encode", stdin=line + "\n")
        assert p.returncode == 1
        return p.stderr.decode("utf-8")

    line = good_line()
    obj = line["adu"]["objects"][0]
    del obj["description_raw"]
    obj["description"] = "很长的描述" * 4
    assert ("line 1: adu.objects[0].description: GB 18030 text of at most 31 bytes expected, "
            "40 found") in error_of(json.dumps(line))
    line = good_line()
    del line["header"]["time_raw"]
    line["header"]["time"] = "2021-02-30T00:00:00+08:00"
    assert "line 1: header.time: expected a valid time in 2000..2255" in error_of(json.dumps(line))
    line["header"]["time"] = None
    assert "line 1: header.time: expected an ISO 8601 time" in error_of(json.dumps(line))
    assert "line 1: invalid JSON: parse error at column" in error_of('{"header": ')
    assert "line 1: expected a JSON object, found [1,2]" in error_of("[1,2]")
    line = good_line()
    line["adu"]["type"] = "user_defined"
    del line["adu"]["type_code"]
    assert "line 1: adu.type: expected the name of a defined ADU type" in error_of(json.dumps(line))


# --- usage ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    [], ["bogus"], ["gb26875"], ["gb26875", "bogus"], ["gb26875", "decode", "--bogus"],
    ["gb26875", "decode", "a", "b"], ["gb26875", "decode", "--bit0", "sometimes"],
    ["gb26875", "decode", "--utc-offset", "8 hours"], ["gb26875", "decode", "--utc-offset"],
    ["gb26875", "encode", "--json"], ["gb26875", "decode", "/nonexistent/capture.hex"],
    ["help", "bogus"],
])
def test_usage_errors_exit_2(args):
    p = run(*args)
    assert p.returncode == 2, (args, p.stdout, p.stderr)
    assert p.stderr
    assert p.stdout == b""


def test_help_and_version():
    for args in (["help"], ["--help"], ["help", "gb26875"], ["gb26875", "help"],
                 ["gb26875", "decode", "--help"]):
        p = run(*args)
        assert p.returncode == 0 and b"usage: firebus" in p.stdout, args
    p = run("--version")
    assert p.returncode == 0 and p.stdout.startswith(b"firebus 1.")


# --- robustness -------------------------------------------------------------------------------------

def test_never_crashes_on_random_input():
    rnd = random.Random(26875)
    pieces = VALID_FRAMES + BAD_ADU_FRAMES + [CORRUPTED, b"@@", b"##", b"\x40", bytes(27)]
    for _ in range(60):
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
        data = bytearray(data)
        for _ in range(rnd.randint(0, 8)):
            if data:
                data[rnd.randrange(len(data))] = rnd.randrange(256)
        for args in (["--json"], ["--binary"], ["--hex"], []):
            p = run("gb26875", "decode", *args, stdin=bytes(data))
            assert p.returncode in (0, 1), (args, bytes(data).hex())
        dec = run("gb26875", "decode", "--json", stdin=bytes(data))
        enc = run("gb26875", "encode", stdin=dec.stdout)
        assert enc.returncode == 0, enc.stderr
    for _ in range(60):
        text = bytearray(VENDOR_JSON_LINE().encode("utf-8"))
        for _ in range(rnd.randint(1, 4)):
            text[rnd.randrange(len(text))] = rnd.choice(b'{}[]",:0123456789-ex\xff')
        p = run("gb26875", "encode", stdin=bytes(text))
        assert p.returncode in (0, 1)


def test_encode_refuses_a_number_beyond_a_double_like_any_bad_line():
    # nlohmann throws out_of_range (406), not parse_error, for it: it ended the whole run as
    # "internal error" (exit 2), the lines after it not encoded.
    p = run("gb26875", "encode", stdin='{"type": 1e99999}\n' + VENDOR_JSON_LINE())
    assert p.returncode == 1, p.stderr
    assert b"line 1: invalid JSON: number overflow parsing '1e99999'" in p.stderr, p.stderr
    assert p.stdout.decode().split() == [VENDOR.hex()]


def test_encode_refuses_deep_and_long_lines():
    p = run("gb26875", "encode", stdin="[" * 400000 + "]" * 400000 + "\n" + VENDOR_JSON_LINE())
    assert p.returncode == 1
    assert b"line 1: JSON nested deeper than 32 levels" in p.stderr
    assert p.stdout.decode().split() == [VENDOR.hex()]
    p = run("gb26875", "encode", stdin=" " * (2 << 20) + "\n" + VENDOR_JSON_LINE())
    assert p.returncode == 1
    assert b"line 1: longer than 1048576 bytes" in p.stderr
    assert p.stdout.decode().split() == [VENDOR.hex()]


def test_large_stream_is_decoded_in_bounded_chunks():
    one = frame(bytes([1, 102]) + (bytes([1, 1]) + u16(1) + T) * 102)  # 1054 bytes
    data = (one + b"\x00garbage") * 3000  # about 3 MB, frames across every chunk boundary
    p = run("gb26875", "decode", "--json", "--binary", stdin=data)
    assert p.returncode == 1
    lines = p.stdout.decode().splitlines()
    assert sum(1 for l in lines if l.startswith('{"offset"')) == 3000
    assert sum(1 for l in lines if l.startswith('{"rejected"')) == 3000
