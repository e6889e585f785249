# Table V, "MCG w/o TCL": fine-tuning from the pre-training without TCL
# (run mcg_tab5-wo-tcl_pretrain_webvid-cc3m-tgif_4f.py first).
_base_ = ['../mcg_anetqa_8f_from_pretrain.py']
load_from = ('work_dirs/mcg_tab5-wo-tcl_pretrain_webvid-cc3m-tgif_4f/'
             'epoch_10.pth')
