"""The model's stage methods and the typed contract around them (issue 16).

One implementation of "questions -> fused states" (``fuse_texts``) serves
training, the captioning prompts and multiple-choice scoring; ``fuse`` pairs
any encoded texts with any clips; losses, heads and scorers keep no
reference to the model or to each other.
"""
import inspect

import pytest
import torch
from torch import nn

from tests.heads.test_choice_scoring import (build, mc_batch, run,
                                             vtm_losses)
from tests.losses.test_objective import make_batch, micro_pretrain_model_cfg


def _pretrain_model():
    from mcg.registry import MODELS
    torch.manual_seed(0)
    return MODELS.build(micro_pretrain_model_cfg())


def test_fuse_pairs_any_texts_with_any_clips():
    model = _pretrain_model().eval()
    video, samples = make_batch()
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples))
    with torch.no_grad():
        f = model.extract_feat(data['inputs'], data['data_samples'])
        assert f.clip_index.tolist() == [0, 1, 1, 2]
        # The batch's own pairs, re-fused in another order, from a tensor
        # index: the same states as extract_feat's host-grouped pass.
        rows = torch.tensor([3, 1, 0, 2])
        fused, mask = model.fuse(f.text[rows], f.text_mask[rows], f.clips,
                                 f.clip_index[rows])
        torch.testing.assert_close(fused, f.fused[rows], atol=1e-5,
                                   rtol=1e-5)
        torch.testing.assert_close(mask, f.fused_mask[rows])
        # Another pairing (every text with clip 2) changes the states.
        other, _ = model.fuse(f.text, f.text_mask, f.clips, [2, 2, 2, 2])
        assert (other[:3] - f.fused[:3]).abs().max() > 1e-3
        torch.testing.assert_close(other[3], f.fused[3], atol=1e-5,
                                   rtol=1e-5)


def _count_fuse_texts(model, monkeypatch):
    calls = []
    original = model.fuse_texts

    def counted(texts, clips, clip_index):
        calls.append(list(texts))
        return original(texts, clips, clip_index)
    monkeypatch.setattr(model, 'fuse_texts', counted)
    return calls


def test_training_and_prompts_fuse_through_fuse_texts(monkeypatch):
    model = _pretrain_model()
    calls = _count_fuse_texts(model, monkeypatch)
    video, samples = make_batch()
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples),
                                   True)
    model(**data, mode='loss')
    # The batch's questions/captions, then the caption row's prompt.
    assert calls == [[s.question for s in samples],
                     ['what does the video show']]


def test_choice_scoring_fuses_through_fuse_texts(micro_cfg, monkeypatch):
    model = build(micro_cfg, dict(type='VTMChoiceScorer'),
                  vtm_losses()).eval()
    calls = _count_fuse_texts(model, monkeypatch)
    video, samples = mc_batch(open_ended=False)
    run(model, video, samples, 'predict')
    assert len(calls) == 2                       # questions, then pairs
    assert calls[1][0] == f'{samples[0].question} {samples[0].candidates[0]}'


def _holds(value, target) -> bool:
    items = value if isinstance(value, (list, tuple)) else [value]
    return any(x is target or getattr(x, '__self__', None) is target
               for x in items)


def test_no_part_holds_the_model_or_another_loss(micro_cfg):
    for model in (_pretrain_model(),
                  build(micro_cfg, dict(type='VTMChoiceScorer'),
                        vtm_losses()),
                  build(micro_cfg, dict(type='LikelihoodChoiceScorer'))):
        losses = list(model.losses.values())
        for name, part in model.named_modules():
            if part is model:
                continue
            for key, value in vars(part).items():
                assert not _holds(value, model), (name, key)
                for loss in losses:
                    if loss is not part and key != '_modules':
                        assert not _holds(value, loss), (name, key)


def test_losses_are_called_with_features_and_stages():
    from mcg.losses.base import BaseMCGLoss
    model = _pretrain_model()
    for loss in model.losses.values():
        params = list(inspect.signature(loss.forward).parameters)
        assert params[:2] == ['features', 'stages'], type(loss)
        assert isinstance(loss, BaseMCGLoss) and isinstance(loss, nn.Module)
    assert model.losses['vtm'].similarity_from == 'icl'


def test_vtm_negatives_use_the_similarity_named_in_the_config(monkeypatch):
    import pytest

    from mcg.registry import MODELS
    model = _pretrain_model()
    icl = model.losses['icl']
    calls = []
    original = icl.similarity
    monkeypatch.setattr(icl, 'similarity',
                        lambda f: calls.append(1) or original(f))
    video, samples = make_batch()
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples),
                                   True)
    model(**data, mode='loss')
    assert len(calls) == 1                 # passed to VTM by the model
    with pytest.raises(TypeError, match="'tcl'"):
        MODELS.build(micro_pretrain_model_cfg(
            **{'model.losses.vtm.negatives_from': 'tcl'}))


def test_loss_output_default_diagnostics_cannot_leak_between_calls():
    from mcg.structures import LossOutput
    out = LossOutput(torch.tensor(0.0))
    with pytest.raises(TypeError):
        out.diagnostics['acc_x'] = torch.tensor(1.0)
    assert dict(LossOutput(torch.tensor(1.0)).diagnostics) == {}
