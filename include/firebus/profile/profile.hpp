// firebus — fire-safety IoT SDK.
/// @file
/// Device profiles: how a device's Modbus registers, coils and bit fields become points.
///
/// A profile describes one device model: for each point, where it lives (table, address, data
/// type, byte and word order, bit field), how a raw value becomes an engineering value (scale,
/// offset, decimal places fixed or read from another register), which raw codes are not values
/// but sensor faults, which codes are device states (fire, pre-alarm, fault, open circuit,
/// short circuit), whether it is a writable setpoint (and behind which password register), and
/// its default alarm rules in the alarm engine's schema.
///
/// The structures mirror the JSON schema (`protocols/profile.schema.json`, version 1; see
/// docs/profiles.md) after the loader (<firebus/profile_json.hpp>) has expanded per-loop arrays
/// into one point_def per loop and filled every default: a device_profile here is concrete.
/// validate() checks every rule; firebus::profile::codec (<firebus/profile/codec.hpp>) plans the
/// reads and decodes them.
///
/// Header-only, C++17 standard library only: vendors can compile profiles into firmware.
///
/// @par Example
/// @code
/// firebus::profile::device_profile p;
/// p.id = "example-rcm";
/// p.vendor = "Example";
/// p.model = "RCM-1";
/// p.source.title = "RCM-1 user manual V1.0, §7 Modbus registers";
/// firebus::profile::point_def ir;
/// ir.id = "IR";
/// ir.address = 0x0000;
/// ir.unit = "mA";
/// p.points.push_back(ir);
/// firebus::profile::profile_error err;
/// bool ok = firebus::profile::validate(p, err);  // true
/// @endcode
#ifndef FIREBUS_PROFILE_PROFILE_HPP
#define FIREBUS_PROFILE_PROFILE_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <firebus/alarm/rules.hpp>
#include <firebus/alarm/types.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/detail/names.hpp>
#include <firebus/core/point.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/profile/error.hpp>

namespace firebus {
inline namespace v1 {
namespace profile {

/// The schema version this library reads.
inline constexpr int profile_version = 1;

/// The most points one profile may have (after per-loop expansion).
inline constexpr std::size_t max_points = 4096;

/// How a point's registers hold its raw value.
enum class data_type : std::uint8_t {
  u16,   ///< one register, unsigned
  i16,   ///< one register, two's complement
  u32,   ///< two registers, unsigned
  i32,   ///< two registers, two's complement
  f32,   ///< two registers, IEEE 754 single precision
  bits,  ///< a field of `width` bits of one register, or `width` coils or discrete inputs
};

/// Byte order within a register, or order of the two registers of a 32-bit value.
enum class byte_order : std::uint8_t {
  big,     ///< most significant first (Modbus's own order)
  little,  ///< least significant first
};

/// Poll priority: alarm-state points first, then measurements, then configuration.
enum class poll_class : std::uint8_t {
  alarm,        ///< statuses and alarm bits
  measurement,  ///< measured values
  config,       ///< setpoints, settings, decimal-place registers
};

/// What a raw code of a point means.
enum class state : std::uint8_t {
  // Conditions of the point itself (firebus::alarm::device_condition; they drive `state` alarms).
  normal,     ///< nothing to report
  fire,       ///< the device reports a fire (or an electrical-fire alarm)
  pre_alarm,  ///< the device reports a pre-alarm: the condition `active`, for a state alarm of
              ///< class pre_alarm
  active,     ///< the device's input is active
  // Statuses of the points in status_of (firebus::alarm::device_status).
  ok,             ///< healthy
  fault,          ///< a fault
  open_circuit,   ///< an open circuit (e.g. a current transformer or sensor disconnected)
  short_circuit,  ///< a short circuit
};

/// Whether `s` is a condition of the point itself (rather than a status of other points).
constexpr bool is_condition(state s) noexcept { return s <= state::active; }

/// The engine's condition for a condition state (pre_alarm → active).
constexpr alarm::device_condition to_condition(state s) noexcept {
  switch (s) {
    case state::fire:
      return alarm::device_condition::fire;
    case state::pre_alarm:
    case state::active:
      return alarm::device_condition::active;
    default:
      return alarm::device_condition::normal;
  }
}

/// The engine's status for a status state.
constexpr alarm::device_status to_status(state s) noexcept {
  switch (s) {
    case state::fault:
      return alarm::device_status::fault;
    case state::open_circuit:
      return alarm::device_status::open_circuit;
    case state::short_circuit:
      return alarm::device_status::short_circuit;
    default:
      return alarm::device_status::ok;
  }
}

/// Serial parity.
enum class parity : std::uint8_t { none, even, odd };

namespace detail {
inline constexpr firebus::detail::named<data_type> data_type_names[] = {
    {data_type::u16, "u16"}, {data_type::i16, "i16"}, {data_type::u32, "u32"},
    {data_type::i32, "i32"}, {data_type::f32, "f32"}, {data_type::bits, "bits"},
};
inline constexpr firebus::detail::named<byte_order> byte_order_names[] = {
    {byte_order::big, "big"},
    {byte_order::little, "little"},
};
inline constexpr firebus::detail::named<poll_class> poll_class_names[] = {
    {poll_class::alarm, "alarm"},
    {poll_class::measurement, "measurement"},
    {poll_class::config, "config"},
};
inline constexpr firebus::detail::named<state> state_names[] = {
    {state::normal, "normal"},
    {state::fire, "fire"},
    {state::pre_alarm, "pre_alarm"},
    {state::active, "active"},
    {state::ok, "ok"},
    {state::fault, "fault"},
    {state::open_circuit, "open_circuit"},
    {state::short_circuit, "short_circuit"},
};
inline constexpr firebus::detail::named<modbus::table> table_names[] = {
    {modbus::table::holding_registers, "holding"},
    {modbus::table::input_registers, "input"},
    {modbus::table::coils, "coil"},
    {modbus::table::discrete_inputs, "discrete"},
};
inline constexpr firebus::detail::named<parity> parity_names[] = {
    {parity::none, "none"},
    {parity::even, "even"},
    {parity::odd, "odd"},
};
}  // namespace detail

/// Schema names: "u16" …; "big", "little"; "alarm", "measurement", "config"; "normal", "fire",
/// "pre_alarm", "active", "ok", "fault", "open_circuit", "short_circuit"; "holding", "input",
/// "coil", "discrete"; "none", "even", "odd".
constexpr std::string_view to_string(data_type v) noexcept {
  return firebus::detail::name_of(detail::data_type_names, v);
}
constexpr std::string_view to_string(byte_order v) noexcept {
  return firebus::detail::name_of(detail::byte_order_names, v);
}
constexpr std::string_view to_string(poll_class v) noexcept {
  return firebus::detail::name_of(detail::poll_class_names, v);
}
constexpr std::string_view to_string(state v) noexcept {
  return firebus::detail::name_of(detail::state_names, v);
}
constexpr std::string_view to_string(parity v) noexcept {
  return firebus::detail::name_of(detail::parity_names, v);
}
/// The schema's name of a Modbus table ("holding", "input", "coil", "discrete").
constexpr std::string_view table_name(modbus::table v) noexcept {
  return firebus::detail::name_of(detail::table_names, v);
}

/// A raw value that is not a measurement: the sample is NaN with a bad quality, and the point
/// gets `status` (fault, open_circuit or short_circuit).
struct invalid_code {
  std::int64_t raw = 0;
  state status = state::fault;
};

/// A raw code and what it means.
struct state_code {
  std::int64_t value = 0;
  state meaning = state::normal;
};

/// A setpoint the SDK may write.
struct writable_rule {
  double min = 0;         ///< lowest accepted value, in the point's unit
  double max = 0;         ///< highest accepted value
  bool password = false;  ///< write device_profile::modbus.password first
  /// FC 6 or 16 for registers (16 for 32-bit types), 5 for a coil.
  modbus::function fn = modbus::function::write_single_register;
};

/// One point of a device.
struct point_def {
  std::string id;    ///< point id within the device (firebus::point_id rules), e.g. "IR3"
  std::string name;  ///< human-readable
  int loop = 0;      ///< the loop number n of a per-loop array, 0 for other points
  modbus::table tbl = modbus::table::holding_registers;
  std::uint16_t address = 0;  ///< PDU address (0-based)
  data_type type = data_type::u16;
  std::uint8_t bit = 0;    ///< bits in a register: first bit, 0 = least significant
  std::uint8_t width = 1;  ///< bits: number of bits (in a bit table: of coils or inputs)
  byte_order bytes = byte_order::big;
  byte_order words = byte_order::big;
  double scale = 1;           ///< value = raw × scale ÷ 10^decimals + offset
  double offset = 0;          ///<
  int decimals = 0;           ///< 0–9
  std::string decimals_from;  ///< a point whose raw value gives the decimals; "" = `decimals`
  std::string unit;           ///< engineering unit
  std::string quantity;       ///< informative: "residual_current", "temperature", ...
  std::optional<std::pair<double, double>> range;  ///< valid [lo, hi]; outside: bad quality
  std::vector<invalid_code> invalid;               ///< raw values that are not measurements
  std::vector<state_code> states;                  ///< raw codes that are states
  std::optional<state> default_state;              ///< state of unlisted codes; normal/ok if unset
  std::vector<std::string> status_of;              ///< targets of status states; empty = itself
  bool publish = true;                             ///< false: read only for other points
  std::optional<poll_class> poll;                  ///< unset: see effective_poll()
  std::optional<writable_rule> writable;           ///< a setpoint the SDK may write
  double stale_s = 0;                              ///< default alarm-engine stale timeout
  std::vector<alarm::alarm_rule> alarms;           ///< default alarm rules

  /// How many registers (or bits) the point reads.
  std::uint16_t count() const noexcept {
    if (type == data_type::u32 || type == data_type::i32 || type == data_type::f32) return 2;
    if (type == data_type::bits && modbus::is_bit_table(tbl)) return width;
    return 1;
  }
  /// Whether the point has states that are statuses of points (itself or status_of).
  bool has_status_states() const noexcept {
    for (const state_code& c : states) {
      if (!is_condition(c.meaning)) return true;
    }
    return default_state && !is_condition(*default_state);
  }
  /// Whether the point has states that are conditions of itself.
  bool has_condition_states() const noexcept {
    for (const state_code& c : states) {
      if (is_condition(c.meaning)) return true;
    }
    return default_state && is_condition(*default_state);
  }
};

/// The poll class of a point: `poll` if set, else alarm for points with states or invalid codes,
/// config for writable points, measurement otherwise.
inline poll_class effective_poll(const point_def& p) noexcept {
  if (p.poll) return *p.poll;
  if (!p.states.empty() || !p.invalid.empty()) return poll_class::alarm;
  if (p.writable) return poll_class::config;
  return poll_class::measurement;
}

/// Factory line settings (informative: the CLI and the simulator use them).
struct serial_settings {
  std::uint32_t baud = 9600;
  profile::parity parity = parity::none;
  int data_bits = 8;  ///< 7 or 8
  int stop_bits = 1;  ///< 1 or 2
};

/// The register a password is written to before a protected write.
struct password_register {
  std::uint16_t address = 0;  ///< holding register
  data_type type = data_type::u16;
  byte_order words = byte_order::big;  ///< u32: the profile's `modbus.word_order`
};

/// Device-wide Modbus facts.
struct modbus_settings {
  std::vector<std::string> transports{"rtu"};  ///< "rtu", "tcp"
  serial_settings serial;
  std::uint8_t unit_id = 1;      ///< factory default address, 1–247
  modbus::device_limits limits;  ///< per read; read_gaps = the schema's read_across_gaps
  std::optional<password_register> password;
};

/// Where the register map comes from.
struct source_info {
  std::string title;      ///< the manual, required
  std::string url;        ///<
  std::string section;    ///<
  std::string retrieved;  ///< YYYY-MM-DD
  std::string notes;      ///< what was checked, doubts
};

/// One device model.
struct device_profile {
  int version = profile_version;
  std::string id;  ///< e.g. "acrel-asj10l-ld1a"
  int revision = 1;
  std::string vendor;
  std::string model;
  std::string kind;  ///< informative: "residual_current_relay", ...
  std::string description;
  source_info source;
  modbus_settings modbus;
  std::vector<point_def> points;
};

/// Where a profile is wrong: the path and what is wrong.
struct profile_error {
  std::string path;     ///< e.g. "points[3].states[1].value"
  std::string message;  ///< e.g. "expected an integer 0..3 (a 2-bit field), found 4"
  /// "path: message" (the loader prefixes the file name).
  std::string what() const { return path.empty() ? message : path + ": " + message; }
};

namespace detail {

inline bool fail(profile_error& err, std::string path, std::string message) {
  err.path = std::move(path);
  err.message = std::move(message);
  return false;
}

inline std::string at(std::size_t i, std::string_view field = {}) {
  std::string s = "points[" + std::to_string(i) + "]";
  if (!field.empty()) {
    s += '.';
    s += field;
  }
  return s;
}

/// The range of raw values of a point's type, for integer types and bit fields.
inline std::pair<std::int64_t, std::int64_t> raw_limits(const point_def& p) noexcept {
  switch (p.type) {
    case data_type::u16:
      return {0, 0xFFFF};
    case data_type::i16:
      return {-0x8000, 0x7FFF};
    case data_type::u32:
      return {0, 0xFFFFFFFFLL};
    case data_type::i32:
      return {-0x80000000LL, 0x7FFFFFFFLL};
    case data_type::bits:
      return {0, (std::int64_t{1} << p.width) - 1};
    case data_type::f32:
      break;
  }
  return {0, -1};
}

inline std::string raw_type_text(const point_def& p) {
  if (p.type == data_type::bits) return "a " + std::to_string(p.width) + "-bit field";
  return std::string(to_string(p.type));
}

inline bool is_identifier_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

using id_index = std::unordered_map<std::string_view, std::size_t>;

inline bool check_point(const device_profile& prof, std::size_t i, const id_index& ids,
                        profile_error& err) {
  const point_def& p = prof.points[i];
  const std::size_t bad = point_id::first_invalid(p.id);
  if (bad != point_id::npos) {
    return fail(err, at(i, "id"),
                p.id.empty() ? std::string("expected a non-empty point id")
                             : "not a valid point id (byte " + std::to_string(bad) +
                                   " offends: no spaces, control characters, + # \" \\)");
  }
  const bool bit_table = modbus::is_bit_table(p.tbl);
  if (bit_table && p.type != data_type::bits) {
    return fail(err, at(i, "type"), "coils and discrete inputs hold bits: expected \"bits\"");
  }
  if (p.type == data_type::bits) {
    if (p.width < 1 || p.width > 16) return fail(err, at(i, "width"), "expected 1..16");
    if (bit_table) {
      if (p.bit != 0) return fail(err, at(i, "bit"), "not used in a bit table: expected 0");
      if (std::uint32_t{p.address} + p.width > 0x10000u) {
        return fail(err, at(i, "address"), "the bits run past address 65535");
      }
    } else if (p.bit > 15 || p.bit + p.width > 16) {
      return fail(err, at(i, "bit"),
                  "the field (bit " + std::to_string(p.bit) + ", width " + std::to_string(p.width) +
                      ") does not fit a 16-bit register");
    }
  } else {
    if (p.bit != 0 || p.width != 1) {
      return fail(err, at(i, p.bit != 0 ? "bit" : "width"), "only a \"bits\" type has a bit field");
    }
    if (p.count() == 2 && p.address == 0xFFFF) {
      return fail(err, at(i, "address"), "a 32-bit value needs two registers: expected ≤ 65534");
    }
  }
  if (!std::isfinite(p.scale) || p.scale == 0) {
    return fail(err, at(i, "scale"), "expected a finite number other than 0");
  }
  if (!std::isfinite(p.offset)) return fail(err, at(i, "offset"), "expected a finite number");
  if (p.decimals < 0 || p.decimals > 9) return fail(err, at(i, "decimals"), "expected 0..9");
  if (!p.decimals_from.empty()) {
    if (p.decimals != 0) {
      return fail(err, at(i, "decimals_from"), "give decimals or decimals_from, not both");
    }
    const auto found = ids.find(p.decimals_from);
    if (found == ids.end()) {
      return fail(err, at(i, "decimals_from"), "no point \"" + p.decimals_from + "\"");
    }
    const std::size_t j = found->second;
    if (j == i) return fail(err, at(i, "decimals_from"), "a point cannot give its own decimals");
    if (prof.points[j].type == data_type::f32) {
      return fail(err, at(i, "decimals_from"), "the decimals must come from an integer point");
    }
    if (p.type == data_type::f32) {
      return fail(err, at(i, "decimals_from"), "an f32 value has no decimal places");
    }
  }
  if (p.type == data_type::f32 && p.decimals != 0) {
    return fail(err, at(i, "decimals"), "an f32 value has no decimal places: expected 0");
  }
  if (p.range) {
    const auto [lo, hi] = *p.range;
    if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) {
      return fail(err, at(i, "range"), "expected two finite numbers [lo, hi] with lo ≤ hi");
    }
  }
  const std::pair<std::int64_t, std::int64_t> limits = raw_limits(p);
  const std::int64_t rmin = limits.first;
  const std::int64_t rmax = limits.second;
  const auto fits = [&](std::int64_t v) { return v >= rmin && v <= rmax; };
  const std::string fit_text = "expected an integer " + std::to_string(rmin) + ".." +
                               std::to_string(rmax) + " (" + raw_type_text(p) + ")";
  for (std::size_t k = 0; k < p.invalid.size(); ++k) {
    const std::string path = at(i, "invalid[" + std::to_string(k) + "]");
    if (p.type == data_type::f32) return fail(err, path, "an f32 point has no raw codes");
    if (!fits(p.invalid[k].raw)) {
      return fail(err, path + ".raw", fit_text + ", found " + std::to_string(p.invalid[k].raw));
    }
    const state s = p.invalid[k].status;
    if (s != state::fault && s != state::open_circuit && s != state::short_circuit) {
      return fail(err, path + ".status",
                  "expected \"fault\", \"open_circuit\" or \"short_circuit\"");
    }
    for (std::size_t m = 0; m < k; ++m) {
      if (p.invalid[m].raw == p.invalid[k].raw) {
        return fail(err, path + ".raw",
                    "the raw value " + std::to_string(p.invalid[k].raw) + " is listed twice");
      }
    }
  }
  for (std::size_t k = 0; k < p.states.size(); ++k) {
    const std::string path = at(i, "states[" + std::to_string(k) + "]");
    if (p.type == data_type::f32) return fail(err, path, "an f32 point has no state codes");
    if (!fits(p.states[k].value)) {
      return fail(err, path + ".value", fit_text + ", found " + std::to_string(p.states[k].value));
    }
    for (std::size_t m = 0; m < k; ++m) {
      if (p.states[m].value == p.states[k].value) {
        return fail(err, path + ".value",
                    "the code " + std::to_string(p.states[k].value) + " is listed twice");
      }
    }
    for (const invalid_code& c : p.invalid) {
      if (c.raw == p.states[k].value) {
        return fail(err, path + ".value",
                    "the code " + std::to_string(c.raw) + " is also in `invalid`");
      }
    }
  }
  if (p.default_state && p.states.empty()) {
    return fail(err, at(i, "default_state"), "a default state needs `states`");
  }
  if (!p.status_of.empty() && !p.has_status_states()) {
    return fail(err, at(i, "status_of"),
                "no status (ok, fault, open_circuit, short_circuit) "
                "among the states to apply");
  }
  for (std::size_t k = 0; k < p.status_of.size(); ++k) {
    const std::string& t = p.status_of[k];
    if (ids.find(t) == ids.end()) {
      return fail(err, at(i, "status_of[" + std::to_string(k) + "]"), "no point \"" + t + "\"");
    }
  }
  if (p.writable) {
    const writable_rule& w = *p.writable;
    const std::string path = at(i, "writable");
    if (!std::isfinite(w.min) || !std::isfinite(w.max) || w.min > w.max) {
      return fail(err, path, "expected finite min ≤ max");
    }
    if (p.tbl == modbus::table::coils) {
      if (p.width != 1) return fail(err, path, "only a single coil can be written");
      if (w.fn != modbus::function::write_single_coil) {
        return fail(err, path + ".function", "a coil is written with function 5");
      }
    } else if (p.tbl != modbus::table::holding_registers) {
      return fail(err, path, "only holding registers and coils can be written");
    } else if (p.type == data_type::bits && p.width != 16) {
      return fail(err, path, "a bit field inside a register cannot be written on its own");
    } else if (w.fn != modbus::function::write_single_register &&
               w.fn != modbus::function::write_multiple_registers) {
      return fail(err, path + ".function", "expected 6 or 16");
    } else if (p.count() == 2 && w.fn != modbus::function::write_multiple_registers) {
      return fail(err, path + ".function", "a 32-bit value is written with function 16");
    }
    if (w.password && !prof.modbus.password) {
      return fail(err, path + ".password", "the profile has no modbus.password register");
    }
  }
  if (!std::isfinite(p.stale_s) || p.stale_s < 0) {
    return fail(err, at(i, "stale_s"), "expected a number of seconds ≥ 0");
  }
  if (!p.alarms.empty() || p.stale_s > 0) {
    // The alarm engine's own rules, on a configuration of this point alone.
    alarm::rules r;
    alarm::point_rule pr;
    pr.id = p.id;
    pr.unit = p.unit;
    pr.range = p.range;
    pr.stale_s = p.stale_s;
    pr.alarms = p.alarms;
    r.points.push_back(std::move(pr));
    alarm::rules_error aerr;
    if (!alarm::validate(r, aerr)) {
      std::string path = aerr.path;
      if (path.compare(0, 9, "points[0]") == 0) path = at(i) + path.substr(9);
      return fail(err, path, aerr.message);
    }
  }
  return true;
}

}  // namespace detail

/// Checks every rule of a profile (the schema's, and those a schema cannot state: unique ids,
/// references to existing points, fields that fit their registers, codes that fit their type,
/// valid default alarm rules). Returns false at the first problem, with `err` naming it by the
/// path of the concrete point ("points[i]", after per-loop expansion).
inline bool validate(const device_profile& prof, profile_error& err) {
  using detail::fail;
  if (prof.version != profile_version) {
    return fail(
        err, "version",
        "expected " + std::to_string(profile_version) + ", found " + std::to_string(prof.version));
  }
  if (prof.id.empty() || prof.id.size() > 64 || prof.id[0] == '.' || prof.id[0] == '_' ||
      prof.id[0] == '-') {
    return fail(err, "id", "expected 1..64 of a-z 0-9 . _ - starting with a letter or digit");
  }
  for (char c : prof.id) {
    if (!detail::is_identifier_char(c)) {
      return fail(err, "id", "expected 1..64 of a-z 0-9 . _ - starting with a letter or digit");
    }
  }
  if (prof.revision < 1) return fail(err, "revision", "expected an integer ≥ 1");
  if (prof.vendor.empty()) return fail(err, "vendor", "expected a non-empty string");
  if (prof.model.empty()) return fail(err, "model", "expected a non-empty string");
  if (prof.source.title.empty()) {
    return fail(err, "source.title", "expected the manual's title: every profile cites its source");
  }
  const modbus_settings& m = prof.modbus;
  if (m.unit_id < 1 || m.unit_id > 247) return fail(err, "modbus.unit_id", "expected 1..247");
  if (m.limits.max_registers < 1 || m.limits.max_registers > modbus::max_read_registers) {
    return fail(err, "modbus.max_registers_per_read", "expected 1..125");
  }
  if (m.limits.max_bits < 1 || m.limits.max_bits > modbus::max_read_bits) {
    return fail(err, "modbus.max_bits_per_read", "expected 1..2000");
  }
  for (std::size_t k = 0; k < m.transports.size(); ++k) {
    if (m.transports[k] != "rtu" && m.transports[k] != "tcp") {
      return fail(err, "modbus.transports[" + std::to_string(k) + "]",
                  "expected \"rtu\" or \"tcp\"");
    }
  }
  if (m.serial.baud < 300 || m.serial.baud > 1'000'000) {
    return fail(err, "modbus.serial.baud", "expected 300..1000000");
  }
  if (m.serial.data_bits != 7 && m.serial.data_bits != 8) {
    return fail(err, "modbus.serial.data_bits", "expected 7 or 8");
  }
  if (m.serial.stop_bits != 1 && m.serial.stop_bits != 2) {
    return fail(err, "modbus.serial.stop_bits", "expected 1 or 2");
  }
  if (m.password) {
    if (m.password->type != data_type::u16 && m.password->type != data_type::u32) {
      return fail(err, "modbus.password.type", "expected \"u16\" or \"u32\"");
    }
    if (m.password->type == data_type::u32 && m.password->address == 0xFFFF) {
      return fail(err, "modbus.password.address", "a u32 needs two registers: expected ≤ 65534");
    }
  }
  if (prof.points.empty()) return fail(err, "points", "expected at least one point");
  if (prof.points.size() > max_points) {
    return fail(err, "points", "more than " + std::to_string(max_points) + " points");
  }
  detail::id_index seen;
  seen.reserve(prof.points.size());
  for (std::size_t i = 0; i < prof.points.size(); ++i) {
    const auto [it, fresh] = seen.emplace(prof.points[i].id, i);
    if (!fresh) {
      return fail(err, detail::at(i, "id"),
                  "the id \"" + prof.points[i].id + "\" is also points[" +
                      std::to_string(it->second) + "]'s");
    }
  }
  for (std::size_t i = 0; i < prof.points.size(); ++i) {
    if (!detail::check_point(prof, i, seen, err)) return false;
  }
  return true;
}

}  // namespace profile
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_PROFILE_PROFILE_HPP
