# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Sketch-pad queries to sketch images: uploaded PNG/JPEG decoding (with a
decompression-bomb guard), stroke parsing and rendering, blank checks."""
import io
import math
from typing import Sequence

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import APIError

__all__ = [
    'decode_upload', 'parse_strokes', 'render_strokes', 'strokes_to_image',
    'is_blank', 'DEFAULT_MAX_PIXELS', 'SKETCH_SIZE', 'SKETCH_MARGIN'
]

#: Largest uploaded image, in pixels, read from the header before decoding
#: (413 above). 16 Mpx, default chosen by sketret.
DEFAULT_MAX_PIXELS = 16 * 1024 * 1024
#: Image formats accepted as uploads.
UPLOAD_FORMATS = ('PNG', 'JPEG')
#: Largest canvas side and number of points of a stroke query.
MAX_CANVAS_SIDE = 8192
MAX_POINTS = 100_000
MAX_STROKES = 10_000
#: Side of the square that strokes are rendered into (the bundled
#: sketches are 256 x 256).
SKETCH_SIZE = 256
#: Fraction of :data:`SKETCH_SIZE` left blank around a rendered drawing.
SKETCH_MARGIN = 0.08
#: An image whose grey levels span less than this is blank (no strokes).
_BLANK_RANGE = 16

def decode_upload(data: bytes,
                  max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode an uploaded PNG/JPEG, refusing bombs before decoding.

    Raises:
        APIError: 400 for empty, non-image, other-format or corrupt data;
            413 when the header claims more than ``max_pixels`` pixels.
    """
    if not data:
        raise APIError(400, 'empty upload: expected a PNG or JPEG image')
    try:
        img = Image.open(io.BytesIO(data), formats=UPLOAD_FORMATS)
    except (Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:
        raise APIError(413, f'image too large (decompression-bomb guard): '
                       f'{e}') from e
    except UnidentifiedImageError as e:
        raise APIError(400, 'not a PNG or JPEG image (the data could not be '
                       'identified as one)') from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise APIError(400, f'unreadable image header: {e}') from e
    w, h = img.size
    if w * h > max_pixels:
        raise APIError(
            413, f'image is {w}x{h} px, more than the limit of {max_pixels} '
            'px (decompression-bomb guard); not decoded')
    if w == 0 or h == 0:
        raise APIError(400, f'empty image ({w}x{h} px)')
    try:
        img.load()
        img = ImageOps.exif_transpose(img)
    except (Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:
        raise APIError(413, f'image too large: {e}') from e
    except (OSError, SyntaxError, ValueError, EOFError, TypeError,
            ZeroDivisionError, IndexError) as e:
        raise APIError(400, f'corrupt or truncated {img.format} image: '
                       f'{e}') from e
    return img


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise APIError(400, f'{what} must be a number, got '
                       f'{type(value).__name__}')
    value = float(value)
    if not math.isfinite(value):
        raise APIError(400, f'{what} must be finite')
    return value


def parse_strokes(payload) -> dict:
    """Validate a stroke query (JSON, already parsed).

    Format: ``{"strokes": [[[x, y], ...], ...], "width": W, "height": H,
    "line_width": 4, "line_widths": [w0, w1, ...]}``; coordinates are
    canvas pixels, ``line_widths`` (optional) gives one width per stroke.
    Points may carry extra values after ``x, y`` (ignored).

    Returns:
        dict: ``strokes`` (list of ``(n, 2)`` float arrays, empty strokes
        dropped), ``width``, ``height``, ``line_widths`` (one per stroke).

    Raises:
        APIError: 400 with what is wrong; an empty canvas included.
    """
    if not isinstance(payload, dict):
        raise APIError(400, 'expected a JSON object with "strokes", '
                       '"width" and "height"')
    for key in ('strokes', 'width', 'height'):
        if key not in payload:
            raise APIError(400, f'missing "{key}" in the stroke query')
    width = _number(payload['width'], '"width"')
    height = _number(payload['height'], '"height"')
    for name, side in (('width', width), ('height', height)):
        if not 1 <= side <= MAX_CANVAS_SIDE:
            raise APIError(400, f'"{name}" must be within 1..'
                           f'{MAX_CANVAS_SIDE}, got {side:g}')
    line_width = _number(payload.get('line_width', 4), '"line_width"')
    strokes = payload['strokes']
    if not isinstance(strokes, list):
        raise APIError(400, '"strokes" must be a list of strokes, each a '
                       'list of [x, y] points')
    if len(strokes) > MAX_STROKES:
        raise APIError(400, f'too many strokes ({len(strokes)} > '
                       f'{MAX_STROKES})')
    widths = payload.get('line_widths')
    if widths is None:
        widths = [line_width] * len(strokes)
    elif not isinstance(widths, list) or len(widths) != len(strokes):
        raise APIError(400, '"line_widths" must be a list with one width '
                       'per stroke')
    out_strokes, out_widths, n_points = [], [], 0
    for s, (stroke, lw) in enumerate(zip(strokes, widths)):
        if not isinstance(stroke, list):
            raise APIError(400, f'stroke {s} must be a list of [x, y] '
                           'points')
        n_points += len(stroke)
        if n_points > MAX_POINTS:
            raise APIError(400, f'too many points (more than {MAX_POINTS})')
        lw = _number(lw, f'the line width of stroke {s}')
        if not 0 < lw <= 512:
            raise APIError(400, f'the line width of stroke {s} must be '
                           f'within (0, 512], got {lw:g}')
        points = []
        for p, point in enumerate(stroke):
            if not isinstance(point, list) or len(point) < 2:
                raise APIError(400, f'point {p} of stroke {s} must be '
                               '[x, y]')
            points.append((_number(point[0], f'stroke {s} point {p} x'),
                           _number(point[1], f'stroke {s} point {p} y')))
        if points:
            out_strokes.append(np.asarray(points, dtype=np.float64))
            out_widths.append(lw)
    if not out_strokes:
        raise APIError(400, 'empty canvas: the query has no strokes; draw '
                       'something first')
    return dict(strokes=out_strokes, width=width, height=height,
                line_widths=out_widths)


def render_strokes(strokes: Sequence[np.ndarray],
                   width: float,
                   height: float,
                   line_widths: Sequence[float],
                   size: int = SKETCH_SIZE,
                   margin: float = SKETCH_MARGIN) -> Image.Image:
    """Draw strokes black on a white ``size`` x ``size`` grey image with
    sketret's one renderer (:func:`sketret.structures.strokes.
    render_strokes`, also used for ``.svg`` sketches in training and
    testing).

    The drawing is centred and scaled to fill the square (leaving
    ``margin`` of it blank), like the training sketches; line widths
    keep their size relative to the ``width`` x ``height`` canvas they
    were drawn on (a small drawing is enlarged, its lines are not).
    """
    from sketret.structures.strokes import fit_transform
    from sketret.structures.strokes import render_strokes as render
    margin_px = margin * size
    scale, _ = fit_transform(strokes, size, margin_px)
    canvas_scale = size / max(width, height)
    widths = [max(1.0, lw * min(scale, canvas_scale)) for lw in line_widths]
    return Image.fromarray(render(strokes, size, margin_px, widths))


def strokes_to_image(payload) -> Image.Image:
    """A parsed and rendered stroke query (see :func:`parse_strokes`)."""
    query = parse_strokes(payload)
    return render_strokes(query['strokes'], query['width'], query['height'],
                          query['line_widths'])


def is_blank(grey: np.ndarray) -> bool:
    """Whether a sketch has no strokes (a single colour, e.g. all white).
    """
    return int(grey.max()) - int(grey.min()) < _BLANK_RANGE
