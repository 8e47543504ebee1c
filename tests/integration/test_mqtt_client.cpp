// firebus — fire-safety IoT SDK.
// firebus::mqtt::client against a real broker (Debian's mosquitto on 127.0.0.1): round trips at
// QoS 0 and 1 over MQTT 3.1.1 and 5, a broker killed and restarted mid-stream, TLS with server
// verification and client certificates, and the refusals a misconfigured gateway must see
// clearly (wrong CA, wrong client certificate, wrong password).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/io/mqtt_client.hpp>

#include "dtor_probe.hpp"
#include "mqtt_broker.hpp"

namespace mqtt = firebus::mqtt;
using namespace std::chrono_literals;

namespace {

// An io_context on its own thread, and what a client reported on it.
struct harness {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread{[this] { io.run(); }};

  std::mutex m;
  std::condition_variable cv;
  std::vector<mqtt::connection_event> connections;
  std::vector<mqtt::message> messages;
  std::map<std::uint64_t, std::error_code> published;

  ~harness() {
    work.reset();
    io.stop();
    thread.join();
  }

  void attach(mqtt::client& c) {
    c.on_connection([this](const mqtt::connection_event& e) {
      std::lock_guard<std::mutex> l(m);
      connections.push_back(e);
      cv.notify_all();
    });
    c.on_message([this](const mqtt::message& msg) {
      std::lock_guard<std::mutex> l(m);
      messages.push_back(msg);
      cv.notify_all();
    });
    c.on_published([this](std::uint64_t token, std::error_code ec) {
      std::lock_guard<std::mutex> l(m);
      published[token] = ec;
      cv.notify_all();
    });
  }

  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds t = 10s) {
    std::unique_lock<std::mutex> l(m);
    return cv.wait_for(l, t, pred);
  }

  bool wait_up(std::size_t n = 1) {
    return wait([&] {
      std::size_t ups = 0;
      for (const auto& e : connections) ups += e.up ? 1 : 0;
      return ups >= n;
    });
  }

  std::optional<mqtt::connection_event> first_down() {
    std::lock_guard<std::mutex> l(m);
    for (const auto& e : connections) {
      if (!e.up) return e;
    }
    return std::nullopt;
  }
};

mqtt::client_options options(std::uint16_t port, const std::string& id) {
  mqtt::client_options o;
  o.port = port;
  o.client_id = id;
  o.reconnect_min = 50ms;
  o.reconnect_max = 400ms;
  o.connect_timeout = 3s;
  return o;
}

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// Publishes `n` numbered messages at `qos` from one client to a subscriber of another; checks
// that every token is acknowledged and every message arrives once, in order.
void round_trip(mqtt::protocol_version version, int qos) {
  firebus_test::mosquitto_broker broker;
  harness sub_h, pub_h;
  auto so = options(broker.port(), "sub");
  so.version = version;
  mqtt::client sub(sub_h.io, so);
  sub_h.attach(sub);
  std::error_code ec;
  sub.subscribe("firebus/test/#", 1, ec);
  REQUIRE(!ec);
  sub.start();
  REQUIRE(sub_h.wait_up());
  // The broker handles one connection's packets in order: once the subscriber receives its own
  // probe, its SUBSCRIBE is in force for everyone's publishes.
  REQUIRE(sub.publish("firebus/test/probe", bytes("probe"), 1, false, ec) != 0);
  REQUIRE(sub_h.wait([&] { return !sub_h.messages.empty(); }));
  {
    std::lock_guard<std::mutex> l(sub_h.m);
    sub_h.messages.clear();
  }

  auto po = options(broker.port(), "pub");
  po.version = version;
  mqtt::client pub(pub_h.io, po);
  pub_h.attach(pub);
  pub.start();
  REQUIRE(pub_h.wait_up());

  const int n = 200;
  std::vector<std::uint64_t> tokens;
  for (int i = 0; i < n; ++i) {
    const auto t = pub.publish("firebus/test/" + std::to_string(i % 3), bytes(std::to_string(i)),
                               qos, false, ec);
    REQUIRE(!ec);
    tokens.push_back(t);
  }
  REQUIRE(pub_h.wait([&] { return pub_h.published.size() == tokens.size(); }));
  for (const auto t : tokens) CHECK(!pub_h.published[t]);
  REQUIRE(sub_h.wait([&] { return sub_h.messages.size() >= static_cast<std::size_t>(n); }));
  std::lock_guard<std::mutex> l(sub_h.m);
  REQUIRE(sub_h.messages.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    CHECK(sub_h.messages[static_cast<std::size_t>(i)].payload == bytes(std::to_string(i)));
  }
  CHECK(pub.counters().published == static_cast<std::uint64_t>(n));
  CHECK(sub.counters().received == static_cast<std::uint64_t>(n) + 1);
}

}  // namespace

TEST_CASE("mqtt client: publish and subscribe round trips at QoS 0 and 1, MQTT 3.1.1 and 5") {
  round_trip(mqtt::protocol_version::v311, 1);
  round_trip(mqtt::protocol_version::v5, 1);
  round_trip(mqtt::protocol_version::v311, 0);
  round_trip(mqtt::protocol_version::v5, 0);
}

TEST_CASE("mqtt client: options are checked, and publish refuses what cannot be sent") {
  asio::io_context io;
  std::error_code ec;
  mqtt::client_options o;
  mqtt::client none(io, o, ec);  // no client id
  CHECK(ec == mqtt::errc::invalid_options);
  o.client_id = "x";
  o.password = "secret";  // without a user name
  CHECK_THROWS_WITH_AS(mqtt::client(io, o), doctest::Contains("password"), firebus::system_error);
  o.password.reset();
  o.max_pending = 65536;  // more than MQTT's packet identifiers: two could share one
  CHECK_THROWS_WITH_AS(mqtt::client(io, o), doctest::Contains("max_pending"),
                       firebus::system_error);
  o.max_pending = 65535;
  mqtt::client c(io, o, ec);
  REQUIRE(!ec);
  CHECK(c.publish("a/b", bytes("x"), 1, false, ec) == 0);
  CHECK(ec == mqtt::errc::stopped);  // not started
  c.start();
  CHECK(c.publish("a/+", bytes("x"), 1, false, ec) == 0);
  CHECK(ec == mqtt::errc::invalid_topic);
  CHECK(c.publish("a/b", bytes("x"), 2, false, ec) == 0);
  CHECK(ec == mqtt::errc::invalid_options);
  c.subscribe("a/#/b", 1, ec);
  CHECK(ec == mqtt::errc::invalid_topic);
  c.stop();
}

TEST_CASE("mqtt client: no broker — connection failures are reported, publish says not connected") {
  harness h;
  auto o = options(firebus_test::free_port(), "lonely");
  mqtt::client c(h.io, o);
  h.attach(c);
  c.start();
  REQUIRE(h.wait([&] { return !h.connections.empty(); }));
  const auto down = h.first_down();
  REQUIRE(down);
  CHECK(down->error == mqtt::errc::connect_failed);
  std::error_code ec;
  CHECK(c.publish("a/b", bytes("x"), 1, false, ec) == 0);
  CHECK(ec == mqtt::errc::not_connected);
  // It keeps trying, with back-off.
  REQUIRE(h.wait([&] { return h.connections.size() >= 3; }));
  c.stop();
  CHECK(c.counters().connect_failures >= 3);
}

TEST_CASE("mqtt client: a Will is asked for each CONNECT that goes out, not for failed attempts") {
  // Sparkplug numbers CONNECTs (bdSeq): attempts that never reach the broker must not use up a
  // number, or the broker sees the numbers jump.
  firebus_test::mosquitto_broker broker;
  broker.stop();
  harness h;
  auto o = options(broker.port(), "will-count");
  std::atomic<int> asked{0};
  o.will = [&]() -> std::optional<mqtt::will_message> {
    mqtt::will_message w;
    w.topic = "firebus/will";
    w.payload = bytes(std::to_string(asked++));
    return w;
  };
  mqtt::client c(h.io, o);
  h.attach(c);
  c.start();
  REQUIRE(h.wait([&] { return h.connections.size() >= 3; }));  // 3 failed attempts
  CHECK(asked.load() == 1);
  broker.start();
  REQUIRE(h.wait_up());
  CHECK(asked.load() == 1);  // the first CONNECT that went out carries Will 0
  broker.stop();
  REQUIRE(h.wait([&] {
    std::size_t downs = 0;
    for (const auto& e : h.connections) downs += e.up ? 0 : 1;
    return downs >= 6;  // the connection lost, then failed attempts
  }));
  CHECK(asked.load() == 2);  // one new Will after the CONNECT that went out, kept since
  broker.start();
  REQUIRE(h.wait_up(2));
  CHECK(asked.load() == 2);
  // Each "up" carries the Will its CONNECT registered (a Sparkplug node takes its bdSeq from it).
  std::vector<std::string> wills;
  {
    std::lock_guard<std::mutex> l(h.m);
    for (const auto& e : h.connections) {
      if (!e.up) continue;
      REQUIRE(e.will.has_value());
      CHECK(e.will->topic == "firebus/will");
      wills.emplace_back(e.will->payload.begin(), e.will->payload.end());
    }
  }
  CHECK(wills == std::vector<std::string>{"0", "1"});
  c.stop();
}

TEST_CASE(
    "mqtt client: a broker killed mid-stream — pending publishes fail, the client "
    "reconnects and resubscribes by itself") {
  firebus_test::mosquitto_broker broker;
  harness h;
  auto o = options(broker.port(), "restart");
  std::atomic<int> connects{0};
  o.will = [&]() -> std::optional<mqtt::will_message> {
    mqtt::will_message w;
    w.topic = "firebus/will";
    w.payload = bytes(std::to_string(connects++));
    return w;
  };
  mqtt::client c(h.io, o);
  h.attach(c);
  std::error_code ec;
  c.subscribe("firebus/echo", 1, ec);
  c.start();
  REQUIRE(h.wait_up());

  std::vector<std::uint64_t> tokens;
  for (int i = 0; i < 500; ++i) {
    const auto t = c.publish("firebus/bulk", bytes(std::string(1000, 'x')), 1, false, ec);
    if (t) tokens.push_back(t);
  }
  broker.stop();  // SIGKILL
  // Every token is reported once: acknowledged before the kill, or failed.
  REQUIRE(h.wait([&] { return h.published.size() == tokens.size(); }));
  {
    std::lock_guard<std::mutex> l(h.m);
    for (const auto t : tokens) {
      const auto ec2 = h.published[t];
      CHECK((!ec2 || ec2 == mqtt::errc::connection_lost));
    }
  }
  REQUIRE(h.wait([&] { return h.connections.size() >= 2 && !h.connections[1].up; }));
  CHECK(!c.connected());

  broker.start();
  REQUIRE(h.wait_up(2));
  CHECK(connects.load() >= 2);  // a fresh Will for every CONNECT
  // The subscription was made again on the new connection (before any publish of it).
  const auto t = c.publish("firebus/echo", bytes("again"), 1, false, ec);
  REQUIRE(t != 0);
  REQUIRE(h.wait([&] { return !h.messages.empty(); }));
  std::lock_guard<std::mutex> l(h.m);
  CHECK(h.messages.back().payload == bytes("again"));
}

TEST_CASE("mqtt client: callbacks may publish and stop the client (no lock is held)") {
  firebus_test::mosquitto_broker broker;
  harness h;
  mqtt::client c(h.io, options(broker.port(), "reentrant"));
  std::atomic<int> acked{0};
  c.on_connection([&](const mqtt::connection_event& e) {
    if (!e.up) return;
    std::error_code ec;
    c.publish("firebus/a", bytes("1"), 1, false, ec);
  });
  c.on_published([&](std::uint64_t, std::error_code ec) {
    if (ec) return;
    if (++acked < 10) {
      std::error_code ec2;
      c.publish("firebus/a", bytes("n"), 1, false, ec2);
    } else {
      c.stop();
    }
  });
  c.start();
  for (int i = 0; i < 200 && acked.load() < 10; ++i) std::this_thread::sleep_for(25ms);
  CHECK(acked.load() == 10);
  for (int i = 0; i < 200 && c.connected(); ++i) std::this_thread::sleep_for(10ms);
  CHECK(!c.connected());
}

TEST_CASE("mqtt client: user name and password — accepted, and a wrong one refused clearly") {
  firebus_test::broker_config bc;
  bc.username = "gateway";
  bc.password = "s3cret";
  firebus_test::mosquitto_broker broker(bc);
  for (const auto version : {mqtt::protocol_version::v311, mqtt::protocol_version::v5}) {
    CAPTURE(static_cast<int>(version));
    {
      harness h;
      auto o = options(broker.port(), "good");
      o.version = version;
      o.username = "gateway";
      o.password = "s3cret";
      mqtt::client c(h.io, o);
      h.attach(c);
      c.start();
      CHECK(h.wait_up());
    }
    {
      harness h;
      auto o = options(broker.port(), "bad");
      o.version = version;
      o.username = "gateway";
      o.password = "wrong";
      mqtt::client c(h.io, o);
      h.attach(c);
      c.start();
      REQUIRE(h.wait([&] { return !h.connections.empty(); }));
      const auto down = h.first_down();
      REQUIRE(down);
      CHECK(mqtt::is_refusal(down->error));
      CHECK((down->error == mqtt::errc::refused_bad_credentials ||
             down->error == mqtt::errc::refused_not_authorised));
      CHECK(!down->detail.empty());
      CHECK(c.counters().connects == 0);
    }
  }
}

TEST_CASE(
    "mqtt client: TLS — the broker is verified, client certificates work, and a wrong CA "
    "or a wrong client certificate is refused clearly") {
  const firebus_test::test_pki pki;
  firebus_test::broker_config bc;
  bc.tls = true;
  bc.require_certificate = true;
  bc.pki = &pki;
  firebus_test::mosquitto_broker broker(bc);

  auto tls_client = [&](const std::string& ca, const std::string& cert, const std::string& key,
                        mqtt::protocol_version v) {
    auto o = options(broker.port(), "tls");
    o.host = "localhost";
    o.version = v;
    mqtt::tls_options t;
    t.ca_file = ca;
    t.cert_file = cert;
    t.key_file = key;
    o.tls = t;
    return o;
  };

  for (const auto v : {mqtt::protocol_version::v311, mqtt::protocol_version::v5}) {
    CAPTURE(static_cast<int>(v));
    SUBCASE("the right CA and a client certificate of that CA: connected, messages flow") {
      harness h;
      mqtt::client c(h.io, tls_client(pki.ca, pki.client_cert, pki.client_key, v));
      h.attach(c);
      std::error_code ec;
      c.subscribe("firebus/tls", 1, ec);
      c.start();
      REQUIRE(h.wait_up());
      const auto t = c.publish("firebus/tls", bytes("secure"), 1, false, ec);
      REQUIRE(t != 0);
      REQUIRE(h.wait([&] { return h.published.count(t) == 1 && !h.messages.empty(); }));
      CHECK(!h.published[t]);
    }
    SUBCASE("a CA that did not sign the broker's certificate: tls_error, certificate named") {
      harness h;
      mqtt::client c(h.io, tls_client(pki.other_ca, pki.client_cert, pki.client_key, v));
      h.attach(c);
      c.start();
      REQUIRE(h.wait([&] { return !h.connections.empty(); }));
      const auto down = h.first_down();
      REQUIRE(down);
      CHECK(down->error == mqtt::errc::tls_error);
      CHECK(down->detail.find("certificate") != std::string::npos);
      CHECK(c.counters().connects == 0);
    }
    SUBCASE("a client certificate from another CA: refused (tls_error)") {
      harness h;
      mqtt::client c(h.io, tls_client(pki.ca, pki.other_client_cert, pki.other_client_key, v));
      h.attach(c);
      c.start();
      REQUIRE(h.wait([&] { return !h.connections.empty(); }));
      const auto down = h.first_down();
      REQUIRE(down);
      CAPTURE(down->detail);
      CHECK(down->error == mqtt::errc::tls_error);
      CHECK(c.counters().connects == 0);
    }
    SUBCASE("no client certificate where one is required: refused (tls_error)") {
      harness h;
      mqtt::client c(h.io, tls_client(pki.ca, "", "", v));
      h.attach(c);
      c.start();
      REQUIRE(h.wait([&] { return !h.connections.empty(); }));
      const auto down = h.first_down();
      REQUIRE(down);
      CAPTURE(down->detail);
      CHECK(down->error == mqtt::errc::tls_error);
      CHECK(c.counters().connects == 0);
    }
    SUBCASE("a plain client against the TLS port never connects") {
      harness h;
      mqtt::client c(h.io, options(broker.port(), "plain"));
      h.attach(c);
      c.start();
      REQUIRE(h.wait([&] { return !h.connections.empty(); }));
      const auto down = h.first_down();
      REQUIRE(down);
      CHECK(!down->up);
      CHECK(c.counters().connects == 0);
    }
  }
}

TEST_CASE(
    "mqtt client: MQTT 5 — a publish above the broker's maximum packet size is reported as "
    "payload_too_large, one it refuses as publish_refused, and the connection stays up") {
  firebus_test::broker_config bc;
  bc.extra = "max_packet_size 2000\n";
  bc.acl = "topic deny firebus/denied\ntopic readwrite #\n";
  firebus_test::mosquitto_broker broker(bc);
  harness h;
  auto o = options(broker.port(), "pub-limits");
  o.version = mqtt::protocol_version::v5;
  mqtt::client c(h.io, o);
  h.attach(c);
  c.start();
  REQUIRE(h.wait_up());
  std::error_code ec;
  const auto big = c.publish("firebus/ok", std::vector<std::uint8_t>(5000, 0x42), 1, false, ec);
  REQUIRE_FALSE(ec);
  const auto denied = c.publish("firebus/denied", bytes("x"), 1, false, ec);
  REQUIRE_FALSE(ec);
  const auto fine = c.publish("firebus/ok", bytes("y"), 1, false, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(h.wait([&] { return h.published.size() == 3; }));
  std::lock_guard<std::mutex> l(h.m);
  CHECK(h.published[big] == mqtt::errc::payload_too_large);
  CHECK(h.published[denied] == mqtt::errc::publish_refused);
  CHECK_FALSE(h.published[fine]);
  CHECK(c.connected());
  CHECK(h.connections.size() == 1);
}

TEST_CASE(
    "mqtt client: destroyed on another thread while a callback runs, the destructor returns "
    "only once that callback has") {
  firebus_test::mosquitto_broker broker;
  harness h;  // io.run() on a thread of its own
  firebus_test::dtor_probe probe;
  auto c = std::make_unique<mqtt::client>(h.io, options(broker.port(), "dtor-waits"));
  c->on_connection([&](const mqtt::connection_event& e) { e.up ? probe.slow() : probe.other(); });
  c->on_published([&](std::uint64_t, std::error_code) { probe.other(); });
  c->start();
  REQUIRE(probe.wait_entered(10s));
  std::error_code ec;
  c->publish("firebus/dtor", bytes("x"), 1, false, ec);  // a report queued behind the callback
  probe.destroy(c);
  probe.check(300ms);
}

TEST_CASE("mqtt client: a callback may destroy its own client (no deadlock)") {
  firebus_test::mosquitto_broker broker;
  harness h;
  std::atomic<bool> gone{false};
  auto c = std::make_unique<mqtt::client>(h.io, options(broker.port(), "dtor-inside"));
  mqtt::client* const raw = c.get();
  std::unique_ptr<mqtt::client>* const slot = &c;
  c->on_connection([slot, &gone](const mqtt::connection_event& e) {
    if (!e.up || gone.load()) return;
    slot->reset();  // on the io thread, inside the client's own callback
    gone = true;
  });
  raw->start();
  for (int i = 0; i < 1000 && !gone.load(); ++i) std::this_thread::sleep_for(10ms);
  CHECK(gone.load());
}
