"""Reading the audit log (auditors and administrators); every read is itself audited."""

import csv
import io
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from mimamoru.access.principal import Principal
from mimamoru.api.deps import Dependencies, as_utc
from mimamoru.api.schemas import AuditEventOut, ErrorOut
from mimamoru.audit.log import AuditRecord

CSV_COLUMNS = ("id", "occurred_at", "actor", "action", "camera_id", "detail")


def event_out(record: AuditRecord) -> AuditEventOut:
    return AuditEventOut(
        id=record.id,
        occurred_at=record.occurred_at,
        actor=record.actor,
        action=record.action,
        camera_id=record.camera_id,
        detail=json.loads(record.detail),
    )


def as_csv(records: list[AuditRecord]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(
            [
                record.id,
                record.occurred_at.isoformat(),
                record.actor,
                record.action,
                "" if record.camera_id is None else record.camera_id,
                record.detail,
            ]
        )
    return buffer.getvalue()


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["audit"])
    audit = deps.services.audit

    @router.get(
        "/audit",
        response_model=list[AuditEventOut],
        responses={
            200: {"content": {"text/csv": {}}, "description": "Entries, newest first"},
            403: {"model": ErrorOut},
        },
        summary="Audit entries, newest first, filtered; JSON or CSV (auditors, admins)",
    )
    def read_audit(
        reader: Annotated[Principal, Depends(deps.auditor)],
        actor: Annotated[str | None, Query(max_length=64)] = None,
        camera_id: Annotated[int | None, Query(ge=1)] = None,
        action: Annotated[
            str | None,
            Query(max_length=64, description="Exact, or a prefix ending in '.' (access.)"),
        ] = None,
        since: Annotated[
            datetime | None, Query(description="ISO 8601; no offset means UTC")
        ] = None,
        until: Annotated[
            datetime | None, Query(description="ISO 8601; no offset means UTC")
        ] = None,
        before_id: Annotated[
            int | None, Query(ge=1, description="For paging: older entries")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        format: Annotated[Literal["json", "csv"], Query()] = "json",
    ) -> Any:
        filters: dict[str, Any] = {
            "actor": actor,
            "camera_id": camera_id,
            "action": action,
            "since": as_utc(since) if since else None,
            "until": as_utc(until) if until else None,
            "before_id": before_id,
        }
        # The read is recorded first, so it appears in what it returns when the filters allow.
        audit.append(
            actor=reader.username,
            action="audit.read",
            detail={
                "filters": {key: value for key, value in filters.items() if value is not None},
                "format": format,
            },
        )
        records = audit.search(**filters, limit=limit)
        if format == "csv":
            return Response(
                as_csv(records),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="mimamoru-audit.csv"'},
            )
        return [event_out(record) for record in records]

    return router
