"""Queries on access requests and their decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, String, and_, bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from mimamoru.db.tables import AccessDecision, AccessRequest, Camera, User
from mimamoru.db.types import UTCDateTime

PENDING = "pending"
APPROVED = "approved"
EXPIRED = "expired"


def add_request(session: Session, row: AccessRequest) -> AccessRequest:
    session.add(row)
    session.flush()
    return row


def request_by_id(session: Session, request_id: int) -> AccessRequest | None:
    return session.get(AccessRequest, request_id)


def request_for_update(session: Session, request_id: int) -> AccessRequest | None:
    """The request, locked until the end of the transaction (PostgreSQL; SQLite locks all)."""
    return session.scalar(
        select(AccessRequest).where(AccessRequest.id == request_id).with_for_update()
    )


def list_requests(
    session: Session,
    *,
    requester_id: int | None = None,
    state: str | None = None,
    camera_ids: Sequence[int] | None = None,
) -> Sequence[AccessRequest]:
    """Requests, newest first; each filter applies only when given."""
    query = select(AccessRequest).order_by(AccessRequest.id.desc())
    if requester_id is not None:
        query = query.where(AccessRequest.requester_id == requester_id)
    if state is not None:
        query = query.where(AccessRequest.state == state)
    if camera_ids is not None:
        query = query.where(AccessRequest.camera_id.in_(camera_ids))
    return session.scalars(query).all()


def decisions_of(session: Session, request_ids: Sequence[int]) -> Sequence[AccessDecision]:
    if not request_ids:
        return []
    return session.scalars(
        select(AccessDecision)
        .where(AccessDecision.request_id.in_(request_ids))
        .order_by(AccessDecision.id)
    ).all()


def add_decision(session: Session, row: AccessDecision) -> None:
    session.add(row)
    session.flush()


def names_of_users(session: Session, user_ids: Sequence[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(set(user_ids))))
    return {user_id: name for user_id, name in rows}


def names_of_cameras(session: Session, camera_ids: Sequence[int]) -> dict[int, str]:
    if not camera_ids:
        return {}
    rows = session.execute(select(Camera.id, Camera.name).where(Camera.id.in_(set(camera_ids))))
    return {camera_id: name for camera_id, name in rows}


def expire_pending(session: Session, created_before: datetime) -> list[tuple[int, int]]:
    """Mark pending requests made before the cut-off expired; their (id, camera id)."""
    due = session.execute(
        select(AccessRequest.id, AccessRequest.camera_id)
        .where(AccessRequest.state == PENDING, AccessRequest.created_at <= created_before)
        .with_for_update()
    ).all()
    if due:
        session.execute(
            update(AccessRequest)
            .where(AccessRequest.id.in_([request_id for request_id, _ in due]))
            .values(state=EXPIRED)
        )
    return [(request_id, camera_id) for request_id, camera_id in due]


def expire_approved(session: Session, now: datetime) -> list[tuple[int, int]]:
    """Mark approvals whose time is up expired; their (id, camera id)."""
    due = session.execute(
        select(AccessRequest.id, AccessRequest.camera_id)
        .where(AccessRequest.state == APPROVED, AccessRequest.valid_until <= now)
        .with_for_update()
    ).all()
    if due:
        session.execute(
            update(AccessRequest)
            .where(AccessRequest.id.in_([request_id for request_id, _ in due]))
            .values(state=EXPIRED)
        )
    return [(request_id, camera_id) for request_id, camera_id in due]


def count_pending(session: Session, camera_ids: Sequence[int] | None, not_by: int) -> int:
    """Pending requests on the cameras (all when None) that someone other than ``not_by`` made."""
    query = (
        select(func.count())
        .select_from(AccessRequest)
        .where(AccessRequest.state == PENDING, AccessRequest.requester_id != not_by)
    )
    if camera_ids is not None:
        query = query.where(AccessRequest.camera_id.in_(camera_ids))
    return session.scalar(query) or 0


def pending_overview(session: Session) -> list[tuple[int, str, str, str, datetime]]:
    """Every pending request as (id, camera name, operation, requester, created), oldest first."""
    rows = session.execute(
        select(
            AccessRequest.id,
            Camera.name,
            AccessRequest.operation,
            User.username,
            AccessRequest.created_at,
        )
        .join(Camera, Camera.id == AccessRequest.camera_id)
        .join(User, User.id == AccessRequest.requester_id)
        .where(AccessRequest.state == PENDING)
        .order_by(AccessRequest.created_at, AccessRequest.id)
    ).all()
    return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]


# The gate's statements, built once with bind parameters (as in db/grants.py). An approval
# counts while its state is approved and its time is not up, whatever the stored state says
# later: the gate never waits for the expiry sweep.
_USER = bindparam("user_id", type_=Integer)
_CAMERA = bindparam("camera_id", type_=Integer)
_NOW = bindparam("now", type_=UTCDateTime())
_OPERATION = bindparam("operation", type_=String)
_START = bindparam("start", type_=UTCDateTime())
_END = bindparam("end", type_=UTCDateTime())


def _active() -> list[ColumnElement[bool]]:
    return [
        AccessRequest.requester_id == _USER,
        AccessRequest.state == APPROVED,
        AccessRequest.valid_until > _NOW,
    ]


_COVERING = select(
    exists().where(
        and_(
            *_active(),
            AccessRequest.camera_id == _CAMERA,
            AccessRequest.operation == _OPERATION,
            AccessRequest.start_at <= _START,
            AccessRequest.end_at >= _END,
        )
    )
)
_ANY_ON_CAMERA = select(exists().where(and_(*_active(), AccessRequest.camera_id == _CAMERA)))
_CAMERAS = select(AccessRequest.camera_id).where(*_active()).distinct()


def approval_covers(
    session: Session,
    user_id: int,
    camera_id: int,
    operation: str,
    start: datetime,
    end: datetime,
    now: datetime,
) -> bool:
    """Whether an active approval gives the user ``operation`` on the camera over [start, end]."""
    params = {
        "user_id": user_id,
        "camera_id": camera_id,
        "operation": operation,
        "start": start,
        "end": end,
        "now": now,
    }
    return bool(session.scalar(_COVERING, params))


def approval_on_camera(session: Session, user_id: int, camera_id: int, now: datetime) -> bool:
    """Whether any active approval names the camera (it then shows in the user's list)."""
    params = {"user_id": user_id, "camera_id": camera_id, "now": now}
    return bool(session.scalar(_ANY_ON_CAMERA, params))


def cameras_approved(session: Session, user_id: int, now: datetime) -> set[int]:
    return set(session.scalars(_CAMERAS, {"user_id": user_id, "now": now}))
