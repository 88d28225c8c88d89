# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Reconstruct the class word vector from an embedding (the semantic loss
of the Doodle2Search baseline)."""
from typing import Dict, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from sketret.registry import MODELS

from .base import SemanticLoss
from .utils import check_label_range, check_non_negative, masked_mean

LOSS_TYPES = ('l2', 'cosine')


@MODELS.register_module()
class SemanticReconstructionLoss(SemanticLoss):
    """A decoder from the embedding to the class vector, and its error.

    The decoder is an MLP ``embed_dim → hidden_dims… → semantic_dim`` (ReLU
    between layers; a single linear layer when ``hidden_dims`` is empty).
    For every sample with a label ``y >= 0`` it decodes ``ŵ = dec(z)`` and
    compares it with the class vector ``w_y``:

    - ``'l2'``: ``‖ŵ − w_y‖²`` (summed over the dimensions);
    - ``'cosine'``: ``1 − cos(ŵ, w_y)``;

    the loss is ``loss_weight`` times the mean over samples. The decoder's
    parameters belong to the loss, so they are trained with the model.

    Args:
        embed_dim (int): Size ``D`` of the embeddings (the retriever fills
            it in when the config leaves it out).
        semantic_dim (int): Size ``D_w`` of the class vectors. Defaults to
            300 (word2vec).
        hidden_dims (Sequence[int]): Hidden layer sizes. Defaults to
            ``(256, )`` (default chosen by sketret).
        loss_type (str): ``'l2'`` or ``'cosine'``. Defaults to ``'l2'``
            (default chosen by sketret).
        normalize_target (bool): L2-normalise the class vectors first, so
            that the ``'l2'`` error does not depend on the scale of the
            vector file. Defaults to True (default chosen by sketret).
        loss_weight (float): Weight ≥ 0. Defaults to 1.0.
        loss_name (str): Key of the returned loss. Defaults to
            ``'loss_sem'``.

    Examples:
        >>> loss = SemanticReconstructionLoss(embed_dim=8, semantic_dim=4)
        >>> out = loss(torch.randn(5, 8), torch.tensor([0, 1, 1, 0, -1]),
        ...            torch.randn(2, 4))
        >>> sorted(out)
        ['loss_sem']
    """

    def __init__(self,
                 embed_dim: int,
                 semantic_dim: int = 300,
                 hidden_dims: Sequence[int] = (256, ),
                 loss_type: str = 'l2',
                 normalize_target: bool = True,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_sem'):
        super().__init__()
        owner = type(self).__name__
        if loss_type not in LOSS_TYPES:
            raise ValueError(f'{owner}: loss_type must be one of '
                             f'{LOSS_TYPES}, got {loss_type!r}')
        for name, value in (('embed_dim', embed_dim),
                            ('semantic_dim', semantic_dim),
                            *(('hidden_dims', h) for h in hidden_dims)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise ValueError(f'{owner}: {name} must be a positive int, '
                                 f'got {value!r}')
        self.embed_dim = embed_dim
        self.semantic_dim = semantic_dim
        self.loss_type = loss_type
        self.normalize_target = normalize_target
        self.loss_weight = check_non_negative(loss_weight, 'loss_weight',
                                              owner)
        self.loss_name = loss_name
        layers = []
        sizes = [embed_dim, *hidden_dims, semantic_dim]
        for i, (size_in, size_out) in enumerate(zip(sizes, sizes[1:])):
            if i:
                layers.append(nn.ReLU(inplace=True))
            layers.append(nn.Linear(size_in, size_out))
        self.decoder = nn.Sequential(*layers)

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor,
                class_vectors: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Args:
            embeddings (Tensor): ``(N, D)`` embeddings (any modality).
            labels (Tensor): ``(N, )`` indices into ``class_vectors``
                (``-1``: ignored).
            class_vectors (Tensor): ``(C, D_w)``.

        Returns:
            dict[str, Tensor]: ``{loss_name: scalar}``; zero (connected to
            the inputs and the decoder) when no sample has a label.
        """
        owner = type(self).__name__
        if class_vectors.dim() != 2 or \
                class_vectors.shape[1] != self.semantic_dim:
            raise ValueError(
                f'{owner}: expected class vectors of shape (C, '
                f'{self.semantic_dim}), got {tuple(class_vectors.shape)}; '
                'set semantic_dim to the size of the vector file')
        if embeddings.dim() != 2 or embeddings.shape[1] != self.embed_dim:
            raise ValueError(f'{owner}: expected embeddings of shape (N, '
                             f'{self.embed_dim}), got '
                             f'{tuple(embeddings.shape)}')
        labels = labels.reshape(-1).long()
        if labels.numel() != embeddings.shape[0]:
            raise ValueError(f'{owner}: {embeddings.shape[0]} embeddings but '
                             f'{labels.numel()} labels')
        check_label_range(labels, class_vectors.shape[0], owner)
        if labels.numel() == 0:
            return {
                self.loss_name:
                embeddings.sum() * 0.0 +
                sum(p.sum() * 0.0 for p in self.decoder.parameters())
            }
        # every row decoded, unlabelled ones masked: no host-device sync
        valid = labels >= 0
        decoded = self.decoder(embeddings)
        target = class_vectors[labels.clamp_min(0)].to(decoded.dtype)
        if self.normalize_target:
            target = F.normalize(target, dim=1)
        if self.loss_type == 'l2':
            errors = (decoded - target).pow(2).sum(1)
        else:
            errors = 1.0 - F.cosine_similarity(decoded, target, dim=1)
        return {self.loss_name: self.loss_weight * masked_mean(errors, valid)}
