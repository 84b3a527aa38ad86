"""The API's own description: the OpenAPI document and its Swagger page, for any valid token.

FastAPI's built-in documentation routes are switched off (they could declare no access rule); these
take their place. A browser signed in to the dashboard may open them with its session; Swagger's
"Authorize" button takes a token for trying the routes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from services.doors.http.access import requires

router = APIRouter()

_ANY_TOKEN = [requires("any", tenant="none", session=True)]


@router.get("/openapi.json", include_in_schema=False, dependencies=_ANY_TOKEN)
async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False, dependencies=_ANY_TOKEN)
async def swagger_page(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} – API")
