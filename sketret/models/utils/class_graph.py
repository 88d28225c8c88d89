# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Class graphs built from class vectors, and GCN normalisation."""
import numpy as np
import torch
import torch.nn.functional as F

GRAPH_TYPES = ('knn', 'mst')


def cosine_similarity_matrix(x: torch.Tensor) -> torch.Tensor:
    """Pairwise cosine similarity of the rows of ``x`` ``(N, D)`` →
    ``(N, N)``; a zero row has similarity 0 to everything."""
    x = F.normalize(x, dim=1)
    return x @ x.t()


def knn_graph(vectors: torch.Tensor, k: int = 5) -> torch.Tensor:
    """Symmetrised k-nearest-neighbour graph by cosine similarity.

    Each class is linked to its ``k`` most similar other classes (``k`` is
    capped at ``C - 1``), then ``A = max(A, Aᵀ)``. Edges are binary
    (default chosen by sketret); no self-loops.

    Args:
        vectors (Tensor): ``(C, D)`` class vectors.
        k (int): Neighbours per class, ≥ 1.

    Returns:
        Tensor: ``(C, C)`` float adjacency with 0/1 entries, zero diagonal.
    """
    if k < 1:
        raise ValueError(f'knn graph: k must be >= 1, got {k}')
    num = vectors.shape[0]
    adj = vectors.new_zeros(num, num)
    if num < 2:
        return adj
    sim = cosine_similarity_matrix(vectors.detach().float())
    sim.fill_diagonal_(float('-inf'))
    idx = sim.topk(min(k, num - 1), dim=1).indices
    adj.scatter_(1, idx, 1.0)
    return torch.maximum(adj, adj.t())


def mst_graph(vectors: torch.Tensor) -> torch.Tensor:
    """Minimum spanning tree of the classes under cosine distance.

    Uses ``scipy.sparse.csgraph.minimum_spanning_tree`` on the cosine
    distance ``1 - cos`` shifted by +1: every spanning tree has ``C - 1``
    edges, so the shift does not change which tree is minimal, and it keeps
    the weights of identical vectors away from zero (scipy reads a zero, or
    a value within its tolerance of zero, as "no edge"). Edges are binary
    and symmetric.

    Args:
        vectors (Tensor): ``(C, D)`` class vectors.

    Returns:
        Tensor: ``(C, C)`` float adjacency with ``2(C - 1)`` ones.
    """
    from scipy.sparse.csgraph import minimum_spanning_tree

    num = vectors.shape[0]
    if num < 2:
        return vectors.new_zeros(num, num)
    sim = cosine_similarity_matrix(vectors.detach().double().cpu()).numpy()
    dist = 2.0 - np.clip(sim, -1.0, 1.0)
    np.fill_diagonal(dist, 0.0)
    tree = minimum_spanning_tree(dist).toarray() > 0
    adj = np.logical_or(tree, tree.T).astype(np.float32)
    return torch.from_numpy(adj).to(device=vectors.device,
                                    dtype=vectors.dtype)


def build_class_graph(vectors: torch.Tensor, graph: dict) -> torch.Tensor:
    """Build the class graph described by ``graph``.

    Args:
        vectors (Tensor): ``(C, D)`` class vectors.
        graph (dict): ``dict(type='knn', k=5)`` or ``dict(type='mst')``.

    Returns:
        Tensor: ``(C, C)`` adjacency without self-loops.
    """
    graph = dict(graph)
    kind = graph.pop('type', None)
    if kind == 'knn':
        return knn_graph(vectors, **graph)
    if kind == 'mst':
        if graph:
            raise ValueError(f'mst graph takes no options, got {graph}')
        return mst_graph(vectors)
    raise ValueError(
        f'unknown class graph type {kind!r}; use one of {GRAPH_TYPES}')


def normalize_adjacency(adj: torch.Tensor,
                        self_loops: bool = True) -> torch.Tensor:
    """GCN normalisation ``D^-1/2 (A + I) D^-1/2`` (Kipf & Welling).

    Args:
        adj (Tensor): ``(N, N)`` adjacency.
        self_loops (bool): Add ``I`` before normalising. Defaults to True.
            Without self-loops an isolated node gets a zero row.

    Returns:
        Tensor: ``(N, N)`` normalised adjacency ``Â`` with
        ``Â_ij = Ã_ij / sqrt(d_i d_j)``, ``d = Ã 1``.
    """
    if adj.dim() != 2 or adj.shape[0] != adj.shape[1]:
        raise ValueError(f'adjacency must be square, got {tuple(adj.shape)}')
    if self_loops:
        adj = adj + torch.eye(adj.shape[0], dtype=adj.dtype, device=adj.device)
    deg = adj.sum(dim=1)
    inv_sqrt = torch.where(deg > 0, deg.clamp_min(1e-12).rsqrt(),
                           torch.zeros_like(deg))
    return inv_sqrt[:, None] * adj * inv_sqrt[None, :]
