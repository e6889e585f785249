"""What native libraries write to stderr, captured around one call.

decord's FFmpeg and its own C++ logger print straight to file descriptor 2
when a video cannot be opened (``[mov,mp4,...] moov atom not found``,
``[12:00:00] .../video_reader.cc:83: ERROR opening: ...``), before mcg
reports the unreadable file in its own words. :func:`captured_stderr`
redirects the descriptor for the duration of a call, so those lines can go
into mcg's message instead; :func:`replay` writes them back when the call
succeeded, so no diagnostic is lost.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from typing import IO, Iterator, List, Optional

# File descriptor 2 belongs to the process: captures must not overlap.
_LOCK = threading.Lock()
#: dmlc's ``[hh:mm:ss] path/file.cc:83: `` prefix and FFmpeg's ``@ 0x...``.
_DMLC_PREFIX = re.compile(r'^\[\d\d:\d\d:\d\d\] \S+:\d+: ')
_POINTER = re.compile(r' @ 0x[0-9a-f]+\]')
_sink: Optional[IO[bytes]] = None
_sink_pid = 0


@contextmanager
def captured_stderr() -> Iterator[List[str]]:
    """Send what is written to file descriptor 2 in the block to a list.

    Yields:
        A list that holds the captured lines once the block has ended
        (also when it raised).
    """
    global _sink, _sink_pid
    lines: List[str] = []
    with _LOCK:
        if _sink is None or _sink_pid != os.getpid():
            # One file per process, emptied before each use (a loader
            # worker forked mid-capture must not share its parent's).
            _sink, _sink_pid = tempfile.TemporaryFile(), os.getpid()
        _sink.seek(0)
        _sink.truncate()
        try:
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):
            pass
        saved = os.dup(2)
        os.dup2(_sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            _sink.seek(0)
            lines.extend(line for line in _sink.read().decode(
                'utf-8', 'replace').splitlines() if line.strip())


def summarize(lines: List[str], limit: int = 300) -> str:
    """The captured lines as one short clause, log prefixes removed."""
    text = '; '.join(_POINTER.sub(']', _DMLC_PREFIX.sub('', line)).strip()
                     for line in lines)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def replay(lines: List[str]) -> None:
    """Write captured lines back to stderr (the call succeeded)."""
    if lines:
        print('\n'.join(lines), file=sys.stderr, flush=True)


__all__ = ['captured_stderr', 'replay', 'summarize']
