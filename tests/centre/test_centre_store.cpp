// firebus — fire-safety IoT SDK.
// The centre's store on SQLite and on a real PostgreSQL server: schema, ingest, duplicates,
// alarm lifecycle.
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include <doctest/doctest.h>

#include "centre_test_util.hpp"
#include "store.hpp"

namespace fc = firebus_centre;
using namespace centre_test;

namespace {

constexpr std::uint64_t uitd = 0x0000'1234'5678;

fc::inbound message(std::uint16_t serial, std::vector<std::uint8_t> adu, int frame_second,
                    fc::micros received = fc::now_us()) {
  fc::inbound m;
  m.connection = 7;
  m.token = 1;
  m.peer = "127.0.0.1:40000";
  m.received_us = received;
  m.hdr.serial = serial;
  m.hdr.source = uitd;
  m.hdr.destination = 1;
  m.hdr.cmd = gb::command::send_data;
  m.hdr.time = tag(frame_second);
  m.adu = std::move(adu);
  m.frame = gb::encode_frame(m.hdr, firebus::byte_view(m.adu));
  m.adu_hash = fc::duplicate_hash(m.hdr, m.adu);
  return m;
}

fc::ingest_outcome ingest(fc::store& s, const fc::inbound& m) {
  std::vector<fc::ingest_outcome> out = s.ingest({&m});
  REQUIRE(out.size() == 1);
  return out[0];
}

std::int64_t count(fc::store& s, const std::string& sql) {
  return fc::as_int(s.db().query(sql).rows.at(0).at(0));
}

// The body shared by both databases.
void store_behaviour(const fc::store_options& o) {
  std::unique_ptr<fc::store> s = fc::store::open(o);

  // A fire alarm of one detector: unit, device, frame (raw bytes kept), event, alarm.
  const fc::inbound fire = message(1, component_status_adu(7, 0x0003, 10), 10);
  fc::ingest_outcome r = ingest(*s, fire);
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].kind == "component_status");
  CHECK(r.events[0].status_names == std::optional<std::string>("fire_alarm"));
  CHECK(r.events[0].description == std::optional<std::string>("3F office"));
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fire);
  const std::int64_t alarm_id = r.events[0].alarms_opened[0].second;
  CHECK(count(*s, "SELECT COUNT(*) FROM units") == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM devices WHERE level = 'component'") == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM events") == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE state = 'received' AND kind = 'fire'") == 1);
  const fc::result raw = s->db().query("SELECT raw, serial, uitd_address FROM frames");
  REQUIRE(raw.rows.size() == 1);
  CHECK(std::get<fc::blob>(raw.rows[0][0]) == fire.frame);
  CHECK(fc::as_int(raw.rows[0][1]) == 1);
  CHECK(fc::as_int(raw.rows[0][2]) == static_cast<std::int64_t>(uitd));

  // The same message again (a resend: same serial and ADU, new frame time tag): a duplicate,
  // not stored twice, counted on its key.
  r = ingest(*s, message(1, component_status_adu(7, 0x0003, 10), 25));
  CHECK(r.st == fc::ingest_outcome::status::duplicate);
  CHECK(count(*s, "SELECT COUNT(*) FROM frames") == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM events") == 1);
  CHECK(count(*s, "SELECT duplicates FROM frame_keys") == 1);
  // The same report with another serial number (a firebus UITD resending from its journal after
  // its own restart): a duplicate as well.
  r = ingest(*s, message(900, component_status_adu(7, 0x0003, 10), 40));
  CHECK(r.st == fc::ingest_outcome::status::duplicate);
  CHECK(count(*s, "SELECT COUNT(*) FROM frames") == 1);
  CHECK(count(*s, "SELECT duplicates FROM frame_keys") == 2);
  // Same serial, other content: a new message (serial numbers wrap).
  r = ingest(*s, message(1, analog_adu(7, 215, 11), 26));
  CHECK(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].value.value_or(0) == doctest::Approx(21.5));
  CHECK(r.events[0].value_unit == std::optional<std::string>("°C"));
  // Still in fire: no second alarm.
  r = ingest(*s, message(2, component_status_adu(7, 0x0003, 12), 27));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  CHECK(r.events[0].alarms_opened.empty());
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms") == 1);

  // Lifecycle: received → acknowledged → resolved; anything else is refused.
  std::string state;
  CHECK(s->transition(alarm_id, "resolve", "li", "", &state) ==
        fc::transition_result::invalid_transition);
  CHECK(state == "received");
  CHECK(s->transition(alarm_id, "ack", "li", "on my way") == fc::transition_result::ok);
  CHECK(s->transition(alarm_id, "ack", "wang", "") == fc::transition_result::invalid_transition);
  CHECK(s->transition(999999, "ack", "li", "") == fc::transition_result::not_found);
  const fc::json acked = s->alarm(alarm_id);
  CHECK(acked["state"] == "acknowledged");
  CHECK(acked["acknowledged_by"] == "li");
  CHECK(acked["note"] == "on my way");
  CHECK(acked["uitd"] == "000012345678");

  // A status older than the device's current one arrives late (its UITD sent the fire first, as
  // GB 26875.1 wants): stored as history, marked superseded; the device keeps its fire status and
  // the fire alarm is not cleared (the status is older than the fire too: a fault of :09).
  r = ingest(*s, message(9, component_status_adu(7, 0x0005, 9), 28));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].superseded);
  CHECK(r.events[0].alarms_cleared.empty());
  CHECK(r.events[0].alarms_opened.empty());  // its fault bit opens nothing either
  CHECK(count(*s, "SELECT last_status FROM devices WHERE level = 'component'") == 0x0003);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE cleared_us IS NOT NULL") == 0);

  // The fire bit clears: recorded on the alarm, which stays open for the operator.
  r = ingest(*s, message(3, component_status_adu(7, 0x0001, 13), 28));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events[0].alarms_cleared.size() == 1);
  CHECK(r.events[0].alarms_cleared[0].second == alarm_id);
  const fc::json cleared = s->alarm(alarm_id);
  CHECK(cleared["state"] == "acknowledged");
  CHECK_FALSE(cleared["cleared_us"].is_null());
  CHECK(s->alarms("").size() == 1);

  CHECK(s->transition(alarm_id, "false_alarm", "li", "dust") == fc::transition_result::ok);
  CHECK(s->transition(alarm_id, "resolve", "li", "") == fc::transition_result::invalid_transition);
  CHECK(s->alarm(alarm_id)["state"] == "false_alarm");
  CHECK(s->alarm(alarm_id)["closed_by"] == "li");
  CHECK(s->alarms("").empty());
  CHECK(s->alarms("false_alarm").size() == 1);

  // Fire again: a new alarm; and a fault of another detector opens its own.
  r = ingest(*s, message(4, component_status_adu(7, 0x0003, 14), 29));
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].second != alarm_id);
  r = ingest(*s, message(5, component_status_adu(8, 0x0005, 15), 30));
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fault);
  CHECK(s->alarms("").size() == 2);

  // History: newest first, limited.
  const std::optional<fc::json> h = s->history(uitd, 2);
  REQUIRE(h.has_value());
  REQUIRE(h->size() == 2);
  CHECK((*h)[0]["serial"] == 5);
  CHECK((*h)[1]["serial"] == 4);
  CHECK_FALSE(s->history(0x42, 10).has_value());
  const fc::json units = s->units();
  REQUIRE(units.size() == 1);
  CHECK(units[0]["devices"] == 2);
  CHECK(units[0]["open_alarms"] == 2);

  // The duplicate window: a key older than the window is a new message again.
  fc::store_options short_window = o;
  short_window.dedup_window = std::chrono::seconds(60);
  std::unique_ptr<fc::store> s2 = fc::store::open(short_window);
  const fc::micros later = fc::now_us() + 120 * 1000000LL;
  r = ingest(*s2, message(1, component_status_adu(7, 0x0003, 10), 40, later));
  CHECK(r.st == fc::ingest_outcome::status::stored);
  r = ingest(*s2, message(1, component_status_adu(7, 0x0003, 10), 41, later + 1000));
  CHECK(r.st == fc::ingest_outcome::status::duplicate);

  // A batch: one transaction, each message on its own.
  const fc::inbound b1 = message(100, analog_adu(9, 1, 1), 50);
  const fc::inbound b2 = message(101, analog_adu(9, 2, 2), 50);
  const fc::inbound b3 = message(100, analog_adu(9, 1, 1), 51);  // duplicate of b1, same batch
  const std::vector<fc::ingest_outcome> batch = s->ingest({&b1, &b2, &b3});
  CHECK(batch[0].st == fc::ingest_outcome::status::stored);
  CHECK(batch[1].st == fc::ingest_outcome::status::stored);
  CHECK(batch[2].st == fc::ingest_outcome::status::duplicate);
}

}  // namespace

TEST_CASE("store - sqlite - schema and duplicates and alarm lifecycle") {
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  store_behaviour(o);
  struct stat st {};
  CHECK(::stat(o.sqlite_path.c_str(), &st) == 0);
  // Reopening an existing database keeps it (schema version checked, nothing recreated).
  std::unique_ptr<fc::store> again = fc::store::open(o);
  CHECK(fc::as_int(again->db().query("SELECT COUNT(*) FROM units").rows[0][0]) == 1);
  CHECK(fc::as_text(again->db().query("PRAGMA journal_mode").rows[0][0]) == "wal");
}

namespace {

// Two store sessions (as two centre processes have) on a new PostgreSQL database `name`; false
// (the test is skipped, with the reason) when no PostgreSQL server can be started.
bool two_pg_sessions(const char* name, std::unique_ptr<fc::store>& a,
                     std::unique_ptr<fc::store>& b) {
  std::string why;
  pg_server* pg = pg_server::shared(why);
  if (pg == nullptr) {
    MESSAGE("SKIPPED: no PostgreSQL server: " << why);
    return false;
  }
  fc::store_options o;
  o.pg_conninfo = pg->create_database(name);
  a = fc::store::open(o);
  b = fc::store::open(o);
  return true;
}

}  // namespace

TEST_CASE("store - postgresql - schema and duplicates and alarm lifecycle") {
  std::string why;
  pg_server* pg = pg_server::shared(why);
  if (pg == nullptr) {
    MESSAGE("SKIPPED: no PostgreSQL server: " << why);
    return;
  }
  fc::store_options o;
  o.pg_conninfo = pg->create_database("store_behaviour");
  store_behaviour(o);
}

TEST_CASE("store - postgresql - four sessions create the schema at once") {
  std::string why;
  pg_server* pg = pg_server::shared(why);
  if (pg == nullptr) {
    MESSAGE("SKIPPED: no PostgreSQL server: " << why);
    return;
  }
  fc::store_options o;
  o.pg_conninfo = pg->create_database("schema_race");
  // Connections on threads stand for processes here: each has its own session.
  std::vector<std::thread> t;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    t.emplace_back([&] {
      try {
        fc::store::open(o);
        ++ok;
      } catch (const std::exception& e) {
        MESSAGE(e.what());
      }
    });
  }
  for (auto& x : t) x.join();
  CHECK(ok == 4);
}

TEST_CASE("store - postgresql - one message stored by two sessions at once is stored once") {
  std::unique_ptr<fc::store> a, b;
  if (!two_pg_sessions("dup_race", a, b)) return;
  int stored = 0, duplicates = 0;
  for (std::uint16_t serial = 1; serial <= 40; ++serial) {
    const fc::inbound m1 = message(serial, component_status_adu(serial, 0x0003, serial), 1);
    const fc::inbound m2 = message(serial, component_status_adu(serial, 0x0003, serial), 2);
    fc::ingest_outcome ra, rb;
    std::thread ta([&] { ra = a->ingest({&m1})[0]; });
    std::thread tb([&] { rb = b->ingest({&m2})[0]; });
    ta.join();
    tb.join();
    for (const auto* r : {&ra, &rb}) {
      if (r->st == fc::ingest_outcome::status::stored) ++stored;
      if (r->st == fc::ingest_outcome::status::duplicate) ++duplicates;
    }
  }
  CHECK(stored == 40);
  CHECK(duplicates == 40);
  CHECK(fc::as_int(a->db().query("SELECT COUNT(*) FROM frames").rows[0][0]) == 40);
  CHECK(fc::as_int(a->db().query("SELECT COUNT(*) FROM alarms").rows[0][0]) == 40);
}

namespace {

// `m` as sent by another UITD.
fc::inbound from(std::uint64_t address, fc::inbound m) {
  m.hdr.source = address;
  m.frame = gb::encode_frame(m.hdr, firebus::byte_view(m.adu));
  return m;
}

}  // namespace

TEST_CASE("store - sqlite - a message that fails in a batch is rolled back alone") {
  // A batch is first stored without savepoints; when one message fails, the transaction is
  // rolled back and the batch stored again message by message. The ids of units learnt in the
  // rolled-back attempt must not be kept (the next unit would get the same id).
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);
  s->db().exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON frames WHEN NEW.serial = 666 "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  constexpr std::uint64_t x = 0x0000'0000'0a0a, y = 0x0000'0000'0b0b;
  const fc::inbound ok1 = message(1, analog_adu(1, 10, 1), 1);
  const fc::inbound bad = from(x, message(666, analog_adu(2, 20, 2), 2));
  const fc::inbound ok2 = message(2, component_status_adu(3, 0x0003, 3), 3);
  const std::vector<fc::ingest_outcome> out = s->ingest({&ok1, &bad, &ok2});
  REQUIRE(out.size() == 3);
  CHECK(out[0].st == fc::ingest_outcome::status::stored);
  CHECK(out[1].st == fc::ingest_outcome::status::failed);
  CHECK(out[1].error.find("refused by the test") != std::string::npos);
  CHECK(out[2].st == fc::ingest_outcome::status::stored);
  REQUIRE(out[2].events.size() == 1);
  CHECK(out[2].events[0].alarms_opened.size() == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM frames") == 2);
  CHECK(count(*s, "SELECT COUNT(*) FROM frame_keys") == 2);  // the failed one can come again
  CHECK(count(*s, "SELECT COUNT(*) FROM units") == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms") == 1);

  // Another new UITD takes the id the failed one had for a moment; then the failed message,
  // sent again, is stored under its own unit.
  const fc::inbound other = from(y, message(5, analog_adu(4, 40, 4), 4));
  CHECK(ingest(*s, other).st == fc::ingest_outcome::status::stored);
  s->db().exec("DROP TRIGGER refuse");
  CHECK(ingest(*s, bad).st == fc::ingest_outcome::status::stored);
  CHECK(count(*s, "SELECT COUNT(*) FROM units") == 3);
  CHECK(count(*s,
              "SELECT COUNT(*) FROM frames f JOIN units u ON u.id = f.unit_id "
              "WHERE f.uitd_address = u.uitd_address") == 4);
  CHECK(count(*s,
              "SELECT COUNT(*) FROM events e JOIN frames f ON f.id = e.frame_id "
              "WHERE e.unit_id = f.unit_id") == 4);
}

TEST_CASE("store - postgresql - two sessions change one device: the database decides its status") {
  // Each store remembers the ids of the units and devices it has seen, never their status: a
  // status stored through another session (another centre process) counts.
  std::unique_ptr<fc::store> a, b;
  if (!two_pg_sessions("two_sessions_one_device", a, b)) return;

  // A: fire at :10 (opens a fire alarm; A now knows the unit and the device).
  fc::ingest_outcome r = ingest(*a, message(1, component_status_adu(7, 0x0003, 10), 10));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.at(0).alarms_opened.size() == 1);
  const std::int64_t fire = r.events[0].alarms_opened[0].second;
  // B: normal at :12 (the fire bit clears on the alarm).
  r = ingest(*b, message(2, component_status_adu(7, 0x0001, 12), 12));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.at(0).alarms_cleared.size() == 1);
  CHECK(r.events[0].alarms_cleared[0].second == fire);
  // A: a fault of :11 arrives late: older than B's status, so superseded.
  r = ingest(*a, message(3, component_status_adu(7, 0x0005, 11), 13));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  CHECK(r.events.at(0).superseded);
  CHECK(r.events[0].alarms_opened.empty());
  // A: fire again at :14: the device was normal (B's status), so a new fire alarm opens.
  r = ingest(*a, message(4, component_status_adu(7, 0x0003, 14), 14));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.at(0).alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].second != fire);
  CHECK(count(*a, "SELECT COUNT(*) FROM units") == 1);
  CHECK(count(*a, "SELECT COUNT(*) FROM devices") == 1);
  CHECK(count(*a, "SELECT last_status FROM devices") == 0x0003);
  CHECK(count(*a, "SELECT COUNT(*) FROM alarms WHERE kind = 'fire'") == 2);
  CHECK(count(*a, "SELECT COUNT(*) FROM alarms WHERE kind = 'fault'") == 0);
  // B, which knows the device too now: normal at :15 clears the second fire.
  r = ingest(*b, message(5, component_status_adu(7, 0x0001, 15), 15));
  REQUIRE(r.events.at(0).alarms_cleared.size() == 1);
  CHECK(r.events[0].alarms_cleared[0].second != fire);
}

TEST_CASE("store - sqlite - a late status between two fires: the fire fell and rose, two alarms") {
  // After an outage a UITD sends fire first (GB 26875.1): a fire of :10 that ended at :11 and
  // came back at :12 arrives as fire :10, fire :12, then the :11 status without fire, late. By
  // their time tags the device had two fires: the first alarm ends with the late status, the
  // second fire gets an alarm of its own (found by a chaos soak: a centre whose operator had
  // resolved the first fire had no open alarm during the second).
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);
  fc::ingest_outcome r = ingest(*s, message(1, component_status_adu(7, 0x0003, 10), 20));
  REQUIRE(r.events.at(0).alarms_opened.size() == 1);
  const std::int64_t first = r.events[0].alarms_opened[0].second;
  r = ingest(*s, message(2, component_status_adu(7, 0x0003, 12), 21));
  CHECK(r.events.at(0).alarms_opened.empty());  // in order, nothing tells it is a new fire yet
  r = ingest(*s, message(3, component_status_adu(7, 0x0001, 11), 22));
  REQUIRE(r.events.at(0).superseded);
  REQUIRE(r.events[0].alarms_cleared.size() == 1);
  CHECK(r.events[0].alarms_cleared[0].second == first);
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  const std::int64_t second = r.events[0].alarms_opened[0].second;
  CHECK(second != first);
  CHECK(s->alarm(second)["event_time"] ==
        s->alarm(first)["event_time"].get<std::string>().replace(17, 2, "12"));
  CHECK(count(*s, "SELECT last_status FROM devices WHERE level = 'component'") == 0x0003);
  // The same late status again (another message): nothing more.
  r = ingest(*s, message(4, component_status_adu(7, 0x0001, 11), 23));
  CHECK(r.st == fc::ingest_outcome::status::duplicate);
  // The operator resolved the first fire before the late status came: the second opens anyway.
  firebus_test::temp_dir dir2;
  o.sqlite_path = dir2.path + "/centre.sqlite";
  s = fc::store::open(o);
  r = ingest(*s, message(1, component_status_adu(7, 0x0003, 10), 20));
  const std::int64_t a = r.events.at(0).alarms_opened.at(0).second;
  CHECK(s->transition(a, "ack", "li", "") == fc::transition_result::ok);
  CHECK(s->transition(a, "resolve", "li", "") == fc::transition_result::ok);
  r = ingest(*s, message(2, component_status_adu(7, 0x0003, 12), 21));
  CHECK(r.events.at(0).alarms_opened.empty());
  r = ingest(*s, message(3, component_status_adu(7, 0x0001, 11), 22));
  CHECK(r.events.at(0).alarms_cleared.empty());  // resolved: nothing to clear
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  CHECK(s->alarms("").size() == 1);
  // A late status older than the open fire (the usual "link down" of the outage): nothing.
  r = ingest(*s, message(5, component_status_adu(7, 0x0001, 5), 24));
  CHECK(r.events.at(0).superseded);
  CHECK(r.events[0].alarms_opened.empty());
  CHECK(r.events[0].alarms_cleared.empty());
}

TEST_CASE("store - sqlite - a fault that ended and came back during an outage: two alarms") {
  // The rises travel as alarms, the fall as a routine status that arrives last: by the tags the
  // fault fell and rose, as a fire does (found by a chaos soak: one supervisory alarm for two
  // pre-alarms of a residual-current loop).
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);
  fc::ingest_outcome r = ingest(*s, message(1, component_status_adu(7, 0x0005, 10), 20));
  const std::int64_t first = r.events.at(0).alarms_opened.at(0).second;
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fault);
  r = ingest(*s, message(2, component_status_adu(7, 0x0005, 12), 21));
  CHECK(r.events.at(0).alarms_opened.empty());
  r = ingest(*s, message(3, component_status_adu(7, 0x0001, 11), 22));
  REQUIRE(r.events.at(0).superseded);
  REQUIRE(r.events[0].alarms_cleared.size() == 1);
  CHECK(r.events[0].alarms_cleared[0] == std::make_pair(fc::alarm_kind::fault, first));
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fault);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'fault' AND cleared_us IS NULL") == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms") == 2);
}

namespace {
// During one outage: fire 1 (:31, before it) returned and was reset (:37, a routine status),
// fire 2 (:40), reset while it held (:43: fall and rise in one fire message). Fire messages
// first: the centre gets :40, the :43 pair, then the :37 fall, late. The late-fall rule only
// looked at the device's last fire alarm (opened at :43, after the fall): fires 1 and 2 stayed
// one alarm (found by a chaos soak). By the tags: three fires, the middle one already over.
void three_fires(std::unique_ptr<fc::store> s) {
  fc::ingest_outcome r = ingest(*s, message(1, component_status_adu(7, 0x0003, 31), 31));
  const std::int64_t first = r.events.at(0).alarms_opened.at(0).second;
  r = ingest(*s, message(2, component_status_adu(7, 0x0003, 40), 50));
  CHECK(r.events.at(0).alarms_opened.empty());
  std::error_code ec;
  gb::adu pair = gb::decode_adu(firebus::byte_view(component_status_adu(7, 0x0001, 43)), ec);
  pair.objects.push_back(
      gb::decode_adu(firebus::byte_view(component_status_adu(7, 0x0003, 43)), ec).objects.at(0));
  REQUIRE(!ec);
  r = ingest(*s, message(3, gb::encode_adu(pair), 50));
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].alarms_cleared.size() == 1);  // the fall ends the alarm open since :31
  REQUIRE(r.events[1].alarms_opened.size() == 1);
  const std::int64_t third = r.events[1].alarms_opened[0].second;
  r = ingest(*s, message(4, component_status_adu(7, 0x0001, 37), 50));
  REQUIRE(r.events.at(0).superseded);
  // Fire 2 gets its alarm, over already: opened by the :40 status, cleared by the :43 fall.
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  const std::int64_t second = r.events[0].alarms_opened[0].second;
  CHECK(r.events[0].alarms_cleared == r.events[0].alarms_opened);
  CHECK(second != first);
  CHECK(second != third);
  const auto at_second = [](const nlohmann::json& a) {
    return a["event_time"].get<std::string>().substr(17, 2);
  };
  CHECK(at_second(s->alarm(first)) == "31");
  CHECK(at_second(s->alarm(second)) == "40");
  CHECK(at_second(s->alarm(third)) == "43");
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'fire'") == 3);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'fire' AND cleared_us IS NULL") == 1);
  // All three wait for the operator (a cleared alarm is still to be acknowledged and resolved).
  CHECK(s->alarms("").size() == 3);
  CHECK(count(*s, "SELECT last_status FROM devices WHERE level = 'component'") == 0x0003);
  // The same late fall in another message (another grouping): nothing more.
  gb::adu again = gb::decode_adu(firebus::byte_view(component_status_adu(7, 0x0001, 37)), ec);
  again.objects.push_back(
      gb::decode_adu(firebus::byte_view(component_status_adu(8, 0x0001, 37)), ec).objects.at(0));
  r = ingest(*s, message(5, gb::encode_adu(again), 51));
  CHECK(r.events.at(0).alarms_opened.empty());
  CHECK(r.events[0].alarms_cleared.empty());
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'fire'") == 3);
}
}  // namespace

TEST_CASE("store - sqlite - an episode wholly inside an outage, before another: its own alarm") {
  // During one outage a pre-alarm (or a fire) rose at :10, fell at :12 and rose again at :30.
  // The :30 rise comes first and opens the alarm; the :10 rise, late, opens nothing (the device
  // is in that state already), and the :12 fall, late, found no alarm open at its time: the
  // first episode had no alarm (found by a chaos soak, seed 23). By the tags it is one, over.
  for (const std::uint16_t bits : {std::uint16_t{0x0011}, std::uint16_t{0x0003}}) {
    CAPTURE(bits);
    firebus_test::temp_dir dir;
    fc::store_options o;
    o.sqlite_path = dir.path + "/centre.sqlite";
    std::unique_ptr<fc::store> s = fc::store::open(o);
    const fc::alarm_kind kind = bits == 0x0003 ? fc::alarm_kind::fire : fc::alarm_kind::supervisory;
    ingest(*s, message(1, component_status_adu(7, 0x0001, 1), 1));
    fc::ingest_outcome r = ingest(*s, message(2, component_status_adu(7, bits, 30), 40));
    REQUIRE(r.events.at(0).alarms_opened.size() == 1);
    const std::int64_t second = r.events[0].alarms_opened[0].second;
    r = ingest(*s, message(3, component_status_adu(7, bits, 10), 40));
    CHECK(r.events.at(0).superseded);
    CHECK(r.events[0].alarms_opened.empty());
    r = ingest(*s, message(4, component_status_adu(7, 0x0001, 12), 40));
    REQUIRE(r.events.at(0).superseded);
    REQUIRE(r.events[0].alarms_opened.size() == 1);
    CHECK(r.events[0].alarms_opened[0].first == kind);
    CHECK(r.events[0].alarms_cleared == r.events[0].alarms_opened);
    CHECK(s->alarm(r.events[0].alarms_opened[0].second)["event_time"].get<std::string>().substr(
              17, 2) == "10");
    CHECK(s->alarm(second).at("cleared_us").is_null());  // the :30 episode goes on
    CHECK(count(*s, "SELECT COUNT(*) FROM alarms") == 2);
  }
}

TEST_CASE("store - sqlite - a late fall older than a newer fall and rise: three fires") {
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  three_fires(fc::store::open(o));
}

TEST_CASE("store - postgresql - a late fall older than a newer fall and rise: three fires") {
  std::string why;
  pg_server* pg = pg_server::shared(why);
  if (pg == nullptr) {
    MESSAGE("SKIPPED: no PostgreSQL server: " << why);
    return;
  }
  fc::store_options o;
  o.pg_conninfo = pg->create_database("three_fires");
  three_fires(fc::store::open(o));
}

TEST_CASE("store - sqlite - a late fire status still opens a fire alarm") {
  // A fire report must reach an operator even when its time tag is older than the device's
  // current status: a fire message delayed behind a newer status, or a panel whose clock went
  // back (a power loss resets it to 2000-01-01, the centre's clock sync moves it back). The late
  // status stays history (superseded: it changes neither the device's status nor clears
  // anything), but a fire bit that the device's current status does not have opens a fire alarm.
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);

  // Normal at :20, then a fire of :10 arrives late.
  fc::ingest_outcome r = ingest(*s, message(1, component_status_adu(7, 0x0001, 20), 20));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  r = ingest(*s, message(2, component_status_adu(7, 0x0003, 10), 21));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].superseded);
  REQUIRE(r.events[0].alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fire);
  CHECK(count(*s, "SELECT last_status FROM devices WHERE level = 'component'") == 0x0001);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'fire'") == 1);
  // The same late fire repeated in another message (another grouping, same event): the alarm
  // is open already, no second one.
  std::vector<std::uint8_t> two = component_status_adu(7, 0x0003, 10);
  const std::vector<std::uint8_t> other = component_status_adu(8, 0x0001, 10);
  two[1] = 2;
  two.insert(two.end(), other.begin() + 2, other.end());
  r = ingest(*s, message(3, two, 22));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  CHECK(r.events.at(0).alarms_opened.empty());
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'fire'") == 1);
  // Still none once that alarm is cleared (fire at :30, normal at :40): it is the same fire.
  r = ingest(*s, message(10, component_status_adu(7, 0x0003, 30), 22));
  r = ingest(*s, message(11, component_status_adu(7, 0x0001, 40), 22));
  REQUIRE(r.events.at(0).alarms_cleared.size() == 1);
  std::vector<std::uint8_t> three = two;
  three[1] = 3;
  const std::vector<std::uint8_t> third = component_status_adu(9, 0x0001, 10);
  three.insert(three.end(), third.begin() + 2, third.end());
  r = ingest(*s, message(12, three, 22));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  CHECK(r.events.at(0).superseded);
  CHECK(r.events[0].alarms_opened.empty());
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'fire'") == 1);
  // A late fault opens nothing (only fire is never lost this way).
  r = ingest(*s, message(4, component_status_adu(9, 0x0001, 30), 23));
  r = ingest(*s, message(5, component_status_adu(9, 0x0005, 25), 24));
  CHECK(r.events.at(0).superseded);
  CHECK(r.events[0].alarms_opened.empty());

  // A panel whose clock was reset: every status now looks older than the last one stored.
  gb::component_status cs;
  cs.system_type = 1;
  cs.system_address = 1;
  cs.component_type = 42;
  cs.component_address = 0x00020001u;
  cs.status = 0x0001;
  cs.time = tag(40);
  r = ingest(*s, message(6, gb::encode_adu(gb::adu{gb::adu_type::component_status, {cs}}), 25));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  cs.status = 0x0003;
  cs.time = gb::time_tag{};  // 2000-01-01 00:00:00
  const std::vector<std::uint8_t> reset_fire =
      gb::encode_adu(gb::adu{gb::adu_type::component_status, {cs}});
  r = ingest(*s, message(7, reset_fire, 26));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  REQUIRE(r.events.at(0).alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fire);
  // A clock that reads 2000 after one that did not was reset: its statuses are the device's
  // state, in their order (they were all "late" until 2026: its fire never cleared, its
  // faults never opened).
  CHECK_FALSE(r.events[0].superseded);
  const auto reset_clock = [&](std::uint16_t status, int second, std::uint16_t serial) {
    cs.status = status;
    cs.time = gb::time_tag{};
    cs.time.second = static_cast<std::uint8_t>(second);
    return ingest(
        *s, message(serial, gb::encode_adu(gb::adu{gb::adu_type::component_status, {cs}}), 27));
  };
  r = reset_clock(0x0001, 5, 8);
  CHECK_FALSE(r.events.at(0).superseded);
  CHECK(r.events[0].alarms_cleared.size() == 1);
  r = reset_clock(0x0005, 10, 9);
  REQUIRE(r.events.at(0).alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fault);
  // Its own statuses are ordered by their tags again: a late one of :07 changes nothing.
  r = reset_clock(0x0001, 7, 10);
  CHECK(r.events.at(0).superseded);
  CHECK(count(*s, "SELECT last_status FROM devices WHERE component_address = 131073") == 0x0005);
}

TEST_CASE(
    "store - sqlite - a manual alarm operation opens a fire alarm but other operations do not") {
  // GB 26875.1: the UITD's manual alarm button (手动报警) sends a fire report to the centre within
  // 10 s; it arrives as an operation record with flag bit 2. Operation flags are not status bits:
  // bit 1 is silence (消音), not fire, and opens nothing.
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);
  const auto uitd_op = [](std::uint8_t flags, int second) {
    gb::uitd_operation op;
    op.flags = flags;
    op.operator_id = 3;
    op.time = tag(second);
    return gb::encode_adu(gb::adu{gb::adu_type::uitd_operation, {op}});
  };
  const auto system_op = [](std::uint8_t flags, int second) {
    gb::system_operation op;
    op.system_type = 1;
    op.system_address = 2;
    op.flags = flags;
    op.operator_id = 4;
    op.time = tag(second);
    return gb::encode_adu(gb::adu{gb::adu_type::system_operation, {op}});
  };
  // Every other flag (reset, silence, alarm cleared, self-test, confirm/duty answer, test).
  fc::ingest_outcome r = ingest(*s, message(1, uitd_op(0x7B, 1), 1));
  REQUIRE(r.st == fc::ingest_outcome::status::stored);
  CHECK(r.events.at(0).alarms_opened.empty());
  r = ingest(*s, message(2, system_op(0x7B, 2), 2));
  CHECK(r.events.at(0).alarms_opened.empty());
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms") == 0);
  // Manual alarm on the UITD, then on a facility system: a fire alarm each.
  r = ingest(*s, message(3, uitd_op(0x04, 3), 3));
  REQUIRE(r.events.at(0).alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fire);
  r = ingest(*s, message(4, system_op(0x04, 4), 4));
  REQUIRE(r.events.at(0).alarms_opened.size() == 1);
  CHECK(r.events[0].alarms_opened[0].first == fc::alarm_kind::fire);
  CHECK(count(*s,
              "SELECT COUNT(*) FROM alarms a JOIN devices d ON d.id = a.device_id "
              "WHERE a.kind = 'fire' AND d.level = 'uitd'") == 1);
  CHECK(count(*s,
              "SELECT COUNT(*) FROM alarms a JOIN devices d ON d.id = a.device_id "
              "WHERE a.kind = 'fire' AND d.level = 'system'") == 1);
  // The operation records do not change the devices' status.
  CHECK(count(*s, "SELECT COUNT(*) FROM devices WHERE last_status IS NOT NULL") == 0);
}

TEST_CASE(
    "store - sqlite - a device without a clock: a new fire with the same bytes is no resend") {
  // A UITD or panel whose clock is not set sends zero (invalid) time tags, or 2000-01-01: two
  // different fires of one detector are then the same bytes. Identical bytes are a resend only
  // with the same serial number; a new serial number is a new report (docs/centre.md,
  // "Duplicates"). With a valid clock, a new serial number is still a resend (a UITD's restart).
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);
  for (const gb::time_tag t : {gb::time_tag{0, 0, 0, 0, 0, 0}, gb::time_tag{}}) {
    CAPTURE(static_cast<int>(t.day));
    const std::uint32_t point = t.day == 0 ? 0x00030001u : 0x00030002u;
    const auto status = [&](std::uint16_t bits) {
      gb::component_status cs;
      cs.system_type = 1;
      cs.system_address = 1;
      cs.component_type = 42;
      cs.component_address = point;
      cs.status = bits;
      cs.time = t;
      return gb::encode_adu(gb::adu{gb::adu_type::component_status, {cs}});
    };
    const std::uint16_t base = t.day == 0 ? 10 : 20;
    fc::ingest_outcome r = ingest(*s, message(base + 1, status(0x0003), 1));
    REQUIRE(r.st == fc::ingest_outcome::status::stored);
    REQUIRE(r.events.at(0).alarms_opened.size() == 1);
    const std::int64_t first = r.events[0].alarms_opened[0].second;
    r = ingest(*s, message(base + 2, status(0x0001), 2));
    REQUIRE(r.st == fc::ingest_outcome::status::stored);
    CHECK(r.events.at(0).alarms_cleared.size() == 1);
    // The second fire: same bytes as the first, new serial number.
    r = ingest(*s, message(base + 3, status(0x0003), 3));
    REQUIRE(r.st == fc::ingest_outcome::status::stored);
    REQUIRE(r.events.at(0).alarms_opened.size() == 1);
    CHECK(r.events[0].alarms_opened[0].second != first);
    // Its resend (same serial number, new frame time tag) is still a duplicate.
    r = ingest(*s, message(base + 3, status(0x0003), 4));
    CHECK(r.st == fc::ingest_outcome::status::duplicate);
  }
}

TEST_CASE("extract - analog type 128 is residual current in mA x 1 and other user types are raw") {
  const auto analog = [](std::uint8_t type, std::int16_t raw) {
    gb::component_analog a;
    a.system_address = 1;
    a.component_type = 17;  // residual-current electrical fire monitor
    a.component_address = 0x00030001u;
    a.analog_type = type;
    a.value = raw;
    a.time = tag(5);
    return gb::encode_adu(gb::adu{gb::adu_type::component_analog, {a}});
  };
  const fc::extract_options o;
  std::vector<fc::event_record> ev = fc::extract(message(1, analog(128, 300), 5), o);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].analog_type == std::optional<int>(128));
  CHECK(ev[0].value_raw == std::optional<std::int64_t>(300));
  CHECK(ev[0].value == std::optional<double>(300.0));  // 300 mA, not 30 A or 0.3 A
  CHECK(ev[0].value_unit == std::optional<std::string>("mA"));
  // A user-defined type the project does not define: the raw value, without a unit.
  ev = fc::extract(message(2, analog(200, 1234), 5), o);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].value == std::optional<double>(1234.0));
  CHECK_FALSE(ev[0].value_unit.has_value());
  // A standard type keeps its resolution and unit.
  ev = fc::extract(message(3, analog(5, 3215), 5), o);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].value == doctest::Approx(321.5));
  CHECK(ev[0].value_unit == std::optional<std::string>("kPa"));
}

TEST_CASE(
    "store - sqlite - power, bus and line faults open a fault alarm but the link bit does not") {
  firebus_test::temp_dir dir;
  fc::store_options o;
  o.sqlite_path = dir.path + "/centre.sqlite";
  std::unique_ptr<fc::store> s = fc::store::open(o);
  const auto opened = [&](std::uint16_t serial, const std::vector<std::uint8_t>& adu, int second) {
    const fc::ingest_outcome r = ingest(*s, message(serial, adu, second));
    REQUIRE(r.st == fc::ingest_outcome::status::stored);
    std::vector<fc::alarm_kind> k;
    for (const auto& e : r.events) {
      for (const auto& a : e.alarms_opened) k.push_back(a.first);
    }
    return k;
  };
  const auto uitd_status = [](std::uint8_t bits, int second) {
    gb::uitd_status u;
    u.status = bits;
    u.time = tag(second);
    return gb::encode_adu(gb::adu{gb::adu_type::uitd_status, {u}});
  };
  const auto system_status = [](std::uint16_t bits, int second) {
    gb::system_status st;
    st.system_type = 1;
    st.system_address = 1;
    st.status = bits;
    st.time = tag(second);
    return gb::encode_adu(gb::adu{gb::adu_type::system_status, {st}});
  };
  using kinds = std::vector<fc::alarm_kind>;
  const kinds fault{fc::alarm_kind::fault};
  // A detector's power fault (component bit 8): a fault alarm; cleared when the bit clears.
  CHECK(opened(1, component_status_adu(7, 0x0001, 1), 1).empty());
  CHECK(opened(2, component_status_adu(7, 0x0101, 2), 2) == fault);
  fc::ingest_outcome r = ingest(*s, message(3, component_status_adu(7, 0x0001, 3), 3));
  CHECK(r.events.at(0).alarms_cleared.size() == 1);
  // The panel's main power (system bit 8), then its backup power too: one fault alarm.
  CHECK(opened(4, system_status(0x0001, 4), 4).empty());
  CHECK(opened(5, system_status(0x0101, 5), 5) == fault);
  CHECK(opened(6, system_status(0x0301, 6), 6).empty());
  // The UITD: its backup power (bit 4 — in its byte not supervisory) opens a fault, its link to
  // the centre (bit 5) nothing.
  CHECK(opened(7, uitd_status(0x01, 7), 7).empty());
  CHECK(opened(8, uitd_status(0x21, 8), 8).empty());
  CHECK(opened(9, uitd_status(0x11, 9), 9) == fault);
  CHECK(count(*s, "SELECT COUNT(*) FROM alarms WHERE kind = 'supervisory'") == 0);
}
