# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The sketch-pad API with FastAPI's test client: searches, bad inputs,
path traversal; the server keeps answering after all of them."""
import asyncio
import io
import json
import re
import struct
import zlib

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from web_helpers import bundled_sketch

from sketret.apis.gallery_index import GalleryIndex
from sketret.sketchpad import (
    create_app,
    decode_upload,
    parse_strokes,
    render_strokes,
)

TOPK = 5
MAX_UPLOAD = 256 * 1024


@pytest.fixture(scope='module')
def app(retriever, gallery_index):
    return create_app(retriever, gallery_index, topk=TOPK,
                      max_upload_bytes=MAX_UPLOAD, gallery_name='mini-20')


@pytest.fixture(scope='module')
def client(app):
    # raise_server_exceptions (default): an unhandled error fails the test
    with TestClient(app) as c:
        yield c


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, 'PNG')
    return buf.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose IHDR claims ``width`` x ``height`` (CRC fixed)."""
    data = bytearray(png_bytes(Image.new('L', (1, 1), 255)))
    assert data[12:16] == b'IHDR'
    struct.pack_into('>II', data, 16, width, height)
    struct.pack_into('>I', data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny JPEG whose SOF0 header claims ``width`` x ``height``."""
    buf = io.BytesIO()
    Image.new('L', (8, 8), 128).save(buf, 'JPEG')
    data = bytearray(buf.getvalue())
    sof = data.index(b'\xff\xc0')
    struct.pack_into('>HH', data, sof + 5, height, width)
    return bytes(data)


def upload(client, data: bytes, name='sketch.png', mime='image/png',
           **kwargs):
    return client.post('/api/search', files={'file': (name, data, mime)},
                       **kwargs)


def assert_error(resp, status):
    assert resp.status_code == status, resp.text
    assert resp.headers['content-type'].startswith('application/json')
    body = resp.json()
    assert set(body) == {'error'} and body['error'], body
    assert 'Traceback' not in body['error']
    return body['error']


def strokes_query(**overrides):
    query = dict(strokes=[[[100, 100], [400, 120], [380, 400]],
                          [[150, 300], [160, 310]], [[256, 256]]],
                 width=512, height=512, line_width=6)
    query.update(overrides)
    return query


# -- searches -----------------------------------------------------------------
def check_results(client, data, k=TOPK):
    assert data['model'] == 'test-model'
    assert data['gallery'] == 'mini-20' and data['gallery_size'] == 20
    assert data['elapsed_ms'] >= 0
    results = data['results']
    assert [r['rank'] for r in results] == list(range(1, k + 1))
    scores = [r['score'] for r in results]
    assert scores == sorted(scores, reverse=True)
    for r in results:
        assert r['class_name'] in ('dolphin', 'guitar', 'hedgehog', 'lobster',
                                   'pear', 'spoon', 'tank', 'traffic_light',
                                   'truck', 'umbrella')
        assert re.fullmatch(r'/api/thumbnail/\d+\?g=\w+', r['thumbnail_url'])


def test_search_bundled_sketch_png(client):
    with open(bundled_sketch('guitar'), 'rb') as f:
        resp = upload(client, f.read())
    assert resp.status_code == 200, resp.text
    data = resp.json()
    check_results(client, data)
    for r in data['results']:  # every thumbnail loads
        thumb = client.get(r['thumbnail_url'])
        assert thumb.status_code == 200
        assert thumb.headers['content-type'] == 'image/jpeg'
        img = Image.open(io.BytesIO(thumb.content))
        assert img.format == 'JPEG' and max(img.size) <= 256


def test_search_matches_the_inference_api(client, retriever, gallery_index):
    """The server ranks like SketchRetriever.search on the same file."""
    path = bundled_sketch('pear')
    expected = retriever.search(path, gallery_index, TOPK)
    with open(path, 'rb') as f:
        data = upload(client, f.read()).json()
    assert [r['index'] for r in data['results']] == [
        h['index'] for h in expected]
    np.testing.assert_allclose([r['score'] for r in data['results']],
                               [h['score'] for h in expected], atol=1e-4)


def test_search_raw_body_jpeg_and_topk(client):
    img = Image.open(bundled_sketch('umbrella')).convert('RGB')
    buf = io.BytesIO()
    img.save(buf, 'JPEG', quality=90)
    resp = client.post('/api/search?topk=3', content=buf.getvalue(),
                       headers={'content-type': 'image/jpeg'})
    assert resp.status_code == 200, resp.text
    check_results(client, resp.json(), k=3)


def test_search_transparent_png(client):
    """A canvas PNG: black strokes on a transparent background."""
    img = Image.new('RGBA', (200, 200), (0, 0, 0, 0))
    img.paste((0, 0, 0, 255), (40, 40, 160, 50))
    assert upload(client, png_bytes(img)).status_code == 200


def test_search_strokes(client):
    resp = client.post('/api/search', json=strokes_query(
        line_widths=[4, 8, 12]))
    assert resp.status_code == 200, resp.text
    check_results(client, resp.json())


def test_render_strokes_centres_the_drawing():
    query = parse_strokes(dict(strokes=[[[10, 10], [40, 10]]], width=512,
                               height=512, line_width=4))
    img = render_strokes(query['strokes'], query['width'], query['height'],
                         query['line_widths'])
    arr = np.asarray(img)
    assert img.size == (256, 256) and img.mode == 'L'
    ys, xs = np.nonzero(arr < 128)
    assert xs.min() < 30 and xs.max() > 226  # scaled up to fill the width
    assert abs(ys.mean() - 128) < 2  # vertically centred
    assert 1 <= np.ptp(ys) <= 4  # line width stays thin (4 px of 512)
    assert arr[0, 0] == 255


@pytest.mark.parametrize('query, match', [
    (strokes_query(strokes=[]), 'empty canvas'),
    (strokes_query(strokes=[[], []]), 'empty canvas'),
])
def test_empty_strokes(client, query, match):
    assert match in assert_error(client.post('/api/search', json=query), 400)


@pytest.mark.parametrize('color, mode', [(255, 'L'), ((255, 255, 255), 'RGB'),
                                         (0, 'L'), ((0, 0, 0, 0), 'RGBA')])
def test_blank_image(client, color, mode):
    data = png_bytes(Image.new(mode, (300, 200), color))
    assert 'empty canvas' in assert_error(upload(client, data), 400)


@pytest.mark.parametrize('query, match', [
    ([1, 2], 'JSON object'),
    (dict(strokes=[[[1, 2]]], width=512), 'missing "height"'),
    (strokes_query(width=0), '"width" must be within'),
    (strokes_query(height=10**9), '"height" must be within'),
    (strokes_query(width='512'), 'must be a number'),
    (strokes_query(strokes='abc'), 'list of strokes'),
    (strokes_query(strokes=[[[1]]]), 'must be \\[x, y\\]'),
    (strokes_query(strokes=[[[1, 'a']]]), 'must be a number'),
    (strokes_query(strokes=[[[1, True]]]), 'must be a number'),
    (strokes_query(line_width=-1), 'within \\(0, 512\\]'),
    (strokes_query(line_widths=[1]), 'one width per stroke'),
])
def test_bad_strokes(client, query, match):
    error = assert_error(client.post('/api/search', json=query), 400)
    assert re.search(match, error), error


def test_too_many_points(client, monkeypatch):
    import sketret.sketchpad.render as render
    monkeypatch.setattr(render, 'MAX_POINTS', 100)
    query = strokes_query(strokes=[[[0, 0], [1, 1]]] * 51)
    error = assert_error(client.post('/api/search', json=query), 400)
    assert 'too many points (more than 100)' in error


def test_non_finite_json(client):
    body = '{"strokes": [[[NaN, 1]]], "width": 512, "height": 512}'
    resp = client.post('/api/search', content=body,
                       headers={'content-type': 'application/json'})
    assert 'must be finite' in assert_error(resp, 400)


def test_invalid_json(client):
    resp = client.post('/api/search', content=b'{"strokes": [',
                       headers={'content-type': 'application/json'})
    assert 'invalid JSON' in assert_error(resp, 400)
    resp = client.post('/api/search', content=b'\xff\xfe\x00',
                       headers={'content-type': 'application/json'})
    assert_error(resp, 400)


# -- bad uploads --------------------------------------------------------------
def test_huge_upload(client):
    data = b'\x89PNG' + bytes(MAX_UPLOAD + 10)
    assert 'limit' in assert_error(upload(client, data), 413)


def test_huge_chunked_upload(client):
    """No Content-Length: the limit is enforced while reading."""

    def chunks():
        for _ in range(8):
            yield bytes(MAX_UPLOAD // 4)

    resp = client.post('/api/search', content=chunks(),
                       headers={'content-type': 'image/png'})
    assert 'limit' in assert_error(resp, 413)


@pytest.mark.parametrize('data', [
    b'this is not an image',
    b'%PDF-1.4 ' + bytes(100),
    bytes(range(256)) * 4,
])
def test_non_image_bytes(client, data):
    assert 'not a PNG or JPEG' in assert_error(upload(client, data), 400)


def test_other_image_format(client):
    buf = io.BytesIO()
    Image.new('L', (32, 32), 0).save(buf, 'GIF')
    assert 'not a PNG or JPEG' in assert_error(
        upload(client, buf.getvalue(), 'a.gif', 'image/gif'), 400)


def test_empty_and_truncated_upload(client):
    assert 'empty upload' in assert_error(upload(client, b''), 400)
    with open(bundled_sketch('guitar'), 'rb') as f:
        data = f.read()
    assert_error(upload(client, data[:len(data) // 2]), 400)
    # a valid header claiming 1000x1000 px with 1 px of data
    assert 'corrupt or truncated' in assert_error(
        upload(client, png_claiming(1000, 1000)), 400)


@pytest.mark.parametrize('data', [
    png_claiming(20000, 20000),  # PIL's own bomb guard
    png_claiming(5000, 5000),  # 25 Mpx: sketret's 16 Mpx limit
    jpeg_claiming(60000, 60000),
])
def test_decompression_bomb(client, data):
    error = assert_error(upload(client, data), 413)
    assert 'decompression-bomb' in error or 'too large' in error


def test_decode_upload_checks_the_header_first():
    with pytest.raises(Exception, match='more than the limit'):
        decode_upload(png_claiming(100, 100), max_pixels=99 * 100)


@pytest.mark.parametrize('kwargs', [
    dict(files={'other': ('a.png', b'x', 'image/png')}),
    dict(data={'file': 'not a file'},
         files={'other': ('a.png', b'x', 'image/png')}),
])
def test_multipart_without_file(client, kwargs):
    resp = client.post('/api/search', **kwargs)
    assert 'field named "file"' in assert_error(resp, 400)


def test_unsupported_content_type(client):
    resp = client.post('/api/search', content=b'abc',
                       headers={'content-type': 'text/plain'})
    assert 'multipart/form-data' in assert_error(resp, 415)
    resp = client.post('/api/search', content=b'abc')
    assert_error(resp, 415)


@pytest.mark.parametrize('topk', ['0', '-3', '101', 'abc', '1e3'])
def test_bad_topk(client, topk):
    with open(bundled_sketch(), 'rb') as f:
        resp = upload(client, f.read(), params={'topk': topk})
    assert 'topk' in assert_error(resp, 400)


# -- paths --------------------------------------------------------------------
TRAVERSALS = [
    '/api/thumbnail/../../etc/passwd',
    '/api/thumbnail/..%2f..%2fetc%2fpasswd',
    '/api/thumbnail/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/api/thumbnail/%2fetc%2fpasswd',
    '/api/thumbnail//etc/passwd',
    '/api/thumbnail/C:%5CWindows%5Cwin.ini',
    '/api/thumbnail/-1',
    '/api/thumbnail/20',
    '/api/thumbnail/99999999999999999999999',
    '/api/thumbnail/1e3',
    '/api/thumbnail/0x1',
    '/api/thumbnail/',
    '/static/../server.py',
    '/static/%2e%2e%2fserver.py',
    '/static/..%5Cserver.py',
    '/static/index.html',
    '/static/',
    '/etc/passwd',
    '//etc/passwd',
    '/gallery/0',
    '/docs',
    '/openapi.json',
]


async def _raw_get(app, raw_path: str):
    """Call the ASGI app with ``raw_path`` exactly as a client sent it
    (HTTP clients normalise ``..`` away before sending)."""
    from urllib.parse import unquote
    path = unquote(raw_path.split('?')[0])
    scope = dict(type='http', asgi={'version': '3.0'}, http_version='1.1',
                 method='GET', scheme='http', path=path,
                 raw_path=raw_path.encode(), root_path='', query_string=b'',
                 headers=[(b'host', b'testserver')],
                 client=('127.0.0.1', 1), server=('testserver', 80))
    sent = []

    async def receive():
        return {'type': 'http.request', 'body': b''}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    start = sent[0]
    body = b''.join(m.get('body', b'') for m in sent[1:])
    headers = {k.decode(): v.decode() for k, v in start['headers']}
    return start['status'], headers, body


@pytest.mark.parametrize('raw_path', TRAVERSALS)
def test_traversal_raw(app, raw_path):
    status, headers, body = asyncio.run(_raw_get(app, raw_path))
    assert 400 <= status < 500, (raw_path, status, body[:200])
    assert headers['content-type'] == 'application/json'
    assert 'error' in json.loads(body)
    assert b'root:' not in body and b'import' not in body


@pytest.mark.parametrize('path', TRAVERSALS)
def test_traversal_client(client, path):
    resp = client.get(path)
    assert_error(resp, resp.status_code)
    assert 400 <= resp.status_code < 500
    assert 'root:' not in resp.text


def test_thumbnail_indices(client):
    assert client.get('/api/thumbnail/0').status_code == 200
    assert client.get('/api/thumbnail/19').status_code == 200
    assert 'numbered 0..19' in assert_error(client.get('/api/thumbnail/20'),
                                            404)
    assert 'numbered 0..19' in assert_error(client.get('/api/thumbnail/-1'),
                                            404)
    assert 'invalid path parameter "i"' in assert_error(
        client.get('/api/thumbnail/abc'), 400)


def test_methods(client):
    assert_error(client.get('/api/search'), 405)
    assert_error(client.delete('/api/thumbnail/0'), 405)


def test_missing_gallery_photo(retriever, tmp_path):
    """A photo deleted after indexing: 404, not 500."""
    photo = tmp_path / 'a.jpg'
    Image.new('RGB', (50, 40), (200, 10, 10)).save(photo)
    index = retriever.build_index([str(photo)])
    app = create_app(retriever, index)
    with TestClient(app) as c:
        assert c.get('/api/thumbnail/0').status_code == 200
        photo.write_bytes(b'broken')
        c.app.state.sketch_pad.thumbnails.clear()
        assert 'unreadable' in assert_error(c.get('/api/thumbnail/0'), 404)
        photo.unlink()
        assert 'missing' in assert_error(c.get('/api/thumbnail/0'), 404)


# -- page, health, safety defaults --------------------------------------------
def test_page_and_static_files(client):
    page = client.get('/')
    assert page.status_code == 200
    assert page.headers['content-type'].startswith('text/html')
    assert '<canvas id="pad"' in page.text
    csp = page.headers['content-security-policy']
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert page.headers['x-content-type-options'] == 'nosniff'
    js = client.get('/static/app.js')
    css = client.get('/static/style.css')
    assert js.status_code == css.status_code == 200
    assert js.headers['content-type'].startswith('text/javascript')
    assert css.headers['content-type'].startswith('text/css')
    for text in (page.text, js.text, css.text):  # nothing from elsewhere
        assert not re.search(r'(https?:)?//[a-z0-9.-]+\.[a-z]{2,}', text,
                             re.I), 'the page must not load external files'
    srcs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sorted(srcs) == ['data:,', 'static/app.js', 'static/style.css']


def test_health(client):
    resp = client.get('/api/health')
    assert resp.status_code == 200
    assert resp.json() == dict(
        status='ok', model='test-model', gallery='mini-20', gallery_size=20,
        classes=10, topk=TOPK, max_topk=100, max_upload_bytes=MAX_UPLOAD,
        max_pixels=16 * 1024 * 1024)


def test_allowed_hosts(retriever, gallery_index):
    app = create_app(retriever, gallery_index,
                     allowed_hosts=['127.0.0.1', 'localhost'])
    with TestClient(app, base_url='http://127.0.0.1:8000') as c:
        assert c.get('/api/health').status_code == 200
    with TestClient(app, base_url='http://localhost') as c:
        assert c.get('/api/health').status_code == 200
    with TestClient(app, base_url='http://attacker.example:8000') as c:
        assert 'is not served here' in assert_error(c.get('/api/health'),
                                                    400)
        assert_error(c.get('/api/thumbnail/0'), 400)


def test_unexpected_error_is_json_without_traceback(retriever,
                                                   gallery_index,
                                                   monkeypatch, caplog):
    """A bug (not a bad request) still answers JSON, and logs the trace."""
    app = create_app(retriever, gallery_index)

    def broken(*args, **kwargs):
        raise RuntimeError('secret internals')

    monkeypatch.setattr(app.state.sketch_pad.retriever, 'search', broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        with open(bundled_sketch(), 'rb') as f:
            resp = upload(c, f.read())
    assert resp.status_code == 500
    assert resp.json() == {'error': 'internal server error (see the server '
                                    'log)'}
    assert 'secret' not in resp.text
    assert 'secret internals' in caplog.text


def test_refuses_index_of_another_model(retriever, gallery_index):
    other = GalleryIndex(gallery_index.features, gallery_index.paths,
                         model_name='other', model_fingerprint='0' * 16)
    with pytest.raises(ValueError, match='built by another model'):
        create_app(retriever, other)


def test_still_serving_after_bad_requests(client):
    """Run last: everything above left the server healthy."""
    assert client.get('/api/health').json()['status'] == 'ok'
    with open(bundled_sketch('hedgehog'), 'rb') as f:
        assert upload(client, f.read()).status_code == 200
