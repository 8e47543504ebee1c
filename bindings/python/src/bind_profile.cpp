// firebus — fire-safety IoT SDK.
//
// firebus._firebus.profile: device profiles (include/firebus/profile/profile.hpp), their JSON
// loader (include/firebus/profile_json.hpp) and the codec (include/firebus/profile/codec.hpp)
// that gives a device's read items, decodes the registers read into readings and encodes
// setpoint writes.
//
// Profile and PointDef are read-only views: a profile is valid as a whole (the loader checked
// it), so Python does not edit it piecewise. A Codec keeps its own copy of the profile it was
// made from, and is held by std::shared_ptr (a firebus.modbus.TcpBus shares it). Points are named
// by index or by id; readings name them by id.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/alarm/types.hpp>
#include <firebus/alarm_json.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile/error.hpp>
#include <firebus/profile/profile.hpp>
#include <firebus/profile_json.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "core_enums.hpp"
#include "shared_enums.hpp"

FIREBUS_PY_ENUM(firebus::profile::data_type, ProfileDataType, "firebus._firebus.profile.DataType")
FIREBUS_PY_ENUM(firebus::profile::byte_order, ProfileByteOrder,
                "firebus._firebus.profile.ByteOrder")
FIREBUS_PY_ENUM(firebus::profile::poll_class, ProfilePollClass,
                "firebus._firebus.profile.PollClass")
FIREBUS_PY_ENUM(firebus::profile::state, ProfileState, "firebus._firebus.profile.State")
FIREBUS_PY_ENUM(firebus::profile::parity, ProfileParity, "firebus._firebus.profile.Parity")
FIREBUS_PY_ENUM(firebus::profile::errc, ProfileErrc, "firebus._firebus.profile.Errc")
namespace firebus_py {

// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace profile_detail {
namespace {

namespace prof = firebus::profile;
namespace mb = firebus::modbus;
namespace alarm = firebus::alarm;

constexpr const char* module_name = "firebus.profile";

struct rules_tag {
  static constexpr auto name = py::detail::const_name("firebus._firebus.alarm.Rules");
};
struct response_tag {
  static constexpr auto name = py::detail::const_name("firebus._firebus.modbus.Response");
};

// A point named by its index or its id.
using point_ref = std::variant<std::size_t, std::string>;

// The shortest text that reads back to the same double (18, 0.5, 1e-06).
std::string number_text(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string quoted(std::string_view s) {
  return py::repr(py::str(std::string(s))).cast<std::string>();
}

std::string type_name(const py::handle& h) {
  return py::str(py::type::handle_of(h).attr("__name__")).cast<std::string>();
}

// `s` with invalid UTF-8 replaced by U+FFFD: the loader's messages quote the input (a syntax
// error's "last read" bytes), which need not be UTF-8, and a Python message must be.
std::string utf8(const std::string& s) {
  PyObject* u = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (u == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(u).cast<std::string>();
}

[[noreturn]] void fail(prof::errc e, const std::string& context) {
  raise(make_error_code(e), context);
}

// The index of a point reference; ProfileError (Errc.unknown_point) when there is none.
std::size_t index_of(const prof::codec& c, const point_ref& ref) {
  if (const auto* i = std::get_if<std::size_t>(&ref)) {
    if (*i >= c.size()) {
      fail(prof::errc::unknown_point, "point index " + std::to_string(*i) + " (the profile has " +
                                          std::to_string(c.size()) + " points)");
    }
    return *i;
  }
  const std::string& id = std::get<std::string>(ref);
  const std::size_t i = c.find(id);
  if (i == prof::codec::npos) fail(prof::errc::unknown_point, "point " + quoted(id));
  return i;
}

std::vector<std::size_t> indices_of(const prof::codec& c, const std::vector<point_ref>& refs) {
  std::vector<std::size_t> out;
  out.reserve(refs.size());
  for (const point_ref& r : refs) out.push_back(index_of(c, r));
  return out;
}

// --- loading

prof::device_profile parse_text(const std::string& text, const std::string& name) {
  prof::device_profile p;
  std::error_code ec;
  prof::profile_error err;
  bool ok = false;
  {
    py::gil_scoped_release release;
    ok = prof::parse_profile(text, p, ec, err);
  }
  if (!ok) raise(ec, utf8(name + ": " + err.what()));
  return p;
}

prof::device_profile load_file(const std::string& path) {
  prof::device_profile p;
  std::error_code ec;
  prof::profile_error err;
  bool ok = false;
  {
    py::gil_scoped_release release;
    ok = prof::load_profile(path, p, ec, err);
  }
  if (!ok) {
    const std::string what = err.what();
    raise(ec, utf8(what.empty() ? path : path + ": " + what));
  }
  return p;
}

// --- readings

struct py_readings {
  std::vector<std::tuple<std::string, double, firebus::quality_code>> values;
  std::vector<std::pair<std::string, alarm::device_condition>> conditions;
  std::vector<std::pair<std::string, alarm::device_status>> statuses;
};

py_readings to_py(const prof::codec& c, const prof::readings& r) {
  py_readings out;
  out.values.reserve(r.values.size());
  for (const prof::point_value& v : r.values) {
    out.values.emplace_back(c.point(v.point).id, v.value, v.quality);
  }
  for (const prof::point_condition& v : r.conditions) {
    out.conditions.emplace_back(c.point(v.point).id, v.condition);
  }
  for (const prof::point_status& v : r.statuses) {
    out.statuses.emplace_back(c.point(v.point).id, v.status);
  }
  return out;
}

// --- reprs

std::string table_text(mb::table t) {
  switch (t) {
    case mb::table::coils:
      return "Table.coils";
    case mb::table::discrete_inputs:
      return "Table.discrete_inputs";
    case mb::table::input_registers:
      return "Table.input_registers";
    case mb::table::holding_registers:
      break;
  }
  return "Table.holding_registers";
}

std::string point_repr(const prof::point_def& p) {
  std::string s = "PointDef(id=" + quoted(p.id) + ", table=" + table_text(p.tbl) +
                  ", address=" + std::to_string(p.address) + ", type=DataType." +
                  std::string(prof::to_string(p.type));
  if (p.type == prof::data_type::bits) {
    s += ", bit=" + std::to_string(p.bit) + ", width=" + std::to_string(p.width);
  }
  if (!p.unit.empty()) s += ", unit=" + quoted(p.unit);
  return s + ")";
}

std::string profile_repr(const prof::device_profile& p) {
  return "<Profile " + p.id + " revision " + std::to_string(p.revision) + ": " + p.vendor + " " +
         p.model + ", " + std::to_string(p.points.size()) + " points>";
}

// --- the default alarm rules, as a firebus.alarm.Rules (bound in bind_alarm.cpp)

py::object rules_from_cpp(const alarm::rules& r) {
  py::object cls = py::module_::import("firebus._firebus.alarm").attr("Rules");
  return cls.attr("from_json")(alarm::to_json(r), "default rules");
}

void bind_enums(py::module_& m) {
  make_enum<prof::data_type>(
      m, "DataType", module_name,
      {{"u16", prof::data_type::u16},
       {"i16", prof::data_type::i16},
       {"u32", prof::data_type::u32},
       {"i32", prof::data_type::i32},
       {"f32", prof::data_type::f32},
       {"bits", prof::data_type::bits}},
      "How a point's registers hold its raw value (schema `type`): u16, i16 (one register), u32, "
      "i32, f32 (two registers), bits (a field of a register, or coils / discrete inputs).");
  make_enum<prof::byte_order>(
      m, "ByteOrder", module_name,
      {{"big", prof::byte_order::big}, {"little", prof::byte_order::little}},
      "Byte order within a register, or order of the two registers of a "
      "32-bit value (schema `byte_order`, `word_order`).");
  make_enum<prof::poll_class>(m, "PollClass", module_name,
                              {{"alarm", prof::poll_class::alarm},
                               {"measurement", prof::poll_class::measurement},
                               {"config", prof::poll_class::config}},
                              "Poll priority (schema `poll`): alarm-state points first, then "
                              "measurements, then configuration.");
  make_enum<prof::state>(m, "State", module_name,
                         {{"normal", prof::state::normal},
                          {"fire", prof::state::fire},
                          {"pre_alarm", prof::state::pre_alarm},
                          {"active", prof::state::active},
                          {"ok", prof::state::ok},
                          {"fault", prof::state::fault},
                          {"open_circuit", prof::state::open_circuit},
                          {"short_circuit", prof::state::short_circuit}},
                         "What a raw code of a point means (schema `state`): a condition of the "
                         "point itself (normal, fire, pre_alarm, active) or a status of the "
                         "points in status_of (ok, fault, open_circuit, short_circuit).");
  make_enum<prof::parity>(
      m, "Parity", module_name,
      {{"none", prof::parity::none}, {"even", prof::parity::even}, {"odd", prof::parity::odd}},
      "Serial parity (schema `modbus.serial.parity`).");
  make_enum<prof::errc>(m, "Errc", module_name,
                        {{"invalid_profile", prof::errc::invalid_profile},
                         {"unknown_point", prof::errc::unknown_point},
                         {"not_writable", prof::errc::not_writable},
                         {"value_out_of_range", prof::errc::value_out_of_range},
                         {"password_required", prof::errc::password_required},
                         {"data_missing", prof::errc::data_missing}},
                        "ProfileError codes (ProfileError.code; category 'firebus.profile').");
  m.def(
      "errc_message", [](prof::errc e) { return prof::make_error_code(e).message(); },
      py::arg("code"), "The C++ message of an Errc ('no such point in the profile').");
  m.def(
      "is_condition", [](prof::state s) { return prof::is_condition(s); }, py::arg("state"),
      "Whether a State is a condition of the point itself (normal, fire, pre_alarm, active) "
      "rather than a status of other points.");
  m.def(
      "table_name", [](mb::table t) { return std::string(prof::table_name(t)); }, py::arg("table"),
      "The schema's name of a firebus.modbus.Table: 'holding', 'input', 'coil' or 'discrete'.");
}

void bind_profile_types(py::module_& m) {
  py::class_<prof::source_info>(m, "Source",
                                "Where a profile's register map comes from (schema `source`).")
      .def_readonly("title", &prof::source_info::title, "The manual's title.")
      .def_readonly("url", &prof::source_info::url, "Where it was read ('' if not given).")
      .def_readonly("section", &prof::source_info::section, "The sections used.")
      .def_readonly("retrieved", &prof::source_info::retrieved, "YYYY-MM-DD.")
      .def_readonly("notes", &prof::source_info::notes, "What was checked, and any doubt.")
      .def(
          "__repr__",
          [](const prof::source_info& s) { return "Source(title=" + quoted(s.title) + ")"; },
          "Source(title=...).");

  py::class_<prof::serial_settings>(m, "SerialSettings",
                                    "Factory line settings (schema `modbus.serial`; informative).")
      .def_readonly("baud", &prof::serial_settings::baud, "Baud rate.")
      .def_readonly("parity", &prof::serial_settings::parity, "The Parity.")
      .def_readonly("data_bits", &prof::serial_settings::data_bits, "7 or 8.")
      .def_readonly("stop_bits", &prof::serial_settings::stop_bits, "1 or 2.")
      .def(
          "__repr__",
          [](const prof::serial_settings& s) {
            return "SerialSettings(baud=" + std::to_string(s.baud) + ", parity=Parity." +
                   std::string(prof::to_string(s.parity)) +
                   ", data_bits=" + std::to_string(s.data_bits) +
                   ", stop_bits=" + std::to_string(s.stop_bits) + ")";
          },
          "SerialSettings(baud=9600, ...).");

  py::class_<prof::password_register>(
      m, "PasswordRegister",
      "The holding register a password is written to before a protected write.")
      .def_readonly("address", &prof::password_register::address, "Holding register address.")
      .def_readonly("type", &prof::password_register::type, "DataType.u16 or DataType.u32.")
      .def(
          "__repr__",
          [](const prof::password_register& p) {
            return "PasswordRegister(address=" + std::to_string(p.address) + ", type=DataType." +
                   std::string(prof::to_string(p.type)) + ")";
          },
          "PasswordRegister(address=..., type=...).");

  py::class_<prof::modbus_settings>(m, "ModbusSettings",
                                    "Device-wide Modbus facts (schema `modbus`).")
      .def_readonly("transports", &prof::modbus_settings::transports,
                    "'rtu' and/or 'tcp' (informative).")
      .def_readonly("serial", &prof::modbus_settings::serial, "The factory SerialSettings.")
      .def_readonly("unit_id", &prof::modbus_settings::unit_id, "Factory default address, 1-247.")
      .def_property_readonly(
          "limits", [](const prof::modbus_settings& s) { return s.limits; },
          "The firebus.modbus.DeviceLimits to plan reads with (a copy).")
      .def_property_readonly(
          "max_registers_per_read",
          [](const prof::modbus_settings& s) { return s.limits.max_registers; },
          "Registers per read the device accepts.")
      .def_property_readonly(
          "max_bits_per_read", [](const prof::modbus_settings& s) { return s.limits.max_bits; },
          "Bits per read the device accepts.")
      .def_property_readonly(
          "read_across_gaps", [](const prof::modbus_settings& s) { return s.limits.read_gaps; },
          "May one read cover registers no point uses?")
      .def_readonly("password", &prof::modbus_settings::password, "The PasswordRegister, or None.")
      .def(
          "__repr__",
          [](const prof::modbus_settings& s) {
            return "ModbusSettings(unit_id=" + std::to_string(s.unit_id) +
                   ", baud=" + std::to_string(s.serial.baud) +
                   ", max_registers_per_read=" + std::to_string(s.limits.max_registers) + ")";
          },
          "ModbusSettings(unit_id=..., ...).");

  py::class_<prof::writable_rule>(m, "WritableRule",
                                  "A setpoint the SDK may write (schema `writable`).")
      .def_readonly("min", &prof::writable_rule::min, "Lowest accepted value, in the point's unit.")
      .def_readonly("max", &prof::writable_rule::max, "Highest accepted value.")
      .def_readonly("password", &prof::writable_rule::password,
                    "Whether the modbus.password register is written first.")
      .def_readonly("function", &prof::writable_rule::fn,
                    "The firebus.modbus.Function that writes it (5, 6 or 16).")
      .def(
          "__repr__",
          [](const prof::writable_rule& w) {
            return "WritableRule(min=" + number_text(w.min) + ", max=" + number_text(w.max) +
                   ", password=" + (w.password ? "True" : "False") + ", function=Function." +
                   std::string(mb::to_string(w.fn)) + ")";
          },
          "WritableRule(min=..., max=..., ...).");

  using pd = prof::point_def;
  py::class_<pd>(m, "PointDef",
                 "One point of a device profile, after per-loop expansion and with every default "
                 "filled (read-only).")
      .def_readonly("id", &pd::id, "Point id within the device, e.g. 'IR3'.")
      .def_readonly("name", &pd::name, "Human-readable name.")
      .def_readonly("loop", &pd::loop, "Loop number n of a per-loop array, 0 for other points.")
      .def_readonly("table", &pd::tbl, "The firebus.modbus.Table.")
      .def_readonly("address", &pd::address, "PDU address (0-based).")
      .def_readonly("type", &pd::type, "The DataType.")
      .def_readonly("bit", &pd::bit, "bits in a register: first bit (0 = least significant).")
      .def_readonly("width", &pd::width, "bits: number of bits (coils or inputs in a bit table).")
      .def_readonly("byte_order", &pd::bytes, "ByteOrder within a register.")
      .def_readonly("word_order", &pd::words, "ByteOrder of the two registers of 32-bit types.")
      .def_readonly("scale", &pd::scale, "value = raw * scale / 10**decimals + offset.")
      .def_readonly("offset", &pd::offset, "Added after scaling.")
      .def_readonly("decimals", &pd::decimals, "Fixed decimal places, 0-9.")
      .def_property_readonly(
          "decimals_from",
          [](const pd& p) -> std::optional<std::string> {
            if (p.decimals_from.empty()) return std::nullopt;
            return p.decimals_from;
          },
          "The id of the point whose raw value gives the decimals, or None.")
      .def_readonly("unit", &pd::unit, "Engineering unit ('' if none).")
      .def_readonly("quantity", &pd::quantity, "Informative: 'residual_current', ...")
      .def_readonly("range", &pd::range, "Valid (lo, hi) engineering values, or None.")
      .def_property_readonly(
          "invalid",
          [](const pd& p) {
            std::vector<std::pair<std::int64_t, prof::state>> out;
            for (const prof::invalid_code& c : p.invalid) out.emplace_back(c.raw, c.status);
            return out;
          },
          "Raw values that are not measurements: a list of (raw, State).")
      .def_property_readonly(
          "states",
          [](const pd& p) {
            std::vector<std::pair<std::int64_t, prof::state>> out;
            for (const prof::state_code& c : p.states) out.emplace_back(c.value, c.meaning);
            return out;
          },
          "Raw codes that are states: a list of (value, State).")
      .def_readonly("default_state", &pd::default_state, "The State of unlisted codes, or None.")
      .def_readonly("status_of", &pd::status_of,
                    "Ids of the points its status states apply to ([]: itself).")
      .def_readonly("publish", &pd::publish, "False: read only for other points, not a sample.")
      .def_property_readonly(
          "poll", [](const pd& p) { return prof::effective_poll(p); },
          "The effective PollClass (the profile's, else alarm for points with states or invalid "
          "codes, config for writable points, measurement otherwise).")
      .def_readonly("writable", &pd::writable, "The WritableRule, or None.")
      .def_readonly("stale_s", &pd::stale_s, "Default alarm-engine stale timeout, seconds.")
      .def_property_readonly(
          "alarms", [](const pd& p) { return p.alarms; },
          "Default alarm rules: a list of firebus.alarm.AlarmRule (copies).")
      .def_property_readonly(
          "count", [](const pd& p) { return p.count(); }, "Registers (or bits) the point reads.")
      .def("__repr__", &point_repr, "PointDef(id=..., table=..., address=..., type=...).");

  py::class_<prof::device_profile>(
      m, "Profile",
      "A device profile (protocols/profile.schema.json, version 1), loaded and validated: read "
      "it with load() or parse(). Read-only; Codec(profile) reads and writes devices with it.")
      .def_readonly("version", &prof::device_profile::version, "The schema version (1).")
      .def_readonly("id", &prof::device_profile::id, "Profile id, e.g. 'acrel-asj10l-ld1a'.")
      .def_readonly("revision", &prof::device_profile::revision, "Revision of the content.")
      .def_readonly("vendor", &prof::device_profile::vendor, "Vendor name.")
      .def_readonly("model", &prof::device_profile::model, "Model name.")
      .def_readonly("kind", &prof::device_profile::kind,
                    "Informative category: 'residual_current_relay', ...")
      .def_readonly("description", &prof::device_profile::description, "One or two sentences.")
      .def_readonly("source", &prof::device_profile::source, "The Source of the register map.")
      .def_readonly("modbus", &prof::device_profile::modbus, "The ModbusSettings.")
      .def_property_readonly(
          "points", [](const prof::device_profile& p) { return p.points; },
          "The points, one per loop of per-loop arrays: a list of PointDef (copies).")
      .def("__repr__", &profile_repr, "<Profile id revision N: vendor model, N points>.");
}

void bind_image(py::module_& m) {
  using img = prof::register_image;
  py::class_<img> image_cls(
      m, "RegisterImage",
      "The registers and bits of one device read so far: blocks of consecutive addresses per "
      "firebus.modbus.Table. A newer block wins where it overlaps an older one; at most "
      "MAX_BLOCKS blocks are kept per table (the oldest go first).");
  image_cls.attr("MAX_BLOCKS") = img::max_blocks;
  image_cls.def(py::init<>(), "An empty image.")
      .def(
          "store",
          [](img& im, mb::table t, std::uint16_t address,
             const std::vector<std::uint16_t>& values) { im.store(t, address, values); },
          py::arg("table"), py::arg("address"), py::arg("values"),
          "Stores registers (or bits, one per value, 0 or 1) of `table` from `address`: any "
          "sequence of ints 0..65535 (a list, a numpy uint16 array). Values past address 65535 "
          "are dropped.")
      .def(
          "store_reply",
          [](img& im, const mb::request& req, const typed<response_tag>& resp) {
            py::object cls = py::module_::import("firebus._firebus.modbus").attr("Response");
            if (!py::isinstance(resp.obj, cls)) {
              throw py::type_error("store_reply: expected a firebus.modbus.Response, found " +
                                   type_name(resp.obj));
            }
            const auto t = img::table_of(req.fn);
            const auto fn = resp.obj.attr("fn").cast<mb::function>();
            const auto data = resp.obj.attr("data").cast<std::string>();
            if (!t || fn != req.fn) return false;
            const std::size_t need = mb::is_bit_table(*t) ? (std::size_t{req.quantity} + 7) / 8
                                                          : std::size_t{req.quantity} * 2;
            if (data.size() < need) return false;
            mb::response r;
            r.fn = fn;
            r.data = firebus::byte_view::from_chars(data);
            r.count = resp.obj.attr("count").cast<std::uint16_t>();
            im.store(req, r);
            return true;
          },
          py::arg("request"), py::arg("response"),
          "Stores the Response to a read Request (FC 1-4, as firebus.modbus.parse_response "
          "returns it). Returns False, storing nothing, for another function or a reply that "
          "does not hold the request's quantity.")
      .def(
          "forget",
          [](img& im, mb::table t, std::uint16_t address, std::size_t count) {
            im.forget(t, address, std::min<std::size_t>(count, 0x10000u));
          },
          py::arg("table"), py::arg("address"), py::arg("count"),
          "Forgets what was read of `table` in [address, address + count) (after a failed read: "
          "old values must not be decoded again as if fresh). Forgets whole blocks.")
      .def(
          "get",
          [](const img& im, mb::table t, std::uint16_t address,
             std::size_t count) -> std::optional<std::vector<std::uint16_t>> {
            if (std::size_t{address} + count > 0x10000u) return std::nullopt;
            std::vector<std::uint16_t> out(count);
            if (count == 0) return out;
            if (!im.get(t, address, count, out.data())) return std::nullopt;
            return out;
          },
          py::arg("table"), py::arg("address"), py::arg("count"),
          "`count` values of `table` from `address` as a list of ints, or None unless one block "
          "holds all of them ([] for count 0).")
      .def("clear", &img::clear, "Forgets everything.")
      .def_property_readonly("empty", &img::empty, "Whether the image holds nothing.")
      .def(
          "__repr__",
          [](const img& im) {
            return std::string(im.empty() ? "<RegisterImage empty>" : "<RegisterImage>");
          },
          "<RegisterImage> or <RegisterImage empty>.");
}

void bind_codec(py::module_& m) {
  py::class_<py_readings>(
      m, "Readings",
      "What one decode found, in point order, named by point id: values (published points: "
      "(id, value, firebus.core.QualityCode), value NaN when there is none), conditions (points "
      "with condition states: (id, firebus.alarm.DeviceCondition)) and statuses (targets of "
      "status states and invalid codes: (id, firebus.alarm.DeviceStatus)).")
      .def_readonly("values", &py_readings::values, "A list of (point id, value, QualityCode).")
      .def_readonly("conditions", &py_readings::conditions,
                    "A list of (point id, DeviceCondition).")
      .def_readonly("statuses", &py_readings::statuses, "A list of (point id, DeviceStatus).")
      .def(
          "__repr__",
          [](const py_readings& r) {
            return "<Readings values=" + std::to_string(r.values.size()) +
                   " conditions=" + std::to_string(r.conditions.size()) +
                   " statuses=" + std::to_string(r.statuses.size()) + ">";
          },
          "<Readings values=N conditions=N statuses=N>.");

  using codec = prof::codec;
  // Held by std::shared_ptr: a firebus.modbus.TcpBus shares the codec of its devices.
  py::class_<codec, std::shared_ptr<codec>>(
      m, "Codec",
      "A profile ready to read and write devices: the read items of each poll class (for "
      "firebus.modbus.PollPlanner), decode() of a RegisterImage into Readings, encode_write() "
      "of setpoints, and the default alarm rules. Keeps its own copy of the profile. Points are "
      "named by index (int) or id (str).")
      .def(py::init([](const prof::device_profile& p) { return codec(p); }), py::arg("profile"),
           "A codec of `profile` (a copy of it).")
      .def_property_readonly(
          "profile", [](const codec& c) { return c.profile(); }, "The Profile (a copy).")
      .def_property_readonly("size", &codec::size, "The number of points.")
      .def("__len__", &codec::size, "The number of points.")
      .def(
          "point",
          [](const codec& c, std::size_t i) {
            if (i >= c.size()) {
              throw py::index_error("point index " + std::to_string(i) + " out of range (" +
                                    std::to_string(c.size()) + " points)");
            }
            return c.point(i);
          },
          py::arg("index"), "The PointDef at `index` (IndexError if there is none).")
      .def(
          "find",
          [](const codec& c, std::string_view id) -> std::optional<std::size_t> {
            const std::size_t i = c.find(id);
            if (i == codec::npos) return std::nullopt;
            return i;
          },
          py::arg("id"), "The index of the point `id`, or None.")
      .def(
          "points",
          [](const codec& c, std::optional<prof::poll_class> pc) {
            if (pc) return c.points(*pc);
            std::vector<std::size_t> all(c.size());
            for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
            return all;
          },
          py::arg("poll_class") = py::none(),
          "The indices of the points of a PollClass (their effective poll class), or of every "
          "point.")
      .def(
          "read_items",
          [](const codec& c, std::optional<prof::poll_class> pc) {
            return pc ? c.read_items(*pc) : c.read_items();
          },
          py::arg("poll_class") = py::none(),
          "What must be read (a list of firebus.modbus.ReadItem, for PollPlanner.plan) to decode "
          "the points of a PollClass (with their decimals_from points), or every point.")
      .def(
          "read_items",
          [](const codec& c, const std::vector<point_ref>& points) {
            return c.read_items(indices_of(c, points));
          },
          py::arg("points"),
          "What must be read to decode `points` (indices or ids) and their decimals_from points. "
          "ProfileError (Errc.unknown_point) for a point the profile does not have.")
      .def(
          "decode",
          [](const codec& c, const prof::register_image& image,
             const std::optional<std::vector<point_ref>>& points) {
            prof::readings r;
            if (points) {
              c.decode(image, indices_of(c, *points), r);
            } else {
              c.decode(image, r);
            }
            return to_py(c, r);
          },
          py::arg("image"), py::arg("points") = py::none(),
          "Decodes the points (all, or `points`: indices or ids) whose registers are in `image` "
          "into Readings. Points not in the image are left out. A status is the most severe "
          "among all its sources in the image. ProfileError (Errc.unknown_point) for a point "
          "the profile does not have.")
      .def(
          "raw",
          [](const codec& c, const prof::register_image& image, const point_ref& point) {
            return c.raw(image, index_of(c, point));
          },
          py::arg("image"), py::arg("point"),
          "The raw value of a point in `image` (the bit field for bits, the float for f32), or "
          "None when its registers were not read.")
      .def(
          "encode_write",
          [](const codec& c, const point_ref& point, double value,
             std::optional<std::uint32_t> password, const prof::register_image* image) {
            const std::size_t i = index_of(c, point);
            const prof::register_image none;
            std::vector<mb::request> out;
            std::error_code ec;
            if (!c.encode_write(i, value, password, image ? *image : none, out, ec)) {
              const prof::point_def& p = c.point(i);
              std::string context = "point " + quoted(p.id);
              if (ec == prof::errc::value_out_of_range && p.writable) {
                context += ": " + number_text(value) + " (writable " +
                           number_text(p.writable->min) + ".." + number_text(p.writable->max) + ")";
              }
              raise(ec, context);
            }
            return out;
          },
          py::arg("point"), py::arg("value"), py::arg("password") = py::none(),
          py::arg("image") = py::none(),
          "The firebus.modbus.Requests that write `value` (in the point's unit) to a writable "
          "point: the password register first when the setpoint is protected, then the value "
          "(FC 5, 6 or 16), rounded to the point's resolution. `image` gives decimals_from. "
          "ProfileError: Errc.unknown_point, not_writable, value_out_of_range (not finite, "
          "outside [min, max], or not fitting the register), password_required, data_missing.")
      .def(
          "default_rules",
          [](const codec& c, std::string_view prefix) {
            return typed<rules_tag>{rules_from_cpp(c.default_rules(prefix))};
          },
          py::arg("prefix") = "",
          "The profile's default alarm rules for one device as a firebus.alarm.Rules: a "
          "PointRule per published point, with the id prefix + point id (e.g. 'bus1/dev3/IR1'), "
          "its unit, range, stale timeout and alarms. The prefix is not checked: keep the ids "
          "valid point ids (firebus.core.validate_point_id).")
      .def(
          "append_default_rules",
          [](const codec& c, std::string_view prefix, const typed<rules_tag>& rules) {
            py::object cls = py::module_::import("firebus._firebus.alarm").attr("Rules");
            if (!py::isinstance(rules.obj, cls)) {
              throw py::type_error("append_default_rules: expected a firebus.alarm.Rules, found " +
                                   type_name(rules.obj));
            }
            py::object more = rules_from_cpp(c.default_rules(prefix));
            rules.obj.attr("points").attr("extend")(more.attr("points"));
          },
          py::arg("prefix"), py::arg("rules"),
          "Appends the default point rules of one device to `rules` (a firebus.alarm.Rules; for "
          "a gateway with many devices).")
      .def(
          "__repr__",
          [](const codec& c) {
            return "<Codec " + c.profile().id + ": " + std::to_string(c.size()) + " points>";
          },
          "<Codec id: N points>.");
  // Profile.codec(), once Codec is a known type (its signature names it).
  py::reinterpret_borrow<py::class_<prof::device_profile>>(m.attr("Profile"))
      .def(
          "codec", [](const prof::device_profile& p) { return prof::codec(p); },
          "A Codec of this profile (the same as Codec(profile)).");
}

}  // namespace
}  // namespace profile_detail

py::object readings_to_py(const firebus::profile::codec& c, const firebus::profile::readings& r) {
  using namespace profile_detail;
  return py::cast(to_py(c, r));
}

void bind_profile(py::module_& m) {
  using namespace profile_detail;
  bind_enums(m);
  m.attr("PROFILE_VERSION") = prof::profile_version;
  m.attr("MAX_POINTS") = prof::max_points;
  m.attr("MAX_PROFILE_SIZE") = prof::max_profile_size;
  bind_profile_types(m);
  bind_image(m);
  bind_codec(m);

  m.def(
      "load", [](const std::string& path) { return load_file(path); }, py::arg("path"),
      "Reads, expands and validates a profile file. Raises ProfileError (Errc.invalid_profile) "
      "'<path>: <JSON path>: <message>' for a refused profile, e.g. 'x.json: "
      "points[0]: unknown key \"scael\"', firebus.SystemError '<path>: cannot open the file: "
      "...' for a file that cannot be read.");
  m.def(
      "parse",
      [](const std::string& text, const std::string& name) { return parse_text(text, name); },
      py::arg("text"), py::arg("name") = "profile",
      "Parses, expands and validates a profile from JSON text. Raises ProfileError "
      "(Errc.invalid_profile) '<name>: <JSON path>: <message>' (syntax errors give the line and "
      "column).");
  m.def(
      "library_files",
      [](const std::string& directory) {
        py::gil_scoped_release release;
        return prof::profile_files(directory);
      },
      py::arg("directory"),
      "The profile files (*.json) of a directory, sorted by name; [] if it cannot be read.");
}

}  // namespace firebus_py
