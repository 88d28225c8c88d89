# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Knowledge distillation from a teacher's soft predictions (Hinton et al.,
2015), used by the SAKE baseline to limit forgetting."""
from typing import Dict

import torch
import torch.nn.functional as F

from sketret.registry import MODELS

from .base import DistillationLoss
from .utils import check_non_negative, check_positive


@MODELS.register_module()
class KnowledgeDistillationLoss(DistillationLoss):
    """KL divergence between temperature-softened teacher and student.

    ``loss = loss_weight · T² · mean_i KL(softmax(t_i / T) ‖
    softmax(s_i / T))``, with ``t`` the teacher's and ``s`` the student's
    logits. The teacher's logits are detached (the teacher is not trained).
    The ``T²`` factor keeps the gradient scale independent of ``T``.

    Args:
        temperature (float): ``T > 0``. Defaults to 2.0 (default chosen by
            sketret).
        loss_weight (float): Weight ≥ 0. Defaults to 1.0.
        loss_name (str): Key of the returned loss. Defaults to
            ``'loss_kd'``; it must contain ``'loss'`` to be optimised.

    Examples:
        >>> kd = KnowledgeDistillationLoss(temperature=1.0)
        >>> logits = torch.tensor([[1.0, 2.0, 3.0]])
        >>> kd(logits, logits)['loss_kd'].item()  # same predictions
        0.0
    """

    def __init__(self,
                 temperature: float = 2.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_kd'):
        super().__init__()
        owner = type(self).__name__
        self.temperature = check_positive(temperature, 'temperature', owner)
        self.loss_weight = check_non_negative(loss_weight, 'loss_weight',
                                              owner)
        self.loss_name = loss_name

    def forward(self, student_logits: torch.Tensor,
                teacher_logits: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Args:
            student_logits (Tensor): ``(N, K)``.
            teacher_logits (Tensor): ``(N, K)`` (detached here).

        Returns:
            dict[str, Tensor]: ``{loss_name: scalar}``; zero (connected to
            the student) for ``N = 0``.
        """
        if student_logits.shape != teacher_logits.shape or \
                student_logits.dim() != 2:
            raise ValueError(
                f'{type(self).__name__}: expected student and teacher logits '
                'of the same shape (N, K), got '
                f'{tuple(student_logits.shape)} and '
                f'{tuple(teacher_logits.shape)}')
        if student_logits.shape[0] == 0:
            return {self.loss_name: student_logits.sum() * 0.0}
        t = self.temperature
        log_p_student = F.log_softmax(student_logits / t, dim=1)
        log_p_teacher = F.log_softmax(teacher_logits.detach() / t, dim=1)
        kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(1)
        return {self.loss_name: self.loss_weight * t * t * kl.mean()}
