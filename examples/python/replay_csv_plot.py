#!/usr/bin/env python3
# firebus — fire-safety IoT SDK.
"""Replays an alarm configuration over recorded readings and plots them with the alarm periods.

The CSV has the columns ``t,point,value``: the receive time in seconds, the point id and the
reading in the point's unit (here the residual current of an electrical fire monitoring
detector, in mA). The readings are fed to :class:`firebus.alarm.Engine` in one
``sample_batch`` call; the events are printed as the JSON lines of
``firebus alarm replay --json``, and each point's readings are plotted with its setpoints and
with the periods during which an alarm's condition was active shaded by class (pre-alarm
orange, fire red), into a PNG (matplotlib's Agg backend: no display needed).

Usage:
    replay_csv_plot.py [--csv FILE] [--rules FILE] [--out PNG]

Defaults: data/residual_current.csv and data/residual_current.rules.json beside this script,
and residual_current.png in the current directory.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

import firebus
from firebus import alarm

HERE = Path(__file__).resolve().parent

# Events that end the active period of an alarm's condition.
ENDS = {"alarm_off", "returned_latched", "reset"}
COLOURS = {"pre_alarm": "tab:orange", "supervisory": "tab:blue", "fire": "tab:red"}


def read_csv(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The columns of a t,point,value CSV, in file order."""
    ids: list[str] = []
    times: list[float] = []
    values: list[float] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ids.append(row["point"])
            times.append(float(row["t"]))
            values.append(float(row["value"]))
    return ids, np.array(times), np.array(values)


def alarm_periods(events: list[dict], t_end: float) -> list[tuple[str, str, str, float, float]]:
    """(point, alarm, class, start, end) for each period an alarm's condition was active."""
    open_since: dict[tuple[str, str], tuple[str, float]] = {}
    periods = []
    for e in events:
        key = (e.get("point", ""), e.get("alarm", ""))
        if e["event"] == "alarm_on":
            open_since[key] = (e["class"], e["t"])
        elif e["event"] in ENDS and key in open_since:
            cls, start = open_since.pop(key)
            periods.append((key[0], key[1], cls, start, e["t"]))
    for (point, alarm_id), (cls, start) in open_since.items():
        periods.append((point, alarm_id, cls, start, t_end))
    return periods


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=HERE / "data" / "residual_current.csv")
    parser.add_argument("--rules", type=Path,
                        default=HERE / "data" / "residual_current.rules.json")
    parser.add_argument("--out", type=Path, default=Path("residual_current.png"))
    args = parser.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        rules = alarm.load_rules(str(args.rules))
        engine = alarm.Engine(rules)
    except firebus.Error as e:
        print(f"replay_csv_plot: {e}", file=sys.stderr)
        return 2
    ids, t, values = read_csv(args.csv)
    index = {pid: engine.find_point(pid) for pid in set(ids)}
    unknown = sorted(pid for pid, i in index.items() if i is None)
    if unknown:
        print(f"replay_csv_plot: {args.csv}: unknown points {unknown}", file=sys.stderr)
        return 2
    points = np.array([index[pid] for pid in ids], dtype=np.uint32)
    try:
        engine.sample_batch(points, t, values)
    except firebus.AlarmError as e:
        print(f"replay_csv_plot: {args.csv}: row {e.index + 2}: {e}", file=sys.stderr)
        return 2
    events = [e.to_dict() for e in engine.take_events()]
    for e in events:
        print(json.dumps(e, separators=(",", ":")))
    print(json.dumps({"summary": engine.summary()}, separators=(",", ":")))

    t_end = float(t.max()) if len(t) else 0.0
    periods = alarm_periods(events, t_end)
    names = sorted(index, key=lambda pid: index[pid])
    fig, axes = plt.subplots(len(names), 1, figsize=(10, 3 * len(names)), sharex=True,
                             squeeze=False)
    by_point = {p.id: p for p in rules.points}
    for ax, pid in zip(axes[:, 0], names):
        mask = points == index[pid]
        ax.plot(t[mask], values[mask], color="black", linewidth=1, label=pid)
        for a in by_point[pid].alarms:
            if a.type in (alarm.RuleType.high, alarm.RuleType.low):
                cls = alarm.AlarmClass(a.cls).name
                ax.axhline(a.setpoint, color=COLOURS.get(cls, "grey"), linestyle="--",
                           linewidth=0.8, label=f"{a.id} {a.setpoint:g}")
        for point, alarm_id, cls, start, end in periods:
            if point == pid:
                ax.axvspan(start, end, color=COLOURS.get(cls, "grey"), alpha=0.2,
                           label=f"{alarm_id} ({cls})")
        unit = by_point[pid].unit
        ax.set_ylabel(f"{pid} [{unit}]" if unit else pid)
        ax.legend(loc="upper left", fontsize="small")
        ax.grid(True, alpha=0.3)
    axes[-1, 0].set_xlabel("t [s]")
    fig.suptitle(f"{args.csv.name}: alarm replay ({len(events)} events)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"replay_csv_plot: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
