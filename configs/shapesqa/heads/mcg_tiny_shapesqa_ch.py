# MCG-CH on the ShapesQA demo: the generator replaced by a K-way classifier
# on the fusor's [FUS] state (paper Table V, last row), trained with
# cross-entropy over the top-K training answers. Everything else as in
# ../mcg_tiny_shapesqa.py. ShapesQA has 47 distinct training answers, so
# K=50 covers all of them (on real data, answers outside the K count as
# wrong).
_base_ = ['../mcg_tiny_shapesqa.py']
data_root = 'data/shapesqa'
model = dict(
    head=dict(_delete_=True, type='AnswerClassifierHead', num_classes=50,
              answer_file=data_root + '/train_a.json'),
    losses=dict(lm=None, cls=dict(type='AnswerClassificationLoss')))
