"""A small progress line for long-running commands (ingest, replay, bench), on stderr.

Redraws in place on a terminal and prints a line every few seconds otherwise, so CI logs and
pipes stay readable.
"""

from __future__ import annotations

import sys
import time


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    def __init__(self, label: str, total: int | None = None, stream=sys.stderr, interval: float | None = None):
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = interval if interval is not None else (0.1 if self.tty else 5.0)
        self.started = time.monotonic()
        self._last = 0.0

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        text = f"{self.label}: {self.done:,}"
        if self.total:
            left = (self.total - self.done) / rate if rate > 0 else float("inf")
            width = 24
            filled = int(width * min(1.0, self.done / self.total))
            eta = _duration(left) if left != float("inf") else "?"
            text = (f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done:,}/{self.total:,} "
                    f"{100 * self.done / self.total:5.1f}%  {rate:,.0f}/s  left {eta}")
        else:
            text += f"  {rate:,.0f}/s  {_duration(elapsed)}"
        return text

    def update(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._draw()

    def _draw(self, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line() + ("\n" if final else ""))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        self._draw(final=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
