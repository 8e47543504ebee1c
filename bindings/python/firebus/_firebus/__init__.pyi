"""
firebus: C++ SDK for fire-safety IoT (private module; import firebus instead)
"""

from __future__ import annotations
import firebus._firebus.mqtt
import typing
from . import alarm
from . import core
from . import gb26875
from . import modbus
from . import mqtt
from . import profile
from . import sparkplug
from . import telemetry
from . import uplink

def check_library_version() -> None:
    """
    Raises CoreError (Errc.version_mismatch) unless the compiled library has the major version of the headers the module was built with, and at least their minor version.
    """

def error_for(category: str, code: int, context: str = "") -> typing.Any:
    """
    The exception firebus raises for the C++ std::error_code (code, category), unraised: the firebus.Error subclass of the category, with the C++ message ('<context>: <message>' when a context is given). E.g. error_for('firebus.core', 1).
    """

def library_version() -> str:
    """
    The version of the C++ library the module was built with, e.g. '1.0.0'.
    """

def library_version_info() -> tuple[int, int, int]:
    """
    The library version as a tuple (major, minor, patch).
    """

__version__: str = "1.0.0"

class Error(Exception):
    """
    Base class of firebus errors. Attributes: code (int, the std::error_code value) and category (str, e.g. 'firebus.gb26875'); str() is the C++ message.
    """

    code: int
    category: str

class AlarmError(Error):
    """
    Alarm engine errors (category firebus.alarm).
    """

class CoreError(Error):
    """
    Errors of the core types (category firebus.core).
    """

class GB26875Error(Error):
    """
    GB/T 26875.3 codec and session errors (category firebus.gb26875).
    """

class JournalError(Error):
    """
    Store-and-forward journal errors: a full journal, storage failures, unopenable or damaged files (category firebus.journal; codes: JournalErrc of firebus.uplink).
    """

class ModbusError(Error):
    """
    Modbus codec and bus errors, exception replies included (category firebus.modbus).
    """

class MqttError(Error):
    """
    MQTT client errors: refused options and publishes, refusals by the broker, TLS failures, lost connections (category firebus.mqtt; codes: firebus._firebus.mqtt.Errc).
    """

class ProfileError(Error):
    """
    Device profile errors: refused profiles ('<file>: <JSON path>: <message>') and refused uses of a profile (category firebus.profile).
    """

class SystemError(Error):
    """
    Operating-system errors (std::generic_category and std::system_category: errno values; not the built-in SystemError).
    """

class TelemetryError(Error):
    """
    Telemetry encoding errors: refused messages on the way out or in, with where and what (category firebus.telemetry; codes: Errc of firebus.telemetry).
    """

class TextError(Error):
    """
    GB 18030 text conversion errors (category firebus.text).
    """
