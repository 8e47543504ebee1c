// firebus — fire-safety IoT SDK.
//
// `firebus sparkplug decode`, `encode` and `topic`: Sparkplug B payloads to and from one JSON
// object per line (docs/telemetry.md, "Sparkplug B"; the interoperability test with the
// JavaScript library speaks the same JSON, tests/interop/sparkplug/peer.js).
//
//   {"timestamp": "<ms>", "seq": 0, "uuid": "...", "body": "<hex>", "metrics": [metric, ...]}
//   metric: {"name": "...", "alias": "<n>", "timestamp": "<ms>", "datatype": "Int8",
//            "value": ..., "is_historical": true, "is_transient": true,
//            "properties": [[key, {"type": "String", "value": ...}], ...]}
//
// Values: numbers for Boolean (true/false) and the 8- to 32-bit integers; decimal strings for
// Int64, UInt64 and DateTime (JSON numbers lose digits above 2^53); numbers, "NaN", "Infinity",
// "-Infinity" or "-0" for Float and Double; strings for String, Text and UUID; hex for Bytes,
// File, the arrays, DataSet and Template (the encoded submessage). "value": null is a null;
// no "value" key, no value. A metric without a datatype (DATA, CMD) names the kind of its value
// instead: "kind": "uint64" (a decimal string), "float", "double", "bool", "string" or "bytes".
// A PropertySet's value is a property list, a PropertySetList's a list of property lists.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/telemetry/sparkplug.hpp>

#include "cli.hpp"

namespace firebus_cli {
namespace {

namespace spb = firebus::telemetry::sparkplug;
using json = nlohmann::ordered_json;

constexpr std::size_t max_input = std::size_t{64} << 20;

struct bad_json {
  std::string what;
};

// --- hex -----------------------------------------------------------------------------------

std::string to_hex(const std::vector<std::uint8_t>& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (const std::uint8_t x : b) {
    s += digits[x >> 4];
    s += digits[x & 0xF];
  }
  return s;
}

bool from_hex(std::string_view text, std::vector<std::uint8_t>& out) {
  out.clear();
  int high = -1;
  for (const char c : text) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (c == ' ' || c == '\t' || c == '\r') continue;
    if (v < 0) return false;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return high < 0;
}

// --- payload -> JSON -----------------------------------------------------------------------

bool wide(spb::data_type t) {
  return t == spb::data_type::int64 || t == spb::data_type::uint64 || t == spb::data_type::datetime;
}

json float_json(double d, bool negative_zero) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0 && negative_zero) return "-0";
  return d;
}

json value_json(const spb::metric_value& v, spb::data_type t) {
  switch (v.index()) {
    case 1:
      return std::get<bool>(v);
    case 2: {
      const std::int64_t s = std::get<std::int64_t>(v);
      return wide(t) ? json(std::to_string(s)) : json(s);
    }
    case 3: {
      const std::uint64_t u = std::get<std::uint64_t>(v);
      return wide(t) || t == spb::data_type::unknown ? json(std::to_string(u)) : json(u);
    }
    case 4: {
      const float f = std::get<float>(v);
      return float_json(static_cast<double>(f), std::signbit(f));
    }
    case 5: {
      const double d = std::get<double>(v);
      return float_json(d, std::signbit(d));
    }
    case 6:
      return std::get<std::string>(v);
    case 7:
      return to_hex(std::get<spb::bytes>(v));
    default:
      return nullptr;
  }
}

const char* kind_name(std::size_t index) {
  switch (index) {
    case 1:
      return "bool";
    case 2:
    case 3:
      return "uint64";
    case 4:
      return "float";
    case 5:
      return "double";
    case 6:
      return "string";
    default:
      return "bytes";
  }
}

json properties_json(const spb::property_set& set);

json property_json(const spb::property_value& p) {
  json j = json::object();
  j["type"] = std::string(spb::to_string(p.type));
  if (p.is_null) {
    j["value"] = nullptr;
  } else if (p.type == spb::data_type::property_set) {
    if (!p.sets.empty()) j["value"] = properties_json(p.sets[0]);
  } else if (p.type == spb::data_type::property_set_list) {
    json list = json::array();
    for (const spb::property_set& s : p.sets) list.push_back(properties_json(s));
    j["value"] = std::move(list);
  } else if (!std::holds_alternative<std::monostate>(p.value)) {
    j["value"] = value_json(p.value, p.type);
  }
  return j;
}

json properties_json(const spb::property_set& set) {
  json list = json::array();
  for (const spb::property& p : set.items)
    list.push_back(json::array({p.key, property_json(p.value)}));
  return list;
}

json payload_json(const spb::payload& p) {
  json j = json::object();
  if (p.timestamp) j["timestamp"] = std::to_string(*p.timestamp);
  if (p.seq) j["seq"] = *p.seq;
  if (p.uuid) j["uuid"] = *p.uuid;
  if (p.body) j["body"] = to_hex(*p.body);
  json metrics = json::array();
  for (const spb::metric& m : p.metrics) {
    json o = json::object();
    if (!m.name.empty()) o["name"] = m.name;
    if (m.alias) o["alias"] = std::to_string(*m.alias);
    if (m.timestamp) o["timestamp"] = std::to_string(*m.timestamp);
    if (m.datatype != spb::data_type::unknown) {
      o["datatype"] = std::string(spb::to_string(m.datatype));
    } else if (!std::holds_alternative<std::monostate>(m.value)) {
      o["kind"] = kind_name(m.value.index());
    }
    if (m.is_null) {
      o["value"] = nullptr;
    } else if (!std::holds_alternative<std::monostate>(m.value)) {
      o["value"] = value_json(m.value, m.datatype);
    }
    if (m.is_historical) o["is_historical"] = true;
    if (m.is_transient) o["is_transient"] = true;
    if (!m.properties.empty()) o["properties"] = properties_json(m.properties);
    metrics.push_back(std::move(o));
  }
  j["metrics"] = std::move(metrics);
  return j;
}

// --- JSON -> payload -----------------------------------------------------------------------

std::uint64_t u64_of(const json& j, const std::string& where) {
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    std::size_t used = 0;
    try {
      if (!s.empty() && s[0] != '-') {
        const unsigned long long v = std::stoull(s, &used, 10);
        if (used == s.size()) return v;
      }
    } catch (const std::exception&) {
    }
  }
  throw bad_json{where + ": an unsigned integer (or a decimal string) expected"};
}

std::int64_t i64_of(const json& j, const std::string& where) {
  if (j.is_number_integer()) {
    if (j.is_number_unsigned() &&
        j.get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw bad_json{where + ": out of range"};
    }
    return j.get<std::int64_t>();
  }
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    std::size_t used = 0;
    try {
      const long long v = std::stoll(s, &used, 10);
      if (used == s.size() && !s.empty()) return v;
    } catch (const std::exception&) {
    }
  }
  throw bad_json{where + ": an integer (or a decimal string) expected"};
}

double double_of(const json& j, const std::string& where) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "-0") return -0.0;
  }
  throw bad_json{where + ": a number, \"NaN\", \"Infinity\", \"-Infinity\" or \"-0\" expected"};
}

spb::bytes bytes_of(const json& j, const std::string& where) {
  spb::bytes b;
  if (!j.is_string() || !from_hex(j.get_ref<const std::string&>(), b)) {
    throw bad_json{where + ": hex expected"};
  }
  return b;
}

std::string string_of(const json& j, const std::string& where) {
  if (!j.is_string()) throw bad_json{where + ": a string expected"};
  return j.get<std::string>();
}

bool bool_of(const json& j, const std::string& where) {
  if (!j.is_boolean()) throw bad_json{where + ": true or false expected"};
  return j.get<bool>();
}

spb::data_type type_of(const json& j, const std::string& where) {
  std::error_code ec;
  const spb::data_type t = spb::data_type_from_string(string_of(j, where), ec);
  if (ec) throw bad_json{where + ": unknown datatype " + j.dump()};
  return t;
}

// A value of datatype `t` (or of `kind` when t is unknown).
spb::metric_value value_of(const json& j, spb::data_type t, std::string_view kind,
                           const std::string& where) {
  std::size_t k = spb::value_kind(t);
  if (t == spb::data_type::unknown) {
    if (kind == "bool")
      k = 1;
    else if (kind == "uint64")
      k = 3;
    else if (kind == "float")
      k = 4;
    else if (kind == "double")
      k = 5;
    else if (kind == "string")
      k = 6;
    else if (kind == "bytes")
      k = 7;
    else
      throw bad_json{where + ": a datatype, or a kind, expected"};
  }
  switch (k) {
    case 1:
      return bool_of(j, where);
    case 2:
      return i64_of(j, where);
    case 3:
      return u64_of(j, where);
    case 4:
      return static_cast<float>(double_of(j, where));
    case 5:
      return double_of(j, where);
    case 6:
      return string_of(j, where);
    case 7:
      return bytes_of(j, where);
    default:
      throw bad_json{where + ": " + std::string(spb::to_string(t)) + " has no value"};
  }
}

// Property sets nest in property values: the JSON is walked recursively, so its depth is bounded
// (far above what an encoder takes, spb::limits::max_depth, so that the encoder's message
// says what is wrong). Without a bound a deep line overflowed the stack.
constexpr std::size_t max_property_depth = 64;

spb::property_set properties_of(const json& j, const std::string& where, std::size_t depth = 0);

spb::property_value property_of(const json& j, const std::string& where, std::size_t depth) {
  if (!j.is_object() || !j.contains("type")) {
    throw bad_json{where + ": {\"type\": ..., \"value\": ...} expected"};
  }
  spb::property_value p;
  p.type = type_of(j["type"], where + ".type");
  if (!j.contains("value")) return p;
  const json& v = j["value"];
  if (v.is_null()) {
    p.is_null = true;
  } else if (p.type == spb::data_type::property_set) {
    p.sets.push_back(properties_of(v, where + ".value", depth + 1));
  } else if (p.type == spb::data_type::property_set_list) {
    if (!v.is_array()) throw bad_json{where + ".value: a list of property lists expected"};
    for (std::size_t i = 0; i < v.size(); ++i) {
      p.sets.push_back(properties_of(v[i], where + ".value[" + std::to_string(i) + "]", depth + 1));
    }
  } else {
    p.value = value_of(v, p.type, {}, where + ".value");
  }
  return p;
}

spb::property_set properties_of(const json& j, const std::string& where, std::size_t depth) {
  if (depth > max_property_depth) {
    throw bad_json{"property sets nested more than " + std::to_string(max_property_depth) +
                   " deep"};
  }
  if (!j.is_array()) throw bad_json{where + ": a list of [key, property] expected"};
  spb::property_set set;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!j[i].is_array() || j[i].size() != 2) throw bad_json{at + ": [key, property] expected"};
    set.items.push_back({string_of(j[i][0], at), property_of(j[i][1], at, depth)});
  }
  return set;
}

spb::payload payload_of(const json& j) {
  if (!j.is_object()) throw bad_json{"a JSON object expected"};
  spb::payload p;
  if (j.contains("timestamp")) p.timestamp = u64_of(j["timestamp"], "timestamp");
  if (j.contains("seq")) p.seq = u64_of(j["seq"], "seq");
  if (j.contains("uuid")) p.uuid = string_of(j["uuid"], "uuid");
  if (j.contains("body")) p.body = bytes_of(j["body"], "body");
  if (!j.contains("metrics")) return p;
  const json& ms = j["metrics"];
  if (!ms.is_array()) throw bad_json{"metrics: a list expected"};
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const json& o = ms[i];
    const std::string at = "metrics[" + std::to_string(i) + "]";
    if (!o.is_object()) throw bad_json{at + ": an object expected"};
    spb::metric m;
    if (o.contains("name")) m.name = string_of(o["name"], at + ".name");
    if (o.contains("alias")) m.alias = u64_of(o["alias"], at + ".alias");
    if (o.contains("timestamp")) m.timestamp = u64_of(o["timestamp"], at + ".timestamp");
    if (o.contains("datatype")) m.datatype = type_of(o["datatype"], at + ".datatype");
    if (o.contains("is_historical")) m.is_historical = bool_of(o["is_historical"], at);
    if (o.contains("is_transient")) m.is_transient = bool_of(o["is_transient"], at);
    if (o.contains("properties")) m.properties = properties_of(o["properties"], at + ".properties");
    if (o.contains("value")) {
      if (o["value"].is_null()) {
        m.is_null = true;
      } else {
        const std::string kind = o.contains("kind") ? string_of(o["kind"], at + ".kind") : "";
        m.value = value_of(o["value"], m.datatype, kind, at + ".value");
      }
    }
    p.metrics.push_back(std::move(m));
  }
  return p;
}

// --- commands ------------------------------------------------------------------------------

bool read_all(const std::string& file, std::string& out) {
  std::FILE* f = file == "-" ? stdin : std::fopen(file.c_str(), "rb");
  if (f == nullptr) return false;
  char buf[65536];
  std::size_t n = 0;
  bool ok = true;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    out.append(buf, n);
    if (out.size() > max_input) {
      ok = false;
      break;
    }
  }
  if (std::ferror(f)) ok = false;  // a directory opens, and fails to read (EISDIR)
  if (f != stdin) std::fclose(f);
  return ok;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) out.push_back(std::move(line));
    start = end + 1;
  }
  return out;
}

int usage_error(const char* command, const std::string& message) {
  std::fprintf(stderr, "firebus sparkplug %s: %s\n", command, message.c_str());
  sparkplug_usage(stderr);
  return exit_usage;
}

int run_codec(const std::vector<std::string>& args, bool encode) {
  const char* name = encode ? "encode" : "decode";
  std::string file = "-";
  bool no_datatypes = false;
  bool json_lines = false;
  bool have_file = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (encode && args[i] == "--no-datatypes") {
      no_datatypes = true;
    } else if (args[i] == "--json") {
      json_lines = true;  // decode prints JSON lines anyway; encode wraps its hex in them
    } else if (!args[i].empty() && args[i][0] == '-' && args[i] != "-") {
      return usage_error(name, "unknown option " + args[i]);
    } else if (!have_file) {
      file = args[i];
      have_file = true;
    } else {
      return usage_error(name, "one input file at most");
    }
  }
  std::string text;
  if (!read_all(file, text)) {
    std::fprintf(stderr, "firebus sparkplug %s: %s: cannot read (or above 64 MiB)\n", name,
                 file.c_str());
    return exit_usage;
  }
  int status = exit_ok;
  std::size_t line_no = 0;
  for (const std::string& line : lines_of(text)) {
    ++line_no;
    std::error_code ec;
    std::string why;
    if (encode) {
      spb::payload p;
      try {
        p = payload_of(json::parse(line));
      } catch (const bad_json& e) {
        why = e.what;
      } catch (const json::exception& e) {
        why = std::string("not JSON: ") + e.what();
      }
      if (why.empty()) {
        const spb::bytes out = no_datatypes ? spb::encode_without_datatypes(p, ec, {}, &why)
                                            : spb::encode(p, ec, {}, &why);
        if (!ec) {
          if (json_lines) {
            std::printf("{\"payload\":\"%s\"}\n", to_hex(out).c_str());
          } else {
            std::printf("%s\n", to_hex(out).c_str());
          }
          continue;
        }
        why = ec.message() + ": " + why;
      }
    } else {
      spb::bytes wire;
      if (!from_hex(line, wire)) {
        why = "not hex";
      } else {
        const spb::payload p = spb::decode_payload(wire.data(), wire.size(), ec, {}, &why);
        if (!ec) {
          std::printf("%s\n",
                      payload_json(p).dump(-1, ' ', false, json::error_handler_t::replace).c_str());
          continue;
        }
        why = ec.message() + ": " + why;
      }
    }
    std::fprintf(stderr, "firebus sparkplug %s: line %zu: %s\n", name, line_no, why.c_str());
    std::printf("{\"error\":%s}\n",
                json(why).dump(-1, ' ', false, json::error_handler_t::replace).c_str());
    status = exit_failure;
  }
  std::fflush(stdout);
  return status;
}

int run_topic(const std::vector<std::string>& args) {
  std::vector<std::string> topics;
  bool only_topics = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (!only_topics && args[i] == "--") {
      only_topics = true;
    } else if (!only_topics && args[i] == "--json") {
      // The output is JSON lines anyway.
    } else {
      topics.push_back(args[i]);
    }
  }
  if (topics.empty()) return usage_error("topic", "a topic expected");
  int status = exit_ok;
  for (const std::string& topic : topics) {
    std::error_code ec;
    const spb::topic t = spb::parse_topic(topic, ec);
    json j = json::object();
    if (ec) {
      j["error"] = "not a Sparkplug B topic: " + topic;
      status = exit_failure;
    } else {
      j["type"] = std::string(spb::to_string(t.type));
      if (t.type == spb::message_type::state) {
        j["host_id"] = t.host_id;
      } else {
        j["group"] = t.group;
        j["edge"] = t.edge;
        if (!t.device.empty()) j["device"] = t.device;
      }
    }
    std::printf("%s\n", j.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  }
  return status;
}

}  // namespace

void sparkplug_usage(std::FILE* out) {
  std::fputs(
      "usage: firebus sparkplug decode [--json] [FILE]\n"
      "       firebus sparkplug encode [--json] [--no-datatypes] [FILE]\n"
      "       firebus sparkplug topic [--json] [--] TOPIC...\n"
      "\n"
      "decode: one hex Sparkplug B payload per line in, one JSON object per line out.\n"
      "encode: one JSON object per line in (the form decode prints), one hex payload per line\n"
      "        out, or {\"payload\": HEX} with --json; --no-datatypes leaves the datatypes out,\n"
      "        as DATA and CMD messages do.\n"
      "topic:  parses each topic and prints its parts as JSON.\n"
      "decode and topic print JSON lines with or without --json. FILE defaults to standard\n"
      "input. A line that fails prints {\"error\": ...} (and a message on stderr).\n"
      "\n"
      "Exit status: 0 every line understood, 1 a line that fails, 2 usage error or a file that\n"
      "cannot be read.\n",
      out);
}

int sparkplug_main(const std::vector<std::string>& args) {
  if (args.empty()) {
    sparkplug_usage(stderr);
    return exit_usage;
  }
  if (args[0] == "decode") return run_codec(args, false);
  if (args[0] == "encode") return run_codec(args, true);
  if (args[0] == "topic") return run_topic(args);
  if (args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    sparkplug_usage(stdout);
    return exit_ok;
  }
  return usage_error(args[0].c_str(), "unknown command (decode, encode, topic)");
}

}  // namespace firebus_cli
