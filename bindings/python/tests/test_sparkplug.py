"""Tests of firebus.sparkplug: payloads, topics and the edge node state machine.

The golden bytes are those of tests/unit/test_sparkplug.cpp; protoc (where installed) decodes
what the module encodes with protocols/sparkplug_b/sparkplug_b.proto, as an independent peer.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from racing import run_racing

import firebus
from firebus import sparkplug as spb
from firebus import telemetry
from firebus.core import AlarmClass, AlarmState, Event, EventKind, QualityCode, Sample

ROOT = Path(os.environ.get("FIREBUS_SOURCE_DIR", Path(__file__).resolve().parents[3]))
T0 = 1764471321000

# Payload{timestamp 1, metrics [{name "a", alias 1, timestamp 3, Int32 -1}], seq 2}
GOLDEN = bytes.fromhex("0801120f0a016110011803200350ffffffff0f1802")


def test_golden_bytes():
    m = spb.Metric("a", alias=1, timestamp=3, datatype=spb.DataType.int32, value=-1)
    p = spb.Payload(timestamp=1, metrics=[m], seq=2)
    assert spb.encode(p) == GOLDEN
    back = spb.decode(GOLDEN)
    assert back == p
    assert back.metrics[0].value == -1
    assert back.metrics[0].datatype == spb.DataType.int32


def test_round_trip_of_values_and_properties():
    values = [
        (spb.DataType.int8, -128),
        (spb.DataType.int16, -2),
        (spb.DataType.int64, -(2**63)),
        (spb.DataType.uint32, 2**32 - 1),
        (spb.DataType.uint64, 2**64 - 1),
        (spb.DataType.float, 1.5),
        (spb.DataType.double, 21.7),
        (spb.DataType.double, math.inf),
        (spb.DataType.boolean, True),
        (spb.DataType.string, "火灾报警"),
        (spb.DataType.bytes, b"\x00\xff"),
        (spb.DataType.datetime, T0),
    ]
    props = [
        ("engUnit", spb.DataType.string, "mA"),
        ("low", spb.DataType.double, None),
        ("set", spb.DataType.property_set, [("x", spb.DataType.int8, -1)]),
        ("list", spb.DataType.property_set_list, [[("y", spb.DataType.boolean, True)], []]),
    ]
    metrics = [spb.Metric(f"m{i}", alias=i, datatype=t, value=v) for i, (t, v) in enumerate(values)]
    metrics.append(spb.Metric("nan", datatype=spb.DataType.float, value=math.nan, properties=props))
    metrics.append(spb.Metric("null", datatype=spb.DataType.int32, is_null=True))
    p = spb.Payload(timestamp=T0, metrics=metrics, seq=255, uuid="u", body=b"\x01")
    back = spb.decode(spb.encode(p))
    assert back == p
    for (t, v), m in zip(values, back.metrics):
        assert m.value == v
        assert m.datatype == t
    assert math.isnan(back.metrics[-2].value)
    assert back.metrics[-2].properties == props
    assert back.metrics[-1].is_null and back.metrics[-1].value is None
    assert back.body == b"\x01" and back.uuid == "u"


def test_without_datatypes_and_resolve():
    m = spb.Metric(alias=5, timestamp=T0, datatype=spb.DataType.int16, value=-1)
    data = spb.encode(spb.Payload(seq=1, metrics=[m]), datatypes=False)
    back = spb.decode(data).metrics[0]
    assert back.datatype == spb.DataType.unknown
    assert back.value == 0xFFFFFFFF  # the wire form
    assert spb.resolve_datatype(back.value, spb.DataType.int16) == -1
    with pytest.raises(spb.TelemetryError):
        spb.resolve_datatype(0xFFFFFFFF, spb.DataType.uint8)


def test_refusals_raise_telemetry_error():
    with pytest.raises(spb.TelemetryError) as e:
        spb.decode(bytes.fromhex("12022063"))  # datatype 99
    assert "metrics[0]" in str(e.value)
    with pytest.raises(spb.TelemetryError):
        spb.decode(b"\xff\xff")
    with pytest.raises(spb.TelemetryError) as e:
        spb.encode(spb.Payload(metrics=[spb.Metric("t", datatype=spb.DataType.int8, value=300)]))
    assert "300" in str(e.value)
    with pytest.raises(TypeError):
        spb.Metric("t", value=object())


@pytest.mark.skipif(not shutil.which("protoc"), reason="protoc is not installed")
def test_protoc_decodes_what_firebus_encodes():
    m = spb.Metric("火", alias=300, timestamp=T0, datatype=spb.DataType.int8, value=-1)
    data = spb.encode(spb.Payload(timestamp=T0, seq=3, metrics=[m]))
    done = subprocess.run(
        [
            "protoc",
            "--decode=firebus.sparkplug_b.Payload",
            f"-I{ROOT / 'protocols'}",
            "sparkplug_b/sparkplug_b.proto",
        ],
        input=data,
        capture_output=True,
        check=True,
        cwd=ROOT / "protocols",
    )
    text = done.stdout.decode()
    assert "alias: 300" in text
    assert "int_value: 4294967295" in text
    assert "datatype: 1" in text
    assert "seq: 3" in text


def test_topics():
    t = spb.parse_topic("spBv1.0/fire/DDATA/gw-0001/panel1")
    assert (t.group, t.type, t.edge, t.device) == (
        "fire",
        spb.MessageType.ddata,
        "gw-0001",
        "panel1",
    )
    assert str(t) == "spBv1.0/fire/DDATA/gw-0001/panel1"
    assert str(spb.Topic(type=spb.MessageType.state, host_id="h")) == "spBv1.0/STATE/h"
    for bad in ["spBv1.0/fire/DDATA/gw", "spBv1.0/+/NDATA/gw", "x/y/z/w"]:
        with pytest.raises(spb.TelemetryError):
            spb.parse_topic(bad)
    assert spb.is_valid_id("消防") and not spb.is_valid_id("a/b")
    assert spb.data_type_name(spb.DataType.datetime) == "DateTime"
    assert spb.data_type_from_name("Float") == spb.DataType.float


def node(primary_host_id: str = ""):
    ir = spb.MetricDecl("loop1/ir", spb.DataType.float, value=0.0, point="b1/rcm1/ir", unit="mA")
    level = spb.MetricDecl("level", spb.DataType.int16, value=0, point="b1/level")
    panel = spb.DeviceDecl(
        "panel1", [ir, level], [spb.AlarmDecl("b1/rcm1/ir", "HI", AlarmClass.pre_alarm)]
    )
    return spb.EdgeNode("fire", "gw-0001", devices=[panel], primary_host_id=primary_host_id)


def test_edge_node_primary_host():
    """Births wait for the primary host's STATE online; offline asks for a disconnect."""
    n = node("scada")
    assert "spBv1.0/STATE/scada" in n.subscriptions()
    n.will()
    assert n.on_connected(T0) == []
    assert n.connected and not n.born and not n.host_online
    assert n.data("panel1", {"level": 2}, T0 + 1) == []
    inc = n.on_message("spBv1.0/STATE/scada", b'{"online": true, "timestamp": 10}', T0 + 2)
    assert not inc.problems and not inc.disconnect
    assert [m.topic for m in inc.publish] == [
        "spBv1.0/fire/NBIRTH/gw-0001",
        "spBv1.0/fire/DBIRTH/gw-0001/panel1",
    ]
    assert {m.name: m.value for m in spb.decode(inc.publish[1].payload).metrics}["level"] == 2
    assert n.born and n.host_online
    assert len(n.data("panel1", {"level": 3}, T0 + 3)) == 1
    inc = n.on_message("spBv1.0/STATE/scada", b'{"online": false, "timestamp": 11}', T0 + 4)
    assert inc.disconnect and inc.publish == []
    death = spb.decode(n.death().payload)
    assert [(m.name, m.value) for m in death.metrics] == [("bdSeq", n.bd_seq)]
    inc = n.on_message("spBv1.0/STATE/scada", b"not json", T0 + 5)
    assert inc.problems and inc.error == int(telemetry.Errc.malformed)
    with pytest.raises(firebus.TelemetryError):
        node("a/b")


def test_edge_node_bdseq_births_data_rebirth():
    n = node()
    w = n.will()
    assert w.topic == "spBv1.0/fire/NDEATH/gw-0001" and w.qos == 1 and not w.retain
    death = spb.decode(w.payload)
    assert death.seq is None
    assert [(m.name, m.value) for m in death.metrics] == [("bdSeq", 0)]
    births = n.on_connected(T0)
    assert [b.topic for b in births] == [
        "spBv1.0/fire/NBIRTH/gw-0001",
        "spBv1.0/fire/DBIRTH/gw-0001/panel1",
    ]
    nbirth = spb.decode(births[0].payload)
    assert nbirth.seq == 0
    names = {m.name: m for m in nbirth.metrics}
    assert names["bdSeq"].value == 0
    assert names["Node Control/Rebirth"].value is False
    out = n.data("panel1", {"loop1/ir": 312.5, "level": -3}, T0 + 1)
    d = spb.decode(out[0].payload)
    assert d.seq == 2
    assert [m.alias for m in d.metrics] == [
        n.alias_of("panel1", "loop1/ir"),
        n.alias_of("panel1", "level"),
    ]
    assert all(m.name == "" and m.datatype == spb.DataType.unknown for m in d.metrics)
    assert d.metrics[0].value == 312.5
    samples = [Sample("b1/rcm1/ir", (T0 + 2) / 1000, 300.0, QualityCode.good)]
    out = n.data_samples(samples, T0 + 3)
    assert spb.decode(out[0].payload).metrics[0].timestamp == T0 + 2
    # Rebirth: same bdSeq, seq from 0.
    cmd = spb.encode(
        spb.Payload(
            metrics=[spb.Metric("Node Control/Rebirth", datatype=spb.DataType.boolean, value=True)]
        )
    )
    inc = n.on_message("spBv1.0/fire/NCMD/gw-0001", cmd, T0 + 4)
    assert inc.rebirth and not inc.problems
    assert spb.decode(inc.publish[0].payload).seq == 0
    assert {m.name: m.value for m in spb.decode(inc.publish[0].payload).metrics}["bdSeq"] == 0
    # The next connection takes the next bdSeq.
    n.on_disconnected()
    assert n.data("panel1", {"level": 1}, T0 + 5) == []
    n.will()
    births = n.on_connected(T0 + 6)
    assert {m.name: m.value for m in spb.decode(births[0].payload).metrics}["bdSeq"] == 1
    assert {m.name: m.value for m in spb.decode(births[1].payload).metrics}["level"] == 1


def test_edge_node_births_take_the_bdseq_of_their_connections_will():
    # The client made the next CONNECT's Will before this connection's "up" was handled: the
    # births carry the bdSeq of the Will the connection registered (ConnectionEvent.will_payload).
    n = node()
    w0, w1 = n.will(), n.will()
    births = n.on_connected(T0, will_payload=w0.payload)
    assert {m.name: m.value for m in spb.decode(births[0].payload).metrics}["bdSeq"] == 0
    n.on_disconnected()
    births = n.on_connected(T0 + 1, w1.payload)
    assert {m.name: m.value for m in spb.decode(births[0].payload).metrics}["bdSeq"] == 1
    assert [(m.name, m.value) for m in spb.decode(n.death().payload).metrics] == [("bdSeq", 1)]
    n.on_disconnected()
    births = n.on_connected(T0 + 2, b"not sparkplug")  # as on_connected(now): a new Will
    assert {m.name: m.value for m in spb.decode(births[0].payload).metrics}["bdSeq"] == 2


def test_edge_node_commands_alarms_and_deaths():
    n = node()
    n.will()
    n.on_connected(T0)
    dcmd = spb.encode(
        spb.Payload(metrics=[spb.Metric(alias=n.alias_of("panel1", "level"), value=0xFFFF)])
    )
    inc = n.on_message("spBv1.0/fire/DCMD/gw-0001/panel1", dcmd, T0)
    assert [(c.device, c.name, c.value) for c in inc.commands] == [("panel1", "level", -1)]
    inc = n.on_message("spBv1.0/fire/NCMD/gw-0001", b"\xff", T0)
    assert inc.problems and inc.error == int(telemetry.Errc.malformed)
    ev = Event(
        EventKind.alarm_on,
        point="b1/rcm1/ir",
        alarm="HI",
        cls=AlarmClass.pre_alarm,
        state=AlarmState.unack,
        value=305.0,
        time=(T0 + 7) / 1000,
    )
    out = n.alarms([ev], T0 + 8)
    m = spb.decode(out[0].payload).metrics[0]
    assert m.value == "unack" and m.timestamp == T0 + 7
    props = {k: v for k, _, v in m.properties}
    assert props["class"] == "pre_alarm" and props["value"] == 305.0 and props["active"] is True
    out = n.device_death("panel1", T0 + 9)
    assert out[0].topic == "spBv1.0/fire/DDEATH/gw-0001/panel1"
    with pytest.raises(spb.TelemetryError):
        n.data("panel1", {"level": 1}, T0 + 10)
    assert n.device_birth("panel1", T0 + 11)[0].topic == "spBv1.0/fire/DBIRTH/gw-0001/panel1"
    with pytest.raises(spb.TelemetryError):
        spb.EdgeNode("fire/x", "gw")


def test_encode_while_another_thread_changes_the_payload():
    # encode() encodes a copy of the Payload without the GIL: replacing its metrics meanwhile
    # gives the bytes of the one list or of the other, never a crash or a mix.

    small = [spb.Metric("a", alias=1, datatype=spb.DataType.int32, value=1)]
    large = [
        spb.Metric(f"m{i}", alias=i, datatype=spb.DataType.double, value=i / 7) for i in range(5000)
    ]
    p = spb.Payload(timestamp=T0, seq=1, metrics=large)
    expected = {spb.encode(spb.Payload(timestamp=T0, seq=1, metrics=m)) for m in (small, large)}
    def encode():
        assert spb.encode(p) in expected

    flip = [False]

    def change():
        flip[0] = not flip[0]
        p.metrics = small if flip[0] else large

    run_racing(encode, change)
