"""The deploy files, read as their tools would: compose services and checks, the Dockerfile's user and
health check, the env example's names (each a real setting), the systemd units' hardening; no secrets."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

from bot.config import Settings
from tests.ops.processes import REPO

SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "KEY")


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", text)
    found = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, rest = line.strip().partition(" ")
            found.append((instruction.upper(), rest.strip()))
    return found


def _env_example(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"not NAME=value: {line!r}"
            pairs[name] = value
    return pairs


def test_compose_runs_postgres_app_and_worker_from_env_files() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "app", "worker"}
    postgres, app, worker = services["postgres"], services["app"], services["worker"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert postgres["volumes"][0].split(":")[0] in compose["volumes"]
    app_command = " ".join(app["command"])
    assert app_command.index("hoanhap init") < app_command.index("hoanhap serve")
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert worker["command"] == ["hoanhap", "worker"]
    assert worker["depends_on"]["app"]["condition"] == "service_healthy"  # migrated before it starts
    assert "healthcheck" in worker  # the image's own checks a web port the worker does not have
    assert str(worker["environment"]["HOANHAP_WORKER_METRICS_PORT"]) in " ".join(worker["healthcheck"]["test"])
    for service in (app, worker):
        assert service["env_file"] == "deploy/hoanhap.env"
        assert int(service["stop_grace_period"].rstrip("s")) > Settings.model_fields["shutdown_grace_seconds"].default
    assert app["ports"] == ["127.0.0.1:8080:8080"]  # only the local reverse proxy reaches it
    for service in services.values():
        for name in service.get("environment", {}):
            assert not any(word in name for word in SECRET_WORDS), f"a secret in docker-compose.yml: {name}"


def test_the_dockerfile_runs_as_a_user_with_a_health_check_and_no_secret() -> None:
    instructions = _dockerfile()
    froms = [args for op, args in instructions if op == "FROM"]
    assert all(image.startswith("python:3.11-slim") for image in froms)
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    (health,) = [args for op, args in instructions if op == "HEALTHCHECK"]
    path = re.search(r"/(readyz|healthz)", health)
    assert path, health
    assert f'@web.get("/{path.group(1)}")' in (REPO / "bot/web/app.py").read_text()  # the app answers there
    assert [args for op, args in instructions if op == "CMD"][-1] == '["hoanhap", "serve"]'
    for op, args in instructions:
        if op in ("ENV", "ARG"):
            assert not any(word in args.upper() for word in SECRET_WORDS), f"{op} {args}"
    ignored = (REPO / ".dockerignore").read_text().split()
    for kept_out in (".env", "var", ".venv", ".git", "*.env"):
        assert kept_out in ignored


def test_the_env_examples_name_real_settings_and_carry_no_secret() -> None:
    example = _env_example(REPO / "deploy/hoanhap.env.example")
    fields = {f"HOANHAP_{name.upper()}" for name in Settings.model_fields}
    assert set(example) <= fields, f"not settings: {set(example) - fields}"
    for name, value in example.items():
        if any(word in name for word in SECRET_WORDS):
            assert value == "", f"{name} is filled in the example"
    assert "CHANGE_ME" in example["HOANHAP_DATABASE_URL"]
    # the example's values are valid settings (a typo in a number or a network fails here)
    values = {k.removeprefix("HOANHAP_").lower(): v for k, v in example.items() if v}
    Settings(_env_file=None, **values)  # type: ignore[call-arg]
    postgres = _env_example(REPO / "deploy/postgres.env.example")
    assert postgres["POSTGRES_PASSWORD"] == ""


def test_the_systemd_units_run_hoanhap_hardened() -> None:
    for unit, command in (("hoanhap-web", "hoanhap serve"), ("hoanhap-worker", "hoanhap worker")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(REPO / f"deploy/systemd/{unit}.service")
        service = parser["Service"]
        assert command in service["ExecStart"]
        assert service["User"] == "hoanhap"
        assert service["EnvironmentFile"] == "/etc/hoanhap/hoanhap.env"
        assert service["KillSignal"] == "SIGTERM"
        assert int(service["TimeoutStopSec"]) > 20
        for option, value in (
            ("NoNewPrivileges", "yes"),
            ("ProtectSystem", "strict"),
            ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"),
            ("CapabilityBoundingSet", ""),
        ):
            assert service[option] == value, (unit, option)
        assert parser["Install"]["WantedBy"] == "multi-user.target"
        assert not any(word in service.get("Environment", "") for word in SECRET_WORDS)
    web = (REPO / "deploy/systemd/hoanhap-web.service").read_text()
    assert "ExecStartPre=/opt/hoanhap/bin/hoanhap init" in web


def test_nginx_keeps_metrics_inside_and_passes_the_client_and_the_request_id() -> None:
    conf = (REPO / "deploy/nginx/hoanhap.conf").read_text()
    assert re.search(r"location = /metrics\s*{\s*return 404;", conf)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf
    assert "ssl_certificate " in conf
