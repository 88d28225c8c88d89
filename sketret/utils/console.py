# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""A readable terminal: warnings a user can act on, one progress line per
epoch, the results; everything else goes to the work dir's log file only.

mmengine's MMLogger writes every record to the terminal and to
``WORK_DIR/<time>/<time>.log`` at ``log_level``. :func:`setup_console`
raises the level of the terminal handler only (``console_log_level``,
``tools/train.py --log-level``) and adds a handler that prints the records
marked by :func:`log_progress` (see ``ProgressHook``) as plain lines.
"""
import logging
import sys

from mmengine.logging import MMLogger

# mmengine's own deprecation notices about code inside mmengine (the
# CheckpointHook uses FileClient): nothing a sketret user can change. They
# stay in the log file.
UNACTIONABLE_WARNINGS = (
    '"FileClient" will be deprecated in future',
    '"HardDiskBackend" is the alias of "LocalBackend"',
)

_PROGRESS = 'sketret_progress'


def log_progress(message: str, logger: MMLogger = None) -> None:
    """Log ``message`` at INFO, marked as a progress line: the terminal
    shows it even when it shows only warnings otherwise."""
    logger = logger or MMLogger.get_current_instance()
    logger.info(message, extra={_PROGRESS: True})


class _DropUnactionable(logging.Filter):

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in UNACTIONABLE_WARNINGS)


class _OnlyProgress(logging.Filter):

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, _PROGRESS, False)


def _level(level) -> int:
    if isinstance(level, int):
        return level
    value = logging.getLevelName(str(level).upper())
    if not isinstance(value, int):
        raise ValueError(
            f'console_log_level must be DEBUG, INFO, WARNING or ERROR, got '
            f'"{level}"')
    return value


def setup_console(logger: MMLogger, level='WARNING') -> None:
    """Show records of ``level`` and above (plus progress lines) on the
    terminal; the log file keeps the logger's own level.

    Args:
        logger (MMLogger): The Runner's logger.
        level (str | int): ``'DEBUG'``, ``'INFO'``, ``'WARNING'`` or
            ``'ERROR'``. At ``'INFO'`` and below the terminal shows
            mmengine's full log (it holds the progress lines already).
    """
    level = _level(level)
    terminal = [
        h for h in logger.handlers
        if type(h) is logging.StreamHandler and not getattr(
            h, _PROGRESS, False)
    ]
    for handler in terminal:
        # other ranks stay at mmengine's ERROR
        handler.setLevel(max(handler.level, level))
        if not any(isinstance(f, _DropUnactionable)
                   for f in handler.filters):
            handler.addFilter(_DropUnactionable())
    if level <= logging.INFO or not terminal:
        return
    if any(getattr(h, _PROGRESS, False) for h in logger.handlers):
        return
    from mmengine.dist import get_rank
    if get_rank() != 0:
        return
    progress = logging.StreamHandler(stream=sys.stdout)
    setattr(progress, _PROGRESS, True)
    progress.setLevel(logging.INFO)
    progress.addFilter(_OnlyProgress())
    progress.setFormatter(logging.Formatter('%(message)s'))
    logger.addHandler(progress)
