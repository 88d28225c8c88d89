# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""JPEG thumbnails of gallery photos, made on demand and kept in a small
least-recently-used cache."""
import collections
import io
import logging
import os.path as osp
import threading
from typing import Sequence

from PIL import Image, ImageOps

from .errors import APIError

__all__ = ['ThumbnailCache', 'make_thumbnail', 'THUMB_SIZE']

logger = logging.getLogger('sketret.sketchpad')

#: Longest side of a thumbnail; gallery photos over this many pixels are
#: not decoded (they are the operator's files, but still).
THUMB_SIZE = 256
_GALLERY_MAX_PIXELS = 64 * 1024 * 1024
_THUMB_CACHE_ITEMS = 2048


def make_thumbnail(path: str, i: int) -> bytes:
    """The JPEG thumbnail of gallery photo ``i`` at ``path``.

    Raises:
        APIError: 404 when the photo is missing, too large or unreadable
            (logged for the operator; the client sees no path).
    """
    if not osp.isfile(path):
        logger.warning('gallery photo %d is missing: %s', i, path)
        raise APIError(404, f'gallery photo {i} is missing on disk')
    try:
        with Image.open(path) as img:
            if img.size[0] * img.size[1] > _GALLERY_MAX_PIXELS:
                raise APIError(404, f'gallery photo {i} is too large to '
                               'show')
            img.draft('RGB', (THUMB_SIZE, THUMB_SIZE))
            img = ImageOps.exif_transpose(img)
            if img.mode in ('RGBA', 'LA', 'PA') or (
                    img.mode == 'P' and 'transparency' in img.info):
                rgba = img.convert('RGBA')
                img = Image.new('RGB', rgba.size, (255, 255, 255))
                img.paste(rgba, mask=rgba.getchannel('A'))
            img = img.convert('RGB')
            img.thumbnail((THUMB_SIZE, THUMB_SIZE))
            buf = io.BytesIO()
            img.save(buf, 'JPEG', quality=85)
    except APIError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:
        logger.warning('gallery photo %d (%s) is unreadable: %s', i, path, e)
        raise APIError(404, f'gallery photo {i} is unreadable') from e
    return buf.getvalue()


class ThumbnailCache:
    """Thumbnails of the photos ``paths``, addressed by index only (no
    request names a file), the last ``max_items`` kept in memory."""

    def __init__(self, paths: Sequence[str],
                 max_items: int = _THUMB_CACHE_ITEMS):
        self.paths = paths
        self.max_items = max_items
        self._lock = threading.Lock()
        self._items = collections.OrderedDict()

    def get(self, i: int) -> bytes:
        n = len(self.paths)
        if not 0 <= i < n:
            raise APIError(404, f'no gallery photo {i}: the gallery has {n} '
                           f'photos, numbered 0..{n - 1}')
        with self._lock:
            if i in self._items:
                self._items.move_to_end(i)
                return self._items[i]
        data = make_thumbnail(self.paths[i], i)
        with self._lock:
            self._items[i] = data
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return data

    def clear(self) -> None:
        """Forget every cached thumbnail (photos changed on disk)."""
        with self._lock:
            self._items.clear()
