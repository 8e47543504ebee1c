// firebus — fire-safety IoT SDK.
//
// Alarm rules as JSON (<firebus/alarm_json.hpp>). Two passes: the JSON text to a document
// (nlohmann::json, through a SAX handler that also refuses duplicate keys and deep nesting),
// then the document to firebus::alarm::rules with a check of every key and type, naming the
// first problem by its JSON path. firebus::alarm::validate does the rest.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <firebus/alarm/error.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/alarm_json.hpp>
#include <firebus/core/event.hpp>

#include "json_reader.hpp"

namespace firebus {
inline namespace v1 {
namespace alarm {
namespace {

using json = nlohmann::json;
using firebus::detail::json_io::index;
using firebus::detail::json_io::join;
using firebus::detail::json_io::json_quoted;

class reader : public firebus::detail::json_io::reader<rules_error> {
 public:
  using firebus::detail::json_io::reader<rules_error>::reader;

  bool read_point(const json& v, const std::string& at, point_rule& p) {
    if (!object(v, at,
                {"id", "unit", "range", "raw_4_20mA", "stale_s", "suppressed_by", "verification",
                 "alarms"},
                {"id"}) ||
        !string(v, at, "id", p.id) || !string(v, at, "unit", p.unit) ||
        !pair(v, at, "range", "an array of two numbers [lo, hi]", p.range) ||
        !pair(v, at, "raw_4_20mA", "an array of two numbers [value at 4 mA, value at 20 mA]",
              p.raw_4_20mA) ||
        !seconds(v, at, "stale_s", p.stale_s)) {
      return false;
    }
    if (const json* s = member(v, "suppressed_by"); s != nullptr && !s->is_null()) {
      if (!s->is_string() || s->get_ref<const std::string&>().empty()) {
        return expected(join(at, "suppressed_by"), "a point id (a non-empty string)", *s);
      }
      p.suppressed_by = s->get<std::string>();
    }
    if (const json* ver = member(v, "verification"); ver != nullptr && !ver->is_null()) {
      const std::string vat = join(at, "verification");
      verification_rule vr;
      if (!object(*ver, vat, {"ignore_s", "confirm_s"}, {"confirm_s"}) ||
          !seconds(*ver, vat, "ignore_s", vr.ignore_s) ||
          !seconds(*ver, vat, "confirm_s", vr.confirm_s, true)) {
        return false;
      }
      p.verification = vr;
    }
    return array(v, at, "alarms", [&](const json& a, const std::string& aat) {
      p.alarms.emplace_back();
      return read_alarm(a, aat, p.alarms.back());
    });
  }

  bool read_zone(const json& v, const std::string& at, zone_rule& z) {
    return object(v, at,
                  {"id", "members", "linkage_min_devices", "dependency_window_s",
                   "manual_call_points"},
                  {"id", "members"}) &&
           string(v, at, "id", z.id) && ids(v, at, "members", z.members) &&
           count(v, at, "linkage_min_devices", z.linkage_min_devices) &&
           seconds(v, at, "dependency_window_s", z.dependency_window_s) &&
           ids(v, at, "manual_call_points", z.manual_call_points);
  }

  bool read(const json& doc, rules& r) {
    const std::string top;
    if (!object(doc, top,
                {"$schema", "version", "max_shelve_s", "chatter", "flood", "outputs", "points",
                 "zones"},
                {"version"})) {
      return false;
    }
    if (const json* s = member(doc, "$schema"); s != nullptr && !s->is_string()) {
      return expected("$schema", "a string", *s);
    }
    // An integer (JSON Schema counts 1.0 as one); validate() then wants exactly rules_version.
    const json& ver = *member(doc, "version");
    const double d = ver.is_number() ? ver.get<double>() : 0.5;
    if (d != std::floor(d) || d < std::numeric_limits<int>::min() ||
        d > std::numeric_limits<int>::max()) {
      return expected("version", std::to_string(rules_version), ver);
    }
    r.version = static_cast<int>(d);
    if (!seconds(doc, top, "max_shelve_s", r.max_shelve_s)) return false;
    if (const json* c = member(doc, "chatter")) {
      if (!object(*c, "chatter", {"window_s", "count"}, {}) ||
          !seconds(*c, "chatter", "window_s", r.chatter.window_s) ||
          !count(*c, "chatter", "count", r.chatter.count)) {
        return false;
      }
    }
    if (const json* f = member(doc, "flood")) {
      if (!object(*f, "flood", {"window_s", "on", "off"}, {}) ||
          !seconds(*f, "flood", "window_s", r.flood.window_s) ||
          !count(*f, "flood", "on", r.flood.on) || !count(*f, "flood", "off", r.flood.off)) {
        return false;
      }
    }
    if (const json* o = member(doc, "outputs")) {
      if (!object(*o, "outputs", {"buzzer", "linkage", "commands"}, {}) ||
          !boolean(*o, "outputs", "buzzer", r.outputs.buzzer) ||
          !boolean(*o, "outputs", "linkage", r.outputs.linkage) ||
          !boolean(*o, "outputs", "commands", r.outputs.commands)) {
        return false;
      }
    }
    return array(doc, top, "points",
                 [&](const json& p, const std::string& at) {
                   r.points.emplace_back();
                   return read_point(p, at, r.points.back());
                 }) &&
           array(doc, top, "zones", [&](const json& z, const std::string& at) {
             r.zones.emplace_back();
             return read_zone(z, at, r.zones.back());
           });
  }
};

// validate() names an alarm's rate by the schema's key, rate_per_min; where the file spells it
// as the semantics' prose does, the path names the file's own key, rate_per_minute.
void use_file_spelling(const json& doc, rules_error& err) {
  constexpr std::string_view key = ".rate_per_min";
  if (err.path.size() < key.size() ||
      err.path.compare(err.path.size() - key.size(), key.size(), key) != 0) {
    return;
  }
  const std::string alarm_path = err.path.substr(0, err.path.size() - key.size());
  const auto points = doc.find("points");
  if (points == doc.end()) return;
  for (std::size_t i = 0; i < points->size(); ++i) {
    const json& p = (*points)[i];
    const auto alarms = p.find("alarms");
    if (alarms == p.end()) continue;
    const std::string at = index("points", i) + ".alarms";
    for (std::size_t j = 0; j < alarms->size(); ++j) {
      if (index(at, j) == alarm_path) {
        if ((*alarms)[j].contains("rate_per_minute")) {
          err.path = join(alarm_path, "rate_per_minute");
        }
        return;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

// The shortest text that reads back to the same double; integers without ".0" (but -0.0).
std::string number_text(double v) {
  if (!std::isfinite(v)) return "null";  // not reachable for validated rules
  // to_chars writes -0 as "-0", which JSON readers take for the integer 0: the sign would be
  // lost, and with it the engine's fingerprint of the rules (a snapshot would not restore).
  if (v == 0 && std::signbit(v)) return "-0.0";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

class writer {
 public:
  std::string take() {
    out_ += '\n';
    return std::move(out_);
  }

  void open(char c) {
    out_ += c;
    first_.push_back(true);
  }
  void close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) newline();
    out_ += c;
  }
  void key(std::string_view k) {
    next();
    out_ += json_quoted(k);
    out_ += ": ";
  }
  void next() {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    newline();
  }
  void raw(std::string_view s) { out_ += s; }

  void number(std::string_view k, double v) {
    key(k);
    raw(number_text(v));
  }
  void integer(std::string_view k, int v) {
    key(k);
    raw(std::to_string(v));
  }
  void boolean(std::string_view k, bool v) {
    key(k);
    raw(v ? "true" : "false");
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    raw(json_quoted(v));
  }
  void null(std::string_view k) {
    key(k);
    raw("null");
  }
  // A short array on one line, or null.
  void pair(std::string_view k, const std::optional<std::pair<double, double>>& v) {
    key(k);
    raw(v ? "[" + number_text(v->first) + ", " + number_text(v->second) + "]" : "null");
  }
  void strings(std::string_view k, const std::vector<std::string>& v) {
    key(k);
    raw("[");
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i != 0) raw(", ");
      raw(json_quoted(v[i]));
    }
    raw("]");
  }

 private:
  void newline() {
    out_ += '\n';
    out_.append(2 * first_.size(), ' ');
  }

  std::string out_;
  std::vector<bool> first_;
};

}  // namespace

bool parse_rules(std::string_view text, rules& out, std::error_code& ec, rules_error& err) {
  ec = make_error_code(errc::invalid_rules);
  if (text.size() > max_rules_size) {
    detail::fail(err, "", "larger than 64 MiB (" + std::to_string(text.size()) + " bytes)");
    return false;
  }
  json doc;
  if (!firebus::detail::json_io::parse_document(text, doc, err.path, err.message)) return false;
  rules r;
  reader rd(err);
  if (!rd.read(doc, r)) return false;
  if (!validate(r, err)) {
    use_file_spelling(doc, err);
    return false;
  }
  out = std::move(r);
  ec.clear();
  return true;
}

bool load_rules(const std::string& path, rules& out, std::error_code& ec, rules_error& err) {
  std::string text;
  if (!firebus::detail::json_io::read_text_file(path, max_rules_size, text, ec, err.message)) {
    err.path.clear();
    return false;
  }
  return parse_rules(text, out, ec, err);
}

std::string to_json(const rules& r) {
  writer w;
  w.open('{');
  w.integer("version", r.version);
  w.number("max_shelve_s", r.max_shelve_s);
  w.key("chatter");
  w.open('{');
  w.number("window_s", r.chatter.window_s);
  w.integer("count", r.chatter.count);
  w.close('}');
  w.key("flood");
  w.open('{');
  w.number("window_s", r.flood.window_s);
  w.integer("on", r.flood.on);
  w.integer("off", r.flood.off);
  w.close('}');
  w.key("outputs");
  w.open('{');
  w.boolean("buzzer", r.outputs.buzzer);
  w.boolean("linkage", r.outputs.linkage);
  w.boolean("commands", r.outputs.commands);
  w.close('}');
  w.key("points");
  w.open('[');
  for (const point_rule& p : r.points) {
    w.next();
    w.open('{');
    w.string("id", p.id);
    w.string("unit", p.unit);
    w.pair("range", p.range);
    w.pair("raw_4_20mA", p.raw_4_20mA);
    w.number("stale_s", p.stale_s);
    if (p.suppressed_by.empty()) {
      w.null("suppressed_by");
    } else {
      w.string("suppressed_by", p.suppressed_by);
    }
    if (p.verification) {
      w.key("verification");
      w.open('{');
      w.number("ignore_s", p.verification->ignore_s);
      w.number("confirm_s", p.verification->confirm_s);
      w.close('}');
    } else {
      w.null("verification");
    }
    w.key("alarms");
    w.open('[');
    for (const alarm_rule& a : p.alarms) {
      w.next();
      w.open('{');
      w.string("id", a.id);
      w.string("type", to_string(a.type));
      w.number("setpoint", a.setpoint);
      w.number("deadband", a.deadband);
      w.number("on_delay_s", a.on_delay_s);
      w.number("off_delay_s", a.off_delay_s);
      w.number("rate_per_min", a.rate_per_min);
      w.number("window_s", a.window_s);
      w.number("max_reference_age_s", a.max_reference_age_s);
      w.string("class", firebus::to_string(a.cls));
      w.string("profile", to_string(a.profile));
      w.boolean("latch", a.latch);
      w.close('}');
    }
    w.close(']');
    w.close('}');
  }
  w.close(']');
  w.key("zones");
  w.open('[');
  for (const zone_rule& z : r.zones) {
    w.next();
    w.open('{');
    w.string("id", z.id);
    w.strings("members", z.members);
    w.integer("linkage_min_devices", z.linkage_min_devices);
    w.number("dependency_window_s", z.dependency_window_s);
    w.strings("manual_call_points", z.manual_call_points);
    w.close('}');
  }
  w.close(']');
  w.close('}');
  return w.take();
}

}  // namespace alarm
}  // namespace v1
}  // namespace firebus
