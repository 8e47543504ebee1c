#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Gateway memory per point (issue 8, benchmark b): firebus-gateway polling N residual-current
monitors (acrel-aim-r100, 12 loops each) served by firebus-sim on 127.0.0.1, MQTT and GB uplinks
disabled (their journals are on disk, not in memory). Reports the gateway's resident memory
(VmRSS, /proc) after it has polled every device, minus the same gateway with one device — a
baseline measured in the same run — divided by the number of points.

  tests/bench/gateway_memory.py --bin build --devices 3500 [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def run(build: Path, devices: int, seconds: float, work: Path) -> tuple[int, int]:
    """(points, RSS in KiB) of a gateway polling `devices` monitors."""
    per_port = 247
    ports = [free_port() for _ in range((devices + per_port - 1) // per_port)]
    building = {"buses": [{"id": f"b{i}", "listen": f"tcp://127.0.0.1:{p}"} for i, p in enumerate(ports)],
                "devices": []}
    gw = {"format": "firebus-gateway/1", "id": "gw-mem", "data_dir": str(work / f"data{devices}"),
          "profile_dirs": [str(ROOT / "protocols/profiles")],
          "buses": [{"id": f"b{i}", "tcp": f"127.0.0.1:{p}"} for i, p in enumerate(ports)],
          "devices": [], "metrics": f"127.0.0.1:{free_port()}"}
    for d in range(devices):
        bus, unit = divmod(d, per_port)
        building["devices"].append({"bus": f"b{bus}", "unit": unit + 1, "profile": "acrel-aim-r100"})
        gw["devices"].append({"id": f"d{d}", "bus": f"b{bus}", "unit": unit + 1,
                              "profile": "acrel-aim-r100", "alarm_period_s": 30,
                              "measurement_period_s": 30, "config_period_s": 3600,
                              # one GB system per device (a component address is unique in its
                              # system): user-defined system types 128.., addresses 1..250
                              "gb26875": {"system_type": 128 + d // 250,
                                          "system_address": d % 250 + 1}})
    (work / f"b{devices}.json").write_text(json.dumps(building))
    (work / f"g{devices}.json").write_text(json.dumps(gw))
    sim = subprocess.Popen([str(build / "examples/sim/firebus-sim"), "--building", str(work / f"b{devices}.json")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    g = subprocess.Popen([str(build / "examples/gateway/firebus-gateway"), "--config", str(work / f"g{devices}.json"),
                          "--json"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    points = 0
    try:
        assert g.stdout is not None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = g.stdout.readline()
            if '"what":"started"' in line:
                points = json.loads(line)["points"]
                break
        # Let every device be read at least once (30 s periods), then take the peak of a few
        # samples.
        end = time.time() + seconds
        peak = 0
        while time.time() < end:
            time.sleep(1)
            peak = max(peak, rss_kib(g.pid))
        # Every device must have been read (its points in memory with values), else the
        # figure means nothing.
        metrics = urllib.request.urlopen(f"http://{gw['metrics']}/metrics", timeout=10).read().decode()
        online = sum(1 for ln in metrics.splitlines()
                     if ln.startswith("firebus_gateway_device_online{") and ln.endswith(" 1"))
        if online < devices:
            raise SystemExit(f"only {online} of {devices} devices read: give it more --seconds")
        return points, peak
    finally:
        g.terminate()
        sim.terminate()
        g.wait(30)
        sim.wait(30)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(ROOT / "build"))
    ap.add_argument("--devices", type=int, default=3500)
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        p1, base = run(Path(a.bin), 1, min(a.seconds, 20), work)
        pn, big = run(Path(a.bin), a.devices, a.seconds, work)
    per_point = (big - base) * 1024 / max(1, pn - p1)
    print(f"baseline: {p1} points, {base} KiB; {a.devices} devices: {pn} points, {big} KiB")
    print(f"memory per point: {per_point:.0f} bytes (target ≤ 1024)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
