// firebus — fire-safety IoT SDK.
//
// firebus._firebus.sparkplug: Sparkplug B (include/firebus/telemetry/sparkplug.hpp and
// sparkplug_node.hpp): payloads, their encoding and decoding, topics, and the edge node state
// machine. Sparkplug's own times stay what the protocol says: integer milliseconds since 1970
// (`timestamp`, `now_ms`); samples and events are firebus.core.Sample and firebus.core.Event.
//
// Values cross as Python objects: None (no value, or null), bool, int, float, str, bytes. A
// metric's value is converted to its datatype on encoding (an int for an integer datatype, a
// float for Float and Double, ...). Properties are lists of (key, DataType, value) tuples; the
// value of a PropertySet is such a list, that of a PropertySetList a list of such lists; None is
// null. List attributes are copied in and out: assign a whole list.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/sparkplug.hpp>
#include <firebus/telemetry/sparkplug_node.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "core_enums.hpp"

FIREBUS_PY_ENUM(firebus::telemetry::sparkplug::data_type, SparkplugDataType,
                "firebus._firebus.sparkplug.DataType")
FIREBUS_PY_ENUM(firebus::telemetry::sparkplug::message_type, SparkplugMessageType,
                "firebus._firebus.sparkplug.MessageType")

namespace firebus_py {

// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace sparkplug_detail {
namespace {

namespace spb = firebus::telemetry::sparkplug;

constexpr const char* module_name = "firebus.sparkplug";

std::vector<std::uint8_t> from_bytes(const py::bytes& b) {
  const std::string_view s(b);
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

// --- values ----------------------------------------------------------------------------------

py::object value_to_py(const spb::metric_value& v) {
  switch (v.index()) {
    case 1:
      return py::bool_(std::get<bool>(v));
    case 2:
      return py::int_(std::get<std::int64_t>(v));
    case 3:
      return py::int_(std::get<std::uint64_t>(v));
    case 4:
      return py::float_(static_cast<double>(std::get<float>(v)));
    case 5:
      return py::float_(std::get<double>(v));
    case 6:
      return py::str(std::get<std::string>(v));
    case 7:
      return to_bytes(std::get<spb::bytes>(v));
    default:
      return py::none();
  }
}

spb::metric_value value_from_py(const py::handle& h) {
  if (h.is_none()) return {};
  if (py::isinstance<py::bool_>(h)) return h.cast<bool>();
  if (py::isinstance<py::int_>(h)) {
    const py::int_ i = py::reinterpret_borrow<py::int_>(h);
    if (i < py::int_(0)) {
      if (i < py::int_(std::numeric_limits<std::int64_t>::min())) {
        throw py::value_error("integer below -2**63");
      }
      return i.cast<std::int64_t>();
    }
    if (i > py::int_(std::numeric_limits<std::uint64_t>::max())) {
      throw py::value_error("integer above 2**64 - 1");
    }
    const auto u = i.cast<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(u);
    }
    return u;
  }
  if (py::isinstance<py::float_>(h)) return h.cast<double>();
  if (py::isinstance<py::str>(h)) return h.cast<std::string>();
  if (py::isinstance<py::bytes>(h)) return from_bytes(py::reinterpret_borrow<py::bytes>(h));
  if (py::isinstance<py::bytearray>(h)) {
    const std::string s = h.cast<std::string>();
    return std::vector<std::uint8_t>(s.begin(), s.end());
  }
  throw py::type_error("a Sparkplug value is None, bool, int, float, str or bytes, not " +
                       py_repr(py::type::of(h)));
}

// A value for datatype `t`, in the alternative the decoder gives (so that a Payload built in
// Python equals its decoded copy); as given when it does not fit (encode() then says why).
spb::metric_value typed_value_from_py(const py::handle& h, spb::data_type t) {
  spb::metric_value raw = value_from_py(h);
  if (t == spb::data_type::unknown) return raw;
  std::error_code ec;
  spb::metric_value v = spb::convert_value(raw, t, ec);
  return ec ? raw : v;
}

py::list properties_to_py(const spb::property_set& set);

py::object property_value_to_py(const spb::property_value& p) {
  if (p.is_null) return py::none();
  if (p.type == spb::data_type::property_set) {
    return p.sets.empty() ? py::object(py::none()) : py::object(properties_to_py(p.sets[0]));
  }
  if (p.type == spb::data_type::property_set_list) {
    py::list out;
    for (const spb::property_set& s : p.sets) out.append(properties_to_py(s));
    return std::move(out);
  }
  return value_to_py(p.value);
}

py::list properties_to_py(const spb::property_set& set) {
  py::list out;
  for (const spb::property& p : set.items) {
    out.append(py::make_tuple(p.key, py::cast(p.value.type), property_value_to_py(p.value)));
  }
  return out;
}

spb::property_set properties_from_py(const py::handle& h, int depth);

spb::property_value property_value_from_py(spb::data_type type, const py::handle& v, int depth) {
  spb::property_value p;
  p.type = type;
  if (v.is_none()) {
    p.is_null = true;
  } else if (type == spb::data_type::property_set) {
    p.sets.push_back(properties_from_py(v, depth + 1));
  } else if (type == spb::data_type::property_set_list) {
    for (const py::handle s : v) p.sets.push_back(properties_from_py(s, depth + 1));
  } else {
    p.value = typed_value_from_py(v, type);
  }
  return p;
}

spb::property_set properties_from_py(const py::handle& h, int depth) {
  if (depth > 64) throw py::value_error("properties nested more than 64 deep");
  spb::property_set set;
  for (const py::handle item : h) {
    const py::tuple t = py::reinterpret_borrow<py::object>(item).cast<py::tuple>();
    if (t.size() != 3) throw py::value_error("a property is a (key, DataType, value) tuple");
    set.items.push_back({t[0].cast<std::string>(),
                         property_value_from_py(t[1].cast<spb::data_type>(), t[2], depth)});
  }
  return set;
}

// Raises TelemetryError with where and what.
[[noreturn]] void raise_why(const std::error_code& ec, const std::string& why) { raise(ec, why); }

// --- classes ---------------------------------------------------------------------------------

void bind_enums(py::module_& m) {
  make_enum<spb::data_type>(
      m, "DataType", module_name,
      {{"unknown", spb::data_type::unknown},
       {"int8", spb::data_type::int8},
       {"int16", spb::data_type::int16},
       {"int32", spb::data_type::int32},
       {"int64", spb::data_type::int64},
       {"uint8", spb::data_type::uint8},
       {"uint16", spb::data_type::uint16},
       {"uint32", spb::data_type::uint32},
       {"uint64", spb::data_type::uint64},
       {"float", spb::data_type::float_},
       {"double", spb::data_type::double_},
       {"boolean", spb::data_type::boolean},
       {"string", spb::data_type::string},
       {"datetime", spb::data_type::datetime},
       {"text", spb::data_type::text},
       {"uuid", spb::data_type::uuid},
       {"dataset", spb::data_type::dataset},
       {"bytes", spb::data_type::bytes},
       {"file", spb::data_type::file},
       {"template", spb::data_type::template_},
       {"property_set", spb::data_type::property_set},
       {"property_set_list", spb::data_type::property_set_list},
       {"int8_array", spb::data_type::int8_array},
       {"int16_array", spb::data_type::int16_array},
       {"int32_array", spb::data_type::int32_array},
       {"int64_array", spb::data_type::int64_array},
       {"uint8_array", spb::data_type::uint8_array},
       {"uint16_array", spb::data_type::uint16_array},
       {"uint32_array", spb::data_type::uint32_array},
       {"uint64_array", spb::data_type::uint64_array},
       {"float_array", spb::data_type::float_array},
       {"double_array", spb::data_type::double_array},
       {"boolean_array", spb::data_type::boolean_array},
       {"string_array", spb::data_type::string_array},
       {"datetime_array", spb::data_type::datetime_array}},
      "A Sparkplug datatype code (Sparkplug 3.0 §6.4.16): the C++ enumerators' names without "
      "their trailing underscore (float, double, template). data_type_name() gives the "
      "specification's spelling.");
  make_enum<spb::message_type>(m, "MessageType", module_name,
                               {{"nbirth", spb::message_type::nbirth},
                                {"ndeath", spb::message_type::ndeath},
                                {"ndata", spb::message_type::ndata},
                                {"ncmd", spb::message_type::ncmd},
                                {"dbirth", spb::message_type::dbirth},
                                {"ddeath", spb::message_type::ddeath},
                                {"ddata", spb::message_type::ddata},
                                {"dcmd", spb::message_type::dcmd},
                                {"state", spb::message_type::state}},
                               "The message types of the Sparkplug topic namespace.");
  m.def(
      "data_type_name", [](spb::data_type t) { return std::string(spb::to_string(t)); },
      py::arg("type"), "The specification's name of a datatype ('Float', 'DateTime').");
  m.def(
      "data_type_from_name",
      [](const std::string& name) { return spb::data_type_from_string(name); }, py::arg("name"),
      "The datatype called `name` (the specification's spelling); CoreError otherwise.");
}

void bind_payload(py::module_& m) {
  py::class_<spb::metric>(m, "Metric", "One metric of a Sparkplug payload.")
      .def(py::init([](const std::string& name, std::optional<std::uint64_t> alias,
                       std::optional<std::uint64_t> timestamp, spb::data_type datatype,
                       const py::object& value, bool is_historical, bool is_transient, bool is_null,
                       const py::object& properties) {
             spb::metric mt;
             mt.name = name;
             mt.alias = alias;
             mt.timestamp = timestamp;
             mt.datatype = datatype;
             mt.value = typed_value_from_py(value, datatype);
             mt.is_historical = is_historical;
             mt.is_transient = is_transient;
             mt.is_null = is_null;
             if (!properties.is_none()) mt.properties = properties_from_py(properties, 0);
             return mt;
           }),
           py::arg("name") = std::string(), py::kw_only(), py::arg("alias") = py::none(),
           py::arg("timestamp") = py::none(),
           py::arg_v("datatype", spb::data_type::unknown, "DataType.unknown"),
           py::arg("value") = py::none(), py::arg("is_historical") = false,
           py::arg("is_transient") = false, py::arg("is_null") = false,
           py::arg("properties") = py::none(),
           "A metric; `properties` is a list of (key, DataType, value) tuples.")
      .def_readwrite("name", &spb::metric::name, "Its name ('' when not sent: DATA by alias).")
      .def_readwrite("alias", &spb::metric::alias, "Its alias, or None.")
      .def_readwrite("timestamp", &spb::metric::timestamp, "ms since 1970 (UTC), or None.")
      .def_readwrite("datatype", &spb::metric::datatype, "DataType.unknown: not sent.")
      .def_readwrite("is_historical", &spb::metric::is_historical)
      .def_readwrite("is_transient", &spb::metric::is_transient)
      .def_readwrite("is_null", &spb::metric::is_null)
      .def_property(
          "value", [](const spb::metric& mt) { return value_to_py(mt.value); },
          [](spb::metric& mt, const py::object& v) {
            mt.value = typed_value_from_py(v, mt.datatype);
          },
          "None, bool, int, float, str or bytes (converted to the datatype's kind).")
      .def_property(
          "properties", [](const spb::metric& mt) { return properties_to_py(mt.properties); },
          [](spb::metric& mt, const py::object& p) { mt.properties = properties_from_py(p, 0); },
          "A list of (key, DataType, value) tuples (a copy).")
      .def(
          "__eq__", [](const spb::metric& a, const spb::metric& b) { return a == b; },
          py::arg("other"), py::is_operator(), "Field-wise equality (NaN equals NaN).")
      .def(
          "__ne__", [](const spb::metric& a, const spb::metric& b) { return a != b; },
          py::arg("other"), py::is_operator())
      .def("__repr__", [](const spb::metric& mt) {
        return "Metric(" + py_repr(py::str(mt.name)) + ", alias=" + py_repr(py::cast(mt.alias)) +
               ", datatype=DataType." + py::cast(mt.datatype).attr("name").cast<std::string>() +
               ", value=" + py_repr(value_to_py(mt.value)) + ")";
      });

  py::class_<spb::payload>(m, "Payload", "A Sparkplug B payload.")
      .def(py::init([](std::optional<std::uint64_t> timestamp, std::vector<spb::metric> metrics,
                       std::optional<std::uint64_t> seq, std::optional<std::string> uuid,
                       std::optional<py::bytes> body) {
             spb::payload p;
             p.timestamp = timestamp;
             p.metrics = std::move(metrics);
             p.seq = seq;
             p.uuid = std::move(uuid);
             if (body) p.body = from_bytes(*body);
             return p;
           }),
           py::kw_only(), py::arg("timestamp") = py::none(),
           py::arg("metrics") = std::vector<spb::metric>(), py::arg("seq") = py::none(),
           py::arg("uuid") = py::none(), py::arg("body") = py::none())
      .def_readwrite("timestamp", &spb::payload::timestamp, "ms since 1970 (UTC), or None.")
      .def_readwrite("metrics", &spb::payload::metrics, "The metrics (a copy: assign a list).")
      .def_readwrite("seq", &spb::payload::seq, "0..255, or None (NDEATH).")
      .def_readwrite("uuid", &spb::payload::uuid)
      .def_property(
          "body",
          [](const spb::payload& p) -> py::object {
            if (!p.body) return py::none();
            return to_bytes(*p.body);
          },
          [](spb::payload& p, const std::optional<py::bytes>& b) {
            if (b) {
              p.body = from_bytes(*b);
            } else {
              p.body.reset();
            }
          })
      .def(
          "__eq__", [](const spb::payload& a, const spb::payload& b) { return a == b; },
          py::arg("other"), py::is_operator())
      .def(
          "__ne__", [](const spb::payload& a, const spb::payload& b) { return a != b; },
          py::arg("other"), py::is_operator())
      .def("__repr__", [](const spb::payload& p) {
        return "Payload(timestamp=" + py_repr(py::cast(p.timestamp)) +
               ", seq=" + py_repr(py::cast(p.seq)) + ", " + std::to_string(p.metrics.size()) +
               " metrics)";
      });

  m.def(
      "encode",
      [](const spb::payload& payload, bool datatypes) {
        // A copy: another thread may change the Payload while the GIL is released.
        const spb::payload p = payload;
        std::error_code ec;
        std::string why;
        spb::bytes out;
        {
          py::gil_scoped_release release;
          out = datatypes ? spb::encode(p, ec, {}, &why)
                          : spb::encode_without_datatypes(p, ec, {}, &why);
        }
        if (ec) raise_why(ec, "sparkplug encode: " + why);
        return to_bytes(out);
      },
      py::arg("payload"), py::arg("datatypes") = true,
      "The payload's bytes; datatypes=False leaves the datatypes out, as DATA and CMD messages "
      "do. TelemetryError says where and what is wrong.");
  m.def(
      "decode",
      [](const py::bytes& data) {
        const std::string_view s(data);
        std::error_code ec;
        std::string why;
        spb::payload p;
        {
          py::gil_scoped_release release;
          p = spb::decode_payload(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), ec, {},
                                  &why);
        }
        if (ec) raise_why(ec, "sparkplug decode: " + why);
        return p;
      },
      py::arg("data"),
      "Decodes a payload; TelemetryError (malformed, value_mismatch, ...) with where and what.");
  m.def(
      "resolve_datatype",
      [](const py::object& raw, spb::data_type t) {
        return value_to_py(spb::resolve_datatype(value_from_py(raw), t));
      },
      py::arg("value"), py::arg("datatype"),
      "The value of a metric decoded without datatype (DATA: aliases only) under `datatype`: "
      "0xFFFFFFFF is -1 as an Int8. TelemetryError (value_mismatch) if it does not fit.");
}

void bind_topic(py::module_& m) {
  py::class_<spb::topic>(m, "Topic",
                         "spBv1.0/<group>/<type>/<edge>[/<device>] or spBv1.0/STATE/<host_id>.")
      .def(py::init([](const std::string& group, spb::message_type type, const std::string& edge,
                       const std::string& device, const std::string& host_id) {
             return spb::topic{group, type, edge, device, host_id};
           }),
           py::arg("group") = std::string(),
           py::arg_v("type", spb::message_type::ndata, "MessageType.ndata"),
           py::arg("edge") = std::string(), py::arg("device") = std::string(),
           py::arg("host_id") = std::string())
      .def_readwrite("group", &spb::topic::group)
      .def_readwrite("type", &spb::topic::type)
      .def_readwrite("edge", &spb::topic::edge)
      .def_readwrite("device", &spb::topic::device)
      .def_readwrite("host_id", &spb::topic::host_id)
      .def(
          "__str__", [](const spb::topic& t) { return spb::to_string(t); },
          "The topic string; TelemetryError (invalid_topic) for invalid ids.")
      .def(
          "__eq__", [](const spb::topic& a, const spb::topic& b) { return a == b; },
          py::arg("other"), py::is_operator())
      .def(
          "__ne__", [](const spb::topic& a, const spb::topic& b) { return a != b; },
          py::arg("other"), py::is_operator())
      .def("__repr__", [](const spb::topic& t) {
        std::error_code ec;
        const std::string s = spb::to_string(t, ec);
        return "Topic(" + (ec ? std::string("invalid") : py_repr(py::str(s))) + ")";
      });
  m.def(
      "parse_topic", [](const std::string& s) { return spb::parse_topic(s); }, py::arg("topic"),
      "Parses a Sparkplug B topic; TelemetryError (invalid_topic) otherwise.");
  m.def("is_valid_id", &spb::is_valid_id, py::arg("id"),
        "True if `id` may be a group, edge node, device or host id (not empty, UTF-8, no '/', "
        "'+', '#').");
}

void bind_node(py::module_& m) {
  py::class_<spb::metric_decl>(m, "MetricDecl", "A metric the edge node or a device publishes.")
      .def(py::init([](const std::string& name, spb::data_type type, const py::object& value,
                       const std::string& point, const std::string& unit, std::optional<double> low,
                       std::optional<double> high, const std::string& description,
                       const py::object& properties) {
             spb::metric_decl d;
             d.name = name;
             d.type = type;
             d.value = value_from_py(value);
             if (!point.empty()) d.point = firebus::point_id(point);
             d.unit = unit;
             d.low = low;
             d.high = high;
             d.description = description;
             if (!properties.is_none()) d.properties = properties_from_py(properties, 0);
             return d;
           }),
           py::arg("name"), py::arg_v("type", spb::data_type::double_, "DataType.double"),
           py::kw_only(), py::arg("value") = py::none(), py::arg("point") = std::string(),
           py::arg("unit") = std::string(), py::arg("low") = py::none(),
           py::arg("high") = py::none(), py::arg("description") = std::string(),
           py::arg("properties") = py::none())
      .def_readwrite("name", &spb::metric_decl::name)
      .def_readwrite("type", &spb::metric_decl::type)
      .def_property(
          "value", [](const spb::metric_decl& d) { return value_to_py(d.value); },
          [](spb::metric_decl& d, const py::object& v) { d.value = value_from_py(v); })
      .def_property(
          "point", [](const spb::metric_decl& d) { return d.point.str(); },
          [](spb::metric_decl& d, const std::string& p) {
            d.point = p.empty() ? firebus::point_id() : firebus::point_id(p);
          })
      .def_readwrite("unit", &spb::metric_decl::unit)
      .def_readwrite("low", &spb::metric_decl::low)
      .def_readwrite("high", &spb::metric_decl::high)
      .def_readwrite("description", &spb::metric_decl::description);

  py::class_<spb::alarm_decl>(m, "AlarmDecl",
                              "An alarm (or a point's fault: alarm 'fault') published as the "
                              "metric Alarms/<source>/<alarm>.")
      .def(py::init(
               [](const std::string& source, const std::string& alarm, firebus::alarm_class cls) {
                 return spb::alarm_decl{source, alarm, cls};
               }),
           py::arg("source"), py::arg("alarm"),
           py::arg_v("cls", firebus::alarm_class::none, "AlarmClass.none"))
      .def_readwrite("source", &spb::alarm_decl::source)
      .def_readwrite("alarm", &spb::alarm_decl::alarm)
      .def_readwrite("cls", &spb::alarm_decl::cls);

  py::class_<spb::device_decl>(m, "DeviceDecl", "A device of the edge node.")
      .def(py::init([](const std::string& id, std::vector<spb::metric_decl> metrics,
                       std::vector<spb::alarm_decl> alarms) {
             return spb::device_decl{id, std::move(metrics), std::move(alarms)};
           }),
           py::arg("id"), py::arg("metrics") = std::vector<spb::metric_decl>(),
           py::arg("alarms") = std::vector<spb::alarm_decl>())
      .def_readwrite("id", &spb::device_decl::id)
      .def_readwrite("metrics", &spb::device_decl::metrics)
      .def_readwrite("alarms", &spb::device_decl::alarms);

  py::class_<spb::message>(m, "Message", "An MQTT message to publish.")
      .def_readonly("topic", &spb::message::topic)
      .def_property_readonly("payload",
                             [](const spb::message& msg) { return to_bytes(msg.payload); })
      .def_readonly("qos", &spb::message::qos)
      .def_readonly("retain", &spb::message::retain)
      .def("__repr__", [](const spb::message& msg) {
        return "Message(" + py_repr(py::str(msg.topic)) + ", " +
               std::to_string(msg.payload.size()) + " bytes, qos=" + std::to_string(msg.qos) + ")";
      });

  py::class_<spb::command>(m, "Command", "A write a host asked for in an NCMD or DCMD.")
      .def_readonly("device", &spb::command::device, "The device; '' for the node.")
      .def_readonly("name", &spb::command::name)
      .def_readonly("type", &spb::command::type)
      .def_property_readonly("value", [](const spb::command& c) { return value_to_py(c.value); })
      .def_readonly("timestamp", &spb::command::timestamp)
      .def("__repr__", [](const spb::command& c) {
        return "Command(device=" + py_repr(py::str(c.device)) +
               ", name=" + py_repr(py::str(c.name)) + ", value=" + py_repr(value_to_py(c.value)) +
               ")";
      });

  py::class_<spb::incoming>(m, "Incoming", "What EdgeNode.on_message() made of a message.")
      .def_readonly("publish", &spb::incoming::publish, "Messages to publish now (births).")
      .def_readonly("commands", &spb::incoming::commands, "Writes for the application.")
      .def_readonly("problems", &spb::incoming::problems, "What was refused, and why.")
      .def_readonly("rebirth", &spb::incoming::rebirth, "A rebirth was asked for.")
      .def_readonly("disconnect", &spb::incoming::disconnect,
                    "The primary host went offline: publish EdgeNode.death(), disconnect and "
                    "connect again.")
      .def_property_readonly(
          "error", [](const spb::incoming& in) { return in.error.value(); },
          "The Errc value of the first problem (firebus.telemetry.Errc), 0 if none.");

  py::class_<spb::edge_node>(
      m, "EdgeNode",
      "A Sparkplug B edge node as a pure state machine: no I/O, no clock (times are ms since "
      "1970). Publish what it returns; see docs/telemetry.md, 'Sparkplug B'.")
      .def(py::init([](const std::string& group_id, const std::string& edge_node_id,
                       std::vector<spb::metric_decl> metrics, std::vector<spb::alarm_decl> alarms,
                       std::vector<spb::device_decl> devices, const std::string& primary_host_id) {
             spb::node_config c;
             c.group_id = group_id;
             c.edge_node_id = edge_node_id;
             c.metrics = std::move(metrics);
             c.alarms = std::move(alarms);
             c.devices = std::move(devices);
             c.primary_host_id = primary_host_id;
             return spb::edge_node(std::move(c));
           }),
           py::arg("group_id"), py::arg("edge_node_id"), py::kw_only(),
           py::arg("metrics") = std::vector<spb::metric_decl>(),
           py::arg("alarms") = std::vector<spb::alarm_decl>(),
           py::arg("devices") = std::vector<spb::device_decl>(), py::arg("primary_host_id") = "",
           "primary_host_id: births wait for that host's STATE online (on_message returns them); "
           "'' none. TelemetryError for a configuration that cannot work (invalid ids, duplicate "
           "names).")
      .def_property_readonly("group_id", &spb::edge_node::group_id)
      .def_property_readonly("edge_node_id", &spb::edge_node::edge_node_id)
      .def_property_readonly("connected", &spb::edge_node::connected)
      .def_property_readonly("born", &spb::edge_node::born,
                             "This connection's births were published: data flows.")
      .def_property_readonly("host_online", &spb::edge_node::host_online,
                             "The primary host is online by its latest STATE on this connection "
                             "(True without a primary host).")
      .def_property_readonly("bd_seq", &spb::edge_node::bd_seq, "bdSeq of the latest Will.")
      .def_property_readonly("next_seq", &spb::edge_node::next_seq)
      .def("alias_of", &spb::edge_node::alias_of, py::arg("device"), py::arg("name"),
           "The alias of a metric of the node (device '') or a device, or None.")
      .def("subscriptions", &spb::edge_node::subscriptions,
           "The topic filters to subscribe to (NCMD, DCMD; the primary host's STATE).")
      .def("will", &spb::edge_node::will,
           "The NDEATH Will for the next CONNECT (bdSeq only, QoS 1); advances bdSeq.")
      .def("death", &spb::edge_node::death,
           "The NDEATH of the current session, to publish before an intentional disconnect.")
      .def(
          "on_connected",
          [](spb::edge_node& n, std::uint64_t now_ms, std::optional<py::bytes> will_payload) {
            if (!will_payload) return n.on_connected(now_ms);
            const std::vector<std::uint8_t> w = from_bytes(*will_payload);
            return n.on_connected(now_ms, firebus::byte_view(w));
          },
          py::arg("now_ms"), py::arg("will_payload") = py::none(),
          "NBIRTH and DBIRTHs of the new connection ([] while waiting for the primary host). "
          "will_payload: the Will this connection registered (mqtt ConnectionEvent.will_payload); "
          "the births carry its bdSeq, also when the next CONNECT's Will was already made.")
      .def("on_disconnected", &spb::edge_node::on_disconnected)
      .def(
          "data",
          [](spb::edge_node& n, const std::string& device, const py::dict& values,
             std::uint64_t now_ms, bool historical) {
            std::vector<spb::metric_update> ups;
            for (const auto& kv : values) {
              ups.push_back({kv.first.cast<std::string>(), value_from_py(kv.second), {}});
            }
            return n.data(device, ups, now_ms, historical);
          },
          py::arg("device"), py::arg("values"), py::arg("now_ms"), py::arg("historical") = false,
          "NDATA (device '') or DDATA of {name: value}; [] while disconnected.")
      .def(
          "data_samples",
          [](spb::edge_node& n, const std::vector<firebus::sample>& samples, std::uint64_t now_ms,
             bool historical) { return n.data(samples, now_ms, historical); },
          py::arg("samples"), py::arg("now_ms"), py::arg("historical") = false,
          "NDATA/DDATA of firebus.core.Sample values, by the metrics' points.")
      .def(
          "alarms",
          [](spb::edge_node& n, const std::vector<firebus::event>& events, std::uint64_t now_ms,
             bool historical) { return n.alarms(events, now_ms, historical); },
          py::arg("events"), py::arg("now_ms"), py::arg("historical") = false,
          "The alarm metrics of firebus.core.Event values (births first for new alarms).")
      .def(
          "device_death",
          [](spb::edge_node& n, const std::string& d, std::uint64_t now_ms) {
            return n.device_death(d, now_ms);
          },
          py::arg("device"), py::arg("now_ms"))
      .def(
          "device_birth",
          [](spb::edge_node& n, const std::string& d, std::uint64_t now_ms) {
            return n.device_birth(d, now_ms);
          },
          py::arg("device"), py::arg("now_ms"))
      .def(
          "on_message",
          [](spb::edge_node& n, const std::string& topic, const py::bytes& payload,
             std::uint64_t now_ms) {
            const std::string_view s(payload);
            return n.on_message(topic, reinterpret_cast<const std::uint8_t*>(s.data()), s.size(),
                                now_ms);
          },
          py::arg("topic"), py::arg("payload"), py::arg("now_ms"),
          "Handles an NCMD, a DCMD or the primary host's STATE; never raises on bad input (see "
          "Incoming.problems).");
}

}  // namespace
}  // namespace sparkplug_detail

void bind_sparkplug(py::module_& sparkplug) {
  using namespace sparkplug_detail;
  bind_enums(sparkplug);
  bind_payload(sparkplug);
  bind_topic(sparkplug);
  bind_node(sparkplug);
}

}  // namespace firebus_py
