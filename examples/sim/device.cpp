// firebus — fire-safety IoT SDK.
//
// firebus-sim: a simulated device's registers. The libmodbus mapping is what clients read and
// write; the profile codec turns engineering values into registers (encode_value) and back.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

#include <firebus/profile/error.hpp>

#include "sim.hpp"

namespace firebus_sim {

namespace mb = firebus::modbus;
namespace pf = firebus::profile;

device::~device() {
  if (map != nullptr) modbus_mapping_free(map);
}

std::uint16_t* device::regs(mb::table t) const {
  if (t == mb::table::holding_registers) return map->tab_registers;
  if (t == mb::table::input_registers) return map->tab_input_registers;
  return nullptr;
}

std::uint8_t* device::bits(mb::table t) const {
  if (t == mb::table::coils) return map->tab_bits;
  if (t == mb::table::discrete_inputs) return map->tab_input_bits;
  return nullptr;
}

int device::size(mb::table t) const {
  switch (t) {
    case mb::table::coils:
      return map->nb_bits;
    case mb::table::discrete_inputs:
      return map->nb_input_bits;
    case mb::table::holding_registers:
      return map->nb_registers;
    case mb::table::input_registers:
      return map->nb_input_registers;
  }
  return 0;
}

namespace {
// The raw code a point with states starts at: 0, unless 0 means something else than normal or
// ok (a gas detector's mode 0 = fault): then the lowest code that means normal or ok.
std::int64_t quiet_code(const pf::point_def& p) {
  const auto quiet = [](pf::state s) { return s == pf::state::normal || s == pf::state::ok; };
  bool zero_quiet = !p.default_state || quiet(*p.default_state);
  std::optional<std::int64_t> lowest;
  for (const pf::state_code& c : p.states) {
    if (c.value == 0) zero_quiet = quiet(c.meaning);
    if (quiet(c.meaning) && (!lowest || c.value < *lowest)) lowest = c.value;
  }
  return zero_quiet || !lowest ? 0 : *lowest;
}
}  // namespace

void device::init() {
  std::array<int, 4> n{};
  for (const pf::point_def& p : codec.profile().points) {
    const auto t = static_cast<std::size_t>(p.tbl);
    n[t] = std::max(n[t], int{p.address} + int{p.count()});
  }
  for (std::size_t t = 0; t < 4; ++t) used[t].assign(static_cast<std::size_t>(n[t]), false);
  for (const pf::point_def& p : codec.profile().points) {
    for (std::uint16_t k = 0; k < p.count(); ++k) {
      used[static_cast<std::size_t>(p.tbl)][std::size_t{p.address} + k] = true;
    }
  }
  // Table order of firebus::modbus::table: coils, discrete inputs, holding, input registers.
  map = modbus_mapping_new_start_address(
      0, static_cast<unsigned>(n[0]), 0, static_cast<unsigned>(n[1]), 0,
      static_cast<unsigned>(n[2]), 0, static_cast<unsigned>(n[3]));
  if (map == nullptr) throw config_error(name + ": cannot allocate the register mapping");
  // Start values: the sources of decimals_from first, so that the others can be encoded.
  std::string why;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < codec.size(); ++i) {
      const pf::point_def& p = codec.point(i);
      if (p.decimals_from.empty() != (pass == 0)) continue;
      const std::int64_t code = p.range ? 0 : quiet_code(p);
      if (code != 0) {
        set_raw(i, static_cast<double>(code), why);
      } else if (const double start = p.range ? p.range->first : 0.0; !set(i, start, why)) {
        set(i, 0.0, why);
      }
    }
  }
}

void device::load(pf::register_image& img, std::size_t i) const {
  const auto one = [&](const pf::point_def& p) {
    std::array<std::uint16_t, 16> v{};
    const std::size_t n = std::min<std::size_t>(p.count(), v.size());
    if (int{p.address} + static_cast<int>(n) > size(p.tbl)) return;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t a = std::size_t{p.address} + k;
      if (const std::uint16_t* r = regs(p.tbl)) {
        v[k] = r[a];
      } else {
        v[k] = bits(p.tbl)[a] != 0 ? 1 : 0;
      }
    }
    img.store(p.tbl, p.address, v.data(), n);
  };
  const pf::point_def& p = codec.point(i);
  one(p);
  if (!p.decimals_from.empty()) {
    const std::size_t d = codec.find(p.decimals_from);
    if (d != pf::codec::npos) one(codec.point(d));
  }
}

namespace {
// Why the codec cannot encode a value. Its value_out_of_range also covers writable limits, which
// do not apply here: what is out of range is the raw value for the point's type.
std::string encode_error(const std::error_code& ec) {
  if (ec == pf::errc::value_out_of_range) return "the raw value does not fit the point's type";
  return ec.message();
}
}  // namespace

bool device::set(std::size_t i, double value, std::string& why) {
  if (i >= codec.size()) {
    why = "no such point";
    return false;
  }
  const pf::point_def& p = codec.point(i);
  pf::register_image img;
  load(img, i);
  std::error_code ec;
  if (!codec.encode_value(i, value, img, ec)) {
    why = encode_error(ec);
    return false;
  }
  std::array<std::uint16_t, 16> v{};
  const std::size_t n = std::min<std::size_t>(p.count(), v.size());
  if (!img.get(p.tbl, p.address, n, v.data()) ||
      int{p.address} + static_cast<int>(n) > size(p.tbl)) {
    why = "registers outside the mapping";
    return false;
  }
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t a = std::size_t{p.address} + k;
    if (std::uint16_t* r = regs(p.tbl)) {
      r[a] = v[k];
    } else {
      bits(p.tbl)[a] = v[k] != 0 ? 1 : 0;
    }
  }
  return true;
}

namespace {
double pow10(int n) {
  double d = 1;
  for (int k = 0; k < n; ++k) d *= 10;
  return d;
}
}  // namespace

// The decimals of point i now (its own, or its decimals_from's raw value).
static int decimals_of(const pf::codec& c, const pf::register_image& img, std::size_t i) {
  const pf::point_def& p = c.point(i);
  if (p.decimals_from.empty()) return p.decimals;
  const std::optional<double> d = c.raw(img, c.find(p.decimals_from));
  if (!d || *d < 0 || *d > 9) return 0;
  return static_cast<int>(*d);
}

// The engineering value of raw value `raw` of point i, with the decimals the registers in `img`
// give it.
static double from_raw(const pf::codec& c, const pf::register_image& img, std::size_t i,
                       double raw) {
  const pf::point_def& p = c.point(i);
  if (p.type == pf::data_type::f32) return raw * p.scale + p.offset;
  return raw * p.scale / pow10(decimals_of(c, img, i)) + p.offset;
}

bool device::set_raw(std::size_t i, double raw, std::string& why) {
  if (i >= codec.size()) {
    why = "no such point";
    return false;
  }
  pf::register_image img;
  load(img, i);
  return set(i, from_raw(codec, img, i, raw), why);
}

bool device::can_set(std::size_t i, double value, bool raw, std::string& why) const {
  if (i >= codec.size()) {
    why = "no such point";
    return false;
  }
  pf::register_image img;
  load(img, i);
  if (raw) value = from_raw(codec, img, i, value);
  std::error_code ec;
  if (!codec.encode_value(i, value, img, ec)) {
    why = encode_error(ec);
    return false;
  }
  return true;
}

std::optional<double> device::get(std::size_t i) const {
  if (i >= codec.size()) return std::nullopt;
  const pf::point_def& p = codec.point(i);
  pf::register_image img;
  load(img, i);
  const std::optional<double> raw = codec.raw(img, i);
  if (!raw) return std::nullopt;
  if (p.type == pf::data_type::f32) return *raw * p.scale + p.offset;
  return *raw * p.scale / pow10(decimals_of(codec, img, i)) + p.offset;
}

bool device::covered(mb::table t, std::uint32_t address, std::uint32_t n) const {
  const std::vector<bool>& u = used[static_cast<std::size_t>(t)];
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::size_t a = std::size_t{address} + k;
    if (a >= u.size() || !u[a]) return false;
  }
  return true;
}

mb::line_timing line_format::timing() const {
  mb::line_timing l;
  l.baud = baud;
  l.bits_per_char = static_cast<std::uint8_t>(1 + data_bits + (parity == 'N' ? 0 : 1) + stop_bits);
  l.turnaround = firebus::duration(static_cast<std::int64_t>(std::llround(turnaround_ms * 1000)));
  return l;
}

}  // namespace firebus_sim
