# Table V, "MCG-CH": the full MCG recipe (pre-trained with MCL, VTM and LM,
# fine-tuned at 8x384) with the classifier head instead of the generator.
_base_ = ['../mcg_anetqa_8f_from_pretrain.py']
model = dict(
    head=dict(_delete_=True, type='AnswerClassifierHead', num_classes=1000,
              answer_file='data/anetqa/train_a.json'),
    losses=dict(lm=None, cls=dict(type='AnswerClassificationLoss')))
