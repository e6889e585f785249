default_scope = 'mcg'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Atomic writes: a job killed mid-save never leaves a truncated file.
    # Keep max_keep_ckpts >= 2: MMEngine deletes the oldest checkpoint before
    # writing the next one.
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='auto',
                    backend_args=dict(backend='mcg_atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Weights-only loadable checkpoints with RNG states (exact resume).
    resume_state=dict(type='ResumeStateHook'),
    # Stop at a NaN/inf loss, naming the batch's question ids.
    finite_loss=dict(type='FiniteLossHook'),
    # Skip unreadable training videos (the tools wrap the training dataset
    # in SkipUnreadableVideos while this hook is on), log each once, count
    # them, and stop past this fraction of the videos (docs/scale.md).
    unreadable_videos=dict(type='UnreadableVideoHook', max_bad_fraction=0.05),
    # The answer vocabulary and tokenizer facts inference needs, saved in
    # each checkpoint (inference then needs no dataset files).
    inference_meta=dict(type='InferenceMetaHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

# True: also write TensorBoard event files (losses, acc_*, loss weights, lr,
# validation per type) to WORK_DIR/<timestamp>/vis_data; then
# `tensorboard --logdir WORK_DIR`.
tensorboard = False
vis_backends = [dict(type='LocalVisBackend')] + (
    [dict(type='TensorboardVisBackend')] if tensorboard else [])
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
