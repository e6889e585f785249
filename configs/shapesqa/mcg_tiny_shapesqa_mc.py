# The ShapesQA multiple-choice variant (NExT-QA format) with the small CPU
# MCG, so the multiple-choice data path runs end to end without downloads.
# Acc@C/T/D/All come from each sample's pred_label; filling it (scoring the
# 5 candidates) is configured through model.head options from the
# answer-heads work (issue 6). ShapesQA has no CW questions, so Acc@C is
# pooled from CH alone.
_base_ = [
    '../_base_/models/mcg_tiny.py', '../_base_/datasets/shapesqa_mc.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
data_root = 'data/shapesqa/mc'
max_epochs = 15
lr = 5e-4

train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))

optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         eta_min=lr * 0.01, convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_epochs, save_best=None))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
