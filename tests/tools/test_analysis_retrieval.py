"""Smoke test of tools/analysis_retrieval.py on the micro pre-training model."""
import os.path as osp
import re

from tests.conftest import REPO, micro_model_options, options_to_argv, run_tool

PRETRAIN = osp.join(REPO, 'configs/shapesqa/mcg_tiny_shapesqa_pretrain.py')


def test_analysis_retrieval_reports_recalls(shapesqa_tiny, tmp_path):
    opts = {k: v for k, v in micro_model_options(shapesqa_tiny).items()
            if k.startswith('model.')}
    opts.update({'model.head.output_vocab': None,
                 'train_dataloader.dataset.datasets.0.data_root':
                 shapesqa_tiny})
    # From another folder: the tool finds mcg as installed.
    res = run_tool([osp.join(REPO, 'tools/analysis_retrieval.py'), PRETRAIN,
                    'none', '--split', 'val', '--ks', '1', '2'] +
                   options_to_argv(opts), cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr[-3000:]
    n = int(re.search(r'^(\d+) caption/clip pairs', res.stdout, re.M)[1])
    assert n >= 2
    for name in ('text->video', 'video->text'):
        r1, r2 = map(float, re.search(
            name + r': R@1 (\S+), R@2 (\S+) \(chance R@1 (\S+)\)',
            res.stdout).groups()[:2])
        assert 0 <= r1 <= r2 <= 100
    assert f'(chance R@1 {100 / n:.1f})' in res.stdout
    assert 'VTM: accuracy' in res.stdout    # the config has a VTM loss
