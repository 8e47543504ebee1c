// firebus — fire-safety IoT SDK.
/// @file
/// Errors of the MQTT client (firebus::mqtt::errc, category "firebus.mqtt").
#ifndef FIREBUS_IO_MQTT_ERROR_HPP
#define FIREBUS_IO_MQTT_ERROR_HPP

#include <string>
#include <system_error>
#include <type_traits>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>

namespace firebus {
inline namespace v1 {
namespace mqtt {

enum class errc : int {
  invalid_options = 1,  ///< client_options refused by validate()
  invalid_topic,        ///< a topic or filter MQTT does not allow (wildcards in a publish, ...)
  payload_too_large,    ///< above client_options::max_payload
  queue_full,           ///< client_options::max_pending publishes are not yet acknowledged
  not_connected,        ///< the client is not connected: nothing was sent
  stopped,              ///< the client was stopped
  connection_lost,      ///< the connection dropped before the broker acknowledged
  connect_timeout,      ///< no CONNACK within client_options::connect_timeout
  keepalive_timeout,    ///< the broker stopped answering PINGREQ
  resolve_failed,       ///< the broker's host name could not be resolved
  connect_failed,       ///< the TCP connection could not be made (refused, unreachable)
  tls_error,            ///< the TLS handshake failed (certificate not trusted, wrong host, ...)
  refused_protocol_version,    ///< CONNACK: unacceptable protocol version
  refused_client_id,           ///< CONNACK: client identifier rejected
  refused_server_unavailable,  ///< CONNACK: server unavailable
  refused_bad_credentials,     ///< CONNACK: bad user name or password
  refused_not_authorised,      ///< CONNACK: not authorised
  refused_other,               ///< CONNACK (MQTT 5): another refusal reason code
  publish_refused,             ///< MQTT 5: the broker's PUBACK carried a failure reason code
  protocol_error,              ///< the broker broke the protocol
};

namespace detail {
class mqtt_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.mqtt"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::invalid_options:
        return "invalid MQTT client options";
      case errc::invalid_topic:
        return "topic not allowed by MQTT";
      case errc::payload_too_large:
        return "payload larger than the configured maximum";
      case errc::queue_full:
        return "too many publishes awaiting acknowledgement";
      case errc::not_connected:
        return "not connected to the broker";
      case errc::stopped:
        return "MQTT client stopped";
      case errc::connection_lost:
        return "connection to the broker lost before acknowledgement";
      case errc::connect_timeout:
        return "no CONNACK from the broker within the connect timeout";
      case errc::keepalive_timeout:
        return "broker stopped answering keep-alive pings";
      case errc::resolve_failed:
        return "broker host name could not be resolved";
      case errc::connect_failed:
        return "TCP connection to the broker failed";
      case errc::tls_error:
        return "TLS handshake with the broker failed";
      case errc::refused_protocol_version:
        return "broker refused the connection: unacceptable protocol version";
      case errc::refused_client_id:
        return "broker refused the connection: client identifier rejected";
      case errc::refused_server_unavailable:
        return "broker refused the connection: server unavailable";
      case errc::refused_bad_credentials:
        return "broker refused the connection: bad user name or password";
      case errc::refused_not_authorised:
        return "broker refused the connection: not authorised";
      case errc::refused_other:
        return "broker refused the connection";
      case errc::publish_refused:
        return "broker refused the publish";
      case errc::protocol_error:
        return "MQTT protocol error";
    }
    return "unknown firebus.mqtt error " + std::to_string(value);
  }
};
}  // namespace detail

/// The category of firebus::mqtt::errc. One instance per process, even across shared objects.
FIREBUS_CORE_VISIBLE inline const std::error_category& category() noexcept {
  static const detail::mqtt_category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = firebus::mqtt::errc::...` work.
inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

/// True for the errors that mean the broker refused this client (credentials, certificate,
/// identifier, authorisation): reconnecting will not help until the configuration changes.
inline bool is_refusal(const std::error_code& ec) noexcept {
  if (ec.category() != category()) return false;
  const auto e = static_cast<errc>(ec.value());
  return e == errc::tls_error || e == errc::refused_protocol_version ||
         e == errc::refused_client_id || e == errc::refused_bad_credentials ||
         e == errc::refused_not_authorised || e == errc::refused_other;
}

}  // namespace mqtt
}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::mqtt::errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_IO_MQTT_ERROR_HPP
