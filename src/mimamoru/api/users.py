"""Accounts, their grants and their effective permissions; administrators only."""

from collections.abc import Iterable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from mimamoru.access.accounts import Account, parse_role
from mimamoru.access.grants import GrantRecord, parse_grants
from mimamoru.access.groups import GroupRef
from mimamoru.access.permissions import UserPermissions
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies
from mimamoru.api.schemas import (
    CameraPermissionOut,
    ErrorOut,
    GrantOut,
    GrantsIn,
    GrantSourceOut,
    GrantsOut,
    GroupRefOut,
    PermissionsOut,
    UserCreate,
    UserOut,
    UserPatch,
)

UserId = Annotated[int, Path(ge=1)]
ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "Not an administrator"},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "Would leave no enabled administrator"},
    422: {"model": ErrorOut},
}


def user_out(account: Account, groups: Iterable[GroupRef]) -> UserOut:
    return UserOut(
        id=account.id,
        username=account.username,
        role=account.role.value,
        disabled=account.disabled,
        created_at=account.created_at,
        last_login_at=account.last_login_at,
        totp_enabled=account.totp_enabled,
        groups=[GroupRefOut(id=group.id, name=group.name) for group in groups],
    )


def grants_out(grants: Sequence[GrantRecord]) -> GrantsOut:
    return GrantsOut(grants=[GrantOut(**grant.as_dict()) for grant in grants])


def _names(operations: Iterable[Operation]) -> list[str]:
    return sorted(operation.value for operation in operations)


def permissions_out(permissions: UserPermissions) -> PermissionsOut:
    return PermissionsOut(
        user_id=permissions.user_id,
        admin=permissions.admin,
        cameras=[
            CameraPermissionOut(
                camera_id=camera.camera_id,
                camera_name=camera.camera_name,
                operations=_names(camera.permission.operations),
                playback_window_hours=camera.permission.window_hours(Operation.PLAYBACK),
                export_window_hours=camera.permission.window_hours(Operation.EXPORT),
                via=[
                    GrantSourceOut(
                        kind=source.kind,
                        group_id=source.group_id,
                        group_name=source.group_name,
                        camera_group_id=source.camera_group_id,
                        camera_group_name=source.camera_group_name,
                        operations=_names(source.operations),
                        playback_window_hours=source.playback_window_hours,
                    )
                    for source in camera.via
                ],
            )
            for camera in permissions.cameras
        ],
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/users", tags=["users"], responses=ERRORS)
    accounts = deps.services.accounts
    grants = deps.services.grants
    groups = deps.services.groups
    Admin = Annotated[Principal, Depends(deps.admin)]

    def with_groups(account: Account) -> UserOut:
        return user_out(account, groups.groups_of(account.id))

    @router.get("", response_model=list[UserOut], summary="All accounts")
    def list_users(_admin: Admin) -> list[UserOut]:
        memberships = groups.memberships()
        return [user_out(account, memberships.get(account.id, ())) for account in accounts.list()]

    @router.post(
        "",
        response_model=UserOut,
        status_code=status.HTTP_201_CREATED,
        summary="Create an account (no footage rights until granted)",
    )
    def create_user(body: UserCreate, admin: Admin) -> UserOut:
        account = accounts.create(
            username=body.username,
            password=body.password,
            role=parse_role(body.role),
            actor=admin.username,
        )
        return with_groups(account)

    @router.get("/{user_id}", response_model=UserOut, summary="One account")
    def get_user(user_id: UserId, _admin: Admin) -> UserOut:
        return with_groups(accounts.get(user_id))

    @router.patch(
        "/{user_id}",
        response_model=UserOut,
        summary="Change role, password or disabled; ends the user's sessions on the last two",
    )
    def patch_user(user_id: UserId, body: UserPatch, admin: Admin) -> UserOut:
        account = accounts.update(
            user_id,
            actor=admin.username,
            role=parse_role(body.role) if body.role is not None else None,
            password=body.password,
            disabled=body.disabled,
        )
        return with_groups(account)

    @router.delete(
        "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an account"
    )
    def delete_user(user_id: UserId, admin: Admin) -> Response:
        accounts.delete(user_id, actor=admin.username)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/{user_id}/unlock",
        response_model=UserOut,
        summary="Clear the account's lock after repeated failed logins",
    )
    def unlock_user(user_id: UserId, admin: Admin) -> UserOut:
        account = accounts.get(user_id)
        deps.services.sessions.unlock(account.username, actor=admin.username, client=admin.client)
        return with_groups(account)

    @router.get("/{user_id}/grants", response_model=GrantsOut, summary="The user's grants")
    def get_grants(user_id: UserId, _admin: Admin) -> GrantsOut:
        return grants_out(grants.of_user(user_id))

    @router.get(
        "/{user_id}/permissions",
        response_model=PermissionsOut,
        summary="What the user may do with each camera, from their own and their groups' grants",
    )
    def get_permissions(user_id: UserId, _admin: Admin) -> PermissionsOut:
        return permissions_out(deps.services.permissions.of_user(user_id))

    @router.put(
        "/{user_id}/grants",
        response_model=GrantsOut,
        summary="Replace all of the user's own grants (deny by default: [] removes them all)",
    )
    def put_grants(user_id: UserId, body: GrantsIn, admin: Admin) -> GrantsOut:
        role = accounts.get(user_id).role
        parsed = parse_grants([item.model_dump() for item in body.grants], role)
        return grants_out(grants.replace(user_id, parsed, admin.username))

    return router
