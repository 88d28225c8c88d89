# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Training that meets unreadable images and non-finite losses: tiny
in-process runs with the default runtime's hooks."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from PIL import Image
from sketret_testing import REPO_ROOT

from sketret.apis.runner_utils import build_runner
from sketret.engine import CorruptFileHook, TooManyCorruptFilesError
from sketret.engine.hooks.non_finite_loss_hook import non_finite_terms
from sketret.registry import HOOKS, MODELS

RUNTIME = osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py')


@MODELS.register_module(name='RobustnessTestNet', force=True)
class TinySBIRNet(BaseModel):
    """Mean colour -> one number; the loss is its square."""

    def __init__(self):
        super().__init__(data_preprocessor=dict(
            type='SBIRDataPreprocessor', mean=[128] * 3, std=[64] * 3))
        self.linear = nn.Linear(3, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs.mean((2, 3)))
        if mode == 'loss':
            return dict(loss_sq=(out**2).mean())
        return out


@HOOKS.register_module(name='RecordBatchesHook', force=True)
class RecordBatchesHook(Hook):
    """Keeps ``(class, modality, path)`` of every sample of every batch as
    the main process receives it."""
    batches = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        type(self).batches.append([
            (s.class_name, s.modality, s.img_path)
            for s in data_batch['data_samples']
        ])


def make_tree(root, bad):
    """2 seen classes (cat, dog) with 4 sketches and 4 photos each, one
    unseen (owl); the files in ``bad`` are not images."""
    rng = np.random.default_rng(0)
    for modality, ext in (('sketch', 'png'), ('photo', 'jpg')):
        for cls in ('cat', 'dog', 'owl'):
            folder = osp.join(root, modality, cls)
            os.makedirs(folder)
            for i in range(4):
                pixels = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(osp.join(folder, f'{i}.{ext}'))
    for rel in bad:
        with open(osp.join(root, rel), 'wb') as f:
            f.write(b'\x89PNG\r\n\x1a\n not an image')
    return [osp.join(root, rel) for rel in bad]


def train(tmp_path, max_ratio, workers, max_epochs=2):
    root = str(tmp_path / 'data')
    bad = make_tree(root, ['sketch/cat/1.png', 'photo/dog/2.jpg'])
    cfg = Config.fromfile(RUNTIME)
    cfg.merge_from_dict(dict(
        work_dir=str(tmp_path / 'work'),
        model=dict(type='RobustnessTestNet'),
        # 2 classes x (2 sketches + 2 photos): an epoch is 2 batches of 8
        # in which every sketch and every photo appears exactly once
        train_dataloader=dict(
            batch_size=8,
            num_workers=workers,
            dataset=dict(
                type='SketchPhotoFolder', data_root=root,
                split=dict(seen=['cat', 'dog'], unseen=['owl']),
                subset='train', val_ratio=0, on_corrupt='skip',
                pipeline=[dict(type='LoadSBIRImage'),
                          dict(type='PackSBIRInputs')]),
            sampler=dict(type='ClassBalancedPairSampler',
                         classes_per_batch=2, sketches_per_class=2,
                         photos_per_class=2, seed=0),
            batch_sampler=dict(type='ClassBalancedPairBatchSampler')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(
            logger=dict(interval=1), checkpoint=None,
            corrupt_files=dict(max_ratio=max_ratio)),
        custom_hooks=[dict(type='RecordBatchesHook')],
        randomness=dict(seed=0),
        # one logger name per Runner: two Runners built within the same
        # second would share mmengine's time-stamped default name
        experiment_name=f'robustness_{tmp_path.name}'))
    RecordBatchesHook.batches = []
    runner = build_runner(cfg)
    return runner, bad


def log_text(runner):
    with open(runner.logger.log_file) as f:
        return f.read()


def listed(text, path):
    """The lines of a CorruptFileHook listing that name ``path`` once."""
    return [line for line in text.splitlines()
            if line.startswith(f'  corrupt or unreadable image file "{path}"')
            and line.endswith('(1x)')]


def test_unreadable_files_are_replaced_counted_and_logged(tmp_path):
    # limit: 0.15 x 16 samples = 2.4 replacements per epoch
    runner, bad = train(tmp_path, max_ratio=0.15, workers=2)
    runner.train()
    batches = RecordBatchesHook.batches
    assert len(batches) == 4  # 2 epochs of 2 batches
    for batch in batches:
        # the structure of every batch: 2 classes, each with 2 sketches
        # then 2 photos of that class
        classes = [c for c, _, _ in batch]
        assert sorted(set(classes)) == ['cat', 'dog']
        for start in (0, 4):
            assert len(set(classes[start:start + 4])) == 1
            assert [m for _, m, _ in batch[start:start + 4]] == [
                'sketch', 'sketch', 'photo', 'photo']
        assert not set(bad) & {p for _, _, p in batch}
    text = log_text(runner)
    # each bad file appears once per epoch: 2 replacements per epoch
    for epoch in (1, 2):
        assert (f'Epoch {epoch}: 2 training samples replaced because their '
                'file is unreadable (limit 2.4)') in text
    assert 'skipped_samples: 2' in text  # in the losses' log line
    for path in bad:
        # the epoch summaries list it, with how often it was replaced
        assert len(listed(text, path)) == 2
        # and the data-loader worker that met it warned
        assert ('skipping unreadable file (corrupt or unreadable image '
                f'file "{path}"') in text


def test_too_many_unreadable_files_stop_the_run(tmp_path):
    # limit: 0.1 x 16 samples = 1.6; the second bad file stops the run
    runner, bad = train(tmp_path, max_ratio=0.1, workers=2)
    with pytest.raises(TooManyCorruptFilesError) as err:
        runner.train()
    message = str(err.value)
    assert message.startswith('2 training samples of epoch 1 were '
                              'unreadable (more than max_ratio=0.1 of the '
                              '16 samples of an epoch)')
    for path in bad:
        assert len(listed(message, path)) == 1
    assert message in log_text(runner)


def test_corrupt_file_hook_rejects_bad_ratio():
    with pytest.raises(ValueError, match='max_ratio must be in'):
        CorruptFileHook(max_ratio=2)


def test_non_finite_terms_names_the_bad_terms():
    nan, inf = float('nan'), float('inf')
    assert non_finite_terms(
        dict(loss=torch.tensor(nan), loss_a=torch.tensor(1.0),
             loss_b=torch.tensor(inf), acc=torch.tensor(nan))) == dict(
                 loss_b=inf)
    # every term finite, their float32 sum overflows: the total is named
    big = torch.tensor(3e38)
    assert non_finite_terms(dict(loss=big + big, loss_a=big,
                                 loss_b=big)) == dict(loss=inf)
    assert non_finite_terms(dict(loss=torch.tensor(1.5))) == {}
