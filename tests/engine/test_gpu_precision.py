"""bf16 autocast + TF32 are the paper configs' GPU default; fp32 elsewhere."""
import importlib.util
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from mcg.engine.optim_wrapper import AutocastOptimWrapper
from mcg.engine.precision import (AutocastTestLoop, AutocastValLoop,
                                  apply_gpu_precision)
from tests.conftest import DEMO_CONFIG, REPO

PAPER = osp.join(REPO, 'configs/mcg/mcg_anetqa_8f.py')


@pytest.fixture
def restore_tf32():
    before = (torch.get_float32_matmul_precision(),
              torch.backends.cudnn.allow_tf32)
    yield
    torch.set_float32_matmul_precision(before[0])
    torch.backends.cudnn.allow_tf32 = before[1]


def test_paper_config_on_gpu_trains_and_evaluates_in_bf16(restore_tf32):
    torch.set_float32_matmul_precision('highest')
    cfg = Config.fromfile(PAPER)
    assert apply_gpu_precision(cfg, cuda_available=True) == 'bf16'
    assert cfg.optim_wrapper.type == 'AutocastOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=5.0)  # kept
    assert cfg.val_cfg.type == 'mcg.AutocastValLoop'
    assert cfg.test_cfg.type == 'mcg.AutocastTestLoop'
    assert torch.get_float32_matmul_precision() == 'high'    # TF32


@pytest.mark.parametrize('config,cuda,flag', [
    (PAPER, False, False),        # a CPU run of a paper config
    (PAPER, True, True),          # --fp32
    (DEMO_CONFIG, True, False),   # the ShapesQA demo, even on a GPU
    (DEMO_CONFIG, False, False),
])
def test_fp32_stays_fp32(restore_tf32, config, cuda, flag):
    torch.set_float32_matmul_precision('highest')
    cfg = Config.fromfile(config)
    if flag:
        spec = importlib.util.spec_from_file_location(
            'mcg_tools_train', osp.join(REPO, 'tools/train.py'))
        train = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(train)
        cfg = train.merge_args(cfg, train.parse_args([config, '--fp32']))
    before = cfg.to_dict()
    assert apply_gpu_precision(cfg, cuda_available=cuda) is None
    assert cfg.to_dict() == before
    assert torch.get_float32_matmul_precision() == 'highest'


def test_unknown_precision_is_refused():
    cfg = Config(dict(gpu_precision='fp8'))
    with pytest.raises(ValueError, match='gpu_precision'):
        apply_gpu_precision(cfg, cuda_available=True)


class _Probe(torch.nn.Module):
    """Records the dtype a Linear computes in."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)
        self.seen = []

    def forward(self, data_batch=None):
        out = self.fc(torch.ones(1, 4))
        self.seen.append(out.dtype)
        return [out]

    val_step = test_step = forward


def test_autocast_only_on_the_named_devices():
    model = _Probe()
    only_gpu = AutocastOptimWrapper(optimizer=torch.optim.SGD(
        model.parameters(), lr=0.1), device_types=('cuda',))
    anywhere = AutocastOptimWrapper(optimizer=torch.optim.SGD(
        model.parameters(), lr=0.1))
    for wrapper in (only_gpu, anywhere):
        with wrapper.optim_context(model):
            model()
    assert model.seen == [torch.float32, torch.bfloat16]


@pytest.mark.parametrize('loop_cls', [AutocastValLoop, AutocastTestLoop])
def test_evaluation_loops_autocast(loop_cls):
    model = _Probe()
    loop = loop_cls.__new__(loop_cls)   # the iteration only, no runner build
    loop._runner = SimpleNamespace(model=model,
                                   call_hook=lambda *a, **k: None)
    loop.evaluator = SimpleNamespace(process=lambda **k: None)
    loop.val_loss, loop.test_loss = {}, {}
    loop.cast_dtype, loop.device_types = torch.bfloat16, ('cpu',)
    loop.run_iter(0, {})
    loop.device_types = ('cuda',)
    loop.run_iter(1, {})
    assert model.seen == [torch.bfloat16, torch.float32]
