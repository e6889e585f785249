"""Convert official MCG (OpenMICG/mcg) and ALPRO checkpoints into mcg models.

Key layouts are those of ``docs/model.md`` ("Checkpoint conversion") and of
the official code notes: ``visual_encoder.model.*`` (original TimeSformer
names, which mcg's encoder keeps), ``text_encoder.*`` (BLIP ``med.py`` BERT:
no token-type embeddings, cross-attention in every layer, an MLM head),
``text_decoder.{bert,cls}.*`` (a 12-layer BERT decoder with its own
embeddings and tied LM head), plus pre-training extras. ALPRO checkpoints use
``text_encoder.bert.*`` (renamed to ``text_encoder.*`` first, as the official
loader does), have token-type embeddings and no decoder.

Two target layouts:

* ``'paper'``: mcg's default model (6-layer text encoder, 6 cross-attention
  fusor blocks with ``[FUS]``, 6 generator blocks). Text layers 0-5 go to the
  text encoder, 6-11 (with their cross-attention, if any) to the fusor, and
  the last six decoder layers to the generator. For an official MCG checkpoint
  this is a re-arrangement (the official model has no such split): a starting
  point, not the same function.
* ``'official'``: ``configs/mcg/variants/mcg_official-layout_anetqa_8f.py``
  (:class:`~mcg.fusors.ConcatSelfAttentionFusor`). Official MCG: 12 text
  layers, the fusor a copy of them (or nothing when it shares the text
  encoder's layers), 12 generator blocks. ALPRO: text layers 0-5, fusor 6-11.

The decoder's own embeddings (word, position, LayerNorm) go to the
generator's own embeddings (``head.own_embeddings``, ``own_embeddings=True``),
the default for the official layout; its ``[DEC]`` row becomes mcg's
``[GEN]`` row (both are the first token added after the 30522
bert-base-uncased tokens). With ``own_decoder_embeddings=False`` (the paper
layout's default) mcg's generator shares the text encoder's embeddings and
only the ``[DEC]`` row is kept, as ``[GEN]`` of the shared word embeddings.
Official questions start with ``[ENC]`` (row 30523), mcg's with ``[CLS]``;
``enc_as_cls`` (official layout's default, QA checkpoints only) writes the
``[ENC]`` row into the text encoder's ``[CLS]`` row so that mcg's tokens
embed as the official ones.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional

import torch
from torch import Tensor

from mcg.layers.transformer_block import bert_layer_key_map
from .conversion import Conversion, Rule, apply_rules
from .video_encoder import timesformer_rules

#: Rows of the bert-base-uncased vocabulary; official MCG appends [DEC], [ENC].
BERT_VOCAB = 30522
#: bert-base-uncased's [CLS] id, which starts mcg's questions.
BERT_CLS = 101

_SA_FFN = ('attention.self.query', 'attention.self.key',
           'attention.self.value', 'attention.output.dense',
           'attention.output.LayerNorm', 'intermediate.dense', 'output.dense',
           'output.LayerNorm')
_CA = {
    'crossattention.self.query': 'cross_attn.query',
    'crossattention.self.key': 'cross_attn.key',
    'crossattention.self.value': 'cross_attn.value',
    'crossattention.output.dense': 'cross_out.dense',
    'crossattention.output.LayerNorm': 'cross_out.LayerNorm',
}
_DROP_EXTRAS = [
    (r'(temp|vision_proj\.(weight|bias)|text_proj\.(weight|bias))',
     'contrastive (ICL) projections / temperature: pre-training only, not '
     'part of the QA model'),
    (r'itm_head\.(weight|bias)', 'VTM head: pre-training only'),
    (r'mpm_head\..*', 'ALPRO masked-patch-prediction head: pre-training only'),
    (r'prompter\..*', 'ALPRO prompter (pseudo-label teacher): pre-training '
     'only'),
    (r'classifier\..*', 'ALPRO answer classifier: mcg generates answers'),
    (r'text_encoder\.cls\..*', 'MLM head of the text encoder: pre-training '
     'only (MLM is not in the paper)'),
    (r'text_decoder\.bert\.cls\..*', 'second MLM head of the decoder: never '
     'used by the official code'),
    (r'.*\.pooler\.dense\.(weight|bias)', 'BERT pooler: unused'),
    (r'.*embeddings\.position_ids', 'buffer (0..511), rebuilt by BertModel'),
]


def layer_plan(source: str, layout: str, text_depth: int = 12,
               decoder_depth: int = 12, share_fusor: bool = False
               ) -> Dict[str, object]:
    """Which source layers feed which target module.

    Args:
        source: ``'mcg'`` or ``'alpro'``.
        layout: ``'paper'`` or ``'official'``.
        text_depth: Layers of the source text encoder (12 for BERT-base).
        decoder_depth: Layers of the source decoder (12 in official MCG).
        share_fusor: Official layout with a fusor sharing the text encoder's
            layers (nothing to copy into the fusor).

    Returns:
        Dict with ``text`` (text-encoder layers, in order), ``fusor`` (text
        layers copied into fusor blocks 0..), ``fusor_cross`` (the fusor
        blocks have cross-attention, which the text layers' cross-attention
        initialises) and ``decoder`` (decoder layers copied into generator
        blocks 0..).
    """
    if source not in ('mcg', 'alpro') or layout not in ('paper', 'official'):
        raise ValueError(f'unknown source/layout {source!r}/{layout!r}')
    half = text_depth // 2
    if layout == 'official' and source == 'mcg':
        return dict(text=list(range(text_depth)),
                    fusor=[] if share_fusor else list(range(text_depth)),
                    fusor_cross=False, decoder=list(range(decoder_depth)))
    # Paper layout, and ALPRO's own arrangement: the first half of the text
    # layers encode the question, the second half fuse.
    return dict(text=list(range(half)), fusor=list(range(half, text_depth)),
                fusor_cross=layout == 'paper',
                decoder=list(range(decoder_depth - decoder_depth // 2,
                                   decoder_depth)))


def _depth(keys, prefix: str) -> int:
    pat = re.compile(re.escape(prefix) + r'(\d+)\.')
    found = [int(m.group(1)) for k in keys for m in [pat.match(k)] if m]
    return max(found) + 1 if found else 0


def convert_official_checkpoint(
        state_dict: Dict[str, Tensor], layout: str = 'paper',
        source: Optional[str] = None, num_patches: Optional[int] = None,
        num_frames: Optional[int] = None, vocab_size: int = BERT_VOCAB + 1,
        share_fusor: bool = False,
        own_decoder_embeddings: Optional[bool] = None,
        enc_as_cls: Optional[bool] = None) -> Conversion:
    """Convert an official MCG or ALPRO state dict into an mcg model's keys.

    Every source key is mapped or dropped with a reason; an unknown key raises
    :class:`~mcg.weights.conversion.UnmappedKeysError`.

    Args:
        state_dict: The checkpoint's model state dict.
        layout: ``'paper'`` or ``'official'`` (see the module docstring).
        source: ``'mcg'`` or ``'alpro'``; None detects it (token-type
            embeddings only exist in ALPRO).
        num_patches: Patches per frame of the target video encoder (e.g. 576
            for 384 px); None keeps the checkpoint's.
        num_frames: Frames of the target encoder; None keeps the checkpoint's.
        vocab_size: Rows of the target word embeddings (bert-base-uncased
            plus ``[GEN]`` = 30523).
        share_fusor: The target fusor shares the text encoder's layers.
        own_decoder_embeddings: The target generator has its own embeddings
            (``own_embeddings=True``), which the decoder's fill; None = True
            for the official layout.
        enc_as_cls: Put the ``[ENC]`` row of a QA checkpoint (one with a
            decoder) into the ``[CLS]`` row; None = True for the official
            layout.

    Returns:
        The conversion, keys as in ``MCGVideoQA.state_dict()``.
    """
    sd = {re.sub(r'^text_encoder\.bert\.', 'text_encoder.', k): v
          for k, v in state_dict.items()}
    renamed = {re.sub(r'^text_encoder\.bert\.', 'text_encoder.', k): k
               for k in state_dict}
    if source is None:
        source = ('alpro' if 'text_encoder.embeddings.token_type_embeddings.'
                  'weight' in sd else 'mcg')
    plan = layer_plan(source, layout,
                      _depth(sd, 'text_encoder.encoder.layer.'),
                      _depth(sd, 'text_decoder.bert.encoder.layer.'),
                      share_fusor)
    official = layout == 'official'
    own = official if own_decoder_embeddings is None else own_decoder_embeddings
    words: Dict[str, Tensor] = {}
    rules: List[Rule] = timesformer_rules(
        'visual_encoder.model.', 'video_encoder.', num_patches, num_frames)
    rules += _text_rules(plan, words)
    rules += _decoder_rules(plan, words, vocab_size, own)
    rules += [(p, _dropper(r)) for p, r in _DROP_EXTRAS]
    conv = apply_rules(sd, rules)
    _compose_word_embeddings(conv, words, vocab_size,
                             official if enc_as_cls is None else enc_as_cls)
    if 'text_encoder.embeddings.token_type_embeddings.weight' not in sd:
        dims = words['encoder'].shape[1]
        conv.add('text_encoder.bert.embeddings.token_type_embeddings.weight',
                 words['encoder'].new_zeros(2, dims),
                 'zero: the official BERT has no token-type embeddings, so '
                 'adding zeros keeps its embeddings unchanged')
    # Report under the checkpoint's own key names.
    conv.mapped = {renamed[k]: v for k, v in conv.mapped.items()}
    conv.dropped = {renamed[k]: v for k, v in conv.dropped.items()}
    return conv


def _dropper(reason: str):
    def drop(m, key, value, conv):
        conv.drop(key, reason)
    return drop


def _text_rules(plan: Dict[str, object],
                words: Dict[str, Tensor]) -> List[Rule]:
    text_pos = {src: dst for dst, src in enumerate(plan['text'])}
    fusor_pos = {src: dst for dst, src in enumerate(plan['fusor'])}
    fusor_keys = {}
    for src, dst in fusor_pos.items():
        fusor_keys.update(bert_layer_key_map(
            f'text_encoder.encoder.layer.{src}.', f'fusor.blocks.{dst}.'))

    def embeddings(m, key, value, conv):
        if m.group(1) == 'word_embeddings.weight':
            words['encoder'] = value
            conv.mapped.setdefault(key, []).append(
                'text_encoder.bert.embeddings.word_embeddings.weight '
                f'(rows < {BERT_VOCAB}, and {BERT_VOCAB} when there is no '
                'decoder; an [ENC] row is not carried over: mcg questions '
                'start with [CLS])')
            return
        conv.map(key, 'text_encoder.bert.embeddings.' + m.group(1), value)

    def layer(m, key, value, conv):
        src, name = int(m.group(1)), m.group(2)
        used = False
        if src in text_pos:
            conv.map(key, f'text_encoder.bert.encoder.layer.{text_pos[src]}.'
                     f'{name}.{m.group(3)}', value)
            used = True
        if key in fusor_keys:
            conv.map(key, fusor_keys[key], value)
            used = True
        if not used:
            conv.drop(key, 'text layer not used by the target layout')

    def cross(m, key, value, conv):
        src = int(m.group(1))
        if src in fusor_pos and plan['fusor_cross']:
            conv.map(key, f'fusor.blocks.{fusor_pos[src]}.'
                     f'{_CA[m.group(2)]}.{m.group(3)}', value)
        else:
            conv.drop(key, 'cross-attention of a text-encoder layer: never '
                      'run on the official QA path and absent from the '
                      'target')

    sa_ffn = '|'.join(re.escape(n) for n in _SA_FFN)
    ca = '|'.join(re.escape(n) for n in _CA)
    return [
        (r'text_encoder\.embeddings\.(word_embeddings\.weight|'
         r'position_embeddings\.weight|token_type_embeddings\.weight|'
         r'LayerNorm\.(?:weight|bias))', embeddings),
        (rf'text_encoder\.encoder\.layer\.(\d+)\.({sa_ffn})\.(weight|bias)',
         layer),
        (rf'text_encoder\.encoder\.layer\.(\d+)\.({ca})\.(weight|bias)',
         cross),
    ]


def _decoder_rules(plan: Dict[str, object], words: Dict[str, Tensor],
                   vocab_size: int, own: bool) -> List[Rule]:
    dec_pos = {src: dst for dst, src in enumerate(plan['decoder'])}
    sa = bert_layer_key_map('', '')  # '<name>.<p>' -> '<block name>.<p>'

    def layer(m, key, value, conv):
        src, name, p = int(m.group(1)), m.group(2), m.group(3)
        if src not in dec_pos:
            conv.drop(key, 'decoder layer beyond the generator depth of the '
                      'target layout')
            return
        local = _CA[name] + '.' + p if name in _CA else sa[f'{name}.{p}']
        conv.map(key, f'head.blocks.{dec_pos[src]}.{local}', value)

    def embeddings(m, key, value, conv):
        part = m.group(1)
        if part == 'word_embeddings.weight':
            words['decoder'] = value
            conv.mapped.setdefault(key, []).append(
                'text_encoder.bert.embeddings.word_embeddings.weight '
                f'(row {BERT_VOCAB}: [DEC] -> [GEN])')
            if own:   # rows < vocab_size: [DEC] is [GEN], [ENC] is unused
                conv.map(key, 'head.own_embeddings.' + part,
                         _fit_rows(value, vocab_size))
        elif own:
            conv.map(key, 'head.own_embeddings.' + part, value)
        else:
            conv.drop(key, "decoder's own embeddings: the target generator "
                      "shares the text encoder's (own_embeddings=False)")

    def lm(m, key, value, conv):
        part = m.group(1)
        if part == 'bias':
            conv.map(key, 'head.lm_bias', _fit_rows(value, vocab_size))
        elif part in ('decoder.weight', 'decoder.bias'):
            conv.drop(key, 'tied to the word embeddings / alias of '
                      'cls.predictions.bias')
        else:
            dst = {'transform.dense': 'head.lm_transform.0',
                   'transform.LayerNorm': 'head.lm_transform.2'}
            mod, p = part.rsplit('.', 1)
            conv.map(key, f'{dst[mod]}.{p}', value)

    sa_ffn = '|'.join(re.escape(n) for n in (*_SA_FFN, *_CA))
    return [
        (r'text_decoder\.bert\.embeddings\.(word_embeddings\.weight|'
         r'position_embeddings\.weight|LayerNorm\.(?:weight|bias))',
         embeddings),
        (rf'text_decoder\.bert\.encoder\.layer\.(\d+)\.({sa_ffn})\.'
         r'(weight|bias)', layer),
        (r'text_decoder\.cls\.predictions\.(bias|decoder\.weight|'
         r'decoder\.bias|transform\.dense\.(?:weight|bias)|'
         r'transform\.LayerNorm\.(?:weight|bias))', lm),
    ]


def _fit_rows(value: Tensor, rows: int) -> Tensor:
    """First ``rows`` rows of ``value``, zero-padded if it has fewer."""
    if value.shape[0] >= rows:
        return value[:rows].clone()
    pad = value.new_zeros((rows - value.shape[0],) + tuple(value.shape[1:]))
    return torch.cat([value, pad])


def _compose_word_embeddings(conv: Conversion, words: Dict[str, Tensor],
                             vocab_size: int, enc_as_cls: bool) -> None:
    """Target word embeddings: encoder rows, then [GEN] from [DEC]."""
    enc = words.get('encoder')
    if enc is None:
        raise KeyError('checkpoint has no text_encoder word embeddings')
    out = _fit_rows(enc, vocab_size)
    dec = words.get('decoder')
    if enc_as_cls and dec is not None and len(enc) > BERT_VOCAB + 1:
        # The official QA model's questions start with [ENC]; mcg's with
        # [CLS], which appears nowhere else in a question.
        out[BERT_CLS] = enc[BERT_VOCAB + 1]
        conv.mapped['text_encoder.embeddings.word_embeddings.weight'].append(
            f'text_encoder.bert.embeddings.word_embeddings.weight (row '
            f'{BERT_VOCAB + 1}: [ENC] -> row {BERT_CLS}: [CLS])')
    if vocab_size > BERT_VOCAB and dec is not None and len(dec) > BERT_VOCAB:
        out[BERT_VOCAB] = dec[BERT_VOCAB]
    elif vocab_size > BERT_VOCAB and len(enc) <= BERT_VOCAB:
        torch.nn.init.normal_(out[BERT_VOCAB:], std=0.02)
        conv.added['text_encoder.bert.embeddings.word_embeddings.weight'] = (
            f'rows >= {BERT_VOCAB} ([GEN]) drawn from N(0, 0.02): the source '
            'has no such token')
    conv.state_dict['text_encoder.bert.embeddings.word_embeddings.weight'] = (
        out)

