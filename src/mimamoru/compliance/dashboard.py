"""The compliance dashboard: what is in order and what needs doing, each with where to fix it.

Everything is computed from the records as they are now (with the injected clock), so an
item changes state as soon as the underlying fact does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from mimamoru.compliance.profile import Profile, is_japan, missing_fields
from mimamoru.db import compliance as queries
from mimamoru.db import requests as request_queries
from mimamoru.db.engine import Database
from mimamoru.settings import ComplianceSettings

PROFILE_FIX = "/admin/compliance#profile"
STORAGE_FIX = "/admin/compliance#storage"
CAMERAS_FIX = "/admin/compliance#camera-{id}"
MASKS_FIX = "/masks?camera={id}"
PERMISSIONS_FIX = "/admin/permissions"
USERS_FIX = "/admin/users"
REVIEW_FIX = "/compliance#reviews"


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    ok: bool
    detail: str
    fix: str
    # The detail as a code and its values, so that the pages can say it in the reader's
    # language (docs/i18n.md); ``detail`` is the same in English, for the API and the PDF.
    note: str = ""
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CameraEntry:
    id: int
    name: str
    enabled: bool
    purposes: tuple[str, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class SiteEntry:
    id: int | None
    name: str
    cameras: tuple[CameraEntry, ...]


@dataclass(frozen=True)
class Dashboard:
    generated_at: datetime
    installation: tuple[Item, ...]
    sites: tuple[SiteEntry, ...]
    problems: int = field(default=0)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["generated_at"] = self.generated_at.isoformat()
        return data


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def pending_access_requests(database: Database) -> list[dict[str, Any]]:
    """Access requests waiting for a decision, oldest first."""
    with database.session() as session:
        rows = request_queries.pending_overview(session)
    return [
        {
            "id": request_id,
            "operation": operation,
            "camera": camera,
            "requester": requester,
            "created_at": created.isoformat(),
            "line": f"#{request_id} {operation} of {camera} asked by {requester} "
            f"on {created:%Y-%m-%d}",
        }
        for request_id, camera, operation, requester, created in rows
    ]


def build_dashboard(
    database: Database,
    profile: Profile,
    settings: ComplianceSettings,
    now: datetime,
    zone: tzinfo = UTC,
) -> Dashboard:
    """The dashboard as of ``now``; dates in its details are calendar dates in ``zone``."""

    def _date(moment: datetime) -> str:
        return moment.astimezone(zone).date().isoformat()

    mask_cutoff = months_before(now, settings.mask_review_months)
    permission_cutoff = months_before(now, settings.permission_review_months)
    inactive_cutoff = now - timedelta(days=settings.inactive_account_days)
    limit = settings.max_retention_hours_without_justification
    with database.session() as session:
        purposes = {row.code: row for row in queries.purposes(session)}
        camera_purposes = queries.camera_purpose_codes(session)
        versions = queries.purpose_versions(session)
        attested = queries.latest_attestations(session)
        mask_reviews = queries.latest_reviews(session, "masks")
        permission_reviews = queries.latest_reviews(session, "permissions")
        site_of = queries.camera_site_ids(session)
        sites = list(queries.sites(session))
        cameras = list(queries.all_cameras(session))
        locations = list(queries.locations(session))
        users = list(queries.active_users(session))
        everyone_masks = mask_reviews.get(None)

        def camera_items(camera: Any) -> tuple[Item, ...]:
            fix = CAMERAS_FIX.format(id=camera.id)
            codes = camera_purposes.get(camera.id, [])
            names = [f"{purposes[c].name_ja} / {purposes[c].name_en}" for c in codes]
            items = [
                Item(
                    "purpose",
                    "Purpose of use set",
                    bool(codes),
                    ", ".join(names) if codes else "no purpose of use registered: not recording",
                    fix,
                    "purposes" if codes else "no_purpose",
                    {"purposes": names},
                )
            ]
            sign = attested.get(camera.id)
            version = versions.get(camera.id, 0)
            if sign is None:
                items.append(
                    Item("sign", "Sign attested", False, "no sign attested", fix, "no_sign")
                )
            elif sign.purpose_version != version:
                items.append(
                    Item(
                        "sign",
                        "Sign attested",
                        False,
                        f"purposes changed since the sign of {sign.installed_on.isoformat()}: "
                        "reprint it and attest again",
                        fix,
                        "reprint",
                        {"installed_on": sign.installed_on.isoformat()},
                    )
                )
            else:
                items.append(
                    Item(
                        "sign",
                        "Sign attested",
                        True,
                        f"installed {sign.installed_on.isoformat()} by {sign.installed_by}",
                        fix,
                        "installed",
                        {
                            "installed_on": sign.installed_on.isoformat(),
                            "installed_by": sign.installed_by,
                        },
                    )
                )
            hours = camera.retention_hours
            justified = bool(camera.retention_justification)
            items.append(
                Item(
                    "retention",
                    "Retention within policy",
                    hours <= limit or justified,
                    f"{hours} h"
                    + (
                        f" (over {limit} h, justified: {camera.retention_justification})"
                        if hours > limit and justified
                        else f" (over {limit} h without a written justification)"
                        if hours > limit
                        else ""
                    ),
                    fix,
                    "justified"
                    if hours > limit and justified
                    else "unjustified"
                    if hours > limit
                    else "within",
                    {
                        "hours": hours,
                        "limit": limit,
                        "justification": camera.retention_justification or "",
                    },
                )
            )
            reviews = [
                review
                for review in (mask_reviews.get(camera.id), everyone_masks)
                if review is not None
            ]
            last = max(reviews, key=lambda review: review.reviewed_at) if reviews else None
            items.append(
                Item(
                    "masks_review",
                    f"Masks reviewed within {settings.mask_review_months} months",
                    last is not None and last.reviewed_at >= mask_cutoff,
                    f"last reviewed {_date(last.reviewed_at)} by {last.reviewed_by}"
                    if last
                    else "never reviewed",
                    MASKS_FIX.format(id=camera.id),
                    "reviewed" if last else "never_reviewed",
                    {"months": settings.mask_review_months}
                    | (
                        {"reviewed_at": last.reviewed_at.isoformat(), "by": last.reviewed_by}
                        if last
                        else {}
                    ),
                )
            )
            return tuple(items)

        entries: dict[int | None, list[CameraEntry]] = {}
        for camera in cameras:
            entries.setdefault(site_of.get(camera.id), []).append(
                CameraEntry(
                    id=camera.id,
                    name=camera.name,
                    enabled=camera.enabled,
                    purposes=tuple(camera_purposes.get(camera.id, [])),
                    items=camera_items(camera),
                )
            )
        site_entries = [
            SiteEntry(site.id, site.name, tuple(entries.get(site.id, []))) for site in sites
        ]
        if entries.get(None):
            site_entries.append(SiteEntry(None, "No site", tuple(entries[None])))

        missing = missing_fields(profile)
        outside = [row for row in locations if not is_japan(row.country)]
        inactive = [
            user.username
            for user in users
            if (user.last_login_at or user.created_at) < inactive_cutoff
        ]
        permissions = permission_reviews.get(None)
        pending = pending_access_requests(database)
        installation = (
            Item(
                "profile",
                "Operator profile complete",
                not missing,
                "missing: " + ", ".join(missing) if missing else "complete",
                PROFILE_FIX,
                "missing" if missing else "complete",
                {"fields": list(missing)},
            ),
            Item(
                "storage_recorded",
                "Storage locations recorded",
                bool(locations),
                ", ".join(f"{row.name} ({row.country})" for row in locations)
                if locations
                else "no storage location recorded: the notice cannot name the countries",
                STORAGE_FIX,
                "locations" if locations else "no_location",
                {"locations": [{"name": row.name, "country": row.country} for row in locations]},
            ),
            Item(
                "storage_abroad",
                "Storage outside Japan disclosed",
                all(row.regime_note for row in outside),
                "outside Japan: " + ", ".join(f"{row.name} ({row.country})" for row in outside)
                if outside
                else "all storage is in Japan",
                STORAGE_FIX,
                "outside" if outside else "all_in_japan",
                {"locations": [{"name": row.name, "country": row.country} for row in outside]},
            ),
            Item(
                "permissions_review",
                f"Permissions reviewed within {settings.permission_review_months} months",
                permissions is not None and permissions.reviewed_at >= permission_cutoff,
                f"last reviewed {_date(permissions.reviewed_at)} by {permissions.reviewed_by}"
                if permissions
                else "never reviewed",
                PERMISSIONS_FIX,
                "reviewed" if permissions else "never_reviewed",
                {"months": settings.permission_review_months}
                | (
                    {
                        "reviewed_at": permissions.reviewed_at.isoformat(),
                        "by": permissions.reviewed_by,
                    }
                    if permissions
                    else {}
                ),
            ),
            Item(
                "inactive_accounts",
                f"No account unused for {settings.inactive_account_days} days",
                not inactive,
                "unused: " + ", ".join(inactive) if inactive else "every account is in use",
                USERS_FIX,
                "unused" if inactive else "all_in_use",
                {"days": settings.inactive_account_days, "users": inactive},
            ),
            Item(
                "access_requests",
                "No pending access requests",
                not pending,
                "; ".join(request["line"] for request in pending) if pending else "none pending",
                "/compliance",
                "pending" if pending else "none_pending",
                {"requests": [{k: v for k, v in r.items() if k != "line"} for r in pending]},
            ),
        )
    # A disabled camera records nothing: it is listed, but its items are not counted.
    problems = sum(not item.ok for item in installation) + sum(
        not item.ok
        for site in site_entries
        for camera in site.cameras
        if camera.enabled
        for item in camera.items
    )
    return Dashboard(now, installation, tuple(site_entries), problems)
