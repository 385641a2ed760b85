"""Accounts and their grants; administrators only."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Response, status

from mimamoru.access.accounts import Account, LastAdminError, parse_role
from mimamoru.access.grants import GrantRecord, parse_grants
from mimamoru.access.principal import Principal
from mimamoru.api.deps import Dependencies
from mimamoru.api.schemas import (
    ErrorOut,
    GrantOut,
    GrantsIn,
    GrantsOut,
    UserCreate,
    UserOut,
    UserPatch,
)
from mimamoru.errors import MimamoruError, NotFoundError

UserId = Annotated[int, Path(ge=1)]
ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "Not an administrator"},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "Would leave no enabled administrator"},
    422: {"model": ErrorOut},
}


def user_out(account: Account) -> UserOut:
    return UserOut(
        id=account.id,
        username=account.username,
        role=account.role.value,
        disabled=account.disabled,
        created_at=account.created_at,
    )


def grants_out(grants: list[GrantRecord]) -> GrantsOut:
    return GrantsOut(grants=[GrantOut(**grant.as_dict()) for grant in grants])


def _refused(exc: MimamoruError) -> HTTPException:
    if isinstance(exc, NotFoundError):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, LastAdminError):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/users", tags=["users"], responses=ERRORS)
    accounts = deps.services.accounts
    grants = deps.services.grants
    Admin = Annotated[Principal, Depends(deps.admin)]

    @router.get("", response_model=list[UserOut], summary="All accounts")
    def list_users(_admin: Admin) -> list[UserOut]:
        return [user_out(account) for account in accounts.list()]

    @router.post(
        "",
        response_model=UserOut,
        status_code=status.HTTP_201_CREATED,
        summary="Create an account (no footage rights until granted)",
    )
    def create_user(body: UserCreate, admin: Admin) -> UserOut:
        try:
            account = accounts.create(
                username=body.username,
                password=body.password,
                role=parse_role(body.role),
                actor=admin.username,
            )
        except MimamoruError as exc:
            raise _refused(exc) from exc
        return user_out(account)

    @router.get("/{user_id}", response_model=UserOut, summary="One account")
    def get_user(user_id: UserId, _admin: Admin) -> UserOut:
        try:
            return user_out(accounts.get(user_id))
        except MimamoruError as exc:
            raise _refused(exc) from exc

    @router.patch(
        "/{user_id}",
        response_model=UserOut,
        summary="Change role, password or disabled; ends the user's sessions on the last two",
    )
    def patch_user(user_id: UserId, body: UserPatch, admin: Admin) -> UserOut:
        try:
            account = accounts.update(
                user_id,
                actor=admin.username,
                role=parse_role(body.role) if body.role is not None else None,
                password=body.password,
                disabled=body.disabled,
            )
        except MimamoruError as exc:
            raise _refused(exc) from exc
        return user_out(account)

    @router.delete(
        "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an account"
    )
    def delete_user(user_id: UserId, admin: Admin) -> Response:
        try:
            accounts.delete(user_id, actor=admin.username)
        except MimamoruError as exc:
            raise _refused(exc) from exc
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/{user_id}/unlock",
        response_model=UserOut,
        summary="Clear the account's lock after repeated failed logins",
    )
    def unlock_user(user_id: UserId, admin: Admin) -> UserOut:
        try:
            account = accounts.get(user_id)
        except MimamoruError as exc:
            raise _refused(exc) from exc
        deps.services.sessions.unlock(account.username, actor=admin.username, client=admin.client)
        return user_out(account)

    @router.get("/{user_id}/grants", response_model=GrantsOut, summary="The user's grants")
    def get_grants(user_id: UserId, _admin: Admin) -> GrantsOut:
        try:
            return grants_out(grants.of_user(user_id))
        except MimamoruError as exc:
            raise _refused(exc) from exc

    @router.put(
        "/{user_id}/grants",
        response_model=GrantsOut,
        summary="Replace all of the user's grants (deny by default: [] removes every right)",
    )
    def put_grants(user_id: UserId, body: GrantsIn, admin: Admin) -> GrantsOut:
        try:
            parsed = parse_grants([item.model_dump() for item in body.grants])
            return grants_out(grants.replace(user_id, parsed, admin.username))
        except MimamoruError as exc:
            raise _refused(exc) from exc

    return router
