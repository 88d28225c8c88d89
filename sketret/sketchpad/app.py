# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The sketch pad: a local web app to draw a sketch and see the matching
photos of a gallery as the drawing grows.

:func:`create_app` builds a FastAPI app around a
:class:`~sketret.apis.SketchRetriever` (PyTorch or onnxruntime) and a
:class:`~sketret.apis.GalleryIndex`; ``tools/serve.py`` runs it with
uvicorn. Routes:

- ``GET /``: the drawing page (``sketret/sketchpad/static``; no external
  files).
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
import hashlib
import json
import logging
import os.path as osp
import threading
import time
from typing import Iterable, List, Optional, Tuple

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sketret.utils.image_io import pil_to_sbir_array

from .errors import APIError, json_error
from .middleware import RequestGuard
from .render import (
    DEFAULT_MAX_PIXELS,
    decode_upload,
    is_blank,
    strokes_to_image,
)
from .thumbnails import ThumbnailCache

__all__ = ['create_app', 'DEFAULT_MAX_UPLOAD_BYTES', 'STATIC_DIR']

logger = logging.getLogger('sketret.sketchpad')

#: The page's files (served from memory, by exact name only).
STATIC_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'static')
_STATIC_TYPES = {
    'app.js': 'text/javascript; charset=utf-8',
    'style.css': 'text/css; charset=utf-8',
}

#: Largest request body accepted (413 above). 4 MiB, default chosen by
#: sketret: a drawn sketch is a few KiB, a scanned one rarely over 1 MiB.
DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 * 1024

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
        self.thumbnails = ThumbnailCache(index.paths)

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
        return json_error(exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else 'error'
        if exc.status_code == 404:
            message = 'not found'
        return json_error(exc.status_code, message,
                           headers=getattr(exc, 'headers', None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        return json_error(400, _validation_message(exc))

    @app.exception_handler(Exception)
    async def _internal(request, exc: Exception):
        logger.error('unexpected error on %s %s', request.method,
                     request.url.path, exc_info=exc)
        return json_error(500, 'internal server error (see the server log)')

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
        data = await run_in_threadpool(pad.thumbnails.get, i)
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
            image = await run_in_threadpool(strokes_to_image, payload)
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
    app.add_middleware(RequestGuard, max_body=max_upload_bytes,
                       allowed_hosts=allowed_hosts)
    return app
