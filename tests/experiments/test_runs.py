"""mcg.experiments.runs: shared runs, stale results, two processes on one folder."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

from mcg.experiments import experiment_runs
from mcg.experiments.runs import CLAIM, Run, run_queue


def execute_counting(calls):
    def execute(run, work_dir):
        calls.append(run.name)
        return {'seen': run.name}
    return execute


def test_experiments_share_the_mcg_row_and_pretraining():
    names = {e: {r.name for r in experiment_runs(e, 'demo', 3)}
             for e in ('table5', 'fig4', 'table6')}
    shared = names['table5'] & names['fig4'] & names['table6']
    assert shared == {'pretrain_mcl'} | {f'w_jum_mcl_ccg_mcg_s{s}' for s in range(3)}
    for exp in ('table5', 'fig4', 'table6'):
        runs = [r for r in experiment_runs(exp, 'demo', 3) if r.name == 'w_jum_mcl_ccg_mcg_s1']
        assert len(runs) == 1 and runs[0].options == experiment_runs(
            'table5', 'demo', 3)[-1].options


def test_shared_run_is_trained_once_and_labelled_per_experiment(tmp_path):
    calls = []
    a = [Run('pre', 'c.py', 'pretrain'), Run('ft', 'c.py', 'finetune', init_from='pre',
                                             labels={'table_row': 'MCG'})]
    b = [Run('pre', 'c.py', 'pretrain'), Run('ft', 'c.py', 'finetune', init_from='pre',
                                             labels={'variant': 'ICL+TCL'})]
    run_queue(a, str(tmp_path), execute_counting(calls), log=lambda _: None)
    results = run_queue(b, str(tmp_path), execute_counting(calls), log=lambda _: None)
    assert calls == ['pre', 'ft']
    assert results[1]['labels'] == {'variant': 'ICL+TCL'}
    assert not osp.exists(osp.join(tmp_path, 'runs', 'ft', CLAIM))


def test_result_of_another_setting_is_refused(tmp_path):
    run_queue([Run('ft', 'c.py', 'finetune', options={'max_epochs': 20})],
              str(tmp_path), execute_counting([]), log=lambda _: None)
    with pytest.raises(ValueError, match=r"options: .*max_epochs.*20.*10"):
        run_queue([Run('ft', 'c.py', 'finetune', options={'max_epochs': 10})],
                  str(tmp_path), execute_counting([]), log=lambda _: None)


@pytest.fixture
def other_process():
    """A live process that is not this one (the owner of a claim)."""
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
    yield proc
    proc.kill()
    proc.wait()


def claim_for(out_dir, name, pid):
    work = osp.join(out_dir, 'runs', name)
    os.makedirs(work)
    with open(osp.join(work, CLAIM), 'w') as f:
        f.write(str(pid))


def test_run_claimed_by_a_live_process_is_left_to_it(tmp_path, other_process):
    claim_for(tmp_path, 'busy', other_process.pid)
    calls, lines = [], []
    results = run_queue([Run('busy', 'c.py', 'finetune'), Run('free', 'c.py', 'finetune')],
                        str(tmp_path), execute_counting(calls), log=lines.append)
    assert calls == ['free'] and [r['name'] for r in results] == ['free']
    assert f'running in process {other_process.pid}' in lines[0]
    # The owner is gone: its claim is taken over and the run executes.
    other_process.kill()
    other_process.wait()
    calls = []
    run_queue([Run('busy', 'c.py', 'finetune')], str(tmp_path),
              execute_counting(calls), log=lambda _: None)
    assert calls == ['busy']
    with open(osp.join(tmp_path, 'runs', 'busy', 'result.json')) as f:
        assert json.load(f)['metrics'] == {'seen': 'busy'}


def test_run_waits_while_its_pretraining_runs_elsewhere(tmp_path, other_process):
    claim_for(tmp_path, 'pre', other_process.pid)
    calls, lines = [], []
    runs = [Run('pre', 'c.py', 'pretrain'), Run('ft', 'c.py', 'finetune', init_from='pre'),
            Run('scratch', 'c.py', 'finetune')]
    results = run_queue(runs, str(tmp_path), execute_counting(calls), log=lines.append)
    assert calls == ['scratch'] and [r['name'] for r in results] == ['scratch']
    assert 'ft: waits for pre' in lines[1]
