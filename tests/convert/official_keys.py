"""State dicts with the official MCG / ALPRO key names and shapes.

Written from the key layout in ``shared/reference/official_code_notes.md`` §5
(McgForOpenEnded, McgForPretrain) and from ALPRO's ``alpro_models.py`` /
``xbert.py`` (text layers without cross-attention, token-type embeddings,
``text_encoder.bert.*`` in pre-training checkpoints), independently of the
converter's rules. ``aliases`` lists keys that share storage with another key
in the real models (tied LM decoder weights, ``decoder.bias`` = ``bias``), so
unique parameter counts can be checked against the notes' arithmetic.
"""
from typing import Dict, List, Tuple

import torch

Shapes = Dict[str, Tuple[int, ...]]


def timesformer(prefix: str, dims: int, depth: int, frames: int,
                num_patches: int, patch: int = 16, classes: int = 400
                ) -> Shapes:
    out = {f'{prefix}cls_token': (1, 1, dims),
           f'{prefix}pos_embed': (1, num_patches + 1, dims),
           f'{prefix}time_embed': (1, frames, dims),
           f'{prefix}patch_embed.proj.weight': (dims, 3, patch, patch),
           f'{prefix}patch_embed.proj.bias': (dims,),
           f'{prefix}norm.weight': (dims,), f'{prefix}norm.bias': (dims,),
           f'{prefix}head.weight': (classes, dims),
           f'{prefix}head.bias': (classes,)}
    for i in range(depth):
        b = f'{prefix}blocks.{i}.'
        for norm in ('norm1', 'temporal_norm1', 'norm2'):
            out[b + norm + '.weight'] = out[b + norm + '.bias'] = (dims,)
        for attn in ('attn', 'temporal_attn'):
            out[f'{b}{attn}.qkv.weight'] = (3 * dims, dims)
            out[f'{b}{attn}.qkv.bias'] = (3 * dims,)
            out[f'{b}{attn}.proj.weight'] = (dims, dims)
            out[f'{b}{attn}.proj.bias'] = (dims,)
        out[b + 'temporal_fc.weight'] = (dims, dims)
        out[b + 'temporal_fc.bias'] = (dims,)
        out[b + 'mlp.fc1.weight'] = (4 * dims, dims)
        out[b + 'mlp.fc1.bias'] = (4 * dims,)
        out[b + 'mlp.fc2.weight'] = (dims, 4 * dims)
        out[b + 'mlp.fc2.bias'] = (dims,)
    return out


def bert(prefix: str, dims: int, layers: int, vocab: int, cross: bool,
         token_type: bool, max_pos: int = 512) -> Shapes:
    """BERT embeddings + layers (HF / BLIP med.py names)."""
    ffn = 4 * dims
    out = {f'{prefix}embeddings.position_ids': (1, max_pos),
           f'{prefix}embeddings.word_embeddings.weight': (vocab, dims),
           f'{prefix}embeddings.position_embeddings.weight': (max_pos, dims),
           f'{prefix}embeddings.LayerNorm.weight': (dims,),
           f'{prefix}embeddings.LayerNorm.bias': (dims,)}
    if token_type:
        out[f'{prefix}embeddings.token_type_embeddings.weight'] = (2, dims)
    attns = ['attention'] + (['crossattention'] if cross else [])
    for i in range(layers):
        b = f'{prefix}encoder.layer.{i}.'
        for a in attns:
            for p in ('query', 'key', 'value'):
                out[f'{b}{a}.self.{p}.weight'] = (dims, dims)
                out[f'{b}{a}.self.{p}.bias'] = (dims,)
            out[f'{b}{a}.output.dense.weight'] = (dims, dims)
            out[f'{b}{a}.output.dense.bias'] = (dims,)
            out[f'{b}{a}.output.LayerNorm.weight'] = (dims,)
            out[f'{b}{a}.output.LayerNorm.bias'] = (dims,)
        out[b + 'intermediate.dense.weight'] = (ffn, dims)
        out[b + 'intermediate.dense.bias'] = (ffn,)
        out[b + 'output.dense.weight'] = (dims, ffn)
        out[b + 'output.dense.bias'] = (dims,)
        out[b + 'output.LayerNorm.weight'] = (dims,)
        out[b + 'output.LayerNorm.bias'] = (dims,)
    return out


def lm_head(prefix: str, dims: int, vocab: int) -> Shapes:
    return {f'{prefix}predictions.bias': (vocab,),
            f'{prefix}predictions.transform.dense.weight': (dims, dims),
            f'{prefix}predictions.transform.dense.bias': (dims,),
            f'{prefix}predictions.transform.LayerNorm.weight': (dims,),
            f'{prefix}predictions.transform.LayerNorm.bias': (dims,),
            f'{prefix}predictions.decoder.weight': (vocab, dims),
            f'{prefix}predictions.decoder.bias': (vocab,)}


def mcg_official(dims=768, text_layers=12, decoder_layers=12, video_depth=12,
                 frames=16, num_patches=196, vocab=30524, proj=256, qa=True
                 ) -> Tuple[Shapes, List[str]]:
    """McgForOpenEnded (``qa``) or McgForPretrain keys; returns aliases too."""
    out = {'temp': (), 'vision_proj.weight': (proj, dims),
           'vision_proj.bias': (proj,), 'text_proj.weight': (proj, dims),
           'text_proj.bias': (proj,)}
    out.update(timesformer('visual_encoder.model.', dims, video_depth, frames,
                           num_patches))
    out.update(bert('text_encoder.', dims, text_layers, vocab, cross=True,
                    token_type=False))
    out.update(lm_head('text_encoder.cls.', dims, vocab))
    aliases = ['text_encoder.cls.predictions.decoder.bias']
    if qa:
        out.update(bert('text_decoder.bert.', dims, decoder_layers, vocab,
                        cross=True, token_type=False))
        out.update(lm_head('text_decoder.bert.cls.', dims, vocab))
        out.update(lm_head('text_decoder.cls.', dims, vocab))
        aliases += ['text_decoder.bert.cls.predictions.decoder.bias',
                    'text_decoder.cls.predictions.decoder.bias',
                    # tied to text_decoder.bert.embeddings.word_embeddings
                    'text_decoder.cls.predictions.decoder.weight']
    return out, aliases


def alpro(dims=768, layers=12, video_depth=12, frames=4, num_patches=196,
          vocab=30522, proj=256, qa=False, entities=1000, prompter=True
          ) -> Tuple[Shapes, List[str]]:
    """AlproForPretrain (with prompter) or AlproForSequenceClassification.

    The MLM decoder of ``BertForMaskedLM`` is tied to the word embeddings.
    """
    out = {'temp': (), 'vision_proj.weight': (proj, dims),
           'vision_proj.bias': (proj,), 'text_proj.weight': (proj, dims),
           'text_proj.bias': (proj,), 'itm_head.weight': (2, dims),
           'itm_head.bias': (2,)}
    out.update(timesformer('visual_encoder.model.', dims, video_depth, frames,
                           num_patches))
    if qa:
        out.update(bert('text_encoder.', dims, layers, vocab, cross=False,
                        token_type=True))
        out.update({'classifier.0.weight': (2 * dims, dims),
                    'classifier.0.bias': (2 * dims,),
                    'classifier.2.weight': (1500, 2 * dims),
                    'classifier.2.bias': (1500,)})
        return out, []
    out.update(bert('text_encoder.bert.', dims, layers, vocab, cross=False,
                    token_type=True))
    out.update(lm_head('text_encoder.cls.', dims, vocab))
    aliases = ['text_encoder.cls.predictions.decoder.bias',
               'text_encoder.cls.predictions.decoder.weight']
    if not prompter:
        return out, aliases
    out.update({'mpm_head.0.weight': (2 * dims, dims),
                'mpm_head.0.bias': (2 * dims,),
                'mpm_head.2.weight': (entities, 2 * dims),
                'mpm_head.2.bias': (entities,)})
    teacher, teacher_aliases = alpro(dims, layers, video_depth, frames,
                                     num_patches, vocab, proj, prompter=False)
    out.update({'prompter.' + k: v for k, v in teacher.items()})
    out['prompter.video_prompt_feat'] = (entities, proj)
    out['prompter.image_prompt_feat'] = (entities, proj)
    return out, aliases + ['prompter.' + k for k in teacher_aliases]


def unique_params(shapes: Shapes, aliases: List[str]) -> int:
    """Parameters counted once, without buffers (position_ids, prompts)."""
    total = 0
    for key, shape in shapes.items():
        if key in aliases or key.endswith(('position_ids', '_prompt_feat')):
            continue
        n = 1
        for s in shape:
            n *= s
        total += n
    return total


def materialise(shapes: Shapes, seed: int = 0) -> Dict[str, torch.Tensor]:
    """Random tensors of those shapes (long ``position_ids`` as in BERT)."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, shape in shapes.items():
        if key.endswith('position_ids'):
            out[key] = torch.arange(shape[-1]).expand(shape)
        else:
            out[key] = torch.randn(shape, generator=g) * 0.02
    return out


def placeholders(shapes: Shapes) -> Dict[str, torch.Tensor]:
    """Stride-0 tensors of those shapes: full-size key sets, no memory."""
    zero = torch.zeros(())
    return {k: zero.expand(s) for k, s in shapes.items()}
