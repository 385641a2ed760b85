"""Recorded segments: the index per camera and the segment files."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse

from mimamoru.access.gate import Authorization
from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies, SegmentGrant
from mimamoru.api.schemas import ErrorOut, RecordingOut


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["recordings"])
    services = deps.services

    @router.get(
        "/cameras/{camera_id}/recordings",
        response_model=list[RecordingOut],
        responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
        summary="Recorded segments overlapping [start, end), oldest first",
    )
    def list_recordings(
        authorization: Annotated[Authorization, Depends(deps.camera_range(Operation.PLAYBACK))],
    ) -> list[RecordingOut]:
        assert authorization.time_range is not None
        start, end = authorization.time_range
        return [
            RecordingOut(
                id=record.id,
                start=record.start,
                end=record.end,
                bytes=record.bytes,
                sha256=record.sha256,
                width=record.width,
                height=record.height,
                frame_count=record.frame_count,
                mask_version=record.mask_version,
            )
            for record in services.segments.in_range(authorization.camera_id, start, end)
        ]

    @router.get(
        "/recordings/{segment_id}",
        response_class=FileResponse,
        responses={
            200: {"content": {"video/mp4": {}}, "description": "The segment as fragmented MP4"},
            404: {"model": ErrorOut},
        },
        summary="One recorded segment as playable MP4",
    )
    def get_recording(grant: Annotated[SegmentGrant, Depends(deps.segment())]) -> FileResponse:
        path = services.store.path_of(grant.path)
        if not path.is_file():
            raise HTTPException(status.HTTP_410_GONE, "the segment file is no longer on disk")
        return FileResponse(
            path,
            media_type="video/mp4",
            filename=f"camera{grant.authorization.camera_id}-{path.stem}.mp4",
            content_disposition_type="inline",
        )

    return router
