"""Checkpoint contents that load weights-only and resume exactly.

A stock MMEngine checkpoint pickles ``HistoryBuffer`` objects and numpy values
in its ``message_hub``, which torch's default ``weights_only=True`` loading
refuses. :class:`ResumeStateHook` rewrites the message hub into plain tensors
and containers just before a checkpoint is written and back into MMEngine
objects right after one is read, and it adds the RNG states of every rank, so
a resumed run continues each rank's random streams where the interrupted one
stopped. Loading works wherever MMEngine maps the checkpoint (on GPU runs,
the current CUDA device): tensors are brought to the host before they reach
numpy or the RNGs.
"""
from __future__ import annotations

import random
from collections import OrderedDict
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import HistoryBuffer, print_log

from mcg.registry import HOOKS
from .checkpoint import UnloadedObject

#: Marks a message hub stored by :func:`message_hub_to_plain`.
PLAIN_FORMAT = 'mcg-plain-v1'
_SAFE_LEAVES = (type(None), bool, int, float, str, bytes, torch.Tensor,
                torch.dtype, torch.device)


def _to_plain(value: Any) -> Any:
    """numpy -> torch/Python, containers recursively.

    Raises:
        TypeError: ``value`` holds an object weights-only loading refuses.
    """
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_to_plain(v) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, _SAFE_LEAVES):
        return value
    raise TypeError(type(value).__name__)


def message_hub_to_plain(state: Dict) -> Dict:
    """Turn ``MessageHub.state_dict()`` into weights-only loadable data.

    Args:
        state: The message hub state (``log_scalars``, ``runtime_info``,
            ``resumed_keys``).

    Returns:
        The same information as tensors, numbers, strings and containers.
    """
    scalars = {}
    for key, buf in state['log_scalars'].items():
        logs, counts = buf.data
        scalars[key] = dict(log_history=torch.from_numpy(np.asarray(logs)),
                            count_history=torch.from_numpy(
                                np.asarray(counts)),
                            max_length=int(buf.max_length))
    info = {}
    for key, value in state['runtime_info'].items():
        try:
            info[key] = _to_plain(value)
        except TypeError as exc:
            print_log(f'message_hub runtime info {key!r} holds a {exc} and '
                      'is not saved in the checkpoint', logger='current',
                      level=30)
    return dict(format=PLAIN_FORMAT, log_scalars=scalars, runtime_info=info,
                resumed_keys=dict(state['resumed_keys']))


def message_hub_from_plain(state: Dict) -> Dict:
    """Inverse of :func:`message_hub_to_plain` (other inputs pass through)."""
    if state.get('format') != PLAIN_FORMAT:
        return state
    scalars = OrderedDict(
        (key, HistoryBuffer(_host(v['log_history']).numpy(),
                            _host(v['count_history']).numpy(),
                            v['max_length']))
        for key, v in state['log_scalars'].items())
    return dict(log_scalars=scalars,
                runtime_info=OrderedDict(state['runtime_info']),
                resumed_keys=OrderedDict(state['resumed_keys']))


def _host(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor on the CPU (a GPU-mapped checkpoint holds CUDA ones)."""
    return tensor.detach().cpu()


def capture_rng_state() -> Dict:
    """The Python, numpy, torch (and CUDA) RNG states as plain data."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=dict(name=name, keys=torch.from_numpy(keys.astype(np.int64)),
                   pos=int(pos), has_gauss=int(has_gauss),
                   cached_gaussian=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict) -> None:
    """Set the RNGs to a state from :func:`capture_rng_state`."""
    random.setstate(state['python'])
    n = state['numpy']
    np.random.set_state((n['name'],
                         _host(n['keys']).numpy().astype(np.uint32),
                         n['pos'], n['has_gauss'], n['cached_gaussian']))
    torch.set_rng_state(_host(state['torch']))
    if state.get('cuda') and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([_host(s) for s in state['cuda']])


def checkpoint_due(runner, epoch_end: bool) -> bool:
    """Whether a ``CheckpointHook`` of the runner saves at this point.

    Args:
        runner: The runner, inside ``after_train_iter`` (``epoch_end``
            False) or ``after_train_epoch`` (True).
        epoch_end: Which of the two.

    Returns:
        True if a checkpoint hook will write a checkpoint here.
    """
    for hook in getattr(runner, 'hooks', []):
        if not isinstance(hook, CheckpointHook) or hook.by_epoch != epoch_end:
            continue
        if epoch_end:
            due = (hook.every_n_epochs(runner, hook.interval, hook.save_begin)
                   or (hook.save_last and hook.is_last_train_epoch(runner)))
        else:
            due = (hook.every_n_train_iters(runner, hook.interval,
                                            hook.save_begin)
                   or (hook.save_last and hook.is_last_train_iter(runner)))
        if due:
            return True
    return False


def rng_state_of_this_rank(checkpoint: Dict) -> Optional[Dict]:
    """The RNG state a checkpoint holds for this process's rank.

    Checkpoints of multi-rank runs hold one state per rank
    (``rng_state_per_rank``); older ones, and single-process ones, hold
    rank 0's only (``rng_state``), which other ranks then share.
    """
    rank, world = get_dist_info()
    per_rank = checkpoint.get('rng_state_per_rank')
    if per_rank and rank < len(per_rank):
        if len(per_rank) != world:
            print_log(f'the checkpoint holds RNG states of {len(per_rank)} '
                      f'ranks, this run has {world}', logger='current',
                      level=30)
        return per_rank[rank]
    if rank > 0 and checkpoint.get('rng_state') is not None:
        print_log(f'rank {rank}: the checkpoint holds no RNG state of this '
                  "rank; restoring rank 0's", logger='current', level=30)
    return checkpoint.get('rng_state')


def _strip_unloaded(state: Dict) -> None:
    """Drop placeholders of objects an untrusted legacy file could not load."""
    for part in ('log_scalars', 'runtime_info'):
        values = state.get(part, {})
        for key in [k for k, v in values.items()
                    if isinstance(v, UnloadedObject)]:
            del values[key]


@HOOKS.register_module()
class ResumeStateHook(Hook):
    """Save checkpoints that load weights-only and resume exactly.

    * right before a checkpoint is due (``after_train_iter`` or
      ``after_train_epoch``, ahead of the checkpoint hook), a multi-rank run
      gathers every rank's RNG states (only rank 0 writes the file);
    * before saving: the message hub becomes plain data and the RNG states are
      added under ``checkpoint['rng_state']`` (rank 0's) and
      ``checkpoint['rng_state_per_rank']`` (all ranks', multi-rank runs);
    * after loading: the message hub is rebuilt for MMEngine; when the runner
      resumes, this rank's RNG states go to the train loop
      (:class:`~mcg.engine.loops.ResumableEpochBasedTrainLoop` restores them
      right before the next batch is read), or are restored at once for
      other loops.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._per_rank: Optional[list] = None

    def _gather_if_due(self, runner, epoch_end: bool) -> None:
        self._per_rank = None
        if get_dist_info()[1] > 1 and checkpoint_due(runner, epoch_end):
            self._per_rank = all_gather_object(capture_rng_state())

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        self._gather_if_due(runner, epoch_end=False)

    def after_train_epoch(self, runner) -> None:
        self._gather_if_due(runner, epoch_end=True)

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = message_hub_to_plain(
                checkpoint['message_hub'])
        if self._per_rank is not None:
            checkpoint['rng_state'] = self._per_rank[0]
            checkpoint['rng_state_per_rank'] = self._per_rank
            self._per_rank = None
        else:
            checkpoint['rng_state'] = capture_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: Dict) -> None:
        if isinstance(checkpoint.get('message_hub'), dict):
            checkpoint['message_hub'] = message_hub_from_plain(
                checkpoint['message_hub'])
            _strip_unloaded(checkpoint['message_hub'])
        rng = rng_state_of_this_rank(checkpoint)
        if rng is None or not getattr(runner, '_resume', False):
            return
        loop = getattr(runner, '_train_loop', None)
        if hasattr(loop, 'set_resumed_rng_state'):
            loop.set_resumed_rng_state(rng)
        else:
            restore_rng_state(rng)
