# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Helpers of the sketch-pad tests (paths, a live uvicorn server)."""
import glob
import os.path as osp
import select
import socket
import threading
import time

from sketret.datasets.assets import SBIR_MINI_ROOT

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO_ROOT, 'configs', 'bda-sketret',
                  'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
#: A 64 px input keeps every forward pass fast on a CPU.
SMALL_INPUT = {'test_dataloader.dataset.pipeline.1.scale': (64, 64)}
PHOTOS_PER_CLASS = 2


def bundled_sketch(cls: str = 'guitar') -> str:
    return sorted(glob.glob(osp.join(SBIR_MINI_ROOT, 'sketch', cls,
                                     '*.png')))[0]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', 0))
    return sock


class LiveServer:
    """uvicorn serving an app in a thread on a free 127.0.0.1 port."""

    def __init__(self, app):
        import uvicorn
        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.url = f'http://127.0.0.1:{self.port}'
        config = uvicorn.Config(app, log_level='warning', ws='none',
                                lifespan='off')
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs=dict(sockets=[self.sock]),
            daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError('uvicorn did not start')
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def http_raw(port: int, request: bytes, body_parts=(),
             timeout: float = 30) -> bytes:
    """Send raw bytes to 127.0.0.1:port and return the whole answer (the
    request must ask for ``Connection: close``).

    ``body_parts`` are sent one by one after ``request``, stopping early
    when the server has already answered (as it does to a body over its
    limit, before closing the connection).
    """
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(request)
        for part in body_parts:
            readable, _, _ = select.select([s], [], [], 0.1)
            if readable:
                break
            s.sendall(part)
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
    return b''.join(chunks)
