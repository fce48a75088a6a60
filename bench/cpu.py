"""CPU time of processes and their descendants, from /proc (Linux): what each part of the stack
spent, read before and after a measured path.

A process tree's time is utime + stime of every live process in it plus cutime + cstime of each
(the children it has reaped: a Celery pool process that exited, a Postgres backend that closed).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ProcStat:
    pid: int
    comm: str
    ppid: int
    own_s: float  # utime + stime
    reaped_s: float  # cutime + cstime: its children that exited


def parse_stat(text: str) -> ProcStat:
    """One /proc/<pid>/stat line (the command name may hold spaces and parentheses)."""
    head, _, rest = text.rpartition(")")
    pid, _, comm = head.partition(" (")
    fields = rest.split()
    # After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
    # stime cutime cstime, i.e. utime is the 12th field after ")".
    own, reaped = int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])
    return ProcStat(
        pid=int(pid), comm=comm, ppid=int(fields[1]), own_s=own * TICK_S, reaped_s=reaped * TICK_S
    )


def snapshot() -> dict[int, ProcStat]:
    """Every process this user can read, by pid (processes that vanish meanwhile are skipped)."""
    stats: dict[int, ProcStat] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stats[int(entry.name)] = parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
    return stats


def descendants(stats: Mapping[int, ProcStat], root: int) -> list[int]:
    """`root` and every live process below it."""
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def tree_cpu(stats: Mapping[int, ProcStat], root: int) -> float:
    """CPU seconds of `root`'s tree (0 when it is gone)."""
    return sum(stats[pid].own_s + stats[pid].reaped_s for pid in descendants(stats, root))


def child_named(stats: Mapping[int, ProcStat], parent: int, prefix: str) -> int:
    """The pid of `parent`'s child whose command name starts with `prefix`."""
    for stat in stats.values():
        if stat.ppid == parent and stat.comm.startswith(prefix):
            return stat.pid
    raise LookupError(f"no child of {parent} named {prefix}*")


class CpuMeter:
    """CPU seconds of named processes between `start()` and `stop()`: of each process in `trees`
    with its descendants, of each in `own` alone (a process whose children are measured apart)."""

    def __init__(self, trees: Mapping[str, int], own: Mapping[str, int] | None = None) -> None:
        self.trees = dict(trees)
        self.own = dict(own or {})
        self._before: dict[str, float] = {}

    def read(self) -> dict[str, float]:
        stats = snapshot()
        spent = {name: tree_cpu(stats, pid) for name, pid in self.trees.items()}
        spent |= {name: stats[pid].own_s if pid in stats else 0.0 for name, pid in self.own.items()}
        return spent

    def start(self) -> None:
        self._before = self.read()

    def stop(self) -> dict[str, float]:
        after = self.read()
        return {name: max(0.0, after[name] - self._before.get(name, 0.0)) for name in after}


def per_photo_ms(spent: Mapping[str, float], photos: int, names: Iterable[str] | None = None) -> float:
    """Milliseconds of CPU per photo of the named processes (all of them by default)."""
    keys = list(spent) if names is None else list(names)
    return 1000.0 * sum(spent[k] for k in keys) / max(1, photos)
