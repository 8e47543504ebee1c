// firebus — fire-safety IoT SDK.
// Tests of <firebus/gb26875/centre_session.hpp>: the sans-I/O engine of one UITD connection at
// the monitoring centre. UITD frames are built here with encode_frame()/encode_adu() and fed
// through a real deframer, as the transport will.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <random>
#include <set>
#include <system_error>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/centre_session.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>

namespace {

namespace gb = firebus::gb26875;
using namespace std::chrono_literals;
using bytes = std::vector<std::uint8_t>;
using firebus::mono_time;
using session = gb::centre_session;

constexpr std::uint64_t centre_address = 0x0000'0000'0001;
constexpr std::uint64_t uitd_address = 0x0000'1234'5678;

mono_time at(firebus::duration d) { return mono_time(d); }

gb::centre_config make_config() {
  gb::centre_config c;
  c.address = centre_address;
  return c;
}

gb::header uitd_header(std::uint16_t serial, gb::command cmd) {
  gb::header h;
  h.serial = serial;
  h.time = {21, 55, 10, 30, 11, 26};
  h.source = uitd_address;
  h.destination = centre_address;
  h.cmd = cmd;
  return h;
}

bytes fire_alarm_adu(std::uint32_t address = 0x00010007) {
  gb::component_status s;
  s.system_type = 1;
  s.component_type = 42;
  s.component_address = address;
  s.status = 0x0003;
  s.time = {21, 55, 10, 30, 11, 26};
  return gb::encode_adu(gb::adu{gb::adu_type::component_status, {s}});
}

bytes frame(std::uint16_t serial, gb::command cmd, const bytes& adu) {
  return gb::encode_frame(uitd_header(serial, cmd), adu);
}

// Feeds raw stream bytes through a fresh deframer into the session (flushed: partial frames are
// rejections).
void feed(session& s, const bytes& stream, mono_time now) {
  gb::deframer d;
  auto on_frame = [&](const gb::frame_view& f) { s.on_frame(f, now); };
  auto on_reject = [&](const gb::rejection& r) { s.on_rejection(r, now); };
  d.feed(stream, on_frame, on_reject);
  d.flush(on_frame, on_reject);
}

std::vector<session::output> drain(session& s) {
  std::vector<session::output> out;
  session::output o;
  while (s.poll(o)) out.push_back(std::move(o));
  return out;
}

template <class T>
const T& as(const session::output& o) {
  REQUIRE(std::holds_alternative<T>(o));
  return std::get<T>(o);
}

gb::frame_view sent_frame(const session::output& o) {
  const auto& w = as<session::send>(o);
  std::error_code ec;
  const gb::frame_view f = gb::decode_frame(w.bytes, ec);
  REQUIRE(!ec);
  return f;
}

void check_reply(const session::output& o, gb::command cmd, std::uint16_t serial) {
  const gb::frame_view f = sent_frame(o);
  CHECK(f.hdr.cmd == cmd);
  CHECK(f.hdr.serial == serial);
  CHECK(f.hdr.source == centre_address);  // swapped (§6.5)
  CHECK(f.hdr.destination == uitd_address);
  CHECK(f.adu.empty());
}

gb::adu read_status() { return gb::adu{gb::adu_type::read_uitd_status, {gb::read_uitd_status{}}}; }

// A session whose peer is known (one heartbeat at t0), outputs drained.
session connected(const gb::centre_config& cfg, mono_time t0 = mono_time{}) {
  session s(cfg, t0);
  feed(s, frame(900, gb::command::send_data, {}), t0);
  drain(s);
  return s;
}

}  // namespace

TEST_CASE("centre_session: send data is delivered, then confirmed with swapped addresses") {
  session s(make_config(), mono_time{});
  const bytes adu = fire_alarm_adu();
  feed(s, frame(0x1234, gb::command::send_data, adu), at(1s));
  const auto out = drain(s);
  REQUIRE(out.size() == 2);
  const auto& m = as<session::message>(out[0]);
  CHECK(m.hdr == uitd_header(0x1234, gb::command::send_data));
  CHECK(m.adu_bytes == adu);
  CHECK(m.token == 0);
  CHECK_FALSE(m.duplicate);
  CHECK(m.view().type() == gb::adu_type::component_status);
  const gb::adu decoded = m.decode();
  REQUIRE(decoded.objects.size() == 1);
  CHECK(std::get<gb::component_status>(decoded.objects[0]).component_address == 0x00010007u);
  check_reply(out[1], gb::command::confirm, 0x1234);
  // Without a wall clock, the confirm echoes the time tag of the frame it answers.
  CHECK(sent_frame(out[1]).hdr.time == uitd_header(0, gb::command::confirm).time);
  CHECK(s.has_peer());
  CHECK(s.peer_address() == uitd_address);
  CHECK(s.counters().messages == 1);
  CHECK(s.counters().confirms_sent == 1);
}

TEST_CASE("centre_session: a control command from the UITD is delivered and confirmed") {
  session s(make_config(), mono_time{});
  feed(s, frame(7, gb::command::control, fire_alarm_adu()), at(1s));
  const auto out = drain(s);
  REQUIRE(out.size() == 2);
  CHECK(as<session::message>(out[0]).hdr.cmd == gb::command::control);
  check_reply(out[1], gb::command::confirm, 7);
}

TEST_CASE("centre_session: a vendor frame with a user-defined ADU type is stored and confirmed") {
  // A public capture of a 富贝 (FuBei) 2024 UITD (GitHub, a Go protocol sample "开关量输入"):
  // serial 0, version 1.1, 2019-07-25 14:34:15, source 1, destination 0xFFFF, send data, ADU
  // type 150 (user-defined), one object of 16 bytes; checksum 0xF1. The centre must not deny a
  // vendor's own type: it is delivered whole (user_blob) and confirmed.
  const bytes capture = {0x40, 0x40, 0x00, 0x00, 0x01, 0x01, 0x0F, 0x22, 0x0E, 0x19, 0x07, 0x13,
                         0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
                         0x12, 0x00, 0x02, 0x96, 0x01, 0x00, 0x03, 0x5B, 0x01, 0x00, 0x00, 0x00,
                         0x02, 0x00, 0x00, 0x0F, 0x22, 0x0E, 0x19, 0x07, 0x13, 0xF1, 0x23, 0x23};
  const gb::frame_view f = gb::decode_frame(capture);
  CHECK(f.hdr.serial == 0);
  CHECK(f.hdr.version_major == 1);
  CHECK(f.hdr.version_minor == 1);
  CHECK(f.hdr.time == gb::time_tag{15, 34, 14, 25, 7, 19});
  CHECK(f.hdr.source == 1);
  CHECK(f.hdr.destination == 0xFFFF);
  CHECK(f.hdr.cmd == gb::command::send_data);
  const gb::adu a = gb::decode_adu(f.adu);
  const auto& blob = std::get<gb::user_blob>(a.objects.at(0));
  CHECK(blob.type == 150);
  CHECK(blob.count == 1);
  CHECK(blob.body.size() == 16);

  session s(make_config(), mono_time{});
  feed(s, capture, at(1s));
  const auto out = drain(s);
  REQUIRE(out.size() == 2);
  CHECK(as<session::message>(out[0]).adu_bytes == f.adu.to_vector());
  const gb::frame_view c = sent_frame(out[1]);
  CHECK(c.hdr.cmd == gb::command::confirm);
  CHECK(c.hdr.serial == 0);
  CHECK(c.hdr.source == 0xFFFF);  // the addresses of the frame answered, swapped (§6.5)
  CHECK(c.hdr.destination == 1);
  CHECK(c.adu.empty());
}

TEST_CASE("centre_session: a heartbeat is confirmed") {
  session s(make_config(), mono_time{});
  feed(s, frame(42, gb::command::send_data, {}), at(1s));
  const auto out = drain(s);
  REQUIRE(out.size() == 2);
  CHECK(as<session::heartbeat>(out[0]).hdr.serial == 42);
  check_reply(out[1], gb::command::confirm, 42);
  CHECK(s.counters().heartbeats == 1);
  CHECK(s.counters().messages == 0);
}

TEST_CASE("centre_session: a frame with a bad checksum is denied, echoing its serial number") {
  session s(make_config(), mono_time{});
  bytes f = frame(0x0BAD, gb::command::send_data, fire_alarm_adu());
  f[40] ^= 0x01;  // a payload byte: the checksum no longer matches
  feed(s, f, at(1s));
  const auto out = drain(s);
  REQUIRE(out.size() == 2);
  check_reply(out[0], gb::command::deny, 0x0BAD);
  const auto& d = as<session::denied_input>(out[1]);
  CHECK(d.reason == gb::errc::checksum_mismatch);
  CHECK(d.serial == 0x0BAD);
  CHECK(s.counters().denies_sent == 1);
  CHECK(s.counters().rejections == 1);
  CHECK_FALSE(s.has_peer());  // nothing is learnt from a damaged frame
}

TEST_CASE("centre_session: wrong end bytes and an ADU length over 1024 are denied (§6.5.3)") {
  // The known public bug: end bytes 0x35 0x35 (decimal 35 read as hex).
  session s(make_config(), mono_time{});
  bytes f = frame(0x0E0D, gb::command::send_data, fire_alarm_adu());
  f[f.size() - 2] = 0x35;
  f[f.size() - 1] = 0x35;
  feed(s, f, at(1s));
  auto out = drain(s);
  REQUIRE(out.size() >= 2);
  check_reply(out[0], gb::command::deny, 0x0E0D);
  CHECK(as<session::denied_input>(out[1]).reason == gb::errc::bad_end);
  CHECK_FALSE(s.has_peer());  // nothing is learnt from a refused frame
  CHECK(s.counters().messages == 0);
  // A length field over 1024: denied once its 27 header bytes are there.
  session s2(make_config(), mono_time{});
  bytes g = frame(0x0707, gb::command::send_data, fire_alarm_adu());
  g[24] = 0x01;  // L = 0x0401 = 1025
  g[25] = 0x04;
  feed(s2, g, at(1s));
  out = drain(s2);
  REQUIRE(out.size() >= 2);
  check_reply(out[0], gb::command::deny, 0x0707);
  CHECK(as<session::denied_input>(out[1]).reason == gb::errc::adu_too_long);
  CHECK(s2.counters().messages == 0);
  // A stray 0x40 just before a real frame makes a `@@` that is no frame start (its "version"
  // is the real serial number's high byte): not answered; the real frame is confirmed.
  session s3(make_config(), mono_time{});
  bytes stream = {0x11, 0x40};
  const bytes good = frame(0x0502, gb::command::send_data, fire_alarm_adu());
  stream.insert(stream.end(), good.begin(), good.end());
  feed(s3, stream, at(1s));
  out = drain(s3);
  CHECK(s3.counters().denies_sent == 0);
  CHECK(s3.counters().messages == 1);
  CHECK(s3.counters().confirms_sent == 1);
}

TEST_CASE("centre_session: user-defined commands are denied but are not errors") {
  gb::centre_config cfg = make_config();
  cfg.max_consecutive_errors = 3;
  session s(cfg, mono_time{});
  // A vendor's keepalive in command 0x80, many times in a row: denied each time, never closed.
  for (std::uint16_t i = 0; i < 40; ++i) {
    feed(s, frame(i, static_cast<gb::command>(0x80 + i % 128), bytes{1, 2}), at(1s));
    const auto out = drain(s);
    REQUIRE(out.size() == 2);
    check_reply(out[0], gb::command::deny, i);
    CHECK(as<session::denied_input>(out[1]).reason == gb::errc::unknown_command);
  }
  CHECK_FALSE(s.closed());
  // Reserved commands are errors: the 4th in a row closes.
  for (int i = 0; i < 4; ++i) feed(s, frame(50, static_cast<gb::command>(7), bytes{1}), at(2s));
  CHECK(s.closed());
}

TEST_CASE("centre_session: garbage is counted, not answered") {
  session s(make_config(), mono_time{});
  feed(s, bytes{1, 2, 3, 4, 5}, at(1s));
  const auto out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK(as<session::dropped_input>(out[0]).reason == gb::errc::garbage);
  CHECK_FALSE(as<session::dropped_input>(out[0]).has_serial);
  CHECK(s.counters().rejections == 1);
  CHECK(s.counters().denies_sent == 0);
}

TEST_CASE("centre_session: reserved, user-defined and request commands are denied") {
  for (const int c : {0, 7, 64, 127, 4, 128, 255}) {
    CAPTURE(c);
    session s(make_config(), mono_time{});
    feed(s, frame(5, static_cast<gb::command>(c), fire_alarm_adu()), at(1s));
    const auto out = drain(s);
    REQUIRE(out.size() == 2);
    check_reply(out[0], gb::command::deny, 5);
    CHECK(as<session::denied_input>(out[1]).reason == gb::errc::unknown_command);
    CHECK(sent_frame(out[0]).hdr.cmd == gb::command::deny);
  }
}

TEST_CASE("centre_session: a malformed ADU is denied") {
  struct bad {
    bytes adu;
    gb::errc why;
  };
  const bytes good = fire_alarm_adu();
  bytes extra = good;
  extra.push_back(0);
  bytes cut = good;
  cut.pop_back();
  for (const bad& b :
       {bad{{9, 1, 0, 0}, gb::errc::reserved_adu_type}, bad{extra, gb::errc::adu_count_mismatch},
        bad{cut, gb::errc::truncated}, bad{{2}, gb::errc::truncated}}) {
    session s(make_config(), mono_time{});
    feed(s, frame(77, gb::command::send_data, b.adu), at(1s));
    const auto out = drain(s);
    REQUIRE(out.size() == 2);
    check_reply(out[0], gb::command::deny, 77);
    CHECK(as<session::denied_input>(out[1]).reason == b.why);
  }
  session s(make_config(), mono_time{});
  feed(s, frame(78, gb::command::control, {}), at(1s));  // control without an ADU
  const auto out = drain(s);
  REQUIRE(out.size() == 2);
  check_reply(out[0], gb::command::deny, 78);
}

TEST_CASE("centre_session: a retransmission is confirmed again and flagged duplicate") {
  session s(make_config(), mono_time{});
  const bytes f = frame(300, gb::command::send_data, fire_alarm_adu());
  feed(s, f, at(1s));
  drain(s);
  feed(s, f, at(11s));  // the confirm was lost: same serial, same content
  auto out = drain(s);
  REQUIRE(out.size() == 2);
  CHECK(as<session::message>(out[0]).duplicate);
  CHECK(as<session::message>(out[0]).token == 0);
  check_reply(out[1], gb::command::confirm, 300);
  CHECK(s.counters().duplicates == 1);
  // Same serial, other content: a new message (serial numbers wrap).
  feed(s, frame(300, gb::command::send_data, fire_alarm_adu(0x00020001)), at(12s));
  out = drain(s);
  REQUIRE(out.size() == 2);
  CHECK_FALSE(as<session::message>(out[0]).duplicate);
  CHECK(s.counters().duplicates == 1);
}

TEST_CASE("centre_session: the duplicate history is bounded") {
  gb::centre_config cfg = make_config();
  cfg.duplicate_history = 2;
  session s(cfg, mono_time{});
  for (std::uint16_t i = 1; i <= 3; ++i)
    feed(s, frame(i, gb::command::send_data, fire_alarm_adu()), at(1s));
  drain(s);
  feed(s, frame(1, gb::command::send_data, fire_alarm_adu()), at(2s));  // forgotten
  CHECK_FALSE(as<session::message>(drain(s)[0]).duplicate);
  feed(s, frame(3, gb::command::send_data, fire_alarm_adu()), at(2s));  // remembered
  CHECK(as<session::message>(drain(s)[0]).duplicate);
}

TEST_CASE("centre_session: after_accept confirms only after accept(), denies after reject()") {
  gb::centre_config cfg = make_config();
  cfg.confirm = gb::confirm_policy::after_accept;
  session s(cfg, mono_time{});
  const bytes f1 = frame(10, gb::command::send_data, fire_alarm_adu());
  feed(s, f1, at(1s));
  auto out = drain(s);
  REQUIRE(out.size() == 1);  // no confirm yet
  const std::uint64_t t1 = as<session::message>(out[0]).token;
  CHECK(t1 != 0);
  CHECK(s.unconfirmed() == 1);

  feed(s, f1, at(5s));  // retransmitted while the store is slow: only counted
  CHECK(drain(s).empty());
  CHECK(s.counters().duplicates == 1);

  // Heartbeats need no storage: confirmed at once.
  feed(s, frame(11, gb::command::send_data, {}), at(6s));
  out = drain(s);
  REQUIRE(out.size() == 2);
  check_reply(out[1], gb::command::confirm, 11);

  std::error_code ec;
  s.accept(t1, at(7s), ec);
  CHECK(!ec);
  out = drain(s);
  REQUIRE(out.size() == 1);
  check_reply(out[0], gb::command::confirm, 10);
  CHECK(s.unconfirmed() == 0);

  s.accept(t1, at(7s), ec);  // settled already
  CHECK(ec == firebus::errc::invalid_argument);

  // A retransmission after the confirm: confirmed again at once, flagged.
  feed(s, f1, at(8s));
  out = drain(s);
  REQUIRE(out.size() == 2);
  CHECK(as<session::message>(out[0]).duplicate);
  CHECK(as<session::message>(out[0]).token == 0);
  check_reply(out[1], gb::command::confirm, 10);

  // reject(): deny, and the same message later is new again.
  const bytes f2 = frame(12, gb::command::send_data, fire_alarm_adu(5));
  feed(s, f2, at(9s));
  const std::uint64_t t2 = as<session::message>(drain(s).at(0)).token;
  s.reject(t2, at(9s), ec);
  CHECK(!ec);
  out = drain(s);
  REQUIRE(out.size() == 1);
  check_reply(out[0], gb::command::deny, 12);
  feed(s, f2, at(10s));
  out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK_FALSE(as<session::message>(out[0]).duplicate);
  CHECK(as<session::message>(out[0]).token != t2);
}

TEST_CASE("centre_session: after_accept keeps at most max_unconfirmed messages waiting") {
  gb::centre_config cfg = make_config();
  cfg.confirm = gb::confirm_policy::after_accept;
  cfg.max_unconfirmed = 2;
  session s(cfg, mono_time{});
  for (std::uint16_t i = 1; i <= 3; ++i)
    feed(s, frame(i, gb::command::send_data, fire_alarm_adu()), at(1s));
  const auto out = drain(s);
  REQUIRE(out.size() == 3);
  as<session::message>(out[0]);
  as<session::message>(out[1]);
  CHECK(as<session::dropped_input>(out[2]).reason == gb::errc::queue_full);
  CHECK(as<session::dropped_input>(out[2]).serial == 3);
  CHECK(s.counters().dropped == 1);
  CHECK(s.counters().denies_sent == 0);  // not answered: the UITD retransmits later
}

TEST_CASE("centre_session: requests need a peer, get their own serial numbers, and queue") {
  session s0(make_config(), mono_time{});
  std::error_code ec;
  CHECK(s0.request(read_status(), at(1s), ec) == 0);
  CHECK(ec == gb::errc::not_connected);

  gb::centre_config cfg = make_config();
  cfg.first_serial = 0xFFFF;
  session s = connected(cfg);
  const std::uint64_t a = s.request(read_status(), at(1s), ec);
  CHECK(!ec);
  CHECK(a != 0);
  auto out = drain(s);
  REQUIRE(out.size() == 1);
  const gb::frame_view f = sent_frame(out[0]);
  CHECK(f.hdr.cmd == gb::command::request);
  CHECK(f.hdr.serial == 0xFFFF);
  CHECK(f.hdr.source == centre_address);
  CHECK(f.hdr.destination == uitd_address);
  CHECK(bytes(f.adu.begin(), f.adu.end()) == gb::encode_adu(read_status()));

  const std::uint64_t b = s.request(read_status(), at(2s), ec);
  CHECK(!ec);
  CHECK(b == a + 1);
  CHECK(drain(s).empty());  // one in flight at a time
  CHECK(s.pending_requests() == 2);

  // The response to the first: answered; the second goes out with the next serial (wrapped).
  gb::uitd_status st;
  st.status = 1;
  st.time = {0, 0, 12, 1, 1, 26};
  const bytes resp = gb::encode_adu(gb::adu{gb::adu_type::uitd_status, {st}});
  feed(s, frame(0xFFFF, gb::command::response, resp), at(3s));
  out = drain(s);
  REQUIRE(out.size() == 2);
  const auto& ans = as<session::answer>(out[0]);
  CHECK(ans.id == a);
  CHECK(ans.adu_bytes == resp);
  CHECK(ans.hdr.cmd == gb::command::response);
  CHECK(sent_frame(out[1]).hdr.serial == 0);
  CHECK(sent_frame(out[1]).hdr.cmd == gb::command::request);
  CHECK(s.counters().answers == 1);

  // Wrong types and a full queue.
  CHECK(s.request(gb::adu{gb::adu_type::init_uitd, {gb::init_uitd{}}}, at(3s), ec) == 0);
  CHECK(ec == firebus::errc::invalid_argument);
  CHECK(s.control(read_status(), at(3s), ec) == 0);
  CHECK(ec == firebus::errc::invalid_argument);
  gb::centre_config small = make_config();
  small.max_pending_requests = 1;
  session q = connected(small);
  CHECK(q.request(read_status(), at(1s), ec) != 0);
  CHECK(q.request(read_status(), at(1s), ec) != 0);
  CHECK(q.request(read_status(), at(1s), ec) == 0);
  CHECK(ec == gb::errc::queue_full);
}

TEST_CASE("centre_session: a request is retransmitted at 10, 20, 30 s and fails at 40 s") {
  session s = connected(make_config());
  std::error_code ec;
  const mono_time t0 = at(5s);
  const std::uint64_t id = s.request(read_status(), t0, ec);
  const bytes first = as<session::send>(drain(s).at(0)).bytes;
  for (int k = 1; k <= 3; ++k) {
    CAPTURE(k);
    const mono_time due = t0 + k * 10s;
    CHECK(s.next_deadline() == due);
    s.advance(due - 1us);
    CHECK(drain(s).empty());
    s.advance(due);
    const auto out = drain(s);
    REQUIRE(out.size() == 1);
    CHECK(as<session::send>(out[0]).bytes == first);       // identical frame, same serial
    feed(s, frame(900, gb::command::send_data, {}), due);  // heartbeats keep the link alive
    drain(s);
  }
  CHECK(s.next_deadline() == t0 + 40s);
  s.advance(t0 + 40s - 1us);
  CHECK(drain(s).empty());
  s.advance(t0 + 40s);
  const auto out = drain(s);
  REQUIRE(out.size() == 1);
  const auto& f = as<session::failed>(out[0]);
  CHECK(f.id == id);
  CHECK(f.reason == gb::errc::no_answer);
  CHECK(s.counters().retransmissions == 3);
  CHECK(s.counters().failures == 1);
  CHECK(s.pending_requests() == 0);
  // A late answer is ignored.
  const std::uint16_t serial = gb::decode_frame(first).hdr.serial;
  feed(s, frame(serial, gb::command::response, fire_alarm_adu()), t0 + 41s);
  CHECK(as<session::dropped_input>(drain(s).at(0)).reason == gb::errc::unexpected_answer);
}

TEST_CASE(
    "centre_session: a denied request is sent again at once; the last retry's deny fails it") {
  // §6.5.5: a deny (like a missing answer) starts the retransmission; the request fails only
  // when the retries are spent.
  session s = connected(make_config());
  std::error_code ec;
  const std::uint64_t r = s.request(read_status(), at(1s), ec);
  const bytes first = as<session::send>(drain(s).at(0)).bytes;
  const std::uint16_t serial = gb::decode_frame(first).hdr.serial;
  auto out = drain(s);
  for (int k = 1; k <= 3; ++k) {
    CAPTURE(k);
    feed(s, frame(serial, gb::command::deny, {}), at(1s + k * 1s));
    out = drain(s);
    REQUIRE(out.size() == 1);
    CHECK(as<session::send>(out[0]).bytes == first);  // the identical frame, same serial
    CHECK(s.next_deadline() == at(1s + k * 1s + 10s));
  }
  CHECK(s.counters().retransmissions == 3);
  feed(s, frame(serial, gb::command::deny, {}), at(5s));
  out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK(as<session::failed>(out[0]).id == r);
  CHECK(as<session::failed>(out[0]).reason == gb::errc::denied);
  CHECK(s.pending_requests() == 0);

  gb::duty_check dc;
  dc.timeout_minutes = 5;
  const std::uint64_t c = s.control(gb::adu{gb::adu_type::duty_check, {dc}}, at(3s), ec);
  CHECK(!ec);
  const gb::frame_view cf = sent_frame(drain(s).at(0));
  CHECK(cf.hdr.cmd == gb::command::control);
  CHECK(cf.hdr.serial == static_cast<std::uint16_t>(serial + 1));
  // A response to a control does not complete it; the confirm does.
  feed(s, frame(cf.hdr.serial, gb::command::response, fire_alarm_adu()), at(4s));
  CHECK(as<session::dropped_input>(drain(s).at(0)).reason == gb::errc::unexpected_answer);
  feed(s, frame(cf.hdr.serial, gb::command::confirm, {}), at(4s));
  out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK(as<session::answer>(out[0]).id == c);
  CHECK(as<session::answer>(out[0]).adu_bytes.empty());

  // A denied control is sent again too, and a confirm of the retransmission completes it.
  const std::uint64_t c2 =
      s.control(gb::adu{gb::adu_type::init_uitd, {gb::init_uitd{}}}, at(5s), ec);
  const std::uint16_t s2 = sent_frame(drain(s).at(0)).hdr.serial;
  feed(s, frame(s2, gb::command::deny, {}), at(6s));
  out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK(sent_frame(out[0]).hdr.serial == s2);
  feed(s, frame(s2, gb::command::confirm, {}), at(7s));
  out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK(as<session::answer>(out[0]).id == c2);

  // With no retries configured, the first deny fails it.
  gb::centre_config once = make_config();
  once.retries = 0;
  session s3 = connected(once);
  const std::uint64_t r3 = s3.request(read_status(), at(1s), ec);
  const std::uint16_t serial3 = sent_frame(drain(s3).at(0)).hdr.serial;
  feed(s3, frame(serial3, gb::command::deny, {}), at(2s));
  out = drain(s3);
  REQUIRE(out.size() == 1);
  CHECK(as<session::failed>(out[0]).id == r3);
  CHECK(as<session::failed>(out[0]).reason == gb::errc::denied);
}

TEST_CASE("centre_session: a malformed response is denied and the request stays in flight") {
  session s = connected(make_config());
  std::error_code ec;
  const std::uint64_t r = s.request(read_status(), at(1s), ec);
  const std::uint16_t serial = sent_frame(drain(s).at(0)).hdr.serial;
  feed(s, frame(serial, gb::command::response, bytes{9, 1}), at(2s));
  auto out = drain(s);
  REQUIRE(out.size() == 2);
  check_reply(out[0], gb::command::deny, serial);
  CHECK(s.pending_requests() == 1);
  feed(s, frame(serial, gb::command::response, fire_alarm_adu()), at(3s));
  out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK(as<session::answer>(out[0]).id == r);
}

TEST_CASE("centre_session: an answer with an unknown serial number is ignored") {
  session s = connected(make_config());
  feed(s, frame(4711, gb::command::confirm, {}), at(1s));
  auto out = drain(s);
  REQUIRE(out.size() == 1);
  const auto& d = as<session::dropped_input>(out[0]);
  CHECK(d.reason == gb::errc::unexpected_answer);
  CHECK(d.has_serial);
  CHECK(d.serial == 4711);
  CHECK(s.counters().unexpected_answers == 1);
  CHECK(s.counters().denies_sent == 0);
  CHECK_FALSE(s.closed());
}

TEST_CASE("centre_session: idle timeout closes exactly at the configured time") {
  gb::centre_config cfg = make_config();
  cfg.idle_timeout = 90s;
  session s(cfg, mono_time{});
  CHECK(s.next_deadline() == at(90s));
  feed(s, frame(1, gb::command::send_data, {}), at(5s));
  drain(s);
  std::error_code ec;
  const std::uint64_t id = s.request(read_status(), at(60s), ec);
  drain(s);
  CHECK(s.next_deadline() == at(70s));  // the request's answer timeout comes first
  feed(s, frame(2, gb::command::send_data, {}), at(60s));
  drain(s);
  s.advance(at(70s));
  s.advance(at(80s));
  s.advance(at(90s));
  drain(s);  // retransmissions
  CHECK(s.next_deadline() == at(100s));
  s.advance(at(150s) - 1us);
  for (const auto& o : drain(s)) CHECK_FALSE(std::holds_alternative<session::close>(o));
  CHECK_FALSE(s.closed());
  s.advance(at(150s));
  const auto out = drain(s);
  REQUIRE(out.size() == 1);
  CHECK(as<session::close>(out[0]).reason == gb::close_reason::idle_timeout);
  CHECK(s.closed());
  CHECK(s.next_deadline() == mono_time::max());
  (void)id;

  // Pending requests fail with not_connected when the engine closes.
  session t = connected(cfg);
  const std::uint64_t a = t.request(read_status(), at(1s), ec);
  const std::uint64_t b = t.request(read_status(), at(1s), ec);
  drain(t);
  t.advance(at(90s));
  const auto tout = drain(t);
  REQUIRE(tout.size() >= 3);
  const auto& fb = as<session::failed>(tout[tout.size() - 2]);
  const auto& fa = as<session::failed>(tout[tout.size() - 3]);
  CHECK(fa.id == a);
  CHECK(fb.id == b);
  CHECK(fb.reason == gb::errc::not_connected);
  CHECK(as<session::close>(tout.back()).reason == gb::close_reason::idle_timeout);
  // Inert afterwards.
  feed(t, frame(3, gb::command::send_data, {}), at(91s));
  CHECK(drain(t).empty());
  CHECK(t.request(read_status(), at(91s), ec) == 0);
  CHECK(ec == gb::errc::not_connected);
}

TEST_CASE("centre_session: rate limit") {
  gb::centre_config cfg = make_config();
  cfg.rate_max_frames = 5;
  cfg.rate_window = 1s;
  SUBCASE("exactly the limit passes") {
    session s(cfg, mono_time{});
    for (int i = 0; i < 5; ++i) feed(s, frame(1, gb::command::send_data, {}), at(0s));
    feed(s, frame(1, gb::command::send_data, {}), at(1s));  // the first left the window
    for (int i = 0; i < 4; ++i) feed(s, frame(1, gb::command::send_data, {}), at(1s));
    CHECK_FALSE(s.closed());
    CHECK(s.counters().heartbeats == 10);
  }
  SUBCASE("one more within the window closes") {
    session s(cfg, mono_time{});
    for (int i = 0; i < 5; ++i) feed(s, frame(1, gb::command::send_data, {}), at(0s));
    drain(s);
    feed(s, frame(1, gb::command::send_data, {}), at(1s) - 1us);
    const auto out = drain(s);
    REQUIRE(out.size() == 1);
    CHECK(as<session::close>(out[0]).reason == gb::close_reason::rate_limit);
    CHECK(s.counters().rate_limited == 1);
  }
}

TEST_CASE("centre_session: the rate limit matches the last-N-inputs model, whatever the rate") {
  // The window keeps only the inputs of the last rate_window (a ring that grows with the rate):
  // it must close at exactly the input where "the N-th most recent earlier input is less than
  // rate_window old" first holds, for random limits, windows and input times.
  std::mt19937 rng(20261201);
  for (int trial = 0; trial < 300; ++trial) {
    gb::centre_config cfg = make_config();
    cfg.rate_max_frames = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
    cfg.rate_window = std::chrono::milliseconds(std::uniform_int_distribution<int>(1, 2000)(rng));
    cfg.idle_timeout = std::chrono::hours(1);
    session s(cfg, mono_time{});
    std::vector<mono_time> seen;  // the model: every accepted input's time
    mono_time t{};
    const int gap_max = std::uniform_int_distribution<int>(0, 400)(rng);
    bool closed = false;
    for (int i = 0; i < 400 && !closed; ++i) {
      t += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, gap_max)(rng));
      const std::size_t n = cfg.rate_max_frames;
      const bool model_closes = seen.size() >= n && t - seen[seen.size() - n] < cfg.rate_window;
      feed(s, frame(1, gb::command::send_data, {}), t);
      drain(s);
      REQUIRE_MESSAGE(s.closed() == model_closes, "trial ", trial, " input ", i);
      closed = model_closes;
      if (!closed) seen.push_back(t);
    }
    if (closed) CHECK(s.counters().rate_limited == 1);
  }
}

TEST_CASE("centre_session: too many consecutive bad inputs close the connection") {
  gb::centre_config cfg = make_config();
  cfg.max_consecutive_errors = 3;
  session s(cfg, mono_time{});
  bytes bad = frame(1, gb::command::send_data, fire_alarm_adu());
  bad[40] ^= 0xFF;
  for (int i = 0; i < 3; ++i) feed(s, bad, at(1s));
  feed(s, frame(1, gb::command::send_data, {}), at(1s));  // a good frame resets the count
  for (int i = 0; i < 3; ++i) feed(s, bytes{0, 1, 2}, at(2s));
  CHECK_FALSE(s.closed());
  drain(s);
  feed(s, frame(2, gb::command::send_data, bytes{9, 9}), at(2s));  // the 4th in a row
  const auto out = drain(s);
  REQUIRE(out.size() == 3);
  check_reply(out[0], gb::command::deny, 2);
  as<session::denied_input>(out[1]);
  CHECK(as<session::close>(out[2]).reason == gb::close_reason::too_many_errors);
}

TEST_CASE("centre_session: a caller that never polls gets output_overflow, bounded") {
  gb::centre_config cfg = make_config();
  cfg.max_outputs = 16;
  cfg.max_pending_requests = 4;
  session s(cfg, mono_time{});
  for (int i = 0; i < 100; ++i) {
    feed(s, frame(static_cast<std::uint16_t>(i), gb::command::send_data, fire_alarm_adu()), at(1s));
    CHECK(s.pending_outputs() <= cfg.max_outputs + cfg.max_pending_requests + 2);
  }
  CHECK(s.closed());
  const auto out = drain(s);
  CHECK(as<session::close>(out.back()).reason == gb::close_reason::output_overflow);
}

TEST_CASE("centre_session: time tags come from the wall clock the caller sets") {
  session s(make_config(), at(100s));
  std::error_code ec;
  // 2026-11-30T02:55:21Z at mono 100 s; UTC+8 by default.
  const firebus::utc_time utc =
      firebus::to_utc(firebus::civil_time{2026, 11, 30, 2, 55, 21}, std::chrono::minutes(0), ec);
  REQUIRE(!ec);
  s.set_wall_clock(at(100s), utc);
  feed(s, frame(1, gb::command::send_data, {}), at(102s));
  const auto out = drain(s);
  const gb::time_tag want{23, 55, 10, 30, 11, 26};
  CHECK(sent_frame(out.at(1)).hdr.time == want);
  const std::uint64_t id = s.request(read_status(), at(102s), ec);
  CHECK(id != 0);
  CHECK(sent_frame(drain(s).at(0)).hdr.time == want);
}

TEST_CASE("centre_session: configuration is validated; on_disconnected ends everything") {
  std::error_code ec;
  gb::centre_config bad = make_config();
  bad.rate_max_frames = 0;
  session s(bad, mono_time{}, ec);
  CHECK(ec == firebus::errc::invalid_argument);
  CHECK(s.closed());
  bad = make_config();
  bad.address = gb::max_address + 1;
  CHECK_THROWS_AS(session(bad, mono_time{}), firebus::system_error);
  make_config().validate(ec);
  CHECK(!ec);

  session t = connected(make_config());
  const std::uint64_t id = t.request(read_status(), at(1s), ec);
  drain(t);
  t.on_disconnected();
  const auto out = drain(t);
  REQUIRE(out.size() == 2);
  CHECK(as<session::failed>(out[0]).id == id);
  CHECK(as<session::close>(out[1]).reason == gb::close_reason::disconnected);
  CHECK(gb::to_string(gb::close_reason::rate_limit) == "rate_limit");
}

TEST_CASE("centre_session: random input for a long time never breaks the engine") {
  std::mt19937 rng(20261130);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  gb::centre_config cfg = make_config();
  cfg.max_outputs = 64;
  cfg.max_pending_requests = 4;
  cfg.rate_max_frames = 60;
  cfg.max_consecutive_errors = 24;
  cfg.duplicate_history = 8;
  cfg.max_unconfirmed = 4;
  cfg.idle_timeout = 30s;
  const std::size_t bound = cfg.max_outputs + cfg.max_pending_requests + 2;

  std::size_t sessions = 0;
  std::size_t answered = 0;
  std::size_t failed = 0;
  std::size_t closes[5] = {};
  std::size_t steps = 0;
  std::size_t issued = 0;
  for (int round = 0; round < 60; ++round) {
    gb::centre_config c = cfg;
    c.confirm = round % 2 == 0 ? gb::confirm_policy::immediate : gb::confirm_policy::after_accept;
    mono_time now = at(std::chrono::seconds(round * 1000));
    session s(c, now);
    ++sessions;
    s.set_wall_clock(now, firebus::utc_time(std::chrono::hours(24 * 365 * 56)));
    gb::deframer d;
    std::set<std::uint64_t> open;  // requests issued and not ended
    std::vector<std::uint64_t> tokens;
    std::vector<std::uint16_t> serials;  // of the centre's frames sent
    bool seen_close = false;
    const int lag = round % 3 == 2 ? 40 : 2;
    auto collect = [&] {
      session::output o;
      while (s.poll(o)) {
        CHECK_FALSE(seen_close);  // close is the last output
        if (auto* w = std::get_if<session::send>(&o)) {
          std::error_code ec;
          const gb::frame_view f = gb::decode_frame(w->bytes, ec);
          REQUIRE(!ec);
          if (f.hdr.cmd == gb::command::request || f.hdr.cmd == gb::command::control) {
            serials.push_back(f.hdr.serial);
          }
        } else if (auto* m = std::get_if<session::message>(&o)) {
          if (m->token != 0) tokens.push_back(m->token);
          (void)m->decode();
        } else if (auto* a = std::get_if<session::answer>(&o)) {
          CHECK(open.erase(a->id) == 1);
          ++answered;
        } else if (auto* f = std::get_if<session::failed>(&o)) {
          CHECK(open.erase(f->id) == 1);
          ++failed;
        } else if (auto* cl = std::get_if<session::close>(&o)) {
          seen_close = true;
          ++closes[static_cast<std::size_t>(cl->reason)];
        }
      }
    };
    auto on_frame = [&](const gb::frame_view& f) { s.on_frame(f, now); };
    auto on_reject = [&](const gb::rejection& r) { s.on_rejection(r, now); };
    for (int step = 0; step < 10000 && !s.closed(); ++step) {
      ++steps;
      now += std::chrono::microseconds(pick(3) == 0 ? pick(3'000'000) : pick(50'000));
      bytes chunk;
      const int what = pick(16);
      const auto serial = static_cast<std::uint16_t>(pick(8));
      const auto cmd = static_cast<gb::command>(pick(10) < 8 ? 1 + pick(6) : pick(256));
      switch (what) {
        case 0:
        case 1:
        case 2:
          chunk = frame(serial, gb::command::send_data,
                        fire_alarm_adu(static_cast<std::uint32_t>(pick(3))));
          break;
        case 3:
          chunk = frame(serial, gb::command::send_data, {});
          break;
        case 4: {
          bytes adu(static_cast<std::size_t>(pick(40)));
          for (auto& b : adu) b = static_cast<std::uint8_t>(pick(256));
          if (!adu.empty() && pick(2) == 0) adu[0] = static_cast<std::uint8_t>(1 + pick(8));
          chunk = frame(serial, cmd, adu);
          break;
        }
        case 5:
        case 6: {  // an answer, usually to something the centre sent
          const std::uint16_t sn = !serials.empty() && pick(4) != 0 ? serials.back() : serial;
          const gb::command ac = pick(3) == 0   ? gb::command::confirm
                                 : pick(2) == 0 ? gb::command::response
                                                : gb::command::deny;
          chunk = frame(sn, ac, ac == gb::command::response ? fire_alarm_adu() : bytes{});
          break;
        }
        case 7: {  // damaged
          chunk = frame(serial, gb::command::send_data, fire_alarm_adu());
          chunk[static_cast<std::size_t>(2 + pick(static_cast<int>(chunk.size()) - 2))] ^=
              static_cast<std::uint8_t>(1 + pick(255));
          break;
        }
        case 8: {  // garbage, possibly with @@
          chunk.resize(static_cast<std::size_t>(pick(80)));
          for (auto& b : chunk) b = pick(16) == 0 ? 0x40 : static_cast<std::uint8_t>(pick(256));
          break;
        }
        case 9:
        case 10: {
          std::error_code ec;
          const std::uint64_t id =
              pick(2) == 0
                  ? s.request(read_status(), now, ec)
                  : s.control(gb::adu{gb::adu_type::init_uitd, {gb::init_uitd{}}}, now, ec);
          if (!ec) {
            CHECK(id != 0);
            CHECK(open.insert(id).second);
            ++issued;
          } else {
            CHECK(id == 0);
          }
          break;
        }
        case 11:
          if (!tokens.empty()) {
            std::error_code ec;
            const std::size_t k = static_cast<std::size_t>(pick(static_cast<int>(tokens.size())));
            if (pick(3) == 0) {
              s.reject(tokens[k], now, ec);
            } else {
              s.accept(tokens[k], now, ec);
            }
            tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(k));
          }
          break;
        case 12:  // the transport's timer fires (a request's timeout, usually)
          if (s.next_deadline() - now < 12s) now = s.next_deadline();
          s.advance(now);
          break;
        case 13:  // now and then a flood, drained as it comes
          if (pick(128) == 0) {
            for (int i = 0; i < 70 && !s.closed(); ++i) {
              d.feed(frame(serial, gb::command::send_data, {}), on_frame, on_reject);
              collect();
            }
          }
          break;
        default:
          s.advance(now);
          break;
      }
      if (!chunk.empty()) {
        // Fed in two random pieces, as TCP might deliver it.
        const std::size_t cut = static_cast<std::size_t>(pick(static_cast<int>(chunk.size()) + 1));
        d.feed(firebus::byte_view(chunk.data(), cut), on_frame, on_reject);
        d.feed(firebus::byte_view(chunk.data() + cut, chunk.size() - cut), on_frame, on_reject);
      }
      CHECK(s.pending_outputs() <= bound);
      CHECK(s.pending_requests() <= cfg.max_pending_requests + 1);
      CHECK(s.unconfirmed() <= cfg.max_unconfirmed);
      if (pick(lag) == 0) collect();  // a caller that lags behind, more in some rounds
    }
    s.on_disconnected();
    collect();
    CHECK(seen_close);
    CHECK(open.empty());  // every request ended exactly once
  }
  CHECK(sessions == 60);
  CHECK(issued > 100);
  CHECK(answered > 10);
  CHECK(failed > 10);
  MESSAGE("requests: ", issued, " answered: ", answered, " failed: ", failed, " steps: ", steps,
          " closes idle/rate/errors/overflow/disconnected: ", closes[0], "/", closes[1], "/",
          closes[2], "/", closes[3], "/", closes[4]);
}
