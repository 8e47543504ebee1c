// firebus — fire-safety IoT SDK.
/// @file
/// firebus::alarm::engine: deterministic alarm evaluation with the semantics of fire detection
/// and alarm systems and the ISA-18.2 life-cycle (`docs/alarms.md`).
///
/// The engine is pure: samples, device conditions and statuses and operator commands go in,
/// events come out. Time comes only from the inputs' `t` and from advance(); there is no clock,
/// no thread and no I/O, so a recorded input replays identically. Every input is validated
/// first: a refused input (unknown point, time going back) changes nothing and emits nothing.
///
/// @par Example
/// @code
/// using namespace firebus;
/// alarm::rules r;  // or alarm::load_rules("rules.json") from <firebus/alarm_json.hpp>
/// alarm::point_rule p;
/// p.id = "RC1";
/// alarm::alarm_rule a;
/// a.id = "ALM";
/// a.setpoint = 300;
/// a.profile = alarm::profile::fire;
/// p.alarms.push_back(a);
/// r.points.push_back(p);
/// alarm::engine eng(r);
/// std::error_code ec;
/// const std::uint32_t rc1 = eng.find_point("RC1");
/// eng.sample(rc1, mono_from_seconds(18, ec), 305.0, ec);
/// for (const auto& e : eng.events()) {
///   // e.kind == event_kind::alarm_on, e.state == alarm_state::unack
/// }
/// eng.clear_events();
/// @endcode
#ifndef FIREBUS_ALARM_ENGINE_HPP
#define FIREBUS_ALARM_ENGINE_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <firebus/alarm/error.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/alarm/types.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/time.hpp>

namespace firebus {
inline namespace v1 {
namespace alarm {

namespace detail {

inline constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
/// Times (t, ts) the engine accepts: ±2^60 µs, about ±36,000 years. Differences of differences of
/// two such times (R10) and sums with durations bounded by rules_limits::max_time_s cannot
/// overflow.
inline constexpr std::int64_t max_abs_time = std::int64_t{1} << 60;
inline constexpr bool time_ok(std::int64_t t) noexcept {
  return t >= -max_abs_time && t <= max_abs_time;
}
/// R10: a device time stamp drifting more than this from the receive time is a clock jump.
inline constexpr std::int64_t clock_jump_limit_us = 300'000'000;
/// Rate-of-rise history kept per alarm: beyond it, two adjacent entries merge (ror_entry).
inline constexpr std::size_t ror_history_cap = 256;

enum overlay : std::uint8_t {
  ov_shelved = 1,
  ov_suppressed = 2,
  ov_oos = 4,
  ov_disabled = 8,
};

enum alarm_flag : std::uint8_t {
  af_one_shot = 1,         // the shelving is one-shot
  af_one_shot_active = 2,  // ... and the condition has been active during it
  af_verifying = 4,        // verification in progress
  af_verified = 8,         // verified; stays until the condition goes inactive or a reset
  af_chattering = 16,
};

enum class timer_kind : std::uint8_t { run, shelve, verify, chatter, dependency, stale, flood };

struct timer {
  std::int64_t due;
  std::uint32_t rank;
  std::uint32_t target;
  std::int8_t prio;
  timer_kind kind;
};

// Heap order: the "greatest" element is the next to fire (std::push_heap builds a max-heap).
struct timer_later {
  bool operator()(const timer& a, const timer& b) const noexcept {
    if (a.due != b.due) return a.due > b.due;
    if (a.prio != b.prio) return a.prio < b.prio;
    if (a.rank != b.rank) return a.rank > b.rank;
    if (a.kind != b.kind) return a.kind > b.kind;
    return a.target > b.target;
  }
};

struct alarm_cfg {
  double setpoint;
  double deadband;
  std::int64_t on_delay;
  std::int64_t off_delay;
  std::uint32_t point;  // npos for a zone's own alarm
  std::uint32_t aux;    // rate-of-rise config index, or the zone of a zone alarm
  std::uint32_t name;   // index into alarm_names_
  rule_type type;
  alarm_class cls;
  alarm::profile prof;
  bool latching;
};

struct alarm_rt {
  std::int64_t run_due = never;  // pending on/off delay run
  std::int64_t since = 0;        // alarm_on (or disable) time, for the active list
  alarm_state state = alarm_state::normal;
  bool cond = false;  // the condition after delays
  std::uint8_t overlays = 0;
  std::uint8_t flags = 0;
};

enum class fault_origin : std::uint8_t { none, quality, status, comm };

struct point_cfg {
  std::int64_t stale = 0;  // µs, 0 = off
  std::uint32_t first_alarm = 0;
  std::uint32_t name_off = 0;
  std::uint32_t extra = npos;  // index into extra_ (range, raw, verification, suppression)
  std::uint16_t alarm_n = 0;
  std::uint8_t name_len = 0;  // ids are at most 128 bytes
  bool dep_member : 1;        // member of a dependency zone
  bool has_ror : 1;
  point_cfg() : dep_member(false), has_ror(false) {}
  std::uint32_t alarm_end() const noexcept { return first_alarm + alarm_n; }
};

struct point_extra {
  double lo = 0, hi = 0, raw_lo = 0, raw_hi = 0;
  std::int64_t ignore = 0, confirm = 0;
  bool has_range = false, has_raw = false, has_verification = false;
};

// The nearest float not below (above) x: a float copy of an interval's bound that never widens
// it. Out-of-range values clamp without an out-of-range conversion.
inline float float_at_least(double x) noexcept {
  constexpr double fmax = std::numeric_limits<float>::max();
  if (!(x <= fmax)) return std::numeric_limits<float>::infinity();
  if (x < -fmax) return -std::numeric_limits<float>::max();
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}
inline float float_at_most(double x) noexcept {
  constexpr double fmax = std::numeric_limits<float>::max();
  if (!(x >= -fmax)) return -std::numeric_limits<float>::infinity();
  if (x > fmax) return std::numeric_limits<float>::max();
  float f = static_cast<float>(x);
  if (static_cast<double>(f) > x) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
  return f;
}

// A point's state, in one cache line: everything a sample reads and writes when it changes no
// alarm (the common case) is here, so that such a sample touches one line of engine memory.
// [qlo, qhi) is the point's quiet interval: the values for which a sample, given the state of
// the point and of its alarms, would change nothing but the held value and the ordering
// reference. It is a conservative float copy (never wider than the exact interval) and empty
// when any other condition for the shortcut fails; the engine recomputes it after every sample
// that took the full path and empties it whenever something else touches the point.
struct alignas(64) point_hot {
  float qlo = std::numeric_limits<float>::infinity();
  float qhi = -std::numeric_limits<float>::infinity();
  double held = 0;   // last accepted valid value
  double ref_v = 0;  // R10 reference: the last sample that passed the ordering check
  std::int64_t ref_t = 0;
  std::int64_t ref_ts = 0;
  std::int64_t last_input = 0;  // staleness restarts from here (also set at start and restore)
  std::int64_t fault_since = 0;
  std::uint32_t rank = 0;  // configuration: timer ties, position by id (its alarms follow it)
  event_reason fault = event_reason::none;
  fault_origin origin = fault_origin::none;
  device_status status = device_status::ok;
  bool has_held : 1;
  bool has_ref : 1;
  bool oos : 1;           // the whole point is out of service (staleness suspended)
  bool stale_queued : 1;  // a staleness timer is in the heap
  bool suppressing : 1;   // its held value is non-zero: the points it suppresses are
  point_hot()
      : has_held(false), has_ref(false), oos(false), stale_queued(false), suppressing(false) {}
  // The state part, as restore() resets it (the rank is configuration).
  void clear_state() noexcept {
    const std::uint32_t keep = rank;
    *this = point_hot{};
    rank = keep;
  }
  void no_shortcut() noexcept {
    qlo = std::numeric_limits<float>::infinity();
    qhi = -std::numeric_limits<float>::infinity();
  }
};
static_assert(sizeof(point_hot) == 64, "a point's state is one cache line");

struct alarm_rec {
  alarm_cfg c;
  alarm_rt r;
};

struct ror_cfg {
  double rate_per_min;
  std::int64_t window;
  std::int64_t max_age;
};

// One entry of a rate-of-rise history: a run of consecutive accepted samples, usually one. It
// ages like its newest sample (t_last) and serves as a reference through its lowest sample
// (t_ref, v_ref): the one with the least v − rate·t, from which a rise is the most visible.
// While a window holds at most ror_history_cap samples, every entry is one sample and the
// reference is the semantics' exactly. Beyond, adjacent entries merge, and the reference of a
// merged entry is never higher than the sample the semantics would take from it: the engine may
// then activate earlier than the semantics, never later (a rise it misses is a missed fire).
struct ror_entry {
  std::int64_t t_last;
  std::int64_t t_ref;
  double v_ref;
};

struct zone_member {
  std::uint32_t point;
  bool mcp;
};

struct zone_cfg {
  std::string name;
  std::int64_t dep_window = 0;
  std::uint32_t members_begin = 0, members_end = 0;
  std::uint32_t alarm = npos;  // the zone's own FIRE alarm (dependency zones)
  std::uint32_t rank = 0;
  int linkage_min = 0;
};

struct zone_rt {
  std::vector<std::uint32_t> contributors;  // dependency: members behind the raised FIRE
  std::int64_t dep_due = never;
  std::uint32_t dep_first = npos;
  bool linkage_on = false;
};

enum stage : std::uint8_t {
  st_diag,
  st_quality,
  st_trans,
  st_zone_trans,
  st_verify,
  st_command,
  st_chatter,
  st_flood,
  st_linkage,
  st_dependency,
  st_buzzer,
  st_count
};

inline bool same_value(double a, double b) noexcept {
  return a == b || (std::isnan(a) && std::isnan(b));
}

inline double us_to_s(std::int64_t us) noexcept { return static_cast<double>(us) / 1e6; }

inline std::int64_t s_to_us(double s) noexcept {
  return static_cast<std::int64_t>(std::llround(s * 1e6));
}

// FNV-1a over the configuration, so that a snapshot is only restored into the same rules.
struct fingerprint {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, std::size_t n) noexcept {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 0x100000001b3ull;
    }
  }
  void str(std::string_view s) noexcept {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void u64(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
      const unsigned char b = static_cast<unsigned char>(v >> (8 * i));
      bytes(&b, 1);
    }
  }
  void f64(double v) noexcept {
    std::uint64_t u;
    std::memcpy(&u, &v, sizeof u);
    u64(u);
  }
};

// Little-endian snapshot writer and bounds-checked reader.
struct snap_writer {
  std::vector<std::uint8_t> out;
  void u8(std::uint8_t v) { out.push_back(v); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v) {
    std::uint64_t u;
    std::memcpy(&u, &v, sizeof u);
    u64(u);
  }
};

struct snap_reader {
  byte_view in;
  std::size_t pos = 0;
  bool ok = true;
  bool need(std::size_t n) noexcept {
    if (!ok || in.size() - pos < n) ok = false;
    return ok;
  }
  std::uint8_t u8() noexcept { return need(1) ? in[pos++] : 0; }
  std::uint32_t u32() noexcept {
    if (!need(4)) return 0;
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(in[pos++]) << (8 * i);
    return v;
  }
  std::uint64_t u64() noexcept {
    if (!need(8)) return 0;
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(in[pos++]) << (8 * i);
    return v;
  }
  std::int64_t i64() noexcept { return static_cast<std::int64_t>(u64()); }
  double f64() noexcept {
    const std::uint64_t u = u64();
    double v;
    std::memcpy(&v, &u, sizeof v);
    return v;
  }
  // A count of items of at least `min_item` bytes each: refuses counts the input cannot hold.
  std::uint32_t count(std::size_t min_item) noexcept {
    const std::uint32_t n = u32();
    if (ok && min_item > 0 && n > (in.size() - pos) / min_item) ok = false;
    return ok ? n : 0;
  }
};

}  // namespace detail

/// The alarm engine. Not thread-safe: one thread feeds it (wrap it in a strand or a mutex).
/// Copyable and movable (a copy is an independent engine with the same state).
class engine {
 public:
  engine() = default;

#if FIREBUS_HAS_EXCEPTIONS
  /// Configures; throws firebus::system_error (errc::invalid_rules, what() = the rules_error).
  explicit engine(const rules& r) {
    rules_error err;
    std::error_code ec;
    if (!configure(r, ec, &err)) throw system_error(ec, err.what());
  }
#endif

  /// Replaces the configuration and clears all state (the engine restarts at its next input).
  /// An invalid configuration is refused whole: the engine is left as it was.
  bool configure(const rules& r, std::error_code& ec, rules_error* err = nullptr) {
    rules_error local;
    if (!validate(r, err ? *err : local)) {
      ec = make_error_code(errc::invalid_rules);
      return false;
    }
    engine fresh;
    fresh.build(r);
    fresh.shortcut_on_ = shortcut_on_;
    *this = std::move(fresh);
    ec.clear();
    return true;
  }

  bool configured() const noexcept { return configured_; }

  // --- names and indices ---------------------------------------------------------------------
  std::uint32_t point_count() const noexcept { return static_cast<std::uint32_t>(pc_.size()); }
  std::uint32_t zone_count() const noexcept { return static_cast<std::uint32_t>(zcfg_.size()); }
  /// Point alarms in configuration order, then one "FIRE" alarm per dependency zone.
  std::uint32_t alarm_count() const noexcept { return static_cast<std::uint32_t>(al_.size()); }

  /// The index of a point, or npos.
  std::uint32_t find_point(std::string_view id) const noexcept {
    auto it =
        std::lower_bound(by_name_.begin(), by_name_.end(), id,
                         [this](std::uint32_t p, std::string_view s) { return point_name(p) < s; });
    return it != by_name_.end() && point_name(*it) == id ? *it : npos;
  }
  std::uint32_t find_zone(std::string_view id) const noexcept {
    for (std::uint32_t z = 0; z < zcfg_.size(); ++z) {
      if (zcfg_[z].name == id) return z;
    }
    return npos;
  }
  /// The global index of a point's alarm, or npos.
  std::uint32_t find_alarm(std::uint32_t point, std::string_view id) const noexcept {
    if (point >= pc_.size()) return npos;
    for (std::uint32_t a = pc_[point].first_alarm; a < pc_[point].alarm_end(); ++a) {
      if (alarm_name(a) == id) return a;
    }
    return npos;
  }
  /// The global index of a zone's own alarm ("FIRE"), or npos.
  std::uint32_t zone_alarm(std::uint32_t zone) const noexcept {
    return zone < zcfg_.size() ? zcfg_[zone].alarm : npos;
  }
  std::string_view point_name(std::uint32_t p) const noexcept {
    if (p >= pc_.size()) return {};
    return std::string_view(pool_).substr(pc_[p].name_off, pc_[p].name_len);
  }
  std::string_view zone_name(std::uint32_t z) const noexcept {
    return z < zcfg_.size() ? std::string_view(zcfg_[z].name) : std::string_view();
  }
  std::string_view alarm_name(std::uint32_t a) const noexcept {
    return a < al_.size() ? std::string_view(alarm_names_[al_[a].c.name]) : std::string_view();
  }
  /// The point of an alarm (npos for a zone's alarm) and the zone of a zone's alarm.
  std::uint32_t alarm_point(std::uint32_t a) const noexcept {
    return a < al_.size() ? al_[a].c.point : npos;
  }
  std::uint32_t alarm_zone(std::uint32_t a) const noexcept {
    return a < al_.size() && al_[a].c.point == npos ? al_[a].c.aux : npos;
  }
  alarm_class alarm_class_of(std::uint32_t a) const noexcept {
    return a < al_.size() ? al_[a].c.cls : alarm_class::none;
  }

  // --- time ----------------------------------------------------------------------------------
  /// The engine's time: the latest input or advance.
  mono_time now() const noexcept { return mono_time(duration(now_)); }
  /// When the next timer is due, if any: a transport calls advance() then.
  std::optional<mono_time> next_due() const noexcept {
    if (heap_.empty()) return std::nullopt;
    return mono_time(duration(heap_.front().due));
  }

  // --- inputs --------------------------------------------------------------------------------
  /// A sample in the point's unit, time-stamped by the device with `ts` (default: `t`).
  void sample(std::uint32_t point, mono_time t, double value, std::error_code& ec) {
    const std::int64_t tt = t.time_since_epoch().count();
    if (shortcut(point, tt, value, tt)) {
      if (ec) ec.clear();  // (clear() calls the out-of-line system_category())
      return;
    }
    sample_impl(point, t, value, tt, std::nullopt, ec);
  }
  void sample(std::uint32_t point, mono_time t, double value, mono_time ts, std::error_code& ec) {
    const std::int64_t tt = t.time_since_epoch().count();
    const std::int64_t ts_us = ts.time_since_epoch().count();
    if (shortcut(point, tt, value, ts_us)) {
      if (ec) ec.clear();
      return;
    }
    sample_impl(point, t, value, ts_us, std::nullopt, ec);
  }
  /// Many samples in one call, exactly as sample() one by one (times `t[i]` non-decreasing; the
  /// device time stamp is the receive time), but faster on large configurations: while it
  /// evaluates sample i, the engine prefetches the state of the point of sample i + 16, so the
  /// memory latency of a random point order overlaps. Stops at the first refused sample: returns
  /// the number accepted, and `ec` says why the next one was refused.
  std::size_t sample_batch(const std::uint32_t* points, const mono_time* t, const double* values,
                           std::size_t n, std::error_code& ec) {
    ec.clear();
    constexpr std::size_t ahead = 16;
    const std::size_t np = ph_.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (i + ahead < n && points[i + ahead] < np) prefetch(&ph_[points[i + ahead]]);
      const std::int64_t tt = t[i].time_since_epoch().count();
      if (shortcut(points[i], tt, values[i], tt)) continue;
      sample_impl(points[i], t[i], values[i], tt, std::nullopt, ec);
      if (ec) return i;
    }
    return n;
  }

  /// Whether samples that change no alarm take the one-cache-line shortcut (default on). The
  /// results are identical either way; turning it off exists for differential tests.
  void set_shortcut(bool on) noexcept { shortcut_on_ = on; }
  bool shortcut_enabled() const noexcept { return shortcut_on_; }

  /// A raw 4–20 mA loop reading, mapped by the point's raw_4_20mA.
  void raw_sample(std::uint32_t point, mono_time t, double milliamps, std::optional<mono_time> ts,
                  std::error_code& ec) {
    if (point < pc_.size() && (pc_[point].extra == npos || !extra_[pc_[point].extra].has_raw)) {
      ec = make_error_code(errc::no_raw_mapping);
      return;
    }
    const std::int64_t ts_us = ts ? ts->time_since_epoch().count() : t.time_since_epoch().count();
    sample_impl(point, t, 0, ts_us, milliamps, ec);
  }
  /// A condition the device reports itself (drives `state` alarms, without delay).
  void condition(std::uint32_t point, mono_time t, device_condition c, std::error_code& ec) {
    if (!begin(point, t, ec)) return;
    condition_impl(point, c);
    finish();
  }
  /// The device's health.
  void status(std::uint32_t point, mono_time t, device_status s, std::error_code& ec) {
    if (!begin(point, t, ec)) return;
    status_impl(point, s);
    finish();
  }
  /// An operator command (see firebus::alarm::command for what it can name).
  void execute(mono_time t, const command& c, std::error_code& ec) {
    std::vector<std::uint32_t> targets;
    std::vector<std::uint32_t> oos_points;
    if (!resolve(c, targets, oos_points, ec)) return;
    if (!begin(npos, t, ec)) return;
    command_impl(c, targets, oos_points);
    finish();
  }
  /// Lets every timer due at or before `t` fire.
  void advance(mono_time t, std::error_code& ec) {
    if (!begin(npos, t, ec)) return;
    finish();
  }

#if FIREBUS_HAS_EXCEPTIONS
  /// Throwing overloads (firebus::system_error with the engine's error code).
  void sample(std::uint32_t point, mono_time t, double value) {
    std::error_code ec;
    sample(point, t, value, ec);
    if (ec) throw system_error(ec, "alarm sample");
  }
  void condition(std::uint32_t point, mono_time t, device_condition c) {
    std::error_code ec;
    condition(point, t, c, ec);
    if (ec) throw system_error(ec, "alarm condition");
  }
  void status(std::uint32_t point, mono_time t, device_status s) {
    std::error_code ec;
    status(point, t, s, ec);
    if (ec) throw system_error(ec, "alarm status");
  }
  void execute(mono_time t, const command& c) {
    std::error_code ec;
    execute(t, c, ec);
    if (ec) throw system_error(ec, "alarm command");
  }
  void advance(mono_time t) {
    std::error_code ec;
    advance(t, ec);
    if (ec) throw system_error(ec, "alarm advance");
  }
#endif

  // --- outputs -------------------------------------------------------------------------------
  /// Events emitted since the last clear_events(), in order.
  const std::vector<alarm_event>& events() const noexcept { return out_; }
  void clear_events() noexcept { out_.clear(); }

  /// An event with names (point, alarm, zone, source, command) instead of indices.
  firebus::event to_event(const alarm_event& e) const {
    firebus::event r;
    r.t = e.t;
    r.kind = e.kind;
    r.cls = e.cls;
    r.state = e.state;
    r.reason = e.reason;
    std::error_code ec;
    if (e.point != npos) r.point = point_id::make(point_name(e.point), ec);
    if (e.alarm != npos) r.alarm = std::string(alarm_name(e.alarm));
    if (e.zone != npos) r.zone = std::string(zone_name(e.zone));
    if (e.source != npos) r.cause = point_id::make(point_name(e.source), ec);
    if (e.has_value) r.value = e.value;
    if (e.kind == event_kind::clock_jump) r.delta_s = e.delta_s;
    if (e.kind == event_kind::command) r.command = "reset_device";
    return r;
  }

  // --- state ---------------------------------------------------------------------------------
  /// An alarm's annunciated state (normal while shelved, suppressed, out of service, disabled).
  alarm_state state(std::uint32_t a) const noexcept {
    return a < al_.size() ? al_[a].r.state : alarm_state::normal;
  }
  /// Whether an alarm's condition is active (after delays), annunciated or not.
  bool condition_active(std::uint32_t a) const noexcept { return a < al_.size() && al_[a].r.cond; }
  bool shelved(std::uint32_t a) const noexcept { return has_overlay(a, detail::ov_shelved); }
  bool suppressed(std::uint32_t a) const noexcept { return has_overlay(a, detail::ov_suppressed); }
  bool out_of_service(std::uint32_t a) const noexcept { return has_overlay(a, detail::ov_oos); }
  bool disabled(std::uint32_t a) const noexcept { return has_overlay(a, detail::ov_disabled); }
  /// A point's active fault (event_reason::none when none).
  event_reason fault(std::uint32_t p) const noexcept {
    return p < pc_.size() ? ph_[p].fault : event_reason::none;
  }
  bool buzzer() const noexcept { return buzzer_; }
  bool flooding() const noexcept { return flooding_; }
  bool linkage(std::uint32_t z) const noexcept { return z < zrt_.size() && zrt_[z].linkage_on; }

  /// Active and latched alarms (unack, acked, latched_*), faults and disabled alarms in priority
  /// order: class (fire first), then oldest first, then configuration order. An alarm that has
  /// returned to normal and awaits its ack (rtn_unack) is not active: it is not listed, and it
  /// does not raise the panel's state (query it with state()).
  std::vector<active_entry> active() const {
    struct keyed {
      active_entry e;
      std::uint64_t order;
    };
    std::vector<keyed> list;
    std::uint64_t order = 0;
    auto add_alarm = [&](std::uint32_t a) {
      const auto& r = al_[a].r;
      active_entry e;
      e.alarm = a;
      e.point = al_[a].c.point;
      e.zone = al_[a].c.point == npos ? al_[a].c.aux : npos;
      if (r.overlays & detail::ov_disabled) {
        e.cls = alarm_class::disablement;
        e.since = mono_time(duration(r.since));
        list.push_back({e, order++});
      } else if (r.state != alarm_state::normal && r.state != alarm_state::rtn_unack) {
        e.cls = al_[a].c.cls;
        e.state = r.state;
        e.since = mono_time(duration(r.since));
        list.push_back({e, order++});
      }
    };
    for (std::uint32_t p = 0; p < pc_.size(); ++p) {
      for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end(); ++a) add_alarm(a);
      if (ph_[p].fault != event_reason::none) {
        active_entry e;
        e.cls = alarm_class::fault;
        e.reason = ph_[p].fault;
        e.point = p;
        e.since = mono_time(duration(ph_[p].fault_since));
        list.push_back({e, order++});
      }
    }
    for (const auto& z : zcfg_) {
      if (z.alarm != npos) add_alarm(z.alarm);
    }
    std::stable_sort(list.begin(), list.end(), [](const keyed& x, const keyed& y) {
      if (x.e.cls != y.e.cls) return priority(x.e.cls) > priority(y.e.cls);
      if (x.e.since != y.e.since) return x.e.since < y.e.since;
      return x.order < y.order;
    });
    std::vector<active_entry> result;
    result.reserve(list.size());
    for (auto& k : list) result.push_back(k.e);
    return result;
  }

  /// The panel's overall state: the highest class in the active list, alarm_class::none
  /// ("normal") when it is empty.
  alarm_class panel() const noexcept {
    alarm_class best = alarm_class::none;
    for (std::uint32_t a = 0; a < al_.size(); ++a) {
      alarm_class c = alarm_class::none;
      if (al_[a].r.overlays & detail::ov_disabled) {
        c = alarm_class::disablement;
      } else if (al_[a].r.state != alarm_state::normal &&
                 al_[a].r.state != alarm_state::rtn_unack) {
        c = al_[a].c.cls;
      }
      if (priority(c) > priority(best)) best = c;
    }
    for (const auto& p : ph_) {
      if (p.fault != event_reason::none && priority(alarm_class::fault) > priority(best)) {
        best = alarm_class::fault;
      }
    }
    return best;
  }

  // --- snapshot ------------------------------------------------------------------------------
  /// The whole state as bytes (versioned, tied to this configuration).
  std::vector<std::uint8_t> snapshot() const {
    detail::snap_writer w;
    for (char c : std::string_view("FBAS")) w.u8(static_cast<std::uint8_t>(c));
    w.u32(snapshot_version);
    w.u64(fingerprint_);
    w.i64(now_);
    w.u8(static_cast<std::uint8_t>((started_ ? 1 : 0) | (buzzer_ ? 2 : 0) | (flooding_ ? 4 : 0)));
    w.u32(static_cast<std::uint32_t>(flood_.size()));
    for (std::int64_t v : flood_) w.i64(v);
    w.u32(static_cast<std::uint32_t>(pc_.size()));
    for (const auto& p : ph_) {
      w.f64(p.held);
      w.f64(p.ref_v);
      w.i64(p.ref_t);
      w.i64(p.ref_ts);
      w.i64(p.last_input);
      w.i64(p.fault_since);
      w.u8(static_cast<std::uint8_t>(p.fault));
      w.u8(static_cast<std::uint8_t>(p.origin));
      w.u8(static_cast<std::uint8_t>(p.status));
      w.u8(static_cast<std::uint8_t>((p.has_held ? 1 : 0) | (p.has_ref ? 2 : 0) | (p.oos ? 4 : 0) |
                                     (p.suppressing ? 8 : 0)));
    }
    w.u32(static_cast<std::uint32_t>(al_.size()));
    for (const auto& rec : al_) {
      const auto& a = rec.r;
      w.i64(a.run_due);
      w.i64(a.since);
      w.u8(static_cast<std::uint8_t>(a.state));
      w.u8(a.cond ? 1 : 0);
      w.u8(a.overlays);
      w.u8(a.flags);
    }
    auto put_map = [&w](const std::unordered_map<std::uint32_t, std::int64_t>& m) {
      std::vector<std::pair<std::uint32_t, std::int64_t>> v(m.begin(), m.end());
      std::sort(v.begin(), v.end());
      w.u32(static_cast<std::uint32_t>(v.size()));
      for (const auto& kv : v) {
        w.u32(kv.first);
        w.i64(kv.second);
      }
    };
    put_map(shelve_until_);
    put_map(verify_t0_);
    {
      std::vector<std::uint32_t> keys;
      for (const auto& kv : chatter_) keys.push_back(kv.first);
      std::sort(keys.begin(), keys.end());
      w.u32(static_cast<std::uint32_t>(keys.size()));
      for (std::uint32_t k : keys) {
        const auto& d = chatter_.at(k);
        w.u32(k);
        w.u32(static_cast<std::uint32_t>(d.size()));
        for (std::int64_t v : d) w.i64(v);
      }
    }
    w.u32(static_cast<std::uint32_t>(ror_hist_.size()));
    for (const auto& h : ror_hist_) {
      w.u32(static_cast<std::uint32_t>(h.size()));
      for (const auto& s : h) {  // version 2: merged entries (version 1: t and v)
        w.i64(s.t_last);
        w.i64(s.t_ref);
        w.f64(s.v_ref);
      }
    }
    w.u32(static_cast<std::uint32_t>(zrt_.size()));
    for (const auto& z : zrt_) {
      w.i64(z.dep_due);
      w.u32(z.dep_first);
      w.u8(z.linkage_on ? 1 : 0);
      w.u32(static_cast<std::uint32_t>(z.contributors.size()));
      for (std::uint32_t c : z.contributors) w.u32(c);
    }
    return std::move(w.out);
  }

  /// Restores a snapshot taken by an engine with the same configuration, at time `t` (the
  /// restore time, from which staleness restarts). Emits nothing. Timers keep their due times:
  /// those already due fire at the next input or advance, stamped with their due time. On
  /// failure (errc::snapshot_corrupt, snapshot_mismatch, not_configured) nothing changes.
  bool restore(byte_view bytes, mono_time t, std::error_code& ec) {
    if (!configured_) {
      ec = make_error_code(errc::not_configured);
      return false;
    }
    detail::snap_reader r{bytes};
    const char magic[4] = {static_cast<char>(r.u8()), static_cast<char>(r.u8()),
                           static_cast<char>(r.u8()), static_cast<char>(r.u8())};
    if (!r.ok || std::string_view(magic, 4) != "FBAS") {
      ec = make_error_code(errc::snapshot_corrupt);
      return false;
    }
    const std::uint32_t version = r.u32();
    const std::uint64_t fp = r.u64();
    if (!r.ok) {
      ec = make_error_code(errc::snapshot_corrupt);
      return false;
    }
    if ((version != snapshot_version && version != 1) || fp != fingerprint_) {
      ec = make_error_code(errc::snapshot_mismatch);
      return false;
    }
    engine e = *this;  // same configuration; the state is replaced below
    e.out_.clear();
    e.now_ = r.i64();
    const std::uint8_t gflags = r.u8();
    e.started_ = gflags & 1;
    e.buzzer_ = gflags & 2;
    e.flooding_ = gflags & 4;
    e.flood_.clear();
    for (std::uint32_t n = r.count(8), i = 0; i < n; ++i) e.flood_.push_back(r.i64());
    if (r.count(52) != e.pc_.size()) r.ok = false;
    for (auto& p : e.ph_) {
      if (!r.ok) break;
      p.clear_state();
      p.held = r.f64();
      p.ref_v = r.f64();
      p.ref_t = r.i64();
      p.ref_ts = r.i64();
      p.last_input = r.i64();
      p.fault_since = r.i64();
      const std::uint8_t fault = r.u8(), origin = r.u8(), status = r.u8(), f = r.u8();
      if (fault > static_cast<std::uint8_t>(event_reason::out_of_order) || origin > 3 ||
          status > 3) {
        r.ok = false;
      }
      p.fault = static_cast<event_reason>(fault);
      p.origin = static_cast<detail::fault_origin>(origin);
      p.status = static_cast<device_status>(status);
      p.has_held = f & 1;
      p.has_ref = f & 2;
      p.oos = f & 4;
      p.suppressing = f & 8;
    }
    if (r.count(20) != e.al_.size()) r.ok = false;
    for (auto& rec : e.al_) {
      auto& a = rec.r;
      if (!r.ok) break;
      a.run_due = r.i64();
      a.since = r.i64();
      const std::uint8_t st = r.u8();
      if (st > static_cast<std::uint8_t>(alarm_state::latched_acked)) r.ok = false;
      a.state = static_cast<alarm_state>(st);
      a.cond = r.u8() != 0;
      a.overlays = r.u8();
      a.flags = r.u8();
    }
    auto get_map = [&](std::unordered_map<std::uint32_t, std::int64_t>& m) {
      m.clear();
      for (std::uint32_t n = r.count(12), i = 0; i < n; ++i) {
        const std::uint32_t k = r.u32();
        const std::int64_t v = r.i64();
        if (k >= e.al_.size()) r.ok = false;
        m[k] = v;
      }
    };
    get_map(e.shelve_until_);
    get_map(e.verify_t0_);
    e.chatter_.clear();
    for (std::uint32_t n = r.count(8), i = 0; i < n && r.ok; ++i) {
      const std::uint32_t k = r.u32();
      if (k >= e.al_.size()) r.ok = false;
      auto& d = e.chatter_[k];
      for (std::uint32_t m = r.count(8), j = 0; j < m; ++j) d.push_back(r.i64());
      if (d.size() > static_cast<std::size_t>(std::max(chatter_count_, 0))) r.ok = false;
    }
    if (r.count(4) != e.ror_hist_.size()) r.ok = false;
    for (auto& h : e.ror_hist_) {
      if (!r.ok) break;
      h.clear();
      for (std::uint32_t m = r.count(version == 1 ? 16 : 24), j = 0; j < m; ++j) {
        detail::ror_entry x{};
        x.t_last = r.i64();
        x.t_ref = version == 1 ? x.t_last : r.i64();  // version 1: one sample per entry
        x.v_ref = r.f64();
        h.push_back(x);
      }
      if (h.size() > detail::ror_history_cap) r.ok = false;
    }
    if (r.count(17) != e.zrt_.size()) r.ok = false;
    for (auto& z : e.zrt_) {
      if (!r.ok) break;
      z.dep_due = r.i64();
      z.dep_first = r.u32();
      z.linkage_on = r.u8() != 0;
      z.contributors.clear();
      for (std::uint32_t m = r.count(4), j = 0; j < m; ++j) {
        const std::uint32_t c = r.u32();
        if (c >= e.pc_.size()) r.ok = false;
        z.contributors.push_back(c);
      }
      if (z.dep_first != npos && z.dep_first >= e.pc_.size()) r.ok = false;
    }
    if (!r.ok || r.pos != bytes.size() || !e.consistent()) {
      ec = make_error_code(errc::snapshot_corrupt);
      return false;
    }
    // Derived state: counters, timers, staleness restarting at the restore time.
    const std::int64_t resume = std::max(t.time_since_epoch().count(), e.now_);
    // A snapshot taken before fire-class alarms became unshelvable may hold one shelved: its
    // shelving ends at the restore time, so that the next input or advance emits `unshelve`
    // (then `alarm_on` if the condition is active). Restoring itself still emits nothing.
    for (std::uint32_t a = 0; a < e.al_.size(); ++a) {
      if ((e.al_[a].r.overlays & detail::ov_shelved) != 0 && !e.shelvable(a)) {
        e.shelve_until_[a] = resume;
      }
    }
    e.fire_annunciated_ = 0;
    for (std::uint32_t a = 0; a < e.al_.size(); ++a) {
      if (e.al_[a].c.cls == alarm_class::fire && e.al_[a].r.state != alarm_state::normal) {
        ++e.fire_annunciated_;
      }
    }
    e.rebuild_timers(resume);
    *this = std::move(e);
    ec.clear();
    return true;
  }

  /// Bytes the engine holds for its configuration and state (for memory budgets).
  std::size_t memory_bytes() const noexcept {
    std::size_t n = sizeof(*this);
    n += al_.capacity() * sizeof(detail::alarm_rec) + pc_.capacity() * sizeof(detail::point_cfg);
    n += ph_.capacity() * sizeof(detail::point_hot);
    n += extra_.capacity() * sizeof(detail::point_extra) + pool_.capacity();
    n += by_name_.capacity() * sizeof(std::uint32_t) + heap_.capacity() * sizeof(detail::timer);
    n += point_zones_.capacity() * 4 + zone_points_begin_.capacity() * 4 +
         suppresses_.capacity() * 4;
    n += suppresses_begin_.capacity() * 4 + zmembers_.capacity() * sizeof(detail::zone_member);
    n += zcfg_.capacity() * sizeof(detail::zone_cfg) + zrt_.capacity() * sizeof(detail::zone_rt);
    n += ror_.capacity() * sizeof(detail::ror_cfg) + ror_hist_.capacity() * sizeof(ror_hist_[0]);
    for (const auto& s : alarm_names_) n += sizeof(s) + (s.capacity() > 15 ? s.capacity() : 0);
    return n;
  }

 private:
  // Version 2: rate-of-rise entries are (t_last, t_ref, v_ref); version 1 ((t, v), one sample
  // each) is still restored.
  static constexpr std::uint32_t snapshot_version = 2;
  using stage = detail::stage;

  // Whether restored state is one this configuration can produce: every time in range, every
  // index valid, every pending timer belonging to a feature that is configured. A snapshot is
  // data from disk: a damaged or forged one must be refused, never followed.
  bool consistent() const {
    using detail::time_ok;
    auto t_or_never = [](std::int64_t t) { return t == detail::never || time_ok(t); };
    if (!time_ok(now_)) return false;
    if (flooding_ && flood_on_ <= 0) return false;
    if (flood_.size() > static_cast<std::size_t>(std::max(flood_on_, 0))) return false;
    for (std::int64_t t : flood_) {
      if (!time_ok(t)) return false;
    }
    for (const auto& p : ph_) {
      if (!time_ok(p.ref_t) || !time_ok(p.ref_ts) || !time_ok(p.last_input) ||
          !time_ok(p.fault_since)) {
        return false;
      }
      if ((p.fault == event_reason::none) != (p.origin == detail::fault_origin::none)) return false;
    }
    for (std::uint32_t a = 0; a < al_.size(); ++a) {
      const auto& r = al_[a].r;
      if (!t_or_never(r.run_due) || !time_ok(r.since) || r.overlays > 15 || r.flags > 31) {
        return false;
      }
      if (r.run_due != detail::never && al_[a].c.type == rule_type::state) return false;
      // No engine ever shelved a fire-profile alarm (fire-class isa alarms were shelvable before
      // version 2 of the semantics' reading; restore() ends their shelving).
      if ((r.overlays & detail::ov_shelved) != 0 && al_[a].c.prof == profile::fire) return false;
      if ((r.flags & detail::af_chattering) && chatter_.count(a) == 0) return false;
    }
    if (buzzer_ && !out_buzzer_) return false;
    for (const auto& kv : shelve_until_) {
      if (al_[kv.first].c.prof == profile::fire || !time_ok(kv.second)) return false;
      if ((al_[kv.first].r.overlays & detail::ov_shelved) == 0) return false;
    }
    for (const auto& kv : verify_t0_) {
      if (!needs_verification(kv.first) || !time_ok(kv.second)) return false;
    }
    if (!chatter_.empty() && chatter_count_ <= 0) return false;
    for (const auto& kv : chatter_) {
      for (std::int64_t t : kv.second) {
        if (!time_ok(t)) return false;
      }
    }
    for (const auto& h : ror_hist_) {
      for (const auto& x : h) {
        // (A merged entry's reference is one of its samples; merging keeps t_ref ≤ t_last.)
        if (!time_ok(x.t_last) || !time_ok(x.t_ref) || x.t_ref > x.t_last) return false;
      }
    }
    for (std::uint32_t z = 0; z < zrt_.size(); ++z) {
      const auto& zr = zrt_[z];
      if (!t_or_never(zr.dep_due)) return false;
      const bool dep = zcfg_[z].dep_window > 0;
      if (!dep &&
          (zr.dep_first != npos || zr.dep_due != detail::never || !zr.contributors.empty())) {
        return false;
      }
      if ((zr.dep_first == npos) != (zr.dep_due == detail::never)) return false;
      if (zr.linkage_on && zcfg_[z].linkage_min <= 0) return false;
      if (zr.contributors.size() > zcfg_[z].members_end - zcfg_[z].members_begin) return false;
    }
    return true;
  }

  // --- configuration -------------------------------------------------------------------------
  void build(const rules& r) {
    using namespace detail;
    fingerprint fp;
    fp.u64(static_cast<std::uint64_t>(r.version));
    max_shelve_ = s_to_us(r.max_shelve_s);
    chatter_window_ = s_to_us(r.chatter.window_s);
    chatter_count_ = r.chatter.window_s > 0 ? r.chatter.count : 0;
    flood_window_ = s_to_us(r.flood.window_s);
    flood_on_ = r.flood.window_s > 0 ? r.flood.on : 0;
    flood_off_ = r.flood.off;
    out_buzzer_ = r.outputs.buzzer;
    out_linkage_ = r.outputs.linkage;
    out_commands_ = r.outputs.commands;
    for (double v :
         {r.max_shelve_s, r.chatter.window_s, static_cast<double>(r.chatter.count),
          r.flood.window_s, static_cast<double>(r.flood.on), static_cast<double>(r.flood.off)}) {
      fp.f64(v);
    }
    fp.u64((r.outputs.buzzer ? 1u : 0u) | (r.outputs.linkage ? 2u : 0u) |
           (r.outputs.commands ? 4u : 0u));

    std::size_t alarms = 0;
    for (const auto& p : r.points) alarms += p.alarms.size();
    std::size_t dep_zones = 0;
    for (const auto& z : r.zones) dep_zones += z.dependency_window_s > 0 ? 1 : 0;
    pc_.resize(r.points.size());
    ph_.resize(r.points.size());
    al_.reserve(alarms + dep_zones);
    std::size_t pool_size = 0;
    for (const auto& p : r.points) pool_size += p.id.size();
    pool_.reserve(pool_size);
    std::unordered_map<std::string_view, std::uint32_t> point_index;
    point_index.reserve(r.points.size());
    std::unordered_map<std::string, std::uint32_t> alarm_name_index;

    for (std::uint32_t i = 0; i < r.points.size(); ++i) {
      const point_rule& pr = r.points[i];
      point_index.emplace(pr.id, i);
      point_cfg& pc = pc_[i];
      pc.name_off = static_cast<std::uint32_t>(pool_.size());
      pc.name_len = static_cast<std::uint8_t>(pr.id.size());
      pool_ += pr.id;
      pc.stale = s_to_us(pr.stale_s);
      fp.str(pr.id);
      fp.f64(pr.stale_s);
      if (pr.range || pr.raw_4_20mA || pr.verification) {
        point_extra x;
        if (pr.range) {
          x.has_range = true;
          x.lo = pr.range->first;
          x.hi = pr.range->second;
          fp.f64(x.lo);
          fp.f64(x.hi);
        }
        if (pr.raw_4_20mA) {
          x.has_raw = true;
          x.raw_lo = pr.raw_4_20mA->first;
          x.raw_hi = pr.raw_4_20mA->second;
          fp.f64(x.raw_lo);
          fp.f64(x.raw_hi);
        }
        if (pr.verification) {
          x.has_verification = true;
          x.ignore = s_to_us(pr.verification->ignore_s);
          x.confirm = s_to_us(pr.verification->confirm_s);
          fp.f64(pr.verification->ignore_s);
          fp.f64(pr.verification->confirm_s);
        }
        pc.extra = static_cast<std::uint32_t>(extra_.size());
        extra_.push_back(x);
      }
      fp.u64(0xfeed);
      pc.first_alarm = static_cast<std::uint32_t>(al_.size());
      for (const alarm_rule& ar : pr.alarms) {
        alarm_cfg ac{};
        ac.setpoint = ar.setpoint;
        ac.deadband = ar.deadband;
        ac.on_delay = ar.type == rule_type::state ? 0 : s_to_us(ar.on_delay_s);
        ac.off_delay = ar.type == rule_type::state ? 0 : s_to_us(ar.off_delay_s);
        ac.point = i;
        ac.aux = npos;
        ac.type = ar.type;
        ac.cls = ar.cls;
        ac.prof = ar.profile;
        // "A fire alarm latches until an operator resets it" (the semantics, GB 4717): a
        // fire-class alarm latches whatever its profile; the profile still decides how a reset
        // is accepted (isa: acknowledged and inactive; fire: at once, re-alarming if active).
        ac.latching = ar.profile == profile::fire || ar.latch || ar.cls == alarm_class::fire;
        auto [it, fresh] =
            alarm_name_index.emplace(ar.id, static_cast<std::uint32_t>(alarm_names_.size()));
        if (fresh) alarm_names_.push_back(ar.id);
        ac.name = it->second;
        if (ar.type == rule_type::rate_of_rise) {
          ac.aux = static_cast<std::uint32_t>(ror_.size());
          ror_.push_back({ar.rate_per_min, s_to_us(ar.window_s), s_to_us(ar.max_reference_age_s)});
          pc.has_ror = true;
        }
        fp.str(ar.id);
        fp.u64(static_cast<std::uint64_t>(ar.type) | static_cast<std::uint64_t>(ar.cls) << 8 |
               static_cast<std::uint64_t>(ar.profile) << 16 | (ar.latch ? 1ull << 24 : 0));
        for (double v : {ar.setpoint, ar.deadband, ar.on_delay_s, ar.off_delay_s, ar.rate_per_min,
                         ar.window_s, ar.max_reference_age_s}) {
          fp.f64(v);
        }
        al_.push_back({ac, alarm_rt{}});
      }
      pc.alarm_n = static_cast<std::uint16_t>(al_.size() - pc.first_alarm);
    }
    ror_hist_.assign(ror_.size(), {});
    // Suppression (CSR: the points each point suppresses, in configuration order).
    suppresses_begin_.assign(r.points.size() + 1, 0);
    std::vector<std::uint32_t> suppressed_by(r.points.size(), npos);
    for (std::uint32_t i = 0; i < r.points.size(); ++i) {
      if (r.points[i].suppressed_by.empty()) continue;
      const std::uint32_t by = point_index.at(r.points[i].suppressed_by);
      suppressed_by[i] = by;
      ++suppresses_begin_[by + 1];
      fp.str(r.points[i].suppressed_by);
      fp.u64(i);
    }
    for (std::size_t i = 1; i < suppresses_begin_.size(); ++i) {
      suppresses_begin_[i] += suppresses_begin_[i - 1];
    }
    suppresses_.resize(suppresses_begin_.back());
    {
      std::vector<std::uint32_t> fill(suppresses_begin_.begin(), suppresses_begin_.end() - 1);
      for (std::uint32_t i = 0; i < r.points.size(); ++i) {
        if (suppressed_by[i] != npos) suppresses_[fill[suppressed_by[i]]++] = i;
      }
    }
    // Zones.
    zcfg_.resize(r.zones.size());
    zrt_.assign(r.zones.size(), zone_rt{});
    std::vector<std::vector<std::uint32_t>> zones_of(r.points.size());
    for (std::uint32_t z = 0; z < r.zones.size(); ++z) {
      const zone_rule& zr = r.zones[z];
      zone_cfg& zc = zcfg_[z];
      zc.name = zr.id;
      zc.linkage_min = zr.linkage_min_devices;
      zc.dep_window = s_to_us(zr.dependency_window_s);
      zc.members_begin = static_cast<std::uint32_t>(zmembers_.size());
      fp.str(zr.id);
      fp.u64(static_cast<std::uint64_t>(zr.linkage_min_devices));
      fp.f64(zr.dependency_window_s);
      // Members in configuration order of the points, so that zone commands and counts follow
      // the configuration.
      std::vector<std::uint32_t> members;
      for (const auto& m : zr.members) members.push_back(point_index.at(m));
      std::sort(members.begin(), members.end());
      std::vector<std::uint32_t> mcps;  // sorted: a zone of many members is not quadratic
      for (const auto& c : zr.manual_call_points) mcps.push_back(point_index.at(c));
      std::sort(mcps.begin(), mcps.end());
      for (std::uint32_t m : members) {
        const bool mcp = std::binary_search(mcps.begin(), mcps.end(), m);
        zmembers_.push_back({m, mcp});
        zones_of[m].push_back(z);
        if (zc.dep_window > 0) pc_[m].dep_member = true;
        fp.u64(m);
        fp.u64(mcp ? 1 : 0);
      }
      zc.members_end = static_cast<std::uint32_t>(zmembers_.size());
      if (zc.dep_window > 0) {
        alarm_cfg ac{};
        ac.point = npos;
        ac.aux = z;
        ac.type = rule_type::state;
        ac.cls = alarm_class::fire;
        ac.prof = profile::fire;
        ac.latching = true;
        auto [it, fresh] =
            alarm_name_index.emplace("FIRE", static_cast<std::uint32_t>(alarm_names_.size()));
        if (fresh) alarm_names_.push_back("FIRE");
        ac.name = it->second;
        zc.alarm = static_cast<std::uint32_t>(al_.size());
        al_.push_back({ac, alarm_rt{}});
      }
    }
    zone_points_begin_.assign(r.points.size() + 1, 0);
    for (std::uint32_t i = 0; i < r.points.size(); ++i) {
      zone_points_begin_[i + 1] =
          zone_points_begin_[i] + static_cast<std::uint32_t>(zones_of[i].size());
      for (std::uint32_t z : zones_of[i]) point_zones_.push_back(z);
    }
    // Ranks for timer ties: point id, then alarm id ("" for the point itself); zones after.
    by_name_.resize(r.points.size());
    for (std::uint32_t i = 0; i < by_name_.size(); ++i) by_name_[i] = i;
    std::sort(by_name_.begin(), by_name_.end(),
              [this](std::uint32_t a, std::uint32_t b) { return point_name(a) < point_name(b); });
    std::uint32_t rank = 0;
    for (std::uint32_t p : by_name_) {
      ph_[p].rank = rank++;
      const std::uint32_t as = pc_[p].alarm_n;
      rank += as;
    }
    std::vector<std::uint32_t> zs(zcfg_.size());
    for (std::uint32_t z = 0; z < zs.size(); ++z) zs[z] = z;
    std::sort(zs.begin(), zs.end(),
              [this](std::uint32_t a, std::uint32_t b) { return zcfg_[a].name < zcfg_[b].name; });
    for (std::uint32_t z : zs) {
      zcfg_[z].rank = rank++;
    }
    dirty_zone_.assign(zcfg_.size(), 0);
    zone_source_.assign(zcfg_.size(), npos);
    fingerprint_ = fp.h;
    configured_ = true;
  }

  static void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
  }

  bool has_overlay(std::uint32_t a, std::uint8_t bit) const noexcept {
    return a < al_.size() && (al_[a].r.overlays & bit) != 0;
  }

  // --- the input cycle -----------------------------------------------------------------------
  // Validates the point and the time, starts the engine on its first input, fires the timers
  // due up to t. Nothing changes when it returns false.
  bool begin(std::uint32_t point, mono_time t, std::error_code& ec) {
    if (!configured_) {
      ec = make_error_code(errc::not_configured);
      return false;
    }
    if (point != npos && point >= pc_.size()) {
      ec = make_error_code(errc::unknown_point);
      return false;
    }
    const std::int64_t tt = t.time_since_epoch().count();
    if (!detail::time_ok(tt)) {
      ec = make_error_code(errc::invalid_time);
      return false;
    }
    if (started_ && tt < now_) {
      ec = make_error_code(errc::time_went_back);
      return false;
    }
    ec.clear();
    if (!started_) start(tt);
    run_timers(tt);
    now_ = tt;
    cur_ = tt;
    return true;
  }

  void start(std::int64_t t) {
    started_ = true;
    now_ = t;
    for (auto& p : ph_) p.last_input = t;
    rebuild_timers(t);
  }

  void rebuild_timers(std::int64_t resume) {
    heap_.clear();
    for (std::uint32_t p = 0; p < pc_.size(); ++p) {
      ph_[p].no_shortcut();
      ph_[p].last_input = std::max(ph_[p].last_input, resume);
      ph_[p].stale_queued = false;
      if (pc_[p].stale > 0 && !ph_[p].oos) arm_stale(p);
    }
    for (std::uint32_t a = 0; a < al_.size(); ++a) {
      if (al_[a].r.run_due != detail::never)
        push_alarm_timer(detail::timer_kind::run, a, al_[a].r.run_due);
      if ((al_[a].r.flags & detail::af_chattering) != 0) {
        push_alarm_timer(detail::timer_kind::chatter, a, chatter_due(a));
      }
    }
    for (const auto& kv : shelve_until_) {
      push_alarm_timer(detail::timer_kind::shelve, kv.first, kv.second);
    }
    for (const auto& kv : verify_t0_) {
      push_alarm_timer(detail::timer_kind::verify, kv.first, verify_end(kv.first, kv.second));
    }
    for (std::uint32_t z = 0; z < zrt_.size(); ++z) {
      if (zrt_[z].dep_due != detail::never) push_zone_timer(z, zrt_[z].dep_due);
    }
    if (flooding_) push_timer({flood_off_due(), 0, 0, 0, detail::timer_kind::flood});
  }

  void run_timers(std::int64_t t) {
    while (!heap_.empty() && heap_.front().due <= t) {
      std::pop_heap(heap_.begin(), heap_.end(), detail::timer_later{});
      const detail::timer tm = heap_.back();
      heap_.pop_back();
      now_ = tm.due;
      cur_ = tm.due;
      fire(tm);
      finish();
    }
  }

  // Derived events of the input or timer just processed, then the staged events in the order
  // of the semantics (R3).
  void finish() {
    using namespace detail;
    if (!staged_ && !any_dirty_ && !fire_on_now_ && !buzzer_) {  // the common case: nothing
      return;
    }
    if (any_dirty_) {
      for (std::uint32_t z = 0; z < zcfg_.size(); ++z) {
        if (dirty_zone_[z]) {
          const bool reset = (dirty_zone_[z] & 2) != 0;
          dirty_zone_[z] = 0;
          evaluate_linkage(z, reset);
          zone_source_[z] = npos;
        }
      }
    }
    any_dirty_ = false;
    if (out_buzzer_) {
      if (fire_on_now_ && !buzzer_) {
        buzzer_ = true;
        emit(st_buzzer, mk(event_kind::buzzer_on));
      } else if (buzzer_ && fire_annunciated_ == 0) {
        buzzer_ = false;
        emit(st_buzzer, mk(event_kind::buzzer_off));
      }
    }
    fire_on_now_ = false;
    if (!staged_) return;
    for (auto& s : stages_) {
      out_.insert(out_.end(), s.begin(), s.end());
      s.clear();
    }
    staged_ = false;
  }

  alarm_event mk(event_kind k) const noexcept {
    alarm_event e;
    e.t = mono_time(duration(cur_));
    e.kind = k;
    return e;
  }

  alarm_event mk_alarm(event_kind k, std::uint32_t a) const noexcept {
    alarm_event e = mk(k);
    e.alarm = a;
    e.cls = al_[a].c.cls;
    e.state = al_[a].r.state;
    if (al_[a].c.point != npos) {
      e.point = al_[a].c.point;
    } else {
      e.zone = al_[a].c.aux;
    }
    return e;
  }

  void emit(stage s, const alarm_event& e) {
    stages_[s].push_back(e);
    staged_ = true;
  }

  stage trans_stage(std::uint32_t a) const noexcept {
    return al_[a].c.point == npos ? detail::st_zone_trans : detail::st_trans;
  }

  // --- timers --------------------------------------------------------------------------------
  void push_timer(const detail::timer& t) {
    heap_.push_back(t);
    std::push_heap(heap_.begin(), heap_.end(), detail::timer_later{});
  }
  void push_alarm_timer(detail::timer_kind k, std::uint32_t a, std::int64_t due) {
    push_timer({due, alarm_rank(a), a, static_cast<std::int8_t>(priority(al_[a].c.cls)), k});
  }
  // Timer ties: point id, then alarm id; a point's own timers before its alarms'; zones last.
  std::uint32_t alarm_rank(std::uint32_t a) const noexcept {
    const auto p = al_[a].c.point;
    if (p == npos) return zcfg_[al_[a].c.aux].rank;
    std::uint32_t below = 0;
    for (std::uint32_t b = pc_[p].first_alarm; b < pc_[p].alarm_end(); ++b) {
      below += alarm_name(b) < alarm_name(a) ? 1u : 0u;
    }
    return ph_[p].rank + 1 + below;
  }
  void push_zone_timer(std::uint32_t z, std::int64_t due) {
    push_timer({due, zcfg_[z].rank, z, static_cast<std::int8_t>(priority(alarm_class::fire)),
                detail::timer_kind::dependency});
  }
  std::int64_t stale_due(std::uint32_t p) const noexcept {
    return ph_[p].last_input + pc_[p].stale;
  }
  void arm_stale(std::uint32_t p) {
    if (ph_[p].stale_queued || pc_[p].stale <= 0 || ph_[p].oos) return;
    ph_[p].stale_queued = true;
    push_timer({stale_due(p), ph_[p].rank, p,
                static_cast<std::int8_t>(priority(alarm_class::fault)), detail::timer_kind::stale});
  }
  std::int64_t verify_end(std::uint32_t a, std::int64_t t0) const noexcept {
    const auto& x = extra_[pc_[al_[a].c.point].extra];
    return t0 + x.ignore + x.confirm;
  }
  std::int64_t chatter_due(std::uint32_t a) const {
    auto it = chatter_.find(a);
    if (it == chatter_.end() || it->second.empty()) return detail::never;
    return it->second.front() + chatter_window_;
  }
  std::int64_t flood_off_due() const noexcept {
    // The count drops to flood_off_ when the (off+1)-th most recent occurrence ages out.
    const std::size_t k = static_cast<std::size_t>(flood_off_) + 1;
    if (flood_.size() < k) return cur_;
    return flood_[flood_.size() - k] + flood_window_;
  }

  void fire(const detail::timer& tm) {
    using detail::timer_kind;
    if (tm.kind == timer_kind::stale) {
      unquiet_point(tm.target);
    } else if (tm.kind != timer_kind::dependency && tm.kind != timer_kind::flood) {
      unquiet_alarm(tm.target);
    }
    switch (tm.kind) {
      case timer_kind::run: {
        auto& r = al_[tm.target].r;
        if (r.run_due != tm.due) return;
        r.run_due = detail::never;
        const auto p = al_[tm.target].c.point;
        const bool has = ph_[p].has_held;
        set_cond(tm.target, !r.cond, has, ph_[p].held);
        return;
      }
      case timer_kind::shelve: {
        auto it = shelve_until_.find(tm.target);
        if (it == shelve_until_.end() || it->second != tm.due) return;
        exit_overlay(tm.target, detail::ov_shelved, event_kind::unshelve);
        return;
      }
      case timer_kind::verify: {
        auto it = verify_t0_.find(tm.target);
        if (it == verify_t0_.end() || verify_end(tm.target, it->second) != tm.due) return;
        verify_t0_.erase(it);
        al_[tm.target].r.flags =
            static_cast<std::uint8_t>(al_[tm.target].r.flags & ~detail::af_verifying);
        emit(detail::st_verify, mk_alarm(event_kind::verify_cancel, tm.target));
        return;
      }
      case timer_kind::chatter: {
        auto& r = al_[tm.target].r;
        if ((r.flags & detail::af_chattering) == 0 || chatter_due(tm.target) != tm.due) return;
        r.flags = static_cast<std::uint8_t>(r.flags & ~detail::af_chattering);
        emit(detail::st_chatter, mk_alarm(event_kind::chatter_off, tm.target));
        return;
      }
      case timer_kind::dependency: {
        auto& z = zrt_[tm.target];
        if (z.dep_due != tm.due || z.dep_first == npos) return;
        alarm_event e = mk(event_kind::dependency_timeout);
        e.zone = tm.target;
        e.source = z.dep_first;
        z.dep_due = detail::never;
        z.dep_first = npos;
        emit(detail::st_dependency, e);
        return;
      }
      case timer_kind::stale: {
        auto& p = ph_[tm.target];
        p.stale_queued = false;
        if (p.oos || pc_[tm.target].stale <= 0) return;
        const std::int64_t due = stale_due(tm.target);
        if (due > tm.due) {
          arm_stale(tm.target);
          return;
        }
        if (p.origin == detail::fault_origin::none) {
          fault_on(tm.target, event_reason::comm_loss, detail::fault_origin::comm, false, 0);
        }
        cancel_off_runs(tm.target);
        return;
      }
      case timer_kind::flood: {
        if (!flooding_ || flood_off_due() != tm.due) return;
        prune_flood();
        flooding_ = false;
        emit(detail::st_flood, mk(event_kind::flood_off));
        return;
      }
    }
  }

  // --- samples, conditions, statuses ---------------------------------------------------------
  // The shortcut: a sample whose value lies in the point's quiet interval, in order, with no
  // clock jump and no timer due, changes nothing but the point's held value, its ordering
  // reference, its last input time and its suppression flag: exactly what the full path would
  // change for it (refresh_quiet() states the conditions). Returns false, with nothing changed,
  // when the full path must run.
  bool shortcut(std::uint32_t point, std::int64_t t, double v, std::int64_t ts) noexcept {
    if (!shortcut_on_ || !started_ || point >= ph_.size() || t < now_) return false;
    if (!detail::time_ok(t) || !detail::time_ok(ts)) return false;
    if (!heap_.empty() && heap_.front().due <= t) return false;
    auto& h = ph_[point];
    if (!(v >= h.qlo && v < h.qhi) || ts <= h.ref_ts) return false;
    const std::int64_t d = (ts - h.ref_ts) - (t - h.ref_t);
    if (d > detail::clock_jump_limit_us || d < -detail::clock_jump_limit_us) return false;
    h.held = v;
    h.ref_v = v;
    h.ref_t = t;
    h.ref_ts = ts;
    h.last_input = t;
    h.suppressing = v != 0;
    now_ = t;
    cur_ = t;
    return true;
  }

  // The point's quiet interval after its state changed: the values v for which sample_full()
  // would only set held, the reference, last_input and suppressing. Empty unless the point has
  // a reference and a held value, no fault, no rate-of-rise alarm, a staleness timer queued (or
  // none needed), and suppresses nothing (its zero crossings matter). Each HIGH or LOW alarm
  // then narrows it to the values that keep its condition and its pending delay as they are.
  void refresh_quiet(std::uint32_t p) noexcept {
    using detail::never;
    auto& h = ph_[p];
    h.no_shortcut();
    const auto& c = pc_[p];
    if (!h.has_ref || !h.has_held || h.status != device_status::ok ||
        h.origin != detail::fault_origin::none || c.has_ror) {
      return;
    }
    if (c.stale > 0 && !h.stale_queued && !h.oos) return;
    if (suppresses_begin_[p] != suppresses_begin_[p + 1]) return;
    constexpr double inf = std::numeric_limits<double>::infinity();
    double lo = -inf;  // quiet: lo <= v < hi
    double hi = inf;
    auto at_least = [&lo](double x) { lo = std::max(lo, x); };
    auto below = [&hi](double x) { hi = std::min(hi, x); };
    if (c.extra != npos && extra_[c.extra].has_range) {
      at_least(extra_[c.extra].lo);
      below(std::nextafter(extra_[c.extra].hi, inf));
    }
    for (std::uint32_t a = c.first_alarm; a < c.alarm_end(); ++a) {
      const auto& ac = al_[a].c;
      const auto& r = al_[a].r;
      const bool pending = r.run_due != never;
      if (ac.type == rule_type::high) {
        if (!r.cond) {
          pending ? at_least(ac.setpoint) : below(ac.setpoint);  // act: v >= setpoint
        } else {
          const double ret = ac.setpoint - ac.deadband;  // return: v < ret
          pending ? below(ret) : at_least(ret);
        }
      } else if (ac.type == rule_type::low) {
        if (!r.cond) {
          const double above = std::nextafter(ac.setpoint, inf);  // act: v <= setpoint
          pending ? below(above) : at_least(above);
        } else {
          const double above = std::nextafter(ac.setpoint + ac.deadband, inf);  // return: v > it
          pending ? at_least(above) : below(above);
        }
      } else if (ac.type != rule_type::state) {
        return;
      }
    }
    if (!(lo < hi)) return;
    h.qlo = detail::float_at_least(lo);
    h.qhi = detail::float_at_most(hi);
  }

  // Something other than a sample of the point changed its state or its alarms' state: the
  // next sample takes the full path (which recomputes the interval).
  void unquiet_point(std::uint32_t p) noexcept {
    if (p < ph_.size()) ph_[p].no_shortcut();
  }
  void unquiet_alarm(std::uint32_t a) noexcept {
    if (a < al_.size()) unquiet_point(al_[a].c.point);
  }

  void note_input(std::uint32_t p) {
    ph_[p].last_input = cur_;
    if (pc_[p].stale > 0 && !ph_[p].stale_queued) arm_stale(p);
  }

  void sample_impl(std::uint32_t point, mono_time t, double value, std::int64_t ts,
                   std::optional<double> raw, std::error_code& ec) {
    if (!detail::time_ok(ts)) {
      ec = make_error_code(errc::invalid_time);
      return;
    }
    if (!begin(point, t, ec)) return;
    sample_full(point, value, ts, raw);
    refresh_quiet(point);
    finish();
  }

  // A sample after begin(), all rules applied (the caller then runs finish()).
  void sample_full(std::uint32_t point, double value, std::int64_t ts, std::optional<double> raw) {
    note_input(point);
    auto& pr = ph_[point];
    if (pr.status != device_status::ok) {
      // R8: a sample that arrives while the device's status is not ok is invalid: discarded
      // (silently, R9: the status fault is already reported), and it cancels any pending delay.
      cancel_runs(point);
      return;
    }
    const detail::point_extra* x = pc_[point].extra != npos ? &extra_[pc_[point].extra] : nullptr;
    double v = value;
    if (raw) v = x->raw_lo + (*raw - 4.0) * (x->raw_hi - x->raw_lo) / 16.0;
    // R9: the ordering reference is a value held from before a comm loss, discarded with the
    // others. The first sample after the loss is checked against no reference: a device whose
    // clock was reset while it was unreachable is not dropped as out of order (which would keep
    // the fault and every alarm behind it until the device's time caught up, up to 300 s).
    if (pr.origin == detail::fault_origin::comm) pr.has_ref = false;
    // R10: ordering, duplicates, clock jumps.
    if (pr.has_ref) {
      const std::int64_t d = (ts - pr.ref_ts) - (cur_ - pr.ref_t);
      if (d > detail::clock_jump_limit_us || d < -detail::clock_jump_limit_us) {
        alarm_event e = mk(event_kind::clock_jump);
        e.point = point;
        e.delta_s = detail::us_to_s(d);
        emit(detail::st_diag, e);
      } else if (ts == pr.ref_ts) {
        if (!detail::same_value(v, pr.ref_v)) drop(point, event_reason::ts_conflict, v);
        return;
      } else if (ts < pr.ref_ts) {
        drop(point, event_reason::out_of_order, v);
        return;
      }
    }
    pr.has_ref = true;
    pr.ref_t = cur_;
    pr.ref_ts = ts;
    pr.ref_v = v;
    // R8: quality.
    event_reason bad = event_reason::none;
    if (raw && !std::isfinite(*raw)) {
      bad = event_reason::invalid_value;
    } else if (raw && *raw < 3.6) {
      bad = event_reason::open_circuit;
    } else if (raw && *raw > 21.0) {
      bad = event_reason::short_circuit;
    } else if (!std::isfinite(v)) {
      bad = event_reason::invalid_value;
    } else if (x && x->has_range && v > x->hi) {
      bad = event_reason::over_range;
    } else if (x && x->has_range && v < x->lo) {
      bad = event_reason::under_range;
    }
    if (bad != event_reason::none) {
      if (pr.origin == detail::fault_origin::none) {
        fault_on(point, bad, detail::fault_origin::quality, std::isfinite(v), v);
      }
      cancel_runs(point);  // R8: an invalid sample cancels any pending delay run
      return;
    }
    if (pr.origin == detail::fault_origin::quality || pr.origin == detail::fault_origin::comm) {
      const bool comm = pr.origin == detail::fault_origin::comm;
      fault_off(point);
      if (comm) discard_held(point, false);
    }
    pr.held = v;
    pr.has_held = true;
    const auto& pc = pc_[point];
    for (std::uint32_t a = pc.first_alarm; a < pc.alarm_end(); ++a) evaluate(a, v);
    if ((v != 0) != pr.suppressing) {
      pr.suppressing = v != 0;
      apply_suppression(point, pr.suppressing);
    }
  }

  void drop(std::uint32_t p, event_reason why, double v) {
    alarm_event e = mk(event_kind::input_drop);
    e.point = p;
    e.reason = why;
    if (std::isfinite(v)) {
      e.has_value = true;
      e.value = v;
    }
    emit(detail::st_diag, e);
  }

  void fault_on(std::uint32_t p, event_reason why, detail::fault_origin origin, bool has_value,
                double v) {
    auto& pr = ph_[p];
    pr.fault = why;
    pr.origin = origin;
    pr.fault_since = cur_;
    alarm_event e = mk(event_kind::fault_on);
    e.point = p;
    e.cls = alarm_class::fault;
    e.reason = why;
    e.has_value = has_value;
    e.value = has_value ? v : 0;
    emit(detail::st_quality, e);
  }

  void fault_off(std::uint32_t p) {
    auto& pr = ph_[p];
    alarm_event e = mk(event_kind::fault_off);
    e.point = p;
    e.cls = alarm_class::fault;
    e.reason = pr.fault;
    emit(detail::st_quality, e);
    pr.fault = event_reason::none;
    pr.origin = detail::fault_origin::none;
  }

  void discard_held(std::uint32_t p, bool reference) {
    auto& pr = ph_[p];
    pr.has_held = false;
    pr.held = 0;
    if (reference) pr.has_ref = false;
    if (!pc_[p].has_ror) return;
    for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end(); ++a) {
      if (al_[a].c.type == rule_type::rate_of_rise) ror_hist_[al_[a].c.aux].clear();
    }
  }

  void cancel_runs(std::uint32_t p) {
    for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end(); ++a) {
      al_[a].r.run_due = detail::never;
    }
  }

  // A status or comm-loss fault cancels the pending off-delay runs (an active condition waiting
  // to return), never an on-delay run. R5 cancels an on-delay run only by a sample that fails
  // the activation test or an invalid sample (R8); a fault without a sample is neither, and the
  // run's qualifying samples were valid. An off-delay that completed while the data are missing
  // would clear an alarm because data stopped, which R9 forbids ("missing or bad data never
  // clears an alarm").
  void cancel_off_runs(std::uint32_t p) {
    for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end(); ++a) {
      if (al_[a].r.cond) al_[a].r.run_due = detail::never;
    }
  }

  void condition_impl(std::uint32_t p, device_condition c) {
    unquiet_point(p);
    note_input(p);
    if (ph_[p].origin == detail::fault_origin::comm) {
      fault_off(p);
      discard_held(p, true);
    }
    const bool active = c != device_condition::normal;
    const auto& pc = pc_[p];
    for (std::uint32_t a = pc.first_alarm; a < pc.alarm_end(); ++a) {
      if (al_[a].c.type != rule_type::state) continue;
      auto& r = al_[a].r;
      if (r.cond != active) {
        set_cond(a, active, false, 0);
      } else if (active) {
        repeat_signal(a, false, 0);
      }
    }
  }

  void status_impl(std::uint32_t p, device_status s) {
    unquiet_point(p);
    note_input(p);
    auto& pr = ph_[p];
    if (s == device_status::ok) {
      if (pr.status != device_status::ok) {
        pr.status = device_status::ok;
        if (pr.origin == detail::fault_origin::status) fault_off(p);
        discard_held(p, true);
      }
      if (pr.origin == detail::fault_origin::comm) {
        fault_off(p);
        discard_held(p, true);
      }
      return;
    }
    pr.status = s;
    if (pr.origin == detail::fault_origin::none) {
      const event_reason why = s == device_status::open_circuit    ? event_reason::open_circuit
                               : s == device_status::short_circuit ? event_reason::short_circuit
                                                                   : event_reason::fault;
      fault_on(p, why, detail::fault_origin::status, false, 0);
    }
    cancel_off_runs(p);
  }

  // --- evaluation ----------------------------------------------------------------------------
  void evaluate(std::uint32_t a, double v) {
    const auto& c = al_[a].c;
    bool act;
    bool ret;
    switch (c.type) {
      case rule_type::high:
        act = v >= c.setpoint;
        ret = v < c.setpoint - c.deadband;
        break;
      case rule_type::low:
        act = v <= c.setpoint;
        ret = v > c.setpoint + c.deadband;
        break;
      case rule_type::rate_of_rise: {
        // "No reference, no evaluation": without a reference the sample neither activates
        // nor returns the alarm, nor cancels a pending delay run. A point whose history was
        // discarded (a status or comm-loss fault cleared) keeps its alarm as it was: missing
        // data never clears an alarm.
        const int r = rate_of_rise(a, v);
        if (r < 0) return;
        act = r > 0;
        ret = !act;
        break;
      }
      default:
        return;  // state alarms follow device conditions only
    }
    auto& r = al_[a].r;
    if (!r.cond) {
      if (!act) {
        r.run_due = detail::never;
      } else if (c.on_delay == 0) {
        r.run_due = detail::never;
        set_cond(a, true, true, v);
        return;
      } else if (r.run_due == detail::never) {
        r.run_due = cur_ + c.on_delay;
        push_alarm_timer(detail::timer_kind::run, a, r.run_due);
      }
    } else {
      if (!ret) {
        r.run_due = detail::never;
        if (act) repeat_signal(a, true, v);
      } else if (c.off_delay == 0) {
        r.run_due = detail::never;
        set_cond(a, false, true, v);
      } else if (r.run_due == detail::never) {
        r.run_due = cur_ + c.off_delay;
        push_alarm_timer(detail::timer_kind::run, a, r.run_due);
      }
    }
  }

  // 1 when the rise from the reference reaches the rate, 0 when it does not, −1 when there is no
  // reference (no evaluation).
  int rate_of_rise(std::uint32_t a, double v) {
    const auto& rc = ror_[al_[a].c.aux];
    auto& h = ror_hist_[al_[a].c.aux];
    const std::int64_t t = cur_;
    // Reference: the oldest sample in [t − W, t); else the newest older one within max age.
    // (With merged entries: the entry holding that sample, through its lowest sample.)
    std::size_t i = 0;
    while (i < h.size() && h[i].t_last < t - rc.window) ++i;
    const detail::ror_entry* ref = nullptr;
    if (i < h.size() && h[i].t_last < t) {
      ref = &h[i];
    } else if (i > 0 && t - h[i - 1].t_last <= rc.max_age) {
      ref = &h[i - 1];
    }
    int active = -1;
    if (ref) active = rises(rc, ref->t_ref, ref->v_ref, t, v) ? 1 : 0;
    // Keep the window and the newest sample before it (the fallback reference).
    if (i > 1) h.erase(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(i - 1));
    h.push_back({t, t, v});
    if (h.size() > detail::ror_history_cap) merge_ror(rc, h);
    return active;
  }

  // Whether (t, v) is at or above the rate's line through (t0, v0): (v − v0)·60 ≥ rate·(t − t0).
  static bool rises(const detail::ror_cfg& rc, std::int64_t t0, double v0, std::int64_t t,
                    double v) noexcept {
    return (v - v0) * 60.0 >= rc.rate_per_min * detail::us_to_s(t - t0);
  }

  // The history is one entry over its cap: merges the adjacent pair (i, i + 1) whose references
  // are closest in v − rate·t (the least bias the merge can add; a step in the value is merged
  // last), then the pair that spans the least time, then the oldest; the merged entry keeps the
  // lower reference. The first entry (often the fallback reference) and the newest are never
  // merged, and no pair is merged whose newer entry holds the newest time unless both do: an
  // entry is never dismissed as "t_r = t" while it holds an older sample.
  static void merge_ror(const detail::ror_cfg& rc, std::deque<detail::ror_entry>& h) {
    const std::size_t n = h.size();
    const std::int64_t newest = h[n - 1].t_last;
    std::size_t best = 0;
    double best_bias = 0;
    std::int64_t best_span = 0;
    for (std::size_t i = 1; i + 2 < n; ++i) {
      if (h[i + 1].t_last == newest && h[i].t_last != newest) continue;
      const double bias =
          std::fabs((h[i + 1].v_ref - h[i].v_ref) -
                    rc.rate_per_min / 60.0 * detail::us_to_s(h[i + 1].t_ref - h[i].t_ref));
      const std::int64_t span = h[i + 1].t_last - h[i - 1].t_last;
      if (best == 0 || bias < best_bias || (bias == best_bias && span < best_span)) {
        best = i;
        best_bias = bias;
        best_span = span;
      }
    }
    if (best == 0) {  // unreachable with a cap ≥ 4; keeps the history bounded anyway
      h.pop_front();
      return;
    }
    detail::ror_entry& a = h[best];
    const detail::ror_entry& b = h[best + 1];
    // The lower reference: b lies at or above the rate's line through a's reference.
    if (!rises(rc, a.t_ref, a.v_ref, b.t_ref, b.v_ref)) {
      a.t_ref = b.t_ref;
      a.v_ref = b.v_ref;
    }
    a.t_last = b.t_last;
    h.erase(h.begin() + static_cast<std::ptrdiff_t>(best + 1));
  }

  // The condition (after delays) changes.
  void set_cond(std::uint32_t a, bool active, bool has_value, double v) {
    auto& r = al_[a].r;
    r.cond = active;
    if (active) {
      if (r.overlays != 0) {
        if (r.flags & detail::af_one_shot) r.flags |= detail::af_one_shot_active;
        return;
      }
      route_active(a, has_value, v);
    } else {
      r.flags = static_cast<std::uint8_t>(r.flags & ~detail::af_verified);
      if (r.overlays != 0) {
        if ((r.overlays & detail::ov_shelved) && (r.flags & detail::af_one_shot) &&
            (r.flags & detail::af_one_shot_active)) {
          exit_overlay(a, detail::ov_shelved, event_kind::unshelve);
        }
        return;
      }
      annunciate_off(a, has_value, v);
    }
  }

  // An input after which an already active condition is still active: a new signal for
  // verification (the detector was reset and reports again).
  void repeat_signal(std::uint32_t a, bool has_value, double v) {
    const auto& r = al_[a].r;
    if (r.overlays != 0 || r.state != alarm_state::normal) return;
    if ((r.flags & detail::af_verified) != 0) return;
    if (!needs_verification(a)) return;
    verification_signal(a, has_value, v);
  }

  bool needs_verification(std::uint32_t a) const noexcept {
    const auto& c = al_[a].c;
    // Only a detector's own fire report is verified: that is what a detector reset clears
    // (EN 54-2 §7.11). Measured values are re-evaluated at every sample and confirmed by on_delay.
    if (c.cls != alarm_class::fire || c.point == npos || c.type != rule_type::state) return false;
    const auto x = pc_[c.point].extra;
    return x != npos && extra_[x].has_verification;
  }

  // The condition became active and no overlay hides it.
  void route_active(std::uint32_t a, bool has_value, double v) {
    const auto& c = al_[a].c;
    const auto& r = al_[a].r;
    if (c.cls == alarm_class::fire && c.point != npos) {
      if (r.state == alarm_state::normal && (r.flags & detail::af_verified) == 0 &&
          needs_verification(a)) {
        verification_signal(a, has_value, v);
        return;
      }
      if (pc_[c.point].dep_member) {
        dependency_signal(c.point, has_value, v);
        return;
      }
    }
    annunciate_on(a, has_value, v, npos);
  }

  void verification_signal(std::uint32_t a, bool has_value, double v) {
    auto& r = al_[a].r;
    auto it = verify_t0_.find(a);
    if (it == verify_t0_.end()) {
      verify_t0_.emplace(a, cur_);
      r.flags |= detail::af_verifying;
      push_alarm_timer(detail::timer_kind::verify, a, verify_end(a, cur_));
      emit(detail::st_verify, mk_alarm(event_kind::verify_start, a));
      if (out_commands_) {
        alarm_event e = mk_alarm(event_kind::command, a);
        e.cls = alarm_class::none;
        e.state = alarm_state::normal;
        emit(detail::st_command, e);
      }
      return;
    }
    const auto& x = extra_[pc_[al_[a].c.point].extra];
    if (cur_ <= it->second + x.ignore) return;  // the ignore period
    verify_t0_.erase(it);
    r.flags = static_cast<std::uint8_t>((r.flags & ~detail::af_verifying) | detail::af_verified);
    if (pc_[al_[a].c.point].dep_member) {
      dependency_signal(al_[a].c.point, has_value, v);
    } else {
      annunciate_on(a, has_value, v, npos);
    }
  }

  void dependency_signal(std::uint32_t p, bool has_value, double v) {
    for (std::uint32_t i = zone_points_begin_[p]; i < zone_points_begin_[p + 1]; ++i) {
      const std::uint32_t z = point_zones_[i];
      const auto& zc = zcfg_[z];
      if (zc.dep_window <= 0) continue;
      auto& zr = zrt_[z];
      const std::uint32_t za = zc.alarm;
      if (al_[za].r.cond) {  // already raised: the member joins
        if (std::find(zr.contributors.begin(), zr.contributors.end(), p) == zr.contributors.end()) {
          zr.contributors.push_back(p);
          mark_point_zones(p, false);
        }
        continue;
      }
      bool mcp = false;
      for (std::uint32_t m = zc.members_begin; m < zc.members_end; ++m) {
        if (zmembers_[m].point == p) mcp = zmembers_[m].mcp;
      }
      if (mcp || (zr.dep_first != npos && zr.dep_first != p)) {
        zr.contributors.clear();
        if (zr.dep_first != npos && zr.dep_first != p) zr.contributors.push_back(zr.dep_first);
        zr.contributors.push_back(p);
        zr.dep_first = npos;
        zr.dep_due = detail::never;
        // The contributors hold the zone's fire alarm: every linkage zone they belong to counts
        // them (evaluate_linkage), not only this one.
        for (std::uint32_t c : zr.contributors) mark_point_zones(c, false);
        al_[za].r.cond = true;
        if (al_[za].r.overlays == 0) annunciate_on(za, has_value, v, p);
      } else if (zr.dep_first == npos) {
        zr.dep_first = p;
        zr.dep_due = cur_ + zc.dep_window;
        push_zone_timer(z, zr.dep_due);
        alarm_event e = mk(event_kind::dependency_first);
        e.zone = z;
        e.source = p;
        emit(detail::st_dependency, e);
      }
    }
  }

  void annunciate_on(std::uint32_t a, bool has_value, double v, std::uint32_t source) {
    auto& r = al_[a].r;
    if (r.state != alarm_state::normal && r.state != alarm_state::rtn_unack) return;
    set_state(a, alarm_state::unack);
    r.since = cur_;
    alarm_event e = mk_alarm(event_kind::alarm_on, a);
    e.has_value = has_value;
    e.value = has_value ? v : 0;
    e.source = source;
    emit(trans_stage(a), e);
    on_alarm_on(a);
  }

  void annunciate_off(std::uint32_t a, bool has_value, double v) {
    auto& r = al_[a].r;
    const bool latching = al_[a].c.latching;
    event_kind k;
    if (r.state == alarm_state::unack) {
      k = latching ? event_kind::returned_latched : event_kind::alarm_off;
      set_state(a, latching ? alarm_state::latched_unack : alarm_state::rtn_unack);
    } else if (r.state == alarm_state::acked) {
      k = latching ? event_kind::returned_latched : event_kind::alarm_off;
      set_state(a, latching ? alarm_state::latched_acked : alarm_state::normal);
    } else {
      return;
    }
    alarm_event e = mk_alarm(k, a);
    e.has_value = has_value;
    e.value = has_value ? v : 0;
    emit(trans_stage(a), e);
  }

  void set_state(std::uint32_t a, alarm_state s) {
    auto& r = al_[a].r;
    const bool was = r.state != alarm_state::normal;
    const bool is = s != alarm_state::normal;
    r.state = s;
    if (was == is) return;
    if (al_[a].c.cls == alarm_class::fire) {
      fire_annunciated_ += is ? 1 : -1;
      const auto p = al_[a].c.point;
      if (p != npos) mark_point_zones(p, false);
    }
  }

  // The zone's linkage count may have changed, through member `source` (the latest one marked
  // is the linkage event's source); `reset`: by a reset command, the only input that may bring
  // the count below the minimum ("linkage_off when a reset brings it below").
  void mark_dirty(std::uint32_t z, std::uint32_t source, bool reset = false) {
    if (!out_linkage_ || zcfg_[z].linkage_min <= 0) return;
    dirty_zone_[z] = static_cast<std::uint8_t>(dirty_zone_[z] | (reset ? 3 : 1));
    any_dirty_ = true;
    if (source != npos) zone_source_[z] = source;
  }
  void mark_point_zones(std::uint32_t p, bool reset) {
    for (std::uint32_t i = zone_points_begin_[p]; i < zone_points_begin_[p + 1]; ++i) {
      mark_dirty(point_zones_[i], p, reset);
    }
  }

  // Whether a member's signal joined or raised the fire alarm of a dependency zone it belongs to
  // (its own fire-class alarms are not annunciated there, but it holds that zone's alarm).
  bool dependency_contributor(std::uint32_t p) const {
    for (std::uint32_t i = zone_points_begin_[p]; i < zone_points_begin_[p + 1]; ++i) {
      const std::uint32_t z = point_zones_[i];
      const std::uint32_t za = zcfg_[z].alarm;
      if (za == npos || !al_[za].r.cond) continue;
      const auto& cs = zrt_[z].contributors;
      if (std::find(cs.begin(), cs.end(), p) != cs.end()) return true;
    }
    return false;
  }

  // Linkage: on when at least linkage_min distinct members hold a fire alarm; off only when a
  // reset brings the count below (the semantics' zones), so that automatic actions, once
  // started, are not stopped by a disablement, a maintenance switch or a detector going quiet.
  void evaluate_linkage(std::uint32_t z, bool reset) {
    const auto& zc = zcfg_[z];
    auto& zr = zrt_[z];
    std::size_t count = 0;
    for (std::uint32_t m = zc.members_begin; m < zc.members_end; ++m) {
      const std::uint32_t p = zmembers_[m].point;
      bool holds = false;
      for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end() && !holds; ++a) {
        const auto s = al_[a].r.state;
        holds = al_[a].c.cls == alarm_class::fire && s != alarm_state::normal &&
                s != alarm_state::rtn_unack;
      }
      if (!holds && pc_[p].dep_member) holds = dependency_contributor(p);
      count += holds ? 1 : 0;
    }
    const bool on = count >= static_cast<std::size_t>(zc.linkage_min);
    if (on == zr.linkage_on || (!on && !reset)) return;
    zr.linkage_on = on;
    alarm_event e = mk(on ? event_kind::linkage_on : event_kind::linkage_off);
    e.zone = z;
    // Every linkage event names a member (the replay contract); a reset that named only the
    // zone's own alarm falls back to the zone's first member.
    e.source = zone_source_[z] != npos ? zone_source_[z] : zmembers_[zc.members_begin].point;
    emit(detail::st_linkage, e);
  }

  void on_alarm_on(std::uint32_t a) {
    if (al_[a].c.cls == alarm_class::fire) fire_on_now_ = true;
    if (chatter_count_ > 0) {
      auto& d = chatter_[a];
      d.push_back(cur_);
      while (d.size() > static_cast<std::size_t>(chatter_count_)) d.pop_front();
      auto& r = al_[a].r;
      if (d.size() == static_cast<std::size_t>(chatter_count_) &&
          d.front() > cur_ - chatter_window_) {
        if ((r.flags & detail::af_chattering) == 0) {
          r.flags |= detail::af_chattering;
          emit(detail::st_chatter, mk_alarm(event_kind::chatter_on, a));
        }
        push_alarm_timer(detail::timer_kind::chatter, a, chatter_due(a));
      }
    }
    if (flood_on_ > 0) {
      flood_.push_back(cur_);
      prune_flood();
      while (flood_.size() > static_cast<std::size_t>(flood_on_)) flood_.pop_front();
      if (flooding_) {
        push_timer({flood_off_due(), 0, 0, 0, detail::timer_kind::flood});
      } else if (flood_.size() >= static_cast<std::size_t>(flood_on_)) {
        flooding_ = true;
        emit(detail::st_flood, mk(event_kind::flood_on));
        push_timer({flood_off_due(), 0, 0, 0, detail::timer_kind::flood});
      }
    }
  }

  void prune_flood() {
    while (!flood_.empty() && flood_.front() <= cur_ - flood_window_) flood_.pop_front();
  }

  void apply_suppression(std::uint32_t by, bool on) {
    for (std::uint32_t i = suppresses_begin_[by]; i < suppresses_begin_[by + 1]; ++i) {
      const std::uint32_t p = suppresses_[i];
      for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end(); ++a) {
        if (on) {
          enter_overlay(a, detail::ov_suppressed, event_kind::suppress);
        } else {
          exit_overlay(a, detail::ov_suppressed, event_kind::unsuppress);
        }
      }
    }
  }

  // --- overlays ------------------------------------------------------------------------------
  void enter_overlay(std::uint32_t a, std::uint8_t bit, event_kind k) {
    auto& r = al_[a].r;
    if ((r.overlays & bit) != 0 && bit != detail::ov_shelved) return;
    if (r.overlays == 0) {
      if (r.state != alarm_state::normal) set_state(a, alarm_state::normal);
      if (verify_t0_.erase(a) > 0)
        r.flags = static_cast<std::uint8_t>(r.flags & ~detail::af_verifying);
    }
    r.overlays |= bit;
    if (bit == detail::ov_disabled) r.since = cur_;
    emit(trans_stage(a), mk_alarm(k, a));
  }

  void exit_overlay(std::uint32_t a, std::uint8_t bit, event_kind k) {
    auto& r = al_[a].r;
    if ((r.overlays & bit) == 0) return;
    r.overlays = static_cast<std::uint8_t>(r.overlays & ~bit);
    if (bit == detail::ov_shelved) {
      shelve_until_.erase(a);
      r.flags =
          static_cast<std::uint8_t>(r.flags & ~(detail::af_one_shot | detail::af_one_shot_active));
    }
    emit(trans_stage(a), mk_alarm(k, a));
    if (r.overlays == 0 && r.cond) {
      const auto p = al_[a].c.point;
      const bool has = p != npos && ph_[p].has_held && al_[a].c.type != rule_type::state;
      // R12: on exit, alarm_on if the condition is active — not a new verification, which a
      // detector that reports on change only would never confirm (its fire lost for good).
      if (needs_verification(a)) r.flags |= detail::af_verified;
      route_active(a, has, has ? ph_[p].held : 0);
    }
  }

  // --- commands ------------------------------------------------------------------------------
  bool resolve(const command& c, std::vector<std::uint32_t>& targets,
               std::vector<std::uint32_t>& oos_points, std::error_code& ec) const {
    if (!configured_) {
      ec = make_error_code(errc::not_configured);
      return false;
    }
    if (to_string(c.kind).empty()) {
      ec = make_error_code(errc::invalid_argument);
      return false;
    }
    if (c.kind == command_kind::shelve) {
      if (!c.one_shot && !c.duration_s) {
        ec = make_error_code(errc::invalid_argument);
        return false;
      }
      // Not a duration at all (the replay's JSON cannot even write one). A finite duration out
      // of range is an operator's request that the alarm answers with `reject shelve_time`.
      if (c.duration_s && !std::isfinite(*c.duration_s)) {
        ec = make_error_code(errc::invalid_argument);
        return false;
      }
    }
    if (c.kind == command_kind::silence) return true;
    if (!c.point.empty() && !c.zone.empty()) {
      ec = make_error_code(errc::invalid_argument);
      return false;
    }
    const bool whole = c.alarm.empty();
    if (!c.point.empty()) {
      const std::uint32_t p = find_point(c.point);
      if (p == npos) {
        ec = make_error_code(errc::unknown_point);
        return false;
      }
      for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end(); ++a) {
        if (whole || alarm_name(a) == c.alarm) targets.push_back(a);
      }
      if (!whole && targets.empty()) {
        ec = make_error_code(errc::unknown_alarm);
        return false;
      }
      if (whole) oos_points.push_back(p);
    } else if (!c.zone.empty()) {
      const std::uint32_t z = find_zone(c.zone);
      if (z == npos) {
        ec = make_error_code(errc::unknown_zone);
        return false;
      }
      const auto& zc = zcfg_[z];
      for (std::uint32_t m = zc.members_begin; m < zc.members_end; ++m) {
        const std::uint32_t p = zmembers_[m].point;
        for (std::uint32_t a = pc_[p].first_alarm; a < pc_[p].alarm_end(); ++a) {
          if (whole || alarm_name(a) == c.alarm) targets.push_back(a);
        }
        if (whole) oos_points.push_back(p);
      }
      if (zc.alarm != npos && (whole || c.alarm == "FIRE")) targets.push_back(zc.alarm);
      if (!whole && targets.empty()) {
        ec = make_error_code(errc::unknown_alarm);
        return false;
      }
    } else {
      if (c.kind != command_kind::ack && c.kind != command_kind::reset) {
        ec = make_error_code(errc::invalid_argument);
        return false;
      }
      for (std::uint32_t a = 0; a < al_.size(); ++a) {
        if (whole || alarm_name(a) == c.alarm) targets.push_back(a);
      }
    }
    ec.clear();
    return true;
  }

  void command_impl(const command& c, const std::vector<std::uint32_t>& targets,
                    const std::vector<std::uint32_t>& oos_points) {
    for (std::uint32_t a : targets) unquiet_alarm(a);
    for (std::uint32_t p : oos_points) unquiet_point(p);
    switch (c.kind) {
      case command_kind::silence:
        if (buzzer_ && out_buzzer_) {
          buzzer_ = false;
          emit(detail::st_buzzer, mk(event_kind::buzzer_off));
        }
        return;
      case command_kind::out_of_service:
        for (std::uint32_t p : oos_points) ph_[p].oos = true;
        break;
      case command_kind::reset:
        // A reset may bring a linkage count below its minimum (and only a reset may): mark the
        // zones of every alarm it names, whether or not that alarm changes.
        for (std::uint32_t a : targets) {
          const std::uint32_t p = al_[a].c.point;
          if (p != npos) {
            mark_point_zones(p, true);
          } else {
            mark_dirty(al_[a].c.aux, npos, true);
          }
        }
        break;
      case command_kind::return_to_service:
        for (std::uint32_t p : oos_points) {
          if (!ph_[p].oos) continue;
          ph_[p].oos = false;
          ph_[p].last_input = cur_;  // staleness restarts at the return to service
          arm_stale(p);
        }
        break;
      default:
        break;
    }
    for (std::uint32_t a : targets) {
      switch (c.kind) {
        case command_kind::ack:
          ack(a);
          break;
        case command_kind::reset:
          reset(a);
          break;
        case command_kind::shelve:
          shelve(a, c);
          break;
        case command_kind::unshelve:
          exit_overlay(a, detail::ov_shelved, event_kind::unshelve);
          break;
        case command_kind::disable:
          enter_overlay(a, detail::ov_disabled, event_kind::disable);
          break;
        case command_kind::enable:
          exit_overlay(a, detail::ov_disabled, event_kind::enable);
          break;
        case command_kind::out_of_service:
          enter_overlay(a, detail::ov_oos, event_kind::out_of_service_on);
          break;
        case command_kind::return_to_service:
          exit_overlay(a, detail::ov_oos, event_kind::out_of_service_off);
          break;
        case command_kind::silence:
          break;
      }
    }
  }

  void ack(std::uint32_t a) {
    auto& r = al_[a].r;
    switch (r.state) {
      case alarm_state::unack:
        set_state(a, alarm_state::acked);
        break;
      case alarm_state::rtn_unack:
        set_state(a, alarm_state::normal);
        break;
      case alarm_state::latched_unack:
        set_state(a, alarm_state::latched_acked);
        break;
      default:
        return;
    }
    emit(trans_stage(a), mk_alarm(event_kind::ack, a));
  }

  void reject(std::uint32_t a, event_reason why) {
    alarm_event e = mk_alarm(event_kind::reject, a);
    e.reason = why;
    emit(trans_stage(a), e);
  }

  void reset(std::uint32_t a) {
    const auto& c = al_[a].c;
    auto& r = al_[a].r;
    if (c.prof == profile::fire) {
      if (r.state == alarm_state::normal) return;
      if (c.point == npos) {
        reset_zone_fire(a);
        return;
      }
      r.flags = static_cast<std::uint8_t>(r.flags & ~detail::af_verified);
      set_state(a, alarm_state::normal);
      emit(trans_stage(a), mk_alarm(event_kind::reset, a));
      if (r.cond) {
        const auto p = c.point;
        const bool has = p != npos && ph_[p].has_held && c.type != rule_type::state;
        r.flags |= detail::af_verified;  // a re-alarm at reset is not verified again
        annunciate_on(a, has, has ? ph_[p].held : 0, npos);
      }
      return;
    }
    if (!c.latching || r.state == alarm_state::normal || r.state == alarm_state::rtn_unack) return;
    if (r.cond || r.state == alarm_state::unack || r.state == alarm_state::acked) {
      reject(a, event_reason::active);
      return;
    }
    if (r.state == alarm_state::latched_unack) {
      reject(a, event_reason::unacked);
      return;
    }
    set_state(a, alarm_state::normal);
    emit(trans_stage(a), mk_alarm(event_kind::reset, a));
  }

  // The reset of a dependency zone's FIRE (fire profile). Its condition is the members' fire
  // signals: the signals held at the reset are re-evaluated as if they had just arrived, so that
  // "if the condition is still active at reset, emit reset then a new alarm_on" holds for a zone
  // too. Two or more members (or a manual call point) still signalling raise the zone again at
  // once; one starts a new window (dependency_first); none leaves the zone normal. Without this,
  // a zone reset while its detectors still report fire would stay normal for good: a detector
  // that reports on change only never signals again.
  void reset_zone_fire(std::uint32_t a) {
    auto& r = al_[a].r;
    const std::uint32_t z = al_[a].c.aux;
    const auto& zc = zcfg_[z];
    auto& zr = zrt_[z];
    for (std::uint32_t p : zr.contributors) mark_point_zones(p, true);
    mark_dirty(z, npos, true);
    zr.contributors.clear();
    r.cond = false;
    set_state(a, alarm_state::normal);
    emit(trans_stage(a), mk_alarm(event_kind::reset, a));
    std::vector<std::uint32_t> live;
    bool mcp = false;
    for (std::uint32_t m = zc.members_begin; m < zc.members_end; ++m) {
      if (!member_signalling(zmembers_[m].point)) continue;
      live.push_back(zmembers_[m].point);
      mcp = mcp || zmembers_[m].mcp;
    }
    if (mcp || live.size() >= 2) {
      zr.contributors = live;
      zr.dep_first = npos;
      zr.dep_due = detail::never;
      for (std::uint32_t p : live) mark_point_zones(p, false);
      r.cond = true;
      if (r.overlays == 0) annunciate_on(a, false, 0, npos);
    } else if (live.size() == 1 && zr.dep_first == npos) {
      zr.dep_first = live.front();
      zr.dep_due = cur_ + zc.dep_window;
      push_zone_timer(z, zr.dep_due);
      alarm_event e = mk(event_kind::dependency_first);
      e.zone = z;
      e.source = live.front();
      emit(detail::st_dependency, e);
    }
  }

  // Whether a member of a dependency zone holds a fire signal now: a fire-class condition that
  // is active, not hidden by an overlay, and verified where the point verifies (a signal still
  // under verification reaches the zone when it is confirmed).
  bool member_signalling(std::uint32_t p) const {
    for (std::uint32_t b = pc_[p].first_alarm; b < pc_[p].alarm_end(); ++b) {
      const auto& br = al_[b].r;
      if (al_[b].c.cls != alarm_class::fire || !br.cond || br.overlays != 0) continue;
      if (!needs_verification(b) || (br.flags & detail::af_verified) != 0) return true;
    }
    return false;
  }

  // "A fire alarm ... cannot be shelved" (the semantics): neither a fire-profile alarm nor a
  // fire-class alarm of the isa profile.
  bool shelvable(std::uint32_t a) const noexcept {
    return al_[a].c.prof != profile::fire && al_[a].c.cls != alarm_class::fire;
  }

  void shelve(std::uint32_t a, const command& c) {
    if (!shelvable(a)) {
      reject(a, event_reason::not_shelvable);
      return;
    }
    // R12: a timed shelving outside (0, max_shelve_s] is a `reject shelve_time`, not a refused
    // input (a refused input stops a replay and loses every later line). The bound is checked
    // in seconds first, so that no finite duration overflows the conversion to microseconds; a
    // duration that rounds to 0 µs is not above 0.
    if (!c.one_shot) {
      const double d = *c.duration_s;
      if (!(d > 0) || d > detail::us_to_s(max_shelve_) + 1 || detail::s_to_us(d) <= 0 ||
          detail::s_to_us(d) > max_shelve_) {
        reject(a, event_reason::shelve_time);
        return;
      }
    }
    auto& r = al_[a].r;
    r.flags =
        static_cast<std::uint8_t>(r.flags & ~(detail::af_one_shot | detail::af_one_shot_active));
    if (c.one_shot) {
      shelve_until_.erase(a);
      r.flags |= detail::af_one_shot;
      if (r.cond) r.flags |= detail::af_one_shot_active;
    } else {
      const std::int64_t until = cur_ + detail::s_to_us(*c.duration_s);
      shelve_until_[a] = until;
      push_alarm_timer(detail::timer_kind::shelve, a, until);
    }
    enter_overlay(a, detail::ov_shelved, event_kind::shelve);
  }

  // --- data ----------------------------------------------------------------------------------
  bool configured_ = false;
  // configuration
  // Each point's and each alarm's configuration and state side by side, so that a sample
  // touches two places in memory (its point, then its alarms), not four.
  std::vector<detail::point_cfg> pc_;  // configuration of each point
  std::vector<detail::point_hot> ph_;  // state of each point
  std::vector<detail::alarm_rec> al_;
  std::vector<detail::point_extra> extra_;
  std::vector<detail::ror_cfg> ror_;
  std::vector<detail::zone_cfg> zcfg_;
  std::vector<detail::zone_member> zmembers_;
  std::vector<std::uint32_t> point_zones_;        // CSR: the zones of each point
  std::vector<std::uint32_t> zone_points_begin_;  // ... offsets, size points + 1
  std::vector<std::uint32_t> suppresses_;         // CSR: the points each point suppresses
  std::vector<std::uint32_t> suppresses_begin_;
  std::vector<std::uint32_t> by_name_;    // point indices sorted by id
  std::vector<std::string> alarm_names_;  // interned alarm ids
  std::string pool_;                      // point ids
  std::int64_t max_shelve_ = 0;
  std::int64_t chatter_window_ = 0;
  std::int64_t flood_window_ = 0;
  int chatter_count_ = 0;
  int flood_on_ = 0;
  int flood_off_ = 0;
  bool out_buzzer_ = false;
  bool out_linkage_ = false;
  bool out_commands_ = false;
  std::uint64_t fingerprint_ = 0;
  // state
  std::vector<detail::zone_rt> zrt_;
  std::vector<std::deque<detail::ror_entry>> ror_hist_;
  std::unordered_map<std::uint32_t, std::int64_t> shelve_until_;
  std::unordered_map<std::uint32_t, std::int64_t> verify_t0_;
  std::unordered_map<std::uint32_t, std::deque<std::int64_t>> chatter_;
  std::deque<std::int64_t> flood_;
  std::vector<detail::timer> heap_;
  std::int64_t now_ = 0;
  std::int64_t cur_ = 0;  // the time of the input or timer being processed
  int fire_annunciated_ = 0;
  bool started_ = false;
  bool shortcut_on_ = true;
  bool buzzer_ = false;
  bool flooding_ = false;
  // per input
  std::array<std::vector<alarm_event>, detail::st_count> stages_;
  std::vector<std::uint8_t> dirty_zone_;
  std::vector<std::uint32_t> zone_source_;  // per zone: the member behind its linkage change
  bool staged_ = false;
  bool any_dirty_ = false;
  bool fire_on_now_ = false;
  std::vector<alarm_event> out_;
};

}  // namespace alarm
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_ALARM_ENGINE_HPP
