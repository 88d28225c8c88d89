# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import logging

import pytest
import torch
from mmengine.logging import MMLogger

from sketret.models import (
    LinearPrototypeHead,
    SpatialDomainDiscriminator,
    StochasticEncoder,
    TopologyPreservingProjector,
    knn_graph,
    normalize_adjacency,
)


def test_spatial_discriminator_shapes_and_grl():
    disc = SpatialDomainDiscriminator(in_channels=8, hidden_channels=(6, 4))
    maps = torch.randn(3, 8, 7, 7, requires_grad=True)
    logits = disc((torch.randn(3, 2, 14, 14), maps))  # uses the last map
    assert logits.shape == (3, )
    assert disc.mode == 'grl' and disc.grl.coeff == 1.0
    # The GRL flips the gradient reaching the maps (coeff 1 vs no GRL).
    disc.eval()
    logits = disc(maps)
    g_rev, = torch.autograd.grad(logits.sum(), maps)
    disc.grl.coeff = 0.5
    g_half, = torch.autograd.grad(disc(maps).sum(), maps)
    assert torch.allclose(g_half, 0.5 * g_rev, atol=1e-6)

    plain = SpatialDomainDiscriminator(in_channels=8, mode='minmax')
    assert plain.grl is None
    assert SpatialDomainDiscriminator(in_channels=8, grl=False).mode == \
        'minmax'
    with pytest.raises(ValueError, match='mode'):
        SpatialDomainDiscriminator(in_channels=8, mode='wgan')
    with pytest.raises(ValueError, match='contradicts'):
        SpatialDomainDiscriminator(in_channels=8, mode='minmax', grl=True)


def test_stochastic_encoder_samples_in_training_only():
    torch.manual_seed(0)
    enc = StochasticEncoder(in_channels=8, embed_dim=5)
    maps = torch.randn(4, 8, 3, 3)
    enc.train()
    z, mu, logvar = enc(maps)
    assert z.shape == mu.shape == logvar.shape == (4, 5)
    assert not torch.allclose(z, mu)
    # z - mu is the noise scaled by sigma
    assert torch.allclose(mu, enc.fc_mu(maps.mean(dim=(2, 3))))
    enc.eval()
    z, mu2, _ = enc((maps, ))
    assert torch.equal(z, mu2) and torch.allclose(mu, mu2)


def test_projector_gcn_by_hand_and_any_class_list():
    torch.manual_seed(0)
    head = TopologyPreservingProjector(in_dim=3, hidden_dim=4, out_dim=2,
                                       graph=dict(type='knn', k=1))
    vec = torch.tensor([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0],
                        [0.0, 0.2, 1.0]])
    adj = normalize_adjacency(knn_graph(vec, k=1))
    h = torch.relu(adj @ head.gc1(vec))
    expected = adj @ head.gc2(h)
    out = head(vec)
    assert out.shape == (4, 2)
    assert torch.allclose(out, expected, atol=1e-6)
    # Any class list (e.g. unseen classes) gets its own graph.
    assert head(vec[:3]).shape == (3, 2)
    # kNN graph of these vectors: {0,1} and {2,3}: the two groups do not
    # mix, so prototype 0 does not depend on class vector 3.
    vec2 = vec.clone()
    vec2[3] = torch.tensor([0.0, 0.3, 1.0])
    assert torch.allclose(head(vec2)[0], out[0], atol=1e-6)
    with pytest.raises(ValueError, match=r'\(C, 3\)'):
        head(torch.randn(4, 5))
    with pytest.raises(ValueError, match='unknown class graph'):
        TopologyPreservingProjector(graph=dict(type='full'))
    mst = TopologyPreservingProjector(in_dim=3, hidden_dim=4, out_dim=2,
                                      graph=dict(type='mst'))
    assert mst(vec).shape == (4, 2)


def test_linear_prototype_head():
    head = LinearPrototypeHead(in_dim=3, out_dim=2)
    vec = torch.randn(5, 3)
    assert torch.allclose(head(vec), head.fc(vec))
    with pytest.raises(ValueError, match='in_dim'):
        head(torch.randn(5, 4))


def test_projector_complete_graph_collapses_and_is_reported():
    head = TopologyPreservingProjector(in_dim=3, hidden_dim=4, out_dim=2,
                                       graph=dict(type='knn', k=5))
    vec = torch.randn(4, 3)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        out = head(vec)
    finally:
        logger.removeHandler(handler)
    assert any('complete' in r.getMessage() for r in records)
    # complete graph with self-loops: A_hat = 1/C everywhere
    assert torch.allclose(out, out[:1].expand(4, 2), atol=1e-6)
    small = TopologyPreservingProjector(in_dim=3, hidden_dim=4, out_dim=2,
                                        graph=dict(type='knn', k=1))
    out = small(torch.eye(3)[[0, 0, 1, 2]] + 0.1 * torch.arange(4.)[:, None])
    assert not torch.allclose(out[0], out[3], atol=1e-4)
