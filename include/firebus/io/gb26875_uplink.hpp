// firebus — fire-safety IoT SDK.
/// @file
/// firebus::uplink::gb26875_uplink: sends the store-and-forward journal to a monitoring centre
/// over GB/T 26875.3 (docs/gb26875-uplink.md).
///
/// The uplink joins a journal (firebus::uplink::journal) and a UITD client
/// (firebus::gb26875::client). A producer hands it ADUs with send(): each one is encoded,
/// classified (gb26875::classify()) and on disk in the journal when send() returns — fire and
/// other alarms in lane::alarm, routine data in lane::telemetry, with the journal `format`
/// uplink::gb26875_format — and is removed from the journal only when the centre confirmed it
/// (command 3). In between the uplink hands the journal's content to the client, alarm lane
/// first, each lane in order, with the priority classify() gives it, so that inside the client a
/// fire alarm overtakes everything else queued (GB 26875.1; uitd_session rule 1).
///
/// @par Windows: why an alarm is never stuck behind telemetry
/// At most gb26875_uplink_options::window telemetry-lane messages are submitted to the client
/// and not yet reported, and, separately, at most gb26875_uplink_options::alarm_window
/// alarm-lane messages. Telemetry never takes an alarm's place: an alarm appended while the
/// telemetry window is full is submitted at once, and the client's engine sends it right after
/// the data frame in flight (stop-and-wait: one frame is in flight, and it is not recalled).
/// Telemetry is submitted only when no alarm waits in the journal. Keep window + alarm_window
/// at most the client's uitd_session_config::max_queue (default 8 + 64 ≤ 1024).
///
/// @par Connections and resends
/// On every connection the uplink rewinds the journal and everything not acknowledged is sent
/// again: what the client still holds (uitd_session rule 6: queued messages, and the one in
/// flight with its serial number, survive a lost connection and go out on the next) is sent by
/// the client, the rest — messages the client reported failed — is submitted again by the
/// uplink. A message the client reports failed with errc::no_answer, errc::not_connected or
/// errc::queue_full stays in the journal and is submitted again after the next connection or
/// after gb26875_uplink_options::retry_delay, whichever comes first; messages behind it in the
/// client are not held back meanwhile, so such a resend arrives after them. Nothing is lost.
///
/// @par Denied messages
/// The client's engine retransmits a denied frame (a deny also answers a damaged frame, §6.5.3)
/// and reports errc::denied only when its last retry was denied too. By default
/// (gb26875_uplink_options::keep_denied) the uplink then keeps the message: it counts it
/// (gb26875_uplink_counters::denied), reports it, with its content, to on_denied() and to
/// gb26875_uplink_options::on_log, and sends it again after retry_delay — a centre that denies
/// when its own store fails, or a line that damages frames, must not make a fire alarm vanish.
/// With keep_denied false the message is removed instead (counted and reported the same way,
/// never silently), for centres that deny content they will never accept. A journal entry that
/// is not a sendable ADU (another format byte, bytes that do not decode: appended to the journal
/// directly by mistake) could never be sent: it is removed and reported, with the decoder's
/// error (gb26875_uplink_counters::unsendable).
///
/// @par Duplicates
/// GB/T 26875.3 has no per-message sequence number, and the business serial number identifies
/// a retransmission only within one connection. The uplink delivers at least once: a message
/// whose confirm was lost (link loss, or a crash between send and confirm) is sent again, and
/// the centre sees it twice. A centre drops such duplicates by (UITD address, identical ADU
/// bytes): the ADU's objects carry the event's own time tag, which a resend keeps.
///
/// @par Threads
/// The uplink works on the io_context of the client: every callback it installs on the client
/// runs there, and so do its own callbacks (on_delivered, on_denied, on_connected,
/// on_client_delivered, on_client_failed, options' on_log). send(), notify(), counters(),
/// in_flight(), oldest_unsent() and the destructor may be called from any thread. It takes over
/// the client's on_delivered, on_failed and on_connected callbacks (set the uplink's
/// on_client_delivered, on_client_failed and on_connected instead; on_disconnected, on_event,
/// on_error and the data provider stay the client's). Make the uplink before the client starts.
///
/// @par Destruction
/// The destructor waits until a callback of the uplink running on another thread has returned
/// (a callback that destroys the uplink does not wait for itself); once it returns no callback
/// of the uplink runs and none will, whether the client or the uplink's own timers called it.
/// Hence a callback must not wait for the thread that destroys the uplink (a lock that thread
/// holds, a join, Python's GIL): that would deadlock (debug builds print a warning to stderr
/// after 10 s of waiting). The callbacks of one uplink never run at the same time.
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// asio::io_context io;
/// firebus::uplink::journal j(journal_options);
/// gb::client c(io, client_config);
/// firebus::uplink::gb26875_uplink up(io, j, c);
/// up.on_denied([](const firebus::uplink::entry& e, std::error_code ec) { raise_fault(e, ec); });
/// c.start();
/// std::thread t([&] { io.run(); });
/// std::uint64_t id = up.send(fire_alarm_adu);  // on disk when it returns; sent first
/// @endcode
#ifndef FIREBUS_IO_GB26875_UPLINK_HPP
#define FIREBUS_IO_GB26875_UPLINK_HPP

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
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/uitd_session.hpp>
#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/journal.hpp>

namespace asio {
class io_context;
}

namespace firebus {
inline namespace v1 {
namespace uplink {

/// The journal `format` byte (uplink::message::format) of a GB/T 26875.3 application data unit,
/// as gb26875::encode_adu() writes it (type, count, objects; at most 1024 bytes). 26 for
/// "GB/T 26875"; distinct from every uplink::payload_format.
inline constexpr std::uint8_t gb26875_format = 26;

/// The journal lane of a GB/T 26875.3 priority: fire and alarm → lane::alarm, routine →
/// lane::telemetry.
constexpr lane lane_of(gb26875::message_priority p) noexcept {
  return p == gb26875::message_priority::routine ? lane::telemetry : lane::alarm;
}

/// How the uplink sends.
struct gb26875_uplink_options {
  /// Telemetry-lane messages submitted to the client and not yet reported, 1..1000.
  std::size_t window = 8;
  /// Alarm-lane messages submitted to the client and not yet reported, 1..1000 (independent of
  /// `window`: an alarm never waits for telemetry).
  std::size_t alarm_window = 64;
  /// How often the journal is looked at for messages appended to it directly (not through
  /// send() or notify()), > 0.
  duration poll_interval = std::chrono::seconds(1);
  /// The delay before a message the client reported failed (no answer, queue full) or a failed
  /// journal read is tried again, > 0.
  duration retry_delay = std::chrono::seconds(5);
  /// What a message denied after all its retries (uitd_session rule 5) does. true (the
  /// default): it is reported and kept, and sent again after retry_delay — for a centre that
  /// denies when its own store failed (gb26875::server::reject() under
  /// confirm_policy::after_accept) or a line that damages frames, where removing it would lose
  /// it. false: the centre refused the content; the message is removed and reported.
  bool keep_denied = true;
  /// Where the uplink's log messages go (denied and unsendable messages, failures, journal
  /// errors); none: only counted. Runs on the io_context; must not throw (an exception is
  /// counted).
  std::function<void(log_level, const std::string&)> on_log;
};

/// Checks options: firebus::errc::invalid_argument when one is out of range; `why` names it.
FIREBUS_API std::error_code validate(const gb26875_uplink_options& o, std::string* why = nullptr);

/// What the uplink did since it was made.
struct gb26875_uplink_counters {
  std::uint64_t sent = 0;        ///< submissions to the client (resends included)
  std::uint64_t delivered = 0;   ///< messages confirmed by the centre and removed
  std::uint64_t denied = 0;      ///< messages denied by the centre: removed, reported
  std::uint64_t unsendable = 0;  ///< journal entries that are no sendable ADU: removed, reported
  std::uint64_t resent = 0;  ///< of sent: submissions of messages handed out before (attempts > 1)
  /// Failures reported by the client that keep the message (no answer, not connected, queue
  /// full): it is sent again.
  std::uint64_t failed = 0;
  std::uint64_t journal_errors = 0;   ///< journal reads or acknowledgements that failed
  std::uint64_t connections = 0;      ///< connections that came up
  std::uint64_t callback_errors = 0;  ///< exceptions thrown by the uplink's callbacks or on_log
};

/// A message confirmed by the centre (gb26875_uplink::on_delivered()).
struct gb26875_delivery {
  std::uint64_t id = 0;  ///< its journal id (what send() returned)
  uplink::lane lane = uplink::lane::telemetry;
  std::uint64_t seq = 0;  ///< its sequence number in its lane
  gb26875::message_priority priority = gb26875::message_priority::routine;
  utc_time produced{};  ///< when it was appended (system clock)
  /// From produced to the confirm (system clock): the delivery latency, outages included.
  duration latency{};
  int attempts = 0;               ///< transmissions of its last submission (client's count)
  std::uint32_t submissions = 0;  ///< times the uplink handed it out since the journal opened
};

/// Sends a journal to a GB/T 26875.3 monitoring centre. See the file's description.
class FIREBUS_API gb26875_uplink {
 public:
  /// Called when the centre confirmed one of the uplink's messages (after it was removed from
  /// the journal).
  using delivered_handler = std::function<void(const gb26875_delivery&)>;
  /// Called when a message was removed without being delivered: errc::denied (the centre
  /// refused it), or the decoder's error for a journal entry that is no sendable ADU. With
  /// gb26875_uplink_options::keep_denied, called for every deny of a message that is kept.
  using denied_handler = std::function<void(const entry&, std::error_code)>;

  /// Joins `j` and `c`; both must outlive the uplink (destroy it first). Start `c` after.
  /// `ec` is set when validate() refuses the options (the uplink then sends nothing).
  gb26875_uplink(asio::io_context& io, journal& j, gb26875::client& c,
                 gb26875_uplink_options options, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error when validate() refuses the options.
  gb26875_uplink(asio::io_context& io, journal& j, gb26875::client& c,
                 gb26875_uplink_options options = {});
#endif
  /// Detaches from the client: no callback of the uplink is running once it returns (one running
  /// on another thread is waited for: see "Destruction" above), and none runs afterwards.
  /// Messages submitted and not confirmed stay in the journal and are sent again by the next
  /// uplink; the client may still send what it holds (a duplicate, not a loss).
  ~gb26875_uplink();
  gb26875_uplink(const gb26875_uplink&) = delete;
  gb26875_uplink& operator=(const gb26875_uplink&) = delete;

  /// @name Callbacks: set them before the client starts; they run on the io_context.
  /// @{
  void on_delivered(delivered_handler h);  ///< see delivered_handler
  void on_denied(denied_handler h);        ///< see denied_handler
  /// Called on every connection, after the journal was rewound and before the uplink submits
  /// anything again.
  void on_connected(gb26875::client::connected_handler h);
  /// Called for the messages the application submits on the client itself (not the uplink's).
  void on_client_delivered(gb26875::client::delivered_handler h);
  /// Called for the messages the application submits on the client itself (not the uplink's).
  void on_client_failed(gb26875::client::failed_handler h);
  /// @}

  /// Encodes `a` (gb26875::encode_adu(), the standard's limits: 1024 bytes, object counts),
  /// classifies it, appends it to its lane of the journal (on disk when this returns, with
  /// durability::full) and wakes the uplink. Returns the message's journal id; 0 with `ec` set
  /// when it cannot be encoded (the encoder's error: errc::adu_too_long, too_many_objects, ...)
  /// or the journal refused it (journal_errc::journal_full, storage_full, read_only, ...: the
  /// caller must report it loudly — raise its own fault — and keep the message).
  std::uint64_t send(const gb26875::adu& a, std::error_code& ec);
  /// Appends several ADUs in one transaction (one sync), all or none.
  std::vector<std::uint64_t> send(const std::vector<gb26875::adu>& adus, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error on failure.
  std::uint64_t send(const gb26875::adu& a);
  std::vector<std::uint64_t> send(const std::vector<gb26875::adu>& adus);
#endif
  /// Wakes the uplink after messages were appended to the journal directly.
  void notify();

  gb26875_uplink_counters counters() const;
  /// Messages submitted to the client and not yet reported.
  std::size_t in_flight() const;
  /// When the oldest message of lane `l` not yet confirmed (sent or not) was produced; empty
  /// when the lane is empty, or with `ec` set when the journal cannot be read. For the age of
  /// the oldest unsent alarm: now − oldest_unsent(lane::alarm).
  std::optional<utc_time> oldest_unsent(lane l, std::error_code& ec) const;
  /// As above; a journal failure gives an empty result (and is counted in journal_errors).
  std::optional<utc_time> oldest_unsent(lane l) const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace uplink
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_IO_GB26875_UPLINK_HPP
