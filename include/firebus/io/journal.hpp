// firebus — fire-safety IoT SDK.
/// @file
/// firebus::uplink::journal: the store-and-forward journal of the uplink (docs/journal.md).
///
/// Every outgoing message is appended to the journal before its first send attempt, and removed
/// only when the receiver acknowledged it (MQTT PUBACK at QoS 1, a GB/T 26875.3 confirm). The
/// journal is a SQLite database in WAL mode; with the default durability (durability::full) an
/// append that returned an id is on disk: it survives `kill -9` and power loss. This is the
/// storage half of the delivery promise (../shared/specs/delivery.md, points 1–6).
///
/// @par Lanes and order
/// Messages travel in lanes. lane::alarm (alarm and fault events, state changes) is always
/// handed out before lane::telemetry: next() drains the alarm lane first, so an alarm appended
/// during a telemetry backlog is the next message sent. Within a lane, messages come out in the
/// order they were appended (ascending id).
///
/// @par Identifiers
/// append() gives every message an id, unique in the journal for its whole life (ids are never
/// reused, not even after every message was acknowledged, the file compacted and reopened), and a
/// sequence number in its lane: 1, 2, 3, ... with no gap at append time, kept across restarts.
/// A receiver that keeps, per source and lane, the highest seq it has seen discards retransmitted
/// duplicates (seq ≤ highest) and sees loss as a gap: never in the alarm lane, only where the size
/// policy thinned or dropped telemetry.
///
/// @par Sending and acknowledging
/// next() hands out the oldest messages not yet handed out (alarms first) and remembers them as
/// in flight: the next call continues after them. ack() removes messages for good. rewind() —
/// call it on every (re)connection — forgets what is in flight, so that next() starts again at
/// the beginning of each lane: everything not acknowledged is sent again, in order. Messages
/// appended before the last rewind() (or before the journal was opened) come out with
/// `historical` set: they were produced while the link was down, and their replay must be marked
/// so (Sparkplug `is_historical`, the firebus Batch `historical` flag).
///
/// @par Size bound
/// The journal holds at most journal_options::max_bytes accounted bytes (topic + payload +
/// journal_message_overhead per message) and, if set, journal_options::max_messages messages.
/// When an append does not fit, room is made from telemetry only, in this order:
/// 1. thinning: from the oldest telemetry not thinned yet, in windows of journal_thin_window
///    messages, every second message is deleted (the 2nd, 4th, ...); a message is thinned at most
///    once, so telemetry loses at worst half of its time resolution before anything else goes;
/// 2. dropping: when all telemetry has been thinned once, the oldest telemetry is deleted.
/// Alarm-lane messages are never deleted to make room. When only alarms are left and the append
/// still does not fit, it is refused with journal_errc::journal_full (counted in
/// journal_counters::refused_alarms or refused_telemetry): nothing is dropped silently, and the
/// caller of a refused alarm must raise its own fault loudly and try again later. Every thinning
/// and drop is counted (journal_counters) and reported to journal_options::on_log.
///
/// @par Storage failures
/// A full disk, a read-only file or an I/O error fails the append with an error code
/// (journal_errc::storage_full, read_only, io_error; last_error() has SQLite's message); the
/// transaction is rolled back, so the journal is as it was before the call. The journal stays
/// open: next(), ack() and later appends work again once the cause is gone. An append with
/// alarms that finds the storage full (the disk, or journal_options::max_file_bytes) is tried
/// again with telemetry thinned, then dropped, beyond the size bound, until it fits: it fails
/// with storage_full only when no telemetry is left.
///
/// @par Threads
/// A journal is internally synchronised: one thread may append while another calls next() and
/// ack(). Calls are serialised by a mutex (one SQLite connection); the log handler is called
/// after the mutex is released, on the thread whose call caused the message. close() may be
/// called from any thread (a waiting wait() returns; later calls fail with journal_errc::closed);
/// moving and open() must not race with other calls.
///
/// @par Example
/// @code
/// namespace ul = firebus::uplink;
/// ul::journal_options opt;
/// opt.path = "/var/lib/firebus/journal.db";
/// opt.max_bytes = 32 << 20;
/// ul::journal j(opt);                           // throws firebus::system_error on failure
/// ul::message m;
/// m.lane = ul::lane::alarm;
/// m.topic = "firebus/v1/gw1/events";
/// m.payload = firebus::byte_view(encoded);
/// std::uint64_t id = j.append(m);               // on disk when it returns
/// // uplink thread, on every connection:
/// j.rewind();
/// for (const ul::entry& e : j.next(64)) publish(e);  // alarms first
/// j.ack(id);                                    // on PUBACK
/// @endcode
#ifndef FIREBUS_IO_JOURNAL_HPP
#define FIREBUS_IO_JOURNAL_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/export.hpp>

namespace firebus {
inline namespace v1 {
namespace uplink {

/// What can go wrong with the journal: category "firebus.journal".
enum class journal_errc : int {
  journal_full = 1,   ///< no room even with all telemetry gone: the message was refused
  message_too_large,  ///< one message, or a whole batch, larger than the journal's size bound
  storage_full,       ///< the disk or journal_options::max_file_bytes is full (SQLITE_FULL)
  read_only,          ///< the journal cannot be written (read-only file, file system, or option)
  io_error,           ///< the operating system failed a read or a write (SQLITE_IOERR)
  cannot_open,        ///< the file cannot be opened or created (missing directory, permissions)
  corrupt,            ///< the file is damaged or is not a SQLite database at all
  not_a_journal,      ///< a SQLite database that is not a firebus journal, or of a newer version
  locked,             ///< another connection (another process) holds the journal
  closed,             ///< the journal is not open
  storage_error,      ///< any other SQLite failure (last_error() says which)
};

namespace detail {
class journal_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "firebus.journal"; }
  std::string message(int value) const override {
    switch (static_cast<journal_errc>(value)) {
      case journal_errc::journal_full:
        return "journal full: no telemetry left to drop, message refused";
      case journal_errc::message_too_large:
        return "message larger than the journal's size bound";
      case journal_errc::storage_full:
        return "journal storage full (disk or file size limit)";
      case journal_errc::read_only:
        return "journal is read-only";
      case journal_errc::io_error:
        return "journal I/O error";
      case journal_errc::cannot_open:
        return "journal file cannot be opened or created";
      case journal_errc::corrupt:
        return "journal file is corrupt or not a database";
      case journal_errc::not_a_journal:
        return "database is not a firebus journal (or of a newer version)";
      case journal_errc::locked:
        return "journal is locked by another connection";
      case journal_errc::closed:
        return "journal is not open";
      case journal_errc::storage_error:
        return "journal storage error";
    }
    return "unknown firebus.journal error " + std::to_string(value);
  }
};
}  // namespace detail

/// The category of journal_errc. One instance per process, even across shared objects.
FIREBUS_CORE_VISIBLE inline const std::error_category& journal_category() noexcept {
  static const detail::journal_category_impl instance;
  return instance;
}

/// Makes `std::error_code ec = firebus::uplink::journal_errc::...` work.
inline std::error_code make_error_code(journal_errc e) noexcept {
  return {static_cast<int>(e), journal_category()};
}

/// A lane: a FIFO queue of the journal. Lower lanes are always sent first.
enum class lane : std::uint8_t {
  alarm = 0,      ///< alarm and fault events, state changes: never dropped, sent first
  telemetry = 1,  ///< samples and statuses: thinned, then dropped oldest first, when full
};
/// The number of lanes.
inline constexpr std::size_t lane_count = 2;

/// When an append is on disk.
enum class durability : std::uint8_t {
  /// On disk when append() returns (the WAL is synced at every commit): survives kill -9 and
  /// power loss.
  full = 0,
  /// In the operating system when append() returns (no sync per commit; synced at checkpoints):
  /// survives kill -9, but a power loss or kernel crash may lose the last appends. The journal
  /// stays consistent either way. Several times faster on slow flash.
  normal = 1,
};

/// Severity of a journal log message.
enum class log_level : std::uint8_t { info = 0, warning = 1, error = 2 };

/// Receives the journal's log messages (size policy, storage failures, recovery at open). Called
/// without the journal's lock held, on the thread of the call that caused the message; it must
/// not throw (an exception is caught and counted in journal_counters::log_errors).
using journal_log_handler = std::function<void(log_level, const std::string&)>;

/// Bytes counted per message on top of its topic and payload (row, index and id storage): the
/// size bound is of topic + payload + this, per message.
inline constexpr std::uint64_t journal_message_overhead = 64;
/// Telemetry is thinned in windows of this many messages (the oldest not yet thinned).
inline constexpr std::size_t journal_thin_window = 64;

/// How to open a journal.
struct journal_options {
  /// The database file (created if missing, with mode 0600; its directory must exist). SQLite
  /// keeps `<path>-wal` next to it while the journal is open.
  std::string path;
  /// The bound on accounted bytes (topic + payload + journal_message_overhead per message), > 0.
  /// The file itself is larger by SQLite's page slack (up to about 2×) plus the WAL
  /// (journal_options::wal_limit_bytes).
  std::uint64_t max_bytes = std::uint64_t{64} << 20;
  /// The bound on the number of messages; 0: none.
  std::uint64_t max_messages = 0;
  /// A hard cap on the database file (SQLite's max_page_count), 0: none. An append that would
  /// grow the file beyond it fails with journal_errc::storage_full, exactly as on a full disk
  /// (one with alarms first makes room from telemetry, as for max_bytes). For a partition shared
  /// with other data; the size policy works on max_bytes.
  std::uint64_t max_file_bytes = 0;
  /// The WAL is truncated to this size after checkpoints (SQLite's journal_size_limit).
  std::uint64_t wal_limit_bytes = std::uint64_t{4} << 20;
  /// When an append is durable (durability::full: on disk when it returns).
  uplink::durability durability = uplink::durability::full;
  /// How long an operation waits for another connection's lock before journal_errc::locked.
  duration busy_timeout = std::chrono::seconds(2);
  /// Hold the file lock from open() to close(): no other process can use the journal meanwhile
  /// (two uplinks sending from one journal would duplicate everything). Also spares SQLite its
  /// shared-memory file. Not for a read_only journal (SQLite cannot read a WAL database in
  /// exclusive mode without writing): a reader shares the file, and is refused as locked while
  /// an exclusive writer has it open.
  bool exclusive = true;
  /// Open for reading only (inspection): append(), ack() and compact() fail with
  /// journal_errc::read_only, next() and read() work.
  bool read_only = false;
  /// Check the file's structure at open (SQLite's quick_check; reads the whole file): a damaged
  /// journal is refused with journal_errc::corrupt instead of failing later.
  bool verify = true;
  /// What open() does with a file it finds damaged (journal_errc::corrupt: garbage, torn or
  /// overwritten pages — a power loss on failing storage). false: refuse it. true: rename it
  /// (and its -wal, if SQLite left one) to `<path>.damaged-<UTC time>`, kept for salvage, and start
  /// a new, empty journal at `path` — a device keeps sending, new alarms included, instead of
  /// refusing to start; what the old file held is not sent. journal::moved_aside() says where it
  /// went; journal::damaged_files() finds such files later (e.g. to report a fault until someone
  /// has salvaged and removed them). Not for read_only; another application's database
  /// (not_a_journal) is never moved.
  bool move_aside_damaged = false;
  /// The name of a registered SQLite VFS to store the file through; empty: SQLite's default.
  /// (The power-loss test uses one that forgets unsynced writes.)
  std::string vfs;
  /// Where log messages go (none: dropped, only counted).
  journal_log_handler on_log;
};

/// A message to append. It holds views: the topic and payload are copied into the journal by
/// append(), so they only need to live during the call.
struct message {
  uplink::lane lane = uplink::lane::telemetry;
  std::string_view topic;  ///< where to publish it (MQTT topic), may be empty
  byte_view payload;       ///< the encoded message
  std::uint8_t qos = 1;    ///< MQTT QoS to publish with (0..2), stored for the sender
  bool retain = false;     ///< MQTT retain flag, stored for the sender
  /// The payload's encoding, for the sender (e.g. to mark a replay historical): the journal
  /// stores it and does not interpret it.
  std::uint8_t format = 0;
  /// When it was produced; default: the time of the append (system clock).
  std::optional<utc_time> produced;
};

/// A message read from the journal.
struct entry {
  std::uint64_t id = 0;  ///< unique in the journal, never reused; ack() takes it
  uplink::lane lane = uplink::lane::telemetry;
  std::uint64_t seq = 0;  ///< 1, 2, 3, ... in its lane, kept across restarts
  utc_time produced{};
  std::string topic;
  std::vector<std::uint8_t> payload;
  std::uint8_t qos = 1;
  bool retain = false;
  std::uint8_t format = 0;
  /// How many times next() handed it out since the journal was opened, this time included (0 from
  /// read()). Not stored: a message handed out before a restart starts again at 1.
  std::uint32_t attempts = 0;
  /// Appended before the last rewind(), or before the journal was opened: replayed data, to be
  /// marked historical when sent.
  bool historical = false;
};

/// One lane's content.
struct journal_lane_stats {
  std::uint64_t messages = 0;   ///< stored (in flight included)
  std::uint64_t bytes = 0;      ///< accounted bytes stored
  std::uint64_t in_flight = 0;  ///< handed out by next() since the last rewind(), not acknowledged
  std::uint64_t next_seq = 1;   ///< the seq the lane's next message will get
};

/// What the journal did since it was opened.
struct journal_counters {
  std::uint64_t appended = 0;           ///< messages appended
  std::uint64_t acked = 0;              ///< messages removed by ack()
  std::uint64_t handed_out = 0;         ///< entries returned by next() (resends included)
  std::uint64_t thinned = 0;            ///< telemetry deleted by thinning
  std::uint64_t dropped = 0;            ///< telemetry deleted oldest first
  std::uint64_t refused_alarms = 0;     ///< alarm messages refused: journal_full
  std::uint64_t refused_telemetry = 0;  ///< telemetry messages refused: journal_full
  std::uint64_t storage_errors = 0;     ///< operations failed by the storage (disk full, I/O, ...)
  std::uint64_t log_errors = 0;         ///< exceptions thrown by the log handler
};

/// The store-and-forward journal. See the file's description.
class FIREBUS_API journal {
 public:
  /// A closed journal (every operation fails with journal_errc::closed until open()).
  journal() noexcept;
  /// Opens; `ec` says why it could not (the journal is then closed; last_error() has details).
  journal(const journal_options& options, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  /// Opens; throws firebus::system_error (what(): the path and SQLite's message) on failure.
  explicit journal(const journal_options& options);
#endif
  /// Closes (see close()).
  ~journal();
  journal(journal&& other) noexcept;
  journal& operator=(journal&& other) noexcept;
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// Opens the journal at options.path, creating it if missing; an open journal is closed first.
  /// Resumes an existing one: every message not acknowledged is there, in order, and new ids
  /// and seqs continue above the highest ever given. Fails with cannot_open, corrupt,
  /// not_a_journal, locked, read_only, io_error, or firebus::errc::invalid_argument for an
  /// invalid option.
  void open(const journal_options& options, std::error_code& ec);
  /// Checkpoints the WAL into the database and closes. Nothing is lost by not calling it.
  void close() noexcept;
  bool is_open() const noexcept;

  /// Appends one message; returns its id (0 on failure, with `ec` set). With durability::full the
  /// message is on disk when this returns.
  std::uint64_t append(const message& m, std::error_code& ec);
  /// Appends `count` messages in one transaction (group commit: one sync for all), all or none;
  /// returns their ids in order (empty on failure).
  std::vector<std::uint64_t> append(const message* messages, std::size_t count,
                                    std::error_code& ec);
  std::vector<std::uint64_t> append(const std::vector<message>& messages, std::error_code& ec) {
    return append(messages.data(), messages.size(), ec);
  }
#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error on failure.
  std::uint64_t append(const message& m);
  std::vector<std::uint64_t> append(const std::vector<message>& messages);
#endif

  /// The oldest messages not in flight, alarm lane first, then telemetry, each in order: at most
  /// `max_count` of them and, beyond the first, at most `max_bytes` of payload and topic in all.
  /// They are in flight from now on (not handed out again until rewind()). Empty when there is
  /// nothing to send.
  std::vector<entry> next(std::size_t max_count, std::size_t max_bytes, std::error_code& ec);
#if FIREBUS_HAS_EXCEPTIONS
  std::vector<entry> next(std::size_t max_count = 64,
                          std::size_t max_bytes = std::numeric_limits<std::size_t>::max());
#endif
  /// Forgets what is in flight: next() starts again at the oldest message of each lane. Messages
  /// appended until now are historical from now on. Call it on every (re)connection.
  void rewind() noexcept;
  /// Removes acknowledged messages; returns how many existed (an unknown id, e.g. already
  /// acknowledged or thinned, is not an error). Many ids: one transaction. An acknowledgement
  /// is not synced to disk on its own (a power loss may forget the last ones: their messages
  /// are sent again, and receivers drop them as duplicates); the next append syncs it.
  std::size_t ack(std::uint64_t id, std::error_code& ec);
  std::size_t ack(const std::uint64_t* ids, std::size_t count, std::error_code& ec);
  std::size_t ack(const std::vector<std::uint64_t>& ids, std::error_code& ec) {
    return ack(ids.data(), ids.size(), ec);
  }
#if FIREBUS_HAS_EXCEPTIONS
  std::size_t ack(std::uint64_t id);
  std::size_t ack(const std::vector<std::uint64_t>& ids);
#endif

  /// Waits until next() has something to hand out, the journal is closed, or `timeout` passed;
  /// returns whether next() has something. duration::max() waits without a practical bound.
  bool wait(duration timeout);

  /// Reads without handing out (inspection, tests): up to `max_count` messages of `l` with an id
  /// above `after_id`, in order. Does not change what is in flight; `attempts` is 0.
  std::vector<entry> read(uplink::lane l, std::uint64_t after_id, std::size_t max_count,
                          std::error_code& ec) const;

  /// Gives free space back to the file system (VACUUM, then the WAL truncated): after a long
  /// backlog was drained. Rewrites the whole file; ids and seqs are kept.
  void compact(std::error_code& ec);

  /// @name Snapshots (0 / defaults when closed)
  /// @{
  journal_lane_stats stats(uplink::lane l) const;
  journal_counters counters() const;
  /// The highest id ever given (0: none yet).
  std::uint64_t last_id() const;
  /// The message of the last failure (SQLite's, with the operation), or empty.
  std::string last_error() const;
  /// The database file's path ("" when closed).
  std::string path() const;
  /// Where the last open() moved a damaged file (journal_options::move_aside_damaged), or "".
  std::string moved_aside() const;
  /// @}

  /// The files moved aside from the journal at `path` (journal_options::move_aside_damaged)
  /// still next to it, oldest first: `<path>.damaged-<UTC time>` (their -wal files not listed).
  static std::vector<std::string> damaged_files(const std::string& path);

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace uplink
}  // namespace v1
}  // namespace firebus

namespace std {
template <>
struct is_error_code_enum<firebus::uplink::journal_errc> : true_type {};
}  // namespace std

#endif  // FIREBUS_IO_JOURNAL_HPP
