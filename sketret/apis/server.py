# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The sketch pad: a local web app to draw a sketch and see the matching
photos of a gallery as the drawing grows.

:func:`create_app` builds a FastAPI app around a
:class:`~sketret.apis.SketchRetriever` and a
:class:`~sketret.apis.GalleryIndex`; ``tools/serve.py`` runs it with
uvicorn. Routes:

- ``GET /``: the drawing page (``sketret/apis/static``; no external files).
- ``POST /api/search``: a sketch as a PNG/JPEG upload (multipart field
  ``file``, or the raw bytes with ``Content-Type: image/png|image/jpeg``)
  or as strokes, JSON ``{"strokes": [[[x, y], ...], ...], "width": W,
  "height": H, "line_width": 4}``; returns the top-k photos.
- ``GET /api/health``: model, gallery and limits.
- ``GET /api/thumbnail/{i}``: a JPEG thumbnail of gallery photo ``i``.
  Photos are addressed by index only: no request names a file.

Safety: request bodies are limited (413), image headers are checked
before decoding (decompression bombs get 413), and every error is a JSON
``{"error": "..."}`` with a 4xx status, never a traceback.
"""
import collections
import hashlib
import io
import json
import logging
import math
import os.path as osp
import threading
import time
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from PIL import Image, ImageOps, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sketret.datasets.image_io import pil_to_sbir_array

__all__ = [
    'create_app', 'APIError', 'decode_upload', 'parse_strokes',
    'render_strokes', 'is_blank', 'DEFAULT_MAX_UPLOAD_BYTES',
    'DEFAULT_MAX_PIXELS', 'STATIC_DIR'
]

logger = logging.getLogger('sketret.server')

#: The page's files (served from memory, by exact name only).
STATIC_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'static')
_STATIC_TYPES = {
    'app.js': 'text/javascript; charset=utf-8',
    'style.css': 'text/css; charset=utf-8',
}

#: Largest request body accepted (413 above). 4 MiB, default chosen by
#: sketret: a drawn sketch is a few KiB, a scanned one rarely over 1 MiB.
DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 * 1024
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
#: Longest side of a thumbnail; gallery photos over this many pixels are
#: not decoded (they are the operator's files, but still).
THUMB_SIZE = 256
_GALLERY_MAX_PIXELS = 64 * 1024 * 1024
_THUMB_CACHE_ITEMS = 2048
#: An image whose grey levels span less than this is blank (no strokes).
_BLANK_RANGE = 16

_SECURITY_HEADERS = [
    (b'x-content-type-options', b'nosniff'),
    (b'referrer-policy', b'no-referrer'),
    (b'x-frame-options', b'DENY'),
    (b'content-security-policy',
     b"default-src 'none'; script-src 'self'; style-src 'self'; "
     b"img-src 'self' blob: data:; connect-src 'self'; "
     b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
]


class APIError(Exception):
    """A client error: answered as ``{"error": message}`` with ``status``.
    """

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _json_error(status: int, message: str, headers=None) -> JSONResponse:
    return JSONResponse({'error': message}, status_code=status,
                        headers=headers)


# -- decoding and rendering -------------------------------------------------
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


def _strokes_to_image(payload) -> Image.Image:
    query = parse_strokes(payload)
    return render_strokes(query['strokes'], query['width'], query['height'],
                          query['line_widths'])


def is_blank(grey: np.ndarray) -> bool:
    """Whether a sketch has no strokes (a single colour, e.g. all white).
    """
    return int(grey.max()) - int(grey.min()) < _BLANK_RANGE


# -- the app ----------------------------------------------------------------
class _Guard:
    """ASGI middleware: body-size limit (413), optional Host allow-list
    (against DNS rebinding), security headers on every response."""

    def __init__(self, app, max_body: int,
                 allowed_hosts: Optional[Iterable[str]] = None):
        self.app = app
        self.max_body = max_body
        self.allowed_hosts = (None if allowed_hosts is None else
                              {h.lower() for h in allowed_hosts})

    async def _reply(self, send, status: int, message: str) -> None:
        body = json.dumps({'error': message}).encode()
        await send({
            'type': 'http.response.start',
            'status': status,
            'headers': [(b'content-type', b'application/json'),
                        (b'content-length', str(len(body)).encode()),
                        (b'connection', b'close')] + _SECURITY_HEADERS,
        })
        await send({'type': 'http.response.body', 'body': body})

    def _host_allowed(self, host: str) -> bool:
        host = host.strip().lower()
        if host.startswith('['):  # [::1]:8000
            name = host[:host.find(']') + 1]
        else:
            name = host.rsplit(':', 1)[0] if host.count(':') == 1 else host
        return name in self.allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get('headers', [])}
        if self.allowed_hosts is not None:
            host = headers.get(b'host', b'').decode('latin-1')
            if not self._host_allowed(host):
                await self._reply(
                    send, 400, f'Host "{host[:100]}" is not served here '
                    '(allowed: ' + ', '.join(sorted(self.allowed_hosts)) +
                    ')')
                return
        length = headers.get(b'content-length')
        if length is not None:
            try:
                length = int(length)
            except ValueError:
                await self._reply(send, 400, 'invalid Content-Length')
                return
            if length > self.max_body:
                await self._reply(
                    send, 413, f'request body of {length} bytes is larger '
                    f'than the limit of {self.max_body} bytes')
                return
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message['type'] == 'http.request':
                received += len(message.get('body', b''))
                if received > self.max_body:
                    raise APIError(
                        413, 'request body is larger than the limit of '
                        f'{self.max_body} bytes')
            return message

        async def send_with_headers(message):
            nonlocal started
            if message['type'] == 'http.response.start':
                started = True
                message = dict(message)
                message['headers'] = list(message.get(
                    'headers', [])) + _SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except APIError as e:  # raised outside a route's handlers
            if started:
                raise
            await self._reply(send, e.status, e.message)


class _SketchPad:
    """The state behind the routes (one model, one gallery)."""

    def __init__(self, retriever, index, topk, max_topk, max_pixels,
                 model_name, gallery_name):
        self.retriever = retriever
        self.index = index
        self.topk = topk
        self.max_topk = max_topk
        self.max_pixels = max_pixels
        self.model_name = model_name
        self.gallery_name = gallery_name
        self.classes = len(index.class_names or [])
        token = hashlib.sha1(
            json.dumps([index.model_fingerprint, index.paths]).encode())
        self.gallery_token = token.hexdigest()[:10]
        self._model_lock = threading.Lock()
        self._thumb_lock = threading.Lock()
        self._thumbs = collections.OrderedDict()

    def search(self, image: Image.Image, topk: int,
               root_path: str) -> List[dict]:
        grey = pil_to_sbir_array(image, 'sketch')
        if is_blank(grey[:, :, 0]):
            raise APIError(
                400, 'empty canvas: the sketch has no strokes (the image is '
                'a single colour, e.g. all white); draw something first')
        with self._model_lock:
            hits = self.retriever.search(grey, self.index, topk)
        return [
            dict(rank=rank, score=round(hit['score'], 6),
                 class_name=hit['class_name'], index=hit['index'],
                 thumbnail_url=f'{root_path}/api/thumbnail/{hit["index"]}'
                 f'?g={self.gallery_token}')
            for rank, hit in enumerate(hits, 1)
        ]

    def thumbnail(self, i: int) -> bytes:
        n = len(self.index)
        if not 0 <= i < n:
            raise APIError(404, f'no gallery photo {i}: the gallery has {n} '
                           f'photos, numbered 0..{n - 1}')
        with self._thumb_lock:
            if i in self._thumbs:
                self._thumbs.move_to_end(i)
                return self._thumbs[i]
        data = self._make_thumbnail(self.index.paths[i], i)
        with self._thumb_lock:
            self._thumbs[i] = data
            while len(self._thumbs) > _THUMB_CACHE_ITEMS:
                self._thumbs.popitem(last=False)
        return data

    @staticmethod
    def _make_thumbnail(path: str, i: int) -> bytes:
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
            logger.warning('gallery photo %d (%s) is unreadable: %s', i, path,
                           e)
            raise APIError(404, f'gallery photo {i} is unreadable') from e
        return buf.getvalue()


def _read_static() -> Tuple[bytes, dict]:
    with open(osp.join(STATIC_DIR, 'index.html'), 'rb') as f:
        page = f.read()
    files = {}
    for name, media_type in _STATIC_TYPES.items():
        with open(osp.join(STATIC_DIR, name), 'rb') as f:
            files[name] = (f.read(), media_type)
    return page, files


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = [str(x) for x in err.get('loc', ())]
        where = (f'{loc[0]} parameter "{".".join(loc[1:])}"'
                 if len(loc) > 1 else '.'.join(loc) or 'request')
        parts.append(f'invalid {where}: {err.get("msg", "invalid")}')
    return '; '.join(parts) or 'invalid request'


def create_app(retriever,
               index,
               topk: int = 12,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               max_pixels: int = DEFAULT_MAX_PIXELS,
               max_topk: int = 100,
               model_name: Optional[str] = None,
               gallery_name: Optional[str] = None,
               allowed_hosts: Optional[Iterable[str]] = None) -> FastAPI:
    """The sketch-pad web app.

    Args:
        retriever (SketchRetriever): Encodes the sketches.
        index (GalleryIndex): The gallery, built by the same model (checked
            now: an index of another model is refused).
        topk (int): Results per search, unless the request asks for
            ``?topk=`` (at most ``max_topk``).
        max_upload_bytes (int): Largest request body (413 above).
        max_pixels (int): Largest uploaded image in pixels, from its header
            (413 above, before decoding).
        max_topk (int): Largest ``?topk=`` a request may ask for.
        model_name (str, optional): Shown on the page; default the
            retriever's ``model_name``.
        gallery_name (str, optional): Shown on the page.
        allowed_hosts (Iterable[str], optional): Answer only requests whose
            ``Host`` header names one of these (e.g. ``127.0.0.1``,
            ``localhost``), so that a web page cannot reach a local server
            through DNS rebinding. Default: no check.

    Returns:
        FastAPI: An ASGI app; run it with ``uvicorn.run(app, ...)``.
    """
    retriever.check_index(index)
    if not 1 <= topk <= max_topk:
        raise ValueError(f'topk must be within 1..{max_topk}, got {topk}')
    model_name = (model_name or getattr(retriever, 'model_name', None)
                  or index.model_name or 'sketret model')
    pad = _SketchPad(retriever, index, topk, max_topk, max_pixels,
                     model_name, gallery_name or 'gallery')
    page, static_files = _read_static()

    app = FastAPI(title='sketret sketch pad', docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.sketch_pad = pad

    @app.exception_handler(APIError)
    async def _api_error(request, exc: APIError):
        return _json_error(exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else 'error'
        if exc.status_code == 404:
            message = 'not found'
        return _json_error(exc.status_code, message,
                           headers=getattr(exc, 'headers', None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        return _json_error(400, _validation_message(exc))

    @app.exception_handler(Exception)
    async def _internal(request, exc: Exception):
        logger.error('unexpected error on %s %s', request.method,
                     request.url.path, exc_info=exc)
        return _json_error(500, 'internal server error (see the server log)')

    @app.get('/', include_in_schema=False)
    def index_page():
        return HTMLResponse(page, headers={'cache-control': 'no-cache'})

    @app.get('/static/{name}', include_in_schema=False)
    def static_file(name: str):
        if name not in static_files:
            raise APIError(404, 'not found')
        data, media_type = static_files[name]
        return Response(data, media_type=media_type,
                        headers={'cache-control': 'no-cache'})

    @app.get('/api/health')
    def health():
        return dict(
            status='ok',
            model=pad.model_name,
            gallery=pad.gallery_name,
            gallery_size=len(index),
            classes=pad.classes,
            topk=pad.topk,
            max_topk=pad.max_topk,
            max_upload_bytes=max_upload_bytes,
            max_pixels=pad.max_pixels,
        )

    @app.get('/api/thumbnail/{i}')
    async def thumbnail(i: int):
        data = await run_in_threadpool(pad.thumbnail, i)
        return Response(data, media_type='image/jpeg',
                        headers={'cache-control': 'public, max-age=86400'})

    @app.post('/api/search')
    async def search(request: Request):
        start = time.perf_counter()
        k = request.query_params.get('topk')
        if k is None:
            k = pad.topk
        else:
            try:
                k = int(k)
            except ValueError:
                k = 0
            if not 1 <= k <= pad.max_topk:
                raise APIError(400, 'topk must be an integer within 1..'
                               f'{pad.max_topk}')
        ctype = request.headers.get('content-type', '')
        ctype = ctype.split(';', 1)[0].strip().lower()
        if ctype == 'application/json':
            body = await request.body()
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError) as e:
                raise APIError(400, f'invalid JSON: {e}') from e
            # validating many points takes a while: not on the event loop
            image = await run_in_threadpool(_strokes_to_image, payload)
        elif ctype == 'multipart/form-data':
            form = await request.form(max_files=1, max_fields=8)
            try:
                upload = form.get('file')
                if upload is None or isinstance(upload, str):
                    raise APIError(400, 'expected the sketch image in a '
                                   'multipart file field named "file"')
                data = await upload.read()
            finally:
                await form.close()
            image = await run_in_threadpool(decode_upload, data,
                                            pad.max_pixels)
        elif ctype in ('image/png', 'image/jpeg'):
            data = await request.body()
            image = await run_in_threadpool(decode_upload, data,
                                            pad.max_pixels)
        else:
            raise APIError(
                415, 'send the sketch as multipart/form-data (field "file"), '
                'image/png, image/jpeg or application/json strokes; got '
                f'Content-Type "{ctype[:100]}"')
        results = await run_in_threadpool(pad.search, image, k,
                                          request.scope.get('root_path', ''))
        return dict(
            results=results,
            model=pad.model_name,
            gallery=pad.gallery_name,
            gallery_size=len(index),
            elapsed_ms=round((time.perf_counter() - start) * 1000, 1))

    # Inside the error middleware, outside the routes' exception handlers
    # (a body over the limit raised while a route reads it becomes a 413).
    app.add_middleware(_Guard, max_body=max_upload_bytes,
                       allowed_hosts=allowed_hosts)
    return app
