// firebus — fire-safety IoT SDK.
// What MQTT allows as a topic name and a topic filter (libmosquitto's checks): shared by the
// client (mqtt_client.cpp) and the uplink (mqtt_uplink.cpp). Internal, not installed.
#ifndef FIREBUS_SRC_IO_MQTT_TOPIC_HPP
#define FIREBUS_SRC_IO_MQTT_TOPIC_HPP

#include <string_view>

#include <mosquitto.h>

namespace firebus {
inline namespace v1 {
namespace mqtt {
namespace detail {

inline bool topic_ok(std::string_view t) {
  return !t.empty() && mosquitto_pub_topic_check2(t.data(), t.size()) == MOSQ_ERR_SUCCESS &&
         mosquitto_validate_utf8(t.data(), static_cast<int>(t.size())) == MOSQ_ERR_SUCCESS;
}

inline bool filter_ok(std::string_view f) {
  return !f.empty() && mosquitto_sub_topic_check2(f.data(), f.size()) == MOSQ_ERR_SUCCESS &&
         mosquitto_validate_utf8(f.data(), static_cast<int>(f.size())) == MOSQ_ERR_SUCCESS;
}

}  // namespace detail
}  // namespace mqtt
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_SRC_IO_MQTT_TOPIC_HPP
