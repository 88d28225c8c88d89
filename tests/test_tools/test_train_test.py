# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""tools/train.py and tools/test.py end to end on a tiny random-data config
(CPU): train, validate, checkpoint, kill + resume, evaluate, bad input."""
import glob
import json
import os.path as osp

import pytest
import torch
from sketret_testing import TEST_DATA, work_dir_log

import sketret  # noqa: F401  (checkpoint allow-list for torch.load)

TOY_CFG = osp.join(TEST_DATA, 'toy_config.py')


def _weights(path):
    return torch.load(path, map_location='cpu',
                      weights_only=True)['state_dict']


def _assert_same_weights(path, reference_path):
    weights, reference = _weights(path), _weights(reference_path)
    assert sorted(weights) == sorted(reference)
    for key in reference:
        assert torch.equal(weights[key], reference[key]), key


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    from sketret_testing import run_tool
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    proc = run_tool('train.py', TOY_CFG, '--work-dir', work_dir,
                    '--tensorboard')
    return work_dir, proc


def test_train_validates_and_checkpoints(uninterrupted):
    work_dir, proc = uninterrupted
    for epoch in (1, 2, 3):
        assert osp.isfile(osp.join(work_dir, f'epoch_{epoch}.pth'))
    log = work_dir_log(work_dir)
    assert 'Epoch(val) [3]' in log and 'toy/mse' in log
    assert 'eta:' in log  # progress with ETA
    best = [p for p in __import__('os').listdir(work_dir)
            if p.startswith('best_toy_neg_mse')]
    assert len(best) == 1


def test_kill_then_resume_auto_matches_uninterrupted(uninterrupted, tool,
                                                     tmp_path):
    ref_dir, _ = uninterrupted
    work_dir = tmp_path / 'killed'
    proc = tool('train.py', TOY_CFG, '--work-dir', work_dir,
                env={'TOY_KILL_AFTER': '2'}, check=False)
    assert proc.returncode == -9  # killed by SIGKILL
    assert osp.isfile(work_dir / 'epoch_2.pth')
    assert not osp.isfile(work_dir / 'epoch_3.pth')
    tool('train.py', TOY_CFG, '--work-dir', work_dir, '--resume')
    assert 'resumed epoch: 2' in work_dir_log(work_dir)
    _assert_same_weights(work_dir / 'epoch_3.pth',
                         osp.join(ref_dir, 'epoch_3.pth'))


def test_new_run_never_overwrites_existing_checkpoints(tool, tmp_path):
    work_dir = tmp_path / 'wd'
    tool('train.py', TOY_CFG, '--work-dir', work_dir, '--cfg-options',
         'train_cfg.max_epochs=1')
    before = (work_dir / 'epoch_1.pth').read_bytes()
    proc = tool('train.py', TOY_CFG, '--work-dir', work_dir, '--cfg-options',
                'train_cfg.max_epochs=1', 'randomness.seed=7')
    assert 'already holds checkpoints' in proc.stdout
    assert (work_dir / 'epoch_1.pth').read_bytes() == before
    siblings = [p for p in tmp_path.iterdir() if p.name.startswith('wd-')]
    assert len(siblings) == 1
    assert (siblings[0] / 'epoch_1.pth').is_file()


def test_test_tool_evaluates_checkpoint(uninterrupted, tool, tmp_path):
    work_dir, proc = uninterrupted
    out = tmp_path / 'metrics.json'
    test = tool('test.py', TOY_CFG, osp.join(work_dir, 'epoch_3.pth'),
                '--out', out, '--work-dir', tmp_path / 'test_wd')
    metrics = json.loads(out.read_text())
    # The same number the training run logged for epoch 3's validation.
    logged = [line for line in work_dir_log(work_dir).splitlines()
              if 'Epoch(val) [3]' in line and 'toy/mse' in line][-1]
    mse = float(logged.split('toy/mse:')[1].split()[0])
    assert metrics['mse'] == pytest.approx(mse, abs=1e-4)
    assert metrics['neg_mse'] == pytest.approx(-mse, abs=1e-4)
    # and the terminal shows it, in one line
    shown = [line for line in test.stdout.splitlines()
             if line.startswith('Test ')]
    assert len(shown) == 1
    assert float(shown[0].split('toy/mse ')[1].split()[0]) == \
        pytest.approx(mse, abs=1e-4)
    # --out refuses to overwrite without --force.
    proc = tool('test.py', TOY_CFG, osp.join(work_dir, 'epoch_3.pth'),
                '--out', out, check=False)
    assert proc.returncode != 0 and 'already exists' in proc.stderr


def test_train_terminal_is_short_and_the_log_file_complete(uninterrupted):
    """The terminal shows one progress line per epoch (iterations, ETA,
    validation metrics); the environment, the config and mmengine's
    per-iteration lines are in the work dir's log file only."""
    work_dir, proc = uninterrupted
    terminal = (proc.stdout + proc.stderr).splitlines()
    assert len(terminal) <= 5, terminal
    epochs = [line for line in terminal if line.startswith('Epoch ')]
    # toy config: 32 samples / batch 8 = 4 iterations per epoch, 3 epochs
    assert [line.split('  ')[:2] for line in epochs] == [
        ['Epoch 1/3', 'iter 4/12'], ['Epoch 2/3', 'iter 8/12'],
        ['Epoch 3/3', 'iter 12/12']]
    assert all(' eta ' in line and '|  val toy/mse ' in line
               for line in epochs)
    assert not any('WARNING' in line or 'requires_grad' in line
                   for line in terminal)
    log = work_dir_log(work_dir)
    assert 'System environment' in log and 'Config:' in log
    assert log.count('Epoch(train)') == 12  # logger interval 1
    assert 'Epoch 3/3  iter 12/12' in log  # the progress lines too


def test_train_writes_tensorboard_events(uninterrupted):
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    work_dir, _ = uninterrupted
    events = glob.glob(osp.join(work_dir, '*', 'vis_data', 'events.out.*'))
    assert len(events) == 1
    acc = EventAccumulator(events[0])
    acc.Reload()
    loss = acc.Scalars('loss')
    assert [e.step for e in loss] == list(range(1, 13))
    # the same values as mmengine's scalars.json (LocalVisBackend)
    with open(osp.join(osp.dirname(events[0]), 'scalars.json')) as f:
        scalars = [json.loads(line) for line in f]
    expected = [s['loss'] for s in scalars if 'loss' in s]
    assert [e.value for e in loss] == pytest.approx(expected, rel=1e-6)
    assert [e.value for e in acc.Scalars('toy/mse')] == pytest.approx(
        [s['toy/mse'] for s in scalars if 'toy/mse' in s], rel=1e-6)


@pytest.mark.parametrize('args, message', [
    (['no/such/config.py'], 'Config file "no/such/config.py" does not exist'),
    ([TOY_CFG, '--cfg-options', 'model.dimm=3'],
     '"dimm" is not a key of model, nor an argument of its type '
     'ToyRegressor. Did you mean: dim?'),
    ([TOY_CFG, '--cfg-options', 'train_cfg.max_epoch=1'],
     'Did you mean: max_epochs'),
    ([TOY_CFG, '--resume', 'no/such.pth'], 'no/such.pth" does not exist'),
])
def test_train_bad_input(tool, args, message):
    proc = tool('train.py', *args, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_work_dir_that_is_a_file(tool, tmp_path):
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    proc = tool('train.py', TOY_CFG, '--work-dir', a_file, check=False)
    assert proc.returncode != 0
    assert 'exists and is a file' in proc.stderr


def test_test_tool_bad_checkpoint(tool, tmp_path):
    proc = tool('test.py', TOY_CFG, tmp_path / 'missing.pth', check=False)
    assert proc.returncode != 0
    assert 'missing.pth" does not exist' in proc.stderr
    # A checkpoint of another model: the error lists the keys.
    other = tmp_path / 'other.pth'
    torch.save({'state_dict': {'conv.weight': torch.zeros(1)}}, other)
    proc = tool('test.py', TOY_CFG, other, '--work-dir', tmp_path / 'wd',
                check=False)
    assert proc.returncode != 0
    assert 'does not match the model' in proc.stderr
    assert 'linear.weight' in proc.stderr and 'conv.weight' in proc.stderr


def test_launcher_pytorch_without_torchrun(tool):
    proc = tool('train.py', TOY_CFG, '--launcher', 'pytorch', check=False,
                env={'RANK': '', 'WORLD_SIZE': ''})
    assert proc.returncode != 0
    assert 'torchrun' in proc.stderr


def test_nan_loss_stops_keeps_checkpoint_and_resumes(uninterrupted, tool,
                                                     tmp_path):
    """A NaN loss term at iteration 7 (4 iterations per epoch: epoch 2,
    batch 3) stops the run naming both; epoch 1's checkpoint stays the
    last one, and --resume from it ends where an uninterrupted run ends."""
    ref_dir, _ = uninterrupted
    work_dir = tmp_path / 'nan'
    proc = tool('train.py', TOY_CFG, '--work-dir', work_dir,
                env={'TOY_NAN_AT_ITER': '7'}, check=False)
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    message = [line for line in proc.stderr.splitlines()
               if line.startswith('tools/train.py: error:')]
    assert len(message) == 1, proc.stderr[-3000:]
    assert ('Non-finite loss at iteration 7 (epoch 2, batch 3 of 4): '
            'loss_bad=nan (rank 0).') in message[0]
    assert 'loss_mse' not in message[0]  # finite terms are not blamed
    assert 'epoch_1.pth", is intact' in message[0]
    # the message is in the run's log file too
    logs = list(work_dir.glob('*/*.log'))
    assert len(logs) == 1 and 'Non-finite loss at iteration 7' in (
        logs[0].read_text())
    # nothing of the failed epoch was saved; epoch 1 is the good one
    assert not osp.exists(work_dir / 'epoch_2.pth')
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith(
        'epoch_1.pth')
    _assert_same_weights(work_dir / 'epoch_1.pth',
                         osp.join(ref_dir, 'epoch_1.pth'))
    tool('train.py', TOY_CFG, '--work-dir', work_dir, '--resume')
    assert 'resumed epoch: 1' in work_dir_log(work_dir)
    _assert_same_weights(work_dir / 'epoch_3.pth',
                         osp.join(ref_dir, 'epoch_3.pth'))
