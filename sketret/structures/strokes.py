# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Vector sketches: one stroke structure, readers, augmentation, renderer.

Pure numpy + OpenCV (no torch, no mmengine), so that the sketch pad, the
data pipeline and the tools share exactly one way of turning strokes into
pixels.

Coordinate frame: image coordinates of the source, ``x`` to the right,
``y`` downwards, in the units of the source canvas (SVG user units,
Quick, Draw! 0..255 pixels, pad canvas pixels). :attr:`Strokes.canvas_size`
records that canvas when known. Rendering does not depend on it: a drawing
is always fitted into the output square (see :func:`fit_transform`).

Formats read:

- SVG: ``<path d="...">`` with ``M``/``L`` (and relative ``m``/``l``,
  ``H``/``V``/``h``/``v``, ``Z``) commands, ``<polyline>`` and ``<polygon>``
  elements; curves are not supported (an error names the command). Parsed
  with regular expressions, so the slightly malformed files written by
  common ndjson -> SVG converters read fine.
- Quick, Draw! simplified ndjson: one JSON object per line with
  ``drawing: [[[x...], [y...]], ...]``.
- stroke-3 ``.npz`` (Sketch-RNN): arrays of ``(dx, dy, pen_lift)`` rows under
  the keys ``train``/``valid``/``test``; ``pen_lift == 1`` ends a stroke.
"""
import json
import os
import re
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

__all__ = [
    'Strokes', 'VECTOR_SKETCH_EXTENSIONS', 'is_vector_sketch_file',
    'read_svg', 'parse_svg', 'write_svg', 'svg_text', 'read_ndjson',
    'iter_ndjson', 'ndjson_drawing_to_strokes', 'read_stroke3',
    'stroke3_to_strokes', 'strokes_to_stroke3', 'read_strokes',
    'fit_transform', 'render_strokes', 'affine_matrix', 'drop_strokes',
    'StrokeFormatError', 'DEFAULT_SIZE', 'DEFAULT_MARGIN',
    'DEFAULT_LINE_WIDTH'
]

#: Sketch files read as strokes (lower-case extensions). Only SVG holds one
#: drawing per file; ndjson and stroke-3 files hold many (see the readers).
VECTOR_SKETCH_EXTENSIONS = ('.svg', )

#: Defaults of :func:`render_strokes` (chosen by sketret): the size of the
#: bundled raster sketches, a margin of 8 % and 3 px lines.
DEFAULT_SIZE = 256
DEFAULT_MARGIN = 20.48
DEFAULT_LINE_WIDTH = 3.0

# sub-pixel bits of cv2.polylines
_SHIFT = 4
_ONE = 1 << _SHIFT


class StrokeFormatError(ValueError):
    """A stroke file or drawing cannot be read; ``str(err)`` names it."""


PointsLike = Union['Strokes', Sequence[np.ndarray]]


class Strokes:
    """A vector sketch: a list of polylines.

    Args:
        points (Sequence[array-like]): One ``(n, 2)`` array per stroke
            (``n >= 1``), ``x, y`` in the source frame (see the module doc).
            Stored as float32 arrays; empty strokes are dropped.
        canvas_size (tuple[float, float], optional): ``(width, height)`` of
            the source canvas.
        widths (Sequence[float], optional): Line width of each stroke in
            source units (e.g. an SVG ``stroke-width``).
        meta (dict, optional): Anything else (``key_id``, ``word``, ...).
    """

    __slots__ = ('points', 'canvas_size', 'widths', 'meta')

    def __init__(self,
                 points: Sequence,
                 canvas_size: Optional[Tuple[float, float]] = None,
                 widths: Optional[Sequence[float]] = None,
                 meta: Optional[dict] = None):
        arrays, kept_widths = [], []
        if widths is not None and len(widths) != len(points):
            raise ValueError(f'widths must have one value per stroke '
                             f'({len(points)}), got {len(widths)}')
        for i, p in enumerate(points):
            a = np.asarray(p, dtype=np.float32)
            if a.size == 0:
                continue
            if a.ndim != 2 or a.shape[1] != 2:
                raise ValueError(f'stroke {i} must be an (n, 2) array of '
                                 f'x, y points, got shape {a.shape}')
            if not np.isfinite(a).all():
                raise ValueError(f'stroke {i} has non-finite coordinates')
            arrays.append(a)
            if widths is not None:
                kept_widths.append(float(widths[i]))
        self.points: List[np.ndarray] = arrays
        self.canvas_size = (None if canvas_size is None else
                            (float(canvas_size[0]), float(canvas_size[1])))
        self.widths = (np.asarray(kept_widths, dtype=np.float32)
                       if widths is not None else None)
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.points)

    @property
    def num_points(self) -> int:
        return int(sum(len(p) for p in self.points))

    def bbox(self) -> Tuple[float, float, float, float]:
        """``(x_min, y_min, x_max, y_max)``; ValueError when empty."""
        if not self.points:
            raise ValueError('an empty sketch has no bounding box')
        allp = np.concatenate(self.points)
        lo, hi = allp.min(0), allp.max(0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    def copy(self, points: Optional[Sequence[np.ndarray]] = None,
             widths=None) -> 'Strokes':
        """A copy, optionally with other points (and widths)."""
        pts = self.points if points is None else points
        if points is None:
            widths = self.widths
        return Strokes([np.array(p, dtype=np.float32) for p in pts],
                       self.canvas_size,
                       None if widths is None else list(widths),
                       dict(self.meta))

    def __repr__(self) -> str:
        return (f'Strokes({len(self)} strokes, {self.num_points} points, '
                f'canvas_size={self.canvas_size})')


def _as_point_list(strokes: PointsLike) -> List[np.ndarray]:
    pts = strokes.points if isinstance(strokes, Strokes) else strokes
    return [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in pts]


def is_vector_sketch_file(name: str) -> bool:
    """Whether ``name`` is read as strokes (see
    :data:`VECTOR_SKETCH_EXTENSIONS`; hidden files excluded)."""
    base = os.path.basename(str(name))
    return (not base.startswith('.')
            and os.path.splitext(base)[1].lower() in VECTOR_SKETCH_EXTENSIONS)


# -- SVG ----------------------------------------------------------------------
_NUM = r'[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?'
_NUM_RE = re.compile(_NUM)
_TOKEN_RE = re.compile(r'([A-Za-z])|(' + _NUM + ')')
_ELEM_RE = re.compile(r'<\s*(path|polyline|polygon|svg)\b([^>]*)>',
                      re.IGNORECASE | re.DOTALL)


_ATTR_RE = re.compile(r'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _attributes(text: str) -> dict:
    """Attributes of one tag (``style`` properties added where the tag
    has no attribute of that name)."""
    out = {k: a or b for k, a, b in _ATTR_RE.findall(text)}
    for prop in out.get('style', '').split(';'):
        k, _, v = prop.partition(':')
        if v:
            out.setdefault(k.strip(), v.strip())
    return out


_FAST_PATH_RE = re.compile(r'[^ML\d\s.,+-]')


def _fast_polylines(d: str) -> Optional[List[np.ndarray]]:
    """Absolute ``M``/``L`` only (the common case), else None."""
    if _FAST_PATH_RE.search(d) or not d.lstrip().startswith('M'):
        return None
    out = []
    try:
        for sub in d.replace(',', ' ').replace('L', ' ').split('M'):
            vals = sub.split()
            if not vals:
                continue
            if len(vals) % 2:
                return None
            out.append(np.array(vals, dtype=np.float64).reshape(-1, 2))
    except ValueError:  # e.g. '10-5' (no separator): the full parser
        return None
    return out


def _path_to_polylines(d: str, where: str) -> List:
    fast = _fast_polylines(d)
    if fast is not None:
        return fast
    tokens = _TOKEN_RE.findall(d)
    out: List[List[Tuple[float, float]]] = []
    cur: List[Tuple[float, float]] = []
    x = y = 0.0
    start = (0.0, 0.0)
    cmd = None
    i = 0
    n = len(tokens)

    def nums(k):
        nonlocal i
        vals = []
        for _ in range(k):
            if i >= n or tokens[i][1] == '':
                raise StrokeFormatError(
                    f'{where}: path command {cmd!r} needs {k} number(s)')
            vals.append(float(tokens[i][1]))
            i += 1
        return vals

    while i < n:
        letter, number = tokens[i]
        if letter:
            cmd = letter
            i += 1
            if cmd in 'Zz':
                if cur:
                    cur.append(start)
                    x, y = start
                continue
            if cmd not in 'MmLlHhVv':
                raise StrokeFormatError(
                    f'{where}: unsupported SVG path command {cmd!r} (only '
                    'M, L, H, V, Z and their relative forms: polylines)')
        elif cmd is None:
            raise StrokeFormatError(f'{where}: path data must start with M')
        if cmd in 'Mm':
            dx, dy = nums(2)
            if cmd == 'm' and (out or cur):
                x, y = x + dx, y + dy
            else:
                x, y = dx, dy
            if len(cur) > 0:
                out.append(cur)
            cur = [(x, y)]
            start = (x, y)
            # further pairs after a moveto are linetos
            cmd = 'l' if cmd == 'm' else 'L'
        elif cmd in 'Ll':
            dx, dy = nums(2)
            x, y = (x + dx, y + dy) if cmd == 'l' else (dx, dy)
            cur.append((x, y))
        elif cmd in 'Hh':
            (v, ) = nums(1)
            x = x + v if cmd == 'h' else v
            cur.append((x, y))
        else:  # Vv
            (v, ) = nums(1)
            y = y + v if cmd == 'v' else v
            cur.append((x, y))
    if cur:
        out.append(cur)
    return out


def parse_svg(text: str, where: str = 'SVG') -> Strokes:
    """Strokes of an SVG document given as text (see :func:`read_svg`)."""
    points, widths = [], []
    canvas = None
    default_width = 1.0
    for m in _ELEM_RE.finditer(text):
        tag, attrs = m.group(1).lower(), _attributes(m.group(2))
        if tag == 'svg':
            w, h = attrs.get('width'), attrs.get('height')
            vb = attrs.get('viewBox')
            if vb is not None and len(_NUM_RE.findall(vb)) == 4:
                canvas = tuple(float(v) for v in _NUM_RE.findall(vb)[2:])
            elif w is not None and h is not None:
                wn, hn = _NUM_RE.match(w.strip()), _NUM_RE.match(h.strip())
                if wn and hn:
                    canvas = (float(wn.group()), float(hn.group()))
            continue
        sw = attrs.get('stroke-width')
        width = float(sw) if sw and _NUM_RE.fullmatch(sw.strip()) else (
            default_width)
        if tag == 'path':
            d = attrs.get('d')
            if d is None:
                continue
            lines = _path_to_polylines(d, where)
        else:
            pts = [float(v) for v in _NUM_RE.findall(
                attrs.get('points', ''))]
            if len(pts) % 2:
                raise StrokeFormatError(
                    f'{where}: <{tag}> points must be x,y pairs')
            line = list(zip(pts[0::2], pts[1::2]))
            if tag == 'polygon' and line:
                line.append(line[0])
            lines = [line] if line else []
        points += lines
        widths += [width] * len(lines)
    return Strokes(points, canvas, widths)


def read_svg(path: str) -> Strokes:
    """Read the polylines of an SVG file.

    Returns:
        Strokes: one stroke per subpath (``M`` starts a new one) or
        ``<polyline>``; ``canvas_size`` from ``viewBox`` or
        ``width``/``height``; ``widths`` from ``stroke-width`` (1 when
        absent); ``meta['path']``.

    Raises:
        FileNotFoundError: No such file.
        StrokeFormatError: A curve command or malformed path data (the
            message names the file).
    """
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    strokes = parse_svg(text, where=f'"{path}"')
    strokes.meta['path'] = str(path)
    return strokes


def svg_text(strokes: PointsLike,
             canvas_size: Optional[Tuple[float, float]] = None,
             stroke_width: float = 1.0) -> str:
    """An SVG document with one ``M``/``L`` path per stroke (2 decimals)."""
    pts = _as_point_list(strokes)
    if canvas_size is None and isinstance(strokes, Strokes):
        canvas_size = strokes.canvas_size
    if canvas_size is None:
        hi = np.concatenate(pts).max(0) if pts else np.ones(2)
        canvas_size = (float(np.ceil(hi[0])), float(np.ceil(hi[1])))
    w, h = canvas_size
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:g}" '
        f'height="{h:g}">', '<rect width="100%" height="100%" fill="white"/>'
    ]
    for p in pts:
        d = ' '.join(f'{"M" if i == 0 else "L"} {x:.2f} {y:.2f}'
                     for i, (x, y) in enumerate(p))
        lines.append(f'<path d="{d}" stroke="black" fill="none" '
                     f'stroke-width="{stroke_width:g}"/>')
    lines.append('</svg>')
    return '\n'.join(lines) + '\n'


def write_svg(strokes: PointsLike, path: str, **kwargs) -> None:
    """Write :func:`svg_text` to ``path`` (which must not exist)."""
    with open(path, 'x', encoding='utf-8') as f:
        f.write(svg_text(strokes, **kwargs))


# -- Quick, Draw! ndjson ------------------------------------------------------
def ndjson_drawing_to_strokes(record: dict, where: str = 'drawing') -> Strokes:
    """Strokes of one Quick, Draw! record (``drawing`` = list of
    ``[[x...], [y...](, [t...])]``). The simplified data lives on a 256 x 256
    canvas; ``meta`` keeps the other fields (``word``, ``key_id``, ...)."""
    if not isinstance(record, dict) or 'drawing' not in record:
        raise StrokeFormatError(f'{where}: expected an object with a '
                                '"drawing" field')
    points = []
    for s, stroke in enumerate(record['drawing']):
        if (not isinstance(stroke, (list, tuple)) or len(stroke) < 2
                or len(stroke[0]) != len(stroke[1])):
            raise StrokeFormatError(
                f'{where}: stroke {s} must be [[x...], [y...]] of equal '
                'lengths')
        points.append(np.stack([np.asarray(stroke[0], np.float32),
                                np.asarray(stroke[1], np.float32)], 1)
                      if len(stroke[0]) else np.zeros((0, 2), np.float32))
    meta = {k: v for k, v in record.items() if k != 'drawing'}
    return Strokes(points, (256.0, 256.0), meta=meta)


def iter_ndjson(path: str) -> Iterator[Strokes]:
    """Yield the drawings of a Quick, Draw! ndjson file in file order
    (blank lines skipped; ``meta['line']`` is the 0-based line number)."""
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            where = f'"{path}" line {n + 1}'
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise StrokeFormatError(f'{where}: not JSON ({e})') from e
            strokes = ndjson_drawing_to_strokes(record, where)
            strokes.meta['line'] = n
            yield strokes


def read_ndjson(path: str,
                index: Optional[int] = None,
                key_id: Optional[Union[int, str]] = None) -> Strokes:
    """One drawing of an ndjson file: the one on 0-based line ``index``, or
    the one whose ``key_id`` matches (compared as strings)."""
    if (index is None) == (key_id is None):
        raise ValueError('pass exactly one of index and key_id')
    for strokes in iter_ndjson(path):
        if index is not None and strokes.meta['line'] == index:
            return strokes
        if key_id is not None and str(strokes.meta.get('key_id')) == str(
                key_id):
            return strokes
    what = f'line {index}' if index is not None else f'key_id {key_id}'
    raise KeyError(f'"{path}" has no drawing at {what}')


# -- stroke-3 (Sketch-RNN) ----------------------------------------------------
def stroke3_to_strokes(arr: np.ndarray, where: str = 'stroke-3') -> Strokes:
    """Strokes from stroke-3 rows ``(dx, dy, pen_lift)``: points are the
    running sums of the offsets; ``pen_lift == 1`` ends the stroke after
    that point."""
    a = np.asarray(arr, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 3:
        raise StrokeFormatError(f'{where}: expected (n, 3) rows of '
                                f'(dx, dy, pen_lift), got shape {a.shape}')
    xy = np.cumsum(a[:, :2], axis=0)
    ends = np.flatnonzero(a[:, 2] > 0.5) + 1
    pieces = np.split(xy, ends)
    return Strokes([p for p in pieces if len(p)])


def strokes_to_stroke3(strokes: PointsLike) -> np.ndarray:
    """The inverse of :func:`stroke3_to_strokes` (first offset from 0, 0)."""
    pts = _as_point_list(strokes)
    rows = []
    prev = np.zeros(2)
    for p in pts:
        for j, q in enumerate(p):
            rows.append((q[0] - prev[0], q[1] - prev[1],
                         1.0 if j == len(p) - 1 else 0.0))
            prev = q
    return np.asarray(rows, dtype=np.float32).reshape(-1, 3)


def read_stroke3(path: str,
                 split: str = 'train',
                 index: int = 0,
                 allow_pickle: bool = False) -> Strokes:
    """Drawing ``index`` of the ``split`` array of a Sketch-RNN ``.npz``.

    The published files store ragged object arrays, which numpy can only
    read through pickle: pass ``allow_pickle=True`` for files you trust
    (pickle can run code).
    """
    where = f'"{path}" [{split!r}][{index}]'
    try:
        with np.load(path, allow_pickle=allow_pickle,
                     encoding='latin1') as data:
            if split not in data.files:
                raise KeyError(f'"{path}" has no {split!r} array (has '
                               f'{data.files})')
            arr = data[split]
    except ValueError as e:
        if 'allow_pickle' in str(e):
            raise StrokeFormatError(
                f'"{path}" stores object arrays, readable only with '
                'allow_pickle=True (do that only for files you trust)') from e
        raise
    if not -len(arr) <= index < len(arr):
        raise IndexError(f'{where}: the array has {len(arr)} drawings')
    strokes = stroke3_to_strokes(arr[index], where)
    strokes.meta.update(path=str(path), split=split, index=int(index))
    return strokes


def read_strokes(path: str) -> Strokes:
    """Read a one-drawing vector sketch file (dispatch on the extension;
    see :data:`VECTOR_SKETCH_EXTENSIONS`)."""
    if not is_vector_sketch_file(path):
        raise StrokeFormatError(
            f'"{path}" is not a vector sketch file (expected one of '
            f'{VECTOR_SKETCH_EXTENSIONS})')
    return read_svg(path)


# -- augmentation ------------------------------------------------------------
def affine_matrix(rotate: float = 0.0,
                  scale: Tuple[float, float] = (1.0, 1.0),
                  shear: float = 0.0,
                  translate: Tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """A 2 x 3 matrix ``T @ R @ Sh @ S`` about the origin: scale
    ``(sx, sy)``, horizontal shear (degrees), rotation (degrees,
    clockwise on screen since y points down), then translation."""
    a = np.deg2rad(rotate)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    sh = np.array([[1.0, np.tan(np.deg2rad(shear))], [0.0, 1.0]])
    m = rot @ sh @ np.diag([float(scale[0]), float(scale[1])])
    return np.concatenate([m, np.asarray(translate, float).reshape(2, 1)], 1)


def drop_strokes(strokes: Strokes, keep: np.ndarray) -> Strokes:
    """Keep the strokes where ``keep`` is True (at least one is kept: when
    none is, the longest stroke stays)."""
    keep = np.asarray(keep, dtype=bool)
    if len(keep) != len(strokes):
        raise ValueError('keep needs one flag per stroke')
    if len(strokes) and not keep.any():
        keep = keep.copy()
        keep[int(np.argmax([len(p) for p in strokes.points]))] = True
    pts = [p for p, k in zip(strokes.points, keep) if k]
    widths = (None if strokes.widths is None else strokes.widths[keep])
    return strokes.copy(pts, widths)


# -- rendering ----------------------------------------------------------------
def fit_transform(strokes: PointsLike, size: int,
                  margin: float) -> Tuple[float, np.ndarray]:
    """``(scale, offset)`` mapping source points into the output square:
    ``out = p * scale + offset``, in pixel-centre coordinates (pixel ``i``
    is centred on ``i``).

    The bounding box's longer side spans ``size - 1 - 2 * margin`` pixels
    and the box is centred on ``((size - 1) / 2, (size - 1) / 2)``, so the
    aspect ratio is kept. A drawing that is a single point gets scale 1.
    """
    pts = _as_point_list(strokes)
    if not pts:
        return 1.0, np.full(2, (size - 1) / 2.0)
    allp = np.concatenate(pts)
    lo, hi = allp.min(0), allp.max(0)
    span = float((hi - lo).max())
    avail = size - 1 - 2 * float(margin)
    if avail <= 0:
        raise ValueError(f'margin {margin} leaves no room on a {size} px '
                         'canvas')
    scale = avail / span if span > 0 else 1.0
    offset = (size - 1) / 2.0 - (lo + hi) / 2.0 * scale
    return scale, offset


def _cv2_thickness(width: float) -> int:
    """OpenCV draws a line of thickness ``t >= 2`` about
    ``2 * (t // 2) + 1`` px wide: pick ``t`` for the odd width nearest to
    ``width`` (1 below 2)."""
    return max(1, 2 * int(np.floor((float(width) - 1) / 2 + 0.5)))


def render_strokes(strokes: PointsLike,
                   size: int = DEFAULT_SIZE,
                   margin: float = DEFAULT_MARGIN,
                   line_width: Union[float, Sequence[float]] = (
                       DEFAULT_LINE_WIDTH),
                   antialias: bool = True,
                   affine: Optional[np.ndarray] = None) -> np.ndarray:
    """Draw strokes black on a white ``size`` x ``size`` grey image.

    The drawing is fitted into the square keeping its aspect ratio (see
    :func:`fit_transform`; ``margin`` in output pixels). Lines have round
    caps and joins (OpenCV ``polylines``, sub-pixel coordinates); a
    one-point stroke is a dot of the line width.

    Args:
        strokes (Strokes | Sequence[array]): The polylines.
        size (int): Side of the output square in pixels.
        margin (float): Blank border in output pixels.
        line_width (float | Sequence[float]): Line width in output pixels,
            one value or one per stroke. Lines are centred on the pixel
            grid, so the width drawn is the nearest odd number of pixels
            (1 below 2, 3 for [2, 4), 5 for [4, 6), ...).
        antialias (bool): Anti-aliased lines (``cv2.LINE_AA``) or hard
            8-connected ones.
        affine (np.ndarray, optional): 2 x 3 matrix applied after fitting,
            about the canvas centre; its translation column is a fraction of
            ``size`` (see ``RandomStrokeAffine``).

    Returns:
        np.ndarray: ``(size, size)`` uint8, 255 background, 0 ink. A sketch
        without strokes gives a white image.
    """
    size = int(size)
    if size < 1:
        raise ValueError(f'size must be >= 1, got {size}')
    pts = [p if len(p) > 1 else np.repeat(p, 2, axis=0)  # dots
           for p in _as_point_list(strokes)]
    img = np.full((size, size), 255, dtype=np.uint8)
    if not pts:
        return img
    allp = np.concatenate(pts)
    scale, offset = fit_transform([allp], size, margin)
    if affine is None:
        q = allp * scale + offset
    else:
        m = np.asarray(affine, dtype=np.float64).reshape(2, 3)
        c = (size - 1) / 2.0
        lin, t = m[:, :2], m[:, 2] * size
        # out = lin @ (p * scale + offset - c) + c + t
        q = allp @ (lin * scale).T + (lin @ (offset - c) + c + t)
    q = np.rint(q * _ONE).astype(np.int32)
    polys = np.split(q, np.cumsum([len(p) for p in pts[:-1]]))
    line_type = cv2.LINE_AA if antialias else cv2.LINE_8
    if np.ndim(line_width) == 0:
        cv2.polylines(img, polys, False, 0, _cv2_thickness(line_width),
                      line_type, _SHIFT)
        return img
    if len(line_width) != len(pts):
        raise ValueError(f'line_width needs one value per stroke '
                         f'({len(pts)}), got {len(line_width)}')
    groups = {}
    for poly, w in zip(polys, line_width):
        groups.setdefault(_cv2_thickness(w), []).append(poly)
    for thickness, group in groups.items():
        cv2.polylines(img, group, False, 0, thickness, line_type, _SHIFT)
    return img
