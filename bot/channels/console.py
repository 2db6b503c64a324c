"""The terminal chat: a real channel that reads standard input line by line and prints the replies.

Each line is an incoming message with its own update id; replies go through the outbox like any
channel's and are printed by a console transport, so the terminal sees what Telegram or Zalo would.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import Any, TextIO

from bot.channels.base import Transport
from bot.channels.rendering import numbered
from bot.messaging.outbox import OutboxSender
from bot.messaging.pipeline import MessageProcessor
from handlers.messages import START, TEXT, IncomingMessage, OutgoingMessage

CHANNEL = "console"
QUIT_COMMANDS = frozenset({"/quit", "/exit", "/thoat"})


class ConsoleTransport(Transport):
    def __init__(self, out: TextIO, prompt: str = "🤖 ") -> None:
        self.out = out
        self.prompt = prompt

    async def send(self, chat_id: str, payload: dict[str, Any], kind: str) -> str:
        self.out.write(self.prompt + numbered(OutgoingMessage.from_payload(payload)).replace("\n", "\n   ") + "\n\n")
        self.out.flush()
        return ""


class ConsoleChannel:
    def __init__(
        self, processor: MessageProcessor, sender: OutboxSender, chat_id: str, stdin: TextIO = sys.stdin
    ) -> None:
        self.processor = processor
        self.sender = sender
        self.chat_id = chat_id
        self.stdin = stdin

    async def _handle(self, kind: str, text: str = "") -> None:
        message = IncomingMessage(
            channel=CHANNEL,
            chat_id=self.chat_id,
            user_id=self.chat_id,
            kind=kind,
            text=text,
            update_id=uuid.uuid4().hex,
        )
        await self.processor.process(message)
        await self.sender.drain()

    async def run(self) -> None:
        await self.sender.recover()
        await self._handle(START)
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            text = line.rstrip("\r\n")
            if text.strip().lower() in QUIT_COMMANDS:
                break
            await self._handle(TEXT, text)
