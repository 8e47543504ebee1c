// firebus — fire-safety IoT SDK.
// firebus-centre: ADU objects → event records (model.hpp).
#include <cstdio>
#include <ctime>
#include <system_error>
#include <type_traits>
#include <variant>

#include <firebus/gb26875/adu.hpp>
#include <firebus/text.hpp>

#include "model.hpp"

namespace firebus_centre {

micros now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string iso_utc(micros t) {
  const std::time_t s = static_cast<std::time_t>(t / 1000000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(t % 1000000));
  return buf;
}

std::uint64_t fnv1a64(const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

std::uint64_t duplicate_hash(const gb::header& h, const std::vector<std::uint8_t>& adu) {
  std::uint64_t k = fnv1a64(adu.data(), adu.size());
  std::error_code ec;
  const gb::adu_view v = gb::parse_adu(adu, ec);
  if (ec) return k;
  bool untrusted = false;  // a time tag that cannot tell two reports apart
  const auto check = [&untrusted](const gb::time_tag& t) {
    if (!t.valid() || t.year == 0) untrusted = true;
  };
  for (const gb::object& o : v) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, gb::system_status> ||
                        std::is_same_v<T, gb::component_status> ||
                        std::is_same_v<T, gb::component_analog> ||
                        std::is_same_v<T, gb::system_operation> ||
                        std::is_same_v<T, gb::system_time> || std::is_same_v<T, gb::uitd_status> ||
                        std::is_same_v<T, gb::uitd_operation> || std::is_same_v<T, gb::uitd_time>) {
            check(x.time);
          }
        },
        o);
    if (untrusted) break;
  }
  if (!untrusted) return k;
  const std::uint8_t serial[3] = {0xFF, static_cast<std::uint8_t>(h.serial & 0xFF),
                                  static_cast<std::uint8_t>(h.serial >> 8)};
  for (const std::uint8_t b : serial) k = (k ^ b) * 1099511628211ull;
  return k;
}

const char* to_string(alarm_kind k) noexcept {
  switch (k) {
    case alarm_kind::fire:
      return "fire";
    case alarm_kind::fault:
      return "fault";
    case alarm_kind::supervisory:
      return "supervisory";
  }
  return "unknown";
}

std::string address_hex(std::uint64_t a) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(a));
  return buf;
}

unsigned alarm_bits_of(unsigned status, bool uitd) noexcept {
  // Faults: bit 2, and the power, bus and line faults a fire panel shows as faults too — system
  // bits 8–10 (main power, backup power, bus), component bit 8 (power), UITD bits 3, 4 and 6
  // (main power, backup power, monitored line). Not the UITD's bit 5 (its link to the centre
  // was down): it is reported once the link is back, by every UITD after a centre restart.
  const unsigned faults =
      uitd ? 0x04u | 0x08u | 0x10u | 0x40u : 0x04u | 0x0100u | 0x0200u | 0x0400u;
  unsigned b = 0;
  if ((status & 0x02u) != 0) b |= 1u;
  if ((status & faults) != 0) b |= 2u;
  if (!uitd && (status & 0x10u) != 0) b |= 4u;
  return b;
}

namespace {

/// Residual current, by the project's mapping (../shared/specs/gb26875-mapping.md, the
/// gateway's default): the user-defined analog type 128, in mA × 1 — the standard's current
/// type 9 has 0.1 A resolution, useless for a 300 mA setpoint. Other user-defined types are
/// stored raw, without a unit (docs/centre.md).
constexpr int residual_current_analog_type = 128;

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::optional<std::string> iso_tag(const gb::time_tag& t, std::chrono::minutes offset) {
  if (!t.valid()) return std::nullopt;
  const long off = static_cast<long>(offset.count());
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", 2000 + t.year,
                t.month, t.day, t.hour, t.minute, t.second, off < 0 ? '-' : '+',
                (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
  return std::string(buf);
}

std::optional<std::string> utf8(firebus::byte_view gb18030) {
  // Padding (0x00 or spaces) is not part of the text.
  std::size_t n = gb18030.size();
  while (n > 0 && (gb18030[n - 1] == 0 || gb18030[n - 1] == ' ')) --n;
  std::error_code ec;
  std::string s =
      firebus::gb18030_to_utf8(gb18030.subview(0, n), ec, firebus::text_policy::replace);
  if (ec || s.empty()) return std::nullopt;
  return s;
}

std::optional<std::string> utf8(const gb::description& d) {
  return utf8(firebus::byte_view(d.data(), d.size()));
}

void system_of(event_record& e, std::uint8_t type, std::uint8_t address) {
  e.level = "system";
  e.system_type = type;
  e.system_address = address;
  const auto t = static_cast<gb::system_type>(type);
  e.type_name = std::string(gb::english_name(t));
  e.type_name_zh = std::string(gb::chinese_name(t));
}

void component_of(event_record& e, std::uint8_t stype, std::uint8_t saddr, std::uint8_t ctype,
                  std::uint32_t caddr) {
  e.level = "component";
  e.system_type = stype;
  e.system_address = saddr;
  e.component_type = ctype;
  e.component_address = caddr;
  const auto t = static_cast<gb::component_type>(ctype);
  e.type_name = std::string(gb::english_name(t));
  e.type_name_zh = std::string(gb::chinese_name(t));
}

void status_of(event_record& e, unsigned bits, gb::status_kind kind, const extract_options& o) {
  e.status = static_cast<int>(bits);
  e.status_names = gb::describe_status(static_cast<std::uint16_t>(bits), kind, o.bit0);
}

}  // namespace

std::vector<event_record> extract(const inbound& m, const extract_options& o) {
  std::vector<event_record> out;
  std::error_code ec;
  const gb::adu_view v = gb::parse_adu(m.adu, ec);
  if (ec) return out;
  const auto type = static_cast<int>(v.type());
  int index = 0;
  for (const gb::object& obj : v) {
    event_record e;
    e.object_index = index++;
    e.adu_type = type;
    const auto tag = [&](const gb::time_tag& t) {
      e.event_time = iso_tag(t, o.utc_offset);
      std::error_code tec;
      const firebus::utc_time u = t.to_utc(o.utc_offset, tec);
      if (!tec) e.event_us = u.time_since_epoch().count();
    };
    std::visit(
        overloaded{
            [&](const gb::system_status& s) {
              e.kind = "system_status";
              system_of(e, s.system_type, s.system_address);
              status_of(e, s.status, gb::status_kind::system, o);
              e.alarm_bits = alarm_bits_of(s.status, false);
              tag(s.time);
            },
            [&](const gb::component_status& s) {
              e.kind = "component_status";
              component_of(e, s.system_type, s.system_address, s.component_type,
                           s.component_address);
              status_of(e, s.status, gb::status_kind::component, o);
              e.alarm_bits = alarm_bits_of(s.status, false);
              e.description = utf8(s.text);
              tag(s.time);
            },
            [&](const gb::component_analog& s) {
              e.kind = "component_analog";
              component_of(e, s.system_type, s.system_address, s.component_type,
                           s.component_address);
              const auto at = static_cast<gb::analog_type>(s.analog_type);
              e.analog_type = s.analog_type;
              e.value_raw = s.value;
              e.value = gb::analog_value(at, s.value);  // user-defined types: raw × 1
              std::string unit(gb::analog_unit(at));
              if (s.analog_type == residual_current_analog_type) unit = "mA";  // × 1
              if (!unit.empty()) e.value_unit = std::move(unit);
              tag(s.time);
            },
            [&](const gb::system_operation& s) {
              e.kind = "system_operation";
              system_of(e, s.system_type, s.system_address);
              status_of(e, s.flags, gb::status_kind::facility_operation, o);
              e.operator_id = s.operator_id;
              e.manual_alarm = gb::has(s.flags, gb::operation_flag::manual_alarm);
              tag(s.time);
            },
            [&](const gb::system_software_version& s) {
              e.kind = "system_software_version";
              system_of(e, s.system_type, s.system_address);
              e.description = std::to_string(s.major) + "." + std::to_string(s.minor);
            },
            [&](const gb::system_config& s) {
              e.kind = "system_config";
              system_of(e, s.system_type, s.system_address);
              e.description = utf8(s.text.bytes);
            },
            [&](const gb::component_config& s) {
              e.kind = "component_config";
              component_of(e, s.system_type, s.system_address, s.component_type,
                           s.component_address);
              e.description = utf8(s.text);
            },
            [&](const gb::system_time& s) {
              e.kind = "system_time";
              system_of(e, s.system_type, s.system_address);
              tag(s.time);
            },
            [&](const gb::uitd_status& s) {
              e.kind = "uitd_status";
              e.level = "uitd";
              status_of(e, s.status, gb::status_kind::uitd, o);
              e.alarm_bits = alarm_bits_of(s.status, true);
              tag(s.time);
            },
            [&](const gb::uitd_operation& s) {
              e.kind = "uitd_operation";
              e.level = "uitd";
              status_of(e, s.flags, gb::status_kind::uitd_operation, o);
              e.operator_id = s.operator_id;
              e.manual_alarm = gb::has(s.flags, gb::operation_flag::manual_alarm);
              tag(s.time);
            },
            [&](const gb::uitd_software_version& s) {
              e.kind = "uitd_software_version";
              e.level = "uitd";
              e.description = std::to_string(s.major) + "." + std::to_string(s.minor);
            },
            [&](const gb::uitd_config& s) {
              e.kind = "uitd_config";
              e.level = "uitd";
              e.description = utf8(s.text.bytes);
            },
            [&](const gb::uitd_time& s) {
              e.kind = "uitd_time";
              e.level = "uitd";
              tag(s.time);
            },
            [&](const gb::user_object& s) {
              e.kind = "user_defined";
              e.description = std::to_string(s.bytes.size()) + " bytes";
            },
            [&](const gb::user_blob& s) {
              e.kind = "user_defined";
              e.description = std::to_string(s.body.size()) + " bytes";
            },
            [&](const auto&) { e.kind = "downstream"; },  // read/control types: not from a UITD
        },
        obj);
    out.push_back(std::move(e));
  }
  return out;
}

json event_json(const inbound& m, const event_record& e, const std::string& centre) {
  json j;
  // Stable across resends (same or new serial number) and centre processes, like the store's
  // duplicate key: a subscriber drops duplicates by it.
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(m.adu_hash));
  j["key"] = address_hex(m.hdr.source) + "/" + hash + "/" + std::to_string(e.object_index);
  j["event_id"] = e.id;
  j["uitd"] = address_hex(m.hdr.source);
  j["serial"] = m.hdr.serial;
  j["received_at"] = iso_utc(m.received_us);
  j["centre"] = centre;
  j["adu_type"] = e.adu_type;
  j["kind"] = e.kind;
  const auto put = [&j](const char* k, const auto& opt) {
    if (opt) j[k] = *opt;
  };
  put("level", e.level);
  put("system_type", e.system_type);
  put("system_address", e.system_address);
  put("component_type", e.component_type);
  put("component_address", e.component_address);
  put("type_name", e.type_name);
  put("type_name_zh", e.type_name_zh);
  put("status", e.status);
  put("status_names", e.status_names);
  put("operator", e.operator_id);
  put("analog_type", e.analog_type);
  put("value_raw", e.value_raw);
  put("value", e.value);
  put("value_unit", e.value_unit);
  put("description", e.description);
  put("event_time", e.event_time);
  if (e.superseded) j["superseded"] = true;
  if (!e.alarms_opened.empty()) {
    json a = json::array();
    for (const auto& [k, id] : e.alarms_opened) a.push_back({{"kind", to_string(k)}, {"id", id}});
    j["alarms_opened"] = std::move(a);
  }
  if (!e.alarms_cleared.empty()) {
    json a = json::array();
    for (const auto& [k, id] : e.alarms_cleared) a.push_back({{"kind", to_string(k)}, {"id", id}});
    j["alarms_cleared"] = std::move(a);
  }
  return j;
}

}  // namespace firebus_centre
