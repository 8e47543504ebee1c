// firebus — fire-safety IoT SDK.
/// @file
/// firebus::event: an alarm, fault or supervisory event record, and the words it is made of.
///
/// The vocabulary (event kinds, alarm classes, states, reasons) is that of the alarm engine's
/// reference semantics (`../shared/specs/alarm-semantics.md`); the names returned by
/// firebus::to_string are the exact strings of its JSON contract. Every event carries the id
/// of the source that produced it and a sequence number that the source increments by one per
/// event (see firebus::event_sequencer), so that a receiver can detect loss and duplicates
/// (firebus::sequence_tracker).
///
/// @par Example
/// @code
/// firebus::event e;
/// e.kind = firebus::event_kind::alarm_on;
/// e.point = firebus::point_id("RC1");
/// e.alarm = "ALM";
/// e.cls = firebus::alarm_class::fire;
/// e.state = firebus::alarm_state::unack;
/// e.value = 305.0;
/// firebus::to_string(e.kind);                            // "alarm_on"
/// firebus::priority(firebus::alarm_class::fire) >
///     firebus::priority(firebus::alarm_class::fault);    // true
/// @endcode
#ifndef FIREBUS_CORE_EVENT_HPP
#define FIREBUS_CORE_EVENT_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/time.hpp>

namespace firebus {
inline namespace v1 {

/// What happened. Names as in the alarm semantics' event list.
enum class event_kind : std::uint8_t {
  alarm_on,
  alarm_off,
  returned_latched,
  ack,
  reset,
  reject,
  shelve,
  unshelve,
  suppress,
  unsuppress,
  out_of_service_on,
  out_of_service_off,
  disable,
  enable,
  fault_on,
  fault_off,
  input_drop,
  clock_jump,
  chatter_on,
  chatter_off,
  flood_on,
  flood_off,
  buzzer_on,
  buzzer_off,
  linkage_on,
  linkage_off,
  dependency_first,
  dependency_timeout,
  verify_start,
  verify_cancel,
  command,
};

/// The class of an alarm. The enumerators are in increasing priority: compare with
/// firebus::priority. Fire > supervisory > pre-alarm > fault > disablement > none (GB 4717,
/// GB 14287: the order of display and transmission).
enum class alarm_class : std::uint8_t {
  none = 0,         ///< the event concerns no alarm class (e.g. flood_on)
  disablement = 1,  ///< a point or zone is disabled (屏蔽)
  fault = 2,        ///< a fault (故障)
  pre_alarm = 3,    ///< a pre-alarm (预警), e.g. residual current above its warning level
  supervisory = 4,  ///< a supervisory signal (监管)
  fire = 5,         ///< a fire alarm (火警)
};

/// The priority of a class: larger is more urgent.
constexpr int priority(alarm_class c) noexcept { return static_cast<int>(c); }

/// An alarm's state (ISA-18.2 / IEC 62682, with the latching states of fire panels).
enum class alarm_state : std::uint8_t {
  normal,         ///< inactive and acknowledged
  unack,          ///< active, not acknowledged
  acked,          ///< active, acknowledged
  rtn_unack,      ///< returned to normal, not acknowledged
  latched_unack,  ///< condition gone, held until reset, not acknowledged
  latched_acked,  ///< condition gone, held until reset, acknowledged
};

/// Why an event happened, where the event says. `none` where no reason applies.
enum class event_reason : std::uint8_t {
  none,
  active,         ///< reset rejected: the condition is still active
  unacked,        ///< reset rejected: the alarm is not acknowledged
  not_shelvable,  ///< shelve rejected: fire alarms cannot be shelved
  shelve_time,    ///< shelve rejected: longer than the maximum
  invalid_value,  ///< fault: a value that is not a finite number
  over_range,     ///< fault: above the configured range
  under_range,    ///< fault: below the configured range
  open_circuit,   ///< fault: 4–20 mA loop below 3.6 mA, or reported by the device
  short_circuit,  ///< fault: 4–20 mA loop above 21.0 mA, or reported by the device
  fault,          ///< fault: the device reports a fault
  comm_loss,      ///< fault: no input within the stale timeout
  ts_conflict,    ///< input dropped: same device time stamp, different value
  out_of_order,   ///< input dropped: device time stamp older than the last accepted one
};

namespace detail {
inline constexpr named<event_kind> event_kind_names[] = {
    {event_kind::alarm_on, "alarm_on"},
    {event_kind::alarm_off, "alarm_off"},
    {event_kind::returned_latched, "returned_latched"},
    {event_kind::ack, "ack"},
    {event_kind::reset, "reset"},
    {event_kind::reject, "reject"},
    {event_kind::shelve, "shelve"},
    {event_kind::unshelve, "unshelve"},
    {event_kind::suppress, "suppress"},
    {event_kind::unsuppress, "unsuppress"},
    {event_kind::out_of_service_on, "out_of_service_on"},
    {event_kind::out_of_service_off, "out_of_service_off"},
    {event_kind::disable, "disable"},
    {event_kind::enable, "enable"},
    {event_kind::fault_on, "fault_on"},
    {event_kind::fault_off, "fault_off"},
    {event_kind::input_drop, "input_drop"},
    {event_kind::clock_jump, "clock_jump"},
    {event_kind::chatter_on, "chatter_on"},
    {event_kind::chatter_off, "chatter_off"},
    {event_kind::flood_on, "flood_on"},
    {event_kind::flood_off, "flood_off"},
    {event_kind::buzzer_on, "buzzer_on"},
    {event_kind::buzzer_off, "buzzer_off"},
    {event_kind::linkage_on, "linkage_on"},
    {event_kind::linkage_off, "linkage_off"},
    {event_kind::dependency_first, "dependency_first"},
    {event_kind::dependency_timeout, "dependency_timeout"},
    {event_kind::verify_start, "verify_start"},
    {event_kind::verify_cancel, "verify_cancel"},
    {event_kind::command, "command"},
};
inline constexpr named<alarm_class> alarm_class_names[] = {
    {alarm_class::none, "none"},
    {alarm_class::disablement, "disablement"},
    {alarm_class::fault, "fault"},
    {alarm_class::pre_alarm, "pre_alarm"},
    {alarm_class::supervisory, "supervisory"},
    {alarm_class::fire, "fire"},
};
inline constexpr named<alarm_state> alarm_state_names[] = {
    {alarm_state::normal, "normal"},
    {alarm_state::unack, "unack"},
    {alarm_state::acked, "acked"},
    {alarm_state::rtn_unack, "rtn_unack"},
    {alarm_state::latched_unack, "latched_unack"},
    {alarm_state::latched_acked, "latched_acked"},
};
inline constexpr named<event_reason> event_reason_names[] = {
    {event_reason::none, "none"},
    {event_reason::active, "active"},
    {event_reason::unacked, "unacked"},
    {event_reason::not_shelvable, "not_shelvable"},
    {event_reason::shelve_time, "shelve_time"},
    {event_reason::invalid_value, "invalid_value"},
    {event_reason::over_range, "over_range"},
    {event_reason::under_range, "under_range"},
    {event_reason::open_circuit, "open_circuit"},
    {event_reason::short_circuit, "short_circuit"},
    {event_reason::fault, "fault"},
    {event_reason::comm_loss, "comm_loss"},
    {event_reason::ts_conflict, "ts_conflict"},
    {event_reason::out_of_order, "out_of_order"},
};
}  // namespace detail

/// The contract name of each enumerator ("alarm_on", "pre_alarm", "rtn_unack", "comm_loss");
/// an empty view for a value outside the enumeration.
constexpr std::string_view to_string(event_kind v) noexcept {
  return detail::name_of(detail::event_kind_names, v);
}
constexpr std::string_view to_string(alarm_class v) noexcept {
  return detail::name_of(detail::alarm_class_names, v);
}
constexpr std::string_view to_string(alarm_state v) noexcept {
  return detail::name_of(detail::alarm_state_names, v);
}
constexpr std::string_view to_string(event_reason v) noexcept {
  return detail::name_of(detail::event_reason_names, v);
}

/// Parses a contract name; errc::unknown_name for any other string.
inline event_kind event_kind_from_string(std::string_view s, std::error_code& ec) noexcept {
  return detail::value_of(detail::event_kind_names, s, event_kind::alarm_on, ec);
}
inline alarm_class alarm_class_from_string(std::string_view s, std::error_code& ec) noexcept {
  return detail::value_of(detail::alarm_class_names, s, alarm_class::none, ec);
}
inline alarm_state alarm_state_from_string(std::string_view s, std::error_code& ec) noexcept {
  return detail::value_of(detail::alarm_state_names, s, alarm_state::normal, ec);
}
inline event_reason event_reason_from_string(std::string_view s, std::error_code& ec) noexcept {
  return detail::value_of(detail::event_reason_names, s, event_reason::none, ec);
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overloads: firebus::system_error naming the string that was not understood.
inline event_kind event_kind_from_string(std::string_view s) {
  return detail::value_or_throw(detail::event_kind_names, s, "event kind");
}
inline alarm_class alarm_class_from_string(std::string_view s) {
  return detail::value_or_throw(detail::alarm_class_names, s, "alarm class");
}
inline alarm_state alarm_state_from_string(std::string_view s) {
  return detail::value_or_throw(detail::alarm_state_names, s, "alarm state");
}
inline event_reason event_reason_from_string(std::string_view s) {
  return detail::value_or_throw(detail::event_reason_names, s, "event reason");
}
#endif

/// One event. Fields that do not apply to an event's kind keep their defaults.
struct event {
  std::string source_id;  ///< who produced the event (a gateway, an engine instance)
  std::uint64_t seq = 0;  ///< the source's sequence number: 1, 2, 3, ...; 0 = not yet assigned
  mono_time t{};          ///< the producer's monotonic time of the transition (engine `t`)
  std::optional<utc_time> time;  ///< wall-clock time of the transition, where known

  event_kind kind = event_kind::alarm_on;
  point_id point;                           ///< the point concerned, if any
  std::string alarm;                        ///< the alarm's id within its point or zone, if any
  std::string zone;                         ///< the zone concerned, if any
  alarm_class cls = alarm_class::none;      ///< the alarm's class
  alarm_state state = alarm_state::normal;  ///< the alarm's state after the event
  event_reason reason = event_reason::none;
  std::optional<double> value;    ///< the value that caused the transition, where one did
  std::optional<double> delta_s;  ///< clock_jump: device time minus receive time drift, in s
  point_id cause;                 ///< the member point that caused a zone event ("source" in JSON)
  std::string command;            ///< command events: what to do, e.g. "reset_device"
};

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_EVENT_HPP
