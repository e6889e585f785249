"""ActivityNet-QA loader, decoding and collation on the tiny ShapesQA."""
import json
import os

import numpy as np
import pytest

from mcg.datasets import (ActivityNetQADataset, AnnotationError,
                          videoqa_collate)
from mcg.datasets.transforms import VideoReadError

PIPELINE = [
    dict(type='DecordInit'),
    dict(type='HeadTailFrameSampler', num_frames=8, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=32),
    dict(type='PackVideoQAInputs'),
]


def test_grouped_and_per_question_items(shapesqa_tiny):
    grouped = ActivityNetQADataset(shapesqa_tiny, 'train', pipeline=PIPELINE,
                                   test_mode=True)
    flat = ActivityNetQADataset(shapesqa_tiny, 'train', pipeline=PIPELINE,
                                test_mode=True, group_by_video=False)
    assert len(grouped) == 6 and len(flat) == 54
    assert grouped.num_questions == flat.num_questions == 54
    item = grouped[0]
    assert tuple(item['inputs'].shape) == (8, 3, 32, 32)
    assert len(item['data_samples']) == 9
    s = item['data_samples'][0]
    assert s.question_id == 'v_syntr00000_1' and s.answer_type == 0
    assert s.frame_inds.tolist() == [1, 3, 5, 7, 9, 11, 13, 15]
    # The same question through the per-question dataset sees the same clip.
    assert (flat[0]['inputs'] == item['inputs']).all()


def test_collate_shares_clips(shapesqa_tiny):
    ds = ActivityNetQADataset(shapesqa_tiny, 'val', pipeline=PIPELINE,
                              test_mode=True)
    batch = videoqa_collate([ds[0], ds[1]])
    assert tuple(batch['inputs'].shape) == (2, 8, 3, 32, 32)
    assert len(batch['data_samples']) == 18
    assert [s.video_index for s in batch['data_samples']] == [0] * 9 + [1] * 9


def test_decoding_is_frame_accurate(shapesqa_tiny):
    import decord
    path = os.path.join(shapesqa_tiny, 'videos', 'v_syntr00001.mp4')
    vr = decord.VideoReader(path)
    seq = np.stack([vr[i].asnumpy() for i in range(len(vr))])
    inds = [13, 2, 7, 7, 0, 15]
    batch = decord.VideoReader(path).get_batch(inds).asnumpy()
    assert np.array_equal(batch, seq[inds])


def _write(root, name, data):
    with open(os.path.join(root, name), 'w') as f:
        json.dump(data, f)


def test_bad_annotation_names_file_index_field(tmp_path):
    os.makedirs(tmp_path / 'videos')
    _write(tmp_path, 'train_q.json', [
        dict(video_name='a', question='q one', question_id='v_a_1'),
        dict(video_name='a', question_id='v_a_2'),
    ])
    _write(tmp_path, 'train_a.json', [])
    with pytest.raises(AnnotationError) as err:
        ActivityNetQADataset(str(tmp_path), 'train')
    msg = str(err.value)
    assert 'train_q.json' in msg and 'record 1' in msg and "'question'" in msg

    _write(tmp_path, 'train_q.json', [
        dict(video_name='a', question='q', question_id='v_a_1')])
    _write(tmp_path, 'train_a.json', [
        dict(answer='x', type='3', question_id='v_a_1')])
    with pytest.raises(AnnotationError, match=r"record 0: field 'type' "
                       r'should be int, got str'):
        ActivityNetQADataset(str(tmp_path), 'train')


def test_missing_annotation_file_points_to_docs(tmp_path):
    with pytest.raises(FileNotFoundError, match='docs/datasets/anetqa.md'):
        ActivityNetQADataset(str(tmp_path), 'test')


def test_unreadable_video_is_reported(tmp_path, shapesqa_tiny):
    import shutil
    root = tmp_path / 'copy'
    shutil.copytree(shapesqa_tiny, root)
    bad = root / 'videos' / 'v_synte00000.mp4'
    bad.write_bytes(b'not a video')
    # By default a test-time unreadable video becomes a flagged placeholder
    # (its questions are counted wrong); strict loading names the file.
    ds = ActivityNetQADataset(str(root), 'test', pipeline=PIPELINE,
                              test_mode=True)
    metas = [s.metainfo for s in ds[0]['data_samples']]
    assert metas and all('v_synte00000.mp4' in m['video_error']
                         for m in metas)
    strict = ActivityNetQADataset(str(root), 'test', pipeline=PIPELINE,
                                  test_mode=True, report_unreadable=False)
    with pytest.raises(VideoReadError, match='v_synte00000.mp4'):
        strict[0]


def test_repeated_question_id_and_file_order(tmp_path):
    # The loader shares VideoQABaseDataset's checks and grouping: a repeated
    # question id would be dropped silently by the metrics, so it stops the
    # loading; per-question items keep the file order, grouped items the
    # order of each video's first question.
    os.makedirs(tmp_path / 'videos')
    questions = [dict(video_name=v, question=f'q{i}', question_id=f'{v}_{i}')
                 for i, v in enumerate('abab')]
    _write(tmp_path, 'train_q.json', questions)
    _write(tmp_path, 'train_a.json', [
        dict(answer='x', type=0, question_id=q['question_id'])
        for q in questions])
    flat = ActivityNetQADataset(str(tmp_path), 'train', group_by_video=False)
    assert [flat.get_data_info(i)['qa'][0]['question']
            for i in range(len(flat))] == ['q0', 'q1', 'q2', 'q3']
    grouped = ActivityNetQADataset(str(tmp_path), 'train')
    assert [[qa['question'] for qa in grouped.get_data_info(i)['qa']]
            for i in range(len(grouped))] == [['q0', 'q2'], ['q1', 'q3']]

    _write(tmp_path, 'train_q.json', questions + [questions[0]])
    with pytest.raises(AnnotationError, match=r"record 4.*'a_0'"):
        ActivityNetQADataset(str(tmp_path), 'train')
