"""Tokenizers (built from the parentless ``TOKENIZERS`` registry)."""
from __future__ import annotations

from transformers import BertTokenizerFast as HFTokenizer

from mcg.registry import TOKENIZERS
from mcg.utils.pretrained import load_or_explain


@TOKENIZERS.register_module()
def BertTokenizerFast(name_or_path: str = 'bert-base-uncased', **kwargs):
    """Load a WordPiece tokenizer from a hub id, directory or package asset.

    ``from_pretrained`` on a directory holding ``vocab.txt`` is the way that
    works across transformers v4 and v5 (the v5 constructor silently ignores
    ``vocab_file``).

    Args:
        name_or_path: Hub id, local directory or ``package://`` reference.
        **kwargs: Passed to ``from_pretrained``.

    Returns:
        A ``transformers`` fast BERT tokenizer.
    """
    return load_or_explain(lambda p: HFTokenizer.from_pretrained(p, **kwargs),
                           name_or_path, 'tokenizer vocabulary',
                           'model.tokenizer.name_or_path', random_init=False)
