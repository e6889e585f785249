"""The Slurm scripts ask one core per loader worker of the paper configs
plus one for the training process."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

from tests.conftest import REPO

PAPER_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs/mcg/*.py')))


def default_cpus_per_task(script):
    text = open(osp.join(REPO, 'tools', script)).read()
    return int(re.search(r'CPUS_PER_TASK=\$\{CPUS_PER_TASK:-(\d+)\}',
                         text).group(1))


@pytest.mark.parametrize('script', ['slurm_train.sh', 'slurm_test.sh'])
def test_cpus_per_task_cover_the_loader_workers(script):
    cpus = default_cpus_per_task(script)
    assert PAPER_CONFIGS
    for path in PAPER_CONFIGS:
        cfg = Config.fromfile(path)
        loaders = [cfg.get(k) for k in ('train_dataloader', 'val_dataloader',
                                        'test_dataloader')]
        workers = max(int(loader.get('num_workers', 0))
                      for loader in loaders if loader)
        assert cpus == workers + 1, (osp.basename(path), cpus, workers)
