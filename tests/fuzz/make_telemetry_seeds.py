#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpora of fuzz_telemetry_firebus.cpp (corpus/telemetry_firebus/: encoded
firebus.v1.Envelope messages) and fuzz_telemetry_json.cpp (corpus/telemetry_json/: their JSON).

The binary seeds are encoded by protoc from text format (`protoc --encode`), independently of
firebus's encoder. The fuzz targets know birth 7 of source "gw-0001" (points p0..p15, aliases
0..15) and, for the binary target, birth 8 (aliases 100, 1000, 4294967295). Run from anywhere:
    python3 tests/fuzz/make_telemetry_seeds.py
"""

import pathlib
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

BINARY = {
    "birth": """
        source_id: "gw-0001" seq: 1
        birth { time_ms: 1764471321000 birth_id: 7
          points { alias: 0 name: "p0" unit: "mA" quantity: "residual_current" low: 0 high: 3000
                   description: "3F distribution board, loop 3" }
          points { alias: 1 name: "p1" unit: "Cel" quantity: "temperature" low: -40 }
          points { alias: 15 name: "b1/f3/rcm1/loop3/ir" } }""",
    "batch_samples": """
        source_id: "gw-0001" seq: 2
        batch { birth_id: 7 base_time_ms: 1764471321000
          alias: [0, 1, 2, 3, 0, 1, 2, 3] dt_ms: [0, 0, 0, 0, 1000, 0, -5, 5]
          value: [312, 21.7, nan, inf, -inf, 0, 1e-40, 16777216]
          exact_index: [1, 5] exact_value: [21.7, 1e300]
          quality: [0, 0, 129, 130, 64, 65, 135, 197] }""",
    "batch_other_birth": """
        source_id: "gw-0001" seq: 3
        batch { birth_id: 8 historical: true base_time_ms: -1
          alias: [100, 1000, 4294967295] dt_ms: [0, 9000000000000000, -9000000000000000]
          value: [1, 2, 3] }""",
    "batch_events": """
        source_id: "gw-0001" seq: 4
        batch {
          events { seq: 5 time_ms: 1764471321250 mono_ms: 2000 kind: EVENT_KIND_ALARM_ON
                   point: "p0" alarm: "ALM" zone: "Z1" alarm_class: ALARM_CLASS_FIRE
                   state: ALARM_STATE_UNACK value: 305 }
          events { seq: 6 mono_ms: 2500 producer: "engine-2" kind: EVENT_KIND_CLOCK_JUMP
                   delta_s: -3.5 reason: EVENT_REASON_OUT_OF_ORDER }
          events { seq: 7 kind: EVENT_KIND_COMMAND command: "reset_device" zone: "Z1"
                   cause: "SD-3" alarm_class: ALARM_CLASS_PRE_ALARM
                   state: ALARM_STATE_LATCHED_ACKED }
          statuses { device: "modbus/unit3" time_ms: 1764471321000 state: DEVICE_STATE_OFFLINE
                     detail: "timeout" }
          statuses { device: "panel" state: DEVICE_STATE_QUARANTINED } }""",
    "batch_empty": """source_id: "gw-0001" seq: 5 batch {}""",
    "batch_unknown_alias": """
        source_id: "gw-0001" seq: 6
        batch { birth_id: 7 alias: [16] dt_ms: [0] value: [1] }""",
    "batch_columns_mismatch": """
        source_id: "gw-0001" seq: 7
        batch { birth_id: 7 alias: [0, 1] dt_ms: [0] value: [1, 2] quality: [0] }""",
    "batch_bad_exact": """
        source_id: "gw-0001" seq: 8
        batch { birth_id: 7 alias: [0, 1] dt_ms: [0, 0] value: [1, 2]
                exact_index: [1, 0] exact_value: [0.1, 0.2] }""",
    "event_without_kind": """
        source_id: "gw-0001" seq: 9 batch { events { seq: 1 } }""",
    "birth_duplicate_alias": """
        source_id: "gw-0001" seq: 10
        birth { birth_id: 9 points { alias: 3 name: "a" } points { alias: 3 name: "b" } }""",
}

JSON = {
    "birth.json": '{"sourceId":"gw-0001","seq":"1","birth":{"timeMs":"1764471321000","points":'
    '[{"name":"p0","unit":"mA","quantity":"residual_current","low":0,"high":3000},'
    '{"alias":1,"name":"p1","unit":"Cel"}],"birthId":"7"}}',
    "batch.json": '{"sourceId":"gw-0001","seq":"2","batch":{"birthId":"7","baseTimeMs":"1000",'
    '"alias":[0,1],"dtMs":["0","1000"],"value":[1.5,21.7],"exactIndex":[1],'
    '"exactValue":[21.7],"quality":[0,135],"events":[{"seq":"5","monoMs":"2000",'
    '"kind":"EVENT_KIND_ALARM_ON","point":"p0","alarm":"HI",'
    '"alarmClass":"ALARM_CLASS_FIRE","state":"ALARM_STATE_UNACK","value":21.7}],'
    '"statuses":[{"device":"d1","timeMs":"2000","state":"DEVICE_STATE_OFFLINE",'
    '"detail":"timeout"}]}}',
    "batch_loose.json": '{"source_id": "gw-0001", "seq": 3, "batch": {"birth_id": 7,'
    ' "alias": [2, 3], "dt_ms": [0, -1], "value": ["NaN", "-Infinity"],'
    ' "events": [{"kind": 18, "delta_s": -0.5, "producer": "e2"}]}}',
    "empty_batch.json": '{"sourceId":"gw-0001","seq":"4","batch":{}}',
    "unknown_field.json": '{"sourceId":"gw-0001","seq":"5","batch":{},"extra":true}',
    "no_body.json": '{"sourceId":"gw-0001","seq":"6"}',
}


def main() -> None:
    proto = ROOT / "protocols" / "firebus" / "v1" / "telemetry.proto"
    out = HERE / "corpus" / "telemetry_firebus"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in BINARY.items():
        data = subprocess.run(
            ["protoc", "--encode=firebus.v1.Envelope", f"-I{ROOT / 'protocols'}", str(proto)],
            input=text.encode(),
            capture_output=True,
            check=True,
        ).stdout
        (out / name).write_bytes(data)
    out = HERE / "corpus" / "telemetry_json"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in JSON.items():
        (out / name).write_text(text + "\n")


if __name__ == "__main__":
    main()
