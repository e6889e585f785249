"""Several pre-training sources behind one dataset index."""
from __future__ import annotations

import copy
from typing import List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset, ConcatDataset

from mcg.registry import DATASETS


@DATASETS.register_module()
class MultiSourceDataset(ConcatDataset):
    """``ConcatDataset`` of pre-training sources, sized per source.

    Sources keep their own pipelines (videos and images decode differently).
    Differences in metainfo are expected between sources and ignored.
    :class:`WeightedMultiDatasetSampler` reads :attr:`source_sizes` to draw
    from each source with its weight.

    Args:
        datasets: Source dataset configs (or built datasets).
        pipeline: Leave None. A list replaces every source's pipeline; mcg's
            preflight passes ``[]`` to check annotations without decoding.
        lazy_init: Defer loading the annotations.
    """

    def __init__(self, datasets: Sequence[Union[dict, BaseDataset]],
                 pipeline: Optional[list] = None,
                 lazy_init: bool = False) -> None:
        if not datasets:
            raise ValueError('MultiSourceDataset needs at least one source')
        if pipeline is not None:
            datasets = [dict(copy.deepcopy(d), pipeline=list(pipeline))
                        if isinstance(d, dict) else d for d in datasets]
        built = [DATASETS.build(d) if isinstance(d, dict) else d
                 for d in datasets]
        keys = sorted({k for d in built for k in d.metainfo})
        super().__init__(built, lazy_init=lazy_init, ignore_keys=keys)

    @property
    def source_sizes(self) -> List[int]:
        """Number of items of each source, in order."""
        self.full_init()
        return [len(d) for d in self.datasets]
