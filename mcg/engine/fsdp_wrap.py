"""Which modules of an MCG model become FSDP units.

One unit per transformer block: the TimeSformer blocks of the video encoder,
the BERT layers of the text encoder, and the blocks of the fusor and the
answer generator. Everything else stays in the root unit, in particular the
word embeddings, which the generator's output layer reads outside their own
module (the tied LM head): a unit of their own would hand that read a 1-D
shard. A size threshold cannot express this (the 23.4M-parameter embedding
table is the largest module of the model), hence wrapping by class.

Use it in a strategy config (``configs/_base_/strategies/fsdp.py``)::

    auto_wrap_policy=dict(type='mcg.engine.fsdp_wrap.block_wrap_policy')
"""
from __future__ import annotations

from typing import Sequence

from torch import nn

#: Classes (``module.qualname``) wrapped as FSDP units by default.
BLOCK_CLASSES = (
    'mcg.encoders.timesformer.DividedSpaceTimeBlock',
    'timm.models.vision_transformer.Block',
    'transformers.models.bert.modeling_bert.BertLayer',
    'mcg.layers.transformer_block.TransformerBlock',
)


def class_path(module: nn.Module) -> str:
    """``module.qualname`` of a module's class."""
    cls = type(module)
    return f'{cls.__module__}.{cls.__qualname__}'


def block_wrap_policy(module: nn.Module, recurse: bool,
                      nonwrapped_numel: int,
                      block_classes: Sequence[str] = BLOCK_CLASSES) -> bool:
    """FSDP ``auto_wrap_policy``: wrap every transformer block.

    Args:
        module: The module FSDP asks about.
        recurse: True when FSDP asks whether to look inside ``module``.
        nonwrapped_numel: Parameters of ``module`` not yet in a unit
            (unused: the decision is by class).
        block_classes: ``module.qualname`` of the classes to wrap.

    Returns:
        Always True for ``recurse``; otherwise whether ``module`` is a block.
    """
    if recurse:
        return True
    return class_path(module) in tuple(block_classes)
