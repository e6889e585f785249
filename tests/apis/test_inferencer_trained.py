"""The inference API answers correctly with a checkpoint trained in the test.

A micro model is trained on the ShapesQA ``tiny`` preset's training split
until it answers every training question, saved as a checkpoint, and loaded
by :class:`VideoQAInferencer`, which must then answer a training video's
questions as the trained model does: correctly. A wrong answer means the
API's pipeline, preprocessing or checkpoint loading differs from training.
"""
import copy
import json
import os.path as osp

import pytest
import torch
from mmengine.optim import OptimWrapper
from torch.utils.data import DataLoader

from mcg.apis import VideoQAInferencer
from mcg.datasets.collate import videoqa_collate
from mcg.registry import DATASETS, MODELS

MAX_STEPS = 600


def overfit(cfg):
    """Train cfg.model on the whole train split until it is all correct."""
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
    for step in range(1, MAX_STEPS + 1):
        model.train()
        loss = model.train_step(copy.copy(batch), opt)['loss_lm']
        if step % 50 == 0:
            model.eval()
            preds = model.test_step(copy.copy(batch))
            right = [p.pred_answer == p.gt_answer for p in preds]
            if all(right):
                return model, step, loss
    pytest.fail(f'did not overfit in {MAX_STEPS} steps: '
                f'{sum(right)}/{len(right)} right, loss {float(loss):.3f}')


def test_api_answers_training_video_after_overfitting(micro_cfg, tmp_path,
                                                      shapesqa_tiny):
    # ~11 s on the 2-vCPU machine, so not marked slow.
    model, steps, _ = overfit(micro_cfg)
    ckpt = str(tmp_path / 'overfit.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(steps=steps)),
               ckpt)
    infer = VideoQAInferencer(micro_cfg, ckpt)
    with open(osp.join(shapesqa_tiny, 'train_q.json')) as f:
        qs = json.load(f)
    with open(osp.join(shapesqa_tiny, 'train_a.json')) as f:
        ans = {a['question_id']: a['answer'] for a in json.load(f)}
    name = qs[0]['video_name']
    mine = [q for q in qs if q['video_name'] == name]
    video = osp.join(shapesqa_tiny, 'videos', f'v_{name}.mp4')
    got = infer(video, [q['question'] for q in mine])
    assert [g['answer'] for g in got] == [ans[q['question_id']]
                                          for q in mine]
    one = infer(video, mine[0]['question'])  # single-question form
    assert one['answer'] == ans[mine[0]['question_id']]
