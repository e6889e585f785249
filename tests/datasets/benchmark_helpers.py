"""Loader -> pipeline -> metric plumbing shared by the benchmark tests."""
from typing import Callable, Dict, List


from mcg.registry import DATASETS, METRICS

META_KEYS = ['mc_question_id', 'extra_answers']


def video_pipeline(num_frames: int = 4, size: int = 16) -> List[dict]:
    return [
        dict(type='VideoInit'),
        dict(type='UniformFrameSampler', num_frames=num_frames,
             test_mode=True),
        dict(type='DecordDecode'),
        dict(type='VideoResize', scale=size),
        dict(type='PackVideoQAInputs', meta_keys=META_KEYS),
    ]


def frame_pipeline(num_frames: int = 4, size: int = 16) -> List[dict]:
    return [
        dict(type='FrameFolderInit'),
        dict(type='UniformFrameSampler', num_frames=num_frames,
             test_mode=True),
        dict(type='FrameFolderDecode'),
        dict(type='VideoResize', scale=size),
        dict(type='PackVideoQAInputs', meta_keys=META_KEYS),
    ]


def build(cfg: dict):
    return DATASETS.build(cfg)


def all_items(dataset) -> List[dict]:
    return [dataset[i] for i in range(len(dataset))]


def samples_by_qid(items) -> Dict[str, object]:
    return {s.question_id: s for item in items
            for s in item['data_samples']}


def run_metric(metric_cfg: dict, items: List[dict],
               predict: Callable[[object], None], size: int = None) -> dict:
    """Let ``predict`` fill each sample, feed item by item, evaluate."""
    metric = METRICS.build(metric_cfg)
    for item in items:
        for sample in item['data_samples']:
            predict(sample)
        metric.process(None, [s.to_dict() for s in item['data_samples']])
    return metric.evaluate(size if size is not None else len(items))


def answer_from(table: Dict[str, object], field: str) -> Callable:
    """A ``predict`` setting ``field`` from ``{question_id: value}``."""
    def predict(sample):
        if sample.question_id in table:
            setattr(sample, field, table[sample.question_id])
    return predict
