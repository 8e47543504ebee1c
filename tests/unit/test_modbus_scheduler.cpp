// firebus — fire-safety IoT SDK.
// The bus scheduler (<firebus/modbus/scheduler.hpp>): one request in flight, priorities, poll
// periods, splits on exceptions and timeouts, retries, quarantine with back-off (a dead device
// costs at most one timeout per back-off period and delays the others by at most one
// transaction), writes, counters, and determinism. Driven by a simulated bus with simulated
// time: every test replays exactly.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/modbus/scheduler.hpp>

namespace {

namespace mb = firebus::modbus;
using firebus::duration;
using firebus::mono_time;
using namespace std::chrono_literals;

struct sent {
  mono_time at;
  std::uint32_t device;
  mb::poll_priority prio;
  std::uint16_t address;
  std::uint16_t quantity;
  std::uint64_t write_id;
  bool operator==(const sent& o) const {
    return at == o.at && device == o.device && prio == o.prio && address == o.address &&
           quantity == o.quantity && write_id == o.write_id;
  }
};

// How a simulated device answers a job: an empty code after `latency`, or an error.
struct behaviour {
  bool dead = false;
  mono_time dead_from = mono_time::max();  // dead from then on
  duration latency = 10ms;
  // Exception 02 for reads covering this address (if set).
  std::optional<std::uint16_t> refuse;
  // Timeouts for reads covering this address (if set), while answering others.
  std::optional<std::uint16_t> silent_at;
  int fail_first = 0;  // time out this many requests, then answer
};

struct bus_sim {
  mb::scheduler s;
  std::vector<behaviour> devices;
  std::vector<sent> log;
  std::vector<mb::outcome> outcomes;
  mono_time now{};

  explicit bus_sim(mb::cost_model c = mb::cost_model::rtu(mb::line_timing{})) : s(c) {}

  static bool covers(const mb::job& j, std::uint16_t a) {
    return j.write_id == 0 && a >= j.read.req.address &&
           a < j.read.req.address + j.read.req.quantity;
  }

  void run_until(mono_time end) {
    while (now < end) {
      std::optional<mb::job> j = s.next(now);
      if (!j) {
        const std::optional<mono_time> t = s.next_deadline();
        if (!t || *t > end) {
          now = end;
          break;
        }
        REQUIRE(*t > now);  // next() had nothing: the next deadline is in the future
        now = *t;
        continue;
      }
      CHECK_FALSE(s.next(now));  // one request in flight
      log.push_back(
          sent{now, j->device, j->prio, j->read.req.address, j->read.req.quantity, j->write_id});
      behaviour& b = devices[j->device];
      std::error_code ec;
      if (b.dead || now >= b.dead_from || (b.silent_at && covers(*j, *b.silent_at)) ||
          b.fail_first > 0) {
        if (b.fail_first > 0) --b.fail_first;
        now = j->deadline;
        ec = mb::errc::timeout;
      } else if (b.refuse && covers(*j, *b.refuse)) {
        now += b.latency;
        ec = mb::errc::illegal_data_address;
      } else {
        now += b.latency;
      }
      for (mb::outcome& o : s.complete(now, ec)) outcomes.push_back(std::move(o));
    }
  }
};

std::array<std::vector<mb::read_item>, 3> items(std::vector<mb::read_item> alarm,
                                                std::vector<mb::read_item> meas = {},
                                                std::vector<mb::read_item> config = {}) {
  return {std::move(alarm), std::move(meas), std::move(config)};
}

mb::read_item hr(std::uint16_t a, std::uint16_t n = 1) {
  return {mb::table::holding_registers, a, n};
}

mono_time at(duration d) { return mono_time{} + d; }

// Alarm reads every second, 500 ms timeout and one retry, quarantine after two failed
// transactions, back-off 5 s doubling to 60 s: a gateway's usual settings.
mb::device_policy alarm_every_second() {
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  p.timeout = 500ms;
  p.retries = 1;
  p.quarantine_after = 2;
  p.backoff_initial = 5s;
  p.backoff_max = 60s;
  return p;
}

}  // namespace

TEST_CASE("alarm reads go first, then measurements, then configuration; one at a time") {
  bus_sim b;
  mb::device_policy p;
  b.devices.resize(2);
  b.s.add_device(1, items({}, {hr(0)}, {hr(100)}), {}, p);
  b.s.add_device(2, items({hr(27)}, {hr(0)}, {}), {}, p);
  b.run_until(at(500ms));
  REQUIRE(b.log.size() == 4);
  CHECK(b.log[0].prio == mb::poll_priority::alarm);
  CHECK(b.log[0].device == 1);
  CHECK(b.log[1].prio == mb::poll_priority::measurement);
  CHECK(b.log[2].prio == mb::poll_priority::measurement);
  CHECK(b.log[3].prio == mb::poll_priority::config);
  // Each request starts when the previous one ended.
  for (std::size_t i = 1; i < b.log.size(); ++i) CHECK(b.log[i].at == b.log[i - 1].at + 10ms);
  for (const auto& o : b.outcomes) CHECK_FALSE(o.ec);
  CHECK(b.s.counters().replies == 4);
}

TEST_CASE("classes are polled at their own periods, alarms overtaking queued measurements") {
  bus_sim b;
  mb::device_policy p;
  p.period = {1s, 10s, 0s};
  b.devices.resize(1);
  b.devices[0].latency = 100ms;
  // 30 measurement reads that cannot merge (far apart): a measurement cycle lasts 3 s.
  std::vector<mb::read_item> meas;
  for (std::uint16_t k = 0; k < 30; ++k) meas.push_back(hr(static_cast<std::uint16_t>(k * 1000)));
  b.s.add_device(1, items({hr(65000)}, meas), {}, p);
  b.run_until(at(30s));
  int alarms = 0;
  int measurements = 0;
  mono_time last_alarm{};
  for (const sent& x : b.log) {
    if (x.prio == mb::poll_priority::alarm) {
      ++alarms;
      // An alarm read waits at most for the request in flight.
      if (alarms > 1) CHECK(x.at - last_alarm <= 1s + 100ms);
      last_alarm = x.at;
    } else {
      ++measurements;
    }
  }
  CHECK(alarms == 30);
  CHECK(measurements == 90);
}

TEST_CASE("a class starved by a line too slow for the alarm period shows in its overruns") {
  bus_sim b;
  mb::device_policy fast;
  fast.period = {100ms, 1s, 0s};
  mb::device_policy slow;
  slow.period = {0s, 1s, 0s};
  b.devices.resize(2);
  b.devices[0].latency = 60ms;
  // Two alarm reads of 60 ms every 100 ms: the alarm class alone takes the whole line.
  b.s.add_device(1, items({hr(0), hr(5000)}), {}, fast);
  b.s.add_device(2, items({}, {hr(0)}), {}, slow);  // measurements only
  b.run_until(at(10s + 100ms));
  int of_device2 = 0;
  for (const sent& x : b.log) of_device2 += x.device == 1 ? 1 : 0;
  CHECK(of_device2 == 0);  // strict priority: alarm reads first, always
  // ... and the starved cycle is not silent: one overrun per missed 1 s period.
  CHECK(b.s.counters(1).overruns == 10);
  CHECK(b.s.counters(1).requests == 0);
}

TEST_CASE("a merged read refused with exception 02 is split until the bad register is alone") {
  bus_sim b;
  b.devices.resize(1);
  b.devices[0].refuse = 5;  // address 5 is not implemented: reads covering it fail
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  // Items at 0..9 (one register each, except 5 which a profile maps wrongly).
  std::vector<mb::read_item> a;
  for (std::uint16_t k = 0; k < 10; ++k) a.push_back(hr(k));
  b.s.add_device(1, items(a), {}, p);
  REQUIRE(b.s.plan(0, mb::poll_priority::alarm).size() == 1);
  b.run_until(at(5s));
  // log2(10) splits find it; every other register is still read in merged requests.
  const auto& plan = b.s.plan(0, mb::poll_priority::alarm);
  CHECK(plan.size() <= 4);
  CHECK(b.s.counters().splits <= 4);
  int final_failures = 0;
  for (const auto& o : b.outcomes) {
    if (o.final_failure) {
      ++final_failures;
      CHECK(o.j.read.req.address == 5);
      CHECK(o.j.read.req.quantity == 1);
      CHECK(o.ec == mb::errc::illegal_data_address);
    }
  }
  CHECK(final_failures == 5);  // once per cycle, after the splits of the first
  // The other registers are read in every cycle.
  std::set<std::uint16_t> covered;
  for (const auto& o : b.outcomes) {
    if (!o.ec) {
      for (std::uint16_t x = o.j.read.req.address; x < o.j.read.req.address + o.j.read.req.quantity;
           ++x) {
        covered.insert(x);
      }
    }
  }
  CHECK(covered == std::set<std::uint16_t>{0, 1, 2, 3, 4, 6, 7, 8, 9});
}

TEST_CASE("a merged read that times out is split; a dead device's splits are not kept") {
  bus_sim b;
  b.devices.resize(2);
  b.devices[0].silent_at = 8;  // silent on one register, answers the others
  b.devices[1].dead = true;
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  p.retries = 1;
  p.timeout = 100ms;
  p.quarantine_after = 2;
  b.s.add_device(1, items({hr(0), hr(2), hr(8)}), {}, p);
  b.s.add_device(2, items({hr(0), hr(2), hr(8)}), {}, p);
  REQUIRE(b.s.plan(0, mb::poll_priority::alarm).size() == 1);
  b.run_until(at(10s));
  // Device 1: bisected (at 2, then at 8) until register 8 is read alone.
  const auto& plan = b.s.plan(0, mb::poll_priority::alarm);
  REQUIRE(plan.size() == 3);
  CHECK(plan.back().req.address == 8);
  CHECK(plan.back().req.quantity == 1);
  CHECK_FALSE(b.s.quarantined(0));
  std::size_t good = 0;
  for (const auto& o : b.outcomes) {
    if (o.j.device == 0 && !o.ec) ++good;
  }
  CHECK(good >= 9);
  // Device 2 never answered: in quarantine with its plan whole.
  CHECK(b.s.quarantined(1));
  CHECK(b.s.plan(1, mb::poll_priority::alarm).size() == 1);
}

TEST_CASE("a timeout is retried at once on an otherwise idle bus, and a reply clears it") {
  bus_sim b;
  b.devices.resize(1);
  b.devices[0].fail_first = 1;
  mb::device_policy p;
  p.timeout = 200ms;
  b.s.add_device(1, items({hr(0)}), {}, p);
  b.run_until(at(500ms));
  REQUIRE(b.log.size() == 2);
  CHECK(b.log[1].at == b.log[0].at + 200ms);
  REQUIRE(b.outcomes.size() == 1);
  CHECK_FALSE(b.outcomes[0].ec);
  CHECK(b.s.counters(0).retries == 1);
  CHECK(b.s.counters(0).timeouts == 1);
}

TEST_CASE(
    "a dead device costs one timeout per back-off period and delays others by one "
    "transaction at most") {
  bus_sim b;
  b.devices.resize(2);
  b.devices[0].dead = true;
  const mb::device_policy p = alarm_every_second();
  b.s.add_device(1, items({hr(0), hr(50), hr(100)}), {}, p);
  b.s.add_device(2, items({hr(0)}), {}, p);
  b.run_until(at(600s));

  // Device 1: two transactions of (1 + retries) timeouts, then probes at 5, 10, 20, 40, 60, 60 …
  std::vector<mono_time> dead_requests;
  for (const sent& x : b.log) {
    if (x.device == 0) dead_requests.push_back(x.at);
  }
  const auto& c0 = b.s.counters(0);
  CHECK(c0.replies == 0);
  CHECK(c0.quarantines == 1);
  CHECK(b.s.quarantined(0));
  // Before quarantine: 2 transactions × 2 attempts; then one probe per period:
  // 5 + 10 + 20 + 40 = 75 s, then every 60 s: (600 − 75 − ~2) / 60 ≈ 8 more.
  CHECK(dead_requests.size() >= 4 + 4 + 8);
  CHECK(dead_requests.size() <= 4 + 4 + 9);
  for (std::size_t i = 5; i < dead_requests.size(); ++i) {
    const duration gap = dead_requests[i] - dead_requests[i - 1];
    CHECK(gap >= 5s);  // never more than one timeout per back-off period
  }
  CHECK(c0.busy <= 4 * 500ms + static_cast<std::int64_t>(dead_requests.size() - 4) * 500ms);

  // Device 2 is polled every second throughout, each read at most one dead transaction
  // (its timeout and one retry) late.
  std::vector<mono_time> live;
  for (const sent& x : b.log) {
    if (x.device == 1) live.push_back(x.at);
  }
  CHECK(live.size() >= 590);
  for (std::size_t i = 1; i < live.size(); ++i) {
    CHECK(live[i] - live[i - 1] <= 1s + 2 * 500ms);
  }
  // The dead device's reads that were queued when it went into quarantine are reported.
  int dropped = 0;
  for (const auto& o : b.outcomes) {
    if (o.ec == mb::errc::quarantined) ++dropped;
  }
  CHECK(dropped >= 1);
  CHECK(b.s.counters().skipped_cycles > 500);
}

TEST_CASE("devices that die cost the others their first timeouts only: retries use idle time") {
  // Four devices stop answering at t = 30 s; one live device is read every second (first in
  // each cycle). Without the suspect rule every dead device would hold the bus for
  // 2 transactions × (1 + 1 retry) timeouts = 2 s in a row, 8 s in all.
  bus_sim b;
  b.devices.resize(5);
  const mb::device_policy p = alarm_every_second();
  for (std::uint8_t u = 1; u <= 5; ++u) b.s.add_device(u, items({hr(0, 4)}), {}, p);
  for (std::size_t d = 1; d < 5; ++d) b.devices[d].dead_from = at(30500ms);
  b.run_until(at(120s));

  std::vector<mono_time> live;
  for (const sent& x : b.log) {
    if (x.device == 0) live.push_back(x.at);
  }
  // The cycle due at 31 s waits for the four first timeouts (31 … 33 s) at most. Then the
  // retries and second transactions (12 timeouts) go where the bus is idle for 500 ms, or, after
  // waiting one period for that, when nothing else is queued: a live read is one timeout late
  // at most, at most once per such request. Once the four are in quarantine (their probes wait
  // for idle time), the live device is read exactly every second.
  duration worst{0};
  int late = 0;
  for (std::size_t i = 1; i < live.size(); ++i) {
    const duration gap = live[i] - live[i - 1];
    worst = std::max(worst, gap);
    if (live[i - 1] >= at(33s)) {
      CHECK(gap <= 1s + 500ms);
      if (gap > 1s) ++late;
    }
    if (live[i - 1] >= at(50s)) CHECK(gap == 1s);
  }
  CHECK(worst <= 1s + 4 * 500ms);
  CHECK(late <= 12);
  CHECK(live.size() >= 115);
  // The dying devices are still found out: all four in quarantine, each after 2 × 2 timeouts.
  for (std::uint32_t d = 1; d < 5; ++d) {
    CHECK(b.s.quarantined(d));
    CHECK(b.s.counters(d).quarantines == 1);
  }
}

TEST_CASE("a reply lost to noise on a busy line delays that device by about one period") {
  // Ten devices read every second, each read taking 90 ms: the line is busy 90 % of the time
  // and never idle for the 300 ms timeout. Device 4's reply at 20 s is lost once: its retry
  // must not wait for idle time that never comes (its points would go stale), only about one
  // period, and then go at the end of the others' cycle.
  bus_sim b;
  b.devices.resize(10);
  mb::device_policy p = alarm_every_second();
  p.timeout = 300ms;
  for (std::uint8_t u = 1; u <= 10; ++u) b.s.add_device(u, items({hr(0, 4)}), {}, p);
  for (behaviour& d : b.devices) d.latency = 90ms;
  b.run_until(at(20s));
  b.devices[4].fail_first = 1;
  b.run_until(at(60s));
  std::vector<mono_time> answered;
  for (const auto& o : b.outcomes) {
    if (o.j.device == 4 && !o.ec && o.j.sent >= at(19s)) answered.push_back(o.j.sent);
  }
  REQUIRE(answered.size() >= 30);
  for (std::size_t i = 1; i < answered.size(); ++i) {
    // The retry waits one period for idle time, then goes at the end of the next cycle: the
    // loss costs this device about 1.5 periods (waiting 5 s for idle time would have cost 5 s
    // and more, and made its points stale).
    CHECK(answered[i] - answered[i - 1] <= 3s);
    if (answered[i - 1] >= at(23s)) CHECK(answered[i] - answered[i - 1] == 1s);
  }
  CHECK(b.s.counters(4).timeouts == 1);
  CHECK(b.s.counters(4).quarantines == 0);
}

TEST_CASE("dead devices' probes wait for idle bus time: the live devices' reads stay on time") {
  // Eight devices die together, so their probes fall due together; one live device is read
  // every second. A probe holds the bus for its timeout, so it must go only where the bus is
  // idle for that long: then the live reads are never late, and the probes spread out.
  bus_sim b;
  b.devices.resize(9);
  const mb::device_policy p = alarm_every_second();
  for (std::uint8_t u = 1; u <= 9; ++u) b.s.add_device(u, items({hr(0, 4)}), {}, p);
  for (std::size_t d = 1; d < 9; ++d) b.devices[d].dead = true;
  b.run_until(at(400s));

  std::vector<mono_time> live;
  std::map<std::uint32_t, std::vector<mono_time>> probes;
  for (const sent& x : b.log) {
    if (x.device == 0) {
      live.push_back(x.at);
    } else if (x.at >= at(20s)) {  // the detection (2 × 2 timeouts each) is over
      probes[x.device].push_back(x.at);
    }
  }
  // After the detection the live device is read exactly once a second: no probe in the way.
  std::size_t checked = 0;
  for (std::size_t i = 1; i < live.size(); ++i) {
    if (live[i - 1] < at(20s)) continue;
    CHECK(live[i] - live[i - 1] == 1s);
    ++checked;
  }
  CHECK(checked >= 370);
  // ... and every dead device is still probed, one timeout per back-off period at most.
  CHECK(probes.size() == 8);
  for (const auto& [dev, times] : probes) {
    CHECK(times.size() >= 5);  // backoffs 10, 20, 40, 60, 60 … from about t = 15 s
    for (std::size_t i = 1; i < times.size(); ++i) CHECK(times[i] - times[i - 1] >= 10s);
    CHECK(b.s.counters(dev).replies == 0);
  }
  for (std::uint32_t d = 1; d < 9; ++d) CHECK(b.s.quarantined(d));
}

TEST_CASE("on a bus without idle time a probe is queued one back-off period late, not never") {
  // The live device is read every 100 ms: the bus is never idle for the 500 ms timeout.
  bus_sim b;
  b.devices.resize(2);
  mb::device_policy live;
  live.period = {100ms, 0s, 0s};
  live.timeout = 500ms;
  mb::device_policy dead = live;
  dead.period = {1s, 0s, 0s};
  dead.retries = 0;
  dead.quarantine_after = 1;
  dead.backoff_initial = 4s;
  dead.backoff_max = 8s;
  b.s.add_device(1, items({hr(0)}), {}, live);
  b.s.add_device(2, items({hr(0)}), {}, dead);
  b.devices[1].dead = true;
  b.run_until(at(60s));
  std::vector<mono_time> probes;
  for (const sent& x : b.log) {
    if (x.device == 1) probes.push_back(x.at);
  }
  // Quarantined at about 0.5 s for 4 s, probe forced 4 s after that (8.5 s); then 8 s + 8 s.
  REQUIRE(probes.size() >= 4);
  CHECK(probes[1] >= at(8s));
  CHECK(probes[1] <= at(9s));
  for (std::size_t i = 2; i < probes.size(); ++i) {
    CHECK(probes[i] - probes[i - 1] >= 16s);
    CHECK(probes[i] - probes[i - 1] <= 17s);
  }
  // The device comes back: the next probe finds it, and it is read every second again.
  b.devices[1].dead = false;
  b.run_until(at(100s));
  CHECK_FALSE(b.s.quarantined(1));
  std::size_t after = 0;
  for (const sent& x : b.log) {
    if (x.device == 1 && x.at >= at(90s)) ++after;
  }
  CHECK(after == 10);
}

TEST_CASE("a device that comes back is polled normally again, its back-off reset") {
  bus_sim b;
  b.devices.resize(1);
  b.devices[0].dead = true;
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  p.timeout = 100ms;
  p.retries = 0;
  p.quarantine_after = 1;
  p.backoff_initial = 2s;
  b.s.add_device(1, items({hr(0)}), {}, p);
  b.run_until(at(10s));
  CHECK(b.s.quarantined(0));
  b.devices[0].dead = false;
  b.run_until(at(30s));
  CHECK_FALSE(b.s.quarantined(0));
  std::size_t after = 0;
  for (const sent& x : b.log) {
    if (x.at >= at(20s)) ++after;
  }
  CHECK(after == 10);  // once a second again
}

TEST_CASE("writes go in order at configuration priority; a failed step cancels the rest") {
  bus_sim b;
  b.devices.resize(1);
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  b.s.add_device(1, items({hr(27)}), {}, p);
  mb::request pw{mb::function::write_single_register, 29, 1, 0, {1}};
  mb::request sp{mb::function::write_single_register, 8, 1, 0, {300}};
  const auto w = b.s.submit_write(0, {pw, sp});
  b.run_until(at(100ms));
  REQUIRE(b.log.size() == 3);
  CHECK(b.log[0].prio == mb::poll_priority::alarm);
  CHECK(b.log[1].write_id == w);
  CHECK(b.log[1].address == 29);
  CHECK(b.log[2].address == 8);
  int write_outcomes = 0;
  for (const auto& o : b.outcomes) {
    if (o.j.write_id == w) {
      ++write_outcomes;
      CHECK_FALSE(o.ec);
    }
  }
  CHECK(write_outcomes == 2);

  b.devices[0].refuse = 29;
  b.devices[0].refuse.reset();
  b.devices[0].fail_first = 100;  // the next requests time out
  const auto w2 = b.s.submit_write(0, {pw, sp});
  b.run_until(at(20s));
  for (const sent& x : b.log) {
    if (x.write_id == w2) CHECK(x.address == 29);  // the setpoint is never written
  }
  bool reported = false;
  for (const auto& o : b.outcomes) {
    if (o.j.write_id == w2 && o.final_failure) reported = true;
  }
  CHECK(reported);
}

TEST_CASE("a write to a device in quarantine waits for it, without busy polling") {
  bus_sim b;
  b.devices.resize(1);
  b.devices[0].dead = true;
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  p.timeout = 100ms;
  p.retries = 0;
  p.quarantine_after = 1;
  p.backoff_initial = 10s;
  p.backoff_max = 10s;
  b.s.add_device(1, items({hr(0)}), {}, p);
  b.run_until(at(2s));
  REQUIRE(b.s.quarantined(0));
  const auto w =
      b.s.submit_write(0, {mb::request{mb::function::write_single_register, 8, 1, 0, {1}}});
  // The next deadline is the end of the quarantine, not "now" (which would spin a transport).
  REQUIRE(b.s.next_deadline());
  CHECK(*b.s.next_deadline() == b.s.quarantine_until(0));
  b.devices[0].dead = false;
  b.run_until(at(30s));
  bool written = false;
  for (const auto& o : b.outcomes) written = written || (o.j.write_id == w && !o.ec);
  CHECK(written);
}

TEST_CASE("the same inputs give the same decisions") {
  const auto scenario = [] {
    bus_sim b;
    b.devices.resize(3);
    b.devices[1].dead = true;
    b.devices[2].refuse = 3;
    b.devices[2].latency = 7ms;
    mb::device_policy p;
    p.period = {500ms, 2s, 7s};
    for (std::uint8_t u = 1; u <= 3; ++u) {
      b.s.add_device(u, items({hr(0), hr(1)}, {hr(2), hr(3), hr(4)}, {hr(40)}), {}, p);
    }
    b.s.submit_write(2, {mb::request{mb::function::write_single_register, 40, 1, 0, {7}}});
    b.run_until(at(120s));
    return b.log;
  };
  const auto a = scenario();
  const auto c = scenario();
  CHECK(a.size() > 100);
  CHECK(a == c);
}

TEST_CASE("counters: utilisation and the latency histogram") {
  bus_sim b;
  b.devices.resize(1);
  b.devices[0].latency = 25ms;
  mb::device_policy p;
  p.period = {100ms, 0s, 0s};
  b.s.add_device(1, items({hr(0)}), {}, p);
  b.run_until(at(10s));
  const auto& c = b.s.counters();
  CHECK(c.replies == 100);
  CHECK(c.latency.total() == 100);
  CHECK(c.latency.quantile_bound(0.5) == 50'000);  // 25 ms falls in [20, 50) ms
  CHECK(b.s.utilisation(10s) == doctest::Approx(0.25));
}

TEST_CASE("policies are validated, and a write to nobody queues nothing") {
  mb::device_policy p;
  CHECK_FALSE(mb::validate(p));
  p.timeout = 0s;
  CHECK(mb::validate(p) == firebus::errc::invalid_argument);
  p = {};
  p.retries = -1;
  CHECK(mb::validate(p));
  p = {};
  p.quarantine_after = 0;
  CHECK(mb::validate(p));
  p = {};
  p.backoff_max = 1s;  // below the initial 5 s
  CHECK(mb::validate(p));
  p = {};
  p.period[1] = -1s;
  CHECK(mb::validate(p));
  mb::scheduler s;
  CHECK(s.submit_write(0, {mb::request{mb::function::write_single_register, 1, 1, 0, {1}}}) == 0);
  s.add_device(1, items({hr(0)}));
  CHECK(s.submit_write(0, {}) == 0);
  CHECK(s.submit_write(0, {mb::request{mb::function::write_single_register, 1, 1, 0, {1}}}) != 0);
}

TEST_CASE("a running cycle's overruns are counted as of the last next(), whenever they are read") {
  mb::scheduler s;
  mb::device_policy p;
  p.period = {100ms, 0s, 0s};
  p.timeout = 10s;
  s.add_device(1, items({hr(0)}), {}, p);
  s.add_device(2, items({hr(0)}), {}, p);
  std::optional<mb::job> j = s.next(at(0ms));  // both cycles start; device 0's read goes first
  REQUIRE(j);
  CHECK(j->device == 0);
  CHECK(s.complete(at(350ms), {}).size() == 1);
  CHECK(s.counters(1).overruns == 0);  // no next() since 0 ms
  j = s.next(at(350ms));  // device 1's read, queued since 0 ms: due at 100, 200 and 300 ms
  REQUIRE(j);
  CHECK(j->device == 1);
  CHECK(s.counters(1).overruns == 3);
  CHECK(s.counters().overruns == 3);
  CHECK(s.counters(1).overruns == 3);  // reading them again counts nothing twice
  CHECK(s.complete(at(1000ms), {}).size() == 1);
  CHECK(s.counters(1).overruns == 3);
  j = s.next(at(1000ms));  // device 0's second cycle, queued at 350 ms: due from 450 ms on
  REQUIRE(j);
  CHECK(j->device == 0);
  CHECK(s.counters().overruns == 9);
  CHECK(s.counters(0).overruns == 6);
}

TEST_CASE("after a split, every item of the failed read is read in the same cycle") {
  // Reads of at most 6 registers, a request costing as much as 100 registers: items at 0, 3,
  // 5, 6 and 9 are planned as [0,4) and [5,10). Address 9 is refused: [5,10) is split at 6,
  // and the new plan reads [0,6) and [6,10) — the item at 5 moved into a read that starts
  // before the failed one. It must still be read in this cycle (not one period late).
  mb::cost_model cost;
  cost.per_request = duration(100'000);
  cost.per_register = duration(1'000);
  bus_sim b(cost);
  b.devices.resize(1);
  b.devices[0].refuse = 9;
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  mb::device_limits lim;
  lim.max_registers = 6;
  b.s.add_device(1, items({hr(0), hr(3), hr(5), hr(6), hr(9)}), lim, p);
  REQUIRE(b.s.plan(0, mb::poll_priority::alarm).size() == 2);
  b.run_until(at(500ms));  // the first cycle only
  std::set<std::uint16_t> covered;
  for (const auto& o : b.outcomes) {
    if (o.ec) continue;
    for (std::uint32_t x = o.j.read.req.address; x < o.j.read.req.address + o.j.read.req.quantity;
         ++x) {
      covered.insert(static_cast<std::uint16_t>(x));
    }
  }
  CHECK(covered.count(0) == 1);
  CHECK(covered.count(3) == 1);
  CHECK(covered.count(5) == 1);
  CHECK(covered.count(6) == 1);
  // The refused register ends as a final failure of a read of it alone, in this cycle too.
  bool refused = false;
  for (const auto& o : b.outcomes) {
    if (o.final_failure && o.j.read.req.address == 9 && o.j.read.req.quantity == 1) refused = true;
  }
  CHECK(refused);
}

TEST_CASE("a write-only device in quarantine is probed with its next write, not forgotten") {
  // A relay output module has no points to read, only writes. Its write timed out and put it
  // into quarantine; it used to stay there for ever: no read to probe with, so later writes
  // were never sent nor failed, and next_deadline() stayed in the past (a transport waiting
  // for it would spin). (Found by fuzz_modbus_scheduler.)
  bus_sim b;
  b.devices.resize(2);
  mb::device_policy p = alarm_every_second();
  p.retries = 0;
  p.quarantine_after = 1;
  p.backoff_initial = 1s;
  p.backoff_max = 4s;
  b.s.add_device(1, items({hr(0)}), {}, p);
  b.s.add_device(2, items({}), {}, p);
  b.devices[1].dead = true;
  const mb::request on{mb::function::write_single_coil, 0, 1, 0, {1}};
  const auto w1 = b.s.submit_write(1, {on});
  b.run_until(at(2s));
  REQUIRE(b.s.quarantined(1));
  // Nothing to write: nothing to do for it, and no deadline in the past.
  REQUIRE(b.s.next_deadline());
  CHECK(*b.s.next_deadline() >= b.now);
  // A write while it is still dead: sent as the probe, fails, the back-off doubles.
  const auto w2 = b.s.submit_write(1, {on});
  b.run_until(at(6s));
  CHECK(b.s.quarantined(1));
  // Back: the next write goes as the probe, is answered, and ends the quarantine.
  b.devices[1].dead = false;
  const auto w3 = b.s.submit_write(1, {on});
  b.run_until(at(20s));
  CHECK_FALSE(b.s.quarantined(1));
  std::map<std::uint64_t, std::error_code> ended;
  for (const auto& o : b.outcomes) {
    if (o.j.write_id != 0) ended[o.j.write_id] = o.ec;
  }
  REQUIRE(ended.size() == 3);
  CHECK(ended[w1] == mb::errc::quarantined);
  CHECK(ended[w2] == mb::errc::quarantined);
  CHECK_FALSE(ended[w3]);
  std::vector<mono_time> sent_w;
  for (const sent& x : b.log) {
    if (x.device == 1) sent_w.push_back(x.at);
  }
  REQUIRE(sent_w.size() == 3);                 // one request per write
  CHECK(sent_w[1] - sent_w[0] >= 1s + 500ms);  // not before the quarantine ended
  CHECK(sent_w[2] - sent_w[1] >= 2s + 500ms);  // the back-off doubled
}

TEST_CASE("splits learned before an exception reply survive a later quarantine") {
  // The device answers with exceptions between timeouts: it is alive, so the split learned
  // from its timeout, and the one from its exception 02, are evidence and must be kept when
  // it then goes into quarantine. They used to be discarded (only a valid reply confirmed
  // them). (Found by fuzz_modbus_scheduler.)
  mb::scheduler s(mb::cost_model::tcp(duration(5000)));
  mb::device_policy p;
  p.period = {1s, 0s, 0s};
  p.timeout = 100ms;
  p.retries = 0;
  p.quarantine_after = 2;
  s.add_device(1, items({hr(0), hr(2), hr(4), hr(6)}), {}, p);
  mono_time now{};
  const auto step = [&](std::uint16_t address, std::uint16_t quantity, std::error_code ec) {
    std::optional<mb::job> j = s.next(now);
    REQUIRE(j);
    CHECK(j->read.req.address == address);
    CHECK(j->read.req.quantity == quantity);
    now = ec == mb::errc::timeout ? j->deadline : now + 5ms;
    (void)s.complete(now, ec);
  };
  step(0, 7, mb::errc::timeout);               // split at 2 (from a timeout)
  step(0, 1, mb::errc::illegal_function);      // the device answers: the split is evidence
  step(2, 5, mb::errc::illegal_data_address);  // split at 4 (exception 02)
  step(2, 1, mb::errc::timeout);               // one failed transaction
  step(4, 3, mb::errc::timeout);               // two: quarantine
  REQUIRE(s.quarantined(0));
  CHECK(s.planner(0).splits(mb::table::holding_registers) == std::vector<std::uint32_t>{2, 4});
  CHECK(s.plan(0, mb::poll_priority::alarm).size() == 3);
}
