"""Malformed annotation and question files stop with the file and line
(and column where the parser knows it), for every shipped loader and for
``tools/infer.py --questions-file``."""
import os
import re

import pytest
from mmengine.config import Config

from mcg.datasets import AnnotationError
from tests.conftest import REPO, run_tool

from .benchmark_helpers import build

NEXT_HEADER = ('video,frame_count,width,height,question,answer,qid,type,'
               'a0,a1,a2,a3,a4')
NEXT_ROW = '4010069381,8,32,32,how do they play,2,6,CH,roll,tap,strum,hit,pat'
TVQA_ROW = ('{"a0": "a", "a1": "b", "a2": "c", "a3": "d", "a4": "e", '
            '"answer_idx": 1, "q": "what?", "qid": 7, "ts": "1-2", '
            '"vid_name": "met_s06e22_seg01_clip_02"}')
TAB = '\t'.join


def config_dataset(name, split=None):
    """The shipped config's test dataset (optionally another split)."""
    def dataset(root):
        cfg = Config.fromfile(os.path.join(REPO, 'configs', 'mcg', name))
        ds = dict(cfg.test_dataloader.dataset, data_root=root)
        return dict(ds, split=split) if split else ds
    return dataset


def pretrain_dataset(index):
    """A source of the shipped pre-training config."""
    def dataset(root):
        cfg = Config.fromfile(os.path.join(
            REPO, 'configs', 'mcg', 'mcg_pretrain_webvid-cc3m-tgif_4f.py'))
        return dict(cfg.train_dataloader.dataset.datasets[index],
                    data_root=root)
    return dataset


# id -> (dataset cfg maker, {file: text}, expected message)
CASES = {
    'anetqa json': (config_dataset('mcg_anetqa_8f.py'), {
        'test_q.json': '[\n{"question_id": "v_1_0", "question": "q",\n'
                       '  "video_name": "1"},\noops\n]',
        'test_a.json': '[]'},
        'test_q.json:4:1: not valid JSON: Expecting value'),
    'msrvtt jsonl': (config_dataset('mcg_msrvttqa_8f.py'), {
        'txt/test.jsonl': '{"answer": "a", "question": "q?", '
                          '"video_id": "video7010"}\n{"qid": 1,}\n'},
        'test.jsonl:2:11: not valid JSON: Expecting property name'),
    'msvd json': (config_dataset('mcg_msvdqa_8f.py'), {
        'test_qa.json': '[{"answer": "a", "id": 1, "question": "q",\n'
                        '  "video_id": 1}\n{"answer": "b"}]',
        'youtube_mapping.txt': 'abc_0_1 vid1\n'},
        "test_qa.json:3:1: not valid JSON: Expecting ',' delimiter"),
    'nextqa csv extra field': (config_dataset('mcg_nextqa-mc_8f.py', 'val'), {
        'val.csv': '\n'.join([NEXT_HEADER, NEXT_ROW, NEXT_ROW + ',extra']),
        'map_vid_vidorID.json': '{}'},
        'val.csv:3: 14 fields, but the header has 13'),
    'nextqa csv open quote': (config_dataset('mcg_nextqa-mc_8f.py', 'val'), {
        'val.csv': '\n'.join([NEXT_HEADER, NEXT_ROW,
                              NEXT_ROW.replace('how', '"how'), NEXT_ROW]),
        'map_vid_vidorID.json': '{}'},
        'val.csv:3: not valid CSV'),
    'nextqa csv short row': (config_dataset('mcg_nextqa-mc_8f.py', 'val'), {
        'val.csv': '\n'.join([NEXT_HEADER, NEXT_ROW, '4010069381,8,32']),
        'map_vid_vidorID.json': '{}'},
        'val.csv:3: 3 fields, too few'),
    'nextoe map json': (config_dataset('mcg_nextqa-oe_8f.py'), {
        'test.csv': 'video,frame_count,width,height,question,answer,qid,type'
                    '\n4010069381,8,32,32,what,guitar,0,DO',
        'map_vid_vidorID.json': '{"4010069381": "0101/4010069381",}'},
        'map_vid_vidorID.json:1:34: not valid JSON'),
    'tvqa jsonl': (config_dataset('mcg_tvqa_8f.py'), {
        'tvqa_val.jsonl': TVQA_ROW + '\n\n' + TVQA_ROW[:-1] + '\n'},
        "tvqa_val.jsonl:3:149: not valid JSON: Expecting ',' delimiter"),
    'tvqa not utf-8': (config_dataset('mcg_tvqa_8f.py'), {
        'tvqa_val.jsonl': TVQA_ROW + '\n' + TVQA_ROW.replace(
            '"q": "what?"', '"q": "caf\udce9?"')},
        'tvqa_val.jsonl:2:83: not UTF-8 text'),
    'clevrer json': (config_dataset('mcg_clevrer_8f.py'), {
        'validation.json': '[{"scene_index": 10000,\n  "questions": [}]'},
        'validation.json:2:17: not valid JSON'),
    'tgifqa tsv': (lambda root: dict(type='TGIFQADataset', data_root=root,
                                     task='count'), {
        'Test_count_question.csv': '\n'.join([
            TAB(['gif_name', 'question', 'answer', 'vid_id', 'key']),
            TAB(['tumblr_a', 'how many?', '3', 'C1', '4', 'x'])])},
        'Test_count_question.csv:2: 6 fields, but the header has 5'),
    'webvid csv': (pretrain_dataset(0), {
        'results_2M_train.csv': 'videoid,name,page_dir\n1,"a cat,000\n'},
        'results_2M_train.csv:2: not valid CSV'),
    'cc3m json': (pretrain_dataset(1), {
        'cc3m.json': '[{"image": "a.jpg" "caption": "x"}]'},
        "cc3m.json:1:20: not valid JSON: Expecting ',' delimiter"),
    'tgif pretrain tsv': (pretrain_dataset(2), {
        'dataset/Train_frameqa_question.csv': '\n'.join([
            TAB(['gif_name', 'question', 'answer']),
            TAB(['tumblr_a', 'what?', 'cat', 'x'])])},
        'Train_frameqa_question.csv:2: 4 fields, but the header has 3'),
    'shapesqa captions json': (lambda root: dict(
        type='ShapesQACaptionDataset', data_root=root,
        ann_file='pretrain/train_captions.json'), {
        'pretrain/train_captions.json': '[\n  {"video_name": "a",'
                                        ' "captions": ["x"]},\n]'},
        'train_captions.json:3:1: not valid JSON'),
}


def write_files(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(text.encode('utf-8', 'surrogateescape'))
    for folder in ('videos', 'NExTVideo', 'frames_hq', 'video_validation',
                   'gifs'):
        os.makedirs(os.path.join(root, folder), exist_ok=True)


@pytest.mark.parametrize('case', sorted(CASES))
def test_loader_names_file_and_line(case, tmp_path):
    make_cfg, files, expected = CASES[case]
    write_files(str(tmp_path), files)
    with pytest.raises(AnnotationError) as info:
        build(make_cfg(str(tmp_path)))
    message = str(info.value)
    assert str(tmp_path) in message
    assert expected in message, message


def test_infer_questions_file_names_file_line_and_column(tmp_path):
    questions = tmp_path / 'qs.jsonl'
    questions.write_text('{"video": "a.mp4", "question": "what?"}\n'
                         '{"video": "b.mp4" "question": "why?"}\n')
    # The file is read before the config and checkpoint are touched.
    out = run_tool(['tools/infer.py', 'no_config.py', 'no.pth',
                    '--questions-file', str(questions)])
    assert out.returncode == 2
    assert re.search(re.escape(str(questions)) + r":2:19: not valid JSON: "
                     r"Expecting ',' delimiter", out.stderr), out.stderr
    assert 'Traceback' not in out.stderr


def test_answer_vocabulary_file_names_line(micro_cfg, tmp_path):
    from mcg.registry import MODELS
    vocab = tmp_path / 'train_a.json'
    vocab.write_text('[{"answer": "red"},\n {"answer": "blue"]\n')
    cfg = micro_cfg.model
    cfg.head.output_vocab = str(vocab)
    with pytest.raises(AnnotationError,
                       match=re.escape(f'{vocab}:2:19: not valid JSON')):
        MODELS.build(cfg)
