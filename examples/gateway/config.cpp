// firebus — fire-safety IoT SDK.
#include "config.hpp"

#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <firebus/alarm_json.hpp>

namespace fbgw {
namespace {

using json = nlohmann::json;

/// Thrown inside the loader only; turned into a config_error at its boundary.
struct bad_config : std::runtime_error {
  std::string path;
  bad_config(std::string p, const std::string& m) : std::runtime_error(m), path(std::move(p)) {}
};

std::string kind_of(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

/// An object being read: every key must be read (unknown keys are errors: a typo in a
/// life-safety configuration must not be ignored).
class object_reader {
 public:
  object_reader(const json& v, std::string path) : v_(v), path_(std::move(path)) {
    if (!v.is_object()) throw bad_config(path_, "expected an object, found " + kind_of(v));
  }
  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const json* get(const std::string& key) {
    seen_.insert(key);
    auto it = v_.find(key);
    return it == v_.end() ? nullptr : &*it;
  }
  const json& need(const std::string& key) {
    const json* v = get(key);
    if (!v) throw bad_config(at(key), "required");
    return *v;
  }
  std::string str(const std::string& key, std::string def, bool required = false) {
    const json* v = required ? &need(key) : get(key);
    if (!v) return def;
    if (!v->is_string()) throw bad_config(at(key), "expected a string, found " + kind_of(*v));
    return v->get<std::string>();
  }
  bool boolean(const std::string& key, bool def) {
    const json* v = get(key);
    if (!v) return def;
    if (!v->is_boolean()) throw bad_config(at(key), "expected a boolean, found " + kind_of(*v));
    return v->get<bool>();
  }
  double number(const std::string& key, double def, double lo, double hi) {
    const json* v = get(key);
    if (!v) return def;
    if (!v->is_number()) throw bad_config(at(key), "expected a number, found " + kind_of(*v));
    const double d = v->get<double>();
    if (!(d >= lo && d <= hi)) {
      std::ostringstream m;
      m << "expected a number " << lo << ".." << hi << ", found " << d;
      throw bad_config(at(key), m.str());
    }
    return d;
  }
  std::int64_t integer(const std::string& key, std::int64_t def, std::int64_t lo, std::int64_t hi,
                       bool required = false) {
    const json* v = required ? &need(key) : get(key);
    if (!v) return def;
    std::ostringstream m;
    m << "expected an integer " << lo << ".." << hi << ", found ";
    if (!v->is_number_integer()) throw bad_config(at(key), m.str() + kind_of(*v));
    const bool neg =
        v->is_number_integer() && !v->is_number_unsigned() && v->get<std::int64_t>() < 0;
    if (!neg && v->get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
      m << v->get<std::uint64_t>();
      throw bad_config(at(key), m.str());
    }
    const std::int64_t i = v->get<std::int64_t>();
    if (i < lo || i > hi) {
      m << i;
      throw bad_config(at(key), m.str());
    }
    return i;
  }
  firebus::duration seconds(const std::string& key, firebus::duration def, double lo, double hi) {
    const json* v = get(key);
    if (!v) return def;
    const double s = number(key, 0, lo, hi);
    return std::chrono::duration_cast<firebus::duration>(std::chrono::duration<double>(s));
  }
  /// Refuses keys that were not read.
  void done() const {
    for (auto it = v_.begin(); it != v_.end(); ++it) {
      if (!seen_.count(it.key())) throw bad_config(at(it.key()), "unknown key");
    }
  }

 private:
  const json& v_;
  std::string path_;
  std::set<std::string> seen_;
};

/// "host:port" with a port 1..65535.
std::pair<std::string, std::uint16_t> host_port(const std::string& s, const std::string& path) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
    throw bad_config(path, "expected \"host:port\", found \"" + s + "\"");
  }
  const std::string p = s.substr(colon + 1);
  unsigned long port = 0;
  for (char c : p) {
    if (c < '0' || c > '9' || port > 65535) throw bad_config(path, "bad port in \"" + s + "\"");
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port == 0 || port > 65535) throw bad_config(path, "port out of range in \"" + s + "\"");
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, static_cast<std::uint16_t>(port)};
}

/// The id rules of engine point ids (letters, digits, '-', '_', '.'): device ids become the
/// first level of every point id.
void check_id(const std::string& id, const std::string& path) {
  if (id.empty() || id.size() > 64) throw bad_config(path, "expected 1..64 characters");
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) {
      throw bad_config(path, "\"" + id + "\": only letters, digits, '-', '_' and '.' are allowed");
    }
  }
}

/// An address of `bytes` bytes: an integer, or a string in decimal or 0x hexadecimal.
std::uint64_t address_value(const json& v, const std::string& path, int bytes,
                            const char* example) {
  const std::uint64_t max = (std::uint64_t{1} << (8 * bytes)) - 1;
  const std::string expected = "expected a " + std::to_string(bytes) +
                               "-byte address (an integer 0.." + std::to_string(max) +
                               " or a string, e.g. \"" + example + "\")";
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    std::size_t pos = 0;
    unsigned long long a = 0;
    // "0x…" is hexadecimal, anything else decimal ("0123" is 123, not octal as strtoull's
    // base 0 would read it); no sign, no spaces.
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const std::string body = hex ? s.substr(2) : s;
    const bool digits = !body.empty() && std::isxdigit(static_cast<unsigned char>(body[0])) &&
                        (hex || std::isdigit(static_cast<unsigned char>(body[0])));
    try {
      if (digits) a = std::stoull(body, &pos, hex ? 16 : 10);
    } catch (const std::exception&) {
      pos = 0;
    }
    pos += hex ? 2 : 0;
    if (!digits || pos != s.size() || a > max) {
      throw bad_config(path, expected + ", found \"" + s + "\"");
    }
    return a;
  }
  if (!v.is_number_integer()) throw bad_config(path, expected + ", found " + kind_of(v));
  if (!v.is_number_unsigned() && v.get<std::int64_t>() < 0) {
    throw bad_config(path, expected + ", found " + std::to_string(v.get<std::int64_t>()));
  }
  if (v.get<std::uint64_t>() > max) {
    throw bad_config(path, expected + ", found " + std::to_string(v.get<std::uint64_t>()));
  }
  return v.get<std::uint64_t>();
}

std::uint64_t address48(object_reader& r, const std::string& key, bool required) {
  const json* v = required ? &r.need(key) : r.get(key);
  if (!v) return 0;
  return address_value(*v, r.at(key), 6, "0x000000001234");
}

void read_journal(object_reader& parent, journal_config& j) {
  const json* v = parent.get("journal");
  if (!v) return;
  object_reader r(*v, parent.at("journal"));
  j.path = r.str("path", "");
  j.max_bytes = static_cast<std::uint64_t>(
      r.integer("max_bytes", static_cast<std::int64_t>(j.max_bytes), 64 * 1024, 1ll << 40));
  j.max_messages = static_cast<std::uint64_t>(r.integer("max_messages", 0, 0, 1ll << 40));
  j.sync = r.boolean("sync", true);
  r.done();
}

void read_bus(const json& v, const std::string& path, bus_config& b) {
  object_reader r(v, path);
  b.id = r.str("id", "", true);
  check_id(b.id, r.at("id"));
  const json* tcp = r.get("tcp");
  const json* rtu = r.get("rtu");
  if ((tcp != nullptr) == (rtu != nullptr)) {
    throw bad_config(path, "give exactly one of \"tcp\" (host:port) and \"rtu\" (a serial port)");
  }
  if (tcp) {
    if (!tcp->is_string()) throw bad_config(r.at("tcp"), "expected \"host:port\"");
    auto hp = host_port(tcp->get<std::string>(), r.at("tcp"));
    b.host = hp.first;
    b.port = hp.second;
    b.line_baud = static_cast<std::uint32_t>(r.integer("line_baud", 0, 0, 1000000));
  } else {
    if (!rtu->is_string() || rtu->get<std::string>().empty()) {
      throw bad_config(r.at("rtu"), "expected the serial port's path");
    }
    b.rtu = true;
    b.device = rtu->get<std::string>();
    b.baud = static_cast<std::uint32_t>(r.integer("baud", 9600, 300, 1000000));
    const std::string parity = r.str("parity", "none");
    if (parity == "none") {
      b.parity = 'N';
    } else if (parity == "even") {
      b.parity = 'E';
    } else if (parity == "odd") {
      b.parity = 'O';
    } else {
      throw bad_config(r.at("parity"), "expected \"none\", \"even\" or \"odd\"");
    }
    b.data_bits = static_cast<int>(r.integer("data_bits", 8, 7, 8));
    b.stop_bits = static_cast<int>(r.integer("stop_bits", 1, 1, 2));
    b.rs485 = r.boolean("rs485", false);
  }
  r.done();
}

void read_device(const json& v, const std::string& path, device_config& d) {
  object_reader r(v, path);
  d.id = r.str("id", "", true);
  check_id(d.id, r.at("id"));
  d.bus = r.str("bus", "", true);
  d.unit = static_cast<int>(r.integer("unit", 1, 1, 247, true));
  d.profile = r.str("profile", "", true);
  if (d.profile.empty()) throw bad_config(r.at("profile"), "expected a profile id or a path");
  d.name = r.str("name", d.id);
  d.alarm_period = r.seconds("alarm_period_s", d.alarm_period, 0, 86400);
  d.measurement_period = r.seconds("measurement_period_s", d.measurement_period, 0, 86400);
  d.config_period = r.seconds("config_period_s", d.config_period, 0, 86400);
  d.timeout = r.seconds("timeout_s", d.timeout, 0.001, 60);
  d.retries = static_cast<int>(r.integer("retries", 1, 0, 10));
  d.stale_s = r.number("stale_s", 0, 0, 86400);
  if (const json* gb = r.get("gb26875")) {
    object_reader g(*gb, r.at("gb26875"));
    d.system_type = static_cast<int>(g.integer("system_type", -1, 0, 255));
    d.system_address = static_cast<int>(g.integer("system_address", -1, 0, 255));
    if (const json* pts = g.get("points")) {
      object_reader pr(*pts, g.at("points"));
      for (auto it = pts->begin(); it != pts->end(); ++it) {
        object_reader p(it.value(), pr.at(it.key()));
        pr.get(it.key());
        gb_point_config pc;
        if (p.get("component_type")) {
          pc.component_type = static_cast<int>(p.integer("component_type", 0, 0, 255));
        }
        if (p.get("analog_type")) {
          pc.analog_type = static_cast<int>(p.integer("analog_type", 0, -1, 255));
        }
        if (p.get("analog_scale")) pc.analog_scale = p.number("analog_scale", 1, 1e-9, 1e9);
        if (p.get("deadband")) pc.deadband = p.number("deadband", 0, 0, 1e9);
        if (const json* a = p.get("component_address")) {
          pc.component_address = static_cast<std::uint32_t>(
              address_value(*a, p.at("component_address"), 4, "0x00030001"));
        }
        pc.power_fault = p.boolean("power_fault", false);
        p.done();
        d.gb_points[it.key()] = pc;
      }
      pr.done();
    }
    g.done();
  }
  r.done();
}

void read_mqtt(object_reader& root, mqtt_config& m) {
  const json* v = root.get("mqtt");
  if (!v) return;
  object_reader r(*v, root.at("mqtt"));
  m.enabled = r.boolean("enabled", true);
  auto hp = host_port(r.str("broker", "127.0.0.1:1883"), r.at("broker"));
  m.host = hp.first;
  m.port = hp.second;
  m.client_id = r.str("client_id", "");
  m.topic_prefix = r.str("topic_prefix", m.topic_prefix);
  if (m.topic_prefix.empty() || m.topic_prefix.find_first_of("+#") != std::string::npos) {
    throw bad_config(r.at("topic_prefix"), "expected a topic without wildcards");
  }
  m.format = r.str("format", "firebus");
  if (m.format != "firebus" && m.format != "sparkplug") {
    throw bad_config(r.at("format"), "expected \"firebus\" or \"sparkplug\"");
  }
  if (const json* sp = r.get("sparkplug")) {
    object_reader t(*sp, r.at("sparkplug"));
    auto topic_level = [&t](const char* key, const std::string& fallback) {
      std::string level = t.str(key, fallback);
      if (level.find_first_of("/+#") != std::string::npos || (level.empty() && !fallback.empty())) {
        throw bad_config(t.at(key), "expected a topic level (no '/', '+' or '#')");
      }
      return level;
    };
    m.sparkplug_group = topic_level("group_id", m.sparkplug_group);
    if (m.sparkplug_group.empty()) throw bad_config(t.at("group_id"), "expected a group id");
    m.sparkplug_node = topic_level("edge_node_id", "");
    m.sparkplug_qos = static_cast<int>(t.integer("qos", 0, 0, 1));
    m.sparkplug_host = topic_level("primary_host_id", "");
    t.done();
  }
  if (const json* tls = r.get("tls")) {
    object_reader t(*tls, r.at("tls"));
    m.tls = true;
    m.ca_file = t.str("ca_file", "");
    m.cert_file = t.str("cert_file", "");
    m.key_file = t.str("key_file", "");
    t.done();
  }
  if (r.get("username")) m.username = r.str("username", "");
  if (r.get("password")) m.password = r.str("password", "");
  m.telemetry_interval = r.seconds("telemetry_interval_s", m.telemetry_interval, 0.1, 3600);
  read_journal(r, m.journal);
  r.done();
}

void read_gb(object_reader& root, gb_config& g) {
  const json* v = root.get("gb26875");
  if (!v) return;
  object_reader r(*v, root.at("gb26875"));
  g.enabled = r.boolean("enabled", true);
  auto hp = host_port(r.str("centre", "", true), r.at("centre"));
  g.host = hp.first;
  g.port = hp.second;
  g.address = address48(r, "address", true);
  g.centre_address = address48(r, "centre_address", false);
  g.heartbeat = r.seconds("heartbeat_s", g.heartbeat, 0, 3600);
  g.answer_timeout = r.seconds("answer_timeout_s", g.answer_timeout, 0.1, 10);
  g.fire_answer_timeout = r.seconds("fire_answer_timeout_s", g.fire_answer_timeout, 0.1, 10);
  g.retries = static_cast<int>(r.integer("retries", g.retries, 0, 10));
  if (const json* mv = r.get("mapping")) {
    object_reader m(*mv, r.at("mapping"));
    const std::string bit0 = m.str("normal_bit", "strict");
    if (bit0 != "strict" && bit0 != "field") {
      throw bad_config(m.at("normal_bit"), "expected \"strict\" (bit 0 = 1) or \"field\" (0)");
    }
    g.mapping.strict_normal_bit = bit0 == "strict";
    g.mapping.default_system_type =
        static_cast<int>(m.integer("system_type", g.mapping.default_system_type, 0, 255));
    g.mapping.residual_current_analog_type = static_cast<int>(
        m.integer("residual_current_analog_type", g.mapping.residual_current_analog_type, 0, 255));
    g.mapping.analog_period = m.seconds("analog_period_s", g.mapping.analog_period, 0, 86400);
    if (m.get("utc_offset_minutes")) {
      g.mapping.utc_offset_minutes =
          static_cast<int>(m.integer("utc_offset_minutes", 0, -1440, 1440));
    }
    g.mapping.main_power_point = m.str("main_power_point", "");
    g.mapping.backup_power_point = m.str("backup_power_point", "");
    m.done();
  }
  read_journal(r, g.journal);
  r.done();
}

void read_root(const json& doc, gateway_config& c) {
  object_reader r(doc, "");
  const std::string format = r.str("format", "", true);
  if (format != config_format) {
    throw bad_config("format",
                     "expected \"" + std::string(config_format) + "\", found \"" + format + "\"");
  }
  r.get("$schema");  // for editors and validators
  c.id = r.str("id", "", true);
  check_id(c.id, "id");
  c.data_dir = r.str("data_dir", ".");
  if (const json* dirs = r.get("profile_dirs")) {
    if (!dirs->is_array()) throw bad_config("profile_dirs", "expected an array of directories");
    for (std::size_t i = 0; i < dirs->size(); ++i) {
      if (!(*dirs)[i].is_string()) {
        throw bad_config("profile_dirs[" + std::to_string(i) + "]", "expected a string");
      }
      c.profile_dirs.push_back((*dirs)[i].get<std::string>());
    }
  }
  const json& buses = r.need("buses");
  if (!buses.is_array() || buses.empty()) throw bad_config("buses", "expected a non-empty array");
  std::set<std::string> bus_ids;
  for (std::size_t i = 0; i < buses.size(); ++i) {
    const std::string p = "buses[" + std::to_string(i) + "]";
    bus_config b;
    read_bus(buses[i], p, b);
    if (!bus_ids.insert(b.id).second) throw bad_config(p + ".id", "duplicate bus id " + b.id);
    c.buses.push_back(std::move(b));
  }
  const json& devices = r.need("devices");
  if (!devices.is_array() || devices.empty()) {
    throw bad_config("devices", "expected a non-empty array");
  }
  std::set<std::string> dev_ids;
  std::set<std::pair<std::string, int>> units;
  std::set<int> system_addresses;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const std::string p = "devices[" + std::to_string(i) + "]";
    device_config d;
    read_device(devices[i], p, d);
    if (!dev_ids.insert(d.id).second) throw bad_config(p + ".id", "duplicate device id " + d.id);
    if (!bus_ids.count(d.bus)) throw bad_config(p + ".bus", "no bus \"" + d.bus + "\"");
    if (!units.insert({d.bus, d.unit}).second) {
      throw bad_config(p + ".unit",
                       "unit " + std::to_string(d.unit) + " is already used on bus " + d.bus);
    }
    if (d.system_address < 0) {
      if (i + 1 > 255) {
        throw bad_config(p, "more than 255 devices: give gb26875.system_address explicitly");
      }
      d.system_address = static_cast<int>(i + 1);
    }
    c.devices.push_back(std::move(d));
  }
  if (const json* alarms = r.get("alarms")) {
    object_reader a(*alarms, "alarms");
    c.profile_defaults = a.boolean("profile_defaults", true);
    if (const json* rules = a.get("rules")) {
      // The rules may name points that the profiles define (zone members, suppressed_by): they
      // are checked here with stand-ins for those, appended after the configuration's own points
      // (so that JSON paths keep their indices), and again with the profiles' points at start.
      json trial = *rules;
      std::size_t stand_ins = 0;
      if (trial.is_object()) {
        std::set<std::string> known;
        std::set<std::string> named;
        if (trial.contains("points") && trial["points"].is_array()) {
          for (const json& p : trial["points"]) {
            if (p.is_object() && p.contains("id") && p["id"].is_string()) {
              known.insert(p["id"].get<std::string>());
            }
            if (p.is_object() && p.contains("suppressed_by") && p["suppressed_by"].is_string()) {
              named.insert(p["suppressed_by"].get<std::string>());
            }
          }
        }
        if (trial.contains("zones") && trial["zones"].is_array()) {
          for (const json& z : trial["zones"]) {
            for (const char* key : {"members", "manual_call_points"}) {
              if (!z.is_object() || !z.contains(key) || !z[key].is_array()) continue;
              for (const json& m : z[key]) {
                if (m.is_string()) named.insert(m.get<std::string>());
              }
            }
          }
        }
        for (const std::string& n : named) {
          if (known.count(n)) continue;
          if (!trial.contains("points")) trial["points"] = json::array();
          if (!trial["points"].is_array()) break;
          trial["points"].push_back(json{{"id", n}});
          ++stand_ins;
        }
      }
      std::error_code ec;
      firebus::alarm::rules_error rerr;
      firebus::alarm::rules parsed;
      if (!firebus::alarm::parse_rules(trial.dump(), parsed, ec, rerr)) {
        throw bad_config(rerr.path.empty() ? "alarms.rules" : "alarms.rules." + rerr.path,
                         rerr.message.empty() ? ec.message() : rerr.message);
      }
      parsed.points.resize(parsed.points.size() - stand_ins);
      c.rules = std::move(parsed);
    }
    a.done();
  }
  c.metrics_listen = r.str("metrics", c.metrics_listen);
  if (!c.metrics_listen.empty()) host_port(c.metrics_listen, "metrics");
  c.snapshot_interval = r.seconds("snapshot_interval_s", c.snapshot_interval, 0.1, 3600);
  read_mqtt(r, c.mqtt);
  read_gb(r, c.gb);
  if (c.mqtt.client_id.empty()) c.mqtt.client_id = c.id;
  if (c.gb.enabled && c.gb.address == 0) {
    throw bad_config("gb26875.address", "required: this UITD's address (not 0)");
  }
  r.done();
}

}  // namespace

int host_utc_offset_minutes() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  if (now == static_cast<std::time_t>(-1) || !::localtime_r(&now, &local)) return 0;
  const long minutes = local.tm_gmtoff / 60;
  return minutes < -1440 || minutes > 1440 ? 0 : static_cast<int>(minutes);
}

bool parse_config(const std::string& text, const std::string& name, gateway_config& out,
                  config_error& err) {
  err = {};
  err.file = name;
  // Nesting is bounded: nlohmann parses and destroys any depth, but copies and serialises
  // recursively — a file nested a million levels deep crashed the gateway (its stack), also on
  // a SIGHUP reload. Values below the bound are dropped as they are read.
  constexpr int max_depth = 64;
  bool too_deep = false;
  json doc;
  try {
    doc = json::parse(text, [&too_deep](int depth, json::parse_event_t, json&) {
      if (depth <= max_depth) return true;
      too_deep = true;
      return false;
    });
  } catch (const json::exception& e) {  // a syntax error, or a number beyond a double (406)
    err.message = std::string("not JSON: ") + e.what();
    return false;
  }
  if (too_deep) {
    err.message = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    return false;
  }
  gateway_config c;
  c.file = name;
  try {
    read_root(doc, c);
  } catch (const bad_config& e) {
    err.path = e.path;
    err.message = e.what();
    return false;
  } catch (const std::exception& e) {  // e.g. nlohmann type errors: still named, never a crash
    err.message = e.what();
    return false;
  }
  out = std::move(c);
  return true;
}

bool load_config(const std::string& path, gateway_config& out, config_error& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = {path, "", "cannot be read"};
    return false;
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (s.str().size() > (std::size_t{16} << 20)) {
    err = {path, "", "larger than 16 MiB"};
    return false;
  }
  return parse_config(s.str(), path, out, err);
}

}  // namespace fbgw
