"""Question generation for ShapesQA.

Two formats over the same scenes:

* open-ended, ActivityNet-QA style: 9 questions per video, type codes 0-8;
* multiple choice, NExT-QA style: 7 questions per video (TN TP TC CH DC DL DO)
  with 5 options each.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .scene import COLORS, COMBOS, RELATIONS, SHAPES, quadrant, relation

TYPE_NAMES = ('Motion', 'Spatial', 'Temporal', 'Yes/No', 'Color', 'Object',
              'Location', 'Number', 'Other')
MOTION_ANSWERS = tuple(f'moving {d}' for d in ('left', 'right', 'up', 'down'))
LOCATIONS = tuple(f'{v} {h}' for v in ('top', 'bottom') for h in ('left', 'right'))
NUMBERS = ('3', '4', '5', '6')
OTHER_ANSWERS = ('appears', 'disappears', 'moves', 'stays')
NOTHING = 'nothing'

# Answers allowed per type code; the union is the 47-string vocabulary.
ANSWERS_BY_TYPE: dict[int, tuple[str, ...]] = {
    0: MOTION_ANSWERS,
    1: RELATIONS,
    2: COMBOS + (NOTHING,),
    3: ('yes', 'no'),
    4: tuple(COLORS),
    5: SHAPES,
    6: LOCATIONS,
    7: NUMBERS,
    8: OTHER_ANSWERS,
}
ANSWER_VOCAB: tuple[str, ...] = tuple(a for t in range(9) for a in ANSWERS_BY_TYPE[t])

_TEMPLATE_WORDS = """what is the doing where relative to appears after disappears in middle
of video does move visible at end color object that later shape how many objects appear
happens""".split()
QUESTION_VOCAB: tuple[str, ...] = tuple(_TEMPLATE_WORDS) + tuple(COLORS) + SHAPES

MC_HEADER = ('video', 'frame_count', 'width', 'height', 'question', 'answer', 'qid',
             'type', 'a0', 'a1', 'a2', 'a3', 'a4')
MC_TYPES = ('TN', 'TP', 'TC', 'CH', 'DC', 'DL', 'DO')
NUM_OPTIONS = 5
COUNT_WORDS = ('two', 'three', 'four', 'five', 'six', 'seven')
CHANGE_ANSWERS = ('appears', 'disappears', 'moves', 'stays still', 'changes color')
# Never-present fillers so that 4-valued families still give 4 distractors.
MC_FAMILIES: dict[str, tuple[str, ...]] = {
    'TN': COMBOS + (NOTHING,),
    'TP': COMBOS + (NOTHING,),
    'TC': MOTION_ANSWERS + ('staying still',),
    'CH': CHANGE_ANSWERS,
    'DC': COUNT_WORDS,
    'DL': LOCATIONS + ('center',),
    'DO': tuple(COLORS) + ('purple',),
}


def _roles(scene: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {r: [] for r in 'PSELD'}
    for obj in scene['objects']:
        out[obj['role']].append(obj)
    return out


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def _change(rng: np.random.Generator, roles: dict[str, list[dict[str, Any]]]) -> tuple[dict, int]:
    """Pick a category uniformly among those present, then an object of it.

    Returns:
        The object and the category index into ``OTHER_ANSWERS``.
    """
    cats = [i for i, r in enumerate(('L', 'E', 'P')) if roles[r]] + [3]
    cat = _pick(rng, cats)
    if cat == 3:
        return _pick(rng, roles['S'] + roles['D']), 3
    return roles[('L', 'E', 'P')[cat]][0], cat


def make_questions(scene: dict[str, Any], rng: np.random.Generator) -> list[tuple[str, str, int]]:
    """Open-ended questions for one scene, one per ActivityNet-QA type code.

    Args:
        scene: Dict from :func:`~mcg.datasets.shapesqa.scene.sample_scene`.
        rng: Per-video generator for the question-level choices.

    Returns:
        9 ``(question, answer, type_code)`` tuples ordered by type code 0..8.
    """
    roles = _roles(scene)
    p, s = roles['P'][0], roles['S'][0]
    e = roles['E'][0] if roles['E'] else None
    late = roles['L'][0] if roles['L'] else None
    partner = e if e is not None else late
    num_objects = len(scene['objects'])
    qa = [(f"what is the {p['name']} doing", f"moving {p['direction']}")]

    rel = _relation_answer(partner, s)
    qa.append((f"where is the {partner['name']} relative to the {s['name']}", rel))

    if e is not None:
        qa.append((f"what appears after the {e['name']} disappears",
                   late['name'] if late is not None else NOTHING))
    else:
        qa.append(('what appears in the middle of the video', late['name']))

    if rng.random() < 0.5:
        # Half movers, half static objects: 'yes' stays at 50 %.
        static = roles['S'] + roles['E'] + roles['L'] + roles['D']
        x = p if rng.random() < 0.5 else _pick(rng, static)
        qa.append((f"does the {x['name']} move", 'yes' if x is p else 'no'))
    else:
        x = _pick(rng, roles['E'] + roles['L'])
        qa.append((f"is the {x['name']} visible at the end", 'yes' if x is late else 'no'))

    if late is not None:
        qa.append(('what color is the object that appears later', late['color']))
    else:
        qa.append(('what color is the object that disappears', e['color']))
    if e is not None:
        qa.append(('what shape is the object that disappears', e['shape']))
    else:
        qa.append(('what shape is the object that appears later', late['shape']))

    target = late if late is not None else e
    qa.append((f"where is the {target['name']}", quadrant(target['cell'])))
    qa.append(('how many objects appear in the video', str(num_objects)))
    x, cat = _change(rng, roles)
    qa.append((f"what happens to the {x['name']}", OTHER_ANSWERS[cat]))
    return [(q, a, code) for code, (q, a) in enumerate(qa)]


def _relation_answer(a: dict[str, Any], b: dict[str, Any]) -> str:
    rel = relation(a['cell'], b['cell'])
    if rel is None:
        raise ValueError(f"{a['name']} shares no row/column with {b['name']}")
    return rel


def _options(rng: np.random.Generator, answer: str, family: tuple[str, ...],
             hard: list[str]) -> tuple[list[str], int]:
    """Build 5 options with the answer at a uniformly drawn index.

    Args:
        rng: Generator.
        answer: Correct option text.
        family: Candidate distractors (the answer is removed).
        hard: Preferred distractors (objects present in the video), used
            first so the options are not trivially separable by presence.

    Returns:
        The option list and the index of the answer.
    """
    hard = [h for h in dict.fromkeys(hard) if h != answer]
    hard = [hard[int(i)] for i in rng.permutation(len(hard))][:2]
    rest = [f for f in family if f != answer and f not in hard]
    need = NUM_OPTIONS - 1 - len(hard)
    distract = hard + [rest[int(i)] for i in rng.choice(len(rest), size=need, replace=False)]
    distract = [distract[int(i)] for i in rng.permutation(len(distract))]
    idx = int(rng.integers(NUM_OPTIONS))
    return distract[:idx] + [answer] + distract[idx:], idx


def make_mc_questions(scene: dict[str, Any], rng: np.random.Generator) -> list[dict[str, Any]]:
    """Multiple-choice questions for one scene (NExT-QA style).

    Args:
        scene: Dict from :func:`~mcg.datasets.shapesqa.scene.sample_scene`.
        rng: Per-video generator (separate from the open-ended one so that
            toggling the MC output never changes the open-ended data).

    Returns:
        One dict per type in ``MC_TYPES`` order with keys question, qid,
        type, options (5 strings), answer (index) and answer_text.
    """
    roles = _roles(scene)
    p = roles['P'][0]
    e = roles['E'][0] if roles['E'] else None
    late = roles['L'][0] if roles['L'] else None
    names = [o['name'] for o in scene['objects']]
    items: list[tuple[str, str, str, list[str]]] = []
    if e is not None:
        items.append(('TN', f"what appears after the {e['name']} disappears",
                      late['name'] if late is not None else NOTHING, names))
    else:
        items.append(('TN', 'what appears in the middle of the video', late['name'], names))
    if late is not None:
        items.append(('TP', f"what disappears before the {late['name']} appears",
                      e['name'] if e is not None else NOTHING, names))
    else:
        items.append(('TP', 'what disappears in the middle of the video', e['name'], names))
    during = late if late is not None else e
    items.append(('TC', f"what is the {p['name']} doing while the {during['name']} is visible",
                  f"moving {p['direction']}", []))
    x, cat = _change(rng, roles)
    items.append(('CH', f"how does the {x['name']} change", CHANGE_ANSWERS[cat], []))
    items.append(('DC', 'how many objects appear in the video',
                  COUNT_WORDS[len(scene['objects']) - 2], []))
    items.append(('DL', f"where is the {during['name']}", quadrant(during['cell']), []))
    if late is not None:
        items.append(('DO', 'what color is the object that appears later', late['color'],
                      [o['color'] for o in scene['objects']]))
    else:
        items.append(('DO', 'what color is the object that disappears', e['color'],
                      [o['color'] for o in scene['objects']]))
    out = []
    for qid, (code, question, answer, hard) in enumerate(items):
        options, idx = _options(rng, answer, MC_FAMILIES[code], hard)
        out.append({'question': question, 'qid': qid, 'type': code, 'options': options,
                    'answer': idx, 'answer_text': answer})
    return out
