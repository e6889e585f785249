"""Loading a trained checkpoint for testing or inference: every weight, or a
clear refusal.

Evaluating a checkpoint with a config that describes another model (another
width, the classifier head instead of the generator) used to load the
weights that happened to fit, keep a random initialisation for the rest,
log a size-mismatch warning deep in the log, and print a table of zeros
with exit code 0. :func:`load_trained_weights` compares the checkpoint's
keys and shapes with the model first and, by default, refuses a checkpoint
that does not fit with a short summary (counts and the first names of the
missing, unexpected and shape-mismatched keys). Non-strict loading (a
user's explicit choice) prints the same summary and loads what fits.

Fine-tuning from a pre-training checkpoint, where dropping the pre-training
heads is intended, goes through ``load_from`` and
:mod:`mcg.engine.load_report` instead and is not affected.
"""
from __future__ import annotations

import logging
import pickle
import zipfile
from dataclasses import dataclass, field
from typing import Dict, List, Mapping

from mmengine.logging import print_log
from torch import Tensor, nn

from mcg.engine.checkpoint import load_checkpoint_file

#: Names shown per group in a summary.
SHOWN_KEYS = 3


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or does not fit the configured model."""


def read_checkpoint(filename: str) -> dict:
    """Load a checkpoint file weights-only; failures name the file.

    Args:
        filename: Path of an MMEngine checkpoint or a bare state dict.

    Returns:
        A dict with at least ``state_dict`` (``module.`` prefixes removed)
        and ``meta`` (empty for a bare state dict).

    Raises:
        CheckpointError: The file is missing, truncated, not a PyTorch file,
            needs pickled objects that untrusted files may not run, or holds
            no weights.
    """
    try:
        ckpt = load_checkpoint_file(filename, map_location='cpu')
    except FileNotFoundError as exc:
        raise CheckpointError(f'checkpoint {filename} not found') from exc
    except pickle.UnpicklingError as exc:
        if filename in str(exc):   # mcg's own "needs pickled objects"
            raise CheckpointError(str(exc)) from exc
        raise _unreadable(filename, exc) from exc
    except (RuntimeError, OSError, EOFError, ValueError, KeyError,
            zipfile.BadZipFile) as exc:
        raise _unreadable(filename, exc) from exc
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'{filename} holds a {type(ckpt).__name__}, '
                              'not a checkpoint (a dict of weights)')
    state = ckpt.get('state_dict', ckpt)
    if not isinstance(state, dict) or not any(
            isinstance(v, Tensor) for v in state.values()):
        raise CheckpointError(f'{filename} holds no model weights (no '
                              'tensors in its state_dict)')
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
    meta = ckpt.get('meta') if 'state_dict' in ckpt else None
    return dict(ckpt, state_dict=state,
                meta=meta if isinstance(meta, dict) else {})


def _unreadable(filename: str, exc: BaseException) -> CheckpointError:
    reason = (str(exc).strip().splitlines() or [''])[0][:200]
    return CheckpointError(
        f'{filename} is not a readable PyTorch checkpoint (truncated, still '
        f'being written, or not a checkpoint): {type(exc).__name__}: '
        f'{reason}')


@dataclass
class KeyFit:
    """How a checkpoint's weights fit a model.

    Attributes:
        missing: Model keys the checkpoint lacks.
        unexpected: Checkpoint keys the model lacks.
        mismatched: Keys present in both with different shapes,
            ``key -> "checkpoint (a, b) vs model (c, d)"``.
    """

    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    mismatched: Dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every model weight is in the checkpoint, shape included,
        and the checkpoint has nothing else."""
        return not (self.missing or self.unexpected or self.mismatched)

    def summary(self, shown: int = SHOWN_KEYS) -> str:
        """One line per non-empty group: its count and first keys."""
        lines = []
        for name, keys in (('missing from the checkpoint', self.missing),
                           ('unexpected (not in the model)',
                            self.unexpected)):
            if keys:
                more = ', ...' if len(keys) > shown else ''
                lines.append(f'{len(keys)} {name}: '
                             f'{", ".join(keys[:shown])}{more}')
        if self.mismatched:
            items = list(self.mismatched.items())
            more = ', ...' if len(items) > shown else ''
            lines.append(f'{len(items)} shape-mismatched: ' + ', '.join(
                f'{k} ({v})' for k, v in items[:shown]) + more)
        return '\n'.join(lines)


def compare_state_dicts(state: Mapping[str, Tensor],
                        model_state: Mapping[str, Tensor]) -> KeyFit:
    """Sort the keys of a checkpoint against a model's ``state_dict()``.

    A one-element value fits a one-element target of another shape (a
    contrastive temperature saved 0-d before it became ``(1,)``).

    Args:
        state: Checkpoint weights.
        model_state: The model's ``state_dict()``.

    Returns:
        The :class:`KeyFit`.
    """
    fit = KeyFit()
    for key, target in model_state.items():
        if not isinstance(target, Tensor):
            continue
        if key not in state:
            fit.missing.append(key)
            continue
        value = state[key]
        if not isinstance(value, Tensor) or (
                value.shape != target.shape
                and not value.numel() == target.numel() == 1):
            shape = tuple(getattr(value, 'shape', ()))
            fit.mismatched[key] = (f'checkpoint {shape} vs model '
                                   f'{tuple(target.shape)}')
    fit.unexpected = [k for k in state if k not in model_state]
    return fit


def load_trained_weights(model: nn.Module, checkpoint: dict, filename: str,
                         strict: bool = True) -> KeyFit:
    """Copy a checkpoint's weights into ``model``, all of them or none.

    Args:
        model: The model (unwrapped).
        checkpoint: As returned by :func:`read_checkpoint`.
        filename: The checkpoint's path, for messages.
        strict: Refuse a checkpoint that does not fit. False loads the
            weights that fit and logs the summary as a warning.

    Returns:
        The :class:`KeyFit`.

    Raises:
        CheckpointError: ``strict`` and the checkpoint does not fit.
    """
    model_state = model.state_dict()
    state = dict(checkpoint['state_dict'])
    fit = compare_state_dicts(state, model_state)
    if not fit.ok:
        message = (f'checkpoint {filename} does not fit the model built from '
                   f'the config:\n{_indent(fit.summary())}')
        if strict:
            raise CheckpointError(
                message + '\n  The config and its --cfg-options must describe'
                ' the model that wrote the checkpoint. To load only the '
                'weights that fit (the others keep their random '
                'initialisation), pass --non-strict (strict=False in the '
                'API).')
        print_log(message + '\n  non-strict: loading the weights that fit; '
                  'the others keep their random initialisation',
                  logger='current', level=logging.WARNING)
    for key in fit.mismatched:
        del state[key]
    for key, value in state.items():
        target = model_state.get(key)
        if isinstance(target, Tensor) and value.shape != target.shape:
            state[key] = value.reshape(target.shape)
    model.load_state_dict(state, strict=False)
    return fit


def _indent(text: str) -> str:
    return '\n'.join('  ' + line for line in text.splitlines())


__all__ = ['CheckpointError', 'KeyFit', 'compare_state_dicts',
           'load_trained_weights', 'read_checkpoint']
