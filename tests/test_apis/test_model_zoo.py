# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The model zoo: index, shipped checkpoints, reproduced numbers."""
import json
import os.path as osp

import numpy as np
import pytest

from sketret.apis import (
    SketchRetriever,
    get_model,
    get_model_info,
    init_model,
    list_models,
    load_model_index,
)
from sketret.datasets import SBIR_MINI_ROOT

DEMO = 'bda-sketret_efficientnet-lite0_1xb32_sbir-mini'


def test_index_lists_models_with_existing_configs_and_weights():
    models = load_model_index()
    assert DEMO in models
    for name, info in models.items():
        assert osp.isfile(info['Config']), name
        if info.get('Weights'):
            assert osp.isfile(info['Weights']), name
            results = info['Results']
            assert results and results[0]['Metrics'], name
            assert results[0]['Metrics']['Preset'] == 'textbook', name
    assert DEMO in list_models('*sbir-mini*', with_weights=True)
    assert list_models('nothing-matches-*') == []


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match='Did you mean: ' + DEMO):
        get_model_info('bda-sketret_efficientnet-lite0_sbir-mini')


def test_get_model_equals_init_model():
    info = get_model_info(DEMO)
    zoo = get_model(DEMO, device='cpu')
    ref = init_model(info['Config'], info['Weights'], device='cpu')
    sketch = osp.join(SBIR_MINI_ROOT, 'sketch', 'pear')
    import os
    paths = [osp.join(sketch, f) for f in sorted(os.listdir(sketch))[:3]]
    a = SketchRetriever(zoo).encode(paths, 'sketch')
    b = SketchRetriever(ref).encode(paths, 'sketch')
    np.testing.assert_array_equal(a, b)


def test_zoo_checkpoint_reproduces_its_metafile_numbers(tool, tmp_path):
    info = get_model_info(DEMO)
    expected = info['Results'][0]['Metrics']
    out = tmp_path / 'metrics.json'
    tool('test.py', info['Config'], info['Weights'], '--out', out,
         '--work-dir', tmp_path / 'w', '--device', 'cpu')
    got = json.loads(out.read_text())
    assert got['preset'] == expected['Preset']
    assert got['mAP@all'] == pytest.approx(expected['mAP@all'], abs=1e-4)
    assert got['P@10'] == pytest.approx(expected['P@10'], abs=1e-4)


def test_checkpoint_cache_and_fetch_from_url(tmp_path, monkeypatch):
    """Outside a clone, a checkpoint lives in $SKETRET_HOME/checkpoints;
    sketret-fetch puts it there from a URL after checking its sha256
    (computed here independently with hashlib)."""
    import hashlib
    import pathlib

    from sketret.apis import model_zoo
    from sketret.apis.fetch import main as fetch_main
    monkeypatch.setenv('SKETRET_HOME', str(tmp_path / 'home'))
    cache = tmp_path / 'home' / 'checkpoints'
    assert model_zoo.checkpoint_cache_dir() == str(cache)
    # a clone's file wins; a missing one points into the cache
    rel = 'model_zoo/nowhere/x.pth'
    assert model_zoo.find_checkpoint(rel) == str(cache / 'x.pth')
    info = get_model_info(DEMO)
    with open(info['Weights'], 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest() == info['SHA256']
    url = pathlib.Path(osp.dirname(info['Weights'])).as_uri()
    assert fetch_main([DEMO, '--from', url]) == 0
    cached = cache / osp.basename(info['Weights'])
    assert cached.read_bytes() == pathlib.Path(info['Weights']).read_bytes()
    # a second fetch keeps the verified file; a damaged one is refused
    # unless --force
    assert fetch_main([DEMO, '--from', url]) == 0
    cached.write_bytes(b'damaged')
    assert fetch_main([DEMO, '--from', url]) == 1
    assert cached.read_bytes() == b'damaged'
    assert fetch_main([DEMO, '--from', url, '--force']) == 0
    assert cached.stat().st_size == osp.getsize(info['Weights'])
