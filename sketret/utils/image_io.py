# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Decode sketch and photo files into ``(H, W, 3)`` uint8 arrays.

One function, :func:`read_sbir_image`, is used by the loading transform,
the dataset's optional ``verify_files`` pass and
``tools/misc/check_dataset.py``, so "corrupt" means the same everywhere.
"""
import errno
import os.path as osp
import warnings
from typing import Optional

import numpy as np
from PIL import Image, ImageOps

from sketret.structures.strokes import (
    StrokeFormatError,
    Strokes,
    is_vector_sketch_file,
    read_strokes,
    render_strokes,
)

__all__ = [
    'IMG_EXTENSIONS', 'CorruptImageError', 'read_sbir_image',
    'is_image_file', 'is_sketch_file', 'read_sketch_strokes',
    'DEFAULT_MAX_PIXELS', 'pil_to_sbir_array'
]

#: File extensions read as images when scanning a folder tree (lower-case).
IMG_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif', '.tiff',
                  '.gif')

#: Refuse to decode images with more pixels than this (decompression-bomb
#: guard, checked from the header before decoding). 64 Mpx, default chosen
#: by sketret (PIL's own guard starts at ~89 Mpx).
DEFAULT_MAX_PIXELS = 64 * 1024 * 1024


class CorruptImageError(ValueError):
    """An image file exists but cannot be decoded (or is too large).

    ``str(err)`` names the file; ``err.path`` holds it.
    """

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f'corrupt or unreadable image file "{path}": '
                         f'{reason}')


def is_image_file(name: str) -> bool:
    """Whether ``name`` has one of :data:`IMG_EXTENSIONS` (case-insensitive)
    and is not a hidden file."""
    base = osp.basename(name)
    return (not base.startswith('.')
            and osp.splitext(base)[1].lower() in IMG_EXTENSIONS)


def is_sketch_file(name: str) -> bool:
    """Whether ``name`` is read as a sketch: an image file or a vector
    sketch (``.svg``, see :mod:`sketret.structures.strokes`)."""
    return is_image_file(name) or is_vector_sketch_file(name)


def read_sketch_strokes(path: str, modality: str) -> Optional[Strokes]:
    """The strokes of a vector sketch file, None for any other file.

    Raises:
        FileNotFoundError: The vector file does not exist.
        CorruptImageError: It cannot be parsed, has no stroke, or is a
            vector file given as a photo (the message names it).
    """
    if not is_vector_sketch_file(path):
        return None
    if modality != 'sketch':
        raise CorruptImageError(
            path, f'a vector drawing cannot be a {modality!r} (only '
            'sketches may be vector files)')
    if not osp.isfile(path):
        raise FileNotFoundError(errno.ENOENT, 'sketch file not found', path)
    try:
        strokes = read_strokes(path)
    except (StrokeFormatError, ValueError, UnicodeDecodeError) as e:
        raise CorruptImageError(path, f'{type(e).__name__}: {e}') from e
    if not len(strokes):
        raise CorruptImageError(path, 'the drawing has no stroke')
    return strokes


def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Composite an image with transparency over WHITE (a transparent sketch
    background must stay white, not turn black)."""
    has_alpha = img.mode in ('RGBA', 'LA', 'PA', 'RGBa', 'La') or (
        img.mode == 'P' and 'transparency' in img.info)
    if not has_alpha:
        return img
    rgba = img.convert('RGBA')
    white = Image.new('RGBA', rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert('RGB')


def _to_uint8_gray(img: Image.Image) -> np.ndarray:
    """``(H, W)`` uint8 grey image, 16-bit / float inputs rescaled."""
    if img.mode in ('I', 'I;16', 'I;16B', 'I;16L', 'F'):
        arr = np.asarray(img, dtype=np.float32)
        if arr.max(initial=0) > 255:
            arr = arr / 257.0  # 16-bit range -> 8-bit
        return np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    return np.asarray(img.convert('L'), dtype=np.uint8)


def pil_to_sbir_array(img: Image.Image,
                      modality: str,
                      color_order: str = 'rgb') -> np.ndarray:
    """Convert a decoded PIL image to sketret's ``(H, W, 3)`` uint8 array.

    Sketches become grey (transparency over white) replicated to 3 channels;
    photos RGB (or BGR). Used for files (:func:`read_sbir_image`) and for
    images that never were files (a drawing canvas, an upload).
    """
    if modality not in ('sketch', 'photo'):
        raise ValueError(
            f"modality must be 'sketch' or 'photo', got {modality!r}")
    img = _flatten_alpha(img)
    if modality == 'sketch':
        grey = _to_uint8_gray(img)
        out = np.repeat(grey[:, :, None], 3, axis=2)
    else:
        out = np.asarray(img.convert('RGB'), dtype=np.uint8)
        if color_order == 'bgr':
            out = out[:, :, ::-1]
    return np.ascontiguousarray(out)


def read_sbir_image(path: str,
                    modality: str,
                    color_order: str = 'rgb',
                    max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode one sketch or photo.

    A vector sketch (``.svg``) is rendered with the defaults of
    :func:`sketret.structures.strokes.render_strokes` (256 px, 3 px lines;
    the sketch pad's rendering); use the ``LoadStrokes`` and
    ``RenderStrokes`` transforms to choose other settings or to augment
    the strokes.

    Args:
        path (str): The image file.
        modality (str): ``'sketch'``: decoded to grey (transparency over
            white) and replicated to 3 identical channels, so black strokes
            on white stay black on white; ``'photo'``: RGB (transparency
            over white, EXIF orientation applied).
        color_order (str): ``'rgb'`` (default) or ``'bgr'`` channel order of
            the result. Irrelevant for sketches (3 equal channels).
        max_pixels (int): Refuse images with more pixels (read from the
            header, before decoding).

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8, C-contiguous.

    Raises:
        FileNotFoundError: The file does not exist (the message names it).
        CorruptImageError: It cannot be decoded, is truncated or is larger
            than ``max_pixels`` (the message names it).
    """
    if modality not in ('sketch', 'photo'):
        raise ValueError(
            f"modality must be 'sketch' or 'photo', got {modality!r} "
            f'(file "{path}")')
    if color_order not in ('rgb', 'bgr'):
        raise ValueError(f"color_order must be 'rgb' or 'bgr', got "
                         f'{color_order!r}')
    strokes = read_sketch_strokes(path, modality)
    if strokes is not None:
        return np.repeat(render_strokes(strokes)[:, :, None], 3, axis=2)
    if not osp.isfile(path):
        raise FileNotFoundError(errno.ENOENT, 'image file not found', path)
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below replaces PIL's warning.
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise CorruptImageError(
                        path, f'{w}x{h} px exceeds max_pixels={max_pixels} '
                        '(decompression-bomb guard); not decoded')
                if w == 0 or h == 0:
                    raise CorruptImageError(path, f'empty image {w}x{h}')
                img.load()
                if modality == 'photo':
                    img = ImageOps.exif_transpose(img)
                out = pil_to_sbir_array(img, modality, color_order)
    except CorruptImageError:
        raise
    except Image.DecompressionBombError as e:
        raise CorruptImageError(path, f'decompression bomb: {e}') from e
    except (OSError, SyntaxError, ValueError, TypeError, EOFError) as e:
        raise CorruptImageError(path, f'{type(e).__name__}: {e}') from e
    return out
