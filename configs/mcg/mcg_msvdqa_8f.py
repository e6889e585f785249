# MCG fine-tuned on MSVD-QA: 8 frames, 384 px, full-size model.
_base_ = [
    '../_base_/models/mcg_base.py', '../_base_/datasets/msvdqa.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
model = dict(video_encoder=dict(img_size=384, num_frames=8))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
default_hooks = dict(checkpoint=dict(save_best='msvdqa/All', rule='greater'))
