"""The conversion scripts end to end on small checkpoints."""
import json
import os.path as osp
import runpy
import sys

import pytest
import torch
from transformers import TimesformerConfig, TimesformerModel

from mcg.encoders import TimeSformerEncoder
from tests.conftest import REPO, run_tool
from . import official_keys as ok


def run_script(monkeypatch, capsys, name, *args):
    """Run a conversion script in this process (a subprocess re-imports
    torch and transformers, which costs seconds); return its stdout."""
    folder = osp.join(REPO, 'tools', 'convert')
    monkeypatch.syspath_prepend(folder)
    monkeypatch.setattr(sys, 'argv', [name, *map(str, args)])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(osp.join(folder, name), run_name='__main__')
    out = capsys.readouterr()
    assert done.value.code == 0, out.err
    return out.out


def test_hf_script_output_loads_as_encoder_pretrained(tmp_path, monkeypatch,
                                                      capsys):
    torch.manual_seed(0)
    hf = TimesformerModel(TimesformerConfig(
        image_size=32, patch_size=16, num_frames=2, hidden_size=32,
        num_hidden_layers=1, num_attention_heads=2, intermediate_size=128))
    hf.save_pretrained(tmp_path / 'hf')
    dst = tmp_path / 'out.pth'
    out = run_script(monkeypatch, capsys, 'hf_timesformer_to_mcg.py',
                     tmp_path / 'hf', dst, '--img-size', 48,
                     '--num-frames', 4)
    assert 'source keys mapped' in out
    saved = torch.load(dst, weights_only=True)
    assert saved['meta']['mcg_conversion']['dropped'] == {}
    enc = TimeSformerEncoder(img_size=48, patch_size=16, num_frames=4,
                             embed_dims=32, depth=1, num_heads=2,
                             pretrained=str(dst))
    enc.init_weights()
    assert torch.equal(enc.blocks[0].temporal_fc.weight,
                       hf.encoder.layer[0].temporal_dense.weight)


def test_official_script_writes_state_dict_and_report(tmp_path, monkeypatch,
                                                      capsys):
    shapes, _ = ok.mcg_official(dims=32, text_layers=4, decoder_layers=4,
                                video_depth=1, frames=4, num_patches=4)
    src = tmp_path / 'model_step_1.pt'
    torch.save(ok.materialise(shapes), src)
    dst, report = tmp_path / 'mcg.pth', tmp_path / 'report.json'
    run_script(monkeypatch, capsys, 'official_to_mcg.py', src, dst,
               '--layout', 'official', '--img-size', 32, '--num-frames', 8,
               '--report', report)
    sd = torch.load(dst, weights_only=True)['state_dict']
    assert sd['video_encoder.time_embed'].shape == (1, 8, 32)
    assert 'fusor.blocks.3.output.dense.weight' in sd
    record = json.loads(report.read_text())
    assert set(record['mapped']) | set(record['dropped']) == set(shapes)
    assert sd['head.own_embeddings.word_embeddings.weight'].shape == (
        30523, 32)
    run_script(monkeypatch, capsys, 'official_to_mcg.py', src, dst,
               '--layout', 'official', '--img-size', 32, '--num-frames', 8,
               '--decoder-embeddings', 'shared', '--enc-as-cls', 'no')
    sd = torch.load(dst, weights_only=True)['state_dict']
    assert not any(k.startswith('head.own_embeddings.') for k in sd)


def test_scripts_fail_clearly_on_a_missing_source(tmp_path):
    missing = str(tmp_path / 'nope.pt')
    res = run_tool(['tools/convert/official_to_mcg.py', missing,
                    str(tmp_path / 'o.pth')])
    assert res.returncode != 0
    assert 'official checkpoint' in res.stderr and missing in res.stderr


def test_timm_script_output_starts_as_the_vit(tmp_path, monkeypatch, capsys):
    from timm.models.vision_transformer import VisionTransformer
    torch.manual_seed(0)
    vit = VisionTransformer(img_size=32, patch_size=16, embed_dim=32,
                            depth=1, num_heads=2, num_classes=3)
    torch.save(vit.state_dict(), tmp_path / 'vit.pth')
    dst = tmp_path / 'enc.pth'
    out = run_script(monkeypatch, capsys, 'timm_vit_to_mcg.py',
                     tmp_path / 'vit.pth', dst, '--img-size', 32,
                     '--num-frames', 2)
    assert 'dropped 2: ImageNet classifier' in out
    enc = TimeSformerEncoder(img_size=32, patch_size=16, num_frames=2,
                             embed_dims=32, depth=1, num_heads=2,
                             drop_path_rate=0.0, pretrained=str(dst)).eval()
    enc.init_weights()
    frame = torch.randn(1, 1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(enc(frame), vit.eval().forward_features(
            frame[:, 0]), atol=1e-5)
