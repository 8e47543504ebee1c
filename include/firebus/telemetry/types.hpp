// firebus — fire-safety IoT SDK.
/// @file
/// What a gateway sends upstream, as plain C++ values shared by every telemetry encoding (the
/// firebus protobuf envelope and its JSON mapping, Sparkplug B):
///
/// - firebus::telemetry::birth declares the points a source reports (firebus::telemetry::
///   point_decl: name, alias, unit, quantity, range), so that data messages can carry small
///   integer aliases instead of names;
/// - firebus::telemetry::batch carries samples (firebus::sample, named by point id: the encoder
///   turns names into aliases with an alias_table, the decoder back), events (firebus::event)
///   and device statuses (firebus::telemetry::device_status);
/// - firebus::telemetry::envelope is one message: the source id, the source's sequence number
///   and a birth or a batch.
///
/// Times are firebus::utc_time (microseconds); the encodings carry milliseconds, so a time
/// travels as its millisecond floor (to_unix_ms) and a decoded time is always whole
/// milliseconds.
///
/// @par Example
/// @code
/// namespace tel = firebus::telemetry;
/// using namespace std::chrono_literals;
/// tel::birth b;
/// b.birth_id = 1;
/// b.time = firebus::utc_time(1'764'471'321s);
/// b.points.push_back({0, firebus::point_id("b1/rcm1/ir"), "mA", "residual_current"});
/// tel::batch data;
/// data.birth_id = b.birth_id;
/// data.samples.push_back({firebus::point_id("b1/rcm1/ir"), b.time, 312.0});
/// tel::envelope env{"gw-0001", 2, data};
/// @endcode
#ifndef FIREBUS_TELEMETRY_TYPES_HPP
#define FIREBUS_TELEMETRY_TYPES_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/core/time.hpp>

namespace firebus {
inline namespace v1 {
namespace telemetry {

namespace detail {
// Equal doubles, NaN equal to NaN (as firebus::sample compares values).
inline bool same_value(double a, double b) noexcept {
  return a == b || (std::isnan(a) && std::isnan(b));
}
inline bool same_value(const std::optional<double>& a, const std::optional<double>& b) noexcept {
  return a.has_value() == b.has_value() && (!a || same_value(*a, *b));
}
}  // namespace detail

/// One point of a birth: what a sample's alias stands for.
struct point_decl {
  std::uint64_t alias = 0;       ///< the point's number in the source's data messages
  point_id name{};               ///< the point id, e.g. "b1/f3/rcm1/loop3/ir"
  std::string unit{};            ///< engineering unit (UCUM where one exists), e.g. "mA", "Cel"
  std::string quantity{};        ///< what is measured, e.g. "residual_current", "temperature"
  std::optional<double> low{};   ///< lower limit of the measuring range, if known
  std::optional<double> high{};  ///< upper limit of the measuring range, if known
  std::string description{};     ///< free text for people

  friend bool operator==(const point_decl& a, const point_decl& b) noexcept {
    return a.alias == b.alias && a.name == b.name && a.unit == b.unit && a.quantity == b.quantity &&
           detail::same_value(a.low, b.low) && detail::same_value(a.high, b.high) &&
           a.description == b.description;
  }
  friend bool operator!=(const point_decl& a, const point_decl& b) noexcept { return !(a == b); }
};

/// The points a source will report. Aliases and names are each unique within a birth.
///
/// `birth_id` identifies the alias assignment: batches name the birth whose aliases they use. A
/// source that sends its unchanged point set again (after a reconnect) keeps the birth_id, so
/// that batches produced before, and replayed later, still decode; it takes a new birth_id
/// whenever the points or their aliases change.
struct birth {
  utc_time time{};                   ///< when the birth was made
  std::uint64_t birth_id = 0;        ///< identifies this alias assignment
  std::vector<point_decl> points{};  ///< every point the following batches may refer to

  friend bool operator==(const birth& a, const birth& b) noexcept {
    return a.time == b.time && a.birth_id == b.birth_id && a.points == b.points;
  }
  friend bool operator!=(const birth& a, const birth& b) noexcept { return !(a == b); }
};

/// Numbers the points of `b` 0, 1, 2, ... in their order (the smallest aliases: one byte each
/// on the wire for the first 128 points).
inline void assign_aliases(birth& b) noexcept {
  std::uint64_t next = 0;
  for (point_decl& p : b.points) p.alias = next++;
}

/// The state of a field device (a Modbus unit, a fire panel) as the gateway sees it.
enum class device_state : std::uint8_t {
  unknown = 0,      ///< not yet polled
  online = 1,       ///< answering
  fault = 2,        ///< answering, reports a fault of its own
  offline = 3,      ///< not answering (timeouts, disconnected)
  quarantined = 4,  ///< not answering; polled only by an occasional probe
};

namespace detail {
inline constexpr firebus::detail::named<device_state> device_state_names[] = {
    {device_state::unknown, "unknown"},
    {device_state::online, "online"},
    {device_state::fault, "fault"},
    {device_state::offline, "offline"},
    {device_state::quarantined, "quarantined"},
};
}  // namespace detail

/// The stable name of a state ("online"); an empty view for a value outside the enumeration.
constexpr std::string_view to_string(device_state s) noexcept {
  return firebus::detail::name_of(detail::device_state_names, s);
}

/// Parses a state name; firebus::errc::unknown_name (and `unknown`) for any other string.
inline device_state device_state_from_string(std::string_view s, std::error_code& ec) noexcept {
  return firebus::detail::value_of(detail::device_state_names, s, device_state::unknown, ec);
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of device_state_from_string().
inline device_state device_state_from_string(std::string_view s) {
  return firebus::detail::value_or_throw(detail::device_state_names, s, "device state");
}
#endif

/// A device entered a state.
struct device_status {
  std::string device{};                        ///< the device's id in the gateway configuration
  utc_time time{};                             ///< when the state was entered
  device_state state = device_state::unknown;  ///< the state
  std::string detail{};                        ///< why, for people: "timeout", "exception 0x02"

  friend bool operator==(const device_status& a, const device_status& b) noexcept {
    return a.device == b.device && a.time == b.time && a.state == b.state && a.detail == b.detail;
  }
  friend bool operator!=(const device_status& a, const device_status& b) noexcept {
    return !(a == b);
  }
};

/// Field-wise equality of two events (values NaN-equal), for tests and round trips.
inline bool same_event(const event& a, const event& b) noexcept {
  return a.source_id == b.source_id && a.seq == b.seq && a.t == b.t && a.time == b.time &&
         a.kind == b.kind && a.point == b.point && a.alarm == b.alarm && a.zone == b.zone &&
         a.cls == b.cls && a.state == b.state && a.reason == b.reason &&
         detail::same_value(a.value, b.value) && detail::same_value(a.delta_s, b.delta_s) &&
         a.cause == b.cause && a.command == b.command;
}

/// Samples, events and device statuses of one source, in the order they were produced.
struct batch {
  std::uint64_t birth_id = 0;             ///< the birth whose aliases the samples use
  bool historical = false;                ///< produced while the uplink was down, sent on reconnect
  std::vector<sample> samples{};          ///< named by point id
  std::vector<event> events{};            ///< alarm transitions, faults, operator actions
  std::vector<device_status> statuses{};  ///< device state changes

  friend bool operator==(const batch& a, const batch& b) noexcept {
    if (a.birth_id != b.birth_id || a.historical != b.historical || a.samples != b.samples ||
        a.statuses != b.statuses || a.events.size() != b.events.size()) {
      return false;
    }
    for (std::size_t i = 0; i < a.events.size(); ++i) {
      if (!same_event(a.events[i], b.events[i])) return false;
    }
    return true;
  }
  friend bool operator!=(const batch& a, const batch& b) noexcept { return !(a == b); }
};

/// The sequence an envelope's `seq` counts in (the schema's `Lane`). A source numbers each lane
/// separately; a source that does not send in lanes numbers everything in lane::telemetry.
enum class lane : std::uint8_t {
  telemetry = 0,  ///< sample batches and device statuses (a full gateway journal thins them)
  alarm = 1,      ///< alarm and fault events, births: never dropped, sent before telemetry
};

/// One message of a source: a birth or a batch, with the source's id, a lane and the source's
/// sequence number in that lane.
///
/// `seq` counts the source's messages of `lane` 1, 2, 3, ... so that a receiver can drop the
/// duplicates of at-least-once delivery: a message is identified by (source_id, lane, seq)
/// (firebus::sequence_tracker, one per source and lane). 0 is not a sequence number: encoders
/// refuse it. The uplink (firebus::uplink::mqtt_uplink) stamps `lane` and `seq` itself, from
/// its journal, when it sends an envelope.
struct envelope {
  std::string source_id{};            ///< who sent it: a gateway id (point id rules)
  std::uint64_t seq = 0;              ///< the source's sequence number in `lane`, from 1
  std::variant<batch, birth> body{};  ///< what it says
  telemetry::lane lane = telemetry::lane::telemetry;  ///< the sequence `seq` counts in

  friend bool operator==(const envelope& a, const envelope& b) noexcept {
    return a.source_id == b.source_id && a.seq == b.seq && a.lane == b.lane && a.body == b.body;
  }
  friend bool operator!=(const envelope& a, const envelope& b) noexcept { return !(a == b); }
};

}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_TELEMETRY_TYPES_HPP
