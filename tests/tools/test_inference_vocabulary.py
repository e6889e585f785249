"""Inference needs only the config and the checkpoint, not the dataset.

The demo config's generator scores the tokens of ``data/shapesqa/
train_a.json`` (relative to the working directory). The checkpoint carries
that answer vocabulary (``meta['mcg_inference']``, with the tokenizer's
added tokens; MMEngine adds the config text), so tools/infer.py, tools/
test.py and VideoQAInferencer work from any directory with the data folder
absent, and give the answers the trained model gives with the file; an
override that contradicts the checkpoint (``model.head.output_vocab=None``)
is refused with an explanation instead of silently changing the answers.
"""
import json
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config

from mcg.apis import VideoQAInferencer
from mcg.engine.checkpoint_fit import CheckpointError
from tests.conftest import DEMO_CONFIG, REPO, options_to_argv, run_tool

QUESTIONS = ['how many objects appear in the video',
             'what color is the object that appears later',
             'what shape is the object that disappears']


@pytest.fixture(scope='module')
def elsewhere(trained_micro, shapesqa_tiny, tmp_path_factory):
    """A folder without ``data/``, holding a copy of the checkpoint and of a
    video, and the micro options without the vocabulary path."""
    work_dir, opts, _ = trained_micro
    root = tmp_path_factory.mktemp('elsewhere')
    ckpt = str(root / 'model.pth')
    shutil.copy(osp.join(work_dir, 'epoch_2.pth'), ckpt)
    video = str(root / 'clip.mp4')
    shutil.copy(osp.join(shapesqa_tiny, 'videos', 'v_synte00001.mp4'), video)
    assert not (root / 'data').exists()
    # The demo config's own output_vocab, 'data/shapesqa/train_a.json', is
    # left in place: it does not exist from here.
    no_vocab = {k: v for k, v in opts.items()
                if k != 'model.head.output_vocab'}
    return root, ckpt, video, opts, no_vocab


@pytest.fixture(scope='module')
def reference_answers(elsewhere):
    """The trained model's answers with the training vocabulary file, the
    weights copied in by hand (no checkpoint metadata involved)."""
    _, ckpt, video, opts, _ = elsewhere
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(opts)
    infer = VideoQAInferencer(cfg)
    state = torch.load(ckpt, weights_only=True)['state_dict']
    infer.model.load_state_dict(state)
    return [r['answer'] for r in infer(video, QUESTIONS)]


def test_checkpoint_carries_vocabulary_and_config(elsewhere, shapesqa_tiny):
    _, ckpt, _, _, _ = elsewhere
    meta = torch.load(ckpt, weights_only=True)['meta']
    with open(osp.join(shapesqa_tiny, 'train_a.json')) as f:
        answers = sorted({a['answer'] for a in json.load(f)})
    saved = meta['mcg_inference']
    assert saved['output_vocab'] == answers
    assert saved['added_tokens']['[GEN]'] == 30522
    # MMEngine's copy of the config the run used.
    vocab_file = osp.join(shapesqa_tiny, 'train_a.json')
    assert vocab_file in meta['cfg']
    assert 'AnswerGeneratorHead' in meta['cfg']


def test_infer_tool_from_another_directory(elsewhere, reference_answers):
    root, ckpt, video, _, no_vocab = elsewhere
    argv = [osp.join(REPO, 'tools/infer.py'), DEMO_CONFIG, ckpt, '--video',
            video]
    for q in QUESTIONS:
        argv += ['--question', q]
    res = run_tool(argv + options_to_argv(no_vocab), cwd=str(root))
    assert res.returncode == 0, res.stderr[-2000:]
    got = [json.loads(line)['answer'] for line in res.stdout.splitlines()]
    assert got == reference_answers
    # Scoring the whole vocabulary would change the answers: refused.
    res = run_tool(argv + options_to_argv(dict(
        no_vocab, **{'model.head.output_vocab': None})), cwd=str(root))
    assert res.returncode == 2, res.stderr[-2000:]
    assert 'model.head.output_vocab=None' in res.stderr
    assert 'Remove that override' in res.stderr
    assert res.stdout == ''


def test_api_from_another_directory(elsewhere, reference_answers,
                                    monkeypatch):
    root, ckpt, video, _, no_vocab = elsewhere
    monkeypatch.chdir(root)
    infer = VideoQAInferencer(DEMO_CONFIG, ckpt, cfg_options=no_vocab)
    assert [r['answer'] for r in infer(video, QUESTIONS)] == (
        reference_answers)
    with pytest.raises(CheckpointError, match='output_vocab=None'):
        VideoQAInferencer(DEMO_CONFIG, ckpt, cfg_options=dict(
            no_vocab, **{'model.head.output_vocab': None}))
    # Non-strict honours the override as asked (full-vocabulary scores).
    full = VideoQAInferencer(DEMO_CONFIG, ckpt, strict=False, cfg_options=dict(
        no_vocab, **{'model.head.output_vocab': None}))
    assert full.model.head.vocab_ids is None


@pytest.mark.slow
def test_test_tool_from_another_directory(elsewhere):
    root, ckpt, _, _, no_vocab = elsewhere
    res = run_tool([osp.join(REPO, 'tools/test.py'), DEMO_CONFIG, ckpt,
                    '--work-dir', str(root / 'wd')] +
                   options_to_argv(no_vocab), cwd=str(root))
    assert res.returncode == 0, res.stderr[-2000:]
    assert 'anetqa/All' in res.stdout + res.stderr


@pytest.mark.slow
def test_classifier_classes_travel(shapesqa_tiny, tmp_path):
    """The MCG-CH head's classes (from its answer_file) travel too."""
    from tests.conftest import micro_model_options
    config = osp.join(REPO, 'configs/shapesqa/heads/mcg_tiny_shapesqa_ch.py')
    opts = {k: v for k, v in micro_model_options(shapesqa_tiny).items()
            if not k.startswith('model.head.')}
    opts.update({'model.head.in_dims': 32, 'train_cfg.max_epochs': 1,
                 'train_cfg.val_interval': 5,
                 'train_dataloader.dataset.indices': 2})
    trained = dict(opts, **{'model.head.answer_file': osp.join(
        shapesqa_tiny, 'train_a.json')})
    res = run_tool(['tools/train.py', config, '--work-dir',
                    str(tmp_path / 'wd')] + options_to_argv(trained))
    assert res.returncode == 0, res.stderr[-2000:]
    ckpt = str(tmp_path / 'wd' / 'epoch_1.pth')
    classes = torch.load(ckpt, weights_only=True)['meta'][
        'mcg_inference']['classes']
    with open(osp.join(shapesqa_tiny, 'train_a.json')) as f:
        assert set(classes) == {a['answer'] for a in json.load(f)}
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    video = osp.join(shapesqa_tiny, 'videos', 'v_synte00000.mp4')
    # The config's own answer_file (data/shapesqa/...) does not exist here.
    res = run_tool([osp.join(REPO, 'tools/infer.py'), config, ckpt,
                    '--video', video, '--question', QUESTIONS[0]] +
                   options_to_argv(opts), cwd=str(elsewhere))
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout)['answer'] in classes
