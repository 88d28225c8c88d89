# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from sketret.models.losses import (
    DomainAdversarialLoss,
    SymmetricIBLoss,
    TopologyPreservingLoss,
    gaussian_kl,
    info_nce,
    standard_normal_kl,
    symmetric_gaussian_kl,
)


def torch_kl(mu1, logvar1, mu2, logvar2):
    return kl_divergence(Normal(mu1, (0.5 * logvar1).exp()),
                         Normal(mu2, (0.5 * logvar2).exp())).sum(-1)


# --------------------------------------------------------- Gaussian KL
def test_gaussian_kl_closed_form_matches_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mu1, mu2 = torch.randn(5, 4, generator=gen), torch.randn(5, 4,
                                                              generator=gen)
    lv1, lv2 = torch.randn(5, 4, generator=gen), torch.randn(5, 4,
                                                              generator=gen)
    assert torch.allclose(gaussian_kl(mu1, lv1, mu2, lv2),
                          torch_kl(mu1, lv1, mu2, lv2), atol=1e-5)
    sym = 0.5 * (torch_kl(mu1, lv1, mu2, lv2) + torch_kl(mu2, lv2, mu1, lv1))
    assert torch.allclose(symmetric_gaussian_kl(mu1, lv1, mu2, lv2), sym,
                          atol=1e-5)
    zeros = torch.zeros(5, 4)
    assert torch.allclose(standard_normal_kl(mu1, lv1),
                          torch_kl(mu1, lv1, zeros, zeros), atol=1e-5)
    # Identical Gaussians: zero divergence.
    assert torch.allclose(gaussian_kl(mu1, lv1, mu1, lv1), torch.zeros(5),
                          atol=1e-6)


# ------------------------------------------------------------ InfoNCE
def test_info_nce_two_by_two_by_hand():
    z_s = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    z_p = torch.tensor([[2.0, 0.0], [0.6, 0.8]])  # cosines 1, .6 / 0, .8
    labels = torch.tensor([0, 1])
    e = math.exp
    # sketch -> photo (rows), tau = 1
    l_row0 = -math.log(e(1.0) / (e(1.0) + e(0.6)))
    l_row1 = -math.log(e(0.8) / (e(0.0) + e(0.8)))
    # photo -> sketch (columns)
    l_col0 = -math.log(e(1.0) / (e(1.0) + e(0.0)))
    l_col1 = -math.log(e(0.8) / (e(0.6) + e(0.8)))
    l_ab, l_ba = (l_row0 + l_row1) / 2, (l_col0 + l_col1) / 2
    expected = (l_ab + l_ba) / 2
    loss, bound = info_nce(z_s, z_p, labels, labels, temperature=1.0)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert bound.item() == pytest.approx(math.log(2) - expected, abs=1e-6)
    # temperature 0.5 doubles every logit
    l_row0 = -math.log(e(2.0) / (e(2.0) + e(1.2)))
    l_row1 = -math.log(e(1.6) / (e(0.0) + e(1.6)))
    l_col0 = -math.log(e(2.0) / (e(2.0) + e(0.0)))
    l_col1 = -math.log(e(1.6) / (e(1.2) + e(1.6)))
    expected = ((l_row0 + l_row1) / 2 + (l_col0 + l_col1) / 2) / 2
    loss, _ = info_nce(z_s, z_p, labels, labels, temperature=0.5)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_info_nce_without_pairs_is_zero_and_differentiable():
    z_s = torch.randn(2, 3, requires_grad=True)
    z_p = torch.randn(2, 3, requires_grad=True)
    loss, bound = info_nce(z_s, z_p, torch.tensor([0, 1]),
                           torch.tensor([2, 3]))
    assert loss.item() == 0 and bound.item() == 0
    loss.backward()
    assert z_s.grad is not None


# ------------------------------------------------------- SymmetricIB
def ib_inputs():
    gen = torch.Generator().manual_seed(1)
    mu_s, lv_s = torch.randn(3, 4, generator=gen), torch.randn(
        3, 4, generator=gen)
    mu_p, lv_p = torch.randn(2, 4, generator=gen), torch.randn(
        2, 4, generator=gen)
    return dict(
        mu_s=mu_s, logvar_s=lv_s, z_s=mu_s, labels_s=torch.tensor([0, 1, 0]),
        mu_p=mu_p, logvar_p=lv_p, z_p=mu_p, labels_p=torch.tensor([0, 1]))


def test_symmetric_ib_loss_sib_with_warmup():
    x = ib_inputs()
    # Same-class pairs: (s0, p0), (s1, p1), (s2, p0).
    pairs = [(0, 0), (1, 1), (2, 0)]
    skl = sum(0.5 * (torch_kl(x['mu_s'][i], x['logvar_s'][i], x['mu_p'][j],
                              x['logvar_p'][j]) +
                     torch_kl(x['mu_p'][j], x['logvar_p'][j], x['mu_s'][i],
                              x['logvar_s'][i])) for i, j in pairs) / 3
    nce, bound = info_nce(x['z_s'], x['z_p'], x['labels_s'], x['labels_p'],
                          0.2)
    loss = SymmetricIBLoss(beta=0.01, warmup_iters=10, temperature=0.2,
                           loss_weight=0.5)
    out = loss(**x, current_iter=5)  # half-way through the warm-up
    assert set(out) == {'loss_ib_kl', 'loss_ib_nce', 'ib_beta', 'ib_mi_lb'}
    assert out['ib_beta'].item() == pytest.approx(0.005)
    assert out['loss_ib_kl'].item() == pytest.approx(
        0.5 * 0.005 * skl.item(), rel=1e-5)
    assert out['loss_ib_nce'].item() == pytest.approx(0.5 * nce.item(),
                                                      rel=1e-6)
    assert out['ib_mi_lb'].item() == pytest.approx(bound.item(), rel=1e-6)
    assert loss(**x, current_iter=0)['loss_ib_kl'].item() == 0
    assert loss(**x, current_iter=100)['ib_beta'].item() == pytest.approx(
        0.01)
    assert loss(**x)['ib_beta'].item() == pytest.approx(0.01)


def test_symmetric_ib_loss_vib_mode():
    x = ib_inputs()
    zeros = torch.zeros(4)
    prior = (sum(torch_kl(m, v, zeros, zeros)
                 for m, v in zip(x['mu_s'], x['logvar_s'])) / 3 +
             sum(torch_kl(m, v, zeros, zeros)
                 for m, v in zip(x['mu_p'], x['logvar_p'])) / 2)
    out = SymmetricIBLoss(beta=0.1, warmup_iters=0, mode='vib')(**x)
    assert set(out) == {'loss_ib_prior', 'loss_ib_kl', 'ib_beta'}
    assert out['loss_ib_prior'].item() == pytest.approx(0.1 * prior.item(),
                                                        rel=1e-5)


@pytest.mark.parametrize('kwargs, match', [
    (dict(loss_weight=-1.0), 'loss_weight'),
    (dict(beta=-0.1), 'beta'),
    (dict(temperature=0.0), 'temperature'),
    (dict(mode='cib'), 'mode'),
])
def test_symmetric_ib_loss_bad_args(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SymmetricIBLoss(**kwargs)


# -------------------------------------------------- domain adversarial
def test_domain_adversarial_loss_matches_manual_bce():
    logits = torch.tensor([2.0, -1.0, 0.5, 0.0])
    target = torch.tensor([1.0, 0.0, 0.0, 1.0])

    def sig(v):
        return 1 / (1 + math.exp(-v))

    manual = -(math.log(sig(2.0)) + math.log(1 - sig(-1.0)) +
               math.log(1 - sig(0.5)) + math.log(sig(0.0))) / 4
    out = DomainAdversarialLoss(loss_weight=0.5)(logits, target.bool())
    assert set(out) == {'loss_adv'}
    assert out['loss_adv'].item() == pytest.approx(0.5 * manual, abs=1e-6)
    with pytest.raises(ValueError, match='loss_weight'):
        DomainAdversarialLoss(loss_weight=-0.5)
    with pytest.raises(ValueError, match='targets'):
        DomainAdversarialLoss()(logits, target[:3])


# ------------------------------------------------- topology preserving
def test_topology_preserving_loss_two_classes_by_hand():
    z_s, y_s = torch.tensor([[1.0, 0.0]]), torch.tensor([0])
    z_p, y_p = torch.tensor([[0.0, 3.0]]), torch.tensor([1])
    prototypes = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    class_vectors = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    loss = TopologyPreservingLoss(temperature=0.5, topo_weight=2.0)
    out = loss(z_s, y_s, z_p, y_p, prototypes, class_vectors)
    # logits [2, 0] with the right class first, for both modalities
    ce = math.log(1 + math.exp(-2.0))
    assert out['loss_proj'].item() == pytest.approx(ce, abs=1e-6)
    # S(P) = I, S(W) off-diagonal 1/sqrt(2): ||.||_F^2 = 2 * 0.5 = 1,
    # divided by C^2 = 4, times topo_weight 2.
    assert out['loss_topo'].item() == pytest.approx(0.5, abs=1e-6)
    assert out['proj_acc'].item() == 1.0
    # loss_weight scales both terms
    out = TopologyPreservingLoss(
        temperature=0.5, topo_weight=2.0, loss_weight=3.0)(z_s, y_s, z_p,
                                                           y_p, prototypes,
                                                           class_vectors)
    assert out['loss_proj'].item() == pytest.approx(3 * ce, abs=1e-5)
    assert out['loss_topo'].item() == pytest.approx(1.5, abs=1e-5)


def test_topology_preserving_loss_errors():
    with pytest.raises(ValueError, match='loss_weight'):
        TopologyPreservingLoss(loss_weight=-1)
    with pytest.raises(ValueError, match='topo_weight'):
        TopologyPreservingLoss(topo_weight=-1)
    loss = TopologyPreservingLoss()
    with pytest.raises(ValueError, match='only 2 classes'):
        loss(torch.ones(1, 2), torch.tensor([2]), torch.ones(1, 2),
             torch.tensor([0]), torch.eye(2), torch.eye(2))
