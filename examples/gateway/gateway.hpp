// firebus — fire-safety IoT SDK.
// firebus-gateway's runtime: buses → profiles → alarm engine → uplinks (MQTT, GB/T 26875.3), each
// uplink through its store-and-forward journal, alarms first. Everything runs on one
// io_context thread; the HTTP endpoint (metrics) reads a text the io thread renders.
#ifndef FIREBUS_GATEWAY_GATEWAY_HPP
#define FIREBUS_GATEWAY_GATEWAY_HPP

#include <functional>
#include <memory>
#include <string>

#include <firebus/core/time.hpp>

#include "config.hpp"

namespace asio {
class io_context;
}  // namespace asio

namespace fbgw {

struct gateway_options {
  bool json = false;  ///< log lines as JSON (one object per line) instead of text
  /// Where log lines go (default: stdout); called on the io thread.
  std::function<void(const std::string&)> log;
  /// Where the firebus and profile sources are, to find profiles by id when the configuration
  /// names none of its own directories (set by the build for in-tree runs).
  std::string default_profile_dir;
};

class gateway {
 public:
  gateway(asio::io_context& io, gateway_config config, gateway_options options);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  /// Loads the profiles, builds the engine (restoring its snapshot from data_dir when it matches
  /// the configuration), opens the journals, starts buses and uplinks. False with `why` when
  /// something cannot start (nothing is left running then).
  bool start(std::string& why);
  /// `firebus-gateway --check`: loads the profiles and validates what start() would refuse — the
  /// alarm rules and zones, the GB/T 26875.3 points and mapping — without opening data_dir, a
  /// bus or an uplink. False with `why` (naming the JSON path) as start() would say it.
  bool check(std::string& why);
  /// SIGTERM: the pending telemetry and the engine's snapshot are written, buses stop; the
  /// uplinks get up to `drain` to deliver what the journals hold (what is left stays there for
  /// the next start). `done` runs on the io thread when everything is stopped.
  void stop(firebus::duration drain, std::function<void()> done);
  /// SIGHUP: applies `next` when only what can change live changed (alarm rules and zones, while
  /// no alarm is active or latched; telemetry interval; snapshot interval); otherwise refuses it
  /// and says why. Buses are never dropped.
  bool reload(const gateway_config& next, std::string& why);
  /// An operator's command (ack, reset, silence, disable, ...; the alarm engine's commands) by
  /// operator number `operator_id` (reported to the centre in the GB/T 26875.3 operation
  /// record). Thread-safe: runs on the io thread; `done` gets an empty string or why the engine
  /// refused it.
  void command(const std::string& json_command, std::function<void(std::string)> done);
  /// Raises the gateway's own fault for `cause` (logged, in /metrics, the UITD fault bit at the
  /// centre) until clear_fault(cause); for what the gateway's owner runs beside it (the HTTP
  /// endpoint). Thread-safe: runs on the io thread.
  void raise_fault(const std::string& cause, const std::string& why);
  void clear_fault(const std::string& cause);
  /// The active alarm list as JSON (thread-safe: the last rendering, refreshed every second).
  std::string active_json() const;
  /// The Prometheus text of /metrics (thread-safe: the last rendering, refreshed every second).
  std::string metrics() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace fbgw

#endif  // FIREBUS_GATEWAY_GATEWAY_HPP
