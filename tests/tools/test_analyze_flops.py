"""tools/analyze_flops.py against published multiply-add counts."""
import json
import os

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mcg.apis.offline_model import offline_model_config
from tests.conftest import REPO, run_tool
from tools import analyze_flops


class _Attention(nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v)


def test_sdpa_is_counted_as_qk_plus_av():
    q, k, v = torch.zeros(2, 3, 5, 4), torch.zeros(2, 3, 7, 4), \
        torch.zeros(2, 3, 7, 6)
    # (batch * heads) * Lq * Lk * (d_qk + d_v)
    assert analyze_flops.count_macs(_Attention(), (q, k, v)) == \
        2 * 3 * 5 * 7 * (4 + 6)


def test_vit_b16_at_224_is_17_58_gmacs():
    import timm
    model = timm.create_model('vit_base_patch16_224', pretrained=False)
    macs = analyze_flops.count_macs(model, (torch.zeros(1, 3, 224, 224), ))
    # timm's published infer_gmacs; without the SDPA handle fvcore says 16.87
    assert macs / 1e9 == pytest.approx(17.58, rel=0.01)


def test_linears_routed_to_onednn_are_counted():
    from fvcore.nn import FlopCountAnalysis

    from mcg.layers.linear import onednn_available, route_linears
    model = nn.Sequential(nn.Linear(8, 4))
    route_linears(model, 'onednn')
    x = torch.zeros(3, 8)
    assert analyze_flops.count_macs(model, (x, )) == 3 * 8 * 4
    assert model[0].impl == 'onednn'                # restored
    if onednn_available():
        # What count_macs guards against: the tracer cannot take the
        # kernel's arguments.
        with pytest.raises(RuntimeError, match='unsupported input'):
            FlopCountAnalysis(model, (x, )).total()


@pytest.mark.slow
def test_timesformer_b_divided_8x224_from_the_paper_config_is_196_gmacs():
    from mmengine.config import Config

    from mcg.registry import MODELS
    cfg = Config.fromfile(os.path.join(REPO, analyze_flops.DEFAULT_CONFIG))
    encoder = MODELS.build(offline_model_config(cfg, 8, 224)
                           .video_encoder)
    assert analyze_flops.num_params(encoder) / 1e6 == pytest.approx(121.4,
                                                                    rel=0.01)
    clip = analyze_flops.dummy_video(encoder, 8, 224)
    macs = analyze_flops.count_macs(encoder, (clip, ))
    # TimeSformer paper: 0.59 TFLOPs over 3 views = 196 GMACs per view.
    assert macs / 1e9 == pytest.approx(196.0, rel=0.01)


@pytest.mark.slow
def test_cli_writes_the_table_and_json(tmp_path):
    out = tmp_path / 'flops.json'
    res = run_tool(['tools/analyze_flops.py',
                    'configs/shapesqa/mcg_tiny_shapesqa.py', '--sweep', '2',
                    '4', '8', '--out-json', str(out)])
    assert res.returncode == 0, res.stderr[-2000:]
    for row in ('video encoder', 'text encoder', 'fusor',
                'generator / token', 'generator / answer', 'frame sweep'):
        assert row in res.stdout
    data = json.loads(out.read_text())
    assert (data['num_frames'], data['img_size']) == (8, 64)
    modules = {m['module']: m for m in data['modules']}
    assert set(modules) >= {'video encoder', 'text encoder', 'fusor',
                            'generator / token', 'generator / answer'}
    parts = ('video encoder', 'text encoder', 'fusor', 'generator / answer')
    assert data['total_gmacs'] == pytest.approx(
        sum(modules[p]['gmacs'] for p in parts))
    sweep = [r['total_gmacs'] for r in data['sweep']]
    assert [r['num_frames'] for r in data['sweep']] == [2, 4, 8]
    assert sweep[0] < sweep[1] < sweep[2]
    assert sweep[2] == pytest.approx(data['total_gmacs'])


def test_model_zoo_table_rewrites_only_the_marked_readme_section(tmp_path):
    from tools.misc import model_zoo_table
    readme = tmp_path / 'README.md'
    readme.write_text('# mcg\nintro\n<!-- model-zoo -->\nold\n'
                      '<!-- /model-zoo -->\nfooter\n')
    result = dict(config='configs/mcg/mcg_anetqa_8f.py', num_frames=8,
                  img_size=384, params=301.67e6, total_gmacs=622.9,
                  question_len=32, answer_len=10, modules=[
                      dict(module='generator / answer'),
                      dict(module='choice scoring (VTMChoiceScorer)')])
    path = tmp_path / 'a.json'
    path.write_text(json.dumps(result))
    args = [str(path), '--readme', str(readme)]
    assert model_zoo_table.main(args + ['--check']) == 1
    assert model_zoo_table.main(args) == 0
    text = readme.read_text()
    assert text.startswith('# mcg\nintro\n<!-- model-zoo -->\n| config |')
    assert text.endswith('<!-- /model-zoo -->\nfooter\n')
    assert '| [`mcg_anetqa_8f.py`](configs/mcg/mcg_anetqa_8f.py) | 8 | ' \
        '384 | generator + VTM choice | 301.7M | 622.9 |' in text
    assert 'old' not in text
    assert model_zoo_table.main(args + ['--check']) == 0


def test_memory_rule_and_head_come_from_the_model():
    """The answer cost follows the model's memory rule (``head_memory``)."""
    from mmengine.config import Config
    cfg = Config.fromfile(os.path.join(
        REPO, 'configs/shapesqa/mcg_tiny_shapesqa.py'))
    answer = {}
    for rule in ('fusor', 'fusor+video'):
        cfg.model.generator_memory = rule
        result = analyze_flops.analyse(cfg, sweep=())
        rows = {r['module']: r for r in result['modules']}
        answer[rule] = rows['generator / answer']['gmacs']
    # Cross-attending to 129 more video tokens costs more per answer.
    assert answer['fusor+video'] > answer['fusor'] > 0
