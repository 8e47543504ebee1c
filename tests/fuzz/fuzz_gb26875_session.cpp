// firebus — fire-safety IoT SDK.
// libFuzzer target for the two GB/T 26875.3 session engines: firebus::gb26875::centre_session
// (<firebus/gb26875/centre_session.hpp>) and firebus::gb26875::uitd_session
// (<firebus/gb26875/uitd_session.hpp>), driven through their public API by a fuzzer-written peer.
//
// The input is a program:
//
//   [mode] [config bytes ...] [op] [args ...] [op] [args ...] ...
//
// mode bit 0 picks the engine (0 centre, 1 UITD); bit 1 picks lazy polling (outputs are taken
// only at `poll` operations, so the engine's output queue can fill up) instead of eager polling
// (every output is taken and checked right after the call that made it). The config bytes pick
// every setting from a few values each (see centre_config_from() and uitd_config_from()). Each
// operation is one byte (its kind is the byte modulo the number of kinds) followed by its
// arguments; missing bytes read as 0. Time only moves forwards (`now` grows by steps of 0 .. 1 day
// or jumps to next_deadline() ± 1 µs, capped at about 100 years), except that the centre's
// `back` operation hands the next call a time up to a day in the past.
//
// Frames from the peer are built here with encode_frame() from fuzzer-chosen fields: serial
// (the one the engine expects, the last one it sent, a recent one, or any), command (1–6, 0, 7,
// 128, 255), addresses (the right ones or any), time tag, version and an ADU (empty, raw bytes up
// to 1279, or one of the standard's types written object by object with fuzzer-chosen fields and
// optionally a wrong count or a missing byte). Malformed frames go through the real paths: the
// centre's bytes go through a gb26875::deframer (so rejections are the deframer's own: bad
// checksum, bad end, length over 1024, garbage, truncated at flush()), the UITD's through
// receive(byte_view) (a flipped byte, a wrong checksum, a cut or a trailing byte).
//
// centre operations: step, frame (on_frame), bytes (deframer feed / flush), request, control,
// accept, reject, advance, advance_due, back, set_wall_clock, poll, disconnect.
// UITD operations: step, frame (receive(frame_view)), bytes (receive(byte_view)), submit,
// submit_adu (classify), duty answer, connect, disconnect (optionally polling first), advance,
// advance_due, set_wall_clock, reconnect delay, provider (none, false, throws, answers, answers
// with an ADU that cannot be encoded), poll.
//
// Checked with __builtin_trap() on violation (besides ASan and UBSan):
//  both engines
//   - every frame written decodes with decode_frame() (the deframer's checks) to the header and
//     ADU the rules say; answers echo the serial number and version of the frame they answer,
//     with source and destination swapped; the engine's own frames carry its address and the
//     peer's;
//   - the output queue stays within its documented bound whether or not the caller polls
//     (centre: max_outputs + max_pending_requests + 2; UITD: max_outputs plus the frames and
//     reports of the messages it holds: 2 × max_queue × (retries + 1) frames + max_queue reports,
//     with room to spare); request, unconfirmed and message queues stay within their limits;
//   - counters equal what the outputs and calls show;
//   - at the end (disconnect for the centre; a reliable centre for the UITD), every request or
//     message ended exactly once: nothing is silently lost.
//  centre_session
//   - every frame from the UITD is accounted for: a message or heartbeat (delivered once, with its
//     header and ADU, parse_adu() accepting it), a deny with a denied_input, a dropped_input
//     (queue_full, unexpected answer), or — after_accept only — nothing for the repeat of a
//     message still waiting for accept(); message::duplicate is set exactly for a repeat of a
//     confirmed message still in the last duplicate_history; tokens only under after_accept;
//     at most max_unconfirmed wait;
//   - confirms and denies answer only what asked for them: a confirm only a send-data or control
//     frame of the same call (immediate policy, heartbeat, duplicate) or accept(); a deny a frame,
//     a checksum rejection or reject(); each at most once; without a wall clock the answer's time
//     tag is that of the frame it answers;
//   - requests: serial numbers from first_serial, +1 per request; one in flight; each sent at most
//     retries + 1 times with identical bytes, again only after answer_timeout or a deny of its
//     serial; ends exactly once: answer (response to a read, confirm to a control, serial of the
//     request), failed no_answer / denied only after retries + 1 transmissions, not_connected only
//     with the close;
//   - closes: exactly once, last, and only for its reason (idle: now ≥ last frame + idle_timeout;
//     rate: an independent sliding-window model; errors: an independent count of bad inputs in a
//     row); an input that must close closes; a closed engine stays closed and silent;
//   - next_deadline() is after the engine's now; a `now` before one seen behaves as the latest one
//     seen, and every entry point behaves as advance(now) followed by the call: in eager mode a
//     twin engine given clamped times and an advance() before every call emits the same outputs.
//  uitd_session
//   - data frames carry the submitted ADU; a new transaction takes the next serial number (heart-
//     beats included), a retransmission or resend keeps it; within one transmission session (from
//     a first send, a resend after a reconnect or after giving way) a message is sent at most
//     retries + 1 times, again only after its answer timeout (fire: the lesser of
//     fire_answer_timeout and answer_timeout) or a deny of its serial; nothing is sent for a
//     message that ended, nor while disconnected;
//   - a fire message waiting is never overtaken: a call that starts with a fire message queued
//     emits no data frame of another message nor a heartbeat unless it emits a fire one first;
//     while one waits on a live link, next_deadline() is at most the last transmission of the
//     frame in flight + the fire wait;
//   - delivered only by a confirm of the message's serial number, at most once, with latency
//     now − submit and attempts = transmissions; failed only for its reasons (queue_full by a
//     submission of higher priority, never a fire message; denied by a deny of its serial after
//     retries + 1 transmissions; no_answer after retries + 1 transmissions and the timeout, or
//     max_age; not_connected only with max_age while disconnected);
//   - every frame from the centre gets exactly the answer the rules give (none for answers,
//     response / confirm / deny otherwise), unless max_outputs outputs wait; events carry the
//     call's time, clock syncs their UTC time, duty checks their deadline;
//   - submit() fails only as documented, ids count from 1; next_reconnect_delay() stays within
//     [backoff_initial − jitter, backoff_max].
//
// Build for fuzzing:
//   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I include
//       tests/fuzz/fuzz_gb26875_session.cpp -o fuzz_gb26875_session
// Build for corpus replay (any compiler):
//   g++ -std=c++17 -I include tests/fuzz/fuzz_gb26875_session.cpp tests/fuzz/replay_main.cpp
// Seeds: tests/fuzz/make_gb26875_session_seeds.py writes tests/fuzz/corpus/gb26875_session/.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/centre_session.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/gb26875/uitd_session.hpp>

namespace {

namespace gb = firebus::gb26875;
using bytes = std::vector<std::uint8_t>;
using firebus::byte_view;
using firebus::duration;
using firebus::mono_time;
using firebus::utc_time;

// An explicit check: stays active in every build mode, unlike assert().
#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

constexpr std::int64_t second = 1'000'000;
constexpr std::int64_t t_cap = 100LL * 366 * 86'400 * second;  // about 100 years
constexpr std::size_t max_ops = 400;

// Steps of the program's clock, in µs.
constexpr std::int64_t steps[] = {0,
                                  1,
                                  1000,
                                  250'000,
                                  999'999,
                                  second,
                                  2 * second + 999'999,
                                  3 * second,
                                  3 * second + 1,
                                  9 * second + 999'999,
                                  10 * second,
                                  30 * second,
                                  90 * second,
                                  3600 * second,
                                  86'400 * second,
                                  5 * second};
constexpr std::size_t step_count = sizeof(steps) / sizeof(steps[0]);

struct program {
  const std::uint8_t* p = nullptr;
  std::size_t n = 0;
  std::size_t at = 0;
  bool more() const { return at < n; }
  std::uint8_t u8() { return at < n ? p[at++] : 0; }
  std::uint16_t u16() {
    const unsigned lo = u8();
    return static_cast<std::uint16_t>(lo | static_cast<unsigned>(u8()) << 8);
  }
  std::uint64_t u48() {
    std::uint64_t v = 0;
    for (int k = 0; k < 6; ++k) v |= std::uint64_t{u8()} << (8 * k);
    return v;
  }
  bytes take(std::size_t k) {
    k = std::min(k, n - std::min(at, n));
    bytes b(p + at, p + at + k);
    at += k;
    return b;
  }
};

duration step_of(std::uint8_t k) { return duration(steps[k % step_count]); }

mono_time capped(mono_time t) { return std::min(t, mono_time(duration(t_cap))); }

// --- ADUs -------------------------------------------------------------------------------------

// Object sizes of the standard's types (§7–8) and of user type 128 (fixed, 4 bytes).
std::size_t object_size_of(unsigned type) {
  switch (type) {
    case 1:
    case 4:
      return 10;
    case 2:
      return 46;
    case 3:
      return 16;
    case 5:
      return 4;
    case 7:
      return 38;
    case 8:
      return 8;
    case 21:
      return 7;
    case 24:
      return 8;
    case 25:
      return 2;
    case 28:
    case 62:
    case 63:
    case 67:
    case 90:
      return 6;
    case 61:
    case 65:
    case 66:
    case 68:
      return 2;
    case 64:
      return 9;
    case 84:
      return 7;
    case 81:
    case 85:
    case 86:
    case 88:
    case 89:
    case 91:
      return 1;
    case 128:
      return 4;
    default:
      return 0;
  }
}

constexpr std::uint8_t adu_types[] = {1,  2,  3,  4,  21, 24, 28, 61, 62, 63,  64,  65, 66, 67,
                                      68, 81, 84, 85, 86, 88, 89, 90, 91, 128, 129, 5,  8,  25};
constexpr std::uint8_t valid_tag[] = {0, 0, 12, 1, 6, 26};  // 2026-06-01 12:00:00

// An ADU: empty, raw bytes, or a standard type object by object with fuzzer-chosen fields.
bytes make_adu(program& in) {
  const std::uint8_t kind = in.u8();
  if (kind % 8 == 0) return {};
  if (kind % 8 == 1) {
    std::size_t len = in.u8();
    if ((kind & 0x80) != 0) len += 256u * (in.u8() % 5u);
    return in.take(len);
  }
  const unsigned type = adu_types[in.u8() % sizeof(adu_types)];
  const unsigned count = (kind >> 3) % 4;  // 0 .. 3 objects
  bytes a{static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(count)};
  for (unsigned k = 0; k < count; ++k) {
    const std::uint8_t x = in.u8();
    const std::uint8_t y = in.u8();
    if (type == 129) {  // user TLV: length-prefixed
      a.push_back(static_cast<std::uint8_t>(x % 4));
      for (unsigned j = 0; j < x % 4u; ++j) a.push_back(y);
      continue;
    }
    bytes o(object_size_of(type), 0);
    const bool tagged = type <= 4 || type == 21 || type == 24;
    if (tagged && o.size() >= 6) {
      for (std::size_t j = 0; j < 6; ++j) o[o.size() - 6 + j] = valid_tag[j];
    }
    if ((type == 28 || type == 90) && o.size() >= 6) {
      for (std::size_t j = 0; j < 6; ++j) o[j] = valid_tag[j];
      o[0] = static_cast<std::uint8_t>(x % 60);
      if ((y & 0x80) != 0) {  // possibly invalid: month, day or hour from y
        o[(y >> 4) % 6] = static_cast<std::uint8_t>(y & 0x3F);
      }
    } else if (!o.empty()) {
      o[0] = x;
      if (o.size() > 1) o[1] = y;
      if (type == 1 || type == 4) o[2] = x, o[3] = y;  // status / flags
      if (type == 2) o[7] = x, o[8] = y;               // status
      if (type == 21 || type == 24) o[0] = x;          // status / flags
    }
    a.insert(a.end(), o.begin(), o.end());
  }
  if ((kind & 0x40) != 0 && !a.empty()) a.pop_back();  // a byte short
  if ((kind & 0x20) != 0) ++a[1];                      // a wrong count
  return a;
}

std::size_t tlv_size(byte_view rest, const void*, std::error_code& ec) {
  if (rest.empty() || rest.size() < 1u + rest[0]) {
    ec = gb::errc::truncated;
    return 0;
  }
  ec.clear();
  return 1u + rest[0];
}

const gb::user_types& registry() {
  static const gb::user_types users = [] {
    gb::user_types u;
    std::error_code ec;
    u.add_fixed(128, "fixed4", 4, ec);
    u.add_variable(129, "tlv", &tlv_size, ec);
    return u;
  }();
  return users;
}

bytes build_frame(const gb::header& h, byte_view adu) {
  bytes out;
  firebus::byte_writer w(out, gb::max_frame_size);
  std::error_code ec;
  gb::encode_frame(h, adu, w, ec);
  FIREBUS_FUZZ_CHECK(!ec);
  return out;
}

constexpr std::uint8_t commands[] = {2, 2, 3, 3, 6, 1, 4, 5, 0, 7, 128, 255, 2, 3, 1, 6};

// A frame decoded from what the engine wrote: must be well formed.
gb::frame_view decode_output(const bytes& frame) {
  std::error_code ec;
  const gb::frame_view f = gb::decode_frame(frame, ec);
  FIREBUS_FUZZ_CHECK(!ec);
  FIREBUS_FUZZ_CHECK(frame.size() == gb::frame_size(f.adu.size()));
  return f;
}

gb::time_tag tag_of(program& in) {
  if ((in.u8() & 3) != 0) return {0, 0, 12, 1, 6, 26};
  return {in.u8(), in.u8(), in.u8(), in.u8(), in.u8(), in.u8()};
}

utc_time utc_choice(std::uint8_t c, std::uint16_t v) {
  switch (c % 4) {
    case 0:
      return utc_time(duration((1'780'000'000LL + v) * second));  // 2026
    case 1:
      return utc_time(duration(0));
    case 2:
      return utc_time(duration((9'000'000'000LL + v) * second));  // 2255 and beyond
    default:
      return utc_time(duration(946'684'800LL * second - v));  // just before 2000
  }
}

// ================================================================================================
// centre_session
// ================================================================================================
namespace centre {

gb::centre_config config_from(program& in) {
  gb::centre_config c;
  const std::uint8_t a = in.u8();
  const std::uint8_t b = in.u8();
  const std::uint8_t d = in.u8();
  c.address = 0x0000000000AB;
  c.confirm = (a & 1) != 0 ? gb::confirm_policy::after_accept : gb::confirm_policy::immediate;
  c.retries = (a >> 1) % 4;
  constexpr std::int64_t timeouts[] = {1000, second, 3 * second, 10 * second};
  c.answer_timeout = duration(timeouts[(a >> 3) % 4]);
  constexpr std::int64_t idles[] = {0, 5 * second, 90 * second, 1000};
  c.idle_timeout = duration(idles[(a >> 5) % 4]);
  constexpr std::size_t rates[] = {200, 1, 3, 65536};
  c.rate_max_frames = rates[b % 4];
  c.rate_window = (b & 4) != 0 ? duration(1000) : duration(second);
  constexpr std::size_t errors[] = {16, 0, 2, 1000000};
  c.max_consecutive_errors = errors[(b >> 3) % 4];
  constexpr std::size_t pendings[] = {16, 1, 2};
  c.max_pending_requests = pendings[(b >> 5) % 3];
  constexpr std::size_t unconfirmed[] = {64, 1, 3, 4096};
  c.max_unconfirmed = unconfirmed[d % 4];
  constexpr std::size_t histories[] = {64, 0, 1, 4};
  c.duplicate_history = histories[(d >> 2) % 4];
  c.max_outputs = (d & 0x10) != 0 ? 16 : 1024;
  constexpr std::uint16_t serials[] = {1, 65535, 0, 0x4040};
  c.first_serial = serials[(d >> 5) % 4];
  c.users = (d & 0x80) != 0 ? &registry() : nullptr;
  std::error_code ec;
  c.validate(ec);
  FIREBUS_FUZZ_CHECK(!ec);
  return c;
}

struct request_model {
  std::uint64_t id = 0;
  gb::command cmd = gb::command::request;
  bytes adu;
  bool sent = false;
  std::uint16_t serial = 0;
  bytes frame;
  int transmissions = 0;
  mono_time last_tx{};
};

struct key {
  gb::command cmd = gb::command::send_data;
  std::uint16_t serial = 0;
  bytes adu;
  friend bool operator==(const key& a, const key& b) {
    return a.cmd == b.cmd && a.serial == b.serial && a.adu == b.adu;
  }
};

struct waiting {
  std::uint64_t token = 0;
  gb::header hdr;
  key k;
};

// What a call handed the engine: the frames it may answer.
struct unit {
  enum kind { input_frame, input_rejection, call, accept_call, reject_call, disconnect } k = call;
  gb::header hdr;  // the frame (or denied rejection) concerned
  bytes adu;
  bool has_hdr = false;
  std::error_code rejection;
  bool deniable = false;  // a rejection the centre answers with a deny
};

// §6.5.3: a checksum error, wrong end bytes, an ADU length over the limit are denied, when the
// candidate holds the 27 header bytes to echo.
// (for the last two, with protocol version 1 at offset 4: a plausible frame start).
bool deniable(const gb::rejection& r) {
  if (r.candidate.size() < gb::header_size) return false;
  if (r.reason == gb::errc::checksum_mismatch) return true;
  return (r.reason == gb::errc::bad_end || r.reason == gb::errc::adu_too_long) &&
         r.candidate[4] == 1;
}

// A compact form of an output, to compare the two twins.
std::string describe(const gb::centre_session::output& o) {
  std::string s(1, static_cast<char>('0' + o.index()));
  auto num = [&s](std::uint64_t v) { s += std::to_string(v) + ','; };
  auto hdr = [&](const gb::header& h) {
    num(h.serial);
    num(static_cast<std::uint8_t>(h.cmd));
    num(h.source);
    num(h.destination);
  };
  if (const auto* x = std::get_if<gb::centre_session::send>(&o)) {
    s.append(x->bytes.begin(), x->bytes.end());
  } else if (const auto* m = std::get_if<gb::centre_session::message>(&o)) {
    hdr(m->hdr);
    num(m->token);
    num(m->duplicate);
    s.append(m->adu_bytes.begin(), m->adu_bytes.end());
  } else if (const auto* h = std::get_if<gb::centre_session::heartbeat>(&o)) {
    hdr(h->hdr);
  } else if (const auto* a = std::get_if<gb::centre_session::answer>(&o)) {
    num(a->id);
    hdr(a->hdr);
    s.append(a->adu_bytes.begin(), a->adu_bytes.end());
  } else if (const auto* f = std::get_if<gb::centre_session::failed>(&o)) {
    num(f->id);
    num(static_cast<std::uint64_t>(f->reason.value()));
  } else if (const auto* d = std::get_if<gb::centre_session::denied_input>(&o)) {
    num(static_cast<std::uint64_t>(d->reason.value()));
    num(d->serial);
  } else if (const auto* r = std::get_if<gb::centre_session::dropped_input>(&o)) {
    num(static_cast<std::uint64_t>(r->reason.value()));
    num(r->has_serial);
    num(r->serial);
  } else if (const auto* c = std::get_if<gb::centre_session::close>(&o)) {
    num(static_cast<std::uint64_t>(c->reason));
  }
  return s;
}

struct harness {
  gb::centre_config cfg;
  bool eager = true;
  mono_time start;
  gb::centre_session a;
  std::optional<gb::centre_session> b;  // eager twin: clamped times, advance() before each call
  gb::deframer da;
  gb::deframer db;
  mono_time now;        // the program's clock (never goes back)
  mono_time a_time;     // what A is given (may be earlier)
  mono_time eff;        // A's own now: the latest time it was given
  std::string a_trace;  // outputs of the current operation, for the twin comparison
  std::string b_trace;

  // Model.
  std::deque<request_model> requests;  // not ended, in order; front in flight once sent
  std::uint64_t next_id = 1;
  std::uint16_t next_serial = 0;
  std::set<std::uint64_t> ended;
  std::vector<std::uint64_t> issued;
  std::deque<key> history;  // the last duplicate_history remembered keys
  std::deque<waiting> unconfirmed;
  std::deque<unit> answerable;  // inputs since the last drain that may be answered
  bool has_peer = false;
  std::uint64_t peer = 0;
  bool has_wall = false;
  bool closed_seen = false;
  std::optional<gb::close_reason> close_reason;
  mono_time last_frame;
  std::deque<mono_time> window;
  std::size_t errors_in_row = 0;
  std::uint64_t inputs = 0;
  gb::centre_counters seen{};
  std::uint64_t checksum_denials = 0;
  std::uint64_t rejection_drops = 0;
  std::uint16_t last_serial_out = 0;
  std::uint16_t last_serial_in = 0;

  // Per unit (eager).
  unit cur;
  bool in_unit = false;
  int u_message = 0, u_heartbeat = 0, u_confirm = 0, u_deny = 0, u_denied_input = 0,
      u_queue_full = 0, u_unexpected = 0, u_rejection_drop = 0;
  std::optional<gb::close_reason> u_close;
  bool pending_dup_expected = false;

  explicit harness(const gb::centre_config& c, bool e, mono_time t0)
      : cfg(c), eager(e), start(t0), a(c, t0), now(t0), a_time(t0), eff(t0), last_frame(t0) {
    if (eager) b.emplace(c, t0);
    next_serial = c.first_serial;
  }

  // ---- outputs ----

  bool answers(const unit& u, const gb::header& h, bool confirm) const {
    if (!u.has_hdr) return false;
    if (confirm && u.k != unit::accept_call && u.hdr.cmd != gb::command::send_data &&
        u.hdr.cmd != gb::command::control) {
      return false;
    }
    if (!confirm && u.k == unit::accept_call) return false;
    if (confirm && u.k == unit::reject_call) return false;
    return h.serial == u.hdr.serial && h.source == u.hdr.destination &&
           h.destination == u.hdr.source && h.version_major == u.hdr.version_major &&
           h.version_minor == u.hdr.version_minor && (has_wall || h.time == u.hdr.time);
  }

  void on_send(const bytes& frame) {
    const gb::frame_view f = decode_output(frame);
    const gb::command cmd = f.hdr.cmd;
    if (cmd == gb::command::confirm || cmd == gb::command::deny) {
      FIREBUS_FUZZ_CHECK(f.adu.empty());
      const bool confirm = cmd == gb::command::confirm;
      bool found = false;
      for (auto it = answerable.begin(); it != answerable.end(); ++it) {
        if (answers(*it, f.hdr, confirm)) {  // answered once: no longer answerable
          answerable.erase(it);
          found = true;
          break;
        }
      }
      FIREBUS_FUZZ_CHECK(found);
      if (confirm) {
        ++seen.confirms_sent;
        ++u_confirm;
      } else {
        ++seen.denies_sent;
        ++u_deny;
      }
      return;
    }
    FIREBUS_FUZZ_CHECK(cmd == gb::command::request || cmd == gb::command::control);
    FIREBUS_FUZZ_CHECK(f.hdr.source == cfg.address && has_peer && f.hdr.destination == peer);
    if (!has_wall) FIREBUS_FUZZ_CHECK(f.hdr.time == gb::time_tag{});
    FIREBUS_FUZZ_CHECK(!requests.empty());
    request_model& r = requests.front();
    if (r.sent) {  // a retransmission: the identical frame
      FIREBUS_FUZZ_CHECK(frame == r.frame);
      ++r.transmissions;
      FIREBUS_FUZZ_CHECK(r.transmissions <= cfg.retries + 1);
      if (eager) {
        const bool denied_now = cur.k == unit::input_frame && cur.hdr.cmd == gb::command::deny &&
                                cur.hdr.serial == r.serial;
        FIREBUS_FUZZ_CHECK(denied_now || eff >= r.last_tx + cfg.answer_timeout);
      }
      r.last_tx = eff;
      ++seen.retransmissions;
      return;
    }
    FIREBUS_FUZZ_CHECK(cmd == r.cmd && f.hdr.serial == next_serial);
    FIREBUS_FUZZ_CHECK(byte_view(r.adu) == f.adu);
    next_serial = static_cast<std::uint16_t>(next_serial + 1u);
    r.sent = true;
    r.serial = f.hdr.serial;
    r.frame = frame;
    r.transmissions = 1;
    r.last_tx = eff;
    last_serial_out = r.serial;
    ++seen.requests_sent;
  }

  void remember(const key& k) {
    if (cfg.duplicate_history == 0) return;
    history.push_back(k);
    if (history.size() > cfg.duplicate_history) history.pop_front();
  }
  bool in_history(const key& k) const {
    return std::find(history.begin(), history.end(), k) != history.end();
  }

  void end_request(std::uint64_t id) { FIREBUS_FUZZ_CHECK(ended.insert(id).second); }

  void on_output(const gb::centre_session::output& o) {
    FIREBUS_FUZZ_CHECK(!closed_seen);  // the close is the last output
    if (const auto* s = std::get_if<gb::centre_session::send>(&o)) {
      on_send(s->bytes);
    } else if (const auto* m = std::get_if<gb::centre_session::message>(&o)) {
      ++seen.messages;
      ++u_message;
      FIREBUS_FUZZ_CHECK(m->hdr.cmd == gb::command::send_data ||
                         m->hdr.cmd == gb::command::control);
      FIREBUS_FUZZ_CHECK(!m->adu_bytes.empty() && m->adu_bytes.size() <= gb::max_adu_size);
      FIREBUS_FUZZ_CHECK(m->users == cfg.users);
      std::error_code ec;
      (void)gb::parse_adu(m->adu_bytes, ec, cfg.users);
      FIREBUS_FUZZ_CHECK(!ec);
      (void)m->decode();
      if (eager) {
        FIREBUS_FUZZ_CHECK(cur.k == unit::input_frame && m->hdr == cur.hdr &&
                           m->adu_bytes == cur.adu);
      }
      const key k{m->hdr.cmd, m->hdr.serial, m->adu_bytes};
      FIREBUS_FUZZ_CHECK(m->duplicate == in_history(k));
      if (m->duplicate) {
        ++seen.duplicates;
        FIREBUS_FUZZ_CHECK(m->token == 0);
      } else if (cfg.confirm == gb::confirm_policy::immediate) {
        FIREBUS_FUZZ_CHECK(m->token == 0);
        remember(k);
      } else {
        FIREBUS_FUZZ_CHECK(m->token != 0 && unconfirmed.size() < cfg.max_unconfirmed);
        for (const waiting& w : unconfirmed) FIREBUS_FUZZ_CHECK(w.token != m->token && !(w.k == k));
        unconfirmed.push_back({m->token, m->hdr, k});
      }
    } else if (const auto* h = std::get_if<gb::centre_session::heartbeat>(&o)) {
      ++seen.heartbeats;
      ++u_heartbeat;
      FIREBUS_FUZZ_CHECK(h->hdr.cmd == gb::command::send_data);
      if (eager)
        FIREBUS_FUZZ_CHECK(cur.k == unit::input_frame && cur.adu.empty() && h->hdr == cur.hdr);
    } else if (const auto* an = std::get_if<gb::centre_session::answer>(&o)) {
      ++seen.answers;
      FIREBUS_FUZZ_CHECK(!requests.empty() && requests.front().sent);
      const request_model& r = requests.front();
      FIREBUS_FUZZ_CHECK(an->id == r.id && an->hdr.serial == r.serial);
      FIREBUS_FUZZ_CHECK(an->hdr.cmd == (r.cmd == gb::command::request ? gb::command::response
                                                                       : gb::command::confirm));
      if (r.cmd == gb::command::request) {
        std::error_code ec;
        (void)gb::parse_adu(an->adu_bytes, ec, cfg.users);
        FIREBUS_FUZZ_CHECK(!ec);
      }
      if (eager) {
        FIREBUS_FUZZ_CHECK(cur.k == unit::input_frame && cur.hdr == an->hdr &&
                           cur.adu == an->adu_bytes);
      }
      end_request(r.id);
      requests.pop_front();
    } else if (const auto* f = std::get_if<gb::centre_session::failed>(&o)) {
      ++seen.failures;
      FIREBUS_FUZZ_CHECK(!requests.empty());
      const request_model& r = requests.front();
      FIREBUS_FUZZ_CHECK(f->id == r.id);
      if (f->reason == gb::errc::no_answer) {
        FIREBUS_FUZZ_CHECK(r.sent && r.transmissions == cfg.retries + 1);
        if (eager) FIREBUS_FUZZ_CHECK(eff >= r.last_tx + cfg.answer_timeout);
      } else if (f->reason == gb::errc::denied) {
        FIREBUS_FUZZ_CHECK(r.sent && r.transmissions == cfg.retries + 1);
        if (eager) {
          FIREBUS_FUZZ_CHECK(cur.k == unit::input_frame && cur.hdr.cmd == gb::command::deny &&
                             cur.hdr.serial == r.serial);
        }
      } else {
        FIREBUS_FUZZ_CHECK(f->reason == gb::errc::not_connected);
        FIREBUS_FUZZ_CHECK(a.closed());
      }
      end_request(r.id);
      requests.pop_front();
    } else if (const auto* d = std::get_if<gb::centre_session::denied_input>(&o)) {
      ++u_denied_input;
      FIREBUS_FUZZ_CHECK(d->reason);
      FIREBUS_FUZZ_CHECK(d->serial == last_deny_serial && u_deny > 0);
      if (d->reason == gb::errc::checksum_mismatch || d->reason == gb::errc::bad_end ||
          d->reason == gb::errc::adu_too_long) {
        ++checksum_denials;
      }
      if (eager) {
        FIREBUS_FUZZ_CHECK((cur.k == unit::input_frame || cur.k == unit::input_rejection) &&
                           cur.hdr.serial == d->serial);
      }
    } else if (const auto* r = std::get_if<gb::centre_session::dropped_input>(&o)) {
      if (r->reason == gb::errc::unexpected_answer) {
        ++seen.unexpected_answers;
        ++u_unexpected;
        FIREBUS_FUZZ_CHECK(r->has_serial);
        if (eager) {
          FIREBUS_FUZZ_CHECK(cur.k == unit::input_frame && cur.hdr.serial == r->serial);
          FIREBUS_FUZZ_CHECK(cur.hdr.cmd == gb::command::confirm ||
                             cur.hdr.cmd == gb::command::response ||
                             cur.hdr.cmd == gb::command::deny);
        }
      } else if (r->reason == gb::errc::queue_full) {
        ++seen.dropped;
        ++u_queue_full;
        FIREBUS_FUZZ_CHECK(r->has_serial && cfg.confirm == gb::confirm_policy::after_accept);
        if (eager) {
          FIREBUS_FUZZ_CHECK(unconfirmed.size() >= cfg.max_unconfirmed);
          FIREBUS_FUZZ_CHECK(cur.k == unit::input_frame && cur.hdr.serial == r->serial);
        }
      } else {
        ++rejection_drops;
        ++u_rejection_drop;
        FIREBUS_FUZZ_CHECK(!r->has_serial);
        if (eager) {
          FIREBUS_FUZZ_CHECK(cur.k == unit::input_rejection && cur.rejection == r->reason &&
                             !cur.deniable);
        }
      }
    } else if (const auto* c = std::get_if<gb::centre_session::close>(&o)) {
      closed_seen = true;
      close_reason = c->reason;
      u_close = c->reason;
      FIREBUS_FUZZ_CHECK(requests.empty());  // every request failed before the close
      unconfirmed.clear();
      if (c->reason == gb::close_reason::idle_timeout) {
        FIREBUS_FUZZ_CHECK(cfg.idle_timeout > duration::zero() &&
                           eff >= last_frame + cfg.idle_timeout);
      } else if (c->reason == gb::close_reason::output_overflow) {
        FIREBUS_FUZZ_CHECK(!eager);
      } else if (c->reason == gb::close_reason::disconnected) {
        FIREBUS_FUZZ_CHECK(!eager || cur.k == unit::disconnect);
      }
    }
    // Remember the serial of the last deny, to pair it with its denied_input.
    if (const auto* s = std::get_if<gb::centre_session::send>(&o)) {
      if (s->bytes.size() > 27 && s->bytes[26] == 6) {
        last_deny_serial = static_cast<std::uint16_t>(s->bytes[2] | s->bytes[3] << 8);
      }
    }
  }
  std::uint16_t last_deny_serial = 0;

  void check_counters() {
    const gb::centre_counters& k = a.counters();
    FIREBUS_FUZZ_CHECK(k.messages == seen.messages && k.heartbeats == seen.heartbeats);
    FIREBUS_FUZZ_CHECK(k.confirms_sent == seen.confirms_sent && k.denies_sent == seen.denies_sent);
    FIREBUS_FUZZ_CHECK(k.unexpected_answers == seen.unexpected_answers &&
                       k.dropped == seen.dropped);
    FIREBUS_FUZZ_CHECK(k.requests_sent == seen.requests_sent &&
                       k.retransmissions == seen.retransmissions);
    FIREBUS_FUZZ_CHECK(k.answers == seen.answers && k.failures == seen.failures);
    FIREBUS_FUZZ_CHECK(k.rejections == checksum_denials + rejection_drops);
    FIREBUS_FUZZ_CHECK(k.duplicates >= seen.duplicates);
    FIREBUS_FUZZ_CHECK(k.frames_in + k.rejections + k.ignored_after_close + k.rate_limited ==
                       inputs);
    FIREBUS_FUZZ_CHECK(k.rate_limited == (close_reason == gb::close_reason::rate_limit ? 1u : 0u));
  }

  void check_state() {
    FIREBUS_FUZZ_CHECK(a.pending_outputs() <= cfg.max_outputs + cfg.max_pending_requests + 2);
    FIREBUS_FUZZ_CHECK(a.pending_requests() <= cfg.max_pending_requests + 1);
    FIREBUS_FUZZ_CHECK(a.unconfirmed() <= cfg.max_unconfirmed);
    FIREBUS_FUZZ_CHECK(a.has_peer() == has_peer && a.peer_address() == (has_peer ? peer : 0));
    if (!a.closed()) {
      FIREBUS_FUZZ_CHECK(a.next_deadline() > eff);
      if (cfg.idle_timeout > duration::zero()) {
        FIREBUS_FUZZ_CHECK(a.next_deadline() <= last_frame + cfg.idle_timeout);
      }
    } else {
      FIREBUS_FUZZ_CHECK(a.next_deadline() == mono_time::max());
    }
    if (closed_seen) FIREBUS_FUZZ_CHECK(a.closed());
  }

  void drain() {
    gb::centre_session::output o;
    while (a.poll(o)) {
      if (eager) a_trace += describe(o) + '|';
      on_output(o);
    }
    answerable.clear();
    if (!eager) {
      // Lazy: nothing more is known than the totals.
      check_counters();
      return;
    }
    check_counters();
    FIREBUS_FUZZ_CHECK(a.closed() == closed_seen);
    FIREBUS_FUZZ_CHECK(a.pending_requests() == requests.size());
    FIREBUS_FUZZ_CHECK(a.unconfirmed() == unconfirmed.size());
  }

  void drain_b() {
    if (!b) return;
    gb::centre_session::output o;
    while (b->poll(o)) b_trace += describe(o) + '|';
  }

  // ---- units (eager) ----

  void begin_unit(const unit& u) {
    cur = u;
    in_unit = true;
    u_message = u_heartbeat = u_confirm = u_deny = u_denied_input = u_queue_full = u_unexpected =
        u_rejection_drop = 0;
    u_close.reset();
    if (u.has_hdr) answerable.push_back(u);
  }

  void tick() { eff = std::max(eff, a_time); }
  // The twin's time: what A takes `a_time` to be (the latest time it was given).
  mono_time bt() const { return std::max(eff, a_time); }

  // What the timers do at `eff` before any call (idle close), in the model.
  bool idle_due() const {
    return cfg.idle_timeout > duration::zero() && eff >= last_frame + cfg.idle_timeout;
  }

  // After a unit of input (eager): checks the whole effect of one frame or rejection.
  void end_input_unit(bool was_closed, bool idle, bool rate_hit) {
    in_unit = false;
    if (was_closed || idle) {
      FIREBUS_FUZZ_CHECK(u_message + u_heartbeat + u_confirm + u_deny == 0);
      if (!was_closed) FIREBUS_FUZZ_CHECK(u_close == gb::close_reason::idle_timeout);
      return;
    }
    if (rate_hit) {
      FIREBUS_FUZZ_CHECK(u_close == gb::close_reason::rate_limit);
      FIREBUS_FUZZ_CHECK(u_message + u_heartbeat + u_confirm + u_deny == 0);
      return;
    }
    // A user-defined command (128–255) is denied but well-formed: not an error.
    const bool user_command =
        cur.k == unit::input_frame && static_cast<std::uint8_t>(cur.hdr.cmd) >= 128;
    const bool bad = (u_denied_input > 0 && !user_command) || u_rejection_drop > 0;
    FIREBUS_FUZZ_CHECK(u_denied_input + u_rejection_drop <= 1);
    errors_in_row = bad ? errors_in_row + 1 : 0;
    const bool too_many = errors_in_row > cfg.max_consecutive_errors;
    FIREBUS_FUZZ_CHECK(too_many == (u_close == gb::close_reason::too_many_errors));
    if (!too_many) FIREBUS_FUZZ_CHECK(!u_close);
    if (cur.k == unit::input_rejection) {
      const bool denied = cur.deniable;
      FIREBUS_FUZZ_CHECK(u_deny == (denied ? 1 : 0) && u_denied_input == (denied ? 1 : 0));
      FIREBUS_FUZZ_CHECK(u_rejection_drop == (denied ? 0 : 1));
      return;
    }
    // A frame: accounted for exactly once.
    const gb::command cmd = cur.hdr.cmd;
    if (cmd == gb::command::send_data || cmd == gb::command::control) {
      const int outcomes = u_message + u_heartbeat + u_denied_input + u_queue_full;
      if (outcomes == 0) {
        FIREBUS_FUZZ_CHECK(pending_dup_expected);  // the pending accept() confirms it
      } else {
        FIREBUS_FUZZ_CHECK(outcomes == 1);
      }
      // Confirmed at once unless it waits for accept().
      const bool waits =
          cfg.confirm == gb::confirm_policy::after_accept && u_message == 1 && u_confirm == 0;
      FIREBUS_FUZZ_CHECK(u_confirm + u_deny ==
                         ((outcomes == 0 || u_queue_full == 1 || waits) ? 0 : 1));
      if (u_heartbeat == 1) FIREBUS_FUZZ_CHECK(cmd == gb::command::send_data && u_confirm == 1);
    } else if (cmd == gb::command::confirm || cmd == gb::command::response ||
               cmd == gb::command::deny) {
      FIREBUS_FUZZ_CHECK(u_message + u_heartbeat + u_confirm + u_queue_full == 0);
    } else {
      FIREBUS_FUZZ_CHECK(u_denied_input == 1 && u_deny == 1 && u_message + u_heartbeat == 0);
    }
  }

  // ---- calls ----

  void give_frame(const gb::frame_view& f) {
    ++inputs;
    if (!eager) {
      unit u;
      u.k = unit::input_frame;
      u.hdr = f.hdr;
      u.has_hdr = true;
      answerable.push_back(u);
      const std::uint64_t before = a.counters().frames_in;
      a.on_frame(f, a_time);
      tick();
      if (a.counters().frames_in != before) learn_frame(f);
      return;
    }
    unit u;
    u.k = unit::input_frame;
    u.hdr = f.hdr;
    u.adu.assign(f.adu.begin(), f.adu.end());
    u.has_hdr = true;
    begin_unit(u);
    const bool was_closed = a.closed();
    tick();
    const bool idle = !was_closed && idle_due();
    const bool rate_hit = !was_closed && !idle && rate_check();
    pending_dup_expected = false;
    if (cfg.confirm == gb::confirm_policy::after_accept) {
      const key k{f.hdr.cmd, f.hdr.serial, bytes(f.adu.begin(), f.adu.end())};
      for (const waiting& w : unconfirmed) {
        if (w.k == k && !in_history(k)) pending_dup_expected = true;
      }
    }
    a.on_frame(f, a_time);
    if (!was_closed && !idle && !rate_hit) learn_frame(f);
    drain();
    end_input_unit(was_closed, idle, rate_hit);
  }

  void learn_frame(const gb::frame_view& f) {
    last_frame = eff;
    last_serial_in = f.hdr.serial;
    if (!has_peer) {
      has_peer = true;
      peer = f.hdr.source;
    }
  }

  // The rate model: true if this input closes the engine.
  bool rate_check() {
    while (!window.empty() && eff - window.front() >= cfg.rate_window) window.pop_front();
    if (window.size() >= cfg.rate_max_frames) return true;
    window.push_back(eff);
    return false;
  }

  void give_rejection(const gb::rejection& r) {
    ++inputs;
    if (!eager) {
      push_rejection_answerable(r);
      a.on_rejection(r, a_time);
      tick();
      return;
    }
    unit u;
    u.k = unit::input_rejection;
    u.rejection = r.reason;
    u.deniable = deniable(r);
    begin_unit(u);
    push_rejection_answerable(r);
    const bool was_closed = a.closed();
    tick();
    const bool idle = !was_closed && idle_due();
    const bool rate_hit = !was_closed && !idle && rate_check();
    a.on_rejection(r, a_time);
    drain();
    end_input_unit(was_closed, idle, rate_hit);
  }

  void push_rejection_answerable(const gb::rejection& r) {
    if (!deniable(r)) return;
    const std::uint8_t* p = r.candidate.data();
    unit u;
    u.k = unit::input_rejection;
    u.rejection = r.reason;
    u.deniable = true;
    u.has_hdr = true;
    u.hdr.serial = static_cast<std::uint16_t>(p[2] | p[3] << 8);
    u.hdr.version_major = p[4];
    u.hdr.version_minor = p[5];
    u.hdr.time = {p[6], p[7], p[8], p[9], p[10], p[11]};
    for (int k = 5; k >= 0; --k) u.hdr.source = u.hdr.source << 8 | p[12 + k];
    for (int k = 5; k >= 0; --k) u.hdr.destination = u.hdr.destination << 8 | p[18 + k];
    u.hdr.cmd = static_cast<gb::command>(p[26]);
    answerable.push_back(u);
    if (eager) cur.hdr = u.hdr;
  }

  // A call other than an input (request, control, accept, reject, advance): only timers and the
  // call's own effect.
  void begin_call(unit::kind k) {
    unit u;
    u.k = k;
    begin_unit(u);
  }
  void end_call(bool was_closed) {
    in_unit = false;
    if (!eager) return;
    if (was_closed) {
      FIREBUS_FUZZ_CHECK(!u_close);
      return;
    }
    if (idle_due()) {
      FIREBUS_FUZZ_CHECK(u_close == gb::close_reason::idle_timeout);
    } else if (cur.k != unit::disconnect) {
      FIREBUS_FUZZ_CHECK(!u_close);
    }
    FIREBUS_FUZZ_CHECK(u_message + u_heartbeat + u_denied_input + u_unexpected == 0);
  }

  gb::adu request_adu(program& in, bool is_control) {
    const std::uint8_t c = in.u8();
    gb::adu x;
    if (c % 8 == 7) {  // any type, any object list
      x.type = static_cast<gb::adu_type>(in.u8());
      return x;
    }
    bytes raw;
    if (is_control) {
      const std::uint8_t t = c % 3 == 0 ? 89 : c % 3 == 1 ? 90 : 91;
      raw = {t, 1};
      if (t == 90) {
        raw.insert(raw.end(), valid_tag, valid_tag + 6);
      } else {
        raw.push_back(in.u8());
      }
    } else {
      constexpr std::uint8_t reads[] = {61, 62, 63, 64, 65, 66, 67, 68, 81, 84, 85, 86, 88};
      const std::uint8_t t = reads[in.u8() % sizeof(reads)];
      raw = {t, 1};
      raw.resize(2 + object_size_of(t), in.u8());
    }
    std::error_code ec;
    x = gb::decode_adu(raw, ec);
    FIREBUS_FUZZ_CHECK(!ec);
    return x;
  }

  void call_request(program& in, bool is_control) {
    const gb::adu x = request_adu(in, is_control);
    const auto t = static_cast<std::uint8_t>(x.type);
    const bool user = t >= 128 && t <= 254;  // user-defined ADU types (§8)
    const bool type_ok =
        is_control ? ((t >= 89 && t <= 91) || user) : ((t >= 61 && t <= 88) || user);
    bytes encoded;
    firebus::byte_writer w(encoded, gb::max_adu_size);
    std::error_code enc_ec;
    gb::encode_adu(x, w, enc_ec);
    if (eager) {
      begin_call(unit::call);
      b->advance(bt());
    }
    const bool was_closed = a.closed();
    const std::size_t before = a.pending_requests();
    tick();
    const bool idle = !was_closed && idle_due();
    std::error_code ec;
    const std::uint64_t id = is_control ? a.control(x, a_time, ec) : a.request(x, a_time, ec);
    if (b) {
      std::error_code ecb;
      const std::uint64_t idb = is_control ? b->control(x, bt(), ecb) : b->request(x, bt(), ecb);
      FIREBUS_FUZZ_CHECK(idb == id && ecb == ec);
    }
    if (id == 0) {
      FIREBUS_FUZZ_CHECK(ec);
      if (was_closed || idle || !has_peer || (!eager && a.closed())) {
        FIREBUS_FUZZ_CHECK(ec == gb::errc::not_connected || a.closed());
      } else if (!type_ok) {
        FIREBUS_FUZZ_CHECK(ec == firebus::errc::invalid_argument);
      } else if (before >= cfg.max_pending_requests + 1) {
        FIREBUS_FUZZ_CHECK(ec == gb::errc::queue_full || (enc_ec && ec == enc_ec));
      } else {
        FIREBUS_FUZZ_CHECK(enc_ec && ec == enc_ec);
      }
    } else {
      FIREBUS_FUZZ_CHECK(!ec && id == next_id && type_ok && has_peer && !enc_ec);
      ++next_id;
      issued.push_back(id);
      request_model r;
      r.id = id;
      r.cmd = is_control ? gb::command::control : gb::command::request;
      r.adu = encoded;
      requests.push_back(std::move(r));
    }
    if (eager) {
      drain();
      end_call(was_closed);
    }
  }

  void call_settle(program& in, bool ok) {
    std::uint64_t token = 0;
    const std::uint8_t c = in.u8();
    if (!unconfirmed.empty() && (c % 4 != 3 || !eager)) {
      token = unconfirmed[c % unconfirmed.size()].token;
    } else if (eager) {
      token = in.u8();
    }
    if (eager) {
      begin_call(ok ? unit::accept_call : unit::reject_call);
      b->advance(bt());
    }
    // The token's message may be answered.
    auto it = std::find_if(unconfirmed.begin(), unconfirmed.end(),
                           [token](const waiting& w) { return w.token == token; });
    if (it != unconfirmed.end()) {
      unit u;
      u.k = ok ? unit::accept_call : unit::reject_call;
      u.hdr = it->hdr;
      u.has_hdr = true;
      answerable.push_back(u);
    }
    const bool was_closed = a.closed();
    tick();
    const bool idle = !was_closed && idle_due();
    std::error_code ec;
    if (ok) {
      a.accept(token, a_time, ec);
    } else {
      a.reject(token, a_time, ec);
    }
    if (b) {
      std::error_code ecb;
      if (ok) {
        b->accept(token, bt(), ecb);
      } else {
        b->reject(token, bt(), ecb);
      }
      FIREBUS_FUZZ_CHECK(ecb == ec);
    }
    if (!ec) {
      FIREBUS_FUZZ_CHECK(it != unconfirmed.end());
      if (ok) remember(it->k);
      unconfirmed.erase(it);
    } else if (ec == firebus::errc::invalid_argument) {
      FIREBUS_FUZZ_CHECK(it == unconfirmed.end() || !eager);
    } else {
      FIREBUS_FUZZ_CHECK(ec == gb::errc::not_connected);
      FIREBUS_FUZZ_CHECK(was_closed || idle || a.closed());
    }
    if (eager) {
      drain();
      end_call(was_closed);
      if (!ec) FIREBUS_FUZZ_CHECK(u_confirm == (ok ? 1 : 0) && u_deny == (ok ? 0 : 1));
    }
  }

  void call_advance() {
    if (eager) {
      begin_call(unit::call);
      b->advance(bt());
    }
    const bool was_closed = a.closed();
    tick();
    a.advance(a_time);
    if (eager) {
      drain();
      end_call(was_closed);
    }
  }

  void call_disconnect() {
    if (eager) {
      begin_call(unit::disconnect);
      b->on_disconnected();
    }
    const bool was_closed = a.closed();
    a.on_disconnected();
    FIREBUS_FUZZ_CHECK(a.closed());
    if (eager) {
      drain();
      end_call(was_closed);
      if (!was_closed) FIREBUS_FUZZ_CHECK(u_close == gb::close_reason::disconnected);
    }
  }

  // Frames: built by the program, given directly or through the deframers.
  gb::header frame_header(program& in) {
    gb::header h;
    const std::uint8_t s = in.u8();
    switch (s % 4) {
      case 0:
        h.serial =
            !requests.empty() && requests.front().sent ? requests.front().serial : last_serial_out;
        break;
      case 1:
        h.serial = last_serial_in;
        break;
      case 2:
        h.serial = static_cast<std::uint16_t>(last_serial_in + 1u);
        break;
      default:
        h.serial = in.u16();
    }
    h.cmd = static_cast<gb::command>(commands[(s >> 2) % sizeof(commands)]);
    const std::uint8_t f = in.u8();
    h.source = (f & 1) != 0 ? in.u48() : 0x000012345678;
    h.destination = (f & 2) != 0 ? in.u48() : cfg.address;
    if ((f & 4) != 0) h.version_minor = in.u8();
    if ((f & 8) != 0) h.version_major = in.u8();
    h.time = (f & 16) != 0 ? tag_of(in) : gb::time_tag{0, 0, 12, 1, 6, 26};
    return h;
  }

  void op_frame(program& in) {
    const gb::header h = frame_header(in);
    const bytes adu = make_adu(in);
    if (adu.size() > gb::max_adu_size) return;
    const bytes frame = build_frame(h, adu);
    const gb::frame_view f = gb::decode_frame(frame);
    if (b) {
      b->advance(bt());
      b->on_frame(f, bt());
    }
    give_frame(f);
  }

  void feed(const bytes& chunk, bool flush) {
    auto fa = [this](const gb::frame_view& f) { give_frame(f); };
    auto ra = [this](const gb::rejection& r) { give_rejection(r); };
    if (flush) {
      da.flush(fa, ra);
    } else {
      da.feed(chunk, fa, ra);
    }
    if (b) {
      auto fb = [this](const gb::frame_view& f) {
        b->advance(bt());
        b->on_frame(f, bt());
        drain_b();
      };
      auto rb = [this](const gb::rejection& r) {
        b->advance(bt());
        b->on_rejection(r, bt());
        drain_b();
      };
      if (flush) {
        db.flush(fb, rb);
      } else {
        db.feed(chunk, fb, rb);
      }
    }
  }

  void op_bytes(program& in) {
    const std::uint8_t c = in.u8();
    if (c % 8 == 7) {
      feed({}, true);
      return;
    }
    bytes chunk;
    if ((c & 8) != 0) chunk = in.take(in.u8() % 8);  // garbage before
    const gb::header h = frame_header(in);
    bytes adu = make_adu(in);
    if (adu.size() > gb::max_adu_size) adu.resize(gb::max_adu_size);
    bytes frame = build_frame(h, adu);
    switch (c % 8) {
      case 1:  // checksum
        frame[frame.size() - 3] =
            static_cast<std::uint8_t>(frame[frame.size() - 3] + 1 + in.u8() % 255);
        break;
      case 2:  // a byte of the content
        frame[2 + in.u16() % (frame.size() - 5)] ^= static_cast<std::uint8_t>(1 + in.u8() % 255);
        break;
      case 3:  // end
        frame[frame.size() - 1] = 0x35;
        break;
      case 4:  // length over 1024
        frame[24] = 0x01;
        frame[25] = 0x04 | in.u8();
        break;
      case 5:  // cut
        frame.resize(in.u16() % frame.size());
        break;
      default:
        break;
    }
    chunk.insert(chunk.end(), frame.begin(), frame.end());
    feed(chunk, (c & 0x10) != 0);
  }

  void op_wall(program& in) {
    const utc_time u = utc_choice(in.u8(), in.u16());
    a.set_wall_clock(now, u);
    if (b) b->set_wall_clock(now, u);
    has_wall = true;
  }

  void finish_op() {
    if (eager) {
      drain_b();
      FIREBUS_FUZZ_CHECK(a_trace == b_trace);
      a_trace.clear();
      b_trace.clear();
    }
    check_state();
    a_time = now;
  }

  void finish() {
    call_disconnect();
    drain();
    drain_b();
    if (eager) FIREBUS_FUZZ_CHECK(a_trace == b_trace);
    check_state();
    FIREBUS_FUZZ_CHECK(closed_seen && a.closed() && a.pending_outputs() == 0);
    FIREBUS_FUZZ_CHECK(requests.empty() && a.pending_requests() == 0 && a.unconfirmed() == 0);
    FIREBUS_FUZZ_CHECK(ended.size() == issued.size());
    for (std::uint64_t id : issued) FIREBUS_FUZZ_CHECK(ended.count(id) == 1);
    // Closed stays closed and silent.
    std::error_code ec;
    FIREBUS_FUZZ_CHECK(a.request(gb::adu{gb::adu_type::read_uitd_status, {gb::read_uitd_status{}}},
                                 now, ec) == 0 &&
                       ec == gb::errc::not_connected);
    a.advance(now + std::chrono::hours(1));
    FIREBUS_FUZZ_CHECK(a.pending_outputs() == 0 && a.closed());
  }
};

void run(program& in) {
  const gb::centre_config cfg = config_from(in);
  const bool eager = (in.p[0] & 2) == 0;
  const mono_time t0 = mono_time(duration(second * in.u8()));
  harness h(cfg, eager, t0);
  std::size_t ops = 0;
  while (in.more() && ops++ < max_ops) {
    const std::uint8_t op = in.u8();
    switch (op % 14) {
      case 0:
        h.now = capped(h.now + step_of(in.u8()));
        h.a_time = h.now;
        break;
      case 1:
      case 2:
        h.op_frame(in);
        break;
      case 3:
        h.op_bytes(in);
        break;
      case 4:
        h.call_request(in, false);
        break;
      case 5:
        h.call_request(in, true);
        break;
      case 6:
        h.call_settle(in, true);
        break;
      case 7:
        h.call_settle(in, false);
        break;
      case 8:
        h.call_advance();
        break;
      case 9: {  // advance_due
        const mono_time d = h.a.next_deadline();
        const std::uint8_t m = in.u8();
        if (d != mono_time::max() && d < mono_time(duration(t_cap))) {
          const mono_time t = d + duration(static_cast<std::int64_t>(m % 3) - 1);
          h.now = std::max(h.now, t);
          h.a_time = h.now;
        }
        h.call_advance();
        break;
      }
      case 10: {  // back: the next call is given an earlier time
        const mono_time t = h.now - step_of(in.u8()) - duration(1);
        h.a_time = t;
        const std::uint8_t next = in.u8();
        if (next % 3 == 0) {
          h.op_frame(in);
        } else if (next % 3 == 1) {
          h.call_advance();
        } else {
          h.call_request(in, (next & 4) != 0);
        }
        break;
      }
      case 11:
        h.op_wall(in);
        break;
      case 12:
        h.drain();
        h.drain_b();
        break;
      case 13:
        if (in.u8() % 8 == 0) h.call_disconnect();
        break;
      default:
        break;
    }
    h.finish_op();
  }
  h.finish();
}

}  // namespace centre

// ================================================================================================
// uitd_session
// ================================================================================================
namespace uitd {

constexpr std::uint64_t own_address = 0x000012345678;
constexpr std::uint64_t centre_address = 0x0000000000AB;

gb::uitd_session_config config_from(program& in) {
  gb::uitd_session_config c;
  const std::uint8_t a = in.u8();
  const std::uint8_t b = in.u8();
  const std::uint8_t d = in.u8();
  c.address = own_address;
  c.centre_address = centre_address;
  constexpr std::int64_t timeouts[] = {10 * second, second, 3 * second, 1000};
  c.answer_timeout = duration(timeouts[a % 4]);
  constexpr std::int64_t fires[] = {3 * second, second, 10 * second, 1};
  c.fire_answer_timeout = duration(fires[(a >> 2) % 4]);
  c.retries = (a >> 4) % 4;
  constexpr std::int64_t beats[] = {0, 30 * second, 5 * second, 1000};
  c.heartbeat = duration(beats[(a >> 6) % 4]);
  constexpr std::size_t queues[] = {1024, 1, 2, 5};
  c.max_queue = queues[b % 4];
  constexpr std::size_t outs[] = {1024, 1, 4, 16};
  c.max_outputs = outs[(b >> 2) % 4];
  constexpr std::int64_t ages[] = {0, 0, 20 * second, 5 * second};
  c.max_age = duration(ages[(b >> 4) % 4]);
  constexpr std::uint16_t serials[] = {0, 65535, 0x2323, 7};
  c.first_serial = serials[(b >> 6) % 4];
  c.adopt_clock_sync = (d & 1) == 0;
  c.version_minor = (d & 2) != 0 ? 3 : 0;
  c.utc_offset = std::chrono::minutes((d & 4) != 0 ? -24 * 60 : 8 * 60);
  c.backoff_initial = duration((d & 8) != 0 ? 1 : second);
  c.backoff_max = (d & 16) != 0 ? c.backoff_initial : duration(60 * second);
  c.backoff_factor = (d & 32) != 0 ? 1000 : 2;
  c.backoff_jitter_permille = (d & 64) != 0 ? 1000 : 200;
  c.backoff_seed = d;
  FIREBUS_FUZZ_CHECK(!gb::validate(c));
  return c;
}

struct msg {
  gb::message_priority prio = gb::message_priority::routine;
  bytes adu;
  mono_time submitted{};
  bool has_serial = false;
  bool serial_known = false;
  std::uint16_t serial = 0;
  int observed = 0;                 // transmissions seen
  bool maybe_lost = false;          // some of its transmissions were discarded unseen
  bool may_have_serial = false;     // a first transmission may have been discarded unseen
  int session = 0;                  // transmissions seen in the current session
  std::deque<std::uint64_t> marks;  // frame indexes from which a new session starts
  mono_time last_tx{};
  bool ended = false;
};

struct expected_answer {
  gb::header hdr;  // the frame answered
  gb::command cmd = gb::command::confirm;
  bytes adu;  // response ADU
};

enum class provider_mode : std::uint8_t { none, refuse, throws, answers, too_big };

struct harness {
  gb::uitd_session_config cfg;
  bool eager = true;
  gb::uitd_session s;
  mono_time now{};
  provider_mode provider = provider_mode::none;
  std::uint8_t provider_status = 0;

  std::map<std::uint64_t, msg> msgs;
  std::uint64_t next_id = 1;
  std::uint16_t next_serial = 0;
  std::optional<std::uint64_t> flight;  // the engine's in_flight() after the last call
  bool hb_active = false;               // a heartbeat is the transaction of the model
  std::uint16_t hb_serial = 0;
  int hb_session = 0;
  std::deque<expected_answer> answers;
  std::uint64_t sends_seen = 0;
  std::uint64_t discarded = 0;
  std::uint64_t delivered = 0, failed = 0, evicted = 0, denied = 0;
  std::uint64_t received = 0, ignored = 0;
  std::set<std::uint16_t> confirms_received;
  mono_time last_event_at{};
  std::uint16_t last_data_serial = 0;

  // Per call (eager).
  enum class call { other, receive_confirm, receive_deny, submit, advance, connect };
  call cur = call::other;
  std::uint16_t cur_serial = 0;
  gb::message_priority cur_prio = gb::message_priority::routine;
  bool fire_waiting = false;
  bool fire_frame_in_call = false;
  bool fire_failed_in_call = false;

  harness(const gb::uitd_session_config& c, bool e) : cfg(c), eager(e), s(c) {
    next_serial = c.first_serial;
  }

  void install_provider() {
    if (provider == provider_mode::none) {
      s.set_data_provider({});
      return;
    }
    s.set_data_provider([this](const gb::adu& req, gb::adu& resp, std::error_code& ec) {
      const auto t = static_cast<unsigned>(req.type);
      FIREBUS_FUZZ_CHECK((t >= 61 && t <= 68) || t == 81 || (t >= 84 && t <= 86) || t == 88);
      switch (provider) {
        case provider_mode::refuse:
          if ((provider_status & 1) != 0) ec = gb::errc::unknown_command;
          return false;
        case provider_mode::throws:
          throw std::runtime_error("provider");
        case provider_mode::answers:
          resp = response();
          return true;
        case provider_mode::too_big: {
          resp = response();
          resp.objects.push_back(resp.objects.front());  // type 21 holds one object
          return true;
        }
        case provider_mode::none:
          break;
      }
      return false;
    });
  }

  gb::adu response() const {
    gb::uitd_status st;
    st.status = provider_status;
    st.time = {0, 0, 12, 1, 6, 26};
    return gb::adu{gb::adu_type::uitd_status, {st}};
  }

  duration wait_of(gb::message_priority p) const {
    return p == gb::message_priority::fire ? std::min(cfg.fire_answer_timeout, cfg.answer_timeout)
                                           : cfg.answer_timeout;
  }
  duration fire_wait() const { return std::min(cfg.fire_answer_timeout, cfg.answer_timeout); }

  std::size_t held() const {
    const auto f = s.in_flight();
    return s.queued() + (f && *f != 0 ? 1u : 0u);
  }

  // ---- outputs ----

  void on_send(const gb::uitd_send& x) {
    const gb::frame_view f = decode_output(x.frame);
    FIREBUS_FUZZ_CHECK(f.hdr.cmd == x.cmd && f.hdr.serial == x.serial);
    const std::uint64_t index = sends_seen + discarded;  // among all frames written
    ++sends_seen;
    if (x.cmd != gb::command::send_data) {  // an answer to the centre
      FIREBUS_FUZZ_CHECK(x.id == 0 && !answers.empty());
      const expected_answer e = answers.front();
      answers.pop_front();
      FIREBUS_FUZZ_CHECK(x.cmd == e.cmd && f.hdr.serial == e.hdr.serial);
      FIREBUS_FUZZ_CHECK(f.hdr.source == e.hdr.destination && f.hdr.destination == e.hdr.source);
      FIREBUS_FUZZ_CHECK(f.hdr.version_major == e.hdr.version_major &&
                         f.hdr.version_minor == e.hdr.version_minor);
      FIREBUS_FUZZ_CHECK(byte_view(e.adu) == f.adu);
      return;
    }
    FIREBUS_FUZZ_CHECK(f.hdr.source == own_address && f.hdr.destination == centre_address);
    FIREBUS_FUZZ_CHECK(f.hdr.version_major == 1 && f.hdr.version_minor == cfg.version_minor);
    if (settling) to_confirm.push_back(f.hdr.serial);
    if (x.id == 0) {  // heartbeat
      FIREBUS_FUZZ_CHECK(f.adu.empty() && cfg.heartbeat > duration::zero());
      if (eager) FIREBUS_FUZZ_CHECK(!fire_waiting || fire_frame_in_call || fire_failed_in_call);
      if (hb_active && f.hdr.serial == hb_serial) {
        ++hb_session;
      } else {
        FIREBUS_FUZZ_CHECK(f.hdr.serial == next_serial);
        next_serial = static_cast<std::uint16_t>(next_serial + 1u);
        hb_active = true;
        hb_serial = f.hdr.serial;
        hb_session = 1;
      }
      FIREBUS_FUZZ_CHECK(hb_session <= cfg.retries + 1);
      return;
    }
    auto it = msgs.find(x.id);
    FIREBUS_FUZZ_CHECK(it != msgs.end());
    msg& m = it->second;
    FIREBUS_FUZZ_CHECK(!m.ended);                      // nothing is sent for a message that ended
    if (duty_ids.count(x.id) == 1 && m.adu.empty()) {  // type 24, flag bit 5, its operator
      FIREBUS_FUZZ_CHECK(f.adu.size() == 10 && f.adu[0] == 24 && f.adu[1] == 1 && f.adu[2] == 0x20);
      m.adu.assign(f.adu.begin(), f.adu.end());
    }
    FIREBUS_FUZZ_CHECK(byte_view(m.adu) == f.adu);
    if (m.has_serial) {
      if (m.serial_known) FIREBUS_FUZZ_CHECK(f.hdr.serial == m.serial);
    } else if (f.hdr.serial == next_serial) {
      next_serial = static_cast<std::uint16_t>(next_serial + 1u);
      m.has_serial = true;
    } else {
      FIREBUS_FUZZ_CHECK(m.may_have_serial);
      m.has_serial = true;
    }
    while (!m.marks.empty() && m.marks.front() <= index) {
      m.marks.pop_front();
      m.session = 0;
    }
    m.serial = f.hdr.serial;
    m.serial_known = true;
    last_data_serial = m.serial;
    ++m.observed;
    if (eager) {
      if (m.prio == gb::message_priority::fire) {
        fire_frame_in_call = true;
      } else {
        FIREBUS_FUZZ_CHECK(!fire_waiting || fire_frame_in_call || fire_failed_in_call);
      }
      if (m.session > 0) {  // a retransmission: after its timeout or a deny of its serial
        const bool denied_now = cur == call::receive_deny && cur_serial == m.serial;
        FIREBUS_FUZZ_CHECK(denied_now || now >= m.last_tx + wait_of(m.prio));
      }
      m.last_tx = now;
    }
    ++m.session;
    FIREBUS_FUZZ_CHECK(m.session <= cfg.retries + 1);
  }

  void end_msg(std::uint64_t id, msg*& out) {
    auto it = msgs.find(id);
    FIREBUS_FUZZ_CHECK(it != msgs.end() && !it->second.ended);
    it->second.ended = true;
    out = &it->second;
  }

  void on_output(const gb::uitd_output& o) {
    if (const auto* x = std::get_if<gb::uitd_send>(&o)) {
      on_send(*x);
    } else if (const auto* d = std::get_if<gb::uitd_delivered>(&o)) {
      msg* m = nullptr;
      end_msg(d->id, m);
      ++delivered;
      FIREBUS_FUZZ_CHECK((m->has_serial || m->may_have_serial) && d->attempts >= 1);
      if (m->serial_known) FIREBUS_FUZZ_CHECK(confirms_received.count(m->serial) == 1);
      FIREBUS_FUZZ_CHECK(d->attempts >= m->observed);
      if (!m->maybe_lost) FIREBUS_FUZZ_CHECK(d->attempts == m->observed);
      FIREBUS_FUZZ_CHECK(d->latency >= duration::zero());
      if (eager) {
        FIREBUS_FUZZ_CHECK(cur == call::receive_confirm && m->serial_known &&
                           cur_serial == m->serial);
        FIREBUS_FUZZ_CHECK(d->latency == now - m->submitted);
      }
    } else if (const auto* f = std::get_if<gb::uitd_failed>(&o)) {
      msg* m = nullptr;
      end_msg(f->id, m);
      ++failed;
      FIREBUS_FUZZ_CHECK(f->attempts >= m->observed);
      if (!m->maybe_lost) FIREBUS_FUZZ_CHECK(f->attempts == m->observed);
      if (m->prio == gb::message_priority::fire) fire_failed_in_call = true;
      const bool aged = cfg.max_age > duration::zero();
      if (f->error == gb::errc::queue_full) {
        ++evicted;
        // Never a fire message; a queued one (possibly one that gave way, already sent once).
        FIREBUS_FUZZ_CHECK(m->prio != gb::message_priority::fire);
        if (eager) {
          FIREBUS_FUZZ_CHECK(cur == call::submit &&
                             static_cast<int>(m->prio) > static_cast<int>(cur_prio));
        }
      } else if (f->error == gb::errc::denied) {
        ++denied;
        if (!aged && !m->maybe_lost) FIREBUS_FUZZ_CHECK(m->session == cfg.retries + 1);
        if (eager) {
          FIREBUS_FUZZ_CHECK(cur == call::receive_deny && m->serial_known &&
                             cur_serial == m->serial);
        }
      } else if (f->error == gb::errc::no_answer) {
        if (!aged && !m->maybe_lost) {
          FIREBUS_FUZZ_CHECK(m->session == cfg.retries + 1);
          if (eager) FIREBUS_FUZZ_CHECK(now >= m->last_tx + wait_of(m->prio));
        } else if (eager && m->session != cfg.retries + 1) {
          FIREBUS_FUZZ_CHECK(now - m->submitted >= cfg.max_age);
        }
      } else {
        FIREBUS_FUZZ_CHECK(f->error == gb::errc::not_connected && aged);
        if (eager) FIREBUS_FUZZ_CHECK(now - m->submitted >= cfg.max_age && !s.is_connected());
      }
    } else {
      const auto& e = std::get<gb::uitd_event>(o);
      FIREBUS_FUZZ_CHECK(e.at >= last_event_at && e.at <= now);
      last_event_at = e.at;
      if (eager) FIREBUS_FUZZ_CHECK(e.at == now);
      switch (e.kind) {
        case gb::uitd_event_kind::clock_sync: {
          std::error_code ec;
          FIREBUS_FUZZ_CHECK(e.time.valid() && e.utc == e.time.to_utc(cfg.utc_offset, ec) && !ec);
          break;
        }
        case gb::uitd_event_kind::duty_check:
          FIREBUS_FUZZ_CHECK(e.deadline == e.at + std::chrono::minutes(e.timeout_minutes));
          break;
        case gb::uitd_event_kind::heartbeat_failed:
          FIREBUS_FUZZ_CHECK(e.error == gb::errc::no_answer);
          if (hb_active && e.serial == hb_serial) {
            FIREBUS_FUZZ_CHECK(hb_session == cfg.retries + 1);
            hb_active = false;
          }
          break;
        case gb::uitd_event_kind::unexpected_answer:
          FIREBUS_FUZZ_CHECK(e.error == gb::errc::unexpected_answer);
          break;
        case gb::uitd_event_kind::request_denied:
          FIREBUS_FUZZ_CHECK(static_cast<bool>(e.error));
          break;
        case gb::uitd_event_kind::init_request:
          break;
      }
    }
  }

  void drain() {
    gb::uitd_output o;
    while (s.poll(o)) on_output(o);
    FIREBUS_FUZZ_CHECK(answers.empty());  // every answer promised was written
    check_counters();
  }

  void check_counters() {
    const gb::uitd_counters k = s.counters(now);
    FIREBUS_FUZZ_CHECK(k.frames_sent == sends_seen + discarded);
    FIREBUS_FUZZ_CHECK(k.delivered == delivered && k.failed == failed);
    FIREBUS_FUZZ_CHECK(k.evicted == evicted && k.denied == denied);
    FIREBUS_FUZZ_CHECK(k.frames_received == received && k.ignored_disconnected == ignored);
    for (std::size_t p = 0; p < gb::message_priority_count; ++p) {
      FIREBUS_FUZZ_CHECK(k.queued[p] == s.queued(static_cast<gb::message_priority>(p)));
    }
    FIREBUS_FUZZ_CHECK(k.oldest_fire_age >= duration::zero());
  }

  void check_state() {
    // The output bound: max_outputs, plus what the held messages can add while submissions are
    // refused (each session at most retries + 1 frames, at most one session per message and one
    // per fire message that made one give way, one report each), plus a margin.
    const std::size_t per = static_cast<std::size_t>(cfg.retries) + 1;
    const std::size_t bound = cfg.max_outputs + 2 * (cfg.max_queue + 1) * per + cfg.max_queue + 8;
    FIREBUS_FUZZ_CHECK(s.pending_outputs() <= bound);
    FIREBUS_FUZZ_CHECK(held() <= cfg.max_queue);
    // Pending messages: those not ended.
    std::size_t open = 0;
    for (const auto& [id, m] : msgs) open += m.ended ? 0 : 1;
    if (eager) FIREBUS_FUZZ_CHECK(open == held());
    const auto f = s.in_flight();
    if (f && *f != 0) {
      FIREBUS_FUZZ_CHECK(s.is_connected());
      FIREBUS_FUZZ_CHECK(s.in_flight_priority() == msgs.at(*f).prio);
      // Nothing more urgent waits behind a new transaction... except a fire message queued
      // behind a less urgent one in flight, which then has a deadline within the fire wait.
    }
    if (eager && s.is_connected() && s.queued(gb::message_priority::fire) > 0) {
      FIREBUS_FUZZ_CHECK(f && *f != 0);
      const msg& m = msgs.at(*f);
      const auto dl = s.next_deadline();
      FIREBUS_FUZZ_CHECK(dl && *dl <= m.last_tx + fire_wait());
    }
    if (!s.is_connected()) FIREBUS_FUZZ_CHECK(!f);
    flight = f;
  }

  // ---- calls ----

  void begin(call c) {
    cur = c;
    fire_waiting = s.queued(gb::message_priority::fire) > 0;
    fire_frame_in_call = false;
    fire_failed_in_call = false;
  }

  void after_call() {
    // Session bookkeeping: a message in flight before the call that is no longer in flight and
    // not ended was put back in its queue: its next transmission starts a new session.
    const auto f = s.in_flight();
    if (flight && *flight != 0 && (!f || *f != *flight)) {
      msgs.at(*flight).marks.push_back(s.counters(now).frames_sent);
    }
    if (eager) drain();
    check_state();
  }

  // The answer the rules give to `f`, if any (§6.5, "Answering the centre").
  std::optional<expected_answer> predict(const gb::frame_view& f) {
    expected_answer e;
    e.hdr = f.hdr;
    std::error_code ec;
    switch (f.hdr.cmd) {
      case gb::command::confirm:
      case gb::command::deny:
      case gb::command::response:
        return std::nullopt;
      case gb::command::request: {
        const gb::adu r = gb::decode_adu(f.adu, ec);
        const auto t = static_cast<unsigned>(r.type);
        const bool read = (t >= 61 && t <= 68) || t == 81 || (t >= 84 && t <= 86) || t == 88;
        e.cmd = gb::command::deny;
        if (!ec && read && provider == provider_mode::answers) {
          e.cmd = gb::command::response;
          e.adu = gb::encode_adu(response());
        }
        return e;
      }
      case gb::command::control: {
        const gb::adu r = gb::decode_adu(f.adu, ec);
        e.cmd = gb::command::deny;
        if (!ec && r.objects.size() == 1) {
          const gb::object& o = r.objects.front();
          if (std::holds_alternative<gb::init_uitd>(o) ||
              std::holds_alternative<gb::duty_check>(o)) {
            e.cmd = gb::command::confirm;
          } else if (const auto* t = std::get_if<gb::sync_uitd_time>(&o)) {
            std::error_code tec;
            (void)t->time.to_utc(cfg.utc_offset, tec);
            if (t->time.valid() && !tec) e.cmd = gb::command::confirm;
          }
        }
        return e;
      }
      case gb::command::send_data:
        e.cmd = f.adu.empty() ? gb::command::confirm : gb::command::deny;
        return e;
      default:
        e.cmd = gb::command::deny;
        return e;
    }
  }

  void give(const gb::frame_view& f) {
    const bool counted = s.is_connected();
    if (counted) {
      ++received;
      if (s.pending_outputs() < cfg.max_outputs) {
        if (auto e = predict(f)) answers.push_back(*e);
      }
      if (f.hdr.cmd == gb::command::confirm) confirms_received.insert(f.hdr.serial);
    } else {
      ++ignored;
    }
    cur_serial = f.hdr.serial;
    begin(f.hdr.cmd == gb::command::confirm ? call::receive_confirm
          : f.hdr.cmd == gb::command::deny  ? call::receive_deny
                                            : call::other);
    s.receive(f, now);
    after_call();
  }

  gb::header frame_header(program& in) {
    gb::header h;
    const std::uint8_t sc = in.u8();
    switch (sc % 5) {
      case 0:
      case 1: {
        const auto f = s.in_flight();
        if (f && *f != 0 && msgs.at(*f).serial_known) {
          h.serial = msgs.at(*f).serial;
        } else if (f && hb_active) {
          h.serial = hb_serial;
        } else {
          h.serial = last_data_serial;
        }
        break;
      }
      case 2:
        h.serial = last_data_serial;
        break;
      case 3:
        h.serial = static_cast<std::uint16_t>(next_serial - 1u - in.u8() % 4);
        break;
      default:
        h.serial = in.u16();
    }
    h.cmd = static_cast<gb::command>(commands[(sc >> 3) % sizeof(commands)]);
    const std::uint8_t f = in.u8();
    h.source = (f & 1) != 0 ? in.u48() : centre_address;
    h.destination = (f & 2) != 0 ? in.u48() : own_address;
    if ((f & 4) != 0) h.version_minor = in.u8();
    if ((f & 8) != 0) h.version_major = in.u8();
    h.time = (f & 16) != 0 ? tag_of(in) : gb::time_tag{0, 0, 12, 1, 6, 26};
    return h;
  }

  void op_frame(program& in) {
    const gb::header h = frame_header(in);
    const bytes adu = make_adu(in);
    if (adu.size() > gb::max_adu_size) return;
    const bytes frame = build_frame(h, adu);
    give(gb::decode_frame(frame));
  }

  void op_bytes(program& in) {
    const std::uint8_t c = in.u8();
    const gb::header h = frame_header(in);
    bytes adu = make_adu(in);
    if (adu.size() > gb::max_adu_size) adu.resize(gb::max_adu_size);
    bytes frame = build_frame(h, adu);
    switch (c % 6) {
      case 0:
        frame[frame.size() - 3] =
            static_cast<std::uint8_t>(frame[frame.size() - 3] + 1 + in.u8() % 255);
        break;
      case 1:
        frame[in.u16() % frame.size()] ^= static_cast<std::uint8_t>(1 + in.u8() % 255);
        break;
      case 2:
        frame.resize(in.u16() % frame.size());
        break;
      case 3:
        frame.push_back(in.u8());
        break;
      case 4:
        frame[24] = 0x01;
        frame[25] = 0x04;
        break;
      default:
        break;
    }
    std::error_code dec;
    const gb::frame_view v = gb::decode_frame(frame, dec);
    if (!dec) {  // still a frame: as the frame_view overload
      give(v);
      return;
    }
    // Only a checksum error, wrong end bytes or a length over 1024 (§6.5.3) is answered, with
    // the header there to echo, and never an answer.
    const bool counted =
        frame.size() >= gb::header_size && s.is_connected() &&
        (dec == gb::errc::checksum_mismatch ||
         ((dec == gb::errc::bad_end || dec == gb::errc::adu_too_long) && frame[4] == 1));
    gb::header rh;
    bool answer_like = false;
    if (counted) {
      rh = h;  // the header bytes are intact unless the flipped byte hit them
      const std::uint8_t* p = frame.data();
      rh.serial = static_cast<std::uint16_t>(p[2] | p[3] << 8);
      rh.version_major = p[4];
      rh.version_minor = p[5];
      rh.source = 0;
      rh.destination = 0;
      for (int k = 5; k >= 0; --k) rh.source = rh.source << 8 | p[12 + k];
      for (int k = 5; k >= 0; --k) rh.destination = rh.destination << 8 | p[18 + k];
      rh.cmd = static_cast<gb::command>(p[26]);
      answer_like = rh.cmd == gb::command::confirm || rh.cmd == gb::command::deny ||
                    rh.cmd == gb::command::response;
      if (!answer_like) {
        ++received;
        if (s.pending_outputs() < cfg.max_outputs) {
          expected_answer e;
          e.hdr = rh;
          e.cmd = gb::command::deny;
          answers.push_back(e);
        }
      }
    }
    begin(call::other);
    std::error_code ec;
    s.receive(byte_view(frame), now, ec);
    FIREBUS_FUZZ_CHECK(ec == dec);
    after_call();
  }

  void op_submit(program& in, bool typed) {
    const std::uint8_t c = in.u8();
    bytes adu = make_adu(in);
    if ((c & 0x80) != 0 && adu.size() <= gb::max_adu_size) {  // a fire alarm, usually
      adu = {21, 1, static_cast<std::uint8_t>(0x03 | (c & 0x7C)), 0, 0, 12, 1, 6, 26};
    }
    gb::message_priority p = static_cast<gb::message_priority>(c % 4);
    std::error_code ec;
    const std::size_t held_before = held();
    const bool outputs_full = s.pending_outputs() >= cfg.max_outputs;
    std::uint64_t id = 0;
    if (typed) {
      std::error_code dec;
      const gb::adu a = gb::decode_adu(adu, dec);
      if (dec) return;
      bytes enc;
      firebus::byte_writer w(enc, gb::max_adu_size);
      std::error_code eec;
      gb::encode_adu(a, w, eec);
      p = gb::classify(a);
      begin(call::submit);
      cur_prio = p;
      if (p == gb::message_priority::fire) fire_waiting = true;
      id = s.submit(a, now, ec);
      if (eec) {
        FIREBUS_FUZZ_CHECK(id == 0 && ec == eec);
        after_call();
        return;
      }
      adu = enc;
    } else {
      begin(call::submit);
      cur_prio = p;
      if (p == gb::message_priority::fire) fire_waiting = true;
      id = s.submit(byte_view(adu), p, now, ec);
    }
    if (id == 0) {
      FIREBUS_FUZZ_CHECK(ec);
      if (adu.size() > gb::max_adu_size) {
        FIREBUS_FUZZ_CHECK(ec == gb::errc::adu_too_long);
      } else {
        FIREBUS_FUZZ_CHECK(ec == gb::errc::queue_full);
        FIREBUS_FUZZ_CHECK(static_cast<std::size_t>(p) >= gb::message_priority_count ||
                           outputs_full || held_before >= cfg.max_queue);
      }
    } else {
      FIREBUS_FUZZ_CHECK(!ec && id == next_id);
      FIREBUS_FUZZ_CHECK(static_cast<std::size_t>(p) < gb::message_priority_count);
      ++next_id;
      msg m;
      m.prio = p;
      m.adu = adu;
      m.submitted = now;
      msgs.emplace(id, std::move(m));
    }
    after_call();
  }

  void op_duty(program& in) {
    const bool pending = s.duty_check_deadline().has_value();
    const auto deadline = s.duty_check_deadline();
    begin(call::submit);
    cur_prio = gb::message_priority::alarm;
    std::error_code ec;
    const std::size_t held_before = held();
    const bool outputs_full = s.pending_outputs() >= cfg.max_outputs;
    const gb::uitd_duty_answer r = s.answer_duty_check(in.u8(), now, ec);
    if (ec) {
      FIREBUS_FUZZ_CHECK(r.id == 0 && ec == gb::errc::queue_full);
      FIREBUS_FUZZ_CHECK(outputs_full || held_before >= cfg.max_queue);
    } else {
      FIREBUS_FUZZ_CHECK(r.id == next_id);
      FIREBUS_FUZZ_CHECK(r.pending == pending && r.in_time == (pending && now <= *deadline));
      FIREBUS_FUZZ_CHECK(!s.duty_check_deadline());
      ++next_id;
      msg m;
      m.prio = gb::message_priority::alarm;
      m.submitted = now;
      msgs.emplace(r.id, std::move(m));
      duty_ids.insert(r.id);
    }
    after_call();
  }
  std::set<std::uint64_t> duty_ids;

  void op_connect() {
    begin(call::connect);
    s.connected(now);
    FIREBUS_FUZZ_CHECK(s.is_connected());
    after_call();
  }

  void op_disconnect(program& in) {
    if ((in.u8() & 1) != 0) drain();
    const bool was = s.is_connected();
    const std::size_t before = s.pending_outputs();
    begin(call::other);
    s.disconnected(now);
    FIREBUS_FUZZ_CHECK(!s.is_connected() && !s.in_flight());
    if (was) {
      // Every frame not yet taken is discarded (they were meant for the lost connection); what
      // stays are reports and events.
      const gb::uitd_counters k = s.counters(now);
      FIREBUS_FUZZ_CHECK(k.frames_sent >= sends_seen + discarded);
      const std::uint64_t lost = k.frames_sent - sends_seen - discarded;
      FIREBUS_FUZZ_CHECK(s.pending_outputs() + lost <= before + (s.counters(now).failed - failed));
      discarded += lost;
      answers.clear();  // answers not yet taken are gone with the connection
      if (lost > 0) {
        for (auto& [id, m] : msgs) {
          if (m.ended) continue;
          m.maybe_lost = true;
          if (!m.has_serial) m.may_have_serial = true;
        }
        next_serial = s.next_serial();
      }
      hb_active = false;
    }
    after_call();
  }

  void op_advance(bool due, std::uint8_t m) {
    if (due) {
      const auto d = s.next_deadline();
      if (d && *d < mono_time(duration(t_cap))) {
        now = std::max(now, *d + duration(static_cast<std::int64_t>(m % 3) - 1));
      }
    }
    begin(call::advance);
    s.advance(now);
    // Everything due was done: no deadline is left behind (a transport would spin on it).
    const auto next = s.next_deadline();
    FIREBUS_FUZZ_CHECK(!next || *next > now);
    after_call();
  }

  void op_reconnect_delay() {
    const duration d = s.next_reconnect_delay();
    FIREBUS_FUZZ_CHECK(d <= cfg.backoff_max);
    const std::int64_t init = cfg.backoff_initial.count();
    const std::int64_t low = init - (init / 1000 * cfg.backoff_jitter_permille +
                                     init % 1000 * cfg.backoff_jitter_permille / 1000);
    FIREBUS_FUZZ_CHECK(d.count() >= low && d.count() >= 0);
  }

  // At the end: a reliable centre until every message has ended.
  std::vector<std::uint16_t> to_confirm;  // data frames seen while settling
  bool settling = false;

  void settle() {
    eager = false;  // the checks of single calls no longer apply in bulk
    settling = true;
    drain();
    if (!s.is_connected()) {
      s.connected(now);
      after_call();
      drain();
    }
    const int rounds = static_cast<int>(4 * (held() + 8)) * (cfg.retries + 2);
    for (int i = 0; i < rounds && (s.queued() != 0 || (s.in_flight() && *s.in_flight() != 0));
         ++i) {
      const std::vector<std::uint16_t> serials = std::move(to_confirm);
      to_confirm.clear();
      for (std::uint16_t serial : serials) {
        gb::header h;
        h.serial = serial;
        h.source = centre_address;
        h.destination = own_address;
        h.cmd = gb::command::confirm;
        const bytes frame = build_frame(h, {});
        give(gb::decode_frame(frame));
        drain();
      }
      if (serials.empty()) {
        now = capped(now + duration(second));
        begin(call::advance);
        s.advance(now);
        after_call();
        drain();
      }
    }
    drain();
    FIREBUS_FUZZ_CHECK(s.queued() == 0 && !(s.in_flight() && *s.in_flight() != 0));
    for (const auto& [id, m] : msgs) FIREBUS_FUZZ_CHECK(m.ended);  // nothing silently lost
    FIREBUS_FUZZ_CHECK(msgs.size() == next_id - 1);
  }
};

void run(program& in) {
  const gb::uitd_session_config cfg = config_from(in);
  const bool eager = (in.p[0] & 2) == 0;
  harness h(cfg, eager);
  h.now = mono_time(duration(second * in.u8()));
  h.last_event_at = h.now;
  std::size_t ops = 0;
  while (in.more() && ops++ < max_ops) {
    const std::uint8_t op = in.u8();
    switch (op % 16) {
      case 0:
        h.now = capped(h.now + step_of(in.u8()));
        break;
      case 1:
      case 2:
        h.op_frame(in);
        break;
      case 3:
        h.op_bytes(in);
        break;
      case 4:
      case 5:
        h.op_submit(in, false);
        break;
      case 6:
        h.op_submit(in, true);
        break;
      case 7:
        h.op_duty(in);
        break;
      case 8:
        h.op_connect();
        break;
      case 9:
        h.op_disconnect(in);
        break;
      case 10:
        h.op_advance(false, 0);
        break;
      case 11:
        h.op_advance(true, in.u8());
        break;
      case 12: {
        const utc_time u = utc_choice(in.u8(), in.u16());
        h.s.set_wall_clock(h.now, u);
        break;
      }
      case 13:
        h.op_reconnect_delay();
        break;
      case 14: {
        const std::uint8_t m = in.u8();
        h.provider = static_cast<provider_mode>(m % 5);
        h.provider_status = in.u8();
        h.install_provider();
        break;
      }
      case 15:
        h.drain();
        h.check_state();
        break;
      default:
        break;
    }
  }
  h.settle();
}

}  // namespace uitd

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  program in{data, size, 1};
  if ((data[0] & 1) == 0) {
    centre::run(in);
  } else {
    uitd::run(in);
  }
  return 0;
}
