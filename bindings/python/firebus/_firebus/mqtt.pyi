"""
MQTT: a client that reconnects by itself, TLS, Will, QoS 0/1.
"""

from __future__ import annotations
import enum
import firebus._firebus
import types
import typing

class Client:
    """
    An MQTT client that reconnects by itself (C++ mqtt::client on libmosquitto). Callbacks run on the client's I/O thread with the GIL held; publish() returns a token that on_published reports exactly once. Use it as a context manager, or call close().
    """
    def __enter__(self) -> Client:
        """
        Starts the client; returns it.
        """
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        """
        Closes the client.
        """
    def __init__(self, options: ClientOptions) -> None:
        """
        A stopped client of `options` (MqttError for invalid options).
        """
    def __repr__(self) -> str: ...
    def close(self) -> None:
        """
        Stops and frees the C++ client. Idempotent; safe from a callback.
        """
    def counters(self) -> ClientCounters:
        """
        A snapshot of the ClientCounters.
        """
    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int:
        """
        Publishes `payload` (bytes) on `topic`; returns its token (>= 1), which on_published reports later: None when acknowledged (QoS 1) or sent (QoS 0), else a firebus.MqttError (Errc.connection_lost, publish_refused, stopped). Raises MqttError at once, with nothing reported later, when not connected (Errc.not_connected), for an invalid topic or qos, a payload above max_payload, or max_pending publishes unreported (Errc.queue_full).
        """
    def start(self) -> None:
        """
        Starts the client: connect, and reconnect with back-off after every loss.
        """
    def stop(self) -> None:
        """
        Sends DISCONNECT (the Will is not published), reports every pending publish with Errc.stopped, and joins the I/O thread.
        """
    def subscribe(self, filter: str, qos: int = 1) -> None:
        """
        Subscribes to `filter` now if connected, and again on every reconnect.
        """
    @property
    def closed(self) -> bool:
        """
        True once close() was called.
        """
    @property
    def connected(self) -> bool:
        """
        True while connected.
        """
    @property
    def on_connection(self) -> typing.Callable[[ConnectionEvent], None] | None:
        """
        Called as f(event) with a ConnectionEvent whenever the connection comes up or goes down, or an attempt fails.
        """
    @on_connection.setter
    def on_connection(self, arg1: typing.Callable[[ConnectionEvent], None] | None) -> None: ...
    @property
    def on_message(self) -> typing.Callable[[Message], None] | None:
        """
        Called as f(message) for every Message received.
        """
    @on_message.setter
    def on_message(self, arg1: typing.Callable[[Message], None] | None) -> None: ...
    @property
    def on_published(self) -> typing.Callable[[int, firebus._firebus.Error | None], None] | None:
        """
        Called as f(token, error) once for every token publish() returned.
        """
    @on_published.setter
    def on_published(
        self, arg1: typing.Callable[[int, firebus._firebus.Error | None], None] | None
    ) -> None: ...
    @property
    def options(self) -> ClientOptions:
        """
        The options.
        """
    @property
    def running(self) -> bool:
        """
        True between start() and stop().
        """

class ClientCounters:
    """
    A snapshot of a client's counters.
    """
    @property
    def callback_errors(self) -> int:
        """
        Exceptions raised by callbacks (reported through sys.unraisablehook).
        """
    @property
    def connect_failures(self) -> int:
        """
        Attempts that did not end in an accepted CONNACK.
        """
    @property
    def connects(self) -> int:
        """
        Connections established.
        """
    @property
    def disconnects(self) -> int:
        """
        Established connections lost or closed.
        """
    @property
    def publish_failures(self) -> int:
        """
        Publishes reported with an error.
        """
    @property
    def published(self) -> int:
        """
        Publishes acknowledged (QoS 1) or sent (QoS 0).
        """
    @property
    def received(self) -> int:
        """
        Messages received.
        """

class ClientOptions:
    """
    Settings of a Client (C++ mqtt::client_options). Times in seconds.
    """
    def __init__(
        self,
        *,
        client_id: str,
        host: str = "127.0.0.1",
        port: int = 1883,
        version: ProtocolVersion = ProtocolVersion.v311,
        clean_session: bool = True,
        keepalive: float = 30.0,
        username: str | None = None,
        password: str | None = None,
        tls: TlsOptions | None = None,
        will: None | WillMessage | typing.Callable[[], WillMessage | None] = None,
        connect_timeout: float = 10.0,
        reconnect_min: float = 0.5,
        reconnect_max: float = 60.0,
        reconnect_jitter: float = 0.25,
        max_inflight: int = 20,
        max_pending: int = 10000,
        max_payload: int = 16777216,
    ) -> None:
        """
        client_id is required. will: a WillMessage, or a callable returning one (or None), called before every CONNECT on the client's thread (a Sparkplug node puts a new bdSeq in each). Checked by Client() (MqttError, Errc.invalid_options, naming the field).
        """
    @property
    def client_id(self) -> str:
        """
        The client identifier.
        """
    @client_id.setter
    def client_id(self, arg0: str) -> None: ...
    @property
    def host(self) -> str:
        """
        The broker: a name or an address.
        """
    @host.setter
    def host(self, arg0: str) -> None: ...
    @property
    def keepalive(self) -> float:
        """
        Keep-alive, in seconds.
        """
    @property
    def password(self) -> str | None:
        """
        Password, or None.
        """
    @password.setter
    def password(self, arg0: str | None) -> None: ...
    @property
    def port(self) -> int:
        """
        The broker's port.
        """
    @port.setter
    def port(self, arg0: int) -> None: ...
    @property
    def tls(self) -> TlsOptions | None:
        """
        TlsOptions, or None for plain TCP.
        """
    @tls.setter
    def tls(self, arg0: TlsOptions | None) -> None: ...
    @property
    def username(self) -> str | None:
        """
        User name, or None.
        """
    @username.setter
    def username(self, arg0: str | None) -> None: ...
    @property
    def version(self) -> ProtocolVersion:
        """
        ProtocolVersion.v311 or v5.
        """
    @version.setter
    def version(self, arg0: ProtocolVersion) -> None: ...

class ConnectionEvent:
    """
    The connection came up (up=True) or went down, or an attempt failed (up=False, error says why).
    """
    def __repr__(self) -> str: ...
    @property
    def detail(self) -> str:
        """
        For people: the broker's or TLS's own words, when there are any.
        """
    @property
    def error(self) -> firebus._firebus.Error | None:
        """
        Down: why, as a firebus.MqttError (a refusal, a TLS failure, a lost connection); else None.
        """
    @property
    def session_present(self) -> bool:
        """
        Up: the broker resumed a session.
        """
    @property
    def up(self) -> bool:
        """
        True: connected (CONNACK accepted).
        """
    @property
    def will_payload(self) -> bytes | None:
        """
        Up: the payload of that Will (it may be older than the latest Will asked for: pass it to sparkplug.EdgeNode.on_connected); else None.
        """
    @property
    def will_topic(self) -> str | None:
        """
        Up: the topic of the Will this connection's CONNECT registered; else None.
        """

class Message:
    """
    A message received on a subscription.
    """
    def __repr__(self) -> str: ...
    @property
    def payload(self) -> bytes:
        """
        Its payload (bytes).
        """
    @property
    def qos(self) -> int:
        """
        The QoS it was delivered with.
        """
    @property
    def retain(self) -> bool:
        """
        True for a retained message.
        """
    @property
    def topic(self) -> str:
        """
        Its topic.
        """

class TlsOptions:
    """
    TLS settings (C++ mqtt::tls_options). The broker's certificate chain and host name are always verified.
    """
    def __init__(
        self,
        *,
        ca_file: str = "",
        ca_path: str = "",
        cert_file: str = "",
        key_file: str = "",
        version: str = "",
        ciphers: str = "",
        insecure_skip_hostname: bool = False,
    ) -> None:
        """
        ca_file/ca_path: trusted CAs (both empty: the system's); cert_file/key_file: the client certificate and its unencrypted key (PEM); version: 'tlsv1.2' or 'tlsv1.3' (empty: the library's default); insecure_skip_hostname: tests only.
        """
    @property
    def ca_file(self) -> str:
        """
        PEM file of trusted CAs.
        """
    @ca_file.setter
    def ca_file(self, arg0: str) -> None: ...
    @property
    def ca_path(self) -> str:
        """
        Directory of trusted CAs.
        """
    @ca_path.setter
    def ca_path(self, arg0: str) -> None: ...
    @property
    def cert_file(self) -> str:
        """
        Client certificate (PEM).
        """
    @cert_file.setter
    def cert_file(self, arg0: str) -> None: ...
    @property
    def ciphers(self) -> str:
        """
        OpenSSL cipher list or ''.
        """
    @ciphers.setter
    def ciphers(self, arg0: str) -> None: ...
    @property
    def insecure_skip_hostname(self) -> bool:
        """
        Skip the host name check (tests only).
        """
    @insecure_skip_hostname.setter
    def insecure_skip_hostname(self, arg0: bool) -> None: ...
    @property
    def key_file(self) -> str:
        """
        Its private key (PEM).
        """
    @key_file.setter
    def key_file(self, arg0: str) -> None: ...
    @property
    def version(self) -> str:
        """
        'tlsv1.2', 'tlsv1.3' or ''.
        """
    @version.setter
    def version(self, arg0: str) -> None: ...

class WillMessage:
    """
    The Will: what the broker publishes when the client goes away without a DISCONNECT.
    """
    def __init__(
        self, topic: str, payload: bytes = b"", *, qos: int = 1, retain: bool = False
    ) -> None: ...
    @property
    def payload(self) -> bytes:
        """
        Its payload (bytes).
        """
    @payload.setter
    def payload(self, arg1: bytes) -> None: ...
    @property
    def qos(self) -> int:
        """
        0 or 1.
        """
    @qos.setter
    def qos(self, arg0: int) -> None: ...
    @property
    def retain(self) -> bool:
        """
        Retained or not.
        """
    @retain.setter
    def retain(self, arg0: bool) -> None: ...
    @property
    def topic(self) -> str:
        """
        Its topic.
        """
    @topic.setter
    def topic(self, arg0: str) -> None: ...

class Errc(enum.IntEnum):
    """
    The codes of firebus.MqttError (category firebus.mqtt).
    """

    invalid_options = 1
    invalid_topic = 2
    payload_too_large = 3
    queue_full = 4
    not_connected = 5
    stopped = 6
    connection_lost = 7
    connect_timeout = 8
    keepalive_timeout = 9
    resolve_failed = 10
    connect_failed = 11
    tls_error = 12
    refused_protocol_version = 13
    refused_client_id = 14
    refused_server_unavailable = 15
    refused_bad_credentials = 16
    refused_not_authorised = 17
    refused_other = 18
    publish_refused = 19
    protocol_error = 20

class ProtocolVersion(enum.IntEnum):
    """
    The MQTT protocol version: v311 (3.1.1) or v5.
    """

    v311 = 4
    v5 = 5
