"""The firebus.Error hierarchy: one class per C++ error category, .code/.category, C++ messages."""

from __future__ import annotations

import builtins

import pytest

import firebus
from firebus import core

# category -> (class, a code, its C++ message), messages as in the headers' error categories.
CATEGORIES = {
    "firebus.core": (firebus.CoreError, 1, "input ended before the value was complete"),
    "firebus.gb26875": (firebus.GB26875Error, None, None),
    "firebus.alarm": (firebus.AlarmError, None, None),
    "firebus.text": (firebus.TextError, None, None),
    "firebus.modbus": (firebus.ModbusError, 2, "exception 02: illegal data address"),
    "firebus.profile": (firebus.ProfileError, None, None),
    "firebus.telemetry": (firebus.TelemetryError, None, None),
    "firebus.mqtt": (firebus.MqttError, None, None),
    "firebus.journal": (firebus.JournalError, None, None),
    "generic": (firebus.SystemError, 2, "No such file or directory"),
    "system": (firebus.SystemError, 111, "Connection refused"),
}


def test_hierarchy() -> None:
    assert issubclass(firebus.Error, Exception)
    for cls in (
        firebus.CoreError,
        firebus.GB26875Error,
        firebus.AlarmError,
        firebus.TextError,
        firebus.ModbusError,
        firebus.ProfileError,
        firebus.TelemetryError,
        firebus.MqttError,
        firebus.JournalError,
        firebus.SystemError,
    ):
        assert issubclass(cls, firebus.Error)
        assert cls.__module__ == "firebus"
        assert cls.__doc__
    # firebus.SystemError is not the built-in one.
    assert firebus.SystemError is not builtins.SystemError
    assert firebus.Error.code == 0 and firebus.Error.category == ""


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_error_for_each_category(category: str) -> None:
    cls, code, message = CATEGORIES[category]
    e = firebus.error_for(category, code or 1)
    assert type(e) is cls
    assert e.code == (code or 1)
    assert e.category == category
    if message is not None:
        assert str(e) == message
    assert str(e)
    with_context = firebus.error_for(category, code or 1, "decode")
    assert str(with_context) == "decode: " + str(e)


def test_error_for_unknown_category() -> None:
    with pytest.raises(ValueError, match="unknown error category 'nope'"):
        firebus.error_for("nope", 1)


def test_unknown_code_message_is_the_cpp_one() -> None:
    assert str(firebus.error_for("firebus.core", 99)) == "unknown firebus.core error 99"


def test_cpp_exception_is_translated() -> None:
    # firebus::system_error thrown by C++ arrives as CoreError with what() as its message.
    with pytest.raises(firebus.CoreError) as info:
        core.validate_point_id("")
    e = info.value
    assert isinstance(e, firebus.Error)
    assert (e.code, e.category) == (core.Errc.invalid_point_id, "firebus.core")
    assert str(e) == "point id: empty, 1 to 128 bytes expected: invalid point identifier"


def test_errors_can_be_caught_as_the_base_class() -> None:
    with pytest.raises(firebus.Error):
        core.quality_from_string("nope")


def test_errc_values_match_the_code() -> None:
    for errc in core.Errc:
        e = firebus.error_for("firebus.core", int(errc))
        assert e.code == errc
        assert not str(e).startswith("unknown firebus.core error")


def test_check_library_version_passes() -> None:
    firebus.check_library_version()
