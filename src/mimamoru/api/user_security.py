"""An administrator's view of a user's sessions, API tokens and two-factor."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from mimamoru.access.principal import Principal
from mimamoru.api.auth import session_out, token_out
from mimamoru.api.auth_schemas import RevokedOut, SessionOut, TokenOut
from mimamoru.api.deps import Dependencies
from mimamoru.api.schemas import ErrorOut

ItemId = Annotated[int, Path(ge=1)]
ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "Not an administrator"},
    404: {"model": ErrorOut},
}


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/users", tags=["users"], responses=ERRORS)
    sessions = deps.services.sessions
    Admin = Annotated[Principal, Depends(deps.admin)]

    @router.get(
        "/{user_id}/sessions", response_model=list[SessionOut], summary="The user's sessions"
    )
    def user_sessions(user_id: ItemId, admin: Admin) -> list[SessionOut]:
        return [session_out(record, admin.session_id) for record in sessions.sessions_of(user_id)]

    @router.delete(
        "/{user_id}/sessions",
        response_model=RevokedOut,
        summary="End all of the user's sessions",
    )
    def end_user_sessions(user_id: ItemId, admin: Admin) -> RevokedOut:
        revoked = sessions.revoke(user_id, None, actor=admin.username, client=admin.client)
        return RevokedOut(revoked=revoked)

    @router.delete(
        "/{user_id}/sessions/{session_id}",
        response_model=RevokedOut,
        summary="End one of the user's sessions",
    )
    def end_user_session(user_id: ItemId, session_id: ItemId, admin: Admin) -> RevokedOut:
        revoked = sessions.revoke(user_id, session_id, actor=admin.username, client=admin.client)
        return RevokedOut(revoked=revoked)

    @router.get("/{user_id}/tokens", response_model=list[TokenOut], summary="The user's tokens")
    def user_tokens(user_id: ItemId, _admin: Admin) -> list[TokenOut]:
        return [token_out(record) for record in sessions.tokens.of_user(user_id)]

    @router.delete(
        "/{user_id}/tokens/{token_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Revoke one of the user's tokens",
    )
    def revoke_user_token(user_id: ItemId, token_id: ItemId, admin: Admin) -> None:
        sessions.tokens.revoke(user_id, token_id, actor=admin.username, client=admin.client)

    @router.delete(
        "/{user_id}/totp",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Remove the user's two-factor (a lost phone); they enrol again",
    )
    def reset_user_totp(user_id: ItemId, admin: Admin) -> None:
        sessions.totp.reset(user_id, actor=admin.username, client=admin.client)

    return router
