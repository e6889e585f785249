"""A checkpoint that does not fit the config is refused, not tested anyway.

tools/test.py, tools/infer.py and VideoQAInferencer refuse a checkpoint
whose weights do not all load (a short summary of the missing, unexpected
and shape-mismatched keys, non-zero exit or CheckpointError) unless the
user asks for non-strict loading, and name the file of a truncated or
random-bytes checkpoint instead of printing a traceback.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mcg.apis import VideoQAInferencer
from mcg.engine.checkpoint_fit import CheckpointError
from tests.conftest import (DEMO_CONFIG, REPO, micro_model_options,
                            options_to_argv, run_tool)

CH_CONFIG = osp.join(REPO, 'configs/shapesqa/heads/mcg_tiny_shapesqa_ch.py')
QUESTION = 'how many objects appear in the video'


@pytest.fixture(scope='module')
def micro_ckpt(trained_micro):
    work_dir, opts, _ = trained_micro
    return osp.join(work_dir, 'epoch_2.pth'), opts


@pytest.fixture(scope='module')
def classifier_ckpt(shapesqa_tiny, tmp_path_factory):
    """The MCG-CH head config's micro model, saved as a checkpoint."""
    from mcg.registry import MODELS
    opts = {k: v for k, v in micro_model_options(shapesqa_tiny).items()
            if not k.startswith('model.head.')}
    opts.update({'model.head.in_dims': 32, 'model.head.answer_file':
                 osp.join(shapesqa_tiny, 'train_a.json')})
    cfg = Config.fromfile(CH_CONFIG)
    cfg.merge_from_dict(opts)
    with DefaultScope.overwrite_default_scope('mcg'):
        model = MODELS.build(cfg.model)
    path = str(tmp_path_factory.mktemp('ch') / 'classifier.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


@pytest.fixture(scope='module')
def broken_ckpts(micro_ckpt, tmp_path_factory):
    """A truncated copy of a real checkpoint and a file of random bytes."""
    folder = tmp_path_factory.mktemp('broken')
    with open(micro_ckpt[0], 'rb') as f:
        data = f.read()
    truncated = folder / 'truncated.pth'
    truncated.write_bytes(data[:len(data) // 3])
    noise = folder / 'noise.pth'
    noise.write_bytes(torch.randint(0, 256, (4096, ),
                                    generator=torch.Generator().manual_seed(
                                        0)).to(torch.uint8).numpy().tobytes())
    return [str(truncated), str(noise)]


def micro_config(opts, **extra):
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(dict(opts, **extra))
    return cfg


def test_test_tool_refuses_a_checkpoint_of_another_width(micro_ckpt,
                                                         tmp_path):
    ckpt, opts = micro_ckpt
    argv = ['tools/test.py', DEMO_CONFIG, ckpt, '--work-dir', str(tmp_path)]
    wider = options_to_argv(dict(opts, **{'model.head.ffn_dims': 256}))
    res = run_tool(argv + wider)
    assert res.returncode == 2, res.stderr[-2000:]
    assert 'Traceback' not in res.stderr
    assert '3 shape-mismatched' in res.stderr
    assert ('head.blocks.0.intermediate.weight (checkpoint (64, 32) vs '
            'model (256, 32))') in res.stderr
    assert '--non-strict' in res.stderr
    assert 'anetqa/All' not in res.stdout   # no table of zeros
    # Asked for: the summary is still printed, the test runs.
    res = run_tool(argv + wider + ['--non-strict'])
    out = res.stdout + res.stderr
    assert res.returncode == 0, res.stderr[-2000:]
    assert '3 shape-mismatched' in out and 'non-strict' in out
    assert 'anetqa/All' in out


def test_classifier_checkpoint_in_a_generator_config(classifier_ckpt,
                                                     micro_ckpt, tmp_path):
    _, opts = micro_ckpt
    res = run_tool(['tools/test.py', DEMO_CONFIG, classifier_ckpt,
                    '--work-dir', str(tmp_path)] + options_to_argv(opts))
    assert res.returncode == 2, res.stderr[-2000:]
    assert 'Traceback' not in res.stderr
    assert '31 missing from the checkpoint: head.' in res.stderr
    assert 'head.blocks.0.' in res.stderr
    assert 'unexpected (not in the model): head.mlp.' in res.stderr
    with pytest.raises(CheckpointError, match='head.mlp'):
        VideoQAInferencer(micro_config(opts), classifier_ckpt)


def test_api_refuses_mismatch_unless_non_strict(micro_ckpt, shapesqa_tiny):
    ckpt, opts = micro_ckpt
    cfg = micro_config(opts, **{'model.head.ffn_dims': 256})
    with pytest.raises(CheckpointError, match='3 shape-mismatched'):
        VideoQAInferencer(cfg, ckpt)
    infer = VideoQAInferencer(cfg, ckpt, strict=False)
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00000.mp4')
    assert isinstance(infer(video, QUESTION)['answer'], str)
    # The weights that fit were loaded; the mismatched ones were not.
    state = torch.load(ckpt, weights_only=True)['state_dict']
    model_state = infer.model.state_dict()
    assert torch.equal(model_state['head.lm_bias'], state['head.lm_bias'])
    assert model_state['head.blocks.0.intermediate.weight'].shape == (256,
                                                                       32)

def test_unreadable_checkpoint_files_are_named(broken_ckpts, micro_ckpt,
                                               shapesqa_tiny, tmp_path):
    _, opts = micro_ckpt
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00000.mp4')
    commands = (['tools/test.py', DEMO_CONFIG, broken_ckpts[0],
                 '--work-dir', str(tmp_path)],
                ['tools/infer.py', DEMO_CONFIG, broken_ckpts[1], '--video',
                 video, '--question', QUESTION])
    for path, argv in zip(broken_ckpts, commands):
        res = run_tool(argv + options_to_argv(opts))
        assert res.returncode == 2, (argv, res.stderr[-2000:])
        assert 'Traceback' not in res.stderr, res.stderr[-2000:]
        assert f'{path} is not a readable PyTorch checkpoint' in res.stderr
    for path in broken_ckpts:
        with pytest.raises(CheckpointError,
                           match=f'{path} is not a readable'):
            VideoQAInferencer(micro_config(opts), path)
