# ShapesQA multiple choice scored the paper's NExT-QA way: each
# (video, question + " " + candidate) pair is fused and scored by the VTM
# head; the best-scored candidate is the prediction. Trained with a softmax
# over the 5 candidates' VTM scores (AnswerClassificationLoss on the
# scorer's choice_logits). The VTM loss is kept at weight 0: its 2-way head
# is the one the scorer uses (and loads from a pre-training checkpoint).
_base_ = ['../mcg_tiny_shapesqa_mc.py']
model = dict(
    head=dict(choice_scorer=dict(type='VTMChoiceScorer')),
    losses=dict(
        lm=None,
        vtm=dict(type='VideoTextMatchingLoss', weight=0.0),
        choice=dict(type='AnswerClassificationLoss', inputs='choice')))
