# The ShapesQA demo trained with DeepSpeed ZeRO-2 (bf16); needs deepspeed:
#   tools/dist_train.sh \
#       configs/shapesqa/strategies/mcg_tiny_shapesqa_deepspeed.py 2
_base_ = [
    '../mcg_tiny_shapesqa.py', '../../_base_/strategies/deepspeed_zero2.py'
]
# DeepSpeed owns the optimizer step; clipping is strategy.gradient_clipping.
optim_wrapper = dict(
    _delete_=True,
    type='DeepSpeedOptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.001))
