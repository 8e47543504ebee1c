// firebus — fire-safety IoT SDK.
/// @file
/// Error codes of device profiles: firebus::profile::errc, category "firebus.profile".
///
/// @par Example
/// @code
/// std::error_code ec;
/// std::vector<firebus::modbus::request> reqs;
/// codec.encode_write(codec.find("IDN"), 50000.0, std::nullopt, image, reqs, ec);
/// if (ec == firebus::profile::errc::value_out_of_range) { /* refuse the operator's input */ }
/// @endcode
#ifndef FIREBUS_PROFILE_ERROR_HPP
#define FIREBUS_PROFILE_ERROR_HPP

#include <string>
#include <system_error>
#include <type_traits>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {
namespace profile {

/// What went wrong with a profile or with a use of it.
enum class errc : int {
  invalid_profile = 1,  ///< the profile breaks a rule (profile_error says which and where)
  unknown_point,        ///< no point of the profile has that index or id
  not_writable,         ///< the point is not a writable setpoint
  value_out_of_range,   ///< the value is not finite, outside the point's [min, max], or its raw
                        ///< form does not fit the register type
  password_required,    ///< the setpoint is password protected and no password was given
  data_missing,         ///< registers the operation needs have not been read
};

namespace detail {
class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.profile"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::invalid_profile:
        return "invalid device profile";
      case errc::unknown_point:
        return "no such point in the profile";
      case errc::not_writable:
        return "the point is not writable";
      case errc::value_out_of_range:
        return "value outside the point's writable range";
      case errc::password_required:
        return "the setpoint needs a password";
      case errc::data_missing:
        return "the registers needed have not been read";
    }
    return "unknown firebus.profile error " + std::to_string(value);
  }
};
}  // namespace detail

/// The category of firebus::profile::errc. One instance per process, even across shared objects.
FIREBUS_CORE_VISIBLE inline const std::error_category& category() noexcept {
  static const detail::category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = firebus::profile::errc::...` work.
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace profile
}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::profile::errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_PROFILE_ERROR_HPP
