"""firebus.profile: re-exports firebus._firebus.profile (see its docstrings)."""

from ._firebus.profile import *  # noqa: F401,F403
