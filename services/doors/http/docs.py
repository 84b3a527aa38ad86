"""The API's own description: the OpenAPI document and its Swagger page, for any valid token.

FastAPI's built-in documentation routes are switched off (they could declare no access rule); these
take their place. A browser signed in to the dashboard may open them with its session; Swagger's
"Authorize" button takes a token for trying the routes. Swagger UI's script and styles come from the
``swagger-ui-bundle`` package and are served here (``/docs/assets/…``), so the page works offline and
loads nothing from another host.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from services.doors.http.access import public, requires

router = APIRouter()

_ANY_TOKEN = [requires("any", tenant="none", session=True)]

ASSETS = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
"""The files of Swagger UI the page loads; nothing else of the package is served."""


def _assets_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


@router.get("/openapi.json", include_in_schema=False, dependencies=_ANY_TOKEN)
async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False, dependencies=_ANY_TOKEN)
async def swagger_page(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title=f"{request.app.title} – API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js", swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
    )


@router.get("/docs/assets/{name}", include_in_schema=False,
            dependencies=[public("Swagger UI's own script and styles, the same for everyone")])
async def swagger_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(404, "no such file")
    return FileResponse(_assets_dir() / name, media_type=ASSETS[name],
                        headers={"Cache-Control": "public, max-age=86400"})
