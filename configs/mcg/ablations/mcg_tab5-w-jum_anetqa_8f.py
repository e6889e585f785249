# Table V, "w/ JUM": end-to-end TimeSformer + BERT (JUM) from ImageNet/BERT
# initialisations, no MCL pre-training, and the classifier head in place of
# the generator (K-way over the top-K training answers; ClipBERT/ALPRO use
# K >= 1000, answers outside count as wrong).
_base_ = ['../mcg_anetqa_8f.py']
model = dict(
    head=dict(_delete_=True, type='AnswerClassifierHead', num_classes=1000,
              answer_file='data/anetqa/train_a.json'),
    losses=dict(lm=None, cls=dict(type='AnswerClassificationLoss')))
