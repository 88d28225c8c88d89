# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import math

import pytest
import torch

from sketret.models.utils import (
    GradientReversalLayer,
    build_class_graph,
    gradient_reversal,
    knn_graph,
    mst_graph,
    normalize_adjacency,
)


def edges(adj):
    """Undirected edge set of a symmetric 0/1 adjacency."""
    assert torch.equal(adj, adj.t())
    assert torch.all(adj.diagonal() == 0)
    return {(i, j)
            for i in range(adj.shape[0]) for j in range(i + 1, adj.shape[0])
            if adj[i, j] > 0}


# ---------------------------------------------------------------- GRL
@pytest.mark.parametrize('coeff', [0.0, 0.3, 1.0, 2.5])
def test_grl_forward_identity_backward_minus_lambda(coeff):
    x = torch.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    upstream = torch.tensor([[0.1, 0.2], [-0.3, 4.0]])
    layer = GradientReversalLayer(coeff=coeff)
    y = layer(x)
    assert torch.equal(y, x)
    (y * upstream).sum().backward()
    assert torch.allclose(x.grad, -coeff * upstream)


def test_grl_coeff_is_settable_and_checked():
    layer = GradientReversalLayer()
    assert layer.coeff == 1.0
    layer.coeff = 0.25
    x = torch.ones(3, requires_grad=True)
    layer(x).sum().backward()
    assert torch.allclose(x.grad, torch.full((3, ), -0.25))
    with pytest.raises(ValueError, match='>= 0'):
        layer.coeff = -1.0
    x2 = torch.ones(2, requires_grad=True)
    gradient_reversal(x2, 2.0).sum().backward()
    assert torch.allclose(x2.grad, torch.full((2, ), -2.0))


# ---------------------------------------------------- GCN normalisation
def test_gcn_normalisation_three_node_path():
    # 0 - 1 - 2; with self-loops the degrees are (2, 3, 2).
    adj = torch.tensor([[0., 1., 0.], [1., 0., 1.], [0., 1., 0.]])
    r6 = 1 / math.sqrt(6)
    expected = torch.tensor([[0.5, r6, 0.0], [r6, 1 / 3, r6], [0.0, r6,
                                                                0.5]])
    assert torch.allclose(normalize_adjacency(adj), expected, atol=1e-6)
    # Without self-loops the degrees are (1, 2, 1).
    r2 = 1 / math.sqrt(2)
    expected = torch.tensor([[0.0, r2, 0.0], [r2, 0.0, r2], [0.0, r2, 0.0]])
    assert torch.allclose(
        normalize_adjacency(adj, self_loops=False), expected, atol=1e-6)


def test_gcn_normalisation_isolated_node_and_bad_shape():
    adj = torch.zeros(2, 2)
    assert torch.allclose(normalize_adjacency(adj), torch.eye(2))
    assert torch.equal(normalize_adjacency(adj, self_loops=False), adj)
    with pytest.raises(ValueError, match='square'):
        normalize_adjacency(torch.zeros(2, 3))


# ------------------------------------------------------- class graphs
def four_vectors():
    # Angles 0, 10, 60, 65 degrees, with different norms (cosine ignores
    # them): two tight pairs {0, 1} and {2, 3}; 1-2 is the closest link
    # between the pairs (50 degrees).
    angles = [0.0, 10.0, 60.0, 65.0]
    norms = [1.0, 3.0, 0.5, 2.0]
    return torch.tensor([[r * math.cos(math.radians(a)),
                          r * math.sin(math.radians(a))]
                         for a, r in zip(angles, norms)])


def test_knn_graph_on_hand_placed_vectors():
    vec = four_vectors()
    assert edges(knn_graph(vec, k=1)) == {(0, 1), (2, 3)}
    # k=2: 0->{1,2}, 1->{0,2}, 2->{3,1}, 3->{2,1}, symmetrised.
    assert edges(knn_graph(vec, k=2)) == {(0, 1), (0, 2), (1, 2), (1, 3),
                                          (2, 3)}
    # k >= C - 1 gives the complete graph.
    assert len(edges(knn_graph(vec, k=10))) == 6
    with pytest.raises(ValueError, match='k must be'):
        knn_graph(vec, k=0)


def test_mst_graph_on_hand_placed_vectors():
    vec = four_vectors()
    assert edges(mst_graph(vec)) == {(0, 1), (1, 2), (2, 3)}
    # Identical vectors (zero distance) are still linked.
    same = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    assert edges(mst_graph(same)) == {(0, 1), (0, 2)} or \
        edges(mst_graph(same)) == {(0, 1), (1, 2)}


def test_build_class_graph_dispatch_and_errors():
    vec = four_vectors()
    assert torch.equal(
        build_class_graph(vec, dict(type='knn', k=1)), knn_graph(vec, 1))
    assert torch.equal(build_class_graph(vec, dict(type='mst')),
                       mst_graph(vec))
    with pytest.raises(ValueError, match='unknown class graph'):
        build_class_graph(vec, dict(type='full'))
    single = build_class_graph(vec[:1], dict(type='knn', k=5))
    assert single.shape == (1, 1) and single.sum() == 0
