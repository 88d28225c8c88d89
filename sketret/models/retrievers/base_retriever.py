# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The base class of sketret's sketch/photo retrievers: what they share
(mixed-batch handling, ``forward`` modes, labels, the training classes'
vectors, the per-modality encode loop and the domain terms)."""
import copy
from abc import abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel

from sketret.registry import CLASS_SEMANTICS, MODELS

from ..backbones.two_stream import MODALITIES
from ..losses.base import loss_terms

ForwardResults = Union[Dict[str, torch.Tensor], list, torch.Tensor]


def _with_default(cfg: dict, key: str, value) -> dict:
    """A deep copy of ``cfg`` with ``cfg[key] = value`` when it is missing
    or None."""
    cfg = copy.deepcopy(dict(cfg))
    if cfg.get(key) is None:
        cfg[key] = value
    return cfg


class BaseSBIRRetriever(BaseModel):
    """Base class of the sketch/photo retrievers
    (:class:`~sketret.models.BDASketRet`,
    :class:`~sketret.models.SketchPhotoRetriever`).

    A batch is ``inputs`` ``(B, 3, H, W)`` (from
    :class:`~sketret.models.SBIRDataPreprocessor`) with one data sample per
    input whose ``modality`` is ``'sketch'`` or ``'photo'`` (in any order)
    and, for ``'loss'``, whose ``gt_label`` indexes the classes given to
    :meth:`set_train_classes` (``-1``: a distractor).

    This class holds what does not depend on the model: splitting a mixed
    batch by modality, ``forward``'s modes, :meth:`predict` (unit-norm
    features), label collection, the class-vector provider,
    :meth:`set_train_classes`, the per-modality encode loop of a training
    batch (:meth:`encode_batch`) and the domain-classifier terms
    (:meth:`domain_terms`). A subclass implements :meth:`extract_feat`
    (one modality → ``(B, D)`` features), :meth:`_encode_stream` and
    :meth:`_empty_stream` (what one modality's stream gives the losses) and
    :meth:`loss`, and says through :attr:`_needs_train_classes` and
    :attr:`_needs_class_vectors` what its losses need. Every loss module is
    called through the contract of its slot
    (:mod:`sketret.models.losses.base`). Error messages name the concrete
    class.

    Args:
        data_preprocessor (dict | nn.Module, optional): Defaults to
            ``dict(type='SBIRDataPreprocessor')``; a dict is built from
            ``sketret.registry.MODELS``.
        init_cfg (dict, optional): mmengine init config.
    """

    #: Keep class vectors given to :meth:`set_train_classes` even when
    #: :attr:`_needs_class_vectors` is False (otherwise they are dropped).
    _keep_unneeded_class_vectors = False

    def __init__(self,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='SBIRDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)

    # ------------------------------------------------------------------ #
    # set-up
    # ------------------------------------------------------------------ #
    def _build_backbone(self, backbone: dict,
                        required: Sequence[str] = ()) -> int:
        """Build ``self.backbone``, a two-stream backbone
        (``forward(x, modality)`` → conv maps, plus the methods named in
        ``required``, each taking a modality), and return its int
        ``out_channels``.

        Raises:
            TypeError: The built module is not such a backbone.
        """
        self.backbone = MODELS.build(backbone)
        channels = getattr(self.backbone, 'out_channels', None)
        if not isinstance(channels, int) or \
                not all(hasattr(self.backbone, m) for m in required):
            api = ', '.join(['forward(x, modality)'] +
                            [f'{m}(modality)' for m in required])
            raise TypeError(
                f'{type(self).__name__}: the backbone must be a two-stream '
                f'backbone ({api}) with an int `out_channels`, e.g. '
                "dict(type='TwoStreamBackbone', backbone=...); got "
                f'{type(self.backbone).__name__}')
        return channels

    def _init_semantics(self, semantics) -> None:
        """Store the class-vector provider (a config dict, built lazily by
        :attr:`semantic_provider`, or a callable) and reset the training
        classes (``train_class_names``, the non-persistent
        ``class_vectors`` buffer)."""
        if semantics is not None and not isinstance(semantics, dict) \
                and not callable(semantics):
            raise TypeError(f'{type(self).__name__}: semantics must be a '
                            'provider config dict or a callable '
                            'provider(class_names), got '
                            f'{type(semantics).__name__}')
        if isinstance(semantics, dict):
            self.semantics, self._provider = copy.deepcopy(semantics), None
        else:
            self.semantics, self._provider = None, semantics
        self.train_class_names: Optional[List[str]] = None
        self.register_buffer('class_vectors', None, persistent=False)

    @property
    def semantic_provider(self):
        """The class-vector provider built from ``semantics`` (lazily)."""
        if self._provider is None:
            if self.semantics is None:
                raise RuntimeError(
                    f'{type(self).__name__} has no `semantics` provider '
                    'config: pass the class vectors to '
                    'set_train_classes(names, vectors) or set '
                    "model.semantics=dict(type='NpzClassVectors', ...)")
            self._provider = CLASS_SEMANTICS.build(self.semantics)
        return self._provider

    def lookup_class_vectors(self, class_names: Sequence[str]) -> np.ndarray:
        """``(C, D_w)`` vectors of ``class_names`` from the provider (which
        raises listing the classes it lacks)."""
        return np.asarray(self.semantic_provider(list(class_names)))

    @property
    def _needs_train_classes(self) -> bool:
        """Whether :meth:`loss` needs :meth:`set_train_classes` first."""
        return True

    @property
    def _needs_class_vectors(self) -> bool:
        """Whether :meth:`loss` needs the training classes' vectors (then
        :meth:`set_train_classes` looks them up when not given)."""
        return False

    def _check_vector_dim(self, vectors: torch.Tensor) -> None:
        """Check the width ``D_w`` of ``(C, D_w)`` class vectors (a hook;
        nothing to check by default)."""

    def _check_class_vectors(self, vectors, num_classes: int) -> torch.Tensor:
        """Array-like class vectors → a float ``(num_classes, D_w)`` tensor.

        Raises:
            ValueError: Not one row per class, a width rejected by
                :meth:`_check_vector_dim`, or NaN/inf values.
        """
        vectors = torch.as_tensor(np.asarray(vectors) if not isinstance(
            vectors, torch.Tensor) else vectors).float()
        if vectors.dim() != 2 or vectors.shape[0] != num_classes:
            raise ValueError(
                f'{type(self).__name__}: expected one class vector per '
                f'class, i.e. shape ({num_classes}, D), got '
                f'{tuple(vectors.shape)}')
        self._check_vector_dim(vectors)
        if not bool(torch.isfinite(vectors).all()):
            raise ValueError(
                f'{type(self).__name__}: class vectors contain NaN or inf')
        return vectors

    def _check_num_classes(self, num_classes: int) -> None:
        """Check the number of training classes against the model (a hook;
        nothing to check by default)."""

    def set_train_classes(self,
                          class_names: Sequence[str],
                          class_vectors=None) -> None:
        """Set the training classes (the order of ``gt_label``).

        Called by :class:`~sketret.engine.ClassSemanticsHook`. When the
        model needs class vectors (:attr:`_needs_class_vectors`) and none
        are given, they are looked up in the ``semantics`` provider; given
        vectors the model does not need are dropped unless
        ``_keep_unneeded_class_vectors`` is set.

        Args:
            class_names (Sequence[str]): The training dataset's
                ``metainfo['classes']``.
            class_vectors (array-like, optional): ``(C, D_w)`` vectors.

        Raises:
            ValueError: No classes, a number of classes the model rejects
                (:meth:`_check_num_classes`), or vectors of the wrong shape
                or with NaN/inf values.
        """
        names = [str(n) for n in class_names]
        if not names:
            raise ValueError(
                f'{type(self).__name__}.set_train_classes: no classes')
        self._check_num_classes(len(names))
        vectors = None
        if self._needs_class_vectors or (class_vectors is not None and
                                         self._keep_unneeded_class_vectors):
            if class_vectors is None:
                class_vectors = self.lookup_class_vectors(names)
            vectors = self._check_class_vectors(class_vectors, len(names))
            vectors = vectors.to(next(self.parameters()).device)
        self.class_vectors = vectors
        self.train_class_names = names

    # ------------------------------------------------------------------ #
    # features
    # ------------------------------------------------------------------ #
    @abstractmethod
    def extract_feat(self, inputs: torch.Tensor,
                     modality: str) -> torch.Tensor:
        """``(B, 3, H, W)`` images of one modality → ``(B, D)`` features
        (not normalised)."""

    @classmethod
    def _modalities(cls, data_samples, batch_size: int) -> List[str]:
        """The ``modality`` of each of the ``batch_size`` data samples.

        Raises:
            ValueError: No data samples, not one per input, or a modality
                that is not one of ``MODALITIES``.
        """
        name = cls.__name__
        if data_samples is None:
            raise ValueError(
                f'{name} needs data_samples with a `modality` '
                "('sketch'|'photo') for every input; for one modality call "
                'extract_feat(inputs, modality)')
        if len(data_samples) != batch_size:
            raise ValueError(f'{name}: {batch_size} inputs but '
                             f'{len(data_samples)} data samples')
        mods = []
        for i, sample in enumerate(data_samples):
            modality = sample.metainfo.get('modality') if hasattr(
                sample, 'metainfo') else None
            if modality not in MODALITIES:
                raise ValueError(
                    f'{name}: data sample {i} has modality {modality!r}; '
                    f'expected one of {MODALITIES}')
            mods.append(modality)
        return mods

    def _groups(self, data_samples,
                inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``{modality: (n_m, ) long index}`` of the samples of each of
        ``MODALITIES`` (in batch order, on ``inputs``' device; empty when
        the batch has none of a modality)."""
        mods = self._modalities(data_samples, inputs.shape[0])
        return {
            m: torch.as_tensor([i for i, mm in enumerate(mods) if mm == m],
                               dtype=torch.long,
                               device=inputs.device)
            for m in MODALITIES
        }

    def _extract_mixed(self, inputs: torch.Tensor,
                       data_samples) -> torch.Tensor:
        """``(B, 3, H, W)`` mixed sketches and photos → ``(B, D)``
        :meth:`extract_feat` features in batch order (each modality
        through its own stream)."""
        feats = None
        for modality, index in self._groups(data_samples, inputs).items():
            if not index.numel():
                continue
            feat = self.extract_feat(inputs[index], modality)
            if feats is None:
                feats = feat.new_zeros(inputs.shape[0], feat.shape[1])
            feats[index] = feat
        return feats

    # ------------------------------------------------------------------ #
    # forward
    # ------------------------------------------------------------------ #
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> ForwardResults:
        """Args:
            inputs (Tensor): ``(B, 3, H, W)`` normalised images.
            data_samples (list[SBIRDataSample], optional): One per input,
                with ``modality`` (and ``gt_label`` for ``'loss'``).
            mode (str): ``'tensor'`` → ``(B, D)`` :meth:`extract_feat`
                features (not normalised); ``'loss'`` → dict of loss terms
                and diagnostics (:meth:`loss`; on a batch of one modality
                every parameter stays in the graph with a zero gradient,
                see :meth:`_keep_every_parameter_in_graph`); ``'predict'``
                → the data samples with ``feature`` (``(D, )``,
                L2-normalised) set.
        """
        if mode == 'loss':
            losses = self.loss(inputs, data_samples)
            present = set(self._modalities(data_samples, inputs.shape[0]))
            if self.training and len(present) < len(MODALITIES):
                self._keep_every_parameter_in_graph(losses)
            return losses
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._extract_mixed(inputs, data_samples)
        raise ValueError(f'{type(self).__name__}: invalid mode {mode!r}; '
                         "use 'tensor', 'loss' or 'predict'")

    def _keep_every_parameter_in_graph(
            self, losses: Dict[str, torch.Tensor]) -> None:
        """Add ``0 · Σ p`` of every trainable parameter to the first loss
        term, in place.

        A batch of one modality leaves the other stream (and e.g. the
        domain classifier) out of the graph; under DDP every rank must give
        every parameter a gradient, or the reduction never finishes. The
        zero term keeps the values and gives those parameters zero
        gradients (only on one-modality batches, where it is needed).

        Raises:
            ValueError: ``losses`` has no key containing ``'loss'``.
        """
        key = next((k for k in losses if 'loss' in k), None)
        if key is None:
            raise ValueError(f'{type(self).__name__}.loss returned no loss '
                             f'term (keys: {sorted(losses)})')
        zero = sum(p.sum() for p in self.parameters() if p.requires_grad)
        losses[key] = losses[key] + zero * 0.0

    def predict(self, inputs: torch.Tensor, data_samples: list) -> list:
        """Set ``feature`` (``(D, )``, unit norm) on every data sample."""
        feats = F.normalize(self._extract_mixed(inputs, data_samples), dim=1)
        for sample, feat in zip(data_samples, feats):
            sample.set_feature(feat.detach())
        return data_samples

    @abstractmethod
    def loss(self, inputs: torch.Tensor,
             data_samples: list) -> Dict[str, torch.Tensor]:
        """Loss terms (and logged diagnostics) of a mixed batch."""

    def _labels(self, data_samples: list,
                device: torch.device) -> torch.Tensor:
        """``(B, )`` long ``gt_label`` of the data samples on ``device``.

        Raises:
            ValueError: A sample without ``gt_label``, or (once
                :meth:`set_train_classes` was called) a label outside
                ``[-1, C)``.
        """
        name = type(self).__name__
        labels = []
        for i, sample in enumerate(data_samples):
            label = sample.metainfo.get('gt_label', None)
            if label is None:
                raise ValueError(f'{name}: data sample {i} has no gt_label')
            labels.append(int(label))
        if self.train_class_names is not None:
            # checked on the host, before the labels go to the device
            num_classes = len(self.train_class_names)
            bad = [y for y in labels if y >= num_classes or y < -1]
            if bad:
                raise ValueError(
                    f'{name}: gt_label {bad[0]} is outside the '
                    f'{num_classes} training classes given to '
                    'set_train_classes')
        return torch.as_tensor(labels, dtype=torch.long, device=device)

    # ------------------------------------------------------------------ #
    # loss helpers
    # ------------------------------------------------------------------ #
    def _encode_stream(self, inputs: torch.Tensor,
                       modality: str) -> Tuple[torch.Tensor, ...]:
        """``(n, 3, H, W)`` images of one modality → the tensors its stream
        gives the losses (the last conv map first; a subclass hook)."""
        raise NotImplementedError(
            f'{type(self).__name__} does not implement _encode_stream')

    def _empty_stream(self, inputs: torch.Tensor,
                      modality: str) -> Tuple[torch.Tensor, ...]:
        """What :meth:`_encode_stream` gives for a modality absent from the
        batch: tensors of the same layout with 0 rows (a subclass hook)."""
        raise NotImplementedError(
            f'{type(self).__name__} does not implement _empty_stream')

    def encode_batch(
        self, inputs: torch.Tensor, data_samples: list
    ) -> Tuple[Dict[str, torch.Tensor], Dict[str, torch.Tensor], Dict[
            str, Tuple[torch.Tensor, ...]]]:
        """Split a mixed training batch by modality and run each modality
        through its stream.

        Returns:
            tuple[dict, dict, dict]: per modality, the ``(n_m, )`` batch
            index, the ``(n_m, )`` labels and the tuple of
            :meth:`_encode_stream` (:meth:`_empty_stream` when ``n_m = 0``).
        """
        groups = self._groups(data_samples, inputs)
        labels = self._labels(data_samples, inputs.device)
        labs: Dict[str, torch.Tensor] = {}
        outs: Dict[str, Tuple[torch.Tensor, ...]] = {}
        for modality, index in groups.items():
            labs[modality] = labels[index]
            if index.numel():
                outs[modality] = self._encode_stream(inputs[index], modality)
            else:
                outs[modality] = self._empty_stream(inputs, modality)
        return groups, labs, outs

    def domain_terms(self, classifier: nn.Module, loss: nn.Module,
                     feats: Dict[str, torch.Tensor]
                     ) -> Dict[str, torch.Tensor]:
        """Terms of a sketch-vs-photo domain classifier.

        Args:
            classifier (nn.Module): Logits ``(N, )`` (or ``(N, 1)``),
                positive for "sketch", from ``(N, C, h, w)`` maps; its
                ``mode`` is ``'grl'`` (a gradient reversal layer inside,
                one backward pass trains both sides) or ``'minmax'``.
            loss (nn.Module): A ``domain``-slot loss.
            feats (dict[str, Tensor]): Per modality ``(n_m, C, h, w)`` maps
                or ``(n_m, D)`` embeddings (seen as ``(n_m, D, 1, 1)``).

        Returns:
            dict[str, Tensor]: the loss's terms; in ``'minmax'`` mode also
            ``<first term>_gen``, the generator loss with flipped labels
            computed through the classifier with ``requires_grad`` off (so
            it trains the features only, while the first term, on detached
            features, trains the classifier only); logged ``disc_acc`` and
            (with a GRL) ``grl_coeff``. With one modality only there is
            nothing to discriminate: every loss term is a zero connected to
            the features and the classifier's parameters.
        """
        mode = getattr(classifier, 'mode', 'grl')
        grl = getattr(classifier, 'grl', None)
        if not all(feats[m].shape[0] for m in MODALITIES):
            zero = sum(f.sum() for f in feats.values()) * 0.0 + sum(
                p.sum() * 0.0 for p in classifier.parameters())
            empty = zero.new_zeros(0)
            terms = {
                k: v + zero if 'loss' in k else v
                for k, v in loss_terms('domain', loss(empty, empty)).items()
            }
            if mode == 'minmax':
                terms[f'{next(iter(terms))}_gen'] = zero.clone()
            terms['disc_acc'] = zero.detach()
            if grl is not None:
                terms['grl_coeff'] = zero.new_tensor(grl.coeff)
            return terms
        x = torch.cat([feats[m] for m in MODALITIES])
        if x.dim() == 2:
            x = x[:, :, None, None]
        target = torch.cat([
            x.new_full((feats[m].shape[0], ), float(m == 'sketch'))
            for m in MODALITIES
        ])
        if mode == 'minmax':
            logits = classifier(x.detach()).reshape(-1)
            terms = loss_terms('domain', loss(logits, target))
            params = [p for p in classifier.parameters() if p.requires_grad]
            for p in params:
                p.requires_grad_(False)
            try:
                gen = loss_terms(
                    'domain', loss(classifier(x).reshape(-1), 1.0 - target))
            finally:
                for p in params:
                    p.requires_grad_(True)
            terms[f'{next(iter(terms))}_gen'] = next(iter(gen.values()))
        else:
            logits = classifier(x).reshape(-1)
            terms = loss_terms('domain', loss(logits, target))
        terms['disc_acc'] = ((logits.detach() > 0).float() ==
                             target).float().mean()
        if grl is not None:
            terms['grl_coeff'] = logits.new_tensor(grl.coeff)
        return terms

    def _check_ready(self) -> None:
        """Raise when :meth:`loss` needs training classes (or their
        vectors) that :meth:`set_train_classes` has not set."""
        missing = self.train_class_names is None or (
            self._needs_class_vectors and self.class_vectors is None)
        if self._needs_train_classes and missing:
            raise RuntimeError(
                f'{type(self).__name__}: the training classes are not set. '
                'Call model.set_train_classes(class_names[, class_vectors]) '
                'before training; in a config, add '
                "custom_hooks=[dict(type='ClassSemanticsHook')], which reads "
                "train_dataloader.dataset.metainfo['classes'].")
