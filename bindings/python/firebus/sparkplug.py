"""firebus.sparkplug: re-exports firebus._firebus.sparkplug (see its docstrings).

Sparkplug B (Eclipse Sparkplug 3.0): Payload and Metric with encode() and decode(), Topic and
parse_topic(), and EdgeNode, the edge node as a pure state machine (Will with bdSeq, births,
data with aliases, rebirth, device deaths, alarms as metrics). Times are integer milliseconds
since 1970, as the protocol has them. Errors raise TelemetryError (firebus.TelemetryError). See
docs/telemetry.md, "Sparkplug B".
"""

from ._firebus import TelemetryError  # noqa: F401
from ._firebus.sparkplug import *  # noqa: F401,F403
