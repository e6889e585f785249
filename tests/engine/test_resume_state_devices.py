"""Resume state from a GPU-mapped checkpoint, and one RNG state per rank."""
import os
import os.path as osp
import random

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from mmengine.hooks import CheckpointHook
from mmengine.logging import MessageHub

from mcg.engine.resume_state import (ResumeStateHook, capture_rng_state,
                                     message_hub_to_plain)


class OnAccelerator(torch.Tensor):
    """A host tensor standing in for one on a GPU: like a CUDA tensor it has
    no ``numpy()`` and the CPU RNG refuses it; ``.cpu()`` gives the data."""

    def numpy(self, *args, **kwargs):
        raise TypeError("can't convert cuda:0 device type tensor to numpy. "
                        'Use Tensor.cpu() to copy the tensor to host memory '
                        'first.')

    def cpu(self, *args, **kwargs):
        return self.as_subclass(torch.Tensor).clone()


def _on_accelerator(obj):
    """What MMEngine's map_location to the GPU does to a checkpoint."""
    if isinstance(obj, torch.Tensor):
        return obj.as_subclass(OnAccelerator)
    if isinstance(obj, dict):
        return {k: _on_accelerator(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_on_accelerator(v) for v in obj)
    return obj


class _Runner:
    """What ResumeStateHook reads of a runner."""

    def __init__(self, resume=True):
        self.hooks = [CheckpointHook(interval=1, by_epoch=False)]
        self.iter, self.max_iters, self.epoch = 0, 4, 0
        self._resume = resume
        self._train_loop = None


def _draws():
    return (torch.rand(4).tolist(), np.random.rand(3).tolist(),
            random.random())


def test_a_gpu_mapped_checkpoint_resumes(monkeypatch):
    real_set_rng_state = torch.set_rng_state

    def cpu_rng_only(state):
        if isinstance(state, OnAccelerator):
            raise TypeError('RNG state must be a torch.ByteTensor')
        real_set_rng_state(state)
    monkeypatch.setattr(torch, 'set_rng_state', cpu_rng_only)

    hub = MessageHub('resume-devices')
    for v in (1.0, 2.0, 3.0):
        hub.update_scalar('train/loss', v)
    runner = _Runner()
    torch.manual_seed(3)
    checkpoint = dict(message_hub=hub.state_dict())
    hook = ResumeStateHook()
    hook.before_save_checkpoint(runner, checkpoint)
    expected = _draws()

    loaded = _on_accelerator(checkpoint)
    torch.manual_seed(4)
    np.random.seed(4)
    hook.after_load_checkpoint(runner, loaded)
    assert _draws() == expected
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert buf.data[0].tolist() == [1.0, 2.0, 3.0]


def _rank_main(rank, world, tmp):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{tmp}/pg',
                            rank=rank, world_size=world)
    torch.manual_seed(100 + rank)
    np.random.seed(100 + rank)
    random.seed(100 + rank)
    runner, hook = _Runner(), ResumeStateHook()
    hook.after_train_iter(runner, 0)        # the checkpoint hook saves now
    expected = _draws()
    if rank == 0:
        checkpoint = {}
        hook.before_save_checkpoint(runner, checkpoint)
        torch.save(checkpoint, f'{tmp}/ckpt.pth')
    dist.barrier()
    torch.manual_seed(7)
    np.random.seed(7)
    random.seed(7)
    checkpoint = torch.load(f'{tmp}/ckpt.pth', weights_only=True)
    hook.after_load_checkpoint(runner, checkpoint)
    torch.save(dict(expected=expected, got=_draws()), f'{tmp}/rank{rank}.pt')
    dist.destroy_process_group()


@pytest.mark.slow  # 2 spawned gloo ranks
def test_each_rank_resumes_its_own_random_streams(tmp_path):
    mp.spawn(_rank_main, args=(2, str(tmp_path)), nprocs=2, join=True)
    results = [torch.load(tmp_path / f'rank{r}.pt') for r in range(2)]
    for result in results:
        assert result['got'] == result['expected']
    assert results[0]['expected'] != results[1]['expected']
    per_rank = torch.load(tmp_path / 'ckpt.pth',
                          weights_only=True)['rng_state_per_rank']
    assert len(per_rank) == 2


def test_single_process_checkpoints_keep_one_state():
    checkpoint = {}
    ResumeStateHook().before_save_checkpoint(_Runner(), checkpoint)
    assert 'rng_state_per_rank' not in checkpoint
    assert checkpoint['rng_state'].keys() == capture_rng_state().keys()
