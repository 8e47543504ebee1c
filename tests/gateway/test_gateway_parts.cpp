// firebus — fire-safety IoT SDK.
// firebus-gateway's pure parts: the configuration loader (errors name the file, JSON path and
// problem) and the mapping from alarm-engine states to GB/T 26875.3 objects
// (../shared/specs/gb26875-mapping.md).
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/alarm/engine.hpp>
#include <firebus/gb26875/codes.hpp>
#include <firebus/gb26875/uitd_session.hpp>

#include "config.hpp"
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
  CHECK(gb::classify(f.out.front()) == gb::message_priority::fire);
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
  std::error_code ec;
  alarm::command reset;
  reset.kind = alarm::command_kind::reset;
  f.e.execute(at(5), reset, ec);
  REQUIRE(!ec);
  f.m.on_events(
      f.e, f.e.events(), [&f](mono_time x) { return f.base + x.time_since_epoch(); }, f.out);
  cs = f.objects<gb::component_status>();
  REQUIRE_FALSE(cs.empty());
  CHECK(cs.back().status == cbit(gb::component_status_bit::normal_operation));
  us = f.objects<gb::uitd_status>();
  REQUIRE_FALSE(us.empty());
  CHECK((us.back().status & static_cast<std::uint8_t>(gb::uitd_status_bit::fire_alarm)) == 0);
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
