"""firebus: the fire-safety IoT SDK for Python.

Submodules:
    firebus.core     time helpers, samples, events and their names
    firebus.gb26875  GB/T 26875.3-2011: frames, ADUs, code tables, deframer, client, server
    firebus.alarm    the alarm engine
    firebus.modbus   Modbus: PDUs, RTU and TCP framing, line timing
    firebus.profile  device profiles: loader, read items, decoding, setpoint writes
    firebus.telemetry  births, batches and the firebus protobuf encoding and its JSON
    firebus.sparkplug  Sparkplug B: payloads, topics and the edge node
    firebus.mqtt     an MQTT client that reconnects by itself (TLS, Will, QoS 0/1)
    firebus.uplink   the store-and-forward journal and its lanes
    firebus.aio      asyncio wrappers of the GB/T 26875.3 client and server

Errors raise firebus.Error subclasses (one per C++ error category) with the C++ messages.
Times are float seconds (Unix seconds for UTC times). See docs/python.md.
"""

from . import _firebus
from ._firebus import (
    AlarmError,
    CoreError,
    Error,
    GB26875Error,
    JournalError,
    ModbusError,
    MqttError,
    ProfileError,
    SystemError,
    TelemetryError,
    TextError,
    check_library_version,
    error_for,
    library_version,
    library_version_info,
)
from . import alarm, core, gb26875, modbus, mqtt, profile, sparkplug, telemetry, uplink

__version__: str = _firebus.__version__

__all__ = [
    "AlarmError",
    "CoreError",
    "Error",
    "GB26875Error",
    "JournalError",
    "ModbusError",
    "MqttError",
    "ProfileError",
    "SystemError",
    "TelemetryError",
    "TextError",
    "__version__",
    "alarm",
    "check_library_version",
    "core",
    "error_for",
    "gb26875",
    "library_version",
    "library_version_info",
    "modbus",
    "mqtt",
    "profile",
    "sparkplug",
    "telemetry",
    "uplink",
]
