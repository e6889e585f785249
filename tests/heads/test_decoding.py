"""Generator decoding: cache equivalence, beam optimality, trie constraint."""
import itertools

import pytest
import torch

from mcg.heads import AnswerTrie, normalize_answer

from .helpers import make_head, make_memory, write_answers


@pytest.fixture(scope='module')
def head():
    return make_head()


@pytest.mark.parametrize('num_beams,shared,forced_len', [
    (1, False, None), (3, False, None), (3, True, 10), (1, True, 10)])
def test_cached_and_uncached_decoding_give_the_same_tokens(
        head, num_beams, shared, forced_len):
    memory, mask = make_memory(batch=5, shared=shared)
    kwargs = dict(num_beams=num_beams, max_len=10)
    if forced_len:  # no early [SEP]: every step reorders the beam cache
        kwargs['min_len'] = forced_len
    cached = head.generate(memory, mask, use_cache=True, **kwargs)
    plain = head.generate(memory, mask, use_cache=False, **kwargs)
    assert torch.equal(cached, plain)
    assert cached.shape[0] == 5
    if forced_len:
        assert cached.shape[1] == forced_len
        assert not (cached == head.sep_id).any()
    # Rows differ (the memory matters), or the test would be weak.
    assert len({tuple(r) for r in cached.tolist()}) > 1


def test_min_len_forbids_the_empty_answer(head):
    memory, mask = make_memory(batch=4)
    with torch.no_grad():
        head.lm_bias[head.sep_id] = 100.0  # [SEP] always wins if allowed
    try:
        ids = head.generate(memory, mask, num_beams=1)
        assert (ids[:, 0] != head.sep_id).all()
        assert (ids[:, 1] == head.sep_id).all()
        free = head.generate(memory, mask, num_beams=1, min_len=0)
        assert (free[:, 0] == head.sep_id).all()
    finally:
        with torch.no_grad():
            head.lm_bias.zero_()


def _sequence_logps(head, memory, mask, row, sequences):
    """Sum of log p of each column sequence, teacher-forced, for one row
    (one batched pass; sequences are right-padded, which a causal decoder
    does not see)."""
    width = max(map(len, sequences))
    ids = torch.full((len(sequences), width), head.pad_id)
    for i, cols in enumerate(sequences):
        ids[i, 0] = head.gen_id
        ids[i, 1:len(cols)] = head.to_token_ids(torch.tensor(cols[:-1]))
    part = memory[0]
    rows = torch.full((len(sequences), ), row)
    mem = [part._replace(states=part.states[row:row + 1],
                         index=torch.zeros_like(rows))]
    with torch.no_grad():
        states = head.decode_states(ids, mem, mask[rows])
        logp = head.logits(states).float().log_softmax(-1)
    return [float(logp[i, torch.arange(len(c)), torch.tensor(c)].sum())
            for i, c in enumerate(sequences)]


def _sequence_logp(head, memory, mask, row, cols):
    return _sequence_logps(head, memory, mask, row, [cols])[0]


@pytest.mark.parametrize('length_penalty', [0.0, 1.0])
def test_wide_beam_finds_the_exhaustive_optimum(tmp_path, length_penalty):
    # 3 answer tokens + [SEP] = 4 columns; 16 beams keep every prefix.
    vocab = write_answers(tmp_path / 'a.json', ['red', 'blue', 'circle'])
    head = make_head(seed=3, output_vocab=vocab,
                     length_penalty=length_penalty)
    memory, mask = make_memory(batch=3, seed=5)
    max_len = 3
    cfg = head.search_config(torch.device('cpu'), max_len=max_len)
    end, words = cfg.end_col, [c for c in range(4) if c != cfg.end_col]
    candidates = [list(p) + [end] for n in (1, 2)
                  for p in itertools.product(words, repeat=n)]
    candidates += [list(p) for p in itertools.product(words, repeat=3)]
    beam = head.generate(memory, mask, max_len=max_len, num_beams=16)
    greedy = head.generate(memory, mask, max_len=max_len, num_beams=1)
    for row in range(3):
        scored = [lp / len(c) ** length_penalty for lp, c in zip(
            _sequence_logps(head, memory, mask, row, candidates),
            candidates)]
        best = max(scored)

        def score(ids):
            ids = [t for t in ids.tolist() if t != head.pad_id]
            cols = head.to_output_index(torch.tensor(ids)).tolist()
            return _sequence_logp(head, memory, mask, row, cols) / len(
                cols) ** length_penalty
        assert score(beam[row]) == pytest.approx(best, abs=1e-5)
        assert score(greedy[row]) <= best + 1e-5


@pytest.mark.parametrize('num_beams', [1, 3])
def test_constrained_decoding_only_produces_listed_answers(tmp_path,
                                                            num_beams):
    answers = ['red circle', 'blue', 'yes', 'top left', 'moving up',
               'bottom right corner']
    path = write_answers(tmp_path / 'a.json', answers)
    head = make_head(seed=1, constrain_answers=path, num_beams=num_beams)
    memory, mask = make_memory(batch=6, seed=2)
    free = head.generate(memory, mask, constrained=False)
    free_text = head.tokenizer.batch_decode(free.tolist(),
                                            skip_special_tokens=True)
    # Unconstrained, the random model says something else.
    assert not set(map(normalize_answer, free_text)) <= set(answers)
    ids = head.generate(memory, mask)
    assert torch.equal(ids, head.generate(memory, mask, use_cache=False))
    preds = head.predict(memory, mask, [None] * 6)
    assert set(preds) <= set(answers)
    assert len(set(preds)) > 1


def test_constraint_respects_the_output_shortlist(tmp_path):
    vocab = write_answers(tmp_path / 'v.json', ['red circle', 'blue'])
    allowed = write_answers(tmp_path / 'c.json', ['red', 'green square'])
    head = make_head(output_vocab=vocab, constrain_answers=allowed)
    # 'green square' has tokens outside the shortlist: only 'red' remains.
    memory, mask = make_memory(batch=3)
    assert head.predict(memory, mask, [None] * 3) == ['red'] * 3


def test_answer_trie_masks_and_advances():
    trie = AnswerTrie([[5, 7, 1], [5, 1], [6, 1]], num_cols=8, end_col=1)
    nodes = trie.start(2)
    assert trie.mask(nodes)[0].nonzero().flatten().tolist() == [5, 6]
    nodes = trie.advance(nodes, torch.tensor([5, 6]))
    assert trie.mask(nodes)[0].nonzero().flatten().tolist() == [1, 7]
    assert trie.mask(nodes)[1].nonzero().flatten().tolist() == [1]
    off = trie.advance(nodes, torch.tensor([3, 1]))
    assert off[0] == -1 and trie.mask(off)[0].all()
    with pytest.raises(ValueError, match='end column'):
        AnswerTrie([[5, 7]], num_cols=8, end_col=1)
    with pytest.raises(ValueError, match='empty'):
        AnswerTrie([], num_cols=8, end_col=1)


def test_score_answers_is_the_teacher_forced_likelihood(tmp_path):
    vocab = write_answers(tmp_path / 'v.json', ['red circle', 'blue'])
    head = make_head(output_vocab=vocab)
    memory, mask = make_memory(batch=2)
    scores = head.score_answers(memory, mask, [['red circle', 'blue'],
                                               ['green']],
                                length_norm=False)
    tok = head.tokenizer
    for row, answer, got in ((0, 'red circle', scores[0][0]),
                             (0, 'blue', scores[0][1])):
        ids = tok(answer, add_special_tokens=False)['input_ids']
        cols = head.to_output_index(torch.tensor(ids + [head.sep_id]))
        assert float(got) == pytest.approx(
            _sequence_logp(head, memory, mask, row, cols.tolist()), abs=1e-4)
    assert scores[1][0] == float('-inf')  # 'green' is off the shortlist
    normed = head.score_answers(memory, mask, [['red circle'], []])
    assert float(normed[0][0]) == pytest.approx(float(scores[0][0]) / 3,
                                                abs=1e-5)
    assert normed[1].numel() == 0
