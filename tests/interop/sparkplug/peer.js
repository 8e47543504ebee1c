// firebus — fire-safety IoT SDK.
//
// The independent peer of firebus's Sparkplug B interoperability test
// (tests/python/test_sparkplug_interop.py): the JavaScript library `sparkplug-payload` (Eclipse
// Tahu's JavaScript implementation, on npm; version pinned in package.json) encodes and decodes
// payloads described in the test's JSON form, one per line.
//
//   node peer.js decode   stdin: hex payloads; stdout: the payloads as JSON
//   node peer.js encode   stdin: JSON payloads; stdout: hex payloads
//   node peer.js size     stdout: the sizes of the reference batch (1,000 float samples of 100
//                         points, aliases and metric timestamps; with names; as JSON)
//
// The JSON form (the same as `firebus sparkplug encode/decode`):
//   {"timestamp": "<ms>", "seq": 0, "uuid": "...", "body": "<hex>", "metrics": [metric...]}
//   metric: {"name", "alias": "<n>", "timestamp": "<ms>", "datatype": "Int8", "value": ...,
//            "is_historical": true, "is_transient": true, "properties": [[key, property]...]}
//   property: {"type": "String", "value": ...}; a PropertySet's value is [[key, property]...],
//   a PropertySetList's a list of those.
//   Values: numbers for the 8- to 32-bit integers, decimal strings for Int64, UInt64 and
//   DateTime, numbers or "NaN", "Infinity", "-Infinity" for Float and Double, hex for bytes;
//   "value": null is null (is_null); no "value" key: no value. Metrics without a datatype (DATA
//   messages) carry "kind" ("uint64", "float", "double", "bool", "string", "bytes") instead:
//   the library's decodePayload() needs a datatype to find a value, so decode reads those from
//   the library's own protobuf decoding (the `raw` member of every decoded metric: which value
//   field was set, and its value).
"use strict";

const readline = require("readline");
const Long = require("long");
const sparkplug = require("sparkplug-payload").get("spBv1.0");
const proto = require("sparkplug-payload/lib/sparkplugPayloadProto");

const ProtoPayload = proto.org.eclipse.tahu.protobuf.Payload;

const WIDE = new Set(["Int64", "UInt64", "DateTime"]);
const BYTES = new Set(["Bytes", "File"]);
const FLOATS = new Set(["Float", "Double"]);

function toNumberOrSpecial(x) {
  if (typeof x === "string") {
    if (x === "NaN") return NaN;
    if (x === "Infinity") return Infinity;
    if (x === "-Infinity") return -Infinity;
    if (x === "-0") return -0;
    throw new Error("bad float " + x);
  }
  return x;
}
function fromNumber(x) {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return x;
}
function longString(x, signed) {
  if (x === null || x === undefined) return x;
  if (Long.isLong(x)) return (signed ? x.toSigned() : x.toUnsigned()).toString();
  return String(x);
}

// --- JSON form -> the library's objects ------------------------------------------------------

function valueIn(type, v) {
  if (v === null) return null;
  if (WIDE.has(type)) return Long.fromString(v, type !== "Int64");
  if (FLOATS.has(type)) return toNumberOrSpecial(v);
  if (BYTES.has(type)) return Buffer.from(v, "hex");
  if (type === "PropertySet") return propertiesIn(v);
  if (type === "PropertySetList") return v.map(propertiesIn);
  return v;
}

function propertiesIn(list) {
  const out = {};
  for (const [key, p] of list) out[key] = { type: p.type, value: valueIn(p.type, p.value) };
  return out;
}

function payloadIn(j) {
  const p = { metrics: [] };
  if (j.timestamp !== undefined) p.timestamp = Long.fromString(j.timestamp, true);
  if (j.seq !== undefined) p.seq = j.seq;
  if (j.uuid !== undefined) p.uuid = j.uuid;
  if (j.body !== undefined) p.body = Buffer.from(j.body, "hex");
  for (const m of j.metrics || []) {
    if (m.datatype === undefined) throw new Error("the library needs a datatype for every metric");
    const o = { type: m.datatype };
    if (m.name !== undefined) o.name = m.name;
    if (m.alias !== undefined) o.alias = Long.fromString(m.alias, true);
    if (m.timestamp !== undefined) o.timestamp = Long.fromString(m.timestamp, true);
    if (m.is_historical) o.isHistorical = true;
    if (m.is_transient) o.isTransient = true;
    if ("value" in m) o.value = valueIn(m.datatype, m.value);
    if (m.properties !== undefined) o.properties = propertiesIn(m.properties);
    p.metrics.push(o);
  }
  return p;
}

// --- the library's objects -> JSON form ------------------------------------------------------

function valueOut(type, v) {
  if (v === null || v === undefined) return null;
  if (type === "Int64") return longString(v, true);
  if (type === "UInt64" || type === "DateTime") return longString(v, false);
  if (type === "UInt32" && Long.isLong(v)) return v.toNumber();
  if (FLOATS.has(type)) return fromNumber(v);
  if (BYTES.has(type)) return Buffer.from(v).toString("hex");
  if (type === "PropertySet") return propertiesOut(v);
  if (type === "PropertySetList") return v.map(propertiesOut);
  return v;
}

function propertiesOut(obj) {
  return Object.keys(obj).map((k) => [k, { type: obj[k].type, value: valueOut(obj[k].type, obj[k].value) }]);
}

// The value field the library's protobuf decoding found, for metrics without a datatype.
function rawOut(pm) {
  const fields = [
    ["intValue", "uint64", (v) => String(v >>> 0)],
    ["longValue", "uint64", (v) => longString(v, false)],
    ["floatValue", "float", fromNumber],
    ["doubleValue", "double", fromNumber],
    ["booleanValue", "bool", (v) => v],
    ["stringValue", "string", (v) => v],
    ["bytesValue", "bytes", (v) => Buffer.from(v).toString("hex")],
  ];
  for (const [field, kind, conv] of fields) {
    if (Object.prototype.hasOwnProperty.call(pm, field) && pm[field] !== null) {
      return { field, kind, value: conv(pm[field]) };
    }
  }
  return null;
}

function payloadOut(bytes) {
  const d = sparkplug.decodePayload(bytes);
  const raw = ProtoPayload.decode(bytes);
  const j = {};
  if (d.timestamp !== undefined) j.timestamp = longString(d.timestamp, false);
  if (d.seq !== undefined) j.seq = Long.isLong(d.seq) ? d.seq.toNumber() : d.seq;
  if (d.uuid !== undefined) j.uuid = d.uuid;
  if (d.body !== undefined) j.body = Buffer.from(d.body).toString("hex");
  j.metrics = (d.metrics || []).map((m, i) => {
    const o = {};
    if (m.name !== undefined) o.name = m.name;
    if (m.alias !== undefined) o.alias = longString(m.alias, false);
    if (m.timestamp !== undefined) o.timestamp = longString(m.timestamp, false);
    if (m.type !== undefined) {
      o.datatype = m.type;
      o.value = valueOut(m.type, m.value);
    }
    if (m.isHistorical) o.is_historical = true;
    if (m.isTransient) o.is_transient = true;
    if (m.properties !== undefined) o.properties = propertiesOut(m.properties);
    const pm = raw.metrics[i];
    o.raw = rawOut(pm);
    if (pm.isNull) o.raw_is_null = true;
    return o;
  });
  return j;
}

// --- commands --------------------------------------------------------------------------------

function lines(handle) {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  const out = [];
  rl.on("line", (line) => {
    if (line.trim() === "") return;
    out.push(handle(line));
  });
  rl.on("close", () => process.stdout.write(out.map((l) => l + "\n").join("")));
}

function size() {
  // ../../../../shared/specs/sparkplug-b.md: 1,000 float samples of 100 points (10 rows, 1 s
  // apart), aliases and metric timestamps; with names instead; and as JSON.
  const t0 = Long.fromString("1764471321000", true);
  const withAliases = { timestamp: t0.add(10000), seq: 1, metrics: [] };
  const withNames = { timestamp: t0.add(10000), seq: 1, metrics: [] };
  for (let row = 0; row < 10; ++row) {
    for (let p = 0; p < 100; ++p) {
      const ts = t0.add(row * 1000);
      withAliases.metrics.push({ alias: p, timestamp: ts, type: "Float", value: 300 + p });
      withNames.metrics.push({ name: "b1/f3/rcm" + p + "/ir", timestamp: ts, type: "Float", value: 300 + p });
    }
  }
  const a = sparkplug.encodePayload(withAliases).length;
  const n = sparkplug.encodePayload(withNames).length;
  const json = Buffer.byteLength(JSON.stringify(withNames.metrics.map((m) => ({ name: m.name, timestamp: m.timestamp.toNumber(), type: m.type, value: m.value }))));
  process.stdout.write(JSON.stringify({ samples: 1000, aliases_bytes: a, names_bytes: n, json_bytes: json }) + "\n");
}

const command = process.argv[2];
if (command === "decode") {
  lines((hex) => JSON.stringify(payloadOut(Buffer.from(hex.trim(), "hex"))));
} else if (command === "encode") {
  lines((text) => Buffer.from(sparkplug.encodePayload(payloadIn(JSON.parse(text)))).toString("hex"));
} else if (command === "size") {
  size();
} else {
  process.stderr.write("usage: node peer.js decode|encode|size\n");
  process.exit(2);
}
