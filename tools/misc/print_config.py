# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Print the full config after ``_base_`` inheritance and overrides.

Example::

    python tools/misc/print_config.py configs/bda_sketchy.py \
        --cfg-options train_cfg.max_epochs=1
"""
import argparse
import sys

from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config; keys must exist in it')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from sketret.utils.config_utils import load_config
    try:
        cfg = load_config(args.config, args.cfg_options)
    except (FileNotFoundError, KeyError) as err:
        msg = err.args[0] if isinstance(err, KeyError) else err
        sys.exit(f'print_config.py: error: {msg}')
    print(cfg.pretty_text)


if __name__ == '__main__':
    main()
