#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpus of fuzz_modbus_scheduler.cpp into corpus/modbus_scheduler/.

Input format (see the header comment of fuzz_modbus_scheduler.cpp): a plan problem — the line,
the devices (unit, limits, gap reads, periods, policy, back-off, items per class, a refused
address) — then a program of operations. The op numbers are those of `enum op_kind`, the
table indices those of the arrays at the top of the target. Run once after changing either:
    python3 tests/fuzz/make_modbus_scheduler_seeds.py
Seeds named crash_* are reproducers of defects the fuzzer found, found_* inputs it found that
a first version of the target misjudged; both are kept as they are (this script does not write
or delete them).
"""
import os

(STEP, NEXT, REPLY, COMPLETE, RUN, WRITE, DIE, REVIVE, REFUSE, SILENT, LATENCY,
 DEADLINE) = range(12)

# Lines: byte % 5 (0 RTU 9600, 1 RTU 19200, 2 RTU 115200, 3 TCP, 4 zero cost); bit 3: 10 bits
# per character; bits 4-6: turnaround index.
RTU9600, RTU19200, RTU115200, TCP, ZERO = range(5)
# Tables and item counts (indices into `counts`).
COILS, DISCRETE, HOLDING, INPUT = range(4)
COUNT = {1: 0, 2: 3, 3: 5, 4: 6, 5: 7, 8: 8, 10: 9, 16: 10, 60: 11, 125: 12, 126: 13, 250: 14,
         2000: 15}
# Periods: 0 never, 1 100 ms, 2 250 ms, 3 1 s, 4 2 s, 5 5 s, 6 30 s.
# Errors of `complete`: 0 ok, 1 timeout, 2 ex01, 3 ex02, 4 ex03, 5 ex04, 6 ex06, 7 ex0B,
# 8 unknown exception, 9 CRC, 10 unit, 11 function, 12 transaction, 13 byte count,
# 14 disconnected, 15 cancelled, 16 queue full, 17 foreign code.
# Steps: 3 10 ms, 5 100 ms, 8 1 s, 10 5 s, 12 30 s, 13 60 s. Run lengths: 0 10 ms, 1 100 ms,
# 2 1 s, 3 5 s, 4 30 s, 5 120 s, 6 600 s. Latencies: 0 none, 2 5 ms, 3 20 ms, 4 90 ms, 6 1 s.


def item(table, address, count=1, mode=None):
    """Two bytes: table, count index, address mode (0 byte, 1 byte × 4, 2 0xFF00 + byte,
    3 byte × 257) and the address byte."""
    if mode is None:
        if address < 256:
            mode, b = 0, address
        elif address % 4 == 0 and address < 1024:
            mode, b = 1, address // 4
        elif address >= 0xFF00:
            mode, b = 2, address - 0xFF00
        else:
            assert address % 257 == 0
            mode, b = 3, address // 257
    else:
        b = address
    return [table | (COUNT[count] << 2) | (mode << 6), b]


def device(unit=1, regs=0, bits=0, no_gaps=False, periods=(3, 0, 0), timeout=1, retries=1,
           quarantine_after=2, backoff=0, backoff_mult=2, alarm=(), meas=(), config=(),
           refused=0):
    out = [unit, regs | (bits << 4), 1 if no_gaps else 0, *periods,
           timeout | (retries << 2) | ((quarantine_after - 1) << 4),
           backoff | (backoff_mult << 2)]
    for cls in (alarm, meas, config):
        assert len(cls) <= 6
        out.append(len(cls))
        for it in cls:
            out += it
    out.append(refused)
    return out


def problem(line, devices):
    assert 1 <= len(devices) <= 4
    out = [line, len(devices) - 1]
    for d in devices:
        out += d
    return out


def seed(line, devices, program):
    return bytes(problem(line, devices) + program)


H = HOLDING
ACREL = device(unit=1, periods=(3, 4, 6),
               alarm=[item(H, 0x1B)], meas=[item(H, 0x00), item(H, 0x1E)],
               config=[item(H, 0x08, 2), item(H, 0x10), item(H, 0x1A)])
AIM = device(unit=3, periods=(1, 3, 0), timeout=2,
             alarm=[item(H, 0x0B, 2)], meas=[item(H, 0x4A, 10), item(H, 0x56, 10)])
PLAIN = device(unit=2, periods=(3, 0, 0), alarm=[item(H, 0, 4)])

SEEDS = {
    "one_device_classes": seed(RTU9600, [ACREL], [RUN, 4]),
    "two_devices_run": seed(RTU19200, [ACREL, AIM], [RUN, 3, RUN, 4]),
    "manual_next_reply": seed(RTU9600, [ACREL],
                              [NEXT, REPLY, 2, NEXT, REPLY, 3, NEXT, NEXT, REPLY, 0, STEP, 8,
                               NEXT, REPLY, 4, DEADLINE, NEXT, REPLY, 2]),
    "every_error": seed(TCP | 0x20, [ACREL, PLAIN],
                        sum(([NEXT, COMPLETE, e, 2] for e in range(18)), [])),
    "refused_bisect": seed(RTU9600, [device(unit=5, periods=(3, 0, 0),
                                            alarm=[item(H, a) for a in (0, 1, 2, 3, 4, 5)],
                                            refused=0x21)],
                           [REFUSE, 0, 0x21, RUN, 3]),
    "silent_timeout_split": seed(RTU9600, [device(unit=6, periods=(3, 0, 0), timeout=0,
                                                  quarantine_after=3,
                                                  alarm=[item(H, 0), item(H, 2), item(H, 8)])],
                                 [SILENT, 0, 0x12, RUN, 3, SILENT, 0, 0, RUN, 3]),
    "dead_device_quarantine": seed(RTU9600, [PLAIN, device(unit=9, periods=(3, 0, 0),
                                                           timeout=1, backoff=1,
                                                           backoff_mult=3,
                                                           alarm=[item(H, 0, 4)])],
                                   [DIE, 1, RUN, 4, RUN, 5]),
    "dead_then_back": seed(RTU9600, [PLAIN, device(unit=9, periods=(3, 0, 0), retries=0,
                                                   quarantine_after=1, alarm=[item(H, 0)])],
                           [DIE, 1, RUN, 3, REVIVE, 1, RUN, 4]),
    "four_dead_one_live": seed(RTU9600, [PLAIN] + [device(unit=u, periods=(3, 0, 0),
                                                          alarm=[item(H, 0, 4)])
                                                   for u in (10, 11, 12)],
                               [RUN, 3, DIE, 1, DIE, 2, DIE, 3, RUN, 5]),
    "busy_line_noise": seed(RTU9600, [device(unit=u, periods=(3, 0, 0), timeout=2,
                                             alarm=[item(H, 0, 4)]) for u in (1, 2, 3, 4)],
                            [LATENCY, 0, 4, LATENCY, 1, 4, LATENCY, 2, 4, LATENCY, 3, 4,
                             RUN, 3, NEXT, COMPLETE, 1, 0, RUN, 4]),
    "starved_measurements": seed(RTU9600, [device(unit=1, periods=(1, 3, 0),
                                                  alarm=[item(H, 0), item(H, 5000 // 257 * 257)]),
                                           device(unit=2, periods=(0, 3, 0),
                                                  meas=[item(H, 0)])],
                                 [LATENCY, 0, 4, RUN, 3]),
    "writes": seed(RTU9600, [ACREL],
                   [WRITE, 0, 2, 0, 29, 0, 8, RUN, 1, WRITE, 0, 1, 1, 8, NEXT, COMPLETE, 1, 0,
                    NEXT, COMPLETE, 1, 0, NEXT, COMPLETE, 1, 0, RUN, 3, WRITE, 1, 1, 0, 1,
                    WRITE, 0, 0]),
    "write_to_quarantined": seed(RTU9600, [device(unit=1, periods=(3, 0, 0), retries=0,
                                                  quarantine_after=1, backoff=2,
                                                  alarm=[item(H, 0)])],
                                 [DIE, 0, RUN, 2, WRITE, 0, 1, 0, 8, RUN, 3, REVIVE, 0, RUN, 4]),
    "write_fails_into_quarantine": seed(RTU9600, [device(unit=1, periods=(0, 0, 0), retries=0,
                                                         quarantine_after=1,
                                                         alarm=[item(H, 0)])],
                                        [WRITE, 0, 3, 0, 1, 1, 2, 2, 3, DIE, 0, RUN, 3,
                                         REVIVE, 0, RUN, 4]),
    "write_only_device": seed(RTU9600, [PLAIN, device(unit=7, periods=(0, 0, 0), retries=0,
                                                      quarantine_after=1)],
                              [DIE, 1, WRITE, 1, 1, 0, 5, RUN, 3, REVIVE, 1, WRITE, 1, 1, 0, 6,
                               RUN, 4]),
    "planner_pieces_bits": seed(ZERO, [device(unit=1, regs=6, bits=3, periods=(3, 3, 0),
                                              alarm=[item(COILS, 0, 16), item(DISCRETE, 3)],
                                              meas=[item(H, 0, 250), item(INPUT, 5, 10)])],
                                [RUN, 3]),
    "planner_overlaps": seed(TCP, [device(unit=1, regs=10, periods=(3, 0, 0),
                                          alarm=[item(H, 0, 4), item(H, 2, 4), item(H, 12, 60),
                                                 item(H, 20, 3), item(H, 0, 2000),
                                                 item(H, 254, 60)])],
                             [RUN, 2]),
    # Touching items and a binding read limit: two reads, not three (a fixed planner defect).
    "planner_touching_items_limit": seed(TCP, [device(unit=1, regs=10, periods=(3, 0, 0),
                                                      alarm=[item(H, 0), item(H, 5, 5),
                                                             item(H, 10, 2), item(H, 19)])],
                                         [RUN, 2]),
    "planner_top_of_space": seed(RTU115200, [device(unit=1, periods=(3, 0, 0), no_gaps=True,
                                                    alarm=[item(H, 0xFFF0, 60),
                                                           item(H, 0xFFFF, 3),
                                                           item(COILS, 0xFF00, 2000)])],
                                 [RUN, 2]),
    "no_gaps_device": seed(RTU9600, [device(unit=1, no_gaps=True, periods=(3, 3, 3),
                                            alarm=[item(H, 0), item(H, 2), item(H, 3)],
                                            meas=[item(INPUT, 4), item(INPUT, 5, 2)],
                                            config=[item(H, 100), item(H, 101)])],
                             [REFUSE, 0, 0x80, RUN, 3]),
    "probe_busy_bus": seed(RTU9600, [device(unit=1, periods=(1, 0, 0), timeout=3,
                                            alarm=[item(H, 0)]),
                                     device(unit=2, periods=(3, 0, 0), timeout=3, retries=0,
                                            quarantine_after=1, backoff=3, backoff_mult=1,
                                            alarm=[item(H, 0)])],
                             [DIE, 1, RUN, 4, REVIVE, 1, RUN, 4]),
    "exceptions_keep_device_alive": seed(RTU9600, [device(unit=1, periods=(3, 3, 0),
                                                          alarm=[item(H, 0), item(H, 4)],
                                                          meas=[item(H, 9)])],
                                         [NEXT, COMPLETE, 1, 0, NEXT, COMPLETE, 1, 0,
                                          NEXT, COMPLETE, 3, 2, NEXT, COMPLETE, 2, 2,
                                          RUN, 3]),
    "timeout_split_then_exception_then_death": seed(
        RTU9600, [device(unit=1, periods=(3, 0, 0), retries=0, quarantine_after=2,
                         alarm=[item(H, 0), item(H, 2), item(H, 4), item(H, 6)])],
        [NEXT, COMPLETE, 1, 0, NEXT, COMPLETE, 2, 2, NEXT, COMPLETE, 1, 0, NEXT, COMPLETE, 1, 0,
         RUN, 4]),
}

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "modbus_scheduler")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if not name.startswith(("crash_", "found_")):
            os.remove(os.path.join(out, name))
    for name, content in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(content)
    print(f"wrote {len(SEEDS)} seeds to {out}")
