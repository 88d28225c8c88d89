# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""ASGI middleware of the sketch pad: request-body limit (413), optional
Host allow-list (against DNS rebinding), security headers."""
import json
from typing import Iterable, Optional

from .errors import APIError

__all__ = ['RequestGuard', 'SECURITY_HEADERS']

SECURITY_HEADERS = [
    (b'x-content-type-options', b'nosniff'),
    (b'referrer-policy', b'no-referrer'),
    (b'x-frame-options', b'DENY'),
    (b'content-security-policy',
     b"default-src 'none'; script-src 'self'; style-src 'self'; "
     b"img-src 'self' blob: data:; connect-src 'self'; "
     b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
]


class RequestGuard:
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
                        (b'connection', b'close')] + SECURITY_HEADERS,
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
                    'headers', [])) + SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except APIError as e:  # raised outside a route's handlers
            if started:
                raise
            await self._reply(send, e.status, e.message)
