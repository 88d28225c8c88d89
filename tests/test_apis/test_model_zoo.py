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
