"""Access requests: asking for footage one lacks, and the four-eyes decision on it.

A user asks for one operation (``playback`` or ``export``) on one camera over one time
range, with a reason and optionally a purpose. A manager or administrator other than the
requester approves or rejects it; with ``requests.required_approvals = 2`` two different
deciders must approve. A manager decides only where they hold the requested operation
themselves (their own grants, not an approval): nobody hands out more than they hold.

An approval grants exactly the requested (camera, operation, range), and only until
approval time + ``requests.approval_hours``; the gate (:mod:`mimamoru.access.gate`)
honours it. Undecided requests lapse after ``requests.pending_days``. Every step is
audited with the camera id.

Asking for playback one already holds for the whole range is refused (409): an approval
would add nothing. Asking for an export is always possible, since an export needs an
approved request even with the ``export`` grant (the exports flow checks it with
:meth:`AccessRequestService.approved_export`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mimamoru.access.gate import WINDOW_GRACE
from mimamoru.access.permissions import permission_of
from mimamoru.access.principal import Principal
from mimamoru.access.request_records import (
    DECIDERS,
    MAX_PURPOSE,
    MAX_REASON,
    AccessRequestRecord,
    ApprovedRequest,
    Decision,
    RequestState,
    check_range,
    clean_text,
    parse_operation,
    parse_state,
)
from mimamoru.access.roles import Operation, Role
from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import cameras as camera_queries
from mimamoru.db import requests as request_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import AccessDecision, AccessRequest
from mimamoru.errors import ConflictError, ForbiddenError, NotFoundError
from mimamoru.settings import RequestSettings

logger = logging.getLogger(__name__)

# The records are defined in request_records; importing them from here is the public way.
__all__ = [
    "AccessRequestRecord",
    "AccessRequestService",
    "ApprovedRequest",
    "Decision",
    "RequestState",
    "parse_operation",
    "parse_state",
]


class AccessRequestService:
    def __init__(
        self, database: Database, clock: Clock, audit: AuditLog, settings: RequestSettings
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._settings = settings

    # -- asking ---------------------------------------------------------------------------

    def create(
        self,
        principal: Principal,
        *,
        camera_id: int,
        operation: str,
        start: datetime,
        end: datetime,
        reason: str,
        purpose: str | None = None,
    ) -> AccessRequestRecord:
        chosen = parse_operation(operation)
        check_range(start, end)
        cleaned_reason = clean_text(reason, "reason", MAX_REASON, required=True)
        assert cleaned_reason is not None
        cleaned_purpose = clean_text(purpose, "purpose", MAX_PURPOSE, required=False)
        now = self._clock.now()
        with self._database.session() as session:
            if not self._sees_camera(session, principal, camera_id, now):
                raise NotFoundError(f"camera {camera_id} not found")
            if chosen is Operation.PLAYBACK and self._holds(
                session, principal, camera_id, chosen, start, end, now
            ):
                raise ConflictError(
                    f"you already hold playback on camera {camera_id} for this range"
                )
            row = request_queries.add_request(
                session,
                AccessRequest(
                    requester_id=principal.user_id,
                    camera_id=camera_id,
                    operation=chosen.value,
                    start_at=start,
                    end_at=end,
                    reason=cleaned_reason,
                    purpose=cleaned_purpose,
                    state=RequestState.PENDING.value,
                    created_at=now,
                ),
            )
            record = self._records(session, [row])[0]
        self._audit.append(
            actor=principal.username,
            action="request.created",
            camera_id=camera_id,
            detail={
                "request": record.id,
                "operation": chosen.value,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": cleaned_reason,
                "purpose": cleaned_purpose,
            },
            client=principal.client or None,
        )
        logger.info("access request %s by %s", record.id, principal.username)
        return record

    def withdraw(self, principal: Principal, request_id: int) -> AccessRequestRecord:
        self.expire_due()
        with self._database.session() as session:
            row = self._visible_row(session, principal, request_id)
            if row.requester_id != principal.user_id:
                raise ForbiddenError("only the requester can withdraw a request")
            if row.state not in (RequestState.PENDING.value, RequestState.APPROVED.value):
                raise ConflictError(f"request {request_id} is already {row.state}")
            was = row.state
            row.state = RequestState.WITHDRAWN.value
            row.decided_at = row.decided_at or self._clock.now()
            session.flush()
            record = self._records(session, [row])[0]
        self._audit.append(
            actor=principal.username,
            action="request.withdrawn",
            camera_id=record.camera_id,
            detail={"request": record.id, "was": was},
            client=principal.client or None,
        )
        return record

    # -- reading --------------------------------------------------------------------------

    def visible_to(
        self, principal: Principal, state: str | None = None
    ) -> list[AccessRequestRecord]:
        """Own requests; a decider's also those they may decide; an auditor's all."""
        wanted = parse_state(state) if state is not None else None
        self.expire_due()
        now = self._clock.now()
        with self._database.session() as session:
            rows = request_queries.list_requests(
                session,
                requester_id=None if self._sees_others(principal) else principal.user_id,
                state=wanted.value if wanted is not None else None,
            )
            cache: dict[tuple[int, str], bool] = {}
            chosen = [row for row in rows if self._row_visible(session, principal, row, now, cache)]
            return self._records(session, chosen)

    def get(self, principal: Principal, request_id: int) -> AccessRequestRecord:
        self.expire_due()
        with self._database.session() as session:
            return self._records(session, [self._visible_row(session, principal, request_id)])[0]

    def pending_count(self, principal: Principal) -> int:
        """Pending requests waiting for this caller's decision (the badge)."""
        if principal.role not in DECIDERS:
            return 0
        return sum(
            1
            for record in self.visible_to(principal, RequestState.PENDING.value)
            if record.requester_id != principal.user_id
            and principal.username not in record.approvers
        )

    # -- deciding -------------------------------------------------------------------------

    def approve(
        self, principal: Principal, request_id: int, comment: str | None = None
    ) -> AccessRequestRecord:
        cleaned = clean_text(comment, "comment", MAX_REASON, required=False) or ""
        self.expire_due()
        now = self._clock.now()
        with self._database.session() as session:
            row = self._decidable_row(session, principal, request_id, now)
            given = [
                d
                for d in request_queries.decisions_of(session, [row.id])
                if d.decision == "approve"
            ]
            if any(d.approver_id == principal.user_id for d in given):
                raise ConflictError(f"you have already approved request {request_id}")
            request_queries.add_decision(
                session,
                AccessDecision(
                    request_id=row.id,
                    approver_id=principal.user_id,
                    approver=principal.username,
                    decision="approve",
                    comment=cleaned,
                    decided_at=now,
                ),
            )
            approvals = len(given) + 1
            needed = self._settings.required_approvals
            if approvals >= needed:
                row.state = RequestState.APPROVED.value
                row.decided_at = now
                row.valid_until = now + timedelta(hours=self._settings.approval_hours)
                session.flush()
            record = self._records(session, [row])[0]
        final = record.state is RequestState.APPROVED
        detail: dict[str, object] = {
            "request": record.id,
            "requester": record.requester,
            "operation": record.operation.value,
            "start": record.start.isoformat(),
            "end": record.end.isoformat(),
            "approvals": approvals,
            "needed": needed,
            "comment": cleaned,
        }
        if record.valid_until is not None:
            detail["valid_until"] = record.valid_until.isoformat()
        self._audit.append(
            actor=principal.username,
            action="request.approved" if final else "request.approval_recorded",
            camera_id=record.camera_id,
            detail=detail,
            client=principal.client or None,
        )
        return record

    def reject(
        self, principal: Principal, request_id: int, reason: str | None
    ) -> AccessRequestRecord:
        self.expire_due()
        now = self._clock.now()
        with self._database.session() as session:
            row = self._decidable_row(session, principal, request_id, now)
            # After the right to decide: who may not decide hears that, not a form error.
            cleaned = clean_text(reason, "reason", MAX_REASON, required=True)
            assert cleaned is not None
            request_queries.add_decision(
                session,
                AccessDecision(
                    request_id=row.id,
                    approver_id=principal.user_id,
                    approver=principal.username,
                    decision="reject",
                    comment=cleaned,
                    decided_at=now,
                ),
            )
            row.state = RequestState.REJECTED.value
            row.decided_at = now
            session.flush()
            record = self._records(session, [row])[0]
        self._audit.append(
            actor=principal.username,
            action="request.rejected",
            camera_id=record.camera_id,
            detail={"request": record.id, "requester": record.requester, "reason": cleaned},
            client=principal.client or None,
        )
        return record

    # -- for the exports flow -------------------------------------------------------------

    def approved_export(
        self, user_id: int, request_id: int, camera_id: int, start: datetime, end: datetime
    ) -> ApprovedRequest:
        """The user's approved, valid export request covering [start, end] on the camera.

        ``NotFoundError`` for an unknown request or another user's; ``ForbiddenError`` when it
        is not approved, no longer valid, or for another camera, operation or range.
        """
        now = self._clock.now()
        with self._database.session() as session:
            row = request_queries.request_by_id(session, request_id)
            if row is None or row.requester_id != user_id:
                raise NotFoundError(f"access request {request_id} not found")
            record = self._records(session, [row])[0]
        if record.state is not RequestState.APPROVED or (
            record.valid_until is None or now >= record.valid_until
        ):
            raise ForbiddenError(f"access request {request_id} is not an approval in force")
        if record.operation is not Operation.EXPORT:
            raise ForbiddenError(f"access request {request_id} is for {record.operation.value}")
        if record.camera_id != camera_id:
            raise ForbiddenError(f"access request {request_id} is for another camera")
        if start < record.start or end > record.end:
            raise ForbiddenError(
                f"access request {request_id} covers {record.start.isoformat()} to "
                f"{record.end.isoformat()} only"
            )
        return ApprovedRequest(
            id=record.id,
            requester=record.requester,
            approvers=record.approvers,
            purpose=record.purpose,
            reason=record.reason,
            camera_id=record.camera_id,
            operation=record.operation,
            start=record.start,
            end=record.end,
            valid_until=record.valid_until,
        )

    # -- expiry ---------------------------------------------------------------------------

    def expire_due(self) -> int:
        """Mark lapsed pending requests and approvals whose time is up as expired (audited).

        The gate does not wait for this: it checks ``valid_until`` itself. This keeps the
        stored state (and the lists) truthful and records when each lapse was noticed.
        """
        now = self._clock.now()
        cut_off = now - timedelta(days=self._settings.pending_days)
        with self._database.session() as session:
            lapsed = request_queries.expire_pending(session, cut_off)
            ended = request_queries.expire_approved(session, now)
        for kind, found in (("pending", lapsed), ("approved", ended)):
            for request_id, camera_id in found:
                self._audit.append(
                    actor="system",
                    action="request.expired",
                    camera_id=camera_id,
                    detail={"request": request_id, "was": kind},
                )
        return len(lapsed) + len(ended)

    # -- rules ----------------------------------------------------------------------------

    def _sees_camera(
        self, session: Session, principal: Principal, camera_id: int, now: datetime
    ) -> bool:
        if camera_queries.camera_by_id(session, camera_id) is None:
            return False
        if principal.role is Role.ADMIN:
            return True
        if permission_of(session, principal.user_id, camera_id) is not None:
            return True
        return request_queries.approval_on_camera(session, principal.user_id, camera_id, now)

    def _holds(
        self,
        session: Session,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        start: datetime,
        end: datetime,
        now: datetime,
    ) -> bool:
        """Whether the user may already do ``operation`` over the whole range."""
        if self._grants_cover(session, principal, camera_id, operation, start, now):
            return True
        return request_queries.approval_covers(
            session, principal.user_id, camera_id, operation.value, start, end, now
        )

    def _grants_cover(
        self,
        session: Session,
        principal: Principal,
        camera_id: int,
        operation: Operation,
        start: datetime,
        now: datetime,
    ) -> bool:
        """Grants alone (never an approval) allow the operation from ``start`` on."""
        if principal.role is Role.ADMIN:
            return True
        permission = permission_of(session, principal.user_id, camera_id)
        if permission is None or not permission.allows(operation):
            return False
        window = permission.window_hours(operation)
        return not window or start >= now - timedelta(hours=window) - WINDOW_GRACE

    def _sees_others(self, principal: Principal) -> bool:
        return principal.role in DECIDERS or principal.role is Role.AUDITOR

    def _may_decide(
        self,
        session: Session,
        principal: Principal,
        row: AccessRequest,
        now: datetime,
        cache: dict[tuple[int, str], bool] | None = None,
    ) -> bool:
        """A manager or admin who holds the requested operation over the range (not own)."""
        if principal.role not in DECIDERS or row.requester_id == principal.user_id:
            return False
        key = (row.camera_id, row.operation)
        if cache is not None and key in cache:
            return cache[key]
        allowed = self._grants_cover(
            session, principal, row.camera_id, Operation(row.operation), row.start_at, now
        )
        if cache is not None:
            cache[key] = allowed
        return allowed

    def _row_visible(
        self,
        session: Session,
        principal: Principal,
        row: AccessRequest,
        now: datetime,
        cache: dict[tuple[int, str], bool] | None = None,
    ) -> bool:
        if row.requester_id == principal.user_id or principal.role in (Role.ADMIN, Role.AUDITOR):
            return True
        return self._may_decide(session, principal, row, now, cache)

    def _visible_row(
        self, session: Session, principal: Principal, request_id: int
    ) -> AccessRequest:
        row = request_queries.request_by_id(session, request_id)
        if row is None or not self._row_visible(session, principal, row, self._clock.now()):
            raise NotFoundError(f"access request {request_id} not found")
        return row

    def _decidable_row(
        self, session: Session, principal: Principal, request_id: int, now: datetime
    ) -> AccessRequest:
        """The pending request, locked, if this caller may decide it; else the right error."""
        row = request_queries.request_for_update(session, request_id)
        if row is None:
            raise NotFoundError(f"access request {request_id} not found")
        if row.requester_id == principal.user_id:
            raise ForbiddenError("you cannot decide your own request (four-eyes rule)")
        if principal.role not in DECIDERS:
            if principal.role is Role.AUDITOR:
                raise ForbiddenError("only a manager or an administrator decides requests")
            raise NotFoundError(f"access request {request_id} not found")
        if not self._may_decide(session, principal, row, now):
            if not self._sees_camera(session, principal, row.camera_id, now):
                raise NotFoundError(f"access request {request_id} not found")
            raise ForbiddenError(
                f"you do not hold {row.operation} on camera {row.camera_id} for this range, "
                "so you cannot decide this request"
            )
        if row.state != RequestState.PENDING.value:
            raise ConflictError(f"request {request_id} is already {row.state}")
        return row

    def _records(
        self, session: Session, rows: Sequence[AccessRequest]
    ) -> list[AccessRequestRecord]:
        ids = [row.id for row in rows]
        users = request_queries.names_of_users(session, [row.requester_id for row in rows])
        cameras = request_queries.names_of_cameras(session, [row.camera_id for row in rows])
        decisions: dict[int, list[Decision]] = {}
        for found in request_queries.decisions_of(session, ids):
            decisions.setdefault(found.request_id, []).append(
                Decision(found.approver, found.decision, found.comment, found.decided_at)
            )
        pending_for = timedelta(days=self._settings.pending_days)
        return [
            AccessRequestRecord(
                id=row.id,
                requester_id=row.requester_id,
                requester=users.get(row.requester_id, ""),
                camera_id=row.camera_id,
                camera_name=cameras.get(row.camera_id, ""),
                operation=Operation(row.operation),
                start=row.start_at,
                end=row.end_at,
                reason=row.reason,
                purpose=row.purpose,
                state=RequestState(row.state),
                created_at=row.created_at,
                decided_at=row.decided_at,
                valid_until=row.valid_until,
                pending_until=row.created_at + pending_for,
                approvals_needed=self._settings.required_approvals,
                decisions=tuple(decisions.get(row.id, [])),
            )
            for row in rows
        ]
