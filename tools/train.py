# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Train a sketret model.

Examples::

    python tools/train.py configs/bda_sketchy.py
    python tools/train.py CONFIG --work-dir work_dirs/x --resume
    torchrun --nproc_per_node=2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import os.path as osp
import sys

from sketret.utils.config_utils import add_runner_args, apply_runner_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a sketret model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or with no value (or '
        '"auto") from the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: fp16 with loss scaling on CUDA, bf16 '
        'autocast on CPU')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by (GPUs x batch size per GPU) / '
        'auto_scale_lr.base_batch_size of the config (the batch its lr was '
        'set for, e.g. 64 for a "1xb64" config): linear scaling rule')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic algorithms (slower; for exact reproduction)')
    parser.add_argument(
        '--tensorboard',
        action='store_true',
        help='also write the logged scalars as TensorBoard event files '
        '(WORK_DIR/<time>/vis_data/); needs the tensorboard package '
        '(requirements/optional.txt)')
    add_runner_args(parser)
    args = parser.parse_args(argv)
    apply_runner_args(args, parser)
    return args


def build_train_cfg(args):
    """Turn the command line into the Runner config (no side effects)."""
    from mmengine.config import ConfigDict

    from sketret.utils.config_utils import (
        fresh_run_dir,
        has_checkpoints,
        load_config,
        resolve_work_dir,
        setup_launcher_backend,
    )

    cfg = load_config(args.config, args.cfg_options,
                      console_log_level=args.log_level)
    setup_launcher_backend(cfg, args.launcher)
    work_dir = resolve_work_dir(cfg, args.work_dir, args.config)

    if args.resume in (None, 'auto'):
        cfg.resume = args.resume == 'auto'
        cfg.load_from = cfg.get('load_from') if not cfg.resume else None
    else:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint "{args.resume}" does not exist.')
        cfg.resume = True
        cfg.load_from = args.resume
    if not cfg.resume and has_checkpoints(work_dir):
        new_dir = fresh_run_dir(work_dir)
        print(f'Work dir "{work_dir}" already holds checkpoints of another '
              f'run; they are kept and this run writes to "{new_dir}". '
              'Pass --resume to continue the earlier run instead.')
        work_dir = new_dir
    cfg.work_dir = work_dir

    if args.amp:
        import torch
        use_cuda = args.device != 'cpu' and torch.cuda.is_available()
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper',
                           'CPUAutocastOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, '
                             f'got "{wrapper}".')
        if use_cuda:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
    optim_wrapper = cfg.get('optim_wrapper') or {}
    if optim_wrapper.get('type') == 'CPUAutocastOptimWrapper':
        # refused here, before the model is built, not at the first step
        from sketret.engine.optimizers.cpu_autocast import (
            check_cpu_autocast_dtype,
        )
        check_cpu_autocast_dtype(optim_wrapper.get('dtype', 'bfloat16'))

    if args.auto_scale_lr:
        if 'base_batch_size' not in (cfg.get('auto_scale_lr') or {}):
            raise ValueError(
                '--auto-scale-lr needs auto_scale_lr = dict(base_batch_size='
                'N) in the config: N = the total batch size its learning '
                'rate was set for.')
        cfg.auto_scale_lr.enable = True

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
        if 'checkpoint' in cfg.get('default_hooks', {}):
            cfg.default_hooks.checkpoint.pop('save_best', None)

    if args.tensorboard:
        enable_tensorboard(cfg)

    if args.seed is not None or args.deterministic:
        cfg.randomness = ConfigDict(cfg.get('randomness', {}))
        if args.seed is not None:
            cfg.randomness.seed = args.seed
        cfg.randomness.deterministic = args.deterministic
    return cfg


def enable_tensorboard(cfg):
    """Add mmengine's TensorBoard backend to the config's visualizer."""
    from mmengine.config import ConfigDict
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        raise ValueError(
            '--tensorboard needs the tensorboard package: pip install -r '
            'requirements/optional.txt') from None
    visualizer = cfg.setdefault(
        'visualizer', ConfigDict(type='Visualizer', vis_backends=[]))
    backends = list(visualizer.get('vis_backends') or [])
    if not any(b.get('type') == 'TensorboardVisBackend' for b in backends):
        backends.append(ConfigDict(type='TensorboardVisBackend'))
    visualizer.vis_backends = backends


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = build_train_cfg(args)
    except (FileNotFoundError, KeyError, NotADirectoryError, ValueError,
            RuntimeError) as err:
        msg = err.args[0] if isinstance(err, KeyError) else err
        sys.exit(f'tools/train.py: error: {msg}')

    from sketret.apis.runner_utils import (
        build_runner,
        finish_distributed,
        run_or_exit,
    )
    runner = build_runner(cfg)
    run_or_exit(runner.train, 'tools/train.py')
    finish_distributed()


if __name__ == '__main__':
    main()
