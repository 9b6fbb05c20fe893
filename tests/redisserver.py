"""A throwaway Redis server for the test session, on 127.0.0.1 and a free port, with nothing on disk."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import redis

from tests.pgcluster import _free_port


def find_redis_server() -> str | None:
    for candidate in (os.environ.get("REDIS_SERVER"), "/usr/bin/redis-server", shutil.which("redis-server")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


class RedisServer:
    def __init__(self, executable: str):
        self.executable = executable
        self.port = _free_port()
        self.root = tempfile.mkdtemp(prefix="dealer-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.root, "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
