# MCG fine-tuned on NExT-OE (open-ended): 8 frames, 384 px, full-size model;
# evaluated with NExT-OE's WUPS protocol.
_base_ = [
    '../_base_/models/mcg_base.py', '../_base_/datasets/nextqa_oe.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
# The encoder takes the dataset config's frames and size.
model = dict(video_encoder=dict(img_size=_base_.img_size,
                                num_frames=_base_.num_frames))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
# Acc@All exists even where WordNet (hence WUPS) is unavailable.
default_hooks = dict(
    checkpoint=dict(save_best='nextoe/Acc@All', rule='greater'))
