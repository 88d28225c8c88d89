# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""ClassBalancedPairSampler: balanced, paired, seeded, sharded."""
import copy
import os.path as osp
from collections import Counter

import numpy as np
import pytest
from mmengine.config import Config

import sketret.datasets.samplers.class_balanced_pair_sampler as cbps
from sketret.datasets import (
    ClassBalancedPairBatchSampler,
    ClassBalancedPairSampler,
    SBIRMini,
)
from sketret.engine import SketRetRunner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class FakeDataset:
    """Only what the sampler reads: labels and modalities."""

    def __init__(self, sketches, photos):
        labels, mods = [], []
        for c, n in enumerate(sketches):
            labels += [c] * n
            mods += ['sketch'] * n
        for c, n in enumerate(photos):
            labels += [c] * n
            mods += ['photo'] * n
        self.labels = np.array(labels)
        self.mods = np.array(mods)

    def __len__(self):
        return len(self.labels)

    def get_labels_and_modalities(self):
        return self.labels, self.mods


@pytest.fixture(scope='module')
def mini_train():
    return SBIRMini(subset='train')


def batches(sampler):
    idx = list(sampler)
    assert len(idx) == len(sampler)
    b = sampler.batch_size
    assert len(idx) % b == 0
    return [idx[i:i + b] for i in range(0, len(idx), b)]


def assert_balanced_pairs(batch, labels, mods, cpb, k, p, distinct=True):
    """One batch = ``cpb`` blocks of k sketches + p photos of one class."""
    block = k + p
    assert len(batch) == cpb * block
    classes = []
    for j in range(cpb):
        part = batch[j * block:(j + 1) * block]
        assert [mods[i] for i in part] == ['sketch'] * k + ['photo'] * p
        assert len({labels[i] for i in part}) == 1
        classes.append(labels[part[0]])
    if distinct:
        assert len(set(classes)) == cpb
    return classes


def test_batches_balanced_and_paired_on_bundled_set(mini_train):
    s = ClassBalancedPairSampler(mini_train, classes_per_batch=4,
                                 sketches_per_class=4, photos_per_class=4,
                                 seed=0)
    assert s.batch_size == 32
    labels, mods = mini_train.get_labels_and_modalities()
    bs = batches(s)
    for b in bs:
        assert_balanced_pairs(b, labels, mods, 4, 4, 4)
    # 'tank' (label 2) has a single training sketch: sampled with
    # replacement, only in its own blocks
    tank_sketches = {i for b in bs for i in b
                     if labels[i] == 2 and mods[i] == 'sketch'}
    assert len(tank_sketches) == 1
    # every training sketch is used in the epoch
    all_sketches = set(np.flatnonzero(mods == 'sketch').tolist())
    assert {i for b in bs for i in b if mods[i] == 'sketch'} == all_sketches


def test_reproducible_under_seed_and_epoch(mini_train):
    kw = dict(classes_per_batch=4, sketches_per_class=2, photos_per_class=3)
    a = ClassBalancedPairSampler(mini_train, seed=3, **kw)
    b = ClassBalancedPairSampler(mini_train, seed=3, **kw)
    c = ClassBalancedPairSampler(mini_train, seed=4, **kw)
    first = list(a)
    assert first == list(b)
    assert first != list(c)
    a.set_epoch(1)
    second = list(a)
    assert second != first and len(second) == len(first) == len(a)
    a.set_epoch(0)
    assert list(a) == first


def test_photos_cycle_within_class():
    """Photos of a class are drawn as concatenated permutations: usage
    counts differ by at most one, and a block never repeats a photo."""
    ds = FakeDataset(sketches=[40, 40], photos=[6, 6])
    s = ClassBalancedPairSampler(ds, classes_per_batch=2,
                                 sketches_per_class=4, photos_per_class=4,
                                 seed=0)
    bs = batches(s)
    for b in bs:
        for j in range(2):
            block = b[j * 8 + 4:(j + 1) * 8]
            assert len(set(block)) == 4
    uses = Counter(i for b in bs for i in b if ds.mods[i] == 'photo')
    for c in (0, 1):
        n = [uses[i] for i in np.flatnonzero((ds.labels == c)
                                             & (ds.mods == 'photo'))]
        assert max(n) - min(n) <= 1 and min(n) >= 1


def test_epoch_is_every_sketch_once_over_two_ranks(monkeypatch):
    """8 classes x 8 sketches, 2 sketches per class and batch, 4 classes per
    batch: 32 slots, 8 batches, no fill needed -> over the 2 ranks every
    sketch appears exactly once and the ranks share nothing."""
    ds = FakeDataset(sketches=[8] * 8, photos=[5] * 8)
    per_rank = []
    for rank in (0, 1):
        monkeypatch.setattr(cbps, 'get_dist_info', lambda r=rank: (r, 2))
        s = ClassBalancedPairSampler(ds, classes_per_batch=4,
                                     sketches_per_class=2,
                                     photos_per_class=1, seed=5)
        assert (s.rank, s.world_size) == (rank, 2)
        assert s.num_batches == 8 and len(s) == 4 * s.batch_size
        per_rank.append(batches(s))
    sk = [[i for b in bs for i in b if ds.mods[i] == 'sketch']
          for bs in per_rank]
    assert not set(sk[0]) & set(sk[1])
    everything = sorted(sk[0] + sk[1])
    assert everything == sorted(np.flatnonzero(ds.mods == 'sketch'))
    for bs in per_rank:
        for b in bs:
            assert_balanced_pairs(b, ds.labels, ds.mods, 4, 2, 1)


def test_two_ranks_disjoint_batches_uneven_sizes():
    """Uneven class sizes: ranks get the same number of batches, never the
    same batch, and together every sketch at least once; primary sketches
    (epoch_plan) exactly once."""
    ds = FakeDataset(sketches=[9, 3, 14, 1, 6, 7], photos=[2, 5, 4, 3, 1, 6])
    kw = dict(classes_per_batch=3, sketches_per_class=4, photos_per_class=2,
              seed=11, world_size=2)
    r0 = ClassBalancedPairSampler(ds, rank=0, **kw)
    r1 = ClassBalancedPairSampler(ds, rank=1, **kw)
    b0, b1 = batches(r0), batches(r1)
    assert len(b0) == len(b1) == r0.num_batches_per_rank
    assert r0.num_batches % 2 == 0
    assert not {tuple(b) for b in b0} & {tuple(b) for b in b1}
    for b in b0 + b1:
        assert_balanced_pairs(b, ds.labels, ds.mods, 3, 4, 2)
    sketches = set(np.flatnonzero(ds.mods == 'sketch').tolist())
    used = {i for b in b0 + b1 for i in b if ds.mods[i] == 'sketch'}
    assert used == sketches
    plan = r0.epoch_plan()

    def flatten(plan):
        return [[i for _, sk, ph, _ in batch for i in (*sk, *ph)]
                for batch in plan]

    flat = flatten(plan)
    assert flat == flatten(r1.epoch_plan())  # all ranks build the same plan
    primary = Counter(i for batch in plan for _, sk, _, n_new in batch
                      for i in sk[:n_new].tolist())
    # each sketch exactly once as a primary sketch
    assert set(primary) == sketches
    assert set(primary.values()) == {1}
    slots = {c: -(-n // 4) for c, n in enumerate([9, 3, 14, 1, 6, 7])}
    n_primary_slots = sum(1 for batch in plan for *_, n in batch if n)
    assert n_primary_slots == sum(slots.values())
    # rank r's batches are plan[r::2]
    assert flat[0::2] == b0 and flat[1::2] == b1


def test_fewer_classes_than_classes_per_batch():
    ds = FakeDataset(sketches=[5, 5], photos=[2, 2])
    s = ClassBalancedPairSampler(ds, classes_per_batch=3,
                                 sketches_per_class=2, photos_per_class=3,
                                 seed=0)
    for b in batches(s):
        assert_balanced_pairs(b, ds.labels, ds.mods, 3, 2, 3, distinct=False)


def test_sampler_errors_and_skipped_classes():
    with pytest.raises(ValueError, match="modality='both'"):
        ClassBalancedPairSampler(FakeDataset([3, 3], [0, 0]), seed=0)
    with pytest.raises(ValueError, match='classes_per_batch'):
        ClassBalancedPairSampler(FakeDataset([3], [3]), classes_per_batch=0)
    # class 1 has no photo: never drawn
    ds = FakeDataset([4, 4, 4], [2, 0, 2])
    s = ClassBalancedPairSampler(ds, classes_per_batch=2,
                                 sketches_per_class=2, photos_per_class=1,
                                 seed=0)
    assert s.classes == [0, 2]
    assert 1 not in {ds.labels[i] for i in s}
    s = ClassBalancedPairSampler(ds)  # seed=None: synchronised random seed
    assert isinstance(s.seed, int)


def test_batch_sampler_checks_batch_size(mini_train):
    s = ClassBalancedPairSampler(mini_train, classes_per_batch=2,
                                 sketches_per_class=3, photos_per_class=1,
                                 seed=0)
    with pytest.raises(ValueError, match='set batch_size=8'):
        ClassBalancedPairBatchSampler(s, batch_size=16)
    bs = ClassBalancedPairBatchSampler(s, batch_size=8)
    out = list(bs)
    assert len(out) == len(bs) == s.num_batches
    assert all(len(b) == 8 for b in out)
    bs.set_epoch(2)
    assert s.epoch == 2
    with pytest.raises(TypeError):
        ClassBalancedPairBatchSampler(range(3), batch_size=1)


def test_mmengine_runner_builds_the_train_dataloader():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'sbir_mini.py'))
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg['dataset']['pipeline'] = [
        dict(type='LoadSBIRImage'),
        dict(type='mmcv.Resize', scale=(32, 32), keep_ratio=False),
        dict(type='PackSBIRInputs'),
    ]
    # sketret's runner (every config's runner_type) resolves the 'auto'
    # loader settings of the config, then builds it as mmengine does
    loader = SketRetRunner.build_dataloader(loader_cfg, seed=0)
    assert len(loader) == loader.batch_sampler.sampler.num_batches
    batch = next(iter(loader))
    assert len(batch['inputs']) == 32
    assert batch['inputs'][0].shape == (3, 32, 32)
    samples = batch['data_samples']
    assert [s.modality for s in samples[:8]] == ['sketch'] * 4 + ['photo'] * 4
    assert len({s.gt_label for s in samples[:8]}) == 1
    bad = copy.deepcopy(cfg.train_dataloader)
    bad['batch_size'] = 30
    with pytest.raises(ValueError, match='batch_size=32'):
        SketRetRunner.build_dataloader(bad, seed=0)
