# Fully Sharded Data Parallel through MMEngine's FlexibleRunner (marked
# experimental by MMEngine 0.10.x). Add it as the last _base_ of a config;
# launch with tools/dist_train.sh (torchrun) or tools/slurm_train.sh.
# Blocks with >= 10M parameters become their own FSDP units; the TimeSformer
# and BERT layers of the full model fall into that range.
runner_type = 'FlexibleRunner'
strategy = dict(
    type='FSDPStrategy',
    model_wrapper=dict(
        auto_wrap_policy=dict(
            type='torch.distributed.fsdp.wrap.size_based_auto_wrap_policy',
            min_num_params=10_000_000),
        use_orig_params=True),
    # Gather a full state dict on rank 0 so checkpoints load without FSDP
    # (tools/test.py, load_from, converters).
    state_dict_cfg='full')
