"""A camera's day for the playback page: recorded ranges, gaps and evidence holds."""

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel, Field

from mimamoru.access.gate import Authorization
from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies, GatedAccess
from mimamoru.api.schemas import ErrorOut
from mimamoru.storage import timeline

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(9999, 12, 30)


class SegmentPiece(BaseModel):
    id: int = Field(description="Play it with GET /api/v1/recordings/{id}")
    start: datetime
    end: datetime
    frame_count: int


class RangeOut(BaseModel):
    start: datetime
    end: datetime
    segments: list[SegmentPiece]


class SpanOut(BaseModel):
    start: datetime
    end: datetime


class TimelineHoldOut(BaseModel):
    id: int
    start: datetime
    end: datetime
    reason: str | None = Field(description="Only for callers who may configure the camera")


class TimelineOut(BaseModel):
    camera_id: int
    zone: str = Field(description="The site's time zone (IANA name); `day` is a day there")
    day: date
    start: datetime = Field(description="The day's first instant, UTC")
    end: datetime = Field(description="The next day's first instant, UTC")
    reachable_from: datetime = Field(
        description="The oldest instant the caller may play back on this day (their grant's "
        "playback window); equal to `start` when the whole day is reachable"
    )
    now: datetime
    ranges: list[RangeOut]
    gaps: list[SpanOut] = Field(description="Parts of the day, up to now, without recording")
    holds: list[TimelineHoldOut]


class TimelineAccess(GatedAccess):
    """Gate for the timeline: ``playback`` over the chosen day (in the site's time zone).

    A day that reaches back beyond the caller's playback window is cut to the window, the
    way ``/recordings`` without a start is: the caller sees what they may play.
    """

    def __call__(
        self,
        request: Request,
        camera_id: Annotated[int, Path(ge=1)],
        day: Annotated[
            date | None,
            Query(description="YYYY-MM-DD in the site's time zone; default: today there"),
        ] = None,
    ) -> Authorization:
        services = self._deps.services
        principal = self._deps.principal(request)
        zone = services.settings.site.timezone
        now = services.clock.now()
        chosen = day if day is not None else timeline.today_in(zone, now)
        if not EARLIEST_DAY <= chosen <= LATEST_DAY:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"day {chosen.isoformat()} is out of range (2000-01-01 to 9999-12-30)",
            )
        start, end = timeline.day_bounds(chosen, zone)
        earliest = services.gate.earliest_start(principal, camera_id, Operation.PLAYBACK)
        if earliest is not None and earliest > start:
            start = min(earliest, end - timedelta(seconds=1))
        return self._authorize(
            principal, camera_id, Operation.PLAYBACK, request.url.path, (start, end)
        )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["recordings"])
    services = deps.services

    @router.get(
        "/cameras/{camera_id}/timeline",
        response_model=TimelineOut,
        responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
        summary="One day of a camera: recorded ranges, gaps and evidence holds (UTC)",
    )
    def get_timeline(
        authorization: Annotated[Authorization, Depends(TimelineAccess(deps))],
    ) -> TimelineOut:
        assert authorization.time_range is not None
        reachable, end = authorization.time_range
        camera_id = authorization.camera_id
        zone = services.settings.site.timezone
        now = services.clock.now()
        day = reachable.astimezone(ZoneInfo(zone)).date()
        segments = services.segments.in_range(camera_id, reachable, end)
        holds = [h for h in services.holds.list() if h.camera_id == camera_id]
        built = timeline.build(zone, day, segments, holds, now)
        shows_reason = services.gate.may(authorization.principal, camera_id, Operation.CONFIGURE)
        return TimelineOut(
            camera_id=camera_id,
            zone=zone,
            day=built.day,
            start=built.start,
            end=built.end,
            reachable_from=reachable,
            now=now,
            ranges=[
                RangeOut(
                    start=r.start,
                    end=r.end,
                    segments=[
                        SegmentPiece(id=p.id, start=p.start, end=p.end, frame_count=p.frame_count)
                        for p in r.segments
                    ],
                )
                for r in built.ranges
            ],
            gaps=[SpanOut(start=g.start, end=g.end) for g in built.gaps],
            holds=[
                TimelineHoldOut(
                    id=h.id, start=h.start, end=h.end, reason=h.reason if shows_reason else None
                )
                for h in built.holds
            ],
        )

    return router
