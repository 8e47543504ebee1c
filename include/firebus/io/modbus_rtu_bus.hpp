// firebus — fire-safety IoT SDK.
/// @file
/// A Modbus RTU bus: one RS-485 line (a serial port), polling the devices on it through their
/// profiles.
///
/// The line is driven by libmodbus (Debian's libmodbus, which handles the serial port, the
/// t3.5 silences, RS-485 direction control and RTS) on a thread of the bus's own, because
/// libmodbus blocks. The same scheduler as modbus::tcp_bus decides what goes on the line:
/// exactly one request at a time, alarm-state points first, then measurements, then
/// configuration; timeouts, retries, quarantine with back-off; merged reads split when a
/// device refuses them. RTU frames carry no transaction id, so after a request that got no
/// valid reply the line is listened to for `late_guard` and what arrives is discarded, and
/// before each request the line's input is flushed: a late reply to an earlier request is not
/// taken for the current one. Every reply is checked strictly (CRC, unit id, function, byte
/// count) by firebus's codec on top of libmodbus's own checks.
///
/// Results are reported exactly as modbus::tcp_bus reports them (<firebus/io/modbus_bus.hpp>),
/// posted to the io_context the user gives: callbacks run on its thread.
///
/// @par Destruction
/// Any thread may destroy the bus. The destructor waits until a callback running on another
/// thread has returned (a callback destroying its own bus does not wait for itself); once it
/// returns no callback runs and none will. Hence a callback must not wait for the thread that
/// destroys its bus (a lock that thread holds, a join, Python's GIL): that would deadlock (debug
/// builds print a warning to stderr after 10 s of waiting). The callbacks of one bus never run at
/// the same time, even on an io_context run by several threads.
///
/// @par Example
/// @code
/// asio::io_context io;
/// firebus::modbus::rtu_bus_config cfg;
/// cfg.device = "/dev/ttyUSB0";
/// cfg.baud = 9600;
/// cfg.rs485 = true;  // the kernel's RS-485 mode (RTS as driver enable)
/// firebus::modbus::rtu_bus bus(io, cfg);
/// bus.add_device(3, codec);
/// bus.on_readings(...);
/// bus.start();
/// io.run();
/// @endcode
#ifndef FIREBUS_IO_MODBUS_RTU_BUS_HPP
#define FIREBUS_IO_MODBUS_RTU_BUS_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

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

/// How RTS is driven around a request (libmodbus's modbus_rtu_set_rts).
enum class rts_mode : std::uint8_t {
  none,  ///< RTS left alone (the adapter switches direction itself)
  up,    ///< RTS high while sending
  down,  ///< RTS low while sending
};

/// An RTU bus's settings.
struct rtu_bus_config {
  std::string device;  ///< the serial port, e.g. "/dev/ttyUSB0"
  /// A standard rate the serial driver knows: 300, 600, 1200, 2400, 4800, 9600, 19200, 38400,
  /// 57600, 115200, 230400, 460800, 500000, 576000, 921600 or 1000000 (libmodbus would run any
  /// other rate at 9600 without a word, and the planner would assume the wrong line speed).
  std::uint32_t baud = 9600;
  char parity = 'N';              ///< 'N', 'E' or 'O'
  int data_bits = 8;              ///< 7 or 8
  int stop_bits = 1;              ///< 1 or 2
  bool rs485 = false;             ///< set the port to the kernel's RS-485 mode
  rts_mode rts = rts_mode::none;  ///< RTS direction control by libmodbus
  duration rts_delay{0};          ///< RTS delay before and after sending (libmodbus)
  /// The longest silence inside a reply before it is taken as ended (libmodbus's byte
  /// timeout). 0: 20 ms or 4 characters, whichever is longer.
  duration byte_timeout{0};
  /// After a request that got no valid reply, the line is listened to for this long and what
  /// arrives is discarded before the next request: RTU frames carry no transaction id, so a
  /// late reply must not land in the next request's window. Set it above the longest a
  /// device may answer late. 0 turns it off.
  duration late_guard = std::chrono::milliseconds(100);
  duration reopen_min = std::chrono::milliseconds(500);  ///< first retry to open the port
  duration reopen_max = std::chrono::seconds(30);        ///< doubling up to this
  /// The device's turnaround assumed by the planner's cost model (cost_model::rtu).
  duration turnaround{0};
  /// The time origin of every mono_time the bus reports (default: when the bus is made).
  std::optional<std::chrono::steady_clock::time_point> epoch;

  /// The line's timing as the planner sees it.
  line_timing line() const noexcept {
    line_timing l;
    l.baud = baud;
    l.bits_per_char =
        static_cast<std::uint8_t>(1 + data_bits + (parity == 'N' ? 0 : 1) + stop_bits);
    l.turnaround = turnaround;
    return l;
  }
};

/// Checks a configuration: firebus::errc::invalid_argument when a field is out of range.
FIREBUS_API std::error_code validate(const rtu_bus_config& c) noexcept;

/// Line-level counters of an RTU bus (the scheduler's counters are separate).
struct rtu_bus_counters {
  std::uint64_t opens = 0;            ///< times the port was opened
  std::uint64_t open_failures = 0;    ///< attempts that failed
  std::uint64_t crc_errors = 0;       ///< replies with a bad CRC
  std::uint64_t bad_replies = 0;      ///< replies from another unit, or not matching the request
  std::uint64_t stale_bytes = 0;      ///< bytes discarded after failed requests (late replies)
  std::uint64_t callback_errors = 0;  ///< exceptions thrown by callbacks
};

class FIREBUS_API rtu_bus {
 public:
  /// A bus of `config` posting its callbacks to `io`; `ec` is set when validate() refuses the
  /// configuration (start() then does nothing).
  rtu_bus(asio::io_context& io, const rtu_bus_config& config, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error when validate() refuses the configuration.
  rtu_bus(asio::io_context& io, const rtu_bus_config& config);
#endif
  /// Stops the line's thread and closes the port. Callbacks already posted to the io_context
  /// and not yet run are dropped; one running on another thread is waited for (see
  /// "Destruction" above): none is running once the destructor returns.
  ~rtu_bus();
  rtu_bus(const rtu_bus&) = delete;
  rtu_bus& operator=(const rtu_bus&) = delete;

  /// Adds a device at `unit` (1..247) read through `codec`, polled by `policy`. While the bus is
  /// not running (otherwise, or when validate() refuses `policy`, it returns UINT32_MAX).
  std::uint32_t add_device(std::uint8_t unit, std::shared_ptr<const profile::codec> codec,
                           device_policy policy = {});

  /// @name Callbacks: set them before start(); they run on the io_context's thread.
  /// @{
  void on_readings(bus_readings_handler h);
  void on_failure(bus_failure_handler h);
  void on_write(bus_write_handler h);
  void on_connection(bus_connection_handler h);
  /// @}

  /// Queues a setpoint write (see modbus::tcp_bus::write).
  std::uint64_t write(std::uint32_t device, std::size_t point, double value,
                      std::optional<std::uint32_t> password, std::error_code& ec);

  /// Opens the port and polls on the line's thread until stop(). Returns at once. Until
  /// stop(), the bus keeps the io_context from running out of work (io.run() does not return).
  void start();
  /// Stops polling and closes the port; waits for the request on the line to end.
  void stop();

  /// Snapshots, safe from any thread.
  bus_counters counters() const;
  bus_counters device_counters(std::uint32_t device) const;
  rtu_bus_counters line_counters() const;
  bool open() const noexcept;
  /// Busy time over the time since start() (0..1).
  double utilisation() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_MODBUS_RTU_BUS_HPP
