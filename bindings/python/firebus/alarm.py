"""firebus.alarm: re-exports firebus._firebus.alarm (see its docstrings)."""

from ._firebus.alarm import *  # noqa: F401,F403
