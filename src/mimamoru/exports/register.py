"""The register of provision to third parties (APPI Arts. 29-30).

Every export to an outside recipient (any legal basis but ``internal``) adds an entry when
its package is made. Entries are kept ``exports.provision_retention_years`` (at least
three years) from the day of provision, whatever happens to the footage: the retention
sweeper never touches this table, and only :meth:`ProvisionRegister.prune` (run by the
export sweep) deletes entries, once their keep-until date has passed.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db import exports as export_queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import ProvisionEntry

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "id",
    "provided_at",
    "recipient",
    "items",
    "legal_basis",
    "reference",
    "camera_id",
    "camera_name",
    "start",
    "end",
    "export_id",
    "created_by",
    "keep_until",
)


@dataclass(frozen=True)
class ProvisionRecord:
    id: int
    provided_at: datetime
    recipient: str
    items: str
    legal_basis: str
    reference: str
    camera_id: int
    camera_name: str
    start: datetime
    end: datetime
    export_id: int | None
    created_by: str
    keep_until: datetime


def _record(row: ProvisionEntry) -> ProvisionRecord:
    return ProvisionRecord(
        id=row.id,
        provided_at=row.provided_at,
        recipient=row.recipient,
        items=row.items,
        legal_basis=row.legal_basis,
        reference=row.reference,
        camera_id=row.camera_id,
        camera_name=row.camera_name,
        start=row.start_time,
        end=row.end_time,
        export_id=row.export_id,
        created_by=row.created_by,
        keep_until=row.keep_until,
    )


def add_years(when: datetime, years: int) -> datetime:
    try:
        return when.replace(year=when.year + years)
    except ValueError:  # 29 February
        return when.replace(year=when.year + years, day=28)


class ProvisionRegister:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog, years: int) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._years = years

    def add(self, session: Session, entry: ProvisionEntry) -> ProvisionEntry:
        """Add in the caller's transaction (the export's completion), keep-until set here."""
        entry.keep_until = add_years(entry.provided_at, self._years)
        return export_queries.add_provision(session, entry)

    def list(self, limit: int = 10_000) -> Sequence[ProvisionRecord]:
        with self._database.session() as session:
            return [_record(row) for row in export_queries.list_provisions(session, limit)]

    def csv_text(self, limit: int = 100_000) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for item in self.list(limit):
            writer.writerow(
                [
                    item.id,
                    item.provided_at.isoformat(),
                    item.recipient,
                    item.items,
                    item.legal_basis,
                    item.reference,
                    item.camera_id,
                    item.camera_name,
                    item.start.isoformat(),
                    item.end.isoformat(),
                    item.export_id if item.export_id is not None else "",
                    item.created_by,
                    item.keep_until.isoformat(),
                ]
            )
        return out.getvalue()

    def prune(self) -> int:
        with self._database.session() as session:
            deleted = export_queries.prune_provisions(session, self._clock.now())
        if deleted:
            logger.info("provision register: %d entries past keep-until deleted", deleted)
            self._audit.append(
                actor="system", action="provisions.pruned", detail={"entries": deleted}
            )
        return deleted
