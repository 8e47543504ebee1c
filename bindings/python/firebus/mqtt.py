"""firebus.mqtt: re-exports firebus._firebus.mqtt (see its docstrings)."""

from ._firebus.mqtt import *  # noqa: F401,F403
