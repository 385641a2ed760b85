"""Health check (no login)."""

from fastapi import APIRouter

from mimamoru.api.schemas import Health


def build_router() -> APIRouter:
    router = APIRouter(tags=["system"])

    @router.get("/health", response_model=Health, summary="Liveness check (no login needed)")
    def health() -> Health:
        return Health(status="ok")

    return router
