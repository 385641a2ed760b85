"""Login and logout."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from mimamoru.access.sessions import LoginLocked
from mimamoru.api.deps import SESSION_COOKIE, Caller, Dependencies
from mimamoru.api.schemas import ErrorOut, LoginRequest, LoginResponse, Me


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["auth"])

    @router.post(
        "/login",
        response_model=LoginResponse,
        responses={
            401: {"model": ErrorOut, "description": "Wrong user name or password"},
            429: {"model": ErrorOut, "description": "Locked after repeated failures"},
        },
        summary="Log in; sets the session cookie and returns a bearer token",
    )
    def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
        client = request.client.host if request.client else "unknown"
        try:
            issued = deps.services.sessions.login(body.username, body.password, client=client)
        except LoginLocked as exc:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                str(exc),
                headers={"Retry-After": str(exc.retry_after)},
            ) from exc
        if issued is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong user name or password")
        max_age = int(issued.lifetime.total_seconds())
        response.set_cookie(
            SESSION_COOKIE,
            issued.token,
            max_age=max_age,
            httponly=True,
            secure=True,
            samesite="strict",
            path="/",
        )
        return LoginResponse(
            token=issued.token,
            username=issued.principal.username,
            role=issued.principal.role.value,
            expires_in=max_age,
        )

    @router.post("/logout", status_code=204, summary="End the current session")
    def logout(caller: Annotated[Caller, Depends(deps.caller)], response: Response) -> None:
        deps.services.sessions.logout(caller.token, caller.principal)
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict"
        )

    @router.get("/me", response_model=Me, summary="Who am I")
    def me(caller: Annotated[Caller, Depends(deps.caller)]) -> Me:
        return Me(username=caller.principal.username, role=caller.principal.role.value)

    return router
