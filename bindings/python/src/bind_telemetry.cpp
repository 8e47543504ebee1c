// firebus — fire-safety IoT SDK.
//
// firebus._firebus.telemetry: what a gateway sends upstream (include/firebus/telemetry/
// types.hpp), aliases (aliases.hpp) and the firebus protobuf encoding with its canonical JSON
// (firebus_codec.hpp). Samples and events are firebus.core.Sample and firebus.core.Event; times
// are float seconds (Unix seconds, see common.hpp). List attributes (Birth.points,
// Batch.samples, ...) are copied in and out: assign a whole list, appending to the one read
// changes nothing.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/core/bytes.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/firebus_codec.hpp>
#include <firebus/telemetry/types.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "core_enums.hpp"

FIREBUS_PY_ENUM(firebus::telemetry::device_state, TelemetryDeviceState,
                "firebus._firebus.telemetry.DeviceState")
FIREBUS_PY_ENUM(firebus::telemetry::errc, TelemetryErrc, "firebus._firebus.telemetry.Errc")
FIREBUS_PY_ENUM(firebus::telemetry::lane, TelemetryLane, "firebus._firebus.telemetry.Lane")

namespace firebus_py {

// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace telemetry_detail {
namespace {

namespace tm = firebus::telemetry;

constexpr const char* module_name = "firebus.telemetry";

// An empty string is "no point"; anything else must be a valid identifier (CoreError).
firebus::point_id point_of(const std::string& name) {
  return name.empty() ? firebus::point_id() : firebus::point_id(name);
}

std::string count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Runs a throwing C++ call with the GIL released (the conversions stay outside). What it reads
// must not change meanwhile: another Python thread runs as soon as the GIL is released, so it
// reads copies or immutable objects, or holds the lock of what it reads.
template <class F>
auto released(F&& f) {
  py::gil_scoped_release release;
  return f();
}

// decode(data, births) reads a BirthRegistry with the GIL released (shared); add(), forget() and
// clear() change one with the GIL held and this lock taken exclusively (one lock for every
// registry: births change rarely). Readers that hold the GIL need no lock.
std::shared_mutex& registry_mutex() {
  static std::shared_mutex m;
  return m;
}

void bind_enums(py::module_& m) {
  make_enum<tm::lane>(m, "Lane", module_name,
                      {{"telemetry", tm::lane::telemetry}, {"alarm", tm::lane::alarm}},
                      "The sequence an Envelope's seq counts in: telemetry (sample batches, "
                      "device statuses; the default) or alarm (events, births). Receivers "
                      "identify a message by (source_id, lane, seq).");
  make_enum<tm::device_state>(m, "DeviceState", module_name,
                              {{"unknown", tm::device_state::unknown},
                               {"online", tm::device_state::online},
                               {"fault", tm::device_state::fault},
                               {"offline", tm::device_state::offline},
                               {"quarantined", tm::device_state::quarantined}},
                              "The state of a field device as the gateway sees it: unknown (not "
                              "yet polled), online, fault (answering, reports a fault), offline "
                              "(not answering), quarantined (polled only by an occasional probe).");
  make_enum<tm::errc>(m, "Errc", module_name,
                      {{"malformed", tm::errc::malformed},
                       {"message_too_large", tm::errc::message_too_large},
                       {"too_many_items", tm::errc::too_many_items},
                       {"missing_body", tm::errc::missing_body},
                       {"invalid_source_id", tm::errc::invalid_source_id},
                       {"missing_seq", tm::errc::missing_seq},
                       {"invalid_point_name", tm::errc::invalid_point_name},
                       {"duplicate_alias", tm::errc::duplicate_alias},
                       {"duplicate_point", tm::errc::duplicate_point},
                       {"alias_out_of_range", tm::errc::alias_out_of_range},
                       {"unknown_point", tm::errc::unknown_point},
                       {"unknown_alias", tm::errc::unknown_alias},
                       {"unknown_birth", tm::errc::unknown_birth},
                       {"column_mismatch", tm::errc::column_mismatch},
                       {"bad_exact_index", tm::errc::bad_exact_index},
                       {"missing_kind", tm::errc::missing_kind},
                       {"enum_out_of_range", tm::errc::enum_out_of_range},
                       {"time_out_of_range", tm::errc::time_out_of_range},
                       {"invalid_text", tm::errc::invalid_text},
                       {"invalid_topic", tm::errc::invalid_topic},
                       {"unknown_datatype", tm::errc::unknown_datatype},
                       {"value_mismatch", tm::errc::value_mismatch},
                       {"nesting_too_deep", tm::errc::nesting_too_deep},
                       {"unknown_device", tm::errc::unknown_device},
                       {"invalid_decimals", tm::errc::invalid_decimals}},
                      "TelemetryError codes (TelemetryError.code; category 'firebus.telemetry').");
  m.def(
      "errc_message", [](tm::errc e) { return tm::make_error_code(e).message(); }, py::arg("code"),
      "The C++ message of an Errc ('alias not declared by the birth').");
}

void bind_types(py::module_& m) {
  py::class_<tm::point_decl>(m, "PointDecl",
                             "One point of a Birth: its alias in data messages, its point id "
                             "and what it measures.")
      .def(py::init([](const std::string& name, std::uint64_t alias, const std::string& unit,
                       const std::string& quantity, std::optional<double> low,
                       std::optional<double> high, const std::string& description) {
             tm::point_decl p;
             p.name = point_of(name);
             p.alias = alias;
             p.unit = unit;
             p.quantity = quantity;
             p.low = low;
             p.high = high;
             p.description = description;
             return p;
           }),
           py::arg("name") = std::string(), py::arg("alias") = 0, py::kw_only(),
           py::arg("unit") = std::string(), py::arg("quantity") = std::string(),
           py::arg("low") = py::none(), py::arg("high") = py::none(),
           py::arg("description") = std::string(),
           "A point declaration; `name` must be a valid point id (CoreError otherwise).")
      .def_property(
          "name", [](const tm::point_decl& p) { return p.name.str(); },
          [](tm::point_decl& p, const std::string& n) { p.name = point_of(n); },
          "The point id, e.g. 'b1/f3/rcm1/loop3/ir' ('' for none: refused by the encoder).")
      .def_readwrite("alias", &tm::point_decl::alias,
                     "The point's number in the source's batches (firebus v1: below 2**32).")
      .def_readwrite("unit", &tm::point_decl::unit,
                     "Engineering unit (UCUM where one exists), e.g. 'mA', 'Cel'.")
      .def_readwrite("quantity", &tm::point_decl::quantity,
                     "What is measured, e.g. 'residual_current', 'temperature'.")
      .def_readwrite("low", &tm::point_decl::low,
                     "Lower limit of the measuring range, or None if not known.")
      .def_readwrite("high", &tm::point_decl::high,
                     "Upper limit of the measuring range, or None if not known.")
      .def_readwrite("description", &tm::point_decl::description, "Free text for people.")
      .def(
          "__eq__", [](const tm::point_decl& a, const tm::point_decl& b) { return a == b; },
          py::arg("other"), py::is_operator(), "Field-wise equality.")
      .def(
          "__ne__", [](const tm::point_decl& a, const tm::point_decl& b) { return a != b; },
          py::arg("other"), py::is_operator(), "Field-wise inequality.")
      .def(
          "__repr__",
          [](const tm::point_decl& p) {
            return "PointDecl(name=" + py_repr(py::str(p.name.str())) +
                   ", alias=" + std::to_string(p.alias) + ", unit=" + py_repr(py::str(p.unit)) +
                   ")";
          },
          "PointDecl(name='RC1', alias=0, unit='mA').");

  py::class_<tm::birth>(m, "Birth",
                        "Declares the points a source will report, so that batches carry small "
                        "aliases instead of names. Aliases and names are each unique within a "
                        "birth. `birth_id` identifies the alias assignment: keep it while the "
                        "points are unchanged (batches replayed after a reconnect still decode), "
                        "take a new one when they change.")
      .def(py::init([](std::vector<tm::point_decl> points, double time, std::uint64_t birth_id) {
             tm::birth b;
             b.points = std::move(points);
             b.time = py_utc_time(time);
             b.birth_id = birth_id;
             return b;
           }),
           py::arg("points") = std::vector<tm::point_decl>(), py::kw_only(), py::arg("time") = 0.0,
           py::arg("birth_id") = 0, "A birth; `time` is Unix seconds.")
      .def_readwrite("points", &tm::birth::points,
                     "The points (a copy: assign a whole list to change them).")
      .def_property(
          "time", [](const tm::birth& b) { return to_py_seconds(b.time); },
          [](tm::birth& b, double t) { b.time = py_utc_time(t); },
          "When the birth was made, Unix seconds (travels in whole milliseconds).")
      .def_readwrite("birth_id", &tm::birth::birth_id, "Identifies this alias assignment.")
      .def(
          "assign_aliases", [](tm::birth& b) { tm::assign_aliases(b); },
          "Numbers the points 0, 1, 2, ... in their order (one byte each on the wire for the "
          "first 128).")
      .def(
          "__eq__", [](const tm::birth& a, const tm::birth& b) { return a == b; }, py::arg("other"),
          py::is_operator(), "Field-wise equality.")
      .def(
          "__ne__", [](const tm::birth& a, const tm::birth& b) { return a != b; }, py::arg("other"),
          py::is_operator(), "Field-wise inequality.")
      .def(
          "__repr__",
          [](const tm::birth& b) {
            return "Birth(birth_id=" + std::to_string(b.birth_id) +
                   ", time=" + py_repr(py::float_(to_py_seconds(b.time))) + ", " +
                   count(b.points.size(), "point", "points") + ")";
          },
          "Birth(birth_id=7, time=1764471321.0, 3 points).");

  py::class_<tm::device_status>(m, "DeviceStatus", "A field device entered a state.")
      .def(py::init([](const std::string& device, double time, tm::device_state state,
                       const std::string& detail) {
             return tm::device_status{device, py_utc_time(time), state, detail};
           }),
           py::arg("device") = std::string(), py::arg("time") = 0.0,
           py::arg("state") = tm::device_state::unknown, py::arg("detail") = std::string(),
           "A device status; `time` is Unix seconds.")
      .def_readwrite("device", &tm::device_status::device,
                     "The device's id in the gateway configuration.")
      .def_property(
          "time", [](const tm::device_status& s) { return to_py_seconds(s.time); },
          [](tm::device_status& s, double t) { s.time = py_utc_time(t); },
          "When the state was entered, Unix seconds (travels in whole milliseconds).")
      .def_readwrite("state", &tm::device_status::state, "The state.")
      .def_readwrite("detail", &tm::device_status::detail,
                     "Why, for people: 'timeout', 'exception 0x02'.")
      .def(
          "__eq__", [](const tm::device_status& a, const tm::device_status& b) { return a == b; },
          py::arg("other"), py::is_operator(), "Field-wise equality.")
      .def(
          "__ne__", [](const tm::device_status& a, const tm::device_status& b) { return a != b; },
          py::arg("other"), py::is_operator(), "Field-wise inequality.")
      .def(
          "__repr__",
          [](const tm::device_status& s) {
            return "DeviceStatus(device=" + py_repr(py::str(s.device)) +
                   ", time=" + py_repr(py::float_(to_py_seconds(s.time))) + ", state=DeviceState." +
                   std::string(tm::to_string(s.state)) + ", detail=" + py_repr(py::str(s.detail)) +
                   ")";
          },
          "DeviceStatus(device='unit3', time=1764471321.0, state=DeviceState.offline, "
          "detail='timeout').");

  py::class_<tm::batch>(m, "Batch",
                        "Samples (firebus.core.Sample, named by point id), events "
                        "(firebus.core.Event) and device statuses of one source, in the order "
                        "they were produced. Samples need the aliases of the birth `birth_id` to "
                        "be encoded and decoded.")
      .def(py::init([](std::vector<firebus::sample> samples, std::vector<firebus::event> events,
                       std::vector<tm::device_status> statuses, std::uint64_t birth_id,
                       bool historical) {
             tm::batch b;
             b.samples = std::move(samples);
             b.events = std::move(events);
             b.statuses = std::move(statuses);
             b.birth_id = birth_id;
             b.historical = historical;
             return b;
           }),
           py::arg("samples") = std::vector<firebus::sample>(), py::kw_only(),
           py::arg("events") = std::vector<firebus::event>(),
           py::arg("statuses") = std::vector<tm::device_status>(), py::arg("birth_id") = 0,
           py::arg("historical") = false, "A batch.")
      .def_readwrite("samples", &tm::batch::samples,
                     "The samples (a copy: assign a whole list to change them).")
      .def_readwrite("events", &tm::batch::events,
                     "The events (a copy: assign a whole list to change them).")
      .def_readwrite("statuses", &tm::batch::statuses,
                     "The device statuses (a copy: assign a whole list to change them).")
      .def_readwrite("birth_id", &tm::batch::birth_id, "The birth whose aliases the samples use.")
      .def_readwrite("historical", &tm::batch::historical,
                     "Produced while the uplink was down, sent on reconnect (replay).")
      .def(
          "__eq__", [](const tm::batch& a, const tm::batch& b) { return a == b; }, py::arg("other"),
          py::is_operator(), "Field-wise equality (NaN equals NaN).")
      .def(
          "__ne__", [](const tm::batch& a, const tm::batch& b) { return a != b; }, py::arg("other"),
          py::is_operator(), "Field-wise inequality.")
      .def(
          "__repr__",
          [](const tm::batch& b) {
            return "Batch(birth_id=" + std::to_string(b.birth_id) +
                   (b.historical ? ", historical" : "") + ", " +
                   count(b.samples.size(), "sample", "samples") + ", " +
                   count(b.events.size(), "event", "events") + ", " +
                   count(b.statuses.size(), "status", "statuses") + ")";
          },
          "Batch(birth_id=7, 1000 samples, 2 events, 0 statuses).");

  py::class_<tm::envelope>(m, "Envelope",
                           "One message of a source: a Birth or a Batch, with the source id, a "
                           "lane and the source's sequence number in that lane (1, 2, 3, ...), "
                           "so that receivers can drop duplicates by (source_id, lane, seq).")
      .def(py::init([](const std::string& source_id, std::uint64_t seq,
                       std::variant<tm::batch, tm::birth> body, tm::lane lane) {
             return tm::envelope{source_id, seq, std::move(body), lane};
           }),
           py::arg("source_id") = std::string(), py::arg("seq") = 0,
           py::arg_v("body", tm::batch(), "Batch()"), py::arg("lane") = tm::lane::telemetry,
           "An envelope.")
      .def_readwrite("source_id", &tm::envelope::source_id,
                     "Who sent it: a gateway id (point id rules).")
      .def_readwrite("seq", &tm::envelope::seq, "The source's sequence number in `lane`, from 1.")
      .def_readwrite("lane", &tm::envelope::lane, "The Lane `seq` counts in.")
      .def_readwrite("body", &tm::envelope::body, "The Birth or the Batch (a copy).")
      .def(
          "__eq__", [](const tm::envelope& a, const tm::envelope& b) { return a == b; },
          py::arg("other"), py::is_operator(), "Field-wise equality (NaN equals NaN).")
      .def(
          "__ne__", [](const tm::envelope& a, const tm::envelope& b) { return a != b; },
          py::arg("other"), py::is_operator(), "Field-wise inequality.")
      .def(
          "__repr__",
          [](const tm::envelope& e) {
            const py::object body = py::cast(e.body);
            return "Envelope(source_id=" + py_repr(py::str(e.source_id)) +
                   ", seq=" + std::to_string(e.seq) +
                   (e.lane == tm::lane::alarm ? ", lane=alarm" : "") + ", body=" + py_repr(body) +
                   ")";
          },
          "Envelope(source_id='gw-0001', seq=2, body=Batch(...)).");

  py::class_<tm::alias_table>(m, "AliasTable",
                              "The aliases of one Birth: point id to alias and back. Raises "
                              "TelemetryError (duplicate_alias, duplicate_point, "
                              "invalid_point_name) for a birth that declares a point or an "
                              "alias twice, or a point without a name.")
      .def(py::init([](const tm::birth& b) { return tm::alias_table(b); }), py::arg("birth"),
           "The table of `birth`.")
      .def_property_readonly("birth_id", &tm::alias_table::birth_id,
                             "The birth_id of the birth the table was made from.")
      .def("__len__", &tm::alias_table::size, "The number of points.")
      .def(
          "alias_of",
          [](const tm::alias_table& t, const std::string& point) -> std::optional<std::uint64_t> {
            std::error_code ec;
            const firebus::point_id id = firebus::point_id::make(point, ec);
            if (ec) return std::nullopt;
            return t.alias_of(id);
          },
          py::arg("point"), "The alias of a point id, or None if the birth does not declare it.")
      .def(
          "point_of",
          [](const tm::alias_table& t, std::uint64_t alias) -> std::optional<std::string> {
            const firebus::point_id* p = t.point_of(alias);
            if (p == nullptr) return std::nullopt;
            return p->str();
          },
          py::arg("alias"), "The point id of an alias, or None if the birth does not declare it.")
      .def(
          "__repr__",
          [](const tm::alias_table& t) {
            return "AliasTable(birth_id=" + std::to_string(t.birth_id()) + ", " +
                   count(t.size(), "point", "points") + ")";
          },
          "AliasTable(birth_id=7, 3 points).");

  py::class_<tm::birth_registry>(m, "BirthRegistry",
                                 "A receiver's memory of births: the most recent "
                                 "`births_per_source` alias tables of every source, by birth_id, "
                                 "so that decode() finds the aliases a batch uses.")
      .def(py::init<std::size_t>(), py::arg("births_per_source") = 4,
           "A registry keeping up to `births_per_source` births per source (at least 1).")
      .def(
          "add",
          [](tm::birth_registry& r, const std::string& source_id, const tm::birth& b) {
            tm::alias_table t(b);  // what may raise, before the lock
            const std::unique_lock<std::shared_mutex> lock(registry_mutex());
            r.add(source_id, std::move(t));
          },
          py::arg("source_id"), py::arg("birth"),
          "Remembers the aliases of `birth` from `source_id` (replacing one with the same "
          "birth_id; beyond births_per_source the oldest is forgotten). TelemetryError as "
          "AliasTable().")
      .def(
          "find",
          [](const tm::birth_registry& r, const std::string& source_id,
             std::uint64_t birth_id) -> std::optional<tm::alias_table> {
            const tm::alias_table* t = r.find(source_id, birth_id);
            if (t == nullptr) return std::nullopt;
            return *t;
          },
          py::arg("source_id"), py::arg("birth_id"),
          "A copy of the aliases of birth `birth_id` of `source_id`, or None.")
      .def(
          "forget",
          [](tm::birth_registry& r, const std::string& s) {
            const std::unique_lock<std::shared_mutex> lock(registry_mutex());
            r.forget(s);
          },
          py::arg("source_id"), "Forgets every birth of `source_id`.")
      .def(
          "clear",
          [](tm::birth_registry& r) {
            const std::unique_lock<std::shared_mutex> lock(registry_mutex());
            r.clear();
          },
          "Forgets everything.")
      .def_property_readonly("sources", &tm::birth_registry::sources,
                             "The number of sources with at least one birth.");
}

void bind_codec(py::module_& m) {
  m.attr("MAX_MESSAGE_BYTES") = tm::codec_limits().max_message_bytes;
  m.def(
      "encode",
      [](const tm::envelope& envelope, const tm::alias_table* aliases) {
        // A copy: another thread may change the Envelope (an AliasTable cannot change).
        const tm::envelope env = envelope;
        std::vector<std::uint8_t> out = released([&] {
          return aliases != nullptr ? tm::encode_envelope(env, *aliases) : tm::encode_envelope(env);
        });
        return to_bytes(out);
      },
      py::arg("envelope"), py::arg("aliases") = static_cast<const tm::alias_table*>(nullptr),
      "The envelope as a firebus.v1.Envelope message (protocols/firebus/v1/telemetry.proto). "
      "Samples need the AliasTable of the birth the batch names. Values a 32-bit float cannot "
      "hold travel as doubles, so every float comes back bit for bit; times travel in whole "
      "milliseconds. Raises TelemetryError: unknown_point, unknown_birth, invalid_source_id, "
      "missing_seq, duplicate_alias, duplicate_point, invalid_point_name, alias_out_of_range, "
      "invalid_text, too_many_items, message_too_large.");
  m.def(
      "decode",
      [](const py::bytes& data, const tm::birth_registry& births) {
        const firebus::byte_view v = view_of(data);
        return released([&] {
          const std::shared_lock<std::shared_mutex> lock(registry_mutex());
          return tm::decode_envelope(v, births);
        });
      },
      py::arg("data"), py::arg("births"),
      "Decodes a firebus.v1.Envelope, finding a batch's aliases in `births` by source id and "
      "birth_id. A decoded Birth is not added to `births`: do it with births.add(). Raises "
      "TelemetryError (every Errc but unknown_point), e.g. unknown_birth when the batch's birth "
      "is not known.");
  m.def(
      "decode",
      [](const py::bytes& data, const tm::alias_table& aliases) {
        const firebus::byte_view v = view_of(data);
        return released([&] { return tm::decode_envelope(v, aliases); });
      },
      py::arg("data"), py::arg("aliases"),
      "Decodes with the aliases of one birth (a batch naming another birth_id raises "
      "TelemetryError unknown_birth).");
  m.def(
      "decode",
      [](const py::bytes& data) {
        const firebus::byte_view v = view_of(data);
        return released([&] { return tm::decode_envelope(v); });
      },
      py::arg("data"), "Decodes a birth, or a batch without samples.");
  m.def(
      "stamp",
      [](const py::bytes& data, std::uint64_t seq, tm::lane lane, bool historical) {
        const firebus::byte_view v = view_of(data);
        tm::envelope_stamp s;
        s.seq = seq;
        s.lane = lane;
        s.historical = historical;
        return to_bytes(released([&] { return tm::stamp_envelope(v, s); }));
      },
      py::arg("data"), py::arg("seq"), py::kw_only(), py::arg("lane") = tm::lane::telemetry,
      py::arg("historical") = false,
      "Re-stamps an encoded envelope as the uplink does when it sends it: sets its seq and lane "
      "and, with historical, its batch's historical flag; everything else is kept. Raises "
      "TelemetryError as decode() (aliases aside), missing_seq for seq 0.");
  m.def(
      "to_json",
      [](const tm::envelope& env, const tm::alias_table* aliases) {
        return aliases != nullptr ? tm::to_json(env, *aliases) : tm::to_json(env);
      },
      py::arg("envelope"), py::arg("aliases") = static_cast<const tm::alias_table*>(nullptr),
      "The canonical proto3 JSON of the message encode() makes, on one line: lowerCamelCase "
      "names, 64-bit integers as strings, enumerations by name, fields at their default left "
      "out. Errors as encode().");
  m.def(
      "from_json",
      [](const std::string& text, const tm::birth_registry& births) {
        return tm::envelope_from_json(text, births);
      },
      py::arg("text"), py::arg("births"),
      "Parses the JSON mapping and decodes it as decode() does. Raises TelemetryError "
      "(malformed for bad JSON or unknown fields).");
  m.def(
      "from_json",
      [](const std::string& text, const tm::alias_table& aliases) {
        return tm::envelope_from_json(text, aliases);
      },
      py::arg("text"), py::arg("aliases"), "from_json() with the aliases of one birth.");
  m.def(
      "from_json", [](const std::string& text) { return tm::envelope_from_json(text); },
      py::arg("text"), "from_json() of a birth, or of a batch without samples.");
  m.def(
      "wire_to_json", [](const py::bytes& data) { return tm::wire_to_json(view_of(data)); },
      py::arg("data"),
      "The canonical JSON of encoded bytes, aliases unresolved (no birth needed). Raises "
      "TelemetryError as decode().");
  m.def(
      "json_to_wire", [](const std::string& text) { return to_bytes(tm::json_to_wire(text)); },
      py::arg("text"),
      "Encoded bytes of canonical JSON, aliases unresolved. Raises TelemetryError as "
      "from_json().");
}

}  // namespace
}  // namespace telemetry_detail

void bind_telemetry(py::module_& m) {
  using namespace telemetry_detail;
  bind_enums(m);
  bind_types(m);
  bind_codec(m);
}

}  // namespace firebus_py
