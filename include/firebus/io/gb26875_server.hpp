// firebus — fire-safety IoT SDK.
/// @file
/// firebus::gb26875::server: the monitoring centre (监控中心) side of GB/T 26875.3 over TCP.
///
/// The server accepts many UITD connections on one listening socket and runs, for each, a
/// gb26875::deframer and a gb26875::centre_session (the pure protocol engine, which decides every
/// confirm and deny of §6.5): the transport only moves bytes, maps std::chrono::steady_clock to
/// firebus::mono_time, drives each engine's advance() with one timer per connection, and turns
/// the engine's outputs into writes and handler calls.
///
/// @par Threads and handlers
/// The server runs on the caller's asio::io_context; everything it does is serialised on one
/// strand, so handlers never run concurrently with each other, even when the io_context runs on
/// several threads. Set the handlers before start(). They are called on a thread that runs the
/// io_context, never with a lock that a public method takes (the destructor excepted, see
/// below), so a handler may call any public method (those that act on a connection are posted
/// and take effect after the handler returns). A handler that throws does not stop the server:
/// the exception is caught and reported to the error handler (std::errc::interrupted, with its
/// what()), and the server carries on. Every public method is thread-safe.
///
/// @par Destruction
/// The io_context must outlive the server. The server may be destroyed on any thread, whether
/// the io_context runs or not: the destructor waits until no handler of the server runs on
/// another thread (a handler call in progress returns first), then stops the server as stop()
/// does, on the calling thread. Once it returns, no handler runs and none will. Hence a handler
/// must not wait for the thread that destroys its server (a lock that thread holds, a join):
/// that would deadlock — debug builds (no NDEBUG) print a warning to stderr after 10 s of
/// waiting. Operations still queued in the io_context (lingering closes, cancelled operations)
/// keep the server's internal state alive, touch nothing of the caller's, and are released when
/// the io_context runs or is destroyed.
///
/// @par Closing
/// A connection closed for any reason but server_close_reason::write_backlog and io_error is
/// closed gracefully: the frames already queued for writing (a last deny, a confirm that accept()
/// just queued) are still written, then the sending side is shut down, and the socket is closed
/// when the UITD closes its side, on a socket error, or after server_close_linger (1 s),
/// whichever comes first; what the UITD sends meanwhile is read and discarded. For everything
/// else (the close handler, counters, connections(), max_connections) the connection is gone at
/// once. A slow reader (write_backlog) and a failed socket (io_error) are closed at once.
///
/// @par Isolation and limits
/// No connection can affect another: each has its own engine (idle timeout, rate limit, error
/// limit of centre_config), a fixed read buffer, a deframer of fixed size, and a write queue of at
/// most server_config::max_write_queue_bytes — a UITD that does not read its answers is closed
/// (server_close_reason::write_backlog) instead of growing the server's memory. Connections
/// beyond server_config::max_connections are accepted and closed at once. A false frame start
/// can hold back the frames behind it until 1054 bytes arrive (deframer.hpp, "Latency"): the
/// deframer is flushed after server_config::flush_after without new bytes, so a fire alarm is
/// never held back by garbage before it.
///
/// @par Requests
/// request() and control() return an id at once (≥ 1) and end exactly once, on the strand: with
/// on_answer (a response, or the confirm of a control) or on_request_failed (errc::denied,
/// errc::no_answer, errc::not_connected, errc::queue_full). Retransmission follows the engine
/// (centre_config::answer_timeout, centre_config::retries; §6.5.4–6.5.5): after a timeout, and
/// at once after a deny; errc::denied only when the last retry is denied.
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// asio::io_context io;
/// gb::server_config cfg;
/// cfg.port = 5000;
/// cfg.centre.address = 1;
/// gb::server srv(io, cfg);
/// srv.on_message([&](gb::connection_id c, const gb::centre_session::message& m) {
///   store(c, m.hdr, m.decode());
/// });
/// srv.on_error([](gb::connection_id c, std::error_code ec, const std::string& what) {
///   std::clog << c << ": " << ec.message() << ": " << what << '\n';
/// });
/// srv.start();
/// io.run();
/// @endcode
#ifndef FIREBUS_IO_GB26875_SERVER_HPP
#define FIREBUS_IO_GB26875_SERVER_HPP

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/export.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/centre_session.hpp>

namespace asio {
class io_context;
}  // namespace asio

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// Identifies one connection of a server (≥ 1; never reused by the same server).
using connection_id = std::uint64_t;

/// Why the server closed a connection.
enum class server_close_reason : std::uint8_t {
  idle_timeout,     ///< the engine: no valid frame for centre_config::idle_timeout
  rate_limit,       ///< the engine: more than centre_config::rate_max_frames per rate_window
  too_many_errors,  ///< the engine: more than centre_config::max_consecutive_errors bad inputs
  output_overflow,  ///< the engine: outputs not drained (should not happen in this transport)
  peer_closed,      ///< the UITD closed the connection (or reset it)
  write_backlog,    ///< more than server_config::max_write_queue_bytes waiting to be written
  io_error,         ///< a read or write failed
  closed,           ///< server::close() was called
  stopped,          ///< server::stop() (or the server's destruction)
};

/// How long a closed connection may flush the frames already queued for writing before its
/// socket is closed regardless (see "Closing" in the file's documentation).
inline constexpr std::chrono::milliseconds server_close_linger{1000};

/// Number of server_close_reason values (the size of server_counters::closes).
inline constexpr std::size_t server_close_reason_count = 9;

/// Name of a server close reason ("write_backlog").
///
/// @par Example
/// @code
/// log("closed: ", firebus::gb26875::to_string(reason));
/// @endcode
constexpr std::string_view to_string(server_close_reason r) noexcept {
  switch (r) {
    case server_close_reason::idle_timeout:
      return "idle_timeout";
    case server_close_reason::rate_limit:
      return "rate_limit";
    case server_close_reason::too_many_errors:
      return "too_many_errors";
    case server_close_reason::output_overflow:
      return "output_overflow";
    case server_close_reason::peer_closed:
      return "peer_closed";
    case server_close_reason::write_backlog:
      return "write_backlog";
    case server_close_reason::io_error:
      return "io_error";
    case server_close_reason::closed:
      return "closed";
    case server_close_reason::stopped:
      return "stopped";
  }
  return "unknown";
}

/// Settings of a server; check them with validate().
///
/// @par Example
/// @code
/// firebus::gb26875::server_config cfg;
/// cfg.listen_address = "0.0.0.0";
/// cfg.port = 5000;
/// cfg.max_connections = 5000;
/// cfg.centre.confirm = firebus::gb26875::confirm_policy::after_accept;
/// @endcode
struct server_config {
  /// The settings of every connection's engine (address, confirm policy, limits, timeouts).
  centre_config centre;
  /// The address to listen on (IPv4 or IPv6 literal).
  std::string listen_address = "0.0.0.0";
  /// The TCP port; 0 picks an ephemeral one (server::local_port() tells which).
  std::uint16_t port = 0;
  /// Connections open at once (1 .. 1 000 000); one more is accepted and closed at once.
  std::size_t max_connections = 1024;
  /// Bytes read at a time per connection (64 .. 1 MiB).
  std::size_t read_buffer_size = 4096;
  /// Bytes waiting to be written per connection before it is closed as a slow reader
  /// (server_close_reason::write_backlog); at least one frame (1054) .. 64 MiB.
  std::size_t max_write_queue_bytes = 64 * 1024;
  /// Flush the deframer after this long without new bytes while it holds some (deframer.hpp,
  /// "Latency"); 1 ms .. 1 min.
  std::chrono::milliseconds flush_after{1000};

  /// Clears `ec`, or sets firebus::errc::invalid_argument if a setting is out of its range
  /// (the engine's settings included).
  void validate(std::error_code& ec) const noexcept {
    centre.validate(ec);
    if (ec) return;
    const bool ok =
        max_connections >= 1 && max_connections <= 1000000 && read_buffer_size >= 64 &&
        read_buffer_size <= (std::size_t{1} << 20) && max_write_queue_bytes >= max_frame_size &&
        max_write_queue_bytes <= (std::size_t{64} << 20) &&
        flush_after >= std::chrono::milliseconds(1) && flush_after <= std::chrono::minutes(1);
    if (!ok) ec = firebus::make_error_code(firebus::errc::invalid_argument);
  }
};

/// What a server has seen and done since it was constructed; all but connections_open only grow.
struct server_counters {
  std::uint64_t connections_accepted = 0;  ///< connections that got an engine
  std::uint64_t connections_refused = 0;   ///< closed at once: max_connections reached
  std::uint64_t connections_open = 0;      ///< open now
  std::uint64_t bytes_in = 0;              ///< bytes read
  std::uint64_t bytes_out = 0;             ///< bytes written
  std::uint64_t frames_in = 0;             ///< valid frames handled by the engines
  std::uint64_t rejections = 0;            ///< deframer rejections (garbage, damaged frames, ...)
  std::uint64_t messages = 0;              ///< messages delivered (duplicates included)
  std::uint64_t heartbeats = 0;            ///< empty send-data frames
  std::uint64_t duplicates = 0;            ///< retransmissions recognised
  std::uint64_t confirms_sent = 0;         ///< confirm frames
  std::uint64_t denies_sent = 0;           ///< deny frames
  std::uint64_t requests_sent = 0;         ///< first transmissions of requests and controls
  std::uint64_t retransmissions = 0;       ///< their repetitions
  std::uint64_t answers = 0;               ///< requests and controls answered
  std::uint64_t request_failures = 0;      ///< requests and controls failed
  std::uint64_t handler_exceptions = 0;    ///< exceptions thrown by handlers (and caught)
  /// Connections closed, by server_close_reason (index: the enum's value).
  std::array<std::uint64_t, server_close_reason_count> closes{};

  /// Connections closed for `r`.
  std::uint64_t closed(server_close_reason r) const noexcept {
    return closes[static_cast<std::size_t>(r)];
  }
};

/// The monitoring centre's GB/T 26875.3 TCP server. See the file documentation.
///
/// @par Example
/// @code
/// gb::server srv(io, cfg);
/// srv.on_connect([](gb::connection_id c, const std::string& peer) { log(c, " from ", peer); });
/// srv.on_answer([](gb::connection_id c, std::uint64_t id, const gb::centre_session::answer& a) {
///   show(c, id, gb::decode_adu(a.adu_bytes));
/// });
/// std::error_code ec;
/// srv.start(ec);
/// // later, from any thread:
/// gb::connection_id c = srv.find_by_address(0x0000'1234'5678);
/// std::uint64_t id = srv.request(c, gb::adu{gb::adu_type::read_uitd_status,
///                                           {gb::read_uitd_status{}}}, ec);
/// @endcode
class FIREBUS_API server {
 public:
  /// A connection was accepted; `remote` is its peer endpoint ("127.0.0.1:40312").
  using connect_handler = std::function<void(connection_id, const std::string& remote)>;
  /// A message from a UITD. Under confirm_policy::after_accept, pass message::token (when not 0)
  /// to accept() or reject().
  using message_handler = std::function<void(connection_id, const centre_session::message&)>;
  /// A heartbeat (already confirmed).
  using heartbeat_handler = std::function<void(connection_id, const centre_session::heartbeat&)>;
  /// The answer to request() or control() `id`.
  using answer_handler =
      std::function<void(connection_id, std::uint64_t id, const centre_session::answer&)>;
  /// Request or control `id` ended without an answer.
  using request_failed_handler =
      std::function<void(connection_id, std::uint64_t id, std::error_code reason)>;
  /// A connection was closed (after its last other handler call).
  using close_handler = std::function<void(connection_id, server_close_reason)>;
  /// Diagnostics: denied and dropped input, I/O and accept errors, handler exceptions. The
  /// connection is 0 for what concerns no connection (e.g. accept errors).
  using error_handler =
      std::function<void(connection_id, std::error_code, const std::string& what)>;

  /// A server that will run on `io` (which must outlive it). Invalid settings are reported by
  /// start().
  server(asio::io_context& io, server_config cfg);
  /// Stops the server (as stop(), but at once); no handler starts once the destructor has
  /// begun, and none is running once it returns. Any thread may destroy the server; a handler
  /// running on another thread is waited for (see "Destruction" in the file's documentation).
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Sets the handler for new connections (before start()).
  void on_connect(connect_handler h);
  /// Sets the handler for messages (before start()).
  void on_message(message_handler h);
  /// Sets the handler for heartbeats (before start()).
  void on_heartbeat(heartbeat_handler h);
  /// Sets the handler for answers to requests and controls (before start()).
  void on_answer(answer_handler h);
  /// Sets the handler for failed requests and controls (before start()).
  void on_request_failed(request_failed_handler h);
  /// Sets the handler for closed connections (before start()).
  void on_close(close_handler h);
  /// Sets the error handler (before start()).
  void on_error(error_handler h);

  /// Validates the settings, binds, listens and starts accepting. `ec`: firebus::errc::
  /// invalid_argument (settings, or already started), or the system's error (address in use).
  void start(std::error_code& ec);
  /// Stops accepting and closes every connection (server_close_reason::stopped); requests still
  /// pending fail with errc::not_connected. Asynchronous: takes effect on the io_context. What
  /// each connection has queued for writing is still flushed (see "Closing").
  void stop();

  /// The port listened on (after start()); 0 before.
  std::uint16_t local_port() const noexcept;

  /// Sends a read (command 4, ADU types 61–88 or user-defined) to connection `c`; returns its id
  /// (≥ 1), or 0 with `ec`: firebus::errc::invalid_argument (ADU type), an encoding error, or
  /// errc::not_connected (no such connection). Errors found later (the UITD's address is not
  /// known yet, the queue is full, the connection closed) end it with on_request_failed.
  std::uint64_t request(connection_id c, const adu& read, std::error_code& ec);
  /// Sends a control (command 1, ADU types 89–91 or user-defined); as request().
  std::uint64_t control(connection_id c, const adu& cmd, std::error_code& ec);

  /// confirm_policy::after_accept: the message with `token` on `c` is stored: confirm it.
  /// Errors (unknown token, closed connection) go to the error handler.
  void accept(connection_id c, std::uint64_t token);
  /// confirm_policy::after_accept: the message with `token` on `c` was not stored: deny it.
  void reject(connection_id c, std::uint64_t token);
  /// Closes connection `c` (server_close_reason::closed); nothing if it is not open. Posted like
  /// accept() and reject(), so a confirm or deny they queued before is still written (see
  /// "Closing").
  void close(connection_id c);

  /// The open connection whose UITD has `address` (the source of its first frame); 0 if none.
  /// When several have it, the latest to send a first frame.
  connection_id find_by_address(std::uint64_t address) const;
  /// The ids of the open connections.
  std::vector<connection_id> connections() const;
  /// A snapshot of the counters.
  server_counters counters() const;

#if FIREBUS_HAS_EXCEPTIONS
  /// Throwing overload of start(): firebus::system_error.
  void start();
  /// Throwing overload of request().
  std::uint64_t request(connection_id c, const adu& read);
  /// Throwing overload of control().
  std::uint64_t control(connection_id c, const adu& cmd);
#endif

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_GB26875_SERVER_HPP
