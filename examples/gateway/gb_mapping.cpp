// firebus — fire-safety IoT SDK.
#include "gb_mapping.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <firebus/gb26875/codes.hpp>

namespace fbgw {
namespace {

namespace gb = firebus::gb26875;
using firebus::alarm_class;
using firebus::alarm_state;
using firebus::event_kind;

constexpr std::size_t none = static_cast<std::size_t>(-1);

constexpr std::uint16_t bit(gb::component_status_bit b) noexcept {
  return static_cast<std::uint16_t>(b);
}
constexpr std::uint16_t sbit(gb::system_status_bit b) noexcept {
  return static_cast<std::uint16_t>(b);
}
constexpr std::uint8_t ubit(gb::uitd_status_bit b) noexcept { return static_cast<std::uint8_t>(b); }

/// Active or latched (held until reset): what the centre must see as an alarm.
bool annunciated(alarm_state s) noexcept {
  return s != alarm_state::normal && s != alarm_state::rtn_unack;
}

std::uint16_t system_key(const gb_component& c) noexcept {
  return static_cast<std::uint16_t>((c.system_type << 8) | c.system_address);
}

/// What a point's unit measures and its size in the base unit of that kind (pressure in kPa,
/// flow in L/s, ...). The units the profiles use, their common spellings, and the units of the
/// standard's analog types.
struct unit_info {
  const char* unit;
  const char* kind;
  double factor;  ///< value in the base unit = value × factor
};
constexpr unit_info unit_table[] = {
    {"Pa", "pressure", 0.001},
    {"kPa", "pressure", 1},
    {"MPa", "pressure", 1000},
    {"bar", "pressure", 100},
    {"mbar", "pressure", 0.1},
    {"°C", "temperature", 1},
    {"℃", "temperature", 1},  // U+2103, one character
    {"m", "length", 1},
    {"cm", "length", 0.01},
    {"mm", "length", 0.001},
    {"%LEL", "gas", 1},
    {"V", "voltage", 1},
    {"kV", "voltage", 1000},
    {"mV", "voltage", 0.001},
    {"A", "current", 1},
    {"mA", "current", 0.001},
    {"L/s", "flow", 1},
    {"l/s", "flow", 1},
    {"L/min", "flow", 1.0 / 60},
    {"l/min", "flow", 1.0 / 60},
    {"m³/h", "flow", 1000.0 / 3600},
    {"m3/h", "flow", 1000.0 / 3600},
    {"m³/min", "flow", 1000.0 / 60},
    {"m3/min", "flow", 1000.0 / 60},
    {"m³/s", "flow", 1000},
    {"m3/s", "flow", 1000},
    {"s", "time", 1},
    {"ms", "time", 0.001},
    {"min", "time", 60},
    {"h", "time", 3600},
    {"m/s", "speed", 1},
    {"", "count", 1},  // event counts have no unit
};

const unit_info* find_unit(const std::string& unit) noexcept {
  for (const unit_info& u : unit_table) {
    if (unit == u.unit) return &u;
  }
  return nullptr;
}

/// The standard's analog types 1–12 (GB/T 26875.3, analog value types): the kind of value, the size
/// of the type's unit in the base unit, and the counts per unit (1 ÷ resolution, exact).
struct analog_info {
  int type;
  const char* kind;
  double unit_factor;
  double counts;
};
constexpr analog_info analog_table[] = {
    {1, "count", 1, 1},             // event count × 1
    {2, "length", 1, 100},          // m × 0.01
    {3, "temperature", 1, 10},      // °C × 0.1
    {4, "pressure", 1000, 10},      // MPa × 0.1
    {5, "pressure", 1, 10},         // kPa × 0.1
    {6, "gas", 1, 10},              // %LEL × 0.1
    {7, "time", 1, 1},              // s × 1
    {8, "voltage", 1, 10},          // V × 0.1
    {9, "current", 1, 10},          // A × 0.1
    {10, "flow", 1, 10},            // L/s × 0.1
    {11, "flow", 1000.0 / 60, 10},  // air volume, m³/min × 0.1
    {12, "speed", 1, 1},            // m/s × 1
};

/// The deadband of a quantity, given in its base unit, in `unit`.
double deadband_in(const std::string& unit, double base_deadband) {
  const unit_info* u = find_unit(unit);
  return u ? base_deadband / u->factor : 0;
}

bool electrical_fire(int component_type) noexcept {
  return component_type == 16 || component_type == 17 || component_type == 18;
}

}  // namespace

int default_device_component_type(const std::string& kind,
                                  const std::vector<std::string>& quantities) {
  // The profile's kind first (protocols/profile.schema.json lists the usual ones).
  static const std::pair<const char*, int> kinds[] = {
      {"manual_call_point", 23},
      {"smoke", 42},
      {"smoke_detector", 42},
      {"heat", 31},
      {"heat_detector", 31},
      {"gas", 74},
      {"gas_detector", 74},
      {"pressure", 99},
      {"water_pressure", 99},
      {"level", 92},
      {"water_level", 92},
      {"residual_current", 17},
      {"residual_current_monitor", 17},
      {"residual_current_relay", 17},
      {"cable_temperature", 18},
      {"electrical_fire_monitor", 16},
      {"arc_fault", 16},
  };
  for (const auto& k : kinds) {
    if (kind == k.first) return k.second;
  }
  // Else what its points measure: a fire detector's kind before the water system's, before the
  // electrical-fire types (a gas detector with a temperature point is a gas detector).
  const auto has = [&quantities](std::initializer_list<const char*> names) {
    for (const std::string& q : quantities) {
      for (const char* n : names) {
        if (q == n) return true;
      }
    }
    return false;
  };
  if (has({"manual_call_point"})) return 23;
  if (has({"smoke"})) return 42;
  if (has({"heat"})) return 31;
  if (has({"gas", "gas_concentration"})) return 74;
  if (has({"pressure"})) return 99;
  if (has({"level"})) return 92;
  const bool residual = has({"residual_current"});
  const bool temperature = has({"temperature"});
  if (residual && temperature) return 16;  // a combined electrical fire monitor
  if (residual) return 17;
  if (temperature) return 18;
  if (has({"voltage", "current", "arc_count"})) return 16;
  return 0;  // general: nothing says what it is
}

std::optional<double> analog_scale_for(int analog_type, const std::string& unit,
                                       int residual_current_analog_type) {
  const unit_info* u = find_unit(unit);
  if (!u) return std::nullopt;
  if (analog_type == residual_current_analog_type && analog_type >= 128) {
    // The project's user-defined type: residual current in mA × 1.
    if (std::string(u->kind) != "current") return std::nullopt;
    return u->factor / 0.001;
  }
  for (const analog_info& a : analog_table) {
    if (a.type != analog_type) continue;
    if (std::string(u->kind) != a.kind) return std::nullopt;
    return u->factor / a.unit_factor * a.counts;
  }
  return std::nullopt;  // user-defined or reserved: the configuration says
}

gb_point_defaults default_point_mapping(const std::string& quantity, const std::string& unit,
                                        int residual_current_analog_type,
                                        int device_component_type) {
  gb_point_defaults d;
  d.component_type = device_component_type >= 0 ? device_component_type
                                                : default_device_component_type("", {quantity});
  if (electrical_fire(d.component_type)) {
    if (quantity == "residual_current") d.component_type = 17;
    if (quantity == "temperature") d.component_type = 18;
  }
  // The analog type of the quantity and its deadband in the base unit of its kind.
  double base_deadband = 0;
  if (quantity == "residual_current") {
    d.analog_type = residual_current_analog_type;  // mA × 1 (0.1 A of type 9 is useless)
    base_deadband = 0.005;                         // 5 mA
  } else if (quantity == "temperature") {
    d.analog_type = 3;  // 0.1 °C
    base_deadband = 1;
  } else if (quantity == "pressure") {
    d.analog_type = 5;  // 0.1 kPa: the useful one for hydrant pressure
    base_deadband = 10;
  } else if (quantity == "level") {
    d.analog_type = 2;  // 0.01 m
    base_deadband = 0.05;
  } else if (quantity == "gas" || quantity == "gas_concentration") {
    // Only %LEL has a standard type; ppm, %VOL or a unit the device reports at run time: the
    // status alone (documented).
    if (unit == "%LEL") {
      d.analog_type = 6;  // 0.1 %LEL
      base_deadband = 1;
    }
  } else if (quantity == "voltage") {
    d.analog_type = 8;  // 0.1 V
    base_deadband = 5;
  } else if (quantity == "current") {
    d.analog_type = 9;  // 0.1 A
    base_deadband = 0.5;
  } else if (quantity == "flow") {
    d.analog_type = 10;  // 0.1 L/s
    base_deadband = 0.5;
  }
  if (d.analog_type < 0) return d;
  const std::optional<double> scale =
      analog_scale_for(d.analog_type, unit, residual_current_analog_type);
  if (!scale) {
    d.unit_unknown = true;
    return d;
  }
  d.analog_scale = *scale;
  d.deadband = deadband_in(unit, base_deadband);
  return d;
}

bool map_point(const std::string& quantity, const std::string& unit, int device_component_type,
               int residual_current_analog_type, const gb_point_config* configured,
               std::uint32_t default_address, gb_component& out, std::string& why) {
  const gb_point_defaults def =
      default_point_mapping(quantity, unit, residual_current_analog_type, device_component_type);
  const gb_point_config none_configured;
  const gb_point_config& o = configured ? *configured : none_configured;
  out.component_type = static_cast<std::uint8_t>(o.component_type.value_or(def.component_type));
  out.component_address = o.component_address.value_or(default_address);
  out.analog_type = o.analog_type.value_or(def.analog_type);
  out.analog_scale = 1;
  out.deadband = 0;
  if (out.analog_type < 0) return true;
  std::optional<double> scale = o.analog_scale;
  if (!scale && out.analog_type == def.analog_type && !def.unit_unknown) scale = def.analog_scale;
  if (!scale) scale = analog_scale_for(out.analog_type, unit, residual_current_analog_type);
  if (!scale) {
    why = (quantity.empty() ? std::string("a value") : quantity) + " in \"" + unit +
          "\" has no known scale for analog type " + std::to_string(out.analog_type) +
          ": give analog_scale (raw = value × scale) or analog_type -1 (no analog value)";
    return false;
  }
  out.analog_scale = *scale;
  out.deadband = o.deadband.value_or(out.analog_type == def.analog_type ? def.deadband : 0);
  return true;
}

gb_mapper::gb_mapper(const firebus::alarm::engine& e, std::vector<gb_component> components,
                     std::vector<std::vector<std::uint32_t>> zone_members,
                     gb_mapper_options options)
    : opt_(options), comps_(std::move(components)), zone_members_(std::move(zone_members)) {
  by_point_.assign(e.point_count(), none);
  alarms_of_.assign(e.point_count(), {});
  for (std::size_t c = 0; c < comps_.size(); ++c) {
    if (comps_[c].point < by_point_.size()) by_point_[comps_[c].point] = c;
  }
  for (std::uint32_t a = 0; a < e.alarm_count(); ++a) {
    const std::uint32_t p = e.alarm_point(a);
    if (p < alarms_of_.size()) alarms_of_[p].push_back(a);
  }
  zone_members_.resize(e.zone_count());
  zone_fire_.assign(e.zone_count(), false);
  bits_.assign(comps_.size(), 0);
  delay_.assign(comps_.size(), false);
  for (const gb_component& k : comps_) {
    if (k.power_fault_source) power_sources_[k.device].push_back(k.point);
  }
  update_power(e);
  last_value_.assign(comps_.size(), std::nullopt);
  last_value_at_.assign(comps_.size(), firebus::utc_time{});
  component_second_.assign(comps_.size(), never);
  for (std::size_t c = 0; c < comps_.size(); ++c) {
    bits_[c] = compute(e, comps_[c].point);
    systems_[system_key(comps_[c])] = 0;
  }
  for (std::uint32_t z = 0; z < zone_fire_.size(); ++z) {
    const std::uint32_t a = e.zone_alarm(z);
    zone_fire_[z] = a != firebus::alarm::npos && annunciated(e.state(a));
  }
  for (auto& s : systems_) s.second = system_bits_of(s.first);
  uitd_ = compute_uitd();
}

std::uint16_t gb_mapper::component_bits(std::uint32_t p) const {
  const std::size_t c = p < by_point_.size() ? by_point_[p] : none;
  return c == none ? 0 : bits_[c];
}

std::uint16_t gb_mapper::compute(const firebus::alarm::engine& e, std::uint32_t p,
                                 std::uint32_t without) const {
  std::uint16_t w = opt_.strict_normal_bit ? bit(gb::component_status_bit::normal_operation) : 0;
  if (p >= alarms_of_.size()) return w;
  for (std::uint32_t a : alarms_of_[p]) {
    if (e.disabled(a) || e.out_of_service(a)) w |= bit(gb::component_status_bit::disabled);
    if (a == without || !annunciated(e.state(a))) continue;
    switch (e.alarm_class_of(a)) {
      case alarm_class::fire:
        w |= bit(gb::component_status_bit::fire_alarm);
        break;
      case alarm_class::pre_alarm:
      case alarm_class::supervisory:
        w |= bit(gb::component_status_bit::supervisory);
        break;
      case alarm_class::fault:
        w |= bit(gb::component_status_bit::fault);
        break;
      default:
        break;
    }
  }
  if (e.fault(p) != firebus::event_reason::none) w |= bit(gb::component_status_bit::fault);
  const std::size_t c = by_point_[p];
  if (c != none && delay_[c]) w |= bit(gb::component_status_bit::delay);
  // The device's power: an alarm of any of its power-fault points (a fault of such a point, a
  // lost device for instance, says nothing about the power and is bit 2 of that point).
  const auto sources = c == none ? power_sources_.end() : power_sources_.find(comps_[c].device);
  if (sources != power_sources_.end()) {
    for (std::uint32_t source : sources->second) {
      if (alarmed(e, source)) {
        w |= bit(gb::component_status_bit::power_fault);
        break;
      }
    }
  }
  return w;
}

bool gb_mapper::alarmed(const firebus::alarm::engine& e, std::uint32_t p) const {
  if (p >= alarms_of_.size()) return false;
  for (std::uint32_t a : alarms_of_[p]) {
    if (!e.disabled(a) && !e.out_of_service(a) && annunciated(e.state(a))) return true;
  }
  return false;
}

void gb_mapper::update_power(const firebus::alarm::engine& e) {
  main_power_fault_ = alarmed(e, opt_.main_power_point);
  backup_power_fault_ = alarmed(e, opt_.backup_power_point);
}

std::uint16_t gb_mapper::system_bits_of(std::uint16_t key) const {
  std::uint16_t w = opt_.strict_normal_bit ? sbit(gb::system_status_bit::normal_operation) : 0;
  // Component bits 1–7 have the same meaning in the system word; bit 8 (power fault) becomes
  // the system's main power fault.
  constexpr std::uint16_t shared = 0x00FE;
  for (std::size_t c = 0; c < comps_.size(); ++c) {
    if (system_key(comps_[c]) != key) continue;
    w = static_cast<std::uint16_t>(w | (bits_[c] & shared));
    if (bits_[c] & bit(gb::component_status_bit::power_fault)) {
      w |= sbit(gb::system_status_bit::main_power_fault);
    }
  }
  for (std::size_t z = 0; z < zone_fire_.size(); ++z) {
    if (!zone_fire_[z]) continue;
    for (std::uint32_t p : zone_members_[z]) {
      const std::size_t c = p < by_point_.size() ? by_point_[p] : none;
      if (c != none && system_key(comps_[c]) == key) w |= sbit(gb::system_status_bit::fire_alarm);
    }
  }
  return w;
}

std::uint8_t gb_mapper::compute_uitd() const {
  std::uint8_t u = opt_.strict_normal_bit ? ubit(gb::uitd_status_bit::normal_monitoring) : 0;
  bool fire = false;
  bool fault = own_fault_;
  for (std::uint16_t b : bits_) {
    fire = fire || (b & bit(gb::component_status_bit::fire_alarm));
    fault = fault || (b & bit(gb::component_status_bit::fault));
  }
  for (bool z : zone_fire_) fire = fire || z;
  if (fire) u |= ubit(gb::uitd_status_bit::fire_alarm);
  if (fault) u |= ubit(gb::uitd_status_bit::fault);
  if (main_power_fault_) u |= ubit(gb::uitd_status_bit::main_power_fault);
  if (backup_power_fault_) u |= ubit(gb::uitd_status_bit::backup_power_fault);
  if (link_fault_) u |= ubit(gb::uitd_status_bit::centre_link_fault);
  return u;
}

gb::time_tag gb_mapper::tag(firebus::utc_time t) const {
  std::error_code ec;
  gb::time_tag tt = gb::time_tag::from_utc(t, opt_.utc_offset, ec);
  return ec ? gb::time_tag{} : tt;
}

gb::time_tag gb_mapper::stamp(std::int64_t& last, firebus::utc_time t) {
  std::int64_t second = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
  if (last != never && second <= last) second = last + 1;
  last = second;
  return tag(firebus::utc_time(std::chrono::seconds(second)));
}

gb::time_tag gb_mapper::current_tag(std::int64_t last, firebus::utc_time now) const {
  const std::int64_t second =
      std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  return tag(firebus::utc_time(std::chrono::seconds(std::max(second, last))));
}

gb::component_status gb_mapper::status_object(std::size_t c, gb::time_tag t) const {
  gb::component_status s;
  s.system_type = comps_[c].system_type;
  s.system_address = comps_[c].system_address;
  s.component_type = comps_[c].component_type;
  s.component_address = comps_[c].component_address;
  s.status = bits_[c];
  s.text = comps_[c].text;
  s.time = t;
  return s;
}

gb::component_analog gb_mapper::analog_object(std::size_t c, double value,
                                              firebus::utc_time at) const {
  const gb_component& k = comps_[c];
  const double raw = std::round(value * k.analog_scale);
  gb::component_analog a;
  a.system_type = k.system_type;
  a.system_address = k.system_address;
  a.component_type = k.component_type;
  a.component_address = k.component_address;
  a.analog_type = static_cast<std::uint8_t>(k.analog_type);
  // The field is 16 bits: a value beyond it is sent at the limit (the alarm says the rest).
  a.value = static_cast<std::int16_t>(std::max(-32768.0, std::min(32767.0, raw)));
  a.time = tag(at);
  return a;
}

void gb_mapper::push_component(std::size_t c, firebus::utc_time at, std::vector<gb::adu>& out) {
  out.push_back(
      gb::adu{gb::adu_type::component_status, {status_object(c, stamp(component_second_[c], at))}});
}

void gb_mapper::push_analog(std::size_t c, double value, firebus::utc_time at,
                            std::vector<gb::adu>& out) {
  if (comps_[c].analog_type < 0 || !std::isfinite(value)) return;
  out.push_back(gb::adu{gb::adu_type::component_analog, {analog_object(c, value, at)}});
  last_value_[c] = value;
  last_value_at_[c] = at;
}

void gb_mapper::recompute_systems_and_uitd(firebus::utc_time at, std::vector<gb::adu>& out) {
  for (auto& s : systems_) {
    const std::uint16_t w = system_bits_of(s.first);
    if (w == s.second) continue;
    s.second = w;
    gb::system_status st;
    st.system_type = static_cast<std::uint8_t>(s.first >> 8);
    st.system_address = static_cast<std::uint8_t>(s.first & 0xFF);
    st.status = w;
    st.time = stamp(system_second_[s.first], at);
    out.push_back(gb::adu{gb::adu_type::system_status, {st}});
  }
  const std::uint8_t u = compute_uitd();
  if (u != uitd_) {
    uitd_ = u;
    gb::uitd_status us;
    us.status = u;
    us.time = stamp(uitd_second_, at);
    out.push_back(gb::adu{gb::adu_type::uitd_status, {us}});
  }
}

void gb_mapper::initial(const firebus::alarm::engine& e, firebus::utc_time now, bool all,
                        std::vector<gb::adu>& out) {
  const std::uint16_t normal =
      opt_.strict_normal_bit ? bit(gb::component_status_bit::normal_operation) : 0;
  update_power(e);
  for (std::size_t c = 0; c < comps_.size(); ++c) {
    bits_[c] = compute(e, comps_[c].point);
    if (all || bits_[c] != normal) push_component(c, now, out);
  }
  for (std::uint32_t z = 0; z < zone_fire_.size(); ++z) {
    const std::uint32_t a = e.zone_alarm(z);
    zone_fire_[z] = a != firebus::alarm::npos && annunciated(e.state(a));
  }
  for (auto& s : systems_) {
    s.second = system_bits_of(s.first);
    gb::system_status st;
    st.system_type = static_cast<std::uint8_t>(s.first >> 8);
    st.system_address = static_cast<std::uint8_t>(s.first & 0xFF);
    st.status = s.second;
    st.time = stamp(system_second_[s.first], now);
    out.push_back(gb::adu{gb::adu_type::system_status, {st}});
  }
  uitd_ = compute_uitd();
  gb::uitd_status us;
  us.status = uitd_;
  us.time = stamp(uitd_second_, now);
  out.push_back(gb::adu{gb::adu_type::uitd_status, {us}});
}

void gb_mapper::on_events(const firebus::alarm::engine& e,
                          const std::vector<firebus::alarm::alarm_event>& events,
                          const clock_fn& clock, std::vector<gb::adu>& out) {
  // Alarms that a reset (or a return) ended earlier in this step: raised again in the same step
  // (an operator's reset while the condition holds: a new, unacknowledged alarm), their bit fell
  // and rose again, though the word is the same before and after.
  std::set<std::uint32_t> ended;
  // Systems and the UITD aggregate their components: their words are recomputed once per second
  // of the step's events (time tags count seconds), not after each event. A word of the middle
  // of a second (no fire yet, while a fire of the same second follows) would be sent after the
  // fire (fire goes first) with the same time tag, and a centre would take it as the newer.
  // The same for components: a component's word is sent once per second, its last of that
  // second (a pre-alarm and a fire raised by one reading: not the supervisory word, then the fire
  // word, which would overtake it).
  std::optional<firebus::utc_time> pending;
  std::vector<std::pair<std::size_t, std::uint16_t>> changed;  // component, word sent before
  const auto second_of = [](firebus::utc_time t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch());
  };
  const auto set_word = [&](std::size_t k, std::uint16_t w) {
    if (w == bits_[k]) return;
    const bool known =
        std::any_of(changed.begin(), changed.end(), [k](const auto& x) { return x.first == k; });
    if (!known) changed.emplace_back(k, bits_[k]);
    bits_[k] = w;
  };
  const auto flush = [&](firebus::utc_time t) {
    for (const auto& [k, before] : changed) {
      if (bits_[k] != before) push_component(k, t, out);
    }
    changed.clear();
    recompute_systems_and_uitd(t, out);
  };
  for (const firebus::alarm::alarm_event& ev : events) {
    const firebus::utc_time at = clock(ev.t);
    if (pending && second_of(*pending) != second_of(at)) flush(*pending);
    pending = at;
    // The point whose component the event concerns (a zone event: its member behind it).
    std::uint32_t p = ev.point != firebus::alarm::npos ? ev.point : ev.source;
    std::size_t c = p < by_point_.size() ? by_point_[p] : none;
    switch (ev.kind) {
      case event_kind::verify_start:
      case event_kind::dependency_first:
        if (c != none) delay_[c] = true;
        break;
      case event_kind::verify_cancel:
      case event_kind::dependency_timeout:
        if (c != none) delay_[c] = false;
        break;
      case event_kind::alarm_on:
        if (c != none) delay_[c] = false;
        if (ev.zone != firebus::alarm::npos) {  // a dependency zone's FIRE: delays end
          for (std::uint32_t m : zone_members_[ev.zone]) {
            const std::size_t mc = m < by_point_.size() ? by_point_[m] : none;
            if (mc != none) delay_[mc] = false;
          }
        }
        break;
      default:
        break;
    }
    if (ev.zone != firebus::alarm::npos && ev.zone < zone_fire_.size()) {
      const std::uint32_t a = e.zone_alarm(ev.zone);
      zone_fire_[ev.zone] = a != firebus::alarm::npos && annunciated(e.state(a));
      for (std::uint32_t m : zone_members_[ev.zone]) {
        const std::size_t mc = m < by_point_.size() ? by_point_[m] : none;
        if (mc == none) continue;
        set_word(mc, compute(e, comps_[mc].point));
      }
    }
    if (ev.alarm != firebus::alarm::npos &&
        (ev.kind == event_kind::reset || ev.kind == event_kind::alarm_off)) {
      ended.insert(ev.alarm);
    }
    if (c != none) {
      const std::uint16_t w = compute(e, p);
      if (ev.kind == event_kind::alarm_on && ev.alarm != firebus::alarm::npos &&
          ended.erase(ev.alarm) == 1 && w == bits_[c]) {
        // The centre opens an alarm when a bit rises: report the fall, then the rise, both
        // with this transition's time — unless another alarm of the point held the bit.
        // One ADU holds both, in order: it travels as a fire message when the bit is the fire
        // bit, so the fall is never overtaken by the rise (two ADUs would be: the fall alone is
        // routine, queued behind, and would clear the new alarm at the centre).
        const std::uint16_t fell = compute(e, p, ev.alarm);
        if (fell != w) {
          bits_[c] = fell;
          const gb::time_tag t = stamp(component_second_[c], at);  // both: in order, one ADU
          gb::adu both{gb::adu_type::component_status, {status_object(c, t)}};
          bits_[c] = w;
          both.objects.push_back(status_object(c, t));
          out.push_back(std::move(both));
          for (auto& x : changed) {
            if (x.first == c) x.second = w;  // sent: not again at the end of the second
          }
        }
      }
      set_word(c, w);
      // The value that caused an alarm transition goes with it, whether or not the word changed
      // (a rate-of-rise alarm after a threshold alarm leaves the fire bit as it was: the centre
      // still gets the value). Once is enough: not again when it was just sent at that time
      // (two alarms of the point in one step, or on_value() first).
      const bool alarm_transition = ev.kind == event_kind::alarm_on ||
                                    ev.kind == event_kind::alarm_off ||
                                    ev.kind == event_kind::returned_latched;
      const bool sent = last_value_[c] && *last_value_[c] == ev.value && last_value_at_[c] == at;
      if (alarm_transition && ev.has_value && !sent) push_analog(c, ev.value, at, out);
      if (comps_[c].power_fault_source) {  // the device's other components: bit 8
        for (std::size_t k = 0; k < comps_.size(); ++k) {
          if (k == c || comps_[k].device != comps_[c].device) continue;
          set_word(k, compute(e, comps_[k].point));
        }
      }
    }
    if (p == opt_.main_power_point || p == opt_.backup_power_point) update_power(e);
  }
  if (pending) flush(*pending);
}

void gb_mapper::on_value(std::uint32_t p, double value, firebus::utc_time at,
                         std::vector<gb::adu>& out) {
  const std::size_t c = p < by_point_.size() ? by_point_[p] : none;
  if (c == none || comps_[c].analog_type < 0 || !std::isfinite(value)) return;
  const auto& last = last_value_[c];
  const bool moved = !last || std::fabs(value - *last) >= comps_[c].deadband;
  const bool due = opt_.analog_period > firebus::duration::zero() &&
                   at - last_value_at_[c] >= opt_.analog_period;
  if (moved || due) push_analog(c, value, at, out);
}

bool gb_mapper::answer(const gb::adu& request, firebus::utc_time now, gb::adu& response) const {
  response = gb::adu{};
  if (request.objects.empty()) return false;
  const auto find = [this](std::uint8_t type, std::uint8_t address, std::uint32_t component) {
    for (std::size_t c = 0; c < comps_.size(); ++c) {
      if (comps_[c].system_type == type && comps_[c].system_address == address &&
          comps_[c].component_address == component) {
        return c;
      }
    }
    return none;
  };
  // Reads of systems and components (61, 62, 63): each object read → its answer object, in the
  // request's order, as many as one ADU holds (Table 7's n: 102, 22, 63 objects fit 1024 bytes;
  // a read of more than that, against the standard, gets the first ones).
  const auto answer_each = [&](gb::adu_type type, auto&& one) {
    response.type = type;
    const std::size_t limit = gb::max_objects(type);
    for (const gb::object& q : request.objects) {
      if (response.objects.size() >= limit) break;
      std::optional<gb::object> a = one(q);
      if (a) response.objects.push_back(std::move(*a));
    }
    return !response.objects.empty();
  };
  switch (request.type) {
    case gb::adu_type::read_system_status:
      return answer_each(gb::adu_type::system_status, [&](const gb::object& q) {
        std::optional<gb::object> a;
        const auto* r = std::get_if<gb::read_system_status>(&q);
        if (!r) return a;
        const auto it =
            systems_.find(static_cast<std::uint16_t>((r->system_type << 8) | r->system_address));
        if (it == systems_.end()) return a;
        gb::system_status st;
        st.system_type = r->system_type;
        st.system_address = r->system_address;
        st.status = it->second;
        const auto sent = system_second_.find(it->first);
        st.time = current_tag(sent == system_second_.end() ? never : sent->second, now);
        a = st;
        return a;
      });
    case gb::adu_type::read_component_status:
      return answer_each(gb::adu_type::component_status, [&](const gb::object& q) {
        std::optional<gb::object> a;
        const auto* r = std::get_if<gb::read_component_status>(&q);
        if (!r) return a;
        const std::size_t c = find(r->system_type, r->system_address, r->component_address);
        if (c != none) a = status_object(c, current_tag(component_second_[c], now));
        return a;
      });
    case gb::adu_type::read_component_analog:
      return answer_each(gb::adu_type::component_analog, [&](const gb::object& q) {
        std::optional<gb::object> a;
        const auto* r = std::get_if<gb::read_component_analog>(&q);
        if (!r) return a;
        const std::size_t c = find(r->system_type, r->system_address, r->component_address);
        if (c != none && comps_[c].analog_type >= 0 && last_value_[c]) {
          a = analog_object(c, *last_value_[c], last_value_at_[c]);
        }
        return a;
      });
    default:
      break;
  }
  // The UITD's own reads carry one reserved byte (n = 1).
  if (request.objects.size() != 1) return false;
  const gb::object& q = request.objects.front();
  if (std::holds_alternative<gb::uitd_query<gb::adu_type::read_uitd_status>>(q)) {
    gb::uitd_status us;
    us.status = uitd_;
    us.time = current_tag(uitd_second_, now);
    response = gb::adu{gb::adu_type::uitd_status, {us}};
    return true;
  }
  if (std::holds_alternative<gb::uitd_query<gb::adu_type::read_uitd_time>>(q)) {
    gb::uitd_time ut;
    ut.time = tag(now);
    response = gb::adu{gb::adu_type::uitd_time, {ut}};
    return true;
  }
  return false;
}

void gb_mapper::set_uitd_fault(bool fault, firebus::utc_time at, std::vector<gb::adu>& out) {
  own_fault_ = fault;
  recompute_systems_and_uitd(at, out);
}

void gb_mapper::set_link_fault(bool fault, firebus::utc_time at, std::vector<gb::adu>& out) {
  link_fault_ = fault;
  recompute_systems_and_uitd(at, out);
}

}  // namespace fbgw
