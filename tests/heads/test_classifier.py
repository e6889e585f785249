"""MCG-CH: the K-way classifier head and its loss."""
import copy
import json

import pytest
import torch
import torch.nn.functional as F

from mcg.heads import AnswerClassifierHead, top_answers
from mcg.losses import AnswerClassificationLoss
from mcg.layers.transformer_block import MemoryPart
from mcg.registry import MODELS
from mcg.structures import HeadOutput, VideoQADataSample
from tests.losses.helpers import features


def samples(answers):
    out = []
    for a in answers:
        s = VideoQADataSample()
        s.gt_answer = a
        out.append(s)
    return out


def test_top_answers_by_frequency_then_first_seen():
    answers = ['b', 'A.', 'c', 'a', 'b', 'c', 'a', 'd', ' ']
    assert top_answers(answers, 3) == ['a', 'b', 'c']
    assert top_answers(answers, 10) == ['a', 'b', 'c', 'd']


def test_vocabulary_is_read_lazily_from_the_training_answers(tmp_path):
    path = tmp_path / 'train_a.json'
    head = AnswerClassifierHead(in_dims=8, num_classes=2,
                                answer_file=str(path))  # not written yet
    path.write_text(json.dumps([{'answer': x} for x in
                                ['no', 'yes', 'yes', 'red', 'no', 'yes']]))
    assert head.classes == ['yes', 'no']
    targets = head.targets(['Yes', 'red', 'no'], 'cpu')
    assert targets.tolist() == [0, -100, 1]
    with pytest.raises(ValueError, match='answer_file'):
        AnswerClassifierHead(in_dims=8)


def test_out_of_vocabulary_answers_are_ignored_in_training_and_wrong_at_test():
    torch.manual_seed(0)
    head = AnswerClassifierHead(in_dims=8, num_classes=4,
                                answers=['yes', 'no'])
    fused = torch.randn(3, 5, 8)
    out = head.loss_inputs([MemoryPart(fused)], torch.ones(3, 5),
                           samples(['yes', 'purple', 'no']))
    cls = out['cls']
    assert cls.logits.shape == (3, 4)
    assert cls.targets.tolist() == [0, -100, 1]
    assert cls.diagnostics['acc_cls_coverage'] == pytest.approx(2 / 3)
    loss = AnswerClassificationLoss()(features(head_outputs=out)).loss
    expected = F.cross_entropy(cls.logits[[0, 2]], cls.targets[[0, 2]])
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    # Only the 2 real classes can be predicted, never the unused columns.
    with torch.no_grad():
        head.mlp[-1].bias[2:] = 100.0
    assert set(head.predict([MemoryPart(fused)], None, [])) <= {'yes', 'no'}


def test_classification_loss_without_any_known_answer_is_zero_with_grad():
    logits = torch.randn(2, 3, requires_grad=True)
    loss = AnswerClassificationLoss()(features(head_outputs=dict(
        cls=HeadOutput(logits, torch.tensor([-100, -100]))))).loss
    assert loss.item() == 0.0
    loss.backward()
    assert logits.grad is not None
    choice = AnswerClassificationLoss(inputs='choice')
    assert choice.requires == ('choice', )


def test_head_reads_fus_through_a_shared_memory_index_and_learns():
    torch.manual_seed(0)
    head = AnswerClassifierHead(in_dims=8, num_classes=3,
                                answers=['a', 'b', 'c'])
    states = torch.randn(3, 4, 8)
    memory = [MemoryPart(states, torch.tensor([2, 0, 1, 2]))]
    gts = ['c', 'a', 'b', 'c']
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    loss_fn = AnswerClassificationLoss()
    for _ in range(60):
        loss = loss_fn(features(head_outputs=head.loss_inputs(
            memory, None, samples(gts)))).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert head.predict(memory, None, []) == gts


def test_in_dims_is_taken_from_the_fusor_width(micro_cfg):
    """A variant swaps in the classifier without restating the fusor width."""
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head'] = dict(type='AnswerClassifierHead', num_classes=4,
                       answers=['yes', 'no'])
    cfg['losses'] = dict(cls=dict(type='AnswerClassificationLoss'))
    model = MODELS.build(cfg)
    assert model.head.mlp[1].in_features == model.fusor.embed_dims != 768
    cfg['head']['in_dims'] = model.fusor.embed_dims + 1
    with pytest.raises(ValueError, match='in_dims'):
        MODELS.build(cfg)
    with pytest.raises(RuntimeError, match='bound'):
        AnswerClassifierHead(answers=['a'])([MemoryPart(torch.ones(1, 2, 4))])
