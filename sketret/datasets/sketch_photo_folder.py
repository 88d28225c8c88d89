# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Any ``sketch/<class>/*`` + ``photo/<class>/*`` tree, and the bundled
real set."""
import json
import os
import os.path as osp
from typing import List, Optional, Tuple, Union

from sketret.registry import DATASETS

from .assets import SBIR_MINI_ROOT
from .base_sbir_dataset import BaseSBIRDataset, FileItem
from .class_names import ClassNameMatcher, normalize_class_name
from .image_io import is_image_file, is_sketch_file

__all__ = ['SketchPhotoFolder', 'SBIRMini']


@DATASETS.register_module()
class SketchPhotoFolder(BaseSBIRDataset):
    """A user's folder of sketches and photos::

        <data_root>/
          sketch/<class>/*.png|jpg|...|svg  (raster or vector sketches)
          photo/<class>/*.jpg|png|...
          distractor/*.jpg     (optional: photos relevant to no query; in
                                the test gallery with label -1)
          split.json           (optional: {"seen": [...], "unseen": [...]})

    Which classes are seen (train/val) and unseen (test) comes from
    ``split``:

    - ``None`` (default): ``<data_root>/split.json`` if it exists; without
      it, every class folder is an unseen test class (pure retrieval
      evaluation; no train/val subset).
    - a path to a JSON file with ``seen`` and ``unseen`` lists (relative
      paths are relative to ``data_root``);
    - a dict ``dict(seen=[...], unseen=[...])``.

    Class names in the split may be spelled differently from the folders
    (see :mod:`sketret.datasets.class_names`); ``metainfo['classes']`` uses
    the split's spelling. Class folders not in the split are ignored. All
    files are scanned (image extensions only, sorted); val = ``val_ratio``
    of each seen class and modality (see :class:`BaseSBIRDataset`).

    Args:
        data_root (str): The tree's root.
        split (str | dict | None): See above.
        sketch_dir (str): Defaults to ``'sketch'``.
        photo_dir (str): Defaults to ``'photo'``.
        distractor_dir (str): Defaults to ``'distractor'`` (optional).
        **kwargs: See :class:`BaseSBIRDataset`.
    """
    DATASET_NAME = 'SketchPhotoFolder'
    DOCS_SECTION = 'Your own data (SketchPhotoFolder)'
    EXPECTED_TREE = """
<data_root>/
  sketch/<class>/<file>.png|.svg   (black strokes on white, or strokes)
  photo/<class>/<file>.jpg
  distractor/<file>.jpg            (optional)
  split.json                       (optional: {"seen": [..], "unseen": [..]})
"""

    def __init__(self,
                 data_root: str,
                 split: Union[str, dict, None] = None,
                 sketch_dir: str = 'sketch',
                 photo_dir: str = 'photo',
                 distractor_dir: str = 'distractor',
                 **kwargs):
        self.sketch_dir = sketch_dir
        self.photo_dir = photo_dir
        self.distractor_dir = distractor_dir
        self._split_source = 'all classes unseen'
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _split_name(self) -> str:
        return self._split_source

    def _no_seen_hint(self) -> str:
        return ('Add a split.json ({"seen": [...], "unseen": [...]}) to the '
                'data root, or pass split=dict(seen=..., unseen=...).')

    def _modality_dir(self, modality: str) -> str:
        return self.sketch_dir if modality == 'sketch' else self.photo_dir

    def _check_root(self) -> None:
        super()._check_root()
        for modality in self.modalities:
            self._require_dir(self._modality_dir(modality))

    def _load_split(self) -> Optional[dict]:
        split = self.split
        if isinstance(split, dict):
            self._split_source = 'dict'
            return split
        if split is None:
            path = osp.join(self.data_root, 'split.json')
            if not osp.isfile(path):
                return None
        elif isinstance(split, (str, os.PathLike)):
            path = str(split)
            if not osp.isabs(path):
                path = osp.join(self.data_root, path)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'split file {split!r} not found (looked at "{path}"). '
                    'Pass split=None to use <data_root>/split.json when it '
                    'exists (else every class is an unseen test class), a '
                    'JSON file path, or dict(seen=[...], unseen=[...]).')
        else:
            raise TypeError('split must be None, a JSON path or a dict, got '
                            f'{type(split)}')
        self._split_source = (
            osp.relpath(path, self.data_root) if osp.abspath(path).startswith(
                osp.abspath(self.data_root) + os.sep) else path)
        with open(path, encoding='utf-8') as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'split file "{path}" is not valid JSON: '
                                 f'{e}') from e
        return data

    def _folder_classes(self) -> List[str]:
        """Sorted union of the sketch and photo class folders (both
        folders whatever the modality, so that labels agree between a
        sketch-only and a photo-only dataset of the same tree)."""
        names = {}
        for rel_dir in (self.sketch_dir, self.photo_dir):
            if osp.isdir(osp.join(self.data_root, rel_dir)):
                for c in self._folder_matcher(rel_dir).candidates:
                    names.setdefault(normalize_class_name(c), c)
        return sorted(names.values())

    def _resolve_classes(self) -> Tuple[List[str], List[str]]:
        self._check_root()
        data = self._load_split()
        if data is None:
            return [], self._folder_classes()
        if not isinstance(data, dict) or not set(data) >= {'seen', 'unseen'}:
            raise ValueError(
                f'split {self._split_source!r} must be a mapping with "seen" '
                f'and "unseen" class lists, got keys {sorted(data)}'
                if isinstance(data, dict) else
                f'split {self._split_source!r} must be a mapping')
        seen, unseen = list(data['seen']), list(data['unseen'])
        # every listed class needs a folder (checked per modality)
        for modality in self.modalities:
            self._class_folders(self._modality_dir(modality), seen + unseen)
        return seen, unseen

    def _list_files(self, modality: str,
                    pool: str) -> Optional[List[FileItem]]:
        if pool == 'heldout':
            return None
        classes = self.unseen_classes if pool == 'unseen' else (
            self.seen_classes)
        return self._scan_class_files(
            self._modality_dir(modality), classes,
            is_sketch_file if modality == 'sketch' else is_image_file)

    def _list_distractors(self) -> List[str]:
        d = osp.join(self.data_root, self.distractor_dir)
        if not osp.isdir(d):
            return []
        return [
            f'{self.distractor_dir}/{e.name}' for e in sorted(
                os.scandir(d), key=lambda e: e.name)
            if e.is_file() and is_image_file(e.name)
        ]

    def unmatched_folders(self) -> List[str]:
        """Class folders that no split class refers to (they are ignored)."""
        classes = ClassNameMatcher(self.seen_classes + self.unseen_classes)
        return [c for c in self._folder_classes() if c not in classes]


@DATASETS.register_module()
class SBIRMini(SketchPhotoFolder):
    """The bundled real set ``sketret/assets/sbir-mini`` (see its README).

    10 classes, 6 seen (lobster, spoon, tank, dolphin, truck,
    traffic_light) / 4 unseen (pear, guitar, umbrella, hedgehog) from its
    ``split.json``; 552 sketches (Quick, Draw!, Sketchy, TU-Berlin), 186
    labelled photos, 23 distractor photos. Located through the package path,
    so it works from a clone and from an installed package.

    Args:
        data_root (str, optional): Defaults to the bundled folder.
        val_ratio (float): Defaults to 0.2 (default chosen by sketret: with
            0.1 the held-out pool is too small for the generalized test set,
            which needs 20 % of the unseen test size, i.e. 49 sketches and 15
            photos).
        **kwargs: See :class:`SketchPhotoFolder`.
    """
    DATASET_NAME = 'SBIRMini'
    DOCS_SECTION = 'The bundled set (SBIRMini)'

    def __init__(self,
                 data_root: Optional[str] = None,
                 val_ratio: float = 0.2,
                 **kwargs):
        super().__init__(
            data_root=data_root or SBIR_MINI_ROOT,
            val_ratio=val_ratio,
            **kwargs)
