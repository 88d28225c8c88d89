# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Class-name normalisation: the ONE place where sketret matches names.

Split files, folder trees and class-vector files spell the same class
differently (``alarm clock`` / ``alarm_clock``, ``car (sedan)`` /
``car_(sedan)``, ``hot-air_balloon`` / ``hot air balloon``, ``tablelamp`` /
``table lamp``). Every comparison of class names in sketret goes through
this module:

1. exact match;
2. :func:`normalize_class_name`: lower-case, surrounding whitespace
   stripped, every run of spaces, underscores and hyphens turned into one
   ``_`` (``'Hot-Air  Balloon'`` -> ``'hot_air_balloon'``);
3. fallback :func:`compact_class_name`: the normalised name without any
   ``_`` (``'table_lamp'`` -> ``'tablelamp'``). The fallback is only used
   when it is unambiguous among the candidates.

No other rewriting is done (``car`` does NOT match ``car_(sedan)``): such
mappings are semantic decisions, not spelling.
"""
import re
from typing import Dict, Iterable, List, Optional, Sequence

__all__ = [
    'normalize_class_name', 'compact_class_name', 'ClassNameMatcher',
    'match_class_names', 'display_class_name'
]

_SEPARATORS = re.compile(r'[\s_\-]+')


def normalize_class_name(name: str) -> str:
    """Canonical spelling of a class name.

    Lower-case, stripped, runs of whitespace/``_``/``-`` -> one ``_``.

    Examples:
        >>> normalize_class_name('Alarm Clock')
        'alarm_clock'
        >>> normalize_class_name('car (sedan)')
        'car_(sedan)'
        >>> normalize_class_name('jack-o-lantern')
        'jack_o_lantern'
    """
    if not isinstance(name, str):
        raise TypeError(f'class name must be a str, got {type(name)}')
    return _SEPARATORS.sub('_', name.strip().lower()).strip('_')


def compact_class_name(name: str) -> str:
    """The normalised name without underscores (the fallback key).

    Examples:
        >>> compact_class_name('table lamp')
        'tablelamp'
    """
    return normalize_class_name(name).replace('_', '')


def display_class_name(name: str) -> str:
    """Human-readable form: normalised, underscores -> spaces.

    Used e.g. to build the sentence embedded by a text encoder.

    Examples:
        >>> display_class_name('car_(sedan)')
        'car (sedan)'
    """
    return normalize_class_name(name).replace('_', ' ')


class ClassNameMatcher:
    """Look names up among a fixed list of candidate names.

    Args:
        candidates (Sequence[str]): The known names (e.g. the keys of a
            vector file, or the folder names of a tree).

    Examples:
        >>> m = ClassNameMatcher(['table_lamp', 'car_(sedan)'])
        >>> m.match('tablelamp'), m.match('Car (sedan)'), m.match('bus')
        ('table_lamp', 'car_(sedan)', None)
    """

    def __init__(self, candidates: Iterable[str]):
        self.candidates: List[str] = list(candidates)
        self._exact = {c: c for c in self.candidates}
        self._norm: Dict[str, Optional[str]] = {}
        self._compact: Dict[str, Optional[str]] = {}
        for c in self.candidates:
            for table, key in ((self._norm, normalize_class_name(c)),
                               (self._compact, compact_class_name(c))):
                if key in table and table[key] != c:
                    table[key] = None  # ambiguous: never matched
                else:
                    table[key] = c

    def match(self, name: str) -> Optional[str]:
        """The candidate that ``name`` refers to, or None."""
        if name in self._exact:
            return name
        hit = self._norm.get(normalize_class_name(name))
        if hit is not None:
            return hit
        return self._compact.get(compact_class_name(name))

    def __contains__(self, name: str) -> bool:
        return self.match(name) is not None


def match_class_names(names: Sequence[str],
                      candidates: Iterable[str]) -> Dict[str, Optional[str]]:
    """Map each of ``names`` to its candidate (None when unmatched).

    Examples:
        >>> match_class_names(['alarm clock', 'ufo'], ['alarm_clock'])
        {'alarm clock': 'alarm_clock', 'ufo': None}
    """
    matcher = ClassNameMatcher(candidates)
    return {n: matcher.match(n) for n in names}
