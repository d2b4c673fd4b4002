"""Resident memory and CPU time of processes (each with its children) over a bench point, and the machine's load, from /proc."""
import os
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple

from bot.stack import Process

SAMPLE_EVERY = 0.5


class Watcher:
    """Samples the resident memory of each process (with its children) and counts its CPU time over a point."""

    def __init__(self, pids: Dict[str, int]):
        self.pids = pids
        self.samples: Dict[str, List[float]] = {name: [] for name in pids}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="load watcher", daemon=True)

    def start(self) -> None:
        self._started = time.monotonic()
        children = _children()
        self._cpu_before = {name: _tree_cpu_s(pid, children) for name, pid in self.pids.items()}
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._seconds = time.monotonic() - self._started
        children = _children()
        self._cpu_after = {name: _tree_cpu_s(pid, children) for name, pid in self.pids.items()}

    def _sample(self) -> None:
        while not self._stopping.wait(SAMPLE_EVERY):
            children = _children()
            for name, pid in self.pids.items():
                self.samples[name].append(_tree_rss_mb(pid, children))

    def report(self, messages: int) -> Dict[str, dict]:
        report = {}
        for name, samples in self.samples.items():
            cpu_s = self._cpu_after[name] - self._cpu_before[name]
            report[name] = {
                "rss_mb_peak": round(max(samples), 1) if samples else None,
                "rss_mb_mean": round(sum(samples) / len(samples), 1) if samples else None,
                "cpu_s": round(cpu_s, 1),
                # Below one core while the machine is busy: the process waited for a CPU (or for I/O).
                "cores_used": round(cpu_s / self._seconds, 2),
                "cpu_ms_per_message": round(cpu_s * 1000 / messages, 1),
            }
        return report


def pids_of(processes: List[Process]) -> Dict[str, int]:
    pids: Dict[str, int] = {}
    for process in processes:
        name, n = process.name, 2
        while name in pids:  # replicas share a name
            name, n = f"{process.name} {n}", n + 1
        pids[name] = process.popen.pid
    return pids


def _children() -> Dict[int, List[int]]:
    """Every process's children, from /proc."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(pid: int, children: Dict[int, List[int]]) -> List[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _tree_rss_mb(pid: int, children: Dict[int, List[int]]) -> float:
    total = 0
    for member in _tree(pid, children):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _tree_cpu_s(pid: int, children: Dict[int, List[int]]) -> float:
    ticks = 0
    for member in _tree(pid, children):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> Tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait


def busy_share(before: Tuple[int, int], after: Tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return round(1 - idle / total, 2) if total else 0.0


def loadavg() -> List[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
