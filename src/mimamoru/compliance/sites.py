"""Sites (a shop, a car park) and which camera is at which."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.text import LONG, clean, required
from mimamoru.db import cameras as camera_queries
from mimamoru.db import compliance as queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Site
from mimamoru.errors import ConflictError, NotFoundError, ValidationFailedError


@dataclass(frozen=True)
class SiteRecord:
    id: int
    name: str
    address: str
    public: bool
    camera_ids: tuple[int, ...]
    updated_at: datetime


def _record(row: Site, camera_ids: list[int]) -> SiteRecord:
    return SiteRecord(
        id=row.id,
        name=row.name,
        address=row.address,
        public=row.public,
        camera_ids=tuple(camera_ids),
        updated_at=row.updated_at,
    )


class SiteService:
    def __init__(self, database: Database, clock: Clock, audit: AuditLog) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit

    def all(self) -> list[SiteRecord]:
        with self._database.session() as session:
            by_site: dict[int, list[int]] = {}
            for camera_id, site_id in sorted(queries.camera_site_ids(session).items()):
                by_site.setdefault(site_id, []).append(camera_id)
            return [_record(row, by_site.get(row.id, [])) for row in queries.sites(session)]

    def get(self, site_id: int) -> SiteRecord:
        with self._database.session() as session:
            row = queries.site(session, site_id)
            if row is None:
                raise NotFoundError(f"site {site_id} not found")
            return _record(row, queries.cameras_at_site(session, site_id))

    def create(self, name: str, address: str, public: bool, actor: str) -> SiteRecord:
        name = required(name, "name", limit=100)
        address = clean(address, "address", limit=LONG, multiline=True)
        now = self._clock.now()
        try:
            with self._database.session() as session:
                if queries.site_by_name(session, name) is not None:
                    raise ConflictError(f"a site named {name!r} already exists")
                row = Site(
                    name=name, address=address, public=public, created_at=now, updated_at=now
                )
                session.add(row)
                session.flush()
                record = _record(row, [])
        except IntegrityError as exc:
            raise ConflictError(f"a site named {name!r} already exists") from exc
        self._audit.append(
            actor=actor,
            action="compliance.site_add",
            detail={"id": record.id, "name": name, "address": address, "public": public},
        )
        return record

    def update(self, site_id: int, name: str, address: str, public: bool, actor: str) -> SiteRecord:
        name = required(name, "name", limit=100)
        address = clean(address, "address", limit=LONG, multiline=True)
        try:
            with self._database.session() as session:
                row = queries.site(session, site_id)
                if row is None:
                    raise NotFoundError(f"site {site_id} not found")
                other = queries.site_by_name(session, name)
                if other is not None and other.id != site_id:
                    raise ConflictError(f"a site named {name!r} already exists")
                row.name, row.address, row.public = name, address, public
                row.updated_at = self._clock.now()
                session.flush()
                record = _record(row, queries.cameras_at_site(session, site_id))
        except IntegrityError as exc:
            raise ConflictError(f"a site named {name!r} already exists") from exc
        self._audit.append(
            actor=actor,
            action="compliance.site_update",
            detail={"id": site_id, "name": name, "address": address, "public": public},
        )
        return record

    def delete(self, site_id: int, actor: str) -> None:
        with self._database.session() as session:
            row = queries.site(session, site_id)
            if row is None:
                raise NotFoundError(f"site {site_id} not found")
            cameras = queries.cameras_at_site(session, site_id)
            if cameras:
                raise ConflictError(
                    f"site {row.name!r} still has {len(cameras)} camera(s); move them first"
                )
            name = row.name
            session.delete(row)
        self._audit.append(
            actor=actor, action="compliance.site_delete", detail={"id": site_id, "name": name}
        )

    def site_of(self, camera_id: int) -> int | None:
        with self._database.session() as session:
            return queries.camera_site_ids(session).get(camera_id)

    def set_camera_site(self, camera_id: int, site_id: int | None, actor: str) -> None:
        with self._database.session() as session:
            if camera_queries.camera_by_id(session, camera_id) is None:
                raise NotFoundError(f"camera {camera_id} not found")
            if site_id is not None and queries.site(session, site_id) is None:
                raise ValidationFailedError(f"site {site_id} does not exist")
            before = queries.camera_site_ids(session).get(camera_id)
            queries.set_camera_site(session, camera_id, site_id)
        self._audit.append(
            actor=actor,
            action="camera.site",
            camera_id=camera_id,
            detail={"before": before, "after": site_id},
        )
