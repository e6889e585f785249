# The ShapesQA demo: a small MCG trained from scratch on CPU in minutes.
_base_ = [
    '../_base_/models/mcg_tiny.py', '../_base_/datasets/shapesqa.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
data_root = 'data/shapesqa'
max_epochs = 15
lr = 5e-4

model = dict(
    # Score only the tokens of the training answers: the 30K-way softmax
    # otherwise dominates a step on CPU (see README, "Demo").
    head=dict(output_vocab=data_root + '/train_a.json'))

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
