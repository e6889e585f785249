"""Fine-tuning from a pre-training checkpoint, with a report of every key.

Pre-training runs at 4 frames x 224 px and fine-tuning at 8 x 384, so the
video encoder's time and position embeddings change size; the pre-training
losses' parameters (ICL/TCL projections, VTM head) have no place in a
fine-tuning model. :func:`adapt_state_dict` resizes what can be resized and
sorts every key into one of five groups; :class:`PretrainedLoadReportHook`
applies it to the checkpoint named by ``load_from`` (MMEngine calls
``after_load_checkpoint`` before copying the weights into the model), logs a
summary and writes the full list to ``<log_dir>/load_report.json``.
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Mapping, Optional

import torch.nn.functional as F
from mmengine.hooks import Hook
from torch import Tensor, nn

from mcg.engine.checkpoint import load_checkpoint_file
from mcg.registry import HOOKS
from mcg.weights.video_encoder import resize_pos_embed_2d
from .model_utils import unwrap_model


@dataclass
class LoadReport:
    """Where each key of the model and of the checkpoint ended up.

    Attributes:
        loaded: Model keys copied from the checkpoint unchanged.
        resized: Model keys copied after resizing, ``key -> "old -> new"``.
        new: Model keys absent from the checkpoint (keep their fresh init).
        mismatched: Model keys whose checkpoint shape cannot be adapted
            (keep their fresh init), ``key -> "old vs new"``.
        dropped: Checkpoint keys the model does not have (e.g. the
            pre-training losses' parameters).
    """

    loaded: List[str] = field(default_factory=list)
    resized: Dict[str, str] = field(default_factory=dict)
    new: List[str] = field(default_factory=list)
    mismatched: Dict[str, str] = field(default_factory=dict)
    dropped: List[str] = field(default_factory=list)

    def summary(self, max_keys: int = 12) -> str:
        """Readable multi-line summary, keys grouped by module prefix."""
        lines = [f'load report: {len(self.loaded)} loaded, '
                 f'{len(self.resized)} resized, {len(self.new)} newly '
                 f'initialised, {len(self.mismatched)} shape-mismatched '
                 f'(initialised), {len(self.dropped)} dropped']
        for key, change in self.resized.items():
            lines.append(f'  resized {key}: {change}')
        for key, change in self.mismatched.items():
            lines.append(f'  mismatched {key}: {change}')
        for name in ('new', 'dropped'):
            groups = _group(getattr(self, name))
            shown = list(groups.items())[:max_keys]
            for prefix, count in shown:
                lines.append(f'  {name} {prefix}.* ({count})')
            if len(groups) > max_keys:
                lines.append(f'  ... {len(groups) - max_keys} more groups')
        return '\n'.join(lines)


def _group(keys: List[str], depth: int = 2) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for key in keys:
        prefix = '.'.join(key.split('.')[:depth])
        out[prefix] = out.get(prefix, 0) + 1
    return out


def resize_time_embed(embed: Tensor, num_frames: int) -> Tensor:
    """Linearly interpolate a (1, T, D) time embedding to ``num_frames``."""
    if embed.shape[1] == num_frames:
        return embed
    out = F.interpolate(embed.float().transpose(1, 2), size=num_frames,
                        mode='linear', align_corners=False)
    return out.transpose(1, 2).to(embed.dtype)


def resize_position_table(table: Tensor, rows: int,
                          init: Tensor) -> Tensor:
    """Keep the first rows of a (P, D) position table; new rows from ``init``."""
    out = init.clone().to(table.dtype)
    n = min(rows, table.shape[0])
    out[:n] = table[:n]
    return out


def _resize(key: str, value: Tensor, target: Tensor) -> Optional[Tensor]:
    """Resized ``value`` for ``target``'s shape, or None if not resizable."""
    if value.numel() == target.numel() == 1:
        # e.g. a contrastive temperature saved 0-d before it became (1,).
        return value.reshape(target.shape)
    if value.dim() != target.dim() or value.shape[-1] != target.shape[-1]:
        return None
    if re.search(r'(^|\.)pos_embed$', key) and value.dim() == 3:
        n_src, n_dst = value.shape[1] - 1, target.shape[1] - 1
        if math.isqrt(n_src) ** 2 == n_src and math.isqrt(n_dst) ** 2 == n_dst:
            return resize_pos_embed_2d(value, n_dst)
    if re.search(r'(^|\.)time_embed$', key) and value.dim() == 3:
        return resize_time_embed(value, target.shape[1])
    if key.endswith('position_embeddings.weight') and value.dim() == 2:
        return resize_position_table(value, target.shape[0], target)
    return None


def adapt_state_dict(state_dict: Dict[str, Tensor],
                     model_state: Mapping[str, Tensor]) -> LoadReport:
    """Resize ``state_dict`` in place for the model and report every key.

    Keys of ``state_dict`` that cannot be used as they are (shape mismatch
    without a resize rule) are removed from it, so that loading it
    afterwards copies exactly the ``loaded`` and ``resized`` keys.

    Args:
        state_dict: Checkpoint weights (``module.`` prefixes already
            stripped); modified in place.
        model_state: The model's ``state_dict()``.

    Returns:
        The :class:`LoadReport`.
    """
    report = LoadReport()
    for key, target in model_state.items():
        if key not in state_dict:
            report.new.append(key)
            continue
        value = state_dict[key]
        if value.shape == target.shape:
            report.loaded.append(key)
            continue
        resized = _resize(key, value, target)
        change = f'{tuple(value.shape)} -> {tuple(target.shape)}'
        if resized is not None and resized.shape == target.shape:
            state_dict[key] = resized
            report.resized[key] = change
        else:
            del state_dict[key]
            report.mismatched[key] = change.replace('->', 'vs')
    report.dropped = [k for k in state_dict if k not in model_state]
    return report


def load_pretrained(model: nn.Module, filename: str) -> LoadReport:
    """Load a checkpoint's weights into ``model`` with resizing and a report.

    Args:
        model: The model (unwrapped).
        filename: Checkpoint file (MMEngine format or a bare state dict).

    Returns:
        The :class:`LoadReport`.
    """
    ckpt = load_checkpoint_file(filename, map_location='cpu')
    state = _state_dict(ckpt)
    report = adapt_state_dict(state, model.state_dict())
    model.load_state_dict(state, strict=False)
    return report


def _state_dict(checkpoint: dict) -> Dict[str, Tensor]:
    state = checkpoint.get('state_dict', checkpoint)
    for key in [k for k in state if k.startswith('module.')]:
        state[key[len('module.'):]] = state.pop(key)
    return state


@HOOKS.register_module()
class PretrainedLoadReportHook(Hook):
    """Adapt a ``load_from`` checkpoint to the model and report every key.

    Add ``custom_hooks = [dict(type='PretrainedLoadReportHook')]`` to a
    fine-tuning config that sets ``load_from``.

    Args:
        out_file: Report file name, written in the run's log directory.
    """

    priority = 'VERY_HIGH'

    def __init__(self, out_file: str = 'load_report.json') -> None:
        self.out_file = out_file
        self.report: Optional[LoadReport] = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = unwrap_model(runner.model)
        state = _state_dict(checkpoint)
        self.report = adapt_state_dict(state, model.state_dict())
        runner.logger.info(self.report.summary())
        path = os.path.join(runner.log_dir, self.out_file)
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(asdict(self.report), f, indent=1)
        runner.logger.info(f'full load report written to {path}')


__all__ = ['LoadReport', 'PretrainedLoadReportHook', 'adapt_state_dict',
           'load_pretrained', 'resize_position_table', 'resize_time_embed']
