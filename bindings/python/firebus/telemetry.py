"""firebus.telemetry: re-exports firebus._firebus.telemetry (see its docstrings).

The firebus protobuf telemetry encoding (protocols/firebus/v1/telemetry.proto) and its canonical
JSON: Birth, Batch, Envelope, AliasTable, BirthRegistry, encode(), decode(), to_json(),
from_json(). Errors raise TelemetryError (firebus.TelemetryError). See docs/telemetry.md.
"""

from ._firebus import TelemetryError  # noqa: F401
from ._firebus.telemetry import *  # noqa: F401,F403
