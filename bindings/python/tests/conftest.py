"""Fixtures shared by the test files: the Acrel ASJ10L-LD1A relay served by pymodbus over TCP."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

# The ASJ10L-LD1A's holding registers (protocols/profiles/acrel-asj10l-ld1a.json): IR 318 mA,
# IΔn 300, pre-alarm 240, non-driving time 200, CT-break alarm on, status bits 0b110 (alarm and
# CT break), password 1, DI1 on.
ASJ_REGISTERS = {0: 318, 8: 300, 9: 240, 16: 200, 26: 1, 27: 0b110, 29: 1, 30: 0b01}


class ModbusPeer:
    """A pymodbus Modbus/TCP server on localhost, in a thread of its own, serving one unit.

    `writes` records every write request the server executed, in order, as (unit, function code,
    address, values); `set()` changes registers as a write from another master would. Requests
    to other units get no answer at all (they time out), as behind a gateway whose device is
    gone.
    """

    def __init__(self, registers: dict[int, int], unit: int = 1) -> None:
        pytest.importorskip("pymodbus")
        from pymodbus.datastore import (
            ModbusDeviceContext,
            ModbusSequentialDataBlock,
            ModbusServerContext,
        )
        from pymodbus.exceptions import NoSuchIdException
        from pymodbus.server import ModbusTcpServer

        self.regs = dict(registers)
        self.unit = unit
        self.writes: list[tuple[int, int, int, list[int]]] = []
        block = [registers.get(a, 0) for a in range(64)]
        # pymodbus's device context reads PDU address a at block address a + 1.
        device = ModbusDeviceContext(hr=ModbusSequentialDataBlock(1, block))
        context = ModbusServerContext(devices={unit: device}, single=False)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.server: Any = None
        ready = threading.Event()
        peer = self

        class Recorder:
            """The server's data store (pymodbus's SimCore), with writes recorded and unknown
            units ignored."""

            def __init__(self, inner: Any) -> None:
                self.inner = inner

            def __getattr__(self, name: str) -> Any:
                return getattr(self.inner, name)

            async def async_getValues(
                self, unit: int, fc: int, address: int, count: int = 1
            ) -> Any:
                if unit != peer.unit:
                    raise NoSuchIdException(unit)
                return await self.inner.async_getValues(unit, fc, address, count)

            async def async_setValues(self, unit: int, fc: int, address: int, values: Any) -> Any:
                if unit != peer.unit:
                    raise NoSuchIdException(unit)
                peer.writes.append((unit, fc, address, [int(v) for v in values]))
                return await self.inner.async_setValues(unit, fc, address, values)

        async def serve() -> None:
            self.server = ModbusTcpServer(
                context, address=("127.0.0.1", self.port), ignore_missing_devices=True
            )
            self.server.context = Recorder(self.server.context)
            ready.set()
            await self.server.serve_forever()

        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(serve(),), daemon=True
        )
        self.thread.start()
        ready.wait(5)

    def set(self, address: int, value: int) -> None:
        """Sets a holding register (not recorded in `writes`)."""

        async def store() -> None:
            await self.server.context.inner.async_setValues(self.unit, 6, address, [value])

        asyncio.run_coroutine_threadsafe(store(), self.loop).result(5)
        self.regs[address] = value

    def close(self) -> None:
        if self.server is not None:
            asyncio.run_coroutine_threadsafe(self.server.shutdown(), self.loop).result(5)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture()
def asj_peer() -> Iterator[ModbusPeer]:
    """The ASJ10L's registers served at unit 1 by pymodbus on an ephemeral localhost port."""
    peer = ModbusPeer(ASJ_REGISTERS, unit=1)
    try:
        yield peer
    finally:
        peer.close()


@pytest.fixture()
def asj_server(asj_peer: ModbusPeer) -> tuple[int, dict[int, int]]:
    """(port, registers) of asj_peer."""
    return asj_peer.port, asj_peer.regs
