"""The paper's answer generator (AGor): causal decoder with cross-attention."""
from __future__ import annotations

import json
import re
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mcg.fusors.cross_attention import _init_bert_style, load_bert_layers
from mcg.models.transformer_block import (Memory, TransformerBlock,
                                          padding_mask)
from mcg.registry import MODELS
from mcg.utils.pretrained import optional
from .base import BaseAnswerHead


def read_answers(path: str) -> List[str]:
    """Answers from a JSON list of strings or of ``{"answer": ...}`` records."""
    with open(path, encoding='utf-8') as f:
        items = json.load(f)
    return [x['answer'] if isinstance(x, dict) else str(x) for x in items]


def normalize_answer(text: str) -> str:
    """Canonical form shared by decoding and the metrics' normalised mode:
    lower case, single spaces, no trailing ``?`` or ``.``."""
    text = re.sub(r'\s+', ' ', text.lower()).strip()
    return text.rstrip('?.').strip()


@MODELS.register_module()
class AnswerGeneratorHead(BaseAnswerHead):
    """Generates the answer token by token: ``[GEN] a1 .. an [SEP]``.

    Word and position embeddings are shared with the text encoder and the
    output projection is tied to the word embeddings (BERT's LM head).

    Args:
        embed_dims: Hidden width (= text encoder width, embeddings are shared).
        memory_dims: Width of the cross-attended memory (fusor output).
        num_layers: Decoder blocks (6 in the paper).
        num_heads: Attention heads.
        ffn_dims: Feed-forward width.
        dropout: Dropout.
        max_answer_len: Maximum answer tokens, ``[SEP]`` included.
        pretrained: BERT checkpoint for the blocks and the LM transform
            (layers 6-11 in the paper); None = random init.
        pretrained_layers: BERT layers copied into the blocks.
        gen_token: Start token added to the tokenizer.
        output_vocab: None scores the full vocabulary (the paper). A path to
            a JSON list of answers (strings, or records with an ``answer``
            field such as ActivityNet-QA's ``train_a.json``) restricts the
            output layer to the tokens of those answers plus ``[SEP]``, in
            training and decoding. On CPU the 30K-way softmax dominates a
            small model's step; with a shortlist, answers made of unseen
            tokens cannot be generated.
        init_cfg: MMEngine init config.
    """

    def __init__(self, embed_dims: int = 768, memory_dims: int = 768,
                 num_layers: int = 6, num_heads: int = 12,
                 ffn_dims: int = 3072, dropout: float = 0.1,
                 max_answer_len: int = 10, pretrained: Optional[str] = None,
                 pretrained_layers: Sequence[int] = (6, 7, 8, 9, 10, 11),
                 gen_token: str = '[GEN]',
                 output_vocab: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.embed_dims = embed_dims
        self.max_answer_len = max_answer_len
        self.gen_token = gen_token
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, ffn_dims, memory_dims,
                             dropout, dropout) for _ in range(num_layers)
        ])
        self.lm_transform = nn.Sequential(
            nn.Linear(embed_dims, embed_dims), nn.GELU(),
            nn.LayerNorm(embed_dims, eps=1e-12))
        self.apply(_init_bert_style)
        self.lm_bias: Optional[nn.Parameter] = None
        self.pretrained = optional(pretrained)
        self.pretrained_layers = list(pretrained_layers)[:num_layers]
        self._shared: List = []
        self.output_vocab = optional(output_vocab)

    # -- wiring ---------------------------------------------------------------
    def bind(self, tokenizer, text_encoder) -> None:
        """Share the text encoder's embeddings and register ``[GEN]``."""
        if self.gen_token not in tokenizer.get_vocab():
            tokenizer.add_special_tokens(
                {'additional_special_tokens': [self.gen_token]})
        text_encoder.resize_token_embeddings(len(tokenizer))
        # A list keeps the shared module out of this head's state dict.
        self._shared = [tokenizer, text_encoder.embeddings]
        self.gen_id = tokenizer.convert_tokens_to_ids(self.gen_token)
        self.sep_id = tokenizer.sep_token_id
        self.pad_id = tokenizer.pad_token_id
        self.lm_bias = nn.Parameter(torch.zeros(len(tokenizer)))
        self.register_buffer('vocab_ids', None, persistent=False)
        if self.output_vocab:
            ids = sorted({self.sep_id, *(t for ans in read_answers(
                self.output_vocab) for t in tokenizer(
                    ans, add_special_tokens=False)['input_ids'])})
            self.vocab_ids = torch.tensor(ids)

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained:
            load_bert_layers(self, self.pretrained, self.pretrained_layers,
                             'model.head.pretrained')

    @property
    def tokenizer(self):
        return self._shared[0]

    @property
    def embeddings(self) -> nn.Module:
        return self._shared[1]

    # -- building blocks --------------------------------------------------------
    def decode_states(self, ids: Tensor, memory: Memory,
                      memory_mask: Optional[Tensor], start: int = 0,
                      caches: Optional[List[dict]] = None) -> Tensor:
        """Run the decoder over ``ids`` placed at positions ``start...``."""
        pos = torch.arange(start, start + ids.shape[1], device=ids.device)
        x = self.embeddings(input_ids=ids, position_ids=pos[None])
        mem_mask = padding_mask(memory_mask)
        for i, block in enumerate(self.blocks):
            x = block(x, None, memory, mem_mask, is_causal=True,
                      cache=None if caches is None else caches[i])
        return x

    def logits(self, states: Tensor) -> Tensor:
        """Tied LM head: transform, then project on the word embeddings.

        With ``output_vocab`` the columns are the shortlist's, in the order
        of ``vocab_ids`` (see :meth:`to_output_index`).
        """
        weight, bias = self.embeddings.word_embeddings.weight, self.lm_bias
        if self.vocab_ids is not None:
            weight, bias = weight[self.vocab_ids], bias[self.vocab_ids]
        return F.linear(self.lm_transform(states), weight, bias)

    def to_output_index(self, token_ids: Tensor) -> Tensor:
        """Map vocabulary ids to columns of :meth:`logits`."""
        if self.vocab_ids is None:
            return token_ids
        col = torch.searchsorted(self.vocab_ids, token_ids)
        col = col.clamp(max=len(self.vocab_ids) - 1)
        if not bool((self.vocab_ids[col] == token_ids).all()):
            raise ValueError('an answer token is outside the output_vocab '
                             f'shortlist {self.output_vocab}')
        return col

    def to_token_ids(self, columns: Tensor) -> Tensor:
        """Map columns of :meth:`logits` back to vocabulary ids."""
        return columns if self.vocab_ids is None else self.vocab_ids[columns]

    def encode_answers(self, answers: Sequence[str], device) -> Tensor:
        """``[GEN] a1 .. an [SEP]`` padded to a (B, L) id tensor."""
        ids = self.tokenizer(list(answers), add_special_tokens=False,
                             truncation=True,
                             max_length=self.max_answer_len - 1)['input_ids']
        seqs = [[self.gen_id] + x + [self.sep_id] for x in ids]
        out = torch.full((len(seqs), max(map(len, seqs))), self.pad_id,
                         dtype=torch.long)
        for row, seq in enumerate(seqs):
            out[row, :len(seq)] = torch.tensor(seq)
        return out.to(device)

    # -- training / inference ---------------------------------------------------
    def loss_inputs(self, memory: Memory, memory_mask: Tensor,
                    data_samples: Sequence) -> Dict[str, Tensor]:
        seq = self.encode_answers([s.gt_answer for s in data_samples],
                                  memory_mask.device)
        inputs, targets = seq[:, :-1], seq[:, 1:]
        states = self.decode_states(inputs, memory, memory_mask)
        valid = targets != self.pad_id
        # Project only real target positions: the vocabulary-wide matmul is
        # the most expensive op of the head.
        logits = self.logits(states[valid])
        tgt = self.to_output_index(targets[valid])
        with torch.no_grad():
            correct = (logits.argmax(-1) == tgt).float()
            acc = correct.mean()
        return dict(lm_logits=logits, lm_targets=tgt, acc_lm_token=acc)

    @torch.no_grad()
    def generate(self, memory: Memory, memory_mask: Optional[Tensor],
                 max_len: Optional[int] = None,
                 use_cache: bool = True) -> Tensor:
        """Greedy decoding; returns (B, <=max_len) ids without ``[GEN]``."""
        max_len = max_len or self.max_answer_len
        b, device = memory_mask.shape[0], memory_mask.device
        seq = torch.full((b, 1), self.gen_id, dtype=torch.long, device=device)
        done = torch.zeros(b, dtype=torch.bool, device=device)
        caches = [dict() for _ in self.blocks] if use_cache else None
        for step in range(max_len):
            if use_cache:
                states = self.decode_states(seq[:, -1:], memory, memory_mask,
                                            start=step, caches=caches)
            else:
                states = self.decode_states(seq, memory, memory_mask)
            nxt = self.to_token_ids(self.logits(states[:, -1]).argmax(-1))
            nxt = torch.where(done, torch.full_like(nxt, self.pad_id), nxt)
            seq = torch.cat([seq, nxt[:, None]], dim=1)
            done |= nxt == self.sep_id
            if bool(done.all()):
                break
        return seq[:, 1:]

    def predict(self, memory: Memory, memory_mask: Tensor,
                data_samples: Sequence) -> List[str]:
        ids = self.generate(memory, memory_mask)
        texts = self.tokenizer.batch_decode(ids.tolist(),
                                            skip_special_tokens=True)
        return [normalize_answer(t) for t in texts]
