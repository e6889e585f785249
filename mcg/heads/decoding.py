"""Greedy and beam search over a step function, optionally trie-constrained.

The searches know nothing about transformers: ``step(seq)`` returns the
log-probabilities of the next token for every row of ``seq`` (whether it
recomputes the prefix or reads a key/value cache is its business), and
``reorder(index)`` is called whenever beam search reorders rows, so a cache
can follow. Cached and uncached steps therefore make identical choices.

Scores are over *output columns* (the generator may score a shortlist of the
vocabulary); ``col_ids`` maps columns back to token ids.
"""
from __future__ import annotations

import contextlib
import contextvars
import heapq
from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Tuple

import torch
from torch import Tensor

from .answer_trie import AnswerTrie

StepFn = Callable[[Tensor], Tensor]
ReorderFn = Callable[[Tensor], None]
#: Finished beams of one question: (token ids, normalised score), best first.
RankedBeams = List[Tuple[List[int], float]]

# Set by record_beams(): where beam_search appends each question's beams.
# A context variable, so concurrent searches (e.g. a web demo's threads)
# never see each other's beams.
_BEAM_RECORD: contextvars.ContextVar[Optional[List[RankedBeams]]] = \
    contextvars.ContextVar('mcg_beam_record', default=None)


@contextlib.contextmanager
def record_beams() -> Iterator[List[RankedBeams]]:
    """Collect the finished beams of every :func:`beam_search` in the block.

    The searches themselves are unchanged; this only reads the ``k`` answers
    each question finished with, which the search otherwise discards after
    picking the best.

    Yields:
        A list that receives, per question searched, its beams as
        ``(token ids, score)`` pairs, best first (score: summed
        log-probability over ``length ** length_penalty``).
    """
    record: List[RankedBeams] = []
    token = _BEAM_RECORD.set(record)
    try:
        yield record
    finally:
        _BEAM_RECORD.reset(token)


@dataclass
class SearchConfig:
    """What every search needs besides the step function.

    Attributes:
        end_col: Output column of ``[SEP]`` (ends an answer).
        col_ids: (C,) token id of each output column.
        pad_id: Token appended to finished rows.
        max_len: Generated tokens at most (``[SEP]`` included).
        min_len: Tokens before ``[SEP]`` may be emitted (1 forbids empty
            answers).
        trie: Optional answer trie; only its answers can be produced.
    """

    end_col: int
    col_ids: Tensor
    pad_id: int
    max_len: int
    min_len: int = 1
    trie: Optional[AnswerTrie] = None


def _mask_scores(logp: Tensor, step: int, cfg: SearchConfig,
                 nodes: Optional[Tensor]) -> Tensor:
    """Forbid ``[SEP]`` before ``min_len`` and columns off the trie."""
    if step < cfg.min_len:
        logp = logp.clone()
        logp[:, cfg.end_col] = float('-inf')
    if nodes is not None:
        logp = logp.masked_fill(~cfg.trie.mask(nodes), float('-inf'))
    return logp


def greedy_search(step: StepFn, bos: Tensor, cfg: SearchConfig) -> Tensor:
    """Pick the most likely column at every step, all rows at once.

    Args:
        step: ``seq (N, t) -> (N, C)`` next-token log-probabilities.
        bos: (N, 1) start tokens.
        cfg: Search settings.

    Returns:
        (N, <= max_len) generated token ids (start token excluded), padded
        with ``pad_id`` after ``[SEP]``.
    """
    seq = bos
    n = bos.shape[0]
    done = torch.zeros(n, dtype=torch.bool, device=bos.device)
    nodes = cfg.trie.start(n).to(bos.device) if cfg.trie else None
    col_ids = cfg.col_ids.to(bos.device)
    for t in range(cfg.max_len):
        logp = _mask_scores(step(seq), t, cfg, nodes)
        cols = logp.argmax(-1)
        tokens = torch.where(done, torch.full_like(cols, cfg.pad_id),
                             col_ids[cols])
        seq = torch.cat([seq, tokens[:, None]], dim=1)
        if nodes is not None:
            nodes = cfg.trie.advance(nodes, cols.masked_fill(done, -1))
        done |= cols == cfg.end_col
        if bool(done.all()):
            break
    return seq[:, 1:]


class _Hypotheses:
    """The best ``k`` finished answers of one question (a min-heap)."""

    def __init__(self, k: int, length_penalty: float) -> None:
        self.k = k
        self.length_penalty = length_penalty
        self.heap: List[Tuple[float, int, List[int]]] = []
        self._count = 0

    def normalised(self, score: float, length: int) -> float:
        return score / (length ** self.length_penalty)

    def add(self, tokens: List[int], score: float) -> None:
        item = (self.normalised(score, len(tokens)), self._count, tokens)
        self._count += 1  # tie-break on insertion order, never on tokens
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, item)
        elif item[0] > self.heap[0][0]:
            heapq.heapreplace(self.heap, item)

    def is_done(self, best_running: float, length: int) -> bool:
        """Full, and the best running beam cannot beat the worst kept."""
        if len(self.heap) < self.k:
            return False
        return self.normalised(best_running, length) <= self.heap[0][0]

    def best(self) -> List[int]:
        # Highest score; among equals the earliest found.
        return max(self.heap, key=lambda x: (x[0], -x[1]))[2]

    def ranked(self) -> RankedBeams:
        """All kept answers, best first (ties: the earliest found first)."""
        items = sorted(self.heap, key=lambda x: (-x[0], x[1]))
        return [(tokens, score) for score, _, tokens in items]


def beam_search(step: StepFn, reorder: ReorderFn, bos: Tensor,
                num_beams: int, cfg: SearchConfig,
                length_penalty: float = 1.0) -> Tensor:
    """Batched beam search.

    ``bos`` and the step function already hold ``num_beams`` rows per
    question (row ``b * num_beams + j`` is beam ``j`` of question ``b``).
    At each step every beam is extended by every column; the ``2k`` best
    extensions of a question are scanned in order: an extension ending with
    ``[SEP]`` among the first ``k`` becomes a finished answer scored
    ``sum(log p) / length ** length_penalty`` (length counts generated
    tokens, ``[SEP]`` included), the others fill the ``k`` running beams. A
    question stops when it has ``k`` finished answers and its best running
    beam cannot beat the worst of them; at ``max_len`` running beams are
    finished as they are.

    Args:
        step: ``seq (N, t) -> (N, C)`` next-token log-probabilities.
        reorder: Called with the (N,) source row of every new beam row.
        bos: (B * num_beams, 1) start tokens.
        num_beams: Beams per question.
        cfg: Search settings.
        length_penalty: Exponent of the length normalisation.

    Returns:
        (B, <= max_len) best answer of each question, ``pad_id``-padded.
    """
    k = num_beams
    n = bos.shape[0]
    b = n // k
    device = bos.device
    col_ids = cfg.col_ids.to(device)
    seq = bos
    # Only beam 0 is live at first, so the k beams do not start as copies.
    scores = torch.full((b, k), float('-inf'), device=device)
    scores[:, 0] = 0.0
    nodes = cfg.trie.start(n).to(device) if cfg.trie else None
    hyps = [_Hypotheses(k, length_penalty) for _ in range(b)]
    done = [False] * b
    for t in range(cfg.max_len):
        logp = _mask_scores(step(seq).float(), t, cfg, nodes)
        num_cols = logp.shape[1]
        total = (scores.view(n, 1) + logp).view(b, k * num_cols)
        top_scores, top_idx = total.topk(min(2 * k, k * num_cols), dim=1)
        src_rows, cols, new_scores = [], [], []
        for q, (row_scores, row_idx) in enumerate(
                zip(top_scores.tolist(), top_idx.tolist())):
            chosen: List[Tuple[int, int, float]] = []
            if not done[q]:
                for rank, (s, idx) in enumerate(zip(row_scores, row_idx)):
                    if s == float('-inf'):
                        break
                    beam, col = divmod(idx, num_cols)
                    if col == cfg.end_col:
                        if rank < k:
                            prefix = seq[q * k + beam, 1:].tolist()
                            hyps[q].add(prefix + [int(col_ids[col])], s)
                        continue
                    chosen.append((q * k + beam, col, s))
                    if len(chosen) == k:
                        break
                if chosen and hyps[q].is_done(chosen[0][2], t + 1):
                    done[q] = True
                elif not chosen:
                    done[q] = True
            if done[q] or not chosen:
                # Finished questions keep computing (the batch is shared)
                # with dead beams whose output is ignored.
                chosen = [(q * k + j, cfg.end_col, float('-inf'))
                          for j in range(k)]
            while len(chosen) < k:  # fewer valid extensions than beams
                chosen.append((chosen[0][0], chosen[0][1], float('-inf')))
            for row, col, s in chosen:
                src_rows.append(row)
                cols.append(col)
                new_scores.append(s)
        index = torch.tensor(src_rows, device=device)
        col_t = torch.tensor(cols, device=device)
        reorder(index)
        seq = torch.cat([seq[index], col_ids[col_t][:, None]], dim=1)
        scores = torch.tensor(new_scores, device=device).view(b, k)
        if nodes is not None:
            nodes = cfg.trie.advance(nodes[index], col_t)
        if all(done):
            break
    out = []
    for q in range(b):
        if not done[q]:
            for j in range(k):
                s = float(scores[q, j])
                if s > float('-inf'):
                    hyps[q].add(seq[q * k + j, 1:].tolist(), s)
        out.append(hyps[q].best() if hyps[q].heap else [])
    record = _BEAM_RECORD.get()
    if record is not None:
        record.extend(h.ranked() for h in hyps)
    width = max(1, max(len(x) for x in out))
    result = torch.full((b, width), cfg.pad_id, dtype=torch.long,
                        device=device)
    for q, tokens in enumerate(out):
        if tokens:
            result[q, :len(tokens)] = torch.tensor(tokens, device=device)
    return result
