# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Evaluate a checkpoint: encode queries and gallery once, report metrics.

Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --out results.json \
        --dump-features feats.npz
"""
import argparse
import json
import logging
import os
import os.path as osp
import sys

from sketret.utils.config_utils import add_runner_args, apply_runner_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Evaluate a sketret checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save logs (default: work_dirs/...)')
    parser.add_argument(
        '--out',
        help='write the metrics to this JSON file (keys as in '
        'tools/analysis_tools/eval_features.py: "mAP@all", "P@100", ...)')
    parser.add_argument(
        '--dump-features',
        help='save query/gallery features, labels and paths to this .npz '
        '(re-score later with tools/analysis_tools/eval_features.py)')
    parser.add_argument(
        '--data-root',
        help='evaluate on this sketch/<class>/, photo/<class>/ folder '
        'instead of the config\'s test set; all of its classes are taken as '
        'unseen test classes')
    parser.add_argument(
        '--show-dir',
        help='save retrieval grids for a sample of queries and a per-class '
        'chart into this directory')
    parser.add_argument(
        '--show-num', type=int, default=8,
        help='how many queries --show-dir draws (default 8)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='allow --out/--dump-features to replace existing files')
    add_runner_args(parser)
    args = parser.parse_args(argv)
    apply_runner_args(args, parser)
    return args


def _evaluator_list(cfg):
    evaluators = cfg.test_evaluator
    return [evaluators] if isinstance(evaluators, dict) else evaluators


def use_folder_as_test_set(cfg, data_root):
    """Point the test dataloader at a sketch/photo folder, every class of
    it unseen; the config's test pipeline, ``on_corrupt`` and metric
    stay."""
    sketch_dir = osp.join(data_root, 'sketch')
    if not osp.isdir(sketch_dir):
        raise FileNotFoundError(
            f'--data-root "{data_root}" has no sketch/ folder; expected '
            'DIR/sketch/<class>/*.png and DIR/photo/<class>/*.jpg')
    classes = sorted(d for d in os.listdir(sketch_dir)
                     if osp.isdir(osp.join(sketch_dir, d))
                     and not d.startswith('.'))
    dataset = cfg.test_dataloader.dataset
    # the config's pipeline and unreadable-file policy stay
    kept = {k: dataset[k] for k in ('on_corrupt', 'verify_files')
            if k in dataset}
    cfg.test_dataloader.dataset = dict(
        type='SketchPhotoFolder',
        data_root=data_root,
        split=dict(seen=[], unseen=classes),
        subset='test',
        modality='both',
        pipeline=dataset.pipeline,
        **kept)


def build_test_cfg(args):
    """Turn the command line into the Runner config (no side effects)."""
    from sketret.utils.config_utils import (
        load_config,
        resolve_work_dir,
        setup_launcher_backend,
    )
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'Checkpoint "{args.checkpoint}" does not exist.')
    for path in (args.out, args.dump_features):
        if path and osp.exists(path) and not args.force:
            raise FileExistsError(
                f'"{path}" already exists; pass --force to replace it.')
    cfg = load_config(args.config, args.cfg_options,
                      console_log_level=args.log_level)
    setup_launcher_backend(cfg, args.launcher)
    cfg.work_dir = resolve_work_dir(cfg, args.work_dir, args.config)
    if args.data_root:
        use_folder_as_test_set(cfg, args.data_root)
    if args.show_dir and not args.dump_features:
        # The pictures are drawn from the dumped features and paths.
        args.dump_features = osp.join(args.show_dir, 'features.npz')
        if osp.exists(args.dump_features) and not args.force:
            raise FileExistsError(
                f'"{args.dump_features}" already exists; pass --force to '
                'replace it, or choose another --show-dir.')
    # The checkpoint is loaded strictly by main(), not by the Runner.
    cfg.load_from = None
    cfg.resume = False
    if args.dump_features:
        for evaluator in _evaluator_list(cfg):
            if evaluator.get('type') == 'SBIRRetrievalMetric':
                evaluator['dump_features'] = args.dump_features
                if args.force and osp.exists(args.dump_features):
                    os.remove(args.dump_features)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = build_test_cfg(args)
    except (FileNotFoundError, FileExistsError, KeyError, NotADirectoryError,
            ValueError, RuntimeError) as err:
        msg = err.args[0] if isinstance(err, KeyError) else err
        sys.exit(f'tools/test.py: error: {msg}')

    from mmengine.dist import is_main_process

    from sketret.apis.runner_utils import (
        build_runner,
        finish_distributed,
        load_checkpoint_strict,
        metrics_to_json,
        run_or_exit,
    )
    runner = build_runner(cfg)
    try:
        load_checkpoint_strict(runner, args.checkpoint, args.config)
    except (RuntimeError, ValueError) as err:
        sys.exit(f'tools/test.py: error: {err}')
    metrics = run_or_exit(runner.test, 'tools/test.py')
    # on_corrupt='skip': the files left out are reported with the metrics
    skipped = getattr(runner.test_dataloader.dataset, 'skipped_files', [])
    if skipped and is_main_process():
        from mmengine.logging import print_log
        print_log(
            f'{len(skipped)} unreadable files were left out of the test set '
            "(on_corrupt='skip'); the metrics above are without them:\n" +
            '\n'.join(f'  {reason}' for _, reason in skipped),
            logger='current', level=logging.WARNING)

    if args.show_dir and is_main_process():
        from sketret.visualization import save_retrieval_report
        evaluator = _evaluator_list(cfg)[0]
        files = save_retrieval_report(
            args.dump_features, args.show_dir, num_queries=args.show_num,
            preset=evaluator.get('preset', 'textbook'))
        print(f'{len(files)} pictures saved to {args.show_dir}')

    if args.out and is_main_process():
        result = metrics_to_json(metrics)
        if skipped:
            result['skipped_files'] = [path for path, _ in skipped]
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=2)
        print(f'Metrics written to {args.out}')
    finish_distributed()


if __name__ == '__main__':
    main()
