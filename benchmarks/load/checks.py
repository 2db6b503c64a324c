"""After a run: what the platform received against what Hòa Nhập committed to send.

Every reply is a row in the outbox; the fake Bot API notes every sendMessage. Per chat, a row's text
arriving twice is a duplicate, a delivered or pending row whose text never arrived is lost, and texts
arriving in another order than their rows were written is an order break."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.load.fake_api import Received
from bot.channels.telegram.render import render
from handlers.messages import OutgoingMessage

SHARE_LABEL = "x"  # only the texts are compared; the label goes into a keyboard


@dataclass
class Counts:
    chats: int
    rows: int
    received: int
    lost_replies: int
    duplicate_replies: int
    order_breaks: int
    requests: int
    duplicate_requests: int
    not_yet_sent: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def expected_texts(payload: dict[str, Any]) -> list[str]:
    return [piece.text for piece in render(OutgoingMessage.from_payload(payload), SHARE_LABEL)]


async def outbox_and_requests(database_url: str) -> tuple[list[tuple[str, str, dict[str, Any]]], list[int]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT chat_id, status, payload FROM outbox WHERE channel = 'telegram' AND kind <> 'incoming' ORDER BY id"
                )
            )
            outbox = [(str(chat), str(status), _json(payload)) for chat, status, payload in rows]
            per_conversation = await connection.execute(text("SELECT count(*) FROM requests GROUP BY conversation_id"))
            requests = [int(n) for (n,) in per_conversation]
    finally:
        await engine.dispose()
    return outbox, requests


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        import json

        loaded: dict[str, Any] = json.loads(value)
        return loaded
    return dict(value)


def compare(outbox: list[tuple[str, str, dict[str, Any]]], received: list[Received], requests: list[int]) -> Counts:
    wanted: dict[str, list[str]] = defaultdict(list)
    unsent = 0
    for chat, status, payload in outbox:
        if status in ("pending", "sending"):
            unsent += 1
        if status != "failed":
            wanted[chat].extend(expected_texts(payload))
    got: dict[str, list[str]] = defaultdict(list)
    for item in received:
        got[item.chat_id].append(item.text)
    lost = duplicates = breaks = 0
    for chat in set(wanted) | set(got):
        expected, arrived = wanted.get(chat, []), got.get(chat, [])
        remaining = list(expected)
        first_seen: list[str] = []
        for message in arrived:
            if message in remaining:
                remaining.remove(message)
                first_seen.append(message)
            else:
                duplicates += 1
        lost += len(remaining)
        if first_seen != [m for m in expected if m in first_seen][: len(first_seen)]:
            breaks += 1
    return Counts(
        chats=len(wanted),
        rows=len(outbox),
        received=len(received),
        lost_replies=lost,
        duplicate_replies=duplicates,
        order_breaks=breaks,
        requests=sum(requests),
        duplicate_requests=sum(n - 1 for n in requests if n > 1),
        not_yet_sent=unsent,
    )


async def count(database_url: str, received: list[Received]) -> Counts:
    outbox, requests = await outbox_and_requests(database_url)
    return await asyncio.to_thread(compare, outbox, list(received), requests)
