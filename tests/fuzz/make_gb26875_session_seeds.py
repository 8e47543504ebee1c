#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpus of fuzz_gb26875_session.cpp into corpus/gb26875_session/.

Input format (see the header comment of fuzz_gb26875_session.cpp): [mode] [3 config bytes]
[start time] then operations, each one byte (its kind modulo the number of kinds) followed by its
arguments. mode bit 0: 0 centre_session, 1 uitd_session; bit 1: lazy polling. Frames are written
as fields (serial mode, command index, flags, ADU); the target encodes them itself.
Run once after changing the input format:
    python3 tests/fuzz/make_gb26875_session_seeds.py
"""
import os

CENTRE, UITD = 0, 1
LAZY = 2

# Indexes into the target's tables.
CMD = {"send_data": 0, "confirm": 2, "deny": 4, "control": 5, "request": 6, "response": 7,
       "reserved0": 8, "reserved7": 9, "user128": 10}
ADU_TYPE = {1: 0, 2: 1, 3: 2, 4: 3, 21: 4, 24: 5, 28: 6, 61: 7, 62: 8, 63: 9, 64: 10, 65: 11,
            66: 12, 67: 13, 68: 14, 81: 15, 84: 16, 85: 17, 86: 18, 88: 19, 89: 20, 90: 21,
            91: 22, 128: 23, 129: 24}
STEP = {"0": 0, "1us": 1, "1ms": 2, "250ms": 3, "999ms": 4, "1s": 5, "2.999s": 6, "3s": 7,
        "3s+1us": 8, "9.999s": 9, "10s": 10, "30s": 11, "90s": 12, "1h": 13, "1d": 14, "5s": 15}


def adu_empty():
    return bytes([0])


def adu_raw(data):
    return bytes([1, len(data)]) + bytes(data)


def adu_typed(t, objects, short=False, wrong_count=False):
    """objects: list of (x, y) field bytes, at most 3."""
    kind = 2 | (len(objects) << 3) | (0x40 if short else 0) | (0x20 if wrong_count else 0)
    out = bytes([kind, ADU_TYPE[t]])
    for x, y in objects:
        out += bytes([x, y])
    return out


# --- centre ----------------------------------------------------------------------------------
C_STEP, C_FRAME, C_BYTES, C_REQUEST, C_CONTROL, C_ACCEPT, C_REJECT, C_ADVANCE, C_DUE, C_BACK, \
    C_WALL, C_POLL, C_DISCONNECT = 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13


def c_header(cmd, serial_mode=3, serial=0, flags=0):
    out = bytes([serial_mode | (CMD[cmd] << 2), flags])
    # flags 1/2 (addresses), 4/8 (version), 16 (time tag) are not used by these seeds
    if serial_mode == 3:
        out = bytes([out[0]]) + serial.to_bytes(2, "little") + out[1:]
    return out


def c_frame(cmd, adu, serial_mode=3, serial=0):
    return bytes([C_FRAME]) + c_header(cmd, serial_mode, serial) + adu


def c_bytes(damage, cmd, adu, serial=0, garbage=b"", flush=False, arg=b""):
    c = damage | (8 if garbage else 0) | (0x10 if flush else 0)
    out = bytes([C_BYTES, c])
    if garbage:
        out += bytes([len(garbage)]) + garbage
    return out + c_header(cmd, 3, serial) + adu + arg


def c_request(read_index=8, field=0):  # index into the target's read list: 8 = type 81
    return bytes([C_REQUEST, 0, read_index, field])


def c_control(which=0, field=0):  # 0: 89, 1: 90, 2: 91
    return bytes([C_CONTROL, which]) + (bytes([field]) if which != 1 else b"")


def due(m=1):
    return bytes([C_DUE, m])


def centre(config, ops, lazy=False, t0=5):
    return bytes([CENTRE | (LAZY if lazy else 0)]) + bytes(config) + bytes([t0]) + b"".join(ops)


# config bytes: a = policy | retries << 1 | timeout << 3 | idle << 5; b = rate | window << 2 |
# errors << 3 | pending << 5; d = unconfirmed | history << 2 | small outputs 0x10 | serial << 5 |
# users 0x80.
DEFAULT = (0, 0, 0)
AFTER_ACCEPT = (1, 0, 0)
STATUS = adu_typed(1, [(0x03, 0x00)])
FIRE_COMPONENT = adu_typed(2, [(0x03, 0x00)])
UITD_STATUS = adu_typed(21, [(0x01, 0)])

CENTRE_SEEDS = {
    "centre_messages_heartbeat_requests": centre(DEFAULT, [
        c_frame("send_data", STATUS, serial=7),
        c_frame("send_data", adu_empty(), serial=8),
        c_frame("send_data", STATUS, serial=7),  # a retransmission: duplicate
        c_request(),
        c_frame("response", UITD_STATUS, serial_mode=0),
        c_control(2, 10),
        bytes([C_STEP, STEP["1s"]]),
        c_frame("confirm", adu_empty(), serial_mode=0),
        c_request(3, 2),
        due(), due(), due(), due(), due(),
    ]),
    "centre_deny_retransmits": centre((0x02 | 0x08, 0, 0), [
        c_frame("send_data", adu_empty(), serial=1),
        c_control(0, 0),
        c_frame("deny", adu_empty(), serial_mode=0),
        c_frame("deny", adu_empty(), serial_mode=0),
        c_frame("response", adu_empty(), serial_mode=0),
        c_frame("deny", adu_empty(), serial_mode=0),
        c_request(),
        c_frame("response", adu_typed(21, [(1, 0)], short=True), serial_mode=0),
        c_frame("response", UITD_STATUS, serial_mode=0),
    ]),
    "centre_after_accept": centre(AFTER_ACCEPT + (), [
        c_frame("send_data", STATUS, serial=1),
        c_frame("send_data", STATUS, serial=1),  # repeat while waiting: counted
        c_frame("control", FIRE_COMPONENT, serial=2),
        bytes([C_ACCEPT, 0]),
        c_frame("send_data", STATUS, serial=1),  # repeat after accept: duplicate
        bytes([C_REJECT, 0]),
        bytes([C_ACCEPT, 3, 9]),
    ]),
    "centre_after_accept_full": centre((1, 0, 1), [
        c_frame("send_data", STATUS, serial=1),
        c_frame("send_data", STATUS, serial=2),
        c_frame("send_data", STATUS, serial=3),
        bytes([C_ACCEPT, 0]),
        c_frame("send_data", STATUS, serial=3),
    ]),
    "centre_denied_inputs": centre(DEFAULT, [
        c_frame("request", adu_typed(81, [(0, 0)]), serial=1),
        c_frame("reserved0", STATUS, serial=2),
        c_frame("user128", STATUS, serial=3),
        c_frame("control", adu_empty(), serial=4),
        c_frame("send_data", adu_typed(1, [(1, 0)], wrong_count=True), serial=5),
        c_frame("send_data", adu_raw([200, 1, 2]), serial=6),
        c_frame("confirm", adu_empty(), serial=77),
    ]),
    "centre_deframer_rejections": centre(DEFAULT, [
        c_bytes(1, "send_data", STATUS, serial=0x4040, arg=b"\x05"),
        c_bytes(3, "send_data", STATUS, serial=2, garbage=b"ab@"),
        c_bytes(4, "send_data", STATUS, serial=3, arg=b"\x00"),
        c_bytes(2, "send_data", STATUS, serial=4, arg=b"\x10\x00\x07"),
        c_bytes(5, "send_data", STATUS, serial=5, arg=b"\x20\x00"),
        c_bytes(0, "send_data", STATUS, serial=6, flush=True),
        bytes([C_BYTES, 7]),
    ]),
    "centre_rate_and_errors": centre((0, 1 | (2 << 3), 0), [
        c_frame("send_data", STATUS, serial=1),
        c_frame("reserved7", STATUS, serial=2),
        bytes([C_STEP, STEP["1s"]]),
        c_frame("reserved7", STATUS, serial=3),
        c_frame("reserved7", STATUS, serial=4),
        c_frame("reserved7", STATUS, serial=5),
    ]),
    "centre_idle_and_back_in_time": centre((0x20, 0, 0), [
        c_frame("send_data", STATUS, serial=1),
        c_request(),
        bytes([C_STEP, STEP["5s"]]),
        bytes([C_BACK, STEP["1s"], 0]) + c_header("send_data", 3, 2) + STATUS,
        bytes([C_BACK, STEP["1h"], 1]),
        bytes([C_STEP, STEP["3s"]]),
        bytes([C_WALL, 0, 1, 0]),
        due(1),
        due(1),
    ]),
    "centre_lazy_overflow": centre((0, 0, 0x10), [
        c_frame("send_data", STATUS, serial=i) for i in range(12)
    ] + [bytes([C_POLL])], lazy=True),
    "centre_lazy_requests_disconnect": centre((0x04, 0x20, 0x80 | 0x40), [
        c_frame("send_data", adu_typed(128, [(1, 2)]), serial=1),
        c_request(), c_request(1, 3), c_control(1), c_control(0),
        due(), due(),
        bytes([C_POLL]),
        bytes([C_DISCONNECT, 0]),
    ], lazy=True),
}

# --- UITD ------------------------------------------------------------------------------------
U_STEP, U_FRAME, U_BYTES, U_SUBMIT, U_SUBMIT_ADU, U_DUTY, U_CONNECT, U_DISCONNECT, U_ADVANCE, \
    U_DUE, U_WALL, U_RECONNECT, U_PROVIDER, U_POLL = 0, 1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
ROUTINE, ALARM, FIRE = 2, 1, 0


def u_header(cmd, serial_mode=0, serial=0, flags=0):
    out = bytes([serial_mode | (CMD[cmd] << 3)])
    if serial_mode == 3:
        out += bytes([serial])
    elif serial_mode == 4:
        out += serial.to_bytes(2, "little")
    return out + bytes([flags])


def u_frame(cmd, adu=b"\x00", serial_mode=0, serial=0):
    return bytes([U_FRAME]) + u_header(cmd, serial_mode, serial) + adu


def u_bytes(damage, cmd, adu=b"\x00", arg=b"", serial_mode=0):
    return bytes([U_BYTES, damage]) + u_header(cmd, serial_mode) + adu + arg


def submit(priority, adu=STATUS, fire=False):
    return bytes([U_SUBMIT, priority | (0x80 if fire else 0)]) + adu


def u_due(m=1):
    return bytes([U_DUE, m])


def uitd(config, ops, lazy=False, t0=5):
    return bytes([UITD | (LAZY if lazy else 0)]) + bytes(config) + bytes([t0]) + b"".join(ops)


# config bytes: a = timeout | fire timeout << 2 | retries << 4 | heartbeat << 6; b = queue |
# outputs << 2 | max_age << 4 | serial << 6; d = flags (clock sync, version, offset, back-off).
U_DEFAULT = (0x30, 0, 0)  # retries 3, no heartbeat

UITD_SEEDS = {
    "uitd_deliver": uitd(U_DEFAULT, [
        bytes([U_CONNECT]),
        submit(ROUTINE),
        u_frame("confirm"),
        submit(FIRE, fire=True),
        u_frame("confirm"),
        bytes([U_SUBMIT_ADU, 0]) + FIRE_COMPONENT,
        u_frame("deny"),
        u_frame("confirm"),
    ]),
    "uitd_retries_fail": uitd(U_DEFAULT, [
        bytes([U_CONNECT]),
        submit(ROUTINE),
        u_due(), u_due(), u_due(), u_due(),
        submit(FIRE, fire=True),
        u_due(), u_due(), u_due(), u_due(),
    ]),
    "uitd_fire_gives_way": uitd(U_DEFAULT, [
        bytes([U_CONNECT]),
        submit(ROUTINE),
        submit(ROUTINE, adu_typed(3, [(1, 2)])),
        submit(FIRE, fire=True),
        u_due(1),
        u_frame("confirm", serial_mode=2),
        u_frame("confirm", serial_mode=3, serial=1),
        u_frame("confirm"),
    ]),
    "uitd_centre_requests": uitd(U_DEFAULT, [
        bytes([U_CONNECT]),
        bytes([U_PROVIDER, 3, 1]),
        u_frame("request", adu_typed(81, [(0, 0)]), serial_mode=4, serial=100),
        u_frame("request", adu_typed(61, [(1, 1)]), serial_mode=4, serial=101),
        bytes([U_PROVIDER, 4, 0]),
        u_frame("request", adu_typed(81, [(0, 0)]), serial_mode=4, serial=102),
        bytes([U_PROVIDER, 2, 0]),
        u_frame("request", adu_typed(81, [(0, 0)]), serial_mode=4, serial=103),
        bytes([U_PROVIDER, 0, 0]),
        u_frame("request", adu_typed(81, [(0, 0)]), serial_mode=4, serial=104),
        u_frame("control", adu_typed(89, [(0, 0)]), serial_mode=4, serial=105),
        u_frame("control", adu_typed(90, [(30, 0)]), serial_mode=4, serial=106),
        u_frame("control", adu_typed(90, [(30, 0x80 | 0x20 | 0x3F)]), serial_mode=4, serial=107),
        u_frame("control", adu_typed(91, [(5, 0)]), serial_mode=4, serial=108),
        bytes([U_DUTY, 9]),
        u_frame("send_data", adu_empty(), serial_mode=4, serial=109),
        u_frame("send_data", STATUS, serial_mode=4, serial=110),
        u_frame("reserved7", STATUS, serial_mode=4, serial=111),
        u_frame("response", STATUS, serial_mode=4, serial=112),
        u_bytes(0, "control", adu_typed(89, [(0, 0)]), b"\x01"),
        u_bytes(0, "confirm", adu_empty(), b"\x01"),
        u_bytes(2, "control", adu_typed(89, [(0, 0)]), b"\x05\x00"),
    ]),
    "uitd_disconnect_resend": uitd(U_DEFAULT, [
        bytes([U_CONNECT]),
        submit(ALARM),
        bytes([U_DISCONNECT, 0]),
        bytes([U_RECONNECT]), bytes([U_RECONNECT]), bytes([U_RECONNECT]),
        submit(FIRE, fire=True),
        bytes([U_CONNECT]),
        u_frame("confirm"),
        u_frame("confirm"),
    ]),
    "uitd_heartbeat_max_age": uitd((0x20 | (2 << 6), 2 | (2 << 4), 0), [
        bytes([U_CONNECT]),
        u_due(), u_due(), u_due(),
        u_frame("confirm"),
        submit(ROUTINE), submit(ALARM), submit(FIRE, fire=True),
        bytes([U_DISCONNECT, 1]),
        bytes([U_STEP, STEP["30s"]]),
        bytes([U_ADVANCE]),
        bytes([U_WALL, 0, 5, 0]),
    ]),
    # A fuzzer find: heartbeats every 1 ms, nobody polls, advance() at every deadline: the output
    # queue grew by one heartbeat frame per deadline (uitd_session rule 7 now waits for room).
    "uitd_heartbeats_unpolled": uitd((0x01 | (3 << 6), 1 | (1 << 2), 0),
                                     [bytes([U_CONNECT])] + [u_due()] * 40, lazy=True),
    "uitd_lazy_full_outputs": uitd((0x10, 2 | (2 << 2), 0), [
        bytes([U_CONNECT]),
        submit(ROUTINE), submit(ROUTINE), submit(ALARM), submit(FIRE, fire=True),
        u_frame("request", adu_typed(81, [(0, 0)]), serial_mode=4, serial=1),
        u_due(), u_due(), u_due(),
        bytes([U_POLL]),
    ], lazy=True),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "gb26875_session")
    os.makedirs(out, exist_ok=True)
    seeds = dict(CENTRE_SEEDS)
    seeds.update(UITD_SEEDS)
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(seeds)} seeds to {out}")


if __name__ == "__main__":
    main()
