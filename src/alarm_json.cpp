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
#include <nlohmann/json.hpp>
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

namespace firebus {
inline namespace v1 {
namespace alarm {
namespace {

using json = nlohmann::json;

// Containers nested deeper than this are refused (a rules document is 4 deep).
constexpr std::size_t max_depth = 64;
// A found value is shown up to this many bytes.
constexpr std::size_t max_shown = 64;

// ---------------------------------------------------------------------------------------------
// Pass 1: text to document
// ---------------------------------------------------------------------------------------------

// "line L, column C" (1-based, columns in bytes) of the byte at `offset`.
std::string line_column(std::string_view text, std::size_t offset) {
  if (offset > text.size()) offset = text.size();
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(offset - line_start + 1);
}

// Builds the document, like nlohmann's own DOM parser, and refuses duplicate keys (the JSON
// library would keep the last one silently) and nesting deeper than max_depth.
class document_builder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit document_builder(std::string_view text) : text_(text) {}

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(number_integer_t v) { return add(json(v)); }
  bool number_unsigned(number_unsigned_t v) { return add(json(v)); }
  bool number_float(number_float_t v, const string_t&) { return add(json(v)); }
  bool string(string_t& v) { return add(json(std::move(v))); }
  bool binary(binary_t&) { return false; }  // not produced by the JSON parser

  bool start_object(std::size_t) { return open(json::object()); }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(); }

  bool key(string_t& k) {
    frame& f = stack_.back();
    if (f.node->contains(k)) {
      error_path_ = path();
      error_ = "duplicate key " + json(k).dump(-1, ' ', false, json::error_handler_t::replace);
      return false;
    }
    f.key = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const json::exception& ex) {
    // ex.what(): "[json.exception.parse_error.101] parse error at line 1, column 9: syntax
    // error while parsing value - ..." or "[json.exception.out_of_range.406] number overflow
    // parsing '1e999'". Keep what follows the location, and give the location ourselves.
    std::string_view what = ex.what();
    const std::size_t bracket = what.find("] ");
    if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    if (what.compare(0, 12, "parse error ") == 0) {
      const std::size_t colon = what.find(": ");
      if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
    }
    // `position` counts the bytes read, up to the last byte of the offending token (the
    // location the JSON library itself reports).
    error_path_.clear();
    error_ = "invalid JSON at " + line_column(text_, position == 0 ? 0 : position - 1) + ": " +
             std::string(what);
    return false;
  }

  json& root() { return root_; }
  const std::string& error() const { return error_; }
  const std::string& error_path() const { return error_path_; }

 private:
  struct frame {
    json* node;
    std::string key;  // objects: the key of the value that comes next
  };

  // Where the next value goes; nullptr for the root.
  json* place(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    frame& f = stack_.back();
    if (f.node->is_array()) {
      f.node->push_back(std::move(v));
      return &f.node->back();
    }
    json& slot = (*f.node)[f.key];
    slot = std::move(v);
    return &slot;
  }
  bool add(json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(json&& container) {
    if (stack_.size() >= max_depth) {
      error_path_ = path();
      error_ = "nested deeper than " + std::to_string(max_depth) + " levels";
      return false;
    }
    json* node = place(std::move(container));
    stack_.push_back(frame{node, std::string()});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  // The JSON path of the innermost open container.
  std::string path() const {
    std::string p;
    for (std::size_t i = 0; i + 1 < stack_.size(); ++i) {
      const frame& f = stack_[i];
      if (f.node->is_array()) {
        p += "[" + std::to_string(f.node->size() - 1) + "]";
      } else {
        if (!p.empty()) p += '.';
        p += f.key;
      }
    }
    return p;
  }

  std::string_view text_;
  json root_;
  std::vector<frame> stack_;
  std::string error_;
  std::string error_path_;
};

// ---------------------------------------------------------------------------------------------
// Pass 2: document to rules
// ---------------------------------------------------------------------------------------------

// A value as JSON, cut at max_shown bytes (on a UTF-8 character boundary).
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() <= max_shown) return s;
  std::size_t n = max_shown;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  s.resize(n);
  return s + "...";
}

std::string json_quoted(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

class reader {
 public:
  explicit reader(rules_error& err) : err_(err) {}

  bool fail(const std::string& path, std::string message) {
    return detail::fail(err_, path, std::move(message));
  }
  bool expected(const std::string& path, std::string_view what, const json& found) {
    return fail(path, "expected " + std::string(what) + ", found " + shown(found));
  }

  // An object with only `allowed` keys and all of `required`.
  bool object(const json& v, const std::string& path,
              std::initializer_list<std::string_view> allowed,
              std::initializer_list<std::string_view> required) {
    if (!v.is_object()) return expected(path, "an object", v);
    for (const auto& item : v.items()) {
      bool known = false;
      for (std::string_view a : allowed) known = known || item.key() == a;
      if (!known) return fail(path, "unknown key " + json_quoted(item.key()));
    }
    for (std::string_view r : required) {
      if (v.find(std::string(r)) == v.end()) {
        return fail(path, "missing required key " + json_quoted(r));
      }
    }
    return true;
  }

  // The member `key` of object `v`, or nullptr if it is absent.
  static const json* member(const json& v, std::string_view key) {
    auto it = v.find(std::string(key));
    return it == v.end() ? nullptr : &*it;
  }

  bool number(const json& obj, const std::string& path, std::string_view key, double& out,
              std::string_view what = "a number") {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    if (!v->is_number()) return expected(join(path, key), what, *v);
    out = v->get<double>();
    return true;
  }
  bool seconds(const json& obj, const std::string& path, std::string_view key, double& out,
               bool positive = false) {
    return number(obj, path, key, out,
                  positive ? "a number of seconds > 0" : "a number of seconds ≥ 0");
  }

  // A non-negative integer that fits an int (JSON Schema integers: 3.0 counts as 3).
  bool count(const json& obj, const std::string& path, std::string_view key, int& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    const std::string at = join(path, key);
    constexpr auto max = std::numeric_limits<int>::max();
    if (v->is_number_unsigned()) {
      const auto u = v->get<json::number_unsigned_t>();
      if (u > static_cast<json::number_unsigned_t>(max)) {
        return expected(at, "an integer ≤ " + std::to_string(max), *v);
      }
      out = static_cast<int>(u);
      return true;
    }
    if (v->is_number_integer()) {  // negative (non-negative ones are unsigned)
      return expected(at, "an integer ≥ 0", *v);
    }
    if (v->is_number_float()) {
      const double d = v->get<double>();
      if (d != std::floor(d)) return expected(at, "an integer ≥ 0", *v);
      if (d < 0) return expected(at, "an integer ≥ 0", *v);
      if (d > static_cast<double>(max)) {
        return expected(at, "an integer ≤ " + std::to_string(max), *v);
      }
      out = static_cast<int>(d);
      return true;
    }
    return expected(at, "an integer ≥ 0", *v);
  }

  bool boolean(const json& obj, const std::string& path, std::string_view key, bool& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    if (!v->is_boolean()) return expected(join(path, key), "true or false", *v);
    out = v->get<bool>();
    return true;
  }

  bool string(const json& obj, const std::string& path, std::string_view key, std::string& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    if (!v->is_string()) return expected(join(path, key), "a string", *v);
    out = v->get<std::string>();
    return true;
  }

  // One of `names` (the enumeration's table).
  template <class E, std::size_t N>
  bool name(const json& obj, const std::string& path, std::string_view key,
            const firebus::detail::named<E> (&names)[N], std::initializer_list<E> allowed, E& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    std::string list;
    for (E e : allowed) {
      if (!list.empty()) list += ", ";
      list += json_quoted(firebus::detail::name_of(names, e));
    }
    if (v->is_string()) {
      const std::string& s = v->get_ref<const std::string&>();
      for (E e : allowed) {
        if (firebus::detail::name_of(names, e) == s) {
          out = e;
          return true;
        }
      }
    }
    return expected(join(path, key), "one of " + list, *v);
  }

  // [a, b], two numbers.
  bool pair(const json& obj, const std::string& path, std::string_view key, std::string_view what,
            std::optional<std::pair<double, double>>& out) {
    const json* v = member(obj, key);
    if (v == nullptr || v->is_null()) return true;  // null: absent
    if (!v->is_array() || v->size() != 2 || !(*v)[0].is_number() || !(*v)[1].is_number()) {
      return expected(join(path, key), what, *v);
    }
    out = std::make_pair((*v)[0].get<double>(), (*v)[1].get<double>());
    return true;
  }

  // An array of point ids.
  bool ids(const json& obj, const std::string& path, std::string_view key,
           std::vector<std::string>& out) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    const std::string at = join(path, key);
    if (!v->is_array()) return expected(at, "an array of point ids", *v);
    out.reserve(v->size());
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& x = (*v)[i];
      if (!x.is_string()) return expected(index(at, i), "a point id (a string)", x);
      out.push_back(x.get<std::string>());
    }
    return true;
  }

  // An array of objects, each read by `each(element, path, index)`.
  template <class F>
  bool array(const json& obj, const std::string& path, std::string_view key, F each) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    const std::string at = join(path, key);
    if (!v->is_array()) return expected(at, "an array", *v);
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!each((*v)[i], index(at, i))) return false;
    }
    return true;
  }

  bool read_alarm(const json& v, const std::string& at, alarm_rule& a) {
    if (!object(v, at,
                {"id", "type", "setpoint", "deadband", "on_delay_s", "off_delay_s", "rate_per_min",
                 "rate_per_minute", "window_s", "max_reference_age_s", "class", "profile", "latch"},
                {"id", "type"})) {
      return false;
    }
    // The semantics' prose says "rate_per_minute", its schema "rate_per_min": both are read.
    const bool long_name = v.contains("rate_per_minute");
    if (long_name && v.contains("rate_per_min")) {
      return fail(join(at, "rate_per_minute"), "give rate_per_min or rate_per_minute, not both");
    }
    return string(v, at, "id", a.id) &&
           name(v, at, "type", detail::rule_type_names,
                {rule_type::high, rule_type::low, rule_type::rate_of_rise, rule_type::state},
                a.type) &&
           number(v, at, "setpoint", a.setpoint) &&
           number(v, at, "deadband", a.deadband, "a number ≥ 0") &&
           seconds(v, at, "on_delay_s", a.on_delay_s) &&
           seconds(v, at, "off_delay_s", a.off_delay_s) &&
           number(v, at, long_name ? "rate_per_minute" : "rate_per_min", a.rate_per_min,
                  "a number > 0") &&
           seconds(v, at, "window_s", a.window_s, true) &&
           seconds(v, at, "max_reference_age_s", a.max_reference_age_s) &&
           name(v, at, "class", firebus::detail::alarm_class_names,
                {alarm_class::fire, alarm_class::supervisory, alarm_class::pre_alarm,
                 alarm_class::fault},
                a.cls) &&
           name(v, at, "profile", detail::profile_names, {profile::isa, profile::fire},
                a.profile) &&
           boolean(v, at, "latch", a.latch);
  }

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

 private:
  rules_error& err_;
};

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

// The shortest text that reads back to the same double; integers without ".0".
std::string number_text(double v) {
  if (!std::isfinite(v)) return "null";  // not reachable for validated rules
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
  {
    document_builder builder(text);
    bool ok = false;
    try {
      ok = json::sax_parse(text.data(), text.data() + text.size(), &builder);
    } catch (const json::exception& e) {  // not expected from the SAX interface
      detail::fail(err, "", std::string("invalid JSON: ") + e.what());
      return false;
    }
    if (!ok) {
      detail::fail(err, builder.error_path(), builder.error());
      return false;
    }
    doc = std::move(builder.root());
  }
  rules r;
  reader rd(err);
  if (!rd.read(doc, r)) return false;
  if (!validate(r, err)) return false;
  out = std::move(r);
  ec.clear();
  return true;
}

bool load_rules(const std::string& path, rules& out, std::error_code& ec, rules_error& err) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    ec = std::error_code(errno != 0 ? errno : ENOENT, std::generic_category());
    detail::fail(err, "", "cannot open the file: " + ec.message());
    return false;
  }
  std::string text;
  char buf[64 * 1024];
  bool too_large = false;
  for (;;) {
    const std::size_t got = std::fread(buf, 1, sizeof buf, f);
    if (got == 0) break;
    if (text.size() + got > max_rules_size) {
      too_large = true;
      break;
    }
    text.append(buf, got);
  }
  const bool read_error = std::ferror(f) != 0;
  const int read_errno = errno;
  std::fclose(f);
  if (too_large) {
    ec = std::make_error_code(std::errc::file_too_large);
    detail::fail(err, "", "the file is larger than 64 MiB");
    return false;
  }
  if (read_error) {
    ec = std::error_code(read_errno != 0 ? read_errno : EIO, std::generic_category());
    detail::fail(err, "", "cannot read the file: " + ec.message());
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
