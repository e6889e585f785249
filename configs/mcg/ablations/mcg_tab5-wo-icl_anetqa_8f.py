# Table V, "MCG w/o ICL": fine-tuning from the pre-training without ICL
# (run mcg_tab5-wo-icl_pretrain_webvid-cc3m-tgif_4f.py first).
_base_ = ['../mcg_anetqa_8f_from_pretrain.py']
load_from = ('work_dirs/mcg_tab5-wo-icl_pretrain_webvid-cc3m-tgif_4f/'
             'epoch_10.pth')
