# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Finding a ZS-SBIR dataset's folders and files under its data root, with
errors that show the expected tree."""
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence

from .class_names import ClassNameMatcher
from .image_io import is_image_file
from .split_selection import FileItem

__all__ = ['DatasetNotFoundError', 'DataTreeMixin']


class DatasetNotFoundError(FileNotFoundError):
    """The data of a dataset is not where its config says (the message
    shows the expected tree and how to check it). The tools print it
    without a traceback."""


class DataTreeMixin:
    """Folder look-ups of :class:`~sketret.datasets.BaseSBIRDataset`.

    The class using it sets ``data_root`` (str), ``split`` and the class
    attributes below, and may override :meth:`_split_name`.
    """

    #: Name used in messages.
    DATASET_NAME = 'ZS-SBIR dataset'
    #: Expected folder tree, shown when the data root is missing.
    EXPECTED_TREE = ''
    #: ``docs/datasets.md`` section that says where to get the data.
    DOCS_SECTION = ''

    data_root: str

    def _split_name(self) -> str:
        return str(self.split)

    def _check_root(self) -> None:
        """Raise DatasetNotFoundError (with the expected tree) if the data
        root is missing."""
        if not osp.isdir(self.data_root):
            raise DatasetNotFoundError(self._missing_root_message())

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
        cache: Dict[str, ClassNameMatcher] = self.__dict__.setdefault(
            '_folder_cache', {})
        if rel_dir not in cache:
            path = self._require_dir(rel_dir)
            folders = sorted(e.name for e in os.scandir(path)
                             if e.is_dir() and not e.name.startswith('.'))
            cache[rel_dir] = ClassNameMatcher(folders)
        return cache[rel_dir]

    def _class_folders(self, rel_dir: str,
                       classes: Iterable[str]) -> Dict[str, str]:
        """Map each class to its folder in ``rel_dir`` (names matched with
        :mod:`sketret.datasets.class_names`).

        Raises:
            DatasetNotFoundError: Some classes have no folder (all listed).
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
