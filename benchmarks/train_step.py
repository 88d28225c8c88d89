# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Images/s and peak memory of one BDA-SketRet training step against the
bare two-stream backbone (forward + backward + optimizer step) at the same
batch and input size; fp32, then mixed precision (``--amp`` of
tools/train.py: bf16 autocast on the CPU, fp16 with loss scaling on CUDA).

    python benchmarks/train_step.py [--device cpu|cuda] [--config X]
        [--batch N] [--size S] [--steps 5]

``--batch`` and ``--size`` default to the config's training batch and resize
scale (e.g. 64 and 224 for the VGG-16 paper configs; the default config is the
sbir-mini CPU demo, 32 and 160). The model is built from the config without
``init_weights()`` (no ImageNet download: the weights do not change the time).
Each variant runs in a fresh subprocess, so the peak memory it reports is its
own (resident memory on the CPU, allocated GPU memory on CUDA). On the CPU it
also prints the process CPU time per step, a steadier measure than wall time on
a machine shared with other jobs. The ratio BDA-SketRet / bare backbone (of the
time per step) is the overhead of the discriminator, encoders, GCN projector
and losses.
"""
import argparse
import json
import resource
import subprocess
import sys
import time

CONFIG = ('configs/bda-sketret/'
          'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')


def _batch(batch, size, pin):
    """Batches laid out as the class-balanced sampler's: per class 4
    sketches then 4 photos; uint8 images on the host (pinned for CUDA, as
    the data loader gives them with ``pin_memory``)."""
    import torch

    from sketret.structures import SBIRDataSample
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(batch)]
    if pin:
        inputs = [x.pin_memory() for x in inputs]
    samples = [SBIRDataSample(metainfo=dict(
        modality='sketch' if (i // 4) % 2 == 0 else 'photo',
        gt_label=i // 8)) for i in range(batch)]
    return dict(inputs=inputs, data_samples=samples)


def config_batch_and_size(cfg):
    """The training batch size and the (square) resize of a config."""
    loader = cfg.train_dataloader
    size = None
    for step in loader.dataset.get('pipeline', []):
        if step.get('type', '').endswith('Resize') and 'scale' in step:
            scale = step['scale']
            size = scale if isinstance(scale, int) else max(scale)
    return loader.batch_size, size


def _optim_wrapper(model, amp, cuda):
    import torch
    from mmengine.optim import AmpOptimWrapper, OptimWrapper

    from sketret.engine import CPUAutocastOptimWrapper
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    if not amp:
        return OptimWrapper(optimizer=optimizer)
    if cuda:
        return AmpOptimWrapper(optimizer=optimizer, loss_scale='dynamic')
    return CPUAutocastOptimWrapper(optimizer=optimizer)


def run_variant(args):
    """Measure in this process; print one JSON line."""
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from sketret.registry import MODELS
    init_default_scope('sketret')
    cuda = args.device == 'cuda'
    cfg = Config.fromfile(args.config)
    torch.backends.cudnn.benchmark = bool(
        cfg.get('env_cfg', {}).get('cudnn_benchmark', False))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(args.device)
    num_classes = max(args.batch // 8, 1)
    model.set_train_classes([f'c{i}' for i in range(num_classes)],
                            np.random.RandomState(0).randn(
                                num_classes, 300).astype('float32'))
    if hasattr(model, 'set_progress'):  # past the warm-ups, as mid-training
        model.set_progress(5000, 10000)
    model.train()
    wrapper = _optim_wrapper(model, args.amp, cuda)
    data = _batch(args.batch, args.size, pin=cuda)

    def step():
        if args.variant == 'bda':
            model.train_step(data, wrapper)
            return
        # bare two-stream backbone: forward both modalities, backward
        processed = model.data_preprocessor(data, True)
        x = processed['inputs']
        with wrapper.optim_context(model):
            loss = 0
            for half, modality in enumerate(('sketch', 'photo')):
                # the batch alternates 4 sketches, 4 photos
                idx = torch.arange(x.shape[0], device=x.device)
                idx = idx[(idx // 4) % 2 == half]
                loss = loss + model.backbone(x[idx],
                                             modality)[-1].float().mean()
        wrapper.update_params(loss)

    def sync():
        if cuda:
            torch.cuda.synchronize()

    for _ in range(2):  # warm-up (cudnn autotuning, allocator)
        step()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times, cpu_times = [], []
    for _ in range(args.steps):
        sync()
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        sync()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    if cuda:
        peak_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(seconds=sorted(times)[len(times) // 2],
                          cpu_seconds=sorted(cpu_times)[len(times) // 2],
                          peak_mb=peak_mb)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument(
        '--config', default=CONFIG,
        help='the model (and default batch/size) to time; default: the '
        'sbir-mini demo')
    parser.add_argument('--batch', type=int,
                        help='images per step (default: the config\'s)')
    parser.add_argument('--size', type=int,
                        help='input side in px (default: the config\'s)')
    parser.add_argument('--steps', type=int, default=5,
                        help='timed steps; the median is reported')
    parser.add_argument('--variant', help=argparse.SUPPRESS)
    parser.add_argument('--amp', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.batch is None or args.size is None:
        from mmengine.config import Config
        batch, size = config_batch_and_size(Config.fromfile(args.config))
        args.batch = args.batch or batch
        args.size = args.size or size
    if args.size is None:
        parser.error(f'{args.config} has no Resize in its training pipeline; '
                     'give --size')
    if args.batch % 8:
        parser.error(f'--batch must be a multiple of 8 (classes of 4 '
                     f'sketches + 4 photos), got {args.batch}')
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.variant:
        run_variant(args)
        return
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            sys.exit('benchmarks/train_step.py: --device cuda but no CUDA '
                     'device is available')
        device = torch.cuda.get_device_name(0)
    else:
        device = 'CPU'
    print(f'{args.config}: batch {args.batch} ({args.batch // 2} sketches + '
          f'{args.batch // 2} photos), {args.size} px, median of '
          f'{args.steps} steps, {device}')
    amp_name = 'fp16 AMP     ' if args.device == 'cuda' else 'bf16 autocast'
    results = {}
    for amp in (False, True):
        for variant in ('backbone', 'bda'):
            cmd = [sys.executable, __file__, '--variant', variant,
                   '--device', args.device, '--config', args.config,
                   '--batch', str(args.batch), '--size', str(args.size),
                   '--steps', str(args.steps)] + (['--amp'] if amp else [])
            out = subprocess.run(cmd, capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]
            results[variant, amp] = json.loads(out)
        bare, bda = results['backbone', amp], results['bda', amp]
        tag = amp_name if amp else 'fp32         '
        print(f'{tag}  bare backbone {args.batch / bare["seconds"]:.1f} '
              f'img/s ({bare["seconds"]:.3f} s/step, '
              f'{bare["peak_mb"]:.0f} MB) | BDA-SketRet '
              f'{args.batch / bda["seconds"]:.1f} img/s '
              f'({bda["seconds"]:.3f} s/step, {bda["peak_mb"]:.0f} MB) | '
              f'time ratio x{bda["seconds"] / bare["seconds"]:.2f}, memory '
              f'ratio x{bda["peak_mb"] / bare["peak_mb"]:.2f}')
        if args.device == 'cpu':
            # CPU time of the process (all threads): less disturbed than
            # wall time when other jobs share the cores
            print(f'               CPU time per step: bare backbone '
                  f'{bare["cpu_seconds"]:.3f} s | BDA-SketRet '
                  f'{bda["cpu_seconds"]:.3f} s | CPU time ratio '
                  f'x{bda["cpu_seconds"] / bare["cpu_seconds"]:.2f}')


if __name__ == '__main__':
    main()
