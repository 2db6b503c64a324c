"""The systems under load, each as its own processes: Hòa Nhập (`hoanhap serve`, with or without
`--workers`) on SQLite or PostgreSQL, and a bare aiogram echo bot as the ceiling of the stack."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.serving import serving_pids

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TOKEN = "123456:BENCH-token"
SECRET = "bench-webhook-secret"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 5432)) == 0


def fresh_postgres_database(name: str) -> str:
    """An empty database of that name (dropped first if a previous run left it)."""
    for statement in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", POSTGRES_ADMIN, "-qc", statement], check=True, capture_output=True)
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


def memory_mib(pid: int) -> tuple[float, float]:
    """RSS and PSS: the pages a forked child shares with its fork server count whole in the first,
    split among the sharers in the second."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0]) / 1024
    return fields.get("Rss", 0.0), fields.get("Pss", 0.0)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes (its backends included), by the owner of /proc/PID."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == POSTGRES_UID and (entry / "comm").read_text().startswith("postgres"):
                    found.append(int(entry.name))
            except (FileNotFoundError, PermissionError):
                continue
    return found


def _postgres_uid() -> int:
    import pwd

    try:
        return pwd.getpwnam("postgres").pw_uid
    except KeyError:
        return -1


POSTGRES_UID = _postgres_uid()


async def wait_healthy(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {seconds:.0f} s")


@dataclass
class HoaNhap:
    """`hoanhap serve [--workers N]` with Telegram in webhook mode against the fake Bot API."""

    database_url: str
    api_base: str
    data_dir: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/webhook"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOANHAP_DATABASE_URL": self.database_url,
            "HOANHAP_DATA_DIR": str(self.data_dir),
            "HOANHAP_PORT": str(self.port),
            "HOANHAP_TELEGRAM_TOKEN": TOKEN,
            "HOANHAP_TELEGRAM_API_BASE": self.api_base,
            "HOANHAP_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.port}",
            "HOANHAP_TELEGRAM_WEBHOOK_SECRET": SECRET,
            "HOANHAP_LOG_LEVEL": "WARNING",
            # One /metrics page for every serving process (GC pauses of all of them).
            "PROMETHEUS_MULTIPROC_DIR": str(self.metrics_dir()),
            **self.extra_env,
        }

    def metrics_dir(self) -> Path:
        path = self.data_dir / "prometheus"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def init(self, *extra: str) -> None:
        subprocess.run(
            [str(BIN / "hoanhap"), "init", "--demo", *extra], env=self.env(), check=True, capture_output=True
        )

    async def start(self) -> None:
        command = [str(BIN / "hoanhap"), "serve"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        log = (self.data_dir / "serve.log").open("ab")
        self.process = subprocess.Popen(command, env=self.env(), stdout=log, stderr=log, cwd=ROOT)
        await wait_healthy(f"http://127.0.0.1:{self.port}/readyz")

    def worker_pids(self) -> list[int]:
        """The processes that serve: the children under a supervisor, else serve itself."""
        assert self.process is not None
        return serving_pids(self.process.pid) if self.workers > 1 else [self.process.pid]

    def memory(self) -> list[tuple[float, float]]:
        return [memory_mib(pid) for pid in self.worker_pids()]

    def pids(self) -> list[int]:
        return self.worker_pids()

    def kill_worker(self) -> int:
        """kill -9 of one serving process (the supervisor restarts a child; a lone serve is restarted here)."""
        pid = self.worker_pids()[-1]
        os.kill(pid, signal.SIGKILL)
        return pid

    async def restart_if_dead(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            await self.start()

    async def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, 30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@dataclass
class EchoBot:
    """aiogram's own webhook server answering every text with itself: the ceiling of the same stack."""

    api_base: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    async def start(self) -> None:
        command = [sys.executable, "-m", "benchmarks.load.echo_bot", str(self.port), self.api_base]
        self.process = subprocess.Popen(command, cwd=ROOT)
        await wait_healthy(f"http://127.0.0.1:{self.port}/healthz")

    def memory(self) -> list[tuple[float, float]]:
        return [memory_mib(self.process.pid)] if self.process else []

    def pids(self) -> list[int]:
        return [self.process.pid] if self.process else []

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            await asyncio.to_thread(self.process.wait, 10)
