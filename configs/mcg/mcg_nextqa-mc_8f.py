# MCG fine-tuned on NExT-QA multiple choice (Table IV): 8 frames, 384 px,
# full-size model.
# Candidates are scored the paper's NExT-QA way (docs/heads.md): each
# (video, question + " " + candidate) pair is fused and scored by the VTM
# head (that of the weight-0 VTM loss, so pre-trained VTM weights are
# used), trained by a softmax over the candidates (loss_choice); the
# evaluator reads only pred_label.
_base_ = [
    '../_base_/models/mcg_base.py', '../_base_/datasets/nextqa_mc.py',
    '../_base_/schedules/adamw_cosine.py', '../_base_/default_runtime.py'
]
model = dict(
    # The encoder takes the dataset config's frames and size.
    video_encoder=dict(img_size=_base_.img_size,
                       num_frames=_base_.num_frames),
    head=dict(choice_scorer=dict(type='VTMChoiceScorer')),
    losses=dict(
        vtm=dict(type='VideoTextMatchingLoss', weight=0.0),
        choice=dict(type='AnswerClassificationLoss', inputs='choice')))
optim_wrapper = dict(optimizer=dict(lr=2e-5))
default_hooks = dict(
    checkpoint=dict(save_best='nextqa/Acc@All', rule='greater'))
