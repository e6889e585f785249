"""BERT weights for mcg's transformer blocks: layers, MLM head and init.

The fusor and the answer generator are stacks of BERT-layout blocks
(:class:`~mcg.layers.transformer_block.TransformerBlock`), so both start from
the layers of a Hugging Face BERT checkpoint; the generator's LM head also
starts from BERT's MLM head where the checkpoint has one.
"""
from __future__ import annotations

from typing import Dict, Sequence

import torch
from torch import Tensor, nn
from transformers import BertForMaskedLM, BertModel

from mcg.layers.transformer_block import bert_layer_key_map
from mcg.utils.pretrained import load_or_explain


def load_hf_state_dict(name_or_path: str, asset: str,
                       config_key: str) -> Dict[str, Tensor]:
    """Load a Hugging Face BERT checkpoint's state dict (``BertModel`` keys).

    Args:
        name_or_path: Hub id, local directory or ``package://`` reference.
        asset: Description for error messages.
        config_key: Config key to override, for error messages.

    Returns:
        The state dict, keys like ``encoder.layer.6.attention.self.query.weight``.
    """
    def _load(path: str) -> Dict[str, Tensor]:
        return BertModel.from_pretrained(path, add_pooling_layer=False
                                         ).state_dict()
    return load_or_explain(_load, name_or_path, asset, config_key)


def load_bert_layers(module: nn.Module, pretrained: str,
                     layers: Sequence[int], config_key: str) -> None:
    """Copy HF BERT layers ``layers`` into ``module.blocks`` (in order).

    Cross-attention parameters are left to their fresh init.

    Args:
        module: A module whose ``blocks`` are BERT-layout transformer blocks.
        pretrained: BERT hub id, directory or ``package://`` reference.
        layers: Source layer of each block, in block order.
        config_key: Config key for the error message.
    """
    sd = load_hf_state_dict(pretrained, 'BERT layer weights', config_key)
    mapped = {}
    for i, layer in enumerate(layers):
        for src, dst in bert_layer_key_map(f'encoder.layer.{layer}.',
                                           f'blocks.{i}.').items():
            mapped[dst] = sd[src]
    missing, unexpected = module.load_state_dict(mapped, strict=False)
    assert not unexpected, unexpected


def load_bert_lm_head(head: nn.Module, name_or_path: str,
                      config_key: str) -> bool:
    """Initialise a generator's LM transform and bias from BERT's MLM head.

    BERT's ``cls.predictions`` (transform + bias) is the tied LM head that
    BLIP-style decoders start from; the decoder blocks come from BERT layers
    separately (:func:`load_bert_layers`). Checkpoints without an MLM head
    (sentence encoders) leave the head as it is.

    Args:
        head: An :class:`~mcg.heads.AnswerGeneratorHead` (after ``bind``).
        name_or_path: BERT hub id, directory or ``package://`` reference.
        config_key: Config key for the error message.

    Returns:
        Whether the MLM head was found and copied.
    """
    def _load(path):
        return BertForMaskedLM.from_pretrained(path, output_loading_info=True)

    mlm, info = load_or_explain(_load, name_or_path, 'BERT MLM head weights',
                                config_key)
    if any(k.startswith('cls.predictions') for k in info['missing_keys']):
        return False
    pred = mlm.cls.predictions
    with torch.no_grad():
        head.lm_transform[0].load_state_dict(pred.transform.dense.state_dict())
        head.lm_transform[2].load_state_dict(
            pred.transform.LayerNorm.state_dict())
        if head.lm_bias is not None:
            rows = min(len(head.lm_bias), len(pred.bias))
            head.lm_bias[:rows] = pred.bias[:rows]
    return True


def init_bert_style(m: nn.Module, std: float = 0.02) -> None:
    """BERT's init: N(0, std) weights, zero biases, unit LayerNorm.

    Args:
        m: A module (use with ``model.apply``); other types are left alone.
        std: Standard deviation of the linear weights.
    """
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=std)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
