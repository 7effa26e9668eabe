"""The Faust worker, with a bound on how long it may take to stop."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import faust


class Worker(faust.Worker):
    """Faust's worker, except that a stop asked for by a signal (SIGTERM, Ctrl-C) is forced after
    ``shutdown_timeout`` seconds.

    When the broker is gone, Faust's consumer thread can retry the dead node for ever while it shuts
    down, and a supervisor's SIGTERM must still end the process. Forcing the exit is no worse than a
    crash: what was not committed is processed again on restart (at-least-once, event ids stable).
    """

    def __init__(self, *args: Any, shutdown_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shutdown_timeout = shutdown_timeout

    def _schedule_shutdown(self, signal: signal.Signals) -> None:  # mode.Worker's hook for both signals
        timer = threading.Timer(self.shutdown_timeout, _force_exit, (signal, self.shutdown_timeout))
        timer.daemon = True
        timer.start()
        super()._schedule_shutdown(signal)


def _force_exit(received: signal.Signals, timeout: float) -> None:
    # Straight to stderr: the logging machinery may be held by the thread that is stuck.
    os.write(2, f"wirestream worker: still stopping {timeout:g} s after {received.name}; exiting now\n".encode())
    os._exit(128 + received.value)
