"""pytest entry point: the differential check of firebus's GB/T 26875.3 codec against gbmodel.

    PYTHONPATH=<firebus python> LD_LIBRARY_PATH=<libfirebus dir> [FIREBUS_CLI=<path to firebus>] \
        python -m pytest tests/interop/gb26875_model -q

Runs a fixed set of seeds (about 10 s without the CLI, 15 s with it on one core). Fails on any
disagreement that is not listed in diff.KNOWN (see README.md). GB_MODEL_SEEDS / GB_MODEL_CASES
override the amount of work.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

firebus = pytest.importorskip("firebus")

import diff  # noqa: E402


def test_gb26875_model_differential():
    seeds = int(os.environ.get("GB_MODEL_SEEDS", "4"))
    cases = int(os.environ.get("GB_MODEL_CASES", "1000"))
    cli = os.environ.get("FIREBUS_CLI")
    if cli and not os.access(cli, os.X_OK):
        cli = None
    diff.R = diff.Results()
    diff.run(range(1, 1 + seeds), cases, cli)
    unknown = diff.R.unknown()
    assert diff.R.counts["A"] == seeds * cases and diff.R.counts["B"] == seeds * cases, diff.R.counts
    assert not unknown, "\n".join(f"{k}: {v[0][:500]}" for k, v in sorted(unknown.items()))


def test_model_self_consistency():
    """The model round-trips its own objects (guards the oracle itself)."""
    import random
    import gbmodel as M
    rng = random.Random(7)
    for t in sorted(M.LAYOUTS):
        for _ in range(50):
            objs = diff.robjects(rng, t)
            adu = M.encode_adu(t, objs, M.Policy(enforce_max_n_encode=False))
            assert M.decode_adu(adu) == (t, objs)
            fr = M.encode_frame(0xFFFF, (1, 0), (59, 59, 23, 29, 2, 0), (1 << 48) - 1, 0, 2, adu)
            assert M.decode_frame(fr)["adu"] == adu
            assert [f for _, f in M.cut_stream(b"@@##" + fr + b"@" + fr)] == [fr, fr]
