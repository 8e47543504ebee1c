#!/usr/bin/env python3
"""Decode a GB/T 26875.3 capture and print its alarms (fire alarms and faults).

Usage:
    python decode_capture.py CAPTURE [--lang en|zh] [--utc-offset MINUTES] [--policy standard|zero]

CAPTURE is either raw binary (the bytes of a TCP stream, e.g. exported from Wireshark with
"Follow TCP stream -> Raw") or hex text: hex digits with any whitespace, lines starting with
'#' or ';' are comments. The whole capture is cut into frames with firebus.gb26875.decode_frames
(a deframer: garbage and damaged frames are reported, not fatal); each frame's ADU is decoded
and every object reporting a fire alarm or a fault is printed with its time tag, the system and
component type, the component address and its description (GB 18030 converted to UTF-8).

Example:
    $ python decode_capture.py data/gb26875_capture.hex
    2020-01-08 19:18:48  fire_alarm  UITD 0x010203040506  system fire_alarm #1  ...
"""

from __future__ import annotations

import argparse
import pathlib
import re
import string
import sys
from typing import Iterator, NamedTuple

import firebus
from firebus import gb26875 as gb
from firebus.gb26875 import text


class Alarm(NamedTuple):
    """One alarm found in the capture."""

    time: str
    kind: str  # "fire_alarm", "fault", or both joined by '|'
    uitd: int  # the UITD's address (the frame's source)
    where: str  # system / component description
    status: str  # describe_status() of the whole word


def read_capture(path: pathlib.Path) -> bytes:
    """The bytes of a capture: hex text if the file is only hex digits, whitespace and comments."""
    raw = path.read_bytes()
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return raw
    body = "".join(ln.split("#", 1)[0].split(";", 1)[0] for ln in lines)
    body = re.sub(r"\s+", "", body)
    if body and all(c in string.hexdigits for c in body) and len(body) % 2 == 0:
        return bytes.fromhex(body)
    return raw


def time_of(tag: gb.TimeTag) -> str:
    return str(tag) if tag.valid() else f"invalid time {tag!r}"


def alarms(frame: gb.Frame, policy: gb.Bit0Policy, lang: str) -> Iterator[Alarm]:
    """The fire alarms and faults reported by one frame."""
    if not frame.adu or frame.command != gb.Command.send_data:
        return
    adu = frame.decode_adu()
    uitd = frame.header.source
    for o in adu:
        if isinstance(o, gb.SystemStatusRecord):
            flags = gb.decode_system_status(o.status, policy)
            kind = gb.StatusKind.system
            where = f"system {gb.system_type_name(o.system_type, lang)} #{o.system_address}"
        elif isinstance(o, gb.ComponentStatusRecord):
            flags = gb.decode_component_status(o.status, policy)
            kind = gb.StatusKind.component
            where = (f"system {gb.system_type_name(o.system_type, lang)} #{o.system_address}, "
                     f"component {gb.component_type_name(o.component_type, lang)} "
                     f"0x{o.component_address:08x} "
                     f"'{o.decode_text(text.TextPolicy.replace)}'")
        elif isinstance(o, gb.UitdStatusRecord):
            flags = gb.decode_uitd_status(o.status, policy)
            kind = gb.StatusKind.uitd
            where = "the UITD itself"
        else:
            continue
        found = [name for name in ("fire_alarm", "fault") if getattr(flags, name)]
        if found:
            yield Alarm(time_of(o.time), "|".join(found), uitd, where,
                        gb.describe_status(o.status, kind, policy, lang))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("capture", type=pathlib.Path, help="hex text or raw binary capture")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of names")
    parser.add_argument("--policy", choices=("standard", "zero"), default="standard",
                        help="bit 0 of status words: standard, or zero (= zero_means_normal)")
    args = parser.parse_args(argv)
    policy = (gb.Bit0Policy.standard if args.policy == "standard"
              else gb.Bit0Policy.zero_means_normal)

    data = read_capture(args.capture)
    items = gb.decode_frames(data)
    frames = rejected = count = 0
    for item in items:
        if isinstance(item, gb.Rejection):
            rejected += 1
            print(f"# skipped: {item.message}")
            continue
        frames += 1
        try:
            found = list(alarms(item, policy, args.lang))
        except firebus.Error as e:
            print(f"# frame serial {item.serial}: bad ADU: {e}")
            continue
        for a in found:
            count += 1
            print(f"{a.time}  {a.kind:<16}  UITD 0x{a.uitd:012x}  {a.where}  [{a.status}]")
    print(f"# {len(data)} bytes, {frames} frames, {rejected} rejections, {count} alarms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
