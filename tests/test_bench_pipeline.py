"""The pure pieces of `python -m bench.pipeline`: CPU per process from /proc (no stack, no timing)."""

from __future__ import annotations

import os

import pytest

from bench.cpu import TICK_S, CpuMeter, ProcStat, descendants, parse_stat, tree_cpu


def _line(pid: int, comm: str, ppid: int, utime: int, stime: int, cutime: int, cstime: int) -> str:
    # pid (comm) state ppid pgrp session tty tpgid flags 4 fault counters, utime stime cutime cstime ...
    return f"{pid} ({comm}) S {ppid} 1 1 0 -1 0 0 0 0 0 {utime} {stime} {cutime} {cstime} 20 0 1 0"


def test_parse_stat_reads_times_and_odd_names() -> None:
    stat = parse_stat(_line(42, "celery: (worker) 1", 7, 100, 50, 30, 20))
    assert (stat.pid, stat.comm, stat.ppid) == (42, "celery: (worker) 1", 7)
    assert stat.own_s == pytest.approx(150 * TICK_S) and stat.reaped_s == pytest.approx(50 * TICK_S)


def test_a_tree_counts_its_live_descendants_and_what_they_reaped() -> None:
    stats = {
        s.pid: s
        for s in (
            ProcStat(1, "postgres", 0, own_s=1.0, reaped_s=0.5),
            ProcStat(2, "postgres", 1, own_s=2.0, reaped_s=0.0),
            ProcStat(3, "postgres", 2, own_s=0.25, reaped_s=0.0),
            ProcStat(4, "other", 0, own_s=9.0, reaped_s=9.0),
        )
    }
    assert sorted(descendants(stats, 1)) == [1, 2, 3]
    assert tree_cpu(stats, 1) == pytest.approx(3.75)
    assert tree_cpu(stats, 99) == 0.0  # gone


def test_the_meter_reads_this_process() -> None:
    meter = CpuMeter({}, own={"me": os.getpid()})
    meter.start()
    sum(i * i for i in range(200_000))
    spent = meter.stop()
    assert set(spent) == {"me"} and spent["me"] >= 0.0
