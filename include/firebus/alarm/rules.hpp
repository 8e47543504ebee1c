// firebus — fire-safety IoT SDK.
/// @file
/// firebus::alarm::rules: the alarm engine's configuration, and its validation.
///
/// The structures mirror the rules schema (`protocols/alarm-rules.schema.json`, version 1) field
/// for field; times are in seconds as in the schema. firebus::alarm::validate checks everything
/// that does not depend on the JSON syntax (ranges, duplicates, references between points and
/// zones) and names the offending field by its JSON path, so that the same message serves a
/// configuration built in code and one loaded from a file (firebus/alarm_json.hpp).
///
/// @par Example
/// @code
/// firebus::alarm::rules r;
/// firebus::alarm::point_rule p;
/// p.id = "RC1";
/// firebus::alarm::alarm_rule a;
/// a.id = "ALM";
/// a.type = firebus::alarm::rule_type::high;
/// a.setpoint = 300;
/// a.cls = firebus::alarm_class::fire;
/// a.profile = firebus::alarm::profile::fire;
/// p.alarms.push_back(a);
/// r.points.push_back(p);
/// firebus::alarm::rules_error err;
/// bool ok = firebus::alarm::validate(r, err);  // true
/// @endcode
#ifndef FIREBUS_ALARM_RULES_HPP
#define FIREBUS_ALARM_RULES_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <firebus/alarm/error.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/event.hpp>

namespace firebus {
inline namespace v1 {
namespace alarm {

/// The schema version this library reads and writes.
inline constexpr int rules_version = 1;

/// What makes an alarm's condition active.
enum class rule_type : std::uint8_t {
  high,          ///< v ≥ setpoint; returns when v < setpoint − deadband
  low,           ///< v ≤ setpoint; returns when v > setpoint + deadband
  rate_of_rise,  ///< (v − v_r)·60 ≥ rate_per_min·(t − t_r) over window_s
  state,         ///< the device reports `fire` or `active`
};

/// The life-cycle an alarm follows. Whatever the profile, an alarm of class `fire` latches and
/// cannot be shelved ("a fire alarm latches until an operator resets it. It cannot be shelved").
enum class profile : std::uint8_t {
  isa,   ///< ANSI/ISA-18.2: latching optional, reset needs ack and an inactive condition
  fire,  ///< fire detection (GB 4717): always latches, reset needs no ack, cannot be shelved
};

namespace detail {
inline constexpr firebus::detail::named<rule_type> rule_type_names[] = {
    {rule_type::high, "high"},
    {rule_type::low, "low"},
    {rule_type::rate_of_rise, "rate_of_rise"},
    {rule_type::state, "state"},
};
inline constexpr firebus::detail::named<profile> profile_names[] = {
    {profile::isa, "isa"},
    {profile::fire, "fire"},
};
}  // namespace detail

/// Schema names: "high", "low", "rate_of_rise", "state"; "isa", "fire".
constexpr std::string_view to_string(rule_type v) noexcept {
  return firebus::detail::name_of(detail::rule_type_names, v);
}
constexpr std::string_view to_string(profile v) noexcept {
  return firebus::detail::name_of(detail::profile_names, v);
}
inline rule_type rule_type_from_string(std::string_view s, std::error_code& ec) noexcept {
  return firebus::detail::value_of(detail::rule_type_names, s, rule_type::high, ec);
}
inline profile profile_from_string(std::string_view s, std::error_code& ec) noexcept {
  return firebus::detail::value_of(detail::profile_names, s, profile::isa, ec);
}

/// One alarm of a point. Omitted numbers are 0; omitted options are off.
struct alarm_rule {
  std::string id;                         ///< unique within its point, e.g. "ALM"
  rule_type type = rule_type::high;       ///< schema `type` (required)
  double setpoint = 0;                    ///< high/low: the limit, in the point's unit
  double deadband = 0;                    ///< high/low: hysteresis, ≥ 0
  double on_delay_s = 0;                  ///< Ton, ≥ 0 (not applied to `state` alarms)
  double off_delay_s = 0;                 ///< Toff, ≥ 0 (not applied to `state` alarms)
  double rate_per_min = 0;                ///< rate_of_rise: unit per minute, > 0
  double window_s = 0;                    ///< rate_of_rise: window W, > 0
  double max_reference_age_s = 0;         ///< rate_of_rise: fallback reference age, ≥ 0
  alarm_class cls = alarm_class::fire;    ///< schema `class`; `fire` (latching) when omitted
  alarm::profile profile = profile::isa;  ///< schema `profile`; `isa` when omitted
  bool latch = false;  ///< isa: latch until reset (the fire profile and class always latch)
};

/// Alarm verification of a point's fire alarms (reset, ignore, confirm; EN 54-2 §7.11).
struct verification_rule {
  double ignore_s = 0;   ///< signals this long after the first are ignored
  double confirm_s = 0;  ///< then a signal within this window confirms the alarm, > 0
};

/// A point: one measured or reported quantity of one device.
struct point_rule {
  std::string id;                                       ///< unique, e.g. "RC1"
  std::string unit;                                     ///< engineering unit, informative
  std::optional<std::pair<double, double>> range;       ///< valid [lo, hi] in engineering units
  std::optional<std::pair<double, double>> raw_4_20mA;  ///< 4 mA → first, 20 mA → second
  double stale_s = 0;                                   ///< comm_loss after this long; 0 = off
  std::string suppressed_by;                            ///< a point whose non-zero value suppresses
  std::optional<verification_rule> verification;        ///< alarm verification of fire alarms
  std::vector<alarm_rule> alarms;                       ///< evaluated in this order
};

/// A zone: a group of points for linkage, dependency or commands.
struct zone_rule {
  std::string id;                    ///< unique among zones
  std::vector<std::string> members;  ///< point ids, each at most once
  int linkage_min_devices = 0;  ///< linkage when ≥ this many; 0 = off; ≥ 2 for automatic actions
  double dependency_window_s = 0;               ///< dependency (type B) window; 0 = off
  std::vector<std::string> manual_call_points;  ///< members that raise the zone at once
};

struct chatter_rule {
  double window_s = 0;  ///< 0 = off
  int count = 0;        ///< chatter when ≥ count alarm_on of one alarm in the window
};

struct flood_rule {
  double window_s = 0;  ///< 0 = off
  int on = 0;           ///< flood_on when ≥ on annunciated alarm_on in the window
  int off = 0;          ///< flood_off when ≤ off
};

struct output_rule {
  bool buzzer = false;    ///< emit buzzer_on / buzzer_off
  bool linkage = false;   ///< emit linkage_on / linkage_off
  bool commands = false;  ///< emit `command` events (reset_device for verification)
};

/// The whole configuration.
struct rules {
  int version = rules_version;
  double max_shelve_s = 0;  ///< longest timed shelving; 0 refuses every timed shelve
  chatter_rule chatter;
  flood_rule flood;
  output_rule outputs;
  std::vector<point_rule> points;
  std::vector<zone_rule> zones;
};

/// Limits that keep the engine's memory bounded whatever a configuration asks for.
struct rules_limits {
  std::size_t max_points = 10'000'000;
  std::size_t max_alarms_per_point = 64;
  std::size_t max_zones = 1'000'000;
  int max_chatter_count = 1000;
  int max_flood_count = 1'000'000;
  double max_time_s = 1e9;  ///< any time field above this (about 31 years) is refused
};

/// Where a configuration is wrong: the JSON path and what was expected.
struct rules_error {
  std::string path;     ///< e.g. "points[3].alarms[0].deadband"
  std::string message;  ///< e.g. "expected a number ≥ 0, found -5"
  /// "path: message" (the file name is prefixed by the loader).
  std::string what() const { return path.empty() ? message : path + ": " + message; }
};

namespace detail {
inline std::string fmt_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

// `s` in double quotes for an error message, cut after 128 bytes (at a character boundary, with
// its full size said): a misspelt reference may be any length, the message stays readable.
inline std::string quoted(const std::string& s) {
  constexpr std::size_t max = 128;
  if (s.size() <= max) return "\"" + s + "\"";
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return "\"" + s.substr(0, n) + "\"... (" + std::to_string(s.size()) + " bytes)";
}

inline bool fail(rules_error& err, std::string path, std::string message) {
  err.path = std::move(path);
  err.message = std::move(message);
  return false;
}

inline bool check_time(const rules_limits& lim, double v, bool allow_zero, const std::string& path,
                       rules_error& err) {
  if (!std::isfinite(v) || v < 0 || (!allow_zero && v == 0) || v > lim.max_time_s) {
    return fail(err, path,
                std::string(allow_zero ? "expected a number of seconds ≥ 0"
                                       : "expected a number of seconds > 0") +
                    " and ≤ " + fmt_number(lim.max_time_s) + ", found " + fmt_number(v));
  }
  return true;
}

inline bool check_finite(double v, const std::string& path, rules_error& err) {
  if (!std::isfinite(v)) return fail(err, path, "expected a finite number, found " + fmt_number(v));
  return true;
}

inline bool check_id(const std::string& id, const std::string& path, rules_error& err) {
  if (id.empty()) return fail(err, path, "expected a non-empty string");
  if (id.size() > 128) return fail(err, path, "expected at most 128 bytes");
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return fail(err, path, "expected no control characters");
  }
  return true;
}
}  // namespace detail

/// Checks a configuration. Returns false and fills `err` with the first problem found, in the
/// order of the document (so the message is stable). Checks: the version; every number finite
/// and every time ≥ 0 (window_s and rate_per_min of rate_of_rise, confirm_s > 0); ranges with
/// lo < hi; ids non-empty, unique (points, zones; alarms within a point); references
/// (suppressed_by, zone members, manual call points) to existing points; manual call points
/// among the zone's members; chatter and flood counts consistent (count ≥ 1, off < on).
inline bool validate(const rules& r, rules_error& err, const rules_limits& lim = {}) {
  using detail::fail;
  if (r.version != rules_version) {
    return fail(
        err, "version",
        "expected " + std::to_string(rules_version) + ", found " + std::to_string(r.version));
  }
  if (!detail::check_time(lim, r.max_shelve_s, true, "max_shelve_s", err)) return false;
  if (!detail::check_time(lim, r.chatter.window_s, true, "chatter.window_s", err)) return false;
  if (r.chatter.window_s > 0 && (r.chatter.count < 1 || r.chatter.count > lim.max_chatter_count)) {
    return fail(err, "chatter.count",
                "expected an integer from 1 to " + std::to_string(lim.max_chatter_count) +
                    ", found " + std::to_string(r.chatter.count));
  }
  if (!detail::check_time(lim, r.flood.window_s, true, "flood.window_s", err)) return false;
  if (r.flood.window_s > 0) {
    if (r.flood.on < 1 || r.flood.on > lim.max_flood_count) {
      return fail(err, "flood.on",
                  "expected an integer from 1 to " + std::to_string(lim.max_flood_count) +
                      ", found " + std::to_string(r.flood.on));
    }
    if (r.flood.off < 0 || r.flood.off >= r.flood.on) {
      return fail(err, "flood.off",
                  "expected an integer ≥ 0 and below flood.on (" + std::to_string(r.flood.on) +
                      "), found " + std::to_string(r.flood.off));
    }
  }
  if (r.points.size() > lim.max_points) {
    return fail(err, "points", "expected at most " + std::to_string(lim.max_points) + " points");
  }
  std::unordered_map<std::string_view, std::size_t> ids;
  ids.reserve(r.points.size());
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    const point_rule& p = r.points[i];
    const std::string at = "points[" + std::to_string(i) + "]";
    if (!detail::check_id(p.id, at + ".id", err)) return false;
    if (!ids.emplace(p.id, i).second) {
      return fail(err, at + ".id", "duplicate point id " + detail::quoted(p.id));
    }
  }
  for (std::size_t i = 0; i < r.points.size(); ++i) {
    const point_rule& p = r.points[i];
    const std::string at = "points[" + std::to_string(i) + "]";
    for (const auto* rg : {&p.range, &p.raw_4_20mA}) {
      if (!*rg) continue;
      const std::string path = at + (rg == &p.range ? ".range" : ".raw_4_20mA");
      if (!detail::check_finite((*rg)->first, path + "[0]", err) ||
          !detail::check_finite((*rg)->second, path + "[1]", err)) {
        return false;
      }
      if (rg == &p.range && !((*rg)->first < (*rg)->second)) {
        return fail(err, path, "expected [lo, hi] with lo < hi");
      }
      if (rg == &p.raw_4_20mA && (*rg)->first == (*rg)->second) {
        return fail(err, path, "expected two different values for 4 mA and 20 mA");
      }
    }
    if (!detail::check_time(lim, p.stale_s, true, at + ".stale_s", err)) return false;
    if (!p.suppressed_by.empty()) {
      auto it = ids.find(p.suppressed_by);
      if (it == ids.end()) {
        return fail(err, at + ".suppressed_by", "unknown point " + detail::quoted(p.suppressed_by));
      }
      if (it->second == i)
        return fail(err, at + ".suppressed_by", "a point cannot suppress itself");
    }
    if (p.verification) {
      if (!detail::check_time(lim, p.verification->ignore_s, true, at + ".verification.ignore_s",
                              err) ||
          !detail::check_time(lim, p.verification->confirm_s, false, at + ".verification.confirm_s",
                              err)) {
        return false;
      }
    }
    if (p.alarms.size() > lim.max_alarms_per_point) {
      return fail(err, at + ".alarms",
                  "expected at most " + std::to_string(lim.max_alarms_per_point) + " alarms");
    }
    for (std::size_t j = 0; j < p.alarms.size(); ++j) {
      const alarm_rule& a = p.alarms[j];
      const std::string aat = at + ".alarms[" + std::to_string(j) + "]";
      if (!detail::check_id(a.id, aat + ".id", err)) return false;
      for (std::size_t k = 0; k < j; ++k) {
        if (p.alarms[k].id == a.id) {
          return fail(err, aat + ".id", "duplicate alarm id \"" + a.id + "\" in point " + p.id);
        }
      }
      if (to_string(a.type).empty()) return fail(err, aat + ".type", "unknown alarm type");
      if (to_string(a.profile).empty()) return fail(err, aat + ".profile", "unknown profile");
      if (a.cls != alarm_class::fire && a.cls != alarm_class::supervisory &&
          a.cls != alarm_class::pre_alarm && a.cls != alarm_class::fault) {
        return fail(err, aat + ".class",
                    "expected \"fire\", \"supervisory\", \"pre_alarm\" or \"fault\"");
      }
      if (!detail::check_finite(a.setpoint, aat + ".setpoint", err)) return false;
      if (!std::isfinite(a.deadband) || a.deadband < 0) {
        return fail(err, aat + ".deadband",
                    "expected a number ≥ 0, found " + detail::fmt_number(a.deadband));
      }
      if (!detail::check_time(lim, a.on_delay_s, true, aat + ".on_delay_s", err) ||
          !detail::check_time(lim, a.off_delay_s, true, aat + ".off_delay_s", err)) {
        return false;
      }
      if (a.type == rule_type::rate_of_rise) {
        if (!std::isfinite(a.rate_per_min) || a.rate_per_min <= 0) {
          return fail(err, aat + ".rate_per_min",
                      "expected a number > 0, found " + detail::fmt_number(a.rate_per_min));
        }
        if (!detail::check_time(lim, a.window_s, false, aat + ".window_s", err) ||
            !detail::check_time(lim, a.max_reference_age_s, true, aat + ".max_reference_age_s",
                                err)) {
          return false;
        }
      }
    }
  }
  if (r.zones.size() > lim.max_zones) {
    return fail(err, "zones", "expected at most " + std::to_string(lim.max_zones) + " zones");
  }
  std::unordered_map<std::string_view, std::size_t> zids;
  for (std::size_t i = 0; i < r.zones.size(); ++i) {
    const zone_rule& z = r.zones[i];
    const std::string at = "zones[" + std::to_string(i) + "]";
    if (!detail::check_id(z.id, at + ".id", err)) return false;
    if (!zids.emplace(z.id, i).second) {
      return fail(err, at + ".id", "duplicate zone id " + detail::quoted(z.id));
    }
    if (z.members.empty()) return fail(err, at + ".members", "expected at least one point id");
    // A set, not a scan per member: a zone of 80,000 members took 21 s to check.
    std::unordered_map<std::string_view, std::size_t> members;
    members.reserve(z.members.size());
    for (std::size_t j = 0; j < z.members.size(); ++j) {
      const auto mat = [&] { return at + ".members[" + std::to_string(j) + "]"; };
      if (ids.find(z.members[j]) == ids.end()) {
        return fail(err, mat(), "unknown point " + detail::quoted(z.members[j]));
      }
      if (!members.emplace(z.members[j], j).second) {
        return fail(err, mat(), "duplicate member " + detail::quoted(z.members[j]));
      }
    }
    if (z.linkage_min_devices < 0 ||
        z.linkage_min_devices > static_cast<long long>(z.members.size())) {
      return fail(err, at + ".linkage_min_devices",
                  "expected an integer from 0 to the number of members (" +
                      std::to_string(z.members.size()) + "), found " +
                      std::to_string(z.linkage_min_devices));
    }
    if (!detail::check_time(lim, z.dependency_window_s, true, at + ".dependency_window_s", err)) {
      return false;
    }
    for (std::size_t j = 0; j < z.manual_call_points.size(); ++j) {
      const std::string& m = z.manual_call_points[j];
      if (members.find(m) == members.end()) {
        return fail(err, at + ".manual_call_points[" + std::to_string(j) + "]",
                    "expected a member of the zone, found " + detail::quoted(m));
      }
    }
  }
  return true;
}

}  // namespace alarm
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_ALARM_RULES_HPP
