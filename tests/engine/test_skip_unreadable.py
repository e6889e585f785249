"""The SkipUnreadableVideos wrapper and the RequireMinFrames check."""
import shutil

import pytest

from mcg.datasets import RequireMinFrames, SkipUnreadableVideos
from mcg.datasets.transforms import VideoReadError
from mcg.registry import DATASETS

PIPELINE = [
    dict(type='DecordInit'),
    dict(type='HeadTailFrameSampler', num_frames=4, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='VideoResize', scale=32),
    dict(type='PackVideoQAInputs'),
]


@pytest.fixture
def broken_copy(shapesqa_tiny, tmp_path):
    root = tmp_path / 'copy'
    shutil.copytree(shapesqa_tiny, root)
    (root / 'videos' / 'v_syntr00002.mp4').write_bytes(b'')
    return str(root)


def _wrapped(root, test_mode=False, **kwargs):
    return DATASETS.build(dict(
        type='SkipUnreadableVideos', max_bad_fraction=0.5, dataset=dict(
            type='ActivityNetQADataset', data_root=root, split='train',
            pipeline=PIPELINE, test_mode=test_mode, **kwargs)))


def test_broken_item_is_replaced_and_marked(broken_copy):
    ds = _wrapped(broken_copy)
    assert len(ds) == 6 and ds.num_videos == 6
    assert ds.metainfo == ds.dataset.metainfo
    item = ds[2]
    metas = [s.metainfo for s in item['data_samples']]
    assert all(m['skipped_videos'] == (ds.get_data_info(2)['video_path'], )
               for m in metas)
    assert metas[0]['video_id'] != 'syntr00002'  # another, readable video
    assert 'skipped_videos' not in ds[1]['data_samples'][0].metainfo
    # The replacement depends on (seed, index, attempt) only.
    again = ds[2]['data_samples'][0].metainfo['video_id']
    assert again == metas[0]['video_id']


def test_test_mode_does_not_substitute(broken_copy):
    # By default the item stays this video's, as a flagged placeholder that
    # the metrics count wrong and --dump marks.
    metas = [s.metainfo for s in _wrapped(broken_copy, test_mode=True)[2][
        'data_samples']]
    assert all(m['video_id'] == 'syntr00002' and m['video_error']
               and 'skipped_videos' not in m for m in metas)
    strict = _wrapped(broken_copy, test_mode=True, report_unreadable=False)
    with pytest.raises(VideoReadError, match='v_syntr00002'):
        strict[2]


def test_wrapper_passes_sampler_attributes_through(broken_copy):
    ds = _wrapped(broken_copy)
    ds.dataset.source_sizes = [6]  # what the multi-source sampler reads
    assert ds.source_sizes == [6]
    with pytest.raises(AttributeError):
        ds.no_such_attribute


def test_wrapper_gives_up_after_max_retries(broken_copy):
    ds = SkipUnreadableVideos(_wrapped(broken_copy).dataset, max_retries=0)
    with pytest.raises(VideoReadError, match='1 unreadable videos in a row'):
        ds[2]
    with pytest.raises(ValueError, match='max_bad_fraction'):
        SkipUnreadableVideos(ds.dataset, max_bad_fraction=1.5)


def test_require_min_frames():
    check = RequireMinFrames(min_frames=8)
    assert check(dict(video_path='a.mp4', total_frames=8))['total_frames'] \
        == 8
    with pytest.raises(VideoReadError, match='too short: 3 frames, need 8'):
        check(dict(video_path='a.mp4', total_frames=3))
