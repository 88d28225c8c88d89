# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .log_curves import find_scalar_log, load_scalar_log, plot_log_curves
from .retrieval_grid import (
                             draw_retrieval_grid,
                             plot_bars_with_error,
                             plot_per_class_ap,
)
from .retrieval_report import save_retrieval_report

__all__ = [
    'draw_retrieval_grid', 'plot_per_class_ap', 'plot_bars_with_error',
    'find_scalar_log', 'load_scalar_log', 'plot_log_curves',
    'save_retrieval_report'
]
