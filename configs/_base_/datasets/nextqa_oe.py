# NExT-OE open-ended (doc-doc/NExT-OE csv + map_vid_vidorID.json) at the
# paper's fine-tuning setting: 8 head-tail frames at 384 px.
# Layout and preparation: docs/datasets/nextqa.md
_base_ = ['./finetune_8f_384px.py']
data_root = 'data/nextoe'
video_dir = 'NExTVideo'
dataset_type = 'NExTOEDataset'
# extra_answers (the second references of add_reference_answer_test.json)
# must reach OpenEndedQAMetric, which scores the best of the references.
pack = dict(type='PackVideoQAInputs', meta_keys=['extra_answers'])
train_pipeline = _base_.train_pipeline[:-1] + [pack]
test_pipeline = _base_.test_pipeline[:-1] + [pack]
dataset = dict(type=dataset_type, data_root=data_root, video_dir=video_dir)
train_dataloader = dict(dataset=dict(dataset, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(dataset, pipeline=test_pipeline))
# NExT-OE's protocol: WUPS with first-sense matching and exact match for
# counts (DC) and yes/no (DB); accuracy is reported next to it.
val_evaluator = dict(type='OpenEndedQAMetric', layout='nextqa',
                     mode='normalized', wups_thresholds=(0.0, 0.9),
                     wups_variant='nextoe', exact_match_types=('DC', 'DB'),
                     dataset_name='NExT-OE', prefix='nextoe')
test_evaluator = val_evaluator
