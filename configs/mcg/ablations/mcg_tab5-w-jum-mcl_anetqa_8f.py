# Table V, "w/ JUM&MCL": JUM pre-trained with MCL, classifier head instead of
# the generator (CCG). Same recipe as mcg_tab5-ch_anetqa_8f.py ("MCG-CH"):
# the paper reports identical numbers for both rows (25.1 / 21.4 / 4.3 /
# 51.1 / 41.4), so both start from the full pre-training checkpoint.
_base_ = ['../mcg_anetqa_8f_from_pretrain.py']
model = dict(
    head=dict(_delete_=True, type='AnswerClassifierHead', num_classes=1000,
              answer_file='data/anetqa/train_a.json'),
    losses=dict(lm=None, cls=dict(type='AnswerClassificationLoss')))
