"""WUPS against values worked out by hand from WordNet 3.0.

Wu-Palmer as nltk computes it: 2 * N(lcs) / (N(a) + N(b)), where N counts
the nodes from the root ``entity.n.01`` down to a synset (depth + 1). The
hypernym paths used below (each word has a single noun sense):

    guitar  entity > physical_entity > object > whole > artifact >
            instrumentality > device > musical_instrument >
            stringed_instrument > guitar                         N = 10
    violin  ... > stringed_instrument > bowed_stringed_instrument
            > violin                                             N = 11
    cello   ... > bowed_stringed_instrument > cello              N = 11
    zebra   entity > physical_entity > object > whole > living_thing >
            organism > animal > chordate > vertebrate > mammal >
            placental > ungulate > odd-toed_ungulate > equine
            > zebra                                              N = 15

so violin-cello = 2*10/22 = 10/11, guitar-violin = guitar-cello =
2*9/21 = 6/7, guitar-zebra = 2*4/25 = 8/25 (LCS whole, N = 4) and
violin-zebra = 2*4/26 = 4/13.
"""
import os

import pytest

from mcg.evaluation import wordnet as wordnet_module
from mcg.evaluation import wups
from mcg.evaluation.wordnet import (DEBIAN_WORDNET_DIR, LEXNAMES,
                                    WordNetUnavailable, build_wordnet_cache,
                                    format_lexnames, get_wordnet,
                                    lexnames_from_man_page)
from mcg.evaluation.wups import noun_wup, wup_similarity


@pytest.fixture(scope='module')
def wordnet():
    try:
        return get_wordnet()
    except WordNetUnavailable as exc:
        pytest.skip(f'WordNet unavailable offline: {exc}')


def test_identical_strings_need_no_wordnet():
    # Out-of-WordNet tokens and words without noun senses still score 1.
    assert wups('3', '3', 0.9) == 1.0
    assert wups('happy', 'happy', 0.9) == 1.0
    assert wups('Red Car?', 'red  car', 0.9, variant='nextoe') == 1.0
    with pytest.raises(ValueError, match='variant'):
        wups('a', 'b', 0.9, variant='daquar')


def test_hand_computed_paths_hold(wordnet):
    """The node counts of the module docstring."""
    nodes = {w: wordnet.synsets(w, pos='n')[0].max_depth() + 1
             for w in ('guitar', 'violin', 'cello', 'zebra')}
    assert nodes == dict(guitar=10, violin=11, cello=11, zebra=15)
    assert [len(wordnet.synsets(w, pos='n'))
            for w in ('guitar', 'violin', 'cello', 'zebra')] == [1, 1, 1, 1]


def test_single_words(wordnet):
    assert wups('violin', 'cello', 0.9) == pytest.approx(10 / 11)
    assert wups('violin', 'cello', 0.0) == pytest.approx(10 / 11)
    # 6/7 < 0.9: down-weighted by 0.1 at WUPS@0.9 only.
    assert wups('guitar', 'violin', 0.9) == pytest.approx(0.1 * 6 / 7)
    assert wups('guitar', 'violin', 0.0) == pytest.approx(6 / 7)
    assert wups('zebra', 'guitar', 0.0) == pytest.approx(8 / 25)
    # Symmetric.
    assert wups('cello', 'violin', 0.9) == wups('violin', 'cello', 0.9)


def test_cached_noun_wup_matches_nltk(wordnet):
    """The cached re-implementation agrees with nltk's wup_similarity."""
    import random
    rng = random.Random(0)
    words = ('dog cat table bank man woman car red ball water hand game '
             'room light line head play horse bird chair one three').split()
    senses = [s for w in words for s in wordnet.synsets(w, pos='n')]
    pairs = [(rng.choice(senses), rng.choice(senses)) for _ in range(400)]
    for a, b in pairs:
        assert noun_wup(a, b) == pytest.approx(a.wup_similarity(b) or 0.0,
                                               abs=1e-12), (a, b)


def test_words_without_noun_senses(wordnet):
    assert wordnet.synsets('quickly', pos='n') == []
    assert wups('quickly', 'guitar', 0.0) == 0.0
    assert wups('the', 'guitar', 0.0) == 0.0
    assert wups('', 'guitar', 0.0) == 0.0


def test_multi_word_answers(wordnet):
    # {guitar, violin} vs {violin}: guitar's best is 6/7, violin's 1.
    assert wups('guitar violin', 'violin', 0.0) == pytest.approx(6 / 7)
    assert wups('guitar violin', 'violin', 0.9) == pytest.approx(0.6 / 7)
    # {violin, guitar} vs {cello, zebra}:
    #   prediction side: violin->cello 10/11, guitar->cello 6/7
    #   answer side:     cello->violin 10/11, zebra->guitar 8/25 (> 4/13)
    assert wups('violin guitar', 'cello zebra', 0.0) == pytest.approx(
        min(10 / 11 * 6 / 7, 10 / 11 * 8 / 25))
    assert wups('violin guitar', 'cello zebra', 0.9) == pytest.approx(
        min(10 / 11 * 0.6 / 7, 10 / 11 * 0.8 / 25))
    # Sets of words: a repeated word does not square its score.
    assert wups('guitar guitar', 'violin', 0.0) == pytest.approx(6 / 7)


def test_nextoe_variant_skips_unmatched_words(wordnet):
    # Malinowski: 'the' has no noun sense and zeroes the product.
    assert wups('the guitar', 'guitar', 0.0) == 0.0
    # NExT-OE: a word whose best match is 0 is skipped.
    assert wups('the guitar', 'guitar', 0.0, variant='nextoe') == 1.0
    assert wups('guitar', 'violin', 0.9,
                variant='nextoe') == pytest.approx(0.1 * 6 / 7)
    assert wups('the', 'guitar', 0.0, variant='nextoe') == 0.0


def test_generated_lexnames_table():
    try:
        text = lexnames_from_man_page()
    except WordNetUnavailable as exc:
        pytest.skip(f'lexnames(5WN) man page not installed: {exc}')
    lines = text.splitlines()
    assert len(lines) == 45
    assert lines[0] == '00\tadj.all\t3'
    assert lines[18] == '18\tnoun.person\t1'
    assert lines[29] == '29\tverb.body\t2'
    assert lines[44] == '44\tadj.ppl\t3'
    # The fallback table for images without man pages says the same.
    assert format_lexnames(LEXNAMES) == text


def test_cache_holds_copies_not_links(tmp_path):
    if not os.path.isfile(os.path.join(DEBIAN_WORDNET_DIR, 'index.sense')):
        pytest.skip(f'Debian WordNet files not installed in '
                    f'{DEBIAN_WORDNET_DIR}')
    root = build_wordnet_cache(cache_dir=str(tmp_path),
                               man_path=str(tmp_path / 'no-man-page.gz'))
    folder = os.path.join(root, 'corpora', 'wordnet')
    for name in ('data.noun', 'index.sense', 'lexnames'):
        path = os.path.join(folder, name)
        assert os.path.isfile(path) and not os.path.islink(path)
    with open(os.path.join(folder, 'lexnames')) as f:
        assert len(f.read().splitlines()) == 45
    with pytest.raises(WordNetUnavailable, match='index.sense'):
        build_wordnet_cache(source_dir=str(tmp_path),
                            cache_dir=str(tmp_path / 'other'))


def test_unavailable_wordnet_is_reported(tmp_path, monkeypatch):
    nltk = pytest.importorskip('nltk')
    monkeypatch.setattr(nltk.data, 'path', [])
    monkeypatch.setenv('MCG_NLTK_DATA', str(tmp_path / 'cache'))
    monkeypatch.setenv('MCG_WORDNET_DIR', str(tmp_path / 'nowhere'))
    # monkeypatch puts a loaded reader back afterwards for later tests.
    monkeypatch.setattr(wordnet_module, '_READER', None)
    monkeypatch.setattr(wordnet_module, '_FAILURE', None)
    wup_similarity.cache_clear()
    message = wordnet_module.wordnet_status()
    assert message and 'wordnet-base' in message and 'nowhere' in message
    with pytest.raises(WordNetUnavailable):
        wups('guitar', 'violin', 0.9)
