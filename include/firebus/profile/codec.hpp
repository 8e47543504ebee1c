// firebus — fire-safety IoT SDK.
/// @file
/// Reading a device through its profile: which registers to read, and what they mean.
///
/// firebus::profile::codec is built from a valid device_profile. It gives the read items of
/// each poll class (for firebus::modbus::poll_planner), decodes a register_image — the registers
/// and bits read so far — into readings (samples, device conditions and statuses ready for the
/// alarm engine), encodes setpoint writes, and derives the profile's default alarm rules.
///
/// @par Decoding
/// A point's raw value is its register(s) in the point's byte and word order, or its bit field.
/// Then, in this order:
/// - a raw value listed in `invalid` gives the value NaN, the quality of its status
///   (bad_device_fault, bad_open_circuit, bad_short_circuit) and that status for the point;
/// - a raw code listed in `states` (or `default_state`) gives a condition of the point (fire,
///   pre-alarm → active, normal) and a status of the points in `status_of` (ok, fault, open
///   circuit, short circuit);
/// - value = raw × scale ÷ 10^decimals + offset, with decimals read from `decimals_from`'s raw
///   value when given (outside 0..9, or not read: quality bad_config_error, value NaN);
/// - an f32 that is NaN or infinite has quality bad_invalid_value;
/// - a value outside `range` keeps its value with quality bad_under_range / bad_over_range.
///
/// A point that several sources give a status (its own `invalid` codes, other points'
/// `status_of`) gets the most severe one among all of them that are in the image, decoded in
/// this call or not: short circuit, then open circuit, then fault, then ok. Statuses are
/// reported for every target of every decoded source, ok included, so that a cleared fault
/// clears — but not ok while a source is missing from the image (not read yet, or its read
/// failed): a fault is never cleared by data that is not there. Points whose registers are not
/// all in the image are not decoded.
///
/// @par Example
/// @code
/// firebus::profile::codec c(profile);  // throws if the profile is invalid
/// firebus::modbus::poll_planner planner(firebus::modbus::cost_model::rtu(line),
///                                        profile.modbus.limits);
/// auto reads = planner.plan(c.read_items());
/// firebus::profile::register_image image;
/// for (const auto& r : reads) {
///   // ... send r.req, get the reply's PDU, parse it into `resp` ...
///   image.store(r.req, resp);
/// }
/// firebus::profile::readings out;
/// c.decode(image, out);
/// for (const auto& v : out.values) {
///   std::cout << c.point(v.point).id << " = " << v.value << ' ' << c.point(v.point).unit << '\n';
/// }
/// @endcode
#ifndef FIREBUS_PROFILE_CODEC_HPP
#define FIREBUS_PROFILE_CODEC_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
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
#include <firebus/core/error.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/profile/error.hpp>
#include <firebus/profile/profile.hpp>

namespace firebus {
inline namespace v1 {
namespace profile {

/// The registers and bits of one device read so far: blocks of consecutive addresses per table.
/// A newer block wins where it overlaps an older one. At most max_blocks blocks are kept per
/// table (the oldest go first), so the image stays bounded whatever is stored in it.
class register_image {
 public:
  static constexpr std::size_t max_blocks = 256;

  /// Stores `n` registers (or bits, one per element, 0 or 1) of `t` from `address`.
  void store(modbus::table t, std::uint16_t address, const std::uint16_t* values, std::size_t n) {
    if (n == 0) return;
    n = std::min<std::size_t>(n, 0x10000u - address);
    auto& blocks = tables_[static_cast<std::size_t>(t)];
    const std::uint32_t end = std::uint32_t{address} + static_cast<std::uint32_t>(n);
    // Drop blocks the new one covers entirely (the common case: the same read again).
    blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                                [&](const block& b) {
                                  return b.address >= address && b.address + b.values.size() <= end;
                                }),
                 blocks.end());
    if (blocks.size() >= max_blocks) blocks.erase(blocks.begin());
    blocks.push_back(block{address, std::vector<std::uint16_t>(values, values + n)});
  }
  void store(modbus::table t, std::uint16_t address, const std::vector<std::uint16_t>& values) {
    store(t, address, values.data(), values.size());
  }
  /// Stores the reply `resp` to the read request `req` (FC 1–4; other functions are ignored).
  void store(const modbus::request& req, const modbus::response& resp) {
    std::optional<modbus::table> t = table_of(req.fn);
    if (!t || resp.fn != req.fn) return;
    std::vector<std::uint16_t> v(req.quantity);
    if (modbus::is_bit_table(*t)) {
      if (resp.data.size() * 8 < req.quantity) return;
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = resp.bit(i) ? 1 : 0;
    } else {
      if (resp.data.size() < std::size_t{req.quantity} * 2) return;
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = resp.reg(i);
    }
    store(*t, req.address, v);
  }
  /// Forgets what was read of `t` in [address, address + n) (after a failed read: its old
  /// values must not be decoded again as if fresh).
  void forget(modbus::table t, std::uint16_t address, std::size_t n) {
    const std::uint32_t end = std::uint32_t{address} + static_cast<std::uint32_t>(n);
    auto& blocks = tables_[static_cast<std::size_t>(t)];
    blocks.erase(std::remove_if(blocks.begin(), blocks.end(),
                                [&](const block& b) {
                                  return b.address < end && b.address + b.values.size() > address;
                                }),
                 blocks.end());
  }
  /// Copies `n` values of `t` from `address` into `out` (each from the newest block that holds
  /// it); false if any of them was not read.
  bool get(modbus::table t, std::uint16_t address, std::size_t n, std::uint16_t* out) const {
    const auto& blocks = tables_[static_cast<std::size_t>(t)];
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {  // the common case: one block
      if (it->address <= address && std::size_t{address} + n <= it->address + it->values.size()) {
        std::copy_n(it->values.begin() + (address - it->address), n, out);
        return true;
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t a = std::size_t{address} + k;
      bool found = false;
      for (auto it = blocks.rbegin(); it != blocks.rend() && !found; ++it) {
        if (it->address <= a && a < it->address + it->values.size()) {
          out[k] = it->values[a - it->address];
          found = true;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  /// Whether the image holds nothing.
  bool empty() const noexcept {
    for (const auto& b : tables_) {
      if (!b.empty()) return false;
    }
    return true;
  }
  void clear() noexcept {
    for (auto& b : tables_) b.clear();
  }

  /// The table a read function reads, if it is one.
  static std::optional<modbus::table> table_of(modbus::function fn) noexcept {
    switch (fn) {
      case modbus::function::read_coils:
        return modbus::table::coils;
      case modbus::function::read_discrete_inputs:
        return modbus::table::discrete_inputs;
      case modbus::function::read_holding_registers:
        return modbus::table::holding_registers;
      case modbus::function::read_input_registers:
        return modbus::table::input_registers;
      default:
        return std::nullopt;
    }
  }

 private:
  struct block {
    std::uint16_t address;
    std::vector<std::uint16_t> values;
  };
  std::array<std::vector<block>, 4> tables_;
};

/// A decoded value of a point.
struct point_value {
  std::size_t point = 0;  ///< index into the profile's points
  double value = 0;       ///< engineering value (NaN when there is none)
  quality_code quality = quality_code::good;
};

/// A condition a point reports about itself.
struct point_condition {
  std::size_t point = 0;
  alarm::device_condition condition = alarm::device_condition::normal;
};

/// A point's health.
struct point_status {
  std::size_t point = 0;
  alarm::device_status status = alarm::device_status::ok;
};

/// What one decode found, in point order.
struct readings {
  std::vector<point_value> values;          ///< published points only
  std::vector<point_condition> conditions;  ///< points with condition states
  std::vector<point_status> statuses;       ///< targets of statuses and of invalid codes
  void clear() noexcept {
    values.clear();
    conditions.clear();
    statuses.clear();
  }
};

/// A valid profile, ready to read and write devices.
class codec {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// An empty codec (no points); assign() gives it a profile.
  codec() = default;

#if FIREBUS_HAS_EXCEPTIONS
  /// Throws firebus::system_error (errc::invalid_profile, what() naming the path and problem)
  /// if the profile is not valid.
  explicit codec(device_profile p) {
    profile_error err;
    if (!assign(std::move(p), err)) {
      firebus::detail::throw_error(make_error_code(errc::invalid_profile), "profile " + err.what());
    }
  }
#endif

  /// Validates `p` and takes it. On failure returns false, fills `err` and keeps the codec as it
  /// was.
  bool assign(device_profile prof, profile_error& err) {
    if (!validate(prof, err)) return false;
    profile_ = std::move(prof);
    index_.clear();
    links_.assign(profile_.points.size(), link{});
    for (std::size_t i = 0; i < profile_.points.size(); ++i) {
      index_.emplace(profile_.points[i].id, i);
    }
    for (std::size_t i = 0; i < profile_.points.size(); ++i) {
      const point_def& p = profile_.points[i];
      link& l = links_[i];
      if (!p.decimals_from.empty()) l.decimals_from = index_.at(p.decimals_from);
      if (p.has_status_states()) {
        if (p.status_of.empty()) {
          l.status_targets.push_back(i);
        } else {
          for (const std::string& t : p.status_of) l.status_targets.push_back(index_.at(t));
        }
      }
    }
    // Who gives each point a status: itself through invalid codes, and status-state sources.
    for (std::size_t i = 0; i < profile_.points.size(); ++i) {
      if (!profile_.points[i].invalid.empty()) links_[i].status_sources.push_back(i);
    }
    for (std::size_t i = 0; i < profile_.points.size(); ++i) {
      for (std::size_t t : links_[i].status_targets) {
        auto& src = links_[t].status_sources;
        if (std::find(src.begin(), src.end(), i) == src.end()) src.push_back(i);
      }
    }
    return true;
  }

  const device_profile& profile() const noexcept { return profile_; }
  std::size_t size() const noexcept { return profile_.points.size(); }
  const point_def& point(std::size_t i) const { return profile_.points.at(i); }

  /// The index of the point `id`, or npos.
  std::size_t find(std::string_view id) const {
    const auto it = index_.find(std::string(id));
    return it == index_.end() ? npos : it->second;
  }

  /// The points of poll class `c` (effective_poll()).
  std::vector<std::size_t> points(poll_class c) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < profile_.points.size(); ++i) {
      if (effective_poll(profile_.points[i]) == c) out.push_back(i);
    }
    return out;
  }

  /// What must be read to decode `points`: their registers and those of their decimals_from.
  std::vector<modbus::read_item> read_items(const std::vector<std::size_t>& points) const {
    std::vector<modbus::read_item> out;
    std::vector<bool> added(profile_.points.size(), false);
    const auto add = [&](std::size_t i) {
      if (i >= profile_.points.size() || added[i]) return;
      added[i] = true;
      const point_def& p = profile_.points[i];
      out.push_back(modbus::read_item{p.tbl, p.address, p.count()});
    };
    for (std::size_t i : points) {
      add(i);
      if (i < links_.size() && links_[i].decimals_from != npos) add(links_[i].decimals_from);
    }
    return out;
  }
  /// What must be read to decode the points of poll class `c`.
  std::vector<modbus::read_item> read_items(poll_class c) const { return read_items(points(c)); }
  /// What must be read to decode every point.
  std::vector<modbus::read_item> read_items() const {
    std::vector<modbus::read_item> out;
    out.reserve(profile_.points.size());
    for (const point_def& p : profile_.points) {
      out.push_back(modbus::read_item{p.tbl, p.address, p.count()});
    }
    return out;
  }

  /// Decodes every point whose registers are in `image` and appends the readings to `out`.
  void decode(const register_image& image, readings& out) const {
    decode_impl(image, nullptr, out);
  }
  /// Decodes the points `points` (indices; unknown ones are skipped) whose registers are in
  /// `image` and appends the readings to `out`.
  void decode(const register_image& image, const std::vector<std::size_t>& points,
              readings& out) const {
    decode_impl(image, &points, out);
  }

  /// The raw value of point `i` in `image` (for bits, the field; for f32, the float), or
  /// nullopt when its registers were not read.
  std::optional<double> raw(const register_image& image, std::size_t i) const {
    if (i >= profile_.points.size()) return std::nullopt;
    raw_value r;
    if (!read_raw(profile_.points[i], image, r)) return std::nullopt;
    return r.is_float ? r.f : static_cast<double>(r.i);
  }

  /// The requests that write `value` (in the point's unit) to the writable point `i`: the
  /// password first when the setpoint is protected, then the value (FC 5, 6 or 16 as the
  /// profile says). The raw value is rounded to the nearest step of the point's resolution.
  /// `image` gives decimals_from when the point has it. Fails with errc::unknown_point,
  /// not_writable, value_out_of_range (not finite, outside [min, max], or not fitting the
  /// register type), password_required or data_missing; `out` is then unchanged.
  bool encode_write(std::size_t i, double value, std::optional<std::uint32_t> password,
                    const register_image& image, std::vector<modbus::request>& out,
                    std::error_code& ec) const {
    if (i >= profile_.points.size()) {
      ec = make_error_code(errc::unknown_point);
      return false;
    }
    const point_def& p = profile_.points[i];
    if (!p.writable) {
      ec = make_error_code(errc::not_writable);
      return false;
    }
    const writable_rule& w = *p.writable;
    if (!std::isfinite(value) || value < w.min || value > w.max) {
      ec = make_error_code(errc::value_out_of_range);
      return false;
    }
    std::vector<modbus::request> reqs;
    if (w.password) {
      if (!password) {
        ec = make_error_code(errc::password_required);
        return false;
      }
      const password_register& pr = *profile_.modbus.password;
      modbus::request r;
      r.address = pr.address;
      if (pr.type == data_type::u32) {
        r.fn = modbus::function::write_multiple_registers;
        r.quantity = 2;
        r.values = words(*password, pr.words);
      } else {
        if (*password > 0xFFFF) {
          ec = make_error_code(errc::value_out_of_range);
          return false;
        }
        r.fn = modbus::function::write_single_register;
        r.quantity = 1;
        r.values = {static_cast<std::uint16_t>(*password)};
      }
      reqs.push_back(std::move(r));
    }
    modbus::request r;
    r.fn = w.fn;
    r.address = p.address;
    if (!to_registers(i, value, image, r.values, ec)) return false;
    r.quantity = static_cast<std::uint16_t>(r.values.size());
    if (r.fn == modbus::function::write_single_register && r.quantity != 1) {
      r.fn = modbus::function::write_multiple_registers;
    }
    reqs.push_back(std::move(r));
    out.insert(out.end(), reqs.begin(), reqs.end());
    ec.clear();
    return true;
  }

  /// Writes `value` (in the point's unit) into `image` as point `i`'s raw registers or bits:
  /// the inverse of decode(), for simulators and tests. A bit field is merged into its register
  /// as `image` holds it (0 where it holds nothing). No writable range applies; the raw value
  /// must fit the type (errc::value_out_of_range otherwise), and decimals_from must be in
  /// `image` (errc::data_missing).
  bool encode_value(std::size_t i, double value, register_image& image, std::error_code& ec) const {
    if (i >= profile_.points.size()) {
      ec = make_error_code(errc::unknown_point);
      return false;
    }
    const point_def& p = profile_.points[i];
    std::vector<std::uint16_t> regs;
    if (!to_registers(i, value, image, regs, ec)) return false;
    if (p.type == data_type::bits && !modbus::is_bit_table(p.tbl) && p.width < 16) {
      std::uint16_t reg = 0;
      image.get(p.tbl, p.address, 1, &reg);
      if (p.bytes == byte_order::little) reg = swap(reg);
      const auto mask = static_cast<std::uint16_t>(((1u << p.width) - 1u) << p.bit);
      reg = static_cast<std::uint16_t>((reg & ~mask) | ((regs[0] << p.bit) & mask));
      if (p.bytes == byte_order::little) reg = swap(reg);
      regs[0] = reg;
    }
    image.store(p.tbl, p.address, regs);
    ec.clear();
    return true;
  }

  /// The profile's default alarm rules for one device: a point_rule per published point, with
  /// the id `prefix` + point id (e.g. prefix "bus1/dev3/" gives "bus1/dev3/IR1"), its unit,
  /// range, stale timeout and alarms. The result is valid for the alarm engine when the
  /// prefixed ids are valid point ids (alarm::validate tells).
  alarm::rules default_rules(std::string_view prefix = {}) const {
    alarm::rules r;
    append_default_rules(prefix, r);
    return r;
  }
  /// Appends the default point rules of one device to `r` (for a gateway with many devices).
  void append_default_rules(std::string_view prefix, alarm::rules& r) const {
    for (const point_def& p : profile_.points) {
      if (!p.publish) continue;
      alarm::point_rule pr;
      pr.id = std::string(prefix) + p.id;
      pr.unit = p.unit;
      pr.range = p.range;
      pr.stale_s = p.stale_s;
      pr.alarms = p.alarms;
      r.points.push_back(std::move(pr));
    }
  }

 private:
  struct link {
    std::size_t decimals_from = npos;
    std::vector<std::size_t> status_targets;  // points this one's status states apply to
    std::vector<std::size_t> status_sources;  // points that give this one a status
  };
  struct raw_value {
    bool is_float = false;
    std::int64_t i = 0;
    double f = 0;
  };

  static constexpr std::uint16_t swap(std::uint16_t v) noexcept {
    return static_cast<std::uint16_t>((v >> 8) | (v << 8));
  }
  static std::vector<std::uint16_t> words(std::uint32_t v, byte_order order) {
    const auto hi = static_cast<std::uint16_t>(v >> 16);
    const auto lo = static_cast<std::uint16_t>(v & 0xFFFF);
    if (order == byte_order::little) return {lo, hi};
    return {hi, lo};
  }
  static double pow10(int n) noexcept {
    double d = 1;
    for (int k = 0; k < n; ++k) d *= 10;
    return d;
  }

  // The raw registers (or bits, one per element) of `value` for point `i`; for a bit field of
  // less than 16 bits in a register, the field's value alone (not shifted, not byte-swapped).
  bool to_registers(std::size_t i, double value, const register_image& image,
                    std::vector<std::uint16_t>& regs, std::error_code& ec) const {
    const point_def& p = profile_.points[i];
    if (!std::isfinite(value)) {
      ec = make_error_code(errc::value_out_of_range);
      return false;
    }
    if (p.type == data_type::f32) {
      const double raw = (value - p.offset) / p.scale;
      if (!(std::fabs(raw) <= static_cast<double>(std::numeric_limits<float>::max()))) {
        ec = make_error_code(errc::value_out_of_range);
        return false;
      }
      const auto f = static_cast<float>(raw);
      std::uint32_t bits = 0;
      std::memcpy(&bits, &f, sizeof bits);
      regs = words(bits, p.words);
    } else {
      int dec = p.decimals;
      if (links_[i].decimals_from != npos) {
        raw_value d;
        if (!read_raw(profile_.points[links_[i].decimals_from], image, d) || d.i < 0 || d.i > 9) {
          ec = make_error_code(errc::data_missing);
          return false;
        }
        dec = static_cast<int>(d.i);
      }
      const double exact = (value - p.offset) * pow10(dec) / p.scale;
      const double raw = std::nearbyint(exact);
      const std::pair<std::int64_t, std::int64_t> lim = detail::raw_limits(p);
      if (!(raw >= static_cast<double>(lim.first) && raw <= static_cast<double>(lim.second))) {
        ec = make_error_code(errc::value_out_of_range);
        return false;
      }
      const auto iv = static_cast<std::int64_t>(raw);
      if (modbus::is_bit_table(p.tbl)) {
        // A coil's value must be one of its states exactly (0 or 1 after scaling).
        if (raw != exact) {
          ec = make_error_code(errc::value_out_of_range);
          return false;
        }
        regs.assign(p.width, 0);
        for (std::size_t k = 0; k < regs.size(); ++k) regs[k] = ((iv >> k) & 1) != 0 ? 1 : 0;
        return true;
      }
      if (p.count() == 2) {
        regs = words(static_cast<std::uint32_t>(iv), p.words);
      } else {
        regs = {static_cast<std::uint16_t>(iv)};
      }
    }
    if (p.bytes == byte_order::little && !(p.type == data_type::bits && p.width < 16)) {
      for (std::uint16_t& v : regs) v = swap(v);
    }
    return true;
  }

  static bool read_raw(const point_def& p, const register_image& image, raw_value& out) {
    std::array<std::uint16_t, 16> regs{};
    const std::uint16_t n = p.count();
    if (!image.get(p.tbl, p.address, n, regs.data())) return false;
    if (modbus::is_bit_table(p.tbl)) {
      std::int64_t v = 0;
      for (std::uint16_t k = 0; k < n; ++k) {
        if (regs[k] != 0) v |= std::int64_t{1} << k;
      }
      out.i = v;
      return true;
    }
    if (p.bytes == byte_order::little) {
      for (std::uint16_t k = 0; k < n; ++k) regs[k] = swap(regs[k]);
    }
    std::uint32_t w = regs[0];
    if (n == 2) {
      w = p.words == byte_order::big ? (std::uint32_t{regs[0]} << 16) | regs[1]
                                     : (std::uint32_t{regs[1]} << 16) | regs[0];
    }
    switch (p.type) {
      case data_type::u16:
      case data_type::u32:
        out.i = w;
        break;
      case data_type::i16:
        out.i = static_cast<std::int16_t>(static_cast<std::uint16_t>(w));
        break;
      case data_type::i32:
        out.i = static_cast<std::int32_t>(w);
        break;
      case data_type::bits:
        out.i = (w >> p.bit) & ((std::uint32_t{1} << p.width) - 1);
        break;
      case data_type::f32: {
        float f = 0;
        std::memcpy(&f, &w, sizeof f);
        out.is_float = true;
        out.f = f;
        break;
      }
    }
    return true;
  }

  static quality_code quality_of(state s) noexcept {
    switch (s) {
      case state::open_circuit:
        return quality_code::bad_open_circuit;
      case state::short_circuit:
        return quality_code::bad_short_circuit;
      default:
        return quality_code::bad_device_fault;
    }
  }

  void decode_impl(const register_image& image, const std::vector<std::size_t>* only,
                   readings& out) const {
    const std::size_t n = profile_.points.size();
    // Targets whose status a decoded source touched.
    std::vector<bool> touched(n, false);
    const auto one = [&](std::size_t i) {
      const point_def& p = profile_.points[i];
      raw_value raw;
      if (!read_raw(p, image, raw)) return;
      // Invalid codes.
      if (!raw.is_float && !p.invalid.empty()) {
        const invalid_code* hit = nullptr;
        for (const invalid_code& c : p.invalid) {
          if (c.raw == raw.i) hit = &c;
        }
        touched[i] = true;
        if (hit != nullptr) {
          if (p.publish) {
            out.values.push_back(
                point_value{i, std::numeric_limits<double>::quiet_NaN(), quality_of(hit->status)});
          }
          return;
        }
      }
      // States.
      if (!p.states.empty()) {
        std::optional<state> meaning;
        for (const state_code& c : p.states) {
          if (c.value == raw.i) meaning = c.meaning;
        }
        if (!meaning) meaning = p.default_state;
        if (p.has_condition_states()) {
          const alarm::device_condition c = meaning && is_condition(*meaning)
                                                ? to_condition(*meaning)
                                                : alarm::device_condition::normal;
          out.conditions.push_back(point_condition{i, c});
        }
        for (std::size_t t : links_[i].status_targets) touched[t] = true;
      }
      if (!p.publish) return;
      point_value v{i, 0, quality_code::good};
      if (raw.is_float) {
        v.value = raw.f * p.scale + p.offset;
        if (!std::isfinite(raw.f)) {
          v.value = std::numeric_limits<double>::quiet_NaN();
          v.quality = quality_code::bad_invalid_value;
        }
      } else {
        int dec = p.decimals;
        if (links_[i].decimals_from != npos) {
          raw_value d;
          if (!read_raw(profile_.points[links_[i].decimals_from], image, d) || d.i < 0 || d.i > 9) {
            out.values.push_back(point_value{i, std::numeric_limits<double>::quiet_NaN(),
                                             quality_code::bad_config_error});
            return;
          }
          dec = static_cast<int>(d.i);
        }
        v.value = static_cast<double>(raw.i) * p.scale / pow10(dec) + p.offset;
      }
      if (v.quality == quality_code::good && p.range) {
        if (v.value < p.range->first) v.quality = quality_code::bad_under_range;
        if (v.value > p.range->second) v.quality = quality_code::bad_over_range;
      }
      out.values.push_back(v);
    };
    if (only == nullptr) {
      for (std::size_t i = 0; i < n; ++i) one(i);
    } else {
      std::vector<bool> wanted(n, false);
      for (std::size_t i : *only) {
        if (i < n) wanted[i] = true;
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (wanted[i]) one(i);
      }
    }
    // A touched target's status is the worst (ok < fault < open < short, the order of
    // alarm::device_status) of all its sources that can be read, decoded now or not. When a
    // source cannot be read (not read yet, or its read failed) and the others say ok, the
    // status is unknown and not reported: missing data must not clear a fault.
    for (std::size_t t = 0; t < n; ++t) {
      if (!touched[t]) continue;
      alarm::device_status worst = alarm::device_status::ok;
      bool unknown = false;
      for (std::size_t src : links_[t].status_sources) {
        const std::optional<alarm::device_status> st = source_status(src, t, image);
        if (!st) {
          unknown = true;
        } else if (*st > worst) {
          worst = *st;
        }
      }
      if (unknown && worst == alarm::device_status::ok) continue;
      out.statuses.push_back(point_status{t, worst});
    }
  }

  // The status `src` gives `t` per `image` (nullopt when it cannot be read).
  std::optional<alarm::device_status> source_status(std::size_t src, std::size_t t,
                                                    const register_image& image) const {
    const point_def& p = profile_.points[src];
    raw_value raw;
    if (!read_raw(p, image, raw)) return std::nullopt;
    if (raw.is_float) return alarm::device_status::ok;
    for (const invalid_code& c : p.invalid) {
      if (c.raw == raw.i) return src == t ? to_status(c.status) : alarm::device_status::ok;
    }
    const auto& targets = links_[src].status_targets;
    if (std::find(targets.begin(), targets.end(), t) == targets.end()) {
      return alarm::device_status::ok;
    }
    std::optional<state> meaning;
    for (const state_code& c : p.states) {
      if (c.value == raw.i) meaning = c.meaning;
    }
    if (!meaning) meaning = p.default_state;
    return meaning && !is_condition(*meaning) ? to_status(*meaning) : alarm::device_status::ok;
  }

  device_profile profile_;
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<link> links_;
};

}  // namespace profile
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_PROFILE_CODEC_HPP
