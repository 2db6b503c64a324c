"""The FastAPI application: health, readiness, and the webhooks of the channels that are set up."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.app import App
from bot.storage.database import schema_is_current


def create_web_app(app: App, routers: list[APIRouter]) -> FastAPI:
    web = FastAPI(title="Hòa Nhập", docs_url=None, redoc_url=None, openapi_url=None)

    @web.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @web.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            async with app.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            current = await schema_is_current(app.database.engine)
        except Exception:
            return JSONResponse({"status": "database unreachable"}, status_code=503)
        if not current:
            return JSONResponse({"status": "migrations pending"}, status_code=503)
        return JSONResponse({"status": "ready"})

    for router in routers:
        web.include_router(router)
    return web
