# MCG fine-tuned on CLEVRER (Table X): 8 frames, 384 px, full-size model.
# Descriptive answers are generated (pred_answer); choices (binary
# correct/wrong judgements of "question choice") are scored by the VTM head
# (_base_/models/mcg_vtm_choice.py, docs/heads.md) and trained by
# loss_choice. The evaluator reads pred_label for choices, pred_answer for
# descriptive questions.
_base_ = [
    '../_base_/models/mcg_vtm_choice.py', '../_base_/datasets/clevrer.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
# The encoder takes the dataset config's frames and size.
model = dict(video_encoder=dict(img_size=_base_.img_size,
                                num_frames=_base_.num_frames))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
default_hooks = dict(
    checkpoint=dict(save_best='clevrer/Overall', rule='greater'))
