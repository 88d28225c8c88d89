# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def sketret_default_scope():
    """Run every test with ``'sketret'`` as mmengine's default scope, and
    drop any scope a test creates (a Runner makes its own the current one,
    which would otherwise leak into later tests)."""
    with DefaultScope.overwrite_default_scope('sketret'):
        yield
