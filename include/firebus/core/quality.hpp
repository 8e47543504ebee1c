// firebus — fire-safety IoT SDK.
/// @file
/// firebus::quality_code: how far a sample's value can be trusted, and why not.
///
/// One byte. The top two bits give the class: `00` good, `01` uncertain, `10` bad (`11` is
/// reserved); the low six bits the reason. The reasons of the bad class are the alarm engine's
/// fault reasons (see `../shared/specs/alarm-semantics.md`, R8–R9), so a fault and the quality
/// of the sample that caused it use the same words. Names are stable: they are used in JSON,
/// in Python and on the wire.
///
/// @par Example
/// @code
/// firebus::quality_code q = firebus::quality_code::bad_open_circuit;
/// firebus::is_bad(q);        // true
/// firebus::to_string(q);     // "bad_open_circuit"
/// std::error_code ec;
/// auto back = firebus::quality_from_string("bad_open_circuit", ec);  // == q
/// auto wire = firebus::quality_from_byte(0x3F, ec);                  // ec == errc::unknown_code
/// @endcode
#ifndef FIREBUS_CORE_QUALITY_HPP
#define FIREBUS_CORE_QUALITY_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {

/// The quality of a sample: class in the top two bits, reason in the low six.
enum class quality_code : std::uint8_t {
  good = 0x00,           ///< measured and valid
  good_override = 0x01,  ///< valid, but set by an operator rather than measured

  uncertain = 0x40,               ///< usable with caution, no specific reason
  uncertain_last_usable = 0x41,   ///< the last valid value, repeated after a failed read
  uncertain_substituted = 0x42,   ///< a substitute or default value
  uncertain_not_accurate = 0x43,  ///< the sensor reports reduced accuracy (e.g. calibration due)

  bad = 0x80,                 ///< not usable, no specific reason
  bad_invalid_value = 0x81,   ///< not a finite number
  bad_over_range = 0x82,      ///< above the configured range
  bad_under_range = 0x83,     ///< below the configured range
  bad_open_circuit = 0x84,    ///< loop current below 3.6 mA, or the device reports an open circuit
  bad_short_circuit = 0x85,   ///< loop current above 21.0 mA, or the device reports a short
  bad_device_fault = 0x86,    ///< the device reports a fault
  bad_comm_loss = 0x87,       ///< no data from the device within its stale timeout
  bad_out_of_service = 0x88,  ///< the point is out of service
  bad_config_error = 0x89,    ///< the point's configuration does not allow a value
};

/// The three classes of quality.
enum class quality_class : std::uint8_t {
  good = 0,
  uncertain = 1,
  bad = 2,
};

namespace detail {
inline constexpr named<quality_code> quality_names[] = {
    {quality_code::good, "good"},
    {quality_code::good_override, "good_override"},
    {quality_code::uncertain, "uncertain"},
    {quality_code::uncertain_last_usable, "uncertain_last_usable"},
    {quality_code::uncertain_substituted, "uncertain_substituted"},
    {quality_code::uncertain_not_accurate, "uncertain_not_accurate"},
    {quality_code::bad, "bad"},
    {quality_code::bad_invalid_value, "bad_invalid_value"},
    {quality_code::bad_over_range, "bad_over_range"},
    {quality_code::bad_under_range, "bad_under_range"},
    {quality_code::bad_open_circuit, "bad_open_circuit"},
    {quality_code::bad_short_circuit, "bad_short_circuit"},
    {quality_code::bad_device_fault, "bad_device_fault"},
    {quality_code::bad_comm_loss, "bad_comm_loss"},
    {quality_code::bad_out_of_service, "bad_out_of_service"},
    {quality_code::bad_config_error, "bad_config_error"},
};
}  // namespace detail

/// The class of a quality code. A reserved class (`11`) counts as bad: never trust a value whose
/// quality cannot be understood.
constexpr quality_class class_of(quality_code q) noexcept {
  const unsigned top = static_cast<unsigned>(q) >> 6;
  return top == 0 ? quality_class::good : top == 1 ? quality_class::uncertain : quality_class::bad;
}
constexpr bool is_good(quality_code q) noexcept { return class_of(q) == quality_class::good; }
constexpr bool is_uncertain(quality_code q) noexcept {
  return class_of(q) == quality_class::uncertain;
}
constexpr bool is_bad(quality_code q) noexcept { return class_of(q) == quality_class::bad; }

/// True for the codes listed in firebus::quality_code.
constexpr bool is_known(quality_code q) noexcept {
  return detail::has_value(detail::quality_names, q);
}

/// The stable name of a code, e.g. "bad_comm_loss"; for a code firebus does not define, the
/// name of its class followed by the hex value, e.g. "bad(0x9a)".
inline std::string to_string(quality_code q) {
  const std::string_view name = detail::name_of(detail::quality_names, q);
  if (!name.empty()) return std::string(name);
  static constexpr char hex[] = "0123456789abcdef";
  const auto v = static_cast<unsigned>(q);
  const char* cls = is_good(q) ? "good" : is_uncertain(q) ? "uncertain" : "bad";
  return std::string(cls) + "(0x" + hex[v >> 4] + hex[v & 0xF] + ")";
}

/// The code called `name`; errc::unknown_name (and quality_code::bad) for any other name.
inline quality_code quality_from_string(std::string_view name, std::error_code& ec) noexcept {
  return detail::value_of(detail::quality_names, name, quality_code::bad, ec);
}

/// The code in a byte received from a peer; errc::unknown_code (and quality_code::bad) unless it
/// is one of the defined codes.
inline quality_code quality_from_byte(std::uint8_t byte, std::error_code& ec) noexcept {
  const auto q = static_cast<quality_code>(byte);
  if (!is_known(q)) {
    ec = make_error_code(errc::unknown_code);
    return quality_code::bad;
  }
  ec.clear();
  return q;
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of firebus::quality_from_string.
inline quality_code quality_from_string(std::string_view name) {
  return detail::value_or_throw(detail::quality_names, name, "quality");
}
/// Throwing overload of firebus::quality_from_byte.
inline quality_code quality_from_byte(std::uint8_t byte) {
  std::error_code ec;
  const quality_code q = quality_from_byte(byte, ec);
  if (ec) detail::throw_error(ec, "quality: unknown code " + std::to_string(byte));
  return q;
}
#endif

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_QUALITY_HPP
