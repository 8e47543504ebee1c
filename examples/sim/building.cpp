// firebus — fire-safety IoT SDK.
//
// firebus-sim: reading the building file (buses, devices, scenario) and checking it whole before
// anything runs: unknown keys, wrong types, unknown buses, units and points are refused with the
// JSON path of the problem.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <system_error>

#include <firebus/profile_json.hpp>

#include "sim.hpp"

namespace firebus_sim {

namespace mb = firebus::modbus;
namespace pf = firebus::profile;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw config_error(where + ": " + what);
}

json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error(path + ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  if (text.size() > std::size_t{16} * 1024 * 1024) throw config_error(path + ": too large");
  // Nesting is bounded: nlohmann parses and destroys any depth, but copies and serialises
  // recursively (a file nested a million levels deep crashed the simulator).
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
    throw config_error(path + ": " + e.what());
  }
  if (too_deep) {
    throw config_error(path + ": JSON nested deeper than " + std::to_string(max_depth) + " levels");
  }
  return doc;
}

std::string dir_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

void only_keys(const json& o, const std::string& where, std::initializer_list<const char*> keys) {
  if (!o.is_object()) fail(where, "expected an object");
  for (auto it = o.begin(); it != o.end(); ++it) {
    if (std::find_if(keys.begin(), keys.end(), [&](const char* k) { return it.key() == k; }) ==
        keys.end()) {
      fail(where + "." + it.key(), "unknown key");
    }
  }
}

std::string get_string(const json& o, const char* key, const std::string& where,
                       const std::string& def = {}, bool required = false) {
  const auto it = o.find(key);
  if (it == o.end()) {
    if (required) fail(where + "." + key, "required");
    return def;
  }
  if (!it->is_string()) fail(where + "." + key, "expected a string");
  return it->get<std::string>();
}

double get_number(const json& o, const char* key, const std::string& where, double lo, double hi,
                  double def, bool required = false) {
  const auto it = o.find(key);
  if (it == o.end()) {
    if (required) fail(where + "." + key, "required");
    return def;
  }
  if (!it->is_number()) fail(where + "." + key, "expected a number");
  const double v = it->get<double>();
  if (!(v >= lo && v <= hi)) {
    char range[64];
    std::snprintf(range, sizeof range, "%.15g..%.15g", lo, hi);
    fail(where + "." + key, std::string("expected a number in ") + range);
  }
  return v;
}

long get_int(const json& o, const char* key, const std::string& where, long lo, long hi, long def,
             bool required = false) {
  const double v = get_number(o, key, where, static_cast<double>(lo), static_cast<double>(hi),
                              static_cast<double>(def), required);
  if (v != std::floor(v)) fail(where + "." + key, "expected an integer");
  return static_cast<long>(v);
}

std::string resolve_profile(const std::string& name, const std::string& base_dir,
                            const load_options& o) {
  if (name.find('/') != std::string::npos || name.find(".json") != std::string::npos) {
    if (!name.empty() && name[0] == '/') return name;
    return base_dir + "/" + name;
  }
  for (const std::string& d : o.profile_dirs) {
    const std::string path = d + "/" + name + ".json";
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
      return path;
    }
  }
  throw config_error("profile '" + name + "' is not in the profile library (looked in " +
                     std::to_string(o.profile_dirs.size()) +
                     " directories; give --profiles DIR or a path)");
}

void parse_bus(const json& j, const std::string& where, bus& b) {
  only_keys(j, where,
            {"id", "listen", "rtu", "baud", "parity", "data_bits", "stop_bits", "line_baud",
             "turnaround_ms", "note"});
  b.id = get_string(j, "id", where, {}, true);
  if (b.id.empty()) fail(where + ".id", "empty");
  const bool has_listen = j.contains("listen");
  const bool has_rtu = j.contains("rtu");
  if (has_listen == has_rtu) fail(where, "give exactly one of \"listen\" (TCP) and \"rtu\" (pty)");
  std::string parity = get_string(j, "parity", where, "even");
  if (parity == "none") {
    b.line.parity = 'N';
  } else if (parity == "even") {
    b.line.parity = 'E';
  } else if (parity == "odd") {
    b.line.parity = 'O';
  } else {
    fail(where + ".parity", "expected none, even or odd");
  }
  b.line.data_bits = static_cast<int>(get_int(j, "data_bits", where, 7, 8, 8));
  b.line.stop_bits = static_cast<int>(get_int(j, "stop_bits", where, 1, 2, 1));
  b.line.turnaround_ms = get_number(j, "turnaround_ms", where, 0, 10000, 0);
  if (has_listen) {
    if (j.contains("baud")) fail(where + ".baud", "a TCP bus takes \"line_baud\"");
    const std::string l = get_string(j, "listen", where);
    const std::string scheme = "tcp://";
    const std::size_t colon = l.rfind(':');
    if (l.compare(0, scheme.size(), scheme) != 0 || colon == std::string::npos ||
        colon < scheme.size()) {
      fail(where + ".listen", "expected tcp://HOST:PORT");
    }
    b.host = l.substr(scheme.size(), colon - scheme.size());
    const std::string port = l.substr(colon + 1);
    char* end = nullptr;
    const long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535) fail(where + ".listen", "bad port");
    b.port = static_cast<int>(p);
    if (b.host.empty()) b.host = "0.0.0.0";
    b.line.baud = static_cast<std::uint32_t>(get_int(j, "line_baud", where, 0, 4000000, 0));
  } else {
    if (j.contains("line_baud")) fail(where + ".line_baud", "an RTU bus takes \"baud\"");
    b.rtu = true;
    b.link = get_string(j, "rtu", where);
    if (b.link.empty()) fail(where + ".rtu", "empty");
    b.line.baud = static_cast<std::uint32_t>(get_int(j, "baud", where, 0, 4000000, 9600));
  }
}

void parse_values(const json& j, const std::string& where, const device& d,
                  std::vector<std::pair<std::string, double>>& out) {
  if (!j.is_object()) fail(where, "expected an object of point ids and numbers");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it->is_number()) fail(where + "." + it.key(), "expected a number");
    if (d.codec.find(it.key()) == pf::codec::npos) {
      fail(where + "." + it.key(), "no such point in profile " + d.codec.profile().id);
    }
    out.emplace_back(it.key(), it->get<double>());
  }
}

void parse_device(const json& j, const std::string& where, const std::string& base_dir,
                  const load_options& o, building& b, device& d) {
  only_keys(j, where, {"bus", "unit", "profile", "values", "raw", "name", "note"});
  d.bus =
      get_string(j, "bus", where, b.buses.size() == 1 ? b.buses[0]->id : "", b.buses.size() != 1);
  bus* bs = b.find_bus(d.bus);
  if (bs == nullptr) fail(where + ".bus", "no bus '" + d.bus + "'");
  d.unit =
      static_cast<std::uint8_t>(get_int(j, "unit", where, bs->rtu ? 1 : 0, bs->rtu ? 247 : 255, 1));
  if (bs->units.count(d.unit) != 0) {
    fail(where + ".unit", "unit " + std::to_string(d.unit) + " is already on bus " + d.bus);
  }
  d.name = get_string(j, "name", where, d.bus + "/" + std::to_string(d.unit));
  const std::string prof = get_string(j, "profile", where, {}, true);
  d.profile_path = resolve_profile(prof, base_dir, o);
  pf::device_profile p;
  std::error_code ec;
  pf::profile_error err;
  if (!pf::load_profile(d.profile_path, p, ec, err)) {
    fail(where + ".profile", d.profile_path + ": " + err.what());
  }
  if (!d.codec.assign(std::move(p), err)) fail(where + ".profile", err.what());
  d.init();
  std::string why;
  std::vector<std::pair<std::string, double>> v;
  if (j.contains("raw")) {
    parse_values(j["raw"], where + ".raw", d, v);
    for (const auto& [id, value] : v) {
      if (!d.set_raw(d.codec.find(id), value, why)) fail(where + ".raw." + id, why);
    }
  }
  v.clear();
  if (j.contains("values")) {
    parse_values(j["values"], where + ".values", d, v);
    // decimals_from sources first, so that the values depending on them encode right.
    std::stable_sort(v.begin(), v.end(), [&](const auto& a, const auto& c) {
      return d.codec.point(d.codec.find(a.first)).decimals_from.empty() &&
             !d.codec.point(d.codec.find(c.first)).decimals_from.empty();
    });
    for (const auto& [id, value] : v) {
      if (!d.set(d.codec.find(id), value, why)) fail(where + ".values." + id, why);
    }
  }
  bs->units[d.unit] = &d;
}

std::optional<mb::table> table_named(const std::string& s) {
  if (s == "holding") return mb::table::holding_registers;
  if (s == "input") return mb::table::input_registers;
  if (s == "coil") return mb::table::coils;
  if (s == "discrete") return mb::table::discrete_inputs;
  return std::nullopt;
}

// The parameters a fault event may take, per kind (every kind also takes "every").
const char* const fault_keys[] = {"ms", "code", "from", "to", "table", "bytes", "every"};

bool fault_takes(const std::string& kind, const std::string& key) {
  if (key == "every") return true;
  if (kind == "delay" || kind == "late") return key == "ms";
  if (kind == "garbage") return key == "bytes";
  if (kind == "exception") return key == "code" || key == "from" || key == "to" || key == "table";
  return false;
}

// Refuses an event value the codec cannot encode for point `id` of device d. Points whose
// decimals come from another point are checked when applied (their decimals may change).
void check_value(const device& d, const std::string& id, double v, bool raw,
                 const std::string& where) {
  const std::size_t i = d.codec.find(id);
  if (i == pf::codec::npos || !d.codec.point(i).decimals_from.empty()) return;
  std::string why;
  if (!d.can_set(i, v, raw, why)) fail(where, why);
}

event parse_event(const json& j, const std::string& where, const building& b) {
  only_keys(j, where,
            {"t", "bus", "unit", "point", "set", "raw", "ramp_to", "over_s", "values", "fault",
             "ms", "code", "from", "to", "table", "bytes", "every", "note"});
  event e;
  e.t = get_number(j, "t", where, 0, 1e9, 0, true);
  e.bus =
      get_string(j, "bus", where, b.buses.size() == 1 ? b.buses[0]->id : "", b.buses.size() != 1);
  if (b.find_bus(e.bus) == nullptr) fail(where + ".bus", "no bus '" + e.bus + "'");
  if (j.contains("unit")) e.unit = static_cast<std::uint8_t>(get_int(j, "unit", where, 0, 255, 0));
  e.point = get_string(j, "point", where);
  e.note = get_string(j, "note", where);
  e.fault = get_string(j, "fault", where);
  int actions = 0;
  if (j.contains("set")) {
    e.set = get_number(j, "set", where, -1e300, 1e300, 0);
    ++actions;
  }
  if (j.contains("raw")) {
    e.raw = get_number(j, "raw", where, -1e300, 1e300, 0);
    ++actions;
  }
  if (j.contains("ramp_to")) {
    e.ramp_to = get_number(j, "ramp_to", where, -1e300, 1e300, 0);
    e.over_s = get_number(j, "over_s", where, 0, 1e9, 0, true);
    ++actions;
  } else if (j.contains("over_s")) {
    fail(where + ".over_s", "only with ramp_to");
  }
  if (j.contains("fault")) ++actions;
  device* d = e.unit ? b.find_device(e.bus, *e.unit) : nullptr;
  if (j.contains("values")) {
    ++actions;
    if (d == nullptr) fail(where + ".values", "needs the unit of a device");
    parse_values(j["values"], where + ".values", *d, e.values);
  }
  if (actions != 1) {
    fail(where, "give exactly one of set, raw, ramp_to, values, fault");
  }
  if (!j.contains("fault")) {
    for (const char* k : fault_keys) {
      if (j.contains(k)) fail(where + "." + k, "a fault parameter, in an event without \"fault\"");
    }
    if (!e.unit) fail(where + ".unit", "required");
    if (d == nullptr) {
      fail(where + ".unit", "no device " + std::to_string(*e.unit) + " on bus " + e.bus);
    }
    if (e.values.empty()) {
      if (e.point.empty()) fail(where + ".point", "required");
      if (d->codec.find(e.point) == pf::codec::npos) {
        fail(where + ".point", "no point '" + e.point + "' in profile " + d->codec.profile().id);
      }
      if (e.set) check_value(*d, e.point, *e.set, false, where + ".set");
      if (e.raw) check_value(*d, e.point, *e.raw, true, where + ".raw");
      if (e.ramp_to) check_value(*d, e.point, *e.ramp_to, false, where + ".ramp_to");
    } else {
      if (j.contains("point")) fail(where + ".point", "not with values");
      for (const auto& [id, v] : e.values) check_value(*d, id, v, false, where + ".values." + id);
    }
  } else {
    if (j.contains("point")) fail(where + ".point", "not with a fault");
    if (e.unit && d == nullptr) {
      // A fault on a unit no device answers is fine on a bus (it is already silent/0x0B).
      fail(where + ".unit", "no device " + std::to_string(*e.unit) + " on bus " + e.bus);
    }
    e.fault_spec = j;
    check_fault(e, where);
  }
  return e;
}

void parse_scenario(const json& j, const std::string& where, building& b) {
  if (!j.is_array()) fail(where, "expected a list of events");
  for (std::size_t i = 0; i < j.size(); ++i) {
    event e = parse_event(j[i], where + "[" + std::to_string(i) + "]", b);
    e.index = b.scenario.size();
    b.scenario.push_back(std::move(e));
  }
  std::stable_sort(b.scenario.begin(), b.scenario.end(),
                   [](const event& x, const event& y) { return x.t < y.t; });
}

}  // namespace

bus* building::find_bus(const std::string& id) const {
  for (const auto& b : buses) {
    if (b->id == id) return b.get();
  }
  return nullptr;
}

device* building::find_device(const std::string& bus_id, std::uint8_t unit) const {
  const bus* b = find_bus(bus_id);
  if (b == nullptr) return nullptr;
  const auto it = b->units.find(unit);
  return it == b->units.end() ? nullptr : it->second;
}

void check_fault(const event& e, const std::string& where) {
  if (!e.fault_spec.contains("fault") || !e.fault_spec["fault"].is_string()) {
    fail(where + ".fault", "expected a string");
  }
  faults f;
  apply_fault(e, f, where);
  for (const char* k : fault_keys) {
    if (e.fault_spec.contains(k) && !fault_takes(e.fault, k)) {
      fail(where + "." + k, "not a parameter of fault " + e.fault);
    }
  }
}

void apply_fault(const event& e, faults& f, const std::string& event_where) {
  const json& j = e.fault_spec;
  const std::string where = event_where.empty() ? "fault '" + e.fault + "'" : event_where;
  const auto every = static_cast<std::uint32_t>(get_int(j, "every", where, 1, 1000000, 1));
  const auto arm = [&](fault_slot& s) {
    s.on = true;
    s.every = every;
    s.seen = 0;
  };
  if (e.fault == "none") {
    f = faults{};
  } else if (e.fault == "dead") {
    arm(f.dead);
  } else if (e.fault == "delay") {
    f.delay_ms = static_cast<std::uint32_t>(get_int(j, "ms", where, 0, 600000, 0, true));
    arm(f.delay);
    f.delay.on = f.delay_ms > 0;
  } else if (e.fault == "late") {
    f.late_ms = static_cast<std::uint32_t>(get_int(j, "ms", where, 1, 600000, 0, true));
    arm(f.late);
  } else if (e.fault == "crc") {
    arm(f.crc);
  } else if (e.fault == "garbage") {
    f.garbage_bytes = static_cast<std::uint32_t>(get_int(j, "bytes", where, 1, 256, 0, true));
    arm(f.garbage);
  } else if (e.fault == "exception") {
    exception_fault x;
    x.code = static_cast<std::uint8_t>(get_int(j, "code", where, 1, 11, 2));
    x.from = static_cast<std::uint32_t>(get_int(j, "from", where, 0, 65535, 0));
    x.to = static_cast<std::uint32_t>(get_int(j, "to", where, 0, 65535, 65535));
    if (x.to < x.from) fail(where + ".to", "below from");
    const std::string t = get_string(j, "table", where);
    if (!t.empty()) {
      x.tbl = table_named(t);
      if (!x.tbl) fail(where + ".table", "expected holding, input, coil or discrete");
    }
    arm(x.slot);
    f.exceptions.push_back(x);
  } else {
    fail(where + ".fault", "unknown fault (dead, delay, exception, crc, garbage, late, none)");
  }
}

void load_building(const std::string& path, const load_options& o, building& b) {
  const json j = read_json(path);
  only_keys(j, path, {"$schema", "name", "description", "buses", "devices", "scenario", "note"});
  const auto buses = j.find("buses");
  if (buses == j.end() || !buses->is_array() || buses->empty()) {
    fail(path + ".buses", "expected a non-empty list");
  }
  for (std::size_t i = 0; i < buses->size(); ++i) {
    auto bs = std::make_unique<bus>();
    parse_bus((*buses)[i], path + ".buses[" + std::to_string(i) + "]", *bs);
    if (b.find_bus(bs->id) != nullptr)
      fail(path + ".buses[" + std::to_string(i) + "]", "repeated id");
    for (const auto& other : b.buses) {
      if (bs->rtu && other->rtu && other->link == bs->link) fail(bs->id, "repeated rtu path");
      if (!bs->rtu && !other->rtu && other->port == bs->port) fail(bs->id, "repeated port");
    }
    b.buses.push_back(std::move(bs));
  }
  const auto devices = j.find("devices");
  if (devices == j.end() || !devices->is_array()) fail(path + ".devices", "expected a list");
  const std::string base = dir_of(path);
  for (std::size_t i = 0; i < devices->size(); ++i) {
    auto d = std::make_unique<device>();
    parse_device((*devices)[i], path + ".devices[" + std::to_string(i) + "]", base, o, b, *d);
    b.devices.push_back(std::move(d));
  }
  if (const auto s = j.find("scenario"); s != j.end()) {
    if (s->is_string()) {
      const std::string sp = s->get<std::string>();
      load_scenario(!sp.empty() && sp[0] == '/' ? sp : base + "/" + sp, b);
    } else {
      parse_scenario(*s, path + ".scenario", b);
    }
  }
}

void load_scenario(const std::string& path, building& b) {
  const json j = read_json(path);
  if (j.is_object()) {
    only_keys(j, path, {"$schema", "name", "description", "scenario", "note"});
    if (!j.contains("scenario")) fail(path + ".scenario", "required");
    parse_scenario(j["scenario"], path + ".scenario", b);
  } else {
    parse_scenario(j, path, b);
  }
}

}  // namespace firebus_sim
