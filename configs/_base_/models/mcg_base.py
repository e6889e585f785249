# The paper's MCG at full size: TimeSformer ViT-B/16 video encoder, BERT-base
# split 6 (intra-question) + 6 (fusor) + 6 (generator), all 768 wide.
bert = 'bert-base-uncased'
model = dict(
    type='MCGVideoQA',
    data_preprocessor=dict(type='VideoQADataPreprocessor'),
    tokenizer=dict(type='BertTokenizerFast', name_or_path=bert),
    video_encoder=dict(
        type='TimeSformerEncoder', img_size=384, patch_size=16, num_frames=8,
        embed_dims=768, depth=12, num_heads=12, drop_path_rate=0.1,
        output='all', pretrained='vit_base_patch16_224.augreg2_in21k_ft_in1k'),
    text_encoder=dict(type='BertTextEncoder', pretrained=bert, num_layers=6),
    fusor=dict(type='CrossAttentionFusor', embed_dims=768, video_dims=768,
               num_layers=6, num_heads=12, ffn_dims=3072, pretrained=bert),
    head=dict(type='AnswerGeneratorHead', embed_dims=768, memory_dims=768,
              num_layers=6, num_heads=12, ffn_dims=3072, max_answer_len=10,
              pretrained=bert),
    # Eq. 10 sums the answer's token log-likelihoods, averaged over samples
    # (the official code too); docs/pretraining.md.
    losses=dict(lm=dict(type='LanguageModelingLoss', weight=1.0,
                        reduction='sequence_sum')),
    max_question_len=40,
    generator_memory='fusor',
)
# On GPUs the paper configs train, validate and test under bf16 autocast, with
# TF32 for the matmuls that stay fp32 (mcg.engine.precision); CPU runs stay
# fp32, and `tools/train.py --fp32` (or --cfg-options gpu_precision=fp32)
# keeps fp32 on GPUs too.
gpu_precision = 'bf16'
