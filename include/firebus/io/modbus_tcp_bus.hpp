// firebus — fire-safety IoT SDK.
/// @file
/// A Modbus TCP bus: one connection, to a device or to a TCP→RTU gateway, polling the devices
/// behind it through their profiles.
///
/// The bus drives a firebus::modbus::scheduler over an Asio socket: exactly one request in
/// flight, alarm-state points first, then measurements, then configuration reads and writes;
/// per-device timeouts, retries and quarantine with back-off; merged reads split when a device
/// refuses them. Replies are checked strictly (transaction id, unit id, function, byte count):
/// a reply to an earlier, timed-out request is discarded and counted, never taken for the
/// current one. Bytes that cannot start a Modbus TCP frame (garbage a gateway lets through) are
/// skipped one by one until a frame header is found again; a stream that stays garbage for
/// longer than a few frames closes the connection (it is reopened with back-off).
///
/// Results come out as readings (samples, device conditions and statuses, see
/// firebus::profile::codec) ready for the alarm engine, and as failures: the points of a read
/// that could not be done (timeout after retries, exception, quarantine, lost connection), so
/// that they can be marked as not updated.
///
/// @par Threading
/// The bus runs on the io_context the user gives it; callbacks run on that io_context's thread
/// and must not block. add_device() is called before start(); write(), start(), stop() and
/// counters() may be called from any thread. The io_context must outlive the bus.
///
/// @par Time
/// Times are firebus::mono_time measured from `epoch` in the configuration (the steady clock);
/// give the alarm engine's epoch so that readings and the engine share one time line.
///
/// @par Example
/// @code
/// asio::io_context io;
/// firebus::modbus::tcp_bus_config cfg;
/// cfg.host = "192.168.1.20";
/// cfg.port = 502;
/// firebus::modbus::tcp_bus bus(io, cfg);
/// auto codec = std::make_shared<const firebus::profile::codec>(
///     firebus::profile::load_profile("acrel-aim-r100.json"));
/// auto dev = bus.add_device(3, codec);
/// bus.on_readings([&](std::uint32_t d, firebus::mono_time t, const firebus::profile::readings& r)
/// {
///   for (const auto& v : r.values) engine.sample(index_of(d, v.point), t, v.value);
/// });
/// bus.start();
/// io.run();
/// @endcode
#ifndef FIREBUS_IO_MODBUS_TCP_BUS_HPP
#define FIREBUS_IO_MODBUS_TCP_BUS_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/core/time.hpp>
#include <firebus/export.hpp>
#include <firebus/io/modbus_bus.hpp>
#include <firebus/modbus/scheduler.hpp>
#include <firebus/profile/codec.hpp>

namespace asio {
class io_context;
}  // namespace asio

namespace firebus {
inline namespace v1 {
namespace modbus {

/// A TCP bus's settings.
struct tcp_bus_config {
  std::string host = "127.0.0.1";  ///< the device or gateway: a name or a numeric address
  std::uint16_t port = 502;        ///< > 0
  duration connect_timeout = std::chrono::seconds(3);       ///< per attempt, > 0
  duration reconnect_min = std::chrono::milliseconds(500);  ///< first reconnect delay, > 0
  duration reconnect_max = std::chrono::seconds(30);        ///< doubling up to this, ≥ min
  /// The planner's cost model. For a TCP→RTU gateway use cost_model::rtu() of its serial line.
  cost_model cost = cost_model::tcp(std::chrono::milliseconds(1));
  /// The time origin of every mono_time the bus reports (default: when the bus is made).
  std::optional<std::chrono::steady_clock::time_point> epoch;
};

/// Checks a configuration: firebus::errc::invalid_argument when a field is out of range.
FIREBUS_API std::error_code validate(const tcp_bus_config& c) noexcept;

/// Connection-level counters of a TCP bus (the scheduler's counters are separate).
struct tcp_bus_counters {
  std::uint64_t connects = 0;          ///< connections established
  std::uint64_t disconnects = 0;       ///< established connections lost
  std::uint64_t connect_failures = 0;  ///< attempts that failed
  std::uint64_t stale_replies = 0;     ///< replies to earlier requests, discarded
  std::uint64_t skipped_bytes = 0;     ///< bytes skipped to find the next frame (garbage)
  std::uint64_t framing_errors = 0;    ///< byte streams that stayed garbage: connection closed
  std::uint64_t callback_errors = 0;   ///< exceptions thrown by callbacks
};

class FIREBUS_API tcp_bus {
 public:
  /// See <firebus/io/modbus_bus.hpp>.
  using readings_handler = bus_readings_handler;
  using failure_handler = bus_failure_handler;
  using write_handler = bus_write_handler;
  using connection_handler = bus_connection_handler;

  /// A bus of `config` on `io`; `ec` is set when validate() refuses the configuration (start()
  /// then does nothing).
  tcp_bus(asio::io_context& io, const tcp_bus_config& config, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error when validate() refuses the configuration.
  tcp_bus(asio::io_context& io, const tcp_bus_config& config);
#endif
  /// Stops the bus; no callback runs once it returns. Call it on the io_context's thread or
  /// when the io_context is not running.
  ~tcp_bus();
  tcp_bus(const tcp_bus&) = delete;
  tcp_bus& operator=(const tcp_bus&) = delete;

  /// Adds a device at `unit` read through `codec`, polled by `policy`. While the bus is not running
  /// (otherwise, or when validate() refuses `policy`, it returns UINT32_MAX). Devices of one
  /// profile may share one codec.
  std::uint32_t add_device(std::uint8_t unit, std::shared_ptr<const profile::codec> codec,
                           device_policy policy = {});

  /// @name Callbacks: set them before start(); they run on the io_context's thread.
  /// @{
  void on_readings(readings_handler h);
  void on_failure(failure_handler h);
  void on_write(write_handler h);
  void on_connection(connection_handler h);
  /// @}

  /// Queues a setpoint write (profile::codec::encode_write: the password first when the point
  /// needs one). Returns its id, reported later to on_write; 0 with `ec` set when the codec
  /// refuses the value, or the device is unknown.
  std::uint64_t write(std::uint32_t device, std::size_t point, double value,
                      std::optional<std::uint32_t> password, std::error_code& ec);

  /// Connects, polls, and reconnects with back-off until stop(). Returns at once.
  void start();
  /// Closes the connection and cancels the timers. Writes still queued stay queued and are sent
  /// after the next start(); a write() while stopped is reported errc::cancelled.
  void stop();

  /// Snapshots, safe from any thread.
  bus_counters counters() const;
  bus_counters device_counters(std::uint32_t device) const;
  tcp_bus_counters connection_counters() const;
  bool connected() const noexcept;
  /// Busy time over the time since start() (0..1).
  double utilisation() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_MODBUS_TCP_BUS_HPP
