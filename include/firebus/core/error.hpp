// firebus — fire-safety IoT SDK.
/// @file
/// The error model: `std::error_code` with one category per area, and firebus::system_error.
///
/// Every operation that can fail on bad input comes as a pair (as in Asio):
/// - `T f(args..., std::error_code& ec) noexcept` reports failure in `ec` and never throws;
/// - `T f(args...)` throws firebus::system_error, whose what() says what was expected and found.
///
/// Each area (core, gb26875, modbus, ...) has its own `errc` enumeration and category, hooked
/// into `std::error_code` through `std::is_error_code_enum`, so codes compare directly:
///
/// @par Example
/// @code
/// std::error_code ec = firebus::errc::truncated;
/// if (ec == firebus::errc::truncated) { /* ... */ }
/// std::cout << ec.category().name() << ": " << ec.message() << '\n';
/// // firebus.core: input ended before the value was complete
/// @endcode
#ifndef FIREBUS_CORE_ERROR_HPP
#define FIREBUS_CORE_ERROR_HPP

#include <string>
#include <system_error>
#include <type_traits>

#include <firebus/core/config.hpp>

namespace firebus {
inline namespace v1 {

/// Error codes of the core area: bytes, time, identifiers and names.
enum class errc : int {
  truncated = 1,     ///< the input ended before the value was complete
  buffer_full,       ///< the output buffer, or its size limit, has no room for the value
  invalid_argument,  ///< an argument is not acceptable (e.g. a field width outside 1..8)
  out_of_range,      ///< a value does not fit where it must go
  invalid_time,      ///< calendar fields do not form a valid date and time
  invalid_point_id,  ///< a point identifier is empty, too long, or has a forbidden character
  unknown_name,      ///< a name (of a quality, event kind, ...) that firebus does not define
  unknown_code,      ///< a numeric code that firebus does not define
  version_mismatch,  ///< headers and compiled library are of different major versions
};

namespace detail {

class core_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.core"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::truncated:
        return "input ended before the value was complete";
      case errc::buffer_full:
        return "output buffer has no room for the value";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::out_of_range:
        return "value out of range";
      case errc::invalid_time:
        return "invalid date or time";
      case errc::invalid_point_id:
        return "invalid point identifier";
      case errc::unknown_name:
        return "unknown name";
      case errc::unknown_code:
        return "unknown code";
      case errc::version_mismatch:
        return "firebus headers and library versions do not match";
    }
    return "unknown firebus.core error " + std::to_string(value);
  }
};

}  // namespace detail

/// The category of firebus::errc. One instance per process, even across shared objects.
FIREBUS_CORE_VISIBLE inline const std::error_category& core_category() noexcept {
  static const detail::core_category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = firebus::errc::...` work.
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), core_category()};
}

/// The exception thrown by firebus's throwing overloads. `code()` is the same code the
/// `std::error_code&` overload would have reported; `what()` adds the details.
class system_error : public std::system_error {
 public:
  using std::system_error::system_error;
};

#if FIREBUS_HAS_EXCEPTIONS
namespace detail {

/// Throws firebus::system_error; `what` says what was expected and what was found.
[[noreturn]] inline void throw_error(std::error_code ec, const std::string& what) {
  throw system_error(ec, what);
}

/// Throws if `ec` holds an error.
inline void throw_if(std::error_code ec, const char* what) {
  if (ec) throw system_error(ec, what);
}

}  // namespace detail
#endif

}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_CORE_ERROR_HPP
