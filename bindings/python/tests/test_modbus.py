"""Tests of firebus.modbus: the codec (PDUs, RTU and TCP framing, line timing).

Golden vectors are the Modbus Application Protocol specification's examples (as in
tests/unit/test_modbus_codec.cpp); pymodbus, an independent implementation, checks the rest.
"""

from __future__ import annotations

import copy
import random

import pytest

import firebus
from firebus import modbus as mb
from firebus.modbus import Errc, Function, Request

# (request, request PDU, reply PDU) from the specification, one per function code.
GOLDEN = [
    (Request(Function.read_coils, 0x13, 0x13), "0100130013", "0103CD6B05"),
    (Request(Function.read_discrete_inputs, 0xC4, 0x16), "0200C40016", "0203ACDB35"),
    (Request(Function.read_holding_registers, 0x6B, 3), "03006B0003", "0306022B00000064"),
    (Request(Function.read_input_registers, 8, 1), "0400080001", "0402000A"),
    (Request(Function.write_single_coil, 0xAC, values=[1]), "0500ACFF00", "0500ACFF00"),
    (Request(Function.write_single_register, 1, values=[3]), "0600010003", "0600010003"),
    (
        Request(Function.write_multiple_coils, 0x13, values=[1, 0, 1, 1, 0, 0, 1, 1, 1, 0]),
        "0F0013000A02CD01",
        "0F0013000A",
    ),
    (
        Request(Function.write_multiple_registers, 1, values=[0x000A, 0x0102]),
        "100001000204000A0102",
        "1000010002",
    ),
    (
        Request(Function.read_write_registers, 3, 6, write_address=0x0E, values=[0xFF] * 3),
        "1700030006000E00030600FF00FF00FF",
        "170C00FE0ACD00010003000D00FF",
    ),
]


@pytest.mark.parametrize("req,request_hex,reply_hex", GOLDEN, ids=lambda x: str(x)[:30])
def test_golden_vectors(req: Request, request_hex: str, reply_hex: str) -> None:
    assert req.encode() == bytes.fromhex(request_hex)
    assert req.size == len(bytes.fromhex(request_hex))
    assert req.response_size == len(bytes.fromhex(reply_hex))
    assert mb.parse_request(bytes.fromhex(request_hex)) == req
    r = mb.parse_response(req, bytes.fromhex(reply_hex))
    assert r.fn == req.fn
    values = [int(b) for b in r.bits] if r.bits else r.registers
    assert mb.encode_response(req, values) == bytes.fromhex(reply_hex)


def test_values_of_the_specification() -> None:
    r = mb.parse_response(GOLDEN[2][0], bytes.fromhex("0306022B00000064"))
    assert r.registers == [555, 0, 100] and r.count == 3 and r.bits == []
    assert r.data == bytes.fromhex("022B00000064")
    coils = mb.parse_response(GOLDEN[0][0], bytes.fromhex("0103CD6B05"))
    assert coils.bits == [bool(int(c)) for c in "1011001111010110101"]
    w = mb.parse_response(GOLDEN[7][0], bytes.fromhex("1000010002"))
    assert (w.address, w.value, w.count, w.registers) == (1, 2, 0, [])
    assert repr(r) == "Response(fn=Function.read_holding_registers, count=3)"
    assert repr(w) == "Response(fn=Function.write_multiple_registers, address=1, value=2)"


def test_exception_replies_raise_their_code() -> None:
    req = Request(Function.read_coils, 0x04A1, 1)
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_response(req, bytes.fromhex("8102"))
    assert info.value.code == Errc.illegal_data_address
    assert info.value.category == "firebus.modbus"
    assert str(info.value) == "modbus reply: exception 02: illegal data address"
    assert mb.is_exception(Errc.illegal_data_address) and not mb.is_exception(Errc.timeout)
    assert mb.errc_message(Errc.gateway_target_no_response).startswith("exception 0B")
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_response(req, bytes.fromhex("8107"))
    assert info.value.code == Errc.unknown_exception
    assert mb.encode_exception(3, Errc.illegal_data_address) == bytes.fromhex("8302")
    with pytest.raises(firebus.ModbusError):
        mb.encode_exception(3, Errc.timeout)


@pytest.mark.parametrize(
    "reply,code",
    [
        ("", Errc.truncated),
        ("0406000100020003", Errc.function_mismatch),
        ("030400010002", Errc.byte_count_mismatch),
        ("0306000100020003FF", Errc.trailing_bytes),
        ("03060001000200", Errc.truncated),
    ],
)
def test_replies_that_do_not_answer_are_refused(reply: str, code: Errc) -> None:
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_response(GOLDEN[2][0], bytes.fromhex(reply))
    assert info.value.code == code


def test_invalid_requests_are_refused() -> None:
    for bad in (
        Request(Function.read_holding_registers, 0, 0),
        Request(Function.read_holding_registers, 0, 126),
        Request(Function.read_input_registers, 0xFFFF, 2),
        Request(Function.read_coils, 0, 2001),
        Request(Function.write_single_register, 0, values=[]),
        Request(Function.write_multiple_registers, 0, values=[0] * 124),
    ):
        assert not bad.is_valid()
        assert bad.size == 0
        with pytest.raises(firebus.ModbusError) as info:
            bad.encode()
        assert info.value.code == Errc.invalid_request
        with pytest.raises(firebus.ModbusError):
            bad.validate()
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_request(bytes.fromhex("07"))
    assert info.value.code == Errc.unknown_function
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_request(bytes.fromhex("030000007E"))
    assert info.value.code == Errc.invalid_request
    with pytest.raises(TypeError):
        Request(99)  # type: ignore[arg-type]


def test_request_is_a_plain_value() -> None:
    req = Request(Function.write_multiple_registers, 10, values=list(range(12)))
    assert repr(req) == (
        "Request(fn=Function.write_multiple_registers, address=10, "
        "values=[0, 1, 2, 3, 4, 5, 6, 7, ... (12 values)])"
    )
    assert repr(GOLDEN[2][0]) == "Request(fn=Function.read_holding_registers, address=107, quantity=3)"
    other = copy.deepcopy(req)
    assert other == req
    other.values = [1]
    assert other != req and req.values == list(range(12))
    req.fn = Function.write_single_register
    assert req.fn is Function.write_single_register


def test_rtu_framing() -> None:
    assert mb.crc16(bytes.fromhex("0207")) == 0x1241
    frame = mb.encode_rtu(1, Request(Function.read_holding_registers, 0, 1).encode())
    assert frame == bytes.fromhex("010300000001840A")
    assert mb.decode_rtu(frame) == (1, bytes.fromhex("0300000001"))
    with pytest.raises(firebus.ModbusError) as info:
        mb.decode_rtu(frame[:-1] + b"\x0b")
    assert info.value.code == Errc.crc_mismatch
    req = GOLDEN[2][0]
    reply = mb.encode_rtu(0x11, bytes.fromhex("0306022B00000064"))
    assert mb.rtu_reply_length(req, 0x11, reply[:2]) == 0
    assert mb.rtu_reply_length(req, 0x11, reply[:3]) == len(reply) == 11
    assert mb.parse_rtu_reply(req, 0x11, reply).registers == [555, 0, 100]
    with pytest.raises(firebus.ModbusError) as info:
        mb.rtu_reply_length(req, 0x12, reply)
    assert info.value.code == Errc.unit_mismatch
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_rtu_reply(req, 0x11, mb.encode_rtu(0x11, bytes.fromhex("8302")))
    assert info.value.code == Errc.illegal_data_address


def test_tcp_framing() -> None:
    frame = mb.encode_tcp(1, 0x11, bytes.fromhex("03006B0003"))
    assert frame == bytes.fromhex("000100000006110300 6B0003".replace(" ", ""))
    assert mb.decode_tcp(frame) == (1, 0x11, bytes.fromhex("03006B0003"))
    assert mb.tcp_frame_length(frame[:6]) == 0 and mb.tcp_frame_length(frame) == 12
    with pytest.raises(firebus.ModbusError) as info:
        mb.tcp_frame_length(bytes.fromhex("00010001000611"))
    assert info.value.code == Errc.bad_protocol_id
    with pytest.raises(firebus.ModbusError) as info:
        mb.tcp_frame_length(bytes.fromhex("00010000000111"))
    assert info.value.code == Errc.bad_length
    reply = mb.encode_tcp(1, 0x11, bytes.fromhex("0306022B00000064"))
    assert mb.parse_tcp_reply(GOLDEN[2][0], 1, 0x11, reply).registers == [555, 0, 100]
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_tcp_reply(GOLDEN[2][0], 2, 0x11, reply)
    assert info.value.code == Errc.transaction_mismatch


@pytest.mark.parametrize(
    "baud,t35_ms,one,ten", [(9600, 4.01, 39.7, 218), (19200, 2.01, 79.3, 436), (115200, 1.75, 203, 1504)]
)
def test_line_timing_matches_the_physical_limits(baud: int, t35_ms: float, one: float, ten: float) -> None:
    line = mb.LineTiming(baud)
    assert line.t35 * 1e3 == pytest.approx(t35_ms, rel=0.005)
    assert 1 / line.transaction_time(Request(Function.read_holding_registers, 0, 1)) == pytest.approx(one, rel=0.01)
    assert 10 / line.transaction_time(Request(Function.read_holding_registers, 0, 10)) == pytest.approx(ten, rel=0.01)
    slower = mb.LineTiming(baud, turnaround=0.005)
    assert slower.transaction_time(Request(Function.read_holding_registers, 0, 1)) == pytest.approx(
        line.transaction_time(Request(Function.read_holding_registers, 0, 1)) + 0.005
    )
    assert line.bytes_time(10) == pytest.approx(10 * line.char_time, abs=1e-5)
    assert "baud=%d" % baud in repr(line)
    line.turnaround = 0.25
    assert line.turnaround == 0.25


# --- pymodbus, an independent implementation -----------------------------------------------------

pymodbus = pytest.importorskip("pymodbus")
from pymodbus.framer import FramerRTU, FramerSocket  # noqa: E402
from pymodbus.pdu import DecodePDU  # noqa: E402
from pymodbus.pdu import bit_message as pbit  # noqa: E402
from pymodbus.pdu import register_message as preg  # noqa: E402


def random_request(rng: random.Random) -> tuple[Request, object]:
    """A random valid request, as firebus and as pymodbus build it."""
    fn = rng.choice(list(Function))
    if fn in (Function.read_coils, Function.read_discrete_inputs):
        n = rng.randint(1, 2000)
        a = rng.randint(0, 0x10000 - n)
        cls = pbit.ReadCoilsRequest if fn == Function.read_coils else pbit.ReadDiscreteInputsRequest
        return Request(fn, a, n), cls(address=a, count=n, dev_id=7)
    if fn in (Function.read_holding_registers, Function.read_input_registers):
        n = rng.randint(1, 125)
        a = rng.randint(0, 0x10000 - n)
        cls = preg.ReadHoldingRegistersRequest if fn == Function.read_holding_registers else preg.ReadInputRegistersRequest
        return Request(fn, a, n), cls(address=a, count=n, dev_id=7)
    a = rng.randint(0, 0xFFFF - 130)
    if fn == Function.write_single_coil:
        v = rng.randint(0, 1)
        return Request(fn, a, values=[v]), pbit.WriteSingleCoilRequest(address=a, bits=[bool(v)], dev_id=7)
    if fn == Function.write_single_register:
        v = rng.randint(0, 0xFFFF)
        return Request(fn, a, values=[v]), preg.WriteSingleRegisterRequest(address=a, registers=[v], dev_id=7)
    if fn == Function.write_multiple_coils:
        bits = [rng.randint(0, 1) for _ in range(rng.randint(1, 1968))]
        a = rng.randint(0, 0x10000 - len(bits))
        return Request(fn, a, values=bits), pbit.WriteMultipleCoilsRequest(
            address=a, bits=[bool(b) for b in bits], dev_id=7
        )
    if fn == Function.write_multiple_registers:
        regs = [rng.randint(0, 0xFFFF) for _ in range(rng.randint(1, 123))]
        return Request(fn, a, values=regs), preg.WriteMultipleRegistersRequest(address=a, registers=regs, dev_id=7)
    n = rng.randint(1, 125)
    regs = [rng.randint(0, 0xFFFF) for _ in range(rng.randint(1, 121))]
    ra = rng.randint(0, 0x10000 - n)
    return Request(fn, ra, n, write_address=a, values=regs), preg.ReadWriteMultipleRegistersRequest(
        read_address=ra, read_count=n, write_address=a, write_registers=regs, dev_id=7
    )


def test_requests_match_pymodbus_both_ways() -> None:
    rng = random.Random(502)
    rtu, tcp = FramerRTU(DecodePDU(False)), FramerSocket(DecodePDU(False))
    server = DecodePDU(True)
    for _ in range(300):
        ours, theirs = random_request(rng)
        pdu = ours.encode()
        assert mb.encode_rtu(7, pdu) == rtu.buildFrame(theirs), ours
        theirs.transaction_id = 0x1234
        assert mb.encode_tcp(0x1234, 7, pdu) == tcp.buildFrame(theirs), ours
        # pymodbus, as a server, reads our request; we read its.
        decoded = server.decode(pdu)
        assert decoded is not None and decoded.function_code == int(ours.fn)
        assert mb.parse_request(bytes([theirs.function_code]) + theirs.encode()) == ours


def test_replies_built_by_pymodbus_parse_here() -> None:
    rng = random.Random(2026)
    rtu = FramerRTU(DecodePDU(True))
    for _ in range(300):
        req, theirs = random_request(rng)
        if req.fn in (Function.read_coils, Function.read_discrete_inputs):
            bits = [rng.random() < 0.5 for _ in range(req.quantity)]
            cls = pbit.ReadCoilsResponse if req.fn == Function.read_coils else pbit.ReadDiscreteInputsResponse
            reply = cls(bits=bits, dev_id=7)
            got = mb.parse_rtu_reply(req, 7, rtu.buildFrame(reply))
            assert got.bits == bits
        elif req.fn in (Function.read_holding_registers, Function.read_input_registers, Function.read_write_registers):
            regs = [rng.randint(0, 0xFFFF) for _ in range(req.quantity)]
            cls = {
                Function.read_holding_registers: preg.ReadHoldingRegistersResponse,
                Function.read_input_registers: preg.ReadInputRegistersResponse,
                Function.read_write_registers: preg.ReadWriteMultipleRegistersResponse,
            }[req.fn]
            got = mb.parse_rtu_reply(req, 7, rtu.buildFrame(cls(registers=regs, dev_id=7)))
            assert got.registers == regs
        # Our reply to the request decodes in pymodbus as the same values.
        values = [rng.randint(0, 1) for _ in range(req.quantity)] if req.fn in (
            Function.read_coils,
            Function.read_discrete_inputs,
        ) else [rng.randint(0, 0xFFFF) for _ in range(req.quantity)]
        if req.fn not in (
            Function.read_coils,
            Function.read_discrete_inputs,
            Function.read_holding_registers,
            Function.read_input_registers,
            Function.read_write_registers,
        ):
            values = []
        pdu = mb.encode_response(req, values)
        decoded = DecodePDU(False).decode(pdu)
        assert decoded is not None and decoded.function_code == int(req.fn)
        if req.fn in (Function.read_coils, Function.read_discrete_inputs):
            assert [int(b) for b in decoded.bits[: req.quantity]] == values
        elif values:
            assert list(decoded.registers) == values
    # An exception built by pymodbus.
    exc = pbit.ExceptionResponse(0x03, 0x02, 7)
    with pytest.raises(firebus.ModbusError) as info:
        mb.parse_rtu_reply(GOLDEN[2][0], 7, rtu.buildFrame(exc))
    assert info.value.code == Errc.illegal_data_address


# --- the poll planner ----------------------------------------------------------------------------


def test_planner_merges_gaps_when_cheaper_and_learns_splits() -> None:
    line = mb.LineTiming(9600)
    cost = mb.CostModel.rtu(line)
    assert cost.per_request == pytest.approx(0.0229, abs=1e-4) and cost.per_register == pytest.approx(0.002292)
    planner = mb.PollPlanner(cost)
    hr = mb.Table.holding_registers
    items = [mb.ReadItem(hr, 0x00), mb.ReadItem(hr, 0x08, 2), mb.ReadItem(hr, 0x12)]
    plan = planner.plan(items)
    assert len(plan) == 1
    assert plan[0].request == Request(Function.read_holding_registers, 0, 0x13)
    assert plan[0].items == [0, 1, 2] and plan[0].boundaries == [0x08, 0x12]
    assert plan[0].cost == pytest.approx(planner.read_cost(hr, 0x13))
    assert mb.PollPlanner.total_cost(plan) == plan[0].cost
    two = planner.plan([mb.ReadItem(hr, 0), mb.ReadItem(hr, 18)])
    assert [r.request.address for r in two] == [0, 18]
    # A failed merged read is split near its middle, and the split is kept.
    assert planner.split(plan[0])
    assert planner.splits(hr) == [0x08]
    assert [r.request.address for r in planner.plan(items)] == [0, 8]
    assert not planner.split(planner.plan([mb.ReadItem(hr, 7)])[0])
    planner.forget_splits()
    assert len(planner.plan(items)) == 1
    planner.add_split(hr, 0x12)
    assert len(planner.plan(items)) == 2
    # Limits and tables.
    strict = mb.PollPlanner(mb.CostModel.tcp(0.005), mb.DeviceLimits(max_registers=10, read_gaps=False))
    plan = strict.plan([mb.ReadItem(hr, 0, 25), mb.ReadItem(mb.Table.coils, 3, 1)])
    assert [(r.table, r.request.quantity) for r in plan] == [(mb.Table.coils, 1), (hr, 10), (hr, 10), (hr, 5)]
    assert plan[0].request.fn == Function.read_coils == mb.read_function(mb.Table.coils)
    assert "PlannedRead(Request(fn=Function.read_coils" in repr(plan[0])
    assert repr(mb.ReadItem(hr, 3, 2)) == "ReadItem(table=Table.holding_registers, address=3, count=2)"
    assert "max_registers=10" in repr(strict.limits) and "per_request=0.005" in repr(strict)
