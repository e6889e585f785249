# DeepSpeed ZeRO stage 2 with bf16 through MMEngine's FlexibleRunner
# (experimental in MMEngine 0.10.x). Needs `pip install deepspeed`, which is
# not part of mcg's requirements. Use together with
# optim_wrapper = dict(type='DeepSpeedOptimWrapper', optimizer=...), see
# configs/shapesqa/strategies/mcg_tiny_shapesqa_deepspeed.py.
runner_type = 'FlexibleRunner'
strategy = dict(
    type='DeepSpeedStrategy',
    bf16=dict(enabled=True),
    # The video batch is cast to the bf16 parameters' dtype.
    inputs_to_half=['inputs'],
    gradient_clipping=5.0,
    zero_optimization=dict(
        stage=2,
        overlap_comm=True,
        contiguous_gradients=True,
        reduce_scatter=True,
        allgather_bucket_size=50_000_000,
        reduce_bucket_size=50_000_000))
