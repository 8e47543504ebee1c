"""firebus.gb26875.UitdSession and CentreSession: the sans-I/O protocol engines, without sockets.

The two engines are wired together in Python (Link): the UITD's UitdSend frames go to the centre's
receive(), the centre's Send frames back to the UITD's receive(). Time is driven by hand.
"""

from __future__ import annotations

import copy
import enum
from typing import Any

import firebus
import pytest
from firebus import gb26875 as gb

UITD = 0x000012345678
CENTRE = 0x000000000001
E = gb.Errc


def tag(s: int = 5, mi: int = 4, h: int = 3, d: int = 2, mo: int = 1, y: int = 24) -> bytes:
    """A time tag: second, minute, hour, day, month, year - 2000."""
    return bytes([s, mi, h, d, mo, y])


def uitd_status(status: int) -> bytes:
    """ADU type 21 (UITD status), one object: 0x02 fire alarm, 0x04 fault, 0x00 normal."""
    return bytes([21, 1, status]) + tag()


FIRE = uitd_status(0x02)
ALARM = uitd_status(0x04)
ROUTINE = uitd_status(0x00)
READ_UITD_STATUS = gb.Adu(gb.AduType.read_uitd_status, [gb.ReadUitdStatus()])


def uitd_cfg(**kw: Any) -> gb.UitdSessionConfig:
    kw.setdefault("heartbeat", 0.0)
    return gb.UitdSessionConfig(address=UITD, centre_address=CENTRE, **kw)


def frame(cmd: int, serial: int = 7, adu: bytes = b"") -> bytes:
    """A frame from the centre to the UITD."""
    h = gb.Header(serial=serial, command=cmd, source=CENTRE, destination=UITD)
    return bytes(gb.encode_frame(h, adu))


def sends(outputs: list[Any]) -> list[Any]:
    return [o for o in outputs if isinstance(o, gb.UitdSend)]


class Link:
    """A UitdSession and a CentreSession connected back to back, in memory."""

    def __init__(self, ucfg: gb.UitdSessionConfig | None = None,
                 ccfg: gb.CentreSessionConfig | None = None) -> None:
        self.u = gb.UitdSession(ucfg or uitd_cfg())
        self.c = gb.CentreSession(ccfg or gb.CentreSessionConfig(address=CENTRE), 0.0)
        self.u_out: list[Any] = []  # the UITD's outputs other than frames
        self.c_out: list[Any] = []  # the centre's outputs other than frames
        self.up: list[bytes] = []  # every frame the UITD wrote
        self.down: list[bytes] = []  # every frame the centre wrote
        self.lose_down = 0  # the next n frames of the centre are lost
        self.lose_up = 0

    def run(self, now: float) -> None:
        """Moves frames both ways until both engines are quiet."""
        moved = True
        while moved:
            moved = False
            for o in self.u.outputs():
                if not isinstance(o, gb.UitdSend):
                    self.u_out.append(o)
                    continue
                moved = True
                self.up.append(o.frame)
                if self.lose_up:
                    self.lose_up -= 1
                else:
                    self.c.receive(o.frame, now)
            for o in self.c.outputs():
                if not isinstance(o, gb.CentreSend):
                    self.c_out.append(o)
                    continue
                moved = True
                self.down.append(o.bytes)
                if self.lose_down:
                    self.lose_down -= 1
                else:
                    self.u.receive(o.bytes, now)

    def of(self, side: list[Any], cls: type) -> list[Any]:
        return [o for o in side if isinstance(o, cls)]

    def last_event(self) -> Any:
        return self.of(self.u_out, gb.UitdEvent)[-1]


# --- configuration ---------------------------------------------------------------------------


def test_uitd_config_defaults_setters_and_validation() -> None:
    c = gb.UitdSessionConfig()
    assert (c.address, c.centre_address, c.retries, c.version_minor) == (0, 0, 3, 0)
    assert c.answer_timeout == 10.0 and c.heartbeat == 30.0 and c.max_age == 0.0
    assert c.fire_answer_timeout == 3.0
    assert c.utc_offset_minutes == 480 and c.max_queue == 1024 and c.max_outputs == 1024
    assert c.first_serial == 0 and c.adopt_clock_sync is True
    assert (c.backoff_initial, c.backoff_max, c.backoff_factor) == (1.0, 60.0, 2)
    assert c.backoff_jitter_permille == 200 and c.backoff_seed == 0x9E3779B97F4A7C15
    c.validate()
    c.address, c.centre_address, c.answer_timeout, c.retries = UITD, CENTRE, 2.5, 1
    c.heartbeat, c.utc_offset_minutes, c.version_minor, c.max_queue = 20.0, -300, 3, 5
    c.max_outputs, c.max_age, c.first_serial, c.adopt_clock_sync = 9, 120.0, 65535, False
    c.backoff_initial, c.backoff_max, c.backoff_factor = 0.5, 4.0, 3
    c.backoff_jitter_permille, c.backoff_seed = 0, 42
    c.fire_answer_timeout = 1.5
    d = gb.UitdSessionConfig(address=UITD, centre_address=CENTRE, answer_timeout=2.5,
                             fire_answer_timeout=1.5, retries=1,
                             heartbeat=20.0, utc_offset_minutes=-300, version_minor=3,
                             max_queue=5, max_outputs=9, max_age=120.0, first_serial=65535,
                             adopt_clock_sync=False, backoff_initial=0.5, backoff_max=4.0,
                             backoff_factor=3, backoff_jitter_permille=0, backoff_seed=42)
    assert c == d and copy.copy(d) == d and copy.deepcopy(d) == d
    d.retries = 2
    assert c != d
    r = repr(c)
    assert r.startswith("UitdSessionConfig(address=0x000012345678, centre_address=0x000000000001")
    assert "answer_timeout=2.5" in r and "fire_answer_timeout=1.5" in r and "backoff_seed=42)" in r
    s = gb.UitdSession(c)
    assert s.config == c

    with pytest.raises(firebus.GB26875Error) as ei:
        gb.UitdSessionConfig(address=1 << 48).validate()
    assert ei.value.code == E.out_of_range
    for bad in ({"answer_timeout": 0.0}, {"fire_answer_timeout": 0.0}, {"retries": -1},
                {"max_queue": 0},
                {"utc_offset_minutes": 24 * 60 + 1}, {"backoff_max": 0.5},
                {"backoff_jitter_permille": 1001}):
        cfg = gb.UitdSessionConfig(**bad)
        with pytest.raises(firebus.CoreError):
            cfg.validate()
        with pytest.raises(firebus.CoreError):
            gb.UitdSession(cfg)
    with pytest.raises(TypeError):
        gb.UitdSessionConfig(address="1")  # type: ignore[arg-type]


def test_centre_config_defaults_setters_users_and_validation() -> None:
    c = gb.CentreSessionConfig()
    assert c.address == 0 and c.confirm is gb.ConfirmPolicy.immediate
    assert (c.answer_timeout, c.retries, c.idle_timeout) == (10.0, 3, 90.0)
    assert (c.rate_max_frames, c.rate_window, c.max_consecutive_errors) == (200, 1.0, 16)
    assert (c.max_pending_requests, c.max_unconfirmed, c.duplicate_history) == (16, 64, 64)
    assert (c.max_outputs, c.first_serial, c.utc_offset_minutes, c.users) == (1024, 1, 480, None)
    c.validate()
    users = gb.UserTypes()
    c.address, c.confirm, c.answer_timeout, c.retries = CENTRE, gb.ConfirmPolicy.after_accept, 5.0, 1
    c.idle_timeout, c.rate_max_frames, c.rate_window, c.max_consecutive_errors = 0.0, 10, 2.0, 0
    c.max_pending_requests, c.max_unconfirmed, c.duplicate_history = 2, 3, 0
    c.max_outputs, c.first_serial, c.utc_offset_minutes, c.users = 16, 100, 0, users
    d = gb.CentreSessionConfig(address=CENTRE, confirm=gb.ConfirmPolicy.after_accept,
                               answer_timeout=5.0, retries=1, idle_timeout=0.0, rate_max_frames=10,
                               rate_window=2.0, max_consecutive_errors=0, max_pending_requests=2,
                               max_unconfirmed=3, duplicate_history=0, max_outputs=16,
                               first_serial=100, utc_offset_minutes=0, users=users)
    assert c == d and d.users is users and copy.copy(d).users is users
    c.users = None
    assert c != d and c.users is None
    r = repr(d)
    assert r.startswith("CentreSessionConfig(address=0x000000000001, confirm=<ConfirmPolicy.")
    assert "users=<" in r
    assert gb.CentreSession(d, 5.0).config == d

    with pytest.raises(TypeError):
        gb.CentreSessionConfig(users="not a registry")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.users = 3  # type: ignore[assignment]
    for bad in ({"max_outputs": 15}, {"answer_timeout": 0.0}, {"retries": 101},
                {"max_pending_requests": 0}, {"address": 1 << 48}):
        cfg = gb.CentreSessionConfig(**bad)
        with pytest.raises(firebus.CoreError):
            cfg.validate()
        with pytest.raises(firebus.CoreError):
            gb.CentreSession(cfg, 0.0)


def test_enums_are_shared_with_the_transports() -> None:
    assert issubclass(gb.MessagePriority, enum.IntEnum)
    assert [p.name for p in gb.MessagePriority] == ["fire", "alarm", "routine"]
    assert gb.ClientEventKind.duty_check.name == "duty_check"
    assert [r.name for r in gb.CentreCloseReason] == [
        "idle_timeout", "rate_limit", "too_many_errors", "output_overflow", "disconnected"]
    for name in ("UitdSession", "UitdSessionConfig", "UitdSend", "UitdDelivered", "UitdFailed",
                 "UitdEvent", "UitdDutyAnswer", "UitdCounters", "CentreSession",
                 "CentreSessionConfig", "CentreCounters", "CentreCloseReason", "classify",
                 "CentreSend", "CentreMessage", "CentreHeartbeat", "CentreAnswer",
                 "CentreFailed", "CentreDeniedInput", "CentreDroppedInput", "CentreClose"):
        assert getattr(gb, name) is getattr(firebus._firebus.gb26875, name)
    # C++ nests the centre's outputs in centre_session: so do the Python names (aliases).
    for n in ("Send", "Message", "Heartbeat", "Answer", "Failed", "DeniedInput", "DroppedInput",
              "Close"):
        assert getattr(gb.CentreSession, n) is getattr(gb, "Centre" + n)


def test_classify() -> None:
    assert gb.classify(FIRE) is gb.MessagePriority.fire
    assert gb.classify(ALARM) is gb.MessagePriority.alarm
    assert gb.classify(ROUTINE) is gb.MessagePriority.routine
    assert gb.classify(gb.decode_adu(FIRE)) is gb.MessagePriority.fire
    with pytest.raises(firebus.GB26875Error):
        gb.classify(b"\x15\x01")
    with pytest.raises(TypeError):
        gb.classify("text")  # type: ignore[arg-type]


# --- the full exchange -----------------------------------------------------------------------


def test_message_delivered_and_confirmed() -> None:
    link = Link()
    u, c = link.u, link.c
    assert repr(u).startswith("<UitdSession 0x000012345678 -> 0x000000000001 disconnected")
    u.set_wall_clock(0.0, 1_700_000_000.0)
    u.connected(0.0)
    assert u.is_connected and u.in_flight is None and u.next_deadline() is None
    adu = gb.decode_adu(FIRE)
    mid = u.submit(adu, 1.0)
    assert mid == 1 and u.in_flight == mid and u.in_flight_priority is gb.MessagePriority.fire
    assert u.pending_outputs == 1 and u.next_deadline() == 4.0  # fire: fire_answer_timeout, 3 s
    first = u.poll()
    assert isinstance(first, gb.UitdSend)
    assert (first.command, first.serial, first.id) == (gb.Command.send_data, 0, mid)
    assert repr(first) == "UitdSend(command=<Command.send_data: 2>, serial=0, id=1, frame=<39 bytes>)"
    f = gb.decode_frame(first.frame)
    assert f.header.source == UITD and f.header.destination == CENTRE and f.adu == FIRE
    # The time tag is the wall clock at 1.0 s, written at UTC+8.
    assert f.header.time == gb.TimeTag(2023, 11, 15, 6, 13, 21)
    assert u.wall_time(1.0) == 1_700_000_001.0

    c.receive(first.frame, 1.2)
    assert c.has_peer and c.peer_address == UITD
    msg = c.poll()
    assert isinstance(msg, gb.CentreMessage)
    assert msg.adu == FIRE and msg.decode() == adu and msg.token == 0 and not msg.duplicate
    assert msg.header.serial == 0 and msg.serial == 0 and msg.command == gb.Command.send_data
    assert msg.users is None
    assert repr(msg).startswith("CentreMessage(header=Header(serial=0")
    confirm = c.poll()
    assert isinstance(confirm, gb.CentreSend) and c.poll() is None
    assert "command=<Command.confirm: 3>" in repr(confirm)
    assert gb.decode_frame(confirm.bytes).header.command == gb.Command.confirm

    u.receive(confirm.bytes, 1.5)
    d = u.poll()
    assert isinstance(d, gb.UitdDelivered)
    assert (d.id, d.attempts, d.latency) == (mid, 1, 0.5)
    assert repr(d) == "UitdDelivered(id=1, attempts=1, latency=0.5)"
    assert u.in_flight is None and u.poll() is None and u.next_serial == 1

    uc = u.counters(2.0)
    assert (uc.frames_sent, uc.data_sent, uc.delivered, uc.failed, uc.frames_received) == (
        1, 1, 1, 0, 1)
    assert uc.queued == {gb.MessagePriority.fire: 0, gb.MessagePriority.alarm: 0,
                         gb.MessagePriority.routine: 0}
    assert uc.to_dict()["delivered"] == 1 and uc.to_dict()["queued"]["fire"] == 0
    assert repr(uc).startswith("UitdCounters(frames_sent=1, data_sent=1,")
    cc = c.counters()
    assert (cc.frames_in, cc.messages, cc.confirms_sent, cc.denies_sent) == (1, 1, 1, 0)
    assert cc.to_dict()["messages"] == 1 and repr(cc).startswith("CentreCounters(frames_in=1,")
    assert "peer=0x000012345678 open" in repr(c)


def test_after_accept_accept_and_reject() -> None:
    link = Link(ccfg=gb.CentreSessionConfig(address=CENTRE,
                                            confirm=gb.ConfirmPolicy.after_accept))
    u, c = link.u, link.c
    u.connected(0.0)
    a = u.submit(ROUTINE, 0.0)
    link.run(0.0)
    (m,) = link.of(link.c_out, gb.CentreMessage)
    assert m.token >= 1 and c.unconfirmed == 1
    assert u.in_flight == a and not link.u_out  # no confirm until accept()
    with pytest.raises(firebus.CoreError) as ei:
        c.accept(m.token + 100, 0.5)
    assert ei.value.code == firebus.core.Errc.invalid_argument
    c.accept(m.token, 1.0)
    link.run(1.0)
    assert c.unconfirmed == 0 and [type(o) for o in link.u_out] == [gb.UitdDelivered]

    b = u.submit(ROUTINE[:-1] + b"\x19", 2.0)  # another message (another time tag)
    link.run(2.0)
    for k in range(4):  # a deny is retried (it may answer a damaged frame): 1 + 3 retries
        m2 = link.of(link.c_out, gb.CentreMessage)[-1]
        c.reject(m2.token, 2.5 + k / 10)
        link.run(2.5 + k / 10)
    failed = link.u_out[-1]
    assert isinstance(failed, gb.UitdFailed) and failed.id == b and failed.attempts == 4
    assert isinstance(failed.error, firebus.GB26875Error) and failed.error.code == E.denied
    assert repr(failed).startswith("UitdFailed(id=2, error=GB26875Error(")
    assert u.counters(3.0).denied == 1 and c.counters().denies_sent == 4

    c.on_disconnected()
    assert c.closed
    close = c.poll()
    assert isinstance(close, gb.CentreClose)
    assert close.reason is gb.CentreCloseReason.disconnected
    assert repr(close) == "CentreClose(reason=<CentreCloseReason.disconnected: 4>)"
    with pytest.raises(firebus.GB26875Error) as ej:
        c.reject(1, 3.0)
    assert ej.value.code == E.not_connected
    c.receive(link.up[0], 3.0)  # ignored after the close
    assert c.counters().ignored_after_close == 1 and c.poll() is None


def test_lost_confirm_resent_after_answer_timeout_and_duplicate_recognised() -> None:
    link = Link()
    u, c = link.u, link.c
    u.connected(0.0)
    mid = u.submit(ALARM, 0.0)
    link.lose_down = 1  # the centre's confirm is lost
    link.run(0.0)
    assert len(link.up) == 1 and len(link.of(link.c_out, gb.CentreMessage)) == 1
    assert u.in_flight == mid and u.next_deadline() == 10.0
    u.advance(9.999)
    link.run(9.999)
    assert len(link.up) == 1  # not yet
    u.advance(10.0)
    link.run(10.0)
    assert len(link.up) == 2
    assert gb.decode_frame(link.up[1]).serial == gb.decode_frame(link.up[0]).serial
    (d,) = link.of(link.u_out, gb.UitdDelivered)
    assert d.id == mid and d.attempts == 2 and d.latency == 10.0
    dup = link.of(link.c_out, gb.CentreMessage)[1]
    assert dup.duplicate and dup.token == 0 and dup.adu == ALARM
    assert u.counters(10.0).retransmitted == 1 and c.counters().duplicates == 1


def test_fire_message_does_not_wait_behind_an_unanswered_one_and_deny_is_retried() -> None:
    # GB 26875.1: 10 s from the detector to the centre, retransmissions included.
    u = gb.UitdSession(uitd_cfg())
    u.connected(0.0)
    rid = u.submit(ROUTINE, 0.0)
    (first,) = sends(u.outputs())
    fid = u.submit(FIRE, 0.5)
    assert sends(u.outputs()) == [] and u.next_deadline() == 3.0  # not the routine's 10 s
    u.advance(3.0)
    (f,) = sends(u.outputs())
    assert f.id == fid and f.serial != first.serial
    assert u.counters(3.0).preempted == 1 and u.in_flight == fid
    # A deny (it also answers a damaged frame): the same frame again, at once.
    u.receive(frame(gb.Command.deny, f.serial), 3.1)
    (again,) = sends(u.outputs())
    assert again.id == fid and again.serial == f.serial
    u.receive(frame(gb.Command.confirm, f.serial), 3.2)
    outs = u.outputs()
    (d,) = [o for o in outs if isinstance(o, gb.UitdDelivered)]
    assert d.id == fid and d.attempts == 2
    (r,) = sends(outs)  # then the routine message, in its own transaction
    assert r.id == rid and r.serial == first.serial
    assert u.counters(3.2).retransmitted == 1 and u.counters(3.2).resent == 1


def test_no_answer_fails_after_retries() -> None:
    u = gb.UitdSession(uitd_cfg(retries=2, answer_timeout=5.0))
    u.connected(0.0)
    mid = u.submit(ROUTINE, 0.0)
    for t in (5.0, 10.0, 15.0):
        assert u.next_deadline() == t
        u.advance(t)
    outs = u.outputs()
    assert [type(o) for o in outs] == [gb.UitdSend] * 3 + [gb.UitdFailed]
    assert outs[-1].id == mid and outs[-1].attempts == 3 and outs[-1].error.code == E.no_answer
    assert u.in_flight is None and u.counters(15.0).failed == 1


def test_read_request_answered_by_the_data_provider() -> None:
    link = Link()
    u, c = link.u, link.c
    with pytest.raises(firebus.GB26875Error) as ei:
        c.request(READ_UITD_STATUS, 0.0)  # the UITD's address is not known yet
    assert ei.value.code == E.not_connected
    u.connected(0.0)
    u.submit(ROUTINE, 0.0)
    link.run(0.0)

    seen: list[Any] = []
    response = gb.decode_adu(uitd_status(0x08))

    def provider(req: Any) -> Any:
        seen.append(req)
        return response

    assert u.data_provider is None
    u.data_provider = provider
    assert u.data_provider is provider
    rid = c.request(READ_UITD_STATUS, 1.0)
    assert rid >= 1 and c.pending_requests == 1 and c.next_deadline() == 11.0
    link.run(1.0)
    assert seen == [READ_UITD_STATUS] and isinstance(seen[0], gb.Adu)
    (ans,) = link.of(link.c_out, gb.CentreAnswer)
    assert ans.id == rid and ans.header.command == gb.Command.response
    assert ans.decode() == response and ans.adu == uitd_status(0x08)
    assert repr(ans).startswith(f"CentreAnswer(id={rid}, header=Header(")
    assert c.pending_requests == 0 and u.counters(1.0).requests_answered == 1

    u.data_provider = lambda req: uitd_status(0x10)  # bytes are fine too
    link.run(2.0)
    c.request(READ_UITD_STATUS.encode(), 2.0)
    link.run(2.0)
    assert link.of(link.c_out, gb.CentreAnswer)[-1].adu == uitd_status(0x10)

    u.data_provider = lambda req: None  # None denies
    rid = c.request(READ_UITD_STATUS, 3.0)
    link.run(3.0)
    failed = link.c_out[-1]
    assert isinstance(failed, gb.CentreFailed) and failed.id == rid
    assert failed.reason.code == E.denied
    assert repr(failed).startswith(f"CentreFailed(id={rid}, reason=GB26875Error(")
    ev = link.u_out[-1]
    assert isinstance(ev, gb.UitdEvent) and ev.kind is gb.ClientEventKind.request_denied
    assert ev.command == gb.Command.request and isinstance(ev.error, firebus.Error)
    assert ev.time is None and ev.utc is None and ev.deadline is None

    u.data_provider = None  # no provider denies too
    c.request(READ_UITD_STATUS, 4.0)
    link.run(4.0)
    assert isinstance(link.c_out[-1], gb.CentreFailed)
    # A deny starts the centre's retransmission (§6.5): each read went 4 times (the first
    # attempt and its 3 retries), each denied.
    assert u.counters(4.0).denials_sent == 8


def test_data_provider_exceptions_propagate_after_the_deny() -> None:
    # No retries: the centre's request fails at the first deny (with retries it would be sent
    # again at once, §6.5).
    link = Link(ccfg=gb.CentreSessionConfig(address=CENTRE, retries=0))
    u, c = link.u, link.c
    u.connected(0.0)
    u.submit(ROUTINE, 0.0)
    link.run(0.0)

    def broken(req: Any) -> Any:
        raise KeyError("no such point")

    u.data_provider = broken
    c.request(READ_UITD_STATUS, 1.0)
    (req,) = [o.bytes for o in c.outputs()]
    with pytest.raises(KeyError, match="no such point"):
        u.receive(req, 1.0)
    (deny,) = sends(u.outputs()[:1])  # the deny was queued before the exception
    assert deny.command == gb.Command.deny and deny.serial == gb.decode_frame(req).serial
    c.receive(deny.frame, 1.1)
    assert isinstance(c.poll(), gb.CentreFailed)

    u.data_provider = lambda req: 42  # not an Adu or bytes
    c.request(READ_UITD_STATUS, 2.0)
    (req,) = [o.bytes for o in c.outputs()]
    with pytest.raises(TypeError, match="an Adu, bytes or None expected"):
        u.receive(req, 2.0)
    deny = sends(u.outputs())[0]
    assert deny.command == gb.Command.deny
    c.receive(deny.frame, 2.1)
    assert isinstance(c.poll(), gb.CentreFailed)

    u.data_provider = lambda req: b"\x15\x09"  # bytes that do not decode: denied with the reason
    c.request(READ_UITD_STATUS, 3.0)
    (req,) = [o.bytes for o in c.outputs()]
    u.receive(req, 3.0)
    outs = u.outputs()
    assert sends(outs)[0].command == gb.Command.deny
    assert [o.error.code for o in outs if isinstance(o, gb.UitdEvent)] == [E.truncated]
    with pytest.raises(TypeError):
        u.data_provider = 5  # type: ignore[assignment]


def test_controls_duty_check_clock_sync_and_init() -> None:
    link = Link()
    u, c = link.u, link.c
    u.connected(0.0)
    u.submit(ROUTINE, 0.0)
    link.run(0.0)
    assert u.duty_check_deadline is None

    cid = c.control(gb.Adu(gb.AduType.duty_check, [gb.DutyCheck(5)]), 10.0)
    link.run(10.0)
    ans = link.c_out[-1]
    assert isinstance(ans, gb.CentreAnswer) and ans.id == cid
    assert ans.adu == b"" and ans.decode() is None and ans.header.command == gb.Command.confirm
    ev = link.last_event()
    assert ev.kind is gb.ClientEventKind.duty_check
    assert ev.timeout_minutes == 5 and ev.deadline == 310.0 and ev.at == 10.0 and ev.error is None
    assert repr(ev).startswith("UitdEvent(kind=<ClientEventKind.duty_check: 2>, at=10.0")
    assert u.duty_check_deadline == 310.0
    r = u.answer_duty_check(7, 20.0)
    assert isinstance(r, gb.UitdDutyAnswer) and r.pending and r.in_time and r.id >= 1
    assert repr(r) == f"UitdDutyAnswer(id={r.id}, pending=True, in_time=True)"
    assert u.duty_check_deadline is None
    link.run(20.0)
    m = link.of(link.c_out, gb.CentreMessage)[-1].decode()
    assert m.type == gb.AduType.uitd_operation and m.objects[0].flags == 0x20
    assert m.objects[0].operator_id == 7
    late = u.answer_duty_check(8, 21.0)
    assert not late.pending and not late.in_time

    t = gb.TimeTag(2025, 6, 15, 12, 30, 0)
    c.control(gb.Adu(gb.AduType.sync_uitd_time, [gb.SyncUitdTime(t)]), 30.0)
    link.run(30.0)
    ev = link.last_event()
    assert ev.kind is gb.ClientEventKind.clock_sync and ev.time == t
    assert ev.utc == firebus.core.to_utc(firebus.core.CivilTime(2025, 6, 15, 12, 30, 0), 480)
    assert u.wall_time(31.0) == ev.utc + 1.0  # adopted
    assert "utc=" in repr(ev)

    c.control(bytes([89, 1, 0]), 40.0)
    link.run(40.0)
    assert link.last_event().kind is gb.ClientEventKind.init_request
    assert u.counters(40.0).controls_confirmed == 3 and c.counters().answers == 3


def test_priorities_order_the_queue_and_eviction() -> None:
    link = Link(ucfg=uitd_cfg(max_queue=4))
    u = link.u
    r1 = u.submit(ROUTINE, 0.0)
    r2 = u.submit(ROUTINE, 0.0, priority=gb.MessagePriority.routine)
    al = u.submit(ALARM, 0.0)
    fi = u.submit(gb.decode_adu(FIRE), 0.5)
    assert u.queued() == 4 and u.in_flight is None and u.pending_outputs == 0
    assert [u.queued(p) for p in gb.MessagePriority] == [1, 1, 2]
    cnt = u.counters(2.0)
    assert cnt.queued[gb.MessagePriority.routine] == 2 and cnt.oldest_fire_age == 1.5

    # Full: a fire message evicts the newest routine one; an alarm cannot evict a fire one.
    fi2 = u.submit(FIRE, 1.0, priority=gb.MessagePriority.fire)
    (ev,) = u.outputs()
    assert isinstance(ev, gb.UitdFailed) and ev.id == r2 and ev.error.code == E.queue_full
    assert ev.attempts == 0 and u.counters(1.0).evicted == 1
    u.submit(ROUTINE, 1.0, priority=gb.MessagePriority.alarm)  # evicts r1
    with pytest.raises(firebus.GB26875Error) as ei:
        u.submit(ALARM, 1.0)
    assert ei.value.code == E.queue_full

    u.connected(2.0)
    assert u.in_flight == fi and u.in_flight_priority is gb.MessagePriority.fire
    t = 2.0
    while u.in_flight is not None:
        link.run(t)
        t += 1.0
    order = [d.id for d in link.of(link.u_out, gb.UitdDelivered)]
    assert order[:3] == [fi, fi2, al]
    assert r1 not in order and r2 not in order
    assert [m.adu for m in link.of(link.c_out, gb.CentreMessage)][:2] == [FIRE, FIRE]


def test_submit_errors() -> None:
    u = gb.UitdSession(uitd_cfg())
    with pytest.raises(firebus.GB26875Error) as ei:
        u.submit(bytes(1025), 0.0, priority=gb.MessagePriority.routine)
    assert ei.value.code == E.adu_too_long
    with pytest.raises(firebus.GB26875Error):
        u.submit(b"\x15\x05\x00", 0.0)  # cannot classify bytes that do not decode
    with pytest.raises(TypeError):
        u.submit("text", 0.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        u.submit(ROUTINE, 0.0, priority=7)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        u.submit(gb.Adu(21, ["not an object"]), 0.0)
    with pytest.raises(firebus.CoreError):
        u.submit(ROUTINE, float("nan"))
    # bytearray and memoryview are bytes too; with a priority the bytes are queued as they are.
    assert u.submit(bytearray(ROUTINE), 0.0) == 1
    assert u.submit(memoryview(b"\x01\x02"), 0.0, priority=gb.MessagePriority.routine) == 2
    small = gb.UitdSession(uitd_cfg(max_outputs=1))
    small.connected(0.0)
    small.submit(ROUTINE, 0.0)  # its frame waits for poll()
    with pytest.raises(firebus.GB26875Error) as ej:
        small.submit(ROUTINE, 0.0)
    assert ej.value.code == E.queue_full


def test_uitd_receive_bad_frames_and_frames_while_disconnected() -> None:
    u = gb.UitdSession(uitd_cfg())
    u.receive(frame(3), 0.0)  # disconnected: ignored, counted
    assert u.counters(0.0).ignored_disconnected == 1 and u.poll() is None
    u.connected(0.0)
    with pytest.raises(firebus.GB26875Error):
        u.receive(b"garbage", 0.0)
    assert u.poll() is None
    bad = bytearray(frame(4, serial=99, adu=READ_UITD_STATUS.encode()))
    bad[-3] ^= 0xFF  # the checksum
    with pytest.raises(firebus.GB26875Error) as ei:
        u.receive(bytes(bad), 1.0)
    assert ei.value.code == E.checksum_mismatch
    outs = u.outputs()
    deny = sends(outs)[0]
    assert deny.command == gb.Command.deny and deny.serial == 99
    assert outs[-1].kind is gb.ClientEventKind.request_denied
    # An unexpected answer, a reserved command, data from the centre.
    u.receive(frame(3, serial=500), 2.0)
    (ev,) = u.outputs()
    assert ev.kind is gb.ClientEventKind.unexpected_answer and ev.serial == 500
    assert ev.error.code == E.unexpected_answer
    u.receive(gb.decode_frame(frame(0)), 2.0)  # a Frame object works too
    assert sends(u.outputs())[0].command == gb.Command.deny
    u.receive(frame(2, adu=ROUTINE), 2.0)
    assert sends(u.outputs())[0].command == gb.Command.deny
    u.receive(frame(2), 2.0)  # the centre's heartbeat: confirmed
    assert sends(u.outputs())[0].command == gb.Command.confirm
    with pytest.raises(TypeError):
        u.receive(12, 2.0)  # type: ignore[arg-type]
    cnt = u.counters(2.0)
    assert cnt.unexpected_answers == 1 and cnt.denials_sent == 3 and cnt.frames_received == 5


def test_disconnect_resends_with_the_same_serial_and_reconnect_backoff() -> None:
    link = Link(ucfg=uitd_cfg(backoff_jitter_permille=0, backoff_max=5.0))
    u = link.u
    u.connected(0.0)
    mid = u.submit(ROUTINE, 0.0)
    (s1,) = u.outputs()
    u.disconnected(1.0)
    assert not u.is_connected and u.in_flight is None and u.queued() == 1
    assert [u.next_reconnect_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    u.submit(ROUTINE, 1.0)
    u.connected(6.0)
    assert u.next_reconnect_delay() == 1.0  # connected() restarts the sequence
    link.run(6.0)
    assert gb.decode_frame(link.up[0]).serial == s1.serial
    d = link.of(link.u_out, gb.UitdDelivered)
    assert d[0].id == mid and d[0].attempts == 2 and len(d) == 2
    assert u.counters(6.0).resent == 1
    jittered = gb.UitdSession(uitd_cfg(backoff_initial=10.0, backoff_max=10.0))
    assert all(8.0 <= jittered.next_reconnect_delay() <= 10.0 for _ in range(20))


def test_heartbeat() -> None:
    link = Link(ucfg=uitd_cfg(heartbeat=30.0))
    u, c = link.u, link.c
    u.connected(0.0)
    assert u.next_deadline() == 30.0 and u.poll() is None
    u.advance(30.0)
    (hb,) = u.outputs()
    assert hb.id == 0 and len(hb.frame) == 30 and u.in_flight == 0
    assert u.in_flight_priority is None
    c.receive(hb.frame, 30.0)
    outs = c.outputs()
    assert isinstance(outs[0], gb.CentreHeartbeat) and outs[0].header.source == UITD
    assert repr(outs[0]).startswith("CentreHeartbeat(header=Header(")
    u.receive(outs[1].bytes, 30.0)
    assert u.in_flight is None and u.counters(30.0).heartbeats_sent == 1
    assert c.counters().heartbeats == 1


def test_centre_bad_input_rejections_and_error_limit() -> None:
    c = gb.CentreSession(gb.CentreSessionConfig(address=CENTRE, max_consecutive_errors=2), 0.0)
    c.receive(b"garbage", 0.0)  # counted, never raises
    (dr,) = c.outputs()
    assert isinstance(dr, gb.CentreDroppedInput) and dr.serial is None
    assert not dr.has_serial and isinstance(dr.reason, firebus.GB26875Error)
    assert repr(dr).startswith("CentreDroppedInput(reason=GB26875Error(")
    good = gb.encode_frame(gb.Header(serial=33, command=2, source=UITD), ROUTINE)
    bad = bytearray(good)
    bad[-3] ^= 0xFF
    with pytest.raises(firebus.GB26875Error):
        c.on_frame(bytes(bad), 1.0)  # on_frame() takes valid frames only
    assert c.counters().rejections == 1
    c.receive(bytes(bad), 1.0)  # a checksum mismatch is denied echoing its serial number
    send, denied = c.outputs()
    assert gb.decode_frame(send.bytes).header.command == gb.Command.deny
    assert isinstance(denied, gb.CentreDeniedInput) and denied.serial == 33
    assert denied.reason.code == E.checksum_mismatch
    assert repr(denied).startswith("CentreDeniedInput(reason=GB26875Error(")
    (rej,) = gb.Deframer().feed(bytes(bad))  # the Deframer's Rejection gives the same
    assert isinstance(rej, gb.Rejection)
    c.on_rejection(rej, 2.0)  # third error in a row: closes
    outs = c.outputs()
    assert isinstance(outs[-1], gb.CentreClose)
    assert outs[-1].reason is gb.CentreCloseReason.too_many_errors and c.closed
    assert c.counters().rejections == 3 and c.counters().denies_sent == 2
    with pytest.raises(TypeError):
        c.on_rejection("x", 2.0)  # type: ignore[arg-type]


def test_centre_denies_bad_end_bytes_and_lengths_over_1024() -> None:
    """§6.5.3: wrong end bytes and an ADU length over 1024 are denied like a checksum error (from
    bytes and from the Deframer), when the candidate reads as a frame start (version 1); a
    user-defined command is denied but is not an error."""
    good = gb.encode_frame(gb.Header(serial=0x0E0D, command=2, source=UITD), ROUTINE)
    bad_end = good[:-2] + b"\x35\x35"  # a known public bug: decimal 35 written as hex
    too_long = good[:24] + b"\x01\x04" + good[26:]  # L = 1025
    for frame, code in ((bad_end, E.bad_end), (too_long, E.adu_too_long)):
        c = gb.CentreSession(gb.CentreSessionConfig(address=CENTRE), 0.0)
        c.receive(frame, 1.0)
        send, denied = c.outputs()
        assert gb.decode_frame(send.bytes).header.command == gb.Command.deny
        assert gb.decode_frame(send.bytes).header.serial == 0x0E0D
        assert isinstance(denied, gb.CentreDeniedInput) and denied.reason.code == code
        d = gb.CentreSession(gb.CentreSessionConfig(address=CENTRE), 0.0)
        rej = gb.Deframer().feed(frame)[0]
        assert isinstance(rej, gb.Rejection) and rej.reason == code
        d.on_rejection(rej, 1.0)
        assert isinstance(d.outputs()[0], gb.CentreSend) and d.counters().denies_sent == 1
    c = gb.CentreSession(gb.CentreSessionConfig(address=CENTRE, max_consecutive_errors=2), 0.0)
    for serial in range(10):
        c.receive(gb.encode_frame(gb.Header(serial=serial, command=0x80, source=UITD), b""), 1.0)
    assert c.counters().denies_sent == 10 and not c.closed


def test_centre_frames_requests_idle_timeout_and_no_answer() -> None:
    c = gb.CentreSession(gb.CentreSessionConfig(address=CENTRE, idle_timeout=60.0, retries=1,
                                                max_pending_requests=1), 0.0)
    assert c.next_deadline() == 60.0 and not c.has_peer and c.peer_address == 0
    c.on_frame(gb.decode_frame(gb.encode_frame(gb.Header(command=2, source=UITD), b"")), 1.0)
    assert isinstance(c.outputs()[0], gb.CentreHeartbeat) and c.has_peer
    c.on_frame(gb.encode_frame(gb.Header(command=4, source=UITD), b""), 1.0)  # a request: denied
    assert isinstance(c.outputs()[1], gb.CentreDeniedInput)
    with pytest.raises(firebus.CoreError):
        c.request(gb.Adu(gb.AduType.uitd_status, [gb.UitdStatusRecord()]), 2.0)  # not a read
    with pytest.raises(firebus.CoreError):
        c.control(READ_UITD_STATUS, 2.0)  # not a control
    with pytest.raises(firebus.GB26875Error):
        c.request(b"\x51\x05", 2.0)  # bytes that do not decode
    r1 = c.request(READ_UITD_STATUS, 2.0)
    r2 = c.request(READ_UITD_STATUS, 2.0)
    with pytest.raises(firebus.GB26875Error) as ei:
        c.request(READ_UITD_STATUS, 2.0)
    assert ei.value.code == E.queue_full
    assert c.pending_requests == 2 and c.next_deadline() == 12.0
    c.advance(12.0)  # retransmitted
    c.advance(22.0)  # r1 fails, r2 is sent
    outs = c.outputs()
    assert [type(o).__name__ for o in outs] == ["CentreSend", "CentreSend", "CentreFailed", "CentreSend"]
    assert outs[0].bytes == outs[1].bytes and outs[2].id == r1
    assert outs[2].reason.code == E.no_answer and c.counters().retransmissions == 1
    assert c.next_deadline() == 32.0
    c.advance(61.0)  # the idle timeout (last frame at 1.0) comes first
    outs = c.outputs()
    assert isinstance(outs[-1], gb.CentreClose)
    assert outs[-1].reason is gb.CentreCloseReason.idle_timeout
    assert [o.id for o in outs if isinstance(o, gb.CentreFailed)][-1] == r2
    assert c.next_deadline() is None and c.pending_requests == 0
    with pytest.raises(firebus.GB26875Error):
        c.request(READ_UITD_STATUS, 62.0)
    assert "closed" in repr(c)


def test_centre_user_types_and_wall_clock() -> None:
    users = gb.UserTypes()
    users.add_fixed(200, "pair", 2)
    link = Link(ccfg=gb.CentreSessionConfig(address=CENTRE, users=users))
    link.c.set_wall_clock(0.0, 1_700_000_000.0)
    link.u.connected(0.0)
    link.u.submit(bytes([200, 2, 1, 2, 3, 4]), 5.0, priority=gb.MessagePriority.routine)
    link.run(5.0)
    (m,) = link.of(link.c_out, gb.CentreMessage)
    assert m.users is users
    objs = m.decode().objects
    assert [type(o).__name__ for o in objs] == ["UserObject", "UserObject"]
    assert objs[1].data == b"\x03\x04"
    confirm = gb.decode_frame(link.down[0])
    assert confirm.header.time == gb.TimeTag(2023, 11, 15, 6, 13, 25)  # wall clock at 5 s, +8 h
    plain = Link()
    plain.u.connected(0.0)
    plain.u.submit(bytes([200, 2, 1, 2, 3, 4]), 0.0, priority=gb.MessagePriority.routine)
    plain.run(0.0)
    (m2,) = plain.of(plain.c_out, gb.CentreMessage)
    assert [type(o).__name__ for o in m2.decode().objects] == ["UserBlob"]


def test_max_age_heartbeat_failure_and_rate_limit() -> None:
    u = gb.UitdSession(uitd_cfg(max_age=5.0))
    mid = u.submit(ROUTINE, 0.0)
    assert u.next_deadline() == 5.0
    u.advance(4.999)
    assert u.poll() is None
    u.advance(5.0)
    (f,) = u.outputs()
    assert f.id == mid and f.error.code == E.not_connected and f.attempts == 0

    h = gb.UitdSession(uitd_cfg(heartbeat=30.0, retries=0))
    h.connected(0.0)
    h.advance(30.0)
    assert h.in_flight == 0 and h.next_deadline() == 40.0
    h.advance(40.0)
    outs = h.outputs()
    ev = outs[-1]
    assert isinstance(ev, gb.UitdEvent) and ev.kind is gb.ClientEventKind.heartbeat_failed
    assert ev.error.code == E.no_answer and h.counters(40.0).heartbeats_failed == 1

    c = gb.CentreSession(gb.CentreSessionConfig(address=CENTRE, rate_max_frames=2), 0.0)
    hb = gb.encode_frame(gb.Header(command=2, source=UITD), b"")
    c.receive(hb, 1.0)
    c.receive(hb, 1.5)
    c.receive(hb, 1.9)  # a third input within one second
    close = c.outputs()[-1]
    assert close.reason is gb.CentreCloseReason.rate_limit and c.counters().rate_limited == 1
    d = gb.CentreSession(gb.CentreSessionConfig(address=CENTRE, rate_max_frames=2), 0.0)
    for t in (1.0, 1.5, 2.0):  # exactly one second after the first: allowed
        d.receive(hb, t)
    assert not d.closed and d.counters().heartbeats == 3


SESSION_CLASSES = [
    gb.UitdSession, gb.UitdSessionConfig, gb.UitdSend, gb.UitdDelivered, gb.UitdFailed,
    gb.UitdEvent, gb.UitdDutyAnswer, gb.UitdCounters, gb.CentreSession, gb.CentreSessionConfig,
    gb.CentreCounters, gb.CentreSend, gb.CentreMessage,
    gb.CentreHeartbeat, gb.CentreAnswer, gb.CentreFailed,
    gb.CentreDeniedInput, gb.CentreDroppedInput, gb.CentreClose,
]


@pytest.mark.parametrize("cls", SESSION_CLASSES, ids=lambda c: c.__qualname__)
def test_every_class_and_member_is_documented(cls: type) -> None:
    assert cls.__doc__ and len(cls.__doc__) > 20
    assert "__repr__" in vars(cls)
    for name, member in vars(cls).items():
        if name.startswith("_") and name not in ("__init__", "__repr__", "__eq__"):
            continue
        if isinstance(member, type):
            continue  # the nested output classes, checked on their own
        doc = member.__doc__ or ""
        # pybind11 puts the signature first; a docstring follows it.
        assert len(doc.strip().splitlines()) >= 2 or "->" not in doc, (name, doc)
        assert doc.strip(), name


def test_data_provider_may_replace_itself() -> None:
    link = Link()
    u, c = link.u, link.c
    u.connected(0.0)
    u.submit(ROUTINE, 0.0)
    link.run(0.0)
    calls = []

    def once(req: Any) -> Any:
        calls.append(req)
        u.data_provider = None  # from within the call: the next read is denied
        return uitd_status(0x00)

    u.data_provider = once
    c.request(READ_UITD_STATUS, 1.0)
    c.request(READ_UITD_STATUS, 1.0)
    link.run(1.0)
    kinds = [type(o).__name__ for o in link.c_out if isinstance(o, (gb.CentreAnswer, gb.CentreFailed))]
    assert kinds == ["CentreAnswer", "CentreFailed"] and len(calls) == 1
    assert u.data_provider is None


def test_reference_cycles_through_the_provider_are_collected() -> None:
    import gc
    import weakref

    class Device:
        def __init__(self) -> None:
            self.session = gb.UitdSession(uitd_cfg())
            self.session.data_provider = self.read  # Device -> session -> provider -> Device

        def read(self, req: Any) -> Any:
            return None

    d = Device()
    alive = weakref.ref(d.session)
    del d
    gc.collect()
    assert alive() is None

    s = gb.CentreSession(gb.CentreSessionConfig(users=gb.UserTypes()), 0.0)
    assert s.config.users is not None and gc.is_tracked(s) and gc.is_tracked(s.config)
