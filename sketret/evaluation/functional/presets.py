# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Named metric definitions (presets) and metric names.

A preset fixes one variant of each quantity (see :mod:`.variants`):

===============  ==============================  ==============================  ==========================
preset           mAP@all                         mAP@K                           P@K
===============  ==============================  ==============================  ==========================
``textbook``     non-interpolated, tie-aware     ΣP@i·rel_i / min(K, R), stable  hits / min(K, N), stable
``sake``         VOC-interpolated, stable        VOC, stable top K, / min(K, R)  hits / min(K, N)
``zse``          as ``sake``                     as ``sake``                     hits in top min(K, R) / min(K, R)
``sempcyc``      as ``textbook``                 tie-aware AP of the stable top  hits / K
                                                 K, / hits in it (0 if none)
``mmpretrain``   non-interpolated, stable        ΣP@i·rel_i / R, stable          hits / K
===============  ==============================  ==============================  ==========================

Stable order: score descending, then gallery index ascending. Tie-aware: a
block of tied scores gets the precision at the block's end, as
``sklearn.metrics.average_precision_score``; the result does not depend on
the gallery order.
"""  # noqa: E501
import re
from dataclasses import dataclass
from typing import NamedTuple, Optional, Sequence, Tuple, Union

__all__ = [
    'RetrievalPreset', 'PRESETS', 'get_preset', 'MetricName', 'parse_metric',
    'parse_metrics', 'AP_INTERPOLATIONS', 'TIES', 'AP_AT_K_NORMALIZATIONS',
    'P_AT_K_NORMALIZATIONS'
]

AP_INTERPOLATIONS = ('noninterp', 'voc')
TIES = ('tie_aware', 'stable')
AP_AT_K_NORMALIZATIONS = ('hits', 'min_k_r', 'r')
P_AT_K_NORMALIZATIONS = ('k', 'divide_k', 'min_k_r', 'r_precision_if_short')


def _check_choice(value, choices, what):
    if value not in choices:
        raise ValueError(f'unknown {what} {value!r}; valid: '
                         + ', '.join(repr(c) for c in choices))


@dataclass(frozen=True)
class RetrievalPreset:
    """One definition of each retrieval quantity.

    Args:
        name (str): the name reported with every number.
        ap_interpolation (str): mAP@all, ``'noninterp'`` or ``'voc'``.
        ap_ties (str): mAP@all, ``'tie_aware'`` or ``'stable'``.
        ap_at_k_normalization (str): mAP@K denominator: ``'hits'`` (relevant
            items in the top K), ``'min_k_r'`` or ``'r'``.
        ap_at_k_interpolation (str): mAP@K, ``'noninterp'`` or ``'voc'``.
        ap_at_k_ties (str): mAP@K: ``'stable'`` (the stable ranking) or
            ``'tie_aware'`` (the stable top K is selected, then tied scores
            inside it share the precision at their block's end).
        p_at_k_normalization (str): P@K: ``'k'`` (hits / min(K, N)),
            ``'divide_k'`` (hits / K), ``'min_k_r'`` (hits / min(K, R)) or
            ``'r_precision_if_short'`` (hits in the top min(K, R) /
            min(K, R)). P@K always uses the stable order.
        description (str): who uses this definition.
    """
    name: str
    ap_interpolation: str = 'noninterp'
    ap_ties: str = 'tie_aware'
    ap_at_k_normalization: str = 'min_k_r'
    ap_at_k_interpolation: str = 'noninterp'
    ap_at_k_ties: str = 'stable'
    p_at_k_normalization: str = 'k'
    description: str = ''

    def __post_init__(self):
        _check_choice(self.ap_interpolation, AP_INTERPOLATIONS,
                      'ap_interpolation')
        _check_choice(self.ap_ties, TIES, 'ap_ties')
        _check_choice(self.ap_at_k_normalization, AP_AT_K_NORMALIZATIONS,
                      'ap_at_k_normalization')
        _check_choice(self.ap_at_k_interpolation, AP_INTERPOLATIONS,
                      'ap_at_k_interpolation')
        _check_choice(self.ap_at_k_ties, TIES, 'ap_at_k_ties')
        _check_choice(self.p_at_k_normalization, P_AT_K_NORMALIZATIONS,
                      'p_at_k_normalization')


PRESETS = {
    'textbook':
    RetrievalPreset(
        'textbook',
        description='non-interpolated tie-aware AP (as scikit-learn); '
        'mAP@K / min(K, R) and P@K / min(K, N) on the stable order'),
    'sake':
    RetrievalPreset(
        'sake',
        ap_interpolation='voc',
        ap_ties='stable',
        ap_at_k_interpolation='voc',
        description='SAKE, DSN, TVT, ACNet: VOC-interpolated AP'),
    'zse':
    RetrievalPreset(
        'zse',
        ap_interpolation='voc',
        ap_ties='stable',
        ap_at_k_interpolation='voc',
        p_at_k_normalization='r_precision_if_short',
        description='ZSE-SBIR: as sake, P@K over the top min(K, R)'),
    'sempcyc':
    RetrievalPreset(
        'sempcyc',
        ap_at_k_normalization='hits',
        ap_at_k_ties='tie_aware',
        p_at_k_normalization='divide_k',
        description='SEM-PCYC, Doodle2Search, torchmetrics-based code'),
    'mmpretrain':
    RetrievalPreset(
        'mmpretrain',
        ap_ties='stable',
        ap_at_k_normalization='r',
        p_at_k_normalization='divide_k',
        description='mmpretrain RetrievalAveragePrecision (mode IR): '
        'AP on the stable order, mAP@K / R; P@K = hits / K'),
}


def get_preset(preset: Union[str, RetrievalPreset]) -> RetrievalPreset:
    """The :class:`RetrievalPreset` named ``preset`` (or ``preset`` itself).

    Raises:
        ValueError: unknown name; the message lists the valid ones.
    """
    if isinstance(preset, RetrievalPreset):
        return preset
    if preset not in PRESETS:
        raise ValueError(f'unknown preset {preset!r}; valid presets: '
                         + ', '.join(repr(p) for p in PRESETS))
    return PRESETS[preset]


class MetricName(NamedTuple):
    """A parsed metric name: ``kind`` is ``'mAP'`` or ``'P'``, ``k`` is None
    for ``@all``."""
    name: str
    kind: str
    k: Optional[int]


_METRIC_RE = re.compile(r'^(mAP|P)@(all|[1-9][0-9]*)$')
VALID_METRIC_FORMS = ("'mAP@all', 'mAP@K', 'P@K' with K a positive integer "
                      "(e.g. 'mAP@200', 'P@100')")


def parse_metric(name: str) -> MetricName:
    """Parse ``'mAP@all'``, ``'mAP@200'``, ``'P@100'``...

    Raises:
        ValueError: not a valid metric name; the message lists the forms.
    """
    match = _METRIC_RE.match(name) if isinstance(name, str) else None
    if match is None or (match.group(1) == 'P' and match.group(2) == 'all'):
        raise ValueError(f'unknown metric {name!r}; valid metric names: '
                         f'{VALID_METRIC_FORMS}')
    kind, k = match.groups()
    return MetricName(name, kind, None if k == 'all' else int(k))


def parse_metrics(metrics: Union[str, Sequence[str]]) -> Tuple[MetricName]:
    """Parse a metric name or a sequence of them (duplicates dropped)."""
    if isinstance(metrics, str):
        metrics = [metrics]
    parsed = []
    for name in metrics:
        spec = parse_metric(name)
        if spec not in parsed:
            parsed.append(spec)
    if not parsed:
        raise ValueError('no metric requested; valid metric names: '
                         f'{VALID_METRIC_FORMS}')
    return tuple(parsed)
