# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Two processes with torchrun and the gloo backend on the CPU."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from sketret_testing import REPO_ROOT, TEST_DATA, tool_env, work_dir_log

REF_CFG = osp.join(REPO_ROOT, 'configs', 'reference',
                   'imagenet-features_efficientnet-lite0_sbir-mini.py')
SMALL = 'test_dataloader.dataset.pipeline.1.scale=(64,64)'


def _torchrun(script, *args, timeout=600):
    # the caller's PYTHONPATH is kept (a checkout on PYTHONPATH is the
    # sketret under test), then this checkout, whichever copy is installed
    env = tool_env({'OMP_NUM_THREADS': '1'})
    env['PYTHONPATH'] = os.pathsep.join([env['PYTHONPATH'], REPO_ROOT])
    # --standalone: torchrun binds a free port itself (a port picked here
    # and released could be taken by another process before it binds it)
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone',
           '--nproc_per_node=2',
           osp.join(REPO_ROOT, 'tools', script), *map(str, args),
           '--launcher', 'pytorch']
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.mark.dist
def test_two_process_training_saves_checkpoints(tmp_path):
    proc = _torchrun('train.py', osp.join(TEST_DATA, 'toy_config.py'),
                     '--work-dir', tmp_path, '--cfg-options',
                     'train_cfg.max_epochs=1')
    assert 'Distributed training: True' in work_dir_log(tmp_path)
    # the terminal: rank 0's progress line only (32 samples, batch 8 on
    # each of 2 processes: 2 iterations)
    epochs = [line for line in proc.stdout.splitlines()
              if line.startswith('Epoch ')]
    assert len(epochs) == 1 and epochs[0].startswith('Epoch 1/1  iter 2/2')
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    # one checkpoint, written once (by rank 0)
    assert sorted(p for p in os.listdir(tmp_path)
                  if p.endswith('.pth')) == ['best_toy_neg_mse_epoch_1.pth',
                                             'epoch_1.pth']


@pytest.mark.dist
def test_distributed_evaluation_equals_single_process(tmp_path, tool):
    from sketret.apis import init_model
    model = init_model(REF_CFG, None, device='cpu')
    ckpt = tmp_path / 'ref.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    single, dist = tmp_path / 'single.json', tmp_path / 'dist.json'
    tool('test.py', REF_CFG, ckpt, '--out', single, '--work-dir',
         tmp_path / 'w1', '--dump-features', tmp_path / 'single.npz',
         '--cfg-options', SMALL)
    _torchrun('test.py', REF_CFG, ckpt, '--out', dist, '--work-dir',
              tmp_path / 'w2', '--dump-features', tmp_path / 'dist.npz',
              '--cfg-options', SMALL)
    a, b = json.loads(single.read_text()), json.loads(dist.read_text())
    assert a['num_queries'] == b['num_queries'] == 245  # no padding dupes
    assert a == b  # bit for bit
    import numpy as np
    fa, fb = np.load(tmp_path / 'single.npz'), np.load(tmp_path / 'dist.npz')
    for key in ('query_labels', 'gallery_labels', 'query_paths',
                'gallery_paths'):
        assert (fa[key] == fb[key]).all(), key


@pytest.mark.dist
def test_one_modality_batches_train_under_ddp(tmp_path):
    """Each rank's batches hold one modality (rank 0 sketches, rank 1
    photos): the other stream must still take part in the graph, or DDP
    stops with 'Expected to have finished reduction'."""
    _torchrun('train.py', osp.join(TEST_DATA, 'one_modality_config.py'),
              '--work-dir', tmp_path, '--no-validate')
    log = work_dir_log(tmp_path)
    assert 'Distributed training: True' in log
    assert 'Saving checkpoint at 2 iterations' in log, log[-3000:]
    # the adversarial loss has nothing to discriminate: logged as 0
    assert 'loss_adv: 0.0000' in log, log[-3000:]
    assert osp.isfile(tmp_path / 'iter_2.pth')
