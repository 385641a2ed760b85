"""Login and logout, the caller's sessions, two-factor enrolment, personal API tokens."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status

from mimamoru.access.sessions import LoginLocked, SessionRecord, csrf_token
from mimamoru.access.tokens import TokenRecord
from mimamoru.api.auth_schemas import (
    IssuedTokenOut,
    RevokedOut,
    SessionOut,
    TokenIn,
    TokenOut,
    TotpCodeIn,
    TotpIn,
    TotpOut,
)
from mimamoru.api.deps import SESSION_COOKIE, Caller, Dependencies, client_address
from mimamoru.api.schemas import ErrorOut, LoginRequest, LoginResponse, Me

ItemId = Annotated[int, Path(ge=1)]


def session_out(record: SessionRecord, current_id: int | None = None) -> SessionOut:
    return SessionOut(**record.as_dict(), current=record.id == current_id)


def token_out(record: TokenRecord) -> TokenOut:
    return TokenOut(**record.as_dict())


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/auth", tags=["auth"])
    sessions = deps.services.sessions
    Enrolling = Annotated[Caller, Depends(deps.enrolling_caller)]
    EnrollingPerson = Annotated[Caller, Depends(deps.enrolling_person)]
    Person = Annotated[Caller, Depends(deps.interactive)]

    @router.post(
        "/login",
        response_model=LoginResponse,
        responses={
            401: {"model": ErrorOut, "description": "Wrong user name, password or code"},
            429: {"model": ErrorOut, "description": "Locked after repeated failures"},
        },
        summary="Log in; sets the session cookie and returns a bearer token",
    )
    def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
        try:
            issued = sessions.login(
                body.username,
                body.password,
                client=client_address(request),
                user_agent=request.headers.get("user-agent", ""),
                totp_code=body.totp_code,
            )
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
            idle_timeout=int(deps.services.settings.sessions.idle_minutes * 60),
            csrf_token=issued.csrf_token,
            must_enrol_totp=issued.principal.must_enrol_totp,
        )

    @router.post("/logout", status_code=204, summary="End the current session")
    def logout(caller: Enrolling, response: Response) -> None:
        if caller.principal.via_token:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "an API token is ended by revoking it, not logout"
            )
        sessions.logout(caller.token, caller.principal)
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict"
        )

    @router.get("/me", response_model=Me, summary="Who am I")
    def me(caller: Enrolling) -> Me:
        principal = caller.principal
        scopes = principal.scopes
        return Me(
            username=principal.username,
            role=principal.role.value,
            totp_enabled=sessions.totp.is_enabled(principal.user_id),
            must_enrol_totp=principal.must_enrol_totp,
            csrf_token=csrf_token(caller.token) if caller.via_cookie else None,
            token_operations=sorted(op.value for op in scopes) if scopes is not None else None,
        )

    @router.get("/sessions", response_model=list[SessionOut], summary="My open sessions")
    def my_sessions(caller: Person) -> list[SessionOut]:
        principal = caller.principal
        return [
            session_out(record, principal.session_id)
            for record in sessions.sessions_of(principal.user_id)
        ]

    @router.delete(
        "/sessions/{session_id}",
        response_model=RevokedOut,
        responses={404: {"model": ErrorOut}},
        summary="End one of my sessions (for example on a lost phone)",
    )
    def end_my_session(session_id: ItemId, caller: Person) -> RevokedOut:
        principal = caller.principal
        revoked = sessions.revoke(
            principal.user_id, session_id, actor=principal.username, client=principal.client
        )
        return RevokedOut(revoked=revoked)

    @router.post(
        "/totp",
        response_model=TotpOut,
        responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
        summary="Two-factor: without a code, enrol (a new secret); with a code, confirm it",
    )
    def totp(body: TotpIn, caller: EnrollingPerson) -> TotpOut:
        principal = caller.principal
        if body.code is None:
            enrolment = sessions.totp.enrol(
                principal.user_id, actor=principal.username, client=principal.client
            )
            return TotpOut(enabled=False, secret=enrolment.secret, otpauth_uri=enrolment.uri)
        sessions.totp.confirm(
            principal.user_id, body.code, actor=principal.username, client=principal.client
        )
        return TotpOut(enabled=True)

    @router.post(
        "/totp/disable",
        response_model=TotpOut,
        responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}},
        summary="Turn my two-factor off, proving it with a current code",
    )
    def totp_disable(body: TotpCodeIn, caller: Person) -> TotpOut:
        principal = caller.principal
        sessions.totp.disable(
            principal.user_id, body.code, actor=principal.username, client=principal.client
        )
        return TotpOut(enabled=False)

    @router.get("/tokens", response_model=list[TokenOut], summary="My API tokens")
    def my_tokens(caller: Person) -> list[TokenOut]:
        return [token_out(record) for record in sessions.tokens.of_user(caller.principal.user_id)]

    @router.post(
        "/tokens",
        response_model=IssuedTokenOut,
        status_code=201,
        responses={422: {"model": ErrorOut}},
        summary="Make an API token (shown once) limited to some of my operations",
    )
    def new_token(body: TokenIn, caller: Person) -> IssuedTokenOut:
        principal = caller.principal
        issued = sessions.tokens.create(
            principal.user_id,
            name=body.name,
            operations=body.operations,
            expires_in_days=body.expires_in_days,
            actor=principal.username,
            client=principal.client,
        )
        return IssuedTokenOut(**issued.record.as_dict(), token=issued.token)

    @router.delete(
        "/tokens/{token_id}",
        status_code=204,
        responses={404: {"model": ErrorOut}},
        summary="Revoke one of my API tokens",
    )
    def revoke_token(token_id: ItemId, caller: Person) -> None:
        principal = caller.principal
        sessions.tokens.revoke(
            principal.user_id, token_id, actor=principal.username, client=principal.client
        )

    return router
