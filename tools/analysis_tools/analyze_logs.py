# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Plot loss terms and validation metrics of training runs.

Examples::

    python tools/analysis_tools/analyze_logs.py plot_curve WORK_DIR \
        --keys loss loss_adv loss_ib textbook/mAP@all --out curves.png
    python tools/analysis_tools/analyze_logs.py plot_diagnostics WORK_DIR \
        --out diagnostics.png    # BDA-SketRet's levels at a glance
    python tools/analysis_tools/analyze_logs.py cal_train_time WORK_DIR
"""
import argparse
import sys

import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze training logs')
    sub = parser.add_subparsers(dest='task', required=True)
    curve = sub.add_parser('plot_curve', help='plot curves of keys')
    curve.add_argument('logs', nargs='+',
                       help='work dirs, run dirs or scalars.json files')
    curve.add_argument('--keys', nargs='+', default=['loss'])
    curve.add_argument('--legend', nargs='+')
    curve.add_argument('--title')
    curve.add_argument('--out', required=True, help='output image (PNG)')
    diag = sub.add_parser(
        'plot_diagnostics',
        help="BDA-SketRet's diagnostics: discriminator accuracy per "
        'modality, GRL coefficient, IB terms, prototype accuracy, modality '
        'gap')
    diag.add_argument('log', help='work dir, run dir or scalars.json')
    diag.add_argument('--title')
    diag.add_argument('--out', required=True, help='output image (PNG)')
    timing = sub.add_parser('cal_train_time', help='time per iteration')
    timing.add_argument('logs', nargs='+')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from sketret.visualization.log_curves import (
        load_scalar_log,
        plot_bda_diagnostics,
        plot_log_curves,
    )
    try:
        if args.task == 'plot_curve':
            plot_log_curves(args.logs, args.keys, args.legend, args.title,
                            args.out)
            print(f'saved {args.out}')
        elif args.task == 'plot_diagnostics':
            plot_bda_diagnostics(args.log, args.out, args.title)
            print(f'saved {args.out}')
        else:
            for path in args.logs:
                times = np.array(
                    [r['time'] for r in load_scalar_log(path)['train']
                     if 'time' in r])
                if not len(times):
                    raise KeyError(f'no "time" records in {path}')
                print(f'{path}: {len(times)} logged iterations, '
                      f'mean {times.mean():.4f} s/iter, '
                      f'slowest {times.max():.4f}, fastest {times.min():.4f}')
    except (FileNotFoundError, KeyError, ValueError) as err:
        msg = err.args[0] if isinstance(err, KeyError) else err
        sys.exit(f'analyze_logs.py: error: {msg}')


if __name__ == '__main__':
    main()
