// firebus — fire-safety IoT SDK.
// firebus::uplink::mqtt_uplink against a real broker (Debian's mosquitto on 127.0.0.1): the
// delivery promise of ../shared/specs/delivery.md. Per-lane order and stamping, alarms first
// after a long broker outage that fills the journal (telemetry thinned, every alarm delivered,
// replay marked historical), a broker restarted twice mid-stream, and the publishing process
// killed with SIGKILL at random instants (every message it reported produced is received).
//
// The subscriber keeps a persistent session (clean_session = false) on a broker with
// persistence, so what the broker accepts while the subscriber is reconnecting is queued for it:
// anything missing at the subscriber is then the uplink's loss.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/io/mqtt_uplink.hpp>
#include <firebus/telemetry/firebus_codec.hpp>

#include "dtor_probe.hpp"
#include "mqtt_broker.hpp"

namespace mqtt = firebus::mqtt;
namespace ul = firebus::uplink;
namespace tel = firebus::telemetry;
using namespace std::chrono_literals;

namespace {

mqtt::client_options client_options(std::uint16_t port, const std::string& id) {
  mqtt::client_options o;
  o.port = port;
  o.client_id = id;
  o.reconnect_min = 50ms;
  o.reconnect_max = 300ms;
  o.connect_timeout = 3s;
  return o;
}

// An envelope whose batch holds one event numbered `k` (the test's own message number); the
// uplink stamps its lane and seq.
std::vector<std::uint8_t> numbered(std::uint64_t k, bool alarm) {
  tel::batch b;
  firebus::event e;
  e.seq = k;
  e.kind = alarm ? firebus::event_kind::alarm_on : firebus::event_kind::fault_on;
  e.point = firebus::point_id("b1/f1/p" + std::to_string(k % 7));
  b.events.push_back(e);
  return tel::encode_envelope(tel::envelope{"gw1", 1, b});
}

// What the subscriber got, decoded.
struct received {
  std::uint64_t k;  // the test's number
  tel::lane lane;
  std::uint64_t seq;
  bool historical;
};

// A subscriber with a persistent session on `topic`, collecting decoded envelopes.
struct subscriber {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<mqtt::client> c;
  std::thread thread;
  std::mutex m;
  std::condition_variable cv;
  std::vector<received> got;
  std::size_t undecodable = 0;
  bool up = false;

  explicit subscriber(std::uint16_t port) {
    mqtt::client_options o = client_options(port, "fb-test-sub");
    o.clean_session = false;
    c = std::make_unique<mqtt::client>(io, o);
    c->on_connection([this](const mqtt::connection_event& e) {
      std::lock_guard<std::mutex> l(m);
      up = e.up;
      cv.notify_all();
    });
    c->on_message([this](const mqtt::message& msg) {
      std::error_code ec;
      const tel::envelope env = tel::decode_envelope(firebus::byte_view(msg.payload), ec);
      std::lock_guard<std::mutex> l(m);
      if (ec || !std::holds_alternative<tel::batch>(env.body)) {
        ++undecodable;
      } else {
        const tel::batch& b = std::get<tel::batch>(env.body);
        got.push_back(
            {b.events.empty() ? 0 : b.events.front().seq, env.lane, env.seq, b.historical});
      }
      cv.notify_all();
    });
    std::error_code ec;
    c->subscribe("fb/#", 1, ec);
    REQUIRE_FALSE(ec);
    c->start();
    thread = std::thread([this] { io.run(); });
    REQUIRE(wait([&] { return up; }));
  }
  ~subscriber() {
    c->stop();
    work.reset();
    io.stop();
    thread.join();
  }
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds t = 20s) {
    std::unique_lock<std::mutex> l(m);
    return cv.wait_for(l, t, pred);
  }
  std::vector<received> snapshot() {
    std::lock_guard<std::mutex> l(m);
    return got;
  }
  std::size_t count() {
    std::lock_guard<std::mutex> l(m);
    return got.size();
  }
};

// A gateway: journal, client, uplink, and an io thread.
struct gateway {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  ul::journal j;
  std::unique_ptr<mqtt::client> c;
  std::unique_ptr<ul::mqtt_uplink> up;
  std::thread thread;

  // `uo.retry_delay` is shortened to 200 ms unless it was set; `version`: the client's MQTT.
  gateway(const ul::journal_options& jo, std::uint16_t port, ul::mqtt_uplink_options uo = {},
          mqtt::protocol_version version = mqtt::protocol_version::v311)
      : j(jo) {
    mqtt::client_options co = client_options(port, "fb-test-gw");
    co.version = version;
    c = std::make_unique<mqtt::client>(io, co);
    uo.poll_interval = 200ms;
    if (uo.retry_delay == ul::mqtt_uplink_options{}.retry_delay) uo.retry_delay = 200ms;
    up = std::make_unique<ul::mqtt_uplink>(io, j, *c, uo);
    c->start();
    thread = std::thread([this] { io.run(); });
  }
  // Until the uplink saw its connection come up (what is sent after that is live, not
  // historical).
  bool wait_connected(std::chrono::milliseconds t = 10s) {
    const auto until = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < until) {
      if (up->counters().connections > 0 && c->connected()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  ~gateway() {
    up.reset();
    c->stop();
    work.reset();
    io.stop();
    thread.join();
  }
  std::uint64_t send(std::uint64_t k, bool alarm, const char* topic = nullptr) {
    const std::vector<std::uint8_t> p = numbered(k, alarm);
    ul::message m;
    m.lane = alarm ? ul::lane::alarm : ul::lane::telemetry;
    m.topic = topic ? topic : alarm ? "fb/gw1/events" : "fb/gw1/data";
    m.payload = firebus::byte_view(p);
    m.format = ul::format_byte(ul::payload_format::firebus_envelope);
    return up->send(m);
  }
  bool drained(std::chrono::milliseconds t = 20s) {
    const auto until = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < until) {
      if (j.stats(ul::lane::alarm).messages == 0 && j.stats(ul::lane::telemetry).messages == 0)
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

firebus_test::broker_config persistent() {
  firebus_test::broker_config b;
  b.persistence = true;
  return b;
}

// Within each lane: seq strictly ascending once duplicates are dropped, and numbered from 1
// without gaps when nothing was thinned.
void check_lane_order(const std::vector<received>& got, tel::lane l, bool gapless) {
  std::uint64_t last = 0;
  for (const received& r : got) {
    if (r.lane != l || r.seq <= last) continue;  // a duplicate (a resend)
    if (gapless) REQUIRE(r.seq == last + 1);
    last = r.seq;
  }
}

}  // namespace

TEST_CASE("mqtt uplink: delivers both lanes in order, stamps lane and seq, empties the journal") {
  firebus_test::mosquitto_broker broker(persistent());
  firebus_test::temp_dir dir;
  subscriber sub(broker.port());
  ul::journal_options jo;
  jo.path = dir.path + "/j.db";
  gateway gw(jo, broker.port());
  REQUIRE(gw.wait_connected());

  std::set<std::uint64_t> alarms, telemetry;
  for (std::uint64_t k = 1; k <= 300; ++k) {
    const bool alarm = k % 10 == 0;
    CHECK(gw.send(k, alarm) > 0);
    (alarm ? alarms : telemetry).insert(k);
  }
  REQUIRE(sub.wait([&] { return sub.got.size() >= 300; }));
  REQUIRE(gw.drained());
  const std::vector<received> got = sub.snapshot();
  CHECK(sub.undecodable == 0);
  std::set<std::uint64_t> a, t;
  for (const received& r : got) {
    (r.lane == tel::lane::alarm ? a : t).insert(r.k);
    CHECK_FALSE(r.historical);
  }
  CHECK(a == alarms);
  CHECK(t == telemetry);
  check_lane_order(got, tel::lane::alarm, true);
  check_lane_order(got, tel::lane::telemetry, true);
  // The seqs are the journal's lane seqs: 1..30 and 1..270.
  std::uint64_t max_alarm = 0, max_tel = 0;
  for (const received& r : got) {
    (r.lane == tel::lane::alarm ? max_alarm : max_tel) =
        std::max(r.lane == tel::lane::alarm ? max_alarm : max_tel, r.seq);
  }
  CHECK(max_alarm == 30);
  CHECK(max_tel == 270);
  const ul::mqtt_uplink_counters n = gw.up->counters();
  CHECK(n.acked == 300);
  CHECK(n.refused == 0);
  CHECK(n.stamp_failures == 0);
}

TEST_CASE("mqtt uplink: send() refuses what could never be published, and a full journal") {
  firebus_test::mosquitto_broker broker;
  firebus_test::temp_dir dir;
  ul::journal_options jo;
  jo.path = dir.path + "/j.db";
  jo.max_bytes = 4096;
  gateway gw(jo, broker.port());
  const std::vector<std::uint8_t> p(100, 0x55);
  ul::message m;
  m.lane = ul::lane::alarm;
  m.payload = firebus::byte_view(p);
  std::error_code ec;
  m.topic = "fb/+/bad";
  CHECK(gw.up->send(m, ec) == 0);
  CHECK(ec == mqtt::errc::invalid_topic);
  m.topic = "fb/ok";
  m.qos = 2;
  CHECK(gw.up->send(m, ec) == 0);
  CHECK(ec == firebus::errc::invalid_argument);
  CHECK(gw.j.stats(ul::lane::alarm).messages == 0);
  // Alarms are never dropped to make room: with the broker gone, the journal fills up and the
  // next alarm is refused, loudly, to the caller.
  broker.stop();
  m.qos = 1;
  std::size_t accepted = 0;
  for (int i = 0; i < 100; ++i) {
    if (gw.up->send(m, ec) == 0) break;
    ++accepted;
  }
  CHECK(ec == ul::journal_errc::journal_full);
  CHECK(accepted == gw.j.stats(ul::lane::alarm).messages);
  CHECK(accepted > 10);
  CHECK_THROWS_AS(gw.up->send(m), firebus::system_error);
  // The broker back: every accepted alarm goes out, and there is room again.
  broker.start();
  CHECK(gw.drained());
  CHECK(gw.up->counters().acked == accepted);
  CHECK(gw.up->send(m, ec) > 0);
}

TEST_CASE(
    "mqtt uplink: a long broker outage — the journal fills, telemetry is thinned, every alarm is "
    "delivered, alarms first, the replay marked historical") {
  firebus_test::mosquitto_broker broker(persistent());
  firebus_test::temp_dir dir;
  subscriber sub(broker.port());
  ul::journal_options jo;
  jo.path = dir.path + "/j.db";
  jo.max_bytes = 64 * 1024;  // ~ 400 of these messages
  gateway gw(jo, broker.port());
  REQUIRE(sub.wait([&] { return sub.up; }));
  // Stopped cleanly, the broker keeps the subscriber's session (and what is queued for it).
  broker.stop(SIGTERM);
  std::set<std::uint64_t> alarms;
  std::uint64_t telemetry = 0;
  for (std::uint64_t k = 1; k <= 2000; ++k) {
    const bool alarm = k % 40 == 0;
    REQUIRE(gw.send(k, alarm) > 0);
    if (alarm)
      alarms.insert(k);
    else
      ++telemetry;
  }
  const ul::journal_counters jc = gw.j.counters();
  CHECK(jc.thinned > 0);
  CHECK(jc.refused_alarms == 0);
  const std::uint64_t kept = gw.j.stats(ul::lane::telemetry).messages;
  CHECK(kept + jc.thinned + jc.dropped == telemetry);
  MESSAGE("outage: ", telemetry, " telemetry messages produced, ", jc.thinned, " thinned, ",
          jc.dropped, " dropped, ", kept, " kept; ", alarms.size(), " alarms, all kept");

  broker.start();
  REQUIRE(gw.drained(30s));
  REQUIRE(sub.wait([&] { return sub.got.size() >= alarms.size() + kept; }, 30s));
  const std::vector<received> got = sub.snapshot();
  // Every alarm arrived before any telemetry of the backlog.
  std::size_t first_telemetry = got.size(), last_alarm = 0;
  std::set<std::uint64_t> a;
  for (std::size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].historical);
    if (got[i].lane == tel::lane::alarm) {
      a.insert(got[i].k);
      last_alarm = i;
    } else {
      first_telemetry = std::min(first_telemetry, i);
    }
  }
  CHECK(a == alarms);
  CHECK(last_alarm < first_telemetry);
  check_lane_order(got, tel::lane::alarm, true);
  check_lane_order(got, tel::lane::telemetry, false);  // thinned: gaps, in order
}

TEST_CASE("mqtt uplink: a telemetry message the broker refuses holds back telemetry, not alarms") {
  // MQTT 5: the broker refuses publishes on one topic (PUBACK "not authorised"). The refused
  // telemetry message stays in the journal and is retried after retry_delay; an alarm produced
  // meanwhile goes out at once, and so do the alarms behind it.
  firebus_test::broker_config bc;
  bc.persistence = true;
  bc.acl = "topic deny fb/gw1/denied\ntopic readwrite #\n";
  firebus_test::mosquitto_broker broker(bc);
  firebus_test::temp_dir dir;
  subscriber sub(broker.port());
  ul::journal_options jo;
  jo.path = dir.path + "/j.db";
  ul::mqtt_uplink_options uo;
  uo.retry_delay = 4s;
  gateway gw(jo, broker.port(), uo, mqtt::protocol_version::v5);
  REQUIRE(gw.wait_connected());
  REQUIRE(gw.send(1, false, "fb/gw1/denied") > 0);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (gw.up->counters().refused == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(gw.up->counters().refused == 1);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint64_t k = 2; k <= 4; ++k) REQUIRE(gw.send(k, true) > 0);
  REQUIRE(sub.wait(
      [&] {
        std::size_t alarms = 0;
        for (const received& r : sub.got) alarms += r.lane == tel::lane::alarm ? 1 : 0;
        return alarms >= 3;
      },
      10s));
  const auto latency = std::chrono::steady_clock::now() - t0;
  MESSAGE("alarms behind a refused telemetry message: delivered after ",
          std::chrono::duration_cast<std::chrono::milliseconds>(latency).count(), " ms");
  CHECK(latency < 1500ms);  // not after the retry (4 s)
  // The refused message is kept (and retried), nothing else waits in the journal (the alarms'
  // PUBACKs may still be on their way when the subscriber has them).
  const auto acked_by = std::chrono::steady_clock::now() + 2s;
  while (gw.j.stats(ul::lane::alarm).messages > 0 && std::chrono::steady_clock::now() < acked_by) {
    std::this_thread::sleep_for(5ms);
  }
  CHECK(gw.j.stats(ul::lane::alarm).messages == 0);
  CHECK(gw.j.stats(ul::lane::telemetry).messages == 1);
  check_lane_order(sub.snapshot(), tel::lane::alarm, true);
}

TEST_CASE("mqtt uplink: the broker restarted twice mid-stream — nothing lost, per-lane order") {
  firebus_test::mosquitto_broker broker(persistent());
  firebus_test::temp_dir dir;
  subscriber sub(broker.port());
  ul::journal_options jo;
  jo.path = dir.path + "/j.db";
  jo.durability = ul::durability::normal;
  gateway gw(jo, broker.port());
  std::atomic<bool> done{false};
  std::set<std::uint64_t> produced;
  std::thread producer([&] {
    for (std::uint64_t k = 1; k <= 3000; ++k) {
      gw.send(k, k % 25 == 0);
      produced.insert(k);
      if (k % 10 == 0) std::this_thread::sleep_for(1ms);
    }
    done = true;
  });
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(300ms);
    broker.stop(SIGTERM);
    std::this_thread::sleep_for(300ms);
    broker.start();
  }
  producer.join();
  REQUIRE(gw.drained(30s));
  REQUIRE(sub.wait(
      [&] {
        std::set<std::uint64_t> s;
        for (const received& r : sub.got) s.insert(r.k);
        return s.size() >= produced.size();
      },
      30s));
  const std::vector<received> got = sub.snapshot();
  std::set<std::uint64_t> ks;
  for (const received& r : got) ks.insert(r.k);
  CHECK(ks == produced);
  check_lane_order(got, tel::lane::alarm, true);
  check_lane_order(got, tel::lane::telemetry, true);
  MESSAGE("broker restarts: ", produced.size(), " produced, ", got.size(), " received (",
          got.size() - produced.size(), " duplicates), ", gw.up->counters().connections,
          " connections");
}

#ifdef FIREBUS_UPLINK_CRASH_PRODUCER
TEST_CASE(
    "mqtt uplink: the publishing process killed with SIGKILL at random instants loses "
    "nothing it reported produced") {
  firebus_test::mosquitto_broker broker(persistent());
  firebus_test::temp_dir dir;
  subscriber sub(broker.port());
  const std::string journal = dir.path + "/j.db";
  std::mt19937 rng(20261130);
  std::set<std::uint64_t> reported;
  constexpr int iterations = 20;
  int killed = 0;
  // Runs the producer; it numbers its messages base+1, base+2, ... and prints each number once
  // send() returned. Returns when it exits or is killed after `kill_after`.
  auto run = [&](std::uint64_t base, std::uint64_t count, std::chrono::milliseconds kill_after) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string port = std::to_string(broker.port());
      const std::string b = std::to_string(base), n = std::to_string(count);
      ::execl(FIREBUS_UPLINK_CRASH_PRODUCER, "uplink_crash_producer", journal.c_str(), port.c_str(),
              b.c_str(), n.c_str(), static_cast<char*>(nullptr));
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
            reported.insert(std::stoull(line));
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
  std::uniform_int_distribution<int> delay(30, 400);
  for (int i = 0; i < iterations; ++i) {
    run(static_cast<std::uint64_t>(i + 1) * 1000000, 100000, std::chrono::milliseconds(delay(rng)));
  }
  // A last run produces nothing and exits once the journal is empty (everything acknowledged).
  const int status = run(0, 0, 0ms);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(sub.wait(
      [&] {
        std::set<std::uint64_t> s;
        for (const received& r : sub.got) s.insert(r.k);
        return std::includes(s.begin(), s.end(), reported.begin(), reported.end());
      },
      30s));
  const std::vector<received> got = sub.snapshot();
  std::set<std::uint64_t> ks;
  for (const received& r : got) ks.insert(r.k);
  std::size_t missing = 0;
  for (std::uint64_t k : reported) missing += ks.count(k) == 0 ? 1 : 0;
  MESSAGE("kill -9: ", iterations, " runs, ", killed, " killed, ", reported.size(),
          " reported produced, ", ks.size(), " distinct received, ", got.size() - ks.size(),
          " duplicates, ", missing, " missing");
  CHECK(killed >= iterations - 2);
  CHECK(missing == 0);
  CHECK(reported.size() > 100);
  check_lane_order(got, tel::lane::alarm, true);
  check_lane_order(got, tel::lane::telemetry, true);
}
#endif

namespace {

// A subscriber that keeps every message as received (topic, payload, QoS).
struct raw_subscriber {
  struct got_t {
    std::string topic;
    std::string payload;
    int qos;
  };
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<mqtt::client> c;
  std::thread thread;
  std::mutex m;
  std::condition_variable cv;
  std::vector<got_t> got;
  bool up = false;

  raw_subscriber(std::uint16_t port, const std::string& filter) {
    c = std::make_unique<mqtt::client>(io, client_options(port, "fb-test-raw-sub"));
    c->on_connection([this](const mqtt::connection_event& e) {
      std::lock_guard<std::mutex> l(m);
      up = e.up;
      cv.notify_all();
    });
    c->on_message([this](const mqtt::message& msg) {
      std::lock_guard<std::mutex> l(m);
      got.push_back({msg.topic, std::string(msg.payload.begin(), msg.payload.end()), msg.qos});
      cv.notify_all();
    });
    std::error_code ec;
    c->subscribe(filter, 1, ec);
    REQUIRE_FALSE(ec);
    c->start();
    thread = std::thread([this] { io.run(); });
    std::unique_lock<std::mutex> l(m);
    REQUIRE(cv.wait_for(l, 20s, [&] { return up; }));
  }
  ~raw_subscriber() {
    c->stop();
    work.reset();
    io.stop();
    thread.join();
  }
  std::vector<got_t> wait_for(std::size_t n, std::chrono::milliseconds t = 20s) {
    std::unique_lock<std::mutex> l(m);
    cv.wait_for(l, t, [&] { return got.size() >= n; });
    return got;
  }
};

// A journal, a client and an uplink with a transform, on an io thread of their own.
struct transform_rig {
  firebus_test::temp_dir dir;
  ul::journal j;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  mqtt::client c;
  ul::mqtt_uplink up;
  std::thread t;

  static ul::journal_options journal_in(const firebus_test::temp_dir& d) {
    ul::journal_options jo;
    jo.path = d.path + "/j.db";
    return jo;
  }
  transform_rig(const mqtt::client_options& co, const ul::mqtt_uplink_options& uo)
      : j(journal_in(dir)), c(io, co), up(io, j, c, uo) {}
  ~transform_rig() {
    if (t.joinable()) stop();
  }
  void start() {
    c.start();
    t = std::thread([this] { io.run(); });
  }
  // Journals `payload` in the alarm lane for the transform.
  void send(const std::string& topic, const std::string& payload) {
    ul::message m;
    m.lane = ul::lane::alarm;
    m.topic = topic;
    m.payload =
        firebus::byte_view(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    m.format = ul::format_byte(ul::payload_format::transformed);
    up.send(m);
  }
  std::uint64_t waiting() { return j.stats(ul::lane::alarm).messages; }
  // Until the alarm lane is empty (up to 10 s); then stops the client and the io thread and
  // returns the uplink's counters.
  ul::mqtt_uplink_counters drain_and_stop() {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until && waiting() != 0) {
      std::this_thread::sleep_for(20ms);
    }
    const ul::mqtt_uplink_counters n = up.counters();
    stop();
    return n;
  }
  void stop() {
    c.stop();
    io.stop();
    t.join();
  }
};

}  // namespace

TEST_CASE(
    "mqtt uplink: transformed entries — several messages, none, failures sent as stored, "
    "historical before the connection") {
  firebus_test::mosquitto_broker broker;
  raw_subscriber sub(broker.port(), "tx/#");
  std::mutex seen_m;
  std::vector<std::pair<std::string, bool>> seen;  // payload, historical, in transform order
  ul::mqtt_uplink_options uo;
  uo.poll_interval = 200ms;
  uo.retry_delay = 200ms;
  uo.transform = [&](const ul::entry& e, std::error_code& ec, std::string& why) {
    const std::string p(e.payload.begin(), e.payload.end());
    {
      std::lock_guard<std::mutex> l(seen_m);
      seen.emplace_back(p, e.historical);
    }
    const std::string kind = p.substr(0, p.find(':'));
    const std::string k = p.substr(p.find(':') + 1);
    std::vector<ul::publication> out;
    if (kind == "two") {
      out.push_back({"tx/a/" + k, {'A'}, 1, false});
      out.push_back({"tx/b/" + k, {'B'}, 0, false});
    } else if (kind == "bad") {
      ec = firebus::make_error_code(firebus::errc::invalid_argument);
      why = "refused by the test";
    } else if (kind == "throw") {
      throw std::runtime_error("thrown by the test");
    } else if (kind == "wild") {
      out.push_back({"tx/+/" + k, {'W'}, 1, false});  // not a topic name
    }
    return out;  // "none": nothing to publish
  };
  transform_rig rig(client_options(broker.port(), "fb-test-tx"), uo);
  auto send = [&](const std::string& p) { rig.send("tx/stored", p); };
  // Produced before the connection: historical when transformed.
  send("two:1");
  send("none:2");
  rig.start();
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until &&
         (rig.up.counters().connections == 0 || rig.up.counters().acked < 2)) {
    std::this_thread::sleep_for(10ms);
  }
  send("bad:3");
  send("throw:4");
  send("wild:5");
  send("two:6");
  const auto got = sub.wait_for(7);
  const ul::mqtt_uplink_counters n = rig.drain_and_stop();

  std::map<std::string, std::pair<std::string, int>> by_topic;
  std::vector<std::string> stored;
  for (const auto& g : got) {
    if (g.topic == "tx/stored") {
      stored.push_back(g.payload);
    } else {
      CHECK(by_topic.count(g.topic) == 0);
      by_topic[g.topic] = {g.payload, g.qos};
    }
  }
  // Two messages for each "two" entry, at the QoS the transform chose; none for "none".
  CHECK(by_topic.size() == 4);
  CHECK(by_topic["tx/a/1"] == std::make_pair(std::string("A"), 1));
  CHECK(by_topic["tx/b/1"] == std::make_pair(std::string("B"), 0));
  CHECK(by_topic["tx/a/6"] == std::make_pair(std::string("A"), 1));
  CHECK(by_topic["tx/b/6"] == std::make_pair(std::string("B"), 0));
  // A failed transform (an error, an exception, an unpublishable message): sent as stored.
  CHECK(stored == std::vector<std::string>{"bad:3", "throw:4", "wild:5"});
  CHECK(rig.waiting() == 0);
  CHECK(n.acked == 6);
  CHECK(n.transformed == 3);
  CHECK(n.transform_failures == 3);
  // In journal order, each once; historical only what was produced before the connection.
  std::lock_guard<std::mutex> l(seen_m);
  REQUIRE(seen.size() == 6);
  CHECK(seen[0] == std::make_pair(std::string("two:1"), true));
  CHECK(seen[1] == std::make_pair(std::string("none:2"), true));
  CHECK(seen[2] == std::make_pair(std::string("bad:3"), false));
  CHECK(seen[5] == std::make_pair(std::string("two:6"), false));
}

TEST_CASE("mqtt uplink: a transformed entry stays until every message made for it is delivered") {
  // The entry's first message is delivered, its second refused by the client (larger than the
  // client's max_payload) on the first attempt: the entry must stay in the journal and be
  // transformed and sent again (its first message a duplicate), never be acknowledged by its
  // first message alone.
  firebus_test::mosquitto_broker broker;
  raw_subscriber sub(broker.port(), "tx2/#");
  mqtt::client_options co = client_options(broker.port(), "fb-test-tx2");
  co.max_payload = 1000;
  std::atomic<int> calls{0};
  ul::mqtt_uplink_options uo;
  uo.poll_interval = 100ms;
  uo.retry_delay = 300ms;
  uo.transform = [&](const ul::entry&, std::error_code&, std::string&) {
    const int call = ++calls;
    std::vector<ul::publication> out;
    out.push_back({"tx2/a", {'A'}, 1, false});
    out.push_back({"tx2/b", std::vector<std::uint8_t>(call == 1 ? 2000 : 1, 'B'), 1, false});
    return out;
  };
  transform_rig rig(co, uo);
  rig.start();
  rig.send("tx2/stored", "x");
  const auto got = sub.wait_for(3);
  const ul::mqtt_uplink_counters n = rig.drain_and_stop();
  CHECK(rig.waiting() == 0);
  MESSAGE("transform calls: ", calls.load(), ", messages: ", got.size());
  CHECK(calls == 2);
  CHECK(n.refused == 1);
  CHECK(n.acked == 1);
  std::vector<std::string> topics;
  for (const auto& g : got) topics.push_back(g.topic);
  CHECK(topics == std::vector<std::string>{"tx2/a", "tx2/a", "tx2/b"});
}

TEST_CASE("mqtt uplink: a transform that says \"not now\" holds its entry and those behind it") {
  firebus_test::mosquitto_broker broker;
  raw_subscriber sub(broker.port(), "tx3/#");
  std::atomic<bool> ready{false};
  std::atomic<int> deferrals{0};
  ul::mqtt_uplink_options uo;
  uo.poll_interval = 100ms;
  uo.transform = [&](const ul::entry& e, std::error_code& ec, std::string& why) {
    std::vector<ul::publication> out;
    if (!ready) {
      ++deferrals;
      ec = std::make_error_code(std::errc::resource_unavailable_try_again);
      why = "not yet";
      return out;
    }
    out.push_back({"tx3/" + std::string(e.payload.begin(), e.payload.end()), {'x'}, 1, false});
    return out;
  };
  transform_rig rig(client_options(broker.port(), "fb-test-tx3"), uo);
  rig.start();
  for (int i = 1; i <= 5; ++i) rig.send("tx3/stored", std::to_string(i));
  std::this_thread::sleep_for(600ms);
  CHECK(rig.waiting() == 5);  // held, not lost, not sent as stored
  CHECK(deferrals >= 2);      // asked again at each poll
  {
    std::lock_guard<std::mutex> l(sub.m);
    CHECK(sub.got.empty());
  }
  ready = true;
  rig.up.notify();
  const auto got = sub.wait_for(5);
  const ul::mqtt_uplink_counters n = rig.drain_and_stop();
  std::vector<std::string> topics;
  for (const auto& g : got) topics.push_back(g.topic);
  CHECK(topics == std::vector<std::string>{"tx3/1", "tx3/2", "tx3/3", "tx3/4", "tx3/5"});
  CHECK(n.transform_failures == 0);
  CHECK(n.acked == 5);
}

namespace {

// A journal, a client and an uplink made with `uo` (held by a pointer, to be destroyed while the
// io thread runs), on an io thread of their own.
struct detach_rig {
  firebus_test::temp_dir dir;
  ul::journal j;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  mqtt::client c;
  std::unique_ptr<ul::mqtt_uplink> up;
  std::thread t;

  detach_rig(std::uint16_t port, const std::string& id, const ul::mqtt_uplink_options& uo)
      : j(transform_rig::journal_in(dir)), c(io, client_options(port, id)) {
    up = std::make_unique<ul::mqtt_uplink>(io, j, c, uo);
  }
  ~detach_rig() {
    up.reset();
    c.stop();
    work.reset();
    io.stop();
    if (t.joinable()) t.join();
  }
  void start() {
    c.start();
    t = std::thread([this] { io.run(); });
  }
};

}  // namespace

TEST_CASE(
    "mqtt uplink: destroyed on another thread while one of its callbacks runs, the destructor "
    "returns only once that callback has") {
  firebus_test::mosquitto_broker broker;
  firebus_test::dtor_probe probe;
  ul::mqtt_uplink_options uo;
  uo.poll_interval = 50ms;
  uo.on_log = [&](ul::log_level, const std::string&) { probe.other(); };
  bool transformed = false;
  SUBCASE("on_connection") {}
  SUBCASE("the transform") {
    transformed = true;
    uo.transform = [&](const ul::entry&, std::error_code&, std::string&) {
      probe.slow();
      std::vector<ul::publication> out;
      out.push_back({"dtor/t", {'x'}, 1, false});
      return out;
    };
  }
  detach_rig rig(broker.port(), transformed ? "fb-test-dtor-t" : "fb-test-dtor-c", uo);
  rig.up->on_connection([&](const mqtt::connection_event& e) {
    transformed || !e.up ? probe.other() : probe.slow();
  });
  rig.up->on_published([&](std::uint64_t, std::error_code) { probe.other(); });
  if (transformed) {
    ul::message m;
    m.lane = ul::lane::alarm;
    m.topic = "dtor/stored";
    m.payload = firebus::byte_view(reinterpret_cast<const std::uint8_t*>("x"), 1);
    m.format = ul::format_byte(ul::payload_format::transformed);
    rig.up->send(m);
  }
  rig.start();
  REQUIRE(probe.wait_entered(10s));
  probe.destroy(rig.up);
  probe.check(300ms);  // several polls
}

TEST_CASE("mqtt uplink: its callbacks may destroy it (no deadlock)") {
  firebus_test::mosquitto_broker broker;
  std::atomic<bool> gone{false};
  ul::mqtt_uplink_options uo;
  uo.poll_interval = 50ms;
  detach_rig rig(broker.port(), "fb-test-dtor-in", uo);
  rig.up->on_connection([&](const mqtt::connection_event& e) {
    if (!e.up || gone.load()) return;
    rig.up.reset();  // on the io thread, inside the uplink's own callback
    gone = true;
  });
  rig.start();
  for (int i = 0; i < 1000 && !gone.load(); ++i) std::this_thread::sleep_for(10ms);
  CHECK(gone.load());
  CHECK(rig.c.connected());  // the client goes on without its uplink
}
