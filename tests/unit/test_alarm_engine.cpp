// firebus — fire-safety IoT SDK.
// The alarm engine's API: configuration, refusals, events, the active list, snapshots. The
// semantics themselves are tested by the replay scenarios under tests/alarm/.
#include <chrono>
#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/alarm/engine.hpp>

using namespace firebus;
using alarm::command;
using alarm::command_kind;

namespace {

mono_time at(double s) {
  std::error_code ec;
  return mono_from_seconds(s, ec);
}

alarm::alarm_rule high(const char* id, double sp, alarm_class cls, alarm::profile prof,
                       double db = 0) {
  alarm::alarm_rule a;
  a.id = id;
  a.type = alarm::rule_type::high;
  a.setpoint = sp;
  a.deadband = db;
  a.cls = cls;
  a.profile = prof;
  return a;
}

// RC1: residual current with a pre-alarm (isa) and a fire alarm (fire); SD1, SD2: smoke
// detectors in zone Z1 (linkage on two devices).
alarm::rules sample_rules() {
  alarm::rules r;
  r.outputs.buzzer = true;
  r.outputs.linkage = true;
  r.max_shelve_s = 3600;
  alarm::point_rule rc;
  rc.id = "RC1";
  rc.range = std::make_pair(0.0, 3000.0);
  rc.raw_4_20mA = std::make_pair(0.0, 1600.0);
  rc.alarms.push_back(high("PRE", 240, alarm_class::pre_alarm, alarm::profile::isa, 10));
  rc.alarms.push_back(high("ALM", 300, alarm_class::fire, alarm::profile::fire));
  r.points.push_back(rc);
  for (const char* id : {"SD1", "SD2"}) {
    alarm::point_rule sd;
    sd.id = id;
    alarm::alarm_rule a;
    a.id = "FIRE";
    a.type = alarm::rule_type::state;
    a.profile = alarm::profile::fire;
    sd.alarms.push_back(a);
    r.points.push_back(sd);
  }
  alarm::zone_rule z;
  z.id = "Z1";
  z.members = {"SD1", "SD2"};
  z.linkage_min_devices = 2;
  r.zones.push_back(z);
  return r;
}

std::vector<std::string> names(const alarm::engine& e) {
  std::vector<std::string> out;
  for (const auto& ev : e.events()) {
    std::string s(to_string(ev.kind));
    if (ev.point != alarm::npos) s += " " + std::string(e.point_name(ev.point));
    if (ev.zone != alarm::npos) s += " " + std::string(e.zone_name(ev.zone));
    if (ev.alarm != alarm::npos) s += "/" + std::string(e.alarm_name(ev.alarm));
    out.push_back(s);
  }
  return out;
}

// xorshift64*: a small deterministic generator for the randomized tests; next(n) is in [0, n).
struct xorshift {
  std::uint64_t x;
  explicit xorshift(std::uint64_t seed) : x(seed * 0x9E3779B97F4A7C15ull) {}
  std::uint64_t operator()(std::uint64_t n) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    return ((x * 0x2545F4914F6CDD1Dull) >> 33) % n;
  }
};

}  // namespace

TEST_CASE("alarm engine: names and indices") {
  alarm::engine e(sample_rules());
  CHECK(e.point_count() == 3);
  CHECK(e.zone_count() == 1);
  CHECK(e.alarm_count() == 4);
  const auto rc1 = e.find_point("RC1");
  REQUIRE(rc1 == 0);
  CHECK(e.find_point("SD2") == 2);
  CHECK(e.find_point("nope") == alarm::npos);
  CHECK(e.find_point("") == alarm::npos);
  CHECK(e.point_name(1) == "SD1");
  CHECK(e.point_name(99).empty());
  CHECK(e.find_zone("Z1") == 0);
  CHECK(e.find_zone("Z2") == alarm::npos);
  const auto alm = e.find_alarm(rc1, "ALM");
  CHECK(alm == 1);
  CHECK(e.alarm_name(alm) == "ALM");
  CHECK(e.alarm_point(alm) == rc1);
  CHECK(e.alarm_class_of(alm) == alarm_class::fire);
  CHECK(e.find_alarm(rc1, "FIRE") == alarm::npos);
  CHECK(e.zone_alarm(0) == alarm::npos);  // no dependency: no zone alarm
}

TEST_CASE("alarm engine: an invalid configuration is refused whole") {
  alarm::engine e(sample_rules());
  std::error_code ec;
  e.sample(0, at(1), 305, ec);
  REQUIRE(!ec);
  REQUIRE(e.state(1) == alarm_state::unack);
  alarm::rules bad = sample_rules();
  bad.points[0].alarms[0].deadband = -5;
  alarm::rules_error err;
  CHECK_FALSE(e.configure(bad, ec, &err));
  CHECK(ec == alarm::errc::invalid_rules);
  CHECK(err.what() == "points[0].alarms[0].deadband: expected a number ≥ 0, found -5");
  // Nothing half-applied: the engine keeps its configuration and state.
  CHECK(e.state(1) == alarm_state::unack);
  CHECK(e.point_count() == 3);
  CHECK_THROWS_AS(alarm::engine{bad}, firebus::system_error);
}

TEST_CASE("alarm engine: a zone of many members is checked and built in linear time") {
  // A zone of 80,000 members took 21 s to validate (each member compared with every other) and
  // one of 40,000 manual call points 57 s to build: a gateway's start, or a SIGHUP reload, held
  // up that long. 100,000 members, each also a manual call point, well under a second now.
  constexpr std::size_t n = 100'000;
  alarm::rules r;
  alarm::zone_rule z;
  z.id = "big";
  for (std::size_t i = 0; i < n; ++i) {
    alarm::point_rule p;
    p.id = "p" + std::to_string(i);
    z.members.push_back(p.id);
    z.manual_call_points.push_back(p.id);
    r.points.push_back(std::move(p));
  }
  r.zones.push_back(z);
  const auto t0 = std::chrono::steady_clock::now();
  alarm::rules_error err;
  REQUIRE_MESSAGE(alarm::validate(r, err), err.what());
  alarm::engine e(r);
  const auto took = std::chrono::steady_clock::now() - t0;
  MESSAGE("validate and build: ", std::chrono::duration<double>(took).count(), " s");
  CHECK(took < std::chrono::seconds(10));  // quadratic: minutes
  CHECK(e.zone_count() == 1);
  // The checks still refuse what they refused.
  r.zones[0].members.push_back("p7");
  CHECK_FALSE(alarm::validate(r, err));
  CHECK(err.what() == "zones[0].members[100000]: duplicate member \"p7\"");
  r.zones[0].members.pop_back();
  r.zones[0].manual_call_points.push_back("nope");
  CHECK_FALSE(alarm::validate(r, err));
  CHECK(err.what() ==
        "zones[0].manual_call_points[100000]: expected a member of the zone, found \"nope\"");
  // A misspelt reference of any length is quoted in at most 128 bytes, its size said.
  r.zones[0].manual_call_points.back() = std::string(200000, 'q');
  CHECK_FALSE(alarm::validate(r, err));
  CHECK(err.what() ==
        "zones[0].manual_call_points[100000]: expected a member of the zone, found \"" +
            std::string(128, 'q') + "\"... (200000 bytes)");
  r.zones[0].manual_call_points.pop_back();
  r.zones[0].members.push_back(std::string(127, 'x') + "\xc3\xa9" + std::string(5000, 'x'));
  CHECK_FALSE(alarm::validate(r, err));
  CHECK(err.what() == "zones[0].members[100000]: unknown point \"" + std::string(127, 'x') +
                          "\"... (5129 bytes)");
}

TEST_CASE("alarm engine: refused inputs change nothing and emit nothing") {
  std::error_code ec;
  alarm::engine none;
  none.sample(0, at(0), 1, ec);
  CHECK(ec == alarm::errc::not_configured);
  CHECK(none.events().empty());

  alarm::engine e(sample_rules());
  e.sample(0, at(10), 100, ec);
  REQUIRE(!ec);
  e.sample(7, at(11), 100, ec);
  CHECK(ec == alarm::errc::unknown_point);
  e.sample(0, at(9), 500, ec);
  CHECK(ec == alarm::errc::time_went_back);
  CHECK(e.now() == at(10));
  CHECK(e.state(1) == alarm_state::normal);
  e.raw_sample(1, at(12), 12.0, std::nullopt, ec);  // SD1 has no raw mapping
  CHECK(ec == alarm::errc::no_raw_mapping);
  e.condition(3, at(12), alarm::device_condition::fire, ec);
  CHECK(ec == alarm::errc::unknown_point);
  e.status(3, at(12), alarm::device_status::fault, ec);
  CHECK(ec == alarm::errc::unknown_point);
  e.advance(at(5), ec);
  CHECK(ec == alarm::errc::time_went_back);

  command c;
  c.kind = command_kind::ack;
  c.point = "RCX";
  e.execute(at(12), c, ec);
  CHECK(ec == alarm::errc::unknown_point);
  c.point = "RC1";
  c.alarm = "HH";
  e.execute(at(12), c, ec);
  CHECK(ec == alarm::errc::unknown_alarm);
  c = command{};
  c.kind = command_kind::reset;
  c.zone = "Z9";
  e.execute(at(12), c, ec);
  CHECK(ec == alarm::errc::unknown_zone);
  c = command{};
  c.kind = command_kind::shelve;
  c.point = "RC1";
  e.execute(at(12), c, ec);  // neither a duration nor one-shot
  CHECK(ec == alarm::errc::invalid_argument);
  c.duration_s = std::numeric_limits<double>::quiet_NaN();
  e.execute(at(12), c, ec);
  CHECK(ec == alarm::errc::invalid_argument);
  c = command{};
  c.kind = command_kind::disable;  // a target is needed
  e.execute(at(12), c, ec);
  CHECK(ec == alarm::errc::invalid_argument);
  c.kind = static_cast<command_kind>(200);
  c.point = "RC1";
  e.execute(at(12), c, ec);
  CHECK(ec == alarm::errc::invalid_argument);
  CHECK(e.events().empty());
  CHECK(e.now() == at(10));
#if FIREBUS_HAS_EXCEPTIONS
  CHECK_THROWS_AS(e.sample(9, at(13), 1.0), firebus::system_error);
  CHECK_THROWS_AS(e.advance(at(1)), firebus::system_error);
#endif
}

TEST_CASE("alarm engine: a fire alarm latches, sounds the buzzer, and needs a reset") {
  alarm::engine e(sample_rules());
  std::error_code ec;
  e.sample(0, at(0), 100, ec);
  e.sample(0, at(10), 250, ec);
  e.sample(0, at(18), 305, ec);
  e.sample(0, at(30), 100, ec);
  CHECK(names(e) == std::vector<std::string>{"alarm_on RC1/PRE", "alarm_on RC1/ALM", "buzzer_on",
                                             "alarm_off RC1/PRE", "returned_latched RC1/ALM"});
  const auto& ev = e.events();
  CHECK(ev[1].t == at(18));
  CHECK(ev[1].has_value);
  CHECK(ev[1].value == 305);
  CHECK(ev[1].cls == alarm_class::fire);
  CHECK(ev[1].state == alarm_state::unack);
  CHECK(ev[3].state == alarm_state::rtn_unack);
  CHECK(ev[4].state == alarm_state::latched_unack);
  CHECK(e.buzzer());
  CHECK(e.panel() == alarm_class::fire);
  e.clear_events();

  command silence;
  silence.kind = command_kind::silence;
  e.execute(at(31), silence, ec);
  CHECK(names(e) == std::vector<std::string>{"buzzer_off"});
  e.clear_events();

  command reset;
  reset.kind = command_kind::reset;
  reset.point = "RC1";
  e.execute(at(40), reset, ec);
  REQUIRE(!ec);
  CHECK(names(e) == std::vector<std::string>{"reset RC1/ALM"});
  // The pre-alarm has returned and waits for its ack: not active, so the panel is normal.
  CHECK(e.state(0) == alarm_state::rtn_unack);
  CHECK(e.panel() == alarm_class::none);
  CHECK(e.active().empty());
  e.clear_events();
  command ack;
  ack.kind = command_kind::ack;
  e.execute(at(41), ack, ec);  // panel-wide ack
  CHECK(names(e) == std::vector<std::string>{"ack RC1/PRE"});
  CHECK(e.panel() == alarm_class::none);
  CHECK(e.active().empty());
}

TEST_CASE("alarm engine: raw 4-20 mA mapping and faults") {
  alarm::engine e(sample_rules());
  std::error_code ec;
  e.raw_sample(0, at(0), 12.0, std::nullopt, ec);  // 800 mA: both alarms
  REQUIRE(!ec);
  REQUIRE(e.events().size() >= 2);
  CHECK(e.events()[0].value == doctest::Approx(800));
  e.clear_events();
  e.raw_sample(0, at(1), 2.0, std::nullopt, ec);
  REQUIRE(e.events().size() == 1);
  CHECK(e.events()[0].kind == event_kind::fault_on);
  CHECK(e.events()[0].reason == event_reason::open_circuit);
  CHECK(e.fault(0) == event_reason::open_circuit);
  // The fault is listed after the fire alarm and before the pre-alarm? No: by class priority.
  const auto list = e.active();
  REQUIRE(list.size() == 3);
  CHECK(list[0].cls == alarm_class::fire);
  CHECK(list[1].cls == alarm_class::pre_alarm);
  CHECK(list[2].cls == alarm_class::fault);
  CHECK(list[2].reason == event_reason::open_circuit);
  CHECK(list[2].since == at(1));
  e.clear_events();
  e.sample(0, at(2), std::numeric_limits<double>::infinity(), ec);
  CHECK(e.events().empty());  // one fault at a time
  e.sample(0, at(3), 50, ec);
  CHECK(names(e) ==
        std::vector<std::string>{"fault_off RC1", "alarm_off RC1/PRE", "returned_latched RC1/ALM"});
}

TEST_CASE("alarm engine: linkage needs two distinct devices") {
  alarm::engine e(sample_rules());
  std::error_code ec;
  e.condition(1, at(0), alarm::device_condition::fire, ec);
  e.condition(1, at(1), alarm::device_condition::fire, ec);
  CHECK(names(e) == std::vector<std::string>{"alarm_on SD1/FIRE", "buzzer_on"});
  e.clear_events();
  e.condition(2, at(5), alarm::device_condition::fire, ec);
  CHECK(names(e) == std::vector<std::string>{"alarm_on SD2/FIRE", "linkage_on Z1"});
  CHECK(e.events()[1].source == 2);
  CHECK(e.linkage(0));
  e.clear_events();
  command reset;
  reset.kind = command_kind::reset;
  reset.zone = "Z1";
  e.condition(1, at(6), alarm::device_condition::normal, ec);
  e.execute(at(7), reset, ec);
  // SD2 is still reporting fire: reset, then a new alarm_on; SD1 resets. One device left.
  CHECK(names(e) == std::vector<std::string>{"returned_latched SD1/FIRE", "reset SD1/FIRE",
                                             "reset SD2/FIRE", "alarm_on SD2/FIRE",
                                             "linkage_off Z1"});
}

TEST_CASE("alarm engine: next_due and advance drive delays") {
  alarm::rules r = sample_rules();
  r.points[0].alarms[1].on_delay_s = 5;
  alarm::engine e(r);
  std::error_code ec;
  CHECK_FALSE(e.next_due());
  e.sample(0, at(10), 350, ec);
  REQUIRE(e.next_due());
  CHECK(*e.next_due() == at(15));
  e.clear_events();
  e.advance(at(14.999999), ec);
  CHECK(e.events().empty());
  e.advance(at(15), ec);
  REQUIRE(e.events().size() == 2);
  CHECK(e.events()[0].kind == event_kind::alarm_on);
  CHECK(e.events()[0].t == at(15));
  CHECK(e.events()[0].value == 350);
}

TEST_CASE("alarm engine: snapshot and restore") {
  alarm::rules r = sample_rules();
  r.points[0].alarms[1].on_delay_s = 5;
  alarm::engine e(r);
  std::error_code ec;
  e.sample(0, at(10), 350, ec);  // PRE at once, ALM pending until 15
  e.clear_events();
  const auto snap = e.snapshot();

  alarm::engine f(r);
  REQUIRE(f.restore(snap, at(12), ec));
  CHECK(f.events().empty());  // restoring emits nothing
  CHECK(f.state(0) == alarm_state::unack);
  CHECK(f.now() == at(10));
  e.advance(at(20), ec);
  f.advance(at(20), ec);
  REQUIRE(e.events().size() == f.events().size());
  for (std::size_t i = 0; i < e.events().size(); ++i) {
    CHECK(e.events()[i].kind == f.events()[i].kind);
    CHECK(e.events()[i].t == f.events()[i].t);
  }
  // Restored at the snapshot's own time, the state is the same byte for byte.
  alarm::engine h(r);
  REQUIRE(h.restore(snap, at(10), ec));
  CHECK(h.snapshot() == snap);

  // Another configuration: refused, nothing changes.
  alarm::rules other = r;
  other.points[0].alarms[1].setpoint = 310;
  alarm::engine g(other);
  CHECK_FALSE(g.restore(snap, at(12), ec));
  CHECK(ec == alarm::errc::snapshot_mismatch);
  CHECK(g.state(0) == alarm_state::normal);
  // Corrupt bytes: every truncation and a flipped magic are refused.
  for (std::size_t n = 0; n < snap.size(); n += 7) {
    std::vector<std::uint8_t> cut(snap.begin(), snap.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_FALSE(f.restore(cut, at(30), ec));
  }
  auto bad = snap;
  bad[0] = 'X';
  CHECK_FALSE(f.restore(bad, at(30), ec));
  CHECK(ec == alarm::errc::snapshot_corrupt);
  auto longer = snap;
  longer.push_back(0);
  CHECK_FALSE(f.restore(longer, at(30), ec));
  alarm::engine unconfigured;
  CHECK_FALSE(unconfigured.restore(snap, at(1), ec));
  CHECK(ec == alarm::errc::not_configured);
}

TEST_CASE("alarm engine: to_event names everything") {
  alarm::engine e(sample_rules());
  std::error_code ec;
  e.sample(0, at(18), 305, ec);
  REQUIRE(e.events().size() >= 2);
  const firebus::event ev = e.to_event(e.events()[1]);
  CHECK(ev.kind == event_kind::alarm_on);
  CHECK(ev.point.str() == "RC1");
  CHECK(ev.alarm == "ALM");
  CHECK(ev.cls == alarm_class::fire);
  CHECK(ev.state == alarm_state::unack);
  REQUIRE(ev.value);
  CHECK(*ev.value == 305);
  CHECK(ev.t == at(18));
}

TEST_CASE("alarm engine: memory per point with two limits") {
  alarm::rules r;
  for (int i = 0; i < 10000; ++i) {
    alarm::point_rule p;
    p.id = "P" + std::to_string(i);
    p.alarms.push_back(high("PRE", 240, alarm_class::pre_alarm, alarm::profile::isa, 10));
    p.alarms.push_back(high("ALM", 300, alarm_class::fire, alarm::profile::fire));
    r.points.push_back(p);
  }
  alarm::engine e(r);
  const double per_point = static_cast<double>(e.memory_bytes()) / 10000.0;
  MESSAGE("alarm engine bytes per point (two limits): " << per_point);
  CHECK(per_point <= 256);
}

namespace {

// A configuration that exercises everything the sample shortcut must step aside for: HIGH and
// LOW limits with deadbands and delays, ranges, staleness, suppression, state alarms, rate of
// rise, verification, a dependency zone and a linkage zone, chatter and flood.
alarm::rules shortcut_rules() {
  alarm::rules r;
  r.outputs = {true, true, true};
  r.max_shelve_s = 60;
  r.chatter = {10, 4};
  r.flood = {5, 6, 2};
  for (int i = 0; i < 24; ++i) {
    alarm::point_rule p;
    p.id = "P" + std::to_string(i);
    alarm::alarm_rule a =
        high("H", 100, alarm_class::fire, i % 3 == 0 ? alarm::profile::fire : alarm::profile::isa,
             i % 2 == 0 ? 5.0 : 0.0);
    a.on_delay_s = i % 4 == 1 ? 2 : 0;
    a.off_delay_s = i % 4 == 2 ? 3 : 0;
    p.alarms.push_back(a);
    alarm::alarm_rule lo = high("L", 10, alarm_class::fault, alarm::profile::isa, 2);
    lo.type = alarm::rule_type::low;
    lo.on_delay_s = i % 5 == 3 ? 1 : 0;
    lo.off_delay_s = i % 5 == 4 ? 1 : 0;
    if (i % 3 != 2) p.alarms.push_back(lo);
    if (i % 7 == 5) {
      alarm::alarm_rule ror;
      ror.id = "ROR";
      ror.type = alarm::rule_type::rate_of_rise;
      ror.rate_per_min = 600;
      ror.window_s = 2;
      ror.cls = alarm_class::pre_alarm;
      p.alarms.push_back(ror);
    }
    if (i % 6 == 4) {
      alarm::alarm_rule st;
      st.id = "S";
      st.type = alarm::rule_type::state;
      st.profile = alarm::profile::fire;
      p.alarms.push_back(st);
      p.verification = alarm::verification_rule{1, 5};
    }
    if (i % 4 == 0) p.range = std::make_pair(-50.0, 500.0);
    if (i % 5 == 0) p.stale_s = 7;
    if (i % 8 == 3) p.suppressed_by = "P" + std::to_string(i + 1);
    r.points.push_back(p);
  }
  alarm::zone_rule dep;
  dep.id = "ZD";
  dep.members = {"P0", "P1", "P2"};
  dep.dependency_window_s = 4;
  r.zones.push_back(dep);
  alarm::zone_rule link;
  link.id = "ZL";
  link.members = {"P6", "P7", "P8", "P9"};
  link.linkage_min_devices = 2;
  r.zones.push_back(link);
  return r;
}

bool same(const alarm::alarm_event& a, const alarm::alarm_event& b) {
  const bool value = a.value == b.value || (std::isnan(a.value) && std::isnan(b.value));
  return a.t == b.t && a.kind == b.kind && a.cls == b.cls && a.state == b.state &&
         a.reason == b.reason && a.has_value == b.has_value && value && a.delta_s == b.delta_s &&
         a.point == b.point && a.alarm == b.alarm && a.zone == b.zone && a.source == b.source;
}

}  // namespace

TEST_CASE("alarm engine: the sample shortcut changes nothing") {
  const alarm::rules r = shortcut_rules();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> values = {0,
                                      1,
                                      50,
                                      94.9,
                                      95,
                                      std::nextafter(95.0, 0.0),
                                      99.99,
                                      100,
                                      std::nextafter(100.0, 0.0),
                                      100.5,
                                      200,
                                      8,
                                      10,
                                      std::nextafter(10.0, 20.0),
                                      11.9,
                                      12,
                                      std::nextafter(12.0, 20.0),
                                      12.1,
                                      499,
                                      500,
                                      std::nextafter(500.0, inf),
                                      -50,
                                      std::nextafter(-50.0, -inf),
                                      -1e300,
                                      1e300,
                                      3.4028235677973366e38,
                                      inf,
                                      -inf,
                                      std::nan(""),
                                      20,
                                      30,
                                      40};
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    alarm::engine fast(r);
    alarm::engine slow(r);
    slow.set_shortcut(false);
    CHECK(fast.shortcut_enabled());
    CHECK_FALSE(slow.shortcut_enabled());
    xorshift next(seed);
    std::int64_t t = 1'000'000;
    std::size_t shortcut_eligible = 0;
    for (int step = 0; step < 60000; ++step) {
      t += static_cast<std::int64_t>(next(400'000));
      const mono_time now{duration(t)};
      const auto p = static_cast<std::uint32_t>(next(r.points.size()));
      // Values mostly in the quiet middle, often on the edges.
      const double v =
          next(4) == 0 ? values[next(values.size())] : 20 + static_cast<double>(next(60));
      std::error_code e1, e2;
      const std::uint64_t op = next(1000);
      if (op < 900) {
        ++shortcut_eligible;
        fast.sample(p, now, v, e1);
        slow.sample(p, now, v, e2);
      } else if (op < 940) {  // a device time stamp: ahead, behind, duplicate, jump
        const std::int64_t offs[] = {0, 1, -1, -400'000'000, 400'000'000, -5'000'000};
        const mono_time ts{duration(t + offs[next(6)])};
        fast.sample(p, now, v, ts, e1);
        slow.sample(p, now, v, ts, e2);
      } else if (op < 955) {
        const auto c = static_cast<alarm::device_condition>(next(3));
        fast.condition(p, now, c, e1);
        slow.condition(p, now, c, e2);
      } else if (op < 970) {
        const auto s =
            next(3) == 0 ? static_cast<alarm::device_status>(next(4)) : alarm::device_status::ok;
        fast.status(p, now, s, e1);
        slow.status(p, now, s, e2);
      } else if (op < 995) {
        command c;
        c.kind = static_cast<command_kind>(next(9));
        if (next(2) == 0) c.point = r.points[p].id;
        if (c.kind == command_kind::shelve) c.duration_s = 30;
        fast.execute(now, c, e1);
        slow.execute(now, c, e2);
      } else {
        fast.advance(now, e1);
        slow.advance(now, e2);
      }
      REQUIRE(e1 == e2);
      const auto& a = fast.events();
      const auto& b = slow.events();
      REQUIRE(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(same(a[i], b[i]));
      fast.clear_events();
      slow.clear_events();
      if (step % 5000 == 4999) {
        REQUIRE(fast.snapshot() == slow.snapshot());
        // Restored engines keep agreeing (the shortcut starts empty after a restore).
        const auto bytes = fast.snapshot();
        REQUIRE(fast.restore(bytes, now, e1));
        REQUIRE(slow.restore(bytes, now, e2));
      }
    }
    CHECK(fast.snapshot() == slow.snapshot());
    CHECK(fast.next_due() == slow.next_due());
    CHECK(shortcut_eligible > 50000);
  }
}

namespace {

alarm::rules ror_rules(double window_s, double max_age_s, alarm_class cls) {
  alarm::rules r;
  alarm::point_rule p;
  p.id = "T";
  alarm::alarm_rule a;
  a.id = "ROR";
  a.type = alarm::rule_type::rate_of_rise;
  a.rate_per_min = 10;
  a.window_s = window_s;
  a.max_reference_age_s = max_age_s;
  a.cls = cls;
  p.alarms.push_back(a);
  r.points.push_back(p);
  return r;
}

// The semantics' rate of rise, with the whole history: 1 active, 0 inactive, -1 no reference.
struct ror_model {
  double rate = 10;
  std::int64_t window = 0;
  std::int64_t max_age = 0;
  std::vector<std::pair<std::int64_t, double>> h;
  int evaluate(std::int64_t t, double v) {
    const std::pair<std::int64_t, double>* ref = nullptr;
    const std::pair<std::int64_t, double>* before = nullptr;
    for (const auto& s : h) {
      if (s.first >= t - window && s.first < t) {
        ref = &s;
        break;
      }
      if (s.first < t - window) before = &s;
    }
    if (ref == nullptr && before != nullptr && t - before->first <= max_age) ref = before;
    int result = -1;
    if (ref != nullptr) {
      result = (v - ref->second) * 60.0 >= rate * (static_cast<double>(t - ref->first) / 1e6);
    }
    h.emplace_back(t, v);
    return result;
  }
};

}  // namespace

TEST_CASE("alarm engine: rate of rise without a reference leaves the alarm as it is") {
  // "No reference, no evaluation"; "missing or bad data never clears an alarm".
  alarm::engine e(ror_rules(60, 90, alarm_class::fire));
  std::error_code ec;
  e.sample(0, at(0), 20, ec);
  e.sample(0, at(30), 40, ec);
  REQUIRE(e.state(0) == alarm_state::unack);
  e.sample(0, at(200), 45, ec);  // the newest older sample is 170 s old, beyond 90 s
  CHECK(e.events().size() == 1);
  CHECK(e.state(0) == alarm_state::unack);
  CHECK(e.condition_active(0));
  e.sample(0, at(210), 45, ec);  // a reference again: flat, the condition returns (latched)
  CHECK(e.state(0) == alarm_state::latched_unack);
}

TEST_CASE("alarm engine: a rate-of-rise history beyond its cap is never later than the semantics") {
  // 1 s samples over a 600 s window: 600 samples, more than the 256 entries kept. The rise of
  // 101 from t = 400 to t = 1000 (10.1/min) is only seen from the reference at t = 400.
  {
    alarm::engine e(ror_rules(600, 0, alarm_class::supervisory));
    std::error_code ec;
    std::int64_t first_on = -1;
    for (int t = 0; t <= 1000; ++t) {
      const double v = t < 400    ? 100
                       : t == 400 ? 0
                       : t < 657  ? 42
                       : t < 913  ? 84
                       : t < 1000 ? 100
                                  : 101;
      e.sample(0, at(t), v, ec);
      REQUIRE(!ec);
      if (first_on < 0 && e.condition_active(0)) first_on = t;
    }
    CHECK(first_on == 1000);  // the semantics' instant exactly
  }
  // Random walks sampled densely (beyond the cap) or sparsely (within it), and dense ramps near
  // the rate, against the semantics with the whole history: the engine is active whenever the
  // semantics is, agrees when there is no reference, and agrees exactly while the window holds
  // at most 256 samples.
  for (std::uint64_t seed = 1; seed <= 9; ++seed) {
    CAPTURE(seed);
    const bool dense = seed % 3 != 2;
    const bool ramp = seed % 3 == 0;
    const double max_age = seed % 3 == 0 ? 0 : 90;
    alarm::engine e(ror_rules(600, max_age, alarm_class::supervisory));
    ror_model m;
    m.window = 600'000'000;
    m.max_age = static_cast<std::int64_t>(max_age * 1e6);
    xorshift next(seed);
    std::int64_t t = 0;
    double v = 20;
    bool cond = false;
    int early = 0;
    int actives = 0;
    for (int step = 0; step < 20000; ++step) {
      t += dense ? 100'000 + static_cast<std::int64_t>(next(2'900'000))
                 : 2'400'000 + static_cast<std::int64_t>(next(3'000'000));
      if (next(500) == 0) t += 120'000'000;  // a gap: sometimes no reference at all
      const std::uint64_t k = next(100);
      if (ramp) {  // about the rate (10/min), ± 20 %, with noise and a drop now and then
        v = k < 1 ? v - 20 : v + (0.8 + 0.4 * static_cast<double>(next(1001)) / 1000.0) * 0.26;
      } else {
        v += k < 3 ? -30.0 : k < 6 ? 30.0 : (static_cast<double>(next(2001)) - 1000.0) / 3000.0;
      }
      std::error_code ec;
      e.sample(0, mono_time(duration(t)), v, ec);
      REQUIRE(!ec);
      const int want = m.evaluate(t, v);
      if (want >= 0) cond = want == 1;
      const bool got = e.condition_active(0);
      if (want == 1) REQUIRE(got);
      actives += want == 1 ? 1 : 0;
      if (want == -1) REQUIRE(got == cond);  // no reference on both sides: nothing changed
      if (!dense) REQUIRE(got == cond);
      early += got && !cond ? 1 : 0;
      cond = got;  // the engine's state, so that a conservative step does not cascade
      e.clear_events();
    }
    if (!dense) CHECK(early == 0);
    CHECK(actives > 0);  // the comparison saw activations
  }
}

namespace {

// The snapshot of an engine with one point and one rate-of-rise alarm (no flood, chatter,
// shelving, verification or zones), written in format version 1: rate-of-rise entries (t, v).
std::vector<std::uint8_t> to_version1(const std::vector<std::uint8_t>& v2) {
  // "FBAS", version, fingerprint, now, flags, flood (0), 1 point of 52 bytes, 1 alarm of 20,
  // shelve (0), verify (0), chatter (0), 1 history: its size, then 24-byte entries; zones.
  constexpr std::size_t hist = 4 + 4 + 8 + 8 + 1 + 4 + 4 + 52 + 4 + 20 + 4 + 4 + 4 + 4;
  std::vector<std::uint8_t> out(v2.begin(), v2.begin() + hist + 4);
  out[4] = 1;
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(v2[hist + i]) << (8 * i);
  for (std::uint32_t j = 0; j < n; ++j) {
    const std::size_t at = hist + 4 + 24 * j;
    out.insert(out.end(), v2.begin() + at, v2.begin() + at + 8);        // t_last
    out.insert(out.end(), v2.begin() + at + 16, v2.begin() + at + 24);  // v_ref
  }
  out.insert(out.end(), v2.begin() + hist + 4 + 24 * n, v2.end());
  return out;
}

}  // namespace

TEST_CASE("alarm engine: snapshots of format version 1 still restore") {
  const alarm::rules r = ror_rules(60, 90, alarm_class::fire);
  alarm::engine e(r);
  std::error_code ec;
  for (int t = 0; t <= 20; t += 5) e.sample(0, at(t), 20 + t / 10.0, ec);
  const auto v2 = e.snapshot();
  REQUIRE(v2[4] == 2);
  const auto v1 = to_version1(v2);
  REQUIRE(v1.size() == v2.size() - 5 * 8);
  alarm::engine f(r);
  REQUIRE(f.restore(v1, at(20), ec));
  CHECK(f.snapshot() == v2);    // the same state, written as version 2
  f.sample(0, at(30), 30, ec);  // the restored history is the reference: 9.5 in 30 s
  CHECK(f.state(0) == alarm_state::unack);
}

TEST_CASE("alarm engine: a fire-class alarm cannot be shelved, and an old shelving ends") {
  alarm::rules r;
  r.max_shelve_s = 3600;
  alarm::point_rule p;
  p.id = "RC1";
  alarm::alarm_rule a;  // class fire and profile isa: the defaults
  a.id = "ALM";
  a.setpoint = 300;
  p.alarms.push_back(a);
  r.points.push_back(p);
  alarm::engine e(r);
  std::error_code ec;
  command c;
  c.kind = command_kind::shelve;
  c.point = "RC1";
  c.duration_s = 600;
  e.execute(at(0), c, ec);
  REQUIRE(!ec);
  REQUIRE(e.events().size() == 1);
  CHECK(e.events()[0].kind == event_kind::reject);
  CHECK(e.events()[0].reason == event_reason::not_shelvable);
  CHECK_FALSE(e.shelved(0));
  e.clear_events();
  e.sample(0, at(1), 320, ec);
  REQUIRE(e.state(0) == alarm_state::unack);

  // A snapshot from before fire-class alarms were unshelvable: the alarm shelved until 3600 and
  // its condition active. Restoring it emits nothing; the shelving ends at the restore time.
  auto old = e.snapshot();
  constexpr std::size_t alarm_at = 4 + 4 + 8 + 8 + 1 + 4 + 4 + 52 + 4;  // run_due, since, ...
  old[alarm_at + 16] = static_cast<std::uint8_t>(alarm_state::normal);
  old[alarm_at + 18] = 1;  // overlays: shelved
  const std::size_t shelve_map = alarm_at + 20;
  old[shelve_map] = 1;  // one entry: alarm 0 until 3600 s
  std::vector<std::uint8_t> entry(12, 0);
  const std::uint64_t until = 3'600'000'000ull;
  for (int i = 0; i < 8; ++i) entry[4 + i] = static_cast<std::uint8_t>(until >> (8 * i));
  old.insert(old.begin() + static_cast<std::ptrdiff_t>(shelve_map + 4), entry.begin(), entry.end());
  alarm::engine f(r);
  REQUIRE(f.restore(old, at(2), ec));
  CHECK(f.events().empty());
  CHECK(f.shelved(0));
  f.advance(at(2), ec);
  REQUIRE(f.events().size() == 2);
  CHECK(f.events()[0].kind == event_kind::unshelve);
  CHECK(f.events()[0].t == at(2));
  CHECK(f.events()[1].kind == event_kind::alarm_on);
  CHECK_FALSE(f.shelved(0));
  CHECK(f.state(0) == alarm_state::unack);
}
