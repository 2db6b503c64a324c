"""The admin pages of reference data and accounts: agencies, localities, routing rules (with the
"who gets this?" tester), holidays, users, API tokens, FAQ and reference-data files, the audit log.

Only admins see them: anyone else gets 404, before even the CSRF check, so the pages do not exist
for staff whatever they send. The work is done in bot/reference_admin/; a refused input re-renders
the page with the reasons (400) and changes nothing. Forms are read in the page modules rather than
declared as FastAPI parameters so that the admin check runs before any body is parsed (the size
limit is the middleware's, bot/web/middleware.py). This module puts the pages of every kind under one router.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from bot.accounts.views.tokens import add_token_routes
from bot.accounts.views.users import add_user_routes
from bot.agencies.views import add_agency_routes
from bot.audit.views import add_audit_routes
from bot.holidays.views import add_holiday_routes
from bot.localities.views import add_locality_routes
from bot.reference.views import add_data_routes
from bot.routing.views import add_rule_routes
from bot.web.admin import back_to
from bot.web.security import admin_user, csrf_protect

# A page rendered by a POST (a password shown once, an upload preview) has the action's address:
# reloading it, or switching the language there, lands on the page the action belongs to. It also
# keeps a GET from answering 405 to staff, which would tell them the address exists.
ACTION_PAGES = (
    ("/admin/agencies/{code}/link-code", "/admin/agencies/{code}"),
    ("/admin/rules/{rule_id}/active", "/admin/rules/{rule_id}"),
    ("/admin/holidays/{day}/delete", "/admin/holidays"),
    ("/admin/users/{user_id}/active", "/admin/users/{user_id}"),
    ("/admin/users/{user_id}/password", "/admin/users/{user_id}"),
    ("/admin/tokens/{token_id}/revoke", "/admin/tokens"),
    ("/admin/data/faq", "/admin/data"),
    ("/admin/data/faq/confirm", "/admin/data"),
    ("/admin/data/reference", "/admin/data"),
    ("/admin/data/reference/confirm", "/admin/data"),
)


def reference_admin_router() -> APIRouter:
    # admin_user comes first: for anyone else the pages do not exist, even to a forged form.
    router = APIRouter(dependencies=[Depends(admin_user), Depends(csrf_protect)])
    add_agency_routes(router)
    add_locality_routes(router)
    add_rule_routes(router)
    add_holiday_routes(router)
    add_user_routes(router)
    add_token_routes(router)
    add_data_routes(router)
    for action_path, page_path in ACTION_PAGES:
        router.add_api_route(action_path, back_to(page_path), methods=["GET"], include_in_schema=False)
    add_audit_routes(router)
    return router
