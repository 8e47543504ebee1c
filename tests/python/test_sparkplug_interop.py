# firebus — fire-safety IoT SDK.
"""Sparkplug B interoperability with an independent implementation: the JavaScript library
`sparkplug-payload` (Eclipse Tahu's, on npm, pinned in tests/interop/sparkplug/package.json).

(a) firebus encodes (`firebus sparkplug encode`) and the JS library decodes: the same metrics;
(b) the JS library encodes and firebus decodes (`firebus sparkplug decode`): the same metrics;
(c) both encode the same payload to the same bytes;
(d) the reference size: 1,000 float samples of 100 points with aliases and metric timestamps.

Known differences of sparkplug-payload 1.0.3, checked here so that a change shows:
- it reads and writes UInt32 in `long_value`; the specification (and firebus) writes `int_value`,
  which its decodePayload() does not see (null). firebus reads both.
- its decodePayload() gives no value for a metric without a datatype (DATA messages carry
  aliases only): such values are read from its protobuf decoding (peer.js's `raw`).
- it has no encoding for the array types (22-34), and takes DataSet and Template values as
  objects: those are left out here (tests/unit/test_sparkplug.cpp covers them).

The firebus CLI comes from FIREBUS_CLI (CTest sets it); node and the npm packages from
tests/interop/sparkplug (`npm ci` there; scripts/bootstrap runs it). Without them the tests are
skipped with the reason.
"""

import copy
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEER_DIR = ROOT / "tests" / "interop" / "sparkplug"
CLI = os.environ.get("FIREBUS_CLI", "")
NODE = shutil.which("node") or shutil.which("nodejs")

pytestmark = [
    pytest.mark.skipif(not CLI, reason="FIREBUS_CLI is not set (built in examples/cli)"),
    pytest.mark.skipif(not NODE, reason="node is not installed (Debian: nodejs npm)"),
    pytest.mark.skipif(
        not (PEER_DIR / "node_modules" / "sparkplug-payload").is_dir(),
        reason="sparkplug-payload is not installed: npm ci in tests/interop/sparkplug "
        "(scripts/bootstrap runs it)",
    ),
]

T0 = 1764471321000


def run(cmd, lines, cwd=None):
    p = subprocess.run(
        cmd,
        input="".join(l + "\n" for l in lines).encode(),
        capture_output=True,
        timeout=120,
        cwd=cwd,
    )
    assert p.returncode == 0, f"{cmd}: exit {p.returncode}: {p.stderr.decode()}"
    out = p.stdout.decode().splitlines()
    assert len(out) == len(lines), p.stderr.decode()
    return out


def firebus(command, lines, *options):
    return run([CLI, "sparkplug", command, *options], lines)


def peer(command, lines):
    return run([NODE, str(PEER_DIR / "peer.js"), command], lines, cwd=PEER_DIR)


def scalars():
    """Every datatype both implementations encode, at its edges, with names, aliases, flags."""
    values = [
        ("Int8", -128),
        ("Int8", 127),
        ("Int8", -1),
        ("Int16", -32768),
        ("Int16", 32767),
        ("Int32", -2147483648),
        ("Int32", 2147483647),
        ("Int32", -1),
        ("Int64", "-9223372036854775808"),
        ("Int64", "9223372036854775807"),
        ("Int64", "-1"),
        ("UInt8", 255),
        ("UInt16", 65535),
        ("UInt64", "18446744073709551615"),
        ("UInt64", "0"),
        ("Float", 1.5),
        ("Float", -312.25),
        ("Float", "NaN"),
        ("Float", "Infinity"),
        ("Float", "-Infinity"),
        ("Float", "-0"),
        ("Float", 3.4028234663852886e38),
        ("Double", 21.7),
        ("Double", 1e300),
        ("Double", "NaN"),
        ("Double", "-Infinity"),
        ("Double", 5e-324),
        ("Boolean", True),
        ("Boolean", False),
        ("String", "火灾报警 — fire alarm ✓"),
        ("String", ""),
        ("Text", "一楼东区\n第二行"),
        ("UUID", "123e4567-e89b-12d3-a456-426614174000"),
        ("DateTime", str(T0)),
        ("Bytes", "0001ff80"),
        ("Bytes", ""),
        ("File", "25504446"),
        ("Int32", None),
        ("String", None),
        ("Double", None),
    ]
    metrics = []
    for i, (t, v) in enumerate(values):
        m = {
            "name": f"m{i}/{t}",
            "alias": str(i * 1000),
            "timestamp": str(T0 + i),
            "datatype": t,
            "value": v,
        }
        if i % 3 == 0:
            m["is_historical"] = True
        if i % 5 == 0:
            m["is_transient"] = True
        metrics.append(m)
    return {
        "timestamp": str(T0),
        "seq": 0,
        "uuid": "firebus-test",
        "body": "0102",
        "metrics": metrics,
    }


def with_properties():
    inner = [["x", {"type": "Int16", "value": -7}], ["中文", {"type": "String", "value": "值"}]]
    props = [
        ["engUnit", {"type": "String", "value": "mA"}],
        ["engLow", {"type": "Double", "value": 0}],
        ["engHigh", {"type": "Double", "value": None}],
        ["priority", {"type": "Int32", "value": -3}],
        ["eventSeq", {"type": "UInt64", "value": "18446744073709551615"}],
        ["active", {"type": "Boolean", "value": True}],
        ["ratio", {"type": "Float", "value": 0.5}],
        ["set", {"type": "PropertySet", "value": inner}],
        ["list", {"type": "PropertySetList", "value": [inner, [], inner]}],
    ]
    return {
        "timestamp": str(T0),
        "seq": 255,
        "metrics": [
            {
                "name": "Alarms/b1/rcm1/ir/HI",
                "alias": "7",
                "timestamp": str(T0),
                "datatype": "String",
                "value": "unack",
                "properties": props,
            }
        ],
    }


def death():
    return {"metrics": [{"name": "bdSeq", "datatype": "Int64", "value": "255"}]}


def without_datatypes():
    """A DATA message: aliases, timestamps, values in their fields, no names, no datatypes."""
    kinds = [
        ("uint64", "4294967295"),
        ("uint64", "18446744073709551615"),
        ("float", 312.5),
        ("double", 21.7),
        ("bool", True),
        ("string", "火"),
        ("bytes", "00ff"),
    ]
    return {
        "timestamp": str(T0),
        "seq": 17,
        "metrics": [
            {"alias": str(i), "timestamp": str(T0 + i), "kind": k, "value": v}
            for i, (k, v) in enumerate(kinds)
        ],
    }


def normal(x):
    """JSON values compared with NaN equal to NaN."""
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    if isinstance(x, dict):
        return {k: normal(v) for k, v in x.items()}
    if isinstance(x, list):
        return [normal(v) for v in x]
    return x


def from_peer(decoded):
    """The peer's decoding in the JSON form: its `raw` field supplies values without datatype."""
    out = copy.deepcopy(decoded)
    for m in out["metrics"]:
        raw = m.pop("raw")
        null = m.pop("raw_is_null", False)
        if "datatype" not in m and raw is not None:
            m["kind"] = raw["kind"]
            m["value"] = raw["value"]
        m["_field"] = raw["field"] if raw else ("null" if null else None)
    return out


def strip_fields(p):
    q = copy.deepcopy(p)
    for m in q["metrics"]:
        m.pop("_field", None)
    return q


@pytest.mark.parametrize("make", [scalars, with_properties, death, without_datatypes])
def test_firebus_encodes_js_decodes(make):
    payload = make()
    (wire,) = firebus("encode", [json.dumps(payload)])
    (decoded,) = peer("decode", [wire])
    seen = from_peer(json.loads(decoded))
    assert normal(strip_fields(seen)) == normal(payload)
    # Signed integers travel as two's complement in the unsigned fields.
    for m, s in zip(payload["metrics"], seen["metrics"]):
        if (
            m.get("datatype") in ("Int8", "Int16", "Int32", "UInt8", "UInt16")
            and m["value"] is not None
        ):
            assert s["_field"] == "intValue"
        if m.get("datatype") in ("Int64", "UInt64", "DateTime") and m["value"] is not None:
            assert s["_field"] == "longValue"


def test_uint32_is_written_where_the_specification_says():
    payload = {"metrics": [{"name": "u", "datatype": "UInt32", "value": 4294967295}]}
    (wire,) = firebus("encode", [json.dumps(payload)])
    (decoded,) = peer("decode", [wire])
    m = json.loads(decoded)["metrics"][0]
    # int_value, as Sparkplug 3.0 §6.4.16 says; the JS library's decodePayload() looks in
    # long_value only and finds nothing, its protobuf decoding sees the value.
    assert m["raw"] == {"field": "intValue", "kind": "uint64", "value": "4294967295"}
    assert m["value"] is None
    # What the JS library writes (long_value) firebus reads.
    (js_wire,) = peer("encode", [json.dumps(payload)])
    (back,) = firebus("decode", [js_wire])
    assert json.loads(back)["metrics"][0]["value"] == 4294967295


@pytest.mark.parametrize("make", [scalars, with_properties, death])
def test_js_encodes_firebus_decodes(make):
    payload = make()
    (wire,) = peer("encode", [json.dumps(payload)])
    (decoded,) = firebus("decode", [wire])
    assert normal(json.loads(decoded)) == normal(payload)


@pytest.mark.parametrize("make", [scalars, with_properties, death])
def test_same_bytes(make):
    payload = make()
    (ours,) = firebus("encode", [json.dumps(payload)])
    (theirs,) = peer("encode", [json.dumps(payload)])
    assert ours == theirs


def test_reference_size():
    """1,000 float samples of 100 points, aliases and metric timestamps: 18.0 bytes per sample
    with the JS library (../shared/specs/sparkplug-b.md), the same bytes with firebus, 16.0 when
    the datatypes are left out as DATA messages should (Sparkplug 3.0 §6.4.2)."""
    done = subprocess.run(
        [NODE, str(PEER_DIR / "peer.js"), "size"],
        capture_output=True,
        timeout=120,
        cwd=PEER_DIR,
        check=True,
    )
    js = json.loads(done.stdout)
    metrics = [
        {
            "alias": str(p),
            "timestamp": str(T0 + row * 1000),
            "datatype": "Float",
            "value": 300.0 + p,
        }
        for row in range(10)
        for p in range(100)
    ]
    payload = {"timestamp": str(T0 + 10000), "seq": 1, "metrics": metrics}
    (ours,) = firebus("encode", [json.dumps(payload)])
    (lean,) = firebus("encode", [json.dumps(payload)], "--no-datatypes")
    per_sample_js = js["aliases_bytes"] / 1000
    per_sample = len(ours) / 2 / 1000
    per_sample_lean = len(lean) / 2 / 1000
    print(
        f"bytes/sample: JS {per_sample_js:.3f}, firebus {per_sample:.3f}, "
        f"firebus without datatypes {per_sample_lean:.3f}"
    )
    assert per_sample_js == pytest.approx(18.0, abs=0.05)
    assert per_sample == per_sample_js
    assert per_sample_lean == pytest.approx(16.0, abs=0.05)


def test_firebus_refuses_what_is_not_sparkplug():
    p = subprocess.run(
        [CLI, "sparkplug", "decode"], input=b"ff\n0a00\n", capture_output=True, timeout=60
    )
    assert p.returncode == 1
    lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
    assert len(lines) == 2 and all("error" in l for l in lines)
