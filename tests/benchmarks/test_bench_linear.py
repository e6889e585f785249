"""Smoke test of benchmarks/bench_linear.py at the demo's shapes."""
import re

from benchmarks.bench_linear import main


def test_bench_linear_prints_each_backend_and_its_accuracy(capsys):
    main(['--cases', 'demo_qkv,demo_mlp_fc2', '--reps', '1'])
    out = capsys.readouterr().out
    rows = [r for r in out.splitlines() if r.startswith('| demo_')]
    assert len(rows) == 2
    for row in rows:
        diffs = [float(d) for d in re.findall(r'; (\S+)\)', row)]
        assert len(diffs) == 3                    # aten, onednn fp32; bf16
        assert max(diffs[:2]) <= 1e-4             # fp32 equals F.linear
        assert diffs[2] <= 1.0                    # bf16 rounding, 128-512 in
        assert re.search(r'\| \d+\.\d\dx \|$', row.rstrip())
