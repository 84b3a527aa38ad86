"""The API's description and operations pages: Swagger UI served from the package (works offline, loads
nothing from another host), the OpenAPI document of POST /v1/messages and the reads' refusals, and the
Prometheus text format of /metrics."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from message_samples import check_in, department
from prometheus_client.parser import text_string_to_metric_families

from services.core.app import App, app_for_url
from services.doors.http import create_app


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    core: App = await app_for_url(database_url)
    try:
        api = create_app(app=core, run_projections=False)
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
                yield http
    finally:
        await core.close()


async def test_swagger_page_loads_only_from_this_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    referenced = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text) + re.findall(
        r"""url:\s*['"]([^'"]+)['"]""", page.text)
    assert referenced and all(ref.startswith("/") and not ref.startswith("//") for ref in referenced), referenced
    assert "cdn" not in page.text.lower()
    for ref in re.findall(r"""(?:src|href)=["'](/docs/assets/[^"']+)["']""", page.text):
        asset = await client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 500, ref
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith("application/javascript")
    assert (await client.get("/docs/assets/index.html")).status_code == 404  # only the files the page loads
    assert (await client.get("/docs/assets/..%2Fpyproject.toml")).status_code == 404


async def test_openapi_describes_post_messages_fully(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    post = spec["paths"]["/v1/messages"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    envelope = body[0]
    assert set(envelope["required"]) == {"message_id", "tenant", "type", "occurred_at", "data"}
    assert envelope["properties"]["tenant"]["pattern"] == "^[a-z0-9][a-z0-9-]{0,62}$"
    assert body[1]["type"] == "array" and body[1]["items"] == envelope
    assert {"200", "201", "422"} <= set(post["responses"])
    outcome = spec["components"]["schemas"]["Outcome"]
    assert outcome["properties"]["status"]["enum"] == ["accepted", "duplicate", "rejected"]
    for code in ("201", "422"):
        assert post["responses"][code]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Outcome"}
    events = spec["paths"]["/v1/tenants/{tenant}/events"]["get"]["responses"]
    assert {"400", "404"} <= set(events)
    kpis = spec["paths"]["/v1/tenants/{tenant}/kpis"]["get"]["responses"]
    assert {"404", "422", "503"} <= set(kpis)


async def test_metrics_in_the_prometheus_text_format(client: httpx.AsyncClient) -> None:
    await client.post("/v1/messages", json=[department("a"), check_in("b-1")])
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    messages = {s.labels["status"]: s.value for s in families["eduplan_messages"].samples if s.name.endswith("_total")}
    assert messages == {"accepted": 1.0, "duplicate": 0.0, "rejected": 1.0}
    assert families["eduplan_log_max_position"].samples[0].value >= 1
