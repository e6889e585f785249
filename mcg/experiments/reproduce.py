"""``reproduce(EXPERIMENT, out_dir)``: data, runs and reports of one experiment.

Used by ``tools/reproduce.py``; see docs/reproduction.md.
"""
from __future__ import annotations

import json
import os
import os.path as osp
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

from mcg.datasets.shapesqa import generate_shapesqa
from mcg.engine.atomic_io import atomic_write
from . import report
from .catalog import EXPERIMENTS, PROFILES, experiment_runs
from .execute import execute_run
from .runs import Run, run_queue


def prepare_data(data_root: str, preset: str, log: Callable = print) -> str:
    """Generate ShapesQA with the pre-training corpus unless already there."""
    marker = osp.join(data_root, 'pretrain', 'retrieval_captions.json')
    if osp.isfile(marker) and osp.isfile(osp.join(data_root, 'test_a.json')):
        return data_root
    t0 = time.time()
    summary = generate_shapesqa(data_root, preset=preset, pretrain=True,
                                workers=min(2, os.cpu_count() or 1))
    log(f'data: ShapesQA[{preset}] QA {summary["num_videos"]}, corpus '
        f'{summary["num_pretrain"]} -> {data_root} ({time.time() - t0:.0f} s)')
    return data_root


def reproduce(experiment: str, out_dir: str, seeds: int = 3,
              profile: str = 'demo', data_root: Optional[str] = None,
              execute: Optional[Callable[[Run, str], Dict]] = None,
              log: Callable = print, report_only: bool = False
              ) -> Dict[str, str]:
    """Prepare the data, run what is not done yet, write the reports.

    Args:
        experiment: One of ``retrieval``, ``table5``, ``fig4``, ``fig5``,
            ``table6`` or ``all``.
        out_dir: Output folder (runs under ``runs/``; finished runs are kept
            and skipped on the next call).
        seeds: Fine-tuning seeds per row (pre-training seeds for retrieval).
        profile: ``demo`` (the measured setting) or ``tiny`` (tests).
        data_root: ShapesQA folder; default ``<out_dir>/data/shapesqa``.
        execute: ``execute(run, work_dir) -> metrics``; default trains and
            evaluates in this process.
        log: Where progress lines go.
        report_only: Run nothing; write the reports from the runs already
            finished in ``out_dir`` (the missing ones are listed in them).

    Returns:
        The written files by name.
    """
    names = list(EXPERIMENTS) if experiment == 'all' else [experiment]
    for name in names:
        if name not in EXPERIMENTS:
            raise ValueError(f'unknown experiment {name!r}; choose from '
                             f'{EXPERIMENTS + ("all",)}')
    os.makedirs(out_dir, exist_ok=True)
    data_root = data_root or osp.join(out_dir, 'data', 'shapesqa')
    if not report_only:
        prepare_data(data_root, PROFILES[profile]['preset'], log)
    if execute is None and not report_only:

        def execute(run: Run, work_dir: str) -> Dict:
            return execute_run(run, work_dir, data_root, out_dir)
    written: Dict[str, str] = {}
    for name in names:
        runs = experiment_runs(name, profile, seeds)
        t0 = time.time()
        log(f'{name}: {len(runs)} runs')
        results = run_queue(runs, out_dir, None if report_only else execute, log)
        missing = [r.name for r in runs
                   if r.name not in {res['name'] for res in results}]
        if not results:
            log(f'{name}: no finished run in {out_dir}, no report')
            continue
        if name != 'retrieval' and not any(r['kind'] == 'finetune'
                                           for r in results):
            # Only the shared pre-training is done: a QA table or plot
            # would be empty.
            log(f'{name}: no finished fine-tuning run in {out_dir}, '
                'no report')
            continue
        written.update(write_reports(name, results, out_dir, time.time() - t0,
                                     missing))
    return written


def write_reports(experiment: str, results: List[Dict], out_dir: str,
                  wall: float, missing: Sequence[str] = ()) -> Dict[str, str]:
    """``EXPERIMENT.md``, ``EXPERIMENT.json`` and the experiment's plots.

    ``missing`` names the experiment's runs without a result: the report says
    so above the table, so a partial table is never read as complete.
    """
    written = {'json': report.write_json(out_dir, experiment, results)}
    body = WRITERS[experiment](results, out_dir, written)
    total = sum(r['wall_s'] for r in results)
    if missing:
        body = (f'**Incomplete: {len(missing)} run(s) not finished** '
                f'({", ".join(missing)}); the table holds the finished ones.'
                f'\n\n{body}')
    text = (f'# {experiment}\n\n{body}\n\nRuns: {len(results)}; their wall time '
            f'{total:.0f} s (this call {wall:.0f} s). Test split unless marked '
            "val; cells are mean [min, max] over seeds.\n")
    written['md'] = osp.join(out_dir, f'{experiment}.md')
    atomic_write(text, written['md'])
    return written


def _retrieval(results: List[Dict], out_dir: str, written: Dict) -> str:
    pre = [r['metrics']['retrieval'] for r in results if r['kind'] == 'pretrain']
    keys = ('R@1', 'R@5', 'R@10', 'v2t_R@1', 'acc_vtm', 'acc_vtm_pos',
            'acc_vtm_neg', 'acc_vtm_constant', 'chance_R@1', 'num_clips')
    summary = {k: statistics.fmean(m[k] for m in pre) for k in keys if k in pre[0]}
    summary['num_clips'] = int(summary['num_clips'])
    summary['seeds'] = len(pre)
    # retrieval.json is also EXPERIMENT.json: the summary plus every run.
    summary.update(experiment='retrieval', runs=results)
    written['retrieval'] = osp.join(out_dir, 'retrieval.json')
    atomic_write(json.dumps(summary, indent=1), written['retrieval'])
    return ('Caption-to-clip retrieval on the held-out clips by the ICL '
            'similarity; VTM accuracy on each caption\'s pair and two '
            'negatives drawn as the VTM loss draws them in training (the '
            'constant "not matched" scores the value in brackets).\n\n' + report.retrieval_table(results))


def _gain(results: List[Dict], with_row: str, without_row: str) -> str:
    groups = report.group(results, 'row')
    a = [r['metrics']['test']['All'] for r in groups.get(with_row, [])]
    b = [r['metrics']['test']['All'] for r in groups.get(without_row, [])]
    if not a or not b:
        return ''
    gain = statistics.fmean(a) - statistics.fmean(b)
    overlap = min(a) <= max(b)
    return (f'\n\nPre-training gain (All, test): {gain:+.1f} points '
            f'(MCL {report.spread(a)} vs scratch {report.spread(b)}); seed '
            f"ranges {'overlap' if overlap else 'do not overlap'}.")


def _table5(results: List[Dict], out_dir: str, written: Dict) -> str:
    table = report.qa_table(report.group(results, 'table_row'), 'Table V')
    return (report.retrieval_table(results) + '\n\n' + table
            + _gain(results, 'w_jum_mcl_ccg_mcg', 'w_jum_ccg_scratch'))


def _fig4(results: List[Dict], out_dir: str, written: Dict) -> str:
    groups = report.group(results, 'variant')
    written['png'] = report.bars(
        osp.join(out_dir, 'fig4.png'),
        {k: [r['metrics']['test']['All'] for r in v] for k, v in groups.items()},
        'test All (%)', 'Fig. 4: pre-training objectives')
    return (report.retrieval_table(results) + '\n\n'
            + report.qa_table(groups, 'Fig. 4') + '\n\n![fig4](fig4.png)')


def _fig5(results: List[Dict], out_dir: str, written: Dict) -> str:
    groups = report.group(results, 'head')
    series = {}
    for head, runs in groups.items():
        curves = [r['metrics']['val_curve'] for r in runs]
        length = min(len(c) for c in curves)
        series[f'{head} val'] = [
            (e + 1, statistics.fmean(c[e]['All'] for c in curves)) for e in range(length)]
    written['png'] = report.plot(osp.join(out_dir, 'fig5.png'), series, 'epoch',
                                 'val All (%)', 'Fig. 5: validation accuracy')
    lines = ['| head | seeds | train All | val All | test All | train - val |',
             '|---|---|---|---|---|---|']
    for head, runs in groups.items():
        tr = [r['metrics']['train']['All'] for r in runs]
        va = [r['metrics']['val']['All'] for r in runs]
        te = [r['metrics']['test']['All'] for r in runs]
        gap = statistics.fmean(tr) - statistics.fmean(va)
        lines.append(f'| {head} | {len(runs)} | {report.spread(tr)} | {report.spread(va)} '
                     f'| {report.spread(te)} | {gap:+.1f} |')
    return '\n'.join(lines) + '\n\n![fig5](fig5.png)'


def _table6(results: List[Dict], out_dir: str, written: Dict) -> str:
    groups = report.group(results, 'frames')
    written['png'] = report.plot(
        osp.join(out_dir, 'table6.png'),
        {'test All': [(int(k), statistics.fmean(r['metrics']['test']['All'] for r in v))
                      for k, v in groups.items()]},
        'frames', 'test All (%)', 'Table VI / Fig. 6: frames')
    return report.qa_table(groups, 'frames') + '\n\n![table6](table6.png)'


WRITERS = dict(retrieval=_retrieval, table5=_table5, fig4=_fig4, fig5=_fig5,
               table6=_table6)
