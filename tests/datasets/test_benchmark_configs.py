"""Each benchmark config builds: its test dataset (on a tiny fixture in the
same format) feeds its evaluator, which prints the paper's columns."""
import os

import pytest
from mmengine.config import Config

from .benchmark_fixtures import (make_clevrer, make_msrvtt_jsonl,
                                 make_msvd_original, make_nextqa, make_tvqa)
from .benchmark_helpers import build, run_metric

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# config -> (fixture maker, sub-folder, dataset overrides, expected keys)
CASES = {
    'mcg_msrvttqa_8f.py': (make_msrvtt_jsonl, '', {}, [
        'msrvttqa/What', 'msrvttqa/Who', 'msrvttqa/How', 'msrvttqa/When',
        'msrvttqa/Where', 'msrvttqa/All']),
    'mcg_msvdqa_8f.py': (make_msvd_original, '', {}, [
        'msvdqa/What', 'msvdqa/Who', 'msvdqa/All']),
    'mcg_nextqa-mc_8f.py': (make_nextqa, 'mc', dict(split='val'), [
        'nextqa/Acc@C', 'nextqa/Acc@T', 'nextqa/Acc@D', 'nextqa/Acc@All']),
    'mcg_nextqa-oe_8f.py': (make_nextqa, 'oe', {}, [
        'nextoe/Acc@C', 'nextoe/Acc@D', 'nextoe/Acc@All']),
    'mcg_tvqa_8f.py': (make_tvqa, '', {}, ['tvqa/Acc']),
    'mcg_clevrer_8f.py': (make_clevrer, '', {}, [
        'clevrer/Descriptive', 'clevrer/Explanatory', 'clevrer/Predictive',
        'clevrer/Counterfactual', 'clevrer/Overall']),
}


def perfect(sample):
    """Predict the ground truth (label for choices, text otherwise)."""
    if 'gt_label' in sample:
        sample.pred_label = sample.gt_label
    if 'gt_answer' in sample:
        sample.pred_answer = sample.gt_answer


@pytest.mark.parametrize('name', sorted(CASES))
def test_benchmark_config_builds_and_scores(name, tmp_path):
    make, sub, overrides, keys = CASES[name]
    root = os.path.join(make(str(tmp_path)), sub)
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'mcg', name))
    assert cfg.model.video_encoder.num_frames == 8
    assert cfg.model.video_encoder.img_size == 384
    ds_cfg = dict(cfg.test_dataloader.dataset, data_root=root, **overrides)
    if 'video_dir' in ds_cfg:
        ds_cfg['video_dir'] = os.path.join('..', ds_cfg['video_dir'])
    dataset = build(ds_cfg)
    item = dataset[0]
    assert tuple(item['inputs'].shape) == (8, 3, 384, 384)
    items = [item] + [dataset[i] for i in range(1, len(dataset))]
    result = run_metric(cfg.test_evaluator, items, perfect)
    assert [k for k in result if k in keys] == keys
    assert all(result[k] == 100.0 for k in keys)
    assert result[keys[0].split('/')[0] + '/unreadable_videos'] == 0
    # The checkpoint hook tracks a key the evaluator produces.
    assert cfg.default_hooks.checkpoint.save_best in result


def test_shapesqa_mc_config_on_tiny_preset(shapesqa_tiny):
    cfg = Config.fromfile(os.path.join(
        REPO, 'configs', 'shapesqa', 'mcg_tiny_shapesqa_mc.py'))
    assert cfg.test_dataloader.dataset.data_root == 'data/shapesqa/mc'
    ds_cfg = dict(cfg.test_dataloader.dataset,
                  data_root=os.path.join(shapesqa_tiny, 'mc'))
    dataset = build(ds_cfg)
    assert len(dataset) == 2 and dataset.num_questions == 2 * 7
    items = [dataset[i] for i in range(len(dataset))]
    assert tuple(items[0]['inputs'].shape) == (8, 3, 64, 64)
    types = {s.answer_type for it in items for s in it['data_samples']}
    assert types == {'TN', 'TP', 'TC', 'CH', 'DC', 'DL', 'DO'}

    def first_option(sample):
        sample.pred_label = 0

    result = run_metric(cfg.test_evaluator, items, first_option)
    truth = [s.gt_label == 0 for it in items for s in it['data_samples']]
    assert result['shapesqa_mc/Acc@All'] == pytest.approx(
        100 * sum(truth) / len(truth))
    assert set(result) >= {'shapesqa_mc/Acc@C', 'shapesqa_mc/Acc@T',
                           'shapesqa_mc/Acc@D'}


def test_anetqa_config_reports_wups_and_unreadable(shapesqa_tiny):
    from mcg.evaluation import wordnet_status
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'mcg',
                                       'mcg_anetqa_8f.py'))
    assert cfg.test_dataloader.dataset.report_unreadable
    dataset = build(dict(cfg.test_dataloader.dataset,
                         data_root=shapesqa_tiny))
    items = [dataset[i] for i in range(len(dataset))]
    table, wups_metric = cfg.test_evaluator
    assert run_metric(table, items, perfect)['anetqa/All'] == 100.0
    result = run_metric(wups_metric, items, perfect)
    assert result['anetqa_wups/All'] == 100.0
    if wordnet_status() is None:
        assert result['anetqa_wups/WUPS@0.9'] == 100.0
        assert result['anetqa_wups/WUPS@0.0'] == 100.0
    else:
        assert 'anetqa_wups/WUPS@0.9' not in result
