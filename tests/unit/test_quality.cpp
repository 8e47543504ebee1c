// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/quality.hpp>: quality codes, classes and names.
#include <cstdint>
#include <iterator>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <set>
#include <string>
#include <system_error>

#include <doctest/doctest.h>

#include <firebus/core/quality.hpp>

namespace {

using firebus::quality_class;
using firebus::quality_code;

struct expected_code {
  std::uint8_t byte;
  const char* name;
  quality_class cls;
};

// The defined codes, written out independently of the header's table.
constexpr expected_code defined[] = {
    {0x00, "good", quality_class::good},
    {0x01, "good_override", quality_class::good},
    {0x40, "uncertain", quality_class::uncertain},
    {0x41, "uncertain_last_usable", quality_class::uncertain},
    {0x42, "uncertain_substituted", quality_class::uncertain},
    {0x43, "uncertain_not_accurate", quality_class::uncertain},
    {0x80, "bad", quality_class::bad},
    {0x81, "bad_invalid_value", quality_class::bad},
    {0x82, "bad_over_range", quality_class::bad},
    {0x83, "bad_under_range", quality_class::bad},
    {0x84, "bad_open_circuit", quality_class::bad},
    {0x85, "bad_short_circuit", quality_class::bad},
    {0x86, "bad_device_fault", quality_class::bad},
    {0x87, "bad_comm_loss", quality_class::bad},
    {0x88, "bad_out_of_service", quality_class::bad},
    {0x89, "bad_config_error", quality_class::bad},
};

const expected_code* find_defined(unsigned byte) {
  for (const auto& d : defined) {
    if (d.byte == byte) return &d;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("quality: enumerator values are the wire bytes") {
  CHECK(static_cast<unsigned>(quality_code::good) == 0x00);
  CHECK(static_cast<unsigned>(quality_code::uncertain_last_usable) == 0x41);
  CHECK(static_cast<unsigned>(quality_code::bad_open_circuit) == 0x84);
  CHECK(static_cast<unsigned>(quality_code::bad_comm_loss) == 0x87);
  CHECK(static_cast<unsigned>(quality_code::bad_config_error) == 0x89);
  CHECK(std::size(firebus::detail::quality_names) == std::size(defined));
}

TEST_CASE("quality: class_of and the is_* predicates for every defined code") {
  for (const auto& d : defined) {
    CAPTURE(d.name);
    const auto q = static_cast<quality_code>(d.byte);
    CHECK(firebus::class_of(q) == d.cls);
    CHECK(firebus::is_good(q) == (d.cls == quality_class::good));
    CHECK(firebus::is_uncertain(q) == (d.cls == quality_class::uncertain));
    CHECK(firebus::is_bad(q) == (d.cls == quality_class::bad));
    CHECK(firebus::is_known(q));
  }
}

TEST_CASE("quality: class_of for every byte; the reserved class 11 counts as bad") {
  for (unsigned b = 0; b < 256; ++b) {
    CAPTURE(b);
    const auto q = static_cast<quality_code>(b);
    const quality_class want = b < 0x40   ? quality_class::good
                               : b < 0x80 ? quality_class::uncertain
                                          : quality_class::bad;
    REQUIRE(firebus::class_of(q) == want);
    // Exactly one predicate holds.
    REQUIRE(int(firebus::is_good(q)) + int(firebus::is_uncertain(q)) + int(firebus::is_bad(q)) ==
            1);
  }
  CHECK(firebus::is_bad(static_cast<quality_code>(0xC0)));
  CHECK(firebus::is_bad(static_cast<quality_code>(0xFF)));
  CHECK_FALSE(firebus::is_good(static_cast<quality_code>(0xC0)));
  CHECK_FALSE(firebus::is_uncertain(static_cast<quality_code>(0xC1)));
  static_assert(firebus::class_of(static_cast<quality_code>(0xC0)) == quality_class::bad,
                "constexpr");
}

TEST_CASE("quality: names of every defined code round-trip") {
  std::set<std::string> names;
  for (const auto& d : defined) {
    CAPTURE(d.name);
    const auto q = static_cast<quality_code>(d.byte);
    CHECK(firebus::to_string(q) == d.name);
    std::error_code ec = firebus::errc::unknown_code;
    CHECK(firebus::quality_from_string(d.name, ec) == q);
    CHECK_FALSE(ec);
    CHECK(firebus::quality_from_string(d.name) == q);
    names.insert(firebus::to_string(q));
  }
  CHECK(names.size() == std::size(defined));
}

TEST_CASE("quality: unknown names") {
  for (const char* name : {"", "Good", "GOOD", "bad ", " bad", "bad_open", "bad(0x84)",
                           "uncertain_", "bad_comm_loss\n", "0x84", "comm_loss"}) {
    CAPTURE(name);
    std::error_code ec;
    CHECK(firebus::quality_from_string(name, ec) == quality_code::bad);
    CHECK(ec == firebus::errc::unknown_name);
    CHECK_THROWS_AS(firebus::quality_from_string(name), firebus::system_error);
  }
  // A name with an embedded NUL is not a prefix match.
  std::error_code ec;
  CHECK(firebus::quality_from_string(std::string_view("good\0", 5), ec) == quality_code::bad);
  CHECK(ec == firebus::errc::unknown_name);
  try {
    (void)firebus::quality_from_string("gud");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::unknown_name);
    const std::string what = e.what();
    CHECK(what.find("quality") != std::string::npos);
    CHECK(what.find("\"gud\"") != std::string::npos);
  }
}

TEST_CASE("quality: quality_from_byte accepts exactly the defined codes") {
  int accepted = 0;
  for (unsigned b = 0; b < 256; ++b) {
    CAPTURE(b);
    const auto byte = static_cast<std::uint8_t>(b);
    const expected_code* d = find_defined(b);
    std::error_code ec;
    const quality_code q = firebus::quality_from_byte(byte, ec);
    CHECK(firebus::is_known(static_cast<quality_code>(b)) == (d != nullptr));
    if (d != nullptr) {
      ++accepted;
      CHECK_FALSE(ec);
      CHECK(static_cast<unsigned>(q) == b);
      CHECK(firebus::quality_from_byte(byte) == q);
    } else {
      CHECK(ec == firebus::errc::unknown_code);
      CHECK(q == quality_code::bad);
      CHECK_THROWS_AS(firebus::quality_from_byte(byte), firebus::system_error);
    }
  }
  CHECK(accepted == static_cast<int>(std::size(defined)));
  try {
    (void)firebus::quality_from_byte(0x3F);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::unknown_code);
    CHECK(std::string(e.what()).find("63") != std::string::npos);
  }
}

TEST_CASE("quality: to_string of unknown codes names the class and the hex value") {
  CHECK(firebus::to_string(static_cast<quality_code>(0x9A)) == "bad(0x9a)");
  CHECK(firebus::to_string(static_cast<quality_code>(0x02)) == "good(0x02)");
  CHECK(firebus::to_string(static_cast<quality_code>(0x3F)) == "good(0x3f)");
  CHECK(firebus::to_string(static_cast<quality_code>(0x7F)) == "uncertain(0x7f)");
  CHECK(firebus::to_string(static_cast<quality_code>(0xC0)) == "bad(0xc0)");
  CHECK(firebus::to_string(static_cast<quality_code>(0xFF)) == "bad(0xff)");
  // Every unknown code gets such a name, and it does not parse back as a code.
  for (unsigned b = 0; b < 256; ++b) {
    if (find_defined(b) != nullptr) continue;
    CAPTURE(b);
    const std::string s = firebus::to_string(static_cast<quality_code>(b));
    REQUIRE(s.size() >= 9);
    REQUIRE(s.substr(s.size() - 6, 3) == "(0x");
    std::error_code ec;
    (void)firebus::quality_from_string(s, ec);
    REQUIRE(ec == firebus::errc::unknown_name);
  }
}
