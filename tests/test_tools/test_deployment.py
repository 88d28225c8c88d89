# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""ONNX export (tools/deployment/pytorch2onnx.py) and serving the exported
model with onnxruntime, without PyTorch."""
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sketret_testing import REPO_ROOT, load_tool_module

from sketret.utils.assets import SBIR_MINI_ROOT

CFG = osp.join(REPO_ROOT, 'configs', 'bda-sketret',
               'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
CKPT = osp.join(REPO_ROOT, 'model_zoo', 'bda-sketret',
                'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.pth')
#: A 64 px input keeps the export and every forward pass fast.
SMALL = {'test_dataloader.dataset.pipeline.1.scale': (64, 64)}
SMALL_OPT = 'test_dataloader.dataset.pipeline.1.scale=(64,64)'


def _load_tool():
    return load_tool_module('deployment', 'pytorch2onnx.py')


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """The demo zoo model exported at 64 px, and the tool's output."""
    from sketret_testing import run_tool
    out = tmp_path_factory.mktemp('onnx') / 'export'
    proc = run_tool('deployment/pytorch2onnx.py', CFG, CKPT, '--out-dir',
                    out, '--cfg-options', SMALL_OPT, '--check-images', '4')
    return str(out), proc.stdout


@pytest.fixture(scope='module')
def torch_model():
    from sketret.apis import init_model
    return init_model(CFG, CKPT, device='cpu', cfg_options=SMALL)


@pytest.fixture(scope='module')
def gallery(tmp_path_factory):
    """6 bundled photos of 3 classes in the photo/<class>/ layout."""
    root = tmp_path_factory.mktemp('gallery')
    for cls in ('guitar', 'pear', 'tree'):
        (root / 'photo' / cls).mkdir(parents=True)
        for src in sorted(glob.glob(osp.join(SBIR_MINI_ROOT, 'photo', cls,
                                             '*.jpg')))[:2]:
            shutil.copy(src, root / 'photo' / cls)
    return str(root)


@pytest.mark.slow
def test_export_parity_and_manifest(exported, torch_model):
    from sketret.apis import model_fingerprint
    out, stdout = exported
    diffs = re.findall(r'(sketch|photo): onnxruntime vs PyTorch on 4 '
                       r'bundled images, max abs difference (\S+)', stdout)
    assert [m for m, _ in diffs] == ['sketch', 'photo'], stdout
    assert all(float(d) <= 1e-4 for _, d in diffs), stdout
    with open(osp.join(out, 'deploy.json')) as f:
        manifest = json.load(f)
    # the settings of the config (64 px override, ImageNet mean/std), the
    # metafile's 128-d embedding, the weights of the checkpoint
    assert (manifest['input']['height'], manifest['input']['width']) == (
        64, 64)
    assert manifest['normalisation']['mean'] == [123.675, 116.28, 103.53]
    assert manifest['normalisation']['std'] == [58.395, 57.12, 57.375]
    assert manifest['embedding_dim'] == 128
    assert manifest['model_fingerprint'] == model_fingerprint(torch_model)


@pytest.mark.slow
def test_exported_graph_has_a_dynamic_batch(exported, torch_model):
    import onnxruntime as ort
    import torch
    out, _ = exported
    session = ort.InferenceSession(osp.join(out, 'photo_encoder.onnx'),
                                   providers=['CPUExecutionProvider'])
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (3, 3, 64, 64)).astype(np.float32)
    batch = session.run(None, {'image': images})[0]
    single = session.run(None, {'image': images[1:2]})[0]
    assert batch.shape == (3, 128)
    np.testing.assert_allclose(batch[1:2], single, atol=1e-5)
    # a second implementation: the PyTorch model's own preprocessor and
    # extract_feat, normalised
    with torch.no_grad():
        x = torch_model.data_preprocessor(
            dict(inputs=torch.from_numpy(images)), False)['inputs']
        ref = torch.nn.functional.normalize(
            torch_model.extract_feat(x, 'photo'), dim=1).numpy()
    np.testing.assert_allclose(batch, ref, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1, atol=1e-5)


@pytest.mark.slow
def test_serve_onnx_without_torch(exported, torch_model, gallery, tmp_path):
    """tools/serve.py --onnx answers a search with PyTorch never imported,
    and ranks the gallery as the PyTorch model does."""
    from sketret.apis import SketchRetriever
    out, _ = exported
    sketch = sorted(glob.glob(osp.join(SBIR_MINI_ROOT, 'sketch', 'pear',
                                       '*.png')))[0]
    script = tmp_path / 'query.py'
    script.write_text(textwrap.dedent(f'''
        import importlib.util, json, sys
        spec = importlib.util.spec_from_file_location(
            'serve', {osp.join(REPO_ROOT, 'tools', 'serve.py')!r})
        serve = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(serve)
        from fastapi.testclient import TestClient
        from sketret.sketchpad import create_app
        args = serve.parse_args(['--onnx', {out!r}, '--gallery',
                                 {gallery!r}])
        retriever = serve.build_retriever(args)
        index, _ = serve.load_gallery(retriever, args.gallery)
        app = create_app(retriever, index, topk=6)
        with TestClient(app) as client, open({sketch!r}, 'rb') as f:
            resp = client.post('/api/search', content=f.read(),
                               headers={{'content-type': 'image/png'}})
        print(json.dumps(dict(
            status=resp.status_code, results=resp.json()['results'],
            paths=index.paths, backend=retriever.backend,
            torch='torch' in sys.modules)))
    '''))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, str(script)], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got['status'] == 200 and got['backend'] == 'onnxruntime'
    assert got['torch'] is False
    ref = SketchRetriever(torch_model)
    index = ref.build_index(gallery)
    assert index.paths == got['paths']
    want = ref.search(sketch, index, topk=6)
    assert [r['index'] for r in got['results']] == [
        w['index'] for w in want]
    np.testing.assert_allclose([r['score'] for r in got['results']],
                               [w['score'] for w in want], atol=1e-4)


def test_tool_refuses_a_used_out_dir_and_other_pipelines(tmp_path):
    tool = _load_tool()
    (tmp_path / 'keep.txt').write_text('mine')
    with pytest.raises(SystemExit, match='not empty'):
        tool.main([CFG, CKPT, '--out-dir', str(tmp_path)])
    assert (tmp_path / 'keep.txt').read_text() == 'mine'
    from sketret.utils.config_utils import load_config
    cfg = load_config(CFG)
    assert tool.preprocessing_of(cfg)['height'] == 160
    cfg.test_dataloader.dataset.pipeline[1]['keep_ratio'] = True
    with pytest.raises(ValueError, match='not reproduced by the ONNX'):
        tool.preprocessing_of(cfg)


def test_onnx_retriever_errors(tmp_path):
    from sketret.apis import OnnxEncoder
    with pytest.raises(FileNotFoundError, match='pytorch2onnx.py'):
        OnnxEncoder(str(tmp_path))
    (tmp_path / 'deploy.json').write_text(json.dumps({'format': 'other'}))
    with pytest.raises(ValueError, match='"format" must be "sketret-onnx"'):
        OnnxEncoder(str(tmp_path))
