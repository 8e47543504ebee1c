// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/event.hpp>: the event vocabulary and the event record.
#include <cstdint>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/core/event.hpp>

namespace {

using firebus::alarm_class;
using firebus::alarm_state;
using firebus::event_kind;
using firebus::event_reason;

// Copied from shared/specs/alarm-semantics.md, "The replay tool": "Event names: ..." in order.
const std::vector<std::string> spec_event_names = {
    "alarm_on",
    "alarm_off",
    "returned_latched",
    "ack",
    "reset",
    "reject",
    "shelve",
    "unshelve",
    "suppress",
    "unsuppress",
    "out_of_service_on",
    "out_of_service_off",
    "disable",
    "enable",
    "fault_on",
    "fault_off",
    "input_drop",
    "clock_jump",
    "chatter_on",
    "chatter_off",
    "flood_on",
    "flood_off",
    "buzzer_on",
    "buzzer_off",
    "linkage_on",
    "linkage_off",
    "dependency_first",
    "dependency_timeout",
    "verify_start",
    "verify_cancel",
    "command",
};

// Same file, "Reasons: ...". firebus adds `none` for events without a reason.
const std::vector<std::string> spec_reasons = {
    "active",     "unacked",     "not_shelvable", "shelve_time",   "invalid_value",
    "over_range", "under_range", "open_circuit",  "short_circuit", "fault",
    "comm_loss",  "ts_conflict", "out_of_order",
};

// Same file, "States and transitions (R6-R7)".
const std::vector<std::string> spec_states = {"normal",    "unack",         "acked",
                                              "rtn_unack", "latched_unack", "latched_acked"};

// Same file: `class` is `fire`, `supervisory`, `pre_alarm` or `fault`; firebus adds
// `disablement` (GB 4717 priority list) and `none`.
const std::vector<std::string> spec_classes = {"none",      "disablement", "fault",
                                               "pre_alarm", "supervisory", "fire"};

// Walks every value of the underlying type: the defined ones have names, the rest have none.
template <class E>
std::vector<std::string> names_of_all() {
  std::vector<std::string> out;
  for (unsigned v = 0; v < 256; ++v) {
    const std::string_view n = firebus::to_string(static_cast<E>(v));
    if (!n.empty()) {
      // The defined values are contiguous from 0.
      REQUIRE(v == out.size());
      out.emplace_back(n);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("event_kind: names are exactly the spec's event names, in order") {
  const std::vector<std::string> names = names_of_all<event_kind>();
  CHECK(names == spec_event_names);
  CHECK(names.size() == 31);
  CHECK(firebus::to_string(event_kind::alarm_on) == "alarm_on");
  CHECK(firebus::to_string(event_kind::command) == "command");
  CHECK(firebus::to_string(static_cast<event_kind>(31)).empty());
  CHECK(firebus::to_string(static_cast<event_kind>(255)).empty());
}

TEST_CASE("event_reason: names are none plus exactly the spec's reasons") {
  std::vector<std::string> want = {"none"};
  want.insert(want.end(), spec_reasons.begin(), spec_reasons.end());
  CHECK(names_of_all<event_reason>() == want);
  CHECK(firebus::to_string(event_reason::none) == "none");
  CHECK(firebus::to_string(event_reason::comm_loss) == "comm_loss");
  CHECK(firebus::to_string(static_cast<event_reason>(14)).empty());
}

TEST_CASE("alarm_state and alarm_class names") {
  CHECK(names_of_all<alarm_state>() == spec_states);
  CHECK(names_of_all<alarm_class>() == spec_classes);
  CHECK(firebus::to_string(alarm_class::pre_alarm) == "pre_alarm");
  CHECK(firebus::to_string(alarm_state::rtn_unack) == "rtn_unack");
  static_assert(firebus::to_string(alarm_class::fire) == "fire", "constexpr");
}

TEST_CASE("names are unique and round-trip through the parsers") {
  std::set<std::string> seen;
  for (unsigned v = 0; v < 31; ++v) {
    const auto k = static_cast<event_kind>(v);
    const std::string n(firebus::to_string(k));
    CAPTURE(n);
    CHECK_FALSE(n.empty());
    CHECK(seen.insert(n).second);
    std::error_code ec = firebus::errc::unknown_code;
    CHECK(firebus::event_kind_from_string(n, ec) == k);
    CHECK_FALSE(ec);
    CHECK(firebus::event_kind_from_string(n) == k);
  }
  seen.clear();
  for (unsigned v = 0; v < 14; ++v) {
    const auto r = static_cast<event_reason>(v);
    const std::string n(firebus::to_string(r));
    CAPTURE(n);
    CHECK_FALSE(n.empty());
    CHECK(seen.insert(n).second);
    std::error_code ec = firebus::errc::unknown_code;
    CHECK(firebus::event_reason_from_string(n, ec) == r);
    CHECK_FALSE(ec);
    CHECK(firebus::event_reason_from_string(n) == r);
  }
  seen.clear();
  for (unsigned v = 0; v < 6; ++v) {
    const auto s = static_cast<alarm_state>(v);
    const std::string n(firebus::to_string(s));
    CAPTURE(n);
    CHECK(seen.insert(n).second);
    std::error_code ec = firebus::errc::unknown_code;
    CHECK(firebus::alarm_state_from_string(n, ec) == s);
    CHECK_FALSE(ec);
    CHECK(firebus::alarm_state_from_string(n) == s);
  }
  seen.clear();
  for (unsigned v = 0; v < 6; ++v) {
    const auto c = static_cast<alarm_class>(v);
    const std::string n(firebus::to_string(c));
    CAPTURE(n);
    CHECK(seen.insert(n).second);
    std::error_code ec = firebus::errc::unknown_code;
    CHECK(firebus::alarm_class_from_string(n, ec) == c);
    CHECK_FALSE(ec);
    CHECK(firebus::alarm_class_from_string(n) == c);
  }
}

TEST_CASE("unknown names are errc::unknown_name") {
  for (const char* s : {"", "ALARM_ON", "alarm-on", "alarm_on ", "alarmon", "Fire", "pre-alarm",
                        "latched", "clock jump", "silence"}) {
    CAPTURE(s);
    std::error_code ec;
    CHECK(firebus::event_kind_from_string(s, ec) == event_kind::alarm_on);
    CHECK(ec == firebus::errc::unknown_name);
    ec.clear();
    CHECK(firebus::alarm_class_from_string(s, ec) == alarm_class::none);
    CHECK(ec == firebus::errc::unknown_name);
    ec.clear();
    CHECK(firebus::alarm_state_from_string(s, ec) == alarm_state::normal);
    CHECK(ec == firebus::errc::unknown_name);
    ec.clear();
    CHECK(firebus::event_reason_from_string(s, ec) == event_reason::none);
    CHECK(ec == firebus::errc::unknown_name);
    CHECK_THROWS_AS(firebus::event_kind_from_string(s), firebus::system_error);
    CHECK_THROWS_AS(firebus::alarm_class_from_string(s), firebus::system_error);
    CHECK_THROWS_AS(firebus::alarm_state_from_string(s), firebus::system_error);
    CHECK_THROWS_AS(firebus::event_reason_from_string(s), firebus::system_error);
  }
  // Names of one vocabulary are not accepted by another.
  std::error_code ec;
  (void)firebus::event_kind_from_string("fire", ec);
  CHECK(ec == firebus::errc::unknown_name);
  (void)firebus::alarm_state_from_string("alarm_on", ec);
  CHECK(ec == firebus::errc::unknown_name);
  (void)firebus::event_reason_from_string("normal", ec);
  CHECK(ec == firebus::errc::unknown_name);
  // `fault` is both a class and a reason.
  CHECK(firebus::alarm_class_from_string("fault", ec) == alarm_class::fault);
  CHECK(firebus::event_reason_from_string("fault", ec) == event_reason::fault);

  try {
    (void)firebus::event_kind_from_string("alarm-on");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::unknown_name);
    const std::string what = e.what();
    CHECK(what.find("event kind") != std::string::npos);
    CHECK(what.find("\"alarm-on\"") != std::string::npos);
  }
  try {
    (void)firebus::alarm_class_from_string("Fire");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(std::string(e.what()).find("alarm class") != std::string::npos);
  }
}

TEST_CASE("priority: fire > supervisory > pre_alarm > fault > disablement > none") {
  const alarm_class order[] = {alarm_class::fire,  alarm_class::supervisory, alarm_class::pre_alarm,
                               alarm_class::fault, alarm_class::disablement, alarm_class::none};
  for (std::size_t i = 0; i + 1 < std::size(order); ++i) {
    CAPTURE(firebus::to_string(order[i]));
    CHECK(firebus::priority(order[i]) > firebus::priority(order[i + 1]));
  }
  static_assert(firebus::priority(alarm_class::fire) > firebus::priority(alarm_class::fault),
                "constexpr");
}

TEST_CASE("event: defaults") {
  const firebus::event e;
  CHECK(e.source_id.empty());
  CHECK(e.seq == 0);  // not yet assigned
  CHECK(e.t == firebus::mono_time());
  CHECK_FALSE(e.time.has_value());
  CHECK(e.kind == event_kind::alarm_on);
  CHECK(e.point.empty());
  CHECK(e.cls == alarm_class::none);
  CHECK(e.state == alarm_state::normal);
  CHECK(e.reason == event_reason::none);
  CHECK_FALSE(e.value.has_value());
  CHECK_FALSE(e.delta_s.has_value());
  CHECK(e.cause.empty());
}
