# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The common base class of sketret's zero-shot SBIR datasets.

Its jobs live in their own modules: argument checks
(:mod:`.dataset_args`), finding folders and files (:mod:`.data_tree`),
choosing the samples of each subset (:mod:`.split_selection`) and
unreadable files (:mod:`.corrupt_files`). This class turns a subclass's
classes and files into the data list of one subset.
"""
import logging
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmengine.registry import DefaultScope

from sketret.registry import TRANSFORMS

from .corrupt_files import CorruptFileHandler
from .data_tree import DatasetNotFoundError, DataTreeMixin
from .dataset_args import MODALITIES, SUBSETS, check_dataset_args
from .split_selection import (
    FileItem,
    check_disjoint,
    hold_out,
    pick_generalized,
)

__all__ = ['BaseSBIRDataset', 'DatasetNotFoundError', 'FileItem',
           'MODALITIES', 'SUBSETS']


class BaseSBIRDataset(DataTreeMixin, BaseDataset):
    """Base class of the ZS-SBIR datasets: one sketch or photo per sample.

    A subclass says which classes are seen/unseen
    (:meth:`_resolve_classes`) and which files belong to them
    (:meth:`_list_files`); this class turns that into the subsets of
    ``docs/design.md``:

    - ``subset='train'``: seen classes minus the held-out samples; labels
      index the seen classes.
    - ``subset='val'``: the held-out samples of the SEEN classes (model
      selection, never the test classes); labels index the seen classes.
      Held-out samples are the official held-out list where a benchmark ships
      one (SAKE's held-out sketches); otherwise ``val_ratio`` of each seen
      class and modality (``floor(val_ratio * n + 0.5)``, at most ``n - 1``
      so every class keeps one training sample), chosen by sorting the files
      on ``sha1(f'{split_seed}|{modality}|{relative path}')``: deterministic,
      independent of the platform, of file order and of other classes.
    - ``subset='test'``: the unseen classes, labels index them (plus
      distractor photos, label ``-1``, for datasets that have them). With
      ``generalized=True`` (GZS-SBIR), seen-class sketches and photos are
      added: ``floor(generalized_ratio * n + 0.5)`` of each modality, ``n``
      being the number of unseen-class test samples of that modality
      (distractors not counted), drawn from the held-out seen samples by the
      same kind of sha1 ordering. Then ``metainfo['classes']`` is
      unseen + seen, labels index that list, and ``is_seen`` is True for the
      added samples, False for the others (distractors included). When the
      held-out pool is smaller than needed, all of it is used and a warning
      is logged.

    Each entry of the data list is
    ``dict(img_path, gt_label, class_name, modality, is_seen)``
    (``is_seen`` None unless ``generalized``); mmengine adds ``sample_idx``.
    Order: all sketches, then all photos; within a modality the samples of
    the subset's own classes, then (generalized) the added seen-class
    samples, each sorted by (label, relative path); distractors last.

    Corrupt or missing image files (:mod:`.corrupt_files`): with
    ``on_corrupt='error'`` (default) reading one raises an error that names
    the file. With ``on_corrupt='skip'`` they are skipped and counted
    (:attr:`skipped_files`): (a) with ``verify_files=True`` every file is
    decoded once in :meth:`full_init` and the bad ones are dropped from the
    data list (exact; forced for ``val``/``test`` subsets in skip mode,
    because substituting an evaluation sample would distort the metric; a
    file of theirs that breaks later raises); (b) otherwise (training) a
    sample whose image fails to load is replaced by the next sample of the
    same class and modality, so class-balanced batches keep their
    structure. Each process (data-loader worker) logs a warning per bad file
    and counts it in its own :attr:`skipped_files`; the replacing sample
    lists the files it stands in for in its data sample's
    ``replaced_files`` meta field, which
    :class:`~sketret.engine.hooks.CorruptFileHook` counts in the main
    process (training log, stop above a threshold).
    ``verify_files=True`` with ``on_corrupt='error'`` checks every file up
    front and raises an error listing the bad ones.

    Args:
        data_root (str): Root of the data tree.
        split (str | dict | None): The split (see subclasses).
        modality (str): ``'sketch'``, ``'photo'`` or ``'both'``.
        subset (str): ``'train'``, ``'val'`` or ``'test'``.
        generalized (bool): GZS-SBIR test set (only with ``subset='test'``).
        val_ratio (float): Held-out fraction per seen class where no official
            held-out list exists. Defaults to 0.1 (default chosen by
            sketret).
        split_seed (int): Seed of the held-out and generalized selections.
            Defaults to 0 (default chosen by sketret).
        generalized_ratio (float): Seen-class test samples added per
            modality, as a fraction of the unseen test samples. Defaults to
            0.2 (the GZS-SBIR protocol).
        on_corrupt (str): ``'error'`` or ``'skip'``, see above.
        verify_files (bool): Decode every file in :meth:`full_init`.
        pipeline (Sequence[dict | callable]): Transforms, built from
            sketret's TRANSFORMS registry (``mmcv.Resize`` etc. by scoped
            name).
        test_mode (bool, optional): mmengine's test mode (no re-fetching of
            a failed sample). Defaults to ``subset != 'train'``.
        metainfo (dict, optional): Extra meta information (``classes`` is
            always set by the dataset).
        **kwargs: ``lazy_init``, ``serialize_data``, ``indices``,
            ``max_refetch`` of :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO = dict(classes=())

    def __init__(self,
                 data_root: Optional[str],
                 split=None,
                 modality: str = 'both',
                 subset: str = 'train',
                 generalized: bool = False,
                 val_ratio: float = 0.1,
                 split_seed: int = 0,
                 generalized_ratio: float = 0.2,
                 on_corrupt: str = 'error',
                 verify_files: bool = False,
                 pipeline: Sequence = (),
                 test_mode: Optional[bool] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        check_dataset_args(type(self).__name__, data_root, modality, subset,
                           generalized, on_corrupt, val_ratio,
                           generalized_ratio, kwargs)
        self.split = split
        self.modality = modality
        self.subset = subset
        self.generalized = bool(generalized)
        self.val_ratio = float(val_ratio)
        self.split_seed = int(split_seed)
        self.generalized_ratio = float(generalized_ratio)
        self.on_corrupt = on_corrupt
        self.verify_files = bool(verify_files) or (on_corrupt == 'skip'
                                                   and subset != 'train')
        self._corrupt = CorruptFileHandler(
            on_corrupt, type(self).__name__, substitute=subset == 'train')
        self._groups_cache = None
        # data_root is needed by _resolve_classes (folder datasets)
        self.data_root = str(data_root)

        seen, unseen = self._resolve_classes()
        self.seen_classes: List[str] = list(seen)
        self.unseen_classes: List[str] = list(unseen)
        self._check_disjoint(self.seen_classes, self.unseen_classes)
        meta = dict(metainfo or {})
        meta.update(
            classes=tuple(self._subset_classes()),
            seen_classes=tuple(self.seen_classes),
            unseen_classes=tuple(self.unseen_classes),
            generalized=self.generalized)
        if test_mode is None:
            test_mode = subset != 'train'
        with DefaultScope.overwrite_default_scope('sketret'):
            transforms = [
                TRANSFORMS.build(t) if isinstance(t, dict) else t
                for t in pipeline
            ]
        super().__init__(
            data_root=self.data_root,
            metainfo=meta,
            pipeline=transforms,
            test_mode=test_mode,
            **kwargs)
        # str values would be read as file names by mmengine's
        # _load_metainfo, so they are added afterwards
        self._metainfo.update(
            dataset=type(self).__name__,
            split=self._split_name(),
            subset=subset,
            modality=modality)

    def _subset_classes(self) -> List[str]:
        """The classes of the subset, in label order."""
        if self.subset in ('train', 'val'):
            if not self.seen_classes:
                raise ValueError(
                    f'{self.DATASET_NAME} split {self._split_name()!r} has no '
                    f'seen classes, so there is no {self.subset!r} subset. '
                    f'{self._no_seen_hint()}')
            return list(self.seen_classes)
        if not self.unseen_classes:
            raise ValueError(
                f'{self.DATASET_NAME} split {self._split_name()!r} has '
                'no unseen classes, so there is no test subset')
        return self.unseen_classes + (self.seen_classes
                                      if self.generalized else [])

    # ------------------------------------------------------------------
    # To be provided by subclasses.
    def _resolve_classes(self) -> Tuple[List[str], List[str]]:
        """Return ``(seen, unseen)`` class names (their order = label
        order). Must be cheap (no scan of image files)."""
        raise NotImplementedError

    def _list_files(self, modality: str,
                    pool: str) -> Optional[List[FileItem]]:
        """Files of ``pool`` (``'seen'``, ``'heldout'`` or ``'unseen'``) as
        ``(path relative to data_root, class name)``. ``'heldout'`` returns
        None when there is no official held-out list (then ``val_ratio`` of
        ``'seen'`` is held out)."""
        raise NotImplementedError

    def _list_distractors(self) -> List[str]:
        """Distractor photos (relative paths), part of the test gallery."""
        return []

    def _no_seen_hint(self) -> str:
        return ''

    # Kept as a static method: subclasses and tools call it on the class.
    _check_disjoint = staticmethod(check_disjoint)

    # ------------------------------------------------------------------
    @property
    def modalities(self) -> Tuple[str, ...]:
        return (('sketch', 'photo') if self.modality == 'both' else
                (self.modality, ))

    def _seen_split(self, modality: str
                    ) -> Tuple[List[FileItem], List[FileItem]]:
        """``(train, held-out)`` files of the seen classes."""
        official = self._list_files(modality, 'heldout')
        if official is not None:
            return self._list_files(modality, 'seen'), official
        return hold_out(self._list_files(modality, 'seen'), self.val_ratio,
                        self.split_seed, modality)

    def _generalized_files(self, modality: str,
                           num_unseen: int) -> List[FileItem]:
        """Seen-class files added to the generalized test set."""
        _, pool = self._seen_split(modality)
        picked, need = pick_generalized(pool, num_unseen,
                                        self.generalized_ratio,
                                        self.split_seed, modality)
        if len(picked) < need:
            print_log(
                f'{type(self).__name__}: generalized test set needs '
                f'{need} seen-class {modality}es but only '
                f'{len(picked)} are held out; using all of them '
                '(raise val_ratio to hold out more).',
                logger='current',
                level=logging.WARNING)
        return picked

    def load_data_list(self) -> List[dict]:
        """Build the data list of the chosen subset (see class doc)."""
        self._check_root()
        classes = list(self._metainfo['classes'])
        label_of = {c: i for i, c in enumerate(classes)}
        gen = self.generalized
        data_list = []

        def entries(items, is_seen, modality):
            rows = sorted(((label_of[c], p, c) for p, c in items))
            return [
                dict(
                    img_path=osp.join(self.data_root, p),
                    gt_label=lab,
                    class_name=c,
                    modality=modality,
                    is_seen=is_seen) for lab, p, c in rows
            ]

        for modality in self.modalities:
            if self.subset in ('train', 'val'):
                train, held = self._seen_split(modality)
                data_list += entries(train if self.subset == 'train' else held,
                                     None, modality)
                continue
            unseen = self._list_files(modality, 'unseen')
            data_list += entries(unseen, False if gen else None, modality)
            if gen:
                data_list += entries(
                    self._generalized_files(modality, len(unseen)), True,
                    modality)
            if modality == 'photo':
                data_list += [
                    dict(
                        img_path=osp.join(self.data_root, p),
                        gt_label=-1,
                        class_name=None,
                        modality='photo',
                        is_seen=False if gen else None)
                    for p in sorted(self._list_distractors())
                ]
        if not data_list:
            raise ValueError(
                f'{self.DATASET_NAME} (split {self._split_name()!r}, subset '
                f'{self.subset!r}, modality {self.modality!r}) has no '
                f'sample under "{self.data_root}"; check the tree with '
                'tools/misc/check_dataset.py' +
                (f' (val_ratio={self.val_ratio})'
                 if self.subset == 'val' else ''))
        return data_list

    def filter_data(self) -> List[dict]:
        """The optional ``verify_files`` pass (see class doc)."""
        data_list = super().filter_data()
        if self.verify_files:
            data_list = self._corrupt.verify(data_list)
        if self._indices is None:  # cache labels before serialisation
            self._groups_cache = (
                np.array([d['gt_label'] for d in data_list], dtype=np.int64),
                np.array([d['modality'] for d in data_list], dtype=str))
        return data_list

    @property
    def skipped_files(self) -> List[Tuple[str, str]]:
        """``(path, reason)`` of every file skipped by this process."""
        return self._corrupt.skipped_files

    @property
    def num_skipped(self) -> int:
        """Number of files skipped by this process."""
        return len(self.skipped_files)

    # ------------------------------------------------------------------
    def get_labels_and_modalities(self) -> Tuple[np.ndarray, np.ndarray]:
        """``(gt_label (N,) int64, modality (N,) str)`` of every sample."""
        if self._groups_cache is None:
            self.full_init()
            n = len(self)
            labels = np.empty(n, dtype=np.int64)
            mods = np.empty(n, dtype=object)
            for i in range(n):
                info = self.get_data_info(i)
                labels[i] = info['gt_label']
                mods[i] = info['modality']
            self._groups_cache = (labels, mods.astype(str))
        return self._groups_cache

    def prepare_data(self, idx: int):
        """Run the pipeline; in a training subset with
        ``on_corrupt='skip'`` a sample whose image cannot be read is
        replaced by the next one of the same class and modality (see class
        doc)."""
        return self._corrupt.load(idx, super().prepare_data,
                                  lambda i: self.get_data_info(i)['img_path'],
                                  lambda: self._same_group(idx))

    def _same_group(self, idx: int) -> List[int]:
        """The other samples of ``idx``'s class and modality, those after
        it first."""
        labels, mods = self.get_labels_and_modalities()
        same = np.flatnonzero((labels == labels[idx]) & (mods == mods[idx]))
        return np.concatenate([same[same > idx], same[same < idx]]).tolist()
