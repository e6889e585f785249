"""Atomic checkpoint files, and finding the last complete checkpoint.

MMEngine's local file backend writes a checkpoint by opening the final path
and streaming the bytes into it, so a job killed mid-write leaves a truncated
``epoch_N.pth``. The ``mcg_atomic_local`` backend (selected by
``default_hooks.checkpoint.backend_args`` in ``default_runtime.py``) writes to
a hidden temporary file in the same folder, flushes it to disk and renames it
over the final name: a reader sees either the old state or the complete file.
MMEngine's ``CheckpointHook`` updates ``last_checkpoint`` only after the
checkpoint is saved, and :func:`find_resume_checkpoint` double-checks the
pointer, so ``--resume auto`` always lands on a complete file.
"""
from __future__ import annotations

import glob
import os
import os.path as osp
import uuid
from pathlib import Path
from typing import Optional, Union

from mmengine.fileio.backends import LocalBackend, register_backend
from mmengine.logging import print_log

#: Backend name to use in ``backend_args=dict(backend=...)``.
ATOMIC_BACKEND = 'mcg_atomic_local'
#: Prefix of the temporary files (hidden; never matched by ``*.pth`` scans).
TMP_PREFIX = '.tmp-'


def atomic_write(data: Union[bytes, str], path: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
    """Write ``data`` to ``path`` so that ``path`` is never partly written.

    Args:
        data: Bytes, or text encoded with ``encoding``.
        path: Destination; its folder is created if needed.
        encoding: Text encoding.
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode(encoding)
    # A unique name opened exclusively; unlike mkstemp it keeps the umask's
    # permissions, so the final file looks like one MMEngine would write.
    tmp = osp.join(folder, f'{TMP_PREFIX}{osp.basename(path)}.'
                   f'{os.getpid()}.{uuid.uuid4().hex[:8]}')
    try:
        with open(tmp, 'xb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    # Persist the rename itself (the directory entry) on POSIX systems.
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local backend with atomic ``put``/``put_text``."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write(obj, filepath, encoding)


def find_resume_checkpoint(work_dir: str) -> Optional[str]:
    """Return the checkpoint ``--resume auto`` should continue from.

    ``last_checkpoint`` is used when it names an existing file. A missing,
    empty or dangling pointer (e.g. a job killed while MMEngine rewrote it)
    falls back to the newest ``*.pth`` in ``work_dir``; temporary files of
    interrupted writes are hidden and never picked.

    Args:
        work_dir: The run's work directory.

    Returns:
        Path of the checkpoint, or None when the run has none yet.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8') as f:
            named = f.read().strip()
        if named and osp.isfile(named):
            return named
        print_log(f'{pointer} names {named!r}, which is not a complete '
                  'checkpoint; looking for the newest *.pth instead',
                  logger='current', level=30)
    candidates = [p for p in glob.glob(osp.join(work_dir, '*.pth'))
                  if osp.isfile(p)]
    if not candidates:
        return None
    return max(candidates, key=osp.getmtime)
