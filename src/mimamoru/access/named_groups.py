"""What groups of users and camera groups have in common: a unique name and a description.

NamedGroups creates, renames or re-describes, and deletes one kind of named group, each
change audited with before and after. The services in groups.py and camera_groups.py each
hold one, set up with their noun, audit key, name limit and queries, and keep what is
their own (members or cameras, grants) to themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.db.engine import Database
from mimamoru.db.tables import CameraGroup, Group
from mimamoru.errors import NotFoundError, ValidationFailedError

logger = logging.getLogger(__name__)

DESCRIPTION_MAX = 2000

RowT = TypeVar("RowT", Group, CameraGroup)
RecordT = TypeVar("RecordT")
_RowT_co = TypeVar("_RowT_co", covariant=True)


def validate_name(name: str, *, kind: str, max_length: int) -> str:
    """A group's or camera group's name: trimmed, 1 to max_length characters, no control."""
    cleaned = name.strip()
    if not cleaned:
        raise ValidationFailedError(f"{kind} name is empty")
    if len(cleaned) > max_length:
        raise ValidationFailedError(f"{kind} name is longer than {max_length} characters")
    if any(ord(ch) < 32 for ch in cleaned):
        raise ValidationFailedError(f"{kind} name must not contain control characters")
    return cleaned


def validate_description(description: str) -> str:
    cleaned = description.strip()
    if len(cleaned) > DESCRIPTION_MAX:
        raise ValidationFailedError(f"description is longer than {DESCRIPTION_MAX} characters")
    return cleaned


def parse_ids(values: Sequence[object], *, noun: str, field: str) -> list[int]:
    """Positive whole numbers, each once; the error names the value."""
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationFailedError(f"{field}: {value!r} is not a positive whole number")
        if value in ids:
            raise ValidationFailedError(f"{field}: {noun} {value} is listed twice")
        ids.append(value)
    return sorted(ids)


class AddRow(Protocol[_RowT_co]):
    def __call__(
        self, session: Session, *, name: str, description: str, now: datetime
    ) -> _RowT_co: ...


class NamedGroups(Generic[RowT, RecordT]):
    """Create, update and delete one kind of named group, with duplicate names refused.

    noun names the kind in messages ("group", "camera group"); audit_key is both the
    audit action prefix ("group" gives "group.created") and the detail key that names
    the group. by_name, add and for_update are its queries; record turns a row into the
    service's record.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        audit: AuditLog,
        *,
        noun: str,
        audit_key: str,
        name_max: int,
        by_name: Callable[[Session, str], RowT | None],
        add: AddRow[RowT],
        for_update: Callable[[Session, int], RowT | None],
        record: Callable[[Session, RowT], RecordT],
    ) -> None:
        self._database = database
        self._clock = clock
        self._audit = audit
        self._noun = noun
        self._audit_key = audit_key
        self._name_max = name_max
        self._by_name: Callable[[Session, str], RowT | None] = by_name
        self._add: AddRow[RowT] = add
        self._for_update: Callable[[Session, int], RowT | None] = for_update
        self._record: Callable[[Session, RowT], RecordT] = record

    def create(self, *, name: str, description: str, actor: str) -> RecordT:
        name = validate_name(name, kind=self._noun, max_length=self._name_max)
        description = validate_description(description)
        try:
            with self._database.session() as session:
                if self._by_name(session, name) is not None:
                    raise self._taken(name)
                row = self._add(session, name=name, description=description, now=self._clock.now())
                record = self._record(session, row)
        except IntegrityError as exc:  # created by someone else at the same moment
            raise self._taken(name) from exc
        self._audit.append(
            actor=actor,
            action=f"{self._audit_key}.created",
            detail={
                self._audit_key: name,
                "before": None,
                "after": {"name": name, "description": description},
            },
        )
        logger.info("%s %s created by %s", self._noun, name, actor)
        return record

    def update(
        self, group_id: int, *, actor: str, name: str | None, description: str | None
    ) -> RecordT:
        """Rename the group or change its description; fields left None stay."""
        if name is not None:
            name = validate_name(name, kind=self._noun, max_length=self._name_max)
        if description is not None:
            description = validate_description(description)
        try:
            with self._database.session() as session:
                row = self._locked(session, group_id)
                before = {"name": row.name, "description": row.description}
                if name is not None and name != row.name:
                    if self._by_name(session, name) is not None:
                        raise self._taken(name)
                    row.name = name
                if description is not None:
                    row.description = description
                session.flush()
                after = {"name": row.name, "description": row.description}
                new_name = row.name
                record = self._record(session, row)
        except IntegrityError as exc:
            raise self._taken(name) from exc
        if after != before:
            self._audit.append(
                actor=actor,
                action=f"{self._audit_key}.updated",
                detail={self._audit_key: new_name, "before": before, "after": after},
            )
        return record

    def delete(
        self,
        group_id: int,
        *,
        actor: str,
        contents: Callable[[Session, RowT], dict[str, Any]],
    ) -> None:
        """Delete the group; the audit's before is its name, description and contents."""
        with self._database.session() as session:
            row = self._locked(session, group_id)
            before = {
                "name": row.name,
                "description": row.description,
                **contents(session, row),
            }
            session.delete(row)
        self._audit.append(
            actor=actor,
            action=f"{self._audit_key}.deleted",
            detail={self._audit_key: before["name"], "before": before, "after": None},
        )
        logger.info("%s %s deleted by %s", self._noun, before["name"], actor)

    def _locked(self, session: Session, group_id: int) -> RowT:
        row = self._for_update(session, group_id)
        if row is None:
            raise NotFoundError(f"{self._noun} {group_id} not found")
        return row

    def _taken(self, name: str | None) -> ValidationFailedError:
        return ValidationFailedError(f"a {self._noun} named {name!r} already exists")
