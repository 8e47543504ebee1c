"""firebus.mqtt against a real broker: Debian's mosquitto on 127.0.0.1, started here with a
generated configuration (plain, user name and password, TLS with certificates made by the
openssl CLI)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple

import pytest

import firebus
from firebus import mqtt

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
)
pytestmark = pytest.mark.skipif(
    MOSQUITTO is None, reason="mosquitto is not installed (apt-get install mosquitto)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    def __init__(self, workdir: Path, extra: str = "") -> None:
        self.port = free_port()
        self.dir = workdir
        self.conf = workdir / f"mosquitto-{self.port}.conf"
        self.conf.write_text(
            "user root\npersistence false\nlog_dest stderr\n"
            f"listener {self.port} 127.0.0.1\n" + extra
        )
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.start()

    def start(self) -> None:
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("mosquitto did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path, "allow_anonymous true\n")
    yield b
    b.kill()


class Recorder:
    """What a client reported, with waiting."""

    def __init__(self, client: mqtt.Client) -> None:
        self.cv = threading.Condition()
        self.events: List[mqtt.ConnectionEvent] = []
        self.messages: List[Tuple[str, bytes]] = []
        self.published: dict[int, Optional[firebus.Error]] = {}
        client.on_connection = self._event
        client.on_message = self._message
        client.on_published = self._published

    def _event(self, e: mqtt.ConnectionEvent) -> None:
        with self.cv:
            self.events.append(e)
            self.cv.notify_all()

    def _message(self, m: mqtt.Message) -> None:
        with self.cv:
            self.messages.append((m.topic, m.payload))
            self.cv.notify_all()

    def _published(self, token: int, error: Optional[firebus.Error]) -> None:
        with self.cv:
            self.published[token] = error
            self.cv.notify_all()

    def wait(self, pred: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self.cv:
            return self.cv.wait_for(pred, timeout)

    def ups(self) -> int:
        return sum(1 for e in self.events if e.up)

    def first_down(self) -> mqtt.ConnectionEvent:
        assert self.wait(lambda: any(not e.up for e in self.events))
        return next(e for e in self.events if not e.up)


def options(port: int, cid: str, **kw: Any) -> mqtt.ClientOptions:
    return mqtt.ClientOptions(
        client_id=cid, port=port, reconnect_min=0.05, reconnect_max=0.4, **kw
    )


@pytest.mark.parametrize("version", [mqtt.ProtocolVersion.v311, mqtt.ProtocolVersion.v5])
def test_round_trip_every_token_reported_once_in_order(
    broker: Broker, version: mqtt.ProtocolVersion
) -> None:
    sub = mqtt.Client(options(broker.port, "sub", version=version))
    rs = Recorder(sub)
    sub.subscribe("fb/#", qos=1)
    with sub:
        assert rs.wait(lambda: rs.ups() == 1)
        sub.publish("fb/probe", b"probe")  # once it arrives, the SUBSCRIBE is in force
        assert rs.wait(lambda: len(rs.messages) == 1)
        pub = mqtt.Client(options(broker.port, "pub", version=version))
        rp = Recorder(pub)
        with pub:
            assert rp.wait(lambda: rp.ups() == 1)
            tokens = [pub.publish(f"fb/{i % 3}", str(i).encode(), qos=1) for i in range(100)]
            assert rp.wait(lambda: len(rp.published) == 100)
            assert all(rp.published[t] is None for t in tokens)
            assert len(set(tokens)) == 100
            assert rs.wait(lambda: len(rs.messages) == 101)
            assert [p for _, p in rs.messages[1:]] == [str(i).encode() for i in range(100)]
            c = pub.counters()
            assert (c.published, c.publish_failures) == (100, 0)


def test_refusals_raise_at_once(broker: Broker) -> None:
    with pytest.raises(firebus.MqttError) as e:
        mqtt.Client(mqtt.ClientOptions(client_id=""))
    assert e.value.code == mqtt.Errc.invalid_options
    assert "client_id" in str(e.value)
    with pytest.raises(firebus.MqttError, match="password"):
        mqtt.Client(mqtt.ClientOptions(client_id="x", password="p"))
    with pytest.raises(firebus.MqttError, match="max_pending"):
        mqtt.Client(mqtt.ClientOptions(client_id="x", max_pending=65536))
    c = mqtt.Client(options(free_port(), "nobroker"))
    with pytest.raises(firebus.MqttError) as e:
        c.publish("a/b", b"x")
    assert e.value.code == mqtt.Errc.stopped
    r = Recorder(c)
    c.start()
    down = r.first_down()
    assert isinstance(down.error, firebus.MqttError)
    assert down.error.code == mqtt.Errc.connect_failed
    with pytest.raises(firebus.MqttError) as e:
        c.publish("a/b", b"x")
    assert e.value.code == mqtt.Errc.not_connected
    with pytest.raises(firebus.MqttError) as e:
        c.publish("a/#", b"x")
    assert e.value.code == mqtt.Errc.invalid_topic
    c.close()
    c.close()
    assert c.closed


def test_broker_killed_and_back_reconnects_with_a_new_will(tmp_path: Path) -> None:
    b = Broker(tmp_path, "allow_anonymous true\n")
    n = 0

    def will() -> mqtt.WillMessage:
        nonlocal n
        n += 1
        return mqtt.WillMessage("fb/death", str(n).encode())

    try:
        c = mqtt.Client(options(b.port, "again", will=will))
        r = Recorder(c)
        c.subscribe("fb/echo")
        c.start()
        assert r.wait(lambda: r.ups() == 1)
        tokens = [c.publish("fb/bulk", b"x" * 1000) for _ in range(300)]
        b.kill()
        assert r.wait(lambda: len(r.published) == len(tokens))
        for t in tokens:
            err = r.published[t]
            # A broker killed in the middle of a packet may leave libmosquitto reading a
            # truncated one: reported as a protocol error. Either way the publish failed with the
            # connection, and is reported once.
            assert err is None or err.code in (mqtt.Errc.connection_lost, mqtt.Errc.protocol_error)
        b.start()
        assert r.wait(lambda: r.ups() == 2)
        assert n >= 2  # one Will per CONNECT
        # Each "up" carries the Will its CONNECT registered (Sparkplug takes bdSeq from it).
        ups = [e for e in r.events if e.up]
        assert [e.will_topic for e in ups] == ["fb/death", "fb/death"]
        assert ups[0].will_payload == b"1" and ups[1].will_payload == str(n).encode()
        assert all(e.will_payload is None for e in r.events if not e.up)
        c.publish("fb/echo", b"back")
        assert r.wait(lambda: (("fb/echo", b"back") in r.messages))
        c.close()
    finally:
        b.kill()


def test_callbacks_may_publish_and_close(broker: Broker) -> None:
    c = mqtt.Client(options(broker.port, "reentrant"))
    acked: List[int] = []
    done = threading.Event()

    def on_connection(e: mqtt.ConnectionEvent) -> None:
        if e.up:
            c.publish("fb/a", b"1")

    def on_published(token: int, error: Optional[firebus.Error]) -> None:
        acked.append(token)
        if len(acked) < 5:
            c.publish("fb/a", b"n")
        else:
            c.close()
            done.set()

    c.on_connection = on_connection
    c.on_published = on_published
    c.start()
    assert done.wait(10)
    assert len(acked) == 5
    c.close()
    assert c.closed and not c.connected


def test_wrong_password_is_refused_clearly(tmp_path: Path) -> None:
    pw = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(pw), "gw", "right"], check=True)
    b = Broker(tmp_path, f"allow_anonymous false\npassword_file {pw}\n")
    try:
        with mqtt.Client(options(b.port, "ok", username="gw", password="right")) as good:
            r = Recorder(good)
            assert r.wait(lambda: good.connected)
        bad = mqtt.Client(options(b.port, "ko", username="gw", password="wrong"))
        r = Recorder(bad)
        bad.start()
        down = r.first_down()
        assert isinstance(down.error, firebus.MqttError)
        assert down.error.code in (
            mqtt.Errc.refused_bad_credentials,
            mqtt.Errc.refused_not_authorised,
        )
        assert down.detail
        assert bad.counters().connects == 0
        bad.close()
        with pytest.raises(firebus.MqttError, match="closed"):
            bad.counters()
    finally:
        b.kill()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl CLI is not installed")
def test_tls_verifies_the_broker_and_refuses_a_wrong_ca(tmp_path: Path) -> None:
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    for ca in ("ca", "other"):
        run("req", "-x509", *key, "-keyout", f"{ca}.key", "-out", f"{ca}.crt", "-days", "2",
            "-subj", f"/CN=test {ca}")
    run("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (tmp_path / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "server.crt", "-extfile", "server.ext")
    b = Broker(
        tmp_path,
        f"allow_anonymous true\ncafile {tmp_path}/ca.crt\n"
        f"certfile {tmp_path}/server.crt\nkeyfile {tmp_path}/server.key\n",
    )
    try:
        good = options(b.port, "tls", host="localhost",
                       tls=mqtt.TlsOptions(ca_file=str(tmp_path / "ca.crt")))
        with mqtt.Client(good) as c:
            r = Recorder(c)
            c.subscribe("fb/tls")
            assert r.wait(lambda: c.connected)
            c.publish("fb/tls", b"secure")
            assert r.wait(lambda: ("fb/tls", b"secure") in r.messages)
        wrong = options(b.port, "tls2", host="localhost",
                        tls=mqtt.TlsOptions(ca_file=str(tmp_path / "other.crt")))
        c = mqtt.Client(wrong)
        r = Recorder(c)
        c.start()
        down = r.first_down()
        assert isinstance(down.error, firebus.MqttError)
        assert down.error.code == mqtt.Errc.tls_error
        assert "certificate" in down.detail
        c.close()
    finally:
        b.kill()
