"""The HTTP door (FastAPI): messages in; KPIs, rejections, the event log and the dashboard out.

Routes live in one module per concern (each an ``APIRouter``), listed in :data:`app.ROUTER_MODULES`.
"""

from services.doors.http.app import create_app, serve

__all__ = ["create_app", "serve"]
