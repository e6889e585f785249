"""Frame samplers: head-tail (train and test), uniform, short videos."""
import numpy as np
import pytest

from mcg.datasets.transforms import (HeadTailFrameSampler,
                                     UniformFrameSampler, spread_indices)


def test_head_tail_test_mode_is_deterministic_and_split():
    s = HeadTailFrameSampler(num_frames=8, test_mode=True)
    inds = s.sample(16)
    assert inds.tolist() == [1, 3, 5, 7, 9, 11, 13, 15]
    assert np.array_equal(inds, s.sample(16))
    inds = s.sample(100)
    assert (inds[:4] < 50).all() and (inds[4:] >= 50).all()
    assert inds.tolist() == sorted(inds.tolist())


def test_head_tail_train_mode_random_within_halves():
    s = HeadTailFrameSampler(num_frames=8, seed=0)
    seen = set()
    for _ in range(50):
        inds = s.sample(16)
        assert len(inds) == 8
        assert (inds[:4] < 8).all() and (inds[4:] >= 8).all()
        assert len(set(inds[:4])) == 4 and len(set(inds[4:])) == 4
        assert inds.tolist() == sorted(inds.tolist())
        seen.add(tuple(inds))
    assert len(seen) > 10  # really random


@pytest.mark.parametrize('total', [1, 2, 3, 5, 7])
@pytest.mark.parametrize('test_mode', [True, False])
def test_videos_shorter_than_num_frames(total, test_mode):
    s = HeadTailFrameSampler(num_frames=8, test_mode=test_mode, seed=1)
    inds = s.sample(total)
    assert len(inds) == 8
    assert inds.min() >= 0 and inds.max() < total
    if total >= 2:
        # Both halves are still represented.
        assert inds[:4].max() < total // 2 <= inds[4:].min()


def test_odd_frame_count_gives_extra_frame_to_head():
    inds = HeadTailFrameSampler(num_frames=5, test_mode=True).sample(20)
    assert (inds[:3] < 10).all() and (inds[3:] >= 10).all()


def test_uniform_avoids_official_truncation_bug():
    ours = UniformFrameSampler(8, test_mode=True)
    assert ours.sample(100).tolist() == [6, 18, 31, 43, 56, 68, 81, 93]
    assert ours.sample(7).tolist() == [0, 1, 2, 3, 3, 4, 5, 6]
    official = UniformFrameSampler(8, test_mode=True, official_truncation=True)
    # The official integer arange: truncated step, zeros for short videos.
    assert official.sample(100).tolist() == [0, 12, 24, 36, 48, 60, 72, 84]
    assert official.sample(7).tolist() == [0] * 8


def test_uniform_train_mode_one_frame_per_segment():
    s = UniformFrameSampler(4, seed=0)
    for _ in range(20):
        inds = s.sample(40)
        assert [i // 10 for i in inds] == [0, 1, 2, 3]


def test_spread_indices_are_segment_centres():
    assert spread_indices(10, 20, 2).tolist() == [12, 17]


def test_bad_num_frames():
    with pytest.raises(ValueError):
        HeadTailFrameSampler(num_frames=0)
