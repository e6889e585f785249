"""Checked requests (the web demo's back end) on a trained micro model.

Answers must be the inferencer's own, the beam alternatives and scores must
agree with each other, and every bad input must raise an InputError with a
message for people while the next request is still answered.
"""
import json
import math
import os.path as osp

import pytest

from mcg.apis import InputError, QARequests, RequestLimits, VideoQAInferencer


@pytest.fixture(scope='module')
def infer(overfit_checkpoint):
    config, ckpt, _ = overfit_checkpoint
    return VideoQAInferencer(config, ckpt)


def test_answer_details_are_the_answers_with_consistent_beams(infer,
                                                              train_video):
    video, questions, answers = train_video
    plain = infer(video, questions)
    details = infer.answer_details(video, questions, num_beams=3)
    assert [d['answer'] for d in details] == [p['answer'] for p in plain]
    assert [d['answer'] for d in details] == answers  # the model overfit
    for d in details:
        assert 1 <= len(d['beams']) <= 3
        scores = [s for _, s in d['beams']]
        assert scores == sorted(scores, reverse=True)
        assert all(s <= 0 for s in scores)
        # Where the beams hold the (greedy) answer, the beam search's score
        # of it equals the head's scoring of that answer (length_penalty 1):
        # beams are decoded from the right rows.
        for text, score in d['beams']:
            if text == d['answer']:
                assert score == pytest.approx(d['score'], abs=1e-4)
    assert infer.answer_details(video, questions[:1], 1)[0]['beams'] == []
    # With the head searching with the same 3 beams, the answer is the best
    # beam (greedy and 3-beam search may legitimately disagree).
    head = infer.model.head
    greedy_beams, head.num_beams = head.num_beams, 3
    try:
        details = infer.answer_details(video, questions, num_beams=3)
    finally:
        head.num_beams = greedy_beams
    for d in details:
        assert d['beams'][0][0] == d['answer']
        assert d['beams'][0][1] == pytest.approx(d['score'], abs=1e-4)


def test_sampled_frames_are_the_test_samplers_in_order(infer, train_video):
    video, _, _ = train_video
    inds, clip = infer.sampled_frames(video)
    num_frames = infer.cfg.test_dataloader.dataset.pipeline[1]['num_frames']
    assert len(inds) == num_frames == clip.shape[0]
    assert inds == sorted(inds) and len(set(inds)) == len(inds)
    assert tuple(clip.shape[1:]) == (3, 64, 64)


def test_ask_returns_answers_frames_and_time(infer, train_video):
    video, questions, answers = train_video
    res = QARequests(infer).ask(video, '\n'.join(questions[:3]) + '\n\n')
    assert [r['answer'] for r in res.records] == answers[:3]
    assert res.frame_indices == infer.sampled_frames(video)[0]
    assert res.frames[0].shape == (64, 64, 3) and res.seconds > 0


def _corrupt_copy(video, out):
    """Zero the coded frames (the mdat box's payload) and keep the index:
    the container still opens as a video, decoding its frames fails."""
    data = open(video, 'rb').read()
    mdat, moov = data.find(b'mdat'), data.find(b'moov')
    assert 0 < mdat < moov, 'expected the mdat box before the moov box'
    start, end = mdat + 4, moov - 4   # box payload, up to moov's size field
    out.write_bytes(data[:start] + bytes(end - start) + data[end:])
    return str(out)


def test_bad_inputs_give_clear_errors_and_the_next_request_works(
        infer, train_video, tmp_path):
    video, questions, answers = train_video
    text = tmp_path / 'notes.mp4'
    text.write_text('not a video\n' * 20)
    size = osp.getsize(video)
    req = QARequests(infer, RequestLimits(max_file_bytes=size,
                                          max_question_chars=60))
    cases = [
        ((video, '   \n '), 'Please type a question'),
        ((video, 'what ' * 20), 'the limit is 60'),
        ((None, questions[0]), 'Please choose a video'),
        ((str(tmp_path / 'gone.mp4'), questions[0]), 'was not found'),
        ((str(text), questions[0]), 'notes.mp4 is not a video file'),
        ((_corrupt_copy(video, tmp_path / 'cut.mp4'), questions[0]),
         'could not be decoded'),
    ]
    for args, message in cases:
        with pytest.raises(InputError, match=message):
            req.ask(*args)
    big = tmp_path / 'big.mp4'
    big.write_bytes(open(video, 'rb').read() + b'\0')
    with pytest.raises(InputError, match='over the .* limit'):
        req.ask(str(big), questions[0])
    res = req.ask(video, questions[0])
    assert res.records[0]['answer'] == answers[0]


def test_answer_file_answers_good_lines_and_reports_bad_ones(
        infer, train_video, tmp_path):
    video, questions, answers = train_video
    lines = [dict(video=video, question=q) for q in questions[:2]]
    lines += [dict(video=str(tmp_path / 'gone.mp4'), question='what'),
              dict(video=video, question='')]
    qfile = tmp_path / 'qs.jsonl'
    qfile.write_text('\n'.join(json.dumps(x) for x in lines) + '\n')
    seen = []
    rows, seconds = QARequests(infer).answer_file(
        str(qfile), lambda done, total: seen.append((done, total)))
    assert [r[2] for r in rows[:2]] == answers[:2]
    assert all(math.isfinite(r[3]) for r in rows[:2])
    assert 'was not found' in rows[2][4] and 'type a question' in rows[3][4]
    assert seen[-1] == (4, 4)
    out = QARequests.write_csv(rows, str(tmp_path / 'a.csv'))
    header = open(out).read().splitlines()[0]
    assert header == 'video,question,answer,score,error'
    bad = tmp_path / 'bad.jsonl'
    bad.write_text('{"video": "x.mp4"}\n')
    with pytest.raises(InputError, match='Line 1'):
        QARequests(infer).answer_file(str(bad))
