# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Every loss slot has one calling contract (sketret.models.losses.base)."""
import pytest
import torch
from test_retrievers import build as build_bda
from test_retrievers import make_batch

from sketret.models import losses
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
