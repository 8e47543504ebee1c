// firebus — fire-safety IoT SDK.
// firebus-gateway's pure parts: the configuration loader (errors name the file, JSON path and
// problem) and the mapping from alarm-engine states to GB/T 26875.3 objects
// (../shared/specs/gb26875-mapping.md).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <doctest/doctest.h>

#include <firebus/alarm/engine.hpp>
#include <firebus/core/byte_writer.hpp>
#include <firebus/gb26875/codes.hpp>
#include <firebus/gb26875/uitd_session.hpp>
#include <firebus/io/gb26875_server.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/profile_json.hpp>
#include <firebus/telemetry/firebus_codec.hpp>

#include "config.hpp"
#include "gateway.hpp"
#include "gb_mapping.hpp"

using namespace firebus;
namespace gb = firebus::gb26875;

namespace {

const char* minimal = R"({
  "format": "firebus-gateway/1",
  "id": "gw1",
  "buses": [{"id": "bus1", "tcp": "127.0.0.1:1502", "line_baud": 9600},
            {"id": "bus3", "rtu": "/dev/ttyUSB0", "baud": 19200, "parity": "even"}],
  "devices": [
    {"id": "dp1", "bus": "bus1", "unit": 1, "profile": "acrel-aim-r100", "name": "DP-1"},
    {"id": "t5", "bus": "bus3", "unit": 5, "profile": "comem-edti", "alarm_period_s": 0.5,
     "gb26875": {"system_address": 9, "points": {"T1": {"deadband": 2.5}}}}
  ],
  "alarms": {"rules": {"version": 1, "zones": [
    {"id": "riser", "members": ["t5/T1", "t5/T2"], "dependency_window_s": 60}]}},
  "mqtt": {"broker": "127.0.0.1:1883", "telemetry_interval_s": 2},
  "gb26875": {"centre": "127.0.0.1:9000", "address": "0x000000001234",
              "mapping": {"normal_bit": "field", "utc_offset_minutes": 0}}
})";

std::string error_of(const std::string& json) {
  fbgw::gateway_config c;
  fbgw::config_error e;
  REQUIRE_FALSE(fbgw::parse_config(json, "g.json", c, e));
  return e.what();
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = minimal;
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("gateway config: a complete file is read with its defaults") {
  fbgw::gateway_config c;
  fbgw::config_error e;
  REQUIRE_MESSAGE(fbgw::parse_config(minimal, "g.json", c, e), e.what());
  CHECK(c.id == "gw1");
  REQUIRE(c.buses.size() == 2);
  CHECK_FALSE(c.buses[0].rtu);
  CHECK(c.buses[0].port == 1502);
  CHECK(c.buses[0].line_baud == 9600);
  CHECK(c.buses[1].rtu);
  CHECK(c.buses[1].parity == 'E');
  CHECK(c.buses[1].baud == 19200);
  REQUIRE(c.devices.size() == 2);
  CHECK(c.devices[0].system_address == 1);  // its position
  CHECK(c.devices[1].system_address == 9);
  CHECK(c.devices[1].alarm_period == std::chrono::milliseconds(500));
  CHECK(c.devices[1].gb_points.at("T1").deadband == 2.5);
  REQUIRE(c.rules.zones.size() == 1);
  CHECK(c.rules.zones[0].dependency_window_s == 60);
  CHECK(c.mqtt.enabled);
  CHECK(c.mqtt.client_id == "gw1");
  CHECK(c.mqtt.telemetry_interval == std::chrono::seconds(2));
  CHECK(c.gb.enabled);
  CHECK(c.gb.address == 0x1234);
  CHECK(c.gb.port == 9000);
  CHECK_FALSE(c.gb.mapping.strict_normal_bit);
  CHECK(c.gb.mapping.utc_offset_minutes == 0);
  // The engine's timeouts: the standard's 10 s and 3 retries; fire messages 3 s.
  CHECK(c.gb.answer_timeout == std::chrono::seconds(10));
  CHECK(c.gb.fire_answer_timeout == std::chrono::seconds(3));
  CHECK(c.gb.retries == 3);
  REQUIRE_MESSAGE(fbgw::parse_config(with("\"address\": \"0x000000001234\",",
                                          "\"address\": \"0x000000001234\", "
                                          "\"answer_timeout_s\": 5, "
                                          "\"fire_answer_timeout_s\": 2.5, \"retries\": 2,"),
                                     "g.json", c, e),
                  e.what());
  CHECK(c.gb.answer_timeout == std::chrono::seconds(5));
  CHECK(c.gb.fire_answer_timeout == std::chrono::milliseconds(2500));
  CHECK(c.gb.retries == 2);
}

TEST_CASE("gateway config: errors name the file, the JSON path and the problem") {
  CHECK(error_of(with("\"unit\": 1,", "\"unit\": 300,")) ==
        "g.json: devices[0].unit: expected an integer 1..247, found 300");
  CHECK(error_of(with("\"name\": \"DP-1\"", "\"nmae\": \"DP-1\"")) ==
        "g.json: devices[0].nmae: unknown key");
  CHECK(error_of(with("\"bus\": \"bus3\"", "\"bus\": \"bus9\"")) ==
        "g.json: devices[1].bus: no bus \"bus9\"");
  CHECK(error_of(with("\"unit\": 5,", "\"unit\": 5, \"id\": \"dp1\",")).find("devices[1]") !=
        std::string::npos);
  CHECK(error_of(with("\"bus\": \"bus3\", \"unit\": 5", "\"bus\": \"bus1\", \"unit\": 1")) ==
        "g.json: devices[1].unit: unit 1 is already used on bus bus1");
  CHECK(error_of(with("127.0.0.1:1502", "127.0.0.1")) ==
        "g.json: buses[0].tcp: expected \"host:port\", found \"127.0.0.1\"");
  CHECK(error_of(with("\"parity\": \"even\"", "\"parity\": \"mark\"")) ==
        "g.json: buses[1].parity: expected \"none\", \"even\" or \"odd\"");
  CHECK(error_of(with("\"0x000000001234\"", "\"0x1000000000000\"")).find("gb26875.address") !=
        std::string::npos);
  // §6.5.4: the sender waits at most 10 s.
  CHECK(error_of(with("\"address\": \"0x000000001234\",",
                      "\"address\": \"0x000000001234\", \"answer_timeout_s\": 12,"))
            .rfind("g.json: gb26875.answer_timeout_s: ", 0) == 0);
  CHECK(error_of(with("\"dependency_window_s\": 60", "\"dependency_window_s\": -1"))
            .rfind("g.json: alarms.rules.zones[0].dependency_window_s: ", 0) == 0);
  CHECK(error_of(with("firebus-gateway/1", "firebus-gateway/2")) ==
        "g.json: format: expected \"firebus-gateway/1\", found \"firebus-gateway/2\"");
  CHECK(error_of("{").rfind("g.json: not JSON: ", 0) == 0);
  CHECK(error_of("[]") == "g.json: expected an object, found an array");
  CHECK(error_of(with("\"id\": \"gw1\"", "\"id\": \"gw 1\"")).find("only letters") !=
        std::string::npos);
}

TEST_CASE("gateway config: Sparkplug B — defaults and errors") {
  fbgw::gateway_config c;
  fbgw::config_error e;
  REQUIRE(fbgw::parse_config(minimal, "g.json", c, e));
  CHECK(c.mqtt.format == "firebus");
  const std::string sp =
      with("\"telemetry_interval_s\": 2", "\"telemetry_interval_s\": 2, \"format\": \"sparkplug\"");
  REQUIRE_MESSAGE(fbgw::parse_config(sp, "g.json", c, e), e.what());
  CHECK(c.mqtt.format == "sparkplug");
  CHECK(c.mqtt.sparkplug_group == "firebus");
  CHECK(c.mqtt.sparkplug_node.empty());  // the gateway id
  CHECK(c.mqtt.sparkplug_qos == 0);      // Sparkplug 3.0: births and data at QoS 0
  CHECK(c.mqtt.sparkplug_host.empty());  // no primary host: births at once
  const std::string full =
      with("\"telemetry_interval_s\": 2",
           "\"format\": \"sparkplug\", \"sparkplug\": {\"group_id\": \"fire\", "
           "\"edge_node_id\": \"node7\", \"qos\": 1, \"primary_host_id\": \"scada\"}");
  REQUIRE_MESSAGE(fbgw::parse_config(full, "g.json", c, e), e.what());
  CHECK(c.mqtt.sparkplug_group == "fire");
  CHECK(c.mqtt.sparkplug_node == "node7");
  CHECK(c.mqtt.sparkplug_qos == 1);
  CHECK(c.mqtt.sparkplug_host == "scada");
  CHECK(error_of(with("\"telemetry_interval_s\": 2", "\"format\": \"json\"")) ==
        "g.json: mqtt.format: expected \"firebus\" or \"sparkplug\"");
  CHECK(error_of(with("\"telemetry_interval_s\": 2", "\"sparkplug\": {\"group_id\": \"a/b\"}")) ==
        "g.json: mqtt.sparkplug.group_id: expected a topic level (no '/', '+' or '#')");
  CHECK(error_of(with("\"telemetry_interval_s\": 2", "\"sparkplug\": {\"qos\": 2}"))
            .rfind("g.json: mqtt.sparkplug.qos: ", 0) == 0);
  CHECK(error_of(with("\"telemetry_interval_s\": 2", "\"sparkplug\": {\"group\": \"x\"}")) ==
        "g.json: mqtt.sparkplug.group: unknown key");
}

TEST_CASE("gateway config: an unreadable file is an error, not a crash") {
  fbgw::gateway_config c;
  fbgw::config_error e;
  CHECK_FALSE(fbgw::load_config("/nonexistent/gw.json", c, e));
  CHECK(e.what() == "/nonexistent/gw.json: cannot be read");
}

TEST_CASE(
    "gateway config: JSON nested very deeply, or a number beyond a double, is refused, not a "
    "crash") {
  // A million levels in the rules (copied and serialised recursively) crashed the loader, and
  // with it a running gateway given the file by a SIGHUP reload.
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  for (const char* from : {R"("zones": [)", R"("id": "gw1")"}) {
    const std::string to = std::string(from) == R"("id": "gw1")"
                               ? R"("id": )" + deep
                               : R"("zones": )" + deep + ", \"x\": [";
    CHECK(error_of(with(from, to)) == "g.json: JSON nested deeper than 64 levels");
  }
  // A number beyond a double: nlohmann throws out_of_range, not parse_error — it ended the
  // gateway (std::terminate), also a running one on a SIGHUP reload (found by
  // fuzz_gateway_config).
  CHECK(error_of(with(R"("id": "gw1")", R"("id": 44e4444444444)")) ==
        "g.json: not JSON: [json.exception.out_of_range.406] number overflow parsing "
        "'44e4444444444'");
  // 64 nested arrays in the file's object are read (and then refused for what they are, not
  // for their depth); 65 are not.
  const auto nested = [](std::size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  CHECK(error_of(with(R"("id": "gw1")", R"("id": )" + nested(64))) ==
        "g.json: id: expected a string, found an array");
  CHECK(error_of(with(R"("id": "gw1")", R"("id": )" + nested(65))) ==
        "g.json: JSON nested deeper than 64 levels");
}

// --- the GB/T 26875.3 mapping ------------------------------------------------------------------

namespace {

mono_time at(double s) {
  std::error_code ec;
  return mono_from_seconds(s, ec);
}

alarm::alarm_rule high(const char* id, double sp, alarm_class cls) {
  alarm::alarm_rule a;
  a.id = id;
  a.type = alarm::rule_type::high;
  a.setpoint = sp;
  a.cls = cls;
  a.profile = cls == alarm_class::fire ? alarm::profile::fire : alarm::profile::isa;
  return a;
}

// dp1/IR3: residual current (pre-alarm 240, alarm 300); t5/T1, t5/T2: cable temperatures in a
// dependency zone (alarm 70 each).
alarm::rules rules() {
  alarm::rules r;
  alarm::point_rule ir;
  ir.id = "dp1/IR3";
  ir.alarms = {high("PRE", 240, alarm_class::pre_alarm), high("ALM", 300, alarm_class::fire)};
  r.points.push_back(ir);
  for (const char* id : {"t5/T1", "t5/T2"}) {
    alarm::point_rule t;
    t.id = id;
    t.stale_s = 10;
    t.alarms = {high("ALM", 70, alarm_class::fire)};
    r.points.push_back(t);
  }
  alarm::zone_rule z;
  z.id = "riser";
  z.members = {"t5/T1", "t5/T2"};
  z.dependency_window_s = 60;
  r.zones.push_back(z);
  return r;
}

struct fixture {
  alarm::engine e{rules()};
  fbgw::gb_mapper m;
  std::vector<gb::adu> out;
  utc_time base = utc_time(std::chrono::seconds(1764460800));  // 2025-11-30T00:00:00Z
  fixture() {
    std::vector<fbgw::gb_component> comps;
    const char* names[] = {"dp1/IR3", "t5/T1", "t5/T2"};
    for (int i = 0; i < 3; ++i) {
      fbgw::gb_component c;
      c.point = e.find_point(names[i]);
      c.system_address = static_cast<std::uint8_t>(i == 0 ? 1 : 2);
      c.component_type = static_cast<std::uint8_t>(i == 0 ? 17 : 18);
      c.component_address =
          fbgw::component_address(i == 0 ? 3 : 0, static_cast<std::uint16_t>(i + 1));
      c.analog_type = i == 0 ? 128 : 3;
      c.analog_scale = i == 0 ? 1 : 10;
      c.deadband = i == 0 ? 5 : 1;
      comps.push_back(c);
    }
    std::vector<std::vector<std::uint32_t>> zones{{e.find_point("t5/T1"), e.find_point("t5/T2")}};
    fbgw::gb_mapper_options o;
    o.utc_offset = std::chrono::hours(8);
    m = fbgw::gb_mapper(e, comps, zones, o);
  }
  void sample(const char* p, double t, double v) {
    std::error_code ec;
    e.sample(e.find_point(p), at(t), v, ec);
    REQUIRE(!ec);
    m.on_events(
        e, e.events(), [this](mono_time x) { return base + x.time_since_epoch(); }, out);
    e.clear_events();
  }
  // An operator's panel reset at `t`, mapped.
  void reset(double t) {
    std::error_code ec;
    alarm::command c;
    c.kind = alarm::command_kind::reset;
    e.execute(at(t), c, ec);
    REQUIRE(!ec);
    m.on_events(
        e, e.events(), [this](mono_time x) { return base + x.time_since_epoch(); }, out);
    e.clear_events();
  }
  template <class T>
  std::vector<T> objects() const {
    std::vector<T> r;
    for (const auto& a : out) {
      for (const auto& o : a.objects) {
        if (auto* x = std::get_if<T>(&o)) r.push_back(*x);
      }
    }
    return r;
  }
};

constexpr std::uint16_t cbit(gb::component_status_bit b) { return static_cast<std::uint16_t>(b); }

}  // namespace

TEST_CASE("gb mapping: the mapping page's defaults") {
  auto rc = fbgw::default_point_mapping("residual_current", "mA", 128);
  CHECK(rc.component_type == 17);
  CHECK(rc.analog_type == 128);
  CHECK(rc.analog_scale == 1);
  auto t = fbgw::default_point_mapping("temperature", "°C", 128);
  CHECK(t.component_type == 18);
  CHECK(t.analog_type == 3);
  CHECK(t.analog_scale == 10);
  auto p = fbgw::default_point_mapping("pressure", "MPa", 128);
  CHECK(p.component_type == 99);
  CHECK(p.analog_type == 5);
  CHECK(p.analog_scale == 10000);  // 0.1 kPa per count
  CHECK(fbgw::default_point_mapping("setpoint", "mA", 128).analog_type == -1);
  CHECK(fbgw::component_address(3, 7) == 0x00030007u);
}

TEST_CASE("gb mapping: a residual-current pre-alarm then alarm, each with its value and time") {
  fixture f;
  f.sample("dp1/IR3", 1, 120);
  CHECK(f.out.empty());
  f.sample("dp1/IR3", 2, 250);  // pre-alarm → supervisory bit 4
  auto cs = f.objects<gb::component_status>();
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].status == (cbit(gb::component_status_bit::normal_operation) |
                         cbit(gb::component_status_bit::supervisory)));
  CHECK(cs[0].component_type == 17);
  CHECK(cs[0].component_address == 0x00030001u);
  CHECK(cs[0].time.hour == 8);  // UTC+8
  CHECK(cs[0].time.second == 2);
  auto an = f.objects<gb::component_analog>();
  REQUIRE(an.size() == 1);  // the value rides with the transition
  CHECK(an[0].analog_type == 128);
  CHECK(an[0].value == 250);
  f.out.clear();
  f.sample("dp1/IR3", 3, 305);  // fire alarm → bit 1, the system and the UITD follow
  cs = f.objects<gb::component_status>();
  REQUIRE(cs.size() == 1);
  CHECK((cs[0].status & cbit(gb::component_status_bit::fire_alarm)) != 0);
  for (const auto& a : f.out) {
    if (a.type == gb::adu_type::component_status) {
      CHECK(gb::classify(a) == gb::message_priority::fire);
    }
  }
  auto ss = f.objects<gb::system_status>();
  REQUIRE(ss.size() == 1);
  CHECK(ss[0].system_address == 1);
  CHECK((ss[0].status & static_cast<std::uint16_t>(gb::system_status_bit::fire_alarm)) != 0);
  auto us = f.objects<gb::uitd_status>();
  REQUIRE(us.size() == 1);
  CHECK((us[0].status & static_cast<std::uint8_t>(gb::uitd_status_bit::fire_alarm)) != 0);
  f.out.clear();
  // The value falls: the fire alarm stays latched until a reset, so nothing changes.
  f.sample("dp1/IR3", 4, 100);
  CHECK((f.m.component_bits(f.e.find_point("dp1/IR3")) &
         cbit(gb::component_status_bit::fire_alarm)) != 0);
  f.reset(5);
  cs = f.objects<gb::component_status>();
  REQUIRE_FALSE(cs.empty());
  CHECK(cs.back().status == cbit(gb::component_status_bit::normal_operation));
  us = f.objects<gb::uitd_status>();
  REQUIRE_FALSE(us.empty());
  CHECK((us.back().status & static_cast<std::uint8_t>(gb::uitd_status_bit::fire_alarm)) == 0);
}

TEST_CASE("gb mapping: one word per second — a pre-alarm and a fire of one reading") {
  // One reading raises a pre-alarm on loop 1 and a fire on loop 3 of one device: two events of
  // the same second. The system's word was sent after each: supervisory (no fire yet), then
  // fire; the fire word goes first (fire priority), the other after it with the same time tag,
  // and the centre took it as the newer: the system's fire recorded as cleared (found by a chaos
  // soak). Now each word once per second, its last.
  alarm::rules r;
  for (const char* id : {"dp1/IR1", "dp1/IR3"}) {
    alarm::point_rule pr;
    pr.id = id;
    pr.alarms = {high("PRE", 240, alarm_class::pre_alarm), high("ALM", 300, alarm_class::fire)};
    r.points.push_back(pr);
  }
  alarm::engine e(r);
  std::vector<fbgw::gb_component> comps;
  for (const std::uint16_t i : {std::uint16_t{1}, std::uint16_t{3}}) {
    fbgw::gb_component c;
    c.point = e.find_point(i == 1 ? "dp1/IR1" : "dp1/IR3");
    c.system_address = 1;
    c.component_type = 17;
    c.component_address = fbgw::component_address(i, 1);
    comps.push_back(c);
  }
  fbgw::gb_mapper m(e, comps, {}, fbgw::gb_mapper_options{});
  std::error_code ec;
  e.sample(e.find_point("dp1/IR1"), at(2), 250, ec);
  e.sample(e.find_point("dp1/IR3"), at(2), 305, ec);
  REQUIRE(!ec);
  std::vector<gb::adu> out;
  const utc_time base = utc_time(std::chrono::seconds(1764460800));
  m.on_events(
      e, e.events(), [&](mono_time x) { return base + x.time_since_epoch(); }, out);
  std::vector<gb::system_status> ss;
  std::vector<gb::uitd_status> us;
  for (const auto& a : out) {
    for (const auto& o : a.objects) {
      if (auto* x = std::get_if<gb::system_status>(&o)) ss.push_back(*x);
      if (auto* x = std::get_if<gb::uitd_status>(&o)) us.push_back(*x);
    }
  }
  REQUIRE(ss.size() == 1);
  CHECK((ss[0].status & static_cast<std::uint16_t>(gb::system_status_bit::fire_alarm)) != 0);
  REQUIRE(us.size() == 1);
  CHECK((us[0].status & static_cast<std::uint8_t>(gb::uitd_status_bit::fire_alarm)) != 0);
}

TEST_CASE("gb mapping: the statuses of one object carry strictly increasing seconds") {
  // The start-up report, a pre-alarm and a fire of one component, all in one second (each
  // statement its own step). Fire goes first (GB 26875.1): with one time tag the start-up's
  // and the pre-alarm's words, overtaken, arrived after the fire's and the centre took them as
  // the newer — the fire recorded as over at every level (found by a chaos soak).
  fixture f;
  f.m.initial(f.e, f.base + std::chrono::milliseconds(1100), true, f.out);
  f.sample("dp1/IR3", 1.4, 250);  // pre-alarm
  f.sample("dp1/IR3", 1.8, 305);  // fire
  std::vector<int> comp;
  std::vector<int> sys1;
  std::vector<int> uitd;
  for (const auto& c : f.objects<gb::component_status>()) {
    if (c.component_address == 0x00030001u) comp.push_back(c.time.second);
  }
  for (const auto& s : f.objects<gb::system_status>()) {
    if (s.system_address == 1) sys1.push_back(s.time.second);
  }
  for (const auto& u : f.objects<gb::uitd_status>()) uitd.push_back(u.time.second);
  CHECK(comp == std::vector<int>{1, 2, 3});
  CHECK(sys1 == std::vector<int>{1, 2, 3});
  CHECK(uitd == std::vector<int>{1, 2});  // the pre-alarm leaves the UITD's word as it was
  // Another object keeps its own seconds: system 2's start-up status says second 1.
  const auto ss = f.objects<gb::system_status>();
  CHECK(std::any_of(ss.begin(), ss.end(),
                    [](const auto& s) { return s.system_address == 2 && s.time.second == 1; }));
  // A read answered in that second carries the current word's second, not an older one.
  gb::read_component_status q;
  q.system_address = 1;
  q.component_address = 0x00030001u;
  gb::adu resp;
  REQUIRE(f.m.answer(gb::adu{gb::adu_type::read_component_status, {q}},
                     f.base + std::chrono::milliseconds(1900), resp));
  CHECK(std::get<gb::component_status>(resp.objects[0]).time.second == 3);
  // Once time has passed the seconds taken, a status carries its own second again.
  f.out.clear();
  f.reset(7.5);
  const auto after = f.objects<gb::component_status>();
  REQUIRE_FALSE(after.empty());
  CHECK(after.back().time.second == 7);
}

TEST_CASE("gb mapping: a reset while the fire's condition holds is a fall and a new rise") {
  // The engine resets the latched fire and raises it again at once (a new, unacknowledged
  // alarm); the word is the same before and after, but the centre opens an alarm when a bit
  // rises: it gets the fall and the rise, with the reset's time (found by a chaos soak: a
  // centre whose operator had resolved the first fire had no open alarm for the second).
  fixture f;
  f.sample("dp1/IR3", 1, 305);  // fire (the pre-alarm too)
  f.out.clear();
  f.reset(5);
  const auto fire = cbit(gb::component_status_bit::fire_alarm);
  auto cs = f.objects<gb::component_status>();
  REQUIRE(cs.size() == 2);
  // In one ADU, sent as a fire message: the fall is never overtaken by the rise (alone, the
  // fall would be routine, queued behind the fire, and clear the new alarm at the centre).
  std::vector<gb::adu> statuses;
  for (const auto& a : f.out) {
    if (a.type == gb::adu_type::component_status) statuses.push_back(a);
  }
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].objects.size() == 2);
  CHECK(gb::classify(statuses[0]) == gb::message_priority::fire);
  CHECK((cs[0].status & fire) == 0);
  CHECK((cs[1].status & fire) != 0);
  CHECK(cs[0].time == cs[1].time);
  CHECK(cs[1].time.second == 5);
  // The pre-alarm (not latching: the reset leaves it active) keeps its bit in both.
  CHECK((cs[0].status & cbit(gb::component_status_bit::supervisory)) != 0);
  CHECK((cs[1].status & cbit(gb::component_status_bit::supervisory)) != 0);
  CHECK(f.m.component_bits(f.e.find_point("dp1/IR3")) == cs[1].status);
  // A second alarm of an alarmed point (no reset between) changes nothing: no fall.
  f.out.clear();
  f.sample("dp1/IR3", 6, 310);
  CHECK(f.objects<gb::component_status>().empty());
}

TEST_CASE("gb mapping: a dependency zone — delay on the first detector, fire on the second") {
  fixture f;
  f.sample("t5/T1", 1, 20);
  f.sample("t5/T2", 1, 20);
  f.out.clear();
  f.sample("t5/T1", 2, 75);
  const std::uint32_t t1 = f.e.find_point("t5/T1");
  CHECK((f.m.component_bits(t1) & cbit(gb::component_status_bit::delay)) != 0);
  CHECK((f.m.uitd_bits() & static_cast<std::uint8_t>(gb::uitd_status_bit::fire_alarm)) == 0);
  f.out.clear();
  f.sample("t5/T2", 10, 80);  // the second detector confirms: the zone's FIRE
  CHECK((f.m.component_bits(t1) & cbit(gb::component_status_bit::delay)) == 0);
  auto ss = f.objects<gb::system_status>();
  REQUIRE_FALSE(ss.empty());
  CHECK(ss.back().system_address == 2);
  CHECK((ss.back().status & static_cast<std::uint16_t>(gb::system_status_bit::fire_alarm)) != 0);
  CHECK((f.m.uitd_bits() & static_cast<std::uint8_t>(gb::uitd_status_bit::fire_alarm)) != 0);
}

TEST_CASE("gb mapping: comm loss is a fault; analog values follow the deadband and the period") {
  fixture f;
  f.sample("t5/T1", 1, 20);
  f.out.clear();
  std::error_code ec;
  f.e.advance(at(12), ec);  // stale after 10 s
  f.m.on_events(
      f.e, f.e.events(), [&f](mono_time x) { return f.base + x.time_since_epoch(); }, f.out);
  f.e.clear_events();
  auto cs = f.objects<gb::component_status>();
  REQUIRE(cs.size() == 2);  // T1 and T2 (never read) are both stale
  CHECK((cs[0].status & cbit(gb::component_status_bit::fault)) != 0);
  CHECK((cs[1].status & cbit(gb::component_status_bit::fault)) != 0);
  CHECK((f.m.component_bits(f.e.find_point("dp1/IR3")) & cbit(gb::component_status_bit::fault)) ==
        0);
  CHECK((f.m.uitd_bits() & static_cast<std::uint8_t>(gb::uitd_status_bit::fault)) != 0);

  f.out.clear();
  const std::uint32_t ir = f.e.find_point("dp1/IR3");
  f.m.on_value(ir, 100, f.base, f.out);  // first value: sent
  f.m.on_value(ir, 103, f.base, f.out);  // within the 5 mA deadband: not sent
  f.m.on_value(ir, 106, f.base, f.out);  // moved 6 mA: sent
  f.m.on_value(ir, 106, f.base + std::chrono::minutes(6), f.out);  // the period: sent
  auto an = f.objects<gb::component_analog>();
  REQUIRE(an.size() == 3);
  CHECK(an[0].value == 100);
  CHECK(an[1].value == 106);
}

TEST_CASE("gb mapping: the centre's reads are answered from the current state") {
  fixture f;
  f.sample("dp1/IR3", 1, 310);
  gb::adu resp;
  gb::read_component_status q;
  q.system_type = 0;
  q.system_address = 1;
  q.component_address = 0x00030001u;
  REQUIRE(f.m.answer(gb::adu{gb::adu_type::read_component_status, {q}}, f.base, resp));
  REQUIRE(resp.objects.size() == 1);
  CHECK((std::get<gb::component_status>(resp.objects[0]).status &
         cbit(gb::component_status_bit::fire_alarm)) != 0);
  gb::read_uitd_status u;
  REQUIRE(f.m.answer(gb::adu{gb::adu_type::read_uitd_status, {u}}, f.base, resp));
  CHECK(std::holds_alternative<gb::uitd_status>(resp.objects[0]));
  q.component_address = 0x00990001u;  // unknown: denied
  CHECK_FALSE(f.m.answer(gb::adu{gb::adu_type::read_component_status, {q}}, f.base, resp));
}

TEST_CASE("gb mapping: the link to the centre and the gateway's own faults set UITD bits") {
  fixture f;
  f.m.set_link_fault(true, f.base, f.out);
  auto us = f.objects<gb::uitd_status>();
  REQUIRE(us.size() == 1);
  CHECK((us[0].status & static_cast<std::uint8_t>(gb::uitd_status_bit::centre_link_fault)) != 0);
  f.m.set_uitd_fault(true, f.base, f.out);
  CHECK((f.m.uitd_bits() & static_cast<std::uint8_t>(gb::uitd_status_bit::fault)) != 0);
  f.out.clear();
  f.m.set_uitd_fault(true, f.base, f.out);  // no change: nothing sent
  CHECK(f.out.empty());
}

// --- audit of the mapping against ../shared/specs/gb26875-mapping.md ----------------------------

TEST_CASE("gb mapping: flow is analog type 10 in 0.1 L/s, converted from the point's unit") {
  auto ls = fbgw::default_point_mapping("flow", "L/s", 128);
  CHECK(ls.analog_type == 10);
  CHECK(ls.analog_scale == doctest::Approx(10));
  auto m3h = fbgw::default_point_mapping("flow", "m³/h", 128);
  CHECK(m3h.analog_type == 10);
  CHECK(m3h.analog_scale == doctest::Approx(10.0 / 3.6));  // 36 m³/h = 10 L/s → raw 100
  CHECK(fbgw::default_point_mapping("flow", "m3/h", 128).analog_scale ==
        doctest::Approx(10.0 / 3.6));
  CHECK(fbgw::default_point_mapping("flow", "L/min", 128).analog_scale ==
        doctest::Approx(10.0 / 60));
}

TEST_CASE("gb mapping: every pressure unit gets the scale of 0.1 kPa") {
  const std::pair<const char*, double> units[] = {
      {"Pa", 0.01}, {"kPa", 10}, {"MPa", 10000}, {"bar", 1000}, {"mbar", 1}};
  for (const auto& u : units) {
    CAPTURE(u.first);
    auto d = fbgw::default_point_mapping("pressure", u.first, 128);
    CHECK(d.analog_type == 5);
    CHECK(d.analog_scale == doctest::Approx(u.second));
  }
}

namespace {

// One heat detector point with two fire-class alarms: a threshold at 70 °C and a second stage at
// 90 °C (as a rate-of-rise after a threshold alarm would be).
alarm::rules two_stage_rules() {
  alarm::rules r;
  alarm::point_rule t;
  t.id = "h1/T";
  t.alarms = {high("A1", 70, alarm_class::fire), high("A2", 90, alarm_class::fire)};
  r.points.push_back(t);
  return r;
}

}  // namespace

TEST_CASE("gb mapping: every alarm transition carries its value, also when the word is unchanged") {
  alarm::engine e{two_stage_rules()};
  fbgw::gb_component c;
  c.point = e.find_point("h1/T");
  c.system_address = 1;
  c.component_type = 31;
  c.component_address = fbgw::component_address(0, 1);
  c.analog_type = 3;
  c.analog_scale = 10;
  c.deadband = 1;
  fbgw::gb_mapper m(e, {c}, {}, fbgw::gb_mapper_options{});
  const utc_time base = utc_time(std::chrono::seconds(1764460800));
  std::vector<gb::adu> out;
  const auto step = [&](double t, double v) {
    std::error_code ec;
    e.sample(c.point, at(t), v, ec);
    REQUIRE(!ec);
    m.on_events(
        e, e.events(), [&](mono_time x) { return base + x.time_since_epoch(); }, out);
    e.clear_events();
  };
  const auto analogs = [&out] {
    std::vector<std::int16_t> v;
    for (const auto& a : out) {
      for (const auto& o : a.objects) {
        if (auto* x = std::get_if<gb::component_analog>(&o)) v.push_back(x->value);
      }
    }
    return v;
  };
  step(1, 20);
  step(2, 75);  // A1: the fire bit, with 75.0 °C
  CHECK(analogs() == std::vector<std::int16_t>{750});
  out.clear();
  step(3, 95);  // A2: the word does not change, but the centre gets the value that caused it
  CHECK(analogs() == std::vector<std::int16_t>{950});
}

TEST_CASE("gb mapping: a read of several objects gets every object answered") {
  fixture f;
  f.sample("dp1/IR3", 1, 310);
  f.sample("t5/T1", 1, 21);
  f.sample("t5/T2", 1, 22);
  f.m.on_value(f.e.find_point("dp1/IR3"), 310, f.base, f.out);
  f.m.on_value(f.e.find_point("t5/T1"), 21, f.base, f.out);
  f.m.on_value(f.e.find_point("t5/T2"), 22, f.base, f.out);
  gb::adu resp;
  // 62: two components of two systems, one unknown in the middle (left out, not a denial).
  gb::read_component_status a;
  a.system_address = 1;
  a.component_address = 0x00030001u;
  gb::read_component_status unknown = a;
  unknown.component_address = 0x00990001u;
  gb::read_component_status b;
  b.system_address = 2;
  b.component_address = 0x00000002u;
  REQUIRE(f.m.answer(gb::adu{gb::adu_type::read_component_status, {a, unknown, b}}, f.base, resp));
  CHECK(resp.type == gb::adu_type::component_status);
  REQUIRE(resp.objects.size() == 2);
  CHECK(std::get<gb::component_status>(resp.objects[0]).component_address == 0x00030001u);
  CHECK(std::get<gb::component_status>(resp.objects[1]).component_address == 0x00000002u);
  CHECK_FALSE(f.m.answer(gb::adu{gb::adu_type::read_component_status, {unknown}}, f.base, resp));
  // 63: three analog values.
  gb::read_component_analog x;
  x.system_address = 1;
  x.component_address = 0x00030001u;
  gb::read_component_analog y;
  y.system_address = 2;
  y.component_address = 0x00000002u;
  gb::read_component_analog z = y;
  z.component_address = 0x00000003u;
  REQUIRE(f.m.answer(gb::adu{gb::adu_type::read_component_analog, {x, y, z}}, f.base, resp));
  REQUIRE(resp.objects.size() == 3);
  CHECK(std::get<gb::component_analog>(resp.objects[0]).value == 310);
  CHECK(std::get<gb::component_analog>(resp.objects[1]).value == 210);
  CHECK(std::get<gb::component_analog>(resp.objects[2]).value == 220);
  // 61: both systems.
  gb::read_system_status s1;
  s1.system_address = 1;
  gb::read_system_status s2;
  s2.system_address = 2;
  REQUIRE(f.m.answer(gb::adu{gb::adu_type::read_system_status, {s1, s2}}, f.base, resp));
  REQUIRE(resp.objects.size() == 2);
  CHECK(std::get<gb::system_status>(resp.objects[1]).system_address == 2);
  // The largest reads of the standard fit one answer within 1024 bytes.
  gb::adu big{gb::adu_type::read_component_status, {}};
  for (int i = 0; i < 22; ++i) big.objects.push_back(i % 2 ? a : b);
  REQUIRE(f.m.answer(big, f.base, resp));
  CHECK(resp.objects.size() == 22);
  const auto encodes = [](const gb::adu& answer) {
    std::vector<std::uint8_t> bytes;
    firebus::byte_writer w(bytes, gb::max_adu_size);
    std::error_code ec;
    gb::encode_adu(answer, w, ec);
    return !ec && bytes.size() <= gb::max_adu_size;
  };
  CHECK(encodes(resp));
  gb::adu big_analog{gb::adu_type::read_component_analog, {}};
  for (int i = 0; i < 63; ++i) big_analog.objects.push_back(x);
  REQUIRE(f.m.answer(big_analog, f.base, resp));
  CHECK(resp.objects.size() == 63);
  CHECK(encodes(resp));
}

TEST_CASE("gb mapping: the component type follows the kind of device, per the mapping page") {
  using fbgw::default_device_component_type;
  CHECK(default_device_component_type("gas", {"status"}) == 74);
  CHECK(default_device_component_type("smoke", {}) == 42);
  CHECK(default_device_component_type("heat", {}) == 31);
  CHECK(default_device_component_type("manual_call_point", {"status"}) == 23);
  CHECK(default_device_component_type("pressure", {}) == 99);
  CHECK(default_device_component_type("level", {}) == 92);
  CHECK(default_device_component_type("residual_current_relay", {}) == 17);
  CHECK(default_device_component_type("cable_temperature", {}) == 18);
  CHECK(default_device_component_type("electrical_fire_monitor", {}) == 16);
  // No kind the mapping knows: what its points measure says it.
  CHECK(default_device_component_type("", {"status", "smoke"}) == 42);
  CHECK(default_device_component_type("other", {"gas_concentration", "temperature"}) == 74);
  CHECK(default_device_component_type("", {"status", "level", "setpoint"}) == 92);
  CHECK(default_device_component_type("", {"residual_current", "temperature"}) == 16);
  CHECK(default_device_component_type("", {"status", "setpoint"}) == 0);  // general
  // Points: the device's type, except residual current 17 and temperature 18 on an
  // electrical-fire device.
  CHECK(fbgw::default_point_mapping("status", "", 128, 74).component_type == 74);
  CHECK(fbgw::default_point_mapping("temperature", "°C", 128, 74).component_type == 74);
  CHECK(fbgw::default_point_mapping("temperature", "°C", 128, 16).component_type == 18);
  CHECK(fbgw::default_point_mapping("residual_current", "mA", 128, 16).component_type == 17);
  CHECK(fbgw::default_point_mapping("status", "", 128, 16).component_type == 16);
  CHECK(fbgw::default_point_mapping("status", "", 128).component_type == 0);
}

TEST_CASE("gb mapping: the profile library — component types, and a known scale for every unit") {
  const std::map<std::string, int> device_type{
      {"acrel-aim-r100", 17},       {"acrel-asj10l-ld1a", 17}, {"comem-edti", 18},
      {"fonrich-fr-dcmg", 16},      {"honeywell-midas", 74},   {"mpd-380", 99},
      {"schneider-vigirex-rhu", 17}};
  int profiles = 0;
  for (const auto& f : std::filesystem::directory_iterator(FIREBUS_TEST_PROFILE_DIR)) {
    if (f.path().extension() != ".json") continue;
    const profile::device_profile p = profile::load_profile(f.path().string());
    CAPTURE(p.id);
    ++profiles;
    std::vector<std::string> quantities;
    for (const auto& pd : p.points) quantities.push_back(pd.quantity);
    const int type = fbgw::default_device_component_type(p.kind, quantities);
    REQUIRE(device_type.count(p.id) == 1);
    CHECK(type == device_type.at(p.id));
    for (const auto& pd : p.points) {
      CAPTURE(pd.id);
      const auto d = fbgw::default_point_mapping(pd.quantity, pd.unit, 128, type);
      CHECK_FALSE(d.unit_unknown);  // a profile point never goes out with a guessed scale
      if (pd.quantity == "residual_current") CHECK(d.component_type == 17);
      if (pd.quantity == "temperature" && type != 74) CHECK(d.component_type == 18);
      if (pd.quantity == "status") CHECK(d.component_type == type);  // a gas detector's A1: 74
    }
  }
  CHECK(profiles == static_cast<int>(device_type.size()));
}

TEST_CASE("gb mapping: a unit without a known scale is refused, not sent with a guessed one") {
  auto psi = fbgw::default_point_mapping("pressure", "psi", 128);
  CHECK(psi.analog_type == 5);
  CHECK(psi.unit_unknown);
  CHECK(fbgw::default_point_mapping("pressure", "", 128).unit_unknown);
  CHECK(fbgw::default_point_mapping("temperature", "°F", 128).unit_unknown);
  CHECK(fbgw::default_point_mapping("residual_current", "mV", 128).unit_unknown);
  CHECK_FALSE(fbgw::default_point_mapping("gas_concentration", "ppm", 128).unit_unknown);
  CHECK(fbgw::default_point_mapping("gas_concentration", "ppm", 128).analog_type == -1);
  fbgw::gb_component c;
  std::string why;
  CHECK_FALSE(fbgw::map_point("pressure", "psi", 99, 128, nullptr, 7, c, why));
  CHECK(why ==
        "pressure in \"psi\" has no known scale for analog type 5: give analog_scale (raw = "
        "value × scale) or analog_type -1 (no analog value)");
  fbgw::gb_point_config pc;
  pc.analog_scale = 68.9476;  // 0.1 kPa per psi
  REQUIRE(fbgw::map_point("pressure", "psi", 99, 128, &pc, 7, c, why));
  CHECK(c.analog_type == 5);
  CHECK(c.analog_scale == 68.9476);
  pc = {};
  pc.analog_type = -1;
  REQUIRE(fbgw::map_point("pressure", "psi", 99, 128, &pc, 7, c, why));
  CHECK(c.analog_type == -1);
  // Another analog type configured without a scale: the scale follows the type, never the
  // default type's (bar as 0.1 MPa is ×1, not the ×1000 of 0.1 kPa).
  pc = {};
  pc.analog_type = 4;
  REQUIRE(fbgw::map_point("pressure", "bar", 99, 128, &pc, 7, c, why));
  CHECK(c.analog_scale == doctest::Approx(1));
  pc.analog_type = 9;  // residual current as 0.1 A
  REQUIRE(fbgw::map_point("residual_current", "mA", 17, 128, &pc, 7, c, why));
  CHECK(c.analog_scale == doctest::Approx(0.01));
  pc.analog_type = 200;  // user-defined: its scale is the configuration's to give
  CHECK_FALSE(fbgw::map_point("residual_current", "mA", 17, 128, &pc, 7, c, why));
  pc.analog_type = 3;  // a temperature type for a pressure: refused
  CHECK_FALSE(fbgw::map_point("pressure", "bar", 99, 128, &pc, 7, c, why));
  // Residual current as the user-defined type 128 is mA × 1, from mA or A.
  CHECK(fbgw::analog_scale_for(128, "A", 128) == 1000);
  CHECK(fbgw::analog_scale_for(128, "mA", 128) == 1);
  CHECK_FALSE(fbgw::analog_scale_for(129, "mA", 128));
}

TEST_CASE("gb mapping: a point's component address, by default or explicitly") {
  fbgw::gb_component c;
  std::string why;
  REQUIRE(fbgw::map_point("temperature", "°C", 18, 128, nullptr, fbgw::component_address(2, 5), c,
                          why));
  CHECK(c.component_address == 0x00020005u);  // loop high, number low
  fbgw::gb_point_config pc;
  pc.component_address = 0x12345678u;
  REQUIRE(
      fbgw::map_point("temperature", "°C", 18, 128, &pc, fbgw::component_address(2, 5), c, why));
  CHECK(c.component_address == 0x12345678u);
  CHECK(c.analog_type == 3);  // the rest keeps its defaults
  CHECK(c.component_type == 18);

  fbgw::gateway_config g;
  fbgw::config_error e;
  const std::string hex = with("{\"deadband\": 2.5}", "{\"component_address\": \"0x00010002\"}");
  REQUIRE_MESSAGE(fbgw::parse_config(hex, "g.json", g, e), e.what());
  CHECK(g.devices[1].gb_points.at("T1").component_address == 0x00010002u);
  const std::string dec = with("{\"deadband\": 2.5}", "{\"component_address\": 4294967295}");
  REQUIRE_MESSAGE(fbgw::parse_config(dec, "g.json", g, e), e.what());
  CHECK(g.devices[1].gb_points.at("T1").component_address == 0xFFFFFFFFu);
  const std::string path =
      "g.json: devices[1].gb26875.points.T1.component_address: expected a "
      "4-byte address (an integer 0..4294967295 or a string, e.g. "
      "\"0x00030001\"), found ";
  CHECK(error_of(with("{\"deadband\": 2.5}", "{\"component_address\": \"0x100000000\"}")) ==
        path + "\"0x100000000\"");
  CHECK(error_of(with("{\"deadband\": 2.5}", "{\"component_address\": 4294967296}")) ==
        path + "4294967296");
  CHECK(error_of(with("{\"deadband\": 2.5}", "{\"component_address\": -1}")) == path + "-1");
  CHECK(error_of(with("{\"deadband\": 2.5}", "{\"component_address\": \"3F-7\"}")) ==
        path + "\"3F-7\"");
  CHECK(error_of(with("{\"deadband\": 2.5}", "{\"component_address\": 1.5}")) == path + "a number");
  // Decimal strings are decimal, even with a leading zero.
  const std::string lead = with("{\"deadband\": 2.5}", "{\"component_address\": \"0100\"}");
  REQUIRE_MESSAGE(fbgw::parse_config(lead, "g.json", g, e), e.what());
  CHECK(g.devices[1].gb_points.at("T1").component_address == 100u);
}

namespace {

struct tz_guard {
  std::optional<std::string> saved;
  tz_guard() {
    if (const char* v = std::getenv("TZ")) saved = v;
  }
  void set(const char* tz) {
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~tz_guard() {
    if (saved) {
      ::setenv("TZ", saved->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
};

}  // namespace

TEST_CASE("gateway config: GB time tags default to the host's local time") {
  fbgw::gateway_config c;
  fbgw::config_error e;
  REQUIRE(fbgw::parse_config(with(", \"utc_offset_minutes\": 0", ""), "g.json", c, e));
  CHECK_FALSE(c.gb.mapping.utc_offset_minutes.has_value());  // the gateway asks the host
  REQUIRE(fbgw::parse_config(minimal, "g.json", c, e));
  CHECK(c.gb.mapping.utc_offset_minutes == 0);  // explicit: kept
  tz_guard tz;
  tz.set("CST-8");  // POSIX: UTC+8 (no tzdata needed)
  CHECK(fbgw::host_utc_offset_minutes() == 480);
  tz.set("UTC0");
  CHECK(fbgw::host_utc_offset_minutes() == 0);
  tz.set("IST-5:30");
  CHECK(fbgw::host_utc_offset_minutes() == 330);
  tz.set("NST+3:30");
  CHECK(fbgw::host_utc_offset_minutes() == -210);
}

// --- the gateway refuses at start what it cannot map right --------------------------------------

namespace {

/// Starts a gateway (no uplinks, buses never started when it refuses) on `devices` (JSON) with
/// the profiles of the library and of `dir`; returns why it refused ("" when it started).
// `more`: further root members, e.g. `"gb26875": {...}, ` (with the trailing comma).
std::string start_error(const std::string& devices, const std::string& dir,
                        const std::string& more = "") {
  const std::string text = R"({"format": "firebus-gateway/1", "id": "gw1", "data_dir": ")" + dir +
                           R"(", "profile_dirs": [")" + dir + R"(", ")" + FIREBUS_TEST_PROFILE_DIR +
                           R"("], "buses": [{"id": "bus1", "tcp": "127.0.0.1:1"}], "devices": )" +
                           devices + ", " + more + R"("metrics": ""})";
  fbgw::gateway_config c;
  fbgw::config_error e;
  REQUIRE_MESSAGE(fbgw::parse_config(text, "g.json", c, e), e.what());
  asio::io_context io;
  fbgw::gateway_options o;
  o.log = [](const std::string&) {};
  fbgw::gateway g(io, c, o);
  std::string why;
  return g.start(why) ? std::string() : why;
}

std::string temp_dir(const char* name) {
  const auto d = std::filesystem::temp_directory_path() /
                 (std::string("firebus_gateway_map_") + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace

TEST_CASE("gateway: a pressure unit without a scale is refused at start, naming the path") {
  const std::string dir = temp_dir("psi");
  {
    std::ifstream in(std::string(FIREBUS_TEST_PROFILE_DIR) + "/mpd-380.json");
    std::stringstream s;
    s << in.rdbuf();
    std::string p = s.str();
    p.replace(p.find("\"id\": \"mpd-380\""), 15, "\"id\": \"mpd-psi\"");
    for (std::size_t at = p.find("\"bar\""); at != std::string::npos; at = p.find("\"bar\"")) {
      p.replace(at, 5, "\"psi\"");
    }
    std::ofstream(dir + "/mpd-psi.json") << p;
  }
  CHECK(start_error(R"([{"id": "p1", "bus": "bus1", "unit": 1, "profile": "mpd-psi"}])", dir) ==
        "devices[0].gb26875.points.P: pressure in \"psi\" has no known scale for analog type 5: "
        "give analog_scale (raw = value × scale) or analog_type -1 (no analog value) (profile "
        "mpd-psi)");
  CHECK(start_error(R"([{"id": "p1", "bus": "bus1", "unit": 1, "profile": "mpd-psi",
                          "gb26875": {"points": {"P": {"analog_scale": 68.9476},
                                                 "PMIN": {"analog_type": -1},
                                                 "PMAX": {"analog_type": -1}}}}])",
                    dir) == "");
  std::filesystem::remove_all(dir);
}

TEST_CASE("gateway: explicit component addresses — a clash or an unknown point is refused") {
  const std::string dir = temp_dir("addr");
  CHECK(start_error(R"([{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti",
                          "gb26875": {"points": {"T1": {"component_address": "0x00000100"}}}}])",
                    dir) == "");
  CHECK(start_error(R"([{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti",
                          "gb26875": {"points": {"T3": {"component_address": 65537}}}}])",
                    dir) ==  // T1 is loop 1, the first point reported: 0x00010001
        "devices[0].gb26875.points.T3.component_address: component address 0x00010001 of "
        "system 0/1 is already that of devices[0] point T1 (default address)");
  CHECK(start_error(R"([{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti",
                          "gb26875": {"points": {"T9": {"deadband": 1}}}}])",
                    dir) == "devices[0].gb26875.points.T9: profile comem-edti has no point \"T9\"");
  std::filesystem::remove_all(dir);
}

TEST_CASE("gb mapping: a device's power-fault point sets bit 8 on its components; UITD bits 3/4") {
  // d1: a residual-current point and its supply-fault bit; d2: another device; ups: the
  // gateway's own power module (mains and battery).
  alarm::rules r;
  const auto point = [&r](const char* id, alarm::alarm_rule a) {
    alarm::point_rule p;
    p.id = id;
    p.alarms = {a};
    r.points.push_back(p);
  };
  point("d1/IR1", high("ALM", 300, alarm_class::fire));
  point("d1/PWR", high("PF", 1, alarm_class::fault));
  point("d2/IR1", high("ALM", 300, alarm_class::fire));
  point("ups/MAINS", high("MF", 1, alarm_class::fault));
  point("ups/BATT", high("BF", 1, alarm_class::fault));
  alarm::engine e{r};
  std::vector<fbgw::gb_component> comps;
  const char* names[] = {"d1/IR1", "d1/PWR", "d2/IR1"};
  for (std::uint32_t i = 0; i < 3; ++i) {
    fbgw::gb_component c;
    c.point = e.find_point(names[i]);
    c.system_address = static_cast<std::uint8_t>(i < 2 ? 1 : 2);
    c.component_type = 17;
    c.component_address = i + 1;
    c.device = i < 2 ? 0 : 1;
    c.power_fault_source = i == 1;
    comps.push_back(c);
  }
  fbgw::gb_mapper_options o;
  o.main_power_point = e.find_point("ups/MAINS");
  o.backup_power_point = e.find_point("ups/BATT");
  fbgw::gb_mapper m(e, comps, {}, o);
  std::vector<gb::adu> out;
  const utc_time base(std::chrono::seconds(1764460800));
  const auto feed = [&](const char* p, double t, double v) {
    std::error_code ec;
    e.sample(e.find_point(p), at(t), v, ec);
    REQUIRE(!ec);
    m.on_events(
        e, e.events(), [&](mono_time x) { return base + x.time_since_epoch(); }, out);
    e.clear_events();
  };
  const std::uint16_t normal = cbit(gb::component_status_bit::normal_operation);
  const std::uint16_t power = cbit(gb::component_status_bit::power_fault);
  const std::uint16_t fault = cbit(gb::component_status_bit::fault);
  const auto bits = [&](const char* p) { return m.component_bits(e.find_point(p)); };
  const auto ubits = [&] { return static_cast<unsigned>(m.uitd_bits()); };
  const auto ub = [](gb::uitd_status_bit b) { return static_cast<unsigned>(b); };
  for (const char* p : {"d1/IR1", "d1/PWR", "d2/IR1", "ups/MAINS", "ups/BATT"}) feed(p, 1, 0);
  CHECK(bits("d1/IR1") == normal);
  out.clear();

  feed("d1/PWR", 2, 1);  // the device reports its supply failed
  CHECK(bits("d1/PWR") == (normal | fault | power));
  CHECK(bits("d1/IR1") == (normal | power));
  CHECK(bits("d2/IR1") == normal);  // another device: untouched
  std::vector<gb::component_status> cs;
  std::vector<gb::system_status> ss;
  for (const auto& a : out) {
    for (const auto& x : a.objects) {
      if (const auto* c = std::get_if<gb::component_status>(&x)) cs.push_back(*c);
      if (const auto* s = std::get_if<gb::system_status>(&x)) ss.push_back(*s);
    }
  }
  REQUIRE(cs.size() == 2);  // both of d1's components are sent
  REQUIRE(ss.size() == 1);  // system 0/1: main power fault (system bit 8)
  CHECK(ss[0].system_address == 1);
  CHECK((ss[0].status & static_cast<std::uint16_t>(gb::system_status_bit::main_power_fault)) != 0);
  CHECK((ubits() & ub(gb::uitd_status_bit::main_power_fault)) == 0);  // a device's, not the UITD's
  out.clear();

  feed("d1/PWR", 3, 0);  // restored: bit 8 clears on both (a fault-class alarm is not latched)
  CHECK(bits("d1/IR1") == normal);
  CHECK(bits("d1/PWR") == normal);

  feed("ups/MAINS", 4, 1);
  CHECK((ubits() & ub(gb::uitd_status_bit::main_power_fault)) != 0);
  CHECK((ubits() & ub(gb::uitd_status_bit::backup_power_fault)) == 0);
  feed("ups/BATT", 5, 1);
  CHECK((ubits() & ub(gb::uitd_status_bit::backup_power_fault)) != 0);
  feed("ups/MAINS", 6, 0);
  CHECK((ubits() & ub(gb::uitd_status_bit::main_power_fault)) == 0);
  CHECK((ubits() & ub(gb::uitd_status_bit::backup_power_fault)) != 0);
  // The UITD status objects sent carry the bits.
  unsigned last = 0;
  for (const auto& a : out) {
    for (const auto& x : a.objects) {
      if (const auto* u = std::get_if<gb::uitd_status>(&x)) last = u->status;
    }
  }
  CHECK(last == ubits());
  // A restart: the initial report has them too.
  std::vector<gb::adu> first;
  fbgw::gb_mapper again(e, comps, {}, o);
  again.initial(e, base, false, first);
  CHECK((again.uitd_bits() & ub(gb::uitd_status_bit::backup_power_fault)) != 0);
}

TEST_CASE("gateway: power-fault points — unknown or alarm-less points are refused at start") {
  const std::string dir = temp_dir("power");
  CHECK(start_error(R"([{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti",
                          "gb26875": {"points": {"T1": {"power_fault": true}}}}])",
                    dir) == "");
  CHECK(start_error(R"([{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti",
                          "gb26875": {"points": {"TMAX1": {"power_fault": true}}}}])",
                    dir) ==
        "devices[0].gb26875.points.TMAX1.power_fault: the point has no alarm (give it one in "
        "alarms, or a profile default)");
  const std::string t5 = R"([{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti"}])";
  const auto mapping = [](const std::string& m) {
    return R"("gb26875": {"enabled": false, "centre": "127.0.0.1:1", "address": "0x000000000001",
              "mapping": {)" +
           m + "}}, ";
  };
  CHECK(start_error(t5, dir,
                    mapping(R"("main_power_point": "t5/T1", "backup_power_point": "t5/T2")")) ==
        "");
  CHECK(start_error(t5, dir, mapping(R"("main_power_point": "ups/MAINS")")) ==
        "gb26875.mapping.main_power_point: \"ups/MAINS\" is not a point (\"<device id>/<point "
        "id>\")");
  CHECK(start_error(t5, dir, mapping(R"("backup_power_point": "t5/TMAX1")")) ==
        "gb26875.mapping.backup_power_point: \"t5/TMAX1\" has no alarm (give it one in alarms, "
        "or a profile default)");
  std::filesystem::remove_all(dir);
}

TEST_CASE("gateway: SIGHUP reload — live changes applied, the rest refused with a reason") {
  const std::string dir = temp_dir("reload");
  const auto text = [&dir](const std::string& device_extra, const std::string& zone_window,
                           const std::string& mapping) {
    return R"({"format": "firebus-gateway/1", "id": "gw1", "data_dir": ")" + dir +
           R"(", "profile_dirs": [")" + FIREBUS_TEST_PROFILE_DIR +
           R"("], "buses": [{"id": "bus1", "tcp": "127.0.0.1:1"}],
              "devices": [{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti")" +
           device_extra + R"(}],
              "alarms": {"rules": {"version": 1, "zones": [{"id": "riser",
                 "members": ["t5/T1", "t5/T2"], "dependency_window_s": )" +
           zone_window + R"(}]}},
              "gb26875": {"enabled": false, "centre": "127.0.0.1:1",
                          "address": "0x000000000001", "mapping": {)" +
           mapping + R"(}},
              "metrics": ""})";
  };
  const auto parse = [](const std::string& t) {
    fbgw::gateway_config c;
    fbgw::config_error e;
    REQUIRE_MESSAGE(fbgw::parse_config(t, "g.json", c, e), e.what());
    return c;
  };
  asio::io_context io;
  fbgw::gateway_options o;
  o.log = [](const std::string&) {};
  fbgw::gateway g(io, parse(text("", "60", "")), o);
  std::string why;
  REQUIRE_MESSAGE(g.start(why), why);
  // Alarm rules (a zone's window): applied while nothing is active.
  CHECK_MESSAGE(g.reload(parse(text("", "90", "")), why), why);
  // What the centre sees of a point: refused, and said so (it used to be ignored silently).
  CHECK_FALSE(g.reload(
      parse(text(R"(, "gb26875": {"points": {"T1": {"power_fault": true}}})", "90", "")), why));
  CHECK(why == "devices[0].gb26875 changed: restart needed");
  CHECK_FALSE(g.reload(parse(text("", "90", R"("main_power_point": "t5/T1")")), why));
  CHECK(why == "gb26875.mapping changed: restart needed");
  CHECK_FALSE(g.reload(parse(text(R"(, "unit": 6)", "90", "")), why));
  CHECK(why == "devices[0] changed: restart needed");
  bool stopped = false;
  g.stop(std::chrono::seconds(0), [&stopped] { stopped = true; });
  io.run_for(std::chrono::seconds(5));
  CHECK(stopped);
  std::filesystem::remove_all(dir);
}

namespace {

/// A gateway configuration for the process-level tests below: one device on a bus that
/// nothing listens on (the gateway must start anyway), MQTT off, `extra` appended to the root.
std::string app_config(const std::string& dir, const std::string& extra, const char* name = "T5") {
  return R"({"format": "firebus-gateway/1", "id": "gw1", "data_dir": ")" + dir +
         R"(", "profile_dirs": [")" + FIREBUS_TEST_PROFILE_DIR +
         R"("], "buses": [{"id": "bus1", "tcp": "127.0.0.1:1"},
                          {"id": "bus2", "rtu": "/nonexistent/ttyUSB9"}],
            "devices": [{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti",
                         "name": ")" +
         name + R"("}], "metrics": "")" + extra + "}";
}

fbgw::gateway_config parsed(const std::string& t) {
  fbgw::gateway_config c;
  fbgw::config_error e;
  REQUIRE_MESSAGE(fbgw::parse_config(t, "g.json", c, e), e.what());
  return c;
}

/// Runs an operator command on the gateway's io_context and returns its answer.
std::string run_command(asio::io_context& io, fbgw::gateway& g, const std::string& cmd) {
  std::optional<std::string> answer;
  g.command(cmd, [&answer](std::string why) { answer = std::move(why); });
  for (int i = 0; i < 200 && !answer; ++i) io.run_for(std::chrono::milliseconds(10));
  REQUIRE(answer);
  return *answer;
}

}  // namespace

TEST_CASE("gateway: SIGHUP reload refuses what it would otherwise ignore silently") {
  const std::string dir = temp_dir("reload2");
  const std::string gb = R"(, "gb26875": {"enabled": false, "centre": "127.0.0.1:1",
      "address": "0x000000000001", "mapping": {"utc_offset_minutes": 480})";
  const auto text = [&](const std::string& gb_extra, const std::string& root_extra = "",
                        const char* name = "T5") {
    return app_config(dir, gb + gb_extra + "}" + root_extra, name);
  };
  asio::io_context io;
  fbgw::gateway_options o;
  o.log = [](const std::string&) {};
  fbgw::gateway g(io, parsed(text("")), o);
  std::string why;
  REQUIRE_MESSAGE(g.start(why), why);
  CHECK_MESSAGE(g.reload(parsed(text("")), why), why);  // unchanged: fine
  const std::pair<std::string, std::string> refused[] = {
      {text(R"(, "heartbeat_s": 10)"), "gb26875 session settings changed: restart needed"},
      {text(R"(, "answer_timeout_s": 5)"), "gb26875 session settings changed: restart needed"},
      {text(R"(, "fire_answer_timeout_s": 2)"), "gb26875 session settings changed: restart needed"},
      {text(R"(, "retries": 1)"), "gb26875 session settings changed: restart needed"},
      {text(R"(, "centre_address": "0x2")"), "gb26875 session settings changed: restart needed"},
      {text(R"(, "journal": {"max_messages": 100})"), "gb26875.journal changed: restart needed"},
      {text("", R"(, "mqtt": {"enabled": false, "tls": {"ca_file": "/x/ca.crt"}})"),
       "mqtt connection settings changed: restart needed"},
      {text("", R"(, "mqtt": {"enabled": false, "journal": {"path": "/x/j.db"}})"),
       "mqtt.journal changed: restart needed"},
      {text("", "", "T5 renamed"), "devices[0] changed: restart needed"},
  };
  for (const auto& [next, reason] : refused) {
    CAPTURE(next);
    CHECK_FALSE(g.reload(parsed(next), why));
    CHECK(why == reason);
  }
  // Root settings read once at start.
  {
    auto c = parsed(text(""));
    c.metrics_listen = "127.0.0.1:9999";
    CHECK_FALSE(g.reload(c, why));
    CHECK(why == "metrics changed: restart needed");
    c = parsed(text(""));
    c.data_dir = dir + "/elsewhere";
    CHECK_FALSE(g.reload(c, why));
    CHECK(why == "data_dir changed: restart needed");
  }
  // An explicit time zone removed: the host's would apply only after a restart.
  if (fbgw::host_utc_offset_minutes() != 480) {
    CHECK_FALSE(g.reload(parsed(app_config(dir, R"(, "gb26875": {"enabled": false,
        "centre": "127.0.0.1:1", "address": "0x000000000001"})")),
                         why));
    CHECK(why == "gb26875.mapping changed: restart needed");
  }
  // A rule change while an operator has a point out of service would drop that silently.
  CHECK(run_command(io, g, R"({"command": "out_of_service", "point": "t5/T1", "operator": 3})") ==
        "");
  const std::string rules =
      R"(, "alarms": {"rules": {"version": 1, "zones": [{"id": "z", "members": ["t5/T1", "t5/T2"], "dependency_window_s": 30}]}})";
  CHECK_FALSE(g.reload(parsed(text("", rules)), why));
  CHECK(why.find("out of service") != std::string::npos);
  CHECK(run_command(io, g, R"({"command": "return_to_service", "point": "t5/T1"})") == "");
  CHECK_MESSAGE(g.reload(parsed(text("", rules)), why), why);
  bool stopped = false;
  g.stop(std::chrono::seconds(0), [&stopped] { stopped = true; });
  io.run_for(std::chrono::seconds(5));
  CHECK(stopped);
  std::filesystem::remove_all(dir);
}

TEST_CASE("gateway: clock sync - duty check - reads - /metrics against a centre") {
  const std::string dir = temp_dir("centre");
  asio::io_context io;
  gb::server_config sc;
  sc.listen_address = "127.0.0.1";
  sc.centre.address = 1;
  gb::server centre(io, sc);
  std::error_code ec;
  centre.start(ec);
  REQUIRE(!ec);
  std::optional<gb::connection_id> conn;
  std::vector<gb::adu> received;
  std::vector<gb::time_tag> header_times;  // of the frames carrying `received`
  std::map<std::uint64_t, gb::adu> answers;
  centre.on_connect([&conn](gb::connection_id c, const std::string&) { conn = c; });
  centre.on_message(
      [&received, &header_times](gb::connection_id, const gb::centre_session::message& m) {
        received.push_back(m.decode());
        header_times.push_back(m.hdr.time);
      });
  centre.on_answer(
      [&answers](gb::connection_id, std::uint64_t id, const gb::centre_session::answer& a) {
        std::error_code dec;
        answers[id] = a.adu_bytes.empty() ? gb::adu{} : gb::decode_adu(a.adu_bytes, dec);
      });
  std::vector<std::string> lines;
  fbgw::gateway_options o;
  o.log = [&lines](const std::string& l) { lines.push_back(l); };
  const std::string gb_cfg = R"(, "gb26875": {"centre": "127.0.0.1:)" +
                             std::to_string(centre.local_port()) +
                             R"(", "address": "0x000000000101", "centre_address": "0x1",
                             "mapping": {"utc_offset_minutes": 480}},
                             "snapshot_interval_s": 0.5)";
  fbgw::gateway g(io, parsed(app_config(dir, gb_cfg)), o);
  std::string why;
  // Neither bus can connect (nothing on port 1, no such serial port): the gateway starts.
  REQUIRE_MESSAGE(g.start(why), why);
  const auto run_until = [&io](const std::function<bool()>& done, int ms = 5000) {
    for (int i = 0; i < ms / 10 && !done(); ++i) io.run_for(std::chrono::milliseconds(10));
    return done();
  };
  REQUIRE(run_until([&] { return conn.has_value(); }));
  const auto snapshot_base = [&dir] {
    std::ifstream in(dir + "/engine.snapshot", std::ios::binary);
    char b[8] = {};
    in.read(b, 8);
    std::int64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::int64_t{static_cast<unsigned char>(b[i])} << (8 * i);
    return v;
  };
  REQUIRE(run_until([&] { return std::filesystem::exists(dir + "/engine.snapshot"); }, 3000));
  const std::int64_t base_before = snapshot_base();
  const auto host_now = [] {
    return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
  };
  const auto tag_at = [](utc_time t) {
    std::error_code tec;
    return gb::time_tag::from_utc(t, std::chrono::hours(8), tec);
  };
  const auto utc_of_tag = [](const gb::time_tag& t) {
    std::error_code tec;
    return t.to_utc(std::chrono::hours(8), tec);
  };
  const auto seconds_between = [](utc_time a, utc_time b) {
    return std::chrono::duration<double>(a - b).count();
  };
  // The duty check's answer carries a time tag in the gateway's GB clock.
  const auto answered_time = [&]() -> std::optional<utc_time> {
    const std::size_t before = received.size();
    centre.control(*conn, gb::adu{gb::adu_type::duty_check, {gb::duty_check{5}}}, ec);
    REQUIRE(!ec);
    REQUIRE(run_until([&] {
      return std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
        return l.find("duty check from the centre") != std::string::npos;
      });
    }));
    lines.clear();
    CHECK(run_command(io, g, R"({"command": "answer_duty_check", "operator": 7})") == "");
    std::optional<utc_time> at;
    run_until([&] {
      for (std::size_t i = before; i < received.size(); ++i) {
        if (received[i].type != gb::adu_type::uitd_operation) continue;
        const auto& op = std::get<gb::uitd_operation>(received[i].objects.at(0));
        CHECK(op.operator_id == 7);
        CHECK((op.flags & 0x20) != 0);
        at = utc_of_tag(op.time);
        // The frame header's time tag is in the same clock as the object's.
        CHECK(std::abs(seconds_between(utc_of_tag(header_times[i]), *at)) < 5);
        return true;
      }
      return false;
    });
    return at;
  };

  // 1. The centre's clock is an hour behind: the GB time tags follow it.
  centre.control(*conn,
                 gb::adu{gb::adu_type::sync_uitd_time,
                         {gb::sync_uitd_time{tag_at(host_now() - std::chrono::hours(1))}}},
                 ec);
  REQUIRE(!ec);
  auto at = answered_time();
  REQUIRE(at);
  CHECK(std::abs(seconds_between(*at, host_now() - std::chrono::hours(1))) < 5);
  // A read of the UITD's time (88) answers in that clock too.
  const std::uint64_t rid =
      centre.request(*conn, gb::adu{gb::adu_type::read_uitd_time, {gb::read_uitd_time{}}}, ec);
  REQUIRE(!ec);
  REQUIRE(run_until([&] { return answers.count(rid) > 0; }));
  REQUIRE(answers[rid].type == gb::adu_type::uitd_time);
  CHECK(
      std::abs(seconds_between(utc_of_tag(std::get<gb::uitd_time>(answers[rid].objects.at(0)).time),
                               host_now() - std::chrono::hours(1))) < 5);
  // The engine's time base (in the snapshot) is the host's: a restart does not bend the engine's
  // time line by the centre's clock.
  io.run_for(std::chrono::milliseconds(1200));
  CHECK(snapshot_base() == base_before);

  // 2. An absurd time (years away from a plausible host clock) is refused; the last good one
  // stays.
  gb::time_tag absurd;
  absurd.year = 3;  // 2003-01-01
  centre.control(*conn, gb::adu{gb::adu_type::sync_uitd_time, {gb::sync_uitd_time{absurd}}}, ec);
  REQUIRE(!ec);
  REQUIRE(run_until([&] {
    return std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
      return l.find("clock sync refused") != std::string::npos;
    });
  }));
  at = answered_time();
  REQUIRE(at);
  CHECK(std::abs(seconds_between(*at, host_now() - std::chrono::hours(1))) < 5);

  // 3. /metrics: Prometheus text exposition format.
  io.run_for(std::chrono::milliseconds(1200));
  const std::string text = g.metrics();
  std::map<std::string, std::string> type_of;
  std::set<std::string> helped, series;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    CAPTURE(line);
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      CHECK(helped.insert(name).second);
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream f(line.substr(7));
      std::string name, type;
      f >> name >> type;
      CHECK(helped.count(name) == 1);  // HELP first
      CHECK(type_of.emplace(name, type).second);
      if (type == "counter") CHECK(name.size() > 6);
      if (type == "counter") CHECK(name.substr(name.size() - 6) == "_total");
      continue;
    }
    REQUIRE(!line.empty());
    const std::string key = line.substr(0, line.rfind(' '));
    CHECK(series.insert(key).second);  // no duplicate series
    std::string name = key.substr(0, key.find('{'));
    for (const char* suffix : {"_sum", "_count"}) {
      const std::string sfx = suffix;
      if (!type_of.count(name) && name.size() > sfx.size() &&
          name.substr(name.size() - sfx.size()) == sfx) {
        name = name.substr(0, name.size() - sfx.size());
      }
    }
    CHECK(type_of.count(name) == 1);  // every sample under its family's TYPE
    const std::string value = line.substr(line.rfind(' ') + 1);
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    CHECK(*end == '\0');
  }
  for (const auto& [name, type] : type_of) {
    if (type != "summary") continue;
    CHECK(series.count(name + "_sum") == 1);
    CHECK(series.count(name + "_count") == 1);
  }
  // What the issue lists: bus utilisation, the oldest unsent alarm's age, the latency.
  CHECK(text.find("firebus_gateway_bus_utilisation{bus=\"bus1\"}") != std::string::npos);
  CHECK(text.find("firebus_gateway_oldest_unsent_alarm_seconds{uplink=\"gb26875\"}") !=
        std::string::npos);
  CHECK(text.find("firebus_gateway_alarm_latency_ms{quantile=\"0.99\"}") != std::string::npos);
  CHECK(text.find("firebus_gateway_duty_checks_answered_total 2") != std::string::npos);
  CHECK(text.find("firebus_gateway_clock_syncs_refused_total 1") != std::string::npos);

  bool stopped = false;
  g.stop(std::chrono::seconds(1), [&stopped] { stopped = true; });
  run_until([&stopped] { return stopped; });
  CHECK(stopped);
  centre.stop();
  io.run_for(std::chrono::milliseconds(100));
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "gateway: events are numbered 1, 2, 3 per source, continuing after a restart or kill -9") {
  namespace ul = firebus::uplink;
  namespace tm = firebus::telemetry;
  const std::string dir = temp_dir("eventseq");
  const std::string text = R"({"format": "firebus-gateway/1", "id": "gw1", "data_dir": ")" + dir +
                           R"(", "profile_dirs": [")" + FIREBUS_TEST_PROFILE_DIR +
                           R"("], "buses": [{"id": "bus1", "tcp": "127.0.0.1:1"}],
      "devices": [{"id": "t5", "bus": "bus1", "unit": 5, "profile": "comem-edti"}],
      "mqtt": {"broker": "127.0.0.1:1"}, "metrics": ""})";
  fbgw::gateway_config c;
  fbgw::config_error err;
  REQUIRE_MESSAGE(fbgw::parse_config(text, "g.json", c, err), err.what());
  const std::string journal = dir + "/mqtt-journal.db";
  // One run: an operator command (an event), a clean stop; returns the events' numbers.
  const auto run = [&](const char* command) {
    {
      asio::io_context io;
      fbgw::gateway_options o;
      o.log = [](const std::string&) {};
      fbgw::gateway g(io, c, o);
      std::string why;
      REQUIRE_MESSAGE(g.start(why), why);
      std::string answer = "not run";
      g.command(command, [&answer](std::string a) { answer = std::move(a); });
      io.run_for(std::chrono::milliseconds(300));
      CHECK(answer == "");
      bool stopped = false;
      g.stop(std::chrono::seconds(0), [&stopped] { stopped = true; });
      io.run_for(std::chrono::seconds(3));
      REQUIRE(stopped);
    }
    ul::journal_options jo;
    jo.path = journal;
    ul::journal j(jo);
    std::vector<std::uint64_t> numbers;
    std::error_code ec;
    for (const auto& en : j.read(ul::lane::alarm, 0, 1000, ec)) {
      const tm::envelope env =
          tm::decode_envelope(firebus::byte_view(en.payload.data(), en.payload.size()), ec);
      REQUIRE(!ec);
      if (const auto* b = std::get_if<tm::batch>(&env.body)) {
        for (const auto& e : b->events) numbers.push_back(e.seq);
      }
    }
    return numbers;
  };
  const auto disable = R"({"command": "disable", "point": "t5/T1"})";
  const auto enable = R"({"command": "enable", "point": "t5/T1"})";
  std::vector<std::uint64_t> n = run(disable);
  REQUIRE_FALSE(n.empty());
  for (std::size_t i = 0; i < n.size(); ++i) CHECK(n[i] == i + 1);
  const std::uint64_t first_run = n.size();
  // A restart continues from the snapshot.
  n = run(enable);
  REQUIRE(n.size() > first_run);
  for (std::size_t i = 0; i < n.size(); ++i) CHECK(n[i] == i + 1);
  // A kill -9 after a journal append, before the snapshot: the journal's newest envelope holds
  // numbers the snapshot does not know. Simulated by an envelope numbered 41 appended behind the
  // gateway's back: the next event must not reuse a number up to 41.
  {
    ul::journal_options jo;
    jo.path = journal;
    ul::journal j(jo);
    tm::envelope env;
    env.source_id = "gw1";
    env.seq = 1;
    env.lane = tm::lane::alarm;
    tm::batch b;
    firebus::event e;
    e.source_id = "gw1";
    e.seq = 41;
    e.kind = firebus::event_kind::disable;
    std::error_code ec;
    e.point = firebus::point_id::make("t5/T1", ec);
    b.events.push_back(e);
    env.body = b;
    const std::vector<std::uint8_t> bytes = tm::encode_envelope(env, ec);
    REQUIRE(!ec);
    ul::message m;
    m.lane = ul::lane::alarm;
    m.topic = "firebus/v1/gw1/alarm";
    m.payload = firebus::byte_view(bytes.data(), bytes.size());
    j.append(m);
    // And telemetry after it (a snapshot that could not be written meanwhile): the alarm
    // envelope is not among the journal's newest 64 ids.
    ul::message t;
    t.lane = ul::lane::telemetry;
    t.topic = "firebus/v1/gw1/telemetry";
    t.payload = firebus::byte_view(bytes.data(), bytes.size());
    for (int i = 0; i < 100; ++i) j.append(t);
  }
  n = run(disable);
  REQUIRE(n.size() >= 2);
  CHECK(n[n.size() - 2] == 41);
  CHECK(n.back() == 42);
  std::filesystem::remove_all(dir);
}
