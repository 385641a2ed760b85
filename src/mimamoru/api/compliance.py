"""Compliance records: the operator profile, storage locations, sites, the purposes registry,
each camera's purposes and site (gated: `configure`), reviews, and the dashboard."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from fastapi.concurrency import run_in_threadpool

from mimamoru.access.gate import Authorization
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation
from mimamoru.api.compliance_schemas import (
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
from mimamoru.compliance.profile import (
    DEFAULT_SECURITY_MEASURES,
    Location,
    Profile,
    missing_fields,
)
from mimamoru.compliance.purposes import PurposeFields, PurposeRecord
from mimamoru.compliance.reviews import Review, ReviewKind
from mimamoru.compliance.sites import SiteRecord

ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


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
        "/compliance/dashboard",
        response_model=DashboardOut,
        summary="What is in order and what needs doing (managers, auditors, administrators)",
    )
    def dashboard(_reader: Annotated[Principal, Depends(deps.oversight)]) -> DashboardOut:
        return DashboardOut(**compliance.dashboard().as_json())

    return router
