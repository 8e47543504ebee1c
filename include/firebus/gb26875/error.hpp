// firebus — fire-safety IoT SDK.
/// @file
/// Error codes of the GB/T 26875.3 codec: firebus::gb26875::errc, category "firebus.gb26875".
///
/// @par Example
/// @code
/// std::error_code ec;
/// auto f = firebus::gb26875::decode_frame(bytes, ec);
/// if (ec == firebus::gb26875::errc::checksum_mismatch) { /* answer with deny (§6.5.3) */ }
/// @endcode
#ifndef FIREBUS_GB26875_ERROR_HPP
#define FIREBUS_GB26875_ERROR_HPP

#include <string>
#include <system_error>
#include <type_traits>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// What can be wrong with a GB/T 26875.3 frame or application data unit.
enum class errc : int {
  bad_start = 1,         ///< the frame does not start with `@@` (0x40 0x40)
  truncated,             ///< the bytes end before the frame or object is complete
  adu_too_long,          ///< the ADU length field exceeds 1024 (§6.6)
  checksum_mismatch,     ///< the checksum byte is not the sum of bytes 2..26+L (§6.6)
  bad_end,               ///< the frame does not end with `##` (0x23 0x23)
  trailing_bytes,        ///< bytes follow the frame or the last object
  unknown_command,       ///< command 0 or 7..127 (reserved, §6.5.3: answer with deny)
  reserved_adu_type,     ///< an ADU type the standard reserves
  adu_count_mismatch,    ///< the object count does not match the bytes of the ADU
  too_many_objects,      ///< more objects than one ADU of this type may carry
  invalid_time,          ///< a time tag that is not a valid date and time
  text_too_long,         ///< a text longer than its field (31 bytes, or 255 for configurations)
  out_of_range,          ///< a value that does not fit its field (e.g. an address ≥ 2^48)
  garbage,               ///< deframer: bytes skipped while looking for the next `@@`
  object_type_mismatch,  ///< an object of one ADU type put into an ADU of another
  // Sessions (§6.5): what became of a message or a request.
  no_answer,          ///< no confirm or response after the last retransmission (§6.5.4–6.5.5)
  denied,             ///< the peer answered with deny (§6.5.3)
  queue_full,         ///< the session's bounded send queue has no room
  not_connected,      ///< the session is not connected
  unexpected_answer,  ///< an answer that matches no outstanding message
};

namespace detail {
class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.gb26875"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::bad_start:
        return "frame does not start with @@";
      case errc::truncated:
        return "frame or object truncated";
      case errc::adu_too_long:
        return "ADU length over 1024";
      case errc::checksum_mismatch:
        return "checksum mismatch";
      case errc::bad_end:
        return "frame does not end with ##";
      case errc::trailing_bytes:
        return "bytes after the end of the frame or the last object";
      case errc::unknown_command:
        return "reserved command code";
      case errc::reserved_adu_type:
        return "reserved ADU type";
      case errc::adu_count_mismatch:
        return "object count does not match the ADU length";
      case errc::too_many_objects:
        return "too many objects for one ADU";
      case errc::invalid_time:
        return "invalid time tag";
      case errc::text_too_long:
        return "text longer than its field";
      case errc::out_of_range:
        return "value out of range for its field";
      case errc::garbage:
        return "bytes skipped before a frame start";
      case errc::object_type_mismatch:
        return "object of another ADU type";
      case errc::no_answer:
        return "no answer after the last retransmission";
      case errc::denied:
        return "denied by the peer";
      case errc::queue_full:
        return "send queue full";
      case errc::not_connected:
        return "not connected";
      case errc::unexpected_answer:
        return "answer matches no outstanding message";
    }
    return "unknown firebus.gb26875 error " + std::to_string(value);
  }
};
}  // namespace detail

/// The category of firebus::gb26875::errc. One instance per process, even across shared objects.
FIREBUS_CORE_VISIBLE inline const std::error_category& category() noexcept {
  static const detail::category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = firebus::gb26875::errc::...` work.
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::gb26875::errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_GB26875_ERROR_HPP
