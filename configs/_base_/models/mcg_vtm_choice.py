# The paper's MCG answering multiple choice the paper's NExT-QA way
# (docs/heads.md): each (video, question + " " + candidate) pair is fused and
# scored by the VTM head (that of the weight-0 VTM loss, so pre-trained VTM
# weights are used), trained by a softmax over the candidates
# (loss_choice); the evaluator reads pred_label.
_base_ = ['./mcg_base.py']
model = dict(
    head=dict(choice_scorer=dict(type='VTMChoiceScorer')),
    losses=dict(
        vtm=dict(type='VideoTextMatchingLoss', weight=0.0),
        choice=dict(type='AnswerClassificationLoss', inputs='choice')))
