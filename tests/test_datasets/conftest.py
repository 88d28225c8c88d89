# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import pytest
from mmengine.registry import init_default_scope
from sbir_synth import Tree


@pytest.fixture(autouse=True)
def _sketret_scope():
    init_default_scope('sketret')


@pytest.fixture
def tree(tmp_path):
    """An empty data root and split root in ``tmp_path``."""
    return Tree(tmp_path / 'data', tmp_path / 'splits')
