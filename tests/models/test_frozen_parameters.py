"""MCGVideoQA(frozen_parameters=...): fixed parameters stay fixed."""
import copy

import pytest
import torch

from mcg.registry import MODELS
from .test_mcg_videoqa import make_batch, run_loss

WORDS = 'text_encoder.bert.embeddings.word_embeddings'


def build(micro_cfg, frozen):
    torch.manual_seed(0)
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['frozen_parameters'] = frozen
    cfg['head']['output_vocab'] = None  # make_batch's answers are not ShapesQA's
    return MODELS.build(cfg)


def test_demo_freezes_the_word_embeddings_shared_with_the_answer_scores(
        micro_cfg):
    assert micro_cfg.model.frozen_parameters == [WORDS]
    model = build(micro_cfg, [WORDS])
    words = model.text_encoder.bert.embeddings.word_embeddings.weight
    assert not words.requires_grad
    # The generator embeds and scores answers with the same (tied) tensor.
    assert model.head.embeddings.word_embeddings.weight is words
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and not any(n.startswith(WORDS) for n in trainable)


def test_a_training_step_leaves_frozen_parameters_unchanged(micro_cfg):
    model = build(micro_cfg, [WORDS, 'video_encoder.blocks.0.'])
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2)
    losses = run_loss(model, *make_batch())
    sum(v for k, v in losses.items() if k.startswith('loss_')).backward()
    optim.step()
    params = dict(model.named_parameters())
    frozen = {n for n in params
              if n.startswith((WORDS, 'video_encoder.blocks.0.'))}
    changed = {n for n, p in params.items() if not torch.equal(p, before[n])}
    assert frozen and not frozen & changed
    assert all(params[n].grad is None for n in frozen)
    # Parameters before and after the frozen block still train.
    assert {'video_encoder.patch_embed.proj.weight',
            'fusor.blocks.0.self_attn.query.weight'} <= changed


def test_unknown_prefix_is_refused(micro_cfg):
    with pytest.raises(ValueError, match="'text_encoder.word_embeddings' "
                                         'matches no parameter'):
        build(micro_cfg, ['text_encoder.word_embeddings'])
