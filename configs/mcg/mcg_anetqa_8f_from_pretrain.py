# ActivityNet-QA fine-tuning (8 frames, 384 px, LM loss only) from the MCG
# pre-training checkpoint of configs/mcg/mcg_pretrain_webvid-cc3m-tgif_4f.py.
# The position embedding is resized in 2-D (224 -> 384 px), the time
# embedding from 4 to 8 frames; the log and <log_dir>/load_report.json list
# every key as loaded, resized, newly initialised or dropped.
_base_ = ['./mcg_anetqa_8f.py']
custom_imports = dict(imports=['mcg.datasets.pretrain', 'mcg.engine.load_report'],
                      allow_failed_imports=False)
load_from = 'work_dirs/mcg_pretrain_webvid-cc3m-tgif_4f/epoch_10.pth'
custom_hooks = [dict(type='PretrainedLoadReportHook')]
# The checkpoint replaces the ImageNet ViT / BERT initialisations, so they
# are not fetched (the official code reloaded BLIP weights over them).
model = dict(
    video_encoder=dict(pretrained=None),
    text_encoder=dict(pretrained=None),
    fusor=dict(pretrained=None),
    head=dict(pretrained=None))
