# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import pytest

from sketret.datasets.class_names import (
    ClassNameMatcher,
    compact_class_name,
    display_class_name,
    match_class_names,
    normalize_class_name,
)


@pytest.mark.parametrize('raw,norm', [
    ('alarm clock', 'alarm_clock'),
    ('Alarm  Clock', 'alarm_clock'),
    ('car (sedan)', 'car_(sedan)'),
    ('car_(sedan)', 'car_(sedan)'),
    ('hot-air_balloon', 'hot_air_balloon'),
    ('hot air balloon', 'hot_air_balloon'),
    ('jack-o-lantern', 'jack_o_lantern'),
    ('ice-cream-cone', 'ice_cream_cone'),
    ('t-shirt', 't_shirt'),
    ('  teddy_bear ', 'teddy_bear'),
    ('mouse (animal)', 'mouse_(animal)'),
])
def test_normalize(raw, norm):
    assert normalize_class_name(raw) == norm


def test_compact_and_display():
    assert compact_class_name('table lamp') == 'tablelamp'
    assert compact_class_name('tablelamp') == 'tablelamp'
    assert display_class_name('car_(sedan)') == 'car (sedan)'


def test_matcher_exact_normalised_and_fallback():
    m = ClassNameMatcher(['table_lamp', 'car_(sedan)', 'alarm_clock',
                          'hot-air_balloon'])
    assert m.match('table_lamp') == 'table_lamp'
    assert m.match('tablelamp') == 'table_lamp'  # underscore-free fallback
    assert m.match('Car (sedan)') == 'car_(sedan)'
    assert m.match('alarm clock') == 'alarm_clock'
    assert m.match('hot air balloon') == 'hot-air_balloon'
    assert m.match('car') is None  # no semantic rewriting
    assert 'tablelamp' in m and 'bus' not in m


def test_matcher_ambiguous_fallback_is_not_matched():
    # 'ab_c' and 'a_bc' share the compact key 'abc': never guessed
    m = ClassNameMatcher(['ab_c', 'a_bc'])
    assert m.match('abc') is None
    assert m.match('ab c') == 'ab_c'


def test_match_class_names():
    assert match_class_names(['alarm clock', 'ufo'], ['alarm_clock']) == {
        'alarm clock': 'alarm_clock',
        'ufo': None
    }


def test_type_error():
    with pytest.raises(TypeError):
        normalize_class_name(3)
