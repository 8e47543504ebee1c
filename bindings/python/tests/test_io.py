"""firebus.gb26875.Client and Server (the Asio transports) on loopback, and firebus.aio.

Every wait is bounded (WAIT seconds), so a bug fails a check instead of hanging.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import errno
import gc
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import firebus
import pytest
from firebus import gb26875 as gb
from firebus.aio import AsyncClient, AsyncServer

WAIT = 3.0
UITD = 0x000012345678
CENTRE = 0x000000000001

# GB26875Error codes (firebus::gb26875::errc).
NO_ANSWER = 16
DENIED = 17
NOT_CONNECTED = 19


def tag(s: int = 5, mi: int = 4, h: int = 3, d: int = 2, mo: int = 1, y: int = 24) -> bytes:
    """A time tag: second, minute, hour, day, month, year - 2000."""
    return bytes([s, mi, h, d, mo, y])


def uitd_status(status: int = 0x02) -> bytes:
    """ADU type 21 (UITD status), one object; bit 1 = fire alarm."""
    return bytes([21, 1, status]) + tag()


READ_UITD_STATUS = bytes([81, 1, 0])
INIT_UITD = bytes([89, 1, 0])


def duty_check(minutes: int) -> bytes:
    return bytes([91, 1, minutes])


def sync_time() -> bytes:
    return bytes([90, 1]) + tag(0, 30, 12, 15, 6, 25)


def wait_for(cond: Callable[[], bool], timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


@pytest.fixture
def server() -> Iterator[gb.Server]:
    s = gb.Server(gb.ServerConfig(listen_address="127.0.0.1", address=CENTRE))
    yield s
    s.close()


def client_for(port: int, **kw: Any) -> gb.Client:
    cfg = gb.ClientConfig(
        port=port,
        address=UITD,
        centre_address=CENTRE,
        backoff_initial=0.05,
        backoff_max=0.2,
        **kw,
    )
    return gb.Client(cfg)


@contextlib.contextmanager
def unraisable() -> Iterator[list[Any]]:
    """Collects what sys.unraisablehook receives (inside the test: pytest sets its own hook
    around each test phase)."""
    seen: list[Any] = []
    old = sys.unraisablehook
    sys.unraisablehook = lambda u: seen.append(u.exc_value)
    try:
        yield seen
    finally:
        sys.unraisablehook = old


def first_message(server: gb.Server, client: gb.Client) -> int:
    """Sends one message so that the server learns the UITD's address; its connection id."""
    client.send_future(uitd_status()).result(WAIT)
    assert wait_for(lambda: server.find_by_address(UITD) != 0)
    return server.find_by_address(UITD)


# --- configuration ----------------------------------------------------------------------------


def test_config_keywords_and_attributes() -> None:
    cfg = gb.ClientConfig(port=5000, address=UITD, answer_timeout=0.5, retries=1)
    assert cfg.port == 5000 and cfg.address == UITD and cfg.retries == 1
    assert cfg.answer_timeout.total_seconds() == 0.5
    assert cfg.heartbeat.total_seconds() == 30
    cfg.heartbeat = 0.0
    assert cfg.heartbeat.total_seconds() == 0
    assert "port=5000" in repr(cfg)
    cfg.validate()
    with pytest.raises(firebus.Error):
        gb.ClientConfig(port=0).validate()
    with pytest.raises(firebus.Error):
        gb.Client(gb.ClientConfig(port=0))
    scfg = gb.ServerConfig(port=0, confirm=gb.ConfirmPolicy.after_accept)
    assert scfg.confirm is gb.ConfirmPolicy.after_accept
    with pytest.raises(firebus.Error):
        gb.Server(gb.ServerConfig(max_connections=0))
    assert gb.Client.send.__doc__ and gb.Server.request_future.__doc__


def test_listen_ephemeral_port_and_errors(server: gb.Server) -> None:
    port = server.listen()
    assert port > 0 and server.port == port
    assert server.connections() == []
    other = gb.Server(gb.ServerConfig(listen_address="127.0.0.1", port=port))
    with pytest.raises(firebus.Error):  # the port is taken
        other.listen()
    other.close()
    with pytest.raises(firebus.GB26875Error):
        server.request(99, READ_UITD_STATUS)  # no such connection
    c = client_for(port)
    with pytest.raises(firebus.GB26875Error):
        c.send(b"\x15")  # not a valid ADU
    c.close()
    with pytest.raises(firebus.Error):
        c.send(uitd_status())
    assert c.closed and "closed" in repr(c)


def test_durations_accept_int_float_and_timedelta() -> None:
    td = datetime.timedelta
    cfg = gb.ClientConfig(port=1, answer_timeout=5, heartbeat=2.5, max_age=td(minutes=1),
                          utc_offset=-3600, backoff_initial=1, backoff_max=7,
                          connect_timeout=3, idle_flush=0.25)
    assert cfg.answer_timeout == td(seconds=5) and cfg.heartbeat == td(seconds=2.5)
    assert cfg.max_age == td(minutes=1) and cfg.utc_offset == td(hours=-1)
    assert cfg.backoff_initial == td(seconds=1) and cfg.backoff_max == td(seconds=7)
    assert cfg.connect_timeout == td(seconds=3) and cfg.idle_flush == td(milliseconds=250)
    cfg.answer_timeout = 4
    cfg.heartbeat = 0
    cfg.connect_timeout = 2
    cfg.idle_flush = 1
    cfg.utc_offset = 28800
    cfg.max_age = 1e-6
    assert cfg.answer_timeout == td(seconds=4) and cfg.heartbeat == td(0)
    assert cfg.connect_timeout == td(seconds=2) and cfg.idle_flush == td(seconds=1)
    assert cfg.utc_offset == td(hours=8) and cfg.max_age == td(microseconds=1)
    cfg.validate()
    scfg = gb.ServerConfig(answer_timeout=5, idle_timeout=0, rate_window=2, utc_offset=28800,
                           flush_after=1)
    assert scfg.answer_timeout == td(seconds=5) and scfg.idle_timeout == td(0)
    assert scfg.rate_window == td(seconds=2) and scfg.utc_offset == td(hours=8)
    assert scfg.flush_after == td(seconds=1)
    scfg.flush_after = 0.0021  # rounded to the millisecond
    scfg.rate_window = 3
    scfg.idle_timeout = td(seconds=90)
    scfg.utc_offset = 90  # rounded to the minute (1.5 min: to even)
    assert scfg.flush_after == td(milliseconds=2) and scfg.rate_window == td(seconds=3)
    assert scfg.idle_timeout == td(seconds=90) and scfg.utc_offset == td(minutes=2)
    scfg.validate()
    np = pytest.importorskip("numpy")
    cfg.answer_timeout = np.int64(6)
    scfg.rate_window = np.float32(0.5)
    assert cfg.answer_timeout == td(seconds=6) and scfg.rate_window == td(milliseconds=500)
    for bad in ("5", True, None, [1]):
        with pytest.raises(TypeError):
            gb.ClientConfig(answer_timeout=bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            scfg.answer_timeout = bad  # type: ignore[assignment]
    for huge in (float("nan"), float("inf"), -1e300, 10**30, td(days=999_999_999)):
        with pytest.raises(firebus.CoreError) as e:
            gb.ServerConfig(answer_timeout=huge)  # type: ignore[arg-type]
        assert e.value.code == firebus.core.Errc.out_of_range
        with pytest.raises(firebus.CoreError):
            cfg.heartbeat = huge  # type: ignore[assignment]


# --- confirm, deny, no answer ------------------------------------------------------------------


def test_confirm(server: gb.Server) -> None:
    received: list[gb.ServerMessage] = []
    threads: list[str] = []
    delivered = threading.Event()
    server.on_message = received.append
    port = server.listen()
    with client_for(port) as c:

        def on_delivered(id_: int, attempts: int, latency: Any) -> None:
            threads.append(threading.current_thread().name)
            delivered.set()

        c.on_delivered = on_delivered
        assert c.on_delivered is on_delivered
        fut = c.send_future(uitd_status())
        d = fut.result(WAIT)
        assert isinstance(d, gb.Delivery) and d.id == fut.id and d.attempts == 1
        assert d.latency.total_seconds() >= 0
        assert delivered.wait(WAIT)
        assert threads and threads[0] != threading.main_thread().name
        assert wait_for(lambda: len(received) == 1)
        m = received[0]
        assert m.kind == "message" and m.command == 2 and m.adu == uitd_status()
        assert m.adu_type == 21 and m.source == UITD and m.destination == CENTRE
        assert m.connection in server.connections() and m.token == 0 and not m.duplicate
        assert m.version[0] == 1 and m.time is not None
        assert server.find_by_address(UITD) == m.connection
        assert c.is_connected and c.pending == 0
        # the engine's counters are a snapshot taken after the callbacks: they may lag a little
        assert wait_for(lambda: c.counters().delivered == 1)
        cc = c.counters()
        assert cc.connects == 1 and cc.bytes_sent > 0
        assert cc.queued[gb.MessagePriority.fire] == 0
        sc = server.counters()
        assert sc.messages == 1 and sc.confirms_sent == 1 and sc.connections_open == 1
        # a fire alarm is classified fire; an explicit priority is accepted too
        assert c.send_future(uitd_status(0), gb.MessagePriority.routine).result(WAIT).id > 0


def test_deny_after_accept_policy() -> None:
    cfg = gb.ServerConfig(
        listen_address="127.0.0.1", address=CENTRE, confirm=gb.ConfirmPolicy.after_accept
    )
    failures: list[tuple[int, Any]] = []
    with gb.Server(cfg) as server:
        tokens: list[int] = []

        def on_message(m: gb.ServerMessage) -> bool:
            tokens.append(m.token)
            # Deny the first message and its two retries (retries=2: a deny may answer a
            # damaged frame, so the client sends it again), confirm the others.
            return len(tokens) > 3

        server.on_message = on_message
        with client_for(server.port, retries=2) as c:
            c.on_failed = lambda id_, e: failures.append((id_, e))
            f1 = c.send_future(uitd_status())
            with pytest.raises(firebus.GB26875Error) as err:
                f1.result(WAIT)
            assert err.value.code == DENIED and err.value.category == "firebus.gb26875"
            assert tokens[0] != 0
            assert c.send_future(uitd_status()).result(WAIT).attempts == 1
            assert wait_for(lambda: len(failures) == 1)
            assert failures[0][0] == f1.id and failures[0][1].code == DENIED
            assert str(failures[0][1]) == str(err.value)
            assert server.counters().denies_sent == 3 and c.counters().retransmitted == 2


def test_accept_and_reject_methods() -> None:
    cfg = gb.ServerConfig(
        listen_address="127.0.0.1", address=CENTRE, confirm=gb.ConfirmPolicy.after_accept
    )
    with gb.Server(cfg) as server:
        server.on_message = lambda m: (
            server.accept(m.connection, m.token)
            if m.adu[2] == 2
            else server.reject(m.connection, m.token)
        )
        with client_for(server.port) as c:
            assert c.send_future(uitd_status(2)).result(WAIT).id > 0
            with pytest.raises(firebus.GB26875Error) as err:
                c.send_future(uitd_status(4)).result(WAIT)
            assert err.value.code == DENIED


def test_no_answer_with_short_timeout() -> None:
    cfg = gb.ServerConfig(
        listen_address="127.0.0.1", address=CENTRE, confirm=gb.ConfirmPolicy.after_accept
    )
    with gb.Server(cfg) as server:
        seen: list[gb.ServerMessage] = []
        server.on_message = seen.append  # returns None: never confirmed
        with client_for(server.port, answer_timeout=0.1, retries=1) as c:
            t0 = time.monotonic()
            fut = c.send_future(uitd_status())
            with pytest.raises(firebus.GB26875Error) as err:
                fut.result(WAIT)
            assert err.value.code == NO_ANSWER
            assert 0.15 <= time.monotonic() - t0 < 2.0
            assert wait_for(lambda: c.counters().failed == 1)
            assert len(seen) >= 1


def test_request_response_and_denied_read(server: gb.Server) -> None:
    conns: list[int] = []
    server.on_connect = lambda conn, remote: conns.append(conn)
    port = server.listen()
    with client_for(port) as c:
        requests: list[bytes] = []

        def provider(req: bytes) -> Any:
            requests.append(req)
            return uitd_status(0) if len(requests) == 1 else None

        c.data_provider = provider
        assert wait_for(lambda: len(conns) == 1)
        assert first_message(server, c) == conns[0]
        answers: list[gb.ServerMessage] = []
        server.on_answer = answers.append
        fut = server.request_future(conns[0], READ_UITD_STATUS)
        ans = fut.result(WAIT)
        assert ans.kind == "answer" and ans.command == 5 and ans.adu == uitd_status(0)
        assert ans.id == fut.id and ans.connection == conns[0]
        assert requests == [READ_UITD_STATUS]
        assert wait_for(lambda: len(answers) == 1)
        with pytest.raises(firebus.GB26875Error) as err:  # the provider returns None: deny
            server.request_future(conns[0], READ_UITD_STATUS).result(WAIT)
        assert err.value.code == DENIED
        failed: list[tuple[int, int, Any]] = []
        server.on_request_failed = lambda conn, id_, e: failed.append((conn, id_, e))
        rid = server.request(conns[0], READ_UITD_STATUS)
        assert wait_for(lambda: any(f[1] == rid for f in failed))
        assert all(f[2].code == DENIED for f in failed)
        assert wait_for(lambda: c.counters().requests_answered == 1)


def test_controls_duty_check_clock_sync_init(server: gb.Server) -> None:
    messages: list[gb.ServerMessage] = []
    server.on_message = messages.append
    port = server.listen()
    with client_for(port) as c:
        events: list[gb.ClientEvent] = []
        syncs: list[gb.ClientEvent] = []
        inits: list[gb.ClientEvent] = []
        c.on_event = events.append
        c.on_duty_check = lambda e: 7  # the operator answers at once
        c.on_clock_sync = syncs.append
        c.on_init_request = inits.append
        conn = first_message(server, c)
        messages.clear()
        assert server.control_future(conn, duty_check(5)).result(WAIT).command == 3
        assert server.control_future(conn, sync_time()).result(WAIT).adu == b""
        server.control_future(conn, INIT_UITD).result(WAIT)
        # Each kind has its own callback besides on_event, called after it: wait for all.
        assert wait_for(lambda: len(events) == 3 and len(messages) == 1 and len(syncs) == 1
                        and len(inits) == 1)
        kinds = [e.kind for e in events]
        assert kinds == [
            gb.ClientEventKind.duty_check,
            gb.ClientEventKind.clock_sync,
            gb.ClientEventKind.init_request,
        ]
        assert events[0].timeout_minutes == 5 and events[0].deadline is not None
        assert syncs[0].time.year == 2025 and syncs[0].utc.hour == 4  # 12:30 at UTC+8
        assert len(inits) == 1 and "init_request" in repr(inits[0])
        # the duty answer: type 24, flags bit 5, operator 7
        m = messages[0]
        assert m.adu_type == 24 and m.adu[2] & 0x20 and m.adu[3] == 7


# --- robustness --------------------------------------------------------------------------------


def test_callback_exception_does_not_break_the_link(server: gb.Server) -> None:
    count = [0]

    def on_message(m: gb.ServerMessage) -> None:
        count[0] += 1
        if count[0] == 1:
            raise ValueError("boom in on_message")

    server.on_message = on_message
    port = server.listen()
    with client_for(port) as c, unraisable() as seen:
        c.on_delivered = lambda *a: 1 / 0
        for _ in range(3):
            assert c.send_future(uitd_status()).result(WAIT).attempts == 1
        assert wait_for(lambda: count[0] == 3)
        assert wait_for(lambda: len(seen) >= 4)
        kinds = {type(e) for e in seen}
        assert kinds == {ValueError, ZeroDivisionError}
        assert server.counters().handler_exceptions >= 1
        assert c.counters().callback_errors >= 3
        assert c.is_connected


def test_callbacks_while_main_thread_busy(server: gb.Server) -> None:
    done = threading.Event()
    got: list[int] = []

    def on_message(m: gb.ServerMessage) -> None:
        got.append(m.serial)
        if len(got) == 20:
            done.set()

    server.on_message = on_message
    port = server.listen()
    with client_for(port) as c:
        for _ in range(20):
            c.send(uitd_status())
        # Busy loop holding the GIL (no sleep, no blocking call): the I/O threads must still
        # get it to deliver their callbacks.
        deadline = time.monotonic() + WAIT
        spins = 0
        while not done.is_set() and time.monotonic() < deadline:
            spins += 1
        assert done.is_set(), "callbacks starved while the main thread held the GIL"
        assert spins > 0 and len(got) == 20


def test_stop_from_inside_callbacks(server: gb.Server) -> None:
    closes: list[tuple[int, Any]] = []
    server.on_close = lambda conn, reason: closes.append((conn, reason))
    port = server.listen()
    c = client_for(port)
    stopped = threading.Event()
    disconnected: list[Any] = []

    def on_delivered(*_: Any) -> None:
        c.stop()  # from the I/O thread: must not deadlock
        stopped.set()

    c.on_delivered = on_delivered
    c.on_disconnected = disconnected.append
    c.start()
    c.send(uitd_status())
    assert stopped.wait(WAIT)
    assert wait_for(lambda: not c.is_connected)
    assert wait_for(lambda: len(closes) == 1)
    assert closes[0][1] == gb.ServerCloseReason.peer_closed
    assert disconnected and disconnected[0].code != 0
    # restart after the stop, then close from inside a callback
    again = threading.Event()

    def close_inside(*_: Any) -> None:
        c.close()
        again.set()

    c.on_delivered = close_inside
    c.start()
    c.send(uitd_status())
    assert again.wait(WAIT)
    assert c.closed
    c.close()  # idempotent, joins the thread


def test_server_close_from_inside_callback() -> None:
    srv = gb.Server(gb.ServerConfig(listen_address="127.0.0.1", address=CENTRE))
    closed = threading.Event()

    def on_message(m: gb.ServerMessage) -> None:
        srv.close()  # from the I/O thread: must not deadlock
        closed.set()

    srv.on_message = on_message
    port = srv.listen()
    with client_for(port) as c:
        c.send(uitd_status())
        assert closed.wait(WAIT)
        assert wait_for(lambda: not c.is_connected)
    assert srv.closed and srv.connections() == []
    srv.close()  # joins the thread the close from the callback left to end


def test_client_dropped_inside_its_own_callback(server: gb.Server) -> None:
    port = server.listen()
    gone = threading.Event()
    holder: list[Any] = [client_for(port)]

    def on_delivered(*_: Any) -> None:
        holder.clear()  # the last reference goes away on the I/O thread itself
        gone.set()

    holder[0].on_delivered = on_delivered
    holder[0].start()
    holder[0].send(uitd_status())
    assert gone.wait(WAIT)
    assert wait_for(lambda: server.counters().connections_open == 0)


def test_many_messages() -> None:
    # The default rate limit (200 frames a second) would close the connection: raise it.
    cfg = gb.ServerConfig(listen_address="127.0.0.1", address=CENTRE, rate_max_frames=65536)
    received: list[bytes] = []
    n = 500
    with gb.Server(cfg) as server:
        server.on_message = lambda m: received.append(m.adu)
        with client_for(server.port) as c:
            futures = [c.send_future(uitd_status(i % 2)) for i in range(n)]
            _, not_done = concurrent.futures.wait(futures, timeout=4.0)
            assert not not_done
            ids = [f.result().id for f in futures]
            assert ids == sorted(ids) and len(set(ids)) == n
            assert wait_for(lambda: len(received) == n)
            assert c.pending == 0
            assert wait_for(lambda: c.counters().delivered == n)
            assert c.counters().connects == 1
            assert server.counters().messages == n


def test_close_cancels_pending_futures(server: gb.Server) -> None:
    port = server.listen()
    server.close()  # nobody listens any more: the message stays queued
    c = client_for(port)
    c.start()
    fut = c.send_future(uitd_status())
    assert c.pending == 1 and not c.is_connected
    c.close()
    assert fut.cancelled()


# --- asyncio -----------------------------------------------------------------------------------


def test_asyncio_client_and_server() -> None:
    async def main() -> None:
        cfg = gb.ServerConfig(listen_address="127.0.0.1", address=CENTRE)
        async with AsyncServer(cfg) as centre:
            ccfg = gb.ClientConfig(port=centre.port, address=UITD, centre_address=CENTRE)
            async with AsyncClient(ccfg) as uitd:
                await uitd.wait_connected(WAIT)
                assert uitd.is_connected
                conn = await centre.wait_connection(WAIT)
                d = await uitd.send(uitd_status())
                assert d.attempts == 1
                m = await centre.next_message(WAIT)
                assert m.adu == uitd_status() and m.connection == conn
                results = await asyncio.gather(*(uitd.send(uitd_status(0)) for _ in range(20)))
                assert len({r.id for r in results}) == 20
                uitd.client.data_provider = lambda req: uitd_status(0)
                ans = await centre.request(conn, READ_UITD_STATUS)
                assert ans.adu == uitd_status(0)
                await centre.control(conn, duty_check(3))
                ev = await uitd.next_event(WAIT)
                assert ev.kind == gb.ClientEventKind.duty_check
                answer = await uitd.answer_duty_check(9)
                assert answer.id > 0
                uitd.client.data_provider = None
                with pytest.raises(firebus.GB26875Error):
                    await centre.request(conn, READ_UITD_STATUS)
                count = 0
                async for msg in centre.messages():
                    count += 1
                    if msg.adu_type == 24:
                        break
                assert count == 21
                await uitd.stop()
                assert not uitd.client.running

    asyncio.run(asyncio.wait_for(main(), 4.5))


# --- with the codec's classes ------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(gb, "Adu"), reason="the codec's classes are not bound")
def test_codec_objects(server: gb.Server) -> None:
    received: list[gb.ServerMessage] = []
    server.on_message = received.append
    port = server.listen()
    with client_for(port) as c:
        adu = gb.decode_adu(uitd_status())
        assert c.send_future(adu).result(WAIT).attempts == 1  # an Adu instead of bytes
        assert wait_for(lambda: len(received) == 1)
        m = received[0]
        assert m.command == gb.Command.send_data and isinstance(m.command, gb.Command)
        assert m.adu_type == gb.AduType.uitd_status
        assert m.decode() == adu
        assert m.header.source == UITD and m.header.serial == m.serial
        c.data_provider = lambda req: adu  # a provider may return an Adu too
        ans = server.request_future(m.connection, READ_UITD_STATUS).result(WAIT)
        assert ans.decode() == adu and ans.command == gb.Command.response


# --- user-defined types on the server ---------------------------------------------------------


def user_pairs(*values: int) -> bytes:
    """ADU type 128 (user-defined; registered below with 2-byte objects)."""
    return bytes([128, len(values)]) + b"".join(v.to_bytes(2, "little") for v in values)


def test_server_decodes_registered_user_types() -> None:
    reg = gb.UserTypes()
    reg.add_fixed(128, "pair", 2)
    sized_on: set[int] = set()

    def tlv(rest: bytes) -> int:
        sized_on.add(threading.get_ident())
        return 1 + rest[0]

    reg.add_variable(129, "tlv", tlv)
    cfg = gb.ServerConfig(listen_address="127.0.0.1", address=CENTRE, users=reg)
    assert cfg.users is reg
    assert gb.ServerConfig().users is None
    with pytest.raises(TypeError):
        gb.ServerConfig(users=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cfg.users = "registry"  # type: ignore[assignment]
    received: list[gb.ServerMessage] = []
    server = gb.Server(cfg)
    del cfg
    gc.collect()
    try:
        assert server.config.users is reg
        server.on_message = received.append
        port = server.listen()
        reg.add_fixed(130, "late", 2)  # after the Server was made: not its registry
        with client_for(port) as c:
            assert c.send_future(user_pairs(1, 0x0203)).result(WAIT).attempts == 1
            assert c.send_future(bytes([129, 2, 1, 9, 0])).result(WAIT).attempts == 1
            assert wait_for(lambda: len(received) == 2)
            assert sized_on and threading.get_ident() not in sized_on  # the I/O thread
            m = received[0]
            assert m.users is reg and m.adu_type == 128
            assert m.decode() == gb.Adu(128, [gb.UserObject(128, b"\x01\x00"),
                                              gb.UserObject(128, b"\x03\x02")])
            assert received[1].decode().objects == [gb.UserObject(129, b"\x01\x09"),
                                                    gb.UserObject(129, b"\x00")]
            # Checked with the registry: a malformed ADU of a registered type is denied ...
            with pytest.raises(firebus.GB26875Error) as err:
                c.send_future(user_pairs(1) + b"\x00").result(WAIT)
            assert err.value.code == DENIED
            with pytest.raises(firebus.GB26875Error) as err:
                c.send_future(bytes([129, 1, 5, 1])).result(WAIT)
            assert err.value.code == DENIED
            # ... an unregistered one passes as a blob (130 came too late for this Server).
            c.send_future(bytes([130, 1, 1, 2, 3])).result(WAIT)
            assert wait_for(lambda: len(received) == 3)
            assert received[2].users is reg
            assert gb.decode_adu(received[2].adu) == gb.Adu(130, [gb.UserBlob(130, 1, b"\x01\x02\x03")])
    finally:
        server.close()
    assert len(received) == 3


def test_server_user_type_callable_errors() -> None:
    reg = gb.UserTypes()

    def boom(rest: bytes) -> int:
        raise RuntimeError("boom in size")

    def refuse(rest: bytes) -> int:
        raise firebus.error_for("firebus.gb26875", int(gb.Errc.truncated))

    reg.add_variable(140, "boom", boom)
    reg.add_variable(141, "refuse", refuse)
    reg.add_variable(142, "text", lambda rest: "1")
    received: list[gb.ServerMessage] = []
    with gb.Server(gb.ServerConfig(listen_address="127.0.0.1", users=reg)) as server:
        server.on_message = received.append
        with client_for(server.port) as c, unraisable() as seen:
            for adu, reported in ((bytes([140, 1, 0]), RuntimeError), (bytes([141, 1, 0]), None),
                                  (bytes([142, 1, 0]), TypeError)):
                seen.clear()
                with pytest.raises(firebus.GB26875Error) as err:
                    c.send_future(adu).result(WAIT)
                assert err.value.code == DENIED
                if reported is None:
                    assert seen == []  # a firebus.Error just rejects the object
                else:
                    assert wait_for(lambda: len(seen) >= 1)
                    assert all(isinstance(e, reported) for e in seen)
            c.send_future(uitd_status()).result(WAIT)  # the link carries on
            assert wait_for(lambda: len(received) == 1)


# --- the data provider's deny -------------------------------------------------------------------


def test_data_provider_deny_reasons() -> None:
    # No retries: a deny starts the centre's retransmission (§6.5), and each attempt would ask
    # the provider again; one read, one deny here.
    server = gb.Server(gb.ServerConfig(listen_address="127.0.0.1", address=CENTRE, retries=0))
    try:
        _deny_reasons(server)
    finally:
        server.close()


def test_a_denied_read_is_sent_again_up_to_the_retries(server: gb.Server) -> None:
    port = server.listen()
    with client_for(port) as c:
        events: list[gb.ClientEvent] = []
        c.on_event = events.append
        conn = first_message(server, c)
        asked: list[bytes] = []
        c.data_provider = lambda req: asked.append(req)  # None: denied
        with pytest.raises(firebus.GB26875Error) as err:
            server.request_future(conn, READ_UITD_STATUS).result(WAIT)
        assert err.value.code == DENIED
        assert len(asked) == 4  # the first attempt and the 3 retries (§6.5.5), each denied
        c.data_provider = lambda req: uitd_status(0)
        assert server.request_future(conn, READ_UITD_STATUS).result(WAIT).adu == uitd_status(0)


def _deny_reasons(server: gb.Server) -> None:
    port = server.listen()
    with client_for(port) as c, unraisable() as seen:
        events: list[gb.ClientEvent] = []
        c.on_event = events.append
        conn = first_message(server, c)

        def denied(provider: Any) -> gb.ClientEvent:
            """Installs `provider`, sends one read, checks that it is denied; the client's event."""
            events.clear()
            c.data_provider = provider
            with pytest.raises(firebus.GB26875Error) as err:
                server.request_future(conn, READ_UITD_STATUS).result(WAIT)
            assert err.value.code == DENIED
            assert wait_for(lambda: any(e.kind == gb.ClientEventKind.request_denied
                                        for e in events))
            (e,) = [e for e in events if e.kind == gb.ClientEventKind.request_denied]
            return e

        def raise_denied(req: bytes) -> bytes:
            raise firebus.error_for("firebus.gb26875", int(gb.Errc.queue_full), "busy")

        def raise_value(req: bytes) -> bytes:
            raise ValueError("no such record")

        errors_before = c.counters().callback_errors
        e = denied(lambda req: None)  # None: no reason
        assert isinstance(e.error, firebus.SystemError) and e.error.code == errno.EOPNOTSUPP
        e = denied(raise_denied)  # a firebus.Error: its code is the reason, nothing reported
        assert isinstance(e.error, firebus.GB26875Error) and e.error.code == gb.Errc.queue_full
        e = denied(lambda req: firebus.error_for("firebus.gb26875", 1))  # returned, not raised
        assert isinstance(e.error, firebus.SystemError) and e.error.code == errno.ECANCELED
        assert wait_for(lambda: len(seen) == 1) and isinstance(seen[0], TypeError)
        assert "data_provider returned GB26875Error" in str(seen[0])
        e = denied(lambda req: b"\x15")  # a response that does not decode
        assert isinstance(e.error, firebus.GB26875Error) and e.error.code == gb.Errc.truncated
        assert len(seen) == 1
        e = denied(raise_value)  # any other exception: reported, and the read denied
        assert isinstance(e.error, firebus.SystemError) and e.error.code == errno.ECANCELED
        assert wait_for(lambda: len(seen) == 2) and isinstance(seen[1], ValueError)
        assert c.counters().callback_errors == errors_before + 2
        c.data_provider = lambda req: uitd_status(0)  # the I/O thread is fine
        assert server.request_future(conn, READ_UITD_STATUS).result(WAIT).adu == uitd_status(0)


def test_clock_sync_adopted_by_the_application(server: gb.Server) -> None:
    """With adopt_clock_sync=False a centre's clock sync is confirmed and reported, and the
    frame headers keep the host's clock until the application adopts a time it judged
    plausible with set_wall_clock() (as firebus-gateway does: a sync years off is refused)."""
    messages: list[gb.ServerMessage] = []
    server.on_message = messages.append
    port = server.listen()
    with client_for(port, adopt_clock_sync=False) as c:
        syncs: list[gb.ClientEvent] = []
        c.on_clock_sync = syncs.append
        conn = first_message(server, c)
        assert server.control_future(conn, sync_time()).result(WAIT).adu == b""  # confirmed
        assert wait_for(lambda: len(syncs) == 1)
        messages.clear()
        c.send_future(uitd_status()).result(WAIT)
        assert wait_for(lambda: len(messages) == 1)
        t = messages[0].time
        assert t is not None and t.year != 2025  # the host's clock: the sync was not adopted
        c.set_wall_clock(datetime.datetime(2011, 3, 4, 0, 0, tzinfo=datetime.timezone.utc)
                         .timestamp())
        messages.clear()
        c.send_future(uitd_status()).result(WAIT)
        assert wait_for(lambda: len(messages) == 1)
        t = messages[0].time
        assert t is not None and (t.year, t.month, t.day, t.hour) == (2011, 3, 4, 8)  # UTC+8
