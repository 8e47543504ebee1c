// firebus — fire-safety IoT SDK.
// firebus-centre end to end: the real process with UITDs (gb26875::client and raw sockets), its
// HTTP API, two processes sharing one PostgreSQL database, the MQTT republish, the command line.
#include <httplib.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/mqtt_client.hpp>

#include "centre.hpp"
#include "centre_test_util.hpp"
#include "store.hpp"

namespace fc = firebus_centre;
using namespace centre_test;

namespace {

const std::string centre_bin = FIREBUS_CENTRE_BIN;

// Starts firebus-centre with `args` (plus --json --listen 127.0.0.1:0) and waits for its
// "listening" line.
struct centre_process {
  std::unique_ptr<child> proc;
  fc::json listening;
  std::uint16_t port = 0;
  std::uint16_t http_port = 0;

  explicit centre_process(std::vector<std::string> args) {
    args.insert(args.begin(),
                {centre_bin, "--json", "--listen", "127.0.0.1:0", "--address", "0x000000000001"});
    proc = std::make_unique<child>(args);
    const std::string line = proc->wait_line(
        [](const std::string& l) { return l.find("\"listening\"") != std::string::npos; });
    REQUIRE_MESSAGE(!line.empty(), "firebus-centre did not start");
    listening = fc::json::parse(line);
    port = listening["port"].get<std::uint16_t>();
    if (listening.contains("http_port")) http_port = listening["http_port"].get<std::uint16_t>();
  }
  // SIGTERM; the exit code.
  int stop() {
    proc->signal(SIGTERM);
    return proc->wait();
  }
  std::size_t count_lines(const std::string& needle) {
    std::size_t n = 0;
    for (const std::string& l : proc->lines()) n += l.find(needle) != std::string::npos ? 1 : 0;
    return n;
  }
};

// UITDs on gb26875::client, each submitting its messages; all on one io_context thread.
struct uitd_fleet {
  asio::io_context io;
  std::vector<std::unique_ptr<gb::client>> clients;
  std::vector<std::unique_ptr<std::atomic<int>>> delivered;
  std::atomic<int> failed{0};
  std::thread thread;

  void add(std::uint64_t address, std::uint16_t port) {
    gb::client_config cfg;
    cfg.session.address = address;
    cfg.session.centre_address = 1;
    cfg.session.backoff_initial = std::chrono::milliseconds(200);
    cfg.session.backoff_max = std::chrono::seconds(2);
    cfg.port = port;
    clients.push_back(std::make_unique<gb::client>(io, cfg));
    delivered.push_back(std::make_unique<std::atomic<int>>(0));
    std::atomic<int>* d = delivered.back().get();
    clients.back()->on_delivered([d](std::uint64_t, int, firebus::duration) { ++*d; });
    clients.back()->on_failed([this](std::uint64_t, std::error_code) { ++failed; });
  }
  void start() {
    for (auto& c : clients) c->start();
    thread = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run();
    });
  }
  int total() const {
    int n = 0;
    for (const auto& d : delivered) n += d->load();
    return n;
  }
  ~uitd_fleet() {
    for (auto& c : clients) c->stop();
    io.stop();
    if (thread.joinable()) thread.join();
    clients.clear();
  }
};

// Message `i` of a UITD: fire on and off for even i, temperatures for odd i; all distinct.
gb::adu fleet_adu(int i) {
  std::error_code ec;
  const std::vector<std::uint8_t> bytes =
      i % 2 == 0 ? component_status_adu(static_cast<std::uint32_t>(i % 5),
                                        (i / 2) % 2 == 0 ? 0x0003 : 0x0001, i)
                 : analog_adu(static_cast<std::uint32_t>(i % 5), static_cast<std::int16_t>(i), i);
  // Views into `bytes` are copied by submit() (encode), so keep them alive across it.
  static thread_local std::vector<std::uint8_t> keep;
  keep = bytes;
  return gb::decode_adu(keep, ec);
}

std::int64_t pg_count(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  std::int64_t n = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
    n = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
  }
  PQclear(r);
  PQfinish(c);
  return n;
}

}  // namespace

TEST_CASE("cli - bad arguments exit with 2 and an unusable database with 1") {
  {
    child c({centre_bin});
    CHECK(c.wait() == 2);
  }
  {
    child c({centre_bin, "--address", "1", "--listen", "nowhere"});
    CHECK(c.wait() == 2);
  }
  {
    child c({centre_bin, "--address", "0x1000000000000"});
    CHECK(c.wait() == 2);
  }
  {
    child c({centre_bin, "--address", "1", "--frobnicate"});
    CHECK(c.wait() == 2);
  }
  {
    child c({centre_bin, "--address", "1", "--listen", "127.0.0.1:0", "--db",
             "/nonexistent-dir/x/centre.sqlite"});
    CHECK(c.wait() == 1);
  }
}

TEST_CASE("process - sqlite - UITDs confirmed after the commit and the HTTP API round trip") {
  firebus_test::temp_dir dir;
  const std::string db = dir.path + "/centre.sqlite";
  centre_process centre({"--db", db, "--http", "127.0.0.1:0"});
  REQUIRE(centre.http_port != 0);

  // Three UITDs on gb26875::client, 20 messages each.
  constexpr int per_uitd = 20;
  {
    uitd_fleet fleet;
    for (std::uint64_t a = 0x201; a <= 0x203; ++a) fleet.add(a, centre.port);
    fleet.start();
    for (auto& c : fleet.clients) {
      for (int i = 0; i < per_uitd; ++i) {
        std::error_code ec;
        c->submit(fleet_adu(i), ec);
        REQUIRE_FALSE(ec);
      }
    }
    REQUIRE(eventually([&] { return fleet.total() == 3 * per_uitd; }, std::chrono::seconds(120)));
    CHECK(fleet.failed == 0);
  }
  // Confirmed means committed: the rows are there.
  fc::store_options so;
  so.sqlite_path = db;
  std::unique_ptr<fc::store> s = fc::store::open(so);
  auto count = [&](const std::string& sql) { return fc::as_int(s->db().query(sql).rows[0][0]); };
  CHECK(count("SELECT COUNT(*) FROM units") == 3);
  CHECK(count("SELECT COUNT(*) FROM frames") == 3 * per_uitd);
  CHECK(count("SELECT COUNT(*) FROM events") == 3 * per_uitd);
  CHECK(count("SELECT COUNT(*) FROM (SELECT uitd_address, serial FROM frames GROUP BY 1, 2 "
              "HAVING COUNT(*) > 1)") == 0);
  // Fire on (i = 0, 4, 8, ...) and off (2, 6, ...) on points 0..4: alarms opened on transitions.
  CHECK(count("SELECT COUNT(*) FROM alarms WHERE kind = 'fire'") > 0);
  CHECK(centre.count_lines("\"type\":\"event\"") == 3 * per_uitd);

  // A raw UITD: a fire alarm, then its resend on a new connection (same serial, new time tag).
  {
    raw_uitd u(centre.port);
    REQUIRE(u.send_confirmed(frame(0x300, 1, component_status_adu(1, 0x0003, 5), 5), 1));
  }
  {
    raw_uitd u(centre.port);
    REQUIRE(u.send_confirmed(frame(0x300, 1, component_status_adu(1, 0x0003, 5), 9), 1));
    REQUIRE(u.send_confirmed(frame(0x300, 2, analog_adu(1, 250, 6), 10), 2));
  }
  CHECK(count("SELECT COUNT(*) FROM frames WHERE uitd_address = 768") == 2);
  CHECK(count("SELECT SUM(duplicates) FROM frame_keys WHERE uitd_address = 768") == 1);
  CHECK(centre.count_lines("\"type\":\"duplicate\"") == 1);

  // HTTP: the alarm list, operator actions and their checks.
  httplib::Client http("127.0.0.1", centre.http_port);
  http.set_read_timeout(30, 0);
  auto get = [&](const std::string& path) {
    auto r = http.Get(path.c_str());
    REQUIRE(r);
    return std::make_pair(r->status, fc::json::parse(r->body, nullptr, false));
  };
  auto post = [&](const std::string& path, const std::string& body) {
    auto r = http.Post(path.c_str(), body, "application/json");
    REQUIRE(r);
    return std::make_pair(r->status, fc::json::parse(r->body, nullptr, false));
  };
  CHECK(get("/healthz").first == 200);
  auto [st, alarms] = get("/api/alarms");
  REQUIRE(st == 200);
  std::int64_t fire_id = 0;
  for (const auto& a : alarms["alarms"]) {
    if (a["uitd"] == "000000000300" && a["kind"] == "fire") fire_id = a["id"].get<std::int64_t>();
  }
  REQUIRE(fire_id != 0);
  const std::string base = "/api/alarms/" + std::to_string(fire_id);
  auto r = post(base + "/resolve", R"({"operator": "li"})");
  CHECK(r.first == 409);
  CHECK(r.second["state"] == "received");
  CHECK(post(base + "/ack", R"({"note": "no operator"})").first == 400);
  CHECK(post(base + "/ack", "not json").first == 400);
  r = post(base + "/ack", R"({"operator": "li", "note": "on my way"})");
  CHECK(r.first == 200);
  CHECK(r.second["state"] == "acknowledged");
  CHECK(r.second["acknowledged_by"] == "li");
  CHECK(post(base + "/ack", R"({"operator": "wang"})").first == 409);
  r = post(base + "/resolve", R"({"operator": "li", "note": "smoke from cooking"})");
  CHECK(r.first == 200);
  CHECK(r.second["state"] == "resolved");
  CHECK(post("/api/alarms/99999999/ack", R"({"operator": "li"})").first == 404);
  const fc::json active = get("/api/alarms").second;
  REQUIRE(active["alarms"].is_array());
  for (const auto& a : active["alarms"]) CHECK(a["id"] != fire_id);
  const fc::json resolved = get("/api/alarms?state=resolved").second;
  REQUIRE(resolved["alarms"].size() == 1);
  CHECK(resolved["alarms"][0]["id"] == fire_id);
  CHECK(resolved["alarms"][0]["closed_by"] == "li");
  CHECK(resolved["alarms"][0]["note"] == "smoke from cooking");
  CHECK(get("/api/alarms?state=bogus").first == 400);
  auto units = get("/api/units");
  CHECK(units.first == 200);
  CHECK(units.second["units"].size() == 4);
  auto h = get("/api/units/000000000300/history?limit=1");
  REQUIRE(h.first == 200);
  REQUIRE(h.second["events"].size() == 1);
  CHECK(h.second["events"][0]["kind"] == "component_analog");  // newest first
  CHECK(get("/api/units/000000000999/history").first == 404);
  CHECK(get("/api/units/000000000300/history?limit=0").first == 400);
  auto nope = get("/api/nothing");
  CHECK(nope.first == 404);
  CHECK(nope.second.contains("error"));
  auto m = http.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("firebus_centre_stored_messages_total 62") != std::string::npos);
  CHECK(m->body.find("firebus_centre_duplicates_total{layer=\"store\"} 1") != std::string::npos);

  CHECK(centre.stop() == 0);
  CHECK(centre.count_lines("\"type\":\"stopped\"") == 1);
}

TEST_CASE("process - postgresql - two centres share one database and a UITD switches centre") {
  std::string why;
  pg_server* pg = pg_server::shared(why);
  if (pg == nullptr) {
    MESSAGE("SKIPPED: no PostgreSQL server: " << why);
    return;
  }
  const std::string ci = pg->create_database("two_centres");
  // Both start at once on an empty database (schema creation races too).
  std::unique_ptr<centre_process> a, b;
  std::thread ta([&] {
    a = std::make_unique<centre_process>(
        std::vector<std::string>{"--pg", ci, "--name", "A", "--workers", "2"});
  });
  std::thread tb([&] {
    b = std::make_unique<centre_process>(
        std::vector<std::string>{"--pg", ci, "--name", "B", "--workers", "2"});
  });
  ta.join();
  tb.join();
  REQUIRE(a);
  REQUIRE(b);

  constexpr int uitds = 6;
  constexpr int per_uitd = 25;
  uitd_fleet fleet;
  for (int i = 0; i < uitds; ++i)
    fleet.add(0x400 + static_cast<std::uint64_t>(i), i < 3 ? a->port : b->port);
  fleet.start();
  for (auto& c : fleet.clients) {
    for (int i = 0; i < per_uitd; ++i) {
      std::error_code ec;
      c->submit(fleet_adu(i), ec);
      REQUIRE_FALSE(ec);
    }
  }

  // Meanwhile a UITD talks to A, loses its link before the confirm of its 6th message (A stored
  // it), and sends that message again to B, with the same serial number and a new time tag.
  constexpr std::uint64_t switcher = 0x500;
  {
    raw_uitd u(a->port);
    for (std::uint16_t s = 1; s <= 5; ++s) {
      REQUIRE(u.send_confirmed(
          frame(switcher, s, analog_adu(s, static_cast<std::int16_t>(s), s), s), s));
    }
    u.send(frame(switcher, 6, component_status_adu(6, 0x0003, 6), 6));
    REQUIRE(eventually([&] {
      return pg_count(ci, "SELECT COUNT(*) FROM frames WHERE uitd_address = 1280 AND serial = 6") ==
             1;
    }));
    // Closed without reading the confirm.
  }
  {
    raw_uitd u(b->port);
    REQUIRE(u.send_confirmed(frame(switcher, 6, component_status_adu(6, 0x0003, 6), 40), 6));
    REQUIRE(u.send_confirmed(frame(switcher, 7, analog_adu(7, 7, 7), 41), 7));
  }

  REQUIRE(eventually([&] { return fleet.total() == uitds * per_uitd; }, std::chrono::seconds(180)));
  CHECK(fleet.failed == 0);

  const int expected = uitds * per_uitd + 7;
  CHECK(pg_count(ci, "SELECT COUNT(*) FROM frames") == expected);
  CHECK(pg_count(ci, "SELECT COUNT(*) FROM events") == expected);
  CHECK(pg_count(ci,
                 "SELECT COUNT(*) FROM (SELECT uitd_address, serial FROM frames GROUP BY 1, 2 "
                 "HAVING COUNT(*) > 1) d") == 0);
  for (int i = 0; i < uitds; ++i) {
    CHECK(pg_count(ci, "SELECT COUNT(DISTINCT serial) FROM frames WHERE uitd_address = " +
                           std::to_string(0x400 + i)) == per_uitd);
  }
  CHECK(pg_count(ci, "SELECT COUNT(*) FROM frames WHERE uitd_address = 1280") == 7);
  CHECK(pg_count(ci, "SELECT SUM(duplicates) FROM frame_keys WHERE uitd_address = 1280") == 1);
  // The switcher's fire alarm: one alarm, stored by A.
  CHECK(pg_count(ci,
                 "SELECT COUNT(*) FROM alarms a JOIN units u ON u.id = a.unit_id WHERE "
                 "u.uitd_address = 1280") == 1);
  CHECK(pg_count(ci, "SELECT COUNT(*) FROM frames WHERE centre = 'A'") == 3 * per_uitd + 6);
  CHECK(pg_count(ci, "SELECT COUNT(*) FROM frames WHERE centre = 'B'") == 3 * per_uitd + 1);
  CHECK(b->count_lines("\"type\":\"duplicate\"") == 1);
  CHECK(a->stop() == 0);
  CHECK(b->stop() == 0);
}

TEST_CASE("mqtt - stored events are republished as JSON but duplicates are not") {
  firebus_test::mosquitto_broker broker;
  firebus_test::temp_dir dir;
  fc::centre_config cfg;
  cfg.listen_port = 0;
  cfg.store.sqlite_path = dir.path + "/centre.sqlite";
  cfg.out = nullptr;
  fc::mqtt_settings ms;
  ms.port = broker.port();
  ms.journal_path = dir.path + "/mqtt.db";
  cfg.mqtt = ms;
  fc::centre centre(cfg);
  centre.start();

  asio::io_context io;
  firebus::mqtt::client_options co;
  co.port = broker.port();
  co.client_id = "centre-test-sub";
  firebus::mqtt::client sub(io, co);
  std::mutex mutex;
  std::vector<firebus::mqtt::message> got;
  std::atomic<bool> subscribed{false};
  sub.on_message([&](const firebus::mqtt::message& m) {
    std::lock_guard<std::mutex> lock(mutex);
    got.push_back(m);
  });
  sub.on_connection([&](const firebus::mqtt::connection_event& e) {
    if (e.up) subscribed = true;
  });
  std::error_code ec;
  sub.subscribe("firebus/centre/#", 1, ec);
  sub.start();
  std::thread t([&] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });
  REQUIRE(eventually([&] { return subscribed.load(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // SUBACK

  {
    raw_uitd u(centre.port());
    REQUIRE(u.send_confirmed(frame(0x600, 1, component_status_adu(3, 0x0003, 1), 1), 1));
  }
  {
    raw_uitd u(centre.port());  // the resend: confirmed, not republished
    REQUIRE(u.send_confirmed(frame(0x600, 1, component_status_adu(3, 0x0003, 1), 2), 1));
    REQUIRE(u.send_confirmed(frame(0x600, 2, analog_adu(3, 200, 2), 3), 2));
  }
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return got.size() >= 2;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    std::lock_guard<std::mutex> lock(mutex);
    REQUIRE(got.size() == 2);
    std::set<std::string> kinds;
    for (const auto& m : got) {
      CHECK(m.topic == "firebus/centre/000000000600/events");
      const fc::json j = fc::json::parse(m.payload.begin(), m.payload.end());
      kinds.insert(j["kind"].get<std::string>());
      if (j["kind"] == "component_status") {
        REQUIRE(j.contains("alarms_opened"));
        CHECK(j["alarms_opened"][0]["kind"] == "fire");
        CHECK(j["status_names"] == "fire_alarm");
        // UITD address / ADU hash / object index: no serial (docs/centre.md, "Duplicates").
        const std::string key = j["key"].get<std::string>();
        CHECK(key.rfind("000000000600/", 0) == 0);
        CHECK(key.size() == std::string("000000000600/").size() + 16 + 2);
      }
    }
    CHECK(kinds == std::set<std::string>{"component_status", "component_analog"});
  }
  CHECK(centre.stats().mqtt_queued == 2);
  sub.stop();
  io.stop();
  t.join();
  centre.stop();
}
