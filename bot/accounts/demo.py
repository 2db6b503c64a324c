"""Demo staff and admin accounts for `hoanhap init --demo`: passwords drawn at first run, never in code.

The passwords are kept in a file beside the database (readable by its owner only) so that `hoanhap
serve` can print them at every start; a real deployment creates its users with `hoanhap users add`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.accounts.service import ADMIN, STAFF, create_user
from bot.storage.unit_of_work import UnitOfWork

CREDENTIALS_FILE = "demo-credentials.txt"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    agency_code: str | None
    display_name: str
    is_lead: bool = False


# The agencies are those of the fictional demo province (bot/data/demo.yaml).
DEMO_ACCOUNTS = (
    DemoAccount("admin", ADMIN, None, "Quản trị viên (mẫu)"),
    DemoAccount("vieclam", STAFF, "demo-vieclam", "Cán bộ việc làm (mẫu)", is_lead=True),
    DemoAccount("vieclam2", STAFF, "demo-vieclam", "Cán bộ việc làm 2 (mẫu)"),
    DemoAccount("congan", STAFF, "demo-congan", "Cán bộ công an xã (mẫu)", is_lead=True),
    DemoAccount("trogiup", STAFF, "demo-tgpl", "Cán bộ trợ giúp pháp lý (mẫu)", is_lead=True),
)


# No 0/O or 1/l/I: the demo passwords are read off a terminal and typed on a phone.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def readable_password(groups: int = 4, size: int = 4) -> str:
    """About 93 bits in groups of four, e.g. `k7Qm-xT4p-…`: strong, and easy to type from a screen."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(size)) for _ in range(groups))


def credentials_path(data_dir: Path) -> Path:
    return data_dir / CREDENTIALS_FILE


async def ensure_demo_accounts(uow: UnitOfWork, now: datetime) -> list[tuple[str, str]]:
    """Create the demo accounts that are missing; (username, password) of those created now."""
    created: list[tuple[str, str]] = []
    for account in DEMO_ACCOUNTS:
        if await uow.users.by_username(account.username) is not None:
            continue
        if account.agency_code and await uow.agencies.get(account.agency_code) is None:
            continue
        password = readable_password()
        await create_user(
            uow,
            account.username,
            password,
            account.role,
            now,
            actor="system:demo",
            agency_code=account.agency_code,
            display_name=account.display_name,
            is_lead=account.is_lead,
        )
        created.append((account.username, password))
    return created


def remember(data_dir: Path, created: list[tuple[str, str]]) -> None:
    """Append the new accounts to the credentials file, readable by its owner only."""
    if not created:
        return
    path = credentials_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        for username, password in created:
            handle.write(f"{username}\t{password}\n")


def remembered(data_dir: Path) -> list[tuple[str, str]]:
    path = credentials_path(data_dir)
    if not path.exists():
        return []
    # A username written twice (a run that failed after writing) counts with its last password.
    pairs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        username, _, password = line.partition("\t")
        if username and password:
            pairs[username] = password
    return list(pairs.items())
