"""The inference API answers correctly with a checkpoint trained in the test.

A micro model is trained on the ShapesQA ``tiny`` preset's training split
until it answers every training question, saved as a checkpoint, and loaded
by :class:`VideoQAInferencer`, which must then answer a training video's
questions as the trained model does: correctly. A wrong answer means the
API's pipeline, preprocessing or checkpoint loading differs from training.
"""

from mcg.apis import VideoQAInferencer


def test_api_answers_training_video_after_overfitting(overfit_checkpoint,
                                                      train_video):
    # The shared fixture trains ~11 s on the 2-vCPU machine (not slow).
    config, ckpt, _ = overfit_checkpoint
    infer = VideoQAInferencer(config, ckpt)
    video, questions, answers = train_video
    got = infer(video, questions)
    assert [g['answer'] for g in got] == answers
    one = infer(video, questions[0])  # single-question form
    assert one['answer'] == answers[0]
