// firebus — fire-safety IoT SDK.
/// @file
/// firebus::sample: one value of one point at one time, with its quality.
///
/// Values are `double`: every register type a detector reports (u16, i32, f32, scaled codes)
/// fits exactly, and integers up to 2^53 are exact. `time` is when the value was measured: the
/// device's own time stamp where it has one, otherwise the time the gateway received it.
///
/// @par Example
/// @code
/// using namespace std::chrono_literals;
/// firebus::sample s{firebus::point_id("RC1"), firebus::utc_time(1'764'471'321s), 312.0};
/// s.quality = firebus::quality_code::good;
/// if (firebus::is_usable(s)) { /* feed the alarm engine */ }
/// @endcode
#ifndef FIREBUS_CORE_SAMPLE_HPP
#define FIREBUS_CORE_SAMPLE_HPP

#include <cmath>

#include <firebus/core/config.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/time.hpp>

namespace firebus {
inline namespace v1 {

/// One value of one point.
struct sample {
  point_id point;                             ///< which point
  utc_time time{};                            ///< when it was measured (UTC)
  double value = 0.0;                         ///< in the point's engineering unit
  quality_code quality = quality_code::good;  ///< how far `value` can be trusted

  friend bool operator==(const sample& a, const sample& b) noexcept {
    // NaN equals NaN here, so a decoded sample equals the one that was encoded.
    const bool same_value = a.value == b.value || (std::isnan(a.value) && std::isnan(b.value));
    return a.point == b.point && a.time == b.time && same_value && a.quality == b.quality;
  }
  friend bool operator!=(const sample& a, const sample& b) noexcept { return !(a == b); }
};

/// True when the value may be used to evaluate alarms: not bad, and a finite number. (Uncertain
/// values are usable; a bad or non-finite one must raise a fault instead, never clear an alarm.)
inline bool is_usable(const sample& s) noexcept {
  return !is_bad(s.quality) && std::isfinite(s.value);
}

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_SAMPLE_HPP
