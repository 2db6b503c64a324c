"""A person's own requests: list, one by code, add information, cancel."""

from __future__ import annotations

import re

from handlers import menu
from handlers.context import Context
from handlers.domain import CANCELLED, OPEN_STATUSES, RequestView
from handlers.messages import Choice, Notification

FLOW = "add_info"
# "YC-123456", "yc 123456", "YC123456": how a code is read out or typed.
CODE_RE = re.compile(r"\byc[\s\-_.]*(\d{4,10})\b", re.IGNORECASE)


def find_code(text: str) -> str:
    match = CODE_RE.search(text)
    return f"YC-{match.group(1)}" if match else ""


def _status(ctx: Context, status: str) -> str:
    return ctx.t(f"status_{status}")


async def show_list(ctx: Context) -> None:
    requests = await ctx.requests.for_conversation(ctx.conversation_id)
    if not requests:
        ctx.say(ctx.t("mine_empty"), [ctx.choice(menu.REQUEST, "menu_request"), menu.back_to_menu(ctx)])
        return
    choices = [Choice(f"req:show:{r.code}", f"{r.code} · {_status(ctx, r.status)}") for r in requests]
    ctx.say(ctx.t("mine_list"), [*choices, menu.back_to_menu(ctx)])


def _timeline(ctx: Context, request: RequestView) -> str:
    lines = []
    for event in request.events[-5:]:
        when = event["created_at"].strftime("%d/%m %H:%M")
        lines.append(ctx.t("event_line", when=when, what=ctx.t(f"event_{event['type']}")))
    return "\n".join(lines)


async def show_one(ctx: Context, code: str) -> None:
    request = await ctx.requests.get_own(ctx.conversation_id, code)
    if request is None:
        # Never says whether the code exists: a person only ever sees their own requests.
        ctx.say(ctx.t("mine_not_found", code=code), [ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)])
        return
    agency = await ctx.agencies.get(request.agency_code)
    text = ctx.t(
        "mine_detail",
        code=request.code,
        status=_status(ctx, request.status),
        category=ctx.t(f"category_{request.category}"),
        agency=agency.name if agency else request.agency_code,
        created=request.created_at.strftime("%d/%m/%Y"),
        timeline=_timeline(ctx, request),
    )
    choices: list[Choice] = []
    if request.status in OPEN_STATUSES:
        choices += [ctx.choice(f"req:add:{code}", "mine_add"), ctx.choice(f"req:cancel:{code}", "mine_cancel")]
    ctx.say(text, [*choices, ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)])


async def _open_request(ctx: Context, code: str) -> RequestView | None:
    request = await ctx.requests.get_own(ctx.conversation_id, code)
    if request is None or request.status not in OPEN_STATUSES:
        ctx.say(ctx.t("mine_not_open", code=code), [ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)])
        return None
    return request


async def start_add(ctx: Context, code: str) -> None:
    if await _open_request(ctx, code) is None:
        return
    ctx.state.reset_flow()
    ctx.state.flow = FLOW
    ctx.state.request_code = code
    ctx.say(ctx.t("mine_add_prompt", code=code), [ctx.choice("req:stopadd", "form_cancel")])


async def on_add_text(ctx: Context, text: str) -> None:
    code = ctx.state.request_code
    text = text.strip()
    limit = ctx.settings.max_description_chars
    if not text or len(text) > limit:
        ctx.say(ctx.t("form_description_too_long", limit=limit) if text else ctx.t("empty_message"))
        return
    request = await _open_request(ctx, code)
    ctx.state.reset_flow()
    if request is None:
        return
    await ctx.requests.add_event(code, "person_message", ctx.now, actor="person", data={"text": text})
    ctx.notifications.append(Notification(request.agency_code, code, "person_message", {"text": text}))
    ctx.say(ctx.t("mine_added", code=code), [ctx.choice(f"req:show:{code}", "mine_view"), menu.back_to_menu(ctx)])


async def ask_cancel(ctx: Context, code: str) -> None:
    if await _open_request(ctx, code) is None:
        return
    ctx.say(
        ctx.t("mine_cancel_confirm", code=code),
        [ctx.choice(f"req:cancelyes:{code}", "mine_cancel_yes"), ctx.choice(f"req:show:{code}", "mine_cancel_no")],
    )


async def do_cancel(ctx: Context, code: str) -> None:
    request = await _open_request(ctx, code)
    if request is None:
        return
    await ctx.requests.set_status(code, CANCELLED, ctx.now, actor="person")
    ctx.notifications.append(Notification(request.agency_code, code, "cancelled"))
    ctx.say(ctx.t("mine_cancelled", code=code), menu.main_choices(ctx))


async def on_choice(ctx: Context, verb: str, code: str) -> bool:
    if verb == "show":
        await show_one(ctx, code)
    elif verb == "add":
        await start_add(ctx, code)
    elif verb == "cancel":
        await ask_cancel(ctx, code)
    elif verb == "cancelyes":
        await do_cancel(ctx, code)
    else:
        return False
    return True
