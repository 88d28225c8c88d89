# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import logging

from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from sketret.registry import OPTIM_WRAPPER_CONSTRUCTORS

# mmengine logs this WARNING once per frozen parameter tensor (288 lines for
# the CPU demo, whose ImageNet stages are frozen on purpose).
_SKIPPED = 'is skipped since its requires_grad=False'


class _CountSkippedFrozen(logging.Filter):
    """Drop mmengine's per-parameter 'skipped' warnings, count them."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().endswith(_SKIPPED):
            self.count += 1
            return False
        return True


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SketRetOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, with frozen parameters summarised.

    The parameter groups are exactly mmengine's (the work is done by
    :class:`mmengine.optim.DefaultOptimWrapperConstructor`), so optimizer
    states of checkpoints written with either constructor load into the
    other. With a ``paramwise_cfg``, mmengine leaves parameters with
    ``requires_grad=False`` (frozen backbone stages) out of the optimizer and
    logs one WARNING per tensor; this constructor logs one INFO line with
    their number instead: freezing is what the config asked for, there is
    nothing to act on.
    """

    def __call__(self, model) -> OptimWrapper:
        logger = MMLogger.get_current_instance()
        skipped = _CountSkippedFrozen()
        logger.addFilter(skipped)
        try:
            optim_wrapper = super().__call__(model)
        finally:
            logger.removeFilter(skipped)
        module = getattr(model, 'module', model)
        frozen = [p for p in module.parameters() if not p.requires_grad]
        if frozen:
            where = ('left out of the optimizer' if skipped.count else
                     'in the optimizer, without gradients')
            print_log(
                f'{len(frozen)} frozen parameter tensors '
                f'({sum(p.numel() for p in frozen):,} values, '
                f'requires_grad=False) are {where}.',
                logger='current',
                level=logging.INFO)
        return optim_wrapper
