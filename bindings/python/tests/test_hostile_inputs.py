"""Every decoder accepts arbitrary bytes (docs/architecture: "Contracts that tests and users rely
on"): through Python, hostile input gives a value or a firebus.Error subclass, never another
exception, a crash or a memory blow-up."""

from __future__ import annotations

import os
import random

import pytest

import firebus
from firebus import gb26875, modbus, profile, sparkplug, telemetry

# A Sparkplug B payload whose metric name "Node Control/Reb\xb6rth" is not UTF-8: the decoder
# refuses it, quoting the name in its message.
BAD_NAME_PAYLOAD = bytes.fromhex(
    "08a8e3be95ad3312120a05626453657118a3e3be95ad332004580312230a144e6f646520436f6e74726f6c2f"
    "526562b6727468100018a8e3be95ad33200b700012430a086c6f6f70312f6972100118a8e3be95ad3320094a"
    "270a07656e67556e69740a07656e67486967681206080c42026d41120b080a310000000000408f406500409c"
    "431800"
)


def test_a_message_quoting_bytes_that_are_not_utf8_still_raises_the_firebus_error() -> None:
    # The C++ message holds the refused bytes; it used to fail its conversion to str, so that a
    # UnicodeDecodeError replaced the TelemetryError.
    with pytest.raises(firebus.TelemetryError) as info:
        sparkplug.decode(BAD_NAME_PAYLOAD)
    assert info.value.category == "firebus.telemetry"
    assert "\\xb6" in str(info.value)


def _decoders() -> list[tuple[str, object]]:
    req = modbus.parse_request(bytes([3, 0, 0, 0, 10]))
    return [
        ("gb26875.decode_adu", gb26875.decode_adu),
        ("gb26875.decode_frame", gb26875.decode_frame),
        ("gb26875.decode_frames", gb26875.decode_frames),
        ("gb26875.decode_frames(as_arrays)", lambda b: gb26875.decode_frames(b, True)),
        ("gb26875.text.decode", gb26875.text.decode),
        ("gb26875.text.decode_description", gb26875.text.decode_description),
        ("modbus.decode_rtu", modbus.decode_rtu),
        ("modbus.decode_tcp", modbus.decode_tcp),
        ("modbus.parse_request", modbus.parse_request),
        ("modbus.parse_response", lambda b: modbus.parse_response(req, b)),
        ("modbus.parse_rtu_reply", lambda b: modbus.parse_rtu_reply(req, 1, b)),
        ("modbus.parse_tcp_reply", lambda b: modbus.parse_tcp_reply(req, 1, 1, b)),
        ("telemetry.decode", telemetry.decode),
        ("telemetry.wire_to_json", telemetry.wire_to_json),
        ("sparkplug.decode", sparkplug.decode),
    ]


HOSTILE_BYTES = [
    b"",
    b"\x00",
    b"\xff" * 64,
    bytes(range(256)),
    b"\x0a\xff\xff\xff\xff\x0f",  # a length of 4 GiB
    b"\x12\xff\xff\xff\xff\xff\xff\xff\xff\x7f" + b"a" * 10,  # a length of 2^63
    b"\x80" * 64,  # a varint that never ends
    b"@@" + b"\xff" * 40 + b"##",
    b"\x81\x30\x81",  # GB 18030: a four-byte sequence cut short
    b"\xfe\x39\xfe\x39",  # beyond U+10FFFF
]


@pytest.mark.parametrize("name,decode", _decoders(), ids=lambda x: x if isinstance(x, str) else "")
def test_decoders_give_a_value_or_a_firebus_error(name: str, decode) -> None:
    rng = random.Random(name)
    inputs = HOSTILE_BYTES + [bytes(rng.randrange(256) for _ in range(rng.randrange(300))) for _ in range(200)]
    inputs.append(os.urandom(1 << 20))
    for data in inputs:
        try:
            decode(data)
        except firebus.Error:
            pass


DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000


@pytest.mark.parametrize(
    "text",
    ["", "{", "null", "1e999", '"\\ud800"', '{"seq":"99999999999999999999999"}', DEEP_ARRAY, DEEP_OBJECT, "\x00"],
    ids=["empty", "open", "null", "huge-number", "lone-surrogate", "huge-seq", "deep-array", "deep-object", "nul"],
)
@pytest.mark.parametrize(
    "parse", [telemetry.from_json, telemetry.json_to_wire, profile.parse], ids=["from_json", "json_to_wire", "profile"]
)
def test_json_decoders_refuse_hostile_text_with_a_firebus_error(parse, text: str) -> None:
    with pytest.raises(firebus.Error):
        parse(text)


def test_sparkplug_topics_of_any_shape() -> None:
    for topic in ["", "/", "spBv1.0/" + "a/" * 100_000, "spBv1.0/g/NDATA/e/d/x", "\x00", "spBv1.0/STATE/"]:
        with pytest.raises(firebus.Error):
            sparkplug.parse_topic(topic)
