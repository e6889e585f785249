"""Multiple-choice scoring through the assembled (micro) model."""
import copy

import pytest
import torch

from mcg.layers.transformer_block import MemoryPart
from mcg.registry import MODELS
from mcg.structures import VideoQADataSample

OPTIONS = [['red circle', 'blue square', 'green diamond', 'yellow triangle',
            'nothing'],
           ['moving up', 'moving down', 'moving left', 'moving right',
            'staying still'],
           ['yes', 'no', 'maybe', 'always', 'never']]


def build(micro_cfg, scorer, losses=None, seed=0):
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head']['output_vocab'] = None
    cfg['head']['choice_scorer'] = scorer
    if losses is not None:
        cfg['losses'] = losses
    torch.manual_seed(seed)
    return MODELS.build(cfg)


def vtm_losses(with_vtm=True):
    losses = dict(choice=dict(type='AnswerClassificationLoss',
                              inputs='choice'))
    if with_vtm:
        losses['vtm'] = dict(type='VideoTextMatchingLoss', weight=0.0)
    return losses


def mc_batch(open_ended=True, binary=False, seed=0):
    """2 videos x 3 choice questions (+ an open-ended and a binary one)."""
    g = torch.Generator().manual_seed(seed)
    video = torch.randint(0, 256, (2, 8, 3, 64, 64), dtype=torch.uint8,
                          generator=g)
    samples = []
    for v in range(2):
        for q in range(3):
            s = VideoQADataSample(metainfo=dict(
                question=f'what about object {q} in clip {v}',
                question_id=f'{v}_{q}', video_index=v))
            s.candidates = OPTIONS[q]
            s.gt_label = (q + v) % 5
            s.gt_answer = OPTIONS[q][s.gt_label]
            samples.append(s)
    if open_ended:
        s = VideoQADataSample(metainfo=dict(
            question='what color is it', question_id='oe', video_index=0))
        s.gt_answer = 'red'
        samples.append(s)
    if binary:
        s = VideoQADataSample(metainfo=dict(
            question='will the red circle leave the scene',
            question_id='bin', video_index=1))
        s.candidates = ['wrong', 'correct']
        s.gt_label = 1
        s.gt_answer = 'correct'
        samples.append(s)
    return video, samples


def run(model, video, samples, mode):
    data = model.data_preprocessor(
        dict(inputs=video, data_samples=samples), mode == 'loss')
    return model(**data, mode=mode)


def test_vtm_scorer_shares_the_vtm_loss_head_or_owns_one(micro_cfg):
    model = build(micro_cfg, dict(type='VTMChoiceScorer'), vtm_losses())
    assert model.head.choice_scorer.head is model.losses['vtm'].head
    assert not any('choice_scorer' in k for k in model.state_dict())
    alone = build(micro_cfg, dict(type='VTMChoiceScorer'),
                  vtm_losses(with_vtm=False))
    assert 'head.choice_scorer.vtm_head.weight' in alone.state_dict()


def test_vtm_prediction_is_the_argmax_of_pair_scores(micro_cfg):
    model = build(micro_cfg, dict(type='VTMChoiceScorer'),
                  vtm_losses()).eval()
    video, samples = mc_batch(binary=True)
    preds = run(model, video, samples, 'predict')
    for s in preds[:6]:
        assert len(s.pred_scores) == 5
        assert s.pred_label == max(range(5), key=s.pred_scores.__getitem__)
        assert s.pred_answer == s.candidates[s.pred_label]
    assert 'pred_label' not in preds[6]          # open-ended: generated
    assert isinstance(preds[6].pred_answer, str)
    assert preds[7].pred_scores[0] == 0.0        # binary: [0, log-odds]
    # Recompute one pair by hand: text + " " + candidate, fused with clip 1.
    s = preds[4]
    with torch.no_grad():
        tok = model.tokenize_questions(
            [f'{s.question} {c}' for c in s.candidates], video.device)
        text = model.text_encoder(tok['input_ids'], tok['attention_mask'])
        clips = model.video_encoder(
            model.data_preprocessor(dict(inputs=video))['inputs'])
        fused, _ = model.fusor(text, tok['attention_mask'],
                               [MemoryPart(clips, torch.ones(5).long())])
        pair = model.losses['vtm'].head(fused[:, 0])
    assert torch.allclose(torch.tensor(s.pred_scores),
                          pair[:, 1] - pair[:, 0], atol=1e-4)
    # The scores depend on the candidate text.
    assert len({round(x, 5) for x in s.pred_scores}) > 1


def test_choice_loss_trains_the_vtm_head_and_matches_eval_scores(micro_cfg):
    model = build(micro_cfg, dict(type='VTMChoiceScorer'), vtm_losses())
    video, samples = mc_batch(binary=True)
    losses = run(model, video, samples, 'loss')
    assert set(losses) >= {'loss_choice', 'acc_choice'}
    assert 'loss_vtm' not in losses                # weight 0: skipped
    losses['loss_choice'].backward()
    assert model.losses['vtm'].head.weight.grad.abs().sum() > 0
    assert model.video_encoder.patch_embed.proj.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=video,
                                            data_samples=samples))
        outputs = model.extract_feat(data['inputs'], samples)
        train_view = model.head.choice_loss_inputs(
            outputs, samples, model.stages())['choice']
    preds = run(model, video, copy.deepcopy(samples), 'predict')
    scored = [p for p in preds if 'pred_scores' in p]
    assert train_view.logits.shape == (7, 5)
    assert train_view.targets.tolist() == [s.gt_label for s in scored]
    for row, p in zip(train_view.logits, scored):
        k = len(p.pred_scores)
        assert torch.allclose(row[:k], torch.tensor(p.pred_scores),
                              atol=1e-4)
        assert torch.isinf(row[k:]).all()


def test_batch_without_choice_questions_gives_zero_choice_loss(micro_cfg):
    model = build(micro_cfg, dict(type='VTMChoiceScorer'),
                  dict(vtm_losses(), lm=dict(type='LanguageModelingLoss')))
    video, samples = mc_batch()
    losses = run(model, video, samples[6:], 'loss')
    assert losses['loss_choice'].item() == 0.0
    assert losses['loss_lm'].item() > 0


def test_vtm_choice_training_overfits_a_batch(micro_cfg):
    model = build(micro_cfg, dict(type='VTMChoiceScorer'), vtm_losses())
    video, samples = mc_batch(open_ended=False)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(40):
        loss = run(model, video, samples, 'loss')['loss_choice']
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    preds = run(model, video, samples, 'predict')
    assert [p.pred_label for p in preds] == [s.gt_label for s in samples]


def test_likelihood_scorer_ranks_by_generator_likelihood(micro_cfg):
    model = build(micro_cfg, dict(type='LikelihoodChoiceScorer')).eval()
    video, samples = mc_batch()
    preds = run(model, video, samples, 'predict')
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples))
    out = model.extract_feat(data['inputs'], samples)
    expected = model.head.score_answers(out.memory, out.memory_mask,
                                        [s.candidates for s in samples[:6]])
    for p, e in zip(preds[:6], expected):
        assert torch.allclose(torch.tensor(p.pred_scores), e, atol=1e-5)
        assert p.pred_label == int(e.argmax())
    assert 'pred_label' not in preds[6]


def test_likelihood_scorer_needs_a_generator(micro_cfg):
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['head'] = dict(type='AnswerClassifierHead', in_dims=32,
                       num_classes=4, answers=['yes', 'no'],
                       choice_scorer=dict(type='LikelihoodChoiceScorer'))
    cfg['losses'] = dict(cls=dict(type='AnswerClassificationLoss'))
    with pytest.raises(TypeError, match='score_answers'):
        MODELS.build(cfg)
