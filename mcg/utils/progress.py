"""Progress lines with an ETA for long jobs (data, tests, inference).

A periodic plain line, not a redrawn bar: it reads the same in a terminal, a
log file and CI output. Standard library only, so torch-free tools can load
this file on its own.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable, Optional, TextIO


def format_seconds(seconds: float) -> str:
    """``H:MM:SS`` of a duration (negative and NaN become ``0:00:00``)."""
    s = int(seconds) if seconds == seconds and seconds > 0 else 0
    return f'{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}'


class ProgressLine:
    """Print ``desc: done/total unit (pct), rate, elapsed, ETA`` now and then.

    A line is printed at the first update, then whenever ``interval`` seconds
    have passed since the last one, and by :meth:`close` (the final count
    and the total time).

    Example:
        >>> with ProgressLine('videos', total=len(jobs)) as progress:
        ...     for job in jobs:
        ...         run(job)
        ...         progress.update()

    Args:
        desc: What is counted, first on the line (e.g. ``'test'``).
        total: Items expected, or None while unknown (then no ETA).
        unit: Name of one item in the line.
        interval: Seconds between lines; None reads the environment
            variable ``MCG_PROGRESS_INTERVAL`` (default 10).
        stream: Where to print (default: ``sys.stderr`` at print time).
        clock: Seconds since some fixed point (tests pass a fake one).
    """

    def __init__(self, desc: str, total: Optional[int] = None,
                 unit: str = 'items', interval: Optional[float] = None,
                 stream: Optional[TextIO] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.desc = desc
        self.total = total
        self.unit = unit
        if interval is None:
            interval = float(os.environ.get('MCG_PROGRESS_INTERVAL', 10))
        self.interval = interval
        self.stream = stream
        self.clock = clock
        self.done = 0
        self.start = clock()
        self._last_print: Optional[float] = None
        self._closed = False

    def line(self) -> str:
        """The progress line for the current count."""
        elapsed = self.clock() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        count = f'{self.done}'
        if self.total:
            count += f'/{self.total} {self.unit} ' \
                     f'({100.0 * self.done / self.total:.1f}%)'
        else:
            count += f' {self.unit}'
        text = (f'{self.desc}: {count}, {rate:.3g} {self.unit}/s, '
                f'elapsed {format_seconds(elapsed)}')
        if self.total and not self._closed:
            eta = (format_seconds((self.total - self.done) / rate)
                   if rate > 0 else '?')
            text += f', ETA {eta}'
        return text

    def _print(self) -> None:
        stream = self.stream or sys.stderr
        print(self.line(), file=stream, flush=True)
        self._last_print = self.clock()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more items done."""
        self.set(self.done + n)

    def set(self, done: int, total: Optional[int] = None) -> None:
        """Set the count (and the total, when it becomes known)."""
        self.done = done
        if total is not None:
            self.total = total
        now = self.clock()
        if (self._last_print is None
                or now - self._last_print >= self.interval):
            self._print()

    def close(self) -> None:
        """Print the final line (once)."""
        if not self._closed:
            self._closed = True
            self._print()

    def __enter__(self) -> 'ProgressLine':
        return self

    def __exit__(self, *exc) -> None:
        self.close()
