# Fully Sharded Data Parallel through MMEngine's FlexibleRunner (marked
# experimental by MMEngine 0.10.x). Add it as the last _base_ of a config;
# launch with tools/dist_train.sh (torchrun) or tools/slurm_train.sh.
# One FSDP unit per transformer block (TimeSformer blocks, BERT layers, fusor
# and generator blocks: mcg.engine.fsdp_wrap.BLOCK_CLASSES); the embeddings,
# the heads' small layers and the losses' projections stay in the root unit.
# The root unit keeps the word embeddings that the generator's tied output
# layer reads (a size-based policy would make them a unit of their own).
runner_type = 'FlexibleRunner'
strategy = dict(
    type='FSDPStrategy',
    model_wrapper=dict(
        auto_wrap_policy=dict(type='mcg.engine.fsdp_wrap.block_wrap_policy'),
        use_orig_params=True),
    # Gather a full state dict on rank 0 so checkpoints load without FSDP
    # (tools/test.py, load_from, converters).
    state_dict_cfg='full')
