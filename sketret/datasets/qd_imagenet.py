# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""qd-imagenet: Quick, Draw! vector sketches x ImageNet photos (73 classes).

The set ships with the repository in ``data/qd-imagenet`` (outside the
Python package); ``tools/dataset_converters/prepare_qd_imagenet.py`` turns it
into the tree read here.
"""
import hashlib
import json
import os.path as osp
from typing import List, Optional, Tuple

from sketret.registry import DATASETS

from .base_sbir_dataset import FileItem
from .class_names import normalize_class_name
from .sketch_photo_folder import SketchPhotoFolder

__all__ = ['QDImageNet', 'qd_imagenet_folds', 'QD_IMAGENET_GALLERIES']

#: Test galleries: (a) the unseen-class photos; (b) plus every seen-class
#: photo; (c) plus the distractor photos.
QD_IMAGENET_GALLERIES = ('unseen', 'unseen+seen', 'unseen+seen+distractor')

#: Number of class folds of the fold protocol (default chosen by sketret).
NUM_FOLDS = 4


def qd_imagenet_folds(classes: List[str],
                      num_folds: int = NUM_FOLDS) -> List[List[str]]:
    """Split ``classes`` into ``num_folds`` disjoint folds covering them.

    The classes are ordered by ``sha1('qd-imagenet-fold|' + normalised
    name)`` and dealt round-robin, so fold ``k`` gets positions ``k,
    k + K, k + 2K, ...``: deterministic, independent of the list order and
    of the platform; sizes differ by at most one (73 classes, K = 4: 19,
    18, 18, 18). Each fold keeps the order of ``classes``.
    """
    if not 2 <= num_folds <= len(classes):
        raise ValueError(f'num_folds must be in [2, {len(classes)}], got '
                         f'{num_folds}')
    ordered = sorted(
        classes,
        key=lambda c: hashlib.sha1(
            f'qd-imagenet-fold|{normalize_class_name(c)}'.encode(
                'utf-8')).hexdigest())
    fold_of = {c: i % num_folds for i, c in enumerate(ordered)}
    return [[c for c in classes if fold_of[c] == k]
            for k in range(num_folds)]


@DATASETS.register_module()
class QDImageNet(SketchPhotoFolder):
    """qd-imagenet (``data/qd-imagenet``, see its README and
    ``docs/datasets.md``): 73 Quick, Draw! classes, 200 SVG drawings each,
    291 ImageNet photos of those classes, 642 distractor photos.

    The tree (written by ``tools/dataset_converters/prepare_qd_imagenet.py``)::

        <data_root>/
          sketch/<class>/<class>_NNNN.svg
          photo/<class>/nXXXXXXXX_<imagenet name>.jpg
          distractor/*.jpg
          split.json                    {"seen": [61], "unseen": [12], ...}

    It is also a plain :class:`SketchPhotoFolder` tree, so
    ``tools/test.py --data-root`` and ``check_dataset.py`` read it too.

    Splits:

    - ``'standard'``: the 61 seen / 12 unseen classes of ``split.json``
      (the QuickDraw-Extended split restricted to classes with photos).
    - ``'fold0'`` ... ``'fold3'``: class folds over all 73 classes
      (:func:`qd_imagenet_folds`): fold ``k`` is unseen (18 or 19 classes
      with all their sketches and photos), the other 54-55 seen.

    Subsets:

    - ``train``: the seen classes' sketches minus the held-out ones
      (``val_ratio`` per class) and ALL their photos.
    - ``val`` (model selection, seen classes only): the held-out sketches
      against ALL seen-class photos; most classes have a single photo, so
      holding photos out would leave most queries without a relevant one.
      The val photos are thus training photos; the queries are not.
    - ``test``: the unseen-class sketches (2,400 in ``'standard'``) against
      the ``gallery``: ``'unseen'`` (the unseen-class photos, 19 in
      ``'standard'``), ``'unseen+seen'`` (plus all seen-class photos, 291),
      ``'unseen+seen+distractor'`` (plus the 642 distractors, 933).
      Seen-class photos and distractors are relevant to no query: label
      ``-1``, ``class_name`` None. The 31 excluded photos of the shipped set
      are never in a gallery (the preparation tool does not copy them).

    Args:
        data_root (str): The prepared tree. Defaults to
            ``'data/qd-imagenet/prepared'`` (relative to the working
            directory, like the other datasets).
        split (str): ``'standard'`` or ``'fold<k>'``.
        gallery (str): One of :data:`QD_IMAGENET_GALLERIES` (test subset).
            Defaults to ``'unseen+seen+distractor'``.
        num_folds (int): Folds of the fold protocol. Defaults to 4.
        **kwargs: See :class:`SketchPhotoFolder` / ``BaseSBIRDataset``.
    """
    DATASET_NAME = 'QDImageNet'
    DOCS_SECTION = 'qd-imagenet'
    EXPECTED_TREE = """
<data_root>/
  sketch/<class>/<class>_NNNN.svg
  photo/<class>/<file>.jpg
  distractor/<file>.jpg
  split.json
(build it with: python tools/dataset_converters/prepare_qd_imagenet.py)
"""

    def __init__(self,
                 data_root: str = 'data/qd-imagenet/prepared',
                 split: str = 'standard',
                 gallery: str = 'unseen+seen+distractor',
                 num_folds: int = NUM_FOLDS,
                 **kwargs):
        if gallery not in QD_IMAGENET_GALLERIES:
            raise ValueError(f'gallery must be one of {QD_IMAGENET_GALLERIES}'
                             f', got {gallery!r}')
        self.num_folds = int(num_folds)
        valid = ['standard'] + [f'fold{k}' for k in range(self.num_folds)]
        if split not in valid:
            raise ValueError(f'QDImageNet split must be one of {valid}, got '
                             f'{split!r}')
        self.gallery = gallery
        self._split_key = split
        for key in ('sketch_dir', 'photo_dir', 'distractor_dir'):
            if key in kwargs:
                raise TypeError(f'QDImageNet does not take {key!r}')
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _split_name(self) -> str:
        return self._split_key

    def _load_split(self) -> Optional[dict]:
        path = osp.join(self.data_root, 'split.json')
        if not osp.isfile(path):
            raise FileNotFoundError(self._missing_root_message(
                missing='split.json'))
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        seen, unseen = list(data['seen']), list(data['unseen'])
        if self._split_key == 'standard':
            return dict(seen=seen, unseen=unseen)
        k = int(self._split_key[len('fold'):])
        everything = seen + unseen
        held = set(qd_imagenet_folds(everything, self.num_folds)[k])
        return dict(seen=[c for c in everything if c not in held],
                    unseen=[c for c in everything if c in held])

    def _seen_split(self, modality: str
                    ) -> Tuple[List[FileItem], List[FileItem]]:
        train, held = super()._seen_split(modality)
        if modality == 'photo':  # every seen photo in train AND val
            everything = sorted(train + held)
            return everything, everything
        return train, held

    def _list_distractors(self) -> List[str]:
        if self.gallery == 'unseen':
            return []
        out = [p for p, _ in self._scan_class_files(
            self.photo_dir, self.seen_classes)]
        if self.gallery == 'unseen+seen+distractor':
            out += super()._list_distractors()
        return out
