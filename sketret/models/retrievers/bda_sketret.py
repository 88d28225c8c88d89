# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""BDA-SketRet: bi-level domain adaptation for zero-shot SBIR."""
import copy
import logging
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub, print_log

from sketret.registry import MODELS

from ..backbones.two_stream import MODALITIES, check_modality
from ..losses.base import check_slot, loss_terms
from ..utils import last_tensor
from .base_retriever import BaseSBIRRetriever, _with_default


@MODELS.register_module()
class BDASketRet(BaseSBIRRetriever):
    """BDA-SketRet retriever (Chaudhuri et al., Neurocomputing 2022).

    Sketches and photos go through their own backbone (a
    :class:`~sketret.models.TwoStreamBackbone`) to conv maps, then through a
    per-modality :class:`~sketret.models.StochasticEncoder` to Gaussian
    embeddings ``q(z|x) = N(μ, σ²)``. Training aligns the two modalities at
    two levels and makes the latent space class-discriminative:

    - spatial level: a :class:`~sketret.models.SpatialDomainDiscriminator`
      on the last conv maps with a cross-entropy adversarial loss
      (``loss_adv``, and ``loss_adv_gen`` in ``'minmax'`` mode);
    - semantic level: :class:`~sketret.models.SymmetricIBLoss` between
      same-class sketch/photo pairs (``loss_ib_*``);
    - semantic projection: a head (by default the GCN
      :class:`~sketret.models.TopologyPreservingProjector`) maps the
      training classes' vectors to prototypes, and
      :class:`~sketret.models.TopologyPreservingLoss` classifies z against
      them (``loss_proj``) and keeps their topology (``loss_topo``).

    ``L = L_proj + λ_adv·L_adv + λ_ib·L_SIB + λ_topo·L_topo``; each λ is the
    ``loss_weight`` (or ``topo_weight``) of its loss config. Retrieval uses
    the L2-normalised μ.

    Min-max variant (discriminator ``mode='minmax'``): in one optimiser step
    the discriminator is trained on detached maps with the true labels
    (``loss_adv``) and the backbones are trained to fool it with flipped
    labels through the discriminator with its parameters frozen
    (``loss_adv_gen``, the "flipped-label generator loss"; both weighted by
    the adversarial ``loss_weight``).

    Data: ``forward`` gets ``inputs`` ``(B, 3, H, W)`` (from
    :class:`~sketret.models.SBIRDataPreprocessor`) and ``data_samples``
    whose ``modality`` is ``'sketch'`` or ``'photo'`` and, for ``'loss'``,
    whose ``gt_label`` indexes the classes given to
    :meth:`set_train_classes`. A batch may mix both modalities in any order.

    Args:
        backbone (dict): A :class:`~sketret.models.TwoStreamBackbone` config.
        encoder (dict): A :class:`~sketret.models.StochasticEncoder` config;
            ``in_channels`` defaults to the backbone's channels.
        head (dict, optional): Class-vector → prototype head
            (``TopologyPreservingProjector`` or ``LinearPrototypeHead``);
            ``out_dim`` defaults to the encoder's ``embed_dim``. None: no
            semantic projection (then ``proj_loss`` is unused and
            ``ib_loss`` must be set).
        spatial_discriminator (dict, optional): Discriminator config
            (``in_channels`` defaults to the backbone's channels). None
            switches the spatial level off (``adv_loss`` is then unused).
        adv_loss (dict, optional): ``DomainAdversarialLoss`` config.
        ib_loss (dict, optional): ``SymmetricIBLoss`` config; None switches
            the semantic level off.
        proj_loss (dict, optional): ``TopologyPreservingLoss`` config.
        semantics (dict | callable, optional): A class-vector provider
            config, built lazily from ``sketret.registry.CLASS_SEMANTICS``
            when :meth:`set_train_classes` gets no vectors, or a provider
            object itself (``provider(class_names) -> (C, D_w) array``).
        share_encoder (bool): One encoder for both modalities. Defaults to
            False.
        progressive (dict, optional): ``dict(semantic_start_iter=N)``: the
            semantic losses (``loss_proj``, ``loss_topo``, ``loss_ib_*``) are
            multiplied by 0 before iteration N, and the IB β warm-up starts
            at N. Defaults to None (joint training; "progressive" is not
            defined in what we could read of the paper: default chosen by
            sketret).
        data_preprocessor (dict, optional): Defaults to
            ``dict(type='SBIRDataPreprocessor')``.
        init_cfg (dict, optional): mmengine init config.
    """

    # set_train_classes keeps given class vectors even without a head
    _keep_unneeded_class_vectors = True

    def __init__(self,
                 backbone: dict,
                 encoder: dict,
                 head: Optional[dict] = None,
                 spatial_discriminator: Optional[dict] = None,
                 adv_loss: Optional[dict] = None,
                 ib_loss: Optional[dict] = None,
                 proj_loss: Optional[dict] = None,
                 semantics: Optional[dict] = None,
                 share_encoder: bool = False,
                 progressive: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)

        channels = self._build_backbone(backbone)

        encoder = _with_default(encoder, 'in_channels', channels)
        self.share_encoder = share_encoder
        if share_encoder:
            self.encoders = nn.ModuleDict({'shared': MODELS.build(encoder)})
        else:
            self.encoders = nn.ModuleDict(
                {m: MODELS.build(copy.deepcopy(encoder))
                 for m in MODALITIES})
        embed_dim = self.get_encoder('sketch').embed_dim

        if head is not None:
            self.head = MODELS.build(_with_default(head, 'out_dim', embed_dim))
            if self.head.out_dim != embed_dim:
                raise ValueError(
                    f'BDASketRet: head out_dim={self.head.out_dim} differs '
                    f'from the encoder embed_dim={embed_dim}')
            if proj_loss is None:
                raise ValueError('BDASketRet: a head needs a proj_loss '
                                 "(e.g. dict(type='TopologyPreservingLoss'))")
            self.proj_loss = check_slot(
                MODELS.build(proj_loss), 'projection', 'BDASketRet')
        else:
            self.head = None
            self.proj_loss = None
            if proj_loss is not None:
                print_log('BDASketRet: head=None, so proj_loss is unused.',
                          logger='current')

        if spatial_discriminator is not None:
            self.spatial_discriminator = MODELS.build(
                _with_default(spatial_discriminator, 'in_channels', channels))
            if adv_loss is None:
                raise ValueError(
                    'BDASketRet: a spatial_discriminator needs an adv_loss '
                    "(e.g. dict(type='DomainAdversarialLoss'))")
            self.adv_loss = check_slot(
                MODELS.build(adv_loss), 'domain', 'BDASketRet')
        else:
            self.spatial_discriminator = None
            self.adv_loss = None
            if adv_loss is not None:
                print_log(
                    'BDASketRet: spatial_discriminator=None, so adv_loss is '
                    'unused (spatial-level ablation).',
                    logger='current')

        self.ib_loss = None if ib_loss is None else check_slot(
            MODELS.build(ib_loss), 'information', 'BDASketRet')
        if self.head is None and self.ib_loss is None:
            raise ValueError(
                'BDASketRet: with head=None and ib_loss=None no loss trains '
                'the embedding; keep at least one of them')

        if progressive is not None:
            progressive = dict(progressive)
            unknown = set(progressive) - {'semantic_start_iter'}
            start = progressive.get('semantic_start_iter')
            if unknown or not isinstance(start, int) or start < 0:
                raise ValueError(
                    'BDASketRet: progressive must be None or '
                    'dict(semantic_start_iter=<int >= 0>), got '
                    f'{progressive}')
        self.progressive = progressive
        self._init_semantics(semantics)

        # (current_iter, max_iters) given to set_progress; None: read the
        # training progress from mmengine's message hub
        self._progress: Optional[Tuple[int, Optional[int]]] = None
        self._warned_progress = False

    # ------------------------------------------------------------------ #
    # set-up
    # ------------------------------------------------------------------ #
    def get_encoder(self, modality: str) -> nn.Module:
        """The stochastic encoder used for ``modality``."""
        check_modality(modality)
        return self.encoders['shared' if self.share_encoder else modality]

    @property
    def _needs_class_vectors(self) -> bool:
        """The head needs the training classes' vectors (looked up in
        ``semantics`` when :meth:`set_train_classes` gets none)."""
        return self.head is not None

    def _check_vector_dim(self, vectors: torch.Tensor) -> None:
        """``(C, D_w)`` vectors must match the head's ``in_dim``."""
        in_dim = getattr(self.head, 'in_dim', None)
        if in_dim is not None and vectors.shape[1] != in_dim:
            raise ValueError(
                f'{type(self).__name__}: the class vectors are '
                f'{vectors.shape[1]}-d but the head expects in_dim={in_dim}; '
                'use vectors of that size or set model.head.in_dim')

    def set_progress(self, current_iter: Optional[int],
                     max_iters: Optional[int] = None) -> None:
        """Fix the training progress used by the IB β warm-up and the
        progressive schedule, for use outside an mmengine runner (tests,
        scripts); ``set_progress(None)`` goes back to the runner's
        progress, read from the message hub."""
        self._progress = None if current_iter is None else (
            int(current_iter), None if max_iters is None else int(max_iters))

    def _hub_info(self, key: str):
        return MessageHub.get_current_instance().get_info(key)

    @property
    def current_iter(self) -> int:
        """The training iteration: the one given to :meth:`set_progress`,
        else the ``iter`` that mmengine's ``RuntimeInfoHook`` records in
        the message hub before every training iteration (0 when there is
        none)."""
        if self._progress is not None:
            return self._progress[0]
        return int(self._hub_info('iter') or 0)

    @property
    def max_iters(self) -> Optional[int]:
        """The number of training iterations (from :meth:`set_progress` or
        the message hub; None when unknown)."""
        if self._progress is not None:
            return self._progress[1]
        return self._hub_info('max_iters')

    @property
    def semantic_active(self) -> bool:
        """Whether the semantic losses are on at ``current_iter``."""
        if self.progressive is None:
            return True
        return self.current_iter >= self.progressive['semantic_start_iter']

    # ------------------------------------------------------------------ #
    # features
    # ------------------------------------------------------------------ #
    def extract_feat(self, inputs: torch.Tensor,
                     modality: str) -> torch.Tensor:
        """``(B, 3, H, W)`` images of one modality → ``(B, D)`` μ (not
        normalised)."""
        maps = self.backbone(inputs, check_modality(modality))
        return self.get_encoder(modality).encode(maps)[0]

    def _encode_stream(self, inputs: torch.Tensor,
                       modality: str) -> Tuple[torch.Tensor, ...]:
        """``(n, 3, H, W)`` → (last map ``(n, C, h, w)``, z, μ, log σ²,
        each ``(n, D)``)."""
        feat = last_tensor(self.backbone(inputs, modality))
        return (feat, ) + tuple(self.get_encoder(modality)(feat))

    def _empty_stream(self, inputs: torch.Tensor,
                      modality: str) -> Tuple[torch.Tensor, ...]:
        """0-row map and z, μ, log σ² of an absent modality."""
        empty = inputs.new_zeros(0, self.get_encoder(modality).embed_dim)
        maps = inputs.new_zeros(0, self.backbone.out_channels, 1, 1)
        return maps, empty, empty, empty

    @torch.no_grad()
    def embed_classes(self,
                      class_names: Optional[Sequence[str]] = None,
                      class_vectors=None) -> torch.Tensor:
        """``(C, D)`` L2-normalised prototypes of any classes (seen or
        unseen; for analysis). Defaults to the training classes."""
        if self.head is None:
            raise RuntimeError('BDASketRet.embed_classes needs a head')
        if class_vectors is None:
            if class_names is None:
                if self.class_vectors is None:
                    raise RuntimeError('no classes: call set_train_classes '
                                       'or pass class_names')
                vectors = self.class_vectors
            else:
                vectors = self._check_class_vectors(
                    self.lookup_class_vectors(class_names), len(class_names))
        else:
            vectors = self._check_class_vectors(
                class_vectors, len(class_vectors))
        device = next(self.parameters()).device
        return F.normalize(self.head(vectors.to(device)), dim=1)

    # ------------------------------------------------------------------ #
    # loss
    # ------------------------------------------------------------------ #
    def _check_ready(self) -> None:
        """The base check, then a one-time warning when training without
        any training progress (no runner, no :meth:`set_progress`)."""
        super()._check_ready()
        if self.training and self._progress is None \
                and self._hub_info('iter') is None \
                and not self._warned_progress:
            self._warned_progress = True
            print_log(
                'BDASketRet: no training progress (no mmengine runner has '
                'recorded an iteration and set_progress() was never '
                'called), so the IB beta warm-up and the progressive '
                'schedule stay at iteration 0',
                logger='current',
                level=logging.WARNING)

    def loss(self, inputs: torch.Tensor,
             data_samples: list) -> Dict[str, torch.Tensor]:
        """Compute every loss term of a mixed sketch/photo batch.

        Returns:
            dict[str, Tensor]: ``loss_proj``, ``loss_topo`` (with a head),
            ``loss_adv`` [+ ``loss_adv_gen``] (with a discriminator),
            ``loss_ib_*`` (with an IB loss), and diagnostics that are
            logged but not optimised: ``disc_acc``, ``grl_coeff``,
            ``proj_acc``, ``ib_beta``, ``ib_mi_lb``, ``semantic_on``.
        """
        self._check_ready()
        _, lab, outs = self.encode_batch(inputs, data_samples)
        (map_s, z_s, mu_s, logvar_s), (map_p, z_p, mu_p, logvar_p) = (
            outs['sketch'], outs['photo'])

        losses: Dict[str, torch.Tensor] = {}
        semantic_scale = 1.0 if self.semantic_active else 0.0
        if self.head is not None:
            prototypes = self.head(self.class_vectors)
            terms = loss_terms('projection', self.proj_loss(
                z_s, lab['sketch'], z_p, lab['photo'], prototypes,
                self.class_vectors))
            for key, value in terms.items():
                losses[key] = value * semantic_scale if 'loss' in key \
                    else value
        if self.spatial_discriminator is not None:
            losses.update(self.domain_terms(
                self.spatial_discriminator, self.adv_loss,
                {'sketch': map_s, 'photo': map_p}))
        if self.ib_loss is not None:
            ib_iter = self.current_iter
            if self.progressive is not None:
                ib_iter -= self.progressive['semantic_start_iter']
            terms = loss_terms('information', self.ib_loss(
                mu_s, logvar_s, z_s, lab['sketch'], mu_p, logvar_p, z_p,
                lab['photo'], current_iter=max(ib_iter, 0)))
            for key, value in terms.items():
                losses[key] = value * semantic_scale if 'loss' in key \
                    else value
        if self.progressive is not None:
            losses['semantic_on'] = inputs.new_tensor(semantic_scale)
        return losses
