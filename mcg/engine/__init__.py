"""Training-engine extensions: checkpoints, resume, loops, hooks, launch."""
from .atomic_io import (ATOMIC_BACKEND, AtomicLocalBackend, atomic_write,
                        find_resume_checkpoint)
from .bad_data_hook import TooManyBadVideosError, UnreadableVideoHook
from .checkpoint import (UnloadedObject, is_trusted, load_checkpoint_file,
                         load_weights_only, trust_directory, trust_file)
from .config_errors import explain_build_error
from .loops import ResumableEpochBasedTrainLoop, SkippableBatchSampler
from .loss_guard import FiniteLossHook, NonFiniteLossError
from .loss_weight_hook import LossWeightScheduleHook
from .optim_wrapper import AutocastOptimWrapper
from .preflight import USER_ERRORS, check_datasets
from .resume_state import (ResumeStateHook, capture_rng_state,
                           restore_rng_state)

#: Errors that stop training on purpose, with a report for the user.
TRAINING_STOPS = (NonFiniteLossError, TooManyBadVideosError)

__all__ = [
    'ATOMIC_BACKEND', 'AtomicLocalBackend', 'atomic_write',
    'find_resume_checkpoint', 'TooManyBadVideosError', 'UnreadableVideoHook',
    'UnloadedObject', 'is_trusted', 'load_checkpoint_file',
    'load_weights_only', 'trust_directory', 'trust_file',
    'explain_build_error', 'ResumableEpochBasedTrainLoop',
    'SkippableBatchSampler', 'FiniteLossHook', 'NonFiniteLossError',
    'LossWeightScheduleHook', 'AutocastOptimWrapper', 'USER_ERRORS',
    'check_datasets',
    'ResumeStateHook', 'capture_rng_state', 'restore_rng_state',
    'TRAINING_STOPS'
]
from . import load_report  # noqa: E402,F401  (PretrainedLoadReportHook)
from . import inference_meta  # noqa: E402,F401  (InferenceMetaHook)
