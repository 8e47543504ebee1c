#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Writes the seed corpus of fuzz_sparkplug_payload.cpp (corpus/sparkplug_payload/: encoded
Sparkplug B payloads).

The seeds are encoded by protoc from text format (`protoc --encode`) with
protocols/sparkplug_b/sparkplug_b.proto, independently of firebus's encoder. The fuzz target's
edge node is group "fire", node "gw", device "panel1" (metrics m0..m11), so the command seeds
name those. Run from anywhere:
    python3 tests/fuzz/make_sparkplug_seeds.py
"""

import pathlib
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

SEEDS = {
    "nbirth": """
        timestamp: 1764471321000 seq: 0
        metrics { name: "bdSeq" timestamp: 1764471321000 datatype: 4 long_value: 3 }
        metrics { name: "Node Control/Rebirth" alias: 0 timestamp: 1764471321000 datatype: 11
                  boolean_value: false }
        metrics { name: "loop1/ir" alias: 1 timestamp: 1764471321000 datatype: 9 float_value: 312.5
                  properties { keys: "engUnit" keys: "engHigh"
                               values { type: 12 string_value: "mA" }
                               values { type: 10 double_value: 1000 } } }""",
    "ndata_aliases": """
        timestamp: 1764471322000 seq: 1
        metrics { alias: 1 timestamp: 1764471321000 float_value: 312.5 }
        metrics { alias: 2 timestamp: 1764471321500 int_value: 4294967295 }
        metrics { alias: 3 timestamp: 1764471321500 long_value: 18446744073709551615
                  is_historical: true }
        metrics { alias: 4 timestamp: 1764471321500 is_null: true }""",
    "ndeath": """
        metrics { name: "bdSeq" datatype: 4 long_value: 255 }""",
    "all_types": """
        timestamp: 1 seq: 255 uuid: "firebus" body: "\\001\\002"
        metrics { name: "i8" datatype: 1 int_value: 4294967295 }
        metrics { name: "i16" datatype: 2 int_value: 65535 }
        metrics { name: "i32" datatype: 3 int_value: 2147483648 }
        metrics { name: "i64" datatype: 4 long_value: 9223372036854775808 }
        metrics { name: "u8" datatype: 5 int_value: 255 }
        metrics { name: "u16" datatype: 6 int_value: 65535 }
        metrics { name: "u32" datatype: 7 long_value: 4294967295 }
        metrics { name: "u64" datatype: 8 long_value: 18446744073709551615 }
        metrics { name: "f" datatype: 9 float_value: nan }
        metrics { name: "d" datatype: 10 double_value: -inf }
        metrics { name: "b" datatype: 11 boolean_value: true }
        metrics { name: "s" datatype: 12 string_value: "火灾报警" }
        metrics { name: "t" datatype: 13 long_value: 1764471321000 }
        metrics { name: "x" datatype: 14 string_value: "text" }
        metrics { name: "u" datatype: 15 string_value: "123e4567-e89b-12d3-a456-426614174000" }
        metrics { name: "by" datatype: 17 bytes_value: "\\000\\377" }
        metrics { name: "fi" datatype: 18 bytes_value: "%PDF" }
        metrics { name: "a" datatype: 24 bytes_value: "\\001\\000\\000\\000" }""",
    "properties_nested": """
        metrics { name: "Alarms/b1/ir/HI" alias: 9 datatype: 12 string_value: "unack"
          properties {
            keys: "class" keys: "set" keys: "list" keys: "value"
            values { type: 12 string_value: "fire" }
            values { type: 20 propertyset_value { keys: "x" values { type: 2 int_value: 65529 } } }
            values { type: 21 propertysets_value { propertyset { keys: "a" values { type: 11 boolean_value: true } }
                                                   propertyset { } } }
            values { type: 10 is_null: true } } }""",
    "dataset_template": """
        metrics { name: "ds" datatype: 16 dataset_value { num_of_columns: 2 columns: "a" columns: "b"
                  types: 3 types: 12 rows { elements { int_value: 5 } elements { string_value: "x" } } } }
        metrics { name: "tpl" datatype: 19 template_value { version: "v1" is_definition: true
                  metrics { name: "inner" datatype: 3 int_value: 1 }
                  parameters { name: "p" type: 3 int_value: 7 } } }""",
    "ncmd_rebirth": """
        timestamp: 1764471323000
        metrics { name: "Node Control/Rebirth" datatype: 11 boolean_value: true }""",
    "dcmd_alias": """
        timestamp: 1764471323000
        metrics { alias: 3 int_value: 4294967295 }
        metrics { name: "m8" datatype: 11 boolean_value: true }
        metrics { name: "m9" string_value: "write" }""",
}


STATE_SEEDS = {
    "state_online": b'{"online":true,"timestamp":1764471321000}',
    "state_offline": b'{"online" : false, "timestamp" : 1764471322000}',
    "state_v22_online": b"ONLINE",
}


def main():
    out = HERE / "corpus" / "sparkplug_payload"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in SEEDS.items():
        data = subprocess.run(
            [
                "protoc",
                f"--proto_path={ROOT / 'protocols'}",
                "--encode=firebus.sparkplug_b.Payload",
                "sparkplug_b/sparkplug_b.proto",
            ],
            input=text.encode(),
            capture_output=True,
            check=True,
        ).stdout
        (out / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
    # A primary host's STATE payloads (JSON, Sparkplug 3.0; plain text, 2.2): the same target
    # hands the bytes to an edge node waiting for its host.
    for name, data in STATE_SEEDS.items():
        (out / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
