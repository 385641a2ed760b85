"""The authorization matrix: every route x every kind of caller x a granted and an ungranted camera.

The routes come from the real app's route table (``APIRoute`` methods x path, the
``APIWebSocketRoute`` and the ``/static`` mount). ``POLICY`` classifies each one:

``public``
    anyone, logged in or not (health, the API description, the login page and call, static).
``index``
    ``/``: a browser session is sent on to ``/cameras``, anyone else to ``/login`` (303).
``page``
    a page shell: without a session cookie 303 to ``/login``; with one, 200.
``self``
    any logged-in caller, API tokens included (``/auth/me``).
``person``
    a logged-in person; an API token is refused with 403 (sessions, two-factor, tokens, logout).
``admin`` / ``auditor``
    administrators (and, for ``auditor``, auditors); everyone else 403, API tokens 403.
``oversight``
    managers, auditors and administrators (the compliance dashboard, the provision
    register); everyone else 403, API tokens 403.
``listing(<operation>)``
    a filtered list: any logged-in caller gets 200, and the list holds exactly the cameras
    the caller may use for that operation (``view`` for cameras, ``configure`` for holds,
    ``export`` for exports).
``camera(<operation>)``
    a gated route (a ``GatedAccess`` dependency in ``mimamoru.api.deps``), with the operation
    its dependency asks the gate for: ``camera(Operation.X)`` and ``camera_range`` name it,
    ``segment`` is ``playback``, ``live_socket`` is ``live``, ``new_hold``/``existing_hold``
    are ``configure``, ``new_export``/``existing_export`` are ``export``. Not allowed is 404,
    indistinguishable from a camera that does not exist.
``request`` / ``decision`` / ``own_request``
    one access request (``/requests/{request_id}``). For ``request`` (reading it) and
    ``decision`` (approve, reject) it is a fresh export request on camera A by another user
    (a viewer holding ``live`` on A): administrators, managers (who hold ``export`` on A)
    and, for reading, auditors reach it; an auditor deciding gets 403; anyone else 404, as
    for a request that does not exist; API tokens may read but not decide (403). For
    ``own_request`` (withdraw) it is a fresh export request by the caller (for a token or
    anonymous: the viewer), which every person may withdraw; API tokens 403.

Callers: anonymous; one user per role (admin, manager, operator, viewer, auditor), where
every non-admin holds a grant for every operation on camera A and nothing on camera B;
and API tokens of the viewer, each carrying one operation (``token:playback``, as the
permissions issue asks, plus ``token:live`` and ``token:configure``: since every person
holds every operation on A, only the tokens tell a route gated on the wrong operation;
``view`` comes with any token, see ``mimamoru.access.gate``). Each gated route is tried on
A (granted) and on B (not granted); the others once per caller. People call the API with a
bearer token (no CSRF token needed) and pages with the session cookie (pages read nothing
else); API tokens are sent as bearer tokens everywhere, so pages send them to ``/login``.

Expected outcomes: anonymous 401 on the API; the statuses above for refusals, exactly.
The live WebSocket cannot answer 401/404: a refused handshake is HTTP 403, an allowed one
opens (101). An *allowed* outcome is 2xx, or one of 409/410/422/503: requests carry
deliberately minimal bodies (``{}``; the app authorizes before it validates the body), so
an allowed caller often gets 422; the cameras here have no recorder running, so an allowed
snapshot is 503. Anything else — and in particular 401, 403, 404 or 500 — is a mismatch.

Every request is independent: each request carries a fresh login session (inserted the way
``SessionManager`` stores one) or a fresh API token of its caller, and every path parameter
that a request may consume (a user, a hold, a session, a token, a group) is made fresh for
it, so a logout, revocation or deletion in one cell cannot change the next. The cameras are
disabled from the start (no recorder runs); their footage is a sealed segment each, written
through the real store and index. All mismatches are collected and reported in one table.

New routes must be classified here: ``test_every_route_is_classified`` fails naming any
route of the app that ``POLICY`` does not know, and any ``POLICY`` entry the app lacks.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, WebSocket
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.routing import Mount
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from mimamoru.access.grants import GRANTABLE
from mimamoru.access.passwords import hash_password
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.api.deps import SESSION_COOKIE
from mimamoru.app import create_app
from mimamoru.compliance.purposes import PurposeFields
from mimamoru.db import cameras as camera_queries
from mimamoru.db import exports as export_queries
from mimamoru.db import users as user_queries
from mimamoru.db.tables import Export
from mimamoru.services import Services
from tests.conftest import Installation, RunningServer
from tests.support.footage import write_segment
from tests.support.http_camera import jpeg_frames
from tests.support.processes import wait_until
from tests.support.servers import ca_context

API = "/api/v1"
PASSWORD = "a-long-enough-passphrase"


@dataclass(frozen=True)
class Policy:
    kind: str
    operation: Operation | None = None

    def __str__(self) -> str:
        return f"{self.kind}({self.operation.value})" if self.operation else self.kind


PUBLIC = Policy("public")
INDEX = Policy("index")
PAGE = Policy("page")
SELF = Policy("self")
PERSON = Policy("person")
ADMIN = Policy("admin")
AUDITOR = Policy("auditor")
OVERSIGHT = Policy("oversight")
KINDS = (
    "public",
    "index",
    "page",
    "self",
    "person",
    "admin",
    "auditor",
    "oversight",
    "listing",
    "camera",
    "request",
    "decision",
    "own_request",
)
REQUEST = Policy("request")
DECISION = Policy("decision")
OWN_REQUEST = Policy("own_request")


def listing(operation: Operation) -> Policy:
    return Policy("listing", operation)


def camera(operation: Operation) -> Policy:
    return Policy("camera", operation)


RouteKey = tuple[str, str]  # (method, path); "WS" for a WebSocket; the mount as GET

POLICY: dict[RouteKey, Policy] = {
    # Anyone.
    ("GET", f"{API}/health"): PUBLIC,
    ("GET", f"{API}/openapi.json"): PUBLIC,
    ("POST", f"{API}/auth/login"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/"): INDEX,
    # Page shells.
    ("GET", "/cameras"): PAGE,
    ("GET", "/live"): PAGE,
    ("GET", "/masks"): PAGE,
    ("GET", "/account"): PAGE,
    ("GET", "/admin/users"): PAGE,
    ("GET", "/admin/permissions"): PAGE,
    ("GET", "/audit"): PAGE,
    ("GET", "/grid"): PAGE,
    ("GET", "/playback"): PAGE,
    # The caller's own account.
    ("GET", f"{API}/auth/me"): SELF,
    ("POST", f"{API}/auth/logout"): PERSON,
    ("GET", f"{API}/auth/sessions"): PERSON,
    ("DELETE", f"{API}/auth/sessions/{{session_id}}"): PERSON,
    ("POST", f"{API}/auth/totp"): PERSON,
    ("POST", f"{API}/auth/totp/disable"): PERSON,
    ("GET", f"{API}/auth/tokens"): PERSON,
    ("POST", f"{API}/auth/tokens"): PERSON,
    ("DELETE", f"{API}/auth/tokens/{{token_id}}"): PERSON,
    # Filtered lists.
    ("GET", f"{API}/cameras"): listing(Operation.VIEW),
    ("GET", f"{API}/holds"): listing(Operation.CONFIGURE),
    # Gated: camera data.
    ("GET", f"{API}/cameras/{{camera_id}}"): camera(Operation.VIEW),
    ("PATCH", f"{API}/cameras/{{camera_id}}"): camera(Operation.CONFIGURE),
    ("GET", f"{API}/cameras/{{camera_id}}/snapshot"): camera(Operation.LIVE),
    ("GET", f"{API}/cameras/{{camera_id}}/recordings"): camera(Operation.PLAYBACK),
    ("GET", f"{API}/recordings/{{segment_id}}"): camera(Operation.PLAYBACK),
    ("WS", f"{API}/cameras/{{camera_id}}/live"): camera(Operation.LIVE),
    ("POST", f"{API}/holds"): camera(Operation.CONFIGURE),
    ("DELETE", f"{API}/holds/{{hold_id}}"): camera(Operation.CONFIGURE),
    ("GET", f"{API}/cameras/{{camera_id}}/timeline"): camera(Operation.PLAYBACK),
    # Administrators.
    ("POST", f"{API}/cameras"): ADMIN,
    ("GET", f"{API}/storage"): ADMIN,
    ("GET", f"{API}/storage/deletions"): ADMIN,
    ("GET", f"{API}/users"): ADMIN,
    ("POST", f"{API}/users"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}"): ADMIN,
    ("PATCH", f"{API}/users/{{user_id}}"): ADMIN,
    ("DELETE", f"{API}/users/{{user_id}}"): ADMIN,
    ("POST", f"{API}/users/{{user_id}}/unlock"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}/grants"): ADMIN,
    ("PUT", f"{API}/users/{{user_id}}/grants"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}/permissions"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}/sessions"): ADMIN,
    ("DELETE", f"{API}/users/{{user_id}}/sessions"): ADMIN,
    ("DELETE", f"{API}/users/{{user_id}}/sessions/{{session_id}}"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}/tokens"): ADMIN,
    ("DELETE", f"{API}/users/{{user_id}}/tokens/{{token_id}}"): ADMIN,
    ("DELETE", f"{API}/users/{{user_id}}/totp"): ADMIN,
    ("GET", f"{API}/groups"): ADMIN,
    ("POST", f"{API}/groups"): ADMIN,
    ("GET", f"{API}/groups/{{group_id}}"): ADMIN,
    ("PATCH", f"{API}/groups/{{group_id}}"): ADMIN,
    ("DELETE", f"{API}/groups/{{group_id}}"): ADMIN,
    ("PUT", f"{API}/groups/{{group_id}}/members"): ADMIN,
    ("GET", f"{API}/groups/{{group_id}}/grants"): ADMIN,
    ("PUT", f"{API}/groups/{{group_id}}/grants"): ADMIN,
    ("GET", f"{API}/camera-groups"): ADMIN,
    ("POST", f"{API}/camera-groups"): ADMIN,
    ("GET", f"{API}/camera-groups/{{camera_group_id}}"): ADMIN,
    ("PATCH", f"{API}/camera-groups/{{camera_group_id}}"): ADMIN,
    ("DELETE", f"{API}/camera-groups/{{camera_group_id}}"): ADMIN,
    ("PUT", f"{API}/camera-groups/{{camera_group_id}}/cameras"): ADMIN,
    # Auditors and administrators.
    ("GET", f"{API}/audit"): AUDITOR,
    # Exports and the provision register.
    ("GET", "/exports"): PAGE,
    ("GET", "/verify"): PUBLIC,
    ("GET", f"{API}/exports/public-key"): PUBLIC,
    ("POST", f"{API}/exports/verify"): PUBLIC,
    ("POST", f"{API}/exports"): camera(Operation.EXPORT),
    ("GET", f"{API}/exports"): listing(Operation.EXPORT),
    ("GET", f"{API}/exports/{{export_id}}"): camera(Operation.EXPORT),
    ("GET", f"{API}/exports/{{export_id}}/download"): camera(Operation.EXPORT),
    ("GET", f"{API}/provisions"): OVERSIGHT,
    ("GET", f"{API}/provisions.csv"): OVERSIGHT,
    # Access requests: anyone logged in asks and lists; each request has its own readers.
    ("GET", "/requests"): PAGE,
    ("POST", f"{API}/requests"): SELF,
    ("GET", f"{API}/requests"): SELF,
    ("GET", f"{API}/requests/pending-count"): SELF,
    ("GET", f"{API}/requests/{{request_id}}"): REQUEST,
    ("POST", f"{API}/requests/{{request_id}}/approve"): DECISION,
    ("POST", f"{API}/requests/{{request_id}}/reject"): DECISION,
    ("POST", f"{API}/requests/{{request_id}}/withdraw"): OWN_REQUEST,
    # Compliance: the public notice, its records, the purposes, signs and the dashboard.
    ("GET", "/privacy"): PUBLIC,
    ("GET", "/privacy.json"): PUBLIC,
    ("GET", "/compliance"): PAGE,
    ("GET", "/admin/compliance"): PAGE,
    ("GET", "/signage"): PAGE,
    ("GET", f"{API}/compliance/profile"): ADMIN,
    ("PUT", f"{API}/compliance/profile"): ADMIN,
    ("GET", f"{API}/compliance/storage-locations"): ADMIN,
    ("POST", f"{API}/compliance/storage-locations"): ADMIN,
    ("PUT", f"{API}/compliance/storage-locations/{{location_id}}"): ADMIN,
    ("DELETE", f"{API}/compliance/storage-locations/{{location_id}}"): ADMIN,
    ("GET", f"{API}/sites"): ADMIN,
    ("POST", f"{API}/sites"): ADMIN,
    ("GET", f"{API}/sites/{{site_id}}"): ADMIN,
    ("PUT", f"{API}/sites/{{site_id}}"): ADMIN,
    ("DELETE", f"{API}/sites/{{site_id}}"): ADMIN,
    ("GET", f"{API}/purposes"): SELF,
    ("POST", f"{API}/purposes"): ADMIN,
    ("PUT", f"{API}/purposes/{{purpose_id}}"): ADMIN,
    ("DELETE", f"{API}/purposes/{{purpose_id}}"): ADMIN,
    ("POST", f"{API}/compliance/reviews/{{kind}}"): ADMIN,
    ("GET", f"{API}/compliance/dashboard"): OVERSIGHT,
    ("GET", f"{API}/compliance/dashboard.pdf"): OVERSIGHT,
    ("GET", f"{API}/sites/{{site_id}}/signage.pdf"): OVERSIGHT,
    ("GET", f"{API}/cameras/{{camera_id}}/signage.pdf"): camera(Operation.VIEW),
    ("GET", f"{API}/cameras/{{camera_id}}/purposes"): camera(Operation.CONFIGURE),
    ("PUT", f"{API}/cameras/{{camera_id}}/purposes"): camera(Operation.CONFIGURE),
    ("PUT", f"{API}/cameras/{{camera_id}}/site"): camera(Operation.CONFIGURE),
    ("POST", f"{API}/cameras/{{camera_id}}/sign-attestations"): camera(Operation.CONFIGURE),
    ("GET", f"{API}/cameras/{{camera_id}}/sign-attestation"): camera(Operation.CONFIGURE),
    ("GET", f"{API}/cameras/{{camera_id}}/sign-attestation/photo"): camera(Operation.CONFIGURE),
}

# Path parameters that pick a camera (directly or through what they name): a route with one
# of them, a WebSocket, or one that reads its camera from the body is camera(<operation>).
CAMERA_PARAMETERS = ("camera_id", "segment_id", "hold_id", "export_id")
CAMERA_IN_BODY = frozenset({("POST", f"{API}/holds"), ("POST", f"{API}/exports")})
# API tokens of the viewer, one per operation that a route asks the gate for: with them the
# matrix tells a route gated on the wrong operation (every person holds all of them on A).
TOKEN_OPERATIONS = (Operation.PLAYBACK, Operation.LIVE, Operation.CONFIGURE)
# What to request for a route that is not a concrete path.
PROBE_PATHS = {"/static": "/static/app.css"}
# The element of each filtered list that names its camera.
LISTED_CAMERA = {
    f"{API}/cameras": "id",
    f"{API}/holds": "camera_id",
    f"{API}/exports": "camera_id",
}
ALLOWED_STATUSES = frozenset({409, 410, 422, 503})
ALLOWED = "allowed"
OPEN = "101 (open)"


def route_keys(app: FastAPI) -> list[RouteKey]:
    """Every (method, path) of the app, read from its route table."""
    keys: list[RouteKey] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, APIWebSocketRoute):
            keys.append(("WS", path))
        elif isinstance(route, Mount):
            keys.append(("GET", path))
        elif isinstance(route, APIRoute) or context.methods:
            methods = set(context.methods or ())
            if "GET" in methods:
                methods.discard("HEAD")  # Starlette adds HEAD to every GET route
            keys.extend((method, path) for method in sorted(methods))
        else:
            keys.append((type(route).__name__, path))
    return keys


def classification_problems(app: FastAPI) -> list[str]:
    present = set(route_keys(app))
    problems = [
        f"{method} {path}: not classified; add it to POLICY"
        for method, path in sorted(present - POLICY.keys())
    ]
    for (method, path), policy in sorted(POLICY.items()):
        names_camera = (
            method == "WS"
            or (method, path) in CAMERA_IN_BODY
            or any(f"{{{name}}}" in path for name in CAMERA_PARAMETERS)
        )
        if names_camera != (policy.kind == "camera"):
            problems.append(
                f"{method} {path}: it {'names' if names_camera else 'does not name'} a camera, "
                f"so it must {'' if names_camera else 'not '}be camera(<operation>), not {policy}"
            )
    problems += [
        f"{method} {path}: in POLICY but the app has no such route"
        for method, path in sorted(POLICY.keys() - present)
    ]
    return problems


@pytest.fixture
def app(installation: Installation) -> Iterator[FastAPI]:
    settings = installation.settings()
    services = Services.build(settings)
    try:
        yield create_app(settings, services, start_recorders=False)
    finally:
        services.close()


def test_every_route_is_classified(app: FastAPI) -> None:
    assert classification_problems(app) == []


def test_an_unclassified_route_is_caught(app: FastAPI) -> None:
    @app.get(f"{API}/cameras/{{camera_id}}/new-thing")
    def new_thing(camera_id: int) -> dict[str, int]:
        return {"camera_id": camera_id}

    @app.websocket(f"{API}/new-socket")
    async def new_socket(websocket: WebSocket) -> None:
        await websocket.close()

    problems = classification_problems(app)
    assert (
        f"GET {API}/cameras/{{camera_id}}/new-thing: not classified; add it to POLICY" in problems
    )
    assert f"WS {API}/new-socket: not classified; add it to POLICY" in problems


# --- The matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role | None = None  # None: anonymous
    user_id: int = 0
    token_scopes: frozenset[Operation] | None = None  # set: an API token of this user

    @property
    def via_token(self) -> bool:
        return self.token_scopes is not None

    @property
    def person(self) -> bool:
        return self.role is not None and not self.via_token


@dataclass(frozen=True)
class Cell:
    method: str
    path: str
    policy: Policy
    caller: Caller
    camera: str | None  # "A" (granted), "B" (not granted) or None


def hold_body(camera_id: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "camera_id": camera_id,
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": now.isoformat(),
        "reason": "authorization matrix",
        "expires": (now + timedelta(days=1)).isoformat(),
    }


def export_body(camera_id: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "camera_id": camera_id,
        "start": (now - timedelta(minutes=40)).isoformat(),
        "end": (now - timedelta(minutes=20)).isoformat(),
        "purpose": "authorization matrix",
        "recipient": "matrix police",
        "legal_basis": "consent",
    }


@dataclass
class Matrix:
    """The running server with its cameras, footage and callers, and the requests' state."""

    server: RunningServer
    cameras: dict[str, int]
    segments: dict[str, int]
    callers: list[Caller]
    password_hash: str
    opened_sockets: int = 0
    requester: int = 0
    counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def services(self) -> Services:
        return self.server.services

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counter)}"

    # Fresh things, one per request.

    def session(self, user_id: int) -> tuple[str, int]:
        """A new login session, stored as ``SessionManager`` stores one (SHA-256 of the token)."""
        token = secrets.token_urlsafe(32)
        now = self.services.clock.now()
        with self.services.database.session() as session:
            row = user_queries.add_login_session(
                session,
                user_id=user_id,
                token_hash=hashlib.sha256(token.encode("utf-8")).hexdigest(),
                now=now,
                expires_at=now + timedelta(hours=1),
                client="127.0.0.1",
                user_agent="authorization matrix",
            )
            return token, row.id

    def api_token(self, user_id: int, operations: frozenset[Operation]) -> tuple[str, int]:
        issued = self.services.sessions.tokens.create(
            user_id,
            name=self.unique("token"),
            operations=sorted(op.value for op in operations),
            expires_in_days=1,
            actor="matrix",
        )
        return issued.token, issued.record.id

    def user(self, role: Role = Role.VIEWER, name: str | None = None) -> int:
        """An account made directly in the database (no argon2 per account)."""
        with self.services.database.session() as session:
            row = user_queries.add_user(
                session,
                username=name or self.unique("target"),
                password_hash=self.password_hash,
                role=role.value,
                now=self.services.clock.now(),
            )
            return row.id

    def token(self, user_id: int) -> int:
        return self.api_token(user_id, frozenset({Operation.LIVE}))[1]

    def hold(self, camera_id: int) -> int:
        now = self.services.clock.now()
        return self.services.holds.place(
            camera_id=camera_id,
            start=now - timedelta(hours=1),
            end=now,
            reason="authorization matrix",
            expires=now + timedelta(days=1),
            actor="matrix",
        ).id

    def export(self, camera_id: int) -> int:
        """A failed export of the camera (no package: an allowed download is 409)."""
        now = self.services.clock.now()
        with self.services.database.session() as session:
            row = export_queries.add_export(
                session,
                Export(
                    camera_id=camera_id,
                    camera_name="matrix",
                    start_time=now - timedelta(hours=1),
                    end_time=now,
                    purpose="authorization matrix",
                    recipient="internal",
                    legal_basis="internal",
                    reference="",
                    requester="matrix",
                    approvers="[]",
                    state="failed",
                    progress=0.0,
                    gaps="[]",
                    created_at=now,
                    expires_at=now + timedelta(days=1),
                    download_count=0,
                ),
            )
            return row.id

    def group(self, service_name: str) -> int:
        service = getattr(self.services, service_name)
        group_id: int = service.create(name=self.unique(service_name), actor="matrix").id
        return group_id

    def access_request(self, user_id: int) -> int:
        """A fresh pending export request on camera A by the user (0: the requester)."""
        with self.services.database.session() as session:
            user = user_queries.user_by_id(session, user_id or self.requester)
            assert user is not None
            principal = Principal(user.id, user.username, Role(user.role))
        now = self.services.clock.now()
        record = self.services.requests.create(
            principal,
            camera_id=self.cameras["A"],
            operation="export",
            start=now - timedelta(hours=2),
            end=now - timedelta(hours=1),
            reason="authorization matrix",
        )
        return record.id

    def site(self) -> int:
        return self.services.compliance.sites.create(
            self.unique("site"), "", public=True, actor="matrix"
        ).id

    def purpose(self) -> int:
        fields = PurposeFields(name_ja="目的", name_en="purpose")
        code = self.unique("matrix").replace("-", "_")
        return self.services.compliance.purposes.create(code, fields, actor="matrix").id

    def location(self) -> int:
        return self.services.compliance.profile.add_location(
            self.unique("store"), "Japan", "", actor="matrix"
        ).id

    # Requests.

    def owner(self, caller: Caller) -> int:
        """Whose own sessions and tokens a caller names: its own (anonymous: the viewer's)."""
        return caller.user_id or next(c.user_id for c in self.callers if c.name == "viewer")

    def concrete_path(self, cell: Cell) -> str:
        path = PROBE_PATHS.get(cell.path, cell.path)
        camera_id = self.cameras[cell.camera] if cell.camera else None
        target: int | None = None
        values: dict[str, int | str] = {}
        for name in re.findall(r"\{(\w+)\}", path):
            if name == "camera_id" and camera_id is not None:
                values[name] = camera_id
            elif name == "segment_id" and cell.camera:
                values[name] = self.segments[cell.camera]
            elif name == "hold_id" and camera_id is not None:
                values[name] = self.hold(camera_id)
            elif name == "export_id" and camera_id is not None:
                values[name] = self.export(camera_id)
            elif name == "user_id":
                target = values[name] = self.user()
            elif name == "session_id":
                values[name] = self.session(target or self.owner(cell.caller))[1]
            elif name == "token_id":
                values[name] = self.token(target or self.owner(cell.caller))
            elif name == "group_id":
                values[name] = self.group("groups")
            elif name == "camera_group_id":
                values[name] = self.group("camera_groups")
            elif name == "request_id":
                own = cell.policy.kind == "own_request"
                values[name] = self.access_request(self.owner(cell.caller) if own else 0)
            elif name == "site_id":
                values[name] = self.site()
            elif name == "purpose_id":
                values[name] = self.purpose()
            elif name == "location_id":
                values[name] = self.location()
            elif name == "kind":
                values[name] = "masks"
            else:
                raise AssertionError(f"{cell.method} {cell.path}: no value for {{{name}}}")
        return path.format(**values)

    def body(self, cell: Cell) -> dict[str, Any] | None:
        if cell.method not in ("POST", "PUT", "PATCH"):
            return None
        if (cell.method, cell.path) == ("POST", f"{API}/holds"):
            # The gate reads the camera from the body, so this one must be valid.
            assert cell.camera is not None
            return hold_body(self.cameras[cell.camera])
        if (cell.method, cell.path) == ("POST", f"{API}/exports"):
            # Valid for the gate; without a request id the allowed answer is 422.
            assert cell.camera is not None
            return export_body(self.cameras[cell.camera])
        return {}

    def credential(self, caller: Caller) -> str | None:
        """A fresh login session or API token of the caller: no request can spoil the next."""
        if caller.role is None:
            return None
        if caller.token_scopes is not None:
            return self.api_token(caller.user_id, caller.token_scopes)[0]
        return self.session(caller.user_id)[0]

    def end(self, caller: Caller, secret: str) -> None:
        """End the caller's session or revoke its token."""
        if caller.token_scopes is not None:
            owner = self.services.sessions.tokens.resolve(secret)
            assert owner is not None and owner.token_id is not None
            self.services.sessions.tokens.revoke(caller.user_id, owner.token_id, actor="matrix")
            return
        with self.services.database.session() as session:
            user_queries.delete_login_session(
                session, hashlib.sha256(secret.encode("utf-8")).hexdigest()
            )

    # Policy.

    def permitted(self, caller: Caller, camera_id: int, operation: Operation) -> bool:
        if caller.role is None:
            return False
        scopes = caller.token_scopes
        if scopes is not None and operation not in scopes | {Operation.VIEW}:
            return False
        return caller.role is Role.ADMIN or camera_id == self.cameras["A"]

    def expected(self, cell: Cell) -> str:
        caller, kind = cell.caller, cell.policy.kind
        if kind == "public":
            return ALLOWED
        if kind == "index":
            return "303 -> /cameras" if caller.person else "303 -> /login"
        if kind == "page":
            return "200" if caller.person else "303 -> /login"
        if kind == "camera":
            assert cell.policy.operation is not None and cell.camera is not None
            allowed = self.permitted(caller, self.cameras[cell.camera], cell.policy.operation)
            if cell.method == "WS":
                return OPEN if allowed else "403"
            if caller.role is None:
                return "401"
            return ALLOWED if allowed else "404"
        if caller.role is None:
            return "401"
        if kind in ("self", "listing"):
            return ALLOWED
        if kind == "request" and caller.via_token:
            return "404"  # the viewer's tokens: not the viewer's request, not a decider
        if caller.via_token:
            return "403"
        if kind == "person":
            return ALLOWED
        if kind == "admin":
            return ALLOWED if caller.role is Role.ADMIN else "403"
        if kind == "own_request":
            return ALLOWED
        if kind in ("request", "decision"):
            if caller.role in (Role.ADMIN, Role.MANAGER):
                return ALLOWED
            if caller.role is Role.AUDITOR:
                return ALLOWED if kind == "request" else "403"
            return "404"
        if kind == "auditor":
            return ALLOWED if caller.role in (Role.ADMIN, Role.AUDITOR) else "403"
        if kind == "oversight":
            readers = (Role.ADMIN, Role.MANAGER, Role.AUDITOR)
            return ALLOWED if caller.role in readers else "403"
        raise AssertionError(f"unknown classification {cell.policy}")

    def listed(self, cell: Cell, response: httpx.Response) -> str:
        """Which of A and B a filtered list showed, and which it should have."""
        assert cell.policy.operation is not None
        names = {camera_id: name for name, camera_id in self.cameras.items()}
        key = LISTED_CAMERA[cell.path]
        shown = sorted({names.get(item[key], str(item[key])) for item in response.json()})
        wanted = sorted(
            name
            for name, camera_id in self.cameras.items()
            if self.permitted(cell.caller, camera_id, cell.policy.operation)
        )
        return "" if shown == wanted else f"lists {shown or 'nothing'}, not {wanted or 'nothing'}"

    def run_http(self, client: httpx.Client, cell: Cell) -> str:
        path = self.concrete_path(cell)
        headers: dict[str, str] = {}
        secret = self.credential(cell.caller)
        if secret is not None:
            if cell.caller.person and not cell.path.startswith(f"{API}/"):
                headers["Cookie"] = f"{SESSION_COOKIE}={secret}"  # pages read the cookie only
            else:
                headers["Authorization"] = f"Bearer {secret}"
        client.cookies.clear()
        response = client.request(cell.method, path, headers=headers, json=self.body(cell))
        if response.status_code in (301, 302, 303, 307, 308):
            return f"{response.status_code} -> {response.headers.get('location')}"
        got = str(response.status_code)
        if cell.policy.kind == "listing" and response.status_code == 200:
            problem = self.listed(cell, response)
            if problem:
                return f"{got}, {problem}"
        return got

    def run_socket(self, cell: Cell) -> str:
        url = self.server.url.replace("https://", "wss://") + self.concrete_path(cell)
        secret = self.credential(cell.caller)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        try:
            with connect(
                url,
                ssl=ca_context(self.server.installation.data_dir),
                additional_headers=headers,
                open_timeout=20,
                close_timeout=5,
            ):
                self.opened_sockets += 1
        except InvalidStatus as exc:
            return str(exc.response.status_code)
        finally:
            # Each cell's credential is used once; ending it keeps the sessions table small.
            if secret is not None:
                self.end(cell.caller, secret)
        return OPEN

    def run(self, client: httpx.Client, cell: Cell) -> tuple[str, str, bool]:
        """(expected, got, whether they agree)."""
        expected = self.expected(cell)
        got = self.run_socket(cell) if cell.method == "WS" else self.run_http(client, cell)
        if expected == ALLOWED:
            agrees = re.fullmatch(r"\d{3}", got) is not None and (
                got.startswith("2") or int(got) in ALLOWED_STATUSES
            )
            return "allowed (2xx/409/410/422/503)", got, agrees
        return expected, got, got == expected


def set_up(server: RunningServer) -> Matrix:
    services = server.services
    now = services.clock.now()
    cameras: dict[str, int] = {}
    with services.database.session() as session:
        for name in ("A", "B"):
            # Disabled from the start, in the same transaction: no recorder runs for them.
            row = camera_queries.add_camera(
                session,
                name=f"matrix {name}",
                source="test://pattern?size=160x120&rate=5",
                retention_hours=72,
                now=now,
            )
            row.enabled = False
            cameras[name] = row.id
    for camera_id in cameras.values():
        # So that the sign's photo has something to serve to those allowed to see it.
        services.compliance.attestations.record(
            camera_id, now.date(), "matrix", actor="matrix", photo=jpeg_frames(1, "64x48")[0]
        )
    segments = {
        name: write_segment(
            services, camera_id, now - timedelta(minutes=30), payload=os.urandom(4096)
        ).id
        for name, camera_id in cameras.items()
    }
    matrix = Matrix(server, cameras, segments, [], hash_password(PASSWORD))
    matrix.requester = matrix.user(Role.VIEWER, "matrix-requester")
    with services.database.session() as session:
        admin = user_queries.user_by_name(session, server.installation.admin_user)
        assert admin is not None
        admin_id = admin.id
    people = [Caller("admin", Role.ADMIN, admin_id)]
    for role in (Role.MANAGER, Role.OPERATOR, Role.VIEWER, Role.AUDITOR):
        people.append(Caller(role.value, role, matrix.user(role, f"matrix-{role.value}")))
    admin_session = matrix.session(admin_id)[0]
    everything = {"camera_id": cameras["A"], "operations": [op.value for op in GRANTABLE]}
    with server.client(headers={"Authorization": f"Bearer {admin_session}"}) as client:
        for person in people[1:]:
            response = client.put(
                f"{API}/users/{person.user_id}/grants", json={"grants": [everything]}
            )
            assert response.status_code == 200, response.text
        response = client.put(
            f"{API}/users/{matrix.requester}/grants",
            json={"grants": [{"camera_id": cameras["A"], "operations": ["live"]}]},
        )
        assert response.status_code == 200, response.text
    viewer = next(person for person in people if person.role is Role.VIEWER)
    tokens = [
        Caller(f"token:{op.value}", Role.VIEWER, viewer.user_id, frozenset({op}))
        for op in TOKEN_OPERATIONS
    ]
    matrix.callers = [Caller("anonymous"), *people, *tokens]
    for camera_id in cameras.values():
        matrix.hold(camera_id)  # so that the list of holds has something to filter
        matrix.export(camera_id)  # and the list of exports
    return matrix


def cells(matrix: Matrix, routes: list[RouteKey]) -> list[Cell]:
    out: list[Cell] = []
    for method, path in routes:
        policy = POLICY[(method, path)]
        targets: list[str | None] = ["A", "B"] if policy.kind == "camera" else [None]
        for caller, target in itertools.product(matrix.callers, targets):
            out.append(Cell(method, path, policy, caller, target))
    # WebSockets first: the views they open end on the server while the rest runs.
    return sorted(out, key=lambda cell: cell.method != "WS")


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def test_authorization_matrix(server: RunningServer) -> None:
    app = create_app(server.services.settings, server.services, start_recorders=False)
    routes = sorted(set(route_keys(app)))
    unclassified = [f"{method} {path}" for method, path in routes if (method, path) not in POLICY]
    assert unclassified == [], "classify these routes in POLICY"
    matrix = set_up(server)
    mismatches: list[tuple[str, ...]] = []
    exercised: Counter[str] = Counter()
    with server.client() as client:
        for cell in cells(matrix, routes):
            expected, got, agrees = matrix.run(client, cell)
            exercised[cell.policy.kind] += 1
            if not agrees:
                route = f"{cell.method} {cell.path}"
                mismatches.append(
                    (route, str(cell.policy), cell.caller.name, cell.camera or "-", expected, got)
                )
    header = ("route", "policy", "caller", "camera", "expected", "got")
    assert not mismatches, f"{len(mismatches)} cells disagree:\n" + table([header, *mismatches])
    assert sum(exercised.values()) > 300, exercised
    assert set(exercised) == set(KINDS), f"classifications not exercised: {exercised}"
    live_allowed = [
        (caller.name, name)
        for caller in matrix.callers
        for name, camera_id in matrix.cameras.items()
        if matrix.permitted(caller, camera_id, Operation.LIVE)
    ]
    assert matrix.opened_sockets == len(live_allowed) >= 6
    # Each live view that opened has ended on the server once its session ended, audited.
    wait_until(
        lambda: len(server.services.audit.search(action="access.live_stop")) >= len(live_allowed),
        timeout=30,
        what="the live views to end",
    )


# --- Privilege escalation ------------------------------------------------------------------


def caller_named(matrix: Matrix, name: str) -> Caller:
    return next(caller for caller in matrix.callers if caller.name == name)


def test_an_admins_api_token_cannot_administer(server: RunningServer) -> None:
    """A token of an administrator, with every operation, still manages nothing."""
    matrix = set_up(server)
    services = server.services
    admin, viewer = caller_named(matrix, "admin"), caller_named(matrix, "viewer")
    token = services.sessions.tokens.create(
        admin.user_id,
        name="everything",
        operations=[op.value for op in GRANTABLE],
        expires_in_days=1,
        actor="test",
    ).token
    viewers_token = matrix.token(viewer.user_id)
    camera_b = matrix.cameras["B"]
    with server.client(headers={"Authorization": f"Bearer {token}"}) as scripted:
        assert scripted.get(f"{API}/cameras/{camera_b}").status_code == 200, "it works"
        users = f"{API}/users/{viewer.user_id}"
        attempts = {
            "grant camera B": scripted.put(
                f"{users}/grants",
                json={"grants": [{"camera_id": camera_b, "operations": ["live"]}]},
            ),
            "promote": scripted.patch(users, json={"role": "admin"}),
            "new admin": scripted.post(
                f"{API}/users", json={"username": "mallory", "password": PASSWORD, "role": "admin"}
            ),
            "mint a token": scripted.post(
                f"{API}/auth/tokens", json={"name": "more", "operations": ["live"]}
            ),
            "revoke a user's token": scripted.delete(f"{users}/tokens/{viewers_token}"),
            "end a user's sessions": scripted.delete(f"{users}/sessions"),
            "read the audit log": scripted.get(f"{API}/audit"),
        }
    assert {name: response.status_code for name, response in attempts.items()} == dict.fromkeys(
        attempts, 403
    )
    assert all("API tokens" in response.json()["detail"] for response in attempts.values())
    assert [grant.camera_id for grant in services.grants.of_user(viewer.user_id)] == [
        matrix.cameras["A"]
    ]
    assert services.accounts.get(viewer.user_id).role is Role.VIEWER
    assert "mallory" not in {account.username for account in services.accounts.list()}
    [kept] = services.sessions.tokens.of_user(viewer.user_id)
    assert kept.id == viewers_token and kept.revoked_at is None
    assert len(services.sessions.tokens.of_user(admin.user_id)) == 1


def test_a_token_reaches_no_further_than_its_owners_grants(server: RunningServer) -> None:
    """A viewer with playback on A mints a token asking for everything: it gets playback on A.

    Neither the viewer nor the token can widen the viewer's rights or touch another's token.
    """
    matrix = set_up(server)
    services = server.services
    camera_a, camera_b = matrix.cameras["A"], matrix.cameras["B"]
    admin = caller_named(matrix, "admin")
    narrow = matrix.user(Role.VIEWER, "narrow")
    with server.client(
        headers={"Authorization": f"Bearer {matrix.session(admin.user_id)[0]}"}
    ) as a:
        grants = {"grants": [{"camera_id": camera_a, "operations": ["playback"]}]}
        assert a.put(f"{API}/users/{narrow}/grants", json=grants).status_code == 200
    admins_token = matrix.token(admin.user_id)
    with server.client(headers={"Authorization": f"Bearer {matrix.session(narrow)[0]}"}) as person:
        minted = person.post(
            f"{API}/auth/tokens",
            json={"name": "all of it", "operations": [op.value for op in GRANTABLE]},
        )
        assert minted.status_code == 201, minted.text
        # Someone else's token: not revocable through either route, and unchanged after.
        assert person.delete(f"{API}/auth/tokens/{admins_token}").status_code == 404
        assert (
            person.delete(f"{API}/users/{admin.user_id}/tokens/{admins_token}").status_code == 403
        )
    token = minted.json()["token"]
    with server.client(headers={"Authorization": f"Bearer {token}"}) as scripted:
        statuses = {
            "list A's recordings": scripted.get(f"{API}/cameras/{camera_a}/recordings"),
            "play A's segment": scripted.get(f"{API}/recordings/{matrix.segments['A']}"),
            "A's snapshot (live)": scripted.get(f"{API}/cameras/{camera_a}/snapshot"),
            "configure A": scripted.patch(f"{API}/cameras/{camera_a}", json={}),
            "hold on A": scripted.post(f"{API}/holds", json=hold_body(camera_a)),
            "see B": scripted.get(f"{API}/cameras/{camera_b}"),
            "play B's segment": scripted.get(f"{API}/recordings/{matrix.segments['B']}"),
            "grant itself B": scripted.put(
                f"{API}/users/{narrow}/grants",
                json={"grants": [{"camera_id": camera_b, "operations": ["playback"]}]},
            ),
            "promote itself": scripted.patch(f"{API}/users/{narrow}", json={"role": "admin"}),
        }
    assert {name: response.status_code for name, response in statuses.items()} == {
        "list A's recordings": 200,
        "play A's segment": 200,
        "A's snapshot (live)": 404,
        "configure A": 404,
        "hold on A": 404,
        "see B": 404,
        "play B's segment": 404,
        "grant itself B": 403,
        "promote itself": 403,
    }
    assert services.accounts.get(narrow).role is Role.VIEWER
    [grant] = services.grants.of_user(narrow)
    assert (grant.camera_id, grant.operations) == (camera_a, frozenset({Operation.PLAYBACK}))
    [kept] = services.sessions.tokens.of_user(admin.user_id)
    assert kept.id == admins_token and kept.revoked_at is None
