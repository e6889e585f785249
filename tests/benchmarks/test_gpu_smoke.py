"""Smoke test of benchmarks/gpu_smoke.py: its code path on a tiny config."""
import json

import torch

from benchmarks import gpu_smoke
from tests.conftest import run_tool


def test_runs_on_a_tiny_config_on_cpu(tmp_path):
    out = tmp_path / 'smoke.json'
    assert gpu_smoke.main([
        '--config', 'configs/shapesqa/mcg_tiny_shapesqa.py', '--device',
        'cpu', '--videos', '2', '--questions', '2', '--steps', '2',
        '--warmup', '1', '--peak-tflops', '1', '--out-json', str(out)]) == 0
    res = json.loads(out.read_text())
    assert res['precision'] == 'fp32'   # the demo has no GPU bf16 default
    assert res['steps'] == 2 and res['step_s'] > 0
    assert res['tflops_per_step'] > 0
    assert res['mfu'] == res['achieved_tflops'] / 1
    assert res['peak_mem_gib'] is None


def test_the_paper_precision_path_runs(tmp_path, monkeypatch):
    before = torch.get_float32_matmul_precision()
    # The paper config's precision (bf16 autocast) on a micro-sized model.
    from mmengine.config import Config
    real = Config.fromfile

    def shrunk(path, *a, **k):
        cfg = real(path, *a, **k)
        v = cfg.model.video_encoder
        v.update(embed_dims=32, depth=1, num_heads=2, img_size=32,
                 num_frames=2)
        cfg.model.text_encoder.update(num_layers=1, config=dict(
            hidden_size=32, num_attention_heads=2, intermediate_size=64))
        for part in (cfg.model.fusor, cfg.model.head):
            part.update(embed_dims=32, num_layers=1, num_heads=2, ffn_dims=64)
        cfg.model.fusor.video_dims = cfg.model.head.memory_dims = 32
        return cfg
    monkeypatch.setattr(Config, 'fromfile', staticmethod(shrunk))
    res = gpu_smoke.run(gpu_smoke.parse_args([
        '--device', 'cpu', '--videos', '1', '--questions', '2', '--steps',
        '1', '--warmup', '1']))
    assert res['config'] == 'configs/mcg/mcg_anetqa_8f.py'
    assert res['precision'] == 'bf16'
    assert res['mfu'] is None            # no peak known for a CPU
    assert torch.get_float32_matmul_precision() == 'high'  # TF32 on
    torch.set_float32_matmul_precision(before)


def test_without_cuda_it_says_so():
    if torch.cuda.is_available():
        return
    res = run_tool(['benchmarks/gpu_smoke.py'])
    assert res.returncode == 2
    assert 'no CUDA device' in res.stderr and 'Traceback' not in res.stderr
