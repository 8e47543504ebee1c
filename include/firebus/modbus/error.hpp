// firebus — fire-safety IoT SDK.
/// @file
/// Error codes of the Modbus codec and buses: firebus::modbus::errc, category "firebus.modbus".
///
/// The values 1–11 are the Modbus exception codes themselves (Modbus Application Protocol
/// v1.1b3 §7), so an exception response becomes `std::error_code(code, modbus::category())`
/// and compares equal to `errc::illegal_data_address` and the like. The other values are
/// firebus's own: malformed or mismatched frames, and what a bus reports.
///
/// @par Example
/// @code
/// std::error_code ec;
/// auto r = firebus::modbus::parse_response(req, pdu, ec);
/// if (ec == firebus::modbus::errc::illegal_data_address) { /* split the merged read */ }
/// if (firebus::modbus::is_exception(ec)) { /* the device answered, with an exception */ }
/// @endcode
#ifndef FIREBUS_MODBUS_ERROR_HPP
#define FIREBUS_MODBUS_ERROR_HPP

#include <string>
#include <system_error>
#include <type_traits>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {

/// What went wrong with a Modbus request or its answer.
enum class errc : int {
  // Exception responses (the code is the exception code).
  illegal_function = 1,             ///< 01: the function is not supported by the device
  illegal_data_address = 2,         ///< 02: an address in the range is not valid
  illegal_data_value = 3,           ///< 03: a value (e.g. the quantity) is not acceptable
  server_device_failure = 4,        ///< 04: unrecoverable error in the device
  acknowledge = 5,                  ///< 05: accepted, long processing (programming commands)
  server_device_busy = 6,           ///< 06: busy with a long command; retry later
  memory_parity_error = 8,          ///< 08: file record parity error
  gateway_path_unavailable = 10,    ///< 0A: the gateway has no path to the target
  gateway_target_no_response = 11,  ///< 0B: the gateway's target did not respond
  // Codec: requests.
  invalid_request = 100,  ///< a quantity, address range or value the protocol does not allow
  // Codec: frames and replies.
  truncated,             ///< the bytes end before the PDU or frame is complete
  trailing_bytes,        ///< bytes follow the end of the PDU
  crc_mismatch,          ///< RTU: the CRC-16 does not match
  bad_protocol_id,       ///< TCP: the MBAP protocol identifier is not 0
  bad_length,            ///< TCP: the MBAP length is outside 2..254
  unknown_function,      ///< a function code firebus does not implement
  unit_mismatch,         ///< the reply is from another unit id than the request's
  function_mismatch,     ///< the reply is for another function than the request's
  transaction_mismatch,  ///< TCP: the reply carries another transaction id
  byte_count_mismatch,   ///< the byte count does not match the requested quantity
  echo_mismatch,         ///< a write reply does not echo the request's address or value
  unknown_exception,     ///< an exception response with a code Modbus does not define
  // Buses.
  timeout,       ///< no complete reply within the response timeout
  quarantined,   ///< the device is in quarantine: the request was not sent
  disconnected,  ///< the connection or line is not open
  queue_full,    ///< the bus's bounded request queue has no room
  cancelled,     ///< the bus stopped before the request completed
};

/// Whether `ec` is an exception response (a device that answered, with an exception code).
inline bool is_exception(const std::error_code& ec) noexcept;

namespace detail {
class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.modbus"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::illegal_function:
        return "exception 01: illegal function";
      case errc::illegal_data_address:
        return "exception 02: illegal data address";
      case errc::illegal_data_value:
        return "exception 03: illegal data value";
      case errc::server_device_failure:
        return "exception 04: server device failure";
      case errc::acknowledge:
        return "exception 05: acknowledge";
      case errc::server_device_busy:
        return "exception 06: server device busy";
      case errc::memory_parity_error:
        return "exception 08: memory parity error";
      case errc::gateway_path_unavailable:
        return "exception 0A: gateway path unavailable";
      case errc::gateway_target_no_response:
        return "exception 0B: gateway target device failed to respond";
      case errc::invalid_request:
        return "request outside what Modbus allows";
      case errc::truncated:
        return "PDU or frame truncated";
      case errc::trailing_bytes:
        return "bytes after the end of the PDU";
      case errc::crc_mismatch:
        return "CRC mismatch";
      case errc::bad_protocol_id:
        return "MBAP protocol identifier is not 0";
      case errc::bad_length:
        return "MBAP length outside 2..254";
      case errc::unknown_function:
        return "unsupported function code";
      case errc::unit_mismatch:
        return "reply from another unit id";
      case errc::function_mismatch:
        return "reply for another function";
      case errc::transaction_mismatch:
        return "reply with another transaction id";
      case errc::byte_count_mismatch:
        return "byte count does not match the requested quantity";
      case errc::echo_mismatch:
        return "write reply does not echo the request";
      case errc::unknown_exception:
        return "exception response with an undefined code";
      case errc::timeout:
        return "no reply within the response timeout";
      case errc::quarantined:
        return "device in quarantine";
      case errc::disconnected:
        return "not connected";
      case errc::queue_full:
        return "request queue full";
      case errc::cancelled:
        return "cancelled";
    }
    return "unknown firebus.modbus error " + std::to_string(value);
  }
};
}  // namespace detail

/// The category of firebus::modbus::errc. One instance per process, even across shared objects.
FIREBUS_CORE_VISIBLE inline const std::error_category& category() noexcept {
  static const detail::category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = firebus::modbus::errc::...` work.
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

inline bool is_exception(const std::error_code& ec) noexcept {
  if (ec.category() != category()) return false;
  const int v = ec.value();
  return (v >= 1 && v <= 6) || v == 8 || v == 10 || v == 11;
}

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::modbus::errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_MODBUS_ERROR_HPP
