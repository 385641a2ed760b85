"""Every route that can reveal camera data goes through the access gate.

The test walks every route of the real app. A route whose path mentions a
camera, a recording, live or snapshot media — or any WebSocket — must depend
on a ``GatedAccess`` dependency (which calls ``AccessGate.authorize`` and
audits). Anything else must be on the short list of routes known to serve no
camera data. A new route therefore fails here until someone decides which it is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, WebSocket
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts

from mimamoru.api.deps import GatedAccess
from mimamoru.app import create_app
from mimamoru.services import Services
from tests.conftest import Installation

# Routes that serve no footage and no per-camera data, with the reason.
NOT_CAMERA_DATA = {
    "/api/v1/health": "liveness only",
    "/api/v1/auth/login": "authentication",
    "/api/v1/auth/logout": "authentication",
    "/api/v1/auth/me": "the caller's own account",
    "/api/v1/auth/sessions": "the caller's own sessions",
    "/api/v1/auth/sessions/{session_id}": "ends one of the caller's own sessions",
    "/api/v1/auth/totp": "the caller's own two-factor enrolment",
    "/api/v1/auth/totp/disable": "the caller's own two-factor",
    "/api/v1/auth/tokens": "the caller's own API tokens",
    "/api/v1/auth/tokens/{token_id}": "revokes one of the caller's own API tokens",
    "/api/v1/cameras": "GET filters the list through gate.visible_camera_ids; POST is admin-only",
    "/api/v1/holds": "GET filters holds through gate.may(configure); POST is gated",
    "/api/v1/storage": "admin-only; free space and the master key's fingerprint, no footage",
    "/api/v1/storage/deletions": "admin-only; counts and times of deleted footage, no footage",
    "/api/v1/users": "admin-only; accounts, no footage",
    "/api/v1/users/{user_id}": "admin-only; one account, no footage",
    "/api/v1/users/{user_id}/grants": "admin-only; which cameras a user may use, no footage",
    "/api/v1/users/{user_id}/unlock": "admin-only; clears a login lock, no footage",
    "/api/v1/users/{user_id}/sessions": "admin-only; a user's sessions, no footage",
    "/api/v1/users/{user_id}/sessions/{session_id}": "admin-only; ends a session",
    "/api/v1/users/{user_id}/tokens": "admin-only; a user's API tokens, no footage",
    "/api/v1/users/{user_id}/tokens/{token_id}": "admin-only; revokes a token",
    "/api/v1/users/{user_id}/totp": "admin-only; removes a user's two-factor",
    "/api/v1/users/{user_id}/permissions": "admin-only; which cameras a user may use, no footage",
    "/api/v1/groups": "admin-only; groups of users, no footage",
    "/api/v1/groups/{group_id}": "admin-only; one group, no footage",
    "/api/v1/groups/{group_id}/members": "admin-only; who is in a group, no footage",
    "/api/v1/groups/{group_id}/grants": "admin-only; which cameras a group may use, no footage",
    "/api/v1/camera-groups": "admin-only; names and members of camera groups, no footage",
    "/api/v1/camera-groups/{camera_group_id}": "admin-only; one camera group, no footage",
    "/api/v1/camera-groups/{camera_group_id}/cameras": "admin-only; camera ids, no footage",
    "/api/v1/audit": "auditors and admins; the log of who saw what (each read audited), no footage",
    "/api/v1/openapi.json": "API description",
    "/": "redirect",
    "/login": "page shell without data",
    "/cameras": "page shell; data comes from the gated API",
    "/live": "page shell; video comes from the gated WebSocket",
    "/masks": "page shell; picture and masks come from the gated API",
    "/account": "page shell; the caller's own sessions, two-factor and tokens",
    "/admin/users": "page shell without data; accounts come from the admin-only API",
    "/admin/permissions": "page shell without data; grants come from the admin-only API",
    "/audit": "page shell without data; entries come from the auditor/admin-only API",
    "/static": "CSS and JavaScript only",
    "/api/v1/exports": "GET filters exports through gate.may(export); POST is gated",
    "/api/v1/exports/public-key": "the installation's public export key, published on purpose",
    "/api/v1/exports/verify": "checks a package the caller uploads; reads no stored footage",
    "/api/v1/provisions": "managers, auditors, admins; the provision register, no footage",
    "/api/v1/provisions.csv": "managers, auditors, admins; the provision register as CSV",
    "/exports": "page shell without data; exports come from the gated API",
    "/verify": "public page shell; checks a package the visitor uploads",
    "/api/v1/requests": "access requests (who asked for which camera and range), no footage",
    "/api/v1/requests/pending-count": "a count of requests waiting for the caller, no footage",
    "/api/v1/requests/{request_id}": "one access request, to its requester, deciders, auditors",
    "/api/v1/requests/{request_id}/approve": "a decision on a request; footage stays gated",
    "/api/v1/requests/{request_id}/reject": "a decision on a request, no footage",
    "/api/v1/requests/{request_id}/withdraw": "the requester withdraws, no footage",
    "/requests": "page shell; requests come from the API, footage from the gated API",
    "/api/v1/compliance/profile": "admin-only; the operator's published contact details",
    "/api/v1/compliance/storage-locations": "admin-only; storage countries, no footage",
    "/api/v1/compliance/storage-locations/{location_id}": "admin-only; one storage location",
    "/api/v1/sites": "admin-only; site names and addresses, camera ids, no footage",
    "/api/v1/sites/{site_id}": "admin-only; one site, no footage",
    "/api/v1/purposes": "the purposes-of-use registry (public wording); changes admin-only",
    "/api/v1/purposes/{purpose_id}": "admin-only; one registry entry, no footage",
    "/api/v1/compliance/reviews/{kind}": "admin-only; records that a review was done",
    "/api/v1/compliance/dashboard": (
        "managers, auditors and admins; compliance facts per camera (names, purposes, "
        "sign dates, review dates), no footage and no sources"
    ),
    "/api/v1/compliance/dashboard.pdf": "managers, auditors and admins; the dashboard as PDF",
    "/api/v1/sites/{site_id}/signage.pdf": (
        "managers, auditors and admins; a site's public sign (purposes, operator, contact)"
    ),
    "/privacy": "the public notice: public facts only, tested for leaks of private fields",
    "/privacy.json": "the public notice as JSON: public facts only, tested for leaks",
    "/compliance": "page shell without data; the dashboard comes from its API",
    "/admin/compliance": "page shell without data; records come from the admin-only API",
    "/signage": "page shell without data; the sign comes from the gated API",
    "/grid": "page shell; cameras and video come from the gated API and WebSocket",
    "/playback": "page shell; timeline and recordings come from the gated API",
}


def gated(dependant: Dependant) -> bool:
    if isinstance(dependant.call, GatedAccess):
        return True
    return any(gated(sub) for sub in dependant.dependencies)


def ungated_routes(app: FastAPI) -> tuple[list[str], int]:
    """Routes that are neither gated nor known to be free of camera data; and the gated count."""
    problems: list[str] = []
    gated_count = 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, (APIRoute, APIWebSocketRoute)) and gated(route.dependant):
            gated_count += 1
        elif isinstance(route, APIWebSocketRoute) or path not in NOT_CAMERA_DATA:
            problems.append(f"{type(route).__name__} {path}")
    return problems, gated_count


@pytest.fixture
def app(installation: Installation) -> Iterator[FastAPI]:
    settings = installation.settings()
    services = Services.build(settings)
    try:
        yield create_app(settings, services, start_recorders=False)
    finally:
        services.close()


def test_every_camera_data_route_uses_the_gate(app: FastAPI) -> None:
    problems, gated_count = ungated_routes(app)
    assert problems == []
    assert gated_count >= 4, "the gated routes were found"


def test_a_route_that_skips_the_gate_is_caught(app: FastAPI) -> None:
    @app.get("/api/v1/cameras/{camera_id}/leak")
    def leak(camera_id: int) -> dict[str, int]:
        return {"camera_id": camera_id}

    @app.websocket("/api/v1/cameras/{camera_id}/leaky-socket")
    async def leaky_socket(websocket: WebSocket) -> None:
        await websocket.close()

    problems, _ = ungated_routes(app)
    assert any("/leak" in problem for problem in problems)
    assert any("/leaky-socket" in problem for problem in problems)


def test_static_files_hold_no_media() -> None:
    from mimamoru.web.pages import WEB_DIR

    suffixes = {path.suffix for path in (WEB_DIR / "static").iterdir()}
    assert suffixes <= {".js", ".css", ".svg", ".ico"}
