# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""One terminal line per epoch: iterations, loss, learning rate, ETA and the
validation metrics."""
import datetime
from typing import Dict, Optional

from mmengine.hooks import Hook

from sketret.registry import HOOKS
from sketret.utils.console import log_progress


def format_metrics(metrics: Optional[Dict]) -> str:
    """The real-valued metrics, 4 decimals: ``{'textbook/mAP@all': 0.41,
    'textbook/num_queries': 60}`` -> ``'textbook/mAP@all 0.4100'`` (counts
    are in the log file)."""
    parts = []
    for key, value in (metrics or {}).items():
        value = value.item() if hasattr(value, 'item') else value
        if isinstance(value, float):
            parts.append(f'{key} {value:.4f}')
    return '  '.join(parts)


@HOOKS.register_module()
class ProgressHook(Hook):
    """Log a compact progress line per training epoch, and the metrics of
    each test, marked for the terminal (:func:`log_progress`).

    ``Epoch 2/6  iter 34/102  loss 1.4919  lr 9.40e-06  eta 0:03:20  |  val
    textbook/mAP@all 0.6480 ...``. The line of an epoch is written after its
    validation (when the epoch has one), so that it carries the metrics.
    mmengine's LoggerHook still writes its detailed lines to the log file.
    """

    priority = 'BELOW_NORMAL'

    def __init__(self):
        self._pending = False
        self._training = False

    def before_train(self, runner) -> None:
        self._training = True

    def after_train_epoch(self, runner) -> None:
        self._pending = True

    def before_train_epoch(self, runner) -> None:
        self._flush(runner)

    def after_train(self, runner) -> None:
        self._flush(runner)
        self._training = False

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._flush(runner, metrics, force=True)

    def after_test_epoch(self, runner, metrics=None) -> None:
        log_progress(f'Test  {format_metrics(metrics)}', runner.logger)

    def _flush(self, runner, metrics=None, force=False) -> None:
        if not (self._pending or force):
            return
        self._pending = False
        if not self._training:  # runner.val() outside training
            log_progress(f'Val  {format_metrics(metrics)}', runner.logger)
            return
        hub = runner.message_hub
        parts = []
        if getattr(runner.train_loop, '_max_epochs', None) is not None:
            parts.append(f'Epoch {runner.epoch}/{runner.max_epochs}')
        parts.append(f'iter {runner.iter}/{runner.max_iters}')
        scalars = hub.log_scalars
        window = max(1, self._iters_per_epoch(runner))
        if 'train/loss' in scalars:
            parts.append(f'loss {scalars["train/loss"].mean(window):.4f}')
        if 'train/lr' in scalars:
            parts.append(f'lr {scalars["train/lr"].current():.2e}')
        eta = hub.get_info('eta')
        if eta is not None:
            eta = 0 if runner.iter >= runner.max_iters else eta
            parts.append(
                f'eta {datetime.timedelta(seconds=int(eta))}')
        line = '  '.join(parts)
        if metrics:
            line += f'  |  val {format_metrics(metrics)}'
        log_progress(line, runner.logger)

    @staticmethod
    def _iters_per_epoch(runner) -> int:
        try:
            return len(runner.train_dataloader)
        except TypeError:
            return 1
