"""What the processes use: resident memory (psutil RSS, each process with its children) sampled in
the background (at rest, and the peak under load), and CPU time over a measurement.
"""

from __future__ import annotations

import threading
import time

import psutil


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


class MemorySampler:
    def __init__(self, processes: dict[str, psutil.Process], interval: float = 0.5):
        self.processes, self.interval = processes, interval
        self.peak: dict[str, int] = {name: 0 for name in processes}
        self.peak_totals: dict[str, int] = {}  # group -> peak of the group's sum at one instant
        self.groups: dict[str, list[str]] = {}
        self.loaded = False  # sample only while load runs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def snapshot(self) -> dict[str, int]:
        return {name: tree_rss(p) for name, p in self.processes.items()}

    def start(self) -> MemorySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if not self.loaded:
                continue
            now = self.snapshot()
            for name, rss in now.items():
                self.peak[name] = max(self.peak[name], rss)
            for group, names in self.groups.items():
                self.peak_totals[group] = max(self.peak_totals.get(group, 0), sum(now[n] for n in names))


def mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def wait_quiet_cpu(processes: dict[str, psutil.Process], threshold: float = 5.0, timeout: float = 20) -> None:
    """Wait until the processes are idle (a measurement at rest must not catch start-up work)."""
    deadline = time.monotonic() + timeout
    for p in processes.values():
        p.cpu_percent(None)
    while time.monotonic() < deadline:
        time.sleep(1)
        if all(p.cpu_percent(None) < threshold for p in processes.values()):
            return


# -- CPU ----------------------------------------------------------------------------------------
def tree_cpu(process: psutil.Process) -> float:
    """CPU seconds (user + system) of a process and its children."""
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def _busy() -> float:
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


class CpuMeter:
    """CPU used by each measured process over a measurement, and by the rest of the machine
    (everything outside this benchmark: the machine may be shared)."""

    def __init__(self, processes: dict[str, psutil.Process]):
        self.processes = processes
        self.me = psutil.Process()

    def __enter__(self) -> CpuMeter:
        self._start = time.monotonic(), _busy(), tree_cpu(self.me), {n: tree_cpu(p) for n, p in self.processes.items()}
        return self

    def __exit__(self, *exc) -> None:
        wall0, busy0, mine0, each0 = self._start
        self.wall = time.monotonic() - wall0
        self.seconds = {n: tree_cpu(p) - each0[n] for n, p in self.processes.items()}
        self.others = max(0.0, (_busy() - busy0) - (tree_cpu(self.me) - mine0)) / self.wall  # in cores
        self.bench = max(0.0, (tree_cpu(self.me) - mine0) - sum(self.seconds.values())) / self.wall

    def per_message(self, messages: int) -> dict[str, float]:
        """Milliseconds of CPU per message, per process."""
        return {n: s * 1000 / max(1, messages) for n, s in self.seconds.items()}
