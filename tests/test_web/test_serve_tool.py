# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""tools/serve.py: the demo default, argument checks, gallery loading, and
one real start on a saved gallery index."""
import http.client
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from web_helpers import CONFIG, REPO_ROOT, bundled_sketch, free_socket

from sketret.apis.gallery_index import GalleryIndex


@pytest.fixture(scope='module')
def serve():
    spec = importlib.util.spec_from_file_location(
        'sketret_tools_serve', os.path.join(REPO_ROOT, 'tools', 'serve.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_demo_model_missing_checkpoint(serve, tmp_path):
    config = tmp_path / serve.DEMO_CONFIG
    config.parent.mkdir(parents=True)
    config.write_text('')
    with pytest.raises(SystemExit) as exc:
        serve.default_demo_model(str(tmp_path))
    message = str(exc.value)
    assert 'demo checkpoint' in message and 'is missing' in message
    assert f'python tools/train.py {serve.DEMO_CONFIG}' in message


def test_default_demo_model_present(serve, tmp_path):
    for rel in (serve.DEMO_CONFIG, serve.DEMO_CHECKPOINT):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text('')
    config, checkpoint = serve.default_demo_model(str(tmp_path))
    assert config == str(tmp_path / serve.DEMO_CONFIG)
    assert checkpoint == str(tmp_path / serve.DEMO_CHECKPOINT)


def test_default_demo_paths_exist_in_the_repo(serve):
    assert os.path.isfile(os.path.join(REPO_ROOT, serve.DEMO_CONFIG))
    assert serve.DEMO_CHECKPOINT.startswith('model_zoo/')


@pytest.mark.parametrize('argv, match', [
    (['a.py'], 'needs a CHECKPOINT'),
    (['a.py', 'b.pth', '--model', 'x'], 'give one of'),
    (['--model', 'x', '--onnx', 'd'], 'give one of'),
    (['--onnx', 'd', '--cfg-options', 'a=1'], 'deploy.json'),
    (['--threads', '0'], '--threads'),
    (['--model', 'x', '--cfg-options', 'a=1'], 'needs CONFIG CHECKPOINT'),
    (['--port', '70000'], '--port'),
    (['--topk', '0'], '--topk'),
])
def test_bad_arguments(serve, capsys, argv, match):
    with pytest.raises(SystemExit):
        serve.parse_args(argv)
    assert match in capsys.readouterr().err


def test_defaults(serve):
    args = serve.parse_args([])
    assert args.host == '127.0.0.1' and args.port == 8000
    assert args.topk == 12 and args.gallery is None
    assert serve.is_loopback('127.0.0.1') and serve.is_loopback('::1')
    assert serve.is_loopback('localhost')
    assert not serve.is_loopback('0.0.0.0')
    assert not serve.is_loopback('192.168.1.5')


def test_unknown_zoo_model(serve, gallery_dir):
    with pytest.raises(SystemExit) as exc:
        serve.main(['--model', 'no-such-model', '--gallery', gallery_dir])
    message = str(exc.value)
    assert 'no-such-model' in message or 'model zoo' in message or (
        'model-index' in message), message


def test_load_gallery(serve, retriever, gallery_dir, gallery_index,
                      tmp_path):
    index, name = serve.load_gallery(retriever, gallery_dir + '/',
                                     save_index=str(tmp_path / 'idx'))
    assert len(index) == 20 and name == os.path.basename(gallery_dir)
    loaded, name = serve.load_gallery(retriever, str(tmp_path / 'idx'))
    assert loaded.paths == index.paths and name == 'idx'
    with pytest.raises(ValueError, match='already an index'):
        serve.load_gallery(retriever, str(tmp_path / 'idx'),
                           save_index=str(tmp_path / 'other'))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        serve.load_gallery(retriever, str(tmp_path / 'nothing'))
    other = GalleryIndex(index.features, index.paths,
                         model_fingerprint='0' * 16)
    other.save(str(tmp_path / 'other_model'))
    with pytest.raises(ValueError, match='another model'):
        serve.load_gallery(retriever, str(tmp_path / 'other_model'))


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_serve_a_saved_index(gallery_index, checkpoint, tmp_path):
    """The tool binds 127.0.0.1, loads a saved index of the same weights,
    answers searches, and stops cleanly on Ctrl+C."""
    index_dir = str(tmp_path / 'index')
    gallery_index.save(index_dir)
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.Popen(
        [sys.executable, os.path.join(REPO_ROOT, 'tools', 'serve.py'),
         CONFIG, checkpoint, '--gallery', index_dir, '--port', str(port),
         '--topk', '3', '--device', 'cpu', '--cfg-options',
         'test_dataloader.dataset.pipeline.1.scale=(64,64)'],
        cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                status, body = _request(port, 'GET', '/api/health')
                break
            except OSError:
                assert time.monotonic() < deadline, 'server did not start'
                time.sleep(0.3)
        health = json.loads(body)
        assert status == 200 and health['gallery'] == 'index'
        assert health['gallery_size'] == 20 and health['topk'] == 3
        with open(bundled_sketch('dolphin'), 'rb') as f:
            status, body = _request(port, 'POST', '/api/search', f.read(),
                                    {'Content-Type': 'image/png'})
        assert status == 200, body
        assert len(json.loads(body)['results']) == 3
        # DNS-rebinding guard on a loopback bind
        status, body = _request(port, 'GET', '/api/health',
                                headers={'Host': 'evil.example'})
        assert status == 400 and b'not served here' in body
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert f'Open http://127.0.0.1:{port}/' in out
    assert 'gallery index (20 photos)' in out
