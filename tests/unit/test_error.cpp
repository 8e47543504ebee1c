// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/error.hpp>: the firebus.core error category and firebus::system_error.
#include <iterator>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>

#include <doctest/doctest.h>

#include <firebus/core/error.hpp>

namespace {

constexpr firebus::errc all_codes[] = {
    firebus::errc::truncated,    firebus::errc::buffer_full,  firebus::errc::invalid_argument,
    firebus::errc::out_of_range, firebus::errc::invalid_time, firebus::errc::invalid_point_id,
    firebus::errc::unknown_name, firebus::errc::unknown_code, firebus::errc::version_mismatch,
};

}  // namespace

TEST_CASE("errc converts implicitly to std::error_code in the firebus.core category") {
  std::error_code ec = firebus::errc::truncated;
  CHECK(ec);
  CHECK(ec.value() == 1);
  CHECK(&ec.category() == &firebus::core_category());
  CHECK(std::string(ec.category().name()) == "firebus.core");
  CHECK(ec == firebus::errc::truncated);
  CHECK(ec != firebus::errc::buffer_full);
  CHECK_FALSE(ec == firebus::errc::buffer_full);

  ec = firebus::errc::buffer_full;
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(ec != firebus::errc::truncated);

  ec.clear();
  CHECK_FALSE(ec);
  CHECK(ec != firebus::errc::truncated);
}

TEST_CASE("every errc has its own value and a non-empty message") {
  std::set<int> values;
  std::set<std::string> messages;
  for (firebus::errc e : all_codes) {
    const std::error_code ec = firebus::make_error_code(e);
    CAPTURE(ec.value());
    CHECK(ec);  // no code is 0, so none reads as success
    CHECK(ec == e);
    CHECK(ec.category() == firebus::core_category());
    CHECK_FALSE(ec.message().empty());
    CHECK(ec.message().find("unknown firebus.core error") == std::string::npos);
    values.insert(ec.value());
    messages.insert(ec.message());
  }
  CHECK(values.size() == std::size(all_codes));
  CHECK(messages.size() == std::size(all_codes));
  CHECK(firebus::make_error_code(firebus::errc::truncated).message() ==
        "input ended before the value was complete");
}

TEST_CASE("a value outside errc still gets a message naming it") {
  const std::string m = firebus::core_category().message(999);
  CHECK(m.find("999") != std::string::npos);
  CHECK(m.find("firebus.core") != std::string::npos);
  CHECK_FALSE(firebus::core_category().message(0).empty());
}

TEST_CASE("the category is a single object") {
  CHECK(&firebus::core_category() == &firebus::core_category());
  const std::error_code a = firebus::errc::unknown_name;
  const std::error_code b = firebus::make_error_code(firebus::errc::unknown_name);
  CHECK(a == b);
}

TEST_CASE("firebus codes are not confused with codes of other categories") {
  const std::error_code ec = firebus::errc::invalid_argument;
  // Same numeric value, different category: must compare unequal.
  const std::error_code generic(static_cast<int>(firebus::errc::invalid_argument),
                                std::generic_category());
  CHECK(ec != generic);
  CHECK(ec != std::errc::invalid_argument);
  CHECK(ec != std::make_error_code(std::errc::invalid_argument));
  const std::error_code other = std::make_error_code(std::errc::value_too_large);
  CHECK(other != firebus::errc::out_of_range);
}

TEST_CASE("firebus::system_error keeps the code and adds the details") {
  const firebus::system_error e(firebus::errc::invalid_time, "time: 2023-2-29 is not a date");
  CHECK(e.code() == firebus::errc::invalid_time);
  const std::string what = e.what();
  CHECK(what.find("2023-2-29") != std::string::npos);
  CHECK(what.find(e.code().message()) != std::string::npos);

  // Catchable as std::system_error, std::runtime_error and std::exception.
  bool caught = false;
  try {
    throw firebus::system_error(firebus::errc::unknown_code, "x");
  } catch (const std::system_error& se) {
    caught = se.code() == firebus::errc::unknown_code;
  }
  CHECK(caught);
  CHECK_THROWS_AS(throw firebus::system_error(firebus::errc::unknown_code), std::runtime_error);
}

TEST_CASE("detail::throw_error and detail::throw_if") {
  try {
    firebus::detail::throw_error(firebus::errc::truncated, "needed 4 bytes at offset 7");
    FAIL("throw_error returned");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::truncated);
    CHECK(std::string(e.what()).find("offset 7") != std::string::npos);
  }

  CHECK_NOTHROW(firebus::detail::throw_if(std::error_code(), "never"));
  try {
    firebus::detail::throw_if(firebus::errc::buffer_full, "frame too long");
    FAIL("throw_if did not throw");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::buffer_full);
    CHECK(std::string(e.what()).find("frame too long") != std::string::npos);
  }
}
