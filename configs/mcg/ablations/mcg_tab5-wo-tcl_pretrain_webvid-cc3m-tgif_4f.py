# Table V, "MCG w/o TCL": pre-training with theta_2 = 0 in Eq. 8 (the TCL loss
# off); fine-tune with mcg_tab5-wo-tcl_anetqa_8f.py.
_base_ = ['../mcg_pretrain_webvid-cc3m-tgif_4f.py']
model = dict(losses=dict(tcl=dict(weight=0.0)))
