# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The sketch pad's client errors: answered as ``{"error": ...}`` JSON."""
from fastapi.responses import JSONResponse

__all__ = ['APIError', 'json_error']


class APIError(Exception):
    """A client error: answered as ``{"error": message}`` with ``status``.
    """

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def json_error(status: int, message: str, headers=None) -> JSONResponse:
    """``{"error": message}`` with ``status``."""
    return JSONResponse({'error': message}, status_code=status,
                        headers=headers)
