"""The weighted multi-source sampler and the multi-source dataset."""
import collections
import copy

import pytest
from mmengine.config import Config

from mcg.datasets.pretrain import (MultiSourceDataset,
                                   WeightedMultiDatasetSampler)
from tests.conftest import REPO


class Sources:
    """Stands in for a MultiSourceDataset: only the sizes matter."""

    def __init__(self, *sizes):
        self.source_sizes = list(sizes)

    def __len__(self):
        return sum(self.source_sizes)


def source_of(index, sizes):
    for i, size in enumerate(sizes):
        if index < size:
            return i
        index -= size
    raise IndexError(index)


def test_sources_are_drawn_by_weight():
    sizes = [10, 1000, 50]
    sampler = WeightedMultiDatasetSampler(Sources(*sizes),
                                          weights=[2, 1, 1],
                                          num_samples=8000, seed=0)
    counts = collections.Counter(source_of(i, sizes) for i in sampler)
    assert len(sampler) == 8000
    assert counts[0] / 8000 == pytest.approx(0.5, abs=0.03)
    assert counts[1] / 8000 == pytest.approx(0.25, abs=0.03)


def test_default_weights_follow_source_sizes():
    sampler = WeightedMultiDatasetSampler(Sources(300, 100), seed=0,
                                          num_samples=4000)
    counts = collections.Counter(source_of(i, [300, 100]) for i in sampler)
    assert counts[0] / 4000 == pytest.approx(0.75, abs=0.03)
    assert len(WeightedMultiDatasetSampler(Sources(300, 100), seed=0)) == 400


def test_each_source_is_exhausted_before_repeating():
    sampler = WeightedMultiDatasetSampler(Sources(5, 7), weights=[1, 0],
                                          num_samples=12, seed=3)
    indices = list(sampler)
    assert sorted(indices[:5]) == sorted(set(indices[:5]))
    assert all(i < 5 for i in indices)
    assert collections.Counter(indices).most_common(1)[0][1] <= 3


def test_ranks_split_the_epoch_and_epochs_differ():
    data = Sources(20, 20)
    ranks = []
    for rank in range(2):
        s = WeightedMultiDatasetSampler(data, num_samples=9, seed=1)
        s.rank, s.world_size = rank, 2
        s.total_size = 10
        ranks.append(list(s))
    assert len(ranks[0]) == len(ranks[1]) == 5
    full = s.epoch_indices().tolist()
    assert sorted(ranks[0] + ranks[1]) == sorted(full)
    s.set_epoch(1)
    assert s.epoch_indices().tolist() != full


def test_rejects_bad_weights():
    with pytest.raises(ValueError, match='2 weights for 3 sources'):
        WeightedMultiDatasetSampler(Sources(1, 2, 3), weights=[1, 1], seed=0)
    with pytest.raises(ValueError, match='positive sum'):
        WeightedMultiDatasetSampler(Sources(1, 2), weights=[0, 0], seed=0)
    with pytest.raises(ValueError, match='empty'):
        WeightedMultiDatasetSampler(Sources(0, 2), weights=[1, 1], seed=0)


def test_pretrain_config_dataset_and_preflight(shapesqa_tiny):
    from mcg.engine import check_datasets
    from mcg.registry import DATASETS
    cfg = Config.fromfile(
        f'{REPO}/configs/shapesqa/mcg_tiny_shapesqa_pretrain.py')
    for source in cfg.train_dataloader.dataset.datasets:
        source.data_root = shapesqa_tiny
    check_datasets(cfg)                   # annotations only, no decoding
    ds = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    assert isinstance(ds, MultiSourceDataset)
    assert ds.source_sizes == [6, 54]     # 6 captions, 6 x 9 questions
    caption, qa = ds[0], ds[6]
    assert caption['data_samples'][0].task == 'caption'
    assert len(caption['data_samples']) == len(qa['data_samples']) == 1
    assert 'task' not in qa['data_samples'][0].metainfo
    assert tuple(qa['inputs'].shape[:2]) == (4, 3)    # 4 frames
