"""Registries, typed builders and plugin discovery of mcg."""
from .builders import (build_fusor, build_frame_sampler, build_head,
                       build_loss, build_text_encoder, build_video_encoder,
                       build_with_role, registered_names)
from .plugins import ENTRY_POINT_GROUP, failed_plugins, load_plugins
from .registry import (ALL_REGISTRIES, DATA_SAMPLERS, DATASETS, EVALUATOR,
                       FUNCTIONS, HOOKS, LOG_PROCESSORS, LOOPS, METRICS,
                       MODEL_WRAPPERS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS,
                       OPTIM_WRAPPERS, OPTIMIZERS, PARAM_SCHEDULERS, RUNNERS,
                       STRATEGIES, TOKENIZERS, TRANSFORMS, VISBACKENDS,
                       VISUALIZERS, WEIGHT_INITIALIZERS,
                       import_component_packages)
from .roles import declare_role, role_base

__all__ = [
    'ALL_REGISTRIES', 'DATA_SAMPLERS', 'DATASETS', 'EVALUATOR', 'FUNCTIONS',
    'HOOKS', 'LOG_PROCESSORS', 'LOOPS', 'METRICS', 'MODEL_WRAPPERS', 'MODELS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'OPTIM_WRAPPERS', 'OPTIMIZERS',
    'PARAM_SCHEDULERS', 'RUNNERS', 'STRATEGIES', 'TOKENIZERS', 'TRANSFORMS',
    'VISBACKENDS', 'VISUALIZERS', 'WEIGHT_INITIALIZERS', 'ENTRY_POINT_GROUP',
    'load_plugins', 'failed_plugins', 'build_with_role', 'build_video_encoder',
    'build_text_encoder', 'build_fusor', 'build_head', 'build_loss',
    'build_frame_sampler', 'registered_names', 'declare_role', 'role_base',
    'import_component_packages'
]
