# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Heads that map class vectors (word vectors etc.) to class prototypes in
the shared latent space."""
import logging
from typing import Optional

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule

from sketret.registry import MODELS

from ..utils import build_class_graph, normalize_adjacency


def _check_class_vectors(vectors: torch.Tensor, in_dim: int,
                         owner: str) -> None:
    if vectors.dim() != 2 or vectors.shape[1] != in_dim:
        raise ValueError(
            f'{owner} expects class vectors of shape (C, {in_dim}), got '
            f'{tuple(vectors.shape)}; the class-vector file and the head '
            'in_dim must agree')


@MODELS.register_module()
class TopologyPreservingProjector(BaseModule):
    """A 2-layer GCN over a class graph: class vectors → class prototypes.

    ``P = Â · ReLU(Â · W · H1) · H2`` where ``Â = D^-1/2 (A + I) D^-1/2`` and
    ``A`` is a graph over the given classes built from the cosine similarity
    of their vectors (kNN, symmetrised; or a minimum spanning tree). The
    graph is built for whatever classes are passed to :meth:`forward`, so the
    head can embed unseen classes too (for analysis).

    With ``k >= C - 1`` the kNN graph is complete, ``Â`` is the constant
    ``1/C`` matrix and every class gets the same prototype: use a smaller
    ``k`` (or the MST graph) for few classes (a warning is logged).

    Args:
        in_dim (int): Class vector size (300 for word2vec). Defaults to 300.
        hidden_dim (int): GCN hidden size. Defaults to 512.
        out_dim (int): Prototype size, the latent size D. Defaults to 128.
        graph (dict): ``dict(type='knn', k=5)`` (default; k=5 chosen by
            sketret) or ``dict(type='mst')`` (needs scipy).
        self_loops (bool): Use ``A + I``. Defaults to True.
        init_cfg (dict, optional): mmengine init config.

    Examples:
        >>> head = TopologyPreservingProjector(in_dim=4, hidden_dim=8,
        ...                                    out_dim=3)
        >>> head(torch.randn(6, 4)).shape
        torch.Size([6, 3])
    """

    def __init__(self,
                 in_dim: int = 300,
                 hidden_dim: int = 512,
                 out_dim: int = 128,
                 graph: dict = dict(type='knn', k=5),
                 self_loops: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.in_dim = in_dim
        self.out_dim = out_dim
        self.graph = dict(graph)
        self.self_loops = self_loops
        # Fail on a bad graph config now rather than at the first iteration.
        build_class_graph(torch.eye(3), self.graph)
        self.gc1 = nn.Linear(in_dim, hidden_dim)
        self.gc2 = nn.Linear(hidden_dim, out_dim)
        self.act = nn.ReLU(inplace=True)
        # (source tensor, its version, a copy of it, normalised adjacency)
        self._cache = None

    def normalized_adjacency(self,
                             class_vectors: torch.Tensor) -> torch.Tensor:
        """``(C, C)`` normalised adjacency ``Â`` of the class graph (cached
        while the class vectors stay the same)."""
        vectors = class_vectors.detach()
        if self._cache is not None:
            source, version, cached_vectors, cached_adj = self._cache
            # the same tensor, not modified in place since: no comparison
            # of values (which would make the host wait for the device)
            if source is class_vectors and version == class_vectors._version:
                return cached_adj
            if (cached_vectors.shape == vectors.shape
                    and cached_vectors.device == vectors.device
                    and cached_adj.dtype == vectors.dtype
                    and torch.equal(cached_vectors, vectors)):
                self._cache = (class_vectors, class_vectors._version,
                               cached_vectors, cached_adj)
                return cached_adj
        graph = build_class_graph(vectors, self.graph)
        num = graph.shape[0]
        if num > 2 and self.self_loops and bool(
                (graph + torch.eye(num, device=graph.device) > 0).all()):
            print_log(
                f'TopologyPreservingProjector: the class graph over {num} '
                f'classes is complete ({self.graph}), so the GCN gives every '
                'class the same prototype; use a smaller k (k < C - 1) or '
                "graph=dict(type='mst') for so few classes",
                logger='current',
                level=logging.WARNING)
        adj = normalize_adjacency(graph, self.self_loops)
        self._cache = (class_vectors, class_vectors._version,
                       vectors.clone(), adj)
        return adj

    def forward(self, class_vectors: torch.Tensor) -> torch.Tensor:
        """Args:
            class_vectors (Tensor): ``(C, in_dim)``.

        Returns:
            Tensor: ``(C, out_dim)`` prototypes, one per class.
        """
        _check_class_vectors(class_vectors, self.in_dim, type(self).__name__)
        adj = self.normalized_adjacency(class_vectors)
        h = self.act(adj @ self.gc1(class_vectors))
        return adj @ self.gc2(h)


@MODELS.register_module()
class LinearPrototypeHead(BaseModule):
    """The "no GCN" ablation: a linear map of each class vector, no graph.

    Args:
        in_dim (int): Class vector size. Defaults to 300.
        out_dim (int): Prototype size D. Defaults to 128.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_dim: int = 300,
                 out_dim: int = 128,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.in_dim = in_dim
        self.out_dim = out_dim
        self.fc = nn.Linear(in_dim, out_dim)

    def forward(self, class_vectors: torch.Tensor) -> torch.Tensor:
        """``(C, in_dim)`` class vectors → ``(C, out_dim)`` prototypes."""
        _check_class_vectors(class_vectors, self.in_dim, type(self).__name__)
        return self.fc(class_vectors)
