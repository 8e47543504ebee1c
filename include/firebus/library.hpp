// firebus — fire-safety IoT SDK.
/// @file
/// The compiled library's identity: its version, and a check that it matches the headers.
///
/// Headers and the shared library are installed separately and can drift apart (a vendor
/// updates one and not the other). firebus::check_library_version compares the version the
/// headers were compiled with against the library actually loaded.
///
/// @par Example
/// @code
/// #include <firebus/library.hpp>
/// int main() {
///   firebus::check_library_version();  // throws firebus::system_error on a major mismatch
///   std::cout << "firebus " << firebus::library_version().string << '\n';
/// }
/// @endcode
#ifndef FIREBUS_LIBRARY_HPP
#define FIREBUS_LIBRARY_HPP

#include <string>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/export.hpp>

namespace firebus {
inline namespace v1 {

/// A library version.
struct version_info {
  int major;           ///< incompatible API or ABI changes
  int minor;           ///< compatible additions
  int patch;           ///< fixes
  const char* string;  ///< "major.minor.patch"
};

/// The version of the compiled library that is loaded.
FIREBUS_API version_info library_version() noexcept;

namespace detail {
FIREBUS_API std::error_code check_library_version(int header_version) noexcept;
}  // namespace detail

/// errc::version_mismatch unless the loaded library has the same major version as these headers
/// and at least their minor version.
inline void check_library_version(std::error_code& ec) noexcept {
  ec = detail::check_library_version(FIREBUS_VERSION);
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of firebus::check_library_version.
inline void check_library_version() {
  std::error_code ec;
  check_library_version(ec);
  if (ec) {
    detail::throw_error(ec, std::string("firebus headers ") + FIREBUS_VERSION_STRING +
                                " used with library " + library_version().string);
  }
}
#endif

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_LIBRARY_HPP
