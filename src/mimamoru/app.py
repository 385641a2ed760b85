"""The web application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from mimamoru import __version__
from mimamoru.api import (
    audit,
    auth,
    camera_groups,
    cameras,
    compliance,
    groups,
    live,
    recordings,
    requests,
    signs,
    storage,
    system,
    timeline,
    user_security,
    users,
)
from mimamoru.api import exports as exports_api
from mimamoru.api.deps import Dependencies
from mimamoru.audit.context import RequestClient
from mimamoru.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from mimamoru.security import SecurityHeaders
from mimamoru.services import Services
from mimamoru.settings import Settings
from mimamoru.storage.reconcile import reconcile_store
from mimamoru.web import pages

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def create_app(settings: Settings, services: Services, *, start_recorders: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if start_recorders:
            # Before any recorder runs: a .part file now is a crash's leftover, not a
            # segment being written.
            await run_in_threadpool(
                reconcile_store, services.database, services.store, services.clock
            )
            services.anchoring.start()
            services.supervisor.start()
            services.retention.start()
            services.export_runner.start()
        try:
            yield
        finally:
            if start_recorders:
                services.export_runner.stop()
                services.retention.stop()
                services.supervisor.stop()
                services.anchoring.stop()

    app = FastAPI(
        title="mimamoru",
        version=__version__,
        description="Self-hosted network camera service with privacy protection by default.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    deps = Dependencies(services)
    app.include_router(system.build_router(), prefix=API_PREFIX)
    app.include_router(auth.build_router(deps), prefix=API_PREFIX)
    app.include_router(cameras.build_router(deps), prefix=API_PREFIX)
    app.include_router(recordings.build_router(deps), prefix=API_PREFIX)
    app.include_router(live.build_router(deps), prefix=API_PREFIX)
    app.include_router(storage.build_router(deps), prefix=API_PREFIX)
    app.include_router(users.build_router(deps), prefix=API_PREFIX)
    app.include_router(user_security.build_router(deps), prefix=API_PREFIX)
    app.include_router(groups.build_router(deps), prefix=API_PREFIX)
    app.include_router(camera_groups.build_router(deps), prefix=API_PREFIX)
    app.include_router(audit.build_router(deps), prefix=API_PREFIX)
    app.include_router(requests.build_router(deps), prefix=API_PREFIX)
    app.include_router(exports_api.build_router(deps), prefix=API_PREFIX)
    app.include_router(compliance.build_router(deps), prefix=API_PREFIX)
    app.include_router(signs.build_router(deps), prefix=API_PREFIX)
    app.include_router(timeline.build_router(deps), prefix=API_PREFIX)
    pages.mount(app, deps)

    @app.exception_handler(NotFoundError)
    async def not_found(_request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ValidationFailedError)
    async def invalid(_request: Request, exc: ValidationFailedError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(ConflictError)
    async def conflict(_request: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.exception_handler(ForbiddenError)
    async def forbidden(_request: Request, exc: ForbiddenError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            problems.append(f"{location}: {error.get('msg', 'invalid')}")
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=422)

    hsts = None if settings.server.insecure_http else settings.server.hsts_max_age
    app.add_middleware(SecurityHeaders, hsts_max_age=hsts)
    app.add_middleware(RequestClient)
    return app
