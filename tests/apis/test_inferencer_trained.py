"""The inference API answers correctly with a checkpoint trained in the test.

A micro model is trained on the ShapesQA ``tiny`` preset's training split
until it answers every training question, saved as a checkpoint, and loaded
by :class:`VideoQAInferencer`, which must then answer a training video's
questions as the trained model does: correctly. A wrong answer means the
API's pipeline, preprocessing or checkpoint loading differs from training.
"""
import json
import os.path as osp

from mcg.apis import VideoQAInferencer


def test_api_answers_training_video_after_overfitting(overfit_checkpoint,
                                                      shapesqa_tiny):
    # The shared fixture trains ~11 s on the 2-vCPU machine (not slow).
    config, ckpt, _ = overfit_checkpoint
    infer = VideoQAInferencer(config, ckpt)
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
