// firebus — fire-safety IoT SDK.
//
// `firebus alarm replay`: feeds recorded inputs (JSON lines) to the alarm engine and prints the
// events it emits, as readable text or one JSON object per line, then a summary of the panel.
//
// The contract (input lines, output objects and their key order) is the last section of the
// alarm semantics ("The replay tool") and protocols/alarm-rules.md. Input is read line by line
// and each line's events are printed before the next is read, so memory stays bounded whatever
// the length of the recording. The JSON output is written by hand: the key order is part of the
// contract and numbers print in their shortest exact form (18, 0.5, 305).
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include <firebus/alarm/engine.hpp>
#include <firebus/alarm/error.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/alarm/types.hpp>
#include <firebus/alarm_json.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/time.hpp>

#include "cli.hpp"

namespace firebus_cli {
namespace {

namespace alarm = firebus::alarm;
using alarm::event_group;
using alarm::group_of;
using json = nlohmann::json;

// The longest input line accepted (a line is one small object).
constexpr std::size_t max_line = 1024 * 1024;
// The deepest nesting accepted in an input line (the contract's lines are flat).
constexpr int max_line_depth = 8;

// ---------------------------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------------------------

// The shortest text that reads back to the same double: 18, 0.5, 305, 1e-06. Non-finite values
// as the input format writes them: NaN, Infinity, -Infinity.
std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// A number as a JSON value (non-finite ones as strings, as in the input format).
std::string json_number(double v) {
  return std::isfinite(v) ? number_text(v) : "\"" + number_text(v) + "\"";
}

// A JSON string literal.
std::string json_string(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string q = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        q += "\\\"";
        break;
      case '\\':
        q += "\\\\";
        break;
      case '\n':
        q += "\\n";
        break;
      case '\r':
        q += "\\r";
        break;
      case '\t':
        q += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          q += "\\u00";
          q += hex[u >> 4];
          q += hex[u & 0x0f];
        } else {
          q += c;
        }
    }
  }
  return q + '"';
}

// A JSON value as found in the input, for messages (cut at 64 bytes on a character boundary).
std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr std::size_t max_shown = 64;
  if (s.size() <= max_shown) return s;
  std::size_t n = max_shown;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  s.resize(n);
  return s + "...";
}

void write_out(std::string_view s) {
  if (!s.empty()) std::fwrite(s.data(), 1, s.size(), stdout);
}

// "a", "b" or "c": an enumeration's names, then `more`.
template <class E, std::size_t N>
std::string name_list(const firebus::detail::named<E> (&names)[N],
                      std::initializer_list<std::string_view> more = {}) {
  std::vector<std::string_view> all;
  for (const auto& n : names) all.push_back(n.name);
  all.insert(all.end(), more.begin(), more.end());
  std::string s;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i != 0) s += i + 1 == all.size() ? " or " : ", ";
    s += json_string(all[i]);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Events and the summary
// ---------------------------------------------------------------------------------------------

// The fields of one event that apply to its kind, with names (the decisions file's table).
struct event_fields {
  double t = 0;
  std::string_view event;
  std::string_view point;  // empty when it does not apply
  std::string_view zone;
  std::string_view alarm;
  std::string_view cls;
  std::string_view state;
  std::string_view reason;
  std::optional<double> value;
  std::optional<double> delta_s;
  std::string_view source;
  std::string_view command;
};

event_fields fields_of(const alarm::engine& eng, const alarm::alarm_event& e) {
  event_fields f;
  f.t = firebus::to_seconds(e.t);
  f.event = firebus::to_string(e.kind);
  const event_group g = group_of(e.kind);
  const std::string_view point = e.point != alarm::npos ? eng.point_name(e.point) : "";
  const std::string_view zone = e.zone != alarm::npos ? eng.zone_name(e.zone) : "";
  const std::string_view alarm_id = e.alarm != alarm::npos ? eng.alarm_name(e.alarm) : "";
  const std::string_view source = e.source != alarm::npos ? eng.point_name(e.source) : "";
  const std::string_view reason =
      e.reason != firebus::event_reason::none ? firebus::to_string(e.reason) : std::string_view();
  const std::string_view cls =
      e.cls != firebus::alarm_class::none ? firebus::to_string(e.cls) : std::string_view();
  switch (g) {
    case event_group::lifecycle:
      f.point = point;
      if (point.empty()) f.zone = zone;
      f.alarm = alarm_id;
      f.cls = cls;
      f.state = firebus::to_string(e.state);
      f.reason = reason;
      if (e.has_value) f.value = e.value;
      f.source = source;
      break;
    case event_group::fault:
      f.point = point;
      f.cls = firebus::to_string(firebus::alarm_class::fault);
      f.reason = reason;
      if (e.has_value) f.value = e.value;
      break;
    case event_group::drop:
      f.point = point;
      f.reason = reason;
      if (e.has_value) f.value = e.value;
      break;
    case event_group::clock_jump:
      f.point = point;
      f.delta_s = e.delta_s;
      break;
    case event_group::chatter:
      f.point = point;
      if (point.empty()) f.zone = zone;
      f.alarm = alarm_id;
      f.cls = cls;
      break;
    case event_group::panel:
      break;
    case event_group::zone:
      f.zone = zone;
      f.source = source;
      break;
    case event_group::verify:
      f.point = point;
      f.alarm = alarm_id;
      f.cls = cls;
      break;
    case event_group::command:
      f.point = point;
      f.alarm = alarm_id;
      f.command = "reset_device";
      break;
  }
  return f;
}

// {"t":18,"event":"alarm_on","point":"RC1","alarm":"ALM","class":"fire","state":"unack",...}
void append_json(std::string& out, const event_fields& f) {
  out += "{\"t\":" + json_number(f.t) + ",\"event\":" + json_string(f.event);
  const auto str = [&out](const char* key, std::string_view v) {
    if (v.empty()) return;
    out += ",\"";
    out += key;
    out += "\":" + json_string(v);
  };
  const auto num = [&out](const char* key, const std::optional<double>& v) {
    if (!v) return;
    out += ",\"";
    out += key;
    out += "\":" + json_number(*v);
  };
  str("point", f.point);
  str("zone", f.zone);
  str("alarm", f.alarm);
  str("class", f.cls);
  str("state", f.state);
  str("reason", f.reason);
  num("value", f.value);
  num("delta_s", f.delta_s);
  str("source", f.source);
  str("command", f.command);
  out += "}\n";
}

// 18 alarm_on RC1/ALM fire unack value=305
void append_text(std::string& out, const event_fields& f) {
  out += number_text(f.t);
  out += ' ';
  out += f.event;
  const std::string_view where = !f.point.empty() ? f.point : f.zone;
  if (!where.empty() || !f.alarm.empty()) {
    out += ' ';
    out += where;
    if (!f.alarm.empty()) {
      out += '/';
      out += f.alarm;
    }
  }
  for (const std::string_view s : {f.cls, f.state}) {
    if (s.empty()) continue;
    out += ' ';
    out += s;
  }
  const auto kv = [&out](const char* key, std::string_view v) {
    if (v.empty()) return;
    out += ' ';
    out += key;
    out += '=';
    out += v;
  };
  kv("reason", f.reason);
  if (f.value) kv("value", number_text(*f.value));
  if (f.delta_s) kv("delta_s", number_text(*f.delta_s));
  kv("source", f.source);
  kv("command", f.command);
  out += '\n';
}

void print_events(alarm::engine& eng, bool as_json) {
  const auto& events = eng.events();
  if (events.empty()) return;
  std::string out;
  for (const alarm::alarm_event& e : events) {
    const event_fields f = fields_of(eng, e);
    if (as_json) {
      append_json(out, f);
    } else {
      append_text(out, f);
    }
  }
  eng.clear_events();
  write_out(out);
}

// {"summary":{"panel":"fire","active":[{"point":"RC1","alarm":"ALM",...},...]}}
void print_summary(const alarm::engine& eng, bool as_json) {
  const firebus::alarm_class panel = eng.panel();
  const std::string_view panel_name =
      panel == firebus::alarm_class::none ? "normal" : firebus::to_string(panel);
  const std::vector<alarm::active_entry> active = eng.active();
  std::string out;
  if (as_json) {
    out += "{\"summary\":{\"panel\":" + json_string(panel_name) + ",\"active\":[";
  } else {
    out += "panel: ";
    out += panel_name;
    out += active.empty() ? "\nactive: none\n" : "\nactive:\n";
  }
  bool first = true;
  for (const alarm::active_entry& a : active) {
    const bool is_fault = a.alarm == alarm::npos;
    const bool is_disabled = a.cls == firebus::alarm_class::disablement;
    const std::string_view point = a.point != alarm::npos ? eng.point_name(a.point) : "";
    const std::string_view zone =
        point.empty() && a.zone != alarm::npos ? eng.zone_name(a.zone) : "";
    const std::string_view alarm_id = is_fault ? "" : eng.alarm_name(a.alarm);
    const std::string_view cls = firebus::to_string(a.cls);
    const std::string_view state = is_fault || is_disabled ? "" : firebus::to_string(a.state);
    const std::string_view reason = is_fault ? firebus::to_string(a.reason) : "";
    const double since = firebus::to_seconds(a.since);
    if (as_json) {
      if (!first) out += ',';
      out += '{';
      out += point.empty() ? "\"zone\":" + json_string(zone) : "\"point\":" + json_string(point);
      if (!alarm_id.empty()) out += ",\"alarm\":" + json_string(alarm_id);
      out += ",\"class\":" + json_string(cls);
      if (!state.empty()) out += ",\"state\":" + json_string(state);
      if (!reason.empty()) out += ",\"reason\":" + json_string(reason);
      out += ",\"since\":" + json_number(since) + "}";
    } else {
      out += "  ";
      out += point.empty() ? zone : point;
      if (!alarm_id.empty()) {
        out += '/';
        out += alarm_id;
      }
      out += ' ';
      out += cls;
      for (const std::string_view s : {state, reason}) {
        if (s.empty()) continue;
        out += ' ';
        out += s;
      }
      out += " since=" + number_text(since) + "\n";
    }
    first = false;
  }
  if (as_json) out += "]}}\n";
  write_out(out);
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

// Lines of a file or stdin, read in chunks; at most max_line bytes each.
class line_reader {
 public:
  line_reader() = default;
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;
  ~line_reader() {
    if (file_ != nullptr && file_ != stdin) std::fclose(file_);
  }

  // Opens `path` ("-" is stdin); false with errno set if it cannot be opened.
  bool open(const std::string& path) {
    file_ = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    return file_ != nullptr;
  }

  enum result { line, end, too_long, error };

  // The next line, without its line break (and a '\r' before it).
  result next(std::string& out) {
    out.clear();
    for (;;) {
      const std::size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        if (nl - pos_ > max_line) return too_long;
        out.assign(buf_, pos_, nl - pos_);
        pos_ = nl + 1;
        break;
      }
      if (buf_.size() - pos_ > max_line) return too_long;
      buf_.erase(0, pos_);
      pos_ = 0;
      if (eof_) {
        if (buf_.empty()) return end;
        out.swap(buf_);
        buf_.clear();
        break;
      }
      char chunk[64 * 1024];
      const std::size_t got = std::fread(chunk, 1, sizeof chunk, file_);
      if (got == 0) {
        if (std::ferror(file_)) {
          error_ = errno;
          return error;
        }
        eof_ = true;
      }
      buf_.append(chunk, got);
    }
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return line;
  }
  int error_number() const { return error_; }

 private:
  std::FILE* file_ = nullptr;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  int error_ = 0;
};

struct replay_options {
  std::string rules;
  std::string input;
  bool json_lines = false;
};

// A problem with one input line: its message (the caller adds "FILE:LINE: ").
struct line_error {
  std::string message;
};

class replayer {
 public:
  replayer(const replay_options& o, alarm::rules r) : o_(o), rules_(std::move(r)) {}

  // Configures the engine; false with a message if the rules are refused.
  bool start(std::string& message) {
    eng_ = std::make_unique<alarm::engine>();
    std::error_code ec;
    alarm::rules_error err;
    if (!eng_->configure(rules_, ec, &err)) {
      message = err.what();
      return false;
    }
    return true;
  }

  // Runs one input line; false with `error` set if the line is refused.
  bool line(std::string_view text, line_error& error) {
    json v;
    if (!parse(text, v, error)) return false;
    const bool ok = dispatch(v, error);
    print_events(*eng_, o_.json_lines);
    return ok;
  }

  void summary() const { print_summary(*eng_, o_.json_lines); }

 private:
  static bool fail(line_error& error, std::string message) {
    error.message = std::move(message);
    return false;
  }
  static bool expected(line_error& error, std::string_view key, std::string_view what,
                       const json& found) {
    return fail(error,
                std::string(key) + ": expected " + std::string(what) + ", found " + shown(found));
  }

  // The line as a JSON object; duplicate keys and deep nesting are refused.
  static bool parse(std::string_view text, json& v, line_error& error) {
    std::vector<std::unordered_set<std::string>> keys;
    std::string duplicate;
    bool too_deep = false;
    const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
      switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
          if (depth >= max_line_depth) too_deep = true;
          if (event == json::parse_event_t::object_start) keys.emplace_back();
          break;
        case json::parse_event_t::object_end:
          if (!keys.empty()) keys.pop_back();
          break;
        case json::parse_event_t::key:
          if (!keys.empty() && parsed.is_string()) {
            const std::string& k = parsed.get_ref<const std::string&>();
            if (!keys.back().insert(k).second && duplicate.empty()) duplicate = k;
          }
          break;
        default:
          break;
      }
      return true;
    };
    try {
      v = json::parse(text.begin(), text.end(), check);
    } catch (const json::parse_error& e) {
      return fail(error, "invalid JSON at column " + std::to_string(e.byte) + ": " +
                             strip_location(e.what()));
    } catch (const json::exception& e) {
      return fail(error, "invalid JSON: " + strip_location(e.what()));
    }
    if (too_deep) return fail(error, "nested too deeply");
    if (!duplicate.empty()) return fail(error, "duplicate key " + json_string(duplicate));
    if (!v.is_object()) return fail(error, "expected a JSON object, found " + shown(v));
    return true;
  }

  // nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 9: syntax
  // error ..." without its prefix and location.
  static std::string strip_location(std::string_view what) {
    const std::size_t bracket = what.find("] ");
    if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
    if (what.compare(0, 12, "parse error ") == 0) {
      const std::size_t colon = what.find(": ");
      if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
    }
    return std::string(what);
  }

  static const json* member(const json& v, const char* key) {
    auto it = v.find(key);
    return it == v.end() ? nullptr : &*it;
  }

  // Every key of `v` is among `allowed`; `kind` names the line's kind in the message.
  static bool only(const json& v, std::initializer_list<std::string_view> allowed,
                   std::string_view kind, line_error& error) {
    for (const auto& item : v.items()) {
      bool ok = false;
      for (std::string_view a : allowed) ok = ok || item.key() == a;
      if (!ok) {
        return fail(error,
                    "key " + json_string(item.key()) + " does not apply to " + std::string(kind));
      }
    }
    return true;
  }

  // Seconds (t, ts, advance) as an engine time: within the engine's range (±2^60 µs), which is
  // narrower than a mono_time's, so that the line is refused naming its key rather than by the
  // engine's bare "invalid time".
  static bool time_of(const json& v, const char* key, firebus::mono_time& out, line_error& error) {
    const json* x = member(v, key);
    if (x == nullptr) return fail(error, std::string("missing \"") + key + "\"");
    if (!x->is_number()) return expected(error, key, "a number of seconds", *x);
    std::error_code ec;
    out = firebus::mono_from_seconds(x->get<double>(), ec);
    if (ec || !alarm::detail::time_ok(out.time_since_epoch().count())) {
      return expected(error, key, "a number of seconds within ±1.15e12", *x);
    }
    return true;
  }

  // A value: a number, or "NaN", "Infinity", "-Infinity".
  static bool value_of(const json& x, const char* key, double& out, line_error& error) {
    if (x.is_number()) {
      out = x.get<double>();
      return true;
    }
    if (x.is_string()) {
      const std::string& s = x.get_ref<const std::string&>();
      if (s == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
      }
      if (s == "Infinity" || s == "-Infinity") {
        out = s[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
        return true;
      }
    }
    return expected(error, key, "a number, \"NaN\", \"Infinity\" or \"-Infinity\"", x);
  }

  static bool string_of(const json& v, const char* key, std::string& out, line_error& error) {
    const json* x = member(v, key);
    if (x == nullptr) return true;
    if (!x->is_string()) return expected(error, key, "a string", *x);
    out = x->get<std::string>();
    return true;
  }

  // Refuses a t before the latest time seen (the engine checks it too, except across a
  // restore, whose engine resumes at the snapshot's time).
  bool monotonic(firebus::mono_time t, std::string_view key, line_error& error) {
    if (latest_ && t < *latest_) {
      return fail(error, std::string(key) + " " + number_text(firebus::to_seconds(t)) +
                             " is earlier than " + number_text(firebus::to_seconds(*latest_)) +
                             ", the latest time so far");
    }
    latest_ = t;
    return true;
  }

  // The message for an error the engine returned.
  std::string engine_message(std::error_code ec, const alarm::command* c,
                             std::string_view point) const {
    if (ec == alarm::errc::unknown_point) return "unknown point " + json_string(point);
    if (ec == alarm::errc::unknown_zone && c != nullptr) {
      return "unknown zone " + json_string(c->zone);
    }
    if (ec == alarm::errc::unknown_alarm && c != nullptr) {
      return "unknown alarm " + json_string(c->alarm) +
             (c->zone.empty() ? " in point " + json_string(c->point)
                              : " in zone " + json_string(c->zone));
    }
    if (ec == alarm::errc::time_went_back) {
      return "t is earlier than the engine's time " + number_text(firebus::to_seconds(eng_->now()));
    }
    if (ec == alarm::errc::no_raw_mapping) {
      return "point " + json_string(point) + " has no raw_4_20mA mapping for a raw reading";
    }
    if (ec == alarm::errc::invalid_argument && c != nullptr) {
      if (c->kind == alarm::command_kind::shelve && !c->duration_s && !c->one_shot) {
        return "shelve needs \"duration_s\" or \"one_shot\": true";
      }
      if (c->kind == alarm::command_kind::shelve && c->duration_s) {
        return "duration_s: expected a number of seconds > 0 and ≤ 1000000000, found " +
               number_text(*c->duration_s);
      }
      if (!c->point.empty() && !c->zone.empty()) {
        return "a command names a point or a zone, not both";
      }
      if (c->point.empty() && c->zone.empty()) {
        return json_string(alarm::to_string(c->kind)) + " needs a \"point\" or a \"zone\"";
      }
    }
    return ec.message();
  }

  bool dispatch(const json& v, line_error& error) {
    static constexpr std::string_view known[] = {
        "t",       "point", "value", "raw",        "ts",       "state",  "status",
        "command", "zone",  "alarm", "duration_s", "one_shot", "advance"};
    for (const auto& item : v.items()) {
      if (std::find(std::begin(known), std::end(known), item.key()) == std::end(known)) {
        return fail(error, "unknown key " + json_string(item.key()));
      }
    }
    std::error_code ec;
    if (member(v, "advance") != nullptr) {
      if (!only(v, {"advance"}, "an \"advance\" line", error)) return false;
      firebus::mono_time t;
      if (!time_of(v, "advance", t, error) || !monotonic(t, "advance", error)) return false;
      eng_->advance(t, ec);
      if (ec) return fail(error, engine_message(ec, nullptr, ""));
      return true;
    }
    firebus::mono_time t;
    if (!time_of(v, "t", t, error)) return false;
    if (const json* cmd = member(v, "command")) return command(v, *cmd, t, error);
    const json* p = member(v, "point");
    if (p == nullptr) return fail(error, "expected \"point\", \"command\" or \"advance\"");
    if (!p->is_string()) return expected(error, "point", "a string", *p);
    const std::string& point = p->get_ref<const std::string&>();
    const char* kinds[] = {"value", "raw", "state", "status"};
    const char* kind = nullptr;
    for (const char* k : kinds) {
      if (member(v, k) == nullptr) continue;
      if (kind != nullptr) {
        return fail(error, std::string("\"") + kind + "\" and \"" + k +
                               "\" in one line: expected one of \"value\", \"raw\", \"state\", "
                               "\"status\"");
      }
      kind = k;
    }
    if (kind == nullptr) {
      return fail(error, "a line with \"point\" needs \"value\", \"raw\", \"state\" or \"status\"");
    }
    const std::string what = std::string("a \"") + kind + "\" line";
    const bool is_sample = std::strcmp(kind, "value") == 0 || std::strcmp(kind, "raw") == 0;
    if (is_sample ? !only(v, {"t", "point", kind, "ts"}, what, error)
                  : !only(v, {"t", "point", kind}, what, error)) {
      return false;
    }
    std::optional<firebus::mono_time> ts;
    if (member(v, "ts") != nullptr) {
      firebus::mono_time x;
      if (!time_of(v, "ts", x, error)) return false;
      ts = x;
    }
    double value = 0;
    alarm::device_condition condition = alarm::device_condition::normal;
    alarm::device_status status = alarm::device_status::ok;
    if (is_sample) {
      if (!value_of(*member(v, kind), kind, value, error)) return false;
    } else if (std::strcmp(kind, "state") == 0) {
      const json& s = *member(v, "state");
      std::error_code name_ec = make_error_code(firebus::errc::unknown_name);
      if (s.is_string()) {
        condition = alarm::device_condition_from_string(s.get_ref<const std::string&>(), name_ec);
      }
      if (name_ec) {
        return expected(error, "state",
                        "one of " + name_list(alarm::detail::device_condition_names), s);
      }
    } else {
      const json& s = *member(v, "status");
      std::error_code name_ec = make_error_code(firebus::errc::unknown_name);
      if (s.is_string()) {
        status = alarm::device_status_from_string(s.get_ref<const std::string&>(), name_ec);
      }
      if (name_ec) {
        return expected(error, "status", "one of " + name_list(alarm::detail::device_status_names),
                        s);
      }
    }
    const std::uint32_t index = eng_->find_point(point);
    if (index == alarm::npos) return fail(error, "unknown point " + json_string(point));
    if (!monotonic(t, "t", error)) return false;
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
    if (ec) return fail(error, engine_message(ec, nullptr, point));
    return true;
  }

  bool command(const json& v, const json& cmd, firebus::mono_time t, line_error& error) {
    if (!cmd.is_string()) return expected(error, "command", "a string", cmd);
    const std::string& name = cmd.get_ref<const std::string&>();
    if (name == "snapshot" || name == "restore") {
      if (!only(v, {"t", "command"}, "the \"" + name + "\" command", error)) return false;
      if (!monotonic(t, "t", error)) return false;
      std::error_code ec;
      if (name == "snapshot") {
        // At t: the timers due by then fire first, as for any other command.
        eng_->advance(t, ec);
        if (ec) return fail(error, engine_message(ec, nullptr, ""));
        snapshot_ = eng_->snapshot();
        return true;
      }
      if (!snapshot_) return fail(error, "restore without a snapshot before it");
      auto fresh = std::make_unique<alarm::engine>();
      if (!fresh->configure(rules_, ec) || !fresh->restore(firebus::byte_view(*snapshot_), t, ec)) {
        return fail(error, "restore: " + ec.message());
      }
      eng_ = std::move(fresh);
      return true;
    }
    alarm::command c;
    std::error_code name_ec;
    c.kind = alarm::command_kind_from_string(name, name_ec);
    if (name_ec) {
      return expected(
          error, "command",
          "one of " + name_list(alarm::detail::command_kind_names, {"snapshot", "restore"}), cmd);
    }
    const bool shelve = c.kind == alarm::command_kind::shelve;
    if (shelve ? !only(v, {"t", "command", "point", "zone", "alarm", "duration_s", "one_shot"},
                       "the \"shelve\" command", error)
               : !only(v, {"t", "command", "point", "zone", "alarm"},
                       "the \"" + name + "\" command", error)) {
      return false;
    }
    if (!string_of(v, "point", c.point, error) || !string_of(v, "zone", c.zone, error) ||
        !string_of(v, "alarm", c.alarm, error)) {
      return false;
    }
    if (const json* d = member(v, "duration_s")) {
      if (!d->is_number()) return expected(error, "duration_s", "a number of seconds", *d);
      c.duration_s = d->get<double>();
    }
    if (const json* o = member(v, "one_shot")) {
      if (!o->is_boolean()) return expected(error, "one_shot", "true or false", *o);
      c.one_shot = o->get<bool>();
    }
    if (!monotonic(t, "t", error)) return false;
    std::error_code ec;
    eng_->execute(t, c, ec);
    if (ec) return fail(error, engine_message(ec, &c, c.point));
    return true;
  }

  const replay_options& o_;
  alarm::rules rules_;
  std::unique_ptr<alarm::engine> eng_;
  std::optional<std::vector<std::uint8_t>> snapshot_;
  std::optional<firebus::mono_time> latest_;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "firebus alarm replay: %s\n", message.c_str());
  alarm_usage(stderr);
  return exit_usage;
}

int replay(const replay_options& o) {
  alarm::rules rules;
  std::error_code ec;
  alarm::rules_error err;
  if (!alarm::load_rules(o.rules, rules, ec, err)) {
    std::fprintf(stderr, "%s: %s\n", o.rules.c_str(), err.what().c_str());
    return exit_usage;
  }
  replayer r(o, std::move(rules));
  std::string message;
  if (!r.start(message)) {
    std::fprintf(stderr, "%s: %s\n", o.rules.c_str(), message.c_str());
    return exit_usage;
  }
  line_reader in;
  const std::string name = o.input == "-" ? "<stdin>" : o.input;
  if (!in.open(o.input)) {
    std::fprintf(stderr, "%s: cannot open: %s\n", name.c_str(), std::strerror(errno));
    return exit_usage;
  }
  std::string text;
  std::uint64_t number = 0;
  for (;;) {
    const line_reader::result got = in.next(text);
    if (got == line_reader::end) break;
    ++number;
    line_error error;
    if (got == line_reader::error) {
      std::fflush(stdout);
      std::fprintf(stderr, "%s: cannot read: %s\n", name.c_str(), std::strerror(in.error_number()));
      return exit_usage;
    }
    if (got == line_reader::too_long) {
      error.message = "line longer than " + std::to_string(max_line) + " bytes";
    } else if (text.find_first_not_of(" \t\f\v") == std::string::npos) {
      continue;  // blank lines are allowed
    } else if (r.line(text, error)) {
      continue;
    }
    std::fflush(stdout);
    std::fprintf(stderr, "%s:%llu: %s\n", name.c_str(), static_cast<unsigned long long>(number),
                 error.message.c_str());
    return exit_usage;
  }
  r.summary();
  std::fflush(stdout);
  return exit_ok;
}

}  // namespace

void alarm_usage(std::FILE* out) {
  std::fputs(
      "usage: firebus alarm replay --rules RULES.json --input INPUT.jsonl [--json]\n"
      "\n"
      "replay  feeds the inputs of INPUT.jsonl (- for stdin) to the alarm engine configured by\n"
      "        RULES.json (protocols/alarm-rules.schema.json) and prints the events it emits,\n"
      "        then the panel's state and its active alarms, faults and disablements.\n"
      "        Each input line is one JSON object with \"t\" in seconds:\n"
      "          {\"t\":20,\"point\":\"RC1\",\"value\":320}         a sample (optional \"ts\";\n"
      "                                                  \"raw\" for a 4-20 mA reading;\n"
      "                                                  \"NaN\", \"Infinity\", \"-Infinity\")\n"
      "          {\"t\":0,\"point\":\"SD1\",\"state\":\"fire\"}       a device condition\n"
      "          {\"t\":10,\"point\":\"RC1\",\"status\":\"fault\"}    a device status\n"
      "          {\"t\":30,\"command\":\"ack\",\"point\":\"RC1\",\"alarm\":\"ALM\"}   an operator "
      "command\n"
      "          {\"t\":40,\"command\":\"snapshot\"}, {\"t\":50,\"command\":\"restore\"}\n"
      "          {\"advance\":80}                                 let timers up to 80 s fire\n"
      "        Blank lines are skipped.\n"
      "\n"
      "  --rules FILE   the alarm rules (JSON)\n"
      "  --input FILE   the inputs (JSON lines), - for stdin\n"
      "  --json         one JSON object per event and a final {\"summary\":...} line,\n"
      "                 instead of readable text\n"
      "\n"
      "Exit status: 0 every line replayed, 2 usage error, rules refused, or an input line\n"
      "refused (reported as INPUT:LINE: message after the events printed so far, without\n"
      "the summary).\n",
      out);
}

int alarm_main(const std::vector<std::string>& args) {
  if (args.empty()) {
    alarm_usage(stderr);
    return exit_usage;
  }
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") {
    alarm_usage(stdout);
    return exit_ok;
  }
  if (command != "replay") {
    std::fprintf(stderr, "firebus alarm: unknown command '%s' (expected replay)\n",
                 command.c_str());
    alarm_usage(stderr);
    return exit_usage;
  }
  replay_options o;
  bool have_rules = false;
  bool have_input = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string value;
    bool missing = false;
    if (a == "--help" || a == "-h") {
      alarm_usage(stdout);
      return exit_ok;
    }
    if (a == "--json") {
      o.json_lines = true;
    } else if (is_option(args, i, "--rules", value, missing)) {
      if (missing || value.empty()) return usage_error("--rules needs a file name");
      if (have_rules) return usage_error("--rules given twice");
      o.rules = value;
      have_rules = true;
    } else if (is_option(args, i, "--input", value, missing)) {
      if (missing || value.empty()) return usage_error("--input needs a file name (or -)");
      if (have_input) return usage_error("--input given twice");
      o.input = value;
      have_input = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option '" + a + "'");
    } else {
      return usage_error("unexpected argument '" + a + "'");
    }
  }
  if (!have_rules) return usage_error("--rules is required");
  if (!have_input) return usage_error("--input is required");
  return replay(o);
}

}  // namespace firebus_cli
