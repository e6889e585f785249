"""The pre-training objective (Eq. 11) on the assembled micro model."""
import copy

import pytest
import torch
from mmengine.config import Config

from mcg.registry import MODELS
from mcg.structures import VideoQADataSample
from tests.conftest import REPO, micro_model_options

PRETRAIN_CONFIG = f'{REPO}/configs/shapesqa/mcg_tiny_shapesqa_pretrain.py'


def micro_pretrain_model_cfg(**overrides):
    cfg = Config.fromfile(PRETRAIN_CONFIG)
    cfg.merge_from_dict({k: v for k, v in micro_model_options('').items()
                         if k.startswith('model.')})
    cfg.merge_from_dict({'model.head.output_vocab': None, **overrides})
    return copy.deepcopy(cfg.model)


def make_batch(seed=0):
    """3 clips: a caption pair, two questions on one clip, a question."""
    g = torch.Generator().manual_seed(seed)
    video = torch.randint(0, 256, (3, 4, 3, 64, 64), dtype=torch.uint8,
                          generator=g)
    texts = [('the red circle moves left', 'the red circle moves left', 0,
              'caption'),
             ('what color is the square', 'blue', 1, 'qa'),
             ('does the square move', 'no', 1, 'qa'),
             ('how many objects appear', '4', 2, 'qa')]
    samples = []
    for i, (question, answer, clip, task) in enumerate(texts):
        meta = dict(question=question, question_id=str(i), video_index=clip,
                    task=task)
        if task == 'caption':
            meta['lm_prompt'] = 'what does the video show'
        s = VideoQADataSample(metainfo=meta)
        s.gt_answer = answer
        samples.append(s)
    return video, samples


def run_loss(model, video, samples):
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples),
                                   True)
    return model(**data, mode='loss')


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return MODELS.build(micro_pretrain_model_cfg())


def test_all_terms_are_logged(model):
    out = run_loss(model, *make_batch())
    assert {'loss_icl', 'loss_tcl', 'loss_vtm', 'loss_lm', 'acc_icl',
            'acc_vtm', 'acc_lm_token'} <= set(out)
    assert all(torch.isfinite(v) for k, v in out.items())


@pytest.mark.parametrize('term,parts', [
    ('loss_icl', ('video_encoder', 'text_encoder', 'losses.icl')),
    ('loss_tcl', ('video_encoder', 'text_encoder', 'losses.tcl')),
    ('loss_vtm', ('video_encoder', 'text_encoder', 'fusor', 'losses.vtm')),
])
def test_gradients_reach_both_encoders(model, term, parts):
    model.zero_grad()
    run_loss(model, *make_batch())[term].backward()
    for part in parts:
        module = model.get_submodule(part)
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in module.parameters()), (term, part)
    if term in ('loss_icl', 'loss_tcl'):
        tau = model.get_submodule(parts[-1]).temperature.value
        assert tau.grad is not None and tau.grad.abs() > 0
        # Contrastive terms do not touch the fusor or the generator.
        assert all(p.grad is None or p.grad.abs().sum() == 0
                   for p in model.head.parameters())


def generator_memory(model, video, samples):
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples))
    out = model.extract_feat(data['inputs'], data['data_samples'])
    memory, memory_mask = model.prompted_memory(out, data['data_samples'])
    fused = memory[0].states
    # The fused states lead the memory (video tokens may follow them).
    return fused, memory_mask[:, :fused.shape[1]]


def test_caption_lm_does_not_see_the_caption(model):
    """The caption is the LM target; its generator reads prompt + video."""
    video, samples = make_batch()
    model.eval()   # no dropout, so only the inputs differ
    with torch.no_grad():
        base, base_mask = generator_memory(model, video, samples)
        changed = copy.deepcopy(samples)
        changed[0].set_metainfo(dict(question='a completely different text'))
        changed[1].set_metainfo(dict(question='what shape is the square'))
        other, other_mask = generator_memory(model, video, changed)
        prompt_len = len(model.tokenizer('what does the video show')[
            'input_ids']) + 1                      # + [FUS]
        assert base_mask[0].sum() == other_mask[0].sum() == prompt_len
        # Row 0 (caption): the same memory whatever the caption says.
        assert torch.allclose(base[0, :prompt_len], other[0, :prompt_len],
                              atol=1e-5)
        # Row 1 (question): the generator does read the question.
        assert (base[1] - other[1]).abs().max() > 0.1
        # The caption still drives the losses' text side.
        loss = run_loss(model, video, samples)['loss_icl']
        assert (run_loss(model, video, changed)['loss_icl'] - loss).abs() > 0
    model.train()


def test_weights_come_from_the_config(model):
    cfg = micro_pretrain_model_cfg(**{'model.losses.tcl.weight': 0.0,
                                      'model.losses.icl.weight': 0.5})
    torch.manual_seed(0)
    other = MODELS.build(cfg)
    other.load_state_dict(model.state_dict())
    torch.manual_seed(1)
    full = run_loss(model, *make_batch())
    torch.manual_seed(1)
    out = run_loss(other, *make_batch())
    assert 'loss_tcl' not in out
    assert out['loss_icl'].item() == pytest.approx(
        0.5 * full['loss_icl'].item(), rel=1e-5)


def test_projections_follow_the_model_widths(model):
    icl, tcl, vtm = (model.losses[k] for k in ('icl', 'tcl', 'vtm'))
    assert icl.video_proj.in_features == model.video_encoder.embed_dims
    assert tcl.text_proj.in_features == model.text_encoder.embed_dims
    assert vtm.head.in_features == model.fusor.embed_dims
    assert icl.video_proj.out_features == 256     # the paper's space


def test_prompted_rows_keep_the_video_memory_part():
    """With generator_memory='fusor+video' only the fused part is swapped."""
    torch.manual_seed(0)
    model = MODELS.build(micro_pretrain_model_cfg(
        **{'model.generator_memory': 'fusor+video'}))
    video, samples = make_batch()
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples))
    out = model.extract_feat(data['inputs'], data['data_samples'])
    video_part = out.memory[1]
    tail = out.memory_mask[:, out.fused.shape[1]:]
    memory, memory_mask = model.prompted_memory(out, data['data_samples'])
    assert memory[1] is video_part
    width = memory[0].states.shape[1]
    assert torch.equal(memory_mask[:, width:], tail)
    assert torch.isfinite(run_loss(model, video, samples)['loss_lm'])
