"""tools/reproduce.py and mcg.experiments: runs, resume after a stop, reports."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from mcg.experiments import experiment_runs, reproduce
from mcg.experiments.catalog import EXPERIMENTS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The keys ActivityNetQAMetric reports (after the 'anetqa/' prefix).
TYPES = ('Motion', 'Spatial Rel.', 'Temporal Rel.', 'Yes/No', 'Color', 'Object',
         'Location', 'Number', 'Other', 'Free', 'All')


class Stop(Exception):
    """Stands in for a kill between two runs."""


def fake_execute(calls, stop_after=None):
    """Metrics that depend on the run, without training."""
    def execute(run, work_dir):
        if stop_after is not None and len(calls) == stop_after:
            raise Stop(run.name)
        calls.append(run.name)
        if run.kind == 'pretrain':
            return {'retrieval': {'R@1': 0.5, 'R@5': 0.9, 'R@10': 1.0, 'v2t_R@1': 0.4,
                                  'acc_vtm': 0.8, 'acc_vtm_pos': 0.7, 'acc_vtm_neg': 0.85,
                                  'acc_vtm_constant': 2 / 3, 'chance_R@1': 0.125,
                                  'num_clips': 8}}
        score = 40.0 + run.seed + (10.0 if run.init_from else 0.0)
        split = {t: score for t in TYPES}
        return {'val': split, 'test': split, 'train': {**split, 'All': score + 5},
                'val_curve': [{'step': 1, 'All': score - 5}, {'step': 2, 'All': score}]}
    return execute


def test_runs_are_config_swaps_of_shipped_configs():
    for name in EXPERIMENTS:
        for run in experiment_runs(name, 'demo', 3):
            assert osp.isfile(osp.join(REPO, run.config)), run.config
    names = [r.name for r in experiment_runs('table5', 'demo', 3)]
    assert len(names) == len(set(names)) == 1 + 5 * 3
    # Fine-tuning runs start from a pre-training run listed before them.
    for name in EXPERIMENTS:
        runs = experiment_runs(name, 'demo', 2)
        for i, run in enumerate(runs):
            if run.init_from:
                assert run.init_from in [r.name for r in runs[:i]]


def test_all_experiments_resume_after_a_stop(tmp_path):
    out = str(tmp_path / 'repro')
    calls, lines = [], []
    with pytest.raises(Stop):
        reproduce('table5', out, seeds=2, profile='tiny',
                  execute=fake_execute(calls, stop_after=3), log=lines.append)
    assert len(calls) == 3
    assert not osp.exists(osp.join(out, 'table5.md'))
    first = list(calls)
    calls.clear()
    lines.clear()
    written = reproduce('all', out, seeds=2, profile='tiny',
                        execute=fake_execute(calls), log=lines.append)
    # Finished runs are not run again; the rest are.
    assert not set(first) & set(calls)
    assert sum('skipped' in line for line in lines) >= 3
    progress = [line for line in lines if line.startswith('[') and 'ETA' in line]
    assert progress and all('elapsed' in line for line in progress)
    for name in EXPERIMENTS:
        assert osp.isfile(osp.join(out, f'{name}.md'))
        with open(osp.join(out, f'{name}.json')) as f:
            data = json.load(f)
        for run in data['runs']:
            assert {'config', 'seed', 'options', 'metrics'} <= set(run)
    for png in ('fig4.png', 'fig5.png', 'table6.png'):
        assert os.path.getsize(osp.join(out, png)) > 1000
    with open(written['retrieval']) as f:
        ret = json.load(f)
    assert ret['R@1'] == 0.5 and ret['R@5'] == 0.9
    table5 = open(osp.join(out, 'table5.md')).read()
    # MCL 50-51 vs scratch 40-41 in the fake metrics.
    assert '+10.0 points' in table5 and 'do not overlap' in table5
    # Every question type has a value in every row.
    rows = [line for line in table5.splitlines() if line.startswith('| w/')]
    assert rows and not any(' - ' in row for row in rows), rows


def test_metric_prefix_is_stripped_not_the_type_name():
    from mcg.experiments.execute import _strip
    assert _strip({'anetqa/Yes/No': 75, 'anetqa/Spatial Rel.': 50.0, 'x': 'text'}) == \
        {'Yes/No': 75.0, 'Spatial Rel.': 50.0}


@pytest.mark.slow
def test_tiny_end_to_end_through_the_tool(tmp_path):
    """Real training on the tiny preset; a removed result is run again."""
    out = str(tmp_path / 'repro')
    cmd = [sys.executable, osp.join(REPO, 'tools', 'reproduce.py'), 'retrieval',
           '--seeds', '1', '--profile', 'tiny', '--out', out]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    with open(osp.join(out, 'retrieval.json')) as f:
        ret = json.load(f)
    assert ret['num_clips'] == 8 and 0 <= ret['R@1'] <= 1 and 0 <= ret['R@5'] <= 1
    assert 'R@1' in res.stdout and '[1/1] pretrain_mcl_s0' in res.stdout
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert 'done earlier, skipped' in res.stdout
    # Fine-tuning from that pre-training, trained, validated and tested for
    # real (Fig. 5: both heads, with the training-set evaluation).
    lines = []
    reproduce('fig5', out, seeds=1, profile='tiny', log=lines.append)
    assert any('pretrain_mcl: done earlier' in line or 'pretrain_mcl:' in line
               for line in lines)
    with open(osp.join(out, 'fig5.json')) as f:
        runs = json.load(f)['runs']
    tuned = [r for r in runs if r['kind'] == 'finetune']
    assert len(tuned) == 2
    for run in tuned:
        metrics = run['metrics']
        assert {'val', 'test', 'train'} <= set(metrics)
        assert 0 <= metrics['test']['All'] <= 100 and metrics['val_curve']
        assert 'Yes/No' in metrics['test'] and 'Spatial Rel.' in metrics['test']
    assert osp.getsize(osp.join(out, 'fig5.png')) > 1000


def test_report_only_writes_partial_tables_marked_incomplete(tmp_path):
    out = str(tmp_path / 'repro')
    calls = []
    with pytest.raises(Stop):
        reproduce('table5', out, seeds=2, profile='tiny',
                  execute=fake_execute(calls, stop_after=4), log=lambda _: None)
    lines = []
    written = reproduce('table5', out, seeds=2, profile='tiny',
                        report_only=True, log=lines.append,
                        execute=fake_execute(calls := []))
    assert calls == []                                  # nothing trained
    text = open(written['md']).read()
    assert 'Incomplete: 7 run(s) not finished' in text
    assert sum(line.endswith('not run') for line in lines) == 7
    empty = str(tmp_path / 'empty')
    assert reproduce('fig4', empty, seeds=1, profile='tiny',
                     report_only=True, log=lines.append) == {}
    assert not osp.exists(osp.join(empty, 'data'))      # no data prepared


def test_no_report_when_only_the_pretraining_finished(tmp_path):
    out = str(tmp_path / 'repro')
    with pytest.raises(Stop):
        reproduce('fig5', out, seeds=1, profile='tiny',
                  execute=fake_execute([], stop_after=1), log=lambda _: None)
    lines = []
    assert reproduce('fig5', out, seeds=1, profile='tiny', report_only=True,
                     log=lines.append) == {}
    assert any('no finished fine-tuning run' in line for line in lines)
    assert not osp.exists(osp.join(out, 'fig5.md'))
    assert not osp.exists(osp.join(out, 'fig5.png'))
