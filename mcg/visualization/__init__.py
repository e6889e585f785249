"""Figures of model predictions (the paper's Fig. 8)."""
from .predictions import PredictionFigure, load_dump, render_html, select_records

__all__ = ['PredictionFigure', 'load_dump', 'render_html', 'select_records']
