# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Every loss slot has one calling contract (sketret.models.losses.base)."""
import pytest
import torch
from test_baselines import CLASSES as SPR_CLASSES
from test_baselines import build as build_spr
from test_baselines import make_batch as make_spr_batch
from test_retrievers import build as build_bda
from test_retrievers import make_batch

from sketret.models import losses
from sketret.models.losses import (
    semantic_reconstruction_loss,
    topology_preserving_loss,
)
from sketret.models.losses.base import (
    SLOT_DEFAULT_TERMS,
    check_slot,
    loss_terms,
)
from sketret.registry import MODELS

# the slot each shipped loss is written for (from its docstring)
SHIPPED = {
    'TripletLoss': 'metric',
    'DomainAdversarialLoss': 'domain',
    'SemanticReconstructionLoss': 'semantic',
    'KnowledgeDistillationLoss': 'distillation',
    'TopologyPreservingLoss': 'projection',
    'SymmetricIBLoss': 'information',
}


@pytest.mark.parametrize('name, slot', sorted(SHIPPED.items()))
def test_shipped_losses_declare_their_slot(name, slot):
    assert getattr(losses, name).slot == slot
    assert slot in SLOT_DEFAULT_TERMS


def test_every_registered_loss_declares_a_slot():
    registered = {
        k for k, v in MODELS.module_dict.items()
        if k.endswith('Loss') and v.__module__.startswith('sketret.')
    }
    assert registered == set(SHIPPED)


def test_loss_terms_names_a_lone_tensor_and_keeps_dicts():
    one = torch.tensor(2.0)
    assert loss_terms('classification', one) == {'loss_cls': one}
    assert loss_terms('metric', {'loss_x': one, 'acc': one}) == {
        'loss_x': one, 'acc': one}
    with pytest.raises(TypeError, match='metric loss must return'):
        loss_terms('metric', [one])
    with pytest.raises(KeyError, match='unknown loss slot'):
        loss_terms('ranking', one)


def test_a_loss_in_the_wrong_slot_is_refused_at_build_time():
    triplet = MODELS.build(dict(type='TripletLoss'))
    assert check_slot(triplet, 'metric', 'X') is triplet
    # a loss of another library declares no slot: trusted
    ce = MODELS.build(dict(type='mmpretrain.CrossEntropyLoss'))
    assert check_slot(ce, 'classification', 'X') is ce
    with pytest.raises(TypeError, match='BDASketRet: TripletLoss is a '
                       'metric loss, but it was given as the information'):
        build_bda(ib_loss=dict(type='TripletLoss'))


def test_one_modality_batch_gives_zero_domain_terms_and_grads_everywhere():
    """Both retrievers share the domain terms: nothing to discriminate in a
    batch of sketches only, yet the discriminator stays in the graph."""
    model = build_bda()
    model.train()
    data = make_batch(size=8)
    keep = [i for i, s in enumerate(data['data_samples'])
            if s.modality == 'sketch']
    data = dict(inputs=[data['inputs'][i] for i in keep],
                data_samples=[data['data_samples'][i] for i in keep])
    data = model.data_preprocessor(data, True)
    out = model(**data, mode='loss')
    assert out['loss_adv'].item() == 0 and out['disc_acc'].item() == 0
    sum(v for k, v in out.items() if 'loss' in k).backward()
    for p in model.spatial_discriminator.parameters():
        assert p.grad is not None and not p.grad.any()
    # the photo stream took no part, yet has (zero) gradients: under DDP
    # every rank must reduce every parameter
    for name, p in model.named_parameters():
        assert p.grad is not None, name
    photo = model.backbone.get_backbone('photo')
    assert all(not p.grad.any() for p in photo.parameters())
    sketch = model.backbone.get_backbone('sketch')
    assert any(p.grad.any() for p in sketch.parameters())


def doodle2search_like():
    """The SketchPhotoRetriever with triplet, domain and semantic terms."""
    model = build_spr(
        domain_classifier=dict(type='SpatialDomainDiscriminator',
                               hidden_channels=(8, 4)),
        domain_loss=dict(type='DomainAdversarialLoss', loss_weight=0.5),
        semantic_loss=dict(type='SemanticReconstructionLoss', semantic_dim=6,
                           hidden_dims=(16, )))
    model.set_train_classes(SPR_CLASSES, torch.randn(3, 6))
    return model, make_spr_batch()


def bda_sketret():
    model = build_bda()
    model.set_progress(3, 10)
    return model, make_batch(size=8)


@pytest.mark.parametrize('build_model', [bda_sketret, doodle2search_like])
def test_loss_path_reads_no_tensor_value_on_the_host(monkeypatch,
                                                     build_model):
    """No bool(tensor), .item(), int/float(tensor) in a training step's
    loss (each would make the host wait for the device on a GPU); checked
    on the CPU by making them raise. The GCN head's class graph is built
    (and cached) at the first step, so the second step is checked."""
    model, batch = build_model()
    model.train()
    data = model.data_preprocessor(batch, True)
    model(**data, mode='loss')

    def refuse(self, *args):
        raise AssertionError('a tensor value was read on the host')

    # the losses' own label checks read values on the CPU only (on a GPU
    # the retriever has checked the labels on the host): off here
    for module in (topology_preserving_loss, semantic_reconstruction_loss):
        monkeypatch.setattr(module, 'check_label_range', lambda *args: None)
    for name in ('__bool__', 'item', '__int__', '__float__', 'tolist'):
        monkeypatch.setattr(torch.Tensor, name, refuse)
    losses = model(**data, mode='loss')
    monkeypatch.undo()
    assert sum('loss' in key for key in losses) >= 3
    with pytest.raises(AssertionError, match='read on the host'):
        monkeypatch.setattr(torch.Tensor, '__bool__', refuse)
        bool(torch.ones(()))
