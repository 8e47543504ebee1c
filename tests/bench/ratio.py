#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Prints each Google Benchmark result as a ratio to its baseline.

A baseline is a benchmark whose name (before any "/arguments") ends in "_baseline". Every other
benchmark is compared with the baseline that has the same arguments and the same aggregate
(mean, median, ...); if there is none such, with the file's only baseline, if it has just one.

    ./bench --benchmark_format=json | python3 tests/bench/ratio.py
    python3 tests/bench/ratio.py results.json

Output, one line per benchmark:

    BM_byte_reader  1.35x baseline (cpu 123 ns vs 91 ns)

Exits with 1 if the input is not Google Benchmark JSON, or if a benchmark has no baseline.
"""
import argparse
import json
import sys

# Google Benchmark's time units, as multiples of a nanosecond.
_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def _split(name):
    """'BM_x/64/real_time' -> ('BM_x', '/64/real_time')."""
    family, sep, args = name.partition("/")
    return family, sep + args


def _key(bench):
    """What a benchmark and its baseline must share: arguments, threads, repetition or aggregate."""
    _, args = _split(bench.get("run_name", bench["name"]))
    if bench.get("run_type") == "aggregate":
        return args, bench.get("threads", 1), "aggregate", bench.get("aggregate_name", "")
    return args, bench.get("threads", 1), "iteration", bench.get("repetition_index", 0)


def _format(bench):
    """The benchmark's CPU time in its own unit, as Google Benchmark prints it."""
    return f"{float(bench['cpu_time']):.0f} {bench.get('time_unit', 'ns')}"


def _cpu_ns(bench):
    return float(bench["cpu_time"]) * _UNIT_NS[bench.get("time_unit", "ns")]


def _is_baseline(bench):
    family, _ = _split(bench.get("run_name", bench["name"]))
    return family.endswith("_baseline")


def ratios(doc):
    """Yields (benchmark, ratio of CPU times, baseline) for every benchmark not a baseline."""
    benchmarks = [b for b in doc.get("benchmarks", []) if b.get("error_occurred") is not True]
    # Only times have ratios: not the "cv" aggregate (a percentage), nor the spread "stddev".
    benchmarks = [b for b in benchmarks
                  if b.get("aggregate_unit", "time") == "time" and "cpu_time" in b
                  and b.get("aggregate_name") not in ("stddev", "cv")]
    baselines = [b for b in benchmarks if _is_baseline(b)]
    by_key = {}
    for b in baselines:
        by_key.setdefault(_key(b), b)
    families = {_split(b.get("run_name", b["name"]))[0] for b in baselines}
    for bench in benchmarks:
        if _is_baseline(bench):
            continue
        base = by_key.get(_key(bench))
        if base is None and len(families) == 1:
            # One baseline family but other arguments: its result of the same kind (same
            # repetition or aggregate) if it has one, else its first result.
            same_kind = [b for b in baselines if _key(b)[2:] == _key(bench)[2:]]
            base = (same_kind or baselines)[0]
        if base is None:
            yield bench, None, None
            continue
        base_ns = _cpu_ns(base)
        yield bench, (_cpu_ns(bench) / base_ns if base_ns > 0 else float("inf")), base


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json_file", nargs="?", help="benchmark JSON (default: stdin)")
    args = parser.parse_args(argv)
    try:
        if args.json_file:
            with open(args.json_file, encoding="utf-8") as f:
                doc = json.load(f)
        else:
            doc = json.load(sys.stdin)
    except (OSError, ValueError) as e:
        print(f"ratio.py: cannot read benchmark JSON: {e}", file=sys.stderr)
        return 1
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        print("ratio.py: not Google Benchmark JSON (no \"benchmarks\" list)", file=sys.stderr)
        return 1

    rows = list(ratios(doc))
    if not rows:
        print("ratio.py: no benchmarks to compare", file=sys.stderr)
        return 1
    width = max(len(bench["name"]) for bench, _, _ in rows)
    status = 0
    for bench, ratio, base in rows:
        name = bench["name"]
        if ratio is None:
            print(f"{name:<{width}}  no baseline (cpu {_format(bench)})")
            status = 1
            continue
        print(f"{name:<{width}}  {ratio:.2f}x baseline (cpu {_format(bench)} vs {_format(base)})")
    return status


if __name__ == "__main__":
    sys.exit(main())
