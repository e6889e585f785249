"""The ShapesQA head variants train and evaluate end to end (micro model)."""
import os

import pytest

from tests.conftest import micro_model_options, options_to_argv, run_tool

CONFIGS = {
    # config -> (data sub-folder, a key of the printed metric table)
    'configs/shapesqa/heads/mcg_tiny_shapesqa_ch.py': ('', 'anetqa/All'),
    'configs/shapesqa/heads/mcg_tiny_shapesqa_mc_vtm.py': (
        'mc', 'shapesqa_mc/Acc@All'),
    'configs/shapesqa/heads/mcg_tiny_shapesqa_mc_lik.py': (
        'mc', 'shapesqa_mc/Acc@All'),
}


@pytest.mark.slow
@pytest.mark.parametrize('config', sorted(CONFIGS))
def test_head_variant_trains_and_prints_its_table(config, shapesqa_tiny,
                                                  tmp_path):
    sub, key = CONFIGS[config]
    opts = micro_model_options(os.path.join(shapesqa_tiny, sub))
    opts.update({'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1})
    if config.endswith('_ch.py'):
        opts = {k: v for k, v in opts.items()
                if not k.startswith('model.head.')}
        opts.update({'model.head.in_dims': 32, 'model.head.answer_file':
                     os.path.join(shapesqa_tiny, 'train_a.json')})
    else:  # choice options are not all in the tiny training answers
        opts['model.head.output_vocab'] = 'None'
    res = run_tool(['tools/train.py', config, '--work-dir', str(tmp_path)]
                   + options_to_argv(opts))
    log = res.stdout + res.stderr
    assert res.returncode == 0, log[-3000:]
    assert key in log
    if 'mc_' in config:
        assert 'Acc@C |  Acc@T |  Acc@D | Acc@All' in log  # the table
        assert 'no pred_label' not in log                 # all scored
    else:
        assert 'loss_cls' in log and 'acc_cls_coverage' in log
