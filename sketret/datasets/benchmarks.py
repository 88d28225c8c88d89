# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Sketchy-Extended, TU-Berlin-Extended and QuickDraw-Extended.

Each benchmark reads its public release in the published folder layout and
the official split lists shipped in ``sketret/assets/splits`` (provenance in
its README). Where an official train list is missing from every public
snapshot (TU-Berlin photos, QuickDraw sketches and photos), the training
files are the folder tree restricted to the seen classes. Held-out
(validation) samples: SAKE's held-out sketch lists where shipped
(Sketchy-25, TU-Berlin), otherwise ``val_ratio`` of every seen class (see
:class:`BaseSBIRDataset`).
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from sketret.registry import DATASETS

from .assets import SPLITS_ROOT
from .base_sbir_dataset import BaseSBIRDataset, FileItem
from .class_names import ClassNameMatcher
from .split_files import read_class_list, read_file_list, sempcyc_class_split

__all__ = ['SketchyExtended', 'TUBerlinExtended', 'QuickDrawExtended',
           'BenchmarkSplit']


@dataclass(frozen=True)
class BenchmarkSplit:
    """Where the classes and files of one published split come from.

    Attributes:
        class_dir (str): Folder in the split root holding
            ``seen_classes.txt`` and ``unseen_classes.txt``.
        lists (dict): ``{(modality, pool): file list name}`` for the pools
            that have an official list (pool: ``'seen'``, ``'heldout'``,
            ``'unseen'``). Pools not listed are scanned from the folder tree
            (``'heldout'``: ``val_ratio`` of the seen files instead).
        sempcyc (bool): Classes come from :func:`sempcyc_class_split` of the
            ``class_dir`` classes instead of the two class lists.
    """
    class_dir: str
    lists: Dict[Tuple[str, str], str] = field(default_factory=dict)
    sempcyc: bool = False


class _ZSBenchmark(BaseSBIRDataset):
    """A benchmark with fixed sketch/photo folders and named splits.

    Args:
        data_root (str): Root of the release.
        split (str): One of :attr:`SPLITS`.
        split_root (str, optional): Folder holding the split files, laid out
            like ``sketret/assets/splits`` (``<class_dir>/seen_classes.txt``,
            ``unseen_classes.txt`` and the gzipped lists). Defaults to the
            shipped official files; tests point it at tiny lists.
        **kwargs: See :class:`BaseSBIRDataset`.
    """

    SPLITS: Dict[str, BenchmarkSplit] = {}
    DEFAULT_SPLIT = ''
    SKETCH_DIR = ''
    PHOTO_DIR = ''

    def __init__(self,
                 data_root: str,
                 split: Optional[str] = None,
                 split_root: Optional[str] = None,
                 **kwargs):
        split = self.DEFAULT_SPLIT if split is None else split
        if split not in self.SPLITS:
            raise ValueError(
                f'unknown {self.DATASET_NAME} split {split!r}; valid splits: '
                f'{sorted(self.SPLITS)}')
        self.split_root = split_root or SPLITS_ROOT
        self._spec = self.SPLITS[split]
        self._list_cache: Dict[Tuple[str, str], List[FileItem]] = {}
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _modality_dir(self, modality: str) -> str:
        return self.SKETCH_DIR if modality == 'sketch' else self.PHOTO_DIR

    def _class_file(self, name: str) -> str:
        return osp.join(self.split_root, self._spec.class_dir, name)

    def _resolve_classes(self) -> Tuple[List[str], List[str]]:
        seen = read_class_list(self._class_file('seen_classes.txt'))
        unseen = read_class_list(self._class_file('unseen_classes.txt'))
        if self._spec.sempcyc:
            train, val, test = sempcyc_class_split(seen + unseen)
            return train, sorted(val + test)
        return seen, unseen

    def _check_root(self) -> None:
        super()._check_root()
        for modality in self.modalities:
            self._require_dir(self._modality_dir(modality))

    def _list_files(self, modality: str,
                    pool: str) -> Optional[List[FileItem]]:
        key = (modality, pool)
        if key in self._list_cache:
            return self._list_cache[key]
        classes = (self.unseen_classes
                   if pool == 'unseen' else self.seen_classes)
        rel_dir = self._modality_dir(modality)
        list_name = self._spec.lists.get(key)
        if list_name is not None:
            items = self._read_official(
                osp.join(self.split_root, self._spec.class_dir, list_name),
                classes, rel_dir)
        elif pool == 'heldout':
            items = None
        else:
            items = self._scan_class_files(rel_dir, classes)
        self._list_cache[key] = items
        return items

    def _read_official(self, list_path: str, classes: List[str],
                       rel_dir: str) -> List[FileItem]:
        """Read an official list; class ids index ``classes``. The image path
        is ``rel_dir/<class folder on disk>/<file name>``, so a tree whose
        folders are spelled differently (``alarm_clock`` for ``alarm clock``)
        still loads; the class folder named in each line must match its
        class id."""
        folders = self._class_folders(rel_dir, classes)
        matchers = {c: ClassNameMatcher([c]) for c in classes}
        out = []
        for lineno, (rel, cid) in enumerate(read_file_list(list_path), 1):
            if not 0 <= cid < len(classes):
                raise ValueError(
                    f'{list_path}: entry {lineno} has class id {cid}, '
                    f'outside 0..{len(classes) - 1}')
            cls = classes[cid]
            parts = rel.replace('\\', '/').split('/')
            if len(parts) < 2 or matchers[cls].match(parts[-2]) is None:
                raise ValueError(
                    f'{list_path}: entry {lineno} "{rel}" has class id {cid} '
                    f'({cls!r}) but lies in folder {parts[-2:-1]}')
            out.append((f'{rel_dir}/{folders[cls]}/{parts[-1]}', cls))
        return out


_SKETCHY_TREE = """
<data_root>/
  256x256/
    sketch/tx_000000000000_ready/<class>/<photo id>-<n>.png
    photo/tx_000000000000_ready/<class>/<photo id>.jpg
      (Sketchy photos + the extended ImageNet photos of Liu et al. 2017,
       merged per class, as in the SAKE / ZSE-SBIR releases)
"""

_SK = 'sketch_tx_000000000000_ready_filelist_{}.txt.gz'
_PH = 'all_photo_filelist_{}.txt.gz'


@DATASETS.register_module()
class SketchyExtended(_ZSBenchmark):
    """Sketchy-Extended (Sangkloy et al. 2016 + Liu et al. 2017 photos).

    Splits (class lists and file lists in ``sketret/assets/splits``):

    - ``'sketchy_ext_25'`` (default): 100 seen / 25 unseen, the random split
      used by SAKE and ZSE-SBIR (``zeroshot1``). Official lists for train and
      test; SAKE's 5,000 held-out seen-class sketches are the val sketches;
      val photos are ``val_ratio`` of the seen-class train photos.
    - ``'sketchy_ext_21'``: 104 seen / 21 unseen, the split of Yelamarthi et
      al. (ECCV 2018; ``zeroshot0``), whose unseen classes have no overlap
      with ImageNet-1k. Val: ``val_ratio`` of the train lists.
    - ``'sketchy_sempcyc'``: the SEM-PCYC random split (see
      :func:`sketret.datasets.split_files.sempcyc_class_split`: sorted 125
      class names, legacy ``RandomState(0)``, 100 train / 12 val / 13 test;
      val + test = the 25 unseen classes), sorted class order. SEM-PCYC
      globs the class folders, so do we: all files of the tree, val =
      ``val_ratio`` of the seen classes.

    Labels: train/val labels are the official class ids of
    ``seen_classes.txt``, test labels those of ``unseen_classes.txt``.

    Args:
        data_root (str): Defaults to ``'data/Sketchy'`` (relative to the
            working directory).
        split (str): See above.
        **kwargs: See :class:`_ZSBenchmark` and :class:`BaseSBIRDataset`.
    """
    DATASET_NAME = 'Sketchy-Extended'
    DOCS_SECTION = 'Sketchy-Extended'
    EXPECTED_TREE = _SKETCHY_TREE
    SKETCH_DIR = '256x256/sketch/tx_000000000000_ready'
    PHOTO_DIR = '256x256/photo/tx_000000000000_ready'
    DEFAULT_SPLIT = 'sketchy_ext_25'
    SPLITS = {
        'sketchy_ext_25':
        BenchmarkSplit(
            'sketchy_ext_25', {
                ('sketch', 'seen'): _SK.format('train'),
                ('sketch', 'heldout'): _SK.format('test'),
                ('sketch', 'unseen'): _SK.format('zero'),
                ('photo', 'seen'): _PH.format('train'),
                ('photo', 'unseen'): _PH.format('zero'),
            }),
        'sketchy_ext_21':
        BenchmarkSplit(
            'sketchy_ext_21', {
                ('sketch', 'seen'): _SK.format('train'),
                ('sketch', 'unseen'): _SK.format('zero'),
                ('photo', 'seen'): _PH.format('train'),
                ('photo', 'unseen'): _PH.format('zero'),
            }),
        'sketchy_sempcyc':
        BenchmarkSplit('sketchy_ext_25', {}, sempcyc=True),
        }

    def __init__(self, data_root: str = 'data/Sketchy', **kwargs):
        super().__init__(data_root=data_root, **kwargs)


@DATASETS.register_module()
class TUBerlinExtended(_ZSBenchmark):
    """TU-Berlin-Extended (Eitz et al. 2012 sketches + Zhang et al. 2016
    ImageNet photos).

    Split ``'tuberlin_ext_30'`` (220 seen / 30 unseen, ZSE-SBIR/SAKE
    ``zeroshot``): official sketch train/test lists and unseen photo list;
    SAKE's 2,200 held-out seen-class sketches are the val sketches. The
    official seen-class photo list is missing from every public snapshot, so
    training photos are all files of ``ImageResized_ready/<seen class>/``
    minus ``val_ratio`` held out per class.

    Args:
        data_root (str): Defaults to ``'data/TUBerlin'``.
        **kwargs: See :class:`_ZSBenchmark` and :class:`BaseSBIRDataset`.
    """
    DATASET_NAME = 'TU-Berlin-Extended'
    DOCS_SECTION = 'TU-Berlin-Extended'
    EXPECTED_TREE = """
<data_root>/
  png_ready/<class>/<n>.png              (20,000 sketches, 250 classes)
  ImageResized_ready/<class>/<image>.JPEG  (204,489 photos)
"""
    SKETCH_DIR = 'png_ready'
    PHOTO_DIR = 'ImageResized_ready'
    DEFAULT_SPLIT = 'tuberlin_ext_30'
    SPLITS = {
        'tuberlin_ext_30':
        BenchmarkSplit(
            'tuberlin_ext_30', {
                ('sketch', 'seen'): 'png_ready_filelist_train.txt.gz',
                ('sketch', 'heldout'): 'png_ready_filelist_test.txt.gz',
                ('sketch', 'unseen'): 'png_ready_filelist_zero.txt.gz',
                ('photo', 'unseen'):
                'ImageResized_ready_filelist_zero.txt.gz',
            }),
        }

    def __init__(self, data_root: str = 'data/TUBerlin', **kwargs):
        super().__init__(data_root=data_root, **kwargs)


@DATASETS.register_module()
class QuickDrawExtended(_ZSBenchmark):
    """QuickDraw-Extended (Dey et al., Doodle2Search, CVPR 2019).

    Split ``'quickdraw_ext_30'`` (80 seen / 30 unseen): official unseen
    sketch and photo lists. The official train lists are missing from every
    public snapshot, so training files are the folder tree restricted to the
    seen classes, minus ``val_ratio`` held out per class and modality.

    Args:
        data_root (str): Defaults to ``'data/QuickDraw'``.
        **kwargs: See :class:`_ZSBenchmark` and :class:`BaseSBIRDataset`.
    """
    DATASET_NAME = 'QuickDraw-Extended'
    DOCS_SECTION = 'QuickDraw-Extended'
    EXPECTED_TREE = """
<data_root>/
  sketches/<class>/<key_id>.png        (Quick, Draw! sketches, 110 classes)
  images/<class>/image_<NNNNN>.jpg     (photos)
"""
    SKETCH_DIR = 'sketches'
    PHOTO_DIR = 'images'
    DEFAULT_SPLIT = 'quickdraw_ext_30'
    SPLITS = {
        'quickdraw_ext_30':
        BenchmarkSplit(
            'quickdraw_ext_30', {
                ('sketch', 'unseen'): 'sketch_zero.txt.gz',
                ('photo', 'unseen'): 'all_photo_zero.txt.gz',
            }),
        }

    def __init__(self, data_root: str = 'data/QuickDraw', **kwargs):
        super().__init__(data_root=data_root, **kwargs)
