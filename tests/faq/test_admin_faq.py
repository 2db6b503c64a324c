"""The admin console's answers over HTTP: the FAQ editor, versions and restore, approvals, the test
box, the unanswered inbox, and who may use them. Live answers are checked through the real pipeline."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from markupsafe import escape
from sqlalchemy import func, select

from bot import faq
from bot.accounts.service import create_user
from bot.app import App, create_app
from bot.config import Settings
from bot.faq import unanswered
from bot.faq.views import approvals, entries, inbox, test_box
from bot.storage.models import AuditLogRow, FaqVersionRow, MatchLogRow
from bot.web.app import create_web_app
from bot.web.i18n import web_texts
from knowledge_base.faq import FaqEntry
from tests.harness import FakeClock, Person
from tests.storage.sessions import session_of

PASSWORD = "correct horse battery"
SLUG = "can-cuoc"
QUESTION = "lam cccd o dau"
NEW_ANSWER = "Câu trả lời mới: làm căn cước ở Công an xã/phường nơi bạn cư trú. Mang theo giấy ra trại."
# Falls back with the shipped content; its closest entry is the one it is added to.
UNANSWERED = "mua may cay tra gop o dau re"
UNANSWERED_SLUG = "vay-von-thu-tuc"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
BASE_VERSION = re.compile(r'name="base_version" value="(\d+)"')


def text(key: str, **values: Any) -> str:
    return web_texts().get("vi", key, **values)


@pytest.fixture
async def admin_app(demo_app: App) -> App:
    async with demo_app.uow() as uow:
        now = demo_app.clock()
        await create_user(uow, "admin", PASSWORD, "admin", now, actor="test")
        await create_user(uow, "admin2", PASSWORD, "admin", now, actor="test")
        await create_user(uow, "staff", PASSWORD, "staff", now, actor="test", agency_code="demo-vieclam")
        await uow.commit()
    return demo_app


class Client:
    """A signed-in browser: cookies, and the CSRF token of its pages."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def log_in(self, username: str) -> None:
        page = await self.http.get("/login")
        self.token = _csrf(page.text)
        answer = await self.http.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": self.token, "next": "/admin"}
        )
        assert answer.status_code == 303, answer.text

    async def get(self, path: str, **params: str) -> httpx.Response:
        return await self.http.get(path, params=params or None)

    async def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True) -> httpx.Response:
        fields = dict(data or {})
        if csrf:
            fields["csrf_token"] = self.token
        return await self.http.post(path, data=fields)


def _csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found, page[:500]
    return found.group(1)


@asynccontextmanager
async def browser(app: App, username: str | None = "admin") -> AsyncIterator[Client]:
    web = create_web_app(app, [])
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hoanhap.test", headers={"accept": "text/html"}
    ) as http:
        client = Client(http)
        if username:
            await client.log_in(username)
        else:
            client.token = _csrf((await http.get("/login")).text)
        yield client


async def entry(app: App, slug: str = SLUG) -> FaqEntry:
    async with app.uow() as uow:
        row = await faq.entry_row(uow, slug)
        assert row is not None
        return faq.entry_of_row(row)


async def version_count(app: App, slug: str = SLUG) -> int:
    async with app.uow() as uow:
        row = await faq.entry_row(uow, slug)
        assert row is not None
        statement = select(func.count()).select_from(FaqVersionRow).where(FaqVersionRow.entry_id == row.id)
        return int((await session_of(uow).execute(statement)).scalar_one())


async def audit_rows(app: App, action: str) -> list[AuditLogRow]:
    async with app.uow() as uow:
        statement = select(AuditLogRow).where(AuditLogRow.action == action).order_by(AuditLogRow.id)
        return list((await session_of(uow).execute(statement)).scalars())


def form_of(current: FaqEntry, base_version: int | None = None, **changes: str) -> dict[str, str]:
    data = {
        "op": "save",
        "title": current.title,
        "category": current.category or "",
        "status": current.status,
        "phrasings": "\n".join(current.phrasings),
        "keywords": "\n".join(current.keywords),
        "answer": current.answer,
        "more": current.more,
        "legal_basis": current.legal_basis,
        "source": current.source,
        "in_force": current.in_force,
        "reviewed_on": current.reviewed_on,
        "review_by": current.review_by,
    }
    if base_version is not None:
        data["base_version"] = str(base_version)
    data.update(changes)
    return data


async def edit(client: Client, app: App, slug: str = SLUG, **changes: str) -> httpx.Response:
    """Open the entry's page, change fields, and save, as the form would."""
    page = await client.get(f"/admin/faq/{slug}")
    assert page.status_code == 200
    found = BASE_VERSION.search(page.text)
    assert found
    return await client.post(f"/admin/faq/{slug}", form_of(await entry(app, slug), int(found.group(1)), **changes))


async def answer_to(app: App, question: str, chat_id: str = "p1") -> str:
    person = Person(app, chat_id)
    await person.says(question)
    return person.text


# -- editing and publishing ---------------------------------------------------------------------------


async def test_an_edited_published_answer_is_live_at_once_on_every_worker(
    admin_app: App, settings: Settings, clock: FakeClock
) -> None:
    old = (await entry(admin_app)).answer
    # A second worker on the same database: it must pick the edit up on its next message, no restart.
    other_worker = await create_app(settings, clock, prepare=False)
    try:
        assert old in await answer_to(other_worker, QUESTION, "w2")
        async with browser(admin_app) as admin:
            saved = await edit(admin, admin_app, answer=NEW_ANSWER)
            assert saved.status_code == 303
            assert saved.headers["location"].startswith(f"/admin/faq/{SLUG}?done=saved")
            page = await admin.get(saved.headers["location"])
            assert text("af_done_saved", version=2) in page.text
        assert NEW_ANSWER in await answer_to(admin_app, QUESTION)
        assert NEW_ANSWER in await answer_to(other_worker, QUESTION, "w2")
    finally:
        await other_worker.close()
    [row] = await audit_rows(admin_app, "faq.update")
    assert row.actor == "admin"
    assert row.before is not None and row.after is not None
    assert row.before["answer"] == old and row.after["answer"] == NEW_ANSWER
    assert (row.before["version"], row.after["version"]) == (1, 2)


async def test_draft_and_archived_entries_are_not_answered(admin_app: App) -> None:
    answer = (await entry(admin_app)).answer
    async with browser(admin_app) as admin:
        assert (await edit(admin, admin_app, status="draft")).status_code == 303
        assert answer not in await answer_to(admin_app, QUESTION)
        assert (await edit(admin, admin_app, status="archived")).status_code == 303
        assert answer not in await answer_to(admin_app, QUESTION, "p2")
        assert (await edit(admin, admin_app, status="published")).status_code == 303
    assert answer in await answer_to(admin_app, QUESTION, "p3")
    assert await version_count(admin_app) == 4


async def test_every_save_is_a_version_and_an_unchanged_save_is_not(admin_app: App) -> None:
    async with browser(admin_app) as admin:
        await edit(admin, admin_app, answer=NEW_ANSWER)
        await edit(admin, admin_app, title="Làm căn cước công dân")
        assert await version_count(admin_app) == 3
        unchanged = await edit(admin, admin_app)
        assert "done=unchanged" in unchanged.headers["location"]
    assert await version_count(admin_app) == 3
    assert (await entry(admin_app)).title == "Làm căn cước công dân"


async def test_restore_brings_the_old_text_back_as_a_new_version(admin_app: App) -> None:
    old = (await entry(admin_app)).answer
    async with browser(admin_app) as admin:
        await edit(admin, admin_app, answer=NEW_ANSWER)
        assert NEW_ANSWER in await answer_to(admin_app, QUESTION)
        restored = await admin.post(f"/admin/faq/{SLUG}/restore/1")
        assert restored.status_code == 303
        assert restored.headers["location"] == f"/admin/faq/{SLUG}?done=restored&v=3"
        history = await admin.get(f"/admin/faq/{SLUG}/history")
    assert (await entry(admin_app)).answer == old
    assert old.splitlines()[0] in await answer_to(admin_app, QUESTION, "p2")
    assert await version_count(admin_app) == 3
    [row] = await audit_rows(admin_app, "faq.restore")
    assert row.after is not None and row.after["restored_from"] == 1 and row.after["answer"] == old
    assert history.status_code == 200
    assert text("af_version", version=3) in history.text and text("af_version", version=1) in history.text
    # The newest version differs from the one before only in its answer, shown line by line.
    newest = history.text.split('id="v3"')[1].split('id="v2"')[0]
    assert 'class="af-line af-add"' in newest and 'class="af-line af-del"' in newest
    assert NEW_ANSWER in newest
    assert text("af_field_phrasings") not in newest


async def test_restore_of_an_unknown_version_is_404(admin_app: App) -> None:
    async with browser(admin_app) as admin:
        assert (await admin.post(f"/admin/faq/{SLUG}/restore/99")).status_code == 404
        assert (await admin.post("/admin/faq/no-such-entry/restore/1")).status_code == 404
        assert (await admin.get("/admin/faq/no-such-entry")).status_code == 404


def test_diff_shows_added_removed_and_reordered_phrasings_and_changed_lines() -> None:
    old = FaqEntry("a-b", "Title", "line one\nline two", ["p1", "p2", "p3"], ["k"]).to_dict()
    new = FaqEntry("a-b", "Title", "line one\nline 2", ["p3", "p1", "p4"], ["k"]).to_dict()
    changes = {c.field: c for c in faq.diff(old, new)}
    assert set(changes) == {"phrasings", "answer"}
    assert changes["phrasings"].added == ("p4",)
    assert changes["phrasings"].removed == ("p2",)
    assert changes["phrasings"].reordered
    assert ("-", "line two") in changes["answer"].lines and ("+", "line 2") in changes["answer"].lines
    assert (" ", "line one") in changes["answer"].lines
    assert not faq.diff(old, old)


async def test_the_history_page_shows_added_and_removed_phrasings(admin_app: App) -> None:
    current = await entry(admin_app)
    phrasings = [*current.phrasings[1:], "cho em hỏi làm căn cước mới ở đâu"]
    async with browser(admin_app) as admin:
        await edit(admin, admin_app, phrasings="\n".join(phrasings))
        history = await admin.get(f"/admin/faq/{SLUG}/history")
    newest = history.text.split('id="v2"')[1].split('id="v1"')[0]
    assert f'<span class="af-mark">{text("af_added")}</span> cho em hỏi làm căn cước mới ở đâu' in newest
    assert f'<span class="af-mark">{text("af_removed")}</span> {current.phrasings[0]}' in newest


async def test_two_admins_saving_the_same_version_do_not_overwrite_each_other(admin_app: App) -> None:
    current = await entry(admin_app)
    async with browser(admin_app) as admin, browser(admin_app, "admin2") as other:
        first = await admin.post(f"/admin/faq/{SLUG}", form_of(current, 1, answer=NEW_ANSWER))
        assert first.status_code == 303
        second = await other.post(f"/admin/faq/{SLUG}", form_of(current, 1, title="Another title"))
    assert second.status_code == 422
    assert text("af_err_conflict", version=2) in second.text
    assert (await entry(admin_app)).answer == NEW_ANSWER
    assert (await entry(admin_app)).title == current.title


# -- approvals ----------------------------------------------------------------------------------------


async def test_publishing_waits_for_a_second_admin_when_the_setting_is_on(admin_app: App) -> None:
    admin_app.settings.faq_publish_needs_approval = True
    old = (await entry(admin_app)).answer
    async with browser(admin_app) as admin, browser(admin_app, "admin2") as other:
        saved = await edit(admin, admin_app, answer=NEW_ANSWER)
        assert "done=pending" in saved.headers["location"]
        assert (await entry(admin_app)).answer == old
        assert old in await answer_to(admin_app, QUESTION)
        page = await admin.get(f"/admin/faq/{SLUG}")
        assert text("af_pending_notice", version=2, who="admin") in page.text

        listing = await other.get("/admin/faq/approvals")
        approval_id = int(re.findall(r"/admin/faq/approvals/(\d+)/approve", listing.text)[0])
        assert NEW_ANSWER in listing.text

        # The author may not approve their own change: nothing is published.
        own = await admin.post(f"/admin/faq/approvals/{approval_id}/approve")
        assert own.headers["location"] == "/admin/faq/approvals?error=own_change"
        assert old in await answer_to(admin_app, QUESTION, "p2")

        approved = await other.post(f"/admin/faq/approvals/{approval_id}/approve")
        assert approved.headers["location"] == "/admin/faq/approvals?done=approved"
        assert NEW_ANSWER in await answer_to(admin_app, QUESTION, "p3")
        again = await other.post(f"/admin/faq/approvals/{approval_id}/approve")
        assert again.headers["location"] == "/admin/faq/approvals?error=not_pending"

        # A rejected change leaves the live answer as it is.
        await edit(other, admin_app, answer="Bản bị từ chối")
        listing = await admin.get("/admin/faq/approvals")
        second_id = int(re.findall(r"/admin/faq/approvals/(\d+)/reject", listing.text)[0])
        rejected = await admin.post(f"/admin/faq/approvals/{second_id}/reject")
        assert rejected.headers["location"] == "/admin/faq/approvals?done=rejected"
    assert (await entry(admin_app)).answer == NEW_ANSWER
    assert NEW_ANSWER in await answer_to(admin_app, QUESTION, "p4")
    [request_row, _] = await audit_rows(admin_app, "faq.approval_request")
    assert request_row.before is not None and request_row.before["answer"] == old
    [approve_row] = await audit_rows(admin_app, "faq.approve")
    assert approve_row.actor == "admin2" and approve_row.after is not None
    assert approve_row.after["answer"] == NEW_ANSWER and approve_row.after["requested_by"] == "admin"
    assert len(await audit_rows(admin_app, "faq.reject")) == 1


async def test_with_approval_a_draft_is_saved_at_once(admin_app: App) -> None:
    admin_app.settings.faq_publish_needs_approval = True
    async with browser(admin_app) as admin:
        saved = await edit(admin, admin_app, status="draft")
    assert "done=saved" in saved.headers["location"]
    assert (await entry(admin_app)).status == "draft"


# -- validation -----------------------------------------------------------------------------------------


async def test_validation_errors_rerender_the_form_with_messages(admin_app: App) -> None:
    current = await entry(admin_app)
    async with browser(admin_app) as admin:
        empty = await edit(admin, admin_app, answer="   ")
        assert empty.status_code == 422
        assert text("af_err_answer_empty") in empty.text

        huge = await edit(admin, admin_app, answer="x" * 50_000)
        assert huge.status_code == 422
        assert text("af_err_answer_long", max=faq.MAX_ANSWER, length=50_000) in huge.text

        twice = await edit(admin, admin_app, phrasings="làm căn cước\nLàm căn cước!")
        assert twice.status_code == 422
        assert text("af_err_duplicate", item="Làm căn cước!") in twice.text

        none = await edit(admin, admin_app, phrasings="\n \n")
        assert text("af_err_phrasings_empty") in none.text

        taken = await admin.post("/admin/faq/new", form_of(current, slug=SLUG, status="draft"))
        assert taken.status_code == 422
        assert text("af_err_slug_taken") in taken.text

        bad_slug = await admin.post("/admin/faq/new", form_of(current, slug="Làm CCCD!", status="draft"))
        assert text("af_err_slug_pattern", min=faq.MIN_SLUG, max=faq.MAX_SLUG) in bad_slug.text
        reserved = await admin.post("/admin/faq/new", form_of(current, slug="approvals", status="draft"))
        assert text("af_err_slug_reserved") in reserved.text

        elsewhere = await edit(admin, admin_app, phrasings="vay vốn ở đâu")
        assert text("af_err_phrasing_elsewhere", item="vay vốn ở đâu", slug="vay-von-thu-tuc") in elsewhere.text
    assert (await entry(admin_app)).answer == current.answer
    assert await version_count(admin_app) == 1


async def test_markup_in_fields_is_shown_escaped(admin_app: App) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    current = await entry(admin_app)
    async with browser(admin_app) as admin:
        rejected = await admin.post(
            "/admin/faq/new", form_of(current, slug="evil-entry", title=evil, answer="", phrasings=evil)
        )
        assert rejected.status_code == 422
        preview = await admin.post(
            "/admin/faq/new", form_of(current, slug="evil-entry", title="Evil", answer=evil, op="preview")
        )
        saved = await admin.post(
            "/admin/faq/new",
            form_of(current, slug="evil-entry", title=evil, answer=evil, phrasings=f"{evil}\nevil", status="draft"),
        )
        assert saved.status_code == 303
        pages = [
            rejected.text,
            preview.text,
            (await admin.get("/admin/faq/evil-entry")).text,
            (await admin.get("/admin/faq", q="script")).text,
            (await admin.get("/admin/faq/evil-entry/history")).text,
            (await admin.get("/admin/test", q=evil)).text,
        ]
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert" in page
    # The phone preview shows the text itself, markup and all, as the chat would.
    assert 'id="af-preview-answer" data-empty="' in preview.text and "&lt;img src=x" in preview.text


def test_validate_caps_and_categories() -> None:
    entry = FaqEntry(
        "ok-slug", "T" * 101, "a", ["p" * 301], ["k"] * 101, category="nope", status="live", more="m" * 4001
    )
    codes = {p.code for p in faq.validate(entry, new_slug=True)}
    assert {"title_long", "item_long", "too_many", "category_unknown", "status_unknown", "more_long"} <= codes
    fine = FaqEntry("ok-slug", "T", "a", ["p"], category=None, status="draft")
    assert faq.validate(fine, new_slug=True) == []
    assert faq.validate(FaqEntry("new", "T", "a", ["p"]), new_slug=True)[0].code == "slug_reserved"


# -- the test box ---------------------------------------------------------------------------------------


async def count_logged(app: App) -> int:
    async with app.uow() as uow:
        return int((await session_of(uow).execute(select(func.count()).select_from(MatchLogRow))).scalar_one())


async def test_the_test_box_shows_decision_top_five_scores_and_phrasing(admin_app: App) -> None:
    before = await count_logged(admin_app)
    async with browser(admin_app) as admin:
        page = await admin.get("/admin/test", q=QUESTION)
        on_entry = await admin.get(f"/admin/faq/{SLUG}", q=QUESTION)
        await edit(admin, admin_app, status="draft")
        on_draft = await admin.get(f"/admin/faq/{SLUG}", q=QUESTION)
    assert page.status_code == 200
    assert 'data-decision="answer"' in page.text
    assert f'href="/admin/faq/{SLUG}"' in page.text
    assert "làm căn cước" in page.text
    assert len(re.findall(r'<td class="af-score">\d\.\d\d</td>', page.text)) == 5
    assert 'data-decision="answer"' in on_entry.text and text("af_test_live") in on_entry.text
    # A draft is not answered, but its page tells what it would do once published.
    live, draft = on_draft.text.split(text("af_test_live"))[1].split(text("af_test_draft"))
    assert f'href="/admin/faq/{SLUG}"' not in live
    assert 'data-decision="answer"' in draft and f'→ <a href="/admin/faq/{SLUG}">' in draft
    # Testing is not asking: nothing reaches the unanswered inbox.
    assert await count_logged(admin_app) == before


# -- the unanswered inbox ----------------------------------------------------------------------------


def test_grouping_puts_near_duplicates_together_and_keeps_others_apart(app: App) -> None:
    matcher = _matcher(app)
    questions = [
        "lam cccd o dau",
        "làm cccd ở đâu",
        "lam can cuoc o dau",
        "gia xang hom nay",
        "giá xăng hôm nay bao nhiêu",
        "xin viec o dau",
        "o dau",
    ]
    now = app.clock()
    items = [
        unanswered.LoggedQuestion(i, q, matcher.match(q).normalized, now - timedelta(hours=i))
        for i, q in enumerate(questions, start=1)
    ]
    groups = unanswered.group(items)
    members = [sorted(q.text for q in g.questions) for g in groups]
    assert sorted(["lam cccd o dau", "làm cccd ở đâu", "lam can cuoc o dau"]) in members
    assert sorted(["gia xang hom nay", "giá xăng hôm nay bao nhiêu"]) in members
    assert ["xin viec o dau"] in members and ["o dau"] in members
    biggest = groups[0]
    assert biggest.count == 3 and sorted(biggest.ids) == [1, 2, 3]
    assert biggest.first_seen == now - timedelta(hours=3) and biggest.last_seen == now - timedelta(hours=1)
    # Deterministic: the same rows in another order make the same groups.
    again = unanswered.group(list(reversed(items)))
    assert [sorted(g.ids) for g in again] == [sorted(g.ids) for g in groups]


def _matcher(app: App) -> Any:
    from knowledge_base.faq import load_directory
    from knowledge_base.matcher import Matcher

    return Matcher(load_directory(), app.kb.normalizer, app.kb.settings)


async def log_questions(app: App, *questions: str, decision: str = "fallback", chat_prefix: str = "x") -> None:
    async with app.uow() as uow:
        matcher = await app.kb.current(uow)
        for i, question in enumerate(questions):
            conversation = await uow.conversations.get_or_create("test", f"{chat_prefix}{i}", "u", app.clock())
            await uow.match_log.record(
                channel="test",
                pseudonym=f"p{conversation.id}",
                question=question,
                normalized=matcher.match(question).normalized,
                decision=decision,
                slug=None,
                score=0.1,
                suggestions=["can-cuoc"] if decision == "suggest" else [],
                now=app.clock(),
            )
        await uow.commit()


async def test_the_inbox_groups_and_counts_and_never_shows_who_asked(admin_app: App) -> None:
    await log_questions(admin_app, "lam cccd o dau", "làm cccd ở đâu", "lam can cuoc o dau", chat_prefix="secret-chat-")
    await log_questions(admin_app, "so em 0912 345 678 goi lai giup em ve the thu vien", chat_prefix="phone-")
    # Suggestions the person ignored count; one they chose does not.
    await log_questions(admin_app, "thi bang lai xe may", decision="suggest", chat_prefix="s")
    async with admin_app.uow() as uow:
        chosen = await uow.match_log.record(
            channel="test", pseudonym=None, question="cau hoi da chon goi y", normalized="cau hoi da chon goi y",
            decision="suggest", slug=None, score=0.4, suggestions=["can-cuoc"], now=admin_app.clock(),
        )  # fmt: skip
        await uow.match_log.mark_chosen(chosen, "can-cuoc")
        await uow.commit()
    async with browser(admin_app) as admin:
        page = await admin.get("/admin/unanswered")
    assert page.status_code == 200
    assert text("af_times", count=3) in page.text
    assert "thi bang lai xe may" in page.text
    assert "cau hoi da chon goi y" not in page.text
    assert "[phone]" in page.text
    for secret in ("0912 345 678", "0912345678", "345 678", "secret-chat-", "phone-0"):
        assert secret not in page.text
    # The suggestion of the test box is pre-selected for the group.
    group = page.text.split('data-key="lam can cuoc o dau"')[1].split("</section>")[0]
    assert f'<option value="{SLUG}" selected>' in group


async def test_adding_a_group_as_a_phrasing_makes_the_question_answered(admin_app: App) -> None:
    assert admin_app.texts.get("vi", "fallback") in await answer_to(admin_app, UNANSWERED)
    async with admin_app.uow() as uow:
        [group] = await unanswered.groups(uow, admin_app.clock())
    assert group.representative == UNANSWERED
    async with browser(admin_app) as admin:
        added = await admin.post(
            "/admin/unanswered/add", {"ids": group.ids_value, "slug": UNANSWERED_SLUG, "phrasing": UNANSWERED}
        )
        assert added.headers["location"] == "/admin/unanswered?done=added"
        page = await admin.get(added.headers["location"])
    assert f'data-key="{group.key}"' not in page.text
    assert text("af_done_added") in page.text
    answered = await answer_to(admin_app, UNANSWERED, "p2")
    assert (await entry(admin_app, UNANSWERED_SLUG)).answer.splitlines()[0] in answered
    assert UNANSWERED in (await entry(admin_app, UNANSWERED_SLUG)).phrasings
    [marked] = await audit_rows(admin_app, "unanswered.added")
    assert marked.before == {"reviewed": None, "rows": 1}
    assert marked.after is not None and marked.after["slug"] == UNANSWERED_SLUG
    [phrasing] = await audit_rows(admin_app, "faq.add_phrasing")
    assert phrasing.after is not None and UNANSWERED in phrasing.after["phrasings"]
    assert phrasing.before is not None and UNANSWERED not in phrasing.before["phrasings"]


async def test_adding_a_phrasing_masks_phone_numbers_and_refuses_duplicates(admin_app: App) -> None:
    await log_questions(admin_app, "lam the thu vien o dau 0912345678")
    async with admin_app.uow() as uow:
        [group] = await unanswered.groups(uow, admin_app.clock())
    async with browser(admin_app) as admin:
        await admin.post(
            "/admin/unanswered/add",
            {"ids": group.ids_value, "slug": SLUG, "phrasing": "lam the thu vien o dau 0912345678"},
        )
        duplicate = await admin.post(
            "/admin/unanswered/add", {"ids": group.ids_value, "slug": SLUG, "phrasing": "làm căn cước"}
        )
        missing = await admin.post("/admin/unanswered/add", {"ids": group.ids_value, "slug": "nope", "phrasing": "x"})
    assert "lam the thu vien o dau [phone]" in (await entry(admin_app)).phrasings
    assert duplicate.status_code == 422 and text("af_err_duplicate", item="làm căn cước") in duplicate.text
    assert missing.status_code == 422 and text("af_err_entry_missing") in missing.text


async def test_dismiss_hides_the_group(admin_app: App) -> None:
    await log_questions(admin_app, "gia xang hom nay", "giá xăng hôm nay bao nhiêu")
    async with admin_app.uow() as uow:
        [group] = await unanswered.groups(uow, admin_app.clock())
    async with browser(admin_app) as admin:
        assert "gia xang hom nay" in (await admin.get("/admin/unanswered")).text
        dismissed = await admin.post("/admin/unanswered/dismiss", {"ids": group.ids_value, "question": "x"})
        assert dismissed.headers["location"] == "/admin/unanswered?done=dismissed"
        page = await admin.get("/admin/unanswered")
    assert "gia xang hom nay" not in page.text and text("af_inbox_empty") in page.text
    async with admin_app.uow() as uow:
        rows = (await session_of(uow).execute(select(MatchLogRow))).scalars().all()
    assert {r.reviewed for r in rows} == {"dismissed"} and all(r.reviewed_at is not None for r in rows)
    [row] = await audit_rows(admin_app, "unanswered.dismissed")
    assert row.actor == "admin" and row.after is not None and row.after["rows"] == 2


async def test_old_questions_leave_the_inbox(admin_app: App, clock: FakeClock) -> None:
    await log_questions(admin_app, "gia xang hom nay")
    clock.advance(days=unanswered.WINDOW_DAYS + 1)
    async with admin_app.uow() as uow:
        assert await unanswered.groups(uow, admin_app.clock()) == []


async def test_a_new_entry_started_from_a_group_answers_its_questions(admin_app: App) -> None:
    question = "lam the thu vien o dau"
    await log_questions(admin_app, question, "làm thẻ thư viện ở đâu", question)
    async with admin_app.uow() as uow:
        [group] = await unanswered.groups(uow, admin_app.clock())
    async with browser(admin_app) as admin:
        started = await admin.post("/admin/faq/new", {"op": "start", "from_ids": group.ids_value})
        assert started.status_code == 200
        assert f">{question}\nlàm thẻ thư viện ở đâu</textarea>" in started.text
        assert 'name="from_ids"' in started.text
        created = await admin.post(
            "/admin/faq/new",
            {
                "op": "save",
                "slug": "the-thu-vien",
                "title": "Làm thẻ thư viện",
                "status": "published",
                "category": "",
                "phrasings": f"{question}\nlàm thẻ thư viện ở đâu",
                "keywords": "thẻ thư viện",
                "answer": "Bạn đến thư viện tỉnh, mang theo căn cước.",
                "from_ids": group.ids_value,
            },
        )
        assert created.headers["location"] == "/admin/faq/the-thu-vien?done=created&v=1"
        assert text("af_inbox_empty") in (await admin.get("/admin/unanswered")).text
    assert "mang theo căn cước" in await answer_to(admin_app, question)
    [row] = await audit_rows(admin_app, "unanswered.new_entry")
    assert row.after is not None and row.after["slug"] == "the-thu-vien"


# -- who may -------------------------------------------------------------------------------------------


def _paths() -> list[tuple[str, str]]:
    """Every route of the router, so a page added later is covered too."""
    found: list[tuple[str, str]] = []
    for route in (route for module in (approvals, entries, test_box, inbox) for route in module.router.routes):
        assert isinstance(route, APIRoute)
        path = route.path.replace("{slug}", SLUG).replace("{version}", "1").replace("{approval_id}", "1")
        found += [(method, path) for method in sorted(route.methods or ())]
    return found


async def test_staff_get_404_on_every_admin_answer_page_and_action(admin_app: App) -> None:
    paths = _paths()
    assert len(paths) >= 14
    async with browser(admin_app, "staff") as staff:
        for method, path in paths:
            if method == "GET":
                answer = await staff.get(path)
            else:
                answer = await staff.post(path, {"ids": "1", "slug": SLUG, "phrasing": "x", "answer": "x"})
            assert answer.status_code == 404, (method, path)
    async with browser(admin_app, None) as anonymous:
        for method, path in paths:
            answer = await (anonymous.get(path) if method == "GET" else anonymous.post(path, {}))
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), (method, path)
    assert await version_count(admin_app) == 1


async def test_a_post_without_the_csrf_token_is_refused(admin_app: App) -> None:
    current = await entry(admin_app)
    async with browser(admin_app) as admin:
        for path in (
            f"/admin/faq/{SLUG}",
            "/admin/faq/new",
            "/admin/unanswered/dismiss",
            f"/admin/faq/{SLUG}/restore/1",
        ):
            answer = await admin.post(path, form_of(current, 1, answer=NEW_ANSWER, slug="x-y"), csrf=False)
            assert answer.status_code == 403, path
    assert (await entry(admin_app)).answer == current.answer
    assert await version_count(admin_app) == 1


async def test_the_list_searches_and_filters(admin_app: App) -> None:
    async with browser(admin_app) as admin:
        # A keyword of its own, so the search does not depend on what the shipped texts say.
        keywords = "\n".join([*(await entry(admin_app)).keywords, "thẻ định danh Qwerty"])
        await edit(admin, admin_app, status="draft", keywords=keywords)
        everything = await admin.get("/admin/faq")
        found = await admin.get("/admin/faq", q="DINH DANH QWERTY")
        drafts = await admin.get("/admin/faq", status="draft")
        loans = await admin.get("/admin/faq", category="loan")
        none = await admin.get("/admin/faq", q="zzzz khong co")
    assert everything.text.count('href="/admin/faq/') >= 39
    assert f'href="/admin/faq/{SLUG}"' in found.text and 'href="/admin/faq/vay-von-thu-tuc"' not in found.text
    assert f'href="/admin/faq/{SLUG}"' in drafts.text and 'href="/admin/faq/vay-von-thu-tuc"' not in drafts.text
    assert 'href="/admin/faq/vay-von-thu-tuc"' in loans.text and f'href="/admin/faq/{SLUG}"' not in loans.text
    assert text("af_none_found") in none.text


async def test_a_new_entry_waits_for_approval_as_a_draft(admin_app: App) -> None:
    admin_app.settings.faq_publish_needs_approval = True
    fields = {
        "op": "save",
        "slug": "the-thu-vien",
        "title": "Làm thẻ thư viện",
        "status": "published",
        "phrasings": "lam the thu vien o dau\nmở thẻ thư viện",
        "answer": "Bạn đến thư viện tỉnh, mang theo căn cước.",
    }
    async with browser(admin_app) as admin, browser(admin_app, "admin2") as other:
        created = await admin.post("/admin/faq/new", fields)
        assert created.headers["location"] == "/admin/faq/the-thu-vien?done=pending&v=2"
        assert (await entry(admin_app, "the-thu-vien")).status == "draft"
        assert "mang theo căn cước" not in await answer_to(admin_app, "lam the thu vien o dau")
        listing = await other.get("/admin/faq/approvals")
        approval_id = re.findall(r"/admin/faq/approvals/(\d+)/approve", listing.text)[0]
        await other.post(f"/admin/faq/approvals/{approval_id}/approve")
    assert (await entry(admin_app, "the-thu-vien")).status == "published"
    assert "mang theo căn cước" in await answer_to(admin_app, "lam the thu vien o dau", "p2")


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_every_page_renders_in_both_languages(admin_app: App, language: str) -> None:
    admin_app.settings.faq_publish_needs_approval = True
    await log_questions(admin_app, "lam the thu vien o dau 0912345678", "gia xang hom nay")
    async with browser(admin_app) as admin:
        admin.http.cookies.set("hn_lang", language)
        await edit(admin, admin_app, answer=NEW_ANSWER)
        pages = [
            "/admin/faq",
            "/admin/faq?status=draft&category=none&q=x",
            "/admin/faq/new",
            f"/admin/faq/{SLUG}?q={QUESTION}&done=pending&v=2",
            f"/admin/faq/{SLUG}/history",
            "/admin/faq/approvals?done=approved&error=own_change",
            f"/admin/test?q={QUESTION}",
            "/admin/test?q=gia+xang",
            "/admin/unanswered?done=dismissed",
        ]
        for path in pages:
            answer = await admin.http.get(path)
            assert answer.status_code == 200, path
            assert f'<html lang="{language}">' in answer.text
            assert "Content-Security-Policy" in answer.headers and "<script>" not in answer.text
    assert text("af_inbox_title") != web_texts().get("en", "af_inbox_title")


# -- review dates and the content check ----------------------------------------------------------------


async def set_review_by(app: App, dates: dict[str, str], default: str) -> None:
    """Every entry due on `default`, those named on their own day: the list's order is then known."""
    from bot.storage.models import FaqEntryRow

    async with app.uow() as uow:
        for row in (await session_of(uow).execute(select(FaqEntryRow))).scalars():
            row.review_by = dates.get(row.slug, default)
        await uow.commit()


async def test_the_list_shows_entries_due_for_review_first_marked_overdue(admin_app: App) -> None:
    # The fake clock says 2026-11-02.
    late, undated = "vay-von-thu-tuc", "ho-tich"
    await set_review_by(admin_app, {late: "2026-11-01", undated: ""}, "2026-11-02")
    async with browser(admin_app) as admin:
        page = (await admin.get("/admin/faq")).text
    links = re.findall(r'<a href="/admin/faq/([a-z0-9-]+)">', page)
    assert set(links[:2]) == {late, undated}
    assert text("af_overdue_count", count=2) in page
    rows = {slug: page.split(f'<a href="/admin/faq/{slug}">')[1].split("</tr>")[0] for slug in links}
    for slug in (late, undated):
        assert text("af_overdue_badge") in rows[slug]
    assert text("af_overdue_badge") not in rows[SLUG]
    assert "2026-11-02" in rows[SLUG] and text("af_no_review_date") in rows[undated]


async def test_an_archived_entry_is_never_due(admin_app: App) -> None:
    await set_review_by(admin_app, {SLUG: ""}, "2027-01-01")
    async with browser(admin_app) as admin:
        await edit(admin, admin_app, status="archived")
        page = (await admin.get("/admin/faq")).text
    assert text("af_overdue_badge") not in page


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_the_editor_shows_the_content_check_in_the_admins_language(admin_app: App, language: str) -> None:
    def said(key: str, **values: Any) -> str:
        # As the page shows it: escaped by the template.
        return str(escape(web_texts().get(language, key, **values)))

    async with browser(admin_app) as admin:
        admin.http.cookies.set("hn_lang", language)
        saved = await edit(admin, admin_app, answer="Làm căn cước ở Công an xã. TODO", review_by="2026-10-01")
        assert saved.status_code == 303
        page = (await admin.get(saved.headers["location"])).text
    assert 'id="af-checks"' in page
    assert said("cc_after_save") in page
    assert said("cc_published_with_problems") in page
    assert said("cc_editorial_note", field=web_texts().get(language, "af_field_answer"), text="TODO") in page
    assert said("cc_place_missing") in page
    assert said("cc_review_overdue", review_by="2026-10-01") in page
    assert 'data-check="review_overdue"' in page


async def test_a_draft_with_problems_saves_and_publishing_one_is_warned_not_refused(admin_app: App) -> None:
    async with browser(admin_app) as admin:
        draft = await edit(admin, admin_app, status="draft", answer="Chỉ một dòng, chưa có nơi cần đến.")
        assert draft.status_code == 303
        assert (await entry(admin_app)).answer == "Chỉ một dòng, chưa có nơi cần đến."
        published = await edit(admin, admin_app, status="published")
        assert published.status_code == 303
        page = (await admin.get(published.headers["location"])).text
    assert (await entry(admin_app)).status == "published"
    assert text("cc_place_missing") in page and text("cc_published_with_problems") in page
    assert "Chỉ một dòng" in await answer_to(admin_app, QUESTION)


async def test_a_preview_of_a_new_entry_is_checked_and_a_blank_form_is_not(admin_app: App) -> None:
    async with browser(admin_app) as admin:
        blank = (await admin.get("/admin/faq/new")).text
        preview = await admin.post(
            "/admin/faq/new",
            {
                "op": "preview",
                "slug": "the-thu-vien",
                "title": "Thẻ thư viện",
                "answer": "Ra ngân hàng.",
                "status": "draft",
            },
        )
    assert 'id="af-checks"' not in blank
    assert preview.status_code == 200
    assert text("cc_place_missing") in preview.text
    assert text("cc_phrasings_few", count=0, min=15) in preview.text


async def test_the_review_dates_are_saved_versioned_and_exported(admin_app: App) -> None:
    dates = {"in_force": "2024-07-01", "reviewed_on": "2026-11-02", "review_by": "2027-05-02"}
    async with browser(admin_app) as admin:
        assert (await edit(admin, admin_app, **dates)).status_code == 303
        stored = await entry(admin_app)
        history = (await admin.get(f"/admin/faq/{SLUG}/history")).text
        exported = (await admin.get("/admin/data/faq.yaml")).text
    assert (stored.in_force, stored.reviewed_on, stored.review_by) == tuple(dates.values())
    newest = history.split('id="v2"')[1].split('id="v1"')[0]
    assert text("af_field_review_by") in newest and "2027-05-02" in newest
    assert text("af_field_answer") not in newest
    block = exported.split(f"slug: {SLUG}\n")[1].split("- slug:")[0]
    assert "in_force: 2024-07-01\n" in block and "review_by: 2027-05-02\n" in block
    async with admin_app.uow() as uow:
        statement = select(FaqVersionRow).order_by(FaqVersionRow.id.desc()).limit(1)
        newest_version = (await session_of(uow).execute(statement)).scalar_one()
    assert newest_version.data["review_by"] == "2027-05-02"


@pytest.mark.parametrize("value", ["2027-13-01", "1/5/2027", "soon"])
async def test_a_date_that_is_not_a_date_is_refused(admin_app: App, value: str) -> None:
    async with browser(admin_app) as admin:
        refused = await edit(admin, admin_app, review_by=value)
    assert refused.status_code == 422
    assert text("af_err_date_invalid") in refused.text
    assert (await entry(admin_app)).review_by != value
