# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The common base class of sketret's zero-shot SBIR datasets."""
import hashlib
import logging
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmengine.registry import DefaultScope

from sketret.registry import TRANSFORMS

from .class_names import ClassNameMatcher, normalize_class_name
from .image_io import CorruptImageError, is_image_file, read_sbir_image

__all__ = ['BaseSBIRDataset', 'DatasetNotFoundError']

MODALITIES = ('sketch', 'photo', 'both')
SUBSETS = ('train', 'val', 'test')
# (relative path, class name) of one file
FileItem = Tuple[str, str]


def _stable_key(*parts) -> str:
    """A platform-independent pseudo-random sort key (sha1 hex)."""
    return hashlib.sha1('|'.join(map(str, parts)).encode('utf-8')).hexdigest()


def _round_half_up(x: float) -> int:
    return int(np.floor(x + 0.5))


class DatasetNotFoundError(FileNotFoundError):
    """The data of a dataset is not where its config says (the message
    shows the expected tree and how to check it). The tools print it
    without a traceback."""


class BaseSBIRDataset(BaseDataset):
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

    Corrupt or missing image files: with ``on_corrupt='error'`` (default)
    reading one raises an error that names the file. With
    ``on_corrupt='skip'`` they are skipped and counted
    (:attr:`skipped_files`): (a) with ``verify_files=True`` every file is
    decoded once in :meth:`full_init` and the bad ones are dropped from the
    data list (exact; forced for ``val``/``test`` subsets in skip mode,
    because substituting an evaluation sample would distort the metric);
    (b) otherwise (training) a sample whose image fails to load is replaced
    by the next sample of the same class and modality, so class-balanced
    batches stay balanced; each process (data-loader worker) logs a warning
    per bad file and counts them in its own :attr:`skipped_files`.
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

    #: Name used in messages.
    DATASET_NAME = 'ZS-SBIR dataset'
    #: Expected folder tree, shown when the data root is missing.
    EXPECTED_TREE = ''
    #: ``docs/datasets.md`` section that says where to get the data.
    DOCS_SECTION = ''

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
        if modality not in MODALITIES:
            raise ValueError(f'modality must be one of {MODALITIES}, got '
                             f'{modality!r}')
        if subset not in SUBSETS:
            raise ValueError(f'subset must be one of {SUBSETS}, got '
                             f'{subset!r}')
        if generalized and subset != 'test':
            raise ValueError('generalized=True only applies to '
                             f"subset='test', got subset={subset!r}")
        if on_corrupt not in ('error', 'skip'):
            raise ValueError("on_corrupt must be 'error' or 'skip', got "
                             f'{on_corrupt!r}')
        if not 0 <= val_ratio < 1:
            raise ValueError(f'val_ratio must be in [0, 1), got {val_ratio}')
        if not 0 <= generalized_ratio:
            raise ValueError('generalized_ratio must be >= 0, got '
                             f'{generalized_ratio}')
        for key in ('ann_file', 'data_prefix', 'filter_cfg'):
            if key in kwargs:
                raise TypeError(f'{type(self).__name__} does not take '
                                f'{key!r}: files come from the split')
        if data_root is None or str(data_root) == '':
            raise ValueError(f'{type(self).__name__} needs a data_root')
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
        self.skipped_files: List[Tuple[str, str]] = []
        self._groups_cache = None
        self._folder_cache: Dict[str, ClassNameMatcher] = {}
        # data_root is needed by _resolve_classes (folder datasets)
        self.data_root = str(data_root)

        seen, unseen = self._resolve_classes()
        self.seen_classes: List[str] = list(seen)
        self.unseen_classes: List[str] = list(unseen)
        self._check_disjoint(self.seen_classes, self.unseen_classes)
        if subset in ('train', 'val'):
            classes = list(self.seen_classes)
            if not classes:
                raise ValueError(
                    f'{self.DATASET_NAME} split {self._split_name()!r} has no '
                    f'seen classes, so there is no {subset!r} subset. '
                    f'{self._no_seen_hint()}')
        else:
            classes = list(self.unseen_classes)
            if not classes:
                raise ValueError(
                    f'{self.DATASET_NAME} split {self._split_name()!r} has '
                    'no unseen classes, so there is no test subset')
            if self.generalized:
                classes += self.seen_classes
        meta = dict(metainfo or {})
        meta.update(
            classes=tuple(classes),
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

    def _check_root(self) -> None:
        """Raise FileNotFoundError (with the expected tree) if the data
        root is missing."""
        if not osp.isdir(self.data_root):
            raise DatasetNotFoundError(self._missing_root_message())

    def _split_name(self) -> str:
        return str(self.split)

    def _no_seen_hint(self) -> str:
        return ''

    # ------------------------------------------------------------------
    # Helpers for subclasses.
    def _missing_root_message(self, missing: Optional[str] = None) -> str:
        what = (f'lacks "{missing}"' if missing else 'does not exist')
        tree = '\n'.join('    ' + line
                         for line in self.EXPECTED_TREE.strip('\n').split(
                             '\n')).replace('<data_root>', self.data_root)
        split_opt = (f' --split {self.split}'
                     if isinstance(self.split, str) else '')
        return (
            f'{self.DATASET_NAME} data root "{self.data_root}" {what}.\n'
            f'Expected tree:\n{tree}\n'
            'Where to get the data: docs/datasets.md, section '
            f'"{self.DOCS_SECTION or self.DATASET_NAME}".\n'
            'Check a tree with: python tools/misc/check_dataset.py '
            f'--dataset {type(self).__name__} --data-root {self.data_root}'
            f'{split_opt}')

    def _require_dir(self, rel_dir: str) -> str:
        path = osp.join(self.data_root, rel_dir)
        if not osp.isdir(path):
            raise DatasetNotFoundError(
                self._missing_root_message(missing=rel_dir) if osp.isdir(
                    self.data_root) else self._missing_root_message())
        return path

    def _folder_matcher(self, rel_dir: str) -> ClassNameMatcher:
        if rel_dir not in self._folder_cache:
            path = self._require_dir(rel_dir)
            folders = sorted(e.name for e in os.scandir(path)
                             if e.is_dir() and not e.name.startswith('.'))
            self._folder_cache[rel_dir] = ClassNameMatcher(folders)
        return self._folder_cache[rel_dir]

    def _class_folders(self, rel_dir: str,
                       classes: Iterable[str]) -> Dict[str, str]:
        """Map each class to its folder in ``rel_dir`` (names matched with
        :mod:`sketret.datasets.class_names`).

        Raises:
            FileNotFoundError: Some classes have no folder (all listed).
        """
        matcher = self._folder_matcher(rel_dir)
        out, missing = {}, []
        for c in classes:
            folder = matcher.match(c)
            if folder is None:
                missing.append(c)
            else:
                out[c] = folder
        if missing:
            raise DatasetNotFoundError(
                f'{self.DATASET_NAME} split {self._split_name()!r}: '
                f'{len(missing)} class(es) have no folder in '
                f'"{osp.join(self.data_root, rel_dir)}": {missing} '
                '(class names are matched after lower-casing and turning '
                'spaces/hyphens into "_"). Check the tree with '
                'tools/misc/check_dataset.py.')
        return out

    def _scan_class_files(self, rel_dir: str, classes: Sequence[str],
                          accept=is_image_file) -> List[FileItem]:
        """All files in ``rel_dir/<class folder>/`` whose name ``accept``
        takes (default: image files), sorted."""
        folders = self._class_folders(rel_dir, classes)
        out = []
        for c in classes:
            d = osp.join(self.data_root, rel_dir, folders[c])
            names = sorted(e.name for e in os.scandir(d)
                           if e.is_file() and accept(e.name))
            out += [(f'{rel_dir}/{folders[c]}/{n}', c) for n in names]
        return out

    @staticmethod
    def _check_disjoint(seen: Sequence[str], unseen: Sequence[str]) -> None:
        both = sorted({normalize_class_name(c)
                       for c in seen} & {normalize_class_name(c)
                                         for c in unseen})
        if both:
            raise ValueError(f'classes both seen and unseen: {both}')
        for name, lst in (('seen', seen), ('unseen', unseen)):
            norm = [normalize_class_name(c) for c in lst]
            dup = sorted({n for n in norm if norm.count(n) > 1})
            if dup:
                raise ValueError(f'{name} classes repeat {dup}')

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
        by_class: Dict[str, List[FileItem]] = {}
        for item in self._list_files(modality, 'seen'):
            by_class.setdefault(item[1], []).append(item)
        train, held = [], []
        for items in by_class.values():
            n = len(items)
            k = min(_round_half_up(self.val_ratio * n), max(n - 1, 0))
            ordered = sorted(
                items,
                key=lambda it: _stable_key(self.split_seed, modality, it[0]))
            held += ordered[:k]
            train += ordered[k:]
        return train, held

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
                need = _round_half_up(self.generalized_ratio * len(unseen))
                _, pool = self._seen_split(modality)
                pool = sorted(
                    pool,
                    key=lambda it: _stable_key(self.split_seed, 'generalized',
                                               modality, it[0]))
                if len(pool) < need:
                    print_log(
                        f'{type(self).__name__}: generalized test set needs '
                        f'{need} seen-class {modality}es but only '
                        f'{len(pool)} are held out; using all of them '
                        '(raise val_ratio to hold out more).',
                        logger='current',
                        level=logging.WARNING)
                data_list += entries(pool[:need], True, modality)
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
        data_list = self._verify(super().filter_data())
        if self._indices is None:  # cache labels before serialisation
            self._groups_cache = (
                np.array([d['gt_label'] for d in data_list], dtype=np.int64),
                np.array([d['modality'] for d in data_list], dtype=str))
        return data_list

    def _verify(self, data_list: List[dict]) -> List[dict]:
        if not self.verify_files:
            return data_list
        keep, bad = [], []
        for info in data_list:
            try:
                read_sbir_image(info['img_path'], info['modality'])
            except (CorruptImageError, FileNotFoundError) as err:
                bad.append((info['img_path'], str(err)))
            else:
                keep.append(info)
        if not bad:
            return data_list
        if self.on_corrupt == 'error':
            listing = '\n'.join(f'  {msg}' for _, msg in bad[:20])
            more = f'\n  ... and {len(bad) - 20} more' if len(bad) > 20 else ''
            raise CorruptImageError(
                bad[0][0], f'{len(bad)} of {len(data_list)} files are '
                f'missing or corrupt:\n{listing}{more}\n'
                "(pass on_corrupt='skip' to drop them)")
        self.skipped_files += bad
        print_log(
            f'{type(self).__name__}: skipped {len(bad)} missing or corrupt '
            f'files (first: {bad[0][1]}); see dataset.skipped_files.',
            logger='current',
            level=logging.WARNING)
        return keep

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
        """Run the pipeline; with ``on_corrupt='skip'`` a sample whose image
        cannot be read is replaced by the next one of the same class and
        modality."""
        try:
            return super().prepare_data(idx)
        except (CorruptImageError, FileNotFoundError) as err:
            if self.on_corrupt == 'error':
                raise
            self._note_skipped(err)
        labels, mods = self.get_labels_and_modalities()
        same = np.flatnonzero((labels == labels[idx]) & (mods == mods[idx]))
        order = np.concatenate([same[same > idx], same[same < idx]])
        for alt in order.tolist():
            try:
                return super().prepare_data(alt)
            except (CorruptImageError, FileNotFoundError) as err:
                self._note_skipped(err)
        raise RuntimeError(
            f'every {mods[idx]} of class {labels[idx]} is missing or corrupt '
            f'(sample {idx}); see dataset.skipped_files')

    def _note_skipped(self, err: Exception) -> None:
        path = (getattr(err, 'path', None) or getattr(err, 'filename', None)
                or str(err))
        if any(p == path for p, _ in self.skipped_files):
            return
        self.skipped_files.append((path, str(err)))
        print_log(
            f'{type(self).__name__}: skipping unreadable file ({err}); '
            f'{len(self.skipped_files)} skipped so far in this process.',
            logger='current',
            level=logging.WARNING)
