"""Measuring helpers of the benchmark scripts (``benchmarks/``) and tests.

The machine a number comes from, wall and CPU time of a call, the bytes
autograd saves for backward, and a dated section appended to a results
page (``docs/benchmarks.md``).
"""
from __future__ import annotations

import datetime
import os
import os.path as osp
import platform
import sys
import time
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import torch

def cpu_name() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's guess)."""
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def machine_line() -> str:
    """Where the numbers come from: CPU, cores, threads, load, GPU, torch."""
    flags = ''
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            text = f.read()
        flags = ', AVX-512' if 'avx512f' in text else ''
    except OSError:
        pass
    gpu = (torch.cuda.get_device_name() if torch.cuda.is_available()
           else 'no GPU')
    return (f'{os.cpu_count()} vCPU {cpu_name()}{flags}, {gpu}; '
            f'{torch.get_num_threads()} torch thread(s); load average '
            f'{os.getloadavg()[0]:.1f} at the end; torch {torch.__version__}')


def timed(fn: Callable[[], object]) -> Tuple[float, float, object]:
    """Run ``fn`` once; return (wall s, CPU s of this process, result)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def command_line(script: str, argv: Optional[Sequence[str]]) -> str:
    """The command that produced a result, for the doc."""
    args = list(sys.argv[1:] if argv is None else argv)
    return ' '.join(['python', f'benchmarks/{script}'] + args)


def ratio_vs_goal(ratio: float, goal: float) -> str:
    """'goal met' or how far a ratio is from its goal."""
    if ratio >= goal:
        return f'goal ({goal:g}x) met'
    return (f'goal ({goal:g}x) missed by {goal - ratio:.2f}x '
            f'({ratio / goal:.0%} of it)')


def append_section(title: str, lines: List[str], doc: str) -> str:
    """Append a dated ``## title`` section to a Markdown results page.

    Args:
        title: Section title (the date is added).
        lines: Markdown lines of the body.
        doc: The page (the benchmarks pass their docs/benchmarks.md).

    Returns:
        The path written.
    """
    stamp = datetime.date.today().isoformat()
    header = '' if osp.exists(doc) else '# Benchmarks\n'
    with open(doc, 'a', encoding='utf-8') as f:
        f.write(header + '\n'.join(['', f'## {title} ({stamp})', ''] +
                                   list(lines) + ['']))
    return doc


@contextmanager
def saved_bytes(counter: Dict[str, int]) -> Iterator[None]:
    """Count the bytes autograd saves for backward (distinct storages).

    CPU PyTorch has no peak-memory counter; the saved activations are what
    grows with batch and sequence length.

    Args:
        counter: Dict whose ``'bytes'`` entry is increased in place.
    """
    seen = set()

    def pack(t):
        try:
            key = (t.untyped_storage().data_ptr(), t.device)
        except RuntimeError:
            return t
        if key not in seen:
            seen.add(key)
            counter['bytes'] += t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        yield
