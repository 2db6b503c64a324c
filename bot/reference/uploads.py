"""Uploaded files between their preview and the admin's confirmation: decoded and checked, then kept
in the database under a digest so the confirmation applies exactly what was previewed."""

from __future__ import annotations

import hashlib
import json

from bot.audit.changes import fail
from bot.storage.unit_of_work import UnitOfWork

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def decode_upload(raw: bytes) -> str:
    """An uploaded text file: at most MAX_UPLOAD_BYTES, UTF-8 (a BOM is fine), no NUL."""
    if len(raw) > MAX_UPLOAD_BYTES:
        fail("ar_err_upload_too_big", limit=MAX_UPLOAD_BYTES // (1024 * 1024))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail("ar_err_not_utf8")
    if "\x00" in text:
        fail("ar_err_not_text")
    return text


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _pending_key(kind: str, user_id: int) -> str:
    return f"admin_upload:{kind}:{user_id}"


async def keep_pending_upload(uow: UnitOfWork, kind: str, user_id: int, files: dict[str, str]) -> str:
    """Keep an upload between its preview and the admin's confirmation; returns its digest.

    Kept in the database (every worker sees it), one per admin and kind, so an abandoned preview is
    replaced by the next rather than piling up; the digest makes the confirmation apply exactly what
    was previewed.
    """
    payload = json.dumps(files, ensure_ascii=False, sort_keys=True)
    await uow.meta.set(_pending_key(kind, user_id), payload)
    return digest(payload)


async def take_pending_upload(uow: UnitOfWork, kind: str, user_id: int, expected: str) -> dict[str, str]:
    key = _pending_key(kind, user_id)
    payload = await uow.meta.get(key)
    # The digest is no secret (the admin's own page carries it): a plain comparison will do, and
    # unlike compare_digest it accepts whatever characters a tampered form sends.
    if payload is None or digest(payload) != expected:
        fail("ar_err_upload_expired")
    await uow.meta.remove(key)
    files = json.loads(payload)
    return {str(k): str(v) for k, v in files.items()}
