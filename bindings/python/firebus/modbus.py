"""firebus.modbus: re-exports firebus._firebus.modbus (see its docstrings)."""

from ._firebus.modbus import *  # noqa: F401,F403
