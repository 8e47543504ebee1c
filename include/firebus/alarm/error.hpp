// firebus — fire-safety IoT SDK.
/// @file
/// Error codes of the alarm engine (category "firebus.alarm").
#ifndef FIREBUS_ALARM_ERROR_HPP
#define FIREBUS_ALARM_ERROR_HPP

#include <string>
#include <system_error>
#include <type_traits>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {
namespace alarm {

/// Why the engine refused an input. A refused input changes nothing and emits nothing.
enum class errc : int {
  invalid_rules = 1,  ///< the configuration fails firebus::alarm::validate
  not_configured,     ///< the engine has no configuration yet
  unknown_point,      ///< no point with this id or index
  unknown_alarm,      ///< the point or zone has no alarm with this id
  unknown_zone,       ///< no zone with this id
  time_went_back,     ///< an input's `t` is earlier than the engine's time
  invalid_time,       ///< a time that is not finite or out of range
  invalid_argument,   ///< e.g. shelve without a duration, a command naming nothing
  no_raw_mapping,     ///< a raw 4–20 mA reading for a point without raw_4_20mA
  snapshot_corrupt,   ///< the snapshot bytes are truncated or malformed
  snapshot_mismatch,  ///< the snapshot was taken with another configuration or version
};

namespace detail {
class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.alarm"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::invalid_rules:
        return "invalid alarm rules";
      case errc::not_configured:
        return "alarm engine not configured";
      case errc::unknown_point:
        return "unknown point";
      case errc::unknown_alarm:
        return "unknown alarm";
      case errc::unknown_zone:
        return "unknown zone";
      case errc::time_went_back:
        return "input time earlier than the engine's time";
      case errc::invalid_time:
        return "invalid time";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::no_raw_mapping:
        return "raw 4-20 mA reading for a point without raw_4_20mA";
      case errc::snapshot_corrupt:
        return "corrupt snapshot";
      case errc::snapshot_mismatch:
        return "snapshot taken with another configuration";
    }
    return "unknown firebus.alarm error " + std::to_string(value);
  }
};
}  // namespace detail

FIREBUS_CORE_VISIBLE inline const std::error_category& category() noexcept {
  static const detail::category_impl instance;
  return instance;
}

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace alarm
}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::alarm::errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_ALARM_ERROR_HPP
