// firebus — fire-safety IoT SDK.
// The compiled library: its version, the header/library check, and one error category per
// process across the shared-library boundary.
#include <cstring>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <string>
#include <system_error>

#include <doctest/doctest.h>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

#if defined(FIREBUS_TEST_HAS_LIBRARY)
#include <firebus/library.hpp>

TEST_CASE("library_version matches the headers it was built with") {
  const firebus::version_info v = firebus::library_version();
  CHECK(v.major == FIREBUS_VERSION_MAJOR);
  CHECK(v.minor == FIREBUS_VERSION_MINOR);
  CHECK(v.patch == FIREBUS_VERSION_PATCH);
  CHECK(std::string(v.string) == FIREBUS_VERSION_STRING);
  CHECK(std::string(v.string) ==
        std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch));
}

TEST_CASE("check_library_version accepts these headers") {
  std::error_code ec = firebus::errc::truncated;
  firebus::check_library_version(ec);
  CHECK_FALSE(ec);
  CHECK_NOTHROW(firebus::check_library_version());
}

TEST_CASE("check_library_version refuses another major or a newer minor") {
  using firebus::detail::check_library_version;
  const int major = FIREBUS_VERSION_MAJOR;
  const int minor = FIREBUS_VERSION_MINOR;
  CHECK_FALSE(check_library_version(major * 10000 + minor * 100));
  CHECK_FALSE(check_library_version(major * 10000 + minor * 100 + 99));  // patch is irrelevant
  CHECK(check_library_version((major + 1) * 10000) == firebus::errc::version_mismatch);
  CHECK(check_library_version((major - 1) * 10000 + 99 * 100) == firebus::errc::version_mismatch);
  CHECK(check_library_version(major * 10000 + (minor + 1) * 100) ==
        firebus::errc::version_mismatch);
  if (minor > 0) CHECK_FALSE(check_library_version(major * 10000 + (minor - 1) * 100));
}

TEST_CASE("an error code made inside the library has this program's category") {
  // std::error_code compares categories by address: a second instance of the category inside
  // libfirebus.so would make this comparison false.
  const std::error_code ec = firebus::detail::check_library_version(0);
  CHECK(&ec.category() == &firebus::core_category());
  CHECK(ec == firebus::errc::version_mismatch);
  CHECK(std::strcmp(ec.category().name(), "firebus.core") == 0);
}
#endif
