// firebus — fire-safety IoT SDK.
//
// Device profiles as JSON (<firebus/profile_json.hpp>): the document is read with every key and
// type checked, per-loop arrays are expanded into concrete points, and
// firebus::profile::validate checks the rest. Problems found after expansion are mapped back
// to the JSON path of the point they came from, with the loop number.
#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <firebus/profile/profile.hpp>
#include <firebus/profile_json.hpp>

#include "json_reader.hpp"

namespace firebus {
inline namespace v1 {
namespace profile {
namespace {

using json = nlohmann::json;
using firebus::detail::json_io::index;
using firebus::detail::json_io::join;
using firebus::detail::json_io::json_quoted;

// Where an expanded point came from.
struct origin {
  std::size_t json_index;  // index in the document's `points`
  int loop;                // 0 when not repeated
};

// Replaces every "{n}" of `s` by `n`.
std::string substitute(std::string s, int n) {
  const std::string num = std::to_string(n);
  for (std::size_t at = s.find("{n}"); at != std::string::npos; at = s.find("{n}", at)) {
    s.replace(at, 3, num);
    at += num.size();
  }
  return s;
}

struct repeat_rule {
  int count = 1;
  std::int64_t first = 1;
  std::int64_t stride = 1;
  std::int64_t bit_stride = 0;
};

class reader : public firebus::detail::json_io::reader<profile_error> {
 public:
  using base = firebus::detail::json_io::reader<profile_error>;
  using base::base;

  // An integer in [lo, hi] (JSON Schema integers: 3.0 counts as 3).
  bool integer(const json& obj, const std::string& path, std::string_view key, std::int64_t& out,
               std::int64_t lo, std::int64_t hi) {
    const json* v = member(obj, key);
    if (v == nullptr) return true;
    const std::string at = join(path, key);
    const std::string what = "an integer " + std::to_string(lo) + ".." + std::to_string(hi);
    if (v->is_number_unsigned()) {
      const auto u = v->get<json::number_unsigned_t>();
      if (u > static_cast<json::number_unsigned_t>(hi)) return expected(at, what, *v);
      out = static_cast<std::int64_t>(u);
    } else if (v->is_number_integer()) {
      out = v->get<std::int64_t>();
    } else if (v->is_number_float()) {
      const double d = v->get<double>();
      if (d != std::floor(d) || d < -9.2e18 || d > 9.2e18) return expected(at, what, *v);
      out = static_cast<std::int64_t>(d);
    } else {
      return expected(at, what, *v);
    }
    if (out < lo || out > hi) return expected(at, what, *v);
    return true;
  }
  template <class T>
  bool integer_as(const json& obj, const std::string& path, std::string_view key, T& out,
                  std::int64_t lo, std::int64_t hi) {
    std::int64_t v = static_cast<std::int64_t>(out);
    if (!integer(obj, path, key, v, lo, hi)) return false;
    out = static_cast<T>(v);
    return true;
  }

  bool finite(const json& obj, const std::string& path, std::string_view key, double& out,
              std::string_view what = "a finite number") {
    return number(obj, path, key, out, what);
  }

  bool state_name(const json& obj, const std::string& path, std::string_view key, state& out,
                  std::initializer_list<state> allowed) {
    return name(obj, path, key, detail::state_names, allowed, out);
  }

  bool read_source(const json& v, source_info& s) {
    const std::string at = "source";
    return object(v, at, {"title", "url", "section", "retrieved", "notes"}, {"title"}) &&
           string(v, at, "title", s.title) && string(v, at, "url", s.url) &&
           string(v, at, "section", s.section) && string(v, at, "retrieved", s.retrieved) &&
           string(v, at, "notes", s.notes);
  }

  bool read_modbus(const json& v, modbus_settings& m, byte_order& bytes, byte_order& words) {
    const std::string at = "modbus";
    if (!object(v, at,
                {"transports", "serial", "unit_id", "max_registers_per_read", "max_bits_per_read",
                 "read_across_gaps", "byte_order", "word_order", "password"},
                {})) {
      return false;
    }
    if (member(v, "transports") != nullptr) {
      m.transports.clear();
      if (!ids(v, at, "transports", m.transports)) return false;
    }
    if (const json* s = member(v, "serial")) {
      const std::string sat = join(at, "serial");
      if (!object(*s, sat, {"baud", "parity", "data_bits", "stop_bits"}, {}) ||
          !integer_as(*s, sat, "baud", m.serial.baud, 300, 1'000'000) ||
          !name(*s, sat, "parity", detail::parity_names, {parity::none, parity::even, parity::odd},
                m.serial.parity) ||
          !integer_as(*s, sat, "data_bits", m.serial.data_bits, 7, 8) ||
          !integer_as(*s, sat, "stop_bits", m.serial.stop_bits, 1, 2)) {
        return false;
      }
    }
    if (!integer_as(v, at, "unit_id", m.unit_id, 1, 247) ||
        !integer_as(v, at, "max_registers_per_read", m.limits.max_registers, 1,
                    modbus::max_read_registers) ||
        !integer_as(v, at, "max_bits_per_read", m.limits.max_bits, 1, modbus::max_read_bits) ||
        !boolean(v, at, "read_across_gaps", m.limits.read_gaps) ||
        !name(v, at, "byte_order", detail::byte_order_names, {byte_order::big, byte_order::little},
              bytes) ||
        !name(v, at, "word_order", detail::byte_order_names, {byte_order::big, byte_order::little},
              words)) {
      return false;
    }
    if (const json* p = member(v, "password")) {
      const std::string pat = join(at, "password");
      password_register pr;
      modbus::table tbl = modbus::table::holding_registers;
      if (!object(*p, pat, {"table", "address", "type"}, {"address"}) ||
          !name(*p, pat, "table", detail::table_names, {modbus::table::holding_registers}, tbl) ||
          !integer_as(*p, pat, "address", pr.address, 0, 0xFFFF) ||
          !name(*p, pat, "type", detail::data_type_names, {data_type::u16, data_type::u32},
                pr.type)) {
        return false;
      }
      m.password = pr;
    }
    if (m.password) m.password->words = words;
    return true;
  }

  // One point object, before expansion (ids may hold "{n}").
  bool read_point(const json& v, const std::string& at, point_def& p,
                  std::optional<repeat_rule>& rep) {
    if (!object(v, at, {"id",     "name",     "table",         "address",       "type",
                        "bit",    "width",    "byte_order",    "word_order",    "scale",
                        "offset", "decimals", "decimals_from", "unit",          "quantity",
                        "range",  "invalid",  "states",        "default_state", "status_of",
                        "repeat", "publish",  "poll",          "writable",      "stale_s",
                        "alarms"},
                {"id", "table", "address", "type"}) ||
        !string(v, at, "id", p.id) || !string(v, at, "name", p.name) ||
        !name(v, at, "table", detail::table_names,
              {modbus::table::holding_registers, modbus::table::input_registers,
               modbus::table::coils, modbus::table::discrete_inputs},
              p.tbl) ||
        !integer_as(v, at, "address", p.address, 0, 0xFFFF) ||
        !name(v, at, "type", detail::data_type_names,
              {data_type::u16, data_type::i16, data_type::u32, data_type::i32, data_type::f32,
               data_type::bits},
              p.type) ||
        !integer_as(v, at, "bit", p.bit, 0, 15) || !integer_as(v, at, "width", p.width, 1, 16) ||
        !name(v, at, "byte_order", detail::byte_order_names, {byte_order::big, byte_order::little},
              p.bytes) ||
        !name(v, at, "word_order", detail::byte_order_names, {byte_order::big, byte_order::little},
              p.words) ||
        !finite(v, at, "scale", p.scale, "a finite number other than 0") ||
        !finite(v, at, "offset", p.offset) || !integer_as(v, at, "decimals", p.decimals, 0, 9) ||
        !string(v, at, "decimals_from", p.decimals_from) || !string(v, at, "unit", p.unit) ||
        !string(v, at, "quantity", p.quantity) ||
        !pair(v, at, "range", "an array of two numbers [lo, hi]", p.range) ||
        !ids(v, at, "status_of", p.status_of) || !boolean(v, at, "publish", p.publish) ||
        !seconds(v, at, "stale_s", p.stale_s)) {
      return false;
    }
    if (const json* d = member(v, "decimals_from"); d != nullptr && p.decimals_from.empty()) {
      return expected(join(at, "decimals_from"), "a point id (a non-empty string)", *d);
    }
    if (member(v, "poll") != nullptr) {
      poll_class c = poll_class::measurement;
      if (!name(v, at, "poll", detail::poll_class_names,
                {poll_class::alarm, poll_class::measurement, poll_class::config}, c)) {
        return false;
      }
      p.poll = c;
    }
    if (!array(v, at, "invalid", [&](const json& e, const std::string& eat) {
          invalid_code c;
          if (!object(e, eat, {"raw", "status"}, {"raw", "status"}) ||
              !integer(e, eat, "raw", c.raw, -0x80000000LL, 0xFFFFFFFFLL) ||
              !state_name(e, eat, "status", c.status,
                          {state::fault, state::open_circuit, state::short_circuit})) {
            return false;
          }
          p.invalid.push_back(c);
          return true;
        })) {
      return false;
    }
    const std::initializer_list<state> all_states = {
        state::normal, state::fire,  state::pre_alarm,    state::active,
        state::ok,     state::fault, state::open_circuit, state::short_circuit};
    if (!array(v, at, "states", [&](const json& e, const std::string& eat) {
          state_code c;
          if (!object(e, eat, {"value", "state"}, {"value", "state"}) ||
              !integer(e, eat, "value", c.value, -0x80000000LL, 0xFFFFFFFFLL) ||
              !state_name(e, eat, "state", c.meaning, all_states)) {
            return false;
          }
          p.states.push_back(c);
          return true;
        })) {
      return false;
    }
    if (member(v, "default_state") != nullptr) {
      state s = state::normal;
      if (!state_name(v, at, "default_state", s, all_states)) return false;
      p.default_state = s;
    }
    if (const json* w = member(v, "writable")) {
      const std::string wat = join(at, "writable");
      writable_rule wr;
      wr.fn = p.tbl == modbus::table::coils ? modbus::function::write_single_coil
              : p.count() == 2              ? modbus::function::write_multiple_registers
                                            : modbus::function::write_single_register;
      std::int64_t fn = static_cast<std::int64_t>(wr.fn);
      if (!object(*w, wat, {"min", "max", "password", "function"}, {"min", "max"}) ||
          !finite(*w, wat, "min", wr.min) || !finite(*w, wat, "max", wr.max) ||
          !boolean(*w, wat, "password", wr.password) || !integer(*w, wat, "function", fn, 5, 16)) {
        return false;
      }
      if (fn != 5 && fn != 6 && fn != 16) {
        return expected(join(wat, "function"), "5, 6 or 16", (*w)["function"]);
      }
      wr.fn = static_cast<modbus::function>(fn);
      p.writable = wr;
    }
    if (const json* r = member(v, "repeat")) {
      const std::string rat = join(at, "repeat");
      repeat_rule rr;
      if (!object(*r, rat, {"count", "first", "stride", "bit_stride"}, {"count"}) ||
          !integer_as(*r, rat, "count", rr.count, 1, 256) ||
          !integer(*r, rat, "first", rr.first, 0, 65535) ||
          !integer(*r, rat, "stride", rr.stride, -65535, 65535) ||
          !integer(*r, rat, "bit_stride", rr.bit_stride, -15, 15)) {
        return false;
      }
      rep = rr;
    }
    return array(v, at, "alarms", [&](const json& a, const std::string& aat) {
      p.alarms.emplace_back();
      return read_alarm(a, aat, p.alarms.back());
    });
  }

  bool read(const json& doc, device_profile& out, std::vector<origin>& origins) {
    const std::string top;
    if (!object(doc, top,
                {"$schema", "version", "id", "revision", "vendor", "model", "kind", "description",
                 "source", "modbus", "points"},
                {"version", "id", "vendor", "model", "source", "points"})) {
      return false;
    }
    if (const json* s = member(doc, "$schema"); s != nullptr && !s->is_string()) {
      return expected("$schema", "a string", *s);
    }
    const json& ver = *member(doc, "version");
    if (!ver.is_number() || ver.get<double>() != profile_version) {
      return expected("version", std::to_string(profile_version), ver);
    }
    out.version = profile_version;
    byte_order bytes = byte_order::big;
    byte_order words = byte_order::big;
    if (!string(doc, top, "id", out.id) ||
        !integer_as(doc, top, "revision", out.revision, 1, 1'000'000) ||
        !string(doc, top, "vendor", out.vendor) || !string(doc, top, "model", out.model) ||
        !string(doc, top, "kind", out.kind) || !string(doc, top, "description", out.description) ||
        !read_source(*member(doc, "source"), out.source)) {
      return false;
    }
    if (const json* m = member(doc, "modbus")) {
      if (!read_modbus(*m, out.modbus, bytes, words)) return false;
    }
    const json& pts = *member(doc, "points");
    if (!pts.is_array()) return expected("points", "an array of points", pts);
    for (std::size_t j = 0; j < pts.size(); ++j) {
      const std::string at = index("points", j);
      const json& pv = pts[j];
      point_def p;
      // Defaults from `modbus`, before the point's own keys.
      p.bytes = bytes;
      p.words = words;
      std::optional<repeat_rule> rep;
      if (!read_point(pv, at, p, rep)) return false;
      const bool templated = p.id.find("{n}") != std::string::npos;
      if (!rep) {
        if (templated) {
          return fail(join(at, "id"), "{n} is replaced only in points with `repeat`");
        }
        origins.push_back(origin{j, 0});
        out.points.push_back(std::move(p));
      } else {
        if (!templated) {
          return fail(join(at, "id"), "a repeated point's id needs {n} (the loop number)");
        }
        for (int k = 0; k < rep->count; ++k) {
          const int n = static_cast<int>(rep->first) + k;
          point_def q = p;
          q.loop = n;
          q.id = substitute(p.id, n);
          q.name = substitute(p.name, n);
          q.decimals_from = substitute(p.decimals_from, n);
          for (std::string& t : q.status_of) t = substitute(t, n);
          const std::int64_t addr = std::int64_t{p.address} + std::int64_t{k} * rep->stride;
          if (addr < 0 || addr > 0xFFFF) {
            return fail(join(at, "repeat"), "loop " + std::to_string(n) + "'s address " +
                                                std::to_string(addr) + " is outside 0..65535");
          }
          const std::int64_t bit = std::int64_t{p.bit} + std::int64_t{k} * rep->bit_stride;
          if (bit < 0 || bit > 15) {
            return fail(join(at, "repeat"), "loop " + std::to_string(n) + "'s bit " +
                                                std::to_string(bit) +
                                                " is outside its register (0..15)");
          }
          q.address = static_cast<std::uint16_t>(addr);
          q.bit = static_cast<std::uint8_t>(bit);
          if (out.points.size() >= max_points) {
            return fail("points", "more than " + std::to_string(max_points) +
                                      " points after expanding `repeat`");
          }
          origins.push_back(origin{j, n});
          out.points.push_back(std::move(q));
        }
      }
    }
    return true;
  }
};

// Maps "points[i]..." of an expanded profile back to the document's point.
void map_back(profile_error& err, const std::vector<origin>& origins) {
  const std::string prefix = "points[";
  if (err.path.compare(0, prefix.size(), prefix) != 0) return;
  const std::size_t close = err.path.find(']');
  if (close == std::string::npos) return;
  const std::string digits = err.path.substr(prefix.size(), close - prefix.size());
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return;
  const std::size_t i = std::stoul(digits);
  if (i >= origins.size()) return;
  err.path = prefix + std::to_string(origins[i].json_index) + err.path.substr(close);
  if (origins[i].loop != 0) err.message += " (loop " + std::to_string(origins[i].loop) + ")";
}

}  // namespace

bool parse_profile(std::string_view text, device_profile& out, std::error_code& ec,
                   profile_error& err) {
  ec = make_error_code(errc::invalid_profile);
  if (text.size() > max_profile_size) {
    err.path.clear();
    err.message = "larger than 16 MiB (" + std::to_string(text.size()) + " bytes)";
    return false;
  }
  json doc;
  if (!firebus::detail::json_io::parse_document(text, doc, err.path, err.message)) return false;
  device_profile p;
  std::vector<origin> origins;
  reader rd(err);
  if (!rd.read(doc, p, origins)) return false;
  if (!validate(p, err)) {
    map_back(err, origins);
    return false;
  }
  out = std::move(p);
  ec.clear();
  return true;
}

bool load_profile(const std::string& path, device_profile& out, std::error_code& ec,
                  profile_error& err) {
  std::string text;
  if (!firebus::detail::json_io::read_text_file(path, max_profile_size, text, ec, err.message)) {
    err.path.clear();
    return false;
  }
  return parse_profile(text, out, ec, err);
}

std::vector<std::string> profile_files(const std::string& directory) {
  std::vector<std::string> out;
  DIR* d = ::opendir(directory.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name[0] != '.') {
      out.push_back(directory + (directory.empty() || directory.back() == '/' ? "" : "/") + name);
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace profile
}  // namespace v1
}  // namespace firebus
