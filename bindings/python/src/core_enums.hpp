// firebus — fire-safety IoT SDK.
//
// Casters of the core enums, shared by every area that takes or returns them (the Python classes
// are created once, in bind_core.cpp). Include this header before using these enums in a binding.
#ifndef FIREBUS_BINDINGS_PYTHON_CORE_ENUMS_HPP
#define FIREBUS_BINDINGS_PYTHON_CORE_ENUMS_HPP

#include <firebus/core/event.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/sequence.hpp>

#include "common.hpp"

FIREBUS_PY_ENUM(firebus::event_kind, EventKind, "firebus._firebus.core.EventKind")
FIREBUS_PY_ENUM(firebus::alarm_class, AlarmClass, "firebus._firebus.core.AlarmClass")
FIREBUS_PY_ENUM(firebus::alarm_state, AlarmState, "firebus._firebus.core.AlarmState")
FIREBUS_PY_ENUM(firebus::event_reason, EventReason, "firebus._firebus.core.EventReason")
FIREBUS_PY_ENUM(firebus::quality_code, QualityCode, "firebus._firebus.core.QualityCode")
FIREBUS_PY_ENUM(firebus::quality_class, QualityClass, "firebus._firebus.core.QualityClass")
FIREBUS_PY_ENUM(firebus::sequence_verdict, SequenceVerdict, "firebus._firebus.core.SequenceVerdict")

#endif  // FIREBUS_BINDINGS_PYTHON_CORE_ENUMS_HPP
