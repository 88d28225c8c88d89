# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Count the parameters of a config's model, per component.

Examples::

    python tools/analysis_tools/get_params.py \
        configs/bda-sketret/bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py
    python tools/analysis_tools/get_params.py CONFIG --depth 2 \
        --cfg-options model.backbone.backbone.pretrained=False

Rows are the model's top-level components (``backbone``, ``encoders``,
``spatial_discriminator``, ``head``, ...); a two-stream backbone is split
into its streams (``backbone.sketch``, ``backbone.photo`` or
``backbone.shared``). Parameters that belong directly to the model get a row
of their own name. Shared (tied) parameters are counted once. "frozen" means
``requires_grad=False`` (e.g. frozen stages, SAKE's teacher).
"""
import argparse
import sys
from collections import OrderedDict
from typing import Dict, List, Tuple

from mmengine.config import DictAction

Row = Tuple[str, int, int]  # (component, trainable, frozen)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Count the parameters of a model per component')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--depth',
        type=int,
        default=1,
        help='how many levels of module names make a component (default '
        '1; two-stream backbones are always split into their streams)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, e.g. '
        'model.backbone.backbone.pretrained=False; keys must exist in it')
    args = parser.parse_args(argv)
    if args.depth < 1:
        parser.error(f'--depth must be >= 1, got {args.depth}')
    return args


def _component(name: str, depth: int, split: Dict[str, int]) -> str:
    parts = name.split('.')
    levels = max(depth, split.get(parts[0], 1))
    # a parameter never names itself as its component unless it belongs
    # directly to the model (or to a module at a shallower level)
    return '.'.join(parts[:min(levels, len(parts) - 1)] or parts[:1])


def parameter_table(model, depth: int = 1) -> List[Row]:
    """``[(component, trainable, frozen), ...]`` in module order.

    Args:
        model (nn.Module): The model.
        depth (int): Levels of module names per component. Modules with
            a ``get_backbone`` method (two-stream backbones) are always split
            one level further.

    Returns:
        list[tuple[str, int, int]]: One row per component with parameters;
        their sums are the model's totals (each parameter counted once).
    """
    split = {
        name: 2
        for name, module in model.named_children()
        if callable(getattr(module, 'get_backbone', None))
    }
    counts: 'OrderedDict[str, List[int]]' = OrderedDict()
    for name, param in model.named_parameters():  # tied params once
        row = counts.setdefault(_component(name, depth, split), [0, 0])
        row[0 if param.requires_grad else 1] += param.numel()
    return [(name, c[0], c[1]) for name, c in counts.items()]


def format_table(rows: List[Row]) -> str:
    """A Markdown table of ``rows`` with a total line."""
    trainable = sum(r[1] for r in rows)
    frozen = sum(r[2] for r in rows)
    lines = [
        '| component | trainable | frozen | total |',
        '|---|---:|---:|---:|',
    ]
    for name, t, f in rows + [('**total**', trainable, frozen)]:
        lines.append(f'| {name} | {t:,} | {f:,} | {t + f:,} |')
    total = trainable + frozen
    lines.append('')
    lines.append(f'{total / 1e6:.2f} M parameters '
                 f'({trainable / 1e6:.2f} M trainable, '
                 f'{frozen / 1e6:.2f} M frozen)')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    try:
        from sketret.utils.config_utils import load_config
        cfg = load_config(args.config, args.cfg_options)
    except (FileNotFoundError, KeyError) as err:
        msg = err.args[0] if isinstance(err, KeyError) else err
        sys.exit(f'get_params.py: error: {msg}')

    from mmengine.registry import init_default_scope

    from sketret.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'sketret'))
    model = MODELS.build(cfg.model)
    print(f'Parameters of {args.config} ({type(model).__name__}):\n')
    print(format_table(parameter_table(model, args.depth)))


if __name__ == '__main__':
    main()
