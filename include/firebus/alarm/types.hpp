// firebus — fire-safety IoT SDK.
/// @file
/// The alarm engine's inputs and outputs: device conditions and statuses, operator commands,
/// compact events, entries of the active list.
#ifndef FIREBUS_ALARM_TYPES_HPP
#define FIREBUS_ALARM_TYPES_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/time.hpp>

namespace firebus {
inline namespace v1 {
namespace alarm {

/// "No such index" in the engine's index fields.
inline constexpr std::uint32_t npos = 0xffffffffu;

/// What a device reports about itself (a smoke detector that says "fire").
enum class device_condition : std::uint8_t {
  normal,  ///< nothing to report
  fire,    ///< the device detects a fire
  active,  ///< the device's input is active (supervisory contacts, flow switches)
};

/// A device's health as it reports it.
enum class device_status : std::uint8_t {
  ok,
  fault,
  open_circuit,
  short_circuit,
};

/// Operator commands.
enum class command_kind : std::uint8_t {
  ack,
  reset,
  silence,
  shelve,
  unshelve,
  disable,
  enable,
  out_of_service,
  return_to_service,
};

namespace detail {
inline constexpr firebus::detail::named<device_condition> device_condition_names[] = {
    {device_condition::normal, "normal"},
    {device_condition::fire, "fire"},
    {device_condition::active, "active"},
};
inline constexpr firebus::detail::named<device_status> device_status_names[] = {
    {device_status::ok, "ok"},
    {device_status::fault, "fault"},
    {device_status::open_circuit, "open_circuit"},
    {device_status::short_circuit, "short_circuit"},
};
inline constexpr firebus::detail::named<command_kind> command_kind_names[] = {
    {command_kind::ack, "ack"},
    {command_kind::reset, "reset"},
    {command_kind::silence, "silence"},
    {command_kind::shelve, "shelve"},
    {command_kind::unshelve, "unshelve"},
    {command_kind::disable, "disable"},
    {command_kind::enable, "enable"},
    {command_kind::out_of_service, "out_of_service"},
    {command_kind::return_to_service, "return_to_service"},
};
}  // namespace detail

/// The replay contract's names ("fire", "open_circuit", "return_to_service").
constexpr std::string_view to_string(device_condition v) noexcept {
  return firebus::detail::name_of(detail::device_condition_names, v);
}
constexpr std::string_view to_string(device_status v) noexcept {
  return firebus::detail::name_of(detail::device_status_names, v);
}
constexpr std::string_view to_string(command_kind v) noexcept {
  return firebus::detail::name_of(detail::command_kind_names, v);
}
inline device_condition device_condition_from_string(std::string_view s,
                                                     std::error_code& ec) noexcept {
  return firebus::detail::value_of(detail::device_condition_names, s, device_condition::normal, ec);
}
inline device_status device_status_from_string(std::string_view s, std::error_code& ec) noexcept {
  return firebus::detail::value_of(detail::device_status_names, s, device_status::ok, ec);
}
inline command_kind command_kind_from_string(std::string_view s, std::error_code& ec) noexcept {
  return firebus::detail::value_of(detail::command_kind_names, s, command_kind::ack, ec);
}

/// Which fields of the replay contract's output an event carries, by kind (docs/alarms.md,
/// "Replay JSON output"): the CLI and the Python binding print events from this one table.
enum class event_group : std::uint8_t {
  lifecycle,   ///< alarm_on ... enable: point|zone, alarm, class, state, reason, value, source
  fault,       ///< fault_on/off: point, class, reason, value
  drop,        ///< input_drop: point, reason, value
  clock_jump,  ///< point, delta_s
  chatter,     ///< point|zone, alarm, class
  panel,       ///< flood_*, buzzer_*: nothing more
  zone,        ///< linkage_*, dependency_*: zone, source
  verify,      ///< verify_*: point, alarm, class
  command,     ///< point, alarm, command
};

/// The field group of an event kind.
constexpr event_group group_of(event_kind k) noexcept {
  switch (k) {
    case event_kind::fault_on:
    case event_kind::fault_off:
      return event_group::fault;
    case event_kind::input_drop:
      return event_group::drop;
    case event_kind::clock_jump:
      return event_group::clock_jump;
    case event_kind::chatter_on:
    case event_kind::chatter_off:
      return event_group::chatter;
    case event_kind::flood_on:
    case event_kind::flood_off:
    case event_kind::buzzer_on:
    case event_kind::buzzer_off:
      return event_group::panel;
    case event_kind::linkage_on:
    case event_kind::linkage_off:
    case event_kind::dependency_first:
    case event_kind::dependency_timeout:
      return event_group::zone;
    case event_kind::verify_start:
    case event_kind::verify_cancel:
      return event_group::verify;
    case event_kind::command:
      return event_group::command;
    default:
      return event_group::lifecycle;
  }
}

/// An operator command. It names a point (optionally one of its alarms), or a zone (optionally
/// one alarm id: "FIRE" is a dependency zone's own alarm, another id selects that alarm of
/// every member), or nothing: ack and reset then apply to every alarm of the panel, silence
/// is panel-wide anyway; the other commands need a target.
struct command {
  command_kind kind = command_kind::ack;
  std::string point;
  std::string alarm;
  std::string zone;
  std::optional<double> duration_s;  ///< shelve: timed, in (0, rules::max_shelve_s] (else reject)
  bool one_shot = false;             ///< shelve: until the alarm returns to normal
};

/// One event, compact: names are indices into the engine's configuration (see
/// engine::to_event for the full firebus::event with strings).
struct alarm_event {
  mono_time t{};  ///< the transition's time (input t or timer due)
  event_kind kind = event_kind::alarm_on;
  alarm_class cls = alarm_class::none;
  alarm_state state = alarm_state::normal;  ///< the alarm's state after the event
  event_reason reason = event_reason::none;
  bool has_value = false;
  double value = 0;             ///< the value that caused it, if has_value
  double delta_s = 0;           ///< clock_jump: (ts − ts₀) − (t − t₀) in seconds
  std::uint32_t point = npos;   ///< point index, or npos
  std::uint32_t alarm = npos;   ///< global alarm index, or npos
  std::uint32_t zone = npos;    ///< zone index, or npos
  std::uint32_t source = npos;  ///< the member point behind a zone event
};

/// One line of the active list (engine::active): an annunciated alarm, a fault or a disabled
/// alarm.
struct active_entry {
  alarm_class cls = alarm_class::none;  ///< fault for faults, disablement for disabled alarms
  alarm_state state = alarm_state::normal;
  event_reason reason = event_reason::none;  ///< faults: the cause
  mono_time since{};                         ///< when it became active (oldest first)
  std::uint32_t point = npos;
  std::uint32_t alarm = npos;
  std::uint32_t zone = npos;
};

}  // namespace alarm
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_ALARM_TYPES_HPP
