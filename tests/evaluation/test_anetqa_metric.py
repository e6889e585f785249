"""ActivityNet-QA accuracy on hand-made predictions."""
import pytest

from mcg.evaluation import ActivityNetQAMetric, anetqa_accuracy


def rec(qid, pred, gt, t):
    return dict(question_id=qid, pred_answer=pred, gt_answer=gt,
                answer_type=t)


def test_free_and_all_by_hand():
    records = [
        rec('a', 'moving left', 'moving left', 0),   # Motion 1/2
        rec('b', 'moving up', 'moving left', 0),
        rec('c', 'yes', 'yes', 3),                   # Yes/No 2/3
        rec('d', 'no', 'no', 3),
        rec('e', 'no', 'yes', 3),
        rec('f', 'red', 'blue', 4),                  # Color 0/1
        rec('g', '4', '4', 7),                       # Number 1/1
    ]
    acc = anetqa_accuracy(records)
    assert acc['Motion'] == pytest.approx(50.0)
    assert acc['Yes/No'] == pytest.approx(200 / 3)
    assert acc['Color'] == 0.0 and acc['Number'] == 100.0
    # Free pools types 3-8 by count: 3 correct of 5 (not a mean of types).
    assert acc['Free'] == pytest.approx(60.0)
    assert acc['All'] == pytest.approx(400 / 7)
    # Empty types are absent, not reported as 0; order is the paper's.
    assert 'Spatial Rel.' not in acc
    assert list(acc) == ['Motion', 'Yes/No', 'Color', 'Number', 'Free', 'All']


def test_duplicates_counted_once_and_modes():
    records = [rec('a', 'Red Circle.', 'red circle', 2),
               rec('a', 'wrong', 'red circle', 2)]
    assert anetqa_accuracy(records)['All'] == 100.0
    assert anetqa_accuracy(records, mode='strict')['All'] == 0.0
    with pytest.raises(ValueError):
        anetqa_accuracy(records, mode='fuzzy')


def test_metric_groups_by_item_and_computes():
    metric = ActivityNetQAMetric()
    samples = [dict(question_id=f'v_x_{i}', question='q', pred_answer='yes',
                    gt_answer='yes' if i < 3 else 'no', answer_type=3,
                    sample_idx=0 if i < 2 else 1) for i in range(4)]
    metric.process({}, samples)
    assert len(metric.results) == 2  # one entry per dataset item
    out = metric.compute_metrics(metric.results)
    assert out['Yes/No'] == 75.0 and out['Free'] == 75.0 and out['All'] == 75.0
