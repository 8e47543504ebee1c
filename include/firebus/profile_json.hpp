// firebus — fire-safety IoT SDK.
/// @file
/// Device profiles as JSON: the loader of `protocols/profile.schema.json` (version 1).
///
/// The loader lives in the compiled library (target `firebus::firebus`); this header includes
/// only the C++ standard library and firebus, never the JSON library it uses.
///
/// It expands per-loop arrays (`repeat`, with `{n}` in ids, names, `decimals_from` and
/// `status_of`) into one point per loop, fills every default (byte and word order from
/// `modbus`), and checks the result with firebus::profile::validate. A profile is refused whole
/// at its first problem, named by the JSON path of the file and what was expected and found:
///
///     acrel-aim-r100.json: points[2].states[1].value: expected an integer 0..3 (a 2-bit
///     field), found 4 (loop 5)
///
/// The loader refuses JSON syntax errors (with line and column), files above 16 MiB, values of
/// the wrong type, unknown enumeration strings (the message lists the allowed ones), missing
/// required keys, and unknown or repeated keys: a misspelt `"scael"` must not silently leave a
/// residual current unscaled.
///
/// @par Example
/// @code
/// #include <firebus/profile_json.hpp>
///
/// // Throws firebus::system_error with what() = "<file>: <JSON path>: <message>".
/// firebus::profile::device_profile p =
///     firebus::profile::load_profile("protocols/profiles/acrel-asj10l-ld1a.json");
/// firebus::profile::codec c(p);
/// @endcode
#ifndef FIREBUS_PROFILE_JSON_HPP
#define FIREBUS_PROFILE_JSON_HPP

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/export.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile/error.hpp>
#include <firebus/profile/profile.hpp>

namespace firebus {
inline namespace v1 {
namespace profile {

/// The largest profile text the loader reads (16 MiB).
inline constexpr std::size_t max_profile_size = std::size_t{16} * 1024 * 1024;

/// Parses a profile from JSON text, expands it and validates it.
///
/// On success fills `out` and returns true. On failure returns false, sets `ec` to
/// errc::invalid_profile and `err` to the JSON path of the problem and a message (for syntax
/// errors `err.path` is empty and the message gives line and column); `out` is left untouched.
FIREBUS_API bool parse_profile(std::string_view json, device_profile& out, std::error_code& ec,
                               profile_error& err);

/// Reads the file `path` and parses it as parse_profile() does. A file that cannot be read fails
/// with the system's error (e.g. std::errc::no_such_file_or_directory), a file above
/// max_profile_size with std::errc::file_too_large; `err.path` is then empty.
FIREBUS_API bool load_profile(const std::string& path, device_profile& out, std::error_code& ec,
                              profile_error& err);

/// The profile files (`*.json`) of a directory, sorted by name; empty if it cannot be read.
FIREBUS_API std::vector<std::string> profile_files(const std::string& directory);

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of parse_profile(): firebus::system_error with what() beginning
/// "<name>: <path>: <message>".
inline device_profile parse_profile(std::string_view json, std::string_view name = "profile") {
  device_profile p;
  std::error_code ec;
  profile_error err;
  if (!parse_profile(json, p, ec, err)) {
    firebus::detail::throw_error(ec, std::string(name) + ": " + err.what());
  }
  return p;
}

/// Throwing overload of load_profile(): firebus::system_error with what() beginning
/// "<file>: <JSON path>: <message>", or "<file>: cannot open the file: ..." when it cannot be
/// read.
inline device_profile load_profile(const std::string& path) {
  device_profile p;
  std::error_code ec;
  profile_error err;
  if (!load_profile(path, p, ec, err)) {
    firebus::detail::throw_error(ec, path + ": " + err.what());
  }
  return p;
}
#endif

}  // namespace profile
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_PROFILE_JSON_HPP
