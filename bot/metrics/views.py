"""GET /metrics, on the web app and on the worker's metrics port."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bot.app import App
from bot.metrics.access import may_read_metrics
from bot.metrics.database import read_snapshot
from bot.metrics.exposition import CONTENT_TYPE, render

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    app: App = request.app.state.hoanhap
    if not may_read_metrics(request, app.settings):
        return Response(status_code=404)
    snapshot = await read_snapshot(
        app.database, app.clock, app.settings.timezone, app.settings.metrics_db_timeout_seconds
    )
    return Response(render(snapshot), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
