// firebus — fire-safety IoT SDK.
// From alarm-engine states to GB/T 26875.3 objects (../shared/specs/gb26875-mapping.md): a pure
// component of firebus-gateway — engine states and events in, ADUs out; no I/O, no clock (times
// come from the caller).
#ifndef FIREBUS_GATEWAY_GB_MAPPING_HPP
#define FIREBUS_GATEWAY_GB_MAPPING_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <firebus/alarm/engine.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/adu.hpp>

#include "config.hpp"

namespace fbgw {

/// One engine point as a GB/T 26875.3 component.
struct gb_component {
  std::uint32_t point = firebus::alarm::npos;  ///< the engine's point index
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint8_t component_type = 0;
  std::uint32_t component_address = 0;
  firebus::gb26875::description text{};  ///< GB 18030, e.g. the device and point names
  int analog_type = -1;                  ///< -1: no analog values
  double analog_scale = 1;               ///< raw = round(value × scale)
  double deadband = 0;                   ///< in the point's unit: send when |Δ| ≥ deadband
  std::uint32_t device = 0;              ///< the field device it belongs to (any numbering)
  /// The point reports its device's power supply: while an alarm of it is active or latched,
  /// every component of the same `device` carries bit 8 (power fault).
  bool power_fault_source = false;
};

/// The component type the mapping page gives the points of a device (its "Identity" defaults,
/// per kind of device): from the profile's `kind` when it names one the mapping knows (gas 74,
/// smoke 42, heat 31, manual call point 23, pressure 99, level 92, residual current 17, cable
/// temperature 18, electrical fire monitor and arc fault 16), else from the quantities of the
/// device's points (the same order: a gas detector with a temperature point is a gas detector);
/// 0 (general) when neither says what the device is.
int default_device_component_type(const std::string& kind,
                                  const std::vector<std::string>& quantities);

/// The defaults of the mapping page for a point of `quantity` in `unit` on a device whose
/// component type is `device_component_type` (default_device_component_type(); -1: judge by
/// this point's quantity alone): component type, analog type and scale (raw = value × scale),
/// deadband. The component type is the device's, except on an electrical-fire device (16, 17,
/// 18), where residual-current points are 17 and temperature points 18. No analog type
/// (analog_type -1) for quantities without one (status, setpoints, gas not in %LEL, ...).
struct gb_point_defaults {
  int component_type = 0;
  int analog_type = -1;     ///< -1: no analog value
  double analog_scale = 1;  ///< valid only when !unit_unknown
  double deadband = 0;      ///< in the point's unit
  /// The quantity has an analog type but the mapping cannot convert `unit` to it: sending it
  /// with a guessed scale would be wrong (the gateway refuses such a point unless its
  /// configuration gives analog_scale or analog_type -1).
  bool unit_unknown = false;
};
gb_point_defaults default_point_mapping(const std::string& quantity, const std::string& unit,
                                        int residual_current_analog_type,
                                        int device_component_type = -1);

/// The scale (raw = value × scale) that sends a value in `unit` as analog type `analog_type`:
/// for the standard types 1–12 the unit converted to the type's unit and resolution (kPa as
/// type 5: 10; bar as type 5: 1000; m³/h as type 10: 10 ÷ 3.6); for
/// `residual_current_analog_type` (user-defined, the project's mA × 1) the unit converted to mA.
/// nullopt when the unit is not of the type's kind or unknown, and for other user-defined or
/// reserved types (their scale is the configuration's to give).
std::optional<double> analog_scale_for(int analog_type, const std::string& unit,
                                       int residual_current_analog_type);

/// One engine point as a component: the defaults of the mapping page (default_point_mapping())
/// with the point's configuration (`devices[i].gb26875.points.<id>`, may be null) on top, and
/// `default_address` unless the configuration gives one. False with `why` when the point's
/// values cannot be sent right: an analog type without a known scale for the point's unit and
/// no analog_scale configured.
bool map_point(const std::string& quantity, const std::string& unit, int device_component_type,
               int residual_current_analog_type, const gb_point_config* configured,
               std::uint32_t default_address, gb_component& out, std::string& why);

/// The component address of the mapping page: the loop (or zone) in the high 16 bits, the
/// point's number in the low 16 bits (sent little-endian by the codec). A point's
/// configuration may give its address explicitly instead (gb_point_config::component_address).
constexpr std::uint32_t component_address(std::uint16_t loop, std::uint16_t number) noexcept {
  return (std::uint32_t{loop} << 16) | number;
}

struct gb_mapper_options {
  bool strict_normal_bit = true;  ///< bit 0 = 1 in normal operation (false: always 0)
  firebus::duration analog_period = std::chrono::minutes(5);  ///< 0: only on change
  /// Of the time tags (the gateway gives the host's local offset unless configured).
  std::chrono::minutes utc_offset = std::chrono::hours(8);
  /// Engine points reporting the UITD's own main and backup power (npos: none): while an alarm
  /// of one is active or latched, the UITD status carries bit 3 or bit 4.
  std::uint32_t main_power_point = firebus::alarm::npos;
  std::uint32_t backup_power_point = firebus::alarm::npos;
};

/// Tracks the status word of every component, system and of the UITD, and says what to send.
///
/// Time tags: the statuses of one object (a component, a system, the UITD) in different ADUs
/// carry strictly increasing seconds (the fall and rise of one ADU, below, share theirs). A
/// status whose second is not later than the previous status of its object takes the second
/// after that one. Time tags count whole seconds, and a UITD sends fire
/// first (GB 26875.1): a status without fire queued in one second (the start-up report, a
/// pre-alarm or fault waiting for the link) was overtaken by a fire of the same second, arrived
/// after it with the same tag, and the centre, which orders a device's statuses by their tags,
/// took it as the newer and recorded the fire as over. With a later tag the centre orders them
/// right whatever the order they arrive in. A tag is then up to a second late per change of its
/// object within that second (in practice one: a status of a detector found in fire at the
/// first poll after a start, or a fire confirmed in the second of its pre-alarm); a fire is
/// never sent later for it. The seconds are not kept across a restart (docs/gateway.md).
class gb_mapper {
 public:
  using clock_fn = std::function<firebus::utc_time(firebus::mono_time)>;

  gb_mapper() = default;
  /// `components` index engine points; points without one are not reported. `zone_members`:
  /// the engine points of each engine zone (a zone's FIRE alarm sets the fire bit of its
  /// members' systems and of the UITD).
  gb_mapper(const firebus::alarm::engine& e, std::vector<gb_component> components,
            std::vector<std::vector<std::uint32_t>> zone_members, gb_mapper_options options);

  /// The status words of every component, system and the UITD as they are now, for the first
  /// report after start (or a restart from a snapshot): one ADU per kind. Components in their
  /// normal state are included only when `all` is true.
  void initial(const firebus::alarm::engine& e, firebus::utc_time now, bool all,
               std::vector<firebus::gb26875::adu>& out);

  /// After the engine emitted `events`: the ADUs of every status that changed (component, then
  /// system, then UITD), each with its transition's time; the value that caused an alarm
  /// transition (on, off, returned latched) rides with it, also when the component's word does
  /// not change (a second fire-class alarm of an alarmed point). An alarm reset (or returned) and
  /// raised again in the same step (an operator's reset while its condition holds: a new alarm)
  /// makes its bit fall and rise: two component statuses with the same time tag, in one ADU (a
  /// fire message when the bit is the fire bit), so that the centre, which opens an alarm when a
  /// bit rises, opens one for it. The system and UITD words, unchanged, are not repeated.
  /// `clock` maps engine time to UTC.
  void on_events(const firebus::alarm::engine& e,
                 const std::vector<firebus::alarm::alarm_event>& events, const clock_fn& clock,
                 std::vector<firebus::gb26875::adu>& out);

  /// A new value of engine point `p`: an analog object when it moved by the deadband or the
  /// period passed since the last one sent.
  void on_value(std::uint32_t p, double value, firebus::utc_time at,
                std::vector<firebus::gb26875::adu>& out);

  /// The gateway's own faults (UITD status bit 2: a journal that cannot store, a bus that is
  /// down) and the link to the centre (bit 5). Returns an ADU when the UITD status changed.
  void set_uitd_fault(bool fault, firebus::utc_time at, std::vector<firebus::gb26875::adu>& out);
  void set_link_fault(bool fault, firebus::utc_time at, std::vector<firebus::gb26875::adu>& out);

  /// Answers a centre's read (types 61, 62, 63, 81, 88) from the current state. A read of
  /// several objects (61/62/63 carry up to 102/22/63) gets one answer object per object it can
  /// answer, in its order, up to what one ADU holds (1024 bytes); an object of an unknown system
  /// or component, or of an analog value not yet known, is left out. False when nothing can be
  /// answered (the session then denies the read).
  bool answer(const firebus::gb26875::adu& request, firebus::utc_time now,
              firebus::gb26875::adu& response) const;

  std::uint16_t component_bits(std::uint32_t p) const;
  std::uint8_t uitd_bits() const noexcept { return uitd_; }
  std::size_t size() const noexcept { return comps_.size(); }

 private:
  /// The word of point `p` from the engine's state; `without`: an alarm left out.
  std::uint16_t compute(const firebus::alarm::engine& e, std::uint32_t p,
                        std::uint32_t without = firebus::alarm::npos) const;
  bool alarmed(const firebus::alarm::engine& e, std::uint32_t p) const;
  void update_power(const firebus::alarm::engine& e);
  std::uint16_t system_bits_of(std::uint16_t key) const;
  std::uint8_t compute_uitd() const;
  firebus::gb26875::time_tag tag(firebus::utc_time t) const;
  /// The time tag of a status of one object (component, system, the UITD) whose previous
  /// status carried `last`: `t`'s second, or the second after `last` when that is later
  /// (strictly increasing: see the class's comment); `last` becomes it.
  firebus::gb26875::time_tag stamp(std::int64_t& last, firebus::utc_time t);
  /// The time tag of an answer to a read: now, or the second of the object's last status sent
  /// when that is later (the answer is the current word: never older than a word before it).
  firebus::gb26875::time_tag current_tag(std::int64_t last, firebus::utc_time now) const;
  firebus::gb26875::component_status status_object(std::size_t c,
                                                   firebus::gb26875::time_tag t) const;
  firebus::gb26875::component_analog analog_object(std::size_t c, double value,
                                                   firebus::utc_time at) const;
  void push_component(std::size_t c, firebus::utc_time at, std::vector<firebus::gb26875::adu>& out);
  void push_analog(std::size_t c, double value, firebus::utc_time at,
                   std::vector<firebus::gb26875::adu>& out);
  void recompute_systems_and_uitd(firebus::utc_time at, std::vector<firebus::gb26875::adu>& out);

  gb_mapper_options opt_;
  std::vector<gb_component> comps_;
  std::vector<std::size_t> by_point_;                     // engine point → component (or npos)
  std::vector<std::vector<std::uint32_t>> alarms_of_;     // engine point → its alarms
  std::vector<std::vector<std::uint32_t>> zone_members_;  // zone → member points
  std::vector<std::uint16_t> bits_;                       // component status words
  std::map<std::uint32_t, std::vector<std::uint32_t>> power_sources_;  // device → its points
  std::vector<bool> delay_;                         // verification/dependency running
  std::vector<bool> zone_fire_;                     // zone FIRE alarm active or latched
  std::map<std::uint16_t, std::uint16_t> systems_;  // (type << 8 | address) → word
  // The second (UTC, since the epoch) of the last status sent of each component, system and of
  // the UITD: a status goes with a later second than the one before it (stamp()).
  static constexpr std::int64_t never = INT64_MIN;
  std::vector<std::int64_t> component_second_;
  std::map<std::uint16_t, std::int64_t> system_second_;
  std::int64_t uitd_second_ = never;
  std::vector<std::optional<double>> last_value_;
  std::vector<firebus::utc_time> last_value_at_;
  std::uint8_t uitd_ = 0;
  bool own_fault_ = false;
  bool link_fault_ = false;
  bool main_power_fault_ = false;
  bool backup_power_fault_ = false;
};

}  // namespace fbgw

#endif  // FIREBUS_GATEWAY_GB_MAPPING_HPP
