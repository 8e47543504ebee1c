"""firebus.core: re-exports firebus._firebus.core (see its docstrings)."""

from ._firebus.core import *  # noqa: F401,F403
