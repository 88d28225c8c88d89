# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Class-balanced batches holding sketches and photos of the same classes."""
import logging
import math
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.logging import print_log
from torch.utils.data import Sampler

from sketret.registry import DATA_SAMPLERS

__all__ = ['ClassBalancedPairSampler', 'ClassBalancedPairBatchSampler']


def _labels_and_modalities(dataset) -> Tuple[np.ndarray, np.ndarray]:
    if hasattr(dataset, 'get_labels_and_modalities'):
        labels, mods = dataset.get_labels_and_modalities()
        return np.asarray(labels, dtype=np.int64), np.asarray(mods, dtype=str)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    return (np.array([int(d['gt_label']) for d in infos], dtype=np.int64),
            np.array([d['modality'] for d in infos], dtype=str))


@DATA_SAMPLERS.register_module()
class ClassBalancedPairSampler(Sampler):
    """Indices forming class-balanced batches of sketches AND photos.

    Every consecutive chunk of :attr:`batch_size` =
    ``classes_per_batch * (sketches_per_class + photos_per_class)`` indices is
    one batch: ``classes_per_batch`` distinct classes (when the dataset has
    at least that many), each contributing ``sketches_per_class`` sketches
    followed by ``photos_per_class`` photos. The dataset must be built with
    ``modality='both'``; samples with ``gt_label < 0`` (distractors) are never
    drawn; a class with no sketch or no photo is left out (with a warning).

    What an epoch is (sketch-driven): in every epoch, over all ranks
    together, **every sketch of the eligible classes appears exactly once as
    a "primary" sketch**. A class with ``n`` sketches gives
    ``ceil(n / sketches_per_class)`` slots; the last slot is completed with
    other sketches of the same class (with replacement only when the class
    has fewer than ``sketches_per_class`` sketches). Slots go into
    ``B = max(ceil(S / classes_per_batch), max_c slots_c)`` batches (``S`` =
    number of slots) with distinct classes per batch: each step takes the
    classes whose remaining slots equal the remaining batches, then draws the
    rest in proportion to their remaining slots; places left free in a batch
    (and ``B`` rounded up to a multiple of the world size with extra batches)
    are filled with "fill" slots: random sketches of classes not yet in that
    batch. ``B`` depends only on the class sizes, so ``len(sampler)`` is the
    same in every epoch. Photos of a class are drawn from a per-class shuffled
    cycle: every photo of the class is used once before any repeats (with
    replacement inside a batch only when the class has fewer than
    ``photos_per_class`` photos).

    Distributed (like mmengine's ``DefaultSampler``, rank and world size from
    :func:`mmengine.dist.get_dist_info`): all ranks build the same global
    list of batches (same ``seed`` and epoch) and rank ``r`` takes batches
    ``r, r + W, r + 2W, ...``: ranks never share a batch, each has
    ``B / W`` batches, and together they cover the epoch above.

    With ``sketches_per_class_per_epoch = m``, an epoch uses only ``m``
    sketches of each class as primaries (a fresh random choice every epoch;
    all of them for smaller classes), so an epoch is shorter while every
    sketch is still seen over the epochs.

    Deterministic under ``seed`` and the epoch (``set_epoch``, called by
    mmengine's ``DistSamplerSeedHook``).

    The data loader's ``batch_size`` MUST equal :attr:`batch_size`. The
    sampler cannot see the data loader; use
    :class:`ClassBalancedPairBatchSampler` (``batch_sampler=dict(type=
    'ClassBalancedPairBatchSampler')`` in the dataloader config), which
    checks it, or set it by hand.

    Args:
        dataset: A dataset with ``get_labels_and_modalities()`` or
            ``get_data_info(i)`` giving ``gt_label`` and ``modality``.
        classes_per_batch (int): Defaults to 8.
        sketches_per_class (int): Defaults to 4.
        photos_per_class (int): Defaults to 4 (defaults chosen by sketret,
            8 x (4 + 4) = 64 images per batch).
        sketches_per_class_per_epoch (int, optional): Subsample each
            class's sketches per epoch (see above). Defaults to None (all).
        seed (int, optional): Random seed; None draws one synchronised over
            ranks (mmengine's ``sync_random_seed``).
        rank (int, optional): Defaults to ``get_dist_info()[0]``.
        world_size (int, optional): Defaults to ``get_dist_info()[1]``.
    """

    def __init__(self,
                 dataset,
                 classes_per_batch: int = 8,
                 sketches_per_class: int = 4,
                 photos_per_class: int = 4,
                 sketches_per_class_per_epoch: Optional[int] = None,
                 seed: Optional[int] = None,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None):
        for name, v in (('classes_per_batch', classes_per_batch),
                        ('sketches_per_class', sketches_per_class),
                        ('photos_per_class', photos_per_class)):
            if int(v) < 1:
                raise ValueError(f'{name} must be >= 1, got {v}')
        if (sketches_per_class_per_epoch is not None
                and int(sketches_per_class_per_epoch) < 1):
            raise ValueError('sketches_per_class_per_epoch must be >= 1 or '
                             f'None, got {sketches_per_class_per_epoch}')
        self.sketches_per_class_per_epoch = (
            None if sketches_per_class_per_epoch is None else int(
                sketches_per_class_per_epoch))
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else int(rank)
        self.world_size = dist_world if world_size is None else int(
            world_size)
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f'rank {self.rank} not in [0, {self.world_size})')
        self.dataset = dataset
        self.classes_per_batch = int(classes_per_batch)
        self.sketches_per_class = int(sketches_per_class)
        self.photos_per_class = int(photos_per_class)
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0

        labels, mods = _labels_and_modalities(dataset)
        self._sketches: Dict[int, np.ndarray] = {}
        self._photos: Dict[int, np.ndarray] = {}
        for c in np.unique(labels[labels >= 0]).tolist():
            self._sketches[c] = np.flatnonzero((labels == c)
                                               & (mods == 'sketch'))
            self._photos[c] = np.flatnonzero((labels == c)
                                             & (mods == 'photo'))
        left_out = [
            c for c in self._sketches
            if not len(self._sketches[c]) or not len(self._photos[c])
        ]
        self.classes: List[int] = [
            c for c in sorted(self._sketches) if c not in left_out
        ]
        if not self.classes:
            raise ValueError(
                'ClassBalancedPairSampler needs a dataset with sketches AND '
                "photos of the same classes (modality='both'); found "
                f'modalities {sorted(set(mods.tolist()))} and no class with '
                'both')
        if left_out:
            print_log(
                f'ClassBalancedPairSampler: classes {left_out} have no '
                'sketch or no photo and are never sampled.',
                logger='current',
                level=logging.WARNING)
        if len(self.classes) < self.classes_per_batch:
            print_log(
                f'ClassBalancedPairSampler: only {len(self.classes)} classes '
                f'for classes_per_batch={self.classes_per_batch}; batches '
                'repeat classes.',
                logger='current',
                level=logging.WARNING)
        self._slots = {
            c: math.ceil(self._num_primaries(c) / self.sketches_per_class)
            for c in self.classes
        }
        total = sum(self._slots.values())
        batches = max(math.ceil(total / self.classes_per_batch),
                      max(self._slots.values()))
        #: Global batches per epoch (all ranks), a multiple of world_size.
        self.num_batches = (math.ceil(batches / self.world_size) *
                            self.world_size)
        self._min_batches = batches

    @property
    def batch_size(self) -> int:
        """Indices per batch; the data loader's batch_size must equal it."""
        return self.classes_per_batch * (self.sketches_per_class +
                                         self.photos_per_class)

    @property
    def num_batches_per_rank(self) -> int:
        return self.num_batches // self.world_size

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (reshuffles deterministically)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        """Indices yielded on this rank per epoch."""
        return self.num_batches_per_rank * self.batch_size

    # ------------------------------------------------------------------
    def _num_primaries(self, c: int) -> int:
        n = len(self._sketches[c])
        m = self.sketches_per_class_per_epoch
        return n if m is None else min(n, m)

    def _sketch_slots(self, rng: np.random.Generator) -> Dict[int, list]:
        k = self.sketches_per_class
        slots = {}
        for c in self.classes:
            idx = self._sketches[c]
            perm = rng.permutation(idx)[:self._num_primaries(c)]
            chunks = [(perm[i:i + k], len(perm[i:i + k]))
                      for i in range(0, len(perm), k)]
            last, n_last = chunks[-1]
            if n_last < k:
                others = perm[:len(perm) - n_last]
                if len(others) >= k - n_last:
                    extra = rng.choice(others, k - n_last, replace=False)
                else:
                    extra = rng.choice(idx, k - n_last, replace=True)
                chunks[-1] = (np.concatenate([last, extra]), n_last)
            slots[c] = chunks
        return slots

    def _fill_slot(self, rng: np.random.Generator, c: int) -> np.ndarray:
        idx = self._sketches[c]
        k = self.sketches_per_class
        return rng.choice(idx, k, replace=len(idx) < k)

    def _take_photos(self, rng: np.random.Generator, c: int,
                     streams: Dict[int, list]) -> np.ndarray:
        p = self.photos_per_class
        pool = self._photos[c]
        if len(pool) < p:
            return rng.choice(pool, p, replace=True)
        state = streams.get(c)
        if state is None:
            state = [rng.permutation(pool), 0]
            streams[c] = state
        perm, pos = state
        if pos + p <= len(perm):
            state[1] = pos + p
            return perm[pos:pos + p]
        taken = perm[pos:]
        fresh = rng.permutation(pool)
        # the photos just used go to the end of the next cycle
        fresh = np.concatenate([fresh[~np.isin(fresh, taken)], taken])
        need = p - len(taken)
        state[0], state[1] = fresh, need
        return np.concatenate([taken, fresh[:need]])

    def _pick_fill_classes(self, rng: np.random.Generator, n: int,
                           used: Sequence[int]) -> List[int]:
        if n <= 0:
            return []
        free = [c for c in self.classes if c not in set(used)]
        if len(free) >= n:
            return rng.choice(free, n, replace=False).tolist()
        return free + rng.choice(self.classes, n - len(free),
                                 replace=True).tolist()

    def epoch_plan(self, epoch: Optional[int] = None
                   ) -> List[List[Tuple[int, np.ndarray, np.ndarray, int]]]:
        """The global batches of an epoch (all ranks, in rank-interleaved
        order: rank ``r`` yields ``plan[r::world_size]``).

        Returns:
            list: one list per batch of ``(class label, sketch indices (k,),
            photo indices (p,), num_primary)``: the first ``num_primary``
            sketches of the slot are its primary sketches (each sketch is
            primary exactly once per epoch), the others complete the slot
            (0 for fill slots).
        """
        epoch = self.epoch if epoch is None else int(epoch)
        rng = np.random.default_rng([self.seed, epoch])
        slots = self._sketch_slots(rng)
        remaining = {c: len(v) for c, v in slots.items()}
        streams: Dict[int, list] = {}
        C = self.classes_per_batch
        plan = []
        for t in range(self.num_batches):
            left = self._min_batches - t
            active = [c for c in self.classes if remaining[c] > 0]
            if left <= 0 or not active:
                chosen = []
            elif len(active) <= C:
                chosen = active
            else:
                forced = [c for c in active if remaining[c] >= left]
                rest = [c for c in active if remaining[c] < left]
                chosen = forced
                if C > len(forced):
                    weights = np.array([remaining[c] for c in rest], float)
                    chosen = forced + rng.choice(
                        rest, C - len(forced), replace=False,
                        p=weights / weights.sum()).tolist()
            fills = self._pick_fill_classes(rng, C - len(chosen), chosen)
            members = [(c, True) for c in chosen] + [(c, False)
                                                     for c in fills]
            batch = []
            for j in rng.permutation(len(members)).tolist():
                c, primary = members[j]
                if primary:
                    remaining[c] -= 1
                    sk, n_new = slots[c][remaining[c]]
                else:
                    sk, n_new = self._fill_slot(rng, c), 0
                batch.append((c, np.asarray(sk, dtype=np.int64),
                              self._take_photos(rng, c, streams), n_new))
            plan.append(batch)
        assert not any(remaining.values()), 'internal error: slots left'
        order = rng.permutation(len(plan))
        return [plan[i] for i in order]

    def __iter__(self) -> Iterator[int]:
        plan = self.epoch_plan()
        for batch in plan[self.rank::self.world_size]:
            for _, sk, ph, _ in batch:
                yield from sk.tolist()
                yield from ph.tolist()


@DATA_SAMPLERS.register_module()
class ClassBalancedPairBatchSampler(Sampler):
    """Batch sampler around :class:`ClassBalancedPairSampler` that checks
    the data loader's ``batch_size``.

    In an mmengine config::

        train_dataloader = dict(
            batch_size=64,
            sampler=dict(type='ClassBalancedPairSampler', classes_per_batch=8,
                         sketches_per_class=4, photos_per_class=4),
            batch_sampler=dict(type='ClassBalancedPairBatchSampler'), ...)

    mmengine passes the built sampler and the dataloader's ``batch_size``;
    a mismatch raises ``ValueError`` instead of silently mixing batches.

    Args:
        sampler (ClassBalancedPairSampler): The index sampler.
        batch_size (int, optional): Must equal ``sampler.batch_size``;
            None takes it from the sampler.
        drop_last (bool): Accepted for interface compatibility; batches are
            always complete.
    """

    def __init__(self, sampler, batch_size: Optional[int] = None,
                 drop_last: bool = False):
        if not isinstance(sampler, ClassBalancedPairSampler):
            raise TypeError('ClassBalancedPairBatchSampler wraps a '
                            'ClassBalancedPairSampler, got '
                            f'{type(sampler).__name__}')
        if batch_size is not None and int(batch_size) != sampler.batch_size:
            raise ValueError(
                f'dataloader batch_size={batch_size} does not match the '
                f'ClassBalancedPairSampler batch size {sampler.batch_size} '
                f'= classes_per_batch ({sampler.classes_per_batch}) x '
                f'(sketches_per_class ({sampler.sketches_per_class}) + '
                f'photos_per_class ({sampler.photos_per_class})); set '
                f'batch_size={sampler.batch_size}')
        self.sampler = sampler
        self.batch_size = sampler.batch_size
        self.drop_last = drop_last

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[List[int]]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []

    def __len__(self) -> int:
        return len(self.sampler) // self.batch_size
