# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import subprocess
import sys
import textwrap

import mmengine.registry as mmengine_registry
import pytest
from mmengine.config import Config
from mmengine.registry import (
    DefaultScope,
    Registry,
    init_default_scope,
)

import sketret.registry as sketret_registry

# Every root registry mmengine defines (23 in mmengine 0.10.7), found by
# inspection so that a registry added by a newer mmengine fails this test
# until sketret has a child of it too.
ROOT_NAMES = sorted(
    name for name, value in vars(mmengine_registry).items()
    if isinstance(value, Registry) and value.parent is None)


def test_root_registries_are_found():
    assert len(ROOT_NAMES) >= 23
    assert 'STRATEGIES' in ROOT_NAMES and 'MODELS' in ROOT_NAMES


@pytest.mark.parametrize('name', ROOT_NAMES)
def test_every_root_registry_has_a_sketret_child(name):
    child = getattr(sketret_registry, name, None)
    assert child is not None, f'sketret.registry has no {name}'
    assert name in sketret_registry.__all__
    assert child.scope == 'sketret'
    assert child.parent is getattr(mmengine_registry, name)
    assert child._locations, f'{name} has no lazy import locations'


def test_strategy_of_mmengine_builds_through_sketret_scope():
    from mmengine._strategy import SingleDeviceStrategy
    with sketret_registry.STRATEGIES.switch_scope_and_registry(
            'sketret') as registry:
        strategy = registry.build(dict(type='SingleDeviceStrategy'))
    assert type(strategy) is SingleDeviceStrategy


def test_build_mmpretrain_backbone_by_scoped_name():
    import torch
    m = sketret_registry.MODELS.build(dict(type='mmpretrain.ResNet',
                                           depth=18))
    m.eval()
    out = m(torch.zeros(1, 3, 32, 32))
    assert out[-1].shape == (1, 512, 1, 1)


def test_unknown_type_names_the_type():
    with pytest.raises(KeyError, match='NoSuchBackbone'):
        sketret_registry.MODELS.build(dict(type='NoSuchBackbone'))


def test_custom_module_via_custom_imports(tmp_path, monkeypatch):
    """A user's own module registers into sketret's MODELS and a config
    builds it through ``custom_imports``."""
    (tmp_path / 'my_sketret_ext.py').write_text(
        textwrap.dedent('''
        import torch.nn as nn
        from sketret.registry import MODELS

        @MODELS.register_module()
        class MyTinyNeck(nn.Module):
            def __init__(self, scale=2.0):
                super().__init__()
                self.scale = scale

            def forward(self, x):
                return x * self.scale
        '''))
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        "custom_imports = dict(imports=['my_sketret_ext'], "
        'allow_failed_imports=False)\n'
        "model = dict(type='MyTinyNeck', scale=3.0)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = Config.fromfile(str(cfg_file))
    neck = sketret_registry.MODELS.build(cfg.model)
    assert type(neck).__name__ == 'MyTinyNeck'
    assert neck.scale == 3.0


def test_no_failed_registry_search_noise():
    """Building with the sketret scope must not log mmengine's 'Failed to
    search registry' warning (it appears when scopes are misconfigured)."""
    code = textwrap.dedent('''
        from mmengine.registry import init_default_scope
        init_default_scope('sketret')
        from sketret.registry import MODELS, OPTIMIZERS, HOOKS
        MODELS.build(dict(type='mmpretrain.ResNet', depth=18))
        import torch
        p = [torch.nn.Parameter(torch.zeros(1))]
        OPTIMIZERS.build(dict(type='Adam', params=p))
        HOOKS.build(dict(type='IterTimerHook'))
    ''')
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert 'Failed to search registry' not in proc.stdout + proc.stderr


def test_register_all_modules_sets_default_scope():
    from sketret.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'sketret'
    init_default_scope('sketret')
