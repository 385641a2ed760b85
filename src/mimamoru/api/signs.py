"""Camera signs and sign attestations: the sign of a camera or a site, and "the sign is up".

A camera's sign and attestation routes are gated (``view`` for the sign, ``configure`` for
the attestation and its photo); a site's sign is for managers, auditors and administrators.
"""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from mimamoru.access.gate import Authorization
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation
from mimamoru.api.compliance import ERRORS
from mimamoru.api.compliance_schemas import AttestationOut
from mimamoru.api.deps import Dependencies
from mimamoru.compliance.attestations import MAX_PHOTO_BYTES, Attestation
from mimamoru.errors import ValidationFailedError

SIGN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}, "image/png": {}}},
    **ERRORS,
}
SIGN_DESCRIPTION = (
    "Japanese and English: the operator, the purposes, the retention, the contact and a QR "
    "code of the public notice's address (`compliance.public_base_url` + `/privacy`). "
    "An unsupported `size` or `format` is 422; no purpose of use is 409."
)
SizeQuery = Annotated[str, Query(max_length=8, description="A4 (default) or A3")]
FormatQuery = Annotated[str, Query(max_length=8, description="pdf (default) or png")]


def sign_response(data: bytes, fmt: str, name: str) -> Response:
    png = fmt.strip().lower() == "png"
    return Response(
        data,
        media_type="image/png" if png else "application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="sign-{name}.{"png" if png else "pdf"}"',
            "Cache-Control": "no-store",
        },
    )


def attestation_out(record: Attestation) -> AttestationOut:
    return AttestationOut(**asdict(record), needs_reprint=record.needs_reprint)


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["compliance"])
    compliance = deps.services.compliance

    @router.post(
        "/cameras/{camera_id}/sign-attestations",
        response_model=AttestationOut,
        status_code=status.HTTP_201_CREATED,
        responses=ERRORS,
        summary="Attest that the camera's sign is up; the body may be a JPEG or PNG photo",
        description=(
            "The request body is the photo itself (Content-Type image/jpeg or image/png, "
            f"at most {MAX_PHOTO_BYTES // (1024 * 1024)} MiB), or empty. It is stored "
            "encrypted. The attestation is for the camera's current purposes."
        ),
    )
    async def attest_sign(
        request: Request,
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.CONFIGURE))],
        installed_on: Annotated[date, Query(description="The day the sign was put up")],
        installed_by: Annotated[
            str, Query(min_length=1, max_length=100, description="Who put it up")
        ],
    ) -> AttestationOut:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        photo = b""
        if content_type.startswith("image/"):
            photo = await request.body()
        elif content_type not in ("", "application/octet-stream", "application/json"):
            raise ValidationFailedError("send the photo as image/jpeg or image/png, or no body")
        elif content_type == "application/octet-stream":
            photo = await request.body()
        record = await run_in_threadpool(
            compliance.attestations.record,
            authorization.camera_id,
            installed_on,
            installed_by,
            authorization.principal.username,
            photo or None,
        )
        return attestation_out(record)

    @router.get(
        "/cameras/{camera_id}/sign-attestation",
        response_model=AttestationOut | None,
        responses=ERRORS,
        summary="The camera's latest sign attestation, or null if it has none",
    )
    def get_attestation(
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.CONFIGURE))],
    ) -> AttestationOut | None:
        record = compliance.attestations.latest(authorization.camera_id)
        return attestation_out(record) if record is not None else None

    @router.get(
        "/cameras/{camera_id}/sign-attestation/photo",
        response_class=Response,
        responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}, **ERRORS},
        summary="The photo of the camera's sign, decrypted",
    )
    def get_attestation_photo(
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.CONFIGURE))],
    ) -> Response:
        data, media_type = compliance.attestations.photo(authorization.camera_id)
        return Response(data, media_type=media_type, headers={"Cache-Control": "no-store"})

    @router.get(
        "/cameras/{camera_id}/signage.pdf",
        response_class=Response,
        responses=SIGN_RESPONSES,
        summary="The camera's sign (A4 or A3; PDF, or PNG with ?format=png)",
        description=SIGN_DESCRIPTION,
    )
    async def camera_signage(
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.VIEW))],
        size: SizeQuery = "A4",
        format: FormatQuery = "pdf",
    ) -> Response:
        data = await run_in_threadpool(
            compliance.camera_signage, authorization.camera_id, size, format
        )
        return sign_response(data, format, f"camera-{authorization.camera_id}")

    @router.get(
        "/sites/{site_id}/signage.pdf",
        response_class=Response,
        responses=SIGN_RESPONSES,
        summary="One sign for a site's recording cameras (A4 or A3; PDF or PNG)",
        description=SIGN_DESCRIPTION,
    )
    async def site_signage(
        site_id: int,
        reader: Annotated[Principal, Depends(deps.oversight)],
        size: SizeQuery = "A4",
        format: FormatQuery = "pdf",
    ) -> Response:
        data = await run_in_threadpool(compliance.site_signage, site_id, size, format)
        await run_in_threadpool(
            deps.services.audit.append,
            actor=reader.username,
            action="compliance.signage",
            detail={"site_id": site_id, "size": size, "format": format},
        )
        return sign_response(data, format, f"site-{site_id}")

    return router
