"""Official MCG / ALPRO checkpoints -> mcg, on synthesised state dicts."""
import copy

import pytest
import torch

from mcg.weights.conversion import UnmappedKeysError
from mcg.weights.official import convert_official_checkpoint
from mcg.registry import MODELS
from . import official_keys as ok


def covered(conv, sd):
    """Every source key is mapped or dropped, never both."""
    assert set(conv.mapped) | set(conv.dropped) == set(sd)
    assert not set(conv.mapped) & set(conv.dropped)


# -- key coverage at full size ------------------------------------------------
def test_synthesised_keys_match_the_notes_parameter_counts():
    # official_code_notes.md §6: 445,236,037 (T=16), McgForPretrain (T=4)
    # 283,280,589, ALPRO 231.5M (234.3M with its QA classifier).
    assert ok.unique_params(*ok.mcg_official()) == 445_236_037
    assert ok.unique_params(*ok.mcg_official(frames=4, qa=False)) == (
        283_280_589)
    assert round(ok.unique_params(*ok.alpro(frames=16, prompter=False))
                 / 1e5) == 2315
    assert round(ok.unique_params(*ok.alpro(frames=16, qa=True)) / 1e5) == (
        2343)


@pytest.mark.parametrize('layout', ['paper', 'official'])
@pytest.mark.parametrize('qa', [True, False])
def test_full_size_mcg_checkpoint_every_key_mapped_or_dropped(layout, qa):
    sd = ok.placeholders(ok.mcg_official(frames=16, qa=qa)[0])
    conv = convert_official_checkpoint(sd, layout=layout, num_patches=576,
                                       num_frames=8)
    covered(conv, sd)
    out = conv.state_dict
    assert out['video_encoder.pos_embed'].shape == (1, 577, 768)
    assert out['video_encoder.time_embed'].shape == (1, 8, 768)
    assert out['text_encoder.bert.embeddings.word_embeddings.weight'].shape \
        == (30523, 768)
    text_layers = {k.split('.')[4] for k in out
                   if k.startswith('text_encoder.bert.encoder.layer.')}
    assert len(text_layers) == (6 if layout == 'paper' else 12)
    blocks = {k.split('.')[2] for k in out if k.startswith('fusor.blocks.')}
    assert len(blocks) == (6 if layout == 'paper' else 12)
    heads = {k.split('.')[2] for k in out if k.startswith('head.blocks.')}
    assert len(heads) == ((6 if layout == 'paper' else 12) if qa else 0)
    for key in ('temp', 'vision_proj.weight',
                'text_encoder.cls.predictions.decoder.weight',
                'visual_encoder.model.head.weight',
                'text_encoder.embeddings.position_ids'):
        assert key in conv.dropped, key
    if qa:
        assert 'text_decoder.bert.cls.predictions.bias' in conv.dropped
        assert 'text_decoder.cls.predictions.decoder.weight' in conv.dropped
        assert conv.mapped['text_decoder.cls.predictions.bias'] == [
            'head.lm_bias']


@pytest.mark.parametrize('qa', [True, False])
def test_full_size_alpro_checkpoint_every_key_mapped_or_dropped(qa):
    sd = ok.placeholders(ok.alpro(qa=qa)[0])
    conv = convert_official_checkpoint(sd, layout='paper')
    covered(conv, sd)
    assert 'text_encoder.bert.embeddings.token_type_embeddings.weight' in (
        conv.state_dict)
    assert not conv.added.keys() - {
        'text_encoder.bert.embeddings.word_embeddings.weight'}
    assert all(k.startswith(('video_encoder.', 'text_encoder.', 'fusor.'))
               for k in conv.state_dict)


def test_unknown_key_is_an_error_not_ignored():
    sd = ok.placeholders(ok.mcg_official(text_layers=2, decoder_layers=2,
                                         video_depth=1, dims=32)[0])
    sd['text_encoder.encoder.layer.0.attention.self.rel_pos.weight'] = (
        torch.zeros(3))
    with pytest.raises(UnmappedKeysError, match='rel_pos'):
        convert_official_checkpoint(sd)


# -- against mcg models (small widths, official names) ------------------------
D = 32


def small_model(micro_cfg, layout, share=False, text_layers=4,
                dec_layers=4, own_embeddings=None):
    cfg = copy.deepcopy(micro_cfg.model)
    # The QA model only: converters drop the pre-training heads (ICL).
    cfg['losses'] = dict(lm=cfg['losses']['lm'])
    cfg['head']['output_vocab'] = None
    cfg['video_encoder'].update(depth=2, img_size=32, num_frames=4)
    cfg['text_encoder']['config'].update(num_hidden_layers=text_layers // 2,
                                         max_position_embeddings=512)
    cfg['fusor']['num_layers'] = text_layers // 2
    cfg['head']['num_layers'] = dec_layers // 2
    if layout == 'official':
        cfg['video_encoder']['output'] = 'mean'
        cfg['text_encoder']['config']['num_hidden_layers'] = text_layers
        cfg['fusor'] = dict(type='ConcatSelfAttentionFusor', embed_dims=D,
                            video_dims=D, num_layers=text_layers, num_heads=2,
                            ffn_dims=4 * D, dropout=0.0,
                            share_text_encoder=share)
        cfg['head']['num_layers'] = dec_layers
        cfg['head']['ffn_dims'] = 4 * D
        # As the official-layout config: the decoder's own embeddings.
        cfg['head']['own_embeddings'] = (True if own_embeddings is None
                                         else own_embeddings)
        cfg['generator_memory'] = 'fusor'
    cfg['text_encoder']['config']['intermediate_size'] = 4 * D
    if layout == 'paper':
        cfg['fusor']['ffn_dims'] = 4 * D
        cfg['head']['ffn_dims'] = 4 * D
    model = MODELS.build(cfg)
    if share:
        model.fusor.bind(model.text_encoder)
    return model.eval()


def small_official(qa=True, text_layers=4, dec_layers=4, seed=0):
    shapes, _ = ok.mcg_official(dims=D, text_layers=text_layers,
                                decoder_layers=dec_layers, video_depth=2,
                                frames=4, num_patches=4, qa=qa)
    return ok.materialise(shapes, seed)


def test_paper_layout_fills_the_mcg_model(micro_cfg):
    model = small_model(micro_cfg, 'paper')
    sd = small_official()
    conv = convert_official_checkpoint(sd, layout='paper')
    covered(conv, sd)
    assert conv.check_against(model.state_dict()) == ['fusor.fus_token']
    model.load_state_dict(conv.state_dict, strict=False)
    t, f, h = model.text_encoder.bert, model.fusor, model.head
    # Text layers 0-1 -> encoder, 2-3 -> fusor (with their cross-attention),
    # decoder layers 2-3 -> generator.
    assert torch.equal(t.encoder.layer[1].output.dense.weight,
                       sd['text_encoder.encoder.layer.1.output.dense.weight'])
    assert torch.equal(
        f.blocks[0].self_attn.query.weight,
        sd['text_encoder.encoder.layer.2.attention.self.query.weight'])
    assert torch.equal(
        f.blocks[1].cross_out.LayerNorm.bias,
        sd['text_encoder.encoder.layer.3.crossattention.output.LayerNorm.'
           'bias'])
    assert torch.equal(
        h.blocks[0].cross_attn.key.weight,
        sd['text_decoder.bert.encoder.layer.2.crossattention.self.key.'
           'weight'])
    assert torch.equal(h.lm_transform[2].weight, sd[
        'text_decoder.cls.predictions.transform.LayerNorm.weight'])
    words = t.embeddings.word_embeddings.weight
    assert words.shape[0] == 30523
    assert torch.equal(words[:30522], sd[
        'text_encoder.embeddings.word_embeddings.weight'][:30522])
    gen = model.head.gen_id
    assert gen == 30522 and torch.equal(words[gen], sd[
        'text_decoder.bert.embeddings.word_embeddings.weight'][30522])
    assert not t.embeddings.token_type_embeddings.weight.any()
    assert torch.equal(model.video_encoder.pos_embed,
                       sd['visual_encoder.model.pos_embed'])


@pytest.mark.parametrize('share', [False, True])
def test_official_layout_fills_the_variant_model(micro_cfg, share):
    model = small_model(micro_cfg, 'official', share=share)
    sd = small_official()
    conv = convert_official_checkpoint(sd, layout='official',
                                       share_fusor=share)
    covered(conv, sd)
    assert conv.check_against(model.state_dict()) == []
    assert any('crossattention' in k for k in conv.dropped)


def test_official_layout_keeps_the_decoder_embeddings(micro_cfg):
    sd = small_official()
    conv = convert_official_checkpoint(sd, layout='official')
    model = small_model(micro_cfg, 'official')
    model.load_state_dict(conv.state_dict, strict=True)
    own, dec = model.head.own_embeddings, 'text_decoder.bert.embeddings.'
    assert model.head.embeddings is own
    # Rows 0-30522: bert-base-uncased and [DEC] (= [GEN]); [ENC] is unused.
    assert torch.equal(own.word_embeddings.weight,
                       sd[dec + 'word_embeddings.weight'][:30523])
    assert torch.equal(own.position_embeddings.weight,
                       sd[dec + 'position_embeddings.weight'])
    assert torch.equal(own.LayerNorm.bias, sd[dec + 'LayerNorm.bias'])
    # The LM head is tied to the decoder's words, not the encoder's.
    words = model.text_encoder.bert.embeddings.word_embeddings.weight
    assert not torch.equal(own.word_embeddings.weight[:100], words[:100])
    # Official questions start with [ENC] (row 30523), mcg's with [CLS].
    enc = sd['text_encoder.embeddings.word_embeddings.weight']
    assert torch.equal(words[101], enc[30523])
    assert torch.equal(words[102:30522], enc[102:30522])


def test_shared_decoder_embeddings_option_keeps_the_previous_mapping(
        micro_cfg):
    sd = small_official()
    conv = convert_official_checkpoint(sd, layout='official',
                                       own_decoder_embeddings=False,
                                       enc_as_cls=False)
    model = small_model(micro_cfg, 'official', own_embeddings=False)
    assert conv.check_against(model.state_dict()) == []
    assert 'text_decoder.bert.embeddings.LayerNorm.weight' in conv.dropped
    assert torch.equal(
        conv.state_dict['text_encoder.bert.embeddings.word_embeddings.'
                        'weight'][:30522],
        sd['text_encoder.embeddings.word_embeddings.weight'][:30522])


def test_alpro_fills_text_and_fusion_but_not_the_generator(micro_cfg):
    shapes, _ = ok.alpro(dims=D, layers=4, video_depth=2, frames=4,
                         num_patches=4)
    sd = ok.materialise(shapes)
    conv = convert_official_checkpoint(sd, layout='official')
    covered(conv, sd)
    assert all(k.startswith('text_encoder.bert.') for k in conv.mapped
               if 'text_encoder' in k)     # reported under its own names
    model = small_model(micro_cfg, 'official', text_layers=2)
    model.fusor = MODELS.build(dict(
        type='ConcatSelfAttentionFusor', embed_dims=D, video_dims=D,
        num_layers=2, num_heads=2, ffn_dims=4 * D))
    missing = conv.check_against(model.state_dict())
    assert missing and all(k.startswith('head.') for k in missing)
    assert torch.equal(
        conv.state_dict['fusor.blocks.1.output.dense.weight'],
        sd['text_encoder.bert.encoder.layer.3.output.dense.weight'])
