# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Gradient reversal (Ganin & Lempitsky, 2015)."""
import torch
import torch.nn as nn


class GradientReversal(torch.autograd.Function):
    """Identity in the forward pass; multiplies the gradient by ``-coeff``.

    Use :func:`gradient_reversal` or :class:`GradientReversalLayer` rather
    than calling ``GradientReversal.apply`` directly.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, coeff: float) -> torch.Tensor:
        ctx.coeff = float(coeff)
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        return -ctx.coeff * grad_output, None


def gradient_reversal(x: torch.Tensor, coeff: float = 1.0) -> torch.Tensor:
    """Apply :class:`GradientReversal` with coefficient ``coeff`` (λ).

    Args:
        x (Tensor): Any shape.
        coeff (float): λ ≥ 0; the backward pass returns ``-λ · grad``.

    Returns:
        Tensor: ``x`` unchanged (same shape), with reversed gradient.
    """
    return GradientReversal.apply(x, coeff)


class GradientReversalLayer(nn.Module):
    """A module wrapper of :class:`GradientReversal` with a settable λ.

    The forward pass is the identity; the backward pass multiplies the
    incoming gradient by ``-coeff``. ``coeff`` is a plain attribute (not a
    parameter or buffer): :class:`~sketret.engine.GRLScheduleHook` sets it
    before every training iteration.

    Args:
        coeff (float): The initial λ. Defaults to 1.0 (constant full
            reversal when no schedule hook is used; default chosen by
            sketret).

    Examples:
        >>> grl = GradientReversalLayer(coeff=0.5)
        >>> x = torch.ones(2, requires_grad=True)
        >>> grl(x).sum().backward()
        >>> x.grad
        tensor([-0.5000, -0.5000])
    """

    def __init__(self, coeff: float = 1.0):
        super().__init__()
        self.coeff = coeff

    @property
    def coeff(self) -> float:
        """float: The current λ (≥ 0)."""
        return self._coeff

    @coeff.setter
    def coeff(self, value: float) -> None:
        value = float(value)
        if value < 0:
            raise ValueError(
                f'GradientReversalLayer.coeff must be >= 0, got {value}')
        self._coeff = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Identity of ``x`` (any shape)."""
        return gradient_reversal(x, self._coeff)

    def extra_repr(self) -> str:
        return f'coeff={self._coeff:.4g}'
