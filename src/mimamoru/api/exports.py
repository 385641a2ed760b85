"""Signed evidence exports, their public key and verification, and the provision register."""

import tempfile
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from mimamoru.access.gate import Authorization
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation
from mimamoru.api.deps import Dependencies, as_utc, client_address
from mimamoru.api.export_schemas import (
    ExportIn,
    ExportOut,
    GapOut,
    ProvisionOut,
    PublicKeyOut,
    VerifyOut,
)
from mimamoru.api.schemas import ErrorOut
from mimamoru.exports.service import ExportOrder, ExportRecord
from mimamoru.exports.verify import verify_package

SPOOL_IN_MEMORY = 64 * 1024 * 1024


def export_out(record: ExportRecord) -> ExportOut:
    return ExportOut(
        id=record.id,
        camera_id=record.camera_id,
        camera_name=record.camera_name,
        start=record.start,
        end=record.end,
        purpose=record.purpose,
        recipient=record.recipient,
        legal_basis=record.legal_basis,
        reference=record.reference,
        requester=record.requester,
        approvers=list(record.approvers),
        request_id=record.request_id,
        state=record.state,
        progress=record.progress,
        error=record.error,
        gaps=[GapOut(**gap) for gap in record.gaps],
        sha256=record.sha256,
        size=record.size,
        created_at=record.created_at,
        finished_at=record.finished_at,
        expires_at=record.expires_at,
        download_count=record.download_count,
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["exports"])
    services = deps.services

    @router.get(
        "/exports/public-key",
        response_model=PublicKeyOut,
        summary="The installation's Ed25519 export key (public; recipients verify with it)",
    )
    def public_key() -> PublicKeyOut:
        signer = services.exports.signer
        return PublicKeyOut(
            public_key_pem=signer.public_pem.decode("ascii"),
            fingerprint_sha256=signer.fingerprint,
            installation_id=signer.installation_id,
        )

    @router.post(
        "/exports/verify",
        response_model=VerifyOut,
        responses={413: {"model": ErrorOut}},
        summary="Check an export package sent as the raw request body (public)",
        description=(
            "Send the zip as the body (any content type). The answer lists every problem; "
            "`ok` is true only for an intact package signed by the key inside it. The key is "
            "checked against this installation's key and reported in `problems` if it differs."
        ),
    )
    async def verify_upload(request: Request) -> VerifyOut:
        limit = services.settings.exports.verify_max_mb * 1024 * 1024
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as upload:
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HTTPException(
                        status.HTTP_413_CONTENT_TOO_LARGE,
                        f"package larger than {services.settings.exports.verify_max_mb} MB "
                        "(exports.verify_max_mb); verify it with the mimamoru CLI instead",
                    )
                upload.write(chunk)
            upload.seek(0)
            result = await run_in_threadpool(
                verify_package,
                upload,
                services.exports.signer.public_key,
            )
        return VerifyOut(**result.as_dict())

    @router.post(
        "/exports",
        response_model=ExportOut,
        status_code=status.HTTP_202_ACCEPTED,
        responses={
            403: {"model": ErrorOut, "description": "The approval has expired or does not fit"},
            404: {"model": ErrorOut},
            422: {"model": ErrorOut},
        },
        summary="Order a signed export of a camera's footage; built in the background",
    )
    def create_export(
        gated: Annotated[tuple[Authorization, ExportIn], Depends(deps.new_export())],
    ) -> ExportOut:
        authorization, body = gated
        record = services.exports.create(
            authorization.principal,
            ExportOrder(
                camera_id=body.camera_id,
                start=as_utc(body.start),
                end=as_utc(body.end),
                purpose=body.purpose,
                recipient=body.recipient,
                legal_basis=body.legal_basis,
                reference=body.reference,
                request_id=body.request_id,
            ),
        )
        services.export_runner.submit(record.id)
        return export_out(record)

    @router.get(
        "/exports",
        response_model=list[ExportOut],
        summary="Exports of the cameras the caller may export, newest first",
    )
    def list_exports(principal: Annotated[Principal, Depends(deps.principal)]) -> list[ExportOut]:
        # Each with its range: an approved export request allows exactly its range.
        allowed: dict[tuple[int, datetime, datetime], bool] = {}
        shown = []
        for record in services.exports.recent(None):
            key = (record.camera_id, record.start, record.end)
            if key not in allowed:
                allowed[key] = services.gate.may(
                    principal, record.camera_id, Operation.EXPORT, (record.start, record.end)
                )
            if allowed[key]:
                shown.append(export_out(record))
        return shown

    @router.get(
        "/exports/{export_id}",
        response_model=ExportOut,
        responses={404: {"model": ErrorOut}},
        summary="One export: state, progress, gaps, error",
    )
    def get_export(
        gated: Annotated[tuple[Authorization, ExportRecord], Depends(deps.existing_export())],
    ) -> ExportOut:
        return export_out(services.exports.get(gated[1].id))

    @router.get(
        "/exports/{export_id}/download",
        response_class=StreamingResponse,
        responses={
            200: {"content": {"application/zip": {}}, "description": "The package"},
            404: {"model": ErrorOut},
            409: {"model": ErrorOut, "description": "Not done yet, failed or expired"},
        },
        summary="Download the package (zip); every download is counted and audited",
    )
    def download_export(
        request: Request,
        gated: Annotated[tuple[Authorization, ExportRecord], Depends(deps.existing_export())],
    ) -> StreamingResponse:
        authorization, record = gated
        size, body = services.exports.open_package(
            services.exports.get(record.id),
            authorization.principal.username,
            client_address(request),
        )
        return StreamingResponse(
            body,
            media_type="application/zip",
            headers={
                "Content-Length": str(size),
                "Content-Disposition": f'attachment; filename="mimamoru-export-{record.id}.zip"',
                "Cache-Control": "private, no-store",
            },
        )

    @router.get(
        "/provisions",
        response_model=list[ProvisionOut],
        summary="The register of provision to third parties (managers, auditors, admins)",
    )
    def provisions(
        principal: Annotated[Principal, Depends(deps.oversight)],
    ) -> list[ProvisionOut]:
        entries = services.exports.register.list()
        services.audit.append(
            actor=principal.username,
            action="provisions.read",
            detail={"entries": len(entries)},
            client=principal.client,
        )
        return [ProvisionOut(**entry.__dict__) for entry in entries]

    @router.get(
        "/provisions.csv",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
        summary="The provision register as CSV",
    )
    def provisions_csv(principal: Annotated[Principal, Depends(deps.oversight)]) -> Response:
        text = services.exports.register.csv_text()
        services.audit.append(
            actor=principal.username,
            action="provisions.read",
            detail={"format": "csv"},
            client=principal.client,
        )
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="provision-register.csv"'},
        )

    return router
