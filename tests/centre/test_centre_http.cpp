// firebus — fire-safety IoT SDK.
// The centre's HTTP JSON API at its edges (docs/centre.md, "HTTP API"): status codes, bodies,
// parameters, UTF-8, two centre processes racing on one alarm; the store's failures (disk full,
// a database locked by another process, a PostgreSQL session lost) and the command line's ranges.
#include <httplib.h>

#include <atomic>
#include <set>
#include <thread>

#include <asio.hpp>
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <firebus/io/mqtt_client.hpp>

#include "centre.hpp"
#include "centre_test_util.hpp"
#include "store.hpp"

namespace fc = firebus_centre;
using namespace centre_test;

namespace {

struct answer {
  int status = 0;
  std::string content_type;
  fc::json body;
};

answer to_answer(const httplib::Result& r) {
  answer a;
  REQUIRE(r);
  a.status = r->status;
  a.content_type = r->get_header_value("Content-Type");
  a.body = fc::json::parse(r->body, nullptr, false);
  return a;
}

// An in-process centre with the HTTP API on an ephemeral port.
struct http_centre {
  firebus_test::temp_dir dir;
  std::unique_ptr<fc::centre> c;
  std::unique_ptr<httplib::Client> http;

  explicit http_centre(const std::string& pg_conninfo = {}, const std::string& name = "A") {
    fc::centre_config cfg;
    cfg.listen_port = 0;
    cfg.http = true;
    cfg.http_port = 0;
    cfg.out = nullptr;
    cfg.store.sqlite_path = dir.path + "/centre.sqlite";
    cfg.store.pg_conninfo = pg_conninfo;
    cfg.store.centre_name = name;
    c = std::make_unique<fc::centre>(cfg);
    c->start();
    http = std::make_unique<httplib::Client>("127.0.0.1", c->http_port());
    http->set_read_timeout(30, 0);
  }
  answer get(const std::string& path) { return to_answer(http->Get(path.c_str())); }
  answer post(const std::string& path, const std::string& body,
              const char* type = "application/json") {
    return to_answer(http->Post(path.c_str(), body, type));
  }
  // A fire alarm from UITD `uitd` (point `point`); the id of the alarm it opened.
  std::int64_t fire(std::uint64_t uitd, std::uint32_t point, std::uint16_t serial = 1) {
    raw_uitd u(c->port());
    REQUIRE(u.send_confirmed(frame(uitd, serial, component_status_adu(point, 0x0003, serial), 1),
                             serial));
    const answer a = get("/api/alarms");
    REQUIRE(a.status == 200);
    for (const auto& al : a.body["alarms"]) {
      if (al["uitd"] == fc::address_hex(uitd) &&
          al["component_address"] == static_cast<std::int64_t>(0x00010000u | point)) {
        return al["id"].get<std::int64_t>();
      }
    }
    FAIL("no alarm opened");
    return 0;
  }
};

void check_error(const answer& a, int status) {
  CHECK(a.status == status);
  CHECK(a.content_type.rfind("application/json", 0) == 0);
  REQUIRE(a.body.is_object());
  CHECK(a.body.contains("error"));
  CHECK(a.body["status"] == status);
}

}  // namespace

TEST_CASE("http - query parameters out of range and bad ids are refused") {
  http_centre h;
  h.fire(0x700, 1);
  CHECK(h.get("/api/units/000000000700/history?limit=10000").status == 200);
  CHECK(h.get("/api/units/000000000700/history?limit=1").status == 200);
  for (const char* bad : {"0", "-1", "10001", "1000000000000", "99999999999999999999999", "abc", "",
                          "5x", "+5", "%205", "5%20", "0x10", "1e3", "5.0"}) {
    INFO("limit=" << bad);
    check_error(h.get(std::string("/api/units/000000000700/history?limit=") + bad), 400);
  }
  // Unknown unit, address too long or not hex: 404 with a JSON error.
  check_error(h.get("/api/units/000000000999/history"), 404);
  check_error(h.get("/api/units/0000000007000/history"), 404);
  check_error(h.get("/api/units/zz/history"), 404);
  // Alarm ids: negative, overflowing, not numeric, unknown.
  for (const char* id : {"-1", "99999999999999999999999", "abc", "0", "999999999999999999"}) {
    INFO("id " << id);
    check_error(h.post(std::string("/api/alarms/") + id + "/ack", R"({"operator":"li"})"), 404);
  }
  check_error(h.get("/api/alarms?state=RECEIVED"), 400);
  check_error(h.get("/api/alarms?state=open"), 400);
}

TEST_CASE("http - a wrong method on a documented route is 405, an unknown route 404") {
  http_centre h;
  const std::int64_t id = h.fire(0x701, 1);
  const std::string ack = "/api/alarms/" + std::to_string(id) + "/ack";
  answer a = to_answer(h.http->Get(ack.c_str()));
  check_error(a, 405);
  check_error(to_answer(h.http->Post("/api/alarms", "{}", "application/json")), 405);
  check_error(to_answer(h.http->Delete("/api/alarms")), 405);
  check_error(to_answer(h.http->Put("/api/units", "{}", "application/json")), 405);
  check_error(to_answer(h.http->Post("/api/units/000000000701/history", "{}", "application/json")),
              405);
  check_error(to_answer(h.http->Get("/api/units/000000000701/duty_check")), 405);
  check_error(to_answer(h.http->Post("/healthz", "{}", "application/json")), 405);
  check_error(h.get("/api/alarm"), 404);
  check_error(h.get("/api/alarms/1"), 404);
  // Still received: nothing above changed it.
  CHECK(h.post(ack, R"({"operator":"li"})").status == 200);
}

TEST_CASE("http - malformed and huge bodies are refused") {
  http_centre h;
  const std::int64_t id = h.fire(0x702, 1);
  const std::string base = "/api/alarms/" + std::to_string(id);
  for (const char* body :
       {"", "null", "[]", "\"li\"", "{", "{\"operator\":}", "{\"operator\":\"li\"} trailing",
        "{\"operator\":5}", "{\"operator\":\"\"}", "{\"operator\":null}", "{\"operator\":[\"li\"]}",
        "{\"operator\":\"li\",\"note\":5}", "{\"operator\":\"li\",\"note\":{}}",
        // Unknown keys: a misspelt note would be lost.
        "{\"operator\":\"li\",\"notes\":\"smoke from cooking\"}",
        "{\"operator\":\"li\",\"x\":1}"}) {
    INFO("body " << body);
    check_error(h.post(base + "/ack", body), 400);
  }
  check_error(h.post("/api/units/000000000701/duty_check", R"({"minute":5})"), 400);
  // Not UTF-8, or a NUL character (which PostgreSQL's text cannot hold): refused, not cut.
  check_error(h.post(base + "/ack", "{\"operator\":\"li\xff\"}"), 400);
  check_error(h.post(base + "/ack", "{\"operator\":\"li\xc3\"}"), 400);
  check_error(h.post(base + "/ack", R"({"operator":"li\u0000x"})"), 400);
  check_error(h.post(base + "/ack", R"({"operator":"li","note":"a\u0000b"})"), 400);
  check_error(h.post(base + "/ack", R"({"operator":"\ud800"})"), 400);
  // A body far beyond what an operator action needs: 413, not read into memory.
  const std::string huge = "{\"operator\":\"li\",\"note\":\"" + std::string(1 << 20, 'x') + "\"}";
  auto r = h.http->Post((base + "/ack").c_str(), huge, "application/json");
  if (r) {  // the server may also close the connection without reading the rest
    CHECK(r->status == 413);
  }
  // A form-encoded body (curl -d's default type) above cpp-httplib's own 8 KiB limit for those:
  // the answer says which limit, and how to send it (it said "at most 65536 bytes").
  const std::string form = "{\"operator\":\"li\",\"note\":\"" + std::string(9000, 'x') + "\"}";
  const answer f = h.post(base + "/ack", form, "application/x-www-form-urlencoded");
  check_error(f, 413);
  CHECK(f.body["error"] ==
        "form-encoded body too large: at most 8192 bytes; send the JSON body as Content-Type: "
        "application/json");
  // Deeply nested JSON: refused, no crash.
  check_error(h.post(base + "/ack", std::string(20000, '[') + std::string(20000, ']')), 400);
  // The alarm is still received, and the centre still answers.
  const answer a = h.post(base + "/ack", R"({"operator":"李明","note":"三楼 办公室 ✓"})");
  REQUIRE(a.status == 200);
  CHECK(a.content_type.rfind("application/json", 0) == 0);
  CHECK(a.body["acknowledged_by"] == "李明");
  CHECK(a.body["note"] == "三楼 办公室 ✓");
  CHECK(a.body["state"] == "acknowledged");
}

TEST_CASE("http - every invalid transition is a 409 naming the state") {
  http_centre h;
  const std::int64_t id = h.fire(0x703, 1);
  const std::string base = "/api/alarms/" + std::to_string(id);
  const auto conflict = [&](const std::string& action, const std::string& state) {
    const answer a = h.post(base + "/" + action, R"({"operator":"li"})");
    CHECK(a.status == 409);
    CHECK(a.body["state"] == state);
    CHECK(a.body["status"] == 409);
  };
  conflict("resolve", "received");
  conflict("false_alarm", "received");
  REQUIRE(h.post(base + "/ack", R"({"operator":"li"})").status == 200);
  conflict("ack", "acknowledged");
  REQUIRE(h.post(base + "/false_alarm", R"({"operator":"wang","note":"dust"})").status == 200);
  conflict("ack", "false_alarm");
  conflict("resolve", "false_alarm");
  conflict("false_alarm", "false_alarm");
  const answer f = h.get("/api/alarms?state=false_alarm");
  REQUIRE(f.body["alarms"].size() == 1);
  CHECK(f.body["alarms"][0]["closed_by"] == "wang");
  CHECK(f.body["alarms"][0]["acknowledged_by"] == "li");
  CHECK(f.body["alarms"][0]["note"] == "dust");
  // The device's fire is still set: a new message repeating it opens no new alarm; the alarm
  // list shows none active.
  CHECK(h.get("/api/alarms").body["alarms"].empty());
}

TEST_CASE("store - sqlite - a full disk fails the message with a message, not a crash") {
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);
  // The database may not grow: SQLITE_FULL, as on a full disk.
  const std::int64_t pages = fc::as_int(s->db().query("PRAGMA page_count").rows.at(0).at(0));
  s->db().query("PRAGMA max_page_count = " + std::to_string(pages));
  std::vector<fc::inbound> msgs;
  for (std::uint16_t i = 1; i <= 200; ++i) {
    fc::inbound m;
    m.connection = 1;
    m.token = i;
    m.received_us = fc::now_us();
    m.hdr.serial = i;
    m.hdr.source = 0x800 + i;
    m.hdr.destination = 1;
    m.hdr.cmd = gb::command::send_data;
    m.hdr.time = tag(i % 60);
    m.adu = component_status_adu(i, 0x0003, i % 60);
    m.frame = gb::encode_frame(m.hdr, firebus::byte_view(m.adu));
    m.adu_hash = fc::duplicate_hash(m.hdr, m.adu);
    msgs.push_back(std::move(m));
  }
  std::vector<const fc::inbound*> batch;
  for (const auto& m : msgs) batch.push_back(&m);
  const std::vector<fc::ingest_outcome> out = s->ingest(batch);
  std::size_t failed = 0;
  for (const auto& o2 : out) {
    if (o2.st == fc::ingest_outcome::status::failed) {
      ++failed;
      INFO(o2.error);
      CHECK(o2.error.find("full") != std::string::npos);
    }
  }
  CHECK(failed > 0);
  // Nothing half-stored: a failed message has no frame row.
  const std::int64_t frames = fc::as_int(s->db().query("SELECT COUNT(*) FROM frames").rows[0][0]);
  CHECK(frames == static_cast<std::int64_t>(out.size() - failed));
}

TEST_CASE("process - sqlite - a database locked by another process delays the confirm") {
  http_centre h;
  // Another process's writer (here: another connection) holds the database for 2 s.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open((h.dir.path + "/centre.sqlite").c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  {
    raw_uitd u(h.c->port());
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(u.send_confirmed(frame(0x704, 1, component_status_adu(1, 0x0003, 1), 1), 1));
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(1500));
  }
  release.join();
  sqlite3_close(other);
  CHECK(eventually([&] { return h.c->stats().stored == 1; }));  // counted after the confirm
  CHECK(h.c->stats().failed == 0);
}

TEST_CASE("http - postgresql - two centres race on one alarm: one wins, the other gets 409") {
  std::string why;
  pg_server* pg = pg_server::shared(why);
  if (pg == nullptr) {
    MESSAGE("SKIPPED: no PostgreSQL server: " << why);
    return;
  }
  const std::string ci = pg->create_database("http_race");
  http_centre a(ci, "A");
  http_centre b(ci, "B");
  std::vector<std::int64_t> ids;
  for (std::uint32_t p = 1; p <= 8; ++p)
    ids.push_back(a.fire(0x705, p, static_cast<std::uint16_t>(p)));
  for (const char* action : {"ack", "resolve"}) {
    for (const std::int64_t id : ids) {
      const std::string path = "/api/alarms/" + std::to_string(id) + "/" + action;
      int sa = 0, sb = 0;
      std::thread ta([&] { sa = a.post(path, R"({"operator":"li"})").status; });
      std::thread tb([&] { sb = b.post(path, R"({"operator":"王"})").status; });
      ta.join();
      tb.join();
      CHECK(((sa == 200 && sb == 409) || (sa == 409 && sb == 200)));
    }
  }
  CHECK(b.get("/api/alarms").body["alarms"].empty());
  CHECK(b.get("/api/alarms?state=resolved").body["alarms"].size() == ids.size());
  // UTF-8 round trip through PostgreSQL; a NUL refused rather than cut.
  const std::int64_t id = b.fire(0x706, 1);
  check_error(b.post("/api/alarms/" + std::to_string(id) + "/ack", R"({"operator":"li\u0000x"})"),
              400);
  const answer ok = b.post("/api/alarms/" + std::to_string(id) + "/ack", R"({"operator":"李明"})");
  CHECK(ok.status == 200);
  CHECK(a.get("/api/alarms/").status == 404);
  CHECK(a.get("/api/alarms").body["alarms"][0]["acknowledged_by"] == "李明");
}

TEST_CASE("http - postgresql - the API and the store survive their sessions being terminated") {
  std::string why;
  pg_server* pg = pg_server::shared(why);
  if (pg == nullptr) {
    MESSAGE("SKIPPED: no PostgreSQL server: " << why);
    return;
  }
  const std::string ci = pg->create_database("pg_lost");
  http_centre h(ci, "A");
  h.fire(0x707, 1, 1);
  // What a PostgreSQL restart does to the centre's sessions.
  pg->exec("postgres",
           "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'pg_lost'");
  // The API reconnects: no 503 while the database answers.
  CHECK(h.get("/healthz").status == 200);
  CHECK(h.get("/api/alarms").status == 200);
  {
    raw_uitd u(h.c->port());
    CHECK(u.send_confirmed(frame(0x707, 2, component_status_adu(2, 0x0003, 2), 2), 2));
  }
  pg->exec("postgres",
           "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'pg_lost'");
  const answer a = h.get("/api/alarms");
  CHECK(a.status == 200);
  CHECK(a.body["alarms"].size() == 2);
  CHECK(h.c->stats().failed == 0);
}

TEST_CASE("cli - option values out of range exit with 2") {
  const std::string bin = FIREBUS_CENTRE_BIN;
  firebus_test::temp_dir dir;
  const std::string db = dir.path + "/c.sqlite";
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--rate-limit", "100000"},
        std::vector<std::string>{"--rate-limit", "0"},
        std::vector<std::string>{"--max-connections", "0"},
        std::vector<std::string>{"--workers", "-1"},
        std::vector<std::string>{"--listen", "127.0.0.1:65536"},
        std::vector<std::string>{"--http", "127.0.0.1:-1"},
        std::vector<std::string>{"--dedup-window", "0s"}}) {
    std::vector<std::string> argv{bin, "--address", "1", "--listen", "127.0.0.1:0", "--db", db};
    argv.insert(argv.end(), extra.begin(), extra.end());
    INFO(extra[0] << " " << extra[1]);
    child c(argv);
    CHECK(c.wait() == 2);
  }
}

TEST_CASE(
    "process - postgresql - a fire sent while the database restarts is confirmed, not denied") {
  if (pg_server::bin_dir().empty()) {
    MESSAGE("SKIPPED: no PostgreSQL server binaries");
    return;
  }
  pg_server own;  // restarted below: not the shared one
  const std::string ci = own.create_database("restart");
  http_centre h(ci, "A");
  h.fire(0x708, 1, 1);
  raw_uitd u(h.c->port());
  REQUIRE(u.send_confirmed(frame(0x708, 2, analog_adu(2, 20, 2), 2), 2));
  // The database goes down for 2 s; a fire arrives meanwhile.
  std::thread restart([&] { own.restart(std::chrono::seconds(2)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  u.send(frame(0x708, 3, component_status_adu(3, 0x0003, 3), 3));
  gb::command cmd{};
  std::uint16_t serial = 0;
  const bool answered = u.answer(cmd, serial, std::chrono::seconds(30));
  restart.join();
  REQUIRE(answered);
  CHECK(serial == 3);
  CHECK(cmd == gb::command::confirm);  // withheld until stored, then confirmed
  // Stored exactly once, with its alarm; the API answers after the restart.
  const answer a = h.get("/api/alarms");
  CHECK(a.status == 200);
  CHECK(a.body["alarms"].size() == 2);
  CHECK(h.c->stats().failed == 0);
  REQUIRE(u.send_confirmed(frame(0x708, 4, analog_adu(4, 21, 4), 4), 4));
  CHECK(h.get("/api/units/000000000708/history").body["events"].size() == 4);
}

TEST_CASE("process - sqlite - a UITD that sends without waiting holds at most 64 messages queued") {
  http_centre h;
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open((h.dir.path + "/centre.sqlite").c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  raw_uitd u(h.c->port());
  for (std::uint16_t s = 1; s <= 100; ++s) {
    u.send(frame(0x709, s, analog_adu(s, static_cast<std::int16_t>(s), s % 60), s % 60));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::string metrics = h.c->metrics_text();
  const auto at = metrics.find("\nfirebus_centre_queue_depth ");
  REQUIRE(at != std::string::npos);
  const long depth = std::strtol(metrics.c_str() + at + 28, nullptr, 10);
  CHECK(depth <= 64);
  sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  // What was held is confirmed; the rest is sent again (as a UITD does after its timeout).
  std::set<std::uint16_t> confirmed;
  gb::command cmd{};
  std::uint16_t serial = 0;
  while (u.answer(cmd, serial, std::chrono::seconds(3))) {
    if (cmd == gb::command::confirm) confirmed.insert(serial);
  }
  for (std::uint16_t s = 1; s <= 100; ++s) {
    if (confirmed.count(s) != 0) continue;
    CHECK(u.send_confirmed(frame(0x709, s, analog_adu(s, static_cast<std::int16_t>(s), s % 60), 59),
                           s));
  }
  CHECK(h.get("/api/units/000000000709/history?limit=200").body["events"].size() == 100);
}

TEST_CASE(
    "mqtt - two centres on one broker keep their sessions, and a broker outage loses nothing") {
  firebus_test::broker_config bc;
  bc.persistence = true;  // the subscriber's session survives the outage below
  firebus_test::mosquitto_broker broker(bc);
  firebus_test::temp_dir dir;
  const auto make = [&](const std::string& name) {
    fc::centre_config cfg;
    cfg.listen_port = 0;
    cfg.store.sqlite_path = dir.path + "/" + name + ".sqlite";
    cfg.store.centre_name = name;
    cfg.out = nullptr;
    fc::mqtt_settings ms;
    ms.port = broker.port();
    ms.journal_path = dir.path + "/" + name + "-mqtt.db";
    cfg.mqtt = ms;
    auto c = std::make_unique<fc::centre>(cfg);
    c->start();
    return c;
  };
  // Two processes of one host, or in two containers whose processes all have pid 1: the same
  // pid. Each needs its own MQTT client id, or the broker closes one session for the other.
  std::unique_ptr<fc::centre> a = make("A");
  std::unique_ptr<fc::centre> b = make("B");

  asio::io_context io;
  firebus::mqtt::client_options co;
  co.port = broker.port();
  co.client_id = "centre-test-sub2";
  co.clean_session = false;  // the subscription survives the broker outage below
  firebus::mqtt::client sub(io, co);
  std::mutex mutex;
  std::vector<fc::json> got;
  std::atomic<bool> up{false};
  sub.on_message([&](const firebus::mqtt::message& m) {
    std::lock_guard<std::mutex> lock(mutex);
    got.push_back(fc::json::parse(m.payload.begin(), m.payload.end()));
  });
  sub.on_connection([&](const firebus::mqtt::connection_event& e) { up = e.up; });
  std::error_code ec;
  sub.subscribe("firebus/centre/#", 1, ec);
  sub.start();
  std::thread t([&] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });
  REQUIRE(eventually([&] { return up.load(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  {
    raw_uitd u(a->port());
    REQUIRE(u.send_confirmed(frame(0x710, 1, component_status_adu(1, 0x0003, 1), 1), 1));
  }
  {
    raw_uitd u(b->port());
    REQUIRE(u.send_confirmed(frame(0x711, 1, component_status_adu(1, 0x0003, 1), 1), 1));
  }
  const auto count = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return got.size();
  };
  REQUIRE(eventually([&] { return count() >= 2; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(broker.log().find("already connected") == std::string::npos);

  // The broker is down while a fire and a temperature are stored: both arrive after it is back.
  broker.stop(SIGTERM);
  {
    raw_uitd u(a->port());
    REQUIRE(u.send_confirmed(frame(0x710, 2, analog_adu(2, 215, 2), 2), 2));
    REQUIRE(u.send_confirmed(frame(0x710, 3, component_status_adu(3, 0x0003, 3), 3), 3));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  broker.start();
  REQUIRE(eventually([&] { return count() >= 4; }, std::chrono::seconds(60)));
  {
    std::lock_guard<std::mutex> lock(mutex);
    std::set<std::string> keys;
    for (const auto& j : got) keys.insert(j["key"].get<std::string>());
    CHECK(keys.size() == 4);
  }
  CHECK(a->stats().mqtt_refused == 0);
  sub.stop();
  io.stop();
  t.join();
  a->stop();
  b->stop();
}
