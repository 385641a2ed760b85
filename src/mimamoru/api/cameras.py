"""Cameras: list, add, show (status included)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from mimamoru.access.gate import Authorization
from mimamoru.access.roles import Operation
from mimamoru.access.sessions import Principal
from mimamoru.api.deps import Dependencies
from mimamoru.api.schemas import CameraCreate, CameraOut, ErrorOut
from mimamoru.cameras import CameraRecord
from mimamoru.errors import MimamoruError
from mimamoru.services import Services


def camera_out(services: Services, camera: CameraRecord) -> CameraOut:
    snapshot = services.supervisor.status(camera.id)
    return CameraOut(
        id=camera.id,
        name=camera.name,
        source=camera.source_redacted,
        retention_days=camera.retention_days,
        enabled=camera.enabled,
        status=snapshot.state.value if snapshot else "stopped",
        status_reason=snapshot.reason if snapshot else "not running",
        status_since=snapshot.since if snapshot else None,
        last_frame_at=snapshot.last_frame_at if snapshot else None,
        fps=snapshot.fps if snapshot else 0.0,
        bitrate_kbps=snapshot.bitrate_kbps if snapshot else 0.0,
        mode=snapshot.mode if snapshot else None,
        created_at=camera.created_at,
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/cameras", tags=["cameras"])
    services = deps.services

    @router.get("", response_model=list[CameraOut], summary="Cameras the caller may see")
    def list_cameras(principal: Annotated[Principal, Depends(deps.principal)]) -> list[CameraOut]:
        cameras = services.cameras.list()
        visible = set(services.gate.visible_camera_ids(principal, [c.id for c in cameras]))
        return [camera_out(services, camera) for camera in cameras if camera.id in visible]

    @router.post(
        "",
        response_model=CameraOut,
        status_code=status.HTTP_201_CREATED,
        responses={422: {"model": ErrorOut}, 403: {"model": ErrorOut}},
        summary="Add a camera (admin); recording starts within seconds",
    )
    def add_camera(
        body: CameraCreate, principal: Annotated[Principal, Depends(deps.admin)]
    ) -> CameraOut:
        try:
            camera = services.cameras.add(
                name=body.name, source=body.source, retention_days=body.retention_days
            )
        except MimamoruError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        services.audit.append(
            actor=principal.username,
            action="camera.add",
            camera_id=camera.id,
            detail={"name": camera.name, "source": camera.source_redacted},
        )
        return camera_out(services, camera)

    @router.get(
        "/{camera_id}",
        response_model=CameraOut,
        responses={404: {"model": ErrorOut}},
        summary="One camera with its recorder status",
    )
    def get_camera(
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.VIEW))],
    ) -> CameraOut:
        return camera_out(services, services.cameras.get(authorization.camera_id))

    return router
