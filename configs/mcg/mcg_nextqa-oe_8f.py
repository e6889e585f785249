# MCG fine-tuned on NExT-OE (open-ended): 8 frames, 384 px, full-size model;
# evaluated with NExT-OE's WUPS protocol.
_base_ = [
    '../_base_/models/mcg_base.py', '../_base_/datasets/nextqa_oe.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
model = dict(video_encoder=dict(img_size=384, num_frames=8))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
# Acc@All exists even where WordNet (hence WUPS) is unavailable.
default_hooks = dict(
    checkpoint=dict(save_best='nextoe/Acc@All', rule='greater'))
