"""Shared fixtures: a tiny ShapesQA dataset and tiny configs."""
import json
import logging
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO, 'configs/shapesqa/mcg_tiny_shapesqa.py')


def micro_model_options(data_root: str) -> dict:
    """cfg-options turning the demo config into a seconds-fast test config."""
    return {
        'model.video_encoder.embed_dims': 32,
        'model.video_encoder.depth': 1,
        'model.video_encoder.num_heads': 2,
        'model.text_encoder.config.hidden_size': 32,
        'model.text_encoder.config.num_hidden_layers': 1,
        'model.text_encoder.config.num_attention_heads': 2,
        'model.text_encoder.config.intermediate_size': 64,
        'model.fusor.embed_dims': 32,
        'model.fusor.video_dims': 32,
        'model.fusor.num_layers': 1,
        'model.fusor.num_heads': 2,
        'model.fusor.ffn_dims': 64,
        'model.head.embed_dims': 32,
        'model.head.memory_dims': 32,
        'model.head.num_layers': 1,
        'model.head.num_heads': 2,
        'model.head.ffn_dims': 64,
        'model.head.output_vocab': osp.join(data_root, 'train_a.json'),
        'train_dataloader.dataset.data_root': data_root,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root,
        'train_dataloader.batch_size': 3,
        'val_dataloader.batch_size': 2,
        'test_dataloader.batch_size': 2,
        'train_dataloader.num_workers': 0,
        'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.persistent_workers': False,
        'test_dataloader.persistent_workers': False,
        'train_cfg.max_epochs': 2,
        'train_cfg.val_interval': 1,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
        # fp32 on every CPU, whatever its bf16 support (the demo's 'auto'
        # would train these tests in bf16 on some machines only).
        'cpu_precision': 'fp32',
    }


def options_to_argv(options: dict) -> list:
    """Render cfg-options for a command line."""
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


@pytest.fixture(scope='session')
def shapesqa_tiny(tmp_path_factory) -> str:
    """The ShapesQA ``tiny`` preset (6/2/2 videos), generated once."""
    from mcg.datasets.shapesqa.generate import generate_shapesqa
    root = str(tmp_path_factory.mktemp('shapesqa_tiny'))
    generate_shapesqa(root, preset='tiny', seed=0)
    return root


@pytest.fixture
def micro_cfg(shapesqa_tiny):
    """The demo config shrunk to a micro model on the tiny preset."""
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(micro_model_options(shapesqa_tiny))
    return cfg


def run_tool(args, cwd=REPO, env=None, timeout=600):
    """Run a tool script with this interpreter; return CompletedProcess.

    The tools import mcg as installed (``pip install -e .``); PYTHONPATH
    only makes sure the subprocess runs this checkout's mcg when one
    environment serves several checkouts.
    """
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = REPO + os.pathsep + full_env.get('PYTHONPATH', '')
    full_env.update(env or {})
    return subprocess.run([sys.executable] + list(args), cwd=cwd,
                          env=full_env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope='session')
def trained_micro(shapesqa_tiny, tmp_path_factory):
    """Two epochs of the micro model on the tiny preset, via tools/train.py.

    Returns:
        (work_dir, cfg_options, CompletedProcess)
    """
    work_dir = str(tmp_path_factory.mktemp('work'))
    opts = micro_model_options(shapesqa_tiny)
    res = run_tool(['tools/train.py', DEMO_CONFIG, '--work-dir', work_dir] +
                   options_to_argv(opts))
    assert res.returncode == 0, res.stderr[-3000:]
    return work_dir, opts, res


OVERFIT_MAX_STEPS = 600


def overfit_micro_model(cfg):
    """Train ``cfg.model`` on its train split until it answers all correctly.

    Returns:
        (model, steps, last loss)
    """
    import copy

    import torch
    from mmengine.optim import OptimWrapper
    from torch.utils.data import DataLoader

    from mcg.datasets.collate import videoqa_collate
    from mcg.registry import DATASETS, MODELS
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    # The API's deterministic test-time sampling, so the decoded batch can
    # be reused for every step (ShapesQA answers do not depend on which
    # frames of each half are drawn).
    ds_cfg['pipeline'] = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    dataset = DATASETS.build(ds_cfg)
    batch = next(iter(DataLoader(dataset, batch_size=len(dataset),
                                 collate_fn=videoqa_collate)))
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model))
    opt = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=3e-3))
    for step in range(1, OVERFIT_MAX_STEPS + 1):
        model.train()
        loss = model.train_step(copy.copy(batch), opt)['loss_lm']
        if step % 50 == 0:
            model.eval()
            preds = model.test_step(copy.copy(batch))
            right = [p.pred_answer == p.gt_answer for p in preds]
            if all(right):
                return model, step, loss
    pytest.fail(f'did not overfit in {OVERFIT_MAX_STEPS} steps: '
                f'{sum(right)}/{len(right)} right, loss {float(loss):.3f}')


@pytest.fixture(scope='session')
def overfit_checkpoint(shapesqa_tiny, tmp_path_factory):
    """A micro model trained until it answers every tiny-preset training
    question (~11 s on 2 vCPUs), shared by the tests that need a checkpoint
    that answers correctly.

    Returns:
        (config file, checkpoint file, steps trained); the config file is the
        demo config with the micro options applied, as a tool takes it.
    """
    import torch
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(micro_model_options(shapesqa_tiny))
    model, steps, _ = overfit_micro_model(cfg)
    out = tmp_path_factory.mktemp('overfit')
    ckpt = str(out / 'overfit.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(steps=steps)),
               ckpt)
    config = str(out / 'micro_shapesqa.py')
    cfg.dump(config)
    return config, ckpt, steps


@pytest.fixture
def log_lines(request):
    """Messages logged through MMLogger's current instance during a test.

    A logger named after the test is created, so it is the current instance
    that ``print_log(..., logger='current')`` writes to.
    """
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance(f'mcg_test_{request.node.nodeid}')
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.fixture(scope='session')
def train_video(shapesqa_tiny):
    """A tiny-preset training video, its questions and their answers."""
    with open(osp.join(shapesqa_tiny, 'train_q.json')) as f:
        qs = json.load(f)
    with open(osp.join(shapesqa_tiny, 'train_a.json')) as f:
        ans = {a['question_id']: a['answer'] for a in json.load(f)}
    name = qs[0]['video_name']
    mine = [q for q in qs if q['video_name'] == name]
    video = osp.join(shapesqa_tiny, 'videos', f'v_{name}.mp4')
    return video, [q['question'] for q in mine], [ans[q['question_id']]
                                                  for q in mine]
