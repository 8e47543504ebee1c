// firebus — fire-safety IoT SDK.
// firebus-gateway's configuration: one JSON file (schema: protocols/gateway.schema.json,
// documented in docs/gateway.md). The loader checks everything it reads and names the file, the
// JSON path and the problem in its errors ("office.json: devices[3].unit: expected an integer
// 1..247, found 300").
#ifndef FIREBUS_GATEWAY_CONFIG_HPP
#define FIREBUS_GATEWAY_CONFIG_HPP

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <firebus/alarm/rules.hpp>
#include <firebus/core/time.hpp>

namespace fbgw {

/// The configuration format this gateway reads ("format": "firebus-gateway/1").
inline constexpr const char* config_format = "firebus-gateway/1";

struct bus_config {
  std::string id;
  bool rtu = false;  ///< an RS-485 line (true) or a Modbus TCP connection (false)
  // TCP: a device or a TCP→RTU gateway.
  std::string host;
  std::uint16_t port = 502;
  /// TCP→RTU gateway: the baud rate of the serial line behind it (the planner's cost model);
  /// 0: a native TCP device.
  std::uint32_t line_baud = 0;
  // RTU.
  std::string device;
  std::uint32_t baud = 9600;
  char parity = 'N';
  int data_bits = 8;
  int stop_bits = 1;
  bool rs485 = false;
};

/// How a point is reported to a GB/T 26875.3 centre (../shared/specs/gb26875-mapping.md; every
/// field has a default from the point's quantity and unit).
struct gb_point_config {
  std::optional<int> component_type;
  std::optional<int> analog_type;      ///< -1: no analog value
  std::optional<double> analog_scale;  ///< raw = value × scale
  std::optional<double> deadband;      ///< in the point's unit
  /// The 4-byte component address, explicitly; default: the loop in the high 16 bits and the
  /// point's number within the device in the low 16 bits.
  std::optional<std::uint32_t> component_address;
  /// The point reports its device's power supply (a mains-failure or supply-fault bit): while an
  /// alarm of it is active or latched, every component of the device carries bit 8 (power fault)
  /// and the device's system bit 8 (main power fault).
  bool power_fault = false;
};

struct device_config {
  std::string id;  ///< the device's id: engine points are "<id>/<point>"
  std::string bus;
  int unit = 1;
  std::string profile;  ///< a profile id (looked up in profile_dirs) or a path to a .json
  std::string name;     ///< for people (the GB description of its components)
  firebus::duration alarm_period = std::chrono::seconds(1);
  firebus::duration measurement_period = std::chrono::seconds(5);
  firebus::duration config_period = std::chrono::minutes(5);
  firebus::duration timeout = std::chrono::milliseconds(500);
  int retries = 1;
  /// comm_loss fault after this long without a reading of a point; 0: 3 × the point's poll
  /// period + 2 × timeout × (retries + 1) + 1 s, capped by the profile's own stale time but never
  /// below 2 × the period + the same retry allowance (gateway.cpp, build_rules).
  double stale_s = 0;
  // GB/T 26875.3 identity.
  int system_type = -1;     ///< -1: the mapping's default
  int system_address = -1;  ///< -1: the device's position in `devices` (1, 2, ...)
  std::map<std::string, gb_point_config> gb_points;  ///< by point id
};

struct journal_config {
  std::string path;  ///< default: <data_dir>/<uplink>-journal.db
  std::uint64_t max_bytes = std::uint64_t{64} << 20;
  std::uint64_t max_messages = 0;  ///< 0: no bound on the count (max_bytes only)
  bool sync = true;                ///< durability::full (false: normal)
};

struct mqtt_config {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::string client_id;  ///< default: the gateway id
  std::string topic_prefix = "firebus/v1";
  std::string format = "firebus";  ///< "firebus" (protobuf Envelope) or "sparkplug" (B, 3.0)
  std::string sparkplug_group = "firebus";  ///< Sparkplug group id
  std::string sparkplug_node;               ///< Sparkplug edge node id; default: the gateway id
  int sparkplug_qos = 0;                    ///< of births and data: 0 (the spec) or 1
  std::string sparkplug_host;  ///< primary host application id: births wait for it; empty: none
  bool tls = false;
  std::string ca_file, cert_file, key_file;
  std::optional<std::string> username, password;
  firebus::duration telemetry_interval = std::chrono::seconds(5);
  journal_config journal;
};

struct gb_mapping_config {
  bool strict_normal_bit = true;  ///< bit 0 "normal operation" = 1 (false: 0, field practice)
  int default_system_type = 0;    ///< Table 4 has no electrical-fire code: 0 (general)
  int residual_current_analog_type = 128;  ///< user-defined, mA × 1
  firebus::duration analog_period = std::chrono::minutes(5);
  /// The time zone of the time tags; unset: the host's local offset when the gateway starts
  /// (host_utc_offset_minutes(); the standard leaves it open, the mapping says local time).
  std::optional<int> utc_offset_minutes;
  /// Engine points ("<device id>/<point id>") that report the gateway's own main and backup
  /// power (a UPS or power-supply module polled like any device): while an alarm of one is
  /// active or latched, the UITD status carries bit 3 (main power fault) or bit 4 (backup power
  /// fault). Empty: the bit is never set.
  std::string main_power_point, backup_power_point;
};

/// The host's local UTC offset now, in minutes (localtime_r's tm_gmtoff: TZ, /etc/localtime),
/// within -1440..1440; 0 when the host cannot tell.
int host_utc_offset_minutes();

struct gb_config {
  bool enabled = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::uint64_t address = 0;         ///< this UITD's 6-byte address
  std::uint64_t centre_address = 0;  ///< the centre's
  firebus::duration heartbeat = std::chrono::seconds(30);
  /// The engine's waits for an answer (§6.5.4; fire messages: GB 26875.1's 10 s budget) and its
  /// retries (§6.5.5): gb26875::uitd_session_config.
  firebus::duration answer_timeout = std::chrono::seconds(10);
  firebus::duration fire_answer_timeout = std::chrono::seconds(3);
  int retries = 3;
  gb_mapping_config mapping;
  journal_config journal;
};

struct gateway_config {
  std::string file;  ///< where it was read from
  std::string id;    ///< the gateway's id (MQTT source id, topic level)
  std::string data_dir = ".";
  std::vector<std::string> profile_dirs;
  std::vector<bus_config> buses;
  std::vector<device_config> devices;
  /// Rules in the alarm engine's schema: its points replace the profiles' default rules of the
  /// same id (or add points), its zones are the gateway's zones.
  firebus::alarm::rules rules;
  bool profile_defaults = true;
  std::string metrics_listen = "127.0.0.1:9100";  ///< empty: no HTTP endpoint
  firebus::duration snapshot_interval = std::chrono::seconds(10);
  mqtt_config mqtt;
  gb_config gb;
};

/// A configuration error: the file, the JSON path and the problem.
struct config_error {
  std::string file;
  std::string path;
  std::string message;
  std::string what() const {
    std::string s = file.empty() ? std::string() : file + ": ";
    if (!path.empty()) s += path + ": ";
    return s + message;
  }
};

/// Reads and checks `path`. False with `err` filled on any problem.
bool load_config(const std::string& path, gateway_config& out, config_error& err);
/// Parses `json` (named `name` in errors).
bool parse_config(const std::string& json, const std::string& name, gateway_config& out,
                  config_error& err);

}  // namespace fbgw

#endif  // FIREBUS_GATEWAY_CONFIG_HPP
