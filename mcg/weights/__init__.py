"""Loading and converting pretrained weights (below encoders, fusors, heads).

Converters return a :class:`Conversion` that records what happened to every
source key; loaders put BERT, ViT and TimeSformer weights into mcg's modules.
"""
from .bert import (init_bert_style, load_bert_layers, load_bert_lm_head,
                   load_hf_state_dict)
from .conversion import (Conversion, Handler, Rule, UnmappedKeysError,
                         apply_rules)
from .official import convert_official_checkpoint, layer_plan
from .video_encoder import (hf_timesformer_rules, hf_timesformer_to_mcg,
                            hf_to_mcg_tokens, mcg_to_hf_tokens,
                            resize_pos_embed_2d, resize_time_embed,
                            resizing_handler, timesformer_rules,
                            timm_vit_to_mcg)
from .video_encoder_loading import (CHECKPOINT_SUFFIXES, load_timm_vit,
                                    read_state_dict, timm_vit_to_timesformer)

__all__ = [
    'CHECKPOINT_SUFFIXES', 'Conversion', 'Handler', 'Rule',
    'UnmappedKeysError', 'apply_rules', 'convert_official_checkpoint',
    'hf_timesformer_rules', 'hf_timesformer_to_mcg', 'hf_to_mcg_tokens',
    'init_bert_style', 'layer_plan', 'load_bert_layers', 'load_bert_lm_head',
    'load_hf_state_dict', 'load_timm_vit', 'mcg_to_hf_tokens',
    'read_state_dict', 'resize_pos_embed_2d', 'resize_time_embed',
    'resizing_handler', 'timesformer_rules',
    'timm_vit_to_mcg', 'timm_vit_to_timesformer'
]
