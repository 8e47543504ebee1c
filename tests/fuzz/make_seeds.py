#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpus of fuzz_byte_reader.cpp into corpus/byte_reader/.

Input format: [n = program size] [n program bytes: op, arg?, ...] [data]. The op numbers are
those of `enum op` in fuzz_byte_reader.cpp. Run once after changing that enum:
    python3 tests/fuzz/make_seeds.py
"""
import os
import struct

(U8, I8, U16LE, U16BE, I16LE, I16BE, U32LE, U32BE, I32LE, I32BE, U48LE, U48BE, U64LE, U64BE,
 I64LE, I64BE, F32LE, F32BE, F64LE, F64BE, BYTES, SKIP, UINT, PEEK, COPY_TO, THROWING) = range(26)
BIG = 0x10  # uint(): byte-order bit of the argument


def seed(program, data):
    assert len(program) <= 32
    return bytes([len(program)]) + bytes(program) + bytes(data)


GB26875_HEADER = (b"@@" + struct.pack("<H", 0x1234) + b"\x01\x01" +
                  bytes([21, 55, 10, 30, 11, 26]) + bytes(range(1, 7)) + bytes(range(0xA1, 0xA7)) +
                  struct.pack("<H", 8) + b"\x02")

SEEDS = {
    "empty_program": seed([], b"\x40\x40\x00\x01"),
    "only_size_byte": bytes([7]),
    "all_fixed_reads": seed(list(range(U8, F64BE + 1)), bytes(range(256))[:100]),
    "truncated_u48": seed([U48LE], b"\x01\x02\x03\x04\x05"),
    "sticky_after_u32": seed([U8, U32LE, U8, PEEK], b"\xAA\xBB\xCC"),
    "huge_counts": seed([U8, SKIP, 0xFF, BYTES, 0xFE, SKIP, 0xF8, U8], bytes(8)),
    "uint_widths": seed([UINT, 0x00, UINT, 0x06, UINT, 0x06 | BIG, UINT, 0x09, UINT, 0x03 | BIG,
                         UINT, 0x08, UINT, 0x0F, UINT, 0x01],
                        bytes(range(0x10, 0x40))),
    "peek_copy": seed([PEEK, COPY_TO, 5, PEEK, U8, COPY_TO, 64, PEEK], b"\x68\x16\x01\x02\x03\x04"),
    "throwing": seed([THROWING, U64BE, THROWING, U32LE, THROWING, U8], bytes(range(11))),
    "gb26875_header": seed([SKIP, 2, U16LE, SKIP, 2, BYTES, 6, U48LE, U48LE, U16LE, U8, U8],
                           GB26875_HEADER),
    "nan_payloads": seed([F32BE, F32LE, F64BE, F64LE],
                         struct.pack(">I", 0x7FA00001) + struct.pack("<I", 0xFFC01234) +
                         struct.pack(">Q", 0x7FF00000DEADBEEF) + struct.pack("<Q", 1 << 63)),
}

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "byte_reader")
    os.makedirs(out, exist_ok=True)
    for name, content in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(content)
    print(f"wrote {len(SEEDS)} seeds to {out}")
