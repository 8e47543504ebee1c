// firebus — fire-safety IoT SDK.
/// @file
/// An MQTT client (3.1.1 and 5, QoS 0 and 1, TLS, user name and password, Will) that reconnects
/// by itself, built on libmosquitto.
///
/// The client owns one thread that does all the MQTT work: it connects, runs libmosquitto's
/// read, write and keep-alive steps, and reconnects after a loss with exponential back-off and
/// jitter. It never lets libmosquitto reconnect on its own: every connection starts afresh, with
/// a Will asked of client_options::will for each CONNECT that goes out (a Sparkplug node must
/// put a new bdSeq in each one; an attempt that never reached the broker keeps its Will for the
/// next), and with the subscriptions made again.
///
/// Delivery is explicit. publish() returns a token; on_published reports each token exactly once:
/// - QoS 1: empty error when the broker's PUBACK arrived; errc::connection_lost when the
///   connection dropped first (the message may or may not have reached the broker), and
///   errc::publish_refused for an MQTT 5 PUBACK with a failure reason code;
/// - QoS 0: empty error once the message was handed to the socket.
/// A publish is never retried by the client after a lost connection: the caller decides (the
/// store-and-forward journal sends it again, in order). publish() while not connected fails at
/// once with errc::not_connected.
///
/// @par Threading
/// Callbacks run on the io_context given to the constructor, never on the client's thread and
/// never with a lock of the client or of libmosquitto held that they could need: a callback may
/// call publish(), subscribe() or stop(), and may destroy its client. publish(), subscribe(),
/// start(), stop(), connected() and counters() may be called from any thread. client_options::will
/// runs on the client's thread, just before each CONNECT; it must be quick and must not block.
/// The callbacks of one client never run at the same time, even on an io_context run by several
/// threads.
///
/// @par Destruction
/// Any thread may destroy the client. The destructor waits until a callback running on another
/// thread has returned (a callback destroying its own client does not wait for itself); once it
/// returns no callback runs and none will. Hence a callback must not wait for the thread that
/// destroys its client (a lock that thread holds, a join): that would deadlock (debug builds
/// print a warning to stderr after 10 s of waiting).
///
/// @par Example
/// @code
/// asio::io_context io;
/// firebus::mqtt::client_options o;
/// o.host = "broker.example";
/// o.port = 8883;
/// o.client_id = "gw-0042";
/// o.tls = firebus::mqtt::tls_options{};
/// o.tls->ca_file = "/etc/firebus/ca.pem";
/// firebus::mqtt::client c(io, o);
/// c.on_connection([](const firebus::mqtt::connection_event& e) {
///   if (!e.up) std::fprintf(stderr, "uplink down: %s %s\n", e.error.message().c_str(),
///                           e.detail.c_str());
/// });
/// c.on_published([](std::uint64_t token, std::error_code ec) { journal_ack(token, ec); });
/// c.start();
/// io.run();
/// @endcode
#ifndef FIREBUS_IO_MQTT_CLIENT_HPP
#define FIREBUS_IO_MQTT_CLIENT_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/core/time.hpp>
#include <firebus/export.hpp>
#include <firebus/io/mqtt_error.hpp>

namespace asio {
class io_context;
}  // namespace asio

namespace firebus {
inline namespace v1 {
namespace mqtt {

enum class protocol_version : std::uint8_t {
  v311 = 4,  ///< MQTT 3.1.1
  v5 = 5,    ///< MQTT 5.0
};

/// TLS settings. With a tls_options the client only talks TLS, and always verifies the broker's
/// certificate chain against `ca_file`/`ca_path` (or the system's CAs) and its host name.
struct tls_options {
  std::string ca_file;    ///< PEM file of trusted CAs
  std::string ca_path;    ///< or a directory of them (c_rehash'd); both empty: the OS's CAs
  std::string cert_file;  ///< client certificate (PEM), for brokers that require one
  std::string key_file;   ///< its private key (PEM, unencrypted)
  std::string version;    ///< "tlsv1.2" or "tlsv1.3"; empty: the library's default (≥ 1.2)
  std::string ciphers;    ///< OpenSSL cipher list; empty: OpenSSL's default
  /// Only for tests against a broker whose certificate names another host: skips the host
  /// name check (the chain is still verified). Never in production.
  bool insecure_skip_hostname = false;
};

/// The Will: what the broker publishes when the client goes away without a DISCONNECT.
struct will_message {
  std::string topic;
  std::vector<std::uint8_t> payload;
  int qos = 1;  ///< 0 or 1
  bool retain = false;
};

/// A received message.
struct message {
  std::string topic;
  std::vector<std::uint8_t> payload;
  int qos = 0;
  bool retain = false;
};

struct client_options {
  std::string host = "127.0.0.1";  ///< the broker: a name or a numeric address
  std::uint16_t port = 1883;       ///< > 0 (8883 is the TLS convention)
  std::string client_id;           ///< 1..23 characters are always accepted; required
  protocol_version version = protocol_version::v311;
  /// Clean session (3.1.1) / clean start with session expiry 0 (5): true, as Sparkplug
  /// requires. The journal, not the broker's session, is what makes delivery reliable.
  bool clean_session = true;
  duration keepalive = std::chrono::seconds(30);  ///< 5 s .. 65535 s
  std::optional<std::string> username;
  std::optional<std::string> password;  ///< needs a username
  std::optional<tls_options> tls;       ///< TLS when set
  /// Called on the client's thread before a connection attempt; its Will goes with that
  /// attempt's CONNECT. An attempt whose CONNECT never went out (no TCP connection, a failed TLS
  /// handshake, a timeout before the connection was up) keeps its Will for the next attempt,
  /// without a new call: a provider that numbers CONNECTs (Sparkplug's bdSeq) counts exactly
  /// those the broker received. Empty function, or std::nullopt returned: no Will.
  std::function<std::optional<will_message>()> will;
  duration connect_timeout = std::chrono::seconds(10);      ///< to CONNACK, > 0
  duration reconnect_min = std::chrono::milliseconds(500);  ///< first delay after a loss, > 0
  duration reconnect_max = std::chrono::seconds(60);        ///< doubling up to this, ≥ min
  double reconnect_jitter = 0.25;       ///< each delay is scaled by a random factor in [1-j, 1]
  std::uint16_t max_inflight = 20;      ///< QoS 1 publishes on the wire at once (receive maximum)
  std::size_t max_pending = 10000;      ///< publishes not yet reported to on_published, 1..65535
  std::size_t max_payload = 16u << 20;  ///< bytes, 1 .. 256 MiB
};

/// Checks options: errc::invalid_options when one is out of range; `why` names it.
FIREBUS_API std::error_code validate(const client_options& o, std::string* why = nullptr);

/// The connection came up or went down.
struct connection_event {
  bool up = false;
  std::error_code error;  ///< down: why (a refusal, a lost connection, errc::stopped)
  std::string detail;     ///< for people: the broker's or TLS's own words, when there are any
  bool session_present = false;  ///< up: the broker resumed a session
  /// Up: the Will this connection's CONNECT registered (what client_options::will gave for it),
  /// if any. It may be older than the latest Will asked for: the client can already be
  /// connecting again when this event is handled on the io_context (a Sparkplug node takes its
  /// births' bdSeq from it: sparkplug::edge_node::on_connected(now, will payload)).
  std::optional<will_message> will;
};

struct client_counters {
  std::uint64_t connects = 0;          ///< connections established (CONNACK accepted)
  std::uint64_t connect_failures = 0;  ///< attempts that did not end in an accepted CONNACK
  std::uint64_t disconnects = 0;       ///< established connections lost or closed
  std::uint64_t published = 0;         ///< publishes acknowledged (QoS 1) or sent (QoS 0)
  std::uint64_t publish_failures = 0;  ///< publishes reported with an error
  std::uint64_t received = 0;          ///< messages received on subscriptions
  std::uint64_t callback_errors = 0;   ///< exceptions thrown by callbacks (caught)
};

class FIREBUS_API client {
 public:
  using connection_handler = std::function<void(const connection_event&)>;
  using message_handler = std::function<void(const message&)>;
  using published_handler = std::function<void(std::uint64_t token, std::error_code error)>;

  /// A client of `options`, reporting on `io`; `ec` is set when validate() refuses the options
  /// (start() then does nothing).
  client(asio::io_context& io, client_options options, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error when validate() refuses the options.
  client(asio::io_context& io, client_options options);
#endif
  /// Stops the client (a DISCONNECT if connected, so the broker does not publish the Will).
  /// No callback is running once it returns, and none runs afterwards: one running on another
  /// thread is waited for (see "Destruction" above). The io_context must outlive the client.
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// @name Callbacks: set them before start(); they run on the io_context's thread.
  /// @{
  void on_connection(connection_handler h);
  void on_message(message_handler h);
  void on_published(published_handler h);
  /// @}

  /// Starts the client's thread: connect, and reconnect after every loss until stop().
  void start();
  /// Sends DISCONNECT if connected (the Will is not published), reports every pending publish
  /// with errc::stopped, and joins the thread. Idempotent.
  void stop();

  /// Publishes `payload` on `topic` at `qos` (0 or 1). Returns a token (≥ 1) that on_published
  /// reports later; 0 with `ec` set when nothing will be reported: not connected, an invalid
  /// topic or qos, too large a payload, max_pending reached, stopped.
  std::uint64_t publish(std::string_view topic, const std::uint8_t* payload, std::size_t size,
                        int qos, bool retain, std::error_code& ec);
  std::uint64_t publish(std::string_view topic, const std::vector<std::uint8_t>& payload, int qos,
                        bool retain, std::error_code& ec) {
    return publish(topic, payload.data(), payload.size(), qos, retain, ec);
  }

  /// Subscribes to `filter` at `qos` (0 or 1), now if connected and again on every reconnect.
  void subscribe(std::string_view filter, int qos, std::error_code& ec);

  bool connected() const noexcept;
  client_counters counters() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace mqtt
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_MQTT_CLIENT_HPP
