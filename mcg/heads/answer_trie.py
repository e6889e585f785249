"""Prefix trie over tokenised answers, for decoding constrained to a list."""
from __future__ import annotations

from typing import Dict, List, Sequence

import torch
from torch import Tensor

from mcg.datasets.text_files import read_json


def read_answers(path: str) -> List[str]:
    """Answers of a JSON list of strings or of ``{"answer": ...}`` records."""
    # The annotation reader: a malformed file names its line and column.
    items = read_json(path)
    return [x['answer'] if isinstance(x, dict) else str(x) for x in items]


class AnswerTrie:
    """Which output columns may follow each answer prefix.

    Built from token-column sequences that each end with the end column
    (``[SEP]``), so a constrained decoder can only emit complete answers of
    the list. States are node ids; node 0 is the empty prefix.

    Args:
        sequences: Column sequences, one per answer, each ending with
            ``end_col``; duplicates are merged.
        num_cols: Width of the score rows the mask is applied to.
        end_col: The column that ends an answer.
    """

    def __init__(self, sequences: Sequence[Sequence[int]], num_cols: int,
                 end_col: int) -> None:
        if not sequences:
            raise ValueError('cannot constrain decoding to an empty answer '
                             'list')
        self.num_cols = num_cols
        self.end_col = end_col
        self.children: List[Dict[int, int]] = [{}]
        for seq in sequences:
            if not seq or seq[-1] != end_col:
                raise ValueError(f'answer {list(seq)} does not end with the '
                                 f'end column {end_col}')
            node = 0
            for col in seq:
                if col not in self.children[node]:
                    self.children.append({})
                    self.children[node][col] = len(self.children) - 1
                node = self.children[node][col]
        # One allowed-columns row per node, built once: each decoding step
        # then gathers rows instead of looping over the vocabulary.
        table = torch.zeros(len(self.children), num_cols, dtype=torch.bool)
        for node, kids in enumerate(self.children):
            table[node, list(kids)] = True
        self.table = table

    def __len__(self) -> int:
        return len(self.children)

    def start(self, n: int) -> Tensor:
        """States of ``n`` empty prefixes."""
        return torch.zeros(n, dtype=torch.long)

    def allowed(self, nodes: Tensor) -> Tensor:
        """(N, num_cols) boolean mask of the columns allowed after nodes."""
        return self.table[nodes.cpu()].to(nodes.device)

    def advance(self, nodes: Tensor, cols: Tensor) -> Tensor:
        """States after appending ``cols``; -1 marks a prefix off the trie
        (a finished row fed padding), which allows nothing afterwards."""
        out = [self.children[n].get(c, -1) if n >= 0 else -1
               for n, c in zip(nodes.tolist(), cols.tolist())]
        return torch.tensor(out, dtype=torch.long, device=nodes.device)

    def mask(self, nodes: Tensor) -> Tensor:
        """Like :meth:`allowed`, with off-trie rows allowing everything (their
        choice is discarded, and an all-masked row would give NaNs)."""
        safe = nodes.clamp(min=0)
        allowed = self.allowed(safe)
        allowed[nodes < 0] = True
        return allowed
