"""Access requests: asking for playback or export one lacks, and deciding on it.

The rules live in :mod:`mimamoru.access.requests`; its errors are answered by the app's
handlers (404, 403, 409, 422). Deciding is for people: an API token cannot approve,
reject or withdraw.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from mimamoru.access.principal import Principal
from mimamoru.access.request_records import DECIDERS, AccessRequestRecord, RequestState
from mimamoru.api.deps import Caller, Dependencies, as_utc
from mimamoru.api.request_schemas import (
    AccessRequestIn,
    AccessRequestOut,
    ApproveIn,
    DecisionOut,
    PendingCountOut,
    RejectIn,
)
from mimamoru.api.schemas import ErrorOut

RequestId = Annotated[int, Path(ge=1)]
ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}
DECISION_ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "Not yours to decide (your own, or not a decider)"},
    409: {"model": ErrorOut, "description": "Already decided, withdrawn or expired"},
}


def request_out(record: AccessRequestRecord, caller: Principal) -> AccessRequestOut:
    rejection = record.rejection
    pending = record.state is RequestState.PENDING
    own = record.requester_id == caller.user_id
    return AccessRequestOut(
        id=record.id,
        requester=record.requester,
        camera_id=record.camera_id,
        camera_name=record.camera_name,
        operation=record.operation.value,
        start=record.start,
        end=record.end,
        reason=record.reason,
        purpose=record.purpose,
        state=record.state.value,
        created_at=record.created_at,
        decided_at=record.decided_at,
        valid_until=record.valid_until,
        pending_until=record.pending_until,
        approvals_needed=record.approvals_needed,
        approvers=list(record.approvers),
        decisions=[
            DecisionOut(approver=d.approver, decision=d.decision, comment=d.comment, at=d.at)
            for d in record.decisions
        ],
        rejection_reason=rejection.comment if rejection is not None else None,
        can_decide=(
            pending
            and not own
            and caller.role in DECIDERS
            and caller.username not in record.approvers
        ),
        can_withdraw=own and record.state in (RequestState.PENDING, RequestState.APPROVED),
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(prefix="/requests", tags=["access requests"], responses=ERRORS)
    requests = deps.services.requests
    Anyone = Annotated[Principal, Depends(deps.principal)]

    def person(caller: Annotated[Caller, Depends(deps.interactive)]) -> Principal:
        return caller.principal

    Person = Annotated[Principal, Depends(person)]

    @router.post(
        "",
        response_model=AccessRequestOut,
        status_code=status.HTTP_201_CREATED,
        responses={409: {"model": ErrorOut, "description": "You already hold it"}},
        summary="Ask for playback or export of a camera over a time range",
    )
    def create_request(body: AccessRequestIn, principal: Anyone) -> AccessRequestOut:
        record = requests.create(
            principal,
            camera_id=body.camera_id,
            operation=body.operation,
            start=as_utc(body.start),
            end=as_utc(body.end),
            reason=body.reason,
            purpose=body.purpose,
        )
        return request_out(record, principal)

    @router.get(
        "",
        response_model=list[AccessRequestOut],
        summary="Requests the caller may see, newest first",
        description=(
            "Your own; a manager's also those they may decide; an administrator's and an "
            "auditor's all."
        ),
    )
    def list_requests(
        principal: Anyone,
        state: Annotated[
            str | None,
            Query(description="pending, approved, rejected, expired or withdrawn"),
        ] = None,
    ) -> list[AccessRequestOut]:
        return [request_out(r, principal) for r in requests.visible_to(principal, state)]

    @router.get(
        "/pending-count",
        response_model=PendingCountOut,
        summary="How many pending requests wait for the caller's decision (the badge)",
    )
    def pending_count(principal: Anyone) -> PendingCountOut:
        return PendingCountOut(to_decide=requests.pending_count(principal))

    @router.get("/{request_id}", response_model=AccessRequestOut, summary="One request")
    def get_request(request_id: RequestId, principal: Anyone) -> AccessRequestOut:
        return request_out(requests.get(principal, request_id), principal)

    @router.post(
        "/{request_id}/approve",
        response_model=AccessRequestOut,
        responses=DECISION_ERRORS,
        summary="Approve a request (a manager or administrator other than the requester)",
    )
    def approve_request(
        request_id: RequestId, body: ApproveIn, principal: Person
    ) -> AccessRequestOut:
        return request_out(requests.approve(principal, request_id, body.comment), principal)

    @router.post(
        "/{request_id}/reject",
        response_model=AccessRequestOut,
        responses=DECISION_ERRORS,
        summary="Reject a request, saying why",
    )
    def reject_request(
        request_id: RequestId, body: RejectIn, principal: Person
    ) -> AccessRequestOut:
        return request_out(requests.reject(principal, request_id, body.reason), principal)

    @router.post(
        "/{request_id}/withdraw",
        response_model=AccessRequestOut,
        responses=DECISION_ERRORS,
        summary="Withdraw your own pending request, or end your approval early",
    )
    def withdraw_request(request_id: RequestId, principal: Person) -> AccessRequestOut:
        return request_out(requests.withdraw(principal, request_id), principal)

    return router
