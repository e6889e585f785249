"""TVQA clip names of the public release -> their show's frame folder,
through the shipped config's test pipeline."""
import json
import os

from mmengine.config import Config

from mcg.datasets.tvqa import SHOW_PREFIXES, show_folder

from .benchmark_fixtures import (TVQA_SHOW_FOLDERS, TVQA_TEST_PUBLIC_ROWS,
                                 make_tvqa_test_public)
from .benchmark_helpers import build

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def test_every_release_name_pattern_maps_to_its_show():
    for vid, folder in TVQA_SHOW_FOLDERS.items():
        assert show_folder(vid) == folder, vid
    # Each prefix rule agrees with the release's own show_name field.
    for row in map(json.loads, TVQA_TEST_PUBLIC_ROWS):
        prefix = show_folder(row['vid_name'])[:-len('_frames')]
        assert SHOW_PREFIXES.get(prefix, 'The Big Bang Theory') == \
            row['show_name']
    # Names outside TVQA's scheme get no show folder (flat layout only).
    assert show_folder('my_clip') is None
    assert show_folder('bbt_s01e01_seg01_clip_00') is None


def test_config_reads_two_part_episode_from_friends_frames(tmp_path):
    root = make_tvqa_test_public(str(tmp_path))
    cfg = Config.fromfile(os.path.join(REPO, 'configs', 'mcg',
                                       'mcg_tvqa_8f.py'))
    dataset = build(dict(cfg.test_dataloader.dataset, data_root=root,
                         split='test'))
    assert len(dataset) == len(TVQA_SHOW_FOLDERS)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        show = TVQA_SHOW_FOLDERS[info['video_id']]
        assert info['video_path'] == os.path.join(
            root, 'frames_hq', show, info['video_id'])
        samples = dataset[i]['data_samples']
        # Decoded from its folder, not a placeholder for a missing clip.
        assert 'video_error' not in samples[0].metainfo
