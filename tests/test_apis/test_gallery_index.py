# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import numpy as np
import pytest

from sketret.apis.gallery_index import GalleryIndex


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def feats():
    rng = np.random.RandomState(0)
    return _unit(rng.randn(300, 16).astype(np.float32))


def test_flat_search_equals_brute_force(feats):
    index = GalleryIndex(feats, [f'{i}.jpg' for i in range(300)])
    queries = _unit(np.random.RandomState(1).randn(7, 16).astype(np.float32))
    scores, ids = index.search(queries, topk=5)
    expected = np.argsort(-(queries @ feats.T), axis=1, kind='stable')[:, :5]
    np.testing.assert_array_equal(ids, expected)
    np.testing.assert_allclose(
        scores, np.take_along_axis(queries @ feats.T, expected, 1),
        rtol=1e-5)


def test_gallery_item_as_query_is_top1(feats):
    index = GalleryIndex(feats, [f'{i}.jpg' for i in range(300)])
    _, ids = index.search(feats[[3, 42, 299]], topk=1)
    assert ids[:, 0].tolist() == [3, 42, 299]


@pytest.mark.parametrize('index_type', ['flat', 'ivf_flat', 'ivf_pq'])
def test_save_load_identical(feats, tmp_path, index_type):
    index = GalleryIndex(feats, [f'{i}.jpg' for i in range(300)],
                         labels=np.arange(300) % 3, class_names=['a', 'b',
                                                                 'c'],
                         model_name='m', model_fingerprint='f',
                         index_type=index_type, nlist=4, pq_m=4)
    scores, ids = index.search(feats[:5], topk=10)
    index.save(str(tmp_path / 'idx'))
    loaded = GalleryIndex.load(str(tmp_path / 'idx'))
    scores2, ids2 = loaded.search(feats[:5], topk=10)
    np.testing.assert_array_equal(ids, ids2)
    np.testing.assert_array_equal(scores, scores2)
    assert loaded.model_name == 'm' and loaded.model_fingerprint == 'f'
    hits = loaded.describe(ids2[0], scores2[0])
    assert hits[0]['class_name'] == ['a', 'b', 'c'][hits[0]['index'] % 3]
    with pytest.raises(FileExistsError, match='already exists'):
        index.save(str(tmp_path / 'idx'))


def test_topk_larger_than_gallery():
    index = GalleryIndex(np.eye(3, dtype=np.float32), ['a', 'b', 'c'])
    scores, ids = index.search(np.eye(3, dtype=np.float32)[0], topk=10)
    assert ids.shape == (1, 3) and ids[0, 0] == 0


@pytest.mark.parametrize('kwargs, match', [
    (dict(features=np.zeros((0, 4)), paths=[]), 'non-empty'),
    (dict(features=np.full((2, 4), np.nan), paths=['a', 'b']), 'NaN'),
    (dict(features=np.ones((2, 4)), paths=['a']), '1 paths for 2'),
    (dict(features=np.ones((2, 4)), paths=['a', 'b'], index_type='hnsw'),
     'valid: flat, ivf_flat, ivf_pq'),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GalleryIndex(**kwargs)


def test_query_dimension_mismatch():
    index = GalleryIndex(np.eye(3, dtype=np.float32), ['a', 'b', 'c'])
    with pytest.raises(ValueError, match='dimension 4, the gallery 3'):
        index.search(np.ones((1, 4), dtype=np.float32))


def test_load_not_an_index(tmp_path):
    with pytest.raises(FileNotFoundError, match='not a sketret gallery'):
        GalleryIndex.load(str(tmp_path))
