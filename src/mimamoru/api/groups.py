"""Groups of users, their members and their grants; administrators only.

Errors come from the domain (:mod:`mimamoru.access.groups`) and are answered by the app's
handlers: ``NotFoundError`` as 404, ``ValidationFailedError`` as 422.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from mimamoru.access.grants import parse_grants
from mimamoru.access.groups import GroupRecord
from mimamoru.access.principal import Principal
from mimamoru.api.deps import Dependencies
from mimamoru.api.schemas import (
    ErrorOut,
    GrantsIn,
    GrantsOut,
    GroupIn,
    GroupOut,
    GroupPatch,
    MembersIn,
)
from mimamoru.api.users import grants_out

GroupId = Annotated[int, Path(ge=1)]
ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "Not an administrator"},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


def group_out(group: GroupRecord) -> GroupOut:
    return GroupOut(
        id=group.id,
        name=group.name,
        description=group.description,
        member_ids=list(group.member_ids),
        created_at=group.created_at,
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/groups", tags=["groups"], responses=ERRORS)
    groups = deps.services.groups
    Admin = Annotated[Principal, Depends(deps.admin)]

    @router.get("", response_model=list[GroupOut], summary="All groups")
    def list_groups(_admin: Admin) -> list[GroupOut]:
        return [group_out(group) for group in groups.list()]

    @router.post(
        "",
        response_model=GroupOut,
        status_code=status.HTTP_201_CREATED,
        summary="Create a group (no members, no grants)",
    )
    def create_group(body: GroupIn, admin: Admin) -> GroupOut:
        return group_out(
            groups.create(name=body.name, description=body.description, actor=admin.username)
        )

    @router.get("/{group_id}", response_model=GroupOut, summary="One group")
    def get_group(group_id: GroupId, _admin: Admin) -> GroupOut:
        return group_out(groups.get(group_id))

    @router.patch("/{group_id}", response_model=GroupOut, summary="Rename or describe a group")
    def patch_group(group_id: GroupId, body: GroupPatch, admin: Admin) -> GroupOut:
        return group_out(
            groups.update(
                group_id, name=body.name, description=body.description, actor=admin.username
            )
        )

    @router.delete(
        "/{group_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Delete a group with its memberships and its grants",
    )
    def delete_group(group_id: GroupId, admin: Admin) -> Response:
        groups.delete(group_id, actor=admin.username)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.put(
        "/{group_id}/members",
        response_model=GroupOut,
        summary="Replace the group's members ([] empties it)",
    )
    def put_members(group_id: GroupId, body: MembersIn, admin: Admin) -> GroupOut:
        return group_out(groups.set_members(group_id, body.user_ids, admin.username))

    @router.get("/{group_id}/grants", response_model=GrantsOut, summary="The group's grants")
    def get_grants(group_id: GroupId, _admin: Admin) -> GrantsOut:
        return grants_out(groups.grants_of(group_id))

    @router.put(
        "/{group_id}/grants",
        response_model=GrantsOut,
        summary="Replace all of the group's grants ([] removes them all)",
    )
    def put_grants(group_id: GroupId, body: GrantsIn, admin: Admin) -> GrantsOut:
        parsed = parse_grants([item.model_dump() for item in body.grants])
        return grants_out(groups.replace_grants(group_id, parsed, admin.username))

    return router
