"""Groups of cameras and the cameras in them; administrators only.

Errors come from the domain (:mod:`mimamoru.access.camera_groups`) and are answered by the
app's handlers: ``NotFoundError`` as 404, ``ValidationFailedError`` as 422.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from mimamoru.access.camera_groups import CameraGroupRecord
from mimamoru.access.principal import Principal
from mimamoru.api.deps import Dependencies
from mimamoru.api.groups import ERRORS
from mimamoru.api.schemas import CameraGroupIn, CameraGroupOut, CameraGroupPatch, CamerasIn

CameraGroupId = Annotated[int, Path(ge=1)]


def camera_group_out(camera_group: CameraGroupRecord) -> CameraGroupOut:
    return CameraGroupOut(
        id=camera_group.id,
        name=camera_group.name,
        description=camera_group.description,
        camera_ids=list(camera_group.camera_ids),
        created_at=camera_group.created_at,
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/camera-groups", tags=["camera groups"], responses=ERRORS)
    camera_groups = deps.services.camera_groups
    Admin = Annotated[Principal, Depends(deps.admin)]

    @router.get("", response_model=list[CameraGroupOut], summary="All camera groups")
    def list_camera_groups(_admin: Admin) -> list[CameraGroupOut]:
        return [camera_group_out(group) for group in camera_groups.list()]

    @router.post(
        "",
        response_model=CameraGroupOut,
        status_code=status.HTTP_201_CREATED,
        summary="Create a camera group (no cameras yet)",
    )
    def create_camera_group(body: CameraGroupIn, admin: Admin) -> CameraGroupOut:
        created = camera_groups.create(
            name=body.name, description=body.description, actor=admin.username
        )
        return camera_group_out(created)

    @router.get("/{camera_group_id}", response_model=CameraGroupOut, summary="One camera group")
    def get_camera_group(camera_group_id: CameraGroupId, _admin: Admin) -> CameraGroupOut:
        return camera_group_out(camera_groups.get(camera_group_id))

    @router.patch(
        "/{camera_group_id}",
        response_model=CameraGroupOut,
        summary="Rename or describe a camera group",
    )
    def patch_camera_group(
        camera_group_id: CameraGroupId, body: CameraGroupPatch, admin: Admin
    ) -> CameraGroupOut:
        updated = camera_groups.update(
            camera_group_id, name=body.name, description=body.description, actor=admin.username
        )
        return camera_group_out(updated)

    @router.delete(
        "/{camera_group_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Delete a camera group and every grant on it",
    )
    def delete_camera_group(camera_group_id: CameraGroupId, admin: Admin) -> Response:
        camera_groups.delete(camera_group_id, actor=admin.username)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.put(
        "/{camera_group_id}/cameras",
        response_model=CameraGroupOut,
        summary="Replace the cameras in the camera group ([] empties it)",
    )
    def put_cameras(
        camera_group_id: CameraGroupId, body: CamerasIn, admin: Admin
    ) -> CameraGroupOut:
        updated = camera_groups.set_cameras(camera_group_id, body.camera_ids, admin.username)
        return camera_group_out(updated)

    return router
