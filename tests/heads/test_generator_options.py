"""Generator options: gradient checkpointing and the attention override."""
import torch

from mcg.utils.benchmarking import saved_bytes
from tests.heads.helpers import make_head, make_memory


def loss_and_grads(head, memory, mask, samples):
    counter = {'bytes': 0}
    with saved_bytes(counter):
        out = head.loss_inputs(memory, mask, samples)
    loss = torch.nn.functional.cross_entropy(out['lm'].logits,
                                             out['lm'].targets)
    params = [p for p in head.parameters() if p.requires_grad]
    return loss.detach(), torch.autograd.grad(loss, params), counter['bytes']


class Sample:
    def __init__(self, answer):
        self.gt_answer = answer


def test_gradient_checkpointing_gives_the_same_loss_and_gradients():
    samples = [Sample(a) for a in ('red circle', 'two', 'yes', 'blue')]
    memory, mask = make_memory(shared=True)
    runs = []
    for ckpt in (False, True):
        head = make_head(gradient_checkpointing=ckpt).train()
        runs.append(loss_and_grads(head, memory, mask, samples))
    (l0, g0, b0), (l1, g1, b1) = runs
    assert torch.equal(l0, l1)
    assert all(torch.allclose(a, c, atol=1e-6) for a, c in zip(g0, g1))
    assert b1 < b0


def test_attn_impl_reaches_every_block_and_keeps_the_answers():
    memory, mask = make_memory(shared=True)
    answers = {}
    for impl in ('auto', 'math', 'matmul'):
        head = make_head(attn_impl=impl)
        assert all(b.self_attn.attn_impl == impl == b.cross_attn.attn_impl
                   for b in head.blocks)
        answers[impl] = head.generate(memory, mask).tolist()
    assert answers['auto'] == answers['math'] == answers['matmul']
