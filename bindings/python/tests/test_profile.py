"""Tests of firebus.profile: device profiles, their loader, the codec and setpoint writes.

The shipped profiles (protocols/profiles/*.json) are the fixtures: every one loads and plans; the
Acrel ASJ10L-LD1A relay, the Acrel AIM-R100 (12 loops) and the Honeywell Midas (f32, little word
order) are decoded field by field, and the ASJ10L's registers are served by pymodbus and read
over a socket.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import socket
import struct
import time
from pathlib import Path

import pytest

import firebus
from firebus import alarm
from firebus import modbus as mb
from firebus import profile as fp
from firebus.core import QualityCode
from firebus.modbus import Function, Request, Table
from firebus.profile import Codec, DataType, Errc, PollClass, RegisterImage, State

ROOT = Path(os.environ.get("FIREBUS_SOURCE_DIR", Path(__file__).resolve().parents[3]))
PROFILES = ROOT / "protocols" / "profiles"
ASJ = PROFILES / "acrel-asj10l-ld1a.json"
AIM = PROFILES / "acrel-aim-r100.json"
MIDAS = PROFILES / "honeywell-midas.json"
H = Table.holding_registers

Cond = alarm.DeviceCondition
Status = alarm.DeviceStatus


def f32_words(x: float, word_order: str = "big") -> list[int]:
    """The two registers of an IEEE 754 single, high word first for big word order."""
    hi, lo = struct.unpack(">HH", struct.pack(">f", x))
    return [hi, lo] if word_order == "big" else [lo, hi]


def minimal(**point: object) -> dict[str, object]:
    """A one-point profile document."""
    p: dict[str, object] = {"id": "P", "table": "holding", "address": 10, "type": "u16"}
    p.update(point)
    return {
        "version": 1,
        "id": "test",
        "vendor": "V",
        "model": "M",
        "source": {"title": "T"},
        "points": [p],
    }


# --- loading -------------------------------------------------------------------------------------


def test_library_files_lists_the_shipped_profiles() -> None:
    files = fp.library_files(str(PROFILES))
    assert files == sorted(str(p) for p in PROFILES.glob("*.json"))
    assert str(ASJ) in files and len(files) >= 7
    assert fp.library_files(str(ROOT / "no-such-directory")) == []


@pytest.mark.parametrize("path", sorted(PROFILES.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_profile_loads_and_plans(path: Path) -> None:
    p = fp.load(str(path))
    assert p.id == path.stem and p.version == fp.PROFILE_VERSION and p.revision >= 1
    assert p.vendor and p.model and p.source.title
    c = Codec(p)
    assert len(c) == c.size == len(p.points) > 0
    for i, point in enumerate(p.points):
        assert c.find(point.id) == i and c.point(i).id == point.id
    items = c.read_items()
    assert len(items) == len(c)
    planner = mb.PollPlanner(mb.CostModel.rtu(mb.LineTiming(p.modbus.serial.baud)), p.modbus.limits)
    plan = planner.plan(items)
    assert plan and mb.PollPlanner.total_cost(plan) > 0
    # Every item is covered by a read of its table that respects the device's limits.
    covered = set()
    for r in plan:
        assert r.request.quantity <= (
            p.modbus.max_registers_per_read
            if r.table in (Table.holding_registers, Table.input_registers)
            else p.modbus.max_bits_per_read
        )
        for k in r.items:
            it = items[k]
            assert r.table == it.table
            assert r.request.address <= it.address
            assert it.address + it.count <= r.request.address + r.request.quantity
            covered.add(k)
    assert covered == set(range(len(items)))
    # The poll classes split the points; their read items plan too.
    by_class = [c.points(pc) for pc in PollClass]
    assert sorted(i for group in by_class for i in group) == c.points() == list(range(len(c)))
    for pc in PollClass:
        assert all(c.point(i).poll == pc for i in c.points(pc))
        planner.plan(c.read_items(pc))
    # The default rules are valid alarm-engine rules.
    rules = c.default_rules("bus1/dev3/")
    assert isinstance(rules, alarm.Rules)
    assert [r.id for r in rules.points] == ["bus1/dev3/" + q.id for q in p.points if q.publish]
    alarm.validate(rules)
    alarm.Engine(rules)


def test_profile_attributes_asj10l() -> None:
    p = fp.load(str(ASJ))
    assert (p.id, p.vendor, p.model, p.kind) == (
        "acrel-asj10l-ld1a",
        "Acrel",
        "ASJ10L-LD1A",
        "residual_current_relay",
    )
    assert p.description.startswith("DIN-rail")
    assert p.source.retrieved == "2026-11-30" and p.source.url.startswith("https://")
    assert "8.3" in p.source.section and p.source.notes
    m = p.modbus
    assert m.unit_id == 1 and m.transports == ["rtu"]
    assert (m.serial.baud, m.serial.parity, m.serial.data_bits, m.serial.stop_bits) == (
        9600,
        fp.Parity.none,
        8,
        1,
    )
    assert (m.max_registers_per_read, m.max_bits_per_read, m.read_across_gaps) == (125, 2000, True)
    assert isinstance(m.limits, mb.DeviceLimits) and m.limits.max_registers == 125
    assert m.password is not None
    assert (m.password.address, m.password.type) == (0x1D, DataType.u16)
    ids = [q.id for q in p.points]
    assert ids == ["IR", "IDN", "IPRE", "TND", "CTB_EN", "PRE", "ALM", "CTB", "DI1", "DI2"]
    ir, idn = p.points[0], p.points[1]
    assert (ir.table, ir.address, ir.type, ir.unit, ir.range) == (
        H,
        0,
        DataType.u16,
        "mA",
        (0.0, 30000.0),
    )
    assert (ir.scale, ir.offset, ir.decimals, ir.decimals_from) == (1.0, 0.0, 0, None)
    assert (ir.byte_order, ir.word_order) == (fp.ByteOrder.big, fp.ByteOrder.big)
    assert ir.poll == PollClass.measurement and ir.writable is None and ir.stale_s == 60
    assert [(a.id, a.setpoint) for a in ir.alarms] == [("ALM", 300.0), ("PRE", 240.0)]
    assert isinstance(ir.alarms[0], alarm.AlarmRule)
    assert idn.writable is not None and idn.poll == PollClass.config
    w = idn.writable
    assert (w.min, w.max, w.password, w.function) == (
        10.0,
        30000.0,
        True,
        Function.write_multiple_registers,
    )
    ctb = p.points[7]
    assert (ctb.type, ctb.address, ctb.bit, ctb.width, ctb.publish) == (
        DataType.bits,
        0x1B,
        2,
        1,
        False,
    )
    assert ctb.states == [(0, State.ok), (1, State.open_circuit)]
    assert ctb.status_of == ["IR"] and ctb.poll == PollClass.alarm and ctb.default_state is None
    di2 = p.points[9]
    assert (di2.loop, di2.address, di2.bit, di2.name) == (2, 30, 1, "Digital input 2")
    assert repr(p) == "<Profile acrel-asj10l-ld1a revision 1: Acrel ASJ10L-LD1A, 10 points>"
    assert (
        repr(ctb)
        == "PointDef(id='CTB', table=Table.holding_registers, address=27, type=DataType.bits, bit=2, width=1)"
    )
    assert (
        repr(ir)
        == "PointDef(id='IR', table=Table.holding_registers, address=0, type=DataType.u16, unit='mA')"
    )


def test_enums_use_the_schema_names() -> None:
    assert [e.name for e in DataType] == ["u16", "i16", "u32", "i32", "f32", "bits"]
    assert [e.name for e in fp.ByteOrder] == ["big", "little"]
    assert [e.name for e in PollClass] == ["alarm", "measurement", "config"]
    assert [e.name for e in State] == [
        "normal",
        "fire",
        "pre_alarm",
        "active",
        "ok",
        "fault",
        "open_circuit",
        "short_circuit",
    ]
    assert [e.name for e in fp.Parity] == ["none", "even", "odd"]
    assert DataType.__module__ == "firebus.profile"
    assert [fp.is_condition(s) for s in State] == [True] * 4 + [False] * 4
    assert [fp.table_name(t) for t in Table] == ["coil", "discrete", "holding", "input"]
    assert (
        int(Errc.invalid_profile) == 1
        and fp.errc_message(Errc.unknown_point) == "no such point in the profile"
    )
    with pytest.raises(TypeError):
        fp.is_condition(99)  # type: ignore[arg-type]


def test_parse_errors_name_the_json_path(tmp_path: Path) -> None:
    doc = json.loads(ASJ.read_text(encoding="utf-8"))
    bad = copy.deepcopy(doc)
    bad["points"][0]["scael"] = 10
    with pytest.raises(firebus.ProfileError) as info:
        fp.parse(json.dumps(bad), name="asj.json")
    assert str(info.value) == 'asj.json: points[0]: unknown key "scael": invalid device profile'
    assert info.value.code == Errc.invalid_profile and info.value.category == "firebus.profile"
    assert isinstance(info.value, firebus.Error)
    # The default name, a validation error after expansion, and a file.
    bad = copy.deepcopy(doc)
    bad["points"][7]["states"][1]["value"] = 2
    with pytest.raises(
        firebus.ProfileError,
        match=r"^profile: points\[7\]\.states\[1\]\.value: expected an integer 0\.\.1",
    ):
        fp.parse(json.dumps(bad))
    f = tmp_path / "x.json"
    bad = copy.deepcopy(doc)
    bad["points"][1]["writable"]["function"] = 5
    f.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(firebus.ProfileError, match=r"x\.json: points\[1\]\.writable"):
        fp.load(str(f))
    with pytest.raises(firebus.ProfileError, match="line 1"):
        fp.parse("{", name="broken.json")
    # Bytes that are not UTF-8, quoted by the syntax error, still make a message.
    with pytest.raises(firebus.ProfileError, match="line 1, column 1: .*\ufffd"):
        fp.parse(b"\xff\xfe")  # type: ignore[arg-type]
    f = tmp_path / "latin1.json"
    f.write_bytes(b"\xe9")
    with pytest.raises(firebus.ProfileError, match="latin1.json: invalid JSON"):
        fp.load(str(f))
    with pytest.raises(firebus.SystemError, match="missing.json"):
        fp.load(str(tmp_path / "missing.json"))
    # A good document parses to the same profile as the file.
    assert repr(fp.parse(ASJ.read_text(encoding="utf-8"))) == repr(fp.load(str(ASJ)))


# --- decoding ------------------------------------------------------------------------------------


def test_decode_asj10l_values_conditions_and_statuses() -> None:
    c = fp.load(str(ASJ)).codec()
    image = RegisterImage()
    assert image.empty and c.decode(image).values == []
    image.store(H, 0, [312])
    image.store(H, 0x1B, [0b011])  # bit0 pre-alarm, bit1 alarm, bit2 CT break clear
    assert not image.empty
    r = c.decode(image)
    assert r.values == [
        ("IR", 312.0, QualityCode.good),
        ("PRE", 1.0, QualityCode.good),
        ("ALM", 1.0, QualityCode.good),
    ]
    assert r.conditions == [("PRE", Cond.active), ("ALM", Cond.fire)]
    assert r.statuses == [("IR", Status.ok)]
    assert isinstance(r.values[0][2], QualityCode) and isinstance(r.conditions[0][1], Cond)
    assert repr(r) == "<Readings values=3 conditions=2 statuses=1>"
    # CT break: an open circuit of IR; the alarm bits clear.
    image.store(H, 0x1B, [0b100])
    r = c.decode(image)
    assert r.conditions == [("PRE", Cond.normal), ("ALM", Cond.normal)]
    assert r.statuses == [("IR", Status.open_circuit)]
    assert ("IR", 312.0, QualityCode.good) in r.values
    # Only some points (by id or index); over range.
    image.store(H, 0, [30001])
    r = c.decode(image, ["IR", 7])
    assert r.values == [("IR", 30001.0, QualityCode.bad_over_range)]
    assert r.statuses == [("IR", Status.open_circuit)] and r.conditions == []
    assert c.raw(image, "CTB") == 1.0 and c.raw(image, "IDN") is None
    with pytest.raises(firebus.ProfileError) as info:
        c.decode(image, ["NOPE"])
    assert info.value.code == Errc.unknown_point
    with pytest.raises(firebus.ProfileError):
        c.decode(image, [len(c)])
    with pytest.raises(TypeError):
        c.decode(image, [-1])


def test_plan_asj10l_reads_and_store_replies() -> None:
    p = fp.load(str(ASJ))
    c = Codec(p)
    assert [(i.table, i.address, i.count) for i in c.read_items(PollClass.alarm)] == [
        (H, 27, 1)
    ] * 3
    assert [(i.address, i.count) for i in c.read_items(["IR", 2])] == [(0, 1), (9, 1)]
    plan = mb.PollPlanner(limits=p.modbus.limits).plan(c.read_items())
    image = RegisterImage()
    regs = {0: 150, 8: 300, 9: 240, 16: 100, 26: 1, 27: 0, 30: 0b10}
    for r in plan:
        values = [regs.get(r.request.address + k, 0) for k in range(r.request.quantity)]
        reply = mb.parse_response(r.request, mb.encode_response(r.request, values))
        assert image.store_reply(r.request, reply)
    got = c.decode(image)
    assert {pid: v for pid, v, _ in got.values} == {
        "IR": 150.0,
        "IDN": 300.0,
        "IPRE": 240.0,
        "TND": 100.0,
        "CTB_EN": 1.0,
        "PRE": 0.0,
        "ALM": 0.0,
        "DI1": 0.0,
        "DI2": 1.0,
    }
    # A reply of another function is not stored.
    wreq = Request(Function.write_single_register, 8, values=[1])
    wrep = mb.parse_response(wreq, mb.encode_response(wreq))
    assert not image.store_reply(wreq, wrep)
    with pytest.raises(TypeError):
        image.store_reply(plan[0].request, "not a response")  # type: ignore[arg-type]


def test_register_image_store_get_forget() -> None:
    np = pytest.importorskip("numpy")
    image = RegisterImage()
    image.store(H, 100, np.arange(5, dtype=np.uint16))
    assert image.get(H, 101, 3) == [1, 2, 3]
    assert image.get(H, 99, 2) is None and image.get(Table.input_registers, 100, 1) is None
    image.store(H, 102, (7, 8))  # type: ignore[arg-type]  # any sequence; newer wins
    assert image.get(H, 102, 2) == [7, 8] and image.get(H, 100, 2) == [0, 1]
    image.store(Table.coils, 0, [True, False, True])
    assert image.get(Table.coils, 0, 3) == [1, 0, 1]
    image.store(H, 0xFFFE, [1, 2, 3, 4])  # past 65535: dropped
    assert image.get(H, 0xFFFE, 2) == [1, 2] and image.get(H, 0xFFFF, 2) is None
    assert image.get(H, 0, 10**12) is None and image.get(H, 0, 0) == []
    image.forget(H, 101, 1)
    assert image.get(H, 100, 1) is None and image.get(H, 102, 2) == [7, 8]
    image.forget(H, 0, 10**12)
    assert image.get(H, 102, 1) is None
    image.clear()
    assert image.empty and repr(image) == "<RegisterImage empty>"
    assert RegisterImage.MAX_BLOCKS == 256
    for bad in ([70000], [-1], ["1"], [1.5]):
        with pytest.raises(TypeError):
            image.store(H, 0, bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        image.store(H, -1, [1])
    with pytest.raises(TypeError):
        image.store(H, 0x10000, [1])
    with pytest.raises(TypeError):
        image.get(H, 0, -1)
    with pytest.raises(TypeError):
        image.store(7, 0, [1])  # type: ignore[arg-type]
    # The image stays bounded.
    for a in range(0, 2000, 2):
        image.store(H, a, [a])
    assert image.get(H, 0, 1) is None and image.get(H, 1998, 1) == [1998]


def test_aim_r100_per_loop_expansion_and_invalid_codes() -> None:
    p = fp.load(str(AIM))
    c = Codec(p)
    irs = [q for q in p.points if q.id.startswith("IR")]
    assert [q.id for q in irs] == [f"IR{n}" for n in range(1, 13)]
    assert [q.address for q in irs] == list(range(74, 86)) and [q.loop for q in irs] == list(
        range(1, 13)
    )
    assert all(q.name == f"Loop {q.loop} residual current" for q in irs)
    lfs = [c.point(c.find(f"LF{n}") or 0) for n in range(1, 13)]
    assert [(q.address, q.bit) for q in lfs] == [(11, 6 - 2 * k) for k in range(4)] + [
        (12, 14 - 2 * k) for k in range(8)
    ]
    assert all(q.status_of == [f"IR{q.loop}"] and q.width == 2 for q in lfs)
    sets = [c.point(c.find(f"SET{n}") or 0) for n in range(1, 13)]
    assert [q.address for q in sets] == list(range(86, 98))
    assert irs[0].invalid == [(0xE5E5, State.short_circuit), (0xFAFA, State.open_circuit)]
    # Loop 3 break line (LF3: bits 3-2 of 000BH = 10), loop 5 sensor short (0xE5E5).
    image = RegisterImage()
    loops = [10 * n for n in range(1, 13)]
    loops[4] = 0xE5E5
    image.store(H, 74, loops)
    image.store(H, 11, [0b10 << 2])
    image.store(H, 12, [0])
    r = c.decode(image)
    values = {pid: (v, q) for pid, v, q in r.values}
    assert values["IR1"] == (10.0, QualityCode.good) and values["IR12"] == (120.0, QualityCode.good)
    assert math.isnan(values["IR5"][0]) and values["IR5"][1] == QualityCode.bad_short_circuit
    statuses = dict(r.statuses)
    assert statuses["IR3"] == Status.open_circuit and statuses["IR5"] == Status.short_circuit
    assert all(statuses[f"IR{n}"] == Status.ok for n in range(1, 13) if n not in (3, 5))
    assert len(r.statuses) == 12 and r.conditions == []


def test_midas_f32_little_word_order() -> None:
    p = fp.load(str(MIDAS))
    c = p.codec()
    gas = c.point(c.find("GAS") or 0)
    assert (gas.type, gas.word_order, gas.address, gas.count) == (
        DataType.f32,
        fp.ByteOrder.little,
        2,
        2,
    )
    image = RegisterImage()
    image.store(H, 0, [1])  # monitoring: GAS ok
    image.store(H, 2, f32_words(25.5, "little"))
    image.store(H, 4, [255])  # CONC = 255 / 10**DP
    r = c.decode(image, ["GAS", "MODE", "CONC"])
    assert [v[0] for v in r.values] == ["GAS", "MODE", "CONC"]
    assert r.values[0] == ("GAS", 25.5, QualityCode.good)
    # Without DP, CONC has no decimals: bad_config_error.
    assert math.isnan(r.values[2][1]) and r.values[2][2] == QualityCode.bad_config_error
    assert ("GAS", Status.ok) in r.statuses
    image.store(H, 6, [0x0801])  # %LEL, 1 decimal
    assert c.decode(image, ["CONC"]).values == [("CONC", 25.5, QualityCode.good)]
    # Big word order would read another number; warm-up (0) is a fault of GAS.
    assert struct.unpack(">f", struct.pack(">HH", *f32_words(25.5, "little")))[0] != 25.5
    image.store(H, 0, [0])
    assert ("GAS", Status.fault) in c.decode(image).statuses
    # Not a number: bad_invalid_value.
    image.store(H, 2, f32_words(float("nan"), "little"))
    v = c.decode(image, ["GAS"]).values[0]
    assert math.isnan(v[1]) and v[2] == QualityCode.bad_invalid_value


def test_f32_write_round_trips_through_the_image() -> None:
    doc = minimal(type="f32", writable={"min": -100, "max": 100, "function": 16})
    doc["modbus"] = {"word_order": "little"}
    c = Codec(fp.parse(json.dumps(doc)))
    (req,) = c.encode_write("P", 25.5)
    assert req == Request(
        Function.write_multiple_registers, 10, 2, values=f32_words(25.5, "little")
    )
    image = RegisterImage()
    image.store(H, req.address, req.values)
    assert c.decode(image).values == [("P", 25.5, QualityCode.good)]
    assert c.raw(image, 0) == 25.5


# --- writes --------------------------------------------------------------------------------------


def test_encode_write_with_password_and_refusals() -> None:
    c = Codec(fp.load(str(ASJ)))
    reqs = c.encode_write("IDN", 500, password=1)
    assert reqs == [
        Request(Function.write_single_register, 0x1D, 1, values=[1]),
        Request(Function.write_multiple_registers, 8, 1, values=[500]),
    ]
    assert c.encode_write(c.find("IPRE") or 0, 240.4, password=9999)[1].values == [240]
    for point, value, password, code in [
        ("IDN", 5, 1, Errc.value_out_of_range),
        ("IDN", 30001, 1, Errc.value_out_of_range),
        ("IDN", float("nan"), 1, Errc.value_out_of_range),
        ("IDN", 500, 0x10000, Errc.value_out_of_range),  # a u16 password register
        ("IR", 1, 1, Errc.not_writable),
        ("IDN", 500, None, Errc.password_required),
        ("NOPE", 1, 1, Errc.unknown_point),
        (99, 1, 1, Errc.unknown_point),
    ]:
        with pytest.raises(firebus.ProfileError) as info:
            c.encode_write(point, value, password=password)  # type: ignore[arg-type]
        assert info.value.code == code, (point, value, password)
        assert info.value.category == "firebus.profile"
    with pytest.raises(
        firebus.ProfileError, match=r"^point 'IDN': 5 \(writable 10\.\.30000\): value outside"
    ):
        c.encode_write("IDN", 5, password=1)
    with pytest.raises(TypeError):
        c.encode_write("IDN", 500, password=-1)
    with pytest.raises(TypeError):
        c.encode_write(-1, 500, password=1)


def test_encode_write_decimals_from_needs_the_image() -> None:
    doc = minimal(decimals_from="DP", writable={"min": 0, "max": 100, "function": 6})
    doc["points"].append(  # type: ignore[attr-defined]
        {"id": "DP", "table": "holding", "address": 11, "type": "u16", "publish": False}
    )
    c = Codec(fp.parse(json.dumps(doc)))
    with pytest.raises(firebus.ProfileError) as info:
        c.encode_write("P", 12.5)
    assert info.value.code == Errc.data_missing
    image = RegisterImage()
    image.store(H, 11, [1])
    assert c.encode_write("P", 12.5, image=image) == [
        Request(Function.write_single_register, 10, 1, values=[125])
    ]
    assert [(i.address, i.count) for i in c.read_items(["P"])] == [(10, 1), (11, 1)]


def test_random_images_and_writes_never_crash() -> None:
    rng = random.Random(2611)
    for path in sorted(PROFILES.glob("*.json")):
        c = Codec(fp.load(str(path)))
        writable = [i for i in c.points() if c.point(i).writable is not None]
        for _ in range(200):
            image = RegisterImage()
            for item in c.read_items():
                if rng.random() < 0.8:
                    bits = item.table in (Table.coils, Table.discrete_inputs)
                    image.store(
                        item.table,
                        item.address,
                        [rng.randint(0, 1 if bits else 0xFFFF) for _ in range(item.count)],
                    )
            r = c.decode(image)
            assert {pid for pid, _, _ in r.values} <= {c.point(i).id for i in c.points()}
            for i in writable:
                w = c.point(i).writable
                assert w is not None
                value = rng.choice(
                    [w.min, w.max, rng.uniform(w.min - 10, w.max + 10), float("inf")]
                )
                try:
                    reqs = c.encode_write(
                        i, value, password=rng.choice([None, 1, 0xFFFFFFFF]), image=image
                    )
                except firebus.ProfileError as e:
                    assert e.code in list(Errc)
                else:
                    assert all(req.is_valid() for req in reqs)


def test_error_for_the_profile_category() -> None:
    e = firebus.error_for("firebus.profile", int(Errc.not_writable), "point 'IR'")
    assert type(e) is firebus.ProfileError and str(e) == "point 'IR': the point is not writable"
    assert firebus.ProfileError.__module__ == "firebus" and issubclass(
        firebus.ProfileError, firebus.Error
    )


# --- codec objects -------------------------------------------------------------------------------


def test_codec_keeps_its_own_copy_and_checks_indices() -> None:
    p = fp.load(str(ASJ))
    c = Codec(p)
    del p
    assert c.profile.id == "acrel-asj10l-ld1a" and repr(c) == "<Codec acrel-asj10l-ld1a: 10 points>"
    assert c.find("IR") == 0 and c.find("nope") is None and c.find("") is None
    with pytest.raises(IndexError):
        c.point(10)
    with pytest.raises(TypeError):
        c.point(-1)
    with pytest.raises(TypeError):
        Codec("acrel-asj10l-ld1a.json")  # type: ignore[arg-type]
    # Points read from the codec are copies: changing them changes nothing.
    a = c.point(0).alarms
    a[0].setpoint = 1.0
    assert c.point(0).alarms[0].setpoint == 300.0


def test_default_rules_and_append() -> None:
    c = Codec(fp.load(str(ASJ)))
    rules = c.default_rules()
    assert [r.id for r in rules.points] == [
        "IR",
        "IDN",
        "IPRE",
        "TND",
        "CTB_EN",
        "PRE",
        "ALM",
        "DI1",
        "DI2",
    ]
    ir = rules.points[0]
    assert (ir.unit, ir.range, ir.stale_s) == ("mA", (0.0, 30000.0), 60.0)
    assert [a.id for a in ir.alarms] == ["ALM", "PRE"]
    both = alarm.Rules()
    c.append_default_rules("dev1/", both)
    c.append_default_rules("dev2/", both)
    assert len(both.points) == 18 and both.points[9].id == "dev2/IR"
    alarm.validate(both)
    with pytest.raises(TypeError):
        c.append_default_rules("x/", {"points": []})  # type: ignore[arg-type]


def test_everything_has_a_docstring() -> None:
    for name in dir(fp):
        if name.startswith("_"):
            continue
        obj = getattr(fp, name)
        if callable(obj):
            assert obj.__doc__, name
            for attr, member in vars(obj).items() if isinstance(obj, type) else []:
                if not attr.startswith("_") and callable(member):
                    assert member.__doc__, f"{name}.{attr}"


# --- end to end: the ASJ10L served by pymodbus, read over a socket --------------------------------
# (the asj_server fixture is in conftest.py)


def read_tcp(port: int, unit: int, requests: list[Request]) -> list[mb.Response]:
    """One firebus-encoded transaction per request over a fresh connection."""
    out = []
    for attempt in range(100):  # the server may still be starting
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except ConnectionRefusedError:
            if attempt == 99:
                raise
            time.sleep(0.05)
    with s:
        for tid, req in enumerate(requests, start=1):
            s.sendall(mb.encode_tcp(tid, unit, req.encode()))
            buf = b""
            while not (n := mb.tcp_frame_length(buf)) or len(buf) < n:
                chunk = s.recv(512)
                assert chunk, "the server closed the connection"
                buf += chunk
            out.append(mb.parse_tcp_reply(req, tid, unit, buf))
    return out


def test_end_to_end_read_from_pymodbus(asj_server: tuple[int, dict[int, int]]) -> None:
    port, regs = asj_server
    p = fp.load(str(ASJ))
    c = Codec(p)
    plan = mb.PollPlanner(mb.CostModel.tcp(0.001), p.modbus.limits).plan(c.read_items())
    replies = read_tcp(port, p.modbus.unit_id, [r.request for r in plan])
    image = RegisterImage()
    for r, reply in zip(plan, replies):
        assert image.store_reply(r.request, reply)
    got = c.decode(image)
    values = {pid: v for pid, v, q in got.values if q == QualityCode.good}
    assert values == {
        "IR": 318.0,
        "IDN": 300.0,
        "IPRE": 240.0,
        "TND": 200.0,
        "CTB_EN": 1.0,
        "PRE": 0.0,
        "ALM": 1.0,
        "DI1": 1.0,
        "DI2": 0.0,
    }
    assert got.conditions == [("PRE", Cond.normal), ("ALM", Cond.fire)]
    assert got.statuses == [("IR", Status.open_circuit)]
    assert image.get(H, 29, 1) == [regs[29]]
    # A setpoint write, password first, accepted by the server and read back.
    writes = c.encode_write("IDN", 450, password=regs[29])
    read_tcp(port, p.modbus.unit_id, writes)
    (back,) = read_tcp(port, p.modbus.unit_id, [Request(Function.read_holding_registers, 8, 1)])
    image.store_reply(Request(Function.read_holding_registers, 8, 1), back)
    assert c.decode(image, ["IDN"]).values == [("IDN", 450.0, QualityCode.good)]
