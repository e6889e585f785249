"""No per-step reads from the device in the generator's training inputs,
the TCL, LM and ICL losses and the collectives of ``mcg.utils.dist``.

Single process: the model runs on the meta device, which stands in for a
GPU here: any read of a value (``.item()``, ``bool()``, a boolean mask)
fails there, while host-side bookkeeping works. Two ranks (gloo): the reads
of a tensor's value (``aten._local_scalar_dense``) are counted.
"""

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils._python_dispatch import TorchDispatchMode

from mcg.losses import (InstanceContrastiveLoss, LanguageModelingLoss,
                        TokenContrastiveLoss)
from mcg.layers.transformer_block import MemoryPart
from mcg.structures import HeadOutput
from tests.losses.helpers import features


class ValueReads(TorchDispatchMode):
    """Counts ops that copy a tensor's value to the host."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default:
            self.count += 1
        return func(*args, **(kwargs or {}))


def test_generator_training_inputs_run_on_the_meta_device(micro_cfg):
    from mcg import register_all_modules
    from mcg.registry import MODELS
    from mcg.structures import VideoQADataSample
    register_all_modules(init_default_scope=False)
    torch.manual_seed(0)
    model = MODELS.build(micro_cfg.model)
    head = model.head
    from mcg.heads.generator import read_answers
    answers = read_answers(micro_cfg.model.head.output_vocab)[:3]
    samples = [VideoQADataSample(metainfo=dict(gt_answer=a))
               for a in answers]
    memory = torch.randn(3, 5, 32)
    mask = torch.ones(3, 5, dtype=torch.long)
    on_cpu = head.loss_inputs([MemoryPart(memory)], mask, samples)
    model.to('meta')
    on_meta = head.loss_inputs([MemoryPart(memory.to('meta'))],
                               mask.to('meta'), samples)
    assert on_meta['lm'].logits.device.type == 'meta'
    assert on_meta['lm'].logits.shape == on_cpu['lm'].logits.shape
    assert on_meta['lm'].targets.shape == on_cpu['lm'].targets.shape


def test_tcl_runs_on_the_meta_device():
    # Below forward(), whose autocast switch has no meta device type.
    torch.manual_seed(0)
    loss = TokenContrastiveLoss(memory_dims=8, video_dims=16, text_dims=16)
    text_mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1],
                              [0, 0, 0, 0, 0, 0]])
    args = (torch.randn(3, 5, 8), None, torch.ones(3, 5),
            torch.randn(3, 4, 8), torch.ones(3, 4), torch.ones(3, 4))
    on_cpu = loss.token_loss(args[0], loss.text_token_mask(text_mask)[:, :5],
                             *args[2:])
    assert loss.text_token_mask(text_mask).tolist() == [
        [1, 1, 0, 0, 0], [1, 1, 1, 1, 0], [0, 0, 0, 0, 0]]
    loss.to('meta')
    mask = loss.text_token_mask(text_mask.to('meta'))
    assert mask.device.type == 'meta'
    on_meta = loss.token_loss(args[0].to('meta'), mask[:, :5],
                              *(a.to('meta') for a in args[2:]))
    assert on_meta.device.type == 'meta' and on_meta.shape == on_cpu.shape


def _rank_main(rank, world, tmp):
    dist.init_process_group('gloo', init_method=f'file://{tmp}/pg',
                            rank=rank, world_size=world)
    torch.manual_seed(rank)
    reads = {}
    n = 3 + rank
    lm = LanguageModelingLoss()
    out = features(head_outputs=dict(lm=HeadOutput(
        torch.randn(n, 7, requires_grad=True), torch.randint(0, 7, (n,)))))
    with ValueReads() as counter:
        lm(out)
    reads['lm'] = counter.count
    tcl = TokenContrastiveLoss(memory_dims=8, video_dims=16, text_dims=16)
    out = features(clips=torch.randn(2, 5, 16),
                   clip_index=torch.tensor([0] * (n - 1) + [1]),
                   text=torch.randn(n, 6, 16),
                   text_mask=torch.ones(n, 6, dtype=torch.long))
    with ValueReads() as counter:
        tcl(out)
    reads['tcl'] = counter.count
    icl = InstanceContrastiveLoss(embed_dims=8, video_dims=16, text_dims=16)
    with ValueReads() as counter:
        icl.contrast(torch.randn(2, 8), torch.randn(n, 8),
                     torch.tensor([0] * (n - 1) + [1]))
    reads['icl'] = counter.count
    torch.save(reads, f'{tmp}/rank{rank}.pt')
    dist.destroy_process_group()


@pytest.mark.slow
def test_no_value_reads_per_step_on_two_ranks(tmp_path):
    with torch.enable_grad():
        mp.spawn(_rank_main, args=(2, str(tmp_path)), nprocs=2, join=True)
    for rank in range(2):
        reads = torch.load(tmp_path / f'rank{rank}.pt')
        # ICL reads the ranks' sizes once, with tolist(): not counted here.
        assert reads == dict(lm=0, tcl=0, icl=0), (rank, reads)


def test_gather_sizes_and_mean_count_without_a_process_group():
    from mcg.utils.dist import all_gather_with_grad, mean_count_per_rank
    x = torch.randn(3, 2)
    assert all_gather_with_grad(x)[0] is x
    assert mean_count_per_rank(4, torch.device('cpu')) == 4.0
    count = torch.tensor(5)
    assert mean_count_per_rank(count, torch.device('cpu')).item() == 5.0
