"""The benchmark metrics on hand-made predictions with known answers."""

import pytest

from mcg.evaluation.metrics.breakdown import (NEXTQA_LAYOUT, breakdown,
                                              format_grid)
from mcg.evaluation.wordnet import WordNetUnavailable, get_wordnet
from mcg.registry import METRICS


def sample(qid, item, **fields):
    """A ``to_dict()``-like sample; ``item`` is its dataset index."""
    return dict(question_id=qid, sample_idx=item, video_id=f'v{item}',
                question=f'q {qid}', **fields)


def evaluate(cfg, samples, size=None):
    metric = METRICS.build(cfg)
    metric.process(None, samples)
    return metric.evaluate(size or len(metric.results))


def test_breakdown_skips_empty_groups():
    recs = [dict(answer_type='TP', ok=1), dict(answer_type='TC', ok=0),
            dict(answer_type='DO', ok=1)]
    values, counts = breakdown(recs, NEXTQA_LAYOUT, lambda r: r['ok'])
    assert list(values) == ['T', 'D', 'All']  # no C question: no C column
    assert values['T'] == 50.0 and counts['All'] == 3
    assert breakdown([], NEXTQA_LAYOUT, lambda r: 1) == ({}, {})
    grid = format_grid({'Acc': dict(values), 'WUPS@0.9': {'T': 'n/a'}},
                       ['T', 'D', 'All'])
    assert grid.splitlines()[2].split() == ['Acc', '|', '50.00', '|',
                                            '100.00', '|', '66.67']
    assert grid.splitlines()[3].split() == ['WUPS@0.9', '|', 'n/a', '|', '-',
                                            '|', '-']


def test_open_ended_modes_and_duplicates(log_lines):
    samples = [
        sample('a', 0, answer_type='what', gt_answer='dog',
               pred_answer='Dog.'),
        sample('b', 0, answer_type='who', gt_answer='man', pred_answer='man'),
        sample('c', 1, answer_type='what', gt_answer='cat', pred_answer='cow'),
        # Distributed padding repeats item 0 with its questions.
        sample('a', 2, answer_type='what', gt_answer='dog',
               pred_answer='Dog.'),
        sample('b', 2, answer_type='who', gt_answer='man', pred_answer='man'),
    ]
    strict = evaluate(dict(type='OpenEndedQAMetric', layout='msrvtt',
                           mode='strict'), samples)
    assert strict['openqa/What'] == 0.0
    assert strict['openqa/All'] == pytest.approx(100 / 3)
    norm = evaluate(dict(type='OpenEndedQAMetric', layout='msrvtt'), samples)
    assert norm['openqa/What'] == 50.0
    assert norm['openqa/All'] == pytest.approx(200 / 3)
    # Only padding beyond the dataset size is dropped by item; the repeated
    # question ids inside it are dropped by dedupe.
    assert evaluate(dict(type='OpenEndedQAMetric', layout='msrvtt'), samples,
                    size=2)['openqa/All'] == pytest.approx(200 / 3)


def test_open_ended_table_is_logged_in_paper_order(log_lines):
    samples = [sample(str(i), i, answer_type=t, gt_answer='x',
                      pred_answer='x')
               for i, t in enumerate(['where', 'when', 'how', 'who', 'what'])]
    evaluate(dict(type='OpenEndedQAMetric', layout='msrvtt',
                  dataset_name='MSRVTT-QA'), samples)
    table = next(m for m in log_lines if 'MSRVTT-QA accuracy' in m)
    assert 'normalized match' in table
    header = table.strip().splitlines()[1].split('|')
    assert [h.strip() for h in header] == ['What', 'Who', 'How', 'When',
                                           'Where', 'All']


@pytest.fixture(scope='module')
def wordnet():
    try:
        return get_wordnet()
    except WordNetUnavailable as exc:
        pytest.skip(f'WordNet unavailable offline: {exc}')


def test_open_ended_wups(wordnet):
    samples = [
        sample('1', 0, answer_type='CW', gt_answer='cello',
               pred_answer='violin'),                    # 10/11
        sample('2', 1, answer_type='TN', gt_answer='violin',
               pred_answer='guitar'),                    # 6/7, @0.9 0.6/7
        sample('3', 2, answer_type='DC', gt_answer='two',
               pred_answer='three'),                     # exact match only
        sample('4', 3, answer_type='DO', gt_answer='guitar',
               pred_answer='guitar', video_error='no frames'),
    ]
    result = evaluate(dict(type='OpenEndedQAMetric', layout='nextqa',
                           wups_thresholds=(0.9, 0.0),
                           exact_match_types=('DC', 'DB')), samples)
    assert result['openqa/WUPS@0.0/C'] == pytest.approx(100 * 10 / 11)
    assert result['openqa/WUPS@0.9/T'] == pytest.approx(100 * 0.6 / 7)
    assert result['openqa/WUPS@0.0/D'] == 0.0
    assert result['openqa/WUPS@0.0'] == pytest.approx(
        100 * (10 / 11 + 6 / 7) / 4)
    assert result['openqa/Acc@All'] == 0.0
    assert result['openqa/unreadable_video_ids'] == ['v3']


def test_wups_unavailable_is_reported_not_raised(log_lines, monkeypatch):
    from mcg.evaluation.metrics import open_ended_metric
    monkeypatch.setattr(open_ended_metric, 'wordnet_status',
                        lambda: 'nltk is not installed')
    result = evaluate(dict(type='OpenEndedQAMetric',
                           wups_thresholds=(0.9, )),
                      [sample('1', 0, answer_type='x', gt_answer='a',
                              pred_answer='a')])
    assert result == {'openqa/All': 100.0, 'openqa/unreadable_videos': 0}
    assert any('WUPS unavailable: nltk is not installed' in m
               for m in log_lines)
    assert any('n/a' in m for m in log_lines)


def test_mc_metric_edge_cases(log_lines):
    samples = [
        sample('1', 0, answer_type='CW', gt_label=1, pred_label=1),
        sample('2', 0, answer_type='CH', gt_label=0),        # no prediction
        sample('3', 1, answer_type='DL', gt_label=3, pred_label=3,
               video_error='file not found'),
        sample('4', 2, answer_type='TC', pred_label=2),       # unlabelled
    ]
    result = evaluate(dict(type='MultipleChoiceQAMetric', layout='nextqa'),
                      samples)
    assert result['mcqa/Acc@C'] == 50.0
    assert result['mcqa/Acc@D'] == 0.0
    assert 'mcqa/Acc@T' not in result
    assert result['mcqa/Acc@All'] == pytest.approx(100 / 3)
    assert result['mcqa/unreadable_videos'] == 1
    assert any('1 question(s) have no gt_label' in m for m in log_lines)
    assert any('1 question(s) have no pred_label' in m for m in log_lines)
    assert any('per type (TP counted in Bef&Aft)' in m for m in log_lines)


def test_clevrer_empty_types_and_missing_group_id():
    samples = [
        sample('d1', 0, answer_type='descriptive', gt_answer='cube',
               pred_answer='cube'),
        sample('p1_0', 0, answer_type='predictive', mc_question_id='p1',
               gt_label=1, pred_label=1),
        sample('p1_1', 0, answer_type='predictive', mc_question_id='p1',
               gt_label=0, pred_label=0),
        sample('p2_0', 1, answer_type='predictive', mc_question_id='p2',
               gt_label=0, pred_label=0, video_error='corrupt'),
    ]
    result = evaluate(dict(type='CLEVRERMetric'), samples)
    assert result['clevrer/Predictive'] == 50.0
    assert result['clevrer/Predictive/per_option'] == pytest.approx(200 / 3)
    assert 'clevrer/Explanatory' not in result
    # Overall averages the types that have questions.
    assert result['clevrer/Overall'] == 75.0
    bad = [dict(samples[1], mc_question_id=None)]
    with pytest.raises(ValueError, match="meta_keys=\\['mc_question_id'\\]"):
        evaluate(dict(type='CLEVRERMetric'), bad)


def test_tgif_count_worst_case_for_unparsable():
    samples = [sample('1', 0, gt_answer='3', pred_answer='3.4'),
               sample('2', 1, gt_answer='2', pred_answer='many'),
               sample('3', 2, gt_answer='9', pred_answer='40')]
    result = evaluate(dict(type='TGIFCountMetric'), samples)
    # 0 error; unparsable -> (10-2)^2 = 64; 40 clamps to 10 -> 1.
    assert result['tgif_count/MSE'] == pytest.approx((0 + 64 + 1) / 3)
    assert result['tgif_count/Acc'] == pytest.approx(100 / 3)
