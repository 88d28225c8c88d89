# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The calling contract of every loss slot of sketret's retrievers.

A retriever fills a few *slots* with loss modules from its config and
calls each slot the same way, whatever loss sits in it:

============== ================================================== =========
slot           call                                               default
============== ================================================== =========
metric         ``loss(e_s (Ns, D), y_s (Ns, ), e_p (Np, D),       loss_metric
               y_p (Np, ))``: sketch anchors, photo candidates
domain         ``loss(logits (N, ), is_sketch (N, ))``: a domain  loss_domain
               classifier's logits, target 1 = sketch, 0 = photo
semantic       ``loss(e (N, D), y (N, ), class_vectors (C, D_w))`` loss_sem
classification ``loss(logits (N, K), y (N, ))`` (seen classes)    loss_cls
distillation   ``loss(student (N, K), teacher (N, K))`` logits    loss_distill
projection     ``loss(z_s, y_s, z_p, y_p, prototypes (C, D),      loss_proj
               class_vectors (C, D_w))``
information    ``loss(mu_s, logvar_s, z_s, y_s, mu_p, logvar_p,   loss_ib
               z_p, y_p, current_iter=t)``
============== ================================================== =========

Shared rules of every slot:

- Labels are long tensors; ``-1`` marks a distractor (a negative only,
  never a class to predict). Either modality may be empty (``N = 0``).
- A loss returns a ``dict`` of named scalar tensors. Keys containing
  ``'loss'`` are summed and optimised by mmengine; the others are only
  logged (e.g. ``proj_acc``). Log values stay tensors: the logger converts
  them once per logging interval, so a loss never calls ``.item()``.
- No host-device synchronisation: no ``.item()``, ``bool(tensor)`` or
  Python branches on tensor values; an empty selection gives a zero that
  stays connected to the inputs (so every parameter gets a gradient).
- Losses from other libraries (e.g. ``mmpretrain.CrossEntropyLoss``) may
  return one tensor: :func:`loss_terms` names it with the slot's default
  term name.

sketret's losses subclass the base class of their slot (e.g.
:class:`MetricLoss`), which states the contract in code and lets a
retriever check a config early.
"""
from abc import abstractmethod
from typing import Dict, Mapping

import torch
import torch.nn as nn

#: slot name -> the term name given to a loss that returns one tensor
SLOT_DEFAULT_TERMS = {
    'metric': 'loss_metric',
    'domain': 'loss_domain',
    'semantic': 'loss_sem',
    'classification': 'loss_cls',
    'distillation': 'loss_distill',
    'projection': 'loss_proj',
    'information': 'loss_ib',
}


def loss_terms(slot: str, result) -> Dict[str, torch.Tensor]:
    """A loss module's output in ``slot`` as a dict of named terms.

    Args:
        slot (str): One of ``SLOT_DEFAULT_TERMS``.
        result (dict | Tensor): What the loss returned.

    Raises:
        KeyError: An unknown slot.
        TypeError: ``result`` is neither a mapping nor a tensor.
    """
    if slot not in SLOT_DEFAULT_TERMS:
        raise KeyError(f'unknown loss slot {slot!r}; expected one of '
                       f'{tuple(SLOT_DEFAULT_TERMS)}')
    if isinstance(result, Mapping):
        return dict(result)
    if isinstance(result, torch.Tensor):
        return {SLOT_DEFAULT_TERMS[slot]: result}
    raise TypeError(f'a {slot} loss must return a dict of tensors or one '
                    f'tensor, got {type(result).__name__}')


def check_slot(module: nn.Module, slot: str, owner: str) -> nn.Module:
    """Return ``module`` if it may sit in ``slot``: a loss declaring another
    slot (its ``slot`` attribute) is a config error; a loss from another
    library (no ``slot``) is trusted.

    Raises:
        TypeError: ``module`` declares a different slot.
    """
    declared = getattr(module, 'slot', None)
    if declared is not None and declared != slot:
        raise TypeError(
            f'{owner}: {type(module).__name__} is a {declared} loss, but it '
            f'was given as the {slot} loss (calls differ per slot, see '
            'sketret.models.losses.base)')
    return module


class MetricLoss(nn.Module):
    """Base of the ``metric`` slot (see the module docstring)."""

    slot = 'metric'

    @abstractmethod
    def forward(self, anchors: torch.Tensor, anchor_labels: torch.Tensor,
                candidates: torch.Tensor,
                candidate_labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``(Ns, D)`` sketch embeddings and ``(Ns, )`` labels, ``(Np, D)``
        photo embeddings and ``(Np, )`` labels → named terms."""


class DomainLoss(nn.Module):
    """Base of the ``domain`` slot (see the module docstring)."""

    slot = 'domain'

    @abstractmethod
    def forward(self, logits: torch.Tensor,
                is_sketch: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``(N, )`` logits and ``(N, )`` targets (1 sketch, 0 photo) →
        named terms."""


class SemanticLoss(nn.Module):
    """Base of the ``semantic`` slot (see the module docstring)."""

    slot = 'semantic'

    @abstractmethod
    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor,
                class_vectors: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``(N, D)`` embeddings of both modalities, ``(N, )`` labels and
        the ``(C, D_w)`` training classes' vectors → named terms."""


class DistillationLoss(nn.Module):
    """Base of the ``distillation`` slot (see the module docstring)."""

    slot = 'distillation'

    @abstractmethod
    def forward(self, student_logits: torch.Tensor,
                teacher_logits: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``(N, K)`` student and teacher logits → named terms."""


class ProjectionLoss(nn.Module):
    """Base of the ``projection`` slot (see the module docstring)."""

    slot = 'projection'

    @abstractmethod
    def forward(self, z_sketch: torch.Tensor, labels_sketch: torch.Tensor,
                z_photo: torch.Tensor, labels_photo: torch.Tensor,
                prototypes: torch.Tensor,
                class_vectors: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Per-modality ``(N, D)`` embeddings and ``(N, )`` labels, the
        ``(C, D)`` class prototypes and ``(C, D_w)`` class vectors → named
        terms."""


class InformationLoss(nn.Module):
    """Base of the ``information`` slot (see the module docstring)."""

    slot = 'information'

    @abstractmethod
    def forward(self, mu_s: torch.Tensor, logvar_s: torch.Tensor,
                z_s: torch.Tensor, labels_s: torch.Tensor,
                mu_p: torch.Tensor, logvar_p: torch.Tensor,
                z_p: torch.Tensor, labels_p: torch.Tensor,
                current_iter=None) -> Dict[str, torch.Tensor]:
        """Each modality's ``(N, D)`` Gaussian parameters and samples and
        ``(N, )`` labels, and the training iteration → named terms."""
