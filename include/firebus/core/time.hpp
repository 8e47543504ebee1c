// firebus — fire-safety IoT SDK.
/// @file
/// Time points and durations, with no clock: firebus's pure code never reads the time itself.
///
/// - firebus::duration: signed 64-bit microseconds (±292 000 years). Exact for any time given in
///   seconds with up to six decimals, so alarm scenarios replay bit for bit.
/// - firebus::mono_time: a point on a monotonic time line with no calendar meaning (the alarm
///   engine's `t`). Its clock has no `now()`: the caller supplies every time.
/// - firebus::utc_time: microseconds since 1970-01-01T00:00:00Z, leap seconds not counted (POSIX
///   time, as MQTT/Sparkplug and protobuf timestamps use).
/// - firebus::civil_time: calendar fields (as GB/T 26875.3 time tags carry) and conversions to
///   and from utc_time at a given UTC offset.
///
/// @par Example
/// @code
/// using namespace std::chrono_literals;
/// std::error_code ec;
/// firebus::duration d = firebus::from_seconds(2.5, ec);         // 2 500 000 µs
/// firebus::mono_time t0{};                                      // engine start
/// firebus::mono_time due = t0 + d + 30s;                        // 32.5 s
/// firebus::civil_time tag{2026, 11, 30, 10, 55, 21};            // local time in Beijing
/// firebus::utc_time at = firebus::to_utc(tag, 8h, ec);          // 2026-11-30T02:55:21Z
/// std::string iso = firebus::to_iso8601(at);                    // "2026-11-30T02:55:21.000000Z"
/// @endcode
#ifndef FIREBUS_CORE_TIME_HPP
#define FIREBUS_CORE_TIME_HPP

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {

/// A signed span of time in microseconds.
using duration = std::chrono::duration<std::int64_t, std::micro>;

/// The clock of firebus::mono_time. It deliberately has no `now()`.
struct mono_clock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<mono_clock, duration>;
  static constexpr bool is_steady = true;
};

/// A point on a monotonic time line (e.g. seconds since the engine started).
using mono_time = mono_clock::time_point;

/// A UTC time: microseconds since the Unix epoch, leap seconds not counted.
using utc_time = std::chrono::time_point<std::chrono::system_clock, duration>;

/// As firebus::from_seconds (below), for bulk conversions: false, with `out` unchanged, when out
/// of range.
inline bool try_from_seconds(double seconds, duration& out) noexcept {
  const double us = std::round(seconds * 1e6);
  // 9.2e18 is below 2^63 with margin for the rounding of the comparison itself (NaN fails).
  if (!(us <= 9.2e18 && us >= -9.2e18)) return false;
  out = duration(static_cast<std::int64_t>(us));
  return true;
}

/// Seconds as a real number to a duration, rounded to the nearest microsecond (ties away from
/// zero). Non-finite values and values beyond ±9.2e12 s fail with errc::out_of_range.
inline duration from_seconds(double seconds, std::error_code& ec) noexcept {
  duration d = duration::zero();
  if (!try_from_seconds(seconds, d)) {
    ec = make_error_code(errc::out_of_range);
    return duration::zero();
  }
  ec.clear();
  return d;
}

/// A duration as seconds (a real number; exact up to 2^53 µs, about 285 years).
constexpr double to_seconds(duration d) noexcept { return static_cast<double>(d.count()) / 1e6; }

/// A mono_time from seconds since its epoch, as firebus::from_seconds.
inline mono_time mono_from_seconds(double seconds, std::error_code& ec) noexcept {
  return mono_time(from_seconds(seconds, ec));
}

/// Seconds since the epoch of a mono_time.
constexpr double to_seconds(mono_time t) noexcept { return to_seconds(t.time_since_epoch()); }

/// A utc_time from Unix milliseconds (Sparkplug B timestamps). Fails with errc::out_of_range
/// beyond the range of firebus::duration.
inline utc_time utc_from_unix_ms(std::int64_t ms, std::error_code& ec) noexcept {
  constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 1000;
  if (ms > limit || ms < -limit) {
    ec = make_error_code(errc::out_of_range);
    return utc_time();
  }
  ec.clear();
  return utc_time(duration(ms * 1000));
}

/// Calendar date and time of day, to the second (as a GB/T 26875.3 time tag carries it).
struct civil_time {
  int year = 1970;  ///< e.g. 2026
  int month = 1;    ///< 1..12
  int day = 1;      ///< 1..28/29/30/31
  int hour = 0;     ///< 0..23
  int minute = 0;   ///< 0..59
  int second = 0;   ///< 0..59 (leap seconds are not represented)

  friend constexpr bool operator==(const civil_time& a, const civil_time& b) noexcept {
    return a.year == b.year && a.month == b.month && a.day == b.day && a.hour == b.hour &&
           a.minute == b.minute && a.second == b.second;
  }
  friend constexpr bool operator!=(const civil_time& a, const civil_time& b) noexcept {
    return !(a == b);
  }
};

/// True for leap years of the proleptic Gregorian calendar.
constexpr bool is_leap_year(int year) noexcept {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/// Days in a month (1..12) of a year; 0 for a month outside 1..12.
constexpr int days_in_month(int year, int month) noexcept {
  constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/// True when every field is in range and the day exists in its month. Years are limited to
/// 1..9999 so that every valid value converts to and from utc_time.
constexpr bool is_valid(const civil_time& c) noexcept {
  return c.year >= 1 && c.year <= 9999 && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
         c.day <= days_in_month(c.year, c.month) && c.hour >= 0 && c.hour <= 23 && c.minute >= 0 &&
         c.minute <= 59 && c.second >= 0 && c.second <= 59;
}

namespace detail {

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Days since 1970-01-01 of a proleptic Gregorian date, counting in 400-year eras of 146097
// days that start on 1 March (so the leap day is the last day of the counting year).
constexpr std::int64_t days_from_civil(std::int64_t y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                                    // [0, 399]
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

// The inverse of days_from_civil.
constexpr void civil_from_days(std::int64_t z, int& year, int& month, int& day) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

}  // namespace detail

/// Unix milliseconds of a utc_time, rounded toward negative infinity.
constexpr std::int64_t to_unix_ms(utc_time t) noexcept {
  return detail::floor_div(t.time_since_epoch().count(), 1000);
}

/// Converts calendar fields read at `utc_offset` from UTC (e.g. +8 h for China Standard Time)
/// to a utc_time. Invalid fields, or an offset beyond ±24 h, fail with errc::invalid_time.
inline utc_time to_utc(const civil_time& c, std::chrono::minutes utc_offset,
                       std::error_code& ec) noexcept {
  if (!is_valid(c) || utc_offset.count() > 24 * 60 || utc_offset.count() < -24 * 60) {
    ec = make_error_code(errc::invalid_time);
    return utc_time();
  }
  const std::int64_t days = detail::days_from_civil(c.year, c.month, c.day);
  const std::int64_t secs = days * 86400 + c.hour * 3600 + c.minute * 60 + c.second -
                            static_cast<std::int64_t>(utc_offset.count()) * 60;
  ec.clear();
  return utc_time(duration(secs * 1000000));
}

/// The calendar fields of `t` at `utc_offset` from UTC, truncated to the second. Fails with
/// errc::out_of_range (returning the epoch's fields) when the year leaves 1..9999, and with
/// errc::invalid_time for an offset beyond ±24 h.
inline civil_time to_civil(utc_time t, std::chrono::minutes utc_offset,
                           std::error_code& ec) noexcept {
  if (utc_offset.count() > 24 * 60 || utc_offset.count() < -24 * 60) {
    ec = make_error_code(errc::invalid_time);
    return civil_time();
  }
  const std::int64_t secs = detail::floor_div(t.time_since_epoch().count(), 1000000) +
                            static_cast<std::int64_t>(utc_offset.count()) * 60;
  const std::int64_t days = detail::floor_div(secs, 86400);
  // 0001-01-01 and 9999-12-31 in days since 1970-01-01.
  if (days < detail::days_from_civil(1, 1, 1) || days > detail::days_from_civil(9999, 12, 31)) {
    ec = make_error_code(errc::out_of_range);
    return civil_time();
  }
  const std::int64_t sod = secs - days * 86400;
  civil_time c;
  detail::civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod % 3600 / 60);
  c.second = static_cast<int>(sod % 60);
  ec.clear();
  return c;
}

/// `t` as ISO 8601 in UTC with microseconds, e.g. "2026-11-30T02:55:21.250000Z". Years outside
/// 1..9999 are written as "out-of-range".
inline std::string to_iso8601(utc_time t) {
  std::error_code ec;
  const civil_time c = to_civil(t, std::chrono::minutes(0), ec);
  if (ec) return "out-of-range";
  const std::int64_t us = t.time_since_epoch().count() -
                          detail::floor_div(t.time_since_epoch().count(), 1000000) * 1000000;
  char out[28];
  auto put = [&out](std::size_t at, std::int64_t v, std::size_t width) {
    for (std::size_t i = width; i-- > 0; v /= 10) out[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, c.year, 4);
  out[4] = '-';
  put(5, c.month, 2);
  out[7] = '-';
  put(8, c.day, 2);
  out[10] = 'T';
  put(11, c.hour, 2);
  out[13] = ':';
  put(14, c.minute, 2);
  out[16] = ':';
  put(17, c.second, 2);
  out[19] = '.';
  put(20, us, 6);
  out[26] = 'Z';
  return std::string(out, 27);
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of firebus::from_seconds.
inline duration from_seconds(double seconds) {
  std::error_code ec;
  const duration d = from_seconds(seconds, ec);
  if (ec) {
    detail::throw_error(ec, "time: " + std::to_string(seconds) +
                                " s is not a finite number of microseconds within ±9.2e12 s");
  }
  return d;
}
/// Throwing overload of firebus::to_utc.
inline utc_time to_utc(const civil_time& c, std::chrono::minutes utc_offset) {
  std::error_code ec;
  const utc_time t = to_utc(c, utc_offset, ec);
  if (ec) {
    detail::throw_error(ec, "time: " + std::to_string(c.year) + "-" + std::to_string(c.month) +
                                "-" + std::to_string(c.day) + " " + std::to_string(c.hour) + ":" +
                                std::to_string(c.minute) + ":" + std::to_string(c.second) +
                                " at UTC offset " + std::to_string(utc_offset.count()) +
                                " min is not a valid date and time");
  }
  return t;
}
/// Throwing overload of firebus::to_civil.
inline civil_time to_civil(utc_time t, std::chrono::minutes utc_offset) {
  std::error_code ec;
  const civil_time c = to_civil(t, utc_offset, ec);
  if (ec) {
    detail::throw_error(ec, "time: " + std::to_string(t.time_since_epoch().count()) +
                                " µs since 1970 at UTC offset " +
                                std::to_string(utc_offset.count()) +
                                " min is outside years 1..9999");
  }
  return c;
}
#endif

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_TIME_HPP
