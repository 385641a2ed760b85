"""The public privacy notice: ``/privacy`` (HTML, Japanese and English) and ``/privacy.json``.

No login: these are what a person who sees a camera sign reaches through its QR code. What
they show is decided in ``compliance/notice.py`` and is public by construction.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from mimamoru.api.deps import Dependencies
from mimamoru.compliance.notice import hours_en, hours_ja


def mount_notice(app: FastAPI, deps: Dependencies, templates: Jinja2Templates) -> None:
    compliance = deps.services.compliance

    @app.get("/privacy", include_in_schema=False, response_class=HTMLResponse)
    async def privacy_page(request: Request) -> Response:
        notice = await run_in_threadpool(compliance.notice)
        return templates.TemplateResponse(
            request,
            "notice.html",
            {"notice": notice, "hours_ja": hours_ja, "hours_en": hours_en},
        )

    @app.get(
        "/privacy.json",
        tags=["compliance"],
        summary="The public privacy notice, machine-readable (no login)",
    )
    async def privacy_json() -> JSONResponse:
        notice = await run_in_threadpool(compliance.notice)
        return JSONResponse(notice.as_json())
