"""Training objectives: the terms of Eq. 11 of the paper."""
from .answer_classification import AnswerClassificationLoss
from .base import BaseMCGLoss
from .icl import InstanceContrastiveLoss
from .lm import LanguageModelingLoss
from .tcl import TokenContrastiveLoss, cls_saliency, directional_token_loss
from .temperature import LearnableTemperature
from .vtm import VideoTextMatchingLoss

__all__ = ['AnswerClassificationLoss', 'BaseMCGLoss',
           'InstanceContrastiveLoss', 'LanguageModelingLoss',
           'LearnableTemperature', 'TokenContrastiveLoss',
           'VideoTextMatchingLoss', 'cls_saliency', 'directional_token_loss']
