"""DecordInit's in-memory cache of decoded videos."""
import shutil

import numpy as np
import pytest

from mcg.datasets.transforms import DecordDecode, DecordInit, VideoReadError


def clip(init, path, inds):
    results = init(dict(video_path=str(path)))
    results['frame_inds'] = np.asarray(inds)
    return results['total_frames'], DecordDecode()(results)['imgs']


def test_cached_frames_equal_decoded_ones_and_skip_the_file(tmp_path,
                                                            shapesqa_tiny):
    videos = tmp_path / 'videos'
    shutil.copytree(f'{shapesqa_tiny}/videos', videos)
    paths = [videos / f'v_syntr0000{i}.mp4' for i in range(3)]
    plain, cached = DecordInit(), DecordInit(cache_size=2)
    inds = [13, 2, 7, 7, 0, 15]
    decoded = {}
    for path in paths:
        want = decoded[path] = clip(plain, path, inds)
        assert len(want[1]) == 6 and want[0] == 16
        for _ in range(2):      # a miss, then a hit
            got = clip(cached, path, inds)
            assert got[0] == want[0] and np.array_equal(got[1], want[1])
    # Videos 1 and 2 are cached and no longer read from disk; video 0 was
    # the least recently used and was evicted.
    for path in paths:
        path.write_bytes(b'not a video')
    for path in paths[1:]:
        assert np.array_equal(clip(cached, path, inds)[1], decoded[path][1])
    with pytest.raises(VideoReadError, match='v_syntr00000.mp4'):
        clip(cached, paths[0], [0])


def test_default_reads_the_file_every_time_and_bad_size_is_refused(
        tmp_path, shapesqa_tiny):
    path = tmp_path / 'v.mp4'
    shutil.copy(f'{shapesqa_tiny}/videos/v_syntr00000.mp4', path)
    init = DecordInit()
    clip(init, path, [0])
    path.write_bytes(b'not a video')
    with pytest.raises(VideoReadError):
        clip(init, path, [0])
    with pytest.raises(ValueError, match='cache_size'):
        DecordInit(cache_size=-1)
