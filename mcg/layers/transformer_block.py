"""BERT-layout transformer block with optional cross-attention, on SDPA.

The fusor (bidirectional self-attention + cross-attention) and the answer
generator (causal self-attention + cross-attention) both start from BERT-base
layers 6-11. ``transformers.BertLayer`` refuses cross-attention unless it is a
causal decoder, and its cache/mask plumbing changes between major versions,
so mcg keeps this one small block with BERT's parameter layout (post-norm,
``query/key/value``, ``output.dense``, ``LayerNorm``). BERT layer weights map
onto it by :func:`bert_layer_key_map`; cross-attention is new.
"""
from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention import AUTO, attend, check_impl
from .grouped_attention import RowGroups, group_rows, grouped_attention

KVCache = Dict[str, Any]


class MemoryPart(NamedTuple):
    """A piece of cross-attention memory, optionally shared between rows.

    ``states`` has one row per distinct source (e.g. one per video) and
    ``index`` maps each batch row to its source row. Keys and values are
    projected once per source row. When every part of a memory shares one
    ``index`` (the fusor's clip memory, a generator's memory during beam
    search), the rows attend to them without copying (see
    :mod:`mcg.layers.grouped_attention`); ten questions about one video pay
    for one projection and one copy of its keys/values. ``groups`` caches the
    rows' grouping (:func:`with_row_groups`), so it is worked out once per
    batch rather than in every layer.
    """

    states: Tensor
    index: Optional[Tensor] = None
    groups: Optional[RowGroups] = None


Memory = Union[Tensor, Sequence[MemoryPart]]


class KeyValues(NamedTuple):
    """Projected cross-attention keys/values, per row or shared.

    Attributes:
        k: (B or S, H, M, d) keys.
        v: (B or S, H, M, d) values.
        groups: None: one key row per batch row; else the rows' grouping by
            the S source rows the keys belong to.
    """

    k: Tensor
    v: Tensor
    groups: Optional[RowGroups] = None


def shared_part(states: Tensor, rows: Sequence[int]) -> MemoryPart:
    """A memory part whose source rows are shared by batch rows.

    The grouping is worked out on the host from the list, so the fusor and
    generator read nothing back from the device for it.

    Args:
        states: (S, M, D) source states (e.g. one row per clip).
        rows: Source row of each batch row (e.g. each question's clip).

    Returns:
        The :class:`MemoryPart` with ``index`` and ``groups``.
    """
    index = torch.as_tensor(list(rows), dtype=torch.long)
    return MemoryPart(states, index.to(states.device),
                      group_rows(index, states.shape[0], states.device))


def with_row_groups(memory: Optional[Memory]) -> Optional[Memory]:
    """``memory`` with the row grouping of its shared parts worked out.

    Call once per batch before running a stack of blocks over the memory
    (each grouping costs one device-to-host read).

    Args:
        memory: A tensor, a list of :class:`MemoryPart`, or None.

    Returns:
        The same memory; parts with an ``index`` carry their ``groups``.
    """
    if memory is None or isinstance(memory, Tensor):
        return memory
    done: Dict[int, RowGroups] = {}
    out: List[MemoryPart] = []
    for part in memory:
        if part.index is not None and part.groups is None:
            key = id(part.index)
            if key not in done:
                done[key] = group_rows(part.index, part.states.shape[0])
            part = part._replace(groups=done[key])
        out.append(part)
    return out


class MultiHeadAttention(nn.Module):
    """Multi-head attention with BERT's projection names.

    Args:
        embed_dims: Width of the queries and of the output.
        num_heads: Number of heads.
        kv_dims: Width of keys/values input (memory width for cross-attention).
        dropout: Attention-probability dropout.
        attn_impl: ``'auto'`` (:func:`mcg.layers.attention.choose_impl`) or
            an implementation of :data:`mcg.layers.attention.IMPLS`.
    """

    def __init__(self, embed_dims: int, num_heads: int,
                 kv_dims: Optional[int] = None, dropout: float = 0.0,
                 attn_impl: str = AUTO) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        kv_dims = kv_dims or embed_dims
        self.num_heads = num_heads
        self.query = nn.Linear(embed_dims, embed_dims)
        self.key = nn.Linear(kv_dims, embed_dims)
        self.value = nn.Linear(kv_dims, embed_dims)
        self.dropout = dropout
        self.attn_impl = check_impl(attn_impl)

    def _split(self, x: Tensor) -> Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.num_heads, -1).transpose(1, 2)

    def project_kv(self, memory: Memory) -> KeyValues:
        """Project keys and values of a tensor or of shared memory parts.

        Parts that all share one ``index`` stay one row per source (no copy
        per batch row); otherwise shared parts are gathered per row.
        """
        if isinstance(memory, Tensor):
            return KeyValues(self._split(self.key(memory)),
                             self._split(self.value(memory)))
        first = memory[0]
        shared = first.index is not None and all(
            p.index is first.index for p in memory)
        keys, values = [], []
        for part in memory:
            k, v = self.key(part.states), self.value(part.states)
            if part.index is not None and not shared:
                # Gather before splitting heads: the gradient reaching a
                # gather of the (B, H, M, D/H) view is strided, and its
                # scatter back was ~4x slower on CPU (docs/demo.md, step time).
                k, v = k.index_select(0, part.index), v.index_select(
                    0, part.index)
            keys.append(self._split(k))
            values.append(self._split(v))
        groups = None
        if shared:
            groups = first.groups or group_rows(first.index,
                                                first.states.shape[0])
        if len(keys) == 1:  # skip the copy a one-tensor cat makes
            return KeyValues(keys[0], values[0], groups)
        return KeyValues(torch.cat(keys, 2), torch.cat(values, 2), groups)

    def forward(self, x: Tensor, kv: KeyValues, mask: Optional[Tensor] = None,
                is_causal: bool = False) -> Tensor:
        """Attend from ``x`` to pre-projected keys and values.

        Args:
            x: Queries, (B, Lq, D).
            kv: Keys and values (:meth:`project_kv`), each (B, H, Lk, D/H),
                or (S, H, Lk, D/H) shared by row groups.
            mask: Boolean (B, 1, Lq or 1, Lk) mask, True where allowed.
            is_causal: Apply a causal mask (no ``mask`` allowed with it).

        Returns:
            (B, Lq, D) context.
        """
        q = self._split(self.query(x))
        dropout = self.dropout if self.training else 0.0
        groups = kv[2] if len(kv) > 2 else None
        if groups is not None:
            if is_causal:
                raise ValueError('shared keys/values are for cross-attention;'
                                 ' is_causal is not supported with them')
            out = grouped_attention(q, kv[0], kv[1], groups, mask, dropout,
                                    self.attn_impl)
        else:
            out = attend(q, kv[0], kv[1], mask, dropout, is_causal,
                         self.attn_impl)
        return out.transpose(1, 2).flatten(2)


class ResidualNorm(nn.Module):
    """BERT's ``output`` sub-layer: dense, dropout, add, LayerNorm.

    With ``norm_first`` the same parameters form a pre-norm sub-layer: the
    LayerNorm is applied to the sub-layer's input (:meth:`pre`) and the
    residual sum is left unnormalised.
    """

    def __init__(self, in_dims: int, embed_dims: int, dropout: float,
                 eps: float, norm_first: bool = False) -> None:
        super().__init__()
        self.dense = nn.Linear(in_dims, embed_dims)
        self.dropout = nn.Dropout(dropout)
        self.LayerNorm = nn.LayerNorm(embed_dims, eps=eps)
        self.norm_first = norm_first

    def pre(self, x: Tensor) -> Tensor:
        """The sub-layer's input: normalised in pre-norm mode."""
        return self.LayerNorm(x) if self.norm_first else x

    def forward(self, x: Tensor, residual: Tensor) -> Tensor:
        out = self.dropout(self.dense(x)) + residual
        return out if self.norm_first else self.LayerNorm(out)


class TransformerBlock(nn.Module):
    """Self-attention, optional cross-attention, feed-forward.

    Args:
        embed_dims: Hidden width.
        num_heads: Attention heads.
        ffn_dims: Feed-forward width.
        memory_dims: Width of the cross-attended memory; None disables
            cross-attention.
        dropout: Hidden dropout.
        attn_dropout: Attention-probability dropout.
        eps: LayerNorm epsilon (BERT uses 1e-12).
        norm_first: Pre-norm instead of BERT's post-norm. Same parameters;
            the stack then needs a final LayerNorm (the fusor and generator
            add one). Pre-norm trains narrow models from scratch more
            readily; BERT weights expect post-norm.
        attn_impl: Attention implementation, see :class:`MultiHeadAttention`.
    """

    def __init__(self, embed_dims: int, num_heads: int, ffn_dims: int,
                 memory_dims: Optional[int] = None, dropout: float = 0.1,
                 attn_dropout: float = 0.1, eps: float = 1e-12,
                 norm_first: bool = False, attn_impl: str = AUTO) -> None:
        super().__init__()
        self.norm_first = norm_first
        self.self_attn = MultiHeadAttention(embed_dims, num_heads,
                                            dropout=attn_dropout,
                                            attn_impl=attn_impl)
        self.self_out = ResidualNorm(embed_dims, embed_dims, dropout, eps,
                                     norm_first)
        self.has_cross = memory_dims is not None
        if self.has_cross:
            self.cross_attn = MultiHeadAttention(embed_dims, num_heads,
                                                 memory_dims, attn_dropout,
                                                 attn_impl)
            self.cross_out = ResidualNorm(embed_dims, embed_dims, dropout,
                                          eps, norm_first)
        self.intermediate = nn.Linear(embed_dims, ffn_dims)
        self.output = ResidualNorm(ffn_dims, embed_dims, dropout, eps,
                                   norm_first)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None,
                memory: Optional[Memory] = None,
                memory_mask: Optional[Tensor] = None, is_causal: bool = False,
                cache: Optional[KVCache] = None) -> Tensor:
        """Run the block.

        Args:
            x: (B, L, D) hidden states.
            mask: Boolean self-attention mask (B, 1, 1 or L, L), True = keep.
            memory: (B, M, Dm) cross-attended states, or a list of
                :class:`MemoryPart` concatenated along M.
            memory_mask: Boolean (B, 1, 1, M) mask over memory.
            is_causal: Causal self-attention (generator training).
            cache: Decoding cache, updated in place: ``self_k/self_v`` grow by
                the new positions, ``cross`` (the memory's
                :class:`KeyValues`) is computed once.

        Returns:
            (B, L, D) hidden states.
        """
        h = self._pre(self.self_out, x)
        kv = self.self_attn.project_kv(h)
        if cache is not None:
            if 'self_k' in cache:
                kv = KeyValues(torch.cat([cache['self_k'], kv.k], 2),
                               torch.cat([cache['self_v'], kv.v], 2))
            cache['self_k'], cache['self_v'] = kv.k, kv.v
            # With a cache the new queries are the latest positions, so every
            # cached key is in the past: no causal mask is needed.
            is_causal = is_causal and x.shape[1] > 1
        x = self.self_out(self.self_attn(h, kv, mask, is_causal), x)
        if self.has_cross and memory is not None:
            if cache is not None and 'cross' in cache:
                mem_kv = cache['cross']
            else:
                mem_kv = self.cross_attn.project_kv(memory)
                if cache is not None:
                    cache['cross'] = mem_kv
            x = self.cross_out(
                self.cross_attn(self._pre(self.cross_out, x), mem_kv,
                                memory_mask), x)
        return self.output(
            F.gelu(self.intermediate(self._pre(self.output, x))), x)

    def _pre(self, sublayer: nn.Module, x: Tensor) -> Tensor:
        # Post-norm blocks may hold HF BERT output modules (the official
        # layout's shared layers), which have no ``pre``.
        return sublayer.pre(x) if self.norm_first else x


def padding_mask(mask: Optional[Tensor]) -> Optional[Tensor]:
    """(B, L) {0,1} key mask -> boolean (B, 1, 1, L) attention mask.

    An all-ones mask is kept, not dropped: finding out would read a value
    back from the device (a host sync) at every call, and attending with an
    all-True mask gives the same result.
    """
    if mask is None:
        return None
    return mask.bool()[:, None, None, :]


def bert_layer_key_map(src_prefix: str, dst_prefix: str) -> Dict[str, str]:
    """Map one HF BERT layer's parameter names onto a :class:`TransformerBlock`.

    Args:
        src_prefix: e.g. ``'encoder.layer.6.'`` (HF BertModel layout).
        dst_prefix: e.g. ``'blocks.0.'``.

    Returns:
        Dict from source key to destination key (weights and biases).
    """
    pairs = {
        'attention.self.query': 'self_attn.query',
        'attention.self.key': 'self_attn.key',
        'attention.self.value': 'self_attn.value',
        'attention.output.dense': 'self_out.dense',
        'attention.output.LayerNorm': 'self_out.LayerNorm',
        'intermediate.dense': 'intermediate',
        'output.dense': 'output.dense',
        'output.LayerNorm': 'output.LayerNorm',
    }
    return {f'{src_prefix}{s}.{p}': f'{dst_prefix}{d}.{p}'
            for s, d in pairs.items() for p in ('weight', 'bias')}
