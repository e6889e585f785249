"""MSRVTT-QA, MSVD-QA and NExT-QA/NExT-OE: loader -> sampler -> metric."""
import os

import numpy as np
import pytest

from mcg.datasets import AnnotationError
from mcg.datasets.msrvttqa import question_type

from .benchmark_fixtures import (FRAME_LEVEL, make_msrvtt_jsonl,
                                 make_msvd_original, make_nextqa, write_json)
from .benchmark_helpers import (all_items, answer_from, build, run_metric,
                                samples_by_qid, video_pipeline)


@pytest.fixture(scope='module')
def msrvtt_root(tmp_path_factory):
    return make_msrvtt_jsonl(str(tmp_path_factory.mktemp('msrvtt')))


@pytest.fixture(scope='module')
def nextqa_root(tmp_path_factory):
    return make_nextqa(str(tmp_path_factory.mktemp('nextqa')))


def test_question_type_is_first_word():
    assert question_type('What is it?') == 'what'
    assert question_type('  who runs') == 'who'
    assert question_type('is it red?') == 'other'
    assert question_type('') == 'other'


def test_msrvtt_jsonl_to_table_iii(msrvtt_root):
    ds = build(dict(type='MSRVTTQADataset', data_root=msrvtt_root,
                    split='test', pipeline=video_pipeline(), test_mode=True))
    assert len(ds) == 3 and ds.num_questions == 6
    items = all_items(ds)
    clip = items[0]['inputs']
    assert tuple(clip.shape) == (4, 3, 16, 16)
    # Segment centres of 8 frames: 1, 3, 5, 7 (grey level 24 per frame).
    levels = clip[:, 0].float().mean(dim=(1, 2)).numpy()
    assert np.allclose(levels, [FRAME_LEVEL * i for i in (1, 3, 5, 7)],
                       atol=6)
    samples = samples_by_qid(items)
    assert samples['test_4'].answer_type == 'where'  # derived
    assert samples['test_5'].answer_type == 'what'
    assert samples['test_0'].gt_answer == 'couch'
    # what: 1 of 2 right, who right, how wrong, when right, where right.
    preds = dict(test_0='couch', test_1='Man', test_2='slow',
                 test_3='night', test_4='kitchen', test_5='cat')
    strict = run_metric(dict(type='OpenEndedQAMetric', layout='msrvtt',
                             mode='strict', prefix='msrvttqa'), items,
                        answer_from(preds, 'pred_answer'))
    assert list(strict) == [
        'msrvttqa/What', 'msrvttqa/Who', 'msrvttqa/How', 'msrvttqa/When',
        'msrvttqa/Where', 'msrvttqa/All', 'msrvttqa/unreadable_videos']
    assert strict['msrvttqa/What'] == 50.0
    assert strict['msrvttqa/Who'] == 0.0  # 'Man' != 'man' when strict
    assert strict['msrvttqa/All'] == pytest.approx(300 / 6)
    normalized = run_metric(dict(type='OpenEndedQAMetric', layout='msrvtt'),
                            all_items(ds), answer_from(preds, 'pred_answer'))
    assert normalized['openqa/Who'] == 100.0
    assert normalized['openqa/All'] == pytest.approx(400 / 6)


def test_msrvtt_missing_files_name_path_and_doc(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        build(dict(type='MSRVTTQADataset', data_root=str(tmp_path),
                   split='val'))
    assert 'val.jsonl' in str(err.value) and 'val_qa.json' in str(err.value)
    assert 'docs/datasets/msrvttqa.md' in str(err.value)
    write_json(str(tmp_path / 'val_qa.json'), [])
    with pytest.raises(FileNotFoundError, match='videos.*msrvttqa.md'):
        build(dict(type='MSRVTTQADataset', data_root=str(tmp_path),
                   split='val'))


def test_msvd_original_format_and_mapping(tmp_path_factory):
    root = make_msvd_original(str(tmp_path_factory.mktemp('msvd')))
    ds = build(dict(type='MSVDQADataset', data_root=root, split='test',
                    pipeline=video_pipeline(), test_mode=True))
    assert [os.path.basename(ds.get_data_info(i)['video_path'])
            for i in range(len(ds))] == ['-4wsuPCjDBc_5_15.avi',
                                         'abcDEF_0_10.avi']
    items = all_items(ds)
    samples = samples_by_qid(items)
    assert samples['test_1'].answer_type == 'who'
    assert 'video_error' not in samples['test_1'].metainfo
    result = run_metric(dict(type='OpenEndedQAMetric', layout='msvd'), items,
                        answer_from({'test_1': 'someone', 'test_2': 'box',
                                     'test_3': 'sing'}, 'pred_answer'))
    assert result['openqa/Who'] == 100.0 and result['openqa/What'] == 50.0
    # Empty columns are skipped, not reported as 0.
    assert 'openqa/How' not in result and 'openqa/When' not in result
    os.remove(os.path.join(root, 'youtube_mapping.txt'))
    with pytest.raises(FileNotFoundError, match='youtube_mapping.txt'):
        build(dict(type='MSVDQADataset', data_root=root, split='test'))


def test_msrvtt_original_repeated_id_is_an_error(tmp_path):
    os.makedirs(tmp_path / 'videos')
    write_json(str(tmp_path / 'test_qa.json'), [
        dict(answer='a', id=5, question='what?', video_id=1),
        dict(answer='b', id=5, question='who?', video_id=2)])
    with pytest.raises(AnnotationError, match="record 1.*'test_5'"):
        build(dict(type='MSRVTTQADataset', data_root=str(tmp_path),
                   split='test'))


def test_nextqa_mc_to_table_iv(nextqa_root):
    ds = build(dict(type='NExTQADataset',
                    data_root=os.path.join(nextqa_root, 'mc'), split='val',
                    video_dir='../NExTVideo', pipeline=video_pipeline(),
                    test_mode=True))
    assert len(ds) == 2 and ds.num_questions == 4
    assert ds.get_data_info(0)['video_path'].endswith(
        os.path.join('NExTVideo', '0101', '4010069381.mp4'))
    items = all_items(ds)
    s = samples_by_qid(items)['4010069381_6']
    assert s.candidates == ['roll', 'tap', 'strum', 'hit', 'pat']
    assert s.gt_label == 2 and s.gt_answer == 'strum'
    assert s.answer_type == 'CH'
    # CH right, TN wrong, TP right (merged into T), DL right; no CW at all.
    preds = {'4010069381_6': 2, '4010069381_7': 3, '4010069381_8': 4,
             '2345678901_0': 1}
    result = run_metric(dict(type='MultipleChoiceQAMetric', layout='nextqa',
                             prefix='nextqa'), items,
                        answer_from(preds, 'pred_label'))
    assert result == {'nextqa/Acc@C': 100.0, 'nextqa/Acc@T': 50.0,
                      'nextqa/Acc@D': 100.0, 'nextqa/Acc@All': 75.0,
                      'nextqa/unreadable_videos': 0}


def test_nextqa_bad_answer_index(tmp_path, nextqa_root):
    root = tmp_path / 'mc'
    os.makedirs(root / 'NExTVideo')
    src = os.path.join(nextqa_root, 'mc')
    with open(os.path.join(src, 'val.csv')) as f:
        lines = f.read().splitlines()
    lines[2] = lines[2].replace(',0,7,TN,', ',9,7,TN,')
    (root / 'val.csv').write_text('\n'.join(lines) + '\n')
    (root / 'map_vid_vidorID.json').write_text(
        open(os.path.join(src, 'map_vid_vidorID.json')).read())
    with pytest.raises(AnnotationError, match=r'val.csv: record 1: answer 9'):
        build(dict(type='NExTQADataset', data_root=str(root), split='val'))
    with pytest.raises(FileNotFoundError, match='test.csv.*nextqa.md'):
        build(dict(type='NExTQADataset', data_root=str(root), split='test'))


def test_nextoe_with_second_reference(nextqa_root):
    ds = build(dict(type='NExTOEDataset',
                    data_root=os.path.join(nextqa_root, 'oe'), split='test',
                    video_dir='../NExTVideo', pipeline=video_pipeline(),
                    test_mode=True))
    items = all_items(ds)
    samples = samples_by_qid(items)
    assert samples['4010069381_0'].extra_answers == ['violin']
    assert 'extra_answers' not in samples['4010069381_1'].metainfo
    # 'violin' only matches the second reference; 'three' is wrong.
    preds = {'4010069381_0': 'violin', '4010069381_1': 'three',
             '2345678901_2': 'thank audience'}
    result = run_metric(dict(type='OpenEndedQAMetric', layout='nextqa'),
                        items, answer_from(preds, 'pred_answer'))
    assert result['openqa/Acc@C'] == 100.0
    assert result['openqa/Acc@D'] == 50.0
    assert 'openqa/Acc@T' not in result
