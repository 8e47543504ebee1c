// firebus — fire-safety IoT SDK.
//
// The bind_<area> entry points, one per source file.
#ifndef FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP
#define FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP

#include <pybind11/pybind11.h>

#include <firebus/gb26875/adu.hpp>

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

// Shared by the gb26875 files (defined in bind_gb26875.cpp, usable once bind_gb26875 ran):
// the registry of a firebus.gb26875.UserTypes, or nullptr for None (TypeError for anything
// else; the caller keeps the Python object alive as long as it uses the pointer);
const firebus::gb26875::user_types* user_types_of(py::handle h);
// an ADU as a firebus.gb26875.Adu, and back (TypeError for anything but an Adu).
py::object adu_to_py(const firebus::gb26875::adu& a);
firebus::gb26875::adu adu_from_py(py::handle h);

}  // namespace firebus_py

#endif  // FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP
