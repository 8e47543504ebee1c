// firebus — fire-safety IoT SDK.
/// @file
/// firebus::gb26875::centre_session: the protocol engine of one UITD connection at the
/// monitoring centre (监控中心), without I/O (GB/T 26875.3 §6.2–6.5).
///
/// The engine owns no socket, thread or clock. A transport (one engine per TCP connection) feeds
/// it what a gb26875::deframer cut out of the stream — on_frame() for frames, on_rejection() for
/// discarded bytes — calls advance() at next_deadline(), and drains the outputs with poll(): bytes
/// to write (centre_session::send), decoded messages and heartbeats to hand on, answers to the
/// centre's own requests, failures, diagnostics, and at most one centre_session::close telling the
/// transport to close the connection and why. Time comes only from the `now` arguments; the time
/// tags of the frames the engine writes come from a wall-clock mapping the caller sets
/// (set_wall_clock()). Engines share nothing: one bad or slow connection cannot affect another.
///
/// @par Rules for frames from the UITD (on_frame)
/// 1. **Send data and control with an ADU** (commands 2 and 1, §6.2–6.3): the ADU is checked with
///    parse_adu() (with the configured user_types). Well formed → a centre_session::message and a
///    confirm (command 3, reply_header(): same serial number, source and destination swapped,
///    empty ADU; §6.5.1). Which comes first depends on centre_config::confirm:
///    - confirm_policy::immediate: the message, then the confirm, both at once.
///    - confirm_policy::after_accept: only the message, with a token; the confirm is sent when the
///      caller calls accept(token) after its own durable write (docs: delivery.md, "durable
///      before acknowledged"); reject(token) sends a deny instead (the UITD keeps the data and
///      sends it again later). At most centre_config::max_unconfirmed messages wait for accept();
///      a new message beyond that is neither delivered nor answered (a dropped_input with
///      firebus::gb26875::errc::queue_full): the UITD retransmits it when its answer times out
///      (§6.5.4), so nothing is lost and memory stays bounded.
/// 2. **Heartbeat**: send data (command 2) with an empty ADU. The standard defines none; common
///    practice sends one every 20–30 s. Answered with a confirm at once under both policies
///    (there is nothing to store) and reported as a centre_session::heartbeat.
/// 3. **Deny** (command 6, reply_header(), empty ADU; §6.5.3) answers, with a
///    centre_session::denied_input saying why: an ADU that parse_adu() refuses (its error code), a
///    control command with an empty ADU (errc::truncated), a reserved command 0 or 7–127, a
///    request (command 4, which the standard defines only from the centre to the UITD) and a
///    user-defined command 128–255 (no user commands are known to the engine): all
///    errc::unknown_command. A user-defined command is legal and well-formed, so its deny is not
///    an error (close_reason::too_many_errors): a vendor's keepalive in a user command would
///    otherwise close an idle session every 17 frames.
/// 4. **Duplicates.** A UITD that missed a confirm retransmits the frame with the same serial
///    number (§6.5.4). The engine remembers the last centre_config::duplicate_history confirmed
///    messages by (command, serial number, ADU length, FNV-1a hash of the ADU). A repeat of one is
///    confirmed again at once (it was already accepted) and delivered again with
///    message::duplicate set and token 0, so nothing is lost and the store can drop it by its
///    own keys. A repeat of a message still waiting for accept() is only counted (no second
///    message: the pending accept() confirms it). Same serial with other content is a new message
///    (serial numbers wrap).
/// 5. **Answers** (confirm 3, response 5, deny 6) are matched by serial number to the centre's
///    request in flight. A response completes a request (command 4), a confirm completes a control
///    (command 1): centre_session::answer. A deny is a refused transmission (§6.5:
///    "收到否认回答后，启动重发机制"): the identical frame is sent again at once, counting as one
///    of the retries; the deny of the last attempt fails the request with errc::denied
///    (centre_session::failed). A response whose ADU parse_adu() refuses is denied (rule 3) and the
///    request stays in flight (it is retransmitted when its answer times out). Anything else — an
///    unknown serial number, a confirm to a request, a response to a control, a late answer after
///    the request ended — is ignored with a dropped_input carrying errc::unexpected_answer; it is
///    not an error (a late answer to a retransmitted request is normal).
/// 6. The **peer's address** is learnt from the source address of its first frame and kept; it
///    is the destination of the centre's own requests. Frames are not refused for their
///    destination address (many UITDs send 0). Answers always use the addresses of the frame
///    they answer (reply_header()).
///
/// @par Rules for rejected bytes (on_rejection)
/// - errc::checksum_mismatch, errc::bad_end, errc::adu_too_long: §6.5.3 answers a checksum
///   error, wrong end bytes and an ADU length over the limit with a deny. The engine denies the
///   candidate echoing its serial number, read from the 27 header bytes of rejection::candidate
///   (no address is learnt from it). For a bad end or length the deframer goes on looking for a
///   frame from the next byte (its rule 3): the `@@` may have been no frame start (a stray 0x40
///   just before a real frame makes one), so such a candidate is denied only when it reads as a
///   frame start, with protocol version 1 at offset 4. A deny may still carry a serial number
///   that is noise — harmless: a UITD ignores a deny of a serial
///   number it is not sending (firebus's does), and one that matches only makes it send its
///   frame again. A peer with the known bug of wrong end bytes learns at once that its frames
///   are refused instead of waiting for its answer timeouts.
/// - Every other rejection (garbage, truncated): counted and reported (dropped_input), not
///   answered.
///
/// @par Rules for the centre's requests (§6.4–6.5)
/// - request() sends a read (ADU types 61–88, or user-defined 128–254) with command 4 and waits
///   for a response (command 5); control() sends types 89 (initialise), 90 (clock sync) or 91
///   (duty check), or user-defined types, with command 1 and waits for a confirm. Each call
///   returns an id (≥ 1) that ends exactly once, as an answer or a failure.
/// - One in flight at a time (the UITDs of the field are simple peers); the others wait in a FIFO
///   queue of at most centre_config::max_pending_requests (errc::queue_full beyond). A request
///   without a known peer address, or after close, is errc::not_connected.
/// - The centre picks the serial number when a request is first sent: a counter of its own that
///   starts at centre_config::first_serial and wraps at 65 535.
/// - No answer within centre_config::answer_timeout (default 10 s, §6.5.4): the identical frame is
///   sent again (same serial number and bytes), up to centre_config::retries times (default 3,
///   §6.5.5); then the request fails with errc::no_answer. With the defaults a request sent at t
///   is sent again at t + 10 s, 20 s and 30 s and fails at t + 40 s; the next one is sent then.
///
/// @par Limits (each closes the connection with a centre_session::close)
/// - close_reason::idle_timeout: no valid frame for centre_config::idle_timeout (heartbeats
///   count; rejections do not). Closes at exactly last frame + idle_timeout.
/// - close_reason::rate_limit: more than centre_config::rate_max_frames inputs (frames and
///   rejections) within any span shorter than centre_config::rate_window. A sliding window over the
///   times of the inputs of the last rate_window (at most rate_max_frames of them), exact and
///   deterministic: 200 inputs at the same instant pass, the 201st within the same second closes;
///   one at exactly t + 1 s passes. Its memory follows the peer's actual rate (a ring that grows
///   by doubling, up to rate_max_frames times), not the limit.
/// - close_reason::too_many_errors: more than centre_config::max_consecutive_errors bad inputs in
///   a row (rejections and denied frames; duplicates and unexpected answers are not errors). Any
///   frame handled without a deny resets the count.
/// - close_reason::output_overflow: the caller does not drain poll(); see "Memory".
/// - After a close the engine is inert: every input is ignored, every request still queued or in
///   flight fails with errc::not_connected, messages waiting for accept() are forgotten (their
///   UITD sends them again on its next connection). on_disconnected() does the same when the
///   transport sees the connection end (close_reason::disconnected).
///
/// @par Time
/// Every entry point first runs what is due at or before its `now` (advance()), then does its
/// work: a frame arriving at exactly the idle deadline is too late. A `now` earlier than one
/// seen before is taken as the latest one seen (the engine's clock never runs backwards). Without
/// set_wall_clock(), answers carry the time tag of the frame they answer and the centre's own
/// frames carry time_tag{} (2000-01-01 00:00:00).
///
/// @par Memory
/// Bounded whatever the peer and the caller do: the request queue (max_pending_requests + 1), the
/// duplicate history, the rate window (up to rate_max_frames times, as many as the peer's rate
/// needs) and the messages waiting for accept() have fixed limits, and
/// each message holds at most 1 024 ADU bytes. The output queue holds at most
/// max_outputs + max_pending_requests + 2 items: an entry point that finds fewer than 4 free
/// places (below max_outputs) closes the connection with close_reason::output_overflow instead of
/// doing its work.
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// gb::centre_config cfg;
/// cfg.address = 0x0000'0000'0001;
/// gb::centre_session s(cfg, now);
/// deframer.feed(chunk, [&](const gb::frame_view& f) { s.on_frame(f, now); },
///               [&](const gb::rejection& r) { s.on_rejection(r, now); });
/// gb::centre_session::output out;
/// while (s.poll(out)) {
///   if (auto* w = std::get_if<gb::centre_session::send>(&out)) socket.write(w->bytes);
///   else if (auto* m = std::get_if<gb::centre_session::message>(&out)) store(m->hdr, m->decode());
///   else if (std::holds_alternative<gb::centre_session::close>(out)) socket.close();
/// }
/// timer.expires_at(s.next_deadline());
/// @endcode
#ifndef FIREBUS_GB26875_CENTRE_SESSION_HPP
#define FIREBUS_GB26875_CENTRE_SESSION_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
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
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// When the centre confirms a message (see centre_session, rule 1).
enum class confirm_policy : std::uint8_t {
  immediate,     ///< confirm as soon as the message is decoded
  after_accept,  ///< confirm when the caller calls centre_session::accept() (after storing it)
};

/// Why the engine tells the transport to close the connection.
enum class close_reason : std::uint8_t {
  idle_timeout,     ///< no valid frame for centre_config::idle_timeout
  rate_limit,       ///< more than centre_config::rate_max_frames inputs within rate_window
  too_many_errors,  ///< more than centre_config::max_consecutive_errors bad inputs in a row
  output_overflow,  ///< the caller does not drain centre_session::poll()
  disconnected,     ///< the transport said so (centre_session::on_disconnected())
};

/// Name of a close reason ("idle_timeout").
///
/// @par Example
/// @code
/// log("closing: ", firebus::gb26875::to_string(c.reason));
/// @endcode
constexpr std::string_view to_string(close_reason r) noexcept {
  switch (r) {
    case close_reason::idle_timeout:
      return "idle_timeout";
    case close_reason::rate_limit:
      return "rate_limit";
    case close_reason::too_many_errors:
      return "too_many_errors";
    case close_reason::output_overflow:
      return "output_overflow";
    case close_reason::disconnected:
      return "disconnected";
  }
  return "unknown";
}

/// Settings of a centre_session; check them with validate().
///
/// @par Example
/// @code
/// firebus::gb26875::centre_config cfg;
/// cfg.address = 1;
/// cfg.confirm = firebus::gb26875::confirm_policy::after_accept;
/// std::error_code ec;
/// cfg.validate(ec);  // firebus::errc::invalid_argument if a setting is out of range
/// @endcode
struct centre_config {
  /// The centre's own 6-byte address: the source of the frames it originates.
  std::uint64_t address = 0;
  /// When messages are confirmed.
  confirm_policy confirm = confirm_policy::immediate;
  /// How long to wait for a confirm or response (§6.5.4: ≤ 10 s). 1 ms .. 1 h.
  duration answer_timeout = std::chrono::seconds(10);
  /// Retransmissions after the first attempt (§6.5.5: 3). 0 .. 100.
  int retries = 3;
  /// Close after this long without a valid frame. 0 disables; else 1 ms .. 1 day.
  duration idle_timeout = std::chrono::seconds(90);
  /// At most this many inputs per rate_window (1 .. 65 536) ...
  std::size_t rate_max_frames = 200;
  /// ... within any span shorter than this (1 ms .. 1 h).
  duration rate_window = std::chrono::seconds(1);
  /// Bad inputs in a row tolerated; one more closes (0 .. 1 000 000).
  std::size_t max_consecutive_errors = 16;
  /// Requests waiting behind the one in flight (1 .. 4 096).
  std::size_t max_pending_requests = 16;
  /// Messages awaiting accept() under confirm_policy::after_accept (1 .. 4 096).
  std::size_t max_unconfirmed = 64;
  /// Confirmed messages remembered for duplicate detection (0 disables, .. 4 096).
  std::size_t duplicate_history = 64;
  /// Outputs the caller may leave undrained (16 .. 1 048 576); see centre_session "Memory".
  std::size_t max_outputs = 1024;
  /// The serial number of the centre's first request.
  std::uint16_t first_serial = 1;
  /// The UTC offset of the time tags the centre writes (the standard does not say; China: +8 h).
  std::chrono::minutes utc_offset = std::chrono::hours(8);
  /// User-defined ADU types to walk object by object (optional; must outlive the session).
  const user_types* users = nullptr;

  /// Clears `ec`, or sets firebus::errc::invalid_argument if a setting is out of its range.
  void validate(std::error_code& ec) const noexcept {
    using std::chrono::hours;
    using std::chrono::milliseconds;
    const bool ok =
        address <= max_address && answer_timeout >= milliseconds(1) && answer_timeout <= hours(1) &&
        retries >= 0 && retries <= 100 && idle_timeout >= duration::zero() &&
        idle_timeout <= hours(24) &&
        (idle_timeout == duration::zero() || idle_timeout >= milliseconds(1)) &&
        rate_max_frames >= 1 && rate_max_frames <= 65536 && rate_window >= milliseconds(1) &&
        rate_window <= hours(1) && max_consecutive_errors <= 1000000 && max_pending_requests >= 1 &&
        max_pending_requests <= 4096 && max_unconfirmed >= 1 && max_unconfirmed <= 4096 &&
        duplicate_history <= 4096 && max_outputs >= 16 && max_outputs <= (std::size_t{1} << 20) &&
        utc_offset >= hours(-24) && utc_offset <= hours(24) &&
        (confirm == confirm_policy::immediate || confirm == confirm_policy::after_accept);
    if (ok) {
      ec.clear();
    } else {
      ec = firebus::make_error_code(firebus::errc::invalid_argument);
    }
  }
};

/// What a centre_session has seen and done; every count only grows.
struct centre_counters {
  std::uint64_t frames_in = 0;            ///< frames given to on_frame() and handled
  std::uint64_t messages = 0;             ///< messages delivered (duplicates included)
  std::uint64_t heartbeats = 0;           ///< empty send-data frames
  std::uint64_t duplicates = 0;           ///< retransmissions recognised (rule 4)
  std::uint64_t confirms_sent = 0;        ///< confirm frames written
  std::uint64_t denies_sent = 0;          ///< deny frames written
  std::uint64_t rejections = 0;           ///< deframer rejections given to on_rejection()
  std::uint64_t unexpected_answers = 0;   ///< answers that matched nothing (rule 5)
  std::uint64_t dropped = 0;              ///< messages neither delivered nor answered (queue_full)
  std::uint64_t requests_sent = 0;        ///< first transmissions of the centre's requests
  std::uint64_t retransmissions = 0;      ///< repeated transmissions of them
  std::uint64_t answers = 0;              ///< requests answered
  std::uint64_t failures = 0;             ///< requests failed
  std::uint64_t rate_limited = 0;         ///< 1 if the connection was closed for its rate
  std::uint64_t ignored_after_close = 0;  ///< inputs that arrived after the close
};

/// The sans-I/O protocol engine of one UITD connection at the monitoring centre. See the file
/// documentation for every rule. Not thread-safe; instances are independent.
///
/// @par Example
/// @code
/// gb::centre_session s(cfg, now);
/// s.on_frame(f, now);                       // a send-data frame from the UITD
/// gb::centre_session::output out;
/// s.poll(out);                              // centre_session::message
/// s.poll(out);                              // centre_session::send: the confirm
/// std::error_code ec;
/// std::uint64_t id = s.request(gb::adu{gb::adu_type::read_uitd_status,
///                                      {gb::read_uitd_status{}}}, now, ec);
/// @endcode
class centre_session {
 public:
  /// Bytes to write to the connection: one whole frame.
  struct send {
    std::vector<std::uint8_t> bytes;  ///< the frame
  };
  /// A message (send data or control with an ADU) from the UITD.
  struct message {
    header hdr;                           ///< its header, as received
    std::vector<std::uint8_t> adu_bytes;  ///< its ADU, checked by parse_adu()
    /// confirm_policy::after_accept: pass to accept() or reject(). 0: already confirmed.
    std::uint64_t token = 0;
    bool duplicate = false;             ///< a retransmission of a message already confirmed
    const user_types* users = nullptr;  ///< the registry it was checked with

    /// The objects, decoded on demand; views (texts, user objects) point into adu_bytes, so this
    /// message must outlive them and stay unmodified.
    adu_view view() const noexcept {
      std::error_code ec;  // checked on receipt: cannot fail
      return parse_adu(adu_bytes, ec, users);
    }
    /// The ADU collected into an adu (views into adu_bytes, as view()).
    adu decode() const {
      std::error_code ec;
      return decode_adu(adu_bytes, ec, users);
    }
  };
  /// An empty send-data frame (heartbeat), already confirmed.
  struct heartbeat {
    header hdr;  ///< its header
  };
  /// The answer to a request() (a response, with its ADU) or to a control() (a confirm).
  struct answer {
    std::uint64_t id = 0;                 ///< what request() or control() returned
    header hdr;                           ///< the answer's header
    std::vector<std::uint8_t> adu_bytes;  ///< the response's ADU (checked); empty for a confirm
  };
  /// A request() or control() that ended without an answer.
  struct failed {
    std::uint64_t id = 0;  ///< what request() or control() returned
    /// errc::denied, errc::no_answer, or errc::not_connected (closed before an answer)
    std::error_code reason;
  };
  /// A frame answered with a deny (rules 3, 5; checksum mismatch).
  struct denied_input {
    std::error_code reason;    ///< why: the parse error, errc::unknown_command, ...
    std::uint16_t serial = 0;  ///< the serial number the deny echoes
  };
  /// Input that was neither delivered nor answered.
  struct dropped_input {
    /// errc::unexpected_answer, errc::queue_full, or the deframer's reason
    std::error_code reason;
    bool has_serial = false;   ///< whether `serial` is known (not for rejections)
    std::uint16_t serial = 0;  ///< the frame's serial number
  };
  /// Close the connection: the engine has stopped (the last output it gives).
  struct close {
    close_reason reason = close_reason::idle_timeout;  ///< why
  };
  /// One output of the engine.
  using output =
      std::variant<send, message, heartbeat, answer, failed, denied_input, dropped_input, close>;

  /// An engine for a connection accepted at `start` (the idle timer starts then). An invalid
  /// configuration sets `ec` (firebus::errc::invalid_argument) and gives an engine that is
  /// closed from the start and emits nothing.
  centre_session(const centre_config& cfg, mono_time start, std::error_code& ec)
      : cfg_(cfg),
        last_now_(start),
        now_(start),
        last_frame_(start),
        next_serial_(cfg.first_serial) {
    init(ec);
  }
#if FIREBUS_HAS_EXCEPTIONS
  /// As the error_code constructor; throws firebus::system_error for an invalid configuration.
  centre_session(const centre_config& cfg, mono_time start)
      : cfg_(cfg),
        last_now_(start),
        now_(start),
        last_frame_(start),
        next_serial_(cfg.first_serial) {
    std::error_code ec;
    init(ec);
    if (ec) firebus::detail::throw_error(ec, "gb26875 centre_session: invalid configuration");
  }
#endif

  /// Sets the wall clock: the monotonic instant `at` is the UTC time `utc`. Time tags of the
  /// frames the engine writes are derived from it with centre_config::utc_offset.
  void set_wall_clock(mono_time at, utc_time utc) noexcept {
    has_wall_ = true;
    wall_mono_ = at;
    wall_utc_ = utc;
  }

  /// Handles one frame from the deframer (rules 1–6).
  void on_frame(const frame_view& f, mono_time now) {
    if (!begin_input(now)) return;
    ++counters_.frames_in;
    last_frame_ = now_;
    if (!has_peer_) {
      has_peer_ = true;
      peer_ = f.hdr.source;
    }
    const command cmd = f.hdr.cmd;
    if (f.adu.size() > max_adu_size) {  // a hand-made frame_view: the deframer never gives one
      deny(f.hdr, make_error_code(errc::adu_too_long));
      return;
    }
    switch (cmd) {
      case command::send_data:
      case command::control:
        on_message(f);
        return;
      case command::confirm:
      case command::response:
      case command::deny:
        on_answer(f);
        return;
      case command::request:
      default:
        if (static_cast<std::uint8_t>(cmd) >= 128) {
          // User-defined (128–255): legal, only unknown here. Denied, but well-formed: not an
          // error (a vendor's keepalive must not close the session every 17 frames).
          reply(f.hdr, command::deny);
          push(denied_input{make_error_code(errc::unknown_command), f.hdr.serial});
          errors_in_row_ = 0;
          return;
        }
        deny(f.hdr, make_error_code(errc::unknown_command));
        return;
    }
  }

  /// Handles one rejection from the deframer (see "Rules for rejected bytes").
  void on_rejection(const rejection& r, mono_time now) {
    if (!begin_input(now)) return;
    ++counters_.rejections;
    if (r.candidate.size() >= header_size &&
        (r.reason == errc::checksum_mismatch ||
         ((r.reason == errc::bad_end || r.reason == errc::adu_too_long) &&
          r.candidate[4] == 1))) {  // a plausible frame start: protocol version 1
      const header h = detail::read_checked_header(r.candidate.data());
      deny(h, r.reason);  // counts the error
      return;
    }
    push(dropped_input{r.reason, false, 0});
    count_error();
  }

  /// Runs what is due at or before `now`: retransmissions, request failures, the idle timeout.
  void advance(mono_time now) { (void)enter(now); }

  /// The earliest time at which advance() has something to do; mono_time::max() if none.
  mono_time next_deadline() const noexcept {
    mono_time t = mono_time::max();
    if (closed_) return t;
    if (cfg_.idle_timeout > duration::zero()) t = sat_add(last_frame_, cfg_.idle_timeout);
    if (in_flight_ && requests_.front().deadline < t) t = requests_.front().deadline;
    return t;
  }

  /// Sends a read (command 4, ADU types 61–88 or user-defined) to the UITD; returns its id, or
  /// 0 with `ec`: errc::not_connected (closed, or no frame from the UITD yet), errc::queue_full,
  /// firebus::errc::invalid_argument (another ADU type), or the error of encode_adu().
  std::uint64_t request(const adu& read, mono_time now, std::error_code& ec) {
    const auto t = static_cast<std::uint8_t>(read.type);
    const bool ok = (t >= 61 && t <= 88) || is_user_defined(read.type);
    return enqueue(read, ok, command::request, now, ec);
  }
  /// Sends a control command (command 1: ADU type 89, 90, 91 or user-defined) to the UITD;
  /// returns its id, or 0 with `ec` as request().
  std::uint64_t control(const adu& cmd, mono_time now, std::error_code& ec) {
    const auto t = static_cast<std::uint8_t>(cmd.type);
    const bool ok = (t >= 89 && t <= 91) || is_user_defined(cmd.type);
    return enqueue(cmd, ok, command::control, now, ec);
  }

  /// confirm_policy::after_accept: the message with `token` is stored; sends its confirm.
  /// firebus::errc::invalid_argument for an unknown token, errc::not_connected after close.
  void accept(std::uint64_t token, mono_time now, std::error_code& ec) {
    settle(token, true, now, ec);
  }
  /// confirm_policy::after_accept: the message with `token` was not stored; sends a deny.
  /// Errors as accept().
  void reject(std::uint64_t token, mono_time now, std::error_code& ec) {
    settle(token, false, now, ec);
  }

  /// The transport saw the connection end: fails what is pending and closes the engine
  /// (close_reason::disconnected). Does nothing if already closed.
  void on_disconnected() { shut(close_reason::disconnected); }

  /// Takes the oldest output into `out`; false if there is none.
  bool poll(output& out) {
    if (outputs_.empty()) return false;
    out = std::move(outputs_.front());
    outputs_.pop_front();
    return true;
  }

  /// Outputs waiting for poll().
  std::size_t pending_outputs() const noexcept { return outputs_.size(); }
  /// Requests not yet ended (in flight and queued).
  std::size_t pending_requests() const noexcept { return requests_.size(); }
  /// Messages waiting for accept() or reject().
  std::size_t unconfirmed() const noexcept { return unconfirmed_.size(); }
  /// True once the engine has closed (it then ignores every input).
  bool closed() const noexcept { return closed_; }
  /// Whether the UITD's address is known, and what it is.
  bool has_peer() const noexcept { return has_peer_; }
  /// The UITD's address (its first frame's source); 0 before.
  std::uint64_t peer_address() const noexcept { return peer_; }
  /// The counters.
  const centre_counters& counters() const noexcept { return counters_; }
  /// The configuration in use.
  const centre_config& config() const noexcept { return cfg_; }

#if FIREBUS_HAS_EXCEPTIONS
  /// Throwing overload of request().
  std::uint64_t request(const adu& read, mono_time now) {
    std::error_code ec;
    const std::uint64_t id = request(read, now, ec);
    if (ec) firebus::detail::throw_error(ec, "gb26875 centre_session: request");
    return id;
  }
  /// Throwing overload of control().
  std::uint64_t control(const adu& cmd, mono_time now) {
    std::error_code ec;
    const std::uint64_t id = control(cmd, now, ec);
    if (ec) firebus::detail::throw_error(ec, "gb26875 centre_session: control");
    return id;
  }
  /// Throwing overload of accept().
  void accept(std::uint64_t token, mono_time now) {
    std::error_code ec;
    accept(token, now, ec);
    if (ec) firebus::detail::throw_error(ec, "gb26875 centre_session: accept");
  }
  /// Throwing overload of reject().
  void reject(std::uint64_t token, mono_time now) {
    std::error_code ec;
    reject(token, now, ec);
    if (ec) firebus::detail::throw_error(ec, "gb26875 centre_session: reject");
  }
#endif

 private:
  // Identifies a confirmed message for duplicate detection (rule 4).
  struct dup_key {
    bool used = false;
    command cmd = command::send_data;
    std::uint16_t serial = 0;
    std::uint16_t size = 0;
    std::uint32_t hash = 0;
    friend bool operator==(const dup_key& a, const dup_key& b) noexcept {
      return a.used == b.used && a.cmd == b.cmd && a.serial == b.serial && a.size == b.size &&
             a.hash == b.hash;
    }
  };
  struct waiting {  // a message awaiting accept()
    std::uint64_t token = 0;
    header hdr;
    dup_key key;
  };
  struct outgoing {  // a request or control
    std::uint64_t id = 0;
    command cmd = command::request;
    std::vector<std::uint8_t> adu_bytes;
    std::vector<std::uint8_t> frame;  // once sent
    std::uint16_t serial = 0;
    int attempts = 0;
    mono_time deadline{};
  };

  // The most outputs one entry point pushes before a close.
  static constexpr std::size_t burst = 4;

  static mono_time sat_add(mono_time t, duration d) noexcept {
    return t > mono_time::max() - d ? mono_time::max() : t + d;
  }

  static std::uint32_t fnv1a(byte_view b) noexcept {
    std::uint32_t h = 2166136261u;
    for (const std::uint8_t c : b) h = (h ^ c) * 16777619u;
    return h;
  }
  static dup_key key_of(const frame_view& f) noexcept {
    return {true, f.hdr.cmd, f.hdr.serial, static_cast<std::uint16_t>(f.adu.size()), fnv1a(f.adu)};
  }

  void tick(mono_time now) noexcept {
    if (now > last_now_) last_now_ = now;
    now_ = last_now_;
  }

  void init(std::error_code& ec) {
    cfg_.validate(ec);
    if (ec) {
      closed_ = true;
      return;
    }
    rate_.assign(std::min<std::size_t>(4, cfg_.rate_max_frames), mono_time{});
    history_.assign(cfg_.duplicate_history, dup_key{});
  }

  // Common start of every entry point: room for `burst` outputs (else close), then what is due
  // at or before `now`. False if the engine is (now) closed.
  bool enter(mono_time now) {
    if (closed_ || !room()) return false;
    tick(now);
    run_timers();
    return !closed_;
  }

  // Common start of on_frame/on_rejection: enter(), then the rate limit.
  bool begin_input(mono_time now) {
    if (!enter(now)) {
      ++counters_.ignored_after_close;
      return false;
    }
    // Sliding window over the inputs of the last rate_window (see "Limits"): the ring holds
    // their times, oldest first; those at least rate_window old leave it.
    while (rate_count_ > 0 && now_ - rate_[rate_head_] >= cfg_.rate_window) {
      rate_head_ = (rate_head_ + 1) % rate_.size();
      --rate_count_;
    }
    if (rate_count_ >= cfg_.rate_max_frames) {
      counters_.rate_limited = 1;
      shut(close_reason::rate_limit);
      return false;
    }
    if (rate_count_ == rate_.size()) {  // full, below the limit: double (up to the limit)
      std::vector<mono_time> grown(std::min(rate_.size() * 2, cfg_.rate_max_frames));
      for (std::size_t i = 0; i < rate_count_; ++i) {
        grown[i] = rate_[(rate_head_ + i) % rate_.size()];
      }
      rate_ = std::move(grown);
      rate_head_ = 0;
    }
    rate_[(rate_head_ + rate_count_) % rate_.size()] = now_;
    ++rate_count_;
    return true;
  }

  // Closes with output_overflow unless `burst` outputs fit below max_outputs.
  bool room() {
    if (outputs_.size() + burst <= cfg_.max_outputs) return true;
    shut(close_reason::output_overflow);
    return false;
  }

  void run_timers() {
    while (!closed_ && in_flight_ && now_ >= requests_.front().deadline) {
      outgoing& o = requests_.front();
      if (o.attempts <= cfg_.retries) {  // §6.5.4–6.5.5: the identical frame again
        ++o.attempts;
        ++counters_.retransmissions;
        o.deadline = sat_add(now_, cfg_.answer_timeout);
        push(send{o.frame});
      } else {
        finish_failed(make_error_code(errc::no_answer));
      }
    }
    if (!closed_ && cfg_.idle_timeout > duration::zero() &&
        now_ >= sat_add(last_frame_, cfg_.idle_timeout)) {
      shut(close_reason::idle_timeout);
    }
  }

  void push(output o) { outputs_.push_back(std::move(o)); }

  void count_error() {
    if (++errors_in_row_ > cfg_.max_consecutive_errors) shut(close_reason::too_many_errors);
  }

  time_tag tag_now() const noexcept {
    if (!has_wall_) return {};
    std::error_code ec;
    const time_tag t = time_tag::from_utc(wall_utc_ + (now_ - wall_mono_), cfg_.utc_offset, ec);
    return ec ? time_tag{} : t;
  }

  // Writes an answer frame (confirm, deny) to `h` with an empty ADU.
  void reply(const header& h, command cmd) {
    header r = reply_header(h, cmd);
    if (has_wall_) r.time = tag_now();
    std::vector<std::uint8_t> bytes;
    bytes.reserve(min_frame_size);
    byte_writer w(bytes, max_frame_size);
    std::error_code ec;
    encode_frame(r, byte_view(), w, ec);  // addresses came from 6 bytes: cannot fail
    if (cmd == command::confirm) {
      ++counters_.confirms_sent;
    } else {
      ++counters_.denies_sent;
    }
    push(send{std::move(bytes)});
  }

  void deny(const header& h, std::error_code why) {
    reply(h, command::deny);
    push(denied_input{why, h.serial});
    count_error();
  }

  void remember(const dup_key& k) {
    if (history_.empty()) return;
    history_[history_next_] = k;
    history_next_ = (history_next_ + 1) % history_.size();
  }
  bool seen(const dup_key& k) const noexcept {
    for (const dup_key& h : history_) {
      if (h == k) return true;
    }
    return false;
  }

  void on_message(const frame_view& f) {
    if (f.adu.empty()) {
      if (f.hdr.cmd == command::control) {
        deny(f.hdr, make_error_code(errc::truncated));
        return;
      }
      errors_in_row_ = 0;
      ++counters_.heartbeats;
      push(heartbeat{f.hdr});
      reply(f.hdr, command::confirm);
      return;
    }
    std::error_code ec;
    (void)parse_adu(f.adu, ec, cfg_.users);
    if (ec) {
      deny(f.hdr, ec);
      return;
    }
    errors_in_row_ = 0;
    const dup_key k = key_of(f);
    if (seen(k)) {  // rule 4: already confirmed once
      ++counters_.duplicates;
      ++counters_.messages;
      push(message{f.hdr, f.adu.to_vector(), 0, true, cfg_.users});
      reply(f.hdr, command::confirm);
      return;
    }
    if (cfg_.confirm == confirm_policy::immediate) {
      remember(k);
      ++counters_.messages;
      push(message{f.hdr, f.adu.to_vector(), 0, false, cfg_.users});
      reply(f.hdr, command::confirm);
      return;
    }
    for (const waiting& w : unconfirmed_) {
      if (w.key == k) {  // rule 4: the pending accept() will confirm it
        ++counters_.duplicates;
        return;
      }
    }
    if (unconfirmed_.size() >= cfg_.max_unconfirmed) {
      ++counters_.dropped;
      push(dropped_input{make_error_code(errc::queue_full), true, f.hdr.serial});
      return;
    }
    const std::uint64_t token = next_token_++;
    unconfirmed_.push_back(waiting{token, f.hdr, k});
    ++counters_.messages;
    push(message{f.hdr, f.adu.to_vector(), token, false, cfg_.users});
  }

  void on_answer(const frame_view& f) {
    const command cmd = f.hdr.cmd;
    if (in_flight_ && requests_.front().serial == f.hdr.serial) {
      const command asked = requests_.front().cmd;
      if (cmd == command::deny) {
        errors_in_row_ = 0;
        outgoing& o = requests_.front();
        if (o.attempts <= cfg_.retries) {  // §6.5.5: a deny starts the retransmission too
          ++o.attempts;
          ++counters_.retransmissions;
          o.deadline = sat_add(now_, cfg_.answer_timeout);
          push(send{o.frame});
          return;
        }
        finish_failed(make_error_code(errc::denied));
        return;
      }
      if (asked == command::request && cmd == command::response) {
        std::error_code ec;
        (void)parse_adu(f.adu, ec, cfg_.users);
        if (ec) {  // rule 5: denied; the request stays in flight
          deny(f.hdr, ec);
          return;
        }
        errors_in_row_ = 0;
        finish_answered(f);
        return;
      }
      if (asked == command::control && cmd == command::confirm) {
        errors_in_row_ = 0;
        finish_answered(f);
        return;
      }
    }
    errors_in_row_ = 0;
    ++counters_.unexpected_answers;
    push(dropped_input{make_error_code(errc::unexpected_answer), true, f.hdr.serial});
  }

  void finish_answered(const frame_view& f) {
    ++counters_.answers;
    push(answer{requests_.front().id, f.hdr, f.adu.to_vector()});
    requests_.pop_front();
    in_flight_ = false;
    start_next();
  }
  void finish_failed(std::error_code why) {
    ++counters_.failures;
    push(failed{requests_.front().id, why});
    requests_.pop_front();
    in_flight_ = false;
    start_next();
  }

  // Sends the request at the head of the queue, if any and none is in flight.
  void start_next() {
    if (closed_ || in_flight_ || requests_.empty()) return;
    outgoing& o = requests_.front();
    header h;
    h.serial = next_serial_;
    next_serial_ = static_cast<std::uint16_t>(next_serial_ + 1u);
    h.time = tag_now();
    h.source = cfg_.address;
    h.destination = peer_;
    h.cmd = o.cmd;
    o.serial = h.serial;
    o.frame.clear();
    byte_writer w(o.frame, max_frame_size);
    std::error_code ec;
    encode_frame(h, o.adu_bytes, w, ec);  // checked sizes and addresses: cannot fail
    o.adu_bytes.clear();
    o.adu_bytes.shrink_to_fit();
    o.attempts = 1;
    o.deadline = sat_add(now_, cfg_.answer_timeout);
    in_flight_ = true;
    ++counters_.requests_sent;
    push(send{o.frame});
  }

  std::uint64_t enqueue(const adu& a, bool type_ok, command cmd, mono_time now,
                        std::error_code& ec) {
    if (!enter(now) || !has_peer_) {
      ec = make_error_code(errc::not_connected);
      return 0;
    }
    if (!type_ok) {
      ec = firebus::make_error_code(firebus::errc::invalid_argument);
      return 0;
    }
    if (requests_.size() >= cfg_.max_pending_requests + 1) {
      ec = make_error_code(errc::queue_full);
      return 0;
    }
    outgoing o;
    byte_writer w(o.adu_bytes, max_adu_size);
    encode_adu(a, w, ec);
    if (ec) return 0;
    o.id = next_id_++;
    o.cmd = cmd;
    requests_.push_back(std::move(o));
    start_next();
    ec.clear();
    return requests_.back().id;
  }

  void settle(std::uint64_t token, bool ok, mono_time now, std::error_code& ec) {
    if (!enter(now)) {
      ec = make_error_code(errc::not_connected);
      return;
    }
    for (auto it = unconfirmed_.begin(); it != unconfirmed_.end(); ++it) {
      if (it->token != token) continue;
      const waiting w = *it;
      unconfirmed_.erase(it);
      if (ok) {
        remember(w.key);
        reply(w.hdr, command::confirm);
      } else {
        reply(w.hdr, command::deny);
      }
      ec.clear();
      return;
    }
    ec = firebus::make_error_code(firebus::errc::invalid_argument);
  }

  // Stops the engine: every pending request fails, then the close.
  void shut(close_reason why) {
    if (closed_) return;
    closed_ = true;
    for (const outgoing& o : requests_) {
      ++counters_.failures;
      push(failed{o.id, make_error_code(errc::not_connected)});
    }
    requests_.clear();
    in_flight_ = false;
    unconfirmed_.clear();
    push(close{why});
  }

  centre_config cfg_;
  bool closed_ = false;
  mono_time last_now_;
  mono_time now_;
  mono_time last_frame_;
  bool has_wall_ = false;
  mono_time wall_mono_{};
  utc_time wall_utc_{};
  bool has_peer_ = false;
  std::uint64_t peer_ = 0;
  std::uint16_t next_serial_;
  std::uint64_t next_id_ = 1;
  std::uint64_t next_token_ = 1;
  std::size_t errors_in_row_ = 0;
  std::vector<mono_time> rate_;  // ring of the last rate_window's input times
  std::size_t rate_head_ = 0;    // its oldest
  std::size_t rate_count_ = 0;
  std::vector<dup_key> history_;
  std::size_t history_next_ = 0;
  std::deque<outgoing> requests_;  // front is in flight when in_flight_
  bool in_flight_ = false;
  std::deque<waiting> unconfirmed_;
  std::deque<output> outputs_;
  centre_counters counters_;
};

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_GB26875_CENTRE_SESSION_HPP
