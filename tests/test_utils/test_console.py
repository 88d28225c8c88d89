# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""setup_console: the terminal shows warnings and progress lines, the log
file keeps everything."""
import logging

import pytest
from mmengine.logging import MMLogger

from sketret.utils.console import log_progress, setup_console


def _log_all(logger):
    logger.info('an info line')
    logger.warning('a warning line')
    logger.warning('"FileClient" will be deprecated in future. Please use')
    log_progress('Epoch 1/2  iter 3/6', logger)


@pytest.mark.parametrize('level, shown', [
    ('WARNING', ['a warning line', 'Epoch 1/2  iter 3/6']),
    ('INFO', ['an info line', 'a warning line', 'Epoch 1/2  iter 3/6']),
    ('ERROR', ['Epoch 1/2  iter 3/6']),
])
def test_terminal_and_file(level, shown, tmp_path, capsys):
    log_file = tmp_path / 'run.log'
    logger = MMLogger.get_instance(f'console-{level}', log_file=str(log_file),
                                   log_level='INFO')
    setup_console(logger, level)
    setup_console(logger, level)  # idempotent: no second progress handler
    _log_all(logger)
    out = capsys.readouterr().out.splitlines()
    assert [line for line in shown
            if any(line in printed for printed in out)] == shown
    assert len(out) == len(shown), out
    # progress lines are printed plain, without mmengine's prefix
    if level != 'INFO':
        assert 'Epoch 1/2  iter 3/6' in out
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            handler.flush()
    text = log_file.read_text()
    for line in ('an info line', 'a warning line', 'FileClient',
                 'Epoch 1/2  iter 3/6'):
        assert line in text


def test_unknown_level_is_refused():
    logger = MMLogger.get_instance('console-bad')
    with pytest.raises(ValueError, match='console_log_level must be'):
        setup_console(logger, 'LOUD')


def test_progress_line_shows_real_valued_metrics():
    import torch

    from sketret.engine.hooks.progress_hook import format_metrics
    line = format_metrics({'textbook/mAP@all': 0.41236,
                           'textbook/P@10': torch.tensor(0.5),
                           'textbook/num_queries': 60})
    assert line == 'textbook/mAP@all 0.4124  textbook/P@10 0.5000'
