#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Modbus TCP polling throughput: firebus against a sequential libmodbus loop and pymodbus's
async client, in the same run, against the same simulated building.

Starts firebus-sim with PORTS Modbus TCP servers of UNITS devices each (10 holding registers a
device, 1,000 devices by default), then for SECONDS each:
- modbus_tcp_throughput (C++): a sequential libmodbus loop over every device, then firebus's
  modbus::tcp_bus, one bus per port on one io_context;
- pymodbus 3's AsyncModbusTcpClient: one client per port, each reading its units one after the
  other, the ports concurrently (asyncio.gather) — the same concurrency firebus has.
Reports transactions per second, the full-scan time, and firebus's ratio to each (the issue's
targets: >= 3x the libmodbus loop, >= 10x pymodbus), and the CPU time per transaction (user +
system, the kernel's TCP work included) of each client and of the simulator while it served that
client. With --floor, also the loopback floor: bare epoll/recv/send between two threads with as
many connections as ports (what the kernel alone costs per transaction; see
modbus_tcp_throughput.cpp). Benchmarks are not tests: run it by hand or from scripts/bench, on a
quiet machine.

With --rtu-client, also measures RTU scan time against the planner's prediction: firebus-sim
serves 10 devices of 10 registers on a pseudo-terminal with emulated RS-485 timing (8E1) at 9600
and 19200 baud, and modbus_rtu_scan polls them with modbus::rtu_bus (targets: within 10 % of the
prediction, >= 90 % of the line's physical limit).

Usage: modbus_throughput.py --sim build/examples/sim/firebus-sim
           --client build-bench/tests/bench/modbus_tcp_throughput
           [--rtu-client build-bench/tests/bench/modbus_rtu_scan]
           [--ports 10] [--units 100] [--seconds 5] [--floor] [--json]
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def write_building(directory, ports, units, registers):
    profile = {
        "version": 1,
        "id": "bench-registers",
        "vendor": "bench",
        "model": f"{registers} registers",
        "source": {"title": "tests/bench/modbus_throughput.py"},
        "modbus": {"transports": ["tcp"]},
        "points": [
            {
                "id": "R{n}",
                "table": "holding",
                "address": 0,
                "type": "u16",
                "repeat": {"count": registers, "first": 0},
                "poll": "alarm",
            }
        ],
    }
    profile_path = Path(directory) / "bench-registers.json"
    profile_path.write_text(json.dumps(profile))
    building = {
        "buses": [{"id": f"b{i}", "listen": f"tcp://127.0.0.1:{p}"} for i, p in enumerate(ports)],
        "devices": [
            {"bus": f"b{i}", "unit": u, "profile": str(profile_path)}
            for i in range(len(ports))
            for u in range(1, units + 1)
        ],
    }
    path = Path(directory) / "building.json"
    path.write_text(json.dumps(building))
    return path


def process_cpu_s(pid):
    """CPU seconds (user + system) of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def pymodbus_run(ports, units, registers, seconds, sim_pid):
    from pymodbus.client import AsyncModbusTcpClient

    clients = [AsyncModbusTcpClient("127.0.0.1", port=p, timeout=1, retries=0) for p in ports]
    for c in clients:
        await c.connect()
    done = 0
    errors = 0
    end = time.monotonic() + seconds

    async def one_bus(c):
        nonlocal done, errors
        while time.monotonic() < end:
            for u in range(1, units + 1):
                r = await c.read_holding_registers(0, count=registers, device_id=u)
                if r.isError():
                    errors += 1
                else:
                    done += 1

    start = time.monotonic()
    cpu0, sim0 = time.process_time(), process_cpu_s(sim_pid)
    await asyncio.gather(*(one_bus(c) for c in clients))
    elapsed = time.monotonic() - start
    cpu, sim = time.process_time() - cpu0, process_cpu_s(sim_pid) - sim0
    for c in clients:
        c.close()
    tps = done / elapsed
    return {
        "tps": tps,
        "scan_ms": 1000 * len(ports) * units / tps if tps else 0,
        "transactions": done,
        "errors": errors,
        "client_cpu_us_per_tx": 1e6 * cpu / done if done else 0,
        "sim_cpu_us_per_tx": 1e6 * sim / done if done else 0,
    }


def rtu_scan(a, baud, units=10, registers=10):
    with tempfile.TemporaryDirectory() as tmp:
        profile_building = write_building(tmp, [], 0, registers)
        profile = str(Path(tmp) / "bench-registers.json")
        tty = str(Path(tmp) / "tty")
        building = {
            "buses": [{"id": "r", "rtu": tty, "baud": baud, "parity": "even"}],
            "devices": [{"bus": "r", "unit": u, "profile": profile} for u in range(1, units + 1)],
        }
        profile_building.write_text(json.dumps(building))
        sim = subprocess.Popen(
            [a.sim, "--building", str(profile_building), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            if '"ready"' not in sim.stdout.readline():
                sys.exit("firebus-sim did not start (RTU)")
            out = subprocess.run(
                [a.rtu_client, "--device", tty, "--baud", str(baud), "--parity", "E",
                 "--units", str(units), "--registers", str(registers),
                 "--seconds", str(max(a.seconds, 5))],
                capture_output=True,
                text=True,
                check=True,
            )
            return json.loads(out.stdout)
        finally:
            sim.send_signal(signal.SIGTERM)
            sim.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sim", required=True)
    ap.add_argument("--client", required=True)
    ap.add_argument("--ports", type=int, default=10)
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--registers", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rtu-client")
    ap.add_argument("--floor", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ports = free_ports(a.ports)
        building = write_building(tmp, ports, a.units, a.registers)
        sim = subprocess.Popen(
            [a.sim, "--building", str(building), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            line = sim.stdout.readline()
            if '"ready"' not in line:
                sys.exit(f"firebus-sim did not start: {line!r}")
            out = subprocess.run(
                [
                    a.client,
                    "--ports",
                    ",".join(map(str, ports)),
                    "--units",
                    str(a.units),
                    "--registers",
                    str(a.registers),
                    "--seconds",
                    str(a.seconds),
                    "--sim-pid",
                    str(sim.pid),
                    "--floor",
                    "1" if a.floor else "0",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            results = json.loads(out.stdout)
            results["pymodbus_async"] = asyncio.run(
                pymodbus_run(ports, a.units, a.registers, a.seconds, sim.pid)
            )
        finally:
            sim.send_signal(signal.SIGTERM)
            sim.wait(10)

    if a.rtu_client:
        results["rtu"] = [rtu_scan(a, baud) for baud in (9600, 19200)]

    fb = results["firebus"]["tps"]
    results["ratios"] = {
        "firebus_vs_libmodbus_sequential": fb / results["libmodbus_sequential"]["tps"],
        "firebus_vs_pymodbus_async": fb / results["pymodbus_async"]["tps"],
    }
    results["setup"] = {
        "devices": a.ports * a.units,
        "ports": a.ports,
        "registers": a.registers,
        "seconds": a.seconds,
        "cpus": os.cpu_count(),
    }
    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{a.ports * a.units} devices on {a.ports} ports, {a.registers} registers each, "
          f"{a.seconds:g} s per client")
    for name in ("libmodbus_sequential", "pymodbus_async", "firebus"):
        r = results[name]
        print(f"  {name:22} {r['tps']:10.0f} transactions/s  full scan {r['scan_ms']:8.1f} ms"
              f"  ({r['errors']} errors)  CPU/transaction: client {r['client_cpu_us_per_tx']:.1f}"
              f" us, simulator {r['sim_cpu_us_per_tx']:.1f} us")
    if "loopback_floor" in results:
        r = results["loopback_floor"]
        print(f"  {'loopback_floor':22} {r['tps']:10.0f} transactions/s"
              f"  CPU/transaction: client {r['client_cpu_us_per_tx']:.1f} us,"
              f" server {r['sim_cpu_us_per_tx']:.1f} us")
    for k, v in results["ratios"].items():
        print(f"  {k}: {v:.2f}x")
    for r in results.get("rtu", []):
        print(f"  RTU {r['baud']} baud, {r['units']} devices x {r['registers']} registers: "
              f"scan {r['measured_scan_ms']:.1f} ms measured, {r['predicted_scan_ms']:.1f} ms "
              f"predicted ({r['ratio']:.3f}); {r['registers_per_s']:.0f} registers/s = "
              f"{100 * r['of_limit']:.1f} % of the line's limit")


if __name__ == "__main__":
    main()
