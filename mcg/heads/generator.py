"""The paper's answer generator (AGor): causal decoder with cross-attention."""
from __future__ import annotations

from functools import partial
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.logging import MMLogger
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from mcg.layers.attention import AUTO
from mcg.layers.transformer_block import (Memory, TransformerBlock,
                                          padding_mask, with_row_groups)
from mcg.registry import MODELS
from mcg.structures.features import HeadOutput, ModelWidths
from mcg.utils.pretrained import optional
from mcg.utils.text import normalize_answer
from mcg.weights.bert import (init_bert_style, load_bert_layers,
                              load_bert_lm_head)
from .answer_trie import AnswerTrie, read_answers
from .base import BaseAnswerHead, select_memory
from .decoder_embeddings import DecoderEmbeddings
from .decoder_steps import DecoderSteps
from .decoding import SearchConfig, beam_search, greedy_search

__all__ = ['AnswerGeneratorHead', 'normalize_answer', 'read_answers']


@MODELS.register_module()
class AnswerGeneratorHead(BaseAnswerHead):
    """Generates the answer token by token: ``[GEN] a1 .. an [SEP]``.

    Word and position embeddings are shared with the text encoder and the
    output projection is tied to the word embeddings (BERT's LM head).
    Decoding is greedy (``num_beams=1``) or beam search, batched, with a
    key/value cache; ``constrain_answers`` restricts it to complete answers
    of a list (prefix trie). Generated text is normalised with
    :func:`mcg.utils.text.normalize_answer`, as the metrics' normalised mode is.

    Args:
        embed_dims: Hidden width (= text encoder width, embeddings are shared).
        memory_dims: Width of the cross-attended memory (fusor output).
        num_layers: Decoder blocks (6 in the paper).
        num_heads: Attention heads.
        ffn_dims: Feed-forward width.
        dropout: Dropout.
        max_answer_len: Maximum answer tokens, ``[SEP]`` included (training
            truncation, and the decoding limit unless ``max_decode_len``).
        pretrained: BERT checkpoint for the blocks and the LM transform
            (layers 6-11 in the paper); None = random init.
        pretrained_layers: BERT layers copied into the blocks.
        gen_token: Start token added to the tokenizer.
        output_vocab: None scores the full vocabulary (the paper). A path to
            a JSON list of answers (strings, or records with an ``answer``
            field such as ActivityNet-QA's ``train_a.json``) restricts the
            output layer to the tokens of those answers plus ``[SEP]``, in
            training and decoding; a list of answers does the same (a
            checkpoint carries its list, see
            :mod:`mcg.engine.inference_meta`). On CPU the 30K-way softmax
            dominates a small model's step; with a shortlist, answers made
            of unseen tokens cannot be generated.
        num_beams: 1 = greedy; the official code and BLIP use 3.
        length_penalty: Beam scores are ``sum(log p) / length **
            length_penalty``.
        max_decode_len: Generated tokens at most (``[SEP]`` included); None
            = ``max_answer_len``.
        min_decode_len: Tokens before ``[SEP]`` is allowed (1 forbids the
            empty answer).
        constrain_answers: None decodes freely; a path to a JSON answer list
            (as for ``output_vocab``) or a list of strings makes decoding
            produce only answers of that list.
        choice_scorer: See :class:`BaseAnswerHead`.
        init_std: Std of the random init (BERT's 0.02 suits 768-wide models).
        norm_first: Pre-norm blocks plus a final LayerNorm (for models
            trained from scratch); False = BERT's post-norm (the paper).
        own_embeddings: Word and position embeddings of the head's own
            (:class:`DecoderEmbeddings`, LM head tied to them), as the
            official decoder has; False shares the text encoder's (paper).
        attend_memory_padding: Cross-attend to padded memory positions too,
            as the official decoder does (it passes no encoder mask).
        attn_impl: Attention implementation (``'auto'``: by device and
            dtype, see :mod:`mcg.layers.attention`).
        gradient_checkpointing: Recompute each block in backward (training
            without a decoding cache): activations of one block instead of
            all, for about one more forward pass.
        init_cfg: MMEngine init config.
    """

    generates_tokens = True

    def __init__(self, embed_dims: int = 768, memory_dims: int = 768,
                 num_layers: int = 6, num_heads: int = 12,
                 ffn_dims: int = 3072, dropout: float = 0.1,
                 max_answer_len: int = 10, pretrained: Optional[str] = None,
                 pretrained_layers: Sequence[int] = (6, 7, 8, 9, 10, 11),
                 gen_token: str = '[GEN]',
                 output_vocab: Union[None, str, Sequence[str]] = None,
                 num_beams: int = 1, length_penalty: float = 1.0,
                 max_decode_len: Optional[int] = None,
                 min_decode_len: int = 1,
                 constrain_answers: Union[None, str, Sequence[str]] = None,
                 choice_scorer: Optional[dict] = None,
                 init_std: float = 0.02, norm_first: bool = False,
                 own_embeddings: bool = False,
                 attend_memory_padding: bool = False,
                 attn_impl: str = AUTO, gradient_checkpointing: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(choice_scorer=choice_scorer, init_cfg=init_cfg)
        if norm_first and optional(pretrained):
            raise ValueError('norm_first=True cannot load BERT layers, which '
                             'are post-norm; set pretrained=None')
        if num_beams < 1:
            raise ValueError(f'num_beams must be >= 1, got {num_beams}')
        self.embed_dims = embed_dims
        self.max_answer_len = max_answer_len
        self.gen_token = gen_token
        self.gradient_checkpointing = gradient_checkpointing
        self.blocks = nn.ModuleList([
            TransformerBlock(embed_dims, num_heads, ffn_dims, memory_dims,
                             dropout, dropout, norm_first=norm_first,
                             attn_impl=attn_impl)
            for _ in range(num_layers)
        ])
        self.final_norm = (nn.LayerNorm(embed_dims, eps=1e-12)
                           if norm_first else nn.Identity())
        self.lm_transform = nn.Sequential(
            nn.Linear(embed_dims, embed_dims), nn.GELU(),
            nn.LayerNorm(embed_dims, eps=1e-12))
        self.apply(partial(init_bert_style, std=init_std))
        self.lm_bias: Optional[nn.Parameter] = None
        self.pretrained = optional(pretrained)
        self.pretrained_layers = list(pretrained_layers)[:num_layers]
        self._shared: List = []
        self.output_vocab = optional(output_vocab)
        self.num_beams = num_beams
        self.length_penalty = length_penalty
        self.max_decode_len = max_decode_len or max_answer_len
        self.min_decode_len = min_decode_len
        self.constrain_answers = (optional(constrain_answers) if isinstance(
            constrain_answers, str) else constrain_answers)
        self.trie: Optional[AnswerTrie] = None
        self.own_embeddings = (DecoderEmbeddings(dropout) if own_embeddings
                               else None)
        self.attend_memory_padding = attend_memory_padding

    # -- wiring ---------------------------------------------------------------
    def bind(self, tokenizer, text_encoder,
             widths: Optional[ModelWidths] = None) -> None:
        """Share the text encoder's embeddings and register ``[GEN]``."""
        if self.gen_token not in tokenizer.get_vocab():
            tokenizer.add_special_tokens(
                {'additional_special_tokens': [self.gen_token]})
        text_encoder.resize_token_embeddings(len(tokenizer))
        # A list keeps the shared module out of this head's state dict.
        self._shared = [tokenizer, text_encoder.embeddings]
        if self.own_embeddings is not None:
            self.own_embeddings.bind(text_encoder.embeddings)
        self.gen_id = tokenizer.convert_tokens_to_ids(self.gen_token)
        self.sep_id = tokenizer.sep_token_id
        self.pad_id = tokenizer.pad_token_id
        self.lm_bias = nn.Parameter(torch.zeros(len(tokenizer)))
        self.register_buffer('vocab_ids', None, persistent=False)
        if self.output_vocab:
            answers = (read_answers(self.output_vocab) if isinstance(
                self.output_vocab, str) else self.output_vocab)
            ids = sorted({self.sep_id, *(t for ans in answers for t in
                                         tokenizer(ans, add_special_tokens=
                                                   False)['input_ids'])})
            self.vocab_ids = torch.tensor(ids)
            # A plain attribute: stays on the host, where answers are
            # tokenised, when the model moves (see output_columns).
            self._vocab_ids_host = self.vocab_ids
        if self.constrain_answers:
            self.trie = self.build_trie(self.constrain_answers)

    def build_trie(self, answers: Union[str, Sequence[str]]) -> AnswerTrie:
        """Prefix trie of the (tokenised, truncated) answers of a list."""
        if isinstance(answers, str):
            answers = read_answers(answers)
        distinct = sorted({normalize_answer(a) for a in answers} - {''})
        ids = self.tokenizer(distinct, add_special_tokens=False,
                             truncation=True,
                             max_length=self.max_decode_len - 1)['input_ids']
        seqs, skipped = [], 0
        for tokens in ids:
            cols, ok = self.output_columns(torch.tensor(tokens + [
                self.sep_id], dtype=torch.long))
            if tokens and bool(ok.all()):
                seqs.append(cols.tolist())
            else:
                skipped += 1
        if skipped:
            MMLogger.get_current_instance().warning(
                f'constrain_answers: {skipped} answer(s) use tokens outside '
                'the output_vocab shortlist (or are empty) and cannot be '
                'generated')
        num_cols = (len(self.vocab_ids) if self.vocab_ids is not None
                    else self.lm_bias.numel())
        end_col = int(self.output_columns(torch.tensor([self.sep_id]))[0][0])
        return AnswerTrie(seqs, num_cols, end_col)

    def init_weights(self) -> None:
        super().init_weights()
        if self.pretrained:
            load_bert_layers(self, self.pretrained, self.pretrained_layers,
                             'model.head.pretrained')
            load_bert_lm_head(self, self.pretrained, 'model.head.pretrained')

    @property
    def tokenizer(self):
        return self._shared[0]

    @property
    def embeddings(self) -> nn.Module:
        if self.own_embeddings is not None:
            return self.own_embeddings
        return self._shared[1]

    # -- building blocks ------------------------------------------------------
    def decode_states(self, ids: Tensor, memory: Memory,
                      memory_mask: Optional[Tensor], start: int = 0,
                      caches: Optional[List[dict]] = None) -> Tensor:
        """Run the decoder over ``ids`` placed at positions ``start...``."""
        pos = torch.arange(start, start + ids.shape[1], device=ids.device)
        x = self.embeddings(input_ids=ids, position_ids=pos[None])
        mem_mask = (None if self.attend_memory_padding
                    else padding_mask(memory_mask))
        if not caches or 'cross' not in caches[0]:
            memory = with_row_groups(memory)   # once, not in every block
        recompute = (self.gradient_checkpointing and self.training
                     and caches is None and torch.is_grad_enabled())
        for i, block in enumerate(self.blocks):
            if recompute:
                x = checkpoint(block, x, None, memory, mem_mask, True,
                               use_reentrant=False)
            else:
                x = block(x, None, memory, mem_mask, is_causal=True,
                          cache=None if caches is None else caches[i])
        return self.final_norm(x)

    def logits(self, states: Tensor) -> Tensor:
        """Tied LM head: transform, then project on the word embeddings.

        With ``output_vocab`` the columns are the shortlist's, in the order
        of ``vocab_ids`` (see :meth:`to_output_index`).
        """
        weight, bias = self.embeddings.word_embeddings.weight, self.lm_bias
        if self.vocab_ids is not None:
            weight, bias = weight[self.vocab_ids], bias[self.vocab_ids]
        return F.linear(self.lm_transform(states), weight, bias)

    def output_columns(self, token_ids: Tensor) -> Tuple[Tensor, Tensor]:
        """Columns of :meth:`logits` for token ids, and which ids have one."""
        if self.vocab_ids is None:
            return token_ids, torch.ones_like(token_ids, dtype=torch.bool)
        vocab = self._vocab_ids_on(token_ids.device)
        col = torch.searchsorted(vocab, token_ids.contiguous())
        col = col.clamp(max=len(vocab) - 1)
        return col, vocab[col] == token_ids

    def _vocab_ids_on(self, device: torch.device) -> Tensor:
        """``vocab_ids`` on ``device``; the host copy for host ids."""
        if torch.device(device).type == 'cpu':
            return self._vocab_ids_host
        return self.vocab_ids.to(device)

    def to_output_index(self, token_ids: Tensor) -> Tensor:
        """Map vocabulary ids to columns of :meth:`logits`."""
        col, ok = self.output_columns(token_ids)
        if not bool(ok.all()):
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

    # -- training / inference -------------------------------------------------
    def loss_inputs(self, memory: Memory, memory_mask: Tensor,
                    data_samples: Sequence) -> Dict[str, HeadOutput]:
        # Targets, their positions and their columns are worked out on the
        # host, where the answers are tokenised: no read-back from the device
        # (a boolean mask on device tensors would wait for the decoder).
        seq = self.encode_answers([s.gt_answer for s in data_samples], 'cpu')
        device = memory_mask.device
        inputs, targets = seq[:, :-1], seq[:, 1:]
        valid = targets != self.pad_id
        positions = valid.reshape(-1).nonzero().squeeze(1)
        tgt = self.to_output_index(targets[valid]).to(device,
                                                      non_blocking=True)
        states = self.decode_states(inputs.to(device, non_blocking=True),
                                    memory, memory_mask)
        # Project only real target positions: the vocabulary-wide matmul is
        # the most expensive op of the head.
        logits = self.logits(states.flatten(0, 1).index_select(
            0, positions.to(device, non_blocking=True)))
        with torch.no_grad():
            correct = (logits.argmax(-1) == tgt).float()
            acc = correct.mean()
        return dict(lm=HeadOutput(logits, tgt, num_sequences=seq.shape[0],
                                  diagnostics={'acc_lm_token': acc}))

    def search_config(self, device, max_len: Optional[int] = None,
                      min_len: Optional[int] = None,
                      constrained: bool = True) -> SearchConfig:
        """Decoding settings of this head for :mod:`mcg.heads.decoding`."""
        num_cols = (len(self.vocab_ids) if self.vocab_ids is not None
                    else self.lm_bias.numel())
        col_ids = self.to_token_ids(torch.arange(num_cols, device=device))
        end_col = self.output_columns(torch.tensor([self.sep_id]))[0]
        return SearchConfig(
            end_col=int(end_col[0]), col_ids=col_ids, pad_id=self.pad_id,
            max_len=max_len or self.max_decode_len,
            min_len=self.min_decode_len if min_len is None else min_len,
            trie=self.trie if constrained else None)

    @torch.no_grad()
    def generate(self, memory: Memory, memory_mask: Tensor,
                 max_len: Optional[int] = None, use_cache: bool = True,
                 num_beams: Optional[int] = None,
                 min_len: Optional[int] = None,
                 constrained: bool = True) -> Tensor:
        """Decode answers; returns (B, <=max_len) ids without ``[GEN]``.

        Args:
            memory: Cross-attended memory (B rows).
            memory_mask: (B, M) memory mask.
            max_len: Override of ``max_decode_len``.
            use_cache: Use the key/value cache (same tokens, faster).
            num_beams: Override of ``num_beams``.
            min_len: Override of ``min_decode_len``.
            constrained: Apply ``constrain_answers`` if configured.

        Returns:
            Token ids, ``[PAD]`` after ``[SEP]``.
        """
        k = num_beams or self.num_beams
        b, device = memory_mask.shape[0], memory_mask.device
        cfg = self.search_config(device, max_len, min_len, constrained)
        if k > 1:
            # Beams index the memory rows, so each question's keys/values
            # are projected once and shared by its beams.
            rows = torch.arange(b, device=device).repeat_interleave(k)
            memory, memory_mask = select_memory(memory, rows), \
                memory_mask[rows]
        steps = DecoderSteps(self, memory, memory_mask, use_cache)
        bos = torch.full((b * k, 1), self.gen_id, dtype=torch.long,
                         device=device)
        if k == 1:
            return greedy_search(steps, bos, cfg)
        return beam_search(steps, steps.reorder, bos, k, cfg,
                           self.length_penalty)

    def predict(self, memory: Memory, memory_mask: Tensor,
                data_samples: Sequence) -> List[str]:
        ids = self.generate(memory, memory_mask)
        texts = self.tokenizer.batch_decode(ids.tolist(),
                                            skip_special_tokens=True)
        return [normalize_answer(t) for t in texts]

    def answer_compute(self, memory: Memory, memory_mask: Tensor,
                       answer_len: int) -> Tensor:
        """Logits of ``answer_len`` tokens in one pass (what cached greedy
        decoding computes: every token once, the LM head at each)."""
        ids = torch.full((memory_mask.shape[0], answer_len), self.gen_id,
                         dtype=torch.long, device=memory_mask.device)
        return self.logits(self.decode_states(ids, memory, memory_mask))

    @torch.no_grad()
    def score_answers(self, memory: Memory, memory_mask: Tensor,
                      answers: Sequence[Sequence[str]],
                      length_norm: bool = True) -> List[Tensor]:
        """Log-likelihood of given answers (``[SEP]`` included) per row.

        Args:
            memory: Cross-attended memory (B rows).
            memory_mask: (B, M) memory mask.
            answers: For each row, the answers to score.
            length_norm: Divide by the number of answer tokens, so that
                long candidates are not penalised for their length.

        Returns:
            One (len(answers[i]),) tensor per row; an answer with a token
            outside the ``output_vocab`` shortlist scores ``-inf``.
        """
        device = memory_mask.device
        owner = torch.tensor([i for i, row in enumerate(answers)
                              for _ in row], dtype=torch.long, device=device)
        flat = [a for row in answers for a in row]
        if not flat:
            return [torch.empty(0, device=device) for _ in answers]
        seq = self.encode_answers(flat, device)
        inputs, targets = seq[:, :-1], seq[:, 1:]
        states = self.decode_states(inputs, select_memory(memory, owner),
                                    memory_mask[owner])
        logp = self.logits(states).float().log_softmax(-1)
        cols, known = self.output_columns(targets)
        token_logp = logp.gather(-1, cols[..., None]).squeeze(-1)
        valid = targets != self.pad_id
        token_logp = token_logp.masked_fill(valid & ~known, float('-inf'))
        total = token_logp.masked_fill(~valid, 0.0).sum(1)
        if length_norm:
            total = total / valid.sum(1)
        return list(total.split([len(row) for row in answers]))
