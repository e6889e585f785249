# ActivityNet-QA, 8 frames at 384 px, with the official code's model layout
# (configs/_base_/models/mcg_official_layout.py) instead of the paper's.
_base_ = [
    '../../_base_/models/mcg_official_layout.py',
    '../../_base_/datasets/anetqa.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]
# The encoder takes the dataset config's frames and size.
model = dict(video_encoder=dict(img_size=_base_.img_size,
                                num_frames=_base_.num_frames))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
default_hooks = dict(checkpoint=dict(save_best='anetqa/All', rule='greater'))
