"""Checkpoint loading that works with torch >= 2.6 and stays safe.

torch loads with ``weights_only=True`` by default, which refuses the MMEngine
objects (``HistoryBuffer``, numpy arrays) that a stock MMEngine checkpoint
pickles in its ``message_hub``, so ``resume`` and ``load_from`` break on
mmengine 0.10.7. mcg replaces MMEngine's local-file loader with this policy:

1. Every file is first loaded weights-only. Checkpoints written by mcg runs
   always pass: :class:`~mcg.engine.resume_state.ResumeStateHook` stores the
   message hub and the RNG states as plain tensors and containers.
2. A file that needs more is loaded with full (unsafe) unpickling only when it
   was registered as trusted: the run's own resume checkpoint
   (:func:`trust_file`, done by ``tools/train.py``) or a directory passed to
   :func:`trust_directory`.
3. Any other file (``load_from``, converters, inference) is loaded
   weights-only with every non-allow-listed global replaced by an inert
   :class:`UnloadedObject`; nothing from the file is executed. The weights
   load; if the ``state_dict`` itself needs such an object, loading fails.
"""
from __future__ import annotations

import os
import pickle
from typing import Any, Dict, List

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

_TRUSTED_DIRS: List[str] = []
_TRUSTED_FILES: List[str] = []


class UnloadedObject:
    """Stand-in for a pickled object that was not unpickled.

    Subclasses are created per global name (see :func:`stub_for`); calling,
    building or instantiating them runs no code from the checkpoint.
    """

    pickled_name = '?'

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass

    def __repr__(self) -> str:
        return f'<unloaded {self.pickled_name}>'


def stub_for(name: str) -> type:
    """Return an :class:`UnloadedObject` subclass standing in for ``name``."""
    return type(f'Unloaded[{name}]', (UnloadedObject, ),
                dict(pickled_name=name))


def trust_directory(path: str) -> None:
    """Allow full (pickle) loading of every checkpoint below ``path``."""
    real = os.path.realpath(os.path.expanduser(path))
    if real not in _TRUSTED_DIRS:
        _TRUSTED_DIRS.append(real)


def trust_file(path: str) -> None:
    """Allow full (pickle) loading of the single file ``path``.

    ``tools/train.py`` registers the checkpoint it resumes from, so only the
    run's own resume file may need (and get) unsafe unpickling.
    """
    real = os.path.realpath(os.path.expanduser(path))
    if real not in _TRUSTED_FILES:
        _TRUSTED_FILES.append(real)


def is_trusted(filename: str) -> bool:
    """Whether ``filename`` was registered, or lies in a trusted directory."""
    real = os.path.realpath(os.path.expanduser(filename))
    return real in _TRUSTED_FILES or any(
        os.path.commonpath([real, d]) == d for d in _TRUSTED_DIRS)


def _find_unloaded(obj: Any, prefix: str = '') -> List[str]:
    """Paths inside ``obj`` (dicts/lists) that hold an UnloadedObject."""
    if isinstance(obj, UnloadedObject):
        return [prefix or '<root>']
    found: List[str] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            found += _find_unloaded(v, f'{prefix}.{k}' if prefix else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            found += _find_unloaded(v, f'{prefix}[{i}]')
    return found


def load_weights_only(filename: str, map_location=None) -> Any:
    """Load ``filename`` without executing anything from it.

    Objects whose classes are not allow-listed by torch become
    :class:`UnloadedObject` instances; a ``state_dict`` that contains one is
    refused.

    Args:
        filename: Local checkpoint path.
        map_location: Passed to ``torch.load``.

    Returns:
        The loaded object.

    Raises:
        pickle.UnpicklingError: The weights themselves need arbitrary objects.
    """
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        if not names:
            raise
    with torch.serialization.safe_globals([(stub_for(n), n) for n in names]):
        obj = torch.load(filename, map_location=map_location,
                         weights_only=True)
    if isinstance(obj, dict) and 'state_dict' in obj:
        bad = _find_unloaded(obj['state_dict'], 'state_dict')
    else:
        bad = _find_unloaded(obj)
    if bad:
        raise pickle.UnpicklingError(
            f'{filename}: the weights need pickled Python objects that are '
            f'not loaded from untrusted files ({", ".join(bad[:5])}; globals '
            f'{names}). Load it where you trust it and re-save the plain '
            'tensors, or call mcg.engine.trust_file(path).')
    print_log(
        f'{filename}: loaded weights-only; {len(names)} pickled global(s) '
        f'were not unpickled and are left as placeholders: {names}',
        logger='current')
    return obj


def load_checkpoint_file(filename: str, map_location=None) -> Dict:
    """Load a local checkpoint: weights-only, or full if trusted.

    Args:
        filename: Path to the checkpoint (``~`` expanded).
        map_location: Passed to ``torch.load``.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: The file does not exist.
        pickle.UnpicklingError: The weights need full unpickling and the file
            is not trusted.
    """
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if is_trusted(filename):
        try:
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
        except pickle.UnpicklingError:
            # A stock MMEngine resume file of this very run.
            return torch.load(filename, map_location=map_location,
                              weights_only=False)
    return load_weights_only(filename, map_location)


CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_file,
                                 force=True)
