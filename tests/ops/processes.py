"""Real `hoanhap` processes for the operations tests: environment, start, wait, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOANHAP_", "PROMETHEUS_"))}
    env.update(HOANHAP_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.update({k if k.startswith("PROMETHEUS_") else f"HOANHAP_{k.upper()}": v for k, v in settings.items()})
    return env


def hoanhap(env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", *args],
        input=stdin,
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"hoanhap {' '.join(args)} exited {result.returncode}: {result.stderr}"
    return result.stdout


def start(env: dict[str, str], command: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", command], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before answering:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (a URL of ours on 127.0.0.1)
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered:\n{log.read_text()}")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def terminate(process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> int:
    """SIGTERM, and the exit code (a process still there after `timeout` is killed: a failure)."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"did not stop on SIGTERM:\n{log.read_text()}") from None
