"""Metrics across processes: several processes adding up in multiprocess mode, and the worker's port."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from tests.ops.processes import environment, get, hoanhap, start, terminate, wait_until_answering
from tests.ops.scrape import samples, value
from tests.serving import free_port

CHAT = "xin chao\nxin phieu ly lich tu phap o dau\ngia xang hom nay\n/quit\n"


def _counted_in(directory: Path) -> float:
    """What the files of a multiprocess directory say, read as /metrics would add them up."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return sum(
        sample.value
        for family in registry.collect()
        for sample in family.samples
        if sample.name == "hoanhap_updates_received_total" and sample.labels == {"channel": "console"}
    )


def test_several_processes_add_up_on_one_page(tmp_path: Path) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    port = free_port()
    env = environment(tmp_path / "var", port=str(port), PROMETHEUS_MULTIPROC_DIR=str(shared))
    hoanhap(env, "chat", stdin=CHAT)
    one_chat = _counted_in(shared)
    assert one_chat == 4  # the greeting at start and three lines (/quit ends the chat before the pipeline)
    hoanhap(env, "chat", "--chat-id", "second", stdin=CHAT)
    assert len(list(shared.glob("counter_*.db"))) == 2  # one file per process

    log = tmp_path / "serve.log"
    server = start(env, "serve", log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{base}/healthz", server, log)
        status, page = get(f"{base}/metrics")
        assert status == 200, page
        found = samples(page)
        # the two chat processes, which have exited, and the server itself, on the one page
        assert value(found, "hoanhap_updates_received_total", channel="console") == 2 * one_chat
        assert value(found, "hoanhap_matcher_decisions_total", decision="answer") == 2
        assert value(found, "hoanhap_matcher_decisions_total", decision="fallback") == 2
        assert value(found, "hoanhap_database_up") == 1
        assert any(name == "hoanhap_gc_pause_seconds_count" for name, _ in found)
    finally:
        assert terminate(server, log) == 0


def test_the_worker_serves_metrics_on_its_port_and_still_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path / "var", worker_metrics_port=str(port), metrics_token="worker-scrape-token-123456")
    hoanhap(env, "init")
    log = tmp_path / "worker.log"
    worker = start(env, "worker", log)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        wait_until_answering(url, worker, log)
        status, page = get(url)
        assert status == 200
        found = samples(page)
        assert value(found, "hoanhap_database_up") == 1
        assert ("hoanhap_outbox_depth", frozenset()) not in found  # labelled by channel only
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 404  # only /metrics there
        assert get(url, {"Authorization": "Bearer worker-scrape-token-123456"})[0] == 200
    finally:
        code = terminate(worker, log)
    assert code == 0, log.read_text()
    assert "worker-scrape-token-123456" not in log.read_text()
