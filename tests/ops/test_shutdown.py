"""`hoanhap serve` stopped with SIGTERM while a request is under way: the request completes (within
HOANHAP_SHUTDOWN_GRACE_SECONDS), the process exits cleanly, and its logs are JSON lines throughout."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from tests.ops.processes import REPO, environment, hoanhap, wait_until_answering
from tests.serving import free_port


def _serve(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", "serve"], env=env, cwd=REPO, stdout=stdout, stderr=stderr
        )
    return process, out, err


def _browser_state(base: str) -> tuple[str, str]:
    """The cookies and the CSRF token a person's browser has after opening the chat page."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/", timeout=30).read().decode()
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page)
    assert token, page[:500]
    return "; ".join(f"{c.name}={c.value}" for c in jar), token.group(1)


def _slow_post(port: int, cookies: str, body: bytes) -> socket.socket:
    """A request whose headers and first half of the body are sent; the rest is still to come."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        "POST /chat/send HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Cookie: {cookies}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    connection.sendall(head.encode() + body[: len(body) // 2])
    return connection


def _refuses_connections(port: int, timeout: float = 20) -> None:
    """Wait until the server no longer accepts connections: it is shutting down."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return
        time.sleep(0.05)
    raise AssertionError("the server still accepts connections after SIGTERM")


def _read_response(connection: socket.socket) -> bytes:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    connection.close()
    return received


def _ready(env: dict[str, str], tmp_path: Path, port: int) -> tuple[subprocess.Popen[bytes], Path, Path]:
    hoanhap(env, "init")
    process, out, err = _serve(env, tmp_path)
    wait_until_answering(f"http://127.0.0.1:{port}/healthz", process, err)
    return process, out, err


def test_a_request_under_way_completes_after_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path / "var", port=str(port), log_format="json")
    process, out, err = _ready(env, tmp_path, port)
    try:
        cookies, token = _browser_state(f"http://127.0.0.1:{port}")
        body = urllib.parse.urlencode({"csrf_token": token, "text": "xin phieu ly lich tu phap o dau"}).encode()
        slow = _slow_post(port, cookies, body)
        # Answered after the slow request's first bytes had reached the server: the server has read them.
        wait_until_answering(f"http://127.0.0.1:{port}/healthz", process, err)
        process.send_signal(signal.SIGTERM)
        _refuses_connections(port)
        assert process.poll() is None  # still there: waiting for the request under way
        slow.sendall(body[len(body) // 2 :])
        response = _read_response(slow)  # to the end: the server closes the connection once answered
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    status_line, _, rest = response.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK", response[:300]
    reply = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert any("Phiếu lý lịch tư pháp" in m["text"] for m in reply["messages"] if m["from"] == "bot")
    assert code == 0, err.read_text()
    logged = err.read_text().splitlines()
    assert logged, "serve logged nothing"
    entries = [json.loads(line) for line in logged]  # every line JSON, uvicorn's too
    assert any(e["message"].startswith("serving on") for e in entries)
    assert "Hòa Nhập on" in out.read_text()  # the banner is for people, on stdout


def test_a_request_that_never_finishes_is_cut_at_the_grace(tmp_path: Path) -> None:
    """Without a bound uvicorn would wait for ever for a client that stopped sending."""
    port = free_port()
    env = environment(tmp_path / "var", port=str(port), shutdown_grace_seconds="1")
    process, _, err = _ready(env, tmp_path, port)
    try:
        cookies, _ = _browser_state(f"http://127.0.0.1:{port}")
        stuck = _slow_post(port, cookies, b"text=" + b"x" * 2000)
        wait_until_answering(f"http://127.0.0.1:{port}/healthz", process, err)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        cut = _read_response(stuck)
        # cut off: uvicorn answers 500 (or just closes) rather than pretending the request was served
        assert cut == b"" or cut.startswith(b"HTTP/1.1 500"), cut[:200]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0, err.read_text()
    assert "timeout graceful shutdown exceeded" in err.read_text()
