"""firebus.aio: asyncio front ends of the GB/T 26875.3 Client and Server.

The C++ transports run on their own I/O thread; these classes turn their callbacks and
concurrent.futures.Future objects into awaitables of the running event loop
(loop.call_soon_threadsafe, asyncio.wrap_future)::

    async with AsyncServer(ServerConfig(listen_address="127.0.0.1", address=1)) as centre:
        config = ClientConfig(port=centre.port, address=0x12345678, centre_address=1)
        async with AsyncClient(config) as uitd:
            await uitd.wait_connected()
            delivery = await uitd.send(adu_bytes)
            message = await centre.next_message()

The underlying objects stay reachable (AsyncClient.client, AsyncServer.server) for everything
not wrapped here: counters, the data provider, on_delivered, ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from types import TracebackType

from ._firebus.gb26875 import (
    Client,
    ClientConfig,
    ClientEvent,
    Delivery,
    MessagePriority,
    Server,
    ServerConfig,
    ServerMessage,
)

__all__ = ["AsyncClient", "AsyncServer"]


def _threadsafe(loop: asyncio.AbstractEventLoop, fn: Callable[..., object]) -> Callable[..., None]:
    """A callable for the I/O thread that runs fn(*args) on `loop` (dropped once it is closed)."""

    def call(*args: object) -> None:
        if not loop.is_closed():
            try:
                loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:  # the loop closed meanwhile
                pass

    return call


class AsyncClient:
    """asyncio front of firebus.gb26875.Client (the UITD side).

    start() (or ``async with``) starts the client; send() awaits the centre's confirm and
    returns a Delivery, or raises the failure (firebus.GB26875Error). Connection changes and
    engine events are available as awaitables (wait_connected(), next_event(), events()).
    This class takes over the client's on_connected, on_disconnected and on_event callbacks.
    """

    def __init__(self, config: ClientConfig) -> None:
        self.client: Client = Client(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connected: asyncio.Event | None = None
        self._events: asyncio.Queue[ClientEvent] | None = None

    def _bind(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return loop
        self._loop = loop
        self._connected = asyncio.Event()
        self._events = asyncio.Queue()
        connected, events = self._connected, self._events
        self.client.on_connected = _threadsafe(loop, connected.set)
        self.client.on_disconnected = _threadsafe(loop, lambda _error: connected.clear())
        self.client.on_event = _threadsafe(loop, events.put_nowait)
        if self.client.is_connected:
            connected.set()
        return loop

    async def start(self) -> None:
        """Starts the client (connects, reconnects with back-off)."""
        self._bind()
        self.client.start()

    async def stop(self) -> None:
        """Stops the client; queued messages stay queued until the next start()."""
        self.client.stop()
        if self._connected is not None:
            self._connected.clear()

    async def close(self) -> None:
        """Closes the client (the blocking part runs in the default executor)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.client.close)

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Waits until a connection to the centre is established (asyncio.TimeoutError)."""
        self._bind()
        assert self._connected is not None
        await asyncio.wait_for(self._connected.wait(), timeout)

    @property
    def is_connected(self) -> bool:
        """True while a connection to the centre is established."""
        return self.client.is_connected

    async def send(self, adu: bytes, priority: MessagePriority | None = None) -> Delivery:
        """Sends the ADU and waits for its outcome: a Delivery, or firebus.GB26875Error."""
        self._bind()
        return await asyncio.wrap_future(self.client.send_future(adu, priority))

    async def answer_duty_check(self, operator_id: int) -> Delivery:
        """Sends the operator's answer to a duty check and waits for its confirm."""
        self._bind()
        return await asyncio.wrap_future(self.client.answer_duty_check_future(operator_id))

    async def next_event(self, timeout: float | None = None) -> ClientEvent:
        """The next ClientEvent of the engine (clock sync, duty check, ...)."""
        self._bind()
        assert self._events is not None
        return await asyncio.wait_for(self._events.get(), timeout)

    async def events(self) -> AsyncIterator[ClientEvent]:
        """The engine's events, as they come (``async for event in client.events()``)."""
        while True:
            yield await self.next_event()

    async def __aenter__(self) -> AsyncClient:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class AsyncServer:
    """asyncio front of firebus.gb26875.Server (the monitoring centre's side).

    listen() (or ``async with``) binds; messages and new connections are queued for
    next_message() / messages() and wait_connection(); request() and control() await the
    UITD's answer (a ServerMessage) or raise firebus.GB26875Error. This class takes over the
    server's on_message and on_connect callbacks; under ConfirmPolicy.after_accept, call
    accept() or reject() with message.token.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.server: Server = Server(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._messages: asyncio.Queue[ServerMessage] | None = None
        self._connections: asyncio.Queue[int] | None = None

    def _bind(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return loop
        self._loop = loop
        self._messages = asyncio.Queue()
        self._connections = asyncio.Queue()
        messages, connections = self._messages, self._connections
        self.server.on_message = _threadsafe(loop, messages.put_nowait)
        self.server.on_connect = _threadsafe(loop, lambda c, _remote: connections.put_nowait(c))
        return loop

    async def listen(self) -> int:
        """Binds, listens and accepts; returns the port."""
        self._bind()
        return self.server.listen()

    async def close(self) -> None:
        """Closes the server (the blocking part runs in the default executor)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.server.close)

    @property
    def port(self) -> int:
        """The port listened on."""
        return self.server.port

    async def wait_connection(self, timeout: float | None = None) -> int:
        """The id of the next accepted connection."""
        self._bind()
        assert self._connections is not None
        return await asyncio.wait_for(self._connections.get(), timeout)

    async def next_message(self, timeout: float | None = None) -> ServerMessage:
        """The next message from any UITD."""
        self._bind()
        assert self._messages is not None
        return await asyncio.wait_for(self._messages.get(), timeout)

    async def messages(self) -> AsyncIterator[ServerMessage]:
        """The messages, as they come (``async for message in server.messages()``)."""
        while True:
            yield await self.next_message()

    async def request(self, connection: int, adu: bytes) -> ServerMessage:
        """Sends a read to `connection` and waits for the response."""
        self._bind()
        return await asyncio.wrap_future(self.server.request_future(connection, adu))

    async def control(self, connection: int, adu: bytes) -> ServerMessage:
        """Sends a control (initialise, clock sync, duty check) and waits for the confirm."""
        self._bind()
        return await asyncio.wrap_future(self.server.control_future(connection, adu))

    def accept(self, connection: int, token: int) -> None:
        """ConfirmPolicy.after_accept: confirm the message with `token`."""
        self.server.accept(connection, token)

    def reject(self, connection: int, token: int) -> None:
        """ConfirmPolicy.after_accept: deny the message with `token`."""
        self.server.reject(connection, token)

    async def __aenter__(self) -> AsyncServer:
        await self.listen()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
