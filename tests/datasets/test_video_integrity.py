"""Unreadable videos at test time: reported and counted wrong, never swapped;
plus the frame-folder and PyAV back ends."""
import os
import shutil

import pytest

from mcg.datasets.base_videoqa import infer_clip_shape
from mcg.datasets.transforms import VideoReadError
from mcg.datasets.transforms.pyav import PyAVReader

from .benchmark_fixtures import make_msrvtt_jsonl, make_nextqa
from .benchmark_helpers import (all_items, answer_from, build, run_metric,
                                samples_by_qid, video_pipeline)


@pytest.fixture(scope='module')
def broken_msrvtt(tmp_path_factory):
    """video7011 is garbage bytes, video7012 is missing."""
    root = make_msrvtt_jsonl(str(tmp_path_factory.mktemp('broken')))
    with open(os.path.join(root, 'videos', 'video7011.mp4'), 'wb') as f:
        f.write(b'not a video at all')
    os.remove(os.path.join(root, 'videos', 'video7012.mp4'))
    return root


def _dataset(root, **kwargs):
    return build(dict(dict(type='MSRVTTQADataset', data_root=root,
                           split='test', pipeline=video_pipeline(),
                           test_mode=True), **kwargs))


def test_placeholder_items_are_flagged(broken_msrvtt):
    items = all_items(_dataset(broken_msrvtt))
    good, corrupt, missing = items
    assert 'video_error' not in good['data_samples'][0].metainfo
    for item in (corrupt, missing):
        assert tuple(item['inputs'].shape) == (4, 3, 16, 16)
        assert int(item['inputs'].abs().sum()) == 0
        assert all(s.video_error for s in item['data_samples'])
        # The questions are still the video's own, with their answers.
        assert len(item['data_samples']) == 2
    assert 'file not found' in missing['data_samples'][0].video_error
    assert corrupt['data_samples'][0].video_id == 'video7011'


def test_unreadable_questions_count_wrong_and_are_listed(broken_msrvtt):
    items = all_items(_dataset(broken_msrvtt))
    # Every prediction equals the ground truth, even for the placeholders.
    truth = {qid: s.gt_answer for qid, s in samples_by_qid(items).items()}
    result = run_metric(dict(type='OpenEndedQAMetric', layout='msrvtt'),
                        items, answer_from(truth, 'pred_answer'))
    assert result['openqa/All'] == pytest.approx(200 / 6)
    assert result['openqa/How'] == 0.0 and result['openqa/Where'] == 0.0
    assert result['openqa/unreadable_videos'] == 2
    assert result['openqa/unreadable_video_ids'] == ['video7011', 'video7012']


def test_padding_and_duplicates_count_once(broken_msrvtt):
    items = all_items(_dataset(broken_msrvtt, group_by_video=False))
    truth = {qid: s.gt_answer for qid, s in samples_by_qid(items).items()}
    # A distributed sampler pads the last batch with the first items.
    padded = items + items[:2]
    result = run_metric(dict(type='OpenEndedQAMetric', layout='msrvtt'),
                        padded, answer_from(truth, 'pred_answer'),
                        size=len(padded))
    assert result['openqa/All'] == pytest.approx(200 / 6)


def test_mc_placeholder_counts_wrong(tmp_path):
    root = make_nextqa(str(tmp_path))
    os.remove(os.path.join(root, 'NExTVideo', '0102', '2345678901.mp4'))
    ds = build(dict(type='NExTQADataset', data_root=os.path.join(root, 'mc'),
                    split='val', video_dir='../NExTVideo',
                    pipeline=video_pipeline(), test_mode=True))
    items = all_items(ds)
    truth = {q: s.gt_label for q, s in samples_by_qid(items).items()}
    result = run_metric(dict(type='MultipleChoiceQAMetric', layout='nextqa'),
                        items, answer_from(truth, 'pred_label'))
    assert result['mcqa/Acc@D'] == 0.0 and result['mcqa/Acc@All'] == 75.0
    assert result['mcqa/unreadable_video_ids'] == ['2345678901']


def test_training_mode_raises(broken_msrvtt):
    ds = _dataset(broken_msrvtt, test_mode=False)
    with pytest.raises(VideoReadError, match='video7011.mp4'):
        ds[1]


def test_placeholder_shape_must_be_known(broken_msrvtt):
    pipeline = [dict(type='VideoInit'),
                dict(type='UniformFrameSampler', num_frames=4,
                     test_mode=True),
                dict(type='DecordDecode'), dict(type='PackVideoQAInputs')]
    ds = _dataset(broken_msrvtt, pipeline=pipeline)
    assert infer_clip_shape(ds.pipeline.transforms) is None
    with pytest.raises(ValueError, match='placeholder_shape'):
        ds[1]
    ds = _dataset(broken_msrvtt, pipeline=pipeline,
                  placeholder_shape=(4, 8, 12))
    assert tuple(ds[1]['inputs'].shape) == (4, 3, 8, 12)


def test_missing_frame_folder_is_a_placeholder(tmp_path):
    from .benchmark_fixtures import make_tvqa
    from .benchmark_helpers import frame_pipeline
    root = make_tvqa(str(tmp_path))
    shutil.rmtree(os.path.join(root, 'frames_hq', 'bbt_frames'))
    ds = build(dict(type='TVQADataset', data_root=root, split='val',
                    pipeline=frame_pipeline(), test_mode=True))
    item = ds[1]
    assert 'frame folder not found' in item['data_samples'][0].video_error


def test_pyav_reader_reports_both_back_ends(tmp_path):
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'\x00' * 64)
    with pytest.raises(VideoReadError, match='PyAV'):
        PyAVReader(str(bad))
    from mcg.registry import TRANSFORMS
    init = TRANSFORMS.build(dict(type='VideoInit'))
    with pytest.raises(VideoReadError, match=r'decord: .*; PyAV'):
        init(dict(video_path=str(bad)))


def test_anetqa_reports_unreadable_when_asked(tmp_path, shapesqa_tiny):
    root = tmp_path / 'copy'
    shutil.copytree(shapesqa_tiny, root)
    (root / 'videos' / 'v_synte00000.mp4').write_bytes(b'not a video')
    ds = build(dict(type='ActivityNetQADataset', data_root=str(root),
                    split='test', pipeline=video_pipeline(), test_mode=True,
                    report_unreadable=True))
    items = all_items(ds)
    assert all(s.video_error for s in items[0]['data_samples'])
    assert not any('video_error' in s.metainfo
                   for s in items[1]['data_samples'])
    truth = {q: s.gt_answer for q, s in samples_by_qid(items).items()}
    result = run_metric(dict(type='ActivityNetQAMetric'), items,
                        answer_from(truth, 'pred_answer'))
    assert result['anetqa/All'] == 50.0
    assert result['anetqa/unreadable_video_ids'] == ['synte00000']
