# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import copy

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.optim import OptimWrapper

from sketret.models import BDASketRet
from sketret.registry import MODELS
from sketret.structures.sbir_data_sample import SBIRDataSample

CLASSES = ['cat', 'dog', 'pear', 'tank']
W_DIM = 6


@MODELS.register_module(name='TinyRetrieverTestNet', force=True)
class TinyNet(nn.Module):
    """Two stride-2 convs: (B, 3, H, W) -> ((B, 16, H/4, W/4), )."""

    def __init__(self, channels=16):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, channels, 3, 2, 1), nn.BatchNorm2d(channels),
            nn.ReLU())

    def forward(self, x):
        return (self.body(x), )


def model_cfg(**overrides):
    cfg = dict(
        type='BDASketRet',
        backbone=dict(
            type='TwoStreamBackbone',
            backbone=dict(type='TinyRetrieverTestNet')),
        spatial_discriminator=dict(
            type='SpatialDomainDiscriminator', hidden_channels=(8, 8)),
        encoder=dict(type='StochasticEncoder', embed_dim=8),
        head=dict(
            type='TopologyPreservingProjector',
            in_dim=W_DIM,
            hidden_dim=16,
            graph=dict(type='knn', k=2)),
        adv_loss=dict(type='DomainAdversarialLoss', loss_weight=0.5),
        ib_loss=dict(type='SymmetricIBLoss', warmup_iters=4, loss_weight=0.1),
        proj_loss=dict(type='TopologyPreservingLoss'),
        data_preprocessor=dict(
            type='SBIRDataPreprocessor', mean=[128] * 3, std=[64] * 3))
    cfg.update(overrides)
    return cfg


def class_vectors(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(len(CLASSES), W_DIM, generator=gen)


def build(**overrides):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg(**overrides))
    model.set_train_classes(CLASSES, class_vectors())
    return model


def make_batch(size=16, seed=0, hw=32):
    """Mixed batch: sketches and photos interleaved irregularly."""
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(size):
        modality = 'sketch' if (i * 7) % 3 else 'photo'
        label = i % len(CLASSES)
        img = torch.randint(0, 256, (3, hw, hw), generator=gen,
                            dtype=torch.uint8)
        # a class- and modality-dependent pattern, so there is signal
        img[label % 3, :hw // 2] = 40 * (label + 1)
        if modality == 'sketch':
            img[:, :, :4] = 255
        inputs.append(img)
        samples.append(
            SBIRDataSample(
                metainfo=dict(modality=modality, gt_label=label,
                              class_name=CLASSES[label])))
    return dict(inputs=inputs, data_samples=samples)


def optim_wrapper(model, lr=1e-2):
    return OptimWrapper(torch.optim.Adam(model.parameters(), lr=lr))


FULL_KEYS = {
    'loss', 'loss_proj', 'loss_topo', 'loss_adv', 'loss_ib_kl',
    'loss_ib_nce', 'proj_acc', 'disc_acc', 'grl_coeff', 'ib_beta', 'ib_mi_lb'
}


def test_train_step_returns_every_term():
    model = build()
    model.train()
    model.set_progress(2, 10)
    log_vars = model.train_step(make_batch(), optim_wrapper(model))
    assert set(log_vars) == FULL_KEYS
    for key, value in log_vars.items():
        assert torch.isfinite(value), key
    # mmengine sums every key containing 'loss' (diagnostics excluded)
    total = sum(v for k, v in log_vars.items() if k.startswith('loss_'))
    assert log_vars['loss'].item() == pytest.approx(total.item(), rel=1e-5)
    assert log_vars['ib_beta'].item() == pytest.approx(1e-3 * 2 / 4)
    assert log_vars['grl_coeff'].item() == 1.0


def test_predict_sets_unit_norm_feature_per_modality():
    model = build()
    model.eval()
    data = make_batch(size=7)
    samples = model.test_step(copy.deepcopy(data))
    feats = torch.stack([s.feature for s in samples])
    assert feats.shape == (7, 8)
    assert torch.allclose(feats.norm(dim=1), torch.ones(7), atol=1e-5)
    # each sample went through its own modality's stream
    inputs = model.data_preprocessor(data)['inputs']
    for i, sample in enumerate(data['data_samples']):
        expected = F.normalize(
            model.extract_feat(inputs[i:i + 1], sample.modality), dim=1)[0]
        assert torch.allclose(samples[i].feature, expected, atol=1e-5)
        other = 'photo' if sample.modality == 'sketch' else 'sketch'
        wrong = F.normalize(model.extract_feat(inputs[i:i + 1], other),
                            dim=1)[0]
        assert not torch.allclose(samples[i].feature, wrong, atol=1e-3)
    tensor = model(inputs, data['data_samples'], mode='tensor')
    assert tensor.shape == (7, 8)
    with pytest.raises(ValueError, match='modality'):
        model(inputs, None, mode='tensor')
    with pytest.raises(ValueError, match='invalid mode'):
        model(inputs, data['data_samples'], mode='features')


def test_a_few_iterations_lower_the_total_loss():
    model = build()
    model.train()
    wrapper = optim_wrapper(model, lr=1e-2)
    data = make_batch(size=16)
    totals = []
    for it in range(20):
        model.set_progress(it, 20)
        torch.manual_seed(it)
        totals.append(model.train_step(data, wrapper)['loss'].item())
    assert np.mean(totals[-3:]) < 0.8 * np.mean(totals[:3]), totals


@pytest.mark.parametrize('overrides, present, absent', [
    (dict(spatial_discriminator=None), {'loss_proj', 'loss_ib_nce'},
     {'loss_adv', 'disc_acc', 'grl_coeff'}),
    (dict(ib_loss=None), {'loss_adv', 'loss_proj'},
     {'loss_ib_kl', 'loss_ib_nce'}),
    (dict(head=dict(type='LinearPrototypeHead', in_dim=W_DIM)),
     {'loss_proj', 'loss_topo', 'loss_adv'}, set()),
    (dict(head=None), {'loss_adv', 'loss_ib_nce'},
     {'loss_proj', 'loss_topo'}),
    (dict(ib_loss=dict(type='SymmetricIBLoss', mode='vib')),
     {'loss_ib_prior', 'loss_ib_kl'}, {'loss_ib_nce'}),
    (dict(spatial_discriminator=dict(
        type='SpatialDomainDiscriminator', mode='minmax')),
     {'loss_adv', 'loss_adv_gen', 'disc_acc'}, {'grl_coeff'}),
    (dict(share_encoder=True, backbone=dict(
        type='TwoStreamBackbone', share_backbone=True,
        backbone=dict(type='TinyRetrieverTestNet'))), FULL_KEYS, set()),
])
def test_ablations_and_variants_run(overrides, present, absent):
    model = build(**overrides)
    model.train()
    log_vars = model.train_step(make_batch(size=8), optim_wrapper(model))
    assert present <= set(log_vars)
    assert not absent & set(log_vars)
    assert all(torch.isfinite(v) for v in log_vars.values())
    model.eval()
    samples = model.test_step(make_batch(size=4))
    assert all(s.feature.shape == (8, ) for s in samples)


def test_minmax_generator_loss_does_not_train_the_discriminator():
    model = build(spatial_discriminator=dict(
        type='SpatialDomainDiscriminator', mode='minmax'))
    model.train()
    data = model.data_preprocessor(make_batch(size=8))
    losses = model(**data, mode='loss')
    losses['loss_adv_gen'].backward()
    disc = model.spatial_discriminator
    assert all(p.grad is None for p in disc.parameters())
    assert all(p.requires_grad for p in disc.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters())
    model.zero_grad()
    # the discriminator loss trains the discriminator, not the backbones
    losses = model(**data, mode='loss')
    losses['loss_adv'].backward()
    assert all(p.grad is not None for p in disc.parameters())
    assert all(p.grad is None for p in model.backbone.parameters())


def test_training_progress_is_read_from_the_message_hub():
    from mmengine.logging import MessageHub
    model = build()
    model.train()
    data = model.data_preprocessor(make_batch(size=8))
    hub = MessageHub.get_instance('test_progress_from_hub')
    hub.update_info('iter', 3)
    hub.update_info('max_iters', 10)
    assert model.current_iter == 3 and model.max_iters == 10
    # beta warm-up over 4 iterations: 3 of 4
    assert model(**data, mode='loss')['ib_beta'].item() == pytest.approx(
        1e-3 * 3 / 4)
    model.set_progress(1, 10)  # an explicit progress wins
    assert model(**data, mode='loss')['ib_beta'].item() == pytest.approx(
        1e-3 / 4)
    model.set_progress(None)
    assert model.current_iter == 3


def test_progressive_schedule_switches_semantic_losses_on():
    model = build(progressive=dict(semantic_start_iter=5))
    model.train()
    data = model.data_preprocessor(make_batch(size=8))
    model.set_progress(2, 10)
    early = model(**data, mode='loss')
    assert early['semantic_on'].item() == 0
    for key in ('loss_proj', 'loss_topo', 'loss_ib_nce', 'loss_ib_kl'):
        assert early[key].item() == 0
    assert early['loss_adv'].item() > 0
    model.set_progress(7, 10)
    late = model(**data, mode='loss')
    assert late['semantic_on'].item() == 1
    assert late['loss_proj'].item() > 0
    # beta warm-up counts from the semantic start: 2 of 4 iterations
    assert late['ib_beta'].item() == pytest.approx(1e-3 * 2 / 4)
    with pytest.raises(ValueError, match='semantic_start_iter'):
        build(progressive=dict(start=3))


def test_training_before_set_train_classes_errors():
    torch.manual_seed(0)
    model = MODELS.build(model_cfg())
    model.train()
    with pytest.raises(RuntimeError, match='set_train_classes'):
        model.train_step(make_batch(size=4), optim_wrapper(model))
    # predict needs no classes
    model.eval()
    assert len(model.test_step(make_batch(size=2))) == 2


def test_wrong_class_vectors_error():
    model = MODELS.build(model_cfg())
    with pytest.raises(ValueError, match=r'one class vector per class'):
        model.set_train_classes(CLASSES, torch.randn(3, W_DIM))
    with pytest.raises(ValueError, match='in_dim=6'):
        model.set_train_classes(CLASSES, torch.randn(4, 300))
    with pytest.raises(RuntimeError, match='semantics'):
        model.set_train_classes(CLASSES)  # no vectors, no provider
    vec = class_vectors()
    vec[1, 2] = float('nan')
    with pytest.raises(ValueError, match='NaN'):
        model.set_train_classes(CLASSES, vec)


def test_class_vectors_from_a_provider():
    table = dict(zip(CLASSES, class_vectors().numpy()))

    def provider(names):
        missing = [n for n in names if n not in table]
        if missing:
            raise KeyError(f'no vectors for {missing}')
        return np.stack([table[n] for n in names])

    model = MODELS.build(model_cfg(semantics=provider))
    model.set_train_classes(CLASSES[::-1])
    assert torch.allclose(model.class_vectors, class_vectors().flip(0))
    assert model.train_class_names == CLASSES[::-1]
    assert 'class_vectors' not in model.state_dict()  # non-persistent
    with pytest.raises(KeyError, match='zebra'):
        model.set_train_classes(['cat', 'zebra'])
    protos = model.embed_classes(['dog', 'cat'])  # unseen lists work too
    assert protos.shape == (2, 8)


def test_labels_outside_the_training_classes_error():
    model = build()
    model.train()
    data = make_batch(size=4)
    data['data_samples'][0].set_metainfo(dict(gt_label=len(CLASSES)))
    with pytest.raises(ValueError, match='outside the 4 training classes'):
        model.train_step(data, optim_wrapper(model))


@pytest.mark.parametrize('key, cfg', [
    ('adv_loss', dict(type='DomainAdversarialLoss', loss_weight=-0.5)),
    ('ib_loss', dict(type='SymmetricIBLoss', loss_weight=-0.1)),
    ('proj_loss', dict(type='TopologyPreservingLoss', loss_weight=-1.0)),
    ('proj_loss', dict(type='TopologyPreservingLoss', topo_weight=-1.0)),
])
def test_negative_loss_weights_error(key, cfg):
    with pytest.raises(ValueError, match='must be a finite number >= 0'):
        MODELS.build(model_cfg(**{key: cfg}))


def test_bad_configs_error():
    with pytest.raises(ValueError, match='Could not build the backbone'):
        MODELS.build(model_cfg(backbone=dict(
            type='TwoStreamBackbone',
            backbone=dict(type='mmpretrain.ResNet', depth=18,
                          out_indices=(7, )))))
    with pytest.raises(ValueError, match='does not exist'):
        MODELS.build(model_cfg(backbone=dict(
            type='TwoStreamBackbone',
            backbone=dict(type='EfficientNetLite0', pretrained=False,
                          out_indices=(12, )))))
    with pytest.raises(ValueError, match='no loss trains the embedding'):
        MODELS.build(model_cfg(head=None, ib_loss=None))
    with pytest.raises(ValueError, match='needs an adv_loss'):
        MODELS.build(model_cfg(adv_loss=None))
    with pytest.raises(ValueError, match='out_dim'):
        MODELS.build(model_cfg(head=dict(
            type='LinearPrototypeHead', in_dim=W_DIM, out_dim=5)))
    with pytest.raises(TypeError, match='two-stream'):
        MODELS.build(model_cfg(backbone=dict(type='TinyRetrieverTestNet')))


def test_resnet18_two_stream_train_and_test_step():
    model = build(backbone=dict(
        type='TwoStreamBackbone',
        backbone=dict(type='mmpretrain.ResNet', depth=18)))
    assert model.backbone.out_channels == 512
    assert model.spatial_discriminator.in_channels == 512
    model.train()
    log_vars = model.train_step(make_batch(size=8), optim_wrapper(model))
    assert set(log_vars) == FULL_KEYS
    model.eval()
    assert model.test_step(make_batch(size=2))[0].feature.shape == (8, )


def test_is_a_registered_base_model():
    assert MODELS.get('BDASketRet') is BDASketRet
