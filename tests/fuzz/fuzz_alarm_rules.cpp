// firebus — fire-safety IoT SDK.
// libFuzzer target for the alarm rules loader and writer (<firebus/alarm_json.hpp>:
// parse_rules, to_json) and for the engine built from what it accepts
// (<firebus/alarm/engine.hpp>).
//
// The input is the rules' JSON text, then optionally a NUL byte and a program for an engine
// configured with the rules when they are accepted. The program is a sequence of operations, each
// one byte (its kind is the byte modulo 8) followed by its argument bytes; missing bytes read
// as 0:
//
//   sample p v       sample(point p, t, value v): v < 128 picks a fixed value (0, ±1, ±1e9,
//                    ±DBL_MAX, ±inf, NaN, denormals, -0, ...), v ≥ 128 a value next to the
//                    setpoint of one of the rules' alarms (at it, beyond its deadband, ...)
//   condition p c    condition(point p, t, normal|fire|active)
//   status p s       status(point p, t, ok|fault|open_circuit|short_circuit)
//   raw p m          raw_sample(point p, t, milliamps[m])
//   advance k        t += steps[k] (0 to 1e9 s, or to next_due()); advance(t)
//   command k g n d  execute(t, command): kind k, target g (nothing, a point, a point's alarm,
//                    a zone, a zone's alarm), names n picked among the rules' ids, duration d
//   wait k           t += steps[k], no input
//   snapshot         the snapshot restores into a fresh engine configured with the rules
//                    read back from to_json()
//
// where p picks a point of the rules, or one past the last (an unknown point). At most 256
// operations run; time only grows and stays within what the engine accepts.
//
// Checked with __builtin_trap() (besides ASan and UBSan):
//   - parse_rules(text, out, ec, err) never throws; it returns true exactly when ec is clear;
//     the throwing overload agrees with it (its what() is "<name>: " + err.what());
//   - a refusal sets errc::invalid_rules and a non-empty message, and leaves `out` untouched; the
//     message of a syntax error gives a line and column and its path is empty; any other error's
//     path is a JSON path (keys and [indices]) that names a place in the document: every step
//     but the last exists in the text, and the last one too unless the message reports the
//     default it stands for (", found 0"): a path that names a key the file does not have
//     (e.g. rate_per_min where the file says rate_per_minute) sends the user to the wrong line;
//   - what is accepted passes validate(), has version 1, and round-trips: to_json() parses
//     again to rules equal field by field (doubles bit for bit, so -0 stays -0), whose to_json()
//     is the same text (a fixed point);
//   - an engine accepts the rules (configure() succeeds): it has one point per point, one zone
//     per zone, finds every point, zone and alarm by its id at its index, and at most one extra
//     alarm per zone (the dependency zones' FIRE); an engine configured with the rules read back
//     from to_json() has the same fingerprint (it restores the first one's snapshot);
//   - the program: inputs for a known point and advances at a time not earlier than now() are
//     accepted; an unknown point is refused with unknown_point; raw readings for a point without
//     raw_4_20mA with no_raw_mapping; a refused input (or command) emits nothing and changes
//     nothing (the same snapshot); events name only existing points, alarms and zones, their t
//     never decreases and never exceeds now();
//   - memory and time stay bounded: deep nesting, huge numbers and long arrays in the text
//     (under -rss_limit_mb / -malloc_limit_mb / -timeout).
//
// Build for fuzzing: the `fuzz` preset (tests/fuzz/CMakeLists.txt). Corpus replay (any compiler):
// the fuzz_alarm_rules_replay target. Seeds: tests/fuzz/corpus/alarm_rules/, written by
// tests/fuzz/make_alarm_rules_seeds.py (valid rule files covering the whole schema, with and
// without programs, and edge cases); the crash_* seeds are reproducers of defects the fuzzer
// found, kept as regression seeds.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/alarm/engine.hpp>
#include <firebus/alarm/error.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/alarm/types.hpp>
#include <firebus/alarm_json.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/time.hpp>

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

namespace {

namespace al = firebus::alarm;

// --- JSON paths -----------------------------------------------------------------------------

struct step {
  bool is_index = false;
  std::string key;
  std::size_t index = 0;
};

// Splits "points[3].alarms[0].deadband" into steps; false if it is not such a path. The empty
// path is the document itself.
bool split_path(const std::string& path, std::vector<step>& out) {
  std::size_t i = 0;
  bool first = true;
  while (i < path.size()) {
    step s;
    if (path[i] == '[') {
      std::size_t j = i + 1;
      if (j >= path.size() || path[j] < '0' || path[j] > '9') return false;
      while (j < path.size() && path[j] >= '0' && path[j] <= '9') {
        if (s.index > 1'000'000'000) return false;
        s.index = s.index * 10 + static_cast<std::size_t>(path[j] - '0');
        ++j;
      }
      if (j >= path.size() || path[j] != ']') return false;
      s.is_index = true;
      i = j + 1;
    } else {
      if (!first) {
        if (path[i] != '.') return false;
        ++i;
      }
      const std::size_t j = path.find_first_of(".[", i);
      s.key = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
      if (s.key.empty()) return false;
      i = j == std::string::npos ? path.size() : j;
    }
    out.push_back(std::move(s));
    first = false;
  }
  return true;
}

// A minimal reader of JSON text that the loader has already accepted as JSON (so it needs no
// error handling beyond not running off the end): it follows a path through the document.
class locator {
 public:
  explicit locator(std::string_view text) : s_(text) {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a UTF-8 byte order mark
  }

  // How many leading steps of `path` exist in the document (path.size() when all do); -1 if
  // the text cannot be read.
  long found_steps(const std::vector<step>& path) {
    for (std::size_t n = 0; n < path.size(); ++n) {
      ws();
      const char c = peek();
      if (path[n].is_index) {
        if (c != '[') return static_cast<long>(n);
        ++pos_;
        ws();
        if (peek() == ']') return static_cast<long>(n);
        for (std::size_t i = 0;; ++i) {
          ws();
          if (i == path[n].index) break;
          if (!skip_value()) return -1;
          ws();
          if (peek() != ',') return static_cast<long>(n);
          ++pos_;
        }
      } else {
        if (c != '{') return static_cast<long>(n);
        ++pos_;
        ws();
        if (peek() == '}') return static_cast<long>(n);
        for (;;) {
          ws();
          std::string key;
          if (!string(key)) return -1;
          ws();
          if (peek() != ':') return -1;
          ++pos_;
          ws();
          if (key == path[n].key) break;
          if (!skip_value()) return -1;
          ws();
          if (peek() != ',') return static_cast<long>(n);
          ++pos_;
        }
      }
    }
    return static_cast<long>(path.size());
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(std::uint32_t& out) {
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = pos_ < s_.size() ? hex(s_[pos_]) : -1;
      if (h < 0) return false;
      out = out * 16 + static_cast<std::uint32_t>(h);
      ++pos_;
    }
    return true;
  }
  static void utf8(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  // A string, its escapes decoded (as the loader decodes keys).
  bool string(std::string& out) {
    if (peek() != '"') return false;
    ++pos_;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) return false;
      const char e = s_[pos_++];
      switch (e) {
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp < 0xdc00 && pos_ + 1 < s_.size() && s_[pos_] == '\\' &&
              s_[pos_ + 1] == 'u') {
            pos_ += 2;
            std::uint32_t lo = 0;
            if (!hex4(lo)) return false;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          utf8(cp, out);
          break;
        }
        default:  // " \ /
          out += e;
          break;
      }
    }
    return false;
  }
  bool skip_value() {
    ws();
    const char c = peek();
    if (c == '"') {
      std::string ignored;
      return string(ignored);
    }
    if (c == '[' || c == '{') {
      const char close = c == '[' ? ']' : '}';
      ++pos_;
      ws();
      if (peek() == close) {
        ++pos_;
        return true;
      }
      for (;;) {
        ws();
        if (c == '{') {
          std::string ignored;
          if (!string(ignored)) return false;
          ws();
          if (peek() != ':') return false;
          ++pos_;
        }
        if (!skip_value()) return false;  // nesting is bounded: the loader refuses > 64 levels
        ws();
        if (peek() == ',') {
          ++pos_;
          continue;
        }
        if (peek() != close) return false;
        ++pos_;
        return true;
      }
    }
    // A number or a literal.
    const std::size_t start = pos_;
    while (pos_ < s_.size() && std::strchr("0123456789+-.eEtrufalsn", s_[pos_]) != nullptr &&
           s_[pos_] != '\0') {
      ++pos_;
    }
    return pos_ > start;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::string_view(s).substr(0, prefix.size()) == prefix;
}
bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         std::string_view(s).substr(s.size() - suffix.size()) == suffix;
}

void check_refusal(std::string_view text, const std::error_code& ec, const al::rules_error& err) {
  FIREBUS_FUZZ_CHECK(ec == al::errc::invalid_rules);
  FIREBUS_FUZZ_CHECK(!err.message.empty());
  if (starts_with(err.message, "invalid JSON")) {
    FIREBUS_FUZZ_CHECK(err.path.empty());
    FIREBUS_FUZZ_CHECK(starts_with(err.message, "invalid JSON at line "));
    return;
  }
  // Refused while building the document: the path of the innermost open container, whose keys
  // are the document's own (they may hold '.' or '[', so the path does not split reliably).
  if (starts_with(err.message, "duplicate key ") ||
      starts_with(err.message, "nested deeper than ")) {
    return;
  }
  std::vector<step> path;
  FIREBUS_FUZZ_CHECK(split_path(err.path, path));
  locator loc(text);
  const long found = loc.found_steps(path);
  FIREBUS_FUZZ_CHECK(found >= 0);
  const auto n = static_cast<std::size_t>(found);
  if (n == path.size()) return;
  // Only the last step may be missing, and only where the message is about the default
  // (e.g. chatter.count when chatter.window_s > 0: "expected an integer from 1 to 1000,
  // found 0").
  FIREBUS_FUZZ_CHECK(n + 1 == path.size());
  FIREBUS_FUZZ_CHECK(!path.back().is_index);
  FIREBUS_FUZZ_CHECK(ends_with(err.message, ", found 0"));
}

// --- rules equality ---------------------------------------------------------------------------

bool same_double(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_pair(const std::optional<std::pair<double, double>>& a,
               const std::optional<std::pair<double, double>>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (same_double(a->first, b->first) && same_double(a->second, b->second));
}

bool same_rules(const al::rules& a, const al::rules& b) {
  if (a.version != b.version || !same_double(a.max_shelve_s, b.max_shelve_s) ||
      !same_double(a.chatter.window_s, b.chatter.window_s) || a.chatter.count != b.chatter.count ||
      !same_double(a.flood.window_s, b.flood.window_s) || a.flood.on != b.flood.on ||
      a.flood.off != b.flood.off || a.outputs.buzzer != b.outputs.buzzer ||
      a.outputs.linkage != b.outputs.linkage || a.outputs.commands != b.outputs.commands ||
      a.points.size() != b.points.size() || a.zones.size() != b.zones.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.points.size(); ++i) {
    const al::point_rule& p = a.points[i];
    const al::point_rule& q = b.points[i];
    if (p.id != q.id || p.unit != q.unit || !same_pair(p.range, q.range) ||
        !same_pair(p.raw_4_20mA, q.raw_4_20mA) || !same_double(p.stale_s, q.stale_s) ||
        p.suppressed_by != q.suppressed_by ||
        p.verification.has_value() != q.verification.has_value() ||
        p.alarms.size() != q.alarms.size()) {
      return false;
    }
    if (p.verification && (!same_double(p.verification->ignore_s, q.verification->ignore_s) ||
                           !same_double(p.verification->confirm_s, q.verification->confirm_s))) {
      return false;
    }
    for (std::size_t j = 0; j < p.alarms.size(); ++j) {
      const al::alarm_rule& x = p.alarms[j];
      const al::alarm_rule& y = q.alarms[j];
      if (x.id != y.id || x.type != y.type || !same_double(x.setpoint, y.setpoint) ||
          !same_double(x.deadband, y.deadband) || !same_double(x.on_delay_s, y.on_delay_s) ||
          !same_double(x.off_delay_s, y.off_delay_s) ||
          !same_double(x.rate_per_min, y.rate_per_min) || !same_double(x.window_s, y.window_s) ||
          !same_double(x.max_reference_age_s, y.max_reference_age_s) || x.cls != y.cls ||
          x.profile != y.profile || x.latch != y.latch) {
        return false;
      }
    }
  }
  for (std::size_t i = 0; i < a.zones.size(); ++i) {
    const al::zone_rule& z = a.zones[i];
    const al::zone_rule& w = b.zones[i];
    if (z.id != w.id || z.members != w.members || z.linkage_min_devices != w.linkage_min_devices ||
        !same_double(z.dependency_window_s, w.dependency_window_s) ||
        z.manual_call_points != w.manual_call_points) {
      return false;
    }
  }
  return true;
}

// --- the engine -------------------------------------------------------------------------------

constexpr std::int64_t second = 1'000'000;
constexpr std::size_t max_ops = 256;

firebus::mono_time at(std::int64_t us) { return firebus::mono_time(firebus::duration(us)); }
std::int64_t us_of(firebus::mono_time t) { return t.time_since_epoch().count(); }

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  std::size_t i = 0;
  bool more() const { return i < n; }
  std::uint8_t byte() { return i < n ? p[i++] : 0; }
};

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double big = std::numeric_limits<double>::max();
const double values[16] = {
    0,      1,    -1,  1e9,  -1e9, 0.5,  100,
    300,    3000, big, -big, inf,  -inf, std::numeric_limits<double>::quiet_NaN(),
    5e-324, -0.0};
const double milliamps[8] = {4,  20, 12, 3.5, 21.5, 0, std::numeric_limits<double>::quiet_NaN(),
                             inf};
const std::int64_t steps[8] = {
    0, 1, second, 10 * second, 60 * second, 600 * second, 1'000'000'000 * second,
    -1};  // -1: to next_due()

struct harness {
  const al::rules& r;
  al::engine eng;
  const al::engine& twin_cfg;  // configured from the rules read back from to_json()
  std::int64_t t = 1000 * second;
  std::vector<const al::alarm_rule*> alarms;  // in engine order

  harness(const al::rules& rules, const al::engine& configured, const al::engine& twin)
      : r(rules), eng(configured), twin_cfg(twin) {
    for (const al::point_rule& p : r.points) {
      for (const al::alarm_rule& a : p.alarms) alarms.push_back(&a);
    }
  }

  std::uint32_t pick_point(reader& in) const {
    return static_cast<std::uint32_t>(in.byte() % (r.points.size() + 1));
  }

  double pick_value(std::uint8_t v) const {
    if (v < 128 || alarms.empty()) return values[v % 16];
    const al::alarm_rule& a = *alarms[(v >> 2) % alarms.size()];
    switch (v & 3) {
      case 0:
        return a.setpoint;
      case 1:
        return a.setpoint - a.deadband - 1;
      case 2:
        return a.setpoint + a.deadband + 1;
      default:
        return a.setpoint * 2;
    }
  }

  void add_time(std::int64_t d) {
    if (d < 0) {
      const std::optional<firebus::mono_time> due = eng.next_due();
      if (due && us_of(*due) > t && us_of(*due) < t + 1'000'000'000 * second) t = us_of(*due);
      return;
    }
    t += d;  // at most 256 steps of 1e9 s: far below the engine's ±2^62 µs
  }

  void check_events(std::int64_t before) {
    std::int64_t last = before;
    for (const al::alarm_event& e : eng.events()) {
      const std::int64_t et = us_of(e.t);
      FIREBUS_FUZZ_CHECK(et >= last);
      FIREBUS_FUZZ_CHECK(et <= us_of(eng.now()));
      last = et;
      FIREBUS_FUZZ_CHECK(e.point == al::npos || e.point < eng.point_count());
      FIREBUS_FUZZ_CHECK(e.source == al::npos || e.source < eng.point_count());
      FIREBUS_FUZZ_CHECK(e.alarm == al::npos || e.alarm < eng.alarm_count());
      FIREBUS_FUZZ_CHECK(e.zone == al::npos || e.zone < eng.zone_count());
    }
    eng.clear_events();
  }

  // The outcome of an input that must be accepted, unless `refusal` says otherwise.
  void expect(const std::error_code& ec, std::optional<al::errc> refusal,
              const std::vector<std::uint8_t>& before, std::int64_t t_before) {
    if (refusal) {
      FIREBUS_FUZZ_CHECK(ec == *refusal);
      FIREBUS_FUZZ_CHECK(eng.events().empty());
      FIREBUS_FUZZ_CHECK(eng.snapshot() == before);
    } else {
      FIREBUS_FUZZ_CHECK(!ec);
    }
    check_events(t_before);
  }

  void command(reader& in) {
    al::command c;
    c.kind = static_cast<al::command_kind>(in.byte() % 9);
    const std::uint8_t target = in.byte();
    const std::uint8_t names = in.byte();
    const std::uint8_t duration = in.byte();
    const auto point_name = [&](std::size_t k) {
      return r.points.empty() ? std::string("P?") : r.points[k % r.points.size()].id;
    };
    switch (target % 5) {
      case 0:
        break;
      case 1:
        c.point = point_name(names);
        break;
      case 2:
        c.point = point_name(names);
        c.alarm = alarms.empty() ? std::string("FIRE") : alarms[names % alarms.size()]->id;
        break;
      case 3:
        c.zone = r.zones.empty() ? std::string("Z?") : r.zones[names % r.zones.size()].id;
        break;
      default:
        c.zone = r.zones.empty() ? std::string("Z?") : r.zones[names % r.zones.size()].id;
        c.alarm = (names & 1) != 0 || alarms.empty() ? std::string("FIRE")
                                                     : alarms[names % alarms.size()]->id;
        break;
    }
    switch (duration % 4) {
      case 0:
        break;
      case 1:
        c.one_shot = true;
        break;
      case 2:
        c.duration_s = r.max_shelve_s;
        break;
      default:
        c.duration_s = 1;
        break;
    }
    const std::vector<std::uint8_t> before = eng.snapshot();
    const std::int64_t t_before = us_of(eng.now());
    std::error_code ec;
    eng.execute(at(t), c, ec);
    if (ec) {
      FIREBUS_FUZZ_CHECK(eng.events().empty());
      FIREBUS_FUZZ_CHECK(eng.snapshot() == before);
    }
    check_events(t_before);
  }

  void snapshot() {
    const std::vector<std::uint8_t> bytes = eng.snapshot();
    al::engine fresh = twin_cfg;
    std::error_code ec;
    FIREBUS_FUZZ_CHECK(fresh.restore(bytes, at(us_of(eng.now())), ec) && !ec);
    FIREBUS_FUZZ_CHECK(fresh.events().empty());
  }

  void run(reader& in) {
    for (std::size_t n = 0; n < max_ops && in.more(); ++n) {
      const std::uint8_t op = in.byte() % 8;
      const std::int64_t t_before = us_of(eng.now());
      std::error_code ec;
      switch (op) {
        case 0: {  // sample
          const std::uint32_t p = pick_point(in);
          const double v = pick_value(in.byte());
          const std::vector<std::uint8_t> before = eng.snapshot();
          eng.sample(p, at(t), v, ec);
          expect(ec, p < r.points.size() ? std::nullopt : std::optional(al::errc::unknown_point),
                 before, t_before);
          break;
        }
        case 1: {  // condition
          const std::uint32_t p = pick_point(in);
          const auto c = static_cast<al::device_condition>(in.byte() % 3);
          const std::vector<std::uint8_t> before = eng.snapshot();
          eng.condition(p, at(t), c, ec);
          expect(ec, p < r.points.size() ? std::nullopt : std::optional(al::errc::unknown_point),
                 before, t_before);
          break;
        }
        case 2: {  // status
          const std::uint32_t p = pick_point(in);
          const auto s = static_cast<al::device_status>(in.byte() % 4);
          const std::vector<std::uint8_t> before = eng.snapshot();
          eng.status(p, at(t), s, ec);
          expect(ec, p < r.points.size() ? std::nullopt : std::optional(al::errc::unknown_point),
                 before, t_before);
          break;
        }
        case 3: {  // raw
          const std::uint32_t p = pick_point(in);
          const double ma = milliamps[in.byte() % 8];
          const std::vector<std::uint8_t> before = eng.snapshot();
          eng.raw_sample(p, at(t), ma, std::nullopt, ec);
          std::optional<al::errc> refusal;
          if (p >= r.points.size()) {
            refusal = al::errc::unknown_point;
          } else if (!r.points[p].raw_4_20mA) {
            refusal = al::errc::no_raw_mapping;
          }
          expect(ec, refusal, before, t_before);
          break;
        }
        case 4:  // advance
          add_time(steps[in.byte() % 8]);
          eng.advance(at(t), ec);
          FIREBUS_FUZZ_CHECK(!ec);
          FIREBUS_FUZZ_CHECK(us_of(eng.now()) == t);
          check_events(t_before);
          break;
        case 5:
          command(in);
          break;
        case 6:
          add_time(steps[in.byte() % 8]);
          break;
        default:
          snapshot();
          break;
      }
    }
    snapshot();
  }
};

void check_accepted(const al::rules& r) {
  al::rules_error err;
  FIREBUS_FUZZ_CHECK(al::validate(r, err));
  FIREBUS_FUZZ_CHECK(r.version == al::rules_version);

  // The canonical text reads back to the same rules, and is a fixed point.
  const std::string text = al::to_json(r);
  FIREBUS_FUZZ_CHECK(!text.empty() && text.back() == '\n');
  al::rules back;
  std::error_code ec;
  FIREBUS_FUZZ_CHECK(al::parse_rules(text, back, ec, err) && !ec);
  FIREBUS_FUZZ_CHECK(same_rules(r, back));
  FIREBUS_FUZZ_CHECK(al::to_json(back) == text);

  // The engine takes them; every id is found where it is.
  al::engine e;
  FIREBUS_FUZZ_CHECK(e.configure(r, ec, &err) && !ec);
  FIREBUS_FUZZ_CHECK(e.configured());
  FIREBUS_FUZZ_CHECK(e.point_count() == r.points.size());
  FIREBUS_FUZZ_CHECK(e.zone_count() == r.zones.size());
  std::size_t alarms = 0;
  for (std::uint32_t p = 0; p < r.points.size(); ++p) {
    FIREBUS_FUZZ_CHECK(e.find_point(r.points[p].id) == p);
    FIREBUS_FUZZ_CHECK(e.point_name(p) == r.points[p].id);
    for (const al::alarm_rule& a : r.points[p].alarms) {
      const std::uint32_t idx = e.find_alarm(p, a.id);
      FIREBUS_FUZZ_CHECK(idx == alarms);
      FIREBUS_FUZZ_CHECK(e.alarm_point(idx) == p);
      FIREBUS_FUZZ_CHECK(e.alarm_class_of(idx) == a.cls);
      ++alarms;
    }
  }
  FIREBUS_FUZZ_CHECK(e.alarm_count() >= alarms && e.alarm_count() <= alarms + r.zones.size());
  for (std::uint32_t z = 0; z < r.zones.size(); ++z) {
    FIREBUS_FUZZ_CHECK(e.find_zone(r.zones[z].id) == z);
    const std::uint32_t za = e.zone_alarm(z);
    if (za != al::npos) {
      FIREBUS_FUZZ_CHECK(r.zones[z].dependency_window_s > 0);
      FIREBUS_FUZZ_CHECK(za >= alarms && za < e.alarm_count());
      FIREBUS_FUZZ_CHECK(e.alarm_zone(za) == z);
    }
  }
  al::engine twin;
  FIREBUS_FUZZ_CHECK(twin.configure(back, ec, &err) && !ec);
  FIREBUS_FUZZ_CHECK(twin.restore(e.snapshot(), e.now(), ec) && !ec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const void* nul = std::memchr(data, 0, size);
  const std::size_t json_size =
      nul != nullptr ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - data)
                     : size;
  const std::string_view text(reinterpret_cast<const char*>(data), json_size);

  // A sentinel that a refusal must leave as it is.
  al::rules out;
  out.max_shelve_s = 42;
  out.points.emplace_back();
  out.points.back().id = "KEEP";
  const std::string sentinel = al::to_json(out);

  std::error_code ec;
  al::rules_error err;
  bool ok = false;
#if FIREBUS_HAS_EXCEPTIONS
  try {
    ok = al::parse_rules(text, out, ec, err);
  } catch (...) {
    FIREBUS_FUZZ_CHECK(false);  // the error_code overload reports, never throws
  }
  // The throwing overload agrees.
  try {
    (void)al::parse_rules(text, "fuzz");
    FIREBUS_FUZZ_CHECK(ok);
  } catch (const firebus::system_error& e) {
    FIREBUS_FUZZ_CHECK(!ok);
    FIREBUS_FUZZ_CHECK(e.code() == al::errc::invalid_rules);
    FIREBUS_FUZZ_CHECK(starts_with(e.what(), "fuzz: " + err.what()));
  }
#else
  ok = al::parse_rules(text, out, ec, err);
#endif
  FIREBUS_FUZZ_CHECK(ok == !ec);
  if (!ok) {
    check_refusal(text, ec, err);
    FIREBUS_FUZZ_CHECK(al::to_json(out) == sentinel);
    return 0;
  }
  check_accepted(out);

  if (nul == nullptr) return 0;
  al::engine e;
  FIREBUS_FUZZ_CHECK(e.configure(out, ec) && !ec);
  al::rules back;
  FIREBUS_FUZZ_CHECK(al::parse_rules(al::to_json(out), back, ec, err));
  al::engine twin;
  FIREBUS_FUZZ_CHECK(twin.configure(back, ec) && !ec);
  harness h(out, e, twin);
  reader in{data + json_size + 1, size - json_size - 1};
  h.run(in);
  return 0;
}
