"""Fake Zalo servers for end-to-end tests: the Zalo Bot Platform, and the Official Account API with its OAuth.

Both are real HTTP servers on 127.0.0.1, so the bot's unchanged httpx clients are what the tests exercise: point
their base URLs at the fake. Each fake keeps what the bot sent, plays the people on the other side (their
messages become events for getUpdates or for the webhook), and enforces the rules a bot commonly breaks, so such
a bug fails a test instead of production:

- Bot Platform: 2,000-character texts; getUpdates hands out ONE event per call and forgets it (there is no
  offset to confirm with, so an event the bot loses is gone); getUpdates while a webhook is set is a conflict;
  the webhook secret is 8-256 characters and comes back in a header on every delivery.
- Official Account: errors come as HTTP 200 with a negative "error" code; the access token expires (-216) and
  the refresh token is single use, so a bot that refreshes twice with the same one is refused; a user may only
  get customer-service messages within a window after their last interaction; webhook events are signed with
  a plain SHA-256 (not an HMAC) over app id + raw body + timestamp + secret key.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.server import FakeServer, until_ok, wait_until

JSON = dict[str, Any]
BotHandler = Callable[[JSON, web.Request], Awaitable[Any]]

MAX_TEXT_LENGTH = 2000
FIRST_MESSAGE_ID = 1001

# ---- Bot Platform ----------------------------------------------------------------------------------

DEFAULT_BOT_TOKEN = "zalo-bot-token"
BOT_SECRET_HEADER = "X-Bot-Api-Secret-Token"
# getUpdates waits this long when the call names no timeout; longer asks are cut to the maximum, so a
# forgotten long poll cannot hold a test (or stop()) for minutes.
DEFAULT_POLL_TIMEOUT = 30.0
MAX_POLL_TIMEOUT = 60.0
MIN_SECRET_LENGTH = 8
MAX_SECRET_LENGTH = 256
CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request timeout",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_WEBHOOK_CONFLICT = "Conflict: webhook is active; call deleteWebhook before using getUpdates"

# ---- Official Account ------------------------------------------------------------------------------

OA_SIGNATURE_HEADER = "X-ZEvent-Signature"
DEFAULT_WINDOW_SECONDS = 48 * 3600
OA_TOKEN_INVALID = -216
OA_PARAMETER_INVALID = -201
# Zalo has several codes for "this person has not written recently enough" (-213, -230, -232, depending on
# the message type and the OA's tier); the fake always answers -213 for a closed reply window.
OA_OUTSIDE_WINDOW = -213
OAUTH_PARAMETER_INVALID = -14001
OAUTH_APP_INVALID = -14002
OAUTH_REFRESH_TOKEN_INVALID = -14014


def _now_ms(clock: Callable[[], float]) -> int:
    # Zalo stamps events and messages in milliseconds.
    return int(clock() * 1000)


def oa_signature(app_id: str, raw_body: str, timestamp: str, secret_key: str) -> str:
    """The hex digest Zalo puts after "mac=" in X-ZEvent-Signature: plain SHA-256, not an HMAC."""
    return hashlib.sha256((app_id + raw_body + timestamp + secret_key).encode()).hexdigest()


async def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST as the platform does: the HTTP status, or 0 when the connection failed or timed out."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            await response.read()
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


# =====================================================================================================
# Zalo Bot Platform
# =====================================================================================================


async def _first_text(sent: dict[str, list[JSON]], who: str, key: str, contains: str, timeout: float) -> JSON:
    """The first record sent to `key` whose text has `contains`; AssertionError listing what was sent if none comes."""

    def found() -> JSON | None:
        for record in sent.get(key, []):
            if contains in record["text"]:
                return copy.deepcopy(record)
        return None

    return await wait_until(
        found,
        timeout,
        lambda: (
            f"no message containing {contains!r} reached {who} within {timeout}s; "
            f"sent: {[record['text'] for record in sent.get(key, [])]!r}"
        ),
    )


class BotApiError(Exception):
    """A Bot Platform error answer: the HTTP status is also the error_code in the {"ok": false, ...} body."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    def body(self) -> JSON:
        return {"ok": False, "error_code": self.status, "description": self.description}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status)


def _bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


async def _read_bot_params(request: web.Request) -> JSON:
    """Parameters from the query string and the body: JSON as the clients send it, or a form."""
    params: JSON = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
        return params
    raw = await request.read()
    if not raw.strip():
        return params
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise _bad_request("can't parse JSON body") from error
    if not isinstance(body, dict):
        raise _bad_request("can't parse JSON body")
    params.update(body)
    return params


def _poll_timeout(value: Any) -> float:
    # Some clients send the timeout as a string ("30"); anything unreadable means the default.
    if value is None or isinstance(value, bool):
        return DEFAULT_POLL_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return DEFAULT_POLL_TIMEOUT
    return min(max(seconds, 0.0), MAX_POLL_TIMEOUT)


def _chat_id(params: JSON) -> str:
    chat_id = params.get("chat_id")
    if isinstance(chat_id, bool) or not isinstance(chat_id, str | int) or str(chat_id).strip() == "":
        raise _bad_request("chat_id is required")
    return str(chat_id)


def _check_text(value: Any, field: str, *, required: bool) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or value == "":
        raise _bad_request(f"{field} is required")
    if len(value) > MAX_TEXT_LENGTH:
        raise _bad_request(f"{field} too long")
    return value


class FakeZaloBot(FakeServer):
    """Plays the Zalo Bot Platform for one bot token: the API over HTTP, the users, and the faults."""

    def __init__(
        self,
        token: str = DEFAULT_BOT_TOKEN,
        *,
        clock: Callable[[], float] = time.time,
        webhook_timeout: float = 10.0,
    ) -> None:
        super().__init__()
        self.token = token
        self.clock = clock
        self.webhook_timeout = webhook_timeout
        self.bot_info: JSON = {
            "id": "2718281828459045",
            "account_name": "bot.hoanhap",
            "account_type": "BASIC",
            "can_join_groups": False,
        }
        # Every request as (method as requested, parameters), including refused ones.
        self.calls: list[tuple[str, JSON]] = []
        # (event, HTTP status) for each webhook delivery attempt, 0 when the connection failed.
        self.deliveries: list[tuple[JSON, int]] = []
        self._queue: deque[JSON] = deque()
        self._wakeup = asyncio.Event()
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_updated_at = 0
        self._faults: dict[str, deque[BotApiError]] = defaultdict(deque)
        # One counter for both sides, so every message id in a test is unique.
        self._next_message_id = FIRST_MESSAGE_ID
        self._sent: dict[str, list[JSON]] = defaultdict(list)
        self._media: dict[str, list[JSON]] = defaultdict(list)
        self._handlers: dict[str, BotHandler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendChatAction": self._send_chat_action,
            "sendPhoto": self._send_photo,
            "sendSticker": self._send_sticker,
        }

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    def _on_stop(self) -> None:
        self._wake()

    # ---- what tests read --------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[JSON]:
        return [copy.deepcopy(params) for called, params in self.calls if called == method]

    def sent(self, chat_id: str) -> list[JSON]:
        """The texts the bot sent to the chat (sendMessage), in order, as {message_id, chat_id, text, date}."""
        return copy.deepcopy(self._sent.get(str(chat_id), []))

    def texts(self, chat_id: str) -> list[str]:
        return [record["text"] for record in self._sent.get(str(chat_id), [])]

    def media(self, chat_id: str) -> list[JSON]:
        """Photos and stickers the bot sent to the chat, in order, each with its "type"."""
        return copy.deepcopy(self._media.get(str(chat_id), []))

    async def wait_for_text(self, chat_id: str, contains: str, timeout: float = 10) -> JSON:
        """The first text sent to the chat that has `contains`; AssertionError listing what was sent if none comes."""

        return await _first_text(self._sent, f"chat {chat_id}", str(chat_id), contains, timeout)

    @property
    def webhook(self) -> JSON | None:
        """The webhook as the bot set it, secret included (the API never shows the secret back; tests may)."""
        if not self._webhook_url:
            return None
        return {"url": self._webhook_url, "secret_token": self._webhook_secret}

    @property
    def pending_updates(self) -> list[JSON]:
        return copy.deepcopy(list(self._queue))

    # ---- faults -----------------------------------------------------------------------------------

    def fail(self, method: str, times: int, status: int, description: str = "") -> None:
        """The next `times` calls of `method` answer `status` with an error body, before doing anything."""
        description = description or _DEFAULT_DESCRIPTIONS.get(status, "Error")
        self._faults[method].extend(BotApiError(status, description) for _ in range(times))

    # ---- simulated users --------------------------------------------------------------------------

    def user(self, id: str, display_name: str = "An") -> JSON:
        return {"id": str(id), "display_name": display_name, "is_bot": False}

    def send_text(self, chat_id: str, from_user: JSON, text: str) -> JSON:
        return self._emit("message.text.received", chat_id, from_user, {"text": text})

    def send_image(
        self,
        chat_id: str,
        from_user: JSON,
        photo_url: str = "https://example.invalid/p.jpg",
        caption: str | None = None,
    ) -> JSON:
        content: JSON = {"photo_url": photo_url}
        if caption is not None:
            content["caption"] = caption
        return self._emit("message.image.received", chat_id, from_user, content)

    def send_sticker(self, chat_id: str, from_user: JSON, sticker: str = "bfe458bf64fa8da4d4eb") -> JSON:
        content = {"sticker": sticker, "url": f"https://example.invalid/sticker/{sticker}.png"}
        return self._emit("message.sticker.received", chat_id, from_user, content)

    def send_unsupported(self, chat_id: str, from_user: JSON) -> JSON:
        # Voice, files, locations...: Zalo tells the bot something came, not what.
        return self._emit("message.unsupported.received", chat_id, from_user, {})

    def push(self, event: JSON) -> JSON:
        """A raw event, queued for getUpdates like any other (or left for deliver() while a webhook is set)."""
        if not self._webhook_url:
            self._queue.append(copy.deepcopy(event))
            self._wake()
        return event

    async def deliver(self, event: JSON, wrapped: bool = False) -> int:
        """POST the event to the webhook with the secret header; the HTTP status, or 0 if the connection failed.

        Zalo has been seen sending both the bare event and {"ok": true, "result": event}: `wrapped` picks.
        """
        if not self._webhook_url:
            raise AssertionError("no webhook is set: the bot must call setWebhook first (or use getUpdates)")
        body = {"ok": True, "result": event} if wrapped else event
        headers = {"Content-Type": "application/json", BOT_SECRET_HEADER: self._webhook_secret}
        status = await _post(self._webhook_url, json.dumps(body).encode(), headers, self.webhook_timeout)
        self.deliveries.append((copy.deepcopy(event), status))
        return status

    async def deliver_until_ok(self, event: JSON, attempts: int = 5, delay: float = 0.05) -> int:
        return await until_ok(lambda: self.deliver(event), attempts, delay)

    def _take_message_id(self) -> str:
        message_id = f"msg-{self._next_message_id}"
        self._next_message_id += 1
        return message_id

    def _emit(self, event_name: str, chat_id: str, from_user: JSON, content: JSON) -> JSON:
        message: JSON = {
            "message_id": self._take_message_id(),
            "from": dict(from_user),
            "chat": {"id": str(chat_id), "chat_type": "PRIVATE"},
            "date": _now_ms(self.clock),
            **content,
        }
        return self.push({"event_name": event_name, "message": message})

    def _wake(self) -> None:
        # Waiters hold the current event; setting it and installing a fresh one wakes each exactly once.
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    # ---- HTTP -------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await _read_bot_params(request)
        except BotApiError as error:
            self.calls.append((method, {}))
            return error.response()
        self.calls.append((method, copy.deepcopy(params)))
        if request.match_info["token"] != self.token:
            return BotApiError(401, "Unauthorized").response()
        handler = self._handlers.get(method)
        if handler is None:
            return BotApiError(404, "Not Found: method not found").response()
        faults = self._faults.get(method)
        if faults:
            return faults.popleft().response()
        try:
            result = await handler(params, request)
        except BotApiError as error:
            return error.response()
        return web.json_response({"ok": True, "result": result})

    # ---- updates and webhook ----------------------------------------------------------------------

    async def _get_updates(self, params: JSON, request: web.Request) -> JSON:
        if self._webhook_url:
            raise BotApiError(409, _WEBHOOK_CONFLICT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _poll_timeout(params.get("timeout"))
        while True:
            if self._queue:
                # A client that gave up on this poll would never see the event: leave it for the next one.
                if request.transport is None or request.transport.is_closing():
                    raise BotApiError(408, "Request timeout")
                return self._queue.popleft()
            if self._webhook_url:
                raise BotApiError(409, _WEBHOOK_CONFLICT)
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                raise BotApiError(408, "Request timeout")
            wakeup = self._wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), remaining)

    async def _set_webhook(self, params: JSON, request: web.Request) -> JSON:
        url = params.get("url")
        # Zalo wants HTTPS; plain HTTP is allowed here so tests can receive on 127.0.0.1.
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise _bad_request("url must be an HTTPS URL")
        secret = params.get("secret_token")
        if not isinstance(secret, str) or not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
            raise _bad_request(f"secret_token must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters")
        self._webhook_url, self._webhook_secret = url, secret
        self._webhook_updated_at = _now_ms(self.clock)
        # A poll still waiting learns of the webhook now, as a conflict.
        self._wake()
        return {"url": url, "updated_at": self._webhook_updated_at}

    async def _delete_webhook(self, params: JSON, request: web.Request) -> JSON:
        self._webhook_url, self._webhook_secret = "", ""
        self._webhook_updated_at = _now_ms(self.clock)
        return {"url": "", "updated_at": self._webhook_updated_at}

    async def _get_webhook_info(self, params: JSON, request: web.Request) -> JSON:
        return {"url": self._webhook_url, "updated_at": self._webhook_updated_at}

    # ---- sending ----------------------------------------------------------------------------------

    async def _get_me(self, params: JSON, request: web.Request) -> JSON:
        return dict(self.bot_info)

    def _record(self, store: dict[str, list[JSON]], chat_id: str, fields: JSON) -> JSON:
        record: JSON = {"message_id": self._take_message_id(), "chat_id": chat_id, "date": _now_ms(self.clock)}
        record.update(fields)
        store[chat_id].append(record)
        return {"message_id": record["message_id"], "date": record["date"]}

    async def _send_message(self, params: JSON, request: web.Request) -> JSON:
        chat_id = _chat_id(params)
        text = _check_text(params.get("text"), "text", required=True)
        return self._record(self._sent, chat_id, {"text": text})

    async def _send_chat_action(self, params: JSON, request: web.Request) -> bool:
        _chat_id(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad_request(f"action must be one of {', '.join(sorted(CHAT_ACTIONS))}")
        return True

    async def _send_photo(self, params: JSON, request: web.Request) -> JSON:
        chat_id = _chat_id(params)
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo:
            raise _bad_request("photo is required")
        caption = _check_text(params.get("caption"), "caption", required=False)
        return self._record(self._media, chat_id, {"type": "photo", "photo": photo, "caption": caption})

    async def _send_sticker(self, params: JSON, request: web.Request) -> JSON:
        chat_id = _chat_id(params)
        sticker = params.get("sticker")
        if not isinstance(sticker, str) or not sticker:
            raise _bad_request("sticker is required")
        return self._record(self._media, chat_id, {"type": "sticker", "sticker": sticker})


# =====================================================================================================
# Zalo Official Account API v3 and its OAuth server
# =====================================================================================================


class FakeZaloOA(FakeServer):
    """Plays one Zalo Official Account: the v3 OpenAPI and the OAuth token endpoint on one server, the users
    who write to the OA, and the webhook the OA's console would point at the bot."""

    def __init__(
        self,
        app_id: str = "app-1",
        secret_key: str = "oa-secret",
        access_token: str = "at-1",
        refresh_token: str = "rt-1",
        *,
        oa_id: str = "oa-1",
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
        webhook_timeout: float = 10.0,
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.secret_key = secret_key
        self.oa_id = oa_id
        self.window_seconds = window_seconds
        self.clock = clock
        self.webhook_timeout = webhook_timeout
        # Every request as (endpoint, what it carried): "message/cs" -> {"access_token", "body"};
        # "access_token" -> {"secret_key", "refresh_token", "app_id", "grant_type"}.
        self.calls: list[tuple[str, JSON]] = []
        # Requests to the token endpoint, refused ones included: a bot that spends one refresh token twice
        # shows up here even though the second attempt fails.
        self.refresh_calls = 0
        # (event, HTTP status) for each webhook delivery attempt, 0 when the connection failed.
        self.deliveries: list[tuple[JSON, int]] = []
        self._access_token = access_token
        self._refresh_token = refresh_token
        self._access_expired = False
        self._spent_refresh_tokens: set[str] = set()
        self._generation = 1
        self._webhook_url = ""
        self._last_interaction: dict[str, float] = {}
        self._next_message_id = FIRST_MESSAGE_ID
        self._sent: dict[str, list[JSON]] = defaultdict(list)

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/openapi/v3.0/oa/message/cs", self._handle_cs_message)
        app.router.add_post("/oauth/v4/oa/access_token", self._handle_access_token)

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/openapi"

    @property
    def oauth_base_url(self) -> str:
        return f"{self.base_url}/oauth"

    # ---- tokens -----------------------------------------------------------------------------------

    @property
    def access_token(self) -> str:
        """The access token the API accepts now (unless expire_access_token() was called since)."""
        return self._access_token

    @property
    def refresh_token(self) -> str:
        """The one refresh token the OAuth server accepts now."""
        return self._refresh_token

    def expire_access_token(self) -> None:
        """The current access token answers -216 until the bot refreshes it."""
        self._access_expired = True

    def calls_of(self, endpoint: str) -> list[JSON]:
        return [copy.deepcopy(params) for called, params in self.calls if called == endpoint]

    # ---- reply window -----------------------------------------------------------------------------

    def window_open(self, user_id: str) -> bool:
        last = self._last_interaction.get(str(user_id))
        return last is not None and self.clock() - last <= self.window_seconds

    def close_window(self, user_id: str) -> None:
        """As if the user last wrote long ago: CS messages to them answer -213 until they interact again."""
        self._last_interaction.pop(str(user_id), None)

    def open_window(self, user_id: str) -> None:
        """As if the user had just interacted, without producing an event."""
        self._last_interaction[str(user_id)] = self.clock()

    # ---- what tests read --------------------------------------------------------------------------

    def sent(self, user_id: str) -> list[str]:
        """The texts delivered to the user, in order."""
        return [record["text"] for record in self._sent.get(str(user_id), [])]

    def messages(self, user_id: str) -> list[JSON]:
        """What was delivered to the user, in order, as {message_id, user_id, text, time}."""
        return copy.deepcopy(self._sent.get(str(user_id), []))

    async def wait_for_text(self, user_id: str, contains: str, timeout: float = 10) -> JSON:
        """The first message delivered to the user whose text has `contains`; AssertionError if none comes."""

        return await _first_text(self._sent, f"user {user_id}", str(user_id), contains, timeout)

    # ---- simulated users --------------------------------------------------------------------------

    def user_send_text(self, user_id: str, text: str) -> JSON:
        return self._user_event(user_id, "user_send_text", {"message": {"msg_id": self._take_msg_id(), "text": text}})

    def user_send_image(self, user_id: str, url: str = "https://example.invalid/oa.jpg") -> JSON:
        attachment = {"type": "image", "payload": {"thumbnail": url, "url": url}}
        message = {"msg_id": self._take_msg_id(), "attachments": [attachment]}
        return self._user_event(user_id, "user_send_image", {"message": message})

    def follow(self, user_id: str) -> JSON:
        return self._follower_event(user_id, "follow")

    def unfollow(self, user_id: str) -> JSON:
        return self._follower_event(user_id, "unfollow")

    # ---- webhook ----------------------------------------------------------------------------------

    def set_webhook(self, url: str) -> None:
        """Where events go. A test helper: an OA's webhook is set in Zalo's developer console, not by an API."""
        self._webhook_url = url

    async def deliver(self, event: JSON, *, sign: bool = True, tamper: bool = False) -> int:
        """POST the event's raw JSON to the webhook, signed in X-ZEvent-Signature; the HTTP status, 0 on failure.

        sign=False sends no signature header; tamper=True sends a well-formed but wrong mac.
        """
        if not self._webhook_url:
            raise AssertionError("no webhook is set: call set_webhook(url) first")
        # Not ASCII-escaped, as Zalo sends Vietnamese: the receiver must hash the bytes it got, not a re-dump.
        raw = json.dumps(event, ensure_ascii=False)
        headers = {"Content-Type": "application/json"}
        if sign:
            mac = oa_signature(self.app_id, raw, str(event.get("timestamp", "")), self.secret_key)
            if tamper:
                mac = ("1" if mac[0] == "0" else "0") + mac[1:]
            headers[OA_SIGNATURE_HEADER] = f"mac={mac}"
        status = await _post(self._webhook_url, raw.encode(), headers, self.webhook_timeout)
        self.deliveries.append((copy.deepcopy(event), status))
        return status

    async def deliver_until_ok(self, event: JSON, attempts: int = 5, delay: float = 0.05) -> int:
        return await until_ok(lambda: self.deliver(event), attempts, delay)

    def _take_msg_id(self) -> str:
        msg_id = f"msg-{self._next_message_id}"
        self._next_message_id += 1
        return msg_id

    def _user_event(self, user_id: str, event_name: str, content: JSON) -> JSON:
        user_id = str(user_id)
        # Any event from the user counts as an interaction: the reply window is open (again) from now.
        self.open_window(user_id)
        return {
            "app_id": self.app_id,
            "user_id_by_app": user_id,
            "sender": {"id": user_id},
            "recipient": {"id": self.oa_id},
            "event_name": event_name,
            **content,
            "timestamp": str(_now_ms(self.clock)),
        }

    def _follower_event(self, user_id: str, event_name: str) -> JSON:
        user_id = str(user_id)
        self.open_window(user_id)
        return {
            "app_id": self.app_id,
            "oa_id": self.oa_id,
            "user_id_by_app": user_id,
            "follower": {"id": user_id},
            "event_name": event_name,
            "source": "oa_profile",
            "timestamp": str(_now_ms(self.clock)),
        }

    # ---- HTTP -------------------------------------------------------------------------------------

    async def _handle_cs_message(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        self.calls.append(("message/cs", {"access_token": token, "body": copy.deepcopy(body)}))
        # Zalo answers errors with HTTP 200 and a negative code: a client that only checks the status misses them.
        if self._access_expired or token != self._access_token:
            return web.json_response({"error": OA_TOKEN_INVALID, "message": "Access token is invalid"})
        recipient = body.get("recipient") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        user_id = recipient.get("user_id") if isinstance(recipient, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if not isinstance(user_id, str | int) or isinstance(user_id, bool) or str(user_id) == "":
            return web.json_response({"error": OA_PARAMETER_INVALID, "message": "recipient.user_id is invalid"})
        if not isinstance(text, str) or text == "":
            return web.json_response({"error": OA_PARAMETER_INVALID, "message": "message.text is required"})
        if len(text) > MAX_TEXT_LENGTH:
            return web.json_response(
                {"error": OA_PARAMETER_INVALID, "message": f"text length must not exceed {MAX_TEXT_LENGTH}"}
            )
        user_id = str(user_id)
        if not self.window_open(user_id):
            return web.json_response(
                {"error": OA_OUTSIDE_WINDOW, "message": "User has not interacted with OA in the last 7 days"}
            )
        record = {"message_id": self._take_msg_id(), "user_id": user_id, "text": text, "time": _now_ms(self.clock)}
        self._sent[user_id].append(record)
        data = {"message_id": record["message_id"], "user_id": user_id}
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _handle_access_token(self, request: web.Request) -> web.Response:
        fields: JSON = dict(request.query)
        if request.body_exists:
            form = await request.post()
            fields.update({key: value for key, value in form.items() if isinstance(value, str)})
        secret = request.headers.get("secret_key", "")
        self.refresh_calls += 1
        self.calls.append(("access_token", {"secret_key": secret, **fields}))
        if secret != self.secret_key or fields.get("app_id") != self.app_id:
            return self._oauth_error(OAUTH_APP_INVALID, "Invalid app", "app_id or secret_key is invalid")
        if fields.get("grant_type") != "refresh_token":
            return self._oauth_error(OAUTH_PARAMETER_INVALID, "Invalid parameter", "grant_type must be refresh_token")
        refresh_token = fields.get("refresh_token")
        # Single use: a spent refresh token is as unknown as a made-up one.
        if refresh_token != self._refresh_token or refresh_token in self._spent_refresh_tokens:
            return self._oauth_error(
                OAUTH_REFRESH_TOKEN_INVALID, "Invalid refresh token", "refresh_token is invalid or already used"
            )
        self._spent_refresh_tokens.add(self._refresh_token)
        self._access_token, self._refresh_token = self._new_token_pair()
        self._access_expired = False
        # Zalo sends expires_in as a string of seconds.
        return web.json_response(
            {"access_token": self._access_token, "refresh_token": self._refresh_token, "expires_in": "90000"}
        )

    def _new_token_pair(self) -> tuple[str, str]:
        while True:
            self._generation += 1
            access, refresh = f"at-{self._generation}", f"rt-{self._generation}"
            fresh = refresh != self._refresh_token and refresh not in self._spent_refresh_tokens
            if fresh and access != self._access_token:
                return access, refresh

    @staticmethod
    def _oauth_error(code: int, name: str, description: str) -> web.Response:
        return web.json_response({"error": code, "error_name": name, "error_description": description})
