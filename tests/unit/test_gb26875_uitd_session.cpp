// firebus — fire-safety IoT SDK.
// GB/T 26875.3 UITD session engine, driven by a scripted fake centre built from the codec.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <random>
#include <set>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/gb26875/uitd_session.hpp>

namespace gb = firebus::gb26875;
using bytes = std::vector<std::uint8_t>;
using firebus::duration;
using firebus::mono_time;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t uitd_addr = 0x000012345678;
constexpr std::uint64_t centre_addr = 0x0000000000AB;

mono_time at(std::int64_t seconds) { return mono_time(std::chrono::seconds(seconds)); }
mono_time at_ms(std::int64_t ms) { return mono_time(std::chrono::milliseconds(ms)); }

gb::uitd_session_config base_config() {
  gb::uitd_session_config c;
  c.address = uitd_addr;
  c.centre_address = centre_addr;
  c.heartbeat = duration::zero();  // most tests: no heartbeat
  return c;
}

// An ADU of one analog value (routine) whose value tells messages apart.
bytes routine_adu(std::int16_t value = 0) {
  gb::component_analog a;
  a.system_type = 1;
  a.component_type = 30;
  a.component_address = 7;
  a.analog_type = 3;
  a.value = value;
  a.time = {0, 0, 12, 1, 6, 26};
  return gb::encode_adu(gb::adu{gb::adu_type::component_analog, {a}});
}

gb::adu fire_adu_object(std::uint32_t address = 7) {
  gb::component_status s;
  s.system_type = 1;
  s.component_type = 42;
  s.component_address = address;
  s.status = 0x0003;  // normal operation + fire alarm
  s.time = {0, 0, 12, 1, 6, 26};
  return gb::adu{gb::adu_type::component_status, {s}};
}
bytes fire_adu(std::uint32_t address = 7) { return gb::encode_adu(fire_adu_object(address)); }

struct sent_frame {
  gb::header hdr;
  bytes adu;
  std::uint64_t id = 0;
};

struct drained {
  std::vector<sent_frame> frames;
  std::vector<gb::uitd_delivered> delivered;
  std::vector<gb::uitd_failed> failed;
  std::vector<gb::uitd_event> events;
};

drained drain(gb::uitd_session& s) {
  drained d;
  gb::uitd_output out;
  while (s.poll(out)) {
    if (auto* f = std::get_if<gb::uitd_send>(&out)) {
      const gb::frame_view v = gb::decode_frame(f->frame);
      REQUIRE(v.hdr.cmd == f->cmd);
      REQUIRE(v.hdr.serial == f->serial);
      d.frames.push_back({v.hdr, bytes(v.adu.begin(), v.adu.end()), f->id});
    } else if (auto* dl = std::get_if<gb::uitd_delivered>(&out)) {
      d.delivered.push_back(*dl);
    } else if (auto* fl = std::get_if<gb::uitd_failed>(&out)) {
      d.failed.push_back(*fl);
    } else {
      d.events.push_back(std::get<gb::uitd_event>(out));
    }
  }
  return d;
}

bytes centre_frame(gb::command cmd, std::uint16_t serial, const bytes& adu = {}) {
  gb::header h;
  h.serial = serial;
  h.version_minor = 0;
  h.time = {0, 0, 12, 1, 6, 26};
  h.source = centre_addr;
  h.destination = uitd_addr;
  h.cmd = cmd;
  return gb::encode_frame(h, adu);
}

void feed(gb::uitd_session& s, const bytes& frame, mono_time now) {
  s.receive(gb::decode_frame(frame), now);
}

void confirm(gb::uitd_session& s, std::uint16_t serial, mono_time now) {
  feed(s, centre_frame(gb::command::confirm, serial), now);
}

}  // namespace

TEST_CASE("uitd_session: configuration is validated") {
  CHECK(!gb::validate(base_config()));
  gb::uitd_session_config c = base_config();
  c.address = gb::max_address + 1;
  CHECK(gb::validate(c) == gb::errc::out_of_range);
  c = base_config();
  c.retries = -1;
  CHECK(gb::validate(c) == firebus::errc::invalid_argument);
  c = base_config();
  c.answer_timeout = duration::zero();
  CHECK(gb::validate(c) == firebus::errc::invalid_argument);
  c = base_config();
  c.fire_answer_timeout = duration::zero();
  CHECK(gb::validate(c) == firebus::errc::invalid_argument);
  c = base_config();
  c.backoff_max = 500ms;
  CHECK(gb::validate(c) == firebus::errc::invalid_argument);
  c = base_config();
  c.utc_offset = std::chrono::hours(25);
  CHECK(gb::validate(c) == firebus::errc::invalid_argument);

  std::error_code ec;
  gb::uitd_session bad(c, ec);
  CHECK(ec == firebus::errc::invalid_argument);
  bad.connected(at(0));
  CHECK(bad.submit(routine_adu(), gb::message_priority::routine, at(0), ec) == 0);
  CHECK(ec == firebus::errc::invalid_argument);
  CHECK(bad.pending_outputs() == 0);
  CHECK_THROWS_AS(gb::uitd_session{c}, firebus::system_error);
}

TEST_CASE("uitd_session: classify") {
  CHECK(gb::classify(fire_adu_object()) == gb::message_priority::fire);
  gb::component_status fault;
  fault.status = 0x0005;  // normal + fault
  CHECK(gb::classify(gb::adu{gb::adu_type::component_status, {fault}}) ==
        gb::message_priority::alarm);
  gb::component_status normal;
  normal.status = 0x0001;
  CHECK(gb::classify(gb::adu{gb::adu_type::component_status, {normal, fault}}) ==
        gb::message_priority::alarm);
  gb::system_status sys;
  sys.status = 0x0002;
  CHECK(gb::classify(gb::adu{gb::adu_type::system_status, {sys}}) == gb::message_priority::fire);
  sys.status = 0x0100;  // main power fault
  CHECK(gb::classify(gb::adu{gb::adu_type::system_status, {sys}}) == gb::message_priority::alarm);
  gb::uitd_status us;
  us.status = 0x20;  // link to centre faulty
  CHECK(gb::classify(gb::adu{gb::adu_type::uitd_status, {us}}) == gb::message_priority::alarm);
  gb::uitd_operation manual;
  manual.flags = 0x04;  // manual alarm on the UITD
  CHECK(gb::classify(gb::adu{gb::adu_type::uitd_operation, {manual}}) ==
        gb::message_priority::fire);
  gb::system_operation reset;
  reset.flags = 0x01;
  CHECK(gb::classify(gb::adu{gb::adu_type::system_operation, {reset}}) ==
        gb::message_priority::routine);
  CHECK(gb::classify(gb::decode_adu(routine_adu())) == gb::message_priority::routine);
  CHECK(gb::to_string(gb::message_priority::fire) == "fire");
}

TEST_CASE("uitd_session: a message is delivered on its confirm") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t id = s.submit(fire_adu(), gb::message_priority::fire, at(1), ec);
  REQUIRE(!ec);
  CHECK(id == 1);
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  const sent_frame& f = d.frames[0];
  CHECK(f.hdr.cmd == gb::command::send_data);
  CHECK(f.hdr.serial == 0);
  CHECK(f.hdr.source == uitd_addr);
  CHECK(f.hdr.destination == centre_addr);
  CHECK(f.hdr.version_major == 1);
  CHECK(f.adu == fire_adu());
  CHECK(f.id == id);
  // Default wall clock: mono 0 is 2000-01-01 00:00:00 local time.
  CHECK(f.hdr.time == gb::time_tag{1, 0, 0, 1, 1, 0});
  CHECK(s.in_flight() == id);
  CHECK(s.next_deadline() == at(4));  // a fire message: fire_answer_timeout, 3 s

  confirm(s, 0, at(3));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == id);
  CHECK(d.delivered[0].attempts == 1);
  CHECK(d.delivered[0].latency == 2s);
  CHECK(d.frames.empty());
  CHECK(!s.in_flight());
  CHECK(!s.next_deadline());
  const gb::uitd_counters c = s.counters(at(3));
  CHECK(c.delivered == 1);
  CHECK(c.data_sent == 1);
  CHECK(c.frames_sent == 1);
  CHECK(c.failed == 0);
}

TEST_CASE("uitd_session: retransmission at 10, 20, 30 s and failure at 40 s") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t id = s.submit(routine_adu(), gb::message_priority::routine, at(0), ec);
  CHECK(drain(s).frames.size() == 1);
  for (int k = 1; k <= 3; ++k) {
    CHECK(s.next_deadline() == at(10 * k));
    s.advance(at_ms(10000 * k - 1));  // a millisecond early: nothing
    CHECK(drain(s).frames.empty());
    s.advance(at(10 * k));
    drained d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.serial == 0);  // a retransmission keeps its serial number
    CHECK(d.frames[0].adu == routine_adu());
    CHECK(d.frames[0].hdr.time.second == 10 * k);  // the time tag of each transmission
    CHECK(d.failed.empty());
  }
  CHECK(s.next_deadline() == at(40));
  s.advance(at(40));
  drained d = drain(s);
  CHECK(d.frames.empty());
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == id);
  CHECK(d.failed[0].error == gb::errc::no_answer);
  CHECK(d.failed[0].attempts == 4);
  CHECK(s.counters(at(40)).retransmitted == 3);
  CHECK(!s.next_deadline());
}

TEST_CASE("uitd_session: configurable timeout and retries; the next message follows a failure") {
  gb::uitd_session_config c = base_config();
  c.answer_timeout = 5s;
  c.retries = 1;
  gb::uitd_session s(c);
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(1), gb::message_priority::routine, at(0), ec);
  const std::uint64_t b = s.submit(routine_adu(2), gb::message_priority::routine, at(0), ec);
  CHECK(drain(s).frames.size() == 1);
  s.advance(at(5));
  CHECK(drain(s).frames.size() == 1);
  s.advance(at(10));
  drained d = drain(s);
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == a);
  CHECK(d.failed[0].attempts == 2);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == b);
  CHECK(d.frames[0].hdr.serial == 1);
  CHECK(d.frames[0].adu == routine_adu(2));

  c.retries = 0;
  gb::uitd_session z(c);
  z.connected(at(0));
  z.submit(routine_adu(), gb::message_priority::routine, at(0), ec);
  z.advance(at(5));
  d = drain(z);
  CHECK(d.frames.size() == 1);
  CHECK(d.failed.size() == 1);
}

TEST_CASE("uitd_session: serial numbers increment per transaction and wrap") {
  gb::uitd_session_config c = base_config();
  c.first_serial = 65534;
  gb::uitd_session s(c);
  s.connected(at(0));
  std::error_code ec;
  for (int i = 0; i < 3; ++i) s.submit(routine_adu(), gb::message_priority::routine, at(0), ec);
  std::vector<std::uint16_t> serials;
  for (int i = 0; i < 3; ++i) {
    drained d = drain(s);
    REQUIRE(d.frames.size() == 1);
    serials.push_back(d.frames[0].hdr.serial);
    s.advance(at(11 * i + 10));  // one retransmission: same serial
    d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.serial == serials.back());
    confirm(s, serials.back(), at(11 * i + 11));  // the next one goes out now
  }
  CHECK(serials == std::vector<std::uint16_t>{65534, 65535, 0});
  CHECK(s.next_serial() == 1);
  CHECK(s.counters(at(40)).delivered == 3);
}

TEST_CASE("uitd_session: a fire alarm behind 100 routine messages is sent next") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  std::vector<std::uint64_t> routine;
  for (int i = 0; i < 100; ++i) {
    routine.push_back(s.submit(routine_adu(static_cast<std::int16_t>(i)),
                               gb::message_priority::routine, at(1), ec));
    REQUIRE(!ec);
  }
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == routine[0]);
  const std::uint64_t alarm = s.submit(routine_adu(-1), gb::message_priority::alarm, at(2), ec);
  const std::uint64_t fire = s.submit(fire_adu(), gb::message_priority::fire, at(3), ec);
  CHECK(drain(s).frames.empty());  // stop-and-wait: the in-flight one first
  gb::uitd_counters c = s.counters(at(5));
  CHECK(c.queued[0] == 1);
  CHECK(c.queued[1] == 1);
  CHECK(c.queued[2] == 99);
  CHECK(c.oldest_fire_age == 2s);
  confirm(s, 0, at(5));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == fire);
  CHECK(d.frames[0].adu == fire_adu());
  CHECK(d.frames[0].hdr.serial == 1);
  confirm(s, 1, at(6));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == alarm);
  confirm(s, 2, at(7));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == routine[1]);  // then routine, in order
}

TEST_CASE("uitd_session: full queue policy") {
  gb::uitd_session_config c = base_config();
  c.max_queue = 3;
  gb::uitd_session s(c);
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t r1 = s.submit(routine_adu(1), gb::message_priority::routine, at(0), ec);
  const std::uint64_t r2 = s.submit(routine_adu(2), gb::message_priority::routine, at(0), ec);
  const std::uint64_t r3 = s.submit(routine_adu(3), gb::message_priority::routine, at(0), ec);
  REQUIRE(!ec);
  drain(s);
  // Full (one in flight + two queued): a routine message is refused...
  CHECK(s.submit(routine_adu(4), gb::message_priority::routine, at(1), ec) == 0);
  CHECK(ec == gb::errc::queue_full);
  // ... a fire message evicts the newest routine one, which is reported failed.
  const std::uint64_t f1 = s.submit(fire_adu(1), gb::message_priority::fire, at(1), ec);
  CHECK(!ec);
  drained d = drain(s);
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == r3);
  CHECK(d.failed[0].error == gb::errc::queue_full);
  CHECK(d.failed[0].attempts == 0);
  // An alarm evicts the last routine one; the one in flight (r1) is never evicted.
  const std::uint64_t a1 = s.submit(routine_adu(5), gb::message_priority::alarm, at(1), ec);
  CHECK(!ec);
  d = drain(s);
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == r2);
  // Now in flight r1, queued f1 and a1: an alarm cannot evict an alarm or a fire...
  CHECK(s.submit(routine_adu(6), gb::message_priority::alarm, at(1), ec) == 0);
  CHECK(ec == gb::errc::queue_full);
  // ... a fire evicts the alarm.
  const std::uint64_t f2 = s.submit(fire_adu(2), gb::message_priority::fire, at(1), ec);
  CHECK(!ec);
  d = drain(s);
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == a1);
  // In flight r1, queued f1, f2: nothing can be evicted now.
  CHECK(s.submit(fire_adu(3), gb::message_priority::fire, at(1), ec) == 0);
  CHECK(ec == gb::errc::queue_full);
  CHECK(s.counters(at(1)).evicted == 3);
  confirm(s, 0, at(2));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == r1);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == f1);
  CHECK(f2 > f1);
  // Too long an ADU.
  CHECK(s.submit(bytes(1025, 0), gb::message_priority::fire, at(2), ec) == 0);
  CHECK(ec == gb::errc::adu_too_long);
}

TEST_CASE(
    "uitd_session: a deny is a refused transmission, retried; the last one fails the message") {
  // §6.5.3: a deny answers a damaged frame (checksum, start or end bytes, length) as well as
  // refused content, so one deny must not drop the message (a fire alarm least of all).
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(1), gb::message_priority::routine, at(0), ec);
  const std::uint64_t b = s.submit(routine_adu(2), gb::message_priority::routine, at(0), ec);
  drain(s);
  for (int k = 1; k <= 3; ++k) {  // retries = 3: three denies are retried at once
    feed(s, centre_frame(gb::command::deny, 0), at(k));
    drained d = drain(s);
    CHECK(d.failed.empty());
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].id == a);
    CHECK(d.frames[0].hdr.serial == 0);  // same transaction
  }
  feed(s, centre_frame(gb::command::deny, 0), at(4));
  drained d = drain(s);
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == a);
  CHECK(d.failed[0].error == gb::errc::denied);
  CHECK(d.failed[0].attempts == 4);
  REQUIRE(d.frames.size() == 1);  // the next message
  CHECK(d.frames[0].id == b);
  CHECK(d.frames[0].hdr.serial == 1);
  gb::uitd_counters c = s.counters(at(4));
  CHECK(c.denied == 1);
  CHECK(c.failed == 1);
  CHECK(c.retransmitted == 3);

  // A deny, then the confirm of the retransmission: delivered.
  feed(s, centre_frame(gb::command::deny, 1), at(5));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.serial == 1);
  confirm(s, 1, at(5));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == b);
  CHECK(d.delivered[0].attempts == 2);
}

TEST_CASE(
    "uitd_session: a fire message waits at most fire_answer_timeout behind an unanswered one") {
  // GB 26875.1: 10 s from the detector to the centre, retransmissions included. A routine
  // message in flight whose confirm does not come must not hold a fire alarm for its own
  // 10 s timeout and retries (40 s).
  gb::uitd_session_config cfg = base_config();
  REQUIRE(cfg.answer_timeout == 10s);
  REQUIRE(cfg.fire_answer_timeout == 3s);
  gb::uitd_session s(cfg);
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(1), gb::message_priority::routine, at(0), ec);
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.serial == 0);
  CHECK(s.next_deadline() == at(10));

  const std::uint64_t f = s.submit(fire_adu(), gb::message_priority::fire, at_ms(100), ec);
  REQUIRE(!ec);
  CHECK(drain(s).frames.empty());     // stop-and-wait: the routine one's confirm may come yet
  CHECK(s.next_deadline() == at(3));  // ... for 3 s after it was sent
  s.advance(at_ms(2999));
  CHECK(drain(s).frames.empty());
  s.advance(at(3));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == f);
  CHECK(d.frames[0].hdr.serial == 1);
  CHECK(s.in_flight() == f);
  CHECK(s.queued(gb::message_priority::routine) == 1);  // gave way, waits at the head
  CHECK(s.counters(at(3)).preempted == 1);

  // The fire frame is lost too: sent again 3 s later, not 10.
  CHECK(s.next_deadline() == at(6));
  s.advance(at(6));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == f);
  CHECK(d.frames[0].hdr.serial == 1);
  confirm(s, 1, at_ms(6050));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == f);
  CHECK(d.delivered[0].latency < 10s);
  // Then the routine message, with its serial number and full retries.
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == a);
  CHECK(d.frames[0].hdr.serial == 0);
  CHECK(s.next_deadline() == at_ms(16050));
  confirm(s, 0, at(7));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == a);
  CHECK(d.delivered[0].attempts == 2);
  const gb::uitd_counters c = s.counters(at(7));
  CHECK(c.resent == 1);
  CHECK(c.unexpected_answers == 0);
}

TEST_CASE("uitd_session: a fire message with nothing in flight is retransmitted every 3 s") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t f = s.submit(fire_adu(), gb::message_priority::fire, at(0), ec);
  std::vector<mono_time> sent;
  for (mono_time t = at(0); t <= at(20); t += 100ms) {
    s.advance(t);
    drained d = drain(s);
    for (const sent_frame& fr : d.frames) {
      CHECK(fr.id == f);
      sent.push_back(t);
    }
    if (!d.failed.empty()) {
      CHECK(d.failed[0].id == f);
      CHECK(d.failed[0].error == gb::errc::no_answer);
      CHECK(d.failed[0].attempts == 4);
      CHECK(t == at(12));
      break;
    }
  }
  CHECK(sent == std::vector<mono_time>{at(0), at(3), at(6), at(9)});
}

TEST_CASE("uitd_session: the late confirm of a message that gave way delivers it") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(1), gb::message_priority::alarm, at(0), ec);
  drain(s);
  // Submitted when the message in flight already waited longer than 3 s: sent at once.
  const std::uint64_t f = s.submit(fire_adu(), gb::message_priority::fire, at(5), ec);
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == f);
  CHECK(d.frames[0].hdr.serial == 1);
  confirm(s, 0, at(6));  // the late confirm of the first one
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == a);
  CHECK(d.events.empty());  // not an unexpected answer
  confirm(s, 1, at(6));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == f);
  CHECK(d.frames.empty());  // nothing left to send: the first one is not sent again
  CHECK(s.queued() == 0);
}

TEST_CASE("uitd_session: a denied message gives way to a queued fire message") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(1), gb::message_priority::routine, at(0), ec);
  drain(s);
  const std::uint64_t f = s.submit(fire_adu(), gb::message_priority::fire, at_ms(10), ec);
  feed(s, centre_frame(gb::command::deny, 0), at_ms(20));
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == f);
  confirm(s, d.frames[0].hdr.serial, at_ms(30));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == f);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == a);
  CHECK(d.frames[0].hdr.serial == 0);
}

TEST_CASE("uitd_session: answers with an unknown serial number are ignored and counted") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(1), gb::message_priority::routine, at(0), ec);
  drain(s);
  confirm(s, 7, at(1));
  feed(s, centre_frame(gb::command::deny, 8), at(1));
  feed(s, centre_frame(gb::command::response, 0), at(1));  // the UITD never requests
  drained d = drain(s);
  CHECK(d.delivered.empty());
  CHECK(d.failed.empty());
  CHECK(d.frames.empty());  // an answer is never answered
  REQUIRE(d.events.size() == 3);
  CHECK(d.events[0].kind == gb::uitd_event_kind::unexpected_answer);
  CHECK(d.events[0].serial == 7);
  CHECK(d.events[0].error == gb::errc::unexpected_answer);
  CHECK(s.counters(at(1)).unexpected_answers == 3);
  CHECK(s.in_flight() == a);
  confirm(s, 0, at(2));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  confirm(s, 0, at(3));  // a duplicate confirm: unexpected now
  CHECK(s.counters(at(3)).unexpected_answers == 4);
  CHECK(s.counters(at(3)).delivered == 1);
}

TEST_CASE("uitd_session: disconnect with a message in flight, resend after reconnect") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(1), gb::message_priority::routine, at(0), ec);
  const std::uint64_t b = s.submit(routine_adu(2), gb::message_priority::routine, at(0), ec);
  drain(s);
  s.advance(at(10));  // retransmission 1
  CHECK(drain(s).frames.size() == 1);
  s.advance(at(20));  // retransmission 2; not polled before the link drops
  s.disconnected(at(25));
  CHECK(!s.in_flight());
  CHECK(s.queued() == 2);
  CHECK(!s.next_deadline());
  drained d = drain(s);
  CHECK(d.frames.empty());  // frames for the lost connection are discarded
  // While disconnected, submit() queues, nothing is sent, answers are ignored.
  const std::uint64_t f = s.submit(fire_adu(), gb::message_priority::fire, at(30), ec);
  CHECK(!ec);
  confirm(s, 0, at(31));
  s.advance(at(100));
  d = drain(s);
  CHECK(d.frames.empty());
  CHECK(d.delivered.empty());
  CHECK(s.counters(at(100)).ignored_disconnected == 1);

  s.connected(at(100));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == f);  // the fire alarm goes first
  CHECK(d.frames[0].hdr.serial == 1);
  confirm(s, 1, at(101));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == a);  // then the interrupted one, with its serial number
  CHECK(d.frames[0].hdr.serial == 0);
  CHECK(s.counters(at(101)).resent == 1);
  // The resend is not a retry: a full set of 3 retransmissions follows.
  for (int k = 1; k <= 3; ++k) {
    s.advance(at(101 + 10 * k));
    d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.serial == 0);
  }
  confirm(s, 0, at(135));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.delivered[0].id == a);
  CHECK(d.delivered[0].attempts == 7);  // 3 before the drop, the resend, 3 retries
  CHECK(d.delivered[0].latency == 135s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == b);
  CHECK(d.frames[0].hdr.serial == 2);
}

TEST_CASE("uitd_session: max_age bounds a message's life") {
  gb::uitd_session_config c = base_config();
  c.max_age = 60s;
  gb::uitd_session s(c);
  std::error_code ec;
  const std::uint64_t a = s.submit(fire_adu(), gb::message_priority::fire, at(0), ec);
  CHECK(s.next_deadline() == at(60));
  s.advance(at(60));
  drained d = drain(s);
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == a);
  CHECK(d.failed[0].error == gb::errc::not_connected);

  // Connected: the message in flight finishes its current wait, then fails with no_answer.
  c.max_age = 25s;
  gb::uitd_session t(c);
  t.connected(at(100));
  const std::uint64_t b = t.submit(fire_adu(), gb::message_priority::fire, at(100), ec);
  t.advance(at(110));  // age 10 s: retransmission
  t.advance(at(120));  // age 20 s: retransmission
  CHECK(drain(t).frames.size() == 3);
  t.advance(at(130));  // age 30 s: no more
  d = drain(t);
  CHECK(d.frames.empty());
  REQUIRE(d.failed.size() == 1);
  CHECK(d.failed[0].id == b);
  CHECK(d.failed[0].error == gb::errc::no_answer);
  CHECK(d.failed[0].attempts == 3);
}

TEST_CASE("uitd_session: heartbeat only when idle") {
  gb::uitd_session_config c = base_config();
  c.heartbeat = 30s;
  gb::uitd_session s(c);
  s.connected(at(0));
  CHECK(s.next_deadline() == at(30));
  s.advance(at(29));
  CHECK(drain(s).frames.empty());
  s.advance(at(30));
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::send_data);
  CHECK(d.frames[0].adu.empty());
  CHECK(d.frames[0].id == 0);
  CHECK(d.frames[0].hdr.serial == 0);
  CHECK(s.in_flight() == std::uint64_t{0});
  CHECK(s.next_deadline() == at(40));  // waiting for the confirm
  confirm(s, 0, at(31));
  d = drain(s);
  CHECK(d.delivered.empty());  // a heartbeat is not a message
  CHECK(s.next_deadline() == at(60));

  // Data at 45 s keeps the link busy: no heartbeat at 60, the next one at 75.
  std::error_code ec;
  s.submit(routine_adu(), gb::message_priority::routine, at(45), ec);
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.serial == 1);
  confirm(s, 1, at(46));
  drain(s);
  s.advance(at(60));
  CHECK(drain(s).frames.empty());
  CHECK(s.next_deadline() == at(75));
  s.advance(at(75));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].adu.empty());
  CHECK(d.frames[0].hdr.serial == 2);

  // A message submitted while a heartbeat is in flight does not wait for it.
  const std::uint64_t m = s.submit(fire_adu(), gb::message_priority::fire, at(76), ec);
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == m);
  CHECK(d.frames[0].hdr.serial == 3);
  confirm(s, 2, at(77));  // the late confirm of the abandoned heartbeat: silently ignored
  confirm(s, 3, at(77));
  d = drain(s);
  REQUIRE(d.delivered.size() == 1);
  CHECK(d.events.empty());
  CHECK(s.counters(at(77)).unexpected_answers == 0);

  // A heartbeat with no answer is retried, then reported.
  s.advance(at(107));
  CHECK(drain(s).frames.size() == 1);
  for (int k = 1; k <= 3; ++k) {
    s.advance(at(107 + 10 * k));
    CHECK(drain(s).frames.size() == 1);
  }
  s.advance(at(147));
  d = drain(s);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].kind == gb::uitd_event_kind::heartbeat_failed);
  CHECK(d.events[0].error == gb::errc::no_answer);
  CHECK(d.failed.empty());
  CHECK(s.counters(at(147)).heartbeats_failed == 1);

  // Off: never.
  gb::uitd_session off(base_config());
  off.connected(at(0));
  CHECK(!off.next_deadline());
  off.advance(at(3600));
  CHECK(off.pending_outputs() == 0);
}

TEST_CASE("uitd_session: read requests are answered from the data provider") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  const std::uint64_t a = s.submit(routine_adu(), gb::message_priority::routine, at(0), ec);
  drain(s);

  SUBCASE("no provider: deny") {
    feed(s, centre_frame(gb::command::request, 0x1234, {81, 1, 0}), at(1));
    drained d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.cmd == gb::command::deny);
    CHECK(d.frames[0].hdr.serial == 0x1234);
    CHECK(d.frames[0].hdr.source == uitd_addr);
    CHECK(d.frames[0].hdr.destination == centre_addr);
    CHECK(d.frames[0].adu.empty());
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].kind == gb::uitd_event_kind::request_denied);
    CHECK(d.events[0].serial == 0x1234);
    CHECK(d.events[0].cmd == gb::command::request);
  }
  SUBCASE("provider answers, ahead of the data in flight") {
    int calls = 0;
    s.set_data_provider([&calls](const gb::adu& req, gb::adu& resp, std::error_code&) {
      ++calls;
      if (req.type == gb::adu_type::read_uitd_status) {
        gb::uitd_status st;
        st.status = 0x01;
        st.time = {5, 4, 3, 2, 1, 26};
        resp = gb::adu{gb::adu_type::uitd_status, {st}};
        return true;
      }
      return false;
    });
    feed(s, centre_frame(gb::command::request, 0x1234, {81, 1, 0}), at(1));
    drained d = drain(s);
    CHECK(calls == 1);
    REQUIRE(d.frames.size() == 1);
    const sent_frame& f = d.frames[0];
    CHECK(f.hdr.cmd == gb::command::response);
    CHECK(f.hdr.serial == 0x1234);
    CHECK(f.hdr.source == uitd_addr);
    CHECK(f.hdr.destination == centre_addr);
    CHECK(f.id == 0);
    const gb::adu resp = gb::decode_adu(f.adu);
    REQUIRE(resp.objects.size() == 1);
    CHECK(std::get<gb::uitd_status>(resp.objects[0]).status == 0x01);
    CHECK(s.in_flight() == a);  // still waiting for its own confirm
    CHECK(s.counters(at(1)).requests_answered == 1);

    // The provider refuses (type 61): deny.
    feed(s, centre_frame(gb::command::request, 0x2000, {61, 1, 1, 0}), at(2));
    d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.cmd == gb::command::deny);
    CHECK(d.frames[0].hdr.serial == 0x2000);
    CHECK(calls == 2);
    // A request whose ADU is not a read: deny without asking the provider.
    feed(s, centre_frame(gb::command::request, 0x2001, {89, 1, 0}), at(2));
    d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.cmd == gb::command::deny);
    CHECK(calls == 2);
  }
  SUBCASE("a throwing provider is a deny") {
    s.set_data_provider([](const gb::adu&, gb::adu&, std::error_code&) -> bool { throw 42; });
    feed(s, centre_frame(gb::command::request, 9, {81, 1, 0}), at(1));
    drained d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.cmd == gb::command::deny);
  }
}

TEST_CASE("uitd_session: control commands 89, 90, 91 are confirmed and reported") {
  gb::uitd_session s(base_config());
  s.connected(at(0));

  feed(s, centre_frame(gb::command::control, 100, {89, 1, 0}), at(1));
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::confirm);
  CHECK(d.frames[0].hdr.serial == 100);
  CHECK(d.frames[0].hdr.destination == centre_addr);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].kind == gb::uitd_event_kind::init_request);
  CHECK(d.events[0].serial == 100);

  // 2026-06-01 12:00:00 local (+8 h) = 04:00:00Z.
  feed(s, centre_frame(gb::command::control, 101, {90, 1, 0, 0, 12, 1, 6, 26}), at(10));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::confirm);
  CHECK(d.frames[0].hdr.serial == 101);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].kind == gb::uitd_event_kind::clock_sync);
  CHECK(d.events[0].time == gb::time_tag{0, 0, 12, 1, 6, 26});
  CHECK(firebus::to_iso8601(d.events[0].utc) == "2026-06-01T04:00:00.000000Z");
  // The engine's time tags follow the synchronised clock.
  std::error_code ec;
  s.submit(routine_adu(), gb::message_priority::routine, at(15), ec);
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.time == gb::time_tag{5, 0, 12, 1, 6, 26});

  // An invalid time tag (month 13): deny.
  feed(s, centre_frame(gb::command::control, 102, {90, 1, 0, 0, 12, 1, 13, 26}), at(16));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::deny);

  feed(s, centre_frame(gb::command::control, 103, {91, 1, 5}), at(20));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::confirm);
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].kind == gb::uitd_event_kind::duty_check);
  CHECK(d.events[0].timeout_minutes == 5);
  CHECK(d.events[0].deadline == at(320));
  CHECK(s.duty_check_deadline() == at(320));
  CHECK(s.counters(at(20)).controls_confirmed == 3);
}

TEST_CASE("uitd_session: duty check answers inside and outside the deadline") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  std::error_code ec;
  feed(s, centre_frame(gb::command::control, 1, {91, 1, 2}), at(0));  // 2 minutes
  drain(s);
  gb::uitd_duty_answer r = s.answer_duty_check(7, at(120), ec);  // deadline included
  REQUIRE(!ec);
  CHECK(r.pending);
  CHECK(r.in_time);
  CHECK(!s.duty_check_deadline());
  drained d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].id == r.id);
  const gb::adu a = gb::decode_adu(d.frames[0].adu);
  REQUIRE(a.objects.size() == 1);
  const auto& op = std::get<gb::uitd_operation>(a.objects[0]);
  CHECK(op.flags == 0x20);
  CHECK(op.operator_id == 7);
  CHECK(op.time == d.frames[0].hdr.time);
  CHECK(gb::classify(a) == gb::message_priority::alarm);
  confirm(s, d.frames[0].hdr.serial, at(121));
  drain(s);

  feed(s, centre_frame(gb::command::control, 2, {91, 1, 1}), at(200));
  drain(s);
  r = s.answer_duty_check(7, at(261), ec);  // one second late
  CHECK(r.pending);
  CHECK(!r.in_time);
  CHECK(r.id != 0);
  r = s.answer_duty_check(7, at(262), ec);  // nothing pending
  CHECK(!r.pending);
  CHECK(!r.in_time);
}

TEST_CASE("uitd_session: reserved commands and malformed ADUs are denied") {
  gb::uitd_session s(base_config());
  s.connected(at(0));
  for (std::uint8_t cmd :
       {std::uint8_t{0}, std::uint8_t{7}, std::uint8_t{127}, std::uint8_t{200}}) {
    CAPTURE(int{cmd});
    feed(s, centre_frame(static_cast<gb::command>(cmd), 55, {81, 1, 0}), at(1));
    drained d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.cmd == gb::command::deny);
    CHECK(d.frames[0].hdr.serial == 55);
    REQUIRE(d.events.size() == 1);
    CHECK(d.events[0].error == gb::errc::unknown_command);
  }
  const std::vector<bytes> bad = {
      {61},              // truncated
      {61, 2, 1, 0},     // count says 2, one object
      {61, 1, 1, 0, 9},  // a byte too many
      {0, 1, 0},         // reserved type
      {89, 0},           // control with no object
      {89, 2, 0, 0},     // control with two objects
      {2, 0},            // not a control type
  };
  for (const bytes& adu : bad) {
    CAPTURE(adu.size());
    const gb::command cmd = adu[0] == 61 ? gb::command::request : gb::command::control;
    feed(s, centre_frame(cmd, 56, adu), at(2));
    drained d = drain(s);
    REQUIRE(d.frames.size() == 1);
    CHECK(d.frames[0].hdr.cmd == gb::command::deny);
    CHECK(d.frames[0].hdr.serial == 56);
  }
  // Data sent to the UITD: deny; an empty send-data (the centre's heartbeat): confirm.
  feed(s, centre_frame(gb::command::send_data, 57, {81, 1, 0}), at(3));
  feed(s, centre_frame(gb::command::send_data, 58), at(3));
  drained d = drain(s);
  REQUIRE(d.frames.size() == 2);
  CHECK(d.frames[0].hdr.cmd == gb::command::deny);
  CHECK(d.frames[1].hdr.cmd == gb::command::confirm);
  CHECK(d.frames[1].hdr.serial == 58);

  // A frame with a bad checksum, given as bytes: a request is denied, an answer is not.
  bytes req = centre_frame(gb::command::request, 60, {81, 1, 0});
  req[req.size() - 3] ^= 0xFF;
  std::error_code ec;
  s.receive(req, at(4), ec);
  CHECK(ec == gb::errc::checksum_mismatch);
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::deny);
  CHECK(d.frames[0].hdr.serial == 60);
  bytes conf = centre_frame(gb::command::confirm, 0);
  conf[conf.size() - 3] ^= 0xFF;
  s.receive(conf, at(4), ec);
  CHECK(ec == gb::errc::checksum_mismatch);
  CHECK(s.pending_outputs() == 0);
  // Wrong end bytes, an ADU length over 1024 (its 27 header bytes): denied too (§6.5.3).
  bytes bad_end = centre_frame(gb::command::request, 61, {81, 1, 0});
  bad_end[bad_end.size() - 1] = 0x35;
  s.receive(bad_end, at(4), ec);
  CHECK(ec == gb::errc::bad_end);
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::deny);
  CHECK(d.frames[0].hdr.serial == 61);
  bytes too_long = centre_frame(gb::command::control, 62, {91, 1, 5});
  too_long[24] = 0xFF;
  too_long[25] = 0xFF;
  too_long.resize(gb::header_size);
  s.receive(too_long, at(4), ec);
  CHECK(ec == gb::errc::adu_too_long);
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].hdr.cmd == gb::command::deny);
  CHECK(d.frames[0].hdr.serial == 62);
  bytes bad_end_answer = centre_frame(gb::command::confirm, 0);
  bad_end_answer.back() = 0;
  s.receive(bad_end_answer, at(4), ec);
  CHECK(ec == gb::errc::bad_end);
  CHECK(s.pending_outputs() == 0);  // an answer is never answered
  bytes junk = {0x40, 0x40, 1, 2};
  s.receive(junk, at(4), ec);
  CHECK(ec == gb::errc::truncated);
  CHECK(s.pending_outputs() == 0);
  s.receive(centre_frame(gb::command::confirm, 99), at(4), ec);  // good bytes
  CHECK(!ec);
  CHECK(s.counters(at(4)).unexpected_answers == 1);
}

TEST_CASE("uitd_session: answers and events are bounded when nobody polls") {
  gb::uitd_session_config c = base_config();
  c.max_outputs = 10;
  gb::uitd_session s(c);
  s.connected(at(0));
  for (int i = 0; i < 1000; ++i) {
    feed(s, centre_frame(gb::command::control, static_cast<std::uint16_t>(i), {89, 1, 0}), at(1));
  }
  CHECK(s.pending_outputs() == 10);
  CHECK(s.counters(at(1)).outputs_dropped == 1990);
  std::error_code ec;
  CHECK(s.submit(routine_adu(), gb::message_priority::fire, at(1), ec) == 0);
  CHECK(ec == gb::errc::queue_full);
  drain(s);
  CHECK(s.submit(routine_adu(), gb::message_priority::fire, at(1), ec) != 0);
}

// A fuzzer find (fuzz_gb26875_session, seed uitd_heartbeats_unpolled): a transport that keeps
// calling advance() at next_deadline() but stops polling got one heartbeat frame per interval
// queued forever, against the promise that a caller that never polls cannot grow memory.
TEST_CASE("uitd_session: heartbeats do not pile up when nobody polls") {
  gb::uitd_session_config c = base_config();
  c.heartbeat = 30s;
  c.retries = 0;
  c.max_outputs = 4;
  gb::uitd_session s(c);
  s.connected(at(0));
  mono_time now = at(0);
  for (int i = 0; i < 1000; ++i) {
    const auto due = s.next_deadline();
    if (!due) break;
    CHECK(*due > now);  // never a deadline already passed
    now = *due;
    s.advance(now);
  }
  // Heartbeats at 30 s and 60 s (each failed 10 s later): then four outputs wait, no more.
  CHECK(s.pending_outputs() == 4);
  CHECK(!s.next_deadline());
  CHECK(s.counters(now).heartbeats_sent == 2);
  drained d = drain(s);
  CHECK(d.frames.size() == 2);
  CHECK(d.events.size() == 2);
  // Drained: the heartbeat is due again at once (nothing was sent since 60 s).
  REQUIRE(s.next_deadline());
  CHECK(*s.next_deadline() == at(90));
  s.advance(std::max(now, at(90)));
  d = drain(s);
  REQUIRE(d.frames.size() == 1);
  CHECK(d.frames[0].adu.empty());
}

TEST_CASE("uitd_session: reconnect back-off") {
  gb::uitd_session_config c = base_config();
  c.backoff_jitter_permille = 0;
  gb::uitd_session s(c);
  std::vector<duration> got;
  for (int i = 0; i < 9; ++i) got.push_back(s.next_reconnect_delay());
  const std::vector<duration> want = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
  CHECK(got == want);
  for (int i = 0; i < 100; ++i) CHECK(s.next_reconnect_delay() == 60s);  // no overflow
  s.connected(at(0));  // a successful connect starts again
  CHECK(s.next_reconnect_delay() == 1s);
  CHECK(s.next_reconnect_delay() == 2s);
  s.disconnected(at(1));
  CHECK(s.next_reconnect_delay() == 4s);

  c.backoff_jitter_permille = 200;
  c.backoff_factor = 3;
  c.backoff_initial = 500ms;
  c.backoff_max = 30s;
  c.backoff_seed = 42;
  gb::uitd_session j1(c);
  gb::uitd_session j2(c);
  c.backoff_seed = 43;
  gb::uitd_session j3(c);
  duration base = 500ms;
  bool differs = false;
  bool jittered = false;
  for (int i = 0; i < 12; ++i) {
    const duration d1 = j1.next_reconnect_delay();
    CHECK(d1 == j2.next_reconnect_delay());  // deterministic from the seed
    if (d1 != j3.next_reconnect_delay()) differs = true;
    CHECK(d1 <= base);
    CHECK(d1 >= base - base / 5);
    if (d1 != base) jittered = true;
    base = std::min<duration>(base * 3, 30s);
  }
  CHECK(differs);
  CHECK(jittered);
}

TEST_CASE("uitd_session: randomized lossy centre") {
  std::mt19937_64 rng(20260601);
  auto chance = [&rng](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  auto pick = [&rng](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };

  gb::uitd_session_config c = base_config();
  c.max_queue = 40;
  c.heartbeat = 30s;
  gb::uitd_session s(c);
  s.set_data_provider([](const gb::adu&, gb::adu& resp, std::error_code&) {
    gb::uitd_status st;
    st.status = 1;
    resp = gb::adu{gb::adu_type::uitd_status, {st}};
    return true;
  });

  struct pending_answer {
    mono_time due;
    bytes frame;
  };
  std::vector<pending_answer> wire;  // centre → UITD, on the current connection
  std::map<std::uint64_t, gb::message_priority> submitted;
  std::map<std::uint64_t, int> outcomes;
  std::set<std::uint16_t> centre_requests_open;
  std::optional<std::uint64_t> last_flight;
  mono_time now = at(0);
  // Not std::optional: g++ 12 -O2 warns about it here (-Wmaybe-uninitialized).
  bool reconnecting = true;
  mono_time reconnect_at = now;
  std::size_t max_pending = 0;
  int refused = 0;
  int contested = 0;

  auto check_order = [&]() {
    const auto id = s.in_flight();
    if (id && *id != 0 && id != last_flight) {
      const auto p = s.in_flight_priority();
      REQUIRE(p);
      CHECK(*p == submitted.at(*id));
      // A new transaction (or a resend) of priority p: nothing more urgent waits.
      for (int q = 0; q < static_cast<int>(*p); ++q) {
        CHECK(s.queued(static_cast<gb::message_priority>(q)) == 0);
      }
      if (*p == gb::message_priority::fire && s.queued(gb::message_priority::routine) != 0) {
        ++contested;
      }
    }
    last_flight = id;
  };

  auto process_outputs = [&]() {
    max_pending = std::max(max_pending, s.pending_outputs());
    drained d = drain(s);
    for (const auto& dl : d.delivered) ++outcomes[dl.id];
    for (const auto& fl : d.failed) ++outcomes[fl.id];
    for (const sent_frame& f : d.frames) {
      CHECK(f.hdr.source == uitd_addr);
      CHECK(f.hdr.destination == centre_addr);
      if (f.hdr.cmd == gb::command::send_data) {
        if (chance(0.15)) continue;  // lost on the way
        const std::int64_t delay_ms = pick(10, 14000);
        const double r = std::uniform_real_distribution<double>(0, 1)(rng);
        const gb::command answer = r < 0.05 ? gb::command::deny : gb::command::confirm;
        if (r >= 0.05 && r < 0.2) continue;  // the centre does not answer
        wire.push_back(
            {now + std::chrono::milliseconds(delay_ms), centre_frame(answer, f.hdr.serial)});
        if (chance(0.1)) {  // a duplicate
          wire.push_back({now + std::chrono::milliseconds(delay_ms + pick(1, 20000)),
                          centre_frame(answer, f.hdr.serial)});
        }
      } else {
        // An answer to one of the centre's frames: its serial number is echoed.
        CHECK(centre_requests_open.count(f.hdr.serial) == 1);
      }
    }
  };

  for (int step = 0; step < 30000; ++step) {
    // Choose the next instant: a wire arrival, the engine's deadline, a reconnect, or a random
    // event.
    mono_time next = now + std::chrono::milliseconds(pick(1, 3000));
    if (auto dl = s.next_deadline()) next = std::min(next, std::max(now, *dl));
    if (reconnecting) next = std::min(next, reconnect_at);
    for (const auto& w : wire) next = std::min(next, w.due);
    now = std::max(now, next);

    if (reconnecting && now >= reconnect_at) {
      if (chance(0.3)) {
        reconnect_at = now + s.next_reconnect_delay();  // this attempt failed
      } else {
        reconnecting = false;
        s.connected(now);
      }
    }
    // Deliver what is due, in order of arrival.
    std::stable_sort(
        wire.begin(), wire.end(),
        [](const pending_answer& a, const pending_answer& b) { return a.due < b.due; });
    while (!wire.empty() && wire.front().due <= now) {
      feed(s, wire.front().frame, now);
      wire.erase(wire.begin());
      check_order();
      process_outputs();
    }
    s.advance(now);
    check_order();
    process_outputs();

    if (chance(0.15)) {
      const auto p = static_cast<gb::message_priority>(pick(0, 2));
      std::error_code ec;
      const std::uint64_t id =
          p == gb::message_priority::fire
              ? s.submit(fire_adu(static_cast<std::uint32_t>(step)), p, now, ec)
              : s.submit(routine_adu(static_cast<std::int16_t>(step % 30000)), p, now, ec);
      if (ec) {
        CHECK(ec == gb::errc::queue_full);
        ++refused;
      } else {
        CHECK(submitted.count(id) == 0);
        submitted[id] = p;
      }
      check_order();
      process_outputs();
    }
    if (s.is_connected() && chance(0.02)) {  // the centre reads or commands
      const auto serial = static_cast<std::uint16_t>(pick(0, 65535));
      centre_requests_open.insert(serial);
      const bytes frame = chance(0.5) ? centre_frame(gb::command::request, serial, {81, 1, 0})
                                      : centre_frame(gb::command::control, serial, {89, 1, 0});
      wire.push_back({now + std::chrono::milliseconds(pick(1, 500)), frame});
    }
    if (s.is_connected() && chance(0.01)) {
      s.disconnected(now);
      wire.clear();  // the connection's bytes are gone with it
      reconnecting = true;
      reconnect_at = now + s.next_reconnect_delay();
      check_order();
      process_outputs();
    }
  }

  // Settle: a reliable centre until everything is accounted for.
  if (!s.is_connected()) s.connected(now);
  wire.clear();
  for (int i = 0; i < 100000 && (s.in_flight() || s.queued() != 0); ++i) {
    drained d = drain(s);
    for (const auto& dl : d.delivered) ++outcomes[dl.id];
    for (const auto& fl : d.failed) ++outcomes[fl.id];
    now += 1s;
    for (const sent_frame& f : d.frames) {
      if (f.hdr.cmd == gb::command::send_data) confirm(s, f.hdr.serial, now);
    }
    s.advance(now);
  }
  drained d = drain(s);
  for (const auto& dl : d.delivered) ++outcomes[dl.id];
  for (const auto& fl : d.failed) ++outcomes[fl.id];

  CHECK(!s.in_flight());
  CHECK(s.queued() == 0);
  CHECK(submitted.size() > 3000);
  CHECK(contested > 100);  // fire sent while routine messages waited
  CHECK(outcomes.size() == submitted.size());
  int bad = 0;
  for (const auto& [id, p] : submitted) {
    const auto it = outcomes.find(id);
    if (it == outcomes.end() || it->second != 1) ++bad;
  }
  CHECK(bad == 0);
  for (const auto& [id, n] : outcomes) CHECK(submitted.count(id) == 1);
  const gb::uitd_counters k = s.counters(now);
  CHECK(k.delivered + k.failed == submitted.size());
  CHECK(k.retransmitted > 0);
  CHECK(k.resent > 0);
  CHECK(k.preempted > 0);  // messages gave way to fire messages (rule 4), and still ended once
  CHECK(k.denied > 0);
  CHECK(k.unexpected_answers > 0);
  CHECK(max_pending <= c.max_outputs + c.max_queue + 2);
  MESSAGE("submitted " << submitted.size() << ", delivered " << k.delivered << ", failed "
                       << k.failed << ", refused " << refused << ", evicted " << k.evicted
                       << ", preempted " << k.preempted);
}
