# firebus — fire-safety IoT SDK.
"""The end-to-end pipeline in tests: a simulated building → firebus-gateway → MQTT broker and
monitoring centre, every process real, on 127.0.0.1 and free ports, in the test's tmp_path.

The model is examples/demo/run_demo.py (the README's demo); its ideas are reused here, not its
code. A `Pipeline` writes a building (each test's own short scenario) and a gateway configuration
(examples/demo/gateway.json with this run's ports, paths and devices), starts, stops, kills and
restarts each process, and collects every process's output lines, with the wall-clock time they
were read, in reader threads. Everything it started is killed (process groups) at the end of the
test, whether it passed or not.

The binaries come from the environment (CTest sets them, tests/e2e/CMakeLists.txt):
FIREBUS_SIM, FIREBUS_GATEWAY, FIREBUS_CENTRE, FIREBUS_CLI; a test is skipped when one is unset
and fails when one is set but missing. mosquitto is looked up on PATH and in /usr/sbin.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
BINARIES = {"sim": "FIREBUS_SIM", "gateway": "FIREBUS_GATEWAY", "centre": "FIREBUS_CENTRE",
            "cli": "FIREBUS_CLI"}
SUB_TOPIC = "firebus/v1/#"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def iso_to_epoch(text: str) -> float:
    """ISO 8601 (`...Z` or with an offset) → seconds since 1970."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso_to_ms(text: str) -> int:
    return round(iso_to_epoch(text) * 1000)


@pytest.fixture
def binaries() -> dict[str, str]:
    found = {}
    for name, var in BINARIES.items():
        path = os.environ.get(var)
        if not path:
            pytest.skip(f"{var} is not set (CTest sets it: tests/e2e/CMakeLists.txt)")
        if not Path(path).is_file() or not os.access(path, os.X_OK):
            pytest.fail(f"{var}={path}: not an executable file")
        found[name] = str(Path(path).resolve())
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(mosquitto).is_file():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto)")
    found["mosquitto"] = mosquitto
    return found


@dataclass
class Line:
    stage: str          # "sim", "gateway", "centre", "mqtt" (the subscriber), "broker"
    run: int            # 1 for the first process of the stage, 2 after a restart, ...
    wall: float         # time.time() when the line was read
    text: str
    data: dict | None   # the line as JSON, when it is a JSON object


class Proc:
    """One process in its own process group; its stdout and stderr are read line by line."""

    def __init__(self, pipeline: "Pipeline", stage: str, run: int, argv: list[str], log: Path,
                 env: dict | None = None) -> None:
        self.stage = stage
        self.run = run
        self.argv = argv
        self.log_path = log
        self._log = open(log, "a", encoding="utf-8")
        self._log.write(f"--- run {run}: {' '.join(argv)}\n")
        self._log.flush()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, bufsize=1,
                                     errors="replace", start_new_session=True, env=env)
        self._thread = threading.Thread(target=self._read, args=(pipeline,), daemon=True,
                                        name=f"read-{stage}-{run}")
        self._thread.start()

    def _read(self, pipeline: "Pipeline") -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            wall = time.time()
            self._log.write(raw)
            self._log.flush()
            text = raw.rstrip("\n")
            data = None
            if text.startswith("{"):
                try:
                    data = json.loads(text)
                except json.JSONDecodeError:
                    data = None
            pipeline._add(Line(self.stage, self.run, wall, text, data))
        self._log.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, sig: int) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        self.send(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.proc.wait(10)
        # The process group may hold children (none of ours do, but be sure).
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._thread.join(5)
        return self.proc.returncode

    def kill9(self) -> int:
        self.send(signal.SIGKILL)
        self.proc.wait(10)
        self._thread.join(5)
        return self.proc.returncode


@dataclass
class Device:
    """A device of the test's building: simulator side and gateway side."""
    id: str          # the gateway's device id (point names are <id>/<point>)
    bus: str
    unit: int
    profile: str
    name: str
    values: dict = field(default_factory=dict)


class Pipeline:
    """mosquitto, firebus-centre, firebus telemetry sub, firebus-sim and firebus-gateway."""

    def __init__(self, tmp_path: Path, bins: dict[str, str], devices: list[Device],
                 scenario: list[dict], zones: list[dict] | None = None,
                 sim_duration: float = 600, mqtt_tls: bool = False,
                 sparkplug_qos: int | None = None, sparkplug_host: str = "") -> None:
        self.work = tmp_path
        self.bins = bins
        self.devices = devices
        self.scenario = scenario
        self.zones = zones or []
        self.sim_duration = sim_duration
        # mqtt_tls: the gateway reaches the broker over TLS (a second listener with a certificate
        # of a test CA); the centre and the subscriber stay on the plain listener.
        self.mqtt_tls = mqtt_tls
        # sparkplug_qos: the gateway publishes Sparkplug B (group "fire", births and data at this
        # QoS) and the subscriber prints raw payloads of spBv1.0/# (decoded by the test's peer).
        self.sparkplug_qos = sparkplug_qos
        self.sparkplug_host = sparkplug_host  # the primary host application's id, if any
        self.ports = {k: free_port() for k in ("mqtt", "mqtt_tls", "gb", "centre_http", "gw_http",
                                               "bus1", "bus2")}
        self.pki = self.work / "pki"
        self.db = self.work / "centre.sqlite"
        self.gw_dir = self.work / "gateway"
        self.session = f"e2e-sub-{os.getpid()}-{self.ports['mqtt']}"
        self.procs: dict[str, Proc] = {}
        self.runs: dict[str, int] = {}
        self.lines: list[Line] = []
        self._cond = threading.Condition()
        self.t0: float | None = None  # wall-clock time of the scenario's t = 0
        self._write_files()

    # --- files -----------------------------------------------------------------------------------
    def _write_files(self) -> None:
        buses_used = sorted({d.bus for d in self.devices})
        buses = []
        for b in buses_used:
            if b == "bus3":
                buses.append({"id": b, "rtu": str(self.work / "bus3"), "baud": 9600,
                              "parity": "none"})
            else:
                bus = {"id": b, "listen": f"tcp://127.0.0.1:{self.ports[b]}"}
                if b == "bus1":
                    bus.update({"line_baud": 9600, "parity": "none"})
                buses.append(bus)
        building = {
            "name": "firebus e2e test building",
            "buses": buses,
            "devices": [{"bus": d.bus, "unit": d.unit, "profile": d.profile, "name": d.name,
                         "values": d.values} for d in self.devices],
            "scenario": self.scenario,
        }
        (self.work / "building.json").write_text(json.dumps(building, indent=1))

        gw = json.loads((DEMO / "gateway.json").read_text())
        gw["id"] = "gw-e2e"
        gw["data_dir"] = str(self.gw_dir)
        demo_devices = {(d["bus"], d["unit"]): d for d in gw["devices"]}
        gw_devices = []
        for d in self.devices:
            base = dict(demo_devices.get((d.bus, d.unit), {}))
            base.update({"id": d.id, "bus": d.bus, "unit": d.unit, "profile": d.profile,
                         "name": d.name, "alarm_period_s": 1, "measurement_period_s": 1})
            gw_devices.append(base)
        gw["devices"] = gw_devices
        gw_buses = []
        for b in gw["buses"]:
            if b["id"] not in buses_used:
                continue
            if b["id"] == "bus3":
                b["rtu"] = str(self.work / "bus3")
            else:
                b["tcp"] = f"127.0.0.1:{self.ports[b['id']]}"
            gw_buses.append(b)
        gw["buses"] = gw_buses
        gw["alarms"] = {"rules": {"version": 1, "zones": self.zones}}
        gw["profile_dirs"] = [str(ROOT / "protocols" / "profiles")]
        gw["metrics"] = f"127.0.0.1:{self.ports['gw_http']}"
        gw["mqtt"]["broker"] = f"127.0.0.1:{self.ports['mqtt']}"
        if self.mqtt_tls:
            self._make_pki()
            gw["mqtt"]["broker"] = f"127.0.0.1:{self.ports['mqtt_tls']}"
            gw["mqtt"]["tls"] = {"ca_file": str(self.pki / "ca.crt")}
        if self.sparkplug_qos is not None:
            gw["mqtt"]["format"] = "sparkplug"
            gw["mqtt"]["sparkplug"] = {"group_id": "fire", "qos": self.sparkplug_qos}
            if self.sparkplug_host:
                gw["mqtt"]["sparkplug"]["primary_host_id"] = self.sparkplug_host
        gw["gb26875"]["centre"] = f"127.0.0.1:{self.ports['gb']}"
        (self.work / "gateway.json").write_text(json.dumps(gw, indent=1))
        # GB/T 26875.3 system address of each device: its position in `devices`.
        self.system_of = {d.id: i + 1 for i, d in enumerate(self.devices)}

        (self.work / "broker").mkdir(exist_ok=True)
        (self.work / "mosquitto.conf").write_text(
            f"listener {self.ports['mqtt']} 127.0.0.1\n"
            "allow_anonymous true\n"
            f"user {pwd.getpwuid(os.getuid()).pw_name}\n"
            "persistence true\n"
            f"persistence_location {self.work / 'broker'}/\n"
            "persistence_file mosquitto.db\n"
            "autosave_interval 1\n"
            "max_queued_messages 100000\n"
            + (f"listener {self.ports['mqtt_tls']} 127.0.0.1\n"
               f"cafile {self.pki / 'ca.crt'}\ncertfile {self.pki / 'server.crt'}\n"
               f"keyfile {self.pki / 'server.key'}\n" if self.mqtt_tls else ""))

    def _make_pki(self) -> None:
        """A test CA and the broker's certificate (for 127.0.0.1), and a CA that signed nothing,
        with the openssl CLI."""
        self.pki.mkdir(exist_ok=True)
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

        def run(*args: str) -> None:
            subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.pki)

        for ca in ("ca", "other"):
            run("req", "-x509", *key, "-keyout", f"{ca}.key", "-out", f"{ca}.crt", "-days", "2",
                "-subj", f"/CN=firebus e2e {ca}")
        run("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
        (self.pki / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-out", "server.crt", "-extfile", "server.ext")

    def set_gateway_ca(self, ca_file: Path) -> None:
        """Rewrites the gateway's configuration with another CA file for the broker (the next
        start_gateway() uses it)."""
        path = self.work / "gateway.json"
        gw = json.loads(path.read_text())
        gw["mqtt"]["tls"]["ca_file"] = str(ca_file)
        path.write_text(json.dumps(gw, indent=1))

    # --- lines -----------------------------------------------------------------------------------
    def _add(self, line: Line) -> None:
        with self._cond:
            if line.stage == "sim" and line.data and "t" in line.data:
                offset = line.wall - float(line.data["t"])
                self.t0 = offset if self.t0 is None else min(self.t0, offset)
            self.lines.append(line)
            self._cond.notify_all()

    def snapshot(self, stage: str | None = None, run: int | None = None) -> list[Line]:
        with self._cond:
            return [ln for ln in self.lines if (stage is None or ln.stage == stage)
                    and (run is None or ln.run == run)]

    def mark(self) -> int:
        """A position in the collected lines: wait_line(..., after=mark) looks only later."""
        with self._cond:
            return len(self.lines)

    def wait_line(self, stage: str, pred: Callable[[Line], bool], timeout: float,
                  what: str, after: int = 0) -> Line:
        """The first line of `stage` (from position `after`) that satisfies pred; fails the test
        after `timeout` seconds, or as soon as every process of the stage has exited."""
        deadline = time.time() + timeout
        i = after
        with self._cond:
            while True:
                while i < len(self.lines):
                    ln = self.lines[i]
                    i += 1
                    if ln.stage == stage and pred(ln):
                        return ln
                left = deadline - time.time()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.5))
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {stage}: {what}\n"
                             + self.tails())

    def wait_until(self, cond: Callable[[], object], timeout: float, what: str,
                   poll: float = 0.3):
        """Polls cond() until it returns something true; returns it, or fails after timeout."""
        deadline = time.time() + timeout
        last_exc = None
        while True:
            try:
                value = cond()
                if value:
                    return value
            except (OSError, sqlite3.Error, urllib.error.URLError, ValueError) as e:
                last_exc = e
            if time.time() >= deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting until {what}"
                                     + (f" (last error: {last_exc})" if last_exc else "")
                                     + "\n" + self.tails())
            time.sleep(poll)

    def wait_scenario(self, t: float, timeout: float = 120) -> None:
        """Sleeps until scenario time t (used only to schedule outages)."""
        deadline = time.time() + timeout
        while self.t0 is None or time.time() < self.t0 + t:
            if time.time() > deadline:
                raise AssertionError(f"scenario time {t} not reached\n" + self.tails())
            time.sleep(0.1)

    def scenario_time(self, wall: float) -> float:
        assert self.t0 is not None
        return wall - self.t0

    # --- processes -------------------------------------------------------------------------------
    def _start(self, stage: str, argv: list[str]) -> Proc:
        old = self.procs.get(stage)
        assert old is None or not old.alive, f"{stage} is already running"
        run = self.runs.get(stage, 0) + 1
        self.runs[stage] = run
        p = Proc(self, stage, run, argv, self.work / f"{stage}.log")
        self.procs[stage] = p
        return p

    def start_broker(self) -> Proc:
        p = self._start("broker", [self.bins["mosquitto"], "-c", str(self.work / "mosquitto.conf")])
        # Ready when it accepts a TCP connection.
        def accepting():
            if not p.alive:
                raise AssertionError("mosquitto exited:\n" + self.tail("broker"))
            with socket.create_connection(("127.0.0.1", self.ports["mqtt"]), timeout=1):
                return True
        self.wait_until(accepting, 20, "mosquitto accepts connections", poll=0.1)
        return p

    def start_centre(self) -> Proc:
        run = self.runs.get("centre", 0) + 1
        p = self._start("centre", [
            self.bins["centre"], "--listen", f"127.0.0.1:{self.ports['gb']}", "--address", "1",
            "--db", str(self.db), "--http", f"127.0.0.1:{self.ports['centre_http']}",
            "--mqtt", f"mqtt://127.0.0.1:{self.ports['mqtt']}",
            "--mqtt-journal", str(self.work / "centre-mqtt.db"), "--json",
            "--name", f"centre{run}"])
        self.wait_line("centre", lambda ln: ln.run == run and bool(ln.data)
                       and ln.data.get("type") == "listening", 30, "the centre listening")
        return p

    def start_subscriber(self) -> Proc:
        run = self.runs.get("mqtt", 0) + 1
        sparkplug = self.sparkplug_qos is not None
        p = self._start("mqtt", [self.bins["cli"], "telemetry", "sub", "--broker",
                                 f"127.0.0.1:{self.ports['mqtt']}", "--topic",
                                 "spBv1.0/#" if sparkplug else SUB_TOPIC,
                                 "--raw" if sparkplug else "--json", "--session", self.session])
        self.wait_line("mqtt", lambda ln: ln.run == run and "connected to" in ln.text, 30,
                       "the subscriber connected")
        return p

    def start_sim(self) -> Proc:
        run = self.runs.get("sim", 0) + 1
        p = self._start("sim", [self.bins["sim"], "--building", str(self.work / "building.json"),
                                "--json", "--duration", str(self.sim_duration)])
        self.wait_line("sim", lambda ln: ln.run == run and bool(ln.data)
                       and ln.data.get("event") == "ready", 30, "the simulator ready")
        return p

    def start_gateway(self) -> Proc:
        run = self.runs.get("gateway", 0) + 1
        p = self._start("gateway", [self.bins["gateway"], "--config",
                                    str(self.work / "gateway.json"), "--json", "--drain-s", "2"])
        self.wait_line("gateway", lambda ln: ln.run == run and bool(ln.data)
                       and ln.data.get("what") == "started", 30, "the gateway started")
        return p

    def start_all(self) -> None:
        """In the demo's order: broker, centre, subscriber, building, gateway."""
        self.start_broker()
        self.start_centre()
        self.start_subscriber()
        self.start_sim()
        self.start_gateway()

    def close(self) -> None:
        # The gateway first (so that the others' exits are not its news), then the rest;
        # SIGKILL after a short grace: a test's end needs no drain.
        for stage in ("gateway", "sim", "mqtt", "centre", "broker"):
            p = self.procs.get(stage)
            if p is not None:
                try:
                    p.stop(signal.SIGTERM, timeout=5)
                except Exception:  # noqa: BLE001 - cleanup must go on
                    p.send(signal.SIGKILL)

    # --- what each stage saw ---------------------------------------------------------------------
    def sim_changes(self) -> list[tuple[float, dict]]:
        """(wall-clock time of the change, the sim's event) for `set` and `fault` events, anchored
        on the scenario clock like run_demo.py: t0 = min(read time - t) over the sim's lines."""
        assert self.t0 is not None
        return [(self.t0 + float(ln.data["t"]), ln.data) for ln in self.snapshot("sim")
                if ln.data and ln.data.get("event") in ("set", "fault")]

    def sim_change(self, bus: str, unit: int, point: str, value: float) -> float:
        for wall, d in self.sim_changes():
            if d.get("event") == "set" and (d["bus"], d["unit"], d["point"]) == (bus, unit, point) \
                    and float(d["value"]) == float(value):
                return wall
        raise AssertionError(f"the simulator did not report {bus}/{unit} {point} = {value}")

    def gateway_events(self, run: int | None = None) -> list[Line]:
        return [ln for ln in self.snapshot("gateway", run)
                if ln.data and str(ln.data.get("what", "")).startswith("event ")]

    def gateway_log(self, what: str, run: int | None = None, after_wall: float = 0) -> list[Line]:
        return [ln for ln in self.snapshot("gateway", run)
                if ln.data and ln.data.get("what") == what and ln.wall >= after_wall]

    def mqtt_messages(self, lane: str = "LANE_ALARM") -> list[Line]:
        """The subscriber's messages of one lane of the gateway, in the order received."""
        out = []
        for ln in self.snapshot("mqtt"):
            env = (ln.data or {}).get("envelope")
            if env is not None and ln.data.get("topic", "").startswith("firebus/v1/") \
                    and env.get("lane", "LANE_TELEMETRY") == lane:
                out.append(ln)
        return out

    def centre_events(self) -> list[Line]:
        return [ln for ln in self.snapshot("centre") if ln.data and ln.data.get("type") == "event"]

    def db_rows(self, sql: str, args: Iterable = ()) -> list[sqlite3.Row]:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)
        try:
            con.row_factory = sqlite3.Row
            return con.execute(sql, tuple(args)).fetchall()
        finally:
            con.close()

    def http(self, method: str, url: str, body: dict | bytes | None = None, timeout: float = 10):
        """`body`: a JSON object, or the raw bytes to send."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def gateway_metrics(self) -> dict[str, float]:
        status, text = self.http("GET", f"http://127.0.0.1:{self.ports['gw_http']}/metrics")
        assert status == 200, f"GET /metrics: {status} {text}"
        out = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name, _, value = line.rpartition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                pass
        return out

    def gateway_alarms(self) -> dict:
        status, text = self.http("GET", f"http://127.0.0.1:{self.ports['gw_http']}/api/alarms")
        assert status == 200, f"GET /api/alarms: {status} {text}"
        return json.loads(text)

    # --- diagnostics -----------------------------------------------------------------------------
    def tail(self, stage: str, n: int = 25) -> str:
        lines = [ln.text for ln in self.snapshot(stage)][-n:]
        return "\n".join(f"    {t[:400]}" for t in lines)

    def tails(self) -> str:
        out = [f"  (logs in {self.work})"]
        for stage in ("sim", "gateway", "centre", "mqtt", "broker"):
            if stage in self.procs:
                p = self.procs[stage]
                state = "running" if p.alive else f"exited {p.proc.returncode}"
                out.append(f"  --- {stage} (run {p.run}, {state}), last lines:")
                out.append(self.tail(stage, 12))
        return "\n".join(out)


# --- comparing what the gateway logged with what the subscriber got -------------------------------

def gateway_event_key(d: dict) -> tuple:
    """An event as the gateway logged it → (point or zone, alarm, kind, event time in ms)."""
    what = d["what"][len("event "):]
    kind = what.split()[-1]  # "FIRE alarm_on" → "alarm_on"
    where = d.get("point") or ("zone:" + d["zone"] if d.get("zone") else "")
    return (where, d.get("alarm", ""), kind, iso_to_ms(d["event_time"]))


def mqtt_event_key(e: dict) -> tuple:
    """An event of an Envelope's batch → the same key as gateway_event_key."""
    kind = e.get("kind", "").replace("EVENT_KIND_", "").lower()
    where = e.get("point") or ("zone:" + e["zone"] if e.get("zone") else "")
    return (where, e.get("alarm", ""), kind, int(e.get("timeMs", 0)))


@dataclass
class LaneReport:
    seqs: list[int]                       # unique seqs, ascending
    duplicates: int                       # messages whose (source, lane, seq) was seen before
    events: list[tuple]                   # event keys in seq order (first copy of each seq)
    event_seq: dict                       # event key → seq of its batch
    event_historical: dict                # event key → the batch's historical flag
    duplicate_events: list[tuple]         # event keys found under more than one seq
    gaps: list[int]                       # numbers missing from 1..max
    messages: int
    event_numbers: list[int] = field(default_factory=list)  # the events' own seqs, in lane order


def lane_report(lines: list[Line]) -> LaneReport:
    first: dict[tuple, dict] = {}
    dups = 0
    for ln in lines:
        env = ln.data["envelope"]
        key = (env.get("sourceId"), env.get("lane", "LANE_TELEMETRY"), int(env.get("seq", 0)))
        if key in first:
            dups += 1
            # a duplicate must be a copy: same content (the historical flag may differ)
            a = dict(first[key].get("batch") or {}, historical=None)
            b = dict(env.get("batch") or {}, historical=None)
            assert a == b or env.get("birth"), f"seq {key} came twice with different content"
            continue
        first[key] = env
    seqs = sorted(k[2] for k in first)
    events, event_seq, event_hist, dup_events = [], {}, {}, []
    numbers: list[int] = []
    for k in sorted(first, key=lambda k: k[2]):
        batch = first[k].get("batch") or {}
        for e in batch.get("events", []):
            ek = mqtt_event_key(e)
            if ek in event_seq:
                dup_events.append(ek)
                continue
            event_seq[ek] = k[2]
            event_hist[ek] = bool(batch.get("historical", False))
            events.append(ek)
            numbers.append(int(e.get("seq", 0)))  # uint64: a string in protobuf's JSON
    top = max(seqs) if seqs else 0
    gaps = sorted(set(range(1, top + 1)) - set(seqs))
    return LaneReport(seqs, dups, events, event_seq, event_hist, dup_events, gaps, len(lines),
                      numbers)


# --- fixtures -------------------------------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def make_pipeline(tmp_path, binaries, request):
    made: list[Pipeline] = []

    def make(**kwargs) -> Pipeline:
        p = Pipeline(tmp_path, binaries, **kwargs)
        made.append(p)
        return p

    try:
        yield make
    finally:
        for p in made:
            p.close()
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            for p in made:
                print("\n" + p.tails())
