"""The admin page of data files: the FAQ (YAML) and the reference data (CSV) to download, and to
upload with a preview of what importing them changes before the admin confirms it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from bot.audit.changes import AdminInputError, NotFound, fail
from bot.faq.file_io import parse_faq_yaml
from bot.faq.knowledge import import_entries
from bot.reference.csv_import import CSV_KINDS, apply_reference_plan, export_csv, plan_reference_import
from bot.reference.uploads import MAX_UPLOAD_BYTES, decode_upload, keep_pending_upload, take_pending_upload
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import action_pages, read_form
from bot.web.deps import ADMIN_ONLY, Admin, Clock, Uow
from bot.web.forms import committed
from bot.web.templating import render
from knowledge_base.faq import dump_entries

FAQ_UPLOAD = "faq"
REFERENCE_UPLOAD = "reference"


async def _uploads(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """The chosen files among the form's file fields, checked and decoded (empty fields skipped)."""
    found: dict[str, str] = {}
    async with request.form() as form:  # closes the uploads' spooled temporary files, read or refused
        for name in names:
            upload = form.get(name)
            if not isinstance(upload, UploadFile):
                continue
            raw = await upload.read(MAX_UPLOAD_BYTES + 1)
            if not raw and not upload.filename:
                continue
            found[name] = decode_upload(raw)
    return found


def _status_of(error: AdminInputError) -> int:
    return 413 if any(p.key == "ar_err_upload_too_big" for p in error.problems) else 400


def _download(text: str, filename: str, media_type: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


router = APIRouter(dependencies=ADMIN_ONLY)


async def data_page(request: Request, status: int = 200, **extra: Any) -> Response:
    context: dict[str, Any] = {
        "csv_kinds": CSV_KINDS,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "faq_errors": [],
        "faq_preview": None,
        "faq_done": None,
        "ref_errors": [],
        "ref_preview": None,
        "ref_done": None,
    }
    context.update(extra)
    return await render(request, "admin/ref_data.html", context, status)


@router.get("/admin/data")
async def data(request: Request, user: Admin) -> Response:
    return await data_page(request)


@router.get("/admin/data/faq.yaml")
async def faq_download(user: Admin, uow: Uow) -> Response:
    return _download(dump_entries(await uow.faq.all()), "faq.yaml", "application/yaml")


@router.get("/admin/data/{kind}.csv")
async def csv_download(kind: str, user: Admin, uow: Uow) -> Response:
    try:
        text = await export_csv(uow, kind)
    except NotFound:
        raise HTTPException(status_code=404) from None
    return _download(text, f"{kind}.csv", "text/csv")


@router.post("/admin/data/faq")
async def faq_upload(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    try:
        files = await _uploads(request, ("file",))
        if "file" not in files:
            fail("ar_err_no_file")
        entries = parse_faq_yaml(files["file"])
    except AdminInputError as error:
        return await data_page(request, _status_of(error), faq_errors=error.problems)
    # The preview is the import itself, rolled back: the counts are exactly what confirming does.
    created, updated = await import_entries(uow, entries, clock(), user.username)
    await uow.rollback()
    preview: dict[str, Any] = {"entries": len(entries), "created": created, "updated": updated, "digest": ""}
    if created or updated:
        preview["digest"] = await committed(
            uow, lambda uow: keep_pending_upload(uow, FAQ_UPLOAD, user.id, {"file": files["file"]})
        )
    return await data_page(request, faq_preview=preview)


@router.post("/admin/data/faq/confirm")
async def faq_confirm(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    expected = (await read_form(request)).get("digest", "")[:64]

    async def confirm(uow: UnitOfWork) -> tuple[int, int]:
        files = await take_pending_upload(uow, FAQ_UPLOAD, user.id, expected)
        return await import_entries(uow, parse_faq_yaml(files.get("file", "")), clock(), user.username)

    try:
        created, updated = await committed(uow, confirm)
    except AdminInputError as error:
        return await data_page(request, 400, faq_errors=error.problems)
    return await data_page(request, faq_done={"created": created, "updated": updated})


@router.post("/admin/data/reference")
async def reference_upload(request: Request, user: Admin, uow: Uow) -> Response:
    async def plan_of(uow: UnitOfWork) -> dict[str, Any]:
        plan = await plan_reference_import(uow, files)
        digest = await keep_pending_upload(uow, REFERENCE_UPLOAD, user.id, files) if plan.changes else ""
        return {"plan": plan, "counts": plan.counts(), "digest": digest}

    try:
        files = await _uploads(request, CSV_KINDS)
        preview = await committed(uow, plan_of)
    except AdminInputError as error:
        return await data_page(request, _status_of(error), ref_errors=error.problems)
    return await data_page(request, ref_preview=preview)


@router.post("/admin/data/reference/confirm")
async def reference_confirm(request: Request, user: Admin, uow: Uow, clock: Clock) -> Response:
    expected = (await read_form(request)).get("digest", "")[:64]

    async def confirm(uow: UnitOfWork) -> dict[str, int]:
        files = await take_pending_upload(uow, REFERENCE_UPLOAD, user.id, expected)
        # Checked again: the database may have changed since the preview.
        plan = await plan_reference_import(uow, files)
        return await apply_reference_plan(uow, plan, user.username, clock())

    try:
        counts = await committed(uow, confirm)
    except AdminInputError as error:
        return await data_page(request, 400, ref_errors=error.problems)
    return await data_page(request, ref_done=counts)


action_pages(
    router,
    ("/admin/data/faq", "/admin/data"),
    ("/admin/data/faq/confirm", "/admin/data"),
    ("/admin/data/reference", "/admin/data"),
    ("/admin/data/reference/confirm", "/admin/data"),
)
