# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import logging
import math
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.runner import Runner
from torch.utils.data import Dataset

from sketret.engine import ClassSemanticsHook, GRLScheduleHook, grl_lambda
from sketret.models import GradientReversalLayer
from sketret.registry import HOOKS, MODELS
from sketret.structures.sbir_data_sample import SBIRDataSample

CLASSES = ('apple', 'bell', 'cup')


@MODELS.register_module(name='TinyHookTestNet', force=True)
class TinyNet(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 4, 1)

    def forward(self, x):
        return (torch.relu(self.conv(x)), )


def build_model(**overrides):
    cfg = dict(
        type='BDASketRet',
        backbone=dict(
            type='TwoStreamBackbone', backbone=dict(type='TinyHookTestNet')),
        spatial_discriminator=dict(
            type='SpatialDomainDiscriminator', hidden_channels=(4, 4)),
        encoder=dict(type='StochasticEncoder', embed_dim=4),
        head=dict(type='LinearPrototypeHead', in_dim=3),
        adv_loss=dict(type='DomainAdversarialLoss', loss_weight=0.5),
        ib_loss=dict(type='SymmetricIBLoss', warmup_iters=2,
                     loss_weight=0.1),
        proj_loss=dict(type='TopologyPreservingLoss'),
        semantics=lambda names: torch.eye(3)[[CLASSES.index(n)
                                              for n in names]].numpy(),
        data_preprocessor=dict(
            type='SBIRDataPreprocessor', mean=[128] * 3, std=[64] * 3))
    cfg.update(overrides)
    return MODELS.build(cfg)


class FakeWrapper(nn.Module):
    """Stands in for DDP: mmengine unwraps anything registered as a model
    wrapper; here we only check that ``.module`` is used."""

    def __init__(self, module):
        super().__init__()
        self.module = module


def fake_runner(model, current_iter, max_iters):
    return SimpleNamespace(
        model=model, iter=current_iter, max_iters=max_iters,
        logger=logging.getLogger('test_hooks'),
        train_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(metainfo=dict(classes=CLASSES))))


@pytest.mark.parametrize('current_iter, max_iters, expected', [
    (0, 10, 0.0),
    (5, 10, 2 / (1 + math.exp(-5)) - 1),
    (10, 10, 2 / (1 + math.exp(-10)) - 1),
    (1, 4, 2 / (1 + math.exp(-2.5)) - 1),
])
def test_grl_schedule_sets_lambda_of_progress(current_iter, max_iters,
                                              expected):
    model = build_model()
    hook = GRLScheduleHook()
    hook.before_train_iter(fake_runner(model, current_iter, max_iters), 0)
    layers = [m for m in model.modules()
              if isinstance(m, GradientReversalLayer)]
    assert len(layers) == 1
    assert layers[0].coeff == pytest.approx(expected, abs=1e-9)


def test_grl_lambda_values_and_options():
    assert grl_lambda(0.0) == 0.0
    assert grl_lambda(0.5) == pytest.approx(0.9866142981514305)
    assert grl_lambda(0.5, gamma=2.0, max_coeff=0.5) == pytest.approx(
        0.5 * (2 / (1 + math.exp(-1)) - 1))
    with pytest.raises(ValueError):
        GRLScheduleHook(gamma=-1)


def test_hooks_unwrap_model_wrappers(monkeypatch):
    import sketret.utils.model_wrappers as mod
    model = build_model()
    wrapped = FakeWrapper(model)
    monkeypatch.setattr(mod, 'is_model_wrapper',
                        lambda m: isinstance(m, FakeWrapper))
    GRLScheduleHook().before_train_iter(fake_runner(wrapped, 5, 10), 0)
    assert model.spatial_discriminator.grl.coeff == pytest.approx(
        2 / (1 + math.exp(-5)) - 1)
    ClassSemanticsHook().before_train(fake_runner(wrapped, 0, 10))
    assert model.train_class_names == list(CLASSES)


def test_class_semantics_hook_sets_classes_and_vectors():
    model = build_model()
    ClassSemanticsHook().before_train(fake_runner(model, 0, 10))
    assert model.train_class_names == list(CLASSES)
    assert torch.equal(model.class_vectors, torch.eye(3))
    runner = fake_runner(model, 0, 10)
    runner.train_dataloader.dataset.metainfo = {}
    with pytest.raises(ValueError, match='metainfo'):
        ClassSemanticsHook().before_train(runner)


def test_hooks_are_registered():
    assert HOOKS.get('GRLScheduleHook') is GRLScheduleHook
    assert HOOKS.get('ClassSemanticsHook') is ClassSemanticsHook


class ToyPairs(Dataset):
    """4 sketches and 4 photos of 3 classes, 16x16."""

    metainfo = dict(classes=CLASSES)

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        gen = torch.Generator().manual_seed(idx)
        img = torch.randint(0, 256, (3, 16, 16), generator=gen,
                            dtype=torch.uint8)
        sample = SBIRDataSample(metainfo=dict(
            modality='sketch' if idx % 2 else 'photo', gt_label=idx % 3))
        return dict(inputs=img, data_samples=sample)


def test_hooks_in_an_mmengine_runner(tmp_path):
    """Three iterations of a real Runner: the hooks give the classes and the
    schedule, every loss term and diagnostic is logged."""
    model = build_model()
    runner = Runner(
        model=model,
        work_dir=str(tmp_path),
        experiment_name='test_hooks_in_an_mmengine_runner',
        train_dataloader=dict(
            dataset=ToyPairs(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=8,
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=3),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
        custom_hooks=[ClassSemanticsHook(), GRLScheduleHook()],
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmengine')
    runner.train()
    assert model.train_class_names == list(CLASSES)
    # the IB warm-up reads the progress that mmengine's RuntimeInfoHook
    # recorded in the message hub (no hook tells the model)
    assert model.current_iter == 2 and model.max_iters == 3
    assert model.spatial_discriminator.grl.coeff == pytest.approx(
        grl_lambda(2 / 3))
    scalars = runner.message_hub.log_scalars
    for key in ('loss', 'loss_proj', 'loss_topo', 'loss_adv', 'loss_ib_kl',
                'loss_ib_nce', 'disc_acc', 'grl_coeff', 'ib_beta'):
        assert f'train/{key}' in scalars, key


@pytest.mark.parametrize('batches_per_epoch, warmup_iters', [(40, 20),
                                                             (5, 2)])
def test_ib_warmup_in_epochs_follows_the_iterations_per_epoch(
        batches_per_epoch, warmup_iters):
    """0.5 epochs = 20 iterations with 40 batches per epoch (one GPU), 2
    (2.5 rounded) with 5 (the same data on 8 GPUs): the same share of
    training."""
    model = build_model()
    runner = fake_runner(model, 0, 10)
    runner.train_dataloader = [None] * batches_per_epoch
    GRLScheduleHook(ib_warmup_epochs=0.5).before_train(runner)
    assert model.ib_loss.warmup_iters == warmup_iters
    # beta is half way up after half the warm-up
    assert model.ib_loss.current_beta(warmup_iters / 2) == pytest.approx(
        model.ib_loss.beta * 0.5)


def test_ib_warmup_epochs_needs_an_ib_loss():
    model = build_model(ib_loss=None)
    runner = fake_runner(model, 0, 10)
    runner.train_dataloader = [0] * 4
    with pytest.raises(ValueError, match='ib_warmup_epochs'):
        GRLScheduleHook(ib_warmup_epochs=1).before_train(runner)
    with pytest.raises(ValueError, match='ib_warmup_epochs'):
        GRLScheduleHook(ib_warmup_epochs=-1)
    # without ib_warmup_epochs the hook leaves warmup_iters alone
    model = build_model()
    GRLScheduleHook().before_train(fake_runner(model, 0, 10))
    assert model.ib_loss.warmup_iters == 2
