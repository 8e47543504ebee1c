// firebus — fire-safety IoT SDK.
// firebus::uplink::gb26875_uplink against the project's own monitoring centre (gb26875::server
// on 127.0.0.1 with confirm_policy::after_accept: a message is confirmed only once the test has
// recorded it, standing in for the centre's durable write). The delivery promise of
// ../shared/specs/delivery.md for GB/T 26875.3: round trip, a fire alarm overtaking a telemetry
// backlog, a centre outage, denied messages, a producer killed with SIGKILL, a full journal.
//
// Every ADU carries the test's own message number in its first object's component address, so
// the centre can tell which messages arrived and how often.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/uitd_session.hpp>
#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/gb26875_server.hpp>
#include <firebus/io/gb26875_uplink.hpp>
#include <firebus/io/journal.hpp>

#include "dtor_probe.hpp"
#include "mqtt_broker.hpp"  // firebus_test::temp_dir

namespace {

namespace gb = firebus::gb26875;
namespace ul = firebus::uplink;
using namespace std::chrono_literals;

constexpr std::uint64_t uitd_address = 0x000012345678;
constexpr std::uint64_t centre_address = 0x000000000001;

gb::time_tag some_time() { return gb::time_tag{5, 4, 3, 2, 1, 24}; }

// Routine data: an analog value (priority routine, lane telemetry).
gb::adu routine(std::uint32_t k) {
  gb::component_analog a;
  a.system_type = 1;
  a.component_type = 31;
  a.component_address = k;
  a.analog_type = 3;
  a.value = static_cast<std::int16_t>(k % 1000);
  a.time = some_time();
  return gb::adu{gb::adu_type::component_analog, {a}};
}

// A component status: fire (bit 1) or fault (bit 2); lane alarm.
gb::adu status(std::uint32_t k, std::uint16_t bits) {
  gb::component_status s;
  s.system_type = 1;
  s.component_type = 42;
  s.component_address = k;
  s.status = static_cast<std::uint16_t>(0x0001u | bits);
  s.time = some_time();
  return gb::adu{gb::adu_type::component_status, {s}};
}
gb::adu fire(std::uint32_t k) { return status(k, 0x0002); }
gb::adu fault(std::uint32_t k) { return status(k, 0x0004); }

// The test's number of an ADU (0 if none).
std::uint32_t number_of(const gb::adu& a) {
  if (a.objects.empty()) return 0;
  if (const auto* s = std::get_if<gb::component_status>(&a.objects[0])) {
    return s->component_address;
  }
  if (const auto* v = std::get_if<gb::component_analog>(&a.objects[0])) {
    return v->component_address;
  }
  return 0;
}

std::uint32_t number_of(const std::vector<std::uint8_t>& adu_bytes) {
  std::error_code ec;
  const gb::adu a = gb::decode_adu(firebus::byte_view(adu_bytes), ec);
  return ec ? 0 : number_of(a);
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds t = 30s) {
  const auto until = std::chrono::steady_clock::now() + t;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// What the centre received.
struct arrival {
  std::uint32_t k = 0;
  bool fire = false;
  bool duplicate = false;    // recognised by the centre's engine (same connection)
  std::uint64_t server = 0;  // which server instance (outage test)
  gb::connection_id conn = 0;
};

// The monitoring centre: a gb26875::server with after_accept on its own io thread. Servers can
// be stopped and started again on the same port; what they received is kept across them.
class centre {
 public:
  centre() : thread_([this] { io_.run(); }) {}
  ~centre() {
    stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  void start(std::uint16_t port = 0) {
    gb::server_config cfg;
    cfg.listen_address = "127.0.0.1";
    cfg.port = port;
    cfg.centre.address = centre_address;
    cfg.centre.confirm = gb::confirm_policy::after_accept;
    cfg.centre.max_unconfirmed = 4096;
    cfg.centre.rate_max_frames = 65536;
    auto s = std::make_unique<gb::server>(io_, cfg);
    gb::server* raw = s.get();
    const std::uint64_t instance = ++instances_;
    s->on_message([this, raw, instance](gb::connection_id c, const gb::centre_session::message& m) {
      const gb::adu a = m.decode();
      arrival r;
      r.k = number_of(a);
      r.fire = gb::classify(a) == gb::message_priority::fire;
      r.duplicate = m.duplicate;
      r.server = instance;
      r.conn = c;
      std::lock_guard<std::mutex> l(m_);
      got_.push_back(r);
      if (m.token != 0) {
        if (deny_ && deny_(r.k)) {
          raw->reject(c, m.token);
        } else if (hold_) {
          held_.emplace_back(c, m.token);
        } else {
          raw->accept(c, m.token);
        }
      }
      cv_.notify_all();
    });
    std::error_code ec;
    s->start(ec);
    REQUIRE_FALSE(ec);
    port_ = s->local_port();
    std::lock_guard<std::mutex> l(m_);
    server_ = std::move(s);
  }
  // Destroys the server: every connection is closed, nothing more is confirmed.
  void stop() {
    std::unique_ptr<gb::server> s;
    {
      std::lock_guard<std::mutex> l(m_);
      s = std::move(server_);
      held_.clear();
    }
    s.reset();
  }
  std::uint16_t port() const { return port_; }

  // Messages matching `deny` are rejected (deny) instead of accepted.
  void deny(std::function<bool(std::uint32_t)> f) {
    std::lock_guard<std::mutex> l(m_);
    deny_ = std::move(f);
  }
  // While holding, messages are recorded but not confirmed; release() confirms them.
  void hold() {
    std::lock_guard<std::mutex> l(m_);
    hold_ = true;
  }
  void release() {
    std::lock_guard<std::mutex> l(m_);
    hold_ = false;
    for (const auto& [c, token] : held_) server_->accept(c, token);
    held_.clear();
  }

  std::vector<arrival> arrivals() {
    std::lock_guard<std::mutex> l(m_);
    return got_;
  }
  std::set<std::uint32_t> distinct() {
    std::lock_guard<std::mutex> l(m_);
    std::set<std::uint32_t> s;
    for (const arrival& a : got_) s.insert(a.k);
    return s;
  }
  std::size_t count() {
    std::lock_guard<std::mutex> l(m_);
    return got_.size();
  }
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds t = 30s) {
    std::unique_lock<std::mutex> l(m_);
    return cv_.wait_for(l, t, pred);
  }
  // Under wait(): the arrivals so far.
  const std::vector<arrival>& got() const { return got_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  std::unique_ptr<gb::server> server_;
  std::vector<arrival> got_;
  std::vector<std::pair<gb::connection_id, std::uint64_t>> held_;
  std::function<bool(std::uint32_t)> deny_;
  bool hold_ = false;
  std::uint64_t instances_ = 0;
  std::uint16_t port_ = 0;
};

gb::client_config client_config(std::uint16_t port) {
  gb::client_config cfg;
  cfg.session.address = uitd_address;
  cfg.session.centre_address = centre_address;
  cfg.session.backoff_initial = 50ms;
  cfg.session.backoff_max = 300ms;
  cfg.host = "127.0.0.1";
  cfg.port = port;
  cfg.connect_timeout = 3s;
  return cfg;
}

// A gateway: journal, client, uplink, and an io thread.
struct gateway {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  ul::journal j;
  std::unique_ptr<gb::client> c;
  std::unique_ptr<ul::gb26875_uplink> up;
  std::thread thread;
  std::mutex m;
  std::vector<ul::gb26875_delivery> delivered;
  std::vector<std::pair<ul::entry, std::error_code>> denied;
  int connected = 0;

  gateway(const ul::journal_options& jo, std::uint16_t port, ul::gb26875_uplink_options uo = {},
          bool start = true)
      : j(jo) {
    c = std::make_unique<gb::client>(io, client_config(port));
    uo.poll_interval = 200ms;
    uo.retry_delay = 200ms;
    up = std::make_unique<ul::gb26875_uplink>(io, j, *c, uo);
    up->on_delivered([this](const ul::gb26875_delivery& d) {
      std::lock_guard<std::mutex> l(m);
      delivered.push_back(d);
    });
    up->on_denied([this](const ul::entry& e, std::error_code ec) {
      std::lock_guard<std::mutex> l(m);
      denied.emplace_back(e, ec);
    });
    up->on_connected([this] {
      std::lock_guard<std::mutex> l(m);
      ++connected;
    });
    thread = std::thread([this] { io.run(); });
    if (start) c->start();
  }
  ~gateway() {
    up.reset();
    c.reset();
    work.reset();
    io.stop();
    thread.join();
  }
  // Returns once everything posted to the io_context before the call has run.
  void barrier() {
    std::promise<void> p;
    asio::post(io, [&p] { p.set_value(); });
    p.get_future().wait();
  }
  std::uint64_t messages() {
    return j.stats(ul::lane::alarm).messages + j.stats(ul::lane::telemetry).messages;
  }
  bool drained(std::chrono::milliseconds t = 30s) {
    return eventually([&] { return messages() == 0; }, t);
  }
};

ul::journal_options journal_at(const firebus_test::temp_dir& dir) {
  ul::journal_options jo;
  jo.path = dir.path + "/j.db";
  return jo;
}

// The order of first arrivals of one kind (fire or not), duplicates left out.
std::vector<std::uint32_t> first_arrivals(const std::vector<arrival>& got, bool fire) {
  std::vector<std::uint32_t> out;
  std::set<std::uint32_t> seen;
  for (const arrival& a : got) {
    if (a.fire != fire || !seen.insert(a.k).second) continue;
    out.push_back(a.k);
  }
  return out;
}

}  // namespace

TEST_CASE("gb26875 uplink: round trip — routine and fire messages all confirmed, journal empty") {
  centre ctr;
  ctr.start();
  firebus_test::temp_dir dir;
  // Not started yet: the messages wait in the journal, oldest_unsent() says since when.
  gateway gw(journal_at(dir), ctr.port(), {}, false);
  std::set<std::uint32_t> routines, fires;
  const auto before = std::chrono::system_clock::now();
  for (std::uint32_t k = 1; k <= 220; ++k) {
    const bool is_fire = k % 11 == 0;
    CHECK(gw.up->send(is_fire ? fire(k) : routine(k)) > 0);
    (is_fire ? fires : routines).insert(k);
  }
  CHECK(gw.j.stats(ul::lane::alarm).messages == 20);
  CHECK(gw.j.stats(ul::lane::telemetry).messages == 200);
  const std::optional<firebus::utc_time> oldest = gw.up->oldest_unsent(ul::lane::alarm);
  REQUIRE(oldest);
  CHECK(*oldest >= std::chrono::time_point_cast<firebus::duration>(before) - 1s);
  CHECK(*oldest <=
        std::chrono::time_point_cast<firebus::duration>(std::chrono::system_clock::now()));

  gw.c->start();
  REQUIRE(gw.drained());
  REQUIRE(ctr.wait([&] { return ctr.got().size() >= 220; }));
  const std::vector<arrival> got = ctr.arrivals();
  std::set<std::uint32_t> f, r;
  for (const arrival& a : got) (a.fire ? f : r).insert(a.k);
  CHECK(f == fires);
  CHECK(r == routines);
  CHECK(got.size() == 220);  // no duplicates on a healthy link
  // Each lane in production order; the alarm lane, produced before the link came up, went first.
  const std::vector<std::uint32_t> fo = first_arrivals(got, true);
  const std::vector<std::uint32_t> ro = first_arrivals(got, false);
  CHECK(std::is_sorted(fo.begin(), fo.end()));
  CHECK(std::is_sorted(ro.begin(), ro.end()));
  std::size_t last_fire = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i].fire) last_fire = i;
  }
  CHECK(last_fire == 19);
  CHECK_FALSE(gw.up->oldest_unsent(ul::lane::alarm));
  CHECK_FALSE(gw.up->oldest_unsent(ul::lane::telemetry));

  const ul::gb26875_uplink_counters n = gw.up->counters();
  CHECK(n.sent == 220);
  CHECK(n.delivered == 220);
  CHECK(n.denied == 0);
  CHECK(n.failed == 0);
  CHECK(n.journal_errors == 0);
  CHECK(n.connections >= 1);
  CHECK(gw.up->in_flight() == 0);
  std::lock_guard<std::mutex> l(gw.m);
  CHECK(gw.delivered.size() == 220);
  CHECK(gw.connected >= 1);
  for (const ul::gb26875_delivery& d : gw.delivered) {
    CHECK(d.latency >= firebus::duration::zero());
    CHECK(d.attempts >= 1);
    CHECK((d.lane == ul::lane::alarm) == (d.priority == gb::message_priority::fire));
  }
}

TEST_CASE(
    "gb26875 uplink: send() refuses what cannot be encoded, and an alarm the journal "
    "cannot hold") {
  firebus_test::temp_dir dir;
  ul::journal_options jo = journal_at(dir);
  jo.max_bytes = 4096;
  // No centre: port 9 on loopback refuses; everything stays in the journal.
  gateway gw(jo, 9);
  std::error_code ec;
  gb::adu too_many{gb::adu_type::component_status, {}};
  for (std::uint32_t k = 0; k < 23; ++k) too_many.objects.push_back(fire(k).objects[0]);
  CHECK(gw.up->send(too_many, ec) == 0);
  CHECK(ec == gb::errc::too_many_objects);
  CHECK_THROWS_AS(gw.up->send(too_many), firebus::system_error);
  CHECK(gw.messages() == 0);

  // Alarms are never dropped to make room: the journal fills up with them and the next one is
  // refused, to the caller.
  std::size_t accepted = 0;
  for (std::uint32_t k = 1; k <= 200; ++k) {
    if (gw.up->send(fire(k), ec) == 0) break;
    ++accepted;
  }
  CHECK(ec == ul::journal_errc::journal_full);
  CHECK(accepted > 5);
  CHECK(accepted < 200);
  CHECK(gw.j.stats(ul::lane::alarm).messages == accepted);
  CHECK(gw.j.counters().refused_alarms >= 1);
  CHECK_THROWS_AS(gw.up->send(fire(1000)), firebus::system_error);
  // A batch is all or none.
  CHECK(gw.up->send(std::vector<gb::adu>{fire(1001), fire(1002)}, ec).empty());
  CHECK(ec == ul::journal_errc::journal_full);
  CHECK(gw.j.stats(ul::lane::alarm).messages == accepted);
  // Routine data is refused too once only alarms are left (journal_full, nothing dropped).
  CHECK(gw.up->send(routine(2000), ec) == 0);
  CHECK(ec == ul::journal_errc::journal_full);
  CHECK(gw.up->counters().delivered == 0);
}

TEST_CASE(
    "gb26875 uplink: a fire alarm appended during a telemetry backlog is the next data frame "
    "after the one in flight") {
  centre ctr;
  ctr.start();
  ctr.hold();
  firebus_test::temp_dir dir;
  ul::gb26875_uplink_options uo;
  uo.window = 8;
  gateway gw(journal_at(dir), ctr.port(), uo);
  std::vector<gb::adu> backlog;
  for (std::uint32_t k = 1; k <= 40; ++k) backlog.push_back(routine(k));
  REQUIRE(gw.up->send(backlog).size() == 40);
  // Routine 1 is in flight (the centre holds its confirm); the client holds the window.
  REQUIRE(ctr.wait([&] { return !ctr.got().empty(); }));
  REQUIRE(eventually([&] { return gw.up->in_flight() == 8; }));
  CHECK(gw.up->counters().sent == 8);  // the telemetry window bounds what is submitted
  CHECK(gw.c->pending() == 8);

  // A fault, then a fire alarm: both submitted although the telemetry window is full.
  gw.up->send(fault(1001));
  gw.up->send(fire(1002));
  REQUIRE(eventually([&] { return gw.up->counters().sent == 10; }));
  gw.barrier();  // the submissions reached the client's engine
  ctr.release();
  REQUIRE(ctr.wait([&] {
    std::set<std::uint32_t> s;
    for (const arrival& a : ctr.got()) s.insert(a.k);
    return s.size() == 42;
  }));
  REQUIRE(gw.drained());
  const std::vector<arrival> got = ctr.arrivals();
  std::vector<std::uint32_t> order;
  std::set<std::uint32_t> seen;
  for (const arrival& a : got) {
    if (seen.insert(a.k).second) order.push_back(a.k);
  }
  REQUIRE(order.size() == 42);
  CHECK(order[0] == 1);     // in flight when the alarms came
  CHECK(order[1] == 1002);  // the fire alarm: next
  CHECK(order[2] == 1001);  // then the fault
  CHECK(std::is_sorted(order.begin() + 3, order.end()));
  CHECK(gw.up->counters().delivered == 42);
}

TEST_CASE("gb26875 uplink: a centre outage mid-stream — nothing lost, replay after reconnect") {
  centre ctr;
  ctr.start();
  firebus_test::temp_dir dir;
  ul::journal_options jo = journal_at(dir);
  jo.durability = ul::durability::normal;
  gateway gw(jo, ctr.port());
  std::atomic<std::uint32_t> produced{0};
  constexpr std::uint32_t total = 1200;
  std::thread producer([&] {
    for (std::uint32_t k = 1; k <= total; ++k) {
      gw.up->send(k % 10 == 0 ? fire(k) : routine(k));
      produced = k;
      if (k % 20 == 0) std::this_thread::sleep_for(2ms);
    }
  });
  // Down once the stream is going, back once a backlog built up meanwhile.
  REQUIRE(ctr.wait([&] { return ctr.got().size() >= 150; }));
  const std::uint16_t port = ctr.port();
  ctr.stop();
  REQUIRE(eventually([&] { return !gw.c->is_connected(); }));
  const std::uint32_t at_stop = produced;
  REQUIRE(eventually([&] { return produced >= std::min(total, at_stop + 200); }));
  CHECK(gw.messages() > 0);  // the backlog waits in the journal
  ctr.start(port);
  producer.join();
  REQUIRE(gw.drained(60s));
  REQUIRE(ctr.wait([&] {
    std::set<std::uint32_t> s;
    for (const arrival& a : ctr.got()) s.insert(a.k);
    return s.size() == total;
  }));
  const std::vector<arrival> got = ctr.arrivals();
  std::set<std::uint32_t> ks;
  std::size_t second_server = 0;
  for (const arrival& a : got) {
    ks.insert(a.k);
    if (a.server == 2) ++second_server;
  }
  CHECK(ks.size() == total);
  CHECK(*ks.begin() == 1);
  CHECK(*ks.rbegin() == total);
  CHECK(second_server > 0);
  // Per lane, the first arrivals are in production order: a resend after the reconnect carries
  // the message in flight, the rest follows.
  const std::vector<std::uint32_t> fo = first_arrivals(got, true);
  const std::vector<std::uint32_t> ro = first_arrivals(got, false);
  CHECK(std::is_sorted(fo.begin(), fo.end()));
  CHECK(std::is_sorted(ro.begin(), ro.end()));
  const ul::gb26875_uplink_counters n = gw.up->counters();
  CHECK(n.delivered == total);
  CHECK(n.connections >= 2);
  CHECK(n.denied == 0);
  MESSAGE("centre outage: ", total, " produced, ", got.size(), " received (",
          got.size() - ks.size(), " duplicates), ", second_server,
          " by the restarted centre, connections ", n.connections, ", resubmitted ", n.resent,
          ", client resends ", gw.c->counters().session.resent);
}

TEST_CASE(
    "gb26875 uplink: keep_denied false: a message denied after its retries is removed and "
    "reported, the others continue") {
  centre ctr;
  ctr.deny([](std::uint32_t k) { return k == 13 || k == 21; });
  ctr.start();
  firebus_test::temp_dir dir;
  ul::gb26875_uplink_options uo;
  uo.keep_denied = false;
  gateway gw(journal_at(dir), ctr.port(), uo);
  // A journal entry that is not a GB/T 26875.3 ADU (appended directly, by mistake): removed and
  // reported too, never blocking the lane.
  const std::vector<std::uint8_t> junk{0xFF, 0x01, 0x02};
  ul::message bad;
  bad.lane = ul::lane::telemetry;
  bad.payload = firebus::byte_view(junk);
  bad.format = ul::gb26875_format;
  const std::uint64_t bad_id = gw.j.append(bad);
  gw.up->notify();
  std::set<std::uint32_t> expected;
  for (std::uint32_t k = 1; k <= 30; ++k) {
    gw.up->send(k % 7 == 0 || k == 21 ? fire(k) : routine(k));
    if (k != 13 && k != 21) expected.insert(k);
  }
  REQUIRE(gw.drained());
  REQUIRE(ctr.wait([&] {
    std::set<std::uint32_t> s;
    for (const arrival& a : ctr.got()) s.insert(a.k);
    return std::includes(s.begin(), s.end(), expected.begin(), expected.end());
  }));
  const ul::gb26875_uplink_counters n = gw.up->counters();
  CHECK(n.denied == 2);
  CHECK(n.unsendable == 1);
  CHECK(n.delivered == 28);
  std::lock_guard<std::mutex> l(gw.m);
  REQUIRE(gw.denied.size() == 3);
  std::set<std::uint32_t> denied_ks;
  bool saw_bad = false;
  for (const auto& [e, ec] : gw.denied) {
    if (e.id == bad_id) {
      saw_bad = true;
      CHECK(ec);
      CHECK(ec != gb::errc::denied);
      continue;
    }
    CHECK(ec == gb::errc::denied);
    CHECK(e.format == ul::gb26875_format);
    denied_ks.insert(number_of(e.payload));
  }
  CHECK(saw_bad);
  CHECK(denied_ks == std::set<std::uint32_t>{13, 21});
  // Each denied message reached the centre at least 1 + retries (3) times — a deny may answer a
  // damaged frame. (More when a routine one gave way to a fire message between two denies: it
  // then starts again with its full retries; how often depends on timing.) Not after that: the
  // uplink removed them (denied == 2 above).
  std::size_t tries = 0;
  for (const arrival& a : ctr.arrivals()) tries += a.k == 13 || a.k == 21 ? 1 : 0;
  CHECK(tries >= 8);
  // Bounded: 13 gives way at most once per fire message (7, 14, 21, 28), each time starting
  // again with 1 + 3 transmissions; 21, a fire message, never gives way.
  CHECK(tries <= 4 * 5 + 4);
}

TEST_CASE("gb26875 uplink: a message denied after its retries is kept and sent again (default)") {
  centre ctr;
  std::atomic<int> denies{0};
  // Refused six times, then stored: the client's engine retries three times after the first
  // deny (4 denies), the uplink keeps the message and sends it again (2 denies, then stored).
  ctr.deny([&](std::uint32_t k) { return k == 5 && denies++ < 6; });
  ctr.start();
  firebus_test::temp_dir dir;
  REQUIRE(ul::gb26875_uplink_options{}.keep_denied);
  gateway gw(journal_at(dir), ctr.port());
  for (std::uint32_t k = 1; k <= 10; ++k) gw.up->send(k == 5 ? fire(k) : routine(k));
  REQUIRE(gw.drained());
  CHECK(gw.up->counters().denied == 1);
  CHECK(gw.up->counters().delivered == 10);
  CHECK(ctr.distinct().size() == 10);
  std::size_t tries = 0;
  for (const arrival& a : ctr.arrivals()) tries += a.k == 5 ? 1 : 0;
  CHECK(tries == 7);
}

#ifdef FIREBUS_GB_UPLINK_CRASH_PRODUCER
TEST_CASE(
    "gb26875 uplink: the producer killed with SIGKILL at random instants loses nothing it "
    "reported produced") {
  centre ctr;
  ctr.start();
  firebus_test::temp_dir dir;
  const std::string journal = dir.path + "/j.db";
  std::mt19937 rng(20261201);
  std::set<std::uint32_t> reported;
  constexpr int iterations = 15;
  int killed = 0;
  // Runs the producer; it numbers its messages base+1, base+2, ... and prints each number once
  // send() returned. Returns its wait status once it exits or was killed after `kill_after`.
  auto run = [&](std::uint32_t base, std::uint32_t count, std::chrono::milliseconds kill_after) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string port = std::to_string(ctr.port());
      const std::string b = std::to_string(base), n = std::to_string(count);
      ::execl(FIREBUS_GB_UPLINK_CRASH_PRODUCER, "gb_uplink_crash_producer", journal.c_str(),
              port.c_str(), b.c_str(), n.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    std::thread reader([&, fd = fds[0]] {
      std::string line;
      char buf[4096];
      for (;;) {
        const ssize_t r = ::read(fd, buf, sizeof buf);
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; ++i) {
          if (buf[i] == '\n') {
            reported.insert(static_cast<std::uint32_t>(std::stoul(line)));
            line.clear();
          } else {
            line += buf[i];
          }
        }
      }
      ::close(fd);
    });
    if (kill_after.count() > 0) {
      std::this_thread::sleep_for(kill_after);
      if (::kill(pid, SIGKILL) == 0) ++killed;
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    reader.join();
    return status;
  };
  std::uniform_int_distribution<int> delay(50, 500);
  for (int i = 0; i < iterations; ++i) {
    run(static_cast<std::uint32_t>(i + 1) * 1000000, 100000, std::chrono::milliseconds(delay(rng)));
  }
  // A last run produces nothing and exits once the journal is empty (everything confirmed).
  const int status = run(0, 0, 0ms);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(ctr.wait([&] {
    std::set<std::uint32_t> s;
    for (const arrival& a : ctr.got()) s.insert(a.k);
    return std::includes(s.begin(), s.end(), reported.begin(), reported.end());
  }));
  const std::vector<arrival> got = ctr.arrivals();
  std::set<std::uint32_t> ks;
  for (const arrival& a : got) ks.insert(a.k);
  std::size_t missing = 0;
  for (std::uint32_t k : reported) missing += ks.count(k) == 0 ? 1 : 0;
  MESSAGE("kill -9: ", iterations, " runs, ", killed, " killed, ", reported.size(),
          " reported produced, ", ks.size(), " distinct received, ", got.size() - ks.size(),
          " duplicates, ", missing, " missing");
  CHECK(killed >= iterations - 2);
  CHECK(missing == 0);
  CHECK(reported.size() > 100);
}
#endif

namespace {

// Appends `n` entries that are no GB/T 26875.3 ADU to the journal directly (no notify()): the
// uplink finds them at its next poll, removes them and reports each to on_log and on_denied.
void append_junk(ul::journal& j, int n) {
  const std::vector<std::uint8_t> junk{0xFF, 0x01, 0x02};
  for (int i = 0; i < n; ++i) {
    ul::message bad;
    bad.lane = ul::lane::telemetry;
    bad.payload = firebus::byte_view(junk);
    bad.format = ul::gb26875_format;
    j.append(bad);
  }
}

}  // namespace

TEST_CASE(
    "gb26875 uplink: destroyed on another thread while one of its callbacks runs, the "
    "destructor returns only once that callback has") {
  centre ctr;
  ctr.start();
  firebus_test::temp_dir dir;
  firebus_test::dtor_probe probe;
  ul::gb26875_uplink_options uo;
  bool timer = false;
  SUBCASE("on_log, from the uplink's own poll timer") {
    timer = true;
    uo.on_log = [&](ul::log_level, const std::string&) { probe.slow(); };
  }
  SUBCASE("on_connected, from the client's callback") {
    uo.on_log = [&](ul::log_level, const std::string&) { probe.other(); };
  }
  // In the timer subcase no centre (port 9 refuses) and the client not started: only the
  // uplink's poll timer runs the uplink.
  gateway gw(journal_at(dir), timer ? 9 : ctr.port(), uo, false);
  gw.up->on_connected([&] { timer ? probe.other() : probe.slow(); });
  gw.up->on_delivered([&](const ul::gb26875_delivery&) { probe.other(); });
  gw.up->on_denied([&](const ul::entry&, std::error_code) { probe.other(); });
  gw.barrier();  // the uplink's first look at the journal is over: the next one is the timer's
  if (timer) {
    append_junk(gw.j, 3);  // three reports: the first sleeps, the other two wait behind it
  } else {
    gw.up->send(routine(1));
    gw.c->start();
  }
  REQUIRE(probe.wait_entered(10s));
  probe.destroy(gw.up);
  probe.check(500ms);  // several polls
}

TEST_CASE("gb26875 uplink: its callbacks may destroy it (no deadlock)") {
  centre ctr;
  ctr.start();
  firebus_test::temp_dir dir;
  std::atomic<std::unique_ptr<ul::gb26875_uplink>*> slot{nullptr};
  std::atomic<bool> gone{false};
  std::atomic<int> after{0};  // callbacks started once the uplink was destroyed
  // On the io thread, inside one of the uplink's own callbacks.
  auto destroy = [&] {
    if (gone.load()) {
      ++after;
      return;
    }
    if (auto* s = slot.load()) {
      s->reset();
      gone = true;
    }
  };
  auto other = [&] {
    if (gone.load()) ++after;
  };
  ul::gb26875_uplink_options uo;
  bool timer = false;
  SUBCASE("on_log, from the uplink's own poll timer") {
    timer = true;
    uo.on_log = [&](ul::log_level, const std::string&) { destroy(); };
  }
  SUBCASE("on_connected, from the client's callback") {
    uo.on_log = [&](ul::log_level, const std::string&) { other(); };
  }
  gateway gw(journal_at(dir), timer ? 9 : ctr.port(), uo, false);
  gw.up->on_connected([&] { timer ? other() : destroy(); });
  gw.up->on_delivered([&](const ul::gb26875_delivery&) { other(); });
  gw.up->on_denied([&](const ul::entry&, std::error_code) { other(); });
  slot = &gw.up;
  gw.barrier();
  if (timer) {
    append_junk(gw.j, 3);  // the first report destroys the uplink: the other two are not made
  } else {
    gw.up->send(routine(1));
    gw.c->start();
  }
  CHECK(eventually([&] { return gone.load(); }, 10s));
  std::this_thread::sleep_for(500ms);  // several polls
  CHECK(after.load() == 0);
  if (!timer) CHECK(gw.c->is_connected());  // the client goes on without its uplink
}
