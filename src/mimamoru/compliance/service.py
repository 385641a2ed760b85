"""The compliance parts wired together, as ``Services.compliance``."""

from __future__ import annotations

from typing import Literal, cast
from zoneinfo import ZoneInfo

from mimamoru.audit.log import AuditLog
from mimamoru.clock import Clock
from mimamoru.compliance.attestations import PHOTO_SECRET_NAME, AttestationService
from mimamoru.compliance.dashboard import Dashboard, build_dashboard
from mimamoru.compliance.notice import Notice, build_notice
from mimamoru.compliance.profile import ProfileService
from mimamoru.compliance.purposes import PurposeService
from mimamoru.compliance.report import dashboard_report
from mimamoru.compliance.report_pdf import render_report_pdf
from mimamoru.compliance.reviews import ReviewService
from mimamoru.compliance.signage import FORMATS, PAPER_SIZES, render_signage
from mimamoru.compliance.signs import camera_sign, site_sign
from mimamoru.compliance.sites import SiteService
from mimamoru.crypto.keyring import KeyRing
from mimamoru.db.engine import Database
from mimamoru.errors import ValidationFailedError
from mimamoru.settings import Settings

NOTICE_PATH = "/privacy"


class Compliance:
    def __init__(
        self, settings: Settings, database: Database, clock: Clock, audit: AuditLog, keys: KeyRing
    ) -> None:
        self._settings = settings
        self._database = database
        self._clock = clock
        self.profile = ProfileService(database, clock, audit)
        self.purposes = PurposeService(database, clock, audit)
        self.sites = SiteService(database, clock, audit)
        self._zone = ZoneInfo(settings.site.timezone)
        self.attestations = AttestationService(
            database, clock, audit, keys.secret(PHOTO_SECRET_NAME)[0], self._zone
        )
        self.reviews = ReviewService(database, clock, audit)

    @property
    def notice_url(self) -> str:
        return self._settings.public_base_url + NOTICE_PATH

    def notice(self) -> Notice:
        return build_notice(
            self._database,
            self.profile.get(),
            self.notice_url,
            self._zone,
        )

    def dashboard(self) -> Dashboard:
        return build_dashboard(
            self._database,
            self.profile.get(),
            self._settings.compliance,
            self._clock.now(),
            self._zone,
        )

    def camera_signage(self, camera_id: int, size: str, fmt: str) -> bytes:
        paper, kind = _sign_options(size, fmt)
        content = camera_sign(self._database, self.profile.get(), self.notice_url, camera_id)
        return render_signage(content, paper, kind, font_path=self._settings.fonts.font_path)

    def site_signage(self, site_id: int, size: str, fmt: str) -> bytes:
        paper, kind = _sign_options(size, fmt)
        content = site_sign(self._database, self.profile.get(), self.notice_url, site_id)
        return render_signage(content, paper, kind, font_path=self._settings.fonts.font_path)

    def dashboard_pdf(self) -> bytes:
        document = dashboard_report(
            self.dashboard(), self.profile.get().business_name, self._settings.public_base_url
        )
        return render_report_pdf(document, font_path=self._settings.fonts.font_path)


def _sign_options(size: str, fmt: str) -> tuple[Literal["A4", "A3"], Literal["pdf", "png"]]:
    """Checked before anything is looked up: a bad option is 422 whatever the camera."""
    paper = size.strip().upper()
    kind = fmt.strip().lower()
    if paper not in PAPER_SIZES:
        raise ValidationFailedError(
            f"unsupported paper size {size!r}: use one of {', '.join(PAPER_SIZES)}"
        )
    if kind not in FORMATS:
        raise ValidationFailedError(f"unsupported format {fmt!r}: use one of {', '.join(FORMATS)}")
    return cast(Literal["A4", "A3"], paper), cast(Literal["pdf", "png"], kind)
