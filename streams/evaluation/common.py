"""What the two evaluations share: scores and a CPU-time throughput figure."""

from __future__ import annotations

import time
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cpu_rate(work: Callable[[T], object], items: Sequence[T], seconds: float = 1.0) -> float:
    """Items per CPU-second of this process: one core's rate, whatever else the machine runs."""
    done, started = 0, time.process_time()
    while time.process_time() - started < seconds or done < len(items):
        for item in items:
            work(item)
        done += len(items)
    return done / (time.process_time() - started)
