"""Tools, tests and benchmarks import mcg as installed, not by path edits."""
import glob
import os
import os.path as osp
import re
import subprocess
import sys

from tests.conftest import REPO

PATH_EDIT = re.compile(r'sys\.path\.(insert|append|extend)\(|'
                       r'sys\.path\s*(\+=|=[^=])')


def test_no_sys_path_edits_in_tools_tests_benchmarks():
    offenders = []
    for folder in ('tools', 'tests', 'benchmarks'):
        for path in glob.glob(osp.join(REPO, folder, '**', '*.py'),
                              recursive=True):
            with open(path, encoding='utf-8') as f:
                for n, line in enumerate(f, 1):
                    if PATH_EDIT.search(line):
                        offenders.append(
                            f'{osp.relpath(path, REPO)}:{n}: {line.strip()}')
    assert not offenders, ('import mcg as installed (tools/setup.sh runs pip '
                           'install -e .) instead of editing sys.path:\n'
                           + '\n'.join(offenders))


def test_a_tool_runs_from_another_folder_without_pythonpath(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    res = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'reproduce.py'), '--help'],
        cwd=str(tmp_path), env=env, capture_output=True, text=True,
        timeout=300)
    # reproduce.py imports mcg.experiments at module level.
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'table5' in res.stdout
