// firebus — fire-safety IoT SDK.
//
// The bind_<area> entry points, one per source file.
#ifndef FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP
#define FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP

#include <cstdint>
#include <functional>
#include <system_error>

#include <pybind11/pybind11.h>

#include <firebus/gb26875/adu.hpp>
#include <firebus/io/mqtt_client.hpp>
#include <firebus/profile/codec.hpp>

namespace firebus_py {

namespace py = pybind11;

// firebus._firebus (version, library) and firebus._firebus.core.
void bind_core(py::module_& top, py::module_& core);
// firebus._firebus.alarm.
void bind_alarm(py::module_& alarm);
// firebus._firebus.gb26875: the codec, code tables, deframer and GB 18030 text.
void bind_gb26875(py::module_& gb26875);
// firebus._firebus.gb26875: Client and Server (Asio transports, GIL-aware callbacks).
void bind_io(py::module_& gb26875);
// firebus._firebus.gb26875: UitdSession and CentreSession (the sans-I/O protocol engines).
void bind_session(py::module_& gb26875);
// firebus._firebus.modbus: the Modbus codec (PDUs, RTU and TCP framing, line timing).
void bind_modbus(py::module_& modbus);
// firebus._firebus.profile: device profiles, their loader and codec (after bind_modbus and
// bind_alarm: it uses their classes).
void bind_profile(py::module_& profile);
// firebus._firebus.modbus: the bus scheduler and the Modbus TCP bus (after bind_profile: they use
// its Codec and Readings).
void bind_modbus_bus(py::module_& modbus);
// firebus._firebus.uplink: the store-and-forward journal.
void bind_journal(py::module_& uplink);
// firebus._firebus.mqtt: the MQTT client.
void bind_mqtt(py::module_& mqtt);
// firebus._firebus.uplink.MqttUplink (bind_journal.cpp; after bind_journal).
void bind_mqtt_uplink(py::module_& uplink);
// firebus._firebus.uplink.Gb26875Uplink (bind_gb26875_uplink.cpp; after bind_io and bind_journal).
void bind_gb26875_uplink(py::module_& uplink);

// What firebus.uplink.MqttUplink needs of a firebus.mqtt.Client (bind_mqtt.cpp).
struct mqtt_client_access {
  firebus::mqtt::client* client = nullptr;  // null: closed
  asio::io_context* io = nullptr;
  bool running = false;  // started
  // Deliver to the Client's Python callbacks (on_connection, on_published).
  std::function<void(const firebus::mqtt::connection_event&)> connection;
  std::function<void(std::uint64_t, std::error_code)> published;
  // Registers a function that Client.close() runs before the C++ client goes.
  std::function<void(std::function<void()>)> on_close;
};
// Raises TypeError unless `client` is a firebus.mqtt.Client.
mqtt_client_access access_mqtt_client(py::handle client);
// firebus._firebus.telemetry: births, batches, aliases, the firebus protobuf encoding and its JSON
// (after bind_core: it uses Sample and Event).
void bind_telemetry(py::module_& telemetry);
// firebus._firebus.sparkplug: Sparkplug B payloads, topics and the edge node (after bind_core:
// it uses Sample, Event and AlarmClass).
void bind_sparkplug(py::module_& sparkplug);

// Defined in bind_profile.cpp: readings as a firebus.profile.Readings (points named by id).
py::object readings_to_py(const firebus::profile::codec& c, const firebus::profile::readings& r);

// Shared by the gb26875 files (defined in bind_gb26875.cpp, usable once bind_gb26875 ran):
// the registry of a firebus.gb26875.UserTypes, or nullptr for None (TypeError for anything
// else; the caller keeps the Python object alive as long as it uses the pointer);
const firebus::gb26875::user_types* user_types_of(py::handle h);
// whether `h` is a firebus.gb26875.UserTypes;
bool is_user_types(py::handle h);
// an ADU as a firebus.gb26875.Adu, and back (TypeError for anything but an Adu).
py::object adu_to_py(const firebus::gb26875::adu& a);
firebus::gb26875::adu adu_from_py(py::handle h);

// A registry argument from Python: a firebus.gb26875.UserTypes or None (anything else does not
// load: TypeError). Holds the Python object, so the registry lives as long as the holder.
struct users_arg {
  py::object obj;  // null or None: no registry
  const firebus::gb26875::user_types* types() const {
    return obj && !obj.is_none() ? user_types_of(obj) : nullptr;
  }
};

}  // namespace firebus_py

namespace pybind11 {
namespace detail {
template <>
struct type_caster<firebus_py::users_arg> {
  PYBIND11_TYPE_CASTER(firebus_py::users_arg,
                       const_name("typing.Optional[firebus._firebus.gb26875.UserTypes]"));
  bool load(handle src, bool) {
    if (!src || (!src.is_none() && !firebus_py::is_user_types(src))) return false;
    value.obj = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const firebus_py::users_arg& v, return_value_policy, handle) {
    return v.obj ? v.obj.inc_ref() : none().release();
  }
};
}  // namespace detail
}  // namespace pybind11

#endif  // FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP
