// firebus — fire-safety IoT SDK.
// libFuzzer target for firebus::alarm::engine (<firebus/alarm/engine.hpp>).
//
// The input is a program: a sequence of operations over one fixed configuration (rules() below:
// eight points with high/low limits with deadbands and on/off delays, rate of rise, state
// alarms, range and raw_4_20mA, stale_s, suppressed_by and verification; a linkage zone, a
// dependency zone with a manual call point, an overlapping linkage zone and a plain zone;
// chatter and flood on, every output on, max_shelve_s). Each operation is one byte (its kind is
// the byte modulo op_count) followed by its argument bytes; missing bytes read as 0:
//
//   step k                    t += steps[k]                        (time only, no input)
//   sample p v                sample(point p, t, values[v])
//   sample_ts p v m           the same with a device time stamp (ts_mode m: ±1 µs, the last ts
//                             of the point, older, jumps over ±300 s, a duplicate, ±2^62 µs,
//                             INT64_MAX/MIN, ...)
//   raw p r m                 raw_sample(point p, t, milliamps[r], ts_mode m)
//   condition p c             condition(point p, t, normal|fire|active)
//   status p s                status(point p, t, ok|fault|open_circuit|short_circuit)
//   command k g s d           execute(t, command): kind k, target g (none, point, point+alarm,
//                             zone, zone+alarm, point and zone), names s, shelve duration d
//   advance k                 t += steps[k]; advance(t)
//   advance_due m             advance to next_due() (exactly, 1 µs before, 1 µs after)
//   snapshot                  see "snapshot and restore" below
//   restore                   replace the engine by the last snapshot restored at t
//   back k d                  an input of kind k at now() − delta[d]: must be refused
//   corrupt n (k pos pos ..)* restore the last snapshot edited (1 + n % 4 edits of kind k:
//                             a byte, a boundary i64 or u32, insert, erase, truncate at pos)
//   wait h l                  t += (h·256 + l) ms
//
// Time never goes back except in `back` (t only grows; it is capped at about 300 years).
// Checked with __builtin_trap() on violation (besides ASan and UBSan):
//   - a refused input (unknown point, time going back, no raw mapping, bad command, a time stamp
//     out of range) emits nothing and changes nothing (the snapshot is the same); inputs that
//     must be accepted are, and `back` is refused with errc::time_went_back once the engine has
//     started;
//   - within one engine lifetime, events' t never decreases and never exceeds now();
//   - every alarm event is a legal transition of the life-cycle from the state the previous
//     events left (alarm_on from normal/rtn_unack; alarm_off and returned_latched only after
//     an alarm_on since the alarm last returned to normal, alarm_off never for a latching
//     alarm; ack, reset, overlays, reject as in the semantics); a latched alarm, or an active
//     one of the fire profile or the fire class (which latches and cannot be shelved), returns
//     to normal only through reset or an overlay entry (disable, out_of_service, suppress);
//     faults, buzzer, flood, linkage and chatter events alternate; linkage_off comes only from
//     a reset command;
//   - after every operation, replaying the events reproduces the engine: state(a) of every
//     alarm, fault(p), buzzer(), flooding(), linkage(z); an alarm under an overlay is normal;
//     active() holds exactly the active and latched alarms (not rtn_unack), the faults and the
//     disabled alarms, in priority order, and panel() is its first class;
//   - snapshot and restore: at a snapshot, the engine is copied (B) and the snapshot restored
//     into a fresh engine with the same rules at the same t (C); restoring emits nothing, C's
//     active() is A's, C's own snapshot restores to the same bytes, and the bytes are refused
//     with snapshot_mismatch by an engine with other rules and not_configured by an engine
//     without. The rest of the program is fed to A (the original), B and C: A and B must emit
//     the same events and have the same active() after every operation, and the same snapshot
//     and next_due() at the end; so must A and C (events and active()), except that C's
//     staleness restarts at the restore time (the semantics): the comparison with C stops
//     before a staleness timer that can differ between them would fire. `restore` restores all
//     three (A into a fresh engine, B and C into themselves) from the last snapshot, after which
//     they have the same snapshot and must agree again;
//   - the sample shortcut changes nothing: a twin of A with it turned off (set_shortcut(false))
//     gets every operation A gets and must emit the same events, have the same active() after
//     every operation, and the same snapshot at every snapshot and at the end;
//   - the raw input, and corrupted snapshots, given to restore() of a configured engine are
//     refused without any change or accepted; an accepted one runs the rest of the program
//     (no check but ASan/UBSan) and its own snapshot must restore.
//
// Build for fuzzing:
//   clang++-14 -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -I include
//       tests/fuzz/fuzz_alarm_engine.cpp -o fuzz_alarm_engine
// Build for corpus replay (any compiler):
//   g++ -std=c++17 -I include tests/fuzz/fuzz_alarm_engine.cpp tests/fuzz/replay_main.cpp
// Seeds: tests/fuzz/corpus/alarm_engine/ (programs written with the op numbers above); the
// crash_* seeds are minimized reproducers of engine bugs the fuzzer found, kept as regression
// seeds.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <firebus/alarm/engine.hpp>
#include <firebus/alarm/error.hpp>
#include <firebus/alarm/rules.hpp>
#include <firebus/alarm/types.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/time.hpp>

namespace {

namespace al = firebus::alarm;
using firebus::alarm_class;
using firebus::alarm_state;
using firebus::event_kind;
using firebus::event_reason;

// An explicit check: stays active in every build mode, unlike assert().
#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t second = 1'000'000;
constexpr std::int64_t t_start = 1000 * second;
constexpr std::int64_t t_cap = 10'000'000'000 * second;       // about 317 years
constexpr std::int64_t max_abs_time = std::int64_t{1} << 62;  // ±146,000 years
constexpr std::size_t max_ops = 1500;

// --- the configuration --------------------------------------------------------------------------

al::alarm_rule limit(const char* id, al::rule_type type, double setpoint, double deadband,
                     double on_delay, double off_delay, alarm_class cls, al::profile prof,
                     bool latch) {
  al::alarm_rule a;
  a.id = id;
  a.type = type;
  a.setpoint = setpoint;
  a.deadband = deadband;
  a.on_delay_s = on_delay;
  a.off_delay_s = off_delay;
  a.cls = cls;
  a.profile = prof;
  a.latch = latch;
  return a;
}

al::alarm_rule state_alarm(const char* id, alarm_class cls, al::profile prof, bool latch) {
  return limit(id, al::rule_type::state, 0, 0, 0, 0, cls, prof, latch);
}

al::rules make_rules(double max_shelve_s) {
  using al::profile;
  using al::rule_type;
  al::rules r;
  r.max_shelve_s = max_shelve_s;
  r.chatter = {60, 3};
  r.flood = {600, 4, 1};
  r.outputs = {true, true, true};
  const al::alarm_rule fire = state_alarm("FIRE", alarm_class::fire, profile::fire, false);

  al::point_rule rc1;  // 0
  rc1.id = "RC1";
  rc1.unit = "mA";
  rc1.range = {{0, 3000}};
  rc1.raw_4_20mA = {{0, 1600}};
  rc1.stale_s = 180;
  rc1.suppressed_by = "TEST";
  rc1.verification = al::verification_rule{20, 60};
  rc1.alarms.push_back(
      limit("PRE", rule_type::high, 240, 10, 5, 3, alarm_class::pre_alarm, profile::isa, false));
  rc1.alarms.push_back(
      limit("ALM", rule_type::high, 300, 0, 0, 0, alarm_class::fire, profile::fire, false));
  rc1.alarms.push_back(
      limit("LOW", rule_type::low, 10, 5, 2, 0, alarm_class::supervisory, profile::isa, true));
  al::alarm_rule ror;
  ror.id = "ROR";
  ror.type = rule_type::rate_of_rise;
  ror.rate_per_min = 10;
  ror.window_s = 60;
  ror.max_reference_age_s = 90;
  ror.cls = alarm_class::fire;
  ror.profile = profile::fire;
  rc1.alarms.push_back(ror);
  rc1.alarms.push_back(fire);
  r.points.push_back(rc1);

  al::point_rule sd1;  // 1
  sd1.id = "SD1";
  sd1.stale_s = 60;
  sd1.alarms = {fire, state_alarm("TRB", alarm_class::supervisory, profile::isa, true)};
  r.points.push_back(sd1);

  al::point_rule sd2;  // 2
  sd2.id = "SD2";
  sd2.verification = al::verification_rule{0, 30};
  sd2.alarms = {fire};
  r.points.push_back(sd2);

  al::point_rule sd3;  // 3: a dependency member with a fire-class isa limit
  sd3.id = "SD3";
  sd3.alarms = {fire,
                limit("HOT", rule_type::high, 60, 5, 1, 1, alarm_class::fire, profile::isa, false)};
  r.points.push_back(sd3);

  al::point_rule sd4;  // 4: a dependency member with verification
  sd4.id = "SD4";
  sd4.stale_s = 30;
  sd4.verification = al::verification_rule{5, 10};
  sd4.alarms = {fire};
  r.points.push_back(sd4);

  al::point_rule mcp;  // 5
  mcp.id = "MCP1";
  mcp.alarms = {fire};
  r.points.push_back(mcp);

  al::point_rule test;  // 6: its non-zero value suppresses RC1
  test.id = "TEST";
  test.alarms = {state_alarm("SUP", alarm_class::supervisory, profile::isa, false)};
  r.points.push_back(test);

  al::point_rule lvl;  // 7
  lvl.id = "LVL";
  lvl.stale_s = 30;
  lvl.suppressed_by = "SD1";
  lvl.range = {{-100, 100}};
  lvl.alarms = {
      limit("LL", rule_type::low, -5, 2, 0, 4, alarm_class::pre_alarm, profile::isa, false),
      limit("HH", rule_type::high, 50, 0, 3, 0, alarm_class::fault, profile::isa, false)};
  r.points.push_back(lvl);

  al::zone_rule z1;
  z1.id = "Z1";
  z1.members = {"SD2", "RC1", "SD1"};
  z1.linkage_min_devices = 2;
  r.zones.push_back(z1);
  al::zone_rule z2;
  z2.id = "Z2";
  z2.members = {"SD3", "SD4", "MCP1"};
  z2.dependency_window_s = 300;
  z2.manual_call_points = {"MCP1"};
  z2.linkage_min_devices = 2;
  r.zones.push_back(z2);
  al::zone_rule z3;
  z3.id = "Z3";
  z3.members = {"SD3", "SD2"};
  z3.linkage_min_devices = 1;
  r.zones.push_back(z3);
  al::zone_rule z4;
  z4.id = "Z4";
  z4.members = {"LVL", "TEST"};
  r.zones.push_back(z4);
  return r;
}

const al::rules& rules() {
  static const al::rules r = make_rules(600);
  return r;
}

struct alarm_info {
  alarm_class cls;
  bool fire_profile;
  bool latching;   // fire profile, `latch`, or class fire ("a fire alarm latches")
  bool shelvable;  // neither fire profile nor class fire ("it cannot be shelved")
};

// The configured engine (copied for every engine of a run) and what the checks need to know
// about its alarms and points.
struct setup {
  al::engine proto;
  al::engine other;  // other rules: must refuse the snapshots of proto's configuration
  std::vector<alarm_info> alarms;
  std::vector<std::int64_t> stale;  // per point, µs (0 = off)
  std::vector<std::vector<std::uint32_t>> zone_points;
  std::vector<bool> has_raw;

  setup() {
    std::error_code ec;
    proto.configure(rules(), ec);
    FIREBUS_FUZZ_CHECK(!ec);
    other.configure(make_rules(3600), ec);
    FIREBUS_FUZZ_CHECK(!ec);
    for (std::uint32_t a = 0; a < proto.alarm_count(); ++a) {
      const std::uint32_t p = proto.alarm_point(a);
      if (p == al::npos) {
        FIREBUS_FUZZ_CHECK(proto.alarm_zone(a) != al::npos && proto.alarm_name(a) == "FIRE");
        alarms.push_back({alarm_class::fire, true, true, false});
        continue;
      }
      bool found = false;
      for (const al::alarm_rule& ar : rules().points[p].alarms) {
        if (ar.id != proto.alarm_name(a)) continue;
        const bool fp = ar.profile == al::profile::fire;
        const bool fire_class = ar.cls == alarm_class::fire;
        alarms.push_back({ar.cls, fp, fp || ar.latch || fire_class, !fp && !fire_class});
        found = true;
      }
      FIREBUS_FUZZ_CHECK(found && proto.alarm_class_of(a) == alarms.back().cls);
    }
    for (const al::point_rule& p : rules().points) {
      stale.push_back(static_cast<std::int64_t>(p.stale_s) * second);
      has_raw.push_back(p.raw_4_20mA.has_value());
    }
    for (const al::zone_rule& z : rules().zones) {
      std::vector<std::uint32_t> ps;
      for (const std::string& m : z.members) ps.push_back(proto.find_point(m));
      zone_points.push_back(ps);
    }
  }
};

const setup& cfg() {
  static const setup s;
  return s;
}

// --- the tables of the operations ----------------------------------------------------------------

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

constexpr double values[32] = {0,      1,   4.999, 5,    7,        10,     15,     15.001,
                               50,     55,  60,    100,  229.99,   230,    240,    250,
                               299.9,  300, 305,   3000, 3000.001, -0.0,   -1,     -5,
                               -7.001, nan, inf,   -inf, 1e300,    -1e300, 5e-324, 1600};
constexpr double milliamps[16] = {3.599, 3.6, 4,  4.0001, 6.4, 8,   12,   16.4,
                                  19.99, 20,  21, 21.001, nan, inf, -inf, -1e300};
// µs: 0, 1 µs, 1 s − 1 µs, 1 s, the delays of the rules (2, 3, 4, 5 s), verification windows
// (20, 25, 30, 80 s), chatter 60 s, max reference age 90 s, stale 180 s, dependency 300 s and
// just past, flood and shelving 600 s, an hour.
constexpr std::int64_t steps[20] = {
    0,          1,           999'999,     1'000'000,   2'000'000,   3'000'000,    4'000'000,
    5'000'000,  10'000'000,  20'000'000,  25'000'000,  30'000'000,  60'000'000,   80'000'000,
    90'000'000, 180'000'000, 300'000'000, 301'000'000, 600'000'000, 3'600'000'000};
constexpr std::int64_t back_deltas[4] = {1, second, 301 * second, 1'000'000 * second};

const char* const point_ids[] = {"RC1", "SD1", "SD2", "SD3", "SD4", "MCP1", "TEST", "LVL", "NOPE"};
const char* const alarm_ids[] = {"PRE", "ALM", "LOW", "ROR", "FIRE", "TRB",
                                 "HOT", "SUP", "LL",  "HH",  "X"};
const char* const zone_ids[] = {"Z1", "Z2", "Z3", "Z4", "NOZONE"};

enum op_kind : std::uint8_t {
  op_step,
  op_sample,
  op_sample_ts,
  op_raw,
  op_condition,
  op_status,
  op_command,
  op_advance,
  op_advance_due,
  op_snapshot,
  op_restore,
  op_back,
  op_corrupt,
  op_wait,
  op_count
};

// One decoded operation: the same for every engine it is fed to.
struct op {
  op_kind kind = op_step;
  int variant = 0;       // back: which input
  bool extreme = false;  // ts at or beyond the ends of the time line: accepted or refused
  std::int64_t t = 0;
  std::uint32_t point = 0;
  double value = 0;
  std::optional<std::int64_t> ts;
  al::device_condition condition = al::device_condition::normal;
  al::device_status status = al::device_status::ok;
  al::command cmd;
  std::vector<std::uint32_t> oos_points;  // points a whole-point (or zone) command names
};

firebus::mono_time at(std::int64_t us) { return firebus::mono_time(firebus::duration(us)); }
std::int64_t us_of(firebus::mono_time t) { return t.time_since_epoch().count(); }

bool is_input(op_kind k) {
  return k == op_sample || k == op_sample_ts || k == op_raw || k == op_condition || k == op_status;
}

// --- what the events say -------------------------------------------------------------------------

// The state of one engine as its events tell it, plus what the harness knows of its inputs
// (for staleness, whose restart at restore is the one documented difference after a restore).
struct model {
  std::vector<alarm_state> state;
  std::vector<bool> on_since_normal;  // an alarm_on since the alarm was last normal
  std::vector<bool> chattering;
  std::vector<bool> verifying;
  std::vector<event_reason> fault;
  std::vector<bool> linkage;
  std::vector<std::uint32_t> dep_first;
  bool buzzer = false;
  bool flooding = false;
  std::int64_t last_t = lowest;
  bool started = false;
  std::vector<std::int64_t> last_input;
  std::vector<std::int64_t> resume;
  std::vector<bool> oos;

  model() {
    const setup& s = cfg();
    const std::size_t na = s.alarms.size();
    const std::size_t np = s.stale.size();
    const std::size_t nz = s.zone_points.size();
    state.assign(na, alarm_state::normal);
    on_since_normal.assign(na, false);
    chattering.assign(na, false);
    verifying.assign(na, false);
    fault.assign(np, event_reason::none);
    linkage.assign(nz, false);
    dep_first.assign(nz, al::npos);
    last_input.assign(np, 0);
    resume.assign(np, 0);
    oos.assign(np, false);
  }
};

bool overlay_entry(event_kind k) {
  return k == event_kind::shelve || k == event_kind::suppress ||
         k == event_kind::out_of_service_on || k == event_kind::disable;
}
bool overlay_exit(event_kind k) {
  return k == event_kind::unshelve || k == event_kind::unsuppress ||
         k == event_kind::out_of_service_off || k == event_kind::enable;
}

void check_alarm_event(const al::engine& e, model& m, const al::alarm_event& ev) {
  const setup& s = cfg();
  const std::uint32_t a = ev.alarm;
  FIREBUS_FUZZ_CHECK(a < s.alarms.size());
  const alarm_info& info = s.alarms[a];
  const std::uint32_t p = e.alarm_point(a);
  if (p != al::npos) {
    FIREBUS_FUZZ_CHECK(ev.point == p && ev.zone == al::npos);
  } else {
    FIREBUS_FUZZ_CHECK(ev.point == al::npos && ev.zone == e.alarm_zone(a));
  }
  if (ev.kind == event_kind::command) {  // reset_device: no class, no state
    FIREBUS_FUZZ_CHECK(ev.cls == alarm_class::none && ev.state == alarm_state::normal);
    return;
  }
  FIREBUS_FUZZ_CHECK(ev.cls == info.cls);
  const alarm_state prev = m.state[a];
  const alarm_state next = ev.state;
  bool changes = true;
  switch (ev.kind) {
    case event_kind::alarm_on:
      FIREBUS_FUZZ_CHECK(prev == alarm_state::normal || prev == alarm_state::rtn_unack);
      FIREBUS_FUZZ_CHECK(next == alarm_state::unack);
      if (ev.source != al::npos) FIREBUS_FUZZ_CHECK(p == al::npos && ev.source < e.point_count());
      break;
    case event_kind::alarm_off:
      FIREBUS_FUZZ_CHECK(m.on_since_normal[a] && !info.latching);
      FIREBUS_FUZZ_CHECK((prev == alarm_state::unack && next == alarm_state::rtn_unack) ||
                         (prev == alarm_state::acked && next == alarm_state::normal));
      break;
    case event_kind::returned_latched:
      FIREBUS_FUZZ_CHECK(m.on_since_normal[a] && info.latching);
      FIREBUS_FUZZ_CHECK((prev == alarm_state::unack && next == alarm_state::latched_unack) ||
                         (prev == alarm_state::acked && next == alarm_state::latched_acked));
      break;
    case event_kind::ack:
      FIREBUS_FUZZ_CHECK(
          (prev == alarm_state::unack && next == alarm_state::acked) ||
          (prev == alarm_state::rtn_unack && next == alarm_state::normal) ||
          (prev == alarm_state::latched_unack && next == alarm_state::latched_acked));
      break;
    case event_kind::reset:
      FIREBUS_FUZZ_CHECK(next == alarm_state::normal);
      if (info.fire_profile) {
        FIREBUS_FUZZ_CHECK(prev != alarm_state::normal);
      } else {
        FIREBUS_FUZZ_CHECK(info.latching && prev == alarm_state::latched_acked);
      }
      break;
    case event_kind::reject:
      changes = false;
      FIREBUS_FUZZ_CHECK(next == prev);
      FIREBUS_FUZZ_CHECK(ev.reason == event_reason::active || ev.reason == event_reason::unacked ||
                         ev.reason == event_reason::not_shelvable ||
                         ev.reason == event_reason::shelve_time);
      FIREBUS_FUZZ_CHECK((ev.reason == event_reason::not_shelvable) == !info.shelvable ||
                         ev.reason == event_reason::active || ev.reason == event_reason::unacked);
      if (ev.reason == event_reason::active || ev.reason == event_reason::unacked) {
        FIREBUS_FUZZ_CHECK(!info.fire_profile && info.latching);
      }
      break;
    case event_kind::chatter_on:
    case event_kind::chatter_off:
      changes = false;
      FIREBUS_FUZZ_CHECK(next == prev);
      FIREBUS_FUZZ_CHECK(m.chattering[a] == (ev.kind == event_kind::chatter_off));
      m.chattering[a] = ev.kind == event_kind::chatter_on;
      break;
    case event_kind::verify_start:
    case event_kind::verify_cancel:
      changes = false;
      FIREBUS_FUZZ_CHECK(next == prev && p != al::npos && info.cls == alarm_class::fire);
      if (ev.kind == event_kind::verify_cancel) FIREBUS_FUZZ_CHECK(m.verifying[a]);
      m.verifying[a] = ev.kind == event_kind::verify_start;
      break;
    default:
      if (overlay_entry(ev.kind)) {
        FIREBUS_FUZZ_CHECK(next == alarm_state::normal);
        if (ev.kind == event_kind::shelve) FIREBUS_FUZZ_CHECK(info.shelvable);
        if (ev.kind == event_kind::suppress) FIREBUS_FUZZ_CHECK(p == 0 || p == 7);
      } else if (overlay_exit(ev.kind)) {
        FIREBUS_FUZZ_CHECK(prev == alarm_state::normal && next == alarm_state::normal);
      } else {
        __builtin_trap();  // no other event names an alarm
      }
      break;
  }
  if (!changes) return;
  // A latched alarm, or a fire alarm (profile or class) in any state, returns to normal only by
  // reset or by an overlay entry.
  if (next == alarm_state::normal && prev != alarm_state::normal &&
      (info.fire_profile || info.cls == alarm_class::fire || prev == alarm_state::latched_unack ||
       prev == alarm_state::latched_acked)) {
    FIREBUS_FUZZ_CHECK(ev.kind == event_kind::reset || overlay_entry(ev.kind));
  }
  if (ev.kind == event_kind::alarm_on) m.on_since_normal[a] = true;
  if (next == alarm_state::normal) m.on_since_normal[a] = false;
  m.state[a] = next;
}

void check_event(const al::engine& e, model& m, const al::alarm_event& ev) {
  const std::int64_t t = us_of(ev.t);
  FIREBUS_FUZZ_CHECK(t >= m.last_t);
  FIREBUS_FUZZ_CHECK(t <= us_of(e.now()));
  m.last_t = t;
  FIREBUS_FUZZ_CHECK(ev.point == al::npos || ev.point < e.point_count());
  FIREBUS_FUZZ_CHECK(ev.zone == al::npos || ev.zone < e.zone_count());
  FIREBUS_FUZZ_CHECK(ev.source == al::npos || ev.source < e.point_count());
  const firebus::event named = e.to_event(ev);  // must not throw or crash
  FIREBUS_FUZZ_CHECK(named.kind == ev.kind);
  if (ev.alarm != al::npos) {
    check_alarm_event(e, m, ev);
    return;
  }
  switch (ev.kind) {
    case event_kind::fault_on:
      FIREBUS_FUZZ_CHECK(ev.point < e.point_count() && ev.cls == alarm_class::fault);
      FIREBUS_FUZZ_CHECK(m.fault[ev.point] == event_reason::none);
      FIREBUS_FUZZ_CHECK(ev.reason >= event_reason::invalid_value &&
                         ev.reason <= event_reason::comm_loss);
      m.fault[ev.point] = ev.reason;
      break;
    case event_kind::fault_off:
      FIREBUS_FUZZ_CHECK(ev.point < e.point_count() && ev.cls == alarm_class::fault);
      FIREBUS_FUZZ_CHECK(m.fault[ev.point] != event_reason::none);
      FIREBUS_FUZZ_CHECK(ev.reason == m.fault[ev.point]);
      m.fault[ev.point] = event_reason::none;
      break;
    case event_kind::input_drop:
      FIREBUS_FUZZ_CHECK(ev.point < e.point_count());
      FIREBUS_FUZZ_CHECK(ev.reason == event_reason::ts_conflict ||
                         ev.reason == event_reason::out_of_order);
      break;
    case event_kind::clock_jump:
      FIREBUS_FUZZ_CHECK(ev.point < e.point_count());
      FIREBUS_FUZZ_CHECK(ev.delta_s > 300 || ev.delta_s < -300);
      break;
    case event_kind::buzzer_on:
    case event_kind::buzzer_off:
      FIREBUS_FUZZ_CHECK(m.buzzer == (ev.kind == event_kind::buzzer_off));
      m.buzzer = ev.kind == event_kind::buzzer_on;
      break;
    case event_kind::flood_on:
    case event_kind::flood_off:
      FIREBUS_FUZZ_CHECK(m.flooding == (ev.kind == event_kind::flood_off));
      m.flooding = ev.kind == event_kind::flood_on;
      break;
    case event_kind::linkage_on:
    case event_kind::linkage_off:
      FIREBUS_FUZZ_CHECK(ev.zone < e.zone_count());
      FIREBUS_FUZZ_CHECK(m.linkage[ev.zone] == (ev.kind == event_kind::linkage_off));
      m.linkage[ev.zone] = ev.kind == event_kind::linkage_on;
      break;
    case event_kind::dependency_first:
      FIREBUS_FUZZ_CHECK(ev.zone == 1 && ev.source != al::npos);
      m.dep_first[ev.zone] = ev.source;
      break;
    case event_kind::dependency_timeout:
      FIREBUS_FUZZ_CHECK(ev.zone == 1 && ev.source != al::npos);
      FIREBUS_FUZZ_CHECK(m.dep_first[ev.zone] == ev.source);
      m.dep_first[ev.zone] = al::npos;
      break;
    default:
      __builtin_trap();  // every other event names an alarm
  }
}

// After an operation: the engine is what its events say.
void check_engine(const al::engine& e, const model& m) {
  const setup& s = cfg();
  for (std::uint32_t a = 0; a < s.alarms.size(); ++a) {
    FIREBUS_FUZZ_CHECK(e.state(a) == m.state[a]);
    if (e.shelved(a) || e.suppressed(a) || e.out_of_service(a) || e.disabled(a)) {
      FIREBUS_FUZZ_CHECK(m.state[a] == alarm_state::normal);
    }
    if (e.shelved(a)) FIREBUS_FUZZ_CHECK(s.alarms[a].shelvable);
  }
  for (std::uint32_t p = 0; p < s.stale.size(); ++p) FIREBUS_FUZZ_CHECK(e.fault(p) == m.fault[p]);
  for (std::uint32_t z = 0; z < s.zone_points.size(); ++z) {
    FIREBUS_FUZZ_CHECK(e.linkage(z) == m.linkage[z]);
  }
  FIREBUS_FUZZ_CHECK(e.buzzer() == m.buzzer);
  FIREBUS_FUZZ_CHECK(e.flooding() == m.flooding);

  const std::vector<al::active_entry> list = e.active();
  std::vector<bool> listed_alarm(s.alarms.size(), false);
  std::vector<bool> listed_disabled(s.alarms.size(), false);
  std::vector<bool> listed_fault(s.stale.size(), false);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const al::active_entry& x = list[i];
    if (i > 0) {
      const al::active_entry& w = list[i - 1];
      FIREBUS_FUZZ_CHECK(firebus::priority(w.cls) > firebus::priority(x.cls) ||
                         (w.cls == x.cls && w.since <= x.since));
    }
    if (x.cls == alarm_class::fault && x.alarm == al::npos) {  // a point's fault
      FIREBUS_FUZZ_CHECK(x.point < s.stale.size() && !listed_fault[x.point]);
      FIREBUS_FUZZ_CHECK(x.reason == m.fault[x.point]);
      listed_fault[x.point] = true;
    } else if (x.cls == alarm_class::disablement) {
      FIREBUS_FUZZ_CHECK(x.alarm < s.alarms.size() && !listed_disabled[x.alarm]);
      FIREBUS_FUZZ_CHECK(e.disabled(x.alarm));
      listed_disabled[x.alarm] = true;
    } else {  // an alarm, of any class (fault included)
      FIREBUS_FUZZ_CHECK(x.alarm < s.alarms.size() && !listed_alarm[x.alarm]);
      FIREBUS_FUZZ_CHECK(x.cls == s.alarms[x.alarm].cls && x.state == m.state[x.alarm]);
      FIREBUS_FUZZ_CHECK(x.point == e.alarm_point(x.alarm) && x.zone == e.alarm_zone(x.alarm));
      listed_alarm[x.alarm] = true;
    }
  }
  for (std::uint32_t a = 0; a < s.alarms.size(); ++a) {
    // Active and latched alarms are listed; returned unacknowledged ones are not.
    FIREBUS_FUZZ_CHECK(listed_alarm[a] ==
                       (m.state[a] != alarm_state::normal && m.state[a] != alarm_state::rtn_unack));
    FIREBUS_FUZZ_CHECK(listed_disabled[a] == e.disabled(a));
  }
  for (std::uint32_t p = 0; p < s.stale.size(); ++p) {
    FIREBUS_FUZZ_CHECK(listed_fault[p] == (m.fault[p] != event_reason::none));
  }
  FIREBUS_FUZZ_CHECK(e.panel() == (list.empty() ? alarm_class::none : list.front().cls));
}

bool same_double(double a, double b) {
  std::uint64_t x = 0;
  std::uint64_t y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

bool same_event(const al::alarm_event& a, const al::alarm_event& b) {
  return a.t == b.t && a.kind == b.kind && a.cls == b.cls && a.state == b.state &&
         a.reason == b.reason && a.has_value == b.has_value && same_double(a.value, b.value) &&
         same_double(a.delta_s, b.delta_s) && a.point == b.point && a.alarm == b.alarm &&
         a.zone == b.zone && a.source == b.source;
}

bool same_events(const std::vector<al::alarm_event>& a, const std::vector<al::alarm_event>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same_event(a[i], b[i])) return false;
  }
  return true;
}

bool same_active(const al::engine& x, const al::engine& y) {
  const std::vector<al::active_entry> a = x.active();
  const std::vector<al::active_entry> b = y.active();
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].cls != b[i].cls || a[i].state != b[i].state || a[i].reason != b[i].reason ||
        a[i].since != b[i].since || a[i].point != b[i].point || a[i].alarm != b[i].alarm ||
        a[i].zone != b[i].zone) {
      return false;
    }
  }
  return true;
}

// --- feeding engines -----------------------------------------------------------------------------

// Calls the engine; returns the error.
std::error_code call(al::engine& e, const op& o) {
  std::error_code ec;
  switch (o.kind) {
    case op_sample:
    case op_sample_ts:
      if (o.ts) {
        e.sample(o.point, at(o.t), o.value, at(*o.ts), ec);
      } else {
        e.sample(o.point, at(o.t), o.value, ec);
      }
      break;
    case op_raw:
      e.raw_sample(o.point, at(o.t), o.value,
                   o.ts ? std::optional<firebus::mono_time>(at(*o.ts)) : std::nullopt, ec);
      break;
    case op_condition:
      e.condition(o.point, at(o.t), o.condition, ec);
      break;
    case op_status:
      e.status(o.point, at(o.t), o.status, ec);
      break;
    case op_command:
      e.execute(at(o.t), o.cmd, ec);
      break;
    case op_advance:
    case op_advance_due:
      e.advance(at(o.t), ec);
      break;
    case op_back:
      switch (o.variant) {
        case 0:
          e.sample(o.point, at(o.t), o.value, ec);
          break;
        case 1:
          e.raw_sample(0, at(o.t), 12, std::nullopt, ec);
          break;
        case 2:
          e.condition(o.point, at(o.t), al::device_condition::fire, ec);
          break;
        case 3:
          e.status(o.point, at(o.t), al::device_status::fault, ec);
          break;
        case 4: {
          al::command c;  // ack of everything: always resolves
          e.execute(at(o.t), c, ec);
          break;
        }
        default:
          e.advance(at(o.t), ec);
          break;
      }
      break;
    default:
      break;
  }
  return ec;
}

// The error an operation must give, if the harness knows it; `any` where it depends.
enum class expect { ok, refused, any };

expect expected(const op& o, const model& m, std::error_code& want) {
  const setup& s = cfg();
  const bool bad_point = o.point >= s.stale.size();
  if (o.extreme) return expect::any;  // out of range for the engine, or just within
  switch (o.kind) {
    case op_sample:
    case op_sample_ts:
    case op_condition:
    case op_status:
      if (!bad_point) return expect::ok;
      want = al::errc::unknown_point;
      return expect::refused;
    case op_raw:
      if (bad_point) {
        want = al::errc::unknown_point;
        return expect::refused;
      }
      if (!s.has_raw[o.point]) {
        want = al::errc::no_raw_mapping;
        return expect::refused;
      }
      return expect::ok;
    case op_advance:
    case op_advance_due:
      return expect::ok;
    case op_back:
      if (!m.started) return expect::ok;
      want = al::errc::time_went_back;
      return expect::refused;
    default:
      return expect::any;
  }
}

struct runner {
  al::engine eng;
  model m;
  bool accepted = false;  // the last operation was
};

// Feeds one operation to a checked engine; returns its events.
std::vector<al::alarm_event> feed(runner& r, const op& o) {
  std::error_code want;
  const expect ex = expected(o, r.m, want);
  std::vector<std::uint8_t> before;
  if (ex != expect::ok) before = r.eng.snapshot();
  const std::error_code ec = call(r.eng, o);
  r.accepted = !ec;
  std::vector<al::alarm_event> events = r.eng.events();
  r.eng.clear_events();
  if (ex == expect::ok) FIREBUS_FUZZ_CHECK(!ec);
  if (ex == expect::refused) FIREBUS_FUZZ_CHECK(ec == want);
  if (ec) {  // refused: nothing emitted, nothing changed
    FIREBUS_FUZZ_CHECK(events.empty());
    FIREBUS_FUZZ_CHECK(r.eng.snapshot() == before);
    check_engine(r.eng, r.m);
    return events;
  }
  FIREBUS_FUZZ_CHECK(us_of(r.eng.now()) == o.t);
  if (!r.m.started) {
    r.m.started = true;
    for (std::size_t p = 0; p < r.m.resume.size(); ++p) r.m.resume[p] = r.m.last_input[p] = o.t;
  }
  if (is_input(o.kind)) r.m.last_input[o.point] = o.t;
  if (o.kind == op_command && o.cmd.kind == al::command_kind::out_of_service) {
    for (std::uint32_t p : o.oos_points) r.m.oos[p] = true;
  }
  if (o.kind == op_command && o.cmd.kind == al::command_kind::return_to_service) {
    for (std::uint32_t p : o.oos_points) {
      if (!r.m.oos[p]) continue;
      r.m.oos[p] = false;
      r.m.resume[p] = o.t;
    }
  }
  for (const al::alarm_event& ev : events) {
    check_event(r.eng, r.m, ev);
    // "linkage_off when a reset brings it below": no other input ends a linkage.
    if (ev.kind == event_kind::linkage_off) {
      FIREBUS_FUZZ_CHECK(o.kind == op_command && o.cmd.kind == al::command_kind::reset);
    }
  }
  check_engine(r.eng, r.m);
  return events;
}

// An engine restored from fuzz bytes: anything goes but crashes.
void feed_wild(al::engine& e, const op& o) {
  (void)call(e, o);
  for (const al::alarm_event& ev : e.events()) (void)e.to_event(ev);
  e.clear_events();
  (void)e.active();
  (void)e.panel();
  (void)e.next_due();
}

// Restores `bytes` into a configured engine at t: either refused with nothing changed, or
// accepted (true).
bool try_restore(al::engine& e, firebus::byte_view bytes, std::int64_t t) {
  const std::vector<std::uint8_t> before = e.snapshot();
  std::error_code ec;
  const bool ok = e.restore(bytes, at(t), ec);
  FIREBUS_FUZZ_CHECK(ok == !ec);
  if (!ok) {
    FIREBUS_FUZZ_CHECK(ec == al::errc::snapshot_corrupt || ec == al::errc::snapshot_mismatch);
    FIREBUS_FUZZ_CHECK(e.snapshot() == before);
  }
  FIREBUS_FUZZ_CHECK(e.events().empty());
  return ok;
}

struct reader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  bool more() const { return at < size; }
  std::uint8_t byte() { return at < size ? data[at++] : 0; }
};

struct snapshot_taken {
  std::vector<std::uint8_t> bytes;
  model m;
  std::int64_t now = 0;
};

// The whole run: the engines, the harness's time, the last snapshot.
struct run {
  runner a;                             // the original
  runner twin;                          // A's twin without the sample shortcut
  std::optional<runner> b;              // a copy of A taken at a snapshot
  std::optional<runner> c;              // A's snapshot restored into a fresh engine
  bool c_exact = false;                 // C must still agree with A
  std::vector<std::int64_t> c_pending;  // per point: a staleness due where A and C can differ
  std::optional<al::engine> wild;       // restored from fuzz bytes
  std::optional<snapshot_taken> last;
  std::int64_t t = t_start;
  std::vector<std::int64_t> last_ts;  // per point: the last ts given
  std::vector<double> last_value;     // per point: the last value given

  run() : last_ts(cfg().stale.size(), t_start), last_value(cfg().stale.size(), 0) {}

  void add_time(std::int64_t d) { t = d > t_cap - t ? t_cap : t + d; }

  std::uint32_t pick_point(reader& r) {
    return static_cast<std::uint32_t>(r.byte() % (cfg().stale.size() + 1));  // last: unknown
  }

  std::optional<std::int64_t> pick_ts(std::uint8_t mode, std::uint32_t point, double& value,
                                      bool& extreme) {
    const std::int64_t prev = point < last_ts.size() ? last_ts[point] : t;
    switch (mode % 16) {
      case 0:
        return std::nullopt;
      case 1:
        return t - 1;
      case 2:
        return t + 1;
      case 3:
        return prev;  // same ts: a conflict, or a duplicate if the value is the same
      case 4:
        if (point < last_value.size()) value = last_value[point];
        return prev;  // a duplicate
      case 5:
        return prev == lowest ? lowest : prev - 1;  // out of order
      case 6:
        return t + 300 * second + 1;
      case 7:
        return t - 300 * second - 1;
      case 8:
        return t + 300 * second;  // exactly 300 s: not a jump
      case 9:
        return t - 1000 * second;
      case 10:
        return t + 1'000'000'000 * second;
      case 12:  // the ends of the time line, and beyond what an engine can accept
        extreme = true;
        return max_abs_time;
      case 13:
        extreme = true;
        return -max_abs_time;
      case 14:
        extreme = true;
        return never;
      case 15:
        extreme = true;
        return lowest;
      default:
        return t;
    }
  }

  // Decodes the next operation. Returns false for operations handled here (step, snapshot,
  // restore, corrupt).
  bool decode(reader& r, op& o) {
    o.kind = static_cast<op_kind>(r.byte() % op_count);
    o.t = t;
    switch (o.kind) {
      case op_step:
        add_time(steps[r.byte() % 20]);
        return false;
      case op_wait: {
        const std::int64_t hi = r.byte();
        add_time((hi * 256 + r.byte()) * 1000);
        return false;
      }
      case op_sample:
      case op_sample_ts:
      case op_raw: {
        o.point = pick_point(r);
        o.value = o.kind == op_raw ? milliamps[r.byte() % 16] : values[r.byte() % 32];
        if (o.kind != op_sample) o.ts = pick_ts(r.byte(), o.point, o.value, o.extreme);
        // Near the ends of the time line (also when derived from an earlier such ts): the
        // engine may accept or refuse it.
        if (o.ts && (*o.ts > max_abs_time / 2 || *o.ts < -(max_abs_time / 2))) o.extreme = true;
        if (o.point < last_ts.size()) {
          last_ts[o.point] = o.ts ? *o.ts : t;
          last_value[o.point] = o.value;
        }
        return true;
      }
      case op_condition:
        o.point = pick_point(r);
        o.condition = static_cast<al::device_condition>(r.byte() % 3);
        return true;
      case op_status:
        o.point = pick_point(r);
        o.status = static_cast<al::device_status>(r.byte() % 4);
        return true;
      case op_command:
        decode_command(r, o);
        return true;
      case op_advance:
        add_time(steps[r.byte() % 20]);
        o.t = t;
        return true;
      case op_advance_due: {
        const std::uint8_t mode = r.byte();
        const std::optional<firebus::mono_time> due = a.eng.next_due();
        if (due) {
          const std::int64_t d = us_of(*due) + (mode % 3) - 1;  // 1 µs before, at, after
          if (d > t && d <= t_cap) t = d;
        }
        o.t = t;
        return true;
      }
      case op_back: {
        o.variant = r.byte() % 6;
        o.point = static_cast<std::uint32_t>(r.byte() % cfg().stale.size());
        o.value = values[r.byte() % 32];
        const std::int64_t now = us_of(a.eng.now());
        o.t = now - back_deltas[r.byte() % 4];
        return true;
      }
      case op_snapshot:
        take_snapshot();
        return false;
      case op_restore:
        restore_all();
        return false;
      case op_corrupt:
        corrupt(r);
        return false;
      case op_count:
        break;
    }
    return false;
  }

  void decode_command(reader& r, op& o) {
    const setup& s = cfg();
    al::command& cm = o.cmd;
    cm.kind = static_cast<al::command_kind>(r.byte() % 9);
    const std::uint8_t target = r.byte();
    const std::uint8_t names = r.byte();
    const std::uint8_t shelve = r.byte();
    const std::size_t p = names % 9;
    const char* point = point_ids[p];
    const char* alarm = alarm_ids[(names / 9) % 11];
    const std::size_t z = (names / 3) % 5;
    switch (target % 6) {
      case 0:  // nothing: ack and reset of everything, silence
        break;
      case 1:
        cm.point = point;
        if (p < s.stale.size()) o.oos_points.push_back(static_cast<std::uint32_t>(p));
        break;
      case 2:
        cm.point = point;
        cm.alarm = alarm;
        break;
      case 3:
        cm.zone = zone_ids[z];
        if (z < s.zone_points.size()) o.oos_points = s.zone_points[z];
        break;
      case 4:
        cm.zone = zone_ids[z];
        cm.alarm = alarm;
        break;
      default:  // a point and a zone: refused
        cm.point = point;
        cm.zone = zone_ids[z];
        break;
    }
    switch (shelve % 13) {
      case 0:  // neither: refused for shelve
        break;
      case 1:
        cm.one_shot = true;
        break;
      case 2:
        cm.duration_s = 1;
        break;
      case 3:
        cm.duration_s = 5;
        break;
      case 4:
        cm.duration_s = 600;  // max_shelve_s
        break;
      case 5:
        cm.duration_s = 600.000001;  // over: reject shelve_time
        break;
      case 6:
        cm.duration_s = 600.0000004;  // rounds to 600 s
        break;
      case 7:
        cm.duration_s = 4e-7;  // rounds to 0 µs
        break;
      case 8:
        cm.duration_s = 1e10;  // invalid
        break;
      case 9:
        cm.duration_s = nan;
        break;
      case 10:
        cm.duration_s = 0;
        break;
      case 11:
        cm.duration_s = -1;
        break;
      default:
        cm.duration_s = 60;
        cm.one_shot = true;
        break;
    }
  }

  // Staleness timers of A that a restore at `at_t` would move (see the file comment).
  void compute_pending(std::int64_t at_t) {
    const setup& s = cfg();
    c_pending.assign(s.stale.size(), never);
    if (!a.m.started) return;
    const std::int64_t now = us_of(a.eng.now());
    for (std::size_t p = 0; p < s.stale.size(); ++p) {
      if (s.stale[p] == 0 || a.m.oos[p]) continue;
      const std::int64_t base =
          a.m.last_input[p] > a.m.resume[p] ? a.m.last_input[p] : a.m.resume[p];
      const std::int64_t due = base + s.stale[p];
      if (due <= now) continue;  // fired in A already; C's will find the fault and do nothing
      if (base < at_t) c_pending[p] = due;
    }
  }

  void take_snapshot() {
    snapshot_taken snap;
    snap.bytes = a.eng.snapshot();
    FIREBUS_FUZZ_CHECK(twin.eng.snapshot() == snap.bytes);
    snap.m = a.m;
    snap.now = us_of(a.eng.now());
    // Another configuration refuses it; an engine without one too.
    {
      al::engine other = cfg().other;
      std::error_code ec;
      FIREBUS_FUZZ_CHECK(!other.restore(snap.bytes, at(t), ec));
      FIREBUS_FUZZ_CHECK(ec == al::errc::snapshot_mismatch);
      al::engine none;
      FIREBUS_FUZZ_CHECK(!none.restore(snap.bytes, at(t), ec));
      FIREBUS_FUZZ_CHECK(ec == al::errc::not_configured);
    }
    b = a;  // the copy
    if (!c || !c_exact) {
      runner fresh{cfg().proto, snap.m};
      std::error_code ec;
      FIREBUS_FUZZ_CHECK(fresh.eng.restore(snap.bytes, at(t), ec) && !ec);
      FIREBUS_FUZZ_CHECK(fresh.eng.events().empty());
      FIREBUS_FUZZ_CHECK(same_active(fresh.eng, a.eng));
      // Restoring is idempotent (the bytes need not be the same: the staleness bookkeeping
      // restarts at the restore time).
      const std::vector<std::uint8_t> again = fresh.eng.snapshot();
      al::engine twice = cfg().proto;
      FIREBUS_FUZZ_CHECK(twice.restore(again, at(t), ec) && !ec);
      FIREBUS_FUZZ_CHECK(twice.snapshot() == again);
      const std::int64_t resume = t > snap.now ? t : snap.now;
      for (std::int64_t& x : fresh.m.resume) x = resume;
      check_engine(fresh.eng, fresh.m);
      compute_pending(t);
      c = std::move(fresh);
      c_exact = true;
    }
    if (wild) {  // an accepted state must survive its own snapshot
      al::engine again = cfg().proto;
      std::error_code ec;
      FIREBUS_FUZZ_CHECK(again.restore(wild->snapshot(), at(t), ec) && !ec);
    }
    last = std::move(snap);
  }

  void restore_one(runner& r, bool fresh_engine) {
    if (fresh_engine) r.eng = cfg().proto;
    std::error_code ec;
    FIREBUS_FUZZ_CHECK(r.eng.restore(last->bytes, at(t), ec) && !ec);
    FIREBUS_FUZZ_CHECK(r.eng.events().empty());
    r.m = last->m;
    const std::int64_t resume = t > last->now ? t : last->now;
    for (std::int64_t& x : r.m.resume) x = resume;
    check_engine(r.eng, r.m);
  }

  void restore_all() {
    if (!last) {  // nothing to restore: empty bytes are refused
      std::error_code ec;
      const std::vector<std::uint8_t> before = a.eng.snapshot();
      FIREBUS_FUZZ_CHECK(!a.eng.restore(firebus::byte_view(), at(t), ec));
      FIREBUS_FUZZ_CHECK(ec == al::errc::snapshot_corrupt && a.eng.snapshot() == before);
      return;
    }
    restore_one(a, true);
    restore_one(twin, true);
    twin.eng.set_shortcut(false);
    if (b) restore_one(*b, false);
    if (c) {
      restore_one(*c, false);
      c_exact = true;
      c_pending.assign(cfg().stale.size(), never);
    }
    if (wild) (void)try_restore(*wild, last->bytes, t);
    // Restored from the same bytes at the same time, into a fresh engine or not: the same.
    const std::vector<std::uint8_t> restored = a.eng.snapshot();
    FIREBUS_FUZZ_CHECK(twin.eng.snapshot() == restored);
    if (b) FIREBUS_FUZZ_CHECK(b->eng.snapshot() == restored);
    if (c) FIREBUS_FUZZ_CHECK(c->eng.snapshot() == restored);
  }

  // Edits of the last snapshot: 1 to 4 of overwrite a byte, write a boundary i64 or u32
  // (little-endian, as the snapshot), insert bytes, erase bytes, truncate.
  void corrupt(reader& r) {
    const std::int64_t i64s[] = {never,      lowest,         -1,        0, 1, t, t - 1,
                                 t + second, never - second, lowest + 1};
    const std::uint32_t u32s[] = {0, 1, 2, 7, 15, 16, al::npos, 0x7fffffff};
    const std::uint8_t n = r.byte();
    if (!last) return;
    std::vector<std::uint8_t> bytes = last->bytes;
    for (int i = 0; i < 1 + n % 4 && !bytes.empty(); ++i) {
      const std::uint8_t kind = r.byte();
      const std::size_t hi = r.byte();
      const std::size_t pos = (hi << 8 | r.byte()) % bytes.size();
      const auto put = [&](std::uint64_t v, std::size_t width) {
        for (std::size_t k = 0; k < width && pos + k < bytes.size(); ++k) {
          bytes[pos + k] = static_cast<std::uint8_t>(v >> (8 * k));
        }
      };
      switch (kind % 6) {
        case 0:
          bytes[pos] = r.byte();
          break;
        case 1:
          put(static_cast<std::uint64_t>(i64s[r.byte() % 10]), 8);
          break;
        case 2:
          put(u32s[r.byte() % 8], 4);
          break;
        case 3: {  // insert
          const std::size_t len = r.byte() % 24;
          std::vector<std::uint8_t> ins;
          for (std::size_t k = 0; k < len; ++k) ins.push_back(r.byte());
          bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(pos), ins.begin(), ins.end());
          break;
        }
        case 4: {  // erase
          const std::size_t len = r.byte() % 24;
          const std::size_t end = pos + len < bytes.size() ? pos + len : bytes.size();
          bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                      bytes.begin() + static_cast<std::ptrdiff_t>(end));
          break;
        }
        default:
          bytes.resize(pos);
          break;
      }
    }
    al::engine e = cfg().proto;
    if (try_restore(e, bytes, t)) wild = std::move(e);
  }

  void execute(const op& o) {
    if (c && c_exact) {
      for (std::int64_t due : c_pending) {
        if (due <= o.t) c_exact = false;  // A's staleness timer fires, C's later
      }
    }
    const std::vector<al::alarm_event> ea = feed(a, o);
    FIREBUS_FUZZ_CHECK(same_events(ea, feed(twin, o)));
    FIREBUS_FUZZ_CHECK(same_active(a.eng, twin.eng));
    if (b) {
      FIREBUS_FUZZ_CHECK(same_events(ea, feed(*b, o)));
      FIREBUS_FUZZ_CHECK(same_active(a.eng, b->eng));
    }
    if (c) {
      const std::vector<al::alarm_event> ec = feed(*c, o);
      if (c_exact) {
        FIREBUS_FUZZ_CHECK(same_events(ea, ec));
        FIREBUS_FUZZ_CHECK(same_active(a.eng, c->eng));
      }
    }
    if (wild) feed_wild(*wild, o);
    // An input for the point, or taking the point out of service, makes the staleness of A
    // and C agree again.
    if (c && c_exact && a.accepted && o.kind != op_back) {
      if (is_input(o.kind) && o.point < c_pending.size()) c_pending[o.point] = never;
      if (o.kind == op_command && o.cmd.kind == al::command_kind::out_of_service) {
        for (std::uint32_t p : o.oos_points) c_pending[p] = never;
      }
    }
  }

  void finish() {
    FIREBUS_FUZZ_CHECK(a.eng.snapshot() == twin.eng.snapshot());
    FIREBUS_FUZZ_CHECK(a.eng.next_due() == twin.eng.next_due());
    if (b) {
      FIREBUS_FUZZ_CHECK(a.eng.snapshot() == b->eng.snapshot());
      FIREBUS_FUZZ_CHECK(a.eng.next_due() == b->eng.next_due());
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run state;
  state.a.eng = cfg().proto;
  state.twin.eng = cfg().proto;
  state.twin.eng.set_shortcut(false);
  // The raw input as a snapshot.
  {
    al::engine e = cfg().proto;
    if (try_restore(e, firebus::byte_view(data, size), state.t)) state.wild = std::move(e);
  }
  reader r{data, size};
  for (std::size_t n = 0; n < max_ops && r.more(); ++n) {
    op o;
    if (state.decode(r, o)) state.execute(o);
  }
  state.finish();
  return 0;
}
