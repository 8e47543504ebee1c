// firebus — fire-safety IoT SDK.
//
// The bind_<area> entry points, one per source file.
#ifndef FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP
#define FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP

#include <pybind11/pybind11.h>

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

}  // namespace firebus_py

#endif  // FIREBUS_BINDINGS_PYTHON_BINDINGS_HPP
