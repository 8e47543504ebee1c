"""firebus.gb26875: re-exports firebus._firebus.gb26875 (see its docstrings)."""

from ._firebus.gb26875 import *  # noqa: F401,F403
