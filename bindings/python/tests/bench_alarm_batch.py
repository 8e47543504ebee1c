#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Benchmark (not a test): samples/s of Engine.sample_batch against the C++ engine.

The workload is that of tests/bench/bench_alarm_engine.cpp at 100k points: every point has two
HIGH limits, PRE (pre_alarm, 240, deadband 10, isa) and ALM (fire, 300, profile fire); values
uniform in [0, 200), about 0.1% uniform in [235, 335); points in random order; time advancing by
1 µs per sample. Python feeds it through sample_batch in batches (events cleared after each, as
the C++ benchmark does every 4096 samples) and reports samples/s; the C++ figure comes from
running the benchmark program BM_alarm_engine/100000 (built by the `default` preset in
build/tests/bench/, same compiler flags as the module; or the `bench` preset in build-bench/).
The goal (issue 5): the batch path reaches at least half the C++ engine's samples/s.

Usage:
    PYTHONPATH=build/python .venv/bin/python bindings/python/tests/bench_alarm_batch.py \
        [--points 100000] [--samples 4194304] [--cpp PATH | --no-cpp]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from firebus import alarm

ROOT = Path(os.environ.get("FIREBUS_SOURCE_DIR", Path(__file__).resolve().parents[3]))


def make_rules(points: int) -> alarm.Rules:
    pre = {"id": "PRE", "type": "high", "setpoint": 240, "deadband": 10, "class": "pre_alarm",
           "profile": "isa"}
    fire = {"id": "ALM", "type": "high", "setpoint": 300, "class": "fire", "profile": "fire"}
    return alarm.Rules.from_dict({
        "version": 1,
        "points": [{"id": f"P{1_000_000 + i}", "unit": "mA", "alarms": [pre, fire]}
                   for i in range(points)],
    })


def make_sequence(points: int, n: int, seed: int = 4717) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, points, n, dtype=np.uint32)
    high = rng.integers(0, 1000, n) == 0
    values = np.where(high, rng.uniform(235, 335, n), rng.uniform(0, 200, n))
    return idx, values


def bench_python(points: int, n: int, batch: int, repeat: int) -> tuple[float, int]:
    """Best samples/s over `repeat` passes of n samples, and the events of the last pass."""
    engine = alarm.Engine(make_rules(points))
    idx, values = make_sequence(points, n)
    t0 = 0
    best = 0.0
    events = 0
    for _ in range(repeat):
        t = (np.arange(t0, t0 + n, dtype=np.float64)) * 1e-6
        t0 += n
        events = 0
        start = time.perf_counter()
        for i in range(0, n, batch):
            events += engine.sample_batch(idx[i:i + batch], t[i:i + batch],
                                          values[i:i + batch])
            engine.clear_events()
        elapsed = time.perf_counter() - start
        best = max(best, n / elapsed)
    return best, events


def find_cpp() -> Path | None:
    for d in ("build", "build-bench"):
        p = ROOT / d / "tests" / "bench" / "bench_alarm_engine"
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def bench_cpp(exe: Path, points: int) -> float:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([str(exe), f"--benchmark_filter=BM_alarm_engine/{points}$",
                        "--benchmark_min_time=0.5", "--benchmark_repetitions=3",
                        "--benchmark_format=json", f"--benchmark_out={out.name}",
                        "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL)
        data = json.loads(Path(out.name).read_text(encoding="utf-8"))
    rates = [b["items_per_second"] for b in data["benchmarks"]
             if b.get("run_type", "iteration") == "iteration" and "items_per_second" in b]
    if not rates:
        raise RuntimeError(f"{exe}: no BM_alarm_engine/{points} result")
    return max(rates)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--samples", type=int, default=1 << 22)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cpp", type=Path, help="the bench_alarm_engine program")
    ap.add_argument("--no-cpp", action="store_true", help="report the Python figures only")
    args = ap.parse_args(argv)
    if args.points not in (1_000, 100_000, 1_000_000) and not args.no_cpp:
        ap.error("the C++ benchmark runs 1000, 100000 or 1000000 points (or use --no-cpp)")

    print(f"workload: {args.points} points x 2 HIGH limits, {args.samples} samples per pass, "
          f"best of {args.repeat}")
    results = {}
    for batch in (4096, 65536, args.samples):
        rate, events = bench_python(args.points, args.samples, batch, args.repeat)
        results[batch] = rate
        print(f"python sample_batch (batches of {batch:>8}): {rate / 1e6:8.2f} M samples/s "
              f"({events} events in the last pass)")
    if args.no_cpp:
        return 0
    exe = args.cpp or find_cpp()
    if exe is None:
        print("C++ benchmark not found: build it with `cmake --build build --target "
              "bench_alarm_engine` (or `cmake --build --preset bench`), or pass --cpp",
              file=sys.stderr)
        return 1
    cpp = bench_cpp(exe, args.points)
    print(f"C++ engine ({exe.relative_to(ROOT) if exe.is_relative_to(ROOT) else exe}): "
          f"{cpp / 1e6:8.2f} M samples/s")
    for batch, rate in results.items():
        print(f"ratio python/C++ (batches of {batch:>8}): {rate / cpp:5.2f} "
              f"({'meets' if rate >= cpp / 2 else 'misses'} the goal of >= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
