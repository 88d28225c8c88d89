# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.

import pytest
from sketret_testing import REPO_ROOT, TEST_DATA, run_tool  # noqa: F401,E402


@pytest.fixture
def tool():
    return run_tool


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures a test left open (they hold memory)."""
    yield
    import sys as _sys
    if 'matplotlib.pyplot' in _sys.modules:
        _sys.modules['matplotlib.pyplot'].close('all')


@pytest.fixture(autouse=True)
def _sketret_default_scope():
    """Run every test with ``'sketret'`` as mmengine's default scope and
    drop any scope a test creates (a Runner makes its own scope current,
    which would otherwise leak into later tests)."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('sketret'):
        yield
