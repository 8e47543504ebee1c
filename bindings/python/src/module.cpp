// firebus — fire-safety IoT SDK.
//
// The private extension module firebus._firebus: one submodule per area, each bound in its own
// bind_<area>.cpp. The pure-Python package `firebus` re-exports them (bindings/python/firebus/).
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "common.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_firebus, m) {
  m.doc() = "firebus: C++ SDK for fire-safety IoT (private module; import firebus instead)";
  firebus_py::register_errors(m);
  // Submodules are also entered in sys.modules, so that `from firebus._firebus.alarm import X`
  // works and type checkers can follow the stubs.
  py::object modules = py::module_::import("sys").attr("modules");
  auto sub = [&](const char* name, const char* doc) {
    py::module_ s = m.def_submodule(name, doc);
    modules[py::str(std::string("firebus._firebus.") + name)] = s;
    return s;
  };
  py::module_ core = sub("core", "Core types: time, samples, events and their names.");
  py::module_ gb26875 = sub("gb26875", "GB/T 26875.3-2011: frames, ADUs, code tables, deframer.");
  py::module_ alarm = sub("alarm", "The alarm engine: rules, inputs, events, snapshots.");
  py::module_ modbus =
      sub("modbus", "Modbus: PDUs, RTU and TCP framing, line timing, the bus scheduler, TCP bus.");
  py::module_ profile = sub("profile", "Device profiles: loader, read items, decoding, writes.");
  firebus_py::bind_core(m, core);
  firebus_py::bind_alarm(alarm);
  firebus_py::bind_gb26875(gb26875);
  firebus_py::bind_io(gb26875);
  firebus_py::bind_session(gb26875);
  firebus_py::bind_modbus(modbus);
  firebus_py::bind_profile(profile);
  firebus_py::bind_modbus_bus(modbus);
  py::module_ uplink = sub("uplink", "The uplink: the store-and-forward journal and its lanes.");
  firebus_py::bind_journal(uplink);
  py::module_ mqtt = sub("mqtt", "MQTT: a client that reconnects by itself, TLS, Will, QoS 0/1.");
  firebus_py::bind_mqtt(mqtt);
  firebus_py::bind_mqtt_uplink(uplink);
  firebus_py::bind_gb26875_uplink(uplink);
  py::module_ telemetry =
      sub("telemetry", "Telemetry: births, batches, aliases, the firebus protobuf encoding, JSON.");
  firebus_py::bind_telemetry(telemetry);
  py::module_ sparkplug =
      sub("sparkplug", "Sparkplug B: payloads, topics and the edge node state machine.");
  firebus_py::bind_sparkplug(sparkplug);
}
