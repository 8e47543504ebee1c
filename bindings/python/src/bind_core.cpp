// firebus — fire-safety IoT SDK.
//
// firebus._firebus: the version and the library check, and firebus._firebus.core: the core
// types. Times are float seconds (see common.hpp); point identifiers are str, checked by
// validate_point_id; the enums of core_enums.hpp are created here.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <pybind11/stl.h>

#include <firebus/alarm/error.hpp>
#include <firebus/core.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/core/sequence.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_error.hpp>
#include <firebus/library.hpp>
#include <firebus/modbus/error.hpp>
#include <firebus/profile/error.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/text.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "core_enums.hpp"

FIREBUS_PY_ENUM(firebus::errc, Errc, "firebus._firebus.core.Errc")

namespace firebus_py {

// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace core_detail {
namespace {

using firebus::civil_time;
using firebus::utc_time;

// Python's repr of a str (quotes and escapes as Python writes them).
std::string py_repr(const std::string& s) { return py::repr(py::str(s)).cast<std::string>(); }

std::string py_float(double v) { return py::repr(py::float_(v)).cast<std::string>(); }

std::string civil_iso(const civil_time& c) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

std::string civil_repr(const civil_time& c) {
  return "CivilTime(" + std::to_string(c.year) + ", " + std::to_string(c.month) + ", " +
         std::to_string(c.day) + ", " + std::to_string(c.hour) + ", " + std::to_string(c.minute) +
         ", " + std::to_string(c.second) + ")";
}

// A minimal ISO 8601 reader: YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]. The zone is
// required when `zone_required`, and rejected when `!zone_allowed`.
struct iso_parts {
  civil_time c;
  std::int64_t micros = 0;
  bool has_zone = false;
  int offset_min = 0;
};

[[noreturn]] void bad_iso(std::string_view s, const char* expected) {
  firebus::detail::throw_error(make_error_code(firebus::errc::invalid_time),
                               "time: \"" + std::string(s) + "\" is not " + expected);
}

iso_parts parse_iso(std::string_view s, bool zone_allowed, bool zone_required,
                    const char* expected) {
  iso_parts out;
  std::size_t i = 0;
  auto digits = [&](std::size_t n, int& v) {
    if (s.size() - i < n) return false;
    v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char ch = s[i + k];
      if (ch < '0' || ch > '9') return false;
      v = v * 10 + (ch - '0');
    }
    i += n;
    return true;
  };
  auto lit = [&](char a, char b = '\0') {
    if (i < s.size() && (s[i] == a || (b != '\0' && s[i] == b))) {
      ++i;
      return true;
    }
    return false;
  };
  civil_time& c = out.c;
  if (!(digits(4, c.year) && lit('-') && digits(2, c.month) && lit('-') && digits(2, c.day) &&
        lit('T', ' ') && digits(2, c.hour) && lit(':') && digits(2, c.minute) && lit(':') &&
        digits(2, c.second))) {
    bad_iso(s, expected);
  }
  if (lit('.', ',')) {
    std::size_t n = 0;
    std::int64_t scale = 100000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n < 6) {
        out.micros += (s[i] - '0') * scale;
        scale /= 10;
      }
      ++n;
      ++i;
    }
    if (n == 0) bad_iso(s, expected);
  }
  if (i < s.size()) {
    if (!zone_allowed) bad_iso(s, expected);
    out.has_zone = true;
    if (lit('Z', 'z')) {
      out.offset_min = 0;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int hh = 0;
      int mm = 0;
      if (!digits(2, hh)) bad_iso(s, expected);
      lit(':');
      if (!digits(2, mm) || hh > 23 || mm > 59) bad_iso(s, expected);
      out.offset_min = sign * (hh * 60 + mm);
    } else {
      bad_iso(s, expected);
    }
    if (i != s.size()) bad_iso(s, expected);
  }
  if (zone_required && !out.has_zone) bad_iso(s, expected);
  if (!firebus::is_valid(c)) bad_iso(s, expected);
  return out;
}

constexpr const char* utc_expected =
    "an ISO 8601 date and time with a UTC offset (YYYY-MM-DDTHH:MM:SS[.ffffff]Z or ±HH:MM)";
constexpr const char* civil_expected = "an ISO 8601 local date and time (YYYY-MM-DDTHH:MM:SS)";

std::string event_repr(const firebus::event& e) {
  std::string r = "Event(kind=EventKind." + std::string(firebus::to_string(e.kind));
  if (!e.source_id.empty()) r += ", source_id=" + py_repr(e.source_id);
  if (e.seq != 0) r += ", seq=" + std::to_string(e.seq);
  r += ", t=" + py_float(to_py_seconds(e.t));
  if (e.time) r += ", time=" + py_float(to_py_seconds(*e.time));
  if (!e.point.empty()) r += ", point=" + py_repr(e.point.str());
  if (!e.alarm.empty()) r += ", alarm=" + py_repr(e.alarm);
  if (!e.zone.empty()) r += ", zone=" + py_repr(e.zone);
  if (e.cls != firebus::alarm_class::none) {
    r += ", cls=AlarmClass." + std::string(firebus::to_string(e.cls));
  }
  r += ", state=AlarmState." + std::string(firebus::to_string(e.state));
  if (e.reason != firebus::event_reason::none) {
    r += ", reason=EventReason." + std::string(firebus::to_string(e.reason));
  }
  if (e.value) r += ", value=" + py_float(*e.value);
  if (e.delta_s) r += ", delta_s=" + py_float(*e.delta_s);
  if (!e.cause.empty()) r += ", cause=" + py_repr(e.cause.str());
  if (!e.command.empty()) r += ", command=" + py_repr(e.command);
  return r + ")";
}

bool event_equal(const firebus::event& a, const firebus::event& b) {
  return a.source_id == b.source_id && a.seq == b.seq && a.t == b.t && a.time == b.time &&
         a.kind == b.kind && a.point == b.point && a.alarm == b.alarm && a.zone == b.zone &&
         a.cls == b.cls && a.state == b.state && a.reason == b.reason && a.value == b.value &&
         a.delta_s == b.delta_s && a.cause == b.cause && a.command == b.command;
}

// An empty string is "no point"; anything else must be a valid identifier.
firebus::point_id optional_point(const std::string& name) {
  return name.empty() ? firebus::point_id() : firebus::point_id(name);
}

const char* verdict_name(firebus::sequence_verdict v) {
  switch (v) {
    case firebus::sequence_verdict::first:
      return "first";
    case firebus::sequence_verdict::in_order:
      return "in_order";
    case firebus::sequence_verdict::gap:
      return "gap";
    case firebus::sequence_verdict::late:
      return "late";
    case firebus::sequence_verdict::duplicate:
      return "duplicate";
    case firebus::sequence_verdict::invalid:
      return "invalid";
  }
  return "invalid";
}

const std::error_category* category_named(const std::string& name) {
  if (name == "firebus.core") return &firebus::core_category();
  if (name == "firebus.gb26875") return &firebus::gb26875::category();
  if (name == "firebus.alarm") return &firebus::alarm::category();
  if (name == "firebus.text") return &firebus::text_category();
  if (name == "firebus.modbus") return &firebus::modbus::category();
  if (name == "firebus.profile") return &firebus::profile::category();
  if (name == "firebus.telemetry") return &firebus::telemetry::category();
  if (name == "firebus.mqtt") return &firebus::mqtt::category();
  if (name == "firebus.journal") return &firebus::uplink::journal_category();
  if (name == "generic") return &std::generic_category();
  if (name == "system") return &std::system_category();
  return nullptr;
}

void bind_enums(py::module_& core) {
  using firebus::alarm_class;
  using firebus::alarm_state;
  using firebus::event_kind;
  using firebus::event_reason;
  using firebus::quality_class;
  using firebus::quality_code;
  using firebus::sequence_verdict;
  make_enum<event_kind>(core, "EventKind", "firebus.core",
                        {
                            {"alarm_on", event_kind::alarm_on},
                            {"alarm_off", event_kind::alarm_off},
                            {"returned_latched", event_kind::returned_latched},
                            {"ack", event_kind::ack},
                            {"reset", event_kind::reset},
                            {"reject", event_kind::reject},
                            {"shelve", event_kind::shelve},
                            {"unshelve", event_kind::unshelve},
                            {"suppress", event_kind::suppress},
                            {"unsuppress", event_kind::unsuppress},
                            {"out_of_service_on", event_kind::out_of_service_on},
                            {"out_of_service_off", event_kind::out_of_service_off},
                            {"disable", event_kind::disable},
                            {"enable", event_kind::enable},
                            {"fault_on", event_kind::fault_on},
                            {"fault_off", event_kind::fault_off},
                            {"input_drop", event_kind::input_drop},
                            {"clock_jump", event_kind::clock_jump},
                            {"chatter_on", event_kind::chatter_on},
                            {"chatter_off", event_kind::chatter_off},
                            {"flood_on", event_kind::flood_on},
                            {"flood_off", event_kind::flood_off},
                            {"buzzer_on", event_kind::buzzer_on},
                            {"buzzer_off", event_kind::buzzer_off},
                            {"linkage_on", event_kind::linkage_on},
                            {"linkage_off", event_kind::linkage_off},
                            {"dependency_first", event_kind::dependency_first},
                            {"dependency_timeout", event_kind::dependency_timeout},
                            {"verify_start", event_kind::verify_start},
                            {"verify_cancel", event_kind::verify_cancel},
                            {"command", event_kind::command},
                        },
                        "What an event says happened (names as in the alarm semantics' JSON "
                        "contract: EventKind.alarm_on.name == 'alarm_on').");
  make_enum<alarm_class>(core, "AlarmClass", "firebus.core",
                         {
                             {"none", alarm_class::none},
                             {"disablement", alarm_class::disablement},
                             {"fault", alarm_class::fault},
                             {"pre_alarm", alarm_class::pre_alarm},
                             {"supervisory", alarm_class::supervisory},
                             {"fire", alarm_class::fire},
                         },
                         "The class of an alarm, in increasing priority: fire > supervisory > "
                         "pre_alarm > fault > disablement > none (the values compare as "
                         "priorities).");
  make_enum<alarm_state>(core, "AlarmState", "firebus.core",
                         {
                             {"normal", alarm_state::normal},
                             {"unack", alarm_state::unack},
                             {"acked", alarm_state::acked},
                             {"rtn_unack", alarm_state::rtn_unack},
                             {"latched_unack", alarm_state::latched_unack},
                             {"latched_acked", alarm_state::latched_acked},
                         },
                         "An alarm's state (ISA-18.2 / IEC 62682, with the latching states of "
                         "fire panels).");
  make_enum<event_reason>(core, "EventReason", "firebus.core",
                          {
                              {"none", event_reason::none},
                              {"active", event_reason::active},
                              {"unacked", event_reason::unacked},
                              {"not_shelvable", event_reason::not_shelvable},
                              {"shelve_time", event_reason::shelve_time},
                              {"invalid_value", event_reason::invalid_value},
                              {"over_range", event_reason::over_range},
                              {"under_range", event_reason::under_range},
                              {"open_circuit", event_reason::open_circuit},
                              {"short_circuit", event_reason::short_circuit},
                              {"fault", event_reason::fault},
                              {"comm_loss", event_reason::comm_loss},
                              {"ts_conflict", event_reason::ts_conflict},
                              {"out_of_order", event_reason::out_of_order},
                          },
                          "Why an event happened, where the event says (none where no reason "
                          "applies).");
  make_enum<quality_code>(
      core, "QualityCode", "firebus.core",
      {
          {"good", quality_code::good},
          {"good_override", quality_code::good_override},
          {"uncertain", quality_code::uncertain},
          {"uncertain_last_usable", quality_code::uncertain_last_usable},
          {"uncertain_substituted", quality_code::uncertain_substituted},
          {"uncertain_not_accurate", quality_code::uncertain_not_accurate},
          {"bad", quality_code::bad},
          {"bad_invalid_value", quality_code::bad_invalid_value},
          {"bad_over_range", quality_code::bad_over_range},
          {"bad_under_range", quality_code::bad_under_range},
          {"bad_open_circuit", quality_code::bad_open_circuit},
          {"bad_short_circuit", quality_code::bad_short_circuit},
          {"bad_device_fault", quality_code::bad_device_fault},
          {"bad_comm_loss", quality_code::bad_comm_loss},
          {"bad_out_of_service", quality_code::bad_out_of_service},
          {"bad_config_error", quality_code::bad_config_error},
      },
      "The quality of a sample (one byte): class in the top two bits (00 good, 01 uncertain, "
      "10 bad), reason in the low six.");
  make_enum<quality_class>(core, "QualityClass", "firebus.core",
                           {
                               {"good", quality_class::good},
                               {"uncertain", quality_class::uncertain},
                               {"bad", quality_class::bad},
                           },
                           "The three classes of quality.");
  make_enum<sequence_verdict>(
      core, "SequenceVerdict", "firebus.core",
      {
          {"first", sequence_verdict::first},
          {"in_order", sequence_verdict::in_order},
          {"gap", sequence_verdict::gap},
          {"late", sequence_verdict::late},
          {"duplicate", sequence_verdict::duplicate},
          {"invalid", sequence_verdict::invalid},
      },
      "How an observed sequence number relates to those seen before (SequenceTracker.observe).");
  using firebus::errc;
  make_enum<errc>(core, "Errc", "firebus.core",
                  {
                      {"truncated", errc::truncated},
                      {"buffer_full", errc::buffer_full},
                      {"invalid_argument", errc::invalid_argument},
                      {"out_of_range", errc::out_of_range},
                      {"invalid_time", errc::invalid_time},
                      {"invalid_point_id", errc::invalid_point_id},
                      {"unknown_name", errc::unknown_name},
                      {"unknown_code", errc::unknown_code},
                      {"version_mismatch", errc::version_mismatch},
                  },
                  "Error codes of the core area (category 'firebus.core'): the .code of a "
                  "firebus.CoreError.");
}

void bind_names(py::module_& core) {
  core.def(
      "event_kind_from_string",
      [](const std::string& s) { return firebus::event_kind_from_string(s); }, py::arg("name"),
      "The EventKind called `name` (e.g. 'alarm_on'); CoreError (Errc.unknown_name) otherwise.");
  core.def(
      "alarm_class_from_string",
      [](const std::string& s) { return firebus::alarm_class_from_string(s); }, py::arg("name"),
      "The AlarmClass called `name` (e.g. 'pre_alarm'); CoreError (Errc.unknown_name) "
      "otherwise.");
  core.def(
      "alarm_state_from_string",
      [](const std::string& s) { return firebus::alarm_state_from_string(s); }, py::arg("name"),
      "The AlarmState called `name` (e.g. 'rtn_unack'); CoreError (Errc.unknown_name) "
      "otherwise.");
  core.def(
      "event_reason_from_string",
      [](const std::string& s) { return firebus::event_reason_from_string(s); }, py::arg("name"),
      "The EventReason called `name` (e.g. 'comm_loss'); CoreError (Errc.unknown_name) "
      "otherwise.");
  core.def(
      "priority", [](firebus::alarm_class c) { return firebus::priority(c); }, py::arg("cls"),
      "The priority of an alarm class: larger is more urgent (fire is 5, none is 0).");

  core.def(
      "quality_to_string",
      [](std::uint8_t q) { return firebus::to_string(static_cast<firebus::quality_code>(q)); },
      py::arg("quality"),
      "The stable name of a quality code, e.g. 'bad_comm_loss'; for a byte firebus does not "
      "define, its class and hex value, e.g. 'bad(0x9a)'.");
  core.def(
      "quality_from_string", [](const std::string& s) { return firebus::quality_from_string(s); },
      py::arg("name"), "The QualityCode called `name`; CoreError (Errc.unknown_name) otherwise.");
  core.def(
      "quality_from_byte", [](std::uint8_t b) { return firebus::quality_from_byte(b); },
      py::arg("byte"),
      "The QualityCode in a byte received from a peer; CoreError (Errc.unknown_code) unless it "
      "is a defined code.");
  core.def(
      "class_of",
      [](std::uint8_t q) { return firebus::class_of(static_cast<firebus::quality_code>(q)); },
      py::arg("quality"),
      "The QualityClass of a quality byte (the reserved class 11 counts as bad).");
  core.def(
      "is_good",
      [](std::uint8_t q) { return firebus::is_good(static_cast<firebus::quality_code>(q)); },
      py::arg("quality"), "True when the quality's class is good.");
  core.def(
      "is_uncertain",
      [](std::uint8_t q) { return firebus::is_uncertain(static_cast<firebus::quality_code>(q)); },
      py::arg("quality"), "True when the quality's class is uncertain.");
  core.def(
      "is_bad",
      [](std::uint8_t q) { return firebus::is_bad(static_cast<firebus::quality_code>(q)); },
      py::arg("quality"), "True when the quality's class is bad (or the reserved class).");
  core.def(
      "is_known",
      [](std::uint8_t q) { return firebus::is_known(static_cast<firebus::quality_code>(q)); },
      py::arg("quality"), "True for the codes listed in QualityCode.");
}

void bind_time(py::module_& core) {
  py::class_<civil_time>(core, "CivilTime",
                         "Calendar date and time of day, to the second, with no time zone (as a "
                         "GB/T 26875.3 time tag carries it). Fields are not checked until the "
                         "value is converted; is_valid() checks them.")
      .def(py::init([](int year, int month, int day, int hour, int minute, int second) {
             return civil_time{year, month, day, hour, minute, second};
           }),
           py::arg("year") = 1970, py::arg("month") = 1, py::arg("day") = 1, py::arg("hour") = 0,
           py::arg("minute") = 0, py::arg("second") = 0,
           "Calendar fields; the default is 1970-01-01T00:00:00.")
      .def_readwrite("year", &civil_time::year, "Year, 1..9999 when valid.")
      .def_readwrite("month", &civil_time::month, "Month, 1..12.")
      .def_readwrite("day", &civil_time::day, "Day of the month, 1..31.")
      .def_readwrite("hour", &civil_time::hour, "Hour, 0..23.")
      .def_readwrite("minute", &civil_time::minute, "Minute, 0..59.")
      .def_readwrite("second", &civil_time::second, "Second, 0..59 (no leap seconds).")
      .def(
          "is_valid", [](const civil_time& c) { return firebus::is_valid(c); },
          "True when every field is in range and the day exists in its month (years 1..9999).")
      .def(
          "isoformat", [](const civil_time& c) { return civil_iso(c); },
          "ISO 8601 without a zone, 'YYYY-MM-DDTHH:MM:SS' (the fields as they are).")
      .def_static(
          "fromisoformat",
          [](const std::string& s) { return parse_iso(s, false, false, civil_expected).c; },
          py::arg("text"),
          "Parses 'YYYY-MM-DDTHH:MM:SS' (a space for T and a fraction of a second, dropped, are "
          "accepted); CoreError (Errc.invalid_time) otherwise.")
      .def(
          "__eq__", [](const civil_time& a, const civil_time& b) { return a == b; },
          py::arg("other"), py::is_operator(), "Field-wise equality.")
      .def(
          "__ne__", [](const civil_time& a, const civil_time& b) { return a != b; },
          py::arg("other"), py::is_operator(), "Field-wise inequality.")
      .def(
          "__hash__",
          [](const civil_time& c) {
            return py::hash(py::make_tuple(c.year, c.month, c.day, c.hour, c.minute, c.second));
          },
          "Hash of the fields (CivilTime is mutable: do not change one used as a key).")
      .def("__repr__", &civil_repr, "CivilTime(2026, 11, 30, 10, 55, 21).")
      .def("__str__", &civil_iso, "The ISO 8601 form, as isoformat().");

  core.def("is_leap_year", &firebus::is_leap_year, py::arg("year"),
           "True for leap years of the proleptic Gregorian calendar.");
  core.def("days_in_month", &firebus::days_in_month, py::arg("year"), py::arg("month"),
           "Days in a month (1..12) of a year; 0 for a month outside 1..12.");
  core.def(
      "to_utc",
      [](const civil_time& c, int utc_offset_minutes) {
        return to_py_seconds(firebus::to_utc(c, std::chrono::minutes(utc_offset_minutes)));
      },
      py::arg("civil"), py::arg("utc_offset_minutes") = 0,
      "Unix seconds of calendar fields read at `utc_offset_minutes` from UTC (480 for China "
      "Standard Time). CoreError (Errc.invalid_time) for invalid fields or an offset beyond "
      "±24 h.");
  core.def(
      "to_civil",
      [](double t, int utc_offset_minutes) {
        return firebus::to_civil(py_utc_time(t), std::chrono::minutes(utc_offset_minutes));
      },
      py::arg("t"), py::arg("utc_offset_minutes") = 0,
      "The calendar fields of Unix seconds `t` at `utc_offset_minutes` from UTC, truncated to "
      "the second. CoreError (Errc.out_of_range) outside years 1..9999, (Errc.invalid_time) for "
      "an offset beyond ±24 h.");
  core.def(
      "utc_to_iso8601", [](double t) { return firebus::to_iso8601(py_utc_time(t)); }, py::arg("t"),
      "Unix seconds as ISO 8601 in UTC with microseconds, e.g. '2026-11-30T02:55:21.250000Z' "
      "('out-of-range' outside years 1..9999).");
  core.def(
      "utc_from_iso8601",
      [](const std::string& s) {
        const iso_parts p = parse_iso(s, true, true, utc_expected);
        const utc_time whole = firebus::to_utc(p.c, std::chrono::minutes(p.offset_min));
        return to_py_seconds(whole + firebus::duration(p.micros));
      },
      py::arg("text"),
      "Unix seconds of an ISO 8601 date and time with a zone: 'Z' or ±HH:MM (±HHMM), a fraction "
      "of up to 6 digits (more are truncated); T or a space between date and time. CoreError "
      "(Errc.invalid_time) otherwise.");
  core.def(
      "utc_from_unix_ms",
      [](std::int64_t ms) {
        std::error_code ec;
        const utc_time t = firebus::utc_from_unix_ms(ms, ec);
        check(ec, ("time: " + std::to_string(ms) + " ms since 1970").c_str());
        return to_py_seconds(t);
      },
      py::arg("ms"),
      "Unix seconds of Unix milliseconds (Sparkplug B timestamps); CoreError (Errc.out_of_range) "
      "beyond ±9.2e15 ms.");
  core.def(
      "to_unix_ms", [](double t) { return firebus::to_unix_ms(py_utc_time(t)); }, py::arg("t"),
      "Unix milliseconds of Unix seconds `t`, rounded toward negative infinity.");
  core.def(
      "to_microseconds", [](double seconds) { return py_duration(seconds).count(); },
      py::arg("seconds"),
      "Seconds as whole microseconds, rounded to the nearest (ties away from zero), as firebus "
      "stores every time. CoreError (Errc.out_of_range) for non-finite values or beyond "
      "±9.2e12 s.");
  core.def(
      "from_microseconds", [](std::int64_t us) { return to_py_seconds(firebus::duration(us)); },
      py::arg("microseconds"), "Microseconds as float seconds.");
}

void bind_point(py::module_& core) {
  core.attr("POINT_ID_MAX_SIZE") = py::int_(firebus::point_id::max_size);
  core.def(
      "validate_point_id", [](const std::string& name) { return firebus::point_id(name).str(); },
      py::arg("name"),
      "Returns `name` if it is a valid point identifier: 1 to 128 bytes of UTF-8, no control "
      "characters, space, + # \" or \\. Raises CoreError (Errc.invalid_point_id) naming the "
      "offending byte otherwise.");
  core.def(
      "is_valid_point_id",
      [](const std::string& name) { return firebus::point_id::is_valid(name); }, py::arg("name"),
      "True if `name` is a valid point identifier.");
  core.def(
      "point_id_first_invalid",
      [](const std::string& name) -> std::optional<std::size_t> {
        const std::size_t at = firebus::point_id::first_invalid(name);
        if (at == firebus::point_id::npos) return std::nullopt;
        return at;
      },
      py::arg("name"),
      "Byte offset (in the UTF-8 encoding) of the first byte that breaks the rules (128 for a "
      "name that is too long, 0 for an empty one), or None if `name` is valid.");
}

void bind_sample(py::module_& core) {
  using firebus::sample;
  py::class_<sample>(core, "Sample",
                     "One value of one point at one time, with its quality. `time` is Unix "
                     "seconds (the device's time stamp, or when the gateway received it).")
      .def(py::init([](const std::string& point, double time, double value,
                       firebus::quality_code quality) {
             sample s;
             s.point = optional_point(point);
             s.time = py_utc_time(time);
             s.value = value;
             s.quality = quality;
             return s;
           }),
           py::arg("point") = std::string(), py::arg("time") = 0.0, py::arg("value") = 0.0,
           py::arg("quality") = firebus::quality_code::good,
           "A sample; `point` must be a valid point identifier (or '' for none).")
      .def_property(
          "point", [](const sample& s) { return s.point.str(); },
          [](sample& s, const std::string& p) { s.point = optional_point(p); },
          "Which point (a point identifier; '' for none).")
      .def_property(
          "time", [](const sample& s) { return to_py_seconds(s.time); },
          [](sample& s, double t) { s.time = py_utc_time(t); },
          "When the value was measured, Unix seconds (UTC).")
      .def_readwrite("value", &sample::value, "The value, in the point's engineering unit.")
      .def_readwrite("quality", &sample::quality, "How far `value` can be trusted.")
      .def(
          "is_usable", [](const sample& s) { return firebus::is_usable(s); },
          "True when the value may be used to evaluate alarms: quality not bad and value "
          "finite.")
      .def(
          "__eq__", [](const sample& a, const sample& b) { return a == b; }, py::arg("other"),
          py::is_operator(), "Field-wise equality (NaN equals NaN here).")
      .def(
          "__ne__", [](const sample& a, const sample& b) { return a != b; }, py::arg("other"),
          py::is_operator(), "Field-wise inequality.")
      .def(
          "__repr__",
          [](const sample& s) {
            return "Sample(point=" + py_repr(s.point.str()) +
                   ", time=" + py_float(to_py_seconds(s.time)) + ", value=" + py_float(s.value) +
                   ", quality=QualityCode." + firebus::to_string(s.quality) + ")";
          },
          "Sample(point='RC1', time=1764471321.0, value=312.0, quality=QualityCode.good).");
}

void bind_event(py::module_& core) {
  using firebus::event;
  py::class_<event>(
      core, "Event",
      "One event record: an alarm, fault or supervisory transition, or an operator action, "
      "as the alarm engine reports it. Fields that do not apply to an event's kind keep their "
      "defaults. Times: `t` is the producer's monotonic seconds, `time` Unix seconds or None.")
      .def(py::init([](firebus::event_kind kind, const std::string& source_id, std::uint64_t seq,
                       double t, std::optional<double> time, const std::string& point,
                       const std::string& alarm, const std::string& zone, firebus::alarm_class cls,
                       firebus::alarm_state state, firebus::event_reason reason,
                       std::optional<double> value, std::optional<double> delta_s,
                       const std::string& cause, const std::string& command) {
             event e;
             e.kind = kind;
             e.source_id = source_id;
             e.seq = seq;
             e.t = py_mono_time(t);
             if (time) e.time = py_utc_time(*time);
             e.point = optional_point(point);
             e.alarm = alarm;
             e.zone = zone;
             e.cls = cls;
             e.state = state;
             e.reason = reason;
             e.value = value;
             e.delta_s = delta_s;
             e.cause = optional_point(cause);
             e.command = command;
             return e;
           }),
           py::arg("kind") = firebus::event_kind::alarm_on, py::kw_only(),
           py::arg("source_id") = std::string(), py::arg("seq") = 0, py::arg("t") = 0.0,
           py::arg("time") = py::none(), py::arg("point") = std::string(),
           py::arg("alarm") = std::string(), py::arg("zone") = std::string(),
           py::arg("cls") = firebus::alarm_class::none,
           py::arg("state") = firebus::alarm_state::normal,
           py::arg("reason") = firebus::event_reason::none, py::arg("value") = py::none(),
           py::arg("delta_s") = py::none(), py::arg("cause") = std::string(),
           py::arg("command") = std::string(),
           "An event; every field but `kind` is keyword-only. `point` and `cause` must be valid "
           "point identifiers or ''.")
      .def_readwrite("source_id", &event::source_id,
                     "Who produced the event (a gateway, an engine instance).")
      .def_readwrite("seq", &event::seq,
                     "The source's sequence number: 1, 2, 3, ...; 0 = not yet assigned.")
      .def_property(
          "t", [](const event& e) { return to_py_seconds(e.t); },
          [](event& e, double t) { e.t = py_mono_time(t); },
          "The producer's monotonic time of the transition, seconds (the engine's t).")
      .def_property(
          "time",
          [](const event& e) -> std::optional<double> {
            if (!e.time) return std::nullopt;
            return to_py_seconds(*e.time);
          },
          [](event& e, std::optional<double> t) {
            if (t) {
              e.time = py_utc_time(*t);
            } else {
              e.time.reset();
            }
          },
          "Wall-clock time of the transition, Unix seconds, or None where unknown.")
      .def_readwrite("kind", &event::kind, "What happened.")
      .def_property(
          "point", [](const event& e) { return e.point.str(); },
          [](event& e, const std::string& p) { e.point = optional_point(p); },
          "The point concerned ('' for none).")
      .def_readwrite("alarm", &event::alarm,
                     "The alarm's id within its point or zone ('' for none).")
      .def_readwrite("zone", &event::zone, "The zone concerned ('' for none).")
      .def_readwrite("cls", &event::cls, "The alarm's class ('class' in the JSON contract).")
      .def_readwrite("state", &event::state, "The alarm's state after the event.")
      .def_readwrite("reason", &event::reason, "Why, where the event says; none otherwise.")
      .def_readwrite("value", &event::value,
                     "The value that caused the transition, where one did; None otherwise.")
      .def_readwrite("delta_s", &event::delta_s,
                     "clock_jump: device time minus receive time drift, seconds; None "
                     "otherwise.")
      .def_property(
          "cause", [](const event& e) { return e.cause.str(); },
          [](event& e, const std::string& p) { e.cause = optional_point(p); },
          "The member point that caused a zone event ('source' in the JSON contract; '' for "
          "none).")
      .def_readwrite("command", &event::command,
                     "Command events: what to do, e.g. 'reset_device' ('' otherwise).")
      .def(
          "__eq__", [](const event& a, const event& b) { return event_equal(a, b); },
          py::arg("other"), py::is_operator(), "Field-wise equality.")
      .def(
          "__ne__", [](const event& a, const event& b) { return !event_equal(a, b); },
          py::arg("other"), py::is_operator(), "Field-wise inequality.")
      .def(
          "__copy__", [](const event& e) { return e; }, "A copy.")
      .def(
          "__deepcopy__", [](const event& e, py::dict) { return e; }, py::arg("memo"), "A copy.")
      .def("__repr__", &event_repr,
           "Event(kind=EventKind.alarm_on, t=12.5, point='RC1', ...): the fields that are set.");
}

void bind_sequence(py::module_& core) {
  using firebus::event_sequencer;
  using firebus::sequence_result;
  using firebus::sequence_tracker;
  py::class_<event_sequencer>(core, "EventSequencer",
                              "Stamps events with a source id and consecutive sequence numbers "
                              "1, 2, 3, ... (persist `next` to resume after a restart).")
      .def(py::init<std::string, std::uint64_t>(), py::arg("source_id"), py::arg("next_seq") = 1,
           "A sequencer whose first number is `next_seq` (0 is taken as 1).")
      .def("stamp", &event_sequencer::stamp, py::arg("event"),
           "Sets event.source_id and event.seq (in place), advances, and returns the number "
           "given.")
      .def("take", &event_sequencer::take,
           "Takes the next number without an event (for messages that are not events).")
      .def_property_readonly("next", &event_sequencer::next,
                             "The number the next event will get: persist it to resume.")
      .def_property_readonly("source_id", &event_sequencer::source_id, "The source's id.")
      .def(
          "__repr__",
          [](const event_sequencer& s) {
            return "EventSequencer(" + py_repr(s.source_id()) +
                   ", next_seq=" + std::to_string(s.next()) + ")";
          },
          "EventSequencer('gw-0001', next_seq=3).");

  py::class_<sequence_result>(core, "SequenceResult",
                              "The result of SequenceTracker.observe: a verdict, and for a gap "
                              "how many numbers were skipped.")
      .def(py::init([](firebus::sequence_verdict verdict, std::uint64_t missing) {
             return sequence_result{verdict, missing};
           }),
           py::arg("verdict") = firebus::sequence_verdict::invalid, py::arg("missing") = 0,
           "A result.")
      .def_readwrite("verdict", &sequence_result::verdict, "How the number relates to others.")
      .def_readwrite("missing", &sequence_result::missing,
                     "For SequenceVerdict.gap: how many numbers were skipped; 0 otherwise.")
      .def(
          "__eq__",
          [](const sequence_result& a, const sequence_result& b) {
            return a.verdict == b.verdict && a.missing == b.missing;
          },
          py::arg("other"), py::is_operator(), "Field-wise equality.")
      .def(
          "__repr__",
          [](const sequence_result& r) {
            return std::string("SequenceResult(verdict=SequenceVerdict.") +
                   verdict_name(r.verdict) + ", missing=" + std::to_string(r.missing) + ")";
          },
          "SequenceResult(verdict=SequenceVerdict.gap, missing=2).");

  py::class_<sequence_tracker>(
      core, "SequenceTracker",
      "Tracks one source's sequence numbers at a receiver, in bounded memory: at most "
      "`max_gaps` ranges of missing numbers are remembered; older ones are given up (counted "
      "in missing and lost, reported as duplicate if they arrive after all).")
      .def(py::init<std::size_t>(), py::arg("max_gaps") = sequence_tracker::default_max_gaps,
           "A tracker remembering at most `max_gaps` gaps (0 is taken as 1).")
      .def_readonly_static("DEFAULT_MAX_GAPS", &sequence_tracker::default_max_gaps,
                           "The default bound on remembered gaps (64).")
      .def("observe", &sequence_tracker::observe, py::arg("seq"),
           "Classifies sequence number `seq` and updates the counters.")
      .def("reset", &sequence_tracker::reset,
           "Forgets everything (e.g. when the source starts numbering afresh).")
      .def_property_readonly("started", &sequence_tracker::started,
                             "True once a number has been observed.")
      .def_property_readonly("highest", &sequence_tracker::highest,
                             "The highest number seen (0 before the first).")
      .def_property_readonly("received", &sequence_tracker::received, "Distinct numbers received.")
      .def_property_readonly("duplicates", &sequence_tracker::duplicates,
                             "Numbers received more than once.")
      .def_property_readonly("missing", &sequence_tracker::missing,
                             "Numbers skipped and not (yet) received, including those given up.")
      .def_property_readonly("lost", &sequence_tracker::lost,
                             "Of missing, the numbers given up because too many gaps were open.")
      .def_property_readonly("gaps", &sequence_tracker::gaps,
                             "The ranges (first, last) of missing numbers still awaited, oldest "
                             "first.")
      .def(
          "__repr__",
          [](const sequence_tracker& t) {
            return "SequenceTracker(highest=" + std::to_string(t.highest()) +
                   ", received=" + std::to_string(t.received()) +
                   ", missing=" + std::to_string(t.missing()) +
                   ", duplicates=" + std::to_string(t.duplicates()) +
                   ", lost=" + std::to_string(t.lost()) + ")";
          },
          "SequenceTracker(highest=4, received=3, missing=1, duplicates=0, lost=0).");
}

}  // namespace
}  // namespace core_detail

void bind_core(py::module_& top, py::module_& core) {
  using namespace core_detail;
  top.attr("__version__") = FIREBUS_VERSION_STRING;
  top.def(
      "library_version", [] { return std::string(firebus::library_version().string); },
      "The version of the C++ library the module was built with, e.g. '1.0.0'.");
  top.def(
      "library_version_info",
      [] {
        const firebus::version_info v = firebus::library_version();
        return std::make_tuple(v.major, v.minor, v.patch);
      },
      "The library version as a tuple (major, minor, patch).");
  top.def(
      "check_library_version", [] { firebus::check_library_version(); },
      "Raises CoreError (Errc.version_mismatch) unless the compiled library has the major "
      "version of the headers the module was built with, and at least their minor version.");
  top.def(
      "error_for",
      [](const std::string& category, int code, const std::string& context) {
        const std::error_category* cat = category_named(category);
        if (cat == nullptr) {
          throw py::value_error("unknown error category '" + category +
                                "' (firebus.core, firebus.gb26875, firebus.alarm, "
                                "firebus.text, firebus.modbus, firebus.profile, firebus.telemetry, "
                                "firebus.mqtt, firebus.journal, generic or system "
                                "expected)");
        }
        try {
          raise(std::error_code(code, *cat), context);
        } catch (py::error_already_set& e) {
          return e.value();
        }
      },
      py::arg("category"), py::arg("code"), py::arg("context") = std::string(),
      "The exception firebus raises for the C++ std::error_code (code, category), unraised: "
      "the firebus.Error subclass of the category, with the C++ message ('<context>: "
      "<message>' when a context is given). E.g. error_for('firebus.core', 1).");

  bind_enums(core);
  bind_names(core);
  bind_time(core);
  bind_point(core);
  bind_sample(core);
  bind_event(core);
  bind_sequence(core);
}

}  // namespace firebus_py
