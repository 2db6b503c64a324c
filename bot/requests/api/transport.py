"""The agency API's transport: JSON that is safe inside HTML, bodies held to a size, no caching."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Characters that could make a browser or an HTML template treat what a person typed as markup or
# script; as JSON escapes they decode to the same text. They only ever occur inside JSON strings.
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.translate(_HTML_SAFE).encode("utf-8")


class ApiGuard:
    """Refuses oversized bodies before anything parses them, and keeps responses out of caches.

    The body is read whole (it is small by then) and replayed, so a client that sends no
    Content-Length, or a false one, is held to the limit too.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Responses carry people's phone numbers: no proxy or browser cache may keep them.
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers += [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, replay, send_private)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = SafeJSONResponse(
            {"detail": f"request body over {self.max_body} bytes"}, status_code=413, headers={"Connection": "close"}
        )
        await response(scope, receive, send)
