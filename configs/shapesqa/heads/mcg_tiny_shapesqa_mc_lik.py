# ShapesQA multiple choice ranked by the answer generator's likelihood: the
# generator is trained with the LM loss on the correct candidate, and at test
# each candidate's mean token log-likelihood is its score (no extra encoder
# or fusor pass per candidate, unlike VTM scoring).
_base_ = ['../mcg_tiny_shapesqa_mc.py']
model = dict(head=dict(choice_scorer=dict(type='LikelihoodChoiceScorer')))
