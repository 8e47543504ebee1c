#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpus of fuzz_centre_extract.cpp into corpus/centre_extract/.

Input format: [offset] [flags] [serial lo] [serial hi] [ADU]. offset: time zone (offset - 128)
x 15 min; flags bit 0: bit-0 policy zero_means_normal. ADUs (GB/T 26875.3 section 8) are built here
independently of the C++ encoder. Run once after changing the input format:
    python3 tests/fuzz/make_centre_extract_seeds.py
"""
import os
import struct

BEIJING = 128 + 32  # UTC+8
TIME = bytes([21, 55, 10, 30, 11, 26])        # 2026-11-30 10:55:21
TIME_2000 = bytes([0, 0, 0, 1, 1, 0])         # a clock never set
TIME_BAD = bytes([61, 60, 24, 31, 2, 26])     # 31 February, 24:60:61
TIME_29FEB = bytes([0, 0, 12, 29, 2, 25])     # not a leap year


def seed(adu, offset=BEIJING, flags=0, serial=1):
    return bytes([offset, flags]) + struct.pack("<H", serial) + adu


def adu(kind, *objects):
    return bytes([kind, len(objects)]) + b"".join(objects)


def text31(s, enc="gb18030"):
    return s.encode(enc).ljust(31, b"\x00")[:31]


def sys_status(status, t=TIME, stype=1, saddr=1):
    return bytes([stype, saddr]) + struct.pack("<H", status) + t


def comp_status(status, desc, t=TIME, ctype=40, caddr=0x01020304):
    return bytes([1, 1, ctype]) + struct.pack("<IH", caddr, status) + desc + t


def comp_analog(atype, value, t=TIME):
    return bytes([1, 1, 40]) + struct.pack("<IBh", 7, atype, value) + t


def sys_operation(flags, op=3, t=TIME):
    return bytes([1, 1, flags, op]) + t


def config(text):
    return bytes([len(text)]) + text


SEEDS = {
    "type1_fire": seed(adu(1, sys_status(0x0003))),
    "type1_faults_bits8_10": seed(adu(1, sys_status(0x0704, t=TIME_2000))),
    "type2_fire_chinese": seed(adu(2, comp_status(0x0003, text31("三层 烟感 12")))),
    "type2_two_bad_time": seed(adu(2, comp_status(0x0002, text31("A")),
                                   comp_status(0x0000, text31("B"), t=TIME_BAD))),
    "type2_bad_gb18030": seed(adu(2, comp_status(0x0003, b"\x81\x30\xff\xfe\x80" + bytes(26)))),
    "type2_spaces_only": seed(adu(2, comp_status(0x0010, b" " * 31, t=TIME_29FEB))),
    "type3_residual_current": seed(adu(3, comp_analog(128, 450))),
    "type3_temperature_negative": seed(adu(3, comp_analog(3, -32768), comp_analog(200, 32767))),
    "type4_manual_alarm": seed(adu(4, sys_operation(0x04))),
    "type5_version": seed(adu(5, bytes([1, 1, 2, 17]))),
    "type6_config": seed(adu(6, bytes([1, 1]) + config("主机 A 区".encode("gb18030")))),
    "type6_config_utf8_bytes": seed(adu(6, bytes([1, 1]) + config("控制器".encode("utf-8")))),
    "type7_component_config": seed(adu(7, bytes([1, 1, 40]) + struct.pack("<I", 9) +
                                       text31("手报 1F"))),
    "type8_system_time": seed(adu(8, bytes([1, 1]) + TIME)),
    "type21_uitd_faults": seed(adu(21, bytes([0x5C]) + TIME), offset=0, flags=1),
    "type21_uitd_fire": seed(adu(21, bytes([0x03]) + TIME), offset=255, serial=0xFFFF),
    "type24_uitd_manual_alarm": seed(adu(24, bytes([0x04, 9]) + TIME), offset=128 - 48),
    "type25_uitd_version": seed(adu(25, bytes([1, 0]))),
    "type26_uitd_config": seed(adu(26, config(b"\xd6\xd0\xce\xc4" * 10))),
    "type28_uitd_time": seed(adu(28, TIME_2000)),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "centre_extract")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
