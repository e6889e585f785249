"""Smoke tests of bench_video_encoder.py and bench_generate.py, tiny sizes."""
import os
import os.path as osp
import re
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_script(args, cwd):
    env = dict(os.environ, HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1')
    res = subprocess.run([sys.executable] + args, cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


def test_bench_video_encoder_smoke(tmp_path):
    # Run from elsewhere: the script finds mcg as installed, no path set.
    out = run_script([osp.join(REPO, 'benchmarks/bench_video_encoder.py'),
                      '--img', '32', '--dims', '32', '--depth', '1',
                      '--heads', '2', '--frames', '2', '--reps', '1',
                      '--dtypes', 'fp32', '--threads', '1'], cwd=tmp_path)
    diff = float(re.search(r'max \|out_hf - out_mcg\| = (\S+)', out)[1])
    assert diff < 1e-4     # the converted encoder equals HF's
    assert 'speed ratio hf/mcg' in out and 'saved activations' in out


def test_bench_video_encoder_reports_each_policy_in_fp32_and_bf16(tmp_path):
    tiny = ['--img', '32', '--dims', '32', '--depth', '1', '--heads', '2',
            '--frames', '2', '--threads', '1']
    out = run_script([osp.join(REPO, 'benchmarks/bench_video_encoder.py'),
                      '--reps', '1'] + tiny, cwd=tmp_path)
    rows = {tuple(c.strip('* ') for c in line.split('|')[1:3]): line
            for line in out.splitlines() if line.startswith('| fp32')
            or line.startswith('| bf16')}
    for dtype in ('fp32', 'bf16'):
        # The default policy and the alternatives that differ from it.
        assert (dtype, 'auto') in rows
        assert {(dtype, 'sdpa'), (dtype, 'math')} <= set(rows)
        diff = float(rows[(dtype, 'auto')].split('|')[6])
        assert diff < (1e-4 if dtype == 'fp32' else 5e-2)
    # PyTorch's own linear dispatch as an alternative where auto routes
    # fp32 linears to oneDNN (not under bf16, where both are oneDNN).
    from mcg.layers.linear import onednn_available
    assert (('fp32', 'linear:aten') in rows) is onednn_available()
    assert ('bf16', 'linear:aten') not in rows
    prof = run_script([osp.join(REPO, 'benchmarks/bench_video_encoder.py'),
                       '--profile'] + tiny, cwd=tmp_path)
    assert '[profile, fp32, one step]' in prof
    assert '[profile, bf16, one step]' in prof


def test_bench_generate_smoke():
    out = run_script(['benchmarks/bench_generate.py', '--config',
                      'configs/shapesqa/mcg_tiny_shapesqa.py', '--batch', '2',
                      '--tokens', '3', '--repeats', '1', '--no-record'],
                     cwd=REPO)
    rows = [line for line in out.splitlines()
            if line.startswith(('| greedy', '| beam'))]
    assert len(rows) == 2
    assert all(row.rstrip().endswith('| yes |') for row in rows)
