// firebus — fire-safety IoT SDK.
/// @file
/// firebus::gb26875::uitd_session: the protocol engine of the UITD side (用户信息传输装置, the
/// device that reports to a monitoring centre) of GB/T 26875.3-2011, without I/O.
///
/// The engine owns no socket, thread or clock. Time comes only from the `mono_time now`
/// arguments, so a scenario replays identically. A transport (e.g. over Asio) wraps it: it
/// reports link events (connected(), disconnected()), feeds every frame the
/// gb26875::deframer cuts (receive()), calls advance() when next_deadline() is reached, and
/// writes out the frames it takes from poll(), in order. The transport does the connecting; the
/// engine says how long to wait before the next attempt (next_reconnect_delay()).
///
/// @par Sending data (§6.5, GB 26875.1)
/// 1. **Queue.** submit() copies an ADU (at most 1024 bytes, §6.6, else errc::adu_too_long) into
///    one of three FIFO queues by message_priority: fire, then other alarms and faults, then
///    routine data (classify() gives the usual choice). Whenever a message is to be sent, the
///    head of the most urgent non-empty queue goes next; so a fire alarm submitted behind any
///    number of routine messages is the next data frame after the one in flight — which gives
///    way to it if its answer takes longer than fire_answer_timeout (rule 4). submit() queues
///    while disconnected too.
/// 2. **Bounded queue.** At most uitd_session_config::max_queue messages are held, the one in
///    flight included. A submission into a full engine evicts the *newest* queued message of
///    the least urgent priority strictly below its own (routine first, then alarm for a fire
///    message), which is reported failed with errc::queue_full; if there is none, the
///    submission itself fails with errc::queue_full. Nothing is dropped silently, a fire
///    message is never evicted, and an alarm never makes room for anything but a fire alarm.
///    The newest is evicted because the older ones have waited longer and keep their order.
/// 3. **Stop-and-wait.** At most one data frame (command 2, send data) is in flight. Each new
///    transaction takes the next 16-bit business serial number (§6.6: the side that starts a
///    transaction picks it), starting at uitd_session_config::first_serial and wrapping at
///    65535. A retransmission, including the resend after a reconnect or after giving way to a
///    fire message (rule 4), keeps the serial number of its transaction, so that the centre can
///    recognise a duplicate.
/// 4. **Timeout and retries (§6.5.4–6.5.5).** With no answer within answer_timeout (10 s) of a
///    transmission, the frame is sent again, at most `retries` (3) times; with no answer to the
///    last one, the message fails with errc::no_answer and the next one is sent. With the
///    defaults: sent at 0 s, again at 10, 20 and 30 s, failed at 40 s. Each transmission carries
///    the time tag of the moment it is sent (§6.6: the time the frame is sent).
///    **Fire messages** must reach the centre within 10 s, retransmissions included
///    (GB 26875.1), so they wait for answers at most fire_answer_timeout (3 s; the lesser of it
///    and answer_timeout): for their own confirm — sent at 0 s, again at 3, 6 and 9 s, failed at
///    12 s — and for the confirm of a less urgent message in flight when they are queued. When
///    a less urgent message has waited that long for its answer and a fire message is queued,
///    it gives way: it goes back to the head of its queue (keeping its serial number; counted in
///    uitd_counters::preempted), the fire message is sent, and it is sent again later with its
///    full `retries`. Its late confirm, if one comes while it waits, delivers it.
/// 5. **Answers.** A confirm (command 3) with the serial number in flight delivers the message
///    (uitd_delivered, with the number of transmissions and the latency since submit()). A deny
///    (command 6) with that serial number is a refused transmission: §6.5.3 lists checksum
///    errors, bad start or end bytes, a length over the limit and unknown commands, which a
///    damaged frame causes as well as bad content. The frame is sent again at once, counted as
///    a retry; when the last retry is denied too, the message fails with errc::denied (so a
///    centre that refuses the content costs `retries` + 1 transmissions, and a fire alarm is
///    never dropped for one damaged frame). An answer with any other serial number, and any
///    response (command 5: the UITD never requests), is ignored and counted
///    (uitd_event_kind::unexpected_answer).
/// 6. **Link loss.** On disconnected() the message in flight goes back to the head of its queue
///    and is sent again, with the same serial number, as soon as the link is up again. That
///    transmission counts in the message's attempts but not as a retry: each connection gives
///    a message its full `retries`, so a flapping link cannot exhaust a fire alarm's retries.
///    The bound is uitd_session_config::max_age (default none): a message not delivered that
///    long after submit() fails, with errc::not_connected if the link is down at that moment,
///    else with errc::no_answer (a message in flight finishes its current wait first). Frames
///    still waiting in the output queue are discarded on disconnected(): they were meant for
///    the lost connection.
/// 7. **Heartbeat.** When uitd_session_config::heartbeat is not zero and nothing has been sent
///    for that long while the link is up and no message waits, the engine sends a send-data
///    frame with an empty ADU, confirmed and retransmitted like data (the standard defines no
///    heartbeat; this is common practice). None starts while max_outputs outputs wait for
///    poll(): frames the transport has not taken yet keep nothing alive, and heartbeats queued
///    behind them would grow the queue without bound (see "Outputs and memory"); once poll()
///    has made room, next_deadline() gives the heartbeat's time again. It is not reported as a
///    message; with no answer to its last retransmission, uitd_event_kind::heartbeat_failed tells
///    the transport that the link is probably dead. A message submitted while a heartbeat is in
///    flight does not wait for it: the heartbeat is abandoned (its late confirm is ignored
///    silently) and the message is sent at once.
///
/// @par Answering the centre (§6.5, §8.3)
/// Every answer echoes the serial number of the frame it answers, swaps source and destination
/// (gb26875::reply_header) and is put in the output queue at once, ahead of any data still to
/// be sent: answers never wait for the confirm of the data in flight.
/// - Request (command 4) with a read ADU (types 61–68, 81, 84–86, 88): the data provider
///   (set_data_provider()) fills the response ADU, sent as a response (command 5). With no
///   provider, a provider that returns false or throws, or a response ADU that cannot be
///   encoded within the standard's limits, the answer is deny (command 6).
/// - Control (command 1) with one object of type 89 (initialise), 90 (synchronise clock) or
///   91 (duty check, 查岗): confirm (command 3) at once and an event for the caller
///   (uitd_event_kind::init_request, `clock_sync`, `duty_check`). The engine itself does not
///   initialise anything. A clock sync with an invalid time tag is denied; a valid one also
///   re-bases the engine's wall clock (set_wall_clock()) unless
///   uitd_session_config::adopt_clock_sync is false. A duty check expects an operator's
///   answer within its minutes: answer_duty_check() submits it (type 24, flag bit 5).
/// - Send data (command 2) with an empty ADU (a centre's heartbeat): confirm. With data: deny,
///   since the standard sends no data to the UITD.
/// - Reserved commands (0, 7–127), user-defined commands (128–255), ADUs that do not decode,
///   and ADU types that do not belong to the command: deny (§6.5.3), and an event
///   uitd_event_kind::request_denied with the reason. A frame whose checksum is wrong, whose end
///   bytes are not `##` or whose ADU length is over 1024 (§6.5.3; given to the byte overload of
///   receive(), at least its 27 header bytes; for the last two, with protocol version 1, so
///   that a `@@` that is no frame start is not answered) is denied too, unless it reads as an
///   answer (an answer is never answered; the retransmission repairs it).
/// - Frames received while disconnected are ignored (counted).
///
/// @par Outputs and memory
/// poll() hands out, in order, uitd_send (a complete frame to write), uitd_delivered,
/// uitd_failed and uitd_event. Answers to the centre and events are limited to
/// uitd_session_config::max_outputs waiting outputs: beyond that they are dropped and counted
/// (uitd_counters::outputs_dropped), since the centre can send requests faster than a stalled
/// transport drains. The engine's own data frames and the delivery reports are always queued
/// (there is at most one report per message, and the messages are bounded), and submit() fails
/// with errc::queue_full while max_outputs outputs wait, and no heartbeat starts then (rule 7),
/// so a caller that never polls cannot grow memory without bound either.
///
/// @par Time tags
/// The engine has no wall clock. set_wall_clock() maps a mono_time to a utc_time; the wall time
/// at `now` is that UTC time plus the elapsed monotonic time, written in time tags at
/// uitd_session_config::utc_offset (default +8 h). Until set, mono_time zero maps to
/// 2000-01-01T00:00:00 local time.
///
/// @par Reconnecting
/// next_reconnect_delay() gives the wait before the next connection attempt: backoff_initial ×
/// backoff_factor^k for the k-th call since the last connected(), capped at backoff_max, minus
/// a deterministic jitter of up to backoff_jitter_permille ‰ of it drawn from a generator seeded
/// with backoff_seed. A successful connected() starts the sequence again.
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// gb::uitd_session_config cfg;
/// cfg.address = 0x000012345678;
/// cfg.centre_address = 0x000000000001;
/// std::error_code ec;
/// gb::uitd_session s(cfg, ec);
/// s.set_wall_clock(now, utc_now);
/// s.connected(now);
/// std::uint64_t id = s.submit(fire_adu, gb::message_priority::fire, now, ec);
/// gb::uitd_output out;
/// while (s.poll(out)) {
///   if (auto* f = std::get_if<gb::uitd_send>(&out)) socket.write(f->frame);
///   if (auto* d = std::get_if<gb::uitd_delivered>(&out)) journal.remove(d->id);
/// }
/// // on a frame from the deframer: s.receive(frame, now); on the timer: s.advance(now)
/// @endcode
#ifndef FIREBUS_GB26875_UITD_SESSION_HPP
#define FIREBUS_GB26875_UITD_SESSION_HPP

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// How urgent an outgoing message is. Fire alarms go ahead of everything else, then other
/// alarms and faults, then analog values, operation records and other routine data
/// (GB 26875.1; gb26875-mapping "Priority"). (Named so as not to clash with firebus::priority.)
enum class message_priority : std::uint8_t {
  fire = 0,     ///< a fire alarm: sent before anything else queued
  alarm = 1,    ///< other alarms and faults (fault, supervisory, power faults), duty answers
  routine = 2,  ///< analog values, operation records, versions, configurations, ...
};

/// The number of message priorities.
inline constexpr std::size_t message_priority_count = 3;

/// English name of a priority ("fire", "alarm", "routine").
constexpr std::string_view to_string(message_priority p) noexcept {
  switch (p) {
    case message_priority::fire:
      return "fire";
    case message_priority::alarm:
      return "alarm";
    case message_priority::routine:
      return "routine";
  }
  return "unknown";
}

/// The usual priority of an upstream ADU:
/// - fire: a system status (type 1), component status (type 2) or UITD status (type 21) with
///   bit 1 (fire alarm) set, or an operation record (types 4, 24) with bit 2 (manual alarm);
/// - alarm: a status with a fault, supervisory or power/bus fault bit (type 1 bits 2, 4, 8–10;
///   type 2 bits 2, 4, 8; type 21 bits 2–6), or a UITD operation record answering a duty check
///   (type 24 bit 5);
/// - routine: everything else.
/// The most urgent object decides. Bit 0 plays no part, so the result does not depend on the
/// bit-0 convention of the device.
///
/// @par Example
/// @code
/// firebus::gb26875::message_priority p = firebus::gb26875::classify(adu);
/// session.submit(adu, p, now, ec);
/// @endcode
inline message_priority classify(const adu& a) noexcept {
  message_priority best = message_priority::routine;
  auto raise = [&best](message_priority p) {
    if (static_cast<int>(p) < static_cast<int>(best)) best = p;
  };
  for (const object& o : a.objects) {
    if (const auto* s = std::get_if<system_status>(&o)) {
      if ((s->status & 0x0002u) != 0) raise(message_priority::fire);
      if ((s->status & 0x0714u) != 0) raise(message_priority::alarm);  // bits 2, 4, 8, 9, 10
    } else if (const auto* c = std::get_if<component_status>(&o)) {
      if ((c->status & 0x0002u) != 0) raise(message_priority::fire);
      if ((c->status & 0x0114u) != 0) raise(message_priority::alarm);  // bits 2, 4, 8
    } else if (const auto* u = std::get_if<uitd_status>(&o)) {
      if ((u->status & 0x02u) != 0) raise(message_priority::fire);
      if ((u->status & 0x7Cu) != 0) raise(message_priority::alarm);  // bits 2..6
    } else if (const auto* op = std::get_if<system_operation>(&o)) {
      if ((op->flags & 0x04u) != 0) raise(message_priority::fire);
    } else if (const auto* uo = std::get_if<uitd_operation>(&o)) {
      if ((uo->flags & 0x04u) != 0) raise(message_priority::fire);
      if ((uo->flags & 0x20u) != 0) raise(message_priority::alarm);
    }
  }
  return best;
}

/// Settings of a uitd_session. validate() says whether they are usable.
struct uitd_session_config {
  std::uint64_t address = 0;         ///< this UITD's 6-byte address (source of its frames)
  std::uint64_t centre_address = 0;  ///< the centre's 6-byte address (destination)
  /// How long to wait for a confirm before retransmitting (§6.5.4: 10 s). > 0.
  duration answer_timeout = std::chrono::seconds(10);
  /// How long a fire message waits for an answer — its own confirm, or the confirm of a less
  /// urgent message in flight — before it is (re)transmitted (rule 4); the lesser of this and
  /// answer_timeout applies. 3 s leaves room for three retransmissions within GB 26875.1's 10 s
  /// from the detector to the centre. > 0.
  duration fire_answer_timeout = std::chrono::seconds(3);
  /// Retransmissions after the first transmission before a message fails (§6.5.5: 3). ≥ 0.
  int retries = 3;
  /// Send an empty send-data frame when nothing was sent for this long; zero: never. ≥ 0.
  duration heartbeat = std::chrono::seconds(30);
  /// The time zone of time tags (the standard does not say; ±24 h). Default China, +8 h.
  std::chrono::minutes utc_offset = std::chrono::hours(8);
  std::uint8_t version_minor = 0;  ///< protocol user version sent in every frame (major is 1)
  std::size_t max_queue = 1024;    ///< messages held, the one in flight included. ≥ 1
  std::size_t max_outputs = 1024;  ///< outputs waiting for poll() (see the header). ≥ 1
  /// Fail a message not delivered this long after submit(); zero: no limit. ≥ 0.
  duration max_age = duration::zero();
  std::uint16_t first_serial = 0;  ///< business serial number of the first transaction
  bool adopt_clock_sync = true;    ///< a clock sync (type 90) also sets the engine's wall clock
  /// Reconnect back-off: the first delay (> 0), the cap (≥ backoff_initial), the factor
  /// (≥ 1), the jitter in ‰ of the delay (0..1000) and the seed of the jitter.
  duration backoff_initial = std::chrono::seconds(1);
  duration backoff_max = std::chrono::seconds(60);   ///< see backoff_initial
  unsigned backoff_factor = 2;                       ///< see backoff_initial
  unsigned backoff_jitter_permille = 200;            ///< see backoff_initial
  std::uint64_t backoff_seed = 0x9E3779B97F4A7C15u;  ///< see backoff_initial
};

/// Checks a configuration: errc::out_of_range for an address ≥ 2^48, firebus::errc::
/// invalid_argument for any other value outside its documented range; a cleared code if usable.
inline std::error_code validate(const uitd_session_config& c) noexcept {
  if (c.address > max_address || c.centre_address > max_address) {
    return make_error_code(errc::out_of_range);
  }
  const bool ok = c.answer_timeout > duration::zero() && c.fire_answer_timeout > duration::zero() &&
                  c.retries >= 0 && c.heartbeat >= duration::zero() &&
                  c.utc_offset.count() >= -24 * 60 && c.utc_offset.count() <= 24 * 60 &&
                  c.max_queue >= 1 && c.max_outputs >= 1 && c.max_age >= duration::zero() &&
                  c.backoff_initial > duration::zero() && c.backoff_max >= c.backoff_initial &&
                  c.backoff_factor >= 1 && c.backoff_jitter_permille <= 1000;
  if (!ok) return firebus::make_error_code(firebus::errc::invalid_argument);
  return {};
}

/// Output: a complete frame to write to the centre, in order.
struct uitd_send {
  std::vector<std::uint8_t> frame;   ///< the encoded frame (30 + L bytes)
  command cmd = command::send_data;  ///< its command
  std::uint16_t serial = 0;          ///< its business serial number
  std::uint64_t id = 0;              ///< the message it carries; 0 for answers and heartbeats
};

/// Output: a message was confirmed by the centre.
struct uitd_delivered {
  std::uint64_t id = 0;  ///< as returned by submit()
  int attempts = 0;      ///< transmissions, retransmissions and resends included
  duration latency{};    ///< from submit() to the confirm
};

/// Output: a message will not be delivered.
struct uitd_failed {
  std::uint64_t id = 0;  ///< as returned by submit()
  /// errc::no_answer, errc::denied, errc::queue_full (evicted) or errc::not_connected (max_age
  /// passed while disconnected).
  std::error_code error;
  int attempts = 0;  ///< transmissions made
};

/// What a uitd_event reports.
enum class uitd_event_kind : std::uint8_t {
  init_request,       ///< control type 89: initialise the UITD (confirmed)
  clock_sync,         ///< control type 90: set the clock to `time` / `utc` (confirmed)
  duty_check,         ///< control type 91: answer within `timeout_minutes`, by `deadline`
  unexpected_answer,  ///< an answer (`cmd`, `serial`) matching nothing in flight; ignored
  heartbeat_failed,   ///< no answer to a heartbeat after its retries: the link is likely dead
  request_denied,     ///< a frame from the centre (`cmd`, `serial`) answered with deny; `error`
};

/// Output: something the caller should know or act upon. Fields not listed for a kind are zero.
struct uitd_event {
  uitd_event_kind kind = uitd_event_kind::init_request;
  mono_time at{};                    ///< when it was received or happened
  std::uint16_t serial = 0;          ///< serial number of the frame concerned
  command cmd = command::control;    ///< command of the frame concerned
  time_tag time;                     ///< clock_sync: the time tag received
  utc_time utc{};                    ///< clock_sync: that time as UTC (at the configured offset)
  std::uint8_t timeout_minutes = 0;  ///< duty_check: minutes allowed
  mono_time deadline{};              ///< duty_check: when the answer is due
  std::error_code error;  ///< request_denied: why; unexpected_answer: errc::unexpected_answer
};

/// Anything poll() hands out.
using uitd_output = std::variant<uitd_send, uitd_delivered, uitd_failed, uitd_event>;

/// What answer_duty_check() did.
struct uitd_duty_answer {
  std::uint64_t id = 0;  ///< the message submitted (0 if it could not be)
  bool pending = false;  ///< a duty check was waiting for an answer
  bool in_time = false;  ///< ... and this answer is within its deadline
};

/// Counters of a uitd_session, for metrics.
struct uitd_counters {
  std::uint64_t frames_sent = 0;    ///< every frame put in the output queue
  std::uint64_t data_sent = 0;      ///< first transmissions of messages
  std::uint64_t retransmitted = 0;  ///< retransmissions after a timeout or a deny (data, heartbeat)
  std::uint64_t resent = 0;         ///< transmissions after a reconnect or after giving way
  std::uint64_t preempted = 0;      ///< messages in flight that gave way to a fire message
  std::uint64_t delivered = 0;      ///< messages confirmed
  std::uint64_t failed = 0;         ///< messages failed, for any reason
  std::uint64_t denied = 0;         ///< ... of which denied by the centre
  std::uint64_t evicted = 0;        ///< ... of which evicted from a full queue
  std::uint64_t unexpected_answers = 0;    ///< answers matching nothing in flight
  std::uint64_t heartbeats_sent = 0;       ///< heartbeat transactions started
  std::uint64_t heartbeats_failed = 0;     ///< heartbeats with no answer
  std::uint64_t frames_received = 0;       ///< frames handled while connected
  std::uint64_t ignored_disconnected = 0;  ///< frames received while disconnected
  std::uint64_t requests_answered = 0;     ///< responses sent (command 5)
  std::uint64_t controls_confirmed = 0;    ///< control commands confirmed
  std::uint64_t denials_sent = 0;          ///< deny frames sent
  std::uint64_t outputs_dropped = 0;       ///< answers and events dropped (output queue full)
  std::array<std::size_t, message_priority_count> queued{};  ///< waiting, by priority
  duration oldest_fire_age{};  ///< age of the oldest fire message waiting; zero if none
};

/// The sans-I/O protocol engine of a UITD (see the file's documentation for every rule).
///
/// @par Example
/// @code
/// firebus::gb26875::uitd_session s(cfg, ec);
/// s.connected(now);
/// s.submit(adu_bytes, firebus::gb26875::message_priority::routine, now, ec);
/// if (auto t = s.next_deadline()) timer.expires_at(*t);
/// @endcode
class uitd_session {
 public:
  /// Fills `response` for a read `request`; returns false (optionally setting `ec`) to deny.
  using data_provider = std::function<bool(const adu& request, adu& response, std::error_code& ec)>;

  /// A session with `config`. If validate() refuses it, `ec` says why and the session stays
  /// unusable: submit() fails with firebus::errc::invalid_argument and nothing is ever sent.
  uitd_session(const uitd_session_config& config, std::error_code& ec) : config_(config) {
    ec = validate(config);
    valid_ = !ec;
    init();
  }
#if FIREBUS_HAS_EXCEPTIONS
  /// A session with `config`; throws firebus::system_error if validate() refuses it.
  explicit uitd_session(const uitd_session_config& config) : config_(config) {
    const std::error_code ec = validate(config);
    if (ec) firebus::detail::throw_error(ec, "uitd_session: invalid configuration");
    valid_ = true;
    init();
  }
#endif

  /// The configuration.
  const uitd_session_config& config() const noexcept { return config_; }

  /// Sets the function that answers read requests (types 61–68, 81, 84–86, 88). Empty: deny.
  void set_data_provider(data_provider provider) { provider_ = std::move(provider); }

  /// Maps `ref` on the monotonic time line to the UTC time `at_ref` (see "Time tags").
  void set_wall_clock(mono_time ref, utc_time at_ref) noexcept {
    wall_ref_ = ref;
    wall_at_ref_ = at_ref;
  }
  /// The wall time at `now` under the current mapping.
  utc_time wall_time(mono_time now) const noexcept { return wall_at_ref_ + (now - wall_ref_); }

  // --- submitting ------------------------------------------------------------------------

  /// Queues a copy of the ADU `adu_bytes` (≤ 1024 bytes) to be sent with command 2, and returns
  /// its id (from 1, never reused). Errors (returning 0): errc::adu_too_long, errc::queue_full
  /// (see the queue rule; also while max_outputs outputs wait for poll()),
  /// firebus::errc::invalid_argument for an unusable session.
  std::uint64_t submit(byte_view adu_bytes, message_priority p, mono_time now,
                       std::error_code& ec) {
    if (!valid_) {
      ec = firebus::make_error_code(firebus::errc::invalid_argument);
      return 0;
    }
    if (adu_bytes.size() > max_adu_size) {
      ec = make_error_code(errc::adu_too_long);
      return 0;
    }
    const auto pi = static_cast<std::size_t>(p);
    if (pi >= message_priority_count || outputs_.size() >= config_.max_outputs) {
      ec = make_error_code(errc::queue_full);
      return 0;
    }
    expire(now);
    if (held() >= config_.max_queue && !evict_below(pi, now)) {
      ec = make_error_code(errc::queue_full);
      return 0;
    }
    message m;
    m.id = next_id_++;
    m.prio = p;
    m.bytes.assign(adu_bytes.begin(), adu_bytes.end());
    m.submitted = now;
    queues_[pi].push_back(std::move(m));
    // A message does not wait behind a heartbeat (rule 7).
    if (flight_ && flight_->id == 0) {
      abandoned_serial_ = flight_->serial;
      flight_.reset();
    }
    ec.clear();
    const std::uint64_t id = next_id_ - 1;
    pump(now);
    return id;
  }

  /// Encodes `a` (within the standard's limits) and submits it; errors as encode_adu() and
  /// the byte overload.
  std::uint64_t submit(const adu& a, message_priority p, mono_time now, std::error_code& ec) {
    std::vector<std::uint8_t> bytes;
    byte_writer w(bytes, max_adu_size);
    encode_adu(a, w, ec);
    if (ec) return 0;
    return submit(byte_view(bytes), p, now, ec);
  }

  /// Submits `a` with the priority classify() gives it.
  std::uint64_t submit(const adu& a, mono_time now, std::error_code& ec) {
    return submit(a, classify(a), now, ec);
  }

#if FIREBUS_HAS_EXCEPTIONS
  /// Throwing overload of submit(byte_view, message_priority, mono_time, std::error_code&).
  std::uint64_t submit(byte_view adu_bytes, message_priority p, mono_time now) {
    std::error_code ec;
    const std::uint64_t id = submit(adu_bytes, p, now, ec);
    if (ec) throw_submit(ec, adu_bytes.size());
    return id;
  }
  /// Throwing overload of submit(const adu&, message_priority, mono_time, std::error_code&).
  std::uint64_t submit(const adu& a, message_priority p, mono_time now) {
    std::error_code ec;
    const std::uint64_t id = submit(a, p, now, ec);
    if (ec) throw_submit(ec, 0);
    return id;
  }
#endif

  /// Submits the operator's answer to a duty check (§8.3, type 91): one type-24 object with
  /// flag bit 5 (查岗应答), operator `operator_id`, time tag of `now`, priority alarm. Says
  /// whether a duty check was pending and whether `now` is within its deadline (deadline
  /// included); either way the pending check is then cleared. Errors as submit().
  uitd_duty_answer answer_duty_check(std::uint8_t operator_id, mono_time now, std::error_code& ec) {
    uitd_duty_answer r;
    uitd_operation op;
    op.flags = 0x20;  // bit 5: duty-check answer
    op.operator_id = operator_id;
    op.time = tag_at(now);
    adu a{adu_type::uitd_operation, {op}};
    r.id = submit(a, message_priority::alarm, now, ec);
    if (ec) return r;
    r.pending = duty_pending_;
    r.in_time = duty_pending_ && now <= duty_deadline_;
    duty_pending_ = false;
    return r;
  }

  /// The deadline of the pending duty check, if one waits for an answer.
  std::optional<mono_time> duty_check_deadline() const noexcept {
    if (!duty_pending_) return std::nullopt;
    return duty_deadline_;
  }

  // --- link ---------------------------------------------------------------------------------

  /// The transport has connected to the centre: sending starts, the back-off sequence resets.
  void connected(mono_time now) {
    if (!valid_ || connected_) return;
    connected_ = true;
    reconnect_attempt_ = 0;
    last_tx_ = now;
    pump(now);
  }

  /// The connection is lost: the message in flight goes back to the head of its queue
  /// (rule 6), frames not yet taken by poll() are discarded.
  void disconnected(mono_time now) {
    if (!connected_) return;
    connected_ = false;
    std::deque<uitd_output> kept;
    for (uitd_output& o : outputs_) {
      if (!std::holds_alternative<uitd_send>(o)) kept.push_back(std::move(o));
    }
    outputs_.swap(kept);
    if (flight_) {
      if (flight_->id != 0) {
        queues_[static_cast<std::size_t>(flight_->prio)].push_front(std::move(*flight_));
      }
      flight_.reset();
    }
    abandoned_serial_.reset();
    expire(now);
  }

  /// True between connected() and disconnected().
  bool is_connected() const noexcept { return connected_; }

  /// The delay before the next connection attempt (see "Reconnecting"); each call is one
  /// attempt further along the sequence.
  duration next_reconnect_delay() noexcept {
    if (!valid_) return duration::zero();
    const std::int64_t cap = config_.backoff_max.count();
    std::int64_t base = config_.backoff_initial.count();
    const auto factor = static_cast<std::int64_t>(config_.backoff_factor);
    for (unsigned k = 0; k < reconnect_attempt_ && base < cap; ++k) {
      base = base > cap / factor ? cap : base * factor;
    }
    if (base > cap) base = cap;
    if (reconnect_attempt_ < 64) ++reconnect_attempt_;
    const auto permille = static_cast<std::int64_t>(config_.backoff_jitter_permille);
    const std::int64_t spread = base / 1000 * permille + base % 1000 * permille / 1000;
    std::int64_t cut = 0;
    if (spread > 0) {
      cut = static_cast<std::int64_t>(next_random() % (static_cast<std::uint64_t>(spread) + 1));
    }
    return duration(base - cut);
  }

  // --- receiving ----------------------------------------------------------------------------

  /// Handles one frame from the centre (as gb26875::deframer or decode_frame() gives it),
  /// answering it or settling the message in flight as the rules say.
  void receive(const frame_view& f, mono_time now) {
    if (!valid_) return;
    if (!connected_) {
      ++counters_.ignored_disconnected;
      return;
    }
    ++counters_.frames_received;
    switch (f.hdr.cmd) {
      case command::confirm:
      case command::deny:
        on_answer(f, now);
        break;
      case command::response:
        unexpected(f, now);
        break;
      case command::request:
        on_request(f, now);
        break;
      case command::control:
        on_control(f, now);
        break;
      case command::send_data:
        if (f.adu.empty()) {
          answer(f.hdr, command::confirm, {}, now);
        } else {
          deny(f.hdr, make_error_code(errc::object_type_mismatch), now);
        }
        break;
      default:
        deny(f.hdr, make_error_code(errc::unknown_command), now);
        break;
    }
    pump(now);
  }

  /// Decodes `frame_bytes` (exactly one frame) and handles it. A frame refused for its
  /// checksum, its end bytes or its ADU length over 1024 (the deframer's candidate: its 27
  /// header bytes for a length) is denied (§6.5.3) unless it reads as an answer; `ec` is then
  /// the decoding error, and no other bad frame is answered.
  void receive(byte_view frame_bytes, mono_time now, std::error_code& ec) {
    const frame_view f = decode_frame(frame_bytes, ec);
    if (!ec) {
      receive(f, now);
      return;
    }
    // A bad end or length: only when the candidate reads as a frame start (protocol version 1;
    // a stray 0x40 just before a real frame makes a `@@` that is none).
    const bool deniable =
        frame_bytes.size() >= header_size &&
        (ec == errc::checksum_mismatch ||
         ((ec == errc::bad_end || ec == errc::adu_too_long) && frame_bytes[4] == 1));
    if (!deniable || !valid_ || !connected_) return;
    const header h = detail::read_checked_header(frame_bytes.data());
    if (h.cmd == command::confirm || h.cmd == command::deny || h.cmd == command::response) {
      return;
    }
    ++counters_.frames_received;
    deny(h, ec, now);
  }

  /// Handles timeouts due at `now`: retransmission, failure, max_age, heartbeat.
  void advance(mono_time now) {
    if (!valid_) return;
    if (flight_ && connected_ && gives_way(now)) {
      preempt();
    } else if (flight_ && connected_ && now >= deadline_) {
      if (flight_->id == 0) {
        if (retries_used_ < config_.retries) {
          ++retries_used_;
          ++counters_.retransmitted;
          transmit(now);
        } else {
          ++counters_.heartbeats_failed;
          uitd_event e;
          e.kind = uitd_event_kind::heartbeat_failed;
          e.at = now;
          e.serial = flight_->serial;
          e.cmd = command::send_data;
          e.error = make_error_code(errc::no_answer);
          flight_.reset();
          push_limited(std::move(e));
        }
      } else if (retries_used_ >= config_.retries || too_old(*flight_, now)) {
        message m = std::move(*flight_);
        flight_.reset();
        fail(m, errc::no_answer);
      } else {
        ++retries_used_;
        ++counters_.retransmitted;
        transmit(now);
      }
    }
    pump(now);
  }

  /// When advance() next has something to do, if ever (retransmission, heartbeat, max_age).
  std::optional<mono_time> next_deadline() const noexcept {
    std::optional<mono_time> t;
    auto consider = [&t](mono_time c) {
      if (!t || c < *t) t = c;
    };
    if (!valid_) return t;
    if (flight_) consider(flight_deadline());
    if (config_.max_age > duration::zero()) {
      for (const auto& q : queues_) {
        if (!q.empty()) consider(q.front().submitted + config_.max_age);
      }
    }
    if (connected_ && !flight_ && heartbeat_room() && held() == 0) {
      consider(last_tx_ + config_.heartbeat);
    }
    return t;
  }

  // --- outputs and state ---------------------------------------------------------------------

  /// Takes the next output, if any.
  bool poll(uitd_output& out) {
    if (outputs_.empty()) return false;
    // swap, not move-assign: g++ 12 -O2 misreads the variant's move assignment as reading
    // uninitialized vector storage (-Wmaybe-uninitialized).
    out.swap(outputs_.front());
    outputs_.pop_front();
    return true;
  }

  /// Outputs waiting for poll().
  std::size_t pending_outputs() const noexcept { return outputs_.size(); }

  /// Messages waiting to be sent (not counting the one in flight).
  std::size_t queued() const noexcept {
    return queues_[0].size() + queues_[1].size() + queues_[2].size();
  }
  /// Messages of priority `p` waiting to be sent.
  std::size_t queued(message_priority p) const noexcept {
    const auto i = static_cast<std::size_t>(p);
    return i < message_priority_count ? queues_[i].size() : 0;
  }
  /// The id of the message in flight (0 for a heartbeat), if a frame awaits its answer.
  std::optional<std::uint64_t> in_flight() const noexcept {
    if (!flight_) return std::nullopt;
    return flight_->id;
  }
  /// The priority of the message in flight, if a message (not a heartbeat) is in flight.
  std::optional<message_priority> in_flight_priority() const noexcept {
    if (!flight_ || flight_->id == 0) return std::nullopt;
    return flight_->prio;
  }
  /// The serial number the next new transaction will take.
  std::uint16_t next_serial() const noexcept { return next_serial_; }

  /// The counters, with queue depths and the age of the oldest waiting fire message at `now`.
  uitd_counters counters(mono_time now) const noexcept {
    uitd_counters c = counters_;
    for (std::size_t i = 0; i < message_priority_count; ++i) c.queued[i] = queues_[i].size();
    if (!queues_[0].empty()) c.oldest_fire_age = now - queues_[0].front().submitted;
    return c;
  }

 private:
  struct message {
    std::uint64_t id = 0;  // 0: heartbeat
    message_priority prio = message_priority::routine;
    std::vector<std::uint8_t> bytes;
    mono_time submitted{};
    int attempts = 0;
    bool has_serial = false;
    std::uint16_t serial = 0;
  };

  void init() {
    next_serial_ = config_.first_serial;
    rng_ = config_.backoff_seed;
    std::error_code ec;
    // mono_time zero ↔ 2000-01-01T00:00:00 local time, until set_wall_clock().
    const utc_time y2k = firebus::to_utc(civil_time{2000, 1, 1, 0, 0, 0},
                                         valid_ ? config_.utc_offset : std::chrono::minutes(0), ec);
    wall_at_ref_ = y2k;
  }

  std::uint64_t next_random() noexcept {  // splitmix64
    std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
  }

  // Whether heartbeats are on and one may start: not while max_outputs outputs wait (rule 7),
  // or a caller that calls advance() but never poll() would collect them without bound.
  bool heartbeat_room() const noexcept {
    return config_.heartbeat > duration::zero() && outputs_.size() < config_.max_outputs;
  }

  // Messages held: queued plus the one in flight (heartbeats are not messages).
  std::size_t held() const noexcept { return queued() + (flight_ && flight_->id != 0 ? 1u : 0u); }

  time_tag tag_at(mono_time now) const noexcept {
    std::error_code ec;
    const time_tag t = time_tag::from_utc(wall_time(now), config_.utc_offset, ec);
    return ec ? time_tag{} : t;
  }

  bool too_old(const message& m, mono_time now) const noexcept {
    return config_.max_age > duration::zero() && now - m.submitted >= config_.max_age;
  }

  // Evicts the newest message of the least urgent priority below `pi` (rule 2).
  bool evict_below(std::size_t pi, mono_time) {
    for (std::size_t q = message_priority_count; q-- > pi + 1;) {
      if (queues_[q].empty()) continue;
      message m = std::move(queues_[q].back());
      queues_[q].pop_back();
      ++counters_.evicted;
      fail(m, errc::queue_full);
      return true;
    }
    return false;
  }

  void expire(mono_time now) {
    if (config_.max_age <= duration::zero()) return;
    for (auto& q : queues_) {
      while (!q.empty() && too_old(q.front(), now)) {
        message m = std::move(q.front());
        q.pop_front();
        fail(m, connected_ ? errc::no_answer : errc::not_connected);
      }
    }
  }

  void fail(const message& m, errc why) {
    ++counters_.failed;
    if (why == errc::denied) ++counters_.denied;
    outputs_.push_back(uitd_failed{m.id, make_error_code(why), m.attempts});
  }

  // The lesser of fire_answer_timeout and answer_timeout (rule 4).
  duration fire_wait() const noexcept {
    return std::min(config_.fire_answer_timeout, config_.answer_timeout);
  }

  // Whether a message in flight is less urgent than a queued fire message (rule 4).
  bool fire_waits_behind_flight() const noexcept {
    return flight_ && flight_->id != 0 && flight_->prio != message_priority::fire &&
           !queues_[0].empty();
  }

  // When the message in flight is next due for a decision: its answer timeout, or sooner when
  // a fire message waits behind it (rule 4).
  mono_time flight_deadline() const noexcept {
    return fire_waits_behind_flight() ? std::min(deadline_, sent_at_ + fire_wait()) : deadline_;
  }

  // Whether the message in flight must give way to a queued fire message now (rule 4).
  bool gives_way(mono_time now) const noexcept {
    return fire_waits_behind_flight() && now >= sent_at_ + fire_wait();
  }

  // The message in flight goes back to the head of its queue, keeping its serial number; its
  // late confirm still delivers it (on_answer).
  void preempt() {
    ++counters_.preempted;
    queues_[static_cast<std::size_t>(flight_->prio)].push_front(std::move(*flight_));
    flight_.reset();
  }

  // Starts the next transaction if the link is up and nothing is in flight.
  void pump(mono_time now) {
    expire(now);
    if (connected_ && gives_way(now)) preempt();
    if (!connected_ || flight_) return;
    for (auto& q : queues_) {
      if (q.empty()) continue;
      flight_ = std::move(q.front());
      q.pop_front();
      start(now);
      return;
    }
    if (heartbeat_room() && now - last_tx_ >= config_.heartbeat) {
      flight_ = message{};
      ++counters_.heartbeats_sent;
      start(now);
    }
  }

  void start(mono_time now) {
    message& m = *flight_;
    if (!m.has_serial) {
      m.serial = next_serial_++;
      m.has_serial = true;
      if (m.id != 0) ++counters_.data_sent;
    } else {
      ++counters_.resent;
    }
    retries_used_ = 0;
    transmit(now);
  }

  void transmit(mono_time now) {
    message& m = *flight_;
    ++m.attempts;
    header h;
    h.serial = m.serial;
    h.version_minor = config_.version_minor;
    h.source = config_.address;
    h.destination = config_.centre_address;
    h.cmd = command::send_data;
    emit(h, byte_view(m.bytes), m.id, now);
    sent_at_ = now;
    deadline_ = now + (m.id != 0 && m.prio == message_priority::fire ? fire_wait()
                                                                     : config_.answer_timeout);
  }

  // Encodes and queues a frame; `h.time` is set to `now`.
  bool emit(header h, byte_view adu_bytes, std::uint64_t id, mono_time now) {
    h.time = tag_at(now);
    uitd_send s;
    s.cmd = h.cmd;
    s.serial = h.serial;
    s.id = id;
    s.frame.reserve(frame_size(adu_bytes.size()));
    byte_writer w(s.frame, max_frame_size);
    std::error_code ec;
    encode_frame(h, adu_bytes, w, ec);
    if (ec) return false;  // cannot happen: sizes and addresses are checked before
    outputs_.push_back(std::move(s));
    ++counters_.frames_sent;
    last_tx_ = now;
    return true;
  }

  void push_limited(uitd_output o) {
    if (outputs_.size() >= config_.max_outputs) {
      ++counters_.outputs_dropped;
      return;
    }
    outputs_.push_back(std::move(o));
  }

  // An answer to the centre (confirm, deny, response): echoes the serial, swaps addresses.
  bool answer(const header& request, command cmd, byte_view adu_bytes, mono_time now) {
    if (outputs_.size() >= config_.max_outputs) {
      ++counters_.outputs_dropped;
      return false;
    }
    header h = reply_header(request, cmd);
    if (h.source > max_address) h.source = config_.address;
    return emit(h, adu_bytes, 0, now);
  }

  void deny(const header& request, std::error_code why, mono_time now) {
    if (answer(request, command::deny, {}, now)) ++counters_.denials_sent;
    uitd_event e;
    e.kind = uitd_event_kind::request_denied;
    e.at = now;
    e.serial = request.serial;
    e.cmd = request.cmd;
    e.error = why;
    push_limited(std::move(e));
  }

  void unexpected(const frame_view& f, mono_time now) {
    ++counters_.unexpected_answers;
    uitd_event e;
    e.kind = uitd_event_kind::unexpected_answer;
    e.at = now;
    e.serial = f.hdr.serial;
    e.cmd = f.hdr.cmd;
    e.error = make_error_code(errc::unexpected_answer);
    push_limited(std::move(e));
  }

  void on_answer(const frame_view& f, mono_time now) {
    if (!flight_ || flight_->serial != f.hdr.serial) {
      if (abandoned_serial_ && *abandoned_serial_ == f.hdr.serial) {
        abandoned_serial_.reset();  // the late answer to an abandoned heartbeat
        return;
      }
      if (f.hdr.cmd == command::confirm && deliver_queued(f.hdr.serial, now)) return;
      unexpected(f, now);
      return;
    }
    if (flight_->id != 0 && f.hdr.cmd == command::deny && retries_used_ < config_.retries &&
        !too_old(*flight_, now)) {
      if (fire_waits_behind_flight()) {
        preempt();  // a queued fire message goes first; this one is sent again after it
        return;
      }
      ++retries_used_;  // a refused transmission: sent again at once (rule 5)
      ++counters_.retransmitted;
      transmit(now);
      return;
    }
    message m = std::move(*flight_);
    flight_.reset();
    if (m.id == 0) return;  // a heartbeat: confirm or deny, the centre is there
    if (f.hdr.cmd == command::confirm) {
      ++counters_.delivered;
      outputs_.push_back(uitd_delivered{m.id, m.attempts, now - m.submitted});
    } else {
      fail(m, errc::denied);
    }
  }

  // The late confirm of a message that gave way to a fire message (rule 4) and waits at the
  // head of its queue: delivers it. False if no waiting message has that serial number.
  bool deliver_queued(std::uint16_t serial, mono_time now) {
    for (auto& q : queues_) {
      if (q.empty() || !q.front().has_serial || q.front().serial != serial) continue;
      message m = std::move(q.front());
      q.pop_front();
      ++counters_.delivered;
      outputs_.push_back(uitd_delivered{m.id, m.attempts, now - m.submitted});
      return true;
    }
    return false;
  }

  static bool is_read(adu_type t) noexcept {
    const auto v = static_cast<unsigned>(t);
    return (v >= 61 && v <= 68) || v == 81 || (v >= 84 && v <= 86) || v == 88;
  }

  void on_request(const frame_view& f, mono_time now) {
    std::error_code ec;
    const adu request = decode_adu(f.adu, ec);
    if (ec) {
      deny(f.hdr, ec, now);
      return;
    }
    if (!is_read(request.type)) {
      deny(f.hdr, make_error_code(errc::object_type_mismatch), now);
      return;
    }
    if (!provider_) {
      deny(f.hdr, std::make_error_code(std::errc::operation_not_supported), now);
      return;
    }
    adu response;
    bool ok = false;
#if FIREBUS_HAS_EXCEPTIONS
    try {
      ok = provider_(request, response, ec);
    } catch (...) {  // callbacks never throw into the library
      ok = false;
      ec = std::make_error_code(std::errc::operation_canceled);
    }
#else
    ok = provider_(request, response, ec);
#endif
    if (!ok) {
      deny(f.hdr, ec ? ec : std::make_error_code(std::errc::operation_not_supported), now);
      return;
    }
    std::vector<std::uint8_t> bytes;
    byte_writer w(bytes, max_adu_size);
    encode_adu(response, w, ec);
    if (ec) {
      deny(f.hdr, ec, now);
      return;
    }
    if (answer(f.hdr, command::response, byte_view(bytes), now)) ++counters_.requests_answered;
  }

  void on_control(const frame_view& f, mono_time now) {
    std::error_code ec;
    const adu a = decode_adu(f.adu, ec);
    if (ec) {
      deny(f.hdr, ec, now);
      return;
    }
    if (a.objects.size() != 1) {
      deny(f.hdr, make_error_code(a.objects.empty() ? errc::truncated : errc::too_many_objects),
           now);
      return;
    }
    uitd_event e;
    e.at = now;
    e.serial = f.hdr.serial;
    e.cmd = f.hdr.cmd;
    const object& o = a.objects.front();
    if (std::holds_alternative<init_uitd>(o)) {
      e.kind = uitd_event_kind::init_request;
    } else if (const auto* s = std::get_if<sync_uitd_time>(&o)) {
      if (!s->time.valid()) {
        deny(f.hdr, make_error_code(errc::invalid_time), now);
        return;
      }
      e.kind = uitd_event_kind::clock_sync;
      e.time = s->time;
      e.utc = s->time.to_utc(config_.utc_offset, ec);
      if (ec) {
        deny(f.hdr, make_error_code(errc::invalid_time), now);
        return;
      }
    } else if (const auto* d = std::get_if<duty_check>(&o)) {
      e.kind = uitd_event_kind::duty_check;
      e.timeout_minutes = d->timeout_minutes;
      e.deadline = now + std::chrono::minutes(d->timeout_minutes);
    } else {
      deny(f.hdr, make_error_code(errc::object_type_mismatch), now);
      return;
    }
    if (answer(f.hdr, command::confirm, {}, now)) ++counters_.controls_confirmed;
    if (e.kind == uitd_event_kind::clock_sync && config_.adopt_clock_sync) {
      set_wall_clock(now, e.utc);
    }
    if (e.kind == uitd_event_kind::duty_check) {
      duty_pending_ = true;
      duty_deadline_ = e.deadline;
    }
    push_limited(std::move(e));
  }

#if FIREBUS_HAS_EXCEPTIONS
  [[noreturn]] static void throw_submit(std::error_code ec, std::size_t size) {
    firebus::detail::throw_error(
        ec, "uitd_session: cannot queue an ADU" +
                (size != 0 ? " of " + std::to_string(size) + " bytes" : std::string()));
  }
#endif

  uitd_session_config config_;
  bool valid_ = false;
  bool connected_ = false;
  data_provider provider_;
  std::array<std::deque<message>, message_priority_count> queues_;
  std::optional<message> flight_;
  mono_time deadline_{};
  mono_time sent_at_{};  // the last transmission of the message in flight
  int retries_used_ = 0;
  std::optional<std::uint16_t> abandoned_serial_;
  std::deque<uitd_output> outputs_;
  std::uint64_t next_id_ = 1;
  std::uint16_t next_serial_ = 0;
  mono_time last_tx_{};
  mono_time wall_ref_{};
  utc_time wall_at_ref_{};
  bool duty_pending_ = false;
  mono_time duty_deadline_{};
  unsigned reconnect_attempt_ = 0;
  std::uint64_t rng_ = 0;
  uitd_counters counters_;
};

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_GB26875_UITD_SESSION_HPP
