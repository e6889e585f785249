# MCG fine-tuned on TVQA, visual only (Table IX): 8 frames, 384 px,
# full-size model.
# Multiple-choice scoring (filling each sample's pred_label, e.g. VTM scores
# of question + option) is configured through model.head options from the
# answer-heads work (issue 6); the evaluator below reads only pred_label.
_base_ = [
    '../_base_/models/mcg_base.py', '../_base_/datasets/tvqa.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
model = dict(video_encoder=dict(img_size=384, num_frames=8))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
default_hooks = dict(checkpoint=dict(save_best='tvqa/Acc', rule='greater'))
