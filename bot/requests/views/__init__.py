"""The staff workspace at /staff: the queue, a request's page and actions, the export.

Every page needs a signed-in staff member or admin; a staff member sees only their agency's
requests (another agency's request is a 404, never a 403), and every form carries the CSRF token.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bot.requests.views import request as staff_request
from bot.requests.views.export import add_export_routes
from bot.requests.views.queue import add_queue_routes
from bot.web.security import csrf_protect


def staff_router() -> APIRouter:
    router = APIRouter(prefix="/staff", dependencies=[Depends(csrf_protect)])
    add_queue_routes(router)
    router.include_router(staff_request.router)
    add_export_routes(router)
    return router
