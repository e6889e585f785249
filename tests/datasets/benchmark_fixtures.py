"""Writers of tiny datasets in each benchmark's released format.

Every clip is 8 frames of 32x32 whose grey level encodes the frame index
(``FRAME_LEVEL * i``), so a test can tell which frames were decoded.
"""
import json
import os

import numpy as np

FRAME_LEVEL = 24
NUM_FRAMES = 8


def clip_frames(num_frames: int = NUM_FRAMES, size: int = 32) -> np.ndarray:
    """(T, size, size, 3) uint8 frames, frame i filled with level 24*i."""
    levels = np.arange(num_frames, dtype=np.uint8) * FRAME_LEVEL
    return np.broadcast_to(levels[:, None, None, None],
                           (num_frames, size, size, 3)).copy()


def write_mp4(path: str, num_frames: int = NUM_FRAMES) -> str:
    from mcg.datasets.shapesqa.writer import encode_video
    os.makedirs(os.path.dirname(path), exist_ok=True)
    encode_video(clip_frames(num_frames), path, fps=8)
    return path


def write_gif(path: str, num_frames: int = NUM_FRAMES) -> str:
    """An animated GIF: decord cannot open these, PyAV can."""
    from PIL import Image
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frames = [Image.fromarray(f) for f in clip_frames(num_frames)]
    frames[0].save(path, save_all=True, append_images=frames[1:],
                   duration=100, loop=0)
    return path


def write_frame_folder(folder: str, num_frames: int = NUM_FRAMES,
                       ext: str = '.jpg') -> str:
    from PIL import Image
    os.makedirs(folder, exist_ok=True)
    for i, frame in enumerate(clip_frames(num_frames)):
        # 1-based names without padding exercise the numeric sort.
        Image.fromarray(frame).save(os.path.join(folder, f'{i + 1}{ext}'))
    return folder


def write_json(path: str, obj) -> str:
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f)
    return path


def write_lines(path: str, lines) -> str:
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def make_msrvtt_jsonl(root: str) -> str:
    """3 videos, 6 questions (every Table III type plus a duplicate video)."""
    recs = [
        dict(answer='couch', question='what are they sitting on?',
             video_id='video7010', answer_type='what'),
        dict(answer='man', question='who is talking?', video_id='video7010',
             answer_type='who'),
        dict(answer='fast', question='how does the car go?',
             video_id='video7011', answer_type='how'),
        dict(answer='night', question='when is it?', video_id='video7011',
             answer_type='when'),
        # No answer_type: derived from the first word.
        dict(answer='kitchen', question='where is the man?',
             video_id='video7012'),
        dict(answer='dog', question='What runs?', video_id='video7012'),
    ]
    write_lines(os.path.join(root, 'txt', 'test.jsonl'),
                [json.dumps(r) for r in recs])
    for vid in ('video7010', 'video7011', 'video7012'):
        write_mp4(os.path.join(root, 'videos', vid + '.mp4'))
    return root


def make_msvd_original(root: str) -> str:
    """Original release json + youtube_mapping.txt + .avi-named clips."""
    write_json(os.path.join(root, 'test_qa.json'), [
        dict(answer='someone', id=1, question='who opened the box?',
             video_id=1),
        dict(answer='box', id=2, question='what was opened?', video_id=1),
        dict(answer='dance', id=3, question='what do they do?', video_id=2),
    ])
    write_lines(os.path.join(root, 'youtube_mapping.txt'),
                ['-4wsuPCjDBc_5_15 vid1', 'abcDEF_0_10 vid2'])
    # decord sniffs the container, so an mp4 stream named .avi still opens.
    write_mp4(os.path.join(root, 'videos', '-4wsuPCjDBc_5_15.avi'))
    write_mp4(os.path.join(root, 'videos', 'abcDEF_0_10.avi'))
    return root


def make_nextqa(root: str) -> str:
    """MC csv (types CH, TN, TP, DL; no CW) and OE csv, one video folder."""
    header = 'video,frame_count,width,height,question,answer,qid,type'
    opts = ',a0,a1,a2,a3,a4'
    write_lines(os.path.join(root, 'mc', 'val.csv'), [
        header + opts,
        '4010069381,8,32,32,how do they play,2,6,CH,roll,tap,strum,hit,pat',
        '4010069381,8,32,32,what after the song,0,7,TN,bow,sit,run,jump,cry',
        '4010069381,8,32,32,what before the song,4,8,TP,a,b,c,d,e',
        '2345678901,8,32,32,where is the man,1,0,DL,park,stage,bar,home,car',
    ])
    write_lines(os.path.join(root, 'oe', 'test.csv'), [
        header,
        '4010069381,8,32,32,what does the man hold,guitar,0,DO',
        '4010069381,8,32,32,how many people,two,1,DC',
        '2345678901,8,32,32,why does he bow,thank audience,2,CW',
    ])
    vid_map = {'4010069381': '0101/4010069381',
               '2345678901': '0102/2345678901'}
    for sub in ('mc', 'oe'):
        write_json(os.path.join(root, sub, 'map_vid_vidorID.json'), vid_map)
    write_json(os.path.join(root, 'oe', 'add_reference_answer_test.json'),
               {'4010069381': {'0': 'violin'}})
    for value in vid_map.values():
        write_mp4(os.path.join(root, 'NExTVideo', value + '.mp4'))
    return root


def make_tvqa(root: str) -> str:
    """val jsonl with a NaN ts and a Big Bang Theory (prefix-less) clip."""
    def rec(qid, vid, label, ts):
        body = dict(a0='glass', a1='nachos', a2='purse', a3='book',
                    a4='bottle', answer_idx=label, q=f'question {qid}?',
                    qid=qid, vid_name=vid, show_name='x')
        # json.dumps writes NaN as the bare token the real files contain.
        return json.dumps(dict(body, ts=ts))
    write_lines(os.path.join(root, 'tvqa_val.jsonl'), [
        rec(7, 'met_s06e22_seg01_clip_02', 4, '0.50-1.20'),
        rec(8, 'met_s06e22_seg01_clip_02', 0, float('nan')),
        rec(9, 's03e21_seg02_clip_08', 2, '1.00-2.00'),
    ])
    frames = os.path.join(root, 'frames_hq')
    write_frame_folder(os.path.join(frames, 'met_frames',
                                    'met_s06e22_seg01_clip_02'))
    write_frame_folder(os.path.join(frames, 'bbt_frames',
                                    's03e21_seg02_clip_08'), ext='.png')
    return root


def make_clevrer(root: str) -> str:
    """validation.json: 2 scenes, all four question types."""
    def choices(*verdicts):
        return [dict(choice_id=i, choice=f'option {i}', answer=v)
                for i, v in enumerate(verdicts)]
    scenes = [
        dict(scene_index=10000, video_filename='video_10000.mp4', questions=[
            dict(question_id=0, question='What shape is it?',
                 question_type='descriptive', answer='cube'),
            dict(question_id=1, question='How many spheres?',
                 question_type='descriptive', answer='2'),
            dict(question_id=2, question='What is responsible?',
                 question_type='explanatory',
                 choices=choices('correct', 'wrong', 'correct')),
            dict(question_id=3, question='What will happen next?',
                 question_type='predictive',
                 choices=choices('wrong', 'correct')),
        ]),
        dict(scene_index=10001, video_filename='video_10001.mp4', questions=[
            dict(question_id=0, question='What if the cube is removed?',
                 question_type='counterfactual',
                 choices=choices('correct', 'wrong', 'wrong', 'correct')),
        ]),
    ]
    write_json(os.path.join(root, 'validation.json'), scenes)
    for idx in (10000, 10001):
        write_mp4(os.path.join(root, 'video_validation', 'video_10000-11000',
                               f'video_{idx}.mp4'))
    return root


def make_tgifqa(root: str) -> str:
    """Test_{frameqa,action,count}_question.csv (tab-separated) + gifs."""
    tab = '\t'.join
    write_lines(os.path.join(root, 'Test_frameqa_question.csv'), [
        tab(['gif_name', 'question', 'answer', 'type', 'vid_id', 'key',
             'description']),
        tab(['tumblr_a', 'what is placed in the cone ?', 'cookie', '0',
             'FRAMEQA1', '1', 'a cookie']),
        tab(['tumblr_a', 'what color is the cone ?', 'white', '2',
             'FRAMEQA2', '2', 'a cone']),
    ])
    write_lines(os.path.join(root, 'Test_action_question.csv'), [
        tab(['gif_name', 'question', 'a1', 'a2', 'a3', 'a4', 'a5', 'answer',
             'vid_id', 'key']),
        tab(['tumblr_b', 'what does the man do 3 times ?', 'nod', 'wave',
             'jump', 'clap', 'blink', '1', 'ACTION1', '3']),
    ])
    write_lines(os.path.join(root, 'Test_count_question.csv'), [
        tab(['gif_name', 'question', 'answer', 'vid_id', 'key']),
        tab(['tumblr_a', 'how many times does he nod ?', '3', 'COUNT1', '4']),
    ])
    write_gif(os.path.join(root, 'gifs', 'tumblr_a.gif'))
    write_mp4(os.path.join(root, 'gifs', 'tumblr_b.mp4'))
    return root


#: One row of each ``vid_name`` pattern in ``jayleicn/TVQA``'s
#: ``data/tvqa_test_public.jsonl`` (the public release, no answers): the five
#: prefixed shows, the prefix-less Big Bang Theory and a two-part episode.
TVQA_TEST_PUBLIC_ROWS = [
    '{"a0": "The yogurt manufacturer. ", "a1": "The people who make toilet '
    'seats.", "a2": "Stan Lee.", "a3": "Leonard\'s mom.", "a4": "The person '
    'who didn\'t make the apartment walls soundproof.", "q": "Who does '
    'Sheldon say he\'ll send an email to after coming out of the bathroom?", '
    '"qid": 137292, "show_name": "The Big Bang Theory", "ts": '
    '"48.62-60.02", "vid_name": "s03e21_seg02_clip_08"}',
    '{"a0": "Gina said for hours", "a1": "Gina said for a few minutes", '
    '"a2": "Gina did not say how long", "a3": "Castle did not call Gina", '
    '"a4": "Gina said they were on the phone for five minutes", "q": "How '
    'long did Gina say he was on the phone with Castle after Gine introduced '
    'herself?", "qid": 137294, "show_name": "Castle", "ts": "59.86-63.38", '
    '"vid_name": "castle_s02e24_seg02_clip_26"}',
    '{"a0": "Masters went to the administrator\'s office.", "a1": "Masters '
    'went back to her office.", "a2": "Masters went into her car.", "a3": '
    '"Masters hid in the closet.", "a4": "Masters went into a different '
    'operating room.", "q": "Where did Masters actually go after she left '
    'the operating room?", "qid": 137296, "show_name": "House M.D.", "ts": '
    '"24.26-48.52", "vid_name": "house_s07e19_seg02_clip_12"}',
    '{"a0": "A back massage.", "a1": "His bathroom cleaned.", "a2": "His '
    'photo\'s arranged.", "a3": "His freedom.", "a4": "Food rubs.", "q": '
    '"What did Chandler want when he was talking to Rachel?", "qid": 137313, '
    '"show_name": "Friends", "ts": "36.16-46.04", "vid_name": '
    '"friends_s04e03_seg02_clip_14"}',
    '{"a0": "kiss him", "a1": "throw water on him", "a2": "hit him ", "a3": '
    '"tickle him", "a4": "pull his hair", "q": "what did izzie do to alex '
    'when she tried to wake him up?", "qid": 137343, "show_name": "Grey\'s '
    'Anatomy", "ts": "44.11-53.92", "vid_name": "grey_s02e12_seg02_clip_21"}',
    '{"a0": "they are at a bar", "a1": "they are at Marshall\'s place", '
    '"a2": "they are at a concert", "a3": "they are at Robin\'s place", '
    '"a4": "they are at a store", "q": "Where are Robin and Barney when they '
    'are with Ted, Lily and Marshall?", "qid": 137403, "show_name": "How I '
    'Met You Mother", "ts": "0-9.53", "vid_name": '
    '"met_s03e09_seg02_clip_01"}',
    '{"a0": "Blue ", "a1": "Red", "a2": "Beige", "a3": "Purple", "a4": '
    '"Black", "q": "What color is the couch that Monica is sitting on when '
    'Rachel is talking?", "qid": 142047, "show_name": "Friends", "ts": '
    '"46.34-52.83", "vid_name": "friends_s02e12-13_seg02_clip_31"}',
]
#: ``vid_name`` -> the frame folder of its show in the released frames.
TVQA_SHOW_FOLDERS = {
    's03e21_seg02_clip_08': 'bbt_frames',
    'castle_s02e24_seg02_clip_26': 'castle_frames',
    'house_s07e19_seg02_clip_12': 'house_frames',
    'friends_s04e03_seg02_clip_14': 'friends_frames',
    'grey_s02e12_seg02_clip_21': 'grey_frames',
    'met_s03e09_seg02_clip_01': 'met_frames',
    'friends_s02e12-13_seg02_clip_31': 'friends_frames',
}


def make_tvqa_test_public(root: str) -> str:
    """The rows above as ``tvqa_test_public.jsonl``, each clip's frames in
    its show folder."""
    write_lines(os.path.join(root, 'tvqa_test_public.jsonl'),
                TVQA_TEST_PUBLIC_ROWS)
    for vid, show in TVQA_SHOW_FOLDERS.items():
        write_frame_folder(os.path.join(root, 'frames_hq', show, vid),
                           num_frames=2)
    return root


NEXTOE_HEADER = 'video,frame_count,width,height,question,answer,qid,type'
#: Rows of ``doc-doc/NExT-OE``'s ``dataset/nextqa/train.csv``: one plain row
#: and the three (video, qid) pairs the release repeats with different
#: questions (file lines 1291/35356, 1702/23288, 16834/18638).
NEXTOE_TRAIN_ROWS = [
    '3606518674,2622,640,480,is the man on guitar proficient in playing it,'
    'yes,1,DB',
    '4598213889,855,640,360,are the kids enjoying while playing with the '
    'toys,yes,5,DB',
    '4598213889,855,640,360,what does the baby on the right do after '
    'tossing the water bottle away,crawl to pick it,2,TN',
    '3617262562,531,640,480,how did the man in khaki pants react in the '
    'middle after the food drops,laugh,2,TN',
    '3617262562,531,640,480,how did the man in khaki pants react when the '
    'food drops to the ground,astonished,2,TC',
    '4598213889,855,640,360,is the baby old enough to walk,no,2,DB',
    '4598213889,855,640,360,How did the lady react after the baby on the '
    'left tossed the green ball away,pushes it back,5,TN',
]
#: All five ``test.csv`` questions of video 5772591393 and its entry in
#: ``add_reference_answer_test.json`` (same release).
NEXTOE_TEST_ROWS = [
    '5772591393,920,640,360,what did the dog at the top of the sofa do '
    'before it started to bark at the middle,looks around,4,TP',
    '5772591393,920,640,360,how many dogs are there,three,0,DC',
    '5772591393,920,640,360,what did the dog at the top of the sofa do after '
    'the dog on the right went away at the start,barking,3,TN',
    '5772591393,920,640,360,what did the dog on the bottom left do after one '
    'of the puppy went away near the beginning,looks around,1,TN',
    '5772591393,920,640,360,are the dogs at home or outdoors,home,2,DB',
]
NEXTOE_TEST_EXTRA = {'5772591393': {'2': 'home', '1': 'turn its head',
                                    '3': 'turn its head',
                                    '4': 'turn its head', '0': 'three'}}


def make_nextoe_release(root: str) -> str:
    """train.csv/test.csv/add_reference_answer_test.json from the rows
    above, with a map and tiny videos (``NExTVideo``)."""
    write_lines(os.path.join(root, 'train.csv'),
                [NEXTOE_HEADER] + NEXTOE_TRAIN_ROWS)
    write_lines(os.path.join(root, 'test.csv'),
                [NEXTOE_HEADER] + NEXTOE_TEST_ROWS)
    write_json(os.path.join(root, 'add_reference_answer_test.json'),
               NEXTOE_TEST_EXTRA)
    videos = {row.split(',')[0]
              for row in NEXTOE_TRAIN_ROWS + NEXTOE_TEST_ROWS}
    vid_map = {v: f'0000/{v}' for v in sorted(videos)}
    write_json(os.path.join(root, 'map_vid_vidorID.json'), vid_map)
    for value in vid_map.values():
        write_mp4(os.path.join(root, 'NExTVideo', value + '.mp4'))
    return root
