"""firebus.gb26875: re-exports firebus._firebus.gb26875 (see its docstrings)."""

from ._firebus.gb26875 import *  # noqa: F401,F403
from ._firebus.gb26875 import (
    CentreCloseReason,
    ClientEventKind,
    ComponentStatus,
    SystemStatus,
    UitdStatus,
)

# The C++ names of the enumerations that Python knows under a clearer one (the gb26875 module
# holds the client's and the centre's types side by side): the same classes.
CloseReason = CentreCloseReason  # firebus::gb26875::close_reason (centre_session::close)
UitdEventKind = ClientEventKind  # firebus::gb26875::uitd_event_kind (uitd_event::kind)
SystemStatusBit = SystemStatus  # firebus::gb26875::system_status_bit
ComponentStatusBit = ComponentStatus  # firebus::gb26875::component_status_bit
UitdStatusBit = UitdStatus  # firebus::gb26875::uitd_status_bit
