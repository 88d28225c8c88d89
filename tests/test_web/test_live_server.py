# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The app behind a real uvicorn server: raw HTTP requests that clients
would normalise (``..``), chunked bodies, and a health check after them."""
import json

import pytest
from web_helpers import LiveServer, http_raw

from sketret.sketchpad import create_app

MAX_UPLOAD = 64 * 1024


@pytest.fixture(scope='module')
def live(retriever, gallery_index):
    app = create_app(retriever, gallery_index, topk=4,
                     max_upload_bytes=MAX_UPLOAD, gallery_name='mini-20',
                     allowed_hosts=['127.0.0.1', 'localhost'])
    with LiveServer(app) as server:
        yield server


def get(port, target: str, host='127.0.0.1'):
    answer = http_raw(port, (f'GET {target} HTTP/1.1\r\nHost: {host}\r\n'
                             'Connection: close\r\n\r\n').encode('latin-1'))
    head, _, body = answer.partition(b'\r\n\r\n')
    status = int(head.split(b' ', 2)[1])
    return status, head.decode('latin-1').lower(), body


@pytest.mark.parametrize('target', [
    '/api/thumbnail/../../etc/passwd',
    '/api/thumbnail/..%2f..%2f..%2fetc%2fpasswd',
    '/api/thumbnail/%2e%2e/%2e%2e/etc/passwd',
    '/api/thumbnail//etc/passwd',
    '/api/thumbnail/%2Fetc%2Fpasswd',
    '/api/thumbnail/-5',
    '/api/thumbnail/4000000000',
    '/static/../server.py',
    '/static/../../../../etc/passwd',
    '/static/%2e%2e%2fserver.py',
    '/../../../../etc/passwd',
    'http://127.0.0.1/../../etc/passwd',
])
def test_raw_traversal(live, target):
    status, head, body = get(live.port, target)
    assert 400 <= status < 500, (target, status, body[:200])
    assert 'content-type: application/json' in head
    assert 'error' in json.loads(body)
    assert b'root:' not in body and b'import ' not in body


def test_foreign_host_header(live):
    status, _, body = get(live.port, '/api/health', host='attacker.example')
    assert status == 400 and b'not served here' in body


def test_chunked_upload_over_limit(live):
    chunk = b'%x\r\n%s\r\n' % (16 * 1024, bytes(16 * 1024))
    request = (b'POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\n'
               b'Content-Type: image/png\r\nTransfer-Encoding: chunked\r\n'
               b'Connection: close\r\n\r\n')
    answer = http_raw(live.port, request, [chunk] * 8 + [b'0\r\n\r\n'])
    assert answer.startswith(b'HTTP/1.1 413')
    assert b'"error"' in answer


def test_health_after_bad_requests(live):
    status, _, body = get(live.port, '/api/health')
    assert status == 200 and json.loads(body)['status'] == 'ok'
