# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The sketch pad: a local web app to draw a sketch and see the matching
photos of a gallery (``tools/serve.py`` runs it).

Needs the web packages (``requirements/web.txt``). Modules: ``app`` (the
FastAPI app and its routes), ``middleware`` (the ASGI guard), ``render``
(uploads and strokes to sketch images), ``thumbnails`` (gallery photo
thumbnails), ``errors`` (JSON client errors); the page is in ``static/``.
"""
from .app import DEFAULT_MAX_UPLOAD_BYTES, STATIC_DIR, create_app
from .errors import APIError
from .render import (
    DEFAULT_MAX_PIXELS,
    decode_upload,
    is_blank,
    parse_strokes,
    render_strokes,
)

__all__ = [
    'create_app', 'APIError', 'decode_upload', 'parse_strokes',
    'render_strokes', 'is_blank', 'DEFAULT_MAX_UPLOAD_BYTES',
    'DEFAULT_MAX_PIXELS', 'STATIC_DIR'
]
