"""Shared layers below encoders, fusors and heads.

The BERT-layout transformer block (self-attention, optional
cross-attention over memory parts, FFN), the memory parts shared between
questions about one clip, and the attention and linear policies (which
implementation per device and dtype). Nothing here imports the registry or a role package.
"""
from .transformer_block import MemoryPart, TransformerBlock

__all__ = ['MemoryPart', 'TransformerBlock']
