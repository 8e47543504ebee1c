"""Tests of firebus.telemetry: births, batches, aliases, the firebus protobuf encoding and its JSON.

The golden message is the one of tests/unit/test_telemetry_firebus.cpp; protoc (where installed)
decodes what the module encodes, as an independent peer.
"""

from __future__ import annotations

import math
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from racing import run_racing

import firebus
from firebus import telemetry as tm
from firebus.core import (
    AlarmClass,
    AlarmState,
    Event,
    EventKind,
    EventReason,
    QualityCode,
    Sample,
)

ROOT = Path(os.environ.get("FIREBUS_SOURCE_DIR", Path(__file__).resolve().parents[3]))
PROTO = ROOT / "protocols" / "firebus" / "v1" / "telemetry.proto"

GOLDEN_HEX = (
    "0a03677731"
    "1001"
    "224b"
    "0807"
    "18e807"
    "22020001"
    "2a0300d00f"
    "4a03008701"
    "521b"
    "0805"
    "18d00f"
    "2801"
    "320161"
    "3a024849"
    "4805"
    "5001"
    "613333333333b33540"
    "5a12"
    "0a026431"
    "10d00f"
    "1803"
    "220774696d656f7574"
    "62031eb203"  # decimal [15, 217]: 1.5 and 21.7 in tenths
    "6801"  # decimals 1
)
GOLDEN_JSON = (
    '{"sourceId":"gw1","seq":"1","batch":{"birthId":"7","baseTimeMs":"1000",'
    '"alias":[0,1],"dtMs":["0","1000"],"quality":[0,135],"events":[{"seq":"5",'
    '"monoMs":"2000","kind":"EVENT_KIND_ALARM_ON","point":"a","alarm":"HI",'
    '"alarmClass":"ALARM_CLASS_FIRE","state":"ALARM_STATE_UNACK","value":21.7}],'
    '"statuses":[{"device":"d1","timeMs":"2000","state":"DEVICE_STATE_OFFLINE",'
    '"detail":"timeout"}],"decimal":["15","217"],"decimals":1}}'
)


def golden_birth() -> tm.Birth:
    return tm.Birth(
        [
            tm.PointDecl("a", 0, unit="mA", quantity="residual_current"),
            tm.PointDecl("b", 1, unit="Cel", quantity="temperature"),
        ],
        birth_id=7,
    )


def golden_envelope() -> tm.Envelope:
    samples = [
        Sample("a", 1.0, 1.5),
        Sample("b", 2.0, 21.7, QualityCode.bad_comm_loss),
    ]
    event = Event(
        EventKind.alarm_on,
        source_id="gw1",
        seq=5,
        t=2.0,
        point="a",
        alarm="HI",
        cls=AlarmClass.fire,
        state=AlarmState.unack,
        value=21.7,
    )
    status = tm.DeviceStatus("d1", 2.0, tm.DeviceState.offline, "timeout")
    return tm.Envelope("gw1", 1, tm.Batch(samples, events=[event], statuses=[status], birth_id=7))


def test_golden_bytes_and_json() -> None:
    aliases = tm.AliasTable(golden_birth())
    data = tm.encode(golden_envelope(), aliases)
    assert isinstance(data, bytes)
    assert data.hex() == GOLDEN_HEX
    assert tm.decode(data, aliases) == golden_envelope()
    assert tm.to_json(golden_envelope(), aliases) == GOLDEN_JSON
    assert tm.from_json(GOLDEN_JSON, aliases) == golden_envelope()
    assert tm.wire_to_json(data) == GOLDEN_JSON
    assert tm.json_to_wire(GOLDEN_JSON) == data


@pytest.mark.skipif(shutil.which("protoc") is None, reason="protoc not installed")
def test_protoc_decodes_what_firebus_encodes() -> None:
    aliases = tm.AliasTable(golden_birth())
    data = tm.encode(golden_envelope(), aliases)
    done = subprocess.run(
        ["protoc", "--decode=firebus.v1.Envelope", f"-I{PROTO.parents[2]}", str(PROTO)],
        input=data,
        capture_output=True,
        check=True,
    )
    text = done.stdout.decode()
    for line in (
        'source_id: "gw1"',
        "seq: 1",
        "birth_id: 7",
        "base_time_ms: 1000",
        "dt_ms: 1000",
        "decimal: 217",
        "decimals: 1",
        "quality: 135",
        "kind: EVENT_KIND_ALARM_ON",
        "alarm_class: ALARM_CLASS_FIRE",
        "state: DEVICE_STATE_OFFLINE",
    ):
        assert line in text, text
    # And the other way: protoc's encoding of text format decodes here.
    birth_text = (
        'source_id: "gw1" seq: 2 birth { birth_id: 7 time_ms: 1500 '
        'points { alias: 0 name: "a" unit: "mA" quantity: "residual_current" } '
        'points { alias: 1 name: "b" unit: "Cel" quantity: "temperature" low: -40 } }'
    )
    encoded = subprocess.run(
        ["protoc", "--encode=firebus.v1.Envelope", f"-I{PROTO.parents[2]}", str(PROTO)],
        input=birth_text.encode(),
        capture_output=True,
        check=True,
    ).stdout
    env = tm.decode(encoded)
    assert env.source_id == "gw1" and env.seq == 2
    birth = env.body
    assert isinstance(birth, tm.Birth)
    assert birth.time == 1.5
    assert [p.name for p in birth.points] == ["a", "b"]
    assert birth.points[1].low == -40.0 and birth.points[1].high is None


def test_birth_round_trip_and_registry() -> None:
    birth = tm.Birth(
        [
            tm.PointDecl("b1/f3/rcm1/loop3/ir", unit="mA", low=0.0, high=3000.0, description="3F"),
            tm.PointDecl("b1/f3/t1", unit="Cel", quantity="temperature"),
        ],
        time=1764471321.25,
        birth_id=42,
    )
    birth.assign_aliases()
    assert [p.alias for p in birth.points] == [0, 1]
    env = tm.Envelope("gw-0001", 1, birth)
    back = tm.decode(tm.encode(env))
    assert back == env
    assert isinstance(back.body, tm.Birth)
    assert back.body.time == 1764471321.25
    assert back.body.points[0].high == 3000.0

    births = tm.BirthRegistry()
    births.add(back.source_id, back.body)
    assert births.sources == 1
    table = births.find("gw-0001", 42)
    assert table is not None and len(table) == 2 and table.birth_id == 42
    assert table.alias_of("b1/f3/t1") == 1
    assert table.alias_of("nope") is None
    assert table.alias_of("not a point id") is None
    assert table.point_of(0) == "b1/f3/rcm1/loop3/ir"
    assert table.point_of(9) is None
    assert births.find("gw-0001", 41) is None
    assert repr(table) == "AliasTable(birth_id=42, 2 points)"

    batch = tm.Batch([Sample("b1/f3/t1", 1764471322.0, 21.7)], birth_id=42)
    data = tm.encode(tm.Envelope("gw-0001", 2, batch), table)
    got = tm.decode(data, births)
    assert got.body == batch
    births.forget("gw-0001")
    with pytest.raises(tm.TelemetryError) as info:
        tm.decode(data, births)
    assert info.value.code == tm.Errc.unknown_birth
    assert info.value.category == "firebus.telemetry"
    assert 'birth 42 of source "gw-0001" not known' in str(info.value)


def test_values_times_and_qualities() -> None:
    values = [0.0, -0.0, 1.5, 21.7, 1e300, 5e-324, math.nan, math.inf, -math.inf, 2.0**53 - 1]
    names = [f"p{i}" for i in range(len(values))]
    birth = tm.Birth([tm.PointDecl(n) for n in names], birth_id=1)
    birth.assign_aliases()
    aliases = tm.AliasTable(birth)
    qualities = list(QualityCode)
    samples = [
        Sample(n, 1764471321.0 - i, v, qualities[i % len(qualities)])
        for i, (n, v) in enumerate(zip(names, values))
    ]
    env = tm.Envelope("gw", 9, tm.Batch(samples, birth_id=1, historical=True))
    back = tm.decode(tm.encode(env, aliases), aliases)
    assert back == env
    got = back.body.samples
    assert math.isnan(got[6].value)
    assert [struct.pack("<d", s.value) for i, s in enumerate(got) if i != 6] == [
        struct.pack("<d", v) for i, v in enumerate(values) if i != 6
    ]
    assert back.body.historical
    # NaN and the infinities in JSON.
    text = tm.to_json(env, aliases)
    assert '"NaN","Infinity","-Infinity"' in text
    assert tm.from_json(text, aliases) == env


def test_events_and_statuses() -> None:
    full = Event(
        EventKind.clock_jump,
        source_id="engine-2",
        seq=2**64 - 1,
        t=-123.456,
        time=1764471321.25,
        point="b1/rcm1/ir",
        alarm="ALM",
        zone="Z1",
        cls=AlarmClass.supervisory,
        state=AlarmState.latched_acked,
        reason=EventReason.out_of_order,
        value=305.5,
        delta_s=-3.5,
        cause="SD-3",
        command="reset_device",
    )
    kinds = [Event(k, source_id="gw", seq=i + 1) for i, k in enumerate(EventKind)]
    statuses = [tm.DeviceStatus(f"unit{s.value}", 1.0, s, "x") for s in tm.DeviceState]
    env = tm.Envelope("gw", 3, tm.Batch(events=[full, *kinds], statuses=statuses))
    back = tm.decode(tm.encode(env))  # no samples: no aliases needed
    assert back == env
    assert tm.from_json(tm.to_json(env)) == env
    # An event without a source id comes back with the envelope's.
    anon = tm.Envelope("gw", 4, tm.Batch(events=[Event(EventKind.fault_on)]))
    assert tm.decode(tm.encode(anon)).body.events[0].source_id == "gw"


def test_errors_raise_telemetry_error() -> None:
    assert issubclass(tm.TelemetryError, firebus.Error)
    assert tm.TelemetryError is firebus._firebus.TelemetryError
    assert tm.TelemetryError.__module__ == "firebus"
    aliases = tm.AliasTable(golden_birth())
    env = tm.Envelope("gw1", 1, tm.Batch([Sample("zz", 0.0, 1.0)], birth_id=7))
    with pytest.raises(tm.TelemetryError) as info:
        tm.encode(env, aliases)
    assert info.value.code == tm.Errc.unknown_point
    assert str(info.value) == (
        'telemetry encode: batch: sample 0: point "zz" not declared by birth 7: '
        "point not declared by the birth"
    )
    with pytest.raises(tm.TelemetryError) as info:
        tm.encode(env)
    assert info.value.code == tm.Errc.unknown_birth
    with pytest.raises(tm.TelemetryError) as info:
        tm.encode(tm.Envelope("gw1", 0, tm.Batch()))
    assert info.value.code == tm.Errc.missing_seq
    with pytest.raises(tm.TelemetryError) as info:
        tm.encode(tm.Envelope("gw 1", 1, tm.Batch()))
    assert info.value.code == tm.Errc.invalid_source_id
    dup = golden_birth()
    points = dup.points
    points[1].alias = 0
    dup.points = points
    with pytest.raises(tm.TelemetryError) as info:
        tm.AliasTable(dup)
    assert info.value.code == tm.Errc.duplicate_alias
    with pytest.raises(tm.TelemetryError) as info:
        tm.decode(b"\xff\xff\xff")
    assert info.value.code == tm.Errc.malformed
    with pytest.raises(tm.TelemetryError) as info:
        tm.from_json('{"sourceId":"gw","seq":"1","batch":{"events":[{}]}}')
    assert info.value.code == tm.Errc.missing_kind
    with pytest.raises(tm.TelemetryError) as info:
        tm.from_json("not json")
    assert info.value.code == tm.Errc.malformed
    with pytest.raises(firebus.CoreError):
        tm.PointDecl("temp #1")
    assert tm.errc_message(tm.Errc.unknown_alias) == "alias not declared by the birth"


def test_reprs_and_defaults() -> None:
    env = golden_envelope()
    assert repr(env) == (
        "Envelope(source_id='gw1', seq=1, body=Batch(birth_id=7, 2 samples, 1 event, 1 status))"
    )
    assert repr(golden_birth()) == "Birth(birth_id=7, time=0.0, 2 points)"
    assert repr(tm.PointDecl("a", 3, unit="mA")) == "PointDecl(name='a', alias=3, unit='mA')"
    assert repr(tm.DeviceStatus("d1", 2.0, tm.DeviceState.offline, "timeout")) == (
        "DeviceStatus(device='d1', time=2.0, state=DeviceState.offline, detail='timeout')"
    )
    e = tm.Envelope()
    assert e.source_id == "" and e.seq == 0 and e.body == tm.Batch()
    assert tm.MAX_MESSAGE_BYTES == 16 * 1024 * 1024
    assert tm.DeviceState.quarantined == 4


def test_bytes_per_sample() -> None:
    birth = tm.Birth([tm.PointDecl(f"p{i}") for i in range(100)], birth_id=7)
    birth.assign_aliases()
    aliases = tm.AliasTable(birth)
    t0 = 1764471321.0
    samples = [
        Sample(f"p{p}", t0 + row, struct.unpack("<f", struct.pack("<f", 20 + 0.37 * p))[0])
        for row in range(10)
        for p in range(100)
    ]
    data = tm.encode(tm.Envelope("gw-0001", 2, tm.Batch(samples, birth_id=7)), aliases)
    assert len(data) / 1000 <= 9.0  # half of Sparkplug B with aliases (18.0)
    # Decimal readings (21.7 Cel, 0.35 mA) go as scaled integers: about 4 bytes a sample.
    decimal = [
        Sample(f"p{p}", t0 + row, (200 + p + row) / 10 if p % 2 else (30 + p + row) / 100)
        for row in range(10)
        for p in range(100)
    ]
    env = tm.Envelope("gw-0001", 2, tm.Batch(decimal, birth_id=7))
    data = tm.encode(env, aliases)
    assert len(data) / 1000 <= 5.0
    assert tm.decode(data, aliases) == env


# --- threads: decode() and encode() release the GIL ------------------------------------------


def big_birth(n: int, birth_id: int) -> tm.Birth:
    birth = tm.Birth([tm.PointDecl(f"b1/f3/p{i}") for i in range(n)], birth_id=birth_id)
    birth.assign_aliases()
    return birth


def test_decode_while_another_thread_changes_the_registry() -> None:
    # decode(data, births) reads the registry without the GIL: add(), forget() and clear() in
    # another thread wait for it (they used to free the alias table it was reading).
    birth = big_birth(2000, 7)
    batch = tm.Batch([Sample(f"b1/f3/p{i}", 1764471321.0, i / 10) for i in range(2000)], birth_id=7)
    data = tm.encode(tm.Envelope("gw-0001", 2, batch), tm.AliasTable(birth))
    births = tm.BirthRegistry(births_per_source=1)
    other = big_birth(2000, 8)
    decoded = [0, 0]  # decoded, unknown_birth

    def decode() -> None:
        try:
            env = tm.decode(data, births)
        except tm.TelemetryError as e:
            assert e.code == tm.Errc.unknown_birth
            decoded[1] += 1
            return
        assert env.body == batch
        decoded[0] += 1

    step = [0]

    def change() -> None:
        step[0] += 1
        if step[0] % 3 == 0:
            births.add("gw-0001", other)  # replaces birth 7 (one per source)
        elif step[0] % 3 == 1:
            births.add("gw-0001", birth)
        elif step[0] % 6 == 2:
            births.forget("gw-0001")
        else:
            births.clear()

    run_racing(decode, change)
    assert decoded[0] > 0 and decoded[1] > 0


def test_encode_while_another_thread_changes_the_envelope() -> None:
    # encode() encodes a copy of the Envelope: replacing its body or its samples meanwhile
    # gives the bytes of the one or of the other, never a crash.
    birth = big_birth(2000, 7)
    aliases = tm.AliasTable(birth)
    small = tm.Batch([Sample("b1/f3/p1", 1764471321.0, 1.5)], birth_id=7)
    large = tm.Batch(
        [Sample(f"b1/f3/p{i}", 1764471321.0, i / 10) for i in range(2000)], birth_id=7
    )
    env = tm.Envelope("gw-0001", 2, large)
    expected = {tm.encode(tm.Envelope("gw-0001", 2, b), aliases) for b in (small, large)}
    flip = [False]

    def encode() -> None:
        assert tm.encode(env, aliases) in expected

    def change() -> None:
        flip[0] = not flip[0]
        env.body = small if flip[0] else large

    run_racing(encode, change)
