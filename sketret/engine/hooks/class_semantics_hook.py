# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Give the model its training classes before training starts."""
from mmengine.hooks import Hook

from sketret.registry import HOOKS
from sketret.utils import unwrap_model


@HOOKS.register_module()
class ClassSemanticsHook(Hook):
    """Call ``model.set_train_classes(classes)`` before training.

    ``classes`` is ``runner.train_dataloader.dataset.metainfo['classes']``;
    the model looks their vectors up in its ``semantics`` provider (which
    raises listing any class it lacks). Validation and testing need no
    class vectors (retrieval uses the image embeddings only), so the hook
    acts in ``before_train`` only.

    Examples:
        >>> custom_hooks = [dict(type='ClassSemanticsHook')]
    """

    priority = 'ABOVE_NORMAL'

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        metainfo = getattr(dataset, 'metainfo', None) or {}
        classes = metainfo.get('classes')
        if not classes:
            raise ValueError(
                'ClassSemanticsHook: the training dataset '
                f'{type(dataset).__name__} has no metainfo["classes"]; the '
                'model needs the class names to look up their vectors')
        model = unwrap_model(runner.model)
        if not hasattr(model, 'set_train_classes'):
            raise TypeError(f'ClassSemanticsHook: {type(model).__name__} '
                            'has no set_train_classes(class_names)')
        model.set_train_classes(list(classes))
        runner.logger.info(
            f'ClassSemanticsHook: {len(classes)} training classes set')
