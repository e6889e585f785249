# MCG fine-tuned on NExT-QA multiple choice (Table IV): 8 frames, 384 px,
# full-size model, candidates scored by the VTM head
# (_base_/models/mcg_vtm_choice.py); the evaluator reads only pred_label.
_base_ = [
    '../_base_/models/mcg_vtm_choice.py', '../_base_/datasets/nextqa_mc.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
# The encoder takes the dataset config's frames and size.
model = dict(video_encoder=dict(img_size=_base_.img_size,
                                num_frames=_base_.num_frames))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
default_hooks = dict(
    checkpoint=dict(save_best='nextqa/Acc@All', rule='greater'))
