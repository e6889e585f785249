"""Tiny pre-training datasets in their released formats.

Videos are ShapesQA clips (symlinked); images are random JPEGs.
"""
import csv
import json
import os
import os.path as osp

import numpy as np
import pytest


def tiny_video(shapesqa_tiny, i=0):
    videos = sorted(os.listdir(osp.join(shapesqa_tiny, 'videos')))
    return osp.join(shapesqa_tiny, 'videos', videos[i])


@pytest.fixture
def webvid_root(shapesqa_tiny, tmp_path):
    rows = [('1001', 'A red circle  moves left', '000001_000050'),
            ('1002', 'two squares stay still on a white background', '000051_000100'),
            ('1003', 'a video that was never downloaded', '000051_000100')]
    with open(tmp_path / 'results_2M_train.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['videoid', 'name', 'page_dir', 'duration',
                         'contentUrl'])
        for i, (vid, caption, page) in enumerate(rows):
            writer.writerow([vid, caption, page, 'PT00H00M10S',
                             f'https://example.org/{vid}.mp4'])
            if i < 2:
                os.makedirs(tmp_path / 'videos' / page, exist_ok=True)
                os.symlink(tiny_video(shapesqa_tiny, i),
                           tmp_path / 'videos' / page / f'{vid}.mp4')
    return str(tmp_path)


@pytest.fixture
def cc3m_root(tmp_path):
    import cv2
    os.makedirs(tmp_path / 'images')
    rng = np.random.default_rng(0)
    for i in range(3):
        img = rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)
        cv2.imwrite(str(tmp_path / 'images' / f'{i:09d}.jpg'), img)
    json.dump([{'image': '000000000.jpg', 'caption': 'a dog on grass'},
               {'image': str(tmp_path / 'images' / '000000001.jpg'),
                'caption': ['a red car', 'a car parked outside']},
               {'image': 'gone.jpg', 'caption': 'dead link'}],
              open(tmp_path / 'cc3m.json', 'w'))
    (tmp_path / 'Train_GCC-training.tsv').write_text(
        'a dog on grass\thttp://a/1.jpg\na red car\thttp://a/2.jpg\n'
        'a tree\thttp://a/3.jpg\nnever crawled\thttp://a/4.jpg\n')
    return str(tmp_path)


@pytest.fixture
def tgif_root(shapesqa_tiny, tmp_path):
    os.makedirs(tmp_path / 'dataset')
    os.makedirs(tmp_path / 'gifs')
    for i, name in enumerate(('tumblr_a', 'tumblr_b')):
        os.symlink(tiny_video(shapesqa_tiny, i), tmp_path / 'gifs' /
                   f'{name}.mp4')
    files = {
        'frameqa': ['gif_name\tquestion\tanswer\ttype\tvid_id\tkey\tdescription',
                    'tumblr_a\twhat is the man holding ?\tcup\t0\tF1\t11\tx'],
        'count': ['gif_name\tquestion\tanswer\tvid_id\tkey',
                  'tumblr_a\thow many times does he nod ?\t3\tC1\t12'],
        'action': ['gif_name\tquestion\ta1\ta2\ta3\ta4\ta5\tanswer\tvid_id\tkey',
                   'tumblr_b\twhat does the cat do 2 times ?\tjump\tblink\t'
                   'run\tsit\tnod\t1\tA1\t13'],
    }
    for task, lines in files.items():
        (tmp_path / 'dataset' / f'Train_{task}_question.csv').write_text(
            '\n'.join(lines) + '\n')
    return str(tmp_path)
