# The official MCG code's arrangement (OpenMICG/mcg), for comparison with the
# paper's model (mcg_base.py); see docs/model.md. Differences from the paper:
# a 12-layer text encoder; no cross-attention fusor but BERT self-attention
# over [question ; video tokens] (ConcatSelfAttentionFusor); a 12-layer
# generator that cross-attends to that fused sequence only; video tokens are
# CLS + time-averaged patches; the generator has its own embeddings and
# attends to padding. The official code re-runs the text encoder's
# own 12 layers as the fusor: that weight sharing needs the model to call
# fusor.bind(text_encoder) (share_text_encoder=True); this config gives the
# fusor its own copy of BERT layers 0-11 instead, so it builds with any model.
_base_ = ['./mcg_base.py']
bert = 'bert-base-uncased'
model = dict(
    video_encoder=dict(output='mean'),
    text_encoder=dict(num_layers=12),
    fusor=dict(
        _delete_=True, type='ConcatSelfAttentionFusor', embed_dims=768,
        video_dims=768, num_layers=12, num_heads=12, ffn_dims=3072,
        pretrained=bert, pretrained_layers=list(range(12)),
        share_text_encoder=False),
    # The official decoder has its own embeddings (its LM head tied to them)
    # and cross-attends to every fused position, padded question tokens
    # included; questions are padded to max_question_len (40) as there.
    # These make a converted official checkpoint compute the official
    # decoder's logits (docs/model.md, "The official layout").
    head=dict(num_layers=12, pretrained_layers=list(range(12)),
              own_embeddings=True, attend_memory_padding=True),
    question_padding='max_length',
    generator_memory='fusor',
)
