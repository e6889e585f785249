"""TensorBoard logging: the one-line switch in default_runtime.py.

A tiny run with ``tensorboard = True`` (the line in a copy of configs/) must
write event files holding the losses, ``acc_*`` diagnostics, loss weights,
learning rate and the per-type validation accuracies; with the shipped
default it writes none.
"""
import glob
import math
import os.path as osp
import shutil

import pytest

from tests.conftest import (REPO, micro_model_options, options_to_argv,
                            run_tool)

SWITCH = 'tensorboard = False'


def _scalars(work_dir):
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    files = glob.glob(osp.join(work_dir, '**', 'events.out.tfevents.*'),
                      recursive=True)
    assert len(files) == 1, files
    acc = EventAccumulator(files[0])
    acc.Reload()
    return {tag: [e.value for e in acc.Scalars(tag)]
            for tag in acc.Tags()['scalars']}


@pytest.mark.slow
def test_switched_on_a_tiny_run_writes_the_scalars(shapesqa_tiny, tmp_path):
    pytest.importorskip('tensorboard')
    configs = tmp_path / 'configs'
    shutil.copytree(osp.join(REPO, 'configs'), configs)
    runtime = configs / '_base_' / 'default_runtime.py'
    text = runtime.read_text()
    assert text.count(SWITCH) == 1, 'the switch line is gone'
    runtime.write_text(text.replace(SWITCH, 'tensorboard = True'))
    opts = micro_model_options(shapesqa_tiny)
    opts['train_cfg.max_epochs'] = 1
    work_dir = str(tmp_path / 'work')
    res = run_tool(['tools/train.py',
                    str(configs / 'shapesqa' / 'mcg_tiny_shapesqa.py'),
                    '--work-dir', work_dir] + options_to_argv(opts))
    assert res.returncode == 0, res.stderr[-3000:]
    scalars = _scalars(work_dir)
    train = ['loss', 'loss_lm', 'loss_icl', 'acc_lm_token', 'acc_icl', 'lr',
             'weight_icl']
    val = ['anetqa/' + t for t in ('Motion', 'Spatial Rel.', 'Temporal Rel.',
                                   'Yes/No', 'Color', 'Object', 'Location',
                                   'Number', 'Other', 'Free', 'All')]
    missing = [t for t in train + val if t not in scalars]
    assert not missing, f'missing {missing}; have {sorted(scalars)}'
    # 6 training videos in batches of 3: one value per iteration.
    assert len(scalars['loss_lm']) == 2
    assert all(math.isfinite(v) for t in train for v in scalars[t])
    # The ICL weight is 2 until the schedule starts fading it (epoch 5).
    assert scalars['weight_icl'] == pytest.approx([2.0, 2.0])
    assert all(0 <= scalars[t][0] <= 100 for t in val)


def test_off_by_default(trained_micro):
    work_dir, _, _ = trained_micro
    assert glob.glob(osp.join(work_dir, '**', 'events.out.tfevents.*'),
                     recursive=True) == []
    assert SWITCH in open(osp.join(REPO, 'configs', '_base_',
                                   'default_runtime.py')).read()


def test_one_run_switches_it_on_with_cfg_options():
    from mcg.utils import load_config
    config = osp.join(REPO, 'configs', 'shapesqa', 'mcg_tiny_shapesqa.py')
    on = load_config(config, {'tensorboard': True})
    assert [b['type'] for b in on.visualizer.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend']
    off = load_config(config, None)
    assert [b['type'] for b in off.visualizer.vis_backends] == [
        'LocalVisBackend']
