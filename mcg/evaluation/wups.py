"""WUPS: Wu-Palmer-based soft answer accuracy (Malinowski & Fritz, 2014).

Two variants, because the published "reference" scripts disagree:

* ``'malinowski'`` (default, the measure as defined for DAQUAR): a word
  pair scores the best Wu-Palmer similarity over all pairs of their WordNet
  **noun** senses (0 if either word has none); scores below the threshold
  are multiplied by 0.1. Prediction and answer are *sets* of whitespace
  words, and the score is ``min(prod_a max_t mu(a, t), prod_t max_a mu(a,
  t))``, so one unmatched word zeroes it.
* ``'nextoe'`` (NExT-OE's ``metrics.py``, also in the MCG repo): only the
  **first** sense of any part of speech, Treebank tokens kept as a list, and
  a word whose best match is 0 is *skipped* instead of zeroing the product
  (the score is 0 only if no word matched). NExT-OE's extra preprocessing
  (pywsd lemmatisation and stop-word removal, which need downloaded tagger
  data) is not reproduced.

Both compare after :func:`~mcg.utils.text.normalize_answer` (case,
spaces, trailing ``?``/``.``), and identical strings score 1 without WordNet.
"""
from __future__ import annotations

import functools
from typing import Callable, Dict, List, Sequence

from mcg.utils.text import normalize_answer
from .wordnet import get_wordnet

VARIANTS = ('malinowski', 'nextoe')
#: Factor applied to word similarities below the threshold.
BELOW_THRESHOLD_FACTOR = 0.1


@functools.lru_cache(maxsize=1 << 16)
def _ancestor_distances(synset) -> Dict[object, int]:
    """Shortest hop count from ``synset`` to itself and every ancestor."""
    # nltk's own (private) search, so distances match wup_similarity exactly;
    # tests compare the two on sampled pairs against the pinned nltk.
    return synset._shortest_hypernym_paths(simulate_root=False)


def noun_wup(sense_a, sense_b) -> float:
    """nltk's ``wup_similarity`` for two noun synsets, 0 instead of None.

    Same definition and tie-breaking as nltk 3.10 (deepest common hypernym
    by minimum depth, ``max_depth`` of the subsumer, shortest distances),
    but each synset's ancestor distances are computed once: nltk redoes
    that search for every pair, which dominates WUPS over all sense pairs.
    Nouns share the root ``entity.n.01``, so no root is simulated.

    Args:
        sense_a: A noun synset.
        sense_b: Another noun synset.

    Returns:
        The similarity in (0, 1], or 0 without a common hypernym.
    """
    dist_a, dist_b = _ancestor_distances(sense_a), _ancestor_distances(sense_b)
    common = dist_a.keys() & dist_b.keys()
    if not common:
        return 0.0
    deepest = max(s.min_depth() for s in common)
    candidates = sorted(s for s in common if s.min_depth() == deepest)
    subsumer = sense_a if sense_a in candidates else candidates[0]
    depth = subsumer.max_depth() + 1
    to_subsumer = _ancestor_distances(subsumer)

    def distance(dist: Dict[object, int]) -> int:
        return min(d + to_subsumer[s] for s, d in dist.items()
                   if s in to_subsumer)

    return 2.0 * depth / (distance(dist_a) + distance(dist_b) + 2 * depth)


@functools.lru_cache(maxsize=1 << 18)
def wup_similarity(word_a: str, word_b: str, variant: str) -> float:
    """Wu-Palmer similarity of two words under ``variant``'s sense policy.

    Args:
        word_a: A word.
        word_b: Another word.
        variant: ``'malinowski'`` (max over noun senses) or ``'nextoe'``
            (first sense of any part of speech).

    Returns:
        A value in [0, 1]; 1 for equal words, 0 without senses.
    """
    if word_a == word_b:
        return 1.0
    wordnet = get_wordnet()
    if variant == 'malinowski':
        senses_a = wordnet.synsets(word_a, pos='n')
        senses_b = wordnet.synsets(word_b, pos='n')
        return max((noun_wup(a, b) for a in senses_a for b in senses_b),
                   default=0.0)
    senses_a, senses_b = wordnet.synsets(word_a), wordnet.synsets(word_b)
    if not senses_a or not senses_b:
        return 0.0
    return senses_a[0].wup_similarity(senses_b[0]) or 0.0


def word_score(word_a: str, word_b: str, threshold: float,
               variant: str = 'malinowski') -> float:
    """``mu(a, b)``: the similarity, times 0.1 when below ``threshold``."""
    sim = wup_similarity(word_a, word_b, variant)
    return sim if sim >= threshold else BELOW_THRESHOLD_FACTOR * sim


def _coverage(words: Sequence[str], others: Sequence[str],
              score: Callable[[str, str], float], skip_zero: bool) -> float:
    """Product over ``words`` of each word's best score against ``others``."""
    product, matched = 1.0, False
    for word in words:
        best = max((score(word, other) for other in others), default=0.0)
        if best == 0.0 and skip_zero:
            continue
        product *= best
        matched = True
    return product if matched or not skip_zero else 0.0


def _tokens(text: str, variant: str) -> List[str]:
    if variant == 'malinowski':
        # A set of words, in first-seen order.
        return list(dict.fromkeys(text.split()))
    from nltk.tokenize import TreebankWordTokenizer
    return TreebankWordTokenizer().tokenize(text)


def wups(prediction: str, answer: str, threshold: float,
         variant: str = 'malinowski') -> float:
    """WUPS of one prediction against one reference answer.

    Args:
        prediction: Predicted answer text.
        answer: Ground-truth answer text.
        threshold: The WUPS threshold (0.9 for WUPS@0.9, 0.0 for WUPS@0.0).
        variant: ``'malinowski'`` or ``'nextoe'`` (see the module doc).

    Returns:
        A score in [0, 1].

    Raises:
        ValueError: Unknown variant.
        WordNetUnavailable: WordNet is needed (the strings differ) but cannot
            be loaded offline.
    """
    if variant not in VARIANTS:
        raise ValueError(f'variant must be one of {VARIANTS}, got '
                         f'{variant!r}')
    prediction = normalize_answer(prediction or '')
    answer = normalize_answer(answer or '')
    if prediction == answer:
        return 1.0
    pred_words, answer_words = (_tokens(prediction, variant),
                                _tokens(answer, variant))
    if not pred_words or not answer_words:
        return 0.0

    def score(a: str, b: str) -> float:
        return word_score(a, b, threshold, variant)

    skip_zero = variant == 'nextoe'
    return min(_coverage(pred_words, answer_words, score, skip_zero),
               _coverage(answer_words, pred_words, score, skip_zero))
