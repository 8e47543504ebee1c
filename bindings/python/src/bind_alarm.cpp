// firebus — fire-safety IoT SDK.
//
// firebus._firebus.alarm: the alarm engine (include/firebus/alarm/), its rules and their JSON
// loader (include/firebus/alarm_json.hpp), a numpy batch path, and a replay helper that gives the
// same output as `firebus alarm replay --json` (examples/cli/alarm_cli.cpp).
//
// The composite rule types (Rules, PointRule, ZoneRule) hold their lists as real Python lists, so
// that `rules.points.append(p)` and `rules.points[0].id = "X"` do what they say; they are turned
// into firebus::alarm::rules when an engine is made, validated or written as JSON.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/alarm/engine.hpp>
#include <firebus/alarm/error.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/alarm/types.hpp>
#include <firebus/alarm_json.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/time.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "core_enums.hpp"
#include "shared_enums.hpp"

FIREBUS_PY_ENUM(firebus::alarm::rule_type, AlarmRuleType, "firebus._firebus.alarm.RuleType")
FIREBUS_PY_ENUM(firebus::alarm::profile, AlarmProfile, "firebus._firebus.alarm.Profile")
FIREBUS_PY_ENUM(firebus::alarm::command_kind, AlarmCommandKind,
                "firebus._firebus.alarm.CommandKind")
FIREBUS_PY_ENUM(firebus::alarm::errc, AlarmErrc, "firebus._firebus.alarm.Errc")

namespace firebus_py {
// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace alarm_detail {
namespace {

namespace alarm = firebus::alarm;
using alarm::event_group;
using alarm::group_of;
using alarm::npos;
using firebus::alarm_class;
using firebus::alarm_state;
using firebus::event_kind;
using firebus::event_reason;

// A point named by its index or its id.
using point_ref = std::variant<std::uint32_t, std::string>;

// --- text and numbers
// -----------------------------------------------------------------------------

// The shortest text that reads back to the same double (18, 0.5, 1e-06); NaN, Infinity.
std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// A number as json.loads would read the replay tool's output: an int when it prints without a
// fraction or exponent (18), a float otherwise (0.5), a string when not finite ("NaN").
py::object json_number(double v) {
  if (!std::isfinite(v)) return py::str(number_text(v));
  const std::string s = number_text(v);
  if (s.find_first_of(".eE") == std::string::npos) {
    return py::reinterpret_steal<py::object>(PyLong_FromString(s.c_str(), nullptr, 10));
  }
  return py::float_(v);
}

// A JSON string literal (for reprs and messages), as the replay tool writes it.
std::string quoted(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string q = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (u < 0x20 || u == 0x7f) {
      q += "\\u00";
      q += hex[u >> 4];
      q += hex[u & 0x0f];
    } else {
      q += c;
    }
  }
  return q + '"';
}

// Compact JSON of a dict (the replay tool's line format).
std::string dumps(const py::handle& obj) {
  return py::module_::import("json")
      .attr("dumps")(obj, py::arg("separators") = py::make_tuple(",", ":"),
                     py::arg("ensure_ascii") = false)
      .cast<std::string>();
}

template <class E>
std::string enum_text(const char* cls, E v) {
  return std::string(cls) + "." + std::string(firebus::to_string(v));
}
template <class E>
std::string alarm_enum_text(const char* cls, E v) {
  return std::string(cls) + "." + std::string(alarm::to_string(v));
}

// --- errors
// ---------------------------------------------------------------------------------------

[[noreturn]] void fail(alarm::errc e, const std::string& context) {
  raise(make_error_code(e), context);
}

firebus::mono_time to_mono(double seconds, const std::string& what) {
  std::error_code ec;
  const firebus::mono_time t = firebus::mono_from_seconds(seconds, ec);
  if (ec) {
    fail(alarm::errc::invalid_time,
         what + ": expected a number of seconds within ±9.2e12, found " + number_text(seconds));
  }
  return t;
}

// --- rules: the composite types hold Python lists
// ---------------------------------------------------

struct py_point_rule {
  std::string id;
  std::string unit;
  std::optional<std::pair<double, double>> range;
  std::optional<std::pair<double, double>> raw_4_20mA;
  double stale_s = 0;
  std::string suppressed_by;
  py::object verification = py::none();  // VerificationRule or None
  py::list alarms;                       // of AlarmRule
};

struct py_zone_rule {
  std::string id;
  py::list members;  // of str
  int linkage_min_devices = 0;
  double dependency_window_s = 0;
  py::list manual_call_points;  // of str
};

struct py_rules {
  int version = alarm::rules_version;
  double max_shelve_s = 0;
  alarm::chatter_rule chatter;
  alarm::flood_rule flood;
  alarm::output_rule outputs;
  py::list points;  // of PointRule
  py::list zones;   // of ZoneRule
};

std::string type_name(const py::handle& h) {
  return py::str(py::type::handle_of(h).attr("__name__")).cast<std::string>();
}

template <class T>
T item_as(const py::handle& h, const std::string& where, const char* expected) {
  try {
    return h.cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error(where + ": expected " + expected + ", found " + type_name(h));
  }
}

// A list attribute's new value: a list is kept as it is (shared), any other iterable is copied.
// Every item must already be of the right type.
template <class T>
py::list as_list(const py::iterable& items, const char* where, const char* expected) {
  py::list l =
      py::isinstance<py::list>(items) ? py::reinterpret_borrow<py::list>(items) : py::list(items);
  for (std::size_t i = 0; i < l.size(); ++i) {
    bool ok = false;
    if constexpr (std::is_same_v<T, std::string>) {
      ok = py::isinstance<py::str>(l[i]);
    } else {
      ok = py::isinstance<T>(l[i]);
    }
    if (!ok) {
      throw py::type_error(std::string(where) + "[" + std::to_string(i) + "]: expected " +
                           expected + ", found " + type_name(l[i]));
    }
  }
  return l;
}

alarm::point_rule to_cpp(const py_point_rule& p, const std::string& at) {
  alarm::point_rule r;
  r.id = p.id;
  r.unit = p.unit;
  r.range = p.range;
  r.raw_4_20mA = p.raw_4_20mA;
  r.stale_s = p.stale_s;
  r.suppressed_by = p.suppressed_by;
  if (!p.verification.is_none()) {
    r.verification = item_as<alarm::verification_rule>(p.verification, at + ".verification",
                                                       "a VerificationRule or None");
  }
  r.alarms.reserve(p.alarms.size());
  for (std::size_t i = 0; i < p.alarms.size(); ++i) {
    r.alarms.push_back(item_as<alarm::alarm_rule>(
        p.alarms[i], at + ".alarms[" + std::to_string(i) + "]", "an AlarmRule"));
  }
  return r;
}

std::vector<std::string> strings(const py::list& l, const std::string& at) {
  std::vector<std::string> v;
  v.reserve(l.size());
  for (std::size_t i = 0; i < l.size(); ++i) {
    if (!py::isinstance<py::str>(l[i])) {
      throw py::type_error(at + "[" + std::to_string(i) + "]: expected a str, found " +
                           type_name(l[i]));
    }
    v.push_back(l[i].cast<std::string>());
  }
  return v;
}

alarm::zone_rule to_cpp(const py_zone_rule& z, const std::string& at) {
  alarm::zone_rule r;
  r.id = z.id;
  r.members = strings(z.members, at + ".members");
  r.linkage_min_devices = z.linkage_min_devices;
  r.dependency_window_s = z.dependency_window_s;
  r.manual_call_points = strings(z.manual_call_points, at + ".manual_call_points");
  return r;
}

alarm::rules to_cpp(const py_rules& x) {
  alarm::rules r;
  r.version = x.version;
  r.max_shelve_s = x.max_shelve_s;
  r.chatter = x.chatter;
  r.flood = x.flood;
  r.outputs = x.outputs;
  r.points.reserve(x.points.size());
  for (std::size_t i = 0; i < x.points.size(); ++i) {
    const std::string at = "points[" + std::to_string(i) + "]";
    r.points.push_back(to_cpp(item_as<const py_point_rule&>(x.points[i], at, "a PointRule"), at));
  }
  for (std::size_t i = 0; i < x.zones.size(); ++i) {
    const std::string at = "zones[" + std::to_string(i) + "]";
    r.zones.push_back(to_cpp(item_as<const py_zone_rule&>(x.zones[i], at, "a ZoneRule"), at));
  }
  return r;
}

py_rules from_cpp(const alarm::rules& r) {
  py_rules x;
  x.version = r.version;
  x.max_shelve_s = r.max_shelve_s;
  x.chatter = r.chatter;
  x.flood = r.flood;
  x.outputs = r.outputs;
  for (const alarm::point_rule& p : r.points) {
    py_point_rule q;
    q.id = p.id;
    q.unit = p.unit;
    q.range = p.range;
    q.raw_4_20mA = p.raw_4_20mA;
    q.stale_s = p.stale_s;
    q.suppressed_by = p.suppressed_by;
    if (p.verification) q.verification = py::cast(*p.verification);
    for (const alarm::alarm_rule& a : p.alarms) q.alarms.append(py::cast(a));
    x.points.append(py::cast(std::move(q)));
  }
  for (const alarm::zone_rule& z : r.zones) {
    py_zone_rule q;
    q.id = z.id;
    for (const auto& m : z.members) q.members.append(py::str(m));
    q.linkage_min_devices = z.linkage_min_devices;
    q.dependency_window_s = z.dependency_window_s;
    for (const auto& m : z.manual_call_points) q.manual_call_points.append(py::str(m));
    x.zones.append(py::cast(std::move(q)));
  }
  return x;
}

// `text` must not change meanwhile (the GIL is released): a copy, not a view of a Python object.
alarm::rules parse_json(std::string_view text, const std::string& name) {
  alarm::rules r;
  std::error_code ec;
  alarm::rules_error err;
  bool ok = false;
  {
    py::gil_scoped_release release;
    ok = alarm::parse_rules(text, r, ec, err);
  }
  if (!ok) raise(ec, name + ": " + err.what());
  return r;
}

alarm::rules parse_dict(const py::dict& d, const std::string& name) {
  return parse_json(dumps(d), name);
}

alarm::rules load_file(const std::string& path) {
  alarm::rules r;
  std::error_code ec;
  alarm::rules_error err;
  bool ok = false;
  {
    py::gil_scoped_release release;
    ok = alarm::load_rules(path, r, ec, err);
  }
  if (!ok) {
    raise(ec, path + (ec == alarm::errc::invalid_rules ? ": " + err.what()
                                                       : ": cannot load the rules"));
  }
  return r;
}

void validate_or_raise(const alarm::rules& r, const std::string& name) {
  alarm::rules_error err;
  if (!alarm::validate(r, err)) {
    raise(make_error_code(alarm::errc::invalid_rules), name + ": " + err.what());
  }
}

// Rules given as a Rules or as a dict (the JSON document).
using rules_arg = std::variant<py_rules*, py::dict>;
alarm::rules rules_of(const rules_arg& a) {
  if (std::holds_alternative<py::dict>(a)) return parse_dict(std::get<py::dict>(a), "rules");
  return to_cpp(*std::get<py_rules*>(a));
}

std::string opt_pair(const std::optional<std::pair<double, double>>& p) {
  return p ? "(" + number_text(p->first) + ", " + number_text(p->second) + ")" : "None";
}

std::string repr_alarm_rule(const alarm::alarm_rule& a) {
  std::string s =
      "AlarmRule(id=" + py_repr(py::str(a.id)) + ", type=" + alarm_enum_text("RuleType", a.type);
  const alarm::alarm_rule d;
  const auto num = [&s](const char* k, double v, double def) {
    if (v != def) s += std::string(", ") + k + "=" + number_text(v);
  };
  num("setpoint", a.setpoint, d.setpoint);
  num("deadband", a.deadband, d.deadband);
  num("on_delay_s", a.on_delay_s, d.on_delay_s);
  num("off_delay_s", a.off_delay_s, d.off_delay_s);
  num("rate_per_min", a.rate_per_min, d.rate_per_min);
  num("window_s", a.window_s, d.window_s);
  num("max_reference_age_s", a.max_reference_age_s, d.max_reference_age_s);
  s += ", cls=" + enum_text("AlarmClass", a.cls);
  s += ", profile=" + alarm_enum_text("Profile", a.profile);
  if (a.latch) s += ", latch=True";
  return s + ")";
}

// --- events
// ---------------------------------------------------------------------------------------

// One event with names (from engine::to_event), and the indices it was made of.
struct py_alarm_event {
  double t = 0;
  event_kind kind = event_kind::alarm_on;
  std::string point, alarm, zone, source, command;
  alarm_class cls = alarm_class::none;
  alarm_state state = alarm_state::normal;
  event_reason reason = event_reason::none;
  std::optional<double> value;
  std::optional<double> delta_s;
  std::uint32_t point_index = npos, alarm_index = npos, zone_index = npos, source_index = npos;
  firebus::event named;  // engine::to_event, for firebus.core.Event

  // The replay tool's JSON object: the fields that apply to the kind, in the contract's order.
  py::dict to_dict() const {
    py::dict d;
    d["t"] = json_number(t);
    d["event"] = py::str(std::string(firebus::to_string(kind)));
    const auto str = [&d](const char* k, std::string_view v) {
      if (!v.empty()) d[k] = py::str(std::string(v));
    };
    const auto num = [&d](const char* k, const std::optional<double>& v) {
      if (v) d[k] = json_number(*v);
    };
    const std::string_view cls_name =
        cls != alarm_class::none ? firebus::to_string(cls) : std::string_view();
    const std::string_view reason_name =
        reason != event_reason::none ? firebus::to_string(reason) : std::string_view();
    switch (group_of(kind)) {
      case event_group::lifecycle:
        str("point", point);
        if (point.empty()) str("zone", zone);
        str("alarm", alarm);
        str("class", cls_name);
        str("state", firebus::to_string(state));
        str("reason", reason_name);
        num("value", value);
        str("source", source);
        break;
      case event_group::fault:
        str("point", point);
        str("class", firebus::to_string(alarm_class::fault));
        str("reason", reason_name);
        num("value", value);
        break;
      case event_group::drop:
        str("point", point);
        str("reason", reason_name);
        num("value", value);
        break;
      case event_group::clock_jump:
        str("point", point);
        num("delta_s", delta_s ? delta_s : std::optional<double>(0.0));
        break;
      case event_group::chatter:
        str("point", point);
        if (point.empty()) str("zone", zone);
        str("alarm", alarm);
        str("class", cls_name);
        break;
      case event_group::panel:
        break;
      case event_group::zone:
        str("zone", zone);
        str("source", source);
        break;
      case event_group::verify:
        str("point", point);
        str("alarm", alarm);
        str("class", cls_name);
        break;
      case event_group::command:
        str("point", point);
        str("alarm", alarm);
        str("command", "reset_device");
        break;
    }
    return d;
  }
};

py_alarm_event make_event(const alarm::engine& eng, const alarm::alarm_event& e) {
  const firebus::event n = eng.to_event(e);
  py_alarm_event x;
  x.named = n;
  x.t = firebus::to_seconds(n.t);
  x.kind = n.kind;
  // Point ids of the rules may hold bytes a firebus::point_id refuses: take the engine's names.
  if (e.point != npos) x.point = std::string(eng.point_name(e.point));
  x.alarm = n.alarm;
  x.zone = n.zone;
  if (e.source != npos) x.source = std::string(eng.point_name(e.source));
  x.command = n.command;
  x.cls = n.cls;
  x.state = n.state;
  x.reason = n.reason;
  x.value = n.value;
  x.delta_s = n.delta_s;
  x.point_index = e.point;
  x.alarm_index = e.alarm;
  x.zone_index = e.zone;
  x.source_index = e.source;
  return x;
}

// One entry of the active list with names.
struct py_active_entry {
  alarm_class cls = alarm_class::none;
  alarm_state state = alarm_state::normal;
  event_reason reason = event_reason::none;
  double since = 0;
  std::string point, alarm, zone;
  std::uint32_t point_index = npos, alarm_index = npos, zone_index = npos;

  bool is_fault() const { return alarm_index == npos; }
  bool is_disabled() const { return cls == alarm_class::disablement; }

  // The replay tool's summary entry.
  py::dict to_dict() const {
    py::dict d;
    if (!point.empty()) {
      d["point"] = py::str(point);
    } else {
      d["zone"] = py::str(zone);
    }
    if (!is_fault()) d["alarm"] = py::str(alarm);
    d["class"] = py::str(std::string(firebus::to_string(cls)));
    if (!is_fault() && !is_disabled()) d["state"] = py::str(std::string(firebus::to_string(state)));
    if (is_fault()) d["reason"] = py::str(std::string(firebus::to_string(reason)));
    d["since"] = json_number(since);
    return d;
  }
};

std::vector<py_active_entry> active_of(const alarm::engine& eng) {
  std::vector<py_active_entry> out;
  for (const alarm::active_entry& a : eng.active()) {
    py_active_entry x;
    x.cls = a.cls;
    x.state = a.state;
    x.reason = a.reason;
    x.since = firebus::to_seconds(a.since);
    if (a.point != npos) x.point = std::string(eng.point_name(a.point));
    if (a.point == npos && a.zone != npos) x.zone = std::string(eng.zone_name(a.zone));
    if (a.alarm != npos) x.alarm = std::string(eng.alarm_name(a.alarm));
    x.point_index = a.point;
    x.alarm_index = a.alarm;
    x.zone_index = a.point == npos ? a.zone : npos;
    out.push_back(std::move(x));
  }
  return out;
}

py::dict summary_of(const alarm::engine& eng) {
  const alarm_class panel = eng.panel();
  py::dict s;
  s["panel"] = py::str(panel == alarm_class::none ? std::string("normal")
                                                  : std::string(firebus::to_string(panel)));
  py::list active;
  for (const py_active_entry& a : active_of(eng)) active.append(a.to_dict());
  s["active"] = active;
  return s;
}

// A record of Engine.events_array().
struct event_record {
  double t;
  std::uint8_t kind;
  std::uint32_t point;
  std::uint32_t alarm;
  std::uint32_t zone;
  std::uint8_t cls;
  std::uint8_t state;
  std::uint8_t reason;
  double value;
};

// numpy through its Python API and the buffer protocol only: pybind11 2.10's array accessors
// read numpy 1's descriptor layout, which numpy 2 changed (itemsize, strides come out wrong).
py::module_ numpy() { return py::module_::import("numpy"); }

// The structured dtype of event_record, with the C++ offsets.
py::object record_dtype() {
  py::dict d;
  d["names"] =
      py::make_tuple("t", "kind", "point", "alarm", "zone", "cls", "state", "reason", "value");
  d["formats"] = py::make_tuple("<f8", "u1", "<u4", "<u4", "<u4", "u1", "u1", "u1", "<f8");
  d["offsets"] = py::make_tuple(
      offsetof(event_record, t), offsetof(event_record, kind), offsetof(event_record, point),
      offsetof(event_record, alarm), offsetof(event_record, zone), offsetof(event_record, cls),
      offsetof(event_record, state), offsetof(event_record, reason), offsetof(event_record, value));
  d["itemsize"] = sizeof(event_record);
  return numpy().attr("dtype")(d);
}

py::array new_records(const std::vector<event_record>& recs) {
  py::array a = numpy().attr("empty")(recs.size(), record_dtype());
  if (!recs.empty()) {
    const py::buffer_info b = py::buffer(a.attr("view")("u1")).request(true);
    std::memcpy(b.ptr, recs.data(), recs.size() * sizeof(event_record));
  }
  return a;
}

// --- the engine
// -----------------------------------------------------------------------------------

struct py_engine {
  alarm::engine eng;
  alarm::rules rules;
  bool busy = false;  // in sample_batch with the GIL released (set and read under the GIL)

  explicit py_engine(alarm::rules r) : rules(std::move(r)) {
    std::error_code ec;
    alarm::rules_error err;
    if (!eng.configure(rules, ec, &err)) raise(ec, "rules: " + err.what());
  }

  alarm::engine& use() {
    if (busy) {
      throw std::runtime_error("Engine: in use by sample_batch() in another thread");
    }
    return eng;
  }

  std::uint32_t point(const point_ref& p, const char* what) {
    use();
    if (const auto* i = std::get_if<std::uint32_t>(&p)) {
      if (*i >= eng.point_count()) {
        fail(alarm::errc::unknown_point, std::string(what) + ": point " + std::to_string(*i) +
                                             " (the engine has " +
                                             std::to_string(eng.point_count()) + " points)");
      }
      return *i;
    }
    const std::string& id = std::get<std::string>(p);
    const std::uint32_t i = eng.find_point(id);
    if (i == npos) fail(alarm::errc::unknown_point, std::string(what) + ": point " + quoted(id));
    return i;
  }

  std::uint32_t alarm_of(const point_ref& p, const std::string& id, const char* what) {
    const std::uint32_t pi = point(p, what);
    const std::uint32_t a = eng.find_alarm(pi, id);
    if (a == npos) {
      fail(alarm::errc::unknown_alarm,
           std::string(what) + ": alarm " + quoted(id) + " in point " + quoted(eng.point_name(pi)));
    }
    return a;
  }

  std::uint32_t zone(const std::string& id, const char* what) {
    const std::uint32_t z = use().find_zone(id);
    if (z == npos) fail(alarm::errc::unknown_zone, std::string(what) + ": zone " + quoted(id));
    return z;
  }

  // Raises the engine's error for an input at `t`.
  [[noreturn]] void input_error(std::error_code ec, const char* what, std::uint32_t p,
                                double t) const {
    std::string context = what;
    if (ec == alarm::errc::time_went_back) {
      context += ": t " + number_text(t) + " is earlier than the engine's time " +
                 number_text(firebus::to_seconds(eng.now()));
    } else if (p != npos && p < eng.point_count()) {
      context += ": point " + quoted(eng.point_name(p));
    }
    raise(ec, context);
  }

  void sample(const point_ref& p, double t, double value, std::optional<double> ts) {
    const std::uint32_t i = point(p, "sample");
    const firebus::mono_time tt = to_mono(t, "sample: t");
    std::error_code ec;
    if (ts) {
      eng.sample(i, tt, value, to_mono(*ts, "sample: ts"), ec);
    } else {
      eng.sample(i, tt, value, ec);
    }
    if (ec) input_error(ec, "sample", i, t);
  }

  void raw_sample(const point_ref& p, double t, double milliamps, std::optional<double> ts) {
    const std::uint32_t i = point(p, "raw_sample");
    const firebus::mono_time tt = to_mono(t, "raw_sample: t");
    std::optional<firebus::mono_time> tts;
    if (ts) tts = to_mono(*ts, "raw_sample: ts");
    std::error_code ec;
    eng.raw_sample(i, tt, milliamps, tts, ec);
    if (ec) input_error(ec, "raw_sample", i, t);
  }

  void condition(const point_ref& p, double t, alarm::device_condition c) {
    const std::uint32_t i = point(p, "condition");
    std::error_code ec;
    eng.condition(i, to_mono(t, "condition: t"), c, ec);
    if (ec) input_error(ec, "condition", i, t);
  }

  void status(const point_ref& p, double t, alarm::device_status s) {
    const std::uint32_t i = point(p, "status");
    std::error_code ec;
    eng.status(i, to_mono(t, "status: t"), s, ec);
    if (ec) input_error(ec, "status", i, t);
  }

  void advance(double t) {
    use();
    std::error_code ec;
    eng.advance(to_mono(t, "advance: t"), ec);
    if (ec) input_error(ec, "advance", npos, t);
  }

  void execute(double t, const alarm::command& c) {
    use();
    const std::string what(alarm::to_string(c.kind));
    const firebus::mono_time tt = to_mono(t, what + ": t");
    std::error_code ec;
    eng.execute(tt, c, ec);
    if (!ec) return;
    std::string context = what;
    if (ec == alarm::errc::unknown_point) {
      context += ": point " + quoted(c.point);
    } else if (ec == alarm::errc::unknown_zone) {
      context += ": zone " + quoted(c.zone);
    } else if (ec == alarm::errc::unknown_alarm) {
      context += ": alarm " + quoted(c.alarm) +
                 (c.zone.empty() ? " in point " + quoted(c.point) : " in zone " + quoted(c.zone));
    } else if (ec == alarm::errc::time_went_back) {
      context += ": t " + number_text(t) + " is earlier than the engine's time " +
                 number_text(firebus::to_seconds(eng.now()));
    } else if (ec == alarm::errc::invalid_argument) {
      if (c.kind == alarm::command_kind::shelve && !c.duration_s && !c.one_shot) {
        context += ": needs duration_s or one_shot=True";
      } else if (c.kind == alarm::command_kind::shelve && c.duration_s) {
        context += ": duration_s: expected a number of seconds > 0 and ≤ 1000000000, found " +
                   number_text(*c.duration_s);
      } else if (!c.point.empty() && !c.zone.empty()) {
        context += ": a command names a point or a zone, not both";
      } else if (c.point.empty() && c.zone.empty()) {
        context += ": needs a point or a zone";
      }
    }
    raise(ec, context);
  }

  void command(alarm::command_kind kind, double t, const std::optional<point_ref>& point_arg,
               const std::optional<std::string>& alarm_id, const std::optional<std::string>& zone,
               std::optional<double> duration_s, bool one_shot) {
    alarm::command c;
    c.kind = kind;
    if (point_arg) {
      if (std::holds_alternative<std::uint32_t>(*point_arg)) {
        c.point = std::string(use().point_name(point(*point_arg, alarm::to_string(kind).data())));
      } else {
        c.point = std::get<std::string>(*point_arg);
      }
    }
    if (alarm_id) c.alarm = *alarm_id;
    if (zone) c.zone = *zone;
    c.duration_s = duration_s;
    c.one_shot = one_shot;
    execute(t, c);
  }

  std::vector<py_alarm_event> events(bool clear) {
    use();
    std::vector<py_alarm_event> out;
    out.reserve(eng.events().size());
    for (const alarm::alarm_event& e : eng.events()) out.push_back(make_event(eng, e));
    if (clear) eng.clear_events();
    return out;
  }

  py::array events_array(bool clear) {
    use();
    const auto& ev = eng.events();
    std::vector<event_record> recs(ev.size());
    for (std::size_t i = 0; i < ev.size(); ++i) {
      const alarm::alarm_event& e = ev[i];
      event_record& r = recs[i];
      r.t = firebus::to_seconds(e.t);
      r.kind = static_cast<std::uint8_t>(e.kind);
      r.point = e.point;
      r.alarm = e.alarm;
      r.zone = e.zone;
      r.cls = static_cast<std::uint8_t>(e.cls);
      r.state = static_cast<std::uint8_t>(e.state);
      r.reason = static_cast<std::uint8_t>(e.reason);
      r.value = e.has_value ? e.value : std::numeric_limits<double>::quiet_NaN();
    }
    py::array a = new_records(recs);
    if (clear) eng.clear_events();
    return a;
  }

  py::bytes snapshot() {
    const std::vector<std::uint8_t> s = use().snapshot();
    return py::bytes(reinterpret_cast<const char*>(s.data()), s.size());
  }

  void restore(const py::bytes& data, double t) {
    use();
    const firebus::mono_time tt = to_mono(t, "restore: t");
    const std::string_view v = data;
    std::error_code ec;
    eng.restore(firebus::byte_view(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()), tt,
                ec);
    if (ec) raise(ec, "restore");
  }

  std::size_t sample_batch(const py::array& points, const py::array& t, const py::array& values,
                           const std::optional<py::array>& ts);
};

// Checks that `a` is a 1-D array of numbers (integers when `integers`: booleans, strings,
// objects, complex numbers and, for indices, floats are refused) and returns its length.
std::size_t check_array(const py::array& a, const char* name, bool integers) {
  const std::string kind = py::str(a.attr("dtype").attr("kind"));
  const bool ok =
      integers ? (kind == "i" || kind == "u") : (kind == "i" || kind == "u" || kind == "f");
  if (!ok) {
    throw py::type_error(std::string("sample_batch: ") + name + ": expected an array of " +
                         (integers ? "integers (uint32 point indices)" : "numbers (float64)") +
                         ", found dtype " + py::str(a.attr("dtype")).cast<std::string>());
  }
  const int ndim = a.attr("ndim").cast<int>();
  if (ndim != 1) {
    throw py::value_error(std::string("sample_batch: ") + name + ": expected a 1-D array, found " +
                          std::to_string(ndim) + " dimensions");
  }
  return py::len(a);
}

// A contiguous copy (or the array itself) of dtype `dtype`, and its buffer.
struct contiguous {
  py::object array;
  py::buffer_info info;
  contiguous(const py::array& a, const char* dtype)
      : array(numpy().attr("ascontiguousarray")(a, py::arg("dtype") = dtype)),
        info(py::buffer(array).request()) {}
};

std::size_t py_engine::sample_batch(const py::array& points, const py::array& t,
                                    const py::array& values, const std::optional<py::array>& ts) {
  use();
  const std::size_t n = check_array(points, "points", true);
  const auto same = [n](const py::array& a, const char* name) {
    const std::size_t m = check_array(a, name, false);
    if (m != n) {
      throw py::value_error(std::string("sample_batch: ") + name + " has " + std::to_string(m) +
                            " items, points has " + std::to_string(n));
    }
  };
  same(t, "t");
  same(values, "values");
  if (ts) same(*ts, "ts");
  // Signed indices below 0 and 64-bit ones above 2^32 - 2 would wrap in the cast to uint32
  // (uint8/16/32 arrays need no check: no copy for them).
  const std::string pkind = py::str(points.attr("dtype").attr("kind"));
  if (pkind != "u" || points.attr("dtype").attr("itemsize").cast<int>() > 4) {
    const contiguous w(points, "<i8");
    const auto* p = static_cast<const std::int64_t*>(w.info.ptr);
    // (uint64 indices above 2^63 turn negative in int64: refused as well.)
    for (std::size_t i = 0; i < n; ++i) {
      if (p[i] < 0 || p[i] > static_cast<std::int64_t>(npos - 1)) {
        throw py::value_error("sample_batch: points[" + std::to_string(i) +
                              "]: " + std::to_string(p[i]) + " is not a point index");
      }
    }
  }
  const contiguous pa(points, "<u4");
  const contiguous ta(t, "<f8");
  const contiguous va(values, "<f8");
  std::optional<contiguous> tsa;
  if (ts) tsa.emplace(*ts, "<f8");
  const auto* P = static_cast<const std::uint32_t*>(pa.info.ptr);
  const auto* T = static_cast<const double*>(ta.info.ptr);
  const auto* V = static_cast<const double*>(va.info.ptr);
  const double* TS = tsa ? static_cast<const double*>(tsa->info.ptr) : nullptr;
  // Again: the conversions above (numpy casts release the GIL) may have let another thread start
  // a sample_batch() of its own.
  use();
  const std::size_t before = eng.events().size();
  std::size_t done = n;
  std::error_code ec;
  const char* bad_time = nullptr;  // "t" or "ts" when one is out of range
  {
    // Set and cleared with the GIL held (cleared even if the loop throws: bad_alloc).
    struct busy_scope {
      bool& b;
      explicit busy_scope(bool& x) : b(x) { b = true; }
      ~busy_scope() { b = false; }
      busy_scope(const busy_scope&) = delete;
      busy_scope& operator=(const busy_scope&) = delete;
    } const in_use(busy);
    py::gil_scoped_release release;
    if (TS == nullptr) {
      // The engine's own batch path (it prefetches the points ahead), in chunks whose times
      // are converted first; a time that does not convert ends the chunk before it.
      constexpr std::size_t chunk = 4096;
      std::vector<firebus::mono_time> times(std::min(n, chunk));
      for (std::size_t i = 0; i < n && done == n;) {
        const std::size_t m = std::min(chunk, n - i);
        std::size_t ok = 0;
        for (firebus::duration d; ok < m && firebus::try_from_seconds(T[i + ok], d); ++ok) {
          times[ok] = firebus::mono_time(d);
        }
        const bool bad = ok < m;
        const std::size_t fed = eng.sample_batch(P + i, times.data(), V + i, ok, ec);
        if (ec) {
          done = i + fed;
        } else if (bad) {
          bad_time = "t";
          done = i + ok;
        }
        i += m;
      }
    }
    for (std::size_t i = 0; TS != nullptr && i < n; ++i) {
      const firebus::mono_time tt = firebus::mono_from_seconds(T[i], ec);
      if (ec) {
        bad_time = "t";
        done = i;
        break;
      }
      if (TS != nullptr) {
        const firebus::mono_time dev = firebus::mono_from_seconds(TS[i], ec);
        if (ec) {
          bad_time = "ts";
          done = i;
          break;
        }
        eng.sample(P[i], tt, V[i], dev, ec);
      } else {
        eng.sample(P[i], tt, V[i], ec);
      }
      if (ec) {
        done = i;
        break;
      }
    }
  }
  if (done < n) {
    const std::string at = "sample_batch: sample " + std::to_string(done);
    try {
      if (bad_time != nullptr) {
        const double x = bad_time[1] == 's' ? TS[done] : T[done];
        fail(alarm::errc::invalid_time, at + ": " + bad_time +
                                            ": expected a number of seconds within ±9.2e12, "
                                            "found " +
                                            number_text(x));
      }
      input_error(ec, at.c_str(), P[done], T[done]);
    } catch (py::error_already_set& e) {
      e.value().attr("index") = done;
      throw;
    }
  }
  return eng.events().size() - before;
}

// --- replay
// ---------------------------------------------------------------------------------------

// Feeds the replay tool's input objects to an engine, as `firebus alarm replay --json` does.
class replayer {
 public:
  explicit replayer(alarm::rules r) : rules_(std::move(r)) {
    eng_ = std::make_unique<alarm::engine>();
    std::error_code ec;
    alarm::rules_error err;
    if (!eng_->configure(rules_, ec, &err)) raise(ec, "rules: " + err.what());
  }

  void line(const py::dict& v, std::size_t number, py::list& out) {
    number_ = number;
    dispatch(v);
    for (const alarm::alarm_event& e : eng_->events()) out.append(make_event(*eng_, e).to_dict());
    eng_->clear_events();
  }

  py::dict summary() const { return summary_of(*eng_); }

  // Events of a refused line stay in the output list (the tool prints them before the error).
  void flush(py::list& out) {
    for (const alarm::alarm_event& e : eng_->events()) out.append(make_event(*eng_, e).to_dict());
    eng_->clear_events();
  }

 private:
  [[noreturn]] void refuse(const std::string& message,
                           alarm::errc e = alarm::errc::invalid_argument) const {
    fail(e, "input line " + std::to_string(number_) + ": " + message);
  }
  [[noreturn]] void expected(const char* key, const std::string& what,
                             const py::handle& found) const {
    refuse(std::string(key) + ": expected " + what + ", found " + shown(found));
  }
  static std::string shown(const py::handle& h) {
    try {
      return dumps(h);
    } catch (const py::error_already_set&) {
      return py_repr(h);
    }
  }
  static bool is_number(const py::handle& h) {
    return !py::isinstance<py::bool_>(h) &&
           (py::isinstance<py::int_>(h) || py::isinstance<py::float_>(h));
  }
  static py::object member(const py::dict& v, const char* key) {
    return v.contains(key) ? py::reinterpret_borrow<py::object>(v[key]) : py::object();
  }
  void only(const py::dict& v, std::initializer_list<std::string_view> allowed,
            const std::string& kind) const {
    for (const auto& item : v) {
      const std::string k = py::str(item.first).cast<std::string>();
      bool ok = false;
      for (std::string_view a : allowed) ok = ok || k == a;
      if (!ok) refuse("key " + quoted(k) + " does not apply to " + kind);
    }
  }
  firebus::mono_time time_of(const py::dict& v, const char* key) const {
    const py::object x = member(v, key);
    if (!x) refuse(std::string("missing \"") + key + "\"");
    if (!is_number(x)) expected(key, "a number of seconds", x);
    std::error_code ec;
    const firebus::mono_time t = firebus::mono_from_seconds(x.cast<double>(), ec);
    if (ec) expected(key, "a number of seconds within ±9.2e12", x);
    return t;
  }
  double value_of(const py::handle& x, const char* key) const {
    if (is_number(x)) return x.cast<double>();
    if (py::isinstance<py::str>(x)) {
      const std::string s = x.cast<std::string>();
      if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (s == "Infinity") return std::numeric_limits<double>::infinity();
      if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    }
    expected(key, "a number, \"NaN\", \"Infinity\" or \"-Infinity\"", x);
  }
  std::string string_of(const py::dict& v, const char* key) const {
    const py::object x = member(v, key);
    if (!x) return {};
    if (!py::isinstance<py::str>(x)) expected(key, "a string", x);
    return x.cast<std::string>();
  }
  void monotonic(firebus::mono_time t, const char* key) {
    if (latest_ && t < *latest_) {
      refuse(std::string(key) + " " + number_text(firebus::to_seconds(t)) + " is earlier than " +
                 number_text(firebus::to_seconds(*latest_)) + ", the latest time so far",
             alarm::errc::time_went_back);
    }
    latest_ = t;
  }
  void engine_error(std::error_code ec, const alarm::command* c, const std::string& point) const {
    std::string m;
    if (ec == alarm::errc::unknown_point) {
      m = "unknown point " + quoted(point);
    } else if (ec == alarm::errc::unknown_zone && c != nullptr) {
      m = "unknown zone " + quoted(c->zone);
    } else if (ec == alarm::errc::unknown_alarm && c != nullptr) {
      m = "unknown alarm " + quoted(c->alarm) +
          (c->zone.empty() ? " in point " + quoted(c->point) : " in zone " + quoted(c->zone));
    } else if (ec == alarm::errc::time_went_back) {
      m = "t is earlier than the engine's time " + number_text(firebus::to_seconds(eng_->now()));
    } else if (ec == alarm::errc::no_raw_mapping) {
      m = "point " + quoted(point) + " has no raw_4_20mA mapping for a raw reading";
    } else if (ec == alarm::errc::invalid_argument && c != nullptr &&
               c->kind == alarm::command_kind::shelve && !c->duration_s && !c->one_shot) {
      m = "shelve needs \"duration_s\" or \"one_shot\": true";
    } else {
      m = alarm::category().message(ec.value());
    }
    refuse(m, static_cast<alarm::errc>(ec.value()));
  }

  void dispatch(const py::dict& v) {
    static constexpr std::string_view known[] = {
        "t",       "point", "value", "raw",        "ts",       "state",  "status",
        "command", "zone",  "alarm", "duration_s", "one_shot", "advance"};
    for (const auto& item : v) {
      const std::string k = py::str(item.first).cast<std::string>();
      if (std::find(std::begin(known), std::end(known), k) == std::end(known)) {
        refuse("unknown key " + quoted(k));
      }
    }
    std::error_code ec;
    if (v.contains("advance")) {
      only(v, {"advance"}, "an \"advance\" line");
      const firebus::mono_time t = time_of(v, "advance");
      monotonic(t, "advance");
      eng_->advance(t, ec);
      if (ec) engine_error(ec, nullptr, "");
      return;
    }
    const firebus::mono_time t = time_of(v, "t");
    if (const py::object cmd = member(v, "command")) {
      command(v, cmd, t);
      return;
    }
    const py::object p = member(v, "point");
    if (!p) refuse("expected \"point\", \"command\" or \"advance\"");
    if (!py::isinstance<py::str>(p)) expected("point", "a string", p);
    const std::string point = p.cast<std::string>();
    const char* kind = nullptr;
    for (const char* k : {"value", "raw", "state", "status"}) {
      if (!v.contains(k)) continue;
      if (kind != nullptr) {
        refuse(std::string("\"") + kind + "\" and \"" + k +
               "\" in one line: expected one of \"value\", \"raw\", \"state\", \"status\"");
      }
      kind = k;
    }
    if (kind == nullptr) {
      refuse("a line with \"point\" needs \"value\", \"raw\", \"state\" or \"status\"");
    }
    const std::string what = std::string("a \"") + kind + "\" line";
    const bool is_sample = std::strcmp(kind, "value") == 0 || std::strcmp(kind, "raw") == 0;
    if (is_sample) {
      only(v, {"t", "point", kind, "ts"}, what);
    } else {
      only(v, {"t", "point", kind}, what);
    }
    std::optional<firebus::mono_time> ts;
    if (v.contains("ts")) ts = time_of(v, "ts");
    double value = 0;
    alarm::device_condition condition = alarm::device_condition::normal;
    alarm::device_status status = alarm::device_status::ok;
    const py::object x = member(v, kind);
    if (is_sample) {
      value = value_of(x, kind);
    } else {
      std::error_code name_ec = make_error_code(firebus::errc::unknown_name);
      if (std::strcmp(kind, "state") == 0) {
        if (py::isinstance<py::str>(x)) {
          condition = alarm::device_condition_from_string(x.cast<std::string>(), name_ec);
        }
        if (name_ec) expected("state", "one of \"normal\", \"fire\" or \"active\"", x);
      } else {
        if (py::isinstance<py::str>(x)) {
          status = alarm::device_status_from_string(x.cast<std::string>(), name_ec);
        }
        if (name_ec) {
          expected("status", "one of \"ok\", \"fault\", \"open_circuit\" or \"short_circuit\"", x);
        }
      }
    }
    const std::uint32_t index = eng_->find_point(point);
    if (index == npos) refuse("unknown point " + quoted(point), alarm::errc::unknown_point);
    monotonic(t, "t");
    if (std::strcmp(kind, "value") == 0) {
      if (ts) {
        eng_->sample(index, t, value, *ts, ec);
      } else {
        eng_->sample(index, t, value, ec);
      }
    } else if (std::strcmp(kind, "raw") == 0) {
      eng_->raw_sample(index, t, value, ts, ec);
    } else if (std::strcmp(kind, "state") == 0) {
      eng_->condition(index, t, condition, ec);
    } else {
      eng_->status(index, t, status, ec);
    }
    if (ec) engine_error(ec, nullptr, point);
  }

  void command(const py::dict& v, const py::object& cmd, firebus::mono_time t) {
    if (!py::isinstance<py::str>(cmd)) expected("command", "a string", cmd);
    const std::string name = cmd.cast<std::string>();
    std::error_code ec;
    if (name == "snapshot" || name == "restore") {
      only(v, {"t", "command"}, "the \"" + name + "\" command");
      monotonic(t, "t");
      if (name == "snapshot") {
        eng_->advance(t, ec);  // the timers due by then fire first, as for any other command
        if (ec) engine_error(ec, nullptr, "");
        snapshot_ = eng_->snapshot();
        return;
      }
      if (!snapshot_) refuse("restore without a snapshot before it");
      auto fresh = std::make_unique<alarm::engine>();
      if (!fresh->configure(rules_, ec) || !fresh->restore(firebus::byte_view(*snapshot_), t, ec)) {
        refuse("restore: " + ec.message(), static_cast<alarm::errc>(ec.value()));
      }
      eng_ = std::move(fresh);
      return;
    }
    alarm::command c;
    std::error_code name_ec;
    c.kind = alarm::command_kind_from_string(name, name_ec);
    if (name_ec) {
      expected("command",
               "one of \"ack\", \"reset\", \"silence\", \"shelve\", \"unshelve\", \"disable\", "
               "\"enable\", \"out_of_service\", \"return_to_service\", \"snapshot\" or "
               "\"restore\"",
               cmd);
    }
    if (c.kind == alarm::command_kind::shelve) {
      only(v, {"t", "command", "point", "zone", "alarm", "duration_s", "one_shot"},
           "the \"shelve\" command");
    } else {
      only(v, {"t", "command", "point", "zone", "alarm"}, "the \"" + name + "\" command");
    }
    c.point = string_of(v, "point");
    c.zone = string_of(v, "zone");
    c.alarm = string_of(v, "alarm");
    if (const py::object d = member(v, "duration_s")) {
      if (!is_number(d)) expected("duration_s", "a number of seconds", d);
      c.duration_s = d.cast<double>();
    }
    if (const py::object o = member(v, "one_shot")) {
      if (!py::isinstance<py::bool_>(o)) expected("one_shot", "true or false", o);
      c.one_shot = o.cast<bool>();
    }
    monotonic(t, "t");
    eng_->execute(t, c, ec);
    if (ec) engine_error(ec, &c, c.point);
  }

  alarm::rules rules_;
  std::unique_ptr<alarm::engine> eng_;
  std::optional<std::vector<std::uint8_t>> snapshot_;
  std::optional<firebus::mono_time> latest_;
  std::size_t number_ = 0;
};

// One input item: a dict, or a JSON text line (blank ones are skipped).
void replay_line(replayer& r, const py::handle item, std::size_t number, py::list& out,
                 const py::object& loads) {
  py::object obj = py::reinterpret_borrow<py::object>(item);
  if (py::isinstance<py::str>(obj)) {
    const std::string text = obj.cast<std::string>();
    if (text.find_first_not_of(" \t\f\v\r\n") == std::string::npos) return;
    try {
      obj = loads(obj);
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_ValueError)) throw;
      fail(alarm::errc::invalid_argument,
           "input line " + std::to_string(number) +
               ": invalid JSON: " + py::str(e.value()).cast<std::string>());
    }
  }
  if (!py::isinstance<py::dict>(obj)) {
    fail(alarm::errc::invalid_argument, "input line " + std::to_string(number) +
                                            ": expected a JSON object, found " + py_repr(obj));
  }
  r.line(py::reinterpret_borrow<py::dict>(obj), number, out);
}

py::tuple replay(const rules_arg& rules, const py::iterable& lines) {
  replayer r(rules_of(rules));
  py::list out;
  py::object loads = py::module_::import("json").attr("loads");
  std::size_t number = 0;
  for (const py::handle item : lines) {
    ++number;
    try {
      replay_line(r, item, number, out, loads);
    } catch (py::error_already_set& e) {
      r.flush(out);
      e.value().attr("events") = out;
      e.value().attr("line") = number;
      throw;
    }
  }
  return py::make_tuple(out, r.summary());
}

// --- docstrings
// -----------------------------------------------------------------------------------

constexpr const char* engine_doc =
    R"doc(The alarm engine: samples, device conditions, statuses and operator commands in, events out.

Deterministic and pure: time comes only from the inputs' ``t`` (float seconds, rounded to
microseconds) and from :meth:`advance`; a recorded input replays to the same events. A refused
input (unknown point, time going back, ...) raises :class:`firebus.AlarmError` and changes
nothing. Points are named by their index (``find_point``) or their id.

Not thread-safe: feed one engine from one thread (``sample_batch`` releases the GIL; any other
call on the same engine meanwhile raises RuntimeError).

Example::

    eng = Engine(load_rules("rules.json"))
    eng.sample("RC1", 18.0, 305.0)
    for e in eng.take_events():
        print(e.kind, e.point, e.alarm, e.state)
)doc";

}  // namespace
}  // namespace alarm_detail

void bind_alarm(py::module_& m) {
  using namespace alarm_detail;
  m.doc() =
      "The alarm engine (firebus::alarm): rules and their JSON loader, the engine, events, "
      "snapshots, a numpy batch path and a replay helper with the output of `firebus alarm "
      "replay --json`. Semantics: docs/alarms.md.";

  // --- enums ---
  make_enum<alarm::rule_type>(m, "RuleType", "firebus.alarm",
                              {{"high", alarm::rule_type::high},
                               {"low", alarm::rule_type::low},
                               {"rate_of_rise", alarm::rule_type::rate_of_rise},
                               {"state", alarm::rule_type::state}},
                              "What makes an alarm's condition active (schema `type`).");
  make_enum<alarm::profile>(m, "Profile", "firebus.alarm",
                            {{"isa", alarm::profile::isa}, {"fire", alarm::profile::fire}},
                            "The life-cycle an alarm follows: isa (ANSI/ISA-18.2) or fire "
                            "(GB 4717: always latches, no ack needed to reset, no shelving).");
  make_enum<alarm::device_condition>(m, "DeviceCondition", "firebus.alarm",
                                     {{"normal", alarm::device_condition::normal},
                                      {"fire", alarm::device_condition::fire},
                                      {"active", alarm::device_condition::active}},
                                     "What a device reports about itself (drives `state` alarms).");
  make_enum<alarm::device_status>(m, "DeviceStatus", "firebus.alarm",
                                  {{"ok", alarm::device_status::ok},
                                   {"fault", alarm::device_status::fault},
                                   {"open_circuit", alarm::device_status::open_circuit},
                                   {"short_circuit", alarm::device_status::short_circuit}},
                                  "A device's health as it reports it.");
  make_enum<alarm::command_kind>(m, "CommandKind", "firebus.alarm",
                                 {{"ack", alarm::command_kind::ack},
                                  {"reset", alarm::command_kind::reset},
                                  {"silence", alarm::command_kind::silence},
                                  {"shelve", alarm::command_kind::shelve},
                                  {"unshelve", alarm::command_kind::unshelve},
                                  {"disable", alarm::command_kind::disable},
                                  {"enable", alarm::command_kind::enable},
                                  {"out_of_service", alarm::command_kind::out_of_service},
                                  {"return_to_service", alarm::command_kind::return_to_service}},
                                 "Operator commands.");
  make_enum<alarm::errc>(
      m, "Errc", "firebus.alarm",
      {{"invalid_rules", alarm::errc::invalid_rules},
       {"not_configured", alarm::errc::not_configured},
       {"unknown_point", alarm::errc::unknown_point},
       {"unknown_alarm", alarm::errc::unknown_alarm},
       {"unknown_zone", alarm::errc::unknown_zone},
       {"time_went_back", alarm::errc::time_went_back},
       {"invalid_time", alarm::errc::invalid_time},
       {"invalid_argument", alarm::errc::invalid_argument},
       {"no_raw_mapping", alarm::errc::no_raw_mapping},
       {"snapshot_corrupt", alarm::errc::snapshot_corrupt},
       {"snapshot_mismatch", alarm::errc::snapshot_mismatch}},
      "Error codes of the alarm engine: the `code` of a firebus.AlarmError (category "
      "'firebus.alarm').");
  // The core enums the engine speaks, re-exported for convenience (created in firebus.core).
  py::module_ core = py::module_::import("firebus._firebus.core");
  for (const char* name : {"AlarmClass", "AlarmState", "EventKind", "EventReason"}) {
    if (py::hasattr(core, name)) m.attr(name) = core.attr(name);
  }

  m.attr("NPOS") = npos;
  m.attr("RULES_VERSION") = alarm::rules_version;
  m.attr("MAX_RULES_SIZE") = alarm::max_rules_size;

  // --- rules ---
  py::class_<alarm::alarm_rule>(m, "AlarmRule",
                                "One alarm of a point (schema points[].alarms[]). Omitted "
                                "numbers are 0, omitted options off.")
      .def(py::init([](std::string id, alarm::rule_type type, double setpoint, double deadband,
                       double on_delay_s, double off_delay_s, double rate_per_min, double window_s,
                       double max_reference_age_s, alarm_class cls, alarm::profile profile,
                       bool latch) {
             alarm::alarm_rule a;
             a.id = std::move(id);
             a.type = type;
             a.setpoint = setpoint;
             a.deadband = deadband;
             a.on_delay_s = on_delay_s;
             a.off_delay_s = off_delay_s;
             a.rate_per_min = rate_per_min;
             a.window_s = window_s;
             a.max_reference_age_s = max_reference_age_s;
             a.cls = cls;
             a.profile = profile;
             a.latch = latch;
             return a;
           }),
           py::arg("id") = "", py::arg("type") = alarm::rule_type::high, py::arg("setpoint") = 0.0,
           py::arg("deadband") = 0.0, py::arg("on_delay_s") = 0.0, py::arg("off_delay_s") = 0.0,
           py::arg("rate_per_min") = 0.0, py::arg("window_s") = 0.0,
           py::arg("max_reference_age_s") = 0.0, py::arg("cls") = alarm_class::fire,
           py::arg("profile") = alarm::profile::isa, py::arg("latch") = false,
           "An alarm rule; every field is also an attribute.")
      .def_readwrite("id", &alarm::alarm_rule::id, "Unique within its point, e.g. 'ALM'.")
      .def_readwrite("type", &alarm::alarm_rule::type, "RuleType: high, low, rate_of_rise, state.")
      .def_readwrite("setpoint", &alarm::alarm_rule::setpoint,
                     "high/low: the limit, in the point's unit.")
      .def_readwrite("deadband", &alarm::alarm_rule::deadband, "high/low: hysteresis, ≥ 0.")
      .def_readwrite("on_delay_s", &alarm::alarm_rule::on_delay_s,
                     "On delay in seconds (not applied to state alarms).")
      .def_readwrite("off_delay_s", &alarm::alarm_rule::off_delay_s,
                     "Off delay in seconds (not applied to state alarms).")
      .def_readwrite("rate_per_min", &alarm::alarm_rule::rate_per_min,
                     "rate_of_rise: unit per minute, > 0.")
      .def_readwrite("window_s", &alarm::alarm_rule::window_s, "rate_of_rise: window W, > 0.")
      .def_readwrite("max_reference_age_s", &alarm::alarm_rule::max_reference_age_s,
                     "rate_of_rise: fallback reference age, ≥ 0.")
      .def_readwrite("cls", &alarm::alarm_rule::cls,
                     "AlarmClass (schema `class`): fire, supervisory, pre_alarm or fault.")
      .def_readwrite("profile", &alarm::alarm_rule::profile, "Profile: isa or fire.")
      .def_readwrite("latch", &alarm::alarm_rule::latch,
                     "isa: latch until reset (fire always latches).")
      .def("__repr__", &repr_alarm_rule, "AlarmRule(id='ALM', type=RuleType.high, ...).");

  py::class_<alarm::verification_rule>(
      m, "VerificationRule",
      "Alarm verification of a point's fire alarms (EN 54-2 §7.11): signals within ignore_s of "
      "the first are ignored, then one within confirm_s confirms the alarm.")
      .def(py::init([](double ignore_s, double confirm_s) {
             return alarm::verification_rule{ignore_s, confirm_s};
           }),
           py::arg("ignore_s") = 0.0, py::arg("confirm_s") = 0.0, "A verification rule.")
      .def_readwrite("ignore_s", &alarm::verification_rule::ignore_s, "Seconds ignored, ≥ 0.")
      .def_readwrite("confirm_s", &alarm::verification_rule::confirm_s,
                     "Confirmation window in seconds, > 0.")
      .def(
          "__repr__",
          [](const alarm::verification_rule& v) {
            return "VerificationRule(ignore_s=" + number_text(v.ignore_s) +
                   ", confirm_s=" + number_text(v.confirm_s) + ")";
          },
          "VerificationRule(ignore_s=..., confirm_s=...).");

  py::class_<alarm::chatter_rule>(m, "ChatterRule",
                                  "Chatter detection: chatter_on when an alarm goes on `count` "
                                  "times within window_s (0 = off).")
      .def(py::init([](double window_s, int count) {
             return alarm::chatter_rule{window_s, count};
           }),
           py::arg("window_s") = 0.0, py::arg("count") = 0, "A chatter rule.")
      .def_readwrite("window_s", &alarm::chatter_rule::window_s, "Window in seconds; 0 = off.")
      .def_readwrite("count", &alarm::chatter_rule::count, "alarm_on count that is chatter.")
      .def(
          "__repr__",
          [](const alarm::chatter_rule& c) {
            return "ChatterRule(window_s=" + number_text(c.window_s) +
                   ", count=" + std::to_string(c.count) + ")";
          },
          "ChatterRule(window_s=..., count=...).");

  py::class_<alarm::flood_rule>(m, "FloodRule",
                                "Alarm flood: flood_on at ≥ `on` annunciated alarm_on within "
                                "window_s, flood_off at ≤ `off` (window 0 = off).")
      .def(py::init([](double window_s, int on, int off) {
             return alarm::flood_rule{window_s, on, off};
           }),
           py::arg("window_s") = 0.0, py::arg("on") = 0, py::arg("off") = 0, "A flood rule.")
      .def_readwrite("window_s", &alarm::flood_rule::window_s, "Window in seconds; 0 = off.")
      .def_readwrite("on", &alarm::flood_rule::on, "flood_on at this many alarms or more.")
      .def_readwrite("off", &alarm::flood_rule::off, "flood_off at this many alarms or fewer.")
      .def(
          "__repr__",
          [](const alarm::flood_rule& f) {
            return "FloodRule(window_s=" + number_text(f.window_s) +
                   ", on=" + std::to_string(f.on) + ", off=" + std::to_string(f.off) + ")";
          },
          "FloodRule(window_s=..., on=..., off=...).");

  py::class_<alarm::output_rule>(m, "OutputRule",
                                 "Which panel outputs the engine emits events for.")
      .def(py::init([](bool buzzer, bool linkage, bool commands) {
             return alarm::output_rule{buzzer, linkage, commands};
           }),
           py::arg("buzzer") = false, py::arg("linkage") = false, py::arg("commands") = false,
           "An output rule.")
      .def_readwrite("buzzer", &alarm::output_rule::buzzer, "Emit buzzer_on / buzzer_off.")
      .def_readwrite("linkage", &alarm::output_rule::linkage, "Emit linkage_on / linkage_off.")
      .def_readwrite("commands", &alarm::output_rule::commands,
                     "Emit `command` events (reset_device for verification).")
      .def(
          "__repr__",
          [](const alarm::output_rule& o) {
            const auto b = [](bool x) { return x ? "True" : "False"; };
            return std::string("OutputRule(buzzer=") + b(o.buzzer) + ", linkage=" + b(o.linkage) +
                   ", commands=" + b(o.commands) + ")";
          },
          "OutputRule(buzzer=..., linkage=..., commands=...).");

  py::class_<py_point_rule>(m, "PointRule",
                            "A point: one measured or reported quantity of one device. `alarms` "
                            "is a Python list of AlarmRule (mutable in place).")
      .def(py::init(
               [](std::string id, std::string unit, std::optional<std::pair<double, double>> range,
                  std::optional<std::pair<double, double>> raw_4_20mA, double stale_s,
                  std::string suppressed_by, std::optional<alarm::verification_rule> verification,
                  const py::iterable& alarms) {
                 py_point_rule p;
                 p.id = std::move(id);
                 p.unit = std::move(unit);
                 p.range = range;
                 p.raw_4_20mA = raw_4_20mA;
                 p.stale_s = stale_s;
                 p.suppressed_by = std::move(suppressed_by);
                 if (verification) p.verification = py::cast(*verification);
                 p.alarms = as_list<alarm::alarm_rule>(alarms, "alarms", "an AlarmRule");
                 return p;
               }),
           py::arg("id") = "", py::arg("unit") = "", py::arg("range") = py::none(),
           py::arg("raw_4_20mA") = py::none(), py::arg("stale_s") = 0.0,
           py::arg("suppressed_by") = "", py::arg("verification") = py::none(),
           py::arg("alarms") = py::list(), "A point rule; every field is also an attribute.")
      .def_readwrite("id", &py_point_rule::id, "Unique point id, e.g. 'RC1'.")
      .def_readwrite("unit", &py_point_rule::unit, "Engineering unit (informative).")
      .def_readwrite("range", &py_point_rule::range,
                     "Valid (lo, hi) in engineering units, or None.")
      .def_readwrite("raw_4_20mA", &py_point_rule::raw_4_20mA,
                     "4 mA → first, 20 mA → second, or None.")
      .def_readwrite("stale_s", &py_point_rule::stale_s, "comm_loss after this long; 0 = off.")
      .def_readwrite("suppressed_by", &py_point_rule::suppressed_by,
                     "A point whose non-zero value suppresses this one's alarms ('' = none).")
      .def_property(
          "verification",
          [](const py_point_rule& p) -> std::optional<alarm::verification_rule*> {
            if (p.verification.is_none()) return std::nullopt;
            return p.verification.cast<alarm::verification_rule*>();
          },
          [](py_point_rule& p, std::optional<alarm::verification_rule> v) {
            p.verification = v ? py::cast(*v) : py::none();
          },
          py::return_value_policy::reference_internal,
          "VerificationRule of the point's fire state alarms, or None.")
      .def_property(
          "alarms", [](const py_point_rule& p) { return p.alarms; },
          [](py_point_rule& p, const py::iterable& v) {
            p.alarms = as_list<alarm::alarm_rule>(v, "alarms", "an AlarmRule");
          },
          "The point's alarms, evaluated in this order: a list of AlarmRule.")
      .def(
          "__repr__",
          [](const py_point_rule& p) {
            std::string s = "PointRule(id=" + py_repr(py::str(p.id));
            if (!p.unit.empty()) s += ", unit=" + py_repr(py::str(p.unit));
            if (p.range) s += ", range=" + opt_pair(p.range);
            if (p.raw_4_20mA) s += ", raw_4_20mA=" + opt_pair(p.raw_4_20mA);
            if (p.stale_s != 0) s += ", stale_s=" + number_text(p.stale_s);
            if (!p.suppressed_by.empty())
              s += ", suppressed_by=" + py_repr(py::str(p.suppressed_by));
            if (!p.verification.is_none()) s += ", verification=" + py_repr(p.verification);
            s += ", alarms=[";
            for (std::size_t i = 0; i < p.alarms.size(); ++i) {
              if (i != 0) s += ", ";
              s += py::isinstance<alarm::alarm_rule>(p.alarms[i])
                       ? py_repr(py::str(p.alarms[i].cast<const alarm::alarm_rule&>().id))
                       : py_repr(p.alarms[i]);
            }
            return s + "])";
          },
          "PointRule(id='RC1', unit='mA', ..., alarms=['PRE', 'ALM']) (alarm ids only).");

  py::class_<py_zone_rule>(m, "ZoneRule",
                           "A zone: a group of points for linkage, dependency (type B) or "
                           "commands. `members` and `manual_call_points` are lists of point ids.")
      .def(py::init([](std::string id, const py::iterable& members, int linkage_min_devices,
                       double dependency_window_s, const py::iterable& manual_call_points) {
             py_zone_rule z;
             z.id = std::move(id);
             z.members = as_list<std::string>(members, "members", "a str");
             z.linkage_min_devices = linkage_min_devices;
             z.dependency_window_s = dependency_window_s;
             z.manual_call_points =
                 as_list<std::string>(manual_call_points, "manual_call_points", "a str");
             return z;
           }),
           py::arg("id") = "", py::arg("members") = py::list(), py::arg("linkage_min_devices") = 0,
           py::arg("dependency_window_s") = 0.0, py::arg("manual_call_points") = py::list(),
           "A zone rule; every field is also an attribute.")
      .def_readwrite("id", &py_zone_rule::id, "Unique zone id.")
      .def_property(
          "members", [](const py_zone_rule& z) { return z.members; },
          [](py_zone_rule& z, const py::iterable& v) {
            z.members = as_list<std::string>(v, "members", "a str");
          },
          "Point ids (list of str), each at most once.")
      .def_readwrite("linkage_min_devices", &py_zone_rule::linkage_min_devices,
                     "linkage_on when this many members are in alarm; 0 = off.")
      .def_readwrite("dependency_window_s", &py_zone_rule::dependency_window_s,
                     "Dependency (type B) window in seconds; 0 = off.")
      .def_property(
          "manual_call_points", [](const py_zone_rule& z) { return z.manual_call_points; },
          [](py_zone_rule& z, const py::iterable& v) {
            z.manual_call_points = as_list<std::string>(v, "manual_call_points", "a str");
          },
          "Members (list of str) that raise the zone at once.")
      .def(
          "__repr__",
          [](const py_zone_rule& z) {
            std::string s =
                "ZoneRule(id=" + py_repr(py::str(z.id)) + ", members=" + py_repr(z.members);
            if (z.linkage_min_devices != 0) {
              s += ", linkage_min_devices=" + std::to_string(z.linkage_min_devices);
            }
            if (z.dependency_window_s != 0) {
              s += ", dependency_window_s=" + number_text(z.dependency_window_s);
            }
            if (z.manual_call_points.size() != 0) {
              s += ", manual_call_points=" + py_repr(z.manual_call_points);
            }
            return s + ")";
          },
          "ZoneRule(id='Z1', members=['SD1', 'SD2'], ...).");

  py::class_<py_rules>(
      m, "Rules",
      "The whole alarm configuration (protocols/alarm-rules.schema.json, version 1). "
      "`points` and `zones` are Python lists (mutable in place). Build it in code, or with "
      "Rules.from_dict / Rules.from_json / load_rules; check it with validate().")
      .def(py::init([](double max_shelve_s, std::optional<alarm::chatter_rule> chatter,
                       std::optional<alarm::flood_rule> flood,
                       std::optional<alarm::output_rule> outputs, const py::iterable& points,
                       const py::iterable& zones, int version) {
             py_rules r;
             r.version = version;
             r.max_shelve_s = max_shelve_s;
             if (chatter) r.chatter = *chatter;
             if (flood) r.flood = *flood;
             if (outputs) r.outputs = *outputs;
             r.points = as_list<py_point_rule>(points, "points", "a PointRule");
             r.zones = as_list<py_zone_rule>(zones, "zones", "a ZoneRule");
             return r;
           }),
           py::arg("max_shelve_s") = 0.0, py::arg("chatter") = py::none(),
           py::arg("flood") = py::none(), py::arg("outputs") = py::none(),
           py::arg("points") = py::list(), py::arg("zones") = py::list(),
           py::arg("version") = alarm::rules_version, "A configuration (empty by default).")
      .def_readwrite("version", &py_rules::version, "The schema version (1).")
      .def_readwrite("max_shelve_s", &py_rules::max_shelve_s,
                     "Longest timed shelving in seconds; 0 refuses every timed shelve.")
      .def_readwrite("chatter", &py_rules::chatter, "ChatterRule.")
      .def_readwrite("flood", &py_rules::flood, "FloodRule.")
      .def_readwrite("outputs", &py_rules::outputs, "OutputRule.")
      .def_property(
          "points", [](const py_rules& r) { return r.points; },
          [](py_rules& r, const py::iterable& v) {
            r.points = as_list<py_point_rule>(v, "points", "a PointRule");
          },
          "The points: a list of PointRule.")
      .def_property(
          "zones", [](const py_rules& r) { return r.zones; },
          [](py_rules& r, const py::iterable& v) {
            r.zones = as_list<py_zone_rule>(v, "zones", "a ZoneRule");
          },
          "The zones: a list of ZoneRule.")
      .def_static(
          "from_json",
          [](const std::string& text, const std::string& name) {
            // (Not a string_view: one of a bytearray would change under parse_json without the
            // GIL.)
            return from_cpp(parse_json(text, name));
          },
          py::arg("text"), py::arg("name") = "rules",
          "Parses and validates rules JSON text with the C++ loader. Raises AlarmError "
          "'<name>: <JSON path>: <message>', e.g. 'rules: points[3].alarms[0].deadband: "
          "expected a number ≥ 0, found \"5\"'.")
      .def_static(
          "from_dict",
          [](const py::dict& d, const std::string& name) { return from_cpp(parse_dict(d, name)); },
          py::arg("d"), py::arg("name") = "rules",
          "Rules from a dict shaped like the JSON document (json.dumps then the C++ loader: "
          "unknown keys, wrong types and missing fields raise AlarmError with the JSON path).")
      .def(
          "to_json", [](const py_rules& r) { return alarm::to_json(to_cpp(r)); },
          "The canonical JSON text: every field in the schema's order, indented by two spaces.")
      .def(
          "to_dict",
          [](const py_rules& r) {
            return py::module_::import("json").attr("loads")(alarm::to_json(to_cpp(r)));
          },
          "The canonical JSON document as a dict (every field; absent options are None).")
      .def(
          "__eq__",
          [](const py_rules& a, const py_rules& b) {
            return alarm::to_json(to_cpp(a)) == alarm::to_json(to_cpp(b));
          },
          py::arg("other"), "Equal when the canonical JSON texts are equal.")
      .def(
          "__repr__",
          [](const py_rules& r) {
            std::size_t alarms = 0;
            for (const py::handle p : r.points) {
              if (py::isinstance<py_point_rule>(p))
                alarms += p.cast<const py_point_rule&>().alarms.size();
            }
            return "<Rules version=" + std::to_string(r.version) +
                   " points=" + std::to_string(r.points.size()) +
                   " alarms=" + std::to_string(alarms) +
                   " zones=" + std::to_string(r.zones.size()) + ">";
          },
          "<Rules version=1 points=N alarms=N zones=N>.");
  m.attr("Rules").attr("__hash__") = py::none();

  m.def(
      "load_rules", [](const std::string& path) { return from_cpp(load_file(path)); },
      py::arg("path"),
      "Reads and validates a rules file. Raises AlarmError '<path>: <JSON path>: <message>' for "
      "refused rules, firebus.SystemError '<path>: cannot load the rules: ...' for a file that "
      "cannot be read.");
  m.def(
      "validate",
      [](const py_rules& r, const std::string& name) { validate_or_raise(to_cpp(r), name); },
      py::arg("rules"), py::arg("name") = "rules",
      "Checks a configuration (firebus::alarm::validate); raises AlarmError (Errc.invalid_rules) "
      "'<name>: <JSON path>: <message>' at the first problem, in document order; returns None "
      "when valid. A list item of the wrong type raises TypeError.");

  // --- commands ---
  py::class_<alarm::command>(m, "Command",
                             "An operator command. Names a point (optionally one alarm), a zone "
                             "(optionally one alarm id), or nothing (ack, reset, silence: the "
                             "whole panel).")
      .def(py::init([](alarm::command_kind kind, std::string point, std::string alarm_id,
                       std::string zone, std::optional<double> duration_s, bool one_shot) {
             alarm::command c;
             c.kind = kind;
             c.point = std::move(point);
             c.alarm = std::move(alarm_id);
             c.zone = std::move(zone);
             c.duration_s = duration_s;
             c.one_shot = one_shot;
             return c;
           }),
           py::arg("kind"), py::arg("point") = "", py::arg("alarm") = "", py::arg("zone") = "",
           py::arg("duration_s") = py::none(), py::arg("one_shot") = false, "A command.")
      .def_readwrite("kind", &alarm::command::kind, "CommandKind.")
      .def_readwrite("point", &alarm::command::point, "Point id ('' = none).")
      .def_readwrite("alarm", &alarm::command::alarm, "Alarm id ('' = every alarm).")
      .def_readwrite("zone", &alarm::command::zone, "Zone id ('' = none).")
      .def_readwrite("duration_s", &alarm::command::duration_s,
                     "shelve: timed shelving in seconds, or None.")
      .def_readwrite("one_shot", &alarm::command::one_shot,
                     "shelve: until the alarm returns to normal.")
      .def(
          "__repr__",
          [](const alarm::command& c) {
            std::string s = "Command(" + alarm_enum_text("CommandKind", c.kind);
            if (!c.point.empty()) s += ", point=" + py_repr(py::str(c.point));
            if (!c.alarm.empty()) s += ", alarm=" + py_repr(py::str(c.alarm));
            if (!c.zone.empty()) s += ", zone=" + py_repr(py::str(c.zone));
            if (c.duration_s) s += ", duration_s=" + number_text(*c.duration_s);
            if (c.one_shot) s += ", one_shot=True";
            return s + ")";
          },
          "Command(CommandKind.ack, point='RC1', ...).");

  // --- events ---
  const auto opt_str = [](const std::string& s) -> std::optional<std::string> {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  };
  const auto opt_index = [](std::uint32_t i) -> std::optional<std::uint32_t> {
    return i == npos ? std::nullopt : std::optional<std::uint32_t>(i);
  };
  py::class_<py_alarm_event>(m, "AlarmEvent",
                             "One engine event with names (engine::to_event). str()/repr() and "
                             "to_dict() follow `firebus alarm replay --json`.")
      .def_readonly("t", &py_alarm_event::t, "The transition's time in seconds.")
      .def_readonly("kind", &py_alarm_event::kind, "EventKind.")
      .def_property_readonly(
          "event", [](const py_alarm_event& e) { return std::string(firebus::to_string(e.kind)); },
          "The kind's contract name, e.g. 'alarm_on'.")
      .def_property_readonly(
          "point", [opt_str](const py_alarm_event& e) { return opt_str(e.point); },
          "Point id, or None.")
      .def_property_readonly(
          "alarm", [opt_str](const py_alarm_event& e) { return opt_str(e.alarm); },
          "Alarm id within its point or zone, or None.")
      .def_property_readonly(
          "zone", [opt_str](const py_alarm_event& e) { return opt_str(e.zone); },
          "Zone id, or None.")
      .def_readonly("cls", &py_alarm_event::cls, "AlarmClass (AlarmClass.none if none applies).")
      .def_readonly("state", &py_alarm_event::state, "AlarmState after the event.")
      .def_readonly("reason", &py_alarm_event::reason, "EventReason (EventReason.none if none).")
      .def_readonly("value", &py_alarm_event::value, "The value that caused it, or None.")
      .def_readonly("delta_s", &py_alarm_event::delta_s, "clock_jump: the drift in s, or None.")
      .def_property_readonly(
          "source", [opt_str](const py_alarm_event& e) { return opt_str(e.source); },
          "The member point behind a zone event, or None.")
      .def_property_readonly(
          "command", [opt_str](const py_alarm_event& e) { return opt_str(e.command); },
          "command events: what to do ('reset_device'), or None.")
      .def_property_readonly(
          "point_index", [opt_index](const py_alarm_event& e) { return opt_index(e.point_index); },
          "Point index, or None.")
      .def_property_readonly(
          "alarm_index", [opt_index](const py_alarm_event& e) { return opt_index(e.alarm_index); },
          "Global alarm index, or None.")
      .def_property_readonly(
          "zone_index", [opt_index](const py_alarm_event& e) { return opt_index(e.zone_index); },
          "Zone index, or None.")
      .def("to_dict", &py_alarm_event::to_dict,
           "The replay tool's JSON object (json.loads of a `replay --json` line): the fields "
           "that apply to the kind, in the contract's order.")
      .def(
          "to_event", [](const py_alarm_event& e) { return e.named; },
          "The event as a firebus.core.Event (engine::to_event: names, monotonic t; source_id "
          "and seq unset).")
      .def(
          "to_json", [](const py_alarm_event& e) { return dumps(e.to_dict()); },
          "The replay tool's JSON line (without the line break).")
      .def(
          "__repr__",
          [](const py_alarm_event& e) { return "<AlarmEvent " + dumps(e.to_dict()) + ">"; },
          "<AlarmEvent {\"t\":18,\"event\":\"alarm_on\",...}>.")
      .def(
          "__eq__",
          [](const py_alarm_event& a, const py_alarm_event& b) {
            return a.to_dict().equal(b.to_dict()) && a.kind == b.kind && a.cls == b.cls &&
                   a.state == b.state && a.reason == b.reason;
          },
          py::arg("other"), "Equal when every field is.");
  m.attr("AlarmEvent").attr("__hash__") = py::none();

  py::class_<py_active_entry>(m, "ActiveEntry",
                              "One line of the active list: an annunciated alarm, a fault "
                              "(alarm None, cls fault, reason its cause) or a disabled alarm "
                              "(cls disablement).")
      .def_readonly("cls", &py_active_entry::cls, "AlarmClass.")
      .def_readonly("state", &py_active_entry::state, "AlarmState (alarms).")
      .def_readonly("reason", &py_active_entry::reason, "EventReason (faults: the cause).")
      .def_readonly("since", &py_active_entry::since, "When it became active, in seconds.")
      .def_property_readonly(
          "point", [opt_str](const py_active_entry& a) { return opt_str(a.point); },
          "Point id, or None (zone alarms).")
      .def_property_readonly(
          "alarm", [opt_str](const py_active_entry& a) { return opt_str(a.alarm); },
          "Alarm id, or None (faults).")
      .def_property_readonly(
          "zone", [opt_str](const py_active_entry& a) { return opt_str(a.zone); },
          "Zone id of a zone's own alarm, or None.")
      .def("to_dict", &py_active_entry::to_dict,
           "The replay tool's summary entry ({point|zone, alarm, class, state|reason, since}).")
      .def(
          "__repr__",
          [](const py_active_entry& a) { return "<ActiveEntry " + dumps(a.to_dict()) + ">"; },
          "<ActiveEntry {\"point\":\"RC1\",...}>.");

  // --- the engine ---
  using E = py_engine;
  py::class_<py_engine> engine(m, "Engine", engine_doc);
  engine
      .def(py::init([](py_rules& r) { return std::make_unique<E>(to_cpp(r)); }), py::arg("rules"),
           "An engine configured with `rules` (a Rules). Raises AlarmError for invalid rules.")
      .def(py::init([](const py::dict& d) { return std::make_unique<E>(parse_dict(d, "rules")); }),
           py::arg("rules"), "An engine configured with rules given as a dict (the JSON document).")
      .def_static(
          "from_file", [](const std::string& path) { return std::make_unique<E>(load_file(path)); },
          py::arg("path"), "An engine configured from a rules file (see load_rules).")
      .def_static(
          "from_json",
          [](const std::string& text) { return std::make_unique<E>(parse_json(text, "rules")); },
          py::arg("text"), "An engine configured from rules JSON text.")
      .def_property_readonly(
          "rules", [](E& e) { return from_cpp(e.rules); },
          "A copy of the engine's configuration (a new Rules each time).")
      .def_property_readonly(
          "point_count", [](E& e) { return e.use().point_count(); }, "Number of points.")
      .def_property_readonly(
          "zone_count", [](E& e) { return e.use().zone_count(); }, "Number of zones.")
      .def_property_readonly(
          "alarm_count", [](E& e) { return e.use().alarm_count(); },
          "Number of alarms: point alarms in configuration order, then one 'FIRE' per "
          "dependency zone.")
      .def(
          "point_ids",
          [](E& e) {
            std::vector<std::string> v;
            for (std::uint32_t p = 0; p < e.use().point_count(); ++p) {
              v.emplace_back(e.eng.point_name(p));
            }
            return v;
          },
          "Point ids by index.")
      .def(
          "zone_ids",
          [](E& e) {
            std::vector<std::string> v;
            for (std::uint32_t z = 0; z < e.use().zone_count(); ++z)
              v.emplace_back(e.eng.zone_name(z));
            return v;
          },
          "Zone ids by index.")
      .def(
          "find_point",
          [opt_index](E& e, std::string_view id) { return opt_index(e.use().find_point(id)); },
          py::arg("id"), "The index of a point, or None.")
      .def(
          "find_zone",
          [opt_index](E& e, std::string_view id) { return opt_index(e.use().find_zone(id)); },
          py::arg("id"), "The index of a zone, or None.")
      .def(
          "find_alarm",
          [opt_index](E& e, const point_ref& p, std::string_view id) {
            return opt_index(e.use().find_alarm(e.point(p, "find_alarm"), id));
          },
          py::arg("point"), py::arg("id"),
          "The global index of a point's alarm, or None. Raises AlarmError for an unknown point.")
      .def(
          "zone_alarm",
          [opt_index](E& e, const std::string& zone) {
            return opt_index(e.use().zone_alarm(e.zone(zone, "zone_alarm")));
          },
          py::arg("zone"), "The global index of a dependency zone's own alarm 'FIRE', or None.")
      .def(
          "point_name",
          [](E& e, std::uint32_t p) {
            return std::string(e.use().point_name(e.point(point_ref(p), "point_name")));
          },
          py::arg("index"), "The id of a point. Raises AlarmError for an unknown index.")
      .def(
          "zone_name",
          [](E& e, std::uint32_t z) {
            if (z >= e.use().zone_count()) {
              fail(alarm::errc::unknown_zone, "zone_name: zone " + std::to_string(z));
            }
            return std::string(e.eng.zone_name(z));
          },
          py::arg("index"), "The id of a zone. Raises AlarmError for an unknown index.")
      .def(
          "alarm_name",
          [](E& e, std::uint32_t a) {
            if (a >= e.use().alarm_count()) {
              fail(alarm::errc::unknown_alarm, "alarm_name: alarm " + std::to_string(a));
            }
            return std::string(e.eng.alarm_name(a));
          },
          py::arg("index"), "The id of an alarm (global index) within its point or zone.")
      .def(
          "alarm_point",
          [opt_index](E& e, std::uint32_t a) { return opt_index(e.use().alarm_point(a)); },
          py::arg("index"), "The point index of an alarm, or None (a zone's alarm).")
      .def(
          "alarm_zone",
          [opt_index](E& e, std::uint32_t a) { return opt_index(e.use().alarm_zone(a)); },
          py::arg("index"), "The zone index of a zone's alarm, or None.")
      .def(
          "alarm_class", [](E& e, std::uint32_t a) { return e.use().alarm_class_of(a); },
          py::arg("index"), "The AlarmClass of an alarm (AlarmClass.none for an unknown index).")
      .def_property_readonly(
          "now", [](E& e) { return firebus::to_seconds(e.use().now()); },
          "The engine's time in seconds: the latest input or advance.")
      .def_property_readonly(
          "next_due",
          [](E& e) -> std::optional<double> {
            const auto d = e.use().next_due();
            if (!d) return std::nullopt;
            return firebus::to_seconds(*d);
          },
          "When the next timer is due, in seconds, or None: call advance() then.")
      .def("sample", &E::sample, py::arg("point"), py::arg("t"), py::arg("value"),
           py::arg("ts") = py::none(),
           "A sample in the point's unit at receive time `t` (seconds), device time stamp `ts` "
           "(default t). `point` is an index or an id. Raises AlarmError (unknown point, time "
           "going back, invalid time).")
      .def("raw_sample", &E::raw_sample, py::arg("point"), py::arg("t"), py::arg("milliamps"),
           py::arg("ts") = py::none(),
           "A raw 4–20 mA loop reading, mapped by the point's raw_4_20mA (AlarmError "
           "Errc.no_raw_mapping without one).")
      .def("condition", &E::condition, py::arg("point"), py::arg("t"), py::arg("condition"),
           "A DeviceCondition the device reports (drives `state` alarms, without delay).")
      .def("status", &E::status, py::arg("point"), py::arg("t"), py::arg("status"),
           "The device's DeviceStatus.")
      .def("execute", &E::execute, py::arg("t"), py::arg("command"),
           "Executes an operator Command at `t`. Raises AlarmError (unknown point/alarm/zone, "
           "invalid argument, time going back).")
      .def("advance", &E::advance, py::arg("t"), "Lets every timer due at or before `t` fire.")
      .def("sample_batch", &E::sample_batch, py::arg("points"), py::arg("t"), py::arg("values"),
           py::arg("ts") = py::none(),
           "Feeds samples from numpy arrays: point indices (integers, converted to uint32), "
           "receive times in seconds and values (numbers, converted to float64), and optionally "
           "device time stamps; 1-D, equal lengths (ValueError otherwise; TypeError for "
           "booleans, strings, objects). The loop runs without the GIL. Stops at the first "
           "refused sample with AlarmError 'sample_batch: sample I: ...' whose `index` attribute "
           "is I (the samples before it stay applied). Returns the number of events produced.");
  struct cmd_doc {
    const char* name;
    alarm::command_kind kind;
    const char* doc;
  };
  const cmd_doc commands[] = {
      {"ack", alarm::command_kind::ack,
       "Acknowledges a point's alarm(s), a zone's, or (nothing named) every alarm."},
      {"reset", alarm::command_kind::reset,
       "Resets latched alarms (rejected with reason active/unacked where it cannot)."},
      {"silence", alarm::command_kind::silence, "Silences the buzzer (panel-wide)."},
      {"shelve", alarm::command_kind::shelve,
       "Shelves alarms for duration_s seconds (≤ rules.max_shelve_s) or one_shot (until the "
       "alarm returns to normal); fire alarms cannot be shelved."},
      {"unshelve", alarm::command_kind::unshelve, "Ends a shelving."},
      {"disable", alarm::command_kind::disable, "Disables alarms (屏蔽)."},
      {"enable", alarm::command_kind::enable, "Enables disabled alarms."},
      {"out_of_service", alarm::command_kind::out_of_service, "Takes a point out of service."},
      {"return_to_service", alarm::command_kind::return_to_service, "Returns a point to service."},
  };
  for (const cmd_doc& c : commands) {
    const alarm::command_kind kind = c.kind;
    engine.def(
        c.name,
        [kind](E& e, double t, const std::optional<point_ref>& point,
               const std::optional<std::string>& alarm_id, const std::optional<std::string>& zone,
               std::optional<double> duration_s,
               bool one_shot) { e.command(kind, t, point, alarm_id, zone, duration_s, one_shot); },
        py::arg("t"), py::kw_only(), py::arg("point") = py::none(), py::arg("alarm") = py::none(),
        py::arg("zone") = py::none(), py::arg("duration_s") = py::none(),
        py::arg("one_shot") = false,
        (std::string(c.doc) + " At `t`; names point= (index or id) with optional alarm=, or "
                              "zone= with optional alarm=. Raises AlarmError as execute().")
            .c_str());
  }
  engine
      .def(
          "events", [](E& e) { return e.events(false); },
          "The events emitted since the last take_events()/clear_events(), in order (a list of "
          "AlarmEvent; not cleared).")
      .def(
          "take_events", [](E& e) { return e.events(true); },
          "The events (as events()) and clears them.")
      .def(
          "clear_events", [](E& e) { e.use().clear_events(); }, "Drops the pending events.")
      .def_property_readonly(
          "event_count", [](E& e) { return e.use().events().size(); }, "Number of pending events.")
      .def("events_array", &E::events_array, py::arg("clear") = false,
           "The pending events as a numpy structured array with fields t (float64 s), kind, "
           "point, alarm, zone (uint32 indices, NPOS when absent), cls, state, reason (uint8 "
           "enum values) and value (float64, NaN when absent); clears them if `clear`.")
      .def(
          "active",
          [](E& e) {
            e.use();
            return active_of(e.eng);
          },
          "The active list (ActiveEntry) in priority order: class (fire first), oldest first, "
          "then configuration order.")
      .def(
          "panel", [](E& e) { return e.use().panel(); },
          "The panel's state: the highest AlarmClass in the active list (AlarmClass.none: "
          "normal).")
      .def(
          "summary",
          [](E& e) {
            e.use();
            return summary_of(e.eng);
          },
          "The replay tool's summary: {'panel': 'fire'|...|'normal', 'active': [entries]}.")
      .def(
          "buzzer", [](E& e) { return e.use().buzzer(); }, "Whether the buzzer is on.")
      .def(
          "flooding", [](E& e) { return e.use().flooding(); }, "Whether an alarm flood is on.")
      .def(
          "linkage",
          [](E& e, const std::string& zone) { return e.eng.linkage(e.zone(zone, "linkage")); },
          py::arg("zone"), "Whether a zone's linkage output is on.")
      .def(
          "fault", [](E& e, const point_ref& p) { return e.eng.fault(e.point(p, "fault")); },
          py::arg("point"), "A point's active fault (EventReason.none when none).")
      .def(
          "state",
          [](E& e, const point_ref& p, const std::string& a) {
            return e.eng.state(e.alarm_of(p, a, "state"));
          },
          py::arg("point"), py::arg("alarm"),
          "An alarm's annunciated AlarmState (normal while shelved, suppressed, out of "
          "service or disabled).")
      .def(
          "zone_state",
          [](E& e, const std::string& z) {
            const std::uint32_t a = e.eng.zone_alarm(e.zone(z, "zone_state"));
            if (a == npos) {
              fail(alarm::errc::unknown_alarm,
                   "zone_state: zone " + quoted(z) + " has no alarm (no dependency window)");
            }
            return e.eng.state(a);
          },
          py::arg("zone"), "The AlarmState of a dependency zone's own alarm 'FIRE'.");
  const struct {
    const char* name;
    bool (alarm::engine::*fn)(std::uint32_t) const noexcept;
    const char* doc;
  } flags[] = {
      {"is_condition_active", &alarm::engine::condition_active,
       "Whether an alarm's condition is active (after delays), annunciated or not."},
      {"is_shelved", &alarm::engine::shelved, "Whether an alarm is shelved."},
      {"is_suppressed", &alarm::engine::suppressed, "Whether an alarm is suppressed by design."},
      {"is_out_of_service", &alarm::engine::out_of_service,
       "Whether an alarm is out of service (the command is out_of_service())."},
      {"is_disabled", &alarm::engine::disabled, "Whether an alarm is disabled."},
  };
  for (const auto& f : flags) {
    const auto fn = f.fn;
    const std::string name = f.name;
    engine.def(
        f.name,
        [fn, name](E& e, const point_ref& p, const std::string& a) {
          return (e.eng.*fn)(e.alarm_of(p, a, name.c_str()));
        },
        py::arg("point"), py::arg("alarm"), f.doc);
  }
  engine
      .def("snapshot", &E::snapshot,
           "The whole state as bytes (versioned, tied to this configuration).")
      .def("restore", &E::restore, py::arg("data"), py::arg("t"),
           "Restores a snapshot of an engine with the same rules at time `t` (staleness restarts "
           "from t; emits nothing). Raises AlarmError Errc.snapshot_corrupt or "
           "Errc.snapshot_mismatch, leaving the engine unchanged.")
      .def(
          "memory_bytes", [](E& e) { return e.use().memory_bytes(); },
          "Bytes the engine holds for its configuration and state.")
      .def_property(
          "shortcut", [](E& e) { return e.use().shortcut_enabled(); },
          [](E& e, bool on) { e.use().set_shortcut(on); },
          "Whether samples that change no alarm take the one-cache-line shortcut (default "
          "True). Results are identical either way; False exists for differential tests.")
      .def(
          "__copy__",
          [](E& e) {
            e.use();
            return std::make_unique<E>(e);
          },
          "An independent engine with the same configuration and state.")
      .def(
          "__deepcopy__",
          [](E& e, const py::dict&) {
            e.use();
            return std::make_unique<E>(e);
          },
          py::arg("memo"), "As __copy__.")
      .def(
          "__repr__",
          [](E& e) {
            if (e.busy) {  // now and the events change in sample_batch() meanwhile
              return "<Engine points=" + std::to_string(e.eng.point_count()) +
                     " alarms=" + std::to_string(e.eng.alarm_count()) +
                     " zones=" + std::to_string(e.eng.zone_count()) + " in sample_batch>";
            }
            return "<Engine points=" + std::to_string(e.eng.point_count()) +
                   " alarms=" + std::to_string(e.eng.alarm_count()) +
                   " zones=" + std::to_string(e.eng.zone_count()) +
                   " now=" + number_text(firebus::to_seconds(e.eng.now())) +
                   " events=" + std::to_string(e.eng.events().size()) + ">";
          },
          "<Engine points=N alarms=N zones=N now=T events=N>.");

  m.def("replay", &replay, py::arg("rules"), py::arg("lines"),
        "Replays the replay tool's input objects (dicts, or JSON text lines; blank lines "
        "skipped) through a new engine, as `firebus alarm replay --json` does. Returns (events, "
        "summary): the events as dicts equal to the tool's JSON lines (same keys, same order) "
        "and the summary {'panel': ..., 'active': [...]}. A refused line raises AlarmError "
        "'input line N: ...' with attributes `line` and `events` (the events up to it).");
}

}  // namespace firebus_py
