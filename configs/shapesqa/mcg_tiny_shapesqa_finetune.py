# Fine-tune the ShapesQA demo model from the ShapesQA pre-training checkpoint
# (run configs/shapesqa/mcg_tiny_shapesqa_pretrain.py first). Same recipe as
# the from-scratch demo (8 frames), but with the LM loss only, as the paper
# fine-tunes (the demo also trains ICL because it starts from scratch);
# the video time embedding is resized from 4 to 8 frames and every key's fate
# is written to <work_dir>/<timestamp>/load_report.json.
_base_ = ['./mcg_tiny_shapesqa.py']
custom_imports = dict(imports=['mcg.datasets.pretrain', 'mcg.engine.load_report'],
                      allow_failed_imports=False)
load_from = 'work_dirs/mcg_tiny_shapesqa_pretrain/epoch_2.pth'
custom_hooks = [dict(type='PretrainedLoadReportHook')]
# Fine-tuning uses the LM loss only (paper, Sec. III-D).
model = dict(losses=dict(icl=None))
