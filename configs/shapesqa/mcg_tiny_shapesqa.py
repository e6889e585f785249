# The ShapesQA demo: a small MCG trained from scratch on CPU in minutes.
_base_ = [
    '../_base_/models/mcg_tiny.py', '../_base_/datasets/shapesqa.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
data_root = 'data/shapesqa'
max_epochs = 17
lr = 5e-4

model = dict(
    # Score only the tokens of the training answers: the 30K-way softmax
    # otherwise dominates a step on CPU (see README, "Demo").
    head=dict(output_vocab=data_root + '/train_a.json'))

# 8 videos (72 questions) per step: in 600-step probes this made about the
# same progress per step as 16 videos, at 0.22 s instead of 0.36 s a step.
train_dataloader = dict(batch_size=8, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))

# fused AdamW: one kernel over all parameters (~3.9M of them are the word
# embeddings), the same update as the default loop.
optim_wrapper = dict(optimizer=dict(lr=lr, fused=True))
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
