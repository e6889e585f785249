"""TVQA, CLEVRER and TGIF-QA: loader -> sampler -> metric."""
import os

import numpy as np
import pytest

from mcg.datasets import AnnotationError
from mcg.datasets.tvqa import moment_window, parse_ts, show_folder

from .benchmark_fixtures import (FRAME_LEVEL, make_clevrer, make_tgifqa,
                                 make_tvqa)
from .benchmark_helpers import (all_items, answer_from, build, run_metric,
                                samples_by_qid, video_pipeline,
                                frame_pipeline)


@pytest.fixture(scope='module')
def tvqa_root(tmp_path_factory):
    return make_tvqa(str(tmp_path_factory.mktemp('tvqa')))


def test_tvqa_names_and_ts():
    assert show_folder('met_s06e22_seg01_clip_02') == 'met_frames'
    assert show_folder('castle_s01e01_seg01_clip_00') == 'castle_frames'
    assert show_folder('s03e21_seg02_clip_08') == 'bbt_frames'
    assert parse_ts('1.21-8.49') == (1.21, 8.49)
    assert parse_ts(float('nan')) is None and parse_ts('NaN') is None
    # 1 s padding each side at 3 fps, clipped at 0.
    assert moment_window('0.50-1.20') == (0, 7)
    assert moment_window('10-20') == (27, 63)
    assert moment_window('0-500') == (0, 300)


def test_tvqa_frame_folders_to_accuracy(tvqa_root):
    ds = build(dict(type='TVQADataset', data_root=tvqa_root, split='val',
                    pipeline=frame_pipeline(), test_mode=True))
    assert len(ds) == 2 and ds.num_questions == 3
    items = all_items(ds)
    levels = items[1]['inputs'][:, 0].float().mean(dim=(1, 2)).numpy()
    # PNG frames 1..8 read in numeric order; centres 1, 3, 5, 7.
    assert np.allclose(levels, [FRAME_LEVEL * i for i in (1, 3, 5, 7)],
                       atol=1)
    s = samples_by_qid(items)['7']
    assert s.gt_label == 4 and s.candidates[4] == 'bottle'
    result = run_metric(dict(type='MultipleChoiceQAMetric', layout='tvqa',
                             prefix='tvqa'), items,
                        answer_from({'7': 4, '8': 1, '9': 2}, 'pred_label'))
    assert result == {'tvqa/Acc': pytest.approx(200 / 3),
                      'tvqa/unreadable_videos': 0}


def test_tvqa_ts_window_restricts_frames(tvqa_root):
    ds = build(dict(type='TVQADataset', data_root=tvqa_root, split='val',
                    use_ts=True, pipeline=frame_pipeline(num_frames=2),
                    test_mode=True))
    assert len(ds) == 3  # one question per item
    items = all_items(ds)
    first = items[0]['inputs'][:, 0].float().mean(dim=(1, 2)).numpy()
    # ts 0.5-1.2 s -> frames [0, 7): centres of 2 segments are 1 and 5.
    assert np.allclose(first, [FRAME_LEVEL * 1, FRAME_LEVEL * 5], atol=1)
    nan_ts = items[1]['inputs'][:, 0].float().mean(dim=(1, 2)).numpy()
    assert np.allclose(nan_ts, [FRAME_LEVEL * 2, FRAME_LEVEL * 6], atol=1)


def test_tvqa_unlabelled_test_split(tmp_path, tvqa_root):
    with open(os.path.join(tvqa_root, 'tvqa_val.jsonl')) as f:
        lines = [ln.replace('"answer_idx": 4, ', '') for ln in f][:1]
    (tmp_path / 'tvqa_test_public.jsonl').write_text(''.join(lines))
    os.makedirs(tmp_path / 'frames_hq')
    ds = build(dict(type='TVQADataset', data_root=str(tmp_path),
                    split='test'))
    qa = ds.get_data_info(0)['qa'][0]
    assert 'gt_label' not in qa and 'answer' not in qa


def test_clevrer_to_table_x(tmp_path_factory):
    root = make_clevrer(str(tmp_path_factory.mktemp('clevrer')))
    ds = build(dict(type='CLEVRERDataset', data_root=root, split='val',
                    pipeline=video_pipeline(), test_mode=True))
    assert len(ds) == 2 and ds.num_questions == 2 + 3 + 2 + 4
    items = all_items(ds)
    samples = samples_by_qid(items)
    opt = samples['10000_2_1']
    assert opt.mc_question_id == '10000_2'
    assert opt.candidates == ['wrong', 'correct'] and opt.gt_label == 0
    assert opt.question == 'What is responsible? option 1'
    # Descriptive: 1 of 2. Explanatory: options 3/3 -> question right.
    # Predictive: 1 of 2 options -> question wrong. Counterfactual: 4/4.
    labels = {'10000_2_0': 1, '10000_2_1': 0, '10000_2_2': 1,
              '10000_3_0': 1, '10000_3_1': 1,
              '10001_0_0': 1, '10001_0_1': 0, '10001_0_2': 0,
              '10001_0_3': 1}
    answers = {'10000_0': 'cube', '10000_1': '3'}

    def predict(sample):
        answer_from(labels, 'pred_label')(sample)
        answer_from(answers, 'pred_answer')(sample)

    result = run_metric(dict(type='CLEVRERMetric'), items, predict)
    assert result['clevrer/Descriptive'] == 50.0
    assert result['clevrer/Explanatory'] == 100.0
    assert result['clevrer/Predictive'] == 0.0
    assert result['clevrer/Predictive/per_option'] == 50.0
    assert result['clevrer/Counterfactual'] == 100.0
    assert result['clevrer/Overall'] == pytest.approx((50 + 100 + 0 + 100) / 4)


def test_clevrer_bad_choice_answer(tmp_path):
    from .benchmark_fixtures import write_json
    os.makedirs(tmp_path / 'video_validation')
    write_json(str(tmp_path / 'validation.json'), [dict(
        scene_index=10000, questions=[dict(
            question_id=0, question='q', question_type='predictive',
            choices=[dict(choice_id=0, choice='c', answer='maybe')])])])
    with pytest.raises(AnnotationError, match='question 0: choice 0'):
        build(dict(type='CLEVRERDataset', data_root=str(tmp_path),
                   split='validation'))


@pytest.fixture(scope='module')
def tgif_root(tmp_path_factory):
    return make_tgifqa(str(tmp_path_factory.mktemp('tgif')))


def test_tgif_frameqa_gif_through_pyav(tgif_root):
    ds = build(dict(type='TGIFQADataset', data_root=tgif_root, task='frameqa',
                    pipeline=video_pipeline(), test_mode=True))
    items = all_items(ds)
    assert len(items) == 1 and ds.num_questions == 2
    # decord cannot open GIFs: VideoInit's PyAV fallback decoded it.
    assert 'video_error' not in items[0]['data_samples'][0].metainfo
    levels = items[0]['inputs'][:, 0].float().mean(dim=(1, 2)).numpy()
    assert np.allclose(levels, [FRAME_LEVEL * i for i in (1, 3, 5, 7)],
                       atol=3)
    result = run_metric(
        dict(type='OpenEndedQAMetric', layout='tgif_frameqa'), items,
        answer_from({'frameqa_test_0': 'cookie', 'frameqa_test_1': 'red'},
                    'pred_answer'))
    assert result['openqa/Object'] == 100.0
    assert result['openqa/Color'] == 0.0
    assert result['openqa/All'] == 50.0


def test_tgif_action_and_count(tgif_root):
    action = build(dict(type='TGIFQADataset', data_root=tgif_root,
                        task='action', pipeline=video_pipeline(),
                        test_mode=True))
    s = action[0]['data_samples'][0]
    assert s.candidates[1] == 'wave' and s.gt_label == 1
    count = build(dict(type='TGIFQADataset', data_root=tgif_root,
                       task='count', pipeline=video_pipeline(),
                       test_mode=True))
    items = all_items(count)
    assert items[0]['data_samples'][0].gt_answer == '3'
    result = run_metric(dict(type='TGIFCountMetric'), items,
                        answer_from({'count_test_0': 'five'}, 'pred_answer'))
    assert result['tgif_count/MSE'] == 4.0
    assert result['tgif_count/Acc'] == 0.0
    with pytest.raises(FileNotFoundError, match='Test_transition.*tgifqa.md'):
        build(dict(type='TGIFQADataset', data_root=tgif_root,
                   task='transition'))
