"""Recorded segments: the index per camera, and each segment decrypted on the fly."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import Response, StreamingResponse

from mimamoru.access.gate import Authorization
from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies, SegmentGrant
from mimamoru.api.ranges import parse_range
from mimamoru.api.schemas import ErrorOut, RecordingOut
from mimamoru.storage.playback import SegmentUnavailable, open_verified


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
                status=record.status,
            )
            for record in services.segments.in_range(authorization.camera_id, start, end)
        ]

    @router.get(
        "/recordings/{segment_id}",
        response_class=StreamingResponse,
        responses={
            200: {"content": {"video/mp4": {}}, "description": "The segment as fragmented MP4"},
            206: {"content": {"video/mp4": {}}, "description": "The requested byte range"},
            404: {"model": ErrorOut},
            410: {"model": ErrorOut, "description": "The file is gone (marked lost)"},
            416: {"model": ErrorOut},
            500: {"model": ErrorOut, "description": "The file failed its integrity check"},
            503: {"model": ErrorOut, "description": "Its key cannot be loaded right now"},
        },
        summary="One recorded segment as playable MP4, decrypted on the fly; Range supported",
        description=(
            "The whole segment is authenticated before the first byte is sent: a damaged or "
            "tampered segment is never served, not even in part, and is marked corrupt."
        ),
    )
    def get_recording(
        request: Request, grant: Annotated[SegmentGrant, Depends(deps.segment())]
    ) -> Response:
        record = grant.record
        try:
            playable = open_verified(services.store, services.segments, record)
        except SegmentUnavailable as exc:
            services.audit.append(
                actor=grant.authorization.principal.username,
                action="access.playback_failed",
                camera_id=record.camera_id,
                detail={"segment_id": record.id, "status": exc.http_status, "reason": str(exc)},
                outcome="failed",
            )
            raise HTTPException(exc.http_status, str(exc)) from exc
        wanted = parse_range(request.headers.get("range"), playable.size)
        start, end = wanted if wanted is not None else (0, playable.size)
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Length": str(end - start),
            "Content-Disposition": (
                f'inline; filename="camera{record.camera_id}-segment{record.id}.mp4"'
            ),
            "ETag": f'"{record.sha256}"',
            "Cache-Control": "private, no-store",
        }
        if wanted is not None:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{playable.size}"
        body: Iterator[bytes] | AsyncIterator[bytes]
        if playable.in_memory:
            # Already authenticated and decrypted: send from the event loop, no thread hops.
            body = _from_memory(playable.memory_range(start, end))
        else:
            body = playable.iter_range(start, end)
        return StreamingResponse(
            body,
            status_code=status.HTTP_206_PARTIAL_CONTENT if wanted else status.HTTP_200_OK,
            media_type="video/mp4",
            headers=headers,
        )

    return router


SEND_SIZE = 512 * 1024


async def _from_memory(pieces: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Decrypted chunks in sends of about :data:`SEND_SIZE`: fewer, larger TLS writes."""
    pending: list[bytes] = []
    size = 0
    for piece in pieces:
        pending.append(piece)
        size += len(piece)
        if size >= SEND_SIZE:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)
