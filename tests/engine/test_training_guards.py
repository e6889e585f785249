"""Skipping batch sampler, NaN/inf guard and the bad-video counter."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.dataset import DefaultSampler
from mmengine.logging import MessageHub, MMLogger

from mcg.engine import (FiniteLossHook, NonFiniteLossError,
                        SkippableBatchSampler, TooManyBadVideosError,
                        UnreadableVideoHook)
from mcg.structures import VideoQADataSample


def _samples(*metas):
    return [VideoQADataSample(metainfo=m) for m in metas]


def _runner(dataset=None, it=0):
    return SimpleNamespace(
        logger=MMLogger.get_instance('mcg_test_guards'),
        message_hub=MessageHub.get_instance('mcg_test_guards'),
        train_dataloader=SimpleNamespace(dataset=dataset), iter=it, epoch=0)


def test_skippable_batch_sampler_skips_once_then_runs_full_epochs():
    sampler = DefaultSampler(list(range(10)), shuffle=True, seed=3)
    batches = SkippableBatchSampler(sampler, batch_size=3)
    full = list(batches)
    assert len(batches) == 4 and [len(b) for b in full] == [3, 3, 3, 1]
    batches.skip_next(2)
    assert list(batches) == full[2:]
    assert list(batches) == full  # the skip applies to one epoch only
    assert batches.sampler is sampler  # DistSamplerSeedHook sets its epoch


def test_finite_loss_hook_names_the_batch():
    hook = FiniteLossHook()
    batch = dict(data_samples=_samples(
        dict(question_id='v_a_1', video_id='a'),
        dict(question_id='v_b_3', video_id='b')))
    runner = _runner(it=41)
    hook.after_train_iter(runner, 5, batch, dict(loss=torch.tensor(1.0)))
    with pytest.raises(NonFiniteLossError) as err:
        hook.after_train_iter(runner, 5, batch, dict(
            loss=torch.tensor(float('nan')), loss_lm=torch.tensor(
                float('inf')), acc_lm_token=torch.tensor(float('nan'))))
    msg = str(err.value)
    assert 'iteration 42' in msg and 'loss_lm=inf' in msg
    assert 'v_a_1, v_b_3' in msg and 'video ids: a, b' in msg
    assert 'acc_lm_token' not in msg  # diagnostics are not losses


class _Wrapper:
    max_bad_fraction = 0.1
    num_videos = 20


def test_unreadable_video_hook_counts_distinct_files_and_stops():
    hook = UnreadableVideoHook()
    runner = _runner(_Wrapper())
    runner.message_hub.update_info('bad_videos', {})
    hook.before_train(runner)

    def batch(*paths):
        return dict(data_samples=_samples(
            dict(question_id='q'),
            dict(skipped_videos=paths, skipped_reasons=('broken', ) *
                 len(paths))))

    hook.after_train_iter(runner, 0, batch('a.mp4'))
    hook.after_train_iter(runner, 1, batch('a.mp4', 'b.mp4'))
    hook.after_train_iter(runner, 2, batch())
    assert hook.summary == ['a.mp4', 'b.mp4']
    assert runner.message_hub.get_scalar('train/bad_videos').current() == 2
    with pytest.raises(TooManyBadVideosError) as err:
        hook.after_train_iter(runner, 3, batch('c.mp4'))  # 3 > 0.1 * 20
    assert '3 of 20 training videos' in str(err.value)
    assert 'c.mp4: broken' in str(err.value)
    # A resumed run starts from the count saved in the message hub.
    resumed = UnreadableVideoHook()
    resumed.before_train(runner)
    assert resumed.summary == ['a.mp4', 'b.mp4', 'c.mp4']
