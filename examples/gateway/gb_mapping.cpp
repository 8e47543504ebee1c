// firebus — fire-safety IoT SDK.
#include "gb_mapping.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <utility>

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

}  // namespace

gb_point_defaults default_point_mapping(const std::string& quantity, const std::string& unit,
                                        int residual_current_analog_type) {
  gb_point_defaults d;
  d.component_type = 16;  // electrical fire monitor, the most common device behind a gateway
  if (quantity == "residual_current") {
    d.component_type = 17;
    d.analog_type = residual_current_analog_type;  // mA × 1 (0.1 A of type 9 is useless)
    d.analog_scale = unit == "A" ? 1000 : 1;
    d.deadband = unit == "A" ? 0.005 : 5;
  } else if (quantity == "temperature") {
    d.component_type = 18;
    d.analog_type = 3;  // 0.1 °C
    d.analog_scale = 10;
    d.deadband = 1;
  } else if (quantity == "pressure") {
    d.component_type = 99;
    d.analog_type = 5;  // 0.1 kPa: the useful one for hydrant pressure
    d.analog_scale = unit == "MPa" ? 10000 : unit == "bar" ? 1000 : unit == "kPa" ? 10 : 1;
    d.deadband = unit == "MPa" ? 0.01 : unit == "bar" ? 0.1 : 10;
  } else if (quantity == "level") {
    d.component_type = 92;
    d.analog_type = 2;  // 0.01 m
    d.analog_scale = unit == "cm" ? 1 : unit == "mm" ? 0.1 : 100;
    d.deadband = unit == "m" ? 0.05 : 5;
  } else if (quantity == "gas" || quantity == "gas_concentration") {
    d.component_type = 74;
    if (unit == "%LEL") {
      d.analog_type = 6;  // 0.1 %LEL
      d.analog_scale = 10;
      d.deadband = 1;
    }
  } else if (quantity == "voltage") {
    d.analog_type = 8;  // 0.1 V
    d.analog_scale = 10;
    d.deadband = 5;
  } else if (quantity == "current") {
    d.analog_type = 9;  // 0.1 A
    d.analog_scale = unit == "mA" ? 0.01 : 10;
    d.deadband = unit == "mA" ? 500 : 0.5;
  } else if (quantity == "smoke") {
    d.component_type = 42;
  } else if (quantity == "heat") {
    d.component_type = 31;
  } else if (quantity == "manual_call_point") {
    d.component_type = 23;
  }
  return d;
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
  last_value_.assign(comps_.size(), std::nullopt);
  last_value_at_.assign(comps_.size(), firebus::utc_time{});
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

std::uint16_t gb_mapper::compute(const firebus::alarm::engine& e, std::uint32_t p) const {
  std::uint16_t w = opt_.strict_normal_bit ? bit(gb::component_status_bit::normal_operation) : 0;
  if (p >= alarms_of_.size()) return w;
  for (std::uint32_t a : alarms_of_[p]) {
    if (e.disabled(a) || e.out_of_service(a)) w |= bit(gb::component_status_bit::disabled);
    if (!annunciated(e.state(a))) continue;
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
  return w;
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
  if (link_fault_) u |= ubit(gb::uitd_status_bit::centre_link_fault);
  return u;
}

gb::time_tag gb_mapper::tag(firebus::utc_time t) const {
  std::error_code ec;
  gb::time_tag tt = gb::time_tag::from_utc(t, opt_.utc_offset, ec);
  return ec ? gb::time_tag{} : tt;
}

gb::component_status gb_mapper::status_object(std::size_t c, firebus::utc_time at) const {
  gb::component_status s;
  s.system_type = comps_[c].system_type;
  s.system_address = comps_[c].system_address;
  s.component_type = comps_[c].component_type;
  s.component_address = comps_[c].component_address;
  s.status = bits_[c];
  s.text = comps_[c].text;
  s.time = tag(at);
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
  out.push_back(gb::adu{gb::adu_type::component_status, {status_object(c, at)}});
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
    st.time = tag(at);
    out.push_back(gb::adu{gb::adu_type::system_status, {st}});
  }
  const std::uint8_t u = compute_uitd();
  if (u != uitd_) {
    uitd_ = u;
    gb::uitd_status us;
    us.status = u;
    us.time = tag(at);
    out.push_back(gb::adu{gb::adu_type::uitd_status, {us}});
  }
}

void gb_mapper::initial(const firebus::alarm::engine& e, firebus::utc_time now, bool all,
                        std::vector<gb::adu>& out) {
  const std::uint16_t normal =
      opt_.strict_normal_bit ? bit(gb::component_status_bit::normal_operation) : 0;
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
    st.time = tag(now);
    out.push_back(gb::adu{gb::adu_type::system_status, {st}});
  }
  uitd_ = compute_uitd();
  gb::uitd_status us;
  us.status = uitd_;
  us.time = tag(now);
  out.push_back(gb::adu{gb::adu_type::uitd_status, {us}});
}

void gb_mapper::on_events(const firebus::alarm::engine& e,
                          const std::vector<firebus::alarm::alarm_event>& events,
                          const clock_fn& clock, std::vector<gb::adu>& out) {
  for (const firebus::alarm::alarm_event& ev : events) {
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
    const firebus::utc_time at = clock(ev.t);
    if (ev.zone != firebus::alarm::npos && ev.zone < zone_fire_.size()) {
      const std::uint32_t a = e.zone_alarm(ev.zone);
      zone_fire_[ev.zone] = a != firebus::alarm::npos && annunciated(e.state(a));
      for (std::uint32_t m : zone_members_[ev.zone]) {
        const std::size_t mc = m < by_point_.size() ? by_point_[m] : none;
        if (mc == none) continue;
        const std::uint16_t w = compute(e, comps_[mc].point);
        if (w != bits_[mc]) {
          bits_[mc] = w;
          push_component(mc, at, out);
        }
      }
    }
    if (c != none) {
      const std::uint16_t w = compute(e, p);
      if (w != bits_[c]) {
        bits_[c] = w;
        push_component(c, at, out);
        // The value that caused the transition goes with it.
        // (Unless on_value() just sent this very value at this very time: once is enough.)
        const bool sent = last_value_[c] && *last_value_[c] == ev.value && last_value_at_[c] == at;
        if (ev.has_value && !sent &&
            (ev.kind == event_kind::alarm_on || ev.kind == event_kind::alarm_off)) {
          push_analog(c, ev.value, at, out);
        }
      }
    }
    recompute_systems_and_uitd(at, out);
  }
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
  if (request.objects.size() != 1) return false;
  const gb::object& q = request.objects.front();
  response.objects.clear();
  if (const auto* r = std::get_if<gb::read_system_status>(&q)) {
    const auto it =
        systems_.find(static_cast<std::uint16_t>((r->system_type << 8) | r->system_address));
    if (it == systems_.end()) return false;
    gb::system_status st;
    st.system_type = r->system_type;
    st.system_address = r->system_address;
    st.status = it->second;
    st.time = tag(now);
    response = gb::adu{gb::adu_type::system_status, {st}};
    return true;
  }
  const auto find = [this](std::uint8_t type, std::uint8_t address, std::uint32_t component) {
    for (std::size_t c = 0; c < comps_.size(); ++c) {
      if (comps_[c].system_type == type && comps_[c].system_address == address &&
          comps_[c].component_address == component) {
        return c;
      }
    }
    return none;
  };
  if (const auto* r = std::get_if<gb::read_component_status>(&q)) {
    const std::size_t c = find(r->system_type, r->system_address, r->component_address);
    if (c == none) return false;
    response = gb::adu{gb::adu_type::component_status, {status_object(c, now)}};
    return true;
  }
  if (const auto* r = std::get_if<gb::read_component_analog>(&q)) {
    const std::size_t c = find(r->system_type, r->system_address, r->component_address);
    if (c == none || comps_[c].analog_type < 0 || !last_value_[c]) return false;
    response = gb::adu{gb::adu_type::component_analog,
                       {analog_object(c, *last_value_[c], last_value_at_[c])}};
    return true;
  }
  if (std::holds_alternative<gb::uitd_query<gb::adu_type::read_uitd_status>>(q)) {
    gb::uitd_status us;
    us.status = uitd_;
    us.time = tag(now);
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
