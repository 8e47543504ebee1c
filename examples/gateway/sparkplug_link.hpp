// firebus — fire-safety IoT SDK.
// The gateway's Sparkplug B uplink (mqtt.format "sparkplug", docs/gateway.md): a
// firebus::telemetry::sparkplug::edge_node fed by the MQTT journal through the uplink's
// publish-time transform (firebus::uplink::mqtt_uplink_options::transform).
//
// The gateway journals what it produces as firebus envelopes, exactly as for the firebus format;
// only when an entry is published does the link turn it into Sparkplug messages, so that every
// message of a connection gets the next `seq` after that connection's births, and what was
// produced before the connection came up is sent after the births with `is_historical`.
//
// Mapping: each configured device is a Sparkplug device (its points are its metrics, named
// without the "<device>/" prefix, Double, with the rule's unit); points of no device are node
// metrics. Every alarm — each rule alarm and each point's `fault` — is a metric of the node
// itself, declared in NBIRTH: a device's DDEATH never hides its alarms. Device statuses become
// DDEATH (offline, quarantined) and DBIRTH (online, fault, after a death); samples of a dead
// device are left out (its DBIRTH carries the values when it is back).
//
// Threads: will() runs on the MQTT client's thread, everything else on the io_context; a mutex
// guards the node.
#ifndef FIREBUS_GATEWAY_SPARKPLUG_LINK_HPP
#define FIREBUS_GATEWAY_SPARKPLUG_LINK_HPP

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <firebus/core/event.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/io/mqtt_uplink.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/sparkplug_node.hpp>
#include <firebus/telemetry/types.hpp>

namespace fbgw {

struct sparkplug_point {
  std::string id;    ///< the engine point id ("<device>/<point>")
  std::string unit;  ///< UCUM, may be empty
  std::vector<std::pair<std::string, firebus::alarm_class>> alarms;  ///< rule alarms
};

struct sparkplug_setup {
  std::string group_id;
  std::string edge_node_id;
  int qos = 0;               ///< of births and data (Sparkplug 3.0: 0)
  std::string primary_host;  ///< births wait for this host's STATE online; empty: none
  std::vector<std::string> devices;
  std::vector<sparkplug_point> points;
};

class sparkplug_link {
 public:
  /// The link, or null with `why`.
  static std::unique_ptr<sparkplug_link> make(const sparkplug_setup& s, std::string& why);

  /// The NDEATH Will of the next CONNECT (client thread).
  std::optional<firebus::mqtt::will_message> will();
  /// The births of a new connection (before the journal's replay). `current` is the alarm
  /// engine's state now — one event per alarm and per point fault, with its state — which the
  /// births must carry (Sparkplug: current values): what the journal replays after them is
  /// history (is_historical) and does not change a metric's current value, so an alarm raised
  /// while the link was down, or restored from the snapshot at start-up, would otherwise be
  /// born "normal".
  /// `will` is the Will this connection registered (connection_event::will): the births carry
  /// its bdSeq, also when the client has already made the next CONNECT's Will.
  std::vector<firebus::uplink::publication> on_connected(
      std::uint64_t now_ms, const std::vector<firebus::event>& current,
      const std::optional<firebus::mqtt::will_message>& will);
  void on_disconnected();
  /// What a received message asks of the gateway.
  struct reaction {
    std::vector<firebus::uplink::publication> publish;  ///< births (rebirth, host online)
    std::vector<std::string> problems;  ///< refused or not understood (no writes over Sparkplug)
    bool born = false;        ///< the births are among `publish`: wake the journal's uplink
    bool disconnect = false;  ///< the primary host went offline: death(), then reconnect
  };
  /// NCMD, DCMD and the primary host's STATE. `current` as for on_connected(): the births that
  /// the host's STATE online releases carry it.
  reaction on_message(const firebus::mqtt::message& m, std::uint64_t now_ms,
                      const std::vector<firebus::event>& current);
  std::vector<std::string> subscriptions() const;
  /// The NDEATH of the current session (its Will), to publish before an intentional disconnect
  /// (Sparkplug 3.0: the broker publishes the Will only when a connection is lost); none before
  /// the first CONNECT.
  std::optional<firebus::uplink::publication> death() const;
  /// The uplink's transform: a journalled firebus envelope → Sparkplug messages; "not now"
  /// (std::errc::resource_unavailable_try_again) while the births wait for the primary host.
  std::vector<firebus::uplink::publication> transform(const firebus::uplink::entry& e,
                                                      std::error_code& ec, std::string& why);
  /// Registers the gateway's own birth (its aliases decode the journalled batches).
  void add_birth(const std::string& source_id, const firebus::telemetry::birth& b);

  /// Samples left out because their device was dead, events no alarm metric stands for.
  std::uint64_t skipped_samples() const;
  std::uint64_t skipped_events() const;

 private:
  explicit sparkplug_link(firebus::telemetry::sparkplug::edge_node node, int qos);
  std::vector<firebus::uplink::publication> wrap(
      std::vector<firebus::telemetry::sparkplug::message> ms) const;
  // Before births: the alarm metrics take the engine's current states (nothing is published).
  void seed(const std::vector<firebus::event>& current, std::uint64_t now_ms);

  mutable std::mutex mu_;
  firebus::telemetry::sparkplug::edge_node node_;
  int qos_;
  firebus::telemetry::birth_registry births_;
  std::map<std::string, std::string> device_of_point_;  // point id → device id
  std::set<std::string> dead_;                          // devices after a DDEATH
  std::uint64_t skipped_samples_ = 0, skipped_events_ = 0;
};

}  // namespace fbgw

#endif  // FIREBUS_GATEWAY_SPARKPLUG_LINK_HPP
