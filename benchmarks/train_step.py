# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Time and peak memory of one BDA-SketRet training step against the bare
two-stream backbone (forward + backward) at the same batch and input size,
on the CPU; then the same under bf16 autocast (``--amp`` of tools/train.py).

    python benchmarks/train_step.py [--batch 32] [--size 160] [--steps 5]

Each variant runs in a fresh subprocess, so the peak resident memory it
reports is its own. The ratio BDA-SketRet / bare backbone is the overhead of
the discriminator, encoders, GCN projector and losses.
"""
import argparse
import json
import resource
import subprocess
import sys
import time

CONFIG = ('configs/bda-sketret/'
          'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')


def _batch(batch, size):
    import torch

    from sketret.structures import SBIRDataSample
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(batch)]
    samples = [SBIRDataSample(metainfo=dict(
        modality='sketch' if (i // 4) % 2 == 0 else 'photo',
        gt_label=i // 8)) for i in range(batch)]
    return dict(inputs=inputs, data_samples=samples)


def run_variant(variant, batch, size, steps, amp):
    """Measure in this process; print one JSON line."""
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.optim import OptimWrapper
    from mmengine.registry import init_default_scope

    from sketret.engine import CPUAutocastOptimWrapper
    from sketret.registry import MODELS
    init_default_scope('sketret')
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model)
    num_classes = batch // 8
    model.set_train_classes([f'c{i}' for i in range(num_classes)],
                            np.random.RandomState(0).randn(
                                num_classes, 300).astype('float32'))
    model.train()
    wrapper_cls = CPUAutocastOptimWrapper if amp else OptimWrapper
    wrapper = wrapper_cls(
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-4))
    data = _batch(batch, size)

    def step():
        if variant == 'bda':
            model.train_step(data, wrapper)
            return
        # bare two-stream backbone: forward both modalities, backward
        processed = model.data_preprocessor(data, True)
        x = processed['inputs']
        mods = [s.modality for s in processed['data_samples']]
        with wrapper.optim_context(model):
            loss = 0
            for m in ('sketch', 'photo'):
                idx = torch.tensor([i for i, mm in enumerate(mods)
                                    if mm == m])
                loss = loss + model.backbone(x[idx], m)[-1].float().mean()
        wrapper.update_params(loss)

    step()  # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(seconds=sorted(times)[len(times) // 2],
                          peak_mb=peak_mb)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--size', type=int, default=160)
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--variant', help=argparse.SUPPRESS)
    parser.add_argument('--amp', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        run_variant(args.variant, args.batch, args.size, args.steps,
                    args.amp)
        return

    print(f'batch {args.batch} ({args.batch // 2} sketches + '
          f'{args.batch // 2} photos), {args.size} px, median of '
          f'{args.steps} steps, CPU')
    results = {}
    for amp in (False, True):
        for variant in ('backbone', 'bda'):
            cmd = [sys.executable, __file__, '--variant', variant,
                   '--batch', str(args.batch), '--size', str(args.size),
                   '--steps', str(args.steps)] + (['--amp'] if amp else [])
            out = subprocess.run(cmd, capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]
            results[variant, amp] = json.loads(out)
        bare, bda = results['backbone', amp], results['bda', amp]
        tag = 'bf16 autocast' if amp else 'fp32         '
        print(f'{tag}  bare backbone {bare["seconds"]:.3f} s/step '
              f'{bare["peak_mb"]:.0f} MB | BDA-SketRet {bda["seconds"]:.3f} '
              f's/step {bda["peak_mb"]:.0f} MB | time ratio '
              f'x{bda["seconds"] / bare["seconds"]:.2f}, memory ratio '
              f'x{bda["peak_mb"] / bare["peak_mb"]:.2f}')


if __name__ == '__main__':
    main()
