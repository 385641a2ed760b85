"""Typed dependencies: who is calling, and the access gate for footage routes.

Every route that serves camera data depends on a :class:`GatedAccess`
subclass; those call :meth:`AccessGate.authorize` (which audits) before the
handler runs. ``tests/api/test_gate_coverage.py`` enforces this for every route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import HTTPException, Path, Query, Request, WebSocket, WebSocketException, status
from fastapi.concurrency import run_in_threadpool

from mimamoru.access.gate import Authorization
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.access.sessions import csrf_matches
from mimamoru.access.tokens import TOKEN_PREFIX
from mimamoru.api.export_schemas import ExportIn
from mimamoru.api.schemas import HoldIn
from mimamoru.errors import NotFoundError
from mimamoru.exports.service import ExportRecord
from mimamoru.services import Services
from mimamoru.storage.holds import HoldRecord
from mimamoru.storage.index import SegmentRecord

SESSION_COOKIE = "mimamoru_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes that touch footage or permissions: a refused credential on them is audited.
AUDITED_PREFIXES = tuple(
    f"/api/v1/{part}"
    for part in (
        "cameras",
        "recordings",
        "holds",
        "users",
        "groups",
        "camera-groups",
        "audit",
        "exports",
        "provisions",
        "requests",
    )
)
DEFAULT_RANGE = timedelta(hours=24)
MAX_RANGE = timedelta(days=31)


@dataclass(frozen=True)
class Caller:
    principal: Principal
    token: str
    via_cookie: bool


def token_from(authorization: str | None, cookie: str | None) -> tuple[str, bool] | None:
    """The session token and whether it came from the cookie."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip(), False
        return None
    if cookie and not cookie.startswith(TOKEN_PREFIX):
        # API tokens are for scripts: as a cookie one would get a CSRF token and page access.
        return cookie, True
    return None


def same_origin(origin: str | None, host: str | None) -> bool:
    if not origin or not host:
        return False
    scheme, _, rest = origin.partition("://")
    return scheme in ("https", "http") and rest.rstrip("/") == host


def client_address(request: Request | WebSocket) -> str:
    return request.client.host if request.client else "unknown"


def as_utc(value: datetime) -> datetime:
    """Query times without an offset are taken as UTC (documented in docs/api.md)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Dependencies:
    """Dependency callables bound to one app's services."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def _resolve(self, request: Request) -> Caller:
        found = token_from(
            request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)
        )
        client = client_address(request)
        principal = self.services.sessions.resolve(found[0], client) if found else None
        if found is None or principal is None:
            presented = bool(request.headers.get("authorization") or found)
            self.record_refused_credential(presented, request.method, request.url.path, client)
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "not logged in",
                headers={"WWW-Authenticate": "Bearer"},
            )
        token, via_cookie = found
        if via_cookie and request.method not in SAFE_METHODS:
            self._check_csrf(request, token, principal)
        return Caller(principal, token, via_cookie)

    def record_refused_credential(
        self, presented: bool, method: str, path: str, client: str
    ) -> None:
        """Audit a bad, expired or revoked credential used on footage or permissions.

        Requests without any credential are not recorded (every browser's first visit, and
        scanners, would fill the log); a credential that does not work is worth a record.
        """
        if presented and path.startswith(AUDITED_PREFIXES):
            self.services.audit.append(
                actor="-",
                action="auth.credential_refused",
                detail={"method": method, "route": path},
                client=client,
                outcome="denied",
            )

    def _check_csrf(self, request: Request, token: str, principal: Principal) -> None:
        """Cookie-authenticated changes need the same origin and the session's CSRF token.

        SameSite=Strict already keeps the cookie off cross-site requests; the origin check
        covers same-site hosts and browsers without SameSite, and the token covers
        anything that can forge an Origin header but cannot read our pages.
        """
        origin_ok = same_origin(request.headers.get("origin"), request.headers.get("host"))
        if origin_ok and csrf_matches(token, request.headers.get(CSRF_HEADER)):
            return
        self.services.audit.append(
            actor=principal.username,
            action="auth.csrf_refused",
            detail={"method": request.method, "route": request.url.path},
            client=principal.client,
            outcome="denied",
        )
        raise HTTPException(status.HTTP_403_FORBIDDEN, "request refused (cross-site check)")

    def enrolling_caller(self, request: Request) -> Caller:
        """Any logged-in caller, including an admin who must still set up two-factor."""
        return self._resolve(request)

    def enrolling_person(self, request: Request) -> Caller:
        """A logged-in person (not an API token), possibly still to set up two-factor."""
        caller = self._resolve(request)
        if caller.principal.via_token:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "API tokens cannot do this; log in instead"
            )
        return caller

    def caller(self, request: Request) -> Caller:
        caller = self._resolve(request)
        if caller.principal.must_enrol_totp:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "two-factor authentication must be set up first (POST /api/v1/auth/totp)",
            )
        return caller

    def interactive(self, request: Request) -> Caller:
        """A logged-in person, not an API token: managing tokens, sessions, two-factor."""
        caller = self.caller(request)
        if caller.principal.via_token:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "API tokens cannot do this; log in instead"
            )
        return caller

    def principal(self, request: Request) -> Principal:
        return self.caller(request).principal

    def admin(self, request: Request) -> Principal:
        principal = self.interactive(request).principal
        if principal.role is not Role.ADMIN:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "administrator rights required")
        return principal

    def auditor(self, request: Request) -> Principal:
        """Auditors and administrators: the only ones who read the audit log."""
        principal = self.interactive(request).principal
        if principal.role not in (Role.ADMIN, Role.AUDITOR):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "auditor or administrator rights required"
            )
        return principal

    def oversight(self, request: Request) -> Principal:
        """Managers, administrators and auditors: compliance dashboard, provision register."""
        principal = self.interactive(request).principal
        if principal.role not in (Role.ADMIN, Role.MANAGER, Role.AUDITOR):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "manager, auditor or administrator rights required"
            )
        return principal

    def camera(self, operation: Operation) -> CameraAccess:
        return CameraAccess(self, operation)

    def camera_range(self, operation: Operation) -> CameraRangeAccess:
        return CameraRangeAccess(self, operation)

    def segment(self) -> SegmentAccess:
        return SegmentAccess(self)

    def live_socket(self) -> LiveSocketAccess:
        return LiveSocketAccess(self)

    def new_hold(self) -> NewHoldAccess:
        return NewHoldAccess(self)

    def existing_hold(self) -> HoldAccess:
        return HoldAccess(self)

    def new_export(self) -> NewExportAccess:
        return NewExportAccess(self)

    def existing_export(self) -> ExportAccess:
        return ExportAccess(self)


class GatedAccess:
    """Marker base: a dependency that passes the access gate."""

    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    def _authorize(
        self,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        route: str,
        time_range: tuple[datetime, datetime] | None = None,
        **detail: object,
    ) -> Authorization:
        try:
            return self._deps.services.gate.authorize(
                principal,
                camera_id,
                operation,
                time_range=time_range,
                detail={"route": route, **detail},
            )
        except NotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"camera {camera_id} not found") from exc


class CameraAccess(GatedAccess):
    """Gate for routes with ``{camera_id}`` in the path."""

    def __init__(self, deps: Dependencies, operation: Operation) -> None:
        super().__init__(deps)
        self.operation = operation

    def __call__(self, request: Request, camera_id: Annotated[int, Path(ge=1)]) -> Authorization:
        principal = self._deps.principal(request)
        return self._authorize(principal, camera_id, self.operation, request.url.path)


class CameraRangeAccess(GatedAccess):
    """Gate for ``{camera_id}`` routes over a time range given as ``start``/``end``."""

    def __init__(self, deps: Dependencies, operation: Operation) -> None:
        super().__init__(deps)
        self.operation = operation

    def __call__(
        self,
        request: Request,
        camera_id: Annotated[int, Path(ge=1)],
        start: Annotated[
            datetime | None,
            Query(description="ISO 8601; default: end minus 24 h. No offset means UTC."),
        ] = None,
        end: Annotated[
            datetime | None, Query(description="ISO 8601; default: now. No offset means UTC.")
        ] = None,
    ) -> Authorization:
        principal = self._deps.principal(request)
        end_utc = as_utc(end) if end is not None else self._deps.services.clock.now()
        if start is not None:
            start_utc = as_utc(start)
        else:
            # Without a start, ask no further back than the caller's grant reaches.
            earliest = self._deps.services.gate.earliest_start(principal, camera_id, self.operation)
            start_utc = end_utc - DEFAULT_RANGE
            if earliest is not None and earliest > start_utc:
                start_utc = min(earliest, end_utc - timedelta(seconds=1))
        if start_utc >= end_utc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "start must be before end")
        if end_utc - start_utc > MAX_RANGE:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"time range longer than {MAX_RANGE.days} days; ask for a shorter range",
            )
        return self._authorize(
            principal, camera_id, self.operation, request.url.path, (start_utc, end_utc)
        )


@dataclass(frozen=True)
class SegmentGrant:
    authorization: Authorization
    record: SegmentRecord


class SegmentAccess(GatedAccess):
    """Gate for ``/recordings/{segment_id}``: playback of that segment's camera and time."""

    def __call__(self, request: Request, segment_id: Annotated[int, Path(ge=1)]) -> SegmentGrant:
        principal = self._deps.principal(request)
        record = self._deps.services.segments.get(segment_id)
        if record is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"recording {segment_id} not found")
        try:
            authorization = self._authorize(
                principal,
                record.camera_id,
                Operation.PLAYBACK,
                request.url.path,
                (record.start, record.end),
                segment_id=segment_id,
            )
        except HTTPException as exc:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"recording {segment_id} not found"
            ) from exc
        return SegmentGrant(authorization, record)


@dataclass(frozen=True)
class LiveGrant:
    authorization: Authorization
    token: str


class LiveSocketAccess(GatedAccess):
    """Gate for the live WebSocket; refuses the handshake when not allowed."""

    async def __call__(
        self, websocket: WebSocket, camera_id: Annotated[int, Path(ge=1)]
    ) -> LiveGrant:
        origin = websocket.headers.get("origin")
        if origin is not None and not same_origin(origin, websocket.headers.get("host")):
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "cross-origin refused")
        found = token_from(
            websocket.headers.get("authorization"), websocket.cookies.get(SESSION_COOKIE)
        )
        sessions = self._deps.services.sessions
        client = client_address(websocket)
        principal = await run_in_threadpool(sessions.resolve, found[0], client) if found else None
        if found is None or principal is None or principal.must_enrol_totp:
            presented = bool(websocket.headers.get("authorization") or found)
            await run_in_threadpool(
                self._deps.record_refused_credential,
                presented and principal is None,
                "WS",
                websocket.url.path,
                client,
            )
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "not logged in")
        try:
            authorization = await run_in_threadpool(
                self._authorize, principal, camera_id, Operation.LIVE, websocket.url.path
            )
        except HTTPException as exc:
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "camera not found") from exc
        return LiveGrant(authorization, found[0])


class NewHoldAccess(GatedAccess):
    """Gate for placing a hold: the camera named in the body, operation ``configure``."""

    def __call__(self, request: Request, body: HoldIn) -> tuple[Authorization, HoldIn]:
        principal = self._deps.principal(request)
        authorization = self._authorize(
            principal,
            body.camera_id,
            Operation.CONFIGURE,
            request.url.path,
            (as_utc(body.start), as_utc(body.end)),
        )
        return authorization, body


class HoldAccess(GatedAccess):
    """Gate for ``/holds/{hold_id}``: ``configure`` on the held camera."""

    def __call__(
        self, request: Request, hold_id: Annotated[int, Path(ge=1)]
    ) -> tuple[Authorization, HoldRecord]:
        principal = self._deps.principal(request)
        try:
            hold = self._deps.services.holds.get(hold_id)
        except NotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        try:
            authorization = self._authorize(
                principal, hold.camera_id, Operation.CONFIGURE, request.url.path, hold_id=hold_id
            )
        except HTTPException as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"hold {hold_id} not found") from exc
        return authorization, hold


class NewExportAccess(GatedAccess):
    """Gate for ordering an export: ``export`` on the camera and range named in the body."""

    def __call__(self, request: Request, body: ExportIn) -> tuple[Authorization, ExportIn]:
        principal = self._deps.principal(request)
        start, end = as_utc(body.start), as_utc(body.end)
        authorization = self._authorize(
            principal,
            body.camera_id,
            Operation.EXPORT,
            request.url.path,
            (start, end) if start < end else None,
        )
        return authorization, body


class ExportAccess(GatedAccess):
    """Gate for ``/exports/{export_id}``: ``export`` on its camera and range."""

    def __call__(
        self, request: Request, export_id: Annotated[int, Path(ge=1)]
    ) -> tuple[Authorization, ExportRecord]:
        principal = self._deps.principal(request)
        try:
            record = self._deps.services.exports.get(export_id)
        except NotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        try:
            # With its range: someone who may export only through an approved request is
            # allowed while the approval covering it is in force.
            authorization = self._authorize(
                principal,
                record.camera_id,
                Operation.EXPORT,
                request.url.path,
                (record.start, record.end),
                export_id=export_id,
            )
        except HTTPException as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"export {export_id} not found") from exc
        return authorization, record
