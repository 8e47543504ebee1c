#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpus of fuzz_gb26875_deframer.cpp into corpus/gb26875_deframer/.

Input format: [c0] [c1] [stream]. The top three bits of c0 pick the largest chunk the stream is
fed in (index into 1, 2, 7, 64, 300, 1100, 5000, whole); the rest of c0 and c1 seed the chunk
sizes. Frames are GB/T 26875.3 §6.6 frames built here independently of the C++ encoder.
Run once after changing the input format:
    python3 tests/fuzz/make_gb26875_seeds.py
"""
import os
import struct

ONE, TWO, SEVEN, SIXTY_FOUR, THREE_HUNDRED, ELEVEN_HUNDRED, FIVE_THOUSAND, WHOLE = range(8)


def frame(adu=b"", serial=1, cmd=2, source=0x12345678, destination=1,
          time=(21, 55, 10, 30, 11, 26), version=(1, 0)):
    body = (struct.pack("<H", serial) + bytes(version) + bytes(time) +
            source.to_bytes(6, "little") + destination.to_bytes(6, "little") +
            struct.pack("<H", len(adu)) + bytes([cmd]) + adu)
    return b"@@" + body + bytes([sum(body) % 256]) + b"##"


def seed(max_chunk, stream, salt=0x5A):
    return bytes([(max_chunk << 5) | (salt & 0x1F), salt]) + stream


# ADUs (§7-8): type 1 facility system status, type 2 component status, type 21 UITD status.
STATUS = bytes([1, 1, 1, 3]) + struct.pack("<H", 0x0003) + bytes([21, 55, 10, 30, 11, 26])
COMPONENT = (bytes([2, 1, 1, 3, 25]) + struct.pack("<I", 0x01020304) + struct.pack("<H", 2) +
             "烟感 3F".encode("gb18030").ljust(31, b"\x00") + bytes([21, 55, 10, 30, 11, 26]))
UITD = bytes([21, 1, 0x01, 21, 55, 10, 30, 11, 26])

SEND = frame(STATUS, serial=7)
CONFIRM = frame(b"", serial=7, cmd=3, source=1, destination=0x12345678)
BIG = frame(bytes((i * 37) % 256 for i in range(1024)), serial=9)
NASTY = frame(b"@@##" * 30, serial=0x4040, cmd=0x23, source=0x404040404040,
              destination=0x232323232323, time=(0x40, 0x40, 0x23, 0x23, 0x40, 0x40),
              version=(0x40, 0x40))


def bad_checksum(f):
    return f[:-3] + bytes([(f[-3] + 1) % 256]) + f[-2:]


def with_length(f, length):
    return f[:24] + struct.pack("<H", length) + f[26:]


SEEDS = {
    "single_send_data": seed(WHOLE, SEND),
    "confirm_bytewise": seed(ONE, CONFIRM),
    "glued_types": seed(SIXTY_FOUR, SEND + frame(COMPONENT, serial=8) + frame(UITD) + CONFIRM),
    "big_split": seed(THREE_HUNDRED, BIG + SEND + BIG),
    "nasty_fields": seed(SEVEN, NASTY + NASTY + SEND),
    "garbage_false_starts": seed(TWO, b"\x01\x02@@\x03@@@@@" + SEND + b"@" + CONFIRM + b"xyz@"),
    "bad_checksum_between": seed(SIXTY_FOUR, SEND + bad_checksum(frame(COMPONENT)) + CONFIRM),
    "bad_end_55": seed(SEVEN, SEND[:-2] + b"55" + CONFIRM),
    "length_over_1024": seed(ELEVEN_HUNDRED, with_length(SEND, 1025) + SEND +
                             with_length(CONFIRM, 0xFFFF) + CONFIRM),
    "truncated_tail": seed(FIVE_THOUSAND, SEND + CONFIRM + BIG[:500]),
    "at_signs": seed(SIXTY_FOUR, b"@" * 1500),
    "long_false_starts": seed(SEVEN, b"@@\x00\x00\x04\x00\x00" * 160 + SEND + CONFIRM),
    # `@` + a frame whose top destination byte (0x78) is where the false start reads its length:
    # at the end of the stream, a one-byte truncated rejection, then the frame (a fuzzer find).
    "truncated_then_frame": seed(ONE, bytes(6) + b"@" + frame(b"", cmd=3, destination=0x78 << 40)),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "gb26875_deframer")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
