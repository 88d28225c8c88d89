# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The built wheel works outside a clone: configs and the model index come
from the package (``sketret/.mim``), checkpoints from the cache that
``sketret-fetch`` fills."""
import json
import os
import os.path as osp
import shutil
import site
import subprocess
import sys
import textwrap

import pytest
import yaml
from sketret_testing import REPO_ROOT

DEMO = 'bda-sketret_efficientnet-lite0_1xb32_sbir-mini'
#: Not copied into the build tree: checkpoints, build outputs, caches.
_SKIP = shutil.ignore_patterns('.git', '.venv', '*.pth', 'build', 'dist',
                               '*.egg-info', 'work_dirs', '__pycache__',
                               '.mim', '.pytest_cache', '.ruff_cache')


def _run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          **kwargs)
    assert proc.returncode == 0, (f'{cmd} exited {proc.returncode}\n'
                                  f'{proc.stdout[-3000:]}\n'
                                  f'{proc.stderr[-3000:]}')
    return proc


@pytest.fixture(scope='module')
def venv(tmp_path_factory):
    """A fresh venv with the built wheel installed (``--no-deps``); the
    pinned dependencies come from this interpreter's site-packages through
    a ``.pth`` line (a plain path: the editable sketret that site-packages
    may hold is not activated), never from the source tree."""
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp / 'src'
    shutil.copytree(REPO_ROOT, src, ignore=_SKIP, symlinks=True)
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
          '--no-build-isolation', '--disable-pip-version-check', '-q', '-w',
          str(tmp / 'dist'), str(src)], cwd=str(tmp))
    wheels = os.listdir(tmp / 'dist')
    assert len(wheels) == 1 and wheels[0].startswith('sketret-'), wheels
    env_dir = tmp / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip', str(env_dir)])
    python = str(env_dir / 'bin' / 'python')
    purelib = _run([python, '-c', 'import sysconfig; print(sysconfig.'
                    'get_paths()["purelib"])']).stdout.strip()
    with open(osp.join(purelib, 'zz_sketret_test_deps.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    _run([sys.executable, '-m', 'pip', '--python', python, 'install', '-q',
          '--no-deps', '--disable-pip-version-check',
          str(tmp / 'dist' / wheels[0])])
    return dict(python=python, bin=str(env_dir / 'bin'), purelib=purelib,
                tmp=tmp)


@pytest.mark.slow
def test_wheel_finds_zoo_and_cached_checkpoint(venv, tmp_path):
    home = tmp_path / 'home'
    env = {
        k: v
        for k, v in os.environ.items() if k not in ('PYTHONPATH', )
    }
    env.update(SKETRET_HOME=str(home), OMP_NUM_THREADS='1')
    # 1) before fetching: the zoo is listed, the checkpoint is missing and
    # the message says where it goes and how to put it there
    probe = textwrap.dedent(f'''
        import json, sketret
        from sketret.apis import get_model, list_models
        from sketret.apis.model_zoo import zoo_root
        try:
            get_model({DEMO!r}, device='cpu')
            error = None
        except FileNotFoundError as e:
            error = str(e)
        print(json.dumps(dict(file=sketret.__file__, root=zoo_root(),
                              models=list_models(with_weights=True),
                              error=error)))
    ''')
    got = json.loads(_run([venv['python'], '-c', probe], cwd=str(tmp_path),
                          env=env).stdout.splitlines()[-1])
    assert got['file'].startswith(venv['purelib']), got['file']
    assert got['root'] == osp.join(venv['purelib'], 'sketret', '.mim')
    with open(osp.join(REPO_ROOT, 'configs', 'bda-sketret',
                       'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    shipped = [m['Name'] for m in meta['Models'] if m.get('Weights')]
    assert set(shipped) <= set(got['models'])
    cached = osp.join(str(home), 'checkpoints', f'{DEMO}.pth')
    assert cached in got['error'] and 'sketret-fetch' in got['error']

    # 2) a checkpoint with the wrong sha256 is refused and not cached
    fake = tmp_path / 'fake'
    fake.mkdir()
    (fake / f'{DEMO}.pth').write_bytes(b'not the checkpoint')
    proc = subprocess.run(
        [osp.join(venv['bin'], 'sketret-fetch'), DEMO, '--from', str(fake)],
        capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert proc.returncode == 1 and 'sha256' in proc.stderr, proc.stderr
    assert not osp.exists(cached)

    # 3) fetched from the clone's model_zoo/, then used from another folder
    _run([osp.join(venv['bin'], 'sketret-fetch'), DEMO, '--from',
          osp.join(REPO_ROOT, 'model_zoo')], env=env, cwd=str(tmp_path))
    assert osp.isfile(cached)
    query = textwrap.dedent(f'''
        import json, os
        from sketret.apis import SketchRetriever, get_model
        from sketret.utils.assets import SBIR_MINI_ROOT
        model = get_model({DEMO!r}, device='cpu')
        r = SketchRetriever(model)
        index = r.build_index([os.path.join(SBIR_MINI_ROOT, 'photo', c, f)
                               for c in ('pear', 'guitar')
                               for f in sorted(os.listdir(os.path.join(
                                   SBIR_MINI_ROOT, 'photo', c)))[:3]])
        sketch = os.path.join(SBIR_MINI_ROOT, 'sketch', 'pear', sorted(
            os.listdir(os.path.join(SBIR_MINI_ROOT, 'sketch', 'pear')))[0])
        print(json.dumps(dict(config=model.cfg.filename,
                              hits=r.search(sketch, index, topk=6))))
    ''')
    got = json.loads(_run([venv['python'], '-c', query], cwd=str(tmp_path),
                          env=env).stdout.splitlines()[-1])
    assert got['config'].startswith(venv['purelib'])
    assert len(got['hits']) == 6
    assert all(h['path'].startswith(venv['purelib']) for h in got['hits'])
