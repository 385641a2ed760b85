"""Compliance records: operator profile, storage locations, sites, purposes, reviews,
and the dashboard. Per-camera routes (purposes, site, sign attestation) are gated."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from mimamoru.access.gate import Authorization
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation
from mimamoru.api.compliance_schemas import (
    AttestationOut,
    CameraPurposesIn,
    CameraPurposesOut,
    CameraSiteIn,
    CameraSiteOut,
    DashboardOut,
    LocationIn,
    LocationOut,
    ProfileIn,
    ProfileOut,
    PurposeChangeOut,
    PurposeIn,
    PurposeOut,
    PurposeUpdate,
    ReviewIn,
    ReviewOut,
    SiteIn,
    SiteOut,
)
from mimamoru.api.deps import Dependencies
from mimamoru.api.schemas import ErrorOut
from mimamoru.compliance.attestations import MAX_PHOTO_BYTES, Attestation
from mimamoru.compliance.profile import (
    DEFAULT_SECURITY_MEASURES,
    Location,
    Profile,
    missing_fields,
)
from mimamoru.compliance.purposes import PurposeFields, PurposeRecord
from mimamoru.compliance.reviews import Review, ReviewKind
from mimamoru.compliance.sites import SiteRecord
from mimamoru.errors import ValidationFailedError

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


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


def profile_out(profile: Profile) -> ProfileOut:
    data = asdict(profile)
    return ProfileOut(
        **data,
        security_measures_suggestion=DEFAULT_SECURITY_MEASURES,
        missing=missing_fields(profile),
    )


def location_out(location: Location) -> LocationOut:
    return LocationOut(**asdict(location))


def site_out(site: SiteRecord) -> SiteOut:
    return SiteOut(
        id=site.id,
        name=site.name,
        address=site.address,
        public=site.public,
        camera_ids=list(site.camera_ids),
        updated_at=site.updated_at,
    )


def purpose_out(purpose: PurposeRecord) -> PurposeOut:
    return PurposeOut(**asdict(purpose))


def attestation_out(record: Attestation) -> AttestationOut:
    return AttestationOut(**asdict(record), needs_reprint=record.needs_reprint)


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        kind=review.kind.value,
        camera_id=review.camera_id,
        note=review.note,
        reviewed_by=review.reviewed_by,
        reviewed_at=review.reviewed_at,
    )


def build_router(deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["compliance"])
    compliance = deps.services.compliance

    # Operator profile and storage locations (administrators).

    @router.get("/compliance/profile", response_model=ProfileOut, summary="The operator profile")
    def get_profile(_admin: Annotated[Principal, Depends(deps.admin)]) -> ProfileOut:
        return profile_out(compliance.profile.get())

    @router.put(
        "/compliance/profile",
        response_model=ProfileOut,
        responses=ERRORS,
        summary="Change the operator profile shown on the notice and signs",
    )
    def put_profile(
        body: ProfileIn, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> ProfileOut:
        values = body.model_dump(exclude_unset=True)
        return profile_out(compliance.profile.update(values, admin.username))

    @router.get(
        "/compliance/storage-locations",
        response_model=list[LocationOut],
        summary="Where footage is stored, by country",
    )
    def list_locations(_admin: Annotated[Principal, Depends(deps.admin)]) -> list[LocationOut]:
        return [location_out(item) for item in compliance.profile.locations()]

    @router.post(
        "/compliance/storage-locations",
        response_model=LocationOut,
        status_code=status.HTTP_201_CREATED,
        responses=ERRORS,
        summary="Record a storage location; outside Japan needs a regime_note",
    )
    def add_location(
        body: LocationIn, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> LocationOut:
        return location_out(
            compliance.profile.add_location(
                body.name, body.country, body.regime_note, admin.username
            )
        )

    @router.put(
        "/compliance/storage-locations/{location_id}",
        response_model=LocationOut,
        responses=ERRORS,
        summary="Change a storage location",
    )
    def update_location(
        location_id: int, body: LocationIn, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> LocationOut:
        return location_out(
            compliance.profile.update_location(
                location_id, body.name, body.country, body.regime_note, admin.username
            )
        )

    @router.delete(
        "/compliance/storage-locations/{location_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=ERRORS,
        summary="Remove a storage location",
    )
    def delete_location(
        location_id: int, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> Response:
        compliance.profile.delete_location(location_id, admin.username)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    # Sites.

    @router.get("/sites", response_model=list[SiteOut], summary="Sites and their cameras")
    def list_sites(_admin: Annotated[Principal, Depends(deps.admin)]) -> list[SiteOut]:
        return [site_out(site) for site in compliance.sites.all()]

    @router.post(
        "/sites",
        response_model=SiteOut,
        status_code=status.HTTP_201_CREATED,
        responses=ERRORS,
        summary="Add a site",
    )
    def add_site(body: SiteIn, admin: Annotated[Principal, Depends(deps.admin)]) -> SiteOut:
        return site_out(
            compliance.sites.create(body.name, body.address, body.public, admin.username)
        )

    @router.get("/sites/{site_id}", response_model=SiteOut, responses=ERRORS, summary="A site")
    def get_site(site_id: int, _admin: Annotated[Principal, Depends(deps.admin)]) -> SiteOut:
        return site_out(compliance.sites.get(site_id))

    @router.put("/sites/{site_id}", response_model=SiteOut, responses=ERRORS, summary="Change")
    def update_site(
        site_id: int, body: SiteIn, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> SiteOut:
        return site_out(
            compliance.sites.update(site_id, body.name, body.address, body.public, admin.username)
        )

    @router.delete(
        "/sites/{site_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=ERRORS,
        summary="Remove a site without cameras",
    )
    def delete_site(site_id: int, admin: Annotated[Principal, Depends(deps.admin)]) -> Response:
        compliance.sites.delete(site_id, admin.username)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    # The purposes registry.

    @router.get(
        "/purposes", response_model=list[PurposeOut], summary="The purposes-of-use registry"
    )
    def list_purposes(_caller: Annotated[Principal, Depends(deps.principal)]) -> list[PurposeOut]:
        return [purpose_out(item) for item in compliance.purposes.all()]

    @router.post(
        "/purposes",
        response_model=PurposeOut,
        status_code=status.HTTP_201_CREATED,
        responses=ERRORS,
        summary="Add a purpose of use to the registry",
    )
    def add_purpose(
        body: PurposeIn, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> PurposeOut:
        fields = PurposeFields(body.name_ja, body.name_en, body.description_ja, body.description_en)
        return purpose_out(compliance.purposes.create(body.code, fields, admin.username))

    @router.put(
        "/purposes/{purpose_id}",
        response_model=PurposeOut,
        responses=ERRORS,
        summary="Reword a purpose (every camera with it shows the new wording)",
    )
    def update_purpose(
        purpose_id: int, body: PurposeUpdate, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> PurposeOut:
        fields = PurposeFields(body.name_ja, body.name_en, body.description_ja, body.description_en)
        return purpose_out(compliance.purposes.update(purpose_id, fields, admin.username))

    @router.delete(
        "/purposes/{purpose_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=ERRORS,
        summary="Remove a purpose no camera has",
    )
    def delete_purpose(
        purpose_id: int, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> Response:
        compliance.purposes.delete(purpose_id, admin.username)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    # Per camera (gated: configure).

    def camera_purposes(camera_id: int) -> CameraPurposesOut:
        purposes, version = compliance.purposes.of_camera(camera_id)
        return CameraPurposesOut(
            camera_id=camera_id,
            purposes=[purpose_out(item) for item in purposes],
            version=version,
            history=[
                PurposeChangeOut(
                    version=change.version,
                    before=list(change.before),
                    after=list(change.after),
                    changed_by=change.changed_by,
                    changed_at=change.changed_at,
                )
                for change in compliance.purposes.history(camera_id)
            ],
        )

    @router.get(
        "/cameras/{camera_id}/purposes",
        response_model=CameraPurposesOut,
        responses=ERRORS,
        summary="A camera's purposes of use and every change to them",
    )
    def get_camera_purposes(
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.CONFIGURE))],
    ) -> CameraPurposesOut:
        return camera_purposes(authorization.camera_id)

    @router.put(
        "/cameras/{camera_id}/purposes",
        response_model=CameraPurposesOut,
        responses=ERRORS,
        summary="Replace a camera's purposes; recording starts or stops within seconds",
        description=(
            "A camera records only while it has a purpose (APPI Art. 17). Each change is a "
            "new version (who, when, before, after) and marks its sign as needing a reprint."
        ),
    )
    def put_camera_purposes(
        body: CameraPurposesIn,
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.CONFIGURE))],
    ) -> CameraPurposesOut:
        compliance.purposes.set_for_camera(
            authorization.camera_id, body.purposes, authorization.principal.username
        )
        return camera_purposes(authorization.camera_id)

    @router.put(
        "/cameras/{camera_id}/site",
        response_model=CameraSiteOut,
        responses=ERRORS,
        summary="Put a camera at a site (or at none)",
    )
    def put_camera_site(
        body: CameraSiteIn,
        authorization: Annotated[Authorization, Depends(deps.camera(Operation.CONFIGURE))],
    ) -> CameraSiteOut:
        compliance.sites.set_camera_site(
            authorization.camera_id, body.site_id, authorization.principal.username
        )
        return CameraSiteOut(camera_id=authorization.camera_id, site_id=body.site_id)

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

    # Reviews and the dashboard.

    @router.post(
        "/compliance/reviews/{kind}",
        response_model=ReviewOut,
        status_code=status.HTTP_201_CREATED,
        responses=ERRORS,
        summary="Record that the masks of every camera, or the permissions, were reviewed",
    )
    def review_done(
        kind: ReviewKind, body: ReviewIn, admin: Annotated[Principal, Depends(deps.admin)]
    ) -> ReviewOut:
        return review_out(compliance.reviews.done(kind, admin.username, note=body.note))

    @router.get(
        "/compliance/dashboard.pdf",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}, **ERRORS},
        summary="The dashboard as a PDF report for an audit",
    )
    async def dashboard_pdf(
        reader: Annotated[Principal, Depends(deps.oversight)],
    ) -> Response:
        pdf = await run_in_threadpool(compliance.dashboard_pdf)
        await run_in_threadpool(
            deps.services.audit.append,
            actor=reader.username,
            action="compliance.report",
            detail={"bytes": len(pdf)},
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": 'attachment; filename="compliance-report.pdf"',
                "Cache-Control": "no-store",
            },
        )

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

    @router.get(
        "/compliance/dashboard",
        response_model=DashboardOut,
        summary="What is in order and what needs doing (managers, auditors, administrators)",
    )
    def dashboard(_reader: Annotated[Principal, Depends(deps.oversight)]) -> DashboardOut:
        return DashboardOut(**compliance.dashboard().as_json())

    return router
