"""The assembled model on tiny configs: losses, sharing, decoding."""
import copy

import pytest
import torch
from mmengine.structures import BaseDataElement  # noqa: F401

from mcg.registry import MODELS
from mcg.structures import VideoQADataSample


def make_batch(num_videos=2, per_video=3, frames=8, size=64, seed=0,
               answer_by_question=False):
    g = torch.Generator().manual_seed(seed)
    video = torch.randint(0, 256, (num_videos, frames, 3, size, size),
                          dtype=torch.uint8, generator=g)
    answers = ['red circle', 'yes', 'moving left', '4', 'top right', 'no']
    samples = []
    for v in range(num_videos):
        for q in range(per_video):
            s = VideoQADataSample(metainfo=dict(
                question=f'what color is object {q}', question_id=f'{v}_{q}',
                video_index=v, answer_type=q))
            k = q if answer_by_question else v * per_video + q
            s.gt_answer = answers[k % len(answers)]
            samples.append(s)
    return video, samples


@pytest.fixture
def model(micro_cfg):
    torch.manual_seed(0)
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head']['output_vocab'] = None  # full vocabulary
    return MODELS.build(cfg)


def run_loss(model, video, samples):
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples),
                                   True)
    return model(**data, mode='loss')


def test_loss_keys_and_gradients_reach_every_part(model):
    losses = run_loss(model, *make_batch())
    # The demo config trains ICL next to the LM loss.
    assert set(losses) == {'loss_lm', 'acc_lm_token', 'loss_icl', 'acc_icl'}
    assert losses['loss_lm'].item() > 0 and losses['loss_icl'].item() > 0
    losses['loss_lm'].backward()
    for part in ('video_encoder', 'text_encoder', 'fusor', 'head'):
        grads = [p.grad for p in getattr(model, part).parameters()
                 if p.grad is not None]
        assert grads and any(g.abs().sum() > 0 for g in grads), part


def test_shared_video_batch_equals_per_question_batch(model):
    video, samples = make_batch(num_videos=2, per_video=3)
    shared = run_loss(model, video, samples)['loss_lm']
    shared.backward()
    g_shared = {n: p.grad.clone() for n, p in model.named_parameters()
                if p.grad is not None}
    model.zero_grad()
    # Same questions, each with its own copy of the clip.
    index = torch.tensor([s.video_index for s in samples])
    per_q = [copy.deepcopy(s) for s in samples]
    for i, s in enumerate(per_q):
        s.set_metainfo(dict(video_index=i))
    single = run_loss(model, video[index], per_q)['loss_lm']
    single.backward()
    assert torch.allclose(shared, single, atol=1e-5)
    for n, p in model.named_parameters():
        if p.grad is not None:
            assert torch.allclose(g_shared[n], p.grad, atol=1e-5), n


def test_cached_and_uncached_greedy_decoding_agree(model):
    video, samples = make_batch()
    model.eval()
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples))
    out = model.extract_feat(data['inputs'], data['data_samples'])
    cached = model.head.generate(out.memory, out.memory_mask)
    plain = model.head.generate(out.memory, out.memory_mask,
                                use_cache=False)
    assert torch.equal(cached, plain)


def test_predict_fills_answers(model):
    video, samples = make_batch()
    model.eval()
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples))
    preds = model(**data, mode='predict')
    assert len(preds) == 6
    assert all(isinstance(s.pred_answer, str) for s in preds)


def test_overfits_one_batch(micro_cfg, tmp_path):
    """The LM loss drives question -> fusor -> generator to the answers."""
    import json
    video, samples = make_batch(num_videos=2, per_video=3,
                                answer_by_question=True)
    answers = tmp_path / 'answers.json'
    answers.write_text(json.dumps([s.gt_answer for s in samples]))
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head']['output_vocab'] = str(answers)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(80):
        loss = run_loss(model, video, samples)['loss_lm']
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples))
    preds = [s.pred_answer for s in model(**data, mode='predict')]
    assert preds == [s.gt_answer for s in samples]


def full_vocab(micro_cfg):
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head']['output_vocab'] = None
    return cfg


def test_zero_weight_switches_a_loss_off(micro_cfg):
    cfg = full_vocab(micro_cfg)
    cfg['losses']['icl']['weight'] = 0
    losses = run_loss(MODELS.build(cfg), *make_batch())
    assert set(losses) == {'loss_lm', 'acc_lm_token'}
    cfg['losses']['lm']['weight'] = 0
    m = MODELS.build(cfg)
    with pytest.raises(RuntimeError, match='no active loss'):
        run_loss(m, *make_batch())


def test_fusor_and_video_memory_option(micro_cfg):
    cfg = full_vocab(micro_cfg)
    cfg['generator_memory'] = 'fusor+video'
    m = MODELS.build(cfg)
    video, samples = make_batch()
    assert run_loss(m, video, samples)['loss_lm'].item() > 0
    with pytest.raises(ValueError, match='generator_memory'):
        MODELS.build(dict(cfg, generator_memory='video'))


def test_empty_question_rejected(model):
    video, samples = make_batch()
    samples[0].set_metainfo(dict(question='  '))
    with pytest.raises(ValueError, match='empty question'):
        run_loss(model, video, samples)


def test_output_vocab_shortlist(micro_cfg, tmp_path):
    import json
    answers = ['red circle', 'yes', 'moving left', '4', 'top right', 'no']
    path = tmp_path / 'answers.json'
    path.write_text(json.dumps(answers))
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head']['output_vocab'] = str(path)
    m = MODELS.build(cfg)
    head = m.head
    # Only answer tokens plus [SEP] are scored.
    expected = {t for a in answers
                for t in m.tokenizer(a, add_special_tokens=False)['input_ids']}
    assert set(head.vocab_ids.tolist()) == expected | {head.sep_id}
    video, samples = make_batch()
    out = run_loss(m, video, samples)
    assert out['loss_lm'].item() > 0
    m.eval()
    data = m.data_preprocessor(dict(inputs=video, data_samples=samples))
    feats = m.extract_feat(data['inputs'], data['data_samples'])
    ids = head.generate(feats.memory, feats.memory_mask)
    allowed = set(head.vocab_ids.tolist()) | {head.pad_id}
    assert set(ids.flatten().tolist()) <= allowed
    samples[0].gt_answer = 'purple elephant'
    with pytest.raises(ValueError, match='outside the output_vocab'):
        run_loss(m, video, samples)
