// firebus — fire-safety IoT SDK.
/// @file
/// firebus::gb26875::client: the UITD side of GB/T 26875.3-2011 over TCP, with Asio.
///
/// The client is the transport around gb26875::uitd_session, which holds every protocol rule
/// (queues and priorities, serial numbers, confirm/deny, retransmission, answers to the centre,
/// heartbeat, back-off). The client connects to the centre, cuts the byte stream into frames
/// with gb26875::deframer, maps std::chrono::steady_clock to firebus::mono_time, drives the
/// engine from one timer set to its next_deadline(), waits next_reconnect_delay() between
/// connection attempts, and reports every outcome through callbacks.
///
/// @par Threads
/// The client runs on the caller's io_context, which one thread runs. Everything the engine does
/// happens on that thread; callbacks are invoked there too, never with a lock that a public
/// method takes (the destructor excepted, see below), so a callback may call any method,
/// including stop() and the destructor. submit(), answer_duty_check(), pending() and counters()
/// may be called from any thread: submit() checks and encodes the ADU, allocates the id (an
/// atomic counter) and posts the message to the io_context, so the id is returned at once and
/// the message reaches the engine in submission order. A message the engine then refuses
/// (errc::queue_full) is reported through on_failed. start() and stop() may be called from any
/// thread too (they run on the io_context: at once when called on its thread, else posted).
///
/// @par Destruction
/// The io_context must outlive the client. The client may be destroyed on any thread, whether
/// the io_context runs or not: the destructor waits until no handler of the client runs on
/// another thread (a callback in progress returns first), then stops the client as stop() does,
/// on the calling thread. Once it returns, no callback runs and none will. Hence a callback must
/// not wait for the thread that destroys its client (a lock that thread holds, a join): that
/// would deadlock — debug builds (no NDEBUG) print a warning to stderr after 10 s of waiting.
/// Handlers still queued in the io_context (the stop's flush, cancelled operations) keep the
/// client's internal state alive, touch nothing of the caller's, and are released when the
/// io_context runs or is destroyed.
///
/// @par Outcomes
/// Every id submit() returns ends in exactly one on_delivered() or one on_failed() — unless the
/// client is destroyed first. A message in flight when the link drops is resent, with its
/// serial number, on the next connection (uitd_session rule 6); stop() keeps queued messages in
/// the engine (start() again sends them), and pending() counts the ids not yet reported.
///
/// @par Closing
/// stop() (and the destructor) close an established connection gracefully: the frames already
/// handed to the socket (answers to the centre, the in-flight message's frame) are still written,
/// then the sending side is shut down and the socket closed when the centre closes its side, on
/// a socket error, or after client_close_linger (1 s), whichever comes first. What the centre
/// sends meanwhile is read and discarded: a message whose frame is flushed this way is not
/// reported delivered even if the centre confirms it; it stays pending and is resent, with its
/// serial number, after the next start(). A lost connection (socket error, end of stream, dead
/// heartbeat) and a failed attempt are closed at once.
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// asio::io_context io;
/// gb::client_config cfg;
/// cfg.session.address = 0x000012345678;
/// cfg.session.centre_address = 0x000000000001;
/// cfg.host = "centre.example.net";
/// cfg.port = 9000;
/// gb::client c(io, cfg);
/// c.on_delivered([](std::uint64_t id, int, firebus::duration) { journal.remove(id); });
/// c.on_failed([](std::uint64_t id, std::error_code ec) { journal.alert(id, ec); });
/// c.start();
/// std::error_code ec;
/// std::uint64_t id = c.submit(fire_alarm_adu, ec);  // classified: fire goes first
/// io.run();
/// @endcode
#ifndef FIREBUS_IO_GB26875_CLIENT_HPP
#define FIREBUS_IO_GB26875_CLIENT_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/time.hpp>
#include <firebus/export.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/uitd_session.hpp>

namespace asio {
class io_context;
}  // namespace asio

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// How long stop() lets an established connection flush the frames already queued for writing
/// before the socket is closed regardless (see "Closing" in the file's documentation).
inline constexpr std::chrono::milliseconds client_close_linger{1000};

/// Settings of a gb26875::client.
struct client_config {
  /// The protocol engine's settings: addresses, answer timeout (10 s), retries (3), heartbeat,
  /// queue bounds, back-off.
  uitd_session_config session;
  std::string host = "127.0.0.1";  ///< the centre: a name or a numeric address
  std::uint16_t port = 0;          ///< the centre's TCP port (> 0)
  /// Give up a connection attempt (resolve and connect) after this long. > 0.
  duration connect_timeout = std::chrono::seconds(10);
  std::size_t read_buffer_size = 4096;  ///< bytes per socket read. ≥ 1
  /// Flush the deframer when bytes have waited this long with nothing more arriving (see
  /// deframer.hpp "Latency"). > 0.
  duration idle_flush = std::chrono::seconds(1);
};

/// Checks a client_config: the session's validate(), then firebus::errc::invalid_argument for
/// a zero port, an empty host, or a timeout or buffer size out of range.
inline std::error_code validate(const client_config& c) noexcept {
  if (std::error_code ec = validate(c.session)) return ec;
  if (c.port == 0 || c.host.empty() || c.connect_timeout <= duration::zero() ||
      c.read_buffer_size == 0 || c.idle_flush <= duration::zero()) {
    return firebus::make_error_code(firebus::errc::invalid_argument);
  }
  return {};
}

/// Counters of a gb26875::client: the engine's, and the transport's own.
struct client_counters {
  uitd_counters session;               ///< the engine's counters (as of the last engine step)
  std::uint64_t connects = 0;          ///< connections established
  std::uint64_t disconnects = 0;       ///< established connections lost or closed
  std::uint64_t connect_failures = 0;  ///< attempts that failed (resolve, refuse, timeout)
  std::uint64_t bytes_received = 0;    ///< bytes read from the centre
  std::uint64_t bytes_sent = 0;        ///< bytes written to the centre
  std::uint64_t frames_rejected = 0;   ///< deframer rejections (garbage, bad frames)
  std::uint64_t callback_errors = 0;   ///< exceptions thrown by callbacks
  std::size_t pending = 0;             ///< ids not yet reported delivered or failed
};

/// The UITD side of GB/T 26875.3 over TCP (see the file's documentation).
///
/// @par Example
/// @code
/// firebus::gb26875::client c(io, cfg);
/// c.on_event([](const firebus::gb26875::uitd_event& e) {
///   if (e.kind == firebus::gb26875::uitd_event_kind::duty_check) ask_operator();
/// });
/// c.start();
/// @endcode
class FIREBUS_API client {
 public:
  /// Called when the centre confirmed message `id`, after `attempts` transmissions,
  /// `latency` after submit().
  using delivered_handler = std::function<void(std::uint64_t id, int attempts, duration latency)>;
  /// Called when message `id` will not be delivered: errc::no_answer, errc::denied,
  /// errc::queue_full or errc::not_connected (see uitd_failed).
  using failed_handler = std::function<void(std::uint64_t id, std::error_code error)>;
  /// Called when a connection to the centre is established.
  using connected_handler = std::function<void()>;
  /// Called when an established connection ends: the socket's error, errc::no_answer (no answer
  /// to a heartbeat: the link is dead) or std::errc::operation_canceled (stop()).
  using disconnected_handler = std::function<void(std::error_code error)>;
  /// Called for every engine event: clock sync, initialise, duty check, denied requests,
  /// unexpected answers, failed heartbeats.
  using event_handler = std::function<void(const uitd_event& event)>;
  /// Called when a callback threw (`error` std::errc::operation_canceled, `what` its message) or
  /// the transport has something to say that is not an outcome. Must not throw.
  using error_handler = std::function<void(std::error_code error, const std::string& what)>;
  /// Fills the response to a read request (types 61–68, 81, 84–86, 88); false to deny.
  using data_provider = uitd_session::data_provider;

  /// A client of `config` on `io`. If validate() refuses the configuration, `ec` says why and
  /// start() and submit() fail with firebus::errc::invalid_argument.
  client(asio::io_context& io, const client_config& config, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// A client of `config` on `io`; throws firebus::system_error if validate() refuses it.
  client(asio::io_context& io, const client_config& config);
#endif
  /// Stops the client (as stop()); no callback is running once it returns, and none runs
  /// afterwards. Any thread may destroy the client; a callback running on another thread is
  /// waited for (see "Destruction" in the file's documentation). The io_context must outlive it.
  ~client();
  client(const client&) = delete;             ///< not copyable
  client& operator=(const client&) = delete;  ///< not copyable

  /// @name Callbacks: set them before start(); they run on the io_context's thread.
  /// @{
  void on_delivered(delivered_handler h);          ///< see delivered_handler
  void on_failed(failed_handler h);                ///< see failed_handler
  void on_connected(connected_handler h);          ///< see connected_handler
  void on_disconnected(disconnected_handler h);    ///< see disconnected_handler
  void on_event(event_handler h);                  ///< see event_handler
  void on_error(error_handler h);                  ///< see error_handler
  void set_data_provider(data_provider provider);  ///< see data_provider; empty: deny reads
  /// @}

  /// Connects to the centre, and reconnects with back-off whenever the connection is lost or an
  /// attempt fails, until stop(). Also sets the engine's wall clock from the system clock.
  /// Returns at once; the work happens on the io_context.
  void start();
  /// Closes the connection and cancels the timers. Messages queued or in flight stay queued in
  /// the engine (pending() still counts them, none is reported delivered or failed) and are sent
  /// after the next start(). The frames already queued for writing on an established connection
  /// are flushed first, for at most client_close_linger, in the background (see "Closing" in the
  /// file's documentation); on_disconnected (std::errc::operation_canceled) and is_connected()
  /// change at once.
  void stop();

  /// Sets the engine's wall clock (the time tags of the frame headers) to `now`, as of this
  /// call. With uitd_session_config::adopt_clock_sync false, this is how an application adopts a
  /// centre's clock sync (uitd_event_kind::clock_sync) it judged plausible. start() sets the wall
  /// clock from the system clock: call this after it. Thread-safe (posted to the io_context).
  void set_wall_clock(utc_time now);

  /// Queues `a` with the priority classify() gives it and returns its id (from 1), or 0 with
  /// `ec` set: an ADU that cannot be encoded within 1024 bytes (encode_adu()'s error or
  /// errc::adu_too_long), or firebus::errc::invalid_argument for an unusable client.
  std::uint64_t submit(const adu& a, std::error_code& ec);
  /// Queues `a` with priority `p`; as submit(const adu&, std::error_code&).
  std::uint64_t submit(const adu& a, message_priority p, std::error_code& ec);
  /// Queues the operator's answer to a duty check (type 24, flag bit 5, priority alarm, see
  /// uitd_session::answer_duty_check()); returns its id, or 0 with `ec` set.
  std::uint64_t answer_duty_check(std::uint8_t operator_id, std::error_code& ec);

  /// Ids returned by submit() not yet reported delivered or failed.
  std::size_t pending() const noexcept;
  /// True while a connection to the centre is established.
  bool is_connected() const noexcept;
  /// The counters (the engine's as of its last step).
  client_counters counters() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_GB26875_CLIENT_HPP
