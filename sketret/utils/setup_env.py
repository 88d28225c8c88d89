# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every sketret module so that all components are registered.

    Args:
        init_default_scope (bool): Also make ``'sketret'`` the current default
            scope, so that registries resolve unscoped type names in sketret
            first. Defaults to True.
    """
    import sketret.datasets  # noqa: F401,F403
    import sketret.engine  # noqa: F401,F403
    import sketret.evaluation  # noqa: F401,F403
    import sketret.models  # noqa: F401,F403
    import sketret.structures  # noqa: F401,F403
    import sketret.visualization  # noqa: F401,F403

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('sketret', scope_name='sketret')
    elif current.scope_name != 'sketret':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "sketret"; `register_all_modules` creates a new '
                      'default scope named "sketret".')
        # A unique instance name avoids clashing with an existing one.
        name = f'sketret-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='sketret')
