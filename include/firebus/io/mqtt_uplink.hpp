// firebus — fire-safety IoT SDK.
/// @file
/// firebus::uplink::mqtt_uplink: sends the store-and-forward journal over MQTT (docs/telemetry.md,
/// "Delivery").
///
/// The uplink joins a journal (firebus::uplink::journal) and an MQTT client
/// (firebus::mqtt::client). A producer hands it messages with send(): each one is on disk in
/// the journal when send() returns, and is removed from the journal only when the broker
/// acknowledged it (PUBACK at QoS 1). In between the uplink publishes the journal's content,
/// alarm lane first, each lane in order, with at most mqtt_uplink_options::window messages
/// published and not yet acknowledged at once.
///
/// @par Connections
/// On every connection the uplink rewinds the journal: everything not acknowledged is published
/// again, in order, alarms first, and what was produced before the connection came up is marked
/// historical (a firebus Batch gets `historical = true`). A connection lost with publishes not
/// yet acknowledged sends them again on the next connection: receivers see duplicates, never a
/// gap, and drop the duplicates by (source_id, lane, seq).
///
/// @par Formats
/// A message's journal `format` (uplink::payload_format) says how its payload is prepared when
/// it is published:
/// - payload_format::raw: published as stored;
/// - payload_format::firebus_envelope: a firebus v1 Envelope (firebus::telemetry); the uplink
///   stamps the journal's lane and the message's sequence number in its lane (Envelope `lane`
///   and `seq`, whatever the producer put there), and `Batch.historical` on replay. The
///   sequence numbers survive restarts with the journal, so a receiver's duplicate detection
///   keeps working across gateway restarts;
/// - payload_format::transformed: handed to mqtt_uplink_options::transform when it is published,
///   which returns the MQTT messages to publish for it (none, one or several). This is how a
///   protocol whose messages depend on the connection is sent through the journal: Sparkplug B
///   numbers every message of a connection (`seq`) and starts each connection with its births,
///   so its messages are made when they are published, not when they are journalled
///   (docs/telemetry.md, "Sparkplug B through the journal"). The entry is removed from the
///   journal once every message made for it was acknowledged (QoS 1) or written to the socket
///   (QoS 0); at once when none was made.
///
/// @par Failures
/// A publish refused by the broker (MQTT 5 PUBACK with a failure reason) or refused by the
/// client for a reason that will not go away by itself (an invalid topic, too large a payload)
/// stays in the journal: the uplink reports it (mqtt_uplink_counters, on_log) and tries again
/// after mqtt_uplink_options::retry_delay, sending the lanes again from their oldest
/// unacknowledged messages. Until then a refused alarm holds back both lanes; a refused
/// telemetry message holds back the telemetry lane only, and alarms keep going. Messages of
/// the lane that were already published when the refusal came are delivered before the refused
/// one (a window of up to mqtt_uplink_options::window messages): a receiver that drops what is
/// not above its highest seq drops the late one too. A journal failure (an I/O error) holds
/// both lanes and is retried the same way. Nothing is ever dropped by the uplink.
///
/// @par Threads
/// The uplink works on the io_context of the client: every callback it installs on the client
/// runs there, and so do its own callbacks (on_connection, on_published, on_log, the transform).
/// send(), notify(), counters() and the destructor may be called from any thread. It takes over
/// the client's on_connection and on_published callbacks (set mqtt_uplink::on_connection and
/// mqtt_uplink::on_published instead); on_message stays the client's. Make the uplink before
/// the client starts (the client's callbacks must not change while it runs).
///
/// @par Destruction
/// The destructor waits until a callback of the uplink running on another thread has returned
/// (a callback that destroys the uplink does not wait for itself); once it returns no callback
/// of the uplink runs and none will. Hence a callback must not wait for the thread that destroys
/// the uplink (a lock that thread holds, a join, Python's GIL): that would deadlock (debug builds
/// print a warning to stderr after 10 s of waiting).
///
/// @par Example
/// @code
/// asio::io_context io;
/// firebus::uplink::journal j(journal_options);
/// firebus::mqtt::client c(io, client_options);
/// firebus::uplink::mqtt_uplink up(io, j, c);
/// c.start();
/// std::thread t([&] { io.run(); });
/// firebus::uplink::message m;
/// m.lane = firebus::uplink::lane::alarm;
/// m.topic = "firebus/v1/gw-0001/events";
/// m.payload = firebus::byte_view(envelope_bytes);
/// m.format = firebus::uplink::format_byte(firebus::uplink::payload_format::firebus_envelope);
/// up.send(m);  // on disk when it returns; published as soon as the broker is reachable
/// @endcode
#ifndef FIREBUS_IO_MQTT_UPLINK_HPP
#define FIREBUS_IO_MQTT_UPLINK_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/core/time.hpp>
#include <firebus/export.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_client.hpp>

namespace asio {
class io_context;
}

namespace firebus {
inline namespace v1 {
namespace uplink {

/// How the uplink prepares a journal entry's payload for publishing (uplink::message::format).
enum class payload_format : std::uint8_t {
  raw = 0,               ///< published as stored
  firebus_envelope = 1,  ///< a firebus v1 Envelope: lane, seq and historical stamped when sent
  transformed = 2,       ///< turned into MQTT messages by mqtt_uplink_options::transform
};

/// One MQTT message made for a journal entry by mqtt_uplink_options::transform.
struct publication {
  std::string topic;
  std::vector<std::uint8_t> payload;
  int qos = 1;  ///< 0 or 1
  bool retain = false;
};

/// Makes the MQTT messages of a payload_format::transformed entry (see mqtt_uplink_options).
using transform_function =
    std::function<std::vector<publication>(const entry& e, std::error_code& ec, std::string& why)>;

/// The byte uplink::message::format holds for `f`.
constexpr std::uint8_t format_byte(payload_format f) noexcept {
  return static_cast<std::uint8_t>(f);
}

/// How the uplink sends.
struct mqtt_uplink_options {
  /// Messages published and not yet acknowledged at once, 1..1000 (keep it at most the client's
  /// max_inflight: more only wait in the client).
  std::size_t window = 16;
  /// Payload bytes taken from the journal at once (beyond the first message), ≥ 1.
  std::size_t read_bytes = std::size_t{1} << 20;
  /// The largest payload send() accepts: keep it at the client's client_options::max_payload
  /// (a larger one could never be published), ≥ 1.
  std::size_t max_payload = std::size_t{16} << 20;
  /// How often the journal is looked at for messages appended to it directly (not through
  /// send() or notify()), > 0.
  duration poll_interval = std::chrono::seconds(1);
  /// The delay before a refused publish or a failed journal read is tried again, > 0.
  duration retry_delay = std::chrono::seconds(5);
  /// Makes the messages of each payload_format::transformed entry when it is published, in
  /// journal order (alarm lane first), on the io_context, without the uplink's lock: it may call
  /// the uplink and the client. `e.historical` is true for an entry produced before the current
  /// connection came up (a replay). On failure it sets `ec` (and `why`) or throws: the entry is
  /// then published as stored on its own topic, counted (transform_failures) and logged —
  /// nothing is lost and nothing behind it waits. Empty: transformed entries are treated so.
  /// To say "not now" (a Sparkplug node waiting for its primary host before its births), set
  /// `ec` to std::errc::resource_unavailable_try_again: the entry and everything behind it wait
  /// until the next notify() or poll (poll_interval), then go from the lanes' oldest
  /// unacknowledged messages (what was in flight may be published again: a duplicate).
  transform_function transform;
  /// Where the uplink's log messages go (refusals, journal failures, undeliverable messages);
  /// none: only counted. Runs on the io_context; must not throw (an exception is counted).
  std::function<void(log_level, const std::string&)> on_log;
};

/// Checks options: firebus::errc::invalid_argument when one is out of range; `why` names it.
FIREBUS_API std::error_code validate(const mqtt_uplink_options& o, std::string* why = nullptr);

/// What the uplink did since it was made.
struct mqtt_uplink_counters {
  std::uint64_t published = 0;       ///< publishes handed to the client (resends included)
  std::uint64_t acked = 0;           ///< messages acknowledged by the broker and removed
  std::uint64_t resent = 0;          ///< of published: messages sent again (attempts > 1)
  std::uint64_t historical = 0;      ///< of published: marked historical (replay)
  std::uint64_t refused = 0;         ///< publishes refused (by the broker or the client), retried
  std::uint64_t stamp_failures = 0;  ///< firebus_envelope payloads that could not be stamped
  std::uint64_t transform_failures = 0;  ///< transformed entries the transform failed on
  std::uint64_t transformed = 0;         ///< transformed entries turned into messages
  std::uint64_t journal_errors = 0;      ///< journal reads or acknowledgements that failed
  std::uint64_t connections = 0;         ///< connections that came up
  std::uint64_t callback_errors = 0;     ///< exceptions thrown by on_connection or on_log
};

/// Sends a journal over an MQTT client. See the file's description.
class FIREBUS_API mqtt_uplink {
 public:
  /// Joins `j` and `c`; both must outlive the uplink (destroy it first). Start `c` after.
  /// `ec` is set when validate() refuses the options (the uplink then sends
  /// nothing).
  mqtt_uplink(asio::io_context& io, journal& j, mqtt::client& c, mqtt_uplink_options options,
              std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error when validate() refuses the options.
  mqtt_uplink(asio::io_context& io, journal& j, mqtt::client& c, mqtt_uplink_options options = {});
#endif
  /// Detaches from the client: no callback of the uplink is running once it returns (one running
  /// on another thread is waited for: see "Destruction" above), and none runs afterwards.
  /// Messages published and not acknowledged stay in the journal and are sent again by the next
  /// uplink.
  ~mqtt_uplink();
  mqtt_uplink(const mqtt_uplink&) = delete;
  mqtt_uplink& operator=(const mqtt_uplink&) = delete;

  /// Called on every connection change of the client. On `up` it runs after the journal was
  /// rewound and before anything of it is published: what it publishes on the client itself
  /// (e.g. births) goes out first. Set it before the client starts.
  void on_connection(mqtt::client::connection_handler h);
  /// Called for the publishes the application makes on the client itself (not the uplink's:
  /// those are the uplink's business). Set it before the client starts.
  void on_published(mqtt::client::published_handler h);

  /// Appends `m` to the journal (on disk when this returns, with durability::full) and wakes the
  /// uplink. Returns the message's journal id; 0 with `ec` set when the journal refused it
  /// (journal_errc::journal_full, storage_full, ...: the caller must report it loudly and keep
  /// the message) or when it can never be published (mqtt::errc::invalid_topic, qos other than
  /// 0 or 1, payload larger than the client's max_payload).
  std::uint64_t send(const message& m, std::error_code& ec);
  /// Appends several messages in one transaction (one sync), all or none.
  std::vector<std::uint64_t> send(const std::vector<message>& messages, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error on failure.
  std::uint64_t send(const message& m);
  std::vector<std::uint64_t> send(const std::vector<message>& messages);
#endif
  /// Wakes the uplink after messages were appended to the journal directly.
  void notify();

  mqtt_uplink_counters counters() const;
  /// Messages published and not yet acknowledged.
  std::size_t in_flight() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace uplink
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_MQTT_UPLINK_HPP
