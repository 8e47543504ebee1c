"""Every public type that crosses to Python has a Python counterpart with the same names
(docs/architecture: "Contracts that tests and users rely on").

Every `enum class` of include/firebus that a binding source names has a Python enumeration of
the same name in CamelCase, with the same members (C++'s trailing underscore, as in `double_`,
dropped)."""

from __future__ import annotations

import enum
import os
import re
import types
from pathlib import Path

import pytest

import firebus
import firebus.gb26875

SOURCE_DIR = Path(os.environ.get("FIREBUS_SOURCE_DIR") or Path(__file__).resolve().parents[3])
INCLUDE = SOURCE_DIR / "include" / "firebus"
BINDINGS = SOURCE_DIR / "bindings" / "python" / "src"

# C++ enumerations whose binding source mentions them without giving them to Python.
NOT_CROSSING = {
    "endian",  # bind_modbus.cpp: only "big-endian" in a docstring
    "event_group",  # bind_alarm.cpp: used inside the binding to sort events
    "gate",  # io_common.hpp: a call_gate named `gate`; the C++ one is the scheduler's private enum
}


def camel(name: str) -> str:
    return "".join(w.capitalize() for w in name.split("_"))


def cpp_enums() -> dict[str, list[tuple[str, list[str]]]]:
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for header in sorted(INCLUDE.rglob("*.hpp")):
        text = re.sub(r"//[^\n]*", "", header.read_text(encoding="utf-8"))
        for m in re.finditer(r"enum class (\w+)\s*(?::\s*[\w:]+)?\s*\{([^}]*)\}", text):
            members = [re.split(r"[=\s]", x.strip())[0] for x in m.group(2).split(",") if x.strip()]
            found.setdefault(m.group(1), []).append((str(header.relative_to(SOURCE_DIR)), members))
    return found


def python_enums() -> dict[str, list[set[str]]]:
    found: dict[str, list[set[str]]] = {}
    seen: set[int] = set()

    def walk(namespace: dict[str, object]) -> None:
        for attr, value in namespace.items():
            if isinstance(value, types.ModuleType) and value.__name__.startswith("firebus"):
                if id(value) not in seen:
                    seen.add(id(value))
                    walk(vars(value))
            elif isinstance(value, type) and issubclass(value, enum.Enum):
                found.setdefault(attr, []).append(set(value.__members__))

    walk(vars(firebus))
    walk(vars(firebus._firebus))
    return found


def crossing() -> list[str]:
    sources = "\n".join(p.read_text(encoding="utf-8") for p in BINDINGS.glob("*.[ch]pp"))
    return sorted(n for n in cpp_enums() if re.search(rf"\b{n}\b", sources) and n not in NOT_CROSSING)


@pytest.mark.parametrize("name", crossing())
def test_enum_has_a_python_counterpart_with_the_same_names(name: str) -> None:
    py = python_enums()
    assert camel(name) in py, f"no Python enumeration {camel(name)} for C++ {name}"
    for header, members in cpp_enums()[name]:
        wanted = {m.rstrip("_") for m in members}
        assert any(wanted == got for got in py[camel(name)]), (header, sorted(wanted), py[camel(name)])


def test_renamed_gb26875_enumerations_are_the_same_classes() -> None:
    g = firebus.gb26875
    assert g.UitdEventKind is g.ClientEventKind
    assert g.CloseReason is g.CentreCloseReason
    assert g.SystemStatusBit is g.SystemStatus
    assert g.ComponentStatusBit is g.ComponentStatus
    assert g.UitdStatusBit is g.UitdStatus
