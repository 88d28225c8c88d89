# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import logging
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from sketret.registry import METRICS

from ..features_io import save_features
from ..functional import (
    AVERAGES,
    SIMILARITIES,
    get_preset,
    parse_memory_budget,
    parse_metrics,
    per_query_metrics,
    summarize_metrics,
)

__all__ = ['SBIRRetrievalMetric']

MODALITIES = ('sketch', 'photo')


@METRICS.register_module()
class SBIRRetrievalMetric(BaseMetric):
    """Sketch-based image retrieval metrics: mAP@all, mAP@K and P@K.

    The evaluation dataloader streams sketches and photos (``modality=
    'both'``); :meth:`process` keeps one compact entry per sample (its
    feature as float32 numpy, modality, label, ``is_seen``, path, class
    name), and :meth:`compute_metrics` ranks the gallery (photos) for every
    query (sketch) with :func:`sketret.evaluation.functional.
    evaluate_retrieval`: exact, in bounded memory, under a named
    definition (``preset``). Every key carries the preset name, e.g.
    ``'textbook/mAP@all'``.

    Queries without any relevant gallery item are left out of the means;
    their number is reported as ``'{preset}/num_queries_without_relevant'``
    (and logged as a warning when not zero).
    Gallery items labelled ``-1`` are distractors, relevant to no query.

    Generalized ZS-SBIR: when the samples carry ``is_seen`` (True/False),
    the keys are ``'{preset}/all/...'`` (all queries), ``'{preset}/unseen/
    ...'`` (unseen-class queries) and ``'{preset}/seen/...'``, each against
    the full gallery.

    Distributed evaluation works as for any mmengine metric: each rank
    keeps its samples, ``BaseMetric.evaluate`` gathers them once and drops
    the sampler's padding.

    Args:
        metrics (str | Sequence[str], optional): ``'mAP@all'``,
            ``'mAP@K'``, ``'P@K'``. Defaults to the ``benchmark``'s
            convention, else ``('mAP@all', 'P@100')``.
        preset (str): metric definitions: ``'textbook'`` (default),
            ``'sake'``, ``'zse'``, ``'sempcyc'``, ``'mmpretrain'``.
        similarity (str): ``'cosine'`` (default), ``'euclidean'`` or
            ``'dot'``.
        average (str): ``'query'`` (default) or ``'class'``.
        benchmark (str, optional): default metrics of a benchmark:
            ``'sketchy-ext-25'`` and ``'tuberlin-ext-30'`` (mAP@all,
            P@100), ``'sketchy-ext-21'`` (mAP@200, P@200),
            ``'quickdraw-ext-30'`` (mAP@all, P@200).
        query_modality (str): ``'sketch'`` (default) or ``'photo'``; the
            other modality is the gallery.
        memory_budget (int | str): working memory of the score blocks.
            Defaults to ``'2GB'``.
        dump_features (str, optional): write the features to this ``.npz``
            (``query_feats``, ``query_labels``, ``gallery_feats``,
            ``gallery_labels``, ``query_paths``, ``gallery_paths``,
            ``class_names``, and ``*_is_seen`` when present). An existing
            file is never overwritten (error naming it), so use it in test
            runs rather than every validation epoch.
        num_threads (int, optional): see ``evaluate_retrieval``.
        modality_gap (bool): also report how far apart the sketch and photo
            embeddings lie (:func:`sketret.evaluation.modality_gap.
            modality_gap`): ``'modality_gap/mmd'``,
            ``'modality_gap/centroid_distance'`` and
            ``'modality_gap/probe_accuracy'`` (0.5: indistinguishable).
            Defaults to False.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to 'cpu'.
        prefix (str, optional): prepended to the keys (``'prefix/textbook/
            mAP@all'``). Defaults to none.
        collect_dir (str, optional): see :class:`BaseMetric`.

    Examples:
        >>> import torch
        >>> from sketret.evaluation import SBIRRetrievalMetric
        >>> def sample(modality, label, feature):
        ...     return dict(modality=modality, gt_label=label,
        ...                 feature=torch.tensor(feature), is_seen=None,
        ...                 img_path=f'{modality}_{label}.png',
        ...                 class_name=None)
        >>> metric = SBIRRetrievalMetric(metrics=['mAP@all', 'P@1'])
        >>> metric.process(None, [
        ...     sample('sketch', 0, [1., 0.]), sample('sketch', 1, [0., 1.]),
        ...     sample('photo', 0, [.9, .1]), sample('photo', 1, [.2, .8]),
        ...     sample('photo', 1, [.8, .2])])
        >>> metric.evaluate(5)
        {'textbook/mAP@all': 1.0, 'textbook/P@1': 1.0, 'textbook/num_queries': 2, 'textbook/num_queries_without_relevant': 0}

    Use in configs (a list: mmengine reads a dict with a ``metrics`` key as
    an Evaluator config)::

        val_evaluator = [
            dict(type='SBIRRetrievalMetric', benchmark='sketchy-ext-25')
        ]
        test_evaluator = [
            dict(
                type='SBIRRetrievalMetric',
                metrics=['mAP@all', 'P@100', 'mAP@200', 'P@200'],
                preset='textbook')
        ]
        # keep the best checkpoint by a preset-named key
        default_hooks = dict(
            checkpoint=dict(save_best='textbook/mAP@all', rule='greater'))
    """  # noqa: E501
    default_prefix: Optional[str] = ''

    BENCHMARK_METRICS = {
        'sketchy-ext-25': ('mAP@all', 'P@100'),
        'tuberlin-ext-30': ('mAP@all', 'P@100'),
        'sketchy-ext-21': ('mAP@200', 'P@200'),
        'quickdraw-ext-30': ('mAP@all', 'P@200'),
    }

    def __init__(self,
                 metrics: Union[str, Sequence[str], None] = None,
                 preset: str = 'textbook',
                 similarity: str = 'cosine',
                 average: str = 'query',
                 benchmark: Optional[str] = None,
                 query_modality: str = 'sketch',
                 memory_budget: Union[int, str] = '2GB',
                 dump_features: Optional[str] = None,
                 num_threads: Optional[int] = None,
                 modality_gap: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        if benchmark is not None and benchmark not in self.BENCHMARK_METRICS:
            raise ValueError(
                f'unknown benchmark {benchmark!r}; valid: '
                + ', '.join(repr(b) for b in self.BENCHMARK_METRICS))
        if metrics is None:
            metrics = self.BENCHMARK_METRICS.get(benchmark,
                                                 ('mAP@all', 'P@100'))
        self.metrics = [m.name for m in parse_metrics(metrics)]
        self.preset = get_preset(preset).name
        if similarity not in SIMILARITIES:
            raise ValueError(f'unknown similarity {similarity!r}; valid: '
                             + ', '.join(repr(s) for s in SIMILARITIES))
        if average not in AVERAGES:
            raise ValueError(f'unknown average {average!r}; valid: '
                             + ', '.join(repr(a) for a in AVERAGES))
        if query_modality not in MODALITIES:
            raise ValueError(f'query_modality must be one of {MODALITIES}, '
                             f'got {query_modality!r}')
        parse_memory_budget(memory_budget)
        if dump_features is not None and osp.exists(dump_features):
            raise FileExistsError(
                f'dump_features file "{dump_features}" already exists; '
                'refusing to overwrite it')
        self.similarity = similarity
        self.average = average
        self.benchmark = benchmark
        self.query_modality = query_modality
        self.gallery_modality = [m for m in MODALITIES
                                 if m != query_modality][0]
        self.memory_budget = memory_budget
        self.dump_features = dump_features
        self.num_threads = num_threads
        self.modality_gap = modality_gap

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep one compact CPU entry per sample in ``self.results``.

        Args:
            data_batch: unused.
            data_samples (Sequence[dict]): the model outputs as dicts with
                ``feature`` (Tensor ``(D, )``), ``modality``, ``gt_label``,
                and optionally ``is_seen``, ``img_path``, ``class_name``.
        """
        for sample in data_samples:
            if 'feature' not in sample:
                raise KeyError(
                    'data sample has no "feature": the model must run in '
                    "'predict' mode and set SBIRDataSample.feature")
            feature = sample['feature']
            if hasattr(feature, 'detach'):
                feature = feature.detach().float().cpu().numpy()
            feature = np.asarray(feature, dtype=np.float32).reshape(-1)
            modality = sample.get('modality')
            if modality not in MODALITIES:
                raise ValueError(f'data sample modality must be one of '
                                 f'{MODALITIES}, got {modality!r}')
            label = sample.get('gt_label')
            if label is None:
                raise KeyError('data sample has no "gt_label"')
            label = int(label.item() if hasattr(label, 'item') else label)
            is_seen = sample.get('is_seen')
            if is_seen is not None:
                is_seen = bool(is_seen)
            self.results.append(
                dict(
                    feature=feature,
                    modality=modality,
                    gt_label=label,
                    is_seen=is_seen,
                    img_path=sample.get('img_path'),
                    class_name=sample.get('class_name')))

    def _class_names(self, results: List[dict]) -> Optional[List[str]]:
        meta = self.dataset_meta or {}
        if meta.get('classes') is not None:
            return [str(c) for c in meta['classes']]
        names = {}
        for r in results:
            if r['gt_label'] >= 0 and r['class_name'] is not None:
                names.setdefault(r['gt_label'], str(r['class_name']))
        if not names:
            return None
        return [names.get(i, '') for i in range(max(names) + 1)]

    def compute_metrics(self, results: List[dict]) -> dict:
        """Rank the gallery for every query and average.

        Args:
            results (list[dict]): the entries of :meth:`process`, gathered
                from all ranks.

        Returns:
            dict: ``'{preset}/{metric}'`` -> float, plus
            ``'{preset}/num_queries'`` and
            ``'{preset}/num_queries_without_relevant'``; with ``is_seen``,
            the same under ``'{preset}/all/'``, ``'/unseen/'`` and
            ``'/seen/'``.
        """
        side = {}
        for name in (self.query_modality, self.gallery_modality):
            items = [r for r in results if r['modality'] == name]
            side[name] = items
        queries = side[self.query_modality]
        gallery = side[self.gallery_modality]
        if not queries or not gallery:
            raise ValueError(
                f'{type(self).__name__} needs {self.query_modality} queries '
                f'and a {self.gallery_modality} gallery, got {len(queries)} '
                f'{self.query_modality} and {len(gallery)} '
                f'{self.gallery_modality} samples')
        dims = {len(r['feature']) for r in results}
        if len(dims) != 1:
            raise ValueError('features of different dimensions: '
                             f'{sorted(dims)}')
        q_feats = np.stack([r['feature'] for r in queries])
        q_labels = np.array([r['gt_label'] for r in queries], dtype=np.int64)
        g_feats = np.stack([r['feature'] for r in gallery])
        g_labels = np.array([r['gt_label'] for r in gallery], dtype=np.int64)
        q_seen = [r['is_seen'] for r in queries]
        g_seen = [r['is_seen'] for r in gallery]
        generalized = any(s is not None for s in q_seen + g_seen)
        if self.dump_features is not None:
            save_features(
                self.dump_features,
                q_feats,
                q_labels,
                g_feats,
                g_labels,
                query_paths=[r['img_path'] for r in queries],
                gallery_paths=[r['img_path'] for r in gallery],
                class_names=self._class_names(results),
                query_is_seen=([bool(s) for s in q_seen]
                               if generalized else None),
                gallery_is_seen=([bool(s) for s in g_seen]
                                 if generalized else None))
            print_log(
                f'Features written to {self.dump_features}',
                logger='current')

        values = per_query_metrics(
            q_feats,
            q_labels,
            g_feats,
            g_labels,
            metrics=self.metrics,
            preset=self.preset,
            similarity=self.similarity,
            memory_budget=self.memory_budget,
            num_threads=self.num_threads)
        if not (values['num_relevant'] > 0).any():
            raise ValueError(
                f'none of the {len(queries)} queries has a relevant gallery '
                'item: query and gallery labels must share classes')
        groups = {'': None}
        if generalized:
            seen = np.array([bool(s) for s in q_seen])
            groups = {'all/': None, 'unseen/': ~seen, 'seen/': seen}
        out = {}
        for group, mask in groups.items():
            summary = summarize_metrics(values, q_labels, self.average,
                                        mask=mask)
            base = f'{self.preset}/{group}'
            n_without = summary['num_queries_without_relevant']
            if n_without:
                print_log(
                    f'{base}: {n_without} of {summary["num_queries"]} '
                    f'{self.query_modality} queries have no relevant '
                    f'{self.gallery_modality} among the {len(gallery)}; they '
                    'are left out of the means',
                    logger='current',
                    level=logging.WARNING)
            if summary['num_queries'] == 0:
                continue
            for name in self.metrics:
                if summary[name] is None:
                    print_log(
                        f'{base}{name}: no query has a relevant gallery '
                        'item; not reported',
                        logger='current',
                        level=logging.WARNING)
                    continue
                out[f'{base}{name}'] = summary[name]
            out[f'{base}num_queries'] = summary['num_queries']
            out[f'{base}num_queries_without_relevant'] = n_without
        if self.modality_gap:
            from ..modality_gap import modality_gap
            gap = modality_gap(q_feats, g_feats)
            for key in ('mmd', 'centroid_distance', 'probe_accuracy'):
                out[f'modality_gap/{key}'] = gap[key]
        return out
