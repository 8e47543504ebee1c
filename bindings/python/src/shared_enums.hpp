// firebus — fire-safety IoT SDK.
//
// Casters of the area enums that more than one bind_<area>.cpp takes or returns (each Python class
// is created once, by the area that owns it). Declared here once, so that every file sees the same
// caster and the binding sources can also be compiled together (the CMake unity build of
// firebus_python). Include this header before using these enums in a binding.
#ifndef FIREBUS_BINDINGS_PYTHON_SHARED_ENUMS_HPP
#define FIREBUS_BINDINGS_PYTHON_SHARED_ENUMS_HPP

#include <firebus/alarm/types.hpp>
#include <firebus/gb26875/centre_session.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/gb26875/uitd_session.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/text.hpp>

#include "common.hpp"

// firebus._firebus.alarm (bind_alarm.cpp; bind_profile.cpp too)
FIREBUS_PY_ENUM(firebus::alarm::device_condition, AlarmDeviceCondition,
                "firebus._firebus.alarm.DeviceCondition")
FIREBUS_PY_ENUM(firebus::alarm::device_status, AlarmDeviceStatus,
                "firebus._firebus.alarm.DeviceStatus")

// firebus._firebus.gb26875 (bind_gb26875.cpp, bind_io.cpp, bind_session.cpp,
// bind_gb26875_uplink.cpp)
FIREBUS_PY_ENUM(firebus::gb26875::command, GbCommand, "firebus._firebus.gb26875.Command")
FIREBUS_PY_ENUM(firebus::gb26875::message_priority, MessagePriority,
                "firebus._firebus.gb26875.MessagePriority")
FIREBUS_PY_ENUM(firebus::gb26875::confirm_policy, ConfirmPolicy,
                "firebus._firebus.gb26875.ConfirmPolicy")
FIREBUS_PY_ENUM(firebus::gb26875::uitd_event_kind, ClientEventKind,
                "firebus._firebus.gb26875.ClientEventKind")
// firebus._firebus.gb26875.text (bind_text.cpp; bind_gb26875.cpp too)
FIREBUS_PY_ENUM(firebus::text_policy, TextPolicy, "firebus._firebus.gb26875.text.TextPolicy")

// firebus._firebus.modbus (bind_modbus.cpp; bind_modbus_bus.cpp and bind_profile.cpp too)
FIREBUS_PY_ENUM(firebus::modbus::function, MbFunction, "firebus._firebus.modbus.Function")
FIREBUS_PY_ENUM(firebus::modbus::table, MbTable, "firebus._firebus.modbus.Table")
FIREBUS_PY_ENUM(firebus::modbus::errc, MbErrc, "firebus._firebus.modbus.Errc")

// firebus._firebus.uplink (bind_journal.cpp; bind_gb26875_uplink.cpp too)
FIREBUS_PY_ENUM(firebus::uplink::lane, UlLane, "firebus._firebus.uplink.Lane")
FIREBUS_PY_ENUM(firebus::uplink::log_level, UlLogLevel, "firebus._firebus.uplink.LogLevel")

#endif  // FIREBUS_BINDINGS_PYTHON_SHARED_ENUMS_HPP
