// firebus — fire-safety IoT SDK.
//
// firebus._firebus.gb26875: UitdSession and CentreSession, the sans-I/O GB/T 26875.3 protocol
// engines (<firebus/gb26875/uitd_session.hpp>, <firebus/gb26875/centre_session.hpp>).
#include "bindings.hpp"
#include "common.hpp"

namespace firebus_py {

void bind_session(py::module_& m) { (void)m; }

}  // namespace firebus_py
