"""``mimamoru`` as a real subprocess: one-shot commands and a running server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx


def mimamoru(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mimamoru", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def start_serve(
    data_dir: Path,
    port: int,
    *extra: str,
    env: dict[str, str] | None = None,
    log: IO[str] | None = None,
) -> subprocess.Popen[str]:
    """``mimamoru serve``; its log goes to ``log`` if given (a pipe can fill and block it)."""
    command = [sys.executable, "-m", "mimamoru", "serve", "--data-dir", str(data_dir)]
    return subprocess.Popen(
        [*command, "--port", str(port), *extra],
        stdout=subprocess.PIPE if log is None else log,
        stderr=subprocess.PIPE if log is None else subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def wait_healthy(url: str, verify: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", verify=verify, timeout=2).status_code == 200:  # type: ignore[arg-type]
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
