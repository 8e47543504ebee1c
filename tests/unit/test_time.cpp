// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/time.hpp>: durations, monotonic and UTC time, calendar conversions.
#include <chrono>
#include <cstdint>
#include <limits>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <string>
#include <system_error>

#include <doctest/doctest.h>

#include <firebus/core/time.hpp>

namespace {

using namespace std::chrono_literals;
using firebus::civil_time;
using firebus::duration;
using firebus::utc_time;

constexpr std::int64_t us_per_day = 86'400'000'000;

utc_time utc_us(std::int64_t us) { return utc_time(duration(us)); }

// Days since 1970-01-01, counted the slow way: whole years, then months, then days.
std::int64_t slow_days(int year, int month, int day) {
  std::int64_t n = 0;
  if (year >= 1970) {
    for (int y = 1970; y < year; ++y) n += firebus::is_leap_year(y) ? 366 : 365;
  } else {
    for (int y = year; y < 1970; ++y) n -= firebus::is_leap_year(y) ? 366 : 365;
  }
  for (int m = 1; m < month; ++m) n += firebus::days_in_month(year, m);
  return n + day - 1;
}

}  // namespace

TEST_CASE("from_seconds rounds to the nearest microsecond, ties away from zero") {
  std::error_code ec = firebus::errc::unknown_code;
  CHECK(firebus::from_seconds(0.1, ec) == 100'000us);
  CHECK_FALSE(ec);
  CHECK(firebus::from_seconds(2.5, ec) == 2'500'000us);
  CHECK(firebus::from_seconds(0.0, ec) == 0us);
  CHECK(firebus::from_seconds(-0.0, ec) == 0us);
  CHECK(firebus::from_seconds(1e-6, ec) == 1us);
  CHECK(firebus::from_seconds(2.5e-7, ec) == 0us);  // 0.25 µs
  CHECK(firebus::from_seconds(7.5e-7, ec) == 1us);  // 0.75 µs
  CHECK(firebus::from_seconds(5e-7, ec) == 1us);    // exactly 0.5 µs after scaling: away from 0
  CHECK(firebus::from_seconds(2.5e-6, ec) == 3us);  // 2.5 µs
  CHECK(firebus::from_seconds(-2.5e-7, ec) == 0us);
  CHECK(firebus::from_seconds(-5e-7, ec) == -1us);
  CHECK(firebus::from_seconds(-2.5e-6, ec) == -3us);
  CHECK(firebus::from_seconds(-0.1, ec) == -100'000us);
  CHECK(firebus::from_seconds(-1.0, ec) == -1s);
  CHECK(firebus::from_seconds(86400.000001, ec) == 86'400'000'001us);
  CHECK(firebus::from_seconds(9.2e12, ec).count() == 9'200'000'000'000'000'000);
  CHECK(firebus::from_seconds(-9.2e12, ec).count() == -9'200'000'000'000'000'000);
  CHECK_FALSE(ec);
}

TEST_CASE("from_seconds is exact for every value with six decimals") {
  std::error_code ec;
  for (std::int64_t k = -2'000'000; k <= 2'000'000; k += 7) {
    const double s = static_cast<double>(k) / 1e6;
    REQUIRE(firebus::from_seconds(s, ec).count() == k);
    duration d{};
    REQUIRE(firebus::try_from_seconds(s, d));
    REQUIRE(d.count() == k);
  }
  // Large values too: a year of seconds with microseconds.
  for (std::int64_t k = 31'536'000'000'000; k < 31'536'000'000'000 + 100'000; k += 13) {
    REQUIRE(firebus::from_seconds(static_cast<double>(k) / 1e6, ec).count() == k);
  }
  CHECK_FALSE(ec);
}

TEST_CASE("from_seconds rejects non-finite and huge values") {
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(),
                        1e300,
                        -1e300,
                        9.3e12,
                        -9.3e12,
                        std::numeric_limits<double>::max(),
                        std::numeric_limits<double>::lowest()};
  for (double s : bad) {
    CAPTURE(s);
    std::error_code ec;
    CHECK(firebus::from_seconds(s, ec) == duration::zero());
    CHECK(ec == firebus::errc::out_of_range);
    CHECK_THROWS_AS(firebus::from_seconds(s), firebus::system_error);
    std::error_code m;
    CHECK(firebus::mono_from_seconds(s, m) == firebus::mono_time());
    CHECK(m == firebus::errc::out_of_range);
    duration kept = 5us;
    CHECK_FALSE(firebus::try_from_seconds(s, kept));
    CHECK(kept == 5us);
  }
  try {
    (void)firebus::from_seconds(std::numeric_limits<double>::infinity());
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::out_of_range);
    CHECK(std::string(e.what()).find("inf") != std::string::npos);
  }
  CHECK(firebus::from_seconds(1.5) == 1'500'000us);
}

TEST_CASE("to_seconds and mono_time") {
  CHECK(firebus::to_seconds(duration(2'500'000)) == 2.5);
  CHECK(firebus::to_seconds(duration(-1)) == -1e-6);
  CHECK(firebus::to_seconds(duration::zero()) == 0.0);
  CHECK(firebus::to_seconds(firebus::mono_time(90s)) == 90.0);
  std::error_code ec;
  const firebus::mono_time t0{};
  const firebus::mono_time due = t0 + firebus::from_seconds(2.5, ec) + 30s;
  CHECK(firebus::to_seconds(due) == 32.5);
  CHECK(firebus::mono_from_seconds(32.5, ec) == due);
  CHECK_FALSE(ec);
  static_assert(firebus::mono_clock::is_steady, "monotonic");
  // Round trip for values with six decimals.
  for (double s : {0.000001, 0.1, 1.25, 3600.000123, -42.5}) {
    CHECK(firebus::to_seconds(firebus::from_seconds(s, ec)) == s);
  }
}

TEST_CASE("days_from_civil: known dates") {
  using firebus::detail::days_from_civil;
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1970, 1, 2) == 1);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2000, 2, 29) == 11016);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(2026, 11, 30) == 20787);  // python3: (date(2026,11,30)-date(1970,1,1)).days
  CHECK(days_from_civil(2100, 3, 1) == 47541);
  CHECK(days_from_civil(1900, 1, 1) == -25567);
  CHECK(days_from_civil(1600, 2, 29) == -135081);
  CHECK(days_from_civil(1, 1, 1) == -719162);
  CHECK(days_from_civil(9999, 12, 31) == 2932896);
  static_assert(days_from_civil(1970, 1, 1) == 0, "constexpr");
}

TEST_CASE("days_from_civil and civil_from_days agree with a slow count and with each other") {
  // Every day of 1890..2110: covers 1900 (not leap), 2000 (leap), 2100 (not leap).
  std::int64_t prev = firebus::detail::days_from_civil(1889, 12, 31);
  for (int y = 1890; y <= 2110; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= firebus::days_in_month(y, m); ++d) {
        const std::int64_t n = firebus::detail::days_from_civil(y, m, d);
        REQUIRE(n == prev + 1);
        prev = n;
        int yy = 0, mm = 0, dd = 0;
        firebus::detail::civil_from_days(n, yy, mm, dd);
        REQUIRE(yy == y);
        REQUIRE(mm == m);
        REQUIRE(dd == d);
      }
    }
  }
  CHECK(firebus::detail::days_from_civil(2110, 12, 31) == slow_days(2110, 12, 31));
  CHECK(firebus::detail::days_from_civil(1890, 1, 1) == slow_days(1890, 1, 1));
  // Every day in the whole range at a coarse stride, both directions.
  for (std::int64_t n = -719162; n <= 2932896; n += 97) {
    int y = 0, m = 0, d = 0;
    firebus::detail::civil_from_days(n, y, m, d);
    REQUIRE(firebus::is_valid(civil_time{y, m, d, 0, 0, 0}));
    REQUIRE(firebus::detail::days_from_civil(y, m, d) == n);
  }
  CHECK(firebus::detail::days_from_civil(1, 3, 1) == slow_days(1, 3, 1));
  CHECK(firebus::detail::days_from_civil(9999, 12, 31) == slow_days(9999, 12, 31));
}

TEST_CASE("leap years and month lengths") {
  CHECK(firebus::is_leap_year(2000));
  CHECK(firebus::is_leap_year(2024));
  CHECK(firebus::is_leap_year(1600));
  CHECK_FALSE(firebus::is_leap_year(1900));
  CHECK_FALSE(firebus::is_leap_year(2100));
  CHECK_FALSE(firebus::is_leap_year(2023));
  CHECK(firebus::days_in_month(2000, 2) == 29);
  CHECK(firebus::days_in_month(2100, 2) == 28);
  CHECK(firebus::days_in_month(2026, 4) == 30);
  CHECK(firebus::days_in_month(2026, 12) == 31);
  CHECK(firebus::days_in_month(2026, 0) == 0);
  CHECK(firebus::days_in_month(2026, 13) == 0);
}

TEST_CASE("to_utc: the GB/T 26875.3 example, China Standard Time") {
  std::error_code ec;
  const civil_time tag{2026, 11, 30, 10, 55, 21};
  const utc_time at = firebus::to_utc(tag, 8h, ec);
  CHECK_FALSE(ec);
  // python3: datetime(2026,11,30,2,55,21,tzinfo=timezone.utc).timestamp() == 1796007321
  CHECK(at.time_since_epoch() == 1'796'007'321s);
  CHECK(firebus::to_iso8601(at) == "2026-11-30T02:55:21.000000Z");
  CHECK(firebus::to_civil(at, 8h, ec) == tag);
  CHECK(firebus::to_civil(at, 0min, ec) == civil_time{2026, 11, 30, 2, 55, 21});
  // Just after local midnight in Beijing is the previous day in UTC.
  const utc_time mid = firebus::to_utc(civil_time{2026, 1, 1, 0, 30, 0}, 8h, ec);
  CHECK(firebus::to_civil(mid, 0min, ec) == civil_time{2025, 12, 31, 16, 30, 0});
  CHECK(firebus::to_utc(civil_time{2026, 11, 30, 10, 55, 21}, 8h) == at);
}

TEST_CASE("to_utc / to_civil round trip over many dates and offsets") {
  std::error_code ec;
  const std::chrono::minutes offsets[] = {0min, 8h, -5h, 5h + 45min, -9h - 30min, 24h, -24h};
  int checked = 0;
  for (std::int64_t day = firebus::detail::days_from_civil(1899, 12, 25);
       day <= firebus::detail::days_from_civil(2101, 1, 5); day += 3) {
    civil_time c;
    firebus::detail::civil_from_days(day, c.year, c.month, c.day);
    c.hour = static_cast<int>(day % 24 + 24) % 24;
    c.minute = static_cast<int>(day % 60 + 60) % 60;
    c.second = static_cast<int>((day * 7) % 60 + 60) % 60;
    for (auto off : offsets) {
      const utc_time t = firebus::to_utc(c, off, ec);
      REQUIRE_FALSE(ec);
      REQUIRE(firebus::to_civil(t, off, ec) == c);
      REQUIRE_FALSE(ec);
      // The offset moves the instant the other way.
      REQUIRE(t == firebus::to_utc(c, 0min, ec) - off);
      ++checked;
    }
  }
  CHECK(checked > 100'000);
  // The leap days and their neighbours, explicitly.
  const civil_time days[] = {
      {2000, 2, 28}, {2000, 2, 29}, {2000, 3, 1},  {2100, 2, 28}, {2100, 3, 1},
      {1900, 2, 28}, {1900, 3, 1},  {2024, 2, 29}, {1, 1, 1},     {9999, 12, 31, 23, 59, 59},
      {1970, 1, 1}};
  for (const civil_time& c : days) {
    CAPTURE(c.year);
    CAPTURE(c.month);
    CAPTURE(c.day);
    const utc_time t = firebus::to_utc(c, 0min, ec);
    REQUIRE_FALSE(ec);
    CHECK(firebus::to_civil(t, 0min, ec) == c);
    CHECK(firebus::to_civil(t + 24h, 0min, ec) != c);
  }
  CHECK(firebus::to_utc(civil_time{2000, 3, 1}, 0min, ec) -
            firebus::to_utc(civil_time{2000, 2, 28}, 0min, ec) ==
        48h);
  CHECK(firebus::to_utc(civil_time{2100, 3, 1}, 0min, ec) -
            firebus::to_utc(civil_time{2100, 2, 28}, 0min, ec) ==
        24h);
}

TEST_CASE("to_civil truncates to the second, also before 1970") {
  std::error_code ec;
  CHECK(firebus::to_civil(utc_us(999'999), 0min, ec) == civil_time{1970, 1, 1, 0, 0, 0});
  CHECK(firebus::to_civil(utc_us(-1), 0min, ec) == civil_time{1969, 12, 31, 23, 59, 59});
  CHECK(firebus::to_civil(utc_us(-1'000'000), 0min, ec) == civil_time{1969, 12, 31, 23, 59, 59});
  CHECK(firebus::to_civil(utc_us(-1'000'001), 0min, ec) == civil_time{1969, 12, 31, 23, 59, 58});
  CHECK(firebus::to_civil(utc_us(-us_per_day), 0min, ec) == civil_time{1969, 12, 31, 0, 0, 0});
  CHECK(firebus::to_civil(utc_us(-us_per_day - 1), 0min, ec) ==
        civil_time{1969, 12, 30, 23, 59, 59});
  CHECK_FALSE(ec);
}

TEST_CASE("to_utc rejects invalid fields and offsets") {
  const civil_time bad[] = {
      {2023, 2, 29, 0, 0, 0}, {2100, 2, 29, 0, 0, 0}, {2026, 13, 1, 0, 0, 0},
      {2026, 0, 1, 0, 0, 0},  {2026, 4, 31, 0, 0, 0}, {2026, 1, 0, 0, 0, 0},
      {2026, 1, 32, 0, 0, 0}, {2026, 1, 1, 24, 0, 0}, {2026, 1, 1, -1, 0, 0},
      {2026, 1, 1, 0, 60, 0}, {2026, 1, 1, 0, 0, 60}, {2026, 1, 1, 0, 0, -1},
      {0, 1, 1, 0, 0, 0},     {10000, 1, 1, 0, 0, 0}, {-1, 1, 1, 0, 0, 0},
  };
  for (const civil_time& c : bad) {
    CAPTURE(c.year);
    CAPTURE(c.month);
    CAPTURE(c.day);
    CAPTURE(c.hour);
    CAPTURE(c.minute);
    CAPTURE(c.second);
    CHECK_FALSE(firebus::is_valid(c));
    std::error_code ec;
    CHECK(firebus::to_utc(c, 0min, ec) == utc_time());
    CHECK(ec == firebus::errc::invalid_time);
    CHECK_THROWS_AS(firebus::to_utc(c, 0min), firebus::system_error);
  }
  std::error_code ec;
  const civil_time ok{2026, 11, 30, 10, 55, 21};
  CHECK(firebus::is_valid(ok));
  CHECK(firebus::is_valid(civil_time{2000, 2, 29, 23, 59, 59}));
  CHECK(firebus::is_valid(civil_time{}));
  (void)firebus::to_utc(ok, 24h + 1min, ec);
  CHECK(ec == firebus::errc::invalid_time);
  (void)firebus::to_utc(ok, -24h - 1min, ec);
  CHECK(ec == firebus::errc::invalid_time);
  (void)firebus::to_civil(utc_time(), 25h, ec);
  CHECK(ec == firebus::errc::invalid_time);
  CHECK_THROWS_AS(firebus::to_civil(utc_time(), -25h), firebus::system_error);

  try {
    (void)firebus::to_utc(civil_time{2023, 2, 29, 1, 2, 3}, 8h);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::invalid_time);
    CHECK(std::string(e.what()).find("2023-2-29") != std::string::npos);
  }
}

TEST_CASE("to_civil outside years 1..9999 is out_of_range") {
  std::error_code ec;
  const utc_time first = firebus::to_utc(civil_time{1, 1, 1, 0, 0, 0}, 0min, ec);
  const utc_time last = firebus::to_utc(civil_time{9999, 12, 31, 23, 59, 59}, 0min, ec);
  REQUIRE_FALSE(ec);
  CHECK(firebus::to_civil(first, 0min, ec) == civil_time{1, 1, 1, 0, 0, 0});
  CHECK_FALSE(ec);
  CHECK(firebus::to_civil(first - 1us, 0min, ec) == civil_time());
  CHECK(ec == firebus::errc::out_of_range);
  CHECK(firebus::to_civil(last + 1s, 0min, ec) == civil_time());
  CHECK(ec == firebus::errc::out_of_range);
  CHECK(firebus::to_civil(last + 999'999us, 0min, ec) == civil_time{9999, 12, 31, 23, 59, 59});
  CHECK_FALSE(ec);
  // The offset can take a valid instant out of range.
  (void)firebus::to_civil(last, 1min, ec);
  CHECK(ec == firebus::errc::out_of_range);
  (void)firebus::to_civil(utc_us(std::numeric_limits<std::int64_t>::max()), 0min, ec);
  CHECK(ec == firebus::errc::out_of_range);
  (void)firebus::to_civil(utc_us(std::numeric_limits<std::int64_t>::min()), 24h, ec);
  CHECK(ec == firebus::errc::out_of_range);
  try {
    (void)firebus::to_civil(last + 1s, 0min);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::out_of_range);
    CHECK(std::string(e.what()).find("1..9999") != std::string::npos);
  }
}

TEST_CASE("to_iso8601") {
  CHECK(firebus::to_iso8601(utc_time()) == "1970-01-01T00:00:00.000000Z");
  CHECK(firebus::to_iso8601(utc_us(1'796'007'321'250'000)) == "2026-11-30T02:55:21.250000Z");
  CHECK(firebus::to_iso8601(utc_us(1)) == "1970-01-01T00:00:00.000001Z");
  CHECK(firebus::to_iso8601(utc_us(-1)) == "1969-12-31T23:59:59.999999Z");
  CHECK(firebus::to_iso8601(utc_us(-1'000'000)) == "1969-12-31T23:59:59.000000Z");
  CHECK(firebus::to_iso8601(utc_us(-1'500'000)) == "1969-12-31T23:59:58.500000Z");
  std::error_code ec;
  const utc_time first = firebus::to_utc(civil_time{1, 1, 1, 0, 0, 0}, 0min, ec);
  const utc_time last = firebus::to_utc(civil_time{9999, 12, 31, 23, 59, 59}, 0min, ec);
  CHECK(firebus::to_iso8601(first) == "0001-01-01T00:00:00.000000Z");
  CHECK(firebus::to_iso8601(last + 999'999us) == "9999-12-31T23:59:59.999999Z");
  CHECK(firebus::to_iso8601(first - 1us) == "out-of-range");
  CHECK(firebus::to_iso8601(last + 1s) == "out-of-range");
  CHECK(firebus::to_iso8601(utc_us(std::numeric_limits<std::int64_t>::min())) == "out-of-range");
  CHECK(firebus::to_iso8601(utc_us(std::numeric_limits<std::int64_t>::max())) == "out-of-range");
  CHECK(firebus::to_iso8601(firebus::to_utc(civil_time{2000, 2, 29, 12, 0, 0}, 0min, ec)) ==
        "2000-02-29T12:00:00.000000Z");
}

TEST_CASE("to_unix_ms floors toward negative infinity") {
  CHECK(firebus::to_unix_ms(utc_us(0)) == 0);
  CHECK(firebus::to_unix_ms(utc_us(999)) == 0);
  CHECK(firebus::to_unix_ms(utc_us(1000)) == 1);
  CHECK(firebus::to_unix_ms(utc_us(1999)) == 1);
  CHECK(firebus::to_unix_ms(utc_us(-1)) == -1);
  CHECK(firebus::to_unix_ms(utc_us(-999)) == -1);
  CHECK(firebus::to_unix_ms(utc_us(-1000)) == -1);
  CHECK(firebus::to_unix_ms(utc_us(-1001)) == -2);
  CHECK(firebus::to_unix_ms(utc_us(std::numeric_limits<std::int64_t>::min())) ==
        std::numeric_limits<std::int64_t>::min() / 1000 - 1);
  CHECK(firebus::to_unix_ms(utc_us(std::numeric_limits<std::int64_t>::max())) ==
        std::numeric_limits<std::int64_t>::max() / 1000);
  static_assert(firebus::to_unix_ms(utc_time(duration(-1))) == -1, "constexpr");
}

TEST_CASE("utc_from_unix_ms") {
  std::error_code ec = firebus::errc::unknown_code;
  CHECK(firebus::utc_from_unix_ms(1'796'007'321'250, ec) == utc_us(1'796'007'321'250'000));
  CHECK_FALSE(ec);
  CHECK(firebus::utc_from_unix_ms(-1, ec) == utc_us(-1000));
  constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 1000;
  CHECK(firebus::utc_from_unix_ms(limit, ec).time_since_epoch().count() == limit * 1000);
  CHECK_FALSE(ec);
  CHECK(firebus::utc_from_unix_ms(-limit, ec).time_since_epoch().count() == -limit * 1000);
  CHECK_FALSE(ec);
  for (std::int64_t ms : {limit + 1, -limit - 1, std::numeric_limits<std::int64_t>::max(),
                          std::numeric_limits<std::int64_t>::min()}) {
    CAPTURE(ms);
    CHECK(firebus::utc_from_unix_ms(ms, ec) == utc_time());
    CHECK(ec == firebus::errc::out_of_range);
  }
  // Round trip with to_unix_ms.
  for (std::int64_t ms = -5000; ms <= 5000; ms += 7) {
    CHECK(firebus::to_unix_ms(firebus::utc_from_unix_ms(ms, ec)) == ms);
  }
}
