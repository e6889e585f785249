"""Smoke test of benchmarks/bench_attention.py at the demo's shapes."""
import re

from benchmarks.bench_attention import main


def test_bench_attention_prints_every_impl_and_its_accuracy(capsys):
    main(['--cases', 'demo_temporal', '--reps', '1'])
    out = capsys.readouterr().out
    rows = [r for r in out.splitlines() if r.startswith('| demo_temporal')]
    assert len(rows) == 2                         # fp32 and bf16
    for row in rows:
        cells = row.split('|')[3:-2]              # sdpa ... matmul
        assert cells[2].strip() == 'n/a'          # 'efficient': CUDA only
        diffs = [float(d) for d in re.findall(r'; (\S+)\)', row)]
        assert len(diffs) == 4
        limit = 1e-5 if '| fp32 |' in row else 5e-2
        assert max(diffs) <= limit
        assert row.rstrip().endswith('| matmul |')  # the policy's pick
