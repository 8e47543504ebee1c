# firebus — fire-safety IoT SDK.
"""`firebus telemetry sub` against a real broker (Debian's mosquitto on a loopback port), fed by a
publisher of this file's own (MQTT 3.1.1 over a socket, envelopes written with a protobuf writer
of its own, independent of firebus's code).

The binary comes from FIREBUS_CLI (CTest sets it to the in-tree build); without it, or without
mosquitto, the tests are skipped.
"""

import os
import shutil
import socket
import struct
import subprocess
import time

import pytest

CLI = os.environ.get("FIREBUS_CLI", "")
MOSQUITTO = shutil.which("mosquitto") or ("/usr/sbin/mosquitto"
                                          if os.path.exists("/usr/sbin/mosquitto") else "")
needs_broker = pytest.mark.skipif(not CLI or not MOSQUITTO,
                                  reason="FIREBUS_CLI is not set or mosquitto is missing")


# --- a protobuf writer -------------------------------------------------------------------------

def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def field_varint(n, v):
    return varint(n << 3) + varint(v)


def field_bytes(n, b):
    if isinstance(b, str):
        b = b.encode("utf-8")
    return varint(n << 3 | 2) + varint(len(b)) + b


# --- MQTT 3.1.1, just enough to publish at QoS 0 ------------------------------------------------

def mqtt_packet(kind, body):
    n = len(body)
    length = bytearray()
    while True:
        b = n % 128
        n //= 128
        length.append(b | (0x80 if n else 0))
        if not n:
            break
    return bytes([kind]) + bytes(length) + body


def mqtt_string(s):
    b = s.encode("utf-8")
    return struct.pack(">H", len(b)) + b


def publish(port, topic, payload):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        connect = mqtt_string("MQTT") + bytes([4, 0x02]) + struct.pack(">H", 30) + \
            mqtt_string("test-pub")
        s.sendall(mqtt_packet(0x10, connect))
        assert s.recv(4)[:1] == b"\x20"  # CONNACK
        s.sendall(mqtt_packet(0x30, mqtt_string(topic) + payload))
        s.sendall(mqtt_packet(0xE0, b""))  # DISCONNECT


@pytest.fixture
def broker(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    p = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        p.terminate()
        p.wait(timeout=10)


@needs_broker
def test_a_peers_texts_cannot_forge_lines_or_drive_the_terminal(broker):
    # An alarm event and a device status whose texts hold a line break, an escape sequence and
    # a backslash: valid UTF-8, which is all the codec requires of them.
    event = field_varint(5, 1) + field_bytes(6, "b1/rcm1/ir") + field_bytes(7, "HI\ngap: x") + \
        field_bytes(8, "Z\x1b[31m1") + field_bytes(15, "cmd\r")
    status = field_bytes(1, "d\\1") + field_varint(3, 3) + field_bytes(4, "timeout\ngap: forged")
    batch = field_bytes(10, event) + field_bytes(11, status)
    envelope = field_bytes(1, "gw-0001") + field_varint(2, 1) + field_bytes(4, batch)
    sub = subprocess.Popen([CLI, "telemetry", "sub", "--broker", f"127.0.0.1:{broker}",
                            "--topic", "firebus/#", "--count", "1", "--timeout", "20"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Wait for the subscription (the line on stderr), then publish.
        line = sub.stderr.readline()
        assert b"connected to" in line, line
        time.sleep(0.3)
        publish(broker, "firebus/v1/gw-0001/events", envelope)
        out, err = sub.communicate(timeout=30)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    assert sub.returncode == 0, err
    text = out.decode("utf-8")
    lines = text.splitlines()
    assert len(lines) == 3, text  # the batch, its event, its status: nothing forged
    assert lines[0].endswith(" firebus/v1/gw-0001/events gw-0001 telemetry seq 1 live batch "
                             "(birth 0): 1 event, 1 status, 0 samples"), lines[0]
    assert lines[1] == ("  event alarm_on point b1/rcm1/ir zone Z\\x1b[31m1 alarm HI\\x0agap: x "
                        "class none state normal command cmd\\x0d"), lines[1]
    assert lines[2] == "  status d\\x5c1 offline timeout\\x0agap: forged", lines[2]
    assert "\x1b" not in text and "\r" not in text
