# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""A bounded load test of the sketch pad's search API on 127.0.0.1.

Starts ``tools/serve.py`` on a free local port, sends the bundled sketches
(PNG uploads) to ``POST /api/search`` from concurrent clients for a fixed
time, stops the server and prints requests/s, latency percentiles and the
error count (the exit status is 1 when any request failed).

    python benchmarks/serve_load.py                  # the demo model
    python benchmarks/serve_load.py --untrained      # demo config with
        # ImageNet EfficientNet weights, not fine-tuned (until the demo
        # checkpoint exists)
    python benchmarks/serve_load.py CONFIG CHECKPOINT --gallery DIR \
        --clients 8 --seconds 30
    # an exported model served by onnxruntime (tools/serve.py --onnx)
    python benchmarks/serve_load.py --backend onnxruntime --onnx DIR
"""
import argparse
import glob
import http.client
import importlib.util
import json
import os
import os.path as osp
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np
from query_latency import add_backend_args, check_backend_args

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SERVE = osp.join(REPO_ROOT, 'tools', 'serve.py')


def _serve_module():
    spec = importlib.util.spec_from_file_location('sketret_tools_serve',
                                                  SERVE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', help='model config')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint')
    parser.add_argument(
        '--untrained', action='store_true',
        help='serve the demo config with its ImageNet-pretrained '
        'EfficientNet weights (not fine-tuned) instead of a checkpoint')
    parser.add_argument('--gallery',
                        help='photo folder or saved index; default: the '
                        'bundled sbir-mini photos')
    add_backend_args(parser)
    parser.add_argument('--clients', type=int, default=8)
    parser.add_argument('--seconds', type=float, default=30.0)
    parser.add_argument('--topk', type=int, default=12)
    parser.add_argument('--startup-timeout', type=float, default=600.0,
                        help='seconds to wait for the server to start')
    args = parser.parse_args()
    if bool(args.config) != bool(args.checkpoint):
        parser.error('give both CONFIG and CHECKPOINT')
    if args.untrained and args.config:
        parser.error('--untrained uses the demo config; drop CONFIG '
                     'CHECKPOINT')
    check_backend_args(parser, args)
    if args.onnx and (args.config or args.untrained):
        parser.error('--onnx replaces CONFIG CHECKPOINT and --untrained')
    if args.clients < 1 or args.seconds <= 0:
        parser.error('--clients must be >= 1 and --seconds > 0')
    return args


def resolve_model(args, workdir):
    """``(tools/serve.py model arguments, description)``."""
    serve = _serve_module()
    if args.onnx:
        return ['--onnx', args.onnx], f'{args.onnx} (onnxruntime)'
    if args.config:
        return [args.config, args.checkpoint], args.checkpoint
    config = osp.join(REPO_ROOT, serve.DEMO_CONFIG)
    if args.untrained:
        import torch

        from sketret.apis import init_model
        checkpoint = osp.join(workdir, 'untrained.pth')
        model = init_model(config, device='cpu')
        torch.save({'state_dict': model.state_dict()}, checkpoint)
        return [config, checkpoint], ('ImageNet-pretrained EfficientNet-'
                                      'Lite0, NOT fine-tuned (--untrained)')
    try:
        config, checkpoint = serve.default_demo_model()
    except SystemExit as e:
        raise SystemExit(f'{e}\n(or run this benchmark with --untrained)')
    return [config, checkpoint], osp.relpath(checkpoint, REPO_ROOT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read()


def wait_ready(port, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None
        try:
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
            status, body = request(conn, 'GET', '/api/health')
            conn.close()
            if status == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(0.5)
    return None


def client_loop(port, queries, offset, deadline, out):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    i = offset
    while time.monotonic() < deadline:
        body = queries[i % len(queries)]
        i += 1
        t0 = time.perf_counter()
        try:
            status, data = request(conn, 'POST', '/api/search', body,
                                   {'Content-Type': 'image/png'})
            latency = time.perf_counter() - t0
            if status == 200:
                server_ms = json.loads(data)['elapsed_ms']
                out.append((latency, server_ms, None))
            else:
                out.append((latency, None, f'HTTP {status}: {data[:200]!r}'))
        except (OSError, http.client.HTTPException, ValueError) as e:
            out.append((time.perf_counter() - t0, None,
                        f'{type(e).__name__}: {e}'))
            conn.close()
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    conn.close()


def main():
    args = parse_args()
    from sketret.utils.assets import SBIR_MINI_ROOT
    sketches = sorted(
        glob.glob(osp.join(SBIR_MINI_ROOT, 'sketch', '*', '*.png')))
    queries = []
    for path in sketches:
        with open(path, 'rb') as f:
            queries.append(f.read())
    gallery = args.gallery or SBIR_MINI_ROOT

    with tempfile.TemporaryDirectory() as workdir:
        model_args, weights = resolve_model(args, workdir)
        port = free_port()
        log_path = osp.join(workdir, 'serve.log')
        log = open(log_path, 'w')
        proc = subprocess.Popen(
            [sys.executable, SERVE, *model_args, '--gallery', gallery,
             '--port', str(port), '--topk', str(args.topk),
             *(['--threads', str(args.threads)] if args.threads else [])],
            stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
            env=dict(os.environ, PYTHONUNBUFFERED='1'))
        try:
            print(f'starting tools/serve.py on 127.0.0.1:{port} ...',
                  flush=True)
            t0 = time.monotonic()
            health = wait_ready(port, proc, args.startup_timeout)
            if health is None:
                log.close()
                with open(log_path) as f:
                    print(f.read()[-3000:], file=sys.stderr)
                raise SystemExit('the server did not start')
            startup = time.monotonic() - t0
            # warm-up (first forward passes are slower)
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
            for body in queries[:3]:
                request(conn, 'POST', '/api/search', body,
                        {'Content-Type': 'image/png'})
            conn.close()

            results = [[] for _ in range(args.clients)]
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(
                    target=client_loop,
                    args=(port, queries, c * len(queries) // args.clients,
                          deadline, results[c]))
                for c in range(args.clients)
            ]
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.monotonic() - start
            # the server still answers after the load
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
            alive = request(conn, 'GET', '/api/health')[0] == 200
            conn.close()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()

    rows = [r for per_client in results for r in per_client]
    ok = [r for r in rows if r[2] is None]
    errors = [r[2] for r in rows if r[2] is not None]
    lat = np.array([r[0] for r in ok]) * 1000
    server_ms = np.array([r[1] for r in ok])
    print(f'model:    {health["model"]} (backend {args.backend})\n'
          f'weights:  {weights}\n'
          f'gallery:  {health["gallery"]} ({health["gallery_size"]} '
          f'photos), top-{args.topk}\n'
          f'queries:  {len(queries)} bundled sketches as PNG uploads to '
          'POST /api/search\n'
          f'load:     {args.clients} concurrent clients for '
          f'{args.seconds:g} s (server startup {startup:.1f} s, '
          f'{os.cpu_count()} CPU cores, {args.threads or "default"} '
          'threads per forward pass)')
    print(f'requests: {len(rows)} ({len(ok)} ok), errors: {len(errors)}, '
          f'{len(ok) / wall:.1f} requests/s')
    if len(ok):
        print('latency (client, ms): p50 {:.0f}  p95 {:.0f}  p99 {:.0f}  '
              'max {:.0f}'.format(*np.percentile(lat, [50, 95, 99]),
                                  lat.max()))
        print('time in the server (ms, incl. waiting for the model, one '
              'search at a time): p50 {:.0f}  p95 {:.0f}'.format(
                  *np.percentile(server_ms, [50, 95])))
    print(f'health after the load: {"ok" if alive else "NO ANSWER"}')
    for e in sorted(set(errors))[:5]:
        print(f'  error: {e}')
    if errors or not alive:
        sys.exit(1)


if __name__ == '__main__':
    main()
