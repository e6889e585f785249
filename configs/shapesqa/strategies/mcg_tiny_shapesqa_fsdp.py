# The ShapesQA demo trained with FSDP:
#   tools/dist_train.sh configs/shapesqa/strategies/mcg_tiny_shapesqa_fsdp.py 2
_base_ = ['../mcg_tiny_shapesqa.py', '../../_base_/strategies/fsdp.py']
# MMEngine's clip_grad would clip each rank's parameter shard by its own
# local norm under FSDP, which is not the global norm; switch it off.
optim_wrapper = dict(clip_grad=None)
