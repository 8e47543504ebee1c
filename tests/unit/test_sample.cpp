// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/sample.hpp>: one value of one point, with its quality.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <doctest/doctest.h>

#include <firebus/core/sample.hpp>

namespace {

using namespace std::chrono_literals;
using firebus::quality_code;
using firebus::sample;

sample make_sample() {
  return sample{firebus::point_id("RC1"), firebus::utc_time(1'796'007'321s), 312.0,
                quality_code::good};
}

double nan_with_payload(std::uint64_t payload) {
  const std::uint64_t bits = 0x7FF8000000000000ull | payload;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

}  // namespace

TEST_CASE("sample: defaults") {
  const sample s;
  CHECK(s.point.empty());
  CHECK(s.time == firebus::utc_time());
  CHECK(s.value == 0.0);
  CHECK(s.quality == quality_code::good);
}

TEST_CASE("sample: equality compares every field") {
  const sample a = make_sample();
  CHECK(a == make_sample());
  CHECK_FALSE(a != make_sample());

  sample b = a;
  b.point = firebus::point_id("RC2");
  CHECK(a != b);
  b = a;
  b.time += 1us;
  CHECK(a != b);
  b = a;
  b.value = std::nextafter(312.0, 400.0);
  CHECK(a != b);
  b = a;
  b.quality = quality_code::good_override;
  CHECK(a != b);
  CHECK_FALSE(a == b);
}

TEST_CASE("sample: NaN equals NaN, so a decoded sample equals the encoded one") {
  sample a = make_sample();
  sample b = make_sample();
  a.value = std::numeric_limits<double>::quiet_NaN();
  CHECK(a != b);  // NaN vs a number
  CHECK(b != a);
  b.value = std::numeric_limits<double>::quiet_NaN();
  CHECK(a == b);
  b.value = -std::numeric_limits<double>::quiet_NaN();
  CHECK(a == b);
  b.value = nan_with_payload(0x1234);
  CHECK(a == b);
  CHECK(a == a);
  // NaN never equals infinity, and the other fields still count.
  b.value = std::numeric_limits<double>::infinity();
  CHECK(a != b);
  b.value = a.value;
  b.quality = quality_code::bad_invalid_value;
  CHECK(a != b);
  // +0 and -0 are the same value.
  a.value = 0.0;
  b = a;
  b.value = -0.0;
  CHECK(a == b);
}

TEST_CASE("sample: is_usable by quality class") {
  sample s = make_sample();
  CHECK(firebus::is_usable(s));
  s.quality = quality_code::good_override;
  CHECK(firebus::is_usable(s));
  // Uncertain values are usable.
  for (auto q : {quality_code::uncertain, quality_code::uncertain_last_usable,
                 quality_code::uncertain_substituted, quality_code::uncertain_not_accurate}) {
    s.quality = q;
    CHECK(firebus::is_usable(s));
  }
  // Bad ones never are, nor are reserved or unknown bad-class codes.
  for (unsigned b = 0x80; b <= 0xFF; ++b) {
    CAPTURE(b);
    s.quality = static_cast<quality_code>(b);
    CHECK_FALSE(firebus::is_usable(s));
  }
  // An unknown code of the good class counts by its class.
  s.quality = static_cast<quality_code>(0x3F);
  CHECK(firebus::is_usable(s));
}

TEST_CASE("sample: is_usable rejects non-finite values even with good quality") {
  sample s = make_sample();
  for (double v :
       {std::numeric_limits<double>::quiet_NaN(), nan_with_payload(1),
        std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    s.value = v;
    s.quality = quality_code::good;
    CHECK_FALSE(firebus::is_usable(s));
    s.quality = quality_code::uncertain;
    CHECK_FALSE(firebus::is_usable(s));
  }
  for (double v : {0.0, -0.0, -1e308, std::numeric_limits<double>::max(),
                   std::numeric_limits<double>::denorm_min()}) {
    s.value = v;
    s.quality = quality_code::good;
    CHECK(firebus::is_usable(s));
  }
}
