"""The official-layout variant, loaded through the converter, computes the
official model's forward pass.

The reference is assembled from Hugging Face modules that have the official
code's structure: a Timesformer (original TimeSformer block) with temporal
mean-pooling, a BERT text encoder without token-type embeddings, the same
BERT layers run again over [question ; video] (``mode='fusion'``), and a BERT
decoder with cross-attention and a tied LM head. Its weights are written out
under the official key names, converted, and loaded into mcg's variant model.
Questions have equal length, so the official decoder's missing encoder mask
(it attends to padding) does not come into play.
"""
import copy

import torch
from einops import rearrange
from transformers import (BertConfig, BertLMHeadModel, BertModel,
                          TimesformerConfig, TimesformerModel)

from mcg.encoders.convert import hf_timesformer_to_mcg
from mcg.models.convert import convert_official_checkpoint
from mcg.registry import MODELS
from mcg.structures import VideoQADataSample

D, LAYERS, FRAMES, IMG, VOCAB = 32, 2, 4, 32, 30524


def reference_models():
    torch.manual_seed(0)
    video = TimesformerModel(TimesformerConfig(
        image_size=IMG, patch_size=16, num_frames=FRAMES, hidden_size=D,
        num_hidden_layers=LAYERS, num_attention_heads=2,
        intermediate_size=4 * D)).eval()
    bert_kw = dict(vocab_size=VOCAB, hidden_size=D, num_hidden_layers=LAYERS,
                   num_attention_heads=2, intermediate_size=4 * D,
                   hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    text = BertModel(BertConfig(**bert_kw), add_pooling_layer=False).eval()
    dec = BertLMHeadModel(BertConfig(**bert_kw, is_decoder=True,
                                     add_cross_attention=True)).eval()
    for m in (text, dec):
        m.config._attn_implementation = 'eager'
    with torch.no_grad():
        for name, p in video.named_parameters():
            if 'time_embeddings' in name or 'layernorm' in name:
                p.add_(torch.randn_like(p) * 0.1)
        for m in (text, dec.bert):        # med.py BERT: no token types
            m.embeddings.token_type_embeddings.weight.zero_()
        # mcg's generator reads the text encoder's embeddings; the official
        # decoder has its own. Equal values make the two comparable.
        for part in ('word_embeddings', 'position_embeddings', 'LayerNorm'):
            getattr(dec.bert.embeddings, part).load_state_dict(
                getattr(text.embeddings, part).state_dict())
        dec.cls.predictions.bias.normal_(std=0.1)
    return video, text, dec


def official_state_dict(video, text, dec):
    """The reference weights under the official McgForOpenEnded key names."""
    sd = {'visual_encoder.model.' + k: v for k, v in
          hf_timesformer_to_mcg(video.state_dict()).state_dict.items()}
    sd['visual_encoder.model.head.weight'] = torch.randn(400, D)
    sd['visual_encoder.model.head.bias'] = torch.randn(400)
    for k, v in text.state_dict().items():
        if 'token_type' not in k:
            sd['text_encoder.' + k] = v
    for k, v in dec.state_dict().items():
        if 'token_type' not in k:
            sd['text_decoder.' + k] = v
    for i in range(LAYERS):   # unused cross-attention of the text encoder
        for p in ('self.query', 'self.key', 'self.value', 'output.dense'):
            sd[f'text_encoder.encoder.layer.{i}.crossattention.{p}.weight'] = (
                torch.randn(D, D))
            sd[f'text_encoder.encoder.layer.{i}.crossattention.{p}.bias'] = (
                torch.randn(D))
        for p in ('weight', 'bias'):
            sd[f'text_encoder.encoder.layer.{i}.crossattention.output.'
               f'LayerNorm.{p}'] = torch.randn(D)
    sd.update({'temp': torch.tensor(0.07), 'vision_proj.weight':
               torch.randn(8, D), 'vision_proj.bias': torch.randn(8),
               'text_proj.weight': torch.randn(8, D),
               'text_proj.bias': torch.randn(8)})
    return sd


def variant_model(micro_cfg):
    cfg = copy.deepcopy(micro_cfg.model)
    # The QA model only: converters drop the pre-training heads (ICL).
    cfg['losses'] = dict(lm=cfg['losses']['lm'])
    cfg['video_encoder'].update(img_size=IMG, num_frames=FRAMES, depth=LAYERS,
                                output='mean')
    cfg['text_encoder']['config'].update(
        num_hidden_layers=LAYERS, intermediate_size=4 * D,
        max_position_embeddings=512)
    cfg['fusor'] = dict(type='ConcatSelfAttentionFusor', embed_dims=D,
                        video_dims=D, num_layers=LAYERS, num_heads=2,
                        ffn_dims=4 * D, dropout=0.0)
    cfg['head'].update(num_layers=LAYERS, ffn_dims=4 * D, output_vocab=None)
    cfg['generator_memory'] = 'fusor'
    return MODELS.build(cfg).eval()


def test_variant_reproduces_the_official_forward(micro_cfg):
    video_ref, text_ref, dec_ref = reference_models()
    sd = official_state_dict(video_ref, text_ref, dec_ref)
    conv = convert_official_checkpoint(sd, layout='official')
    assert set(conv.mapped) | set(conv.dropped) == set(sd)
    model = variant_model(micro_cfg)
    assert conv.check_against(model.state_dict()) == []
    model.load_state_dict(conv.state_dict, strict=True)

    clips = torch.randn(2, FRAMES, 3, IMG, IMG)
    samples = []
    for i, q in enumerate(['what is red', 'who is left']):
        s = VideoQADataSample(metainfo=dict(question=q, question_id=str(i),
                                            video_index=i))
        samples.append(s)
    tok = model.tokenize_questions([s.question for s in samples], 'cpu')
    assert bool(tok['attention_mask'].all())      # no padding, see docstring
    answer = torch.tensor([[30522, 2417, 2598, 102]] * 2)   # [DEC] ... [SEP]
    with torch.no_grad():
        feats = model.extract_feat(clips, samples)
        states = model.head.decode_states(answer, feats['memory'],
                                          feats['memory_mask'])
        logits = model.head.logits(states)

        v = video_ref(pixel_values=clips).last_hidden_state
        patches = rearrange(v[:, 1:], 'b (n t) d -> b t n d', t=FRAMES)
        v = torch.cat([v[:, :1], patches.mean(1)], 1)     # pooling='temporal'
        q = text_ref(input_ids=tok['input_ids'],
                     attention_mask=tok['attention_mask']).last_hidden_state
        fused = text_ref.encoder(torch.cat([q, v], 1)).last_hidden_state
        ref = dec_ref(input_ids=answer, encoder_hidden_states=fused,
                      use_cache=False).logits
    assert (feats['fused'] - fused).abs().max() <= 1e-4
    assert (logits - ref[..., :30523]).abs().max() <= 1e-4
