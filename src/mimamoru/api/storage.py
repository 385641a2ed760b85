"""Evidence holds, deletion records and the state of the storage volume."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from mimamoru.access.gate import Authorization
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies, as_utc
from mimamoru.api.schemas import DeletionOut, ErrorOut, HoldIn, HoldOut, StorageOut
from mimamoru.errors import MimamoruError, NotFoundError
from mimamoru.storage.holds import HoldRecord


def hold_out(hold: HoldRecord, now: datetime) -> HoldOut:
    return HoldOut(
        id=hold.id,
        camera_id=hold.camera_id,
        start=hold.start,
        end=hold.end,
        reason=hold.reason,
        expires=hold.expires,
        created_by=hold.created_by,
        created_at=hold.created_at,
        released_at=hold.released_at,
        released_by=hold.released_by,
        active=hold.active_at(now),
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["storage"])
    services = deps.services

    @router.get(
        "/holds",
        response_model=list[HoldOut],
        summary="Evidence holds on cameras the caller may configure",
    )
    def list_holds(
        request: Request,
        include_inactive: Annotated[
            bool, Query(description="Also list released and expired holds")
        ] = False,
    ) -> list[HoldOut]:
        principal = deps.principal(request)
        now = services.clock.now()
        return [
            hold_out(hold, now)
            for hold in services.holds.list(include_inactive=include_inactive)
            if services.gate.may(principal, hold.camera_id, Operation.CONFIGURE)
        ]

    @router.post(
        "/holds",
        response_model=HoldOut,
        status_code=status.HTTP_201_CREATED,
        responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
        summary="Hold a camera's footage in [start, end) past retention and disk pressure",
    )
    def place_hold(
        grant: Annotated[tuple[Authorization, HoldIn], Depends(deps.new_hold())],
    ) -> HoldOut:
        authorization, body = grant
        try:
            hold = services.holds.place(
                camera_id=authorization.camera_id,
                start=as_utc(body.start),
                end=as_utc(body.end),
                reason=body.reason,
                expires=as_utc(body.expires),
                actor=authorization.principal.username,
            )
        except NotFoundError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        except MimamoruError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        return hold_out(hold, services.clock.now())

    @router.delete(
        "/holds/{hold_id}",
        response_model=HoldOut,
        responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}},
        summary="Release a hold; its footage is then subject to retention again",
    )
    def release_hold(
        grant: Annotated[tuple[Authorization, HoldRecord], Depends(deps.existing_hold())],
    ) -> HoldOut:
        authorization, hold = grant
        try:
            released = services.holds.release(hold.id, authorization.principal.username)
        except MimamoruError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
        return hold_out(released, services.clock.now())

    @router.get(
        "/storage",
        response_model=StorageOut,
        summary="Free space, the space kept free, and whether recording is paused (admins)",
    )
    def storage_state(_admin: Annotated[Principal, Depends(deps.admin)]) -> StorageOut:
        free, total = services.retention.space.usage()
        return StorageOut(
            free_bytes=free,
            total_bytes=total,
            keep_free_bytes=services.retention.threshold(total),
            recording_paused=services.store.paused,
            master_key_id=services.keys.wrapping.fingerprint,
        )

    @router.get(
        "/storage/deletions",
        response_model=list[DeletionOut],
        summary="Deletion records (newest first): what retention and disk pressure deleted",
    )
    def deletions(
        _admin: Annotated[Principal, Depends(deps.admin)],
        camera_id: Annotated[int | None, Query(ge=1)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[DeletionOut]:
        return [
            DeletionOut(**vars(item))
            for item in services.retention.deletion_records(camera_id, limit)
        ]

    return router
