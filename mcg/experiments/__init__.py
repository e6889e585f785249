"""The paper's claims reproduced in miniature on ShapesQA (docs/reproduction.md).

Import-light: the training machinery is imported when a run executes.
"""
from .catalog import EXPERIMENTS, PROFILES, experiment_runs
from .reproduce import prepare_data, reproduce
from .runs import Run, load_result, run_queue

__all__ = ['EXPERIMENTS', 'PROFILES', 'Run', 'experiment_runs', 'load_result',
           'prepare_data', 'reproduce', 'run_queue']
