# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""sketret.evaluation.functional against values worked out by hand, against
scikit-learn (test-only oracle) and against a direct O(N log N) reference
written from the definitions in docs (independent of the bucket counting of
the implementation)."""
from fractions import Fraction as F

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from sketret.evaluation.functional import (
    BlockRanker,
    RetrievalPreset,
    average_precision,
    average_precision_at_k,
    evaluate_retrieval,
    metrics_from_scores,
    parse_memory_budget,
    per_query_metrics,
    precision_at_k,
    summarize_metrics,
)

PRESET_NAMES = ('textbook', 'sake', 'zse', 'sempcyc', 'mmpretrain')

# ---------------------------------------------------------------------------
# The hand-worked case. One query of class 7; a gallery of N = 7 items whose
# scores are already in stable order (non-increasing with the index):
#
#   index   0    1    2    3    4    5    6
#   score  0.9  0.7  0.7  0.7  0.4  0.4  0.1
#   label   3    7   -1    3    7    3    7      (-1: distractor)
#   rel     0    1    0    0    1    0    1      R = 3, labels 3/7 are not
#                                               contiguous
# Stable positions of the relevant items: p = 2, 5, 7.
# Tie-aware: item 1 ties with 2 and 3: #>= 0.7 is A = 4, relevant C = 1;
#            item 4 ties with 5: A = 6, C = 2; item 6: A = 7, C = 3.
#
# mAP@all
#   tie-aware non-interp: (1/4 + 2/6 + 3/7) / 3          = 85/252
#   stable non-interp:    (1/2 + 2/5 + 3/7) / 3          = 31/70
#   VOC (stable): precision envelope max(1/2, 2/5, 3/7) = 1/2,
#                 max(2/5, 3/7) = 3/7, 3/7:
#                 (1/2 + 3/7 + 3/7) / 3                   = 19/42
#   (SAKE's VOCap over all 7 ranks, P = 0, 1/2, 1/3, 1/4, 2/5, 2/6, 3/7:
#    envelope at the recall steps (ranks 2, 5, 7) = 1/2, 3/7, 3/7: same.)
# mAP@2 (top 2: rel 0, 1; sum of P@i rel_i = 1/2, one hit)
#   min_k_r: (1/2) / min(2, 3) = 1/4; r: (1/2) / 3 = 1/6; hits: 1/2
#   VOC top 2: envelope of [1/2] = 1/2 -> / min(2, 3) = 1/4
#   sempcyc (tie-aware inside the stable top 2 = items 0, 1; item 1 is the
#   only 0.7 inside it): 1/2 / 1 hit = 1/2
# mAP@3 (top 3: rel 0, 1, 0)
#   min_k_r and r: (1/2) / 3 = 1/6; VOC: 1/2 / 3 = 1/6
#   sempcyc: inside the top 3 (0.9, 0.7, 0.7) item 1 has 3 items >= 0.7,
#   1 relevant: 1/3, / 1 hit = 1/3
# mAP@7 (the whole ranking): min_k_r = r = stable AP = 31/70; VOC 19/42;
#   sempcyc = tie-aware AP over the 3 hits = 85/252
# P@5 (hits 2): k: 2/5; divide_k: 2/5; r_precision_if_short: top
#   min(5, 3) = 3 has 1 hit: 1/3
# P@10 > N (hits 3): k: 3/min(10, 7) = 3/7; divide_k: 3/10;
#   r_precision_if_short: top 3 has 1 hit: 1/3
# ---------------------------------------------------------------------------
HAND_SCORES = [0.9, 0.7, 0.7, 0.7, 0.4, 0.4, 0.1]
HAND_LABELS = [3, 7, -1, 3, 7, 3, 7]
HAND_METRICS = ['mAP@all', 'mAP@2', 'mAP@3', 'mAP@7', 'P@5', 'P@10']
HAND_EXPECTED = {
    'textbook': [F(85, 252), F(1, 4), F(1, 6), F(31, 70), F(2, 5), F(3, 7)],
    'sake': [F(19, 42), F(1, 4), F(1, 6), F(19, 42), F(2, 5), F(3, 7)],
    'zse': [F(19, 42), F(1, 4), F(1, 6), F(19, 42), F(1, 3), F(1, 3)],
    'sempcyc': [F(85, 252), F(1, 2), F(1, 3), F(85, 252), F(2, 5),
                F(3, 10)],
    'mmpretrain': [F(31, 70), F(1, 6), F(1, 6), F(31, 70), F(2, 5),
                   F(3, 10)],
}


def hand_case():
    """Features giving the hand scores with similarity='dot' (D = 1)."""
    query = np.array([[1.0]], dtype=np.float32)
    gallery = np.array(HAND_SCORES, dtype=np.float32)[:, None]
    return query, gallery


@pytest.mark.parametrize('preset', PRESET_NAMES)
def test_hand_case_every_preset(preset):
    query, gallery = hand_case()
    # Two more queries without any relevant item: class 5 is not in the
    # gallery, -1 is relevant to nothing. They are left out and counted.
    queries = np.concatenate([query, query, query])
    res = evaluate_retrieval(
        queries, [7, 5, -1],
        gallery,
        HAND_LABELS,
        metrics=HAND_METRICS,
        preset=preset,
        similarity='dot')
    for name, want in zip(HAND_METRICS, HAND_EXPECTED[preset]):
        assert res[name] == pytest.approx(float(want), abs=1e-12), name
    assert res['preset'] == preset
    assert res['num_queries'] == 3
    assert res['num_queries_without_relevant'] == 2
    assert set(res) == set(HAND_METRICS) | {
        'preset', 'num_queries', 'num_queries_without_relevant'
    }


def test_hand_case_variant_functions():
    scores = np.array(HAND_SCORES, dtype=np.float32)
    rel = np.array(HAND_LABELS) == 7
    # AP variants (see the comment block above).
    assert average_precision(scores, rel) == pytest.approx(85 / 252)
    assert average_precision(scores, rel, ties='stable') == \
        pytest.approx(31 / 70)
    assert average_precision(scores, rel, 'voc', 'stable') == \
        pytest.approx(19 / 42)
    # VOC with tie-aware precisions: 1/4, 1/3, 3/7 -> envelope 3/7, 3/7,
    # 3/7 -> 3/7.
    assert average_precision(scores, rel, 'voc', 'tie_aware') == \
        pytest.approx(3 / 7)
    # mAP@2 normalisations.
    assert average_precision_at_k(scores, rel, 2) == pytest.approx(1 / 4)
    assert average_precision_at_k(scores, rel, 2, 'r') == pytest.approx(1 / 6)
    assert average_precision_at_k(scores, rel, 2, 'hits') == \
        pytest.approx(1 / 2)
    # tie-aware inside the top 3: 1/3 per hit.
    assert average_precision_at_k(scores, rel, 3, 'hits',
                                  ties='tie_aware') == pytest.approx(1 / 3)
    assert average_precision_at_k(scores, rel, 3, 'min_k_r',
                                  ties='tie_aware') == pytest.approx(1 / 9)
    # No hit in the top 1: 0 for every normalisation, 'hits' included.
    for norm in ('hits', 'min_k_r', 'r'):
        assert average_precision_at_k(scores, rel, 1, norm) == 0.0
    # P@K normalisations: P@5 has 2 hits, P@10 (> N = 7) has 3.
    assert precision_at_k(scores, rel, 5) == pytest.approx(2 / 5)
    assert precision_at_k(scores, rel, 5, 'min_k_r') == pytest.approx(2 / 3)
    assert precision_at_k(scores, rel, 5, 'r_precision_if_short') == \
        pytest.approx(1 / 3)
    assert precision_at_k(scores, rel, 10) == pytest.approx(3 / 7)
    assert precision_at_k(scores, rel, 10, 'divide_k') == \
        pytest.approx(3 / 10)
    assert precision_at_k(scores, rel, 10, 'min_k_r') == pytest.approx(1.0)
    # R = 0 has no value.
    assert np.isnan(average_precision(scores, np.zeros(7, bool)))


def test_rank_statistics_by_hand():
    # Row 0.9 0.1 0.5 0.5, relevant items 1 and 3. Stable order: 0, 2, 3,
    # 1 -> item 3 at position 3, item 1 at 4; item 3 ties with item 2, so
    # 3 items score >= 0.5; 4 items >= 0.1.
    ranker = BlockRanker(np.array([[0.9, 0.1, 0.5, 0.5]]))
    r = ranker.relevant_ranks(np.array([0]), np.array([1, 3]))
    assert r.position.tolist() == [[3, 4]]
    assert r.num_ge.tolist() == [[3, 4]]
    assert r.num_rel_ge.tolist() == [[1, 2]]


def test_single_item_gallery():
    # N = 1, relevant: AP = 1; P@100 = 1 / min(100, 1) = 1 for 'k', 1/100
    # for 'divide_k'; mAP@200 = 1 for every normalisation (R = 1).
    q = np.ones((2, 3), dtype=np.float32)
    g = np.ones((1, 3), dtype=np.float32)
    metrics = ['mAP@all', 'P@100', 'mAP@200']
    want = {
        'textbook': [1, 1, 1],
        'sake': [1, 1, 1],
        'zse': [1, 1, 1],
        'sempcyc': [1, 0.01, 1],
        'mmpretrain': [1, 0.01, 1]
    }
    for preset, values in want.items():
        res = evaluate_retrieval(q, [4, 9], g, [4], metrics, preset=preset)
        assert [res[m] for m in metrics] == pytest.approx(values)
        assert res['num_queries_without_relevant'] == 1


def test_all_tied_scores():
    # Four identical scores, relevant items 0 and 3 (R = 2, N = 4).
    # Tie-aware: every relevant item sees 4 items, 2 relevant: AP = 1/2.
    # Stable: positions 1 and 4: (1/1 + 2/4) / 2 = 3/4.
    # VOC stable: envelope max(1, 1/2) = 1, 1/2 -> 3/4.
    # P@2 (stable top 2 = items 0, 1): 1/2. P@2 zse: top min(2, 2): 1/2.
    scores = np.zeros(4, dtype=np.float32)
    rel = np.array([True, False, False, True])
    assert average_precision(scores, rel) == pytest.approx(0.5)
    assert average_precision(scores, rel, ties='stable') == \
        pytest.approx(0.75)
    assert average_precision(scores, rel, 'voc', 'stable') == \
        pytest.approx(0.75)
    # sempcyc mAP@2: top 2 = items 0, 1 tied: item 0 sees 2 items, 1
    # relevant: 1/2, over 1 hit: 1/2.
    assert average_precision_at_k(scores, rel, 2, 'hits',
                                  ties='tie_aware') == pytest.approx(0.5)
    assert precision_at_k(scores, rel, 2) == pytest.approx(0.5)


def test_similarities_by_hand():
    # cosine vs dot: q = (1, 0); g0 = (10, 10) (cos 0.707, dot 10),
    # g1 = (1, 0.1) (cos 0.995, dot 1). g1 relevant: cosine ranks it first
    # (AP 1), dot second (AP 1/2).
    q = np.array([[1.0, 0.0]])
    g = np.array([[10.0, 10.0], [1.0, 0.1]])
    assert evaluate_retrieval(q, [1], g, [0, 1])['mAP@all'] == 1.0
    assert evaluate_retrieval(
        q, [1], g, [0, 1], similarity='dot')['mAP@all'] == 0.5
    # euclidean: gallery 1, -2, 3 (labels 0, 1, 0). Query 0: distances 1,
    # 4, 9 -> item 1 second: AP 1/2. Query 2.9: distances 3.61, 24.01,
    # 0.01 -> order 2, 0, 1: item 1 third: AP 1/3.
    g = np.array([[1.0], [-2.0], [3.0]])
    res = per_query_metrics([[0.0], [2.9]], [1, 1],
                            g, [0, 1, 0],
                            metrics=['mAP@all'],
                            similarity='euclidean')
    assert res['mAP@all'] == pytest.approx([1 / 2, 1 / 3])


def test_average_by_class_by_hand():
    # dot, D = 1, gallery 3, 2, 1, 0.5 with labels A B A B (A = 10, B = 20).
    # q = +1 ranks 0 1 2 3; q = -1 ranks 3 2 1 0.
    #   class A, q = +1: rel 1 0 1 0 -> (1 + 2/3) / 2 = 5/6
    #   class A, q = -1: rel 0 1 0 1 -> (1/2 + 2/4) / 2 = 1/2
    #   class B, q = -1: rel 1 0 1 0 -> 5/6
    # Queries A(+1), A(+1), A(-1), B(-1):
    #   per query mean: (5/6 + 5/6 + 1/2 + 5/6) / 4 = 3/4
    #   per class mean: ((5/6 + 5/6 + 1/2) / 3 + 5/6) / 2 = 7/9
    g = np.array([[3.0], [2.0], [1.0], [0.5]])
    q = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    args = (q, [10, 10, 10, 20], g, [10, 20, 10, 20])
    res = evaluate_retrieval(*args, metrics=['mAP@all'], similarity='dot')
    assert res['mAP@all'] == pytest.approx(3 / 4)
    res = evaluate_retrieval(
        *args,
        metrics=['mAP@all'],
        similarity='dot',
        average='class',
        per_class=True)
    assert res['mAP@all'] == pytest.approx(7 / 9)
    assert res['per_class'][10]['mAP@all'] == pytest.approx(13 / 18)
    assert res['per_class'][20]['mAP@all'] == pytest.approx(5 / 6)
    assert res['per_class'][20]['num_queries'] == 1
    assert res['per_class'][10]['num_queries_without_relevant'] == 0


def test_per_class_and_seen_unseen_groups():
    # Per-query values given directly; query 2 has no relevant item.
    values = {
        'mAP@all': np.array([0.5, 1.0, np.nan, 0.25]),
        'num_relevant': np.array([3, 3, 0, 2])
    }
    labels = np.array([1, 1, 2, 4])
    out = summarize_metrics(values, labels, per_class=True)
    assert out['mAP@all'] == pytest.approx((0.5 + 1.0 + 0.25) / 3)
    assert out['num_queries'] == 4
    assert out['num_queries_without_relevant'] == 1
    assert out['per_class'][2] == {
        'mAP@all': None,
        'num_queries': 1,
        'num_queries_without_relevant': 1
    }
    seen = np.array([True, False, False, False])
    out = summarize_metrics(values, labels, mask=~seen)
    assert out['mAP@all'] == pytest.approx((1.0 + 0.25) / 2)
    assert out['num_queries'] == 3


def test_query_is_seen():
    query, gallery = hand_case()
    res = evaluate_retrieval(
        np.concatenate([query, query]), [7, 3],
        gallery,
        HAND_LABELS,
        metrics=['mAP@all'],
        similarity='dot',
        query_is_seen=[False, True])
    # Class 3 (items 0, 3, 5): A = 1, 4, 6; C = 1, 2, 3:
    # (1 + 2/4 + 3/6) / 3 = 2/3.
    assert res['unseen']['mAP@all'] == pytest.approx(85 / 252)
    assert res['seen']['mAP@all'] == pytest.approx(2 / 3)
    assert res['mAP@all'] == pytest.approx((85 / 252 + 2 / 3) / 2)
    assert res['seen']['num_queries'] == 1


# ---------------------------------------------------------------------------
# Random cases against scikit-learn and a direct reference.
# ---------------------------------------------------------------------------
def reference(scores, rel, kind, k, preset: RetrievalPreset):
    """Direct definitions for one query (float64), independent of the
    implementation: a stable sort of the whole row."""
    n, r_total = len(scores), int(rel.sum())
    if r_total == 0:
        return np.nan
    order = np.lexsort((np.arange(n), -scores))
    s, r = scores[order], rel[order].astype(float)
    stable_prec = np.cumsum(r) / np.arange(1, n + 1)

    def tie_prec(s, r):
        # precision at the end of each item's tie block
        end = np.searchsorted(-s, -s, side='right')
        return np.cumsum(r)[end - 1] / end

    def envelope(p):
        return np.maximum.accumulate(p[::-1])[::-1]

    if kind == 'P':
        hits = r[:k].sum()
        return {
            'k': hits / min(k, n),
            'divide_k': hits / k,
            'min_k_r': hits / min(k, r_total),
            'r_precision_if_short':
            r[:min(k, r_total)].sum() / min(k, r_total)
        }[preset.p_at_k_normalization]
    if k is None:
        prec = (tie_prec(s, r)
                if preset.ap_ties == 'tie_aware' else stable_prec)
        if preset.ap_interpolation == 'voc':
            prec = envelope(prec)
        return (prec * r).sum() / r_total
    st, rt = s[:k], r[:k]
    prec = (tie_prec(st, rt)
            if preset.ap_at_k_ties == 'tie_aware' else stable_prec[:k])
    if preset.ap_at_k_interpolation == 'voc':
        prec = envelope(prec)
    total = (prec * rt).sum()
    norm = {
        'hits': rt.sum(),
        'min_k_r': min(k, r_total),
        'r': r_total
    }[preset.ap_at_k_normalization]
    return 0.0 if norm == 0 else total / norm


def random_block(rng, b, n, kind):
    if kind == 'float':
        scores = rng.standard_normal((b, n))
    elif kind == 'few_values':  # massive ties, like binary codes
        scores = rng.integers(0, 3, (b, n)).astype(float)
    else:  # some ties
        scores = np.round(rng.standard_normal((b, n)), 1)
    rel = rng.random((b, n)) < rng.uniform(0.02, 0.6)
    return scores.astype(np.float32), rel


@pytest.mark.parametrize('kind', ['float', 'few_values', 'rounded'])
def test_random_blocks_against_reference(kind):
    rng = np.random.default_rng({'float': 0, 'few_values': 1,
                                 'rounded': 2}[kind])
    metrics = ['mAP@all', 'mAP@1', 'mAP@5', 'mAP@40', 'P@1', 'P@5', 'P@40']
    for trial in range(12):
        b, n = int(rng.integers(1, 6)), int(rng.integers(1, 300))
        scores, rel = random_block(rng, b, n, kind)
        for name in PRESET_NAMES:
            from sketret.evaluation.functional import get_preset
            preset = get_preset(name)
            got = metrics_from_scores(scores, rel, metrics, name)
            for m in metrics:
                kind_, k = m.split('@')
                k = None if k == 'all' else int(k)
                want = [
                    reference(scores[i].astype(np.float64), rel[i], kind_,
                              k, preset) for i in range(b)
                ]
                np.testing.assert_allclose(
                    got[m], want, rtol=0, atol=1e-12, err_msg=f'{name} {m}')


def test_tie_aware_ap_against_sklearn():
    rng = np.random.default_rng(3)
    for trial in range(30):
        n = int(rng.integers(2, 400))
        scores = rng.integers(0, rng.integers(2, 50), n).astype(np.float32)
        if trial % 2:
            scores = rng.standard_normal(n).astype(np.float32)
        rel = rng.random(n) < 0.3
        rel[rng.integers(n)] = True
        want = average_precision_score(rel, scores)
        assert average_precision(scores, rel) == pytest.approx(
            want, abs=1e-12)


def test_evaluate_against_sklearn_with_features():
    rng = np.random.default_rng(4)
    q = rng.standard_normal((30, 6)).astype(np.float32)
    g = rng.standard_normal((80, 6)).astype(np.float32)
    ql = rng.choice([2, 5, 11], 30)
    gl = rng.choice([2, 5, 11, -1], 80)
    res = per_query_metrics(q, ql, g, gl, metrics=['mAP@all'])
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    gn = g / np.linalg.norm(g, axis=1, keepdims=True)
    scores = qn.astype(np.float64) @ gn.astype(np.float64).T
    want = [average_precision_score(gl == ql[i], scores[i]) for i in range(30)]
    np.testing.assert_allclose(res['mAP@all'], want, atol=1e-9)


def test_tie_aware_invariant_under_gallery_permutation():
    rng = np.random.default_rng(5)
    q = rng.integers(-1, 2, (25, 4)).astype(np.float32)
    g = rng.integers(-1, 2, (200, 4)).astype(np.float32)  # many ties
    ql = rng.integers(0, 4, 25)
    gl = rng.integers(-1, 4, 200)
    base = per_query_metrics(q, ql, g, gl, ['mAP@all'], similarity='dot')
    for seed in range(3):
        perm = np.random.default_rng(seed).permutation(200)
        other = per_query_metrics(q, ql, g[perm], gl[perm], ['mAP@all'],
                                  similarity='dot')
        np.testing.assert_array_equal(base['mAP@all'], other['mAP@all'])


@pytest.mark.parametrize('preset', PRESET_NAMES)
def test_identical_for_any_block_size_and_threads(preset):
    rng = np.random.default_rng(6)
    metrics = ['mAP@all', 'mAP@20', 'P@10', 'P@300']
    for ties in (False, True):
        if ties:
            q = rng.integers(0, 2, (40, 8)).astype(np.float32)
            g = rng.integers(0, 2, (250, 8)).astype(np.float32)
        else:
            q = rng.standard_normal((40, 8)).astype(np.float32)
            g = rng.standard_normal((250, 8)).astype(np.float32)
        ql, gl = rng.integers(0, 5, 40), rng.integers(-1, 5, 250)
        big = per_query_metrics(q, ql, g, gl, metrics, preset,
                                num_threads=1)
        # A 1-byte budget forces one query row per block.
        one_row = per_query_metrics(q, ql, g, gl, metrics, preset,
                                    memory_budget=1, num_threads=2)
        for m in metrics:
            np.testing.assert_array_equal(big[m], one_row[m])


def tied_gallery(rng, similarity, num_base=14, n=300, dim=48, num_q=24):
    """A gallery made of a few base vectors with small integer components,
    each repeated at many positions (so at the edges and inside BLAS tiles).
    For cosine each copy is multiplied by a factor that float32 represents
    exactly (3 * 5 = 15 exactly), so copies are parallel vectors of
    different norms; for Euclidean they are exact duplicates. Some queries
    are base vectors themselves.

    Returns query and gallery features (float32), labels, and the float64
    reference scores, in which the score of a copy *is* the score of its
    base vector: mathematically equal scores are equal by construction.
    """
    base = rng.integers(-8, 9, (num_base, dim)).astype(np.float64)
    idx = rng.integers(0, num_base, n)
    if similarity == 'cosine':
        factor = rng.choice([1.0, 3.0, 0.75, 5.0, 1.5, 6.5, 0.125], n)
    else:
        factor = np.ones(n)
    gallery = base[idx] * factor[:, None]
    query = rng.standard_normal((num_q, dim))
    query[:6] = base[rng.integers(0, num_base, 6)]
    query = query.astype(np.float32).astype(np.float64)
    if similarity == 'cosine':
        qn = query / np.linalg.norm(query, axis=1, keepdims=True)
        bn = base / np.linalg.norm(base, axis=1, keepdims=True)
        per_base = qn @ bn.T
    else:
        per_base = -((query[:, None, :] - base[None]) ** 2).sum(-1)
    base_label = np.arange(num_base) % 5 - 1  # class -1: distractors
    gallery_labels = base_label[idx]
    query_labels = rng.integers(0, 4, num_q)
    return (query.astype(np.float32), query_labels,
            gallery.astype(np.float32), gallery_labels, per_base[:, idx])


@pytest.mark.parametrize('similarity', ['cosine', 'euclidean'])
def test_ties_exact_for_any_block_size_and_threads(similarity):
    # Every block shape (one row, 64 KB, 2 GB) and thread count must give
    # the float64 reference's values, in which duplicated and parallel
    # gallery vectors tie exactly. Float32 products and normalisation
    # split some of those ties depending on the block shape and CPU.
    rng = np.random.default_rng({'cosine': 60, 'euclidean': 61}[similarity])
    q, ql, g, gl, ref_scores = tied_gallery(rng, similarity)
    metrics = ['mAP@all', 'mAP@20', 'P@10', 'P@100']
    for name in PRESET_NAMES:
        from sketret.evaluation.functional import get_preset
        preset = get_preset(name)
        runs = [
            per_query_metrics(q, ql, g, gl, metrics, name, similarity,
                              memory_budget=budget, num_threads=threads)
            for budget in (1, '64KB', '2GB') for threads in (1, 2)
        ]
        for m in metrics:
            kind, k = m.split('@')
            k = None if k == 'all' else int(k)
            want = [
                reference(ref_scores[i], gl == ql[i], kind, k, preset)
                for i in range(len(q))
            ]
            for run in runs:
                np.testing.assert_allclose(
                    run[m], want, rtol=0, atol=1e-6,
                    err_msg=f'{similarity} {name} {m}')
                np.testing.assert_array_equal(run[m], runs[0][m])


def test_parallel_and_duplicate_rows_score_bitwise_equal():
    # The scores themselves: copies of a base vector (parallel for cosine,
    # identical for Euclidean) get bitwise equal scores in every block.
    from sketret.evaluation.functional import (
        compute_similarity,
        prepare_features,
    )
    rng = np.random.default_rng(62)
    for similarity in ('cosine', 'euclidean'):
        q, _, g, _, ref_scores = tied_gallery(rng, similarity)
        qg, gg = prepare_features(q, g, similarity)
        sq = np.add.reduce(qg * qg, axis=1)
        gsq = np.add.reduce(gg * gg, axis=1)
        one_row = np.concatenate([
            compute_similarity(qg[i:i + 1], gg, similarity, sq[i:i + 1], gsq)
            for i in range(len(qg))
        ])
        full = compute_similarity(qg, gg, similarity, sq, gsq)
        np.testing.assert_array_equal(one_row, full)
        # Equal reference scores <=> equal computed scores, per query.
        for i in range(len(q)):
            _, inverse = np.unique(ref_scores[i], return_inverse=True)
            _, got_inverse = np.unique(full[i], return_inverse=True)
            np.testing.assert_array_equal(inverse, got_inverse)


def test_block_ranker_heavy_tie_fallback_matches_buckets():
    # The same rows ranked through bucket comparisons and through the
    # whole-row stable sort (crowded_fraction=0 forces the latter).
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 6, (6, 500)).astype(np.float32)
    cols = np.sort(rng.choice(500, 40, replace=False))
    a = BlockRanker(scores).relevant_ranks(np.arange(6), cols)
    b = BlockRanker(scores, crowded_fraction=0).relevant_ranks(
        np.arange(6), cols)
    for x, y in zip(a[:3], b[:3]):
        np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------------------
# Bad input.
# ---------------------------------------------------------------------------
def good_args():
    rng = np.random.default_rng(8)
    return dict(
        query_feats=rng.standard_normal((4, 3)),
        query_labels=[0, 1, 0, 1],
        gallery_feats=rng.standard_normal((5, 3)),
        gallery_labels=[0, 1, 1, 0, -1])


@pytest.mark.parametrize(
    'change, match',
    [
        (dict(gallery_feats=np.ones((5, 4))), 'feature dimensions differ'),
        (dict(query_feats=np.array([[1, 2, np.nan]] * 4)),
         'query_feats contains NaN or inf'),
        (dict(gallery_feats=np.array([[1, np.inf, 0]] * 5)),
         'gallery_feats contains NaN or inf'),
        (dict(query_feats=np.full((4, 3), 1e39)),
         'query_feats contains NaN or inf'),  # overflows float32
        (dict(query_feats=np.zeros((0, 3)), query_labels=[]),
         'query set is empty'),
        (dict(gallery_feats=np.zeros((0, 3)), gallery_labels=[]),
         'gallery is empty'),
        (dict(query_labels=[0, 1, 0]), r'query_labels must have one entry'),
        (dict(gallery_labels=[0, 1]), r'gallery_labels must have one entry'),
        (dict(query_feats=np.ones(3)), 'query_feats must be a 2-D array'),
        (dict(preset='sklearn'), "unknown preset 'sklearn'.*'textbook'.*"
         "'sake'.*'zse'.*'sempcyc'.*'mmpretrain'"),
        (dict(metrics=['mAP@all', 'NDCG@10']),
         r"unknown metric 'NDCG@10'.*'mAP@all', 'mAP@K', 'P@K'"),
        (dict(metrics=['P@all']), "unknown metric 'P@all'"),
        (dict(metrics=['mAP@0']), "unknown metric 'mAP@0'"),
        (dict(similarity='hamming'), "unknown similarity 'hamming'"),
        (dict(average='median'), "unknown average 'median'"),
        (dict(memory_budget='lots'), 'memory_budget .* is not a size'),
        (dict(query_is_seen=[True]), 'query_is_seen must have one entry'),
        (dict(query_labels=[0.5, 1, 0, 1]), 'query_labels must be integers'),
        (dict(query_labels=[9, 9, 9, 9]), 'none of the 4 queries'),
    ])
def test_bad_input(change, match):
    args = good_args()
    args.update(change)
    with pytest.raises(ValueError, match=match):
        evaluate_retrieval(**args)


def test_bad_block_input():
    with pytest.raises(ValueError, match='same shape'):
        average_precision(np.zeros((2, 3)), np.zeros((2, 4), bool))
    with pytest.raises(ValueError, match='NaN or inf'):
        average_precision([np.nan, 1.0], [True, False])
    with pytest.raises(ValueError, match="unknown interpolation 'x'"):
        average_precision([1.0], [True], interpolation='x')
    with pytest.raises(ValueError, match="unknown normalization"):
        precision_at_k([1.0], [True], 1, normalization='n')
    with pytest.raises(ValueError, match='ap_ties'):
        RetrievalPreset('mine', ap_ties='random')


def test_parse_memory_budget():
    assert parse_memory_budget('2GB') == 2 * 10**9
    assert parse_memory_budget('512 MiB') == 512 * 2**20
    assert parse_memory_budget('1.5kb') == 1500
    assert parse_memory_budget(4096) == 4096
    for bad in ('0', '-1GB', 'GB', '2 parsecs', 0):
        with pytest.raises(ValueError):
            parse_memory_budget(bad)


def test_custom_preset_object():
    # A custom combination: VOC mAP@all with tie-aware precisions, reported
    # under its own name; 3/7 from test_hand_case_variant_functions.
    mine = RetrievalPreset('mine', ap_interpolation='voc')
    query, gallery = hand_case()
    res = evaluate_retrieval(
        query, [7], gallery, HAND_LABELS, ['mAP@all'], preset=mine,
        similarity='dot')
    assert res['preset'] == 'mine'
    assert res['mAP@all'] == pytest.approx(3 / 7)


def test_cosine_with_huge_features():
    # Squares overflow float32; the norm is then taken in float64. Query 0
    # points along x like photo 0 (same class), query 1 along y like photo 1.
    q = np.array([[1e25, 0.0], [0.0, 1e-3]])
    g = np.array([[3e30, 1e29], [0.0, 1.0]])
    res = evaluate_retrieval(q, [0, 1], g, [0, 1], metrics=['mAP@all'])
    assert res['mAP@all'] == 1.0
