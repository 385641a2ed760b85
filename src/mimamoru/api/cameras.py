"""Cameras: list, add, show (status included)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from mimamoru.access.gate import Authorization
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.api.deps import Dependencies
from mimamoru.api.schemas import CameraCreate, CameraOut, CameraPatch, ErrorOut, MaskOut
from mimamoru.cameras import CameraRecord, validate_retention
from mimamoru.errors import MimamoruError
from mimamoru.privacy.masks import parse_masks
from mimamoru.services import Services

# A recorder's reason can quote its source (address, path, error text of the camera), so
# callers who may not see the source get the state in words instead.
_PLAIN_REASONS = {
    "starting": "connecting to the camera",
    "offline": "the camera cannot be reached; an administrator can see why",
    "error": "recording failed; an administrator can see why",
}


def camera_out(services: Services, camera: CameraRecord, viewer: Principal) -> CameraOut:
    """The camera as ``viewer`` may see it: source and raw status only with ``configure``."""
    snapshot = services.supervisor.status(camera.id)
    configures = services.gate.may(viewer, camera.id, Operation.CONFIGURE)
    reason = snapshot.reason if snapshot else "not running"
    if snapshot and reason and not configures:
        reason = _PLAIN_REASONS.get(snapshot.state.value)
    return CameraOut(
        id=camera.id,
        name=camera.name,
        source=camera.source_redacted if configures else None,
        retention_hours=camera.retention_hours,
        retention_justification=camera.retention_justification,
        enabled=camera.enabled,
        status=snapshot.state.value if snapshot else "stopped",
        status_reason=reason,
        status_since=snapshot.since if snapshot else None,
        last_frame_at=snapshot.last_frame_at if snapshot else None,
        fps=snapshot.fps if snapshot else 0.0,
        bitrate_kbps=snapshot.bitrate_kbps if snapshot else 0.0,
        mode=snapshot.mode if snapshot else None,
        decode_errors=snapshot.decode_errors if snapshot else 0,
        masks=[MaskOut.model_validate(mask.as_dict()) for mask in camera.masks],
        mask_version=camera.mask_version,
        created_at=camera.created_at,
        export_without_approval=camera.export_without_approval,
        operations=[
            op.value
            for op in (Operation.LIVE, Operation.PLAYBACK)
            if services.gate.may(viewer, camera.id, op)
        ]
        + (["configure"] if configures else []),
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/cameras", tags=["cameras"])
    services = deps.services

    @router.get("", response_model=list[CameraOut], summary="Cameras the caller may see")
    def list_cameras(
        principal: Annotated[Principal, Depends(deps.principal)],
        operation: Annotated[
            Operation | None,
            Query(description="Only cameras the caller may use for this, e.g. `live`"),
        ] = None,
    ) -> list[CameraOut]:
        cameras = services.cameras.list()
        visible = set(services.gate.visible_camera_ids(principal, [c.id for c in cameras]))
        if operation is not None:
            # The grid asks for `live`: the gate decides, per camera, as for the stream itself.
            visible = {c for c in visible if services.gate.may(principal, c, operation)}
        return [
            camera_out(services, camera, principal) for camera in cameras if camera.id in visible
        ]

    @router.post(
        "",
        response_model=CameraOut,
        status_code=status.HTTP_201_CREATED,
        responses={422: {"model": ErrorOut}, 403: {"model": ErrorOut}},
        summary="Add a camera (admin); recording starts within seconds once it has a purpose",
    )
    def add_camera(
        body: CameraCreate, principal: Annotated[Principal, Depends(deps.admin)]
    ) -> CameraOut:
        try:
            camera = services.cameras.add(
                name=body.name,
                source=body.source,
                retention_hours=body.retention_hours,
                retention_justification=body.retention_justification,
                masks=parse_masks(body.masks),
                purposes=body.purposes,
                actor=principal.username,
            )
        except MimamoruError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        return camera_out(services, camera, principal)

    @router.get(
        "/{camera_id}",
        response_model=CameraOut,
        responses={404: {"model": ErrorOut}},
        summary="One camera with its recorder status",
    )
    def get_camera(
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.VIEW))],
    ) -> CameraOut:
        return camera_out(
            services, services.cameras.get(authorization.camera_id), authorization.principal
        )

    @router.patch(
        "/{camera_id}",
        response_model=CameraOut,
        responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
        summary="Change a camera; `masks` replaces its privacy masks",
        description=(
            "New masks reach the recorder within `recording.reconcile_seconds` (1 s by "
            "default) and apply from its next frame: a stream-copied camera switches to "
            "re-encoding at once, decoding from the last keyframe it copied."
        ),
    )
    def patch_camera(
        body: CameraPatch,
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.CONFIGURE))],
    ) -> CameraOut:
        camera = services.cameras.get(authorization.camera_id)
        if (
            body.export_without_approval is not None
            and authorization.principal.role is not Role.ADMIN
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "only an administrator may change export_without_approval",
            )
        masks = None
        if body.masks is not None:
            # Everything is validated before anything is saved: a bad request changes nothing.
            try:
                masks = parse_masks(body.masks)
            except MimamoruError as exc:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        if body.retention_hours is not None or body.retention_justification is not None:
            # A new retention period needs its justification restated; a justification alone
            # replaces the reason for the current period.
            hours = body.retention_hours or camera.retention_hours
            try:
                validate_retention(hours, body.retention_justification)
            except MimamoruError as exc:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
            camera = services.cameras.set_retention(
                authorization.camera_id,
                hours,
                body.retention_justification,
                authorization.principal.username,
            )
        if masks is not None:
            camera = services.cameras.set_masks(
                authorization.camera_id, masks, authorization.principal.username
            )
        if body.export_without_approval is not None:
            camera = services.cameras.set_export_without_approval(
                authorization.camera_id,
                body.export_without_approval,
                authorization.principal.username,
            )
        return camera_out(services, camera, authorization.principal)

    @router.get(
        "/{camera_id}/snapshot",
        response_class=Response,
        responses={
            200: {"content": {"image/jpeg": {}}, "description": "The latest (masked) frame"},
            404: {"model": ErrorOut},
            503: {"model": ErrorOut, "description": "No frame yet; retry shortly"},
        },
        summary="JPEG of the camera's latest frame, with its privacy masks burned in",
    )
    def snapshot(
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.LIVE))],
    ) -> Response:
        saved = services.cameras.get(authorization.camera_id)
        jpeg = services.supervisor.snapshot_jpeg(authorization.camera_id, saved.mask_version)
        if jpeg is None:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "no frame from this camera yet; try again in a few seconds",
                headers={"Retry-After": "2"},
            )
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    return router
