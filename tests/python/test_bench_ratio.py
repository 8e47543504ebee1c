# firebus — fire-safety IoT SDK.
"""tests/bench/ratio.py: benchmarks are reported as ratios to the baseline of the same run."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RATIO = ROOT / "tests" / "bench" / "ratio.py"


def run(doc):
    text = doc if isinstance(doc, str) else json.dumps(doc)
    return subprocess.run([sys.executable, str(RATIO)], input=text, capture_output=True,
                          text=True, timeout=60)


def bench(name, cpu, unit="ns", **extra):
    b = {"name": name, "run_name": name, "run_type": "iteration", "cpu_time": cpu,
         "real_time": cpu, "time_unit": unit, "threads": 1, "repetition_index": 0}
    b.update(extra)
    return b


def test_ratio_to_the_baseline_of_the_same_run():
    out = run({"benchmarks": [bench("BM_memcpy_baseline", 100.0), bench("BM_byte_reader", 150.0)]})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["BM_byte_reader", "1.50x", "baseline", "(cpu", "150", "ns",
                                  "vs", "100", "ns)"]


def test_units_are_converted_before_dividing():
    out = run({"benchmarks": [bench("BM_a_baseline", 2.0, "us"), bench("BM_a", 3000.0, "ns")]})
    assert out.returncode == 0, out.stderr
    assert "1.50x baseline" in out.stdout


def test_arguments_pair_with_the_baseline_of_the_same_arguments():
    doc = {"benchmarks": [bench("BM_x_baseline/64", 10.0), bench("BM_x_baseline/1024", 100.0),
                          bench("BM_y/64", 20.0), bench("BM_y/1024", 400.0)]}
    out = run(doc)
    lines = dict(l.split(None, 1) for l in out.stdout.splitlines())
    assert lines["BM_y/64"].startswith("2.00x")
    assert lines["BM_y/1024"].startswith("4.00x")


def test_median_aggregate_pairs_with_the_baseline_median_and_spread_is_skipped():
    doc = {"benchmarks": [
        bench("BM_b_baseline_median", 10.0, run_name="BM_b_baseline", run_type="aggregate",
              aggregate_name="median"),
        bench("BM_b_baseline_mean", 50.0, run_name="BM_b_baseline", run_type="aggregate",
              aggregate_name="mean"),
        bench("BM_c_median", 30.0, run_name="BM_c", run_type="aggregate", aggregate_name="median"),
        bench("BM_c_stddev", 1.0, run_name="BM_c", run_type="aggregate", aggregate_name="stddev"),
    ]}
    out = run(doc)
    assert out.returncode == 0, out.stderr
    assert "BM_c_median  3.00x baseline" in out.stdout
    assert "stddev" not in out.stdout


def test_no_baseline_is_an_error():
    out = run({"benchmarks": [bench("BM_lonely", 1.0)]})
    assert out.returncode == 1
    assert "no baseline" in out.stdout


def test_input_that_is_not_benchmark_json_is_refused():
    assert run("not json").returncode == 1
    assert run({"context": {}}).returncode == 1
