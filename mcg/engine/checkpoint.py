"""Checkpoint loading that works with torch >= 2.6 and stays safe.

torch now loads with ``weights_only=True`` by default, which refuses the
MMEngine objects (``HistoryBuffer``, numpy arrays) that a full training
checkpoint pickles, so ``resume`` breaks on mmengine 0.10.7. mcg replaces the
local-file loader: every file is first loaded weights-only; the unsafe full
unpickling is allowed only for files inside a directory registered as trusted
(the run's own work directory, registered by ``tools/train.py``).
"""
from __future__ import annotations

import os
import pickle
from typing import List

import torch
from mmengine.runner.checkpoint import CheckpointLoader

_TRUSTED: List[str] = []


def trust_directory(path: str) -> None:
    """Allow full (pickle) loading of checkpoints below ``path``."""
    real = os.path.realpath(os.path.expanduser(path))
    if real not in _TRUSTED:
        _TRUSTED.append(real)


def is_trusted(filename: str) -> bool:
    """Whether ``filename`` lies in a trusted directory."""
    real = os.path.realpath(filename)
    return any(os.path.commonpath([real, d]) == d for d in _TRUSTED)


def load_checkpoint_file(filename: str, map_location=None) -> dict:
    """Load a local checkpoint: weights-only, or full if trusted.

    Args:
        filename: Path to the checkpoint (``~`` expanded).
        map_location: Passed to ``torch.load``.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: The file does not exist.
        pickle.UnpicklingError: The file needs full unpickling and is not in
            a trusted directory.
    """
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as exc:
        if not is_trusted(filename):
            raise pickle.UnpicklingError(
                f'{filename} contains pickled Python objects and is outside '
                'the trusted directories (the run\'s work_dir). Only the '
                'weights can be loaded safely: extract them with '
                '`python tools/misc/extract_weights.py` where the file is '
                'trusted, or call mcg.engine.trust_directory(dir) if you '
                f'trust it. ({exc})') from exc
    return torch.load(filename, map_location=map_location, weights_only=False)


CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_file,
                                 force=True)
